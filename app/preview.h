/*
 * preview.h - the picture a crew is about to keep with a unit, shown before it is kept (the
 * Files screen): the file is read and decoded on a worker thread, scaled to fit a preview, so
 * a 30 MB photograph never stalls the UI; one picture at a time, the last one asked for.
 * SDL-free: the platform gives the decoder and the textures (platform.h).
 */
#ifndef QUEJIE_APP_PREVIEW_H
#define QUEJIE_APP_PREVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "basemap.h" /* app_tex_new_fn, app_tex_free_fn */

/* Decode the PNG or JPEG image held in data[0..n) scaled to fit max_side x max_side pixels
 * (aspect kept, never enlarged): ARGB8888 pixels, malloc'd; NULL with err when it cannot. */
typedef unsigned char *(*app_fit_decode_fn)(const void *data, size_t n, int max_side, int *w,
                                            int *h, int *alpha, char *err, size_t errlen);

typedef struct app_preview app_preview;

typedef enum app_preview_state {
    APP_PREVIEW_NONE,    /* nothing asked for */
    APP_PREVIEW_LOADING, /* read and decoded on the worker */
    APP_PREVIEW_READY,   /* the texture is there */
    APP_PREVIEW_FAILED   /* cannot be shown: why in the error */
} app_preview_state;

/* NULL when out of memory or the worker cannot start. wake(wake_ctx) is called from the
 * worker when a picture is ready. */
app_preview *app_preview_new(int max_side, app_fit_decode_fn decode, app_tex_new_fn tex_new,
                             app_tex_free_fn tex_free, void *tex_ctx, void (*wake)(void *),
                             void *wake_ctx);
/* Stops the worker and frees the texture (UI thread). NULL-safe. */
void app_preview_free(app_preview *pv);
/* Show the file at path (NULL or "": nothing). A path already shown or under way is not read
 * again; a file changed since (size, time) is. UI thread. */
void app_preview_want(app_preview *pv, const char *path, int64_t bytes, int64_t mtime_ms);
/* Take what the worker finished, making its texture (UI thread): 1 when what is shown
 * changed. */
int app_preview_poll(app_preview *pv);
/* What is shown now: the texture and its size in pixels when READY, the reason when FAILED. */
app_preview_state app_preview_get(const app_preview *pv, void **tex, int *w, int *h,
                                  const char **err);

#endif
