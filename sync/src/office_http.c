/*
 * office_http.c - the county office's HTTP(S) server on libmicrohttpd: the endpoints of
 * docs/sync-protocol.md mapped onto office.c's calls.
 *
 * This is the only file that includes microhttpd.h. It must never act on a request before it
 * has been authenticated (enrollment aside, whose token is the authentication), never read a
 * body past SY_OFFICE_MAX_BODY (a one-entry bundle of an enrolled device excepted, up to
 * SY_BUNDLE_MAX_ONE_BYTES and announced by Content-Length), never let one request hold a
 * connection past its deadline (30 s, and 1 s more per 64 KiB announced),
 * and never let a malformed request take the server down: every failure becomes a status
 * code with {"error": ...} and a log line. All office calls run under one lock (ingest of a
 * device must be serialised anyway, and the office handle is single-threaded); requests are
 * served on a thread per connection, so a slow client only ever holds its own thread.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "office_console.h"
#include "office_jobs.h"
#include "survey/clock.h"
#include "survey/export.h"
#include "survey/model.h"
#include "sync/imagery.h"
#include "sync/office.h"
#include "sync/office_staff.h"

/* Connections at once, and from one address: a client holding connections open with headers
 * trickled in (slowloris) takes at most PER_ADDRESS_LIMIT of them, the rest stay for the
 * county's tablets and staff. A county's tablets behind one NAT or VPN address still fit. */
#define CONNECTION_LIMIT 512
#define PER_ADDRESS_LIMIT 128
/* what is set aside for a body when it is announced; it grows as the bytes arrive, so an
 * announced 9 MiB that never comes costs nothing */
#define BODY_FIRST_ALLOC (256 * 1024)
/* all request bodies held in memory at once (uploads to disk aside) */
#define BODY_BUDGET ((size_t)512 * 1024 * 1024)
#define CONNECTION_TIMEOUT_S 30
#define REQUEST_DEADLINE_MS (30 * 1000)
#define PEM_MAX (1024 * 1024)
#define READERS 4                                 /* read-only connections for the console */
#define CONSOLE_MAX_BODY (64u * 1024u)            /* a console or API request body */
#define TASKS_MAX_BODY (32u * 1024u * 1024u)      /* POST /api/v1/tasks: a package */
#define ATTACH_MAX_BODY SV_ATTACH_MAX_BYTES       /* POST /api/v1/units/CODE/attachments */
#define IMAGERY_MAX_BODY (512ull * 1024u * 1024u) /* POST /api/v1/imagery, spooled */
#define KEPT_DRIFT_MS 1000 /* a kept listing may lag this far behind what tablets send */
/* An announced body over its bound, from a client that does not wait for "100 Continue", is
 * read and dropped up to this size so that the client reads the 413 (a refusal sent while its
 * body is still arriving is lost when the connection closes under it); a larger one is
 * refused at once. */
#define OVERSIZE_DRAIN_MAX (16u * 1024u * 1024u)

/* The listings of every unit, kept between requests (docs/office.md, "Kept listings"): built
 * on a reader when what they depend on changed (sy_office_units_stamp); while tablets sync, at
 * most once a second. */
enum kept_slot { KEPT_UNITS, KEPT_GEOJSON, KEPT_TABLE_ZH, KEPT_TABLE_EN, KEPT_COUNT };

typedef struct kept {
    pthread_mutex_t lock;
    pthread_cond_t built_cond; /* signalled when a build ends */
    int building;              /* a build is running (outside the lock, on its reader) */
    char *text;                /* NULL until first built */
    size_t len;
    sy_units_stamp stamp;
    int64_t built; /* monotonic ms */
} kept;

struct sy_server {
    struct MHD_Daemon *d;
    sy_office *o;
    pthread_mutex_t lock;
    pthread_mutex_t pw_lock;    /* one Argon2id verification at a time (its memory) */
    size_t body_bytes;          /* request bodies held in memory now (BODY_BUDGET) */
    char *cert, *key;           /* PEM text; MHD reads it while the daemon runs */
    char *assets;               /* the console's static files, or NULL */
    char name[SY_NAME_MAX];     /* the office's name */
    sy_office *reader[READERS]; /* read-only handles for pages and API reads (may be NULL) */
    pthread_mutex_t reader_lock[READERS];
    int64_t idle_s; /* a session's idle timeout */
    FILE *log;
    /* imagery uploads: tiled one at a time on a handle of their own, so that GDAL's work never
     * holds the office's lock (lock order: imagery_lock before lock) */
    pthread_mutex_t imagery_lock;
    sy_office *imagery_o;
    sy__jobs *jobs;        /* uploads tiled in the background (?async=1) */
    kept kept[KEPT_COUNT]; /* lock order: reader or writer lock, then a kept lock */
};

/* One request's state across the access handler's calls. */
typedef struct req {
    uint8_t *body;
    size_t len, cap;
    size_t max;       /* the body bound of this request */
    int64_t started;  /* monotonic ms */
    int64_t deadline; /* ms after started */
    FILE *spool;      /* an upload streamed to a file (POST /api/v1/imagery), or NULL */
    char *spool_path;
    int gated;             /* an upload route whose staff checks passed before its body */
    int discard;           /* an upload refused on its headers: its body is read and dropped */
    const char *too_large; /* an oversized body being read and dropped: the 413's message */
    const char *bad_query; /* a bad query argument, its body being read and dropped: the 400's */
} req;

/* The budget of body bytes held in memory (BODY_BUDGET): 1 when n more fit, and taken. */
static int body_budget_take(sy_server *s, size_t n)
{
    size_t held = __atomic_load_n(&s->body_bytes, __ATOMIC_RELAXED);
    do {
        if (n > BODY_BUDGET - held)
            return 0;
    } while (!__atomic_compare_exchange_n(&s->body_bytes, &held, held + n, 1, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    return 1;
}

static void body_budget_give(sy_server *s, size_t n)
{
    __atomic_fetch_sub(&s->body_bytes, n, __ATOMIC_RELAXED);
}

static void logline(sy_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logline(sy_server *s, const char *fmt, ...)
{
    if (!s->log)
        return;
    char t[32], line[1024];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    sv_log_line_clean(line); /* a %0A in a URL forges no line of its own */
    fprintf(s->log, "%s %s\n", t, line);
    fflush(s->log);
}

/* MHD's own messages (TLS handshakes failing, sockets closing) as log lines. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    sy_server *s = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    logline(s, "http: %s", msg);
}

static void peer(struct MHD_Connection *c, char *buf, size_t len)
{
    snprintf(buf, len, "?");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
                  (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
                  (socklen_t)len);
}

/* ---- responses ---------------------------------------------------------------------------------
 */

/* Every response carries these: the console's pages and API are served from this origin only,
 * with no inline script, never framed, never sniffed, never cached (static files aside). */
static const char CSP[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
                          "base-uri 'none'";

/* Queue a response with extra headers (name, value pairs, NULL-terminated; may be NULL). */
static enum MHD_Result reply_h(struct MHD_Connection *c, unsigned status, const char *ctype,
                               const void *body, size_t len, const char *const *hdrs)
{
    struct MHD_Response *rs =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!rs)
        return MHD_NO;
    if (ctype) /* none for a 204 */
        MHD_add_response_header(rs, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(rs, "Content-Security-Policy", CSP);
    MHD_add_response_header(rs, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(rs, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(rs, "X-Frame-Options", "DENY");
    int cache = 0;
    for (size_t i = 0; hdrs && hdrs[i]; i += 2) {
        MHD_add_response_header(rs, hdrs[i], hdrs[i + 1]);
        cache |= strcmp(hdrs[i], "Cache-Control") == 0;
    }
    if (!cache)
        MHD_add_response_header(rs, "Cache-Control", "no-store");
    enum MHD_Result r = MHD_queue_response(c, status, rs);
    MHD_destroy_response(rs);
    return r;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *ctype,
                             const void *body, size_t len, const char *hname, const char *hval)
{
    const char *h[] = {hname, hval, NULL};
    return reply_h(c, status, ctype, body, len, hname ? h : NULL);
}

/* Reply with a JSON value (consumed) and extra headers. */
static enum MHD_Result reply_json_h(struct MHD_Connection *c, unsigned status, json_t *v,
                                    const char *const *hdrs)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(v);
    if (!text)
        return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "application/json",
                     "{\"error\":\"out of memory\"}", 25, NULL, NULL);
    enum MHD_Result r = reply_h(c, status, "application/json", text, strlen(text), hdrs);
    free(text);
    return r;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, json_t *v)
{
    return reply_json_h(c, status, v, NULL);
}

/* The stable code of an error answer, beside its English text: {"error", "code"}. The console
 * shows each code in its own language (assets/office/errors.js) and the English text as the
 * detail; scripts may test the code instead of the words. A code is never renamed (new ones may
 * be added); an answer without a code of its own has its status's. */
static const struct {
    unsigned status;
    const char *code;
} STATUS_CODES[] = {
    {MHD_HTTP_BAD_REQUEST, "bad_request"},
    {MHD_HTTP_UNAUTHORIZED, "no_session"},
    {MHD_HTTP_FORBIDDEN, "forbidden"},
    {MHD_HTTP_NOT_FOUND, "not_found"},
    {MHD_HTTP_METHOD_NOT_ALLOWED, "method"},
    {MHD_HTTP_CONFLICT, "conflict"},
    {MHD_HTTP_CONTENT_TOO_LARGE, "too_large"},
    {MHD_HTTP_UNPROCESSABLE_CONTENT, "refused"},
    {MHD_HTTP_TOO_MANY_REQUESTS, "throttled"},
    {MHD_HTTP_INTERNAL_SERVER_ERROR, "internal"},
    {MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable"},
};

static const char *status_code(unsigned status)
{
    for (size_t i = 0; i < sizeof STATUS_CODES / sizeof STATUS_CODES[0]; i++)
        if (STATUS_CODES[i].status == status)
            return STATUS_CODES[i].code;
    return status >= 500 ? "internal" : "bad_request";
}

/* An error answer: {"error": MSG, "code": CODE (NULL: the status's)}. A message holding bytes
 * that are no UTF-8 (an echo of a hostile name) still answers with its status: those bytes
 * become '?' (JSON carries only UTF-8). A fault of the office itself (500) can name its files
 * and database (a replica's path, SQLite's words): the detail goes to the office log under an
 * incident number, and the client is told only that number, which the county's IT finds in the
 * log. */
static enum MHD_Result reply_error_c(sy_server *s, struct MHD_Connection *c, unsigned status,
                                     const char *code, const char *msg)
{
    if (!code)
        code = status_code(status);
    if (status == MHD_HTTP_INTERNAL_SERVER_ERROR) {
        long long incident = (long long)sv_wall_ms();
        logline(s, "incident %lld: %s", incident, msg);
        char told[160];
        snprintf(told, sizeof told,
                 "the office could not complete the request: incident %lld in the office log",
                 incident);
        return reply_json(c, status,
                          json_pack("{s:s, s:s, s:I}", "error", told, "code", "internal",
                                    "incident", (json_int_t)incident));
    }
    if (sv_utf8_valid(msg, strlen(msg)))
        return reply_json(c, status, json_pack("{s:s, s:s}", "error", msg, "code", code));
    char clean[1024];
    snprintf(clean, sizeof clean, "%s", msg);
    sv_utf8_repair(clean);
    return reply_json(c, status, json_pack("{s:s, s:s}", "error", clean, "code", code));
}

static enum MHD_Result reply_error(sy_server *s, struct MHD_Connection *c, unsigned status,
                                   const char *msg)
{
    return reply_error_c(s, c, status, NULL, msg);
}

/* A listing's JSON text (office.h: caller frees) as the reply. */
static enum MHD_Result reply_text_json(struct MHD_Connection *c, char *text)
{
    enum MHD_Result r = reply(c, MHD_HTTP_OK, "application/json", text, strlen(text), NULL, NULL);
    free(text);
    return r;
}

/* The status of an office failure that is not the client's doing, or of an auth failure. */
static unsigned status_of(int rc)
{
    switch (rc) {
    case SY_EAUTH:
        return MHD_HTTP_FORBIDDEN;
    case SY_EFORMAT:
    case SY_EINVAL:
        return MHD_HTTP_BAD_REQUEST;
    case SY_ENOTFOUND:
        return MHD_HTTP_NOT_FOUND;
    case SY_ESTATE:
        return MHD_HTTP_CONFLICT;
    case SY_ENOMEM:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    default:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

/* ---- the request's context and the route table ------------------------------------------------
 */

#define MAX_PARAMS 4
#define PARAM_MAX 256

typedef struct ctx {
    sy_server *s;
    struct MHD_Connection *c;
    const char *url, *method;
    const req *r;
    char ip[64];
    char param[MAX_PARAMS][PARAM_MAX]; /* the path's '*' segments, in order */
    sy_session sess;                   /* the staff session (AUTH_STAFF routes) */
    char token[SY_SECRET_CHARS + 1];   /* its cookie's token */
    sy__lang lang;
} ctx;

typedef enum MHD_Result (*handler)(ctx *x);

enum auth {
    AUTH_NONE,   /* the login page and form, static files, enrollment (its token authenticates) */
    AUTH_DEVICE, /* a tablet's signed request (docs/sync-protocol.md) */
    AUTH_STAFF   /* a console session of at least the route's role */
};

typedef struct route {
    const char *method;
    const char *pattern; /* segments; '*' matches one segment (captured into ctx.param) */
    handler fn;
    enum auth auth;
    sy_role role; /* AUTH_STAFF: the least role */
    int changes;  /* changes state: needs the session's CSRF token */
    int page;     /* a page: without a session, 303 to /login instead of 401 */
} route;

/* ---- device endpoints (docs/sync-protocol.md) -------------------------------------------------
 */

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static enum MHD_Result do_enroll(sy_server *s, struct MHD_Connection *c, const req *r,
                                 const char *ip)
{
    json_error_t je;
    json_t *in = json_loadb((const char *)r->body, r->len, 0, &je);
    if (!json_is_object(in)) {
        json_decref(in);
        logline(s, "enroll refused from %s: the body is not a JSON object", ip);
        return reply_error(s, c, MHD_HTTP_BAD_REQUEST, "the body must be a JSON object");
    }
    char *out = NULL;
    pthread_mutex_lock(&s->lock);
    int rc = sy_office_enroll(s->o, jstr(in, "token"), jstr(in, "device_id"),
                              jstr(in, "public_key"), &out);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", sy_office_errmsg(s->o));
    pthread_mutex_unlock(&s->lock);
    json_decref(in);
    if (rc == SY_OK) {
        enum MHD_Result res =
            reply(c, MHD_HTTP_OK, "application/json", out, strlen(out), NULL, NULL);
        free(out);
        return res;
    }
    logline(s, "enroll refused from %s: %s", ip, msg);
    return reply_error(s, c, rc == SY_EREFUSED ? MHD_HTTP_CONFLICT : status_of(rc), msg);
}

static enum MHD_Result do_bundle(sy_server *s, struct MHD_Connection *c, const req *r,
                                 const sy_device *dev)
{
    sy_ingest_result res;
    pthread_mutex_lock(&s->lock);
    int rc = sy_office_ingest(s->o, r->body, r->len, dev->device_id, "http", &res);
    pthread_mutex_unlock(&s->lock);
    const char *status = sy_ingest_status_name(res.status);
    if (rc == SY_OK && res.status == SY_INGEST_GAP)
        return reply_json(c, MHD_HTTP_CONFLICT,
                          json_pack("{s:s, s:I, s:s, s:s}", "status", status, "acked_seq",
                                    (json_int_t)res.acked_seq, "error", res.message, "code",
                                    "gap"));
    if (rc == SY_OK)
        return reply_json(c, MHD_HTTP_OK,
                          json_pack("{s:s, s:I, s:I, s:I}", "status", status, "acked_seq",
                                    (json_int_t)res.acked_seq, "applied", (json_int_t)res.applied,
                                    "review_cases", (json_int_t)res.new_cases));
    switch (rc) {
    case SY_EFORMAT:
    case SY_EVERSION:
    case SY_ESIG:
    case SY_ECHAIN:
    case SY_EOFFICE:
    case SY_EFORK:
        return reply_json(c, MHD_HTTP_UNPROCESSABLE_CONTENT,
                          json_pack("{s:s, s:s, s:s}", "status", "refused", "error", res.message,
                                    "code", "refused"));
    default:
        return reply_error(s, c, status_of(rc), res.message[0] ? res.message : sy_strerror(rc));
    }
}

static enum MHD_Result do_tasks(sy_server *s, struct MHD_Connection *c, const sy_device *dev)
{
    char *body = NULL, sig[129];
    size_t len = 0;
    pthread_mutex_lock(&s->lock);
    int rc = sy_office_tasks_for(s->o, dev, &body, &len, sig);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", sy_office_errmsg(s->o));
    pthread_mutex_unlock(&s->lock);
    if (rc != SY_OK)
        return reply_error(s, c, status_of(rc), msg);
    enum MHD_Result res =
        reply(c, MHD_HTTP_OK, "application/geo+json", body, len, "X-Quejie-Tasks-Signature", sig);
    free(body);
    logline(s, "tasks sent to %s (%zu bytes)", dev->name, len);
    return res;
}

static enum MHD_Result h_enroll(ctx *x)
{
    return do_enroll(x->s, x->c, x->r, x->ip);
}

/* Authenticate a tablet's request by its headers; on success dev is the device. */
static enum MHD_Result device_auth(ctx *x, sy_device *dev, int *ok)
{
    *ok = 0;
    const char *id = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "X-Quejie-Device");
    const char *t = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "X-Quejie-Time");
    const char *sig = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "X-Quejie-Signature");
    pthread_mutex_lock(&x->s->lock);
    int64_t now = sv_wall_ms();
    int rc = sy_office_authenticate(x->s->o, id, t, sig, x->method, x->url, x->r->body, x->r->len,
                                    now, dev);
    if (rc == SY_OK)
        sy_office_device_seen(x->s->o, dev->device_id, x->url, now);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", sy_office_errmsg(x->s->o));
    pthread_mutex_unlock(&x->s->lock);
    if (rc == SY_EAUTH) {
        logline(x->s, "refused %s %s from %s: %s", x->method, x->url, x->ip, msg);
        return reply_error(x->s, x->c, MHD_HTTP_FORBIDDEN, msg);
    }
    if (rc != SY_OK)
        return reply_error(x->s, x->c, status_of(rc), msg);
    *ok = 1;
    return MHD_YES;
}

static enum MHD_Result h_cursor(ctx *x)
{
    sy_device dev;
    int ok;
    enum MHD_Result res = device_auth(x, &dev, &ok);
    if (!ok)
        return res;
    int64_t acked = 0, files = 0;
    uint8_t acked_hash[SV_HASH_BYTES];
    pthread_mutex_lock(&x->s->lock);
    int rc = sy_office_cursor(x->s->o, dev.device_id, &acked, acked_hash);
    if (rc == SY_OK)
        rc = sy_office_files_held(x->s->o, dev.device_id, &files);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", sy_office_errmsg(x->s->o));
    pthread_mutex_unlock(&x->s->lock);
    if (rc != SY_OK)
        return reply_error(x->s, x->c, status_of(rc), msg);
    char hex[2 * SV_HASH_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, acked_hash, sizeof acked_hash);
    return reply_json(x->c, MHD_HTTP_OK,
                      json_pack("{s:I, s:s, s:I}", "acked_seq", (json_int_t)acked, "acked_hash",
                                hex, "files", (json_int_t)files));
}

static enum MHD_Result h_tasks(ctx *x)
{
    sy_device dev;
    int ok;
    enum MHD_Result res = device_auth(x, &dev, &ok);
    return ok ? do_tasks(x->s, x->c, &dev) : res;
}

/* The signed manifest list of the device's imagery, or one of its skeletons and packs
 * (sync/imagery.h). */
static enum MHD_Result do_imagery(ctx *x, const sy_device *dev, const char *piece)
{
    uint8_t *data = NULL;
    char *body = NULL, sig[129] = "", msg[512];
    size_t len = 0;
    pthread_mutex_lock(&x->s->lock);
    int rc = piece ? sy_office_imagery_chunk(x->s->o, dev, piece, &data, &len)
                   : sy_office_imagery_for(x->s->o, dev, &body, &len, sig);
    snprintf(msg, sizeof msg, "%s", sy_office_errmsg(x->s->o));
    pthread_mutex_unlock(&x->s->lock);
    if (rc == SY_EREFUSED)
        return reply_error(x->s, x->c, MHD_HTTP_NOT_FOUND, msg);
    if (rc != SY_OK) {
        if (piece)
            logline(x->s, "imagery chunk for %s not served: %s", dev->name, msg);
        return reply_error(x->s, x->c, status_of(rc), msg);
    }
    enum MHD_Result res =
        piece ? reply(x->c, MHD_HTTP_OK, "application/octet-stream", data, len, NULL, NULL)
              : reply(x->c, MHD_HTTP_OK, "application/json", body, len,
                      "X-Quejie-Imagery-Signature", sig);
    free(body);
    free(data);
    return res;
}

static enum MHD_Result h_imagery(ctx *x)
{
    sy_device dev;
    int ok;
    enum MHD_Result res = device_auth(x, &dev, &ok);
    return ok ? do_imagery(x, &dev, NULL) : res;
}

static enum MHD_Result h_imagery_chunk(ctx *x)
{
    sy_device dev;
    int ok;
    enum MHD_Result res = device_auth(x, &dev, &ok);
    return ok ? do_imagery(x, &dev, x->param[0]) : res;
}

/* A crew's file: how much of it the office holds, or one more piece of it (office_files.c). */
static enum MHD_Result do_file(ctx *x, const sy_device *dev, const char *offset)
{
    sy_file_status fs;
    char msg[512];
    int64_t off = 0;
    if (offset) {
        char *end;
        errno = 0;
        long long v = strtoll(offset, &end, 10);
        if (errno || *end || end == offset || v < 0 || offset[0] == '+' || offset[0] == '-')
            return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                               "the piece's offset is a decimal number of bytes");
        off = v;
    }
    pthread_mutex_lock(&x->s->lock);
    int rc = offset ? sy_office_file_piece(x->s->o, dev->device_id, x->param[0], off,
                                           (const uint8_t *)x->r->body, x->r->len, &fs)
                    : sy_office_file_status(x->s->o, dev->device_id, x->param[0], &fs);
    snprintf(msg, sizeof msg, "%s", sy_office_errmsg(x->s->o));
    pthread_mutex_unlock(&x->s->lock);
    json_t *a =
        json_pack("{s:s, s:I, s:I, s:b}", "sha256", x->param[0], "bytes", (json_int_t)fs.bytes,
                  "have", (json_int_t)fs.have, "complete", fs.complete);
    if (rc == SY_OK)
        return reply_json(x->c, MHD_HTTP_OK, a);
    if (rc == SY_EGAP || rc == SY_EREFUSED) {
        json_object_set_new(a, "error", json_string(msg));
        if (rc == SY_EREFUSED)
            logline(x->s, "file from %s refused: %s", dev->name, msg);
        return reply_json(x->c, rc == SY_EGAP ? MHD_HTTP_CONFLICT : MHD_HTTP_UNPROCESSABLE_CONTENT,
                          a);
    }
    json_decref(a);
    return reply_error(x->s, x->c, status_of(rc), msg);
}

static enum MHD_Result h_file(ctx *x)
{
    sy_device dev;
    int ok;
    enum MHD_Result res = device_auth(x, &dev, &ok);
    return ok ? do_file(x, &dev, NULL) : res;
}

static enum MHD_Result h_file_piece(ctx *x)
{
    sy_device dev;
    int ok;
    enum MHD_Result res = device_auth(x, &dev, &ok);
    return ok ? do_file(x, &dev, x->param[1]) : res;
}

static enum MHD_Result h_bundles(ctx *x)
{
    sy_device dev;
    int ok;
    enum MHD_Result res = device_auth(x, &dev, &ok);
    return ok ? do_bundle(x->s, x->c, x->r, &dev) : res;
}

/* ---- staff: login, sessions ------------------------------------------------------------------
 */

#define COOKIE "qj_session"

/* Log in user with password from x->ip. On success token and csrf hold the new session's
 * secrets and *role the user's role; else the HTTP status to answer (401, 429, 5xx) and
 * *retry_after the seconds of a throttle. */
static unsigned login(ctx *x, const char *user, const char *password,
                      char token[SY_SECRET_CHARS + 1], char csrf[SY_SECRET_CHARS + 1],
                      sy_role *role, int *must_change, int64_t *retry_after)
{
    sy_login l;
    *must_change = 0;
    *retry_after = 0;
    /* One login at a time, from the throttle's check to the recording of its outcome: 30
     * guesses sent at once would otherwise all pass the check before the first failure is
     * counted. Argon2id runs under pw_lock anyway (its memory), outside the office's lock (an
     * ingest need not wait). */
    pthread_mutex_lock(&x->s->pw_lock);
    pthread_mutex_lock(&x->s->lock);
    int rc = sy_office_login_begin(x->s->o, user, x->ip, sv_wall_ms(), &l);
    pthread_mutex_unlock(&x->s->lock);
    if (rc != SY_OK)
        pthread_mutex_unlock(&x->s->pw_lock);
    if (rc == SY_EREFUSED) {
        *retry_after = l.retry_after_s;
        logline(x->s, "login of '%s' from %s throttled (%lld s left)", l.user, x->ip,
                (long long)l.retry_after_s);
        return MHD_HTTP_TOO_MANY_REQUESTS;
    }
    if (rc != SY_OK)
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    int rehash = 0;
    char fresh[SY_PWHASH_MAX];
    rc = sy_password_verify(l.hash, password, &rehash);
    if (rc == SY_OK && rehash && sy_password_hash(password, fresh) != SY_OK)
        rehash = 0;
    pthread_mutex_lock(&x->s->lock);
    int64_t now = sv_wall_ms();
    if (rc == SY_OK && l.role != SY_ROLE_NONE)
        rc = sy_office_login_ok(x->s->o, &l, x->ip, now, rehash ? fresh : NULL, token, csrf);
    else {
        sy_office_login_failed(x->s->o, &l, x->ip, now);
        rc = SY_EAUTH;
    }
    pthread_mutex_unlock(&x->s->lock);
    pthread_mutex_unlock(&x->s->pw_lock);
    sodium_memzero(fresh, sizeof fresh);
    sodium_memzero(l.hash, sizeof l.hash);
    if (rc == SY_EAUTH) {
        logline(x->s, "login of '%s' from %s refused", l.user, x->ip);
        return MHD_HTTP_UNAUTHORIZED;
    }
    if (rc != SY_OK)
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    *role = l.role;
    *must_change = l.must_change;
    logline(x->s, "login of '%s' (%s) from %s", l.user, sy_role_name(l.role), x->ip);
    return MHD_HTTP_OK;
}

static void cookie_set(char *buf, size_t len, const char *token)
{
    snprintf(buf, len, COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict", token);
}

static const char COOKIE_CLEAR[] = COOKIE "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict";

static json_t *body_json(const ctx *x)
{
    if (!x->r->len)
        return NULL;
    json_t *v = json_loadb((const char *)x->r->body, x->r->len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

static int foreign_origin(struct MHD_Connection *c);

/* A login must come from the office's own pages or from a script, never from another site's
 * form (which would log the victim's browser into the sender's account, or lock an account by
 * wrong guesses): a browser names a foreign origin, and a cross-site form cannot send JSON. */
static int login_from_elsewhere(const ctx *x, int json)
{
    if (foreign_origin(x->c))
        return 1;
    if (!json)
        return 0;
    const char *type =
        MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t n = strlen("application/json");
    return !type || strncasecmp(type, "application/json", n) != 0 ||
           (type[n] != '\0' && type[n] != ';' && type[n] != ' ');
}

static enum MHD_Result h_api_login(ctx *x)
{
    if (login_from_elsewhere(x, 1)) {
        logline(x->s, "login refused from %s: another site's request or not JSON", x->ip);
        return reply_error_c(x->s, x->c, MHD_HTTP_FORBIDDEN, "login_origin",
                             "a login is a JSON body (Content-Type: application/json) sent from "
                             "the office's own pages or a script");
    }
    json_t *in = body_json(x);
    const char *user = jstr(in, "user"), *pw = jstr(in, "password");
    if (!user || !pw) {
        json_decref(in);
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "the body must be a JSON object with \"user\" and \"password\"");
    }
    char token[SY_SECRET_CHARS + 1], csrf[SY_SECRET_CHARS + 1], retry[32];
    sy_role role = SY_ROLE_NONE;
    int64_t after;
    int must = 0;
    unsigned st = login(x, user, pw, token, csrf, &role, &must, &after);
    json_t *out = NULL;
    const char *h[5] = {NULL};
    char cookie[160];
    if (st == MHD_HTTP_OK) {
        cookie_set(cookie, sizeof cookie, token);
        h[0] = "Set-Cookie";
        h[1] = cookie;
        out = json_pack("{s:s, s:s, s:s, s:b}", "user", user, "role", sy_role_name(role), "csrf",
                        csrf, "must_change_password", must);
    } else if (st == MHD_HTTP_TOO_MANY_REQUESTS) {
        snprintf(retry, sizeof retry, "%lld", (long long)after);
        h[0] = "Retry-After";
        h[1] = retry;
        out = json_pack("{s:s, s:s, s:I}", "error", "too many failed logins: try again later",
                        "code", "throttled", "retry_after", (json_int_t)after);
    } else {
        out = json_pack("{s:s, s:s}", "error",
                        st == MHD_HTTP_UNAUTHORIZED ? "wrong user or password" : "login failed",
                        "code", st == MHD_HTTP_UNAUTHORIZED ? "login_failed" : status_code(st));
    }
    json_decref(in);
    sodium_memzero(token, sizeof token);
    return reply_json_h(x->c, st, out, h);
}

/* The value of name in an application/x-www-form-urlencoded body, decoded into out. */
static int form_value(const req *r, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name);
    const char *p = (const char *)r->body, *end = p + r->len;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > nl && memcmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t n = (size_t)(stop - p) - nl - 1;
            if (n >= len)
                return 0;
            memcpy(out, p + nl + 1, n);
            out[n] = '\0';
            for (char *q = out; *q; q++)
                if (*q == '+')
                    *q = ' ';
            MHD_http_unescape(out);
            return 1;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

static const char *lang_query(const ctx *x)
{
    return x->lang == SY_LANG_EN ? "?lang=en" : "";
}

static enum MHD_Result redirect(ctx *x, const char *to, const char *cookie)
{
    char loc[600];
    const char *lq = lang_query(x);
    snprintf(loc, sizeof loc, "%s%s%s", to, *lq && strchr(to, '?') ? "&" : "",
             *lq && strchr(to, '?') ? lq + 1 : lq);
    const char *h[] = {"Location", loc, cookie ? "Set-Cookie" : NULL, cookie, NULL};
    return reply_h(x->c, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "", 0, h);
}

static enum MHD_Result reply_page(ctx *x, unsigned status, char *html)
{
    if (!html)
        return reply_error(x->s, x->c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
    enum MHD_Result r =
        reply(x->c, status, "text/html; charset=utf-8", html, strlen(html), NULL, NULL);
    free(html);
    return r;
}

static const char *query(const ctx *x, const char *key);

/* A page of this console to return to after logging in: a path of our own, never another
 * site ("//host", "/\\host") or anything odd; its bytes percent-encoded as needed. */
static int local_path_ok(const char *s)
{
    if (!s || s[0] != '/' || s[1] == '/' || s[1] == '\\' || strlen(s) > 256)
        return 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              strchr("/-._~%", *c)))
            return 0;
    return 1;
}

/* path percent-encoded into out (unreserved characters and '/' kept); "" when it does not fit */
static void path_encode(const char *path, char *out, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
        int keep = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                   (*c >= '0' && *c <= '9') || strchr("/-._~", *c);
        if (k + (keep ? 1 : 3) + 1 > len) {
            out[0] = '\0';
            return;
        }
        if (keep) {
            out[k++] = (char)*c;
        } else {
            out[k++] = '%';
            out[k++] = hex[*c >> 4];
            out[k++] = hex[*c & 15];
        }
    }
    out[k] = '\0';
}

static enum MHD_Result h_login_page(ctx *x)
{
    const char *next = query(x, "next");
    return reply_page(x, MHD_HTTP_OK,
                      sy__console_login(x->lang, NULL, local_path_ok(next) ? next : NULL));
}

static enum MHD_Result h_form_login(ctx *x)
{
    if (login_from_elsewhere(x, 0)) {
        logline(x->s, "login refused from %s: a form posted from another site", x->ip);
        return reply_page(x, MHD_HTTP_FORBIDDEN, sy__console_login(x->lang, "wrong", NULL));
    }
    char user[SY_NAME_MAX], pw[SY_PASSWORD_MAX + 1], next[300] = "";
    if (!form_value(x->r, "next", next, sizeof next) || !local_path_ok(next))
        next[0] = '\0';
    if (!form_value(x->r, "user", user, sizeof user) ||
        !form_value(x->r, "password", pw, sizeof pw))
        return reply_page(x, MHD_HTTP_BAD_REQUEST, sy__console_login(x->lang, "wrong", next));
    char token[SY_SECRET_CHARS + 1], csrf[SY_SECRET_CHARS + 1];
    sy_role role;
    int64_t after;
    int must = 0;
    unsigned st = login(x, user, pw, token, csrf, &role, &must, &after);
    sodium_memzero(pw, sizeof pw);
    if (st != MHD_HTTP_OK)
        return reply_page(
            x, st == MHD_HTTP_TOO_MANY_REQUESTS ? st : MHD_HTTP_UNAUTHORIZED,
            sy__console_login(x->lang, st == MHD_HTTP_TOO_MANY_REQUESTS ? "throttled" : "wrong",
                              next));
    char cookie[160];
    cookie_set(cookie, sizeof cookie, token);
    sodium_memzero(token, sizeof token);
    return redirect(x, next[0] ? next : "/", cookie);
}

static void end_session(ctx *x, const char *action)
{
    pthread_mutex_lock(&x->s->lock);
    sy_office_session_end(x->s->o, x->token);
    sy_office_audit(x->s->o, x->sess.user, action, NULL, NULL, x->ip);
    pthread_mutex_unlock(&x->s->lock);
}

static enum MHD_Result h_form_logout(ctx *x)
{
    end_session(x, "logout");
    return redirect(x, "/login", COOKIE_CLEAR);
}

static enum MHD_Result h_api_logout(ctx *x)
{
    end_session(x, "logout");
    const char *h[] = {"Set-Cookie", COOKIE_CLEAR, NULL};
    return reply_json_h(x->c, MHD_HTTP_OK, json_pack("{s:b}", "ok", 1), h);
}

static enum MHD_Result h_api_me(ctx *x)
{
    return reply_json(x->c, MHD_HTTP_OK,
                      json_pack("{s:s, s:s, s:s, s:b}", "user", x->sess.user, "role",
                                sy_role_name(x->sess.role), "csrf", x->sess.csrf,
                                "must_change_password", x->sess.must_change));
}

/* ---- staff: reads ------------------------------------------------------------------------------
 */

typedef int (*lister)(sy_office *o, char **out);

/* A free reader handle (locked: give it back with reader_put), or NULL when there is none. */
static int reader_get(sy_server *s)
{
    for (int i = 0; i < READERS; i++)
        if (s->reader[i] && pthread_mutex_trylock(&s->reader_lock[i]) == 0)
            return i;
    if (!s->reader[0])
        return -1;
    pthread_mutex_lock(&s->reader_lock[0]);
    return 0;
}

typedef int (*lister)(sy_office *o, char **out);

/*
 * Run a read on a reader handle, so that it never waits for an ingest; when that fails (a read
 * that had to bring an index up to date first, which only the writer may do) or there is no
 * reader, on the writer under the office's lock. msg receives the error message.
 */
static int read_call(sy_server *s, lister fn, char **text, char msg[512])
{
    int i = reader_get(s), rc = SY_EIO;
    if (i >= 0) {
        rc = fn(s->reader[i], text);
        snprintf(msg, 512, "%s", sy_office_errmsg(s->reader[i]));
        pthread_mutex_unlock(&s->reader_lock[i]);
    }
    if (rc == SY_EIO) {
        pthread_mutex_lock(&s->lock);
        rc = fn(s->o, text);
        snprintf(msg, 512, "%s", sy_office_errmsg(s->o));
        pthread_mutex_unlock(&s->lock);
    }
    return rc;
}

static int units_table(sy_office *o, sy__lang lang, char **out)
{
    char *units = NULL;
    int rc = sy_office_units(o, &units);
    if (rc != SY_OK)
        return rc;
    *out = sy__console_units_table(lang, units);
    free(units);
    return *out ? SY_OK : SY_ENOMEM;
}

static int units_table_zh(sy_office *o, char **out)
{
    return units_table(o, SY_LANG_ZH, out);
}

static int units_table_en(sy_office *o, char **out)
{
    return units_table(o, SY_LANG_EN, out);
}

static const lister KEPT_BUILD[KEPT_COUNT] = {sy_office_units, sy_office_units_geojson,
                                              units_table_zh, units_table_en};

static int stamp_same(const int64_t *a, const int64_t *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

/* A copy of k's text (caller frees) into *text; under k's lock. */
static int kept_copy(const kept *k, char **text)
{
    *text = malloc(k->len + 1);
    if (!*text)
        return SY_ENOMEM;
    memcpy(*text, k->text, k->len + 1);
    return SY_OK;
}

/*
 * One try at the kept text of slot on handle o (a locked reader, or the writer under the
 * office's lock; *release is called to give it back, at the latest before returning). The
 * text is served as kept when the stamp says it is current, or when only what tablets sent
 * changed and it is younger than KEPT_DRIFT_MS or another request is building it again (the
 * old text meanwhile); after a staff change, only a text built since. Returns SY_OK with the
 * copy, KEPT_AGAIN when another build had to be waited for (try again), or an error; msg
 * receives the handle's message.
 */
#define KEPT_AGAIN (-1000)
typedef void (*releaser)(sy_server *s, int held);

/* Give back the handle, keeping its message first. */
static void give_back(sy_server *s, sy_office *o, releaser release, int held, char msg[512])
{
    snprintf(msg, 512, "%s", sy_office_errmsg(o));
    release(s, held);
}

static int kept_try(sy_server *s, sy_office *o, enum kept_slot slot, releaser release, int held,
                    char **text, char msg[512])
{
    sy_units_stamp now;
    int rc = sy_office_units_stamp(o, &now);
    if (rc != SY_OK) {
        give_back(s, o, release, held, msg);
        return rc;
    }
    kept *k = &s->kept[slot];
    pthread_mutex_lock(&k->lock);
    int64_t t = sv_mono_ms();
    int exact = k->text && stamp_same(now.exact, k->stamp.exact, 4);
    int current = exact && stamp_same(now.drift, k->stamp.drift, 2);
    if (current || (exact && (t - k->built < KEPT_DRIFT_MS || k->building))) {
        rc = kept_copy(k, text);
        pthread_mutex_unlock(&k->lock);
        give_back(s, o, release, held, msg);
        return rc;
    }
    if (k->building) { /* a staff change, or nothing kept yet: wait for that build, then see */
        give_back(s, o, release, held, msg);
        pthread_cond_wait(&k->built_cond, &k->lock);
        pthread_mutex_unlock(&k->lock);
        return KEPT_AGAIN;
    }
    k->building = 1;
    pthread_mutex_unlock(&k->lock);
    char *built = NULL;
    rc = KEPT_BUILD[slot](o, &built);
    give_back(s, o, release, held, msg);
    pthread_mutex_lock(&k->lock);
    k->building = 0;
    if (rc == SY_OK) {
        free(k->text);
        k->text = built;
        k->len = strlen(built);
        k->stamp = now;
        k->built = t;
        rc = kept_copy(k, text);
    }
    pthread_cond_broadcast(&k->built_cond);
    pthread_mutex_unlock(&k->lock);
    return rc;
}

static void release_reader(sy_server *s, int i)
{
    pthread_mutex_unlock(&s->reader_lock[i]);
}

static void release_writer(sy_server *s, int i)
{
    (void)i;
    pthread_mutex_unlock(&s->lock);
}

/* read_call for a kept listing. */
static int kept_call(sy_server *s, enum kept_slot slot, char **text, char msg[512])
{
    int rc;
    do {
        int i = reader_get(s);
        rc = SY_EIO;
        if (i >= 0) {
            rc = kept_try(s, s->reader[i], slot, release_reader, i, text, msg);
        }
        if (rc == SY_EIO) {
            pthread_mutex_lock(&s->lock);
            rc = kept_try(s, s->o, slot, release_writer, 0, text, msg);
        }
    } while (rc == KEPT_AGAIN);
    if (rc == SY_ENOMEM)
        snprintf(msg, 512, "out of memory");
    return rc;
}

static enum MHD_Result kept_listing(ctx *x, enum kept_slot slot)
{
    char msg[512], *text = NULL;
    int rc = kept_call(x->s, slot, &text, msg);
    if (rc != SY_OK)
        return reply_error(x->s, x->c, status_of(rc), msg);
    return reply_text_json(x->c, text);
}

/* A listing as the reply (200 with its JSON or an error). */
static enum MHD_Result listing(ctx *x, lister fn, char **text)
{
    char msg[512];
    int rc = read_call(x->s, fn, text, msg);
    if (rc != SY_OK)
        return reply_error(x->s, x->c, status_of(rc), msg);
    return reply_text_json(x->c, *text);
}

static int list_review(sy_office *o, char **out)
{
    return sy_office_review(o, 1, out);
}

static int list_log(sy_office *o, char **out)
{
    return sy_office_log(o, 200, out);
}

static int list_audit(sy_office *o, char **out)
{
    return sy_office_audit_list(o, 500, out);
}

static enum MHD_Result h_api_review(ctx *x)
{
    char *t = NULL;
    return listing(x, list_review, &t);
}

static enum MHD_Result h_api_devices(ctx *x)
{
    char *t = NULL;
    return listing(x, sy_office_devices, &t);
}

static enum MHD_Result h_api_log(ctx *x)
{
    char *t = NULL;
    return listing(x, list_log, &t);
}

static enum MHD_Result h_api_audit(ctx *x)
{
    char *t = NULL;
    return listing(x, list_audit, &t);
}

static enum MHD_Result h_api_users(ctx *x)
{
    char *t = NULL;
    return listing(x, sy_office_users, &t);
}

static enum MHD_Result h_overview(ctx *x)
{
    char *table = NULL, msg[512], name[SY_NAME_MAX];
    int rc = kept_call(x->s, x->lang == SY_LANG_EN ? KEPT_TABLE_EN : KEPT_TABLE_ZH, &table, msg);
    snprintf(name, sizeof name, "%s", x->s->name);
    if (rc != SY_OK)
        return reply_error(x->s, x->c, status_of(rc), msg);
    char *html = sy__console_overview(x->lang, name, x->sess.user, sy_role_name(x->sess.role),
                                      x->sess.csrf, x->sess.must_change, table);
    free(table);
    return reply_page(x, MHD_HTTP_OK, html);
}

/* ---- staff: decisions --------------------------------------------------------------------------
 */

/* A decision's JSON body: an object, or nothing at all (NULL, *bad 0). */
static json_t *decision_body(const ctx *x, int *bad)
{
    json_t *in = body_json(x);
    *bad = x->r->len && !in;
    return in;
}

/* A decision the lifecycle refused (rc SY_ESTATE with the office's refusal), as 409 unit_state
 * with the refusal in codes beside the English (docs/office.md, "Error codes"). */
static enum MHD_Result reply_unit_state(ctx *x, char *err, const sv_life_refusal *why)
{
    if (!sv_utf8_valid(err, strlen(err)))
        sv_utf8_repair(err);
    return reply_json(x->c, status_of(SY_ESTATE),
                      json_pack("{s:s, s:s, s:s, s:s, s:i, s:s?}", "error", err, "code",
                                "unit_state", "reason", why->reason, "state",
                                sv_life_name(why->state), "count", why->count, "date",
                                why->date[0] ? why->date : NULL));
}

/* A text member that must be a string when present: *bad set otherwise. */
static const char *opt_str(const json_t *in, const char *key, int *bad)
{
    const json_t *v = json_object_get(in, key);
    if (v && !json_is_string(v) && !json_is_null(v))
        *bad = 1;
    return json_string_value(v);
}

static enum MHD_Result unit_decide(ctx *x, const char *action)
{
    int bad = 0;
    json_t *in = decision_body(x, &bad);
    const char *note = opt_str(in, "note", &bad), *from = opt_str(in, "from", &bad),
               *to = opt_str(in, "to", &bad), *received = opt_str(in, "received", &bad);
    if (bad) {
        json_decref(in);
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "the body must be a JSON object of strings (note, from, to, received)");
    }
    /* an objection's day received (a written one entered later) is sv_life_check's from */
    if (received && strcmp(action, "objection") != 0) {
        json_decref(in);
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "received belongs to an objection (the day it was received)");
    }
    if (received)
        from = received;
    const char *code = x->param[0];
    /* A notice that starts before today (the office's date) is most often a slip of the date
     * picker, and one that has already ended sends the unit straight to ready for registration
     * without anybody having seen it posted: the console asks for it to be confirmed as a
     * notice posted earlier ("posted_earlier": true) before it is recorded. The command line
     * records such a notice as given (county scripts fill in notices posted on paper), saying
     * so on stderr. */
    char today[11];
    sv_local_date(today);
    const json_t *pe = json_object_get(in, "posted_earlier");
    char err[512] = "", what[32];
    int rc = SY_OK;
    sv_life_refusal why = {0};
    if (strcmp(action, "notice") == 0 && from && sv_date_ok(from) && sv_date_ok(today) &&
        strcmp(from, today) < 0 && !json_is_true(pe)) {
        /* asked only about a notice the office would take: an unknown unit is 404 and a
         * state that allows no notice 409 first */
        pthread_mutex_lock(&x->s->lock);
        rc = sy_office_unit_check(x->s->o, code, action, x->sess.user, note, from, to, err,
                                  sizeof err);
        why = *sy_office_refusal(x->s->o);
        pthread_mutex_unlock(&x->s->lock);
    }
    if (rc == SY_OK && strcmp(action, "notice") == 0 && from && sv_date_ok(from) &&
        sv_date_ok(today) && strcmp(from, today) < 0 && !json_is_true(pe)) {
        int ended = to && sv_date_ok(to) && strcmp(to, today) < 0;
        json_decref(in);
        return reply_json(
            x->c, MHD_HTTP_CONFLICT,
            json_pack("{s:s, s:s, s:s, s:b}", "error",
                      ended ? "the notice ended before today: recorded, the unit would go "
                              "straight to ready for registration; confirm it was posted "
                              "(posted_earlier: true)"
                            : "the notice starts before today: confirm it was posted earlier "
                              "(posted_earlier: true)",
                      "code", "notice_past", "date", today, "ended", ended));
    }
    snprintf(what, sizeof what, "unit.%s", action);
    char *detail = NULL;
    if (rc == SY_OK) {
        detail = sy_audit_decision_detail(action, note, from, to);
        pthread_mutex_lock(&x->s->lock);
        rc = sy_office_unit_decide(x->s->o, code, action, x->sess.user, note, from, to, err,
                                   sizeof err);
        if (rc == SY_OK)
            sy_office_audit(x->s->o, x->sess.user, what, code, detail, x->ip);
        else if (!err[0])
            snprintf(err, sizeof err, "%s", sy_office_errmsg(x->s->o));
        why = *sy_office_refusal(x->s->o);
        pthread_mutex_unlock(&x->s->lock);
    } else if (!err[0]) {
        snprintf(err, sizeof err, "%s", "the decision was refused");
    }
    free(detail);
    json_decref(in);
    if (rc == SY_ESTATE && why.reason) /* the lifecycle's refusal, in codes as well */
        return reply_unit_state(x, err, &why);
    if (rc != SY_OK)
        return reply_error_c(x->s, x->c, status_of(rc), rc == SY_ENOTFOUND ? "no_unit" : NULL, err);
    logline(x->s, "%s: unit %s by %s from %s", what, code, x->sess.user, x->ip);
    return reply_json(x->c, MHD_HTTP_OK,
                      json_pack("{s:b, s:s, s:s}", "ok", 1, "unit", code, "action", action));
}

static enum MHD_Result h_unit_return(ctx *x)
{
    return unit_decide(x, "return");
}

static enum MHD_Result h_unit_accept(ctx *x)
{
    return unit_decide(x, "accept");
}

static enum MHD_Result h_unit_notice(ctx *x)
{
    return unit_decide(x, "notice");
}

static enum MHD_Result h_unit_objection(ctx *x)
{
    return unit_decide(x, "objection");
}

/*
 * POST /api/v1/units/CODE/settle-dispute {"dispute", "outcome", "document", "number"[,
 * "device"]}: settle a
 * dispute of the unit at the office (sy_office_dispute_settle, as `quejie-office dispute
 * settle`): a decision in the office's journal naming the reviewer, audited as dispute.settle.
 * 400 for a missing field or a bad document, 404 (no_dispute) for a dispute the office's
 * replicas do not hold for the unit (or an unknown device), 409 (dispute_ambiguous) when several
 * devices hold one with that number and no device is named.
 */
static enum MHD_Result h_unit_settle(ctx *x)
{
    int bad = 0;
    json_t *in = decision_body(x, &bad);
    const char *dispute = opt_str(in, "dispute", &bad), *outcome = opt_str(in, "outcome", &bad),
               *doc = opt_str(in, "document", &bad), *number = opt_str(in, "number", &bad),
               *device = opt_str(in, "device", &bad);
    if (bad || !dispute || !outcome || !doc || !number) {
        json_decref(in);
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "the body must be a JSON object of strings: dispute, outcome, "
                           "document (agreement or statement) and number (and device, whose "
                           "dispute it is, where two devices numbered theirs alike)");
    }
    const char *code = x->param[0];
    char err[512] = "", detail[600];
    sy_audit_settle_detail(detail, sizeof detail, dispute, outcome, doc, number);
    pthread_mutex_lock(&x->s->lock);
    int rc = sy_office_dispute_settle(x->s->o, code, dispute, device, x->sess.user, outcome, doc,
                                      number, err, sizeof err);
    if (rc == SY_OK)
        sy_office_audit(x->s->o, x->sess.user, "dispute.settle", code, detail, x->ip);
    else if (!err[0])
        snprintf(err, sizeof err, "%s", sy_office_errmsg(x->s->o));
    sv_life_refusal why = *sy_office_refusal(x->s->o);
    pthread_mutex_unlock(&x->s->lock);
    if (rc == SY_ESTATE && why.reason) { /* the unit's notice has begun */
        json_decref(in);
        return reply_unit_state(x, err, &why);
    }
    if (rc != SY_OK) {
        json_decref(in);
        return reply_error_c(x->s, x->c, status_of(rc),
                             rc == SY_ENOTFOUND ? "no_dispute"
                             : rc == SY_ESTATE  ? "dispute_ambiguous"
                                                : NULL,
                             err);
    }
    logline(x->s, "dispute.settle: unit %s dispute %s by %s from %s", code, dispute, x->sess.user,
            x->ip);
    json_t *ans = json_pack("{s:b, s:s, s:s, s:s}", "ok", 1, "unit", code, "action",
                            SV_DECISION_SETTLE_DISPUTE, "dispute", dispute);
    json_decref(in);
    return reply_json(x->c, MHD_HTTP_OK, ans);
}

/*
 * POST /api/v1/units/CODE/attachments?what=WHAT&name=FILE[&note=TEXT], the file as the body: a
 * scan or photo the office keeps with the unit (sy_office_unit_attach).
 */
static enum MHD_Result h_unit_attach(ctx *x)
{
    const char *what = query(x, "what"), *name = query(x, "name"), *note = query(x, "note");
    if (!what || !*what || !name || !*name)
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "?what=signed_form|agreement|dispute_statement|notice|photo|other and "
                           "?name=FILE needed, the file as the body");
    const char *code = x->param[0];
    char err[512] = "", sha[65] = "", detail[300];
    pthread_mutex_lock(&x->s->lock);
    int rc = sy_office_unit_attach(x->s->o, code, x->sess.user, what, name, note, x->r->body,
                                   x->r->len, sha, err, sizeof err);
    if (rc == SY_OK) {
        sy_audit_attach_detail(detail, sizeof detail, what, name, sha);
        sy_office_audit(x->s->o, x->sess.user, "unit.attach", code, detail, x->ip);
    }
    pthread_mutex_unlock(&x->s->lock);
    if (rc != SY_OK) {
        logline(x->s, "unit.attach refused from %s (%s): %s", x->ip, x->sess.user, err);
        return reply_error_c(x->s, x->c, status_of(rc), rc == SY_ENOTFOUND ? "no_unit" : NULL, err);
    }
    logline(x->s, "unit.attach: unit %s %s by %s from %s", code, detail, x->sess.user, x->ip);
    return reply_json(x->c, MHD_HTTP_OK,
                      json_pack("{s:b, s:s, s:s, s:s, s:s, s:I}", "ok", 1, "unit", code, "what",
                                what, "sha256", sha, "name", sy_attach_kept_name(name), "bytes",
                                (json_int_t)x->r->len));
}

/* A Content-Disposition naming the file as it was attached (RFC 6266): filename*= its UTF-8
 * name percent-encoded (RFC 8187), and filename= an ASCII stand-in for older clients; only the
 * disposition when there is no name. */
static void disposition(const char *kind, const char *name, char *out, size_t len)
{
    static const char attr[] = "!#$&+-.^_`|~"; /* RFC 8187 attr-char besides letters, digits */
    if (!name || !*name) {
        snprintf(out, len, "%s", kind);
        return;
    }
    char plain[SV_ATTACH_NAME_MAX], enc[3 * SV_ATTACH_NAME_MAX];
    size_t np = 0, ne = 0;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        int safe = (*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') ||
                   (*c >= 'a' && *c <= 'z') || (*c && strchr(attr, *c));
        if (np + 1 < sizeof plain)
            plain[np++] = safe ? (char)*c : '_';
        if (ne + 4 < sizeof enc) {
            if (safe)
                enc[ne++] = (char)*c;
            else
                ne += (size_t)snprintf(enc + ne, sizeof enc - ne, "%%%02X", *c);
        }
    }
    plain[np] = enc[ne] = '\0';
    snprintf(out, len, "%s; filename=\"%s\"; filename*=UTF-8''%s", kind, plain, enc);
}

/* GET /api/v1/attachments/SHA256: the file's bytes, an image shown in the page, a PDF saved
 * under the name it was attached with. */
static enum MHD_Result h_attachment(ctx *x)
{
    uint8_t *data = NULL;
    size_t len = 0;
    char type[32], msg[512], *name = NULL;
    int i = reader_get(x->s), rc = SY_EIO;
    if (i >= 0) {
        rc = sy_office_attachment(x->s->reader[i], x->param[0], &data, &len, type, &name);
        snprintf(msg, sizeof msg, "%s", sy_office_errmsg(x->s->reader[i]));
        pthread_mutex_unlock(&x->s->reader_lock[i]);
    }
    if (rc == SY_EIO) {
        pthread_mutex_lock(&x->s->lock);
        rc = sy_office_attachment(x->s->o, x->param[0], &data, &len, type, &name);
        snprintf(msg, sizeof msg, "%s", sy_office_errmsg(x->s->o));
        pthread_mutex_unlock(&x->s->lock);
    }
    if (rc != SY_OK)
        return reply_error(x->s, x->c, rc == SY_EINVAL ? MHD_HTTP_BAD_REQUEST : status_of(rc), msg);
    char disp[4 * SV_ATTACH_NAME_MAX + 64];
    disposition(strcmp(type, "application/pdf") == 0 ? "attachment" : "inline", name, disp,
                sizeof disp);
    free(name);
    const char *h[] = {"Content-Disposition", disp,
                       /* named by its content: it never changes; the session's own */
                       "Cache-Control", "private, max-age=86400, immutable", NULL};
    enum MHD_Result r = reply_h(x->c, MHD_HTTP_OK, type, data, len, h);
    free(data);
    return r;
}

static enum MHD_Result h_review_resolve(ctx *x)
{
    char *end;
    errno = 0;
    long long id = strtoll(x->param[0], &end, 10);
    if (errno || *end || id <= 0)
        return reply_error_c(x->s, x->c, MHD_HTTP_NOT_FOUND, "no_case", "no such review case");
    int bad = 0;
    json_t *in = decision_body(x, &bad);
    const char *accept = opt_str(in, "accept", &bad), *note = opt_str(in, "note", &bad);
    if (bad || !accept) {
        json_decref(in);
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "the body must be a JSON object with \"accept\": \"a\", \"b\" or "
                           "\"neither\" (and a \"note\")");
    }
    char err[512] = "";
    pthread_mutex_lock(&x->s->lock);
    int rc = sy_office_review_decide(x->s->o, id, accept, x->sess.user, note, err, sizeof err);
    if (rc == SY_OK)
        sy_office_audit_review(x->s->o, x->sess.user, x->param[0], accept, note, x->ip);
    else if (!err[0])
        snprintf(err, sizeof err, "%s", sy_office_errmsg(x->s->o));
    sv_life_refusal why = *sy_office_refusal(x->s->o);
    pthread_mutex_unlock(&x->s->lock);
    if (rc == SY_ESTATE && why.reason) { /* the unit's notice has begun */
        json_decref(in);
        return reply_unit_state(x, err, &why);
    }
    if (rc != SY_OK) {
        json_decref(in);
        return reply_error_c(x->s, x->c, status_of(rc),
                             rc == SY_ESTATE      ? "case_closed"
                             : rc == SY_ENOTFOUND ? "no_case"
                                                  : NULL,
                             err);
    }
    json_t *out = json_pack("{s:b, s:I, s:s}", "ok", 1, "id", (json_int_t)id, "accept", accept);
    json_decref(in);
    return reply_json(x->c, MHD_HTTP_OK, out);
}

/* ---- staff: administration (devices, tasks, imagery, exports) ----------------------------------
 */

/* A template for mkdtemp/mkstemp beside the office database: "DB.WHAT-XXXXXX" (caller frees). */
static char *temp_beside(const char *db, const char *what)
{
    size_t n = strlen(db) + strlen(what) + 16;
    char *t = malloc(n);
    if (t)
        snprintf(t, n, "%s.%s-XXXXXX", db, what);
    return t;
}

/* temp_beside's names for an upload's spool and a background job's copy of it */
#define SPOOL_UPLOAD "upload"
#define SPOOL_JOB "imagery-job"

/*
 * Files an earlier server left beside the database when it was killed or lost power mid-upload
 * (temp_beside's "upload" spools and "imagery-job" files, up to 512 MiB each): removed at start
 * once a day old, an age no upload or queued tiling reaches, so that a second server on the same
 * database never loses a file in use. Returns how many were removed.
 */
#define LEFTOVER_AGE_S (24 * 3600)
static int sweep_leftovers(const char *db)
{
    const char *slash = strrchr(db, '/');
    char dir[4096] = ".";
    if (slash) /* "/office.db" lies in "/" */
        snprintf(dir, sizeof dir, "%.*s", slash == db ? 1 : (int)(slash - db), db);
    const char *base = slash ? slash + 1 : db;
    size_t blen = strlen(base);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    time_t now = time(NULL);
    struct dirent *e;
    static const char *const kinds[] = {"." SPOOL_UPLOAD "-", "." SPOOL_JOB "-"};
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, base, blen) != 0)
            continue;
        const char *rest = e->d_name + blen;
        int ours = 0;
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            size_t n = strlen(kinds[k]);
            if (strncmp(rest, kinds[k], n) == 0 && strlen(rest + n) == 6) /* mkstemp's XXXXXX */
                ours = 1;
        }
        char path[8192];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (ours && lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            now - st.st_mtime > LEFTOVER_AGE_S && unlink(path) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}

/* A query argument, or NULL. */
static const char *query(const ctx *x, const char *key)
{
    return MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result h_device_add(ctx *x)
{
    json_t *in = body_json(x);
    const json_t *crew_v = json_object_get(in, "crew");
    const char *name = jstr(in, "name"), *crew = json_string_value(crew_v);
    if (!name || (crew_v && !json_is_string(crew_v) && !json_is_null(crew_v))) {
        json_decref(in);
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "the body must be a JSON object with \"name\" (and a \"crew\")");
    }
    char token[SY_TOKEN_CHARS + 1], err[512];
    pthread_mutex_lock(&x->s->lock);
    int rc = sy_office_device_add(x->s->o, name, crew, token);
    snprintf(err, sizeof err, "%s", sy_office_errmsg(x->s->o));
    if (rc == SY_OK)
        sy_office_audit(x->s->o, x->sess.user, "device.add", name, crew, x->ip);
    pthread_mutex_unlock(&x->s->lock);
    json_t *out = NULL;
    if (rc == SY_OK) {
        /* the token is shown once, in this answer only: as text and as a QR code */
        char *svg = sy__console_qr_svg(token);
        /* the crew as stored: "" is none (null), as the device list says */
        out = json_pack("{s:s, s:s?, s:s, s:s?}", "name", name, "crew", crew && *crew ? crew : NULL,
                        "token", token, "qr_svg", svg);
        free(svg);
        logline(x->s, "device.add: %s by %s from %s", name, x->sess.user, x->ip);
    } else {
        out = json_pack("{s:s, s:s}", "error", err, "code", status_code(status_of(rc)));
    }
    sodium_memzero(token, sizeof token);
    json_decref(in);
    enum MHD_Result res = reply_json(x->c, rc == SY_OK ? MHD_HTTP_CREATED : status_of(rc), out);
    return res;
}

/* An admin's removal of the thing named by the path (a device revoked, imagery removed): FN
 * under the office lock (and OUTER first, when given), audited as ACTION; 404 when there is no
 * such thing. */
static enum MHD_Result remove_named(ctx *x, pthread_mutex_t *outer,
                                    int (*fn)(sy_office *, const char *), const char *action)
{
    char err[512];
    if (outer)
        pthread_mutex_lock(outer);
    pthread_mutex_lock(&x->s->lock);
    int rc = fn(x->s->o, x->param[0]);
    snprintf(err, sizeof err, "%s", sy_office_errmsg(x->s->o));
    if (rc == SY_OK)
        sy_office_audit(x->s->o, x->sess.user, action, x->param[0], NULL, x->ip);
    pthread_mutex_unlock(&x->s->lock);
    if (outer)
        pthread_mutex_unlock(outer);
    if (rc != SY_OK)
        return reply_error(x->s, x->c, rc == SY_EINVAL ? MHD_HTTP_NOT_FOUND : status_of(rc), err);
    logline(x->s, "%s: %s by %s from %s", action, x->param[0], x->sess.user, x->ip);
    return reply_json(x->c, MHD_HTTP_OK, json_pack("{s:b, s:s}", "ok", 1, "name", x->param[0]));
}

static enum MHD_Result h_device_revoke(ctx *x)
{
    return remove_named(x, NULL, sy_office_device_revoke, "device.revoke");
}

/* ---- staff accounts (admin): the console's Users page, as `quejie-office user ...` ---------- */

/* The error answer of a staff-account call: its code by what went wrong. */
static enum MHD_Result user_refused(ctx *x, int rc, const char *err)
{
    const char *code = rc == SY_ENOTFOUND ? "no_user"
                       : rc == SY_ESTATE
                           ? (strstr(err, "exists already") ? "user_exists" : "user_state")
                           : NULL;
    return reply_error_c(x->s, x->c, status_of(rc), code, err);
}

/* The new password of a body (JSON "password"), checked and hashed here, outside the office
 * lock (Argon2id takes a good part of a second and 64 MiB: an ingest must not wait for it).
 * The request's bytes are wiped once read. Returns 0 with hash filled, else the refusal sent. */
static int new_password(ctx *x, json_t *in, char hash[SY_PWHASH_MAX], enum MHD_Result *res)
{
    const char *pw = jstr(in, "password");
    char err[128];
    int rc = sy_password_check(pw, err, sizeof err);
    if (rc == SY_OK) {
        /* one Argon2id at a time (its 64 MiB), as logins */
        pthread_mutex_lock(&x->s->pw_lock);
        rc = sy_password_hash(pw, hash);
        pthread_mutex_unlock(&x->s->pw_lock);
    } else
        *res = reply_error_c(x->s, x->c, MHD_HTTP_BAD_REQUEST, "password_refused", err);
    if (rc == SY_ENOMEM)
        *res = reply_error(x->s, x->c, MHD_HTTP_SERVICE_UNAVAILABLE,
                           "out of memory hashing the password");
    if (json_is_string(json_object_get(in, "password")))
        sodium_memzero((char *)pw, strlen(pw));
    sodium_memzero(x->r->body, x->r->len);
    return rc;
}

static enum MHD_Result h_user_add(ctx *x)
{
    json_t *in = body_json(x);
    const char *name = jstr(in, "name"), *r = jstr(in, "role");
    sy_role role;
    enum MHD_Result res = MHD_NO;
    char hash[SY_PWHASH_MAX], err[512];
    if (!name || !r || sy_role_parse(r, &role) != SY_OK) {
        const char *pw = jstr(in, "password");
        if (pw)
            sodium_memzero((char *)pw, strlen(pw));
        sodium_memzero(x->r->body, x->r->len);
        json_decref(in);
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "the body must be a JSON object with \"name\", \"role\" (admin, "
                           "reviewer or viewer) and \"password\"");
    }
    if (new_password(x, in, hash, &res) != SY_OK) {
        json_decref(in);
        return res;
    }
    pthread_mutex_lock(&x->s->lock);
    int rc = sy_office_user_add_hashed(x->s->o, name, role, hash, x->sess.user, x->ip);
    snprintf(err, sizeof err, "%s", sy_office_errmsg(x->s->o));
    pthread_mutex_unlock(&x->s->lock);
    sodium_memzero(hash, sizeof hash);
    if (rc == SY_OK) {
        logline(x->s, "user.add: %s (%s) by %s from %s", name, sy_role_name(role), x->sess.user,
                x->ip);
        res = reply_json(
            x->c, MHD_HTTP_CREATED,
            json_pack("{s:b, s:s, s:s}", "ok", 1, "name", name, "role", sy_role_name(role)));
    } else {
        res = user_refused(x, rc, err);
    }
    json_decref(in);
    return res;
}

static enum MHD_Result h_user_passwd(ctx *x)
{
    json_t *in = body_json(x);
    enum MHD_Result res = MHD_NO;
    if (!in) {
        sodium_memzero(x->r->body, x->r->len);
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "the body must be a JSON object with \"password\"");
    }
    char hash[SY_PWHASH_MAX], err[512];
    if (new_password(x, in, hash, &res) != SY_OK) {
        json_decref(in);
        return res;
    }
    json_decref(in);
    pthread_mutex_lock(&x->s->lock);
    int rc = sy_office_user_passwd_hashed(x->s->o, x->param[0], hash, x->sess.user, x->ip);
    snprintf(err, sizeof err, "%s", sy_office_errmsg(x->s->o));
    pthread_mutex_unlock(&x->s->lock);
    sodium_memzero(hash, sizeof hash);
    if (rc != SY_OK)
        return user_refused(x, rc, err);
    logline(x->s, "user.passwd: %s by %s from %s", x->param[0], x->sess.user, x->ip);
    return reply_json(x->c, MHD_HTTP_OK, json_pack("{s:b, s:s}", "ok", 1, "name", x->param[0]));
}

/* Disable or enable the account the path names. An administrator cannot disable their own
 * account here (the last one would lock the county out of its console): another administrator
 * can, or `quejie-office user disable` on the server. */
static enum MHD_Result user_switch(ctx *x, int enable)
{
    if (!enable && strcmp(x->param[0], x->sess.user) == 0)
        return reply_error_c(x->s, x->c, MHD_HTTP_CONFLICT, "own_account",
                             "you cannot disable your own account: another administrator can, "
                             "or `quejie-office user disable` on the office's server");
    char err[512];
    pthread_mutex_lock(&x->s->lock);
    int rc = enable ? sy_office_user_enable(x->s->o, x->param[0], x->sess.user, x->ip)
                    : sy_office_user_disable(x->s->o, x->param[0], x->sess.user, x->ip);
    snprintf(err, sizeof err, "%s", sy_office_errmsg(x->s->o));
    pthread_mutex_unlock(&x->s->lock);
    if (rc != SY_OK)
        return user_refused(x, rc, err);
    logline(x->s, "user.%s: %s by %s from %s", enable ? "enable" : "disable", x->param[0],
            x->sess.user, x->ip);
    return reply_json(x->c, MHD_HTTP_OK,
                      json_pack("{s:b, s:s, s:s}", "ok", 1, "name", x->param[0], "status",
                                enable ? "active" : "disabled"));
}

/* A staff member's own new password, given with the current one: verified as a login is (the
 * account's and the address's throttle; a wrong one counts as a failed login and is audited as
 * one), the new one hashed outside the office lock; every session of the user ends, this one
 * included (its cookie cleared): they log in again with the new password. */
static enum MHD_Result h_me_password(ctx *x)
{
    json_t *in = body_json(x);
    const char *cur = jstr(in, "current"), *pw = jstr(in, "password");
    char err[160], hash[SY_PWHASH_MAX];
    enum MHD_Result res;
    int rc = cur && pw ? sy_password_check(pw, err, sizeof err) : SY_EINVAL;
    if (rc == SY_OK && strcmp(cur, pw) == 0)
        rc = SY_EINVAL, snprintf(err, sizeof err, "the new password is the current one");
    if (rc != SY_OK) {
        res = cur && pw ? reply_error_c(x->s, x->c, MHD_HTTP_BAD_REQUEST, "password_refused", err)
                        : reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                                      "the body must be a JSON object with \"current\" and "
                                      "\"password\"");
        sodium_memzero(x->r->body, x->r->len);
        json_decref(in);
        return res;
    }
    sy_login l;
    pthread_mutex_lock(&x->s->pw_lock);
    pthread_mutex_lock(&x->s->lock);
    rc = sy_office_login_begin(x->s->o, x->sess.user, x->ip, sv_wall_ms(), &l);
    pthread_mutex_unlock(&x->s->lock);
    int good =
        rc == SY_OK && sy_password_verify(l.hash, cur, NULL) == SY_OK && l.role != SY_ROLE_NONE;
    int hashed = good && sy_password_hash(pw, hash) == SY_OK;
    pthread_mutex_lock(&x->s->lock);
    if (hashed) {
        rc = sy_office_user_passwd_hashed(x->s->o, x->sess.user, hash, x->sess.user, x->ip);
        snprintf(err, sizeof err, "%s", sy_office_errmsg(x->s->o));
    } else if (rc == SY_OK && !good) {
        sy_office_login_failed(x->s->o, &l, x->ip, sv_wall_ms());
    }
    pthread_mutex_unlock(&x->s->lock);
    pthread_mutex_unlock(&x->s->pw_lock);
    sodium_memzero(hash, sizeof hash);
    sodium_memzero(l.hash, sizeof l.hash);
    sodium_memzero(x->r->body, x->r->len);
    json_decref(in);
    if (rc == SY_EREFUSED) {
        char retry[32];
        snprintf(retry, sizeof retry, "%lld", (long long)l.retry_after_s);
        const char *h[] = {"Retry-After", retry, NULL};
        return reply_json_h(x->c, MHD_HTTP_TOO_MANY_REQUESTS,
                            json_pack("{s:s, s:s, s:I}", "error",
                                      "too many wrong passwords: try again later", "code",
                                      "throttled", "retry_after", (json_int_t)l.retry_after_s),
                            h);
    }
    if (rc == SY_OK && !good) {
        logline(x->s, "password change of '%s' from %s: wrong current password", x->sess.user,
                x->ip);
        return reply_error_c(x->s, x->c, MHD_HTTP_FORBIDDEN, "wrong_password",
                             "the current password is wrong");
    }
    if (rc != SY_OK || !hashed)
        return reply_error(x->s, x->c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                           rc != SY_OK ? err : "out of memory hashing the password");
    logline(x->s, "user.passwd: %s (their own) from %s", x->sess.user, x->ip);
    const char *h[] = {"Set-Cookie", COOKIE_CLEAR, NULL};
    return reply_json_h(x->c, MHD_HTTP_OK, json_pack("{s:b, s:s}", "ok", 1, "user", x->sess.user),
                        h);
}

static enum MHD_Result h_account_page(ctx *x)
{
    char name[SY_NAME_MAX];
    pthread_mutex_lock(&x->s->lock);
    snprintf(name, sizeof name, "%s", x->s->name);
    pthread_mutex_unlock(&x->s->lock);
    char *html =
        sy__console_admin(x->lang, "account", name, x->sess.user, sy_role_name(x->sess.role),
                          x->sess.csrf, x->sess.must_change, NULL);
    return reply_page(x, MHD_HTTP_OK, html);
}

static enum MHD_Result h_user_disable(ctx *x)
{
    return user_switch(x, 0);
}

static enum MHD_Result h_user_enable(ctx *x)
{
    return user_switch(x, 1);
}

static enum MHD_Result h_api_tasks(ctx *x)
{
    char *t = NULL;
    return listing(x, sy_office_tasks, &t);
}

/* A task package as the body, assigned by ?assign=NAME; ?file= names it in messages. Validated
 * by the call `quejie-office tasks import` makes, so its refusals read the same. */
static enum MHD_Result h_tasks_import(ctx *x)
{
    const char *assign = query(x, "assign"), *file = query(x, "file"),
               *reassign = query(x, "reassign");
    if (!assign || !*assign)
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "?assign=NAME (a device or crew) needed");
    /* as ?async= and ?bom=: a value it does not know is refused, never taken as "no" */
    if (reassign && strcmp(reassign, "0") != 0 && strcmp(reassign, "1") != 0)
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "?reassign= is 1 (units a crew has started may go to this one) or 0");
    char err[1024], detail[300];
    size_t n = 0;
    pthread_mutex_lock(&x->s->lock);
    int rc = sy_office_tasks_import_buf(x->s->o, file && *file ? file : "package",
                                        (const char *)x->r->body, x->r->len, assign,
                                        reassign && strcmp(reassign, "1") == 0, &n);
    snprintf(err, sizeof err, "%s", sy_office_errmsg(x->s->o));
    if (rc == SY_OK)
        sy_office_audit_tasks(x->s->o, x->sess.user, file, n, assign, x->ip, detail, sizeof detail);
    pthread_mutex_unlock(&x->s->lock);
    if (rc != SY_OK) {
        logline(x->s, "tasks.import refused from %s (%s): %s", x->ip, x->sess.user, err);
        return reply_error_c(x->s, x->c, rc == SY_EREFUSED ? MHD_HTTP_CONFLICT : status_of(rc),
                             rc == SY_ESTATE                       ? "tasks_accepted"
                             : rc == SY_EREFUSED                   ? "tasks_reassign"
                             : rc == SY_EINVAL || rc == SY_EFORMAT ? "tasks_invalid"
                                                                   : NULL,
                             err);
    }
    logline(x->s, "tasks.import: %s by %s from %s", detail, x->sess.user, x->ip);
    pthread_mutex_lock(&x->s->lock);
    int known = sy_office_assignee_known(x->s->o, assign);
    pthread_mutex_unlock(&x->s->lock);
    return reply_json(x->c, MHD_HTTP_OK,
                      json_pack("{s:b, s:I, s:s, s:b}", "ok", 1, "units", (json_int_t)n, "assign",
                                assign, "assignee_known", known));
}

static enum MHD_Result h_api_imagery(ctx *x)
{
    char *t = NULL;
    return listing(x, sy_office_imagery_list, &t);
}

/* A whole number for a tile's Z, X or Y: decimal digits only, at most 9 of them. */
static int tile_coord(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
        return 0;
    *out = strtoll(s, NULL, 10);
    return 1;
}

/*
 * GET /api/v1/units: every unit (the kept listing), or with any of status=S (a lifecycle state),
 * assign=CREW (exactly), q=TEXT (in the code or the name), offset=N and limit=N (at most 10000)
 * the units that match, in the listing's order, that page of them; X-Total-Count says how many
 * matched before the page. A bad argument is a 400 naming it.
 */
/* The first query argument of a request that is none of keys (NULL-ended), for a 400 that names
 * it: a mistyped filter (?state= for ?status=) must not answer as if it were not there. */
typedef struct arg_check {
    const char *const *keys;
    char unknown[64];
} arg_check;

static enum MHD_Result arg_known(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind, (void)value;
    arg_check *a = cls;
    for (const char *const *k = a->keys; *k; k++)
        if (key && strcmp(key, *k) == 0)
            return MHD_YES;
    snprintf(a->unknown, sizeof a->unknown, "%s", key ? key : "");
    return MHD_NO;
}

static enum MHD_Result h_api_units(ctx *x)
{
    static const char *const ARGS[] = {"status", "assign", "q", "offset", "limit", "lang", NULL};
    arg_check ac = {ARGS, ""};
    MHD_get_connection_values(x->c, MHD_GET_ARGUMENT_KIND, arg_known, &ac);
    if (ac.unknown[0]) {
        char m[160];
        snprintf(m, sizeof m,
                 "unknown argument '%.64s': the units are filtered by status, assign, q, offset "
                 "and limit",
                 ac.unknown);
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST, m);
    }
    const char *status = query(x, "status"), *assign = query(x, "assign"), *q = query(x, "q");
    const char *off_s = query(x, "offset"), *lim_s = query(x, "limit");
    if (!status && !assign && !q && !off_s && !lim_s)
        return kept_listing(x, KEPT_UNITS);
    int64_t off = 0, lim = 10000;
    if (off_s && !tile_coord(off_s, &off))
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "offset must be a whole number of units (0 or more)");
    if (lim_s && (!tile_coord(lim_s, &lim) || lim < 1 || lim > 10000))
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "limit must be a whole number of units from 1 to 10000");
    if (status) {
        int known = 0;
        for (int i = 0; i < SV_LIFE_COUNT && !known; i++)
            known = strcmp(status, sv_life_name((sv_life)i)) == 0;
        if (!known)
            return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                               "status must be one of assigned, in_field, submitted, "
                               "under_review, returned, accepted, notice, objection, ready");
    }
    char msg[512], *text = NULL;
    int rc = kept_call(x->s, KEPT_UNITS, &text, msg);
    if (rc != SY_OK)
        return reply_error(x->s, x->c, status_of(rc), msg);
    json_t *all = json_loads(text, 0, NULL), *page = json_array();
    free(text);
    if (!json_is_array(all) || !page) {
        json_decref(all);
        json_decref(page);
        return reply_error(x->s, x->c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    }
    int64_t matched = 0;
    size_t i;
    json_t *u;
    json_array_foreach(all, i, u)
    {
        const char *st = json_string_value(json_object_get(u, "status"));
        const char *as = json_string_value(json_object_get(u, "assign"));
        const char *code = json_string_value(json_object_get(u, "code"));
        const char *name = json_string_value(json_object_get(u, "name"));
        if ((status && (!st || strcmp(st, status) != 0)) ||
            (assign && (!as || strcmp(as, assign) != 0)) ||
            (q && !(code && strstr(code, q)) && !(name && strstr(name, q))))
            continue;
        if (matched >= off && matched - off < lim)
            json_array_append(page, u);
        matched++;
    }
    json_decref(all);
    char total[24];
    snprintf(total, sizeof total, "%lld", (long long)matched);
    const char *hdrs[] = {"X-Total-Count", total, NULL};
    return reply_json_h(x->c, MHD_HTTP_OK, page, hdrs);
}

/*
 * One tile of the console's web-mercator pyramid of an imagery (XYZ numbering), read straight
 * from its GeoPackage on a read-only connection of its own: no office handle, no lock.
 */
static enum MHD_Result h_imagery_tile(ctx *x)
{
    int64_t z, tx, ty;
    if (!tile_coord(x->param[1], &z) || !tile_coord(x->param[2], &tx) ||
        !tile_coord(x->param[3], &ty) || z > SY_TILE_ZOOM_MAX)
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "a tile is named by whole numbers Z/X/Y with Z at most 24");
    uint8_t *data = NULL;
    size_t len = 0;
    const char *type = NULL;
    char err[512];
    int rc = sy_office_imagery_tile(sy_office_path(x->s->o), x->param[0], (int)z, tx, ty, &data,
                                    &len, &type, err, sizeof err);
    if (rc == SY_EREFUSED)
        return reply_error(x->s, x->c, MHD_HTTP_NOT_FOUND, err);
    if (rc != SY_OK) {
        if (rc != SY_EINVAL)
            logline(x->s, "imagery tile %s/%s/%s/%s not served: %s", x->param[0], x->param[1],
                    x->param[2], x->param[3], err);
        return reply_error(x->s, x->c, status_of(rc), err);
    }
    /* the session's own: a shared cache must not keep the county's imagery */
    const char *h[] = {"Cache-Control", "private, max-age=300", NULL};
    if (!data) /* inside the imagery, where the raster is empty: nothing to draw, no error */
        return reply_h(x->c, MHD_HTTP_NO_CONTENT, NULL, NULL, 0, h);
    enum MHD_Result r = reply_h(x->c, MHD_HTTP_OK, type, data, len, h);
    free(data);
    return r;
}

/* A background upload (?async=1) that the job queue has no room for: refused on its headers
 * (before up to 512 MiB is spooled) and again by the route. */
static int async_refused(sy_server *s, struct MHD_Connection *c)
{
    const char *a = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "async");
    return a && strcmp(a, "1") == 0 && sy__jobs_active(s->jobs, NULL, 0) >= SY__JOBS_ACTIVE;
}
#define ASYNC_FULL                                                                                 \
    "the office is already tiling as many uploads as it queues; try again when one of them is "    \
    "done"

/* m into out with every mention of the server's own file path said as what it is (as): a
 * temporary file's name means nothing to a browser, and the office's layout is not its
 * business. */
static void name_path(const char *m, const char *path, const char *as, char *out, size_t n)
{
    const char *hit;
    size_t pl = strlen(path), used = 0;
    out[0] = '\0';
    while (pl && used + 1 < n && (hit = strstr(m, path)) != NULL) {
        used += (size_t)snprintf(out + used, n - used, "%.*s%s", (int)(hit - m), m, as);
        m = hit + pl;
    }
    if (used + 1 < n)
        snprintf(out + used, n - used, "%s", m);
}

/* Tile the raster at spool into the office's imagery, on the server's imagery handle under
 * imagery_lock only (ingests and pages go on meanwhile). err holds the reason on failure. */
static int tile_imagery(sy_server *s, const char *spool, const char *name, const char *assign,
                        int epsg, double margin, sy_imagery_info *info, char *err, size_t errlen)
{
    int rc = SY_OK;
    pthread_mutex_lock(&s->imagery_lock);
    if (!s->imagery_o) {
        rc = sy_office_open(sy_office_path(s->o), &s->imagery_o);
        if (rc != SY_OK) {
            snprintf(err, errlen, "%s", sy_office_errmsg(s->imagery_o));
            sy_office_close(s->imagery_o);
            s->imagery_o = NULL;
        }
    }
    if (rc == SY_OK) {
        rc = sy_office_imagery_add(s->imagery_o, spool, name, assign, epsg, margin, info);
        /* the spool file's name means nothing to the one who uploaded it: "the upload" */
        name_path(sy_office_errmsg(s->imagery_o), spool, "the upload", err, errlen);
        /* ... and the listing says so too, naming no server path */
        if (rc == SY_OK &&
            sy_office_imagery_set_source(s->imagery_o, name, "uploaded in the console") != SY_OK)
            logline(s, "imagery %s: source not set: %s", name, sy_office_errmsg(s->imagery_o));
    }
    pthread_mutex_unlock(&s->imagery_lock);
    return rc;
}

/* A tiled upload: the audit row, the log line and the answer's object. */
static json_t *imagery_added(sy_server *s, const char *user, const char *ip, const char *assign,
                             const sy_imagery_info *info)
{
    char detail[300];
    pthread_mutex_lock(&s->lock);
    sy_office_audit_imagery(s->o, user, info, assign, ip, detail, sizeof detail);
    pthread_mutex_unlock(&s->lock);
    logline(s, "imagery.add: %s %s by %s from %s", info->name, detail, user, ip);
    return json_pack("{s:b, s:s, s:s, s:i, s:i, s:I, s:I, s:i, s:s, s:o}", "ok", 1, "name",
                     info->name, "assign", assign, "epsg", info->epsg, "levels", info->levels,
                     "tiles", (json_int_t)info->tiles, "bytes", (json_int_t)info->bytes, "packs",
                     info->packs, "version", info->version, "margin_m",
                     info->margin_m >= 0 ? json_real(info->margin_m) : json_null());
}

/* An upload tiled in the background (?async=1): the job owns its file. */
typedef struct imagery_job {
    sy_server *s;
    char *file; /* the upload, renamed from the request's spool file */
    char name[SY_IMAGERY_NAME_MAX + 1];
    char assign[SY_NAME_MAX];
    int epsg;
    double margin;
    char user[SY_NAME_MAX];
    char ip[64];
} imagery_job;

static void imagery_job_free(void *p)
{
    imagery_job *a = p;
    if (!a)
        return;
    if (a->file)
        unlink(a->file);
    free(a->file);
    free(a);
}

static void imagery_job_run(sy__job *job, void *p)
{
    imagery_job *a = p;
    char err[1024];
    sy_imagery_info info;
    int rc =
        tile_imagery(a->s, a->file, a->name, a->assign, a->epsg, a->margin, &info, err, sizeof err);
    if (rc != SY_OK) {
        logline(a->s, "imagery.add refused from %s (%s): %s", a->ip, a->user, err);
        sy__job_failed(job, status_of(rc), err);
        return;
    }
    sy__job_done(job, imagery_added(a->s, a->user, a->ip, a->assign, &info));
}

/* The answer to ?async=1: the spool file becomes the job's, and the job is started. */
static enum MHD_Result imagery_add_later(ctx *x, const char *name, const char *assign, int epsg,
                                         double margin)
{
    imagery_job *a = calloc(1, sizeof *a);
    char *file = temp_beside(sy_office_path(x->s->o), SPOOL_JOB);
    int fd = file ? mkstemp(file) : -1;
    if (!a || fd < 0 || rename(x->r->spool_path, file) != 0) {
        if (fd >= 0) {
            close(fd);
            unlink(file);
        }
        free(file);
        free(a);
        return reply_error(x->s, x->c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                           "cannot keep the upload for tiling beside the office database");
    }
    close(fd);
    a->s = x->s;
    a->file = file;
    snprintf(a->name, sizeof a->name, "%s", name);
    snprintf(a->assign, sizeof a->assign, "%s", assign);
    a->epsg = epsg;
    a->margin = margin;
    snprintf(a->user, sizeof a->user, "%s", x->sess.user);
    snprintf(a->ip, sizeof a->ip, "%s", x->ip);
    int64_t id = sy__job_start(x->s->jobs, "imagery.add", name, x->sess.user, imagery_job_run, a,
                               imagery_job_free);
    if (id == 0)
        return reply_error_c(x->s, x->c, MHD_HTTP_SERVICE_UNAVAILABLE, "imagery_busy", ASYNC_FULL);
    if (id < 0)
        return reply_error(x->s, x->c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                           "cannot start the tiling (no thread)");
    logline(x->s, "imagery.add: %s queued as job %lld by %s from %s", name, (long long)id,
            x->sess.user, x->ip);
    char url[64];
    snprintf(url, sizeof url, "/api/v1/imagery/jobs/%lld", (long long)id);
    return reply_json(x->c, MHD_HTTP_ACCEPTED,
                      json_pack("{s:b, s:I, s:s, s:s, s:s, s:s}", "ok", 1, "job", (json_int_t)id,
                                "name", name, "assign", assign, "state", "queued", "url", url));
}

/*
 * A GeoTIFF (or any raster GDAL reads) as the body, spooled to a file beside the office
 * database, tiled by sy_office_imagery_add: while the request waits, or with ?async=1 in a
 * background job whose state GET /api/v1/imagery/jobs/ID answers (202 at once). ?margin=M (metres,
 * default 1000) or ?margin=whole: what each device receives (sy_office_imagery_add).
 */
static enum MHD_Result h_imagery_add(ctx *x)
{
    const char *name = query(x, "name"), *assign = query(x, "assign"), *epsg_s = query(x, "epsg");
    const char *async = query(x, "async");
    if (!name || !*name || !assign || !*assign)
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "?name=NAME&assign=CREW (a device, a crew or *) needed");
    if (strlen(name) > SY_IMAGERY_NAME_MAX || strlen(assign) >= SY_NAME_MAX)
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST, "?name= or ?assign= is too long");
    if (!sv_utf8_valid(name, strlen(name)) || !sv_utf8_valid(assign, strlen(assign)))
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "?name= and ?assign= must be UTF-8 text (percent-encoded)");
    int epsg = 0;
    if (epsg_s && *epsg_s) {
        char *end;
        long v = strtol(epsg_s, &end, 10);
        if (*end || v <= 0 || v > 99999)
            return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST, "?epsg= must be an EPSG code");
        epsg = (int)v;
    }
    double margin = SY_IMAGERY_MARGIN_M;
    const char *margin_s = query(x, "margin");
    if (margin_s && *margin_s) {
        /* "whole" alone means the whole image: a number is metres, never the library's
         * marker for whole (-1 sent every crew the county-wide image) */
        char *end = NULL;
        int whole = strcmp(margin_s, "whole") == 0;
        margin = whole ? SY_IMAGERY_WHOLE : strtod(margin_s, &end);
        if (!whole && (*end || !(margin >= 0 && margin <= SY_IMAGERY_MARGIN_MAX)))
            return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                               "?margin= is metres around the crew's units (0 to 100000) or "
                               "'whole'");
    }
    if (async && strcmp(async, "0") != 0 && strcmp(async, "1") != 0)
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "?async= is 1 (tile in the background) or 0");
    if (async_refused(x->s, x->c))
        return reply_error_c(x->s, x->c, MHD_HTTP_SERVICE_UNAVAILABLE, "imagery_busy", ASYNC_FULL);
    if (!x->r->spool_path || !x->r->len)
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "the body must be the raster (a GeoTIFF)");
    if (async && strcmp(async, "1") == 0)
        return imagery_add_later(x, name, assign, epsg, margin);
    char err[1024];
    sy_imagery_info info;
    int rc =
        tile_imagery(x->s, x->r->spool_path, name, assign, epsg, margin, &info, err, sizeof err);
    if (rc != SY_OK) {
        logline(x->s, "imagery.add refused from %s (%s): %s", x->ip, x->sess.user, err);
        return reply_error(x->s, x->c, status_of(rc), err);
    }
    return reply_json(x->c, MHD_HTTP_OK, imagery_added(x->s, x->sess.user, x->ip, assign, &info));
}

/* GET /api/v1/imagery/jobs: every remembered tiling job; /jobs/ID: one. */
static enum MHD_Result h_imagery_jobs(ctx *x)
{
    return reply_json(x->c, MHD_HTTP_OK, sy__jobs_json(x->s->jobs));
}

static enum MHD_Result h_imagery_job(ctx *x)
{
    const char *p = x->param[0];
    size_t n = strspn(p, "0123456789");
    if (!n || p[n] || n > 18)
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST, "a job is named by its number");
    json_t *o = sy__job_json(x->s->jobs, strtoll(p, NULL, 10));
    if (!o)
        return reply_error(x->s, x->c, MHD_HTTP_NOT_FOUND,
                           "no such job (the office forgets jobs when it restarts)");
    return reply_json(x->c, MHD_HTTP_OK, o);
}

static enum MHD_Result h_imagery_remove(ctx *x)
{
    return remove_named(x, &x->s->imagery_lock, sy_office_imagery_remove, "imagery.remove");
}

/* The printed forms are a page of their own: one inline <style>, no script at all, nothing
 * fetched, never framed. */
static const char FORMS_CSP[] = "default-src 'none'; style-src 'unsafe-inline'; "
                                "frame-ancestors 'none'; form-action 'none'; base-uri 'none'";

/* The county export (sy_office_export) written to a private directory beside the office
 * database, opened, removed, and streamed from the open file as an attachment; the forms
 * (?format=forms, of one unit with &unit=CODE) and the public notice (?format=notice, of the
 * units in notice or of one) are shown in the browser, to print. */
static enum MHD_Result h_export(ctx *x)
{
    /* by sv_export_format, then the Shapefiles */
    static const char *const ext[] = {"gpkg", "geojson", "csv", "html", "html", "shp.zip"};
    static const char *const type[] = {"application/geopackage+sqlite3", "application/geo+json",
                                       "text/csv; charset=utf-8",        "text/html; charset=utf-8",
                                       "text/html; charset=utf-8",       "application/zip"};
    static const char *const what[] = {"export", "export", "export", "forms", "notice", "export"};
    const int SHP = 5;
    const char *f = query(x, "format"), *unit = query(x, "unit");
    sv_export_format fmt = SV_EXPORT_GPKG;
    int shp = f && strcmp(f, "shp") == 0;
    if (!f ||
        (!shp && (sv_export_format_parse(f, &fmt) != SV_OK || (unsigned)fmt > SV_EXPORT_NOTICE)))
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST,
                           "?format=gpkg|geojson|csv|shp|forms|notice needed");
    int k = shp ? SHP : (int)fmt;
    int printed = !shp && (fmt == SV_EXPORT_FORMS || fmt == SV_EXPORT_NOTICE); /* to print */
    if (unit && (!*unit || strlen(unit) >= SV_CODE_MAX))
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST, "?unit= needs a unit code");
    /* ?bom=1: a CSV for a spreadsheet on Windows (the console's link asks for it) */
    const char *b = query(x, "bom");
    if (b && strcmp(b, "0") != 0 && strcmp(b, "1") != 0)
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST, "?bom= is 0 or 1");
    int bom = b && strcmp(b, "1") == 0;
    if (bom && (shp || fmt != SV_EXPORT_CSV))
        return reply_error(x->s, x->c, MHD_HTTP_BAD_REQUEST, "?bom=1 is for ?format=csv only");
    char *dir = temp_beside(sy_office_path(x->s->o), "export");
    if (!dir || !mkdtemp(dir)) {
        free(dir);
        return reply_error(x->s, x->c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                           "cannot make a temporary directory beside the office database");
    }
    char path[4200], err[512] = "";
    snprintf(path, sizeof path, "%s/export.%s", dir, ext[k]);
    sv_export_stats st;
    int i = reader_get(x->s), rc = SY_EIO;
    if (i >= 0) {
        rc = shp ? sy_office_export_shp(x->s->reader[i], unit, path, &st)
                 : sy_office_export_bom(x->s->reader[i], fmt, unit, bom, path, &st);
        snprintf(err, sizeof err, "%s", sy_office_errmsg(x->s->reader[i]));
        pthread_mutex_unlock(&x->s->reader_lock[i]);
    }
    if (rc == SY_EIO) { /* no reader, or one that could not: on the writer (a unit no replica
                         * holds is SY_ENOTFOUND on either) */
        unlink(path);
        pthread_mutex_lock(&x->s->lock);
        rc = shp ? sy_office_export_shp(x->s->o, unit, path, &st)
                 : sy_office_export_bom(x->s->o, fmt, unit, bom, path, &st);
        snprintf(err, sizeof err, "%s", sy_office_errmsg(x->s->o));
        pthread_mutex_unlock(&x->s->lock);
    }
    int fd = rc == SY_OK ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    struct stat sb;
    if (fd >= 0 && fstat(fd, &sb) != 0) {
        close(fd);
        fd = -1;
    }
    unlink(path);
    rmdir(dir);
    free(dir);
    if (rc != SY_OK || fd < 0) {
        logline(x->s, "export refused for %s: %s", x->sess.user, err);
        char said[512];
        name_path(err, path, "the export", said, sizeof said);
        unsigned status = rc != SY_OK ? status_of(rc) : MHD_HTTP_INTERNAL_SERVER_ERROR;
        /* a link the staff opened (the forms, the notice, a download): a page with the reason
         * and the way back, not the API's JSON in a browser tab */
        const char *mode = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "Sec-Fetch-Mode");
        if (mode && strcmp(mode, "navigate") == 0)
            return reply_page(
                x, status,
                sy__console_error(x->lang, "export", said[0] ? said : "cannot read the export"));
        return reply_error(x->s, x->c, status, said[0] ? said : "cannot read the export");
    }
    pthread_mutex_lock(&x->s->lock);
    sy_office_audit(x->s->o, x->sess.user, "export",
                    printed ? what[k]
                    : shp   ? "shp"
                            : ext[k],
                    unit, x->ip);
    pthread_mutex_unlock(&x->s->lock);
    struct MHD_Response *rs = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (!rs) {
        close(fd);
        return MHD_NO;
    }
    /* the file name in the header: the unit code's safe characters only */
    char safe[SV_CODE_MAX] = "", disp[160];
    size_t ns = 0;
    for (const char *u = unit; u && *u && ns + 1 < sizeof safe; u++)
        if ((*u >= '0' && *u <= '9') || (*u >= 'A' && *u <= 'Z') || (*u >= 'a' && *u <= 'z') ||
            *u == '-' || *u == '_')
            safe[ns++] = *u;
    safe[ns] = '\0';
    snprintf(disp, sizeof disp, "%s; filename=\"quejie-%s%s%s.%s\"",
             printed ? "inline" : "attachment", what[k], ns ? "-" : "", safe, ext[k]);
    MHD_add_response_header(rs, MHD_HTTP_HEADER_CONTENT_TYPE, type[k]);
    MHD_add_response_header(rs, "Content-Disposition", disp);
    MHD_add_response_header(rs, "Content-Security-Policy", printed ? FORMS_CSP : CSP);
    MHD_add_response_header(rs, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(rs, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(rs, "X-Frame-Options", "DENY");
    MHD_add_response_header(rs, "Cache-Control", "no-store");
    enum MHD_Result r = MHD_queue_response(x->c, MHD_HTTP_OK, rs);
    MHD_destroy_response(rs);
    logline(x->s, "export (%s, %lld bytes) to %s from %s", ext[k], (long long)sb.st_size,
            x->sess.user, x->ip);
    return r;
}

/* An administration page (office_console.c) over its listing. */
static enum MHD_Result admin_page(ctx *x, const char *which, lister fn)
{
    char *text = NULL, msg[512], name[SY_NAME_MAX];
    int rc = read_call(x->s, fn, &text, msg);
    snprintf(name, sizeof name, "%s", x->s->name);
    if (rc != SY_OK)
        return reply_error(x->s, x->c, status_of(rc), msg);
    char *html = sy__console_admin(x->lang, which, name, x->sess.user, sy_role_name(x->sess.role),
                                   x->sess.csrf, x->sess.must_change, text);
    free(text);
    return reply_page(x, MHD_HTTP_OK, html);
}

static enum MHD_Result h_devices_page(ctx *x)
{
    return admin_page(x, "devices", sy_office_devices);
}

static enum MHD_Result h_tasks_page(ctx *x)
{
    return admin_page(x, "tasks", sy_office_tasks);
}

static enum MHD_Result h_imagery_page(ctx *x)
{
    return admin_page(x, "imagery", sy_office_imagery_list);
}

/* The log page's data: {"log": the ingest log, "last_backup": the latest backup or null}. */
static int list_log_page(sy_office *o, char **out)
{
    char *log = NULL, *bk = NULL;
    int rc = sy_office_log(o, 200, &log);
    if (rc == SY_OK)
        rc = sy_office_last_backup(o, &bk);
    json_t *v = rc == SY_OK ? json_pack("{s:o?, s:o?}", "log", json_loads(log, 0, NULL),
                                        "last_backup", json_loads(bk, JSON_DECODE_ANY, NULL))
                            : NULL;
    free(log);
    free(bk);
    *out = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    return rc != SY_OK ? rc : *out ? SY_OK : SY_ENOMEM;
}

static enum MHD_Result h_log_page(ctx *x)
{
    return admin_page(x, "log", list_log_page);
}

static enum MHD_Result h_disputes_page(ctx *x)
{
    return admin_page(x, "disputes", sy_office_disputes);
}

static enum MHD_Result h_api_disputes(ctx *x)
{
    char *t = NULL;
    return listing(x, sy_office_disputes, &t);
}

static enum MHD_Result h_users_page(ctx *x)
{
    return admin_page(x, "users", sy_office_users);
}

static enum MHD_Result h_audit_page(ctx *x)
{
    return admin_page(x, "audit", list_audit);
}

/* ---- static files ------------------------------------------------------------------------------
 */

#define STATIC_MAX (4u * 1024u * 1024u)

static const struct {
    const char *ext, *type;
} MIME[] = {{".css", "text/css; charset=utf-8"},
            {".js", "text/javascript; charset=utf-8"},
            {".png", "image/png"},
            {".svg", "image/svg+xml"},
            {".ico", "image/x-icon"}};

static enum MHD_Result static_file(ctx *x, const char *dir, const char *name)
{
    const char *type = NULL;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || (*p == '.' && p != name)))
            return reply_error(x->s, x->c, MHD_HTTP_NOT_FOUND, "no such file");
    size_t nl = strlen(name);
    for (size_t i = 0; i < sizeof MIME / sizeof MIME[0]; i++) {
        size_t el = strlen(MIME[i].ext);
        if (nl > el && strcmp(name + nl - el, MIME[i].ext) == 0)
            type = MIME[i].type;
    }
    if (!type || !dir)
        return reply_error(x->s, x->c, MHD_HTTP_NOT_FOUND, "no such file");
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return reply_error(x->s, x->c, MHD_HTTP_NOT_FOUND, "no such file");
    FILE *f = fopen(path, "rb");
    if (!f)
        return reply_error(x->s, x->c, MHD_HTTP_NOT_FOUND, "no such file");
    char *buf = malloc(STATIC_MAX + 1);
    size_t n = buf ? fread(buf, 1, STATIC_MAX + 1, f) : 0;
    int bad = !buf || ferror(f) || n > STATIC_MAX;
    fclose(f);
    if (bad) {
        free(buf);
        return reply_error(x->s, x->c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the file");
    }
    const char *h[] = {"Cache-Control", "no-cache", NULL};
    enum MHD_Result r = reply_h(x->c, MHD_HTTP_OK, type, buf, n, h);
    free(buf);
    return r;
}

static enum MHD_Result h_static(ctx *x)
{
    return static_file(x, x->s->assets, x->param[0]);
}

/* ---- the overview map, the unit page and the review queue (docs/office.md, "Console pages")
 */

/* Debian's Leaflet (libjs-leaflet), served from the office itself: no CDN, no online map. */
#ifndef QUEJIE_LEAFLET_DIR
#define QUEJIE_LEAFLET_DIR "/usr/share/javascript/leaflet"
#endif

static enum MHD_Result h_static_leaflet(ctx *x)
{
    return static_file(x, QUEJIE_LEAFLET_DIR, x->param[0]);
}

static enum MHD_Result h_static_leaflet_img(ctx *x)
{
    return static_file(x, QUEJIE_LEAFLET_DIR "/images", x->param[0]);
}

typedef int (*lister_arg)(sy_office *o, const char *arg, char **out);

/* read_call for a read that takes an argument (a unit code). */
static int read_call_arg(sy_server *s, lister_arg fn, const char *arg, char **text, char msg[512])
{
    int i = reader_get(s), rc = SY_EIO;
    if (i >= 0) {
        rc = fn(s->reader[i], arg, text);
        snprintf(msg, 512, "%s", sy_office_errmsg(s->reader[i]));
        pthread_mutex_unlock(&s->reader_lock[i]);
    }
    if (rc == SY_EIO) {
        pthread_mutex_lock(&s->lock);
        rc = fn(s->o, arg, text);
        snprintf(msg, 512, "%s", sy_office_errmsg(s->o));
        pthread_mutex_unlock(&s->lock);
    }
    return rc;
}

static enum MHD_Result h_api_units_geojson(ctx *x)
{
    return kept_listing(x, KEPT_GEOJSON);
}

static enum MHD_Result h_api_unit(ctx *x)
{
    char *t = NULL, msg[512];
    int rc = read_call_arg(x->s, sy_office_unit_detail, x->param[0], &t, msg);
    if (rc == SY_EREFUSED) /* the decisions' code for it: the console words it alike */
        return reply_error_c(x->s, x->c, MHD_HTTP_NOT_FOUND, "no_unit", msg);
    if (rc != SY_OK)
        return reply_error(x->s, x->c, status_of(rc), msg);
    return reply_text_json(x->c, t);
}

static enum MHD_Result h_unit_attachments(ctx *x)
{
    char *t = NULL, msg[512];
    int rc = read_call_arg(x->s, sy_office_unit_attachments, x->param[0], &t, msg);
    if (rc == SY_ENOTFOUND)
        return reply_error_c(x->s, x->c, MHD_HTTP_NOT_FOUND, "no_unit", msg);
    if (rc != SY_OK)
        return reply_error(x->s, x->c, status_of(rc), msg);
    return reply_text_json(x->c, t);
}

/* The walks recorded on ?date=YYYY-MM-DD (default today) for the overview map. */
static enum MHD_Result h_api_tracks(ctx *x)
{
    char *t = NULL, msg[512];
    int rc = read_call_arg(x->s, sy_office_tracks, query(x, "date"), &t, msg);
    if (rc != SY_OK)
        return reply_error(x->s, x->c, status_of(rc), msg);
    return reply_text_json(x->c, t);
}

/* A page the console's script fills from /api/v1 (kind "unit" with the code, or "review"). */
static enum MHD_Result app_page(ctx *x, const char *kind, const char *code)
{
    char name[SY_NAME_MAX];
    snprintf(name, sizeof name, "%s", x->s->name);
    return reply_page(x, MHD_HTTP_OK,
                      sy__console_app(x->lang, name, x->sess.user, sy_role_name(x->sess.role),
                                      x->sess.csrf, x->sess.must_change, kind, code));
}

static enum MHD_Result h_unit_page(ctx *x)
{
    /* a unit the office does not have is a page it does not have: 404, as docs/office.md says
     * of any address the console lacks (a mistyped code in a bookmark, say) */
    char *name = NULL, msg[512];
    int rc = read_call_arg(x->s, sy_office_unit_name, x->param[0], &name, msg);
    free(name);
    if (rc == SY_ENOTFOUND)
        return reply_page(x, MHD_HTTP_NOT_FOUND, sy__console_error(x->lang, "missing", NULL));
    return app_page(x, "unit", x->param[0]);
}

static enum MHD_Result h_review_page(ctx *x)
{
    return app_page(x, "review", NULL);
}

/* ---- the route table
 * -----------------------------------------------------------------------------
 */

#define GET MHD_HTTP_METHOD_GET
#define POST MHD_HTTP_METHOD_POST

static const route ROUTES[] = {
    /* tablets (docs/sync-protocol.md) */
    {POST, "/v1/enroll", h_enroll, AUTH_NONE, SY_ROLE_NONE, 0, 0},
    {GET, "/v1/cursor", h_cursor, AUTH_DEVICE, SY_ROLE_NONE, 0, 0},
    {GET, "/v1/tasks", h_tasks, AUTH_DEVICE, SY_ROLE_NONE, 0, 0},
    {POST, "/v1/bundles", h_bundles, AUTH_DEVICE, SY_ROLE_NONE, 0, 0},
    {GET, "/v1/imagery", h_imagery, AUTH_DEVICE, SY_ROLE_NONE, 0, 0},
    {GET, "/v1/imagery/chunks/*", h_imagery_chunk, AUTH_DEVICE, SY_ROLE_NONE, 0, 0},
    {GET, "/v1/attachments/*", h_file, AUTH_DEVICE, SY_ROLE_NONE, 0, 0},
    {POST, "/v1/attachments/*/*", h_file_piece, AUTH_DEVICE, SY_ROLE_NONE, 0, 0},
    /* the console's pages */
    {GET, "/", h_overview, AUTH_STAFF, SY_ROLE_VIEWER, 0, 1},
    {GET, "/login", h_login_page, AUTH_NONE, SY_ROLE_NONE, 0, 1},
    {POST, "/login", h_form_login, AUTH_NONE, SY_ROLE_NONE, 0, 1},
    {POST, "/logout", h_form_logout, AUTH_STAFF, SY_ROLE_VIEWER, 1, 1},
    {GET, "/static/*", h_static, AUTH_NONE, SY_ROLE_NONE, 0, 0},
    /* the JSON API (docs/office.md, "Console API") */
    {POST, "/api/v1/login", h_api_login, AUTH_NONE, SY_ROLE_NONE, 0, 0},
    {POST, "/api/v1/logout", h_api_logout, AUTH_STAFF, SY_ROLE_VIEWER, 1, 0},
    {GET, "/api/v1/me", h_api_me, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    {GET, "/api/v1/units", h_api_units, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    {POST, "/api/v1/units/*/return", h_unit_return, AUTH_STAFF, SY_ROLE_REVIEWER, 1, 0},
    {POST, "/api/v1/units/*/accept", h_unit_accept, AUTH_STAFF, SY_ROLE_REVIEWER, 1, 0},
    {POST, "/api/v1/units/*/notice", h_unit_notice, AUTH_STAFF, SY_ROLE_REVIEWER, 1, 0},
    {POST, "/api/v1/units/*/objection", h_unit_objection, AUTH_STAFF, SY_ROLE_REVIEWER, 1, 0},
    {POST, "/api/v1/units/*/settle-dispute", h_unit_settle, AUTH_STAFF, SY_ROLE_REVIEWER, 1, 0},
    {POST, "/api/v1/units/*/attachments", h_unit_attach, AUTH_STAFF, SY_ROLE_REVIEWER, 1, 0},
    {GET, "/api/v1/units/*/attachments", h_unit_attachments, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    {GET, "/api/v1/attachments/*", h_attachment, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    {GET, "/api/v1/review", h_api_review, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    {POST, "/api/v1/review/*/resolve", h_review_resolve, AUTH_STAFF, SY_ROLE_REVIEWER, 1, 0},
    {GET, "/api/v1/devices", h_api_devices, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    {GET, "/api/v1/log", h_api_log, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    {GET, "/api/v1/users", h_api_users, AUTH_STAFF, SY_ROLE_ADMIN, 0, 0},
    {GET, "/api/v1/audit", h_api_audit, AUTH_STAFF, SY_ROLE_ADMIN, 0, 0},
    {POST, "/api/v1/users", h_user_add, AUTH_STAFF, SY_ROLE_ADMIN, 1, 0},
    {POST, "/api/v1/me/password", h_me_password, AUTH_STAFF, SY_ROLE_VIEWER, 1, 0},
    {GET, "/account", h_account_page, AUTH_STAFF, SY_ROLE_VIEWER, 0, 1},
    {POST, "/api/v1/users/*/passwd", h_user_passwd, AUTH_STAFF, SY_ROLE_ADMIN, 1, 0},
    {POST, "/api/v1/users/*/disable", h_user_disable, AUTH_STAFF, SY_ROLE_ADMIN, 1, 0},
    {POST, "/api/v1/users/*/enable", h_user_enable, AUTH_STAFF, SY_ROLE_ADMIN, 1, 0},
    /* the overview map, the unit page and the review queue */
    {GET, "/unit/*", h_unit_page, AUTH_STAFF, SY_ROLE_VIEWER, 0, 1},
    {GET, "/review", h_review_page, AUTH_STAFF, SY_ROLE_VIEWER, 0, 1},
    {GET, "/static/leaflet/*", h_static_leaflet, AUTH_NONE, SY_ROLE_NONE, 0, 0},
    {GET, "/static/leaflet/images/*", h_static_leaflet_img, AUTH_NONE, SY_ROLE_NONE, 0, 0},
    {GET, "/api/v1/units.geojson", h_api_units_geojson, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    {GET, "/api/v1/units/*", h_api_unit, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    {GET, "/api/v1/tracks", h_api_tracks, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    /* administration (docs/office.md, "Console API") */
    {GET, "/devices", h_devices_page, AUTH_STAFF, SY_ROLE_VIEWER, 0, 1},
    {GET, "/tasks", h_tasks_page, AUTH_STAFF, SY_ROLE_VIEWER, 0, 1},
    {GET, "/imagery", h_imagery_page, AUTH_STAFF, SY_ROLE_VIEWER, 0, 1},
    {GET, "/log", h_log_page, AUTH_STAFF, SY_ROLE_VIEWER, 0, 1},
    {GET, "/users", h_users_page, AUTH_STAFF, SY_ROLE_ADMIN, 0, 1},
    {GET, "/disputes", h_disputes_page, AUTH_STAFF, SY_ROLE_VIEWER, 0, 1},
    {GET, "/api/v1/disputes", h_api_disputes, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    {GET, "/audit", h_audit_page, AUTH_STAFF, SY_ROLE_ADMIN, 0, 1},
    {POST, "/api/v1/devices", h_device_add, AUTH_STAFF, SY_ROLE_ADMIN, 1, 0},
    {POST, "/api/v1/devices/*/revoke", h_device_revoke, AUTH_STAFF, SY_ROLE_ADMIN, 1, 0},
    {GET, "/api/v1/tasks", h_api_tasks, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    {POST, "/api/v1/tasks", h_tasks_import, AUTH_STAFF, SY_ROLE_ADMIN, 1, 0},
    {GET, "/api/v1/imagery", h_api_imagery, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    {POST, "/api/v1/imagery", h_imagery_add, AUTH_STAFF, SY_ROLE_ADMIN, 1, 0},
    {POST, "/api/v1/imagery/*/remove", h_imagery_remove, AUTH_STAFF, SY_ROLE_ADMIN, 1, 0},
    {GET, "/api/v1/imagery/jobs", h_imagery_jobs, AUTH_STAFF, SY_ROLE_ADMIN, 0, 0},
    {GET, "/api/v1/imagery/jobs/*", h_imagery_job, AUTH_STAFF, SY_ROLE_ADMIN, 0, 0},
    {GET, "/api/v1/imagery/*/tiles/*/*/*", h_imagery_tile, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
    {GET, "/api/v1/export", h_export, AUTH_STAFF, SY_ROLE_VIEWER, 0, 0},
};

#undef GET
#undef POST

/* Whether url matches pattern segment by segment; '*' captures one non-empty segment. */
static int match(const char *pattern, const char *url, ctx *x)
{
    int np = 0;
    while (*pattern && *url) {
        if (*pattern == '*') {
            size_t n = strcspn(url, "/");
            if (n == 0 || n >= PARAM_MAX || np >= MAX_PARAMS)
                return 0;
            memcpy(x->param[np], url, n);
            x->param[np++][n] = '\0';
            url += n;
            pattern++;
        } else if (*pattern++ != *url++) {
            return 0;
        }
    }
    return !*pattern && !*url;
}

/* A path we never serve: not absolute, too long, or with "..", "//", a backslash or a control
 * character anywhere (after MHD's percent-decoding). */
static int bad_path(const char *url)
{
    if (url[0] != '/' || strlen(url) > 1024 || strstr(url, "..") || strstr(url, "//") ||
        strchr(url, '\\'))
        return 1;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 1;
    /* every name in a path (a unit code, a device, an imagery) is UTF-8 text */
    return !sv_utf8_valid(url, strlen(url));
}

/* MHD_KeyValueIterator: counts a query argument (?file=, ?assign=, ?name=) whose name or value
 * is not UTF-8 text or holds a control character: it would reach the audit log and the JSON
 * listings that cannot carry it. */
static enum MHD_Result bad_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    const char *both[2] = {key, value};
    for (int i = 0; i < 2; i++) {
        if (!both[i])
            continue;
        int bad = !sv_utf8_valid(both[i], strlen(both[i]));
        for (const unsigned char *p = (const unsigned char *)both[i]; !bad && *p; p++)
            bad = *p < 0x20 || *p == 0x7f;
        if (bad) {
            ++*(int *)cls;
            return MHD_NO;
        }
    }
    return MHD_YES;
}

/* A state-changing request from a browser must come from the office's own origin. */
static int foreign_origin(struct MHD_Connection *c)
{
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!origin)
        return 0;
    /* A form posted from a page served with Referrer-Policy: no-referrer carries "Origin: null"
     * (Chromium): then the browser's own Sec-Fetch-Site must say it came from this origin. */
    if (strcmp(origin, "null") == 0) {
        const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
        return !site || strcmp(site, "same-origin") != 0;
    }
    const char *rest = strncmp(origin, "https://", 8) == 0  ? origin + 8
                       : strncmp(origin, "http://", 7) == 0 ? origin + 7
                                                            : NULL;
    return !rest || !host || strcmp(rest, host) != 0;
}

static int csrf_ok(const ctx *x, const char *given)
{
    return given && strlen(given) == SY_SECRET_CHARS && strlen(x->sess.csrf) == SY_SECRET_CHARS &&
           sodium_memcmp(given, x->sess.csrf, SY_SECRET_CHARS) == 0;
}

/* The staff checks of a route: session, role, origin and CSRF token. Returns 1 to go on, else 0
 * with the reply queued in *res (nothing queued when res is NULL: a check only). */
static int staff_gate(ctx *x, const route *rt, enum MHD_Result *res)
{
    const char *tok = MHD_lookup_connection_value(x->c, MHD_COOKIE_KIND, COOKIE);
    snprintf(x->token, sizeof x->token, "%s", tok ? tok : "");
    int64_t now = sv_wall_ms();
    int i = reader_get(x->s), rc;
    sy_office *ro = i >= 0 ? x->s->reader[i] : NULL;
    if (!ro)
        pthread_mutex_lock(&x->s->lock);
    rc = sy_office_session(ro ? ro : x->s->o, x->token, now, x->s->idle_s, SY_SESSION_MAX_S,
                           &x->sess);
    if (ro)
        pthread_mutex_unlock(&x->s->reader_lock[i]);
    else
        pthread_mutex_unlock(&x->s->lock);
    /* The idle clock needs the writer: skipped while an ingest holds it (the next request of the
     * session restarts it), so that a page never waits for an ingest; once half the idle timeout
     * has gone by unwritten it is written whatever it waits for, so that a session in use never
     * lapses under a long run of ingests. */
    if (rc == SY_OK && x->sess.stale &&
        (x->sess.urgent ? pthread_mutex_lock(&x->s->lock) : pthread_mutex_trylock(&x->s->lock)) ==
            0) {
        sy_office_session_touch(x->s->o, x->token, now);
        pthread_mutex_unlock(&x->s->lock);
    }
    if (rc != SY_OK) {
        if (res && rt->page && strcmp(x->url, "/") != 0) {
            /* back to this page once logged in */
            char enc[300], to[320];
            path_encode(x->url, enc, sizeof enc);
            snprintf(to, sizeof to, "/login%s%s", enc[0] ? "?next=" : "", enc);
            *res = redirect(x, to, NULL);
        } else if (res)
            *res = rt->page ? redirect(x, "/login", NULL)
                            : reply_error_c(x->s, x->c, MHD_HTTP_UNAUTHORIZED, "no_session",
                                            "log in first (no session)");
        return 0;
    }
    if (x->sess.role < rt->role) {
        logline(x->s, "refused %s %s from %s: %s is a %s, %s needed", x->method, x->url, x->ip,
                x->sess.user, sy_role_name(x->sess.role), sy_role_name(rt->role));
        /* a page answers as a page, in the staff's language; the API as JSON */
        if (res)
            *res = rt->page
                       ? reply_page(x, MHD_HTTP_FORBIDDEN,
                                    sy__console_error(x->lang, "role", sy_role_name(x->sess.role)))
                       : reply_error_c(x->s, x->c, MHD_HTTP_FORBIDDEN, "role",
                                       "your role does not allow this");
        return 0;
    }
    if (rt->changes) {
        char form[SY_SECRET_CHARS + 2];
        const char *given =
            rt->page ? (form_value(x->r, "csrf", form, sizeof form) ? form : NULL)
                     : MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "X-CSRF-Token");
        int foreign = foreign_origin(x->c);
        if (foreign || !csrf_ok(x, given)) {
            const char *origin = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "Origin");
            logline(x->s, "refused %s %s from %s (%s): %s%s", x->method, x->url, x->ip,
                    x->sess.user, foreign ? "from another origin: " : "CSRF token missing or wrong",
                    foreign && origin ? origin : "");
            if (foreign && res && !rt->page) { /* said as it is: the token may well be right */
                char said[400];
                snprintf(said, sizeof said,
                         "the request comes from another origin (Origin: %.200s): the office "
                         "takes changes only from its own pages and from scripts",
                         origin ? origin : "?");
                sv_log_line_clean(said);
                *res = reply_error_c(x->s, x->c, MHD_HTTP_FORBIDDEN, "origin", said);
                return 0;
            }
            /* a page's form (log out, after logging in again in another tab) is answered
             * with a page, not the API's JSON */
            if (res)
                *res = rt->page ? reply_page(x, MHD_HTTP_FORBIDDEN,
                                             sy__console_error(x->lang, "csrf", NULL))
                                : reply_error_c(x->s, x->c, MHD_HTTP_FORBIDDEN, "csrf",
                                                "missing or wrong X-CSRF-Token (see /api/v1/me)");
            return 0;
        }
    }
    return 1;
}

static enum MHD_Result route_request(sy_server *s, struct MHD_Connection *c, const char *url,
                                     const char *method, const req *r)
{
    ctx *x = calloc(1, sizeof *x);
    if (!x)
        return reply_error(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
    x->s = s;
    x->c = c;
    x->url = url;
    x->method = method;
    x->r = r;
    peer(c, x->ip, sizeof x->ip);
    x->lang = sy__console_lang(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang"),
                               MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language"));
    enum MHD_Result res;
    const route *rt = NULL;
    int path_known = 0;
    if (bad_path(url)) {
        logline(s, "refused %s from %s: bad path", method, x->ip);
        res = reply_error(s, c, MHD_HTTP_BAD_REQUEST, "bad path");
        goto out;
    }
    /* HEAD is GET without the body (libmicrohttpd sends none for HEAD): monitoring asks so */
    const char *as = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 ? MHD_HTTP_METHOD_GET : method;
    char allow[64] = ""; /* the methods the path has, for a 405's Allow (RFC 9110) */
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0] && !rt; i++) {
        if (!match(ROUTES[i].pattern, url, x))
            continue;
        path_known = 1;
        if (strcmp(ROUTES[i].method, as) == 0)
            rt = &ROUTES[i];
        else if (!strstr(allow, ROUTES[i].method) && strlen(allow) + 16 < sizeof allow)
            snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s%s",
                     allow[0] ? ", " : "", ROUTES[i].method,
                     strcmp(ROUTES[i].method, MHD_HTTP_METHOD_GET) == 0 ? ", HEAD" : "");
    }
    if (!rt) {
        /* a path outside /api/ and /static/ that a browser asks for is a page that is not
         * there: said as a page; the API's and the files' answers stay JSON */
        int browser = !path_known && strcmp(method, "GET") == 0 && strncmp(url, "/api/", 5) != 0 &&
                      strncmp(url, "/v1/", 4) != 0 && strncmp(url, "/static/", 8) != 0;
        const char *allow_h[] = {MHD_HTTP_HEADER_ALLOW, allow, NULL};
        res = path_known ? reply_json_h(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                                        json_pack("{s:s, s:s}", "error",
                                                  "method not allowed here (see the Allow header)",
                                                  "code", "method"),
                                        allow_h)
              : browser
                  ? reply_page(x, MHD_HTTP_NOT_FOUND, sy__console_error(x->lang, "missing", NULL))
                  : reply_error(s, c, MHD_HTTP_NOT_FOUND, "no such endpoint");
        goto out;
    }
    if (rt->auth == AUTH_STAFF && !staff_gate(x, rt, &res))
        goto out;
    res = rt->fn(x);
out:
    sodium_memzero(x, sizeof *x);
    free(x);
    return res;
}

/* The body bound of an upload route (a task package, a raster), or 0 for any other request. */
static size_t upload_limit(const char *url, const char *method)
{
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
        return 0;
    if (strcmp(url, "/api/v1/tasks") == 0)
        return TASKS_MAX_BODY;
    if (strcmp(url, "/api/v1/imagery") == 0)
        return (size_t)IMAGERY_MAX_BODY;
    /* /api/v1/units/CODE/attachments */
    static const char pre[] = "/api/v1/units/", suf[] = "/attachments";
    size_t n = strlen(url);
    if (n > sizeof pre - 1 + sizeof suf - 1 && strncmp(url, pre, sizeof pre - 1) == 0 &&
        strcmp(url + n - (sizeof suf - 1), suf) == 0 &&
        !memchr(url + sizeof pre - 1, '/', n - (sizeof pre - 1) - (sizeof suf - 1)))
        return ATTACH_MAX_BODY;
    return 0;
}

/* An upload's staff checks (session, role, origin, CSRF), made on its headers so that nobody
 * without the right can make the server read or store a large body. Returns 1 to go on, else
 * 0 with the reply queued in *res. */
static int upload_gate(sy_server *s, struct MHD_Connection *c, const char *url, const char *method,
                       const req *r, enum MHD_Result *res)
{
    ctx *x = calloc(1, sizeof *x);
    if (!x) {
        *res = reply_error(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
        return 0;
    }
    x->s = s;
    x->c = c;
    x->url = url;
    x->method = method;
    x->r = r;
    peer(c, x->ip, sizeof x->ip);
    const route *rt = NULL;
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0] && !rt; i++)
        if (match(ROUTES[i].pattern, url, x) && strcmp(ROUTES[i].method, method) == 0)
            rt = &ROUTES[i];
    int go = rt && staff_gate(x, rt, res);
    if (!rt && res)
        *res = reply_error(s, c, MHD_HTTP_NOT_FOUND, "no such endpoint");
    if (go && rt->fn == h_imagery_add && async_refused(s, c)) {
        go = 0;
        if (res)
            *res = reply_error_c(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, "imagery_busy", ASYNC_FULL);
    }
    sodium_memzero(x, sizeof *x);
    free(x);
    return go;
}

/* Open the spool file of an upload beside the office database. */
static int spool_open(sy_server *s, req *r)
{
    r->spool_path = temp_beside(sy_office_path(s->o), SPOOL_UPLOAD);
    int fd = r->spool_path ? mkstemp(r->spool_path) : -1;
    if (fd < 0) {
        free(r->spool_path);
        r->spool_path = NULL;
        return 0;
    }
    r->spool = fdopen(fd, "wb");
    if (!r->spool) {
        close(fd);
        unlink(r->spool_path);
        return 0;
    }
    return 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    sy_server *s = cls;
    req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->started = sv_mono_ms();
        r->max = SY_OFFICE_MAX_BODY;
        r->deadline = REQUEST_DEADLINE_MS;
        if (strncmp(url, "/v1/", 4) != 0)
            r->max = CONSOLE_MAX_BODY;
        *con_cls = r;
        /* a query argument that is not UTF-8 text is refused before any body is read (an
         * upload would be stored whole first) */
        int bad_args = 0;
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, bad_arg, &bad_args);
        if (bad_args) {
            static const char why[] =
                "a query argument is not UTF-8 text or holds a control character";
            char ip[64];
            peer(c, ip, sizeof ip);
            logline(s, "refused %s %s from %s: a query argument is not UTF-8 text", method, url,
                    ip);
            /* a client sending its body without waiting for "100 Continue" would lose an answer
             * given before it is read (the connection closes under it): a body of a bounded
             * size is read and dropped first, as an oversized one is */
            const char *cl =
                MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
            char *end = NULL;
            errno = 0;
            unsigned long long n = cl ? strtoull(cl, &end, 10) : 0;
            if (!cl || errno || end == cl || *end || n == 0 || n > OVERSIZE_DRAIN_MAX ||
                (expect && strcasecmp(expect, "100-continue") == 0))
                return reply_error(s, c, MHD_HTTP_BAD_REQUEST, why);
            r->bad_query = why;
            r->discard = 1;
            r->max = (size_t)n;
            return MHD_YES;
        }
        size_t up = upload_limit(url, method);
        if (up) {
            /* A client that waits for "100 Continue" gets the refusal at once; one that sends
             * its body anyway would lose an early answer when the connection closes under it,
             * so its body is read, within the usual deadline, and dropped; the refusal follows
             * (route_request makes the same checks again). */
            const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
            int waits = expect && strcasecmp(expect, "100-continue") == 0;
            enum MHD_Result res;
            if (!upload_gate(s, c, url, method, r, waits ? &res : NULL)) {
                if (waits)
                    return res;
                r->discard = 1;
            }
            r->max = up;
            r->gated = !r->discard;
            if (r->gated && up == (size_t)IMAGERY_MAX_BODY && !spool_open(s, r))
                return reply_error(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                   "cannot store the upload beside the office database");
        }
        /* Refuse an announced oversized body before reading any of it. */
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            /* A bundle of one large entry (docs/bundle.md) may be larger: read only for a device
             * enrolled here, and authenticated like any request once read. */
            if (!errno && end != cl && !*end && n > SY_OFFICE_MAX_BODY &&
                n <= SY_BUNDLE_MAX_ONE_BYTES && strcmp(url, "/v1/bundles") == 0 &&
                strcmp(method, MHD_HTTP_METHOD_POST) == 0) {
                const char *id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Quejie-Device");
                pthread_mutex_lock(&s->lock);
                int known = sy_office_device_enrolled(s->o, id) == SY_OK;
                pthread_mutex_unlock(&s->lock);
                if (known) {
                    r->max = (size_t)n;
                    r->deadline = REQUEST_DEADLINE_MS + (int64_t)(n / 65536) * 1000;
                }
            }
            if (errno || end == cl || *end || n > r->max) {
                char ip[64];
                peer(c, ip, sizeof ip);
                logline(s, "refused %s %s from %s: body of %s bytes is over the limit", method, url,
                        ip, cl);
                const char *why = r->max == CONSOLE_MAX_BODY          ? "request body over 64 KiB"
                                  : strcmp(url, "/api/v1/tasks") == 0 ? "task package over 32 MiB"
                                  : r->max == ATTACH_MAX_BODY         ? "attachment over 32 MiB"
                                  : r->spool
                                      ? "raster over 512 MiB"
                                      : "request body over 9 MiB (a bundle is at most 8 MiB "
                                        "unless it holds one entry, sent by an enrolled device)";
                const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
                if (errno || end == cl || *end || n > OVERSIZE_DRAIN_MAX ||
                    (expect && strcasecmp(expect, "100-continue") == 0))
                    return reply_error(s, c, MHD_HTTP_CONTENT_TOO_LARGE, why);
                r->too_large = why;
                r->discard = 1;
                r->max = (size_t)n;
                if (r->spool) {
                    fclose(r->spool);
                    r->spool = NULL;
                }
                return MHD_YES;
            }
            if (r->gated)
                r->deadline = REQUEST_DEADLINE_MS + (int64_t)(n / 65536) * 1000;
            if (n && !r->spool && !r->discard) {
                size_t first = n < BODY_FIRST_ALLOC ? (size_t)n : BODY_FIRST_ALLOC;
                if (!body_budget_take(s, first))
                    return reply_error(s, c, MHD_HTTP_SERVICE_UNAVAILABLE,
                                       "the server is receiving too much at once: try again");
                r->body = malloc(first);
                if (!r->body) {
                    body_budget_give(s, first);
                    return reply_error(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
                }
                r->cap = first;
            }
        }
        return MHD_YES;
    }
    if (*upload_size) {
        /* A response cannot be queued while upload data is being handed over: a body that
         * grows past the bound or the deadline costs the client its connection. */
        if (sv_mono_ms() - r->started > r->deadline || *upload_size > r->max - r->len) {
            char ip[64];
            peer(c, ip, sizeof ip);
            logline(s, "cut %s %s from %s: body too large or too slow", method, url, ip);
            return MHD_NO;
        }
        if (r->discard) {
            r->len += *upload_size;
            *upload_size = 0;
            return MHD_YES;
        }
        if (r->spool) {
            if (fwrite(upload_data, 1, *upload_size, r->spool) != *upload_size)
                return MHD_NO;
            r->len += *upload_size;
            *upload_size = 0;
            return MHD_YES;
        }
        if (r->len + *upload_size > r->cap) {
            size_t nc = r->cap ? r->cap : 65536;
            while (nc < r->len + *upload_size)
                nc *= 2;
            if (nc > r->max)
                nc = r->max;
            /* bodies held in memory before they are authenticated share one budget: many
             * connections sending large bodies at once are cut rather than exhaust memory */
            if (!body_budget_take(s, nc - r->cap)) {
                char ip[64];
                peer(c, ip, sizeof ip);
                logline(s, "cut %s %s from %s: the server's memory for request bodies is in use",
                        method, url, ip);
                return MHD_NO;
            }
            uint8_t *nb = realloc(r->body, nc);
            if (!nb) {
                body_budget_give(s, nc - r->cap);
                return MHD_NO;
            }
            r->body = nb;
            r->cap = nc;
        }
        memcpy(r->body + r->len, upload_data, *upload_size);
        r->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->too_large)
        return reply_error(s, c, MHD_HTTP_CONTENT_TOO_LARGE, r->too_large);
    if (r->bad_query)
        return reply_error(s, c, MHD_HTTP_BAD_REQUEST, r->bad_query);
    if (r->spool) {
        int bad = fclose(r->spool) != 0;
        r->spool = NULL;
        if (bad)
            return reply_error(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot store the upload");
    }
    return route_request(s, c, url, method, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    sy_server *s = cls;
    (void)c;
    (void)toe;
    req *r = *con_cls;
    if (r) {
        body_budget_give(s, r->cap);
        if (r->spool)
            fclose(r->spool);
        if (r->spool_path)
            unlink(r->spool_path);
        free(r->spool_path);
        free(r->body);
        free(r);
        *con_cls = NULL;
    }
}

/* ---- start and stop
 * -------------------------------------------------------------------------------- */

static char *read_pem(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(PEM_MAX + 1);
    size_t n = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad || n == 0 || n > PEM_MAX) {
        snprintf(err, errlen, "%s: %s", path,
                 !buf  ? "out of memory"
                 : bad ? strerror(errno)
                       : "empty or too large");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (!strstr(buf, "-----BEGIN ")) {
        snprintf(err, errlen, "%s: not a PEM file", path);
        free(buf);
        return NULL;
    }
    return buf;
}

/* Parse "ADDR:PORT" or "[ADDR]:PORT" into ss. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen,
                        char *err, size_t errlen)
{
    char host[256];
    const char *port;
    if (!listen || !*listen) {
        snprintf(err, errlen, "--listen needs ADDR:PORT");
        return SY_EINVAL;
    }
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host) {
            snprintf(err, errlen, "--listen '%s': expected [ADDR]:PORT", listen);
            return SY_EINVAL;
        }
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof host) {
            snprintf(err, errlen, "--listen '%s': expected ADDR:PORT", listen);
            return SY_EINVAL;
        }
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
        port = colon + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 0 || p > 65535) {
        snprintf(err, errlen, "--listen '%s': the port must be 0-65535", listen);
        return SY_EINVAL;
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int g = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (g != 0 || !ai) {
        snprintf(err, errlen, "--listen '%s': %s", listen, gai_strerror(g));
        return SY_EINVAL;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *sslen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return SY_OK;
}

static int is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)ss;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)ss;
        return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
    }
    return 0;
}

int sy_server_start(sy_office *o, const sy_server_opts *opts, sy_server **out, char *err,
                    size_t errlen)
{
    *out = NULL;
    err[0] = '\0';
    if (!o || !opts) {
        snprintf(err, errlen, "invalid argument");
        return SY_EINVAL;
    }
    if (!opts->cert_file != !opts->key_file) {
        snprintf(err, errlen, "give both --tls-cert and --tls-key, or neither");
        return SY_EINVAL;
    }
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    int rc = parse_listen(opts->listen, &ss, &sslen, err, errlen);
    if (rc != SY_OK)
        return rc;
    int tls = opts->cert_file != NULL;
    if (!tls && !is_loopback(&ss)) {
        snprintf(err, errlen,
                 "plain HTTP only on a loopback address; give --tls-cert and --tls-key to "
                 "listen on %s",
                 opts->listen);
        return SY_EINVAL;
    }
    sy_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return SY_ENOMEM;
    }
    s->o = o;
    s->log = stderr;
    s->idle_s = opts->session_idle_s > 0 ? opts->session_idle_s : SY_SESSION_IDLE_S;
    if (opts->assets && !(s->assets = strdup(opts->assets))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return SY_ENOMEM;
    }
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s->assets);
        free(s);
        snprintf(err, errlen, "cannot create a mutex");
        return SY_ERR;
    }
    pthread_mutex_init(&s->pw_lock, NULL);
    pthread_mutex_init(&s->imagery_lock, NULL);
    for (int i = 0; i < KEPT_COUNT; i++) {
        pthread_mutex_init(&s->kept[i].lock, NULL);
        pthread_cond_init(&s->kept[i].built_cond, NULL);
    }
    snprintf(s->name, sizeof s->name, "%s", sy_office_name(o));
    for (int i = 0; i < READERS; i++) {
        pthread_mutex_init(&s->reader_lock[i], NULL);
        if (sy_office_open_reader(o, &s->reader[i]) != SY_OK) {
            /* without readers every read goes through the writer: slower, still correct */
            logline(s, "no read-only connection: %s", sy_office_errmsg(s->reader[i]));
            sy_office_close(s->reader[i]);
            s->reader[i] = NULL;
        }
    }
    if (tls) {
        s->cert = read_pem(opts->cert_file, err, errlen);
        s->key = s->cert ? read_pem(opts->key_file, err, errlen) : NULL;
        if (!s->key) {
            sy_server_stop(s);
            return SY_EIO;
        }
    }
    if (!(s->jobs = sy__jobs_new())) {
        snprintf(err, errlen, "out of memory");
        sy_server_stop(s);
        return SY_ENOMEM;
    }
    /* before listening: a script that sees the port open sees the log line too */
    int swept = sweep_leftovers(sy_office_path(o));
    if (swept)
        logline(s,
                "removed %d upload file%s an earlier server left beside the database (a day "
                "old: it was stopped mid-upload)",
                swept, swept == 1 ? "" : "s");
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0) |
                     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->key},
        {MHD_OPTION_END, 0, NULL},
    };
    /* the port given as well as the address: MHD names it in its own messages ("Failed to bind
     * to port 8443"), which said port 0 */
    uint16_t port = ss.ss_family == AF_INET6
                        ? ntohs(((const struct sockaddr_in6 *)(const void *)&ss)->sin6_port)
                        : ntohs(((const struct sockaddr_in *)(const void *)&ss)->sin_port);
    s->d = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)CONNECTION_LIMIT, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_ADDRESS_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
        /* MHD's default SO_REUSEADDR (a restart binds at once) but never SO_REUSEPORT: a second
         * office on the same address must fail to start, not share the tablets' connections */
        on_completed, s, MHD_OPTION_ARRAY, tls ? tls_opts : tls_opts + 2, MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot serve on %s (address in use or not available%s)",
                 opts->listen, tls ? ", or the certificate and key do not load" : "");
        sy_server_stop(s);
        return SY_EIO;
    }
    logline(s, "office %s (%s) listening on %s://%s", sy_office_name(o), sy_office_id(o),
            tls ? "https" : "http", opts->listen);
    *out = s;
    return SY_OK;
}

void sy_server_stop(sy_server *s)
{
    if (!s)
        return;
    if (s->d)
        MHD_stop_daemon(s->d);
    /* A tiling under way is let finish (its imagery would otherwise be lost with the upload):
     * the jobs' threads use the imagery handle and the office's lock. */
    char what[SY__JOB_WHAT_MAX] = "";
    int active = s->jobs ? sy__jobs_active(s->jobs, what, sizeof what) : 0;
    int queued = active - (what[0] != '\0');
    if (what[0])
        logline(s, "stopping once the imagery tiling under way (%s) is done", what);
    if (queued > 0)
        logline(s, "%d queued imagery upload%s dropped by the stop: send %s again", queued,
                queued == 1 ? "" : "s", queued == 1 ? "it" : "them");
    sy__jobs_free(s->jobs);
    if (s->d)
        logline(s, "office stopped");
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->pw_lock);
    sy_office_close(s->imagery_o);
    pthread_mutex_destroy(&s->imagery_lock);
    for (int i = 0; i < KEPT_COUNT; i++) {
        free(s->kept[i].text);
        pthread_mutex_destroy(&s->kept[i].lock);
        pthread_cond_destroy(&s->kept[i].built_cond);
    }
    for (int i = 0; i < READERS; i++) {
        sy_office_close(s->reader[i]);
        pthread_mutex_destroy(&s->reader_lock[i]);
    }
    free(s->assets);
    free(s->cert);
    free(s->key);
    free(s);
}
