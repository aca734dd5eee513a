/*
 * journal_check.c - reading the journal (its entries in order, the signed head) and proving
 * it: the chain, the head signature, SQLite's integrity and the derived state against a
 * rebuild from the entries; and that rebuild.
 *
 * Must never: write or alter an entry; change anything while checking (check reads one
 * snapshot and rebuilds into a scratch schema); or rewrite the st_* tables outside one write
 * transaction (a rebuild, or a migration while opening).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"
#include "journal_int.h"

/* ---- reading ----------------------------------------------------------------------------- */

int64_t sv_journal_last_seq(sv_journal *j)
{
    int64_t seq = 0;
    uint8_t hash[SV_HASH_BYTES];
    return sv__journal_last_entry(j, &seq, hash) == SV_OK ? seq : 0;
}

int sv_journal_foreach(sv_journal *j, int64_t from_seq, int (*fn)(const sv_entry *e, void *ctx),
                       void *ctx)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(j->db,
                                "SELECT seq, time_ms, kind, payload, prev_hash, hash FROM entries"
                                " WHERE seq >= ? ORDER BY seq",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sv__journal_fail_db(j, rc, "journal");
    sqlite3_bind_int64(st, 1, from_seq);
    static const uint8_t zero[SV_HASH_BYTES];
    int ret = SV_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sv_entry e;
        e.seq = sqlite3_column_int64(st, 0);
        e.time_ms = sqlite3_column_int64(st, 1);
        e.kind = (const char *)sqlite3_column_text(st, 2);
        e.payload = (const char *)sqlite3_column_text(st, 3);
        e.payload_len = (size_t)sqlite3_column_bytes(st, 3);
        /* A malformed hash column is reported through check; hand out zeros meanwhile. */
        e.prev_hash =
            sqlite3_column_bytes(st, 4) == SV_HASH_BYTES ? sqlite3_column_blob(st, 4) : zero;
        e.hash = sqlite3_column_bytes(st, 5) == SV_HASH_BYTES ? sqlite3_column_blob(st, 5) : zero;
        if (!e.kind)
            e.kind = "";
        if (!e.payload)
            e.payload = "";
        ret = fn(&e, ctx);
        if (ret != 0)
            break;
    }
    if (ret == SV_OK && rc != SQLITE_DONE)
        ret = sv__journal_fail_db(j, rc, "journal");
    sqlite3_finalize(st);
    return ret;
}

int sv_journal_head(sv_journal *j, int64_t *seq, uint8_t hash[SV_HASH_BYTES],
                    uint8_t sig[SV_SIG_BYTES])
{
    sqlite3_stmt *st;
    int rc =
        sqlite3_prepare_v2(j->db, "SELECT seq, hash, sig FROM head WHERE id = 1", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sv__journal_fail_db(j, rc, "journal head");
    rc = sqlite3_step(st);
    int ret = SV_OK;
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == SV_HASH_BYTES &&
        sqlite3_column_bytes(st, 2) == SV_SIG_BYTES) {
        *seq = sqlite3_column_int64(st, 0);
        memcpy(hash, sqlite3_column_blob(st, 1), SV_HASH_BYTES);
        memcpy(sig, sqlite3_column_blob(st, 2), SV_SIG_BYTES);
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        ret = sv__journal_fail(j, SV_ECORRUPT, "%s: the signed chain head is missing", j->path);
    } else {
        ret = sv__journal_fail_db(j, rc, "journal head");
    }
    sqlite3_finalize(st);
    return ret;
}

/* ---- checking ------------------------------------------------------------------------------ */

struct chain_walk {
    sv_journal *j;
    sv_check_report *r;
    int64_t expect;
    uint8_t prev[SV_HASH_BYTES];
    const char *schema; /* when set, apply each entry to this state schema */
    int apply_failed;
};

static int chain_step(const sv_entry *e, void *ctx)
{
    struct chain_walk *w = ctx;
    if (w->r)
        w->r->entries++;
    if (w->r && w->r->chain_ok) {
        uint8_t h[SV_HASH_BYTES];
        if (e->seq != w->expect) {
            w->r->chain_ok = 0;
            w->r->first_bad_seq = w->expect;
            snprintf(w->r->detail, sizeof w->r->detail, "entry %lld is missing (found %lld)",
                     (long long)w->expect, (long long)e->seq);
        } else if (memcmp(e->prev_hash, w->prev, SV_HASH_BYTES) != 0) {
            w->r->chain_ok = 0;
            w->r->first_bad_seq = e->seq;
            snprintf(w->r->detail, sizeof w->r->detail,
                     "entry %lld does not link to the entry before it", (long long)e->seq);
        } else {
            sv_entry_hash(w->j->device_id, e->seq, e->time_ms, e->kind, e->payload, e->payload_len,
                          w->prev, h);
            if (memcmp(h, e->hash, SV_HASH_BYTES) != 0) {
                w->r->chain_ok = 0;
                w->r->first_bad_seq = e->seq;
                snprintf(w->r->detail, sizeof w->r->detail,
                         "entry %lld (%s) does not match its hash: it was altered",
                         (long long)e->seq, e->kind);
            }
        }
    }
    if (w->r) {
        memcpy(w->prev, e->hash, SV_HASH_BYTES);
        w->expect = e->seq + 1;
    }
    if (w->schema) {
        json_error_t err;
        json_t *p = json_loadb(e->payload, e->payload_len, 0, &err);
        /* An unreadable payload derives nothing, as in the live path it could not exist. */
        if (p) {
            if (sv__state_apply(sv__journal_db(w->j), w->schema, NULL, e->seq, e->time_ms, e->kind,
                                p) != SV_OK)
                w->apply_failed = 1;
            json_decref(p);
        }
    }
    return w->apply_failed ? SV_EIO : 0;
}

/* Rows in a.t not in b.t, for every state table: 0 when the two states are equal. */
static int compare_state(sv_journal *j, const char *a, const char *b, char *detail, size_t len)
{
    for (const char *const *t = sv__state_tables; *t; t++) {
        char *sql = sqlite3_mprintf("SELECT (SELECT count(*) FROM (SELECT * FROM %s.%s EXCEPT "
                                    "SELECT * FROM %s.%s)) + (SELECT count(*) FROM (SELECT * FROM "
                                    "%s.%s EXCEPT SELECT * FROM %s.%s))",
                                    a, *t, b, *t, b, *t, a, *t);
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(j->db, sql, -1, &st, NULL);
        sqlite3_free(sql);
        if (rc != SQLITE_OK)
            return sv__journal_fail_db(j, rc, "state comparison");
        long long diff = -1;
        if (sqlite3_step(st) == SQLITE_ROW)
            diff = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (diff != 0) {
            snprintf(detail, len, "stored state differs from a rebuild in %s (%lld rows)", *t,
                     diff);
            return 1;
        }
    }
    return 0;
}

/* The files kept with units: each one's bytes must hash to its name and be of its size, and a
 * device's own journal must keep the file of every attach entry (a replica at the office keeps
 * none: the office holds the bytes, sync/office.h). */
static int check_files(sv_journal *j, sv_check_report *r)
{
    r->files_ok = 1;
    sqlite3_stmt *st;
    int src = sqlite3_prepare_v2(j->db, "SELECT sha256, bytes, data FROM files", -1, &st, NULL);
    if (src != SQLITE_OK)
        return sv__journal_fail_db(j, src, "journal files");
    while ((src = sqlite3_step(st)) == SQLITE_ROW && r->files_ok) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 2);
        uint8_t md[crypto_hash_sha256_BYTES];
        char hex[2 * crypto_hash_sha256_BYTES + 1];
        crypto_hash_sha256(md, sqlite3_column_blob(st, 2), n);
        sodium_bin2hex(hex, sizeof hex, md, sizeof md);
        if (!name || strcmp(hex, name) != 0 || (int64_t)n != sqlite3_column_int64(st, 1)) {
            r->files_ok = 0;
            if (!r->detail[0])
                snprintf(r->detail, sizeof r->detail,
                         "kept file %.64s: its bytes do not match its SHA-256 or size",
                         name ? name : "?");
        }
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE && src != SQLITE_ROW)
        return sv__journal_fail_db(j, src, "journal files");
    /* a replica (opened as one, or marked so in its meta: `quejie check` of a replica file) */
    int replica = j->replica;
    if (!replica &&
        sqlite3_prepare_v2(j->db, "SELECT 1 FROM meta WHERE key = 'replica' AND value = '1'", -1,
                           &st, NULL) == SQLITE_OK) {
        replica = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    if (replica || !r->files_ok)
        return SV_OK;
    src = sqlite3_prepare_v2(j->db,
                             "SELECT e.seq FROM entries e WHERE e.kind = 'attach' AND NOT EXISTS"
                             " (SELECT 1 FROM files f"
                             "  WHERE f.sha256 = json_extract(e.payload, '$.file.sha256'))"
                             " ORDER BY e.seq LIMIT 1",
                             -1, &st, NULL);
    if (src != SQLITE_OK)
        return sv__journal_fail_db(j, src, "journal files");
    if ((src = sqlite3_step(st)) == SQLITE_ROW) {
        r->files_ok = 0;
        if (!r->detail[0])
            snprintf(r->detail, sizeof r->detail,
                     "entry %lld names a file the journal does not keep",
                     (long long)sqlite3_column_int64(st, 0));
    }
    sqlite3_finalize(st);
    return src == SQLITE_ROW || src == SQLITE_DONE ? SV_OK
                                                   : sv__journal_fail_db(j, src, "journal files");
}

int sv_journal_check(sv_journal *j, sv_check_report *r)
{
    memset(r, 0, sizeof *r);
    r->chain_ok = 1;
    /* One read transaction for everything below: another process may be recording while we
     * check, and every step must see the same snapshot. The scratch schema for the rebuild is
     * attached first (ATTACH is not allowed inside a transaction). */
    int rc = sv__journal_exec(j, "ATTACH DATABASE ':memory:' AS rebuild");
    if (rc != SV_OK)
        return rc;
    rc = sv__journal_exec(j, "BEGIN");

    /* SQLite's own view of the file first: everything else reads through it. */
    sqlite3_stmt *st = NULL;
    if (rc == SV_OK &&
        sqlite3_prepare_v2(j->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        rc = sv__journal_fail_db(j, sqlite3_errcode(j->db), "integrity check");
    if (rc == SV_OK) {
        int src;
        r->sqlite_ok = 1;
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            const char *msg = (const char *)sqlite3_column_text(st, 0);
            if (msg && strcmp(msg, "ok") != 0) {
                if (r->sqlite_ok)
                    snprintf(r->detail, sizeof r->detail, "SQLite integrity: %s", msg);
                r->sqlite_ok = 0;
            }
        }
        if (src != SQLITE_DONE) {
            r->sqlite_ok = 0;
            snprintf(r->detail, sizeof r->detail, "SQLite integrity: %s", sqlite3_errmsg(j->db));
        }
    }
    sqlite3_finalize(st);

    /* Chain, and a rebuild of the state into the scratch schema in the same pass. */
    if (rc == SV_OK && sv__state_create(j->db, "rebuild") != SV_OK)
        rc = sv__journal_fail_db(j, sqlite3_errcode(j->db), "rebuild state");
    struct chain_walk w = {.j = j, .r = r, .expect = 1, .schema = "rebuild"};
    if (rc == SV_OK)
        rc = sv_journal_foreach(j, 1, chain_step, &w);
    if (rc == SV_OK) {
        char detail[256] = "";
        int diff = compare_state(j, "main", "rebuild", detail, sizeof detail);
        if (diff < 0)
            rc = diff;
        r->state_ok = diff == 0;
        if (diff > 0 && !r->detail[0])
            snprintf(r->detail, sizeof r->detail, "%s", detail);
    }

    if (rc == SV_OK)
        rc = check_files(j, r);

    /* The signed head must name the last entry and verify with the device's key. */
    int64_t hseq;
    uint8_t hhash[SV_HASH_BYTES], sig[SV_SIG_BYTES];
    if (rc == SV_OK && sv_journal_head(j, &hseq, hhash, sig) == SV_OK) {
        int sig_valid = sv_head_verify(j->pk, hseq, hhash, sig);
        int names_last = hseq == r->entries && memcmp(hhash, w.prev, SV_HASH_BYTES) == 0;
        r->signature_ok = sig_valid && names_last;
        if (!r->signature_ok && !r->detail[0])
            snprintf(r->detail, sizeof r->detail,
                     sig_valid ? "the signed head (entry %lld) is not the last entry"
                               : "the head signature (entry %lld) does not verify with the "
                                 "device key",
                     (long long)hseq);
    } else if (rc == SV_OK && !r->detail[0]) {
        snprintf(r->detail, sizeof r->detail, "%s", j->errmsg);
    }
    sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
    sqlite3_exec(j->db, "DETACH DATABASE rebuild", NULL, NULL, NULL);
    if (rc != SV_OK)
        return rc;
    int all = r->chain_ok && r->signature_ok && r->sqlite_ok && r->state_ok && r->files_ok;
    return all ? SV_OK : SV_ECORRUPT;
}

/* Drop the state tables, create this build's and derive them from the entries, inside the
 * caller's write transaction (a rebuild, or a migration while opening). */
int sv__journal_rebuild_in_txn(sv_journal *j)
{
    /* Cached statements name the tables about to be dropped. */
    sv__stcache_clear(&j->cache);
    sqlite3_finalize(j->st_unit);
    sqlite3_finalize(j->st_number);
    j->st_unit = j->st_number = NULL;
    int rc = SV_OK;
    if (sv__state_drop(j->db, "main") != SV_OK || sv__state_create(j->db, "main") != SV_OK)
        rc = sv__journal_fail_db(j, sqlite3_errcode(j->db), "rebuild state");
    struct chain_walk w = {.j = j, .r = NULL, .expect = 1, .schema = "main"};
    if (rc == SV_OK)
        rc = sv_journal_foreach(j, 1, chain_step, &w);
    if (rc != SV_OK && w.apply_failed)
        rc = sv__journal_fail_db(j, sqlite3_errcode(j->db), "rebuild state");
    return rc;
}

int sv_journal_rebuild_state(sv_journal *j)
{
    if (j->readonly)
        return sv__journal_fail(j, SV_EINVAL, "%s: journal is open read-only", j->path);
    int rc = sv__journal_exec(j, "BEGIN IMMEDIATE");
    if (rc != SV_OK)
        return rc;
    rc = sv__journal_rebuild_in_txn(j);
    if (rc == SV_OK)
        rc = sv__journal_exec(j, "COMMIT");
    if (rc != SV_OK)
        sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(j->st_last);
    sqlite3_finalize(j->st_insert);
    sqlite3_finalize(j->st_head);
    j->st_last = j->st_insert = j->st_head = NULL;
    int prc = sv__journal_prepare(j);
    return rc != SV_OK ? rc : prc;
}
