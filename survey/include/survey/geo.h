/*
 * geo.h - CGCS2000 geodesy: Gauss-Krueger zones, transforms, ellipsoidal areas, offsets.
 *
 * Storage is CGCS2000 geographic (EPSG:4490). Plane output is a 3-degree Gauss-Krueger zone,
 * named by an EPSG code (4513-4533 with the zone number prefixed to the easting, 4534-4554
 * without) or by a custom central meridian (transverse Mercator, k = 1, false easting
 * 500 km, no prefix). Axis order is explicit in every call: functions take and return
 * (lat, lon) and (north X, east Y) as named parameters, never "x, y" pairs of unknown order.
 *
 * Areas and perimeters are computed on the CGCS2000 ellipsoid (a = 6378137 m,
 * 1/f = 298.257222101) with PROJ's geodesic routines; the plane area is reported beside.
 *
 * An sv_geo handle owns a PROJ context and a cache of transformations; use one per thread.
 */
#ifndef SURVEY_GEO_H
#define SURVEY_GEO_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SV_CGCS2000_A 6378137.0
#define SV_CGCS2000_INVF 298.257222101
#define SV_EPSG_CGCS2000 4490

/* A plane output CRS: an EPSG code, or (epsg == 0) a custom central meridian. */
typedef struct sv_crs {
    int epsg;
    double central_meridian;
} sv_crs;

/* The 3-degree zone number for a longitude: floor((lon + 1.5) / 3). */
int sv_geo_zone(double lon);
/* The zone-prefixed GK EPSG code (4513 + zone - 25) for a longitude, or 0 outside 75-135 E. */
int sv_geo_default_epsg(double lon);
/* 1 when epsg is one of the CGCS2000 3-degree GK codes 4513-4554. */
int sv_geo_is_gk_epsg(int epsg);
/* Central meridian of a GK EPSG code, or of the custom crs. NaN if neither. */
double sv_geo_central_meridian(sv_crs crs);
/* Choose the output CRS: the unit's own, else the journal default, else from lon. */
sv_crs sv_geo_choose(int unit_epsg, double unit_cm, int journal_epsg, double journal_cm,
                     double lon);

typedef struct sv_geo sv_geo;

/* Create / free a handle. Returns SV_OK, SV_ENOMEM, SV_ECRS (PROJ database missing). */
int sv_geo_new(sv_geo **out);
void sv_geo_free(sv_geo *g);
/* Detail of the last failure; borrowed, never NULL. */
const char *sv_geo_errmsg(const sv_geo *g);

/* CGCS2000 lat/lon (degrees) to plane north X / east Y (metres) in crs, and back.
 * Returns SV_OK, SV_ECRS (unknown CRS or transform failure), SV_EINVAL (NaN input).
 * to_plane also returns SV_ECRS for a position out of the zone's reach: 90 degrees of
 * longitude or more from the central meridian, or with an easting more than 1000 km from it
 * (the bound from_plane puts on eastings, so whatever to_plane gives, from_plane takes back);
 * the message names the position's longitude and the central meridian. The areas and the
 * deviation below refuse such positions the same way. */
int sv_geo_to_plane(sv_geo *g, sv_crs crs, double lat, double lon, double *x_north, double *y_east);
int sv_geo_from_plane(sv_geo *g, sv_crs crs, double x_north, double y_east, double *lat,
                      double *lon);
/* Meridian convergence of crs at (lat, lon), degrees: the angle from grid north to true north,
 * positive east of the central meridian in the northern hemisphere, so that a true azimuth is
 * the grid bearing plus gamma. Measured in the plane PROJ projects to (the grid direction of
 * a short geodesic due north). Errors as sv_geo_to_plane. */
int sv_geo_convergence(sv_geo *g, sv_crs crs, double lat, double lon, double *gamma_deg);
/* Batch form: n points, lonlat interleaved lon,lat; xy receives north,east pairs (lonlat may
 * be xy). Every pair of xy is written, NaN for a point that is refused (invalid input, out of
 * the zone's reach, not projected), so one bad position costs that position only. Returns
 * SV_OK when none was refused, else the code of the first refused point (SV_EINVAL or
 * SV_ECRS) with a message naming it and how many more were; SV_ECRS and every pair NaN for an
 * unusable crs. */
int sv_geo_to_plane_n(sv_geo *g, sv_crs crs, size_t n, const double *lonlat, double *xy);

/*
 * A transformation from a CRS named in an outside file (a GeoJSON legacy "crs" member such
 * as "urn:ogc:def:crs:EPSG::4522", "EPSG:4490", "urn:ogc:def:crs:OGC:1.3:CRS84") into
 * CGCS2000 lon/lat. Input coordinates are taken in GIS order (easting/longitude first), as
 * GeoJSON files carry them whatever the CRS's official axis order. A geographic source is
 * taken as lon/lat degrees without change (WGS84 and CGCS2000 agree to well under a metre;
 * the difference is noted in the unit's source). Returns SV_OK or SV_ECRS naming the CRS.
 */
typedef struct sv_geo_src sv_geo_src;
int sv_geo_src_new(sv_geo *g, const char *crs_name, sv_geo_src **out);
void sv_geo_src_free(sv_geo_src *s);
/* Transform n points in place: in east,north (or lon,lat) pairs, out lon,lat pairs. */
int sv_geo_src_apply(sv_geo_src *s, size_t n, double *xy);
/* The inverse, for reading imagery in that CRS: n CGCS2000 lon,lat pairs in place to the
 * source CRS's easting,northing (or lon,lat) pairs. A point that does not transform becomes a
 * NaN pair; returns SV_OK, or SV_ECRS when none transformed. */
int sv_geo_src_invert(sv_geo_src *s, size_t n, double *xy);
/* 1 when the source CRS is geographic (no transform applied). */
int sv_geo_src_is_geographic(const sv_geo_src *s);

/* Geodesic distance (m) and forward azimuth (degrees from north; may be NULL) on CGCS2000. */
double sv_geo_distance(double lat1, double lon1, double lat2, double lon2, double *azi1);
/* The point distance_m along bearing_deg from (lat, lon): the offset-point computation. */
void sv_geo_offset(double lat, double lon, double distance_m, double bearing_deg, double *lat2,
                   double *lon2);

/* Measurements of a polygon. */
typedef struct sv_area {
    double ellipsoidal_m2; /* on the CGCS2000 ellipsoid, holes subtracted, always >= 0 */
    double perimeter_m;    /* geodesic length of all rings */
    double plane_m2;       /* in the GK plane of crs */
    double plane_perimeter_m;
    double closing_m; /* length of the closing edge, last point back to the first */
    size_t points;    /* distinct points (closing repeat not counted) */
    int epsg;         /* the plane CRS used; 0 for a custom central meridian */
    double central_meridian;
} sv_area;

/* Area of one ring given as n lat/lon points in order (open or closed; closed implicitly).
 * Fewer than 3 distinct points gives area 0. Returns SV_OK, SV_ECRS, SV_EINVAL. */
int sv_geo_ring_area(sv_geo *g, sv_crs crs, size_t n, const double *lonlat, sv_area *out);
/* Area of a multipolygon (shells minus holes). */
int sv_geo_geom_area(sv_geo *g, sv_crs crs, const sv_geom *geom, sv_area *out);

/* How far a walked line strays from a draft boundary: for each walked vertex the geodesic
 * distance to the nearest edge of the draft's rings; max and RMS of those (metres). */
typedef struct sv_deviation {
    double max_m;
    double rms_m;
    size_t vertices;
} sv_deviation;
int sv_geo_deviation(sv_geo *g, sv_crs crs, size_t n, const double *lonlat, const sv_geom *draft,
                     sv_deviation *out);

/*
 * WKT (WKT1 as GeoPackage 1.2's gpkg_spatial_ref_sys.definition expects) of EPSG:4490 or of
 * the plane crs. Borrowed until the next call on g. NULL on failure.
 */
const char *sv_geo_wkt(sv_geo *g, sv_crs crs);
/* A short name of crs: "CGCS2000 / 3-degree Gauss-Kruger zone 34" or "CGCS2000 GK CM 103E". */
const char *sv_geo_crs_name(sv_geo *g, sv_crs crs);

#ifdef __cplusplus
}
#endif
#endif
