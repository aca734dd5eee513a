/*
 * office_export.c - the county-wide export: every device's replica through sv_export_journals
 * (GeoPackage, GeoJSON, CSV), the same writer the tablet uses.
 *
 * It must never write over the office's own files, nor open a replica for writing.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "office_int.h"
#include "survey/geo.h"

/* ---- export ---------------------------------------------------------------------------------- */

/* 1 when path is the office database or one of its companion files. */
static int is_office_file(const sy_office *o, const char *path)
{
    struct stat out;
    if (stat(path, &out) != 0)
        return 0;
    static const char *const suffix[] = {"", ".key", "-wal", "-shm", "-journal", ".decisions"};
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        char *p = sy__str_cat(o->path, suffix[i]);
        struct stat st;
        int same = p && stat(p, &st) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino;
        free(p);
        if (same)
            return 1;
    }
    return 0;
}

int sy_office_export(sy_office *o, sv_export_format fmt, const char *path, sv_export_stats *stats)
{
    return sy_office_export_unit(o, fmt, NULL, path, stats);
}

int sy_office_export_unit(sy_office *o, sv_export_format fmt, const char *unit, const char *path,
                          sv_export_stats *stats)
{
    if (!path || !*path)
        return sy__fail(o, SY_EINVAL, "no output file given");
    if (is_office_file(o, path))
        return sy__fail(o, SY_EINVAL, "%s is the office database itself; choose another file",
                        path);
    sqlite3_stmt *st;
    if (sy__prep(o, "SELECT device_id FROM devices WHERE device_id IS NOT NULL ORDER BY id", &st))
        return SY_EIO;
    sv_journal **js = NULL;
    size_t n = 0, cap = 0;
    int rc = SY_OK;
    while (rc == SY_OK && sqlite3_step(st) == SQLITE_ROW) {
        sv_journal *j;
        rc = sy__replica_read(o, sy__col_text(st, 0), &j);
        if (rc != SY_OK || !j)
            continue;
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 16;
            sv_journal **nj = realloc(js, nc * sizeof *nj);
            if (!nj) {
                sv_journal_close(j);
                rc = sy__fail(o, SY_ENOMEM, "out of memory");
                break;
            }
            js = nj;
            cap = nc;
        }
        js[n++] = j;
    }
    sqlite3_finalize(st);
    sv_geo *g = NULL;
    if (rc == SY_OK && sv_geo_new(&g) != SV_OK)
        rc = sy__fail(o, SY_EIO, "cannot initialise PROJ (is proj-data installed?)");
    sv_export_options opt = {0};
    opt.unit = unit;
    char **strs = NULL;
    if (rc == SY_OK)
        rc = sy__export_choices(o, &opt, &strs);
    void *settled = NULL;
    if (rc == SY_OK)
        rc = sy__export_settlements(o, &opt, &settled);
    sv_export_notice *notices = NULL;
    void *notice_rows = NULL;
    if (rc == SY_OK && fmt == SV_EXPORT_NOTICE) {
        rc = sy__notices_load(o, unit, &notices, &opt.n_notices, &notice_rows);
        if (rc == SY_OK && !opt.n_notices)
            rc = sy__fail(o, SY_ENOTFOUND,
                          unit ? "unit %s is not in public notice (公告): give it a notice period "
                                 "first (quejie-office unit notice)"
                               : "no unit is in public notice (公告) now%s",
                          unit ? unit : "");
        opt.notices = notices;
    }
    opt.authority = sy_office_name(o); /* the forms and the notice name who receives objections */
    if (rc == SY_OK) {
        sv_diag d = {{0}};
        int src = sv_export_journals_opts(js, n, g, fmt, path, &opt, stats, &d);
        if (src != SV_OK)
            rc = sy__fail(o,
                          src == SV_ENOMEM      ? SY_ENOMEM
                          : src == SV_EINVAL    ? SY_EINVAL
                          : src == SV_ENOTFOUND ? SY_ENOTFOUND
                                                : SY_EIO,
                          "%s", d.msg[0] ? d.msg : sv_strerror(src));
    }
    sy__notices_free(notices, notice_rows);
    sy__export_settlements_free(&opt, settled);
    sy__export_choices_free(&opt, strs);
    sv_geo_free(g);
    for (size_t i = 0; i < n; i++)
        sv_journal_close(js[i]);
    free(js);
    return rc;
}
