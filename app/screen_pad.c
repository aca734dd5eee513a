/*
 * screen_pad.c - the signature pad: opened on the boundary digest computed that moment (what is
 * shown is what is signed), finger strokes in pad units (0-1000), the signer's name and role.
 * The signature becomes a job for the recorder thread (recorder.h), refused here if the
 * boundary changed while the pad was open; nothing is written here, never includes SDL.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "i18n.h"

/* The pad is paper in both themes, as the signature will be on the printed forms: dark ink on
 * it by day and at night (the night theme's light ink made the strokes all but invisible). */
#define PAD_PAPER 0xfffdf5ffu
#define PAD_INK 0x141414ffu
#define PAD_DIM 0x595959ffu  /* the "sign here" cross, 6.8:1 on the paper */
#define PAD_WARN 0x8a4200ffu /* the pad is full, 7.2:1 on the paper */
#define PAD_LINE 0xa0a0a0ffu /* the baseline */

static void free_signature(void *p)
{
    sv_signature_clear(p);
    free(p);
}

static int job_signature(sv_journal *j, void *arg, int64_t *seq)
{
    return sv_record_signature(j, arg, seq);
}

void app__open_pad(app *a, int k)
{
    app__copy(a->pad_name, sizeof a->pad_name, a->party[k].name);
    a->nstrokes = 0;
    a->stroke_open = 0;
    a->signer[0] = '\0';
    snprintf(a->signer, sizeof a->signer, "%s", a->party[k].person);
    a->role[0] = '\0';
    /* what is shown is what is signed: the digest of the boundary now, and its points */
    if (sv_state_boundary_digest(a->j, app__unit_code(a), a->pad_covers) != SV_OK) {
        snprintf(a->status, sizeof a->status, "%s: %s", _("Cannot sign"), sv_journal_errmsg(a->j));
        return;
    }
    a->pad_points[0] = '\0';
    for (size_t i = 0; i < a->npts; i++) {
        size_t l = strlen(a->pad_points);
        if (l + SV_NUMBER_MAX + 8 >= sizeof a->pad_points) {
            snprintf(a->pad_points + l, sizeof a->pad_points - l, "%s", " …");
            break;
        }
        snprintf(a->pad_points + l, sizeof a->pad_points - l, "%s%s", l ? " " : "",
                 a->pts[i].number);
    }
    app__go(a, APP_SCR_PAD);
}

static void build_pad(app *a, app_ui *ui, int64_t now_ms)
{
    char title[300], buf[600];
    snprintf(title, sizeof title, _("Signature · %s"), a->pad_name);
    float top = app__top_bar(a, ui, title, now_ms), pad = app__mm(ui, 2), t = app__target(ui);
    float y = top + pad, w = ui->width - 2 * pad;
    char hex[17];
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", a->pad_covers[i]);
    snprintf(buf, sizeof buf,
             _("Signing the boundary points %s and their lines as shown (digest %s…)"),
             a->pad_points, hex);
    app__text_line(ui, pad, y, w, t * 0.8f, buf, 3.4f, C_INK);
    y += t * 0.8f + pad / 2;
    float bw = (w - pad) / 2;
    snprintf(buf, sizeof buf, _("Signer: %s"), a->signer[0] ? a->signer : _("(tap to enter)"));
    app__button(ui, "signer", (app_rect){pad, y, bw, t}, buf, 1);
    snprintf(buf, sizeof buf, _("Role: %s"), a->role[0] ? a->role : _("(tap to choose)"));
    app__button(ui, "role", (app_rect){pad * 2 + bw, y, bw, t}, buf, 1);
    y += t + pad;
    float ph = ui->height - y - t - 2 * pad - app__mm(ui, 9);
    a->pad_rect = (app_rect){pad, y, w, ph};
    app_ui_fill(ui, a->pad_rect, PAD_PAPER);
    app_ui_frame(ui, a->pad_rect, 3, C_INK);
    app_ui_fill(ui, (app_rect){pad + app__mm(ui, 10), y + ph * 0.75f, w - app__mm(ui, 20), 2},
                PAD_LINE);
    app_ui_text(ui,
                (app_rect){pad + app__mm(ui, 3), y + ph * 0.75f - app__mm(ui, 10), app__mm(ui, 10),
                           app__mm(ui, 10)},
                "×", app__text_px(ui, 6), APP_ALIGN_LEFT, PAD_DIM);
    app_ui_widget(ui, "pad", a->pad_rect, 1);
    /* the strokes so far */
    size_t s = 0;
    while (s < a->nstrokes) {
        size_t e = s;
        while (e < a->nstrokes && a->strokes[2 * e] >= 0)
            e++;
        if (e - s >= 2) {
            float *pt = app_ui_lines(ui, e - s, 3, PAD_INK);
            for (size_t i = s; pt && i < e; i++) {
                pt[2 * (i - s)] =
                    a->pad_rect.x + a->pad_rect.w * (float)a->strokes[2 * i] / SV_SIG_PAD;
                pt[2 * (i - s) + 1] =
                    a->pad_rect.y + a->pad_rect.h * (float)a->strokes[2 * i + 1] / SV_SIG_PAD;
            }
        }
        s = e + 1;
    }
    y += ph + pad;
    int strokes = 0;
    for (size_t i = 0; i < a->nstrokes; i++)
        strokes += a->strokes[2 * i] < 0;
    if (a->nstrokes >= SV_SIG_MAX_POINTS)
        app__text_line(ui, pad + app__mm(ui, 2), y - pad - app__mm(ui, 7), w, app__mm(ui, 6),
                       _("The pad is full: save the signature or clear it"), 3.5f, PAD_WARN);
    app__button(ui, "pad-clear", (app_rect){pad, y, bw, t}, _("Clear"), a->nstrokes > 0);
    app__button(ui, "pad-save", (app_rect){pad * 2 + bw, y, bw, t}, _("Save signature"),
                a->rec && a->signer[0] && a->role[0] && strokes > 0 && !a->stroke_open);
}

static int stroke_push(app *a, float x, float y)
{
    if (a->nstrokes + 1 >= a->capstrokes) {
        size_t nc = a->capstrokes ? 2 * a->capstrokes : 512;
        int32_t *n = realloc(a->strokes, nc * 2 * sizeof *n);
        if (!n)
            return 0;
        a->strokes = n;
        a->capstrokes = nc;
    }
    int32_t px = -1, py = -1;
    /* the journal takes at most SV_SIG_MAX_POINTS points a signature: the pad stops there
     * (and says so) rather than let a long signature be refused after the signer has gone */
    if (x >= 0 && a->nstrokes >= SV_SIG_MAX_POINTS)
        return 0;
    if (x >= 0) {
        const app_rect *r = &a->pad_rect;
        double fx = (x - r->x) / r->w, fy = (y - r->y) / r->h;
        px = (int32_t)lround(fmin(fmax(fx, 0), 1) * SV_SIG_PAD);
        py = (int32_t)lround(fmin(fmax(fy, 0), 1) * SV_SIG_PAD);
        /* a finger resting still adds nothing */
        if (a->stroke_open && a->nstrokes && a->strokes[2 * a->nstrokes - 2] == px &&
            a->strokes[2 * a->nstrokes - 1] == py)
            return 1;
    }
    a->strokes[2 * a->nstrokes] = px;
    a->strokes[2 * a->nstrokes + 1] = py;
    a->nstrokes++;
    return 1;
}

int app__pad_drag(app *a, const app_gesture *g)
{
    if (g->type == APP_G_DRAG_END) {
        if (!a->stroke_open)
            return 0;
        a->stroke_open = 0;
        /* a stroke of one point is a tap: drop it */
        if (a->nstrokes && (a->nstrokes < 2 || a->strokes[2 * a->nstrokes - 4] < 0))
            a->nstrokes--;
        else
            stroke_push(a, -1, -1);
        return 1;
    }
    if (!a->stroke_open) {
        float x0 = g->x - g->dx, y0 = g->y - g->dy;
        if (!app_rect_has(a->pad_rect, x0, y0))
            return 0;
        a->stroke_open = 1;
        stroke_push(a, x0, y0);
    }
    stroke_push(a, g->x, g->y);
    return 1;
}

/* recorded in Chinese (the registry's language) whatever the interface's */
static const app__phrase roles[] = {{N_("Legal representative"), "法定代表人"},
                                    {N_("Owner in person"), "权利人本人"},
                                    {N_("Proxy with written authorisation"), "书面委托的代理人"},
                                    {N_("Village cadre"), "村干部"},
                                    {N_("Villager group leader"), "村民小组长"},
                                    {N_("Witness"), "见证人"}};
#define NROLES (sizeof roles / sizeof roles[0])

static int tap_pad(app *a, const char *id)
{
    if (strcmp(id, "signer") == 0) {
        app__open_modal(a, APP_MODAL_TEXT, APP_ASK_SIGNER, _("Name of the person signing"));
        for (int i = 0; i < a->nparty; i++)
            if (strcmp(a->party[i].name, a->pad_name) == 0 && a->party[i].person[0])
                app__pick_add(a, a->party[i].person, NULL);
        snprintf(a->text, sizeof a->text, "%s", a->signer);
        return 1;
    }
    if (strcmp(id, "role") == 0) {
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_ROLE, _("Role of the person signing"));
        for (size_t i = 0; i < NROLES; i++)
            app__pick_add(a, _(roles[i].en), NULL);
        return 1;
    }
    if (strcmp(id, "pad-clear") == 0) {
        a->nstrokes = 0;
        a->stroke_open = 0;
        return 1;
    }
    if (strcmp(id, "pad-save") == 0 && a->rec && a->pad_name[0]) {
        /* what is signed must be what was shown: a point recorded meanwhile (an average
         * finishing in the background) changes the boundary under the signer's hand */
        uint8_t now[32];
        if (sv_state_boundary_digest(a->j, app__unit_code(a), now) != SV_OK ||
            memcmp(now, a->pad_covers, sizeof now) != 0) {
            snprintf(
                a->status, sizeof a->status, "%s",
                _("The boundary changed while the pad was open: go back and open the pad again"));
            return 1;
        }
        sv_signature *s = calloc(1, sizeof *s);
        if (!s)
            return 0;
        snprintf(s->unit, sizeof s->unit, "%s", app__unit_code(a));
        s->party = app__dupstr(a->pad_name);
        s->signer = app__dupstr(a->signer);
        char role[sizeof a->role * 2];
        app__phrase_store(roles, NROLES, a->role, role, sizeof role);
        s->role = app__dupstr(role);
        s->xy = malloc((a->nstrokes ? a->nstrokes : 1) * 2 * sizeof *s->xy);
        if (!s->party || !s->signer || !s->role || !s->xy) {
            free_signature(s);
            return 0;
        }
        memcpy(s->xy, a->strokes, a->nstrokes * 2 * sizeof *s->xy);
        s->n_xy = a->nstrokes;
        memcpy(s->covers, a->pad_covers, sizeof s->covers);
        char label[300];
        snprintf(label, sizeof label, _("Signature of %s for %s"), a->signer, a->pad_name);
        app_rec_submit(a->rec, label, job_signature, s, free_signature);
        a->nstrokes = 0;
        app_go_back(a);
        return 1;
    }
    return 0;
}

static int gesture_pad(app *a, const app_widget *w, const app_gesture *g)
{
    (void)w;
    if (g->type == APP_G_DRAG || g->type == APP_G_DRAG_END)
        return app__pad_drag(a, g);
    return 0;
}

static int answer_pad(app *a, app_ask ask, int k, const char *v)
{
    (void)k;
    switch (ask) {
    case APP_ASK_SIGNER:
        app__copy(a->signer, sizeof a->signer, v);
        return 1;
    case APP_ASK_ROLE:
        app__copy(a->role, sizeof a->role, v);
        return 1;
    default:
        return 0;
    }
}

const app__screen_ops app__screen_pad = {.build = build_pad,
                                         .tap = tap_pad,
                                         .gesture = gesture_pad,
                                         .reload = app__load_parties,
                                         .answer = answer_pad};
