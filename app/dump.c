/*
 * dump.c - the script command dump-widgets (app.h, app_dump_widgets): the current frame's
 * widgets as JSON, written with jansson and replaced atomically (survey/fileio.h), for tests
 * that check sizes and text fitting on each reference display. Beside the widgets, "texts":
 * every text the frame draws (the platform clips each to its box, so one wider than its box is
 * cut: "fits" says it is not). No SDL: the text is measured through the caller's function (the
 * platform's SDL_ttf).
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "survey/fileio.h"

static const char *const NAMES[APP__NSCREENS] = {
    [APP_SCR_TODAY] = "today",    [APP_SCR_MAP] = "map",           [APP_SCR_GNSS] = "gnss",
    [APP_SCR_RECORD] = "record",  [APP_SCR_WALK] = "walk",         [APP_SCR_VERIFY] = "verify",
    [APP_SCR_SIGN] = "sign",      [APP_SCR_PAD] = "pad",           [APP_SCR_DISPUTE] = "dispute",
    [APP_SCR_DAYEND] = "day-end", [APP_SCR_SETTINGS] = "settings", [APP_SCR_POINTS] = "points",
    [APP_SCR_POINT] = "point",    [APP_SCR_NOTE] = "note",         [APP_SCR_SETTLE] = "settle",
    [APP_SCR_ATTACH] = "attach"};

const char *app_screen_name(app_screen s)
{
    return (int)s >= 0 && s < APP__NSCREENS && NAMES[s] ? NAMES[s] : "?";
}

static json_t *widget_json(const app_ui *ui, const app_widget *w, app_measure_fn measure, void *ctx)
{
    char id[80];
    snprintf(id, sizeof id, "@%s", w->id);
    const char *text = app_ui_widget_label(ui, w);
    float mm = ui->px_per_mm > 0 ? ui->px_per_mm : 1;
    json_t *o = json_pack("{s:s, s:f, s:f, s:f, s:f, s:b, s:s, s:f}", "id", id, "x", (double)w->r.x,
                          "y", (double)w->r.y, "w", (double)w->r.w, "h", (double)w->r.h, "enabled",
                          w->enabled, "text", text, "short_mm", (double)fminf(w->r.w, w->r.h) / mm);
    if (o && text[0] && measure) {
        /* a wrapped label: its widest line, its lines' height */
        int tw = 0, th = 0, ok = 1;
        for (const char *q = text; *q && ok;) {
            const char *e = strchr(q, '\n');
            size_t k = e ? (size_t)(e - q) : strlen(q);
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)(k < sizeof line ? k : sizeof line - 1), q);
            int lw = 0, lh = 0;
            ok = measure(ctx, line, w->text_px, &lw, &lh) == 0;
            tw = lw > tw ? lw : tw;
            th += lh;
            q += k + (e != NULL);
        }
        if (ok) {
            int fits = (float)tw <= w->text_w + 0.5f && (float)th <= w->r.h + 0.5f;
            json_object_set_new(o, "text_px", json_integer(w->text_px));
            json_object_set_new(o, "text_width", json_integer(tw));
            json_object_set_new(o, "text_height", json_integer(th));
            json_object_set_new(o, "text_box_w", json_real(w->text_w));
            json_object_set_new(o, "fits", json_boolean(fits));
        }
    }
    return o;
}

/* A text of the display list: its box, pixel size and measured size; fits when its width is
 * inside the box and its em (the pixel size) inside the box's height. */
static json_t *text_json(const app_ui *ui, const app_cmd *k, app_measure_fn measure, void *ctx)
{
    const char *s = ui->text + k->off;
    json_t *o =
        json_pack("{s:s, s:f, s:f, s:f, s:f, s:i}", "text", s, "x", (double)k->r.x, "y",
                  (double)k->r.y, "w", (double)k->r.w, "h", (double)k->r.h, "text_px", (int)k->n);
    int tw = 0, th = 0;
    if (o && measure && measure(ctx, s, (int)k->n, &tw, &th) == 0) {
        json_object_set_new(o, "text_width", json_integer(tw));
        json_object_set_new(o, "text_height", json_integer(th));
        json_object_set_new(
            o, "fits", json_boolean((float)tw <= k->r.w + 0.5f && (float)k->n <= k->r.h + 0.5f));
    }
    return o;
}

int app_dump_widgets(const app *a, const app_ui *ui, const char *path, app_measure_fn measure,
                     void *ctx, char *err, size_t errlen)
{
    json_t *list = json_array();
    json_t *root = json_pack("{s:i, s:s, s:o*}", "dpi", (int)lroundf(ui->px_per_mm * 25.4f),
                             "screen", app_screen_name(a->screen), "widgets", list);
    int bad = !root || !list;
    if (!root)
        json_decref(list);
    for (size_t i = 0; !bad && i < ui->nw; i++) {
        json_t *o = widget_json(ui, &ui->w[i], measure, ctx);
        bad = !o || json_array_append_new(list, o) != 0;
    }
    json_t *texts = bad ? NULL : json_array();
    bad = bad || !texts || json_object_set_new(root, "texts", texts) != 0;
    for (size_t i = 0; !bad && i < ui->ncmd; i++) {
        if (ui->cmd[i].op != APP_OP_TEXT)
            continue;
        json_t *o = text_json(ui, &ui->cmd[i], measure, ctx);
        bad = !o || json_array_append_new(texts, o) != 0;
    }
    if (!bad && a->modal != APP_MODAL_NONE)
        bad = json_object_set_new(root, "modal", json_true()) != 0;
    char *text = bad ? NULL : json_dumps(root, JSON_INDENT(1));
    json_decref(root);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = sv_file_write_atomic(path, text, strlen(text), 0644, 0);
    int e = errno;
    free(text);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -1;
    }
    return 0;
}
