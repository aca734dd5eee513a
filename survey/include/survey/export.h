/*
 * export.h - the journal's current state out to the formats the county office opens.
 *
 * GeoPackage 1.2 (units, boundary points, boundary lines, walked polygons, tracks; in CGCS2000
 * and in each Gauss-Krueger zone in use; UTF-8 attributes; signatures in an attributes table
 * without geometry), GeoJSON (RFC 7946 lon/lat; signatures as features with a null geometry), and
 * the CSV boundary-point table (number, X northing, Y easting with 3 decimals, h, point type,
 * marker, fix status, n, sigmas, epsg, edge_m). GeoJSON polygons follow RFC 7946's right-hand
 * rule (exterior rings counter-clockwise, holes clockwise). Units carry the unit summary's
 * surveyed polygon (summary.h): surveyed_area_m2, surveyed_plane_area_m2, surveyed_valid and
 * surveyed_invalid_reason; walked polygons valid and invalid_reason (GEOS's verdict): an
 * invalid polygon is written, and flagged. Output goes to a temporary file beside the target that
 * is renamed into place only when complete: a failed export never leaves a half file.
 *
 * SV_EXPORT_FORMS writes the official forms of each unit's boundary survey as one HTML document
 * to print from a browser (A4, a page per form, nothing fetched): 界址点成果表 (number, X, Y,
 * 边长 as the CSV has them, point type, marker, method; the unit's CRS and surveyed area),
 * 界址标示表 (each boundary line with its marker, length, category, position, nature and
 * document numbers) and 界址签章表 (the lines grouped by neighbour, with each party's current
 * signature drawn from its strokes, or an empty cell for wet ink), a 宗地草图 (the unit drawn
 * to a stated paper scale), a 界址说明表 (points' markers and notes, the boundary's course), a
 * 土地权属争议原由书 per dispute and a 违约缺席定界通知书 per party recorded absent (with its
 * objection period). opt->authority, when given, names who receives objections. stats counts units,
 * points and lines printed.
 *
 * SV_EXPORT_NOTICE writes the public notice (公告, DOMAIN.md 9) of the units the options' notices
 * name, as one HTML document to print: the notice text with the authority that gives it and
 * receives written objections within each unit's period, a table of the units (code, name,
 * type, location, owner and representative after verification, sv_field_result; surveyed area,
 * else the draft's marked as such; the notice period) and, as 附图, each unit's 宗地草图. Only
 * the county office knows the periods: without notices the export is SV_EINVAL. stats counts
 * the units noticed.
 */
#ifndef SURVEY_EXPORT_H
#define SURVEY_EXPORT_H

#include "geo.h"
#include "state.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sv_export_format {
    SV_EXPORT_GPKG = 0,
    SV_EXPORT_GEOJSON,
    SV_EXPORT_CSV,
    SV_EXPORT_FORMS, /* the official forms to print, HTML (see below) */
    SV_EXPORT_NOTICE /* the public notice (公告) of units in notice, HTML (see below) */
} sv_export_format;

/* "gpkg", "geojson", "csv", "forms" (or "html"), "notice". */
int sv_export_format_parse(const char *name, sv_export_format *out);

typedef struct sv_export_stats {
    size_t units, points, lines, vertices, walks;
    size_t signatures; /* GeoPackage and GeoJSON only */
    /* Recorded boundary lines that could not be drawn because an end point is no longer a
     * current point with coordinates (withdrawn by a journal written before lines held their
     * ends, see docs/journal.md): reported, never dropped in silence. unjoined_first names the
     * first one ("UNIT FROM-TO") when there is any. */
    size_t lines_unjoined;
    char unjoined_first[96];
} sv_export_stats;

/*
 * Export the state of j to path. unit NULL exports every unit. stats may be NULL.
 * Returns SV_OK, SV_EIO (cannot write; diag names the path), SV_ECRS (a unit's plane CRS is
 * unusable), SV_ENOMEM, SV_EINVAL (bad argument, the journal itself as path, too many plane
 * CRSs), SV_ENOTFOUND (unit not in the journal), or the journal's code when its state cannot
 * be read. A single position that geo.c refuses in a usable CRS (out of the zone's reach,
 * see geo.h) does not fail the export: the feature is written with empty plane coordinates.
 */
int sv_export(sv_journal *j, sv_geo *g, sv_export_format fmt, const char *unit, const char *path,
              sv_export_stats *stats, sv_diag *diag);

/*
 * The county office's decision between devices' versions (a review case decided by choosing a
 * version). Two kinds, told apart by field:
 *
 * - field NULL: a boundary point. Of the point (unit, number), the county export holds the
 *   version of device (its current point of that number) only; device NULL ("neither") keeps
 *   the usual merge's version and marks it for re-survey. The point layer's review_decision
 *   ("chosen", "resurvey"), decided_by and decided columns say so (GeoPackage, GeoJSON).
 * - field set (a field name, sv_field_name: "owner", ...; number is not used): a unit field's
 *   verification. It replaces the latest-by-time rule for that unit and field: the export holds
 *   device's latest verification of the field; device NULL ("neither") exports the field as not
 *   verified (status, value and note empty: to be verified again), never the other version. The
 *   unit layer's <field>_decision ("chosen", "reverify"), <field>_decided_by and
 *   <field>_decided columns say so, beside <field>_device and <field>_seq (the verification's
 *   origin). A field name this library does not know is ignored.
 * - "neither" asks the crews for new work on its subject, and ends with it: with after_known
 *   set, an entry a device sent after the decision (its seq above what that device's replica
 *   held then: after_seq of after_device, and any entry of a device not listed, which had sent
 *   nothing) is taken by the usual rule. A field's latest such verification is its record
 *   (<field>_decision "reverified"); a point whose current entry is such an entry is no longer
 *   marked for re-survey (review_decision "resurveyed"). Without after_known, nothing is later.
 *
 * Several choices about one point or field: the first wins (the office passes the newest first).
 */
typedef struct sv_export_choice {
    const char *unit, *number;
    const char *device;     /* device id of the chosen version, NULL for neither */
    const char *decided_by; /* the staff member */
    int64_t decided_ms;     /* when (office clock) */
    const char *field;      /* a verification choice's field name; NULL for a point choice */
    /* neither only: what each device's replica held when it was decided (see above) */
    int after_known;
    const char *const *after_device;
    const int64_t *after_seq;
    size_t n_after;
} sv_export_choice;

/* 1 when choice c is "neither" and device's entry seq was sent after it (see above). */
int sv_export_choice_later(const sv_export_choice *c, const char *device, int64_t seq);

/*
 * A dispute settled at the office (decision "settle-dispute", survey/lifecycle.h): the dispute
 * is the entry dispute_seq of the journal whose device id is device. The county export shows
 * it settled, and the boundary lines it covers (sv_line_docs_of) carry the settling document's
 * number: an agreement's (权属界线协议书) as agreement_no, a dispute statement's (权属争议原由书)
 * as dispute_no. Several about one dispute: the first wins (the office passes the newest first).
 */
typedef struct sv_export_settlement {
    const char *device;
    int64_t dispute_seq;
    const char *document; /* SV_SETTLE_DOC_AGREEMENT or SV_SETTLE_DOC_STATEMENT */
    const char *number;
    const char *outcome; /* what the office recorded as the settlement's outcome; may be NULL */
} sv_export_settlement;

/*
 * An edge match (接边) the office decided (a review case of kind "edge": two units' boundary
 * points so close that they are one marker measured twice, by two crews or twice by one): in the
 * county record the point (unit, number) takes the measurement of the point (to_unit,
 * to_number), as that record holds it (after review choices and shared points), so the two
 * units share one position and their boundaries neither overlap nor gap there. The point keeps
 * its own number, device and seq; its shared_unit and shared_number name the point it takes,
 * and review_decision is "edge_matched" with decided_by and decided. Edges are followed until
 * nothing moves (A takes B and B takes C: both end on C's); with several about one point the
 * first wins (the office passes the newest first). An edge whose target the journals do not
 * hold changes nothing. A one-unit export reads the points its shares and edges name in other
 * units, so its points are the county-wide export's.
 */
typedef struct sv_export_edge {
    const char *unit, *number;       /* the point that takes */
    const char *to_unit, *to_number; /* the point whose measurement it takes */
    const char *decided_by;
    int64_t decided_ms;
} sv_export_edge;

/* A unit in public notice and its period (YYYY-MM-DD, both days included). */
typedef struct sv_export_notice {
    const char *unit;
    const char *from, *to;
} sv_export_notice;

/* Options of an export; a zeroed struct (or NULL) is the default. */
/* A unit's place in the county office's procedure (county export only): the units layer's
 * status, notice_from and notice_to. */
typedef struct sv_export_status {
    const char *unit;
    const char *status;                  /* the lifecycle state's name (sv_life_name) */
    const char *notice_from, *notice_to; /* the notice's period, YYYY-MM-DD; NULL outside one */
} sv_export_status;

typedef struct sv_export_options {
    int bom; /* CSV only: start the file with a UTF-8 byte-order mark (EF BB BF), for
              * spreadsheets on Windows; SV_EINVAL with another format (JSON text must not
              * start with one, RFC 8259 8.1; a GeoPackage is an SQLite file) */
    const sv_export_choice *choices; /* county export only (sv_export_journals_opts) */
    size_t n_choices;
    const sv_export_settlement *settlements; /* county export only, as choices */
    size_t n_settlements;
    const sv_export_edge *edges; /* county export only: edge matches the office decided */
    size_t n_edges;
    const char *unit; /* county export only (sv_export_journals_opts): that unit alone, from
                       * the journals that have it (SV_ENOTFOUND when none has it) */
    const sv_export_notice *notices; /* SV_EXPORT_NOTICE only: the units noticed (those the
                                      * journals do not have are left out) */
    size_t n_notices;
    const char *authority; /* SV_EXPORT_NOTICE: who gives notice and receives objections (the
                            * office's name); NULL leaves a line to fill in */
    /* County export only: each unit's state in the office's procedure (a unit without one,
     * and every unit of a tablet's export, has the columns NULL) */
    const sv_export_status *statuses;
    size_t n_statuses;
    /* County export only: task units no journal holds (no crew has fetched them yet), exported
     * all the same with their draft and nothing surveyed, so the county record lists every
     * unit; a unit a journal holds is taken from the journal */
    const sv_unit *unfetched;
    size_t n_unfetched;
} sv_export_options;

/* sv_export with options (opt may be NULL). */
int sv_export_opts(sv_journal *j, sv_geo *g, sv_export_format fmt, const char *unit,
                   const char *path, const sv_export_options *opt, sv_export_stats *stats,
                   sv_diag *diag);

/*
 * The county-wide export: the union of several journals' states (the office's replicas, one
 * per device) in one file. Units are taken once per code, from the first journal in js that
 * has it; boundary points are merged in the state's order, leaving out a point whose unit and
 * number an earlier journal already has (the office's review queue holds such conflicts);
 * walks keep apart (track ids are made unique per journal, walked polygons are per unit and
 * journal); lines and signatures are concatenated (a signature is current or not against its
 * own journal's boundary); a unit field's verification is the latest by time, unless a choice
 * settles it (sv_export_choice). Every point and signature names the device and crew of its
 * journal. n may be 0 (an empty export). Returns as
 * sv_export (SV_EINVAL when a path is one of the journals).
 */
int sv_export_journals(sv_journal **js, size_t n, sv_geo *g, sv_export_format fmt, const char *path,
                       sv_export_stats *stats, sv_diag *diag);
/* sv_export_journals with options (opt may be NULL): the office's choices between versions. */
int sv_export_journals_opts(sv_journal **js, size_t n, sv_geo *g, sv_export_format fmt,
                            const char *path, const sv_export_options *opt, sv_export_stats *stats,
                            sv_diag *diag);

/* The county record's verification of each field of unit, as sv_export_journals_opts holds it
 * from the journals js (in the same order) and the office's choices: status[f] the status
 * (sv_vstatus) of the verification of record, -1 where there is none (no journal verified the
 * field, or the office chose neither). Returns SV_OK, SV_EINVAL (no unit), SV_ENOMEM, SV_EIO. */
int sv_county_fields(sv_journal *const *js, size_t n, const sv_export_choice *choices,
                     size_t n_choices, const char *unit, int status[SV_FIELD_COUNT]);

#ifdef __cplusplus
}
#endif
#endif
