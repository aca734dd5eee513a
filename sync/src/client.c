/*
 * client.c - the tablet side of sync (client.h): enrollment, tasks down, bundles up, USB.
 *
 * The only file that includes curl. The sync tables live in the journal's SQLite file,
 * written through a second connection of our own (the journal's entries and state tables are
 * never touched here). Every state change is committed before the network call it describes,
 * so an interruption at any byte leaves a row saying what was in flight, and the office's
 * cursor (GET /v1/cursor) is the truth the next run resumes from. Protocol:
 * docs/sync-protocol.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "survey/clock.h"
#include "survey/fileio.h"
#include "survey/journal.h"
#include "survey/state.h"
#include "survey/tasks.h"
#include "sync/client.h"
#include "sync/imagery.h"
#include "tilepack.h"

#define REQ_DOMAIN "quejie-request-v1"
#define TASKS_DOMAIN "quejie-tasks-v1"
#define MAX_RESPONSE (64u * 1024u * 1024u) /* task packages of a whole county fit */

struct sy_client {
    sv_journal *j;
    sqlite3 *db;
    char errmsg[512];
    /* office, loaded from sync_office */
    int enrolled;
    char url[512];
    sy_office_keys office;
    char office_name[128];
    char *ca_pem;
    int64_t wire;       /* bytes of the current sync on the wire (headers included) */
    volatile int *stop; /* the current sync's stop flag: a transfer in flight is abandoned */
};

/* libcurl's progress callback: non-zero abandons the transfer (the app is closing). */
static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    volatile int *stop = ctx;
    return stop && *stop;
}

static int cfail(sy_client *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cfail(sy_client *c, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->errmsg, sizeof c->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

const char *sy_client_errmsg(const sy_client *c)
{
    return c ? c->errmsg : "out of memory";
}

/* ---- the sync tables ------------------------------------------------------------------------ */

static const char SYNC_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS sync_office(id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  url TEXT NOT NULL, office_id TEXT NOT NULL, office_name TEXT, sign_pk TEXT NOT NULL,"
    "  box_pk TEXT NOT NULL, ca_pem TEXT, device_name TEXT, enrolled_ms INTEGER);"
    "CREATE TABLE IF NOT EXISTS sync_state(id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  acked_seq INTEGER NOT NULL DEFAULT 0, last_sync_ms INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT NOT NULL DEFAULT '');"
    "INSERT OR IGNORE INTO sync_state(id) VALUES (1);"
    "CREATE TABLE IF NOT EXISTS sync_bundles(id INTEGER PRIMARY KEY,"
    "  first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, bytes INTEGER NOT NULL,"
    "  state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    "  UNIQUE(first_seq, last_seq));"
    "CREATE TABLE IF NOT EXISTS sync_imagery(name TEXT PRIMARY KEY, file TEXT NOT NULL,"
    "  version TEXT NOT NULL, packs TEXT NOT NULL, updated_ms INTEGER NOT NULL);"

    "CREATE TABLE IF NOT EXISTS sync_unit_office(code TEXT PRIMARY KEY, status TEXT NOT NULL,"
    "  note TEXT, updated_ms INTEGER NOT NULL, returned_seq INTEGER NOT NULL DEFAULT 0,"
    "  settled TEXT);";

/* A table made by an older build lacks settled (sy_unit_office): added once. */
static int has_settled(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT settled FROM sync_unit_office LIMIT 0", -1, &st,
                                NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    return rc;
}

/* A table made by an older build lacks returned_seq (sy_unit_office): added once. */
static int has_returned_seq(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT returned_seq FROM sync_unit_office LIMIT 0", -1, &st,
                                NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    return rc;
}

static int db_exec(sy_client *c, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        cfail(c, SY_EIO, "sync state in %s: %s", sv_journal_path(c->j),
              msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return SY_EIO;
    }
    return SY_OK;
}

static int64_t state_int(sy_client *c, const char *col)
{
    char sql[96];
    sqlite3_stmt *st;
    int64_t v = 0;
    snprintf(sql, sizeof sql, "SELECT %s FROM sync_state WHERE id = 1", col);
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

static int state_set(sy_client *c, int64_t acked, int everything, const char *error)
{
    sqlite3_stmt *st;
    const char *sql = everything
                          ? "UPDATE sync_state SET acked_seq = ?, last_error = ?, last_sync_ms = ?"
                          : "UPDATE sync_state SET acked_seq = ?, last_error = ?";
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
        return cfail(c, SY_EIO, "sync state: %s", sqlite3_errmsg(c->db));
    sqlite3_bind_int64(st, 1, acked);
    sqlite3_bind_text(st, 2, error ? error : "", -1, SQLITE_TRANSIENT);
    if (everything)
        sqlite3_bind_int64(st, 3, sv_wall_ms());
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SY_OK : cfail(c, SY_EIO, "sync state: %s", sqlite3_errmsg(c->db));
}

/* Insert or update the row of bundle first..last; returns its id (0 on failure). */
static int64_t bundle_row(sy_client *c, int64_t first, int64_t last, int64_t bytes,
                          const char *state, const char *reason, int attempt)
{
    sqlite3_stmt *st;
    int64_t t = sv_wall_ms(), id = 0;
    if (sqlite3_prepare_v2(
            c->db,
            "INSERT INTO sync_bundles(first_seq, last_seq, bytes, state, reason,"
            " attempts, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
            " ON CONFLICT(first_seq, last_seq) DO UPDATE SET bytes = ?3, state = ?4,"
            " reason = ?5, attempts = attempts + ?6, updated_ms = ?7"
            " RETURNING id",
            -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(st, 1, first);
    sqlite3_bind_int64(st, 2, last);
    sqlite3_bind_int64(st, 3, bytes);
    sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, reason ? reason : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 6, attempt);
    sqlite3_bind_int64(st, 7, t);
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return id;
}

static void bundle_mark(sy_client *c, int64_t id, const char *state, const char *reason)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db,
                           "UPDATE sync_bundles SET state = ?, reason = ?, updated_ms = ?"
                           " WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reason ? reason : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, sv_wall_ms());
    sqlite3_bind_int64(st, 4, id);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

/* Everything up to acked is held by the office: every bundle within it is acknowledged. */
static void bundles_acked_upto(sy_client *c, int64_t acked)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db,
                           "UPDATE sync_bundles SET state = 'acknowledged', reason = '',"
                           " updated_ms = ? WHERE last_seq <= ? AND state <> 'acknowledged'",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, sv_wall_ms());
    sqlite3_bind_int64(st, 2, acked);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

static int load_office(sy_client *c)
{
    sqlite3_stmt *st;
    c->enrolled = 0;
    if (sqlite3_prepare_v2(c->db,
                           "SELECT url, office_id, office_name, sign_pk, box_pk, ca_pem"
                           " FROM sync_office WHERE id = 1",
                           -1, &st, NULL) != SQLITE_OK)
        return cfail(c, SY_EIO, "sync state: %s", sqlite3_errmsg(c->db));
    int rc = SY_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *url = (const char *)sqlite3_column_text(st, 0);
        const char *id = (const char *)sqlite3_column_text(st, 1);
        const char *name = (const char *)sqlite3_column_text(st, 2);
        const char *spk = (const char *)sqlite3_column_text(st, 3);
        const char *bpk = (const char *)sqlite3_column_text(st, 4);
        const char *ca = (const char *)sqlite3_column_text(st, 5);
        snprintf(c->url, sizeof c->url, "%s", url ? url : "");
        snprintf(c->office.office_id, sizeof c->office.office_id, "%s", id ? id : "");
        snprintf(c->office_name, sizeof c->office_name, "%s", name ? name : "");
        free(c->ca_pem);
        c->ca_pem = ca ? strdup(ca) : NULL;
        if (!spk || !bpk || sy_hex2bin(c->office.sign_pk, 32, spk) != SY_OK ||
            sy_hex2bin(c->office.box_pk, 32, bpk) != SY_OK || strlen(c->office.office_id) != 32)
            rc = cfail(c, SY_EIO, "%s: the stored office keys are malformed; enroll again",
                       sv_journal_path(c->j));
        else
            c->enrolled = 1;
    }
    sqlite3_finalize(st);
    return rc;
}

int sy_client_open(sv_journal *j, sy_client **out)
{
    *out = NULL;
    if (sodium_init() < 0)
        return SY_ERR;
    sy_client *c = calloc(1, sizeof *c);
    if (!c)
        return SY_ENOMEM;
    *out = c;
    c->j = j;
    int rc = sqlite3_open_v2(sv_journal_path(j), &c->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return cfail(c, SY_EIO, "%s: %s", sv_journal_path(j), sqlite3_errstr(rc));
    sqlite3_busy_timeout(c->db, 5000);
    rc = db_exec(c, "PRAGMA synchronous=FULL");
    if (rc == SY_OK)
        rc = db_exec(c, "BEGIN IMMEDIATE");
    if (rc == SY_OK) {
        rc = db_exec(c, SYNC_SCHEMA);
        if (rc == SY_OK && !has_returned_seq(c->db))
            rc = db_exec(c, "ALTER TABLE sync_unit_office ADD COLUMN returned_seq INTEGER NOT NULL"
                            " DEFAULT 0");
        if (rc == SY_OK && !has_settled(c->db))
            rc = db_exec(c, "ALTER TABLE sync_unit_office ADD COLUMN settled TEXT");
        sqlite3_exec(c->db, rc == SY_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    }
    if (rc == SY_OK)
        rc = load_office(c);
    return rc;
}

void sy_client_close(sy_client *c)
{
    if (!c)
        return;
    sqlite3_close_v2(c->db);
    free(c->ca_pem);
    free(c);
}

/* ---- HTTP ----------------------------------------------------------------------------------- */

typedef struct http {
    long status;
    sy_buf body;
    char tasks_sig[2 * 64 + 1];
    int64_t header_bytes;
} http;

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    http *h = ctx;
    return sy_buf_append(&h->body, p, size * n) == SY_OK ? size * n : 0;
}

/* Bytes of plaintext HTTP in both directions (headers and bodies, TLS excluded): counted as
 * curl hands them over, since its size getters count a small POST body twice. */
static int on_debug(CURL *cu, curl_infotype type, char *data, size_t size, void *ctx)
{
    (void)cu;
    (void)data;
    if (type == CURLINFO_HEADER_OUT || type == CURLINFO_DATA_OUT || type == CURLINFO_HEADER_IN ||
        type == CURLINFO_DATA_IN)
        *(int64_t *)ctx += (int64_t)size;
    return 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    http *h = ctx;
    size_t len = size * n;
    h->header_bytes += (int64_t)len;
    /* the office's signature over a task package or an imagery manifest list */
    static const char name[] = "x-quejie-tasks-signature:", iname[] = "x-quejie-imagery-signature:";
    size_t nl =
        len > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0      ? sizeof name - 1
        : len > sizeof iname - 1 && strncasecmp(p, iname, sizeof iname - 1) == 0 ? sizeof iname - 1
                                                                                 : 0;
    if (nl) {
        const char *v = p + nl;
        while (*v == ' ' && v < p + len)
            v++;
        size_t vl = (size_t)(p + len - v);
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        if (vl < sizeof h->tasks_sig) {
            memcpy(h->tasks_sig, v, vl);
            h->tasks_sig[vl] = '\0';
        }
    }
    return len;
}

/*
 * One request. path like "/v1/bundles"; body may be NULL (GET). sign: add the device's
 * request signature. Returns SY_OK with h filled (any HTTP status), SY_ETLS, SY_ENET.
 */
static int request(sy_client *c, const char *url_base, const char *method, const char *path,
                   const uint8_t *body, size_t blen, const char *ctype, int sign, http *h)
{
    memset(h, 0, sizeof *h);
    h->body.max = MAX_RESPONSE;
    CURL *cu = curl_easy_init();
    if (!cu)
        return cfail(c, SY_ENOMEM, "cannot initialise libcurl");
    char url[1024], hv[256];
    snprintf(url, sizeof url, "%s%s", url_base, path);
    struct curl_slist *hd = NULL;
    if (ctype) {
        snprintf(hv, sizeof hv, "Content-Type: %s", ctype);
        hd = curl_slist_append(hd, hv);
    }
    hd = curl_slist_append(hd, "Expect:"); /* no 100-continue round trip */
    if (sign) {
        char t[32];
        snprintf(t, sizeof t, "%lld", (long long)sv_wall_ms());
        uint8_t bh[32], sig[64];
        crypto_hash_sha256(bh, body ? body : (const uint8_t *)"", body ? blen : 0);
        size_t ml = sizeof REQ_DOMAIN + strlen(method) + 1 + strlen(path) + 1 + strlen(t) + 1 + 32;
        uint8_t *m = malloc(ml), *q = m;
        if (!m) {
            curl_easy_cleanup(cu);
            curl_slist_free_all(hd);
            return cfail(c, SY_ENOMEM, "out of memory");
        }
        memcpy(q, REQ_DOMAIN, sizeof REQ_DOMAIN), q += sizeof REQ_DOMAIN;
        memcpy(q, method, strlen(method) + 1), q += strlen(method) + 1;
        memcpy(q, path, strlen(path) + 1), q += strlen(path) + 1;
        memcpy(q, t, strlen(t) + 1), q += strlen(t) + 1;
        memcpy(q, bh, 32);
        int src = sv_journal_sign(c->j, m, ml, sig);
        free(m);
        if (src != SV_OK) {
            curl_easy_cleanup(cu);
            curl_slist_free_all(hd);
            return cfail(c, SY_EINVAL, "cannot sign the request: %s", sv_journal_errmsg(c->j));
        }
        char sighex[129];
        sodium_bin2hex(sighex, sizeof sighex, sig, sizeof sig);
        snprintf(hv, sizeof hv, "X-Quejie-Device: %s", sv_journal_device_id(c->j));
        hd = curl_slist_append(hd, hv);
        snprintf(hv, sizeof hv, "X-Quejie-Time: %s", t);
        hd = curl_slist_append(hd, hv);
        snprintf(hv, sizeof hv, "X-Quejie-Signature: %s", sighex);
        hd = curl_slist_append(hd, hv);
    }
    curl_easy_setopt(cu, CURLOPT_URL, url);
    curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(cu, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(cu, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cu, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(cu, CURLOPT_DEBUGDATA, &c->wire);
    curl_easy_setopt(cu, CURLOPT_VERBOSE, 1L); /* feeds on_debug; prints nothing */
    curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, 15L);
    /* A link that stalls (a tablet walking out of coverage) is cut after 30 s of < 1 B/s. */
    curl_easy_setopt(cu, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(cu, CURLOPT_LOW_SPEED_TIME, 30L);
    /* 5 minutes, and one second more per 16 KiB of body: a one-entry bundle may be large. */
    curl_easy_setopt(cu, CURLOPT_TIMEOUT, 300L + (long)(blen / 16384));
    curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(cu, CURLOPT_USERAGENT, "quejie/" SV_VERSION);
    if (c->ca_pem) {
        /* The pinned certificate is the only trust anchor for this office. */
        struct curl_blob blob = {
            .data = c->ca_pem, .len = strlen(c->ca_pem), .flags = CURL_BLOB_COPY};
        curl_easy_setopt(cu, CURLOPT_CAINFO_BLOB, &blob);
        curl_easy_setopt(cu, CURLOPT_CAPATH, NULL);
    }
    if (body) {
        curl_easy_setopt(cu, CURLOPT_POST, 1L);
        curl_easy_setopt(cu, CURLOPT_POSTFIELDS, (const char *)body);
        curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
    }
    if (c->stop) {
        curl_easy_setopt(cu, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(cu, CURLOPT_XFERINFODATA, (void *)c->stop);
        curl_easy_setopt(cu, CURLOPT_NOPROGRESS, 0L);
    }
    CURLcode cc = curl_easy_perform(cu);
    curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &h->status);
    curl_easy_cleanup(cu);
    curl_slist_free_all(hd);
    if (cc == CURLE_OK)
        return SY_OK;
    sy_buf_free(&h->body);
    int tls = cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
              cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_SSL_CERTPROBLEM;
    /* curl's words name the mechanism, not what to do: say which certificate was refused, and
     * that an http:// address reached a TLS listener (an office with a certificate) */
    const char *why = "";
    if (cc == CURLE_PEER_FAILED_VERIFICATION)
        why = c->ca_pem ? " (the office's TLS certificate is not the one pinned for this office, "
                          "or the address's host is not the one it names)"
                        : " (the office's TLS certificate is not signed by an authority this "
                          "system trusts: pin the office's own certificate at enrollment)";
    else if (cc == CURLE_GOT_NOTHING && strncmp(url, "http://", 7) == 0)
        why = " (an office with a TLS certificate answers https:// only: use an https:// address)";
    return cfail(c, tls ? SY_ETLS : SY_ENET, "%s %s: %s%s", method, url, curl_easy_strerror(cc),
                 why);
}

/* The office's JSON answer, or NULL. */
static json_t *answer(const http *h)
{
    return h->body.len ? json_loadb((const char *)h->body.data, h->body.len, 0, NULL) : NULL;
}

static const char *answer_error(json_t *a)
{
    const char *e = json_string_value(json_object_get(a, "error"));
    return e ? e : "no reason given";
}

/* ---- enrollment ----------------------------------------------------------------------------- */

static char *read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    int bad = ferror(f) || n > max;
    fclose(f);
    if (!buf || bad) {
        free(buf);
        errno = bad ? EFBIG : ENOMEM;
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int sy_client_enroll(sy_client *c, const char *url, const char *token, const char *ca_file)
{
    char base[512];
    snprintf(base, sizeof base, "%s", url);
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        base[--bl] = '\0';
    if (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0)
        return cfail(c, SY_EINVAL, "office URL '%s' must start with https:// or http://", url);
    free(c->ca_pem);
    c->ca_pem = NULL;
    if (ca_file) {
        c->ca_pem = read_file(ca_file, 1u << 20, NULL);
        if (!c->ca_pem)
            return cfail(c, SY_EIO, "%s: %s", ca_file, strerror(errno));
        if (!strstr(c->ca_pem, "-----BEGIN CERTIFICATE-----"))
            return cfail(c, SY_EINVAL, "%s: not a PEM certificate", ca_file);
    }
    uint8_t pk[SV_PUBKEY_BYTES];
    char pkhex[65];
    sv_journal_public_key(c->j, pk);
    sodium_bin2hex(pkhex, sizeof pkhex, pk, sizeof pk);
    json_t *req = json_pack("{s:s, s:s, s:s, s:s, s:s}", "token", token, "device_id",
                            sv_journal_device_id(c->j), "public_key", pkhex, "name",
                            sv_journal_device_name(c->j), "crew", sv_journal_crew(c->j));
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body)
        return cfail(c, SY_ENOMEM, "out of memory");
    http h;
    int rc = request(c, base, "POST", "/v1/enroll", (const uint8_t *)body, strlen(body),
                     "application/json", 0, &h);
    free(body);
    if (rc != SY_OK)
        return rc;
    json_t *a = answer(&h);
    if (h.status != 200) {
        rc = cfail(c, h.status == 403 || h.status == 409 ? SY_EAUTH : SY_EREFUSED,
                   "the office refused the enrollment (HTTP %ld): %s", h.status, answer_error(a));
        json_decref(a);
        sy_buf_free(&h.body);
        return rc;
    }
    const char *oid = json_string_value(json_object_get(a, "office_id"));
    const char *oname = json_string_value(json_object_get(a, "office_name"));
    const char *spk = json_string_value(json_object_get(a, "sign_pk"));
    const char *bpk = json_string_value(json_object_get(a, "box_pk"));
    const char *dname = json_string_value(json_object_get(a, "device"));
    uint8_t tmp[32], spk_raw[32];
    char derived[33] = "";
    if (spk && sy_hex2bin(spk_raw, 32, spk) == SY_OK)
        sv_device_id_from_key(spk_raw, derived);
    if (!oid || !spk || !bpk || sy_hex2bin(tmp, 32, bpk) != SY_OK || strcmp(derived, oid) != 0) {
        json_decref(a);
        sy_buf_free(&h.body);
        return cfail(c, SY_EREFUSED, "the office's enrollment answer is malformed");
    }
    sqlite3_stmt *st;
    rc = sqlite3_prepare_v2(c->db,
                            "INSERT OR REPLACE INTO sync_office(id, url, office_id, office_name,"
                            " sign_pk, box_pk, ca_pem, device_name, enrolled_ms)"
                            " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
                            -1, &st, NULL) == SQLITE_OK
             ? SY_OK
             : SY_EIO;
    if (rc == SY_OK) {
        sqlite3_bind_text(st, 1, base, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, oid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, oname ? oname : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, spk, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, bpk, -1, SQLITE_TRANSIENT);
        if (c->ca_pem)
            sqlite3_bind_text(st, 6, c->ca_pem, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 6);
        sqlite3_bind_text(st, 7, dname ? dname : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 8, sv_wall_ms());
        rc = sqlite3_step(st) == SQLITE_DONE ? SY_OK : SY_EIO;
        sqlite3_finalize(st);
    }
    json_decref(a);
    sy_buf_free(&h.body);
    if (rc != SY_OK)
        return cfail(c, SY_EIO, "cannot store the office keys: %s", sqlite3_errmsg(c->db));
    return load_office(c);
}

/* ---- tasks --------------------------------------------------------------------------------- */

/* The office status of this device's units, from the verified task package's "quejie_office"
 * member (docs/office.md): the table is replaced as a whole; a package without the member (an
 * older office) leaves it as it was. A unit newly returned (or returned with another note) gets
 * returned_seq = the journal's last seq now; a return the tablet already knew keeps its own, so
 * work recorded since still ends it (sv_unit_stage_office). */
static int store_unit_office(sy_client *c, const http *h)
{
    json_t *root = json_loadb((const char *)h->body.data, h->body.len, 0, NULL);
    const json_t *list = json_object_get(root, "quejie_office"), *u;
    if (!json_is_array(list)) {
        json_decref(root);
        return SY_OK;
    }
    int rc = db_exec(c, "BEGIN IMMEDIATE");
    /* rows the package no longer names are marked, then deleted after the upserts */
    if (rc == SY_OK)
        rc = db_exec(c, "UPDATE sync_unit_office SET updated_ms = -1");
    sqlite3_stmt *st = NULL;
    if (rc == SY_OK &&
        sqlite3_prepare_v2(
            c->db,
            "INSERT INTO sync_unit_office(code, status, note, updated_ms, returned_seq, settled)"
            " VALUES (?1, ?2, ?3, ?4, CASE WHEN ?2 = 'returned' THEN ?5 ELSE 0 END, ?6)"
            " ON CONFLICT(code) DO UPDATE SET returned_seq = CASE"
            "  WHEN excluded.status <> 'returned' THEN 0"
            "  WHEN sync_unit_office.status = 'returned' AND sync_unit_office.note IS excluded.note"
            "  THEN sync_unit_office.returned_seq ELSE excluded.returned_seq END,"
            " status = excluded.status, note = excluded.note, updated_ms = excluded.updated_ms,"
            " settled = excluded.settled",
            -1, &st, NULL) != SQLITE_OK)
        rc = cfail(c, SY_EIO, "sync state: %s", sqlite3_errmsg(c->db));
    size_t i;
    int64_t now = sv_wall_ms(), last = sv_journal_last_seq(c->j);
    json_array_foreach(list, i, u)
    {
        const char *code = json_string_value(json_object_get(u, "code"));
        const char *status = json_string_value(json_object_get(u, "status"));
        if (rc != SY_OK || !code || !status)
            continue;
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
        const char *note = json_string_value(json_object_get(u, "note"));
        if (note)
            sqlite3_bind_text(st, 3, note, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_int64(st, 4, now);
        sqlite3_bind_int64(st, 5, last);
        /* the disputes the office settled: kept as the JSON array of seqs it sent */
        const json_t *sd = json_object_get(u, "settled_disputes");
        char *sdt = json_is_array(sd) ? json_dumps(sd, JSON_COMPACT) : NULL;
        if (sdt)
            sqlite3_bind_text(st, 6, sdt, -1, free);
        else
            sqlite3_bind_null(st, 6);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = cfail(c, SY_EIO, "sync state: %s", sqlite3_errmsg(c->db));
    }
    sqlite3_finalize(st);
    if (rc == SY_OK)
        rc = db_exec(c, "DELETE FROM sync_unit_office WHERE updated_ms = -1");
    if (rc == SY_OK)
        rc = db_exec(c, "COMMIT");
    else
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    json_decref(root);
    return rc;
}

static int import_tasks(sy_client *c, const http *h, sy_sync_report *r)
{
    uint8_t sig[64], bh[32];
    if (sy_hex2bin(sig, sizeof sig, h->tasks_sig) != SY_OK)
        return cfail(c, SY_EREFUSED, "the office's task package is not signed");
    crypto_hash_sha256(bh, h->body.data, h->body.len);
    size_t ml = sizeof TASKS_DOMAIN + 32 + 32;
    uint8_t m[sizeof TASKS_DOMAIN + 64];
    memcpy(m, TASKS_DOMAIN, sizeof TASKS_DOMAIN);
    memcpy(m + sizeof TASKS_DOMAIN, sv_journal_device_id(c->j), 32);
    memcpy(m + sizeof TASKS_DOMAIN + 32, bh, 32);
    if (crypto_sign_verify_detached(sig, m, ml, c->office.sign_pk) != 0)
        return cfail(c, SY_EREFUSED,
                     "the task package's signature does not verify with the office's key: "
                     "nothing imported");
    sv_geo *g = NULL;
    if (sv_geo_new(&g) != SV_OK)
        return cfail(c, SY_ERR, "cannot initialise PROJ (is proj-data installed?)");
    /* The same read-validate-record sequence as quejie tasks import (one batch). */
    sv_tasks_report rep;
    sv_diag d = {{0}};
    int rc = sv_tasks_import_buf(c->j, "office task package", (const char *)h->body.data,
                                 h->body.len, g, NULL, NULL, &rep, &d);
    sv_geo_free(g);
    r->tasks_fetched = (int)rep.units;
    r->tasks_added = (int)rep.added;
    if (rc == SV_EFORMAT || rc == SV_EGEOM || rc == SV_ECRS || rc == SV_EINVAL)
        return cfail(c, SY_EREFUSED, "%s", d.msg[0] ? d.msg : sv_strerror(rc));
    if (rc != SV_OK)
        return cfail(c, SY_EIO, "tasks not imported: %s", d.msg[0] ? d.msg : sv_strerror(rc));
    return store_unit_office(c, h);
}

/* ---- sync ---------------------------------------------------------------------------------- */

static void say(const sy_sync_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const sy_sync_opts *o, const char *fmt, ...)
{
    if (!o->progress)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->progress(o->ctx, line);
}

static void pause_s(double s)
{
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The office's copy must be a prefix of this journal: its last entry (acked_seq, acked_hash)
 * must be ours too. Otherwise this journal is a copy that recorded on after the office got
 * the original's entries (a cloned or restored tablet): nothing may be sent from it. */
static int check_cursor(sy_client *c, int64_t acked, const char *hash_hex)
{
    int64_t last = sv_journal_last_seq(c->j);
    if (acked < 0)
        return cfail(c, SY_EREFUSED,
                     "GET /v1/cursor: the office answered an impossible acknowledgement (%lld); "
                     "nothing stored",
                     (long long)acked);
    if (acked > last)
        return cfail(c, SY_EFORK,
                     "the office holds %lld entries of this device but this journal has only "
                     "%lld: is it a restored copy? Nothing sent",
                     (long long)acked, (long long)last);
    if (acked == 0 || !hash_hex)
        return SY_OK; /* nothing held; an older office sends no hash */
    uint8_t theirs[SV_HASH_BYTES], mine[SV_HASH_BYTES];
    if (sy_hex2bin(theirs, sizeof theirs, hash_hex) != 0)
        return cfail(c, SY_EREFUSED, "GET /v1/cursor: a malformed acked_hash");
    if (sv_journal_hash_at(c->j, acked, mine) != SV_OK)
        return cfail(c, SY_EIO, "%s", sv_journal_errmsg(c->j));
    if (sodium_memcmp(theirs, mine, SV_HASH_BYTES) != 0)
        return cfail(c, SY_EFORK,
                     "FORK: entry %lld of this journal differs from the one the office holds for "
                     "this device: this journal is a copy that recorded on (a cloned or restored "
                     "tablet). Nothing sent; give the county office this journal file",
                     (long long)acked);
    return SY_OK;
}

/* GET the cursor: the office's acknowledged seq for this device, checked against ours, and
 * how many of the files its entries name it holds (*files; -1 from an office that does not
 * say). */
static int get_cursor(sy_client *c, int64_t *acked, int64_t *files)
{
    *files = -1;
    http h;
    int rc = request(c, c->url, "GET", "/v1/cursor", NULL, 0, NULL, 1, &h);
    if (rc != SY_OK)
        return rc;
    json_t *a = answer(&h);
    json_t *v = json_object_get(a, "acked_seq");
    if (h.status == 200 && json_is_integer(v)) {
        rc = check_cursor(c, json_integer_value(v),
                          json_string_value(json_object_get(a, "acked_hash")));
        json_t *f = json_object_get(a, "files");
        if (rc == SY_OK) {
            *acked = json_integer_value(v);
            *files = json_is_integer(f) && json_integer_value(f) >= 0 ? json_integer_value(f) : -1;
        }
    } else if (h.status == 403)
        rc = cfail(c, SY_EAUTH, "the office does not accept this device: %s", answer_error(a));
    else
        rc = cfail(c, h.status >= 500 || h.status == 0 ? SY_ENET : SY_EREFUSED,
                   "GET /v1/cursor: HTTP %ld: %s", h.status, answer_error(a));
    json_decref(a);
    sy_buf_free(&h.body);
    return rc;
}

/* Send one bundle from seq from. *acked is updated from the office's answer, which must be
 * possible: a 200 says the office holds the whole bundle (acked in last_seq..our last), a 409
 * that it holds less than the bundle builds on (acked below from - 1); anything else is refused
 * without storing it (an office that answers so is broken, and resending would loop). */
static int send_one(sy_client *c, int64_t from, int64_t *acked, sy_sync_report *r)
{
    sy_buf b;
    sy_bundle_info info;
    char err[256];
    int rc = sy_bundle_build(c->j, &c->office, from, 0, &b, &info, err, sizeof err);
    if (rc != SY_OK)
        return cfail(c, rc, "cannot build a bundle from entry %lld: %s", (long long)from, err);
    int64_t id = bundle_row(c, info.first_seq, info.last_seq, (int64_t)b.len, "sending", "", 1);
    http h;
    rc =
        request(c, c->url, "POST", "/v1/bundles", b.data, b.len, "application/octet-stream", 1, &h);
    sy_buf_free(&b);
    if (rc != SY_OK) {
        bundle_mark(c, id, "queued", c->errmsg);
        return rc;
    }
    r->bytes_sent += (int64_t)info.bytes;
    json_t *a = answer(&h);
    json_t *v = json_object_get(a, "acked_seq");
    const char *status = json_string_value(json_object_get(a, "status"));
    int64_t last = sv_journal_last_seq(c->j);
    if ((h.status == 200 || h.status == 409) && json_is_integer(v)) {
        int64_t got = json_integer_value(v);
        int possible = h.status == 200 ? got >= info.last_seq && got <= last
                                       : got >= 0 && got < info.first_seq - 1;
        if (!possible) {
            rc = cfail(c, SY_EREFUSED,
                       "the office answered HTTP %ld with an impossible acknowledgement %lld for "
                       "entries %lld-%lld (this journal holds %lld): not stored; the office is "
                       "misbehaving, tell the county office",
                       h.status, (long long)got, (long long)info.first_seq,
                       (long long)info.last_seq, (long long)last);
            bundle_mark(c, id, "queued", c->errmsg);
        } else if (h.status == 200) {
            *acked = got;
            bundle_mark(c, id, "acknowledged", status ? status : "");
            r->bundles_sent++;
            r->entries_sent += json_integer_value(json_object_get(a, "applied"));
        } else {
            *acked = got;
            bundle_mark(c, id, "queued", "the office holds less: resending from its cursor");
        }
    } else if (h.status == 403) {
        rc = cfail(c, SY_EAUTH, "the office does not accept this device: %s", answer_error(a));
        bundle_mark(c, id, "queued", c->errmsg);
    } else if (h.status == 422 || h.status == 413 || h.status == 400) {
        rc = cfail(c, SY_EREFUSED, "the office refused entries %lld-%lld: %s",
                   (long long)info.first_seq, (long long)info.last_seq, answer_error(a));
        bundle_mark(c, id, "refused", answer_error(a));
    } else if (h.status == 200 || h.status == 409) {
        rc = cfail(c, SY_EREFUSED,
                   "POST /v1/bundles: HTTP %ld without an acknowledgement (a malformed answer): "
                   "not stored; tell the county office",
                   h.status);
        bundle_mark(c, id, "queued", c->errmsg);
    } else {
        rc = cfail(c, SY_ENET, "POST /v1/bundles: HTTP %ld: %s", h.status, answer_error(a));
        bundle_mark(c, id, "queued", c->errmsg);
    }
    json_decref(a);
    sy_buf_free(&h.body);
    return rc;
}

static int sync_run(sy_client *c, const sy_sync_opts *o, sy_sync_report *r);

int sy_client_sync(sy_client *c, const sy_sync_opts *opts, sy_sync_report *r)
{
    sy_sync_opts none = {0};
    const sy_sync_opts *o = opts ? opts : &none;
    sy_sync_report rep_local;
    if (!r)
        r = &rep_local;
    memset(r, 0, sizeof *r);
    c->wire = 0;
    c->stop = o->stop;
    int rc = sync_run(c, o, r);
    c->stop = NULL;
    return rc;
}

static int sync_imagery(sy_client *c, const sy_sync_opts *o, sy_sync_report *r);
static int files_to_send(sy_client *c, sv_attachment **a, size_t *n, int *pending,
                         int64_t again_from);
static int sync_files(sy_client *c, const sy_sync_opts *o, sy_sync_report *r);

/* The office holds fewer entries than at the last sync (went_back: restored from a backup,
 * or another office) or fewer of this device's files than it confirmed (files: the distinct
 * files of entries not voided, as the office counts them): it may have lost files, so every
 * confirmation is forgotten and each file asked about again (a file it holds costs one GET,
 * no bytes). */
static int by_sha(const void *x, const void *y)
{
    return strcmp(((const sv_attachment *)x)->sha256, ((const sv_attachment *)y)->sha256);
}

static int office_files_check(sy_client *c, const sy_sync_opts *o, int went_back, int64_t files)
{
    sv_attachment *a;
    size_t n;
    if (sv_state_attachments(c->j, NULL, &a, &n) != SV_OK)
        return cfail(c, SY_EIO, "%s", sv_journal_errmsg(c->j));
    int64_t mine = 0;
    if (n > 1)
        qsort(a, n, sizeof *a, by_sha);
    for (size_t i = 0; i < n; i++) /* each file once, however many entries name it */
        mine += a[i].at_office && (i == 0 || strcmp(a[i - 1].sha256, a[i].sha256) != 0);
    sv_attachments_free(a, n);
    if (mine == 0 || (!went_back && (files < 0 || files >= mine)))
        return SY_OK;
    if (sv_journal_files_office_forget(c->j) != SV_OK)
        return cfail(c, SY_EIO, "%s", sv_journal_errmsg(c->j));
    say(o, "the office holds %s: the %lld file%s it had confirmed %s asked about again",
        went_back ? "fewer entries than at the last sync" : "fewer of this tablet's files",
        (long long)mine, mine == 1 ? "" : "s", mine == 1 ? "is" : "are");
    return SY_OK;
}

static int sync_run(sy_client *c, const sy_sync_opts *o, sy_sync_report *r)
{
    if (!c->enrolled)
        return cfail(c, SY_ENOTENROLLED, "%s is not enrolled with an office (quejie enroll)",
                     sv_journal_path(c->j));
    int attempts = o->attempts > 0 ? o->attempts : 6;
    double backoff = o->backoff_s > 0 ? o->backoff_s : 1.0, wait = backoff;
    /* Every round that does not move the office's acknowledgement forward - a network failure
     * or a send the office answered without advancing - counts against attempts; only progress
     * resets the count. So the loop ends whatever the office answers. */
    int failures = 0, tasks_done = o->skip_tasks, have_cursor = 0, rc = SY_OK;
    int64_t acked = state_int(c, "acked_seq"), last = sv_journal_last_seq(c->j);
    int64_t best = -1;      /* the highest acknowledgement the office gave in this run */
    int64_t stored = acked; /* what the office held at the last sync */
    if (acked < 0 || acked > last)
        acked = 0; /* a stored value out of range (an older build stored it as is) */
    for (;;) {
        if (o->stop && *o->stop) {
            rc = cfail(c, SY_ENET, "stopped on request");
            break;
        }
        int progress = 0;
        /* The crew's entries first, then the tasks: when a return reaches the tablet with
         * them, the office holds everything the tablet recorded before it knew of it, and
         * both sides date the return from the same entry (docs/office.md, "To the tablet") */
        if (!have_cursor) {
            int64_t cur = 0, files = -1;
            rc = get_cursor(c, &cur, &files);
            if (rc == SY_OK && cur < best)
                rc = cfail(c, SY_EREFUSED,
                           "the office's acknowledgement went back from %lld to %lld during this "
                           "sync (was the office restored from a backup?): not stored; the next "
                           "sync sends from the office's cursor again",
                           (long long)best, (long long)cur);
            if (rc == SY_OK)
                rc = office_files_check(c, o, cur < stored, files);
            if (rc == SY_OK) {
                acked = cur;
                have_cursor = 1;
                progress = cur > best;
                best = cur > best ? cur : best;
                state_set(c, acked, 0, NULL);
                bundles_acked_upto(c, acked);
            }
        } else if (acked < last) {
            int64_t before = acked, got = acked;
            rc = send_one(c, acked + 1, &got, r);
            if (rc == SY_OK && got < before)
                rc = cfail(c, SY_EREFUSED,
                           "the office's acknowledgement went back from %lld to %lld during this "
                           "sync (was the office restored from a backup?): not stored; the next "
                           "sync sends from the office's cursor again",
                           (long long)before, (long long)got);
            if (rc == SY_OK) {
                acked = got;
                progress = acked > before;
                best = acked > best ? acked : best;
                state_set(c, acked, 0, NULL);
                bundles_acked_upto(c, acked);
                say(o, "sent from entry %lld: the office now holds %lld of %lld entries",
                    (long long)before + 1, (long long)acked, (long long)last);
                if (!progress && ++failures >= attempts) {
                    rc = cfail(c, SY_EREFUSED,
                               "the office does not advance its acknowledgement: still %lld of "
                               "%lld after %d sends of entries from %lld; stopped (tell the "
                               "county office)",
                               (long long)acked, (long long)last, failures, (long long)before + 1);
                    break;
                }
            }
        } else if (!tasks_done) {
            http h;
            rc = request(c, c->url, "GET", "/v1/tasks", NULL, 0, NULL, 1, &h);
            if (rc == SY_OK) {
                if (h.status == 200) {
                    rc = import_tasks(c, &h, r);
                    if (rc == SY_OK)
                        say(o, "tasks: %d unit%s from the office, %d new or changed",
                            r->tasks_fetched, r->tasks_fetched == 1 ? "" : "s", r->tasks_added);
                    /* A package the tablet refuses never holds back the crew's data: nothing of
                     * it is imported, the refusal is reported apart, the entries go on. */
                    if (rc == SY_EREFUSED) {
                        snprintf(r->tasks_error, sizeof r->tasks_error, "%s", c->errmsg);
                        say(o, "tasks not imported: %s; the survey data is sent all the same",
                            c->errmsg);
                        rc = SY_OK;
                    }
                } else {
                    json_t *a = answer(&h);
                    rc = cfail(c,
                               h.status == 403   ? SY_EAUTH
                               : h.status >= 500 ? SY_ENET
                                                 : SY_EREFUSED,
                               "GET /v1/tasks: HTTP %ld: %s", h.status, answer_error(a));
                    json_decref(a);
                }
                sy_buf_free(&h.body);
            }
            if (rc == SY_OK)
                tasks_done = progress = 1;
            last = sv_journal_last_seq(c->j); /* the import appended entries */
        } else {
            break;
        }
        if (rc == SY_OK) {
            if (progress) {
                failures = 0;
                wait = backoff;
            }
            continue;
        }
        /* Only transient failures are retried; a refusal or a bad key will not heal. */
        if (rc != SY_ENET || ++failures >= attempts)
            break;
        say(o, "%s; retrying in %g s", c->errmsg, wait); /* --backoff 0.1: not "0 s" */
        pause_s(wait);
        wait = wait * 2 > 30 ? 30 : wait * 2;
        have_cursor = 0; /* after a cut, the office's cursor says what arrived */
        rc = SY_OK;
    }
    r->last_seq = last;
    r->acked_seq = acked;
    if (rc == SY_OK)
        state_set(c, acked, 1, NULL);
    else
        state_set(c, acked, 0, c->errmsg);
    /* The crew's files follow the entries that name them (the office takes no bytes no entry
     * it holds names); their failure is reported apart, the entries being safe. */
    if (rc == SY_OK && sync_files(c, o, r) != SY_OK) {
        snprintf(r->files_error, sizeof r->files_error, "%s", c->errmsg);
        say(o, "files not all sent: %s", c->errmsg);
    }
    /* Imagery comes last, once the survey data is safe at the office, and its failure is
     * reported apart: a basemap never holds back the day's work. */
    if (rc == SY_OK && !o->skip_imagery && sync_imagery(c, o, r) != SY_OK) {
        snprintf(r->imagery_error, sizeof r->imagery_error, "%s", c->errmsg);
        say(o, "imagery not updated: %s", c->errmsg);
    }
    r->bytes_wire = c->wire;
    return rc;
}

/* ---- the crew's files (docs/sync-protocol.md, "Files") ----------------------------------------
 */

/* The office's answer about a file: how much it holds. SY_OK for 200 and 409 (what it holds:
 * go on from there), SY_ENOTFOUND for 404, SY_EREFUSED for 422, other refusals and impossible
 * answers (more than the file, or "complete" short of it), SY_ENET for 5xx. */
static int file_answer(sy_client *c, const char *what, const http *h, int64_t bytes, int64_t *have,
                       int *complete)
{
    json_t *a = answer(h);
    json_t *hv = json_object_get(a, "have");
    int rc = SY_OK;
    if (h->status == 200 || h->status == 409) {
        int whole = json_is_true(json_object_get(a, "complete"));
        json_int_t v = json_integer_value(hv);
        if (!json_is_integer(hv) || v < 0 || v > bytes || (whole && v != bytes))
            rc = cfail(c, SY_EREFUSED, "%s: HTTP %ld without a possible \"have\"", what, h->status);
        else {
            *have = v;
            *complete = whole;
        }
    } else {
        rc = cfail(c,
                   h->status == 404   ? SY_ENOTFOUND
                   : h->status >= 500 ? SY_ENET
                                      : SY_EREFUSED,
                   "%s: HTTP %ld: %s", what, h->status, answer_error(a));
    }
    json_decref(a);
    return rc;
}

/* Send one file from where the office's copy ends until it holds the whole. */
static int send_file(sy_client *c, const sv_attachment *f, sy_sync_report *r)
{
    void *data;
    size_t len;
    if (sv_journal_file(c->j, f->sha256, &data, &len, NULL) != SV_OK)
        return cfail(c, SY_EIO, "%s", sv_journal_errmsg(c->j));
    char path[160], what[320];
    snprintf(path, sizeof path, "/v1/attachments/%s", f->sha256);
    snprintf(what, sizeof what, "file %s (%.16s...)", f->name, f->sha256);
    http h;
    int64_t have = 0;
    int complete = 0;
    int rc = request(c, c->url, "GET", path, NULL, 0, NULL, 1, &h);
    if (rc == SY_OK)
        rc = file_answer(c, what, &h, (int64_t)len, &have, &complete);
    sy_buf_free(&h.body);
    /* bounded whatever the office answers: the pieces the file has and two rounds more (a 409
     * saying where the office's copy ends); an office that goes back or stands still runs out
     * of rounds */
    size_t rounds = len / SY_FILE_PIECE_BYTES + 3;
    while (rc == SY_OK && !complete && rounds-- > 0) {
        if (c->stop && *c->stop) {
            rc = cfail(c, SY_ENET, "stopped on request");
            break;
        }
        size_t n =
            len - (size_t)have < SY_FILE_PIECE_BYTES ? len - (size_t)have : SY_FILE_PIECE_BYTES;
        char piece[200];
        snprintf(piece, sizeof piece, "%s/%lld", path, (long long)have);
        rc = request(c, c->url, "POST", piece, (const uint8_t *)data + have, n,
                     "application/octet-stream", 1, &h);
        if (rc == SY_OK) {
            r->files_bytes += (int64_t)n;
            rc = file_answer(c, what, &h, (int64_t)len, &have, &complete);
        }
        sy_buf_free(&h.body);
    }
    free(data);
    if (rc == SY_OK && !complete)
        return cfail(c, SY_EREFUSED, "%s: the office does not advance its copy (%lld of %zu bytes)",
                     what, (long long)have, len);
    if (rc == SY_OK) {
        if (sv_journal_file_at_office(c->j, f->sha256) != SV_OK)
            return cfail(c, SY_EIO, "%s", sv_journal_errmsg(c->j));
        r->files_sent++;
    }
    return rc;
}

static int sync_files(sy_client *c, const sy_sync_opts *o, sy_sync_report *r)
{
    sv_attachment *a = NULL;
    size_t n = 0;
    int pending = 0;
    if (files_to_send(c, &a, &n, &pending, 0) != SY_OK)
        return SY_EIO;
    int attempts = o->attempts > 0 ? o->attempts : 6, failures = 0, rc = SY_OK;
    double wait = o->backoff_s > 0 ? o->backoff_s : 1.0;
    for (size_t i = 0; i < n; i++) {
        if (a[i].at_office) /* held, or the same file under an earlier entry */
            continue;
        int frc = send_file(c, &a[i], r);
        while (frc == SY_ENET && ++failures < attempts && !(o->stop && *o->stop)) {
            say(o, "%s; retrying in %g s", c->errmsg, wait);
            pause_s(wait);
            wait = wait * 2 > 30 ? 30 : wait * 2;
            frc = send_file(c, &a[i], r);
        }
        if (frc == SY_OK) {
            pending--;
            say(o, "file %s sent: the office holds it whole", a[i].name);
        } else if (rc == SY_OK) {
            rc = frc; /* the first failure is the one reported; the others still go */
        }
        if (frc == SY_ENET && failures >= attempts)
            break;
    }
    r->files_pending = pending;
    sv_attachments_free(a, n);
    return rc;
}

/* ---- imagery (sync/imagery.h) ---------------------------------------------------------------- */

/* Room the journal keeps on its file system whatever imagery arrives: a basemap never takes the
 * space the next day's points need. */
#define IMAGERY_RESERVE_BYTES (256LL * 1024 * 1024)

int sy_basemaps_dir(const char *journal_path, char *out, size_t n)
{
    const char *slash = strrchr(journal_path, '/');
    int k = slash ? snprintf(out, n, "%.*s/basemaps", (int)(slash - journal_path), journal_path)
                  : snprintf(out, n, "basemaps");
    return k > 0 && (size_t)k < n ? 0 : -1;
}

/* Fetch one skeleton or pack by its name (hash) from the office, checked against it: the caller
 * frees *out. */
static int fetch_piece(sy_client *c, const char *what, const char *hex, size_t want_len,
                       uint8_t **out, size_t *len)
{
    *out = NULL;
    char url[128];
    snprintf(url, sizeof url, "/v1/imagery/chunks/%s", hex);
    http h;
    int rc = request(c, c->url, "GET", url, NULL, 0, NULL, 1, &h);
    char got[65] = "";
    if (rc == SY_OK && h.status == 200)
        sy__blake_hex(h.body.data, h.body.len, got);
    if (rc == SY_OK && h.status != 200) {
        json_t *a = answer(&h);
        rc = cfail(c, h.status >= 500 ? SY_ENET : SY_EREFUSED, "GET %s: HTTP %ld: %s", url,
                   h.status, answer_error(a));
        json_decref(a);
    } else if (rc == SY_OK && (h.body.len != want_len || strcmp(got, hex) != 0)) {
        rc = cfail(c, SY_EREFUSED, "%s from the office does not match the signed manifest: refused",
                   what);
    }
    if (rc == SY_OK) {
        *out = h.body.data; /* handed over */
        *len = h.body.len;
        h.body.data = NULL;
    }
    sy_buf_free(&h.body);
    return rc;
}

/* A pack the tablet holds: its block in a basemap an earlier sync installed. */
typedef struct held_pack {
    char hash[65];
    char *file;
    int zoom;
    int64_t bcol, brow;
} held_pack;

typedef struct held {
    held_pack *p;
    size_t n, cap;
} held;

static void held_free(held *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->p[i].file);
    free(h->p);
}

/* Every pack of every basemap an earlier sync installed (and still on disk). */
static void held_load(sy_client *c, const char *dir, held *h)
{
    memset(h, 0, sizeof *h);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT file, packs FROM sync_imagery", -1, &st, NULL) !=
        SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, (const char *)sqlite3_column_text(st, 0));
        json_t *packs = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
        for (size_t i = 0;
             json_is_array(packs) && access(path, R_OK) == 0 && i < json_array_size(packs); i++) {
            json_t *e = json_array_get(packs, i);
            const char *hex = json_string_value(json_array_get(e, 0));
            if (!hex || strlen(hex) != 64)
                continue;
            if (h->n == h->cap) {
                size_t cap = h->cap ? 2 * h->cap : 256;
                held_pack *np = realloc(h->p, cap * sizeof *np);
                if (!np)
                    break;
                h->p = np;
                h->cap = cap;
            }
            held_pack *hp = &h->p[h->n];
            snprintf(hp->hash, sizeof hp->hash, "%s", hex);
            hp->zoom = (int)json_integer_value(json_array_get(e, 1));
            hp->bcol = json_integer_value(json_array_get(e, 2));
            hp->brow = json_integer_value(json_array_get(e, 3));
            if ((hp->file = strdup(path)))
                h->n++;
        }
        json_decref(packs);
    }
    sqlite3_finalize(st);
}

/* The pack named hex rebuilt from a basemap the tablet holds, checked against its name: 1 and
 * *out (caller frees) when found. */
static int from_held(const held *h, const char *hex, uint8_t **out, size_t *len)
{
    for (size_t i = 0; i < h->n; i++) {
        if (strcmp(h->p[i].hash, hex) != 0)
            continue;
        sqlite3 *g = NULL;
        char table[64], err[256], got[65] = "";
        uint8_t *b = NULL;
        size_t n = 0;
        if (sqlite3_open_v2(h->p[i].file, &g, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
            sy__gpkg_tile_table(g, table, sizeof table, err, sizeof err) == 0 &&
            sy__pack_build(g, table, h->p[i].zoom, h->p[i].bcol, h->p[i].brow, &b, &n, err,
                           sizeof err) == 0)
            sy__blake_hex(b, n, got);
        sqlite3_close(g);
        if (strcmp(got, hex) == 0) {
            *out = b;
            *len = n;
            return 1;
        }
        free(b);
    }
    return 0;
}

/* SQL on the partial basemap; 0 or -1 with the client's message set. */
static int part_exec(sy_client *c, sqlite3 *g, const char *part, const char *sql)
{
    if (sqlite3_exec(g, sql, NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    cfail(c, SY_EIO, "%s: %s", part, sqlite3_errmsg(g));
    return -1;
}

/* The version a partial basemap is being built for ("" when it is not one of ours). */
static void part_version(sqlite3 *g, char out[65])
{
    out[0] = '\0';
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(g, "SELECT version FROM quejie_part", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(out, 65, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
}

/* Start basemaps/.FILE.part from the skeleton: the skeleton's bytes, then the two bookkeeping
 * tables (which version is being built, which packs are in), dropped when it is complete. */
static int part_start(sy_client *c, const char *part, const json_t *m, sqlite3 **g)
{
    const char *skh = json_string_value(json_object_get(m, "skeleton"));
    json_int_t skn = json_integer_value(json_object_get(m, "skeleton_bytes"));
    if (!skh || strlen(skh) != 64 || skn <= 0 || skn > (json_int_t)SY_PACK_MAX_BYTES)
        return cfail(c, SY_EFORMAT, "imagery manifest: bad skeleton");
    uint8_t *sk = NULL;
    size_t skl = 0;
    int rc = fetch_piece(c, "the imagery's skeleton", skh, (size_t)skn, &sk, &skl);
    if (rc != SY_OK)
        return rc;
    unlink(part);
    rc = sv_file_write_atomic(part, sk, skl, 0644, 0) == 0
             ? SY_OK
             : cfail(c, SY_EIO, "%s: %s", part, strerror(errno));
    free(sk);
    if (rc != SY_OK)
        return rc;
    if (sqlite3_open_v2(part, g, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return cfail(c, SY_EIO, "%s: %s", part, sqlite3_errmsg(*g));
    char *q = sqlite3_mprintf("CREATE TABLE quejie_part(version TEXT NOT NULL);"
                              "CREATE TABLE quejie_packs(hash TEXT PRIMARY KEY);"
                              "INSERT INTO quejie_part VALUES (%Q);",
                              json_string_value(json_object_get(m, "version")));
    rc = q && part_exec(c, *g, part, q) == 0 ? SY_OK : SY_EIO;
    sqlite3_free(q);
    return rc;
}

/*
 * One basemap of the manifest list into dir: resumes a partial build, copies every pack the
 * tablet holds, fetches the rest, and only then replaces the old version.
 */
static int fetch_basemap(sy_client *c, const sy_sync_opts *o, sy_sync_report *r, const char *dir,
                         const held *hd, const json_t *m)
{
    const char *name = json_string_value(json_object_get(m, "name"));
    const char *file = json_string_value(json_object_get(m, "file"));
    const char *version = json_string_value(json_object_get(m, "version"));
    json_t *packs = json_object_get(m, "packs");
    json_int_t bytes = json_integer_value(json_object_get(m, "bytes"));
    if (!name || !file || !version || strlen(version) != 64 || strchr(file, '/') ||
        file[0] == '.' || !json_is_array(packs) || bytes < 0)
        return cfail(c, SY_EFORMAT, "imagery manifest %s is malformed", name ? name : "?");
    char path[1400], part[1500];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    snprintf(part, sizeof part, "%s/.%s.part", dir, file);

    sqlite3_stmt *st;
    int have = 0;
    if (sqlite3_prepare_v2(c->db, "SELECT version FROM sync_imagery WHERE name = ?1", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        have = sqlite3_step(st) == SQLITE_ROW &&
               strcmp((const char *)sqlite3_column_text(st, 0), version) == 0 &&
               access(path, R_OK) == 0;
        sqlite3_finalize(st);
    }
    if (have)
        return SY_OK;
    struct statvfs vs;
    if (statvfs(dir, &vs) == 0 &&
        (long long)vs.f_bavail * (long long)vs.f_frsize < (long long)bytes + IMAGERY_RESERVE_BYTES)
        return cfail(c, SY_EIO,
                     "imagery %s (%.0f MB) not fetched: %.0f MB free beside the journal, and %lld "
                     "MB stay reserved for the survey",
                     name, (double)bytes / 1e6, (double)vs.f_bavail * (double)vs.f_frsize / 1e6,
                     IMAGERY_RESERVE_BYTES / (1024 * 1024));

    /* a partial build of this same version resumes; anything else there starts over */
    sqlite3 *g = NULL;
    char pv[65] = "";
    if (access(part, F_OK) == 0 &&
        sqlite3_open_v2(part, &g, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
        part_version(g, pv);
    int rc = SY_OK;
    if (strcmp(pv, version) != 0) {
        sqlite3_close(g);
        g = NULL;
        rc = part_start(c, part, m, &g);
    }
    char table[64], err[256];
    if (rc == SY_OK && sy__gpkg_tile_table(g, table, sizeof table, err, sizeof err) != 0)
        rc = cfail(c, SY_EFORMAT, "imagery %s: %s", name, err);
    int64_t fetched = 0, reused = 0;
    sqlite3_stmt *done = NULL, *mark = NULL;
    if (rc == SY_OK && (sqlite3_prepare_v2(g, "SELECT 1 FROM quejie_packs WHERE hash = ?1", -1,
                                           &done, NULL) != SQLITE_OK ||
                        sqlite3_prepare_v2(g, "INSERT INTO quejie_packs VALUES (?1)", -1, &mark,
                                           NULL) != SQLITE_OK))
        rc = cfail(c, SY_EIO, "%s: %s", part, sqlite3_errmsg(g));
    for (size_t i = 0; rc == SY_OK && i < json_array_size(packs); i++) {
        if (o->stop && *o->stop) {
            rc = cfail(c, SY_ENET, "stopped on request");
            break;
        }
        json_t *e = json_array_get(packs, i);
        const char *hex = json_string_value(json_array_get(e, 0));
        json_int_t zoom = json_integer_value(json_array_get(e, 1));
        json_int_t bc = json_integer_value(json_array_get(e, 2)),
                   br = json_integer_value(json_array_get(e, 3)),
                   n = json_integer_value(json_array_get(e, 4));
        if (!hex || strlen(hex) != 64 || zoom < 0 || zoom > 40 || bc < 0 || br < 0 || n <= 0 ||
            n > (json_int_t)SY_PACK_MAX_BYTES) {
            rc = cfail(c, SY_EFORMAT, "imagery manifest %s: pack %zu is malformed", name, i);
            break;
        }
        sqlite3_reset(done);
        sqlite3_bind_text(done, 1, hex, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(done) == SQLITE_ROW)
            continue; /* a cut build resumed */
        uint8_t *p = NULL;
        size_t pl = 0;
        if (from_held(hd, hex, &p, &pl))
            reused += (int64_t)pl;
        else if ((rc = fetch_piece(c, "an imagery pack", hex, (size_t)n, &p, &pl)) == SY_OK)
            fetched += (int64_t)pl;
        if (rc != SY_OK)
            break;
        /* the tiles and the mark that they are in, together */
        if (part_exec(c, g, part, "BEGIN") != 0)
            rc = SY_EIO;
        else if (sy__pack_insert(g, table, (int)zoom, bc, br, p, pl, err, sizeof err) != 0) {
            sqlite3_exec(g, "ROLLBACK", NULL, NULL, NULL);
            rc = cfail(c, SY_EREFUSED, "imagery %s: %s", name, err);
        } else {
            sqlite3_reset(mark);
            sqlite3_bind_text(mark, 1, hex, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(mark) != SQLITE_DONE || part_exec(c, g, part, "COMMIT") != 0) {
                sqlite3_exec(g, "ROLLBACK", NULL, NULL, NULL);
                rc = cfail(c, SY_EIO, "%s: %s", part, sqlite3_errmsg(g));
            }
        }
        free(p);
    }
    sqlite3_finalize(done);
    sqlite3_finalize(mark);
    r->imagery_fetched += fetched;
    r->imagery_reused += reused;
    if (rc == SY_OK &&
        part_exec(c, g, part, "DROP TABLE quejie_packs; DROP TABLE quejie_part;") != 0)
        rc = SY_EIO;
    sqlite3_close(g);
    if (rc == SY_OK && sv_file_commit(part, path) != 0)
        rc = cfail(c, SY_EIO, "%s: %s", path, strerror(errno));
    if (rc == SY_OK) {
        char *text = json_dumps(packs, JSON_COMPACT);
        if (sqlite3_prepare_v2(c->db,
                               "INSERT OR REPLACE INTO sync_imagery(name, file, version, packs,"
                               " updated_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, file, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 3, version, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 4, text ? text : "[]", -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 5, sv_wall_ms());
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = cfail(c, SY_EIO, "sync state: %s", sqlite3_errmsg(c->db));
            sqlite3_finalize(st);
        } else {
            rc = cfail(c, SY_EIO, "sync state: %s", sqlite3_errmsg(c->db));
        }
        free(text);
        r->imagery_files++;
        say(o, "imagery %s: %.1f MB fetched, %.1f MB already on the tablet", name,
            (double)fetched / 1e6, (double)reused / 1e6);
    }
    return rc;
}

/* Basemaps an earlier sync installed that the office no longer assigns to this device: a
 * tablet carries only its crew's imagery. Files the crew put there by hand are not touched. */
static void drop_unassigned(sy_client *c, const sy_sync_opts *o, const char *dir,
                            const json_t *list)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT name, file FROM sync_imagery", -1, &st, NULL) !=
        SQLITE_OK)
        return;
    json_t *gone = json_array();
    while (gone && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int listed = 0;
        for (size_t i = 0; i < json_array_size(list); i++)
            listed |=
                strcmp(json_string_value(json_object_get(json_array_get(list, i), "name"))
                           ? json_string_value(json_object_get(json_array_get(list, i), "name"))
                           : "",
                       name) == 0;
        if (!listed)
            json_array_append_new(
                gone, json_pack("[s, s]", name, (const char *)sqlite3_column_text(st, 1)));
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < json_array_size(gone); i++) {
        const char *name = json_string_value(json_array_get(json_array_get(gone, i), 0));
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir,
                 json_string_value(json_array_get(json_array_get(gone, i), 1)));
        unlink(path);
        if (sqlite3_prepare_v2(c->db, "DELETE FROM sync_imagery WHERE name = ?1", -1, &st, NULL) ==
            SQLITE_OK) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
            sqlite3_step(st);
            sqlite3_finalize(st);
        }
        say(o, "imagery %s: no longer assigned to this tablet, removed", name);
    }
    json_decref(gone);
}

/* The signed manifest list, then each basemap in it. */
static int sync_imagery(sy_client *c, const sy_sync_opts *o, sy_sync_report *r)
{
    http h;
    int rc = request(c, c->url, "GET", "/v1/imagery", NULL, 0, NULL, 1, &h);
    if (rc != SY_OK)
        return rc;
    if (h.status == 404) { /* an office older than imagery */
        sy_buf_free(&h.body);
        return SY_OK;
    }
    if (h.status != 200) {
        json_t *a = answer(&h);
        rc = cfail(c, h.status >= 500 ? SY_ENET : SY_EREFUSED, "GET /v1/imagery: HTTP %ld: %s",
                   h.status, answer_error(a));
        json_decref(a);
        sy_buf_free(&h.body);
        return rc;
    }
    uint8_t sig[64], bh[32];
    size_t dl = sizeof SY_IMAGERY_DOMAIN;
    uint8_t m[sizeof SY_IMAGERY_DOMAIN + 64];
    crypto_hash_sha256(bh, h.body.data, h.body.len);
    memcpy(m, SY_IMAGERY_DOMAIN, dl);
    memcpy(m + dl, sv_journal_device_id(c->j), 32);
    memcpy(m + dl + 32, bh, 32);
    if (sy_hex2bin(sig, sizeof sig, h.tasks_sig) != SY_OK ||
        crypto_sign_verify_detached(sig, m, dl + 64, c->office.sign_pk) != 0) {
        sy_buf_free(&h.body);
        return cfail(c, SY_EREFUSED,
                     "the office's imagery list is not signed with its key: "
                     "nothing fetched");
    }
    json_t *root = json_loadb((const char *)h.body.data, h.body.len, 0, NULL);
    sy_buf_free(&h.body);
    json_t *list = json_object_get(root, "imagery");
    if (!json_is_array(list)) {
        json_decref(root);
        return cfail(c, SY_EFORMAT, "the office's imagery list is malformed");
    }
    char dir[1100];
    if (sy_basemaps_dir(sv_journal_path(c->j), dir, sizeof dir) != 0 ||
        (mkdir(dir, 0755) != 0 && errno != EEXIST)) {
        json_decref(root);
        return cfail(c, SY_EIO, "%s: %s", dir, strerror(errno));
    }
    drop_unassigned(c, o, dir, list);
    held hd;
    held_load(c, dir, &hd);
    for (size_t i = 0; rc == SY_OK && i < json_array_size(list); i++)
        rc = fetch_basemap(c, o, r, dir, &hd, json_array_get(list, i));
    held_free(&hd);
    json_decref(root);
    return rc;
}

/* ---- status -------------------------------------------------------------------------------- */

int sy_client_status_get(sy_client *c, sy_client_status *st)
{
    memset(st, 0, sizeof *st);
    st->enrolled = c->enrolled;
    snprintf(st->office_url, sizeof st->office_url, "%s", c->url);
    snprintf(st->office_id, sizeof st->office_id, "%s", c->office.office_id);
    snprintf(st->office_name, sizeof st->office_name, "%s", c->office_name);
    st->last_seq = sv_journal_last_seq(c->j);
    st->acked_seq = state_int(c, "acked_seq");
    st->last_sync_ms = state_int(c, "last_sync_ms");
    sv_attachment *att = NULL;
    size_t n_att = 0;
    if (files_to_send(c, &att, &n_att, &st->files_pending, 0) != SY_OK)
        return SY_EIO;
    sv_attachments_free(att, n_att);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(c->db, "SELECT last_error FROM sync_state WHERE id = 1", -1, &q, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
            snprintf(st->last_error, sizeof st->last_error, "%s", sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    }
    if (sqlite3_prepare_v2(c->db,
                           "SELECT id, first_seq, last_seq, bytes, updated_ms, attempts, state,"
                           " reason FROM sync_bundles ORDER BY id DESC LIMIT 100",
                           -1, &q, NULL) != SQLITE_OK)
        return cfail(c, SY_EIO, "sync state: %s", sqlite3_errmsg(c->db));
    st->bundles = calloc(100, sizeof *st->bundles);
    if (!st->bundles) {
        sqlite3_finalize(q);
        return cfail(c, SY_ENOMEM, "out of memory");
    }
    while (sqlite3_step(q) == SQLITE_ROW && st->n_bundles < 100) {
        sy_bundle_row *b = &st->bundles[st->n_bundles++];
        b->id = sqlite3_column_int64(q, 0);
        b->first_seq = sqlite3_column_int64(q, 1);
        b->last_seq = sqlite3_column_int64(q, 2);
        b->bytes = sqlite3_column_int64(q, 3);
        b->updated_ms = sqlite3_column_int64(q, 4);
        b->attempts = sqlite3_column_int(q, 5);
        snprintf(b->state, sizeof b->state, "%s", (const char *)sqlite3_column_text(q, 6));
        snprintf(b->reason, sizeof b->reason, "%s", (const char *)sqlite3_column_text(q, 7));
    }
    sqlite3_finalize(q);
    return SY_OK;
}

void sy_client_status_clear(sy_client_status *st)
{
    if (!st)
        return;
    free(st->bundles);
    st->bundles = NULL;
    st->n_bundles = 0;
}

/* ---- USB ----------------------------------------------------------------------------------- */

/* Write all of buf to fd. SY_OK, or SY_EIO with the reason. */
static int write_all(sy_client *c, int fd, const char *tmp, const uint8_t *p, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return cfail(c, SY_EIO, "%s: %s", tmp, strerror(w < 0 ? errno : ENOSPC));
        off += (size_t)w;
    }
    return SY_OK;
}

/* The files kept with units that the office has not confirmed holding, each once. Caller frees
 * with sv_attachments_free (n counts them all; the ones to send have at_office 0). */
/* again_from > 0: the files of entries from that seq on go again, whatever the office
 * confirmed (a stick for an office restored from an older backup: bundle --from). */
static int files_to_send(sy_client *c, sv_attachment **a, size_t *n, int *pending,
                         int64_t again_from)
{
    *pending = 0;
    if (sv_state_attachments(c->j, NULL, a, n) != SV_OK)
        return cfail(c, SY_EIO, "%s", sv_journal_errmsg(c->j));
    for (size_t i = 0; again_from > 0 && i < *n; i++)
        if ((*a)[i].seq >= again_from)
            (*a)[i].at_office = 0;
    for (size_t i = 0; i < *n; i++) {
        for (size_t k = 0; k < i && !(*a)[i].at_office; k++)
            if (strcmp((*a)[k].sha256, (*a)[i].sha256) == 0 && (!again_from || !(*a)[k].at_office))
                (*a)[i].at_office = 1; /* the same file under another entry: once */
        *pending += !(*a)[i].at_office;
    }
    return SY_OK;
}

int sy_client_write_bundles(sy_client *c, const char *path, int64_t *entries, int *bundles,
                            int *files)
{
    return sy_client_write_bundles_from(c, path, 0, entries, bundles, files);
}

int sy_client_write_bundles_from(sy_client *c, const char *path, int64_t from_seq, int64_t *entries,
                                 int *bundles, int *files)
{
    if (entries)
        *entries = 0;
    if (bundles)
        *bundles = 0;
    if (files)
        *files = 0;
    if (!c->enrolled)
        return cfail(c, SY_ENOTENROLLED,
                     "%s is not enrolled with an office: a bundle is sealed to the office's key "
                     "(quejie enroll)",
                     sv_journal_path(c->j));
    int64_t acked = state_int(c, "acked_seq"), last = sv_journal_last_seq(c->j);
    if (acked < 0 || acked > last)
        acked = 0; /* out of range (an older build stored the office's answer as is): all */
    if (from_seq > last)
        return cfail(c, SY_EINVAL, "--from %lld: the journal's last entry is %lld",
                     (long long)from_seq, (long long)last);
    if (from_seq > 0)
        acked = from_seq - 1; /* what the office asked for again (a gap after a restore) */
    sv_attachment *att = NULL;
    size_t n_att = 0;
    int pending = 0;
    if (files_to_send(c, &att, &n_att, &pending, from_seq) != SY_OK)
        return SY_EIO;
    if (acked >= last && !pending) {
        sv_attachments_free(att, n_att);
        return cfail(c, SY_EINVAL,
                     "nothing to write: the office holds every entry (%lld) and every file",
                     (long long)last);
    }
    if (sv_journal_owns_file(c->j, path)) {
        sv_attachments_free(att, n_att);
        return cfail(c, SY_EINVAL,
                     "%s: that is the journal itself or its key; choose another "
                     "output file",
                     path);
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        sv_attachments_free(att, n_att);
        return cfail(c, SY_ENOMEM, "out of memory");
    }
    int fd = sv_file_tmp_beside(path, tmp, plen + 16); /* survey/fileio.h */
    if (fd < 0) {
        int rc = cfail(c, SY_EIO, "%s: cannot create a file beside it: %s", path, strerror(errno));
        free(tmp);
        sv_attachments_free(att, n_att);
        return rc;
    }
    /* the rows of sync-status are written once the file is in place: a bundle that never
     * reached the stick was not "written" */
    struct span {
        int64_t first, last, bytes;
    } *spans = NULL;
    size_t n_spans = 0, cap = 0;
    int rc = SY_OK, n = 0;
    int64_t from = acked + 1;
    while (rc == SY_OK && from <= last) {
        sy_buf b;
        sy_bundle_info info;
        char err[256];
        rc = sy_bundle_build(c->j, &c->office, from, 0, &b, &info, err, sizeof err);
        if (rc != SY_OK) {
            cfail(c, rc, "cannot build a bundle from entry %lld: %s", (long long)from, err);
            break;
        }
        rc = write_all(c, fd, tmp, b.data, b.len);
        if (rc == SY_OK && n_spans == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            struct span *ns = realloc(spans, ncap * sizeof *ns);
            if (!ns)
                rc = cfail(c, SY_ENOMEM, "out of memory");
            else {
                spans = ns;
                cap = ncap;
            }
        }
        if (rc == SY_OK)
            spans[n_spans++] = (struct span){info.first_seq, info.last_seq, (int64_t)b.len};
        sy_buf_free(&b);
        from = info.last_seq + 1;
        n++;
    }
    /* The files after the bundles: the office holds the entries naming them before it reads
     * them (docs/bundle.md, "File records"). */
    int nf = 0;
    for (size_t i = 0; rc == SY_OK && i < n_att; i++) {
        if (att[i].at_office)
            continue;
        void *data = NULL;
        size_t dlen = 0;
        sy_buf b = {0};
        char err[256];
        if (sv_journal_file(c->j, att[i].sha256, &data, &dlen, NULL) != SV_OK)
            rc = cfail(c, SY_EIO, "%s", sv_journal_errmsg(c->j));
        else if ((rc = sy_file_record_build(c->j, &c->office, att[i].sha256, data, dlen, &b, err,
                                            sizeof err)) != SY_OK)
            cfail(c, rc, "cannot seal file %s: %s", att[i].name, err);
        else
            rc = write_all(c, fd, tmp, b.data, b.len);
        free(data);
        sy_buf_free(&b);
        nf += rc == SY_OK;
    }
    sv_attachments_free(att, n_att);
    if (close(fd) != 0 && rc == SY_OK)
        rc = cfail(c, SY_EIO, "%s: %s", tmp, strerror(errno));
    /* synced, renamed into place, the stick's directory synced: pulled out early, the stick
     * holds the old file or the whole new one */
    if (rc == SY_OK && sv_file_commit(tmp, path) != 0)
        rc = cfail(c, SY_EIO, "%s: %s", path, strerror(errno));
    if (rc != SY_OK)
        unlink(tmp);
    free(tmp);
    for (size_t i = 0; rc == SY_OK && i < n_spans; i++)
        bundle_row(c, spans[i].first, spans[i].last, spans[i].bytes, "written", path, 0);
    free(spans);
    if (rc == SY_OK) {
        if (entries)
            *entries = last > acked ? last - acked : 0;
        if (bundles)
            *bundles = n;
        if (files)
            *files = nf;
    }
    return rc;
}

/* ---- the office status of units ----------------------------------------------------------- */

int sy_unit_office_read(sv_journal *j, sy_unit_office **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3 *db = NULL;
    int rc = SY_OK;
    if (sqlite3_open_v2(sv_journal_path(j), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        sqlite3_close_v2(db);
        return SY_EIO;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *st = NULL;
    /* No table: never synced with an office of this build; nothing to say. */
    if (sqlite3_prepare_v2(db,
                           has_settled(db) ? "SELECT code, status, note, returned_seq, settled"
                                             " FROM sync_unit_office ORDER BY code"
                                           : "SELECT code, status, note, returned_seq, NULL"
                                             " FROM sync_unit_office ORDER BY code",
                           -1, &st, NULL) == SQLITE_OK) {
        size_t cap = 0;
        int src;
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            if (*n == cap) {
                size_t nc = cap ? 2 * cap : 16;
                sy_unit_office *nv = realloc(*out, nc * sizeof *nv);
                if (!nv) {
                    rc = SY_ENOMEM;
                    break;
                }
                *out = nv, cap = nc;
            }
            sy_unit_office *u = &(*out)[(*n)++];
            const unsigned char *note = sqlite3_column_text(st, 2);
            snprintf(u->code, sizeof u->code, "%s", (const char *)sqlite3_column_text(st, 0));
            snprintf(u->status, sizeof u->status, "%s", (const char *)sqlite3_column_text(st, 1));
            snprintf(u->note, sizeof u->note, "%s", note ? (const char *)note : "");
            u->has_note = note != NULL;
            u->returned_seq = sqlite3_column_int64(st, 3);
            u->n_settled = 0;
            const char *sdt = (const char *)sqlite3_column_text(st, 4);
            json_t *sd = sdt ? json_loads(sdt, 0, NULL) : NULL, *v;
            size_t k;
            json_array_foreach(sd, k, v)
            {
                if (json_is_integer(v) && u->n_settled < SY_UNIT_SETTLED_MAX)
                    u->settled[u->n_settled++] = json_integer_value(v);
            }
            json_decref(sd);
        }
        if (rc == SY_OK && src != SQLITE_DONE)
            rc = SY_EIO;
    }
    sqlite3_finalize(st);
    sqlite3_close_v2(db);
    if (rc != SY_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void sy_unit_office_take(sv_journal *j, const sy_unit_office *of, sv_unit_summary *s)
{
    if (of && of->n_settled)
        sv_unit_settled_at_office(s, sv_unit_settled_count(j, s->code, of->settled, of->n_settled));
}

const sy_unit_office *sy_unit_office_find(const sy_unit_office *v, size_t n, const char *code)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(v[i].code, code) == 0)
            return &v[i];
    return NULL;
}
