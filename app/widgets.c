/*
 * widgets.c - the parts every screen of the touch app draws with (app_int.h): sizes in mm from
 * the display's DPI, the GNSS grade's colour and label, buttons, the top bar with the GNSS pill,
 * scrolled lists, and small text helpers. Builds display lists and widgets only: never draws,
 * reads input, includes SDL or writes the journal, and knows no screen.
 *
 * Theme: outdoor, high contrast (black on white, saturated status colours), sizes in mm from
 * the display's DPI: touch targets at least 12 mm, body text about 3.5 mm.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_int.h"
#include "i18n.h"
#include "survey/clock.h"

/* ---- sizes ---------------------------------------------------------------------------- */

float app__mm(const app_ui *ui, float v)
{
    return v * ui->px_per_mm;
}

int app__text_px(const app_ui *ui, float mm_h)
{
    float px = app__mm(ui, mm_h) * (ui->text_scale > 0 ? ui->text_scale : 1);
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
    return g >= SV_GRADE_NONE && g <= SV_GRADE_RTK_FIXED ? app__th->grade[g]
                                                         : app__th->grade[SV_GRADE_NONE];
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
    /* a receiver gpsd has lost sends nothing more: its last fix is no position now */
    if (!a->gnss.connected || !a->gnss.have_fix || sv_fix_is_stale(&a->gnss.fix, now_ms) ||
        a->gnss.fix.grade == SV_GRADE_NONE)
        return NULL;
    return &a->gnss.fix;
}

/* ---- labels that fit ---------------------------------------------------------------------- */

/*
 * Text widths. Without the platform's help (unit tests, benchmarks) a Latin character counts
 * 0.62 em and any other one em: Noto Sans CJK's CJK characters are one em, most Latin ones
 * about 0.55. That estimate wraps English and unit codes early (a 14-character code counted a
 * whole em too wide) and is not even safe for "W" (0.81 em). With the platform's advance widths
 * (app_set_text_advances: the UI font's own, per pixel size, as SDL_ttf lays them out) a
 * printable ASCII character counts its advance, anything else one em, and a line gets a margin
 * once: 0.15 em + 1 px, for what a sum of advances leaves out (a first glyph reaching left of
 * its origin, "j": up to 0.14 em in SDL_ttf's measure of random ASCII at 12-72 px; kerning only
 * narrows). A character is asked for the first time it is measured at a size (loading a glyph
 * of a CJK font is not free, and most text is Chinese and digits), and the answers are kept for
 * the last few sizes asked (a frame uses a handful).
 */
#define ADV_SIZES 16
typedef struct adv_table {
    int px;      /* 0: empty */
    int adv[95]; /* 0: not asked yet, -1: the platform could not say */
} adv_table;
static struct {
    app_advance_fn fn;
    void *ctx;
    adv_table t[ADV_SIZES];
    unsigned next;
} adv_state;

void app_set_text_advances(app_advance_fn fn, void *ctx)
{
    memset(&adv_state, 0, sizeof adv_state);
    adv_state.fn = fn;
    adv_state.ctx = ctx;
}

/* The advance table at px, or NULL (no platform). */
static adv_table *advances(int px)
{
    if (!adv_state.fn || px < 1)
        return NULL;
    for (int i = 0; i < ADV_SIZES; i++)
        if (adv_state.t[i].px == px)
            return &adv_state.t[i];
    adv_table *t = &adv_state.t[adv_state.next++ % ADV_SIZES];
    memset(t, 0, sizeof *t);
    t->px = px;
    return t;
}

/* The width of one ASCII character c at px: its advance, asked the first time (above), else
 * the estimate (no platform, or it could not say). */
static float ascii_width(adv_table *adv, unsigned char c, int px)
{
    if (!adv || c < 0x20 || c >= 0x7f)
        return 0.62f * (float)px;
    int *a = &adv->adv[c - 0x20];
    if (*a == 0) {
        int v = adv_state.fn(adv_state.ctx, px, c);
        *a = v > 0 ? v : -1;
    }
    return *a > 0 ? (float)*a : 0.62f * (float)px;
}

/* The margin a measured line gets once (above); none for the estimate. */
static float line_margin(const adv_table *adv, int px)
{
    return adv ? 0.15f * (float)px + 1 : 0;
}

/* The width of utf8 at px without the line's margin: what the pieces of a line add up to. */
static float raw_width(adv_table *adv, const char *utf8, int px)
{
    float w = 0;
    for (const unsigned char *u = (const unsigned char *)utf8; *u; u++)
        if (*u < 0x80)
            w += ascii_width(adv, *u, px);
        else if ((*u & 0xc0) != 0x80)
            w += (float)px;
    return w;
}

/* The width utf8 takes at pixel size px, on the safe side (above). */
float app__text_width(const char *utf8, int px)
{
    adv_table *adv = advances(px);
    return raw_width(adv, utf8, px) + line_margin(adv, px);
}

/* The length of the mark at p that never starts a line (closing brackets and punctuation,
 * Chinese and ASCII: "缩小（− DPI）" broke before its "）"), else 0. */
static size_t closing_mark(const char *p)
{
    static const char *const marks[] = {"）", "」", "』", "】", "〕", "》", "〉", "，", "。",
                                        "、", "；", "：", "！", "？", "…",  ")",  ",",  ".",
                                        ";",  ":",  "!",  "?",  "%",  "°",  "″",  "′"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (strncmp(p, marks[i], strlen(marks[i])) == 0)
            return strlen(marks[i]);
    return 0;
}

/* 1 when the k bytes at p are a mark that never ends a line (an opening bracket). */
static int opening_mark(const char *p, size_t k)
{
    static const char *const marks[] = {"（", "「", "『", "【", "〔", "《", "〈", "("};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (k == strlen(marks[i]) && strncmp(p, marks[i], k) == 0)
            return 1;
    return 0;
}

/* The end of the piece of text that starts at s: a word of ASCII, or one non-ASCII character;
 * an opening bracket with what follows it, and the closing marks after it with it. */
static const char *piece_end(const char *s)
{
    const char *e = s;
    if ((unsigned char)*e >= 0x80) {
        e++;
        while ((*(const unsigned char *)e & 0xc0) == 0x80)
            e++;
    } else {
        while (*e && *e != ' ' && (unsigned char)*e < 0x80)
            e++;
    }
    /* held together only while the piece stays short (a long word is cut where it fills) */
    const char *base = e;
    if (opening_mark(s, (size_t)(e - s)) && *e && *e != ' ')
        e = piece_end(e);
    for (size_t k; *e && (k = closing_mark(e)) > 0;)
        e += k;
    return e - s < 64 ? e : base;
}

/* Greedy wrap of s into lines no wider than w at px: breaks at spaces, or between two
 * characters of which one is not ASCII (Chinese breaks anywhere), never before a closing mark
 * nor after an opening bracket. Writes the lines into out, separated by '\n'; returns how many
 * lines. */
static int wrap(const char *s, int px, float w, char *out, size_t n)
{
    size_t o = 0;
    int lines = 1;
    adv_table *adv = advances(px);
    float lw = 0, margin = line_margin(adv, px);
    w -= margin; /* the pieces of a line add up to at most this */
    while (*s && o + 8 < n) {
        /* the next piece (piece_end) with its spaces */
        const char *e = piece_end(s);
        while (*e == ' ')
            e++;
        char piece[256];
        size_t k = (size_t)(e - s) < sizeof piece ? (size_t)(e - s) : sizeof piece - 1;
        float kw = 0; /* the ASCII word's width */
        for (size_t i = 0; i < k && (unsigned char)s[i] < 0x80; i++)
            kw += ascii_width(adv, (unsigned char)s[i], px);
        if ((unsigned char)*s < 0x80 && kw > w) {
            /* a word wider than a whole line (a file's path) would run out of the box: it
             * takes the rest of this line (when four of its characters fit there), or a line
             * of its own, and is broken after a '/', '-' or '_' where one is in the second
             * half of what fits, else where it fills */
            float room = lw > 0 && lw + 4 * ascii_width(adv, 'n', px) <= w ? w - lw : w;
            size_t fit = 0;
            for (float fw = 0; fit < k; fit++) {
                fw += ascii_width(adv, (unsigned char)s[fit], px);
                if (fw > room)
                    break;
            }
            if (fit < 1)
                fit = 1;
            if (lw > 0 && room == w) {
                while (o > 0 && out[o - 1] == ' ')
                    o--;
                out[o++] = '\n';
                lines++;
                lw = 0;
            }
            size_t cut = fit;
            for (size_t i = fit; i > fit / 2; i--)
                if (s[i - 1] == '/' || s[i - 1] == '-' || s[i - 1] == '_') {
                    cut = i;
                    break;
                }
            if (cut < k) {
                k = cut;
                e = s + cut;
            }
        }
        memcpy(piece, s, k);
        piece[k] = '\0';
        float pw = raw_width(adv, piece, px);
        if (lw > 0 && lw + pw - (piece[k - 1] == ' ' ? ascii_width(adv, ' ', px) : 0) > w) {
            while (o > 0 && out[o - 1] == ' ')
                o--;
            out[o++] = '\n';
            lines++;
            lw = 0;
        }
        if (o + k + 1 >= n)
            break;
        memcpy(out + o, piece, k);
        o += k;
        lw += pw;
        s = e;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return lines;
}

int app__fit_label(const app_ui *ui, app_rect box, const char *label, int px, char *out, size_t n)
{
    int min_px = (int)ceilf(app__mm(ui, 2.5f)); /* text at least 2.5 mm high (its em) */
    if (min_px < 14)
        min_px = 14;
    if (min_px > px)
        min_px = px;
    for (int p = px;; p = p * 9 / 10 > min_px ? p * 9 / 10 : min_px) {
        /* the lines are drawn 1.3 em apart, but a line of the UI font is 1.45 em high (Noto
         * Sans CJK's ascent and descent, what SDL_ttf measures): two lines of "Send to the
         * office" counted 2.6 em into a 2.8 em box stood out of it */
        int max_lines = (int)(box.h / (1.46f * (float)p));
        if (max_lines < 1)
            max_lines = 1;
        if (app__text_width(label, p) <= box.w) {
            snprintf(out, n, "%s", label);
            return p;
        }
        if (wrap(label, p, box.w, out, n) <= max_lines || p == min_px)
            return p;
    }
}

void app__draw_label(app_ui *ui, app_rect box, const char *wrapped, int px, int align, app_color c)
{
    int lines = 1;
    for (const char *q = wrapped; *q; q++)
        lines += *q == '\n';
    float lh = 1.3f * (float)px, y = box.y + (box.h - lh * (float)lines) / 2;
    if (lines == 1) {
        app_ui_text(ui, box, wrapped, px, align, c);
        return;
    }
    for (const char *q = wrapped; *q;) {
        const char *e = strchr(q, '\n');
        size_t k = e ? (size_t)(e - q) : strlen(q);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(k < sizeof line ? k : sizeof line - 1), q);
        app_ui_text(ui, (app_rect){box.x, y, box.w, lh}, line, px, align, c);
        y += lh;
        q += k + (e != NULL);
    }
}

/* Whether a label wrapped by app__fit_label lies inside box at px (estimated widths). */
static int label_fits(const char *wrapped, int px, app_rect box)
{
    int lines = 0;
    for (const char *q = wrapped; *q || lines == 0;) {
        const char *e = strchr(q, '\n');
        size_t k = e ? (size_t)(e - q) : strlen(q);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(k < sizeof line ? k : sizeof line - 1), q);
        if (app__text_width(line, px) > box.w)
            return 0;
        lines++;
        q += k + (e != NULL);
        if (!e)
            break;
    }
    return 1.3f * (float)px * (float)lines <= box.h;
}

/* ---- buttons, the top bar, labels ---------------------------------------------------------- */

/* Enabled: filled, a strong edge. Disabled: flat (the page's colour), a thin grey edge and
 * grey text, so it cannot be taken for one that works. */
void app__button(app_ui *ui, const char *id, app_rect r, const char *label, int enabled)
{
    const app__theme *t = app__th;
    app_ui_fill(ui, r, enabled ? t->btn : t->off);
    app_ui_frame(ui, r, enabled ? 2 : 1, enabled ? t->btn_edge : t->off_edge);
    app_rect tr = app_rect_inset(r, 4);
    char shown[512];
    int px = app__fit_label(ui, tr, label, app__text_px(ui, 3.5f), shown, sizeof shown);
    app__draw_label(ui, tr, shown, px, APP_ALIGN_CENTER, enabled ? t->btn_ink : t->off_ink);
    app_ui_widget(ui, id, r, enabled);
    app_ui_widget_text(ui, shown, px, tr.w);
}

/* The top bar: back (except on Today), title, GNSS pill. Returns its height. */
/* The battery and the journal's free space, right-aligned at right in the top bar (two short
 * lines); a low reading on a light chip in the warning colour, a critical one in the error
 * banner's colours (the theme's tested pairs). Returns the width used, 0 when there is
 * nothing to say (no battery and the file system unreadable). */
static float device_status(app *a, app_ui *ui, float right, float h, int64_t now_ms)
{
    if (!a->device_read_ms || now_ms - a->device_read_ms >= APP_DEVICE_READ_MS) {
        app_power_read(a->power_root, &a->power);
        if (!a->journal_path[0] || app_storage_read(a->journal_path, &a->storage) != 0)
            a->storage.free_bytes = -1;
        a->device_read_ms = now_ms ? now_ms : 1;
    }
    char l1[64] = "", l2[64] = "";
    int lv1 = 0, lv2 = 0;
    if (a->power.batteries > 0 && a->power.percent >= 0) {
        snprintf(l1, sizeof l1, a->power.charging == 1 ? _("Charging %d%%") : _("Battery %d%%"),
                 a->power.percent);
        lv1 = a->power.charging == 1 ? 0 : a->power.percent < 10 ? 2 : a->power.percent < 20;
    }
    if (a->storage.free_bytes >= 0) {
        double gb = (double)a->storage.free_bytes / (1024.0 * 1024 * 1024);
        if (gb >= 1)
            snprintf(l2, sizeof l2, _("Free %.1f GB"), gb);
        else
            snprintf(l2, sizeof l2, _("Free %.0f MB"), gb * 1024);
        lv2 = a->storage.level;
    }
    if (!l1[0] && !l2[0])
        return 0;
    float w = app__mm(ui, 24), lh = (h - app__mm(ui, 2)) / 2, x = right - w;
    int px = app__text_px(ui, 2.8f);
    const char *lines[2] = {l1, l2};
    int lv[2] = {lv1, lv2};
    for (int i = 0; i < 2; i++) {
        if (!lines[i][0])
            continue;
        app_rect r = {x, app__mm(ui, 1) + i * lh, w, lh};
        app_color fg = C_BAR_INK;
        if (lv[i]) {
            app_ui_fill(ui, r, lv[i] == 2 ? app__th->banner_bad : C_BG);
            fg = lv[i] == 2 ? C_BAD : C_WARN;
        }
        app_ui_text(ui, app_rect_inset(r, 2), lines[i], px, APP_ALIGN_CENTER, fg);
    }
    return w + app__mm(ui, 2);
}

float app__top_bar(app *a, app_ui *ui, const char *title, int64_t now_ms)
{
    float h = app__target(ui) + app__mm(ui, 2);
    app_ui_fill(ui, (app_rect){0, 0, (float)ui->width, h}, C_BAR);
    float x = app__mm(ui, 2);
    if (a->screen != APP_SCR_TODAY) {
        app_rect b = {x, app__mm(ui, 1), app__target(ui) * 1.6f, app__target(ui)};
        app_ui_fill(ui, b, app__th->bar_btn);
        app_ui_text(ui, b, _("Back"), app__text_px(ui, 3.5f), APP_ALIGN_CENTER, C_BAR_INK);
        app_ui_widget(ui, "back", b, 1);
        app_ui_widget_text(ui, _("Back"), app__text_px(ui, 3.5f), b.w);
        x += b.w + app__mm(ui, 3);
    }
    float pill_w = app__target(ui) * 3.6f;
    float dev_w = device_status(a, ui, ui->width - pill_w - app__mm(ui, 4), h, now_ms);
    /* the title beside the buttons when it fits there (at least 2.5 mm high, wrapped into the
     * bar's height); on a narrow window in a row of its own under them */
    app_rect tb = {x, 0, ui->width - x - pill_w - dev_w - app__mm(ui, 4), h};
    char shown[512];
    int tpx = app__text_px(ui, 4.2f);
    int px = tb.w > 0 ? app__fit_label(ui, tb, title, tpx, shown, sizeof shown) : 0;
    if (px > 0 && label_fits(shown, px, tb)) {
        app__draw_label(ui, tb, shown, px, APP_ALIGN_LEFT, C_BAR_INK);
    } else {
        app_rect row = {app__mm(ui, 2), h, ui->width - app__mm(ui, 4), app__mm(ui, 8)};
        app_ui_fill(ui, (app_rect){0, h, (float)ui->width, row.h}, C_BAR);
        app__text_fit(ui, row, title, 4.2f, APP_ALIGN_LEFT, C_BAR_INK);
        h += row.h;
    }
    a->top_h = h;

    /* GNSS pill: grade in its colour, satellites, or "no receiver" */
    app_rect p = {ui->width - pill_w - app__mm(ui, 2), app__mm(ui, 1), pill_w, app__target(ui)};
    char txt[128];
    app_color c;
    const sv_fix *f = app__live_fix(a, now_ms);
    if (!a->gnss_ok || !a->gnss.connected) {
        snprintf(txt, sizeof txt, "%s", _("No receiver"));
        c = app__th->no_receiver;
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
    app_ui_widget_text(ui, txt, app__text_px(ui, 3.5f), p.w);
    h += app__receiver_banner(a, ui, h, now_ms);
    if (a->banner[0]) { /* app_build's message: room made for it, it hides nothing */
        int retry = a->banner_retry;
        app_rect r = {0, h, (float)ui->width, retry ? app__target(ui) : app__mm(ui, 9)};
        app_ui_fill(ui, r, app__th->banner_bad);
        /* a refused decision: try again, or give it up (asked first) */
        float bw = retry ? app__target(ui) * 2.6f : 0;
        app__text_fit(ui, app_rect_inset((app_rect){r.x, r.y, r.w - 2 * bw, r.h}, app__mm(ui, 1)),
                      a->banner, 3.2f, APP_ALIGN_LEFT, C_BAD);
        if (retry) {
            app__button(ui, "discard-failed", (app_rect){r.w - 2 * bw, r.y, bw, r.h}, _("Give up…"),
                        a->rs.jobs_refused > 0);
            app__button(ui, "retry-failed", (app_rect){r.w - bw, r.y, bw, r.h}, _("Try again"), 1);
        }
        h += r.h;
    }
    return h;
}

float app__receiver_banner(app *a, app_ui *ui, float y, int64_t now_ms)
{
    /* Where the receiver matters: the recording screens, and every screen while a walk runs
     * (it goes on whatever is shown). Without --gnss there is no receiver to lose: the
     * screens say so themselves. */
    int walking = a->rec && a->rs.walking;
    if (!a->gnss_ok || (!walking && a->screen != APP_SCR_RECORD && a->screen != APP_SCR_WALK))
        return 0;
    if (a->gnss.connected && app__live_fix(a, now_ms))
        return 0;
    char why[160], what[300], line[480];
    int64_t age = a->gnss.have_fix ? sv_fix_age_ms(&a->gnss.fix, now_ms) / 1000 : -1;
    if (!a->gnss.connected)
        snprintf(why, sizeof why, "%s", _("Receiver lost (gpsd does not answer)"));
    else if (a->gnss.have_fix && a->gnss.fix.grade != SV_GRADE_NONE && age >= 0)
        snprintf(why, sizeof why, _("No new position from the receiver for %lld s"),
                 (long long)age);
    else
        snprintf(why, sizeof why, "%s", _("The receiver has no fix"));
    if (walking)
        snprintf(what, sizeof what,
                 _("the walk of %s records no vertices (%d so far); it goes on by itself when "
                   "the receiver is back"),
                 a->rs.walk_unit, a->rs.vertices);
    else if (a->screen == APP_SCR_WALK)
        snprintf(what, sizeof what, "%s", _("a walk records no vertices until it is back"));
    else
        snprintf(what, sizeof what, "%s", _("no point can be measured until it is back"));
    snprintf(line, sizeof line, _("%s: %s"), why, what);
    float bh = app__mm(ui, 10);
    app_rect b = {0, y, (float)ui->width, bh};
    app_ui_fill(ui, b, app__th->banner_bad); /* the theme's tested pair: bad text on it */
    app_ui_frame(ui, b, 3, C_BAD);
    /* wrapped or made smaller to fit (English is longer), and registered as drawn */
    app_rect tb = {app__mm(ui, 2), y, ui->width - app__mm(ui, 4), bh};
    char shown[1024];
    int px = app__fit_label(ui, tb, line, app__text_px(ui, 3.5f), shown, sizeof shown);
    app__draw_label(ui, tb, shown, px, APP_ALIGN_LEFT, C_BAD);
    app_ui_widget(ui, "receiver-banner", b, 0);
    app_ui_widget_text(ui, shown, px, tb.w);
    return bh;
}

void app__big_button(app_ui *ui, const char *id, app_rect r, const char *label, app_color bg,
                     int enabled)
{
    const app__theme *t = app__th;
    app_ui_fill(ui, r, enabled ? bg : t->off);
    app_ui_frame(ui, r, enabled ? 3 : 1, enabled ? t->ink : t->off_edge);
    app_rect tr = app_rect_inset(r, 6);
    char shown[512];
    int px = app__fit_label(ui, tr, label, app__text_px(ui, 5.5f), shown, sizeof shown);
    app__draw_label(ui, tr, shown, px, APP_ALIGN_CENTER, enabled ? t->bar_ink : t->off_ink);
    app_ui_widget(ui, id, r, enabled);
    app_ui_widget_text(ui, shown, px, tr.w);
}

const char *app__unit_code(const app *a)
{
    return a->cur >= 0 ? a->units[a->cur].u.code : "";
}

/* English names of the seeded code lists whose labels are Chinese (survey/src/state.c): what the
 * English interface shows for them. A code not listed here is shown as a phrase made from it. */
static const struct {
    const char *list, *code, *en;
} code_en[] = {
    {"point-type", "measured", "Measured"},
    {"point-type", "map-read", "Read from the map"},
    {"marker", "steel-nail", "Steel nail"},
    {"marker", "concrete-post", "Concrete post"},
    {"marker", "stone-post", "Stone post"},
    {"marker", "paint", "Paint mark"},
    {"marker", "wooden-stake", "Wooden stake"},
    {"marker", "none", "No marker"},
    {"line-category", "line-of-sight", "Open ground (nothing on the ground)"},
    {"line-nature", "settled", "Settled"},
    {"line-nature", "unsettled", "Not settled"},
    {"line-nature", "disputed", "Disputed"},
    {"fix-status", "rtk-fixed", "RTK fixed"},
    {"fix-status", "rtk-float", "RTK float"},
    {"fix-status", "dgps", "DGPS"},
    {"fix-status", "gps", "GPS"},
};

static int has_non_ascii(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

const char *app__code_text(const char *list, const char *code, const char *label, char *buf,
                           size_t n)
{
    /* A list's labels are in one language and its codes in the other: most lists have English
     * codes and Chinese labels, unit types Chinese codes (as county data carries them) and
     * English labels. Each interface shows the side in its language. */
    const char *zh = has_non_ascii(label) || !has_non_ascii(code) ? label : code;
    const char *en = zh == label ? code : label;
    if (app_lang_zh()) {
        snprintf(buf, n, "%s", zh && zh[0] ? zh : code);
        return buf;
    }
    if (en != code && en && en[0]) {
        snprintf(buf, n, "%s", en);
        return buf;
    }
    for (size_t i = 0; i < sizeof code_en / sizeof code_en[0]; i++)
        if (strcmp(code_en[i].list, list) == 0 && strcmp(code_en[i].code, code) == 0) {
            snprintf(buf, n, "%s", code_en[i].en);
            return buf;
        }
    if (has_non_ascii(code)) { /* a county's own code in Chinese: nothing better to show */
        snprintf(buf, n, "%s", code);
        return buf;
    }
    /* "field-ridge" reads "Field ridge" */
    snprintf(buf, n, "%s", code);
    for (char *q = buf; *q; q++)
        if (*q == '-' || *q == '_')
            *q = ' ';
    if (buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 'a' + 'A');
    return buf;
}

const char *app__code_label(app *a, const char *list, const char *code, char *buf, size_t n)
{
    snprintf(buf, n, "%s", code);
    if (!code[0])
        return buf;
    sv_code *c = NULL;
    size_t nc = 0;
    int found = 0;
    if (sv_state_codes(a->j, list, &c, &nc) == SV_OK)
        for (size_t i = 0; i < nc && !found; i++)
            if (strcmp(c[i].code, code) == 0) {
                app__code_text(list, code, c[i].label ? c[i].label : "", buf, n);
                found = 1;
            }
    sv_codes_free(c, nc);
    if (!found)
        app__code_text(list, code, "", buf, n);
    return buf;
}

/* ---- phrases recorded in the registry's language --------------------------------------- */

/* The marks that end a phrase tapped into a text (the modal joins phrases with "，") or set off
 * what the crew typed after it ("全民所有（村民会议）"): a phrase is swapped only where one of
 * them (spaces between allowed), or the text's start or end, stands on each side. A space alone
 * is no mark: "Managed directly by the township" is the crew's own sentence, and 临夏州自然资源局
 * is a name, not 自然资源局. */
static size_t phrase_mark(const char *p)
{
    static const char *const marks[] = {",", "，", ";", "；", "、", "(", "（",
                                        ")", "）", ":", "：", "。", "\n"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (strncmp(p, marks[i], strlen(marks[i])) == 0)
            return strlen(marks[i]);
    return 0;
}

static int phrase_ends_at(const char *start, const char *at)
{
    while (at > start && at[-1] == ' ')
        at--;
    if (at == start)
        return 1;
    const char *b = at - 1;
    while (b > start && ((unsigned char)*b & 0xc0) == 0x80)
        b--;
    return phrase_mark(b) == (size_t)(at - b);
}

/* Replace in `in` each whole phrase of one side of the table by the other (to_zh: a phrase as
 * the interface shows it becomes its Chinese; else the Chinese becomes the shown text); the
 * rest, the crew's own words, as it is. */
static void phrase_swap(const app__phrase *ph, size_t n, const char *in, char *out, size_t outn,
                        int to_zh)
{
    size_t o = 0;
    const char *start = in;
    while (*in && o + 1 < outn) {
        size_t i, from_len = 0;
        const char *to = NULL;
        for (i = 0; i < n && !to && phrase_ends_at(start, in); i++) {
            const char *from = to_zh ? _(ph[i].en) : ph[i].zh;
            from_len = strlen(from);
            const char *after = in + from_len;
            while (from_len && strncmp(in, from, from_len) == 0 && *after == ' ')
                after++;
            if (from_len && strncmp(in, from, from_len) == 0 && (!*after || phrase_mark(after)))
                to = to_zh ? ph[i].zh : _(ph[i].en);
        }
        if (to) {
            size_t k = strlen(to);
            if (o + k >= outn)
                break;
            memcpy(out + o, to, k);
            o += k;
            in += from_len;
            continue;
        }
        out[o++] = *in++;
    }
    out[o] = '\0';
}

void app__phrase_store(const app__phrase *ph, size_t n, const char *in, char *out, size_t outn)
{
    phrase_swap(ph, n, in ? in : "", out, outn, 1);
}

const char *app__phrase_show(const app__phrase *ph, size_t n, const char *in, char *out,
                             size_t outn)
{
    phrase_swap(ph, n, in ? in : "", out, outn, 0);
    return out;
}

/* ---- small helpers ----------------------------------------------------------------------- */

void app__copy(char *dst, size_t n, const char *src)
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

char *app__dupstr(const char *s)
{
    return s ? strdup(s) : NULL;
}

void app__text_fit(app_ui *ui, app_rect box, const char *t, float size_mm, int align, app_color c)
{
    char shown[1024];
    int px = app__fit_label(ui, box, t, app__text_px(ui, size_mm), shown, sizeof shown);
    app__draw_label(ui, box, shown, px, align, c);
}

void app__text_line(app_ui *ui, float x, float y, float w, float h, const char *t, float size_mm,
                    app_color c)
{
    app__text_fit(ui, (app_rect){x, y, w, h}, t, size_mm, APP_ALIGN_LEFT, c);
}

float app__text_block(app_ui *ui, float x, float y, float w, float min_h, const char *t,
                      float size_mm, app_color c)
{
    char shown[2048];
    int px = app__text_px(ui, size_mm);
    int lines = wrap(t, px, w, shown, sizeof shown);
    float h = 1.3f * (float)px * (float)lines;
    if (h < min_h)
        h = min_h;
    app__draw_label(ui, (app_rect){x, y, w, h}, shown, px, APP_ALIGN_LEFT, c);
    return h;
}

/* A list of n rows of height rh between y0 and y1, scrolled by dragging (a->scroll, px, kept
 * in range here). Returns the first row to draw at y0; rows are drawn while they fit. */
int app__list_first(app *a, float y0, float y1, float rh, int n)
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

int app__list_gesture(app *a, const app_widget *w, const app_gesture *g)
{
    (void)w;
    if (g->type != APP_G_DRAG)
        return 0;
    a->scroll -= g->dy; /* the content follows the finger */
    return 1;
}

/* Say that rows are hidden above or below (a list never silently drops rows). */
void app__list_hints(app_ui *ui, float x, float y0, float y1, float w, int first, int shown, int n)
{
    char buf[128];
    float h = app__mm(ui, 5);
    if (first > 0) {
        snprintf(buf, sizeof buf, _("↑ %d more above (drag down)"), first);
        app_ui_fill(ui, (app_rect){x + w - app__mm(ui, 60), y0, app__mm(ui, 60), h}, app__th->hint);
        app_ui_text(ui, (app_rect){x + w - app__mm(ui, 60), y0, app__mm(ui, 60), h}, buf,
                    app__text_px(ui, 3), APP_ALIGN_CENTER, C_INK);
    }
    if (first + shown < n) {
        snprintf(buf, sizeof buf, _("↓ %d more below (drag up)"), n - first - shown);
        app_ui_fill(ui, (app_rect){x + w - app__mm(ui, 60), y1 - h, app__mm(ui, 60), h},
                    app__th->hint);
        app_ui_text(ui, (app_rect){x + w - app__mm(ui, 60), y1 - h, app__mm(ui, 60), h}, buf,
                    app__text_px(ui, 3), APP_ALIGN_CENTER, C_INK);
    }
}

/* Today's date (tablet clock, local time) as YYYY-MM-DD. */
void app__today(char out[11])
{
    sv_local_date(out); /* the library's day, the one the unit summary counts objections on */
}

/* ---- a list scrolled by drag and fling (Today, a unit's points) ---------------------------- */

#define FLING_TAU_MS 325.0f /* a fling's speed falls to 1/e in this time */
#define FLING_MIN 20.0f     /* px/s: slower than this, a fling stops */
#define FLING_STILL_MS 100  /* a finger still this long before lifting throws nothing */

app_rect app__clip(app_rect r, float y0, float y1)
{
    float top = r.y > y0 ? r.y : y0, bot = r.y + r.h < y1 ? r.y + r.h : y1;
    return (app_rect){r.x, top, r.w, bot - top};
}

int app__cut_target(const app_ui *ui, app_rect box, app_rect vis)
{
    float need = box.h < app__mm(ui, 10) ? box.h : app__mm(ui, 10);
    /* a thousandth of a pixel absorbs float rounding in the clip, no more: a row 0.4 px short
     * of 10 mm is not a 10 mm target (the fit test caught one so) */
    return vis.h >= need - 1e-3f;
}

void app__fling_advance(float *scroll, float *vel, int64_t *t_ms, int dragging, int64_t now_ms)
{
    if (dragging || *vel == 0)
        return;
    float dt = (float)(now_ms - *t_ms);
    if (dt < 0)
        dt = 0;
    if (dt > 100)
        dt = 100; /* a late frame does not jump */
    *scroll += *vel * dt / 1000;
    *vel *= expf(-dt / FLING_TAU_MS);
    *t_ms = now_ms;
    if (fabsf(*vel) < FLING_MIN)
        *vel = 0;
}

/* Drag scrolls with the finger; lifting a moving finger throws the list (a fling). */
int app__fling_gesture(float *scroll, float *vel, int64_t *t_ms, int *dragging,
                       const app_gesture *g)
{
    if (g->type == APP_G_DRAG) {
        *scroll -= g->dy; /* the content follows the finger */
        int64_t dt = g->t_ms - *t_ms;
        if (!*dragging || dt > FLING_STILL_MS) {
            *vel = 0;
        } else if (dt > 0) {
            float v = -g->dy * 1000.0f / (float)dt;
            *vel = 0.6f * v + 0.4f * *vel;
        }
        *dragging = 1;
        *t_ms = g->t_ms;
        return 1;
    }
    if (g->type == APP_G_DRAG_END) {
        *dragging = 0;
        if (g->t_ms - *t_ms > FLING_STILL_MS || fabsf(*vel) < FLING_MIN)
            *vel = 0;
        *t_ms = g->t_ms;
        return 1;
    }
    return 0;
}

/* ---- a screen's body that scrolls (app__body_begin) ---------------------------------------- */

float app__body_begin(app *a, app_ui *ui, app__body *b, float y0, float y1, int64_t now_ms)
{
    app__fling_advance(&a->body_scroll, &a->body_vel, &a->body_fling_ms, a->body_dragging, now_ms);
    if (a->body_scroll < 0)
        a->body_scroll = 0; /* the top is known now; the bottom once the content is built */
    b->y0 = y0;
    b->y1 = y1 > y0 ? y1 : y0;
    b->scroll = a->body_scroll;
    b->w0 = ui->nw;
    b->clip = app_ui_clip(ui, (app_rect){0, b->y0, (float)ui->width, b->y1 - b->y0});
    b->cmd0 = ui->ncmd;
    return y0 - b->scroll;
}

/* Move what was built from command k0 and widget w0 on by dy px down. */
static void shift_built(app_ui *ui, size_t k0, size_t w0, float dy)
{
    for (size_t i = k0; i < ui->ncmd; i++) {
        app_cmd *k = &ui->cmd[i];
        float *p = ui->pts + 2 * k->off;
        switch (k->op) {
        case APP_OP_LINES:
        case APP_OP_SEGS:
            for (size_t j = 0; j < k->n; j++)
                p[2 * j + 1] += dy;
            break;
        case APP_OP_IMAGE: /* (n+1)^2 vertices of x, y, u, v */
            for (size_t j = 0; j < (k->n + 1) * (k->n + 1); j++)
                p[4 * j + 1] += dy;
            break;
        case APP_OP_CLIP:
            break;
        default:
            k->r.y += dy;
        }
    }
    for (size_t i = w0; i < ui->nw; i++)
        ui->w[i].r.y += dy;
}

void app__body_end(app *a, app_ui *ui, app__body *b, float bottom)
{
    float content = bottom - (b->y0 - b->scroll), band = b->y1 - b->y0;
    float strip = content > band + 0.5f ? app__mm(ui, 6) : 0; /* what is hidden, in words */
    float y1 = b->y1 - strip;
    float max = content > y1 - b->y0 ? content - (y1 - b->y0) : 0;
    float s = b->scroll > max ? max : b->scroll;
    if (s != b->scroll) { /* the content got shorter (or the window taller) */
        shift_built(ui, b->cmd0, b->w0, b->scroll - s);
        a->body_vel = 0; /* a fling stops at the ends */
    }
    a->body_scroll = s;
    if (b->clip != (size_t)-1)
        ui->cmd[b->clip].r = (app_rect){0, b->y0, (float)ui->width, y1 - b->y0};
    app_ui_clip_end(ui);

    /* the widgets: cut to the band, kept while they can be hit and read there */
    size_t n = b->w0;
    for (size_t i = b->w0; i < ui->nw; i++) {
        app_widget w = ui->w[i];
        app_rect vis = app__clip(w.r, b->y0, y1);
        int lines = 1;
        for (const char *q = app_ui_widget_label(ui, &ui->w[i]); *q; q++)
            lines += *q == '\n';
        float text_h = w.text_px > 0 ? 1.3f * (float)w.text_px * (float)lines : 0;
        if (vis.h <= 0 || !app__cut_target(ui, w.r, vis) ||
            (vis.h < w.r.h - 0.5f && vis.h < text_h))
            continue;
        w.r = vis;
        ui->w[n++] = w;
    }
    ui->nw = n;

    if (max <= 0)
        return;
    /* the scroll bar, and the strip: what is hidden above, below */
    float th = (y1 - b->y0) * (y1 - b->y0) / content, ty = b->y0 + (y1 - b->y0 - th) * (s / max);
    app_ui_fill(ui, (app_rect){ui->width - app__mm(ui, 1.5f), ty, app__mm(ui, 1.2f), th}, C_DIM);
    const char *say = s <= 0.5f         ? _("↓ More below: drag up")
                      : s >= max - 0.5f ? _("↑ More above: drag down")
                                        : _("↑↓ More above and below: drag");
    app_rect r = {0, y1, (float)ui->width, strip};
    app_ui_fill(ui, r, app__th->hint);
    app__text_fit(ui, app_rect_inset(r, app__mm(ui, 0.5f)), say, 3, APP_ALIGN_CENTER, C_INK);
}

int app__body_gesture(app *a, const app_widget *w, const app_gesture *g)
{
    (void)w;
    return app__fling_gesture(&a->body_scroll, &a->body_vel, &a->body_fling_ms, &a->body_dragging,
                              g);
}
