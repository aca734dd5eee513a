/*
 * screen_note.c - Note: a note on the unit, on one of its points or on a line between two of
 * them (kind "note", sv_record_note), from the Map's @note (the unit) or the Point screen's
 * @note (that point); the target can be changed to another point or a line from-to. A common
 * phrase is picked with one tap (@note-phrase:CODE: the library's list, then the county's
 * "note-phrase" code list), the crew's own words are optional; @note-save hands the note to the
 * recorder thread. The target's notes are listed, each voidable with a reason. Never writes the
 * journal itself, never includes SDL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_int.h"
#include "i18n.h"

/* The library's phrase labels (sv_note_phrase_at), marked here so the catalogue translates
 * them; the screen itself takes the list from the library. */
static const char *const lib_phrase_labels[] = {N_("Marker missing or destroyed"),
                                                N_("Marker moved"),
                                                N_("New marker set"),
                                                N_("No access (fenced, flooded, unsafe)"),
                                                N_("Line not visible on the ground"),
                                                N_("Line changed on the ground since the map"),
                                                N_("Land use differs from the register"),
                                                N_("Revisit needed")};

#define NOTE_PHRASES_MAX 32

typedef struct note_phrase {
    char code[SV_CODE_MAX];
    char label[200];
} note_phrase;

/* The phrases offered: the library's, then the county's code list (a county code that repeats
 * a library code is left out). */
static size_t phrases(app *a, note_phrase *out, size_t max)
{
    size_t n = 0;
    const sv_reason *r;
    (void)lib_phrase_labels;
    for (size_t i = 0; n < max && (r = sv_note_phrase_at(i)) != NULL; i++, n++) {
        app__copy(out[n].code, sizeof out[n].code, r->code);
        app__copy(out[n].label, sizeof out[n].label, _(r->label));
    }
    sv_code *c = NULL;
    size_t nc = 0;
    if (sv_state_codes(a->j, SV_NOTE_PHRASE_LIST, &c, &nc) == SV_OK)
        for (size_t i = 0; i < nc && n < max; i++) {
            if (sv_note_phrase_find(c[i].code))
                continue;
            app__copy(out[n].code, sizeof out[n].code, c[i].code);
            char lab[256];
            app__copy(out[n].label, sizeof out[n].label,
                      app__code_text(SV_NOTE_PHRASE_LIST, c[i].code, c[i].label ? c[i].label : "",
                                     lab, sizeof lab));
            n++;
        }
    sv_codes_free(c, nc);
    return n;
}

void app__open_note(app *a, const char *point)
{
    app__copy(a->note_point, sizeof a->note_point, point ? point : "");
    a->note_from[0] = a->note_to[0] = '\0';
    a->note_phrase[0] = a->note_text[0] = '\0';
    app__go(a, APP_SCR_NOTE);
}

/* Is note o about the target being written? */
static int on_target(const app *a, const sv_note *o)
{
    if (a->note_point[0])
        return strcmp(o->point, a->note_point) == 0;
    if (a->note_from[0])
        return !o->point[0] &&
               ((strcmp(o->from, a->note_from) == 0 && strcmp(o->to, a->note_to) == 0) ||
                (strcmp(o->from, a->note_to) == 0 && strcmp(o->to, a->note_from) == 0));
    return !o->point[0] && !o->from[0];
}

static void target_name(const app *a, char *out, size_t n)
{
    if (a->note_point[0])
        snprintf(out, n, _("point %s"), a->note_point);
    else if (a->note_from[0])
        snprintf(out, n, _("line %s–%s"), a->note_from, a->note_to);
    else
        snprintf(out, n, _("unit %s"), app__unit_code(a));
}

static void build_note(app *a, app_ui *ui, int64_t now_ms)
{
    char title[256], tn[128], buf[APP_LONG_TEXT_MAX + 64];
    target_name(a, tn, sizeof tn);
    snprintf(title, sizeof title, _("Note · %s"), tn);
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 2), t = app__target(ui);
    float x = pad, w = ui->width - 2 * pad;
    int en = a->rec != NULL;
    /* the text and the save button pinned at the window's foot, the rest above them scrolled
     * when it does not fit (1280x800 at 224 DPI put them under the window) */
    float foot = ui->height - pad - t;
    app__body body;
    float y = app__body_begin(a, ui, &body, top, foot - pad, now_ms) + pad;

    /* the target: the unit, a point, a line */
    float tw = (w - 2 * pad) / 3;
    int which = a->note_point[0] ? 1 : a->note_from[0] ? 2 : 0;
    const char *tl[3] = {_("Whole unit"), _("A point…"), _("A line…")};
    const char *tid[3] = {"note-unit", "note-point", "note-line"};
    for (int k = 0; k < 3; k++) {
        app_rect r = {x + (float)k * (tw + pad), y, tw, t};
        const char *lab = tl[k];
        if (k == which && k > 0) {
            snprintf(buf, sizeof buf, "%s", tn);
            lab = buf;
        }
        if (k == which)
            app__big_button(ui, tid[k], r, lab, C_GO, 1);
        else
            app__button(ui, tid[k], r, lab, k == 0 || a->npts >= (k == 1 ? 1u : 2u));
    }
    y += t + pad;

    /* common phrases: one tap picks one (again: none) */
    note_phrase ph[NOTE_PHRASES_MAX];
    size_t nph = phrases(a, ph, NOTE_PHRASES_MAX);
    int cols = w > app__mm(ui, 160) ? 4 : 2;
    float cw = (w - pad * (float)(cols - 1)) / (float)cols, rh = t;
    for (size_t i = 0; i < nph; i++) {
        char id[SV_CODE_MAX + 16];
        snprintf(id, sizeof id, "note-phrase:%.63s", ph[i].code);
        app_rect r = {x + (float)(i % (size_t)cols) * (cw + pad),
                      y + (float)(i / (size_t)cols) * (rh + pad / 2), cw, rh};
        if (strcmp(a->note_phrase, ph[i].code) == 0)
            app__big_button(ui, id, r, ph[i].label, C_GO, 1);
        else
            app__button(ui, id, r, ph[i].label, 1);
    }
    y += (float)((nph + (size_t)cols - 1) / (size_t)cols) * (rh + pad / 2) + pad / 2;

    /* the target's notes, newest first, each voidable */
    size_t nt = 0;
    for (size_t i = 0; i < a->nnotes; i++)
        nt += on_target(a, &a->notes[i]);
    snprintf(buf, sizeof buf, _("Notes on %s: %zu"), tn, nt);
    app__text_line(ui, x, y, w, t * 0.7f, buf, 3.8f, C_INK);
    y += t * 0.7f;
    float vw = t * 2;
    int row = 0;
    for (size_t i = a->nnotes; i-- > 0;) {
        const sv_note *o = &a->notes[i];
        if (!on_target(a, o))
            continue;
        char when[24], lab[200] = "";
        time_t tt = (time_t)(o->time_ms / 1000);
        struct tm tm;
        localtime_r(&tt, &tm);
        strftime(when, sizeof when, "%m-%d %H:%M", &tm);
        const sv_reason *r = o->phrase[0] ? sv_note_phrase_find(o->phrase) : NULL;
        /* a phrase alone records its English label as the text: shown once, translated */
        const char *text = r && o->text && strcmp(o->text, r->label) == 0 ? "" : o->text;
        if (!text)
            text = "";
        if (o->phrase[0]) /* the phrase, and " · " before a text only when there is one */
            snprintf(lab, sizeof lab, "%s%s",
                     r ? _(r->label)
                       : app__code_label(a, SV_NOTE_PHRASE_LIST, o->phrase, tn, sizeof tn),
                     text[0] ? " · " : "");
        snprintf(buf, sizeof buf, "%s · %s%s", when, lab, text);
        app_rect rr = {x, y, w, t};
        app_ui_fill(ui, rr, row++ % 2 ? app__th->row_alt : C_BG);
        app__text_line(ui, x + pad, y, w - vw - 3 * pad, t, buf, 3.5f, C_INK);
        char id[48];
        snprintf(id, sizeof id, "note-void:%lld", (long long)o->seq);
        app__button(ui, id, (app_rect){x + w - vw, y, vw, t}, _("Void…"), en);
        y += t + pad / 2;
    }
    app__body_end(a, ui, &body, y + pad);

    /* the foot: the crew's words, the save */
    snprintf(buf, sizeof buf, _("Text: %s"),
             a->note_text[0] ? a->note_text : _("(optional, tap to enter)"));
    float sw = w / 3;
    app__button(ui, "note-text", (app_rect){x, foot, w - sw - pad, t}, buf, 1);
    app__big_button(ui, "note-save", (app_rect){x + w - sw, foot, sw, t}, _("Save note"), C_GO,
                    en && a->cur >= 0 && (a->note_phrase[0] || a->note_text[0]));
}

static void free_note(void *p)
{
    sv_note_clear(p);
    free(p);
}

static int job_note(sv_journal *j, void *arg, int64_t *seq)
{
    return sv_record_note(j, arg, seq);
}

static void submit_note(app *a)
{
    sv_note *n = calloc(1, sizeof *n);
    if (!n)
        return;
    app__copy(n->unit, sizeof n->unit, app__unit_code(a));
    app__copy(n->point, sizeof n->point, a->note_point);
    app__copy(n->from, sizeof n->from, a->note_from);
    app__copy(n->to, sizeof n->to, a->note_to);
    app__copy(n->phrase, sizeof n->phrase, a->note_phrase);
    n->text = a->note_text[0] ? app__dupstr(a->note_text) : NULL;
    char tn[128], label[APP_REC_LABEL];
    target_name(a, tn, sizeof tn);
    snprintf(label, sizeof label, _("Note on %s"), tn);
    app_rec_submit(a->rec, label, job_note, n, free_note);
    a->note_phrase[0] = a->note_text[0] = '\0';
}

static int tap_note(app *a, const char *id)
{
    if (strcmp(id, "note-unit") == 0) {
        a->note_point[0] = a->note_from[0] = a->note_to[0] = '\0';
        return 1;
    }
    if (strcmp(id, "note-point") == 0) {
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_NOTE_POINT, _("The note is about point"));
        for (size_t i = 0; i < a->npts; i++)
            app__pick_add(a, a->pts[i].number, NULL);
        return 1;
    }
    if (strcmp(id, "note-line") == 0) {
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_NOTE_LINE, _("The note is about line"));
        app__line *l = NULL;
        size_t n = app__unit_lines(a, &l);
        for (size_t i = 0; i < n; i++) {
            char lab[2 * SV_NUMBER_MAX + 8], val[2 * SV_NUMBER_MAX + 2];
            snprintf(lab, sizeof lab, "%s–%s", l[i].from, l[i].to);
            snprintf(val, sizeof val, "%s\t%s", l[i].from, l[i].to);
            app__pick_add(a, lab, val);
        }
        free(l);
        return 1;
    }
    if (strncmp(id, "note-phrase:", 12) == 0) {
        if (strcmp(a->note_phrase, id + 12) == 0)
            a->note_phrase[0] = '\0';
        else
            app__copy(a->note_phrase, sizeof a->note_phrase, id + 12);
        return 1;
    }
    if (strcmp(id, "note-text") == 0) {
        app__open_modal(a, APP_MODAL_TEXT, APP_ASK_NOTE_TEXT, _("The note, in your words"));
        note_phrase ph[NOTE_PHRASES_MAX];
        size_t nph = phrases(a, ph, NOTE_PHRASES_MAX);
        for (size_t i = 0; i < nph; i++)
            app__pick_add(a, ph[i].label, NULL);
        snprintf(a->text, sizeof a->text, "%s", a->note_text);
        return 1;
    }
    if (strcmp(id, "note-save") == 0 && a->rec && a->cur >= 0 &&
        (a->note_phrase[0] || a->note_text[0])) {
        submit_note(a);
        return 1;
    }
    long long seq;
    if (sscanf(id, "note-void:%lld", &seq) == 1 && a->rec) {
        char tn[128], what[200];
        target_name(a, tn, sizeof tn);
        snprintf(what, sizeof what, _("A note on %s"), tn);
        app__ask_void(a, (int64_t)seq, what);
        return 1;
    }
    return 0;
}

static int answer_note(app *a, app_ask ask, int k, const char *v)
{
    (void)k;
    switch (ask) {
    case APP_ASK_NOTE_TEXT:
        app__copy(a->note_text, sizeof a->note_text, v);
        return 1;
    case APP_ASK_NOTE_POINT:
        app__copy(a->note_point, sizeof a->note_point, v);
        a->note_from[0] = a->note_to[0] = '\0';
        return 1;
    case APP_ASK_NOTE_LINE: {
        const char *tab = strchr(v, '\t');
        if (!tab)
            return 1;
        char from[SV_NUMBER_MAX];
        size_t l = (size_t)(tab - v);
        if (l >= sizeof from)
            return 1;
        memcpy(from, v, l);
        from[l] = '\0';
        app__copy(a->note_from, sizeof a->note_from, from);
        app__copy(a->note_to, sizeof a->note_to, tab + 1);
        a->note_point[0] = '\0';
        return 1;
    }
    default:
        return 0;
    }
}

const app__screen_ops app__screen_note = {
    .build = build_note, .tap = tap_note, .gesture = app__body_gesture, .answer = answer_note};
