/*
 * modal.c - the modal layers over any screen: a list of choices (pickers), the numeric keypad,
 * and text entry with common phrases (typing through SDL text input, so the system's input
 * method does Chinese). The answer goes to the screen that asked (its answer operation). Holds
 * no screen's logic, never writes the journal, never includes SDL.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "i18n.h"
#include "survey/limits.h"

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

void app__open_modal(app *a, app_modal m, app_ask ask, const char *title)
{
    app__close_modal(a);
    a->modal = m;
    a->ask = ask;
    a->scroll = 0;
    snprintf(a->modal_title, sizeof a->modal_title, "%s", title);
    a->text[0] = '\0';
    a->want_text = m == APP_MODAL_TEXT;
}

void app__pick_add(app *a, const char *label, const char *value)
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
void app__pick_codes(app *a, const char *list)
{
    sv_code *c = NULL;
    size_t n = 0;
    if (sv_state_codes(a->j, list, &c, &n) == SV_OK)
        for (size_t i = 0; i < n; i++) {
            char lab[256];
            app__pick_add(
                a, app__code_text(list, c[i].code, c[i].label ? c[i].label : "", lab, sizeof lab),
                c[i].code);
        }
    sv_codes_free(c, n);
}

void app__build_modal(app *a, app_ui *ui)
{
    ui->nw = 0; /* only the modal layer takes input */
    app_ui_fill(ui, (app_rect){0, 0, (float)ui->width, (float)ui->height}, app__th->scrim);
    float pad = app__mm(ui, 3), t = app__target(ui);
    float w = fminf((float)ui->width - 2 * pad, app__mm(ui, 190));
    app_rect box = {((float)ui->width - w) / 2, pad, w, (float)ui->height - 2 * pad};
    app_ui_fill(ui, box, C_BG);
    app_ui_frame(ui, box, 3, C_INK);
    float x = box.x + pad, y = box.y + pad, iw = box.w - 2 * pad;
    app__text_line(ui, x, y, iw, t, a->modal_title, 4.5f, C_INK);
    y += t + pad / 2;
    float bottom = box.y + box.h - pad - t;
    char id[32];

    if (a->modal == APP_MODAL_PICK) {
        int cols = iw > app__mm(ui, 120) ? 2 : 1;
        float cw = (iw - pad * (float)(cols - 1)) / (float)cols, rh = t * 1.1f;
        int rows = (a->npick + cols - 1) / cols;
        int first = app__list_first(a, y, bottom - pad, rh + pad / 2, rows), shown = 0;
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
        app__list_hints(ui, x, y, bottom - pad, iw, first * cols, shown * cols, a->npick);
        app__button(ui, "pick-cancel", (app_rect){x, bottom, iw / 3, t}, _("Cancel"), 1);
        return;
    }
    /* keypad and text: the value being entered */
    app_rect field = {x, y, iw, t * 1.2f};
    app_ui_fill(ui, field, app__th->field);
    app_ui_frame(ui, field, 2, C_INK);
    /* the end of what is typed, where the cursor is, always in view: as many code points as
     * full-width glyphs fit (Latin text takes less) */
    char shown[APP_LONG_TEXT_MAX + 16];
    /* less the "…" before and the cursor after (the last glyph typed was cut in half) */
    int fit = (int)((field.w - app__mm(ui, 6)) / (float)app__text_px(ui, 5)) - 2;
    if (fit < 1)
        fit = 1;
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
        /* the keys in 3 columns x 4 rows, else 4 x 3, else 6 x 2: the first grid whose keys
         * stay at least 10 mm high (a short landscape, 1280x800 at 224 DPI, leaves room for
         * two rows only) */
        static const char *const keys[12] = {"0", "1", "2", "3", "4", "5",
                                             "6", "7", "8", "9", ".", "←"};
        static const char *const ids[12] = {"key:0", "key:1", "key:2",   "key:3",
                                            "key:4", "key:5", "key:6",   "key:7",
                                            "key:8", "key:9", "key:dot", "key:del"};
        static const struct {
            int cols;
            int order[12]; /* indices into keys, row by row */
        } grids[] = {{3, {7, 8, 9, 4, 5, 6, 1, 2, 3, 10, 0, 11}},
                     {4, {7, 8, 9, 11, 4, 5, 6, 10, 1, 2, 3, 0}},
                     {6, {1, 2, 3, 4, 5, 11, 6, 7, 8, 9, 0, 10}}};
        const size_t ng = sizeof grids / sizeof grids[0];
        float avail = bottom - pad - y, kh = 0;
        size_t g = 0;
        for (;; g++) {
            int rows = 12 / grids[g].cols;
            kh = fminf(t * 1.3f, (avail - (float)(rows - 1) * pad / 2) / (float)rows);
            if (kh >= app__mm(ui, 10) || g + 1 >= ng)
                break;
        }
        if (kh < app__mm(ui, 10))
            kh = app__mm(ui, 10); /* never under the touch minimum, even if it runs long */
        int cols = grids[g].cols;
        float kw = (iw - (float)(cols - 1) * pad) / (float)cols;
        for (int i = 0; i < 12; i++) {
            int k = grids[g].order[i];
            app__button(ui, ids[k],
                        (app_rect){x + (float)(i % cols) * (kw + pad),
                                   y + (float)(i / cols) * (kh + pad / 2), kw, kh},
                        keys[k], 1);
        }
        app__button(ui, "key:cancel", (app_rect){x, bottom, bw, t}, _("Cancel"), 1);
        app__button(ui, "key:ok", (app_rect){x + 2 * (bw + pad), bottom, bw, t}, _("OK"),
                    a->text[0] != '\0');
        return;
    }
    /* text: common phrases so gloved hands rarely type */
    if (a->npick)
        app__text_line(ui, x, y, iw, t * 0.7f, _("Common phrases (tap to insert), or type:"), 3.2f,
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
    /* nothing but blanks is no answer: the journal refuses such a reason, name or statement
     * (sv_text_blank), and a decision queued with it could only fail */
    app__button(ui, "text-ok", (app_rect){x + 2 * (bw + pad), bottom, bw, t}, _("OK"),
                !sv_text_blank(a->text));
}

/* ---- answers from the modal layer ------------------------------------------------------------ */

/* The crew's answer to the open modal. Returns 1 (the screen changed). */
static int answer(app *a, const char *value)
{
    app_ask ask = a->ask;
    int k = a->ask_field;
    char v[APP_LONG_TEXT_MAX];
    snprintf(v, sizeof v, "%s", value);
    app__close_modal(a);
    a->status[0] = '\0';
    if (ask == APP_ASK_DISCARD_FAILED) { /* the banner's, on every screen */
        char last[APP_REC_LABEL];
        if (strcmp(v, "discard") == 0 && a->rec) {
            int n = app_rec_discard_failed(a->rec, a->discard_shown, last, sizeof last);
            app_rec_get(a->rec, &a->rs);
            snprintf(a->status, sizeof a->status,
                     ngettext("%d decision given up, not recorded (last: %s)",
                              "%d decisions given up, not recorded (last: %s)", (unsigned long)n),
                     n, last);
        }
        return 1;
    }
    /* the screen that asked takes the answer: each knows only its own asks */
    for (int s = 0; ask != APP_ASK_NONE && s < APP__NSCREENS; s++) {
        const app__screen_ops *o = app__screen((app_screen)s);
        if (o->answer && o->answer(a, ask, k, v))
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
    size_t want = n;
    while (n > 0 && l + n >= sizeof a->text) {
        n--;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(a->text + l, s, n);
    a->text[l + n] = '\0';
    if (n < want) /* said, never cut without a word */
        snprintf(a->status, sizeof a->status,
                 _("The text is at its limit (%zu bytes): what was typed after it is not kept"),
                 sizeof a->text - 1);
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
    if (a->modal == APP_MODAL_NONE && a->screen == APP_SCR_TODAY && a->search_on)
        return app__today_text(a, utf8);
    if (a->modal != APP_MODAL_TEXT && a->modal != APP_MODAL_KEYPAD)
        return 0;
    return append_text(a, utf8);
}

int app_on_key(app *a, int key)
{
    if (a->modal == APP_MODAL_NONE && a->screen == APP_SCR_TODAY && a->search_on)
        return app__today_key(a, key);
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

int app__tap_modal(app *a, const char *id)
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
    if ((strcmp(id, "text-ok") == 0 || strcmp(id, "key:ok") == 0) && !sv_text_blank(a->text))
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
