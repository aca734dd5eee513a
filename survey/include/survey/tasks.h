/*
 * tasks.h - reading county task packages (GeoJSON FeatureCollections of registration units).
 *
 * Parsing is separate from recording: sv_tasks_read validates the whole file and returns the
 * units, or fails naming the file and feature, so that a caller can record all of them in one
 * journal batch or none. It accepts RFC 7946 lon/lat and a projected CRS named in the legacy
 * "crs" member (as GDAL writes it, easting first), English property names and the vendor
 * names ZRZYDJDYH, DJDYMC, DJDYLX, ZL, SYQZT, DBXSZT, DLXSZT, QLXSFS, XSNR, GGGZ.
 */
#ifndef SURVEY_TASKS_H
#define SURVEY_TASKS_H

#include "geo.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sv_task_set {
    sv_unit *units;
    size_t n;
    char crs[128];          /* the CRS the file named ("EPSG:4490" when none) */
} sv_task_set;

void sv_task_set_clear(sv_task_set *t);

/* Limits that protect the tablet from pathological files. */
#define SV_TASKS_MAX_BYTES (512u * 1024u * 1024u)
#define SV_TASKS_MAX_DEPTH 64

/*
 * Read and validate a task package. Checks: UTF-8 text (GBK files are refused with a hint),
 * well-formed JSON within the depth limit, a FeatureCollection, every feature a Polygon or
 * MultiPolygon with closed rings of at least 4 positions, finite coordinates within range,
 * rings that do not cross themselves, a unit code present and unique in the file (and
 * matching code_pattern, a POSIX extended regex, when not NULL), a known CRS.
 * g may be NULL when the file is lon/lat. Returns SV_OK, SV_ENOTFOUND, SV_EIO, SV_EFORMAT,
 * SV_EGEOM, SV_ECRS or SV_ENOMEM; diag names the file and feature (index and code).
 */
int sv_tasks_read(const char *path, sv_geo *g, const char *code_pattern, sv_task_set *out,
                  sv_diag *diag);

/* The same from a buffer (name is used in messages). */
int sv_tasks_parse(const char *name, const char *buf, size_t len, sv_geo *g,
                   const char *code_pattern, sv_task_set *out, sv_diag *diag);

/* Geometry checks used by the import (exposed for tests and the app's drawing tools). */
/* 1 when the closed ring of n lon/lat points has two non-adjacent edges that touch or cross. */
int sv_ring_self_intersects(size_t n, const double *lonlat);

#ifdef __cplusplus
}
#endif
#endif
