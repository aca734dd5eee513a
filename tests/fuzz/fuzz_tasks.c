/*
 * fuzz_tasks.c - libFuzzer target for the task-package parser (sv_tasks_parse), the first
 * parser of outside data (a county's GeoJSON, `quejie tasks import`, `quejie-office tasks
 * import` and the package the client fetches). Built with -DQUEJIE_FUZZ=ON (clang); in every
 * build replay_main.c turns it into the ctest fuzz/fuzz_tasks over tests/fuzz/corpus/tasks/,
 * tests/fuzz/regress/tasks/ and the hand-made bad packages of tests/fixtures/tasks/.
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
