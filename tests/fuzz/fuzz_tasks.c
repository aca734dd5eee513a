/*
 * fuzz_tasks.c - libFuzzer target for the task-package parser (sv_tasks_parse), the first
 * parser of outside data. Built with -DQUEJIE_FUZZ=ON (clang); without it, replay_main.c
 * turns it into a ctest that replays the saved inputs in tests/fixtures/tasks/ (bad inputs and
 * fuzzer finds alike) under the normal and the sanitizer builds.
 */
#include <stddef.h>
#include <stdint.h>

#include "survey/tasks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sv_geo *geo;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!geo && sv_geo_new(&geo) != SV_OK)
        return 0;
    sv_task_set set;
    sv_diag d;
    /* Vary the optional arguments with the input so both paths are explored. */
    sv_geo *g = (size & 1) ? geo : NULL;
    const char *pattern = (size & 2) ? "[0-9A-Z]{2,20}" : NULL;
    if (sv_tasks_parse("fuzz.geojson", (const char *)data, size, g, pattern, &set, &d) == SV_OK)
        sv_task_set_clear(&set);
    return 0;
}
