/*
 * export_layers.c - the layers every export format writes, and what each feature carries:
 * the column schemas (one set of names for GeoPackage columns and GeoJSON properties), the
 * attribute sinks that fill a GeoPackage row and its plane copy or a GeoJSON properties object
 * from one set of calls, each feature's attributes, and the walk over the loaded state
 * (export.c) that yields the boundary lines, walked polygons and tracks.
 *
 * It never writes a file and never opens a journal: the writers (export_gpkg.c,
 * export_text.c) call it with a sink, and it reads only the loaded context. A column added
 * here appears in every format at once; the order of the enums is the order of the columns.
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
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "export_int.h"
#include "summary_int.h"
#include "survey/geom.h"

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
    UC_ORIGIN0, /* per field: <field>_device, <field>_seq (the exported verification's origin),
                 * <field>_decision, <field>_decided_by, <field>_decided (the office's choice) */
    UC_STATUS = UC_ORIGIN0 + 5 * SV_FIELD_COUNT, /* the office's procedure (county export) */
    UC_NOTICE_FROM,
    UC_NOTICE_TO,
    UC_DISPUTES_OPEN,
    UC_ABSENT,
    UC_OBJECTIONS_UNTIL,
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
    /* per field: which device's verification (entry seq) the record holds, and the county
     * office's choice between devices' versions when it made one (sv_export_choice) */
    {"owner_device", SV__GPKG_TEXT},
    {"owner_seq", SV__GPKG_INTEGER},
    {"owner_decision", SV__GPKG_TEXT},
    {"owner_decided_by", SV__GPKG_TEXT},
    {"owner_decided", SV__GPKG_DATETIME},
    {"representative_device", SV__GPKG_TEXT},
    {"representative_seq", SV__GPKG_INTEGER},
    {"representative_decision", SV__GPKG_TEXT},
    {"representative_decided_by", SV__GPKG_TEXT},
    {"representative_decided", SV__GPKG_DATETIME},
    {"agent_device", SV__GPKG_TEXT},
    {"agent_seq", SV__GPKG_INTEGER},
    {"agent_decision", SV__GPKG_TEXT},
    {"agent_decided_by", SV__GPKG_TEXT},
    {"agent_decided", SV__GPKG_DATETIME},
    {"mode_device", SV__GPKG_TEXT},
    {"mode_seq", SV__GPKG_INTEGER},
    {"mode_decision", SV__GPKG_TEXT},
    {"mode_decided_by", SV__GPKG_TEXT},
    {"mode_decided", SV__GPKG_DATETIME},
    {"rights_device", SV__GPKG_TEXT},
    {"rights_seq", SV__GPKG_INTEGER},
    {"rights_decision", SV__GPKG_TEXT},
    {"rights_decided_by", SV__GPKG_TEXT},
    {"rights_decided", SV__GPKG_DATETIME},
    {"manager_device", SV__GPKG_TEXT},
    {"manager_seq", SV__GPKG_INTEGER},
    {"manager_decision", SV__GPKG_TEXT},
    {"manager_decided_by", SV__GPKG_TEXT},
    {"manager_decided", SV__GPKG_DATETIME},
    /* the unit's state in the county office's procedure (docs/office.md), its notice period:
     * county export only, NULL in a tablet's */
    {"status", SV__GPKG_TEXT},
    {"notice_from", SV__GPKG_TEXT},
    {"notice_to", SV__GPKG_TEXT},
    /* ownership disputes not settled (on site or at the office: the disputes table), parties
     * recorded absent with a notice date, and the latest end of their objection periods
     * (DOMAIN.md 4: 15 days) */
    {"disputes_open", SV__GPKG_INTEGER},
    {"absent_parties", SV__GPKG_INTEGER},
    {"objections_until", SV__GPKG_TEXT},
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
    PC_GROUND_H,
    PC_POLE_H,
    PC_METHOD,
    PC_OVERRIDE_CODE,
    PC_SUPERSEDES,
    PC_CORRECTION,
    PC_OFF_NORTH,
    PC_OFF_BRG_IN,
    PC_OFF_CORR,
    PC_DECISION,
    PC_DECIDED_BY,
    PC_DECIDED,
    PC_SHARED_UNIT,
    PC_SHARED_NUMBER,
    PC_SXH,
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
    {"ground_h", SV__GPKG_REAL},
    {"pole_h", SV__GPKG_REAL},
    {"method", SV__GPKG_TEXT},
    {"override_code", SV__GPKG_TEXT},
    {"supersedes", SV__GPKG_INTEGER},
    {"correction_reason", SV__GPKG_TEXT},
    {"offset_north", SV__GPKG_TEXT},
    {"offset_bearing_entered_deg", SV__GPKG_REAL},
    {"offset_correction_deg", SV__GPKG_REAL},
    {"review_decision", SV__GPKG_TEXT},
    {"decided_by", SV__GPKG_TEXT},
    {"decided", SV__GPKG_DATETIME},
    /* a neighbouring unit's point this unit shares (kind "share"): that unit and its number
     * there, where it is measured; NULL for the unit's own point */
    {"shared_unit", SV__GPKG_TEXT},
    {"shared_number", SV__GPKG_TEXT},
    /* its place in the unit's ring, 1.. in number order (KTT_GY_JZD's SXH, the 界址点成果表's
     * 序号; seq is the journal entry's number, not this) */
    {"sxh", SV__GPKG_INTEGER},
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
    LC_DISPUTE_NO,
    LC_AGREEMENT_NO,
    LC_NATURE_RECORDED,
    LC_COUNT
};

static const sv__gpkg_column line_cols[] = {
    {"unit", SV__GPKG_TEXT},
    {"from_point", SV__GPKG_TEXT},
    {"to_point", SV__GPKG_TEXT},
    {"category", SV__GPKG_TEXT},
    {"position", SV__GPKG_TEXT},
    {"nature", SV__GPKG_TEXT},
    {"neighbour", SV__GPKG_TEXT},
    {"length_m", SV__GPKG_REAL},
    {"plane_length_m", SV__GPKG_REAL},
    {"line_seq", SV__GPKG_INTEGER},
    {"dispute_no", SV__GPKG_TEXT},
    {"agreement_no", SV__GPKG_TEXT},
    {"nature_recorded", SV__GPKG_TEXT},
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
static const unsigned char point_zone[] = {PC_UNIT, PC_NUMBER,   PC_TYPE,   PC_MARKER, PC_H,
                                           PC_XN,   PC_YE,       PC_EPSG,   PC_CM,     PC_GRADE,
                                           PC_N,    PC_SE,       PC_SN,     PC_SU,     PC_DATUM,
                                           PC_SEQ,  PC_GROUND_H, PC_POLE_H, PC_METHOD, PC_SXH};
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

const sv__gpkg_column sv__ex_sig_cols[] = {
    {"unit", SV__GPKG_TEXT},    {"party", SV__GPKG_TEXT},      {"signer", SV__GPKG_TEXT},
    {"role", SV__GPKG_TEXT},    {"signed", SV__GPKG_DATETIME}, {"stroke_count", SV__GPKG_INTEGER},
    {"strokes", SV__GPKG_TEXT}, {"covers", SV__GPKG_TEXT},     {"covers_current", SV__GPKG_BOOLEAN},
    {"seq", SV__GPKG_INTEGER},  {"device", SV__GPKG_TEXT},     {"crew", SV__GPKG_TEXT},
};
_Static_assert(sizeof sv__ex_sig_cols / sizeof sv__ex_sig_cols[0] == SC_COUNT, "signature columns");
const size_t sv__ex_n_sig_cols = SC_COUNT;

/* Notes (kind "note"): an attributes table, no geometry; target is unit, point or line. */
enum {
    NC_UNIT,
    NC_TARGET,
    NC_POINT,
    NC_FROM,
    NC_TO,
    NC_PHRASE,
    NC_TEXT,
    NC_RECORDED,
    NC_SEQ,
    NC_DEVICE,
    NC_CREW,
    NC_COUNT
};

const sv__gpkg_column sv__ex_note_cols[] = {
    {"unit", SV__GPKG_TEXT},       {"target", SV__GPKG_TEXT},       {"point", SV__GPKG_TEXT},
    {"from_point", SV__GPKG_TEXT}, {"to_point", SV__GPKG_TEXT},     {"phrase", SV__GPKG_TEXT},
    {"text", SV__GPKG_TEXT},       {"recorded", SV__GPKG_DATETIME}, {"seq", SV__GPKG_INTEGER},
    {"device", SV__GPKG_TEXT},     {"crew", SV__GPKG_TEXT},
};
_Static_assert(sizeof sv__ex_note_cols / sizeof sv__ex_note_cols[0] == NC_COUNT, "note columns");
const size_t sv__ex_n_note_cols = NC_COUNT;

/* Disputes (kind "dispute", with their settlement): an attributes table, no geometry; the
 * stretch they cover is on the boundary lines (dispute_no, nature). */
enum {
    DC_UNIT,
    DC_NUMBER,
    DC_STATE,
    DC_PARTIES,
    DC_STATEMENT,
    DC_FROM,
    DC_TO,
    DC_AREA,
    DC_AGREEMENT_NO,
    DC_AGREEMENT,
    DC_OFFICE_OUTCOME,
    DC_RECORDED,
    DC_SEQ,
    DC_DEVICE,
    DC_CREW,
    DC_COUNT
};

const sv__gpkg_column sv__ex_dispute_cols[] = {
    {"unit", SV__GPKG_TEXT},
    {"number", SV__GPKG_TEXT}, /* the 土地权属争议原由书's number, on the lines it covers */
    {"state", SV__GPKG_TEXT},  /* open, settled_on_site, settled_at_office */
    {"parties", SV__GPKG_TEXT},
    {"statement", SV__GPKG_TEXT},
    {"from_point", SV__GPKG_TEXT},
    {"to_point", SV__GPKG_TEXT},
    {"has_area", SV__GPKG_BOOLEAN}, /* recorded with a disputed area (polygon) */
    {"agreement_no", SV__GPKG_TEXT},
    {"agreement", SV__GPKG_TEXT},      /* an on-site settlement's agreement text */
    {"office_outcome", SV__GPKG_TEXT}, /* the county office's settlement's outcome */
    {"recorded", SV__GPKG_DATETIME},
    {"seq", SV__GPKG_INTEGER},
    {"device", SV__GPKG_TEXT},
    {"crew", SV__GPKG_TEXT},
};
_Static_assert(sizeof sv__ex_dispute_cols / sizeof sv__ex_dispute_cols[0] == DC_COUNT,
               "dispute columns");
const size_t sv__ex_n_dispute_cols = DC_COUNT;

_Static_assert(UC_COUNT <= SV__EX_MAX_COLS && PC_COUNT <= SV__EX_MAX_COLS &&
                   LC_COUNT <= SV__EX_MAX_COLS && WC_COUNT <= SV__EX_MAX_COLS &&
                   TC_COUNT <= SV__EX_MAX_COLS,
               "SV__EX_MAX_COLS");

const sv__ex_layer sv__ex_layers[SV__LY_COUNT] = {
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

int sv__ex_geojson_other_layer(const char *layer)
{
    if (!layer)
        return 0;
    for (size_t k = 0; k < SV__LY_COUNT; k++)
        if (k != SV__LY_UNITS && strcmp(layer, sv__ex_layers[k].geojson) == 0)
            return 1;
    return strcmp(layer, SV__EX_GEOJSON_SIGNATURE) == 0 ||
           strcmp(layer, SV__EX_GEOJSON_NOTE) == 0 || strcmp(layer, SV__EX_GEOJSON_DISPUTE) == 0;
}

/* ---- Attribute sinks: one set of calls fills GeoPackage rows and GeoJSON properties -------- */

/* Callers build the value only when s->props is set: a GeoPackage row needs no JSON. */
static void put_json(sv__ex_sink *s, size_t col, json_t *v)
{
    if (!v || json_object_set_new(s->props, s->cols[col].name, v) != 0)
        s->failed = 1;
}

/* The plane copy's index of col, or -1 when there is no plane copy or it lacks col. */
static int zcol(const sv__ex_sink *s, size_t col)
{
    return s->l[1] ? s->zmap[col] : -1;
}

/* Text is borrowed by the GeoPackage writer until the insert: callers keep it alive. */
static void s_text(sv__ex_sink *s, size_t col, const char *v)
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
static void s_code(sv__ex_sink *s, size_t col, const char *v)
{
    s_text(s, col, v && *v ? v : NULL);
}

static void s_int(sv__ex_sink *s, size_t col, int64_t v)
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
static void s_int_opt(sv__ex_sink *s, size_t col, int64_t v, int64_t unknown)
{
    if (v == unknown)
        s_text(s, col, NULL);
    else
        s_int(s, col, v);
}

static void s_bool(sv__ex_sink *s, size_t col, int v)
{
    int z = zcol(s, col);
    if (s->l[0])
        sv__gpkg_set_int(s->l[0], col, v ? 1 : 0);
    if (z >= 0)
        sv__gpkg_set_int(s->l[1], (size_t)z, v ? 1 : 0);
    if (s->props)
        put_json(s, col, json_boolean(v));
}

static void s_real(sv__ex_sink *s, size_t col, double v)
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

static void crs_attrs(const sv__ex *x, sv__ex_sink *s, size_t c_epsg, size_t c_cm, int set)
{
    const sv__ex_set *ps = sv__ex_plane_set(x, set);
    if (ps) {
        sv_crs crs = ps->crs;
        s_int(s, c_epsg, crs.epsg); /* 0 with a custom central meridian */
        s_real(s, c_cm, sv_geo_central_meridian(crs));
    } else {
        s_text(s, c_epsg, NULL);
        s_text(s, c_cm, NULL);
    }
}

int sv__ex_unit_attrs(sv__ex *x, sv__ex_sink *s, size_t i)
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
        const sv_export_choice *ch = x->ver_choice[i * SV_FIELD_COUNT + (size_t)f];
        size_t o = UC_ORIGIN0 + 5 * (size_t)f;
        s_code(s, o, v ? x->src[x->ver_src[v - x->ver]].device : NULL);
        if (v)
            s_int(s, o + 1, v->seq);
        else
            s_text(s, o + 1, NULL);
        const char *dev = v ? x->src[x->ver_src[v - x->ver]].device : NULL;
        s_code(s, o + 2,
               !ch                                            ? NULL
               : ch->device                                   ? "chosen"
               : v && sv_export_choice_later(ch, dev, v->seq) ? "reverified"
                                                              : "reverify");
        s_text(s, o + 3, ch ? ch->decided_by : NULL);
        char decided[64];
        s_text(s, o + 4, ch ? iso_ms(ch->decided_ms, decided) : NULL);
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
    const sv_export_status *st = x->unit_status ? x->unit_status[i] : NULL;
    s_code(s, UC_STATUS, st ? st->status : NULL);
    s_text(s, UC_NOTICE_FROM, st ? st->notice_from : NULL);
    s_text(s, UC_NOTICE_TO, st ? st->notice_to : NULL);
    /* the disputes as the record has them (settled on site or at the office: not open) */
    int64_t open = 0;
    for (size_t k = 0; k < x->n_disp; k++)
        open += !x->disp[k].settled && strcmp(x->disp[k].unit, u->code) == 0;
    s_int(s, UC_DISPUTES_OPEN, open);
    s_int(s, UC_ABSENT, sm->absent);
    s_text(s, UC_OBJECTIONS_UNTIL, sm->objections_until[0] ? sm->objections_until : NULL);
    return SV_OK;
}

void sv__ex_point_attrs(const sv__ex *x, sv__ex_sink *s, size_t i, char timebuf[64])
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
    /* a point its zone cannot take (no X/Y) names no plane CRS either (docs/cli.md) */
    crs_attrs(x, s, PC_EPSG, PC_CM, isfinite(x->pt_ne[2 * i]) ? x->pt_set[i] : -1);
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
    s_real(s, PC_GROUND_H, p->ground_h);
    s_real(s, PC_POLE_H, p->pole_set > 0 ? p->pole_h : NAN);
    s_code(s, PC_METHOD, p->method);
    s_code(s, PC_OVERRIDE_CODE, p->override_code);
    if (p->supersedes)
        s_int(s, PC_SUPERSEDES, p->supersedes);
    else
        s_text(s, PC_SUPERSEDES, NULL);
    s_text(s, PC_CORRECTION, p->reason);
    s_text(s, PC_OFF_NORTH, off ? sv_north_name(p->off.north) : NULL);
    s_real(s, PC_OFF_BRG_IN, off ? p->off.bearing_entered : NAN);
    s_real(s, PC_OFF_CORR, off ? p->off.correction_deg : NAN);
    const sv_export_choice *ch = sv__ex_choice(x, p->unit, p->number);
    /* only a point that shares another can have been moved by an edge match (edge_record) */
    const sv_export_edge *edge = p->shared_unit[0] ? sv__ex_edge(x, p->unit, p->number) : NULL;
    if (edge && strcmp(p->shared_unit, edge->to_unit) != 0)
        edge = NULL; /* its target is not in the record: the point is as measured */
    char decided[64];
    if (edge) {
        s_code(s, PC_DECISION, "edge_matched");
        s_text(s, PC_DECIDED_BY, edge->decided_by);
        s_text(s, PC_DECIDED, iso_ms(edge->decided_ms, decided));
    } else {
        s_code(s, PC_DECISION,
               !ch                                                               ? NULL
               : ch->device                                                      ? "chosen"
               : sv_export_choice_later(ch, x->src[x->pt_src[i]].device, p->seq) ? "resurveyed"
                                                                                 : "resurvey");
        s_text(s, PC_DECIDED_BY, ch ? ch->decided_by : NULL);
        s_text(s, PC_DECIDED, ch ? iso_ms(ch->decided_ms, decided) : NULL);
    }
    s_text(s, PC_SHARED_UNIT, p->shared_unit[0] ? p->shared_unit : NULL);
    s_text(s, PC_SHARED_NUMBER, p->shared_number[0] ? p->shared_number : NULL);
    s_int(s, PC_SXH, x->pt_sxh[i]);
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
int sv__ex_sig_attrs(sv__ex *x, sv__ex_sink *s, size_t i, char timebuf[64])
{
    const sv_signature *g = &x->sigs[i];
    size_t strokes;
    json_t *arr = sig_strokes(g, &strokes);
    if (!arr)
        return sv__ex_nomem(x);
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
            return sv__ex_nomem(x);
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

/* The attributes of dispute i. */
void sv__ex_dispute_attrs(const sv__ex *x, sv__ex_sink *s, size_t i, char timebuf[64])
{
    const sv_dispute *d = &x->disp[i];
    s_text(s, DC_UNIT, d->unit);
    s_text(s, DC_NUMBER, d->number);
    s_text(s, DC_STATE,
           d->office_outcome ? "settled_at_office"
           : d->settled      ? "settled_on_site"
                             : "open");
    s_text(s, DC_PARTIES, d->parties);
    s_text(s, DC_STATEMENT, d->statement);
    s_code(s, DC_FROM, d->from);
    s_code(s, DC_TO, d->to);
    s_bool(s, DC_AREA, d->area.n_pts > 0);
    s_code(s, DC_AGREEMENT_NO, d->agreement_no);
    s_text(s, DC_AGREEMENT, d->agreement);
    s_text(s, DC_OFFICE_OUTCOME, d->office_outcome);
    s_text(s, DC_RECORDED, iso_ms(d->time_ms, timebuf));
    s_int(s, DC_SEQ, d->seq);
    s_code(s, DC_DEVICE, x->src[x->disp_src[i]].device);
    s_code(s, DC_CREW, x->src[x->disp_src[i]].crew);
}

/* The attributes of note i. */
void sv__ex_note_attrs(const sv__ex *x, sv__ex_sink *s, size_t i, char timebuf[64])
{
    const sv_note *o = &x->notes[i];
    s_text(s, NC_UNIT, o->unit);
    s_text(s, NC_TARGET, sv_note_target(o));
    s_code(s, NC_POINT, o->point);
    s_code(s, NC_FROM, o->from);
    s_code(s, NC_TO, o->to);
    s_code(s, NC_PHRASE, o->phrase);
    s_text(s, NC_TEXT, o->text);
    s_text(s, NC_RECORDED, iso_ms(o->time_ms, timebuf));
    s_int(s, NC_SEQ, o->seq);
    s_code(s, NC_DEVICE, x->src[x->note_src[i]].device);
    s_code(s, NC_CREW, x->src[x->note_src[i]].crew);
}

/* ---- Walking the state: the features every format writes ------------------------------------ */

void sv__ex_line_attrs(const sv__ex *x, sv__ex_sink *s, const sv__ex_seg *g)
{
    const sv_bpoint *a = &x->pts[g->a], *b = &x->pts[g->b];
    s_text(s, LC_UNIT, a->unit);
    s_text(s, LC_FROM, a->number);
    s_text(s, LC_TO, b->number);
    s_code(s, LC_CATEGORY, g->rec ? g->rec->category : NULL);
    s_code(s, LC_POSITION, g->rec ? g->rec->position : NULL);
    /* the nature now: disputed while a dispute covering the line is open, settled once it is
     * settled, else as recorded (sv_line_docs_of) */
    s_code(s, LC_NATURE, g->docs.nature);
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
    s_code(s, LC_DISPUTE_NO, g->docs.dispute_no);
    s_code(s, LC_AGREEMENT_NO, g->docs.agreement_no);
    s_code(s, LC_NATURE_RECORDED, g->rec ? g->rec->nature : NULL);
}

/* How many of x->disp are the unit's: counted once per unit (disputes are few). */
static void unit_disputes(const sv__ex *x, const char *unit, size_t *count)
{
    *count = 0;
    for (size_t i = 0; i < x->n_disp; i++)
        *count += strcmp(x->disp[i].unit, unit) == 0;
}

/* g's documents: the rule of the survey library over the unit's drawn ring. */
static void seg_docs(const sv__ex *x, sv__ex_seg *g, size_t nd, size_t n_ring)
{
    const sv_bpoint *a = &x->pts[g->a], *b = &x->pts[g->b];
    sv_line_docs_of(nd ? x->disp : NULL, nd ? x->n_disp : 0, a->unit, x->ring, n_ring, a->number,
                    b->number, g->rec ? g->rec->nature : NULL, &g->docs);
}

/*
 * Call fn for each boundary line: consecutive points of a unit in number order, closing back
 * to the first when there are three or more; then any recorded line between two existing
 * points of the unit that is not such a pair (numbering changed after it was recorded), so a
 * recorded line is never lost.
 */
int sv__ex_for_each_line(sv__ex *x, int (*fn)(sv__ex *, const sv__ex_seg *, void *), void *ctx)
{
    memset(x->line_used, 0, x->n_lines ? x->n_lines : 1);
    size_t i = 0;
    while (i < x->n_pts) {
        size_t k = i;
        while (k < x->n_pts && strcmp(x->pts[k].unit, x->pts[i].unit) == 0)
            k++;
        /* Points without coordinates cannot be joined; the line skips to the next one. */
        size_t first = SIZE_MAX, prev = SIZE_MAX, count = 0, nd = 0;
        /* the ring the lines are drawn along, for the disputes' rule */
        unit_disputes(x, x->pts[i].unit, &nd);
        size_t n_ring = 0;
        for (size_t m = i; nd && m < k; m++)
            if (isfinite(x->pts[m].lat) && isfinite(x->pts[m].lon))
                x->ring[n_ring++] = x->pts[m].number;
        for (size_t m = i; m < k; m++) {
            if (!isfinite(x->pts[m].lat) || !isfinite(x->pts[m].lon))
                continue;
            count++;
            if (prev == SIZE_MAX) {
                first = prev = m;
                continue;
            }
            sv__ex_seg g = {prev, m, NULL, {{0}}};
            g.rec = sv__ex_line_take(x, x->pts[i].unit, x->pts[prev].number, x->pts[m].number);
            seg_docs(x, &g, nd, n_ring);
            int rc = fn(x, &g, ctx);
            if (rc != SV_OK)
                return rc;
            prev = m;
        }
        if (count >= 3) {
            sv__ex_seg g = {prev, first, NULL, {{0}}};
            g.rec = sv__ex_line_take(x, x->pts[i].unit, x->pts[prev].number, x->pts[first].number);
            seg_docs(x, &g, nd, n_ring);
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
            sv__ex_seg g = {a, b, sv__ex_line_take(x, l->unit, l->from, l->to), {{0}}};
            seg_docs(x, &g, nd, n_ring);
            int rc = fn(x, &g, ctx);
            if (rc != SV_OK)
                return rc;
        }
        i = k;
    }
    return SV_OK;
}

static int no_line(sv__ex *x, const sv__ex_seg *g, void *ctx)
{
    (void)x, (void)g, (void)ctx;
    return SV_OK;
}

/* The recorded lines sv__ex_for_each_line cannot draw (an end that is no longer a current point
 * of the unit with coordinates): the walk itself decides, so this count and the layers never
 * disagree. They are counted for the caller to report. */
int sv__ex_count_unjoined(sv__ex *x, sv_export_stats *st)
{
    int rc = sv__ex_for_each_line(x, no_line, NULL);
    for (size_t li = 0; rc == SV_OK && li < x->n_lines; li++) {
        if (x->line_used[li])
            continue;
        const sv_bline *l = &x->lines[li];
        if (st->lines_unjoined++ == 0)
            snprintf(st->unjoined_first, sizeof st->unjoined_first, "%.40s %.20s-%.20s", l->unit,
                     l->from, l->to);
    }
    return rc;
}

static int vertex_usable(const sv_vertex *v)
{
    return !v->jump && isfinite(v->lat) && isfinite(v->lon);
}

/* Group the sorted keys into runs of equal unit (by_track 0; per journal when several are
 * exported) or unit and track (1; track ids are unique across journals). */
int sv__ex_for_each_walk(sv__ex *x, const sv__ex_vkey *keys, int by_track,
                         int (*fn)(sv__ex *, const sv__ex_walk *, void *), void *ctx)
{
    size_t i = 0;
    while (i < x->n_vx) {
        size_t k = i;
        while (k < x->n_vx && strcmp(keys[k].unit, keys[i].unit) == 0 &&
               (by_track ? keys[k].track == keys[i].track : keys[k].src == keys[i].src))
            k++;
        sv__ex_walk w = {keys + i, k - i, 0, 0};
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
int sv__ex_walk_lonlat(sv__ex *x, const sv__ex_walk *w, int ring, size_t *n, int *plane_ok)
{
    int rc = sv__ex_reserve(x, &x->scratch2, &x->scratch2_cap, 2 * (w->used + 1));
    if (rc == SV_OK)
        rc = sv__ex_reserve(x, &x->scratch, &x->scratch_cap, 2 * (w->used + 1));
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
int sv__ex_walk_set(const sv__ex *x, const sv__ex_walk *w)
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

int sv__ex_walked_attrs(sv__ex *x, sv__ex_sink *s, const sv__ex_walk *w, size_t n, int set)
{
    const sv_vertex *first = &x->vx[w->keys[0].idx], *last = &x->vx[w->keys[w->n - 1].idx];
    s_text(s, WC_UNIT, first->unit);
    s_int(s, WC_VERTICES, (int64_t)n);
    /* The walked polygon as the unit summary measures and judges it (summary.h): only the
     * plane area depends on the CRS; an invalid polygon is written, and flagged. */
    sv_unit_summary sm;
    const sv__ex_set *ps = sv__ex_plane_set(x, set);
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

void sv__ex_track_attrs(sv__ex *x, sv__ex_sink *s, const sv__ex_walk *w, size_t n, char t0[64],
                        char t1[64])
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
