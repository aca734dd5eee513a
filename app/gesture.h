/*
 * gesture.h - one input path for fingers and the mouse: pointer events in, gestures out.
 *
 * The platform layer turns SDL finger and mouse events (and a script's injected touches, which
 * arrive as SDL finger events) into app_ptr events; this recogniser turns those into taps,
 * long-presses, drags (pan) and pinches (zoom). It keeps no clock of its own: times come with
 * the events, and app_gest_tick() fires a long-press once its deadline has passed, so the main
 * loop can sleep until app_gest_deadline() instead of polling. No SDL here.
 */
#ifndef APP_GESTURE_H
#define APP_GESTURE_H

#include <stdint.h>

enum { APP_PTR_DOWN, APP_PTR_MOVE, APP_PTR_UP };

typedef struct app_ptr {
    int type;
    int64_t finger; /* a finger id, or -1 for the mouse */
    float x, y;     /* window px */
    int64_t t_ms;   /* monotonic ms */
} app_ptr;

typedef enum app_gesture_type {
    APP_G_TAP,
    APP_G_LONG_PRESS,
    APP_G_DRAG, /* (x, y) now, (dx, dy) since the last drag report */
    APP_G_DRAG_END,
    APP_G_PINCH /* around (x, y), scale factor since the last pinch report */
} app_gesture_type;

typedef struct app_gesture {
    app_gesture_type type;
    float x, y;
    float dx, dy;
    float factor;
    int64_t t_ms; /* of the pointer event it came from (drags: for a fling's speed) */
} app_gesture;

#define APP_LONG_PRESS_MS 600

typedef struct app_gest {
    float slop; /* px a finger may wander and still tap */
    int n;      /* fingers down (0-2 tracked) */
    struct {
        int64_t id;
        float x0, y0, x, y;
    } f[2];
    int64_t t_down;
    int moved, long_fired, pinched;
    float last_x, last_y; /* drag reference */
    float pinch_d;        /* pinch reference distance */
} app_gest;

void app_gest_init(app_gest *g, float slop_px);
/* Feed one pointer event; up to 2 gestures are written to out. Returns how many. */
int app_gest_feed(app_gest *g, const app_ptr *e, app_gesture out[2]);
/* A long-press when a still finger has been down long enough (once). Returns 0 or 1. */
int app_gest_tick(app_gest *g, int64_t now_ms, app_gesture *out);
/* When app_gest_tick next has something to say (ms, monotonic), or -1 for never. */
int64_t app_gest_deadline(const app_gest *g);

#endif
