/*
 * quejie-office.c - the county office's command: create the office, register and revoke
 * devices, serve the sync protocol, import task packages and USB bundles, show status and the
 * review queue, export the county-wide state. A thin client of sync/office.h.
 *
 * The command forms, flags and JSON keys documented in docs/office.md are a contract county
 * scripts depend on: add, never rename. Every failure exits non-zero (1 failed, 2 usage) with
 * one line on stderr naming the problem; nothing here touches the office's files except
 * through the library.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "survey/clock.h"
#include "survey/export.h"
#include "survey/fileio.h"
#include "survey/lifecycle.h"
#include "survey/limits.h"
#include "sync/bundle.h"
#include "sync/imagery.h"
#include "sync/office.h"
#include "sync/office_staff.h"

#include "common/args.h"
#include "common/files.h"
#include "common/table.h"

const char *prog = "quejie-office";

/* ---- shared helpers ----------------------------------------------------------------------------
 */

static int open_office(const char *path, sy_office **o)
{
    if (!*path) {
        *o = NULL;
        return die(EXIT_USAGE, "the office database path is empty");
    }
    int rc = sy_office_open(path, o);
    if (rc != SY_OK) {
        die(EXIT_FAIL, "%s", *o ? sy_office_errmsg(*o) : sy_strerror(rc));
        sy_office_close(*o);
        *o = NULL;
        return EXIT_FAIL;
    }
    if (*sy_office_open_note(*o)) /* repaired on opening: said, as the log would */
        fprintf(stderr, "%s: warning: %s\n", prog, sy_office_open_note(*o));
    return 0;
}

/* The exit code after open_office failed on path: an empty path is a usage error (the command
 * line alone shows it), any other failure the office's. */
static int open_failed(const char *path)
{
    return *path ? EXIT_FAIL : EXIT_USAGE;
}

static int office_fail(sy_office *o)
{
    int code = die(EXIT_FAIL, "%s", sy_office_errmsg(o));
    sy_office_close(o);
    return code;
}

/* A staff decision (review resolve, unit, dispute settle) the library refused with result rc:
 * SY_EINVAL is a field of the decision its rule refuses (who decides, the note's length, a
 * document's number), which the command line alone shows: a usage error; and so, for a unit
 * decision (dates true), is a notice whose dates are none, end first or run too short. Anything
 * else (no such unit or case, a state that does not allow it) is the office's: exit 1. */
static int decision_fail(sy_office *o, int rc, int dates)
{
    const sv_life_refusal *r = dates ? sy_office_refusal(o) : NULL;
    const char *why = r && r->reason ? r->reason : "";
    int usage = rc == SY_EINVAL || strcmp(why, "bad_dates") == 0 ||
                strcmp(why, "ends_first") == 0 || strcmp(why, "too_short") == 0 ||
                strcmp(why, "too_long") == 0;
    int code = office_fail(o);
    return usage ? EXIT_USAGE : code;
}

/* The result rc of writing the audit row of a staff action done here (docs/office.md, "Audit"),
 * as the console writes one: who is the command's --by when it names one, else NULL ("(command
 * line)"); the address "local". The action is done already; a row that cannot be written is an
 * error all the same. */
static int audited(sy_office *o, int rc)
{
    if (rc == SY_OK)
        return 0;
    return die(EXIT_FAIL, "done, but its audit row was not written: %s", sy_office_errmsg(o));
}

/* A listing's JSON text (office.h; freed here, *text set NULL) as a tree in *v. rc is the
 * listing call's result. Returns 0, or the exit code after the message (the office closed). */
static int listing(sy_office *o, int rc, char **text, json_t **v)
{
    *v = rc == SY_OK && *text ? json_loads(*text, 0, NULL) : NULL;
    free(*text);
    *text = NULL;
    if (*v)
        return 0;
    if (rc != SY_OK)
        return office_fail(o);
    int code = die(EXIT_FAIL, "out of memory");
    sy_office_close(o);
    return code;
}

static void print_json(json_t *v)
{
    char *s =
        v ? json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) : NULL;
    if (s) {
        puts(s);
        free(s);
    }
    json_decref(v);
}

static const char *jstr(const json_t *o, const char *key, const char *def)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : def;
}

static long long jint(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* ---- init, serve
 * ---------------------------------------------------------------------------------- */

/* s as a whole number in lo..hi: 1 and *out, or 0 (not a number, trailing text, out of range). */
static int whole(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

static int cmd_init(int argc, char **argv)
{
    opt opts[] = {{"--name", 1}, {"--tolerance", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    double tol = SY_OFFICE_TOLERANCE_M;
    const char *t = get(&a, "--tolerance");
    if (t) {
        char *end;
        errno = 0;
        tol = strtod(t, &end);
        if (errno || end == t || *end || !isfinite(tol) || tol <= 0 || tol > 1000)
            return die(EXIT_USAGE,
                       "--tolerance: '%s' is not a distance in metres above 0, up to 1000", t);
    }
    if (!*a.pos[0])
        return die(EXIT_USAGE, "the office database path is empty");
    char err[512];
    int rc = sy_office_create(a.pos[0], get(&a, "--name"), tol, err, sizeof err);
    if (rc != SY_OK)
        return die(EXIT_FAIL, "%s", err);
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    printf("created office %s '%s' in %s (keys in %s.key, tolerance %.2f m)\n", sy_office_id(o),
           sy_office_name(o), a.pos[0], a.pos[0], sy_office_tolerance(o));
    sy_office_close(o);
    return 0;
}

/* The console's static files: --assets, else where the package installs them, else (a build
 * tree's binary) the source tree's. */
static const char *console_assets(const char *given)
{
    if (given)
        return given;
    static const char *const dirs[] = {
#ifdef QUEJIE_OFFICE_ASSETS
        QUEJIE_OFFICE_ASSETS,
#endif
#ifdef QUEJIE_BUILD_OFFICE_ASSETS
        QUEJIE_BUILD_OFFICE_ASSETS,
#endif
        NULL};
    struct stat st;
    for (size_t i = 0; dirs[i]; i++)
        if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
            return dirs[i];
    return NULL;
}

/* Whether the PEM file at path holds a block whose BEGIN line contains what ("CERTIFICATE",
 * "PRIVATE KEY"): 1 yes, 0 no, -1 unreadable (errno set). The first 1 MiB is read. */
static int pem_holds(const char *path, const char *what)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    int found = 0;
    for (long n = 0; !found && n < 16384 && fgets(line, sizeof line, f); n++)
        found = strncmp(line, "-----BEGIN ", 11) == 0 && strstr(line, what) != NULL;
    fclose(f);
    return found;
}

/* The certificate and key files are checked before the office opens: GnuTLS's failure reaches
 * the command only as "cannot serve" beside a port in use. Returns 0, or the exit code after a
 * message naming the file. */
static int check_tls_files(const char *cert, const char *key)
{
    int c = pem_holds(cert, "CERTIFICATE"), k = pem_holds(key, "PRIVATE KEY");
    if (c < 0)
        return die(EXIT_FAIL, "--tls-cert %s: %s", cert, strerror(errno));
    if (k < 0)
        return die(EXIT_FAIL, "--tls-key %s: %s", key, strerror(errno));
    if (!c && !k && pem_holds(cert, "PRIVATE KEY") == 1 && pem_holds(key, "CERTIFICATE") == 1)
        return die(EXIT_USAGE,
                   "--tls-cert %s holds a private key and --tls-key %s a "
                   "certificate: swap them",
                   cert, key);
    if (!c)
        return die(EXIT_FAIL,
                   "--tls-cert %s: no PEM certificate in it (-----BEGIN CERTIFICATE-----)", cert);
    if (!k)
        return die(EXIT_FAIL,
                   "--tls-key %s: no PEM private key in it (-----BEGIN ... PRIVATE "
                   "KEY-----)",
                   key);
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    opt opts[] = {{"--listen", 1}, {"--tls-cert", 1},     {"--tls-key", 1},
                  {"--assets", 1}, {"--session-idle", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sy_server_opts so = {get(&a, "--listen"), get(&a, "--tls-cert"), get(&a, "--tls-key"),
                         console_assets(get(&a, "--assets")), 0};
    const char *idle = get(&a, "--session-idle");
    long long m;
    if (idle) {
        if (!whole(idle, 1, 24 * 60, &m))
            return die(EXIT_USAGE, "--session-idle: '%s' is not a number of minutes (1-1440)",
                       idle);
        so.session_idle_s = m * 60;
    }
    if (!so.assets)
        fprintf(stderr,
                "%s: note: no console assets directory (give --assets DIR): pages "
                "come without their style\n",
                prog);
    if (!so.listen)
        return die(EXIT_USAGE, "serve needs --listen ADDR:PORT");
    if (!so.cert_file != !so.key_file)
        return die(EXIT_USAGE, "give both --tls-cert and --tls-key, or neither");
    int bad = so.cert_file ? check_tls_files(so.cert_file, so.key_file) : 0;
    if (bad)
        return bad;
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    sy_office_set_log(o, stderr);
    /* Imagery added by an older build gains the console's web-mercator pyramid now, before the
     * office listens (docs/imagery.md, "In the console"); one that fails is logged and left out
     * of the console's maps, the rest of the office serves on. */
    int made, failed;
    if (sy_office_imagery_console_prepare(o, &made, &failed) == SY_OK && (made || failed))
        fprintf(stderr, "%s: console imagery: %d made, %d failed\n", prog, made, failed);

    /* The server's threads inherit this mask, so SIGTERM and SIGINT reach only sigwait here;
     * a client that hangs up mid-reply must not kill the office with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    char err[512];
    sy_server *s;
    int rc = sy_server_start(o, &so, &s, err, sizeof err);
    if (rc != SY_OK) {
        sy_office_close(o);
        return die(rc == SY_EINVAL ? EXIT_USAGE : EXIT_FAIL, "%s", err);
    }
    int sig = 0;
    while (sigwait(&set, &sig) != 0)
        ;
    fprintf(stderr, "%s: %s received, stopping\n", prog,
            sig == SIGTERM  ? "SIGTERM"
            : sig == SIGINT ? "SIGINT"
                            : "SIGHUP");
    sy_server_stop(s);
    sy_office_close(o);
    return 0;
}

/* ---- devices
 * -------------------------------------------------------------------------------------- */

static int device_add(int argc, char **argv)
{
    opt opts[] = {{"--name", 1}, {"--crew", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *name = get(&a, "--name"), *crew = get(&a, "--crew");
    if (!name)
        return die(EXIT_USAGE, "device add needs --name NAME");
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    char token[SY_TOKEN_CHARS + 1];
    if (sy_office_device_add(o, name, crew, token) != SY_OK)
        return office_fail(o);
    printf("registered device %s", name);
    if (crew)
        printf(" (crew %s)", crew);
    printf(" with office %s\n", sy_office_id(o));
    printf("enrollment token (shown once; give it to the tablet's `quejie enroll --token`):\n");
    printf("%s\n", token);
    int code = audited(o, sy_office_audit(o, NULL, "device.add", name, crew, NULL));
    sy_office_close(o);
    return code;
}

/* device revoke|restore OFFICE_DB --name NAME: the change (fn), what it says done (said: the
 * name, then its effect), its audit action. */
static int device_change(int argc, char **argv, const char *verb,
                         int (*fn)(sy_office *, const char *), const char *said, const char *audit)
{
    opt opts[] = {{"--name", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *name = get(&a, "--name");
    if (!name)
        return die(EXIT_USAGE, "device %s needs --name NAME", verb);
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    if (fn(o, name) != SY_OK)
        return office_fail(o);
    printf(said, name);
    int code = audited(o, sy_office_audit(o, NULL, audit, name, NULL, NULL));
    sy_office_close(o);
    return code;
}

static int device_restore(int argc, char **argv)
{
    return device_change(argc, argv, "restore", sy_office_device_restore,
                         "restored device %s: its requests and bundles are taken again, and the "
                         "entries it holds reach the office with its next sync or USB bundle\n",
                         "device.restore");
}

static int device_revoke(int argc, char **argv)
{
    return device_change(argc, argv, "revoke", sy_office_device_revoke,
                         "revoked device %s: its requests and bundles are refused from now on; "
                         "its entries stay\n",
                         "device.revoke");
}

static void print_devices(const json_t *devs)
{
    printf("%-20s %-12s %-9s %9s %9s  %-20s %s\n", "NAME", "CREW", "STATUS", "ACKED", "ENTRIES",
           "LAST INGEST", "OPEN CASES");
    size_t i;
    const json_t *d;
    json_array_foreach(devs, i, d)
    {
        printf("%s%*s %s%*s %-9s %9lld %9lld  %-20s %lld\n", COL(jstr(d, "name", ""), 20),
               COL(jstr(d, "crew", "-"), 12), jstr(d, "status", ""), jint(d, "acked_seq"),
               jint(d, "entries"), jstr(d, "last_ingest", "-"), jint(d, "review_open"));
    }
}

static int device_list(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    char *text = NULL;
    json_t *devs;
    int code = listing(o, sy_office_devices(o, &text), &text, &devs);
    if (code)
        return code;
    if (get(&a, "--json"))
        print_json(devs);
    else {
        print_devices(devs);
        json_decref(devs);
    }
    sy_office_close(o);
    return 0;
}

/* ---- status
 * ------------------------------------------------------------------------------------------ */

static int cmd_status(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    char *text = NULL;
    json_t *devs = NULL, *review = NULL, *tasks = NULL;
    int code = listing(o, sy_office_devices(o, &text), &text, &devs);
    if (!code)
        code = listing(o, sy_office_review(o, 0, &text), &text, &review);
    if (!code)
        code = listing(o, sy_office_tasks(o, &text), &text, &tasks);
    if (code) {
        json_decref(devs);
        json_decref(review);
        return code;
    }
    size_t open_cases = json_array_size(json_object_get(review, "cases"));
    size_t n_tasks = json_array_size(tasks);
    json_decref(review);
    json_decref(tasks);
    /* the latest backup (null: never), a warning when it is stale */
    json_t *bk = NULL;
    if (sy_office_last_backup(o, &text) == SY_OK)
        bk = json_loads(text, JSON_DECODE_ANY, NULL);
    free(text);
    if (!bk) {
        json_decref(devs);
        return office_fail(o);
    }
    if (get(&a, "--json")) {
        print_json(json_pack("{s:s, s:s, s:f, s:o, s:I, s:I, s:O}", "office_id", sy_office_id(o),
                             "name", sy_office_name(o), "tolerance_m", sy_office_tolerance(o),
                             "devices", devs, "review_open", (json_int_t)open_cases, "task_units",
                             (json_int_t)n_tasks, "last_backup", bk));
    } else {
        printf("office %s '%s': %zu device%s, %zu task unit%s, %zu open review case%s\n",
               sy_office_id(o), sy_office_name(o), json_array_size(devs),
               json_array_size(devs) == 1 ? "" : "s", n_tasks, n_tasks == 1 ? "" : "s", open_cases,
               open_cases == 1 ? "" : "s");
        if (json_is_null(bk))
            printf("NO BACKUP of this office yet (quejie-office backup; docs/office.md)\n");
        else
            printf("%slast backup %s in %s (%lld hours ago)\n",
                   json_is_true(json_object_get(bk, "stale")) ? "STALE: " : "",
                   jstr(bk, "time", ""), jstr(bk, "dest", ""),
                   (long long)json_integer_value(json_object_get(bk, "age_hours")));
        if (json_array_size(devs))
            print_devices(devs);
        json_decref(devs);
    }
    json_decref(bk);
    sy_office_close(o);
    return 0;
}

/* ---- tasks
 * --------------------------------------------------------------------------------------------- */

static int tasks_import(int argc, char **argv)
{
    opt opts[] = {{"--assign", 1}, {"--reassign", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 2, &a))
        return EXIT_USAGE;
    const char *assign = get(&a, "--assign");
    if (!assign)
        return die(EXIT_USAGE, "tasks import needs --assign NAME (a device or a crew)");
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    size_t n;
    if (sy_office_tasks_import(o, a.pos[1], assign, get(&a, "--reassign") != NULL, &n) != SY_OK) {
        int code = die(EXIT_FAIL, "nothing imported: %s", sy_office_errmsg(o));
        sy_office_close(o);
        return code;
    }
    /* A name no device or crew has yet is allowed (the device may be registered later), but
     * worth a word: a typo would leave the units with nobody. */
    int known = sy_office_assignee_known(o, assign);
    printf("imported %zu unit%s from %s, assigned to %s\n", n, n == 1 ? "" : "s", a.pos[1], assign);
    if (!known)
        fprintf(stderr, "%s: note: no registered device or crew is called '%s' (yet)\n", prog,
                assign);
    const char *base = strrchr(a.pos[1], '/');
    int code = audited(
        o, sy_office_audit_tasks(o, NULL, base ? base + 1 : a.pos[1], n, assign, NULL, NULL, 0));
    sy_office_close(o);
    return code;
}

/* ---- imagery
 * --------------------------------------------------------------------------------------------- */

static int imagery_add(int argc, char **argv)
{
    opt opts[] = {{"--name", 1},   {"--assign", 1}, {"--epsg", 1},
                  {"--margin", 1}, {"--whole", 0},  {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 2, &a))
        return EXIT_USAGE;
    const char *name = get(&a, "--name"), *assign = get(&a, "--assign");
    if (!name || !assign)
        return die(EXIT_USAGE, "imagery add needs --name NAME and --assign NAME (a device, a "
                               "crew, or '*' for every device)");
    long long epsg = 0;
    if (get(&a, "--epsg") && !whole(get(&a, "--epsg"), 4490, 4554, &epsg))
        return die(EXIT_USAGE, "--epsg: a CGCS2000 EPSG code (4490, or 4513-4554)");
    long long margin = (long long)SY_IMAGERY_MARGIN_M;
    if (get(&a, "--margin") && get(&a, "--whole"))
        return die(EXIT_USAGE, "imagery add: --margin M or --whole, not both");
    if (get(&a, "--margin") &&
        !whole(get(&a, "--margin"), 0, (long long)SY_IMAGERY_MARGIN_MAX, &margin))
        return die(EXIT_USAGE, "--margin: whole metres around the crew's units, 0 to %.0f",
                   SY_IMAGERY_MARGIN_MAX);
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    sy_imagery_info info;
    int code = 0;
    if (sy_office_imagery_add(o, a.pos[1], name, assign, (int)epsg,
                              get(&a, "--whole") ? SY_IMAGERY_WHOLE : (double)margin,
                              &info) != SY_OK)
        code = die(EXIT_FAIL, "imagery not added: %s", sy_office_errmsg(o));
    else {
        printf("imagery %s: %s tiled in EPSG:%d%s, %d level%s, %lld tiles, %.1f MB in %d "
               "pack%s, for %s",
               info.name, a.pos[1], info.epsg, info.warped ? " (reprojected)" : "", info.levels,
               info.levels == 1 ? "" : "s", (long long)info.tiles, (double)info.bytes / 1e6,
               info.packs, info.packs == 1 ? "" : "s", assign);
        if (info.margin_m >= 0)
            printf(" (each device gets what lies within %.0f m of its units)\n", info.margin_m);
        else
            printf(" (each device gets all of it)\n");
        code = audited(o, sy_office_audit_imagery(o, NULL, &info, assign, NULL, NULL, 0));
    }
    sy_office_close(o);
    return code;
}

static int imagery_list(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    char *text = NULL;
    json_t *t;
    int code = listing(o, sy_office_imagery_list(o, &text), &text, &t);
    if (code)
        return code;
    if (get(&a, "--json")) {
        print_json(t);
    } else {
        size_t i;
        const json_t *m;
        json_array_foreach(t, i, m)
        {
            printf("%s%*s EPSG:%-5lld %2lld levels %9.1f MB  for %s%*s %s\n",
                   COL(jstr(m, "name", ""), 24),
                   (long long)json_integer_value(json_object_get(m, "epsg")),
                   (long long)json_integer_value(json_object_get(m, "levels")),
                   (double)json_integer_value(json_object_get(m, "bytes")) / 1e6,
                   COL(jstr(m, "assign", ""), 12), jstr(m, "added", ""));
        }
        json_decref(t);
    }
    sy_office_close(o);
    return 0;
}

static int imagery_remove(int argc, char **argv)
{
    opt opts[] = {{"--name", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    if (!get(&a, "--name"))
        return die(EXIT_USAGE, "imagery remove needs --name NAME");
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    int code = 0;
    if (sy_office_imagery_remove(o, get(&a, "--name")) != SY_OK) {
        code = die(EXIT_FAIL, "%s", sy_office_errmsg(o));
    } else {
        printf("imagery %s removed\n", get(&a, "--name"));
        code =
            audited(o, sy_office_audit(o, NULL, "imagery.remove", get(&a, "--name"), NULL, NULL));
    }
    sy_office_close(o);
    return code;
}

static int tasks_list(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    char *text = NULL;
    json_t *t;
    int code = listing(o, sy_office_tasks(o, &text), &text, &t);
    if (code)
        return code;
    if (get(&a, "--json")) {
        print_json(t);
    } else {
        size_t i;
        const json_t *u;
        json_array_foreach(t, i, u)
        {
            printf("%s%*s %s%*s %s\n", COL(jstr(u, "code", ""), 20), COL(jstr(u, "assign", ""), 20),
                   jstr(u, "imported", ""));
        }
        json_decref(t);
    }
    sy_office_close(o);
    return 0;
}

/* ---- import (USB)
 * ---------------------------------------------------------------------------------------- */

/* Read exactly n bytes at offset off. Returns 0, or -1 with errno (EIO-like: ENODATA when the
 * file ends first). */
static int read_at(FILE *f, uint64_t off, uint8_t *b, size_t n)
{
    if (fseeko(f, (off_t)off, SEEK_SET) != 0)
        return -1;
    if (fread(b, 1, n, f) != n) {
        if (!ferror(f))
            errno = ENODATA;
        return -1;
    }
    return 0;
}

/* One record of a bundle file (a bundle, or a file record), as the framing pass found it. */
typedef struct frame {
    uint64_t off;
    size_t len;
    int is_file;
} frame;

/*
 * The framing of a bundle file (docs/bundle.md: bundles back to back, nothing between or after):
 * every header is read and the announced lengths must add up to the file's size exactly. A
 * truncated or padded file is refused here, before any of it is applied. Returns 0, or
 * EXIT_FAIL with msg naming the bundle (1-based) and its byte offset.
 */
static int frame_file(FILE *f, const char *path, frame **out, size_t *n, char *msg, size_t cap)
{
    *out = NULL;
    *n = 0;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        snprintf(msg, cap, "%s: %s", path, strerror(errno));
        return EXIT_FAIL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(msg, cap, "refused: %s is not a regular file", path);
        return EXIT_FAIL;
    }
    uint64_t size = (uint64_t)st.st_size, off = 0;
    if (size == 0) {
        snprintf(msg, cap, "refused: %s is empty: it holds no bundle", path);
        return EXIT_FAIL;
    }
    frame *v = NULL;
    size_t nv = 0, vcap = 0;
    while (off < size) {
        uint8_t hdr[SY_BUNDLE_HEADER_BYTES];
        size_t want = size - off < sizeof hdr ? (size_t)(size - off) : sizeof hdr;
        char err[256] = "";
        size_t len = 0;
        int is_file = 0;
        if (read_at(f, off, hdr, want) != 0) {
            free(v);
            snprintf(msg, cap, "%s: bundle %zu at byte %llu: %s", path, nv + 1,
                     (unsigned long long)off, strerror(errno));
            return EXIT_FAIL;
        }
        if (sy_record_frame(hdr, want, &len, &is_file, err, sizeof err) != SY_OK ||
            len > size - off) {
            if (!err[0])
                snprintf(err, sizeof err,
                         "truncated: its header announces %zu bytes but %llu are left", len,
                         (unsigned long long)(size - off));
            free(v);
            snprintf(msg, cap,
                     "refused: %s: bundle %zu at byte %llu: %s; nothing imported (the file "
                     "is damaged: a truncated or padded file is refused whole)",
                     path, nv + 1, (unsigned long long)off, err);
            return EXIT_FAIL;
        }
        if (nv == vcap) {
            vcap = vcap ? 2 * vcap : 16;
            frame *nf = realloc(v, vcap * sizeof *nf);
            if (!nf) {
                free(v);
                snprintf(msg, cap, "out of memory");
                return EXIT_FAIL;
            }
            v = nf;
        }
        v[nv++] = (frame){off, len, is_file};
        off += len;
    }
    *out = v;
    *n = nv;
    return 0;
}

/* A bundle file refused before any bundle of it was read (missing, empty, damaged framing):
 * said on stderr, and with --json also as the totals object, so a script always gets one. */
static int import_refused(int json, const char *msg)
{
    if (json)
        print_json(json_pack("{s:s, s:n, s:n, s:I, s:I, s:I, s:I, s:I, s:s, s:[], s:[]}", "status",
                             "refused", "device", "device_id", "first_seq", (json_int_t)0,
                             "last_seq", (json_int_t)0, "applied", (json_int_t)0, "acked_seq",
                             (json_int_t)0, "review_cases", (json_int_t)0, "error", msg, "bundles",
                             "files"));
    return die(EXIT_FAIL, "%s", msg);
}

static json_t *result_json(const sy_ingest_result *r)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s?}", "status",
                     sy_ingest_status_name(r->status), "device", r->device, "device_id",
                     r->device_id, "first_seq", (json_int_t)r->first_seq, "last_seq",
                     (json_int_t)r->last_seq, "applied", (json_int_t)r->applied, "acked_seq",
                     (json_int_t)r->acked_seq, "review_cases", (json_int_t)r->new_cases, "error",
                     r->message[0] ? r->message : NULL);
}

/*
 * A bundle file holds one or more bundles back to back (`quejie bundle` writes as many as the
 * unacknowledged entries need). They are applied in order, each in its own transaction exactly
 * as over HTTP: a bundle already held is a harmless duplicate, and one refused (altered, for
 * another office, a fork) or a gap stops the import with its index and offset, leaving the
 * bundles before it applied.
 */
static int cmd_import(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 2, &a))
        return EXIT_USAGE;
    const char *path = a.pos[1];
    int json = get(&a, "--json") != NULL;
    char msg[1024];
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(msg, sizeof msg, "%s: %s", path, strerror(errno));
        return import_refused(json, msg);
    }
    frame *fr;
    size_t nfr;
    if (frame_file(f, path, &fr, &nfr, msg, sizeof msg)) {
        fclose(f);
        return import_refused(json, msg);
    }
    sy_office *o;
    if (open_office(a.pos[0], &o)) {
        free(fr);
        fclose(f);
        return open_failed(a.pos[0]);
    }
    json_t *list = json_array(), *files = json_array();
    sy_ingest_result sum, r;
    memset(&sum, 0, sizeof sum);
    memset(&r, 0, sizeof r);
    sum.status = SY_INGEST_DUPLICATE; /* a file of file records alone */
    size_t napplied = 0, nheld = 0, i = 0, nbundles = 0, fnew = 0, fheld = 0;
    for (size_t k = 0; k < nfr; k++)
        nbundles += !fr[k].is_file;
    int rc = SY_OK, code = 0;
    char stop[1024] = "";
    for (i = 0; i < nfr; i++) {
        uint8_t *b = malloc(fr[i].len);
        if (!b || read_at(f, fr[i].off, b, fr[i].len) != 0) {
            snprintf(stop, sizeof stop, "%s: %s %zu at byte %llu: %s", path,
                     fr[i].is_file ? "file record" : "bundle", i + 1, (unsigned long long)fr[i].off,
                     b ? strerror(errno) : "out of memory");
            free(b);
            code = EXIT_FAIL;
            break;
        }
        if (fr[i].is_file) { /* a file kept with a unit, after the bundles naming it */
            sy_file_import_result fi;
            int frc = sy_office_file_import(o, b, fr[i].len, &fi);
            free(b);
            json_array_append_new(
                files, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:s?}", "index",
                                 (json_int_t)i + 1, "offset", (json_int_t)fr[i].off, "status",
                                 frc != SY_OK   ? "refused"
                                 : fi.duplicate ? "duplicate"
                                                : "applied",
                                 "device", fi.device, "device_id", fi.device_id, "sha256",
                                 fi.sha256, "bytes", (json_int_t)fi.bytes, "error",
                                 frc != SY_OK ? sy_office_errmsg(o) : NULL));
            if (frc != SY_OK) {
                snprintf(stop, sizeof stop, "refused: %s: file record %zu at byte %llu: %s", path,
                         i + 1, (unsigned long long)fr[i].off, sy_office_errmsg(o));
                code = EXIT_FAIL;
                break;
            }
            if (!fi.duplicate && sum.status != SY_INGEST_APPLIED && nbundles == 0)
                sum.status = SY_INGEST_APPLIED;
            fnew += !fi.duplicate;
            fheld += fi.duplicate;
            if (!json)
                printf("%s: %s file %.16s... (%lld bytes)%s\n",
                       fi.duplicate ? "duplicate" : "applied",
                       fi.device[0] ? fi.device : fi.device_id, fi.sha256, (long long)fi.bytes,
                       fi.duplicate ? " already held" : " kept");
            continue;
        }
        rc = sy_office_ingest(o, b, fr[i].len, NULL, "file", &r);
        free(b);
        json_t *one = result_json(&r);
        json_object_set_new(one, "index", json_integer((json_int_t)i + 1));
        json_object_set_new(one, "offset", json_integer((json_int_t)fr[i].off));
        json_array_append_new(list, one);
        if (napplied + nheld == 0) { /* the first bundle */
            sum = r;
            sum.applied = sum.new_cases = 0;
        }
        sum.status = r.status == SY_INGEST_APPLIED || sum.status == SY_INGEST_APPLIED
                         ? SY_INGEST_APPLIED
                         : r.status;
        sum.last_seq = r.last_seq;
        sum.acked_seq = r.acked_seq;
        sum.applied += r.applied;
        sum.new_cases += r.new_cases;
        const char *who = r.device[0] ? r.device : r.device_id;
        if (rc != SY_OK || r.status == SY_INGEST_GAP) {
            snprintf(stop, sizeof stop, "%s: %s: bundle %zu at byte %llu (entries %lld-%lld): %s",
                     rc != SY_OK ? "refused" : "gap", path, i + 1, (unsigned long long)fr[i].off,
                     (long long)r.first_seq, (long long)r.last_seq,
                     r.message[0] ? r.message : sy_strerror(rc));
            sum.status = r.status;
            size_t k = strlen(stop); /* the summary's error: as much as fits */
            k = k < sizeof sum.message ? k : sizeof sum.message - 1;
            memcpy(sum.message, stop, k);
            sum.message[k] = '\0';
            code = EXIT_FAIL;
            break;
        }
        if (r.status == SY_INGEST_APPLIED) {
            napplied++;
            if (!json)
                printf("applied: %s entries %lld-%lld, %zu new, acknowledged up to %lld\n", who,
                       (long long)r.first_seq, (long long)r.last_seq, r.applied,
                       (long long)r.acked_seq);
        } else {
            nheld++;
            if (!json)
                printf("duplicate: %s entries %lld-%lld already held, acknowledged up to %lld\n",
                       who, (long long)r.first_seq, (long long)r.last_seq, (long long)r.acked_seq);
        }
        if (!json && r.new_cases)
            printf("%zu new review case%s (see review list)\n", r.new_cases,
                   r.new_cases == 1 ? "" : "s");
    }
    sy_office_close(o);
    fclose(f);
    free(fr);
    if (json) {
        json_t *top = result_json(&sum);
        json_object_set_new(top, "bundles", list);
        json_object_set_new(top, "files", files);
        print_json(top);
    } else {
        json_decref(list);
        json_decref(files);
        if (nbundles > 1)
            printf("%zu of %zu bundles in %s: %zu applied (%zu new entries), %zu already held\n",
                   napplied + nheld, nbundles, path, napplied, sum.applied, nheld);
        if (fnew + fheld)
            printf("%zu file%s kept with units: %zu new, %zu already held\n", fnew + fheld,
                   fnew + fheld == 1 ? "" : "s", fnew, fheld);
    }
    if (code) {
        /* what came before the stop is kept: said as it is, bundles and files apart */
        size_t nb = napplied + nheld, nf = fnew + fheld;
        char before[160] = "";
        if (nb && nf)
            snprintf(before, sizeof before, "; the %zu bundle%s and %zu file%s before it stay", nb,
                     nb == 1 ? "" : "s", nf, nf == 1 ? "" : "s");
        else if (nb || nf)
            snprintf(before, sizeof before, "; the %zu %s%s before it stay%s", nb + nf,
                     nb ? "bundle" : "file", nb + nf == 1 ? "" : "s", nb + nf == 1 ? "s" : "");
        return die(code, "%s%s%s", stop, before, before[0] ? " applied" : "");
    }
    return 0;
}

/* ---- review, log
 * ------------------------------------------------------------------------------------------ */

static void print_side(const char *label, const json_t *s)
{
    printf("    %s %s entry %lld at %s:", label, jstr(s, "device", "?"), jint(s, "seq"),
           jstr(s, "time", "?"));
    if (json_object_get(s, "lat")) {
        printf(" lat %.9f lon %.9f", json_number_value(json_object_get(s, "lat")),
               json_number_value(json_object_get(s, "lon")));
        printf(" (%s)", jstr(s, "grade", "?"));
    } else {
        printf(" %s", jstr(s, "status", "?"));
        if (json_string_value(json_object_get(s, "value")))
            printf(" '%s'", jstr(s, "value", ""));
    }
    putchar('\n');
}

static int review_list(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {"--all", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    char *text = NULL;
    json_t *r;
    int code = listing(o, sy_office_review(o, get(&a, "--all") != NULL, &text), &text, &r);
    if (code)
        return code;
    if (get(&a, "--json")) {
        print_json(r);
    } else {
        const json_t *cases = json_object_get(r, "cases"), *c;
        size_t i;
        if (json_array_size(cases) == 0)
            printf("no %sreview cases\n", get(&a, "--all") ? "" : "open ");
        json_array_foreach(cases, i, c)
        {
            printf("#%lld %s unit %s %s %s: %s\n", jint(c, "id"), jstr(c, "status", ""),
                   jstr(c, "unit", ""), jstr(c, "kind", ""), jstr(c, "subject", ""),
                   jstr(c, "detail", ""));
            print_side("a:", json_object_get(c, "a"));
            print_side("b:", json_object_get(c, "b"));
            if (json_string_value(json_object_get(c, "resolved"))) /* --all: how it ended */
                printf("    %s%s by %s at %s%s%s\n",
                       json_string_value(json_object_get(c, "accept")) ? "decided "
                       : json_string_value(json_object_get(c, "note")) ? "closed with a note"
                                                                       : "closed",
                       jstr(c, "accept", ""), jstr(c, "decided_by", "?"), jstr(c, "resolved", "?"),
                       json_string_value(json_object_get(c, "note")) ? ": " : "",
                       jstr(c, "note", ""));
        }
        json_decref(r);
    }
    sy_office_close(o);
    return 0;
}

static int review_resolve(int argc, char **argv)
{
    opt opts[] = {{"--note", 1}, {"--accept", 1}, {"--by", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 2, &a))
        return EXIT_USAGE;
    long long id;
    if (!whole(a.pos[1], 1, LLONG_MAX, &id))
        return die(EXIT_USAGE, "'%s' is not a review case number", a.pos[1]);
    const char *accept = get(&a, "--accept"), *by = get(&a, "--by");
    if (accept && strcmp(accept, "a") != 0 && strcmp(accept, "b") != 0 &&
        strcmp(accept, "neither") != 0)
        return die(EXIT_USAGE, "--accept: the choice must be a, b or neither, not '%s'", accept);
    if (accept && !by)
        return die(EXIT_USAGE, "--accept needs --by NAME (who decides)");
    if (accept && sv_text_blank(get(&a, "--note")))
        return die(EXIT_USAGE,
                   "review resolve --accept needs --note TEXT (the reason for the choice)");
    if (!accept && !get(&a, "--note"))
        return die(EXIT_USAGE,
                   "review resolve needs --accept a|b|neither --by NAME, or --note TEXT "
                   "(a case is decided, or closed with a note)");
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    int rc = sy_office_review_decide(o, id, accept, by ? by : "office", get(&a, "--note"), NULL, 0);
    if (rc != SY_OK)
        return decision_fail(o, rc, 0);
    if (accept)
        printf("review case %lld decided: %s\n", id, accept);
    else
        printf("review case %lld resolved\n", id);
    int code = audited(o, sy_office_audit_review(o, by, a.pos[1], accept, get(&a, "--note"), NULL));
    sy_office_close(o);
    return code;
}

/* ---- units and their lifecycle
 * ---------------------------------------------------------------------------- */

static int cmd_units(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    char *text = NULL;
    json_t *rows;
    int code = listing(o, sy_office_units(o, &text), &text, &rows);
    if (code)
        return code;
    if (get(&a, "--json")) {
        print_json(rows);
    } else {
        size_t i;
        const json_t *u;
        if (json_array_size(rows) == 0)
            printf("no units (import a task package with tasks import)\n");
        json_array_foreach(rows, i, u)
        {
            printf("%s%*s %-12s %s%*s last entry %s, %lld open case%s%s%s%s\n",
                   COL(jstr(u, "code", ""), 16), jstr(u, "status", ""),
                   COL(jstr(u, "assign", ""), 12), jstr(u, "last_entry", "none"),
                   jint(u, "open_cases"), jint(u, "open_cases") == 1 ? "" : "s",
                   /* sv_life_work_after_decision: a reviewer should look again */
                   json_is_true(json_object_get(u, "work_after_decision"))
                       ? ", NEW WORK since the decision"
                       : "",
                   json_string_value(json_object_get(u, "note")) ? ": " : "", jstr(u, "note", ""));
        }
        json_decref(rows);
    }
    sy_office_close(o);
    return 0;
}

static int unit_decide(int argc, char **argv, const char *action)
{
    opt opts[] = {{"--unit", 1}, {"--by", 1},       {"--note", 1}, {"--from", 1},
                  {"--to", 1},   {"--received", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *unit = get(&a, "--unit"), *by = get(&a, "--by"), *note = get(&a, "--note");
    const char *from = get(&a, "--from"), *to = get(&a, "--to");
    const char *received = get(&a, "--received");
    if (received && strcmp(action, "objection") != 0)
        return die(EXIT_USAGE, "--received belongs to unit objection only (the day a written "
                               "objection was received)");
    int notice = strcmp(action, "notice") == 0;
    if (!unit || !by)
        return die(EXIT_USAGE, "unit %s needs --unit CODE and --by NAME", action);
    if (notice && (!from || !to))
        return die(EXIT_USAGE, "unit notice needs --from YYYY-MM-DD and --to YYYY-MM-DD");
    if (!notice && (from || to))
        return die(EXIT_USAGE, "--from and --to belong to unit notice only");
    if (strcmp(action, "objection") == 0 && (!note || !*note))
        return die(EXIT_USAGE, "unit objection needs --note TEXT (the objection's statement)");
    if (strcmp(action, "return") == 0 && sv_text_blank(note))
        return die(EXIT_USAGE,
                   "unit return needs --note TEXT (what the crew is to do: it reaches the tablet)");
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    /* accepting what no crew has completed on site is the office's call, said as the console
     * says it before the act: the unit's state before the decision */
    int in_field = 0;
    char *listing = NULL;
    if (strcmp(action, "accept") == 0 && sy_office_units(o, &listing) == SY_OK) {
        json_t *rows = json_loads(listing, 0, NULL), *u;
        size_t i;
        json_array_foreach(rows, i, u)
        {
            if (strcmp(jstr(u, "code", ""), unit) == 0)
                in_field = strcmp(jstr(u, "status", ""), "in_field") == 0;
        }
        json_decref(rows);
    }
    free(listing);
    /* an objection's day received goes where a notice's first day does (sv_life_check) */
    int rc =
        sy_office_unit_decide(o, unit, action, by, note, received ? received : from, to, NULL, 0);
    if (rc != SY_OK)
        return decision_fail(o, rc, 1);
    printf("unit %s: %s by %s\n", unit, action, by);
    if (in_field)
        fprintf(stderr,
                "quejie-office: note: no crew has sent the unit complete on site (it was "
                "in_field, not submitted: points, verifications, attendance or signatures "
                "missing; the notice would print what there is, the draft where nothing was "
                "surveyed): accepted all the same\n");
    char today[11];
    sv_local_date(today);
    if (notice && sv_date_ok(today) && strcmp(from, today) < 0) /* recorded, as county scripts
                                                                 * fill in paper notices */
        fprintf(stderr,
                "quejie-office: note: the notice starts before today (%s)%s: recorded as a "
                "notice posted earlier\n",
                today,
                strcmp(to, today) < 0 ? " and has ended: the unit is ready for registration" : "");
    char what[32];
    snprintf(what, sizeof what, "unit.%s", action);
    char *detail = sy_audit_decision_detail(action, note, from, to);
    int code = audited(o, sy_office_audit(o, by, what, unit, detail, NULL));
    free(detail);
    sy_office_close(o);
    return code;
}

static int dispute_settle(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1},     {"--dispute", 1}, {"--by", 1},     {"--outcome", 1},
                  {"--document", 1}, {"--number", 1},  {"--device", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *unit = get(&a, "--unit"), *dispute = get(&a, "--dispute"), *by = get(&a, "--by");
    const char *outcome = get(&a, "--outcome"), *doc = get(&a, "--document");
    const char *number = get(&a, "--number");
    if (!unit || !dispute || !by || !outcome || !doc || !number)
        return die(EXIT_USAGE, "dispute settle needs --unit CODE --dispute NUMBER --by NAME"
                               " --outcome TEXT --document agreement|statement --number DOCNO"
                               " [--device DEVICE]");
    /* the library's words for the documents (SV_SETTLE_DOC_STATEMENT too) */
    if (strcmp(doc, "agreement") != 0 && strcmp(doc, "statement") != 0 &&
        strcmp(doc, SV_SETTLE_DOC_STATEMENT) != 0)
        return die(EXIT_USAGE,
                   "--document: the settling document is agreement or statement, not '%s'", doc);
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    int rc = sy_office_dispute_settle(o, unit, dispute, get(&a, "--device"), by, outcome, doc,
                                      number, NULL, 0);
    if (rc != SY_OK)
        return decision_fail(o, rc, 0);
    printf("unit %s: dispute %s settled by %s (%s %s)\n", unit, dispute, by, doc, number);
    char detail[600];
    sy_audit_settle_detail(detail, sizeof detail, dispute, outcome, doc, number);
    int code = audited(o, sy_office_audit(o, by, "dispute.settle", unit, detail, NULL));
    sy_office_close(o);
    return code;
}

/* ---- files kept with units (scans of the signed forms, photos) ------------------------------ */

static int unit_attach(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1}, {"--by", 1}, {"--file", 1}, {"--what", 1}, {"--note", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *unit = get(&a, "--unit"), *by = get(&a, "--by"), *file = get(&a, "--file");
    const char *what = get(&a, "--what"), *note = get(&a, "--note");
    if (!unit || !by || !file || !what)
        return die(EXIT_USAGE,
                   "unit attach needs --unit CODE --by NAME --file SCAN.pdf|.jpg|.png"
                   " --what signed_form|agreement|dispute_statement|notice|photo|other");
    if (!sv_attach_what_ok(what))
        return die(EXIT_USAGE,
                   "--what: signed_form, agreement, dispute_statement, notice, photo or other, "
                   "not '%s'",
                   what);
    uint8_t *data;
    size_t len;
    if (read_small(file, SV_ATTACH_MAX_BYTES, &data, &len) != 0)
        return die(EXIT_FAIL, "%s: %s", file,
                   errno == E2BIG ? "larger than an attachment may be (32 MiB)" : strerror(errno));
    sy_office *o;
    if (open_office(a.pos[0], &o)) {
        free(data);
        return open_failed(a.pos[0]);
    }
    char sha[65];
    int rc = sy_office_unit_attach(o, unit, by, what, file, note, data, len, sha, NULL, 0);
    free(data);
    if (rc != SY_OK)
        return office_fail(o);
    const char *base = strrchr(file, '/');
    printf("unit %s: %s attached by %s as %s (%zu bytes, sha256 %s)\n", unit,
           base ? base + 1 : file, by, what, len, sha);
    char detail[300];
    sy_audit_attach_detail(detail, sizeof detail, what, base ? base + 1 : file, sha);
    int code = audited(o, sy_office_audit(o, by, "unit.attach", unit, detail, NULL));
    sy_office_close(o);
    return code;
}

/* Save the unit's files into dir, each under the name it had (a second file of the same name
 * gets its hash's first digits before it); an existing file is never overwritten. */
static int save_attachments(sy_office *o, const json_t *rows, const char *dir)
{
    size_t i;
    const json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *sha = jstr(r, "sha256", ""), *name = jstr(r, "name", "file");
        if (json_is_false(json_object_get(r, "held"))) { /* a crew's file still on its way */
            fprintf(stderr,
                    "%s: %s (sha256 %.16s...) not saved: its bytes have not reached the "
                    "office yet\n",
                    prog, name, sha);
            continue;
        }
        uint8_t *data;
        size_t len;
        char type[32];
        if (sy_office_attachment(o, sha, &data, &len, type, NULL) != SY_OK)
            return die(EXIT_FAIL, "%s", sy_office_errmsg(o));
        char path[4096];
        int bad = save_named(dir, name, sha, data, len, path, sizeof path);
        free(data);
        if (bad != 0)
            return die(EXIT_FAIL, "%s: %s", path, strerror(errno));
    }
    return 0;
}

static int unit_attachments(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1}, {"--json", 0}, {"--save", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *unit = get(&a, "--unit"), *save = get(&a, "--save");
    if (!unit)
        return die(EXIT_USAGE, "unit attachments needs --unit CODE");
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    char *text = NULL;
    json_t *rows;
    int code = listing(o, sy_office_unit_attachments(o, unit, &text), &text, &rows);
    if (code)
        return code;
    if (save) {
        code = save_attachments(o, rows, save);
    } else if (get(&a, "--json")) {
        print_json(rows);
        rows = NULL;
    } else {
        size_t i;
        const json_t *r;
        if (json_array_size(rows) == 0)
            printf("unit %s has no attachments\n", unit);
        json_array_foreach(rows, i, r)
        {
            printf("%s %-17s %s%*s %9lld %-15s %s%s%s\n", jstr(r, "time", ""), jstr(r, "what", ""),
                   COL(jstr(r, "by", ""), 10), jint(r, "bytes"), jstr(r, "type", ""),
                   jstr(r, "name", ""), json_string_value(json_object_get(r, "note")) ? ": " : "",
                   jstr(r, "note", ""));
        }
    }
    json_decref(rows);
    sy_office_close(o);
    return code;
}

static int cmd_disputes(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    char *text = NULL;
    json_t *rows;
    int code = listing(o, sy_office_disputes(o, &text), &text, &rows);
    if (code)
        return code;
    if (get(&a, "--json")) {
        print_json(rows);
    } else {
        size_t i;
        const json_t *d;
        if (json_array_size(rows) == 0)
            printf("no disputes\n");
        json_array_foreach(rows, i, d)
        {
            printf("%s%*s %s%*s %-18s %s%s%s\n", COL(jstr(d, "unit", ""), 16),
                   COL(jstr(d, "number", ""), 22), jstr(d, "state", ""), jstr(d, "document_no", ""),
                   json_object_get(d, "outcome") ? ": " : "", jstr(d, "outcome", ""));
        }
        json_decref(rows);
    }
    sy_office_close(o);
    return 0;
}

static int unit_return(int argc, char **argv)
{
    return unit_decide(argc, argv, "return");
}

static int unit_accept(int argc, char **argv)
{
    return unit_decide(argc, argv, "accept");
}

static int unit_notice(int argc, char **argv)
{
    return unit_decide(argc, argv, "notice");
}

static int unit_objection(int argc, char **argv)
{
    return unit_decide(argc, argv, "objection");
}

static int cmd_log(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {"--limit", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    long long limit = 50;
    const char *l = get(&a, "--limit");
    if (l && !whole(l, 1, LLONG_MAX, &limit))
        return die(EXIT_USAGE, "--limit: '%s' is not a positive whole number", l);
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    char *text = NULL;
    json_t *rows;
    int code = listing(o, sy_office_log(o, (size_t)limit, &text), &text, &rows);
    if (code)
        return code;
    if (get(&a, "--json")) {
        print_json(rows);
    } else {
        size_t i;
        const json_t *r;
        json_array_foreach(rows, i, r)
        {
            printf(
                "%s %-5s %s%*s %lld-%lld %-9s applied %lld acked %lld%s%s\n", jstr(r, "time", ""),
                jstr(r, "via", ""), COL(jstr(r, "device", jstr(r, "device_id", "?")), 16),
                jint(r, "first_seq"), jint(r, "last_seq"), jstr(r, "result", ""),
                jint(r, "applied"), jint(r, "acked_seq"),
                json_string_value(json_object_get(r, "reason")) ? ": " : "", jstr(r, "reason", ""));
        }
        json_decref(rows);
    }
    sy_office_close(o);
    return 0;
}

/* ---- export
 * -------------------------------------------------------------------------------------------------
 */

static int cmd_export(int argc, char **argv)
{
    opt opts[] = {{"--format", 1}, {"--output", 1}, {"--unit", 1}, {"--bom", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *f = get(&a, "--format"), *out = get(&a, "--output"), *unit = get(&a, "--unit");
    int bom = get(&a, "--bom") != NULL;
    sv_export_format fmt = SV_EXPORT_GPKG;
    if (!f || !out)
        return die(EXIT_USAGE,
                   "export needs --format gpkg|geojson|csv|shp|forms|notice and --output FILE");
    if (!*out)
        return die(EXIT_USAGE, "--output: the output file name is empty");
    int shp = strcmp(f, "shp") == 0 || strcmp(f, "shapefile") == 0;
    if (!shp && sv_export_format_parse(f, &fmt) != SV_OK)
        return die(EXIT_USAGE, "--format: '%s' is not gpkg, geojson, csv, shp, forms or notice", f);
    if (bom && (shp || fmt != SV_EXPORT_CSV))
        return die(EXIT_USAGE, "--bom is for --format csv only (a byte-order mark would break the "
                               "other formats)");
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    sv_export_stats st;
    if ((shp ? sy_office_export_shp(o, unit, out, &st)
             : sy_office_export_bom(o, fmt, unit, bom, out, &st)) != SY_OK)
        return office_fail(o);
    if (shp)
        printf("exported %zu unit%s, %zu boundary point%s as Shapefiles (one per layer, UTF-8, "
               "fields.csv names the columns) in %s\n",
               st.units, st.units == 1 ? "" : "s", st.points, st.points == 1 ? "" : "s", out);
    else if (fmt == SV_EXPORT_NOTICE)
        printf("wrote the public notice (公告) of %zu unit%s in notice, with %s, to %s, to print "
               "from a browser\n",
               st.units, st.units == 1 ? "" : "s", st.units == 1 ? "its map" : "their maps", out);
    else if (fmt == SV_EXPORT_CSV) /* the boundary-point table alone: no unit or walk rows */
        printf("exported %zu boundary point%s to %s\n", st.points, st.points == 1 ? "" : "s", out);
    else if (fmt == SV_EXPORT_FORMS)
        printf("wrote the boundary forms of %zu unit%s (%zu boundary point%s) to %s, to print "
               "from a browser\n",
               st.units, st.units == 1 ? "" : "s", st.points, st.points == 1 ? "" : "s", out);
    else
        printf("exported %zu unit%s, %zu boundary point%s, %zu walk%s to %s\n", st.units,
               st.units == 1 ? "" : "s", st.points, st.points == 1 ? "" : "s", st.walks,
               st.walks == 1 ? "" : "s", out);
    int code = audited(o, sy_office_audit(o, NULL, "export", f, out, NULL));
    sy_office_close(o);
    return code;
}

/* ---- staff accounts and the audit log
 * ------------------------------------------------------------------ */

/* The password: one line on standard input (never an argument: it would show in ps and the
 * shell's history). Returns a malloc'ed string or NULL after a message. */
static char *read_password(void)
{
    if (isatty(STDIN_FILENO))
        fprintf(stderr, "password (one line, at least %d characters): ", SY_PASSWORD_MIN);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
        free(line);
        die(EXIT_FAIL, "no password on standard input (give it as one line)");
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    if (n == 0) {
        free(line);
        die(EXIT_FAIL, "refused: the password is empty");
        return NULL;
    }
    return line;
}

static void free_password(char *p)
{
    if (p) {
        memset(p, 0, strlen(p));
        free(p);
    }
}

static int user_add(int argc, char **argv)
{
    opt opts[] = {{"--name", 1}, {"--role", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *name = get(&a, "--name"), *r = get(&a, "--role");
    sy_role role;
    if (!name || !r)
        return die(EXIT_USAGE, "user add needs --name NAME and --role admin|reviewer|viewer");
    if (sy_role_parse(r, &role) != SY_OK)
        return die(EXIT_USAGE, "--role: '%s' is not admin, reviewer or viewer", r);
    char *pw = read_password();
    if (!pw)
        return EXIT_FAIL;
    sy_office *o;
    if (open_office(a.pos[0], &o)) {
        free_password(pw);
        return open_failed(a.pos[0]);
    }
    int rc = sy_office_user_add(o, name, role, pw, NULL, NULL);
    free_password(pw);
    if (rc != SY_OK)
        return office_fail(o);
    printf("added user %s (%s)\n", name, sy_role_name(role));
    sy_office_close(o);
    return 0;
}

static int user_passwd(int argc, char **argv)
{
    opt opts[] = {{"--name", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *name = get(&a, "--name");
    if (!name)
        return die(EXIT_USAGE, "user passwd needs --name NAME");
    char *pw = read_password();
    if (!pw)
        return EXIT_FAIL;
    sy_office *o;
    if (open_office(a.pos[0], &o)) {
        free_password(pw);
        return open_failed(a.pos[0]);
    }
    int rc = sy_office_user_passwd(o, name, pw, NULL, NULL);
    free_password(pw);
    if (rc != SY_OK)
        return office_fail(o);
    printf("new password set for %s (its sessions are ended)\n", name);
    sy_office_close(o);
    return 0;
}

/* user disable / user enable: the account's one switch (its password kept either way). */
static int user_switch(int argc, char **argv, int enable)
{
    opt opts[] = {{"--name", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *name = get(&a, "--name");
    if (!name)
        return die(EXIT_USAGE,
                   enable ? "user enable needs --name NAME" : "user disable needs --name NAME");
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    int rc = enable ? sy_office_user_enable(o, name, NULL, NULL)
                    : sy_office_user_disable(o, name, NULL, NULL);
    if (rc != SY_OK)
        return office_fail(o);
    if (enable)
        printf("enabled user %s again (its password as it was: user passwd sets a new one)\n",
               name);
    else
        printf("disabled user %s (its sessions are ended)\n", name);
    sy_office_close(o);
    return 0;
}

static int user_disable(int argc, char **argv)
{
    return user_switch(argc, argv, 0);
}

static int user_enable(int argc, char **argv)
{
    return user_switch(argc, argv, 1);
}

static int user_list(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    char *text = NULL;
    json_t *users;
    int code = listing(o, sy_office_users(o, &text), &text, &users);
    if (code)
        return code;
    if (get(&a, "--json")) {
        print_json(users);
    } else {
        printf("%-20s %-9s %-9s %-20s %s\n", "NAME", "ROLE", "STATUS", "CREATED", "LAST LOGIN");
        size_t i;
        const json_t *u;
        json_array_foreach(users, i, u)
        {
            printf("%s%*s %-9s %-9s %-20s %s\n", COL(jstr(u, "name", ""), 20), jstr(u, "role", ""),
                   jstr(u, "status", ""), jstr(u, "created", ""), jstr(u, "last_login", "-"));
        }
        json_decref(users);
    }
    sy_office_close(o);
    return 0;
}

/* A copy of the whole office that can be put back (docs/office.md, "Backup and restore"):
 * into a new directory, or (--into) a dated one in a directory of backups, the oldest beyond
 * --keep removed. */
static int cmd_backup(int argc, char **argv)
{
    opt opts[] = {{"--no-imagery", 0}, {"--json", 0}, {"--into", 1}, {"--keep", 1}, {NULL}};
    args a;
    int into = 0;
    for (int i = 0; i < argc; i++)
        into |= strcmp(argv[i], "--into") == 0 || strncmp(argv[i], "--into=", 7) == 0;
    if (parse_args(argc, argv, opts, into ? 1 : 2, &a))
        return EXIT_USAGE;
    long long keep = 14;
    const char *k = get(&a, "--keep");
    if (k && !into)
        return die(EXIT_USAGE, "--keep goes with --into DIR");
    if (k && !whole(k, 1, 100000, &keep))
        return die(EXIT_USAGE, "--keep: '%s' is not a whole number from 1", k);
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    sy_backup_result r;
    int imagery = !get(&a, "--no-imagery");
    char *made = NULL;
    size_t removed = 0;
    int rc = into ? sy_office_backup_into(o, get(&a, "--into"), imagery, (unsigned)keep, &r, &made,
                                          &removed)
                  : sy_office_backup(o, a.pos[1], imagery, &r);
    if (rc != SY_OK)
        return office_fail(o);
    const char *dest = made ? made : a.pos[1];
    if (get(&a, "--json")) {
        print_json(json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "backup", dest,
                             "office_id", sy_office_id(o), "replicas", (json_int_t)r.replicas,
                             "entries", (json_int_t)r.entries, "decisions", (json_int_t)r.decisions,
                             "imagery", (json_int_t)r.imagery, "bytes", (json_int_t)r.bytes,
                             "removed", (json_int_t)removed));
    } else {
        printf("backup of office %s '%s' in %s: the database and its key, %zu replica%s "
               "(%lld entries), the office journal (%lld decision%s), %zu imagery file%s%s; "
               "%.1f MB, every journal checked, MANIFEST.json lists each file with its SHA-256\n",
               sy_office_id(o), sy_office_name(o), dest, r.replicas, r.replicas == 1 ? "" : "s",
               (long long)r.entries, (long long)r.decisions, r.decisions == 1 ? "" : "s", r.imagery,
               r.imagery == 1 ? "" : "s", imagery ? "" : " (--no-imagery)", r.bytes / 1e6);
        if (removed)
            printf("removed the %zu oldest backup%s of this office in %s (keeping %lld)\n", removed,
                   removed == 1 ? "" : "s", get(&a, "--into"), keep);
    }
    free(made);
    sy_office_close(o);
    return 0;
}

/* A backup put in place as a new office (docs/office.md, "Backup and restore"). */
static int cmd_restore(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 2, &a))
        return EXIT_USAGE;
    sy_backup_result r;
    char err[1024];
    int rc = sy_office_restore(a.pos[0], a.pos[1], &r, err, sizeof err);
    if (rc != SY_OK)
        return die(EXIT_FAIL, "%s", err);
    if (get(&a, "--json"))
        print_json(json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "restored", a.pos[1], "from",
                             a.pos[0], "replicas", (json_int_t)r.replicas, "entries",
                             (json_int_t)r.entries, "decisions", (json_int_t)r.decisions, "bytes",
                             (json_int_t)r.bytes));
    else
        printf("restored %s from %s: every file as its manifest says, %zu replica%s (%lld "
               "entries), %lld decision%s, %.1f MB; tablets send again, on their next sync, what "
               "they sent after the backup\n",
               a.pos[1], a.pos[0], r.replicas, r.replicas == 1 ? "" : "s", (long long)r.entries,
               (long long)r.decisions, r.decisions == 1 ? "" : "s", r.bytes / 1e6);
    return 0;
}

static int cmd_audit(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {"--limit", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    long long limit = 100;
    const char *l = get(&a, "--limit");
    if (l && !whole(l, 1, LLONG_MAX, &limit))
        return die(EXIT_USAGE, "--limit: '%s' is not a positive whole number", l);
    sy_office *o;
    if (open_office(a.pos[0], &o))
        return open_failed(a.pos[0]);
    char *text = NULL;
    json_t *rows;
    int code = listing(o, sy_office_audit_list(o, (size_t)limit, &text), &text, &rows);
    if (code)
        return code;
    if (get(&a, "--json")) {
        print_json(rows);
    } else {
        size_t i;
        const json_t *r;
        json_array_foreach(rows, i, r)
        {
            printf(
                "%s %s%*s %-16s %-15s %s%s%s\n", jstr(r, "time", ""), COL(jstr(r, "user", ""), 16),
                jstr(r, "action", ""), jstr(r, "address", ""), jstr(r, "target", ""),
                json_string_value(json_object_get(r, "detail")) ? ": " : "", jstr(r, "detail", ""));
        }
        json_decref(rows);
    }
    sy_office_close(o);
    return 0;
}

/* ---- main
 * -----------------------------------------------------------------------------------------------------
 */

static const char USAGE[] =
    "usage:\n"
    "  quejie-office init OFFICE_DB [--name NAME] [--tolerance METRES]\n"
    "  quejie-office serve OFFICE_DB --listen ADDR:PORT [--tls-cert FILE --tls-key FILE]\n"
    "                [--assets DIR] [--session-idle MINUTES]\n"
    "  quejie-office device add OFFICE_DB --name NAME [--crew NAME]\n"
    "  quejie-office device revoke OFFICE_DB --name NAME\n"
    "  quejie-office device restore OFFICE_DB --name NAME\n"
    "  quejie-office device list OFFICE_DB [--json]\n"
    "  quejie-office tasks import OFFICE_DB FILE.geojson --assign NAME [--reassign]\n"
    "  quejie-office tasks list OFFICE_DB [--json]\n"
    "  quejie-office imagery add OFFICE_DB RASTER --name NAME --assign NAME|'*' [--epsg N]\n"
    "                [--margin M | --whole]\n"
    "  quejie-office imagery list OFFICE_DB [--json]\n"
    "  quejie-office imagery remove OFFICE_DB --name NAME\n"
    "  quejie-office import OFFICE_DB BUNDLE_FILE [--json]\n"
    "  quejie-office review list OFFICE_DB [--json] [--all]\n"
    "  quejie-office review resolve OFFICE_DB ID --note TEXT\n"
    "  quejie-office review resolve OFFICE_DB ID --accept a|b|neither --by NAME [--note TEXT]\n"
    "  quejie-office units OFFICE_DB [--json]\n"
    "  quejie-office unit attach OFFICE_DB --unit CODE --by NAME --file FILE --what WHAT\n"
    "                [--note TEXT]\n"
    "  quejie-office unit attachments OFFICE_DB --unit CODE [--json] [--save DIR]\n"
    "  quejie-office unit return|accept OFFICE_DB --unit CODE --by NAME [--note TEXT]\n"
    "  quejie-office unit notice OFFICE_DB --unit CODE --by NAME --from YYYY-MM-DD\n"
    "      --to YYYY-MM-DD\n"
    "  quejie-office unit objection OFFICE_DB --unit CODE --by NAME --note TEXT\n"
    "                [--received YYYY-MM-DD]\n"
    "  quejie-office dispute settle OFFICE_DB --unit CODE --dispute NUMBER --by NAME --outcome "
    "TEXT\n"
    "      --document agreement|statement --number DOCNO [--device DEVICE]\n"
    "  quejie-office disputes OFFICE_DB [--json]\n"
    "  quejie-office status OFFICE_DB [--json]\n"
    "  quejie-office log OFFICE_DB [--json] [--limit N]\n"
    "  quejie-office export OFFICE_DB --format gpkg|geojson|csv|shp|forms|notice --output FILE\n"
    "        [--unit CODE] [--bom]\n"
    "  quejie-office user add OFFICE_DB --name NAME --role admin|reviewer|viewer  (password on "
    "stdin)\n"
    "  quejie-office user passwd OFFICE_DB --name NAME  (password on stdin)\n"
    "  quejie-office user disable OFFICE_DB --name NAME\n"
    "  quejie-office user enable OFFICE_DB --name NAME\n"
    "  quejie-office user list OFFICE_DB [--json]\n"
    "  quejie-office audit OFFICE_DB [--json] [--limit N]\n"
    "  quejie-office backup OFFICE_DB DEST_DIR [--no-imagery] [--json]\n"
    "  quejie-office backup OFFICE_DB --into DIR [--keep N] [--no-imagery] [--json]\n"
    "  quejie-office restore BACKUP_DIR OFFICE_DB [--json]\n";

/* The forms of one command (`quejie-office help unit notice`, `quejie-office status --help`),
 * as `quejie help` prints them. */
static int command_help(const char *cmd, const char *sub)
{
    return command_usage(USAGE, cmd, sub,
                         "docs/office.md (/usr/share/doc/quejie-office/office.md)");
}

int main(int argc, char **argv)
{
    refuse_repeats = 1;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        (strcmp(argv[1], "help") == 0 && argc < 3)) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "help") == 0)
        return command_help(argv[2], argc > 3 ? argv[3] : NULL)
                   ? 0
                   : die(EXIT_USAGE, "unknown command '%s' (see quejie-office help)", argv[2]);
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return command_help(argv[1], i > 2 ? argv[2] : NULL)
                       ? 0
                       : die(EXIT_USAGE, "unknown command '%s' (see quejie-office help)", argv[1]);
    if (strcmp(argv[1], "--version") == 0) {
        printf("quejie-office %s\n", SV_VERSION);
        return 0;
    }
    static const struct {
        const char *group, *name;
        int (*fn)(int, char **);
    } subs[] = {{"device", "add", device_add},         {"device", "revoke", device_revoke},
                {"device", "restore", device_restore}, {"device", "list", device_list},
                {"tasks", "import", tasks_import},     {"tasks", "list", tasks_list},
                {"review", "list", review_list},       {"review", "resolve", review_resolve},
                {"unit", "return", unit_return},       {"unit", "accept", unit_accept},
                {"unit", "notice", unit_notice},       {"unit", "objection", unit_objection},
                {"unit", "attach", unit_attach},       {"unit", "attachments", unit_attachments},
                {"dispute", "settle", dispute_settle}, {"user", "add", user_add},
                {"user", "passwd", user_passwd},       {"user", "disable", user_disable},
                {"user", "enable", user_enable},       {"user", "list", user_list},
                {"imagery", "add", imagery_add},       {"imagery", "list", imagery_list},
                {"imagery", "remove", imagery_remove}};
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"init", cmd_init},     {"serve", cmd_serve},    {"import", cmd_import},
                {"status", cmd_status}, {"log", cmd_log},        {"export", cmd_export},
                {"units", cmd_units},   {"audit", cmd_audit},    {"disputes", cmd_disputes},
                {"backup", cmd_backup}, {"restore", cmd_restore}};
    const char *cmd = argv[1];
    static char named[64]; /* the command a usage error's hint names: "unit notice" */
    char known[128] = "";  /* the group's subcommands, for a missing or mistyped one */
    size_t n_known = 0;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(cmd, subs[i].group) != 0)
            continue;
        if (argc >= 3 && strcmp(argv[2], subs[i].name) == 0) {
            snprintf(named, sizeof named, "%s %s", cmd, subs[i].name);
            cmd_name = named;
            return subs[i].fn(argc - 3, argv + 3);
        }
        size_t more = 0;
        for (size_t k = i + 1; k < sizeof subs / sizeof subs[0]; k++)
            more += strcmp(cmd, subs[k].group) == 0;
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
                 n_known++ == 0 ? ""
                 : more         ? ", "
                                : " or ",
                 subs[i].name);
    }
    if (n_known && argc < 3)
        return die(EXIT_USAGE, "'%s' needs a subcommand: %s", cmd, known);
    if (n_known)
        return die(EXIT_USAGE, "unknown command '%s %s': '%s' is followed by %s", cmd, argv[2], cmd,
                   known);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(cmd, cmds[i].name) == 0) {
            cmd_name = cmds[i].name;
            return cmds[i].fn(argc - 2, argv + 2);
        }
    return die(EXIT_USAGE, "unknown command '%s' (see quejie-office help)", cmd);
}
