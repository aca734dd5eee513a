/*
 * screen_record.c - Record a boundary point: averaging progress (epochs, seconds, spread), what
 * keeps a point from being taken, in words, point type, marker, offset (keypad), the override
 * with its reason, and the last point recorded. Nothing is written here: the point is averaged
 * and recorded by the recorder thread (recorder.h); never includes SDL.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "i18n.h"

/* Metres with mm, or a dash when unknown (a point typed in has no spread). */
static void fmt_m(char *buf, size_t n, double v)
{
    if (isfinite(v))
        snprintf(buf, n, "%.3f", v);
    else
        snprintf(buf, n, "—");
}

static void progress_bar(app_ui *ui, app_rect r, double frac, app_color c, const char *label)
{
    app_ui_fill(ui, r, 0xeeeeeeffu);
    if (frac > 0)
        app_ui_fill(ui, (app_rect){r.x, r.y, r.w * (float)fmin(frac, 1), r.h}, c);
    app_ui_frame(ui, r, 2, C_INK);
    app_ui_text(ui, app_rect_inset(r, app__mm(ui, 1)), label, app__text_px(ui, 4), APP_ALIGN_LEFT,
                C_INK);
}

/* What keeps a point from being recorded now, for the crew; NULL when nothing. */
static const char *missing_text(const app *a, int64_t now_ms, char *buf, size_t n)
{
    const app_rec_snap *s = &a->rs;
    if (!a->gnss_ok || !a->gnss.connected)
        return snprintf(buf, n, "%s", _("No receiver: gpsd is not answering")), buf;
    const sv_fix *f = app__live_fix(a, now_ms);
    sv_grade gate = s->gate ? s->gate : SV_GRADE_RTK_FIXED;
    if (s->averaging) {
        if (s->moving)
            return snprintf(buf, n, "%s",
                            _("The pole is moving: averaging starts when it stands still")),
                   buf;
        switch (s->verdict) {
        case SV_EPOCH_ACCEPTED:
            return NULL;
        case SV_EPOCH_NO_FIX:
            return snprintf(buf, n, "%s", _("Waiting for a fix")), buf;
        case SV_EPOCH_LOW_GRADE:
            snprintf(buf, n, _("Needs %s; the receiver has %s"), app__grade_label(gate),
                     app__grade_label(s->last_grade));
            return buf;
        case SV_EPOCH_STALE:
            return snprintf(buf, n, "%s",
                            _("Fixes arrive late (older than 2 s): check the receiver link")),
                   buf;
        case SV_EPOCH_BAD:
            return snprintf(buf, n, "%s", _("The receiver sends unusable coordinates")), buf;
        case SV_EPOCH_DUPLICATE:
            return NULL;
        }
        return NULL;
    }
    if (!f)
        return snprintf(buf, n, "%s", _("Waiting for a fix")), buf;
    if (f->grade < gate) {
        snprintf(buf, n, _("Needs %s; the receiver has %s"), app__grade_label(gate),
                 app__grade_label(f->grade));
        return buf;
    }
    return NULL;
}

static const app_rec_point_req *point_req(app *a, app_rec_point_req *q)
{
    memset(q, 0, sizeof *q);
    snprintf(q->unit, sizeof q->unit, "%s", app__unit_code(a));
    snprintf(q->point_type, sizeof q->point_type, "%s", a->ptype[0] ? a->ptype : "measured");
    snprintf(q->marker, sizeof q->marker, "%s", a->marker);
    snprintf(q->override_reason, sizeof q->override_reason, "%s", a->override_reason);
    snprintf(q->override_code, sizeof q->override_code, "%s", a->override_code);
    q->offset_m = a->off_m;
    q->offset_bearing = a->off_brg;
    return q;
}

static void build_record(app *a, app_ui *ui, int64_t now_ms)
{
    char title[256];
    snprintf(title, sizeof title, _("Record point · %s"), app__unit_code(a));
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 3), t = app__target(ui);
    float x = pad, w = ui->width - 2 * pad, y = top + pad;
    const app_rec_snap *s = &a->rs;
    int averaging = a->rec && s->averaging && strcmp(s->point_unit, app__unit_code(a)) == 0;
    char buf[400];

    /* progress: epochs, seconds, spread */
    float bh = t * 0.9f;
    snprintf(buf, sizeof buf, _("Epochs %d / %d"), averaging ? s->n : 0,
             s->need_n ? s->need_n : 10);
    progress_bar(ui, (app_rect){x, y, w, bh}, averaging && s->need_n ? (double)s->n / s->need_n : 0,
                 0x9fd8b0ffu, buf);
    y += bh + pad / 2;
    snprintf(buf, sizeof buf, _("Seconds %.1f / %.0f"), averaging ? s->secs : 0.0,
             s->need_secs > 0 ? s->need_secs : 10.0);
    progress_bar(ui, (app_rect){x, y, w, bh},
                 averaging && s->need_secs > 0 ? s->secs / s->need_secs : averaging, 0x9fc8e8ffu,
                 buf);
    y += bh + pad / 2;
    if (averaging && isfinite(s->spread_m))
        snprintf(buf, sizeof buf, _("Spread %.3f m · refused epochs %d"), s->spread_m, s->dropped);
    else
        snprintf(buf, sizeof buf, "%s", _("Spread —"));
    app__text_line(ui, x, y, w, t * 0.7f, buf, 4, C_INK);
    y += t * 0.7f + pad / 2;

    /* what is missing, in words */
    char miss[300];
    const char *m =
        a->rec ? missing_text(a, now_ms, miss, sizeof miss) : _("The journal is open read-only");
    if (averaging && s->overriding)
        snprintf(miss, sizeof miss, _("Override: %s"), a->override_reason), m = miss;
    app_rect mr = {x, y, w, t * 0.9f};
    app_ui_fill(ui, mr, m ? (averaging && s->overriding ? 0xfff0d0ffu : 0xffe0e0ffu) : 0xe0f5e6ffu);
    app_ui_text(ui, app_rect_inset(mr, app__mm(ui, 1)),
                m ? m : (averaging ? _("Averaging: hold the pole still") : _("Ready")),
                app__text_px(ui, 4), APP_ALIGN_LEFT, m ? C_BAD : C_GO);
    y += mr.h + pad;

    /* pickers: point type, marker, offset */
    float pw = (w - 2 * pad) / 3;
    char lab[SV_CODE_MAX * 2];
    snprintf(
        buf, sizeof buf, _("Type: %s"),
        app__code_label(a, "point-type", a->ptype[0] ? a->ptype : "measured", lab, sizeof lab));
    app__button(ui, "ptype", (app_rect){x, y, pw, t}, buf, !averaging);
    if (a->ptype[0] && strcmp(a->ptype, "measured") != 0)
        app_ui_frame(ui, (app_rect){x, y, pw, t}, 4, C_WARN); /* not measured: for this point */
    snprintf(buf, sizeof buf, _("Marker: %s"),
             a->marker[0] ? app__code_label(a, "marker", a->marker, lab, sizeof lab) : _("none"));
    app__button(ui, "marker", (app_rect){x + pw + pad, y, pw, t}, buf, !averaging);
    if (isfinite(a->off_m))
        snprintf(buf, sizeof buf, _("Offset %.2f m at %.1f°"), a->off_m, a->off_brg);
    else
        snprintf(buf, sizeof buf, "%s", _("Offset: none"));
    app__button(ui, "offset", (app_rect){x + 2 * (pw + pad), y, pw, t}, buf, !averaging);
    y += t + pad;

    /* the one big button */
    float big_h = fmaxf(t * 2, app__mm(ui, 22));
    app_rect big = {x, y, w, big_h};
    if (averaging)
        app__big_button(ui, "record-cancel", big, _("Cancel this point"), C_BAD, 1);
    else
        app__big_button(ui, "record-go", big, _("Record point"), C_GO,
                        a->rec && a->cur >= 0 && a->gnss_ok);
    y += big_h + pad;

    /* override: only when the fix is not good enough, only with a reason */
    /* an override helps only against a low grade: not a moving pole, late or bad epochs */
    const sv_fix *lf = app__live_fix(a, now_ms);
    int below = !(averaging && s->overriding) && a->gnss_ok && a->gnss.connected && lf &&
                (averaging ? s->verdict == SV_EPOCH_LOW_GRADE && !s->moving : lf->grade < s->gate);
    app__button(ui, "override", (app_rect){x, y, w, t},
                _("Fix not good enough: record anyway, with a reason…"), a->rec && below);
    y += t + pad;

    /* the last point recorded */
    const sv_bpoint *last = NULL;
    for (size_t i = 0; i < a->npts; i++)
        if (!last || a->pts[i].seq > last->seq)
            last = &a->pts[i];
    if (last) {
        char se[32], sn[32];
        fmt_m(se, sizeof se, last->q.sigma_e);
        fmt_m(sn, sizeof sn, last->q.sigma_n);
        snprintf(buf, sizeof buf, _("Last: %s · %s · %d epochs · σ %s / %s m%s"), last->number,
                 app__grade_label(last->q.grade), last->q.n, se, sn,
                 (last->flags & SV_PT_OVERRIDE) ? _(" · override") : "");
        app__text_line(ui, x, y, w, t * 0.7f, buf, 3.8f, C_INK);
    }
}

/* The journal keeps the code (survey's fixed list, sv_override_reason_find) and the label in
 * the crew's language beside it: the same reason reads the same on every tablet. */
static const struct {
    const char *code, *label;
} override_reasons[] = {{"canopy", N_("Tree canopy blocks the sky")},
                        {"terrain", N_("Cliff or steep valley blocks the sky")},
                        {"no-corrections", N_("No RTK corrections here (no mobile signal)")},
                        {"multipath", N_("Multipath near buildings or water")},
                        {"unreachable", N_("Marker under water or unsafe to reach for long")},
                        {"agreed", N_("Parties agreed the point; time is short")}};

static int tap_record(app *a, const char *id)
{
    app_rec_point_req q;
    if (strcmp(id, "record-go") == 0 && a->rec) {
        app_rec_point(a->rec, point_req(a, &q));
        app_rec_get(a->rec, &a->rs);
        return 1;
    }
    if (strcmp(id, "record-cancel") == 0 && a->rec) {
        app_rec_cancel(a->rec);
        app_rec_get(a->rec, &a->rs);
        a->override_reason[0] = '\0';
        a->override_code[0] = '\0';
        return 1;
    }
    if (strcmp(id, "ptype") == 0) {
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_PTYPE, _("Point type"));
        app__pick_codes(a, "point-type");
        return 1;
    }
    if (strcmp(id, "marker") == 0) {
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_MARKER, _("Marker type"));
        app__pick_codes(a, "marker");
        return 1;
    }
    if (strcmp(id, "offset") == 0) {
        app__open_modal(
            a, APP_MODAL_KEYPAD, APP_ASK_OFFSET_DIST,
            _("Offset: horizontal distance from the pole to the point, metres (0: none)"));
        return 1;
    }
    if (strcmp(id, "override") == 0) {
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_OVERRIDE,
                        _("Why record below the quality gate? (kept with the point)"));
        for (size_t i = 0; i < sizeof override_reasons / sizeof override_reasons[0]; i++)
            app__pick_add(a, _(override_reasons[i].label), override_reasons[i].code);
        return 1;
    }
    return 0;
}

static int parse_number(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int answer_record(app *a, app_ask ask, int k, const char *v)
{
    (void)k;
    double d;
    app_rec_point_req q;
    switch (ask) {
    case APP_ASK_MARKER:
        app__copy(a->marker, sizeof a->marker, v);
        return 1;
    case APP_ASK_PTYPE:
        app__copy(a->ptype, sizeof a->ptype, v);
        return 1;
    case APP_ASK_OVERRIDE:
        for (size_t i = 0; i < sizeof override_reasons / sizeof override_reasons[0]; i++)
            if (v && strcmp(v, override_reasons[i].code) == 0) {
                app__copy(a->override_code, sizeof a->override_code, v);
                v = _(override_reasons[i].label);
            }
        app__copy(a->override_reason, sizeof a->override_reason, v);
        if (a->rec) {
            app_rec_point(a->rec, point_req(a, &q));
            app_rec_get(a->rec, &a->rs);
        }
        return 1;
    case APP_ASK_OFFSET_DIST:
        if (parse_number(v, 0, 1000, &d) != 0) {
            snprintf(a->status, sizeof a->status, "%s",
                     _("Offset distance: a number of metres from 0 to 1000"));
        } else if (d == 0) {
            a->off_m = a->off_brg = NAN;
        } else {
            a->off_m = d;
            app__open_modal(
                a, APP_MODAL_KEYPAD, APP_ASK_OFFSET_BRG,
                _("Offset: bearing from the pole to the point, degrees from north (0–360)"));
        }
        return 1;
    case APP_ASK_OFFSET_BRG:
        if (parse_number(v, 0, 360, &d) != 0) {
            a->off_m = a->off_brg = NAN;
            snprintf(a->status, sizeof a->status, "%s",
                     _("Offset bearing: degrees from 0 to 360; no offset set"));
        } else {
            a->off_brg = d;
        }
        return 1;
    default:
        return 0;
    }
}

/* Entering Record (from a unit's map): every point starts measured; another type is chosen for
 * that point alone (issue 10 defect 2: a map-read choice stuck across points and units). */
static void enter_record(app *a)
{
    a->ptype[0] = '\0';
}

const app__screen_ops app__screen_record = {
    .build = build_record, .tap = tap_record, .answer = answer_record, .enter = enter_record};
