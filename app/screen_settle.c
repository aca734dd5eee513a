/*
 * screen_settle.c - the on-site settlement of a dispute (@settle on the Dispute screen): the
 * dispute (number, parties, statement, the lines it covers), the agreement text (common phrases
 * offered, or the parties' words) and an optional agreement number (土地权属界线协议书; empty:
 * the library derives it). @settle-save hands the settlement (kind "settle") to the recorder
 * thread and opens Point out & sign, where the parties sign with the existing pad: their
 * signatures are ordinary "sign" entries recorded after the settlement (docs/journal.md,
 * "Disputes on lines"). Never writes the journal itself, never includes SDL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "i18n.h"

static const char *const agreement_phrases[] = {
    N_("The parties agree the boundary runs as measured"),
    N_("The parties agree the boundary follows the line as walked today"),
    N_("The parties agree the boundary follows the registered map"),
    N_("The parties agree to split the disputed strip along its middle"),
    N_("The parties withdraw the dispute")};

static void build_settle(app *a, app_ui *ui, int64_t now_ms)
{
    const sv_dispute *d = app__dispute_selected(a);
    char title[256], buf[APP_LONG_TEXT_MAX + 128];
    snprintf(title, sizeof title, _("Settle dispute %s on site"), d ? d->number : "");
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 2), t = app__target(ui);
    float x = pad, w = ui->width - 2 * pad, lh = t * 0.7f;
    if (!d || d->seq != a->dsp_sel) {
        app__text_line(ui, x, top + pad, w, lh, _("This dispute is no longer current (voided)"),
                       3.8f, C_DIM);
        return;
    }
    /* the save button pinned at the window's foot (tall enough for its label on two lines:
     * English, in portrait), the rest above it scrolled when it does not fit (1280x800 at 224
     * DPI put the button under the window); a settled dispute has no button */
    float big_h = t * 1.6f, foot = d->settled ? ui->height : ui->height - pad - big_h;
    app__body body;
    float y = app__body_begin(a, ui, &body, top, foot - pad, now_ms) + pad;
    snprintf(buf, sizeof buf, _("Parties: %s"), d->parties ? d->parties : "");
    y += app__text_block(ui, x, y, w, lh, buf, 3.8f, C_INK);
    /* what is being settled: the lines (the library's rule, as the Dispute screen lists them)
     * and the statement in this tablet's language when it is one of the phrases */
    char lines[300], st[APP_LONG_TEXT_MAX];
    app__covered_lines(a, d, lines, sizeof lines);
    snprintf(buf, sizeof buf, _("Lines: %s"), lines[0] ? lines : _("none (an area)"));
    y += app__text_block(ui, x, y, w, lh, buf, 3.8f, C_INK);
    app__phrase_show(app__dispute_phrases, app__ndispute_phrases, d->statement, st, sizeof st);
    snprintf(buf, sizeof buf, _("Statement: %s"), st);
    y += app__text_block(ui, x, y, w, lh, buf, 3.6f, C_INK);
    if (d->settled) {
        snprintf(buf, sizeof buf, _("Settled: agreement %s"), d->agreement_no);
        y += app__text_block(ui, x, y, w, lh, buf, 3.8f, C_OK);
        app__body_end(a, ui, &body, y + pad);
        return;
    }
    y += pad;
    snprintf(buf, sizeof buf, _("Agreement: %s"),
             a->stl_agreement[0] ? a->stl_agreement : _("(tap to enter)"));
    app__button(ui, "settle-agreement", (app_rect){x, y, w, t * 1.3f}, buf, 1);
    y += t * 1.3f + pad / 2;
    snprintf(buf, sizeof buf, _("Agreement number: %s"),
             a->stl_number[0] ? a->stl_number : _("(optional; derived when empty)"));
    app__button(ui, "settle-number", (app_rect){x, y, w, t}, buf, 1);
    y += t + pad;
    y += app__text_block(ui, x, y, w, lh,
                         _("After recording, each party signs on the Point out & sign screen"),
                         3.4f, C_DIM);
    app__body_end(a, ui, &body, y + pad);
    app__big_button(ui, "settle-save", (app_rect){x, foot, w, big_h},
                    _("Record settlement, then sign"), C_GO,
                    a->rec != NULL && a->stl_agreement[0] != '\0');
}

static void free_settlement(void *p)
{
    sv_settlement_clear(p);
    free(p);
}

static int job_settlement(sv_journal *j, void *arg, int64_t *seq)
{
    return sv_record_settlement(j, arg, seq);
}

static int tap_settle(app *a, const char *id)
{
    const sv_dispute *d = app__dispute_selected(a);
    if (!d || d->seq != a->dsp_sel || d->settled)
        return 0;
    if (strcmp(id, "settle-agreement") == 0) {
        app__open_modal(a, APP_MODAL_TEXT, APP_ASK_STL_AGREEMENT,
                        _("What the parties agreed, in their words"));
        for (size_t i = 0; i < sizeof agreement_phrases / sizeof agreement_phrases[0]; i++)
            app__pick_add(a, _(agreement_phrases[i]), NULL);
        snprintf(a->text, sizeof a->text, "%s", a->stl_agreement);
        return 1;
    }
    if (strcmp(id, "settle-number") == 0) {
        app__open_modal(a, APP_MODAL_TEXT, APP_ASK_STL_NUMBER,
                        _("Number of the boundary agreement (土地权属界线协议书)"));
        snprintf(a->text, sizeof a->text, "%s", a->stl_number);
        return 1;
    }
    if (strcmp(id, "settle-save") == 0 && a->rec && a->stl_agreement[0]) {
        sv_settlement *s = calloc(1, sizeof *s);
        if (!s)
            return 0;
        app__copy(s->unit, sizeof s->unit, app__unit_code(a));
        s->dispute = d->seq;
        s->agreement = app__dupstr(a->stl_agreement);
        app__copy(s->number, sizeof s->number, a->stl_number);
        char label[APP_REC_LABEL];
        snprintf(label, sizeof label, _("Settlement of dispute %s"), d->number);
        app_rec_submit(a->rec, label, job_settlement, s, free_settlement);
        a->stl_agreement[0] = a->stl_number[0] = '\0';
        /* the parties sign next (the recorder keeps the order: the settlement first): the
         * dispute's parties are on the Sign screen's list, not to be added again by hand */
        char *parties = app__dupstr(d->parties); /* d may be re-read as the screens change */
        app_go_back(a);
        app__open(a, APP_SCR_SIGN);
        app__parties_add(a, parties);
        free(parties);
        return 1;
    }
    return 0;
}

static int answer_settle(app *a, app_ask ask, int k, const char *v)
{
    (void)k;
    switch (ask) {
    case APP_ASK_STL_AGREEMENT:
        app__copy(a->stl_agreement, sizeof a->stl_agreement, v);
        return 1;
    case APP_ASK_STL_NUMBER:
        app__copy(a->stl_number, sizeof a->stl_number, v);
        return 1;
    default:
        return 0;
    }
}

const app__screen_ops app__screen_settle = {.build = build_settle,
                                            .tap = tap_settle,
                                            .gesture = app__body_gesture,
                                            .answer = answer_settle};
