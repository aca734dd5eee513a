/*
 * app.c - state and screens of the touch app (see app.h). Builds display lists and widgets;
 * never draws or reads input itself, never includes SDL.
 *
 * Theme: outdoor, high contrast (black on white, saturated status colours), sizes in mm from
 * the display's DPI: touch targets at least 12 mm, body text about 3.5 mm.
 */
#include "app_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

/* ---- sizes ---------------------------------------------------------------------------- */

float app__mm(const app_ui *ui, float v)
{
    return v * ui->px_per_mm;
}

int app__text_px(const app_ui *ui, float mm_h)
{
    float px = app__mm(ui, mm_h);
    return px < 14 ? 14 : (int)px;
}

/* Touch targets: at least 12 mm (gloves), never under 48 px. */
float app__target(const app_ui *ui)
{
    float t = app__mm(ui, 12);
    return t < 48 ? 48 : t;
}

/* ---- GNSS grade ------------------------------------------------------------------------ */

app_color app__grade_color(sv_grade g)
{
    switch (g) {
    case SV_GRADE_RTK_FIXED:
        return 0x00a040ffu;
    case SV_GRADE_RTK_FLOAT:
        return 0xe0a000ffu;
    case SV_GRADE_DGPS:
        return 0xe07000ffu;
    case SV_GRADE_GPS:
        return 0xd04000ffu;
    case SV_GRADE_NONE:
        break;
    }
    return 0xb00000ffu;
}

const char *app__grade_label(sv_grade g)
{
    switch (g) {
    case SV_GRADE_RTK_FIXED:
        return _("RTK fixed");
    case SV_GRADE_RTK_FLOAT:
        return _("RTK float");
    case SV_GRADE_DGPS:
        return _("DGPS");
    case SV_GRADE_GPS:
        return _("GPS");
    case SV_GRADE_NONE:
        break;
    }
    return _("No fix");
}

/* The fix, if there is a current one (not stale). */
const sv_fix *app__live_fix(const app *a, int64_t now_ms)
{
    if (!a->gnss.have_fix || sv_fix_is_stale(&a->gnss.fix, now_ms) ||
        a->gnss.fix.grade == SV_GRADE_NONE)
        return NULL;
    return &a->gnss.fix;
}

/* ---- data ------------------------------------------------------------------------------ */

/* The current unit's records (everything load_unit_records reads). */
static void free_unit_records(app *a)
{
    sv_bpoints_free(a->pts, a->npts);
    free(a->pts_xy);
    free(a->trk_xy);
    free(a->jump_xy);
    sv_verifications_free(a->ver, a->nver);
    sv_disputes_free(a->dsp, a->ndsp);
    a->pts = NULL;
    a->pts_xy = a->trk_xy = a->jump_xy = NULL;
    a->ver = NULL;
    a->dsp = NULL;
    a->npts = a->ntrk = a->njump = a->nver = a->ndsp = 0;
    a->trk_cap = a->jump_cap = 0;
    a->trk_seq = a->trk_walk = 0;
}

static void free_unit_view(app *a)
{
    free_unit_records(a);
    free(a->draft);
    a->draft = NULL;
    a->ndraft = 0;
}

static void load_unit_records(app *a);

static void free_units(app *a)
{
    for (size_t i = 0; i < a->nunits; i++)
        sv_unit_clear(&a->units[i].u);
    free(a->units);
    a->units = NULL;
    a->nunits = 0;
}

int app_init(app *a, sv_journal *j)
{
    memset(a, 0, sizeof *a);
    a->j = j;
    a->cur = -1;
    a->mpp = 1;
    a->follow = 1;
    a->off_m = a->off_brg = NAN;
    int rc = sv_geo_new(&a->geo);
    if (rc != SV_OK)
        return rc;
    return app_reload(a);
}

void app_free(app *a)
{
    app__free_screens(a);
    free(a->day);
    free_unit_view(a);
    free_units(a);
    sv_geo_free(a->geo);
    memset(a, 0, sizeof *a);
}

/* Unit i's records from the unit summary (survey/summary.h): what Today lists. */
static void unit_records(app *a, size_t i)
{
    sv_unit_summarize_records(a->j, a->units[i].u.code, &a->units[i].s);
    a->units[i].p = a->units[i].s.progress;
}

int app_reload(app *a)
{
    char keep[SV_CODE_MAX] = "";
    if (a->cur >= 0)
        snprintf(keep, sizeof keep, "%s", a->units[a->cur].u.code);
    free_units(a);
    sv_unit *u = NULL;
    size_t n = 0;
    int rc = sv_state_units(a->j, &u, &n);
    if (rc == SV_OK && !(a->units = calloc(n ? n : 1, sizeof *a->units))) {
        sv_units_free(u, n);
        rc = SV_ENOMEM;
    }
    if (rc != SV_OK) {
        /* nothing to show: back to an empty Today rather than a unit that is gone */
        snprintf(a->status, sizeof a->status, "%s",
                 rc == SV_ENOMEM ? "out of memory" : sv_journal_errmsg(a->j));
        a->cur = -1;
        free_unit_view(a);
        a->screen = APP_SCR_TODAY;
        a->depth = 0;
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        a->units[i].u = u[i]; /* moved */
        unit_records(a, i);
    }
    free(u); /* the elements were moved */
    a->nunits = n;
    a->cur = -1;
    for (size_t i = 0; keep[0] && i < n; i++)
        if (strcmp(a->units[i].u.code, keep) == 0)
            a->cur = (int)i;
    if (a->cur < 0 && keep[0])
        free_unit_view(a);
    if (a->cur >= 0)
        load_unit_records(a);
    return SV_OK;
}

/* Project n lon,lat pairs into a fresh x,y array. A position the unit's plane cannot take
 * (NaN, or far outside the zone) becomes a NaN pair and *refused is set: the record is still
 * listed, it is only not drawn. NULL when out of memory. */
static double *project(app *a, const double *lonlat, size_t n, int *refused)
{
    double *xy = malloc((n ? n : 1) * 2 * sizeof *xy);
    if (!xy)
        return NULL;
    int rc = n ? sv_geo_to_plane_n(a->geo, a->crs, n, lonlat, xy) : SV_OK;
    if (refused)
        *refused = rc != SV_OK;
    return xy;
}

static void zoom_to_unit(app *a)
{
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
    double span_e = (y1 - y0) * 1.15 + 10, span_n = (x1 - x0) * 1.15 + 10;
    a->mpp = fmax(span_e / w, span_n / h);
    a->follow = 0;
}

/* Grow *buf (pairs of doubles) to hold need pairs. */
static int reserve_pairs(double **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need)
        nc *= 2;
    double *b = realloc(*buf, nc * 2 * sizeof *b);
    if (!b)
        return -1;
    *buf = b;
    *cap = nc;
    return 0;
}

/* Bring the current unit's walk up to date: read only the vertices after the last one held and
 * append them, projected. The line is each walk's vertices without its jumps (the boundary as
 * walked), one NaN pair between walks; the jumps are kept apart, drawn as refused. A walk of
 * 100,000 vertices is read once, not every time a vertex arrives. */
static void load_track(app *a)
{
    sv_track tk;
    if (sv_state_track_after(a->j, a->units[a->cur].u.code, a->trk_seq, &tk) != SV_OK || !tk.n) {
        sv_track_clear(&tk);
        return;
    }
    size_t walks = 0, jumps = 0;
    int64_t w = a->trk_walk;
    for (size_t i = 0; i < tk.n; i++) {
        walks += (a->trk_seq || i > 0) && tk.walk[i] != w;
        w = tk.walk[i];
        jumps += tk.jump[i] != 0;
    }
    if (reserve_pairs(&a->trk_xy, &a->trk_cap, a->ntrk + tk.n - jumps + walks) != 0 ||
        reserve_pairs(&a->jump_xy, &a->jump_cap, a->njump + jumps) != 0) {
        sv_track_clear(&tk); /* nothing taken: the next reload tries again */
        return;
    }
    size_t k0 = a->ntrk, q0 = a->njump, k = k0, q = q0;
    double *xy = a->trk_xy, *jx = a->jump_xy;
    for (size_t i = 0; i < tk.n; i++) {
        int new_walk = (a->trk_seq || i > 0) && tk.walk[i] != a->trk_walk;
        a->trk_walk = tk.walk[i];
        a->trk_seq = tk.seq[i];
        if (tk.jump[i]) {
            jx[2 * q] = tk.lonlat[2 * i];
            jx[2 * q + 1] = tk.lonlat[2 * i + 1];
            q++;
            continue;
        }
        if (new_walk && k > 0 && isfinite(xy[2 * k - 2])) {
            xy[2 * k] = xy[2 * k + 1] = NAN;
            k++;
        }
        xy[2 * k] = tk.lonlat[2 * i];
        xy[2 * k + 1] = tk.lonlat[2 * i + 1];
        k++;
    }
    sv_track_clear(&tk);
    /* projected in place; a refused position becomes NaN and is not drawn */
    sv_geo_to_plane_n(a->geo, a->crs, k - k0, xy + 2 * k0, xy + 2 * k0);
    sv_geo_to_plane_n(a->geo, a->crs, q - q0, jx + 2 * q0, jx + 2 * q0);
    a->ntrk = k;
    a->njump = q;
}

/* (Re-)read the current unit's points, walks, verifications and disputes; the view stays. */
static void load_unit_records(app *a)
{
    const sv_unit *u = &a->units[a->cur].u;
    free_unit_records(a);
    size_t n = 0;
    if (sv_state_points(a->j, u->code, &a->pts, &n) == SV_OK) {
        a->npts = n;
        double *ll = malloc((n ? n : 1) * 2 * sizeof *ll);
        for (size_t i = 0; ll && i < n; i++) {
            ll[2 * i] = a->pts[i].lon;
            ll[2 * i + 1] = a->pts[i].lat;
        }
        a->pts_xy = ll ? project(a, ll, n, NULL) : NULL;
        free(ll);
        if (!a->pts_xy)
            a->npts = 0;
    }
    load_track(a);
    if (sv_state_verifications(a->j, u->code, &a->ver, &n) == SV_OK)
        a->nver = n;
    if (sv_state_disputes(a->j, u->code, &a->dsp, &n) == SV_OK)
        a->ndsp = n;
    unit_records(a, (size_t)a->cur);
    if (a->screen == APP_SCR_SIGN || a->screen == APP_SCR_PAD)
        app__load_parties(a);
}

int app_select_unit(app *a, int idx)
{
    if (idx < 0 || (size_t)idx >= a->nunits)
        return SV_EINVAL;
    free_unit_view(a);
    a->cur = idx;
    const sv_unit *u = &a->units[idx].u;
    if (strcmp(a->party_unit, u->code) != 0) {
        /* another unit: its own parties; nothing drafted for the last one carries over */
        snprintf(a->party_unit, sizeof a->party_unit, "%s", u->code);
        a->nparty = 0;
        a->pad_name[0] = '\0';
        a->nstrokes = 0;
        a->dsp_parties[0] = a->dsp_statement[0] = a->dsp_from[0] = a->dsp_to[0] = '\0';
        a->off_m = a->off_brg = NAN;
        a->override_reason[0] = '\0';
        a->scroll = 0;
    }
    int jepsg;
    double jcm;
    sv_journal_default_crs(a->j, &jepsg, &jcm);
    /* The unit summary's zone (survey/summary.h), so the map and the figures agree; 105E for a
     * unit with nothing drawn yet (the points are loaded below, in that plane). */
    a->crs = sv_unit_crs(u, jepsg, jcm, 105, NAN);
    size_t nring = u->draft.n_rings ? u->draft.ring_pts[0] : 0;
    int refused = 0;
    a->draft = project(a, u->draft.lonlat, nring, &refused);
    a->ndraft = a->draft ? nring : 0;
    a->status[0] = '\0';
    if (nring && refused)
        /* the crew must not take an empty map for an empty unit */
        snprintf(a->status, sizeof a->status, "%s: %s", u->code, sv_geo_errmsg(a->geo));

    load_unit_records(a);
    if (a->rec)
        app_rec_set_unit(a->rec, u->code);
    zoom_to_unit(a);
    return SV_OK;
}

/* ---- navigation ------------------------------------------------------------------------ */

void app__go(app *a, app_screen s)
{
    if (s == a->screen)
        return;
    a->scroll = 0;
    if (a->depth < (int)(sizeof a->back / sizeof a->back[0]))
        a->back[a->depth++] = a->screen;
    a->screen = s;
}

/* ---- common parts ------------------------------------------------------------------------ */

void app__button(app_ui *ui, const char *id, app_rect r, const char *label, int enabled)
{
    app_ui_fill(ui, r, enabled ? C_BTN : 0xf0f0f0ffu);
    app_ui_frame(ui, r, 2, enabled ? C_INK : C_LINE);
    app_ui_text(ui, app_rect_inset(r, 4), label, app__text_px(ui, 3.5f), APP_ALIGN_CENTER,
                enabled ? C_INK : C_DIM);
    app_ui_widget(ui, id, r, enabled);
}

/* The top bar: back (except on Today), title, GNSS pill. Returns its height. */
float app__top_bar(app *a, app_ui *ui, const char *title, int64_t now_ms)
{
    float h = app__target(ui) + app__mm(ui, 2);
    app_ui_fill(ui, (app_rect){0, 0, (float)ui->width, h}, C_BAR);
    float x = app__mm(ui, 2);
    if (a->screen != APP_SCR_TODAY) {
        app_rect b = {x, app__mm(ui, 1), app__target(ui) * 1.6f, app__target(ui)};
        app_ui_fill(ui, b, 0x2c4a70ffu);
        app_ui_text(ui, b, _("Back"), app__text_px(ui, 3.5f), APP_ALIGN_CENTER, C_BAR_INK);
        app_ui_widget(ui, "back", b, 1);
        x += b.w + app__mm(ui, 3);
    }
    float pill_w = app__target(ui) * 3.6f;
    app_ui_text(ui, (app_rect){x, 0, ui->width - x - pill_w - app__mm(ui, 4), h}, title,
                app__text_px(ui, 4.2f), APP_ALIGN_LEFT, C_BAR_INK);

    /* GNSS pill: grade in its colour, satellites, or "no receiver" */
    app_rect p = {ui->width - pill_w - app__mm(ui, 2), app__mm(ui, 1), pill_w, app__target(ui)};
    char txt[128];
    app_color c;
    const sv_fix *f = app__live_fix(a, now_ms);
    if (!a->gnss_ok || !a->gnss.connected) {
        snprintf(txt, sizeof txt, "%s", _("No receiver"));
        c = 0x707070ffu;
    } else if (!f) {
        snprintf(txt, sizeof txt, "%s", _("No fix"));
        c = app__grade_color(SV_GRADE_NONE);
    } else {
        if (f->sats_used >= 0)
            snprintf(txt, sizeof txt, "%s · %d", app__grade_label(f->grade), f->sats_used);
        else
            snprintf(txt, sizeof txt, "%s", app__grade_label(f->grade));
        c = app__grade_color(f->grade);
    }
    app_ui_fill(ui, p, c);
    app_ui_text(ui, p, txt, app__text_px(ui, 3.5f), APP_ALIGN_CENTER, C_BAR_INK);
    app_ui_widget(ui, "gnss", p, 1);
    return h;
}

/* ---- Today ----------------------------------------------------------------------------- */

static void build_today(app *a, app_ui *ui, int64_t now_ms)
{
    float top = app__top_bar(a, ui, _("Today"), now_ms);
    float pad = app__mm(ui, 2), row_h = app__target(ui) * 1.6f, y = top + pad;
    if (a->nunits == 0)
        app_ui_text(ui, (app_rect){pad, y, ui->width - 2 * pad, row_h},
                    _("No units assigned. Import a task package or sync with the office."),
                    app__text_px(ui, 3.5f), APP_ALIGN_LEFT, C_DIM);
    float bar_h = app__target(ui) * 1.3f + 2 * pad;
    float bottom = ui->height - bar_h;
    for (size_t i = 0; i < a->nunits && y + row_h <= bottom; i++) {
        const app_unit_row *r = &a->units[i];
        app_rect box = {pad, y, ui->width - 2 * pad, row_h};
        app_ui_fill(ui, box, i % 2 ? 0xf4f6f9ffu : C_BG);
        app_ui_frame(ui, box, 1, C_LINE);
        char line[512];
        snprintf(line, sizeof line, "%s  %s", r->u.code, r->u.name ? r->u.name : "");
        app_ui_text(ui, (app_rect){box.x + pad, box.y, box.w - 2 * pad, row_h / 2}, line,
                    app__text_px(ui, 4), APP_ALIGN_LEFT, C_INK);
        snprintf(line, sizeof line,
                 _("%s · points %d · verified %d/%d · disputes %d · signatures %d/%d%s"), r->u.type,
                 r->p.points, r->p.fields_verified, (int)SV_FIELD_COUNT, r->p.disputes_open,
                 r->p.signatures_current, r->p.signatures_current + r->p.signatures_missing,
                 !a->sync || !a->ss.enrolled       ? ""
                 : r->p.last_seq > a->ss.acked_seq ? _(" · not synced")
                                                   : _(" · synced"));
        app_ui_text(ui, (app_rect){box.x + pad, box.y + row_h / 2, box.w - 2 * pad, row_h / 2},
                    line, app__text_px(ui, 3.2f), APP_ALIGN_LEFT, C_DIM);
        char id[80];
        snprintf(id, sizeof id, "unit:%s", r->u.code);
        app_ui_widget(ui, id, box, 1);
        y += row_h + pad;
    }
    /* bottom bar: the sync state and the day's end */
    app_rect bar = {0, bottom, (float)ui->width, bar_h};
    app_ui_fill(ui, bar, 0xeef1f5ffu);
    app_ui_fill(ui, (app_rect){0, bottom, bar.w, 2}, C_INK);
    char st[400];
    app_color sc = C_DIM;
    if (!a->sync && a->sync_err[0])
        snprintf(st, sizeof st, _("Sync: not started (%s); open Day end to try again"),
                 a->sync_err);
    else if (!a->sync)
        snprintf(st, sizeof st, "%s", _("Sync: not available (read-only journal)"));
    else if (!a->ss.enrolled)
        snprintf(st, sizeof st, "%s", _("Sync: this tablet is not enrolled with a county office"));
    else if (a->ss.busy)
        snprintf(st, sizeof st, _("Sync: sending to %s…"), a->ss.office);
    else if (a->ss.acked_seq >= a->ss.last_seq)
        snprintf(st, sizeof st, _("Sync: everything is at %s"), a->ss.office), sc = C_OK;
    else
        snprintf(st, sizeof st, _("Sync: %lld entries not yet at %s"),
                 (long long)(a->ss.last_seq - a->ss.acked_seq), a->ss.office),
            sc = C_WARN;
    float bw = app__target(ui) * 3.2f;
    app_ui_text(ui, (app_rect){pad, bottom + pad, ui->width - bw - 3 * pad, bar_h - 2 * pad}, st,
                app__text_px(ui, 3.5f), APP_ALIGN_LEFT, sc);
    app__button(ui, "day-end", (app_rect){ui->width - bw - pad, bottom + pad, bw, bar_h - 2 * pad},
                _("Day end"), 1);
}

/* ---- Map ------------------------------------------------------------------------------- */

/* plane (north x, east y) to screen */
static void to_screen(const app *a, double x, double y, float *sx, float *sy)
{
    const app_rect *m = &a->map_rect;
    *sx = (float)(m->x + m->w / 2 + (y - a->view_y) / a->mpp);
    *sy = (float)(m->y + m->h / 2 - (x - a->view_x) / a->mpp);
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

/* The current position in the unit's plane, when there is a live fix. */
static int position(app *a, int64_t now_ms, double *px, double *py)
{
    const sv_fix *f = app__live_fix(a, now_ms);
    return f && sv_geo_to_plane(a->geo, a->crs, f->lat, f->lon, px, py) == SV_OK;
}

void app__draw_map(app *a, app_ui *ui, app_rect m, int64_t now_ms)
{
    a->map_rect = m;
    app_ui_fill(ui, m, 0xf7f5eeffu);
    app_ui_widget(ui, "map", m, 1);

    const sv_fix *f = app__live_fix(a, now_ms);
    double px = NAN, py = NAN;
    if (position(a, now_ms, &px, &py) && a->follow) {
        a->view_x = px;
        a->view_y = py;
    }
    if (a->ndraft >= 2)
        draw_polyline(a, ui, a->draft, a->ndraft, 3, C_DRAFT);
    if (a->ntrk >= 2)
        draw_polyline(a, ui, a->trk_xy, a->ntrk, 2, C_TRACK);
    float dot = fmaxf(app__mm(ui, 1.6f), 5);
    /* jumps: kept in the journal, left out of the boundary, shown as refused */
    for (size_t i = 0; i < a->njump; i++) {
        float sx, sy;
        to_screen(a, a->jump_xy[2 * i], a->jump_xy[2 * i + 1], &sx, &sy);
        if (app_rect_has(m, sx, sy))
            app_ui_ring(ui, sx, sy, dot, 2, C_BAD);
    }
    for (size_t i = 0; i < a->npts; i++) {
        float sx, sy;
        to_screen(a, a->pts_xy[2 * i], a->pts_xy[2 * i + 1], &sx, &sy);
        if (!app_rect_has(m, sx, sy))
            continue;
        app_ui_disc(ui, sx, sy, dot, C_POINT);
        app_ui_text(ui,
                    (app_rect){sx + dot + 2, sy - app__mm(ui, 5), app__mm(ui, 20), app__mm(ui, 5)},
                    a->pts[i].number, app__text_px(ui, 3), APP_ALIGN_LEFT, C_POINT);
    }
    if (isfinite(px)) {
        float sx, sy;
        to_screen(a, px, py, &sx, &sy);
        double acc = isfinite(f->eph) ? f->eph : NAN;
        if (isfinite(acc) && acc / a->mpp > dot)
            app_ui_disc(ui, sx, sy, (float)(acc / a->mpp), C_ACC);
        app_ui_disc(ui, sx, sy, dot * 1.3f, C_BG);
        app_ui_disc(ui, sx, sy, dot, C_POS);
    }

    /* north arrow (GK grid north is up) and a scale bar */
    float ax = m.x + m.w - app__mm(ui, 10), ay = m.y + app__mm(ui, 12);
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
        snprintf(lab, sizeof lab, "%g km", len_m / 1000);
    else
        snprintf(lab, sizeof lab, "%g m", len_m);
    app_ui_text(ui, (app_rect){bx, by - app__mm(ui, 6), len_px + app__mm(ui, 20), app__mm(ui, 5)},
                lab, app__text_px(ui, 3), APP_ALIGN_LEFT, C_INK);

    /* map buttons */
    float t = app__target(ui), bxr = m.x + m.w - t * 2.6f - app__mm(ui, 2);
    app__button(ui, "follow", (app_rect){bxr, m.y + m.h - 2 * t - app__mm(ui, 4), t * 2.6f, t},
                a->follow ? _("Following") : _("Follow"), f != NULL);
    app__button(ui, "zoom-unit", (app_rect){bxr, m.y + m.h - t - app__mm(ui, 2), t * 2.6f, t},
                _("Whole unit"), a->ndraft > 0);
}

/* The action bar under the map: the unit's work. */
static float action_bar(app *a, app_ui *ui, float y)
{
    static const struct {
        const char *id, *label;
    } acts[] = {{"record", N_("Record point")},
                {"walk", N_("Walk")},
                {"verify", N_("Verify")},
                {"sign", N_("Point out & sign")},
                {"dispute", N_("Dispute")}};
    size_t n = sizeof acts / sizeof acts[0];
    float pad = app__mm(ui, 1.5f), h = app__target(ui) * 1.15f;
    float w = (ui->width - pad * (float)(n + 1)) / (float)n;
    int can_write = a->rec != NULL && a->cur >= 0;
    for (size_t i = 0; i < n; i++)
        app__button(ui, acts[i].id, (app_rect){pad + (float)i * (w + pad), y + pad, w, h},
                    _(acts[i].label), can_write);
    return h + 2 * pad;
}

static void build_map(app *a, app_ui *ui, int64_t now_ms)
{
    const app_unit_row *r = a->cur >= 0 ? &a->units[a->cur] : NULL;
    float top = app__top_bar(a, ui, r ? r->u.code : _("Map"), now_ms);
    float info_h = app__target(ui) * 1.7f;
    float bar_h = app__target(ui) * 1.15f + 2 * app__mm(ui, 1.5f);
    app_rect m = {0, top, (float)ui->width, ui->height - top - info_h - bar_h};
    app__draw_map(a, ui, m, now_ms);
    double px = NAN, py = NAN;
    position(a, now_ms, &px, &py);

    /* info panel: GK X/Y and the next draft vertex */
    app_rect info = {0, m.y + m.h, (float)ui->width, info_h};
    app_ui_fill(ui, info, C_BG);
    app_ui_fill(ui, (app_rect){0, info.y, info.w, 2}, C_INK);
    char l1[256], l2[256] = "";
    if (isfinite(px)) {
        snprintf(l1, sizeof l1, "X %.3f  Y %.3f  (EPSG:%d)", px, py, a->crs.epsg);
        /* the first draft vertex without a recorded point within 5 m */
        for (size_t i = 0; i + 1 < a->ndraft || (a->ndraft == 1 && i == 0); i++) {
            int done = 0;
            for (size_t k = 0; k < a->npts && !done; k++)
                done = hypot(a->pts_xy[2 * k] - a->draft[2 * i],
                             a->pts_xy[2 * k + 1] - a->draft[2 * i + 1]) < 5;
            if (done)
                continue;
            double dx = a->draft[2 * i] - px, dy = a->draft[2 * i + 1] - py;
            double brg = fmod(atan2(dy, dx) * 180 / M_PI + 360, 360);
            snprintf(l2, sizeof l2, _("Next draft vertex %zu: %.1f m, bearing %.0f°"), i + 1,
                     hypot(dx, dy), brg);
            break;
        }
    } else {
        snprintf(l1, sizeof l1, "%s", _("No position"));
    }
    app_ui_text(ui, (app_rect){app__mm(ui, 3), info.y + 2, info.w - app__mm(ui, 6), info_h / 2}, l1,
                app__text_px(ui, 3.8f), APP_ALIGN_LEFT, C_INK);
    app_ui_text(
        ui, (app_rect){app__mm(ui, 3), info.y + info_h / 2, info.w - app__mm(ui, 6), info_h / 2},
        l2, app__text_px(ui, 3.5f), APP_ALIGN_LEFT, C_DIM);
    action_bar(a, ui, info.y + info_h);
}

/* ---- GNSS ------------------------------------------------------------------------------ */

static void fmt_num(char *buf, size_t n, const char *fmt, double v)
{
    if (isfinite(v))
        snprintf(buf, n, fmt, v);
    else
        snprintf(buf, n, "—");
}

static void build_gnss(app *a, app_ui *ui, int64_t now_ms)
{
    float top = app__top_bar(a, ui, _("GNSS"), now_ms), pad = app__mm(ui, 4), y = top + pad;
    float lh = app__mm(ui, 7.5f);
    int tp = app__text_px(ui, 3.8f);
    app_rect big = {pad, y, ui->width - 2 * pad, app__target(ui) * 1.4f};
    if (!a->gnss_ok || !a->gnss.connected) {
        app_ui_fill(ui, big, 0x707070ffu);
        app_ui_text(ui, big, _("No receiver: gpsd is not answering"), app__text_px(ui, 5),
                    APP_ALIGN_CENTER, C_BAR_INK);
        y += big.h + pad;
        if (a->gnss.error[0])
            app_ui_text(ui, (app_rect){pad, y, big.w, lh}, a->gnss.error, tp, APP_ALIGN_LEFT,
                        C_DIM);
        return;
    }
    const sv_fix *f = a->gnss.have_fix ? &a->gnss.fix : NULL;
    int stale = !f || sv_fix_is_stale(f, now_ms);
    sv_grade g = f && !stale ? f->grade : SV_GRADE_NONE;
    app_ui_fill(ui, big, app__grade_color(g));
    char t[256];
    snprintf(t, sizeof t, "%s%s", app__grade_label(g), stale && f ? _(" (stale)") : "");
    app_ui_text(ui, big, t, app__text_px(ui, 6), APP_ALIGN_CENTER, C_BAR_INK);
    y += big.h + pad;
    if (!f)
        return;
    char a1[32], a2[32], a3[32];
    const char *lines[16];
    char store[16][200];
    int n = 0;
    char su[16] = "—", ss[16] = "—";
    if (f->sats_used >= 0)
        snprintf(su, sizeof su, "%d", f->sats_used);
    if (f->sats_seen >= 0)
        snprintf(ss, sizeof ss, "%d", f->sats_seen);
    snprintf(store[n], 200, _("Fix mode %s, satellites used %s of %s seen"),
             f->mode >= 3   ? "3D"
             : f->mode == 2 ? "2D"
                            : "—",
             su, ss);
    lines[n] = store[n], n++;
    static const char *names[SV_GNSS_NCONST] = {"GPS",  "SBAS",    "Galileo", NULL,
                                                "QZSS", "GLONASS", NULL};
    char per[200] = "";
    for (int k = 0; k < SV_GNSS_NCONST; k++) {
        if (f->seen_by[k] <= 0)
            continue;
        const char *nm = k == SV_GNSS_BEIDOU  ? _("BeiDou")
                         : k == SV_GNSS_OTHER ? _("Other")
                                              : names[k];
        size_t l = strlen(per);
        snprintf(per + l, sizeof per - l, "%s%s %d/%d", l ? "   " : "", nm, f->used_by[k],
                 f->seen_by[k]);
    }
    snprintf(store[n], 200, "%s", per);
    lines[n] = store[n], n++;
    fmt_num(a1, sizeof a1, "%.1f", f->hdop);
    fmt_num(a2, sizeof a2, "%.1f", f->vdop);
    fmt_num(a3, sizeof a3, "%.1f", f->pdop);
    snprintf(store[n], 200, "HDOP %s   VDOP %s   PDOP %s", a1, a2, a3);
    lines[n] = store[n], n++;
    fmt_num(a1, sizeof a1, "%.3f m", f->eph);
    fmt_num(a2, sizeof a2, "%.3f m", f->epv);
    snprintf(store[n], 200, _("Error estimate: horizontal %s, vertical %s"), a1, a2);
    lines[n] = store[n], n++;
    fmt_num(a1, sizeof a1, "%.1f s", f->corr_age);
    fmt_num(a2, sizeof a2, "%.1f s", (double)sv_fix_age_ms(f, now_ms) / 1000);
    snprintf(store[n], 200, _("Correction age %s, fix age %s"), a1, a2);
    lines[n] = store[n], n++;
    fmt_num(a1, sizeof a1, "%.8f", f->lat);
    fmt_num(a2, sizeof a2, "%.8f", f->lon);
    fmt_num(a3, sizeof a3, "%.3f m", f->alt_hae);
    snprintf(store[n], 200, _("Latitude %s  Longitude %s  Height %s"), a1, a2, a3);
    lines[n] = store[n], n++;
    for (int i = 0; i < n; i++, y += lh)
        app_ui_text(ui, (app_rect){pad, y, ui->width - 2 * pad, lh}, lines[i], tp, APP_ALIGN_LEFT,
                    C_INK);
}

void app_build(app *a, app_ui *ui, int64_t now_ms)
{
    app_ui_fill(ui, (app_rect){0, 0, (float)ui->width, (float)ui->height}, C_BG);
    switch (a->screen) {
    case APP_SCR_TODAY:
        build_today(a, ui, now_ms);
        break;
    case APP_SCR_MAP:
        build_map(a, ui, now_ms);
        break;
    case APP_SCR_GNSS:
        build_gnss(a, ui, now_ms);
        break;
    case APP_SCR_RECORD:
        app__build_record(a, ui, now_ms);
        break;
    case APP_SCR_WALK:
        app__build_walk(a, ui, now_ms);
        break;
    case APP_SCR_VERIFY:
        app__build_verify(a, ui, now_ms);
        break;
    case APP_SCR_SIGN:
        app__build_sign(a, ui, now_ms);
        break;
    case APP_SCR_PAD:
        app__build_pad(a, ui, now_ms);
        break;
    case APP_SCR_DISPUTE:
        app__build_dispute(a, ui, now_ms);
        break;
    case APP_SCR_DAYEND:
        app__build_dayend(a, ui, now_ms);
        break;
    }
    /* The banner, where the crew looks last: decisions that could not be recorded (with a
     * retry) before anything else, then this screen's message, why nothing can be recorded,
     * the recorder's last error, or what is still being saved. */
    char fb[800];
    const char *msg = a->status;
    app_color mc = C_BAD, bg = 0xffe8e8ffu;
    int retry = 0;
    if (a->rec && a->rs.jobs_failed > 0) {
        snprintf(fb, sizeof fb, _("%d decisions NOT recorded (last: %s): %s"), a->rs.jobs_failed,
                 a->rs.failed_label, a->rs.message);
        msg = fb;
        retry = 1;
    } else if (!msg[0] && a->readonly[0]) {
        msg = a->readonly;
    } else if (!msg[0] && a->rec && a->rs.error && a->rs.message[0]) {
        msg = a->rs.message;
    } else if (!msg[0] && a->rec && a->rs.jobs_pending > 0) {
        snprintf(fb, sizeof fb, _("Saving %d…"), a->rs.jobs_pending);
        msg = fb;
        mc = C_DIM;
        bg = 0xf0f0f0ffu;
    }
    if (msg[0]) {
        /* under the top bar: the bottom of every screen holds its actions */
        float h = retry ? app__target(ui) : app__mm(ui, 9);
        app_rect r = {0, app__target(ui) + app__mm(ui, 2), (float)ui->width, h};
        app_ui_fill(ui, r, bg);
        float bw = retry ? app__target(ui) * 3 : 0;
        app_ui_text(ui, app_rect_inset((app_rect){r.x, r.y, r.w - bw, r.h}, app__mm(ui, 1)), msg,
                    app__text_px(ui, 3.2f), APP_ALIGN_LEFT, mc);
        if (retry)
            app__button(ui, "retry-failed", (app_rect){r.w - bw, r.y, bw, r.h}, _("Try again"), 1);
    }
    if (a->modal != APP_MODAL_NONE)
        app__build_modal(a, ui);
}

/* ---- shared parts ------------------------------------------------------------------------- */

void app__big_button(app_ui *ui, const char *id, app_rect r, const char *label, app_color bg,
                     int enabled)
{
    app_ui_fill(ui, r, enabled ? bg : 0xb0b0b0ffu);
    app_ui_frame(ui, r, 3, C_INK);
    app_ui_text(ui, app_rect_inset(r, 6), label, app__text_px(ui, 5.5f), APP_ALIGN_CENTER,
                C_BAR_INK);
    app_ui_widget(ui, id, r, enabled);
}

const char *app__unit_code(const app *a)
{
    return a->cur >= 0 ? a->units[a->cur].u.code : "";
}

const char *app__code_label(app *a, const char *list, const char *code, char *buf, size_t n)
{
    snprintf(buf, n, "%s", code);
    if (!app_lang_zh() || !code[0])
        return buf;
    sv_code *c = NULL;
    size_t nc = 0;
    if (sv_state_codes(a->j, list, &c, &nc) == SV_OK)
        for (size_t i = 0; i < nc; i++)
            if (strcmp(c[i].code, code) == 0 && c[i].label && c[i].label[0])
                snprintf(buf, n, "%s", c[i].label);
    sv_codes_free(c, nc);
    return buf;
}

/* ---- input ----------------------------------------------------------------------------- */

static int open_screen(app *a, app_screen s)
{
    if (a->cur < 0)
        return 0;
    app__go(a, s);
    if (s == APP_SCR_SIGN)
        app__load_parties(a);
    return 1;
}

static int on_tap(app *a, const app_widget *w)
{
    if (!w)
        return 0;
    if (a->modal != APP_MODAL_NONE)
        return app__tap_screens(a, w->id);
    if (strcmp(w->id, "back") == 0)
        return app_go_back(a);
    if (strcmp(w->id, "gnss") == 0) {
        app__go(a, APP_SCR_GNSS);
        return 1;
    }
    if (strncmp(w->id, "unit:", 5) == 0) {
        for (size_t i = 0; i < a->nunits; i++)
            if (strcmp(a->units[i].u.code, w->id + 5) == 0 && app_select_unit(a, (int)i) == SV_OK) {
                app__go(a, APP_SCR_MAP);
                return 1;
            }
        return 0;
    }
    if (strcmp(w->id, "follow") == 0) {
        a->follow = !a->follow;
        return 1;
    }
    if (strcmp(w->id, "zoom-unit") == 0) {
        zoom_to_unit(a);
        return 1;
    }
    if (strcmp(w->id, "record") == 0)
        return open_screen(a, APP_SCR_RECORD);
    if (strcmp(w->id, "walk") == 0)
        return open_screen(a, APP_SCR_WALK);
    if (strcmp(w->id, "verify") == 0)
        return open_screen(a, APP_SCR_VERIFY);
    if (strcmp(w->id, "sign") == 0)
        return open_screen(a, APP_SCR_SIGN);
    if (strcmp(w->id, "dispute") == 0)
        return open_screen(a, APP_SCR_DISPUTE);
    if (strcmp(w->id, "day-end") == 0) {
        app__go(a, APP_SCR_DAYEND);
        a->day_gen = (uint64_t)-1; /* recompute */
        /* the sync thread could not start (the journal was busy at start-up): try again */
        if (!a->sync && a->rec && a->journal_path[0] &&
            app_sync_start(a->journal_path, a->wake, a->wake_ctx, &a->sync, a->sync_err,
                           sizeof a->sync_err) == 0)
            a->sync_err[0] = '\0';
        if (a->sync)
            app_sync_refresh(a->sync);
        return 1;
    }
    if (strcmp(w->id, "retry-failed") == 0 && a->rec) {
        app_rec_retry_failed(a->rec);
        app_rec_get(a->rec, &a->rs);
        return 1;
    }
    return app__tap_screens(a, w->id);
}

static int has_map(const app *a)
{
    return a->screen == APP_SCR_MAP || a->screen == APP_SCR_WALK;
}

int app_on_gesture(app *a, const app_ui *ui, const app_gesture *g)
{
    const app_widget *w = app_ui_hit(ui, g->x, g->y);
    int lists =
        a->modal == APP_MODAL_PICK ||
        (a->modal == APP_MODAL_NONE && (a->screen == APP_SCR_SIGN || a->screen == APP_SCR_DAYEND));
    if (lists && g->type == APP_G_DRAG) {
        a->scroll -= g->dy; /* the content follows the finger */
        return 1;
    }
    if (a->modal != APP_MODAL_NONE)
        return g->type == APP_G_TAP ? on_tap(a, w) : 0;
    if (a->screen == APP_SCR_PAD && (g->type == APP_G_DRAG || g->type == APP_G_DRAG_END))
        return app__pad_drag(a, g);
    int on_map = has_map(a) && w && strcmp(w->id, "map") == 0;
    switch (g->type) {
    case APP_G_TAP:
        return on_tap(a, w);
    case APP_G_LONG_PRESS:
        return 0;
    case APP_G_DRAG:
        if (!has_map(a))
            return 0;
        a->follow = 0;
        a->view_y -= g->dx * a->mpp;
        a->view_x += g->dy * a->mpp;
        return 1;
    case APP_G_DRAG_END:
        return 0;
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

int app_go_back(app *a)
{
    if (a->modal != APP_MODAL_NONE) {
        app__close_modal(a);
        return 1;
    }
    if (a->depth == 0)
        return 0;
    a->screen = a->back[--a->depth];
    return 1;
}

int app_open_unit(app *a, const char *code)
{
    for (size_t i = 0; i < a->nunits; i++)
        if (strcmp(a->units[i].u.code, code) == 0) {
            int rc = app_select_unit(a, (int)i);
            if (rc == SV_OK)
                app__go(a, APP_SCR_MAP);
            return rc;
        }
    return SV_ENOTFOUND;
}

void app_walk_refresh(app *a, const char *code)
{
    for (size_t i = 0; i < a->nunits; i++) {
        if (strcmp(a->units[i].u.code, code) != 0)
            continue;
        if ((int)i == a->cur)
            load_track(a); /* only the new vertices */
        unit_records(a, i);
        return;
    }
}

#define WALK_RELOAD_MS 2000 /* while only walk vertices arrive, re-read the unit this often */

int app_poll_workers(app *a)
{
    int changed = 0;
    int64_t now = sv_mono_ms();
    if (a->rec) {
        app_rec_snap s;
        app_rec_get(a->rec, &s);
        changed = s.gen != a->rs.gen;
        if (s.points != a->points_seen) {
            /* a point was recorded: its offset and override were for it alone */
            a->off_m = a->off_brg = NAN;
            a->override_reason[0] = '\0';
            a->points_seen = s.points;
        }
        /* Decisions and points: re-read everything at once. Walk vertices alone: only the
         * walked unit, at most every 2 s, so a long walk does not re-read every unit's
         * progress (and the whole track) for each vertex. */
        int other = s.other_gen != a->other_gen;
        int verts = s.journal_gen != a->journal_gen && !other;
        if (other || (verts && now - a->reloaded_ms >= WALK_RELOAD_MS)) {
            a->journal_gen = s.journal_gen;
            a->other_gen = s.other_gen;
            a->reloaded_ms = now;
            a->reload_due = 0;
            if (other)
                app_reload(a);
            else
                app_walk_refresh(a, s.walk_unit);
            if (a->sync)
                app_sync_refresh(a->sync);
            changed = 1;
        } else if (verts) {
            a->reload_due = a->reloaded_ms + WALK_RELOAD_MS;
        }
        a->rs = s;
    }
    if (a->sync) {
        app_sync_snap s;
        app_sync_get(a->sync, &s);
        if (s.gen != a->ss.gen) {
            changed = 1;
            /* the office may have sent new units */
            if (a->ss.busy && !s.busy) {
                app_reload(a);
                a->day_gen = (uint64_t)-1;
            }
            a->ss = s;
        }
    }
    return changed;
}

int64_t app_next_tick(const app *a, int64_t now_ms)
{
    /* averaging shows seconds; a sync shows its progress: once a second is enough */
    int64_t t = -1;
    if ((a->rec && (a->rs.averaging || a->rs.walking)) || (a->sync && a->ss.busy))
        t = now_ms + 1000;
    if (a->reload_due > 0 && (t < 0 || a->reload_due < t))
        t = a->reload_due;
    return t;
}
