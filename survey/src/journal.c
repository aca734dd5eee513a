/*
 * journal.c - the append-only device journal: SQLite file, hash chain, signed head, batches,
 * migrations, and the typed recording calls that turn domain structs into entries.
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
#include <unistd.h>

#include <sodium.h>

#include "internal.h"
#include "journal_int.h"
#include "survey/state.h"

#define APP_ID 0x514A4E4C /* 'QJNL' */
#define SV__WAL_MAINTAIN_PAGES 1000 /* SQLite's own autocheckpoint threshold */
#define SV__WAL_FORCE_PAGES 8000    /* 32 MB of WAL: checkpoint even on the hot path */
#define HASH_DOMAIN "quejie-entry-v1"
#define HEAD_DOMAIN "quejie-head-v1"

struct sv_journal {
    sqlite3 *db;
    char *path;
    int readonly;
    int in_batch;
    int batch_dirty;        /* entries appended in the open batch: sign the head at commit */
    int schema_found;
    char device_id[33];
    char *device_name;
    char *crew;
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    int have_sk;
    int epsg;
    double cm;
    sqlite3_stmt *st_last;  /* last entry's seq and hash */
    sqlite3_stmt *st_insert;
    sqlite3_stmt *st_head;
    sqlite3_stmt *st_unit;  /* does a unit exist */
    sqlite3_stmt *st_number; /* last number of a prefix in a unit */
    sv__stcache cache;      /* the state derivation's statements for schema "main" */
    int wal_pages;          /* pages in the WAL after the last commit (from the WAL hook) */
    char errmsg[512];
    char cfgbuf[512];
};

/* ---- errors ----------------------------------------------------------------------------- */

int sv__sqlite_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return SV_OK;
    case SQLITE_NOMEM: return SV_ENOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return SV_EBUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return SV_ECORRUPT;
    case SQLITE_CANTOPEN: return SV_ENOTFOUND;
    case SQLITE_CONSTRAINT: return SV_EINVAL;
    default: return SV_EIO;
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

/* Fail with SQLite's own message appended, keeping the original text as STYLE.md asks. */
static int fail_db(sv_journal *j, int rc, const char *what)
{
    return sv__journal_fail(j, sv__sqlite_err(rc), "%s: %s", what,
                            j->db ? sqlite3_errmsg(j->db) : sqlite3_errstr(rc));
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
                json_array_append_new(flat, json_integer(sv__to_fixed(g->lonlat[2 * pt], SV__NANODEG)));
                json_array_append_new(flat,
                                      json_integer(sv__to_fixed(g->lonlat[2 * pt + 1], SV__NANODEG)));
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
                g->lonlat[2 * pt + i] = sv__from_fixed(json_integer_value(json_array_get(flat, i)),
                                                      SV__NANODEG);
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

/* ---- schema ------------------------------------------------------------------------------ */

static const char SCHEMA_V1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE entries("
    "  seq INTEGER PRIMARY KEY,"
    "  time_ms INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  payload TEXT NOT NULL,"
    "  prev_hash BLOB NOT NULL,"
    "  hash BLOB NOT NULL);"
    "CREATE TRIGGER entries_append_only_u BEFORE UPDATE ON entries"
    "  BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END;"
    "CREATE TRIGGER entries_append_only_d BEFORE DELETE ON entries"
    "  BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END;"
    "CREATE TABLE head(id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
    "  hash BLOB NOT NULL, sig BLOB NOT NULL);";

/*
 * Migrations from schema version N to N+1, in order: migrations[N - 1]. Each runs inside the
 * opening transaction. Old journals are kept in tests/fixtures/journal-vN.db to prove they
 * still open.
 */
static const char *const migrations[] = {
    NULL /* placeholder: version 1 is the first; migration 1 -> 2 goes here */
};

static int exec(sv_journal *j, const char *sql)
{
    int rc = sqlite3_exec(j->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail_db(j, rc, "journal");
    return SV_OK;
}

static int meta_set(sv_journal *j, const char *key, const char *value)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(j->db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail_db(j, rc, "journal meta");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value ? value : "", -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SV_OK : fail_db(j, rc, "journal meta");
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

static int prepare_statements(sv_journal *j)
{
    int rc = sqlite3_prepare_v3(j->db, "SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1",
                                -1, SQLITE_PREPARE_PERSISTENT, &j->st_last, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(j->db,
                                "INSERT INTO entries(seq, time_ms, kind, payload, prev_hash, hash)"
                                " VALUES (?, ?, ?, ?, ?, ?)",
                                -1, SQLITE_PREPARE_PERSISTENT, &j->st_insert, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(j->db,
                                "INSERT OR REPLACE INTO head(id, seq, hash, sig) VALUES (1, ?, ?, ?)",
                                -1, SQLITE_PREPARE_PERSISTENT, &j->st_head, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(j->db, "SELECT 1 FROM st_units WHERE code = ?", -1,
                                SQLITE_PREPARE_PERSISTENT, &j->st_unit, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(j->db, "SELECT last FROM st_numbers WHERE unit = ? AND prefix = ?",
                                -1, SQLITE_PREPARE_PERSISTENT, &j->st_number, NULL);
    return rc == SQLITE_OK ? SV_OK : fail_db(j, rc, "journal statements");
}

static int open_raw(sv_journal *j, const char *path, int flags)
{
    int rc = sqlite3_open_v2(path, &j->db, flags, NULL);
    if (rc != SQLITE_OK)
        return fail_db(j, rc, path);
    sqlite3_extended_result_codes(j->db, 1);
    sqlite3_busy_timeout(j->db, 5000);
    return SV_OK;
}

static int wal_hook(void *ctx, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    ((sv_journal *)ctx)->wal_pages = pages;
    return SQLITE_OK;
}

/* Durability settings; the file is known to be (or to become) a journal by now. */
static int set_pragmas(sv_journal *j, const char *path)
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
    return exec(j, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; PRAGMA wal_autocheckpoint=0;");
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
    int fd = open(kpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return sv__journal_fail(j, errno == EEXIST ? SV_EEXIST : SV_EIO, "%s: %s", kpath,
                                strerror(errno));
    ssize_t w = write(fd, j->sk, sizeof j->sk);
    int ok = w == (ssize_t)sizeof j->sk && fsync(fd) == 0;
    int err = errno;
    close(fd);
    if (!ok) {
        unlink(kpath);
        return sv__journal_fail(j, SV_EIO, "%s: cannot write the device key: %s", kpath,
                                strerror(err));
    }
    return SV_OK;
}

static int read_key(sv_journal *j)
{
    char *kpath = key_path(j->path);
    if (!kpath)
        return SV_ENOMEM;
    int fd = open(kpath, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int rc = sv__journal_fail(j, SV_ENOTFOUND,
                                  "%s: device key missing (%s); this journal can be read but "
                                  "not written",
                                  kpath, strerror(errno));
        free(kpath);
        return rc;
    }
    ssize_t r = read(fd, j->sk, sizeof j->sk);
    close(fd);
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    if (r != (ssize_t)sizeof j->sk || crypto_sign_ed25519_sk_to_pk(pk, j->sk) != 0 ||
        sodium_memcmp(pk, j->pk, sizeof pk) != 0) {
        sodium_memzero(j->sk, sizeof j->sk);
        int rc = sv__journal_fail(j, SV_ECORRUPT,
                                  "%s: device key does not belong to this journal", kpath);
        free(kpath);
        return rc;
    }
    free(kpath);
    j->have_sk = 1;
    return SV_OK;
}

/* ---- open / create / close ----------------------------------------------------------------- */

static sv_journal *journal_alloc(const char *path)
{
    if (sodium_init() < 0)
        return NULL;
    sv_journal *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->path = sv__strdup(path);
    j->cm = NAN;
    if (!j->path) {
        free(j);
        return NULL;
    }
    return j;
}

static int load_identity(sv_journal *j)
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
    char *epsg = meta_get(j, "epsg"), *cm = meta_get(j, "central_meridian");
    j->epsg = epsg ? atoi(epsg) : 0;
    j->cm = cm && *cm ? strtod(cm, NULL) : NAN;
    free(epsg);
    free(cm);
    return SV_OK;
}

static int append_json(sv_journal *j, const char *kind, json_t *payload, int64_t *seq_out);

int sv_journal_create(const char *path, const sv_journal_opts *opts, sv_journal **out)
{
    *out = NULL;
    if (!path || !*path)
        return SV_EINVAL;
    sv_journal *j = journal_alloc(path);
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
    if (access(path, F_OK) == 0)
        return sv__journal_fail(j, SV_EEXIST, "%s already exists", path);
    char *kpath = key_path(path);
    if (!kpath)
        return SV_ENOMEM;
    crypto_sign_keypair(j->pk, j->sk);
    j->have_sk = 1;
    device_id_from_pk(j->pk, j->device_id);
    int rc = write_key(j, kpath);
    if (rc != SV_OK) {
        free(kpath);
        return rc;
    }
    rc = open_raw(j, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE);
    if (rc == SV_OK)
        rc = set_pragmas(j, path);
    if (rc != SV_OK) {
        unlink(kpath);
        free(kpath);
        return rc;
    }
    char pkhex[2 * SV_PUBKEY_BYTES + 1], buf[64];
    sodium_bin2hex(pkhex, sizeof pkhex, j->pk, sizeof j->pk);
    rc = exec(j, "BEGIN IMMEDIATE");
    if (rc == SV_OK) {
        char pragma[96];
        snprintf(pragma, sizeof pragma, "PRAGMA application_id=%d; PRAGMA user_version=%d;",
                 APP_ID, SV_JOURNAL_SCHEMA);
        rc = exec(j, SCHEMA_V1);
        if (rc == SV_OK)
            rc = exec(j, pragma);
        if (rc == SV_OK)
            rc = sv__state_create(j->db, "main") == SV_OK
                     ? SV_OK
                     : fail_db(j, SQLITE_ERROR, "journal state tables");
        if (rc == SV_OK)
            rc = meta_set(j, "device_id", j->device_id);
        if (rc == SV_OK)
            rc = meta_set(j, "public_key", pkhex);
        if (rc == SV_OK && opts->device_name)
            rc = meta_set(j, "device_name", opts->device_name);
        if (rc == SV_OK && opts->crew)
            rc = meta_set(j, "crew", opts->crew);
        snprintf(buf, sizeof buf, "%d", opts->epsg);
        if (rc == SV_OK)
            rc = meta_set(j, "epsg", buf);
        snprintf(buf, sizeof buf, "%.9g", opts->central_meridian);
        if (rc == SV_OK && !opts->epsg && isfinite(opts->central_meridian))
            rc = meta_set(j, "central_meridian", buf);
        if (rc == SV_OK)
            rc = prepare_statements(j);
        if (rc == SV_OK)
            rc = load_identity(j);
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
            j->in_batch = 1; /* one transaction for schema and first entry */
            rc = append_json(j, "init", p, NULL);
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
        unlink(kpath);
        memcpy(j->errmsg, keep, sizeof keep);
    }
    free(kpath);
    return rc;
}

static int migrate(sv_journal *j, int from)
{
    for (int v = from; v < SV_JOURNAL_SCHEMA; v++) {
        size_t step = (size_t)v - 1;
        const char *sql = step < sizeof migrations / sizeof migrations[0] ? migrations[step] : NULL;
        if (sql) {
            int rc = exec(j, sql);
            if (rc != SV_OK)
                return rc;
        }
        char pragma[48];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
        int rc = exec(j, pragma);
        if (rc != SV_OK)
            return rc;
    }
    return SV_OK;
}

int sv_journal_open(const char *path, int flags, sv_journal **out)
{
    *out = NULL;
    if (!path || !*path)
        return SV_EINVAL;
    sv_journal *j = journal_alloc(path);
    if (!j)
        return SV_ENOMEM;
    *out = j;
    j->readonly = (flags & SV_OPEN_READONLY) != 0;
    if (access(path, F_OK) != 0)
        return sv__journal_fail(j, SV_ENOTFOUND, "%s: no such journal", path);
    /* Even a read-only open uses a read-write connection so that SQLite can recover a WAL
     * left by a crash; nothing is written unless a recording call is made. */
    int rc = open_raw(j, path, SQLITE_OPEN_READWRITE);
    if (rc != SV_OK)
        return rc;
    sqlite3_stmt *st;
    int app = 0, ver = 0;
    rc = sqlite3_prepare_v2(j->db, "PRAGMA application_id", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        app = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
        return sv__journal_fail(j, SV_ECORRUPT, "%s: not a Quejie journal (not an SQLite "
                                "database, or a damaged one)", path);
    if (rc != SQLITE_ROW)
        return fail_db(j, rc, path);
    if (app != APP_ID)
        return sv__journal_fail(j, SV_ECORRUPT, "%s: not a Quejie journal", path);
    rc = set_pragmas(j, path);
    if (rc != SV_OK)
        return rc;
    if (sqlite3_prepare_v2(j->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ver = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    j->schema_found = ver;
    if (ver > SV_JOURNAL_SCHEMA)
        return sv__journal_fail(j, SV_EVERSION,
                                "%s: journal schema %d is newer than this build reads (%d); "
                                "update Quejie",
                                path, ver, SV_JOURNAL_SCHEMA);
    if (ver < 1)
        return sv__journal_fail(j, SV_ECORRUPT, "%s: journal schema version %d is invalid",
                                path, ver);
    if (ver < SV_JOURNAL_SCHEMA) {
        rc = exec(j, "BEGIN IMMEDIATE");
        if (rc == SV_OK)
            rc = migrate(j, ver);
        if (rc == SV_OK)
            rc = exec(j, "COMMIT");
        else
            sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
        if (rc != SV_OK)
            return rc;
    }
    rc = load_identity(j);
    if (rc == SV_OK)
        rc = prepare_statements(j);
    if (rc == SV_OK && !j->readonly)
        rc = read_key(j);
    return rc;
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
    if (j->db && !j->readonly && j->wal_pages > 0)
        sqlite3_wal_checkpoint_v2(j->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    sqlite3_close_v2(j->db);
    sodium_memzero(j->sk, sizeof j->sk);
    free(j->path);
    free(j->device_name);
    free(j->crew);
    free(j);
}

const char *sv_journal_device_id(const sv_journal *j) { return j->device_id; }
const char *sv_journal_device_name(const sv_journal *j) { return j->device_name ? j->device_name : ""; }
const char *sv_journal_crew(const sv_journal *j) { return j->crew ? j->crew : ""; }
const char *sv_journal_path(const sv_journal *j) { return j->path; }
int sv_journal_schema_found(const sv_journal *j) { return j->schema_found; }

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

static int last_entry(sv_journal *j, int64_t *seq, uint8_t hash[SV_HASH_BYTES])
{
    sqlite3_reset(j->st_last);
    int rc = sqlite3_step(j->st_last);
    if (rc == SQLITE_DONE) {
        *seq = 0;
        memset(hash, 0, SV_HASH_BYTES);
        return SV_OK;
    }
    if (rc != SQLITE_ROW)
        return fail_db(j, rc, "journal");
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
    int rc = last_entry(j, &seq, hash);
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
    return rc == SQLITE_DONE ? SV_OK : fail_db(j, rc, "journal head");
}

/*
 * Append one entry (and its derived state) to the journal. Outside a batch this is one
 * IMMEDIATE transaction committed before returning; inside a batch it joins the batch.
 */
static int append_json(sv_journal *j, const char *kind, json_t *payload, int64_t *seq_out)
{
    if (j->readonly || !j->have_sk)
        return sv__journal_fail(j, SV_EINVAL, "%s: journal is open read-only", j->path);
    char *text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return sv__journal_fail(j, SV_ENOMEM, "cannot encode %s payload", kind);
    int own_txn = !j->in_batch;
    int rc = own_txn ? exec(j, "BEGIN IMMEDIATE") : SV_OK;
    int64_t seq = 0, now = sv__now_ms();
    uint8_t prev[SV_HASH_BYTES], hash[SV_HASH_BYTES];
    if (rc == SV_OK)
        rc = last_entry(j, &seq, prev);
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
            rc = fail_db(j, src, "cannot append to the journal");
    }
    if (rc == SV_OK && sv__state_apply(j->db, "main", &j->cache, seq, now, kind, payload) != SV_OK)
        rc = fail_db(j, sqlite3_errcode(j->db), "cannot update the journal state");
    if (rc == SV_OK && own_txn)
        rc = sign_head(j);
    if (own_txn) {
        if (rc == SV_OK) {
            int crc = sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
            if (crc != SQLITE_OK) {
                rc = fail_db(j, crc, "cannot commit to the journal");
                sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
            }
        } else if (sqlite3_get_autocommit(j->db) == 0) {
            sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
        }
    } else if (rc == SV_OK) {
        j->batch_dirty = 1;
    }
    free(text);
    if (rc == SV_OK && seq_out)
        *seq_out = seq;
    if (rc == SV_OK && own_txn && j->wal_pages > SV__WAL_FORCE_PAGES)
        sv_journal_maintain(j); /* nobody maintained: keep the WAL bounded */
    return rc;
}

int sv_journal_maintain(sv_journal *j)
{
    if (!j || j->readonly || j->in_batch || j->wal_pages < SV__WAL_MAINTAIN_PAGES)
        return SV_OK;
    int rc = sqlite3_wal_checkpoint_v2(j->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        return fail_db(j, rc, "journal checkpoint");
    j->wal_pages = 0;
    return SV_OK;
}

int sv_journal_begin(sv_journal *j)
{
    if (j->in_batch)
        return sv__journal_fail(j, SV_EINVAL, "a batch is already open");
    if (j->readonly)
        return sv__journal_fail(j, SV_EINVAL, "%s: journal is open read-only", j->path);
    int rc = exec(j, "BEGIN IMMEDIATE");
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
    int rc = j->batch_dirty ? sign_head(j) : SV_OK;
    if (rc == SV_OK) {
        int crc = sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
        if (crc != SQLITE_OK)
            rc = fail_db(j, crc, "cannot commit to the journal");
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

/* ---- reading ----------------------------------------------------------------------------- */

int64_t sv_journal_last_seq(sv_journal *j)
{
    int64_t seq = 0;
    uint8_t hash[SV_HASH_BYTES];
    return last_entry(j, &seq, hash) == SV_OK ? seq : 0;
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
        return fail_db(j, rc, "journal");
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
        e.prev_hash = sqlite3_column_bytes(st, 4) == SV_HASH_BYTES ? sqlite3_column_blob(st, 4)
                                                                   : zero;
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
        ret = fail_db(j, rc, "journal");
    sqlite3_finalize(st);
    return ret;
}

int sv_journal_head(sv_journal *j, int64_t *seq, uint8_t hash[SV_HASH_BYTES],
                    uint8_t sig[SV_SIG_BYTES])
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(j->db, "SELECT seq, hash, sig FROM head WHERE id = 1", -1, &st,
                                NULL);
    if (rc != SQLITE_OK)
        return fail_db(j, rc, "journal head");
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
        ret = fail_db(j, rc, "journal head");
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
            sv_entry_hash(w->j->device_id, e->seq, e->time_ms, e->kind, e->payload,
                          e->payload_len, w->prev, h);
            if (memcmp(h, e->hash, SV_HASH_BYTES) != 0) {
                w->r->chain_ok = 0;
                w->r->first_bad_seq = e->seq;
                snprintf(w->r->detail, sizeof w->r->detail,
                         "entry %lld (%s) does not match its hash: it was altered",
                         (long long)e->seq, e->kind);
            }
        }
        memcpy(w->prev, e->hash, SV_HASH_BYTES);
        w->expect = e->seq + 1;
        w->r->entries++;
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
            return fail_db(j, rc, "state comparison");
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

int sv_journal_check(sv_journal *j, sv_check_report *r)
{
    memset(r, 0, sizeof *r);
    r->chain_ok = 1;
    /* SQLite's own view of the file first: everything else reads through it. */
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(j->db, "PRAGMA integrity_check", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail_db(j, rc, "integrity check");
    r->sqlite_ok = 1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *msg = (const char *)sqlite3_column_text(st, 0);
        if (msg && strcmp(msg, "ok") != 0) {
            if (r->sqlite_ok)
                snprintf(r->detail, sizeof r->detail, "SQLite integrity: %s", msg);
            r->sqlite_ok = 0;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        r->sqlite_ok = 0;
        snprintf(r->detail, sizeof r->detail, "SQLite integrity: %s", sqlite3_errmsg(j->db));
    }

    /* Chain, and a rebuild of the state into a scratch schema in the same pass. */
    rc = exec(j, "ATTACH DATABASE ':memory:' AS rebuild");
    if (rc != SV_OK)
        return rc;
    rc = sv__state_create(j->db, "rebuild") == SV_OK ? SV_OK
                                                      : fail_db(j, SQLITE_ERROR, "rebuild state");
    struct chain_walk w = {.j = j, .r = r, .expect = 1, .schema = "rebuild"};
    if (rc == SV_OK)
        rc = sv_journal_foreach(j, 1, chain_step, &w);
    if (rc == SV_OK) {
        char detail[256] = "";
        r->state_ok = compare_state(j, "main", "rebuild", detail, sizeof detail) == 0;
        if (!r->state_ok && !r->detail[0])
            snprintf(r->detail, sizeof r->detail, "%s", detail);
    }
    sqlite3_exec(j->db, "DETACH DATABASE rebuild", NULL, NULL, NULL);
    if (rc != SV_OK)
        return rc;

    /* The signed head must name the last entry and verify with the device's key. */
    int64_t hseq;
    uint8_t hhash[SV_HASH_BYTES], sig[SV_SIG_BYTES], msg[128];
    if (sv_journal_head(j, &hseq, hhash, sig) == SV_OK) {
        size_t mlen = head_message(j->device_id, hseq, hhash, msg);
        int sig_valid = crypto_sign_verify_detached(sig, msg, mlen, j->pk) == 0;
        int names_last = hseq == r->entries && memcmp(hhash, w.prev, SV_HASH_BYTES) == 0;
        r->signature_ok = sig_valid && names_last;
        if (!r->signature_ok && !r->detail[0])
            snprintf(r->detail, sizeof r->detail,
                     sig_valid ? "the signed head (entry %lld) is not the last entry"
                               : "the head signature (entry %lld) does not verify with the "
                                 "device key",
                     (long long)hseq);
    } else if (!r->detail[0]) {
        snprintf(r->detail, sizeof r->detail, "%s", j->errmsg);
    }
    int all = r->chain_ok && r->signature_ok && r->sqlite_ok && r->state_ok;
    return all ? SV_OK : SV_ECORRUPT;
}

int sv_journal_rebuild_state(sv_journal *j)
{
    if (j->readonly)
        return sv__journal_fail(j, SV_EINVAL, "%s: journal is open read-only", j->path);
    int rc = exec(j, "BEGIN IMMEDIATE");
    if (rc != SV_OK)
        return rc;
    /* Cached statements name the tables about to be dropped. */
    sv__stcache_clear(&j->cache);
    sqlite3_finalize(j->st_unit);
    sqlite3_finalize(j->st_number);
    j->st_unit = j->st_number = NULL;
    if (sv__state_drop(j->db, "main") != SV_OK || sv__state_create(j->db, "main") != SV_OK)
        rc = fail_db(j, sqlite3_errcode(j->db), "rebuild state");
    struct chain_walk w = {.j = j, .r = NULL, .expect = 1, .schema = "main"};
    if (rc == SV_OK)
        rc = sv_journal_foreach(j, 1, chain_step, &w);
    if (rc == SV_OK)
        rc = exec(j, "COMMIT");
    if (rc != SV_OK)
        sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(j->st_last);
    sqlite3_finalize(j->st_insert);
    sqlite3_finalize(j->st_head);
    j->st_last = j->st_insert = j->st_head = NULL;
    int prc = prepare_statements(j);
    return rc != SV_OK ? rc : prc;
}

/* ---- typed recording ----------------------------------------------------------------------- */

static json_t *payload_new(void)
{
    json_t *p = json_object();
    json_object_set_new(p, "v", json_integer(1));
    return p;
}

static int record(sv_journal *j, const char *kind, json_t *p, int64_t *seq)
{
    if (!p)
        return sv__journal_fail(j, SV_ENOMEM, "out of memory");
    int rc = append_json(j, kind, p, seq);
    json_decref(p);
    return rc;
}

/* Does the state know this unit? Recording facts about a unit nobody assigned is refused. */
static int need_unit(sv_journal *j, const char *code)
{
    if (!code || !*code)
        return sv__journal_fail(j, SV_EINVAL, "no unit code given");
    sqlite3_stmt *st = j->st_unit;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int found = rc == SQLITE_ROW;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail_db(j, rc, "journal state");
    return found ? SV_OK
                 : sv__journal_fail(j, SV_ENOTFOUND, "unit %s is not in this journal "
                                                     "(import its task package first)",
                                    code);
}

static int check_latlon(sv_journal *j, double lat, double lon)
{
    if (!isfinite(lat) || !isfinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180)
        return sv__journal_fail(j, SV_EINVAL, "coordinates out of range (lat %g, lon %g)", lat,
                                lon);
    return SV_OK;
}

int sv_record_unit(sv_journal *j, const sv_unit *u, int64_t *seq)
{
    if (!u->code[0])
        return sv__journal_fail(j, SV_EINVAL, "a unit without a code cannot be recorded");
    json_t *p = payload_new();
    json_object_set_new(p, "code", json_string(u->code));
    sv__json_set_str(p, "type", u->type);
    sv__json_set_str(p, "name", u->name);
    sv__json_set_str(p, "location", u->location);
    for (int f = 0; f < SV_FIELD_COUNT; f++)
        sv__json_set_str(p, sv_field_name((sv_field)f), u->fields[f]);
    sv__json_set_str(p, "control", u->control);
    sv__json_set_str(p, "source", u->source);
    if (u->epsg)
        json_object_set_new(p, "epsg", json_integer(u->epsg));
    sv__json_set_fixed(p, "cm", u->central_meridian, SV__NANODEG);
    json_object_set_new(p, "geom", sv__geom_to_json(&u->draft));

    /* An identical re-import is a no-op: the county re-sends whole packages. */
    sqlite3_stmt *st;
    char *text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    int same = 0;
    int64_t old = 0;
    if (text && sqlite3_prepare_v2(j->db,
                                   "SELECT e.seq, e.payload = ? FROM st_units u JOIN entries e"
                                   " ON e.seq = u.seq WHERE u.code = ?",
                                   -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, u->code, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            old = sqlite3_column_int64(st, 0);
            same = sqlite3_column_int(st, 1);
        }
        sqlite3_finalize(st);
    }
    free(text);
    if (same) {
        json_decref(p);
        if (seq)
            *seq = old;
        return SV_OK;
    }
    if (old)
        json_object_set_new(p, "supersedes", json_integer(old));
    return record(j, "unit", p, seq);
}

static json_t *quality_json(const sv_quality *q)
{
    json_t *o = json_object();
    json_object_set_new(o, "grade", json_string(sv_grade_name(q->grade)));
    if (q->mode >= 0)
        json_object_set_new(o, "mode", json_integer(q->mode));
    if (q->status >= 0)
        json_object_set_new(o, "status", json_integer(q->status));
    if (q->sats_used >= 0)
        json_object_set_new(o, "used", json_integer(q->sats_used));
    if (q->sats_seen >= 0)
        json_object_set_new(o, "seen", json_integer(q->sats_seen));
    sv__json_set_fixed(o, "hdop", q->hdop, 100);
    sv__json_set_fixed(o, "vdop", q->vdop, 100);
    sv__json_set_fixed(o, "pdop", q->pdop, 100);
    sv__json_set_fixed(o, "eph", q->eph, SV__MM);
    sv__json_set_fixed(o, "epv", q->epv, SV__MM);
    sv__json_set_fixed(o, "cage", q->corr_age, SV__MM);
    if (q->n > 0)
        json_object_set_new(o, "n", json_integer(q->n));
    sv__json_set_fixed(o, "dur", q->duration_s, SV__MM);
    sv__json_set_fixed(o, "se", q->sigma_e, SV__MM);
    sv__json_set_fixed(o, "sn", q->sigma_n, SV__MM);
    sv__json_set_fixed(o, "su", q->sigma_u, SV__MM);
    if (q->dropped > 0)
        json_object_set_new(o, "dropped", json_integer(q->dropped));
    sv__json_set_str(o, "datum", q->datum);
    return o;
}

/* Next free number for a prefix in a unit: numbers are never reused, even after a void. */
static int next_number(sv_journal *j, const char *unit, char prefix, char *out, size_t len)
{
    sqlite3_stmt *st = j->st_number;
    int64_t last = 0;
    char pfx[2] = {prefix, 0};
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, pfx, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        last = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail_db(j, rc, "journal state");
    if (last >= 999999999)
        return sv__journal_fail(j, SV_EINVAL, "unit %s has no free %c number left", unit, prefix);
    char buf[32];
    snprintf(buf, sizeof buf, "%c%lld", prefix, (long long)last + 1);
    sv__strlcpy(out, buf, len);
    return SV_OK;
}

int sv_record_point(sv_journal *j, sv_bpoint *p, int64_t *seq)
{
    int rc = need_unit(j, p->unit);
    if (rc == SV_OK)
        rc = check_latlon(j, p->lat, p->lon);
    if (rc != SV_OK)
        return rc;
    if (isfinite(p->h) && (p->h < -1000 || p->h > 10000))
        return sv__journal_fail(j, SV_EINVAL, "height %g m is not plausible", p->h);
    const char *ptype = p->point_type[0] ? p->point_type : "measured";
    if (!p->number[0]) {
        if (p->supersedes) {
            /* A correction keeps the number of what it corrects. */
            sqlite3_stmt *st;
            if (sqlite3_prepare_v2(j->db, "SELECT number FROM st_points WHERE seq = ?", -1, &st,
                                   NULL) == SQLITE_OK) {
                sqlite3_bind_int64(st, 1, p->supersedes);
                if (sqlite3_step(st) == SQLITE_ROW)
                    sv__strlcpy(p->number, (const char *)sqlite3_column_text(st, 0),
                                sizeof p->number);
                sqlite3_finalize(st);
            }
            if (!p->number[0])
                return sv__journal_fail(j, SV_ENOTFOUND,
                                        "entry %lld is not a current boundary point",
                                        (long long)p->supersedes);
        } else {
            char prefix = strcmp(ptype, "measured") == 0 ? 'J' : 'T';
            rc = next_number(j, p->unit, prefix, p->number, sizeof p->number);
            if (rc != SV_OK)
                return rc;
        }
    }
    json_t *o = payload_new();
    json_object_set_new(o, "unit", json_string(p->unit));
    json_object_set_new(o, "number", json_string(p->number));
    json_object_set_new(o, "ptype", json_string(ptype));
    sv__json_set_str(o, "marker", p->marker);
    sv__json_set_fixed(o, "lat", p->lat, SV__NANODEG);
    sv__json_set_fixed(o, "lon", p->lon, SV__NANODEG);
    sv__json_set_fixed(o, "h", p->h, SV__MM);
    json_object_set_new(o, "q", quality_json(&p->q));
    if (p->flags)
        json_object_set_new(o, "flags", json_integer(p->flags));
    if (p->flags & SV_PT_OFFSET) {
        json_t *off = json_object();
        sv__json_set_fixed(off, "lat", p->off.from_lat, SV__NANODEG);
        sv__json_set_fixed(off, "lon", p->off.from_lon, SV__NANODEG);
        sv__json_set_fixed(off, "h", p->off.from_h, SV__MM);
        sv__json_set_fixed(off, "dist", p->off.distance_m, SV__MM);
        sv__json_set_fixed(off, "brg", p->off.bearing_deg, 1e6);
        sv__json_set_fixed(off, "dh", p->off.dh, SV__MM);
        json_object_set_new(o, "off", off);
    }
    sv__json_set_str(o, "override", p->override_reason);
    sv__json_set_str(o, "note", p->note);
    if (p->supersedes)
        json_object_set_new(o, "supersedes", json_integer(p->supersedes));
    return record(j, "point", o, seq);
}

int sv_record_vertex(sv_journal *j, const sv_vertex *v, int64_t *seq)
{
    int rc = need_unit(j, v->unit);
    if (rc == SV_OK)
        rc = check_latlon(j, v->lat, v->lon);
    if (rc != SV_OK)
        return rc;
    json_t *o = payload_new();
    json_object_set_new(o, "unit", json_string(v->unit));
    if (v->track)
        json_object_set_new(o, "track", json_integer(v->track));
    sv__json_set_fixed(o, "lat", v->lat, SV__NANODEG);
    sv__json_set_fixed(o, "lon", v->lon, SV__NANODEG);
    sv__json_set_fixed(o, "h", v->h, SV__MM);
    sv__json_set_fixed(o, "t", v->fix_time, SV__MM);
    json_object_set_new(o, "q", quality_json(&v->q));
    if (v->jump)
        json_object_set_new(o, "jump", json_integer(1));
    return record(j, "vertex", o, seq);
}

int sv_record_line(sv_journal *j, const sv_bline *l, int64_t *seq)
{
    int rc = need_unit(j, l->unit);
    if (rc != SV_OK)
        return rc;
    if (!l->from[0] || !l->to[0])
        return sv__journal_fail(j, SV_EINVAL, "a boundary line needs both end points");
    json_t *o = payload_new();
    json_object_set_new(o, "unit", json_string(l->unit));
    json_object_set_new(o, "from", json_string(l->from));
    json_object_set_new(o, "to", json_string(l->to));
    sv__json_set_str(o, "category", l->category);
    sv__json_set_str(o, "position", l->position);
    sv__json_set_str(o, "nature", l->nature);
    sv__json_set_str(o, "neighbour", l->neighbour);
    return record(j, "line", o, seq);
}

int sv_record_verification(sv_journal *j, const sv_verification *v, int64_t *seq)
{
    int rc = need_unit(j, v->unit);
    if (rc != SV_OK)
        return rc;
    if ((int)v->field < 0 || v->field >= SV_FIELD_COUNT)
        return sv__journal_fail(j, SV_EINVAL, "unknown ownership field");
    if (v->status == SV_VERIFY_CORRECTED && (!v->value || !*v->value))
        return sv__journal_fail(j, SV_EINVAL, "a corrected field needs its new value");
    if (v->status == SV_VERIFY_DISPUTED && (!v->note || !*v->note))
        return sv__journal_fail(j, SV_EINVAL, "a disputed field needs a statement (note)");
    json_t *o = payload_new();
    json_object_set_new(o, "unit", json_string(v->unit));
    json_object_set_new(o, "field", json_string(sv_field_name(v->field)));
    json_object_set_new(o, "status", json_string(sv_vstatus_name(v->status)));
    sv__json_set_str(o, "value", v->value);
    sv__json_set_str(o, "note", v->note);
    return record(j, "verify", o, seq);
}

int sv_record_dispute(sv_journal *j, const sv_dispute *d, int64_t *seq)
{
    int rc = need_unit(j, d->unit);
    if (rc != SV_OK)
        return rc;
    if (!d->statement || !*d->statement)
        return sv__journal_fail(j, SV_EINVAL, "a dispute needs a statement");
    json_t *o = payload_new();
    json_object_set_new(o, "unit", json_string(d->unit));
    sv__json_set_str(o, "parties", d->parties);
    sv__json_set_str(o, "statement", d->statement);
    sv__json_set_str(o, "from", d->from);
    sv__json_set_str(o, "to", d->to);
    if (d->area.n_parts)
        json_object_set_new(o, "geom", sv__geom_to_json(&d->area));
    if (d->settled)
        json_object_set_new(o, "settled", json_integer(1));
    return record(j, "dispute", o, seq);
}

int sv_record_attendance(sv_journal *j, const sv_attendance *a, int64_t *seq)
{
    int rc = need_unit(j, a->unit);
    if (rc != SV_OK)
        return rc;
    if (!a->party || !*a->party)
        return sv__journal_fail(j, SV_EINVAL, "attendance needs the party's name");
    if (a->presence == SV_ABSENT && strlen(a->notice_date) != 10)
        return sv__journal_fail(j, SV_EINVAL,
                                "an absent party needs the date the notice was served "
                                "(YYYY-MM-DD)");
    json_t *o = payload_new();
    json_object_set_new(o, "unit", json_string(a->unit));
    json_object_set_new(o, "party", json_string(a->party));
    sv__json_set_str(o, "person", a->person);
    json_object_set_new(o, "presence", json_string(sv_presence_name(a->presence)));
    sv__json_set_str(o, "notice", a->notice_date);
    return record(j, "attend", o, seq);
}

int sv_record_code(sv_journal *j, const char *list, const char *code, const char *label,
                   int64_t *seq)
{
    if (!list || !*list || !code || !*code)
        return sv__journal_fail(j, SV_EINVAL, "a code-list value needs a list and a code");
    json_t *o = payload_new();
    json_object_set_new(o, "list", json_string(list));
    json_object_set_new(o, "code", json_string(code));
    sv__json_set_str(o, "label", label);
    return record(j, "code", o, seq);
}

int sv_record_config(sv_journal *j, const char *key, const char *value, int64_t *seq)
{
    if (!key || !*key)
        return sv__journal_fail(j, SV_EINVAL, "a configuration key is needed");
    json_t *o = payload_new();
    json_object_set_new(o, "key", json_string(key));
    json_object_set_new(o, "value", json_string(value ? value : ""));
    return record(j, "config", o, seq);
}

int sv_record_void(sv_journal *j, int64_t target_seq, const char *reason, int64_t *seq)
{
    if (!reason || !*reason)
        return sv__journal_fail(j, SV_EINVAL, "withdrawing an entry needs a reason");
    if (target_seq < 1 || target_seq > sv_journal_last_seq(j))
        return sv__journal_fail(j, SV_ENOTFOUND, "there is no entry %lld",
                                (long long)target_seq);
    json_t *o = payload_new();
    json_object_set_new(o, "target", json_integer(target_seq));
    json_object_set_new(o, "reason", json_string(reason));
    return record(j, "void", o, seq);
}

/* Config lookups need a buffer that lives with the handle. */
const char *sv_state_config(sv_journal *j, const char *key, const char *def)
{
    sqlite3_stmt *st;
    const char *out = def;
    if (sqlite3_prepare_v2(j->db, "SELECT value FROM st_config WHERE key = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return def;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        sv__strlcpy(j->cfgbuf, (const char *)sqlite3_column_text(st, 0), sizeof j->cfgbuf);
        out = j->cfgbuf;
    }
    sqlite3_finalize(st);
    return out;
}
