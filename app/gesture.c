/*
 * gesture.c - the tap / long-press / drag / pinch recogniser (see gesture.h).
 *
 * One finger: down then up without wandering beyond the slop is a tap (or nothing, if a
 * long-press already fired); wandering turns it into a drag for the rest of the touch. A
 * second finger turns the touch into a pinch until all fingers are up; such a touch never
 * taps. Fingers beyond two are ignored.
 */
#include "gesture.h"

#include <math.h>
#include <string.h>

void app_gest_init(app_gest *g, float slop_px)
{
    memset(g, 0, sizeof *g);
    g->slop = slop_px > 0 ? slop_px : 8;
}

static int slot(const app_gest *g, int64_t id)
{
    for (int i = 0; i < g->n; i++)
        if (g->f[i].id == id)
            return i;
    return -1;
}

static float spread(const app_gest *g)
{
    return hypotf(g->f[1].x - g->f[0].x, g->f[1].y - g->f[0].y);
}

int app_gest_feed(app_gest *g, const app_ptr *e, app_gesture out[2])
{
    int k = 0, i = slot(g, e->finger);
    switch (e->type) {
    case APP_PTR_DOWN:
        if (i >= 0 || g->n >= 2)
            return 0;
        i = g->n++;
        g->f[i].id = e->finger;
        g->f[i].x0 = g->f[i].x = e->x;
        g->f[i].y0 = g->f[i].y = e->y;
        if (g->n == 1) {
            g->t_down = e->t_ms;
            g->moved = g->long_fired = g->pinched = 0;
            g->last_x = e->x;
            g->last_y = e->y;
        } else {
            if (g->moved && !g->pinched)
                out[k++] = (app_gesture){.type = APP_G_DRAG_END, .x = g->f[0].x, .y = g->f[0].y};
            g->pinched = 1;
            g->pinch_d = spread(g);
        }
        return k;
    case APP_PTR_MOVE:
        if (i < 0)
            return 0;
        g->f[i].x = e->x;
        g->f[i].y = e->y;
        if (g->n == 2) {
            float d = spread(g);
            if (g->pinch_d > 1 && d > 1 && fabsf(d - g->pinch_d) >= 1) {
                out[k++] = (app_gesture){.type = APP_G_PINCH,
                                         .x = (g->f[0].x + g->f[1].x) / 2,
                                         .y = (g->f[0].y + g->f[1].y) / 2,
                                         .factor = d / g->pinch_d};
                g->pinch_d = d;
            }
            return k;
        }
        if (g->pinched || g->long_fired)
            return 0;
        if (!g->moved && hypotf(e->x - g->f[i].x0, e->y - g->f[i].y0) > g->slop)
            g->moved = 1;
        if (g->moved) {
            out[k++] = (app_gesture){.type = APP_G_DRAG,
                                     .x = e->x,
                                     .y = e->y,
                                     .dx = e->x - g->last_x,
                                     .dy = e->y - g->last_y,
                                     .t_ms = e->t_ms};
            g->last_x = e->x;
            g->last_y = e->y;
        }
        return k;
    case APP_PTR_UP:
        if (i < 0)
            return 0;
        if (g->n == 1) {
            if (g->pinched || g->long_fired)
                ; /* the touch was something else */
            else if (g->moved)
                out[k++] =
                    (app_gesture){.type = APP_G_DRAG_END, .x = e->x, .y = e->y, .t_ms = e->t_ms};
            else
                out[k++] = (app_gesture){.type = APP_G_TAP, .x = g->f[0].x0, .y = g->f[0].y0};
        }
        if (i == 0 && g->n == 2)
            g->f[0] = g->f[1];
        g->n--;
        return k;
    }
    return 0;
}

int app_gest_tick(app_gest *g, int64_t now_ms, app_gesture *out)
{
    if (g->n != 1 || g->moved || g->pinched || g->long_fired ||
        now_ms - g->t_down < APP_LONG_PRESS_MS)
        return 0;
    g->long_fired = 1;
    *out = (app_gesture){.type = APP_G_LONG_PRESS, .x = g->f[0].x0, .y = g->f[0].y0};
    return 1;
}

int64_t app_gest_deadline(const app_gest *g)
{
    if (g->n != 1 || g->moved || g->pinched || g->long_fired)
        return -1;
    return g->t_down + APP_LONG_PRESS_MS;
}
