/*
 * gpkg.h - a small private GeoPackage 1.2 writer (SQLite), and the atomic-output helpers the
 * export module shares with it.
 *
 * Writes a new GeoPackage from scratch: the required tables with the mandatory SRS rows,
 * feature tables with typed attribute columns and one 2D geometry column each (POINT,
 * LINESTRING, POLYGON, MULTIPOLYGON), attributes tables (rows without geometry), GeoPackage
 * binary geometry (little-endian header with an envelope, ISO WKB), gpkg_contents extents and
 * an R-tree spatial index per table. Everything happens in one transaction on a temporary file
 * beside the target, which is renamed into place only by sv__gpkg_finish: a failed or abandoned
 * export never leaves a half-written or truncated GeoPackage under the target name.
 *
 * It must never read or modify an existing GeoPackage, and never know about the survey
 * model: callers hand it plain columns, values and coordinates. Coordinates are always
 * x = easting/longitude, y = northing/latitude (GeoPackage stores GIS order whatever the
 * CRS's official axis order is); swapping them is the caller's job and is tested there.
 *
 * Not thread-safe; one writer per thread. Only libsurvey includes this header.
 */
#ifndef SURVEY_GPKG_H
#define SURVEY_GPKG_H

#include <stddef.h>
#include <stdint.h>

#include "survey/survey.h"

/* ---- GeoPackage writer ---------------------------------------------------------------------- */

typedef struct sv__gpkg sv__gpkg;
typedef struct sv__gpkg_layer sv__gpkg_layer;

/* Attribute column types (GeoPackage 1.2 data types). DATETIME values are TEXT in the form
 * YYYY-MM-DDTHH:MM:SS.SSSZ; BOOLEAN values are integers 0/1. */
typedef enum sv__gpkg_type {
    SV__GPKG_TEXT = 0,
    SV__GPKG_INTEGER,
    SV__GPKG_REAL,
    SV__GPKG_BOOLEAN,
    SV__GPKG_DATETIME
} sv__gpkg_type;

typedef struct sv__gpkg_column {
    const char *name;
    sv__gpkg_type type;
} sv__gpkg_column;

/* Geometry types; the values are the ISO WKB type codes. */
typedef enum sv__gpkg_geomtype {
    SV__GPKG_POINT = 1,
    SV__GPKG_LINESTRING = 2,
    SV__GPKG_POLYGON = 3,
    SV__GPKG_MULTIPOLYGON = 6
} sv__gpkg_geomtype;

/*
 * One geometry to write, borrowed for the duration of the insert call. xy holds n_pts
 * interleaved x,y pairs (easting/longitude first).
 *   POINT:        n_pts 1 (0 = empty point).
 *   LINESTRING:   n_pts points (0 = empty; otherwise at least 2).
 *   POLYGON:      n_rings rings, ring_pts[r] points each (closing point included, >= 4);
 *                 n_rings 0 = empty polygon.
 *   MULTIPOLYGON: n_parts polygons, part_rings[p] rings each, then as POLYGON.
 * part_rings is ignored except for MULTIPOLYGON, ring_pts except for (MULTI)POLYGON.
 */
typedef struct sv__gpkg_geom {
    sv__gpkg_geomtype type;
    size_t n_parts;
    const size_t *part_rings;
    size_t n_rings;
    const size_t *ring_pts;
    size_t n_pts;
    const double *xy;
} sv__gpkg_geom;

/*
 * Start a new GeoPackage that will become path. Creates the temporary file, the required
 * tables and the mandatory SRS rows (-1, 0, 4326), and opens the transaction.
 * Returns SV_OK, SV_EIO (diag names the path), SV_ENOMEM. On failure nothing is left on disk
 * and *out is NULL.
 */
int sv__gpkg_create(const char *path, sv__gpkg **out, sv_diag *diag);

/*
 * Add a spatial reference system row. organization is "EPSG" (or e.g. "QUEJIE" for a custom
 * CRS), definition the WKT (WKT1 as GeoPackage 1.2 wants). Adding an srs_id already present
 * is a no-op. Returns SV_OK, SV_EINVAL (definition NULL), SV_EIO.
 */
int sv__gpkg_add_srs(sv__gpkg *g, int srs_id, const char *name, const char *organization,
                     int organization_id, const char *definition, const char *description);

/*
 * Create a feature table: "fid" INTEGER PRIMARY KEY, "geom" of the given type in srs_id,
 * then the columns in order (names are quoted, so any UTF-8 is accepted; "fid" and "geom"
 * are taken). Registers it in gpkg_contents / gpkg_geometry_columns and gives it an R-tree.
 * *out is owned by g (freed by finish/abort). Returns SV_OK, SV_EINVAL, SV_EIO, SV_ENOMEM.
 */
int sv__gpkg_add_layer(sv__gpkg *g, const char *table, const char *description,
                       sv__gpkg_geomtype type, int srs_id, const sv__gpkg_column *cols,
                       size_t n_cols, sv__gpkg_layer **out);

/*
 * Create an attributes table (GeoPackage 1.2, clause 2.4: data without geometry): "fid"
 * INTEGER PRIMARY KEY, then the columns in order, registered in gpkg_contents with data_type
 * 'attributes' and no SRS. Rows are set and inserted like features, with geometry NULL.
 * Returns as sv__gpkg_add_layer.
 */
int sv__gpkg_add_attributes(sv__gpkg *g, const char *table, const char *description,
                            const sv__gpkg_column *cols, size_t n_cols, sv__gpkg_layer **out);

/*
 * Attribute values of the next feature of l, by column index. Columns not set are NULL.
 * Text is copied (the caller's string may go at once). NULL text and a non-finite real are
 * stored as NULL. A column index out of range is ignored.
 */
void sv__gpkg_set_text(sv__gpkg_layer *l, size_t col, const char *s);
void sv__gpkg_set_int(sv__gpkg_layer *l, size_t col, int64_t v);
void sv__gpkg_set_real(sv__gpkg_layer *l, size_t col, double v);

/*
 * Insert the feature with the values set since the last insert and geometry geom (NULL for no
 * geometry; always NULL in an attributes table). Returns SV_OK, SV_EGEOM (malformed or
 * non-finite coordinates; nothing inserted), SV_ENOMEM, SV_EIO. The message is in
 * sv__gpkg_errmsg. Either way the values are cleared for the next feature. An empty geometry is
 * stored as NULL (see gpkg.c for why). Features go to SQLite in batches (one multi-row INSERT
 * per 32): an SV_EIO or SV_ENOMEM from SQLite may come from the insert that completes a batch,
 * or from sv__gpkg_finish, rather than from the feature that caused it; either way the
 * GeoPackage cannot be finished, and the caller aborts it. Feature ids are 1, 2, 3, ... in the
 * order of successful inserts.
 */
int sv__gpkg_insert(sv__gpkg_layer *l, const sv__gpkg_geom *geom);

/* Features inserted into l so far (including those still waiting in its batch). */
int64_t sv__gpkg_count(const sv__gpkg_layer *l);

/* Detail of the last failure on g, without the file name (the caller adds the target path);
 * never NULL. */
const char *sv__gpkg_errmsg(const sv__gpkg *g);

/*
 * Write the last batch of each layer, the extents, the R-tree and its triggers, commit,
 * close, make the file durable and rename it onto the target. Frees g in every case; on
 * failure the temporary file is removed and diag names the path. Returns SV_OK, SV_EIO or
 * SV_ENOMEM.
 */
int sv__gpkg_finish(sv__gpkg *g, sv_diag *diag);

/* Give up: close and remove the temporary file, free g. NULL is a no-op. */
void sv__gpkg_abort(sv__gpkg *g);

#endif
