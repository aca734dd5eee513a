/*
 * model.h - the registration domain as plain value structs.
 *
 * These structs travel between the modules: tasks import fills sv_unit, capture fills
 * sv_bpoint and sv_vertex, the journal records them as entries, the state module hands them
 * back. Coordinates are CGCS2000 (EPSG:4490) geographic degrees everywhere in memory; the
 * plane (Gauss-Krueger) coordinates are computed on demand by geo.h and never stored.
 *
 * Ownership: short identifiers are fixed arrays inside the struct; free text is a heap string
 * owned by the struct and released by the matching *_clear() function (which accepts a
 * zeroed struct). A struct handed to a recording function is only read (borrowed).
 */
#ifndef SURVEY_MODEL_H
#define SURVEY_MODEL_H

#include "survey.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SV_CODE_MAX 64   /* unit code, type names, code-list codes (bytes incl. NUL) */
#define SV_NUMBER_MAX 16 /* boundary point number "J12" */

/* ---- Geometry ------------------------------------------------------------------------- */

/*
 * A MultiPolygon (a Polygon is one part). Coordinates are interleaved lon,lat pairs in
 * degrees; rings are closed (first == last), the first ring of each part is the shell and
 * the rest are holes. All arrays are heap-owned; release with sv_geom_clear().
 */
typedef struct sv_geom {
    size_t n_parts;
    size_t *part_rings; /* [n_parts]   rings per part */
    size_t n_rings;
    size_t *ring_pts; /* [n_rings]   points per ring (closing point included) */
    size_t n_pts;
    double *lonlat; /* [2*n_pts]   lon,lat,lon,lat,... */
} sv_geom;

void sv_geom_clear(sv_geom *g);
/* Deep copy; returns SV_OK or SV_ENOMEM. */
int sv_geom_copy(sv_geom *dst, const sv_geom *src);

/* ---- GNSS quality ----------------------------------------------------------------------- */

/* Fix grade, ordered: a higher grade is better. */
typedef enum sv_grade {
    SV_GRADE_NONE = 0,      /* no fix (or dead reckoning / simulated / time only) */
    SV_GRADE_GPS = 1,       /* autonomous (standalone) fix, 2D or 3D */
    SV_GRADE_DGPS = 2,      /* differential (SBAS or DGPS) */
    SV_GRADE_RTK_FLOAT = 3, /* RTK float */
    SV_GRADE_RTK_FIXED = 4  /* RTK fixed: cadastral grade */
} sv_grade;

/* "none", "gps", "dgps", "rtk-float", "rtk-fixed". */
const char *sv_grade_name(sv_grade g);
/* Parse the names above; returns SV_OK or SV_EINVAL. */
int sv_grade_parse(const char *name, sv_grade *out);

/* Provenance of a recorded position. Unknown doubles are NaN, unknown ints -1. */
typedef struct sv_quality {
    sv_grade grade; /* worst grade among the averaged epochs */
    int mode;       /* gpsd fix mode of the last epoch: 2 = 2D, 3 = 3D */
    int status;     /* gpsd status of the last epoch (STATUS_*) */
    int sats_used;
    int sats_seen;
    double hdop, vdop, pdop;
    double eph, epv;                  /* receiver's error estimates, metres */
    double corr_age;                  /* age of differential corrections, seconds */
    int n;                            /* accepted epochs averaged (1 for a single epoch) */
    double duration_s;                /* first to last accepted epoch */
    double sigma_e, sigma_n, sigma_u; /* standard deviation of the averaged epochs, metres */
    int dropped;                      /* epochs seen but refused by the gate (grade, stale) */
    char datum[16]; /* realisation of the source: "CGCS2000" (RTK via CORS), "WGS84" */
} sv_quality;

/* A quality with every field unknown. */
sv_quality sv_quality_unknown(void);

/* The horizontal standard deviation of an averaged position, sqrt(sigma_e^2 + sigma_n^2) in
 * metres; NaN when either is unknown. What the app's point list and the office console show. */
double sv_quality_sigma_h(const sv_quality *q);

/* ---- Units ------------------------------------------------------------------------------ */

/* The registered-ownership fields the crew verifies (权属核实). */
typedef enum sv_field {
    SV_FIELD_OWNER = 0,      /* 所有权主体 */
    SV_FIELD_REPRESENTATIVE, /* 代表行使主体 */
    SV_FIELD_AGENT,          /* 代理行使主体 */
    SV_FIELD_MODE,           /* 行使方式 */
    SV_FIELD_RIGHTS,         /* 权利内容 */
    SV_FIELD_MANAGER,        /* 日常管理者 */
    SV_FIELD_COUNT
} sv_field;

/* "owner", "representative", "agent", "mode", "rights", "manager". */
const char *sv_field_name(sv_field f);
int sv_field_parse(const char *name, sv_field *out);

/* A registration unit (登记单元) as the county drew it. */
typedef struct sv_unit {
    int64_t seq;            /* entry that defined it (0 before it is recorded) */
    char code[SV_CODE_MAX]; /* 登记单元号 */
    char type[SV_CODE_MAX]; /* unit type, from the unit-type code list */
    char *name;
    char *location;               /* 坐落 */
    char *fields[SV_FIELD_COUNT]; /* registered ownership values, NULL if absent */
    char *control;                /* public-control notes (公共管制), read-only for crews */
    int epsg;                     /* Gauss-Krueger output CRS for this unit, 0 = journal default */
    double central_meridian;      /* custom CM when epsg == 0 and this is not NaN */
    sv_geom draft;                /* pre-drawn boundary */
    char *source;                 /* where it came from: file name and CRS */
} sv_unit;

void sv_unit_clear(sv_unit *u);

/* The party that points out and signs for the unit itself (本宗地指界人's side): the registered
 * representative (代表行使主体) when the unit has one, else the owner (所有权主体); NULL when
 * it has neither. Every other party of a unit is a neighbour. */
const char *sv_unit_own_party(const sv_unit *u);

/* ---- Boundary points and lines ---------------------------------------------------------- */

enum {
    SV_PT_OFFSET = 1u << 0,   /* position derived by distance and bearing from an occupied one */
    SV_PT_MANUAL = 1u << 1,   /* typed in or read from a map, not measured by GNSS here */
    SV_PT_STALE = 1u << 2,    /* stale epochs were seen (and dropped) while averaging */
    SV_PT_OVERRIDE = 1u << 3, /* accepted below the quality gate; see override_reason */
    SV_PT_FAR = 1u << 4       /* accepted farther from its unit's draft than the limit (on
                               * input: the caller means it; see sv_record_point) */
};

/* Which north an offset bearing was entered from. */
typedef enum sv_north {
    SV_NORTH_TRUE = 0,    /* geodetic (true) north: the bearing is used as entered */
    SV_NORTH_GRID = 1,    /* the unit's Gauss-Krueger grid north: corrected by the convergence */
    SV_NORTH_MAGNETIC = 2 /* a compass: corrected by the magnetic declination (never modelled:
                           * the crew's value or the journal's SV_CFG_DECLINATION) */
} sv_north;

/* "true", "grid", "magnetic". */
const char *sv_north_name(sv_north n);
int sv_north_parse(const char *name, sv_north *out);

/* An offset observation: the point lies distance_m along bearing_deg from the occupied spot. */
typedef struct sv_offset {
    double from_lat, from_lon, from_h;
    double distance_m;      /* horizontal (geodesic) distance */
    double bearing_deg;     /* from true north, clockwise (for grid or magnetic input: computed by
                             * the library from bearing_entered, see sv_offset_resolve) */
    double dh;              /* height difference, point minus occupied spot (NaN unknown) */
    sv_north north;         /* which north the crew entered the bearing from (0: true) */
    double bearing_entered; /* the bearing as entered, degrees from `north` (grid, magnetic) */
    double declination_deg; /* magnetic declination, degrees east of true north; used when
                             * declination_set, else the journal's SV_CFG_DECLINATION */
    int declination_set;
    double correction_deg; /* output: bearing_deg - bearing_entered (the grid convergence or the
                            * declination applied); 0 for true north */
} sv_offset;

/* A boundary point (界址点). */
typedef struct sv_bpoint {
    int64_t seq;     /* entry that recorded it (state output) */
    int64_t time_ms; /* when it was recorded (state output) */
    char unit[SV_CODE_MAX];
    char number[SV_NUMBER_MAX];   /* "J1", "T3"; empty on input: the next free number */
    char point_type[SV_CODE_MAX]; /* "measured" | "map-read" | other code-list value */
    char marker[SV_CODE_MAX];     /* marker type (界标类型), from the code list; may be empty */
    double lat, lon, h;           /* CGCS2000; h ellipsoidal metres, NaN unknown */
    sv_quality q;
    unsigned flags;        /* SV_PT_* */
    sv_offset off;         /* valid when flags & SV_PT_OFFSET */
    char *override_reason; /* why it was accepted below the gate: the label, for humans */
    char *note;
    int64_t supersedes; /* seq of the point entry this corrects (re-measures, changes), or 0 */
    /* Antenna (pole) height. h is the antenna's height as measured (or typed); the ground
     * mark's height is h - pole_h, computed by the library when the point is recorded. */
    double pole_h;   /* pole height in metres, valid when pole_set */
    int pole_set;    /* input: 1 pole_h is given; 0: the journal's SV_CFG_ANTENNA_HEIGHT, else
                      * unknown; -1 unknown. State output: 1 when known, -1 when not */
    double ground_h; /* state output: the ground mark's height, NaN when unknown */
    char method[SV_CODE_MAX];        /* how it was obtained (SV_METHOD_*); "" on input: derived */
    char override_code[SV_CODE_MAX]; /* the override reason's code (sv_override_reasons) */
    char *reason;                    /* why this entry corrects the one it supersedes */
    /* State output: for a neighbouring unit's point this unit shares (kind "share"), that
     * unit's code and its number there, whose measurement this one is; "" for its own point */
    char shared_unit[SV_CODE_MAX];
    char shared_number[SV_NUMBER_MAX];
} sv_bpoint;

/* How a point was obtained (DOMAIN.md 9): the values of sv_bpoint.method. */
#define SV_METHOD_RTK "rtk"           /* GNSS with RTK corrections (float or fixed) */
#define SV_METHOD_STATIC "static"     /* GNSS averaged without RTK (autonomous, SBAS, DGPS) */
#define SV_METHOD_TAPED "taped"       /* taped from known points (勘丈) */
#define SV_METHOD_MAP_READ "map-read" /* read from a map (图解) */
#define SV_METHOD_OFFSET "offset"     /* distance and bearing from an occupied spot */

/* 1 when name is one of the SV_METHOD_* values. */
int sv_method_valid(const char *name);
/* The method a point's flags, type and quality imply: offset, map-read, rtk or static;
 * NULL when they say nothing (a typed-in measured point). */
const char *sv_method_derive(const sv_bpoint *p);

/* The fixed list of reasons for accepting a point below the quality gate (defect 10): a code
 * goes into the journal, its label (in the crew's language) beside it for humans. */
typedef struct sv_reason {
    const char *code;  /* "canopy" */
    const char *label; /* English label, the msgid the app translates */
    const char *zh;    /* the printed forms' words (the app's are its catalogue's) */
} sv_reason;
/* The i-th reason, NULL past the last. */
const sv_reason *sv_override_reason_at(size_t i);
/* The reason with this code, or NULL. */
const sv_reason *sv_override_reason_find(const char *code);
#define SV_OVERRIDE_OTHER "other" /* a reason in the crew's own words (the label says it) */

void sv_bpoint_clear(sv_bpoint *p);

/*
 * The order of a unit's boundary points, its ring (DOMAIN.md 3): one series numbered from 1,
 * whose prefix says the point type (J measured, T map-read), so J1, J2, T3, J4 run in that
 * order. By the number's digits (J2 before J10), then J before T before any other prefix, then
 * the prefix's bytes, then the whole text; a number without digits after every numbered one.
 * Negative, 0 or positive as a comes before, with or after b. The journal's state, the
 * surveyed polygon, the lines and every export order points by it.
 */
int sv_point_number_cmp(const char *a, const char *b);

/* A shared point takes the measurement of the point it shares (kind "share"): dst gets src's
 * time, type, marker, position, quality, flags, offset, override, note, pole and ground
 * heights and method, the columns the state copies (state.c SHARED_COLS); its seq, unit,
 * number, supersedes, correction reason and shared_* stay. SV_ENOMEM leaves dst unchanged. */
int sv_bpoint_take_measurement(sv_bpoint *dst, const sv_bpoint *src);

/* A walk (track) vertex. */
typedef struct sv_vertex {
    int64_t seq;
    char unit[SV_CODE_MAX];
    int64_t track; /* walk id: the seq of the walk's first vertex (state) */
    double lat, lon, h;
    double fix_time; /* receiver time, s since epoch (NaN unknown) */
    sv_quality q;
    int jump; /* implausible jump: kept, but left out of the boundary */
} sv_vertex;

/* A boundary line (界址线) between two consecutive points. */
typedef struct sv_bline {
    int64_t seq;
    char unit[SV_CODE_MAX];
    char from[SV_NUMBER_MAX], to[SV_NUMBER_MAX];
    char category[SV_CODE_MAX]; /* line category (界线类别) code */
    char position[SV_CODE_MAX]; /* "inside" | "centre" | "outside" */
    char nature[SV_CODE_MAX];   /* "settled" | "unsettled" | "disputed" */
    char *neighbour;            /* neighbouring party */
} sv_bline;

void sv_bline_clear(sv_bline *l);

/* ---- Decisions ------------------------------------------------------------------------------ */

typedef enum sv_vstatus {
    SV_VERIFY_CONFIRMED = 0,
    SV_VERIFY_CORRECTED = 1,
    SV_VERIFY_DISPUTED = 2
} sv_vstatus;

const char *sv_vstatus_name(sv_vstatus s);
int sv_vstatus_parse(const char *name, sv_vstatus *out);

/* Ownership verification of one field of one unit. */
typedef struct sv_verification {
    int64_t seq;
    int64_t time_ms;
    char unit[SV_CODE_MAX];
    sv_field field;
    sv_vstatus status;
    char *value; /* new value when corrected */
    char *note;  /* statement or remark */
} sv_verification;

/* sv_unit_own_party after verification on site: a representative (or owner) the crew corrected
 * is the corrected value (the registered 自然资源部 corrected to 临夏州自然资源局 points out as
 * the latter); confirmed or disputed, the registered one. rep and owner are the fields' current
 * verifications, NULL for none. */
const char *sv_unit_own_party_verified(const sv_unit *u, const sv_verification *rep,
                                       const sv_verification *owner);

void sv_verification_clear(sv_verification *v);

/* The value a field holds after its verification v (NULL: not verified): the registered value
 * when confirmed or not verified, the crew's value when corrected, NULL while disputed (the
 * field is undetermined until the dispute is settled). */
const char *sv_field_result(const char *registered, const sv_verification *v);

/* A dispute (争议): parties, statement, and the disputed stretch or area. */
typedef struct sv_dispute {
    int64_t seq;
    int64_t time_ms;
    char unit[SV_CODE_MAX];
    char *parties;
    char *statement;
    char from[SV_NUMBER_MAX], to[SV_NUMBER_MAX]; /* disputed stretch between two points, or empty */
    sv_geom area;                                /* disputed area, may be empty */
    int settled; /* input: recorded as already settled; state output: settled (by this flag or
                  * by a current settlement, see settled_by) */
    /* The dispute document's number (土地权属争议原由书), carried on every boundary line of the
     * stretch (KTT_GY_JZX). Input: "" derives it (sv_dispute_number); state output: always set. */
    char number[SV_CODE_MAX];
    /* State output, from the current settlement (kind "settle") naming this dispute: */
    int64_t settled_by;             /* its seq, 0 when none */
    char *agreement;                /* the agreement text, NULL when none */
    char agreement_no[SV_CODE_MAX]; /* the agreement's number (土地权属界线协议书), "" none */
    /* County export only: the outcome the office recorded when it settled the dispute
     * (sv_export_settlement), NULL otherwise */
    char *office_outcome;
} sv_dispute;

void sv_dispute_clear(sv_dispute *d);

/* The number a dispute gets when none is entered: "<unit>-ZY<seq>" (争议, seq of its entry).
 * Deterministic, so a rebuild, the office and every export give the same number. */
void sv_dispute_number(const char *unit, int64_t seq, char out[SV_CODE_MAX]);
/* The number a settlement gets when none is entered: "<unit>-XY<seq>" (协议). */
void sv_agreement_number(const char *unit, int64_t seq, char out[SV_CODE_MAX]);

/*
 * An on-site settlement (kind "settle") of a dispute: the parties agreed on site. It names the
 * dispute it settles (the dispute entry's seq), the agreement text and the agreement's number
 * (土地权属界线协议书). The parties' signatures are ordinary "sign" entries recorded after it
 * (`quejie sign`), bound to the boundary they were shown. Voiding a settlement reopens the
 * dispute.
 */
typedef struct sv_settlement {
    int64_t seq;
    int64_t time_ms;
    char unit[SV_CODE_MAX];
    int64_t dispute;          /* seq of the dispute entry it settles */
    char *agreement;          /* what the parties agreed */
    char number[SV_CODE_MAX]; /* agreement number; "" on input derives sv_agreement_number */
} sv_settlement;

void sv_settlement_clear(sv_settlement *s);

/* ---- Notes ---------------------------------------------------------------------------------- */

/*
 * A note (kind "note") on a unit, on one of its boundary points, or on the line between two of
 * its points: what a crew writes down that fits no other record. The target is the point when
 * point is set, the line when from and to are set, else the unit. text is the crew's words;
 * phrase an optional code of a common phrase (sv_note_phrase_at, or a code the county added
 * to the "note-phrase" code list); a phrase without text records the phrase's English label.
 */
typedef struct sv_note {
    int64_t seq;
    int64_t time_ms;
    char unit[SV_CODE_MAX];
    char point[SV_NUMBER_MAX];                   /* a point note: its number */
    char from[SV_NUMBER_MAX], to[SV_NUMBER_MAX]; /* a line note: its ends */
    char phrase[SV_CODE_MAX];                    /* "" none */
    char *text;
} sv_note;

void sv_note_clear(sv_note *n);
/* "unit", "point" or "line": what the note is about. */
const char *sv_note_target(const sv_note *n);

/* The library's common note phrases (code and English label, the msgid the app translates),
 * the i-th or NULL past the last; find by code or NULL. */
const sv_reason *sv_note_phrase_at(size_t i);
/* A library phrase's words in Chinese (the forms', the console's and the app's), else NULL. */
const char *sv_note_phrase_zh(const char *code);
const sv_reason *sv_note_phrase_find(const char *code);
#define SV_NOTE_PHRASE_LIST "note-phrase" /* the code list a county extends them with */

/*
 * A file the crew keeps with a unit (kind "attach"): a photograph of the signed paper form
 * (DOMAIN.md section 9: the forms are signed in wet ink and photographed back), of a marker or
 * of the site, or a scan. The entry names the file by the SHA-256 of its bytes; the bytes are
 * kept beside the entries in the same journal file (sv_journal_file) and travel to the office
 * on their own (docs/sync-protocol.md, "Files"), so a photograph never swells a bundle.
 * what is one of SV_ATTACH_WHATS (survey/lifecycle.h), type sv_attach_type's, name the file's
 * name without its path, point an optional boundary point of the unit.
 */
#define SV_ATTACH_NAME_MAX 256 /* bytes of a kept file's name, its NUL included */
typedef struct sv_attachment {
    int64_t seq;
    int64_t time_ms;
    char unit[SV_CODE_MAX];
    char point[SV_NUMBER_MAX]; /* "" for the unit as a whole */
    char what[24];
    char name[SV_ATTACH_NAME_MAX];
    char sha256[65];
    char type[24];
    int64_t bytes;
    char *note;    /* NULL for none */
    int at_office; /* listing, on a tablet: the office confirmed it holds the bytes */
} sv_attachment;

void sv_attachment_clear(sv_attachment *a);

typedef enum sv_presence {
    SV_PRESENT = 0,
    SV_PROXY = 1, /* by proxy with written authorisation */
    SV_ABSENT = 2 /* absent; notice served on notice_date */
} sv_presence;

const char *sv_presence_name(sv_presence p);
int sv_presence_parse(const char *name, sv_presence *out);

/* Attendance of a neighbouring party at the pointing-out of the boundary (指界). */
typedef struct sv_attendance {
    int64_t seq;
    int64_t time_ms;
    char unit[SV_CODE_MAX];
    char *party;  /* the neighbouring owner */
    char *person; /* who attended for it */
    sv_presence presence;
    char notice_date[11]; /* YYYY-MM-DD when absent */
} sv_attendance;

void sv_attendance_clear(sv_attendance *a);

/*
 * A signature at the pointing-out of the boundary (指界签字): who signed, for which party, the
 * finger strokes of the signature pad, and the digest of exactly the boundary that was shown
 * when signing (sv_state_boundary_digest: the unit's points and lines with their attributes).
 * A point or line changed afterwards changes the digest: the signature stays in the journal
 * but no longer covers the current boundary (sv_signature.current).
 */
#define SV_SIG_PAD 1000         /* stroke coordinates are 0..SV_SIG_PAD on both axes of the pad */
#define SV_SIG_MAX_POINTS 10000 /* stroke points in one signature (separators not counted) */

typedef struct sv_signature {
    int64_t seq;
    int64_t time_ms;
    char unit[SV_CODE_MAX];
    char *party;  /* the party signing (the unit's side or a neighbour) */
    char *signer; /* the person's name */
    char *role;   /* legal representative, proxy, village cadre, ... */
    /* strokes: n_xy (x, y) pairs in 0..SV_SIG_PAD; a pair (-1, -1) ends a stroke */
    int32_t *xy;
    size_t n_xy;
    uint8_t covers[32]; /* boundary digest when signed (SV_HASH_BYTES) */
    int current;        /* state output: covers equals the boundary digest now */
} sv_signature;

void sv_signature_clear(sv_signature *s);

/* The rule for a signature's strokes (what sv_record_signature records): xy holds n_xy (x, y)
 * pairs, a pair (-1, -1) ends a stroke and the end of xy ends the last one; at least one
 * stroke, every stroke at least 2 points, every coordinate 0..SV_SIG_PAD, at most
 * SV_SIG_MAX_POINTS points in all. SV_OK, or SV_EINVAL with the reason in why (which stroke and
 * point), for a caller that names where the strokes came from. */
int sv_signature_strokes_check(const int32_t *xy, size_t n_xy, char *why, size_t why_len);

/* 1 when buf holds len bytes of valid UTF-8 (no overlongs, no surrogates): every name and
 * text the journal or the office stores, which JSON must carry. */
int sv_utf8_valid(const char *buf, size_t len);
/* How many of s's len bytes to keep to show at most max bytes without cutting a UTF-8
 * character in two (len when it fits). */
size_t sv_utf8_prefix(const char *s, size_t len, size_t max);

/* Each byte of the NUL-terminated s that starts no valid UTF-8 sequence replaced by '?', in
 * place: a record of what a hostile or mis-encoded request sent (a log, an audit row, an error
 * message) that JSON can still carry. Returns the number of bytes replaced. */
size_t sv_utf8_repair(char *s);
/* A log line made safe in place: one event, one line. Each control character, C0 or C1 (a
 * note's line break, a %0A in a URL, an escape sequence in a user name), becomes '?', so nothing
 * from a request or a staff member's text forges a line of its own or drives a terminal, and bytes
 * that are not UTF-8 are repaired (sv_utf8_repair). */
void sv_log_line_clean(char *s);

#ifdef __cplusplus
}
#endif
#endif
