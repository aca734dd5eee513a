/*
 * screen_dispute.c - Dispute: the parties, the statement (common phrases offered), the disputed
 * stretch picked from the recorded point numbers, and the unit's disputes listed. The dispute
 * becomes a job for the recorder thread (recorder.h); nothing is written here, never includes
 * SDL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "i18n.h"

static void free_dispute(void *p)
{
    sv_dispute_clear(p);
    free(p);
}

static int job_dispute(sv_journal *j, void *arg, int64_t *seq)
{
    return sv_record_dispute(j, arg, seq);
}

const char *const app__dispute_phrases[] = {N_("The neighbour does not accept this boundary line"),
                                            N_("Another collective claims ownership"),
                                            N_("The registered extent does not match the ground"),
                                            N_("The party is absent; to be confirmed"),
                                            N_("Historical documents disagree"),
                                            N_("Use rights are contested, ownership is not")};
const size_t app__ndispute_phrases = sizeof app__dispute_phrases / sizeof app__dispute_phrases[0];

static void build_dispute(app *a, app_ui *ui, int64_t now_ms)
{
    char title[256], buf[800];
    snprintf(title, sizeof title, _("Dispute · %s"), app__unit_code(a));
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 2), t = app__target(ui);
    float y = top + pad, w = ui->width - 2 * pad;
    snprintf(buf, sizeof buf, _("Parties: %s"),
             a->dsp_parties[0] ? a->dsp_parties : _("(tap to enter)"));
    app__button(ui, "dsp-parties", (app_rect){pad, y, w, t}, buf, 1);
    y += t + pad / 2;
    snprintf(buf, sizeof buf, _("Statement: %s"),
             a->dsp_statement[0] ? a->dsp_statement : _("(tap to enter)"));
    app__button(ui, "dsp-statement", (app_rect){pad, y, w, t * 1.3f}, buf, 1);
    y += t * 1.3f + pad / 2;
    float hw = (w - pad) / 2;
    snprintf(buf, sizeof buf, _("From point: %s"), a->dsp_from[0] ? a->dsp_from : "—");
    app__button(ui, "dsp-from", (app_rect){pad, y, hw, t}, buf, a->npts > 0);
    snprintf(buf, sizeof buf, _("To point: %s"), a->dsp_to[0] ? a->dsp_to : "—");
    app__button(ui, "dsp-to", (app_rect){2 * pad + hw, y, hw, t}, buf, a->npts > 0);
    y += t + pad;
    app__big_button(ui, "dsp-save", (app_rect){pad, y, w, t * 1.4f}, _("Record dispute"), C_BAD,
                    a->rec && a->dsp_parties[0] && a->dsp_statement[0] &&
                        !a->dsp_from[0] == !a->dsp_to[0]);
    y += t * 1.4f + pad;
    snprintf(buf, sizeof buf, _("Disputes of this unit: %zu"), a->ndsp);
    app__text_line(ui, pad, y, w, t * 0.7f, buf, 3.8f, C_INK);
    y += t * 0.7f;
    for (size_t i = a->ndsp; i-- > 0 && y + t * 0.7f < ui->height - app__mm(ui, 9);) {
        const sv_dispute *d = &a->dsp[i];
        char stretch[64] = "";
        if (d->from[0])
            snprintf(stretch, sizeof stretch, " · %s–%s", d->from, d->to);
        snprintf(buf, sizeof buf, "%s · %s%s · %s", d->settled ? _("settled") : _("open"),
                 d->parties ? d->parties : "", stretch, d->statement ? d->statement : "");
        app__text_line(ui, pad, y, w, t * 0.7f, buf, 3.4f, d->settled ? C_DIM : C_BAD);
        y += t * 0.7f;
    }
}

static void pick_points(app *a)
{
    for (size_t i = 0; i < a->npts; i++)
        app__pick_add(a, a->pts[i].number, NULL);
}

static int tap_dispute(app *a, const char *id)
{
    if (strcmp(id, "dsp-parties") == 0) {
        app__open_modal(a, APP_MODAL_TEXT, APP_ASK_DSP_PARTIES, _("Parties to the dispute"));
        app__load_parties(a);
        for (int i = 0; i < a->nparty; i++)
            app__pick_add(a, a->party[i].name, NULL);
        snprintf(a->text, sizeof a->text, "%s", a->dsp_parties);
        return 1;
    }
    if (strcmp(id, "dsp-statement") == 0) {
        app__open_modal(a, APP_MODAL_TEXT, APP_ASK_DSP_STATEMENT,
                        _("What is disputed, in the parties' words"));
        for (size_t i = 0; i < app__ndispute_phrases; i++)
            app__pick_add(a, _(app__dispute_phrases[i]), NULL);
        snprintf(a->text, sizeof a->text, "%s", a->dsp_statement);
        return 1;
    }
    if (strcmp(id, "dsp-from") == 0 || strcmp(id, "dsp-to") == 0) {
        int from = strcmp(id, "dsp-from") == 0;
        app__open_modal(a, APP_MODAL_PICK, from ? APP_ASK_DSP_FROM : APP_ASK_DSP_TO,
                        from ? _("Disputed stretch starts at point")
                             : _("Disputed stretch ends at point"));
        pick_points(a);
        return 1;
    }
    if (strcmp(id, "dsp-save") == 0 && a->rec) {
        sv_dispute *d = calloc(1, sizeof *d);
        if (!d)
            return 0;
        snprintf(d->unit, sizeof d->unit, "%s", app__unit_code(a));
        d->parties = app__dupstr(a->dsp_parties);
        d->statement = app__dupstr(a->dsp_statement);
        snprintf(d->from, sizeof d->from, "%s", a->dsp_from);
        snprintf(d->to, sizeof d->to, "%s", a->dsp_to);
        char label[300];
        snprintf(label, sizeof label, _("Dispute with %s"), a->dsp_parties);
        app_rec_submit(a->rec, label, job_dispute, d, free_dispute);
        a->dsp_parties[0] = a->dsp_statement[0] = a->dsp_from[0] = a->dsp_to[0] = '\0';
        return 1;
    }
    return 0;
}

static int answer_dispute(app *a, app_ask ask, int k, const char *v)
{
    (void)k;
    switch (ask) {
    case APP_ASK_DSP_PARTIES:
        app__copy(a->dsp_parties, sizeof a->dsp_parties, v);
        return 1;
    case APP_ASK_DSP_STATEMENT:
        app__copy(a->dsp_statement, sizeof a->dsp_statement, v);
        return 1;
    case APP_ASK_DSP_FROM:
        app__copy(a->dsp_from, sizeof a->dsp_from, v);
        return 1;
    case APP_ASK_DSP_TO:
        app__copy(a->dsp_to, sizeof a->dsp_to, v);
        return 1;
    default:
        return 0;
    }
}

const app__screen_ops app__screen_dispute = {
    .build = build_dispute, .tap = tap_dispute, .answer = answer_dispute};
