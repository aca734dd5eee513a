/*
 * journal.h - the append-only, hash-chained, signed device journal.
 *
 * One SQLite file per device. Every observation or decision is an entry (seq, time, kind,
 * payload); entries are never updated or deleted, a correction is a new entry naming what it
 * supersedes. Each recording call returns only after its entry is durable on disk (WAL,
 * synchronous=FULL, one transaction) and the derived state has been updated in the same
 * transaction. The device's Ed25519 secret key lives in JOURNAL.key beside the file (mode
 * 0600) and is never written anywhere else; reading a journal does not need it.
 *
 * Threading: a handle is used by one thread at a time. Several processes may open the same
 * journal; writers are serialised by SQLite's lock (SV_EBUSY after a bounded wait).
 */
#ifndef SURVEY_JOURNAL_H
#define SURVEY_JOURNAL_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sv_journal sv_journal;

#define SV_JOURNAL_SCHEMA                                                                          \
    9 /* schema version this build writes (9: a neighbour's boundary point shared, kind share) */
#define SV_HASH_BYTES 32
#define SV_SIG_BYTES 64
#define SV_PUBKEY_BYTES 32

/* What a new journal is created with. */
typedef struct sv_journal_opts {
    const char *device_name; /* human name of the tablet, may be NULL */
    const char *crew;        /* crew name, may be NULL */
    int epsg; /* default Gauss-Krueger EPSG (4513-4554), 0 = from each unit's longitude */
    double central_meridian; /* custom central meridian when epsg == 0; NaN = none */
} sv_journal_opts;

enum {
    SV_OPEN_READONLY = 1 << 0, /* no key needed; recording calls fail with SV_EINVAL */
    SV_OPEN_REPLICA = 1 << 1   /* a replica (see below): no key; only verbatim appends */
};

/*
 * Create a new journal at path (must not exist) and its key file path + ".key".
 * Records the first entry ("init"). *out receives the open handle.
 * Returns SV_OK, SV_EEXIST, SV_EIO, SV_EINVAL. On failure *out may hold a handle whose
 * sv_journal_errmsg() says why (close it), or NULL.
 */
int sv_journal_create(const char *path, const sv_journal_opts *opts, sv_journal **out);

/*
 * Open an existing journal, migrating an older schema in place (in one transaction).
 * Returns SV_OK, SV_ENOTFOUND, SV_EVERSION (newer than this build), SV_ECORRUPT, SV_EIO,
 * SV_EBUSY. As with create, *out may hold a handle carrying the message on failure.
 */
int sv_journal_open(const char *path, int flags, sv_journal **out);

/* Close; NULL is a no-op. An open batch is rolled back. */
void sv_journal_close(sv_journal *j);

/* Detail of the last failure on this handle; borrowed until the next call. Never NULL. */
const char *sv_journal_errmsg(const sv_journal *j);

/* Identity. Borrowed strings valid until close. */
const char *sv_journal_device_id(const sv_journal *j); /* 32 hex chars, from the public key */
const char *sv_journal_device_name(const sv_journal *j);
const char *sv_journal_crew(const sv_journal *j);
const char *sv_journal_path(const sv_journal *j);
/* 1 when path names this journal's file or one of its companions (its key, write-ahead log,
 * shared memory or rollback journal) by any path, symbolic or hard link; 0 otherwise (also when
 * path does not exist). Every writer of an output file refuses such a path: an export or a USB
 * bundle written over the journal replaces a week's work. */
int sv_journal_owns_file(const sv_journal *j, const char *path);
void sv_journal_public_key(const sv_journal *j, uint8_t pk[SV_PUBKEY_BYTES]);
/* Journal-wide default GK output: epsg (0 if none) and central meridian (NaN if none). */
void sv_journal_default_crs(const sv_journal *j, int *epsg, double *central_meridian);
/* Schema version found when the file was opened (before any migration). */
int sv_journal_schema_found(const sv_journal *j);

/*
 * Batches: between begin and commit every recording call joins one transaction, so a task
 * import is all or nothing. Nothing in a batch is durable (or reported) until commit returns
 * SV_OK. rollback undoes the whole batch. Nesting is refused with SV_EINVAL.
 */
int sv_journal_begin(sv_journal *j);
int sv_journal_commit(sv_journal *j);
void sv_journal_rollback(sv_journal *j);

/* ---- Recording: each returns SV_OK only once its entry is durable; *seq may be NULL ---- */

/* A unit from a task package. A unit code seen before is replaced (the new entry
 * supersedes the old); an identical re-import is a no-op returning the old seq. */
int sv_record_unit(sv_journal *j, const sv_unit *u, int64_t *seq);
/* 1 when a and b are the same unit by sv_record_unit's rule (its entry's content: code, name,
 * type, location, ownership fields, control, CRS and draft at the payload's 1e-9 degree; not
 * where it came from), else 0: what an office compares a package's unit with. */
int sv_unit_same(const sv_unit *a, const sv_unit *b);

/* A boundary point. An empty p->number is replaced by the unit's next free number (J for
 * measured, T for map-read) and written back into p when the point is recorded. With
 * p->supersedes set, the new point corrects that earlier point entry (same number unless
 * another is given; its marker and point type too when p leaves them empty: written back into
 * p). A number another current point of the unit holds is refused (SV_EEXIST):
 * a point never replaces another silently. */
int sv_record_point(sv_journal *j, sv_bpoint *p, int64_t *seq);

/*
 * Far points (docs/journal.md): sv_record_point refuses a typed-in, map-read or offset point
 * (flags SV_PT_MANUAL or SV_PT_OFFSET) farther from its unit's draft than the limit, with
 * SV_EINVAL and a message naming the unit, the distance and the limit, unless the caller sets
 * SV_PT_FAR to say it is meant: then it is recorded with SV_PT_FAR (kept only on a point that
 * really is beyond the limit). The limit is this handle's (sv_journal_set_point_limit, for one
 * command), else the journal's setting SV_CFG_POINT_LIMIT, else SV_POINT_LIMIT_M.
 */
#define SV_CFG_POINT_LIMIT "point.max-distance-m"
#define SV_POINT_LIMIT_M 5000.0
/* metres > 0 for this handle; NaN or <= 0 returns to the journal's setting. */
void sv_journal_set_point_limit(sv_journal *j, double metres);
/* The limit in force for this handle, in metres. */
double sv_journal_point_limit(sv_journal *j);

/*
 * Antenna (pole) height, method, override codes, corrections (docs/journal.md, "point"):
 * sv_record_point takes p->h as the antenna's height and records the ground mark's height
 * h - pole, with the pole height used: p->pole_h when p->pole_set, else the journal's setting
 * SV_CFG_ANTENNA_HEIGHT, else unknown (then no ground height is recorded). p->method empty is
 * derived (sv_method_derive); an explicit one must be an SV_METHOD_* value agreeing with the
 * offset flag. p->override_code must be one of sv_override_reasons (SV_OVERRIDE_OTHER when
 * only a text is given); p->override_reason empty takes the code's English label. p->reason
 * says why a correction (p->supersedes) was made. An offset from grid or magnetic north is
 * turned into a true bearing (sv_offset_resolve) and its position computed from the occupied
 * spot by the library; the entered bearing and north are kept. For every offset (flag
 * SV_PT_OFFSET) the caller fills p->off (occupied spot, distance, bearing_entered or
 * bearing_deg, north, dh) and the library sets p->lat/lon (placed along the true bearing) and
 * p->h (off.from_h + off.dh; NaN when dh is unknown).
 */
#define SV_CFG_ANTENNA_HEIGHT "antenna.height-m"
#define SV_CFG_DECLINATION "offset.declination-deg"
#define SV_POLE_MAX_M 20.0
/* the longest offset taken from an occupied spot (tape or laser rangefinder) */
#define SV_OFFSET_MAX_M 1000.0

/*
 * Fill off->bearing_deg (true) and off->correction_deg from off->bearing_entered and off->north:
 * grid north by the meridian convergence of unit's plane CRS at the occupied spot (PROJ),
 * magnetic north by off->declination_deg when declination_set, else by the journal's
 * SV_CFG_DECLINATION; no geomagnetic model is guessed at: without a declination, SV_EINVAL.
 * True north copies bearing_entered (when finite) to bearing_deg. Returns SV_OK, SV_EINVAL,
 * SV_ENOTFOUND (no such unit), SV_EGEOM (the spot is outside the unit's zone's reach).
 */
int sv_offset_resolve(sv_journal *j, const char *unit, sv_offset *off);

/*
 * Change a current point's marker and/or type, with a reason: a new point entry superseding
 * it (same number, position and quality; the journal stays append-only). marker or point_type
 * NULL or "" keeps the old one. A change of type keeps the number (J stays J). Returns SV_OK,
 * SV_ENOTFOUND (point_seq is not a current point), SV_EINVAL (no reason, nothing changes).
 */
int sv_record_point_change(sv_journal *j, int64_t point_seq, const char *marker,
                           const char *point_type, const char *reason, int64_t *seq);

/*
 * A boundary point shared between neighbouring units (共用界址点, kind "share"): point
 * s->from_number of unit s->from_unit becomes a point of unit s->unit as well, numbered
 * s->number ("" on input: the next free J or T number, by the point's type; filled in). Both
 * units then hold the same point: its measurement stays where it was measured, and a
 * correction there (re-measure, marker, type) moves both, so a boundary two units share cannot
 * drift apart. A point itself shared is shared from where it is measured (s->from_* are set to
 * that). Refused: the same unit, a point that is not current, one the unit already shares, one
 * farther than SV_SHARE_LIMIT_M from s->unit's draft (not on its boundary), a number taken. The
 * shared row cannot be corrected in s->unit (correct it where measured, or withdraw the sharing
 * with a void); the point cannot be withdrawn or renumbered while another unit shares it. In
 * sv_bpoint the shared row names where it is measured (shared_unit, shared_number).
 */
/* How far from a unit's draft a neighbour's point is offered for sharing, and the farthest it
 * may be shared at all (metres). */
#define SV_SHARE_NEAR_M 50.0
#define SV_SHARE_LIMIT_M 200.0
typedef struct sv_share {
    char unit[SV_CODE_MAX];
    char number[SV_NUMBER_MAX];
    char from_unit[SV_CODE_MAX];
    char from_number[SV_NUMBER_MAX];
} sv_share;
int sv_record_share(sv_journal *j, sv_share *s, int64_t *seq);

/* A walk vertex. track 0 starts a new walk; the seq of its first vertex becomes its id. */
int sv_record_vertex(sv_journal *j, const sv_vertex *v, int64_t *seq);

int sv_record_line(sv_journal *j, const sv_bline *l, int64_t *seq);
/* A verification. A correction (SV_VERIFY_CORRECTED) needs its new value, and one that is the
 * value registered now (sv_correction_unchanged) is refused: that is a confirmation. */
int sv_record_verification(sv_journal *j, const sv_verification *v, int64_t *seq);
/* 1 when value, blanks around it aside, is what unit u registers for field f: a "correction"
 * that changes nothing (the app says so before it queues one). */
int sv_correction_unchanged(const sv_unit *u, sv_field f, const char *value);
/* A dispute. d->number is the dispute document's number; "" derives "<unit>-ZY<seq>" in the
 * state (sv_dispute_number). from and to name the disputed stretch (sv_dispute_covers_line). */
int sv_record_dispute(sv_journal *j, const sv_dispute *d, int64_t *seq);
/* The on-site settlement of dispute s->dispute (a current, unsettled dispute of s->unit) with
 * the agreement text (required) and its number (s->number; "" derives "<unit>-XY<seq>"). */
int sv_record_settlement(sv_journal *j, const sv_settlement *s, int64_t *seq);
/* A note (sv_note): n->point must be a current point of the unit, n->from and n->to two
 * different current points; n->phrase one of sv_note_phrase_at or of the journal's
 * SV_NOTE_PHRASE_LIST code list; a text or a phrase is required (a phrase alone records its
 * English label as the text). */
int sv_record_note(sv_journal *j, const sv_note *n, int64_t *seq);
int sv_record_attendance(sv_journal *j, const sv_attendance *a, int64_t *seq);
/* Keep a file with a unit (kind "attach", model.h): a JPEG, PNG or PDF of 1 byte to
 * SV_ATTACH_MAX_BYTES, recognised by its first bytes. Fills a->sha256, type and bytes; the
 * bytes are kept in the journal file, in the same transaction as the entry. */
int sv_record_attachment(sv_journal *j, sv_attachment *a, const void *data, size_t len,
                         int64_t *seq);
/* The same, reading the file at path (a->name is the caller's: the name it had). */
int sv_record_attachment_file(sv_journal *j, sv_attachment *a, const char *path, int64_t *seq);
/* The bytes of a file the journal keeps (sha256: 64 lowercase hex digits): malloc'd into
 * *data (caller frees) with its size and type (may be NULL); SV_ENOTFOUND when it holds none. */
int sv_journal_file(sv_journal *j, const char *sha256, void **data, size_t *len, char type[24]);
/* Record that the office confirmed holding the file (sync state; idempotent). */
int sv_journal_file_at_office(sv_journal *j, const char *sha256);
/* Forget every confirmation of the office: for an office that may have lost files since
 * (restored from a backup, another office), whose answers then say again what it holds
 * (docs/sync-protocol.md, "Files"). */
int sv_journal_files_office_forget(sv_journal *j);
/* A signature (kind "sign"). s->covers is what the caller showed the signer (normally
 * sv_state_boundary_digest just before); it is recorded as given, even when the boundary has
 * changed since: the state then shows the signature as not current. Needs party, signer and
 * at least one stroke with two points. Every stroke needs at least two points, every
 * coordinate must be 0..SV_SIG_PAD, at most SV_SIG_MAX_POINTS points in all, and covers must
 * not be all zeros (never computed); otherwise SV_EINVAL with the reason in errmsg. A
 * signature never supersedes another: each one recorded stays in the state until voided.
 * To show and sign one boundary without a point slipping in between, take the digest and
 * record inside one batch (sv_journal_begin ... commit). */
int sv_record_signature(sv_journal *j, const sv_signature *s, int64_t *seq);

/* Add a value to a configurable code list (unit-type, marker, line-category, ...): one of the
 * lists sv_code_list_known accepts. */
int sv_record_code(sv_journal *j, const char *list, const char *code, const char *label,
                   int64_t *seq);

/* SV_OK when list is a code list of the journal (a seeded one, or SV_NOTE_PHRASE_LIST, which
 * starts empty); otherwise SV_EINVAL with errmsg naming the lists there are. A listing checks
 * it first, so a mistyped list name is refused instead of reading as an empty list. */
int sv_code_list_known(sv_journal *j, const char *list);

/* Set a configuration value (e.g. "accept" = "rtk-fixed", "average.epochs" = "10"). A setting
 * this library knows (sv_config_keys) is checked against its rule; other keys are kept as
 * given (notes of later versions). */
int sv_record_config(sv_journal *j, const char *key, const char *value, int64_t *seq);
/* The settings this library reads and checks, NULL-terminated, in the order docs list them:
 * what `quejie config` accepts and names when a key is unknown. */
const char *const *sv_config_keys(void);

/* Withdraw an earlier entry (a point measured by mistake, say) with a reason. The entry
 * itself stays in the journal; the derived state no longer shows it. */
int sv_record_void(sv_journal *j, int64_t target_seq, const char *reason, int64_t *seq);
/* The rule sv_record_void applies to a boundary point: one that a current boundary line, or
 * the stretch of a current dispute, ends at cannot be withdrawn until the line (the dispute)
 * is. Returns 1 when entry target_seq is such a point for a line, with the lines ("J1-J2,
 * J2-J3") in lines; 3 when another unit shares the point (kind "share"), with the units'
 * points ("U2 J1, U3 J4") in lines; 2 when only disputes end there, with them ("U-ZY12
 * (J5-J6)") in lines; 0 when the rule does not refuse it (not a current point, or nothing ends
 * there); or an SV_ error. For screens that say so before asking. */
int sv_void_blocking_lines(sv_journal *j, int64_t target_seq, char *lines, size_t len);

/*
 * Housekeeping off the reporting path: checkpoint the WAL into the main file when it has grown
 * (passive: never waits for readers). Call it after reporting a recorded point, or when idle;
 * recording calls do it themselves only when the WAL has grown very large. Returns SV_OK or
 * SV_EIO.
 */
int sv_journal_maintain(sv_journal *j);

/* ---- Reading entries ------------------------------------------------------------------- */

/* One entry as stored. All pointers borrowed for the duration of the callback. */
typedef struct sv_entry {
    int64_t seq;
    int64_t time_ms;     /* tablet wall clock, UTC milliseconds */
    const char *kind;    /* "point", "vertex", "unit", ... */
    const char *payload; /* canonical JSON (sorted keys, compact, integers only) */
    size_t payload_len;
    const uint8_t *prev_hash; /* SV_HASH_BYTES */
    const uint8_t *hash;      /* SV_HASH_BYTES */
} sv_entry;

/* Number of entries and the highest seq (equal, since seqs have no gaps). */
int64_t sv_journal_last_seq(sv_journal *j);

/* Call fn for each entry with seq >= from_seq in order; a non-zero return from fn stops the
 * walk and is returned. Returns SV_OK, SV_EIO or fn's value. */
int sv_journal_foreach(sv_journal *j, int64_t from_seq, int (*fn)(const sv_entry *e, void *ctx),
                       void *ctx);

/* The signed chain head: seq, hash and the device's signature over them. */
int sv_journal_head(sv_journal *j, int64_t *seq, uint8_t hash[SV_HASH_BYTES],
                    uint8_t sig[SV_SIG_BYTES]);

/* Hash of an entry given its fields and its predecessor's hash (see docs/journal.md). */
void sv_entry_hash(const char *device_id, int64_t seq, int64_t time_ms, const char *kind,
                   const char *payload, size_t payload_len, const uint8_t prev[SV_HASH_BYTES],
                   uint8_t out[SV_HASH_BYTES]);

/* ---- Signing with the device key (sync bundles, requests) --------------------------------- */

/* Ed25519 detached signature over msg with the device key. SV_EINVAL without the key
 * (read-only or replica handle). The caller puts its own domain separation into msg. */
int sv_journal_sign(sv_journal *j, const void *msg, size_t len, uint8_t sig[SV_SIG_BYTES]);

/* The journal head signature (docs/journal.md) over (seq, hash), for any seq already recorded:
 * a bundle carries it so the office's replica is as verifiable as the tablet's journal. */
int sv_journal_sign_head(sv_journal *j, int64_t seq, const uint8_t hash[SV_HASH_BYTES],
                         uint8_t sig[SV_SIG_BYTES]);

/* 1 when sig is device pk's head signature over (seq, hash), 0 otherwise. */
int sv_head_verify(const uint8_t pk[SV_PUBKEY_BYTES], int64_t seq,
                   const uint8_t hash[SV_HASH_BYTES], const uint8_t sig[SV_SIG_BYTES]);

/* The device id (32 hex chars + NUL) belonging to a public key. */
void sv_device_id_from_key(const uint8_t pk[SV_PUBKEY_BYTES], char out[33]);

/* The stored hash of entry seq (zeros for seq 0). SV_ENOTFOUND past the end. */
int sv_journal_hash_at(sv_journal *j, int64_t seq, uint8_t hash[SV_HASH_BYTES]);

/* ---- Replicas (the county office's verbatim copy of a device's journal) ------------------- */

/*
 * Create an empty replica of the device whose public key is pk at path (must not exist). A
 * replica has the journal's schema, identity and derived state but no key: it only grows by
 * sv_journal_append_verbatim, and `quejie check` verifies it like the original. Open an
 * existing one with sv_journal_open(path, SV_OPEN_REPLICA, ...).
 */
int sv_journal_create_replica(const char *path, const uint8_t pk[SV_PUBKEY_BYTES],
                              sv_journal **out);

/*
 * Append n entries recorded by the device, verbatim, in one transaction: each must extend
 * the chain (seq = last + 1, prev_hash = last hash, hash recomputes), and head_sig must be
 * the device's head signature over the last one. The derived state is updated as on the
 * tablet. All or nothing: returns SV_OK, SV_ECORRUPT (message says which entry and why; the
 * replica is unchanged), SV_EINVAL (not a replica handle), SV_EIO, SV_EBUSY.
 */
int sv_journal_append_verbatim(sv_journal *j, const sv_entry *e, size_t n,
                               const uint8_t head_sig[SV_SIG_BYTES]);
/* The office hands payloads it has already parsed through sv_journal_append_verbatim_parsed
 * (survey/journal_replica.h, which exposes jansson and is not for tablet clients). */

/*
 * A journal whose Ed25519 secret key (libsodium's 64-byte layout) the caller keeps elsewhere, as
 * the county office keeps its key in OFFICE_DB.key: no JOURNAL.key is written or read. Its
 * device id is derived from the key's public half like any device's. Otherwise as
 * sv_journal_create and sv_journal_open (read-write); open refuses a key that does not belong to
 * the journal with SV_ECORRUPT. A read-only open (`quejie check`) needs no key.
 */
int sv_journal_create_keyed(const char *path, const sv_journal_opts *opts, const uint8_t sk[64],
                            sv_journal **out);
int sv_journal_open_keyed(const char *path, const uint8_t sk[64], sv_journal **out);

/* ---- Checking -------------------------------------------------------------------------- */

typedef struct sv_check_report {
    int64_t entries;
    int chain_ok;          /* every hash recomputes and links, seqs 1..n without gaps */
    int signature_ok;      /* the head signature verifies with the journal's public key */
    int sqlite_ok;         /* PRAGMA integrity_check */
    int state_ok;          /* a rebuild from the entries equals the stored state */
    int files_ok;          /* every kept file's bytes hash to its name, and (on the device's
                            * own journal, not a replica) every attach entry's file is kept */
    int64_t first_bad_seq; /* first entry failing the chain, 0 if none */
    char detail[512];      /* first problem found, empty when all is well */
} sv_check_report;

/* Verify the whole journal. Returns SV_OK when every check passed, SV_ECORRUPT when one
 * failed (report says which), or an I/O error. */
int sv_journal_check(sv_journal *j, sv_check_report *report);

/* Throw away the derived state and rebuild it from the entries (one transaction). */
int sv_journal_rebuild_state(sv_journal *j);

#ifdef __cplusplus
}
#endif
#endif
