/*
 * screen_today.c - Today: the units assigned to this tablet, grouped by stage (returned by the
 * office, at the top and only when there is one, each row with the reviewer's note; to do, in
 * progress, done: sv_unit_stage_office of each unit's summary and the office's word from the
 * last sync, app_unit_row.stage) with counts,
 * a search field (@search: code or name, case-insensitive, part of either), a list scrolled by
 * drag and fling (@unit:CODE opens a unit's map), the sync state, Settings (@settings) and Day
 * end (@day-end). Rows outside the list's viewport register no widget, rows cut by its edges
 * register only their visible part. Reads only the state app.c loaded; never writes the
 * journal, never includes SDL.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app_int.h"
#include "i18n.h"

static const char *group_label(sv_stage st)
{
    switch (st) {
    case SV_STAGE_TODO:
        return _("To do");
    case SV_STAGE_IN_PROGRESS:
        return _("In progress");
    case SV_STAGE_RETURNED:
        return _("Returned by the office");
    case SV_STAGE_DONE:
        return _("Done");
    }
    return "";
}

/* Case-insensitive (ASCII) substring: "zr0000" finds 622901ZR000002. */
static int has_part(const char *s, const char *part)
{
    if (!part[0])
        return 1;
    if (!s)
        return 0;
    size_t n = strlen(part);
    for (; *s; s++) {
        size_t i = 0;
        while (i < n && s[i] && tolower((unsigned char)s[i]) == tolower((unsigned char)part[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

static int matches(const app *a, const app_unit_row *r)
{
    return has_part(r->u.code, a->search) || has_part(r->u.name, a->search);
}

/* Text inside the band only when its whole line is (a half-cut line is not drawn). */
static void band_text(app_ui *ui, app_rect box, const char *t, int px, app_color c, float y0,
                      float y1)
{
    if (box.y >= y0 - 0.5f && box.y + box.h <= y1 + 0.5f)
        app_ui_text(ui, box, t, px, APP_ALIGN_LEFT, c);
}

/* Whether wrapped text (app__fit_label's out) lies inside box at px. */
static int wrapped_fits(const char *w, int px, app_rect box)
{
    int lines = 0;
    for (const char *q = w; *q || lines == 0;) {
        const char *e = strchr(q, '\n');
        size_t k = e ? (size_t)(e - q) : strlen(q);
        char one[512];
        snprintf(one, sizeof one, "%.*s", (int)(k < sizeof one ? k : sizeof one - 1), q);
        if (app__text_width(one, px) > box.w + 0.5f)
            return 0;
        lines++;
        q += k + (e != NULL);
        if (!e)
            break;
    }
    return 1.3f * (float)px * (float)lines <= box.h + 0.5f;
}

/* A long office note is cut (at a character) with "…" until it fits its line; returns the px. */
static int fit_note(const app_ui *ui, app_rect box, char *text, size_t cap, char *out, size_t n)
{
    int px = app__fit_label(ui, box, text, app__text_px(ui, 3.2f), out, n);
    while (!wrapped_fits(out, px, box)) {
        size_t len = strlen(text);
        if (len > 3 && strcmp(text + len - 3, "…") == 0)
            len -= 3;
        size_t cut = len - len / 10 - 1;
        while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
            cut--;
        if (cut == 0 || cut + 4 > cap)
            break;
        memcpy(text + cut, "…", 4);
        px = app__fit_label(ui, box, text, app__text_px(ui, 3.2f), out, n);
    }
    return px;
}

static void draw_row(app *a, app_ui *ui, app_unit_row *r, app_rect box, int alt, float y0, float y1,
                     float pad)
{
    app_rect vis = app__clip(box, y0, y1);
    if (vis.h <= 0)
        return;
    app_ui_fill(ui, vis, alt ? app__th->row_alt : C_BG);
    app_ui_frame(ui, vis, 1, C_LINE);
    char line[512], shown[2300];
    snprintf(line, sizeof line, "%s  %s", r->u.code, r->u.name ? r->u.name : "");
    app_rect l1 = {box.x + pad, box.y, box.w - 2 * pad, box.h / 2};
    int px1 = app__fit_label(ui, l1, line, app__text_px(ui, 4), shown, sizeof shown);
    int l1_drawn = l1.y >= y0 - 0.5f && l1.y + l1.h <= y1 + 0.5f;
    if (l1_drawn)
        app__draw_label(ui, l1, shown, px1, APP_ALIGN_LEFT, C_INK);
    char line2[2200];
    /* the type's label in the interface's language (its code is the Chinese), read from the
     * journal's code list once per language, not at every frame */
    int en = !app_lang_zh();
    if (r->type_label_en != en) {
        if (en)
            app__code_label(a, "unit-type", r->u.type, r->type_label, sizeof r->type_label);
        else
            snprintf(r->type_label, sizeof r->type_label, "%s", r->u.type);
        r->type_label_en = en;
    }
    if (r->stage == SV_STAGE_RETURNED)
        /* the reviewer's note: what the crew is to redo */
        snprintf(line2, sizeof line2, _("Office note: %s"),
                 r->office_note[0] ? r->office_note : _("(no note)"));
    else
        snprintf(line2, sizeof line2,
                 _("%s · points %d · verified %d/%d · disputes %d · signatures %d/%d%s"),
                 r->type_label, r->p.points, r->p.fields_verified, (int)SV_FIELD_COUNT,
                 r->p.disputes_open, r->p.signatures_current,
                 r->p.signatures_current + r->p.signatures_missing,
                 /* as Day end counts it: whatever the office has not acknowledged (all of
                  * it on a tablet not enrolled yet) is not synced */
                 r->p.last_seq > (a->sync ? a->ss.acked_seq : 0) ? _(" · not synced")
                 : a->sync && a->ss.enrolled                     ? _(" · synced")
                                                                 : "");
    app_rect l2 = {box.x + pad, box.y + box.h / 2, box.w - 2 * pad, box.h / 2};
    int px2 = r->stage == SV_STAGE_RETURNED
                  ? fit_note(ui, l2, line2, sizeof line2, shown, sizeof shown)
                  : app__fit_label(ui, l2, line2, app__text_px(ui, 3.2f), shown, sizeof shown);
    if (l2.y >= y0 - 0.5f && l2.y + l2.h <= y1 + 0.5f)
        app__draw_label(ui, l2, shown, px2, APP_ALIGN_LEFT,
                        r->stage == SV_STAGE_RETURNED ? C_WARN : C_DIM);
    if (!app__cut_target(ui, box, vis))
        return;
    char id[80];
    snprintf(id, sizeof id, "unit:%s", r->u.code);
    app_ui_widget(ui, id, vis, 1);
    if (!l1_drawn) /* cut at the list's edge: the row shows no name, it reports none */
        return;
    char l1s[512];
    px1 = app__fit_label(ui, l1, line, app__text_px(ui, 4), l1s, sizeof l1s);
    app_ui_widget_text(ui, l1s, px1, l1.w);
}

static void build_today(app *a, app_ui *ui, int64_t now_ms)
{
    app__fling_advance(&a->today_scroll, &a->today_vel, &a->today_fling_ms, a->today_dragging,
                       now_ms);
    float top = app__top_bar(a, ui, _("Today"), now_ms);
    float pad = app__mm(ui, 2), tgt = app__target(ui), row_h = tgt * 1.6f;
    float bar_h = tgt * 1.3f + 2 * pad;
    float bottom = ui->height - bar_h;

    /* the search row: the field, Clear while something is typed, Settings */
    float sy = top + pad, sw = tgt * 2.6f, cw = a->search[0] ? tgt * 1.8f : 0;
    app_rect field = {pad, sy, ui->width - 3 * pad - sw - (cw > 0 ? cw + pad : 0), tgt};
    app_ui_fill(ui, field, app__th->field);
    app_ui_frame(ui, field, a->search_on ? 3 : 2, app__th->field_edge);
    app_rect st = app_rect_inset(field, pad);
    char shown[300];
    const char *stext = a->search[0] ? a->search : _("Search code or name");
    int spx = app__fit_label(ui, st, stext, app__text_px(ui, 4), shown, sizeof shown);
    app__draw_label(ui, st, shown, spx, APP_ALIGN_LEFT, a->search[0] ? C_INK : C_DIM);
    app_ui_widget(ui, "search", field, 1);
    app_ui_widget_text(ui, shown, spx, st.w);
    if (cw > 0)
        app__button(ui, "search-clear", (app_rect){field.x + field.w + pad, sy, cw, tgt},
                    _("Clear"), 1);
    app__button(ui, "settings", (app_rect){ui->width - pad - sw, sy, sw, tgt}, _("Settings"), 1);

    /* the list: group headers and rows, scrolled */
    float y0 = sy + tgt + pad, y1 = bottom, head_h = app__mm(ui, 9);
    size_t nmatch = 0, count[SV_STAGE_COUNT] = {0};
    for (size_t i = 0; i < a->nunits; i++)
        if (matches(a, &a->units[i])) {
            nmatch++;
            count[a->units[i].stage]++;
        }
    /* returned first (the crew's work to redo), shown only when there is one; then the units
     * begun, so the one the crew is working on is at the top, not under a county's to-dos */
    static const sv_stage order[SV_STAGE_COUNT] = {SV_STAGE_RETURNED, SV_STAGE_IN_PROGRESS,
                                                   SV_STAGE_TODO, SV_STAGE_DONE};
    float content = 0;
    for (int g = 0; g < SV_STAGE_COUNT; g++)
        if (g != SV_STAGE_RETURNED || count[g] > 0)
            content += head_h + pad + (float)count[g] * (row_h + pad);
    float max = content > y1 - y0 ? content - (y1 - y0) : 0;
    if (a->today_scroll > max || a->today_scroll < 0) {
        a->today_scroll = a->today_scroll > max ? max : 0;
        a->today_vel = 0; /* a fling stops at the ends */
    }
    float y = y0 - a->today_scroll;
    if (a->nunits == 0)
        app_ui_text(ui, (app_rect){pad, y0, ui->width - 2 * pad, row_h},
                    _("No units assigned. Import a task package or sync with the office."),
                    app__text_px(ui, 3.5f), APP_ALIGN_LEFT, C_DIM);
    else if (nmatch == 0) {
        /* the search as typed, its first 24 characters (a long one ran off the window) */
        char msg[300], typed[128];
        size_t b = 0;
        int cps = 0;
        for (; a->search[b] && cps <= 24; b++)
            cps += ((unsigned char)a->search[b] & 0xc0) != 0x80;
        if (cps > 24) /* b is one byte into the 25th character: back to its start */
            b--;
        snprintf(typed, sizeof typed, "%.*s%s", (int)b, a->search, a->search[b] ? "…" : "");
        snprintf(msg, sizeof msg, _("No unit matches “%s”"), typed);
        app_ui_text(ui, (app_rect){pad, y0, ui->width - 2 * pad, row_h}, msg,
                    app__text_px(ui, 3.5f), APP_ALIGN_LEFT, C_DIM);
    }
    for (int gi = 0; a->nunits && nmatch && gi < SV_STAGE_COUNT; gi++) {
        int g = (int)order[gi];
        if (g == SV_STAGE_RETURNED && count[g] == 0)
            continue;
        app_rect hb = {pad, y, ui->width - 2 * pad, head_h};
        app_rect hv = app__clip(hb, y0, y1);
        if (hv.h > 0) {
            app_ui_fill(ui, hv, app__th->group);
            char head[200];
            snprintf(head, sizeof head, "%s · %zu", group_label((sv_stage)g), count[g]);
            band_text(ui, app_rect_inset(hb, app__mm(ui, 1)), head, app__text_px(ui, 3.5f), C_INK,
                      y0, y1);
        }
        y += head_h + pad;
        int k = 0;
        for (size_t i = 0; i < a->nunits; i++) {
            app_unit_row *r = &a->units[i];
            if (!matches(a, r) || r->stage != g)
                continue;
            if (y + row_h > y0 && y < y1)
                draw_row(a, ui, r, (app_rect){pad, y, ui->width - 2 * pad, row_h}, k % 2, y0, y1,
                         pad);
            y += row_h + pad;
            k++;
        }
    }
    if (max > 0) {
        /* where the view is in the list: a bar at the right edge */
        float track = y1 - y0, th = track * (y1 - y0) / content;
        float ty = y0 + (track - th) * (a->today_scroll / max);
        app_ui_fill(ui, (app_rect){ui->width - app__mm(ui, 1.5f), ty, app__mm(ui, 1.2f), th},
                    C_DIM);
    }

    /* bottom bar: the sync state and the day's end */
    app_rect bar = {0, bottom, (float)ui->width, bar_h};
    app_ui_fill(ui, bar, app__th->panel);
    app_ui_fill(ui, (app_rect){0, bottom, bar.w, 2}, C_INK);
    char st2[400];
    app_color sc = C_DIM;
    if (!a->sync && a->sync_err[0])
        snprintf(st2, sizeof st2, _("Sync: not started (%s); open Day end to try again"),
                 a->sync_err);
    else if (!a->sync)
        snprintf(st2, sizeof st2, "%s", _("Sync: not available (read-only journal)"));
    else if (!a->ss.enrolled)
        snprintf(st2, sizeof st2, "%s",
                 _("Sync: this tablet is not enrolled with a county office"));
    else if (a->ss.busy)
        snprintf(st2, sizeof st2, _("Sync: sending to %s…"), a->ss.office);
    else if (a->ss.acked_seq >= a->ss.last_seq)
        snprintf(st2, sizeof st2, _("Sync: everything is at %s"), a->ss.office), sc = C_OK;
    else
        snprintf(st2, sizeof st2,
                 ngettext("Sync: %lld entry not yet at %s", "Sync: %lld entries not yet at %s",
                          (unsigned long)(a->ss.last_seq - a->ss.acked_seq)),
                 (long long)(a->ss.last_seq - a->ss.acked_seq), a->ss.office),
            sc = C_WARN;
    float bw = tgt * 3.2f;
    app__text_fit(ui, (app_rect){pad, bottom + pad, ui->width - bw - 3 * pad, bar_h - 2 * pad}, st2,
                  3.5f, APP_ALIGN_LEFT, sc);
    app__button(ui, "day-end", (app_rect){ui->width - bw - pad, bottom + pad, bw, bar_h - 2 * pad},
                _("Day end"), 1);
}

static void search_focus(app *a, int on)
{
    a->search_on = on;
    a->want_text = on;
}

static int tap_today(app *a, const char *id)
{
    a->today_vel = 0; /* a tap stops a fling */
    if (strcmp(id, "search") == 0) {
        search_focus(a, 1);
        return 1;
    }
    if (strcmp(id, "search-clear") == 0) {
        a->search[0] = '\0';
        a->today_scroll = 0;
        return 1;
    }
    search_focus(a, 0);
    if (strncmp(id, "unit:", 5) == 0) {
        for (size_t i = 0; i < a->nunits; i++)
            if (strcmp(a->units[i].u.code, id + 5) == 0 && app_select_unit(a, (int)i) == SV_OK) {
                app__go(a, APP_SCR_MAP);
                return 1;
            }
        return 0;
    }
    if (strcmp(id, "settings") == 0) {
        app__open(a, APP_SCR_SETTINGS);
        return 1;
    }
    if (strcmp(id, "day-end") == 0) {
        app__open(a, APP_SCR_DAYEND);
        return 1;
    }
    return 1;
}

/* Drag scrolls with the finger; lifting a moving finger throws the list (a fling). */
static int gesture_today(app *a, const app_widget *w, const app_gesture *g)
{
    (void)w;
    return app__fling_gesture(&a->today_scroll, &a->today_vel, &a->today_fling_ms,
                              &a->today_dragging, g);
}

int app__today_text(app *a, const char *utf8)
{
    size_t n = strlen(a->search), k = strlen(utf8);
    if (n + k >= sizeof a->search)
        return 0;
    memcpy(a->search + n, utf8, k + 1);
    a->today_scroll = 0;
    a->today_vel = 0;
    return 1;
}

int app__today_key(app *a, int key)
{
    if (key == APP_KEY_BACKSPACE) {
        size_t n = strlen(a->search);
        while (n > 0 && ((unsigned char)a->search[n - 1] & 0xc0) == 0x80)
            n--;
        if (n > 0)
            n--;
        a->search[n] = '\0';
        a->today_scroll = 0;
        return 1;
    }
    if (key == APP_KEY_ENTER) {
        search_focus(a, 0);
        return 1;
    }
    return 0;
}

const app__screen_ops app__screen_today = {
    .build = build_today, .tap = tap_today, .gesture = gesture_today};
