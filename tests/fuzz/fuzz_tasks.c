#include <stdint.h>
#include <stddef.h>
#include "survey/tasks.h"
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static sv_geo *g;
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g) sv_geo_new(&g);
    sv_task_set s; sv_diag d;
    if (sv_tasks_parse("fuzz.geojson", (const char *)data, size, (size & 1) ? g : NULL, (size & 2) ? "[0-9A-Z]{2,20}" : NULL, &s, &d) == SV_OK)
        sv_task_set_clear(&s);
    return 0;
}
