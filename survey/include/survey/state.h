/*
 * state.h - the current state derived from a journal's entries.
 *
 * Read-only views: units, boundary points, walk vertices, lines, verifications, disputes,
 * attendance, signatures and code lists, as the entries say they are now (superseded and voided
 * entries are left out). The state is maintained in the journal file in the same transaction as
 * each entry, and can always be rebuilt from the entries alone (sv_journal_rebuild_state).
 *
 * Every list getter allocates an array the caller releases with the matching *_free
 * function (NULL-safe). Returns SV_OK (possibly with *n == 0), SV_ENOMEM or SV_EIO.
 */
#ifndef SURVEY_STATE_H
#define SURVEY_STATE_H

#include "capture.h"
#include "journal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* All units ordered by code. */
int sv_state_units(sv_journal *j, sv_unit **out, size_t *n);
void sv_units_free(sv_unit *u, size_t n);

/* One unit by code; SV_ENOTFOUND if none. Release with sv_unit_clear. */
int sv_state_unit(sv_journal *j, const char *code, sv_unit *out);

/* Geodesic distance in metres from lat/lon to the unit's draft (0 inside it): the far-point
 * rule's measure (docs/journal.md, "Far points"). SV_ENOTFOUND: no such unit; SV_EGEOM: the
 * unit has no usable draft. */
int sv_state_draft_distance(sv_journal *j, const char *unit, double lat, double lon,
                            double *metres);
/* The same for a unit already read (the app's, per fix, without a query). */
int sv_unit_draft_distance(const sv_unit *u, double lat, double lon, double *metres);

/* Boundary points of a unit (unit NULL = every unit), ordered by unit, then number
 * (one series by number, sv_point_number_cmp: J2 before T3 before J10). */
int sv_state_points(sv_journal *j, const char *unit, sv_bpoint **out, size_t *n);
void sv_bpoints_free(sv_bpoint *p, size_t n);
/* The points of other units that unit could share (sv_record_share): their own current points
 * (not points they share themselves, nor ones unit shares already) within max_m metres of
 * unit's draft (sv_state_draft_distance), nearest first; *dist (may be NULL; malloc'd, caller
 * frees) their distances. SV_ENOTFOUND: no such unit. */
int sv_state_share_candidates(sv_journal *j, const char *unit, double max_m, sv_bpoint **out,
                              double **dist, size_t *n);
/* The points other units share from unit (kind "share"): their own rows, each naming in
 * shared_number which of unit's points it is; ordered by unit, then number. */
int sv_state_shared_from(sv_journal *j, const char *unit, sv_bpoint **out, size_t *n);

/* Walk vertices of a unit (NULL = all), ordered by seq. */
int sv_state_vertices(sv_journal *j, const char *unit, sv_vertex **out, size_t *n);
void sv_vertices_free(sv_vertex *v, size_t n);

/* A unit's walk vertices in compact columns (33 bytes a vertex instead of an sv_vertex's 256):
 * what a map needs to draw 100,000 of them. In recording order. */
typedef struct sv_track {
    size_t n;
    double *lonlat;      /* 2n: lon, lat */
    int64_t *walk;       /* n: the walk's id (sv_vertex.track) */
    int64_t *seq;        /* n: the entry */
    unsigned char *jump; /* n: left out of the boundary */
} sv_track;

int sv_state_track(sv_journal *j, const char *unit, sv_track *out);
/* Only the vertices recorded after entry after_seq (by the (unit, seq) index): what a map that
 * already holds a walk needs to stay current without re-reading it. */
int sv_state_track_after(sv_journal *j, const char *unit, int64_t after_seq, sv_track *out);
/* Only the vertices whose entries were recorded in [from_ms, to_ms) (the entry's time, the
 * tablet's clock, UTC ms): a day's walks, as the office's overview draws them. */
int sv_state_track_between(sv_journal *j, const char *unit, int64_t from_ms, int64_t to_ms,
                           sv_track *out);
void sv_track_clear(sv_track *t); /* zeroed or NULL: no-op */

int sv_state_lines(sv_journal *j, const char *unit, sv_bline **out, size_t *n);
void sv_blines_free(sv_bline *l, size_t n);

/* The latest verification of each field of a unit (NULL = all units). */
int sv_state_verifications(sv_journal *j, const char *unit, sv_verification **out, size_t *n);
void sv_verifications_free(sv_verification *v, size_t n);

int sv_state_disputes(sv_journal *j, const char *unit, sv_dispute **out, size_t *n);
void sv_disputes_free(sv_dispute *d, size_t n);

/* Notes of a unit (NULL: all units), ordered by unit, then recording order. */
int sv_state_notes(sv_journal *j, const char *unit, sv_note **out, size_t *n);
void sv_notes_free(sv_note *o, size_t n);
/* The files kept with one unit (NULL: every unit), in recording order; voided ones are not
 * listed. at_office: the office has confirmed holding the bytes (always 0 in a replica). */
int sv_state_attachments(sv_journal *j, const char *unit, sv_attachment **out, size_t *n);
void sv_attachments_free(sv_attachment *o, size_t n);

/*
 * Which boundary lines a dispute covers: the one rule the exports, the CLI and the app use
 * (DOMAIN.md 9: the 界址线 table carries the dispute and agreement numbers on each line).
 *
 * A unit's boundary runs through its current points in the state's order (sv_state_points:
 * sv_point_number_cmp), closing back to the first: the lines the exports draw. A dispute
 * from F to T covers the lines met walking that ring forward from F until T (wrapping past the
 * last point to the first when T comes before F); F and T neighbours on the ring, in either
 * order, cover just the line between them (J5 to J4 is the J4-J5 line, not the rest). Any
 * line whose two ends are exactly F and T (either way round) is covered too. A dispute without
 * both ends, with F equal to T, or naming a point not in the ring covers nothing (an area
 * dispute). ring holds the unit's point numbers in that order.
 */
int sv_dispute_covers_line(const sv_dispute *d, const char *const *ring, size_t n_ring,
                           const char *a, const char *b);

/* What the line table (KTT_GY_JZX) carries for one line given its unit's disputes. */
typedef struct sv_line_docs {
    char dispute_no[SV_CODE_MAX];   /* the covering dispute's number, "" when none */
    char agreement_no[SV_CODE_MAX]; /* its settlement's agreement number, "" when none */
    char nature[SV_CODE_MAX];       /* "disputed" while a covering dispute is open, "settled"
                                     * when every covering dispute is settled, else the line's
                                     * recorded nature (may be "") */
    int64_t dispute_seq;            /* the covering dispute's entry, 0 when none */
} sv_line_docs;

/* The documents of line a-b of a unit, whose disputes are d[0..nd) (sv_state_disputes; other
 * units' disputes are skipped) and ring as for sv_dispute_covers_line; recorded_nature is the
 * line record's nature (NULL when there is no record). An open covering dispute wins over a
 * settled one; among equals the latest (highest seq). */
void sv_line_docs_of(const sv_dispute *d, size_t nd, const char *unit, const char *const *ring,
                     size_t n_ring, const char *a, const char *b, const char *recorded_nature,
                     sv_line_docs *out);

int sv_state_attendance(sv_journal *j, const char *unit, sv_attendance **out, size_t *n);
void sv_attendances_free(sv_attendance *a, size_t n);

/* Signatures of a unit (NULL: all units) in recording order, each with .current set (computed
 * now, from each unit's boundary digest) and its strokes in .xy, every stroke ended by
 * (-1, -1). Release with sv_signatures_free. */
int sv_state_signatures(sv_journal *j, const char *unit, sv_signature **out, size_t *n);
void sv_signatures_free(sv_signature *s, size_t n);

/* SHA-256 digest of the unit's current boundary: its points (number, type, marker, position,
 * height) and lines (ends, category, position, nature, neighbour), in a canonical order
 * (docs/journal.md, "Boundary digest"). What a signature covers. Returns SV_OK, SV_EINVAL
 * (unit NULL or empty), SV_ENOTFOUND (no such unit), SV_ENOMEM, SV_EIO. */
int sv_state_boundary_digest(sv_journal *j, const char *unit, uint8_t out[32]);

/* A code-list value. */
typedef struct sv_code {
    char list[SV_CODE_MAX];
    char code[SV_CODE_MAX];
    char *label;
} sv_code;

/* Values of one code list (list NULL = all lists), ordered by list, then in the order the codes
 * were first added (the seeds in their table's order: "measured" before "map-read"), so a
 * picker starts on the list's first, usual value. A new label keeps the code's place. */
int sv_state_codes(sv_journal *j, const char *list, sv_code **out, size_t *n);
void sv_codes_free(sv_code *c, size_t n);
/* 1 when code is a value of list, 0 when not. */
int sv_state_code_known(sv_journal *j, const char *list, const char *code);

/* A configuration value set by sv_record_config, or def when unset. Borrowed until the
 * next call on j. */
const char *sv_state_config(sv_journal *j, const char *key, const char *def);

/* The journal's capture settings over sv_avg_defaults (survey/capture.h): "accept",
 * "average.epochs" and "average.seconds", each read by the rule `quejie config` checks it with;
 * a stored value that rule refuses leaves the default. What `quejie record` and the app average
 * with, so both average alike. */
sv_avg_opts sv_state_avg_opts(sv_journal *j);

/* The unit the entry numbered seq is about, into unit: its payload's "unit" (a unit entry's
 * "code"); for a void, the unit of the entry it withdraws, so that withdrawing a unit's last
 * open dispute counts as work on that unit. "" for an entry about no unit (the journal's
 * start, code lists, settings) or no such entry. SV_OK or SV_EIO. */
int sv_state_entry_unit(sv_journal *j, int64_t seq, char unit[SV_CODE_MAX]);

/* Per-unit progress for lists (Today screen, tasks list). */
typedef struct sv_progress {
    int points;
    int vertices;
    int fields_verified; /* fields whose current answer is confirmed or corrected (a field whose
                          * ownership is disputed is not verified: fields_disputed) */
    int disputes_open;   /* disputes neither recorded settled nor settled by a current "settle" */
    int attendance;      /* parties recorded */
    int signatures;      /* signatures recorded */
    int signatures_current; /* parties with a signature that covers the current boundary */
    int signatures_missing; /* parties present or by proxy without a current signature */
    int64_t last_seq;       /* newest entry among the unit and its current records (points,
                             * vertices, lines, verifications, disputes, attendance,
                             * signatures): above the office's cursor, the unit is not synced */
    int64_t work_seq;       /* newest of the crew's work on the unit: its current records but
                             * the task's own unit entry, and voids of the unit's entries (0:
                             * none). New work after a return is work_seq above it, as the
                             * office counts it (sync/src/office_life.c) */
    int fields_disputed;    /* fields whose current answer is "disputed" */
} sv_progress;

int sv_state_progress(sv_journal *j, const char *unit, sv_progress *out);
/* How many of the unit's current records (the same rows as sv_progress.last_seq) are above
 * the office's acknowledgement acked_seq: "not yet at the office". It is 0 exactly when
 * last_seq <= acked_seq. -1 on an I/O error. */
int64_t sv_state_unit_unsent(sv_journal *j, const char *unit, int64_t acked_seq);

#ifdef __cplusplus
}
#endif
#endif
