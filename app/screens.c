/*
 * screens.c - the screens where the crew records: Record a boundary point, Walk, Verify
 * ownership, Point out and sign (with the signature pad), Dispute, Day end; and the modal
 * layers (pickers, numeric keypad, text entry with common phrases).
 *
 * Nothing is written here: every decision becomes a job for the recorder thread (recorder.h),
 * with its own copy of what to record; the screen shows the outcome when the recorder reports
 * it durable. Layouts flow top to bottom in rows sized in millimetres, so portrait and
 * landscape both work.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app_int.h"
#include "i18n.h"
#include "survey/geo.h"

/* ---- small helpers ----------------------------------------------------------------------- */

/* Copy src into dst of size n, cut at a UTF-8 code point boundary when it does not fit. */
static void copy(char *dst, size_t n, const char *src)
{
    size_t l = strlen(src);
    if (l >= n) {
        l = n - 1;
        while (l > 0 && ((unsigned char)src[l] & 0xc0) == 0x80)
            l--;
    }
    memcpy(dst, src, l);
    dst[l] = '\0';
}

static char *dupstr(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void text_line(app_ui *ui, float x, float y, float w, float h, const char *t, float size_mm,
                      app_color c)
{
    app_ui_text(ui, (app_rect){x, y, w, h}, t, app__text_px(ui, size_mm), APP_ALIGN_LEFT, c);
}

/* Metres with mm, or a dash when unknown (a point typed in has no spread). */
static void fmt_m(char *buf, size_t n, double v)
{
    if (isfinite(v))
        snprintf(buf, n, "%.3f", v);
    else
        snprintf(buf, n, "—");
}

/* A list of n rows of height rh between y0 and y1, scrolled by dragging (a->scroll, px, kept
 * in range here). Returns the first row to draw at y0; rows are drawn while they fit. */
static int list_first(app *a, float y0, float y1, float rh, int n)
{
    int fit = rh > 0 ? (int)((y1 - y0) / rh) : n;
    if (fit < 1)
        fit = 1;
    float max = n > fit ? (float)(n - fit) * rh : 0;
    if (a->scroll > max)
        a->scroll = max;
    if (a->scroll < 0)
        a->scroll = 0;
    return rh > 0 ? (int)(a->scroll / rh + 0.5f) : 0;
}

/* Say that rows are hidden above or below (a list never silently drops rows). */
static void list_hints(app_ui *ui, float x, float y0, float y1, float w, int first, int shown,
                       int n)
{
    char buf[128];
    float h = app__mm(ui, 5);
    if (first > 0) {
        snprintf(buf, sizeof buf, _("↑ %d more above (drag down)"), first);
        app_ui_fill(ui, (app_rect){x + w - app__mm(ui, 60), y0, app__mm(ui, 60), h}, 0xfff3c4ffu);
        app_ui_text(ui, (app_rect){x + w - app__mm(ui, 60), y0, app__mm(ui, 60), h}, buf,
                    app__text_px(ui, 3), APP_ALIGN_CENTER, C_INK);
    }
    if (first + shown < n) {
        snprintf(buf, sizeof buf, _("↓ %d more below (drag up)"), n - first - shown);
        app_ui_fill(ui, (app_rect){x + w - app__mm(ui, 60), y1 - h, app__mm(ui, 60), h},
                    0xfff3c4ffu);
        app_ui_text(ui, (app_rect){x + w - app__mm(ui, 60), y1 - h, app__mm(ui, 60), h}, buf,
                    app__text_px(ui, 3), APP_ALIGN_CENTER, C_INK);
    }
}

/* Today's date (tablet clock, local time) as YYYY-MM-DD. */
static void today(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Days from date a to date b (YYYY-MM-DD each); INT_MIN-ish on a bad date. */
static int days_between(const char *a, const char *b)
{
    struct tm ta = {0}, tb = {0};
    if (sscanf(a, "%d-%d-%d", &ta.tm_year, &ta.tm_mon, &ta.tm_mday) != 3 ||
        sscanf(b, "%d-%d-%d", &tb.tm_year, &tb.tm_mon, &tb.tm_mday) != 3)
        return -100000;
    ta.tm_year -= 1900, tb.tm_year -= 1900;
    ta.tm_mon -= 1, tb.tm_mon -= 1;
    ta.tm_hour = tb.tm_hour = 12;
    return (int)lround(difftime(timegm(&tb), timegm(&ta)) / 86400.0);
}

static const char *field_label(sv_field f)
{
    static const char *const l[SV_FIELD_COUNT] = {N_("Owner"),          N_("Representative"),
                                                  N_("Agent"),          N_("Mode of exercise"),
                                                  N_("Rights content"), N_("Manager")};
    return _(l[f]);
}

/* ---- modal layers ------------------------------------------------------------------------- */

void app__close_modal(app *a)
{
    for (int i = 0; i < a->npick; i++) {
        free(a->pick_label[i]);
        free(a->pick_value[i]);
    }
    a->npick = 0;
    a->modal = APP_MODAL_NONE;
    a->ask = APP_ASK_NONE;
    a->want_text = 0;
}

static void open_modal(app *a, app_modal m, app_ask ask, const char *title)
{
    app__close_modal(a);
    a->modal = m;
    a->ask = ask;
    a->scroll = 0;
    snprintf(a->modal_title, sizeof a->modal_title, "%s", title);
    a->text[0] = '\0';
    a->want_text = m == APP_MODAL_TEXT;
}

static void pick_add(app *a, const char *label, const char *value)
{
    if (a->npick >= APP_PICK_MAX || !label || !label[0])
        return;
    for (int i = 0; i < a->npick; i++)
        if (strcmp(a->pick_value[i], value ? value : label) == 0)
            return; /* once each */
    a->pick_label[a->npick] = strdup(label);
    a->pick_value[a->npick] = strdup(value ? value : label);
    if (!a->pick_label[a->npick] || !a->pick_value[a->npick]) {
        free(a->pick_label[a->npick]);
        free(a->pick_value[a->npick]);
        return;
    }
    a->npick++;
}

/* A code list as choices: labels in the interface's language, codes as values. */
static void pick_codes(app *a, const char *list)
{
    sv_code *c = NULL;
    size_t n = 0;
    if (sv_state_codes(a->j, list, &c, &n) == SV_OK)
        for (size_t i = 0; i < n; i++)
            pick_add(a, app_lang_zh() && c[i].label && c[i].label[0] ? c[i].label : c[i].code,
                     c[i].code);
    sv_codes_free(c, n);
}

void app__build_modal(app *a, app_ui *ui)
{
    ui->nw = 0; /* only the modal layer takes input */
    app_ui_fill(ui, (app_rect){0, 0, (float)ui->width, (float)ui->height}, 0x000000a0u);
    float pad = app__mm(ui, 3), t = app__target(ui);
    float w = fminf((float)ui->width - 2 * pad, app__mm(ui, 190));
    app_rect box = {((float)ui->width - w) / 2, pad, w, (float)ui->height - 2 * pad};
    app_ui_fill(ui, box, C_BG);
    app_ui_frame(ui, box, 3, C_INK);
    float x = box.x + pad, y = box.y + pad, iw = box.w - 2 * pad;
    text_line(ui, x, y, iw, t, a->modal_title, 4.5f, C_INK);
    y += t + pad / 2;
    float bottom = box.y + box.h - pad - t;
    char id[32];

    if (a->modal == APP_MODAL_PICK) {
        int cols = iw > app__mm(ui, 120) ? 2 : 1;
        float cw = (iw - pad * (float)(cols - 1)) / (float)cols, rh = t * 1.1f;
        int rows = (a->npick + cols - 1) / cols;
        int first = list_first(a, y, bottom - pad, rh + pad / 2, rows), shown = 0;
        for (int r = first; r < rows && y + (float)(r - first + 1) * (rh + pad / 2) <= bottom - pad;
             r++) {
            shown++;
            for (int c = 0; c < cols && r * cols + c < a->npick; c++) {
                int i = r * cols + c;
                float cx = x + (float)c * (cw + pad), cy = y + (float)(r - first) * (rh + pad / 2);
                snprintf(id, sizeof id, "pick:%d", i);
                app__button(ui, id, (app_rect){cx, cy, cw, rh}, a->pick_label[i], 1);
            }
        }
        list_hints(ui, x, y, bottom - pad, iw, first * cols, shown * cols, a->npick);
        app__button(ui, "pick-cancel", (app_rect){x, bottom, iw / 3, t}, _("Cancel"), 1);
        return;
    }
    /* keypad and text: the value being entered */
    app_rect field = {x, y, iw, t * 1.2f};
    app_ui_fill(ui, field, 0xfffbe6ffu);
    app_ui_frame(ui, field, 2, C_INK);
    /* the end of what is typed, where the cursor is, always in view: as many code points as
     * full-width glyphs fit (Latin text takes less) */
    char shown[APP_TEXT_MAX + 16];
    int fit = (int)((field.w - app__mm(ui, 6)) / (float)app__text_px(ui, 5));
    const char *tail = a->text;
    int cps = 0;
    for (const char *q = a->text; *q; q++)
        cps += ((unsigned char)*q & 0xc0) != 0x80;
    while (cps > fit && *tail) {
        tail++;
        while (*tail && ((unsigned char)*tail & 0xc0) == 0x80)
            tail++;
        cps--;
    }
    snprintf(shown, sizeof shown, "%s%s▏", tail != a->text ? "…" : "", tail);
    app_ui_text(ui, app_rect_inset(field, app__mm(ui, 1.5f)), shown, app__text_px(ui, 5),
                APP_ALIGN_LEFT, C_INK);
    app_ui_widget(ui, "text", field, 1);
    y += field.h + pad;
    float bw = (iw - 2 * pad) / 3;
    if (a->modal == APP_MODAL_KEYPAD) {
        static const char *const keys[12] = {"7", "8", "9", "4", "5", "6",
                                             "1", "2", "3", ".", "0", "←"};
        static const char *const ids[12] = {"key:7", "key:8",   "key:9", "key:4",
                                            "key:5", "key:6",   "key:1", "key:2",
                                            "key:3", "key:dot", "key:0", "key:del"};
        float kh = fminf(t * 1.3f, (bottom - pad - y) / 4 - pad / 2);
        for (int i = 0; i < 12; i++)
            app__button(ui, ids[i],
                        (app_rect){x + (float)(i % 3) * (bw + pad),
                                   y + (float)(i / 3) * (kh + pad / 2), bw, kh},
                        keys[i], 1);
        app__button(ui, "key:cancel", (app_rect){x, bottom, bw, t}, _("Cancel"), 1);
        app__button(ui, "key:ok", (app_rect){x + 2 * (bw + pad), bottom, bw, t}, _("OK"),
                    a->text[0] != '\0');
        return;
    }
    /* text: common phrases so gloved hands rarely type */
    if (a->npick)
        text_line(ui, x, y, iw, t * 0.7f, _("Common phrases (tap to insert), or type:"), 3.2f,
                  C_DIM),
            y += t * 0.7f;
    int cols = iw > app__mm(ui, 120) ? 2 : 1;
    float cw = (iw - pad * (float)(cols - 1)) / (float)cols, rh = t;
    for (int i = 0; i < a->npick; i++) {
        float cx = x + (float)(i % cols) * (cw + pad), cy = y + (float)(i / cols) * (rh + pad / 2);
        if (cy + rh > bottom - pad)
            break;
        snprintf(id, sizeof id, "phrase:%d", i);
        app__button(ui, id, (app_rect){cx, cy, cw, rh}, a->pick_label[i], 1);
    }
    app__button(ui, "text-cancel", (app_rect){x, bottom, bw, t}, _("Cancel"), 1);
    app__button(ui, "text-clear", (app_rect){x + bw + pad, bottom, bw, t}, _("Clear"),
                a->text[0] != '\0');
    app__button(ui, "text-ok", (app_rect){x + 2 * (bw + pad), bottom, bw, t}, _("OK"),
                a->text[0] != '\0');
}

/* ---- jobs: what the recorder thread records ----------------------------------------------------
 */

static void free_verification(void *p)
{
    sv_verification_clear(p);
    free(p);
}

static int job_verification(sv_journal *j, void *arg, int64_t *seq)
{
    return sv_record_verification(j, arg, seq);
}

static void free_dispute(void *p)
{
    sv_dispute_clear(p);
    free(p);
}

static int job_dispute(sv_journal *j, void *arg, int64_t *seq)
{
    return sv_record_dispute(j, arg, seq);
}

static void free_attendance(void *p)
{
    sv_attendance_clear(p);
    free(p);
}

static int job_attendance(sv_journal *j, void *arg, int64_t *seq)
{
    return sv_record_attendance(j, arg, seq);
}

static void free_signature(void *p)
{
    sv_signature_clear(p);
    free(p);
}

static int job_signature(sv_journal *j, void *arg, int64_t *seq)
{
    return sv_record_signature(j, arg, seq);
}

static void submit_verification(app *a, sv_field f, sv_vstatus st, const char *value,
                                const char *note)
{
    sv_verification *v = calloc(1, sizeof *v);
    if (!v)
        return;
    snprintf(v->unit, sizeof v->unit, "%s", app__unit_code(a));
    v->field = f;
    v->status = st;
    v->value = dupstr(value);
    v->note = dupstr(note);
    char label[160];
    snprintf(label, sizeof label, "%s: %s", field_label(f),
             st == SV_VERIFY_CONFIRMED   ? _("confirmed")
             : st == SV_VERIFY_CORRECTED ? _("corrected")
                                         : _("disputed"));
    app_rec_submit(a->rec, label, job_verification, v, free_verification);
}

static void submit_attendance(app *a, int k, sv_presence pr, const char *person)
{
    sv_attendance *at = calloc(1, sizeof *at);
    if (!at)
        return;
    snprintf(at->unit, sizeof at->unit, "%s", app__unit_code(a));
    at->party = dupstr(a->party[k].name);
    at->person = dupstr(person && person[0] ? person : NULL);
    at->presence = pr;
    if (pr == SV_ABSENT)
        today(at->notice_date);
    char label[300];
    snprintf(label, sizeof label, "%s: %s", a->party[k].name,
             pr == SV_PRESENT ? _("present")
             : pr == SV_PROXY ? _("by proxy")
                              : _("absent, notice served"));
    app_rec_submit(a->rec, label, job_attendance, at, free_attendance);
}

/* ---- Record a boundary point ---------------------------------------------------------------- */

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
    q->offset_m = a->off_m;
    q->offset_bearing = a->off_brg;
    return q;
}

void app__build_record(app *a, app_ui *ui, int64_t now_ms)
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
    text_line(ui, x, y, w, t * 0.7f, buf, 4, C_INK);
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
        text_line(ui, x, y, w, t * 0.7f, buf, 3.8f, C_INK);
    }
}

static const char *const override_reasons[] = {N_("Tree canopy blocks the sky"),
                                               N_("Cliff or steep valley blocks the sky"),
                                               N_("No RTK corrections here (no mobile signal)"),
                                               N_("Multipath near buildings or water"),
                                               N_("Marker under water or unsafe to reach for long"),
                                               N_("Parties agreed the point; time is short")};

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
        return 1;
    }
    if (strcmp(id, "ptype") == 0) {
        open_modal(a, APP_MODAL_PICK, APP_ASK_PTYPE, _("Point type"));
        pick_codes(a, "point-type");
        return 1;
    }
    if (strcmp(id, "marker") == 0) {
        open_modal(a, APP_MODAL_PICK, APP_ASK_MARKER, _("Marker type"));
        pick_codes(a, "marker");
        return 1;
    }
    if (strcmp(id, "offset") == 0) {
        open_modal(a, APP_MODAL_KEYPAD, APP_ASK_OFFSET_DIST,
                   _("Offset: horizontal distance from the pole to the point, metres (0: none)"));
        return 1;
    }
    if (strcmp(id, "override") == 0) {
        open_modal(a, APP_MODAL_PICK, APP_ASK_OVERRIDE,
                   _("Why record below the quality gate? (kept with the point)"));
        for (size_t i = 0; i < sizeof override_reasons / sizeof override_reasons[0]; i++)
            pick_add(a, _(override_reasons[i]), NULL);
        return 1;
    }
    return 0;
}

/* ---- Walk --------------------------------------------------------------------------------------
 */

void app__build_walk(app *a, app_ui *ui, int64_t now_ms)
{
    char title[256];
    snprintf(title, sizeof title, _("Walk · %s"), app__unit_code(a));
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 2), t = app__target(ui);
    float panel_h = t * 3.2f;
    app__draw_map(a, ui, (app_rect){0, top, (float)ui->width, ui->height - top - panel_h}, now_ms);
    app_rect p = {0, ui->height - panel_h, (float)ui->width, panel_h};
    app_ui_fill(ui, p, C_BG);
    app_ui_fill(ui, (app_rect){0, p.y, p.w, 2}, C_INK);
    const app_rec_snap *s = &a->rs;
    int walking = a->rec && s->walking && strcmp(s->walk_unit, app__unit_code(a)) == 0;
    float bw = fminf(ui->width * 0.35f, app__mm(ui, 70));
    app_rect big = {ui->width - bw - pad, p.y + pad, bw, panel_h - 2 * pad};
    if (walking)
        app__big_button(ui, "walk-stop", big, _("Stop walk"), C_BAD, 1);
    else
        app__big_button(ui, "walk-start", big,
                        a->rs.walking ? _("Start walk (ends the other walk)") : _("Start walk"),
                        C_GO, a->rec && a->cur >= 0 && a->gnss_ok);
    float tw = ui->width - bw - 3 * pad;
    char l1[300], l2[300], miss[300];
    if (walking) {
        snprintf(l1, sizeof l1, _("Walking: %d vertices recorded, %d jumps left out"), s->vertices,
                 s->jumps);
        const char *why = NULL;
        switch (s->walk_verdict) {
        case SV_EPOCH_LOW_GRADE:
            snprintf(miss, sizeof miss, _("Needs %s; the receiver has %s"),
                     app__grade_label(s->gate), app__grade_label(a->gnss.fix.grade));
            why = miss;
            break;
        case SV_EPOCH_NO_FIX:
            why = _("Waiting for a fix");
            break;
        case SV_EPOCH_STALE:
            why = _("Fixes arrive late (older than 2 s): check the receiver link");
            break;
        default:
            break;
        }
        if (s->epochs_lost > 0)
            snprintf(l2, sizeof l2,
                     _("Refused epochs: %d · %d epochs lost while the journal was busy"),
                     s->refused, s->epochs_lost);
        else
            snprintf(l2, sizeof l2, _("Refused epochs: %d%s%s"), s->refused, why ? " · " : "",
                     why ? why : "");
    } else if (a->rec && a->rs.walking) {
        snprintf(l1, sizeof l1, _("Unit %s is being walked (%d vertices)"), a->rs.walk_unit,
                 a->rs.vertices);
        snprintf(l2, sizeof l2, "%s", _("Stop that walk there, or start this one to end it"));
    } else {
        size_t walks = 0;
        for (size_t i = 0; i < a->ntrk; i++)
            walks += i == 0 || !isfinite(a->trk_xy[2 * i - 2]);
        snprintf(l1, sizeof l1, _("Not walking · %zu vertices in %zu walks so far"),
                 (a->ntrk ? a->ntrk - (walks - 1) : 0) + a->njump, walks);
        snprintf(l2, sizeof l2, "%s",
                 _("A walk goes on with the screen off; the app resumes it after a restart"));
    }
    text_line(ui, pad, p.y + pad, tw, panel_h / 2 - pad, l1, 4.2f, C_INK);
    text_line(ui, pad, p.y + panel_h / 2, tw, panel_h / 2 - pad, l2, 3.5f,
              walking && s->refused ? C_WARN : C_DIM);
}

static int tap_walk(app *a, const char *id)
{
    if (!a->rec)
        return 0;
    if (strcmp(id, "walk-start") == 0) {
        app_rec_walk_start(a->rec, app__unit_code(a), 0);
        app_rec_get(a->rec, &a->rs);
        a->follow = 1;
        return 1;
    }
    if (strcmp(id, "walk-stop") == 0) {
        app_rec_walk_stop(a->rec);
        app_rec_get(a->rec, &a->rs);
        return 1;
    }
    return 0;
}

/* ---- Verify ownership ----------------------------------------------------------------------- */

static const sv_verification *current_ver(const app *a, sv_field f)
{
    const sv_verification *v = NULL;
    for (size_t i = 0; i < a->nver; i++)
        if (a->ver[i].field == f && (!v || a->ver[i].seq > v->seq))
            v = &a->ver[i];
    return v;
}

void app__build_verify(app *a, app_ui *ui, int64_t now_ms)
{
    char title[256];
    snprintf(title, sizeof title, _("Verify ownership · %s"), app__unit_code(a));
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 2), t = app__target(ui);
    const sv_unit *u = a->cur >= 0 ? &a->units[a->cur].u : NULL;
    int portrait = ui->height > ui->width;
    float rh = portrait ? t * 2.6f : t * 1.55f;
    float avail = ui->height - top - pad - app__mm(ui, 9);
    if (rh * SV_FIELD_COUNT > avail)
        rh = avail / SV_FIELD_COUNT;
    float y = top + pad;
    float bw = t * 2.4f;
    for (int f = 0; f < SV_FIELD_COUNT && u; f++) {
        app_rect row = {pad, y, ui->width - 2 * pad, rh - pad / 2};
        app_ui_fill(ui, row, f % 2 ? 0xf4f6f9ffu : C_BG);
        app_ui_frame(ui, row, 1, C_LINE);
        const sv_verification *v = current_ver(a, (sv_field)f);
        char l1[600], l2[600];
        snprintf(l1, sizeof l1, "%s: %s", field_label((sv_field)f),
                 u->fields[f] && u->fields[f][0] ? u->fields[f] : _("(not registered)"));
        app_color c2 = C_DIM;
        if (!v)
            snprintf(l2, sizeof l2, "%s", _("Not verified yet"));
        else if (v->status == SV_VERIFY_CONFIRMED)
            snprintf(l2, sizeof l2, "%s", _("✓ Confirmed")), c2 = C_OK;
        else if (v->status == SV_VERIFY_CORRECTED)
            snprintf(l2, sizeof l2, _("Corrected to: %s"), v->value ? v->value : ""), c2 = C_WARN;
        else
            snprintf(l2, sizeof l2, _("Disputed: %s"), v->note ? v->note : ""), c2 = C_BAD;
        float tw = portrait ? row.w - 2 * pad : row.w - 3 * (bw + pad) - 2 * pad;
        float th = portrait ? (rh - t) / 2 - pad / 2 : row.h / 2;
        text_line(ui, row.x + pad, row.y, tw, th, l1, 3.8f, C_INK);
        text_line(ui, row.x + pad, row.y + th, tw, th, l2, 3.5f, c2);
        static const char *const st[3] = {"confirmed", "corrected", "disputed"};
        const char *lab[3] = {_("Confirm"), _("Correct…"), _("Dispute…")};
        for (int k = 0; k < 3; k++) {
            char id[64];
            snprintf(id, sizeof id, "verify:%s:%s", sv_field_name((sv_field)f), st[k]);
            app_rect b = portrait ? (app_rect){row.x + pad + (float)k * (bw + pad),
                                               row.y + row.h - t - pad / 2, bw, t}
                                  : (app_rect){row.x + row.w - (float)(3 - k) * (bw + pad),
                                               row.y + (row.h - t) / 2, bw, t};
            app__button(ui, id, b, lab[k], a->rec != NULL);
        }
        y += rh;
    }
}

static const char *const correct_phrases[] = {N_("Owned by the whole people (the State)"),
                                              N_("Collectively owned by the village"),
                                              N_("Collectively owned by the villager group"),
                                              N_("County people's government"),
                                              N_("Township people's government"),
                                              N_("Natural resources bureau"),
                                              N_("Forestry and grassland bureau"),
                                              N_("Water resources bureau"),
                                              N_("Managed directly"),
                                              N_("Managed by contract")};

static const char *const dispute_phrases[] = {
    N_("The neighbour does not accept this boundary line"),
    N_("Another collective claims ownership"),
    N_("The registered extent does not match the ground"),
    N_("The party is absent; to be confirmed"),
    N_("Historical documents disagree"),
    N_("Use rights are contested, ownership is not")};

static int tap_verify(app *a, const char *id)
{
    char fname[32], st[32];
    if (sscanf(id, "verify:%31[^:]:%31s", fname, st) != 2)
        return 0;
    sv_field f;
    sv_vstatus vs;
    if (sv_field_parse(fname, &f) != SV_OK || sv_vstatus_parse(st, &vs) != SV_OK || !a->rec ||
        a->cur < 0)
        return 0;
    if (vs == SV_VERIFY_CONFIRMED) {
        submit_verification(a, f, vs, NULL, NULL);
        return 1;
    }
    char title[300];
    const sv_unit *u = &a->units[a->cur].u;
    if (vs == SV_VERIFY_CORRECTED) {
        snprintf(title, sizeof title, _("%s: the correct value"), field_label(f));
        open_modal(a, APP_MODAL_TEXT, APP_ASK_CORRECTED, title);
        for (size_t i = 0; i < sizeof correct_phrases / sizeof correct_phrases[0]; i++)
            pick_add(a, _(correct_phrases[i]), NULL);
        /* values registered in other fields are often the right one for this field */
        for (int k = 0; k < SV_FIELD_COUNT; k++)
            if (u->fields[k] && u->fields[k][0])
                pick_add(a, u->fields[k], NULL);
    } else {
        snprintf(title, sizeof title, _("%s: the dispute, in the parties' words"), field_label(f));
        open_modal(a, APP_MODAL_TEXT, APP_ASK_DISPUTED, title);
        for (size_t i = 0; i < sizeof dispute_phrases / sizeof dispute_phrases[0]; i++)
            pick_add(a, _(dispute_phrases[i]), NULL);
    }
    a->ask_field = (int)f;
    return 1;
}

/* ---- Point out and sign -----------------------------------------------------------------------
 */

static int party_index(app *a, const char *name)
{
    for (int i = 0; i < a->nparty; i++)
        if (strcmp(a->party[i].name, name) == 0)
            return i;
    if (a->nparty >= APP_PARTY_MAX || !name || !name[0])
        return -1;
    app_party *p = &a->party[a->nparty];
    memset(p, 0, sizeof *p);
    copy(p->name, sizeof p->name, name);
    return a->nparty++;
}

void app__load_parties(app *a)
{
    /* keep the names added on the tablet that have nothing recorded yet */
    app_party keep[APP_PARTY_MAX];
    int nkeep = a->nparty;
    memcpy(keep, a->party, sizeof keep);
    a->nparty = 0;
    if (a->cur < 0)
        return;
    const sv_unit *u = &a->units[a->cur].u;
    const char *own = u->fields[SV_FIELD_REPRESENTATIVE] && u->fields[SV_FIELD_REPRESENTATIVE][0]
                          ? u->fields[SV_FIELD_REPRESENTATIVE]
                          : u->fields[SV_FIELD_OWNER];
    if (own && own[0])
        party_index(a, own);
    sv_bline *l = NULL;
    size_t n = 0;
    if (sv_state_lines(a->j, u->code, &l, &n) == SV_OK)
        for (size_t i = 0; i < n; i++)
            if (l[i].neighbour && l[i].neighbour[0])
                party_index(a, l[i].neighbour);
    sv_blines_free(l, n);
    sv_attendance *at = NULL;
    if (sv_state_attendance(a->j, u->code, &at, &n) == SV_OK)
        for (size_t i = 0; i < n; i++) {
            int k = party_index(a, at[i].party);
            if (k < 0)
                continue;
            a->party[k].has_att = 1;
            a->party[k].presence = at[i].presence;
            snprintf(a->party[k].person, sizeof a->party[k].person, "%s",
                     at[i].person ? at[i].person : "");
            snprintf(a->party[k].notice_date, sizeof a->party[k].notice_date, "%s",
                     at[i].notice_date);
        }
    sv_attendances_free(at, n);
    sv_signature *sg = NULL;
    if (sv_state_signatures(a->j, u->code, &sg, &n) == SV_OK)
        for (size_t i = 0; i < n; i++) {
            int k = party_index(a, sg[i].party);
            if (k < 0)
                continue;
            a->party[k].signatures++;
            a->party[k].current += sg[i].current != 0;
            snprintf(a->party[k].signer, sizeof a->party[k].signer, "%s",
                     sg[i].signer ? sg[i].signer : "");
        }
    sv_signatures_free(sg, n);
    for (int i = 0; i < nkeep; i++)
        party_index(a, keep[i].name);
}

void app__build_sign(app *a, app_ui *ui, int64_t now_ms)
{
    char title[256], buf[600];
    snprintf(title, sizeof title, _("Point out & sign · %s"), app__unit_code(a));
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 2), t = app__target(ui);
    float y = top + pad;
    app__button(ui, "party-add", (app_rect){pad, y, t * 4, t}, _("Add party…"), a->rec != NULL);
    snprintf(buf, sizeof buf, _("%zu boundary points recorded"), a->npts);
    text_line(ui, pad * 2 + t * 4, y, ui->width - t * 4 - 3 * pad, t, buf, 3.6f, C_DIM);
    y += t + pad;
    if (a->nparty == 0)
        text_line(ui, pad, y, ui->width - 2 * pad, t,
                  _("No parties yet: add the neighbouring owners who point out the boundary"), 3.8f,
                  C_DIM);
    char date[11];
    today(date);
    int portrait = ui->height > ui->width;
    float bw = t * 2.2f;
    if (portrait && 4 * bw + 6 * pad > ui->width)
        bw = (ui->width - 6 * pad) / 4;
    float rh = portrait ? t * 2.7f : t * 1.6f;
    float y0 = y, y1 = ui->height - app__mm(ui, 10);
    int first = list_first(a, y0, y1, rh, a->nparty), shown = 0;
    for (int i = first; i < a->nparty && y + rh <= y1; i++, shown++) {
        const app_party *p = &a->party[i];
        app_rect row = {pad, y, ui->width - 2 * pad, rh - pad / 2};
        app_ui_fill(ui, row, i % 2 ? 0xf4f6f9ffu : C_BG);
        app_ui_frame(ui, row, 1, C_LINE);
        char l2[400];
        app_color c2 = C_DIM;
        if (!p->has_att) {
            snprintf(l2, sizeof l2, "%s", _("Attendance not recorded"));
        } else if (p->presence == SV_ABSENT) {
            char end[11];
            sv_objection_end(p->notice_date, end); /* the library's rule: the summary's too */
            int left = days_between(date, end);
            if (left > 0)
                snprintf(l2, sizeof l2,
                         _("Absent · notice %s · objections until %s (%d days left)"),
                         p->notice_date, end, left),
                    c2 = C_WARN;
            else if (left == 0)
                snprintf(l2, sizeof l2, _("Absent · notice %s · objections until %s (last day)"),
                         p->notice_date, end),
                    c2 = C_WARN;
            else
                snprintf(l2, sizeof l2, _("Absent · notice %s · objection period ended %s"),
                         p->notice_date, end);
        } else {
            const char *sig = p->current ? _("signed, covers the current boundary")
                              : p->signatures
                                  ? _("signature NO LONGER covers the current boundary: sign again")
                                  : _("not signed yet");
            snprintf(l2, sizeof l2, "%s%s%s · %s",
                     p->presence == SV_PRESENT ? _("Present") : _("By proxy"),
                     p->person[0] ? " · " : "", p->person, sig);
            c2 = p->current ? C_OK : C_BAD;
        }
        float tw = portrait ? row.w - 2 * pad : row.w - 4 * (bw + pad) - 2 * pad;
        float th = portrait ? (rh - t) / 2 - pad / 2 : row.h / 2;
        text_line(ui, row.x + pad, row.y, tw, th, p->name, 4, C_INK);
        text_line(ui, row.x + pad, row.y + th, tw, th, l2, 3.3f, c2);
        static const char *const ids[4] = {"present", "proxy", "absent", "sign"};
        const char *lab[4] = {_("Present"), _("Proxy…"), _("Absent"), _("Sign…")};
        for (int k = 0; k < 4; k++) {
            char id[64];
            snprintf(id, sizeof id, "party:%d:%s", i, ids[k]);
            int en = a->rec != NULL;
            if (k == 3)
                en = en && p->has_att && p->presence != SV_ABSENT && a->npts > 0;
            app_rect b = portrait ? (app_rect){row.x + pad + (float)k * (bw + pad),
                                               row.y + row.h - t - pad / 2, bw, t}
                                  : (app_rect){row.x + row.w - (float)(4 - k) * (bw + pad),
                                               row.y + (row.h - t) / 2, bw, t};
            app__button(ui, id, b, lab[k], en);
        }
        y += rh;
    }
    list_hints(ui, pad, y0, y1, ui->width - 2 * pad, first, shown, a->nparty);
}

static void open_pad(app *a, int k)
{
    copy(a->pad_name, sizeof a->pad_name, a->party[k].name);
    a->nstrokes = 0;
    a->stroke_open = 0;
    a->signer[0] = '\0';
    snprintf(a->signer, sizeof a->signer, "%s", a->party[k].person);
    a->role[0] = '\0';
    /* what is shown is what is signed: the digest of the boundary now, and its points */
    if (sv_state_boundary_digest(a->j, app__unit_code(a), a->pad_covers) != SV_OK) {
        snprintf(a->status, sizeof a->status, "%s: %s", _("Cannot sign"), sv_journal_errmsg(a->j));
        return;
    }
    a->pad_points[0] = '\0';
    for (size_t i = 0; i < a->npts; i++) {
        size_t l = strlen(a->pad_points);
        if (l + SV_NUMBER_MAX + 8 >= sizeof a->pad_points) {
            snprintf(a->pad_points + l, sizeof a->pad_points - l, "%s", " …");
            break;
        }
        snprintf(a->pad_points + l, sizeof a->pad_points - l, "%s%s", l ? " " : "",
                 a->pts[i].number);
    }
    app__go(a, APP_SCR_PAD);
}

static int tap_sign(app *a, const char *id)
{
    if (strcmp(id, "party-add") == 0) {
        open_modal(a, APP_MODAL_TEXT, APP_ASK_PARTY_ADD,
                   _("Neighbouring party (owner or unit name)"));
        for (int i = 0; i < a->nparty; i++)
            pick_add(a, a->party[i].name, NULL);
        return 1;
    }
    int k;
    char what[16];
    if (sscanf(id, "party:%d:%15s", &k, what) != 2 || k < 0 || k >= a->nparty || !a->rec)
        return 0;
    if (strcmp(what, "present") == 0)
        submit_attendance(a, k, SV_PRESENT, a->party[k].person);
    else if (strcmp(what, "absent") == 0)
        submit_attendance(a, k, SV_ABSENT, NULL);
    else if (strcmp(what, "proxy") == 0) {
        char title[300];
        snprintf(title, sizeof title, _("%s: name of the proxy (with written authorisation)"),
                 a->party[k].name);
        open_modal(a, APP_MODAL_TEXT, APP_ASK_PROXY_PERSON, title);
        a->ask_field = k;
    } else if (strcmp(what, "sign") == 0)
        open_pad(a, k);
    else
        return 0;
    return 1;
}

void app__build_pad(app *a, app_ui *ui, int64_t now_ms)
{
    char title[300], buf[600];
    snprintf(title, sizeof title, _("Signature · %s"), a->pad_name);
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 2), t = app__target(ui);
    float y = top + pad, w = ui->width - 2 * pad;
    char hex[17];
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", a->pad_covers[i]);
    snprintf(buf, sizeof buf,
             _("Signing the boundary points %s and their lines as shown (digest %s…)"),
             a->pad_points, hex);
    text_line(ui, pad, y, w, t * 0.8f, buf, 3.4f, C_INK);
    y += t * 0.8f + pad / 2;
    float bw = (w - pad) / 2;
    snprintf(buf, sizeof buf, _("Signer: %s"), a->signer[0] ? a->signer : _("(tap to enter)"));
    app__button(ui, "signer", (app_rect){pad, y, bw, t}, buf, 1);
    snprintf(buf, sizeof buf, _("Role: %s"), a->role[0] ? a->role : _("(tap to choose)"));
    app__button(ui, "role", (app_rect){pad * 2 + bw, y, bw, t}, buf, 1);
    y += t + pad;
    float ph = ui->height - y - t - 2 * pad - app__mm(ui, 9);
    a->pad_rect = (app_rect){pad, y, w, ph};
    app_ui_fill(ui, a->pad_rect, 0xfffdf5ffu);
    app_ui_frame(ui, a->pad_rect, 3, C_INK);
    app_ui_fill(ui, (app_rect){pad + app__mm(ui, 10), y + ph * 0.75f, w - app__mm(ui, 20), 2},
                C_LINE);
    app_ui_text(ui,
                (app_rect){pad + app__mm(ui, 3), y + ph * 0.75f - app__mm(ui, 10), app__mm(ui, 10),
                           app__mm(ui, 10)},
                "×", app__text_px(ui, 6), APP_ALIGN_LEFT, C_DIM);
    app_ui_widget(ui, "pad", a->pad_rect, 1);
    /* the strokes so far */
    size_t s = 0;
    while (s < a->nstrokes) {
        size_t e = s;
        while (e < a->nstrokes && a->strokes[2 * e] >= 0)
            e++;
        if (e - s >= 2) {
            float *pt = app_ui_lines(ui, e - s, 3, C_INK);
            for (size_t i = s; pt && i < e; i++) {
                pt[2 * (i - s)] =
                    a->pad_rect.x + a->pad_rect.w * (float)a->strokes[2 * i] / SV_SIG_PAD;
                pt[2 * (i - s) + 1] =
                    a->pad_rect.y + a->pad_rect.h * (float)a->strokes[2 * i + 1] / SV_SIG_PAD;
            }
        }
        s = e + 1;
    }
    y += ph + pad;
    int strokes = 0;
    for (size_t i = 0; i < a->nstrokes; i++)
        strokes += a->strokes[2 * i] < 0;
    if (a->nstrokes >= SV_SIG_MAX_POINTS)
        text_line(ui, pad + app__mm(ui, 2), y - pad - app__mm(ui, 7), w, app__mm(ui, 6),
                  _("The pad is full: save the signature or clear it"), 3.5f, C_WARN);
    app__button(ui, "pad-clear", (app_rect){pad, y, bw, t}, _("Clear"), a->nstrokes > 0);
    app__button(ui, "pad-save", (app_rect){pad * 2 + bw, y, bw, t}, _("Save signature"),
                a->rec && a->signer[0] && a->role[0] && strokes > 0 && !a->stroke_open);
}

static int stroke_push(app *a, float x, float y)
{
    if (a->nstrokes + 1 >= a->capstrokes) {
        size_t nc = a->capstrokes ? 2 * a->capstrokes : 512;
        int32_t *n = realloc(a->strokes, nc * 2 * sizeof *n);
        if (!n)
            return 0;
        a->strokes = n;
        a->capstrokes = nc;
    }
    int32_t px = -1, py = -1;
    /* the journal takes at most SV_SIG_MAX_POINTS points a signature: the pad stops there
     * (and says so) rather than let a long signature be refused after the signer has gone */
    if (x >= 0 && a->nstrokes >= SV_SIG_MAX_POINTS)
        return 0;
    if (x >= 0) {
        const app_rect *r = &a->pad_rect;
        double fx = (x - r->x) / r->w, fy = (y - r->y) / r->h;
        px = (int32_t)lround(fmin(fmax(fx, 0), 1) * SV_SIG_PAD);
        py = (int32_t)lround(fmin(fmax(fy, 0), 1) * SV_SIG_PAD);
        /* a finger resting still adds nothing */
        if (a->stroke_open && a->nstrokes && a->strokes[2 * a->nstrokes - 2] == px &&
            a->strokes[2 * a->nstrokes - 1] == py)
            return 1;
    }
    a->strokes[2 * a->nstrokes] = px;
    a->strokes[2 * a->nstrokes + 1] = py;
    a->nstrokes++;
    return 1;
}

int app__pad_drag(app *a, const app_gesture *g)
{
    if (g->type == APP_G_DRAG_END) {
        if (!a->stroke_open)
            return 0;
        a->stroke_open = 0;
        /* a stroke of one point is a tap: drop it */
        if (a->nstrokes && (a->nstrokes < 2 || a->strokes[2 * a->nstrokes - 4] < 0))
            a->nstrokes--;
        else
            stroke_push(a, -1, -1);
        return 1;
    }
    if (!a->stroke_open) {
        float x0 = g->x - g->dx, y0 = g->y - g->dy;
        if (!app_rect_has(a->pad_rect, x0, y0))
            return 0;
        a->stroke_open = 1;
        stroke_push(a, x0, y0);
    }
    stroke_push(a, g->x, g->y);
    return 1;
}

static const char *const roles[] = {
    N_("Legal representative"), N_("Owner in person"),       N_("Proxy with written authorisation"),
    N_("Village cadre"),        N_("Villager group leader"), N_("Witness")};

static int tap_pad(app *a, const char *id)
{
    if (strcmp(id, "signer") == 0) {
        open_modal(a, APP_MODAL_TEXT, APP_ASK_SIGNER, _("Name of the person signing"));
        for (int i = 0; i < a->nparty; i++)
            if (strcmp(a->party[i].name, a->pad_name) == 0 && a->party[i].person[0])
                pick_add(a, a->party[i].person, NULL);
        snprintf(a->text, sizeof a->text, "%s", a->signer);
        return 1;
    }
    if (strcmp(id, "role") == 0) {
        open_modal(a, APP_MODAL_PICK, APP_ASK_ROLE, _("Role of the person signing"));
        for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
            pick_add(a, _(roles[i]), NULL);
        return 1;
    }
    if (strcmp(id, "pad-clear") == 0) {
        a->nstrokes = 0;
        a->stroke_open = 0;
        return 1;
    }
    if (strcmp(id, "pad-save") == 0 && a->rec && a->pad_name[0]) {
        /* what is signed must be what was shown: a point recorded meanwhile (an average
         * finishing in the background) changes the boundary under the signer's hand */
        uint8_t now[32];
        if (sv_state_boundary_digest(a->j, app__unit_code(a), now) != SV_OK ||
            memcmp(now, a->pad_covers, sizeof now) != 0) {
            snprintf(
                a->status, sizeof a->status, "%s",
                _("The boundary changed while the pad was open: go back and open the pad again"));
            return 1;
        }
        sv_signature *s = calloc(1, sizeof *s);
        if (!s)
            return 0;
        snprintf(s->unit, sizeof s->unit, "%s", app__unit_code(a));
        s->party = dupstr(a->pad_name);
        s->signer = dupstr(a->signer);
        s->role = dupstr(a->role);
        s->xy = malloc((a->nstrokes ? a->nstrokes : 1) * 2 * sizeof *s->xy);
        if (!s->party || !s->signer || !s->role || !s->xy) {
            free_signature(s);
            return 0;
        }
        memcpy(s->xy, a->strokes, a->nstrokes * 2 * sizeof *s->xy);
        s->n_xy = a->nstrokes;
        memcpy(s->covers, a->pad_covers, sizeof s->covers);
        char label[300];
        snprintf(label, sizeof label, _("Signature of %s for %s"), a->signer, a->pad_name);
        app_rec_submit(a->rec, label, job_signature, s, free_signature);
        a->nstrokes = 0;
        app_go_back(a);
        return 1;
    }
    return 0;
}

/* ---- Dispute ----------------------------------------------------------------------------------
 */

void app__build_dispute(app *a, app_ui *ui, int64_t now_ms)
{
    char title[256], buf[800];
    snprintf(title, sizeof title, _("Dispute · %s"), app__unit_code(a));
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 2), t = app__target(ui);
    float y = top + pad, w = ui->width - 2 * pad;
    snprintf(buf, sizeof buf, _("Parties: %s"),
             a->dsp_parties[0] ? a->dsp_parties : _("(tap to enter)"));
    app__button(ui, "dsp-parties", (app_rect){pad, y, w, t}, buf, 1);
    y += t + pad / 2;
    snprintf(buf, sizeof buf, _("Statement: %s"),
             a->dsp_statement[0] ? a->dsp_statement : _("(tap to enter)"));
    app__button(ui, "dsp-statement", (app_rect){pad, y, w, t * 1.3f}, buf, 1);
    y += t * 1.3f + pad / 2;
    float hw = (w - pad) / 2;
    snprintf(buf, sizeof buf, _("From point: %s"), a->dsp_from[0] ? a->dsp_from : "—");
    app__button(ui, "dsp-from", (app_rect){pad, y, hw, t}, buf, a->npts > 0);
    snprintf(buf, sizeof buf, _("To point: %s"), a->dsp_to[0] ? a->dsp_to : "—");
    app__button(ui, "dsp-to", (app_rect){2 * pad + hw, y, hw, t}, buf, a->npts > 0);
    y += t + pad;
    app__big_button(ui, "dsp-save", (app_rect){pad, y, w, t * 1.4f}, _("Record dispute"), C_BAD,
                    a->rec && a->dsp_parties[0] && a->dsp_statement[0] &&
                        !a->dsp_from[0] == !a->dsp_to[0]);
    y += t * 1.4f + pad;
    snprintf(buf, sizeof buf, _("Disputes of this unit: %zu"), a->ndsp);
    text_line(ui, pad, y, w, t * 0.7f, buf, 3.8f, C_INK);
    y += t * 0.7f;
    for (size_t i = a->ndsp; i-- > 0 && y + t * 0.7f < ui->height - app__mm(ui, 9);) {
        const sv_dispute *d = &a->dsp[i];
        char stretch[64] = "";
        if (d->from[0])
            snprintf(stretch, sizeof stretch, " · %s–%s", d->from, d->to);
        snprintf(buf, sizeof buf, "%s · %s%s · %s", d->settled ? _("settled") : _("open"),
                 d->parties ? d->parties : "", stretch, d->statement ? d->statement : "");
        text_line(ui, pad, y, w, t * 0.7f, buf, 3.4f, d->settled ? C_DIM : C_BAD);
        y += t * 0.7f;
    }
}

static void pick_points(app *a)
{
    for (size_t i = 0; i < a->npts; i++)
        pick_add(a, a->pts[i].number, NULL);
}

static int tap_dispute(app *a, const char *id)
{
    if (strcmp(id, "dsp-parties") == 0) {
        open_modal(a, APP_MODAL_TEXT, APP_ASK_DSP_PARTIES, _("Parties to the dispute"));
        app__load_parties(a);
        for (int i = 0; i < a->nparty; i++)
            pick_add(a, a->party[i].name, NULL);
        snprintf(a->text, sizeof a->text, "%s", a->dsp_parties);
        return 1;
    }
    if (strcmp(id, "dsp-statement") == 0) {
        open_modal(a, APP_MODAL_TEXT, APP_ASK_DSP_STATEMENT,
                   _("What is disputed, in the parties' words"));
        for (size_t i = 0; i < sizeof dispute_phrases / sizeof dispute_phrases[0]; i++)
            pick_add(a, _(dispute_phrases[i]), NULL);
        snprintf(a->text, sizeof a->text, "%s", a->dsp_statement);
        return 1;
    }
    if (strcmp(id, "dsp-from") == 0 || strcmp(id, "dsp-to") == 0) {
        int from = strcmp(id, "dsp-from") == 0;
        open_modal(a, APP_MODAL_PICK, from ? APP_ASK_DSP_FROM : APP_ASK_DSP_TO,
                   from ? _("Disputed stretch starts at point")
                        : _("Disputed stretch ends at point"));
        pick_points(a);
        return 1;
    }
    if (strcmp(id, "dsp-save") == 0 && a->rec) {
        sv_dispute *d = calloc(1, sizeof *d);
        if (!d)
            return 0;
        snprintf(d->unit, sizeof d->unit, "%s", app__unit_code(a));
        d->parties = dupstr(a->dsp_parties);
        d->statement = dupstr(a->dsp_statement);
        snprintf(d->from, sizeof d->from, "%s", a->dsp_from);
        snprintf(d->to, sizeof d->to, "%s", a->dsp_to);
        char label[300];
        snprintf(label, sizeof label, _("Dispute with %s"), a->dsp_parties);
        app_rec_submit(a->rec, label, job_dispute, d, free_dispute);
        a->dsp_parties[0] = a->dsp_statement[0] = a->dsp_from[0] = a->dsp_to[0] = '\0';
        return 1;
    }
    return 0;
}

/* ---- Day end ----------------------------------------------------------------------------------
 */

static void compute_day(app *a)
{
    free(a->day);
    a->day = calloc(a->nunits ? a->nunits : 1, sizeof *a->day);
    if (!a->day)
        return;
    int64_t acked = a->sync ? a->ss.acked_seq : 0;
    for (size_t u = 0; u < a->nunits; u++) {
        const sv_unit *un = &a->units[u].u;
        app_dayend_row *r = &a->day[u];
        /* Every figure from the one unit summary (survey/summary.h), as `quejie area` and the
         * exports have them: the walk closure is over all the unit's walks. A figure it
         * cannot compute stays NaN and is not shown. */
        sv_unit_summary sm;
        sv_unit_summarize(a->j, a->geo, un->code, &sm);
        r->points = (int)sm.points;
        r->vertices = (int)sm.vertices;
        r->disputes_open = sm.progress.disputes_open;
        r->signatures_missing = sm.progress.signatures_missing;
        r->fields_verified = sm.progress.fields_verified;
        r->area_m2 = sm.points >= 3 ? sm.surveyed.ellipsoidal_m2 : NAN;
        r->closing_m = sm.points >= 3 ? sm.surveyed.closing_m : NAN;
        r->draft_m2 = sm.has_draft ? sm.draft.ellipsoidal_m2 : NAN;
        r->diff_pct = sm.difference_pct;
        r->walk_gap_m = sm.walk_closure_m;
        sv_bpoint *pts = NULL;
        sv_track tk;
        size_t np = 0;
        sv_state_points(a->j, un->code, &pts, &np);
        if (sv_state_track(a->j, un->code, &tk) != SV_OK)
            memset(&tk, 0, sizeof tk);
        size_t nv = tk.n;
        /* this unit's records the office has not acknowledged yet */
        for (size_t i = 0; i < np; i++)
            r->unacked += pts[i].seq > acked;
        for (size_t i = 0; i < nv; i++)
            r->unacked += tk.seq[i] > acked;
        sv_bpoints_free(pts, np);
        sv_track_clear(&tk);
        sv_verification *v = NULL;
        size_t n = 0;
        if (sv_state_verifications(a->j, un->code, &v, &n) == SV_OK)
            for (size_t i = 0; i < n; i++)
                r->unacked += v[i].seq > acked;
        sv_verifications_free(v, n);
        sv_dispute *d = NULL;
        if (sv_state_disputes(a->j, un->code, &d, &n) == SV_OK)
            for (size_t i = 0; i < n; i++)
                r->unacked += d[i].seq > acked;
        sv_disputes_free(d, n);
        sv_attendance *at = NULL;
        if (sv_state_attendance(a->j, un->code, &at, &n) == SV_OK)
            for (size_t i = 0; i < n; i++)
                r->unacked += at[i].seq > acked;
        sv_attendances_free(at, n);
        sv_signature *sg = NULL;
        if (sv_state_signatures(a->j, un->code, &sg, &n) == SV_OK)
            for (size_t i = 0; i < n; i++)
                r->unacked += sg[i].seq > acked;
        sv_signatures_free(sg, n);
    }
}

/* The first writable directory mounted under /media or /run/media (a USB stick), read each
 * time Day end is drawn, so a stick plugged in late is found. The kernel writes a space in a
 * mount point as \040. */
static void find_usb(char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/self/mounts", "r");
    if (!f)
        return;
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        char *dir = strchr(line, ' ');
        if (!dir)
            continue;
        dir++;
        char *end = strchr(dir, ' ');
        if (!end)
            continue;
        *end = '\0';
        char path[1024];
        size_t k = 0;
        for (const char *q = dir; *q && k + 1 < sizeof path; q++) {
            if (q[0] == '\\' && q[1] >= '0' && q[1] <= '3' && q[2] >= '0' && q[2] <= '7' &&
                q[3] >= '0' && q[3] <= '7') {
                path[k++] = (char)((q[1] - '0') * 64 + (q[2] - '0') * 8 + (q[3] - '0'));
                q += 3;
            } else {
                path[k++] = *q;
            }
        }
        path[k] = '\0';
        if ((strncmp(path, "/media/", 7) == 0 || strncmp(path, "/run/media/", 11) == 0) &&
            access(path, W_OK) == 0) {
            snprintf(out, n, "%s", path);
            break;
        }
    }
    fclose(f);
}

static const char *bundle_state_label(const char *st)
{
    if (strcmp(st, "queued") == 0)
        return _("will send when connected");
    if (strcmp(st, "sending") == 0)
        return _("sending");
    if (strcmp(st, "acknowledged") == 0)
        return _("acknowledged by the office");
    if (strcmp(st, "refused") == 0)
        return _("REFUSED by the office");
    if (strcmp(st, "written") == 0)
        return _("written to USB");
    return st;
}

void app__build_dayend(app *a, app_ui *ui, int64_t now_ms)
{
    float top = app__top_bar(a, ui, _("Day end"), now_ms), pad = app__mm(ui, 2),
          t = app__target(ui);
    if (!a->usb_fixed)
        find_usb(a->usb_dir, sizeof a->usb_dir);
    uint64_t key = (a->journal_gen * 1000003u + (uint64_t)a->ss.acked_seq) * 1009u + a->nunits;
    if (!a->day || a->day_gen != key) {
        compute_day(a);
        a->day_gen = key;
    }
    float y = top + pad, w = ui->width - 2 * pad;
    char buf[700];
    /* units */
    float rh = t * 1.5f;
    float actions_h = t * 1.3f + pad + t * 0.7f * 5;
    float dy0 = y, dy1 = ui->height - actions_h - pad;
    int dfirst = list_first(a, dy0, dy1, rh, (int)a->nunits), dshown = 0;
    for (size_t u = (size_t)dfirst; a->day && u < a->nunits && y + rh <= dy1; u++, dshown++) {
        const app_dayend_row *r = &a->day[u];
        app_rect row = {pad, y, w, rh - pad / 2};
        app_ui_fill(ui, row, u % 2 ? 0xf4f6f9ffu : C_BG);
        app_ui_frame(ui, row, 1, C_LINE);
        char area[200] = "", gap[100] = "";
        if (isfinite(r->area_m2))
            snprintf(area, sizeof area, _(" · area %.2f ha"), r->area_m2 / 1e4);
        if (isfinite(r->diff_pct))
            snprintf(area + strlen(area), sizeof area - strlen(area),
                     _(" (draft %.2f ha, %+.1f %%)"), r->draft_m2 / 1e4, r->diff_pct);
        if (isfinite(r->walk_gap_m))
            snprintf(gap, sizeof gap, _(" · walk closure %.1f m"), r->walk_gap_m);
        snprintf(buf, sizeof buf, _("%s · %d points%s%s"), a->units[u].u.code, r->points, area,
                 gap);
        text_line(ui, row.x + pad, row.y, row.w - 2 * pad, row.h / 2, buf, 3.8f, C_INK);
        int bad = r->signatures_missing > 0 || r->disputes_open > 0 || r->unacked > 0;
        snprintf(buf, sizeof buf,
                 _("verified %d/%d · signatures missing %d · disputes open %d · not yet at the "
                   "office %lld"),
                 r->fields_verified, (int)SV_FIELD_COUNT, r->signatures_missing, r->disputes_open,
                 (long long)r->unacked);
        text_line(ui, row.x + pad, row.y + row.h / 2, row.w - 2 * pad, row.h / 2, buf, 3.4f,
                  bad ? C_WARN : C_OK);
        y += rh;
    }
    list_hints(ui, pad, dy0, dy1, w, dfirst, dshown, (int)a->nunits);
    /* sync */
    y = ui->height - actions_h;
    app_ui_fill(ui, (app_rect){0, y - pad / 2, (float)ui->width, 2}, C_INK);
    float bw = (w - pad) / 2;
    int can = a->sync && !a->ss.busy;
    app__big_button(ui, "sync", (app_rect){pad, y, bw, t * 1.3f},
                    a->ss.busy ? _("Sending…") : _("Send to the office"), C_GO,
                    can && a->ss.enrolled);
    app__button(ui, "usb", (app_rect){2 * pad + bw, y, bw, t * 1.3f},
                a->usb_dir[0] ? _("Write to USB stick") : _("Write to USB stick (none found)"),
                can && a->ss.enrolled && a->usb_dir[0]);
    y += t * 1.3f + pad / 2;
    float lh = t * 0.7f;
    if (!a->sync)
        snprintf(buf, sizeof buf, "%s", _("Sync is not available (read-only journal)"));
    else if (!a->ss.enrolled)
        snprintf(buf, sizeof buf, "%s",
                 _("Not enrolled with a county office: enroll with `quejie enroll` first"));
    else
        snprintf(buf, sizeof buf, _("Office %s · %lld of %lld entries acknowledged"), a->ss.office,
                 (long long)a->ss.acked_seq, (long long)a->ss.last_seq);
    text_line(ui, pad, y, w, lh, buf, 3.5f, C_INK);
    y += lh;
    const char *out = NULL;
    app_color oc = C_DIM;
    switch (a->ss.outcome) {
    case APP_SYNC_NONE:
        break;
    case APP_SYNC_DONE:
        out = _("Everything is at the office"), oc = C_OK;
        break;
    case APP_SYNC_OFFLINE:
        out = _("No connection: will send when connected (trying again on its own)"), oc = C_WARN;
        break;
    case APP_SYNC_REFUSED:
        out = _("The office refused a bundle:"), oc = C_BAD;
        break;
    case APP_SYNC_NOT_ENROLLED:
        out = _("Not enrolled with a county office"), oc = C_BAD;
        break;
    case APP_SYNC_FAILED:
        out = _("Sync failed:"), oc = C_BAD;
        break;
    case APP_SYNC_WRITTEN:
        out = _("Written to the USB stick:"), oc = C_OK;
        break;
    case APP_SYNC_NOTHING:
        out = _("Nothing to write: the office has every entry"), oc = C_OK;
        break;
    }
    if (a->ss.busy)
        snprintf(buf, sizeof buf, "%s", a->ss.line);
    else if (out)
        snprintf(buf, sizeof buf, "%s %s", out,
                 a->ss.outcome == APP_SYNC_DONE || a->ss.outcome == APP_SYNC_OFFLINE ||
                         a->ss.outcome == APP_SYNC_NOTHING
                     ? ""
                     : a->ss.message);
    else
        buf[0] = '\0';
    text_line(ui, pad, y, w, lh, buf, 3.5f, a->ss.busy ? C_DIM : oc);
    y += lh;
    for (int i = 0; i < a->ss.nrows && i < 3; i++) {
        const sy_bundle_row *b = &a->ss.rows[i];
        snprintf(buf, sizeof buf, _("Bundle %lld · entries %lld–%lld · %s%s%s"), (long long)b->id,
                 (long long)b->first_seq, (long long)b->last_seq, bundle_state_label(b->state),
                 b->reason[0] && strcmp(b->state, "acknowledged") != 0 ? ": " : "",
                 strcmp(b->state, "acknowledged") != 0 ? b->reason : "");
        text_line(ui, pad, y, w, lh, buf, 3.2f, strcmp(b->state, "refused") == 0 ? C_BAD : C_DIM);
        y += lh;
    }
}

static int tap_dayend(app *a, const char *id)
{
    if (strcmp(id, "sync") == 0 && a->sync) {
        app_sync_now(a->sync);
        app_sync_get(a->sync, &a->ss);
        return 1;
    }
    if (strcmp(id, "usb") == 0 && a->sync && a->usb_dir[0]) {
        app_sync_usb(a->sync, a->usb_dir);
        app_sync_get(a->sync, &a->ss);
        return 1;
    }
    return 0;
}

/* ---- answers from the modal layer ------------------------------------------------------------ */

static int parse_number(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* The crew's answer to the open modal. Returns 1 (the screen changed). */
static int answer(app *a, const char *value)
{
    app_ask ask = a->ask;
    int k = a->ask_field;
    char v[APP_TEXT_MAX];
    snprintf(v, sizeof v, "%s", value);
    app__close_modal(a);
    a->status[0] = '\0';
    double d;
    app_rec_point_req q;
    switch (ask) {
    case APP_ASK_NONE:
        break;
    case APP_ASK_MARKER:
        copy(a->marker, sizeof a->marker, v);
        break;
    case APP_ASK_PTYPE:
        copy(a->ptype, sizeof a->ptype, v);
        break;
    case APP_ASK_OVERRIDE:
        copy(a->override_reason, sizeof a->override_reason, v);
        if (a->rec) {
            app_rec_point(a->rec, point_req(a, &q));
            app_rec_get(a->rec, &a->rs);
        }
        break;
    case APP_ASK_OFFSET_DIST:
        if (parse_number(v, 0, 1000, &d) != 0) {
            snprintf(a->status, sizeof a->status, "%s",
                     _("Offset distance: a number of metres from 0 to 1000"));
        } else if (d == 0) {
            a->off_m = a->off_brg = NAN;
        } else {
            a->off_m = d;
            open_modal(a, APP_MODAL_KEYPAD, APP_ASK_OFFSET_BRG,
                       _("Offset: bearing from the pole to the point, degrees from north (0–360)"));
        }
        break;
    case APP_ASK_OFFSET_BRG:
        if (parse_number(v, 0, 360, &d) != 0) {
            a->off_m = a->off_brg = NAN;
            snprintf(a->status, sizeof a->status, "%s",
                     _("Offset bearing: degrees from 0 to 360; no offset set"));
        } else {
            a->off_brg = d;
        }
        break;
    case APP_ASK_CORRECTED:
        submit_verification(a, (sv_field)k, SV_VERIFY_CORRECTED, v, NULL);
        break;
    case APP_ASK_DISPUTED:
        submit_verification(a, (sv_field)k, SV_VERIFY_DISPUTED, NULL, v);
        break;
    case APP_ASK_PARTY_ADD:
        party_index(a, v);
        break;
    case APP_ASK_PROXY_PERSON:
        if (k >= 0 && k < a->nparty) {
            copy(a->party[k].person, sizeof a->party[k].person, v);
            submit_attendance(a, k, SV_PROXY, v);
        }
        break;
    case APP_ASK_SIGNER:
        copy(a->signer, sizeof a->signer, v);
        break;
    case APP_ASK_ROLE:
        copy(a->role, sizeof a->role, v);
        break;
    case APP_ASK_DSP_PARTIES:
        copy(a->dsp_parties, sizeof a->dsp_parties, v);
        break;
    case APP_ASK_DSP_STATEMENT:
        copy(a->dsp_statement, sizeof a->dsp_statement, v);
        break;
    case APP_ASK_DSP_FROM:
        copy(a->dsp_from, sizeof a->dsp_from, v);
        break;
    case APP_ASK_DSP_TO:
        copy(a->dsp_to, sizeof a->dsp_to, v);
        break;
    }
    return 1;
}

/* Append UTF-8 text to the entry, whole code points only, within the limit. */
static int append_text(app *a, const char *s)
{
    size_t l = strlen(a->text), n = strlen(s);
    if (a->modal == APP_MODAL_KEYPAD) {
        for (size_t i = 0; i < n; i++)
            if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
                return 0;
        if (strchr(s, '.') && strchr(a->text, '.'))
            return 0;
        if (l + n > 12)
            return 0;
    }
    while (n > 0 && l + n >= sizeof a->text) {
        n--;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(a->text + l, s, n);
    a->text[l + n] = '\0';
    return n > 0;
}

static void backspace(app *a)
{
    size_t l = strlen(a->text);
    while (l > 0 && ((unsigned char)a->text[l - 1] & 0xc0) == 0x80)
        l--;
    if (l > 0)
        l--;
    a->text[l] = '\0';
}

int app_on_text(app *a, const char *utf8)
{
    if (a->modal != APP_MODAL_TEXT && a->modal != APP_MODAL_KEYPAD)
        return 0;
    return append_text(a, utf8);
}

int app_on_key(app *a, int key)
{
    if (a->modal != APP_MODAL_TEXT && a->modal != APP_MODAL_KEYPAD)
        return 0;
    if (key == APP_KEY_BACKSPACE) {
        backspace(a);
        return 1;
    }
    if (key == APP_KEY_ENTER && a->text[0])
        return answer(a, a->text);
    return 0;
}

static int tap_modal(app *a, const char *id)
{
    int i;
    if (sscanf(id, "pick:%d", &i) == 1 && i >= 0 && i < a->npick)
        return answer(a, a->pick_value[i]);
    if (strcmp(id, "pick-cancel") == 0 || strcmp(id, "text-cancel") == 0 ||
        strcmp(id, "key:cancel") == 0) {
        app__close_modal(a);
        return 1;
    }
    if (sscanf(id, "phrase:%d", &i) == 1 && i >= 0 && i < a->npick) {
        if (a->text[0])
            append_text(a, "，");
        append_text(a, a->pick_value[i]);
        return 1;
    }
    if (strcmp(id, "text-clear") == 0) {
        a->text[0] = '\0';
        return 1;
    }
    if ((strcmp(id, "text-ok") == 0 || strcmp(id, "key:ok") == 0) && a->text[0])
        return answer(a, a->text);
    if (strcmp(id, "key:del") == 0) {
        backspace(a);
        return 1;
    }
    if (strcmp(id, "key:dot") == 0)
        return append_text(a, "."), 1;
    if (strncmp(id, "key:", 4) == 0 && id[4] >= '0' && id[4] <= '9' && !id[5])
        return append_text(a, id + 4), 1;
    return 0;
}

int app__tap_screens(app *a, const char *id)
{
    if (a->modal != APP_MODAL_NONE)
        return tap_modal(a, id);
    switch (a->screen) {
    case APP_SCR_RECORD:
        return tap_record(a, id);
    case APP_SCR_WALK:
        return tap_walk(a, id);
    case APP_SCR_VERIFY:
        return tap_verify(a, id);
    case APP_SCR_SIGN:
        return tap_sign(a, id);
    case APP_SCR_PAD:
        return tap_pad(a, id);
    case APP_SCR_DISPUTE:
        return tap_dispute(a, id);
    case APP_SCR_DAYEND:
        return tap_dayend(a, id);
    default:
        return 0;
    }
}

void app__free_screens(app *a)
{
    app__close_modal(a);
    free(a->strokes);
    a->strokes = NULL;
    a->nstrokes = a->capstrokes = 0;
}
