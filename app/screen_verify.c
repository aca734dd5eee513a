/*
 * screen_verify.c - Verify ownership: each of the six fields with its registered value and the
 * latest answer; confirmed, corrected (the new value) or disputed (the statement), with common
 * phrases. Each answer becomes a job for the recorder thread (recorder.h), with its own copy of
 * what to record; nothing is written here, never includes SDL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "i18n.h"

static const char *field_label(sv_field f)
{
    static const char *const l[SV_FIELD_COUNT] = {N_("Owner"),          N_("Representative"),
                                                  N_("Agent"),          N_("Mode of exercise"),
                                                  N_("Rights content"), N_("Manager")};
    return _(l[f]);
}

static void free_verification(void *p)
{
    sv_verification_clear(p);
    free(p);
}

static int job_verification(sv_journal *j, void *arg, int64_t *seq)
{
    return sv_record_verification(j, arg, seq);
}

static void submit_verification(app *a, sv_field f, sv_vstatus st, const char *value,
                                const char *note)
{
    sv_verification *v = calloc(1, sizeof *v);
    if (!v)
        return;
    snprintf(v->unit, sizeof v->unit, "%s", app__unit_code(a));
    v->field = f;
    v->status = st;
    v->value = app__dupstr(value);
    v->note = app__dupstr(note);
    char label[160];
    snprintf(label, sizeof label, _("%s: %s"), field_label(f),
             st == SV_VERIFY_CONFIRMED   ? _("confirmed")
             : st == SV_VERIFY_CORRECTED ? _("corrected")
                                         : _("disputed"));
    app_rec_submit(a->rec, label, job_verification, v, free_verification);
}

static const app__phrase correct_phrases[] = {
    {N_("Owned by the whole people (the State)"), "全民所有"},
    {N_("Collectively owned by the village"), "村农民集体所有"},
    {N_("Collectively owned by the villager group"), "村民小组农民集体所有"},
    {N_("Collectively owned by the township"), "乡（镇）农民集体所有"},
    {N_("Ministry of Natural Resources"), "自然资源部"},
    {N_("Provincial people's government"), "省人民政府"},
    {N_("City people's government"), "市人民政府"},
    {N_("County people's government"), "县人民政府"},
    {N_("Township people's government"), "乡（镇）人民政府"},
    {N_("Natural resources bureau"), "自然资源局"},
    {N_("Forestry and grassland bureau"), "林业和草原局"},
    {N_("Water resources bureau"), "水务局"},
    {N_("Villagers' committee"), "村民委员会"},
    {N_("Managed directly"), "直接行使"},
    {N_("Managed by contract"), "委托代理行使"}};
#define NCORRECT (sizeof correct_phrases / sizeof correct_phrases[0])

/* Which fields each phrase above answers (bit 1 << sv_field), so a correction offers what that
 * field holds: owners for the owner (and the rights' content), the State's authority for the
 * representative, governments for the agent, the two modes, bureaus, governments and village
 * committees for the day-to-day manager (DOMAIN.md, ownership status). */
#define F_(f) (1u << (f))
static const unsigned correct_fields[NCORRECT] = {F_(SV_FIELD_OWNER) | F_(SV_FIELD_RIGHTS),
                                                  F_(SV_FIELD_OWNER) | F_(SV_FIELD_RIGHTS),
                                                  F_(SV_FIELD_OWNER) | F_(SV_FIELD_RIGHTS),
                                                  F_(SV_FIELD_OWNER) | F_(SV_FIELD_RIGHTS),
                                                  F_(SV_FIELD_REPRESENTATIVE),
                                                  F_(SV_FIELD_AGENT),
                                                  F_(SV_FIELD_AGENT),
                                                  F_(SV_FIELD_AGENT) | F_(SV_FIELD_MANAGER),
                                                  F_(SV_FIELD_MANAGER),
                                                  F_(SV_FIELD_MANAGER),
                                                  F_(SV_FIELD_MANAGER),
                                                  F_(SV_FIELD_MANAGER),
                                                  F_(SV_FIELD_MANAGER),
                                                  F_(SV_FIELD_MODE),
                                                  F_(SV_FIELD_MODE)};

const sv_verification *app__current_ver(const app *a, sv_field f)
{
    const sv_verification *v = NULL;
    for (size_t i = 0; i < a->nver; i++)
        if (a->ver[i].field == f && (!v || a->ver[i].seq > v->seq))
            v = &a->ver[i];
    return v;
}

static void build_verify(app *a, app_ui *ui, int64_t now_ms)
{
    char title[256];
    snprintf(title, sizeof title, _("Verify ownership · %s"), app__unit_code(a));
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 2), t = app__target(ui);
    const sv_unit *u = a->cur >= 0 ? &a->units[a->cur].u : NULL;
    /* the buttons beside the texts while at least 40 mm of text fits there, else under them
     * (by the width there is, not the orientation); rows keep their height and the list
     * scrolls by a drag when the six do not fit (a squeezed row overprinted its text, and the
     * buttons of two fields overlapped) */
    float bw = t * 2.4f;
    int stacked = (ui->width - 2 * pad) - 4 * (bw + pad) - 2 * pad < app__mm(ui, 40);
    float rh = stacked ? t * 2.3f : t * 1.55f;
    if (stacked && 4 * bw + 6 * pad > ui->width)
        bw = (ui->width - 6 * pad) / 4;
    float y0 = top + pad, y1 = ui->height - pad;
    float hint = rh * SV_FIELD_COUNT > y1 - y0 ? app__mm(ui, 6) : 0; /* bands for the hints */
    int first = app__list_first(a, y0 + hint, y1 - hint, rh, SV_FIELD_COUNT), shown = 0;
    float y = y0 + hint;
    for (int f = first; f < SV_FIELD_COUNT && u && (y + rh <= y1 - hint || shown == 0);
         f++, shown++) {
        app_rect row = {pad, y, ui->width - 2 * pad, rh - pad / 2};
        app_ui_fill(ui, row, f % 2 ? app__th->row_alt : C_BG);
        app_ui_frame(ui, row, 1, C_LINE);
        const sv_verification *v = app__current_ver(a, (sv_field)f);
        char l1[600], l2[600], sh[APP_TEXT_MAX];
        snprintf(l1, sizeof l1, _("%s: %s"), field_label((sv_field)f),
                 u->fields[f] && u->fields[f][0] ? u->fields[f] : _("(not registered)"));
        app_color c2 = C_DIM;
        if (!v)
            snprintf(l2, sizeof l2, "%s", _("Not verified yet"));
        else if (v->status == SV_VERIFY_CONFIRMED)
            snprintf(l2, sizeof l2, "%s", _("✓ Confirmed")), c2 = C_OK;
        else if (v->status == SV_VERIFY_CORRECTED)
            snprintf(l2, sizeof l2, _("Corrected to: %s"),
                     app__phrase_show(correct_phrases, NCORRECT, v->value, sh, sizeof sh)),
                c2 = C_WARN;
        else
            snprintf(l2, sizeof l2, _("Disputed: %s"),
                     app__phrase_show(app__dispute_phrases, app__ndispute_phrases, v->note, sh,
                                      sizeof sh)),
                c2 = C_BAD;
        float tw = stacked ? row.w - 2 * pad : row.w - 4 * (bw + pad) - 2 * pad;
        float th = stacked ? (rh - t) / 2 - pad / 2 : row.h / 2;
        app__text_line(ui, row.x + pad, row.y, tw, th, l1, 3.8f, C_INK);
        app__text_line(ui, row.x + pad, row.y + th, tw, th, l2, 3.5f, c2);
        /* the fourth voids the current answer (the latest earlier one is current again) */
        static const char *const st[4] = {"confirmed", "corrected", "disputed", "void"};
        const char *lab[4] = {_("Confirm"), _("Correct…"), _("Dispute…"), _("Void…")};
        for (int k = 0; k < 4; k++) {
            char id[64];
            snprintf(id, sizeof id, "verify:%s:%s", sv_field_name((sv_field)f), st[k]);
            app_rect b = stacked ? (app_rect){row.x + pad + (float)k * (bw + pad),
                                              row.y + row.h - t - pad / 2, bw, t}
                                 : (app_rect){row.x + row.w - (float)(4 - k) * (bw + pad),
                                              row.y + (row.h - t) / 2, bw, t};
            app__button(ui, id, b, lab[k], a->rec != NULL && (k < 3 || v != NULL));
        }
        y += rh;
    }
    if (u)
        app__list_hints(ui, pad, y0, y1, ui->width - 2 * pad, first, shown, SV_FIELD_COUNT);
}

static int tap_verify(app *a, const char *id)
{
    char fname[32], st[32];
    if (sscanf(id, "verify:%31[^:]:%31s", fname, st) != 2)
        return 0;
    sv_field f;
    sv_vstatus vs;
    if (strcmp(st, "void") == 0 && sv_field_parse(fname, &f) == SV_OK && a->rec) {
        const sv_verification *v = app__current_ver(a, f);
        if (!v)
            return 0;
        char what[200];
        snprintf(what, sizeof what, _("%s: the latest answer"), field_label(f));
        app__ask_void(a, v->seq, what);
        return 1;
    }
    if (sv_field_parse(fname, &f) != SV_OK || sv_vstatus_parse(st, &vs) != SV_OK || !a->rec ||
        a->cur < 0)
        return 0;
    if (vs == SV_VERIFY_CONFIRMED) {
        submit_verification(a, f, vs, NULL, NULL);
        return 1;
    }
    char title[300];
    const sv_unit *u = &a->units[a->cur].u;
    if (vs == SV_VERIFY_CORRECTED) {
        snprintf(title, sizeof title, _("%s: the correct value"), field_label(f));
        app__open_modal(a, APP_MODAL_TEXT, APP_ASK_CORRECTED, title);
        for (size_t i = 0; i < NCORRECT; i++)
            if (correct_fields[i] & F_(f))
                app__pick_add(a, _(correct_phrases[i].en), NULL);
        /* values registered in other fields are often the right one for this field */
        for (int k = 0; k < SV_FIELD_COUNT; k++)
            if (u->fields[k] && u->fields[k][0] && !sv_correction_unchanged(u, f, u->fields[k]))
                app__pick_add(a, u->fields[k], NULL);
    } else {
        snprintf(title, sizeof title, _("%s: the dispute, in the parties' words"), field_label(f));
        app__open_modal(a, APP_MODAL_TEXT, APP_ASK_DISPUTED, title);
        for (size_t i = 0; i < app__ndispute_phrases; i++)
            app__pick_add(a, _(app__dispute_phrases[i].en), NULL);
    }
    a->ask_field = (int)f;
    return 1;
}

static int answer_verify(app *a, app_ask ask, int k, const char *v)
{
    switch (ask) {
    case APP_ASK_CORRECTED: {
        /* the phrases tapped are recorded in the registry's language, whatever the UI's */
        char rec[APP_TEXT_MAX];
        app__phrase_store(correct_phrases, NCORRECT, v, rec, sizeof rec);
        if (a->cur >= 0 && sv_correction_unchanged(&a->units[a->cur].u, (sv_field)k, rec)) {
            /* the journal's rule, said before anything is queued */
            snprintf(a->status, sizeof a->status,
                     _("%s is already registered as that: tap Confirm instead"),
                     field_label((sv_field)k));
            return 1;
        }
        submit_verification(a, (sv_field)k, SV_VERIFY_CORRECTED, rec, NULL);
        return 1;
    }
    case APP_ASK_DISPUTED: {
        char rec[APP_TEXT_MAX];
        app__phrase_store(app__dispute_phrases, app__ndispute_phrases, v, rec, sizeof rec);
        submit_verification(a, (sv_field)k, SV_VERIFY_DISPUTED, NULL, rec);
        return 1;
    }
    default:
        return 0;
    }
}

const app__screen_ops app__screen_verify = {.build = build_verify,
                                            .tap = tap_verify,
                                            .answer = answer_verify,
                                            .gesture = app__list_gesture};
