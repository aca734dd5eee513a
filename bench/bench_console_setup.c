/*
 * bench_console_setup.c - set-up helper of bench_console.sh (not a benchmark itself).
 *
 *   bench_console_setup OFFICE_DB DIR DEVICES
 *
 * In one process (a hundred `quejie-office` runs cost more than the benchmark): registers the
 * devices dev000 .. dev(DEVICES-1) (sy_office_device_add, as `device add`) and imports
 * DIR/tasks-NNN.geojson assigned to devNNN (sy_office_tasks_import, as `tasks import`).
 * Prints "NAME TOKEN" per device.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sync/office.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_console_setup OFFICE_DB DIR DEVICES\n");
        return 2;
    }
    int n = atoi(argv[3]);
    sy_office *o;
    if (sy_office_open(argv[1], &o) != SY_OK) {
        fprintf(stderr, "bench_console_setup: %s\n", sy_office_errmsg(o));
        sy_office_close(o);
        return 1;
    }
    int rc = SY_OK;
    for (int d = 0; rc == SY_OK && d < n; d++) {
        char name[16], file[4096], token[SY_TOKEN_CHARS + 1];
        size_t count = 0;
        snprintf(name, sizeof name, "dev%03d", d);
        snprintf(file, sizeof file, "%s/tasks-%03d.geojson", argv[2], d);
        rc = sy_office_device_add(o, name, NULL, token);
        if (rc == SY_OK)
            rc = sy_office_tasks_import(o, file, name, 0, &count);
        if (rc == SY_OK)
            printf("%s %s\n", name, token);
    }
    if (rc != SY_OK)
        fprintf(stderr, "bench_console_setup: %s\n", sy_office_errmsg(o));
    sy_office_close(o);
    return rc == SY_OK ? 0 : 1;
}
