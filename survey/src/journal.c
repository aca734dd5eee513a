/*
 * journal.c - the append-only device journal: the SQLite file, the device key file, entry
 * hashes and the signed head, appends and batches. The schema and its migrations are in
 * journal_migrate.c, reading and checking in journal_check.c, replicas in journal_replica.c,
 * the typed recording calls in record.c; they share the handle through journal_int.h.
 *
 * Must never: update or delete an entry (triggers refuse it too), report an entry recorded
 * before its transaction committed with synchronous=FULL, write derived state outside the
 * transaction of the entry it comes from, or write the secret key anywhere but JOURNAL.key.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"
#include "journal_int.h"
#include "survey/clock.h"
#include "survey/fileio.h"
#include "survey/limits.h"

#define HASH_DOMAIN "quejie-entry-v1"
#define HEAD_DOMAIN "quejie-head-v1"

_Static_assert(SV__SECKEY_BYTES == crypto_sign_SECRETKEYBYTES, "Ed25519 secret key size");
_Static_assert(SV_PUBKEY_BYTES == crypto_sign_PUBLICKEYBYTES, "Ed25519 public key size");

/* ---- errors ----------------------------------------------------------------------------- */

int sv__sqlite_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return SV_OK;
    case SQLITE_NOMEM:
        return SV_ENOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return SV_EBUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return SV_ECORRUPT;
    case SQLITE_CANTOPEN:
        return SV_ENOTFOUND;
    case SQLITE_CONSTRAINT:
        return SV_EINVAL;
    default:
        return SV_EIO;
    }
}

int sv__journal_fail(sv_journal *j, int err, const char *fmt, ...)
{
    if (j) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(j->errmsg, sizeof j->errmsg, fmt, ap);
        va_end(ap);
    }
    return err;
}

/* Bytes free to this process on the file system holding path (its directory when the file is
 * not there); -1 when unknown. */
static long long space_free(const char *path)
{
    struct statvfs vs;
    if (statvfs(path, &vs) != 0) {
        const char *slash = strrchr(path, '/');
        char dir[4096];
        if (!slash)
            snprintf(dir, sizeof dir, ".");
        else
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) + (slash == path), path);
        if (statvfs(dir, &vs) != 0)
            return -1;
    }
    return (long long)vs.f_bavail * (long long)vs.f_frsize;
}

/* SQLite reports a full disk as SQLITE_FULL only when a write to the database or its WAL runs
 * out of room; when the WAL index (-shm) cannot be grown on open it says "disk I/O error". Both
 * are named for what they are: the errno of the failing call says ENOSPC (or the quota's EDQUOT),
 * or the journal's file system has less room left than a WAL index needs. */
static int disk_full(sv_journal *j, int rc, long long *avail)
{
    int prim = rc & 0xff;
    *avail = -1;
    if (prim != SQLITE_FULL && prim != SQLITE_IOERR)
        return 0;
    *avail = j->path ? space_free(j->path) : -1;
    int e = j->db ? sqlite3_system_errno(j->db) : 0;
    return prim == SQLITE_FULL || e == ENOSPC || e == EDQUOT || (*avail >= 0 && *avail < 64 * 1024);
}

/* Why the journal at path cannot be written, for SQLite's bare "attempt to write a readonly
 * database" or "unable to open database file": a read-only file system (a USB stick mounted
 * read-only), no write permission on the file, its -wal or -shm, or its directory (SQLite creates
 * both files beside the journal, even to read it). Empty when none of these holds. */
static void why_readonly(const char *path, char *why, size_t n)
{
    why[0] = 0;
    const char *slash = strrchr(path, '/');
    char dir[4096], side[4096];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) + (slash == path), path);
    struct statvfs vs;
    if (statvfs(dir, &vs) == 0 && (vs.f_flag & ST_RDONLY)) {
        snprintf(why, n, "it is on a read-only file system");
        return;
    }
    if (access(path, W_OK) != 0 && errno != ENOENT) {
        snprintf(why, n, "no permission to write the file (%s)", strerror(errno));
        return;
    }
    static const char *const sides[] = {"-wal", "-shm"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(side, sizeof side, "%s%s", path, sides[i]);
        if (access(side, W_OK) != 0 && errno != ENOENT) {
            snprintf(why, n, "no permission to write its %s file (%s)", sides[i], strerror(errno));
            return;
        }
    }
    if (access(dir, W_OK) != 0)
        snprintf(why, n,
                 "no permission to write in its directory %s, where SQLite keeps the journal's "
                 "-wal and -shm files (%s)",
                 dir, strerror(errno));
}

/* Fail with SQLite's own message appended, keeping the original text as STYLE.md asks; a full
 * disk is said to be one, naming the journal's file. */
int sv__journal_fail_db(sv_journal *j, int rc, const char *what)
{
    const char *detail = j->db ? sqlite3_errmsg(j->db) : sqlite3_errstr(rc);
    long long avail;
    if (disk_full(j, rc, &avail)) {
        char room[48] = "no room";
        if (avail >= 0)
            snprintf(room, sizeof room, "%lld bytes free", avail);
        int same = j->path && strcmp(what, j->path) == 0;
        return sv__journal_fail(j, SV_EIO,
                                "%s: the disk is full (%s on the file system of the journal%s%s, "
                                "which needs room for its -wal and -shm files beside it): free "
                                "some space and run the command again; nothing of this command "
                                "was recorded, and entries recorded before are kept (SQLite: %s)",
                                what, room, same ? "" : " ", same ? "" : j->path, detail);
    }
    int prim = rc & 0xff;
    char why[4400];
    if ((prim == SQLITE_READONLY || prim == SQLITE_CANTOPEN) && j->path &&
        (why_readonly(j->path, why, sizeof why), why[0])) {
        int same = strcmp(what, j->path) == 0;
        return sv__journal_fail(j, sv__sqlite_err(rc),
                                "%s: the journal%s%s cannot be written: %s; nothing of this "
                                "command was recorded: copy the journal with its key to a "
                                "writable place, or give write permission (SQLite: %s)",
                                what, same ? "" : " ", same ? "" : j->path, why, detail);
    }
    return sv__journal_fail(j, sv__sqlite_err(rc), "%s: %s", what, detail);
}

const char *sv_journal_errmsg(const sv_journal *j)
{
    return j ? j->errmsg : "no journal";
}

sqlite3 *sv__journal_db(sv_journal *j)
{
    return j->db;
}

/* ---- JSON payload helpers ------------------------------------------------------------------ */

void sv__json_set_fixed(json_t *o, const char *key, double v, double scale)
{
    int64_t f = sv__to_fixed(v, scale);
    if (f != INT64_MIN)
        json_object_set_new(o, key, json_integer(f));
}

double sv__json_get_fixed(const json_t *o, const char *key, double scale)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        return NAN;
    return sv__from_fixed(json_integer_value(v), scale);
}

void sv__json_set_str(json_t *o, const char *key, const char *s)
{
    if (s && *s)
        json_object_set_new(o, key, json_string(s));
}

const char *sv__json_get_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

int64_t sv__json_get_int(const json_t *o, const char *key, int64_t def)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? json_integer_value(v) : def;
}

json_t *sv__geom_to_json(const sv_geom *g)
{
    json_t *parts = json_array();
    size_t ring = 0, pt = 0;
    for (size_t p = 0; p < g->n_parts; p++) {
        json_t *rings = json_array();
        for (size_t r = 0; r < g->part_rings[p]; r++, ring++) {
            json_t *flat = json_array();
            for (size_t i = 0; i < g->ring_pts[ring]; i++, pt++) {
                json_array_append_new(flat,
                                      json_integer(sv__to_fixed(g->lonlat[2 * pt], SV__NANODEG)));
                json_array_append_new(
                    flat, json_integer(sv__to_fixed(g->lonlat[2 * pt + 1], SV__NANODEG)));
            }
            json_array_append_new(rings, flat);
        }
        json_array_append_new(parts, rings);
    }
    return parts;
}

int sv__geom_from_json(const json_t *a, sv_geom *g)
{
    memset(g, 0, sizeof *g);
    if (!json_is_array(a))
        return SV_EFORMAT;
    size_t n_parts = json_array_size(a), n_rings = 0, n_pts = 0;
    for (size_t p = 0; p < n_parts; p++) {
        json_t *rings = json_array_get(a, p);
        if (!json_is_array(rings))
            return SV_EFORMAT;
        n_rings += json_array_size(rings);
        for (size_t r = 0; r < json_array_size(rings); r++) {
            json_t *flat = json_array_get(rings, r);
            if (!json_is_array(flat) || json_array_size(flat) % 2)
                return SV_EFORMAT;
            n_pts += json_array_size(flat) / 2;
        }
    }
    if (n_parts == 0)
        return SV_OK;
    g->part_rings = malloc(n_parts * sizeof *g->part_rings);
    g->ring_pts = malloc((n_rings ? n_rings : 1) * sizeof *g->ring_pts);
    g->lonlat = malloc((n_pts ? 2 * n_pts : 1) * sizeof *g->lonlat);
    if (!g->part_rings || !g->ring_pts || !g->lonlat) {
        sv_geom_clear(g);
        return SV_ENOMEM;
    }
    g->n_parts = n_parts;
    g->n_rings = n_rings;
    g->n_pts = n_pts;
    size_t ring = 0, pt = 0;
    for (size_t p = 0; p < n_parts; p++) {
        json_t *rings = json_array_get(a, p);
        g->part_rings[p] = json_array_size(rings);
        for (size_t r = 0; r < json_array_size(rings); r++, ring++) {
            json_t *flat = json_array_get(rings, r);
            size_t m = json_array_size(flat);
            g->ring_pts[ring] = m / 2;
            for (size_t i = 0; i < m; i++)
                g->lonlat[2 * pt + i] =
                    sv__from_fixed(json_integer_value(json_array_get(flat, i)), SV__NANODEG);
            pt += m / 2;
        }
    }
    return SV_OK;
}

/* ---- hashing and signing ----------------------------------------------------------------- */

static void put_be64(uint8_t *b, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (uint8_t)v;
}

static void put_be32(uint8_t *b, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        b[i] = (uint8_t)v;
}

void sv_entry_hash(const char *device_id, int64_t seq, int64_t time_ms, const char *kind,
                   const char *payload, size_t payload_len, const uint8_t prev[SV_HASH_BYTES],
                   uint8_t out[SV_HASH_BYTES])
{
    crypto_hash_sha256_state st;
    uint8_t b[8];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)HASH_DOMAIN, sizeof HASH_DOMAIN);
    crypto_hash_sha256_update(&st, prev, SV_HASH_BYTES);
    put_be64(b, (uint64_t)seq);
    crypto_hash_sha256_update(&st, b, 8);
    put_be64(b, (uint64_t)time_ms);
    crypto_hash_sha256_update(&st, b, 8);
    size_t dl = strlen(device_id), kl = strlen(kind);
    put_be32(b, (uint32_t)dl);
    crypto_hash_sha256_update(&st, b, 4);
    crypto_hash_sha256_update(&st, (const uint8_t *)device_id, dl);
    put_be32(b, (uint32_t)kl);
    crypto_hash_sha256_update(&st, b, 4);
    crypto_hash_sha256_update(&st, (const uint8_t *)kind, kl);
    put_be32(b, (uint32_t)payload_len);
    crypto_hash_sha256_update(&st, b, 4);
    crypto_hash_sha256_update(&st, (const uint8_t *)payload, payload_len);
    crypto_hash_sha256_final(&st, out);
}

void sv__sha256(const void *data, size_t len, uint8_t out[32])
{
    crypto_hash_sha256(out, (const uint8_t *)data, len);
}

/* The signed message for a chain head: domain, device id, seq, hash. */
static size_t head_message(const char *device_id, int64_t seq, const uint8_t hash[SV_HASH_BYTES],
                           uint8_t *msg)
{
    size_t n = 0;
    memcpy(msg, HEAD_DOMAIN, sizeof HEAD_DOMAIN);
    n += sizeof HEAD_DOMAIN;
    memcpy(msg + n, device_id, 32);
    n += 32;
    put_be64(msg + n, (uint64_t)seq);
    n += 8;
    memcpy(msg + n, hash, SV_HASH_BYTES);
    return n + SV_HASH_BYTES;
}

static void device_id_from_pk(const uint8_t pk[SV_PUBKEY_BYTES], char out[33])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, pk, SV_PUBKEY_BYTES);
    sodium_bin2hex(out, 33, h, 16);
}

int sv__journal_exec(sv_journal *j, const char *sql)
{
    int rc = sqlite3_exec(j->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sv__journal_fail_db(j, rc, "journal");
    return SV_OK;
}

int sv__journal_meta_set(sv_journal *j, const char *key, const char *value)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(j->db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        return sv__journal_fail_db(j, rc, "journal meta");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value ? value : "", -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SV_OK : sv__journal_fail_db(j, rc, "journal meta");
}

/* The device's identity in meta: its id and its public key in hex. */
int sv__journal_meta_identity(sv_journal *j)
{
    char pkhex[2 * SV_PUBKEY_BYTES + 1];
    sodium_bin2hex(pkhex, sizeof pkhex, j->pk, sizeof j->pk);
    int rc = sv__journal_meta_set(j, "device_id", j->device_id);
    return rc == SV_OK ? sv__journal_meta_set(j, "public_key", pkhex) : rc;
}

/* Returns a heap copy of a meta value, or NULL. */
static char *meta_get(sv_journal *j, const char *key)
{
    sqlite3_stmt *st;
    char *out = NULL;
    if (sqlite3_prepare_v2(j->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        out = sv__strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

int sv__journal_prepare(sv_journal *j)
{
    int rc = sqlite3_prepare_v3(j->db, "SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1",
                                -1, SQLITE_PREPARE_PERSISTENT, &j->st_last, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(j->db,
                                "INSERT INTO entries(seq, time_ms, kind, payload, prev_hash, hash)"
                                " VALUES (?, ?, ?, ?, ?, ?)",
                                -1, SQLITE_PREPARE_PERSISTENT, &j->st_insert, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(
            j->db, "INSERT OR REPLACE INTO head(id, seq, hash, sig) VALUES (1, ?, ?, ?)", -1,
            SQLITE_PREPARE_PERSISTENT, &j->st_head, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(j->db, "SELECT 1 FROM st_units WHERE code = ?", -1,
                                SQLITE_PREPARE_PERSISTENT, &j->st_unit, NULL);
    if (rc == SQLITE_OK)
        /* J and T points are one series (DOMAIN.md 3): the next of either follows both */
        rc = sqlite3_prepare_v3(j->db,
                                "SELECT max(last) FROM st_numbers WHERE unit = ?1 AND (prefix = ?2"
                                " OR (?2 IN ('J', 'T') AND prefix IN ('J', 'T')))",
                                -1, SQLITE_PREPARE_PERSISTENT, &j->st_number, NULL);
    return rc == SQLITE_OK ? SV_OK : sv__journal_fail_db(j, rc, "journal statements");
}

int sv__journal_open_raw(sv_journal *j, const char *path, int flags)
{
    /* A handle is used by one thread at a time (journal.h): no per-call mutex. */
    int rc = sqlite3_open_v2(path, &j->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return sv__journal_fail_db(j, rc, path);
    sqlite3_extended_result_codes(j->db, 1);
    sqlite3_busy_timeout(j->db, 5000);
    return SV_OK;
}

/* A county office opens a device's replica for every bundle it ingests and for every page
 * that reads it. Closing SQLite's last connection checkpoints the WAL into the database and
 * removes it (fsyncs of both files), which cost an ingest more than its appends: a replica's
 * connections leave the WAL in place instead, and the writer checkpoints when it has grown
 * past SQLite's own threshold (sv_journal_maintain), so the WAL stays bounded. A tablet's own
 * journal keeps the checkpoint on close: crews copy the file, and it should stand alone. */
void sv__journal_keep_wal(sv_journal *j)
{
    if (!j->db || j->keep_wal)
        return;
    j->keep_wal =
        sqlite3_db_config(j->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0) == SQLITE_OK;
    /* a checkpoint that reset the WAL also truncates it to this, so that one large bundle does
     * not leave a replica's -wal at its largest size for good */
    sqlite3_exec(j->db, "PRAGMA journal_size_limit=4194304", NULL, NULL, NULL);
}

static int wal_hook(void *ctx, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    ((sv_journal *)ctx)->wal_pages = pages;
    return SQLITE_OK;
}

/* Durability settings; the file is known to be (or to become) a journal by now. */
int sv__journal_set_pragmas(sv_journal *j, const char *path)
{
    int rc = SQLITE_OK;
    /* WAL + FULL: a commit is on disk (WAL fsynced) before sqlite3_step returns. */
    if (!j->readonly) {
        char *mode = NULL;
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(j->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                mode = sv__strdup((const char *)sqlite3_column_text(st, 0));
            rc = sqlite3_finalize(st);
        }
        int wal = mode && strcmp(mode, "wal") == 0;
        free(mode);
        if (!wal)
            return sv__journal_fail(j, rc == SQLITE_OK ? SV_EIO : sv__sqlite_err(rc),
                                    "%s: cannot switch the journal to WAL mode: %s", path,
                                    sqlite3_errmsg(j->db));
    }
    /* Checkpoints are taken off the reporting path: the WAL hook only notes the WAL's size,
     * sv_journal_maintain() (called between points, or when idle) checkpoints, and an append
     * checkpoints itself only when the WAL has grown far past that (nobody maintained). */
    if (!j->readonly)
        sqlite3_wal_hook(j->db, wal_hook, j);
    /* No "PRAGMA wal_autocheckpoint": it would replace the hook just installed. */
    return sv__journal_exec(j, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;");
}

/* ---- key file ---------------------------------------------------------------------------- */

static char *key_path(const char *path)
{
    size_t n = strlen(path);
    char *k = malloc(n + 5);
    if (k)
        memcpy(k, path, n), memcpy(k + n, ".key", 5);
    return k;
}

static int write_key(sv_journal *j, const char *kpath)
{
    /* Exclusive and atomic (survey/fileio.h): an existing key is never replaced, and a crash or
     * a full disk never leaves half a key; the directory is synced, or a power cut right after
     * init could keep the journal and lose the only key that can write to it. */
    if (sv_file_write_atomic(kpath, j->sk, sizeof j->sk, 0600, 1) != 0)
        return sv__journal_fail(j, errno == EEXIST ? SV_EEXIST : SV_EIO,
                                "%s: cannot write the device key: %s", kpath, strerror(errno));
    return SV_OK;
}

static int read_key(sv_journal *j)
{
    char *kpath = key_path(j->path);
    if (!kpath)
        return SV_ENOMEM;
    int fd = open(kpath, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno; /* "missing" only when it is: a key without read permission is there */
        int rc = sv__journal_fail(j, SV_ENOTFOUND,
                                  e == ENOENT ? "%s: device key missing (%s); this journal can be "
                                                "read but not written"
                                              : "%s: cannot read the device key (%s: the key is "
                                                "there, but not readable by this user); this "
                                                "journal can be read but not written",
                                  kpath, strerror(e));
        free(kpath);
        return rc;
    }
    sv_file_keep_private(fd); /* it signs for the device */
    ssize_t r = read(fd, j->sk, sizeof j->sk);
    close(fd);
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    if (r != (ssize_t)sizeof j->sk || crypto_sign_ed25519_sk_to_pk(pk, j->sk) != 0 ||
        sodium_memcmp(pk, j->pk, sizeof pk) != 0) {
        sodium_memzero(j->sk, sizeof j->sk);
        int rc = sv__journal_fail(j, SV_ECORRUPT, "%s: device key does not belong to this journal",
                                  kpath);
        free(kpath);
        return rc;
    }
    free(kpath);
    j->have_sk = 1;
    return SV_OK;
}

/* ---- open / create / close ----------------------------------------------------------------- */

sv_journal *sv__journal_alloc(const char *path)
{
    if (sodium_init() < 0)
        return NULL;
    sv_journal *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->path = sv__strdup(path);
    j->cm = NAN;
    j->point_limit_m = NAN;
    if (!j->path) {
        free(j);
        return NULL;
    }
    return j;
}

int sv__journal_load_identity(sv_journal *j)
{
    char *pkhex = meta_get(j, "public_key");
    char *id = meta_get(j, "device_id");
    size_t pklen = 0;
    int ok = pkhex && id &&
             sodium_hex2bin(j->pk, sizeof j->pk, pkhex, strlen(pkhex), NULL, &pklen, NULL) == 0 &&
             pklen == sizeof j->pk && strlen(id) == 32;
    if (ok) {
        char derived[33];
        device_id_from_pk(j->pk, derived);
        ok = strcmp(derived, id) == 0;
        memcpy(j->device_id, id, 33);
    }
    free(pkhex);
    free(id);
    if (!ok)
        return sv__journal_fail(j, SV_ECORRUPT, "%s: device identity missing or inconsistent",
                                j->path);
    free(j->device_name);
    free(j->crew);
    j->device_name = meta_get(j, "device_name");
    j->crew = meta_get(j, "crew");
    char *rep = meta_get(j, "replica");
    if (rep && strcmp(rep, "1") == 0)
        sv__journal_keep_wal(j);
    free(rep);
    char *epsg = meta_get(j, "epsg"), *cm = meta_get(j, "central_meridian");
    j->epsg = epsg ? atoi(epsg) : 0;
    j->cm = cm && *cm ? strtod(cm, NULL) : NAN;
    free(epsg);
    free(cm);
    return SV_OK;
}

/* Create a journal; with sk (an Ed25519 secret key the caller keeps) no key file is written. */
static int journal_create(const char *path, const sv_journal_opts *opts, const uint8_t *sk,
                          sv_journal **out)
{
    *out = NULL;
    if (!path || !*path)
        return SV_EINVAL;
    sv_journal *j = sv__journal_alloc(path);
    if (!j)
        return SV_ENOMEM;
    *out = j;
    sv_journal_opts none = {0};
    if (!opts)
        opts = &none, none.central_meridian = NAN;
    if (opts->epsg && (opts->epsg < 4513 || opts->epsg > 4554))
        return sv__journal_fail(j, SV_EINVAL,
                                "EPSG:%d is not a CGCS2000 3-degree Gauss-Kruger zone (4513-4554)",
                                opts->epsg);
    if (!opts->epsg && isfinite(opts->central_meridian) &&
        (opts->central_meridian < 72 || opts->central_meridian > 138))
        return sv__journal_fail(j, SV_EINVAL, "central meridian %g is outside China",
                                opts->central_meridian);
    /* The init entry is JSON: a name that is no UTF-8 would be dropped from it in silence
     * while the journal's meta kept its bytes. */
    const char *name[2] = {opts->device_name, opts->crew};
    static const char *const what[2] = {"device name", "crew"};
    for (int i = 0; i < 2; i++) {
        if (!name[i])
            continue;
        if (!sv_utf8_valid(name[i], strlen(name[i])))
            return sv__journal_fail(j, SV_EINVAL, "the %s is not UTF-8 text (GBK?)", what[i]);
        size_t chars = sv_text_chars(name[i]);
        if (chars > SV_LIMIT_NAME_CHARS)
            return sv__journal_fail(j, SV_EINVAL, "the %s has %zu characters; the limit is %u",
                                    what[i], chars, SV_LIMIT_NAME_CHARS);
    }
    if (access(path, F_OK) == 0)
        return sv__journal_fail(j, SV_EEXIST, "%s already exists", path);
    char *kpath = sk ? sv__strdup("") : key_path(path);
    if (!kpath)
        return SV_ENOMEM;
    if (sk) {
        memcpy(j->sk, sk, sizeof j->sk);
        crypto_sign_ed25519_sk_to_pk(j->pk, j->sk);
    } else {
        crypto_sign_keypair(j->pk, j->sk);
    }
    j->have_sk = 1;
    device_id_from_pk(j->pk, j->device_id);
    int rc = sk ? SV_OK : write_key(j, kpath);
    if (rc != SV_OK) {
        free(kpath);
        return rc;
    }
    rc = sv__journal_open_raw(j, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (rc == SV_OK)
        rc = sv__journal_set_pragmas(j, path);
    if (rc != SV_OK) {
        if (!sk)
            unlink(kpath);
        free(kpath);
        return rc;
    }
    char pkhex[2 * SV_PUBKEY_BYTES + 1], buf[64];
    sodium_bin2hex(pkhex, sizeof pkhex, j->pk, sizeof j->pk);
    rc = sv__journal_exec(j, "BEGIN IMMEDIATE");
    if (rc == SV_OK) {
        rc = sv__journal_schema_create(j);
        if (rc == SV_OK)
            rc = sv__journal_meta_identity(j);
        if (rc == SV_OK && opts->device_name)
            rc = sv__journal_meta_set(j, "device_name", opts->device_name);
        if (rc == SV_OK && opts->crew)
            rc = sv__journal_meta_set(j, "crew", opts->crew);
        snprintf(buf, sizeof buf, "%d", opts->epsg);
        if (rc == SV_OK)
            rc = sv__journal_meta_set(j, "epsg", buf);
        snprintf(buf, sizeof buf, "%.9g", opts->central_meridian);
        if (rc == SV_OK && !opts->epsg && isfinite(opts->central_meridian))
            rc = sv__journal_meta_set(j, "central_meridian", buf);
        if (rc == SV_OK)
            rc = sv__journal_prepare(j);
        if (rc == SV_OK)
            rc = sv__journal_load_identity(j);
        if (rc == SV_OK) {
            json_t *p = json_object();
            json_object_set_new(p, "v", json_integer(1));
            json_object_set_new(p, "device", json_string(j->device_id));
            json_object_set_new(p, "pubkey", json_string(pkhex));
            sv__json_set_str(p, "name", opts->device_name);
            sv__json_set_str(p, "crew", opts->crew);
            if (opts->epsg)
                json_object_set_new(p, "epsg", json_integer(opts->epsg));
            else
                sv__json_set_fixed(p, "cm", opts->central_meridian, SV__NANODEG);
            json_object_set_new(p, "software", json_string("quejie " SV_VERSION));
            json_object_set_new(p, "codes", sv__state_seed_json());
            j->in_batch = 1; /* one transaction for schema and first entry */
            rc = sv__journal_append(j, "init", p, NULL);
            j->in_batch = 0;
            json_decref(p);
        }
        if (rc == SV_OK) {
            j->batch_dirty = 1;
            j->in_batch = 1;
            rc = sv_journal_commit(j);
        } else {
            sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
        }
    }
    if (rc != SV_OK) {
        char keep[sizeof j->errmsg];
        memcpy(keep, j->errmsg, sizeof keep);
        sqlite3_close_v2(j->db);
        j->db = NULL;
        unlink(path);
        /* the file was ours (create refuses an existing one): so are its WAL and index, which
         * a failed first commit (a full disk) leaves behind */
        size_t n = strlen(path) + 5;
        char *side = malloc(n);
        if (side) {
            snprintf(side, n, "%s-wal", path);
            unlink(side);
            snprintf(side, n, "%s-shm", path);
            unlink(side);
            free(side);
        }
        if (!sk)
            unlink(kpath);
        memcpy(j->errmsg, keep, sizeof keep);
    }
    free(kpath);
    return rc;
}

int sv_journal_create(const char *path, const sv_journal_opts *opts, sv_journal **out)
{
    return journal_create(path, opts, NULL, out);
}

int sv_journal_create_keyed(const char *path, const sv_journal_opts *opts,
                            const uint8_t sk[SV__SECKEY_BYTES], sv_journal **out)
{
    *out = NULL;
    return sk ? journal_create(path, opts, sk, out) : SV_EINVAL;
}

/* Open a journal; with sk the caller's key replaces the key file. */
static int journal_open(const char *path, int flags, const uint8_t *sk, sv_journal **out)
{
    *out = NULL;
    if (!path || !*path)
        return SV_EINVAL;
    sv_journal *j = sv__journal_alloc(path);
    if (!j)
        return SV_ENOMEM;
    *out = j;
    j->readonly = (flags & SV_OPEN_READONLY) != 0;
    j->replica = !j->readonly && (flags & SV_OPEN_REPLICA) != 0;
    if (access(path, F_OK) != 0)
        return sv__journal_fail(j, SV_ENOTFOUND, "%s: no such journal", path);
    /* Even a read-only open uses a read-write connection so that SQLite can recover a WAL
     * left by a crash. Besides that recovery, a read-only open writes only to migrate an older
     * schema in place (which never touches entries); it records nothing. */
    int rc = sv__journal_open_raw(j, path, SQLITE_OPEN_READWRITE);
    if (rc != SV_OK)
        return rc;
    rc = sv__journal_schema_identify(j, path);
    if (rc != SV_OK)
        return rc;
    rc = sv__journal_set_pragmas(j, path);
    if (rc != SV_OK)
        return rc;
    rc = sv__journal_schema_upgrade(j, path);
    if (rc != SV_OK)
        return rc;
    rc = sv__journal_load_identity(j);
    if (rc == SV_OK)
        rc = sv__journal_prepare(j);
    if (rc == SV_OK && !j->readonly && !j->replica && !sk)
        rc = read_key(j);
    if (rc == SV_OK && sk) {
        uint8_t pk[SV_PUBKEY_BYTES];
        crypto_sign_ed25519_sk_to_pk(pk, sk);
        if (sodium_memcmp(pk, j->pk, sizeof pk) != 0)
            return sv__journal_fail(j, SV_ECORRUPT, "%s: the key given does not belong to it",
                                    path);
        memcpy(j->sk, sk, sizeof j->sk);
        j->have_sk = 1;
    }
    return rc;
}

int sv_journal_open(const char *path, int flags, sv_journal **out)
{
    return journal_open(path, flags, NULL, out);
}

int sv_journal_open_keyed(const char *path, const uint8_t sk[SV__SECKEY_BYTES], sv_journal **out)
{
    *out = NULL;
    return sk ? journal_open(path, 0, sk, out) : SV_EINVAL;
}

void sv_journal_close(sv_journal *j)
{
    if (!j)
        return;
    if (j->in_batch && j->db)
        sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(j->st_last);
    sqlite3_finalize(j->st_insert);
    sqlite3_finalize(j->st_head);
    sqlite3_finalize(j->st_unit);
    sqlite3_finalize(j->st_number);
    sv__stcache_clear(&j->cache);
    if (j->db && !j->readonly && j->wal_pages > (j->keep_wal ? SV__WAL_MAINTAIN_PAGES - 1 : 0))
        sqlite3_wal_checkpoint_v2(j->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    sqlite3_close_v2(j->db);
    sodium_memzero(j->sk, sizeof j->sk);
    free(j->path);
    free(j->device_name);
    free(j->crew);
    free(j);
}

const char *sv_journal_device_id(const sv_journal *j)
{
    return j->device_id;
}
const char *sv_journal_device_name(const sv_journal *j)
{
    return j->device_name ? j->device_name : "";
}
const char *sv_journal_crew(const sv_journal *j)
{
    return j->crew ? j->crew : "";
}
const char *sv_journal_path(const sv_journal *j)
{
    return j->path;
}
int sv_journal_owns_file(const sv_journal *j, const char *path)
{
    struct stat out;
    if (!j || !j->path || !path || stat(path, &out) != 0)
        return 0;
    static const char *const suffix[] = {"", ".key", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        char buf[4096];
        struct stat st;
        if ((size_t)snprintf(buf, sizeof buf, "%s%s", j->path, suffix[i]) >= sizeof buf)
            continue;
        if (stat(buf, &st) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino)
            return 1;
    }
    return 0;
}
int sv_journal_schema_found(const sv_journal *j)
{
    return j->schema_found;
}

void sv_journal_public_key(const sv_journal *j, uint8_t pk[SV_PUBKEY_BYTES])
{
    memcpy(pk, j->pk, SV_PUBKEY_BYTES);
}

void sv_journal_default_crs(const sv_journal *j, int *epsg, double *central_meridian)
{
    if (epsg)
        *epsg = j->epsg;
    if (central_meridian)
        *central_meridian = j->cm;
}

/* ---- appending --------------------------------------------------------------------------- */

int sv__journal_last_entry(sv_journal *j, int64_t *seq, uint8_t hash[SV_HASH_BYTES])
{
    sqlite3_reset(j->st_last);
    int rc = sqlite3_step(j->st_last);
    if (rc == SQLITE_DONE) {
        *seq = 0;
        memset(hash, 0, SV_HASH_BYTES);
        return SV_OK;
    }
    if (rc != SQLITE_ROW)
        return sv__journal_fail_db(j, rc, "journal");
    *seq = sqlite3_column_int64(j->st_last, 0);
    if (sqlite3_column_bytes(j->st_last, 1) != SV_HASH_BYTES) {
        sqlite3_reset(j->st_last);
        return sv__journal_fail(j, SV_ECORRUPT, "%s: entry %lld has a malformed hash", j->path,
                                (long long)*seq);
    }
    memcpy(hash, sqlite3_column_blob(j->st_last, 1), SV_HASH_BYTES);
    sqlite3_reset(j->st_last);
    return SV_OK;
}

static int sign_head(sv_journal *j)
{
    int64_t seq;
    uint8_t hash[SV_HASH_BYTES], sig[SV_SIG_BYTES], msg[128];
    int rc = sv__journal_last_entry(j, &seq, hash);
    if (rc != SV_OK)
        return rc;
    size_t mlen = head_message(j->device_id, seq, hash, msg);
    crypto_sign_detached(sig, NULL, msg, mlen, j->sk);
    sqlite3_reset(j->st_head);
    sqlite3_bind_int64(j->st_head, 1, seq);
    sqlite3_bind_blob(j->st_head, 2, hash, SV_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(j->st_head, 3, sig, SV_SIG_BYTES, SQLITE_STATIC);
    rc = sqlite3_step(j->st_head);
    sqlite3_reset(j->st_head);
    return rc == SQLITE_DONE ? SV_OK : sv__journal_fail_db(j, rc, "journal head");
}

/*
 * Append one entry (and its derived state) to the journal. Outside a batch this is one
 * IMMEDIATE transaction committed before returning; inside a batch it joins the batch.
 */
int sv__journal_append(sv_journal *j, const char *kind, json_t *payload, int64_t *seq_out)
{
    /* Always inside a write transaction: the caller's batch, or write_begin's own. */
    if (!j->in_batch)
        return sv__journal_fail(j, SV_EINVAL, "internal: append outside a write transaction");
    char *text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return sv__journal_fail(j, SV_ENOMEM, "cannot encode %s payload", kind);
    int64_t seq = 0, now = sv_wall_ms();
    uint8_t prev[SV_HASH_BYTES], hash[SV_HASH_BYTES];
    int rc = sv__journal_last_entry(j, &seq, prev);
    if (rc == SV_OK) {
        seq++;
        size_t len = strlen(text);
        sv_entry_hash(j->device_id, seq, now, kind, text, len, prev, hash);
        sqlite3_stmt *st = j->st_insert;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, text, (int)len, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, prev, SV_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_blob(st, 6, hash, SV_HASH_BYTES, SQLITE_STATIC);
        int src = sqlite3_step(st);
        sqlite3_reset(st);
        if (src != SQLITE_DONE)
            rc = sv__journal_fail_db(j, src, "cannot append to the journal");
    }
    if (rc == SV_OK) {
        int arc = sv__state_apply(j->db, "main", &j->cache, seq, now, kind, payload);
        if (arc != SV_OK) {
            /* Not every failure there comes from SQLite (allocation): never let it pass. */
            int err = sv__sqlite_err(sqlite3_errcode(j->db));
            rc = sv__journal_fail(j, err != SV_OK ? err : arc,
                                  "cannot update the journal state: %s", sqlite3_errmsg(j->db));
        }
    }
    if (rc == SV_OK)
        j->batch_dirty = 1;
    free(text);
    if (rc == SV_OK && seq_out)
        *seq_out = seq;
    return rc;
}

/*
 * The write transaction of one recording call: its own BEGIN IMMEDIATE, or a savepoint inside
 * the caller's batch. Every lookup the call makes (is the unit there, which number is next)
 * runs under the same write lock as the append, so two processes recording at once cannot
 * both take J7; and a failed call inside a batch undoes exactly its own writes.
 */
int sv__journal_write_begin(sv_journal *j, int *own)
{
    if (j->readonly || !j->have_sk)
        return sv__journal_fail(j, SV_EINVAL, "%s: journal is open read-only", j->path);
    if (j->in_batch) {
        if (sqlite3_get_autocommit(j->db))
            return sv__journal_fail(j, SV_EIO,
                                    "the open batch was rolled back by the database "
                                    "after an error; roll it back and start again");
        *own = 0;
        return sv__journal_exec(j, "SAVEPOINT record");
    }
    int rc = sv__journal_exec(j, "BEGIN IMMEDIATE");
    if (rc == SV_OK) {
        *own = 1;
        j->in_batch = 1;
        j->batch_dirty = 0;
    }
    return rc;
}

int sv__journal_write_end(sv_journal *j, int own, int rc)
{
    if (!own) {
        if (rc == SV_OK) {
            int src = sqlite3_exec(j->db, "RELEASE record", NULL, NULL, NULL);
            if (src != SQLITE_OK)
                rc = sv__journal_fail_db(j, src, "journal");
        } else if (!sqlite3_get_autocommit(j->db)) {
            sqlite3_exec(j->db, "ROLLBACK TO record", NULL, NULL, NULL);
            sqlite3_exec(j->db, "RELEASE record", NULL, NULL, NULL);
        }
        return rc;
    }
    j->in_batch = 0;
    if (rc == SV_OK && j->batch_dirty)
        rc = sign_head(j);
    if (rc == SV_OK) {
        int crc = sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
        if (crc != SQLITE_OK)
            rc = sv__journal_fail_db(j, crc, "cannot commit to the journal");
    }
    if (rc != SV_OK && !sqlite3_get_autocommit(j->db))
        sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    j->batch_dirty = 0;
    if (rc == SV_OK && j->wal_pages > SV__WAL_FORCE_PAGES)
        sv_journal_maintain(j); /* nobody maintained: keep the WAL bounded */
    return rc;
}

int sv_journal_maintain(sv_journal *j)
{
    if (!j || j->readonly || j->in_batch || j->wal_pages < SV__WAL_MAINTAIN_PAGES)
        return SV_OK;
    int rc = sqlite3_wal_checkpoint_v2(j->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        return sv__journal_fail_db(j, rc, "journal checkpoint");
    j->wal_pages = 0;
    return SV_OK;
}

int sv_journal_begin(sv_journal *j)
{
    if (j->in_batch)
        return sv__journal_fail(j, SV_EINVAL, "a batch is already open");
    if (j->readonly)
        return sv__journal_fail(j, SV_EINVAL, "%s: journal is open read-only", j->path);
    int rc = sv__journal_exec(j, "BEGIN IMMEDIATE");
    if (rc == SV_OK) {
        j->in_batch = 1;
        j->batch_dirty = 0;
    }
    return rc;
}

int sv_journal_commit(sv_journal *j)
{
    if (!j->in_batch)
        return sv__journal_fail(j, SV_EINVAL, "no batch is open");
    if (sqlite3_get_autocommit(j->db)) {
        j->in_batch = 0;
        j->batch_dirty = 0;
        return sv__journal_fail(j, SV_EIO,
                                "the batch was rolled back by the database after "
                                "an error; nothing of it was recorded");
    }
    int rc = j->batch_dirty ? sign_head(j) : SV_OK;
    if (rc == SV_OK) {
        int crc = sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
        if (crc != SQLITE_OK)
            rc = sv__journal_fail_db(j, crc, "cannot commit to the journal");
    }
    if (rc != SV_OK)
        sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    j->in_batch = 0;
    j->batch_dirty = 0;
    return rc;
}

void sv_journal_rollback(sv_journal *j)
{
    if (!j || !j->in_batch)
        return;
    sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    j->in_batch = 0;
    j->batch_dirty = 0;
}

/* ---- signing, stored hashes ------------------------------------------------------------- */

void sv_device_id_from_key(const uint8_t pk[SV_PUBKEY_BYTES], char out[33])
{
    device_id_from_pk(pk, out);
}

int sv_journal_sign(sv_journal *j, const void *msg, size_t len, uint8_t sig[SV_SIG_BYTES])
{
    if (!j->have_sk)
        return sv__journal_fail(j, SV_EINVAL, "%s: the device key is not loaded", j->path);
    crypto_sign_detached(sig, NULL, msg, len, j->sk);
    return SV_OK;
}

int sv_journal_sign_head(sv_journal *j, int64_t seq, const uint8_t hash[SV_HASH_BYTES],
                         uint8_t sig[SV_SIG_BYTES])
{
    uint8_t msg[128];
    size_t mlen = head_message(j->device_id, seq, hash, msg);
    return sv_journal_sign(j, msg, mlen, sig);
}

int sv_head_verify(const uint8_t pk[SV_PUBKEY_BYTES], int64_t seq,
                   const uint8_t hash[SV_HASH_BYTES], const uint8_t sig[SV_SIG_BYTES])
{
    char id[33];
    uint8_t msg[128];
    if (sodium_init() < 0)
        return 0;
    device_id_from_pk(pk, id);
    size_t mlen = head_message(id, seq, hash, msg);
    return crypto_sign_verify_detached(sig, msg, mlen, pk) == 0;
}

int sv_journal_hash_at(sv_journal *j, int64_t seq, uint8_t hash[SV_HASH_BYTES])
{
    if (seq == 0) {
        memset(hash, 0, SV_HASH_BYTES);
        return SV_OK;
    }
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(j->db, "SELECT hash FROM entries WHERE seq = ?", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sv__journal_fail_db(j, rc, "journal");
    sqlite3_bind_int64(st, 1, seq);
    rc = sqlite3_step(st);
    int ret = SV_OK;
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == SV_HASH_BYTES)
        memcpy(hash, sqlite3_column_blob(st, 0), SV_HASH_BYTES);
    else if (rc == SQLITE_ROW)
        ret = sv__journal_fail(j, SV_ECORRUPT, "%s: entry %lld has a malformed hash", j->path,
                               (long long)seq);
    else if (rc == SQLITE_DONE)
        ret = sv__journal_fail(j, SV_ENOTFOUND, "%s: no entry %lld", j->path, (long long)seq);
    else
        ret = sv__journal_fail_db(j, rc, "journal");
    sqlite3_finalize(st);
    return ret;
}

/* ---- files kept with units (kind "attach") ------------------------------------------------- */

int sv_journal_file(sv_journal *j, const char *sha256, void **data, size_t *len, char type[24])
{
    *data = NULL;
    *len = 0;
    sqlite3_stmt *st;
    int rc =
        sqlite3_prepare_v2(j->db, "SELECT type, data FROM files WHERE sha256 = ?", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sv__journal_fail_db(j, rc, "journal files");
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    int ret = SV_OK;
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        void *b = malloc(n ? n : 1);
        if (!b) {
            ret = sv__journal_fail(j, SV_ENOMEM, "out of memory");
        } else {
            if (n)
                memcpy(b, sqlite3_column_blob(st, 1), n);
            *data = b;
            *len = n;
            if (type)
                sv__strlcpy(type, (const char *)sqlite3_column_text(st, 0), 24);
        }
    } else if (rc == SQLITE_DONE) {
        ret = sv__journal_fail(j, SV_ENOTFOUND, "%s: holds no file %s", j->path, sha256);
    } else {
        ret = sv__journal_fail_db(j, rc, "journal files");
    }
    sqlite3_finalize(st);
    return ret;
}

int sv_journal_file_at_office(sv_journal *j, const char *sha256)
{
    int own, rc = sv__journal_write_begin(j, &own);
    if (rc != SV_OK)
        return rc;
    sqlite3_stmt *st;
    int src = sqlite3_prepare_v2(j->db,
                                 "INSERT OR IGNORE INTO files_office(sha256, time_ms)"
                                 " VALUES (?, ?)",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, sv_wall_ms());
        src = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    rc = src == SQLITE_DONE ? SV_OK : sv__journal_fail_db(j, src, "journal files");
    return sv__journal_write_end(j, own, rc);
}

int sv_journal_files_office_forget(sv_journal *j)
{
    int own, rc = sv__journal_write_begin(j, &own);
    if (rc != SV_OK)
        return rc;
    int src = sqlite3_exec(j->db, "DELETE FROM files_office", NULL, NULL, NULL);
    rc = src == SQLITE_OK ? SV_OK : sv__journal_fail_db(j, src, "journal files");
    return sv__journal_write_end(j, own, rc);
}
