/*
 * basemap.h - offline imagery under the map (docs/imagery.md): GeoPackage raster tiles in any
 * CRS the survey library's geodesy can read (EPSG:4490 including Tianditu's `c` grid, the
 * CGCS2000 Gauss-Krueger zones, ...) and MBTiles (EPSG:3857, XYZ with TMS rows), read with
 * SQLite, read-only.
 *
 * Two layers:
 *   - app_bm: one file, its tile matrix set and levels, and reading one tile's bytes. Pure
 *     arithmetic on the file's own numbers: a level's pixel size is its gpkg_tile_matrix
 *     pixel_x_size / pixel_y_size, its origin the top left of gpkg_tile_matrix_set's bounds;
 *     nothing is derived from scale denominators or zoom numbers.
 *   - app_tiles: the set of basemaps the app shows, a worker thread that reads and decodes
 *     tiles (through a decoder the platform gives: SDL2_image in platform_sdl.c) into a queue,
 *     and a cache of textures bounded in bytes (least recently used dropped). Textures are made
 *     on the UI thread only, through callbacks the platform gives; the frame never waits for
 *     a tile: a coarser cached tile is drawn meanwhile.
 * No SDL here.
 */
#ifndef APP_BASEMAP_H
#define APP_BASEMAP_H

#include <stddef.h>
#include <stdint.h>

#include "survey/geo.h"
#include "ui.h"

#define APP_BM_MAX_LEVELS 32

typedef struct app_bm_level {
    int zoom;       /* the file's zoom_level */
    int64_t mw, mh; /* matrix width and height, tiles */
    int tw, th;     /* tile width and height, px */
    double px, py;  /* pixel size, CRS units */
} app_bm_level;

typedef struct app_bm {
    char path[1024];
    char table[128];                    /* the tile table */
    char crs[32];                       /* "EPSG:4490" */
    int mbtiles;                        /* rows counted from the bottom (TMS) */
    double min_x, min_y, max_x, max_y;  /* tile matrix set bounds: the origin is (min_x, max_y) */
    app_bm_level lv[APP_BM_MAX_LEVELS]; /* coarse to fine */
    int nlv;
    void *db;   /* sqlite3, read-only */
    void *stmt; /* the tile query */
} app_bm;

/* Open a GeoPackage (first tiles table of gpkg_contents) or MBTiles file read-only. Returns 0,
 * or -1 with err naming the file and the problem. */
int app_bm_open(const char *path, app_bm *b, char *err, size_t errlen);
void app_bm_close(app_bm *b); /* zeroed or closed: no-op */
/* Bounds of tile (col, row) of level index li, in the file's CRS. */
void app_bm_tile_bounds(const app_bm *b, int li, int64_t col, int64_t row, double *x0, double *y0,
                        double *x1, double *y1);
/* The tiles of level li that cover the box (x0, y0)-(x1, y1), clamped to the matrix. Returns
 * the number of tiles (0: none). */
int64_t app_bm_tile_range(const app_bm *b, int li, double x0, double y0, double x1, double y1,
                          int64_t *c0, int64_t *r0, int64_t *c1, int64_t *r1);
/* The level index to show at upp CRS units per screen pixel: the coarsest level at least as
 * fine as the screen (a little upsampling allowed), else the finest. */
int app_bm_pick_level(const app_bm *b, double upp);
/* Read one tile's bytes (malloc'd into *data). Returns 1, 0 when the file has no such tile,
 * -1 with err. One thread at a time. */
int app_bm_read_tile(app_bm *b, int li, int64_t col, int64_t row, void **data, size_t *n, char *err,
                     size_t errlen);

/* ---- the app's basemaps ------------------------------------------------------------------ */

typedef struct app_tiles app_tiles;

typedef unsigned char *(*app_decode_fn)(const void *data, size_t n, int *w, int *h, int *alpha,
                                        char *err, size_t errlen);
typedef void *(*app_tex_new_fn)(void *ctx, const unsigned char *px, int w, int h, int alpha);
typedef void (*app_tex_free_fn)(void *ctx, void *tex);

/* A set of basemaps (none yet), its worker and cache of cache_bytes. decode runs on the worker;
 * tex_new/tex_free (may be NULL: nothing is drawn) and wake on the UI thread / any thread. */
app_tiles *app_tiles_new(size_t cache_bytes, app_decode_fn decode, app_tex_new_fn tex_new,
                         app_tex_free_fn tex_free, void *tex_ctx, void (*wake)(void *),
                         void *wake_ctx);
/* Add a basemap file (before the first frame). Returns 0, or -1 with err (the set goes on
 * without it). */
int app_tiles_add(app_tiles *t, const char *path, char *err, size_t errlen);
/* Add every *.gpkg and *.mbtiles of dir, in name order; each failure is printed to stderr
 * under prog. Returns how many were added. */
int app_tiles_add_dir(app_tiles *t, const char *dir, const char *prog);
void app_tiles_free(app_tiles *t); /* NULL-safe; stops the worker */
size_t app_tiles_count(const app_tiles *t);
const char *app_tiles_path(const app_tiles *t, size_t i);
/* Take what the worker decoded (UI thread). Returns 1 when the map should be redrawn. */
int app_tiles_poll(app_tiles *t);
/* Make the transformations from the basemaps' CRSs with geo (the UI thread's handle) now,
 * before the first frame (app_tiles_draw does it when not done); a CRS PROJ cannot use is
 * named on stderr and its basemap left out. */
void app_tiles_prepare(app_tiles *t, sv_geo *geo);
/* Draw the basemaps into rect m (the map's background bg) of a map whose centre is the plane
 * point (view_x north, view_y east) of crs at mpp metres a pixel, with opacity 0..1, as one
 * layer (APP_OP_LAYER: the platform redraws only what a pan uncovers and tiles new to it); ask
 * the worker for the tiles missing. geo is the UI thread's handle. */
void app_tiles_draw(app_tiles *t, sv_geo *geo, sv_crs crs, double view_x, double view_y, double mpp,
                    app_rect m, float opacity, app_color bg, app_ui *ui);
/* Counters for the log and the benchmark. */
typedef struct app_tiles_stats {
    size_t cached, cache_bytes, pending; /* textures held, their bytes, tiles asked for */
    int busy;                            /* the worker is reading or decoding one */
    long decoded, failed;
} app_tiles_stats;
void app_tiles_get_stats(const app_tiles *t, app_tiles_stats *s);

#endif
