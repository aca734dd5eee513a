/*
 * imagery.h - the county's imagery for the tablets: the office tiles an orthophoto with GDAL
 * into a GeoPackage pyramid in the county's CRS, and tablets fetch it with their tasks in
 * content-addressed pieces, never downloading again a piece they already hold.
 *
 * At the office (docs/imagery.md, "From the office to the tablets"):
 *   OFFICE_DB.imagery/NAME.gpkg  the tiled pyramid (GeoPackage raster tiles, 256 px, PNG/JPEG),
 *                                one per imagery name, replaced atomically by a new version;
 *   table imagery                name, assignment (device or crew name, or "*" for every
 *                                device), the manifest.
 * A manifest describes the pyramid as a skeleton (the GeoPackage with its tile table emptied:
 * CRS, tile matrices, metadata; a few tens of KB) and packs: the tiles of one block of 8 x 8
 * tiles of one zoom level (sync/src/tilepack.h), each named by the BLAKE2b-256 of its bytes. A
 * new version of the imagery changes the names of the packs whose tiles changed, and only those.
 * The tablet verifies the signed manifest list with the office's key and every skeleton and
 * pack against its name; it builds the new file beside the old one (basemaps/.FILE.part, which
 * survives a cut and resumes), copying each pack it already holds from its own basemaps and
 * fetching the others, and only then replaces basemaps/FILE beside the journal, where the app
 * reads basemaps.
 *
 * Errors: sy_err codes (bundle.h); the office handle's message (sy_office_errmsg) says which
 * file and what.
 */
#ifndef SYNC_IMAGERY_H
#define SYNC_IMAGERY_H

#include <stddef.h>
#include <stdint.h>

#include "sync/office.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SY_IMAGERY_NAME_MAX 100               /* bytes of an imagery name, without the NUL */
#define SY_IMAGERY_DOMAIN "quejie-imagery-v1" /* signature domain of the manifest list */

/* What sy_office_imagery_add made. */
typedef struct sy_imagery_info {
    char name[SY_IMAGERY_NAME_MAX + 1];
    int epsg;      /* the pyramid's CRS */
    int levels;    /* zoom levels (the full resolution and its power-of-two overviews) */
    int warped;    /* 1 when the source was reprojected into epsg */
    int64_t bytes; /* the skeleton and every pack */
    int64_t tiles;
    int packs;
    char version[65]; /* the manifest's identity: BLAKE2b-256 over its skeleton and packs */
    double margin_m;  /* what a device receives: see sy_office_imagery_add */
} sy_imagery_info;

#define SY_IMAGERY_MARGIN_M 1000.0 /* the default margin around a crew's units */
#define SY_IMAGERY_MARGIN_MAX 100000.0
#define SY_IMAGERY_WHOLE (-1.0) /* margin_m: every device it is assigned to gets all of it */

/*
 * Tile the raster at src (a GeoTIFF or anything GDAL reads, georeferenced) into the office's
 * imagery called name, for the devices named or crewed assign ("*": every device). The pyramid
 * is in EPSG epsg when it is not 0; else in the source's CRS when that is CGCS2000 (4490 or a
 * 3-degree Gauss-Krueger zone, 4513-4554); else in the Gauss-Krueger zone of the raster's
 * centre (survey/geo.h, sv_geo_default_epsg). A new version of an existing name replaces it
 * (and its assignment).
 *
 * A device receives the packs that lie within margin_m metres (0 to SY_IMAGERY_MARGIN_MAX) of
 * the units assigned to it or its crew, at every level (DOMAIN.md section 10: a tablet carries
 * only its crew's units and imagery); as its units change, its next sync fetches what it now
 * needs and drops the rest. A device with no units gets the skeleton only. With margin_m
 * SY_IMAGERY_WHOLE it receives the whole pyramid. Returns SY_OK, SY_EINVAL (bad name or margin,
 * unreadable or ungeoreferenced source: the message says which), SY_EIO.
 */
int sy_office_imagery_add(sy_office *o, const char *src, const char *name, const char *assign,
                          int epsg, double margin_m, sy_imagery_info *info);

/* Say where the imagery called name came from, in place of the path it was read from (an upload's
 * spool file names nothing its uploader knows, and no server path goes to a client).
 * SY_OK, SY_ENOTFOUND, SY_EIO. */
int sy_office_imagery_set_source(sy_office *o, const char *name, const char *source);

/* Remove the imagery called name (its file too). SY_OK, SY_ENOTFOUND, SY_EIO. */
int sy_office_imagery_remove(sy_office *o, const char *name);

/* The office's imagery as a JSON array (caller frees *out): name, assign, epsg, levels, bytes,
 * tiles, packs (a count), version, added, source, margin_m (null: the whole pyramid goes to
 * every device it is assigned to), and console: the console's web-mercator
 * pyramid as {"url" (an XYZ template, "/api/v1/imagery/NAME/tiles/{z}/{x}/{y}"), "bounds"
 * ([west, south, east, north], WGS84 degrees), "minzoom", "maxzoom"}, or null while it is not
 * made. */
int sy_office_imagery_list(sy_office *o, char **out);

/*
 * The console's pyramids (docs/imagery.md, "In the console"): beside each imagery's pyramid for
 * the tablets, OFFICE_DB.imagery/web/NAME.gpkg holds the same raster tiled by GDAL in web
 * mercator (GoogleMapsCompatible, XYZ numbering), made by sy_office_imagery_add and removed with
 * the imagery. sy_office_imagery_console_prepare makes those that are missing (imagery added by
 * an older build) from the tablets' pyramids: *made receives how many it made, *failed how many
 * it could not (each named in the office's log). SY_OK or SY_EIO (the office's table unreadable).
 */
int sy_office_imagery_console_prepare(sy_office *o, int *made, int *failed);

#define SY_TILE_ZOOM_MAX 24 /* the deepest web-mercator level a console tile request may name */

/*
 * One tile of the console's pyramid of the imagery called name at the office whose database is
 * office_path, XYZ numbered (row 0 at the north), read on a read-only SQLite connection of its
 * own (no office handle: safe from any thread). *data (caller frees) holds the tile as stored,
 * *ctype its media type from its first bytes (image/png, image/jpeg or image/webp). Returns
 * SY_OK, SY_EREFUSED (no such imagery, or the tile lies outside its extent or zoom levels),
 * SY_EINVAL (z, x or y out of range), SY_EIO (err says why). SY_OK with *len 0 and *data NULL:
 * the tile lies inside the pyramid, where GDAL wrote none because the raster is empty there.
 */
int sy_office_imagery_tile(const char *office_path, const char *name, int z, int64_t x, int64_t y,
                           uint8_t **data, size_t *len, const char **ctype, char *err,
                           size_t errlen);

/*
 * The signed manifest list of the imagery assigned to a device (its name, its crew or "*"):
 * {"imagery": [{"name", "file", "version", "epsg", "levels", "bytes", "skeleton" (hash),
 * "skeleton_bytes", "packs": [[hash, zoom, block column, block row, bytes], ...], "added"}]}:
 * of imagery with a margin, only the packs around the device's units, and version and bytes
 * those of that selection (the version is the BLAKE2b-256 over the skeleton's hash and the
 * listed packs' hashes, as for the whole)
 * (caller frees *body), and the office's signature (hex) over it for the device, as for task
 * packages (docs/sync-protocol.md).
 */
int sy_office_imagery_for(sy_office *o, const sy_device *dev, char **body, size_t *len,
                          char sig_hex[2 * 64 + 1]);

/*
 * The skeleton or pack whose BLAKE2b-256 is hash_hex, of imagery assigned to the device and, for
 * imagery with a margin, around its units (caller frees *data). A pack is rebuilt from the pyramid
 * and re-hashed: a file changed on disk is an error, never served. Returns SY_OK, SY_EREFUSED (no
 * such piece for this device), SY_EFORMAT (not a hash), SY_EIO.
 */
int sy_office_imagery_chunk(sy_office *o, const sy_device *dev, const char *hash_hex,
                            uint8_t **data, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
