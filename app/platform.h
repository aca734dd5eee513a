/*
 * platform.h - the thin layer between the app and SDL2 (platform_sdl.c is the only file that
 * includes SDL): a window, input as app_ptr events, drawing an app_ui, text with SDL2_ttf and a
 * CJK font found through fontconfig, PNG screenshots with SDL2_image, and a thread-safe wake-up
 * so the main loop can sleep until something happens.
 */
#ifndef APP_PLATFORM_H
#define APP_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "gesture.h"
#include "ui.h"

typedef struct plat plat;

typedef enum plat_ev_type {
    PLAT_EV_PTR,    /* ptr holds a pointer event (finger or mouse) */
    PLAT_EV_QUIT,   /* window closed */
    PLAT_EV_WAKE,   /* plat_wake() was called */
    PLAT_EV_REDRAW, /* resized or exposed */
    PLAT_EV_BACK,   /* Escape or the tablet's back key */
    PLAT_EV_TEXT,   /* text holds committed UTF-8 text (keyboard or input method) */
    PLAT_EV_KEY,    /* key holds APP_KEY_BACKSPACE or APP_KEY_ENTER */
    PLAT_EV_OTHER   /* nothing the app acts on */
} plat_ev_type;

typedef struct plat_ev {
    plat_ev_type type;
    app_ptr ptr;
    char text[32];
    int key;
} plat_ev;

/* Open a window of w x h px (0: the display's size, full screen). Returns 0 or -1 with err. */
int plat_open(const char *title, int w, int h, plat **out, char *err, size_t errlen);
void plat_close(plat *p); /* NULL-safe */
/* Wait at most timeout_ms (-1: forever) for one event. Returns 1 with *ev, 0 on timeout. */
int plat_wait(plat *p, int timeout_ms, plat_ev *ev);
/* The window's size in renderer pixels and its pixels per mm: from the display's DPI, or when
 * the display reports none, plat_assumed_px_per_mm (the target tablet). */
void plat_size(plat *p, int *w, int *h, float *px_per_mm);
/* The tablet the app is made for: a 10.1-inch panel, here at w x h pixels (1920x1200: 224 DPI,
 * 1280x800: 149 DPI). */
#define PLAT_ASSUMED_DIAGONAL_IN 10.1
float plat_assumed_px_per_mm(int w, int h);
/* The size utf8 takes drawn at pixel size px (for the fit checks of dump-widgets). 0 or -1. */
int plat_text_size(plat *p, const char *utf8, int px, int *w, int *h);
/* The advance width at px of the printable ASCII character c (app_advance_fn), or -1. */
int plat_ascii_advance(plat *p, int px, int c);
/* Draw a frame and show it. Returns 0 or -1 (the frame may be partly drawn). */
int plat_draw(plat *p, const app_ui *ui);
/* Save what the window shows now as PNG. Returns 0 or -1 with err. */
int plat_screenshot(plat *p, const char *path, char *err, size_t errlen);
/* Wake plat_wait from any thread. ctx is the plat. */
void plat_wake(void *ctx);
/* Queue a touch event as the touch screen would deliver it (APP_PTR_DOWN/MOVE/UP at window
 * px, finger id >= 0): it comes back from plat_wait through the same path as a real finger. */
int plat_inject_touch(plat *p, int type, int64_t finger, float x, float y);
/* Run SDL text input (the on-screen keyboard or input method) while on is set; r is where the
 * text is being entered (the input method places its candidate window near it). */
void plat_text_input(plat *p, int on, app_rect r);
/* Queue UTF-8 text as the input method would commit it (in pieces of whole code points). */
int plat_inject_text(plat *p, const char *utf8);
/* 1 while touch or text events are queued and not yet returned by plat_wait. */
int plat_input_pending(plat *p);
/* How many code points of utf8 the UI font has no glyph for. */
int plat_missing_glyphs(plat *p, const char *utf8);
/* Audit every string drawn from now on: plat_glyph_audit returns how many had code points the
 * font cannot draw (*drawn: how many distinct strings were drawn; which: the first of them). */
void plat_glyph_audit_start(plat *p);
long plat_glyph_audit(plat *p, long *drawn, char *which, size_t n);
/* Decode a PNG or JPEG image held in memory into 32-bit pixels (ARGB8888: w * h * 4 bytes,
 * malloc'd, the caller frees; *alpha set when a pixel is not opaque). Any thread (imagery tiles
 * are decoded on a worker). NULL with err when the bytes are not an image it can read. */
unsigned char *plat_decode_image(const void *data, size_t n, int *w, int *h, int *alpha, char *err,
                                 size_t errlen);
/* The same, scaled down to fit max_side x max_side pixels (aspect kept, never enlarged): a
 * photograph's preview (preview.h). Any thread. */
unsigned char *plat_decode_image_fit(const void *data, size_t n, int max_side, int *w, int *h,
                                     int *alpha, char *err, size_t errlen);
/* A texture of those pixels for APP_OP_IMAGE (ctx: the plat), UI thread only; NULL on failure.
 * Freed with plat_texture_free (UI thread). */
void *plat_texture_new(void *ctx, const unsigned char *px, int w, int h, int alpha);
void plat_texture_free(void *ctx, void *tex);
/* Make now, at the window's size, the textures an APP_OP_LAYER is kept in (the imagery under
 * the map): making them touches several MB, which would otherwise fall on a frame. */
void plat_layer_prepare(plat *p);
/* The font file in use (for the log). */
const char *plat_font(const plat *p);
/* The SDL render driver in use ("software", "opengl", "opengles2", ...). */
const char *plat_renderer(const plat *p);

#endif
