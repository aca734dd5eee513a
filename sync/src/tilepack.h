/*
 * tilepack.h - the unit imagery travels in (sync/imagery.h): a pack holds the tiles of one block
 * of SY_PACK_BLOCK x SY_PACK_BLOCK tiles of one zoom level of a GeoPackage tile table, and is
 * named by the BLAKE2b-256 of its bytes. The office builds packs from its pyramid to serve them,
 * the tablet inserts them into its copy and rebuilds the packs it already holds from its own
 * copy to check them: one encoding, written once, here. Private to sync/src.
 *
 * A pack's bytes: for each tile of the block present in the table, in (tile_row, tile_column)
 * order, four little-endian uint32 (zoom_level, tile_column, tile_row, byte length) then the
 * tile's bytes as stored. An empty block has no pack. docs/imagery.md describes it for outside
 * readers.
 */
#ifndef SYNC_TILEPACK_H
#define SYNC_TILEPACK_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define SY_PACK_BLOCK 8                       /* tiles per side of a pack's block */
#define SY_PACK_MAX_BYTES (48u * 1024 * 1024) /* a pack larger than this is refused */

/* The tile table of a GeoPackage (its first 'tiles' entry in gpkg_contents), checked to be a
 * plain identifier (letters, digits, '_'). 0, or -1 with err set. */
int sy__gpkg_tile_table(sqlite3 *db, char *out, size_t n, char *err, size_t errlen);

/* Call fn for each block holding at least one tile, in (zoom, block row, block column) order,
 * with the bytes of its tiles; a non-zero return from fn stops and is returned. -1 on an SQLite
 * error (err set). */
int sy__pack_blocks(sqlite3 *db, const char *table,
                    int (*fn)(void *ctx, int zoom, int64_t bcol, int64_t brow), void *ctx,
                    char *err, size_t errlen);

/* The pack of one block (caller frees *out). 0, or -1 with err set (SQLite, memory, a pack
 * over SY_PACK_MAX_BYTES). */
int sy__pack_build(sqlite3 *db, const char *table, int zoom, int64_t bcol, int64_t brow,
                   uint8_t **out, size_t *len, char *err, size_t errlen);

/* Insert the tiles of a pack of block (zoom, bcol, brow) into table, in the caller's
 * transaction; a malformed pack or a tile outside the block is refused (nothing inserted is
 * kept by the caller's rollback). 0, or -1 with err set. */
int sy__pack_insert(sqlite3 *db, const char *table, int zoom, int64_t bcol, int64_t brow,
                    const uint8_t *p, size_t len, char *err, size_t errlen);

/* Where the blocks of a tile table lie: per zoom level, the tile matrix set's west and north
 * edges and a block's width and height, in the table's CRS as GeoPackage stores it (x east or
 * longitude, y north or latitude). */
#define SY_PACK_ZOOMS 64
typedef struct sy_pack_grid {
    double west, north;
    double bw[SY_PACK_ZOOMS], bh[SY_PACK_ZOOMS]; /* 0: no such level */
} sy_pack_grid;

/* Read table's grid from gpkg_tile_matrix_set and gpkg_tile_matrix. 0, or -1 with err set. */
int sy__pack_grid(sqlite3 *db, const char *table, sy_pack_grid *g, char *err, size_t errlen);

/* The extent {x0, y0, x1, y1} of block (zoom, bcol, brow); -1 for a level the grid lacks. */
int sy__pack_extent(const sy_pack_grid *g, int zoom, int64_t bcol, int64_t brow, double ext[4]);

/* BLAKE2b-256 of data as 64 lowercase hex digits. */
void sy__blake_hex(const uint8_t *data, size_t len, char hex[65]);

#endif
