/*
 * screen_point.c - one boundary point (from the point list, @point:NUMBER): its details and
 * the corrections a crew makes on the tablet, each a new entry through the recorder thread
 * (the journal stays append-only): @void (withdraw it, with a reason), @remeasure (the Record
 * screen records a new measurement superseding it, with a reason), @change-type and
 * @change-marker (sv_record_point_change, with a reason), @note (a note on it, screen_note.c). The
 * point is followed by its number, so after a correction the screen shows the current version. Also
 * the void of any entry with a reason (verifications and attendance use it). Never writes the
 * journal itself, never includes SDL.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_int.h"
#include "i18n.h"

/* Reasons offered as phrases (the crew may type their own). A phrase tapped is recorded in
 * the registry's language whatever the UI's, as the verification phrases are (screen_verify.c),
 * so the office reads one text for one reason; it is shown back in the UI's language. */
static const app__phrase void_phrases[] = {
    {N_("Recorded by mistake"), "误记录"},
    {N_("Recorded twice"), "重复记录"},
    {N_("Wrong point: not on this boundary"), "点位错误：不在本界线上"},
    {N_("Wrong party or field"), "权利人或字段错误"},
    {N_("The parties withdrew it"), "当事方撤回"}};
static const app__phrase remeasure_phrases[] = {
    {N_("The fix was poor"), "定位质量差"},
    {N_("Measured at the wrong spot"), "测错了位置"},
    {N_("The marker was reset"), "界桩已重新埋设"},
    {N_("Check measurement requested by the office"), "县局要求检核测量"}};
static const app__phrase change_phrases[] = {
    {N_("Wrong type chosen"), "点类型选错"},
    {N_("Wrong marker chosen"), "界标类型选错"},
    {N_("The marker was replaced"), "界标已更换"},
    {N_("Agreed with the parties on site"), "经现场各方同意"}};

#define NPHR(a) (sizeof a / sizeof a[0])

static void add_phrases(app *a, const app__phrase *ph, size_t n)
{
    for (size_t i = 0; i < n; i++)
        app__pick_add(a, _(ph[i].en), NULL);
}

const char *app__reason_shown(const char *in, char *out, size_t n)
{
    char t1[APP_TEXT_MAX], t2[APP_TEXT_MAX];
    app__phrase_show(void_phrases, NPHR(void_phrases), in, t1, sizeof t1);
    app__phrase_show(remeasure_phrases, NPHR(remeasure_phrases), t1, t2, sizeof t2);
    return app__phrase_show(change_phrases, NPHR(change_phrases), t2, out, n);
}

/* ---- jobs for the recorder ----------------------------------------------------------------- */

typedef struct void_job {
    int64_t seq;
    char *reason;
} void_job;

static void free_void(void *p)
{
    free(((void_job *)p)->reason);
    free(p);
}

static int job_void(sv_journal *j, void *arg, int64_t *seq)
{
    const void_job *v = arg;
    return sv_record_void(j, v->seq, v->reason, seq);
}

void app__submit_void(app *a, int64_t seq, const char *what, const char *reason)
{
    if (!a->rec || seq <= 0 || !reason || !reason[0])
        return;
    void_job *v = calloc(1, sizeof *v);
    if (!v)
        return;
    v->seq = seq;
    char rec[APP_TEXT_MAX];
    app__phrase_store(void_phrases, NPHR(void_phrases), reason, rec, sizeof rec);
    v->reason = app__dupstr(rec);
    char label[APP_REC_LABEL];
    snprintf(label, sizeof label, _("%s voided: %s"), what, reason);
    app_rec_submit(a->rec, label, job_void, v, free_void);
}

void app__ask_void(app *a, int64_t seq, const char *what)
{
    /* the journal's rule, said before a reason is asked for: a void it refuses is never queued
     * (kept as failed, it would come back at each "Try again" and at exit) */
    char lines[160];
    int blocked = sv_void_blocking_lines(a->j, seq, lines, sizeof lines);
    if (blocked >= 1 && blocked <= 3) {
        snprintf(a->status, sizeof a->status,
                 blocked == 1   ? _("%s cannot be voided: the boundary line %s ends there; "
                                      "re-measure the point instead (it keeps its number)")
                 : blocked == 3 ? _("%s cannot be voided: neighbouring units share it (%s); "
                                    "re-measure it instead (both follow), or withdraw the "
                                    "sharing there")
                                : _("%s cannot be voided: the stretch of dispute %s ends there; "
                                    "re-measure the point instead (it keeps its number)"),
                 what, lines);
        return;
    }
    char title[300];
    snprintf(title, sizeof title, _("Void %s: why? (the entry stays in the journal, marked void)"),
             what);
    app__open_modal(a, APP_MODAL_TEXT, APP_ASK_VOID_REASON, title);
    add_phrases(a, void_phrases, NPHR(void_phrases));
    a->void_seq = seq;
    app__copy(a->void_what, sizeof a->void_what, what);
}

typedef struct change_job {
    int64_t seq;
    char marker[SV_CODE_MAX], ptype[SV_CODE_MAX];
    char *reason;
} change_job;

static void free_change(void *p)
{
    free(((change_job *)p)->reason);
    free(p);
}

static int job_change(sv_journal *j, void *arg, int64_t *seq)
{
    const change_job *c = arg;
    return sv_record_point_change(j, c->seq, c->marker, c->ptype, c->reason, seq);
}

/* ---- the screen -------------------------------------------------------------------------------
 */

/* The current version of the point shown, or NULL (voided, or renumbered away). */
static const sv_bpoint *shown_point(const app *a, size_t *idx)
{
    for (size_t i = 0; i < a->npts; i++)
        if (strcmp(a->pts[i].number, a->pt_number) == 0) {
            if (idx)
                *idx = i;
            return &a->pts[i];
        }
    return NULL;
}

static void build_point(app *a, app_ui *ui, int64_t now_ms)
{
    char title[256], buf[600], lab[SV_CODE_MAX * 2], lab2[SV_CODE_MAX * 2];
    snprintf(title, sizeof title, _("Point %s · %s"), a->pt_number, app__unit_code(a));
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 3), t = app__target(ui);
    float x = pad, w = ui->width - 2 * pad, y = top + pad, lh = t * 0.75f;
    size_t idx = 0;
    const sv_bpoint *p = shown_point(a, &idx);
    if (!p) {
        snprintf(buf, sizeof buf, _("%s is no longer a current point of this unit (voided)"),
                 a->pt_number);
        app__text_line(ui, x, y, w, lh, buf, 3.8f, C_DIM);
        return;
    }
    snprintf(buf, sizeof buf, _("%s · type %s · marker %s"), p->number,
             app__code_label(a, "point-type", p->point_type, lab, sizeof lab),
             p->marker[0] ? app__code_label(a, "marker", p->marker, lab2, sizeof lab2) : _("none"));
    app__text_line(ui, x, y, w, lh, buf, 4.2f, C_INK);
    y += lh;
    char se[24] = "—", sn[24] = "—", su[24] = "—", when[32];
    if (isfinite(p->q.sigma_e))
        snprintf(se, sizeof se, "%.3f", p->q.sigma_e);
    if (isfinite(p->q.sigma_n))
        snprintf(sn, sizeof sn, "%.3f", p->q.sigma_n);
    if (isfinite(p->q.sigma_u) && isfinite(p->h)) /* an offset without dh: no height */
        snprintf(su, sizeof su, "%.3f", p->q.sigma_u);
    time_t tt = (time_t)(p->time_ms / 1000);
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
    snprintf(buf, sizeof buf,
             ngettext("%s · %d epoch · σ E/N/U %s / %s / %s m · %s",
                      "%s · %d epochs · σ E/N/U %s / %s / %s m · %s", (unsigned long)p->q.n),
             app__grade_label(p->q.grade), p->q.n, se, sn, su, when);
    app__text_line(ui, x, y, w, lh, buf, 3.6f, C_INK);
    y += lh;
    char pole[64], ground[64];
    if (p->pole_set > 0 && isfinite(p->pole_h))
        snprintf(pole, sizeof pole, _("pole %.2f m"), p->pole_h);
    else
        snprintf(pole, sizeof pole, "%s", _("pole unknown"));
    if (isfinite(p->ground_h))
        snprintf(ground, sizeof ground, _("ground height %.3f m"), p->ground_h);
    else if (isfinite(p->h))
        snprintf(ground, sizeof ground, _("antenna height %.3f m"), p->h);
    else
        snprintf(ground, sizeof ground, "%s", _("height unknown"));
    if (p->method[0]) /* "Method: method unknown" said it twice */
        snprintf(buf, sizeof buf, _("Method: %s · %s · %s"), app__point_method_label(p), pole,
                 ground);
    else
        snprintf(buf, sizeof buf, "%s · %s · %s", app__point_method_label(p), pole, ground);
    app__text_line(ui, x, y, w, lh, buf, 3.6f, C_INK);
    y += lh;
    if (a->pts_xy && isfinite(a->pts_xy[2 * idx])) {
        char crs[96];
        snprintf(buf, sizeof buf, "X %.3f  Y %.3f  (%s) · %.8f, %.8f", a->pts_xy[2 * idx],
                 a->pts_xy[2 * idx + 1], app__crs_label(a, crs, sizeof crs), p->lat, p->lon);
    } else {
        snprintf(buf, sizeof buf, "%.8f, %.8f", p->lat, p->lon);
    }
    app__text_line(ui, x, y, w, lh, buf, 3.6f, C_INK);
    y += lh;
    if (p->flags & SV_PT_OFFSET) {
        const char *nl = p->off.north == SV_NORTH_GRID       ? _("grid north")
                         : p->off.north == SV_NORTH_MAGNETIC ? _("magnetic north")
                                                             : _("true north");
        snprintf(buf, sizeof buf, _("Offset %.2f m at %.1f° from %s (true %.1f°)"),
                 p->off.distance_m,
                 p->off.north == SV_NORTH_TRUE ? p->off.bearing_deg : p->off.bearing_entered, nl,
                 p->off.bearing_deg);
        app__text_line(ui, x, y, w, lh, buf, 3.6f, C_INK);
        y += lh;
    }
    if (p->flags & SV_PT_OVERRIDE) {
        snprintf(buf, sizeof buf, _("Recorded below the quality gate: %s"),
                 p->override_reason ? p->override_reason : p->override_code);
        app__text_line(ui, x, y, w, lh, buf, 3.6f, C_WARN);
        y += lh;
    }
    if (p->shared_unit[0]) {
        /* measured in the neighbouring unit: corrected there, or the sharing withdrawn here */
        snprintf(buf, sizeof buf,
                 _("Shared with %s %s: measured there, correct it there (both follow); Void "
                   "withdraws the sharing"),
                 p->shared_unit, p->shared_number);
        app__text_line(ui, x, y, w, lh, buf, 3.6f, C_WARN);
        y += lh;
    }
    if (p->supersedes) {
        char why[APP_TEXT_MAX];
        snprintf(buf, sizeof buf, _("Corrects entry %lld: %s"), (long long)p->supersedes,
                 app__reason_shown(p->reason ? p->reason : "", why, sizeof why));
        app__text_line(ui, x, y, w, lh, buf, 3.6f, C_WARN);
        y += lh;
    }

    /* the corrections, each asks for a reason */
    /* in one row where each is at least 24 mm wide, else three to a row ("Re-measure…" was cut
     * in English at 800x1280 and 224 DPI) */
    int pc = (w - 4 * pad) / 5 >= app__mm(ui, 24) ? 5 : 3, rows = (5 + pc - 1) / pc;
    float bh = t * 1.2f, bw = (w - (float)(pc - 1) * pad) / (float)pc;
    float by = fmaxf(y + pad, ui->height - pad - (float)rows * bh - (float)(rows - 1) * pad);
    int en = a->rec != NULL;
    static const char *const ids[5] = {"void", "remeasure", "change-type", "change-marker", "note"};
    const char *labs[5] = {_("Void…"), _("Re-measure…"), _("Change type…"), _("Change marker…"),
                           _("Note…")};
    int own = !p->shared_unit[0]; /* a shared point is corrected where it is measured */
    const int ens[5] = {en, en && a->gnss_ok && own, en && own, en && own, 1};
    for (int k = 0; k < 5; k++)
        app__button(
            ui, ids[k],
            (app_rect){x + (float)(k % pc) * (bw + pad), by + (float)(k / pc) * (bh + pad), bw, bh},
            labs[k], ens[k]);
}

static int tap_point(app *a, const char *id)
{
    const sv_bpoint *p = shown_point(a, NULL);
    if (p && strcmp(id, "note") == 0) {
        app__open_note(a, p->number);
        return 1;
    }
    if (!p || !a->rec)
        return 0;
    char title[300];
    if (strcmp(id, "void") == 0) {
        app__ask_void(a, p->seq, p->number);
        return 1;
    }
    if (p->shared_unit[0]) /* measured in the neighbouring unit: its buttons are off here */
        return 0;
    if (strcmp(id, "remeasure") == 0) {
        snprintf(title, sizeof title, _("Re-measure %s: why? (the new measurement supersedes it)"),
                 p->number);
        app__open_modal(a, APP_MODAL_TEXT, APP_ASK_REMEASURE_REASON, title);
        add_phrases(a, remeasure_phrases, NPHR(remeasure_phrases));
        return 1;
    }
    if (strcmp(id, "change-type") == 0) {
        snprintf(title, sizeof title, _("%s: the right point type"), p->number);
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_CHANGE_TYPE, title);
        app__pick_codes(a, "point-type");
        return 1;
    }
    if (strcmp(id, "change-marker") == 0) {
        snprintf(title, sizeof title, _("%s: the right marker type"), p->number);
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_CHANGE_MARKER, title);
        app__pick_codes(a, "marker");
        return 1;
    }
    return 0;
}

static void ask_change_reason(app *a, const char *number)
{
    char title[300];
    snprintf(title, sizeof title, _("Change %s: why?"), number);
    app__open_modal(a, APP_MODAL_TEXT, APP_ASK_CHANGE_REASON, title);
    add_phrases(a, change_phrases, NPHR(change_phrases));
}

static int answer_point(app *a, app_ask ask, int k, const char *v)
{
    (void)k;
    if (ask == APP_ASK_VOID_REASON) {
        /* any screen's void (a point, a verification, an attendance record) */
        app__submit_void(a, a->void_seq, a->void_what, v);
        a->void_seq = 0;
        if (a->screen == APP_SCR_POINT)
            app_go_back(a); /* to the list, which no longer has it */
        return 1;
    }
    if (ask != APP_ASK_REMEASURE_REASON && ask != APP_ASK_CHANGE_TYPE &&
        ask != APP_ASK_CHANGE_MARKER && ask != APP_ASK_CHANGE_REASON)
        return 0;
    const sv_bpoint *p = shown_point(a, NULL);
    if (!p)
        return 1; /* gone meanwhile: the screen says so */
    switch (ask) {
    case APP_ASK_REMEASURE_REASON:
        /* the Record screen in re-measure mode: its point supersedes this one */
        app__open(a, APP_SCR_RECORD);
        a->remeasure = p->seq;
        app__copy(a->remeasure_number, sizeof a->remeasure_number, p->number);
        app__phrase_store(remeasure_phrases, NPHR(remeasure_phrases), v, a->remeasure_reason,
                          sizeof a->remeasure_reason);
        /* a GNSS re-measurement is measured (as `quejie record --remeasure`), whatever the
         * point was: map-read only by the crew's explicit choice on the Record screen */
        app__copy(a->ptype, sizeof a->ptype, "measured");
        app__copy(a->marker, sizeof a->marker, p->marker);
        return 1;
    case APP_ASK_CHANGE_TYPE:
    case APP_ASK_CHANGE_MARKER:
        if (strcmp(v, ask == APP_ASK_CHANGE_TYPE ? p->point_type : p->marker) == 0) {
            snprintf(a->status, sizeof a->status, _("%s already has that; nothing changed"),
                     p->number);
            return 1;
        }
        app__copy(a->chg_ptype, sizeof a->chg_ptype, ask == APP_ASK_CHANGE_TYPE ? v : "");
        app__copy(a->chg_marker, sizeof a->chg_marker, ask == APP_ASK_CHANGE_MARKER ? v : "");
        ask_change_reason(a, p->number);
        return 1;
    default: {
        change_job *c = calloc(1, sizeof *c);
        if (!c)
            return 1;
        c->seq = p->seq;
        app__copy(c->ptype, sizeof c->ptype, a->chg_ptype);
        app__copy(c->marker, sizeof c->marker, a->chg_marker);
        char rec[APP_TEXT_MAX];
        app__phrase_store(change_phrases, NPHR(change_phrases), v, rec, sizeof rec);
        c->reason = app__dupstr(rec);
        char label[APP_REC_LABEL];
        snprintf(label, sizeof label, _("%s changed: %s"), p->number, v);
        app_rec_submit(a->rec, label, job_change, c, free_change);
        return 1;
    }
    }
}

const app__screen_ops app__screen_point = {
    .build = build_point, .tap = tap_point, .answer = answer_point};
