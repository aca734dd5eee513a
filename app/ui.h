/*
 * ui.h - what a screen produces each frame: a display list of drawing commands and the
 * widgets (stable IDs, rectangles, enabled or not) that input and scripts act on.
 *
 * Nothing here includes SDL: screens fill an app_ui, the platform layer (platform_sdl.c)
 * draws it, and tests inspect it. Coordinates are window pixels, y down. A screen is rebuilt
 * from scratch each time something changed; nothing persists in an app_ui between frames
 * except its allocations.
 */
#ifndef APP_UI_H
#define APP_UI_H

#include <stddef.h>
#include <stdint.h>

typedef struct app_rect {
    float x, y, w, h;
} app_rect;

/* 0xRRGGBBAA */
typedef uint32_t app_color;

enum { APP_ALIGN_LEFT = 0, APP_ALIGN_CENTER = 1, APP_ALIGN_RIGHT = 2 };

/* Keys the text and keypad layers act on (the platform maps its keys to these). */
enum { APP_KEY_BACKSPACE = 1, APP_KEY_ENTER = 2 };

typedef enum app_op {
    APP_OP_FILL,  /* filled rectangle r */
    APP_OP_FRAME, /* rectangle outline r, width w */
    APP_OP_LINES, /* polyline of n points at pts[off..], width w (1 = hairline) */
    APP_OP_SEGS,  /* n/2 separate segments (point pairs) at pts[off..], hairline */
    APP_OP_DISC,  /* filled circle at (r.x, r.y), radius r.w */
    APP_OP_RING,  /* circle outline at (r.x, r.y), radius r.w, width w */
    APP_OP_TEXT,  /* UTF-8 text[off..] in box r, pixel size n, align in w */
    APP_OP_IMAGE, /* texture tex on a grid of n x n cells: (n+1)^2 vertices in rows at pts[off..],
                     each two pairs (x, y window px; u, v texture 0..1); a cell with a NaN
                     vertex is left out; color modulates (its alpha: the opacity); id: the
                     image's identity (an id not seen before is new content) */
    APP_OP_LAYER, /* the next n commands (images) are a layer over rect r, on color: the platform
                     may keep it as one texture and redraw only what changed (new image ids,
                     the strips a pan uncovers). id: its generation (a new one: redraw all);
                     pts[off..] one point, the content's shift in window px since the
                     generation began. Drawn as is, the commands give the same picture. */
    APP_OP_CLIP   /* the commands after it are drawn only inside r (a scrolled body between the
                     top bar and its footer); r.w <= 0 or r.h <= 0 (app_ui_clip_end): all of
                     the window again. Not nested; a layer is not drawn under one. */
} app_op;

typedef struct app_cmd {
    app_op op;
    app_color color;
    app_rect r;
    float w;
    size_t off, n;
    void *tex; /* APP_OP_IMAGE: the platform's texture (platform.h plat_texture_new); APP_OP_LAYER:
                  the layer's key */
    uint64_t id; /* APP_OP_IMAGE, APP_OP_LAYER: see there */
} app_cmd;

typedef struct app_widget {
    char id[64];
    app_rect r;
    int enabled;
    /* The text the widget shows (app_ui_widget_text): text[text_off..] drawn at text_px in a
     * box text_w wide; text_px 0 when it shows none. For dump-widgets and the fit checks. */
    size_t text_off;
    int text_px;
    float text_w;
} app_widget;

typedef struct app_ui {
    int width, height; /* window size, px */
    float px_per_mm;   /* from the display's DPI: touch targets are sized in mm */
    app_cmd *cmd;
    size_t ncmd, capcmd;
    float *pts; /* x, y pairs */
    size_t npts, cappts;
    char *text;
    size_t ntext, captext;
    app_widget *w;
    size_t nw, capw;
    int oom;          /* an allocation failed this frame: the frame is incomplete */
    float text_scale; /* text size factor from the settings (small/normal/large); 0 means 1 */
} app_ui;

/* Start a frame: keeps allocations, drops the previous frame's content. */
void app_ui_begin(app_ui *ui, int width, int height, float px_per_mm);
void app_ui_free(app_ui *ui);

void app_ui_fill(app_ui *ui, app_rect r, app_color c);
void app_ui_frame(app_ui *ui, app_rect r, float width, app_color c);
void app_ui_disc(app_ui *ui, float x, float y, float radius, app_color c);
void app_ui_ring(app_ui *ui, float x, float y, float radius, float width, app_color c);
void app_ui_text(app_ui *ui, app_rect box, const char *utf8, int px, int align, app_color c);
/* A polyline or a set of segments: reserve n points, fill them through the returned pointer
 * (valid until the next call on ui), NULL when out of memory. */
float *app_ui_lines(app_ui *ui, size_t n, float width, app_color c);
float *app_ui_segs(app_ui *ui, size_t n, app_color c);
/* A textured mesh of g x g cells (APP_OP_IMAGE): fill (g+1)^2 vertices x, y, u, v through the
 * returned pointer (valid until the next call on ui), NULL when out of memory. */
float *app_ui_image(app_ui *ui, void *tex, int g, app_color c);

/* Start a layer (APP_OP_LAYER) of key over r on colour bg, generation gen, its content shifted
 * by (dx, dy) window px since that generation began; the images added until app_ui_layer_end
 * belong to it. Returns the command's index, or (size_t)-1 when out of memory. */
size_t app_ui_layer(app_ui *ui, void *key, uint64_t gen, app_rect r, app_color bg, float dx,
                    float dy);
void app_ui_layer_end(app_ui *ui, size_t layer);

/* Clip what follows to r (APP_OP_CLIP) until app_ui_clip_end. Returns the command's index (its
 * rectangle may be changed until the frame is drawn), or (size_t)-1 when out of memory. */
size_t app_ui_clip(app_ui *ui, app_rect r);
void app_ui_clip_end(app_ui *ui);

/* Register an actionable widget (drawing is separate). Later widgets lie on top. */
void app_ui_widget(app_ui *ui, const char *id, app_rect r, int enabled);
/* The text the widget registered last shows, drawn at px in a box box_w wide (copied). */
void app_ui_widget_text(app_ui *ui, const char *utf8, int px, float box_w);
/* The text of widget w in ui ("" when it shows none). */
const char *app_ui_widget_label(const app_ui *ui, const app_widget *w);
/* The widget with this ID in the current frame, or NULL. */
const app_widget *app_ui_find(const app_ui *ui, const char *id);
/* The topmost enabled widget under (x, y), or NULL. */
const app_widget *app_ui_hit(const app_ui *ui, float x, float y);

int app_rect_has(app_rect r, float x, float y);
/* A rectangle shrunk by m on each side. */
app_rect app_rect_inset(app_rect r, float m);

#endif
