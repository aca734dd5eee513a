/*
 * office.c - the county office's store: identity and keys, devices and enrollment, request
 * authentication, ingest of bundles into per-device replica journals, conflict detection into
 * the review queue, task packages and the county-wide export. See office.h and docs/office.md.
 *
 * It must never change or drop an entry a device sent (replicas only grow, through
 * sv_journal_append_verbatim, one transaction per bundle), never keep a second copy of a
 * device's cursor (the acknowledged seq is always the replica's last seq), never store an
 * enrollment token (only its SHA-256), never write a secret key anywhere but OFFICE_DB.key,
 * and never trust a byte of a request or bundle before it has been verified. It knows nothing
 * of HTTP: office_http.c maps its results onto status codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "survey/clock.h"
#include "survey/geo.h"
#include "survey/journal_replica.h"
#include "survey/kinds.h"
#include "survey/state.h"
#include "survey/tasks.h"
#include "sync/office.h"

#define OFFICE_APP_ID 0x514A4F46 /* "QJOF" */
#define OFFICE_SCHEMA 1
#define KEY_FILE_BYTES (64 + 32 + 32) /* Ed25519 secret key, X25519 secret key, X25519 public */

struct sy_office {
    sqlite3 *db;
    char *path;     /* the office database */
    char *replicas; /* path + ".replicas" */
    char office_id[33];
    char name[SY_NAME_MAX];
    double tolerance;
    uint8_t sign_pk[32], sign_sk[64];
    uint8_t box_pk[32], box_sk[32];
    FILE *log;
    char errmsg[512];
};

static const char SCHEMA_SQL[] =
    "CREATE TABLE office(id INTEGER PRIMARY KEY CHECK (id = 1), office_id TEXT NOT NULL,"
    "  name TEXT NOT NULL, sign_pk TEXT NOT NULL, box_pk TEXT NOT NULL,"
    "  tolerance_m REAL NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE devices(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, crew TEXT,"
    "  device_id TEXT UNIQUE, public_key TEXT UNIQUE, token_hash TEXT NOT NULL UNIQUE,"
    "  status TEXT NOT NULL CHECK (status IN ('pending', 'enrolled', 'revoked')),"
    "  registered INTEGER NOT NULL, enrolled INTEGER, revoked INTEGER);"
    "CREATE TABLE tasks(code TEXT PRIMARY KEY, assign TEXT NOT NULL, feature TEXT NOT NULL,"
    "  source TEXT, imported INTEGER NOT NULL);"
    "CREATE TABLE ingest_log(id INTEGER PRIMARY KEY, time INTEGER NOT NULL, via TEXT,"
    "  device_id TEXT, device TEXT, first_seq INTEGER, last_seq INTEGER, result TEXT NOT NULL,"
    "  applied INTEGER, acked_seq INTEGER, reason TEXT);"
    "CREATE INDEX ingest_log_device ON ingest_log(device_id, time);"
    "CREATE TABLE review(id INTEGER PRIMARY KEY, unit TEXT NOT NULL, subject TEXT NOT NULL,"
    "  kind TEXT NOT NULL, detail TEXT, a_device TEXT NOT NULL, a_seq INTEGER NOT NULL,"
    "  b_device TEXT NOT NULL, b_seq INTEGER NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'open', created INTEGER NOT NULL, resolved INTEGER,"
    "  note TEXT, UNIQUE (kind, a_device, a_seq, b_device, b_seq));";

/* The county index (see refresh()); also created when an older office is opened, and then
 * filled device by device as each one next syncs or imports. */
static const char COUNTY_SQL[] =
    "CREATE TABLE IF NOT EXISTS county_points(device_id TEXT NOT NULL, seq INTEGER NOT NULL,"
    "  unit TEXT NOT NULL, number TEXT NOT NULL, lat REAL, lon REAL, side TEXT NOT NULL,"
    "  PRIMARY KEY (device_id, seq));"
    "CREATE INDEX IF NOT EXISTS county_points_key ON county_points(unit, number);"
    "CREATE TABLE IF NOT EXISTS county_verifications(device_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL, unit TEXT NOT NULL, field TEXT NOT NULL, status TEXT NOT NULL,"
    "  value TEXT, side TEXT NOT NULL, PRIMARY KEY (device_id, seq));"
    "CREATE INDEX IF NOT EXISTS county_verifications_key ON county_verifications(unit, field);"
    "CREATE TABLE IF NOT EXISTS county_indexed(device_id TEXT PRIMARY KEY,"
    "  seq INTEGER NOT NULL);";

/* ---- small helpers --------------------------------------------------------------------------- */

static int fail(sy_office *o, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(sy_office *o, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->errmsg, sizeof o->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

static int fail_db(sy_office *o, const char *what)
{
    return fail(o, SY_EIO, "%s: %s: %s", o->path, what, sqlite3_errmsg(o->db));
}

static void iso_ms(int64_t ms, char buf[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, 32, "%lld", (long long)ms);
        return;
    }
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One event line on the log: time, then what happened. */
static void logf_(sy_office *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(sy_office *o, const char *fmt, ...)
{
    if (!o->log)
        return;
    char t[32], line[1024];
    iso_ms(sv_wall_ms(), t);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One fprintf per event so that lines from concurrent processes do not interleave. */
    fprintf(o->log, "%s %s\n", t, line);
    fflush(o->log);
}

static char *str_cat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

/* Names are shown in logs and JSON: printable text without control characters. */
static int name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= SY_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* A device id is 32 lowercase hex characters; only such strings ever become file names. */
static int device_id_ok(const char *s)
{
    if (!s || strlen(s) != 32)
        return 0;
    for (size_t i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* Exactly outlen bytes of hex (either case), nothing else. */
static int hex_exact(uint8_t *out, size_t outlen, const char *hex)
{
    size_t got = 0;
    const char *end = NULL;
    if (!hex || strlen(hex) != 2 * outlen)
        return -1;
    if (sodium_hex2bin(out, outlen, hex, 2 * outlen, NULL, &got, &end) != 0 || got != outlen ||
        *end)
        return -1;
    return 0;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, p, n);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static int write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Make a new directory entry durable: fsync the directory that holds path. */
static void fsync_parent(const char *path)
{
    char *d = strdup(path);
    if (!d)
        return;
    char *slash = strrchr(d, '/');
    const char *dir = ".";
    if (slash == d)
        dir = "/";
    else if (slash) {
        *slash = '\0';
        dir = d;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(d);
}

static int db_open(const char *path, int flags, sqlite3 **db)
{
    int rc = sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_busy_timeout(*db, 10000);
    sqlite3_extended_result_codes(*db, 0);
    return sqlite3_exec(*db,
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        "PRAGMA foreign_keys=ON;",
                        NULL, NULL, NULL);
}

static int exec(sy_office *o, const char *sql)
{
    return sqlite3_exec(o->db, sql, NULL, NULL, NULL) == SQLITE_OK ? SY_OK : fail_db(o, sql);
}

static int prep(sy_office *o, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(o->db, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
        return fail_db(o, "query");
    }
    return SY_OK;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

static json_t *col_json_str(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? json_string((const char *)s) : json_null();
}

static json_t *col_json_time(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    char t[32];
    iso_ms(sqlite3_column_int64(st, i), t);
    return json_string(t);
}

/* ---- creating and opening ------------------------------------------------------------------- */

static void remove_office_files(const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal", ".key"};
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        char *p = str_cat(path, suffix[i]);
        if (p)
            unlink(p);
        free(p);
    }
    char *r = str_cat(path, ".replicas");
    if (r)
        rmdir(r);
    free(r);
}

int sy_office_create(const char *path, const char *name, double tolerance_m, char *err,
                     size_t errlen)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    if (!path || !*path) {
        snprintf(err, errlen, "the office database path is empty");
        return SY_EINVAL;
    }
    if (!name)
        name = "county office";
    if (!name_ok(name)) {
        snprintf(err, errlen, "the office name must be 1-%d bytes of text", SY_NAME_MAX - 1);
        return SY_EINVAL;
    }
    if (!isfinite(tolerance_m) || tolerance_m <= 0 || tolerance_m > 1000) {
        snprintf(err, errlen, "the tolerance must be more than 0 and at most 1000 metres");
        return SY_EINVAL;
    }
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium cannot be initialised");
        return SY_ERR;
    }
    char *kpath = str_cat(path, ".key"), *rpath = str_cat(path, ".replicas");
    if (!kpath || !rpath) {
        free(kpath);
        free(rpath);
        return SY_ENOMEM;
    }
    int rc = SY_OK;
    if (access(path, F_OK) == 0 || access(kpath, F_OK) == 0 || access(rpath, F_OK) == 0) {
        snprintf(err, errlen, "%s already exists (or its .key or .replicas does)", path);
        free(kpath);
        free(rpath);
        return SY_EINVAL;
    }

    uint8_t key[KEY_FILE_BYTES], sign_pk[32], box_pk[32];
    crypto_sign_keypair(sign_pk, key);
    crypto_box_keypair(box_pk, key + 64);
    memcpy(key + 96, box_pk, 32);
    char office_id[33], sign_hex[65], box_hex[65];
    sv_device_id_from_key(sign_pk, office_id);
    sodium_bin2hex(sign_hex, sizeof sign_hex, sign_pk, 32);
    sodium_bin2hex(box_hex, sizeof box_hex, box_pk, 32);

    /* The key file first, durable before the database names the keys. */
    int fd = open(kpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write_all(fd, key, sizeof key) != 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "%s: cannot write the key file: %s", kpath, strerror(errno));
        rc = SY_EIO;
    }
    if (fd >= 0 && close(fd) != 0 && rc == SY_OK) {
        snprintf(err, errlen, "%s: cannot write the key file: %s", kpath, strerror(errno));
        rc = SY_EIO;
    }
    sodium_memzero(key, sizeof key);
    if (rc == SY_OK && mkdir(rpath, 0700) != 0) {
        snprintf(err, errlen, "%s: cannot create the replica directory: %s", rpath,
                 strerror(errno));
        rc = SY_EIO;
    }
    sqlite3 *db = NULL;
    if (rc == SY_OK) {
        int src = db_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db);
        char pragma[96];
        snprintf(pragma, sizeof pragma, "PRAGMA application_id=%d; PRAGMA user_version=%d;",
                 OFFICE_APP_ID, OFFICE_SCHEMA);
        if (src == SQLITE_OK)
            src = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (src == SQLITE_OK)
            src = sqlite3_exec(db, SCHEMA_SQL, NULL, NULL, NULL);
        if (src == SQLITE_OK)
            src = sqlite3_exec(db, COUNTY_SQL, NULL, NULL, NULL);
        if (src == SQLITE_OK)
            src = sqlite3_exec(db, pragma, NULL, NULL, NULL);
        sqlite3_stmt *st = NULL;
        if (src == SQLITE_OK)
            src = sqlite3_prepare_v2(db,
                                     "INSERT INTO office(id, office_id, name, sign_pk, box_pk,"
                                     " tolerance_m, created) VALUES (1, ?, ?, ?, ?, ?, ?)",
                                     -1, &st, NULL);
        if (src == SQLITE_OK) {
            bind_text(st, 1, office_id);
            bind_text(st, 2, name);
            bind_text(st, 3, sign_hex);
            bind_text(st, 4, box_hex);
            sqlite3_bind_double(st, 5, tolerance_m);
            sqlite3_bind_int64(st, 6, sv_wall_ms());
            src = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        }
        sqlite3_finalize(st);
        if (src == SQLITE_OK)
            src = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        if (src != SQLITE_OK) {
            snprintf(err, errlen, "%s: cannot create the office database: %s", path,
                     db ? sqlite3_errmsg(db) : sqlite3_errstr(src));
            rc = SY_EIO;
        }
    }
    sqlite3_close_v2(db);
    if (rc == SY_OK)
        fsync_parent(path);
    else
        remove_office_files(path);
    free(kpath);
    free(rpath);
    return rc;
}

static int load_keys(sy_office *o)
{
    char *kpath = str_cat(o->path, ".key");
    if (!kpath)
        return fail(o, SY_ENOMEM, "out of memory");
    uint8_t key[KEY_FILE_BYTES + 1];
    int fd = open(kpath, O_RDONLY | O_CLOEXEC);
    ssize_t n = -1;
    if (fd >= 0) {
        size_t got = 0;
        while (got < sizeof key) {
            ssize_t r = read(fd, key + got, sizeof key - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        n = (ssize_t)got;
        close(fd);
    }
    int rc = SY_OK;
    if (fd < 0)
        rc = fail(o, SY_EIO, "%s: cannot read the office key: %s", kpath, strerror(errno));
    else if (n != KEY_FILE_BYTES)
        rc = fail(o, SY_EFORMAT, "%s: not an office key file (%zd bytes)", kpath, n);
    if (rc == SY_OK) {
        memcpy(o->sign_sk, key, 64);
        memcpy(o->box_sk, key + 64, 32);
        uint8_t derived[32];
        crypto_scalarmult_base(derived, o->box_sk);
        /* The key file must belong to this database: both public halves must match. */
        if (memcmp(o->sign_sk + 32, o->sign_pk, 32) != 0 || memcmp(derived, o->box_pk, 32) != 0 ||
            memcmp(key + 96, o->box_pk, 32) != 0)
            rc = fail(o, SY_EFORMAT, "%s: the key file does not belong to this office database",
                      kpath);
    }
    sodium_memzero(key, sizeof key);
    free(kpath);
    return rc;
}

static int reindex_missing(sy_office *o);

int sy_office_open(const char *path, sy_office **out)
{
    *out = NULL;
    if (!path || !*path)
        return SY_EINVAL;
    sy_office *o = calloc(1, sizeof *o);
    if (!o)
        return SY_ENOMEM;
    *out = o;
    o->path = strdup(path);
    o->replicas = str_cat(path, ".replicas");
    if (!o->path || !o->replicas)
        return fail(o, SY_ENOMEM, "out of memory");
    if (sodium_init() < 0)
        return fail(o, SY_ERR, "libsodium cannot be initialised");
    if (access(path, F_OK) != 0)
        return fail(o, SY_EIO, "%s: no such office database (create it with init)", path);
    if (db_open(path, SQLITE_OPEN_READWRITE, &o->db) != SQLITE_OK)
        return fail(o, SY_EIO, "%s: cannot open: %s", path,
                    o->db ? sqlite3_errmsg(o->db) : "out of memory");
    sqlite3_stmt *st;
    int app = 0;
    if (sqlite3_prepare_v2(o->db, "PRAGMA application_id", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        app = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (app != OFFICE_APP_ID)
        return fail(o, SY_EFORMAT, "%s: not a Quejie office database", path);
    if (prep(o, "SELECT office_id, name, sign_pk, box_pk, tolerance_m FROM office", &st))
        return SY_EIO;
    int rc = SY_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(o->office_id, sizeof o->office_id, "%s", col_text(st, 0));
        snprintf(o->name, sizeof o->name, "%s", col_text(st, 1));
        o->tolerance = sqlite3_column_double(st, 4);
        if (hex_exact(o->sign_pk, 32, col_text(st, 2)) || hex_exact(o->box_pk, 32, col_text(st, 3)))
            rc = fail(o, SY_EFORMAT, "%s: the office keys in the database are malformed", path);
    } else {
        rc = fail(o, SY_EFORMAT, "%s: the office database has no identity", path);
    }
    sqlite3_finalize(st);
    if (rc == SY_OK && sqlite3_exec(o->db, COUNTY_SQL, NULL, NULL, NULL) != SQLITE_OK)
        rc = fail_db(o, "county index");
    if (rc == SY_OK)
        rc = load_keys(o);
    if (rc == SY_OK)
        rc = reindex_missing(o);
    return rc;
}

void sy_office_close(sy_office *o)
{
    if (!o)
        return;
    sqlite3_close_v2(o->db);
    sodium_memzero(o->sign_sk, sizeof o->sign_sk);
    sodium_memzero(o->box_sk, sizeof o->box_sk);
    free(o->path);
    free(o->replicas);
    free(o);
}

const char *sy_office_errmsg(const sy_office *o)
{
    return o ? o->errmsg : "out of memory";
}

void sy_office_set_log(sy_office *o, FILE *log)
{
    o->log = log;
}

const char *sy_office_id(const sy_office *o)
{
    return o->office_id;
}

const char *sy_office_name(const sy_office *o)
{
    return o->name;
}

double sy_office_tolerance(const sy_office *o)
{
    return o->tolerance;
}

/* ---- replicas ----------------------------------------------------------------------------- */

static char *replica_path(const sy_office *o, const char *device_id, const char *ext)
{
    size_t n = strlen(o->replicas) + 1 + 32 + strlen(ext) + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s%s", o->replicas, device_id, ext);
    return p;
}

/* Open the replica of a device for reading; *j NULL (and SY_OK) when it has none yet. */
static int replica_read(sy_office *o, const char *device_id, sv_journal **j)
{
    *j = NULL;
    if (!device_id_ok(device_id))
        return fail(o, SY_EINVAL, "malformed device id");
    char *p = replica_path(o, device_id, ".db");
    if (!p)
        return fail(o, SY_ENOMEM, "out of memory");
    int rc = SY_OK;
    if (access(p, F_OK) == 0) {
        int src = sv_journal_open(p, SV_OPEN_READONLY, j);
        if (src != SV_OK) {
            rc =
                fail(o, SY_EIO, "replica %s: %s", p, *j ? sv_journal_errmsg(*j) : sv_strerror(src));
            sv_journal_close(*j);
            *j = NULL;
        }
    }
    free(p);
    return rc;
}

static int replica_last_seq(sy_office *o, const char *device_id, int64_t *seq)
{
    sv_journal *j;
    *seq = 0;
    int rc = replica_read(o, device_id, &j);
    if (rc == SY_OK && j)
        *seq = sv_journal_last_seq(j);
    sv_journal_close(j);
    return rc;
}

/* Open (creating when missing) the replica of a device for appending. */
static int replica_write(sy_office *o, const char *device_id, const uint8_t pk[32], sv_journal **j)
{
    *j = NULL;
    char *p = replica_path(o, device_id, ".db");
    if (!p)
        return fail(o, SY_ENOMEM, "out of memory");
    int src;
    if (access(p, F_OK) == 0) {
        src = sv_journal_open(p, SV_OPEN_REPLICA, j);
    } else {
        src = sv_journal_create_replica(p, pk, j);
        if (src == SV_OK)
            fsync_parent(p);
    }
    int rc = SY_OK;
    if (src != SV_OK) {
        rc = fail(o, SY_EIO, "replica %s: %s", p, *j ? sv_journal_errmsg(*j) : sv_strerror(src));
        sv_journal_close(*j);
        *j = NULL;
    } else {
        uint8_t have[32];
        sv_journal_public_key(*j, have);
        if (memcmp(have, pk, 32) != 0) {
            rc = fail(o, SY_EIO, "replica %s belongs to another key", p);
            sv_journal_close(*j);
            *j = NULL;
        }
    }
    free(p);
    return rc;
}

/* Serialise ingests of one device across threads and processes (SQLite alone would let two
 * processes both decide what "new" means before either appends). Returns the fd or -1. */
static int device_lock(sy_office *o, const char *device_id)
{
    char *p = replica_path(o, device_id, ".lock");
    if (!p)
        return fail(o, SY_ENOMEM, "out of memory"), -1;
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fail(o, SY_EIO, "%s: %s", p, strerror(errno));
    } else {
        while (flock(fd, LOCK_EX) != 0) {
            if (errno != EINTR) {
                fail(o, SY_EIO, "%s: cannot lock: %s", p, strerror(errno));
                close(fd);
                fd = -1;
                break;
            }
        }
    }
    free(p);
    return fd;
}

static void device_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

/* ---- devices ----------------------------------------------------------------------------------
 */

int sy_office_device_add(sy_office *o, const char *name, const char *crew,
                         char token[SY_TOKEN_CHARS + 1])
{
    token[0] = '\0';
    if (!name_ok(name))
        return fail(o, SY_EINVAL, "the device name must be 1-%d bytes of text", SY_NAME_MAX - 1);
    if (crew && *crew && !name_ok(crew))
        return fail(o, SY_EINVAL, "the crew name must be 1-%d bytes of text", SY_NAME_MAX - 1);
    uint8_t raw[SY_TOKEN_CHARS / 2];
    randombytes_buf(raw, sizeof raw);
    char tok[SY_TOKEN_CHARS + 1], hash[65];
    sodium_bin2hex(tok, sizeof tok, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    sha256_hex(tok, SY_TOKEN_CHARS, hash);
    sqlite3_stmt *st;
    if (prep(o,
             "INSERT INTO devices(name, crew, token_hash, status, registered)"
             " VALUES (?, ?, ?, 'pending', ?)",
             &st))
        return SY_EIO;
    bind_text(st, 1, name);
    bind_text(st, 2, crew && *crew ? crew : NULL);
    bind_text(st, 3, hash);
    sqlite3_bind_int64(st, 4, sv_wall_ms());
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if (src == SQLITE_CONSTRAINT)
        return fail(o, SY_EINVAL, "a device named '%s' is already registered", name);
    if (src != SQLITE_DONE)
        return fail_db(o, "cannot register the device");
    memcpy(token, tok, sizeof tok);
    sodium_memzero(tok, sizeof tok);
    logf_(o, "device added: %s%s%s", name, crew && *crew ? " crew " : "",
          crew && *crew ? crew : "");
    return SY_OK;
}

int sy_office_device_revoke(sy_office *o, const char *name)
{
    sqlite3_stmt *st;
    if (!name || !*name)
        return fail(o, SY_EINVAL, "no device name given");
    if (prep(o,
             "UPDATE devices SET status = 'revoked', revoked = coalesce(revoked, ?)"
             " WHERE name = ?",
             &st))
        return SY_EIO;
    sqlite3_bind_int64(st, 1, sv_wall_ms());
    bind_text(st, 2, name);
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return fail_db(o, "cannot revoke the device");
    if (sqlite3_changes(o->db) == 0)
        return fail(o, SY_EINVAL, "no device named '%s' is registered", name);
    logf_(o, "device revoked: %s", name);
    return SY_OK;
}

int sy_office_devices(sy_office *o, json_t **out)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (prep(o,
             "SELECT name, crew, device_id, status, registered, enrolled, revoked,"
             " (SELECT max(time) FROM ingest_log l WHERE l.device_id = d.device_id"
             "   AND l.result IN ('applied', 'duplicate')),"
             " (SELECT count(*) FROM review r WHERE r.status = 'open'"
             "   AND (r.a_device = d.device_id OR r.b_device = d.device_id))"
             " FROM devices d ORDER BY id",
             &st))
        return SY_EIO;
    json_t *arr = json_array();
    int rc = arr ? SY_OK : SY_ENOMEM;
    int src;
    while (rc == SY_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t acked = 0;
        const char *id = (const char *)sqlite3_column_text(st, 2);
        if (id)
            rc = replica_last_seq(o, id, &acked);
        json_t *d = json_object();
        if (!d) {
            rc = SY_ENOMEM;
            break;
        }
        json_object_set_new(d, "name", col_json_str(st, 0));
        json_object_set_new(d, "crew", col_json_str(st, 1));
        json_object_set_new(d, "device_id", col_json_str(st, 2));
        json_object_set_new(d, "status", col_json_str(st, 3));
        json_object_set_new(d, "acked_seq", json_integer(acked));
        /* Seqs run 1..n without gaps, so the cursor is also the number of entries held. */
        json_object_set_new(d, "entries", json_integer(acked));
        json_object_set_new(d, "registered", col_json_time(st, 4));
        json_object_set_new(d, "enrolled", col_json_time(st, 5));
        json_object_set_new(d, "revoked", col_json_time(st, 6));
        json_object_set_new(d, "last_ingest", col_json_time(st, 7));
        json_object_set_new(d, "review_open", json_integer(sqlite3_column_int64(st, 8)));
        json_array_append_new(arr, d);
    }
    if (rc == SY_OK && src != SQLITE_DONE)
        rc = fail_db(o, "devices");
    sqlite3_finalize(st);
    if (rc != SY_OK) {
        json_decref(arr);
        return rc == SY_ENOMEM ? fail(o, rc, "out of memory") : rc;
    }
    *out = arr;
    return SY_OK;
}

/* ---- enrollment and authentication -------------------------------------------------------- */

static json_t *enroll_reply(sy_office *o, const char *name, int64_t acked)
{
    char sign_hex[65], box_hex[65];
    sodium_bin2hex(sign_hex, sizeof sign_hex, o->sign_pk, 32);
    sodium_bin2hex(box_hex, sizeof box_hex, o->box_pk, 32);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "office_id", o->office_id, "office_name",
                     o->name, "sign_pk", sign_hex, "box_pk", box_hex, "device", name, "acked_seq",
                     (json_int_t)acked);
}

int sy_office_enroll(sy_office *o, const char *token, const char *device_id, const char *pk_hex,
                     json_t **reply)
{
    *reply = NULL;
    uint8_t pk[32];
    char tok[SY_TOKEN_CHARS + 1], hash[65], id[33], pk_lower[65];
    if (!token || strlen(token) != SY_TOKEN_CHARS)
        return fail(o, SY_EAUTH, "unknown enrollment token");
    for (size_t i = 0; i <= SY_TOKEN_CHARS; i++)
        tok[i] = (char)((token[i] >= 'A' && token[i] <= 'F') ? token[i] + 32 : token[i]);
    if (!pk_hex || hex_exact(pk, 32, pk_hex))
        return fail(o, SY_EFORMAT, "public_key must be 64 hex characters");
    sv_device_id_from_key(pk, id);
    if (!device_id || strcmp(device_id, id) != 0)
        return fail(o, SY_EFORMAT, "device_id does not belong to public_key");
    sodium_bin2hex(pk_lower, sizeof pk_lower, pk, 32);
    sha256_hex(tok, SY_TOKEN_CHARS, hash);
    sodium_memzero(tok, sizeof tok);

    if (exec(o, "BEGIN IMMEDIATE"))
        return SY_EIO;
    sqlite3_stmt *st;
    int rc = prep(o, "SELECT id, name, status, public_key FROM devices WHERE token_hash = ?", &st);
    int64_t row = 0;
    char name[SY_NAME_MAX] = "", status[16] = "", have_pk[65] = "";
    if (rc == SY_OK) {
        bind_text(st, 1, hash);
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            row = sqlite3_column_int64(st, 0);
            snprintf(name, sizeof name, "%s", col_text(st, 1));
            snprintf(status, sizeof status, "%s", col_text(st, 2));
            snprintf(have_pk, sizeof have_pk, "%s", col_text(st, 3));
        } else if (src != SQLITE_DONE) {
            rc = fail_db(o, "enroll");
        }
        sqlite3_finalize(st);
    }
    int fresh = 0;
    if (rc == SY_OK && !row)
        rc = fail(o, SY_EAUTH, "unknown enrollment token");
    else if (rc == SY_OK && strcmp(status, "revoked") == 0)
        rc = fail(o, SY_EAUTH, "device '%s' is revoked", name);
    else if (rc == SY_OK && strcmp(status, "enrolled") == 0 && strcmp(have_pk, pk_lower) != 0)
        rc = fail(o, SY_EAUTH, "the enrollment token of '%s' has been used", name);
    else if (rc == SY_OK && strcmp(status, "pending") == 0) {
        rc = prep(o, "SELECT name FROM devices WHERE public_key = ?", &st);
        if (rc == SY_OK) {
            bind_text(st, 1, pk_lower);
            if (sqlite3_step(st) == SQLITE_ROW)
                rc = fail(o, SY_EREFUSED, "this device's key is already enrolled as '%s'",
                          col_text(st, 0));
            sqlite3_finalize(st);
        }
        if (rc == SY_OK)
            rc = prep(o,
                      "UPDATE devices SET device_id = ?, public_key = ?, status = 'enrolled',"
                      " enrolled = ? WHERE id = ?",
                      &st);
        if (rc == SY_OK) {
            bind_text(st, 1, id);
            bind_text(st, 2, pk_lower);
            sqlite3_bind_int64(st, 3, sv_wall_ms());
            sqlite3_bind_int64(st, 4, row);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = fail_db(o, "enroll");
            sqlite3_finalize(st);
        }
        fresh = 1;
    }
    /* The replica exists from enrollment on, so `status` and `check` see every device. */
    sv_journal *j = NULL;
    if (rc == SY_OK)
        rc = replica_write(o, id, pk, &j);
    int64_t acked = j ? sv_journal_last_seq(j) : 0;
    sv_journal_close(j);
    if (rc == SY_OK)
        rc = exec(o, "COMMIT");
    if (rc != SY_OK) {
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
        logf_(o, "enroll refused: %s", o->errmsg);
        return rc;
    }
    *reply = enroll_reply(o, name, acked);
    if (!*reply)
        return fail(o, SY_ENOMEM, "out of memory");
    logf_(o, "%s: device %s (%s)%s", fresh ? "enrolled" : "enroll repeated", name, id,
          fresh ? "" : ", same key");
    return SY_OK;
}

/* The enrolled device with this id into dev; SY_EAUTH with the reason otherwise. */
static int device_by_id(sy_office *o, const char *device_id, sy_device *dev, char *status,
                        size_t slen)
{
    memset(dev, 0, sizeof *dev);
    if (!device_id_ok(device_id))
        return fail(o, SY_EAUTH, "malformed device id");
    sqlite3_stmt *st;
    if (prep(o, "SELECT name, crew, public_key, status FROM devices WHERE device_id = ?", &st))
        return SY_EIO;
    bind_text(st, 1, device_id);
    int src = sqlite3_step(st), rc = SY_OK;
    if (src == SQLITE_ROW) {
        snprintf(dev->name, sizeof dev->name, "%s", col_text(st, 0));
        snprintf(dev->crew, sizeof dev->crew, "%s", col_text(st, 1));
        snprintf(dev->device_id, sizeof dev->device_id, "%s", device_id);
        snprintf(status, slen, "%s", col_text(st, 3));
        if (hex_exact(dev->pk, 32, col_text(st, 2)))
            rc = fail(o, SY_EIO, "device %s: malformed public key in the office database",
                      dev->name);
        else if (strcmp(status, "enrolled") != 0)
            rc = fail(o, SY_EAUTH, "device '%s' is %s", dev->name, status);
    } else if (src == SQLITE_DONE) {
        rc = fail(o, SY_EAUTH, "unknown device %s (not enrolled with this office)", device_id);
    } else {
        rc = fail_db(o, "device lookup");
    }
    sqlite3_finalize(st);
    return rc;
}

int sy_office_device_enrolled(sy_office *o, const char *device_id)
{
    sy_device dev;
    char status[16];
    return device_id ? device_by_id(o, device_id, &dev, status, sizeof status)
                     : fail(o, SY_EAUTH, "no device named");
}

int sy_office_authenticate(sy_office *o, const char *device_id, const char *time_ms,
                           const char *sig_hex, const char *method, const char *path,
                           const uint8_t *body, size_t len, int64_t now, sy_device *dev)
{
    char status[16];
    memset(dev, 0, sizeof *dev);
    if (!device_id || !time_ms || !sig_hex || !method || !path)
        return fail(o, SY_EAUTH,
                    "missing X-Quejie-Device, X-Quejie-Time or X-Quejie-Signature header");
    int rc = device_by_id(o, device_id, dev, status, sizeof status);
    if (rc != SY_OK)
        return rc;
    char *end;
    errno = 0;
    long long t = strtoll(time_ms, &end, 10);
    if (errno || end == time_ms || *end || time_ms[0] == '+' || time_ms[0] == ' ' ||
        strlen(time_ms) > 19)
        return fail(o, SY_EAUTH, "malformed X-Quejie-Time");
    if (llabs(t - now) > SY_OFFICE_CLOCK_WINDOW_MS)
        return fail(o, SY_EAUTH, "request time is more than 24 h from the office clock");
    uint8_t sig[64], h[crypto_hash_sha256_BYTES];
    if (hex_exact(sig, sizeof sig, sig_hex))
        return fail(o, SY_EAUTH, "malformed X-Quejie-Signature");
    crypto_hash_sha256(h, body ? body : (const uint8_t *)"", body ? len : 0);
    static const char dom[] = "quejie-request-v1";
    size_t ml = sizeof dom + strlen(method) + 1 + strlen(path) + 1 + strlen(time_ms) + 1 + sizeof h;
    uint8_t *msg = malloc(ml), *p = msg;
    if (!msg)
        return fail(o, SY_ENOMEM, "out of memory");
    /* Each part followed by its NUL separator (sizeof dom counts dom's own). */
    memcpy(p, dom, sizeof dom), p += sizeof dom;
    memcpy(p, method, strlen(method) + 1), p += strlen(method) + 1;
    memcpy(p, path, strlen(path) + 1), p += strlen(path) + 1;
    memcpy(p, time_ms, strlen(time_ms) + 1), p += strlen(time_ms) + 1;
    memcpy(p, h, sizeof h);
    int bad = crypto_sign_verify_detached(sig, msg, ml, dev->pk) != 0;
    free(msg);
    if (bad)
        return fail(o, SY_EAUTH, "the request signature of device '%s' does not verify", dev->name);
    return SY_OK;
}

int sy_office_cursor(sy_office *o, const char *device_id, int64_t *acked_seq,
                     uint8_t acked_hash[SV_HASH_BYTES])
{
    if (!acked_hash)
        return replica_last_seq(o, device_id, acked_seq);
    sv_journal *j;
    *acked_seq = 0;
    memset(acked_hash, 0, SV_HASH_BYTES);
    int rc = replica_read(o, device_id, &j);
    if (rc == SY_OK && j) {
        *acked_seq = sv_journal_last_seq(j);
        if (sv_journal_hash_at(j, *acked_seq, acked_hash) != SV_OK)
            rc = fail(o, SY_EIO, "replica of %s: %s", device_id, sv_journal_errmsg(j));
    }
    sv_journal_close(j);
    return rc;
}

/* ---- tasks --------------------------------------------------------------------------------------
 */

static int read_file(sy_office *o, const char *file, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(file, "rb");
    if (!f)
        return fail(o, SY_EIO, "%s: %s", file, strerror(errno));
    size_t cap = 0, n = 0;
    char *b = NULL;
    int rc = SY_OK;
    for (;;) {
        if (n == cap) {
            if (cap >= SV_TASKS_MAX_BYTES) {
                rc = fail(o, SY_EFORMAT, "%s: larger than %u bytes", file, SV_TASKS_MAX_BYTES);
                break;
            }
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(b, cap + 1);
            if (!nb) {
                rc = fail(o, SY_ENOMEM, "%s: out of memory", file);
                break;
            }
            b = nb;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f))
                rc = fail(o, SY_EIO, "%s: %s", file, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (rc != SY_OK) {
        free(b);
        return rc;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return SY_OK;
}

/* The unit's draft as a GeoJSON MultiPolygon in lon/lat (for packages in a projected CRS). */
static json_t *geom_json(const sv_geom *g)
{
    json_t *parts = json_array();
    size_t ring = 0, pt = 0;
    for (size_t p = 0; parts && p < g->n_parts; p++) {
        json_t *rings = json_array();
        for (size_t r = 0; rings && r < g->part_rings[p] && ring < g->n_rings; r++, ring++) {
            json_t *pos = json_array();
            for (size_t k = 0; pos && k < g->ring_pts[ring] && pt < g->n_pts; k++, pt++)
                json_array_append_new(
                    pos, json_pack("[f, f]", g->lonlat[2 * pt], g->lonlat[2 * pt + 1]));
            json_array_append_new(rings, pos);
        }
        json_array_append_new(parts, rings);
    }
    return json_pack("{s:s, s:o}", "type", "MultiPolygon", "coordinates", parts);
}

int sy_office_tasks_import(sy_office *o, const char *file, const char *assign, size_t *count)
{
    *count = 0;
    if (!name_ok(assign))
        return fail(o, SY_EINVAL, "--assign needs a device or crew name");
    char *buf;
    size_t len;
    int rc = read_file(o, file, &buf, &len);
    if (rc != SY_OK)
        return rc;
    sv_geo *g = NULL;
    if (sv_geo_new(&g) != SV_OK) {
        free(buf);
        return fail(o, SY_EIO, "cannot initialise PROJ (is proj-data installed?)");
    }
    sv_task_set set = {0};
    sv_diag d = {{0}};
    int src = sv_tasks_parse(file, buf, len, g, NULL, &set, &d);
    if (src != SV_OK) {
        sv_geo_free(g);
        free(buf);
        return fail(o, src == SV_ENOMEM ? SY_ENOMEM : SY_EFORMAT, "%s",
                    d.msg[0] ? d.msg : sv_strerror(src));
    }
    /* A package in a projected CRS is stored with the lon/lat geometry the validation
     * computed, so that every package the office hands out is plain RFC 7946. */
    sv_geo_src *gs = NULL;
    int geographic = sv_geo_src_new(g, set.crs, &gs) == SV_OK && sv_geo_src_is_geographic(gs);
    sv_geo_src_free(gs);
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_DECODE_ANY, &jerr);
    free(buf);
    json_t *features = json_object_get(root, "features");
    if (!json_is_array(features) || json_array_size(features) != set.n + set.skipped)
        rc = fail(o, SY_EFORMAT, "%s: the features do not match the validated units", file);
    int64_t t = sv_wall_ms();
    if (rc == SY_OK)
        rc = exec(o, "BEGIN IMMEDIATE");
    sqlite3_stmt *st = NULL;
    if (rc == SY_OK)
        rc = prep(o,
                  "INSERT OR REPLACE INTO tasks(code, assign, feature, source, imported)"
                  " VALUES (?, ?, ?, ?, ?)",
                  &st);
    for (size_t i = 0; rc == SY_OK && i < set.n; i++) {
        json_t *f = json_deep_copy(json_array_get(features, set.feature[i]));
        if (f && !geographic)
            json_object_set_new(f, "geometry", geom_json(&set.units[i].draft));
        char *text = f ? json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(f);
        if (!text) {
            rc = fail(o, SY_ENOMEM, "out of memory");
            break;
        }
        sqlite3_reset(st);
        bind_text(st, 1, set.units[i].code);
        bind_text(st, 2, assign);
        sqlite3_bind_text(st, 3, text, -1, free);
        bind_text(st, 4, set.units[i].source);
        sqlite3_bind_int64(st, 5, t);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = fail_db(o, "cannot store the task unit");
    }
    sqlite3_finalize(st);
    if (rc == SY_OK)
        rc = exec(o, "COMMIT");
    else if (o->db)
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
    json_decref(root);
    if (rc == SY_OK) {
        *count = set.n;
        logf_(o, "tasks imported: %zu unit%s from %s assigned to %s", set.n, set.n == 1 ? "" : "s",
              file, assign);
    }
    sv_task_set_clear(&set);
    sv_geo_free(g);
    return rc;
}

int sy_office_tasks(sy_office *o, json_t **out)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (prep(o, "SELECT code, assign, imported FROM tasks ORDER BY code", &st))
        return SY_EIO;
    json_t *arr = json_array();
    int src;
    while (arr && (src = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr,
                              json_pack("{s:o, s:o, s:o}", "code", col_json_str(st, 0), "assign",
                                        col_json_str(st, 1), "imported", col_json_time(st, 2)));
    sqlite3_finalize(st);
    if (!arr)
        return fail(o, SY_ENOMEM, "out of memory");
    *out = arr;
    return SY_OK;
}

int sy_office_tasks_for(sy_office *o, const sy_device *dev, char **body, size_t *len,
                        char sig_hex[2 * 64 + 1])
{
    *body = NULL;
    *len = 0;
    sqlite3_stmt *st;
    if (prep(o,
             "SELECT feature FROM tasks WHERE assign = ?1 OR (?2 <> '' AND assign = ?2)"
             " ORDER BY code",
             &st))
        return SY_EIO;
    bind_text(st, 1, dev->name);
    bind_text(st, 2, dev->crew);
    json_t *features = json_array();
    json_t *fc = json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", features);
    int rc = fc ? SY_OK : SY_ENOMEM, src;
    while (rc == SY_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *f = json_loads(col_text(st, 0), 0, NULL);
        if (!f)
            rc = fail(o, SY_EIO, "a stored task feature is not JSON");
        else
            json_array_append_new(features, f);
    }
    if (rc == SY_OK && src != SQLITE_DONE)
        rc = fail_db(o, "tasks");
    sqlite3_finalize(st);
    char *text = rc == SY_OK ? json_dumps(fc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(fc);
    if (rc != SY_OK)
        return rc == SY_ENOMEM ? fail(o, rc, "out of memory") : rc;
    if (!text)
        return fail(o, SY_ENOMEM, "out of memory");
    size_t n = strlen(text);
    static const char dom[] = "quejie-tasks-v1";
    uint8_t msg[sizeof dom + 32 + crypto_hash_sha256_BYTES], sig[crypto_sign_BYTES];
    memcpy(msg, dom, sizeof dom);
    memcpy(msg + sizeof dom, dev->device_id, 32);
    crypto_hash_sha256(msg + sizeof dom + 32, (const uint8_t *)text, n);
    crypto_sign_detached(sig, NULL, msg, sizeof msg, o->sign_sk);
    sodium_bin2hex(sig_hex, 2 * 64 + 1, sig, sizeof sig);
    *body = text;
    *len = n;
    return SY_OK;
}

/* ---- conflict detection --------------------------------------------------------------------- */

typedef struct dev_ref {
    const char *name, *id;
} dev_ref;

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *side_base(const dev_ref *d, int64_t seq, int64_t time)
{
    char t[32];
    iso_ms(time, t);
    return json_pack("{s:s, s:s, s:I, s:s, s:I}", "device", d->name, "device_id", d->id, "seq",
                     (json_int_t)seq, "time", t, "time_ms", (json_int_t)time);
}

static json_t *point_side(const dev_ref *d, const sv_bpoint *p)
{
    json_t *s = side_base(d, p->seq, p->time_ms);
    if (s) {
        json_object_set_new(s, "number", json_string(p->number));
        json_object_set_new(s, "lat", jnum(p->lat));
        json_object_set_new(s, "lon", jnum(p->lon));
        json_object_set_new(s, "h", jnum(p->h));
        json_object_set_new(s, "grade", json_string(sv_grade_name(p->q.grade)));
        json_object_set_new(s, "point_type", json_string(p->point_type));
    }
    return s;
}

static json_t *ver_side(const dev_ref *d, const sv_verification *v)
{
    json_t *s = side_base(d, v->seq, v->time_ms);
    if (s) {
        json_object_set_new(s, "field", json_string(sv_field_name(v->field)));
        json_object_set_new(s, "status", json_string(sv_vstatus_name(v->status)));
        json_object_set_new(s, "value", v->value ? json_string(v->value) : json_null());
        json_object_set_new(s, "note", v->note ? json_string(v->note) : json_null());
    }
    return s;
}

/* Store a case unless the same pair of (device, seq) sides is already there. The sides are
 * put in a fixed order (by device id) so that the pair is the same whichever device's ingest
 * finds it. Consumes sa and sb. */
static int add_case(sy_office *o, sqlite3_stmt *ins, const char *unit, const char *subject,
                    const char *kind, const char *detail, const dev_ref *da, int64_t seqa,
                    json_t *sa, const dev_ref *db, int64_t seqb, json_t *sb, size_t *added)
{
    if (strcmp(da->id, db->id) > 0) {
        const dev_ref *td = da;
        da = db;
        db = td;
        int64_t ts = seqa;
        seqa = seqb;
        seqb = ts;
        json_t *tj = sa;
        sa = sb;
        sb = tj;
    }
    char *ta = sa ? json_dumps(sa, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char *tb = sb ? json_dumps(sb, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(sa);
    json_decref(sb);
    if (!ta || !tb) {
        free(ta);
        free(tb);
        return fail(o, SY_ENOMEM, "out of memory");
    }
    sqlite3_reset(ins);
    bind_text(ins, 1, unit);
    bind_text(ins, 2, subject);
    bind_text(ins, 3, kind);
    bind_text(ins, 4, detail);
    bind_text(ins, 5, da->id);
    sqlite3_bind_int64(ins, 6, seqa);
    bind_text(ins, 7, db->id);
    sqlite3_bind_int64(ins, 8, seqb);
    sqlite3_bind_text(ins, 9, ta, -1, free);
    sqlite3_bind_text(ins, 10, tb, -1, free);
    sqlite3_bind_int64(ins, 11, sv_wall_ms());
    if (sqlite3_step(ins) != SQLITE_DONE)
        return fail_db(o, "cannot store a review case");
    if (sqlite3_changes(o->db) > 0) {
        (*added)++;
        logf_(o, "review case %lld: unit %s %s %s: %s (%s entry %lld vs %s entry %lld)",
              (long long)sqlite3_last_insert_rowid(o->db), unit, kind, subject, detail, da->name,
              (long long)seqa, db->name, (long long)seqb);
    }
    return SY_OK;
}

/* The county index (county_points, county_verifications): every device's current points and
 * verifications, copied from its replica's derived state, with the side of a review case ready
 * made. county_indexed says up to which seq of the device's replica the index is current.
 * Detection compares only the refreshed device's rows against the index, by unit and number
 * (or field), so it costs the same with 5 devices or 500 and opens no other replica. */
static int index_point(sy_office *o, sqlite3_stmt *ins, const dev_ref *me, const sv_bpoint *p)
{
    json_t *side = point_side(me, p);
    char *text = side ? json_dumps(side, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(side);
    if (!text)
        return fail(o, SY_ENOMEM, "out of memory");
    sqlite3_reset(ins);
    bind_text(ins, 1, me->id);
    sqlite3_bind_int64(ins, 2, p->seq);
    bind_text(ins, 3, p->unit);
    bind_text(ins, 4, p->number);
    if (isfinite(p->lat) && isfinite(p->lon)) {
        sqlite3_bind_double(ins, 5, p->lat);
        sqlite3_bind_double(ins, 6, p->lon);
    } else {
        sqlite3_bind_null(ins, 5);
        sqlite3_bind_null(ins, 6);
    }
    sqlite3_bind_text(ins, 7, text, -1, free);
    return sqlite3_step(ins) == SQLITE_DONE ? SY_OK : fail_db(o, "county index");
}

static int index_verification(sy_office *o, sqlite3_stmt *ins, const dev_ref *me,
                              const sv_verification *v)
{
    json_t *side = ver_side(me, v);
    char *text = side ? json_dumps(side, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(side);
    if (!text)
        return fail(o, SY_ENOMEM, "out of memory");
    sqlite3_reset(ins);
    bind_text(ins, 1, me->id);
    sqlite3_bind_int64(ins, 2, v->seq);
    bind_text(ins, 3, v->unit);
    bind_text(ins, 4, sv_field_name(v->field));
    bind_text(ins, 5, sv_vstatus_name(v->status));
    bind_text(ins, 6, v->value);
    sqlite3_bind_text(ins, 7, text, -1, free);
    return sqlite3_step(ins) == SQLITE_DONE ? SY_OK : fail_db(o, "county index");
}

/* The stored side of a case, as JSON (NULL when unreadable: the case is still stored). */
static json_t *stored_side(sqlite3_stmt *st, int i)
{
    return json_loads(col_text(st, i), 0, NULL);
}

/* Cases between my (just indexed) rows and every other device's, from the index alone. */
static int detect_indexed(sy_office *o, const dev_ref *me, size_t *added)
{
    sqlite3_stmt *mine = NULL, *theirs = NULL, *ins = NULL;
    int rc = prep(o,
                  "INSERT OR IGNORE INTO review(unit, subject, kind, detail, a_device, a_seq,"
                  " b_device, b_seq, a, b, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  &ins);
    if (rc == SY_OK)
        rc = prep(o,
                  "SELECT m.unit, m.number, m.seq, m.lat, m.lon, m.side, t.device_id, d.name,"
                  " t.seq, t.lat, t.lon, t.side FROM county_points m JOIN county_points t"
                  " ON t.unit = m.unit AND t.number = m.number AND t.device_id <> m.device_id"
                  " JOIN devices d ON d.device_id = t.device_id"
                  " WHERE m.device_id = ? AND m.lat IS NOT NULL AND t.lat IS NOT NULL"
                  " ORDER BY m.seq, t.device_id",
                  &mine);
    if (rc == SY_OK)
        rc = prep(o,
                  "SELECT m.unit, m.field, m.seq, m.status, m.value, m.side, t.device_id, d.name,"
                  " t.seq, t.status, t.value, t.side FROM county_verifications m"
                  " JOIN county_verifications t ON t.unit = m.unit AND t.field = m.field"
                  " AND t.device_id <> m.device_id JOIN devices d ON d.device_id = t.device_id"
                  " WHERE m.device_id = ? AND (t.status <> m.status"
                  " OR coalesce(t.value, '') <> coalesce(m.value, ''))"
                  " ORDER BY m.seq, t.device_id",
                  &theirs);
    int src = SQLITE_DONE;
    if (rc == SY_OK) {
        bind_text(mine, 1, me->id);
        while (rc == SY_OK && (src = sqlite3_step(mine)) == SQLITE_ROW) {
            double dist = sv_geo_distance(
                sqlite3_column_double(mine, 3), sqlite3_column_double(mine, 4),
                sqlite3_column_double(mine, 9), sqlite3_column_double(mine, 10), NULL);
            if (!(dist > o->tolerance))
                continue;
            char detail[160], name[SY_NAME_MAX], id[33];
            snprintf(detail, sizeof detail, "measured %.2f m apart (tolerance %.2f m)", dist,
                     o->tolerance);
            snprintf(id, sizeof id, "%s", col_text(mine, 6));
            snprintf(name, sizeof name, "%s", col_text(mine, 7));
            dev_ref other = {name, id};
            rc = add_case(o, ins, col_text(mine, 0), col_text(mine, 1), "point", detail, me,
                          sqlite3_column_int64(mine, 2), stored_side(mine, 5), &other,
                          sqlite3_column_int64(mine, 8), stored_side(mine, 11), added);
        }
        if (rc == SY_OK && src != SQLITE_DONE)
            rc = fail_db(o, "county index");
    }
    if (rc == SY_OK) {
        bind_text(theirs, 1, me->id);
        while (rc == SY_OK && (src = sqlite3_step(theirs)) == SQLITE_ROW) {
            char detail[160], name[SY_NAME_MAX], id[33];
            snprintf(detail, sizeof detail, "%s: %s vs %s", col_text(theirs, 1),
                     col_text(theirs, 3), col_text(theirs, 9));
            snprintf(id, sizeof id, "%s", col_text(theirs, 6));
            snprintf(name, sizeof name, "%s", col_text(theirs, 7));
            dev_ref other = {name, id};
            rc = add_case(o, ins, col_text(theirs, 0), col_text(theirs, 1), "verification", detail,
                          me, sqlite3_column_int64(theirs, 2), stored_side(theirs, 5), &other,
                          sqlite3_column_int64(theirs, 8), stored_side(theirs, 11), added);
        }
        if (rc == SY_OK && src != SQLITE_DONE)
            rc = fail_db(o, "county index");
    }
    sqlite3_finalize(mine);
    sqlite3_finalize(theirs);
    sqlite3_finalize(ins);
    return rc;
}

static int64_t indexed_seq(sy_office *o, const char *device_id)
{
    sqlite3_stmt *st;
    int64_t seq = -1;
    if (prep(o, "SELECT seq FROM county_indexed WHERE device_id = ?", &st))
        return -1;
    bind_text(st, 1, device_id);
    if (sqlite3_step(st) == SQLITE_ROW)
        seq = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return seq;
}

/* Bring the device's rows of the county index up to its replica and look for disagreements
 * with the other devices, in one office transaction. With changed == 0 (the entries since the
 * index was last current cannot change points or verifications) only the index's seq moves.
 * Idempotent: cases are keyed by their sides, so a refresh after a crash adds nothing twice. */
static int refresh(sy_office *o, const dev_ref *me, sv_journal *j, int changed, size_t *added)
{
    *added = 0;
    sv_bpoint *pt = NULL;
    sv_verification *ver = NULL;
    size_t npt = 0, nver = 0;
    int rc = SY_OK;
    if (changed && (sv_state_points(j, NULL, &pt, &npt) != SV_OK ||
                    sv_state_verifications(j, NULL, &ver, &nver) != SV_OK))
        rc = fail(o, SY_EIO, "replica of %s: %s", me->name, sv_journal_errmsg(j));
    if (rc == SY_OK)
        rc = exec(o, "BEGIN IMMEDIATE");
    if (rc != SY_OK) {
        sv_bpoints_free(pt, npt);
        sv_verifications_free(ver, nver);
        return rc;
    }
    sqlite3_stmt *st = NULL;
    if (changed) {
        static const char *const clear[] = {"DELETE FROM county_points WHERE device_id = ?",
                                            "DELETE FROM county_verifications WHERE device_id = ?"};
        for (size_t i = 0; rc == SY_OK && i < 2; i++) {
            rc = prep(o, clear[i], &st);
            if (rc == SY_OK) {
                bind_text(st, 1, me->id);
                if (sqlite3_step(st) != SQLITE_DONE)
                    rc = fail_db(o, "county index");
            }
            sqlite3_finalize(st);
            st = NULL;
        }
        if (rc == SY_OK)
            rc = prep(o,
                      "INSERT INTO county_points(device_id, seq, unit, number, lat, lon, side)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?)",
                      &st);
        for (size_t i = 0; rc == SY_OK && i < npt; i++)
            rc = index_point(o, st, me, &pt[i]);
        sqlite3_finalize(st);
        st = NULL;
        if (rc == SY_OK)
            rc = prep(o,
                      "INSERT INTO county_verifications(device_id, seq, unit, field, status,"
                      " value, side) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      &st);
        for (size_t i = 0; rc == SY_OK && i < nver; i++)
            rc = index_verification(o, st, me, &ver[i]);
        sqlite3_finalize(st);
        st = NULL;
        if (rc == SY_OK)
            rc = detect_indexed(o, me, added);
    }
    if (rc == SY_OK)
        rc = prep(o, "INSERT OR REPLACE INTO county_indexed(device_id, seq) VALUES (?, ?)", &st);
    if (rc == SY_OK) {
        bind_text(st, 1, me->id);
        sqlite3_bind_int64(st, 2, sv_journal_last_seq(j));
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = fail_db(o, "county index");
    }
    sqlite3_finalize(st);
    if (rc == SY_OK)
        rc = exec(o, "COMMIT");
    else
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc != SY_OK)
        *added = 0;
    sv_bpoints_free(pt, npt);
    sv_verifications_free(ver, nver);
    return rc;
}

/* Whether an entry of this kind can change a device's points or verifications (a kind this
 * build does not know might: it counts as one). */
static int kind_changes_index(const char *kind)
{
    const sv_kind_info *k = sv_kind_find(kind); /* the registry, survey/kinds.h */
    return !k || (k->flags & SV_KIND_COUNTY_INDEX);
}

/* Index the devices that have a replica but no county index rows yet (an office created before
 * the index existed); called on open, cheap when there are none. */
static int reindex_missing(sy_office *o)
{
    sqlite3_stmt *st;
    if (prep(o,
             "SELECT name, device_id FROM devices WHERE device_id IS NOT NULL AND device_id"
             " NOT IN (SELECT device_id FROM county_indexed) ORDER BY id",
             &st))
        return SY_EIO;
    int rc = SY_OK, src;
    while (rc == SY_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        char name[SY_NAME_MAX], id[33];
        snprintf(name, sizeof name, "%s", col_text(st, 0));
        snprintf(id, sizeof id, "%s", col_text(st, 1));
        /* enrolled but never synced: nothing to index, and no lock file to leave behind (this
         * runs on every open, read-only commands included) */
        char *rp = replica_path(o, id, ".db");
        int has = rp && access(rp, F_OK) == 0;
        free(rp);
        if (!has)
            continue;
        int fd = device_lock(o, id);
        if (fd < 0) {
            rc = SY_EIO;
            break;
        }
        sv_journal *j;
        rc = replica_read(o, id, &j);
        if (rc == SY_OK && j) {
            dev_ref me = {name, id};
            size_t added;
            rc = refresh(o, &me, j, 1, &added);
        }
        sv_journal_close(j);
        device_unlock(fd);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- ingest --------------------------------------------------------------------------------- */

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
    if (prep(o,
             "INSERT INTO ingest_log(time, via, device_id, device, first_seq, last_seq, result,"
             " applied, acked_seq, reason) VALUES (?, ?, ?, ?, ?, ?, 'applying', ?, ?, NULL)",
             &st))
        return 0;
    sqlite3_bind_int64(st, 1, sv_wall_ms());
    bind_text(st, 2, via);
    bind_text(st, 3, r->device_id[0] ? r->device_id : NULL);
    bind_text(st, 4, r->device[0] ? r->device : NULL);
    sqlite3_bind_int64(st, 5, r->first_seq);
    sqlite3_bind_int64(st, 6, r->last_seq);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)applying);
    sqlite3_bind_int64(st, 8, r->acked_seq);
    int64_t id = sqlite3_step(st) == SQLITE_DONE ? sqlite3_last_insert_rowid(o->db) : 0;
    if (!id)
        fail_db(o, "ingest log");
    sqlite3_finalize(st);
    return id;
}

/* Give the 'applying' rows of a device that an office which died left behind their outcome;
 * held is what its replica holds. Called under the device's lock, so no ingest is running. */
static void log_settle(sy_office *o, const char *device_id, int64_t held)
{
    sqlite3_stmt *st;
    if (prep(o,
             "UPDATE ingest_log SET result = CASE WHEN last_seq <= ?1 THEN 'applied'"
             " ELSE 'interrupted' END, applied = CASE WHEN last_seq <= ?1 THEN applied ELSE 0 END,"
             " acked_seq = ?1, reason = CASE WHEN last_seq <= ?1"
             " THEN 'the office stopped before it logged the outcome: the replica holds the bundle'"
             " ELSE 'the office stopped during the ingest: nothing of the bundle was applied' END"
             " WHERE device_id = ?2 AND result = 'applying'",
             &st))
        return;
    sqlite3_bind_int64(st, 1, held);
    bind_text(st, 2, device_id);
    if (sqlite3_step(st) != SQLITE_DONE)
        logf_(o, "ingest log of %s not settled: %s", device_id, sqlite3_errmsg(o->db));
    sqlite3_finalize(st);
}

/* The outcome of an ingest: a new row, or the written-ahead row id (log_intent) completed. */
static void ingest_log(sy_office *o, const char *via, const sy_ingest_result *r, int64_t id)
{
    sqlite3_stmt *st;
    if (prep(o,
             /* ?2 .. ?6 unused by the update (bound all the same: ?11 numbers 11 slots) */
             id ? "UPDATE ingest_log SET time = ?1, result = ?7, applied = ?8, acked_seq = ?9,"
                  " reason = ?10 WHERE id = ?11"
                : "INSERT INTO ingest_log(time, via, device_id, device, first_seq, last_seq,"
                  " result, applied, acked_seq, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                  " ?9, ?10)",
             &st))
        return;
    sqlite3_bind_int64(st, 1, sv_wall_ms());
    bind_text(st, 2, via);
    bind_text(st, 3, r->device_id[0] ? r->device_id : NULL);
    bind_text(st, 4, r->device[0] ? r->device : NULL);
    sqlite3_bind_int64(st, 5, r->first_seq);
    sqlite3_bind_int64(st, 6, r->last_seq);
    bind_text(st, 7, sy_ingest_status_name(r->status));
    sqlite3_bind_int64(st, 8, (sqlite3_int64)r->applied);
    sqlite3_bind_int64(st, 9, r->acked_seq);
    bind_text(st, 10, r->message[0] ? r->message : NULL);
    if (id)
        sqlite3_bind_int64(st, 11, id);
    /* The outcome is a record, not a gate: an applied bundle's row was written ahead, and a row
     * left 'applying' is settled by the device's next ingest. */
    if (sqlite3_step(st) != SQLITE_DONE)
        logf_(o, "ingest log not written: %s", sqlite3_errmsg(o->db));
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
    rc = replica_write(o, dev->device_id, dev->pk, &j);
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
                 "resend from %lld",
                 (long long)info.first_seq, (long long)held, (long long)held + 1);
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
                docs[i] = ents.v[i].doc; /* the trees the decoder built: not parsed again */
            int arc = sv_journal_append_verbatim_parsed(j, view + skip, docs + skip, ents.n - skip,
                                                        info.head_sig);
            if (arc == SV_OK) {
                r->status = SY_INGEST_APPLIED;
                r->applied = ents.n - skip;
                for (size_t i = skip; !touches && i < ents.n; i++)
                    touches = kind_changes_index(ents.v[i].kind);
            } else if (arc == SV_ECORRUPT) {
                rc = refuse(o, r, SY_ECHAIN, "%s", sv_journal_errmsg(j));
            } else {
                rc = refuse(o, r, SY_EIO, "replica: %s", sv_journal_errmsg(j));
            }
        }
        free(view);
        free(docs);
    }
    sy_entries_free(&ents);
    r->acked_seq = sv_journal_last_seq(j);
    if (rc == SY_OK) {
        /* The index is refreshed in full when it lags behind what the replica held before
         * this bundle (a crash between the replica commit and the refresh, or an office from
         * before the index): otherwise only when the new entries can change it. */
        int64_t indexed = indexed_seq(o, dev->device_id);
        int changed = indexed < held;
        changed = changed || touches;
        dev_ref me = {dev->name, dev->device_id};
        if (indexed != r->acked_seq && refresh(o, &me, j, changed, &r->new_cases) != SY_OK)
            /* The entries are stored and acknowledged; the index and detection are repaired
             * by the next ingest of this device, duplicates included. */
            logf_(o, "review detection for %s failed: %s", dev->name, o->errmsg);
    }

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
        rc = device_by_id(o, info.device_id, &dev, status, sizeof status);
        if (dev.name[0])
            snprintf(r->device, sizeof r->device, "%s", dev.name);
        if (rc != SY_OK)
            refuse(o, r, rc, "%s", o->errmsg);
    }
    if (rc == SY_OK) {
        int fd = device_lock(o, dev.device_id);
        if (fd < 0)
            rc = refuse(o, r, SY_EIO, "%s", o->errmsg);
        else
            rc = ingest_locked(o, b, len, &dev, via, r, &log_id);
        /* under the lock: a row left 'applying' is settled only by the next ingest's lock */
        ingest_log(o, via, r, log_id);
        device_unlock(fd);
    } else {
        ingest_log(o, via, r, 0);
    }
    const char *who = r->device[0] ? r->device : r->device_id[0] ? r->device_id : "?";
    if (r->status == SY_INGEST_REFUSED)
        logf_(o, "REFUSED bundle via %s from %s, entries %lld-%lld: %s", via ? via : "?", who,
              (long long)r->first_seq, (long long)r->last_seq, r->message);
    else
        logf_(o, "ingest via %s from %s, entries %lld-%lld: %s %zu, acked %lld%s%s",
              via ? via : "?", who, (long long)r->first_seq, (long long)r->last_seq,
              sy_ingest_status_name(r->status), r->applied, (long long)r->acked_seq,
              r->status == SY_INGEST_GAP ? ": " : "", r->status == SY_INGEST_GAP ? r->message : "");
    return rc;
}

/* ---- review queue, log -------------------------------------------------------------------------
 */

int sy_office_review(sy_office *o, int all, json_t **out)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (prep(o,
             all ? "SELECT id, unit, subject, kind, detail, a, b, status, created, resolved, note"
                   " FROM review ORDER BY id"
                 : "SELECT id, unit, subject, kind, detail, a, b, status, created, resolved, note"
                   " FROM review WHERE status = 'open' ORDER BY id",
             &st))
        return SY_EIO;
    json_t *cases = json_array();
    int rc = cases ? SY_OK : SY_ENOMEM, src;
    while (rc == SY_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *a = json_loads(col_text(st, 5), 0, NULL), *b = json_loads(col_text(st, 6), 0, NULL);
        json_t *c = json_object();
        if (!c) {
            json_decref(a);
            json_decref(b);
            rc = SY_ENOMEM;
            break;
        }
        json_object_set_new(c, "id", json_integer(sqlite3_column_int64(st, 0)));
        json_object_set_new(c, "unit", col_json_str(st, 1));
        json_object_set_new(c, "subject", col_json_str(st, 2));
        json_object_set_new(c, "kind", col_json_str(st, 3));
        json_object_set_new(c, "detail", col_json_str(st, 4));
        json_object_set_new(c, "a", a ? a : json_null());
        json_object_set_new(c, "b", b ? b : json_null());
        json_object_set_new(c, "status", col_json_str(st, 7));
        json_object_set_new(c, "created", col_json_time(st, 8));
        if (all) {
            json_object_set_new(c, "resolved", col_json_time(st, 9));
            json_object_set_new(c, "note", col_json_str(st, 10));
        }
        json_array_append_new(cases, c);
    }
    if (rc == SY_OK && src != SQLITE_DONE)
        rc = fail_db(o, "review");
    sqlite3_finalize(st);
    json_t *obj = rc == SY_OK ? json_pack("{s:o}", "cases", cases) : NULL;
    if (!obj) {
        if (rc == SY_OK)
            json_decref(cases);
        else
            json_decref(cases);
        return rc == SY_OK || rc == SY_ENOMEM ? fail(o, SY_ENOMEM, "out of memory") : rc;
    }
    *out = obj;
    return SY_OK;
}

int sy_office_review_resolve(sy_office *o, int64_t id, const char *note)
{
    sqlite3_stmt *st;
    if (prep(o,
             "UPDATE review SET status = 'resolved', resolved = ?, note = ?"
             " WHERE id = ? AND status = 'open'",
             &st))
        return SY_EIO;
    sqlite3_bind_int64(st, 1, sv_wall_ms());
    bind_text(st, 2, note);
    sqlite3_bind_int64(st, 3, id);
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return fail_db(o, "review");
    if (sqlite3_changes(o->db) == 0)
        return fail(o, SY_EINVAL, "no open review case %lld", (long long)id);
    logf_(o, "review case %lld resolved%s%s", (long long)id, note ? ": " : "", note ? note : "");
    return SY_OK;
}

int sy_office_log(sy_office *o, size_t limit, json_t **out)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (prep(o,
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
        json_object_set_new(r, "time", col_json_time(st, 0));
        json_object_set_new(r, "via", col_json_str(st, 1));
        json_object_set_new(r, "device", col_json_str(st, 2));
        json_object_set_new(r, "device_id", col_json_str(st, 3));
        json_object_set_new(r, "first_seq", json_integer(sqlite3_column_int64(st, 4)));
        json_object_set_new(r, "last_seq", json_integer(sqlite3_column_int64(st, 5)));
        json_object_set_new(r, "result", col_json_str(st, 6));
        json_object_set_new(r, "applied", json_integer(sqlite3_column_int64(st, 7)));
        json_object_set_new(r, "acked_seq", json_integer(sqlite3_column_int64(st, 8)));
        json_object_set_new(r, "reason", col_json_str(st, 9));
        json_array_append_new(arr, r);
    }
    sqlite3_finalize(st);
    if (!arr)
        return fail(o, SY_ENOMEM, "out of memory");
    *out = arr;
    return SY_OK;
}

/* ---- export -----------------------------------------------------------------------------------
 */

/* 1 when path is the office database or one of its companion files. */
static int is_office_file(const sy_office *o, const char *path)
{
    struct stat out;
    if (stat(path, &out) != 0)
        return 0;
    static const char *const suffix[] = {"", ".key", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        char *p = str_cat(o->path, suffix[i]);
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
    if (!path || !*path)
        return fail(o, SY_EINVAL, "no output file given");
    if (is_office_file(o, path))
        return fail(o, SY_EINVAL, "%s is the office database itself; choose another file", path);
    sqlite3_stmt *st;
    if (prep(o, "SELECT device_id FROM devices WHERE device_id IS NOT NULL ORDER BY id", &st))
        return SY_EIO;
    sv_journal **js = NULL;
    size_t n = 0, cap = 0;
    int rc = SY_OK;
    while (rc == SY_OK && sqlite3_step(st) == SQLITE_ROW) {
        sv_journal *j;
        rc = replica_read(o, col_text(st, 0), &j);
        if (rc != SY_OK || !j)
            continue;
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 16;
            sv_journal **nj = realloc(js, nc * sizeof *nj);
            if (!nj) {
                sv_journal_close(j);
                rc = fail(o, SY_ENOMEM, "out of memory");
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
        rc = fail(o, SY_EIO, "cannot initialise PROJ (is proj-data installed?)");
    if (rc == SY_OK) {
        sv_diag d = {{0}};
        int src = sv_export_journals(js, n, g, fmt, path, stats, &d);
        if (src != SV_OK)
            rc = fail(o,
                      src == SV_ENOMEM   ? SY_ENOMEM
                      : src == SV_EINVAL ? SY_EINVAL
                                         : SY_EIO,
                      "%s", d.msg[0] ? d.msg : sv_strerror(src));
    }
    sv_geo_free(g);
    for (size_t i = 0; i < n; i++)
        sv_journal_close(js[i]);
    free(js);
    return rc;
}
