/*
 * export.c - the journal's current state out to the formats the county office opens:
 * GeoPackage (through the private writer in gpkg.c), RFC 7946 GeoJSON (jansson) and the CSV
 * boundary-point table.
 *
 * It only reads: the state through state.h, plane coordinates and areas through geo.h. It
 * must never write to the journal, never drop a unit, point or line silently, and never leave
 * a partial file under the target name: every format is written to a temporary file beside
 * the target and renamed into place when complete. An unusable plane CRS (say a unit's EPSG
 * code that is no Gauss-Krueger zone) fails the export with a message. A single position
 * that geo.c refuses in the unit's otherwise valid CRS does not: the feature is still written,
 * with its geographic geometry, and with empty plane coordinates and no plane geometry, where
 * the office sees it. Whether a position is too far from the zone to be meaningful is geo.c's
 * call (its "zone reach": more than 1000 km from the central meridian is refused); this file
 * takes what sv_geo_to_plane_n returns, NaN for exactly the refused positions of a batch. A
 * unit's or walk's ellipsoidal area and perimeter do not depend on the plane CRS and are
 * given even then; only its plane area stays empty.
 *
 * GeoPackage layers. Every attribute is in the EPSG:4490 layers (units, boundary_points,
 * boundary_lines, walked_polygons, tracks); signatures, which have no geometry, are the
 * attributes table "signatures" (in GeoJSON, features with a null geometry). The copy of each
 * layer in each Gauss-Krueger zone in use (units_4522, boundary_points_4522, ...; "_cm103_5"
 * for a custom meridian) carries the plane geometry and a slim column set: what identifies the
 * feature and joins it to its EPSG:4490 row (unit / code, number or from_point / to_point,
 * track, seq / line_seq / first_seq, last_seq), its plane coordinates and CRS (x_north, y_east,
 * epsg, central_meridian), the plane and ground measures (area_m2, plane_area_m2, perimeter_m,
 * length_m, plane_length_m, ...), and what a plane coordinate's quality is judged by: h, grade,
 * n, sigma_e / sigma_n / sigma_u, point_type, marker. Registration fields and their
 * verification, the full GNSS record (DOPs, satellites, correction age, duration, dropped
 * epochs, datum), offsets, flags, notes, times, device, crew and line descriptions are written
 * once, in EPSG:4490 (see unit_zone, point_zone, ... below). Nothing is lost, and a zone copy
 * of a boundary point is less than half the size of its full row.
 *
 * Coordinates: geographic output is CGCS2000 longitude/latitude (x = lon, y = lat, in GeoJSON
 * and in GeoPackage geometry alike); plane output is the unit's Gauss-Krueger CRS with
 * x = easting, y = northing in geometry, and the attribute columns say x_north / y_east (and
 * the CSV X = northing, Y = easting, as Chinese cadastral tables do).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "gpkg.h"
#include "internal.h"
#include "summary_int.h"
#include "survey/export.h"
#include "survey/geom.h"

int sv_export_format_parse(const char *name, sv_export_format *out)
{
    if (!name || !out)
        return SV_EINVAL;
    if (strcasecmp(name, "gpkg") == 0 || strcasecmp(name, "geopackage") == 0)
        *out = SV_EXPORT_GPKG;
    else if (strcasecmp(name, "geojson") == 0 || strcasecmp(name, "json") == 0)
        *out = SV_EXPORT_GEOJSON;
    else if (strcasecmp(name, "csv") == 0)
        *out = SV_EXPORT_CSV;
    else
        return SV_EINVAL;
    return SV_OK;
}

/* ---- Layer schemas ------------------------------------------------------------------------ */

/* The same names serve as GeoPackage columns and GeoJSON properties, so a value is called the
 * same in every file the office receives. */

enum {
    UC_CODE,
    UC_NAME,
    UC_TYPE,
    UC_LOCATION,
    UC_FIELD0, /* owner .. manager: the registered values, in sv_field order */
    UC_CONTROL = UC_FIELD0 + SV_FIELD_COUNT,
    UC_VERIFY0, /* per field: <field>_status, <field>_value, <field>_note */
    UC_EPSG = UC_VERIFY0 + 3 * SV_FIELD_COUNT,
    UC_CM,
    UC_AREA,
    UC_PLANE_AREA,
    UC_PERIMETER,
    UC_POINTS,
    UC_SOURCE,
    UC_SEQ,
    UC_SURVEYED,
    UC_SURVEYED_PLANE,
    UC_SURVEYED_VALID,
    UC_SURVEYED_REASON,
    UC_COUNT
};

static const sv__gpkg_column unit_cols[] = {
    {"code", SV__GPKG_TEXT},
    {"name", SV__GPKG_TEXT},
    {"type", SV__GPKG_TEXT},
    {"location", SV__GPKG_TEXT},
    {"owner", SV__GPKG_TEXT},
    {"representative", SV__GPKG_TEXT},
    {"agent", SV__GPKG_TEXT},
    {"mode", SV__GPKG_TEXT},
    {"rights", SV__GPKG_TEXT},
    {"manager", SV__GPKG_TEXT},
    {"control", SV__GPKG_TEXT},
    {"owner_status", SV__GPKG_TEXT},
    {"owner_value", SV__GPKG_TEXT},
    {"owner_note", SV__GPKG_TEXT},
    {"representative_status", SV__GPKG_TEXT},
    {"representative_value", SV__GPKG_TEXT},
    {"representative_note", SV__GPKG_TEXT},
    {"agent_status", SV__GPKG_TEXT},
    {"agent_value", SV__GPKG_TEXT},
    {"agent_note", SV__GPKG_TEXT},
    {"mode_status", SV__GPKG_TEXT},
    {"mode_value", SV__GPKG_TEXT},
    {"mode_note", SV__GPKG_TEXT},
    {"rights_status", SV__GPKG_TEXT},
    {"rights_value", SV__GPKG_TEXT},
    {"rights_note", SV__GPKG_TEXT},
    {"manager_status", SV__GPKG_TEXT},
    {"manager_value", SV__GPKG_TEXT},
    {"manager_note", SV__GPKG_TEXT},
    {"epsg", SV__GPKG_INTEGER},
    {"central_meridian", SV__GPKG_REAL},
    {"area_m2", SV__GPKG_REAL},
    {"plane_area_m2", SV__GPKG_REAL},
    {"perimeter_m", SV__GPKG_REAL},
    {"points", SV__GPKG_INTEGER},
    {"source", SV__GPKG_TEXT},
    {"seq", SV__GPKG_INTEGER},
    /* the unit summary's surveyed polygon (boundary points in number order, summary.h) */
    {"surveyed_area_m2", SV__GPKG_REAL},
    {"surveyed_plane_area_m2", SV__GPKG_REAL},
    {"surveyed_valid", SV__GPKG_BOOLEAN},
    {"surveyed_invalid_reason", SV__GPKG_TEXT},
};
_Static_assert(sizeof unit_cols / sizeof unit_cols[0] == UC_COUNT, "unit columns");

enum {
    PC_UNIT,
    PC_NUMBER,
    PC_TYPE,
    PC_MARKER,
    PC_LAT,
    PC_LON,
    PC_H,
    PC_XN,
    PC_YE,
    PC_EPSG,
    PC_CM,
    PC_GRADE,
    PC_MODE,
    PC_STATUS,
    PC_SATS,
    PC_SEEN,
    PC_HDOP,
    PC_VDOP,
    PC_PDOP,
    PC_EPH,
    PC_EPV,
    PC_CAGE,
    PC_N,
    PC_DURATION,
    PC_SE,
    PC_SN,
    PC_SU,
    PC_DROPPED,
    PC_OFFSET,
    PC_MANUAL,
    PC_STALE,
    PC_OVERRIDE,
    PC_REASON,
    PC_OFF_LAT,
    PC_OFF_LON,
    PC_OFF_DIST,
    PC_OFF_BRG,
    PC_OFF_DH,
    PC_DATUM,
    PC_NOTE,
    PC_RECORDED,
    PC_SEQ,
    PC_DEVICE,
    PC_CREW,
    PC_COUNT
};

static const sv__gpkg_column point_cols[] = {
    {"unit", SV__GPKG_TEXT},
    {"number", SV__GPKG_TEXT},
    {"point_type", SV__GPKG_TEXT},
    {"marker", SV__GPKG_TEXT},
    {"lat", SV__GPKG_REAL},
    {"lon", SV__GPKG_REAL},
    {"h", SV__GPKG_REAL},
    {"x_north", SV__GPKG_REAL},
    {"y_east", SV__GPKG_REAL},
    {"epsg", SV__GPKG_INTEGER},
    {"central_meridian", SV__GPKG_REAL},
    {"grade", SV__GPKG_TEXT},
    {"mode", SV__GPKG_INTEGER},
    {"status", SV__GPKG_INTEGER},
    {"sats", SV__GPKG_INTEGER},
    {"sats_seen", SV__GPKG_INTEGER},
    {"hdop", SV__GPKG_REAL},
    {"vdop", SV__GPKG_REAL},
    {"pdop", SV__GPKG_REAL},
    {"eph", SV__GPKG_REAL},
    {"epv", SV__GPKG_REAL},
    {"corr_age", SV__GPKG_REAL},
    {"n", SV__GPKG_INTEGER},
    {"duration_s", SV__GPKG_REAL},
    {"sigma_e", SV__GPKG_REAL},
    {"sigma_n", SV__GPKG_REAL},
    {"sigma_u", SV__GPKG_REAL},
    {"dropped", SV__GPKG_INTEGER},
    {"offset", SV__GPKG_BOOLEAN},
    {"manual", SV__GPKG_BOOLEAN},
    {"stale", SV__GPKG_BOOLEAN},
    {"override", SV__GPKG_BOOLEAN},
    {"override_reason", SV__GPKG_TEXT},
    {"offset_from_lat", SV__GPKG_REAL},
    {"offset_from_lon", SV__GPKG_REAL},
    {"offset_distance_m", SV__GPKG_REAL},
    {"offset_bearing_deg", SV__GPKG_REAL},
    {"offset_dh", SV__GPKG_REAL},
    {"datum", SV__GPKG_TEXT},
    {"note", SV__GPKG_TEXT},
    {"recorded", SV__GPKG_DATETIME},
    {"seq", SV__GPKG_INTEGER},
    {"device", SV__GPKG_TEXT},
    {"crew", SV__GPKG_TEXT},
};
_Static_assert(sizeof point_cols / sizeof point_cols[0] == PC_COUNT, "point columns");

enum {
    LC_UNIT,
    LC_FROM,
    LC_TO,
    LC_CATEGORY,
    LC_POSITION,
    LC_NATURE,
    LC_NEIGHBOUR,
    LC_LENGTH,
    LC_PLANE_LENGTH,
    LC_SEQ,
    LC_COUNT
};

static const sv__gpkg_column line_cols[] = {
    {"unit", SV__GPKG_TEXT},           {"from_point", SV__GPKG_TEXT},
    {"to_point", SV__GPKG_TEXT},       {"category", SV__GPKG_TEXT},
    {"position", SV__GPKG_TEXT},       {"nature", SV__GPKG_TEXT},
    {"neighbour", SV__GPKG_TEXT},      {"length_m", SV__GPKG_REAL},
    {"plane_length_m", SV__GPKG_REAL}, {"line_seq", SV__GPKG_INTEGER},
};
_Static_assert(sizeof line_cols / sizeof line_cols[0] == LC_COUNT, "line columns");

enum {
    WC_UNIT,
    WC_VERTICES,
    WC_AREA,
    WC_PLANE_AREA,
    WC_PERIMETER,
    WC_CLOSING,
    WC_EPSG,
    WC_CM,
    WC_FIRST,
    WC_LAST,
    WC_VALID,
    WC_REASON,
    WC_COUNT
};

static const sv__gpkg_column walked_cols[] = {
    {"unit", SV__GPKG_TEXT},         {"vertices", SV__GPKG_INTEGER},
    {"area_m2", SV__GPKG_REAL},      {"plane_area_m2", SV__GPKG_REAL},
    {"perimeter_m", SV__GPKG_REAL},  {"closing_m", SV__GPKG_REAL},
    {"epsg", SV__GPKG_INTEGER},      {"central_meridian", SV__GPKG_REAL},
    {"first_seq", SV__GPKG_INTEGER}, {"last_seq", SV__GPKG_INTEGER},
    {"valid", SV__GPKG_BOOLEAN},     {"invalid_reason", SV__GPKG_TEXT},
};
_Static_assert(sizeof walked_cols / sizeof walked_cols[0] == WC_COUNT, "walked columns");

enum {
    TC_UNIT,
    TC_TRACK,
    TC_VERTICES,
    TC_JUMPS,
    TC_LENGTH,
    TC_START,
    TC_END,
    TC_FIRST,
    TC_LAST,
    TC_COUNT
};

static const sv__gpkg_column track_cols[] = {
    {"unit", SV__GPKG_TEXT},         {"track", SV__GPKG_INTEGER},
    {"vertices", SV__GPKG_INTEGER},  {"jumps", SV__GPKG_INTEGER},
    {"length_m", SV__GPKG_REAL},     {"start_time", SV__GPKG_DATETIME},
    {"end_time", SV__GPKG_DATETIME}, {"first_seq", SV__GPKG_INTEGER},
    {"last_seq", SV__GPKG_INTEGER},
};
_Static_assert(sizeof track_cols / sizeof track_cols[0] == TC_COUNT, "track columns");

/*
 * The columns of the per-zone copies (units_4522, boundary_points_4522, ...), a subset of the
 * EPSG:4490 layer's in the same order: what identifies the feature (unit, code, number, seq:
 * the keys to join it to the EPSG:4490 layer), its plane coordinates and CRS, and the plane
 * measures and quality figures the office judges them by. Everything else (registration
 * fields and their verification, the full GNSS record, offsets, notes, times, device, crew,
 * line descriptions) is in the EPSG:4490 layer only, written once: see the file comment.
 */
static const unsigned char unit_zone[] = {
    UC_CODE,      UC_NAME,   UC_EPSG, UC_CM,       UC_AREA,           UC_PLANE_AREA,
    UC_PERIMETER, UC_POINTS, UC_SEQ,  UC_SURVEYED, UC_SURVEYED_PLANE, UC_SURVEYED_VALID};
static const unsigned char point_zone[] = {PC_UNIT, PC_NUMBER, PC_TYPE, PC_MARKER, PC_H,
                                           PC_XN,   PC_YE,     PC_EPSG, PC_CM,     PC_GRADE,
                                           PC_N,    PC_SE,     PC_SN,   PC_SU,     PC_SEQ};
static const unsigned char line_zone[] = {LC_UNIT,   LC_FROM,         LC_TO,
                                          LC_LENGTH, LC_PLANE_LENGTH, LC_SEQ};
static const unsigned char walked_zone[] = {WC_UNIT,      WC_VERTICES, WC_AREA, WC_PLANE_AREA,
                                            WC_PERIMETER, WC_CLOSING,  WC_EPSG, WC_CM,
                                            WC_FIRST,     WC_LAST,     WC_VALID};
static const unsigned char track_zone[] = {TC_UNIT,   TC_TRACK, TC_VERTICES,
                                           TC_LENGTH, TC_FIRST, TC_LAST};

/* Signatures (指界签字): an attributes table, no geometry (GeoPackage); GeoJSON features with
 * a null geometry. The strokes are the journal's [[x, y, x, y, ...], ...] in pad units
 * (0..SV_SIG_PAD); covers is the boundary digest the signer was shown and covers_current
 * whether it is still the unit's boundary in the journal the signature came from. */
enum {
    SC_UNIT,
    SC_PARTY,
    SC_SIGNER,
    SC_ROLE,
    SC_SIGNED,
    SC_STROKE_COUNT,
    SC_STROKES,
    SC_COVERS,
    SC_CURRENT,
    SC_SEQ,
    SC_DEVICE,
    SC_CREW,
    SC_COUNT
};

static const sv__gpkg_column sig_cols[] = {
    {"unit", SV__GPKG_TEXT},    {"party", SV__GPKG_TEXT},      {"signer", SV__GPKG_TEXT},
    {"role", SV__GPKG_TEXT},    {"signed", SV__GPKG_DATETIME}, {"stroke_count", SV__GPKG_INTEGER},
    {"strokes", SV__GPKG_TEXT}, {"covers", SV__GPKG_TEXT},     {"covers_current", SV__GPKG_BOOLEAN},
    {"seq", SV__GPKG_INTEGER},  {"device", SV__GPKG_TEXT},     {"crew", SV__GPKG_TEXT},
};
_Static_assert(sizeof sig_cols / sizeof sig_cols[0] == SC_COUNT, "signature columns");

#define MAX_COLS 64 /* of any layer */
_Static_assert(UC_COUNT <= MAX_COLS && PC_COUNT <= MAX_COLS && LC_COUNT <= MAX_COLS &&
                   WC_COUNT <= MAX_COLS && TC_COUNT <= MAX_COLS,
               "MAX_COLS");

enum { LY_UNITS, LY_POINTS, LY_LINES, LY_WALKED, LY_TRACKS, LY_COUNT };

static const struct {
    const char *name;    /* table name in EPSG:4490; plane tables get a suffix */
    const char *title;   /* gpkg_contents description */
    const char *geojson; /* "layer" property in GeoJSON */
    sv__gpkg_geomtype type;
    const sv__gpkg_column *cols;
    size_t n_cols;
    const unsigned char *zone; /* columns of the plane copies */
    size_t n_zone;
} layers[LY_COUNT] = {
    {"units", "登记单元 registration units", "unit", SV__GPKG_MULTIPOLYGON, unit_cols, UC_COUNT,
     unit_zone, sizeof unit_zone},
    {"boundary_points", "界址点 boundary points", "boundary_point", SV__GPKG_POINT, point_cols,
     PC_COUNT, point_zone, sizeof point_zone},
    {"boundary_lines", "界址线 boundary lines", "boundary_line", SV__GPKG_LINESTRING, line_cols,
     LC_COUNT, line_zone, sizeof line_zone},
    {"walked_polygons", "实测范围 walked boundaries", "walked_polygon", SV__GPKG_POLYGON,
     walked_cols, WC_COUNT, walked_zone, sizeof walked_zone},
    {"tracks", "行走轨迹 walk tracks", "track", SV__GPKG_LINESTRING, track_cols, TC_COUNT,
     track_zone, sizeof track_zone},
};

/* ---- The export context --------------------------------------------------------------------- */

/* One output CRS and its GeoPackage layers. Set 0 is always CGCS2000 geographic. */
typedef struct outset {
    sv_crs crs;
    int srs_id;
    char suffix[32]; /* "", "_4522", "_cm103_5" */
    sv__gpkg_layer *lay[LY_COUNT];
} outset;

#define MAX_SETS 64 /* distinct plane CRSs in one export; a county uses two or three */

typedef struct ukey {
    const char *code;
    size_t idx;
} ukey;

/* A line record keyed by its unordered pair of points. */
typedef struct lkey {
    const char *unit, *a, *b; /* a <= b */
    size_t idx;
} lkey;

/* A vertex in a sort order. */
typedef struct vkey {
    const char *unit;
    int64_t track, seq;
    size_t idx;
    size_t src; /* journal the vertex came from (walked polygons are per unit and journal) */
} vkey;

/* Per source journal: its default plane CRS and whom its features are attributed to. */
typedef struct jsrc {
    int epsg;
    double cm;
    const char *device, *crew;
} jsrc;

typedef struct ex {
    sv_journal *const *js; /* the journals exported together; the first has precedence */
    size_t n_js;
    jsrc *src; /* [n_js] */
    sv_geo *g;
    sv_diag *diag;
    const char *path;

    sv_unit *units;
    size_t n_units;
    sv_bpoint *pts;
    size_t n_pts;
    sv_vertex *vx;
    size_t n_vx;
    sv_bline *lines;
    size_t n_lines;
    sv_verification *ver;
    size_t n_ver;
    sv_signature *sigs;
    size_t n_sigs;
    /* The journal each unit, point, vertex, verification and signature came from (all 0 for
     * one). */
    size_t *unit_src, *pt_src, *vx_src, *ver_src, *sig_src;

    ukey *ukeys;                    /* units sorted by code */
    int *unit_set;                  /* [n_units] plane set, or -1 */
    const sv_verification **ver_of; /* [n_units * SV_FIELD_COUNT] latest per field */
    int *unit_points;               /* [n_units] boundary points per unit */
    size_t *unit_pt0;               /* [n_units] index of its first point in pts (pts are
                                     * grouped by unit), SIZE_MAX without points */
    sv_unit_summary *usum;          /* [n_units] the unit summary's draft and surveyed parts */
    int *pt_set;                    /* [n_pts] */
    double *pt_ne;                  /* [2 n_pts] north, east (NaN without a plane set) */
    int *vx_set;
    double *vx_ne;
    vkey *vx_by_unit;  /* by unit, seq */
    vkey *vx_by_track; /* by unit, track, seq */
    lkey *lkeys;       /* line records by unit and point pair */
    unsigned char *line_used;

    outset sets[MAX_SETS];
    size_t n_sets;
    /* Per layer: the plane copies' columns, and each full column's index among them (-1 for
     * a column the plane copies do not carry). */
    sv__gpkg_column zcols[LY_COUNT][MAX_COLS];
    signed char zmap[LY_COUNT][MAX_COLS];

    int bom; /* CSV: a UTF-8 byte-order mark first */

    double *scratch; /* coordinates of the feature being written */
    size_t scratch_cap;
    double *scratch2;
    size_t scratch2_cap;
} ex;

static int fail_nomem(ex *x)
{
    sv__diag(x->diag, "%s: out of memory", x->path);
    return SV_ENOMEM;
}

static int fail_geo(ex *x, int rc, const char *what)
{
    sv__diag(x->diag, "%s: %s: %s", x->path, what, sv_geo_errmsg(x->g));
    return rc == SV_ENOMEM ? SV_ENOMEM : SV_ECRS;
}

/* Grow a scratch array to hold n doubles. */
static int reserve(ex *x, double **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return SV_OK;
    if (n > SIZE_MAX / sizeof(double) / 2)
        return fail_nomem(x);
    size_t c = *cap ? *cap : 256;
    while (c < n)
        c *= 2;
    double *b = realloc(*buf, c * sizeof *b);
    if (!b)
        return fail_nomem(x);
    *buf = b;
    *cap = c;
    return SV_OK;
}

static int crs_valid(sv_crs c)
{
    return c.epsg != 0 || isfinite(c.central_meridian);
}

static int crs_equal(sv_crs a, sv_crs b)
{
    return a.epsg == b.epsg && (a.epsg != 0 || a.central_meridian == b.central_meridian);
}

/* The plane set for crs, added on first use; -1 for an invalid CRS. */
static int set_for(ex *x, sv_crs crs)
{
    if (!crs_valid(crs))
        return -1;
    for (size_t i = 1; i < x->n_sets; i++)
        if (crs_equal(x->sets[i].crs, crs))
            return (int)i;
    if (x->n_sets == MAX_SETS)
        return -2;
    outset *s = &x->sets[x->n_sets];
    memset(s, 0, sizeof *s);
    s->crs = crs;
    if (crs.epsg) {
        s->srs_id = crs.epsg;
        snprintf(s->suffix, sizeof s->suffix, "_%d", crs.epsg);
    } else {
        /* A custom central meridian has no EPSG code: a private srs_id above the EPSG range,
         * derived from the meridian so the same CRS gets the same id in every export. */
        double cm = crs.central_meridian;
        s->srs_id = 1000000 + (int)lround(fabs(cm) * 1000.0) + (cm < 0 ? 500000 : 0);
        char buf[24];
        snprintf(buf, sizeof buf, "%g", fabs(cm));
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = '_';
        snprintf(s->suffix, sizeof s->suffix, "_cm%s%s", cm < 0 ? "w" : "", buf);
    }
    return (int)x->n_sets++;
}

static int cmp_ukey(const void *a, const void *b)
{
    return strcmp(((const ukey *)a)->code, ((const ukey *)b)->code);
}

static long unit_find(const ex *x, const char *code)
{
    ukey k = {code, 0};
    const ukey *f = bsearch(&k, x->ukeys, x->n_units, sizeof k, cmp_ukey);
    return f ? (long)f->idx : -1;
}

static int cmp_lkey(const void *a, const void *b)
{
    const lkey *x = a, *y = b;
    int c = strcmp(x->unit, y->unit);
    if (!c)
        c = strcmp(x->a, y->a);
    if (!c)
        c = strcmp(x->b, y->b);
    return c;
}

static int cmp_vkey_seq(const void *a, const void *b)
{
    const vkey *x = a, *y = b;
    int c = strcmp(x->unit, y->unit);
    if (c)
        return c;
    if (x->src != y->src)
        return (x->src > y->src) - (x->src < y->src);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int cmp_vkey_track(const void *a, const void *b)
{
    const vkey *x = a, *y = b;
    int c = strcmp(x->unit, y->unit);
    if (c)
        return c;
    if (x->track != y->track)
        return (x->track > y->track) - (x->track < y->track);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The line record between points a and b of unit (either direction), or NULL. Several
 * records for one pair (should the state keep corrections): the latest wins, and all of
 * them are marked used so none is drawn a second time. */
static const sv_bline *line_take(ex *x, const char *unit, const char *a, const char *b)
{
    if (strcmp(a, b) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    lkey k = {unit, a, b, 0};
    const lkey *f = bsearch(&k, x->lkeys, x->n_lines, sizeof k, cmp_lkey);
    if (!f)
        return NULL;
    const lkey *lo = f, *hi = f;
    while (lo > x->lkeys && cmp_lkey(lo - 1, &k) == 0)
        lo--;
    while (hi + 1 < x->lkeys + x->n_lines && cmp_lkey(hi + 1, &k) == 0)
        hi++;
    const lkey *best = lo;
    for (const lkey *p = lo; p <= hi; p++) {
        x->line_used[p->idx] = 1;
        if (x->lines[p->idx].seq > x->lines[best->idx].seq)
            best = p;
    }
    return &x->lines[best->idx];
}

/* Every plane CRS in use must work before anything is written: its central meridian must
 * project. Afterwards a failing projection can only be the position's fault. */
static int check_sets(ex *x)
{
    for (size_t i = 1; i < x->n_sets; i++) {
        sv_crs crs = x->sets[i].crs;
        double cm = sv_geo_central_meridian(crs), n, e;
        char what[64];
        if (crs.epsg)
            snprintf(what, sizeof what, "EPSG:%d", crs.epsg);
        else
            snprintf(what, sizeof what, "central meridian %g", crs.central_meridian);
        if (isnan(cm)) {
            sv__diag(x->diag, "%s: %s is not a CGCS2000 Gauss-Kruger CRS", x->path, what);
            return SV_ECRS;
        }
        int rc = sv_geo_to_plane(x->g, crs, 35.0, cm, &n, &e);
        if (rc != SV_OK)
            return fail_geo(x, rc, what);
    }
    return SV_OK;
}

/* Project n lon/lat pairs run by run of equal set, one PROJ batch per run; ne receives
 * north,east, NaN where the set is not a plane set or geo.c refuses the position (the batch
 * gives NaN for exactly those; see the file comment). */
static void project_runs(ex *x, size_t n, const double *lonlat, const int *set, double *ne)
{
    size_t i = 0;
    while (i < n) {
        size_t k = i;
        while (k < n && set[k] == set[i])
            k++;
        if (set[i] > 0) {
            (void)sv_geo_to_plane_n(x->g, x->sets[set[i]].crs, k - i, lonlat + 2 * i, ne + 2 * i);
        } else {
            for (size_t m = i; m < k; m++)
                ne[2 * m] = ne[2 * m + 1] = NAN;
        }
        i = k;
    }
}

static void ex_free(ex *x)
{
    sv_units_free(x->units, x->n_units);
    sv_bpoints_free(x->pts, x->n_pts);
    sv_vertices_free(x->vx, x->n_vx);
    sv_blines_free(x->lines, x->n_lines);
    sv_verifications_free(x->ver, x->n_ver);
    sv_signatures_free(x->sigs, x->n_sigs);
    free(x->src);
    free(x->unit_src);
    free(x->pt_src);
    free(x->vx_src);
    free(x->ver_src);
    free(x->sig_src);
    free(x->ukeys);
    free(x->unit_set);
    free(x->ver_of);
    free(x->unit_points);
    free(x->unit_pt0);
    free(x->usum);
    free(x->pt_set);
    free(x->pt_ne);
    free(x->vx_set);
    free(x->vx_ne);
    free(x->vx_by_unit);
    free(x->vx_by_track);
    free(x->lkeys);
    free(x->line_used);
    free(x->scratch);
    free(x->scratch2);
}

/* 1 when path names one of the journals or one of their companion files: an export must
 * never overwrite the only copy of the field record. */
static int is_journal_file(const ex *x, const char *path)
{
    struct stat out;
    if (stat(path, &out) != 0)
        return 0;
    for (size_t k = 0; k < x->n_js; k++) {
        const char *jp = sv_journal_path(x->js[k]);
        if (!jp)
            continue;
        static const char *const suffix[] = {"", ".key", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
            char buf[4096];
            struct stat st;
            if ((size_t)snprintf(buf, sizeof buf, "%s%s", jp, suffix[i]) >= sizeof buf)
                continue;
            if (stat(buf, &st) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino)
                return 1;
        }
    }
    return 0;
}

/* The state of one journal, as the state module hands it out. */
typedef struct jstate {
    sv_unit *units;
    size_t n_units;
    sv_bpoint *pts;
    size_t n_pts;
    sv_vertex *vx;
    size_t n_vx;
    sv_bline *lines;
    size_t n_lines;
    sv_verification *ver;
    size_t n_ver;
    sv_signature *sigs;
    size_t n_sigs;
} jstate;

/* Read the state of j (one unit or, unit NULL, all) into s; s is filled even on failure (the
 * caller frees what is there). */
static int read_state(ex *x, sv_journal *j, const char *unit, jstate *s)
{
    int rc;
    if (unit) {
        sv_unit one;
        rc = sv_state_unit(j, unit, &one);
        if (rc == SV_OK) {
            s->units = malloc(sizeof *s->units);
            if (!s->units) {
                sv_unit_clear(&one);
                return fail_nomem(x);
            }
            s->units[0] = one;
            s->n_units = 1;
        }
    } else {
        rc = sv_state_units(j, &s->units, &s->n_units);
    }
    if (rc == SV_OK)
        rc = sv_state_points(j, unit, &s->pts, &s->n_pts);
    if (rc == SV_OK)
        rc = sv_state_vertices(j, unit, &s->vx, &s->n_vx);
    if (rc == SV_OK)
        rc = sv_state_lines(j, unit, &s->lines, &s->n_lines);
    if (rc == SV_OK)
        rc = sv_state_verifications(j, unit, &s->ver, &s->n_ver);
    if (rc == SV_OK)
        rc = sv_state_signatures(j, unit, &s->sigs, &s->n_sigs);
    if (rc != SV_OK) {
        if (rc == SV_ENOTFOUND)
            sv__diag(x->diag, "%s: unit %s is not in this journal", x->path, unit);
        else
            sv__diag(x->diag, "%s: cannot read the journal state: %s", x->path,
                     sv_journal_errmsg(j));
    }
    return rc;
}

static void jstate_free(jstate *s)
{
    sv_units_free(s->units, s->n_units);
    sv_bpoints_free(s->pts, s->n_pts);
    sv_vertices_free(s->vx, s->n_vx);
    sv_blines_free(s->lines, s->n_lines);
    sv_verifications_free(s->ver, s->n_ver);
    sv_signatures_free(s->sigs, s->n_sigs);
}

/* Move m items of size bytes from *from onto the end of *to (n items), and record their
 * journal k in *src; the moved structs keep owning their strings, *from is freed. */
static int take(ex *x, void **to, size_t *n, size_t **src, void **from, size_t m, size_t size,
                size_t k)
{
    if (m) {
        void *nt = realloc(*to, (*n + m) * size);
        if (!nt)
            return fail_nomem(x);
        *to = nt;
        if (src) {
            size_t *ns = realloc(*src, (*n + m) * sizeof *ns);
            if (!ns)
                return fail_nomem(x);
            *src = ns;
            for (size_t i = 0; i < m; i++)
                ns[*n + i] = k;
        }
        memcpy((char *)nt + *n * size, *from, m * size);
        *n += m;
    }
    free(*from);
    *from = NULL;
    return SV_OK;
}

/* An item's index with the journal it came from, for the merge's sorts. */
typedef struct mkey {
    const void *item;
    size_t src, idx;
} mkey;

static int cmp_mkey_unit(const void *a, const void *b)
{
    const mkey *x = a, *y = b;
    int c = strcmp(((const sv_unit *)x->item)->code, ((const sv_unit *)y->item)->code);
    if (!c)
        c = (x->src > y->src) - (x->src < y->src);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* The state's order of point numbers: J before T before others, then numerically. */
static void number_key(const char *number, char prefix[8], long long *num)
{
    size_t i = 0;
    while (number[i] && (number[i] < '0' || number[i] > '9') && i < 7)
        prefix[i] = number[i], i++;
    prefix[i] = '\0';
    *num = number[i] ? strtoll(number + i, NULL, 10) : 0;
}

static int cmp_mkey_point(const void *a, const void *b)
{
    const mkey *x = a, *y = b;
    const sv_bpoint *p = x->item, *q = y->item;
    int c = strcmp(p->unit, q->unit);
    if (!c && strcmp(p->number, q->number) != 0) {
        char pa[8], pb[8];
        long long na, nb;
        number_key(p->number, pa, &na);
        number_key(q->number, pb, &nb);
        int ra = strcmp(pa, "J") == 0 ? 0 : strcmp(pa, "T") == 0 ? 1 : 2;
        int rb = strcmp(pb, "J") == 0 ? 0 : strcmp(pb, "T") == 0 ? 1 : 2;
        c = (ra > rb) - (ra < rb);
        if (!c)
            c = strcmp(pa, pb);
        if (!c)
            c = (na > nb) - (na < nb);
        if (!c)
            c = strcmp(p->number, q->number);
    }
    if (!c)
        c = (x->src > y->src) - (x->src < y->src);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/*
 * Several journals into one state: units by code, the first journal that has a code wins;
 * points in the state's order, a (unit, number) already taken by an earlier journal left
 * out (such conflicts are the office's review queue, not the export's to settle); walks
 * kept apart by giving each journal's track ids their own range; lines, verifications and
 * signatures concatenated (the latest verification of a field is chosen by time in load();
 * each signature is current or not against its own journal's boundary).
 */
static int merge_states(ex *x)
{
    int rc = SV_OK;
    for (size_t k = 0; rc == SV_OK && k < x->n_js; k++) {
        jstate s = {0};
        rc = read_state(x, x->js[k], NULL, &s);
        for (size_t i = 0; rc == SV_OK && i < s.n_vx; i++)
            s.vx[i].track += (int64_t)k << 40;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->units, &x->n_units, &x->unit_src, (void **)&s.units,
                      s.n_units, sizeof *s.units, k);
        if (rc == SV_OK)
            s.n_units = 0;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->pts, &x->n_pts, &x->pt_src, (void **)&s.pts, s.n_pts,
                      sizeof *s.pts, k);
        if (rc == SV_OK)
            s.n_pts = 0;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->vx, &x->n_vx, &x->vx_src, (void **)&s.vx, s.n_vx,
                      sizeof *s.vx, k);
        if (rc == SV_OK)
            s.n_vx = 0;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->lines, &x->n_lines, NULL, (void **)&s.lines, s.n_lines,
                      sizeof *s.lines, k);
        if (rc == SV_OK)
            s.n_lines = 0;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->ver, &x->n_ver, &x->ver_src, (void **)&s.ver, s.n_ver,
                      sizeof *s.ver, k);
        if (rc == SV_OK)
            s.n_ver = 0;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->sigs, &x->n_sigs, &x->sig_src, (void **)&s.sigs, s.n_sigs,
                      sizeof *s.sigs, k);
        if (rc == SV_OK)
            s.n_sigs = 0;
        jstate_free(&s);
    }
    if (rc != SV_OK)
        return rc;

    size_t most = x->n_units > x->n_pts ? x->n_units : x->n_pts;
    mkey *keys = malloc((most ? most : 1) * sizeof *keys);
    if (!keys)
        return fail_nomem(x);

    /* Units: sorted by code, each code once. */
    sv_unit *units = malloc((x->n_units ? x->n_units : 1) * sizeof *units);
    size_t *usrc = malloc((x->n_units ? x->n_units : 1) * sizeof *usrc);
    if (!units || !usrc) {
        free(units);
        free(usrc);
        free(keys);
        return fail_nomem(x);
    }
    for (size_t i = 0; i < x->n_units; i++)
        keys[i] = (mkey){&x->units[i], x->unit_src[i], i};
    qsort(keys, x->n_units, sizeof *keys, cmp_mkey_unit);
    size_t nu = 0;
    for (size_t i = 0; i < x->n_units; i++) {
        sv_unit *u = &x->units[keys[i].idx];
        if (nu && strcmp(units[nu - 1].code, u->code) == 0) {
            sv_unit_clear(u);
            continue;
        }
        units[nu] = *u;
        usrc[nu++] = keys[i].src;
    }
    free(x->units);
    free(x->unit_src);
    x->units = units;
    x->unit_src = usrc;
    x->n_units = nu;

    /* Points: the state's order, each (unit, number) once. */
    sv_bpoint *pts = malloc((x->n_pts ? x->n_pts : 1) * sizeof *pts);
    size_t *psrc = malloc((x->n_pts ? x->n_pts : 1) * sizeof *psrc);
    if (!pts || !psrc) {
        free(pts);
        free(psrc);
        free(keys);
        return fail_nomem(x);
    }
    for (size_t i = 0; i < x->n_pts; i++)
        keys[i] = (mkey){&x->pts[i], x->pt_src[i], i};
    qsort(keys, x->n_pts, sizeof *keys, cmp_mkey_point);
    size_t np = 0;
    for (size_t i = 0; i < x->n_pts; i++) {
        sv_bpoint *p = &x->pts[keys[i].idx];
        if (np && strcmp(pts[np - 1].unit, p->unit) == 0 &&
            strcmp(pts[np - 1].number, p->number) == 0) {
            sv_bpoint_clear(p);
            continue;
        }
        pts[np] = *p;
        psrc[np++] = keys[i].src;
    }
    free(x->pts);
    free(x->pt_src);
    x->pts = pts;
    x->pt_src = psrc;
    x->n_pts = np;
    free(keys);
    return SV_OK;
}

/* Read the state and derive everything the writers share. */
static int load(ex *x, const char *unit)
{
    int rc;
    x->src = calloc(x->n_js ? x->n_js : 1, sizeof *x->src);
    if (!x->src)
        return fail_nomem(x);
    for (size_t k = 0; k < x->n_js; k++) {
        sv_journal_default_crs(x->js[k], &x->src[k].epsg, &x->src[k].cm);
        x->src[k].device = sv_journal_device_id(x->js[k]);
        x->src[k].crew = sv_journal_crew(x->js[k]);
    }
    if (x->n_js == 1) {
        jstate s = {0};
        rc = read_state(x, x->js[0], unit, &s);
        x->units = s.units, x->n_units = s.n_units;
        x->pts = s.pts, x->n_pts = s.n_pts;
        x->vx = s.vx, x->n_vx = s.n_vx;
        x->lines = s.lines, x->n_lines = s.n_lines;
        x->ver = s.ver, x->n_ver = s.n_ver;
        x->sigs = s.sigs, x->n_sigs = s.n_sigs;
        if (rc != SV_OK)
            return rc;
    } else if ((rc = merge_states(x)) != SV_OK) {
        return rc;
    }
    size_t **srcs[] = {&x->unit_src, &x->pt_src, &x->vx_src, &x->ver_src, &x->sig_src};
    size_t counts[] = {x->n_units, x->n_pts, x->n_vx, x->n_ver, x->n_sigs};
    for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++)
        if (!*srcs[i] && !(*srcs[i] = calloc(counts[i] ? counts[i] : 1, sizeof(size_t))))
            return fail_nomem(x);

    size_t nu = x->n_units ? x->n_units : 1, np = x->n_pts ? x->n_pts : 1;
    size_t nv = x->n_vx ? x->n_vx : 1, nl = x->n_lines ? x->n_lines : 1;
    x->ukeys = malloc(nu * sizeof *x->ukeys);
    x->unit_set = malloc(nu * sizeof *x->unit_set);
    x->ver_of = calloc(nu * SV_FIELD_COUNT, sizeof *x->ver_of);
    x->unit_points = calloc(nu, sizeof *x->unit_points);
    x->unit_pt0 = malloc(nu * sizeof *x->unit_pt0);
    x->usum = calloc(nu, sizeof *x->usum);
    x->pt_set = malloc(np * sizeof *x->pt_set);
    x->pt_ne = malloc(2 * np * sizeof *x->pt_ne);
    x->vx_set = malloc(nv * sizeof *x->vx_set);
    x->vx_ne = malloc(2 * nv * sizeof *x->vx_ne);
    x->vx_by_unit = malloc(nv * sizeof *x->vx_by_unit);
    x->vx_by_track = malloc(nv * sizeof *x->vx_by_track);
    x->lkeys = malloc(nl * sizeof *x->lkeys);
    x->line_used = calloc(nl, 1);
    if (!x->ukeys || !x->unit_set || !x->ver_of || !x->unit_points || !x->unit_pt0 || !x->usum ||
        !x->pt_set || !x->pt_ne || !x->vx_set || !x->vx_ne || !x->vx_by_unit || !x->vx_by_track ||
        !x->lkeys || !x->line_used)
        return fail_nomem(x);

    for (size_t i = 0; i < x->n_units; i++)
        x->ukeys[i] = (ukey){x->units[i].code, i};
    qsort(x->ukeys, x->n_units, sizeof *x->ukeys, cmp_ukey);

    for (size_t i = 0; i < x->n_ver; i++) {
        long u = unit_find(x, x->ver[i].unit);
        int f = (int)x->ver[i].field;
        if (u < 0 || f < 0 || f >= SV_FIELD_COUNT)
            continue;
        const sv_verification **slot = &x->ver_of[(size_t)u * SV_FIELD_COUNT + (size_t)f];
        /* Seqs order one journal's verifications; across journals only time can. */
        const sv_verification *v = &x->ver[i];
        if (!*slot)
            *slot = v;
        else if (x->ver_src[*slot - x->ver] == x->ver_src[i] ? (*slot)->seq < v->seq
                 : (*slot)->time_ms != v->time_ms            ? (*slot)->time_ms < v->time_ms
                                                  : x->ver_src[i] < x->ver_src[*slot - x->ver])
            *slot = v;
    }

    /* Each unit's plane CRS: its own, else the journal's, else the zone of its middle
     * longitude (the draft's, or failing that its points', or its walk's), so a unit is
     * never split across zones even where it straddles a zone edge. */
    double *lon_sum = calloc(nu, sizeof *lon_sum);
    size_t *lon_n = calloc(nu, sizeof *lon_n);
    double *walk_lon = malloc(nu * sizeof *walk_lon);
    if (!lon_sum || !lon_n || !walk_lon) {
        free(lon_sum);
        free(lon_n);
        free(walk_lon);
        return fail_nomem(x);
    }
    for (size_t i = 0; i < nu; i++) {
        walk_lon[i] = NAN;
        x->unit_pt0[i] = SIZE_MAX;
    }
    for (size_t i = 0; i < x->n_vx; i++) {
        long u = unit_find(x, x->vx[i].unit);
        if (u >= 0 && isnan(walk_lon[u]) && isfinite(x->vx[i].lon))
            walk_lon[u] = x->vx[i].lon;
    }
    for (size_t i = 0; i < x->n_pts; i++) {
        long u = unit_find(x, x->pts[i].unit);
        if (u >= 0) {
            if (x->unit_pt0[u] == SIZE_MAX)
                x->unit_pt0[u] = i;
            x->unit_points[u]++;
            if (isfinite(x->pts[i].lon)) {
                lon_sum[u] += x->pts[i].lon;
                lon_n[u]++;
            }
        }
    }
    for (size_t i = 0; i < x->n_units; i++) {
        const jsrc *js = &x->src[x->unit_src[i]];
        sv_crs crs = sv_unit_crs(&x->units[i], js->epsg, js->cm,
                                 lon_n[i] ? lon_sum[i] / (double)lon_n[i] : NAN, walk_lon[i]);
        x->unit_set[i] = set_for(x, crs);
        if (x->unit_set[i] == -2) {
            free(lon_sum);
            free(lon_n);
            free(walk_lon);
            sv__diag(x->diag, "%s: more than %d different plane CRSs", x->path, MAX_SETS - 1);
            return SV_EINVAL;
        }
    }
    free(lon_sum);
    free(lon_n);
    free(walk_lon);

    /* Points and vertices follow their unit's CRS; one whose unit is unknown (not exported
     * with it) gets the CRS its own longitude chooses. */
    for (size_t i = 0; i < x->n_pts; i++) {
        const sv_bpoint *p = &x->pts[i];
        long u = unit_find(x, p->unit);
        int s;
        if (!isfinite(p->lat) || !isfinite(p->lon))
            s = -1;
        else if (u >= 0)
            s = x->unit_set[u];
        else
            s = set_for(x, sv_geo_choose(0, NAN, x->src[x->pt_src[i]].epsg, x->src[x->pt_src[i]].cm,
                                         p->lon));
        x->pt_set[i] = s < 0 ? -1 : s;
    }
    for (size_t i = 0; i < x->n_vx; i++) {
        const sv_vertex *v = &x->vx[i];
        long u = unit_find(x, v->unit);
        int s;
        if (!isfinite(v->lat) || !isfinite(v->lon))
            s = -1;
        else if (u >= 0)
            s = x->unit_set[u];
        else
            s = set_for(x, sv_geo_choose(0, NAN, x->src[x->vx_src[i]].epsg, x->src[x->vx_src[i]].cm,
                                         v->lon));
        x->vx_set[i] = s < 0 ? -1 : s;
    }
    if ((rc = check_sets(x)) != SV_OK)
        return rc;
    double *ll = malloc(2 * (np > nv ? np : nv) * sizeof *ll);
    if (!ll)
        return fail_nomem(x);
    /* Each unit's draft and surveyed polygon as the unit summary has them (summary.h), in the
     * unit's plane CRS; a figure it cannot compute is NaN, which does not fail the export. */
    for (size_t i = 0; i < x->n_units; i++) {
        int set = x->unit_set[i];
        sv_unit_summary *sm = &x->usum[i];
        sv__summary_init(sm, &x->units[i], set > 0 ? x->sets[set].crs : (sv_crs){0, NAN});
        sv__summary_draft(x->g, &x->units[i].draft, sm);
        size_t n = 0;
        for (size_t k = x->unit_pt0[i];
             k != SIZE_MAX && k < x->n_pts && strcmp(x->pts[k].unit, x->units[i].code) == 0; k++) {
            if (!isfinite(x->pts[k].lat) || !isfinite(x->pts[k].lon))
                continue;
            ll[2 * n] = x->pts[k].lon;
            ll[2 * n + 1] = x->pts[k].lat;
            n++;
        }
        sv__summary_surveyed(x->g, n, ll, sm);
    }
    for (size_t i = 0; i < x->n_pts; i++) {
        ll[2 * i] = x->pts[i].lon;
        ll[2 * i + 1] = x->pts[i].lat;
    }
    project_runs(x, x->n_pts, ll, x->pt_set, x->pt_ne);
    for (size_t i = 0; i < x->n_vx; i++) {
        ll[2 * i] = x->vx[i].lon;
        ll[2 * i + 1] = x->vx[i].lat;
    }
    project_runs(x, x->n_vx, ll, x->vx_set, x->vx_ne);
    free(ll);

    for (size_t i = 0; i < x->n_vx; i++) {
        vkey k = {x->vx[i].unit, x->vx[i].track, x->vx[i].seq, i, x->vx_src[i]};
        x->vx_by_unit[i] = x->vx_by_track[i] = k;
    }
    qsort(x->vx_by_unit, x->n_vx, sizeof(vkey), cmp_vkey_seq);
    qsort(x->vx_by_track, x->n_vx, sizeof(vkey), cmp_vkey_track);

    for (size_t i = 0; i < x->n_lines; i++) {
        const sv_bline *l = &x->lines[i];
        int swap = strcmp(l->from, l->to) > 0;
        x->lkeys[i] = (lkey){l->unit, swap ? l->to : l->from, swap ? l->from : l->to, i};
    }
    qsort(x->lkeys, x->n_lines, sizeof *x->lkeys, cmp_lkey);
    return SV_OK;
}

/* ---- Attribute sinks: one set of calls fills GeoPackage rows and GeoJSON properties -------- */

typedef struct sink {
    sv__gpkg_layer *l[2]; /* geographic layer and its plane copy (either may be NULL) */
    json_t *props;        /* GeoJSON properties, or NULL */
    const sv__gpkg_column *cols;
    int failed;              /* a JSON allocation failed */
    const signed char *zmap; /* column index in l[1], -1 where it has no such column */
} sink;

/* Plane set `set` of the export, NULL for none (set 0 is the geographic one, <= 0 means none). */
static const outset *plane_set(const ex *x, int set)
{
    if (set <= 0 || set >= MAX_SETS || (size_t)set >= x->n_sets)
        return NULL;
    return &x->sets[set];
}

/* The sink of a GeoPackage feature of layer ly in plane set set (none when set <= 0). */
static sink gsink(const ex *x, int ly, int set)
{
    const outset *ps = plane_set(x, set);
    sink s = {{x->sets[0].lay[ly], ps ? ps->lay[ly] : NULL}, NULL, layers[ly].cols, 0, x->zmap[ly]};
    return s;
}

/* Callers build the value only when s->props is set: a GeoPackage row needs no JSON. */
static void put_json(sink *s, size_t col, json_t *v)
{
    if (!v || json_object_set_new(s->props, s->cols[col].name, v) != 0)
        s->failed = 1;
}

/* The plane copy's index of col, or -1 when there is no plane copy or it lacks col. */
static int zcol(const sink *s, size_t col)
{
    return s->l[1] ? s->zmap[col] : -1;
}

/* Text is borrowed by the GeoPackage writer until the insert: callers keep it alive. */
static void s_text(sink *s, size_t col, const char *v)
{
    int z = zcol(s, col);
    if (s->l[0])
        sv__gpkg_set_text(s->l[0], col, v);
    if (z >= 0)
        sv__gpkg_set_text(s->l[1], (size_t)z, v);
    if (s->props) {
        json_t *j = v ? json_string(v) : json_null();
        /* Text the journal accepted is UTF-8; should it not be, say so rather than fail. */
        put_json(s, col, j ? j : json_null());
    }
}

/* An empty short identifier (marker "", datum "") is absent, not an empty string. */
static void s_code(sink *s, size_t col, const char *v)
{
    s_text(s, col, v && *v ? v : NULL);
}

static void s_int(sink *s, size_t col, int64_t v)
{
    int z = zcol(s, col);
    if (s->l[0])
        sv__gpkg_set_int(s->l[0], col, v);
    if (z >= 0)
        sv__gpkg_set_int(s->l[1], (size_t)z, v);
    if (s->props)
        put_json(s, col, json_integer(v));
}

/* An integer whose value `unknown` means "not known". */
static void s_int_opt(sink *s, size_t col, int64_t v, int64_t unknown)
{
    if (v == unknown)
        s_text(s, col, NULL);
    else
        s_int(s, col, v);
}

static void s_bool(sink *s, size_t col, int v)
{
    int z = zcol(s, col);
    if (s->l[0])
        sv__gpkg_set_int(s->l[0], col, v ? 1 : 0);
    if (z >= 0)
        sv__gpkg_set_int(s->l[1], (size_t)z, v ? 1 : 0);
    if (s->props)
        put_json(s, col, json_boolean(v));
}

static void s_real(sink *s, size_t col, double v)
{
    int z = zcol(s, col);
    if (s->l[0])
        sv__gpkg_set_real(s->l[0], col, v);
    if (z >= 0)
        sv__gpkg_set_real(s->l[1], (size_t)z, v);
    if (s->props)
        put_json(s, col, isfinite(v) ? json_real(v) : json_null());
}

static char *put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* Milliseconds since the epoch as GeoPackage's DATETIME form, YYYY-MM-DDTHH:MM:SS.SSSZ. */
static const char *iso_ms(int64_t ms, char buf[64])
{
    if (ms <= 0)
        return NULL;
    if (ms >= INT64_C(253402300800000)) { /* 10000-01-01: not a time the office can read */
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        if (!gmtime_r(&t, &tm))
            return NULL;
        snprintf(buf, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
        return buf;
    }
    /* Formatted here rather than with gmtime_r and snprintf, which take glibc's time zone lock
     * and parse a format for each of 100,000 points: the proleptic Gregorian date of a day
     * count (H. Hinnant's days_from_civil inverse; UTC has no leap seconds in time_t). */
    int64_t secs = ms / 1000, days = secs / 86400;
    unsigned sod = (unsigned)(secs % 86400);
    int64_t z = days + 719468; /* days since 0000-03-01 */
    int64_t era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned day = doy - (153 * mp + 2) / 5 + 1;
    unsigned month = mp < 10 ? mp + 3 : mp - 9;
    unsigned year = (unsigned)(era * 400 + yoe) + (month <= 2);
    char *p = put_digits(buf, year, 4);
    *p++ = '-';
    p = put_digits(p, month, 2);
    *p++ = '-';
    p = put_digits(p, day, 2);
    *p++ = 'T';
    p = put_digits(p, sod / 3600, 2);
    *p++ = ':';
    p = put_digits(p, sod / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, sod % 60, 2);
    *p++ = '.';
    p = put_digits(p, (unsigned)(ms % 1000), 3);
    *p++ = 'Z';
    *p = '\0';
    return buf;
}

static void crs_attrs(const ex *x, sink *s, size_t c_epsg, size_t c_cm, int set)
{
    const outset *ps = plane_set(x, set);
    if (ps) {
        sv_crs crs = ps->crs;
        s_int(s, c_epsg, crs.epsg); /* 0 with a custom central meridian */
        s_real(s, c_cm, sv_geo_central_meridian(crs));
    } else {
        s_text(s, c_epsg, NULL);
        s_text(s, c_cm, NULL);
    }
}

static int unit_attrs(ex *x, sink *s, size_t i)
{
    const sv_unit *u = &x->units[i];
    s_text(s, UC_CODE, u->code);
    s_text(s, UC_NAME, u->name);
    s_code(s, UC_TYPE, u->type);
    s_text(s, UC_LOCATION, u->location);
    for (int f = 0; f < SV_FIELD_COUNT; f++) {
        s_text(s, UC_FIELD0 + (size_t)f, u->fields[f]);
        const sv_verification *v = x->ver_of[i * SV_FIELD_COUNT + (size_t)f];
        size_t c = UC_VERIFY0 + 3 * (size_t)f;
        s_text(s, c, v ? sv_vstatus_name(v->status) : NULL);
        s_text(s, c + 1, v ? v->value : NULL);
        s_text(s, c + 2, v ? v->note : NULL);
    }
    s_text(s, UC_CONTROL, u->control);
    int set = x->unit_set[i];
    crs_attrs(x, s, UC_EPSG, UC_CM, set);
    /* The draft's area and the surveyed one from the unit summary (load): a plane area the
     * unit's CRS cannot give (a position out of its zone's reach) stays unknown; the
     * ellipsoidal area and perimeter do not depend on the plane CRS and are kept. */
    const sv_unit_summary *sm = &x->usum[i];
    sv_area a = sm->has_draft
                    ? sm->draft
                    : (sv_area){.ellipsoidal_m2 = NAN, .plane_m2 = NAN, .perimeter_m = NAN};
    s_real(s, UC_AREA, a.ellipsoidal_m2);
    s_real(s, UC_PLANE_AREA, a.plane_m2);
    s_real(s, UC_PERIMETER, a.perimeter_m);
    s_int(s, UC_POINTS, x->unit_points[i]);
    s_text(s, UC_SOURCE, u->source);
    s_int(s, UC_SEQ, u->seq);
    /* null with fewer than 3 points: no polygon to measure or judge */
    int poly = sm->points >= 3;
    s_real(s, UC_SURVEYED, poly ? sm->surveyed.ellipsoidal_m2 : NAN);
    s_real(s, UC_SURVEYED_PLANE, poly ? sm->surveyed.plane_m2 : NAN);
    if (sm->surveyed_valid == SV_VALID_UNKNOWN)
        s_text(s, UC_SURVEYED_VALID, NULL);
    else
        s_bool(s, UC_SURVEYED_VALID, sm->surveyed_valid == SV_VALID_YES);
    s_text(s, UC_SURVEYED_REASON, sm->surveyed_valid == SV_VALID_NO ? sm->surveyed_reason : NULL);
    return SV_OK;
}

static void point_attrs(const ex *x, sink *s, size_t i, char timebuf[64])
{
    const sv_bpoint *p = &x->pts[i];
    const sv_quality *q = &p->q;
    s_text(s, PC_UNIT, p->unit);
    s_text(s, PC_NUMBER, p->number);
    s_code(s, PC_TYPE, p->point_type);
    s_code(s, PC_MARKER, p->marker);
    s_real(s, PC_LAT, p->lat);
    s_real(s, PC_LON, p->lon);
    s_real(s, PC_H, p->h);
    s_real(s, PC_XN, x->pt_ne[2 * i]);
    s_real(s, PC_YE, x->pt_ne[2 * i + 1]);
    crs_attrs(x, s, PC_EPSG, PC_CM, x->pt_set[i]);
    s_text(s, PC_GRADE, sv_grade_name(q->grade));
    s_int_opt(s, PC_MODE, q->mode, -1);
    s_int_opt(s, PC_STATUS, q->status, -1);
    s_int_opt(s, PC_SATS, q->sats_used, -1);
    s_int_opt(s, PC_SEEN, q->sats_seen, -1);
    s_real(s, PC_HDOP, q->hdop);
    s_real(s, PC_VDOP, q->vdop);
    s_real(s, PC_PDOP, q->pdop);
    s_real(s, PC_EPH, q->eph);
    s_real(s, PC_EPV, q->epv);
    s_real(s, PC_CAGE, q->corr_age);
    s_int_opt(s, PC_N, q->n, -1);
    s_real(s, PC_DURATION, q->duration_s);
    s_real(s, PC_SE, q->sigma_e);
    s_real(s, PC_SN, q->sigma_n);
    s_real(s, PC_SU, q->sigma_u);
    s_int_opt(s, PC_DROPPED, q->dropped, -1);
    s_bool(s, PC_OFFSET, p->flags & SV_PT_OFFSET);
    s_bool(s, PC_MANUAL, p->flags & SV_PT_MANUAL);
    s_bool(s, PC_STALE, p->flags & SV_PT_STALE);
    s_bool(s, PC_OVERRIDE, p->flags & SV_PT_OVERRIDE);
    s_text(s, PC_REASON, p->override_reason);
    int off = (p->flags & SV_PT_OFFSET) != 0;
    s_real(s, PC_OFF_LAT, off ? p->off.from_lat : NAN);
    s_real(s, PC_OFF_LON, off ? p->off.from_lon : NAN);
    s_real(s, PC_OFF_DIST, off ? p->off.distance_m : NAN);
    s_real(s, PC_OFF_BRG, off ? p->off.bearing_deg : NAN);
    s_real(s, PC_OFF_DH, off ? p->off.dh : NAN);
    s_code(s, PC_DATUM, q->datum);
    s_text(s, PC_NOTE, p->note);
    s_text(s, PC_RECORDED, iso_ms(p->time_ms, timebuf));
    s_int(s, PC_SEQ, p->seq);
    s_code(s, PC_DEVICE, x->src[x->pt_src[i]].device);
    s_code(s, PC_CREW, x->src[x->pt_src[i]].crew);
}

/* The strokes of a signature as the journal keeps them: [[x, y, x, y, ...], ...]. NULL when
 * out of memory. *strokes receives their number. */
static json_t *sig_strokes(const sv_signature *g, size_t *strokes)
{
    json_t *all = json_array(), *cur = NULL;
    int bad = !all;
    *strokes = 0;
    for (size_t k = 0; !bad && k < g->n_xy; k++) {
        int32_t px = g->xy[2 * k], py = g->xy[2 * k + 1];
        if (px == -1 && py == -1) {
            if (cur) {
                bad = json_array_append_new(all, cur) != 0;
                cur = NULL;
                (*strokes)++;
            }
            continue;
        }
        if (!cur && !(cur = json_array()))
            bad = 1;
        if (!bad)
            bad = json_array_append_new(cur, json_integer(px)) != 0 ||
                  json_array_append_new(cur, json_integer(py)) != 0;
    }
    if (!bad && cur) { /* the state always ends a stroke; be kind to a caller that did not */
        bad = json_array_append_new(all, cur) != 0;
        cur = NULL;
        (*strokes)++;
    }
    json_decref(cur);
    if (bad) {
        json_decref(all);
        return NULL;
    }
    return all;
}

/* The attributes of signature i. In GeoJSON the strokes are an array, in GeoPackage its JSON
 * text. */
static int sig_attrs(ex *x, sink *s, size_t i, char timebuf[64])
{
    const sv_signature *g = &x->sigs[i];
    size_t strokes;
    json_t *arr = sig_strokes(g, &strokes);
    if (!arr)
        return fail_nomem(x);
    char hex[2 * SV_HASH_BYTES + 1];
    static const char digits[] = "0123456789abcdef";
    for (size_t b = 0; b < SV_HASH_BYTES; b++) {
        hex[2 * b] = digits[g->covers[b] >> 4];
        hex[2 * b + 1] = digits[g->covers[b] & 15];
    }
    hex[2 * SV_HASH_BYTES] = '\0';
    s_text(s, SC_UNIT, g->unit);
    s_text(s, SC_PARTY, g->party);
    s_text(s, SC_SIGNER, g->signer);
    s_text(s, SC_ROLE, g->role);
    s_text(s, SC_SIGNED, iso_ms(g->time_ms, timebuf));
    s_int(s, SC_STROKE_COUNT, (int64_t)strokes);
    if (s->props) {
        put_json(s, SC_STROKES, arr);
        arr = NULL;
    } else {
        char *text = json_dumps(arr, JSON_COMPACT);
        if (!text) {
            json_decref(arr);
            return fail_nomem(x);
        }
        s_text(s, SC_STROKES, text);
        free(text);
    }
    json_decref(arr);
    s_text(s, SC_COVERS, hex);
    s_bool(s, SC_CURRENT, g->current);
    s_int(s, SC_SEQ, g->seq);
    s_code(s, SC_DEVICE, x->src[x->sig_src[i]].device);
    s_code(s, SC_CREW, x->src[x->sig_src[i]].crew);
    return SV_OK;
}

/* ---- Walking the state: the features every format writes ------------------------------------ */

/* A boundary line: points a and b (indices into pts), with its record if one exists. */
typedef struct seg {
    size_t a, b;
    const sv_bline *rec;
} seg;

static void line_attrs(const ex *x, sink *s, const seg *g)
{
    const sv_bpoint *a = &x->pts[g->a], *b = &x->pts[g->b];
    s_text(s, LC_UNIT, a->unit);
    s_text(s, LC_FROM, a->number);
    s_text(s, LC_TO, b->number);
    s_code(s, LC_CATEGORY, g->rec ? g->rec->category : NULL);
    s_code(s, LC_POSITION, g->rec ? g->rec->position : NULL);
    s_code(s, LC_NATURE, g->rec ? g->rec->nature : NULL);
    s_text(s, LC_NEIGHBOUR, g->rec ? g->rec->neighbour : NULL);
    s_real(s, LC_LENGTH, sv_geo_distance(a->lat, a->lon, b->lat, b->lon, NULL));
    const double *pa = &x->pt_ne[2 * g->a], *pb = &x->pt_ne[2 * g->b];
    s_real(s, LC_PLANE_LENGTH,
           x->pt_set[g->a] > 0 && x->pt_set[g->a] == x->pt_set[g->b]
               ? hypot(pa[0] - pb[0], pa[1] - pb[1])
               : NAN);
    if (g->rec)
        s_int(s, LC_SEQ, g->rec->seq);
    else
        s_text(s, LC_SEQ, NULL);
}

/*
 * Call fn for each boundary line: consecutive points of a unit in number order, closing back
 * to the first when there are three or more; then any recorded line between two existing
 * points of the unit that is not such a pair (numbering changed after it was recorded), so a
 * recorded line is never lost.
 */
static int for_each_line(ex *x, int (*fn)(ex *, const seg *, void *), void *ctx)
{
    memset(x->line_used, 0, x->n_lines ? x->n_lines : 1);
    size_t i = 0;
    while (i < x->n_pts) {
        size_t k = i;
        while (k < x->n_pts && strcmp(x->pts[k].unit, x->pts[i].unit) == 0)
            k++;
        /* Points without coordinates cannot be joined; the line skips to the next one. */
        size_t first = SIZE_MAX, prev = SIZE_MAX, count = 0;
        for (size_t m = i; m < k; m++) {
            if (!isfinite(x->pts[m].lat) || !isfinite(x->pts[m].lon))
                continue;
            count++;
            if (prev == SIZE_MAX) {
                first = prev = m;
                continue;
            }
            seg g = {prev, m, NULL};
            g.rec = line_take(x, x->pts[i].unit, x->pts[prev].number, x->pts[m].number);
            int rc = fn(x, &g, ctx);
            if (rc != SV_OK)
                return rc;
            prev = m;
        }
        if (count >= 3) {
            seg g = {prev, first, NULL};
            g.rec = line_take(x, x->pts[i].unit, x->pts[prev].number, x->pts[first].number);
            int rc = fn(x, &g, ctx);
            if (rc != SV_OK)
                return rc;
        }
        /* Recorded lines of this unit not drawn above. */
        for (size_t li = 0; li < x->n_lines; li++) {
            const sv_bline *l = &x->lines[li];
            if (x->line_used[li] || strcmp(l->unit, x->pts[i].unit) != 0)
                continue;
            size_t a = SIZE_MAX, b = SIZE_MAX;
            for (size_t m = i; m < k; m++) {
                if (!isfinite(x->pts[m].lat) || !isfinite(x->pts[m].lon))
                    continue;
                if (strcmp(x->pts[m].number, l->from) == 0)
                    a = m;
                if (strcmp(x->pts[m].number, l->to) == 0)
                    b = m;
            }
            if (a == SIZE_MAX || b == SIZE_MAX || a == b)
                continue;
            seg g = {a, b, line_take(x, l->unit, l->from, l->to)};
            int rc = fn(x, &g, ctx);
            if (rc != SV_OK)
                return rc;
        }
        i = k;
    }
    return SV_OK;
}

/* The recorded lines for_each_line cannot draw: an end that is not a current point of the
 * unit with coordinates. They are counted for the caller to report. */
static void count_unjoined(const ex *x, sv_export_stats *st)
{
    for (size_t li = 0; li < x->n_lines; li++) {
        const sv_bline *l = &x->lines[li];
        int a = 0, b = 0;
        for (size_t m = 0; m < x->n_pts && !(a && b); m++) {
            const sv_bpoint *p = &x->pts[m];
            if (strcmp(p->unit, l->unit) != 0 || !isfinite(p->lat) || !isfinite(p->lon))
                continue;
            a = a || strcmp(p->number, l->from) == 0;
            b = b || strcmp(p->number, l->to) == 0;
        }
        if (a && b && strcmp(l->from, l->to) != 0)
            continue;
        if (st->lines_unjoined++ == 0)
            snprintf(st->unjoined_first, sizeof st->unjoined_first, "%.40s %.20s-%.20s", l->unit,
                     l->from, l->to);
    }
}

/* A walked polygon or a track: vertices keys[0..n) of one unit (jumps included). */
typedef struct walk {
    const vkey *keys;
    size_t n;
    size_t used; /* non-jump vertices with coordinates */
    size_t jumps;
} walk;

static int vertex_usable(const sv_vertex *v)
{
    return !v->jump && isfinite(v->lat) && isfinite(v->lon);
}

/* Group the sorted keys into runs of equal unit (by_track 0; per journal when several are
 * exported) or unit and track (1; track ids are unique across journals). */
static int for_each_walk(ex *x, const vkey *keys, int by_track,
                         int (*fn)(ex *, const walk *, void *), void *ctx)
{
    size_t i = 0;
    while (i < x->n_vx) {
        size_t k = i;
        while (k < x->n_vx && strcmp(keys[k].unit, keys[i].unit) == 0 &&
               (by_track ? keys[k].track == keys[i].track : keys[k].src == keys[i].src))
            k++;
        walk w = {keys + i, k - i, 0, 0};
        for (size_t m = i; m < k; m++) {
            const sv_vertex *v = &x->vx[keys[m].idx];
            if (v->jump)
                w.jumps++;
            else if (vertex_usable(v))
                w.used++;
        }
        int rc = fn(x, &w, ctx);
        if (rc != SV_OK)
            return rc;
        i = k;
    }
    return SV_OK;
}

/* The walk's usable vertices as lon,lat pairs into x->scratch2, and their plane x,y (east,
 * north, projected once in load) into x->scratch; returns how many in *n, and in *plane_ok
 * whether every one of them has plane coordinates. For a ring, a final vertex equal to the
 * first is dropped (the caller closes the ring itself); both buffers leave room for that. */
static int walk_lonlat(ex *x, const walk *w, int ring, size_t *n, int *plane_ok)
{
    int rc = reserve(x, &x->scratch2, &x->scratch2_cap, 2 * (w->used + 1));
    if (rc == SV_OK)
        rc = reserve(x, &x->scratch, &x->scratch_cap, 2 * (w->used + 1));
    if (rc != SV_OK)
        return rc;
    size_t m = 0;
    int ok = 1;
    for (size_t k = 0; k < w->n; k++) {
        size_t vi = w->keys[k].idx;
        const sv_vertex *v = &x->vx[vi];
        if (!vertex_usable(v))
            continue;
        x->scratch2[2 * m] = v->lon;
        x->scratch2[2 * m + 1] = v->lat;
        x->scratch[2 * m] = x->vx_ne[2 * vi + 1];
        x->scratch[2 * m + 1] = x->vx_ne[2 * vi];
        ok = ok && isfinite(x->scratch[2 * m]) && isfinite(x->scratch[2 * m + 1]);
        m++;
    }
    if (ring && m > 1 && x->scratch2[0] == x->scratch2[2 * (m - 1)] &&
        x->scratch2[1] == x->scratch2[2 * (m - 1) + 1])
        m--;
    *n = m;
    *plane_ok = ok;
    return SV_OK;
}

/* Plane set of a walk (its first usable vertex's); -1 if none or mixed. */
static int walk_set(const ex *x, const walk *w)
{
    int set = -1;
    for (size_t k = 0; k < w->n; k++) {
        size_t vi = w->keys[k].idx;
        if (!vertex_usable(&x->vx[vi]))
            continue;
        if (set == -1)
            set = x->vx_set[vi];
        else if (x->vx_set[vi] != set)
            return -1;
    }
    return set;
}

static int walked_attrs(ex *x, sink *s, const walk *w, size_t n, int set)
{
    const sv_vertex *first = &x->vx[w->keys[0].idx], *last = &x->vx[w->keys[w->n - 1].idx];
    s_text(s, WC_UNIT, first->unit);
    s_int(s, WC_VERTICES, (int64_t)n);
    /* The walked polygon as the unit summary measures and judges it (summary.h): only the
     * plane area depends on the CRS; an invalid polygon is written, and flagged. */
    sv_unit_summary sm;
    const outset *ps = plane_set(x, set);
    sv__summary_init(&sm, NULL, ps ? ps->crs : (sv_crs){0, NAN});
    sv__summary_walked(x->g, n, x->scratch2, NULL, &sm);
    sv_area a = sm.walked;
    s_real(s, WC_AREA, a.ellipsoidal_m2);
    s_real(s, WC_PLANE_AREA, a.plane_m2);
    s_real(s, WC_PERIMETER, a.perimeter_m);
    s_real(s, WC_CLOSING, a.closing_m);
    crs_attrs(x, s, WC_EPSG, WC_CM, set);
    s_int(s, WC_FIRST, first->seq);
    s_int(s, WC_LAST, last->seq);
    if (sm.walked_valid == SV_VALID_UNKNOWN)
        s_text(s, WC_VALID, NULL);
    else
        s_bool(s, WC_VALID, sm.walked_valid == SV_VALID_YES);
    s_text(s, WC_REASON, sm.walked_valid == SV_VALID_NO ? sm.walked_reason : NULL);
    return SV_OK;
}

static void track_attrs(ex *x, sink *s, const walk *w, size_t n, char t0[64], char t1[64])
{
    const sv_vertex *first = NULL, *last = NULL;
    double len = 0;
    for (size_t k = 0; k < w->n; k++) {
        const sv_vertex *v = &x->vx[w->keys[k].idx];
        if (!vertex_usable(v))
            continue;
        if (last)
            len += sv_geo_distance(last->lat, last->lon, v->lat, v->lon, NULL);
        if (!first)
            first = v;
        last = v;
    }
    s_text(s, TC_UNIT, w->keys[0].unit);
    s_int(s, TC_TRACK, w->keys[0].track);
    s_int(s, TC_VERTICES, (int64_t)n);
    s_int(s, TC_JUMPS, (int64_t)w->jumps);
    s_real(s, TC_LENGTH, len);
    s_text(s, TC_START,
           first && isfinite(first->fix_time)
               ? iso_ms((int64_t)llround(first->fix_time * 1000.0), t0)
               : NULL);
    s_text(s, TC_END,
           last && isfinite(last->fix_time) ? iso_ms((int64_t)llround(last->fix_time * 1000.0), t1)
                                            : NULL);
    s_int(s, TC_FIRST, x->vx[w->keys[0].idx].seq);
    s_int(s, TC_LAST, x->vx[w->keys[w->n - 1].idx].seq);
}

/* ---- GeoPackage ------------------------------------------------------------------------------ */

typedef struct gctx {
    sv__gpkg *gp;
    sv_export_stats *st;
} gctx;

static int gpkg_fail(ex *x, sv__gpkg *gp, int rc, const char *what)
{
    sv__diag(x->diag, "%s: %s: %s", x->path, what, sv__gpkg_errmsg(gp));
    return rc;
}

/* Plane x,y (east, north) of n lon/lat pairs into x->scratch; *ok 0 when some position
 * cannot be projected (the feature then has no plane geometry, see the file comment). */
static int plane_xy(ex *x, int set, size_t n, const double *lonlat, int *ok)
{
    int rc = reserve(x, &x->scratch, &x->scratch_cap, 2 * n);
    if (rc != SV_OK)
        return rc;
    *ok = sv_geo_to_plane_n(x->g, x->sets[set].crs, n, lonlat, x->scratch) == SV_OK;
    for (size_t k = 0; k < n; k++) {
        double north = x->scratch[2 * k];
        x->scratch[2 * k] = x->scratch[2 * k + 1];
        x->scratch[2 * k + 1] = north;
    }
    return SV_OK;
}

/* Insert one feature; the message (unit, kind, id a[-b]) is composed only on failure, since
 * formatting it for each of 400,000 rows would cost more than some of the inserts. */
static int gp_insert(ex *x, sv__gpkg *gp, sv__gpkg_layer *l, const sv__gpkg_geom *geom,
                     const char *unit, const char *kind, const char *a, const char *b)
{
    int rc = sv__gpkg_insert(l, geom);
    if (rc == SV_OK)
        return SV_OK;
    char what[192];
    snprintf(what, sizeof what, "unit %s%s%s%s%s%s%s", unit, *kind ? " " : "", kind, a ? " " : "",
             a ? a : "", b ? "-" : "", b ? b : "");
    return gpkg_fail(x, gp, rc, what);
}

static int gp_units(ex *x, sv__gpkg *gp)
{
    for (size_t i = 0; i < x->n_units; i++) {
        const sv_unit *u = &x->units[i];
        int set = x->unit_set[i];
        sink s = gsink(x, LY_UNITS, set);
        int rc = unit_attrs(x, &s, i);
        if (rc != SV_OK)
            return rc;
        const sv_geom *d = &u->draft;
        sv__gpkg_geom geom = {SV__GPKG_MULTIPOLYGON, d->n_parts, d->part_rings, d->n_rings,
                              d->ring_pts,           d->n_pts,   d->lonlat};
        /* A unit without a drawn boundary is still a unit: exported without geometry. */
        const sv__gpkg_geom *gg = d->n_pts ? &geom : NULL;
        if ((rc = gp_insert(x, gp, s.l[0], gg, u->code, "", NULL, NULL)) != SV_OK)
            return rc;
        if (s.l[1]) {
            int ok = 0;
            if (d->n_pts) {
                if ((rc = plane_xy(x, set, d->n_pts, d->lonlat, &ok)) != SV_OK)
                    return rc;
                geom.xy = x->scratch;
            }
            if ((rc = gp_insert(x, gp, s.l[1], ok ? gg : NULL, u->code, "", NULL, NULL)) != SV_OK)
                return rc;
        }
    }
    return SV_OK;
}

static int gp_points(ex *x, sv__gpkg *gp)
{
    char timebuf[64];
    for (size_t i = 0; i < x->n_pts; i++) {
        const sv_bpoint *p = &x->pts[i];
        int set = x->pt_set[i];
        sink s = gsink(x, LY_POINTS, set);
        point_attrs(x, &s, i, timebuf);
        double ll[2] = {p->lon, p->lat};
        double en[2] = {x->pt_ne[2 * i + 1], x->pt_ne[2 * i]};
        sv__gpkg_geom geom = {.type = SV__GPKG_POINT, .n_pts = 1, .xy = ll};
        int has = isfinite(p->lat) && isfinite(p->lon);
        int rc = gp_insert(x, gp, s.l[0], has ? &geom : NULL, p->unit, "point", p->number, NULL);
        if (rc == SV_OK && s.l[1]) {
            geom.xy = en;
            rc = gp_insert(x, gp, s.l[1], isfinite(en[0]) ? &geom : NULL, p->unit, "point",
                           p->number, NULL);
        }
        if (rc != SV_OK)
            return rc;
    }
    return SV_OK;
}

static int gp_line(ex *x, const seg *g, void *ctx)
{
    gctx *c = ctx;
    const sv_bpoint *a = &x->pts[g->a], *b = &x->pts[g->b];
    int set = x->pt_set[g->a] == x->pt_set[g->b] ? x->pt_set[g->a] : -1;
    sink s = gsink(x, LY_LINES, set);
    line_attrs(x, &s, g);
    double ll[4] = {a->lon, a->lat, b->lon, b->lat};
    const double *na = &x->pt_ne[2 * g->a], *nb = &x->pt_ne[2 * g->b];
    double en[4] = {na[1], na[0], nb[1], nb[0]};
    sv__gpkg_geom geom = {.type = SV__GPKG_LINESTRING, .n_pts = 2, .xy = ll};
    int rc = gp_insert(x, c->gp, s.l[0], &geom, a->unit, "line", a->number, b->number);
    if (rc == SV_OK && s.l[1]) {
        geom.xy = en;
        int ok = isfinite(en[0]) && isfinite(en[2]);
        rc = gp_insert(x, c->gp, s.l[1], ok ? &geom : NULL, a->unit, "line", a->number, b->number);
    }
    if (rc == SV_OK)
        c->st->lines++;
    return rc;
}

static int gp_walked(ex *x, const walk *w, void *ctx)
{
    gctx *c = ctx;
    size_t n;
    int plane_ok;
    int rc = walk_lonlat(x, w, 1, &n, &plane_ok);
    if (rc != SV_OK || n < 3)
        return rc;
    /* Close the rings. */
    x->scratch2[2 * n] = x->scratch2[0];
    x->scratch2[2 * n + 1] = x->scratch2[1];
    x->scratch[2 * n] = x->scratch[0];
    x->scratch[2 * n + 1] = x->scratch[1];
    int set = walk_set(x, w);
    sink s = gsink(x, LY_WALKED, set);
    if ((rc = walked_attrs(x, &s, w, n, set)) != SV_OK)
        return rc;
    size_t rp = n + 1;
    sv__gpkg_geom geom = {
        .type = SV__GPKG_POLYGON, .n_rings = 1, .ring_pts = &rp, .n_pts = n + 1, .xy = x->scratch2};
    const char *unit = w->keys[0].unit;
    rc = gp_insert(x, c->gp, s.l[0], &geom, unit, "walked polygon", NULL, NULL);
    if (rc == SV_OK && s.l[1]) {
        geom.xy = x->scratch;
        rc = gp_insert(x, c->gp, s.l[1], plane_ok ? &geom : NULL, unit, "walked polygon", NULL,
                       NULL);
    }
    return rc;
}

static int gp_track(ex *x, const walk *w, void *ctx)
{
    gctx *c = ctx;
    size_t n;
    int plane_ok;
    int rc = walk_lonlat(x, w, 0, &n, &plane_ok);
    if (rc != SV_OK || n < 2)
        return rc; /* one vertex is not a line; it stays in the journal */
    int set = walk_set(x, w);
    sink s = gsink(x, LY_TRACKS, set);
    char t0[64], t1[64];
    track_attrs(x, &s, w, n, t0, t1);
    sv__gpkg_geom geom = {.type = SV__GPKG_LINESTRING, .n_pts = n, .xy = x->scratch2};
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)w->keys[0].track);
    const char *unit = w->keys[0].unit;
    rc = gp_insert(x, c->gp, s.l[0], &geom, unit, "track", id, NULL);
    if (rc == SV_OK && s.l[1]) {
        geom.xy = x->scratch;
        rc = gp_insert(x, c->gp, s.l[1], plane_ok ? &geom : NULL, unit, "track", id, NULL);
    }
    if (rc == SV_OK)
        c->st->walks++;
    return rc;
}

static int gp_signatures(ex *x, sv__gpkg *gp, sv__gpkg_layer *l)
{
    char timebuf[64];
    for (size_t i = 0; i < x->n_sigs; i++) {
        sink s = {{l, NULL}, NULL, sig_cols, 0, NULL};
        int rc = sig_attrs(x, &s, i, timebuf);
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)x->sigs[i].seq);
        if (rc == SV_OK)
            rc = gp_insert(x, gp, l, NULL, x->sigs[i].unit, "signature", id, NULL);
        if (rc != SV_OK)
            return rc;
    }
    return SV_OK;
}

static int write_gpkg(ex *x, sv_export_stats *st)
{
    /* The plane copies' columns (see unit_zone etc.). */
    for (int ly = 0; ly < LY_COUNT; ly++) {
        memset(x->zmap[ly], -1, sizeof x->zmap[ly]);
        for (size_t k = 0; k < layers[ly].n_zone; k++) {
            size_t col = layers[ly].zone[k];
            x->zcols[ly][k] = layers[ly].cols[col];
            x->zmap[ly][col] = (signed char)k;
        }
    }
    sv__gpkg *gp = NULL;
    int rc = sv__gpkg_create(x->path, &gp, x->diag);
    if (rc != SV_OK)
        return rc;
    for (size_t si = 0; si < x->n_sets; si++) {
        outset *s = &x->sets[si];
        const char *name = sv_geo_crs_name(x->g, s->crs);
        char namebuf[128];
        snprintf(namebuf, sizeof namebuf, "%s", name);
        const char *wkt = sv_geo_wkt(x->g, s->crs);
        if (!wkt) {
            rc = fail_geo(x, SV_ECRS, namebuf);
            goto fail;
        }
        rc = sv__gpkg_add_srs(gp, s->srs_id, namebuf, s->crs.epsg ? "EPSG" : "QUEJIE", s->srs_id,
                              wkt, NULL);
        if (rc != SV_OK) {
            rc = gpkg_fail(x, gp, rc, namebuf);
            goto fail;
        }
        for (int ly = 0; ly < LY_COUNT; ly++) {
            char table[96], title[320];
            snprintf(table, sizeof table, "%s%s", layers[ly].name, s->suffix);
            if (si == 0)
                snprintf(title, sizeof title, "%s, %s", layers[ly].title, namebuf);
            else
                snprintf(title, sizeof title,
                         "%s, %s: plane coordinates, identity and quality; every attribute is "
                         "in %s",
                         layers[ly].title, namebuf, layers[ly].name);
            rc = sv__gpkg_add_layer(gp, table, title, layers[ly].type, s->srs_id,
                                    si == 0 ? layers[ly].cols : x->zcols[ly],
                                    si == 0 ? layers[ly].n_cols : layers[ly].n_zone, &s->lay[ly]);
            if (rc != SV_OK) {
                rc = gpkg_fail(x, gp, rc, table);
                goto fail;
            }
        }
    }
    sv__gpkg_layer *sigs = NULL;
    rc = sv__gpkg_add_attributes(gp, "signatures",
                                 "指界签字 signatures at the pointing-out of the boundary",
                                 sig_cols, SC_COUNT, &sigs);
    if (rc != SV_OK) {
        rc = gpkg_fail(x, gp, rc, "signatures");
        goto fail;
    }
    gctx c = {gp, st};
    if ((rc = gp_units(x, gp)) != SV_OK || (rc = gp_points(x, gp)) != SV_OK ||
        (rc = for_each_line(x, gp_line, &c)) != SV_OK ||
        (rc = for_each_walk(x, x->vx_by_unit, 0, gp_walked, &c)) != SV_OK ||
        (rc = for_each_walk(x, x->vx_by_track, 1, gp_track, &c)) != SV_OK ||
        (rc = gp_signatures(x, gp, sigs)) != SV_OK)
        goto fail;
    st->units = x->n_units;
    st->points = x->n_pts;
    st->vertices = x->n_vx;
    st->signatures = x->n_sigs;
    return sv__gpkg_finish(gp, x->diag);
fail:
    sv__gpkg_abort(gp);
    return rc;
}

/* ---- GeoJSON -----------------------------------------------------------------------------------
 */

/* 1e-9 degree (0.1 mm) is what the journal stores; more digits would be noise. */
static double r9(double v)
{
    return round(v * 1e9) / 1e9;
}

static json_t *jpos(double lon, double lat)
{
    return json_pack("[ff]", r9(lon), r9(lat));
}

static json_t *jring(size_t n, const double *lonlat)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < n; k++)
        if (json_array_append_new(a, jpos(lonlat[2 * k], lonlat[2 * k + 1])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* A polygon ring by RFC 7946's right-hand rule (3.1.6): an exterior ring counter-clockwise
 * (ccw 1), a hole clockwise (ccw 0), whichever way it was drawn or walked; GEOS says which way
 * it runs. A ring without an orientation (collapsed) is written as it is. */
static json_t *jring_rhr(size_t n, const double *lonlat, int ccw)
{
    int is = sv_ring_is_ccw(n, lonlat);
    if (is < 0 || is == ccw)
        return jring(n, lonlat);
    json_t *a = json_array();
    for (size_t k = n; a && k-- > 0;)
        if (json_array_append_new(a, jpos(lonlat[2 * k], lonlat[2 * k + 1])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *jgeom(const char *type, json_t *coords)
{
    return coords ? json_pack("{s:s, s:o}", "type", type, "coordinates", coords) : NULL;
}

static json_t *jmultipolygon(const sv_geom *d)
{
    json_t *parts = json_array();
    const double *ll = d->lonlat;
    size_t r = 0;
    for (size_t p = 0; parts && p < d->n_parts; p++) {
        json_t *poly = json_array();
        for (size_t k = 0; poly && k < d->part_rings[p]; k++, r++) {
            if (json_array_append_new(poly, jring_rhr(d->ring_pts[r], ll, k == 0)) != 0) {
                json_decref(poly);
                poly = NULL;
            }
            ll += 2 * d->ring_pts[r];
        }
        if (!poly || json_array_append_new(parts, poly) != 0) {
            json_decref(parts);
            return NULL;
        }
    }
    return jgeom("MultiPolygon", parts);
}

typedef struct jctx {
    FILE *f;
    size_t written;
    sv_export_stats *st;
} jctx;

/* A sink filling GeoJSON properties, "layer" first so a reader sees at once what it is. */
static sink jsink(const char *layer, const sv__gpkg_column *cols)
{
    sink s = {{NULL, NULL}, json_object(), cols, 0, NULL};
    if (s.props && json_object_set_new(s.props, "layer", json_string(layer)) != 0)
        s.failed = 1;
    return s;
}

/* Write one feature (steals props and geom; geom NULL = null geometry). One feature per line
 * keeps the file streamable and diffable. */
static int j_feature(ex *x, jctx *c, sink *s, json_t *geom, int want_geom)
{
    json_t *props = s->props;
    if (s->failed || !props || (want_geom && !geom)) {
        json_decref(props);
        json_decref(geom);
        return fail_nomem(x);
    }
    json_t *f = json_pack("{s:s, s:o, s:o}", "type", "Feature", "properties", props, "geometry",
                          geom ? geom : json_null());
    if (!f)
        return fail_nomem(x);
    if (c->written++ && fputs(",\n", c->f) == EOF)
        goto io;
    if (json_dumpf(f, c->f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) != 0)
        goto io;
    json_decref(f);
    return SV_OK;
io:
    json_decref(f);
    sv__diag(x->diag, "%s: cannot write: %s", x->path, strerror(errno));
    return SV_EIO;
}

static int j_line(ex *x, const seg *g, void *ctx)
{
    jctx *c = ctx;
    sink s = jsink(layers[LY_LINES].geojson, line_cols);
    line_attrs(x, &s, g);
    const sv_bpoint *a = &x->pts[g->a], *b = &x->pts[g->b];
    double ll[4] = {a->lon, a->lat, b->lon, b->lat};
    int rc = j_feature(x, c, &s, jgeom("LineString", jring(2, ll)), 1);
    if (rc == SV_OK)
        c->st->lines++;
    return rc;
}

static int j_walked(ex *x, const walk *w, void *ctx)
{
    jctx *c = ctx;
    size_t n;
    int plane_ok;
    int rc = walk_lonlat(x, w, 1, &n, &plane_ok);
    if (rc != SV_OK || n < 3)
        return rc;
    x->scratch2[2 * n] = x->scratch2[0];
    x->scratch2[2 * n + 1] = x->scratch2[1];
    sink s = jsink(layers[LY_WALKED].geojson, walked_cols);
    if ((rc = walked_attrs(x, &s, w, n, walk_set(x, w))) != SV_OK) {
        json_decref(s.props);
        return rc;
    }
    json_t *ring = jring_rhr(n + 1, x->scratch2, 1);
    json_t *rings = ring ? json_pack("[o]", ring) : NULL;
    return j_feature(x, c, &s, jgeom("Polygon", rings), 1);
}

static int j_track(ex *x, const walk *w, void *ctx)
{
    jctx *c = ctx;
    size_t n;
    int plane_ok;
    int rc = walk_lonlat(x, w, 0, &n, &plane_ok);
    if (rc != SV_OK || n < 2)
        return rc;
    sink s = jsink(layers[LY_TRACKS].geojson, track_cols);
    char t0[64], t1[64];
    track_attrs(x, &s, w, n, t0, t1);
    rc = j_feature(x, c, &s, jgeom("LineString", jring(n, x->scratch2)), 1);
    if (rc == SV_OK)
        c->st->walks++;
    return rc;
}

static int j_body(ex *x, jctx *c)
{
    int rc;
    for (size_t i = 0; i < x->n_units; i++) {
        sink s = jsink(layers[LY_UNITS].geojson, unit_cols);
        if ((rc = unit_attrs(x, &s, i)) != SV_OK) {
            json_decref(s.props);
            return rc;
        }
        const sv_geom *d = &x->units[i].draft;
        if ((rc = j_feature(x, c, &s, d->n_pts ? jmultipolygon(d) : NULL, d->n_pts > 0)))
            return rc;
    }
    char timebuf[64];
    for (size_t i = 0; i < x->n_pts; i++) {
        const sv_bpoint *p = &x->pts[i];
        sink s = jsink(layers[LY_POINTS].geojson, point_cols);
        point_attrs(x, &s, i, timebuf);
        int has = isfinite(p->lat) && isfinite(p->lon);
        json_t *g = has ? jgeom("Point", jpos(p->lon, p->lat)) : NULL;
        if ((rc = j_feature(x, c, &s, g, has)) != SV_OK)
            return rc;
    }
    if ((rc = for_each_line(x, j_line, c)) != SV_OK ||
        (rc = for_each_walk(x, x->vx_by_unit, 0, j_walked, c)) != SV_OK ||
        (rc = for_each_walk(x, x->vx_by_track, 1, j_track, c)) != SV_OK)
        return rc;
    /* Signatures have no place on the map: features with a null geometry (RFC 7946, 3.2). */
    for (size_t i = 0; i < x->n_sigs; i++) {
        sink s = jsink("signature", sig_cols);
        if ((rc = sig_attrs(x, &s, i, timebuf)) != SV_OK) {
            json_decref(s.props);
            return rc;
        }
        if ((rc = j_feature(x, c, &s, NULL, 0)) != SV_OK)
            return rc;
    }
    return SV_OK;
}

/* ---- CSV ----------------------------------------------------------------------------------------
 */

/*
 * The boundary-point table (界址点成果表): RFC 4180, CRLF line ends, header first, exactly one
 * line per point, no trailing blank line. UTF-8 without a byte-order mark by default: a BOM
 * makes Excel on Windows guess the encoding right, but it becomes part of the first header name
 * for programs that do not expect it (Python's csv without utf-8-sig, awk, some import
 * scripts), so it is written only on request (sv_export_options.bom, `--bom`).
 * edge_m is the plane distance to the next point of the unit in number order, the last back to
 * the first (the 边长 of a 界址点成果表), in metres with 3 decimals.
 * X is the northing and Y the easting, as Chinese survey tables have them, in metres with
 * 3 decimals (millimetres). epsg is the plane CRS's code, or "CM<meridian>" for a custom
 * central meridian; X and Y are empty when a point has no plane CRS.
 */
static void csv_field(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_num(FILE *f, double v, int decimals)
{
    fputc(',', f);
    if (isfinite(v))
        fprintf(f, "%.*f", decimals, v == 0 ? 0.0 : v); /* never "-0.000" */
}

/*
 * edge[i]: the Gauss-Krueger plane distance from point i to the next point of its unit in number
 * order, the last back to the first (the 边长 of a 界址点成果表), for units of two or more
 * points with coordinates; NaN when either end has no plane coordinates in the unit's zone.
 */
static int csv_edges(ex *x, double **out)
{
    double *edge = malloc((x->n_pts ? x->n_pts : 1) * sizeof *edge);
    size_t *run = malloc((x->n_pts ? x->n_pts : 1) * sizeof *run);
    if (!edge || !run) {
        free(edge);
        free(run);
        return fail_nomem(x);
    }
    size_t i = 0;
    while (i < x->n_pts) {
        size_t k = i, m = 0;
        for (; k < x->n_pts && strcmp(x->pts[k].unit, x->pts[i].unit) == 0; k++) {
            edge[k] = NAN;
            if (isfinite(x->pts[k].lat) && isfinite(x->pts[k].lon))
                run[m++] = k;
        }
        for (size_t r = 0; m >= 2 && r < m; r++) {
            size_t a = run[r], b = run[(r + 1) % m];
            const double *pa = &x->pt_ne[2 * a], *pb = &x->pt_ne[2 * b];
            if (x->pt_set[a] > 0 && x->pt_set[a] == x->pt_set[b])
                edge[a] = hypot(pb[0] - pa[0], pb[1] - pa[1]); /* NaN if either is */
        }
        i = k;
    }
    free(run);
    *out = edge;
    return SV_OK;
}

static int write_csv_body(ex *x, FILE *f, sv_export_stats *st)
{
    double *edge;
    int rc = csv_edges(x, &edge);
    if (rc != SV_OK)
        return rc;
    if (x->bom)
        fputs("\xef\xbb\xbf", f);
    fputs("unit,number,X,Y,h,point_type,marker,fix,n,sigma_e,sigma_n,sigma_u,epsg,edge_m\r\n", f);
    for (size_t i = 0; i < x->n_pts; i++) {
        const sv_bpoint *p = &x->pts[i];
        csv_field(f, p->unit);
        fputc(',', f);
        csv_field(f, p->number);
        csv_num(f, x->pt_ne[2 * i], 3);
        csv_num(f, x->pt_ne[2 * i + 1], 3);
        csv_num(f, p->h, 3);
        fputc(',', f);
        csv_field(f, p->point_type);
        fputc(',', f);
        csv_field(f, p->marker);
        fputc(',', f);
        csv_field(f, sv_grade_name(p->q.grade));
        fputc(',', f);
        if (p->q.n >= 0)
            fprintf(f, "%d", p->q.n);
        csv_num(f, p->q.sigma_e, 3);
        csv_num(f, p->q.sigma_n, 3);
        csv_num(f, p->q.sigma_u, 3);
        fputc(',', f);
        int set = x->pt_set[i];
        if (set > 0 && x->sets[set].crs.epsg)
            fprintf(f, "%d", x->sets[set].crs.epsg);
        else if (set > 0)
            fprintf(f, "CM%g", x->sets[set].crs.central_meridian);
        csv_num(f, edge[i], 3);
        fputs("\r\n", f);
    }
    free(edge);
    st->points = x->n_pts;
    return ferror(f) ? SV_EIO : SV_OK;
}

/* Write a text format through a temporary file beside the target. */
static int write_text(ex *x, sv_export_format fmt, sv_export_stats *st)
{
    size_t tsize = strlen(x->path) + 12;
    char *tmp = malloc(tsize);
    if (!tmp)
        return fail_nomem(x);
    int fd = sv__tmp_beside(x->path, tmp, tsize);
    if (fd < 0) {
        sv__diag(x->diag, "%s: cannot create a temporary file beside it: %s", x->path,
                 strerror(errno));
        free(tmp);
        return SV_EIO;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        free(tmp);
        return fail_nomem(x);
    }
    int rc;
    if (fmt == SV_EXPORT_CSV) {
        rc = write_csv_body(x, f, st);
    } else {
        jctx c = {f, 0, st};
        /* The name says what the file is; no "crs" member: RFC 7946 coordinates are lon/lat
         * by definition, and CGCS2000 agrees with WGS 84 to well under a metre. */
        fputs("{\"type\":\"FeatureCollection\",\"name\":\"quejie\",\"features\":[\n", f);
        rc = j_body(x, &c);
        if (rc == SV_OK) {
            fputs("\n]}\n", f);
            st->units = x->n_units;
            st->points = x->n_pts;
            st->vertices = x->n_vx;
            st->signatures = x->n_sigs;
        }
    }
    if (rc == SV_OK && (fflush(f) != 0 || ferror(f)))
        rc = SV_EIO;
    if (fclose(f) != 0 && rc == SV_OK)
        rc = SV_EIO;
    if (rc == SV_EIO && !x->diag->msg[0])
        sv__diag(x->diag, "%s: cannot write: %s", x->path, strerror(errno));
    if (rc == SV_OK && sv__tmp_commit(tmp, x->path) != 0) {
        sv__diag(x->diag, "%s: cannot put the file in place: %s", x->path, strerror(errno));
        rc = SV_EIO;
    }
    if (rc != SV_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* ---- Entry point
 * ---------------------------------------------------------------------------------- */

/* The one export path: journals js[0..n) (n == 1 with an optional unit). */
static int export_run(sv_journal *const *js, size_t n, sv_geo *g, sv_export_format fmt,
                      const char *unit, const char *path, const sv_export_options *opt,
                      sv_export_stats *stats, sv_diag *diag)
{
    sv_diag local = {{0}};
    sv_export_stats st_local = {0};
    if (!diag)
        diag = &local;
    diag->msg[0] = '\0';
    sv_export_stats *st = stats ? stats : &st_local;
    memset(st, 0, sizeof *st);
    int bad = !g || !path || !*path || (n && !js) || (unit && n != 1) ||
              (fmt != SV_EXPORT_GPKG && fmt != SV_EXPORT_GEOJSON && fmt != SV_EXPORT_CSV);
    for (size_t k = 0; !bad && k < n; k++)
        bad = !js[k];
    if (bad) {
        sv__diag(diag, "export: invalid argument");
        return SV_EINVAL;
    }
    if (opt && opt->bom && fmt != SV_EXPORT_CSV) {
        sv__diag(diag,
                 "%s: a byte-order mark is for CSV only (JSON text must not start with "
                 "one, RFC 8259 8.1; a GeoPackage is an SQLite file)",
                 path);
        return SV_EINVAL;
    }
    ex x;
    memset(&x, 0, sizeof x);
    x.js = js;
    x.n_js = n;
    x.g = g;
    x.diag = diag;
    x.path = path;
    x.bom = opt && opt->bom;
    x.sets[0].crs = (sv_crs){SV_EPSG_CGCS2000, NAN};
    x.sets[0].srs_id = SV_EPSG_CGCS2000;
    x.n_sets = 1;
    if (is_journal_file(&x, path)) {
        sv__diag(diag, "%s: that is the journal itself; choose another output file", path);
        return SV_EINVAL;
    }
    int rc = load(&x, unit);
    if (rc == SV_OK)
        rc = fmt == SV_EXPORT_GPKG ? write_gpkg(&x, st) : write_text(&x, fmt, st);
    if (rc == SV_OK)
        count_unjoined(&x, st);
    ex_free(&x);
    if (rc != SV_OK) {
        memset(st, 0, sizeof *st);
        if (!diag->msg[0])
            sv__diag(diag, "%s: %s", path, sv_strerror(rc));
    }
    return rc;
}

int sv_export(sv_journal *j, sv_geo *g, sv_export_format fmt, const char *unit, const char *path,
              sv_export_stats *stats, sv_diag *diag)
{
    return export_run(&j, 1, g, fmt, unit, path, NULL, stats, diag);
}

int sv_export_opts(sv_journal *j, sv_geo *g, sv_export_format fmt, const char *unit,
                   const char *path, const sv_export_options *opt, sv_export_stats *stats,
                   sv_diag *diag)
{
    return export_run(&j, 1, g, fmt, unit, path, opt, stats, diag);
}

int sv_export_journals(sv_journal **js, size_t n, sv_geo *g, sv_export_format fmt, const char *path,
                       sv_export_stats *stats, sv_diag *diag)
{
    return export_run(js, n, g, fmt, NULL, path, NULL, stats, diag);
}
