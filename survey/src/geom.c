/*
 * geom.c - polygon validity through GEOS (libgeos_c, the reentrant API).
 *
 * The only file that includes GEOS. It builds GEOS geometries from the library's lon/lat arrays
 * and asks GEOS whether they are valid; it computes no geometry itself. It must never abort on
 * bad coordinates: GEOS reports errors through the context's handler, kept here as the reason.
 *
 * GEOS is loaded on first use (dlopen), not linked: mapping libgeos and relocating its C++
 * tables costs every process about 1.4 MB of resident memory at start, and most processes never
 * judge a polygon (`quejie record` on a tablet: bench, "quejie record peak RSS"). The C API's
 * soname is stable by GEOS's own promise; the packages depend on it by hand (packaging/deps.txt,
 * debian/control), since the linker no longer records it. The prototypes still come from
 * geos_c.h, so every call is type-checked against the installed headers.
 */
#include "survey/geom.h"

#include <dlfcn.h>
#include <geos_c.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEOS_C_SONAME "libgeos_c.so.1"

/* Every GEOS function this file calls, each reached as geos.NAME. */
#define GEOS_FUNCTIONS(X)                                                                          \
    X(GEOSArea_r)                                                                                  \
    X(GEOSClipByRect_r)                                                                            \
    X(GEOSContext_setErrorMessageHandler_r)                                                        \
    X(GEOSCoordSeq_create_r)                                                                       \
    X(GEOSCoordSeq_destroy_r)                                                                      \
    X(GEOSCoordSeq_getXY_r)                                                                        \
    X(GEOSCoordSeq_isCCW_r)                                                                        \
    X(GEOSCoordSeq_setXY_r)                                                                        \
    X(GEOSFree_r)                                                                                  \
    X(GEOSGeom_clone_r)                                                                            \
    X(GEOSGeom_createCollection_r)                                                                 \
    X(GEOSGeom_createLinearRing_r)                                                                 \
    X(GEOSGeom_createPointFromXY_r)                                                                \
    X(GEOSGeom_createPolygon_r)                                                                    \
    X(GEOSGeom_destroy_r)                                                                          \
    X(GEOSGeom_getCoordSeq_r)                                                                      \
    X(GEOSGetExteriorRing_r)                                                                       \
    X(GEOSGetGeometryN_r)                                                                          \
    X(GEOSGetInteriorRingN_r)                                                                      \
    X(GEOSGetNumGeometries_r)                                                                      \
    X(GEOSGetNumInteriorRings_r)                                                                   \
    X(GEOSNearestPoints_r)                                                                         \
    X(GEOS_finish_r)                                                                               \
    X(GEOS_init_r)                                                                                 \
    X(GEOSisValidReason_r)                                                                         \
    X(GEOSisValid_r)

static struct {
#define GEOS_DECLARE(f) __typeof__(f) *f;
    GEOS_FUNCTIONS(GEOS_DECLARE)
#undef GEOS_DECLARE
} geos;
static char geos_load_error[256]; /* set once when loading failed; "" when loaded */
static pthread_once_t geos_once = PTHREAD_ONCE_INIT;

static void geos_load(void)
{
    void *lib = dlopen(GEOS_C_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(geos_load_error, sizeof geos_load_error, "cannot load GEOS: %s", dlerror());
        return;
    }
    void *sym;
#define GEOS_LOAD(f)                                                                               \
    if (!geos_load_error[0]) {                                                                     \
        sym = dlsym(lib, #f);                                                                      \
        if (sym)                                                                                   \
            memcpy(&geos.f, &sym, sizeof sym);                                                     \
        else                                                                                       \
            snprintf(geos_load_error, sizeof geos_load_error, "%s has no %s", GEOS_C_SONAME, #f);  \
    }
    GEOS_FUNCTIONS(GEOS_LOAD)
#undef GEOS_LOAD
}

typedef struct geos_err {
    char msg[256];
} geos_err;

static void on_geos_error_r(const char *msg, void *data)
{
    geos_err *e = data;
    if (e && !e->msg[0])
        snprintf(e->msg, sizeof e->msg, "%s", msg);
}

static void put(char *reason, size_t len, const char *msg)
{
    if (reason && len)
        snprintf(reason, len, "%s", msg);
}

/* A GEOS context whose errors land in e (the reason callers report); NULL when GEOS cannot be
 * initialised. Each call has its own, so every function here is thread-safe. */
static GEOSContextHandle_t geos_open(geos_err *e)
{
    pthread_once(&geos_once, geos_load);
    if (geos_load_error[0]) {
        snprintf(e->msg, sizeof e->msg, "%s", geos_load_error);
        return NULL;
    }
    GEOSContextHandle_t ctx = geos.GEOS_init_r();
    if (ctx)
        geos.GEOSContext_setErrorMessageHandler_r(ctx, on_geos_error_r, e);
    return ctx;
}

/* The coordinates of a closed ring from n lon/lat pairs (n >= 1), closed here when the last pair
 * differs from the first; NULL when GEOS cannot hold them. The caller owns the sequence. */
static GEOSCoordSequence *make_closed_seq(GEOSContextHandle_t ctx, size_t n, const double *ll)
{
    int close = ll[0] != ll[2 * (n - 1)] || ll[1] != ll[2 * (n - 1) + 1];
    size_t m = n + (size_t)close;
    GEOSCoordSequence *seq = geos.GEOSCoordSeq_create_r(ctx, (unsigned)m, 2);
    for (size_t i = 0; seq && i < m; i++) {
        size_t k = i < n ? i : 0;
        if (!geos.GEOSCoordSeq_setXY_r(ctx, seq, (unsigned)i, ll[2 * k], ll[2 * k + 1])) {
            geos.GEOSCoordSeq_destroy_r(ctx, seq);
            seq = NULL;
        }
    }
    return seq;
}

/* A closed GEOS ring from n lon/lat pairs. NULL with the context's message set when GEOS
 * refuses it (fewer than 4 positions, say). */
static GEOSGeometry *make_ring(GEOSContextHandle_t ctx, size_t n, const double *ll)
{
    GEOSCoordSequence *seq = n ? make_closed_seq(ctx, n, ll) : NULL;
    return seq ? geos.GEOSGeom_createLinearRing_r(ctx, seq) : NULL; /* takes seq, even on failure */
}

/* One polygon: rings[0] the shell, the rest holes. Takes nothing; NULL on failure. */
static GEOSGeometry *make_polygon(GEOSContextHandle_t ctx, size_t nrings, const size_t *ring_pts,
                                  const double *ll)
{
    GEOSGeometry *shell = make_ring(ctx, ring_pts[0], ll);
    if (!shell)
        return NULL;
    GEOSGeometry **holes = NULL;
    if (nrings > 1) {
        holes = calloc(nrings - 1, sizeof *holes);
        if (!holes) {
            geos.GEOSGeom_destroy_r(ctx, shell);
            return NULL;
        }
    }
    size_t off = ring_pts[0];
    for (size_t r = 1; r < nrings; r++) {
        holes[r - 1] = make_ring(ctx, ring_pts[r], ll + 2 * off);
        off += ring_pts[r];
        if (!holes[r - 1]) {
            for (size_t k = 0; k + 1 < r; k++)
                geos.GEOSGeom_destroy_r(ctx, holes[k]);
            free(holes);
            geos.GEOSGeom_destroy_r(ctx, shell);
            return NULL;
        }
    }
    GEOSGeometry *poly = geos.GEOSGeom_createPolygon_r(ctx, shell, holes, (unsigned)(nrings - 1));
    free(holes); /* the polygon owns the rings now */
    return poly;
}

/*
 * Rings that enclose (next to) nothing. GEOS judges the doubles as given: a ring whose points
 * are collinear in the decimal text of a file (103.32 35.40, 103.33 35.41, 103.34 35.42) is,
 * in binary, a sliver triangle GEOS calls valid. Anything under MIN_RING_AREA square degrees
 * (about 0.01 m^2 at these latitudes; digitising noise, never a real boundary) is such a ring.
 * Returns 1 with the ring's first position in reason, 0 when none, -1 when GEOS fails.
 */
#define MIN_RING_AREA 1e-12

static int ring_area_zero(GEOSContextHandle_t ctx, const GEOSGeometry *ring, char *reason,
                          size_t len)
{
    GEOSGeometry *shell = geos.GEOSGeom_clone_r(ctx, ring);
    GEOSGeometry *poly = shell ? geos.GEOSGeom_createPolygon_r(ctx, shell, NULL, 0) : NULL;
    double area = 0, x = 0, y = 0;
    if (!poly || !geos.GEOSArea_r(ctx, poly, &area)) {
        if (poly)
            geos.GEOSGeom_destroy_r(ctx, poly);
        return -1;
    }
    geos.GEOSGeom_destroy_r(ctx, poly);
    if (area >= MIN_RING_AREA)
        return 0;
    const GEOSCoordSequence *seq = geos.GEOSGeom_getCoordSeq_r(ctx, ring);
    if (seq)
        geos.GEOSCoordSeq_getXY_r(ctx, seq, 0, &x, &y);
    if (reason && len)
        snprintf(reason, len, "Zero-area ring[%.9g %.9g]", x, y);
    return 1;
}

/* The first ring of a valid (multi)polygon that encloses no area, as ring_area_zero. */
static int any_ring_area_zero(GEOSContextHandle_t ctx, const GEOSGeometry *g, char *reason,
                              size_t len)
{
    int parts = geos.GEOSGetNumGeometries_r(ctx, g);
    for (int p = 0; p < parts; p++) {
        const GEOSGeometry *poly = geos.GEOSGetGeometryN_r(ctx, g, p);
        int holes = poly ? geos.GEOSGetNumInteriorRings_r(ctx, poly) : -1;
        if (holes < 0)
            return -1;
        for (int r = -1; r < holes; r++) {
            const GEOSGeometry *ring = r < 0 ? geos.GEOSGetExteriorRing_r(ctx, poly)
                                             : geos.GEOSGetInteriorRingN_r(ctx, poly, r);
            int z = ring ? ring_area_zero(ctx, ring, reason, len) : -1;
            if (z)
                return z;
        }
    }
    return 0;
}

/* GEOS's verdict on g, which it takes. */
static int judge(GEOSContextHandle_t ctx, GEOSGeometry *g, geos_err *e, char *reason, size_t len)
{
    if (!g) {
        put(reason, len, e->msg[0] ? e->msg : "GEOS could not build the geometry");
        return SV_EGEOM;
    }
    int rc;
    char v = geos.GEOSisValid_r(ctx, g);
    if (v == 1) {
        put(reason, len, "");
        int z = any_ring_area_zero(ctx, g, reason, len);
        if (z < 0)
            put(reason, len, e->msg[0] ? e->msg : "GEOS failed to measure the rings");
        rc = z == 0 ? SV_OK : z > 0 ? SV_EGEOM : SV_ERR;
    } else if (v == 0) {
        char *why = geos.GEOSisValidReason_r(ctx, g);
        put(reason, len, why ? why : "invalid geometry");
        if (why)
            geos.GEOSFree_r(ctx, why);
        rc = SV_EGEOM;
    } else {
        put(reason, len, e->msg[0] ? e->msg : "GEOS failed to check the geometry");
        rc = SV_ERR;
    }
    geos.GEOSGeom_destroy_r(ctx, g);
    return rc;
}

int sv_validity_reason_zh(const char *reason, char *out, size_t len)
{
    /* GEOS's reasons (IsValidOp), and this file's own */
    static const char *const words[][2] = {
        {"Self-intersection", "边界自相交"},
        {"Ring Self-intersection", "环自相交"},
        {"Hole lies outside shell", "内环在外环之外"},
        {"Nested holes", "内环相互嵌套"},
        {"Interior is disconnected", "多边形内部不连通"},
        {"Too few points in geometry component", "点数不足，构不成多边形"},
        {"Invalid Coordinate", "坐标无效"},
        {"Ring is not closed", "环未闭合"},
        {"Nested shells", "外环相互嵌套"},
        {"Duplicate Rings", "环重复"},
        {"Zero-area ring", "环的面积为零"},
    };
    if (len == 0)
        return 0;
    const char *r = reason ? reason : "";
    const char *b = strchr(r, '[');
    size_t k = b ? (size_t)(b - r) : strlen(r);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strlen(words[i][0]) != k || strncmp(r, words[i][0], k) != 0)
            continue;
        const char *e = b ? strchr(b, ']') : NULL;
        if (b && e)
            snprintf(out, len, "%s（位置 %.*s）", words[i][1], (int)(e - b - 1), b + 1);
        else
            snprintf(out, len, "%s", words[i][1]);
        return 1;
    }
    snprintf(out, len, "%s", r);
    return 0;
}

/* The MultiPolygon of geom with coordinates ll (geom->lonlat, or a scaled copy of it); NULL with
 * e->msg set when a part cannot be built. */
static GEOSGeometry *make_multi(GEOSContextHandle_t ctx, const sv_geom *geom, const double *ll,
                                geos_err *e)
{
    GEOSGeometry **polys = calloc(geom->n_parts, sizeof *polys);
    GEOSGeometry *multi = NULL;
    int ok = polys != NULL;
    size_t ring = 0, off = 0;
    for (size_t p = 0; ok && p < geom->n_parts; p++) {
        size_t nr = geom->part_rings[p];
        if (nr == 0 || ring + nr > geom->n_rings) {
            snprintf(e->msg, sizeof e->msg, "part %zu has no shell", p + 1);
            ok = 0;
            break;
        }
        polys[p] = make_polygon(ctx, nr, geom->ring_pts + ring, ll + 2 * off);
        for (size_t r = 0; r < nr; r++)
            off += geom->ring_pts[ring + r];
        ring += nr;
        if (!polys[p])
            ok = 0;
    }
    if (ok) {
        multi = geos.GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, polys,
                                                 (unsigned)geom->n_parts);
        free(polys); /* the collection owns the parts */
        polys = NULL;
    } else if (polys) {
        for (size_t p = 0; p < geom->n_parts; p++)
            if (polys[p])
                geos.GEOSGeom_destroy_r(ctx, polys[p]);
        free(polys);
    }
    return multi;
}

int sv_geom_validate(const sv_geom *geom, char *reason, size_t len)
{
    put(reason, len, "");
    if (!geom || !geom->n_parts || !geom->n_rings || !geom->lonlat) {
        put(reason, len, "empty geometry");
        return SV_EGEOM;
    }
    geos_err e = {{0}};
    GEOSContextHandle_t ctx = geos_open(&e);
    if (!ctx) {
        put(reason, len, e.msg[0] ? e.msg : "cannot initialise GEOS");
        return SV_ENOMEM;
    }
    GEOSGeometry *multi = make_multi(ctx, geom, geom->lonlat, &e);
    int rc = judge(ctx, multi, &e, reason, len);
    geos.GEOS_finish_r(ctx);
    return rc;
}

/*
 * GEOS works in the plane, so the search runs in a local equirectangular frame at the point's
 * latitude (longitudes times cos(lat)), where a few kilometres keep their proportions to well
 * under 1 %; the caller measures the geodesic distance to the point found.
 */
int sv_geom_nearest(const sv_geom *geom, double lon, double lat, double *near_lon, double *near_lat)
{
    if (!geom || !geom->n_parts || !geom->n_rings || !geom->lonlat || !geom->n_pts)
        return SV_EGEOM;
    if (!isfinite(lon) || !isfinite(lat) || fabs(lat) > 90 || fabs(lon) > 180)
        return SV_EINVAL;
    double k = cos(lat * M_PI / 180.0);
    if (k < 1e-6)
        k = 1e-6;
    double *ll = malloc(2 * geom->n_pts * sizeof *ll);
    if (!ll)
        return SV_ENOMEM;
    for (size_t i = 0; i < geom->n_pts; i++) {
        ll[2 * i] = geom->lonlat[2 * i] * k;
        ll[2 * i + 1] = geom->lonlat[2 * i + 1];
    }
    geos_err e = {{0}};
    GEOSContextHandle_t ctx = geos_open(&e);
    if (!ctx) {
        free(ll);
        return SV_ENOMEM;
    }
    GEOSGeometry *multi = make_multi(ctx, geom, ll, &e);
    GEOSGeometry *pt = geos.GEOSGeom_createPointFromXY_r(ctx, lon * k, lat);
    int rc = multi && pt ? SV_OK : SV_EGEOM;
    if (rc == SV_OK) {
        GEOSCoordSequence *nearest = geos.GEOSNearestPoints_r(ctx, multi, pt);
        double x, y;
        if (nearest && geos.GEOSCoordSeq_getXY_r(ctx, nearest, 0, &x, &y)) {
            *near_lon = x / k;
            *near_lat = y;
        } else {
            rc = SV_EGEOM;
        }
        if (nearest)
            geos.GEOSCoordSeq_destroy_r(ctx, nearest);
    }
    if (multi)
        geos.GEOSGeom_destroy_r(ctx, multi);
    if (pt)
        geos.GEOSGeom_destroy_r(ctx, pt);
    geos.GEOS_finish_r(ctx);
    free(ll);
    return rc;
}

/*
 * The 3-degree zones a geometry spans are told apart by area in the lon/lat plane: both sides
 * of an edge lie at the same latitudes, so the ratio of their areas is the ratio on the
 * ellipsoid to well under 1 % for any unit a county draws.
 */
int sv_geom_zone_lon(const sv_geom *geom, double *lon)
{
    if (!geom || !geom->n_parts || !geom->n_rings || !geom->lonlat || !geom->n_pts)
        return SV_EGEOM;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < geom->n_pts; i++) {
        double x = geom->lonlat[2 * i];
        if (!isfinite(x) || fabs(x) > 180)
            return SV_EGEOM;
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    int z0 = (int)floor((lo + 1.5) / 3.0), z1 = (int)floor((hi + 1.5) / 3.0);
    if (z0 == z1) { /* the common case: one zone, no geometry needed */
        *lon = 3.0 * z0;
        return SV_OK;
    }
    geos_err e = {{0}};
    GEOSContextHandle_t ctx = geos_open(&e);
    if (!ctx)
        return SV_ENOMEM;
    GEOSGeometry *multi = make_multi(ctx, geom, geom->lonlat, &e);
    int rc = multi ? SV_OK : SV_EGEOM;
    double best = -1;
    for (int z = z0; rc == SV_OK && z <= z1; z++) {
        GEOSGeometry *part =
            geos.GEOSClipByRect_r(ctx, multi, 3.0 * z - 1.5, -90.0, 3.0 * z + 1.5, 90.0);
        double a = 0;
        if (!part || !geos.GEOSArea_r(ctx, part, &a))
            rc = SV_EGEOM;
        else if (a > best) {
            best = a;
            *lon = 3.0 * z;
        }
        if (part)
            geos.GEOSGeom_destroy_r(ctx, part);
    }
    if (multi)
        geos.GEOSGeom_destroy_r(ctx, multi);
    geos.GEOS_finish_r(ctx);
    return rc;
}

int sv_ring_validate(size_t n, const double *lonlat, char *reason, size_t len)
{
    put(reason, len, "");
    if (!lonlat || n < 3) {
        put(reason, len, "fewer than 3 positions");
        return SV_EGEOM;
    }
    geos_err e = {{0}};
    GEOSContextHandle_t ctx = geos_open(&e);
    if (!ctx) {
        put(reason, len, e.msg[0] ? e.msg : "cannot initialise GEOS");
        return SV_ENOMEM;
    }
    GEOSGeometry *shell = make_ring(ctx, n, lonlat);
    GEOSGeometry *poly = shell ? geos.GEOSGeom_createPolygon_r(ctx, shell, NULL, 0) : NULL;
    int rc = judge(ctx, poly, &e, reason, len);
    geos.GEOS_finish_r(ctx);
    return rc;
}

int sv_ring_is_ccw(size_t n, const double *lonlat)
{
    if (!lonlat || n < 3)
        return -1;
    geos_err e = {{0}};
    GEOSContextHandle_t ctx = geos_open(&e);
    if (!ctx)
        return -1;
    GEOSCoordSequence *seq = make_closed_seq(ctx, n, lonlat);
    char ccw = 0;
    int rc = seq && geos.GEOSCoordSeq_isCCW_r(ctx, seq, &ccw) ? (ccw ? 1 : 0) : -1;
    if (seq)
        geos.GEOSCoordSeq_destroy_r(ctx, seq);
    geos.GEOS_finish_r(ctx);
    return rc;
}
