/*
 * export_int.h - what the files of the export module share (export.c, export_layers.c,
 * export_gpkg.c, export_text.c): the layer table, the export context that export.c loads and
 * the writers read, the attribute sink, and the calls between the files.
 *
 * Only the export's own files include this header; nothing in it is part of libsurvey's API.
 * The context is read-only once loaded: the writers change only its scratch buffers, the
 * GeoPackage layer handles and the line records' "used" marks.
 */
#ifndef SURVEY_EXPORT_INT_H
#define SURVEY_EXPORT_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gpkg.h"
#include "internal.h"
#include "survey/export.h"
#include "survey/summary.h"

/* ---- The layers (export_layers.c) ---------------------------------------------------- */

#define SV__EX_MAX_COLS 96 /* of any layer */

enum { SV__LY_UNITS, SV__LY_POINTS, SV__LY_LINES, SV__LY_WALKED, SV__LY_TRACKS, SV__LY_COUNT };

/* A layer every format writes: its GeoPackage table and GeoJSON "layer" property, and the
 * columns of its EPSG:4490 table and of its plane copies. */
typedef struct sv__ex_layer {
    const char *name;    /* table name in EPSG:4490; plane tables get a suffix */
    const char *title;   /* gpkg_contents description */
    const char *geojson; /* "layer" property in GeoJSON */
    sv__gpkg_geomtype type;
    const sv__gpkg_column *cols;
    size_t n_cols;
    const unsigned char *zone; /* columns of the plane copies */
    size_t n_zone;
} sv__ex_layer;

extern const sv__ex_layer sv__ex_layers[SV__LY_COUNT];

/* Signatures (指界签字): an attributes table in GeoPackage, features with a null geometry in
 * GeoJSON; sv__ex_n_sig_cols columns. */
extern const sv__gpkg_column sv__ex_sig_cols[];
extern const size_t sv__ex_n_sig_cols;
/* Notes: an attributes table "notes" in GeoPackage, features with a null geometry in GeoJSON;
 * sv__ex_n_note_cols columns. */
extern const sv__gpkg_column sv__ex_note_cols[];
extern const size_t sv__ex_n_note_cols;
/* Disputes (权属争议): an attributes table "disputes" in GeoPackage, features with a null
 * geometry in GeoJSON; sv__ex_n_dispute_cols columns. */
extern const sv__gpkg_column sv__ex_dispute_cols[];
extern const size_t sv__ex_n_dispute_cols;
/* The GeoJSON "layer" of signature, note and dispute features (sv__ex_geojson_other_layer knows
 * them). */
#define SV__EX_GEOJSON_SIGNATURE "signature"
#define SV__EX_GEOJSON_NOTE "note"
#define SV__EX_GEOJSON_DISPUTE "dispute"

/* ---- The export context (export.c) ------------------------------------------------- */

/* One output CRS and its GeoPackage layers. Set 0 is always CGCS2000 geographic. */
typedef struct sv__ex_set {
    sv_crs crs;
    int srs_id;
    char suffix[32]; /* "", "_4522", "_cm103_5" */
    sv__gpkg_layer *lay[SV__LY_COUNT];
} sv__ex_set;

#define SV__EX_MAX_SETS 64 /* distinct plane CRSs in one export; a county uses two or three */

typedef struct sv__ex_ukey {
    const char *code;
    size_t idx;
} sv__ex_ukey;

/* A line record keyed by its unordered pair of points. */
typedef struct sv__ex_lkey {
    const char *unit, *a, *b; /* a <= b */
    size_t idx;
} sv__ex_lkey;

/* A vertex in a sort order. */
typedef struct sv__ex_vkey {
    const char *unit;
    int64_t track, seq;
    size_t idx;
    size_t src; /* journal the vertex came from (walked polygons are per unit and journal) */
} sv__ex_vkey;

/* Per source journal: its default plane CRS and whom its features are attributed to. */
typedef struct sv__ex_src {
    int epsg;
    double cm;
    const char *device, *crew;
} sv__ex_src;

typedef struct sv__ex {
    sv_journal *const *js; /* the journals exported together; the first has precedence */
    size_t n_js;
    sv__ex_src *src; /* [n_js] */
    sv_geo *g;
    sv_diag *diag;
    const char *path;
    const char *unit; /* the one unit exported, NULL for all */

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
    sv_dispute *disp; /* every unit's disputes, for the line table's documents */
    size_t n_disp;
    sv_note *notes;
    size_t n_notes;
    /* The journal each unit, point, vertex, verification, signature and note came from (all 0
     * for one). */
    size_t *unit_src, *pt_src, *vx_src, *ver_src, *sig_src, *note_src, *disp_src;
    const char **ring; /* scratch: a unit's drawn point numbers (sv_dispute_covers_line) */

    sv__ex_ukey *ukeys;             /* units sorted by code */
    int *unit_set;                  /* [n_units] plane set, or -1 */
    const sv_verification **ver_of; /* [n_units * SV_FIELD_COUNT] latest per field */
    int *unit_points;               /* [n_units] boundary points per unit */
    size_t *unit_pt0;               /* [n_units] index of its first point in pts (pts are
                                     * grouped by unit), SIZE_MAX without points */
    sv_unit_summary *usum;          /* [n_units] the unit summary's draft and surveyed parts */
    int *pt_set;                    /* [n_pts] */
    int *pt_sxh;                    /* [n_pts] place in its unit's ring, from 1 (SXH) */
    double *pt_ne;                  /* [2 n_pts] north, east (NaN without a plane set) */
    int *vx_set;
    double *vx_ne;
    sv__ex_vkey *vx_by_unit;  /* by unit, seq */
    sv__ex_vkey *vx_by_track; /* by unit, track, seq */
    sv__ex_lkey *lkeys;       /* line records by unit and point pair */
    unsigned char *line_used;

    sv__ex_set sets[SV__EX_MAX_SETS];
    size_t n_sets;
    /* Per layer: the plane copies' columns, and each full column's index among them (-1 for
     * a column the plane copies do not carry). */
    sv__gpkg_column zcols[SV__LY_COUNT][SV__EX_MAX_COLS];
    signed char zmap[SV__LY_COUNT][SV__EX_MAX_COLS];

    int bom;                         /* CSV: a UTF-8 byte-order mark first */
    const sv_export_choice *choices; /* the office's choices between versions of a point or
                                      * of a unit field's verification */
    size_t n_choices;
    const sv_export_settlement *settlements; /* disputes settled at the office */
    size_t n_settlements;
    const sv_export_edge *edges; /* edge matches the office decided */
    size_t n_edges;
    const sv_export_notice *notices; /* SV_EXPORT_NOTICE: the units noticed, else NULL */
    size_t n_notices;
    const char *authority;            /* SV_EXPORT_NOTICE: who gives notice, or NULL */
    const sv_export_status *statuses; /* county export: the units' states, or NULL */
    size_t n_statuses;
    const sv_unit *unfetched; /* county export: task units no journal holds */
    size_t n_unfetched;
    const sv_export_status **unit_status; /* [n_units] each unit's, or NULL */

    /* [n_units * SV_FIELD_COUNT] the office's choice about a field's verification, or NULL;
     * ver_of then holds the chosen device's latest verification (none for "neither"). */
    const sv_export_choice **ver_choice;

    double *scratch; /* coordinates of the feature being written */
    size_t scratch_cap;
    double *scratch2;
    size_t scratch2_cap;
} sv__ex;

/* ---- Attribute sinks (export_layers.c) -----------------------------------------------*/

typedef struct sv__ex_sink {
    sv__gpkg_layer *l[2]; /* geographic layer and its plane copy (either may be NULL) */
    json_t *props;        /* GeoJSON properties, or NULL */
    const sv__gpkg_column *cols;
    int failed;              /* a JSON allocation failed */
    const signed char *zmap; /* column index in l[1], -1 where it has no such column */
} sv__ex_sink;

/* A boundary line: points a and b (indices into pts), with its record if one exists, and the
 * dispute and agreement numbers and nature the disputes give it (sv_line_docs_of). */
typedef struct sv__ex_seg {
    size_t a, b;
    const sv_bline *rec;
    sv_line_docs docs;
} sv__ex_seg;

/* A walked polygon or a track: vertices keys[0..n) of one unit (jumps included). */
typedef struct sv__ex_walk {
    const sv__ex_vkey *keys;
    size_t n;
    size_t used; /* non-jump vertices with coordinates */
    size_t jumps;
} sv__ex_walk;

/* ---- export.c: failures, scratch space, the plane sets, the line records ---------------- */

/* Say the export ran out of memory; returns SV_ENOMEM. */
int sv__ex_nomem(sv__ex *x);

/* Say what failed in geo.c (what: the CRS or feature); returns SV_ENOMEM or SV_ECRS. */
int sv__ex_geo_fail(sv__ex *x, int rc, const char *what);

/* Grow a scratch array *buf (capacity *cap) to hold n doubles. */
int sv__ex_reserve(sv__ex *x, double **buf, size_t *cap, size_t n);

/* Plane set `set` of the export, NULL for none (set 0 is the geographic one, <= 0 means none). */
const sv__ex_set *sv__ex_plane_set(const sv__ex *x, int set);

/* The line record between points a and b of unit (either direction), or NULL; marks the
 * records of that pair used. */
const sv_bline *sv__ex_line_take(sv__ex *x, const char *unit, const char *a, const char *b);

/* ---- export_layers.c: each feature's attributes into a sink, and the walk over the state - */

/* timebuf, t0, t1: room for a time's text, which the sink borrows until the feature is
 * written. */
int sv__ex_unit_attrs(sv__ex *x, sv__ex_sink *s, size_t i);
void sv__ex_point_attrs(const sv__ex *x, sv__ex_sink *s, size_t i, char timebuf[64]);
int sv__ex_sig_attrs(sv__ex *x, sv__ex_sink *s, size_t i, char timebuf[64]);
void sv__ex_note_attrs(const sv__ex *x, sv__ex_sink *s, size_t i, char timebuf[64]);
/* The attributes of dispute i (x->disp). */
void sv__ex_dispute_attrs(const sv__ex *x, sv__ex_sink *s, size_t i, char timebuf[64]);
void sv__ex_line_attrs(const sv__ex *x, sv__ex_sink *s, const sv__ex_seg *g);
int sv__ex_walked_attrs(sv__ex *x, sv__ex_sink *s, const sv__ex_walk *w, size_t n, int set);
void sv__ex_track_attrs(sv__ex *x, sv__ex_sink *s, const sv__ex_walk *w, size_t n, char t0[64],
                        char t1[64]);

/* Call fn for each boundary line of the state; stops at fn's first error. */
int sv__ex_for_each_line(sv__ex *x, int (*fn)(sv__ex *, const sv__ex_seg *, void *), void *ctx);

/* Count (into st) the recorded lines sv__ex_for_each_line cannot draw. */
int sv__ex_count_unjoined(sv__ex *x, sv_export_stats *st);

/* Call fn for each walk of keys (x->vx_by_unit, by_track 0: walked polygons; x->vx_by_track,
 * by_track 1: tracks); stops at fn's first error. */
int sv__ex_for_each_walk(sv__ex *x, const sv__ex_vkey *keys, int by_track,
                         int (*fn)(sv__ex *, const sv__ex_walk *, void *), void *ctx);

/* The walk's usable vertices: lon,lat into x->scratch2, plane east,north into x->scratch. */
int sv__ex_walk_lonlat(sv__ex *x, const sv__ex_walk *w, int ring, size_t *n, int *plane_ok);

/* Plane set of a walk (its first usable vertex's); -1 if none or mixed. */
int sv__ex_walk_set(const sv__ex *x, const sv__ex_walk *w);

/*
 * *out[i] (n_pts, the caller frees): the Gauss-Krueger plane distance from point i to the next
 * point of its unit in number order, the last back to the first (the 边长 of a 界址点成果表),
 * for units of two or more points with coordinates; NaN when either end has no plane
 * coordinates in the unit's zone. (export_text.c)
 */
int sv__ex_edges(sv__ex *x, double **out);

/* ---- The writers: each writes x->path whole or not at all, and fills st ------------------- */

int sv__ex_write_gpkg(sv__ex *x, sv_export_stats *st);                       /* export_gpkg.c */
int sv__ex_write_text(sv__ex *x, sv_export_format fmt, sv_export_stats *st); /* export_text.c */
/* The forms, or the public notice when x->notices is set (export_forms.c). */
int sv__ex_write_forms(sv__ex *x, sv_export_stats *st);

/* A text file's body, written to f (fills st); SV_OK or the failure. */
typedef int (*sv__ex_body_fn)(sv__ex *x, FILE *f, sv_export_stats *st, void *ctx);
/* Write x->path through a temporary file beside it, renamed into place only when body succeeded
 * and every byte reached the file; the one way the text formats reach disk. (export_text.c) */
int sv__ex_write_through(sv__ex *x, sv__ex_body_fn body, void *ctx, sv_export_stats *st);

/* The office's choice about point (unit, number), or NULL. */
const sv_export_choice *sv__ex_choice(const sv__ex *x, const char *unit, const char *number);
/* The office's edge match that moves point (unit, number) in the record, or NULL. */
const sv_export_edge *sv__ex_edge(const sv__ex *x, const char *unit, const char *number);

#endif
