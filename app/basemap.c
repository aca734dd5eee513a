/*
 * basemap.c - one imagery file: GeoPackage raster tiles or MBTiles, opened read-only with
 * SQLite, its tile matrix set and levels, tile arithmetic and reading a tile's bytes (see
 * basemap.h). The worker, the cache and drawing are tiles.c's.
 */
#include "basemap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* Web Mercator's half world, metres (EPSG:3857 bounds). */
#define MERC_HALF 20037508.342789244

static int failf(char *err, size_t errlen, const char *path, const char *what, const char *detail)
{
    snprintf(err, errlen, "%s: %s%s%s", path, what, detail ? ": " : "", detail ? detail : "");
    return -1;
}

/* "file:" URI of path, read-only and immutable (the tablet only reads imagery; a file on a
 * read-only medium opens without SQLite trying to create a journal or -shm beside it). */
static void uri_of(const char *path, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = (size_t)snprintf(out, n, "file:");
    for (const unsigned char *s = (const unsigned char *)path; *s && k + 4 < n; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            strchr("/._-~", *s)) {
            out[k++] = (char)*s;
        } else {
            out[k++] = '%';
            out[k++] = hex[*s >> 4];
            out[k++] = hex[*s & 15];
        }
    }
    snprintf(out + k, n - k, "?mode=ro&immutable=1");
}

static int has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    int yes = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name=?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        yes = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return yes;
}

static int open_gpkg(app_bm *b, sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    const char *path = b->path;
    int rc = -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT table_name FROM gpkg_contents WHERE data_type='tiles' "
                           "ORDER BY table_name LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return failf(err, errlen, path, "cannot read gpkg_contents", sqlite3_errmsg(db));
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return failf(err, errlen, path, "no tiles table (gpkg_contents has no data_type 'tiles')",
                     NULL);
    }
    snprintf(b->table, sizeof b->table, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);

    int srs = -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT srs_id, min_x, min_y, max_x, max_y FROM gpkg_tile_matrix_set "
                           "WHERE table_name=?",
                           -1, &st, NULL) != SQLITE_OK)
        return failf(err, errlen, path, "cannot read gpkg_tile_matrix_set", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, b->table, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        srs = sqlite3_column_int(st, 0);
        b->min_x = sqlite3_column_double(st, 1);
        b->min_y = sqlite3_column_double(st, 2);
        b->max_x = sqlite3_column_double(st, 3);
        b->max_y = sqlite3_column_double(st, 4);
    }
    sqlite3_finalize(st);
    if (srs < 0 || !(b->max_x > b->min_x) || !(b->max_y > b->min_y))
        return failf(err, errlen, path, "no usable gpkg_tile_matrix_set row for the tiles table",
                     b->table);

    if (sqlite3_prepare_v2(db,
                           "SELECT upper(organization), organization_coordsys_id FROM "
                           "gpkg_spatial_ref_sys WHERE srs_id=?",
                           -1, &st, NULL) != SQLITE_OK)
        return failf(err, errlen, path, "cannot read gpkg_spatial_ref_sys", sqlite3_errmsg(db));
    sqlite3_bind_int(st, 1, srs);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
        strcmp((const char *)sqlite3_column_text(st, 0), "EPSG") == 0)
        snprintf(b->crs, sizeof b->crs, "EPSG:%d", sqlite3_column_int(st, 1));
    sqlite3_finalize(st);
    if (!b->crs[0]) {
        char d[64];
        snprintf(d, sizeof d, "srs_id %d", srs);
        return failf(err, errlen, path, "the tiles' CRS is not an EPSG code", d);
    }

    if (sqlite3_prepare_v2(db,
                           "SELECT zoom_level, matrix_width, matrix_height, tile_width, "
                           "tile_height, pixel_x_size, pixel_y_size FROM gpkg_tile_matrix WHERE "
                           "table_name=? ORDER BY pixel_x_size DESC",
                           -1, &st, NULL) != SQLITE_OK)
        return failf(err, errlen, path, "cannot read gpkg_tile_matrix", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, b->table, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW && b->nlv < APP_BM_MAX_LEVELS) {
        app_bm_level l = {sqlite3_column_int(st, 0),   sqlite3_column_int64(st, 1),
                          sqlite3_column_int64(st, 2), sqlite3_column_int(st, 3),
                          sqlite3_column_int(st, 4),   sqlite3_column_double(st, 5),
                          sqlite3_column_double(st, 6)};
        if (l.mw > 0 && l.mh > 0 && l.tw > 0 && l.th > 0 && l.tw <= 4096 && l.th <= 4096 &&
            l.px > 0 && l.py > 0 && isfinite(l.px) && isfinite(l.py))
            b->lv[b->nlv++] = l;
    }
    sqlite3_finalize(st);
    if (b->nlv == 0)
        return failf(err, errlen, path, "no usable gpkg_tile_matrix rows for the tiles table",
                     b->table);
    rc = 0;
    return rc;
}

static int open_mbtiles(app_bm *b, sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int z0 = -1, z1 = -1;
    snprintf(b->table, sizeof b->table, "tiles");
    snprintf(b->crs, sizeof b->crs, "EPSG:3857");
    b->mbtiles = 1;
    b->min_x = b->min_y = -MERC_HALF;
    b->max_x = b->max_y = MERC_HALF;
    if (sqlite3_prepare_v2(db, "SELECT min(zoom_level), max(zoom_level) FROM tiles", -1, &st,
                           NULL) != SQLITE_OK)
        return failf(err, errlen, b->path, "cannot read the MBTiles tiles table",
                     sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER) {
        z0 = sqlite3_column_int(st, 0);
        z1 = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    if (z0 < 0 || z1 > 30 || z1 < z0)
        return failf(err, errlen, b->path, "the MBTiles tiles table has no tiles", NULL);
    if (z1 - z0 >= APP_BM_MAX_LEVELS)
        z0 = z1 - APP_BM_MAX_LEVELS + 1;
    for (int z = z0; z <= z1; z++) {
        int64_t n = (int64_t)1 << z;
        double px = 2 * MERC_HALF / (double)n / 256;
        b->lv[b->nlv++] = (app_bm_level){z, n, n, 256, 256, px, px};
    }
    return 0;
}

int app_bm_open(const char *path, app_bm *b, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    snprintf(b->path, sizeof b->path, "%s", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return failf(err, errlen, path, "cannot open", NULL);
    char magic[16] = {0};
    size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    if (got < sizeof magic || memcmp(magic, "SQLite format 3", 16) != 0)
        return failf(err, errlen, path, "not a GeoPackage or MBTiles file (not SQLite)", NULL);
    char uri[3200];
    uri_of(path, uri, sizeof uri);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
        failf(err, errlen, path, "cannot open", db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -1;
    }
    int rc;
    if (has_table(db, "gpkg_contents"))
        rc = open_gpkg(b, db, err, errlen);
    else if (has_table(db, "tiles") && has_table(db, "metadata"))
        rc = open_mbtiles(b, db, err, errlen);
    else
        rc = failf(err, errlen, path,
                   "not a GeoPackage or MBTiles file (no gpkg_contents, no tiles and metadata)",
                   NULL);
    sqlite3_stmt *st = NULL;
    if (rc == 0) {
        char *sql = sqlite3_mprintf("SELECT tile_data FROM \"%w\" WHERE zoom_level=? AND "
                                    "tile_column=? AND tile_row=?",
                                    b->table);
        if (!sql || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            rc = failf(err, errlen, path, "cannot read the tiles table", sqlite3_errmsg(db));
        sqlite3_free(sql);
    }
    if (rc != 0) {
        sqlite3_finalize(st);
        sqlite3_close(db);
        return -1;
    }
    b->db = db;
    b->stmt = st;
    return 0;
}

void app_bm_close(app_bm *b)
{
    if (!b)
        return;
    sqlite3_finalize(b->stmt);
    sqlite3_close(b->db);
    b->stmt = b->db = NULL;
}

void app_bm_tile_bounds(const app_bm *b, int li, int64_t col, int64_t row, double *x0, double *y0,
                        double *x1, double *y1)
{
    const app_bm_level *l = &b->lv[li];
    double sx = l->tw * l->px, sy = l->th * l->py;
    *x0 = b->min_x + (double)col * sx;
    *x1 = *x0 + sx;
    *y1 = b->max_y - (double)row * sy;
    *y0 = *y1 - sy;
}

static int64_t clamp64(double v, int64_t hi)
{
    if (!(v > 0))
        return 0;
    return v >= (double)hi ? hi : (int64_t)v;
}

int64_t app_bm_tile_range(const app_bm *b, int li, double x0, double y0, double x1, double y1,
                          int64_t *c0, int64_t *r0, int64_t *c1, int64_t *r1)
{
    const app_bm_level *l = &b->lv[li];
    double sx = l->tw * l->px, sy = l->th * l->py;
    if (!(x1 > x0) || !(y1 > y0) || x1 <= b->min_x || y0 >= b->max_y ||
        x0 >= b->min_x + (double)l->mw * sx || y1 <= b->max_y - (double)l->mh * sy)
        return 0;
    *c0 = clamp64(floor((x0 - b->min_x) / sx), l->mw - 1);
    *c1 = clamp64(floor((x1 - b->min_x) / sx), l->mw - 1);
    *r0 = clamp64(floor((b->max_y - y1) / sy), l->mh - 1);
    *r1 = clamp64(floor((b->max_y - y0) / sy), l->mh - 1);
    double n = (double)(*c1 - *c0 + 1) * (double)(*r1 - *r0 + 1);
    return n > 1e15 ? (int64_t)1e15 : (int64_t)n;
}

int app_bm_pick_level(const app_bm *b, double upp)
{
    for (int i = 0; i < b->nlv; i++)
        if (b->lv[i].px <= upp * 1.3)
            return i;
    return b->nlv - 1;
}

int app_bm_read_tile(app_bm *b, int li, int64_t col, int64_t row, void **data, size_t *n, char *err,
                     size_t errlen)
{
    *data = NULL;
    *n = 0;
    const app_bm_level *l = &b->lv[li];
    sqlite3_stmt *st = b->stmt;
    sqlite3_reset(st);
    sqlite3_bind_int(st, 1, l->zoom);
    sqlite3_bind_int64(st, 2, col);
    sqlite3_bind_int64(st, 3, b->mbtiles ? l->mh - 1 - row : row); /* TMS: rows from the bottom */
    int s = sqlite3_step(st), rc = 0;
    if (s == SQLITE_ROW) {
        int len = sqlite3_column_bytes(st, 0);
        const void *p = sqlite3_column_blob(st, 0);
        if (len > 0 && p && (*data = malloc((size_t)len))) {
            memcpy(*data, p, (size_t)len);
            *n = (size_t)len;
            rc = 1;
        } else {
            snprintf(err, errlen, "%s: tile %d/%lld/%lld: %s", b->path, l->zoom, (long long)col,
                     (long long)row, len > 0 ? "out of memory" : "empty tile_data");
            rc = -1;
        }
    } else if (s != SQLITE_DONE) {
        snprintf(err, errlen, "%s: tile %d/%lld/%lld: %s", b->path, l->zoom, (long long)col,
                 (long long)row, sqlite3_errmsg(b->db));
        rc = -1;
    }
    sqlite3_reset(st);
    return rc;
}
