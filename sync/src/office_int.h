/*
 * office_int.h - what the office's source files (office.c, office_ingest.c, office_review.c,
 * office_tasks.c, office_export.c) share: the handle's layout and the small helpers for errors,
 * the event log, SQLite statements, replicas and per-device locks. Private: never installed,
 * never included outside sync/src/office*.c, and never a place for a domain rule.
 *
 * Must never: hold state of its own (everything lives in sy_office and the office files), or
 * grow a second copy of a helper the survey or sync libraries already have.
 */
#ifndef SYNC_OFFICE_INT_H
#define SYNC_OFFICE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <sqlite3.h>

#include "survey/journal.h"
#include "survey/lifecycle.h"
#include "survey/tasks.h"
#include "sync/office.h"

/* The areas around one device's units that office_imagery.c made last (in one CRS, with one
 * margin) and the fingerprint of the task rows they were made from: the chunk requests of a sync
 * reuse them (PROJ and the parse of the units cost milliseconds a time). */
typedef struct sy__areas {
    double *r; /* n rectangles {x0, y0, x1, y1} in the CRS */
    size_t n;
    int epsg;
    double margin;
    char device_id[33];
    char tasks[80]; /* the device's task rows: count, newest import, total length */
    int made;
} sy__areas;

struct sy_office {
    sqlite3 *db;
    char *path;     /* the office database */
    char *replicas; /* path + ".replicas" */
    char office_id[33];
    char name[SY_NAME_MAX];
    sv_life_refusal refusal; /* the last decision's refusal by the lifecycle (sy_office_refusal) */
    double tolerance;
    uint8_t sign_pk[32], sign_sk[64];
    uint8_t box_pk[32], box_sk[32];
    FILE *log;
    char errmsg[512];
    char open_note[256]; /* what opening found and repaired, "" none (sy_office_open_note) */
    int reader; /* a read-only handle (sy_office_open_reader): it never brings an index up */
    sy__areas areas;
    /* the last device whose activity could not be brought up to its replica when one of its
     * files was asked about, and until when (ms) its files are answered without trying again:
     * a device asking about file after file must not have a broken replica opened each time */
    char refresh_failed[80];
    int64_t refresh_retry_ms;
};

/* ---- errors and the event log (office.c) ------------------------------------------------------
 */

/* Set the handle's message (printf-style) and return rc. */
int sy__fail(sy_office *o, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* SY_EIO with the office path, what failed and SQLite's message. */
int sy__fail_db(sy_office *o, const char *what);
/* One event line on the log (sy_office_set_log): time, then what happened. */
void sy__logf(sy_office *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ms since the epoch as ISO 8601 UTC (seconds). */
void sy__iso_ms(int64_t ms, char buf[32]);
/* a + b, newly allocated (caller frees); NULL when out of memory. */
char *sy__str_cat(const char *a, const char *b);
/* 1 when s is a device, crew, user or office name: 1..SY_NAME_MAX-1 bytes of UTF-8 without
 * control chars, not only spaces. */
int sy__name_ok(const char *s);
/* The office's signature (hex) for one device over a body it serves (task package, imagery
 * manifests): Ed25519 over domain (with its NUL), the device id's 32 characters and the body's
 * SHA-256 (docs/sync-protocol.md). */
void sy__sign_for_device(const sy_office *o, const char *domain, const sy_device *dev,
                         const uint8_t *body, size_t len, char sig_hex[2 * 64 + 1]);

/* ---- SQLite (office.c) ------------------------------------------------------------------------
 */

int sy__exec(sy_office *o, const char *sql);                    /* SY_OK or SY_EIO */
int sy__prep(sy_office *o, const char *sql, sqlite3_stmt **st); /* SY_OK or SY_EIO, *st NULL */
void sy__bind_text(sqlite3_stmt *st, int i, const char *s);     /* NULL binds NULL */
const char *sy__col_text(sqlite3_stmt *st, int i);              /* "" for NULL */
json_t *sy__col_json_str(sqlite3_stmt *st, int i);              /* string or null (new ref) */
json_t *sy__col_json_time(sqlite3_stmt *st, int i);             /* ISO time or null (new ref) */

/* Hand v (consumed; NULL = out of memory) out as compact JSON text, keys in order: *out is the
 * caller's to free(). Returns SY_OK or SY_ENOMEM (message set, *out NULL). */
int sy__json_text(sy_office *o, json_t *v, char **out);

/* ---- replicas, devices (office.c) -------------------------------------------------------------
 */

/* OFFICE_DB.replicas/DEVICE_ID + ext, newly allocated (caller frees); NULL when out of memory. */
char *sy__replica_path(const sy_office *o, const char *device_id, const char *ext);
/* Open the replica of a device for reading; *j NULL (and SY_OK) when it has none yet. */
int sy__replica_read(sy_office *o, const char *device_id, sv_journal **j);
/* Open for reading the replicas of every device (unit NULL), or of the devices that sent
 * anything about unit (unit_activity), in registration order, into *js (*n of them; devices
 * with none yet left out). On failure none is left open. Close with sy__replicas_close. */
int sy__replicas_read(sy_office *o, const char *unit, sv_journal ***js, size_t *n);
/* The devices (device_id, registration order) that sent anything about unit (unit_activity),
 * or every enrolled device for NULL: a prepared statement to step (caller finalizes). */
int sy__unit_devices(sy_office *o, const char *unit, sqlite3_stmt **st);
void sy__replicas_close(sv_journal **js, size_t n);
/* Keep a file's bytes in attachments (once per SHA-256), in the caller's transaction. */
int sy__attachment_store(sy_office *o, const char *sha, const char *type, const uint8_t *data,
                         size_t len);
/* Open (creating when missing) the replica of a device for appending. */
int sy__replica_write(sy_office *o, const char *device_id, const uint8_t pk[32], sv_journal **j);
/* Serialise the ingests of one device across threads and processes: the lock's fd, or -1. */
int sy__device_lock(sy_office *o, const char *device_id);
void sy__device_unlock(int fd); /* -1 is harmless */
/* The enrolled device with this id into dev; SY_EAUTH with the reason otherwise. */
int sy__device_by_id(sy_office *o, const char *device_id, sy_device *dev, char *status,
                     size_t slen);

/* ---- the county index and conflict detection (office_review.c) --------------------------------
 */

typedef struct sy__dev_ref {
    const char *name, *id;
} sy__dev_ref;

/* The seq up to which the device's rows of the county index are current; -1 for none. */
int64_t sy__county_indexed_seq(sy_office *o, const char *device_id);
/* Bring the device's rows of the county index up to its replica j and open review cases for
 * disagreements with the other devices (*added new ones), in one office transaction. */
int sy__county_refresh(sy_office *o, const sy__dev_ref *me, sv_journal *j, int changed,
                       size_t *added);
/* An office made before edge matches: the review table gains other_unit and other_subject,
 * and every device's index is built again (sy__reindex on this open), so the points held
 * already are compared across units. */
int sy__review_upgrade(sy_office *o);
/* Whether an entry of this kind can change a device's points or verifications. */
int sy__kind_changes_index(const char *kind);
/* Index the devices that have a replica but no county index rows yet (called on open), or with
 * behind every device whose rows lag behind its replica (a restored office). */
int sy__reindex(sy_office *o, int behind);

/* ---- tasks (office_tasks.c) and imagery (office_imagery.c) -------------------------------- */

/* The units assigned to dev (by its name or its crew) as the survey library reads them (out
 * cleared by the caller with sv_task_set_clear); SY_OK, SY_EIO, SY_ENOMEM. */
int sy__tasks_units_for(sy_office *o, const sy_device *dev, sv_task_set *out);
/* What changes when the units assigned to dev change (their count, newest import and total
 * length), as text for comparing. SY_OK or SY_EIO. */
int sy__tasks_stamp_for(sy_office *o, const sy_device *dev, char out[80]);
/* Add the imagery tables' newer columns to an office made before them (called on open). */
int sy__imagery_init(sy_office *o);

/* ---- staff (office_users.c) ---------------------------------------------------------------- */

/* Create the staff tables when missing (called on open: older offices gain them). */
int sy__staff_schema(sy_office *o);

/* ---- the unit's lifecycle and the office's journal (office_life.c) ---------------------------
 */

/* Create its tables and the office journal when missing, bring its indexes up to date (called
 * on open). */
int sy__life_init(sy_office *o);
/* Index what a device's replica j holds about each unit (called after an ingest, with the
 * entries it applied: v[0..n), the decoder's parse in each; read from j when they do not reach
 * from what is indexed to its end). */
int sy__life_device_index(sy_office *o, const char *device_id, sv_journal *j, const sy_entry *v,
                          size_t n);
/* One device's activity (and the files its entries name) brought up to its replica (a lookup
 * that found nothing; not for every request). The replica is opened only when the ingest log
 * says it holds more than is indexed, so a device asking again and again for what none of its
 * entries names costs one query each time. *refreshed says whether anything was brought up. */
int sy__life_device_refresh(sy_office *o, const char *device_id, int *refreshed);
/* The lifecycle state of unit code from what the office has indexed (no refresh, no write: safe
 * inside a transaction); SY_ENOTFOUND without a message when the office has no such unit. */
int sy__unit_state(sy_office *o, const char *code, sv_life *state);
/* Whether the unit's county record is fixed against a decision that would change it (action
 * SV_DECISION_REVIEW or SV_DECISION_SETTLE_DISPUTE: the lifecycle's rule, sv_life_check): 1
 * with *why and text (one line of English) filled when it is (the notice has begun, or passed), 0
 * when not or when the office has no such unit, or an SY_ error. */
int sy__record_fixed(sy_office *o, const char *code, const char *action, sv_life_refusal *why,
                     char *text, size_t textlen);
/* The units in public notice now (all, or the one coded only) with their periods, for the
 * public notice's export: *out[0..*n) borrows its strings from *keep; free both with
 * sy__notices_free. */
int sy__notices_load(sy_office *o, const char *only, sv_export_notice **out, size_t *n,
                     void **keep);
void sy__notices_free(sv_export_notice *v, void *keep);
/* One unit as sy_office_units lists it (*unit a new object), without building the others;
 * SY_EREFUSED when the office has no such unit. */
int sy__office_unit_row(sy_office *o, const char *code, json_t **unit);
/* How many of unit's disputes open in the device's replica j the office has settled (what
 * sv_unit_settled_at_office takes); 0 when none or they cannot be read. */
int sy__settled_at_office(sy_office *o, sv_journal *j, const char *device_id, const char *unit);
/* The review decisions that chose between versions of a point or of a unit field's
 * verification, newest first, for the county export (opt->choices; free with
 * sy__export_choices_free). */
int sy__export_choices(sy_office *o, sv_export_options *opt, char ***strs);
void sy__export_choices_free(sv_export_options *opt, char **strs);
/* The disputes the office settled (decisions settle-dispute), for the county export
 * (opt->settlements; free with sy__export_settlements_free, keep holds the strings). */
int sy__export_settlements(sy_office *o, sv_export_options *opt, void **keep);
void sy__export_settlements_free(sv_export_options *opt, void *keep);
/* Each unit's state in the procedure for the county export (opt->statuses: the units layer's
 * status and notice period), and the task units no device has fetched (opt->unfetched: in the
 * county record all the same); free with sy__export_units_free, keep holds what they point at. */
int sy__export_units(sy_office *o, sv_geo *g, sv_export_options *opt, void **keep);
void sy__export_units_free(sv_export_options *opt, void *keep);

#endif
