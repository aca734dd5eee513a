/*
 * screen_walk.c - Walk: the unit's map with the vertices as they are recorded, start and stop,
 * jumps left out, refused and lost epochs. The walk itself goes on in the recorder thread
 * (recorder.h) whatever the screen shows; nothing is written here, never includes SDL.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app_int.h"
#include "i18n.h"

static void build_walk(app *a, app_ui *ui, int64_t now_ms)
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
        app__big_button(ui, "walk-stop", big, _("Stop walk"), C_STOP, 1);
    else
        app__big_button(ui, "walk-start", big,
                        a->rs.walking ? _("Start walk (ends the other walk)") : _("Start walk"),
                        C_GO, a->rec && a->cur >= 0 && a->gnss_ok);
    float tw = ui->width - bw - 3 * pad;
    char l1[300], l2[300], miss[300];
    if (walking) {
        /* each count with its own plural: "1 vertex", "1 jump" */
        char jumps[100];
        snprintf(jumps, sizeof jumps,
                 ngettext("%d jump left out", "%d jumps left out", (unsigned long)s->jumps),
                 s->jumps);
        snprintf(l1, sizeof l1,
                 ngettext("Walking: %d vertex recorded, %s", "Walking: %d vertices recorded, %s",
                          (unsigned long)s->vertices),
                 s->vertices, jumps);
        const char *why = NULL;
        /* the last epoch's verdict while the receiver is there; without it the banner under the
         * top bar says what is wrong, and an old verdict ("the receiver has DGPS") would not */
        switch (app__live_fix(a, now_ms) ? s->walk_verdict : SV_EPOCH_ACCEPTED) {
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
                     ngettext("Refused epochs: %d · %d epoch lost while the journal was busy",
                              "Refused epochs: %d · %d epochs lost while the journal was busy",
                              (unsigned long)s->epochs_lost),
                     s->refused, s->epochs_lost);
        else
            snprintf(l2, sizeof l2, _("Refused epochs: %d%s%s"), s->refused, why ? " · " : "",
                     why ? why : "");
    } else if (a->rec && a->rs.walking) {
        snprintf(l1, sizeof l1,
                 ngettext("Unit %s is being walked (%d vertex)",
                          "Unit %s is being walked (%d vertices)", (unsigned long)a->rs.vertices),
                 a->rs.walk_unit, a->rs.vertices);
        snprintf(l2, sizeof l2, "%s", _("Stop that walk there, or start this one to end it"));
    } else {
        size_t walks = 0;
        for (size_t i = 0; i < a->ntrk; i++)
            walks += i == 0 || !isfinite(a->trk_xy[2 * i - 2]);
        size_t nv = (a->ntrk ? a->ntrk - (walks - 1) : 0) + a->njump;
        if (walks == 0 && nv == 0) {
            snprintf(l1, sizeof l1, "%s", _("Not walking · no walk yet"));
        } else {
            char in[100];
            snprintf(in, sizeof in, ngettext("%zu walk", "%zu walks", (unsigned long)walks), walks);
            snprintf(l1, sizeof l1,
                     ngettext("Not walking · %zu vertex in %s so far",
                              "Not walking · %zu vertices in %s so far", (unsigned long)nv),
                     nv, in);
        }
        /* a disabled Start says why: without a receiver there is nothing to walk with */
        snprintf(l2, sizeof l2, "%s",
                 !a->gnss_ok ? _("No receiver: the app was started without --gnss HOST:PORT")
                 : !a->rec   ? _("The journal is open read-only")
                             : _("A walk goes on with the screen off; the app resumes it after a "
                                   "restart"));
    }
    app__text_line(ui, pad, p.y + pad, tw, panel_h / 2 - pad, l1, 4.2f, C_INK);
    app__text_line(ui, pad, p.y + panel_h / 2, tw, panel_h / 2 - pad, l2, 3.5f,
                   (walking && s->refused) || (!walking && (!a->gnss_ok || !a->rec)) ? C_WARN
                                                                                     : C_DIM);
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

const app__screen_ops app__screen_walk = {
    .build = build_walk, .tap = tap_walk, .gesture = app__map_gesture};
