/*
 * tilepack.c - packs of GeoPackage tiles (tilepack.h): built from a tile table, inserted into
 * one, named by their BLAKE2b-256. SQLite does the storage; this file only frames the bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tilepack.h"

void sy__blake_hex(const uint8_t *data, size_t len, char hex[65])
{
    uint8_t h[32];
    crypto_generichash(h, sizeof h, data, len, NULL, 0);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static int ident_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

static int sql_fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
    return -1;
}

int sy__gpkg_tile_table(sqlite3 *db, char *out, size_t n, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT table_name FROM gpkg_contents WHERE data_type = 'tiles'"
                           " ORDER BY rowid LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, "not a GeoPackage with tiles", err, errlen);
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (t && ident_ok(t) && strlen(t) < n) {
            snprintf(out, n, "%s", t);
            rc = 0;
        } else {
            snprintf(err, errlen, "the GeoPackage's tile table name is not a plain identifier");
        }
    } else {
        snprintf(err, errlen, "the GeoPackage has no tile table");
    }
    sqlite3_finalize(st);
    return rc;
}

int sy__pack_blocks(sqlite3 *db, const char *table,
                    int (*fn)(void *ctx, int zoom, int64_t bcol, int64_t brow), void *ctx,
                    char *err, size_t errlen)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT DISTINCT zoom_level, tile_row / %d, tile_column / %d FROM \"%s\""
             " ORDER BY 1, 2, 3",
             SY_PACK_BLOCK, SY_PACK_BLOCK, table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, "tiles", err, errlen);
    int rc = 0, s;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(ctx, sqlite3_column_int(st, 0), sqlite3_column_int64(st, 2),
                sqlite3_column_int64(st, 1));
    if (rc == 0 && s != SQLITE_DONE)
        rc = sql_fail(db, "tiles", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int sy__pack_grid(sqlite3 *db, const char *table, sy_pack_grid *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT min_x, max_y FROM gpkg_tile_matrix_set WHERE table_name = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, "tile matrix set", err, errlen);
    sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        g->west = sqlite3_column_double(st, 0);
        g->north = sqlite3_column_double(st, 1);
        rc = 0;
    } else {
        snprintf(err, errlen, "no tile matrix set for %s", table);
    }
    sqlite3_finalize(st);
    if (rc != 0)
        return rc;
    if (sqlite3_prepare_v2(
            db,
            "SELECT zoom_level, tile_width * pixel_x_size, tile_height * pixel_y_size"
            " FROM gpkg_tile_matrix WHERE table_name = ?1",
            -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, "tile matrix", err, errlen);
    sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int z = sqlite3_column_int(st, 0);
        double w = sqlite3_column_double(st, 1), h = sqlite3_column_double(st, 2);
        if (z >= 0 && z < SY_PACK_ZOOMS && w > 0 && h > 0) {
            g->bw[z] = w * SY_PACK_BLOCK;
            g->bh[z] = h * SY_PACK_BLOCK;
        }
    }
    if (s != SQLITE_DONE)
        rc = sql_fail(db, "tile matrix", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int sy__pack_extent(const sy_pack_grid *g, int zoom, int64_t bcol, int64_t brow, double ext[4])
{
    if (zoom < 0 || zoom >= SY_PACK_ZOOMS || g->bw[zoom] <= 0)
        return -1;
    ext[0] = g->west + (double)bcol * g->bw[zoom];
    ext[2] = ext[0] + g->bw[zoom];
    ext[3] = g->north - (double)brow * g->bh[zoom];
    ext[1] = ext[3] - g->bh[zoom];
    return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int sy__pack_build(sqlite3 *db, const char *table, int zoom, int64_t bcol, int64_t brow,
                   uint8_t **out, size_t *len, char *err, size_t errlen)
{
    *out = NULL;
    *len = 0;
    char sql[320];
    snprintf(sql, sizeof sql,
             "SELECT tile_column, tile_row, tile_data FROM \"%s\" WHERE zoom_level = ?1"
             " AND tile_column BETWEEN ?2 AND ?3 AND tile_row BETWEEN ?4 AND ?5"
             " ORDER BY tile_row, tile_column",
             table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, "tiles", err, errlen);
    sqlite3_bind_int(st, 1, zoom);
    sqlite3_bind_int64(st, 2, bcol * SY_PACK_BLOCK);
    sqlite3_bind_int64(st, 3, bcol * SY_PACK_BLOCK + SY_PACK_BLOCK - 1);
    sqlite3_bind_int64(st, 4, brow * SY_PACK_BLOCK);
    sqlite3_bind_int64(st, 5, brow * SY_PACK_BLOCK + SY_PACK_BLOCK - 1);
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = 0, s;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const void *blob = sqlite3_column_blob(st, 2);
        size_t bl = (size_t)sqlite3_column_bytes(st, 2);
        if (n + 16 + bl > SY_PACK_MAX_BYTES) {
            snprintf(err, errlen, "the tiles of level %d block %lld/%lld exceed %u bytes", zoom,
                     (long long)bcol, (long long)brow, SY_PACK_MAX_BYTES);
            rc = -1;
            break;
        }
        if (n + 16 + bl > cap) {
            size_t nc = cap ? cap * 2 : 256 * 1024;
            while (nc < n + 16 + bl)
                nc *= 2;
            uint8_t *nb = realloc(buf, nc);
            if (!nb) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
                break;
            }
            buf = nb;
            cap = nc;
        }
        put32(buf + n, (uint32_t)zoom);
        put32(buf + n + 4, (uint32_t)sqlite3_column_int64(st, 0));
        put32(buf + n + 8, (uint32_t)sqlite3_column_int64(st, 1));
        put32(buf + n + 12, (uint32_t)bl);
        if (bl)
            memcpy(buf + n + 16, blob, bl);
        n += 16 + bl;
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = sql_fail(db, "tiles", err, errlen);
    sqlite3_finalize(st);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return 0;
}

int sy__pack_insert(sqlite3 *db, const char *table, int zoom, int64_t bcol, int64_t brow,
                    const uint8_t *p, size_t len, char *err, size_t errlen)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO \"%s\"(zoom_level, tile_column, tile_row, tile_data)"
             " VALUES (?1, ?2, ?3, ?4)",
             table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, "tiles", err, errlen);
    int rc = 0;
    for (size_t off = 0; rc == 0 && off < len;) {
        if (len - off < 16) {
            snprintf(err, errlen, "a pack ends inside a tile's header");
            rc = -1;
            break;
        }
        uint32_t z = get32(p + off), col = get32(p + off + 4), row = get32(p + off + 8),
                 bl = get32(p + off + 12);
        if ((int)z != zoom || col / SY_PACK_BLOCK != bcol || row / SY_PACK_BLOCK != brow ||
            bl > len - off - 16) {
            snprintf(err, errlen, "a pack's tile %u/%u/%u lies outside its block or its data", z,
                     col, row);
            rc = -1;
            break;
        }
        sqlite3_reset(st);
        sqlite3_bind_int(st, 1, zoom);
        sqlite3_bind_int64(st, 2, col);
        sqlite3_bind_int64(st, 3, row);
        sqlite3_bind_blob(st, 4, p + off + 16, (int)bl, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sql_fail(db, "tiles", err, errlen);
        off += 16 + bl;
    }
    sqlite3_finalize(st);
    return rc;
}
