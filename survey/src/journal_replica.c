/*
 * journal_replica.c - the county office's replica of a device's journal: created without a
 * key, grown only by verbatim appends of the device's own entries, each proved against the
 * chain and the device's head signature before it is kept.
 *
 * Must never: keep an entry that does not extend the chain or is not covered by a head
 * signature that verifies, keep part of a batch (all or nothing), or sign anything.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "journal_int.h"
#include "survey/journal_replica.h"

int sv_journal_create_replica(const char *path, const uint8_t pk[SV_PUBKEY_BYTES], sv_journal **out)
{
    *out = NULL;
    if (!path || !*path)
        return SV_EINVAL;
    sv_journal *j = sv__journal_alloc(path);
    if (!j)
        return SV_ENOMEM;
    *out = j;
    j->replica = 1;
    if (access(path, F_OK) == 0)
        return sv__journal_fail(j, SV_EEXIST, "%s already exists", path);
    memcpy(j->pk, pk, SV_PUBKEY_BYTES);
    sv_device_id_from_key(j->pk, j->device_id);
    int rc = sv__journal_open_raw(j, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (rc == SV_OK)
        rc = sv__journal_set_pragmas(j, path);
    if (rc == SV_OK)
        rc = sv__journal_exec(j, "BEGIN IMMEDIATE");
    if (rc == SV_OK) {
        rc = sv__journal_schema_create(j);
        if (rc == SV_OK)
            rc = sv__journal_meta_identity(j);
        if (rc == SV_OK)
            rc = sv__journal_meta_set(j, "replica", "1");
        if (rc == SV_OK)
            rc = sv__journal_exec(j, "COMMIT");
        else
            sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    }
    if (rc == SV_OK)
        rc = sv__journal_prepare(j);
    if (rc == SV_OK)
        rc = sv__journal_load_identity(j);
    if (rc != SV_OK && j->db) {
        char keep[sizeof j->errmsg];
        memcpy(keep, j->errmsg, sizeof keep);
        sqlite3_close_v2(j->db);
        j->db = NULL;
        unlink(path);
        memcpy(j->errmsg, keep, sizeof keep);
    }
    return rc;
}

/* The init entry names the device, its crew and default CRS: keep them in meta as on the
 * tablet, so that a replica reads (and exports) like the original. */
static int replica_identity(sv_journal *j, json_t *p)
{
    const char *name = sv__json_get_str(p, "name"), *crew = sv__json_get_str(p, "crew");
    int rc = SV_OK;
    char buf[64];
    if (name)
        rc = sv__journal_meta_set(j, "device_name", name);
    if (rc == SV_OK && crew)
        rc = sv__journal_meta_set(j, "crew", crew);
    int64_t epsg = sv__json_get_int(p, "epsg", 0);
    snprintf(buf, sizeof buf, "%lld", (long long)epsg);
    if (rc == SV_OK)
        rc = sv__journal_meta_set(j, "epsg", buf);
    double cm = sv__json_get_fixed(p, "cm", SV__NANODEG);
    snprintf(buf, sizeof buf, "%.9g", cm);
    if (rc == SV_OK && !epsg && isfinite(cm))
        rc = sv__journal_meta_set(j, "central_meridian", buf);
    return rc;
}

int sv_journal_append_verbatim(sv_journal *j, const sv_entry *e, size_t n,
                               const uint8_t head_sig[SV_SIG_BYTES])
{
    return sv_journal_append_verbatim_parsed(j, e, NULL, n, head_sig);
}

int sv_journal_append_verbatim_parsed(sv_journal *j, const sv_entry *e, json_t *const *docs,
                                      size_t n, const uint8_t head_sig[SV_SIG_BYTES])
{
    if (!j->replica)
        return sv__journal_fail(j, SV_EINVAL, "%s: not a replica", j->path);
    if (n == 0)
        return SV_OK;
    int64_t seq;
    uint8_t prev[SV_HASH_BYTES], h[SV_HASH_BYTES];
    int rc = sv__journal_exec(j, "BEGIN IMMEDIATE");
    if (rc != SV_OK)
        return rc;
    rc = sv__journal_last_entry(j, &seq, prev);
    int saw_init = 0;
    for (size_t i = 0; rc == SV_OK && i < n; i++) {
        const sv_entry *x = &e[i];
        if (x->seq != seq + 1) {
            rc = sv__journal_fail(j, SV_ECORRUPT, "entry %lld does not follow entry %lld",
                                  (long long)x->seq, (long long)seq);
            break;
        }
        if (memcmp(x->prev_hash, prev, SV_HASH_BYTES) != 0) {
            rc = sv__journal_fail(j, SV_ECORRUPT, "entry %lld does not link to entry %lld",
                                  (long long)x->seq, (long long)seq);
            break;
        }
        sv_entry_hash(j->device_id, x->seq, x->time_ms, x->kind, x->payload, x->payload_len, prev,
                      h);
        if (memcmp(h, x->hash, SV_HASH_BYTES) != 0) {
            rc = sv__journal_fail(j, SV_ECORRUPT, "entry %lld (%s) does not match its hash",
                                  (long long)x->seq, x->kind);
            break;
        }
        sqlite3_stmt *st = j->st_insert;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, x->seq);
        sqlite3_bind_int64(st, 2, x->time_ms);
        sqlite3_bind_text(st, 3, x->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, x->payload, (int)x->payload_len, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, prev, SV_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_blob(st, 6, h, SV_HASH_BYTES, SQLITE_STATIC);
        int src = sqlite3_step(st);
        sqlite3_reset(st);
        if (src != SQLITE_DONE) {
            rc = sv__journal_fail_db(j, src, "cannot append to the replica");
            break;
        }
        /* Deriving never fails on content: an unreadable payload derives nothing (as check's
         * rebuild does), so the replica's state equals a rebuild from its entries. */
        json_t *p = docs && docs[i] ? json_incref(docs[i])
                                    : json_loadb(x->payload, x->payload_len, 0, NULL);
        if (p) {
            if (strcmp(x->kind, "init") == 0 && x->seq == 1) {
                rc = replica_identity(j, p);
                saw_init = 1;
            }
            if (rc == SV_OK &&
                sv__state_apply(j->db, "main", &j->cache, x->seq, x->time_ms, x->kind, p) != SV_OK)
                rc = sv__journal_fail_db(j, sqlite3_errcode(j->db),
                                         "cannot update the replica state");
            json_decref(p);
        }
        seq = x->seq;
        memcpy(prev, h, SV_HASH_BYTES);
    }
    if (rc == SV_OK && !sv_head_verify(j->pk, seq, prev, head_sig))
        rc = sv__journal_fail(j, SV_ECORRUPT,
                              "the head signature over entry %lld does not verify with the "
                              "device key",
                              (long long)seq);
    if (rc == SV_OK) {
        sqlite3_reset(j->st_head);
        sqlite3_bind_int64(j->st_head, 1, seq);
        sqlite3_bind_blob(j->st_head, 2, prev, SV_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_blob(j->st_head, 3, head_sig, SV_SIG_BYTES, SQLITE_STATIC);
        int src = sqlite3_step(j->st_head);
        sqlite3_reset(j->st_head);
        if (src != SQLITE_DONE)
            rc = sv__journal_fail_db(j, src, "replica head");
    }
    if (rc == SV_OK) {
        int crc = sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
        if (crc != SQLITE_OK)
            rc = sv__journal_fail_db(j, crc, "cannot commit to the replica");
    }
    if (rc != SV_OK) {
        char keep[sizeof j->errmsg];
        memcpy(keep, j->errmsg, sizeof keep);
        sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
        memcpy(j->errmsg, keep, sizeof keep);
        return rc;
    }
    if (saw_init)
        rc = sv__journal_load_identity(j);
    if (rc == SV_OK && j->wal_pages > SV__WAL_MAINTAIN_PAGES)
        sv_journal_maintain(j);
    return rc;
}
