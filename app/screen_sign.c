/*
 * screen_sign.c - Point out and sign: the unit's parties (its representing side, the lines'
 * neighbours, those in the attendance records, those added on the tablet), attendance
 * (present, by proxy, absent with the 15-day objection clock) and whether each party's newest
 * signature covers the current boundary; "Sign" opens the pad (screen_pad.c). Attendance
 * becomes a job for the recorder thread (recorder.h); never includes SDL.
 *
 * A party added on the tablet is on the crew's working list until something recorded names it
 * (attendance, a signature, a line): the list is kept in JOURNAL.parties.json beside the journal
 * (replaced atomically, survey/fileio.h), so a restart or a visit to another unit does not lose
 * it; a name added by mistake can be removed while nothing recorded names it. It is not
 * journaled: who is expected to point out is the crew's plan, not a survey record.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app_int.h"
#include "i18n.h"
#include "survey/fileio.h"
#include "survey/limits.h"

/* ---- the working list: JOURNAL.parties.json, {"units": {"CODE": ["name", ...]}} ---------- */

static int list_path(const app *a, char *out, size_t n)
{
    const char *jp = a->j ? sv_journal_path(a->j) : NULL;
    if (!jp || !jp[0])
        return -1;
    int k = snprintf(out, n, "%s.parties.json", jp);
    return k > 0 && (size_t)k < n ? 0 : -1;
}

/* The whole file (a new empty one when there is none); NULL with a->status saying why when it
 * cannot be read: a damaged list is reported, never overwritten. */
static json_t *list_load(app *a)
{
    char path[1100];
    if (list_path(a, path, sizeof path) != 0)
        return NULL;
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        if (access(path, F_OK) != 0 && errno == ENOENT)
            return json_pack("{s:{}}", "units");
        snprintf(a->status, sizeof a->status, _("Party list %s unreadable: %s"), path, je.text);
        return NULL;
    }
    if (!json_is_object(json_object_get(root, "units"))) {
        snprintf(a->status, sizeof a->status, _("Party list %s unreadable: %s"), path,
                 "no \"units\" object");
        json_decref(root);
        return NULL;
    }
    return root;
}

static int list_save(app *a, json_t *root)
{
    char path[1100];
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    int rc = 0;
    if (!text || list_path(a, path, sizeof path) != 0 ||
        sv_file_write_atomic(path, text, strlen(text), 0644, 0) != 0) {
        snprintf(a->status, sizeof a->status, _("Party list not saved: %s"),
                 text ? strerror(errno) : "out of memory");
        rc = -1;
    }
    free(text);
    return rc;
}

/* Add (add = 1) or remove a name on the current unit's working list; -1 when the list could
 * not be read or written (a->status says why). */
static int list_change(app *a, const char *name, int add)
{
    json_t *root = list_load(a);
    if (!root)
        return -1;
    json_t *units = json_object_get(root, "units");
    json_t *names = json_object_get(units, app__unit_code(a));
    if (names && !json_is_array(names)) {
        char path[1100];
        if (list_path(a, path, sizeof path) == 0)
            snprintf(a->status, sizeof a->status, _("Party list %s unreadable: %s"), path,
                     "a unit's names are not a list");
        json_decref(root);
        return -1;
    }
    if (!names) {
        names = json_array();
        json_object_set_new(units, app__unit_code(a), names);
    }
    size_t i;
    json_t *v;
    int at = -1;
    json_array_foreach(names, i, v) if (json_is_string(v) &&
                                        strcmp(json_string_value(v), name) == 0) at = (int)i;
    if (add && at < 0)
        json_array_append_new(names, json_string(name));
    else if (!add && at >= 0)
        json_array_remove(names, (size_t)at);
    else {
        json_decref(root);
        return 0;
    }
    if (json_array_size(names) == 0)
        json_object_del(units, app__unit_code(a));
    int rc = list_save(a, root);
    json_decref(root);
    return rc;
}

static int party_cmp(const void *x, const void *y)
{
    return strcmp(((const app_party *)x)->name, ((const app_party *)y)->name);
}

static int party_find(const app *a, const char *name)
{
    for (int i = 0; i < a->nparty; i++)
        if (strcmp(a->party[i].name, name) == 0)
            return i;
    return -1;
}

static void free_attendance(void *p)
{
    sv_attendance_clear(p);
    free(p);
}

static int job_attendance(sv_journal *j, void *arg, int64_t *seq)
{
    return sv_record_attendance(j, arg, seq);
}

static void submit_attendance(app *a, int k, sv_presence pr, const char *person)
{
    sv_attendance *at = calloc(1, sizeof *at);
    if (!at)
        return;
    snprintf(at->unit, sizeof at->unit, "%s", app__unit_code(a));
    at->party = app__dupstr(a->party[k].name);
    at->person = app__dupstr(person && person[0] ? person : NULL);
    at->presence = pr;
    if (pr == SV_ABSENT)
        app__today(at->notice_date);
    char label[300];
    snprintf(label, sizeof label, "%s: %s", a->party[k].name,
             pr == SV_PRESENT ? _("present")
             : pr == SV_PROXY ? _("by proxy")
                              : _("absent, notice served"));
    app_rec_submit(a->rec, label, job_attendance, at, free_attendance);
}

void app__parties_add(app *a, const char *parties)
{
    static const char *const seps[] = {"、", "，", "；", ",", ";", " ", "　", "\t", "\n"};
    const char *p = parties;
    int added = 0;
    while (p && *p) {
        /* the next separator (the earliest of any) */
        const char *end = p + strlen(p);
        size_t sl = 0;
        for (size_t k = 0; k < sizeof seps / sizeof seps[0]; k++) {
            const char *s = strstr(p, seps[k]);
            if (s && s < end)
                end = s, sl = strlen(seps[k]);
        }
        char name[APP_TEXT_MAX];
        const char *start = NULL;
        snprintf(name, sizeof name, "%.*s", (int)(end - p), p);
        size_t len = sv_text_trim(name, &start); /* as the journal records a party's name */
        char trimmed[APP_TEXT_MAX];
        snprintf(trimmed, sizeof trimmed, "%.*s", (int)len, start ? start : "");
        if (trimmed[0] && party_find(a, trimmed) < 0 && a->nparty < APP_PARTY_MAX &&
            list_change(a, trimmed, 1) == 0)
            added = 1;
        p = *end ? end + sl : end;
    }
    if (added)
        app__load_parties(a);
}

int app__party_index(app *a, const char *name)
{
    int i = name ? party_find(a, name) : -1;
    if (i >= 0)
        return i;
    if (a->nparty >= APP_PARTY_MAX || !name || !name[0])
        return -1;
    app_party *p = &a->party[a->nparty];
    memset(p, 0, sizeof *p);
    app__copy(p->name, sizeof p->name, name);
    return a->nparty++;
}

void app__load_parties(app *a)
{
    /* names the list could not keep (added = 2: the file unreadable or unwritable) stay for
     * this visit to the unit */
    app_party unsaved[APP_PARTY_MAX];
    int nunsaved = 0;
    for (int i = 0; i < a->nparty; i++)
        if (a->party[i].added == 2)
            unsaved[nunsaved++] = a->party[i];
    a->nparty = 0;
    if (a->cur < 0)
        return;
    const sv_unit *u = &a->units[a->cur].u;
    /* as verified on site: a representative the crew corrected points out as corrected */
    const char *own = sv_unit_own_party_verified(u, app__current_ver(a, SV_FIELD_REPRESENTATIVE),
                                                 app__current_ver(a, SV_FIELD_OWNER));
    if (own)
        app__party_index(a, own);
    sv_bline *l = NULL;
    size_t n = 0;
    if (sv_state_lines(a->j, u->code, &l, &n) == SV_OK)
        for (size_t i = 0; i < n; i++)
            if (l[i].neighbour && l[i].neighbour[0])
                app__party_index(a, l[i].neighbour);
    sv_blines_free(l, n);
    int fixed = a->nparty; /* the unit's own side and its lines' neighbours, in boundary order */
    sv_attendance *at = NULL;
    if (sv_state_attendance(a->j, u->code, &at, &n) == SV_OK)
        for (size_t i = 0; i < n; i++) {
            int k = app__party_index(a, at[i].party);
            if (k < 0)
                continue;
            a->party[k].has_att = 1;
            a->party[k].att_seq = at[i].seq;
            a->party[k].presence = at[i].presence;
            snprintf(a->party[k].person, sizeof a->party[k].person, "%s",
                     at[i].person ? at[i].person : "");
            snprintf(a->party[k].notice_date, sizeof a->party[k].notice_date, "%s",
                     at[i].notice_date);
        }
    sv_attendances_free(at, n);
    sv_signature *sg = NULL;
    if (sv_state_signatures(a->j, u->code, &sg, &n) == SV_OK)
        for (size_t i = 0; i < n; i++) {
            int k = app__party_index(a, sg[i].party);
            if (k < 0)
                continue;
            a->party[k].signatures++;
            a->party[k].current += sg[i].current != 0;
            snprintf(a->party[k].signer, sizeof a->party[k].signer, "%s",
                     sg[i].signer ? sg[i].signer : "");
        }
    sv_signatures_free(sg, n);
    /* then the crew's working list: names nothing recorded names yet */
    json_t *root = list_load(a);
    json_t *names = json_object_get(json_object_get(root, "units"), u->code);
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        int before = a->nparty;
        int k = json_is_string(v) ? app__party_index(a, json_string_value(v)) : -1;
        if (k >= before)
            a->party[k].added = 1;
    }
    json_decref(root);
    for (int u2 = 0; u2 < nunsaved; u2++) {
        int before = a->nparty;
        int k = app__party_index(a, unsaved[u2].name);
        if (k >= before)
            a->party[k].added = 2;
    }
    /* the rest by name: a row keeps its place when its party gets a record (it moved from the
     * working list's end to the attendance records' place, under a gloved finger) */
    if (a->nparty - fixed > 1)
        qsort(&a->party[fixed], (size_t)(a->nparty - fixed), sizeof a->party[0], party_cmp);
}

static void build_sign(app *a, app_ui *ui, int64_t now_ms)
{
    char title[256], buf[600];
    snprintf(title, sizeof title, _("Point out & sign · %s"), app__unit_code(a));
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 2), t = app__target(ui);
    float y = top + pad;
    app__button(ui, "party-add", (app_rect){pad, y, t * 4, t}, _("Add party…"), a->rec != NULL);
    snprintf(buf, sizeof buf,
             ngettext("%zu boundary point recorded", "%zu boundary points recorded",
                      (unsigned long)a->npts),
             a->npts);
    app__text_line(ui, pad * 2 + t * 4, y, ui->width - t * 4 - 3 * pad, t, buf, 3.6f, C_DIM);
    y += t + pad;
    if (a->nparty == 0)
        app__text_line(ui, pad, y, ui->width - 2 * pad, t,
                       _("No parties yet: add the neighbouring owners who point out the boundary"),
                       3.8f, C_DIM);
    char date[11];
    app__today(date);
    /* the five buttons beside the name and status while at least 40 mm of text fits there,
     * else under them: by the width there is, not the orientation (a landscape 1280x800 at
     * 224 DPI is 145 mm wide) */
    float bw = t * 2.2f;
    int stacked = (ui->width - 2 * pad) - 5 * (bw + pad) - 2 * pad < app__mm(ui, 40);
    if (stacked && 5 * bw + 7 * pad > ui->width)
        bw = (ui->width - 7 * pad) / 5;
    float rh = stacked ? t * 2.7f : t * 1.6f;
    float y0 = y, y1 = ui->height - app__mm(ui, 10);
    int first = app__list_first(a, y0, y1, rh, a->nparty), shown = 0;
    for (int i = first; i < a->nparty && y + rh <= y1; i++, shown++) {
        const app_party *p = &a->party[i];
        app_rect row = {pad, y, ui->width - 2 * pad, rh - pad / 2};
        app_ui_fill(ui, row, i % 2 ? app__th->row_alt : C_BG);
        app_ui_frame(ui, row, 1, C_LINE);
        char l2[400];
        app_color c2 = C_DIM;
        if (!p->has_att) {
            snprintf(l2, sizeof l2, "%s", _("Attendance not recorded"));
        } else if (p->presence == SV_ABSENT) {
            char end[11];
            /* the library's clock: the unit summary's objections_open by the same rule */
            int left = sv_objection_days_left(p->notice_date, date, end);
            if (left > 0)
                snprintf(l2, sizeof l2,
                         ngettext("Absent · notice %s · objections until %s (%d day left)",
                                  "Absent · notice %s · objections until %s (%d days left)",
                                  (unsigned long)left),
                         p->notice_date, end, left),
                    c2 = C_WARN;
            else if (left == 0)
                snprintf(l2, sizeof l2, _("Absent · notice %s · objections until %s (last day)"),
                         p->notice_date, end),
                    c2 = C_WARN;
            else
                snprintf(l2, sizeof l2, _("Absent · notice %s · objection period ended %s"),
                         p->notice_date, end);
        } else {
            const char *sig = p->current ? _("signed, covers the current boundary")
                              : p->signatures
                                  ? _("signature NO LONGER covers the current boundary: sign again")
                                  : _("not signed yet");
            snprintf(l2, sizeof l2, "%s%s%s · %s",
                     p->presence == SV_PRESENT ? _("Present") : _("By proxy"),
                     p->person[0] ? " · " : "", p->person, sig);
            c2 = p->current ? C_OK : C_BAD;
        }
        float tw = stacked ? row.w - 2 * pad : row.w - 5 * (bw + pad) - 2 * pad;
        float th = stacked ? (rh - t) / 2 - pad / 2 : row.h / 2;
        app__text_line(ui, row.x + pad, row.y, tw, th, p->name, 4, C_INK);
        app__text_line(ui, row.x + pad, row.y + th, tw, th, l2, 3.3f, c2);
        /* the fifth voids the attendance record (the latest earlier one is current again), or
         * takes a name only on the working list off it */
        static const char *const ids[5] = {"present", "proxy", "absent", "sign", "void"};
        const char *lab[5] = {_("Present"), _("Proxy…"), _("Absent"), _("Sign…"),
                              p->added ? _("Remove") : _("Void…")};
        for (int k = 0; k < 5; k++) {
            char id[64];
            snprintf(id, sizeof id, "party:%d:%s", i, ids[k]);
            int en = a->rec != NULL;
            if (k == 3)
                en = en && p->has_att && p->presence != SV_ABSENT && a->npts > 0;
            if (k == 4)
                en = en && (p->att_seq > 0 || p->added);
            app_rect b = stacked ? (app_rect){row.x + pad + (float)k * (bw + pad),
                                              row.y + row.h - t - pad / 2, bw, t}
                                 : (app_rect){row.x + row.w - (float)(5 - k) * (bw + pad),
                                              row.y + (row.h - t) / 2, bw, t};
            app__button(ui, id, b, lab[k], en);
        }
        y += rh;
    }
    app__list_hints(ui, pad, y0, y1, ui->width - 2 * pad, first, shown, a->nparty);
}

static int tap_sign(app *a, const char *id)
{
    if (strcmp(id, "party-add") == 0) {
        app__open_modal(a, APP_MODAL_TEXT, APP_ASK_PARTY_ADD,
                        _("Neighbouring party (owner or unit name)"));
        for (int i = 0; i < a->nparty; i++)
            app__pick_add(a, a->party[i].name, NULL);
        return 1;
    }
    int k;
    char what[16];
    if (sscanf(id, "party:%d:%15s", &k, what) != 2 || k < 0 || k >= a->nparty || !a->rec)
        return 0;
    if (strcmp(what, "present") == 0)
        submit_attendance(a, k, SV_PRESENT, a->party[k].person);
    else if (strcmp(what, "absent") == 0)
        submit_attendance(a, k, SV_ABSENT, NULL);
    else if (strcmp(what, "proxy") == 0) {
        char title[300];
        snprintf(title, sizeof title, _("%s: name of the proxy (with written authorisation)"),
                 a->party[k].name);
        app__open_modal(a, APP_MODAL_TEXT, APP_ASK_PROXY_PERSON, title);
        a->ask_field = k;
    } else if (strcmp(what, "sign") == 0)
        app__open_pad(a, k);
    else if (strcmp(what, "void") == 0 && a->party[k].att_seq > 0) {
        char w[300];
        snprintf(w, sizeof w, _("%s: attendance"), a->party[k].name);
        app__ask_void(a, a->party[k].att_seq, w);
    } else if (strcmp(what, "void") == 0 && a->party[k].added) {
        if (a->party[k].added == 2) { /* never saved: only here */
            memmove(&a->party[k], &a->party[k + 1],
                    (size_t)(a->nparty - k - 1) * sizeof a->party[0]);
            a->nparty--;
        } else if (list_change(a, a->party[k].name, 0) == 0) {
            app__load_parties(a);
        }
    } else
        return 0;
    return 1;
}

static int answer_sign(app *a, app_ask ask, int k, const char *v)
{
    char name[APP_TEXT_MAX];
    const char *start = NULL;
    switch (ask) {
    case APP_ASK_PARTY_ADD:
        /* as the journal records a party's name (record.c): without the blanks around it, so
         * " 马家庄 " is the 马家庄 its attendance and signature will name */
        {
            size_t len = sv_text_trim(v, &start); /* before start is read */
            snprintf(name, sizeof name, "%.*s", (int)len, start ? start : "");
        }
        v = name;
        if (!v[0] || party_find(a, v) >= 0)
            return 1;
        if (a->nparty >= APP_PARTY_MAX) {
            snprintf(a->status, sizeof a->status, _("Party %s not added: a unit's list holds %d"),
                     v, APP_PARTY_MAX);
            return 1;
        }
        if (list_change(a, v, 1) == 0) {
            app__load_parties(a);
        } else {
            /* kept for this visit to the unit; the status says the list was not saved */
            int n = app__party_index(a, v);
            if (n >= 0)
                a->party[n].added = 2;
        }
        return 1;
    case APP_ASK_PROXY_PERSON:
        if (k >= 0 && k < a->nparty) {
            app__copy(a->party[k].person, sizeof a->party[k].person, v);
            submit_attendance(a, k, SV_PROXY, v);
        }
        return 1;
    default:
        return 0;
    }
}

const app__screen_ops app__screen_sign = {.build = build_sign,
                                          .tap = tap_sign,
                                          .gesture = app__list_gesture,
                                          .enter = app__load_parties,
                                          .reload = app__load_parties,
                                          .answer = answer_sign};
