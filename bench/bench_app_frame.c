/*
 * bench_app_frame.c - the touch app's map frame time with a big walk, against drawing the same
 * number of short line segments straight through SDL on the same renderer, in the same run.
 *
 *   bench_app_frame [--frames N] [--vertices N] [--journal FILE]
 *   bench_app_frame --make-journal FILE [--vertices N] [--walks N]  (write it and stop)
 *   bench_app_frame --first-frame     (bench_app_start's baseline: see first_frame())
 *   bench_app_frame --basemap FILE [--frames N] [--journal FILE]  (imagery: see imagery())
 *
 * Target (issue): p95 of a map frame (app_build + plat_draw) <= 16 ms at 1920x1200 with
 * 100,000 boundary/track vertices on the software renderer (a tablet without a GPU).
 *
 * Set-up, not timed: a real journal (temporary, under $BENCH_DIR, default /tmp) with one unit
 * whose draft is an irregular 36-vertex polygon about 6 km across near 103.2 E, 35.6 N; a
 * boundary point at each draft vertex; and VERTICES walk vertices in 10 walks, each one lap of
 * the boundary at about 2 m spacing with a slowly varying offset of a few metres (as a crew
 * walking it on different days), recorded through the public API in batches. Then the app's
 * own code opens it: app_init, app_select_unit (zoom to the unit: the whole track is visible),
 * the Map screen, the app's SDL layer (app/platform_sdl.c) in a 1920x1200 window.
 * SDL_RENDER_DRIVER defaults to "software" here; the renderer actually obtained is printed.
 *
 * Timed, per frame (N frames, default 200, after 5 untimed warm-up frames):
 *   build: app_ui_begin + app_build (projecting the walk into the display list);
 *   draw:  plat_draw (clear, the display list, present);
 *   between frames a drag gesture of 4 px goes through app_on_gesture (the map pans, as under
 *   a finger), back and forth so the track stays in view.
 * Baseline, interleaved frame by frame in a second window of the same size on the same
 * renderer driver: clear, SDL_RenderDrawLines of the same screen points the app drew as
 * polylines (integer points, one call per polyline, hairlines whatever the app's width),
 * present; and clear + present alone. Prints p50/p95/max of each and the ratio of the frame's
 * p95 to the baseline's; never passes or fails on time.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>

#include "app.h"
#include "basemap.h"
#include "i18n.h"
#include "platform.h"
#include "survey/journal.h"

#define UNIT "622901ZR990001"
#define DRAFT_N 36
#define WIN_W 1920
#define WIN_H 1200

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct stat3 {
    double p50, p95, max;
} stat3;

/* The same percentiles as quejie-app --stats. */
static stat3 stats(const double *v, size_t n)
{
    stat3 s = {NAN, NAN, NAN};
    double *c = malloc((n ? n : 1) * sizeof *c);
    if (!c || !n) {
        free(c);
        return s;
    }
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
    s.p50 = c[n / 2];
    s.p95 = c[(size_t)(0.95 * (double)(n - 1))];
    s.max = c[n - 1];
    free(c);
    return s;
}

/* ---- the journal ------------------------------------------------------------------------- */

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static double noise(double scale) /* roughly uniform in [-scale, scale] */
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return scale * ((double)(rng >> 11) / 9007199254740992.0 * 2 - 1);
}

#define LON0 103.2
#define LAT0 35.6
#define M_PER_DEG_LAT 111320.0

/* Local metres (east, north) about the centre to lon/lat. */
static void to_lonlat(double e, double n, double *lon, double *lat)
{
    *lat = LAT0 + n / M_PER_DEG_LAT;
    *lon = LON0 + e / (M_PER_DEG_LAT * cos(LAT0 * M_PI / 180));
}

static sv_quality quality(int n)
{
    sv_quality q = sv_quality_unknown();
    q.grade = SV_GRADE_RTK_FIXED;
    q.mode = 3;
    q.status = 2;
    q.sats_used = 19;
    q.sats_seen = 31;
    q.hdop = 0.7;
    q.vdop = 1.1;
    q.pdop = 1.3;
    q.eph = 0.012;
    q.epv = 0.021;
    q.corr_age = 1.0;
    q.n = n;
    q.duration_s = n > 1 ? 10.0 : 0;
    if (n > 1)
        q.sigma_e = q.sigma_n = 0.004, q.sigma_u = 0.008;
    snprintf(q.datum, sizeof q.datum, "CGCS2000");
    return q;
}

static int fail_j(sv_journal *j, const char *what)
{
    fprintf(stderr, "bench_app_frame: %s: %s\n", what, j ? sv_journal_errmsg(j) : "?");
    return -1;
}

/* Create FILE with the unit, its boundary points and nv walk vertices. */
static int make_journal(const char *path, long nv, int walks)
{
    sv_journal_opts o = {"bench-tablet", NULL, 0, NAN};
    sv_journal *j = NULL;
    if (sv_journal_create(path, &o, &j) != SV_OK) {
        fail_j(j, path);
        sv_journal_close(j);
        return -1;
    }
    /* the draft: an irregular ring about 2.8 km from the centre (east, north metres) */
    double de[DRAFT_N + 1], dn[DRAFT_N + 1];
    for (int i = 0; i < DRAFT_N; i++) {
        double t = 2 * M_PI * i / DRAFT_N;
        double r = 2800 * (1 + 0.18 * sin(3 * t) + 0.07 * sin(7 * t + 1) + noise(0.03));
        de[i] = r * cos(t);
        dn[i] = r * sin(t);
    }
    de[DRAFT_N] = de[0];
    dn[DRAFT_N] = dn[0];
    sv_unit u;
    memset(&u, 0, sizeof u);
    snprintf(u.code, sizeof u.code, UNIT);
    snprintf(u.type, sizeof u.type, "森林");
    u.name = strdup("基准测试林地");
    u.fields[SV_FIELD_OWNER] = strdup("全民");
    u.central_meridian = NAN;
    u.draft.n_parts = u.draft.n_rings = 1;
    u.draft.part_rings = malloc(sizeof(size_t));
    u.draft.ring_pts = malloc(sizeof(size_t));
    u.draft.lonlat = malloc(2 * (DRAFT_N + 1) * sizeof(double));
    if (!u.name || !u.fields[0] || !u.draft.part_rings || !u.draft.ring_pts || !u.draft.lonlat) {
        sv_unit_clear(&u);
        sv_journal_close(j);
        return -1;
    }
    u.draft.part_rings[0] = 1;
    u.draft.ring_pts[0] = u.draft.n_pts = DRAFT_N + 1;
    for (int i = 0; i <= DRAFT_N; i++)
        to_lonlat(de[i], dn[i], &u.draft.lonlat[2 * i], &u.draft.lonlat[2 * i + 1]);
    int rc = sv_record_unit(j, &u, NULL);
    sv_unit_clear(&u);
    if (rc != SV_OK) {
        sv_journal_close(j);
        return fail_j(NULL, "recording the unit");
    }

    /* laps of the boundary at about 2 m a vertex; a new walk every nv / walks vertices */
    long per_walk = nv / walks > 1 ? nv / walks : 1;
    double t = 1764547200.0;
    long done = 0;
    int64_t track = 0;
    int lapno = 0;
    int seg = 0;
    double along = 1; /* metres along the current draft edge */
    while (rc == SV_OK && done < nv) {
        rc = sv_journal_begin(j);
        for (int k = 0; rc == SV_OK && k < 2000 && done < nv; k++, done++) {
            if (done % per_walk == 0 && done / per_walk < walks) {
                track = 0;
                t += 86400; /* another day */
            }
            /* the position on the draft plus a slowly varying sideways offset */
            double len = hypot(de[seg + 1] - de[seg], dn[seg + 1] - dn[seg]);
            while (along > len) {
                along -= len;
                if (++seg == DRAFT_N)
                    seg = 0, lapno++;
                len = hypot(de[seg + 1] - de[seg], dn[seg + 1] - dn[seg]);
            }
            double f = along / len, ux = (de[seg + 1] - de[seg]) / len,
                   uy = (dn[seg + 1] - dn[seg]) / len;
            double off = 3 * sin((double)done / 400.0 + lapno) + noise(0.3);
            double e = de[seg] + f * (de[seg + 1] - de[seg]) - uy * off;
            double n = dn[seg] + f * (dn[seg + 1] - dn[seg]) + ux * off;
            sv_vertex v;
            memset(&v, 0, sizeof v);
            snprintf(v.unit, sizeof v.unit, UNIT);
            to_lonlat(e, n, &v.lon, &v.lat);
            v.h = 1900 + 40 * sin(e / 700) + noise(0.01);
            v.fix_time = t += 1.0;
            v.q = quality(1);
            v.track = track;
            int64_t seq = 0;
            rc = sv_record_vertex(j, &v, &seq);
            if (!track)
                track = seq;
            along += 2 * (1 + noise(0.1));
        }
        if (rc == SV_OK)
            rc = sv_journal_commit(j);
        else
            sv_journal_rollback(j);
    }
    /* a boundary point at every draft vertex */
    if (rc == SV_OK)
        rc = sv_journal_begin(j);
    for (int i = 0; rc == SV_OK && i < DRAFT_N; i++) {
        sv_bpoint p;
        memset(&p, 0, sizeof p);
        snprintf(p.unit, sizeof p.unit, UNIT);
        snprintf(p.point_type, sizeof p.point_type, "measured");
        to_lonlat(de[i] + noise(0.05), dn[i] + noise(0.05), &p.lon, &p.lat);
        p.h = 1900.5;
        p.q = quality(10);
        rc = sv_record_point(j, &p, NULL);
    }
    if (rc == SV_OK)
        rc = sv_journal_commit(j);
    if (rc != SV_OK) {
        fail_j(j, "recording");
        sv_journal_close(j);
        return -1;
    }
    sv_journal_close(j);
    return 0;
}

/* ---- the baseline: the walk's screen points straight through SDL ------------------------- */

typedef struct baseline {
    SDL_Window *win;
    SDL_Renderer *r;
    SDL_Point *pts;
    int *len; /* points per walk */
    int nwalks;
    size_t npts;
} baseline;

/* Copy the polylines of the app's frame (the walks; the draft and the north arrow are a few
 * dozen points) as integer points, to be drawn as hairlines. */
static int baseline_take(baseline *b, const app_ui *ui)
{
    size_t n = 0;
    int w = 0;
    for (size_t i = 0; i < ui->ncmd; i++)
        if (ui->cmd[i].op == APP_OP_LINES)
            n += ui->cmd[i].n, w++;
    b->pts = malloc((n ? n : 1) * sizeof *b->pts);
    b->len = malloc((w ? (size_t)w : 1) * sizeof *b->len);
    if (!b->pts || !b->len)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < ui->ncmd; i++) {
        const app_cmd *c = &ui->cmd[i];
        if (c->op != APP_OP_LINES)
            continue;
        for (size_t m = 0; m < c->n; m++)
            b->pts[k + m] = (SDL_Point){(int)lrintf(ui->pts[2 * (c->off + m)]),
                                        (int)lrintf(ui->pts[2 * (c->off + m) + 1])};
        b->len[b->nwalks++] = (int)c->n;
        k += c->n;
    }
    b->npts = n;
    return 0;
}

static void baseline_frame(baseline *b, int lines)
{
    SDL_SetRenderDrawColor(b->r, 255, 255, 255, 255);
    SDL_RenderClear(b->r);
    SDL_SetRenderDrawColor(b->r, 0, 0x8a, 0x2e, 255);
    size_t off = 0;
    for (int i = 0; lines && i < b->nwalks; i++) {
        SDL_RenderDrawLines(b->r, b->pts + off, b->len[i]);
        off += (size_t)b->len[i];
    }
    SDL_RenderPresent(b->r);
}

/* ---- a start-up baseline ------------------------------------------------------------------- */

/* The least an app start does: the app's SDL layer opens its 1920x1200 window and font, draws
 * one frame (a background and a line of text) and closes; the "stats:" line has quejie-app's
 * --stats format, so bench_app_start reads both the same way. */
static int first_frame(void)
{
    setenv("SDL_RENDER_DRIVER", "software", 0);
    plat *p = NULL;
    char err[512] = "";
    if (plat_open("quejie bench: first frame", WIN_W, WIN_H, &p, err, sizeof err) != 0) {
        fprintf(stderr, "bench_app_frame: %s\n", err);
        return 1;
    }
    int w, h;
    float ppmm;
    plat_size(p, &w, &h, &ppmm);
    app_ui ui = {0};
    app_ui_begin(&ui, w, h, ppmm);
    app_ui_fill(&ui, (app_rect){0, 0, (float)w, (float)h}, 0xffffffffu);
    app_ui_text(&ui, (app_rect){20, 20, (float)w - 40, 60}, "今天 Today", 24, APP_ALIGN_LEFT,
                0x000000ffu);
    double t0 = now_ms();
    plat_draw(p, &ui);
    double t1 = now_ms();
    fprintf(stderr,
            "stats: first_frame_mono_ms=%lld frames=1 frame_ms_p50=%.3f "
            "frame_ms_p95=%.3f frame_ms_max=%.3f\n",
            (long long)t1, t1 - t0, t1 - t0, t1 - t0);
    app_ui_free(&ui);
    plat_close(p);
    return 0;
}

/* ---- imagery under the map ---------------------------------------------------------------- */

/*
 * The same map over imagery (--basemap FILE, e.g. a 4-level pyramid made by bench/run.sh):
 * per frame, after a drag of 16 px (25 frames one way, 25 back, so tiles keep coming in at
 * the edges), the frame with the imagery shown and, as the baseline in the same run, the
 * same frame with it hidden (a->basemap_on), each build + draw. Tiles are decoded by the
 * app's worker thread while frames go on; app_poll_workers takes them in before each frame,
 * as the app's loop does. A frame counts as "while tiles load" when tiles were asked for and
 * not yet drawn (queued, being decoded, or decoded and waiting).
 */
static void print3(const char *what, stat3 s);

static int imagery(app *A, plat *p, app_ui *ui, int w, int h, float ppmm, int frames,
                   const char *file)
{
    char err[1200];
    A->tiles = app_tiles_new(32u << 20, plat_decode_image, plat_texture_new, plat_texture_free, p,
                             NULL, NULL);
    if (!A->tiles || app_tiles_add(A->tiles, file, err, sizeof err) != 0) {
        fprintf(stderr, "bench_app_frame: %s\n", A->tiles ? err : "out of memory");
        return -1;
    }
    app_tiles_prepare(A->tiles, A->geo); /* as quejie-app does before its first frame */
    plat_layer_prepare(p);
    double *ton = malloc((size_t)frames * sizeof *ton),
           *toff = malloc((size_t)frames * sizeof *toff);
    if (!ton || !toff) {
        free(ton);
        free(toff);
        return -1;
    }
    double max_loading = 0, t_start = 0, t_settled = -1;
    int loading_frames = 0;
    for (int i = -5; i < frames; i++) {
        int back = i >= 0 && (i / 25) % 2;
        app_gesture g = {
            APP_G_DRAG, (float)w / 2, (float)h / 2, back ? -16.0f : 16.0f, back ? -6.0f : 6.0f, 1};
        if (i >= 0)
            app_on_gesture(A, ui, &g);
        if (i == 0)
            t_start = now_ms();
        SDL_PumpEvents();
        double t0 = now_ms();
        app_poll_workers(A);
        A->basemap_on = i >= 0; /* warm-up frames (fonts, text) without: the load is timed */
        app_ui_begin(ui, w, h, ppmm);
        app_build(A, ui, 0);
        plat_draw(p, ui);
        double t1 = now_ms();
        A->basemap_on = 0;
        app_ui_begin(ui, w, h, ppmm);
        app_build(A, ui, 0);
        plat_draw(p, ui);
        double t2 = now_ms();
        app_tiles_stats st;
        app_tiles_get_stats(A->tiles, &st);
        int loading = i >= 0 && (st.pending > 0 || st.busy);
        if (loading) {
            loading_frames++;
            max_loading = fmax(max_loading, t1 - t0);
        } else if (i >= 0 && t_settled < 0) {
            t_settled = now_ms() - t_start;
        }
        if (i >= 0) {
            ton[i] = t1 - t0;
            toff[i] = t2 - t1;
        }
    }
    app_tiles_stats st;
    app_tiles_get_stats(A->tiles, &st);
    stat3 son = stats(ton, (size_t)frames), soff = stats(toff, (size_t)frames);
    printf("  %d frames, each after a 16 px drag, imagery %s:\n", frames, file);
    print3("app: frame over imagery (poll + build + draw)", son);
    print3("baseline: the same frame, imagery hidden", soff);
    printf("  ratio imagery p95 / baseline p95: %.2f   (target: p95 <= 16 ms; measured %.2f ms)\n",
           son.p95 / soff.p95, son.p95);
    printf("  while tiles loaded: %d frames, max %.2f ms (target: none over 50 ms); first view "
           "settled after %.0f ms\n",
           loading_frames, max_loading, t_settled);
    printf("  tiles decoded %ld (failed %ld), cache %zu textures, %.1f MB\n", st.decoded, st.failed,
           st.cached, (double)st.cache_bytes / 1048576.0);
    free(ton);
    free(toff);
    return 0;
}

/* ---- main -------------------------------------------------------------------------------- */

static void print3(const char *what, stat3 s)
{
    printf("  %-44s p50 %7.2f ms   p95 %7.2f ms   max %7.2f ms\n", what, s.p50, s.p95, s.max);
}

/* While a crew walks, the map takes in new vertices every 2 s. Timed: app_walk_refresh after
 * 20 vertices (2 s at 10 Hz) were appended by a second, writable handle (as the recorder
 * does), against app_reload (the full re-read a decision causes, and what a walk refresh did
 * before it appended), over ROUNDS rounds of the same walk. */
#define ROUNDS 15
static int walk_refresh(app *A, const char *path)
{
    sv_journal *w = NULL;
    if (sv_journal_open(path, 0, &w) != SV_OK)
        return fail_j(w, path);
    double inc[ROUNDS], full[ROUNDS], t = 1900000000.0;
    int rc = SV_OK;
    size_t before = A->ntrk;
    for (int r = 0; r < ROUNDS && rc == SV_OK; r++) {
        rc = sv_journal_begin(w);
        for (int k = 0; rc == SV_OK && k < 20; k++) {
            sv_vertex v;
            memset(&v, 0, sizeof v);
            snprintf(v.unit, sizeof v.unit, UNIT);
            to_lonlat(2800 + 0.2 * (r * 20 + k), noise(0.3), &v.lon, &v.lat);
            v.h = 1900;
            v.fix_time = t += 0.1;
            v.q = quality(1);
            rc = sv_record_vertex(w, &v, NULL); /* each its own walk: a NaN pair each */
        }
        if (rc == SV_OK)
            rc = sv_journal_commit(w);
        double t0 = now_ms();
        app_walk_refresh(A, UNIT);
        double t1 = now_ms();
        app_reload(A);
        full[r] = now_ms() - t1;
        inc[r] = t1 - t0;
    }
    if (rc != SV_OK) {
        fail_j(w, "appending walk vertices");
        sv_journal_close(w);
        return -1;
    }
    sv_journal_close(w);
    stat3 si = stats(inc, ROUNDS), sf = stats(full, ROUNDS);
    printf("  while walking, %d rounds of 20 new vertices on %zu track positions (now %zu):\n",
           ROUNDS, before, A->ntrk);
    print3("app_walk_refresh (appends new vertices)", si);
    print3("baseline: app_reload (whole unit re-read)", sf);
    printf("  ratio refresh p50 / full re-read p50: %.3f\n", si.p50 / sf.p50);
    return 0;
}

int main(int argc, char **argv)
{
    long nv = 100000;
    int frames = 200, walks = 1;
    const char *jpath = NULL, *make = NULL, *basemap = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--vertices") == 0 && i + 1 < argc)
            nv = atol(argv[++i]);
        else if (strcmp(argv[i], "--walks") == 0 && i + 1 < argc)
            walks = atoi(argv[++i]);
        else if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc)
            frames = atoi(argv[++i]);
        else if (strcmp(argv[i], "--journal") == 0 && i + 1 < argc)
            jpath = argv[++i];
        else if (strcmp(argv[i], "--make-journal") == 0 && i + 1 < argc)
            make = argv[++i];
        else if (strcmp(argv[i], "--first-frame") == 0)
            return first_frame();
        else if (strcmp(argv[i], "--basemap") == 0 && i + 1 < argc)
            basemap = argv[++i];
        else {
            fprintf(stderr,
                    "usage: bench_app_frame [--frames N] [--vertices N] [--walks N] "
                    "[--journal FILE]\n"
                    "       bench_app_frame --make-journal FILE [--vertices N] "
                    "[--walks N]\n"
                    "       bench_app_frame --first-frame\n"
                    "       bench_app_frame --basemap FILE [--frames N] [--journal FILE]\n");
            return 2;
        }
    }
    if (walks < 1 || nv < 2L * walks || frames < 1) {
        fprintf(stderr, "bench_app_frame: --walks >= 1, --vertices >= 2 per walk, --frames >= 1\n");
        return 2;
    }
    if (make) {
        double t0 = now_ms();
        if (make_journal(make, nv, walks) != 0)
            return 1;
        printf("%s: unit %s, %ld walk vertices in %d walk%s, %d points (%.1f s)\n", make, UNIT, nv,
               walks, walks == 1 ? "" : "s", DRAFT_N, (now_ms() - t0) / 1000);
        return 0;
    }

    char dir[512] = "", path[600];
    if (!jpath) {
        const char *base = getenv("BENCH_DIR");
        snprintf(dir, sizeof dir, "%s/qj-bench-frame-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(dir)) {
            fprintf(stderr, "bench_app_frame: mkdtemp %s: %s\n", dir, strerror(errno));
            return 1;
        }
        snprintf(path, sizeof path, "%s/j.db", dir);
        double t0 = now_ms();
        if (make_journal(path, nv, walks) != 0)
            return 1;
        printf("  set-up: journal with %ld walk vertices in %d walk%s, %d points (%.1f s)\n", nv,
               walks, walks == 1 ? "" : "s", DRAFT_N, (now_ms() - t0) / 1000);
        jpath = path;
    }

    int rc = 1;
    sv_journal *j = NULL;
    plat *p = NULL;
    app A;
    int app_ok = 0;
    app_ui ui = {0};
    baseline b = {0};
    double *tb = NULL, *td = NULL, *tt = NULL, *tbase = NULL, *tempty = NULL;
    char err[512] = "";

    if (sv_journal_open(jpath, SV_OPEN_READONLY, &j) != SV_OK) {
        fail_j(j, jpath);
        goto out;
    }
    app_i18n_init("zh_CN", NULL);
    if (app_init(&A, j) != SV_OK) {
        fprintf(stderr, "bench_app_frame: app_init: %s\n", A.status);
        goto out;
    }
    app_ok = 1;
    int idx = -1;
    for (size_t i = 0; i < A.nunits; i++)
        if (strcmp(A.units[i].u.code, UNIT) == 0)
            idx = (int)i;
    if (idx < 0) {
        fprintf(stderr, "bench_app_frame: %s has no unit %s\n", jpath, UNIT);
        goto out;
    }

    setenv("SDL_RENDER_DRIVER", "software", 0); /* the tablet without a GPU; overridable */
    if (plat_open("quejie bench: app map", WIN_W, WIN_H, &p, err, sizeof err) != 0) {
        fprintf(stderr, "bench_app_frame: %s\n", err);
        goto out;
    }
    int w, h;
    float ppmm;
    plat_size(p, &w, &h, &ppmm);
    /* the map's rectangle is known once a map frame was built: build one, then select */
    A.screen = APP_SCR_MAP;
    app_ui_begin(&ui, w, h, ppmm);
    app_build(&A, &ui, 0);
    double ts0 = now_ms();
    int sel = app_select_unit(&A, idx);
    double ts1 = now_ms();
    if (sel != SV_OK) {
        fprintf(stderr, "bench_app_frame: app_select_unit failed\n");
        goto out;
    }
    A.screen = APP_SCR_MAP;
    app_ui_begin(&ui, w, h, ppmm);
    app_build(&A, &ui, 0);

    b.win = SDL_CreateWindow("quejie bench: baseline", SDL_WINDOWPOS_CENTERED,
                             SDL_WINDOWPOS_CENTERED, w, h, 0);
    b.r = b.win ? SDL_CreateRenderer(b.win, -1, 0) : NULL;
    if (!b.r || baseline_take(&b, &ui) != 0) {
        fprintf(stderr, "bench_app_frame: baseline window: %s\n", SDL_GetError());
        goto out;
    }
    SDL_RendererInfo bi;
    SDL_GetRendererInfo(b.r, &bi);

    size_t ntext = 0;
    float trk_w = 0;
    for (size_t i = 0; i < ui.ncmd; i++) {
        ntext += ui.cmd[i].op == APP_OP_TEXT;
        if (ui.cmd[i].op == APP_OP_LINES && ui.cmd[i].n > 100)
            trk_w = ui.cmd[i].w;
    }
    printf("  renderer: app \"%s\", baseline \"%s\" (SDL_RENDER_DRIVER=%s); window %dx%d\n",
           plat_renderer(p), bi.name, getenv("SDL_RENDER_DRIVER"), w, h);
    if (A.ntrk == 0)
        printf("  WARNING: the app's map holds no track for the unit although the journal has "
               "its walks: this frame is not the one the target is about\n");
    printf("  opening the unit on the map (app_select_unit: read and project): %.1f ms\n",
           ts1 - ts0);
    printf("  map: %zu track positions; %d polylines, %zu points (walks drawn %g px wide); %zu "
           "commands, %zu texts; %.2f m/px\n",
           A.ntrk, b.nwalks, b.npts, trk_w, ui.ncmd, ntext, A.mpp);

    if (basemap) {
        rc = imagery(&A, p, &ui, w, h, ppmm, frames, basemap) == 0 ? 0 : 1;
        goto out;
    }
    tb = malloc((size_t)frames * sizeof *tb);
    td = malloc((size_t)frames * sizeof *td);
    tt = malloc((size_t)frames * sizeof *tt);
    tbase = malloc((size_t)frames * sizeof *tbase);
    tempty = malloc((size_t)frames * sizeof *tempty);
    if (!tb || !td || !tt || !tbase || !tempty)
        goto out;
    for (int i = -5; i < frames; i++) {
        /* a finger's drag of 4 px, 50 frames one way, 50 back */
        app_gesture g = {APP_G_DRAG,
                         (float)w / 2,
                         (float)h / 2,
                         (i / 50) % 2 ? -4.0f : 4.0f,
                         (i / 50) % 2 ? -1.0f : 1.0f,
                         1};
        app_on_gesture(&A, &ui, &g);
        SDL_PumpEvents();
        double t0 = now_ms();
        app_ui_begin(&ui, w, h, ppmm);
        app_build(&A, &ui, 0);
        double t1 = now_ms();
        plat_draw(p, &ui);
        double t2 = now_ms();
        baseline_frame(&b, 1);
        double t3 = now_ms();
        baseline_frame(&b, 0);
        double t4 = now_ms();
        if (i >= 0) {
            tb[i] = t1 - t0;
            td[i] = t2 - t1;
            tt[i] = t2 - t0;
            tbase[i] = t3 - t2;
            tempty[i] = t4 - t3;
        }
    }
    stat3 sb = stats(tb, (size_t)frames), sd = stats(td, (size_t)frames),
          st = stats(tt, (size_t)frames), sbase = stats(tbase, (size_t)frames),
          sempty = stats(tempty, (size_t)frames);
    printf("  %d frames, each after a 4 px drag (app_on_gesture):\n", frames);
    print3("app: build (app_ui_begin + app_build)", sb);
    print3("app: draw (plat_draw, present included)", sd);
    print3("app: frame (build + draw)", st);
    char lab[96];
    snprintf(lab, sizeof lab, "baseline: SDL_RenderDrawLines, %zu points", b.npts);
    print3(lab, sbase);
    print3("baseline: clear + present only", sempty);
    printf("  ratio frame p95 / baseline p95: %.2f   (target: frame p95 <= 16 ms; "
           "measured %.2f ms)\n",
           st.p95 / sbase.p95, st.p95);
    if (dir[0] && walk_refresh(&A, path) != 0)
        goto out;
    rc = 0;
out:
    free(tb);
    free(td);
    free(tt);
    free(tbase);
    free(tempty);
    free(b.pts);
    free(b.len);
    if (b.r)
        SDL_DestroyRenderer(b.r);
    if (b.win)
        SDL_DestroyWindow(b.win);
    app_ui_free(&ui);
    if (app_ok) {
        app_tiles_free(A.tiles);
        app_free(&A);
    }
    sv_journal_close(j);
    plat_close(p);
    if (dir[0]) {
        char f[700];
        static const char *const sfx[] = {"", "-wal", "-shm", ".key"};
        for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
            snprintf(f, sizeof f, "%s%s", path, sfx[i]);
            unlink(f);
        }
        rmdir(dir);
    }
    return rc;
}
