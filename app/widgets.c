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
    if (!a->gnss.have_fix || sv_fix_is_stale(&a->gnss.fix, now_ms) ||
        a->gnss.fix.grade == SV_GRADE_NONE)
        return NULL;
    return &a->gnss.fix;
}

/* ---- buttons, the top bar, labels ---------------------------------------------------------- */

/* Enabled: filled, a strong edge. Disabled: flat (the page's colour), a thin grey edge and
 * grey text, so it cannot be taken for one that works. */
void app__button(app_ui *ui, const char *id, app_rect r, const char *label, int enabled)
{
    const app__theme *t = app__th;
    app_ui_fill(ui, r, enabled ? t->btn : t->off);
    app_ui_frame(ui, r, enabled ? 2 : 1, enabled ? t->btn_edge : t->off_edge);
    int px = app__text_px(ui, 3.5f);
    app_rect tr = app_rect_inset(r, 4);
    app_ui_text(ui, tr, label, px, APP_ALIGN_CENTER, enabled ? t->btn_ink : t->off_ink);
    app_ui_widget(ui, id, r, enabled);
    app_ui_widget_text(ui, label, px, tr.w);
}

/* The top bar: back (except on Today), title, GNSS pill. Returns its height. */
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
    app_ui_text(ui, (app_rect){x, 0, ui->width - x - pill_w - app__mm(ui, 4), h}, title,
                app__text_px(ui, 4.2f), APP_ALIGN_LEFT, C_BAR_INK);

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
    return h;
}

void app__big_button(app_ui *ui, const char *id, app_rect r, const char *label, app_color bg,
                     int enabled)
{
    const app__theme *t = app__th;
    app_ui_fill(ui, r, enabled ? bg : t->off);
    app_ui_frame(ui, r, enabled ? 3 : 1, enabled ? t->ink : t->off_edge);
    int px = app__text_px(ui, 5.5f);
    app_rect tr = app_rect_inset(r, 6);
    app_ui_text(ui, tr, label, px, APP_ALIGN_CENTER, enabled ? t->bar_ink : t->off_ink);
    app_ui_widget(ui, id, r, enabled);
    app_ui_widget_text(ui, label, px, tr.w);
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

void app__text_line(app_ui *ui, float x, float y, float w, float h, const char *t, float size_mm,
                    app_color c)
{
    app_ui_text(ui, (app_rect){x, y, w, h}, t, app__text_px(ui, size_mm), APP_ALIGN_LEFT, c);
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
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}
