/*
 * office_ingest.c - the office's ingest of bundles: verify a bundle in full, append its new tail
 * to the device's replica journal in one transaction, write the ingest log ahead of the apply,
 * then bring the county index up to date (office_review.c); and the ingest log as a query.
 * The same code serves HTTP (office_http.c) and USB files (`quejie-office import`).
 *
 * It must never change or drop an entry a device already sent (a differing entry is a fork,
 * refused whole), apply anything it could not log first, apply a bundle of a device other than
 * the one the request was authenticated as, or trust a byte of the bundle before
 * sy_bundle_open has verified it.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "office_int.h"
#include "survey/clock.h"
#include "survey/journal_replica.h"

/* ---- ingest ---------------------------------------------------------------------------------- */

const char *sy_ingest_status_name(sy_ingest_status s)
{
    switch (s) {
    case SY_INGEST_APPLIED:
        return "applied";
    case SY_INGEST_DUPLICATE:
        return "duplicate";
    case SY_INGEST_GAP:
        return "gap";
    case SY_INGEST_REFUSED:
        break;
    }
    return "refused";
}

/*
 * The ingest log and the replica are two SQLite files in WAL mode, which SQLite cannot commit
 * atomically together, so the log is written ahead: before a bundle's entries are appended, its
 * row is committed with result 'applying' (log_intent); once the append has committed or failed
 * the row gets its outcome (ingest_log with the row's id). If the office dies in between, the
 * row stays 'applying' and the next ingest of that device settles it against the replica
 * (log_settle): the append is all or nothing, so the replica either holds the bundle's last
 * entry ('applied') or none of it ('interrupted'). Every applied bundle therefore has its row:
 * when the row cannot be written, nothing is applied.
 */
static int64_t log_intent(sy_office *o, const char *via, const sy_ingest_result *r, size_t applying)
{
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "INSERT INTO ingest_log(time, via, device_id, device, first_seq, last_seq, result,"
                 " applied, acked_seq, reason) VALUES (?, ?, ?, ?, ?, ?, 'applying', ?, ?, NULL)",
                 &st))
        return 0;
    sqlite3_bind_int64(st, 1, sv_wall_ms());
    sy__bind_text(st, 2, via);
    sy__bind_text(st, 3, r->device_id[0] ? r->device_id : NULL);
    sy__bind_text(st, 4, r->device[0] ? r->device : NULL);
    sqlite3_bind_int64(st, 5, r->first_seq);
    sqlite3_bind_int64(st, 6, r->last_seq);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)applying);
    sqlite3_bind_int64(st, 8, r->acked_seq);
    int64_t id = sqlite3_step(st) == SQLITE_DONE ? sqlite3_last_insert_rowid(o->db) : 0;
    if (!id)
        sy__fail_db(o, "ingest log");
    sqlite3_finalize(st);
    return id;
}

/* Give the 'applying' rows of a device that an office which died left behind their outcome;
 * held is what its replica holds. Called under the device's lock, so no ingest is running. */
static void log_settle(sy_office *o, const char *device_id, int64_t held)
{
    sqlite3_stmt *st;
    if (sy__prep(
            o,
            "UPDATE ingest_log SET result = CASE WHEN last_seq <= ?1 THEN 'applied'"
            " ELSE 'interrupted' END, applied = CASE WHEN last_seq <= ?1 THEN applied ELSE 0 END,"
            " acked_seq = ?1, reason = CASE WHEN last_seq <= ?1"
            " THEN 'the office stopped before it logged the outcome: the replica holds the bundle'"
            " ELSE 'the office stopped during the ingest: nothing of the bundle was applied' END"
            " WHERE device_id = ?2 AND result = 'applying'",
            &st))
        return;
    sqlite3_bind_int64(st, 1, held);
    sy__bind_text(st, 2, device_id);
    if (sqlite3_step(st) != SQLITE_DONE)
        sy__logf(o, "ingest log of %s not settled: %s", device_id, sqlite3_errmsg(o->db));
    sqlite3_finalize(st);
}

/* The outcome of an ingest: a new row, or the written-ahead row id (log_intent) completed. */
static void ingest_log(sy_office *o, const char *via, const sy_ingest_result *r, int64_t id)
{
    sqlite3_stmt *st;
    if (sy__prep(o,
                 /* ?2 .. ?6 unused by the update (bound all the same: ?11 numbers 11 slots) */
                 id ? "UPDATE ingest_log SET time = ?1, result = ?7, applied = ?8, acked_seq = ?9,"
                      " reason = ?10 WHERE id = ?11"
                    : "INSERT INTO ingest_log(time, via, device_id, device, first_seq, last_seq,"
                      " result, applied, acked_seq, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                      " ?9, ?10)",
                 &st))
        return;
    sqlite3_bind_int64(st, 1, sv_wall_ms());
    sy__bind_text(st, 2, via);
    sy__bind_text(st, 3, r->device_id[0] ? r->device_id : NULL);
    sy__bind_text(st, 4, r->device[0] ? r->device : NULL);
    sqlite3_bind_int64(st, 5, r->first_seq);
    sqlite3_bind_int64(st, 6, r->last_seq);
    sy__bind_text(st, 7, sy_ingest_status_name(r->status));
    sqlite3_bind_int64(st, 8, (sqlite3_int64)r->applied);
    sqlite3_bind_int64(st, 9, r->acked_seq);
    sy__bind_text(st, 10, r->message[0] ? r->message : NULL);
    if (id)
        sqlite3_bind_int64(st, 11, id);
    /* The outcome is a record, not a gate: an applied bundle's row was written ahead, and a row
     * left 'applying' is settled by the device's next ingest. */
    if (sqlite3_step(st) != SQLITE_DONE)
        sy__logf(o, "ingest log not written: %s", sqlite3_errmsg(o->db));
    sqlite3_finalize(st);
}

static int refuse(sy_office *o, sy_ingest_result *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(sy_office *o, sy_ingest_result *r, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
    r->status = SY_INGEST_REFUSED;
    snprintf(o->errmsg, sizeof o->errmsg, "%s", r->message);
    return rc;
}

/* The work of an ingest once the device is known; called under the device's lock. */
static int ingest_locked(sy_office *o, const uint8_t *b, size_t len, const sy_device *dev,
                         const char *via, sy_ingest_result *r, int64_t *log_id)
{
    sy_bundle_info info;
    sy_entries ents = {0};
    char err[256] = "";
    int rc = sy_bundle_open(b, len, dev->pk, o->office_id, o->box_pk, o->box_sk, &info, &ents, err,
                            sizeof err);
    if (rc != SY_OK)
        return refuse(o, r, rc, "%s", err[0] ? err : sy_strerror(rc));
    r->first_seq = info.first_seq;
    r->last_seq = info.last_seq;
    if (ents.n == 0 || ents.v[0].seq != info.first_seq || ents.v[ents.n - 1].seq != info.last_seq) {
        sy_entries_free(&ents);
        return refuse(o, r, SY_EFORMAT, "the entries do not match the bundle header");
    }
    sv_journal *j = NULL;
    rc = sy__replica_write(o, dev->device_id, dev->pk, &j);
    if (rc != SY_OK) {
        sy_entries_free(&ents);
        return refuse(o, r, rc, "%s", o->errmsg);
    }
    int64_t held = sv_journal_last_seq(j);
    int touches = 0; /* an applied entry can change the county index */
    log_settle(o, dev->device_id, held);
    r->acked_seq = held;
    if (info.first_seq > held + 1) {
        r->status = SY_INGEST_GAP;
        snprintf(r->message, sizeof r->message,
                 "the bundle starts at entry %lld but the office holds entries up to %lld: "
                 "resend from %lld (a network sync does; by USB stick: quejie bundle JOURNAL "
                 "--output FILE --from %lld)",
                 (long long)info.first_seq, (long long)held, (long long)held + 1,
                 (long long)held + 1);
        sy_entries_free(&ents);
        sv_journal_close(j);
        return SY_OK;
    }
    /* What the office already holds must be exactly what the bundle says for those seqs, and
     * the entry the bundle builds on: a difference is a forked or tampered journal (say a
     * copied tablet that recorded on), never silently merged. */
    if (info.first_seq >= 1) {
        uint8_t h[SV_HASH_BYTES];
        if (sv_journal_hash_at(j, info.first_seq - 1, h) != SV_OK)
            rc = refuse(o, r, SY_EIO, "replica: %s", sv_journal_errmsg(j));
        else if (memcmp(h, info.prev_hash, SV_HASH_BYTES) != 0)
            rc = refuse(o, r, SY_EFORK,
                        "FORK: the bundle builds on an entry %lld of device %s that differs from "
                        "the one the office holds (a forked or tampered journal); nothing applied",
                        (long long)info.first_seq - 1, dev->name);
    }
    for (size_t i = 0; rc == SY_OK && i < ents.n && ents.v[i].seq <= held; i++) {
        uint8_t h[SV_HASH_BYTES];
        int hrc = sv_journal_hash_at(j, ents.v[i].seq, h);
        if (hrc != SV_OK) {
            rc = refuse(o, r, SY_EIO, "replica: %s", sv_journal_errmsg(j));
            break;
        }
        if (memcmp(h, ents.v[i].hash, SV_HASH_BYTES) != 0) {
            rc = refuse(o, r, SY_EFORK,
                        "FORK: entry %lld of device %s differs from the one the office holds "
                        "(a forked or tampered journal); nothing applied",
                        (long long)ents.v[i].seq, dev->name);
            break;
        }
    }
    if (rc == SY_OK && info.last_seq <= held) {
        r->status = SY_INGEST_DUPLICATE;
    } else if (rc == SY_OK) {
        size_t skip = (size_t)(held + 1 - info.first_seq);
        sv_entry *view = sy_entries_view(&ents);
        json_t **docs = malloc(ents.n * sizeof *docs);
        if (!view || !docs) {
            rc = refuse(o, r, SY_ENOMEM, "out of memory");
        } else if (!(*log_id = log_intent(o, via, r, ents.n - skip))) {
            rc =
                refuse(o, r, SY_EIO, "cannot write the ingest log, nothing applied: %s", o->errmsg);
        } else {
            for (size_t i = 0; i < ents.n; i++)
                docs[i] = ents.v[i].parsed; /* the trees the decoder built: not parsed again */
            int arc = sv_journal_append_verbatim_parsed(j, view + skip, docs + skip, ents.n - skip,
                                                        info.head_sig);
            if (arc == SV_OK) {
                r->status = SY_INGEST_APPLIED;
                r->applied = ents.n - skip;
                for (size_t i = skip; !touches && i < ents.n; i++)
                    touches = sy__kind_changes_index(ents.v[i].kind);
            } else if (arc == SV_ECORRUPT) {
                rc = refuse(o, r, SY_ECHAIN, "%s", sv_journal_errmsg(j));
            } else {
                rc = refuse(o, r, SY_EIO, "replica: %s", sv_journal_errmsg(j));
            }
        }
        free(view);
        free(docs);
    }
    r->acked_seq = sv_journal_last_seq(j);
    if (rc == SY_OK) {
        /* The index is refreshed in full when it lags behind what the replica held before
         * this bundle (a crash between the replica commit and the refresh, or an office from
         * before the index): otherwise only when the new entries can change it. */
        int64_t indexed = sy__county_indexed_seq(o, dev->device_id);
        int changed = indexed < held;
        changed = changed || touches;
        sy__dev_ref me = {dev->name, dev->device_id};
        if (indexed != r->acked_seq &&
            sy__county_refresh(o, &me, j, changed, &r->new_cases) != SY_OK)
            /* The entries are stored and acknowledged; the index and detection are repaired
             * by the next ingest of this device, duplicates included. */
            sy__logf(o, "review detection for %s failed: %s", dev->name, o->errmsg);
        /* from the entries as decoded: the replica is not read again (repaired on the next
         * open when this fails) */
        if (sy__life_device_index(o, dev->device_id, j, ents.v, ents.n) != SY_OK)
            sy__logf(o, "unit activity of %s not indexed: %s", dev->name, o->errmsg);
    }
    sy_entries_free(&ents);

    sv_journal_close(j);
    return rc;
}

int sy_office_ingest(sy_office *o, const uint8_t *b, size_t len, const char *expect_device,
                     const char *via, sy_ingest_result *r)
{
    memset(r, 0, sizeof *r);
    r->status = SY_INGEST_REFUSED;
    sy_bundle_info info;
    char err[256] = "";
    int rc = sy_bundle_peek(b, len, &info, err, sizeof err);
    if (rc != SY_OK) {
        refuse(o, r, rc, "%s", err[0] ? err : sy_strerror(rc));
    } else {
        snprintf(r->device_id, sizeof r->device_id, "%s", info.device_id);
        r->first_seq = info.first_seq;
        r->last_seq = info.last_seq;
        if (expect_device && strcmp(expect_device, info.device_id) != 0)
            rc = refuse(o, r, SY_EAUTH, "the bundle is device %s's, not the sender's",
                        info.device_id);
    }
    sy_device dev;
    char status[16] = "";
    int64_t log_id = 0; /* the ingest log row written ahead of an apply */
    if (rc == SY_OK) {
        rc = sy__device_by_id(o, info.device_id, &dev, status, sizeof status);
        if (dev.name[0])
            snprintf(r->device, sizeof r->device, "%s", dev.name);
        if (rc != SY_OK)
            refuse(o, r, rc, "%s", o->errmsg);
    }
    if (rc == SY_OK) {
        int fd = sy__device_lock(o, dev.device_id);
        if (fd < 0)
            rc = refuse(o, r, SY_EIO, "%s", o->errmsg);
        else
            rc = ingest_locked(o, b, len, &dev, via, r, &log_id);
        /* under the lock: a row left 'applying' is settled only by the next ingest's lock */
        ingest_log(o, via, r, log_id);
        sy__device_unlock(fd);
    } else {
        ingest_log(o, via, r, 0);
    }
    const char *who = r->device[0] ? r->device : r->device_id[0] ? r->device_id : "?";
    if (r->status == SY_INGEST_REFUSED)
        sy__logf(o, "REFUSED bundle via %s from %s, entries %lld-%lld: %s", via ? via : "?", who,
                 (long long)r->first_seq, (long long)r->last_seq, r->message);
    else
        sy__logf(o, "ingest via %s from %s, entries %lld-%lld: %s %zu, acked %lld%s%s",
                 via ? via : "?", who, (long long)r->first_seq, (long long)r->last_seq,
                 sy_ingest_status_name(r->status), r->applied, (long long)r->acked_seq,
                 r->status == SY_INGEST_GAP ? ": " : "",
                 r->status == SY_INGEST_GAP ? r->message : "");
    return rc;
}

/* ---- the ingest log -------------------------------------------------------------------------- */

int sy_office_log(sy_office *o, size_t limit, char **out)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT time, via, device, device_id, first_seq, last_seq, result, applied,"
                 " acked_seq, reason FROM ingest_log ORDER BY id DESC LIMIT ?",
                 &st))
        return SY_EIO;
    sqlite3_bind_int64(st, 1, limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)limit);
    json_t *arr = json_array();
    while (arr && sqlite3_step(st) == SQLITE_ROW) {
        json_t *r = json_object();
        if (!r)
            break;
        json_object_set_new(r, "time", sy__col_json_time(st, 0));
        json_object_set_new(r, "via", sy__col_json_str(st, 1));
        json_object_set_new(r, "device", sy__col_json_str(st, 2));
        json_object_set_new(r, "device_id", sy__col_json_str(st, 3));
        json_object_set_new(r, "first_seq", json_integer(sqlite3_column_int64(st, 4)));
        json_object_set_new(r, "last_seq", json_integer(sqlite3_column_int64(st, 5)));
        json_object_set_new(r, "result", sy__col_json_str(st, 6));
        json_object_set_new(r, "applied", json_integer(sqlite3_column_int64(st, 7)));
        json_object_set_new(r, "acked_seq", json_integer(sqlite3_column_int64(st, 8)));
        json_object_set_new(r, "reason", sy__col_json_str(st, 9));
        json_array_append_new(arr, r);
    }
    sqlite3_finalize(st);
    return sy__json_text(o, arr, out);
}
