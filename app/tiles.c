/*
 * tiles.c - the app's basemaps (basemap.h): the tile worker thread, the texture cache and
 * drawing the tiles into the map's plane.
 *
 * Threads: the UI thread owns the cache, the textures and its sv_geo; the worker owns the
 * files' SQLite handles once it runs (the UI thread reads only the tile matrices, fixed at
 * open). They share a request queue (replaced by each frame with the tiles it misses, so tiles
 * panned away from are never read) and a list of decoded results, under one mutex. The worker
 * sleeps on a condition variable when there is nothing to do.
 *
 * Placement: a tile's (GRID+1)^2 grid points go from the file's CRS to CGCS2000 lon/lat
 * (sv_geo_src_apply) and into the map's Gauss-Krueger plane (sv_geo_to_plane_n) once, when the
 * tile is first drawn; each frame only the plane-to-screen step (a scale and a shift) runs.
 * The tile is drawn as a textured mesh on that grid, so a geographic or another zone's tile
 * bends and turns as it does in the plane.
 */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basemap.h"

#define GRID 4
#define NGRID ((GRID + 1) * (GRID + 1))
#define MAX_BM 8
#define MAX_ENTRIES 768
#define QMAX 128
#define POLL_TEXTURES 4 /* textures made per frame at most */
#define MAX_VISIBLE 160 /* tiles of one level in view; past it a coarser level, or none */

typedef struct tkey {
    int bm, li;
    int64_t col, row;
} tkey;

enum { T_QUEUED, T_READY, T_FAIL };

typedef struct tentry {
    tkey k;
    int state;
    void *tex;
    size_t bytes;
    uint64_t used;
    int plane_ok;
    uint64_t serial; /* the texture's identity in the display list (app_cmd.id) */
    sv_crs crs;
    double plane[2 * NGRID]; /* north, east pairs; NaN where not projected */
} tentry;

typedef struct tdone {
    tkey k;
    unsigned char *rgba; /* the decoder's pixels */
    int w, h, alpha;
    char err[400];
} tdone;

struct app_tiles {
    app_bm bm[MAX_BM];
    sv_geo_src *src[MAX_BM];
    sv_geo *src_geo; /* the handle the sources were made with */
    int bad_crs[MAX_BM];
    int nbm;
    size_t cache_max, bytes;
    tentry *e;
    size_t ne;
    uint64_t frame;
    app_decode_fn decode;
    app_tex_new_fn tex_new;
    app_tex_free_fn tex_free;
    void *tex_ctx;
    void (*wake)(void *);
    void *wake_ctx;
    long decoded, failed;
    uint64_t serial; /* the last texture's */

    /* the imagery as one layer (APP_OP_LAYER): its generation, and the view it began with; the
     * platform keeps the layer while only the view's centre moves */
    uint64_t layer_gen;
    double l_vx, l_vy, l_mpp;
    sv_crs l_crs;
    app_rect l_m;
    app_color l_c;

    pthread_t th;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, busy;
    tkey cur;     /* the tile the worker is on, while busy */
    tkey q[QMAX]; /* requests, first served first */
    int nq;
    tdone *d; /* results */
    size_t nd, capd;
};

static int same(const tkey *a, const tkey *b)
{
    return a->bm == b->bm && a->li == b->li && a->col == b->col && a->row == b->row;
}

/* ---- the worker ---------------------------------------------------------------------------- */

static void *worker(void *arg)
{
    app_tiles *t = arg;
    pthread_mutex_lock(&t->mu);
    for (;;) {
        while (!t->stop && t->nq == 0)
            pthread_cond_wait(&t->cv, &t->mu);
        if (t->stop)
            break;
        tkey k = t->q[0];
        memmove(t->q, t->q + 1, (size_t)(t->nq - 1) * sizeof *t->q);
        t->nq--;
        t->busy = 1;
        t->cur = k;
        pthread_mutex_unlock(&t->mu);

        tdone r = {.k = k};
        void *data = NULL;
        size_t n = 0;
        int got =
            app_bm_read_tile(&t->bm[k.bm], k.li, k.col, k.row, &data, &n, r.err, sizeof r.err);
        if (got == 1) {
            char e[256] = "";
            r.rgba = t->decode(data, n, &r.w, &r.h, &r.alpha, e, sizeof e);
            if (!r.rgba)
                snprintf(r.err, sizeof r.err, "%.200s: tile %d/%lld/%lld: %.150s", t->bm[k.bm].path,
                         t->bm[k.bm].lv[k.li].zoom, (long long)k.col, (long long)k.row, e);
        }
        free(data);

        pthread_mutex_lock(&t->mu);
        if (t->nd == t->capd) {
            size_t c = t->capd ? 2 * t->capd : 16;
            tdone *nd = realloc(t->d, c * sizeof *nd);
            if (nd)
                t->d = nd, t->capd = c;
        }
        if (t->nd < t->capd)
            t->d[t->nd++] = r;
        else
            free(r.rgba);
        t->busy = 0;
        if (t->wake)
            t->wake(t->wake_ctx);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

/* ---- the set ------------------------------------------------------------------------------- */

app_tiles *app_tiles_new(size_t cache_bytes, app_decode_fn decode, app_tex_new_fn tex_new,
                         app_tex_free_fn tex_free, void *tex_ctx, void (*wake)(void *),
                         void *wake_ctx)
{
    app_tiles *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->e = calloc(MAX_ENTRIES, sizeof *t->e);
    if (!t->e) {
        free(t);
        return NULL;
    }
    t->cache_max = cache_bytes;
    t->decode = decode;
    t->tex_new = tex_new;
    t->tex_free = tex_free;
    t->tex_ctx = tex_ctx;
    t->wake = wake;
    t->wake_ctx = wake_ctx;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    return t;
}

int app_tiles_add(app_tiles *t, const char *path, char *err, size_t errlen)
{
    if (t->started || t->nbm == MAX_BM) {
        snprintf(err, errlen, "%s: more than %d basemaps", path, MAX_BM);
        return -1;
    }
    if (app_bm_open(path, &t->bm[t->nbm], err, errlen) != 0)
        return -1;
    t->nbm++;
    return 0;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && strcasecmp(s + n - m, suf) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int app_tiles_add_dir(app_tiles *t, const char *dir, const char *prog)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char *names[64] = {0};
    int n = 0, added = 0;
    for (struct dirent *de; n < 64 && (de = readdir(d));)
        if (has_suffix(de->d_name, ".gpkg") || has_suffix(de->d_name, ".mbtiles"))
            if ((names[n] = strdup(de->d_name)))
                n++;
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (int i = 0; i < n; i++) {
        char path[2048], err[1200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (app_tiles_add(t, path, err, sizeof err) == 0)
            added++;
        else
            fprintf(stderr, "%s: basemap left out: %s\n", prog, err);
        free(names[i]);
    }
    return added;
}

void app_tiles_free(app_tiles *t)
{
    if (!t)
        return;
    if (t->started) {
        pthread_mutex_lock(&t->mu);
        t->stop = 1;
        pthread_cond_signal(&t->cv);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->th, NULL);
    }
    for (size_t i = 0; i < t->nd; i++)
        free(t->d[i].rgba);
    free(t->d);
    for (size_t i = 0; i < t->ne; i++)
        if (t->e[i].tex && t->tex_free)
            t->tex_free(t->tex_ctx, t->e[i].tex);
    free(t->e);
    for (int i = 0; i < t->nbm; i++) {
        sv_geo_src_free(t->src[i]);
        app_bm_close(&t->bm[i]);
    }
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}

size_t app_tiles_count(const app_tiles *t)
{
    return t ? (size_t)t->nbm : 0;
}

const char *app_tiles_path(const app_tiles *t, size_t i)
{
    return t && i < (size_t)t->nbm ? t->bm[i].path : NULL;
}

void app_tiles_get_stats(const app_tiles *t, app_tiles_stats *s)
{
    memset(s, 0, sizeof *s);
    if (!t)
        return;
    for (size_t i = 0; i < t->ne; i++)
        s->cached += t->e[i].state == T_READY;
    s->cache_bytes = t->bytes;
    pthread_mutex_lock((pthread_mutex_t *)&t->mu);
    s->pending = (size_t)t->nq + t->nd;
    s->busy = t->busy;
    pthread_mutex_unlock((pthread_mutex_t *)&t->mu);
    s->decoded = t->decoded;
    s->failed = t->failed;
}

/* ---- the cache (UI thread) ------------------------------------------------------------------ */

static tentry *find(app_tiles *t, const tkey *k)
{
    for (size_t i = 0; i < t->ne; i++)
        if (same(&t->e[i].k, k))
            return &t->e[i];
    return NULL;
}

static void drop(app_tiles *t, size_t i)
{
    if (t->e[i].tex && t->tex_free)
        t->tex_free(t->tex_ctx, t->e[i].tex);
    t->bytes -= t->e[i].bytes;
    t->e[i] = t->e[--t->ne];
}

/* Drop the least recently used entries not drawn this frame while over the byte bound or the
 * entry count. */
static void evict(app_tiles *t)
{
    while (t->bytes > t->cache_max || t->ne >= MAX_ENTRIES) {
        size_t v = SIZE_MAX;
        for (size_t i = 0; i < t->ne; i++)
            if (t->e[i].used < t->frame && (v == SIZE_MAX || t->e[i].used < t->e[v].used) &&
                (t->e[i].bytes > 0 || t->ne >= MAX_ENTRIES))
                v = i;
        if (v == SIZE_MAX)
            return; /* everything held is on screen now */
        drop(t, v);
    }
}

int app_tiles_poll(app_tiles *t)
{
    if (!t || !t->started)
        return 0;
    /* at most POLL_TEXTURES textures a frame (a few ms together on the software renderer): the
     * rest wait for the next, which the wake-up below asks for */
    pthread_mutex_lock(&t->mu);
    size_t nd = t->nd < POLL_TEXTURES ? t->nd : POLL_TEXTURES;
    tdone d[POLL_TEXTURES];
    memcpy(d, t->d, nd * sizeof *d);
    memmove(t->d, t->d + nd, (t->nd - nd) * sizeof *d);
    t->nd -= nd;
    int more = t->nd > 0;
    pthread_mutex_unlock(&t->mu);
    if (more && t->wake)
        t->wake(t->wake_ctx);
    int changed = 0;
    for (size_t i = 0; i < nd; i++) {
        tentry *e = find(t, &d[i].k);
        if (!d[i].rgba && d[i].err[0]) {
            t->failed++;
            fprintf(stderr, "quejie-app: imagery: %s\n", d[i].err);
        }
        if (e && e->state == T_QUEUED) {
            e->state = T_FAIL; /* also: no such tile in the file */
            if (d[i].rgba && t->tex_new &&
                (e->tex = t->tex_new(t->tex_ctx, d[i].rgba, d[i].w, d[i].h, d[i].alpha))) {
                e->state = T_READY;
                e->serial = ++t->serial;
                e->bytes = (size_t)d[i].w * (size_t)d[i].h * 4;
                t->bytes += e->bytes;
                changed = 1;
            }
        }
        t->decoded += d[i].rgba != NULL;
        free(d[i].rgba);
    }
    evict(t);
    return changed;
}

/* ---- drawing (UI thread) -------------------------------------------------------------------- */

typedef struct view {
    sv_crs crs;
    double vx, vy, mpp;
    app_rect m;
} view;

static void project_entry(app_tiles *t, sv_geo *geo, const view *v, tentry *e)
{
    double x0, y0, x1, y1, ll[2 * NGRID];
    app_bm_tile_bounds(&t->bm[e->k.bm], e->k.li, e->k.col, e->k.row, &x0, &y0, &x1, &y1);
    for (int j = 0; j <= GRID; j++)
        for (int i = 0; i <= GRID; i++) {
            ll[2 * (j * (GRID + 1) + i)] = x0 + (x1 - x0) * i / GRID;
            ll[2 * (j * (GRID + 1) + i) + 1] = y1 - (y1 - y0) * j / GRID;
        }
    if (sv_geo_src_apply(t->src[e->k.bm], NGRID, ll) != SV_OK) {
        /* a grid point off the earth (a whole-world tile): each point on its own */
        for (int i = 0; i < NGRID; i++)
            if (sv_geo_src_apply(t->src[e->k.bm], 1, ll + 2 * i) != SV_OK)
                ll[2 * i] = ll[2 * i + 1] = NAN;
    }
    for (int i = 0; i < NGRID; i++)
        if (isnan(ll[2 * i]))
            ll[2 * i] = ll[2 * i + 1] = 1e9; /* refused below: NaN pair out */
    sv_geo_to_plane_n(geo, v->crs, NGRID, ll, e->plane);
    e->crs = v->crs;
    e->plane_ok = 1;
}

static void draw_entry(app_tiles *t, sv_geo *geo, const view *v, tentry *e, app_color c, app_ui *ui)
{
    if (!e->plane_ok || e->crs.epsg != v->crs.epsg ||
        (v->crs.epsg == 0 && e->crs.central_meridian != v->crs.central_meridian))
        project_entry(t, geo, v, e);
    e->used = t->frame;
    float *p = app_ui_image(ui, e->tex, GRID, c);
    if (!p)
        return;
    ui->cmd[ui->ncmd - 1].id = e->serial;
    float cx = v->m.x + v->m.w / 2, cy = v->m.y + v->m.h / 2;
    for (int j = 0; j <= GRID; j++)
        for (int i = 0; i <= GRID; i++) {
            int k = j * (GRID + 1) + i;
            double n = e->plane[2 * k], east = e->plane[2 * k + 1];
            p[4 * k] = isfinite(n) ? (float)(cx + (east - v->vy) / v->mpp) : NAN;
            p[4 * k + 1] = isfinite(n) ? (float)(cy - (n - v->vx) / v->mpp) : NAN;
            p[4 * k + 2] = (float)i / GRID;
            p[4 * k + 3] = (float)j / GRID;
        }
}

/* The view's box in basemap b's CRS (3 x 3 screen points through lon/lat). 0 when none. */
static int view_box(app_tiles *t, sv_geo *geo, const view *v, int b, double box[4])
{
    double ll[18];
    int n = 0;
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 3; i++) {
            double north = v->vx - (j - 1) * v->m.h / 2 * v->mpp,
                   east = v->vy + (i - 1) * v->m.w / 2 * v->mpp, lat, lon;
            if (sv_geo_from_plane(geo, v->crs, north, east, &lat, &lon) == SV_OK) {
                ll[2 * n] = lon;
                ll[2 * n + 1] = lat;
                n++;
            }
        }
    if (n == 0 || sv_geo_src_invert(t->src[b], (size_t)n, ll) != SV_OK)
        return 0;
    box[0] = box[1] = INFINITY;
    box[2] = box[3] = -INFINITY;
    for (int i = 0; i < n; i++)
        if (isfinite(ll[2 * i])) {
            box[0] = fmin(box[0], ll[2 * i]);
            box[1] = fmin(box[1], ll[2 * i + 1]);
            box[2] = fmax(box[2], ll[2 * i]);
            box[3] = fmax(box[3], ll[2 * i + 1]);
        }
    return isfinite(box[0]) && box[2] > box[0] && box[3] > box[1];
}

/* The transformations from each basemap's CRS, made with geo (the UI thread's handle). */
void app_tiles_prepare(app_tiles *t, sv_geo *geo)
{
    if (!t || !geo)
        return;
    if (t->src_geo != geo) { /* sources belong to one sv_geo handle */
        for (int b = 0; b < t->nbm; b++) {
            sv_geo_src_free(t->src[b]);
            t->src[b] = NULL;
        }
        t->src_geo = geo;
    }
    for (int b = 0; b < t->nbm; b++)
        if (!t->src[b] && !t->bad_crs[b] &&
            sv_geo_src_new(geo, t->bm[b].crs, &t->src[b]) != SV_OK) {
            fprintf(stderr, "quejie-app: imagery: %s: %s\n", t->bm[b].path, sv_geo_errmsg(geo));
            t->bad_crs[b] = 1;
        }
}

void app_tiles_draw(app_tiles *t, sv_geo *geo, sv_crs crs, double view_x, double view_y, double mpp,
                    app_rect m, float opacity, app_color bg, app_ui *ui)
{
    if (!t || t->nbm == 0 || !geo || !(mpp > 0) || !(opacity > 0))
        return;
    if (!t->started && t->decode) {
        t->started = pthread_create(&t->th, NULL, worker, t) == 0;
        if (!t->started)
            return;
    }
    app_tiles_prepare(t, geo);
    evict(t); /* before any entry is pointed at: dropping one moves another */
    t->frame++;
    view v = {crs, view_x, view_y, mpp, m};
    app_color c = 0xffffff00u | (app_color)lroundf(fminf(opacity, 1.0f) * 255);
    /* One layer: a new generation when the scale, the plane, the rectangle or the opacity
     * changed (or after a long pan); a pan only shifts it, and the platform redraws only the
     * strips uncovered and the tiles new to it (docs/imagery.md). */
    if (!t->layer_gen || mpp != t->l_mpp || crs.epsg != t->l_crs.epsg ||
        (crs.epsg == 0 && crs.central_meridian != t->l_crs.central_meridian) ||
        memcmp(&m, &t->l_m, sizeof m) != 0 || c != t->l_c || fabs(view_x - t->l_vx) / mpp > 1e6 ||
        fabs(view_y - t->l_vy) / mpp > 1e6) {
        t->layer_gen++;
        t->l_vx = view_x;
        t->l_vy = view_y;
        t->l_mpp = mpp;
        t->l_crs = crs;
        t->l_m = m;
        t->l_c = c;
    }
    size_t layer = app_ui_layer(ui, t, t->layer_gen, m, bg, (float)((t->l_vy - view_y) / mpp),
                                (float)((view_x - t->l_vx) / mpp));
    tkey want[QMAX] = {{0}};
    int nwant = 0;
    for (int b = 0; b < t->nbm; b++) {
        double box[4];
        if (!t->src[b] || !view_box(t, geo, &v, b, box))
            continue;
        const app_bm *bm = &t->bm[b];
        double upp = fmax((box[2] - box[0]) / m.w, (box[3] - box[1]) / m.h);
        int li = app_bm_pick_level(bm, upp);
        int64_t c0, r0, c1, r1, n;
        while ((n = app_bm_tile_range(bm, li, box[0], box[1], box[2], box[3], &c0, &r0, &c1, &r1)) >
                   MAX_VISIBLE &&
               li > 0)
            li--;
        if (n == 0 || n > MAX_VISIBLE)
            continue;
        /* coarser stand-ins first (drawn under), then the level's own tiles */
        tentry *own[MAX_VISIBLE], *under[MAX_VISIBLE];
        int nown = 0, nunder = 0;
        for (int64_t row = r0; row <= r1; row++)
            for (int64_t col = c0; col <= c1; col++) {
                tkey k = {b, li, col, row};
                tentry *e = find(t, &k);
                if (e && e->state == T_READY) {
                    own[nown++] = e;
                    continue;
                }
                if (!e) {
                    if (t->ne < MAX_ENTRIES) {
                        e = &t->e[t->ne++];
                        memset(e, 0, sizeof *e);
                        e->k = k;
                        e->state = T_QUEUED;
                    }
                }
                if (e) {
                    e->used = t->frame;
                    if (e->state == T_QUEUED && nwant < QMAX)
                        want[nwant++] = k;
                }
                double x0, y0, x1, y1;
                app_bm_tile_bounds(bm, li, col, row, &x0, &y0, &x1, &y1);
                double mx = (x0 + x1) / 2, my = (y0 + y1) / 2, eps = (x1 - x0) * 1e-6;
                for (int lj = li - 1; lj >= 0; lj--) {
                    int64_t a0, b0, a1, b1;
                    if (!app_bm_tile_range(bm, lj, mx - eps, my - eps, mx + eps, my + eps, &a0, &b0,
                                           &a1, &b1))
                        continue;
                    tkey pk = {b, lj, a0, b0};
                    tentry *pe = find(t, &pk);
                    if (pe && pe->state == T_READY) {
                        int dup = 0;
                        for (int q = 0; q < nunder && !dup; q++)
                            dup = under[q] == pe;
                        if (!dup && nunder < MAX_VISIBLE)
                            under[nunder++] = pe;
                        break;
                    }
                }
            }
        for (int i = 0; i < nunder; i++)
            draw_entry(t, geo, &v, under[i], c, ui);
        for (int i = 0; i < nown; i++)
            draw_entry(t, geo, &v, own[i], c, ui);
    }
    app_ui_layer_end(ui, layer);
    /* the worker gets this frame's misses, nearest the list's start first */
    pthread_mutex_lock(&t->mu);
    t->nq = 0;
    for (int i = 0; i < nwant; i++) { /* not those decoded or being decoded already */
        int held = t->busy && same(&t->cur, &want[i]);
        for (size_t k = 0; k < t->nd && !held; k++)
            held = same(&t->d[k].k, &want[i]);
        if (!held)
            t->q[t->nq++] = want[i];
    }
    nwant = t->nq;
    if (nwant)
        pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}
