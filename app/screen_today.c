/*
 * screen_today.c - Today: the units assigned to this tablet with their progress (@unit:CODE
 * opens a unit's map), the sync state, and the way to Day end (@day-end). Reads only the state
 * app.c loaded; never writes the journal, never includes SDL.
 */
#include <stdio.h>
#include <string.h>

#include "app_int.h"
#include "i18n.h"

static void build_today(app *a, app_ui *ui, int64_t now_ms)
{
    float top = app__top_bar(a, ui, _("Today"), now_ms);
    float pad = app__mm(ui, 2), row_h = app__target(ui) * 1.6f, y = top + pad;
    if (a->nunits == 0)
        app_ui_text(ui, (app_rect){pad, y, ui->width - 2 * pad, row_h},
                    _("No units assigned. Import a task package or sync with the office."),
                    app__text_px(ui, 3.5f), APP_ALIGN_LEFT, C_DIM);
    float bar_h = app__target(ui) * 1.3f + 2 * pad;
    float bottom = ui->height - bar_h;
    for (size_t i = 0; i < a->nunits && y + row_h <= bottom; i++) {
        const app_unit_row *r = &a->units[i];
        app_rect box = {pad, y, ui->width - 2 * pad, row_h};
        app_ui_fill(ui, box, i % 2 ? 0xf4f6f9ffu : C_BG);
        app_ui_frame(ui, box, 1, C_LINE);
        char line[512];
        snprintf(line, sizeof line, "%s  %s", r->u.code, r->u.name ? r->u.name : "");
        app_ui_text(ui, (app_rect){box.x + pad, box.y, box.w - 2 * pad, row_h / 2}, line,
                    app__text_px(ui, 4), APP_ALIGN_LEFT, C_INK);
        snprintf(line, sizeof line,
                 _("%s · points %d · verified %d/%d · disputes %d · signatures %d/%d%s"), r->u.type,
                 r->p.points, r->p.fields_verified, (int)SV_FIELD_COUNT, r->p.disputes_open,
                 r->p.signatures_current, r->p.signatures_current + r->p.signatures_missing,
                 !a->sync || !a->ss.enrolled       ? ""
                 : r->p.last_seq > a->ss.acked_seq ? _(" · not synced")
                                                   : _(" · synced"));
        app_ui_text(ui, (app_rect){box.x + pad, box.y + row_h / 2, box.w - 2 * pad, row_h / 2},
                    line, app__text_px(ui, 3.2f), APP_ALIGN_LEFT, C_DIM);
        char id[80];
        snprintf(id, sizeof id, "unit:%s", r->u.code);
        app_ui_widget(ui, id, box, 1);
        y += row_h + pad;
    }
    /* bottom bar: the sync state and the day's end */
    app_rect bar = {0, bottom, (float)ui->width, bar_h};
    app_ui_fill(ui, bar, 0xeef1f5ffu);
    app_ui_fill(ui, (app_rect){0, bottom, bar.w, 2}, C_INK);
    char st[400];
    app_color sc = C_DIM;
    if (!a->sync && a->sync_err[0])
        snprintf(st, sizeof st, _("Sync: not started (%s); open Day end to try again"),
                 a->sync_err);
    else if (!a->sync)
        snprintf(st, sizeof st, "%s", _("Sync: not available (read-only journal)"));
    else if (!a->ss.enrolled)
        snprintf(st, sizeof st, "%s", _("Sync: this tablet is not enrolled with a county office"));
    else if (a->ss.busy)
        snprintf(st, sizeof st, _("Sync: sending to %s…"), a->ss.office);
    else if (a->ss.acked_seq >= a->ss.last_seq)
        snprintf(st, sizeof st, _("Sync: everything is at %s"), a->ss.office), sc = C_OK;
    else
        snprintf(st, sizeof st, _("Sync: %lld entries not yet at %s"),
                 (long long)(a->ss.last_seq - a->ss.acked_seq), a->ss.office),
            sc = C_WARN;
    float bw = app__target(ui) * 3.2f;
    app_ui_text(ui, (app_rect){pad, bottom + pad, ui->width - bw - 3 * pad, bar_h - 2 * pad}, st,
                app__text_px(ui, 3.5f), APP_ALIGN_LEFT, sc);
    app__button(ui, "day-end", (app_rect){ui->width - bw - pad, bottom + pad, bw, bar_h - 2 * pad},
                _("Day end"), 1);
}

static int tap_today(app *a, const char *id)
{
    if (strncmp(id, "unit:", 5) == 0) {
        for (size_t i = 0; i < a->nunits; i++)
            if (strcmp(a->units[i].u.code, id + 5) == 0 && app_select_unit(a, (int)i) == SV_OK) {
                app__go(a, APP_SCR_MAP);
                return 1;
            }
        return 0;
    }
    if (strcmp(id, "day-end") == 0) {
        app__open(a, APP_SCR_DAYEND);
        return 1;
    }
    return 0;
}

const app__screen_ops app__screen_today = {.build = build_today, .tap = tap_today};
