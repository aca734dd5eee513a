/*
 * navigate.c - navigation on the Map screen (@navigate): an arrow, the distance and the bearing
 * from the live position to a chosen target (the next draft vertex, a recorded boundary point,
 * or a draft vertex tapped on the map), and "within X m" when there.
 *
 * The distance and the bearing are the survey library's geodesy (sv_geo_distance: PROJ's
 * geodesic on the CGCS2000 ellipsoid), so the bearing is from TRUE north; the map is drawn
 * north-up in the unit's Gauss-Krueger plane (grid north up), and the arrow is drawn on it from
 * the position to the target as they lie on the map, so it points where the target is drawn.
 * X, the "within" tolerance, is the receiver's own horizontal error estimate (err_h: GST, else
 * eph), at least 1 m: nearer than the receiver can tell is "there". Computed when the frame is
 * built, so the figures follow each fix and cost no wake-ups of their own. Never includes SDL,
 * never writes.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app_int.h"
#include "i18n.h"

#define C_NAV 0xa0008cffu /* the line to the target and its ring: magenta, apart from the rest */
#define NAV_MIN_TOL_M 1.0 /* "within" never less than this */
#define NAV_PICK_MM 8.0f  /* a tap picks the draft vertex drawn within this of it */

/* The draft's vertices a target may be: every ring's, in order (a single ring's closing repeat
 * of its first not counted, so that its vertices number 1..n as drawn). */
static int ring_n(const app *a)
{
    if (a->cur < 0 || a->ndraft == 0)
        return 0;
    const double *ll = a->units[a->cur].u.draft.lonlat;
    size_t n = a->ndraft;
    if (a->ndraft_ring == 1 && n >= 2 && ll[0] == ll[2 * (n - 1)] && ll[1] == ll[2 * (n - 1) + 1])
        n--;
    return (int)n;
}

/* The target's CGCS2000 position, plane position and name. 0 when there is none (off, or the
 * point or vertex is gone). */
static int target(app *a, double *lat, double *lon, double *px, double *py, char *name, size_t n)
{
    if (a->cur < 0)
        return 0;
    if (a->nav.kind == APP_NAV_DRAFT) {
        int nv = ring_n(a), v = a->nav.vertex;
        if (v < 0 || v >= nv)
            return 0;
        const double *ll = a->units[a->cur].u.draft.lonlat;
        *lon = ll[2 * v];
        *lat = ll[2 * v + 1];
        *px = a->draft[2 * v];
        *py = a->draft[2 * v + 1];
        snprintf(name, n, _("draft vertex %d"), v + 1);
        return isfinite(*px);
    }
    if (a->nav.kind == APP_NAV_POINT)
        for (size_t i = 0; i < a->npts; i++)
            if (strcmp(a->pts[i].number, a->nav.point) == 0) {
                *lat = a->pts[i].lat;
                *lon = a->pts[i].lon;
                *px = a->pts_xy[2 * i];
                *py = a->pts_xy[2 * i + 1];
                snprintf(name, n, "%s", a->pts[i].number);
                return isfinite(*px);
            }
    return 0;
}

/* "The next draft vertex": the one after the vertex nearest the position (geodesic). */
static void choose_next(app *a, const sv_fix *f)
{
    int nv = ring_n(a), best = -1;
    double bd = INFINITY;
    const double *ll = a->units[a->cur].u.draft.lonlat;
    for (int i = 0; i < nv; i++) {
        double d = sv_geo_distance(f->lat, f->lon, ll[2 * i + 1], ll[2 * i], NULL);
        if (d < bd)
            bd = d, best = i;
    }
    if (best >= 0)
        a->nav.vertex = (best + 1) % nv;
}

int app_nav_get(app *a, int64_t now_ms, app_nav_info *info)
{
    memset(info, 0, sizeof *info);
    info->dist_m = info->brg_true = info->tol_m = NAN;
    if (a->nav.kind == APP_NAV_OFF || a->cur < 0)
        return 0;
    const sv_fix *f = app__live_fix(a, now_ms);
    if (a->nav.kind == APP_NAV_DRAFT && a->nav.vertex < 0 && f)
        choose_next(a, f);
    double tx, ty, px, py;
    if (!target(a, &info->lat, &info->lon, &tx, &ty, info->name, sizeof info->name))
        return 0;
    info->target = 1;
    if (!f)
        return 0;
    double azi = NAN;
    info->dist_m = sv_geo_distance(f->lat, f->lon, info->lat, info->lon, &azi);
    info->brg_true = fmod(azi + 360, 360);
    info->tol_m = isfinite(f->err_h) && f->err_h > NAV_MIN_TOL_M ? f->err_h : NAV_MIN_TOL_M;
    info->within = info->dist_m <= info->tol_m;
    /* the arrow: from the position to the target as the map draws them (north-up) */
    if (app__map_position(a, now_ms, &px, &py)) {
        double dx = (ty - py), dy = -(tx - px), len = hypot(dx, dy);
        if (len > 0) {
            info->ax = (float)(dx / len);
            info->ay = (float)(dy / len);
        }
    }
    info->ok = 1;
    return 1;
}

void app__nav_map(app *a, app_ui *ui, app_rect r, int64_t now_ms)
{
    a->nav.pick_px = app__mm(ui, NAV_PICK_MM);
    app__button(ui, "navigate", r,
                a->nav.kind != APP_NAV_OFF || a->nav.picking ? _("Navigating") : _("Navigate"),
                a->cur >= 0 && (a->ndraft > 0 || a->npts > 0));
    if (a->nav.kind == APP_NAV_OFF)
        return;
    app_nav_info in;
    app_nav_get(a, now_ms, &in);
    double tx, ty, lat, lon, px, py;
    char name[96];
    if (!target(a, &lat, &lon, &tx, &ty, name, sizeof name))
        return;
    float sx, sy, dot = fmaxf(app__mm(ui, 1.6f), 5);
    app__map_to_screen(a, tx, ty, &sx, &sy);
    if (app__map_position(a, now_ms, &px, &py)) {
        float *p = app_ui_lines(ui, 2, 3, C_NAV);
        if (p) {
            app__map_to_screen(a, px, py, &p[0], &p[1]);
            p[2] = sx;
            p[3] = sy;
        }
    }
    app_ui_ring(ui, sx, sy, dot * 2.2f, 3, C_NAV);
}

/* An arrow in the square centred (cx, cy) of half-size s pointing along (ax, ay). */
static void arrow(app_ui *ui, float cx, float cy, float s, float ax, float ay, app_color c)
{
    float nx = -ay, ny = ax; /* across */
    float tip_x = cx + ax * s, tip_y = cy + ay * s, tail_x = cx - ax * s, tail_y = cy - ay * s;
    float *p = app_ui_lines(ui, 2, 4, c);
    if (p) {
        float v[4] = {tail_x, tail_y, tip_x, tip_y};
        memcpy(p, v, sizeof v);
    }
    p = app_ui_lines(ui, 3, 4, c);
    if (p) {
        float h = s * 0.55f;
        float v[6] = {tip_x - ax * h + nx * h * 0.7f, tip_y - ay * h + ny * h * 0.7f, tip_x, tip_y,
                      tip_x - ax * h - nx * h * 0.7f, tip_y - ay * h - ny * h * 0.7f};
        memcpy(p, v, sizeof v);
    }
}

float app__nav_panel(app *a, app_ui *ui, app_rect r, int64_t now_ms)
{
    if (a->nav.kind == APP_NAV_OFF && !a->nav.picking)
        return -1;
    float t = app__target(ui), pad = app__mm(ui, 2);
    char line[300];
    app_nav_info in;
    app_nav_get(a, now_ms, &in);
    app_color c = C_INK;
    float right = r.x + r.w;
    if (a->nav.kind == APP_NAV_DRAFT && in.target) {
        app_rect b = {right - t * 2.2f, r.y + (r.h - t) / 2, t * 2.2f, t};
        app__button(ui, "nav-next", b, _("Next vertex"), 1);
        right = b.x - pad;
    }
    if (a->nav.picking) {
        snprintf(line, sizeof line, "%s", _("Tap a draft vertex on the map to navigate to it"));
    } else if (!in.target) {
        snprintf(line, sizeof line, "%s",
                 a->nav.kind == APP_NAV_DRAFT && a->nav.vertex < 0
                     ? _("Navigating to the next draft vertex: waiting for a position")
                     : _("Navigation: the target is gone"));
    } else if (!in.ok) {
        snprintf(line, sizeof line, _("Navigating to %s: no position"), in.name);
    } else if (in.within) {
        snprintf(line, sizeof line, _("Within %.1f m of %s (%.2f m)"), in.tol_m, in.name,
                 in.dist_m);
        c = C_OK; /* text: the theme's readable green, not the button fill */
    } else {
        snprintf(line, sizeof line, _("To %s: %.1f m, bearing %.1f° from true north"), in.name,
                 in.dist_m, in.brg_true);
    }
    float s = r.h / 2 - app__mm(ui, 1);
    /* the arrow, when both ends lie on the map (a position far outside the unit's zone has no
     * place on it: the figures alone are shown) */
    if (in.ok && (in.within || in.ax != 0 || in.ay != 0)) {
        float cx = right - s - pad, cy = r.y + r.h / 2;
        app_ui_disc(ui, cx, cy, s, in.within ? C_GO : 0xf0e6f4ffu);
        if (in.within)
            app_ui_ring(ui, cx, cy, s * 0.45f, 4, C_BAR_INK);
        else
            arrow(ui, cx, cy, s * 0.75f, in.ax, in.ay, C_NAV);
        right = cx - s - pad;
    }
    app__text_fit(ui, (app_rect){r.x, r.y + r.h / 2, right - r.x, r.h / 2}, line, 3.5f,
                  APP_ALIGN_LEFT, c);
    return right - r.x;
}

static void open_choice(app *a)
{
    app__open_modal(a, APP_MODAL_PICK, APP_ASK_NAV_TARGET, _("Navigate to"));
    if (a->nav.kind != APP_NAV_OFF || a->nav.picking)
        app__pick_add(a, _("Stop navigation"), "stop");
    if (ring_n(a) > 0) {
        app__pick_add(a, _("The next draft vertex (after the nearest)"), "next");
        app__pick_add(a, _("A draft vertex tapped on the map"), "tap");
    }
    char label[160], value[SV_NUMBER_MAX + 4];
    for (size_t i = 0; i < a->npts; i++) {
        if (!isfinite(a->pts_xy[2 * i]))
            continue;
        snprintf(label, sizeof label, _("Recorded point %s"), a->pts[i].number);
        snprintf(value, sizeof value, "pt:%s", a->pts[i].number);
        app__pick_add(a, label, value);
    }
}

int app__nav_tap(app *a, const char *id)
{
    if (strcmp(id, "navigate") == 0) {
        if (a->cur < 0)
            return 0;
        open_choice(a);
        return 1;
    }
    if (strcmp(id, "nav-next") == 0) {
        int nv = ring_n(a);
        if (a->nav.kind != APP_NAV_DRAFT || nv == 0 || a->nav.vertex < 0)
            return 0;
        a->nav.vertex = (a->nav.vertex + 1) % nv;
        return 1;
    }
    return -1;
}

int app__nav_map_tap(app *a, float x, float y)
{
    if (!a->nav.picking || a->cur < 0)
        return 0;
    int best = -1;
    float bd = a->nav.pick_px > 0 ? a->nav.pick_px : 40;
    for (int i = 0; i < ring_n(a); i++) {
        float sx, sy;
        if (!isfinite(a->draft[2 * i]))
            continue;
        app__map_to_screen(a, a->draft[2 * i], a->draft[2 * i + 1], &sx, &sy);
        float d = hypotf(sx - x, sy - y);
        if (d <= bd)
            bd = d, best = i;
    }
    if (best < 0)
        return 1; /* a miss: still choosing (the line says so) */
    a->nav.picking = 0;
    a->nav.kind = APP_NAV_DRAFT;
    a->nav.vertex = best;
    return 1;
}

int app__nav_answer(app *a, app_ask ask, int k, const char *v)
{
    (void)k;
    if (ask != APP_ASK_NAV_TARGET)
        return 0;
    memset(&a->nav, 0, sizeof a->nav);
    if (strcmp(v, "next") == 0) {
        a->nav.kind = APP_NAV_DRAFT;
        a->nav.vertex = -1;
    } else if (strcmp(v, "tap") == 0) {
        a->nav.picking = 1;
    } else if (strncmp(v, "pt:", 3) == 0) {
        a->nav.kind = APP_NAV_POINT;
        app__copy(a->nav.point, sizeof a->nav.point, v + 3);
    }
    return 1;
}
