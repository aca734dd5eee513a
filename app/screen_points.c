/*
 * screen_points.c - a unit's point list (@points on the map): one row per current point
 * (@point:NUMBER, e.g. @point:J3) with its number, type, fix grade, epochs, σ, time, method
 * and pole height, and whether it corrects an earlier entry. Scrolled by drag and fling like
 * Today (widgets.c); rows outside the list register no widget. A tap opens the point
 * (screen_point.c), where it can be voided, re-measured or changed. A neighbouring unit's
 * point the unit shares (kind "share") says so on its row. @share offers the neighbours' own
 * points near the unit's draft (sv_state_share_candidates, nearest first) and hands the one
 * picked to the recorder (sv_record_share): the same 界址点 in both units, not a second
 * measurement that drifts. Shows the state app.c loaded (superseded and voided entries left out
 * by the library); never writes the journal itself, never includes SDL.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_int.h"
#include "i18n.h"

const char *app__point_method_label(const sv_bpoint *p)
{
    /* a point typed in whose method nobody gave: said so, not "method unknown" (the CLI's
     * listing says "typed in" too) */
    if (!p->method[0] && (p->flags & SV_PT_MANUAL))
        return _("typed in");
    return app__method_label(p->method);
}

const char *app__method_label(const char *m)
{
    if (!m || !m[0])
        return _("method unknown");
    if (strcmp(m, SV_METHOD_RTK) == 0)
        return _("RTK");
    if (strcmp(m, SV_METHOD_STATIC) == 0)
        return _("static (averaged)");
    if (strcmp(m, SV_METHOD_TAPED) == 0)
        return _("taped from known points");
    if (strcmp(m, SV_METHOD_MAP_READ) == 0)
        return _("map-read");
    if (strcmp(m, SV_METHOD_OFFSET) == 0)
        return _("offset");
    return m;
}

const char *app__crs_label(app *a, char *buf, size_t n)
{
    if (a->crs.epsg > 0)
        snprintf(buf, n, "EPSG:%d", a->crs.epsg);
    else
        snprintf(buf, n, "%s", sv_geo_crs_name(a->geo, a->crs));
    return buf;
}

/* The second line of a point's row: epochs, σ, time, method, pole height. */
static void point_facts(const sv_bpoint *p, char *out, size_t n)
{
    char sig[48], tm_s[16], pole[48];
    double s = sv_quality_sigma_h(&p->q);
    if (isfinite(s))
        snprintf(sig, sizeof sig, _("σ %.3f m"), s);
    else
        snprintf(sig, sizeof sig, "σ —");
    time_t t = (time_t)(p->time_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(tm_s, sizeof tm_s, "%H:%M", &tm);
    if (p->pole_set > 0 && isfinite(p->pole_h))
        snprintf(pole, sizeof pole, _("pole %.2f m"), p->pole_h);
    else
        snprintf(pole, sizeof pole, "%s", _("pole unknown"));
    snprintf(out, n, _("n %d · %s · %s · %s · %s%s"), p->q.n, sig, tm_s, app__point_method_label(p),
             pole, p->supersedes ? _(" · corrected") : "");
}

static void draw_row(app *a, app_ui *ui, const sv_bpoint *p, app_rect box, int alt, float y0,
                     float y1, float pad)
{
    app_rect vis = app__clip(box, y0, y1);
    if (vis.h <= 0)
        return;
    app_ui_fill(ui, vis, alt ? app__th->row_alt : C_BG);
    app_ui_frame(ui, vis, 1, C_LINE);
    char lab[SV_CODE_MAX * 2], line[512], shown[512], l2[400], shared[160] = "";
    if (p->shared_unit[0])
        snprintf(shared, sizeof shared, _(" · shared with %s %s"), p->shared_unit,
                 p->shared_number);
    snprintf(line, sizeof line, "%s · %s · %s%s", p->number,
             app__code_label(a, "point-type", p->point_type, lab, sizeof lab),
             app__grade_label(p->q.grade), shared);
    app_rect b1 = {box.x + pad, box.y, box.w - 2 * pad, box.h / 2};
    int px1 = app__fit_label(ui, b1, line, app__text_px(ui, 4), shown, sizeof shown);
    int b1_drawn = b1.y >= y0 - 0.5f && b1.y + b1.h <= y1 + 0.5f;
    if (b1_drawn)
        app__draw_label(ui, b1, shown, px1, APP_ALIGN_LEFT, C_INK);
    point_facts(p, l2, sizeof l2);
    app_rect b2 = {box.x + pad, box.y + box.h / 2, box.w - 2 * pad, box.h / 2};
    char s2[512];
    int px2 = app__fit_label(ui, b2, l2, app__text_px(ui, 3.2f), s2, sizeof s2);
    if (b2.y >= y0 - 0.5f && b2.y + b2.h <= y1 + 0.5f)
        app__draw_label(ui, b2, s2, px2, APP_ALIGN_LEFT, C_DIM);
    if (!app__cut_target(ui, box, vis))
        return;
    char id[80];
    snprintf(id, sizeof id, "point:%s", p->number);
    app_ui_widget(ui, id, vis, 1);
    if (b1_drawn) /* cut at the list's edge: it reports no label it does not show */
        app_ui_widget_text(ui, shown, px1, b1.w);
}

static void build_points(app *a, app_ui *ui, int64_t now_ms)
{
    app__fling_advance(&a->pts_scroll, &a->pts_vel, &a->pts_fling_ms, a->pts_dragging, now_ms);
    char title[256];
    snprintf(title, sizeof title, _("Points · %s (%zu)"), app__unit_code(a), a->npts);
    float top = app__top_bar(a, ui, title, now_ms);
    float pad = app__mm(ui, 2), tgt = app__target(ui), row_h = tgt * 1.6f, bh = tgt * 1.2f;
    float y0 = top + pad, y1 = ui->height - 2 * pad - bh;
    app__button(ui, "share", (app_rect){pad, y1 + pad, ui->width - 2 * pad, bh},
                _("Use a neighbouring unit's point…"), a->rec != NULL);
    if (a->npts == 0) {
        app__text_line(ui, pad, y0, ui->width - 2 * pad, row_h,
                       _("No points recorded yet for this unit"), 3.8f, C_DIM);
        return;
    }
    float content = (float)a->npts * (row_h + pad);
    float max = content > y1 - y0 ? content - (y1 - y0) : 0;
    if (a->pts_scroll > max || a->pts_scroll < 0) {
        a->pts_scroll = a->pts_scroll > max ? max : 0;
        a->pts_vel = 0; /* a fling stops at the ends */
    }
    float y = y0 - a->pts_scroll;
    for (size_t i = 0; i < a->npts; i++, y += row_h + pad)
        if (y + row_h > y0 && y < y1)
            draw_row(a, ui, &a->pts[i], (app_rect){pad, y, ui->width - 2 * pad, row_h}, (int)i % 2,
                     y0, y1, pad);
    if (max > 0) {
        float track = y1 - y0, th = track * (y1 - y0) / content;
        float ty = y0 + (track - th) * (a->pts_scroll / max);
        app_ui_fill(ui, (app_rect){ui->width - app__mm(ui, 1.5f), ty, app__mm(ui, 1.2f), th},
                    C_DIM);
    }
}

/* ---- sharing a neighbour's point ---------------------------------------------------------- */

typedef struct share_job {
    sv_share s;
} share_job;

static int job_share(sv_journal *j, void *arg, int64_t *seq)
{
    share_job *sj = arg;
    return sv_record_share(j, &sj->s, seq);
}

/* @share: the neighbours' points near the unit's draft, nearest first, to pick from. */
static void offer_shares(app *a)
{
    const char *unit = app__unit_code(a);
    sv_bpoint *near = NULL;
    double *dist = NULL;
    size_t n = 0;
    if (!unit[0] ||
        sv_state_share_candidates(a->j, unit, SV_SHARE_NEAR_M, &near, &dist, &n) != SV_OK) {
        snprintf(a->status, sizeof a->status, "%s", sv_journal_errmsg(a->j));
        return;
    }
    if (n == 0) {
        snprintf(a->status, sizeof a->status,
                 _("No point of a neighbouring unit lies within %.0f m of this unit's draft"),
                 SV_SHARE_NEAR_M);
    } else {
        char title[200];
        snprintf(title, sizeof title,
                 _("Share a neighbour's point with %s (the same point: a "
                   "correction there moves both)"),
                 unit);
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_SHARE_POINT, title);
        for (size_t i = 0; i < n; i++) {
            char lab[320], val[SV_CODE_MAX + SV_NUMBER_MAX + 2];
            snprintf(lab, sizeof lab, _("%s %s · %.1f m from the draft · %s"), near[i].unit,
                     near[i].number, dist[i], app__point_method_label(&near[i]));
            snprintf(val, sizeof val, "%s %s", near[i].unit, near[i].number);
            app__pick_add(a, lab, val);
        }
    }
    sv_bpoints_free(near, n);
    free(dist);
}

void app__submit_share(app *a, const char *from_unit, const char *from_number)
{
    share_job *sj = a->rec && from_unit && from_number ? calloc(1, sizeof *sj) : NULL;
    if (!sj)
        return;
    app__copy(sj->s.unit, sizeof sj->s.unit, app__unit_code(a));
    app__copy(sj->s.from_unit, sizeof sj->s.from_unit, from_unit);
    app__copy(sj->s.from_number, sizeof sj->s.from_number, from_number);
    char label[APP_REC_LABEL];
    snprintf(label, sizeof label, _("%s %s shared with %s"), sj->s.from_unit, sj->s.from_number,
             sj->s.unit);
    app_rec_submit(a->rec, label, job_share, sj, free);
}

static int answer_points(app *a, app_ask ask, int k, const char *v)
{
    (void)k;
    if (ask != APP_ASK_SHARE_POINT)
        return 0;
    const char *sp = strchr(v, ' ');
    if (!sp)
        return 1;
    char unit[SV_CODE_MAX];
    snprintf(unit, sizeof unit, "%.*s", (int)(sp - v), v);
    app__submit_share(a, unit, sp + 1);
    return 1;
}

static int tap_points(app *a, const char *id)
{
    a->pts_vel = 0; /* a tap stops a fling */
    if (strcmp(id, "share") == 0 && a->rec) {
        offer_shares(a);
        return 1;
    }
    if (strncmp(id, "point:", 6) != 0)
        return 1;
    for (size_t i = 0; i < a->npts; i++)
        if (strcmp(a->pts[i].number, id + 6) == 0) {
            app__copy(a->pt_number, sizeof a->pt_number, a->pts[i].number);
            app__open(a, APP_SCR_POINT);
            return 1;
        }
    return 0;
}

static int gesture_points(app *a, const app_widget *w, const app_gesture *g)
{
    (void)w;
    return app__fling_gesture(&a->pts_scroll, &a->pts_vel, &a->pts_fling_ms, &a->pts_dragging, g);
}

const app__screen_ops app__screen_points = {
    .build = build_points, .tap = tap_points, .gesture = gesture_points, .answer = answer_points};
