/*
 * tasks.h - reading county task packages (GeoJSON FeatureCollections of registration units).
 *
 * Parsing is separate from recording: sv_tasks_read validates the whole file and returns the
 * units, or fails naming the file and feature, so that a caller can record all of them in one
 * journal batch or none. It accepts RFC 7946 lon/lat and a projected CRS named in the legacy
 * "crs" member (as GDAL writes it, easting first), English property names and the vendor
 * names ZRZYDJDYH, DJDYMC, DJDYLX, ZL, SYQZT, DBXSZT, DLXSZT, QLXSFS, XSNR, GGGZ.
 *
 * Recording is sv_tasks_import_file / sv_tasks_import_buf: read, validate and record a package
 * in one journal batch, the one sequence the CLI (quejie tasks import) and the sync client (the
 * app's tasks from the office) share. The office validates with sv_tasks_parse. All of them
 * enforce the limits of survey/limits.h.
 */
#ifndef SURVEY_TASKS_H
#define SURVEY_TASKS_H

#include "geo.h"
#include "journal.h"
#include "limits.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sv_task_set {
    sv_unit *units;
    size_t n;
    char crs[128];   /* the CRS the file named ("EPSG:4490" when none) */
    size_t *feature; /* feature[i]: 0-based index in "features" of units[i] */
    size_t skipped;  /* features of the tool's own other export layers, not read */
} sv_task_set;

void sv_task_set_clear(sv_task_set *t);

/* Limits that protect the tablet from pathological files (the others are in limits.h). */
#define SV_TASKS_MAX_BYTES SV_LIMIT_PACKAGE_BYTES
#define SV_TASKS_MAX_DEPTH 64

/*
 * Read and validate a task package. Checks: UTF-8 text (GBK files are refused with a hint),
 * well-formed JSON within the depth limit, a FeatureCollection, every feature a Polygon or
 * MultiPolygon with closed rings of at least 4 positions, finite coordinates within range,
 * a valid polygon by the OGC rules as GEOS judges it (sv_geom_validate: simple rings, holes
 * inside their shell, no zero-area ring, parts not overlapping), a unit code present and unique
 * in the file (and matching code_pattern, a POSIX extended regex, when not NULL), a known CRS,
 * epsg and central_meridian properties that agree when both are given, and the limits of
 * limits.h (file size, units, code length, text lengths, vertices, rings and parts per unit).
 * Features whose "layer" property names one of the other layers of the tool's own GeoJSON
 * export (boundary_point, boundary_line, walked_polygon, track, signature) are not units: they
 * are counted in out->skipped and otherwise ignored, so that an export re-imports.
 * g may be NULL when the file is lon/lat. Returns SV_OK, SV_ENOTFOUND, SV_EIO, SV_EFORMAT,
 * SV_EGEOM, SV_ECRS or SV_ENOMEM; diag names the file and feature (index and code).
 */
int sv_tasks_read(const char *path, sv_geo *g, const char *code_pattern, sv_task_set *out,
                  sv_diag *diag);

/* The same from a buffer (name is used in messages). */
int sv_tasks_parse(const char *name, const char *buf, size_t len, sv_geo *g,
                   const char *code_pattern, sv_task_set *out, sv_diag *diag);

/* What sv_tasks_import_* did. */
typedef struct sv_tasks_report {
    size_t units;     /* units in the package */
    size_t added;     /* recorded: new units, or units whose content changed */
    size_t unchanged; /* already in the journal exactly so: nothing recorded */
    size_t skipped;   /* features of other export layers, not units (see sv_tasks_read) */
    size_t odd_types; /* units whose type is not in the journal's unit-type code list */
    size_t reverify;  /* fields the crew had answered (confirmed, corrected or disputed) whose
                       * registered value the package changed: those answers no longer count
                       * (sv_state_verifications) */
    char crs[128];    /* the CRS the package named */
    /* Units without a CRS of their own that lie outside the journal's default plane (a draft
     * position more than SV_TASKS_ZONE_SLACK_DEG beyond the 1.5-degree half-width of a 3-degree
     * zone from its central meridian: `quejie init --epsg` of the wrong zone): their plane
     * coordinates and plane area come out distorted. The first such unit, how far its farthest
     * draft position lies from the journal's central meridian (degrees of longitude), and the
     * EPSG of the zone holding most of it (sv_geom_zone_lon; 0 when none). */
    size_t off_zone;
    char off_zone_unit[SV_CODE_MAX];
    double off_zone_deg;
    int off_zone_epsg;
} sv_tasks_report;

/* How far beyond its zone a unit may lie from the journal's central meridian before import
 * warns (sv_tasks_report.off_zone): a unit straddling the zone's edge is not warned about. */
#define SV_TASKS_ZONE_SLACK_DEG 0.5

/* Called once per unit whose type is not in the unit-type code list (a note, not an error). */
typedef void (*sv_tasks_note_fn)(void *ctx, const sv_unit *u);

/*
 * Read the package at path (sv_tasks_read, with the journal's unit.code-pattern setting) and
 * record every unit in one batch of j: all or nothing. A unit already recorded with the same
 * content is not recorded again. g may be NULL (a geodesy handle is then made for packages in
 * a projected CRS). note and rep may be NULL. Returns what sv_tasks_read returns, or the
 * journal's code when recording fails (nothing recorded then); diag names the file (and the
 * feature when the package is at fault).
 */
int sv_tasks_import_file(sv_journal *j, const char *path, sv_geo *g, sv_tasks_note_fn note,
                         void *note_ctx, sv_tasks_report *rep, sv_diag *diag);

/* The same for a package in memory; name is used in messages. */
int sv_tasks_import_buf(sv_journal *j, const char *name, const char *buf, size_t len, sv_geo *g,
                        sv_tasks_note_fn note, void *note_ctx, sv_tasks_report *rep, sv_diag *diag);

#ifdef __cplusplus
}
#endif
#endif
