/*
 * screen_dispute.c - Dispute: the parties, the statement (common phrases offered), the disputed
 * stretch picked from the recorded point numbers, and the unit's disputes listed with their
 * numbers, the lines each covers (the survey library's rule, sv_dispute_covers_line) and whether
 * it is open or settled; one is selected (@dispute:SEQ) and @settle opens its on-site settlement
 * (screen_settle.c), @settle-void withdraws a settlement, @dispute-void an open dispute recorded
 * by mistake (with a reason, as every void). The dispute becomes a job for the
 * recorder thread (recorder.h); nothing is written here, never includes SDL.
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

const app__phrase app__dispute_phrases[] = {
    {N_("The neighbour does not accept this boundary line"), "相邻权利人不认可此界线"},
    {N_("Another collective claims ownership"), "其他集体主张所有权"},
    {N_("The registered extent does not match the ground"), "登记范围与实地不符"},
    {N_("The party is absent; to be confirmed"), "权利人缺席，待确认"},
    {N_("Historical documents disagree"), "历史权属资料相互矛盾"},
    {N_("Use rights are contested, ownership is not"), "使用权有争议，所有权无争议"}};
const size_t app__ndispute_phrases = sizeof app__dispute_phrases / sizeof app__dispute_phrases[0];

size_t app__unit_lines(const app *a, app__line **out)
{
    *out = NULL;
    size_t nr = a->npts, max = (nr >= 2 ? nr : 0) + a->nlines;
    if (max == 0)
        return 0;
    const char **ring = malloc((nr ? nr : 1) * sizeof *ring);
    app__line *l = calloc(max, sizeof *l);
    if (!ring || !l) {
        free(ring);
        free(l);
        return 0;
    }
    for (size_t i = 0; i < nr; i++)
        ring[i] = a->pts[i].number;
    size_t n = 0;
    /* the ring: each point to the next, the last back to the first (two points: one line) */
    for (size_t i = 0; nr >= 2 && i < (nr == 2 ? 1 : nr); i++, n++) {
        app__copy(l[n].from, sizeof l[n].from, ring[i]);
        app__copy(l[n].to, sizeof l[n].to, ring[(i + 1) % nr]);
    }
    /* recorded lines off the ring */
    for (size_t k = 0; k < a->nlines; k++) {
        const sv_bline *b = &a->lines[k];
        int dup = 0;
        for (size_t i = 0; i < n && !dup; i++)
            dup = (strcmp(l[i].from, b->from) == 0 && strcmp(l[i].to, b->to) == 0) ||
                  (strcmp(l[i].from, b->to) == 0 && strcmp(l[i].to, b->from) == 0);
        if (dup)
            continue;
        app__copy(l[n].from, sizeof l[n].from, b->from);
        app__copy(l[n].to, sizeof l[n].to, b->to);
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        const char *nature = NULL;
        for (size_t k = 0; k < a->nlines && !nature; k++)
            if ((strcmp(a->lines[k].from, l[i].from) == 0 &&
                 strcmp(a->lines[k].to, l[i].to) == 0) ||
                (strcmp(a->lines[k].from, l[i].to) == 0 && strcmp(a->lines[k].to, l[i].from) == 0))
                nature = a->lines[k].nature;
        sv_line_docs_of(a->dsp, a->ndsp, app__unit_code(a), ring, nr, l[i].from, l[i].to, nature,
                        &l[i].docs);
    }
    free(ring);
    *out = l;
    return n;
}

const sv_dispute *app__dispute_selected(const app *a)
{
    const sv_dispute *open = NULL;
    for (size_t i = 0; i < a->ndsp; i++) {
        if (a->dsp_sel && a->dsp[i].seq == a->dsp_sel)
            return &a->dsp[i];
        if (!a->dsp[i].settled && (!open || a->dsp[i].seq > open->seq))
            open = &a->dsp[i];
    }
    return open ? open : a->ndsp ? &a->dsp[a->ndsp - 1] : NULL;
}

void app__covered_lines(const app *a, const sv_dispute *d, char *out, size_t n)
{
    out[0] = '\0';
    const char **ring = malloc((a->npts ? a->npts : 1) * sizeof *ring);
    if (!ring)
        return;
    for (size_t i = 0; i < a->npts; i++)
        ring[i] = a->pts[i].number;
    app__line *l = NULL;
    size_t nl = app__unit_lines(a, &l);
    for (size_t i = 0; i < nl; i++) {
        if (!sv_dispute_covers_line(d, ring, a->npts, l[i].from, l[i].to))
            continue;
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s%s–%s", len ? ", " : "", l[i].from, l[i].to);
    }
    free(l);
    free(ring);
}

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
    /* why Record is off, once something is entered (a save that stays grey said nothing) */
    char why[200] = "";
    int begun = a->dsp_parties[0] || a->dsp_statement[0] || a->dsp_from[0] || a->dsp_to[0];
    if (!a->dsp_parties[0])
        snprintf(why, sizeof why, "%s", _("Enter the parties to record the dispute"));
    else if (!a->dsp_statement[0])
        snprintf(why, sizeof why, "%s", _("Enter the statement to record the dispute"));
    else if (!a->dsp_from[0] != !a->dsp_to[0])
        snprintf(why, sizeof why, "%s",
                 _("Choose both end points of the disputed stretch, or neither (an area)"));
    else if (a->dsp_from[0] && strcmp(a->dsp_from, a->dsp_to) == 0)
        snprintf(why, sizeof why, _("From and to are the same point (%s): choose two points"),
                 a->dsp_from);
    app__big_button(ui, "dsp-save", (app_rect){pad, y, w, t * 1.4f}, _("Record dispute"), C_STOP,
                    a->rec && !why[0]);
    y += t * 1.4f + pad;
    if (a->rec && begun && why[0]) {
        app__text_line(ui, pad, y, w, t * 0.7f, why, 3.5f, C_WARN);
        y += t * 0.7f + pad / 2;
    }
    snprintf(buf, sizeof buf, _("Disputes of this unit: %zu"), a->ndsp);
    const sv_dispute *sel = app__dispute_selected(a);
    float sbw = t * 3.2f;
    app__text_line(ui, pad, y, w - 2 * (sbw + pad), t, buf, 3.8f, C_INK);
    /* an open dispute can be withdrawn; a settled one keeps its settlement's record: void the
     * settlement first */
    app__button(ui, "dispute-void", (app_rect){w - 2 * sbw, y, sbw, t}, _("Void dispute…"),
                a->rec && sel && !sel->settled);
    if (sel && sel->settled && sel->settled_by > 0)
        app__button(ui, "settle-void", (app_rect){pad + w - sbw, y, sbw, t}, _("Void settlement…"),
                    a->rec != NULL);
    else
        app__button(ui, "settle", (app_rect){pad + w - sbw, y, sbw, t}, _("Settle on site…"),
                    a->rec && sel && !sel->settled);
    y += t + pad / 2;
    float rh = t * 1.3f;
    for (size_t i = a->ndsp; i-- > 0 && y + rh < ui->height - app__mm(ui, 2);) {
        const sv_dispute *d = &a->dsp[i];
        char lines[300], l1[600], l2[600];
        app__covered_lines(a, d, lines, sizeof lines);
        snprintf(l1, sizeof l1, "%s · %s · %s", d->number, d->settled ? _("settled") : _("open"),
                 d->parties ? d->parties : "");
        if (d->settled && d->agreement_no[0])
            snprintf(l2, sizeof l2, _("Lines: %s · agreement %s: %s"), lines[0] ? lines : "—",
                     d->agreement_no, d->agreement ? d->agreement : "");
        else {
            char st[APP_LONG_TEXT_MAX];
            app__phrase_show(app__dispute_phrases, app__ndispute_phrases, d->statement, st,
                             sizeof st);
            snprintf(l2, sizeof l2, _("Lines: %s · %s"), lines[0] ? lines : _("none (an area)"),
                     st);
        }
        app_rect r = {pad, y, w, rh};
        int is_sel = d == sel;
        app_ui_fill(ui, r, is_sel ? app__th->group : (i % 2 ? app__th->row_alt : C_BG));
        app_ui_frame(ui, r, is_sel ? 3 : 1, is_sel ? C_INK : C_LINE);
        app__text_line(ui, pad * 2, y, w - 2 * pad, rh / 2, l1, 3.6f, d->settled ? C_OK : C_BAD);
        app__text_line(ui, pad * 2, y + rh / 2, w - 2 * pad, rh / 2, l2, 3.3f, C_INK);
        char id[48];
        snprintf(id, sizeof id, "dispute:%lld", (long long)d->seq);
        app_ui_widget(ui, id, r, 1);
        y += rh + pad / 2;
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
            app__pick_add(a, _(app__dispute_phrases[i].en), NULL);
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
    long long seq;
    if (sscanf(id, "dispute:%lld", &seq) == 1) {
        a->dsp_sel = (int64_t)seq;
        return 1;
    }
    const sv_dispute *sel = app__dispute_selected(a);
    if (strcmp(id, "settle") == 0 && a->rec && sel && !sel->settled) {
        a->dsp_sel = sel->seq;
        a->stl_agreement[0] = a->stl_number[0] = '\0';
        app__go(a, APP_SCR_SETTLE);
        return 1;
    }
    if (strcmp(id, "dispute-void") == 0 && a->rec && sel && !sel->settled) {
        char what[200];
        snprintf(what, sizeof what, _("Dispute %s"), sel->number);
        app__ask_void(a, sel->seq, what);
        return 1;
    }
    if (strcmp(id, "settle-void") == 0 && a->rec && sel && sel->settled_by > 0) {
        char what[200];
        snprintf(what, sizeof what, _("The settlement of dispute %s"), sel->number);
        app__ask_void(a, sel->settled_by, what);
        return 1;
    }
    if (strcmp(id, "dsp-save") == 0 && a->rec) {
        sv_dispute *d = calloc(1, sizeof *d);
        if (!d)
            return 0;
        snprintf(d->unit, sizeof d->unit, "%s", app__unit_code(a));
        d->parties = app__dupstr(a->dsp_parties);
        char st[APP_LONG_TEXT_MAX]; /* the phrases tapped, in the registry's language */
        app__phrase_store(app__dispute_phrases, app__ndispute_phrases, a->dsp_statement, st,
                          sizeof st);
        d->statement = app__dupstr(st);
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
