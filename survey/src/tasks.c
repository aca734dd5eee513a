/*
 * tasks.c - reading county task packages: GeoJSON FeatureCollections of registration units.
 *
 * The GeoJSON reader of libsurvey (jansson stays here and in the exporter). It turns a file (or
 * buffer) into a fully validated sv_task_set, or into one diagnostic line naming the file, the
 * feature (1-based index and unit code) and what is wrong. Whole file or nothing: no unit is handed
 * out until every feature has passed.
 *
 * It must never: trust anything in the file (no assert on file input, every size capped,
 * nesting depth checked before jansson recurses), return a partial set, guess a CRS it cannot
 * name, or keep coordinates in anything but CGCS2000 lon/lat degrees once it returns.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "internal.h"
#include "survey/geom.h"
#include "survey/limits.h"
#include "survey/state.h"
#include "survey/tasks.h"

/* ---- the task set ------------------------------------------------------------------------ */

void sv_task_set_clear(sv_task_set *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->units && i < t->n; i++)
        sv_unit_clear(&t->units[i]);
    free(t->units);
    free(t->feature);
    memset(t, 0, sizeof *t);
}

/* ---- raw pre-scan ------------------------------------------------------------------------ */

/*
 * One pass over the bytes, outside strings, before jansson sees them: finds nesting deeper
 * than SV_TASKS_MAX_DEPTH (jansson would recurse up to 2048 levels first) and tells which
 * feature of the top-level "features" array a byte offset falls in, so that errors found
 * before or by the JSON parser can still name the feature.
 */
typedef struct scan_res {
    size_t deep_at; /* offset of the bracket that went past the limit, or (size_t)-1 */
    size_t feature; /* last feature opened before the stop offset, 0 if none */
    int in_feature; /* the stop offset lies inside that feature */
} scan_res;

static void scan_json(const char *buf, size_t len, size_t stop, scan_res *r)
{
    size_t depth = 0, str_start = 0;
    int in_str = 0, last_key_features = 0, feats_open = 0;
    r->deep_at = (size_t)-1;
    r->feature = 0;
    r->in_feature = 0;
    if (stop > len)
        stop = len;
    for (size_t i = 0; i < stop; i++) {
        char c = buf[i];
        if (in_str) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_str = 0;
                if (depth == 1)
                    last_key_features =
                        i - str_start == 8 && !memcmp(buf + str_start, "features", 8);
            }
            continue;
        }
        switch (c) {
        case '"':
            in_str = 1;
            str_start = i + 1;
            break;
        case '[':
        case '{':
            depth++;
            if (depth == 2 && c == '[' && last_key_features)
                feats_open = 1;
            else if (depth == 3 && c == '{' && feats_open)
                r->feature++;
            if (depth > SV_TASKS_MAX_DEPTH) {
                r->deep_at = i;
                r->in_feature = feats_open && depth >= 3;
                return;
            }
            break;
        case ']':
        case '}':
            if (depth > 0)
                depth--;
            if (depth <= 1)
                feats_open = 0;
            break;
        default:
            break;
        }
    }
    r->in_feature = feats_open && depth >= 3;
}

/* "feature 3: " / "after feature 3: " / "" for an offset, into buf. */
static const char *feature_at(const char *buf, size_t len, size_t off, char *out, size_t size)
{
    scan_res r;
    scan_json(buf, len, off, &r);
    if (r.feature == 0)
        out[0] = '\0';
    else
        snprintf(out, size, "%sfeature %zu: ", r.in_feature ? "" : "after ", r.feature);
    return out;
}

/* ---- CRS names --------------------------------------------------------------------------- */

/* The EPSG code in "EPSG:4522", "urn:ogc:def:crs:EPSG::4522", "urn:ogc:def:crs:EPSG:9.9:4522",
 * "http://www.opengis.net/def/crs/EPSG/0/4522"; 0 when the name is none of those. */
static int epsg_of(const char *name)
{
    static const char *const prefixes[] = {
        "EPSG:", "urn:ogc:def:crs:EPSG:", "http://www.opengis.net/def/crs/EPSG/",
        "https://www.opengis.net/def/crs/EPSG/"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t pl = strlen(prefixes[i]);
        if (strncasecmp(name, prefixes[i], pl) != 0)
            continue;
        /* The code is what follows the last ':' or '/' (versions sit in between). */
        const char *p = name + strlen(name);
        while (p > name + pl && p[-1] != ':' && p[-1] != '/')
            p--;
        if (i == 0 && p != name + pl)
            return 0;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || end == p || *end || v <= 0 || v > 999999)
            return 0;
        return (int)v;
    }
    return 0;
}

static int is_crs84(const char *name)
{
    static const char *const names[] = {"urn:ogc:def:crs:OGC:1.3:CRS84",
                                        "urn:ogc:def:crs:OGC::CRS84",
                                        "urn:ogc:def:crs:OGC:2:84",
                                        "OGC:CRS84",
                                        "CRS84",
                                        "http://www.opengis.net/def/crs/OGC/1.3/CRS84"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* ---- the parse context ----------------------------------------------------------------------- */

typedef struct ctx {
    const char *name; /* file name for messages */
    sv_diag *diag;
    sv_geo *g;
    sv_geo_src *src; /* NULL: coordinates are lon/lat already */
    int gk_zone;     /* the file's CRS is a CGCS2000 GK zone: its number, else 0 */
    int gk_prefixed; /* ... with the zone number prefixed to the easting */
    int gk_epsg;
    size_t feature;         /* 1-based index of the feature being read */
    char code[SV_CODE_MAX]; /* its code once known */
    const char *part;       /* "" or "polygon 2 " for multipolygon messages */
    size_t ring;            /* 1-based ring within the polygon */
    regex_t re;
    int have_re;
    const char *pattern; /* its source, for messages */
} ctx;

/* An error about the current feature: "NAME: feature N (CODE): what". Returns rc. */
static int ferr(ctx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int ferr(ctx *c, int rc, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (c->code[0])
        sv__diag(c->diag, "%s: feature %zu (%s): %s", c->name, c->feature, c->code, what);
    else
        sv__diag(c->diag, "%s: feature %zu: %s", c->name, c->feature, what);
    return rc;
}

/* An error about the whole file: "NAME: what". Returns rc. */
static int file_err(ctx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int file_err(ctx *c, int rc, const char *fmt, ...)
{
    char what[440];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    sv__diag(c->diag, "%s: %s", c->name, what);
    return rc;
}

/* ---- geometry ---------------------------------------------------------------------------- */

typedef struct geom_buf {
    sv_geom *gm;
    size_t cap_parts, cap_rings, cap_pts;
} geom_buf;

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 8;
    while (nc < need)
        nc *= 2;
    if (nc > (size_t)-1 / elem)
        return -1;
    void *q = realloc(*p, nc * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

static const char *json_kind(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "something else";
}

/*
 * Projected input must look like the CRS it claims: catches swapped axes, a wrong zone, and
 * longitudes and latitudes labelled with a Gauss-Krueger code (103.3 is no easting in metres:
 * it passed as one, and the ring then failed as of zero area). A CGCS2000 zone's point in China
 * lies 1 km to 999 km east of the zone's false origin and 100 km to 10,000 km north of the
 * equator.
 */
static int check_gk_plane(ctx *c, size_t pt, double e, double n)
{
    double local = c->gk_prefixed ? e - c->gk_zone * 1e6 : e;
    if (local > 1e3 && local < 999e3 && n >= 1e5 && n < 1e7)
        return SV_OK;
    const char *lonlat = fabs(e) <= 180 && fabs(n) <= 90
                             ? "; these look like longitude and latitude: give the package "
                               "EPSG:4490 (or convert it)"
                             : "";
    if (c->gk_prefixed)
        return ferr(c, SV_EGEOM,
                    "%sring %zu point %zu: easting %.3f, northing %.3f do not fit EPSG:%d "
                    "(easting %d001000-%d999000 and northing 100000-10000000 expected; axes "
                    "swapped or wrong zone?%s)",
                    c->part, c->ring, pt, e, n, c->gk_epsg, c->gk_zone, c->gk_zone, lonlat);
    return ferr(c, SV_EGEOM,
                "%sring %zu point %zu: easting %.3f, northing %.3f do not fit EPSG:%d "
                "(easting 1000-999000 and northing 100000-10000000 expected; axes swapped or "
                "wrong zone?%s)",
                c->part, c->ring, pt, e, n, c->gk_epsg, lonlat);
}

static int read_ring(ctx *c, geom_buf *b, const json_t *ring)
{
    sv_geom *gm = b->gm;
    if (!json_is_array(ring))
        return ferr(c, SV_EFORMAT, "%sring %zu is %s, not an array of positions", c->part, c->ring,
                    json_kind(ring));
    size_t n = json_array_size(ring);
    if (n < 4)
        return ferr(c, SV_EGEOM, "%sring %zu has %zu positions (at least 4 needed)", c->part,
                    c->ring, n);
    /* Counted before anything is allocated: a pathological ring costs nothing. */
    if (n > SV_LIMIT_UNIT_VERTICES - gm->n_pts)
        return ferr(c, SV_EFORMAT,
                    "%sring %zu: more than %u vertices in the unit (the limit per unit)", c->part,
                    c->ring, SV_LIMIT_UNIT_VERTICES);
    if (gm->n_rings >= SV_LIMIT_UNIT_RINGS)
        return ferr(c, SV_EFORMAT, "more than %u rings in the unit (the limit per unit)",
                    SV_LIMIT_UNIT_RINGS);
    if (grow((void **)&gm->ring_pts, &b->cap_rings, gm->n_rings + 1, sizeof *gm->ring_pts) ||
        grow((void **)&gm->lonlat, &b->cap_pts, 2 * (gm->n_pts + n), sizeof *gm->lonlat))
        return ferr(c, SV_ENOMEM, "out of memory");
    double *xy = gm->lonlat + 2 * gm->n_pts;
    for (size_t i = 0; i < n; i++) {
        const json_t *pos = json_array_get(ring, i);
        size_t np = json_is_array(pos) ? json_array_size(pos) : 0;
        if (np < 2 || np > 3)
            return ferr(c, SV_EFORMAT,
                        "%sring %zu point %zu: a position must be an array of 2 or 3 numbers",
                        c->part, c->ring, i + 1);
        for (size_t k = 0; k < np; k++) {
            const json_t *v = json_array_get(pos, k);
            if (!json_is_number(v))
                return ferr(c, SV_EFORMAT, "%sring %zu point %zu: coordinate %zu is %s", c->part,
                            c->ring, i + 1, k + 1, json_kind(v));
            double d = json_number_value(v);
            if (!isfinite(d))
                return ferr(c, SV_EFORMAT, "%sring %zu point %zu: coordinate %zu is not finite",
                            c->part, c->ring, i + 1, k + 1);
            if (k < 2)
                xy[2 * i + k] = d;
        }
        if (c->gk_zone) {
            int rc = check_gk_plane(c, i + 1, xy[2 * i], xy[2 * i + 1]);
            if (rc)
                return rc;
        }
    }
    if (xy[0] != xy[2 * (n - 1)] || xy[1] != xy[2 * (n - 1) + 1])
        return ferr(c, SV_EGEOM, "%sring %zu is not closed (first and last positions differ)",
                    c->part, c->ring);
    if (c->src && sv_geo_src_apply(c->src, n, xy) != SV_OK)
        return ferr(c, SV_ECRS, "%sring %zu: transformation to CGCS2000 failed: %s", c->part,
                    c->ring, sv_geo_errmsg(c->g));
    for (size_t i = 0; i < n; i++) {
        double lon = xy[2 * i], lat = xy[2 * i + 1];
        if (!isfinite(lon) || !isfinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90)
            return ferr(
                c, SV_EGEOM,
                "%sring %zu point %zu: lon %.9g, lat %.9g out of range "
                "(lon -180..180, lat -90..90%s)%s",
                c->part, c->ring, i + 1, lon, lat, c->src ? " after transformation" : "; lon first",
                /* metres in a file that names no CRS: GDAL writes no crs member for
                 * a CRS without an EPSG code, such as a custom central meridian */
                !c->src && isfinite(lon) && isfinite(lat) && (fabs(lon) > 1000 || fabs(lat) > 1000)
                    ? "; these look like plane metres (Gauss-Kruger?), but the file "
                      "names no CRS: give it a crs member such as "
                      "urn:ogc:def:crs:EPSG::4522 (ogr2ogr writes one for an EPSG "
                      "code), or export the layer in EPSG:4490"
                    : "");
    }
    gm->ring_pts[gm->n_rings++] = n;
    gm->n_pts += n;
    return SV_OK;
}

static int read_polygon(ctx *c, geom_buf *b, const json_t *rings)
{
    sv_geom *gm = b->gm;
    if (!json_is_array(rings))
        return ferr(c, SV_EFORMAT, "%scoordinates are %s, not an array of rings", c->part,
                    json_kind(rings));
    size_t nr = json_array_size(rings);
    if (nr == 0)
        return ferr(c, SV_EGEOM, "%spolygon has no rings", c->part);
    if (gm->n_parts >= SV_LIMIT_UNIT_PARTS)
        return ferr(c, SV_EFORMAT, "more than %u polygons in the unit (the limit per unit)",
                    SV_LIMIT_UNIT_PARTS);
    if (grow((void **)&gm->part_rings, &b->cap_parts, gm->n_parts + 1, sizeof *gm->part_rings))
        return ferr(c, SV_ENOMEM, "out of memory");
    for (size_t r = 0; r < nr; r++) {
        c->ring = r + 1;
        int rc = read_ring(c, b, json_array_get(rings, r));
        if (rc)
            return rc;
    }
    gm->part_rings[gm->n_parts++] = nr;
    return SV_OK;
}

/*
 * The draft must be a valid polygon as GEOS judges it (the one place that decides validity).
 * GEOS's reason carries a position but not a ring; on failure only, each ring is judged alone
 * so that the message can also name the first ring that is invalid by itself.
 */
static int validate_draft(ctx *c, const sv_geom *gm, int multi)
{
    char why[256];
    int rc = sv_geom_validate(gm, why, sizeof why);
    if (rc == SV_ENOMEM)
        return ferr(c, SV_ENOMEM, "out of memory validating the geometry");
    if (rc == SV_OK)
        return SV_OK;
    if (rc != SV_EGEOM)
        return ferr(c, SV_EGEOM, "the geometry could not be validated: %s", why);
    size_t ring = 0, off = 0;
    for (size_t p = 0; p < gm->n_parts; p++) {
        for (size_t r = 0; r < gm->part_rings[p]; r++, ring++) {
            char rwhy[256];
            size_t n = gm->ring_pts[ring];
            if (sv_ring_validate(n, gm->lonlat + 2 * off, rwhy, sizeof rwhy) == SV_EGEOM) {
                char part[32] = "";
                if (multi)
                    snprintf(part, sizeof part, "polygon %zu ", p + 1);
                return ferr(c, SV_EGEOM, "%sring %zu is not a valid ring: %s", part, r + 1, rwhy);
            }
            off += n;
        }
    }
    return ferr(c, SV_EGEOM, "not a valid polygon: %s", why);
}

static int read_geometry(ctx *c, const json_t *geo, sv_geom *gm)
{
    geom_buf b = {gm, 0, 0, 0};
    memset(gm, 0, sizeof *gm);
    c->part = "";
    if (!geo || json_is_null(geo))
        return ferr(c, SV_EGEOM, "has no geometry");
    if (!json_is_object(geo))
        return ferr(c, SV_EFORMAT, "geometry is %s, not an object", json_kind(geo));
    const json_t *crs = json_object_get(geo, "crs");
    if (crs && !json_is_null(crs))
        return ferr(c, SV_ECRS,
                    "a geometry-level \"crs\" is not supported; name the CRS once, "
                    "at the top of the file");
    const char *type = json_string_value(json_object_get(geo, "type"));
    if (!type)
        return ferr(c, SV_EFORMAT, "geometry has no \"type\"");
    const json_t *coords = json_object_get(geo, "coordinates");
    int multi;
    if (strcmp(type, "Polygon") == 0)
        multi = 0;
    else if (strcmp(type, "MultiPolygon") == 0)
        multi = 1;
    else
        return ferr(c, SV_EGEOM, "geometry type %.40s is not allowed (Polygon or MultiPolygon)",
                    type);
    if (!coords)
        return ferr(c, SV_EFORMAT, "%s has no \"coordinates\"", type);
    int rc;
    if (!multi) {
        rc = read_polygon(c, &b, coords);
    } else if (!json_is_array(coords)) {
        rc = ferr(c, SV_EFORMAT, "MultiPolygon coordinates are %s, not an array of polygons",
                  json_kind(coords));
    } else if (json_array_size(coords) == 0) {
        rc = ferr(c, SV_EGEOM, "MultiPolygon has no polygons");
    } else {
        rc = SV_OK;
        char part[32];
        c->part = part;
        for (size_t p = 0; p < json_array_size(coords) && rc == SV_OK; p++) {
            snprintf(part, sizeof part, "polygon %zu ", p + 1);
            rc = read_polygon(c, &b, json_array_get(coords, p));
        }
        c->part = "";
    }
    if (rc) {
        sv_geom_clear(gm);
        return rc;
    }
    /* Give back the slack of the doubling growth: a package can hold millions of points. */
    double *shrunk = realloc(gm->lonlat, 2 * gm->n_pts * sizeof *gm->lonlat);
    if (shrunk)
        gm->lonlat = shrunk;
    rc = validate_draft(c, gm, multi);
    if (rc)
        sv_geom_clear(gm);
    return rc;
}

/* ---- properties -------------------------------------------------------------------------- */

enum prop {
    P_CODE,
    P_NAME,
    P_TYPE,
    P_LOCATION,
    P_OWNER,
    P_REP,
    P_AGENT,
    P_MODE,
    P_RIGHTS,
    P_MANAGER,
    P_CONTROL,
    P_EPSG,
    P_CM,
    P_COUNT
};

/* English name and county vendor name of each property; matched without regard to case. */
static const struct {
    const char *english, *vendor;
} prop_names[P_COUNT] = {
    [P_CODE] = {"code", "ZRZYDJDYH"},    [P_NAME] = {"name", "DJDYMC"},
    [P_TYPE] = {"type", "DJDYLX"},       [P_LOCATION] = {"location", "ZL"},
    [P_OWNER] = {"owner", "SYQZT"},      [P_REP] = {"representative", "DBXSZT"},
    [P_AGENT] = {"agent", "DLXSZT"},     [P_MODE] = {"mode", "QLXSFS"},
    [P_RIGHTS] = {"rights", "XSNR"},     [P_MANAGER] = {"manager", NULL},
    [P_CONTROL] = {"control", "GGGZ"},   [P_EPSG] = {"epsg", NULL},
    [P_CM] = {"central_meridian", NULL},
};

/* The longest text each property may hold, in characters (limits.h); 0: checked elsewhere. */
static const size_t prop_limit[P_COUNT] = {
    [P_NAME] = SV_LIMIT_NAME_CHARS,    [P_LOCATION] = SV_LIMIT_NAME_CHARS,
    [P_OWNER] = SV_LIMIT_NAME_CHARS,   [P_REP] = SV_LIMIT_NAME_CHARS,
    [P_AGENT] = SV_LIMIT_NAME_CHARS,   [P_MODE] = SV_LIMIT_NAME_CHARS,
    [P_RIGHTS] = SV_LIMIT_TEXT_CHARS,  [P_MANAGER] = SV_LIMIT_NAME_CHARS,
    [P_CONTROL] = SV_LIMIT_TEXT_CHARS,
};

static int prop_of(const char *key)
{
    for (int p = 0; p < P_COUNT; p++)
        if (strcasecmp(key, prop_names[p].english) == 0 ||
            (prop_names[p].vendor && strcasecmp(key, prop_names[p].vendor) == 0))
            return p;
    return -1;
}

/*
 * A property value as text: strings trimmed of surrounding white space (DBF exports pad
 * them), numbers printed (county data often stores codes as numbers), null and "" as NULL.
 * A real is printed as the shortest text that reads back as the same number (0.1, not
 * 0.10000000000000001); one of 2^53 or more may already have lost digits in the file's reading
 * (a 19-digit unit code stored as a real), so it is refused rather than imported changed.
 * Returns 0, -1 for a value that is not text (boolean, object, array), -2 out of memory, -3 for
 * a real too large to be exact.
 */
static int value_text(const json_t *v, char **out)
{
    char num[64];
    const char *s;
    *out = NULL;
    if (json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        s = json_string_value(v);
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        s = num;
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(fabs(d) < 9007199254740992.0)) /* 2^53 */
            return -3;
        if (d == floor(d))
            snprintf(num, sizeof num, "%.0f", d);
        else
            for (int prec = 1; prec <= 17; prec++) {
                snprintf(num, sizeof num, "%.*g", prec, d);
                if (strtod(num, NULL) == d)
                    break;
            }
        s = num;
    } else {
        return -1;
    }
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return 0;
    char *t = malloc(n + 1);
    if (!t)
        return -2;
    memcpy(t, s, n);
    t[n] = '\0';
    *out = t;
    return 0;
}

/* Copy a short identifier (code, type) into a fixed field; error when it does not fit. */
static int set_short(ctx *c, char *dst, const char *val, const char *what)
{
    if (!val) {
        dst[0] = '\0';
        return SV_OK;
    }
    for (const char *p = val; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return ferr(c, SV_EFORMAT, "%s contains a control character", what);
    if (strlen(val) > SV_LIMIT_CODE_BYTES) {
        char head[40];
        sv__strlcpy(head, val, sizeof head);
        return ferr(c, SV_EFORMAT, "%s \"%s...\" is longer than %d bytes (the limit)", what, head,
                    SV_LIMIT_CODE_BYTES);
    }
    sv__strlcpy(dst, val, SV_CODE_MAX);
    return SV_OK;
}

static int read_epsg(ctx *c, const json_t *v, const char *key, int *out)
{
    long long e = 0;
    *out = 0;
    if (json_is_null(v))
        return SV_OK;
    if (json_is_integer(v)) {
        e = json_integer_value(v);
    } else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
               fabs(json_real_value(v)) < 1e6) {
        e = (long long)json_real_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!*s)
            return SV_OK;
        if (strncasecmp(s, "EPSG:", 5) == 0)
            s += 5;
        char *end;
        errno = 0;
        e = strtoll(s, &end, 10);
        if (errno || end == s || *end)
            return ferr(c, SV_EFORMAT, "property %s \"%.20s\" is not an EPSG code", key,
                        json_string_value(v));
    } else {
        return ferr(c, SV_EFORMAT, "property %s is %s, not an EPSG code", key, json_kind(v));
    }
    if (e == 0)
        return SV_OK;
    if (e < 0 || e > 999999 || !sv_geo_is_gk_epsg((int)e))
        return ferr(c, SV_ECRS,
                    "property %s %lld is not a CGCS2000 3-degree Gauss-Kruger code (4513-4554)",
                    key, e);
    *out = (int)e;
    return SV_OK;
}

static int read_properties(ctx *c, const json_t *props, sv_unit *u)
{
    char *val[P_COUNT] = {0};
    const char *from[P_COUNT] = {0};
    const json_t *num[P_COUNT] = {0};
    const char *key;
    json_t *v;
    int rc = SV_OK;

    if (props && !json_is_null(props) && !json_is_object(props))
        return ferr(c, SV_EFORMAT, "properties are %s, not an object", json_kind(props));
    json_object_foreach((json_t *)props, key, v)
    {
        int found = prop_of(key);
        if (found < 0)
            continue; /* county files carry many other attributes */
        enum prop p = (enum prop)found;
        if (p == P_EPSG || p == P_CM) {
            if (num[p] && !json_equal(num[p], v)) {
                rc = ferr(c, SV_EFORMAT, "properties %s and %s disagree", from[p], key);
                break;
            }
            num[p] = v;
            from[p] = key;
            continue;
        }
        char *t;
        int r = value_text(v, &t);
        if (r == -2) {
            rc = ferr(c, SV_ENOMEM, "out of memory");
            break;
        }
        if (r == -1) {
            rc = ferr(c, SV_EFORMAT, "property %.40s is %s, not text", key, json_kind(v));
            break;
        }
        if (r == -3) {
            rc = ferr(c, SV_EFORMAT,
                      "property %.40s is the number %g, too large to be held exactly (2^53 or "
                      "more): write it as text (\"...\") in the package",
                      key, json_real_value(v));
            break;
        }
        size_t limit = prop_limit[p], chars = sv_text_chars(t);
        if (limit && chars > limit) {
            free(t);
            rc = ferr(c, SV_EFORMAT, "property %.40s has %zu characters; the limit is %zu", key,
                      chars, limit);
            break;
        }
        if (from[p]) {
            int same = (!t && !val[p]) || (t && val[p] && strcmp(t, val[p]) == 0);
            /* An empty duplicate gives way to a filled one; two different values are refused. */
            if (!same && t && val[p]) {
                free(t);
                rc = ferr(c, SV_EFORMAT, "properties %s and %s disagree", from[p], key);
                break;
            }
            if (!t) {
                continue;
            }
            free(val[p]);
        }
        val[p] = t;
        from[p] = key;
    }
    if (rc == SV_OK)
        rc = set_short(c, u->code, val[P_CODE], "code");
    if (rc == SV_OK && !u->code[0])
        rc = ferr(c, SV_EFORMAT, "no unit code (property ZRZYDJDYH or code)");
    if (rc == SV_OK && !sv_unit_code_ok(u->code))
        rc = ferr(c, SV_EFORMAT, "code %s contains '/', '\\' or '..', which no unit code has",
                  u->code);
    if (rc == SV_OK)
        sv__strlcpy(c->code, u->code, sizeof c->code);
    if (rc == SV_OK)
        rc = set_short(c, u->type, val[P_TYPE], "type");
    if (rc == SV_OK && c->have_re) {
        regmatch_t m;
        if (regexec(&c->re, u->code, 1, &m, 0) != 0 || m.rm_so != 0 ||
            (size_t)m.rm_eo != strlen(u->code))
            rc = ferr(c, SV_EFORMAT,
                      "code does not match the code pattern %.80s (the whole code must match it)",
                      c->pattern);
    }
    u->epsg = 0;
    u->central_meridian = NAN;
    if (rc == SV_OK && num[P_EPSG])
        rc = read_epsg(c, num[P_EPSG], from[P_EPSG], &u->epsg);
    if (rc == SV_OK && num[P_CM] && !json_is_null(num[P_CM])) {
        double cm = json_number_value(num[P_CM]);
        if (!json_is_number(num[P_CM]) || !isfinite(cm) || cm < -180 || cm > 180)
            rc = ferr(c, SV_EFORMAT, "property %s is not a longitude in degrees", from[P_CM]);
        else if (u->epsg && fabs(sv_geo_central_meridian((sv_crs){u->epsg, NAN}) - cm) > 1e-9)
            /* The tool's own export writes both; they must then name the same plane. */
            rc = ferr(c, SV_EFORMAT,
                      "properties %s %d (central meridian %g) and %s %g disagree; give one, "
                      "or both for the same zone",
                      from[P_EPSG], u->epsg, sv_geo_central_meridian((sv_crs){u->epsg, NAN}),
                      from[P_CM], cm);
        else if (!u->epsg)
            u->central_meridian = cm;
    }
    if (rc == SV_OK) {
        u->name = val[P_NAME];
        u->location = val[P_LOCATION];
        u->fields[SV_FIELD_OWNER] = val[P_OWNER];
        u->fields[SV_FIELD_REPRESENTATIVE] = val[P_REP];
        u->fields[SV_FIELD_AGENT] = val[P_AGENT];
        u->fields[SV_FIELD_MODE] = val[P_MODE];
        u->fields[SV_FIELD_RIGHTS] = val[P_RIGHTS];
        u->fields[SV_FIELD_MANAGER] = val[P_MANAGER];
        u->control = val[P_CONTROL];
        val[P_NAME] = val[P_LOCATION] = val[P_OWNER] = val[P_REP] = val[P_AGENT] = NULL;
        val[P_MODE] = val[P_RIGHTS] = val[P_MANAGER] = val[P_CONTROL] = NULL;
    }
    for (int i = 0; i < P_COUNT; i++)
        free(val[i]);
    return rc;
}

/* ---- the file ---------------------------------------------------------------------------- */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Set up c->src (and the GK plausibility check) from the top-level "crs" member. */
static int read_crs(ctx *c, const json_t *root, char *crs_out, size_t crs_size, char *note,
                    size_t note_size)
{
    const json_t *crs = json_object_get(root, "crs");
    note[0] = '\0';
    if (!crs || json_is_null(crs)) {
        snprintf(crs_out, crs_size, "EPSG:%d", SV_EPSG_CGCS2000);
        return SV_OK;
    }
    const char *type = json_string_value(json_object_get(crs, "type"));
    const char *name =
        json_string_value(json_object_get(json_object_get(crs, "properties"), "name"));
    if (!json_is_object(crs) || !type)
        return file_err(c, SV_EFORMAT, "the \"crs\" member is malformed");
    if (strcmp(type, "name") != 0)
        return file_err(c, SV_ECRS,
                        "a \"crs\" of type \"%.20s\" is not supported (use a named CRS)", type);
    if (!name || !*name)
        return file_err(c, SV_EFORMAT, "the \"crs\" member names no CRS");

    int epsg = epsg_of(name);
    if (epsg)
        snprintf(crs_out, crs_size, "EPSG:%d", epsg);
    else if (is_crs84(name))
        snprintf(crs_out, crs_size, "OGC:CRS84");
    else
        sv__strlcpy(crs_out, name, crs_size);

    /* Geographic names we know need no transformation and no geodesy handle. */
    if (epsg == SV_EPSG_CGCS2000)
        return SV_OK;
    if (epsg == 4326 || is_crs84(name)) {
        snprintf(note, note_size, ", WGS84 taken as CGCS2000");
        return SV_OK;
    }
    /* Without a geodesy handle only the names above are known; an EPSG code may be fine
     * with one, anything else is refused as unknown. */
    if (!epsg && !c->g)
        return file_err(c, SV_ECRS, "unknown CRS \"%.100s\"", name);
    if (!c->g)
        return file_err(c, SV_EINVAL,
                        "the file is in %.100s; reading it needs a geodesy handle (g is NULL)",
                        name);
    int rc = sv_geo_src_new(c->g, name, &c->src);
    if (rc != SV_OK) {
        c->src = NULL;
        const char *why = sv_geo_errmsg(c->g);
        if (strstr(why, name)) /* the geo module's message already names the CRS */
            sv__diag(c->diag, "%s: %s", c->name, why);
        else
            sv__diag(c->diag, "%s: unknown CRS \"%.100s\": %s", c->name, name, why);
        return rc == SV_ENOMEM ? SV_ENOMEM : SV_ECRS;
    }
    if (sv_geo_src_is_geographic(c->src)) {
        snprintf(note, note_size, ", taken as CGCS2000 lon/lat");
    } else if (epsg >= 4513 && epsg <= 4554) {
        c->gk_epsg = epsg;
        c->gk_prefixed = epsg <= 4533;
        c->gk_zone = epsg <= 4533 ? 25 + (epsg - 4513) : 25 + (epsg - 4534);
    }
    return SV_OK;
}

typedef struct code_ref {
    const char *code;
    size_t index;
} code_ref;

static int cmp_code_ref(const void *a, const void *b)
{
    const code_ref *x = a, *y = b;
    int r = strcmp(x->code, y->code);
    return r ? r : (x->index > y->index) - (x->index < y->index);
}

/* Codes must be unique in the file. Reports the earliest repeat in file order. */
static int check_unique(ctx *c, sv_task_set *set)
{
    if (set->n < 2)
        return SV_OK;
    code_ref *refs = malloc(set->n * sizeof *refs);
    if (!refs)
        return file_err(c, SV_ENOMEM, "out of memory");
    for (size_t i = 0; i < set->n; i++) {
        refs[i].code = set->units[i].code;
        refs[i].index = i;
    }
    qsort(refs, set->n, sizeof *refs, cmp_code_ref);
    size_t dup = (size_t)-1, first = 0;
    for (size_t i = 1; i < set->n; i++) {
        if (strcmp(refs[i].code, refs[i - 1].code) == 0 && refs[i].index < dup) {
            size_t j = i - 1;
            while (j > 0 && strcmp(refs[j - 1].code, refs[i].code) == 0)
                j--;
            dup = refs[i].index;
            first = refs[j].index;
        }
    }
    free(refs);
    if (dup == (size_t)-1)
        return SV_OK;
    c->feature = set->feature[dup] + 1;
    sv__strlcpy(c->code, set->units[dup].code, sizeof c->code);
    return ferr(c, SV_EFORMAT, "duplicate code (also feature %zu)", set->feature[first] + 1);
}

/*
 * A feature of one of the other layers of the tool's own GeoJSON export (the "layer" property
 * export.c writes first in every feature): not a unit. Only these exact names count, so that a
 * county file with a "layer" attribute of its own (CAD layer names) is still read as units. The
 * names come from the export's own layer table, so a layer it gains is known here at once.
 */
static int is_other_layer(const json_t *f)
{
    return sv__ex_geojson_other_layer(
        json_string_value(json_object_get(json_object_get(f, "properties"), "layer")));
}

/* A unit's own plane CRS (its epsg or central meridian property) must be able to hold its
 * draft: a zone whose reach the draft leaves would give the unit no plane figures and no plane
 * layers for ever after. */
static int check_unit_crs(ctx *c, const sv_unit *u)
{
    if ((!u->epsg && isnan(u->central_meridian)) || u->draft.n_pts == 0 || !c->g)
        return SV_OK; /* without a geodesy handle (a lon/lat file read alone): nothing to ask */
    sv_crs crs = {u->epsg, u->epsg ? NAN : u->central_meridian};
    double *xy = malloc(2 * u->draft.n_pts * sizeof *xy);
    if (!xy)
        return ferr(c, SV_ENOMEM, "out of memory");
    int rc = sv_geo_to_plane_n(c->g, crs, u->draft.n_pts, u->draft.lonlat, xy);
    free(xy);
    if (rc == SV_OK)
        return SV_OK;
    return ferr(c, SV_ECRS, "its own CRS cannot hold its draft: %s", sv_geo_errmsg(c->g));
}

static int parse_root(ctx *c, const json_t *root, sv_task_set *set)
{
    char note[64];
    if (!json_is_object(root))
        return file_err(c, SV_EFORMAT, "not a GeoJSON FeatureCollection (the top level is %s)",
                        json_kind(root));
    const char *type = json_string_value(json_object_get(root, "type"));
    if (!type || strcmp(type, "FeatureCollection") != 0)
        return file_err(c, SV_EFORMAT, "not a GeoJSON FeatureCollection (type is %s%.40s%s)",
                        type ? "\"" : "", type ? type : "missing", type ? "\"" : "");
    const json_t *features = json_object_get(root, "features");
    if (!json_is_array(features))
        return file_err(c, SV_EFORMAT, "the FeatureCollection has no \"features\" array");
    int rc = read_crs(c, root, set->crs, sizeof set->crs, note, sizeof note);
    if (rc)
        return rc;

    char source[512];
    snprintf(source, sizeof source, "%s (%s%s)", base_name(c->name), set->crs, note);
    size_t n = json_array_size(features);
    if (n == 0)
        return SV_OK;
    /* A slot per feature (the export holds more than units), never more than the unit limit. */
    size_t cap = n < SV_LIMIT_PACKAGE_UNITS ? n : SV_LIMIT_PACKAGE_UNITS;
    set->units = calloc(cap, sizeof *set->units);
    set->feature = calloc(cap, sizeof *set->feature);
    if (!set->units || !set->feature)
        return file_err(c, SV_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *f = json_array_get(features, i);
        c->feature = i + 1;
        c->code[0] = '\0';
        if (!json_is_object(f))
            return ferr(c, SV_EFORMAT, "is %s, not a Feature object", json_kind(f));
        const char *ft = json_string_value(json_object_get(f, "type"));
        if (!ft || strcmp(ft, "Feature") != 0)
            return ferr(c, SV_EFORMAT, "type is %s%.40s%s, not \"Feature\"", ft ? "\"" : "",
                        ft ? ft : "missing", ft ? "\"" : "");
        if (is_other_layer(f)) {
            set->skipped++;
            continue;
        }
        if (set->n == SV_LIMIT_PACKAGE_UNITS)
            return ferr(c, SV_EFORMAT, "more than %u units in the package (the limit)",
                        SV_LIMIT_PACKAGE_UNITS);
        sv_unit *u = &set->units[set->n];
        set->feature[set->n] = i;
        set->n++; /* so that clearing the set frees this unit too */
        const json_t *fcrs = json_object_get(f, "crs");
        if (fcrs && !json_is_null(fcrs))
            return ferr(c, SV_ECRS,
                        "a feature-level \"crs\" is not supported; name the CRS once, "
                        "at the top of the file");
        rc = read_properties(c, json_object_get(f, "properties"), u);
        if (rc)
            return rc;
        rc = read_geometry(c, json_object_get(f, "geometry"), &u->draft);
        if (rc)
            return rc;
        rc = check_unit_crs(c, u);
        if (rc)
            return rc;
        u->source = strdup(source);
        if (!u->source)
            return ferr(c, SV_ENOMEM, "out of memory");
    }
    return check_unique(c, set);
}

/* Offset of the first byte that does not start a valid UTF-8 sequence (len when none). The
 * sequence length comes from the lead byte; sv_utf8_valid judges overlongs and surrogates. */
static size_t first_invalid_utf8(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)buf[i];
        size_t n = c < 0x80                 ? 1
                   : c >= 0xC2 && c <= 0xDF ? 2
                   : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4
                                            : 0;
        if (n == 0 || n > len - i || !sv_utf8_valid(buf + i, n))
            return i;
        i += n;
    }
    return len;
}

int sv_tasks_parse(const char *name, const char *buf, size_t len, sv_geo *g,
                   const char *code_pattern, sv_task_set *out, sv_diag *diag)
{
    char where[64];
    if (!name)
        name = "(buffer)";
    if (!out || (!buf && len > 0)) {
        sv__diag(diag, "%s: sv_tasks_parse: invalid arguments", name);
        if (out)
            memset(out, 0, sizeof *out);
        return SV_EINVAL;
    }
    memset(out, 0, sizeof *out);
    if (len > SV_TASKS_MAX_BYTES) {
        sv__diag(diag, "%s: %zu bytes is larger than the %u MiB limit for a task package", name,
                 len, SV_TASKS_MAX_BYTES >> 20);
        return SV_EFORMAT;
    }
    /* Windows tools write a byte-order mark that JSON does not allow. */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    size_t first = 0;
    while (first < len &&
           (buf[first] == ' ' || buf[first] == '\t' || buf[first] == '\n' || buf[first] == '\r'))
        first++;
    if (first == len) {
        sv__diag(diag, "%s: empty file (no JSON)", name);
        return SV_EFORMAT;
    }
    /* UTF-16 and UTF-32 say what they are in their byte-order mark (Windows tools write them) */
    const unsigned char *u = (const unsigned char *)buf;
    const char *wide = len >= 4 && u[0] == 0xFF && u[1] == 0xFE && !u[2] && !u[3]   ? "UTF-32LE"
                       : len >= 4 && !u[0] && !u[1] && u[2] == 0xFE && u[3] == 0xFF ? "UTF-32BE"
                       : len >= 2 && u[0] == 0xFF && u[1] == 0xFE                   ? "UTF-16LE"
                       : len >= 2 && u[0] == 0xFE && u[1] == 0xFF                   ? "UTF-16BE"
                                                                                    : NULL;
    if (wide) {
        sv__diag(diag,
                 "%s: the file is %s (its byte-order mark says so), not UTF-8: convert it with "
                 "iconv -f %s -t UTF-8",
                 name, wide, wide);
        return SV_EFORMAT;
    }
    if (!sv_utf8_valid(buf, len)) {
        size_t bad = first_invalid_utf8(buf, len), line = 1, col = 1;
        for (size_t i = 0; i < bad; i++) {
            if (buf[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        sv__diag(diag,
                 "%s: %sline %zu, column %zu: not UTF-8 (in another encoding such as GBK? "
                 "convert it, e.g. iconv -f GBK -t UTF-8)",
                 name, feature_at(buf, len, bad, where, sizeof where), line, col);
        return SV_EFORMAT;
    }
    scan_res sr;
    scan_json(buf, len, len, &sr);
    if (sr.deep_at != (size_t)-1) {
        size_t line = 1, col = 1;
        for (size_t i = 0; i < sr.deep_at; i++) {
            if (buf[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        if (sr.feature)
            snprintf(where, sizeof where, "%sfeature %zu: ", sr.in_feature ? "" : "after ",
                     sr.feature);
        else
            where[0] = '\0';
        sv__diag(diag, "%s: %sline %zu, column %zu: JSON nested deeper than %d levels", name, where,
                 line, col, SV_TASKS_MAX_DEPTH);
        return SV_EFORMAT;
    }

    ctx c;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.diag = diag;
    c.g = g;
    c.part = "";
    if (code_pattern) {
        int r = regcomp(&c.re, code_pattern, REG_EXTENDED);
        if (r != 0) {
            char msg[128];
            regerror(r, &c.re, msg, sizeof msg);
            sv__diag(diag, "%s: code pattern \"%.60s\" is not a valid regular expression: %s", name,
                     code_pattern, msg);
            return SV_EINVAL;
        }
        c.have_re = 1;
        c.pattern = code_pattern;
    }

    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc;
    if (!root) {
        int truncated = json_error_code(&jerr) == json_error_premature_end_of_input;
        if (json_error_code(&jerr) == json_error_out_of_memory) {
            sv__diag(diag, "%s: out of memory reading JSON", name);
            rc = SV_ENOMEM;
        } else {
            sv__diag(diag, "%s: %sinvalid JSON at line %d, column %d: %s%s", name,
                     feature_at(buf, len, (size_t)(jerr.position > 0 ? jerr.position : 0), where,
                                sizeof where),
                     jerr.line, jerr.column,
                     json_error_code(&jerr) == json_error_null_character
                         ? "a NUL character (\\u0000), which no text may hold"
                         : jerr.text,
                     truncated ? " (file truncated?)" : "");
            rc = SV_EFORMAT;
        }
    } else {
        rc = parse_root(&c, root, out);
        json_decref(root);
    }
    if (c.have_re)
        regfree(&c.re);
    sv_geo_src_free(c.src);
    if (rc != SV_OK)
        sv_task_set_clear(out);
    return rc;
}

int sv_tasks_read(const char *path, sv_geo *g, const char *code_pattern, sv_task_set *out,
                  sv_diag *diag)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!path || !out) {
        sv__diag(diag, "sv_tasks_read: invalid arguments");
        return SV_EINVAL;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        int e = errno;
        sv__diag(diag, "%s: %s", path, strerror(e));
        return e == ENOENT || e == ENOTDIR ? SV_ENOTFOUND : SV_EIO;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(fp);
        sv__diag(diag, "%s: is a directory", path);
        return SV_EIO;
    }
    if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
        (uintmax_t)st.st_size > SV_TASKS_MAX_BYTES) {
        fclose(fp);
        sv__diag(diag, "%s: %jd bytes is larger than the %u MiB limit for a task package", path,
                 (intmax_t)st.st_size, SV_TASKS_MAX_BYTES >> 20);
        return SV_EFORMAT;
    }
    /* Read to EOF rather than trusting st_size: pipes and files that change while read. */
    size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
    size_t len = 0;
    char *buf = malloc(cap);
    int rc = buf ? SV_OK : SV_ENOMEM;
    while (rc == SV_OK) {
        if (len == cap) {
            if (cap > SV_TASKS_MAX_BYTES) { /* one byte over the limit was read */
                sv__diag(diag, "%s: larger than the %u MiB limit for a task package", path,
                         SV_TASKS_MAX_BYTES >> 20);
                rc = SV_EFORMAT;
                break;
            }
            size_t ncap = cap * 2 > SV_TASKS_MAX_BYTES ? SV_TASKS_MAX_BYTES + 1 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                rc = SV_ENOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) {
            if (ferror(fp)) {
                sv__diag(diag, "%s: read error: %s", path, strerror(errno));
                rc = SV_EIO;
            }
            break;
        }
    }
    fclose(fp);
    if (rc == SV_ENOMEM) {
        free(buf);
        sv__diag(diag, "%s: out of memory", path);
        return SV_ENOMEM;
    }
    if (rc == SV_OK)
        rc = sv_tasks_parse(path, buf, len, g, code_pattern, out, diag);
    free(buf);
    return rc;
}

/* ---- recording ------------------------------------------------------------------------------- */

/* Record a validated set in one batch: all or nothing. */
static int record_set(sv_journal *j, const char *name, sv_task_set *set, sv_tasks_note_fn note,
                      void *note_ctx, sv_tasks_report *rep, sv_diag *diag)
{
    rep->units = set->n;
    rep->skipped = set->skipped;
    sv__strlcpy(rep->crs, set->crs, sizeof rep->crs);
    int rc = sv_journal_begin(j);
    int64_t before = sv_journal_last_seq(j);
    size_t added = 0, unchanged = 0, odd = 0, reverify = 0;
    int jepsg;
    double jcm;
    sv_journal_default_crs(j, &jepsg, &jcm);
    double cm = sv_geo_central_meridian(sv_geo_choose(0, NAN, jepsg, jcm, NAN)); /* NaN: none */
    for (size_t i = 0; rc == SV_OK && i < set->n; i++) {
        const sv_unit *u = &set->units[i];
        int64_t seq = 0;
        int counted = sv__state_verifications_counting(j, u->code);
        rc = sv_record_unit(j, u, &seq);
        if (rc != SV_OK)
            break;
        if (seq <= before) {
            unchanged++;
        } else {
            added++;
            /* a changed registered value: the crew's answer about it stops counting (each
             * field counted, not the difference: one may stop as another comes back) */
            int now = counted > 0 ? sv__state_verifications_counting(j, u->code) : counted;
            for (int f = 0; counted > 0 && now >= 0 && f < SV_FIELD_COUNT; f++)
                reverify += (counted & (1 << f)) && !(now & (1 << f));
        }
        if (u->type[0] && !sv_state_code_known(j, "unit-type", u->type)) {
            odd++;
            if (note)
                note(note_ctx, u);
        }
        /* a unit the journal's default plane does not suit (the wrong zone given at init):
         * judged by how far its farthest draft position lies from the central meridian, so a
         * unit just across the zone's edge is not meant */
        double zlon, far = 0;
        for (size_t k = 0; isfinite(cm) && k < u->draft.n_pts; k++)
            far = fmax(far, fabs(u->draft.lonlat[2 * k] - cm));
        if (!u->epsg && isnan(u->central_meridian) && isfinite(cm) &&
            far > 1.5 + SV_TASKS_ZONE_SLACK_DEG && !rep->off_zone++) {
            sv__strlcpy(rep->off_zone_unit, u->code, sizeof rep->off_zone_unit);
            rep->off_zone_deg = far;
            rep->off_zone_epsg =
                sv_geom_zone_lon(&u->draft, &zlon) == SV_OK ? sv_geo_default_epsg(zlon) : 0;
        }
    }
    if (rc == SV_OK)
        rc = sv_journal_commit(j);
    else
        sv_journal_rollback(j);
    if (rc != SV_OK) {
        sv__diag(diag, "%s: nothing imported: %s", name, sv_journal_errmsg(j));
        return rc;
    }
    rep->added = added;
    rep->unchanged = unchanged;
    rep->odd_types = odd;
    rep->reverify = reverify;
    return SV_OK;
}

/* The shared sequence: a geodesy handle when the caller has none, the journal's code pattern,
 * read (from buf, or from the file name when buf is NULL), record. */
static int import(sv_journal *j, const char *name, const char *buf, size_t len, sv_geo *g,
                  sv_tasks_note_fn note, void *note_ctx, sv_tasks_report *rep, sv_diag *diag)
{
    sv_tasks_report dummy;
    if (!rep)
        rep = &dummy;
    memset(rep, 0, sizeof *rep);
    if (!j || !name) {
        sv__diag(diag, "sv_tasks_import: invalid arguments");
        return SV_EINVAL;
    }
    sv_geo *own = NULL;
    if (!g && sv_geo_new(&own) == SV_OK)
        g = own; /* without one only lon/lat packages can be read, which says so itself */
    const char *pattern = sv_state_config(j, "unit.code-pattern", NULL);
    if (pattern && !*pattern)
        pattern = NULL;
    sv_task_set set;
    int rc = buf ? sv_tasks_parse(name, buf, len, g, pattern, &set, diag)
                 : sv_tasks_read(name, g, pattern, &set, diag);
    if (rc == SV_OK)
        rc = record_set(j, name, &set, note, note_ctx, rep, diag);
    sv_task_set_clear(&set);
    sv_geo_free(own);
    return rc;
}

int sv_tasks_import_file(sv_journal *j, const char *path, sv_geo *g, sv_tasks_note_fn note,
                         void *note_ctx, sv_tasks_report *rep, sv_diag *diag)
{
    return import(j, path, NULL, 0, g, note, note_ctx, rep, diag);
}

int sv_tasks_import_buf(sv_journal *j, const char *name, const char *buf, size_t len, sv_geo *g,
                        sv_tasks_note_fn note, void *note_ctx, sv_tasks_report *rep, sv_diag *diag)
{
    if (!buf && len) {
        sv__diag(diag, "%s: sv_tasks_import_buf: invalid arguments", name ? name : "(buffer)");
        if (rep)
            memset(rep, 0, sizeof *rep);
        return SV_EINVAL;
    }
    return import(j, name ? name : "(buffer)", buf ? buf : "", len, g, note, note_ctx, rep, diag);
}
