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
/* A distance as the crew reads it: metres to the centimetre near, kilometres far. */
static void distance_label(double m, char *buf, size_t len)
{
    if (m >= 1000)
        snprintf(buf, len, _("%.1f km"), m / 1000);
    else if (m >= 10)
        snprintf(buf, len, _("%.0f m"), m);
    else
        snprintf(buf, len, _("%.2f m"), m);
}

static void fmt_m(char *buf, size_t n, double v)
{
    if (isfinite(v))
        snprintf(buf, n, "%.3f", v);
    else
        snprintf(buf, n, "—");
}

/* The label on the theme's panel, the progress a strip in the ok colour along its foot (the
 * night theme drew its light text on fixed light bars) */
static void progress_bar(app_ui *ui, app_rect r, double frac, const char *label)
{
    app_ui_fill(ui, r, app__th->panel);
    float sh = app__mm(ui, 1.5f);
    if (frac > 0)
        app_ui_fill(ui, (app_rect){r.x, r.y + r.h - sh, r.w * (float)fmin(frac, 1), sh}, C_OK);
    app_ui_frame(ui, r, 2, C_INK);
    app__text_fit(ui, app_rect_inset((app_rect){r.x, r.y, r.w, r.h - sh}, app__mm(ui, 1)), label, 4,
                  APP_ALIGN_LEFT, C_INK);
}

/* What keeps a point from being recorded now, for the crew; NULL when nothing. */
static const char *missing_text(const app *a, int64_t now_ms, char *buf, size_t n)
{
    const app_rec_snap *s = &a->rs;
    if (!a->gnss_ok)
        return snprintf(buf, n, "%s",
                        _("No receiver: the app was started without --gnss HOST:PORT")),
               buf;
    if (!a->gnss.connected)
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

/* The pole height this point will be recorded with: this point's, else the journal's default
 * (antenna.height-m), else unknown (NaN). *own says which. */
static double pole_used(app *a, int *own)
{
    *own = isfinite(a->pole_h);
    if (*own)
        return a->pole_h;
    const char *v = sv_state_config(a->j, SV_CFG_ANTENNA_HEIGHT, "");
    char *end;
    double d = strtod(v, &end);
    return v[0] && !*end && isfinite(d) ? d : NAN;
}

static const char *north_label(int north)
{
    return north == SV_NORTH_GRID       ? _("grid north")
           : north == SV_NORTH_MAGNETIC ? _("magnetic north")
                                        : _("true north");
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
    q->offset_north = a->off_north;
    q->declination = a->off_decl;
    q->pole_h = a->pole_h;
    q->supersedes = a->remeasure;
    snprintf(q->reason, sizeof q->reason, "%s", a->remeasure_reason);
    return q;
}

static void build_record(app *a, app_ui *ui, int64_t now_ms)
{
    char title[256];
    snprintf(title, sizeof title, _("Record point · %s"), app__unit_code(a));
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 3), t = app__target(ui);
    float x = pad, w = ui->width - 2 * pad;
    /* the record button and the override pinned at the window's foot, the rest above them
     * scrolled when it does not fit (1280x800 at 224 DPI put the button under the window);
     * the button a little lower on a short window, never under 16 mm */
    float big_h = fmaxf(t * 2, app__mm(ui, 22));
    big_h = fmaxf(fminf(big_h, (float)ui->height * 0.18f), app__mm(ui, 16));
    /* the override a third of the row beside the button where that is 40 mm, else a row of
     * its own above it (its English label took five lines in 27 mm) */
    float ow = (w - pad) / 3;
    int beside_go = ow >= app__mm(ui, 40);
    float foot = ui->height - pad - big_h - (beside_go ? 0 : t + pad);
    app__body body;
    float y = app__body_begin(a, ui, &body, top, foot - pad, now_ms) + pad;
    const app_rec_snap *s = &a->rs;
    int averaging = a->rec && s->averaging && strcmp(s->point_unit, app__unit_code(a)) == 0;
    char buf[400];

    /* what is missing, in words: first, where the crew looks */
    char miss[300];
    const char *m =
        a->rec ? missing_text(a, now_ms, miss, sizeof miss) : _("The journal is open read-only");
    if (averaging && s->overriding) {
        /* the override answers a low grade only: what else holds the averaging up (a moving
         * pole, late or unusable fixes, no fix) is still said, after it */
        char why[300] = "";
        if (m &&
            (s->moving || (s->verdict != SV_EPOCH_ACCEPTED && s->verdict != SV_EPOCH_LOW_GRADE &&
                           s->verdict != SV_EPOCH_DUPLICATE)))
            snprintf(why, sizeof why, "%s", m);
        snprintf(miss, sizeof miss, _("Override: %s"), a->override_reason);
        if (why[0]) {
            size_t k = strlen(miss);
            snprintf(miss + k, sizeof miss - k, " · %s", why);
        }
        m = miss;
    }
    /* the receiver banner under the top bar says it already when the receiver is lost or has
     * no fix: not said twice where the room is short */
    int banner = a->gnss_ok && !(a->gnss.connected && app__live_fix(a, now_ms));
    if (averaging || !banner) {
        app_rect mr = {x, y, w, t * 0.9f};
        /* the theme's tested pairs: a problem as the error banner, an override in the warning
         * colour and ready in the ok colour on a panel (fixed light boxes were unreadable at
         * night) */
        int over = averaging && s->overriding;
        app_ui_fill(ui, mr, m && !over ? app__th->banner_bad : app__th->panel);
        app__text_fit(ui, app_rect_inset(mr, app__mm(ui, 1)),
                      m ? m : (averaging ? _("Averaging: hold the pole still") : _("Ready")), 4,
                      APP_ALIGN_LEFT,
                      over ? C_WARN
                      : m  ? C_BAD
                           : C_OK);
        y += mr.h + pad / 2;
    }

    /* a re-measurement supersedes the point it names (screen_point.c): how far the receiver
     * is from where that point was, before the new one replaces it (a pole set up at the
     * neighbouring corner would otherwise move the point unseen) */
    const sv_fix *here = app__live_fix(a, now_ms);
    int fixed = here && here->grade > SV_GRADE_NONE && isfinite(here->lat);
    if (a->remeasure > 0) {
        char why[APP_TEXT_MAX];
        snprintf(buf, sizeof buf, _("Re-measuring %s (supersedes it): %s"), a->remeasure_number,
                 app__reason_shown(a->remeasure_reason, why, sizeof why));
        app__text_line(ui, x, y, w, t * 0.7f, buf, 3.8f, C_WARN);
        y += t * 0.7f + pad / 2;
        const sv_bpoint *old = NULL;
        for (size_t i = 0; i < a->npts; i++)
            if (a->pts[i].seq == a->remeasure)
                old = &a->pts[i];
        if (fixed && old && isfinite(old->lat)) {
            char d[32];
            distance_label(sv_geo_distance(here->lat, here->lon, old->lat, old->lon, NULL), d,
                           sizeof d);
            snprintf(buf, sizeof buf, _("The receiver is %s from where %s was"), d,
                     a->remeasure_number);
            app__text_line(ui, x, y, w, t * 0.7f, buf, 3.8f, C_WARN);
            y += t * 0.7f + pad / 2;
        }
    }
    /* a receiver farther from the unit's draft than the journal's point limit (the rule that
     * refuses such a point typed in): said before the point is taken; a measured point is
     * still recorded where the pole stands */
    double off_unit = NAN;
    if (fixed && a->cur >= 0 &&
        sv_unit_draft_distance(&a->units[a->cur].u, here->lat, here->lon, &off_unit) == SV_OK &&
        off_unit > sv_journal_point_limit(a->j)) {
        char d[32];
        distance_label(off_unit, d, sizeof d);
        snprintf(buf, sizeof buf,
                 _("The receiver is %s from this unit's draft: is this the right unit?"), d);
        app_rect fr = {x, y, w, t * 0.8f};
        app_ui_fill(ui, fr, app__th->banner_bad);
        app__text_fit(ui, app_rect_inset(fr, app__mm(ui, 1)), buf, 3.8f, APP_ALIGN_LEFT, C_BAD);
        y += fr.h + pad / 2;
    }

    /* the pole on a neighbouring unit's point (the corner two units share): offered as this
     * unit's own, shared, rather than a second measurement of one 界址点 that would drift
     * from the first (ANCHORS #15) */
    a->near_unit[0] = a->near_number[0] = '\0';
    const sv_bpoint *nb = NULL;
    double nbd = INFINITY;
    for (size_t i = 0; fixed && !averaging && a->remeasure <= 0 && a->rec && i < a->nnear; i++) {
        double d = sv_geo_distance(here->lat, here->lon, a->near[i].lat, a->near[i].lon, NULL);
        if (d < nbd)
            nb = &a->near[i], nbd = d;
    }
    if (nb && nbd <= APP_SHARE_AT_M) {
        char d[32];
        distance_label(nbd, d, sizeof d);
        snprintf(buf, sizeof buf, _("%s from %s %s, measured there: use that point (shared)"), d,
                 nb->unit, nb->number);
        app__button(ui, "use-shared", (app_rect){x, y, w, t}, buf, 1);
        app__copy(a->near_unit, sizeof a->near_unit, nb->unit);
        app__copy(a->near_number, sizeof a->near_number, nb->number);
        y += t + pad / 2;
    }

    /* progress: epochs, seconds, spread; the journal's real requirement (average.*): with
     * average.seconds 0 there is no minimum time and no seconds bar. The two bars side by
     * side where each is at least 50 mm wide. */
    sv_avg_opts need = sv_state_avg_opts(a->j);
    if (a->rec) {
        need.epochs = s->need_n;
        need.min_seconds = s->need_secs;
    }
    float bh = app__mm(ui, 9);
    int two = need.min_seconds > 0, beside = two && (w - pad) / 2 >= app__mm(ui, 50);
    float bw = beside ? (w - pad) / 2 : w;
    snprintf(buf, sizeof buf, _("Epochs %d / %d"), averaging ? s->n : 0, need.epochs);
    progress_bar(ui, (app_rect){x, y, bw, bh},
                 averaging && need.epochs > 0 ? (double)s->n / need.epochs : 0, buf);
    if (!beside)
        y += bh + pad / 2;
    if (two) {
        snprintf(buf, sizeof buf, _("Seconds %.1f / %.0f"), averaging ? s->secs : 0.0,
                 need.min_seconds);
        progress_bar(ui, (app_rect){beside ? x + bw + pad : x, y, bw, bh},
                     averaging ? s->secs / need.min_seconds : 0, buf);
        y += bh + pad / 2;
    }
    /* while averaging, the spread; else the last point recorded, in the same place under the
     * bars where the crew looks: a point just taken is seen at once (under the pickers it lay
     * below the fold of a short window, and the screen looked as it did before the tap) */
    const sv_bpoint *last = NULL;
    for (size_t i = 0; i < a->npts; i++)
        if (!last || a->pts[i].seq > last->seq)
            last = &a->pts[i];
    if (averaging && isfinite(s->spread_m)) {
        snprintf(buf, sizeof buf, _("Spread %.3f m · refused epochs %d"), s->spread_m, s->dropped);
    } else if (!averaging && last) {
        /* the horizontal σ, the library's (sv_quality_sigma_h), as the point list says it:
         * east and north side by side read as horizontal and vertical */
        char sh[32];
        fmt_m(sh, sizeof sh, sv_quality_sigma_h(&last->q));
        snprintf(buf, sizeof buf,
                 ngettext("Last: %s · %s · %d epoch · horizontal σ %s m%s",
                          "Last: %s · %s · %d epochs · horizontal σ %s m%s",
                          (unsigned long)last->q.n),
                 last->number, app__grade_label(last->q.grade), last->q.n, sh,
                 (last->flags & SV_PT_OVERRIDE) ? _(" · override") : "");
    } else {
        snprintf(buf, sizeof buf, "%s", _("Spread —"));
    }
    app__text_line(ui, x, y, w, app__mm(ui, 7), buf, 4, C_INK);
    y += app__mm(ui, 7) + pad / 2;

    /* pickers: point type, marker, offset, which north its bearing is from, pole height; in
     * one row where each is at least 24 mm wide, else three to a row (800x1280 at 224 DPI cut
     * "Type: Measured" to a few letters) */
    int pc = (w - 4 * pad) / 5 >= app__mm(ui, 24) ? 5 : 3;
    float pw = (w - (float)(pc - 1) * pad) / (float)pc;
    app_rect pr[5];
    for (int k = 0; k < 5; k++)
        pr[k] =
            (app_rect){x + (float)(k % pc) * (pw + pad), y + (float)(k / pc) * (t + pad), pw, t};
    char lab[SV_CODE_MAX * 2];
    snprintf(
        buf, sizeof buf, _("Type: %s"),
        app__code_label(a, "point-type", a->ptype[0] ? a->ptype : "measured", lab, sizeof lab));
    app__button(ui, "ptype", pr[0], buf, !averaging);
    if (a->ptype[0] && strcmp(a->ptype, "measured") != 0)
        app_ui_frame(ui, pr[0], 4, C_WARN); /* not measured: for this point */
    if (a->remeasure > 0 && a->marker[0])
        /* taken over from the point re-measured: said, and framed, so it is not recorded
         * unseen */
        snprintf(buf, sizeof buf, _("Marker: %s (as %s had)"),
                 app__code_label(a, "marker", a->marker, lab, sizeof lab), a->remeasure_number);
    else
        snprintf(buf, sizeof buf, _("Marker: %s"),
                 a->marker[0] ? app__code_label(a, "marker", a->marker, lab, sizeof lab)
                              : _("none"));
    app__button(ui, "marker", pr[1], buf, !averaging);
    if (a->marker[0])
        app_ui_frame(ui, pr[1], 4, C_WARN); /* for this point */
    if (isfinite(a->off_m))
        snprintf(buf, sizeof buf, _("Offset %.2f m at %.1f° (%s)"), a->off_m, a->off_brg,
                 north_label(a->off_north));
    else
        snprintf(buf, sizeof buf, "%s", _("Offset: none"));
    app__button(ui, "offset", pr[2], buf, !averaging);
    snprintf(buf, sizeof buf, _("Bearing from: %s"), north_label(a->off_north));
    app__button(ui, "north", pr[3], buf, !averaging);
    if (a->off_north != SV_NORTH_TRUE)
        app_ui_frame(ui, pr[3], 4, C_WARN);
    int own = 0;
    double pole = pole_used(a, &own);
    if (isfinite(pole))
        snprintf(buf, sizeof buf, own ? _("Pole %.2f m (this point)") : _("Pole %.2f m"), pole);
    else
        snprintf(buf, sizeof buf, "%s", _("Pole: not set"));
    app__button(ui, "pole", pr[4], buf, !averaging);
    if (own)
        app_ui_frame(ui, pr[4], 4, C_WARN);
    y += (float)((5 + pc - 1) / pc) * (t + pad);

    app__body_end(a, ui, &body, y);

    /* the foot: the override, the one big button */
    app_rect big = beside_go ? (app_rect){x + ow + pad, foot, w - ow - pad, big_h}
                             : (app_rect){x, foot + t + pad, w, big_h};
    if (averaging)
        app__big_button(ui, "record-cancel", big, _("Cancel this point"), C_STOP, 1);
    else {
        /* the pole height the point takes, on the button the crew presses */
        char go[200], ph[64];
        if (isfinite(pole))
            snprintf(ph, sizeof ph, _("pole %.2f m"), pole);
        else
            snprintf(ph, sizeof ph, "%s", _("pole height unknown"));
        if (a->remeasure > 0)
            snprintf(go, sizeof go, _("Re-measure %s · %s"), a->remeasure_number, ph);
        else
            snprintf(go, sizeof go, _("Record point · %s"), ph);
        app__big_button(ui, "record-go", big, go, C_GO, a->rec && a->cur >= 0 && a->gnss_ok);
    }

    /* override: only when the fix is not good enough, only with a reason */
    /* an override helps only against a low grade: not a moving pole, late or bad epochs */
    const sv_fix *lf = app__live_fix(a, now_ms);
    int below = !(averaging && s->overriding) && a->gnss_ok && a->gnss.connected && lf &&
                (averaging ? s->verdict == SV_EPOCH_LOW_GRADE && !s->moving : lf->grade < s->gate);
    app__button(ui, "override",
                beside_go ? (app_rect){x, foot, ow, big_h} : (app_rect){x, foot, w, t},
                _("Fix not good enough: record anyway, with a reason…"), a->rec && below);
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
                        {"agreed", N_("Parties agreed the point; time is short")},
                        {SV_OVERRIDE_OTHER, N_("Another reason (in your words)…")}};

static void free_config(void *p)
{
    free(p);
}

/* The journal's default pole height: a config entry (survey data, kept with the points). */
static int job_pole_default(sv_journal *j, void *arg, int64_t *seq)
{
    return sv_record_config(j, SV_CFG_ANTENNA_HEIGHT, arg, seq);
}

/* Is entry seq still a current point of the unit? Read from the journal now: another device's
 * void may have come in by sync since the screen was drawn. -1 when it cannot be read. */
static int point_current(app *a, int64_t seq)
{
    sv_bpoint *p = NULL;
    size_t n = 0;
    if (sv_state_points(a->j, app__unit_code(a), &p, &n) != SV_OK)
        return -1;
    int found = 0;
    for (size_t i = 0; i < n && !found; i++)
        found = p[i].seq == seq;
    sv_bpoints_free(p, n);
    return found;
}

static int tap_record(app *a, const char *id)
{
    app_rec_point_req q;
    if (strcmp(id, "use-shared") == 0 && a->rec && a->near_unit[0]) {
        app__submit_share(a, a->near_unit, a->near_number);
        return 1;
    }
    if (strcmp(id, "record-go") == 0 && a->rec) {
        if (a->remeasure > 0 && point_current(a, a->remeasure) == 0) {
            /* voided meanwhile: nothing to supersede. Said before measuring; the screen is a
             * plain Record again, so the next tap records a new point if one is needed. */
            snprintf(a->status, sizeof a->status,
                     _("%s was voided meanwhile: nothing to re-measure. Record a new point if "
                       "it is needed."),
                     a->remeasure_number);
            a->remeasure = 0;
            a->remeasure_reason[0] = '\0';
            return 1;
        }
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
    if (strcmp(id, "north") == 0) {
        /* which north the offset bearing is read from: the library converts grid and magnetic */
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_OFFSET_NORTH,
                        _("The offset bearing is read from"));
        char val[8];
        for (int n = SV_NORTH_TRUE; n <= SV_NORTH_MAGNETIC; n++) {
            snprintf(val, sizeof val, "%d", n);
            app__pick_add(a, north_label(n), val);
        }
        return 1;
    }
    if (strcmp(id, "pole") == 0) {
        app__open_modal(a, APP_MODAL_KEYPAD, APP_ASK_POLE,
                        _("Pole height: ground mark to antenna, metres"));
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
        if (v && strcmp(v, SV_OVERRIDE_OTHER) == 0) {
            app__open_modal(a, APP_MODAL_TEXT, APP_ASK_OVERRIDE_OTHER,
                            _("Why record below the quality gate? In your words"));
            return 1;
        }
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
    case APP_ASK_OVERRIDE_OTHER:
        app__copy(a->override_code, sizeof a->override_code, SV_OVERRIDE_OTHER);
        app__copy(a->override_reason, sizeof a->override_reason, v);
        if (a->rec) {
            app_rec_point(a->rec, point_req(a, &q));
            app_rec_get(a->rec, &a->rs);
        }
        return 1;
    case APP_ASK_POLE:
        if (parse_number(v, 0, SV_POLE_MAX_M, &d) != 0) {
            snprintf(a->status, sizeof a->status, _("Pole height: a number of metres from 0 to %g"),
                     SV_POLE_MAX_M);
            return 1;
        }
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_POLE_SCOPE, _("Use this pole height for"));
        {
            char lab[200];
            snprintf(lab, sizeof lab, _("This point only (%.2f m)"), d);
            char val[64];
            snprintf(val, sizeof val, "point:%.3f", d);
            app__pick_add(a, lab, val);
            snprintf(lab, sizeof lab, _("Every point from now on (%.2f m, kept in the journal)"),
                     d);
            snprintf(val, sizeof val, "journal:%.3f", d);
            app__pick_add(a, lab, val);
        }
        return 1;
    case APP_ASK_POLE_SCOPE:
        if (strncmp(v, "point:", 6) == 0) {
            a->pole_h = atof(v + 6);
        } else if (strncmp(v, "journal:", 8) == 0 && a->rec) {
            char *val = app__dupstr(v + 8);
            char label[160];
            snprintf(label, sizeof label, _("Pole height %s m for every point"), v + 8);
            if (val)
                app_rec_submit(a->rec, label, job_pole_default, val, free_config);
            a->pole_h = NAN;
        }
        return 1;
    case APP_ASK_OFFSET_NORTH:
        a->off_north = atoi(v);
        a->off_decl = NAN;
        /* a compass bearing needs the declination: the journal's, else the crew's */
        if (a->off_north == SV_NORTH_MAGNETIC && !sv_state_config(a->j, SV_CFG_DECLINATION, "")[0])
            app__open_modal(a, APP_MODAL_KEYPAD, APP_ASK_DECLINATION,
                            _("Magnetic declination here, degrees (from the county's map)"));
        return 1;
    case APP_ASK_DECLINATION:
        if (parse_number(v, 0, 90, &d) != 0) {
            a->off_north = SV_NORTH_TRUE;
            snprintf(a->status, sizeof a->status, "%s",
                     _("Declination: degrees from 0 to 90; bearings stay from true north"));
            return 1;
        }
        a->off_decl = d;
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_DECLINATION_SIDE,
                        _("The compass needle points"));
        app__pick_add(a, _("East of true north"), "east");
        app__pick_add(a, _("West of true north"), "west");
        return 1;
    case APP_ASK_DECLINATION_SIDE:
        if (strcmp(v, "west") == 0)
            a->off_decl = -a->off_decl;
        return 1;
    case APP_ASK_OFFSET_DIST:
        if (parse_number(v, 0, SV_OFFSET_MAX_M, &d) != 0) {
            snprintf(a->status, sizeof a->status,
                     _("Offset distance: a number of metres from 0 to %g"), SV_OFFSET_MAX_M);
        } else if (d == 0) {
            a->off_m = a->off_brg = NAN;
        } else {
            /* taken with the bearing: a bearing keypad cancelled leaves the offset as it was
             * (a distance without a bearing once recorded a plain point, saying "nan") */
            a->off_pending = d;
            app__open_modal(
                a, APP_MODAL_KEYPAD, APP_ASK_OFFSET_BRG,
                a->off_north == SV_NORTH_GRID
                    ? _("Offset: bearing from the pole to the point, degrees from grid north "
                        "(0–360)")
                : a->off_north == SV_NORTH_MAGNETIC
                    ? _("Offset: bearing from the pole to the point, degrees from magnetic "
                        "north, as the compass reads (0–360)")
                    : _("Offset: bearing from the pole to the point, degrees from north (0–360)"));
        }
        return 1;
    case APP_ASK_OFFSET_BRG:
        if (parse_number(v, 0, 360, &d) != 0) {
            a->off_m = a->off_brg = NAN;
            snprintf(a->status, sizeof a->status, "%s",
                     _("Offset bearing: degrees from 0 to 360; no offset set"));
        } else if (isfinite(a->off_pending)) {
            a->off_m = a->off_pending;
            a->off_brg = d;
        }
        a->off_pending = NAN;
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
    a->marker[0] = '\0'; /* none chosen: a marker is chosen for the point it is on */
    a->remeasure = 0;    /* a re-measurement is asked for on the point (screen_point.c) */
    a->remeasure_reason[0] = '\0';
}

const app__screen_ops app__screen_record = {.build = build_record,
                                            .tap = tap_record,
                                            .gesture = app__body_gesture,
                                            .answer = answer_record,
                                            .enter = enter_record};
