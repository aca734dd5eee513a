/*
 * map_view.c - the unit's map that Map and Walk show: the draft, the walked tracks with their
 * jumps, the recorded points, the position with its accuracy, north arrow and scale bar, the
 * follow and zoom-to-unit buttons; panning and pinch zoom. Draws from the state app.c loaded
 * (plane coordinates in the unit's zone); never reads or writes the journal, never includes SDL.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "basemap.h"
#include "i18n.h"

/*
 * Where point labels lie, so that none is drawn over another (the numbers of 30 points a pole's
 * length apart were an unreadable smear at the whole unit's scale): an occupancy grid of the
 * map in cells a third of a label's height. A label takes the first of four places around its
 * point (above right, above left, below right, below left) whose cells are all free, else it
 * is left out; its point is drawn all the same. Cells are rounded outwards, so two labels never
 * overlap, and labels a little apart may count as touching (the cost of a grid instead of a
 * list of rectangles).
 */
typedef struct label_grid {
    unsigned char *cell;
    int cols, rows;
    float x0, y0, cs;
} label_grid;

static int grid_span(const label_grid *g, app_rect r, int *c0, int *r0, int *c1, int *r1)
{
    *c0 = (int)floorf((r.x - g->x0) / g->cs);
    *r0 = (int)floorf((r.y - g->y0) / g->cs);
    *c1 = (int)ceilf((r.x + r.w - g->x0) / g->cs);
    *r1 = (int)ceilf((r.y + r.h - g->y0) / g->cs);
    if (*c0 < 0 || *r0 < 0 || *c1 > g->cols || *r1 > g->rows)
        return 0; /* not wholly inside the map */
    return 1;
}

/* Take r in g when it is free; 1 when taken. Without a grid (out of memory) every label is
 * drawn, as before. */
static int grid_take(label_grid *g, app_rect r)
{
    if (!g->cell)
        return 1;
    int c0, r0, c1, r1;
    if (!grid_span(g, r, &c0, &r0, &c1, &r1))
        return 0;
    for (int y = r0; y < r1; y++)
        for (int x = c0; x < c1; x++)
            if (g->cell[(size_t)y * (size_t)g->cols + (size_t)x])
                return 0;
    for (int y = r0; y < r1; y++)
        memset(g->cell + (size_t)y * (size_t)g->cols + (size_t)c0, 1, (size_t)(c1 - c0));
    return 1;
}

/* Fit the unit's draft in the map beside the map's buttons (and stop following the position).
 * Before the map's first frame its size is not known: the fit is made again then. */
void app__zoom_to_unit(app *a)
{
    a->zoom_pending = !(a->map_rect.w > 0);
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < a->ndraft; i++) {
        double x = a->draft[2 * i], y = a->draft[2 * i + 1];
        if (!isfinite(x) || !isfinite(y))
            continue;
        x0 = fmin(x0, x);
        x1 = fmax(x1, x);
        y0 = fmin(y0, y);
        y1 = fmax(y1, y);
    }
    if (!isfinite(x0))
        return;
    a->view_x = (x0 + x1) / 2;
    a->view_y = (y0 + y1) / 2;
    double w = a->map_rect.w > 0 ? a->map_rect.w : 800, h = a->map_rect.h > 0 ? a->map_rect.h : 600;
    /* the buttons are no place for the unit (they hid J2 and J3): their columns at the right
     * are kept clear, or, where they lie in a row along the bottom of a low map, their row */
    double keep_w = a->map_keep_w > 0 && a->map_keep_w < w / 2 ? a->map_keep_w : 0;
    double keep_h = !keep_w && a->map_keep_h > 0 && a->map_keep_h < h / 2 ? a->map_keep_h : 0;
    double span_e = (y1 - y0) * 1.15 + 10, span_n = (x1 - x0) * 1.15 + 10;
    a->mpp = fmax(span_e / (w - keep_w), span_n / (h - keep_h));
    /* the unit's middle to the middle of what is left of the map */
    a->view_y += keep_w / 2 * a->mpp;
    a->view_x -= keep_h / 2 * a->mpp;
    a->follow = 0;
}

/* plane (north x, east y) to screen */
static void to_screen(const app *a, double x, double y, float *sx, float *sy)
{
    const app_rect *m = &a->map_rect;
    *sx = (float)(m->x + m->w / 2 + (y - a->view_y) / a->mpp);
    *sy = (float)(m->y + m->h / 2 - (x - a->view_x) / a->mpp);
}

void app__map_to_screen(const app *a, double x, double y, float *sx, float *sy)
{
    to_screen(a, x, y, sx, sy);
}

/* 1, 2 or 5 times a power of ten, at most max */
static double nice(double max)
{
    double p = pow(10, floor(log10(max)));
    return max >= 5 * p ? 5 * p : max >= 2 * p ? 2 * p : p;
}

static void draw_polyline(app *a, app_ui *ui, const double *xy, size_t n, float width, app_color c)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && !isfinite(xy[2 * i]))
            i++;
        size_t s = i;
        while (i < n && isfinite(xy[2 * i]))
            i++;
        if (i - s < 2)
            continue;
        float *p = app_ui_lines(ui, i - s, width, c);
        for (size_t k = s; p && k < i; k++)
            to_screen(a, xy[2 * k], xy[2 * k + 1], &p[2 * (k - s)], &p[2 * (k - s) + 1]);
    }
}

/* The plane position of the current point numbered num; 0 when there is none (or no place). */
static int point_xy(const app *a, const char *num, double *x, double *y)
{
    for (size_t i = 0; a->pts_xy && i < a->npts; i++)
        if (strcmp(a->pts[i].number, num) == 0) {
            *x = a->pts_xy[2 * i];
            *y = a->pts_xy[2 * i + 1];
            return isfinite(*x) && isfinite(*y);
        }
    return 0;
}

/* Lines a dispute covers (the library's rule, app__unit_lines): dashed in the dispute colour
 * while it is open, solid in the settled colour once settled. */
static void draw_dispute_lines(app *a, app_ui *ui, app_rect m)
{
    app__line *l = NULL;
    size_t n = app__unit_lines(a, &l);
    float w = fmaxf(app__mm(ui, 1.2f), 4), dash = app__mm(ui, 3);
    for (size_t i = 0; i < n; i++) {
        if (!l[i].docs.dispute_seq)
            continue;
        double x0, y0, x1, y1;
        if (!point_xy(a, l[i].from, &x0, &y0) || !point_xy(a, l[i].to, &x1, &y1))
            continue;
        float sx0, sy0, sx1, sy1;
        to_screen(a, x0, y0, &sx0, &sy0);
        to_screen(a, x1, y1, &sx1, &sy1);
        if (strcmp(l[i].docs.nature, "disputed") != 0) {
            float *p = app_ui_lines(ui, 2, w, app__th->settled);
            if (p) {
                p[0] = sx0, p[1] = sy0, p[2] = sx1, p[3] = sy1;
            }
            continue;
        }
        float len = hypotf(sx1 - sx0, sy1 - sy0);
        int steps = len > 0 ? (int)fminf(ceilf(len / dash), 2000) : 0;
        for (int k = 0; k < steps; k += 2) {
            float f0 = (float)k / (float)steps, f1 = fminf((float)(k + 1) / (float)steps, 1);
            float ax = sx0 + (sx1 - sx0) * f0, ay = sy0 + (sy1 - sy0) * f0;
            if (!app_rect_has(m, ax, ay))
                continue;
            float *p = app_ui_lines(ui, 2, w, app__th->dispute);
            if (p) {
                p[0] = ax, p[1] = ay;
                p[2] = sx0 + (sx1 - sx0) * f1, p[3] = sy0 + (sy1 - sy0) * f1;
            }
        }
    }
    free(l);
}

/* The current position in the unit's plane, when there is a live fix. */
int app__map_position(app *a, int64_t now_ms, double *px, double *py)
{
    const sv_fix *f = app__live_fix(a, now_ms);
    return f && sv_geo_to_plane(a->geo, a->crs, f->lat, f->lon, px, py) == SV_OK;
}

void app__draw_map(app *a, app_ui *ui, app_rect m, int64_t now_ms)
{
    a->map_rect = m;
    /* the buttons' columns (follow, whole unit, imagery; Map's navigate): their width, and the
     * height of their rows */
    {
        int last = a->screen == APP_SCR_MAP ? 3 : 2;
        float bl = m.x + m.w, bt = m.y + m.h;
        for (int k = 0; k <= last; k++) {
            app_rect b = app__map_button(ui, m, k);
            bl = fminf(bl, b.x);
            bt = fminf(bt, b.y);
        }
        a->map_keep_w = m.x + m.w - bl;
        a->map_keep_h = m.y + m.h - bt;
    }
    if (a->zoom_pending)
        app__zoom_to_unit(a);
    const app_color bg = app__th->map_bg;
    app_ui_fill(ui, m, bg);
    app_ui_widget(ui, "map", m, 1);
    /* what lies on the map stays on it (the draft ran over the top bar's title) */
    app_ui_clip(ui, m);
    if (a->basemap_on && a->cur >= 0)
        app_tiles_draw(a->tiles, a->geo, a->crs, a->view_x, a->view_y, a->mpp, m,
                       a->basemap_opacity, bg, ui);

    const sv_fix *f = app__live_fix(a, now_ms);
    double px = NAN, py = NAN;
    if (app__map_position(a, now_ms, &px, &py) && a->follow) {
        a->view_x = px;
        a->view_y = py;
    }
    for (size_t r = 0, at = 0; r < a->ndraft_ring && at < a->ndraft; at += a->draft_ring[r++])
        if (a->draft_ring[r] >= 2 && at + a->draft_ring[r] <= a->ndraft)
            draw_polyline(a, ui, a->draft + 2 * at, a->draft_ring[r], 3, C_DRAFT);
    if (a->ntrk >= 2)
        draw_polyline(a, ui, a->trk_xy, a->ntrk, 2, C_TRACK);
    draw_dispute_lines(a, ui, m);
    float dot = fmaxf(app__mm(ui, 1.6f), 5);
    /* jumps: kept in the journal, left out of the boundary, shown as refused */
    for (size_t i = 0; i < a->njump; i++) {
        float sx, sy;
        to_screen(a, a->jump_xy[2 * i], a->jump_xy[2 * i + 1], &sx, &sy);
        if (app_rect_has(m, sx, sy))
            app_ui_ring(ui, sx, sy, dot, 2, C_BAD);
    }
    float lh = app__mm(ui, 5);
    label_grid lg = {NULL, 0, 0, m.x, m.y, fmaxf(lh / 3, 1)};
    lg.cols = (int)ceilf(m.w / lg.cs);
    lg.rows = (int)ceilf(m.h / lg.cs);
    if (a->npts > 0 && lg.cols > 0 && lg.rows > 0)
        lg.cell = calloc((size_t)lg.cols * (size_t)lg.rows, 1);
    int lpx = app__text_px(ui, 3);
    for (size_t i = 0; i < a->npts; i++) {
        float sx, sy;
        to_screen(a, a->pts_xy[2 * i], a->pts_xy[2 * i + 1], &sx, &sy);
        if (!app_rect_has(m, sx, sy))
            continue;
        app_ui_disc(ui, sx, sy, dot, C_POINT);
        float lw = app__text_width(a->pts[i].number, lpx), gap = dot + 2;
        const app_rect at[4] = {{sx + gap, sy - lh, lw, lh},
                                {sx - gap - lw, sy - lh, lw, lh},
                                {sx + gap, sy, lw, lh},
                                {sx - gap - lw, sy, lw, lh}};
        for (int k = 0; k < 4; k++)
            if (grid_take(&lg, at[k])) {
                app_ui_text(ui, at[k], a->pts[i].number, lpx, APP_ALIGN_LEFT, C_POINT);
                break;
            }
    }
    free(lg.cell);
    if (isfinite(px)) {
        float sx, sy;
        to_screen(a, px, py, &sx, &sy);
        double acc = f->err_h; /* the receiver's GST estimate where it sends one (gnss.h) */
        if (isfinite(acc) && acc / a->mpp > dot)
            app_ui_disc(ui, sx, sy, (float)(acc / a->mpp), C_ACC);
        app_ui_disc(ui, sx, sy, dot * 1.3f, C_BG);
        app_ui_disc(ui, sx, sy, dot, C_POS);
    }

    /* the map's buttons first: the north arrow keeps clear of them */
    int nb = a->screen == APP_SCR_MAP ? 4 : 3; /* Map adds @navigate (navigate.c) */
    app_rect b0 = app__map_button(ui, m, 0), b1 = app__map_button(ui, m, 1),
             b2 = app__map_button(ui, m, 2);
    float bl = m.x + m.w, bt = m.y + m.h; /* the buttons' left and top edges */
    for (int k = 0; k < nb; k++) {
        bl = fminf(bl, app__map_button(ui, m, k).x);
        bt = fminf(bt, app__map_button(ui, m, k).y);
    }

    /* north arrow (GK grid north is up) and a scale bar; left of the buttons when they reach
     * the top of the map */
    float ax = m.x + m.w - app__mm(ui, 10), ay = m.y + app__mm(ui, 12);
    if (bt < m.y + app__mm(ui, 20))
        ax = bl - app__mm(ui, 8);
    float *p = app_ui_lines(ui, 4, 3, C_INK);
    if (p) {
        float s = app__mm(ui, 4);
        float v[8] = {ax - s / 2, ay + s, ax, ay - s, ax + s / 2, ay + s, ax, ay + s / 2};
        memcpy(p, v, sizeof v);
    }
    app_ui_text(
        ui, (app_rect){ax - app__mm(ui, 4), ay - app__mm(ui, 10), app__mm(ui, 8), app__mm(ui, 5)},
        "N", app__text_px(ui, 3.5f), APP_ALIGN_CENTER, C_INK);
    double len_m = nice(a->mpp * m.w / 4);
    float len_px = (float)(len_m / a->mpp), bx = m.x + app__mm(ui, 4),
          by = m.y + m.h - app__mm(ui, 5);
    app_ui_fill(ui, (app_rect){bx, by, len_px, 4}, C_INK);
    char lab[64];
    if (len_m >= 1000)
        snprintf(lab, sizeof lab, _("%g km"), len_m / 1000);
    else
        snprintf(lab, sizeof lab, _("%g m"), len_m);
    app_ui_text(ui, (app_rect){bx, by - app__mm(ui, 6), len_px + app__mm(ui, 20), app__mm(ui, 5)},
                lab, app__text_px(ui, 3), APP_ALIGN_LEFT, C_INK);

    app_ui_clip_end(ui);
    /* map buttons: zoom to unit at the bottom, follow, imagery above them */
    /* "Following" only while there is a position to follow (a greyed "Following" said so
     * while the receiver was lost) */
    app__button(ui, "follow", b1, a->follow && f ? _("Following") : _("Follow"), f != NULL);
    app__button(ui, "zoom-unit", b0, _("Whole unit"), a->ndraft > 0);
    app__button(ui, "basemap", b2,
                app_tiles_count(a->tiles) == 0 ? _("No imagery")
                : a->basemap_on                ? _("Imagery on")
                                               : _("Imagery off"),
                app_tiles_count(a->tiles) > 0);
}

/* Slot k of the map's buttons (0 at the bottom right, upwards): as many to a column as the map's
 * height holds, further columns to the left, so a button never lies above the map's top (over
 * the top bar and the GNSS pill) on a short display. */
app_rect app__map_button(const app_ui *ui, app_rect m, int k)
{
    float t = app__target(ui), gap = app__mm(ui, 2), bw = t * 2.6f;
    int per = (int)((m.h - gap) / (t + gap));
    if (per < 1)
        per = 1;
    int col = k / per, row = k % per;
    return (app_rect){m.x + m.w - (float)(col + 1) * (bw + gap),
                      fmaxf(m.y, m.y + m.h - (float)(row + 1) * (t + gap)), bw, t};
}

int app_locate(app *a, double lat, double lon, float *x, float *y)
{
    double n, e;
    if ((a->screen != APP_SCR_MAP && a->screen != APP_SCR_WALK) || a->cur < 0 ||
        !(a->map_rect.w > 0) || sv_geo_to_plane(a->geo, a->crs, lat, lon, &n, &e) != SV_OK)
        return -1;
    to_screen(a, n, e, x, y);
    return 0;
}

int app__map_tap(app *a, const char *id)
{
    if (strcmp(id, "follow") == 0) {
        a->follow = !a->follow;
        return 1;
    }
    if (strcmp(id, "zoom-unit") == 0) {
        app__zoom_to_unit(a);
        return 1;
    }
    if (strcmp(id, "basemap") == 0) {
        a->basemap_on = !a->basemap_on;
        return 1;
    }
    return -1;
}

int app__map_gesture(app *a, const app_widget *w, const app_gesture *g)
{
    int on_map = w && strcmp(w->id, "map") == 0;
    switch (g->type) {
    case APP_G_TAP:
    case APP_G_LONG_PRESS:
    case APP_G_DRAG_END:
        return 0;
    case APP_G_DRAG:
        a->follow = 0;
        a->view_y -= g->dx * a->mpp;
        a->view_x += g->dy * a->mpp;
        return 1;
    case APP_G_PINCH:
        if (!on_map || !(g->factor > 0))
            return 0;
        {
            /* zoom about the fingers: the plane point under them stays put */
            const app_rect *m = &a->map_rect;
            double ex = a->view_y + (g->x - (m->x + m->w / 2)) * a->mpp;
            double nx = a->view_x - (g->y - (m->y + m->h / 2)) * a->mpp;
            double mpp = a->mpp / g->factor;
            if (mpp < 0.002)
                mpp = 0.002;
            if (mpp > 5000)
                mpp = 5000;
            a->mpp = mpp;
            a->view_y = ex - (g->x - (m->x + m->w / 2)) * mpp;
            a->view_x = nx + (g->y - (m->y + m->h / 2)) * mpp;
            a->follow = 0;
        }
        return 1;
    }
    return 0;
}
