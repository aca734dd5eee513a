/*
 * office_reader.c - a second handle on an open office for reads only (sy_office_open_reader):
 * its own read-only SQLite connection to OFFICE_DB, so that the console's pages and API reads
 * proceed while an ingest holds the writer (WAL: readers see the last commit and never block
 * the writer, nor it them).
 *
 * It must never write: the connection is opened SQLITE_OPEN_READONLY, and the handle holds no
 * secret key (a call that needs one fails).
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "office_int.h"

int sy_office_open_reader(const sy_office *w, sy_office **out)
{
    *out = NULL;
    if (!w)
        return SY_EINVAL;
    sy_office *o = calloc(1, sizeof *o);
    if (!o)
        return SY_ENOMEM;
    *out = o;
    o->path = strdup(w->path);
    o->replicas = strdup(w->replicas);
    if (!o->path || !o->replicas)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    memcpy(o->office_id, w->office_id, sizeof o->office_id);
    memcpy(o->name, w->name, sizeof o->name);
    o->tolerance = w->tolerance;
    o->reader = 1;
    o->log = w->log; /* what a read finds wrong (a damaged replica) goes to the office's log */
    memcpy(o->sign_pk, w->sign_pk, sizeof o->sign_pk);
    memcpy(o->box_pk, w->box_pk, sizeof o->box_pk);
    if (sqlite3_open_v2(o->path, &o->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK)
        return sy__fail(o, SY_EIO, "%s: cannot open for reading: %s", o->path,
                        o->db ? sqlite3_errmsg(o->db) : "out of memory");
    sqlite3_busy_timeout(o->db, 10000);
    sqlite3_extended_result_codes(o->db, 0);
    return SY_OK;
}
