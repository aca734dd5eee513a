/*
 * main.c - quejie-app: the crew's touch UI.
 *
 *   quejie-app [--journal FILE] [--gnss HOST:PORT] [--lang zh_CN|en] [--window WxH]
 *              [--script FILE] [--unit CODE] [--usb DIR] [--dpi N] [--check-glyphs FILE] [--stats]
 *              [--basemap FILE]... [--photos DIR]
 *
 * Without --journal the tablet's journal is $QUEJIE_JOURNAL, else
 * ${XDG_DATA_HOME:-~/.local/share}/quejie/journal.db: the desktop launcher's form. Started so and
 * with no terminal on stderr (from the desktop, nobody reads it), a failed start also says why in
 * its window.
 *
 * The UI thread reads the journal through a read-only handle; the recorder thread (recorder.h)
 * writes it through its own, and the sync thread (sync_worker.h) sends it. On start the app
 * reopens the unit and the walk the crew was on (JOURNAL.session). --usb names the directory
 * "write to USB" writes to; without it the first writable mount under /media or /run/media is
 * used.
 *
 * Imagery (docs/imagery.md): each --basemap FILE (GeoPackage tiles or MBTiles), then every
 * *.gpkg and *.mbtiles in the directory `basemaps` beside the journal, drawn under the map. A
 * file that cannot be read is named on stderr and left out; the app goes on without it.
 *
 * --audit-glyphs checks every string the run draws against the font and fails the run (exit 1)
 * when one has a code point the font cannot draw (a box on the screen).
 *
 * --stats prints one line to stderr at exit (for bench/): the monotonic clock (sv_mono_ms, the
 * same clock in every process) when the first frame was shown, the frame count and the p50/p95/
 * max of build+draw time per frame.
 *
 * The loop sleeps in plat_wait until something happens (input, a GNSS update from the worker
 * thread, a long-press deadline, a script step, the once-a-second fix-age refresh while a fix
 * is shown) and redraws only then. A script (script.h) is run by the same loop: its taps and
 * gestures are queued as SDL touch events and come back through the same path as a finger.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "basemap.h"
#include "common/args.h"
#include "gesture.h"
#include "i18n.h"
#include "platform.h"
#include "preview.h"
#include "script.h"
#include "survey/clock.h"
#include "survey/gnss.h"
#include "survey/survey.h"
#include "sync/client.h"

const char *prog = "quejie-app";

#define WAIT_FOR_MS 20000 /* how long wait-for waits for its widget */
#define STEP_MS 16        /* between injected touch events of one gesture */

/* imagery tiles held as textures at most (docs/imagery.md) */
#define BASEMAP_CACHE_BYTES (32u << 20)

typedef struct pending {
    int64_t at;
    int type;
    int64_t finger;
    float x, y;
} pending;

typedef struct runner {
    app_script s;
    size_t pc;
    pending q[64];
    size_t nq, qhead;
    int64_t wait_until; /* wait MS */
    int64_t deadline;   /* wait-for */
    int active;
    int want_text; /* a text field is open (type needs one) */
    app *a;        /* for locate and dump-widgets */
} runner;

static int measure_text(void *ctx, const char *utf8, int px, int *w, int *h)
{
    return plat_text_size(ctx, utf8, px, w, h);
}

static int ascii_advance(void *ctx, int px, int c)
{
    return plat_ascii_advance(ctx, px, c);
}

static void queue(runner *r, int64_t at, int type, int64_t finger, float x, float y)
{
    if (r->nq < sizeof r->q / sizeof r->q[0])
        r->q[r->nq++] = (pending){at, type, finger, x, y};
}

/* Queue a finger's path from (x0, y0) to (x1, y1) in steps, starting at t. Returns the end. */
static int64_t path(runner *r, int64_t t, int64_t finger, float x0, float y0, float x1, float y1,
                    int steps)
{
    for (int i = 1; i <= steps; i++) {
        float f = (float)i / (float)steps;
        queue(r, t + i * STEP_MS, APP_PTR_MOVE, finger, x0 + (x1 - x0) * f, y0 + (y1 - y0) * f);
    }
    return t + steps * STEP_MS;
}

static int script_fail(const app_scmd *c, const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: script line %d: ", prog, c->line);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return -1;
}

/* Advance the script as far as it can go now. Returns 0 to go on, 1 to quit, -1 on failure.
 * Called only when the frame on screen is current (so widgets are those the crew sees). */
static int script_step(runner *r, plat *p, const app_ui *ui, int64_t now)
{
    while (r->pc < r->s.n) {
        if (r->qhead < r->nq || plat_input_pending(p))
            return 0; /* a gesture is still being delivered */
        r->nq = r->qhead = 0;
        if (r->wait_until) {
            if (now < r->wait_until)
                return 0;
            r->wait_until = 0;
            r->pc++;
            continue;
        }
        const app_scmd *c = &r->s.cmd[r->pc];
        const app_widget *w = NULL;
        if (c->op == APP_S_TAP_ID || c->op == APP_S_LONG_PRESS_ID) {
            w = app_ui_find(ui, c->arg);
            if (!w)
                return script_fail(c, "no widget @%s on this screen", c->arg);
            if (!w->enabled)
                return script_fail(c, "widget @%s is disabled", c->arg);
        }
        float cx = w ? w->r.x + w->r.w / 2 : 0, cy = w ? w->r.y + w->r.h / 2 : 0;
        switch (c->op) {
        case APP_S_TAP_ID:
        case APP_S_TAP_XY:
            if (c->op == APP_S_TAP_XY)
                cx = (float)c->v[0], cy = (float)c->v[1];
            queue(r, now, APP_PTR_DOWN, 1, cx, cy);
            queue(r, now + 60, APP_PTR_UP, 1, cx, cy);
            break;
        case APP_S_LONG_PRESS_ID:
            queue(r, now, APP_PTR_DOWN, 1, cx, cy);
            queue(r, now + APP_LONG_PRESS_MS + 200, APP_PTR_UP, 1, cx, cy);
            break;
        case APP_S_DRAG: {
            float x0 = (float)c->v[0], y0 = (float)c->v[1], x1 = (float)c->v[2],
                  y1 = (float)c->v[3];
            queue(r, now, APP_PTR_DOWN, 1, x0, y0);
            int64_t t = path(r, now, 1, x0, y0, x1, y1, 12);
            queue(r, t + STEP_MS, APP_PTR_UP, 1, x1, y1);
            break;
        }
        case APP_S_PINCH: {
            float x = (float)c->v[0], y = (float)c->v[1], f = (float)c->v[2], d0 = 60;
            float d1 = d0 * f;
            queue(r, now, APP_PTR_DOWN, 1, x - d0, y);
            queue(r, now + 1, APP_PTR_DOWN, 2, x + d0, y);
            int64_t t = now + 1;
            for (int i = 1; i <= 10; i++) {
                float d = d0 + (d1 - d0) * (float)i / 10;
                queue(r, t + i * STEP_MS, APP_PTR_MOVE, 1, x - d, y);
                queue(r, t + i * STEP_MS + 1, APP_PTR_MOVE, 2, x + d, y);
            }
            t += 11 * STEP_MS;
            queue(r, t, APP_PTR_UP, 2, x + d1, y);
            queue(r, t + 1, APP_PTR_UP, 1, x - d1, y);
            break;
        }
        case APP_S_TYPE:
            if (!r->want_text)
                return script_fail(c, "type: no text field is open%s", "");
            if (plat_inject_text(p, c->arg) != 0)
                return script_fail(c, "type: cannot queue the text%s", "");
            break;
        case APP_S_DRAG_IN: {
            w = app_ui_find(ui, c->arg);
            if (!w)
                return script_fail(c, "no widget @%s on this screen", c->arg);
            float x0 = w->r.x + w->r.w * (float)c->v[0], y0 = w->r.y + w->r.h * (float)c->v[1];
            float x1 = w->r.x + w->r.w * (float)c->v[2], y1 = w->r.y + w->r.h * (float)c->v[3];
            queue(r, now, APP_PTR_DOWN, 1, x0, y0);
            int64_t t = path(r, now, 1, x0, y0, x1, y1, 12);
            queue(r, t + STEP_MS, APP_PTR_UP, 1, x1, y1);
            break;
        }
        case APP_S_WAIT:
            r->wait_until = now + (int64_t)c->v[0];
            if (r->wait_until == now)
                r->wait_until = now + 1;
            return 0;
        case APP_S_WAIT_FOR:
            w = app_ui_find(ui, c->arg);
            if (w && w->enabled) {
                r->deadline = 0;
                break;
            }
            if (!r->deadline)
                r->deadline = now + WAIT_FOR_MS;
            if (now >= r->deadline)
                return script_fail(c, "timed out waiting for @%s", c->arg);
            return 0;
        case APP_S_SCREENSHOT: {
            char err[512];
            if (plat_screenshot(p, c->arg, err, sizeof err) != 0)
                return script_fail(c, "screenshot: %s", err);
            break;
        }
        case APP_S_LOCATE: {
            float x, y;
            if (!r->a || app_locate(r->a, c->v[0], c->v[1], &x, &y) != 0)
                return script_fail(c, "locate %s: no map shown, or no place on it", c->arg);
            printf("locate %s -> %.1f %.1f\n", c->arg, x, y);
            fflush(stdout);
            break;
        }
        case APP_S_DUMP_WIDGETS: {
            char err[600];
            if (app_dump_widgets(r->a, ui, c->arg, measure_text, p, err, sizeof err) != 0)
                return script_fail(c, "dump-widgets: %s", err);
            break;
        }
        case APP_S_QUIT:
            return 1;
        }
        r->pc++;
    }
    return r->pc >= r->s.n ? 1 : 0; /* a script that ends without quit ends the app too */
}

/* The next time the runner needs the loop (ms, monotonic), or -1. */
static int64_t script_next(const runner *r)
{
    if (!r->active)
        return -1;
    if (r->qhead < r->nq)
        return r->q[r->qhead].at;
    if (r->wait_until)
        return r->wait_until;
    if (r->deadline)
        return r->deadline; /* and on every frame before that */
    return -1;
}

static int parse_window(const char *s, int *w, int *h)
{
    char x;
    return s && sscanf(s, "%d%c%d", w, &x, h) == 3 && (x == 'x' || x == 'X') && *w >= 320 &&
                   *h >= 240 && *w <= 16384 && *h <= 16384
               ? 0
               : -1;
}

static int check_glyphs(plat *p, const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return die(EXIT_FAIL, "%s: cannot open", file);
    char line[4096];
    int bad = 0, n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0])
            continue;
        n++;
        int m = plat_missing_glyphs(p, line);
        if (m != 0) {
            printf("missing %d glyph%s: %s\n", m, m == 1 ? "" : "s", line);
            bad++;
        }
    }
    fclose(f);
    printf("%d strings, %d with missing glyphs (font %s)\n", n, bad, plat_font(p));
    return bad ? die(EXIT_FAIL, "%d of %d strings have code points the font %s cannot draw", bad, n,
                     plat_font(p))
               : 0;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static void print_stats(const char *renderer, int64_t first_frame, double *ft, size_t n)
{
    double p50 = 0, p95 = 0, mx = 0;
    if (n) {
        qsort(ft, n, sizeof *ft, cmp_double);
        p50 = ft[n / 2];
        p95 = ft[(size_t)(0.95 * (double)(n - 1))];
        mx = ft[n - 1];
    }
    fprintf(stderr,
            "stats: first_frame_mono_ms=%lld frames=%zu frame_ms_p50=%.3f "
            "frame_ms_p95=%.3f frame_ms_max=%.3f renderer=%s\n",
            (long long)first_frame, n, p50, p95, mx, renderer);
}

/* The journal when --journal is not given (see the top of this file). */
static const char *default_journal(char *buf, size_t len)
{
    const char *e = getenv("QUEJIE_JOURNAL"), *xdg = getenv("XDG_DATA_HOME"),
               *home = getenv("HOME");
    if (e && *e)
        return e;
    int n = xdg && *xdg     ? snprintf(buf, len, "%s/quejie/journal.db", xdg)
            : home && *home ? snprintf(buf, len, "%s/.local/share/quejie/journal.db", home)
                            : -1;
    return n > 0 && (size_t)n < len ? buf : NULL;
}

/* A failed start: on stderr; and, for a desktop launch (no --journal, no script, stderr no
 * terminal: nobody reads it), also in the app's own window, drawn with its own font (SDL's
 * message boxes need X core fonts, which have no Chinese), until the crew closes it or taps. */
static void show_start_error(plat *p, const char *title, const char *msg)
{
    app_ui ui = {0};
    plat_ev ev;
    for (int draw = 1;;) {
        if (draw) {
            draw = 0;
            int w, h;
            float mm;
            plat_size(p, &w, &h, &mm);
            app_ui_begin(&ui, w, h, mm);
            app_ui_fill(&ui, (app_rect){0, 0, (float)w, (float)h}, 0xfffdf5ffu);
            float x = 6 * mm, y = 8 * mm, lh = 7 * mm;
            app_ui_text(&ui, (app_rect){x, y, (float)w - 2 * x, 10 * mm}, title, (int)(6 * mm),
                        APP_ALIGN_LEFT, 0xb00020ffu);
            y += 14 * mm;
            for (const char *l = msg; *l && y < (float)h - 2 * lh;) {
                const char *e = strchr(l, '\n');
                size_t n = e ? (size_t)(e - l) : strlen(l);
                char line[512];
                snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1),
                         l);
                app_ui_text(&ui, (app_rect){x, y, (float)w - 2 * x, lh}, line, (int)(4 * mm),
                            APP_ALIGN_LEFT, 0x202020ffu);
                y += lh;
                l += n + (e != NULL);
            }
            app_ui_text(&ui, (app_rect){x, y + lh, (float)w - 2 * x, lh}, _("Tap to close"),
                        (int)(4 * mm), APP_ALIGN_LEFT, 0x505050ffu);
            plat_draw(p, &ui);
        }
        if (!plat_wait(p, -1, &ev))
            continue;
        if (ev.type == PLAT_EV_QUIT || ev.type == PLAT_EV_BACK ||
            (ev.type == PLAT_EV_PTR && ev.ptr.type == APP_PTR_UP))
            break;
        draw = ev.type == PLAT_EV_REDRAW;
    }
    app_ui_free(&ui);
}

static int fail_start(plat *p, int desktop, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_start(plat *p, int desktop, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    die(EXIT_FAIL, "%s", msg);
    if (desktop && !isatty(STDERR_FILENO))
        show_start_error(p, _("Quejie cannot start"), msg);
    return EXIT_FAIL;
}

/* The basemaps: every --basemap FILE (the option may be repeated), then basemaps/ beside the
 * journal. A file that cannot be read is named and left out. */
static void add_basemaps(app *A, plat *p, int argc, char **argv, const char *jpath)
{
    A->tiles = app_tiles_new(BASEMAP_CACHE_BYTES, plat_decode_image, plat_texture_new,
                             plat_texture_free, p, plat_wake, p);
    if (!A->tiles)
        return;
    for (int i = 1; i < argc; i++) {
        const char *f = NULL;
        if (strcmp(argv[i], "--basemap") == 0 && i + 1 < argc)
            f = argv[++i];
        else if (strncmp(argv[i], "--basemap=", 10) == 0)
            f = argv[i] + 10;
        char err[1400];
        if (f && app_tiles_add(A->tiles, f, err, sizeof err) != 0)
            fprintf(stderr, "%s: basemap left out: %s\n", prog, err);
    }
    char dir[1100];
    if (sy_basemaps_dir(jpath, dir, sizeof dir) == 0) /* where sync installs the office's */
        app_tiles_add_dir(A->tiles, dir, prog);
    app_tiles_prepare(A->tiles, A->geo);
    for (size_t i = 0; i < app_tiles_count(A->tiles); i++)
        fprintf(stderr, "%s: basemap %s\n", prog, app_tiles_path(A->tiles, i));
    if (app_tiles_count(A->tiles) > 0)
        plat_layer_prepare(p); /* the imagery's layer, before the first frame */
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: quejie-app [--journal FILE] [--gnss HOST:PORT] [--lang zh_CN|en] [--window WxH]\n"
        "                  [--unit CODE] [--usb DIR] [--dpi N] [--script FILE] [--audit-glyphs]\n"
        "                  [--stats] [--basemap FILE]... [--photos DIR]\n"
        "       quejie-app --check-glyphs FILE\n"
        "\n"
        "The crew's touch interface: today's units, the map, GNSS status, boundary points,\n"
        "walks, ownership verification, pointing out and signing, disputes, day end and sync.\n"
        "\n"
        "  --journal FILE     the tablet's journal (default: $QUEJIE_JOURNAL, else\n"
        "                     ${XDG_DATA_HOME:-~/.local/share}/quejie/journal.db)\n"
        "  --gnss HOST:PORT   gpsd to read positions from (gpsd listens on localhost:2947)\n"
        "  --lang zh_CN|en    interface language (default zh_CN, Simplified Chinese)\n"
        "  --window WxH       a window of that size instead of full screen\n"
        "  --unit CODE        open that registration unit's map\n"
        "  --usb DIR          where \"write to USB\" writes (default: the first writable mount\n"
        "                     under /media or /run/media)\n"
        "  --dpi N            lay out for N dots per inch (default: the display's; when it\n"
        "                     reports none, a 10.1-inch tablet at the window's size;\n"
        "                     overrides the Settings screen's DPI for this run)\n"
        "  --script FILE      run a script of taps and gestures (tests, demos, support)\n"
        "  --basemap FILE     imagery under the map: GeoPackage tiles or MBTiles (repeatable;\n"
        "                     also every *.gpkg and *.mbtiles in basemaps/ beside the journal)\n"
        "  --photos DIR       where the Files screen finds photographs and scans to keep with\n"
        "                     a unit (default: photos/ beside the journal)\n"
        "  --audit-glyphs     fail the run when a drawn string has a character the font lacks\n"
        "  --stats            print first-frame and frame-time figures at exit\n"
        "  --check-glyphs FILE  check that every line of FILE renders with real glyphs\n"
        "  --help (-h), --version\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
                      strcmp(argv[1], "help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("quejie-app %s\n", SV_VERSION);
        return 0;
    }
    opt opts[] = {{"--journal", 1, NULL}, {"--gnss", 1, NULL},    {"--lang", 1, NULL},
                  {"--window", 1, NULL},  {"--script", 1, NULL},  {"--check-glyphs", 1, NULL},
                  {"--stats", 0, NULL},   {"--usb", 1, NULL},     {"--audit-glyphs", 0, NULL},
                  {"--unit", 1, NULL},    {"--basemap", 1, NULL}, {"--dpi", 1, NULL},
                  {"--photos", 1, NULL},  {NULL, 0, NULL}};
    args a;
    if (parse_args(argc - 1, argv + 1, opts, 0, &a) != 0)
        return EXIT_USAGE;
    const char *jpath = get(&a, "--journal"), *lang = get(&a, "--lang");
    char jbuf[1024];
    int jdefault = !jpath;
    if (!jpath && !(jpath = default_journal(jbuf, sizeof jbuf)) && !get(&a, "--check-glyphs"))
        return die(EXIT_USAGE,
                   "--journal FILE is required (no $QUEJIE_JOURNAL, $XDG_DATA_HOME or $HOME)");
    if (lang && strcmp(lang, "zh_CN") != 0 && strcmp(lang, "en") != 0)
        return die(EXIT_USAGE, "--lang: '%s' is neither zh_CN nor en", lang);
    int ww = 0, wh = 0;
    if (get(&a, "--window") && parse_window(get(&a, "--window"), &ww, &wh) != 0)
        return die(EXIT_USAGE, "--window: '%s' is not WxH (at least 320x240)", get(&a, "--window"));
    int dpi_cli = 0;
    if (get(&a, "--dpi")) {
        char *end;
        long v = strtol(get(&a, "--dpi"), &end, 10);
        if (end == get(&a, "--dpi") || *end || v < 50 || v > 1000)
            return die(EXIT_USAGE, "--dpi: '%s' is not a whole number from 50 to 1000",
                       get(&a, "--dpi"));
        dpi_cli = (int)v;
    }
    if (app_i18n_init(lang ? lang : "zh_CN", NULL) != 0)
        fprintf(stderr, "%s: no zh_CN translations found: the interface is in English\n", prog);

    runner run = {0};
    char err[512] = "";
    if (get(&a, "--script")) {
        if (app_script_load(get(&a, "--script"), &run.s, err, sizeof err) != 0)
            return die(EXIT_USAGE, "%s", err);
        run.active = 1;
    }

    plat *p;
    if (plat_open("确界 Quejie", ww, wh, &p, err, sizeof err) != 0) {
        app_script_free(&run.s);
        return die(EXIT_FAIL, "%s", err);
    }
    if (get(&a, "--check-glyphs")) {
        int rc = check_glyphs(p, get(&a, "--check-glyphs"));
        plat_close(p);
        return rc;
    }
    app_set_text_advances(ascii_advance, p); /* Latin text measured in the UI font */
    int desktop = jdefault && !run.active;
    sv_journal *j = NULL;
    int rc = sv_journal_open(jpath, SV_OPEN_READONLY, &j);
    if (rc != SV_OK) {
        if (jdefault && rc == SV_ENOTFOUND)
            fail_start(p, desktop,
                       "%s: no journal on this tablet yet; create it with\n"
                       "  quejie init %s --device-name NAME --crew CREW\n"
                       "  quejie enroll %s --office URL --token TOKEN\n"
                       "(or give another with --journal FILE)",
                       jpath, jpath, jpath);
        else if (j)
            fail_start(p, desktop, "%s", sv_journal_errmsg(j));
        else
            fail_start(p, desktop, "%s: %s", jpath, sv_strerror(rc));
        sv_journal_close(j);
        plat_close(p);
        app_script_free(&run.s);
        return EXIT_FAIL;
    }
    app A;
    if (app_init(&A, j) != SV_OK) {
        fail_start(p, desktop, "%s: %s", jpath, A.status[0] ? A.status : "cannot read the journal");
        app_free(&A);
        sv_journal_close(j);
        plat_close(p);
        return EXIT_FAIL;
    }
    app_gnss *gw = NULL;
    if (get(&a, "--gnss")) {
        if (app_gnss_start(get(&a, "--gnss"), plat_wake, p, &gw) != 0) {
            die(EXIT_USAGE, "--gnss: '%s' is not HOST:PORT", get(&a, "--gnss"));
            app_free(&A);
            sv_journal_close(j);
            plat_close(p);
            return EXIT_USAGE;
        }
        A.gnss_ok = 1;
    }
    /* The writers: a journal without its key (a copy for viewing) is shown read-only. */
    char werr[256] = "";
    A.wake = plat_wake;
    A.wake_ctx = p;
    snprintf(A.journal_path, sizeof A.journal_path, "%s", jpath);
    A.dpi_cli = dpi_cli;
    if (app_settings_load(jpath, &A.set, err, sizeof err) != 0)
        fprintf(stderr, "%s: %s\n", prog, err);
    /* the language chosen in Settings, unless --lang says otherwise for this run */
    A.lang_cli = lang != NULL;
    if (!lang && A.set.lang && app_i18n_init(A.set.lang == 2 ? "en" : "zh_CN", NULL) != 0)
        fprintf(stderr, "%s: no zh_CN translations found: the interface is in English\n", prog);
    run.a = &A;
    if (app_rec_start(jpath, plat_wake, p, &A.rec, werr, sizeof werr) != 0) {
        fprintf(stderr, "%s: recording is off: %s\n", prog, werr);
        /* the common case in the crew's words: a copy without its device key (the library's
         * message, in English, is for the log); anything else as the library says it */
        char kp[sizeof A.journal_path + 8];
        snprintf(kp, sizeof kp, "%s.key", jpath);
        if (access(kp, F_OK) != 0)
            snprintf(A.readonly, sizeof A.readonly,
                     _("Read-only: this copy of the journal has no device key (%s), so it can "
                       "be viewed but nothing can be recorded in it"),
                     kp);
        else
            snprintf(A.readonly, sizeof A.readonly, "%s: %s",
                     _("Read-only: nothing can be recorded"), werr);
    } else if (app_sync_start(jpath, plat_wake, p, &A.sync, A.sync_err, sizeof A.sync_err) != 0) {
        fprintf(stderr, "%s: sync is off for now: %s\n", prog, A.sync_err);
    }
    if (gw && A.rec)
        app_gnss_set_sink(gw, app_rec_fix_sink, A.rec);
    if (get(&a, "--photos"))
        snprintf(A.photos_dir, sizeof A.photos_dir, "%s", get(&a, "--photos"));
    if (get(&a, "--usb")) {
        snprintf(A.usb_dir, sizeof A.usb_dir, "%s", get(&a, "--usb"));
        A.usb_fixed = 1;
    }
    /* Back where the crew was: the unit, and the walk if one was going on. */
    app_session ses;
    /* after a crash or power loss: the unit; always: a walk that was going on */
    if (app_session_load(jpath, &ses) == 0 && ses.unit[0] && (!ses.clean || ses.walking)) {
        if (app_open_unit(&A, ses.unit) == SV_OK && ses.walking && A.rec) {
            app_rec_walk_start(A.rec, ses.unit, ses.track);
            A.back[A.depth++] = A.screen; /* the Walk screen, over the unit's map */
            A.screen = APP_SCR_WALK;
            fprintf(stderr, "%s: resuming the walk of %s\n", prog, ses.unit);
        }
    }

    add_basemaps(&A, p, argc, argv, jpath);
    /* the Files screen's picture, decoded off the UI thread, at most 1024 px a side (4 MB) */
    A.preview = app_preview_new(1024, plat_decode_image_fit, plat_texture_new, plat_texture_free, p,
                                plat_wake, p);
    run.a = &A;
    if (get(&a, "--audit-glyphs"))
        plat_glyph_audit_start(p);
    if (get(&a, "--unit") && A.screen == APP_SCR_TODAY &&
        app_open_unit(&A, get(&a, "--unit")) != SV_OK)
        fprintf(stderr, "%s: --unit %s: no such unit in this journal\n", prog, get(&a, "--unit"));
    app_gest gest;
    app_ui ui = {0};
    int w, h;
    float ppmm;
    plat_size(p, &w, &h, &ppmm);
    app_gest_init(&gest, app_px_per_mm(&A, ppmm) * 2.5f);
    int dirty = 1, quit = 0, exit_code = 0;
    uint64_t gnss_gen = 0;
    int want_stats = get(&a, "--stats") != NULL;
    int64_t first_frame = -1;
    double *ft = NULL; /* frame times, ms */
    size_t nft = 0, capft = 0;
    int64_t next_tick = -1; /* fix-age refresh */
    while (!quit) {
        int64_t now = sv_mono_ms();
        if (dirty) {
            plat_size(p, &w, &h, &ppmm);
            app_ui_begin(&ui, w, h, app_px_per_mm(&A, ppmm));
            ui.text_scale = app_text_scale(&A);
            double t0 = want_stats ? sv_mono_us() : 0;
            app_build(&A, &ui, now);
            plat_draw(p, &ui);
            dirty = 0;
            if (want_stats) {
                if (first_frame < 0)
                    first_frame = sv_mono_ms();
                if (nft == capft) {
                    size_t nc = capft ? 2 * capft : 256;
                    double *nf = realloc(ft, nc * sizeof *nf);
                    if (nf)
                        ft = nf, capft = nc;
                }
                if (nft < capft)
                    ft[nft++] = (sv_mono_us() - t0) / 1000.0;
            }
            /* A fix's age is shown once a second on the GNSS screen; elsewhere a tick matters
             * only while the fix is live (it turns stale, the pill and the map change once).
             * With gpsd quiet the app then sleeps instead of redrawing every second. */
            int fix_ticks =
                A.gnss.have_fix && (A.screen == APP_SCR_GNSS || !sv_fix_is_stale(&A.gnss.fix, now));
            int64_t other = app_next_tick(&A, now);
            next_tick = fix_ticks && (other < 0 || now + 1000 < other) ? now + 1000 : other;
            const app_widget *tw = app_ui_find(&ui, "text");
            if (!tw)
                tw = app_ui_find(&ui, "search");
            plat_text_input(p, A.want_text, tw ? tw->r : (app_rect){0, 0, 0, 0});
        }
        if (run.active) {
            run.want_text = A.want_text;
            int s = script_step(&run, p, &ui, now);
            if (s != 0) {
                exit_code = s < 0 ? EXIT_FAIL : 0;
                break;
            }
            /* deliver the injected events that are due */
            while (run.qhead < run.nq && run.q[run.qhead].at <= now) {
                const pending *e = &run.q[run.qhead++];
                plat_inject_touch(p, e->type, e->finger, e->x, e->y);
            }
        }
        /* sleep until the earliest of: long-press deadline, script, fix-age tick */
        int64_t until = -1, cand[3] = {app_gest_deadline(&gest), script_next(&run), next_tick};
        for (int i = 0; i < 3; i++)
            if (cand[i] >= 0 && (until < 0 || cand[i] < until))
                until = cand[i];
        if (run.active && run.deadline)
            until = until < 0 || now + 50 < until ? now + 50 : until; /* wait-for re-checks */
        int timeout = until < 0 ? -1 : until <= now ? 0 : (int)(until - now);
        plat_ev ev;
        int got = plat_wait(p, timeout, &ev);
        now = sv_mono_ms();
        if (got) {
            switch (ev.type) {
            case PLAT_EV_QUIT:
                quit = 1;
                break;
            case PLAT_EV_REDRAW:
                dirty = 1;
                break;
            case PLAT_EV_BACK:
                dirty |= app_go_back(&A);
                break;
            case PLAT_EV_PTR: {
                app_gesture g[2];
                ev.ptr.t_ms = now;
                int n = app_gest_feed(&gest, &ev.ptr, g);
                for (int i = 0; i < n; i++)
                    dirty |= app_on_gesture(&A, &ui, &g[i]);
                break;
            }
            case PLAT_EV_TEXT:
                dirty |= app_on_text(&A, ev.text);
                break;
            case PLAT_EV_KEY:
                dirty |= app_on_key(&A, ev.key);
                break;
            case PLAT_EV_WAKE:
            case PLAT_EV_OTHER:
                break;
            }
        }
        dirty |= app_poll_workers(&A);
        app_gesture lp;
        if (app_gest_tick(&gest, now, &lp))
            dirty |= app_on_gesture(&A, &ui, &lp);
        if (gw) {
            app_gnss_snap s;
            app_gnss_get(gw, &s);
            if (s.gen != gnss_gen) {
                gnss_gen = s.gen;
                A.gnss = s;
                dirty = 1;
            }
        }
        if (next_tick >= 0 && now >= next_tick)
            dirty = 1;
    }
    if (want_stats)
        print_stats(plat_renderer(p), first_frame, ft, nft);
    if (get(&a, "--audit-glyphs")) {
        char which[1024];
        long drawn = 0, bad = plat_glyph_audit(p, &drawn, which, sizeof which);
        fprintf(stderr, "%s: glyph audit: %ld strings drawn, %ld with missing glyphs%s%s\n", prog,
                drawn, bad, bad ? ": " : "", which);
        if (bad && exit_code == 0)
            exit_code = EXIT_FAIL;
    }
    free(ft);
    if (A.rec && A.rs.jobs_pending > 0) {
        /* decisions still being written: say so while the recorder finishes them */
        snprintf(A.status, sizeof A.status,
                 ngettext("Saving %d decision…", "Saving %d decisions…",
                          (unsigned long)A.rs.jobs_pending),
                 A.rs.jobs_pending);
        plat_size(p, &w, &h, &ppmm);
        app_ui_begin(&ui, w, h, app_px_per_mm(&A, ppmm));
        ui.text_scale = app_text_scale(&A);
        app_build(&A, &ui, sv_mono_ms());
        plat_draw(p, &ui);
    }
    app_gnss_stop(gw); /* first: it feeds the recorder */
    if (A.rec)
        app_rec_mark_clean(A.rec);
    if (app_rec_stop(A.rec) > 0 && exit_code == 0)
        exit_code = EXIT_FAIL; /* each decision not recorded is named on stderr */
    app_sync_stop(A.sync);
    A.rec = NULL;
    A.sync = NULL;
    app_ui_free(&ui);
    app_tiles_free(A.tiles); /* its textures, before the window goes */
    app_preview_free(A.preview);
    A.tiles = NULL;
    app_free(&A);
    sv_journal_close(j);
    app_set_text_advances(NULL, NULL);
    plat_close(p);
    app_script_free(&run.s);
    return exit_code;
}
