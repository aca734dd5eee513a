/*
 * summary.h - one unit's figures, computed in one place: what `quejie area`, `quejie tasks
 * list`, the app's Today and Day end screens and the exports show about a unit.
 *
 * The rules (docs/journal.md, "Unit summary"):
 * - The plane CRS is the unit's own, else the journal's default, else the 3-degree zone that
 *   holds the largest part of its draft's area (sv_geom_zone_lon), failing a draft the zone of
 *   its boundary points' mean longitude, failing those its first walk vertex's (sv_unit_crs).
 *   A unit is never split across zones: one straddling a zone edge goes to the side holding
 *   more of it.
 * - The surveyed polygon is the boundary points in number order (one series: J2 before T3 before
 * J10, sv_point_number_cmp), closed back to the first; its ellipsoidal area is what the exports
 * call surveyed_area_m2.
 * - The walked polygon is every walk vertex of the unit that is not a jump, over all its walks
 *   taken in recording order; the walk closure is the geodesic distance from the first such
 *   vertex to the last; the deviation from the draft is over the same vertices.
 * - Validity (surveyed and walked polygon) is GEOS's verdict (geom.h), with its reason.
 * - An absent party's objection period ends SV_OBJECTION_DAYS days after the notice date.
 */
#ifndef SURVEY_SUMMARY_H
#define SURVEY_SUMMARY_H

#include "geo.h"
#include "state.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SV_OBJECTION_DAYS 15 /* an absent party's time to object (DOMAIN.md 4) */
#define SV_REASON_MAX 256

/* Validity of a polygon: valid, invalid (with GEOS's reason), or not decided (too few
 * positions to be a polygon, or GEOS could not be used). */
typedef enum sv_validity { SV_VALID_UNKNOWN = -1, SV_VALID_NO = 0, SV_VALID_YES = 1 } sv_validity;

typedef struct sv_unit_summary {
    char code[SV_CODE_MAX];
    sv_crs crs; /* the unit's plane CRS (see above) */

    /* The surveyed polygon: boundary points with coordinates, in number order. surveyed is
     * all zeros with fewer than 3 points; its plane figures are NaN when crs refuses a
     * position (the ellipsoidal ones are then taken in the points' own zone). */
    size_t points;
    sv_area surveyed;
    sv_validity surveyed_valid;
    char surveyed_reason[SV_REASON_MAX]; /* GEOS's reason when SV_VALID_NO, else "" */

    /* The draft the county drew: its area (all zeros without a draft) and how far the
     * surveyed area is from it, in % of the draft's (NaN without a draft or 3 points). */
    int has_draft;
    sv_area draft;
    double difference_pct;

    /* The walks. */
    size_t vertices;        /* every walk vertex, jumps included */
    size_t walk_vertices;   /* not jumps, with coordinates: the walked polygon */
    size_t walks;           /* distinct walks */
    sv_area walked;         /* all zeros with fewer than 3 walk_vertices */
    double walk_closure_m;  /* first to last walk vertex; NaN with fewer than 2 */
    sv_deviation deviation; /* max_m and rms_m NaN without a draft or a walk vertex */
    sv_validity walked_valid;
    char walked_reason[SV_REASON_MAX];

    /* The records: fields verified, disputes open, signatures current and missing, ... */
    sv_progress progress;

    /* Objection clocks of parties recorded absent (a notice served on notice_date). */
    int absent;                /* absent parties with a notice date */
    int objections_open;       /* ... whose period has not ended by today (local date) */
    char objections_until[11]; /* the latest end of those periods, YYYY-MM-DD; "" none */

    /* When a figure could not be computed (SV_ECRS, SV_EINVAL returned): what, else "". */
    char problem[SV_REASON_MAX];
} sv_unit_summary;

/*
 * Summarize unit code of j (g: a geodesy handle of the calling thread).
 * Returns SV_OK when every figure was computed. SV_ECRS or SV_EINVAL when a geometric figure
 * could not be (the unit's plane CRS refuses a position, say): every other figure is still
 * filled, those not computed are NaN, and out->problem names the position and the reason.
 * SV_ENOTFOUND (no such unit), SV_ENOMEM, SV_EIO (the state cannot be read; out->problem and
 * sv_journal_errmsg say why), SV_EINVAL (NULL argument).
 * Not thread-safe on one journal or one g.
 */
int sv_unit_summarize(sv_journal *j, sv_geo *g, const char *code, sv_unit_summary *out);

/*
 * Only the records part of the summary (progress, absent, objections_open, objections_until)
 * and whether the boundary points form a valid polygon (surveyed_valid, surveyed_reason: what
 * sv_unit_missing needs): what a list of every unit needs at once, without reading the walks
 * or measuring anything. The other geometric figures are left empty (counts 0, measures NaN,
 * walked validity unknown). Returns SV_OK, SV_ENOMEM, SV_EIO, SV_EINVAL.
 */
int sv_unit_summarize_records(sv_journal *j, const char *code, sv_unit_summary *out);

/*
 * The plane CRS rule above, for a unit whose boundary points have mean longitude points_lon
 * and whose first walk vertex has longitude walk_lon (NaN: none).
 */
sv_crs sv_unit_crs(const sv_unit *u, int journal_epsg, double journal_cm, double points_lon,
                   double walk_lon);

/*
 * Where a unit stands, for lists grouped by state (the app's Today), from its summary's records
 * part (sv_unit_summarize_records is enough):
 * - SV_STAGE_TODO: nothing recorded about it yet (no point, walk vertex, verification, dispute,
 *   attendance or signature);
 * - SV_STAGE_DONE: complete on site: at least 3 boundary points that form a valid polygon,
 *   every ownership field verified, no dispute open, attendance recorded with no signature missing,
 * and no absent party's objection period still running;
 * - SV_STAGE_RETURNED: the county office sent it back; the journal does not carry the office's
 *   decisions, so sv_unit_stage never says it: sv_unit_stage_office (below) does;
 * - SV_STAGE_IN_PROGRESS: everything else.
 */
typedef enum sv_stage {
    SV_STAGE_TODO,
    SV_STAGE_IN_PROGRESS,
    SV_STAGE_RETURNED,
    SV_STAGE_DONE
} sv_stage;
#define SV_STAGE_COUNT 4
sv_stage sv_unit_stage(const sv_unit_summary *s);

/* n of the unit's open disputes settled at the county office, which the device's journal does
 * not hold, taken into s: they no longer count as open (nor keep the unit from done). */
void sv_unit_settled_at_office(sv_unit_summary *s, int n);

/* How many of unit's disputes still open in j (neither flagged settled nor settled by a
 * "settle" entry) are among seqs, the dispute entries the county office settled (decisions
 * "settle-dispute" naming j's device): what sv_unit_settled_at_office takes, for the office's
 * replica of a device as for the tablet that learnt them with its tasks. 0 when none or the
 * disputes cannot be read. */
int sv_unit_settled_count(sv_journal *j, const char *unit, const int64_t *seqs, size_t n);

/*
 * The stage with the county office's word on the unit (what the tablet's last sync brought:
 * sync/client.h sy_unit_office). SV_STAGE_RETURNED while office_status is "returned"
 * (sv_life_name(SV_LIFE_RETURNED), survey/lifecycle.h) and the journal holds no entry about the
 * unit newer than returned_seq: the journal's last seq when this tablet first learnt of that
 * return. The crew's first new work on the unit (s->progress.work_seq > returned_seq) ends
 * it on the tablet at once, before the office has it; otherwise sv_unit_stage. office_status
 * NULL (the office said nothing) is sv_unit_stage.
 */
sv_stage sv_unit_stage_office(const sv_unit_summary *s, const char *office_status,
                              int64_t returned_seq);

/* What keeps a unit from SV_STAGE_DONE, as bits (0: nothing, the unit is complete on site): the
 * one list behind Day end's "incomplete, because" and `quejie tasks list`. */
enum {
    SV_MISSING_POINTS = 1u << 0,     /* fewer than 3 boundary points */
    SV_MISSING_FIELDS = 1u << 1,     /* an ownership field not verified (or disputed) */
    SV_MISSING_DISPUTES = 1u << 2,   /* a dispute still open */
    SV_MISSING_ATTENDANCE = 1u << 3, /* nobody's attendance at pointing out recorded */
    SV_MISSING_SIGNATURES = 1u << 4, /* a party present or by proxy has not signed */
    SV_MISSING_OBJECTIONS = 1u << 5, /* an absent party's objection period still runs */
    SV_MISSING_BOUNDARY = 1u << 6    /* the boundary points do not form a valid polygon (out of
                                      * ring order, a crossing): surveyed_valid is SV_VALID_NO */
};
#define SV_MISSING_COUNT 7
unsigned sv_unit_missing(const sv_unit_summary *s);
/* The bit's name in English for tools ("points", "fields", "disputes", "attendance",
 * "signatures", "objections", "boundary"); "?" for anything else. */
const char *sv_missing_name(unsigned bit);
/* "todo", "in_progress", "returned", "done" */
const char *sv_stage_name(sv_stage st);

/* The last day an absent party served a notice on notice_date (YYYY-MM-DD) may object:
 * notice_date + SV_OBJECTION_DAYS. Returns SV_OK, or SV_EINVAL for a malformed date (out ""). */
int sv_objection_end(const char *notice_date, char out[11]);

/* Days from today (YYYY-MM-DD, sv_local_date) to that last day, which goes into end: >= 0 while
 * the period runs (0 on its last day), < 0 once it has ended: the rule behind the summary's
 * objections_open and the app's countdown. SV_OBJECTION_NO_DATE (end "") for a date that is
 * none. */
#define SV_OBJECTION_NO_DATE (-1000000)
int sv_objection_days_left(const char *notice_date, const char *today, char end[11]);

#ifdef __cplusplus
}
#endif
#endif
