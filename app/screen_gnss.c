/*
 * screen_gnss.c - GNSS: the receiver's state as gpsd reports it (fix grade in colour, stale
 * marked, satellites per constellation, DOPs, error estimates, correction and fix age,
 * position), or "no receiver". Reads only the GNSS thread's snapshot; never writes the journal,
 * never includes SDL.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app_int.h"
#include "i18n.h"

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
        app_ui_fill(ui, big, app__th->no_receiver);
        /* without --gnss there is no gpsd to blame: say what is missing */
        app__text_fit(ui, app_rect_inset(big, app__mm(ui, 1)),
                      a->gnss_ok ? _("No receiver: gpsd is not answering")
                                 : _("No receiver: the app was started without --gnss HOST:PORT"),
                      5, APP_ALIGN_CENTER, C_BAR_INK);
        y += big.h + pad;
        if (a->gnss.error[0])
            app__text_fit(ui, (app_rect){pad, y, big.w, 2 * lh}, a->gnss.error, 3.8f,
                          APP_ALIGN_LEFT, C_DIM);
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
    /* the receiver's own estimate (GST) where it sends one, and which estimate it is */
    fmt_num(a1, sizeof a1, _("%.3f m"), f->err_h);
    fmt_num(a2, sizeof a2, _("%.3f m"), f->epv);
    snprintf(store[n], 200, _("Error estimate: horizontal %s, vertical %s"), a1, a2);
    lines[n] = store[n], n++;
    snprintf(store[n], 200, "%s",
             f->err_source == SV_HERR_GST    ? _("Horizontal estimate: the receiver's own (GST)")
             : f->err_source == SV_HERR_GPSD ? _("Horizontal estimate: gpsd's eph (from DOP)")
                                             : _("Horizontal estimate: none"));
    lines[n] = store[n], n++;
    fmt_num(a1, sizeof a1, _("%.1f s"), f->corr_age);
    fmt_num(a2, sizeof a2, _("%.1f s"), (double)sv_fix_age_ms(f, now_ms) / 1000);
    snprintf(store[n], 200, _("Correction age %s, fix age %s"), a1, a2);
    lines[n] = store[n], n++;
    fmt_num(a1, sizeof a1, "%.8f", f->lat);
    fmt_num(a2, sizeof a2, "%.8f", f->lon);
    fmt_num(a3, sizeof a3, _("%.3f m"), f->alt_hae);
    snprintf(store[n], 200, _("Latitude %s  Longitude %s  Height %s"), a1, a2, a3);
    lines[n] = store[n], n++;
    /* a line too wide for the screen (the position at 800x1280 and 224 DPI) wraps onto two */
    float w = ui->width - 2 * pad;
    for (int i = 0; i < n; i++) {
        float h = app__text_width(lines[i], tp) > w ? 2 * lh : lh;
        app__text_fit(ui, (app_rect){pad, y, w, h}, lines[i], 3.8f, APP_ALIGN_LEFT, C_INK);
        y += h;
    }
}

const app__screen_ops app__screen_gnss = {.build = build_gnss};
