/*
 * fuzz_client.c - libFuzzer target for the tablet's reading of office replies (sync/src/client.c):
 * the enrollment answer (office id and keys), the task package with its signature header, the
 * cursor (acked_seq, acked_hash) and the answers to bundles, through the public calls
 * sy_client_enroll and sy_client_sync against a stand-in office: a libmicrohttpd server on
 * 127.0.0.1 in this process that answers each request with the next reply taken from the input.
 * The client is the real one (libcurl, its SQLite tables, the journal); each input starts from
 * a copy of the same enrolled journal (two entries: init and a unit), so runs do not depend on
 * each other.
 *
 * Input: a mode byte (bit 0: enroll rather than sync; bit 1: sync without fetching tasks; bit 2:
 * the journal keeps a file (an "attach" entry, a 40-byte PNG) before the sync, so the office's
 * answers about files are read: docs/sync-protocol.md, "Files"), then
 * the replies in request order, separated by a line "--". A reply is a first line
 * "STATUS [SIGNATURE]" (STATUS 100..599, else 200) and the body after it. A SIGNATURE of
 * "@sign" is replaced by the office's real task-package signature over the body for this
 * device (docs/sync-protocol.md), so saved inputs reach the task import; any other word is sent
 * as X-Quejie-Tasks-Signature as it is. When the replies run out the office answers 503. The
 * sync runs one attempt, so a failure ends it at once.
 * Checked: the call returns one of its documented codes with a message; a sync that succeeds
 * reports every entry acknowledged; the acknowledgement the client stores is always a seq of
 * its journal (0..last), whatever the office answered; a file is marked at the office only when
 * the office said it holds the whole, and is pending otherwise.
 */
#include "fixture.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <microhttpd.h>

#include "survey/state.h"
#include "survey/tasks.h"
#include "sync/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REPLIES 16

typedef struct reply {
    unsigned status;
    char sig[160];
    const uint8_t *body;
    size_t len;
} reply;

static struct {
    pthread_mutex_t lock;
    reply r[MAX_REPLIES];
    int n, next;
    char device_id[33];
} q = {.lock = PTHREAD_MUTEX_INITIALIZER};

static struct MHD_Daemon *office;
static char url[64], template_path[128], work_path[128];
static uint8_t office_pk[32], office_sk[64];

/* The office's signature over a task package for this device (docs/sync-protocol.md). */
static void sign_tasks(const uint8_t *body, size_t len, char out[129])
{
    static const char dom[] = "quejie-tasks-v1";
    uint8_t m[sizeof dom + 64], sig[64];
    memcpy(m, dom, sizeof dom);
    memcpy(m + sizeof dom, q.device_id, 32);
    crypto_hash_sha256(m + sizeof dom + 32, body, len);
    crypto_sign_detached(sig, NULL, m, sizeof m, office_sk);
    fuzz_hex(sig, sizeof sig, out);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *u,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)cls, (void)u, (void)method, (void)version, (void)upload;
    if (!*con_cls) {
        *con_cls = c; /* first call: headers only */
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0; /* the request body is not looked at */
        return MHD_YES;
    }
    pthread_mutex_lock(&q.lock);
    reply r = {503, "", (const uint8_t *)"{\"error\":\"no more replies\"}", 27};
    if (q.next < q.n)
        r = q.r[q.next++];
    if (strcmp(r.sig, "@sign") == 0)
        sign_tasks(r.body, r.len, r.sig);
    pthread_mutex_unlock(&q.lock);
    struct MHD_Response *rs =
        MHD_create_response_from_buffer(r.len, (void *)r.body, MHD_RESPMEM_MUST_COPY);
    if (!rs)
        return MHD_NO;
    if (r.sig[0])
        MHD_add_response_header(rs, "X-Quejie-Tasks-Signature", r.sig);
    enum MHD_Result res = MHD_queue_response(c, r.status, rs);
    MHD_destroy_response(rs);
    return res;
}

/* Replies from the input (pointing into it). */
static void load_replies(const uint8_t *p, size_t size)
{
    pthread_mutex_lock(&q.lock);
    q.n = q.next = 0;
    const uint8_t *end = p + size;
    while (q.n < MAX_REPLIES) {
        const uint8_t *stop = end;
        for (const uint8_t *s = p; s + 4 <= end; s++)
            if (s[0] == '\n' && s[1] == '-' && s[2] == '-' && s[3] == '\n') {
                stop = s;
                break;
            }
        reply *r = &q.r[q.n++];
        const uint8_t *nl = memchr(p, '\n', (size_t)(stop - p));
        const uint8_t *line_end = nl ? nl : stop;
        char line[200];
        size_t ll =
            (size_t)(line_end - p) < sizeof line - 1 ? (size_t)(line_end - p) : sizeof line - 1;
        memcpy(line, p, ll);
        line[ll] = '\0';
        char word[160] = "";
        unsigned status = 0;
        if (sscanf(line, "%u %159s", &status, word) < 1 || status < 100 || status > 599)
            status = 200;
        r->status = status;
        /* Header values cannot hold control characters: MHD would refuse the response. */
        for (char *w = word; *w; w++)
            if ((unsigned char)*w < 0x21 || *w == 0x7f)
                *w = '_';
        snprintf(r->sig, sizeof r->sig, "%s", word);
        r->body = nl ? nl + 1 : stop;
        r->len = (size_t)(stop - r->body);
        if (stop == end)
            break;
        p = stop + 4;
    }
    pthread_mutex_unlock(&q.lock);
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[65536];
    size_t n;
    int ok = in && out;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

/* The work journal: a fresh copy of the enrolled template. */
static int fresh_journal(sv_journal **j, sy_client **c)
{
    char a[160], b[160];
    static const char *const ext[] = {"", ".key"};
    for (int i = 0; i < 2; i++) {
        snprintf(a, sizeof a, "%s%s", template_path, ext[i]);
        snprintf(b, sizeof b, "%s%s", work_path, ext[i]);
        if (copy_file(a, b) != 0)
            return -1;
    }
    chmod(b, 0600);
    for (int i = 0; i < 2; i++) {
        snprintf(b, sizeof b, "%s%s", work_path, i ? "-shm" : "-wal");
        remove(b);
    }
    *c = NULL;
    if (sv_journal_open(work_path, 0, j) != SV_OK || sy_client_open(*j, c) != SY_OK) {
        fprintf(stderr, "fuzz: cannot open the work journal: %s\n", sv_journal_errmsg(*j));
        return -1;
    }
    return 0;
}

static const char UNIT_GEOJSON[] =
    "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": "
    "{\"code\": \"622901ZR000002\", \"name\": \"fuzz unit\"}, \"geometry\": {\"type\": "
    "\"Polygon\", \"coordinates\": [[[103.3, 35.4], [103.32, 35.4], [103.32, 35.42], "
    "[103.3, 35.42], [103.3, 35.4]]]}}]}";

/* Once: the stand-in office and the enrolled template journal. */
static int setup(void)
{
    const char *dir = fuzz_scratch();
    if (!dir || sodium_init() < 0)
        return -1;
    struct sockaddr_in sa = {
        .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    office = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, NULL,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
    const union MHD_DaemonInfo *di =
        office ? MHD_get_daemon_info(office, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!di || !di->port)
        return -1;
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)di->port);
    snprintf(template_path, sizeof template_path, "%s/template.db", dir);
    snprintf(work_path, sizeof work_path, "%s/work.db", dir);

    sv_journal_opts o = {
        .device_name = "tablet-1", .crew = "crew-a", .epsg = 0, .central_meridian = NAN};
    sv_journal *j = NULL;
    sv_task_set set;
    sv_diag d;
    if (sv_journal_create(template_path, &o, &j) != SV_OK ||
        sv_tasks_parse("fuzz.geojson", UNIT_GEOJSON, sizeof UNIT_GEOJSON - 1, NULL, NULL, &set,
                       &d) != SV_OK)
        return -1;
    int rc = sv_record_unit(j, &set.units[0], NULL);
    sv_task_set_clear(&set);
    snprintf(q.device_id, sizeof q.device_id, "%s", sv_journal_device_id(j));

    /* The enrollment answer of the office of seed 9. */
    uint8_t box_pk[32], box_sk[32], seed[32];
    fuzz_sign_keys(9, office_pk, office_sk);
    memset(seed, 9, sizeof seed);
    crypto_box_seed_keypair(box_pk, box_sk, seed);
    char oid[33], spk[65], bpk[65], answer[512];
    sv_device_id_from_key(office_pk, oid);
    fuzz_hex(office_pk, 32, spk);
    fuzz_hex(box_pk, 32, bpk);
    int an = snprintf(answer, sizeof answer,
                      "200\n{\"office_id\":\"%s\",\"office_name\":\"fuzz office\",\"sign_pk\":"
                      "\"%s\",\"box_pk\":\"%s\",\"device\":\"tablet-1\",\"acked_seq\":0}",
                      oid, spk, bpk);
    load_replies((const uint8_t *)answer, (size_t)an);
    sy_client *c = NULL;
    if (rc == SV_OK && sy_client_open(j, &c) == SY_OK)
        rc = sy_client_enroll(
            c, url, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", NULL);
    else
        rc = -1;
    if (rc != SY_OK)
        fprintf(stderr, "fuzz: cannot enroll the template: %s\n", sy_client_errmsg(c));
    sy_client_close(c);
    sv_journal_close(j);
    return rc == SY_OK ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (setup() != 0)
            abort();
        ready = 1;
    }
    if (size < 1)
        return 0;
    sv_journal *j = NULL;
    sy_client *c = NULL;
    if (fresh_journal(&j, &c) != 0)
        abort();
    load_replies(data + 1, size - 1);
    int rc, with_file = (data[0] & 4) != 0;
    if (with_file) {
        static const uint8_t png[] = "\x89PNG\r\n\x1a\na photograph kept for fuzzing";
        sv_attachment at;
        memset(&at, 0, sizeof at);
        snprintf(at.unit, sizeof at.unit, "%s", "622901ZR000002");
        snprintf(at.what, sizeof at.what, "%s", "photo");
        snprintf(at.name, sizeof at.name, "%s", "p.png");
        if (sv_record_attachment(j, &at, png, sizeof png - 1, NULL) != SV_OK)
            abort();
    }
    if (data[0] & 1) {
        rc = sy_client_enroll(
            c, url, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", NULL);
        if (rc != SY_OK && rc != SY_EAUTH && rc != SY_ENET && rc != SY_EREFUSED && rc != SY_EIO &&
            rc != SY_EINVAL && rc != SY_ENOMEM)
            __builtin_trap();
    } else {
        sy_sync_opts o = {.attempts = 1, .backoff_s = 0.001, .skip_tasks = (data[0] & 2) != 0};
        sy_sync_report r;
        rc = sy_client_sync(c, &o, &r);
        if (getenv("QJ_FUZZ_DEBUG"))
            fprintf(stderr,
                    "sync rc %d: %s (acked %lld of %lld, tasks %d, files %d sent %d pending: %s)\n",
                    rc, rc ? sy_client_errmsg(c) : "", (long long)r.acked_seq,
                    (long long)r.last_seq, r.tasks_fetched, r.files_sent, r.files_pending,
                    r.files_error);
        if (rc == SY_OK && r.acked_seq != r.last_seq)
            __builtin_trap();
        /* one file at most: pending unless the office held it whole */
        sv_attachment *att = NULL;
        size_t na = 0;
        if (sv_state_attachments(j, NULL, &att, &na) != SV_OK || na != (size_t)with_file)
            __builtin_trap();
        if (r.files_pending < 0 || r.files_sent + r.files_pending > with_file ||
            (na && r.files_sent != att[0].at_office) ||
            (rc == SY_OK && with_file && !r.files_sent && !r.files_error[0]))
            __builtin_trap();
        sv_attachments_free(att, na);
        /* What the client stores as the office's acknowledgement is a seq of this journal:
         * an impossible reply is refused, never kept (issue 9, defect 3). */
        sy_client_status st;
        if (sy_client_status_get(c, &st) != SY_OK)
            __builtin_trap();
        if (st.acked_seq < 0 || st.acked_seq > sv_journal_last_seq(j))
            __builtin_trap();
        sy_client_status_clear(&st);
    }
    if (rc != SY_OK && !sy_client_errmsg(c)[0])
        __builtin_trap();
    sy_client_close(c);
    sv_journal_close(j);
    return 0;
}
