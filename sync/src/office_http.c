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
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "survey/clock.h"
#include "sync/imagery.h"
#include "sync/office.h"

#define CONNECTION_LIMIT 64
#define CONNECTION_TIMEOUT_S 30
#define REQUEST_DEADLINE_MS (30 * 1000)
#define PEM_MAX (1024 * 1024)

struct sy_server {
    struct MHD_Daemon *d;
    sy_office *o;
    pthread_mutex_t lock;
    char *cert, *key; /* PEM text; MHD reads it while the daemon runs */
    FILE *log;
};

/* One request's state across the access handler's calls. */
typedef struct req {
    uint8_t *body;
    size_t len, cap;
    size_t max;       /* the body bound of this request */
    int64_t started;  /* monotonic ms */
    int64_t deadline; /* ms after started */
} req;

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

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *ctype,
                             const void *body, size_t len, const char *hname, const char *hval)
{
    struct MHD_Response *rs =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!rs)
        return MHD_NO;
    MHD_add_response_header(rs, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (hname)
        MHD_add_response_header(rs, hname, hval);
    enum MHD_Result r = MHD_queue_response(c, status, rs);
    MHD_destroy_response(rs);
    return r;
}

/* Reply with a JSON value (consumed). */
static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(v);
    if (!text)
        return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "application/json",
                     "{\"error\":\"out of memory\"}", 25, NULL, NULL);
    enum MHD_Result r = reply(c, status, "application/json", text, strlen(text), NULL, NULL);
    free(text);
    return r;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    return reply_json(c, status, json_pack("{s:s}", "error", msg));
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
    case SY_ENOMEM:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    default:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

/* ---- endpoints
 * ------------------------------------------------------------------------------------ */

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
        return reply_error(c, MHD_HTTP_BAD_REQUEST, "the body must be a JSON object");
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
    return reply_error(c, rc == SY_EREFUSED ? MHD_HTTP_CONFLICT : status_of(rc), msg);
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
                          json_pack("{s:s, s:I, s:s}", "status", status, "acked_seq",
                                    (json_int_t)res.acked_seq, "error", res.message));
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
                          json_pack("{s:s, s:s}", "status", "refused", "error", res.message));
    default:
        return reply_error(c, status_of(rc), res.message[0] ? res.message : sy_strerror(rc));
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
        return reply_error(c, status_of(rc), msg);
    enum MHD_Result res =
        reply(c, MHD_HTTP_OK, "application/geo+json", body, len, "X-Quejie-Tasks-Signature", sig);
    free(body);
    logline(s, "tasks sent to %s (%zu bytes)", dev->name, len);
    return res;
}

/* The signed manifest list of the device's imagery, and its chunks (sync/imagery.h). */
static enum MHD_Result do_imagery(sy_server *s, struct MHD_Connection *c, const sy_device *dev,
                                  const char *chunk)
{
    uint8_t *data = NULL;
    char *body = NULL, sig[129] = "", msg[512];
    size_t len = 0;
    pthread_mutex_lock(&s->lock);
    int rc = chunk ? sy_office_imagery_chunk(s->o, dev, chunk, &data, &len)
                   : sy_office_imagery_for(s->o, dev, &body, &len, sig);
    snprintf(msg, sizeof msg, "%s", sy_office_errmsg(s->o));
    pthread_mutex_unlock(&s->lock);
    if (rc == SY_EREFUSED)
        return reply_error(c, MHD_HTTP_NOT_FOUND, msg);
    if (rc != SY_OK) {
        if (chunk)
            logline(s, "imagery chunk for %s not served: %s", dev->name, msg);
        return reply_error(c, status_of(rc), msg);
    }
    enum MHD_Result res =
        chunk ? reply(c, MHD_HTTP_OK, "application/octet-stream", data, len, NULL, NULL)
              : reply(c, MHD_HTTP_OK, "application/json", body, len, "X-Quejie-Imagery-Signature",
                      sig);
    free(body);
    free(data);
    return res;
}

static enum MHD_Result route(sy_server *s, struct MHD_Connection *c, const char *url,
                             const char *method, const req *r)
{
    char ip[64];
    peer(c, ip, sizeof ip);
    int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
    int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    int is_enroll = strcmp(url, "/v1/enroll") == 0, is_cursor = strcmp(url, "/v1/cursor") == 0;
    int is_tasks = strcmp(url, "/v1/tasks") == 0, is_bundles = strcmp(url, "/v1/bundles") == 0;
    static const char chunks[] = "/v1/imagery/chunks/";
    const char *chunk =
        strncmp(url, chunks, sizeof chunks - 1) == 0 ? url + sizeof chunks - 1 : NULL;
    int is_imagery = strcmp(url, "/v1/imagery") == 0 || chunk;
    if (!is_enroll && !is_cursor && !is_tasks && !is_bundles && !is_imagery)
        return reply_error(c, MHD_HTTP_NOT_FOUND, "no such endpoint");
    if (((is_enroll || is_bundles) && !post) || ((is_cursor || is_tasks || is_imagery) && !get))
        return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed here");
    if (is_enroll)
        return do_enroll(s, c, r, ip);

    sy_device dev;
    const char *id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Quejie-Device");
    const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Quejie-Time");
    const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Quejie-Signature");
    pthread_mutex_lock(&s->lock);
    int rc =
        sy_office_authenticate(s->o, id, t, sig, method, url, r->body, r->len, sv_wall_ms(), &dev);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", sy_office_errmsg(s->o));
    int64_t acked = 0;
    uint8_t acked_hash[SV_HASH_BYTES];
    if (rc == SY_OK && is_cursor) {
        rc = sy_office_cursor(s->o, dev.device_id, &acked, acked_hash);
        snprintf(msg, sizeof msg, "%s", sy_office_errmsg(s->o));
    }
    pthread_mutex_unlock(&s->lock);
    if (rc == SY_EAUTH) {
        logline(s, "refused %s %s from %s: %s", method, url, ip, msg);
        return reply_error(c, MHD_HTTP_FORBIDDEN, msg);
    }
    if (rc != SY_OK)
        return reply_error(c, status_of(rc), msg);
    if (is_cursor) {
        char hex[2 * SV_HASH_BYTES + 1];
        sodium_bin2hex(hex, sizeof hex, acked_hash, sizeof acked_hash);
        return reply_json(
            c, MHD_HTTP_OK,
            json_pack("{s:I, s:s}", "acked_seq", (json_int_t)acked, "acked_hash", hex));
    }
    if (is_tasks)
        return do_tasks(s, c, &dev);
    if (is_imagery)
        return do_imagery(s, c, &dev, chunk);
    return do_bundle(s, c, r, &dev);
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
        *con_cls = r;
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
                return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
                                   "request body over 9 MiB (a bundle is at most 8 MiB unless "
                                   "it holds one entry, sent by an enrolled device)");
            }
            if (n) {
                r->body = malloc((size_t)n);
                if (!r->body)
                    return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
                r->cap = (size_t)n;
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
        if (r->len + *upload_size > r->cap) {
            size_t nc = r->cap ? r->cap : 65536;
            while (nc < r->len + *upload_size)
                nc *= 2;
            if (nc > r->max)
                nc = r->max;
            uint8_t *nb = realloc(r->body, nc);
            if (!nb)
                return MHD_NO;
            r->body = nb;
            r->cap = nc;
        }
        memcpy(r->body + r->len, upload_data, *upload_size);
        r->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    return route(s, c, url, method, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    req *r = *con_cls;
    if (r) {
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
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        snprintf(err, errlen, "cannot create a mutex");
        return SY_ERR;
    }
    if (tls) {
        s->cert = read_pem(opts->cert_file, err, errlen);
        s->key = s->cert ? read_pem(opts->key_file, err, errlen) : NULL;
        if (!s->key) {
            sy_server_stop(s);
            return SY_EIO;
        }
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0) |
                     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->key},
        {MHD_OPTION_END, 0, NULL},
    };
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1U, MHD_OPTION_ARRAY,
        tls ? tls_opts : tls_opts + 2, MHD_OPTION_END);
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
    if (s->d) {
        MHD_stop_daemon(s->d);
        logline(s, "office stopped");
    }
    pthread_mutex_destroy(&s->lock);
    free(s->cert);
    free(s->key);
    free(s);
}
