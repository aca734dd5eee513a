/*
 * office.c - the county office's store: creating and opening it (identity, keys, schema), the
 * shared helpers of office_int.h, replicas and per-device locks, devices and enrollment, request
 * authentication and the device cursor. Ingest is in office_ingest.c, the county index and
 * review queue in office_review.c, task packages in office_tasks.c, the county-wide export in
 * office_export.c. See office.h and docs/office.md.
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

#include "office_int.h"
#include "survey/clock.h"
#include "survey/fileio.h"
#include "survey/limits.h"
#include "survey/model.h"

#define OFFICE_APP_ID 0x514A4F46 /* "QJOF" */
#define OFFICE_SCHEMA 1
#define KEY_FILE_BYTES (64 + 32 + 32) /* Ed25519 secret key, X25519 secret key, X25519 public */

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
    "  note TEXT, other_unit TEXT, other_subject TEXT,"
    "  UNIQUE (kind, a_device, a_seq, b_device, b_seq));";

/* The county index (see sy__county_refresh()); also created when an older office is opened, and
 * then filled device by device as each one next syncs or imports. */
static const char COUNTY_SQL[] =
    /* each device's last authenticated request (any: a sync that sends nothing still counts) */
    "CREATE TABLE IF NOT EXISTS device_contact(device_id TEXT PRIMARY KEY,"
    "  time INTEGER NOT NULL, what TEXT NOT NULL);"
    /* every finished backup (office_backup.c): when, where, what it held */
    "CREATE TABLE IF NOT EXISTS backups(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    "  dest TEXT NOT NULL, replicas INTEGER NOT NULL, entries INTEGER NOT NULL,"
    "  decisions INTEGER NOT NULL, imagery INTEGER NOT NULL, bytes INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS county_points(device_id TEXT NOT NULL, seq INTEGER NOT NULL,"
    "  unit TEXT NOT NULL, number TEXT NOT NULL, lat REAL, lon REAL, side TEXT NOT NULL,"
    "  PRIMARY KEY (device_id, seq));"
    "CREATE INDEX IF NOT EXISTS county_points_key ON county_points(unit, number);"
    /* edge matching looks for other units' points near each of a device's (office_review.c) */
    "CREATE INDEX IF NOT EXISTS county_points_lat ON county_points(lat);"
    "CREATE TABLE IF NOT EXISTS county_verifications(device_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL, unit TEXT NOT NULL, field TEXT NOT NULL, status TEXT NOT NULL,"
    "  value TEXT, side TEXT NOT NULL, PRIMARY KEY (device_id, seq));"
    "CREATE INDEX IF NOT EXISTS county_verifications_key ON county_verifications(unit, field);"
    "CREATE TABLE IF NOT EXISTS county_indexed(device_id TEXT PRIMARY KEY,"
    "  seq INTEGER NOT NULL);";

/* ---- small helpers --------------------------------------------------------------------------- */

int sy__fail(sy_office *o, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->errmsg, sizeof o->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

int sy__fail_db(sy_office *o, const char *what)
{
    return sy__fail(o, SY_EIO, "%s: %s: %s", o->path, what, sqlite3_errmsg(o->db));
}

void sy__iso_ms(int64_t ms, char buf[32])
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
void sy__logf(sy_office *o, const char *fmt, ...)
{
    if (!o->log)
        return;
    char t[32], line[1024];
    sy__iso_ms(sv_wall_ms(), t);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    sv_log_line_clean(line); /* a note's line break forges no line */
    /* One fprintf per event so that lines from concurrent processes do not interleave. */
    fprintf(o->log, "%s %s\n", t, line);
    fflush(o->log);
}

char *sy__str_cat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

/* Names are shown in logs and JSON: printable UTF-8 text without control characters. */
int sy__name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    /* nothing but spaces (ASCII or the full-width space of Chinese input) is no name: such an
     * account could log in but never decide anything */
    if (n == 0 || n >= SY_NAME_MAX || !sv_utf8_valid(s, n) || sv_text_blank(s))
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

static void sha256_hex(const void *p, size_t n, char out[65])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, p, n);
    sodium_bin2hex(out, 65, h, sizeof h);
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

int sy__exec(sy_office *o, const char *sql)
{
    return sqlite3_exec(o->db, sql, NULL, NULL, NULL) == SQLITE_OK ? SY_OK : sy__fail_db(o, sql);
}

int sy__prep(sy_office *o, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(o->db, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
        return sy__fail_db(o, "query");
    }
    return SY_OK;
}

void sy__bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

const char *sy__col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

json_t *sy__col_json_str(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    if (!s)
        return json_null();
    json_t *v = json_string((const char *)s);
    if (v)
        return v;
    /* not UTF-8 (what a hostile request left in the audit table): listed with '?' for the bad
     * bytes rather than the row dropped from the listing */
    char *copy = strdup((const char *)s);
    if (copy) {
        sv_utf8_repair(copy);
        v = json_string(copy);
        free(copy);
    }
    return v ? v : json_null();
}

int sy__json_text(sy_office *o, json_t *v, char **out)
{
    *out = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    return *out ? SY_OK : sy__fail(o, SY_ENOMEM, "out of memory");
}

json_t *sy__col_json_time(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    char t[32];
    sy__iso_ms(sqlite3_column_int64(st, i), t);
    return json_string(t);
}

/* ---- creating and opening ------------------------------------------------------------------- */

static void remove_office_files(const char *path)
{
    static const char *const suffix[] = {"",     "-wal",       "-shm",           "-journal",
                                         ".key", ".decisions", ".decisions-wal", ".decisions-shm"};
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        char *p = sy__str_cat(path, suffix[i]);
        if (p)
            unlink(p);
        free(p);
    }
    char *r = sy__str_cat(path, ".replicas");
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
    if (!sy__name_ok(name)) {
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
    char *kpath = sy__str_cat(path, ".key"), *rpath = sy__str_cat(path, ".replicas");
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

    /* The key file first, durable before the database names the keys; exclusive and atomic
     * (survey/fileio.h): never half a key, never over another office's. */
    if (sv_file_write_atomic(kpath, key, sizeof key, 0600, 1) != 0) {
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
            sy__bind_text(st, 1, office_id);
            sy__bind_text(st, 2, name);
            sy__bind_text(st, 3, sign_hex);
            sy__bind_text(st, 4, box_hex);
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
    if (rc == SY_OK) { /* the first open makes the office's journal (office_life.c) */
        sy_office *o = NULL;
        if (sy_office_open(path, &o) != SY_OK) {
            snprintf(err, errlen, "%s", sy_office_errmsg(o));
            rc = SY_EIO;
        }
        sy_office_close(o);
    }
    if (rc == SY_OK)
        sv_file_sync_dir(path);
    else
        remove_office_files(path);
    free(kpath);
    free(rpath);
    return rc;
}

static int load_keys(sy_office *o)
{
    char *kpath = sy__str_cat(o->path, ".key");
    if (!kpath)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    uint8_t key[KEY_FILE_BYTES + 1];
    int fd = open(kpath, O_RDONLY | O_CLOEXEC);
    ssize_t n = -1;
    if (fd >= 0) {
        sv_file_keep_private(fd); /* it opens every bundle sealed to the office */
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
        rc = sy__fail(o, SY_EIO, "%s: cannot read the office key: %s", kpath, strerror(errno));
    else if (n != KEY_FILE_BYTES)
        rc = sy__fail(o, SY_EFORMAT, "%s: not an office key file (%zd bytes)", kpath, n);
    if (rc == SY_OK) {
        memcpy(o->sign_sk, key, 64);
        memcpy(o->box_sk, key + 64, 32);
        uint8_t derived[32];
        crypto_scalarmult_base(derived, o->box_sk);
        /* The key file must belong to this database: both public halves must match. */
        if (memcmp(o->sign_sk + 32, o->sign_pk, 32) != 0 || memcmp(derived, o->box_pk, 32) != 0 ||
            memcmp(key + 96, o->box_pk, 32) != 0)
            rc = sy__fail(o, SY_EFORMAT, "%s: the key file does not belong to this office database",
                          kpath);
    }
    sodium_memzero(key, sizeof key);
    free(kpath);
    return rc;
}

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
    o->replicas = sy__str_cat(path, ".replicas");
    if (!o->path || !o->replicas)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    if (sodium_init() < 0)
        return sy__fail(o, SY_ERR, "libsodium cannot be initialised");
    if (access(path, F_OK) != 0)
        return sy__fail(o, SY_EIO, "%s: no such office database (create it with init)", path);
    if (db_open(path, SQLITE_OPEN_READWRITE, &o->db) != SQLITE_OK)
        return sy__fail(o, SY_EIO, "%s: cannot open: %s", path,
                        o->db ? sqlite3_errmsg(o->db) : "out of memory");
    sqlite3_stmt *st;
    int app = 0;
    if (sqlite3_prepare_v2(o->db, "PRAGMA application_id", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        app = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (app != OFFICE_APP_ID)
        return sy__fail(o, SY_EFORMAT, "%s: not a Quejie office database", path);
    if (sy__prep(o, "SELECT office_id, name, sign_pk, box_pk, tolerance_m FROM office", &st))
        return SY_EIO;
    int rc = SY_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(o->office_id, sizeof o->office_id, "%s", sy__col_text(st, 0));
        snprintf(o->name, sizeof o->name, "%s", sy__col_text(st, 1));
        o->tolerance = sqlite3_column_double(st, 4);
        if (sy_hex2bin(o->sign_pk, 32, sy__col_text(st, 2)) ||
            sy_hex2bin(o->box_pk, 32, sy__col_text(st, 3)))
            rc = sy__fail(o, SY_EFORMAT, "%s: the office keys in the database are malformed", path);
    } else {
        rc = sy__fail(o, SY_EFORMAT, "%s: the office database has no identity", path);
    }
    sqlite3_finalize(st);
    if (rc == SY_OK && sqlite3_exec(o->db, COUNTY_SQL, NULL, NULL, NULL) != SQLITE_OK)
        rc = sy__fail_db(o, "county index");
    if (rc == SY_OK)
        rc = sy__review_upgrade(o);
    if (rc == SY_OK)
        rc = sy__staff_schema(o);
    if (rc == SY_OK)
        rc = load_keys(o);
    if (rc == SY_OK)
        rc = sy__reindex(o, 0);
    if (rc == SY_OK)
        rc = sy__life_init(o);
    if (rc == SY_OK)
        rc = sy__imagery_init(o);
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
    free(o->areas.r);
    free(o);
}

const char *sy_office_open_note(const sy_office *o)
{
    return o ? o->open_note : "";
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

const char *sy_office_path(const sy_office *o)
{
    return o->path;
}

double sy_office_tolerance(const sy_office *o)
{
    return o->tolerance;
}

/* ---- replicas ----------------------------------------------------------------------------- */

char *sy__replica_path(const sy_office *o, const char *device_id, const char *ext)
{
    size_t n = strlen(o->replicas) + 1 + 32 + strlen(ext) + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s%s", o->replicas, device_id, ext);
    return p;
}

/* Open the replica of a device for reading; *j NULL (and SY_OK) when it has none yet. */
int sy__replica_read(sy_office *o, const char *device_id, sv_journal **j)
{
    *j = NULL;
    if (!device_id_ok(device_id))
        return sy__fail(o, SY_EINVAL, "malformed device id");
    char *p = sy__replica_path(o, device_id, ".db");
    if (!p)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    int rc = SY_OK;
    if (access(p, F_OK) == 0) {
        int src = sv_journal_open(p, SV_OPEN_READONLY, j);
        if (src != SV_OK) {
            rc = sy__fail(o, SY_EIO, "replica %s: %s", p,
                          *j ? sv_journal_errmsg(*j) : sv_strerror(src));
            sv_journal_close(*j);
            *j = NULL;
        }
    }
    free(p);
    return rc;
}

int sy__unit_devices(sy_office *o, const char *unit, sqlite3_stmt **st)
{
    if (sy__prep(o,
                 unit ? "SELECT device_id FROM devices WHERE device_id IN"
                        " (SELECT device_id FROM unit_activity WHERE unit = ?1) ORDER BY id"
                      : "SELECT device_id FROM devices WHERE device_id IS NOT NULL ORDER BY id",
                 st))
        return SY_EIO;
    if (unit)
        sy__bind_text(*st, 1, unit);
    return SY_OK;
}

int sy__replicas_read(sy_office *o, const char *unit, sv_journal ***js, size_t *n)
{
    *js = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (sy__unit_devices(o, unit, &st) != SY_OK)
        return SY_EIO;
    sv_journal **v = NULL;
    size_t nv = 0, cap = 0;
    int rc = SY_OK;
    while (rc == SY_OK && sqlite3_step(st) == SQLITE_ROW) {
        sv_journal *j = NULL;
        rc = sy__replica_read(o, sy__col_text(st, 0), &j);
        if (rc != SY_OK || !j)
            continue;
        if (nv == cap) {
            size_t nc = cap ? 2 * cap : 16;
            sv_journal **nj = realloc(v, nc * sizeof *nj);
            if (!nj) {
                sv_journal_close(j);
                rc = sy__fail(o, SY_ENOMEM, "out of memory");
                break;
            }
            v = nj, cap = nc;
        }
        v[nv++] = j;
    }
    sqlite3_finalize(st);
    if (rc != SY_OK) {
        sy__replicas_close(v, nv);
        return rc;
    }
    *js = v;
    *n = nv;
    return SY_OK;
}

void sy__replicas_close(sv_journal **js, size_t n)
{
    for (size_t i = 0; js && i < n; i++)
        sv_journal_close(js[i]);
    free(js);
}

static int replica_last_seq(sy_office *o, const char *device_id, int64_t *seq)
{
    sv_journal *j;
    *seq = 0;
    int rc = sy__replica_read(o, device_id, &j);
    if (rc == SY_OK && j)
        *seq = sv_journal_last_seq(j);
    sv_journal_close(j);
    return rc;
}

/* Open (creating when missing) the replica of a device for appending. */
int sy__replica_write(sy_office *o, const char *device_id, const uint8_t pk[32], sv_journal **j)
{
    *j = NULL;
    char *p = sy__replica_path(o, device_id, ".db");
    if (!p)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    int src;
    if (access(p, F_OK) == 0) {
        src = sv_journal_open(p, SV_OPEN_REPLICA, j);
    } else {
        src = sv_journal_create_replica(p, pk, j);
        if (src == SV_OK)
            sv_file_sync_dir(p);
    }
    int rc = SY_OK;
    if (src != SV_OK) {
        rc =
            sy__fail(o, SY_EIO, "replica %s: %s", p, *j ? sv_journal_errmsg(*j) : sv_strerror(src));
        sv_journal_close(*j);
        *j = NULL;
    } else {
        uint8_t have[32];
        sv_journal_public_key(*j, have);
        if (memcmp(have, pk, 32) != 0) {
            rc = sy__fail(o, SY_EIO, "replica %s belongs to another key", p);
            sv_journal_close(*j);
            *j = NULL;
        }
    }
    free(p);
    return rc;
}

/* Serialise ingests of one device across threads and processes (SQLite alone would let two
 * processes both decide what "new" means before either appends). Returns the fd or -1. */
int sy__device_lock(sy_office *o, const char *device_id)
{
    char *p = sy__replica_path(o, device_id, ".lock");
    if (!p)
        return sy__fail(o, SY_ENOMEM, "out of memory"), -1;
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        sy__fail(o, SY_EIO, "%s: %s", p, strerror(errno));
    } else {
        while (flock(fd, LOCK_EX) != 0) {
            if (errno != EINTR) {
                sy__fail(o, SY_EIO, "%s: cannot lock: %s", p, strerror(errno));
                close(fd);
                fd = -1;
                break;
            }
        }
    }
    free(p);
    return fd;
}

void sy__device_unlock(int fd)
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
    if (!sy__name_ok(name))
        return sy__fail(o, SY_EINVAL,
                        "the device name must be 1-%d bytes of UTF-8 text, not only spaces",
                        SY_NAME_MAX - 1);
    /* The console addresses a device by its name (/api/v1/devices/NAME/revoke), and the office
     * serves no path with "..", "/" or "\" in a segment. */
    if (strstr(name, "..") || strpbrk(name, "/\\"))
        return sy__fail(o, SY_EINVAL,
                        "device name '%s': without '/', '\\' or '..' (the console addresses "
                        "devices by name)",
                        name);
    if (crew && *crew && !sy__name_ok(crew))
        return sy__fail(o, SY_EINVAL,
                        "the crew name must be 1-%d bytes of UTF-8 text, not only spaces",
                        SY_NAME_MAX - 1);
    uint8_t raw[SY_TOKEN_CHARS / 2];
    randombytes_buf(raw, sizeof raw);
    char tok[SY_TOKEN_CHARS + 1], hash[65];
    sodium_bin2hex(tok, sizeof tok, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    sha256_hex(tok, SY_TOKEN_CHARS, hash);
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "INSERT INTO devices(name, crew, token_hash, status, registered)"
                 " VALUES (?, ?, ?, 'pending', ?)",
                 &st))
        return SY_EIO;
    sy__bind_text(st, 1, name);
    sy__bind_text(st, 2, crew && *crew ? crew : NULL);
    sy__bind_text(st, 3, hash);
    sqlite3_bind_int64(st, 4, sv_wall_ms());
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if (src == SQLITE_CONSTRAINT)
        return sy__fail(o, SY_EINVAL, "a device named '%s' is already registered", name);
    if (src != SQLITE_DONE)
        return sy__fail_db(o, "cannot register the device");
    memcpy(token, tok, sizeof tok);
    sodium_memzero(tok, sizeof tok);
    sy__logf(o, "device added: %s%s%s", name, crew && *crew ? " crew " : "",
             crew && *crew ? crew : "");
    return SY_OK;
}

int sy_office_device_revoke(sy_office *o, const char *name)
{
    sqlite3_stmt *st;
    if (!name || !*name)
        return sy__fail(o, SY_EINVAL, "no device name given");
    /* a device already revoked stays as it was: a second revocation is refused (the audit log
     * then holds one revocation per device) */
    if (sy__prep(o,
                 "UPDATE devices SET status = 'revoked', revoked = coalesce(revoked, ?)"
                 " WHERE name = ? AND status <> 'revoked'",
                 &st))
        return SY_EIO;
    sqlite3_bind_int64(st, 1, sv_wall_ms());
    sy__bind_text(st, 2, name);
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return sy__fail_db(o, "cannot revoke the device");
    if (sqlite3_changes(o->db) == 0) {
        if (sy__prep(o, "SELECT 1 FROM devices WHERE name = ?", &st))
            return SY_EIO;
        sy__bind_text(st, 1, name);
        int known = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        return known ? sy__fail(o, SY_ESTATE, "device '%s' is already revoked", name)
                     : sy__fail(o, SY_EINVAL, "no device named '%s' is registered", name);
    }
    sy__logf(o, "device revoked: %s", name);
    return SY_OK;
}

int sy_office_device_restore(sy_office *o, const char *name)
{
    sqlite3_stmt *st;
    if (!name || !*name)
        return sy__fail(o, SY_EINVAL, "no device name given");
    if (sy__prep(o, "SELECT status, device_id IS NOT NULL FROM devices WHERE name = ?", &st))
        return SY_EIO;
    sy__bind_text(st, 1, name);
    int found = sqlite3_step(st) == SQLITE_ROW;
    int revoked = found && strcmp(sy__col_text(st, 0), "revoked") == 0;
    int enrolled = found && sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    if (!found)
        return sy__fail(o, SY_EINVAL, "no device named '%s' is registered", name);
    if (!revoked)
        return sy__fail(o, SY_ESTATE, "device '%s' is not revoked", name);
    if (!enrolled)
        return sy__fail(o, SY_ESTATE,
                        "device '%s' was revoked before it enrolled: register it anew (device "
                        "add) for a new token",
                        name);
    if (sy__prep(o,
                 "UPDATE devices SET status = 'enrolled', revoked = NULL WHERE name = ?"
                 " AND status = 'revoked'",
                 &st))
        return SY_EIO;
    sy__bind_text(st, 1, name);
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return sy__fail_db(o, "cannot restore the device");
    sy__logf(o, "device restored: %s", name);
    return SY_OK;
}

void sy_office_device_seen(sy_office *o, const char *device_id, const char *what, int64_t now_ms)
{
    sqlite3_stmt *st;
    if (!device_id ||
        sy__prep(o,
                 "INSERT INTO device_contact(device_id, time, what) VALUES (?, ?, ?)"
                 " ON CONFLICT(device_id) DO UPDATE SET time = max(time, excluded.time),"
                 " what = excluded.what",
                 &st))
        return;
    sy__bind_text(st, 1, device_id);
    sqlite3_bind_int64(st, 2, now_ms);
    sy__bind_text(st, 3, what ? what : "");
    if (sqlite3_step(st) != SQLITE_DONE) /* a record of contact, never a gate */
        sy__logf(o, "last contact of %s not recorded: %s", device_id, sqlite3_errmsg(o->db));
    sqlite3_finalize(st);
}

int sy_office_devices(sy_office *o, char **out)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT name, crew, device_id, status, registered, enrolled, revoked,"
                 " (SELECT max(time) FROM ingest_log l WHERE l.device_id = d.device_id"
                 "   AND l.result IN ('applied', 'duplicate')),"
                 " (SELECT count(*) FROM review r WHERE r.status = 'open'"
                 "   AND (r.a_device = d.device_id OR r.b_device = d.device_id)),"
                 " (SELECT seq FROM life_indexed i WHERE i.device_id = d.device_id),"
                 " (SELECT time FROM device_contact c WHERE c.device_id = d.device_id)"
                 " FROM devices d ORDER BY id",
                 &st))
        return SY_EIO;
    json_t *arr = json_array();
    int rc = arr ? SY_OK : SY_ENOMEM;
    int src;
    while (rc == SY_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        /* As indexed at its last ingest (office_life.c), so that the listing opens no
         * replica; the index is brought up at open after a crash between the two. */
        int64_t acked = sqlite3_column_int64(st, 9);
        json_t *d = json_object();
        if (!d) {
            rc = SY_ENOMEM;
            break;
        }
        json_object_set_new(d, "name", sy__col_json_str(st, 0));
        json_object_set_new(d, "crew", sy__col_json_str(st, 1));
        json_object_set_new(d, "device_id", sy__col_json_str(st, 2));
        json_object_set_new(d, "status", sy__col_json_str(st, 3));
        json_object_set_new(d, "acked_seq", json_integer(acked));
        /* Seqs run 1..n without gaps, so the cursor is also the number of entries held. */
        json_object_set_new(d, "entries", json_integer(acked));
        json_object_set_new(d, "registered", sy__col_json_time(st, 4));
        json_object_set_new(d, "enrolled", sy__col_json_time(st, 5));
        json_object_set_new(d, "revoked", sy__col_json_time(st, 6));
        json_object_set_new(d, "last_ingest", sy__col_json_time(st, 7));
        json_object_set_new(d, "review_open", json_integer(sqlite3_column_int64(st, 8)));
        json_object_set_new(d, "last_contact", sy__col_json_time(st, 10));
        json_array_append_new(arr, d);
    }
    if (rc == SY_OK && src != SQLITE_DONE)
        rc = sy__fail_db(o, "devices");
    sqlite3_finalize(st);
    if (rc != SY_OK) {
        json_decref(arr);
        return rc == SY_ENOMEM ? sy__fail(o, rc, "out of memory") : rc;
    }
    return sy__json_text(o, arr, out);
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
                     char **reply)
{
    *reply = NULL;
    uint8_t pk[32];
    char tok[SY_TOKEN_CHARS + 1], hash[65], id[33], pk_lower[65];
    if (!token || strlen(token) != SY_TOKEN_CHARS)
        return sy__fail(o, SY_EAUTH, "unknown enrollment token");
    for (size_t i = 0; i <= SY_TOKEN_CHARS; i++)
        tok[i] = (char)((token[i] >= 'A' && token[i] <= 'F') ? token[i] + 32 : token[i]);
    if (!pk_hex || sy_hex2bin(pk, 32, pk_hex))
        return sy__fail(o, SY_EFORMAT, "public_key must be 64 hex characters");
    sv_device_id_from_key(pk, id);
    if (!device_id || strcmp(device_id, id) != 0)
        return sy__fail(o, SY_EFORMAT, "device_id does not belong to public_key");
    sodium_bin2hex(pk_lower, sizeof pk_lower, pk, 32);
    sha256_hex(tok, SY_TOKEN_CHARS, hash);
    sodium_memzero(tok, sizeof tok);

    if (sy__exec(o, "BEGIN IMMEDIATE"))
        return SY_EIO;
    sqlite3_stmt *st;
    int rc =
        sy__prep(o, "SELECT id, name, status, public_key FROM devices WHERE token_hash = ?", &st);
    int64_t row = 0;
    char name[SY_NAME_MAX] = "", status[16] = "", have_pk[65] = "";
    if (rc == SY_OK) {
        sy__bind_text(st, 1, hash);
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            row = sqlite3_column_int64(st, 0);
            snprintf(name, sizeof name, "%s", sy__col_text(st, 1));
            snprintf(status, sizeof status, "%s", sy__col_text(st, 2));
            snprintf(have_pk, sizeof have_pk, "%s", sy__col_text(st, 3));
        } else if (src != SQLITE_DONE) {
            rc = sy__fail_db(o, "enroll");
        }
        sqlite3_finalize(st);
    }
    int fresh = 0;
    if (rc == SY_OK && !row)
        rc = sy__fail(o, SY_EAUTH, "unknown enrollment token");
    else if (rc == SY_OK && strcmp(status, "revoked") == 0)
        rc = sy__fail(o, SY_EAUTH, "device '%s' is revoked", name);
    else if (rc == SY_OK && strcmp(status, "enrolled") == 0 && strcmp(have_pk, pk_lower) != 0)
        rc = sy__fail(o, SY_EAUTH, "the enrollment token of '%s' has been used", name);
    else if (rc == SY_OK && strcmp(status, "pending") == 0) {
        rc = sy__prep(o, "SELECT name FROM devices WHERE public_key = ?", &st);
        if (rc == SY_OK) {
            sy__bind_text(st, 1, pk_lower);
            if (sqlite3_step(st) == SQLITE_ROW)
                rc = sy__fail(o, SY_EREFUSED, "this device's key is already enrolled as '%s'",
                              sy__col_text(st, 0));
            sqlite3_finalize(st);
        }
        if (rc == SY_OK)
            rc = sy__prep(o,
                          "UPDATE devices SET device_id = ?, public_key = ?, status = 'enrolled',"
                          " enrolled = ? WHERE id = ?",
                          &st);
        if (rc == SY_OK) {
            sy__bind_text(st, 1, id);
            sy__bind_text(st, 2, pk_lower);
            sqlite3_bind_int64(st, 3, sv_wall_ms());
            sqlite3_bind_int64(st, 4, row);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = sy__fail_db(o, "enroll");
            sqlite3_finalize(st);
        }
        fresh = 1;
    }
    /* The replica exists from enrollment on, so `status` and `check` see every device. */
    sv_journal *j = NULL;
    if (rc == SY_OK)
        rc = sy__replica_write(o, id, pk, &j);
    int64_t acked = j ? sv_journal_last_seq(j) : 0;
    sv_journal_close(j);
    if (rc == SY_OK)
        rc = sy__exec(o, "COMMIT");
    if (rc != SY_OK) {
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
        sy__logf(o, "enroll refused: %s", o->errmsg);
        return rc;
    }
    /* The device is enrolled (committed) even when the reply cannot be made: enrolling again
     * with the same token and key gives the same reply. */
    rc = sy__json_text(o, enroll_reply(o, name, acked), reply);
    if (rc != SY_OK)
        return rc;
    sy__logf(o, "%s: device %s (%s)%s", fresh ? "enrolled" : "enroll repeated", name, id,
             fresh ? "" : ", same key");
    return SY_OK;
}

/* The enrolled device with this id into dev; SY_EAUTH with the reason otherwise. */
int sy__device_by_id(sy_office *o, const char *device_id, sy_device *dev, char *status, size_t slen)
{
    memset(dev, 0, sizeof *dev);
    if (!device_id_ok(device_id))
        return sy__fail(o, SY_EAUTH, "malformed device id");
    sqlite3_stmt *st;
    if (sy__prep(o, "SELECT name, crew, public_key, status FROM devices WHERE device_id = ?", &st))
        return SY_EIO;
    sy__bind_text(st, 1, device_id);
    int src = sqlite3_step(st), rc = SY_OK;
    if (src == SQLITE_ROW) {
        snprintf(dev->name, sizeof dev->name, "%s", sy__col_text(st, 0));
        snprintf(dev->crew, sizeof dev->crew, "%s", sy__col_text(st, 1));
        snprintf(dev->device_id, sizeof dev->device_id, "%s", device_id);
        snprintf(status, slen, "%s", sy__col_text(st, 3));
        if (sy_hex2bin(dev->pk, 32, sy__col_text(st, 2)))
            rc = sy__fail(o, SY_EIO, "device %s: malformed public key in the office database",
                          dev->name);
        else if (strcmp(status, "enrolled") != 0)
            rc = sy__fail(o, SY_EAUTH, "device '%s' is %s", dev->name, status);
    } else if (src == SQLITE_DONE) {
        rc = sy__fail(o, SY_EAUTH, "unknown device %s (not enrolled with this office)", device_id);
    } else {
        rc = sy__fail_db(o, "device lookup");
    }
    sqlite3_finalize(st);
    return rc;
}

int sy_office_device_enrolled(sy_office *o, const char *device_id)
{
    sy_device dev;
    char status[16];
    return device_id ? sy__device_by_id(o, device_id, &dev, status, sizeof status)
                     : sy__fail(o, SY_EAUTH, "no device named");
}

int sy_office_authenticate(sy_office *o, const char *device_id, const char *time_ms,
                           const char *sig_hex, const char *method, const char *path,
                           const uint8_t *body, size_t len, int64_t now, sy_device *dev)
{
    char status[16];
    memset(dev, 0, sizeof *dev);
    if (!device_id || !time_ms || !sig_hex || !method || !path)
        return sy__fail(o, SY_EAUTH,
                        "missing X-Quejie-Device, X-Quejie-Time or X-Quejie-Signature header");
    int rc = sy__device_by_id(o, device_id, dev, status, sizeof status);
    if (rc != SY_OK)
        return rc;
    char *end;
    errno = 0;
    long long t = strtoll(time_ms, &end, 10);
    if (errno || end == time_ms || *end || time_ms[0] == '+' || time_ms[0] == ' ' ||
        strlen(time_ms) > 19)
        return sy__fail(o, SY_EAUTH, "malformed X-Quejie-Time");
    if (llabs(t - now) > SY_OFFICE_CLOCK_WINDOW_MS)
        return sy__fail(o, SY_EAUTH, "request time is more than 24 h from the office clock");
    uint8_t sig[64], h[crypto_hash_sha256_BYTES];
    if (sy_hex2bin(sig, sizeof sig, sig_hex))
        return sy__fail(o, SY_EAUTH, "malformed X-Quejie-Signature");
    crypto_hash_sha256(h, body ? body : (const uint8_t *)"", body ? len : 0);
    static const char dom[] = "quejie-request-v1";
    size_t ml = sizeof dom + strlen(method) + 1 + strlen(path) + 1 + strlen(time_ms) + 1 + sizeof h;
    uint8_t *msg = malloc(ml), *p = msg;
    if (!msg)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    /* Each part followed by its NUL separator (sizeof dom counts dom's own). */
    memcpy(p, dom, sizeof dom), p += sizeof dom;
    memcpy(p, method, strlen(method) + 1), p += strlen(method) + 1;
    memcpy(p, path, strlen(path) + 1), p += strlen(path) + 1;
    memcpy(p, time_ms, strlen(time_ms) + 1), p += strlen(time_ms) + 1;
    memcpy(p, h, sizeof h);
    int bad = crypto_sign_verify_detached(sig, msg, ml, dev->pk) != 0;
    free(msg);
    if (bad)
        return sy__fail(o, SY_EAUTH, "the request signature of device '%s' does not verify",
                        dev->name);
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
    int rc = sy__replica_read(o, device_id, &j);
    if (rc == SY_OK && j) {
        *acked_seq = sv_journal_last_seq(j);
        if (sv_journal_hash_at(j, *acked_seq, acked_hash) != SV_OK)
            rc = sy__fail(o, SY_EIO, "replica of %s: %s", device_id, sv_journal_errmsg(j));
    }
    sv_journal_close(j);
    return rc;
}
