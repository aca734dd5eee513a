/*
 * geo.c - CGCS2000 geodesy on top of PROJ: Gauss-Krueger zones, plane transforms, ellipsoidal
 * areas and perimeters, offsets, deviation of a walk from a draft, and the CRS of outside files.
 *
 * This is the only file of Quejie that includes PROJ (proj.h, geodesic.h). It must never:
 *  - guess an axis order: the order of every CRS it builds a transformation for is read from
 *    the CRS itself and mapped to the named (lat, lon) / (north, east) parameters of geo.h;
 *  - hand a name from an outside file to proj_create(), which would also accept PROJ strings,
 *    WKT and pipelines: names are parsed here to an authority and a code and looked up in the
 *    PROJ database only;
 *  - move coordinates by a "ballpark" datum shift: a CRS on another ellipsoid (Beijing 1954,
 *    Xian 1980) is refused rather than converted with an error of up to a hundred metres;
 *  - reach the network (grids are not fetched; the field tool is offline) or print to stderr;
 *  - assert on coordinates, names or geometries: bad input gets a negative sv_err code and a
 *    message in the handle.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <geodesic.h>
#include <proj.h>

#include "internal.h"
#include "survey/geo.h"

#define SV_CGCS2000_F (1.0 / SV_CGCS2000_INVF)

/* Enough for the handful of zones a county works in (two zones plus a custom CM is typical);
 * the least recently used transformation is dropped when a ninth CRS is asked for. */
#define XF_CACHE 8

/* Plane coordinates more than this far (m) east or west of the central meridian are not a GK
 * zone's: they are what a swapped northing looks like, so they are refused, not inverted. */
#define EAST_SANE_M 1.0e6

/* Mean earth radius, only for the point scale factor of the transverse Mercator (see below). */
#define EARTH_R_M 6371008.8

struct xf {
    int epsg;            /* GK code; 0 for a custom central meridian; -1 for an empty slot */
    double cm;           /* central meridian, degrees east */
    double false_e;      /* easting of the central meridian (zone prefix included) */
    PJ *crs;             /* the plane CRS */
    PJ *op;              /* EPSG:4490 -> crs, in the axis orders of the two CRSs */
    int in_lat_first;    /* EPSG:4490 takes latitude first (it does, but it is read, not assumed) */
    int out_north_first; /* the plane CRS gives northing first */
    unsigned long used;
};

struct sv_geo {
    PJ_CONTEXT *ctx;
    PJ *geog;                /* EPSG:4490 */
    struct geod_geodesic gd; /* the CGCS2000 ellipsoid */
    struct xf cache[XF_CACHE];
    unsigned long tick;
    char *wkt;     /* last string returned by sv_geo_wkt (owned) */
    char name[96]; /* last string returned by sv_geo_crs_name */
    char msg[512];
    char proj_msg[256]; /* last message PROJ logged, kept for the detail */
};

struct sv_geo_src {
    sv_geo *g;      /* borrowed: the source must be freed before its handle */
    PJ *op;         /* NULL for a geographic (pass-through) source */
    double false_e; /* easting of the CM when the source is a GK EPSG CRS, else 0 */
    char name[96];
};

/* ---- errors ---------------------------------------------------------------------------------- */

static int fail(sv_geo *g, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(sv_geo *g, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->msg, sizeof g->msg, fmt, ap);
    va_end(ap);
    return code;
}

/* Detail of the last PROJ failure, in PROJ's own words: the error of the operation when one
 * failed, else the last message PROJ logged since the call began, else the context's error. */
static const char *proj_detail(sv_geo *g, PJ *op)
{
    int e = op ? proj_errno(op) : 0;
    if (!e && g->proj_msg[0])
        return g->proj_msg;
    if (!e)
        e = proj_context_errno(g->ctx);
    const char *s = e ? proj_context_errno_string(g->ctx, e) : NULL;
    return s ? s : "no detail from PROJ";
}

static void proj_logger(void *app, int level, const char *msg)
{
    sv_geo *g = app;
    (void)level;
    if (g && msg)
        sv__strlcpy(g->proj_msg, msg, sizeof g->proj_msg);
}

/* A name from an outside file, made safe to print in one line. */
static void printable(char *dst, size_t size, const char *src)
{
    sv__strlcpy(dst, src ? src : "(null)", size);
    for (char *p = dst; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

/* ---- zones (no PROJ) ------------------------------------------------------------------------- */

int sv_geo_zone(double lon)
{
    /* 0 for a non-finite longitude: the caller then gets no default EPSG either. */
    if (!isfinite(lon) || lon < -180.0 || lon > 180.0)
        return 0;
    return (int)floor((lon + 1.5) / 3.0);
}

int sv_geo_default_epsg(double lon)
{
    if (!isfinite(lon))
        return 0;
    int zone = sv_geo_zone(lon);
    /* Zones 25-45 (central meridians 75-135 E, i.e. 73.5-136.5 E) are the EPSG set. */
    if (zone < 25 || zone > 45)
        return 0;
    return 4513 + (zone - 25);
}

int sv_geo_is_gk_epsg(int epsg)
{
    return epsg >= 4513 && epsg <= 4554;
}

static int gk_prefixed(int epsg)
{
    return epsg >= 4513 && epsg <= 4533;
}

double sv_geo_central_meridian(sv_crs crs)
{
    if (gk_prefixed(crs.epsg))
        return 3.0 * (25 + (crs.epsg - 4513));
    if (sv_geo_is_gk_epsg(crs.epsg))
        return 75.0 + 3.0 * (crs.epsg - 4534);
    if (crs.epsg == 0 && isfinite(crs.central_meridian) && fabs(crs.central_meridian) <= 180.0)
        return crs.central_meridian;
    return NAN;
}

sv_crs sv_geo_choose(int unit_epsg, double unit_cm, int journal_epsg, double journal_cm, double lon)
{
    /* An invalid unit or journal EPSG is passed on, not skipped: falling back to another zone
     * would give plausible but wrong plane coordinates, the conversion refuses it instead. */
    if (unit_epsg != 0)
        return (sv_crs){unit_epsg, NAN};
    if (!isnan(unit_cm))
        return (sv_crs){0, unit_cm};
    if (journal_epsg != 0)
        return (sv_crs){journal_epsg, NAN};
    if (!isnan(journal_cm))
        return (sv_crs){0, journal_cm};
    int epsg = sv_geo_default_epsg(lon);
    if (epsg)
        return (sv_crs){epsg, NAN};
    /* Outside China there is no EPSG code, but a 3-degree zone is still well defined. */
    if (isfinite(lon) && fabs(lon) <= 180.0)
        return (sv_crs){0, 3.0 * sv_geo_zone(lon)};
    return (sv_crs){0, NAN};
}

/* ---- handle ---------------------------------------------------------------------------------- */

/* Whether the first axis of crs points north (latitude, northing) or east (longitude,
 * easting). Returns 1 or 0, or -1 when the CRS has some other axis (then it is not used). */
static int first_axis_north(PJ_CONTEXT *ctx, const PJ *crs)
{
    PJ *cs = proj_crs_get_coordinate_system(ctx, crs);
    if (!cs)
        return -1;
    const char *d0 = NULL, *d1 = NULL;
    int ok = proj_cs_get_axis_count(ctx, cs) >= 2 &&
             proj_cs_get_axis_info(ctx, cs, 0, NULL, NULL, &d0, NULL, NULL, NULL, NULL) &&
             proj_cs_get_axis_info(ctx, cs, 1, NULL, NULL, &d1, NULL, NULL, NULL, NULL);
    int r = -1;
    if (ok && d0 && d1) {
        if (strcmp(d0, "north") == 0 && strcmp(d1, "east") == 0)
            r = 1;
        else if (strcmp(d0, "east") == 0 && strcmp(d1, "north") == 0)
            r = 0;
    }
    proj_destroy(cs);
    return r;
}

int sv_geo_new(sv_geo **out)
{
    if (!out)
        return SV_EINVAL;
    *out = NULL;
    sv_geo *g = calloc(1, sizeof *g);
    if (!g)
        return SV_ENOMEM;
    for (int i = 0; i < XF_CACHE; i++)
        g->cache[i].epsg = -1;
    g->ctx = proj_context_create();
    if (!g->ctx) {
        free(g);
        return SV_ENOMEM;
    }
    /* PROJ would print errors to stderr; keep them for sv_geo_errmsg instead. */
    proj_log_func(g->ctx, g, proj_logger);
    proj_log_level(g->ctx, PJ_LOG_ERROR);
    /* The crew works offline and results must not depend on whether a grid was fetched. */
    proj_context_set_enable_network(g->ctx, 0);
    geod_init(&g->gd, SV_CGCS2000_A, SV_CGCS2000_F);
    /* Fails when proj.db is missing or unreadable: better now than at the first point. */
    g->geog = proj_create_from_database(g->ctx, "EPSG", "4490", PJ_CATEGORY_CRS, 0, NULL);
    if (!g->geog || first_axis_north(g->ctx, g->geog) != 1) {
        sv_geo_free(g);
        return SV_ECRS;
    }
    *out = g;
    return SV_OK;
}

static void xf_clear(struct xf *x)
{
    proj_destroy(x->op);
    proj_destroy(x->crs);
    memset(x, 0, sizeof *x);
    x->epsg = -1;
}

void sv_geo_free(sv_geo *g)
{
    if (!g)
        return;
    for (int i = 0; i < XF_CACHE; i++)
        xf_clear(&g->cache[i]);
    proj_destroy(g->geog);
    if (g->ctx)
        proj_context_destroy(g->ctx);
    free(g->wkt);
    free(g);
}

const char *sv_geo_errmsg(const sv_geo *g)
{
    if (!g)
        return "no geodesy handle (out of memory or PROJ database missing)";
    return g->msg;
}

/* ---- plane CRS and its transformation -------------------------------------------------------- */

/*
 * The plane CRS for a custom central meridian. It is written as WKT2 on the CGCS2000 datum
 * (base CRS EPSG:4490) rather than as "+proj=tmerc ... +ellps=GRS80". The ellipsoids would
 * not matter (1/f differs by 1e-10, the semi-minor axis by 1e-8 m), but a PROJ-string CRS has
 * an unknown datum: PROJ joins it to EPSG:4490 with a "ballpark geographic offset" (a no-op
 * today, yet reported as of unknown accuracy), its WKT names no datum, and its axes are
 * easting/northing unlike the EPSG GK systems. This one has the CGCS2000 datum, the EPSG
 * parameter names and northing (X), easting (Y) axes, like EPSG:4534-4554, so the conversion
 * is a pure projection and its WKT reads like theirs.
 */
static PJ *custom_crs(PJ_CONTEXT *ctx, double cm)
{
    char wkt[2048];
    int n = snprintf(
        wkt, sizeof wkt,
        "PROJCRS[\"CGCS2000 GK CM %.10g%s\","
        "BASEGEOGCRS[\"China Geodetic Coordinate System 2000\","
        "DATUM[\"China 2000\",ELLIPSOID[\"CGCS2000\",6378137,298.257222101,"
        "LENGTHUNIT[\"metre\",1]]],"
        "PRIMEM[\"Greenwich\",0,ANGLEUNIT[\"degree\",0.0174532925199433]],ID[\"EPSG\",4490]],"
        "CONVERSION[\"Gauss-Kruger CM %.10g%s\",METHOD[\"Transverse Mercator\",ID[\"EPSG\",9807]],"
        "PARAMETER[\"Latitude of natural origin\",0,"
        "ANGLEUNIT[\"degree\",0.0174532925199433],ID[\"EPSG\",8801]],"
        "PARAMETER[\"Longitude of natural origin\",%.17g,"
        "ANGLEUNIT[\"degree\",0.0174532925199433],ID[\"EPSG\",8802]],"
        "PARAMETER[\"Scale factor at natural origin\",1,SCALEUNIT[\"unity\",1],ID[\"EPSG\",8805]],"
        "PARAMETER[\"False easting\",500000,LENGTHUNIT[\"metre\",1],ID[\"EPSG\",8806]],"
        "PARAMETER[\"False northing\",0,LENGTHUNIT[\"metre\",1],ID[\"EPSG\",8807]]],"
        "CS[Cartesian,2],"
        "AXIS[\"northing (X)\",north,ORDER[1],LENGTHUNIT[\"metre\",1]],"
        "AXIS[\"easting (Y)\",east,ORDER[2],LENGTHUNIT[\"metre\",1]]]",
        fabs(cm), cm < 0 ? "W" : "E", fabs(cm), cm < 0 ? "W" : "E", cm);
    if (n < 0 || (size_t)n >= sizeof wkt)
        return NULL;
    return proj_create(ctx, wkt);
}

/* Check crs and give its cached transformation, building it on first use. */
static int get_xf(sv_geo *g, sv_crs crs, struct xf **out)
{
    *out = NULL;
    double cm = sv_geo_central_meridian(crs);
    if (crs.epsg != 0 && !sv_geo_is_gk_epsg(crs.epsg))
        return fail(g, SV_ECRS, "EPSG:%d is not a CGCS2000 3-degree Gauss-Kruger CRS (4513-4554)",
                    crs.epsg);
    if (isnan(cm))
        return fail(g, SV_ECRS, "no plane CRS: neither an EPSG code nor a central meridian");

    /* Look up; else take an empty slot (used == 0) or the least recently used one. */
    struct xf *victim = &g->cache[0];
    for (int i = 0; i < XF_CACHE; i++) {
        struct xf *x = &g->cache[i];
        if (x->epsg == crs.epsg && (crs.epsg != 0 || x->cm == cm)) {
            x->used = ++g->tick;
            *out = x;
            return SV_OK;
        }
        if (x->used < victim->used)
            victim = x;
    }
    xf_clear(victim);

    struct xf x = {.epsg = crs.epsg, .cm = cm};
    g->proj_msg[0] = '\0';
    if (crs.epsg) {
        char code[16];
        snprintf(code, sizeof code, "%d", crs.epsg);
        x.crs = proj_create_from_database(g->ctx, "EPSG", code, PJ_CATEGORY_CRS, 0, NULL);
        x.false_e = 500000.0 + (gk_prefixed(crs.epsg) ? 1e6 * sv_geo_zone(cm) : 0.0);
    } else {
        x.crs = custom_crs(g->ctx, cm);
        x.false_e = 500000.0;
    }
    if (!x.crs) {
        int rc = fail(g, SV_ECRS, "cannot create the plane CRS (%s): %s",
                      crs.epsg ? "EPSG code" : "custom central meridian", proj_detail(g, NULL));
        xf_clear(&x);
        return rc;
    }
    x.in_lat_first = first_axis_north(g->ctx, g->geog);
    x.out_north_first = first_axis_north(g->ctx, x.crs);
    if (x.in_lat_first < 0 || x.out_north_first < 0) {
        xf_clear(&x);
        return fail(g, SV_ECRS, "plane CRS has axes other than north/east");
    }
    x.op = proj_create_crs_to_crs_from_pj(g->ctx, g->geog, x.crs, NULL, NULL);
    if (!x.op) {
        int rc = fail(g, SV_ECRS, "no transformation from EPSG:4490 to the plane CRS: %s",
                      proj_detail(g, NULL));
        xf_clear(&x);
        return rc;
    }
    x.used = ++g->tick;
    *victim = x;
    *out = victim;
    return SV_OK;
}

static int bad_lonlat(double lat, double lon)
{
    return !isfinite(lat) || !isfinite(lon) || fabs(lat) > 90.0 || fabs(lon) > 180.0;
}

/*
 * Zone reach. The transverse Mercator is defined far beyond a 3-degree zone (PROJ's default
 * Poder/Engsager algorithm keeps full accuracy to 3900 km from the meridian), but a position
 * that far from the zone's central meridian is in the wrong zone or is a wrong position, and
 * past 90 degrees of longitude the projection folds over: PROJ puts a point in Iowa into
 * EPSG:4522 at a "northing" of 15,000 km, and one on the opposite meridian right on the
 * central meridian. So a position is refused (SV_ECRS) when it is 90 degrees of longitude or
 * more from the central meridian, or when its plane easting would be more than EAST_SANE_M
 * (1000 km) from the meridian's.
 *
 * Why 1000 km: it is the bound sv_geo_from_plane already puts on eastings, so every plane
 * coordinate this file hands out is one it takes back. It is about 9.4 degrees of longitude
 * at 18 N (Sanya), 11 at 35.5 N (Linxia) and 15 at 53.5 N (Mohe): far more than a unit
 * straddling a zone edge needs (1.5 degrees), a unit in the neighbouring zone (4.5) or a
 * journal-wide zone used two or three zones away (the tests keep 10.2 degrees at 35.5 N
 * working), while 20 degrees is refused at every Chinese latitude. At the limit the point
 * scale factor is 1.012, a 1.2 % distortion no survey would accept, so nothing usable is
 * lost; beyond it nothing is a Gauss-Kruger position at all.
 */

/* Longitude difference lon - cm in (-180, 180]. */
static double lon_off(double lon, double cm)
{
    double d = fmod(lon - cm, 360.0);
    if (d > 180.0)
        d -= 360.0;
    else if (d <= -180.0)
        d += 360.0;
    return d;
}

/* "EPSG:4522" (or "the custom Gauss-Kruger CRS") and "102E": for messages. */
static void xf_names(const struct xf *x, char *crs, size_t crs_size, char *cm, size_t cm_size)
{
    if (x->epsg > 0)
        snprintf(crs, crs_size, "EPSG:%d", x->epsg);
    else
        snprintf(crs, crs_size, "the custom Gauss-Kruger CRS");
    snprintf(cm, cm_size, "%.10g%s", fabs(x->cm), x->cm < 0 ? "W" : "E");
}

/* The message for a position out of the zone's reach; prefix names the point (or ""). */
static int reach_fail(sv_geo *g, const struct xf *x, const char *prefix, double lat, double lon)
{
    char crs[64], cm[32];
    xf_names(x, crs, sizeof crs, cm, sizeof cm);
    return fail(g, SV_ECRS,
                "%slatitude %.10g, longitude %.10g is %.1f degrees of longitude from the "
                "central meridian %s of %s, beyond the zone's reach (%.0f km either side of the "
                "meridian): wrong zone, or a wrong position?",
                prefix, lat, lon, fabs(lon_off(lon, x->cm)), cm, crs, EAST_SANE_M / 1000.0);
}

/* Whether an input position is too far round the globe to project at all. */
static int beyond_hemisphere(const struct xf *x, double lon)
{
    return fabs(lon_off(lon, x->cm)) >= 90.0;
}

/* Whether a projected easting is out of the zone's reach. */
static int beyond_reach(const struct xf *x, double east)
{
    return !(fabs(east - x->false_e) <= EAST_SANE_M);
}

/* One point through a cached transformation: 0 on success, -1 when PROJ fails, -2 when the
 * position is out of the zone's reach (see above). */
static int xf_fwd(const struct xf *x, double lat, double lon, double *north, double *east)
{
    if (beyond_hemisphere(x, lon))
        return -2;
    PJ_COORD c = proj_coord(x->in_lat_first ? lat : lon, x->in_lat_first ? lon : lat, 0, 0);
    proj_errno_reset(x->op);
    PJ_COORD r = proj_trans(x->op, PJ_FWD, c);
    double a = r.v[0], b = r.v[1];
    if (!isfinite(a) || !isfinite(b) || a == HUGE_VAL || b == HUGE_VAL)
        return -1;
    double nn = x->out_north_first ? a : b, ee = x->out_north_first ? b : a;
    if (beyond_reach(x, ee))
        return -2;
    *north = nn;
    *east = ee;
    return 0;
}

/* The message for a failed xf_fwd (rc -1 or -2); prefix names the point (or ""). */
static int fwd_fail(sv_geo *g, const struct xf *x, int rc, const char *prefix, double lat,
                    double lon)
{
    if (rc == -2)
        return reach_fail(g, x, prefix, lat, lon);
    return fail(g, SV_ECRS, "%scannot project %.9f, %.9f: %s", prefix, lat, lon,
                proj_detail(g, x->op));
}

/*
 * Point scale factor of the transverse Mercator at a distance east_off (m) from the central
 * meridian: k = 1 + y^2/2R^2 + y^4/24R^4. Plane distances are divided by it to give ground
 * (geodesic) distances; with a mean radius the factor is right to 1e-6 of its excess, which is
 * at most 3e-4 at the edge of a 3-degree zone, so the result is exact to well under a millimetre
 * for the short distances it is used for.
 */
static double tm_scale(double east_off)
{
    double q = east_off * east_off / (EARTH_R_M * EARTH_R_M);
    return 1.0 + q / 2.0 + q * q / 24.0;
}

int sv_geo_to_plane(sv_geo *g, sv_crs crs, double lat, double lon, double *x_north, double *y_east)
{
    if (!g)
        return SV_EINVAL;
    if (!x_north || !y_east)
        return fail(g, SV_EINVAL, "sv_geo_to_plane: NULL output");
    if (bad_lonlat(lat, lon))
        return fail(g, SV_EINVAL, "invalid latitude/longitude %g, %g", lat, lon);
    struct xf *x;
    int rc = get_xf(g, crs, &x);
    if (rc)
        return rc;
    int r = xf_fwd(x, lat, lon, x_north, y_east);
    if (r)
        return fwd_fail(g, x, r, "", lat, lon);
    return SV_OK;
}

int sv_geo_convergence(sv_geo *g, sv_crs crs, double lat, double lon, double *gamma_deg)
{
    if (!g)
        return SV_EINVAL;
    if (!gamma_deg)
        return fail(g, SV_EINVAL, "sv_geo_convergence: NULL output");
    double n0, e0, n1, e1, lat1, lon1;
    int rc = sv_geo_to_plane(g, crs, lat, lon, &n0, &e0);
    if (rc != SV_OK)
        return rc;
    /* 10 m due north on the ellipsoid, then its direction on the grid */
    sv_geo_offset(lat, lon, 10.0, 0.0, &lat1, &lon1);
    if ((rc = sv_geo_to_plane(g, crs, lat1, lon1, &n1, &e1)) != SV_OK)
        return rc;
    *gamma_deg = -atan2(e1 - e0, n1 - n0) * (180.0 / 3.14159265358979323846);
    return SV_OK;
}

int sv_geo_from_plane(sv_geo *g, sv_crs crs, double x_north, double y_east, double *lat,
                      double *lon)
{
    if (!g)
        return SV_EINVAL;
    if (!lat || !lon)
        return fail(g, SV_EINVAL, "sv_geo_from_plane: NULL output");
    if (!isfinite(x_north) || !isfinite(y_east))
        return fail(g, SV_EINVAL, "invalid plane coordinates %g, %g", x_north, y_east);
    struct xf *x;
    int rc = get_xf(g, crs, &x);
    if (rc)
        return rc;
    /* A northing passed as easting lands thousands of kilometres off the zone (and, with a
     * zone prefix, lacks the prefix): refuse it instead of returning a point in another
     * country. */
    if (fabs(y_east - x->false_e) > EAST_SANE_M)
        return fail(g, SV_EINVAL,
                    "easting %.3f is not in the zone (central meridian %g, false easting %.0f);"
                    " north and east swapped?",
                    y_east, x->cm, x->false_e);
    PJ_COORD c = proj_coord(x->out_north_first ? x_north : y_east,
                            x->out_north_first ? y_east : x_north, 0, 0);
    proj_errno_reset(x->op);
    PJ_COORD r = proj_trans(x->op, PJ_INV, c);
    double a = r.v[0], b = r.v[1];
    if (!isfinite(a) || !isfinite(b) || a == HUGE_VAL || b == HUGE_VAL)
        return fail(g, SV_ECRS, "cannot invert %.3f, %.3f: %s", x_north, y_east,
                    proj_detail(g, x->op));
    *lat = x->in_lat_first ? a : b;
    *lon = x->in_lat_first ? b : a;
    return SV_OK;
}

/*
 * Every pair of xy is written: the projection, or NaN where the point was refused, so one bad
 * position costs that position only (the export relies on it). The return code and message
 * are those of the first refused point, with the number refused.
 */
int sv_geo_to_plane_n(sv_geo *g, sv_crs crs, size_t n, const double *lonlat, double *xy)
{
    if (!g)
        return SV_EINVAL;
    if (n == 0)
        return SV_OK;
    if (!lonlat || !xy)
        return fail(g, SV_EINVAL, "sv_geo_to_plane_n: NULL array");
    if (n > ((size_t)-1) / (2 * sizeof(double)))
        return fail(g, SV_EINVAL, "sv_geo_to_plane_n: %zu points is too many", n);
    struct xf *x;
    int rc = get_xf(g, crs, &x);
    if (rc) {
        for (size_t i = 0; i < 2 * n; i++)
            xy[i] = NAN;
        return rc;
    }
    /*
     * Chunks through a buffer on the stack: PROJ transforms a whole chunk in one call, and
     * each input pair is still there when its result is checked and written, so lonlat may
     * be xy and the message can name the position.
     */
    enum { CHUNK = 256, OK = 0, BAD_INPUT, BEYOND, PROJ_FAIL };
    double buf[2 * CHUNK];
    unsigned char st[CHUNK];
    size_t refused = 0;
    char msg[sizeof g->msg];
    msg[0] = '\0';
    for (size_t i0 = 0; i0 < n; i0 += CHUNK) {
        size_t m = n - i0 < CHUNK ? n - i0 : CHUNK;
        for (size_t k = 0; k < m; k++) {
            double lon = lonlat[2 * (i0 + k)], lat = lonlat[2 * (i0 + k) + 1];
            st[k] = bad_lonlat(lat, lon) ? BAD_INPUT : beyond_hemisphere(x, lon) ? BEYOND : OK;
            if (st[k] != OK) {
                lat = 0.0; /* a harmless stand-in; its result is not used */
                lon = x->cm;
            }
            buf[2 * k] = x->in_lat_first ? lat : lon;
            buf[2 * k + 1] = x->in_lat_first ? lon : lat;
        }
        proj_errno_reset(x->op);
        proj_trans_generic(x->op, PJ_FWD, buf, 2 * sizeof(double), m, buf + 1, 2 * sizeof(double),
                           m, NULL, 0, 0, NULL, 0, 0);
        for (size_t k = 0; k < m; k++) {
            size_t i = i0 + k;
            double a = buf[2 * k], b = buf[2 * k + 1];
            double north = x->out_north_first ? a : b, east = x->out_north_first ? b : a;
            if (st[k] == OK && (!isfinite(a) || !isfinite(b) || a == HUGE_VAL || b == HUGE_VAL))
                st[k] = PROJ_FAIL;
            else if (st[k] == OK && beyond_reach(x, east))
                st[k] = BEYOND;
            if (st[k] != OK) {
                if (refused++ == 0) {
                    double lon = lonlat[2 * i], lat = lonlat[2 * i + 1];
                    char prefix[48];
                    snprintf(prefix, sizeof prefix, "position %zu: ", i + 1);
                    if (st[k] == BAD_INPUT)
                        rc = fail(g, SV_EINVAL, "position %zu: invalid longitude/latitude %g, %g",
                                  i + 1, lon, lat);
                    else
                        rc = fwd_fail(g, x, st[k] == BEYOND ? -2 : -1, prefix, lat, lon);
                    sv__strlcpy(msg, g->msg, sizeof msg);
                }
                north = east = NAN;
            }
            xy[2 * i] = north;
            xy[2 * i + 1] = east;
        }
    }
    if (refused > 1)
        fail(g, rc, "%s (and %zu more of the %zu points)", msg, refused - 1, n);
    return rc;
}

/* ---- CRS of outside files -------------------------------------------------------------------- */

/* Split "AUTH<sep>[VERSION<sep>]CODE" (sep ':' or '/'); 0 on success. */
static int split_auth_code(const char *s, char sep, char *auth, size_t an, char *code, size_t cn)
{
    const char *first = strchr(s, sep);
    const char *last = strrchr(s, sep);
    if (!first || first == s)
        return -1;
    /* At most one inner field, the version ("6.6", "1.3", "0" or empty). */
    if (last != first && memchr(first + 1, sep, (size_t)(last - first - 1)))
        return -1;
    size_t alen = (size_t)(first - s), clen = strlen(last + 1);
    if (alen >= an || clen == 0 || clen >= cn)
        return -1;
    for (size_t i = 0; i < alen; i++)
        auth[i] = (char)toupper((unsigned char)s[i]);
    auth[alen] = '\0';
    memcpy(code, last + 1, clen + 1);
    for (size_t i = 0; i < clen; i++)
        if (!isalnum((unsigned char)code[i]))
            return -1;
    return 0;
}

static int prefix_ci(const char *s, const char *prefix, const char **rest)
{
    size_t n = strlen(prefix);
    if (strncasecmp(s, prefix, n) != 0)
        return 0;
    *rest = s + n;
    return 1;
}

/* An authority and a code from the spellings GeoJSON and GDAL use. 0 on success. */
static int parse_crs_name(const char *name, char *auth, size_t an, char *code, size_t cn)
{
    const char *rest;
    if (prefix_ci(name, "urn:ogc:def:crs:", &rest))
        return split_auth_code(rest, ':', auth, an, code, cn);
    if (prefix_ci(name, "http://www.opengis.net/def/crs/", &rest) ||
        prefix_ci(name, "https://www.opengis.net/def/crs/", &rest))
        return split_auth_code(rest, '/', auth, an, code, cn);
    if (strcasecmp(name, "CRS84") == 0) {
        snprintf(auth, an, "OGC");
        snprintf(code, cn, "CRS84");
        return 0;
    }
    const char *colon = strchr(name, ':');
    if (!colon || strchr(colon + 1, ':'))
        return -1;
    return split_auth_code(name, ':', auth, an, code, cn);
}

/* Whether crs lies on the CGCS2000/WGS 84 ellipsoid with the Greenwich meridian, the only
 * case where leaving out a datum transformation costs less than a metre. */
static int on_cgcs2000_ellipsoid(PJ_CONTEXT *ctx, const PJ *crs)
{
    double a = 0, b = 0, invf = 0, pm = 1;
    int computed = 0, ok = 0;
    PJ *ell = proj_get_ellipsoid(ctx, crs);
    PJ *prime = proj_get_prime_meridian(ctx, crs);
    if (ell && prime && proj_ellipsoid_get_parameters(ctx, ell, &a, &b, &computed, &invf) &&
        proj_prime_meridian_get_parameters(ctx, prime, &pm, NULL, NULL))
        ok = fabs(a - SV_CGCS2000_A) < 1e-3 && fabs(invf - SV_CGCS2000_INVF) < 1e-4 && pm == 0.0;
    proj_destroy(ell);
    proj_destroy(prime);
    return ok;
}

/* Whether a geographic CRS is in degrees, so its numbers can be taken as they are. */
static int in_degrees(PJ_CONTEXT *ctx, const PJ *crs)
{
    PJ *cs = proj_crs_get_coordinate_system(ctx, crs);
    double f0 = 0, f1 = 0;
    int ok = cs && proj_cs_get_axis_info(ctx, cs, 0, NULL, NULL, NULL, &f0, NULL, NULL, NULL) &&
             proj_cs_get_axis_info(ctx, cs, 1, NULL, NULL, NULL, &f1, NULL, NULL, NULL);
    proj_destroy(cs);
    const double deg = 0.017453292519943295;
    return ok && fabs(f0 - deg) < 1e-12 && fabs(f1 - deg) < 1e-12;
}

int sv_geo_src_new(sv_geo *g, const char *crs_name, sv_geo_src **out)
{
    if (!g)
        return SV_EINVAL;
    if (!out)
        return fail(g, SV_EINVAL, "sv_geo_src_new: NULL output");
    *out = NULL;
    char shown[80];
    printable(shown, sizeof shown, crs_name);

    char auth[16], code[24];
    while (crs_name && isspace((unsigned char)*crs_name))
        crs_name++;
    if (!crs_name || parse_crs_name(crs_name, auth, sizeof auth, code, sizeof code) != 0)
        return fail(g, SV_ECRS, "unknown CRS \"%s\": not an authority:code name", shown);
    if (strcmp(auth, "EPSG") != 0 && strcmp(auth, "OGC") != 0)
        return fail(g, SV_ECRS, "unknown CRS \"%s\": authority %s is not EPSG or OGC", shown, auth);

    g->proj_msg[0] = '\0';
    PJ *crs = proj_create_from_database(g->ctx, auth, code, PJ_CATEGORY_CRS, 0, NULL);
    if (!crs)
        return fail(g, SV_ECRS, "unknown CRS \"%s\": not in the PROJ database", shown);

    int rc = SV_OK;
    PJ *base = NULL, *raw = NULL, *op = NULL;
    PJ_TYPE type = proj_get_type(crs);
    int geographic = type == PJ_TYPE_GEOGRAPHIC_2D_CRS || type == PJ_TYPE_GEOGRAPHIC_3D_CRS;
    if (!geographic && type != PJ_TYPE_PROJECTED_CRS) {
        rc = fail(g, SV_ECRS, "CRS \"%s\" (%s) is neither geographic nor projected", shown,
                  proj_get_name(crs));
        goto done;
    }
    if (!on_cgcs2000_ellipsoid(g->ctx, crs)) {
        rc = fail(g, SV_ECRS,
                  "CRS \"%s\" (%s) is not on the CGCS2000/WGS 84 ellipsoid; its datum shift "
                  "to CGCS2000 is not known well enough to convert it",
                  shown, proj_get_name(crs));
        goto done;
    }
    if (geographic) {
        if (!in_degrees(g->ctx, crs))
            rc = fail(g, SV_ECRS, "geographic CRS \"%s\" is not in degrees", shown);
        goto done;
    }
    /*
     * A projected CRS goes to its own base geographic CRS (EPSG:4490 for the CGCS2000 GK
     * systems), which is only the inverse projection. For a WGS 84 based one (UTM) that is
     * the same policy as for WGS 84 lon/lat given directly: the two are taken as equal, as
     * PROJ itself would do with its "ballpark" no-op between them.
     * proj_normalize_for_visualization puts both ends in GIS order, easting/northing in and
     * longitude/latitude out, which is what GeoJSON files carry whatever the CRS's official
     * axis order; it is exactly the convention GDAL writes them with.
     */
    base = proj_crs_get_geodetic_crs(g->ctx, crs);
    raw = base ? proj_create_crs_to_crs_from_pj(g->ctx, crs, base, NULL, NULL) : NULL;
    op = raw ? proj_normalize_for_visualization(g->ctx, raw) : NULL;
    if (!op)
        rc = fail(g, SV_ECRS, "no transformation from CRS \"%s\" to longitude/latitude: %s", shown,
                  proj_detail(g, NULL));

done:
    if (rc == SV_OK) {
        sv_geo_src *s = calloc(1, sizeof *s);
        if (!s) {
            rc = fail(g, SV_ENOMEM, "out of memory");
        } else {
            s->g = g;
            s->op = op;
            op = NULL;
            /* With a GK source the easting's range is known, which lets apply() catch
             * swapped axes (a northing never looks like a prefixed easting). */
            if (strcmp(auth, "EPSG") == 0 && sv_geo_is_gk_epsg(atoi(code))) {
                int epsg = atoi(code);
                double cm = sv_geo_central_meridian((sv_crs){epsg, NAN});
                s->false_e = 500000.0 + (gk_prefixed(epsg) ? 1e6 * sv_geo_zone(cm) : 0.0);
            }
            snprintf(s->name, sizeof s->name, "%s:%s", auth, code);
            *out = s;
        }
    }
    proj_destroy(op);
    proj_destroy(raw);
    proj_destroy(base);
    proj_destroy(crs);
    return rc;
}

void sv_geo_src_free(sv_geo_src *s)
{
    if (!s)
        return;
    proj_destroy(s->op);
    free(s);
}

int sv_geo_src_is_geographic(const sv_geo_src *s)
{
    return s && !s->op;
}

int sv_geo_src_apply(sv_geo_src *s, size_t n, double *xy)
{
    if (!s)
        return SV_EINVAL;
    sv_geo *g = s->g;
    if (n == 0)
        return SV_OK;
    if (!xy)
        return fail(g, SV_EINVAL, "sv_geo_src_apply: NULL array");
    for (size_t i = 0; i < 2 * n; i++)
        if (!isfinite(xy[i]))
            return fail(g, SV_EINVAL, "point %zu: coordinate is not a number", i / 2);
    if (!s->op) {
        /* Projected numbers under a geographic label (a GK file with no "crs" member read as
         * CRS84) are the usual mistake here: say so rather than store them. */
        for (size_t i = 0; i < n; i++)
            if (bad_lonlat(xy[2 * i + 1], xy[2 * i]))
                return fail(g, SV_ECRS,
                            "point %zu: %g, %g is not a longitude/latitude in %s; "
                            "projected coordinates without a \"crs\"?",
                            i, xy[2 * i], xy[2 * i + 1], s->name);
        return SV_OK;
    }
    if (s->false_e > 0) {
        for (size_t i = 0; i < n; i++)
            if (fabs(xy[2 * i] - s->false_e) > EAST_SANE_M)
                return fail(g, SV_ECRS,
                            "point %zu: easting %.3f is not in the zone of %s (false easting "
                            "%.0f); northing and easting swapped?",
                            i, xy[2 * i], s->name, s->false_e);
    }
    g->proj_msg[0] = '\0';
    proj_errno_reset(s->op);
    proj_trans_generic(s->op, PJ_FWD, xy, 2 * sizeof(double), n, xy + 1, 2 * sizeof(double), n,
                       NULL, 0, 0, NULL, 0, 0);
    for (size_t i = 0; i < n; i++)
        if (xy[2 * i] == HUGE_VAL || xy[2 * i + 1] == HUGE_VAL ||
            bad_lonlat(xy[2 * i + 1], xy[2 * i]))
            return fail(g, SV_ECRS, "point %zu: cannot transform from %s: %s", i, s->name,
                        proj_detail(g, s->op));
    return SV_OK;
}

int sv_geo_src_invert(sv_geo_src *s, size_t n, double *xy)
{
    if (!s)
        return SV_EINVAL;
    if (n == 0 || !s->op)
        return SV_OK;
    if (!xy)
        return fail(s->g, SV_EINVAL, "sv_geo_src_invert: NULL array");
    proj_errno_reset(s->op);
    proj_trans_generic(s->op, PJ_INV, xy, 2 * sizeof(double), n, xy + 1, 2 * sizeof(double), n,
                       NULL, 0, 0, NULL, 0, 0);
    size_t good = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]) || xy[2 * i] == HUGE_VAL ||
            xy[2 * i + 1] == HUGE_VAL)
            xy[2 * i] = xy[2 * i + 1] = NAN;
        else
            good++;
    }
    return good ? SV_OK
                : fail(s->g, SV_ECRS, "cannot transform into %s: %s", s->name,
                       proj_detail(s->g, s->op));
}

/* ---- geodesics ------------------------------------------------------------------------------- */

double sv_geo_distance(double lat1, double lon1, double lat2, double lon2, double *azi1)
{
    if (azi1)
        *azi1 = NAN;
    if (bad_lonlat(lat1, lon1) || bad_lonlat(lat2, lon2))
        return NAN;
    /* Set up per call: the library keeps no global state, and it costs well under a
     * microsecond next to the inverse problem itself. */
    struct geod_geodesic gd;
    geod_init(&gd, SV_CGCS2000_A, SV_CGCS2000_F);
    double s12 = NAN, a1 = NAN;
    geod_inverse(&gd, lat1, lon1, lat2, lon2, &s12, &a1, NULL);
    if (azi1)
        *azi1 = a1;
    return s12;
}

void sv_geo_offset(double lat, double lon, double distance_m, double bearing_deg, double *lat2,
                   double *lon2)
{
    double la = NAN, lo = NAN;
    if (!bad_lonlat(lat, lon) && isfinite(distance_m) && isfinite(bearing_deg)) {
        struct geod_geodesic gd;
        geod_init(&gd, SV_CGCS2000_A, SV_CGCS2000_F);
        geod_direct(&gd, lat, lon, bearing_deg, distance_m, &la, &lo, NULL);
    }
    if (lat2)
        *lat2 = la;
    if (lon2)
        *lon2 = lo;
}

/* ---- areas ----------------------------------------------------------------------------------- */

struct ring_m {
    double area, perim, plane_area, plane_perim, closing;
    size_t points;
};

static int same_pt(const double *a, const double *b)
{
    return a[0] == b[0] && a[1] == b[1];
}

/*
 * Measure one ring of n lon,lat points. Repeats of the previous point (a double tap, or the
 * closing point) are skipped, so the ring may come open or closed. Areas are unsigned.
 */
/*
 * The figures of one ring. The ellipsoidal ones (area, perimeter, closing edge) need no
 * projection and are always computed; when a position cannot be projected (beyond the zone's
 * reach), the plane ones are NaN and the failure is returned, naming the first such position
 * (counted from 1), with m still filled.
 */
static int ring_measure(sv_geo *g, const struct xf *x, const double *ll, size_t n, struct ring_m *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < n; i++)
        if (bad_lonlat(ll[2 * i + 1], ll[2 * i]))
            return fail(g, SV_EINVAL, "position %zu: invalid longitude/latitude %g, %g", i + 1,
                        ll[2 * i], ll[2 * i + 1]);
    while (n > 1 && same_pt(&ll[2 * (n - 1)], &ll[0]))
        n--;

    struct geod_polygon poly;
    geod_polygon_init(&poly, 0);
    /* Shoelace relative to the first point: eastings carry a zone prefix (3.4e7 m), and
     * products of raw coordinates would lose square metres to rounding. */
    double n0 = 0, e0 = 0, pn = 0, pe = 0, twice = 0;
    const double *prev = NULL, *first = NULL, *unplaced = NULL;
    int fwd_rc = 0;
    size_t unplaced_i = 0;
    for (size_t i = 0; i < n; i++) {
        const double *p = &ll[2 * i];
        if (prev && same_pt(p, prev))
            continue;
        geod_polygon_addpoint(&g->gd, &poly, p[1], p[0]);
        double north = NAN, east = NAN;
        int r = unplaced ? 0 : xf_fwd(x, p[1], p[0], &north, &east);
        if (r) {
            fwd_rc = r;
            unplaced = p;
            unplaced_i = i;
        }
        if (!unplaced && !first) {
            n0 = north;
            e0 = east;
        } else if (!unplaced) {
            double dn = north - n0, de = east - e0;
            twice += pe * dn - de * pn;
            m->plane_perim += hypot(dn - pn, de - pe);
            pn = dn;
            pe = de;
        }
        if (!first)
            first = p;
        prev = p;
        m->points++;
    }
    if (m->points >= 2) {
        m->plane_perim += hypot(pn, pe);
        geod_inverse(&g->gd, prev[1], prev[0], first[1], first[0], &m->closing, NULL, NULL);
    }
    double area = 0, perim = 0;
    geod_polygon_compute(&g->gd, &poly, 0, 1, &area, &perim);
    m->perim = perim;
    if (m->points >= 3) {
        m->area = fabs(area);
        m->plane_area = fabs(twice) / 2.0;
    }
    if (unplaced) {
        m->plane_area = m->plane_perim = NAN;
        char prefix[64];
        snprintf(prefix, sizeof prefix, "position %zu of %zu: ", unplaced_i + 1, n);
        return fwd_fail(g, x, fwd_rc, prefix, unplaced[1], unplaced[0]);
    }
    return SV_OK;
}

int sv_geo_ring_area(sv_geo *g, sv_crs crs, size_t n, const double *lonlat, sv_area *out)
{
    if (!g)
        return SV_EINVAL;
    if (!out || (n && !lonlat))
        return fail(g, SV_EINVAL, "sv_geo_ring_area: NULL argument");
    memset(out, 0, sizeof *out);
    struct xf *x;
    int rc = get_xf(g, crs, &x);
    if (rc)
        return rc;
    struct ring_m m;
    rc = ring_measure(g, x, lonlat, n, &m);
    if (rc && rc != SV_ECRS)
        return rc;
    /* SV_ECRS: a position beyond the zone's reach; the ellipsoidal figures stand */
    *out = (sv_area){m.area,    m.perim,  m.plane_area, m.plane_perim,
                     m.closing, m.points, crs.epsg,     x->cm};
    return rc;
}

/* Check the index arrays of a geometry add up; 0 when they do. */
static int geom_check(sv_geo *g, const sv_geom *geom)
{
    if (geom->n_parts == 0) {
        if (geom->n_rings || geom->n_pts)
            return fail(g, SV_EGEOM, "geometry with rings or points but no parts");
        return 0;
    }
    if (!geom->part_rings || !geom->ring_pts || (geom->n_pts && !geom->lonlat))
        return fail(g, SV_EGEOM, "geometry with parts but no arrays");
    size_t rings = 0, pts = 0;
    for (size_t p = 0; p < geom->n_parts; p++) {
        if (geom->part_rings[p] == 0 || geom->part_rings[p] > geom->n_rings - rings)
            return fail(g, SV_EGEOM, "part %zu: ring count does not fit the geometry", p);
        rings += geom->part_rings[p];
    }
    if (rings != geom->n_rings)
        return fail(g, SV_EGEOM, "parts hold %zu rings, geometry has %zu", rings, geom->n_rings);
    for (size_t r = 0; r < geom->n_rings; r++) {
        if (geom->ring_pts[r] > geom->n_pts - pts)
            return fail(g, SV_EGEOM, "ring %zu: point count does not fit the geometry", r);
        pts += geom->ring_pts[r];
    }
    if (pts != geom->n_pts)
        return fail(g, SV_EGEOM, "rings hold %zu points, geometry has %zu", pts, geom->n_pts);
    return 0;
}

/*
 * Shells minus holes, per part, whatever the rings' orientation. closing_m is that of the
 * first shell (a geometry's rings are closed, so it is the length of its last edge).
 */
int sv_geo_geom_area(sv_geo *g, sv_crs crs, const sv_geom *geom, sv_area *out)
{
    if (!g)
        return SV_EINVAL;
    if (!out || !geom)
        return fail(g, SV_EINVAL, "sv_geo_geom_area: NULL argument");
    memset(out, 0, sizeof *out);
    struct xf *x;
    int rc = get_xf(g, crs, &x);
    if (rc)
        return rc;
    rc = geom_check(g, geom);
    if (rc)
        return rc;
    sv_area a = {.epsg = crs.epsg, .central_meridian = x->cm};
    size_t ring = 0, pt = 0;
    char unplaced[sizeof g->msg + 32] = ""; /* the first ring with a position beyond the zone */
    for (size_t p = 0; p < geom->n_parts; p++) {
        double area = 0, plane = 0;
        for (size_t k = 0; k < geom->part_rings[p]; k++, ring++) {
            struct ring_m m;
            rc = ring_measure(g, x, geom->lonlat + 2 * pt, geom->ring_pts[ring], &m);
            if (rc == SV_ECRS && !unplaced[0]) {
                snprintf(unplaced, sizeof unplaced, "ring %zu, %s", ring + 1, g->msg);
            } else if (rc && rc != SV_ECRS) {
                char why[sizeof g->msg];
                sv__strlcpy(why, g->msg, sizeof why);
                return fail(g, rc, "ring %zu, %s", ring + 1, why);
            }
            pt += geom->ring_pts[ring];
            area += k == 0 ? m.area : -m.area;
            plane += k == 0 ? m.plane_area : -m.plane_area;
            a.perimeter_m += m.perim;
            a.plane_perimeter_m += m.plane_perim;
            a.points += m.points;
            if (ring == 0)
                a.closing_m = m.closing;
        }
        /* Holes larger than their shell are a broken geometry, not a negative area. */
        if (area < -1e-6 * (fabs(area) + 1.0))
            return fail(g, SV_EGEOM, "part %zu: holes larger than the shell", p);
        a.ellipsoidal_m2 += fmax(area, 0.0);
        a.plane_m2 += fmax(plane, 0.0);
    }
    *out = a;
    if (unplaced[0]) { /* the ellipsoidal figures stand; the plane ones are NaN */
        out->plane_m2 = out->plane_perimeter_m = NAN;
        return fail(g, SV_ECRS, "%s", unplaced);
    }
    return SV_OK;
}

/* ---- deviation ------------------------------------------------------------------------------- */

static double seg_dist(double pn, double pe, const double *a, const double *b)
{
    double dn = b[0] - a[0], de = b[1] - a[1];
    double len2 = dn * dn + de * de;
    double t = len2 > 0 ? ((pn - a[0]) * dn + (pe - a[1]) * de) / len2 : 0.0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(pn - (a[0] + t * dn), pe - (a[1] + t * de));
}

/*
 * Distances are taken in the GK plane of crs (the draft is projected once, then each walked
 * vertex against every edge), and divided by the point scale factor to give ground metres.
 * Both points and edges are short compared with the zone, where plane and geodesic agree.
 */
int sv_geo_deviation(sv_geo *g, sv_crs crs, size_t n, const double *lonlat, const sv_geom *draft,
                     sv_deviation *out)
{
    if (!g)
        return SV_EINVAL;
    if (!out || !draft || (n && !lonlat))
        return fail(g, SV_EINVAL, "sv_geo_deviation: NULL argument");
    memset(out, 0, sizeof *out);
    int rc = geom_check(g, draft);
    if (rc)
        return rc;
    if (draft->n_pts < 2)
        return fail(g, SV_EINVAL, "the draft has no edges to measure against");
    if (n == 0)
        return SV_OK;
    struct xf *x;
    rc = get_xf(g, crs, &x);
    if (rc)
        return rc;
    double *ne = malloc(2 * draft->n_pts * sizeof *ne);
    if (!ne)
        return fail(g, SV_ENOMEM, "out of memory");
    for (size_t i = 0; i < draft->n_pts; i++) {
        const double *p = &draft->lonlat[2 * i];
        if (bad_lonlat(p[1], p[0])) {
            rc = fail(g, SV_EINVAL, "draft point %zu: invalid longitude/latitude", i);
            goto done;
        }
        int r = xf_fwd(x, p[1], p[0], &ne[2 * i], &ne[2 * i + 1]);
        if (r) {
            char prefix[48];
            snprintf(prefix, sizeof prefix, "draft point %zu: ", i);
            rc = fwd_fail(g, x, r, prefix, p[1], p[0]);
            goto done;
        }
    }
    double max = 0, sum2 = 0;
    for (size_t i = 0; i < n; i++) {
        double lat = lonlat[2 * i + 1], lon = lonlat[2 * i], pn, pe;
        if (bad_lonlat(lat, lon)) {
            rc = fail(g, SV_EINVAL, "vertex %zu: invalid longitude/latitude %g, %g", i, lon, lat);
            goto done;
        }
        int fr = xf_fwd(x, lat, lon, &pn, &pe);
        if (fr) {
            char prefix[48];
            snprintf(prefix, sizeof prefix, "vertex %zu: ", i);
            rc = fwd_fail(g, x, fr, prefix, lat, lon);
            goto done;
        }
        double best = INFINITY;
        size_t start = 0;
        for (size_t r = 0; r < draft->n_rings; r++) {
            size_t cnt = draft->ring_pts[r];
            if (cnt > draft->n_pts - start) /* geom_check() rules it out; said again here */
                break;
            const double *rp = ne + 2 * start;
            for (size_t k = 0; k + 1 < cnt; k++)
                best = fmin(best, seg_dist(pn, pe, rp + 2 * k, rp + 2 * k + 2));
            /* Rings should come closed; an open one is closed here rather than measured as a
             * line with a gap. */
            if (cnt >= 2)
                best = fmin(best, seg_dist(pn, pe, rp + 2 * (cnt - 1), rp));
            else if (cnt == 1)
                best = fmin(best, hypot(pn - rp[0], pe - rp[1]));
            start += cnt;
        }
        best /= tm_scale(pe - x->false_e);
        max = fmax(max, best);
        sum2 += best * best;
    }
    out->max_m = max;
    out->rms_m = sqrt(sum2 / (double)n);
    out->vertices = n;
done:
    free(ne);
    return rc;
}

/* ---- WKT and names --------------------------------------------------------------------------- */

const char *sv_geo_wkt(sv_geo *g, sv_crs crs)
{
    if (!g)
        return NULL;
    const PJ *obj;
    if (crs.epsg == SV_EPSG_CGCS2000) {
        obj = g->geog;
    } else {
        struct xf *x;
        if (get_xf(g, crs, &x) != SV_OK || !x)
            return NULL;
        obj = x->crs;
    }
    /* One line: it goes into a database column, and GDAL writes GeoPackage definitions so. */
    const char *const opts[] = {"MULTILINE=NO", NULL};
    g->proj_msg[0] = '\0';
    const char *w = proj_as_wkt(g->ctx, obj, PJ_WKT1_GDAL, opts);
    if (!w) {
        fail(g, SV_ECRS, "cannot write WKT: %s", proj_detail(g, NULL));
        return NULL;
    }
    char *copy = sv__strdup(w);
    if (!copy) {
        fail(g, SV_ENOMEM, "out of memory");
        return NULL;
    }
    free(g->wkt);
    g->wkt = copy;
    return g->wkt;
}

const char *sv_geo_crs_name(sv_geo *g, sv_crs crs)
{
    static const char invalid[] = "invalid CRS";
    if (!g)
        return invalid;
    double cm = sv_geo_central_meridian(crs);
    /* The same names as the EPSG registry's, without a database look-up. */
    if (crs.epsg == SV_EPSG_CGCS2000)
        snprintf(g->name, sizeof g->name, "CGCS2000");
    else if (gk_prefixed(crs.epsg))
        snprintf(g->name, sizeof g->name, "CGCS2000 / 3-degree Gauss-Kruger zone %d",
                 sv_geo_zone(cm));
    else if (sv_geo_is_gk_epsg(crs.epsg))
        snprintf(g->name, sizeof g->name, "CGCS2000 / 3-degree Gauss-Kruger CM %.0fE", cm);
    else if (crs.epsg == 0 && !isnan(cm))
        snprintf(g->name, sizeof g->name, "CGCS2000 GK CM %.10g%s", fabs(cm), cm < 0 ? "W" : "E");
    else {
        fail(g, SV_ECRS, "EPSG:%d is not a CGCS2000 Gauss-Kruger CRS", crs.epsg);
        return invalid;
    }
    return g->name;
}
