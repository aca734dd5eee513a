/*
 * screen_settings.c - Settings (@settings on Today): the DPI to lay out with (auto: the
 * display's, else the 10.1-inch tablet's; or a value), the text size in three steps and the
 * theme (high-contrast daylight, night). Each change applies at once and is saved in the app's
 * settings file beside the journal (settings.c). --dpi on the command line still wins for the
 * run it was given to. Never writes the journal, never includes SDL.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app_int.h"
#include "i18n.h"

#define DPI_STEP 10

static void option(app_ui *ui, const char *id, app_rect r, const char *label, int chosen)
{
    char buf[160];
    snprintf(buf, sizeof buf, "%s%s", chosen ? "✓ " : "", label);
    app__button(ui, id, r, buf, 1);
    if (chosen)
        app_ui_frame(ui, app_rect_inset(r, 3), 3, app__th->btn_edge);
}

static void build_settings(app *a, app_ui *ui, int64_t now_ms)
{
    float top = app__top_bar(a, ui, _("Settings"), now_ms);
    float pad = app__mm(ui, 3), tgt = app__target(ui);
    /* scrolled when it does not fit (1280x800 at 224 DPI) */
    app__body body;
    float y = app__body_begin(a, ui, &body, top, ui->height - pad, now_ms) + pad;
    float w = ui->width - 2 * pad, lh = app__mm(ui, 8);
    char line[300];

    /* DPI */
    int in_use = (int)lroundf(ui->px_per_mm * 25.4f);
    if (a->dpi_cli > 0)
        snprintf(line, sizeof line, _("Screen density: %d DPI (set by --dpi for this run)"),
                 in_use);
    else if (a->set.dpi > 0)
        snprintf(line, sizeof line, _("Screen density: %d DPI (set here)"), in_use);
    else
        snprintf(line, sizeof line, _("Screen density: automatic, %d DPI"), in_use);
    app__text_line(ui, pad, y, w, lh, line, 4, C_INK);
    y += lh;
    float bw = (w - 2 * pad) / 3;
    option(ui, "dpi:auto", (app_rect){pad, y, bw, tgt}, _("Automatic"), a->set.dpi == 0);
    app__button(ui, "dpi:down", (app_rect){pad + bw + pad, y, bw, tgt}, _("Smaller (− DPI)"), 1);
    app__button(ui, "dpi:up", (app_rect){pad + 2 * (bw + pad), y, bw, tgt}, _("Larger (+ DPI)"), 1);
    y += tgt + 2 * pad;

    /* text size */
    app__text_line(ui, pad, y, w, lh, _("Text size"), 4, C_INK);
    y += lh;
    option(ui, "text:small", (app_rect){pad, y, bw, tgt}, _("Small"),
           a->set.text_size == APP_TEXT_SMALL);
    option(ui, "text:normal", (app_rect){pad + bw + pad, y, bw, tgt}, _("Normal"),
           a->set.text_size == APP_TEXT_NORMAL);
    option(ui, "text:large", (app_rect){pad + 2 * (bw + pad), y, bw, tgt}, _("Large"),
           a->set.text_size == APP_TEXT_LARGE);
    y += tgt + 2 * pad;

    /* theme */
    app__text_line(ui, pad, y, w, lh, _("Theme"), 4, C_INK);
    y += lh;
    float tw = (w - pad) / 2;
    option(ui, "theme:day", (app_rect){pad, y, tw, tgt}, _("Daylight, high contrast"),
           a->set.theme == APP__THEME_DAY);
    option(ui, "theme:night", (app_rect){pad + tw + pad, y, tw, tgt}, _("Night"),
           a->set.theme == APP__THEME_NIGHT);
    y += tgt + 2 * pad;

    /* language: each name in its own language, so either can be found */
    app__text_line(ui, pad, y, w, lh,
                   a->lang_cli ? _("Language (set by --lang for this run)") : _("Language"), 4,
                   C_INK);
    y += lh;
    option(ui, "lang:zh", (app_rect){pad, y, tw, tgt}, "中文", app_lang_zh());
    option(ui, "lang:en", (app_rect){pad + tw + pad, y, tw, tgt}, "English", !app_lang_zh());
    y += tgt + 2 * pad;
    app__text_line(ui, pad, y, w, lh, _("Kept on this tablet, beside the journal."), 3.2f, C_DIM);
    app__body_end(a, ui, &body, y + lh + pad);
}

static void save(app *a)
{
    char err[300];
    if (app_settings_save(a->journal_path, &a->set, err, sizeof err) != 0)
        snprintf(a->status, sizeof a->status, _("Settings not saved: %s"), err);
}

static int tap_settings(app *a, const char *id)
{
    if (strcmp(id, "dpi:auto") == 0) {
        a->set.dpi = 0;
    } else if (strcmp(id, "dpi:down") == 0 || strcmp(id, "dpi:up") == 0) {
        /* from the density in use, in steps; within what the settings file accepts */
        int cur = a->set.dpi > 0 ? a->set.dpi : a->auto_dpi > 0 ? a->auto_dpi : 160;
        cur += strcmp(id, "dpi:up") == 0 ? DPI_STEP : -DPI_STEP;
        a->set.dpi = cur < 60 ? 60 : cur > 600 ? 600 : cur;
    } else if (strcmp(id, "text:small") == 0) {
        a->set.text_size = APP_TEXT_SMALL;
    } else if (strcmp(id, "text:normal") == 0) {
        a->set.text_size = APP_TEXT_NORMAL;
    } else if (strcmp(id, "text:large") == 0) {
        a->set.text_size = APP_TEXT_LARGE;
    } else if (strcmp(id, "theme:day") == 0) {
        a->set.theme = APP__THEME_DAY;
    } else if (strcmp(id, "theme:night") == 0) {
        a->set.theme = APP__THEME_NIGHT;
    } else if (strcmp(id, "lang:zh") == 0 || strcmp(id, "lang:en") == 0) {
        /* at once: every text is made again from the catalogue at the next frame */
        int en = strcmp(id, "lang:en") == 0;
        a->set.lang = en ? 2 : 1;
        if (app_i18n_init(en ? "en" : "zh_CN", NULL) != 0)
            snprintf(a->status, sizeof a->status, "%s",
                     "no zh_CN translations found: the interface is in English");
    } else {
        return 0;
    }
    save(a);
    return 1;
}

const app__screen_ops app__screen_settings = {.build = build_settings, .tap = tap_settings};
