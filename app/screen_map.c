/*
 * screen_map.c - Map: the unit's map (map_view.c), the GK X/Y of the position with the distance
 * and bearing to the next draft vertex without a point, navigation to a chosen target
 * (@navigate, navigate.c), and the action bar that opens the unit's work (@record, @walk, @verify,
 * @sign, @dispute, @points, @note, @attach). Never writes the journal, never includes SDL.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app_int.h"
#include "i18n.h"

/* The action bar under the map: the unit's work. */
static const struct {
    const char *id, *label;
} acts[] = {{"record", N_("Record point")}, {"walk", N_("Walk")},
            {"verify", N_("Verify")},       {"sign", N_("Point out & sign")},
            {"dispute", N_("Dispute")},     {"points", N_("Points")},
            {"note", N_("Note")},           {"attach", N_("Photos")}};
#define NACTS (sizeof acts / sizeof acts[0])

/* In one row where each button is at least 16 mm wide, else two (a portrait 800x1280 at 224 DPI
 * cut "Dispute" in English). */
static int bar_rows(const app_ui *ui)
{
    float pad = app__mm(ui, 1.5f);
    return (ui->width - pad * (float)(NACTS + 1)) / (float)NACTS >= app__mm(ui, 16) ? 1 : 2;
}

static float bar_height(const app_ui *ui)
{
    return (float)bar_rows(ui) * (app__target(ui) * 1.15f + app__mm(ui, 1.5f)) + app__mm(ui, 1.5f);
}

static float action_bar(app *a, app_ui *ui, float y)
{
    int rows = bar_rows(ui);
    size_t per = (NACTS + (size_t)rows - 1) / (size_t)rows;
    float pad = app__mm(ui, 1.5f), h = app__target(ui) * 1.15f;
    int can_write = a->rec != NULL && a->cur >= 0;
    for (size_t i = 0; i < NACTS; i++) {
        size_t r = i / per, in_row = r + 1 < (size_t)rows ? per : NACTS - r * per;
        float w = (ui->width - pad * (float)(in_row + 1)) / (float)in_row;
        app__button(ui, acts[i].id,
                    (app_rect){pad + (float)(i - r * per) * (w + pad),
                               y + pad + (float)r * (h + pad), w, h},
                    _(acts[i].label),
                    /* a read-only journal (a copy for viewing) shows every record: only the
                     * two screens that record nothing else are closed */
                    can_write || (a->cur >= 0 && strcmp(acts[i].id, "record") != 0 &&
                                  strcmp(acts[i].id, "walk") != 0));
    }
    return bar_height(ui);
}

static void build_map(app *a, app_ui *ui, int64_t now_ms)
{
    const app_unit_row *r = a->cur >= 0 ? &a->units[a->cur] : NULL;
    float top = app__top_bar(a, ui, r ? r->u.code : _("Map"), now_ms);
    float info_h = app__target(ui) * 1.7f;
    float bar_h = bar_height(ui);
    app_rect m = {0, top, (float)ui->width, ui->height - top - info_h - bar_h};
    app__draw_map(a, ui, m, now_ms);
    /* @navigate above the map's buttons (map_view.c), and the line to the target */
    app__nav_map(a, ui, app__map_button(ui, m, 3), now_ms);
    double px = NAN, py = NAN;
    app__map_position(a, now_ms, &px, &py);
    const sv_fix *f = app__live_fix(a, now_ms);

    /* info panel: GK X/Y, and navigation or the next draft vertex */
    app_rect info = {0, m.y + m.h, (float)ui->width, info_h};
    app_ui_fill(ui, info, C_BG);
    app_ui_fill(ui, (app_rect){0, info.y, info.w, 2}, C_INK);
    float tw = info.w - app__mm(ui, 6);
    float nav_w =
        app__nav_panel(a, ui, (app_rect){app__mm(ui, 3), info.y + 2, tw, info_h - 2}, now_ms);
    char l1[256], l2[256] = "";
    if (isfinite(px) && f) {
        char crs[96];
        snprintf(l1, sizeof l1, "X %.3f  Y %.3f  (%s)", px, py, app__crs_label(a, crs, sizeof crs));
        /* the first draft vertex without a recorded point within 5 m; distance and bearing by
         * the library's geodesy (true north) */
        const double *ll = r ? r->u.draft.lonlat : NULL;
        for (size_t i = 0; ll && (i + 1 < a->ndraft || (a->ndraft == 1 && i == 0)); i++) {
            int done = 0;
            for (size_t k = 0; k < a->npts && !done; k++)
                done = sv_geo_distance(a->pts[k].lat, a->pts[k].lon, ll[2 * i + 1], ll[2 * i],
                                       NULL) < 5;
            if (done)
                continue;
            double azi = NAN, d = sv_geo_distance(f->lat, f->lon, ll[2 * i + 1], ll[2 * i], &azi);
            snprintf(l2, sizeof l2, _("Next draft vertex %zu: %.1f m, bearing %.0f° (true north)"),
                     i + 1, d, fmod(azi + 360, 360));
            break;
        }
    } else {
        snprintf(l1, sizeof l1, "%s", _("No position"));
    }
    app__text_fit(ui, (app_rect){app__mm(ui, 3), info.y + 2, nav_w >= 0 ? nav_w : tw, info_h / 2},
                  l1, 3.8f, APP_ALIGN_LEFT, C_INK);
    if (nav_w < 0)
        app__text_fit(ui, (app_rect){app__mm(ui, 3), info.y + info_h / 2, tw, info_h / 2}, l2, 3.5f,
                      APP_ALIGN_LEFT, C_DIM);
    action_bar(a, ui, info.y + info_h);
}

static int tap_map(app *a, const char *id)
{
    int nav = app__nav_tap(a, id);
    if (nav >= 0)
        return nav;
    if (strcmp(id, "note") == 0 && a->cur >= 0) {
        app__open_note(a, NULL); /* on the unit */
        return 1;
    }
    if (strcmp(id, "attach") == 0 && a->cur >= 0) {
        app__open_attach(a, NULL);
        return 1;
    }
    static const struct {
        const char *id;
        app_screen s;
    } opens[] = {{"record", APP_SCR_RECORD},   {"walk", APP_SCR_WALK},
                 {"verify", APP_SCR_VERIFY},   {"sign", APP_SCR_SIGN},
                 {"dispute", APP_SCR_DISPUTE}, {"points", APP_SCR_POINTS}};
    for (size_t i = 0; i < sizeof opens / sizeof opens[0]; i++)
        if (strcmp(id, opens[i].id) == 0) {
            if (a->cur < 0)
                return 0;
            app__open(a, opens[i].s);
            return 1;
        }
    return 0;
}

/* A tap on the map chooses a draft vertex to navigate to (while choosing); the rest pans and
 * zooms. */
static int gesture_map(app *a, const app_widget *w, const app_gesture *g)
{
    if (g->type == APP_G_TAP)
        return app__nav_map_tap(a, g->x, g->y);
    return app__map_gesture(a, w, g);
}

const app__screen_ops app__screen_map = {
    .build = build_map, .tap = tap_map, .gesture = gesture_map, .answer = app__nav_answer};
