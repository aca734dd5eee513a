/*
 * ui.c - the display list and widget table of one frame (see ui.h). Growth doubles; a failed
 * allocation sets ui->oom and drops the command, never crashes the frame.
 */
#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *n = realloc(*p, c * elem);
    if (!n)
        return -1;
    *p = n;
    *cap = c;
    return 0;
}

void app_ui_begin(app_ui *ui, int width, int height, float px_per_mm)
{
    ui->width = width;
    ui->height = height;
    ui->px_per_mm = px_per_mm;
    ui->ncmd = ui->npts = ui->ntext = ui->nw = 0;
    ui->oom = 0;
}

void app_ui_free(app_ui *ui)
{
    free(ui->cmd);
    free(ui->pts);
    free(ui->text);
    free(ui->w);
    memset(ui, 0, sizeof *ui);
}

static app_cmd *push(app_ui *ui, app_op op, app_color c)
{
    if (grow((void **)&ui->cmd, &ui->capcmd, ui->ncmd + 1, sizeof *ui->cmd) != 0) {
        ui->oom = 1;
        return NULL;
    }
    app_cmd *k = &ui->cmd[ui->ncmd++];
    memset(k, 0, sizeof *k);
    k->op = op;
    k->color = c;
    return k;
}

void app_ui_fill(app_ui *ui, app_rect r, app_color c)
{
    app_cmd *k = push(ui, APP_OP_FILL, c);
    if (k)
        k->r = r;
}

void app_ui_frame(app_ui *ui, app_rect r, float width, app_color c)
{
    app_cmd *k = push(ui, APP_OP_FRAME, c);
    if (k) {
        k->r = r;
        k->w = width;
    }
}

void app_ui_disc(app_ui *ui, float x, float y, float radius, app_color c)
{
    app_cmd *k = push(ui, APP_OP_DISC, c);
    if (k)
        k->r = (app_rect){x, y, radius, radius};
}

void app_ui_ring(app_ui *ui, float x, float y, float radius, float width, app_color c)
{
    app_cmd *k = push(ui, APP_OP_RING, c);
    if (k) {
        k->r = (app_rect){x, y, radius, radius};
        k->w = width;
    }
}

void app_ui_text(app_ui *ui, app_rect box, const char *utf8, int px, int align, app_color c)
{
    if (!utf8 || !*utf8)
        return;
    size_t len = strlen(utf8);
    if (grow((void **)&ui->text, &ui->captext, ui->ntext + len + 1, 1) != 0) {
        ui->oom = 1;
        return;
    }
    app_cmd *k = push(ui, APP_OP_TEXT, c);
    if (!k)
        return;
    k->r = box;
    k->n = (size_t)px;
    k->w = (float)align;
    k->off = ui->ntext;
    memcpy(ui->text + ui->ntext, utf8, len + 1);
    ui->ntext += len + 1;
}

static float *points(app_ui *ui, app_op op, size_t n, float width, app_color c)
{
    if (n == 0 || grow((void **)&ui->pts, &ui->cappts, 2 * (ui->npts + n), sizeof *ui->pts) != 0) {
        ui->oom |= n != 0;
        return NULL;
    }
    app_cmd *k = push(ui, op, c);
    if (!k)
        return NULL;
    k->w = width;
    k->off = ui->npts;
    k->n = n;
    ui->npts += n;
    return ui->pts + 2 * k->off;
}

float *app_ui_lines(app_ui *ui, size_t n, float width, app_color c)
{
    return points(ui, APP_OP_LINES, n, width, c);
}

float *app_ui_segs(app_ui *ui, size_t n, app_color c)
{
    return points(ui, APP_OP_SEGS, n, 1, c);
}

float *app_ui_image(app_ui *ui, void *tex, int g, app_color c)
{
    if (!tex || g < 1 || g > 64)
        return NULL;
    size_t nv = (size_t)(g + 1) * (size_t)(g + 1);
    float *p = points(ui, APP_OP_IMAGE, 2 * nv, 1, c);
    if (!p)
        return NULL;
    app_cmd *k = &ui->cmd[ui->ncmd - 1];
    k->n = (size_t)g;
    k->tex = tex;
    return p;
}

size_t app_ui_layer(app_ui *ui, void *key, uint64_t gen, app_rect r, app_color bg, float dx,
                    float dy)
{
    float *p = points(ui, APP_OP_LAYER, 1, 1, bg);
    if (!p)
        return (size_t)-1;
    p[0] = dx;
    p[1] = dy;
    app_cmd *k = &ui->cmd[ui->ncmd - 1];
    k->n = 0;
    k->r = r;
    k->tex = key;
    k->id = gen;
    return ui->ncmd - 1;
}

void app_ui_layer_end(app_ui *ui, size_t layer)
{
    if (layer < ui->ncmd && ui->cmd[layer].op == APP_OP_LAYER)
        ui->cmd[layer].n = ui->ncmd - layer - 1;
}

size_t app_ui_clip(app_ui *ui, app_rect r)
{
    app_cmd *k = push(ui, APP_OP_CLIP, 0);
    if (!k)
        return (size_t)-1;
    k->r = r;
    return ui->ncmd - 1;
}

void app_ui_clip_end(app_ui *ui)
{
    app_cmd *k = push(ui, APP_OP_CLIP, 0);
    if (k)
        k->r = (app_rect){0, 0, 0, 0};
}

void app_ui_widget(app_ui *ui, const char *id, app_rect r, int enabled)
{
    if (grow((void **)&ui->w, &ui->capw, ui->nw + 1, sizeof *ui->w) != 0) {
        ui->oom = 1;
        return;
    }
    app_widget *w = &ui->w[ui->nw++];
    snprintf(w->id, sizeof w->id, "%s", id);
    w->r = r;
    w->enabled = enabled;
    w->text_off = 0;
    w->text_px = 0;
    w->text_w = 0;
}

void app_ui_widget_text(app_ui *ui, const char *utf8, int px, float box_w)
{
    if (!ui->nw || !utf8 || !*utf8)
        return;
    size_t len = strlen(utf8);
    if (grow((void **)&ui->text, &ui->captext, ui->ntext + len + 1, 1) != 0) {
        ui->oom = 1;
        return;
    }
    app_widget *w = &ui->w[ui->nw - 1];
    w->text_off = ui->ntext;
    w->text_px = px;
    w->text_w = box_w;
    memcpy(ui->text + ui->ntext, utf8, len + 1);
    ui->ntext += len + 1;
}

const char *app_ui_widget_label(const app_ui *ui, const app_widget *w)
{
    return w->text_px > 0 && ui->text ? ui->text + w->text_off : "";
}

const app_widget *app_ui_find(const app_ui *ui, const char *id)
{
    for (size_t i = ui->nw; i-- > 0;)
        if (strcmp(ui->w[i].id, id) == 0)
            return &ui->w[i];
    return NULL;
}

const app_widget *app_ui_hit(const app_ui *ui, float x, float y)
{
    for (size_t i = ui->nw; i-- > 0;)
        if (ui->w[i].enabled && app_rect_has(ui->w[i].r, x, y))
            return &ui->w[i];
    return NULL;
}

int app_rect_has(app_rect r, float x, float y)
{
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

app_rect app_rect_inset(app_rect r, float m)
{
    return (app_rect){r.x + m, r.y + m, r.w - 2 * m, r.h - 2 * m};
}
