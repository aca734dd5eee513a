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
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"
#include "journal_int.h"
#include "survey/clock.h"
#include "survey/kinds.h"
#include "survey/limits.h"
#include "survey/state.h"

#define APP_ID 0x514A4E4C           /* 'QJNL' */
#define SV__WAL_MAINTAIN_PAGES 1000 /* SQLite's own autocheckpoint threshold */
#define SV__WAL_FORCE_PAGES 8000    /* 32 MB of WAL: checkpoint even on the hot path */
#define HASH_DOMAIN "quejie-entry-v1"
#define HEAD_DOMAIN "quejie-head-v1"

struct sv_journal {
    sqlite3 *db;
    char *path;
    int readonly;
    int in_batch;
    int batch_dirty; /* entries appended in the open batch: sign the head at commit */
    int no_limits;   /* record as builds before survey/limits.h did (tests only) */
    int schema_found;
    char device_id[33];
    char *device_name;
    char *crew;
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    int have_sk;
    int replica; /* a county office's copy of another device's journal: verbatim appends only */
    int epsg;
    double cm;
    sqlite3_stmt *st_last; /* last entry's seq and hash */
    sqlite3_stmt *st_insert;
    sqlite3_stmt *st_head;
    sqlite3_stmt *st_unit;   /* does a unit exist */
    sqlite3_stmt *st_number; /* last number of a prefix in a unit */
    sv__stcache cache;       /* the state derivation's statements for schema "main" */
    int wal_pages;           /* pages in the WAL after the last commit (from the WAL hook) */
    double point_limit_m;    /* this handle's far-point limit; NaN: the journal's setting */
    char errmsg[512];
    char cfgbuf[512];
};

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

/* ---- schema ------------------------------------------------------------------------------ */

/* Schema 2's insert trigger: it refused only a seq that was already taken. Kept as it was
 * for the 1 -> 2 migration step; the 3 -> 4 step replaces it. */
#define APPEND_ONLY_INSERT_TRIGGER_V2                                                              \
    "CREATE TRIGGER entries_append_only_i BEFORE INSERT ON entries"                                \
    "  WHEN NEW.seq <= (SELECT coalesce(max(seq), 0) FROM entries)"                                \
    "  BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END;"

/* An INSERT must extend the chain: its seq is the last one + 1 and its prev_hash is the hash
 * of the entry before it (32 zero bytes for entry 1). SQLite has no SHA-256, so the trigger
 * cannot recompute the entry's own hash: `check` (and a replica's append) does that. */
#define APPEND_ONLY_INSERT_TRIGGER                                                                 \
    "CREATE TRIGGER entries_append_only_i BEFORE INSERT ON entries"                                \
    "  WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM entries)"                        \
    "    OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM entries WHERE seq = NEW.seq - 1),"     \
    "                                     zeroblob(32))"                                           \
    "  BEGIN SELECT RAISE(ABORT, 'journal entries are append-only: an insert must extend the "     \
    "chain (seq = last + 1, prev_hash = hash of the last entry)'); END;"

static const char SCHEMA_SQL[] =
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
    "  BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); "
    "END;" APPEND_ONLY_INSERT_TRIGGER
    "CREATE TABLE head(id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
    "  hash BLOB NOT NULL, sig BLOB NOT NULL);";

/*
 * Migrations from schema version N to N+1, in order: migrations[N - 1]. Each runs inside the
 * opening transaction. Old journals are kept in tests/fixtures/journal-vN.db to prove they
 * still open. A migration that changes st_* tables must also rebuild the state.
 */
static const struct migration {
    const char *sql; /* run first; NULL for none */
    int rebuild;     /* then drop the st_* tables, create this build's and derive them anew */
} migrations[] = {
    /* 1 -> 2: INSERT OR REPLACE deleted an entry without firing the DELETE trigger; refuse
     * any insert that does not extend the chain. */
    {APPEND_ONLY_INSERT_TRIGGER_V2, 0},
    /* 2 -> 3: signatures (kind "sign") get their state table, st_signatures. The rebuild
     * creates it and derives the sign entries a journal may already hold: a county replica
     * written by an older build keeps a newer tablet's sign entries without deriving them.
     * The version bump also stops an older build from writing a journal whose signatures it
     * would not keep in step (a void of a sign entry, a rebuild). */
    {NULL, 1},
    /* 3 -> 4: the insert trigger also checks the link: prev_hash must be the hash of the
     * entry before (schema 2's trigger checked only the seq, so a raw INSERT with any
     * prev_hash extended the table). No state change. */
    {"DROP TRIGGER IF EXISTS entries_append_only_i;" APPEND_ONLY_INSERT_TRIGGER, 0},
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
    int rc = sqlite3_prepare_v2(j->db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", -1,
                                &st, NULL);
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
        rc = sqlite3_prepare_v3(
            j->db, "INSERT OR REPLACE INTO head(id, seq, hash, sig) VALUES (1, ?, ?, ?)", -1,
            SQLITE_PREPARE_PERSISTENT, &j->st_head, NULL);
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
    /* A handle is used by one thread at a time (journal.h): no per-call mutex. */
    int rc = sqlite3_open_v2(path, &j->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
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
    /* No "PRAGMA wal_autocheckpoint": it would replace the hook just installed. */
    return exec(j, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;");
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
    if (ok) {
        /* The key's directory entry must be durable too, or a power cut right after init
         * could keep the journal and lose the only key that can write to it. */
        char *dir = sv__strdup(kpath), *slash = dir ? strrchr(dir, '/') : NULL;
        if (dir) {
            if (slash)
                *(slash == dir ? slash + 1 : slash) = '\0';
            int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
            free(dir);
        }
    }
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

static sv_journal *journal_alloc(const char *path)
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
    rc = open_raw(j, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
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
        snprintf(pragma, sizeof pragma, "PRAGMA application_id=%d; PRAGMA user_version=%d;", APP_ID,
                 SV_JOURNAL_SCHEMA);
        rc = exec(j, SCHEMA_SQL);
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
            json_object_set_new(p, "codes", sv__state_seed_json());
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

static int rebuild_in_txn(sv_journal *j);

static int migrate(sv_journal *j, int from)
{
    for (int v = from; v < SV_JOURNAL_SCHEMA; v++) {
        size_t step = (size_t)v - 1;
        const struct migration *m =
            step < sizeof migrations / sizeof migrations[0] ? &migrations[step] : NULL;
        if (m && m->sql) {
            int rc = exec(j, m->sql);
            if (rc != SV_OK)
                return rc;
        }
        if (m && m->rebuild) {
            int rc = rebuild_in_txn(j);
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

static int user_version(sv_journal *j)
{
    sqlite3_stmt *st;
    int ver = 0;
    if (sqlite3_prepare_v2(j->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ver = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return ver;
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
    j->replica = !j->readonly && (flags & SV_OPEN_REPLICA) != 0;
    if (access(path, F_OK) != 0)
        return sv__journal_fail(j, SV_ENOTFOUND, "%s: no such journal", path);
    /* Even a read-only open uses a read-write connection so that SQLite can recover a WAL
     * left by a crash. Besides that recovery, a read-only open writes only to migrate an older
     * schema in place (which never touches entries); it records nothing. */
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
        return sv__journal_fail(j, SV_ECORRUPT,
                                "%s: not a Quejie journal (not an SQLite "
                                "database, or a damaged one)",
                                path);
    if (rc != SQLITE_ROW)
        return fail_db(j, rc, path);
    if (app != APP_ID)
        return sv__journal_fail(j, SV_ECORRUPT, "%s: not a Quejie journal", path);
    rc = set_pragmas(j, path);
    if (rc != SV_OK)
        return rc;
    ver = user_version(j);
    j->schema_found = ver;
    if (ver > SV_JOURNAL_SCHEMA)
        return sv__journal_fail(j, SV_EVERSION,
                                "%s: journal schema %d is newer than this build reads (%d); "
                                "update Quejie",
                                path, ver, SV_JOURNAL_SCHEMA);
    if (ver < 1)
        return sv__journal_fail(j, SV_ECORRUPT, "%s: journal schema version %d is invalid", path,
                                ver);
    if (ver < SV_JOURNAL_SCHEMA) {
        rc = exec(j, "BEGIN IMMEDIATE");
        /* Another process may have migrated the file while this one waited for the lock. */
        int now = rc == SV_OK ? user_version(j) : ver;
        if (rc == SV_OK && now > SV_JOURNAL_SCHEMA)
            rc = sv__journal_fail(j, SV_EVERSION,
                                  "%s: journal schema %d is newer than this build reads (%d); "
                                  "update Quejie",
                                  path, now, SV_JOURNAL_SCHEMA);
        else if (rc == SV_OK && now >= 1 && now < SV_JOURNAL_SCHEMA)
            rc = migrate(j, now);
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
    if (rc == SV_OK && !j->readonly && !j->replica)
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
    /* Always inside a write transaction: the caller's batch, or write_begin's own. */
    if (!j->in_batch)
        return sv__journal_fail(j, SV_EINVAL, "internal: append outside a write transaction");
    char *text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return sv__journal_fail(j, SV_ENOMEM, "cannot encode %s payload", kind);
    int64_t seq = 0, now = sv_wall_ms();
    uint8_t prev[SV_HASH_BYTES], hash[SV_HASH_BYTES];
    int rc = last_entry(j, &seq, prev);
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
static int write_begin(sv_journal *j, int *own)
{
    if (j->readonly || !j->have_sk)
        return sv__journal_fail(j, SV_EINVAL, "%s: journal is open read-only", j->path);
    if (j->in_batch) {
        if (sqlite3_get_autocommit(j->db))
            return sv__journal_fail(j, SV_EIO,
                                    "the open batch was rolled back by the database "
                                    "after an error; roll it back and start again");
        *own = 0;
        return exec(j, "SAVEPOINT record");
    }
    int rc = exec(j, "BEGIN IMMEDIATE");
    if (rc == SV_OK) {
        *own = 1;
        j->in_batch = 1;
        j->batch_dirty = 0;
    }
    return rc;
}

static int write_end(sv_journal *j, int own, int rc)
{
    if (!own) {
        if (rc == SV_OK) {
            int src = sqlite3_exec(j->db, "RELEASE record", NULL, NULL, NULL);
            if (src != SQLITE_OK)
                rc = fail_db(j, src, "journal");
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
            rc = fail_db(j, crc, "cannot commit to the journal");
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
        ret = fail_db(j, rc, "journal");
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

/* ---- signing, replicas ------------------------------------------------------------------- */

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
        return fail_db(j, rc, "journal");
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
        ret = fail_db(j, rc, "journal");
    sqlite3_finalize(st);
    return ret;
}

int sv_journal_create_replica(const char *path, const uint8_t pk[SV_PUBKEY_BYTES], sv_journal **out)
{
    *out = NULL;
    if (!path || !*path)
        return SV_EINVAL;
    sv_journal *j = journal_alloc(path);
    if (!j)
        return SV_ENOMEM;
    *out = j;
    j->replica = 1;
    if (access(path, F_OK) == 0)
        return sv__journal_fail(j, SV_EEXIST, "%s already exists", path);
    memcpy(j->pk, pk, SV_PUBKEY_BYTES);
    device_id_from_pk(j->pk, j->device_id);
    int rc = open_raw(j, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (rc == SV_OK)
        rc = set_pragmas(j, path);
    char pkhex[2 * SV_PUBKEY_BYTES + 1], pragma[96];
    sodium_bin2hex(pkhex, sizeof pkhex, j->pk, sizeof j->pk);
    snprintf(pragma, sizeof pragma, "PRAGMA application_id=%d; PRAGMA user_version=%d;", APP_ID,
             SV_JOURNAL_SCHEMA);
    if (rc == SV_OK)
        rc = exec(j, "BEGIN IMMEDIATE");
    if (rc == SV_OK) {
        rc = exec(j, SCHEMA_SQL);
        if (rc == SV_OK)
            rc = exec(j, pragma);
        if (rc == SV_OK && sv__state_create(j->db, "main") != SV_OK)
            rc = fail_db(j, SQLITE_ERROR, "journal state tables");
        if (rc == SV_OK)
            rc = meta_set(j, "device_id", j->device_id);
        if (rc == SV_OK)
            rc = meta_set(j, "public_key", pkhex);
        if (rc == SV_OK)
            rc = meta_set(j, "replica", "1");
        if (rc == SV_OK)
            rc = exec(j, "COMMIT");
        else
            sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    }
    if (rc == SV_OK)
        rc = prepare_statements(j);
    if (rc == SV_OK)
        rc = load_identity(j);
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
        rc = meta_set(j, "device_name", name);
    if (rc == SV_OK && crew)
        rc = meta_set(j, "crew", crew);
    int64_t epsg = sv__json_get_int(p, "epsg", 0);
    snprintf(buf, sizeof buf, "%lld", (long long)epsg);
    if (rc == SV_OK)
        rc = meta_set(j, "epsg", buf);
    double cm = sv__json_get_fixed(p, "cm", SV__NANODEG);
    snprintf(buf, sizeof buf, "%.9g", cm);
    if (rc == SV_OK && !epsg && isfinite(cm))
        rc = meta_set(j, "central_meridian", buf);
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
    int rc = exec(j, "BEGIN IMMEDIATE");
    if (rc != SV_OK)
        return rc;
    rc = last_entry(j, &seq, prev);
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
            rc = fail_db(j, src, "cannot append to the replica");
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
                rc = fail_db(j, sqlite3_errcode(j->db), "cannot update the replica state");
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
            rc = fail_db(j, src, "replica head");
    }
    if (rc == SV_OK) {
        int crc = sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
        if (crc != SQLITE_OK)
            rc = fail_db(j, crc, "cannot commit to the replica");
    }
    if (rc != SV_OK) {
        char keep[sizeof j->errmsg];
        memcpy(keep, j->errmsg, sizeof keep);
        sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
        memcpy(j->errmsg, keep, sizeof keep);
        return rc;
    }
    if (saw_init)
        rc = load_identity(j);
    if (rc == SV_OK && j->wal_pages > SV__WAL_MAINTAIN_PAGES)
        sv_journal_maintain(j);
    return rc;
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
    /* One read transaction for everything below: another process may be recording while we
     * check, and every step must see the same snapshot. The scratch schema for the rebuild is
     * attached first (ATTACH is not allowed inside a transaction). */
    int rc = exec(j, "ATTACH DATABASE ':memory:' AS rebuild");
    if (rc != SV_OK)
        return rc;
    rc = exec(j, "BEGIN");

    /* SQLite's own view of the file first: everything else reads through it. */
    sqlite3_stmt *st = NULL;
    if (rc == SV_OK &&
        sqlite3_prepare_v2(j->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        rc = fail_db(j, sqlite3_errcode(j->db), "integrity check");
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
        rc = fail_db(j, sqlite3_errcode(j->db), "rebuild state");
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

    /* The signed head must name the last entry and verify with the device's key. */
    int64_t hseq;
    uint8_t hhash[SV_HASH_BYTES], sig[SV_SIG_BYTES], msg[128];
    if (rc == SV_OK && sv_journal_head(j, &hseq, hhash, sig) == SV_OK) {
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
    } else if (rc == SV_OK && !r->detail[0]) {
        snprintf(r->detail, sizeof r->detail, "%s", j->errmsg);
    }
    sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
    sqlite3_exec(j->db, "DETACH DATABASE rebuild", NULL, NULL, NULL);
    if (rc != SV_OK)
        return rc;
    int all = r->chain_ok && r->signature_ok && r->sqlite_ok && r->state_ok;
    return all ? SV_OK : SV_ECORRUPT;
}

/* Drop the state tables, create this build's and derive them from the entries, inside the
 * caller's write transaction (a rebuild, or a migration while opening). */
static int rebuild_in_txn(sv_journal *j)
{
    /* Cached statements name the tables about to be dropped. */
    sv__stcache_clear(&j->cache);
    sqlite3_finalize(j->st_unit);
    sqlite3_finalize(j->st_number);
    j->st_unit = j->st_number = NULL;
    int rc = SV_OK;
    if (sv__state_drop(j->db, "main") != SV_OK || sv__state_create(j->db, "main") != SV_OK)
        rc = fail_db(j, sqlite3_errcode(j->db), "rebuild state");
    struct chain_walk w = {.j = j, .r = NULL, .expect = 1, .schema = "main"};
    if (rc == SV_OK)
        rc = sv_journal_foreach(j, 1, chain_step, &w);
    if (rc != SV_OK && w.apply_failed)
        rc = fail_db(j, sqlite3_errcode(j->db), "rebuild state");
    return rc;
}

int sv_journal_rebuild_state(sv_journal *j)
{
    if (j->readonly)
        return sv__journal_fail(j, SV_EINVAL, "%s: journal is open read-only", j->path);
    int rc = exec(j, "BEGIN IMMEDIATE");
    if (rc != SV_OK)
        return rc;
    rc = rebuild_in_txn(j);
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

/* Marks a payload whose text could not be encoded; record() refuses it naming the field. */
#define BAD_TEXT_KEY "\x01invalid"

static json_t *payload_new(void)
{
    json_t *p = json_object();
    json_object_set_new(p, "v", json_integer(1));
    return p;
}

/* Set a text field; skip NULL and "". Text that is not UTF-8 (jansson refuses it) would
 * otherwise vanish silently from the entry, so it marks the payload instead. */
static void put_str(json_t *o, const char *key, const char *s)
{
    if (!s || !*s)
        return;
    json_t *v = json_string(s);
    if (v)
        json_object_set_new(o, key, v);
    else
        json_object_set_new(o, BAD_TEXT_KEY, json_string(key));
}

static int record(sv_journal *j, const char *kind, json_t *p, int64_t *seq)
{
    if (!p)
        return sv__journal_fail(j, SV_ENOMEM, "out of memory");
    if (!sv_kind_find(kind)) { /* a recording call without its registry row (kinds.c) */
        json_decref(p);
        return sv__journal_fail(j, SV_EINVAL, "entry kind '%s' is not in the registry", kind);
    }
    json_t *bad = json_object_get(p, BAD_TEXT_KEY);
    int rc = bad ? sv__journal_fail(j, SV_EINVAL, "%s: %s is not UTF-8 text (GBK?)", kind,
                                    json_string_value(bad))
                 : append_json(j, kind, p, seq);
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
                 : sv__journal_fail(j, SV_ENOTFOUND,
                                    "unit %s is not in this journal "
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

/* A boundary-point number: 1-3 capital letters and 1-9 digits without a leading zero. */
static int number_valid(const char *n)
{
    size_t i = 0, d = 0;
    while (n[i] >= 'A' && n[i] <= 'Z')
        i++;
    if (i < 1 || i > 3 || n[i] == '0')
        return 0;
    while (n[i + d] >= '0' && n[i + d] <= '9')
        d++;
    return d >= 1 && d <= 9 && n[i + d] == '\0';
}

/* YYYY-MM-DD naming a real calendar day. */
static int date_valid(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || s[4] != '-' ||
        s[7] != '-')
        return 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

/* Text past its limit (survey/limits.h) is refused: nothing the journal accepts may block sync.
 * Each argument pair is a name for the message and the text (NULL is fine); the list ends at a
 * NULL name. */
void sv__journal_without_limits(sv_journal *j, int on)
{
    j->no_limits = on != 0;
}

static int texts_fit(sv_journal *j, size_t max, ...)
{
    if (j->no_limits)
        return SV_OK;
    va_list ap;
    va_start(ap, max);
    int rc = SV_OK;
    for (const char *what; rc == SV_OK && (what = va_arg(ap, const char *));) {
        size_t n = sv_text_chars(va_arg(ap, const char *));
        if (n > max)
            rc = sv__journal_fail(j, SV_EINVAL, "%s has %zu characters; the limit is %zu", what, n,
                                  max);
    }
    va_end(ap);
    return rc;
}

/* The part of a unit payload that says what the unit is: everything but where this copy came
 * from and what it replaced. Caller decrefs. */
static json_t *unit_content(json_t *payload)
{
    json_t *c = json_deep_copy(payload);
    json_object_del(c, "supersedes");
    json_object_del(c, "source");
    return c;
}

static int do_unit(sv_journal *j, const sv_unit *u, int64_t *seq)
{
    if (!u->code[0])
        return sv__journal_fail(j, SV_EINVAL, "a unit without a code cannot be recorded");
    char why[160];
    if (!j->no_limits && sv_unit_check_limits(u, why, sizeof why) != SV_OK)
        return sv__journal_fail(j, SV_EINVAL, "unit %.64s: %s", u->code, why);
    json_t *p = payload_new();
    put_str(p, "code", u->code);
    put_str(p, "type", u->type);
    put_str(p, "name", u->name);
    put_str(p, "location", u->location);
    for (int f = 0; f < SV_FIELD_COUNT; f++)
        put_str(p, sv_field_name((sv_field)f), u->fields[f]);
    put_str(p, "control", u->control);
    put_str(p, "source", u->source);
    if (u->epsg)
        json_object_set_new(p, "epsg", json_integer(u->epsg));
    sv__json_set_fixed(p, "cm", u->central_meridian, SV__NANODEG);
    json_object_set_new(p, "geom", sv__geom_to_json(&u->draft));

    /* A re-import of the same unit is a no-op: counties re-send whole packages, under any
     * file name. Compared on content, not on the source or on what an entry superseded. */
    sqlite3_stmt *st;
    int64_t old = 0;
    int same = 0;
    if (sqlite3_prepare_v2(j->db,
                           "SELECT e.seq, e.payload FROM st_units u JOIN entries e"
                           " ON e.seq = u.seq WHERE u.code = ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, u->code, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            old = sqlite3_column_int64(st, 0);
            json_error_t err;
            json_t *prev = json_loads((const char *)sqlite3_column_text(st, 1), 0, &err);
            json_t *a = prev ? unit_content(prev) : NULL, *b = unit_content(p);
            same = a && b && json_equal(a, b);
            json_decref(a);
            json_decref(b);
            json_decref(prev);
        }
        sqlite3_finalize(st);
    }
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
    put_str(o, "datum", q->datum);
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

void sv_journal_set_point_limit(sv_journal *j, double metres)
{
    if (j)
        j->point_limit_m = isfinite(metres) && metres > 0 ? metres : NAN;
}

double sv_journal_point_limit(sv_journal *j)
{
    if (isfinite(j->point_limit_m))
        return j->point_limit_m;
    const char *v = sv_state_config(j, SV_CFG_POINT_LIMIT, NULL);
    double m = v ? strtod(v, NULL) : NAN;
    return isfinite(m) && m > 0 ? m : SV_POINT_LIMIT_M;
}

static void distance_text(double m, char *buf, size_t len)
{
    if (m >= 1000)
        snprintf(buf, len, "%.1f km", m / 1000);
    else
        snprintf(buf, len, "%.0f m", m);
}

/*
 * Sanity of manual input (docs/journal.md, "Far points"): a typed-in, map-read or offset point
 * farther from its unit's draft than the limit is refused unless the caller says it is meant
 * (SV_PT_FAR on input); then it is recorded with SV_PT_FAR. The flag is recorded only on a
 * point that really is beyond the limit. A point measured where the pole stands is not judged:
 * the receiver is the evidence of where it is.
 */
static int check_far(sv_journal *j, sv_bpoint *p)
{
    int meant = (p->flags & SV_PT_FAR) != 0;
    p->flags &= ~(unsigned)SV_PT_FAR;
    if (!(p->flags & (SV_PT_MANUAL | SV_PT_OFFSET)))
        return SV_OK;
    double m;
    int rc = sv_state_draft_distance(j, p->unit, p->lat, p->lon, &m);
    if (rc == SV_ENOTFOUND || rc == SV_EGEOM)
        return SV_OK; /* no draft to judge by */
    if (rc != SV_OK)
        return rc;
    double limit = sv_journal_point_limit(j);
    if (m <= limit)
        return SV_OK;
    if (meant) {
        p->flags |= SV_PT_FAR;
        return SV_OK;
    }
    char d[32], l[32];
    distance_text(m, d, sizeof d);
    distance_text(limit, l, sizeof l);
    return sv__journal_fail(j, SV_EINVAL,
                            "the point (lat %.9f, lon %.9f) is %s from unit %s's draft, farther "
                            "than the limit of %s (setting %s); if it is meant, record it as "
                            "far (quejie point add --far)",
                            p->lat, p->lon, d, p->unit, l, SV_CFG_POINT_LIMIT);
}

static int refuse_if_line_end(sv_journal *j, int64_t target, const char *what);

static int do_point(sv_journal *j, sv_bpoint *p, int64_t *seq)
{
    int rc = need_unit(j, p->unit);
    if (rc == SV_OK)
        rc = check_latlon(j, p->lat, p->lon);
    if (rc == SV_OK)
        rc = check_far(j, p);
    if (rc != SV_OK)
        return rc;
    if (isfinite(p->h) && (p->h < -1000 || p->h > 10000))
        return sv__journal_fail(j, SV_EINVAL, "height %g m is not plausible", p->h);
    if ((rc = texts_fit(j, SV_LIMIT_TEXT_CHARS, "the note", p->note, "the override reason",
                        p->override_reason, (const char *)NULL)) != SV_OK)
        return rc;
    const char *ptype = p->point_type[0] ? p->point_type : "measured";
    if (p->number[0] && !number_valid(p->number))
        return sv__journal_fail(
            j, SV_EINVAL, "point number '%s' is not a prefix and a number (J12, T3)", p->number);
    if (p->supersedes) {
        /* A correction names a current point of the same unit and keeps its number. */
        sqlite3_stmt *st;
        char was[SV_NUMBER_MAX] = "";
        if (sqlite3_prepare_v2(j->db, "SELECT number FROM st_points WHERE seq = ? AND unit = ?", -1,
                               &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, p->supersedes);
            sqlite3_bind_text(st, 2, p->unit, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                sv__strlcpy(was, (const char *)sqlite3_column_text(st, 0), sizeof was);
            sqlite3_finalize(st);
        }
        if (!was[0])
            return sv__journal_fail(j, SV_ENOTFOUND,
                                    "entry %lld is not a current boundary point of unit %s",
                                    (long long)p->supersedes, p->unit);
        if (!p->number[0])
            memcpy(p->number, was, sizeof was);
        else if (strcmp(p->number, was) != 0) {
            /* Renumbering takes the old number out of the boundary, like a void. */
            rc = refuse_if_line_end(j, p->supersedes, "cannot renumber");
            if (rc != SV_OK)
                return rc;
        }
    } else if (!p->number[0]) {
        char prefix = strcmp(ptype, "measured") == 0 ? 'J' : 'T';
        rc = next_number(j, p->unit, prefix, p->number, sizeof p->number);
        if (rc != SV_OK)
            return rc;
    }
    json_t *o = payload_new();
    put_str(o, "unit", p->unit);
    put_str(o, "number", p->number);
    put_str(o, "ptype", ptype);
    put_str(o, "marker", p->marker);
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
    put_str(o, "override", p->override_reason);
    put_str(o, "note", p->note);
    if (p->supersedes)
        json_object_set_new(o, "supersedes", json_integer(p->supersedes));
    return record(j, "point", o, seq);
}

static int do_vertex(sv_journal *j, const sv_vertex *v, int64_t *seq)
{
    int rc = need_unit(j, v->unit);
    if (rc == SV_OK)
        rc = check_latlon(j, v->lat, v->lon);
    if (rc != SV_OK)
        return rc;
    json_t *o = payload_new();
    put_str(o, "unit", v->unit);
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

/* 1 when number is a current boundary point of unit, 0 when not, an sv_err on failure. */
static int point_current(sv_journal *j, const char *unit, const char *number)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(j->db, "SELECT 1 FROM st_points WHERE unit = ? AND number = ?", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        return fail_db(j, rc, "journal state");
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail_db(j, rc, "journal state");
    return rc == SQLITE_ROW;
}

/* The current lines of unit that end at number, as "J1-J2 (entry 7), ..." in buf (empty when
 * none). Returns SV_OK or an error. */
static int lines_at(sv_journal *j, const char *unit, const char *number, char *buf, size_t len)
{
    buf[0] = 0;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(j->db,
                                "SELECT a, b, seq FROM st_lines WHERE unit = ?1 AND (a = ?2 OR"
                                " b = ?2) ORDER BY seq",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail_db(j, rc, "journal state");
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t n = strlen(buf);
        if (n + 1 < len)
            snprintf(buf + n, len - n, "%s%s-%s (entry %lld)", n ? ", " : "",
                     (const char *)sqlite3_column_text(st, 0),
                     (const char *)sqlite3_column_text(st, 1),
                     (long long)sqlite3_column_int64(st, 2));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SV_OK : fail_db(j, rc, "journal state");
}

/*
 * A boundary line joins two current boundary points of its unit: a line whose end is not a
 * point could never be drawn, and would vanish from every export. The other half of the rule
 * is in do_void (and in do_point for a correction that renumbers): a point that a current
 * line uses cannot be withdrawn until the line is.
 */
static int do_line(sv_journal *j, const sv_bline *l, int64_t *seq)
{
    int rc = need_unit(j, l->unit);
    if (rc != SV_OK)
        return rc;
    if (!l->from[0] || !l->to[0])
        return sv__journal_fail(j, SV_EINVAL, "a boundary line needs both end points");
    if ((rc = texts_fit(j, SV_LIMIT_NAME_CHARS, "the neighbour", l->neighbour,
                        (const char *)NULL)) != SV_OK)
        return rc;
    if (strcmp(l->from, l->to) == 0)
        return sv__journal_fail(j, SV_EINVAL, "line %s-%s of unit %s: the end points are the same",
                                l->from, l->to, l->unit);
    for (int end = 0; end < 2; end++) {
        const char *num = end ? l->to : l->from;
        rc = point_current(j, l->unit, num);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return sv__journal_fail(j, SV_ENOTFOUND,
                                    "line %s-%s of unit %s: %s is not a current boundary point of "
                                    "the unit (record the point first)",
                                    l->from, l->to, l->unit, num);
    }
    json_t *o = payload_new();
    put_str(o, "unit", l->unit);
    put_str(o, "from", l->from);
    put_str(o, "to", l->to);
    put_str(o, "category", l->category);
    put_str(o, "position", l->position);
    put_str(o, "nature", l->nature);
    put_str(o, "neighbour", l->neighbour);
    return record(j, "line", o, seq);
}

static int do_verification(sv_journal *j, const sv_verification *v, int64_t *seq)
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
    if ((rc = texts_fit(j, SV_LIMIT_TEXT_CHARS, "the value", v->value, "the note", v->note,
                        (const char *)NULL)) != SV_OK)
        return rc;
    json_t *o = payload_new();
    put_str(o, "unit", v->unit);
    put_str(o, "field", sv_field_name(v->field));
    put_str(o, "status", sv_vstatus_name(v->status));
    put_str(o, "value", v->value);
    put_str(o, "note", v->note);
    return record(j, "verify", o, seq);
}

static int do_dispute(sv_journal *j, const sv_dispute *d, int64_t *seq)
{
    int rc = need_unit(j, d->unit);
    if (rc != SV_OK)
        return rc;
    if (!d->statement || !*d->statement)
        return sv__journal_fail(j, SV_EINVAL, "a dispute needs a statement");
    if ((rc = texts_fit(j, SV_LIMIT_TEXT_CHARS, "the parties", d->parties, "the statement",
                        d->statement, (const char *)NULL)) != SV_OK)
        return rc;
    char why[160];
    if (sv_geom_check_limits(&d->area, why, sizeof why) != SV_OK)
        return sv__journal_fail(j, SV_EINVAL, "the disputed area: %s", why);
    json_t *o = payload_new();
    put_str(o, "unit", d->unit);
    put_str(o, "parties", d->parties);
    put_str(o, "statement", d->statement);
    put_str(o, "from", d->from);
    put_str(o, "to", d->to);
    if (d->area.n_parts)
        json_object_set_new(o, "geom", sv__geom_to_json(&d->area));
    if (d->settled)
        json_object_set_new(o, "settled", json_integer(1));
    return record(j, "dispute", o, seq);
}

static int do_attendance(sv_journal *j, const sv_attendance *a, int64_t *seq)
{
    int rc = need_unit(j, a->unit);
    if (rc != SV_OK)
        return rc;
    if (!a->party || !*a->party)
        return sv__journal_fail(j, SV_EINVAL, "attendance needs the party's name");
    if ((rc = texts_fit(j, SV_LIMIT_NAME_CHARS, "the party", a->party, "the person", a->person,
                        (const char *)NULL)) != SV_OK)
        return rc;
    if (a->presence == SV_ABSENT && !date_valid(a->notice_date))
        return sv__journal_fail(j, SV_EINVAL,
                                "an absent party needs the date the notice was served "
                                "(YYYY-MM-DD, a real date)");
    if (a->notice_date[0] && !date_valid(a->notice_date))
        return sv__journal_fail(j, SV_EINVAL, "notice date '%s' is not YYYY-MM-DD", a->notice_date);
    json_t *o = payload_new();
    put_str(o, "unit", a->unit);
    put_str(o, "party", a->party);
    put_str(o, "person", a->person);
    put_str(o, "presence", sv_presence_name(a->presence));
    put_str(o, "notice", a->notice_date);
    return record(j, "attend", o, seq);
}

/* The strokes of s as the payload's [[x, y, x, y, ...], ...], checked on the way. *out is
 * NULL on failure (the message is set). */
static int strokes_json(sv_journal *j, const sv_signature *s, json_t **out)
{
    *out = NULL;
    if (s->n_xy && !s->xy)
        return sv__journal_fail(j, SV_EINVAL, "signature strokes: no coordinates given");
    json_t *all = json_array(), *cur = NULL;
    if (!all)
        return sv__journal_fail(j, SV_ENOMEM, "out of memory");
    size_t strokes = 0, points = 0, in_stroke = 0;
    int rc = SV_OK;
    for (size_t i = 0; rc == SV_OK && i <= s->n_xy; i++) {
        int at_end = i == s->n_xy;
        int32_t x = at_end ? -1 : s->xy[2 * i], y = at_end ? -1 : s->xy[2 * i + 1];
        if (x == -1 && y == -1) {
            /* (-1, -1) ends a stroke; the end of xy ends the last one unless a pair did. */
            if (at_end && in_stroke == 0 && strokes > 0)
                break;
            if (at_end && strokes == 0 && in_stroke == 0) {
                rc = sv__journal_fail(j, SV_EINVAL, "a signature needs at least one stroke");
                break;
            }
            if (in_stroke < 2) {
                rc = sv__journal_fail(j, SV_EINVAL,
                                      "signature stroke %zu has %zu point%s; a stroke needs at "
                                      "least 2",
                                      strokes + 1, in_stroke, in_stroke == 1 ? "" : "s");
                break;
            }
            if (json_array_append_new(all, cur) != 0)
                rc = sv__journal_fail(j, SV_ENOMEM, "out of memory");
            cur = NULL;
            strokes++;
            in_stroke = 0;
            continue;
        }
        if (x < 0 || x > SV_SIG_PAD || y < 0 || y > SV_SIG_PAD) {
            rc = sv__journal_fail(j, SV_EINVAL,
                                  "signature stroke %zu, point %zu: (%ld, %ld) is off the pad "
                                  "(coordinates 0..%d)",
                                  strokes + 1, in_stroke + 1, (long)x, (long)y, SV_SIG_PAD);
            break;
        }
        if (++points > SV_SIG_MAX_POINTS) {
            rc = sv__journal_fail(j, SV_EINVAL, "a signature has at most %d stroke points",
                                  SV_SIG_MAX_POINTS);
            break;
        }
        if (!cur && !(cur = json_array()))
            rc = sv__journal_fail(j, SV_ENOMEM, "out of memory");
        if (rc == SV_OK && (json_array_append_new(cur, json_integer(x)) != 0 ||
                            json_array_append_new(cur, json_integer(y)) != 0))
            rc = sv__journal_fail(j, SV_ENOMEM, "out of memory");
        in_stroke++;
    }
    json_decref(cur);
    if (rc != SV_OK) {
        json_decref(all);
        return rc;
    }
    *out = all;
    return SV_OK;
}

static int do_signature(sv_journal *j, const sv_signature *s, int64_t *seq)
{
    int rc = need_unit(j, s->unit);
    if (rc != SV_OK)
        return rc;
    if (!s->party || !*s->party)
        return sv__journal_fail(j, SV_EINVAL, "a signature needs the party that signs");
    if (!s->signer || !*s->signer)
        return sv__journal_fail(j, SV_EINVAL, "a signature needs the signer's name");
    if ((rc = texts_fit(j, SV_LIMIT_NAME_CHARS, "the party", s->party, "the signer", s->signer,
                        "the role", s->role, (const char *)NULL)) != SV_OK)
        return rc;
    static const uint8_t zero[SV_HASH_BYTES];
    if (sodium_memcmp(s->covers, zero, SV_HASH_BYTES) == 0)
        return sv__journal_fail(j, SV_EINVAL,
                                "a signature must say which boundary it covers (covers is all "
                                "zeros: take it from sv_state_boundary_digest)");
    json_t *strokes;
    if ((rc = strokes_json(j, s, &strokes)) != SV_OK)
        return rc;
    char hex[2 * SV_HASH_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, s->covers, SV_HASH_BYTES);
    json_t *o = payload_new();
    put_str(o, "unit", s->unit);
    put_str(o, "party", s->party);
    put_str(o, "signer", s->signer);
    put_str(o, "role", s->role);
    json_object_set_new(o, "strokes", strokes);
    put_str(o, "covers", hex);
    return record(j, "sign", o, seq);
}

static int do_code(sv_journal *j, const char *list, const char *code, const char *label,
                   int64_t *seq)
{
    if (!list || !*list || !code || !*code)
        return sv__journal_fail(j, SV_EINVAL, "a code-list value needs a list and a code");
    if (strlen(list) > SV_LIMIT_CODE_BYTES || strlen(code) > SV_LIMIT_CODE_BYTES)
        return sv__journal_fail(j, SV_EINVAL, "a code-list name or code is longer than %d bytes",
                                SV_LIMIT_CODE_BYTES);
    int rc = texts_fit(j, SV_LIMIT_NAME_CHARS, "the label", label, (const char *)NULL);
    if (rc != SV_OK)
        return rc;
    json_t *o = payload_new();
    put_str(o, "list", list);
    put_str(o, "code", code);
    put_str(o, "label", label);
    return record(j, "code", o, seq);
}

/* Settings the library itself reads are checked here, so a bad value cannot be recorded and
 * break every later command. Other keys are the caller's business. */
static int config_valid(sv_journal *j, const char *key, const char *value)
{
    char *end;
    if (strcmp(key, "accept") == 0) {
        sv_grade g;
        if (sv_grade_parse(value, &g) != SV_OK || g == SV_GRADE_NONE)
            return sv__journal_fail(j, SV_EINVAL, "accept: use gps, dgps, rtk-float or rtk-fixed");
    } else if (strcmp(key, "average.epochs") == 0) {
        long n = strtol(value, &end, 10);
        if (end == value || *end || n < 1 || n > 100000)
            return sv__journal_fail(j, SV_EINVAL, "average.epochs: a whole number from 1");
    } else if (strcmp(key, "average.seconds") == 0) {
        double t = strtod(value, &end);
        if (end == value || *end || !isfinite(t) || t < 0 || t > 86400)
            return sv__journal_fail(j, SV_EINVAL, "average.seconds: a number of seconds >= 0");
    } else if (strcmp(key, SV_CFG_POINT_LIMIT) == 0) {
        double m = strtod(value, &end);
        if (end == value || *end || !isfinite(m) || m <= 0 || m > 20100000)
            return sv__journal_fail(j, SV_EINVAL,
                                    "%s: a distance in metres greater than 0 (default %g)",
                                    SV_CFG_POINT_LIMIT, SV_POINT_LIMIT_M);
    } else if (strcmp(key, "unit.code-pattern") == 0) {
        regex_t re;
        if (*value && regcomp(&re, value, REG_EXTENDED | REG_NOSUB) != 0)
            return sv__journal_fail(j, SV_EINVAL,
                                    "unit.code-pattern: '%s' is not a valid "
                                    "extended regular expression",
                                    value);
        if (*value)
            regfree(&re);
        if (strlen(value) >= sizeof j->cfgbuf)
            return sv__journal_fail(j, SV_EINVAL, "unit.code-pattern: too long");
    }
    return SV_OK;
}

static int do_config(sv_journal *j, const char *key, const char *value, int64_t *seq)
{
    if (!key || !*key)
        return sv__journal_fail(j, SV_EINVAL, "a configuration key is needed");
    if (!value)
        value = "";
    int rc =
        texts_fit(j, SV_LIMIT_TEXT_CHARS, "the key", key, "the value", value, (const char *)NULL);
    if (rc == SV_OK)
        rc = config_valid(j, key, value);
    if (rc != SV_OK)
        return rc;
    json_t *o = payload_new();
    put_str(o, "key", key);
    json_t *v = json_string(value);
    if (v)
        json_object_set_new(o, "value", v);
    else
        json_object_set_new(o, BAD_TEXT_KEY, json_string("value"));
    return record(j, "config", o, seq);
}

/* When entry seq is a current boundary point used by a current line: fail naming the lines. */
static int refuse_if_line_end(sv_journal *j, int64_t target, const char *what)
{
    sqlite3_stmt *st;
    char unit[SV_CODE_MAX] = "", number[SV_NUMBER_MAX] = "";
    int rc = sqlite3_prepare_v2(j->db, "SELECT unit, number FROM st_points WHERE seq = ?", -1, &st,
                                NULL);
    if (rc != SQLITE_OK)
        return fail_db(j, rc, "journal state");
    sqlite3_bind_int64(st, 1, target);
    if (sqlite3_step(st) == SQLITE_ROW) {
        sv__strlcpy(unit, (const char *)sqlite3_column_text(st, 0), sizeof unit);
        sv__strlcpy(number, (const char *)sqlite3_column_text(st, 1), sizeof number);
    }
    sqlite3_finalize(st);
    if (!number[0])
        return SV_OK;
    char lines[300];
    rc = lines_at(j, unit, number, lines, sizeof lines);
    if (rc != SV_OK || !lines[0])
        return rc;
    return sv__journal_fail(j, SV_EINVAL,
                            "%s point %s of unit %s (entry %lld): the boundary line %s ends "
                            "there; withdraw the line first (quejie void)",
                            what, number, unit, (long long)target, lines);
}

static int do_void(sv_journal *j, int64_t target_seq, const char *reason, int64_t *seq)
{
    if (!reason || !*reason)
        return sv__journal_fail(j, SV_EINVAL, "withdrawing an entry needs a reason");
    int rc = texts_fit(j, SV_LIMIT_TEXT_CHARS, "the reason", reason, (const char *)NULL);
    if (rc != SV_OK)
        return rc;
    if (target_seq < 1 || target_seq > sv_journal_last_seq(j))
        return sv__journal_fail(j, SV_ENOTFOUND, "there is no entry %lld", (long long)target_seq);
    rc = refuse_if_line_end(j, target_seq, "cannot withdraw");
    if (rc != SV_OK)
        return rc;
    json_t *o = payload_new();
    json_object_set_new(o, "target", json_integer(target_seq));
    put_str(o, "reason", reason);
    return record(j, "void", o, seq);
}

/* Public recording calls: each runs in its own write transaction (or batch savepoint). */
#define RECORD_IN_TXN(call)                                                                        \
    do {                                                                                           \
        int own_, rc_ = write_begin(j, &own_);                                                     \
        if (rc_ != SV_OK)                                                                          \
            return rc_;                                                                            \
        rc_ = (call);                                                                              \
        return write_end(j, own_, rc_);                                                            \
    } while (0)

int sv_record_unit(sv_journal *j, const sv_unit *u, int64_t *seq)
{
    RECORD_IN_TXN(do_unit(j, u, seq));
}

int sv_record_point(sv_journal *j, sv_bpoint *p, int64_t *seq)
{
    RECORD_IN_TXN(do_point(j, p, seq));
}

int sv_record_vertex(sv_journal *j, const sv_vertex *v, int64_t *seq)
{
    RECORD_IN_TXN(do_vertex(j, v, seq));
}

int sv_record_line(sv_journal *j, const sv_bline *l, int64_t *seq)
{
    RECORD_IN_TXN(do_line(j, l, seq));
}

int sv_record_verification(sv_journal *j, const sv_verification *v, int64_t *seq)
{
    RECORD_IN_TXN(do_verification(j, v, seq));
}

int sv_record_dispute(sv_journal *j, const sv_dispute *d, int64_t *seq)
{
    RECORD_IN_TXN(do_dispute(j, d, seq));
}

int sv_record_attendance(sv_journal *j, const sv_attendance *a, int64_t *seq)
{
    RECORD_IN_TXN(do_attendance(j, a, seq));
}

int sv_record_signature(sv_journal *j, const sv_signature *s, int64_t *seq)
{
    RECORD_IN_TXN(do_signature(j, s, seq));
}

int sv_record_code(sv_journal *j, const char *list, const char *code, const char *label,
                   int64_t *seq)
{
    RECORD_IN_TXN(do_code(j, list, code, label, seq));
}

int sv_record_config(sv_journal *j, const char *key, const char *value, int64_t *seq)
{
    RECORD_IN_TXN(do_config(j, key, value, seq));
}

int sv_record_void(sv_journal *j, int64_t target_seq, const char *reason, int64_t *seq)
{
    RECORD_IN_TXN(do_void(j, target_seq, reason, seq));
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
