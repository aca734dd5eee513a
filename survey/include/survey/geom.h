/*
 * geom.h - polygon validity by the OGC Simple Features rules, as the GIS world checks it (GEOS).
 *
 * One place decides whether a polygon is valid: task import refuses an invalid draft, the
 * exports flag an invalid walked or surveyed polygon instead of writing it silently. Coordinates
 * are longitude/latitude; validity (rings closed and simple, holes inside their shell and not
 * crossing it, parts not overlapping, no zero-area ring) does not change under the small,
 * smooth projections used here, so it is decided on lon/lat as given.
 */
#ifndef SURVEY_GEOM_H
#define SURVEY_GEOM_H

#include "survey/model.h"
#include "survey/survey.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Is geom (a MultiPolygon: every part a shell followed by its holes) valid?
 * Returns SV_OK when it is, SV_EGEOM when it is not, with GEOS's reason (for example
 * "Self-intersection[103.2 35.5]", "Hole lies outside shell[...]", "Zero-area ring[...]" (a ring
 * enclosing under 1e-12 square degrees, which GEOS alone calls valid), "Too few points in geometry
 * component[...]") written to reason; SV_ENOMEM or SV_ERR when GEOS cannot be used. An empty
 * geometry is SV_EGEOM. reason may be NULL; it is always NUL-terminated when len > 0.
 * Thread-safe: each call uses its own GEOS context.
 */
int sv_geom_validate(const sv_geom *geom, char *reason, size_t len);

/*
 * The same for one closed ring of n lon/lat pairs (the last equal to the first, or it is
 * closed here) taken as a polygon without holes: the boundary points of a unit in number
 * order, a walked boundary. Fewer than 3 distinct positions is SV_EGEOM.
 */
int sv_ring_validate(size_t n, const double *lonlat, char *reason, size_t len);

/*
 * A reason of the two calls above in Chinese, for the forms and the console: GEOS's words
 * ("Self-intersection", "Hole lies outside shell", ...) translated, the position kept
 * ("边界自相交（位置 103.2 35.5）"). Returns 1 with out filled, or 0 (out holds reason as it is)
 * for words this build does not know. out is always NUL-terminated when len > 0.
 */
int sv_validity_reason_zh(const char *reason, char *out, size_t len);

/*
 * The orientation of one ring of n lon/lat pairs (closed or not), by GEOS: 1 counter-clockwise
 * (seen with east to the right and north up), 0 clockwise, -1 when it has none (fewer than 3
 * positions, collapsed) or GEOS cannot be used. What the GeoJSON export needs for RFC 7946's
 * right-hand rule.
 */
int sv_ring_is_ccw(size_t n, const double *lonlat);

/*
 * The point of geom (its area: inside a shell and outside its holes) nearest to lon/lat: the
 * position itself when it lies inside. The caller measures the distance to it (sv_geo_distance).
 * Returns SV_OK, SV_EGEOM (empty or unbuildable geometry), SV_EINVAL (bad position), SV_ENOMEM.
 */
int sv_geom_nearest(const sv_geom *geom, double lon, double lat, double *near_lon,
                    double *near_lat);

/*
 * The central meridian (a multiple of 3 degrees) of the 3-degree Gauss-Krüger zone that holds
 * the largest part of geom's area, into *lon: a unit straddling a zone edge (103.5 E) goes to
 * the side holding more of it, however its vertices are spread. Returns SV_OK, SV_EGEOM
 * (empty, unbuildable or out-of-range geometry), SV_ENOMEM.
 */
int sv_geom_zone_lon(const sv_geom *geom, double *lon);

#ifdef __cplusplus
}
#endif
#endif
