/*
 * office.h - the county office: its store, device enrollment, ingest of bundles, the review
 * queue of conflicting observations, task packages and the county-wide export.
 *
 * The office keeps three kinds of files (docs/office.md):
 *   OFFICE_DB                  SQLite (WAL, synchronous=FULL): identity, settings, devices,
 *                              task units, the ingest log and the review queue;
 *   OFFICE_DB.key              the office's secret keys (Ed25519 signing, X25519 box), 0600;
 *   OFFICE_DB.replicas/ID.db   one replica journal per device (survey/journal.h), holding that
 *                              device's entries verbatim. A device's acknowledged seq is always
 *                              its replica's last seq: there is no second counter to drift.
 *
 * The same ingest code serves HTTP (office_http.c) and USB files (`quejie-office import`): a
 * bundle is verified in full, then its new tail is appended to the replica in one transaction,
 * then the device's state is compared with every other device's to fill the review queue.
 * Nothing a device sent ever overwrites what another device sent.
 *
 * Errors: sy_err codes (bundle.h); the handle keeps a one-line message (sy_office_errmsg).
 * Listings (devices, tasks, review, log) and the enrollment reply come out as JSON text: UTF-8,
 * compact, NUL-terminated, keys in the documented order, the caller's to free() (nothing is
 * handed out on failure). The keys are those of the `--json` output in docs/office.md.
 * Threading: a handle is used by one thread at a time (the server serialises its calls).
 * Several processes may use one office: SQLite's locks and a per-device lock file serialise
 * them.
 */
#ifndef SYNC_OFFICE_H
#define SYNC_OFFICE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "survey/export.h"
#include "survey/lifecycle.h"
#include "sync/bundle.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sy_office sy_office;

#define SY_OFFICE_TOLERANCE_M 0.20 /* default point tolerance (horizontal metres) */
#define SY_OFFICE_MAX_BODY                                                                         \
    (9u * 1024u * 1024u)                               /* largest request body the server reads,   \
                                                          except a one-entry bundle of an enrolled \
                                                          device (up to SY_BUNDLE_MAX_ONE_BYTES) */
#define SY_OFFICE_CLOCK_WINDOW_MS (24LL * 3600 * 1000) /* request time vs the office clock */
#define SY_TOKEN_CHARS 64                              /* enrollment token: 32 random bytes, hex */
#define SY_NAME_MAX 128                                /* device and crew names (bytes incl. NUL) */

/*
 * Create a new office at path (must not exist): the database, the key file path + ".key" and
 * the replica directory path + ".replicas". name may be NULL ("county office"); tolerance_m
 * is the distance beyond which two measurements of one point become a review case.
 * Returns SY_OK, SY_EINVAL, SY_EIO (err names the file; nothing is left behind).
 */
int sy_office_create(const char *path, const char *name, double tolerance_m, char *err,
                     size_t errlen);

/*
 * Open an existing office (database and key file). Returns SY_OK, SY_EIO, SY_EFORMAT (not an
 * office database, a damaged key file). On failure *out may hold a handle whose errmsg says
 * why (close it), or NULL.
 */
int sy_office_open(const char *path, sy_office **out);
void sy_office_close(sy_office *o); /* NULL-safe */

/*
 * A second handle on the open office o for reads only (office_reader.c): its own read-only
 * SQLite connection (WAL: it neither waits for o's writes nor holds them up), no secret keys.
 * The listings (devices, units, review, log, users, audit, sessions) work on it; anything
 * that writes fails with SY_EIO. Close it with sy_office_close, before o. Returns SY_OK,
 * SY_ENOMEM, SY_EIO (*out as for sy_office_open).
 */
int sy_office_open_reader(const sy_office *o, sy_office **out);
const char *sy_office_errmsg(const sy_office *o); /* never NULL; borrowed until the next call */
/* What opening the office found and repaired, to be said (a warning), or "": never NULL. */
const char *sy_office_open_note(const sy_office *o);

/* Where event lines go (enroll, ingest, refusal, review case): one line each. NULL = none. */
void sy_office_set_log(sy_office *o, FILE *log);

const char *sy_office_id(const sy_office *o); /* 32 hex characters */
const char *sy_office_name(const sy_office *o);
const char *sy_office_path(const sy_office *o); /* the database file it was opened on */
double sy_office_tolerance(const sy_office *o);

/* ---- Devices ----------------------------------------------------------------------------- */

/*
 * Register a device by name (unique) with an optional crew; token receives the one-time
 * enrollment token (only its SHA-256 is stored). Returns SY_OK, SY_EINVAL (bad or taken
 * name), SY_EIO.
 */
int sy_office_device_add(sy_office *o, const char *name, const char *crew,
                         char token[SY_TOKEN_CHARS + 1]);

/* Revoke a device: its requests and bundles are refused from now on; its entries stay.
 * Returns SY_OK, SY_EINVAL (no such device), SY_ESTATE (already revoked: nothing changes),
 * SY_EIO. */
int sy_office_device_revoke(sy_office *o, const char *name);
/* Take back a revocation (a tablet revoked by mistake, or a lost one found and checked): the
 * device is enrolled again with its own key, and its requests and bundles are taken, so the
 * entries it holds reach the office. Only an enrolled device's revocation: a device revoked
 * before it enrolled is registered anew instead. SY_EINVAL unknown, SY_ESTATE not revoked or
 * never enrolled. */
int sy_office_device_restore(sy_office *o, const char *name);

/*
 * Every device as the text of a JSON array (caller frees) in registration order: name, crew,
 * device_id, status (pending, enrolled, revoked), acked_seq, entries, registered, enrolled,
 * revoked, last_ingest (the last bundle it sent that the office took), review_open,
 * last_contact (its last authenticated request of any kind: a tablet that syncs with nothing
 * new is in contact; null before any). Returns SY_OK, SY_ENOMEM, SY_EIO.
 */
int sy_office_devices(sy_office *o, char **out);
/* Record that device_id made an authenticated request now (what: the endpoint) for
 * last_contact; a failure is logged, never returned (a record, not a gate). */
void sy_office_device_seen(sy_office *o, const char *device_id, const char *what, int64_t now_ms);

/* An enrolled device as the request authentication found it. */
typedef struct sy_device {
    char name[SY_NAME_MAX];
    char crew[SY_NAME_MAX];
    char device_id[33];
    uint8_t pk[32];
} sy_device;

/* ---- Requests (the HTTP server's calls; docs/sync-protocol.md) ---------------------------- */

/*
 * Enrollment: the token's registration gets the device's key. *reply receives the 200 body, a
 * JSON object's text (caller frees): office_id, office_name, sign_pk, box_pk, device,
 * acked_seq. Returns SY_OK, SY_EAUTH (unknown, used or revoked token: 403),
 * SY_EREFUSED (the key is enrolled under another name: 409), SY_EFORMAT (bad request: 400),
 * SY_EIO.
 */
int sy_office_enroll(sy_office *o, const char *token, const char *device_id, const char *pk_hex,
                     char **reply);

/*
 * Authenticate a request by its three headers (any may be NULL: refused). now_ms is the
 * office clock. dev receives the device. Returns SY_OK or SY_EAUTH (the message says why).
 */
int sy_office_authenticate(sy_office *o, const char *device_id, const char *time_ms,
                           const char *sig_hex, const char *method, const char *path,
                           const uint8_t *body, size_t len, int64_t now_ms, sy_device *dev);

/* SY_OK when device_id names an enrolled device (not pending, revoked or unknown), else
 * SY_EAUTH (or SY_EIO). Says nothing about who sends: the server uses it only to decide whether
 * to read a request body larger than SY_OFFICE_MAX_BODY (a one-entry bundle), which is then
 * authenticated as every request is. */
int sy_office_device_enrolled(sy_office *o, const char *device_id);

/* The highest seq the office holds for a device (0 for none) and, when acked_hash is not NULL,
 * that entry's hash (zeros for none): a tablet compares it with its own entry to tell a copied
 * or restored journal from the one the office knows. */
int sy_office_cursor(sy_office *o, const char *device_id, int64_t *acked_seq,
                     uint8_t acked_hash[SV_HASH_BYTES]);

/*
 * The task package of a device: a FeatureCollection (caller frees *body) of the units assigned
 * to its name or crew, and the office's signature (hex) over it for the device.
 */
int sy_office_tasks_for(sy_office *o, const sy_device *dev, char **body, size_t *len,
                        char sig_hex[2 * 64 + 1]);

/* ---- Ingest -------------------------------------------------------------------------------- */

typedef enum sy_ingest_status {
    SY_INGEST_APPLIED = 0,
    SY_INGEST_DUPLICATE,
    SY_INGEST_GAP,
    SY_INGEST_REFUSED
} sy_ingest_status;

const char *sy_ingest_status_name(sy_ingest_status s); /* "applied", ... */

typedef struct sy_ingest_result {
    sy_ingest_status status;
    int64_t first_seq, last_seq; /* the bundle's range (0 when unreadable) */
    int64_t acked_seq;           /* the office's cursor for the device afterwards */
    size_t applied;              /* new entries stored */
    size_t new_cases;            /* review cases opened by this ingest */
    char device[SY_NAME_MAX];    /* registered name, empty when unknown */
    char device_id[33];
    char message[512]; /* why, when refused or a gap */
} sy_ingest_result;

/*
 * Verify and apply one bundle (bytes b..b+len). expect_device, when not NULL, is the device
 * the request was authenticated as (the bundle must be that device's). via ("http", "file")
 * goes into the ingest log. Returns SY_OK for applied, duplicate and gap (r->status says
 * which); SY_EAUTH (unknown, unenrolled or revoked device), SY_EFORMAT, SY_EVERSION, SY_ESIG,
 * SY_ECHAIN, SY_EOFFICE, SY_EFORK (refused; r->message names the problem), SY_EIO, SY_ENOMEM.
 * Every outcome is written to the ingest log and the event log.
 */
int sy_office_ingest(sy_office *o, const uint8_t *b, size_t len, const char *expect_device,
                     const char *via, sy_ingest_result *r);

/* ---- Tasks, review, export ------------------------------------------------------------------ */

/*
 * Import a task package (validated by sv_tasks_read: all or nothing) and assign every unit in
 * it to assign (a device name or a crew). A code imported before is replaced, unless the
 * office has accepted it (accepted, notice, objection, ready) and the package changes its
 * feature: then SY_ESTATE and nothing is imported (the same feature again is taken). A unit
 * a crew has begun (its state past assigned) keeps its assignment unless reassign is set:
 * SY_EREFUSED naming it, its state and its crew, and nothing is imported. *count
 * receives the number of units. Returns SY_OK, SY_EFORMAT (the file is refused; message names
 * it and the feature), SY_ESTATE, SY_EINVAL, SY_EIO, SY_ENOMEM.
 */
int sy_office_tasks_import(sy_office *o, const char *file, const char *assign, int reassign,
                           size_t *count);
/* The same for a package held in memory (an upload): file names it in messages (NULL:
 * "package"); validated by the same call, with the same messages, as a file. */
int sy_office_tasks_import_buf(sy_office *o, const char *file, const char *buf, size_t len,
                               const char *assign, int reassign, size_t *count);
/* 1 when name is a registered device's name or crew (an assignment that reaches someone). */
int sy_office_assignee_known(sy_office *o, const char *name);

/* The task units as the text of a JSON array of {code, assign, imported} (caller frees). */
int sy_office_tasks(sy_office *o, char **out);

/*
 * The review queue as {"cases": [{id, unit, subject, kind, detail, a, b, status, created}]},
 * as JSON text (caller frees), open cases only unless all (then with resolved and note too).
 */
int sy_office_review(sy_office *o, int all, char **out);

/* Close a review case with a note (status "resolved"; the note is required, SY_EINVAL without
 * one). SY_ENOTFOUND when there is no such case, SY_ESTATE when it is already resolved. */
int sy_office_review_resolve(sy_office *o, int64_t id, const char *note);

/* The ingest log as the text of a JSON array, newest first, at most limit rows (caller frees):
 * time, via, device, device_id, first_seq, last_seq, result, applied, acked_seq, reason. */
int sy_office_log(sy_office *o, size_t limit, char **out);

/* ---- Backup (office_backup.c; docs/office.md, "Backup and restore") --------------------- */

typedef struct sy_backup_result {
    size_t replicas;   /* device replicas copied and checked */
    int64_t entries;   /* the entries they hold */
    int64_t decisions; /* entries of the office's own journal */
    size_t imagery;    /* imagery GeoPackages copied */
    uint64_t bytes;    /* bytes written, the manifest aside */
} sy_backup_result;

/*
 * Copy the whole office into the directory dest (made, or an empty one): the database, its key
 * (0600), the office journal, every replica and, with imagery, the imagery GeoPackages, under
 * the same names, so that the copy is an office that can be put in place as it is. Taken while
 * the office serves: each SQLite file through SQLite's online backup (a snapshot), the database
 * first, so that the journals copied after it are at or ahead of its indexes (an office brings a
 * lagging index up to date). Every journal of the copy is then checked as `quejie check` does and
 * the database by SQLite's integrity check; MANIFEST.json, written last, names each file with its
 * size and SHA-256. Returns SY_OK, SY_ESTATE (dest not empty), SY_EINVAL, SY_EIO (the message
 * names the file; dest then holds an unfinished copy without a manifest), SY_ENOMEM.
 */
int sy_office_backup(sy_office *o, const char *dest, int imagery, sy_backup_result *r);

/* A backup older than this is "stale": the office says so (status, the console's log page). */
#define SY_BACKUP_STALE_S (48 * 3600)

/* The latest finished backup as a JSON object's text (caller frees): time, dest, replicas,
 * entries, decisions, imagery, bytes, age_hours, stale (older than SY_BACKUP_STALE_S); the text
 * "null" when the office has never been backed up. */
int sy_office_last_backup(sy_office *o, char **json);

/*
 * A dated backup in dir (which must exist): dir/YYYY-MM-DDTHHMMSS (the office's local time) by
 * sy_office_backup, then this office's finished backups there (their manifests name it) beyond
 * the newest keep (>= 1) removed, oldest first; an unfinished backup, another office's or any
 * other file is never touched. *made: the new backup's path (caller frees); *removed: how many
 * old ones went. What the nightly timer of the Debian package runs.
 */
int sy_office_backup_into(sy_office *o, const char *dir, int imagery, unsigned keep,
                          sy_backup_result *r, char **made, size_t *removed);

/*
 * Put the backup in backup_dir (made by sy_office_backup) in place as the office path: every
 * file checked against the manifest (size and SHA-256) before anything is written, then copied
 * (0600, the database last), the office opened and its indexes brought up to its replicas. Never
 * writes over an office: SY_ESTATE when path or one of its companion files exists. SY_EFORMAT
 * for a manifest this build does not read or a file that differs from it (nothing restored),
 * SY_EIO, SY_ENOMEM; err receives one line. r: what was restored (bytes: the files copied).
 * Tablets then send again, on their next sync, what they sent after the backup.
 */
int sy_office_restore(const char *backup_dir, const char *path, sy_backup_result *r, char *err,
                      size_t errlen);

/* Export the county-wide state (every device's replica; see sv_export_journals) to path. */
int sy_office_export(sy_office *o, sv_export_format fmt, const char *path, sv_export_stats *stats);
/* The same for one unit (unit NULL: every unit), from the replicas that hold it: SY_ENOTFOUND
 * when none does (no crew has sent anything for it yet). The printed forms of a unit
 * (SV_EXPORT_FORMS) come this way. */
int sy_office_export_unit(sy_office *o, sv_export_format fmt, const char *unit, const char *path,
                          sv_export_stats *stats);
/* The same, a CSV (SV_EXPORT_CSV) with bom starting with a UTF-8 byte-order mark, so that a
 * spreadsheet on Windows reads its Chinese (`export --bom`, the console's CSV link); other
 * formats ignore bom. */
int sy_office_export_bom(sy_office *o, sv_export_format fmt, const char *unit, int bom,
                         const char *path, sv_export_stats *stats);
/*
 * The county export (of one unit, or unit NULL every unit) as ESRI Shapefiles in one zip at
 * path: the GeoPackage export's layers converted by GDAL, one Shapefile per layer (attribute
 * tables as .dbf alone), UTF-8 with a .cpg, and fields.csv naming the GeoPackage column each
 * Shapefile column holds (the format cuts names to 10 characters). Written beside path and
 * renamed into place; errors as sy_office_export_unit.
 */
int sy_office_export_shp(sy_office *o, const char *unit, const char *path, sv_export_stats *stats);

/* ---- The unit's lifecycle and the office's decisions (office_life.c) -------------------------
 *
 * Decisions are entries (kind "decision") in the office's own journal OFFICE_DB.decisions,
 * made by the survey journal library and signed with the office key (its device id is the
 * office id); `quejie check OFFICE_DB.decisions` verifies it. The office database keeps an index
 * of it, rebuilt from the journal when behind. A unit's state is sv_unit_life
 * (survey/lifecycle.h) of the facts the office holds; docs/office.md lists the states and the
 * legal decisions.
 */

/*
 * Every task unit as the text of a JSON array (caller frees), by code: code, name, status
 * (sv_life_name), assign, last_entry (time of the latest entry a device sent about it, ISO,
 * null for none), open_cases, note (of the latest unit decision, or null), decided_by,
 * decided (ISO or null), notice_from, notice_to (null unless noticed). Returns SY_OK,
 * SY_ENOMEM, SY_EIO.
 */
int sy_office_units(sy_office *o, char **json);

/*
 * What the units listings (sy_office_units, sy_office_units_geojson) depend on, read cheaply so
 * that a server can keep a listing between requests: exact changes with what staff do
 * (decisions, task imports) and with the office's date (notice clocks); drift with what tablets
 * send (entries indexed, review cases opened). Equal stamps mean equal listings. Returns SY_OK
 * or SY_EIO.
 */
typedef struct sy_units_stamp {
    int64_t exact[4];
    int64_t drift[2];
} sy_units_stamp;
int sy_office_units_stamp(sy_office *o, sy_units_stamp *s);

/*
 * The console's overview map (GET /api/v1/units.geojson): a FeatureCollection of every task
 * unit's draft (its stored lon/lat geometry) with properties code, name, status (as
 * sy_office_units), assign, open_cases. Returns SY_OK, SY_ENOMEM, SY_EIO.
 */
int sy_office_units_geojson(sy_office *o, char **json);

/*
 * One unit for the console's unit page (GET /api/v1/units/CODE): the object of sy_office_units
 * with geometry (the draft), devices ([{device, device_id, crew, points, verifications,
 * attendance, signatures, disputes, notes}] for every device that sent entries about it; points
 * with number, seq, time, lat, lon, h, grade, n, sigma_h, sigma_u, method, pole_h, point_type,
 * override; the other lists as docs/office.md, "Console API", says), decisions (the office
 * journal's index: seq, time, action, by, note, case, accept, chosen_device, chosen_seq,
 * notice_from, notice_to) and cases (id, subject, kind, detail, status, created, resolved, note).
 * SY_EREFUSED when there is no such unit; SY_ENOMEM, SY_EIO.
 */
int sy_office_unit_detail(sy_office *o, const char *code, char **json);
/* The name of task unit code (its feature's name, "" when it has none) into *name (malloc'ed,
 * the caller frees): whether the office has the unit, as cheaply as a page needs to know.
 * SY_OK, SY_ENOTFOUND (no such task unit), SY_ENOMEM, SY_EIO. */
int sy_office_unit_name(sy_office *o, const char *code, char **name);

/*
 * The walks recorded on one day for the console's overview map (GET /api/v1/tracks): a GeoJSON
 * FeatureCollection (with date and max_vertices) of LineStrings, one per walk of a unit in a
 * device's replica whose vertex entries were recorded on date (YYYY-MM-DD, the office's local
 * calendar day; NULL or "" is today), jumps left out, each thinned evenly to at most
 * SY_TRACK_MAX_VERTICES vertices; properties device, device_id, crew, unit, walk, vertices (the
 * day's vertices of the walk) and shown. SY_EINVAL for a malformed date; SY_ENOMEM, SY_EIO.
 */
#define SY_TRACK_MAX_VERTICES 200
int sy_office_tracks(sy_office *o, const char *date, char **json);

/*
 * Take decision action ("return", "accept", "notice", "objection") on unit code, by staff
 * member by, with note (required for objection), from and to (YYYY-MM-DD, notice only).
 * Refused with SY_ESTATE when the lifecycle does not allow it (err and the handle's message
 * say why, naming the state); SY_ENOTFOUND for an unknown unit, SY_EINVAL for a bad name, note
 * or date. Returns SY_OK, SY_ESTATE, SY_ENOTFOUND, SY_EINVAL, SY_EIO. err may be NULL.
 */
int sy_office_unit_decide(sy_office *o, const char *code, const char *action, const char *by,
                          const char *note, const char *from, const char *to, char *err,
                          size_t errlen);
/* sy_office_unit_decide's every check, recording nothing: SY_OK when the decision would be
 * recorded now. A console that asks its user to confirm something about a decision (a notice
 * dated in the past) asks only about one the office would take. */
int sy_office_unit_check(sy_office *o, const char *code, const char *action, const char *by,
                         const char *note, const char *from, const char *to, char *err,
                         size_t errlen);
/* The lifecycle's refusal of the last sy_office_unit_decide or _check on o in codes
 * (sv_life_check): reason NULL unless that call returned SY_ESTATE. */
const sv_life_refusal *sy_office_refusal(const sy_office *o);

/*
 * Settle a dispute at the office (a decision "settle-dispute", survey/lifecycle.h): the dispute
 * of unit code whose number (sv_dispute.number, as `disputes` lists it) is dispute, found in the
 * devices' replicas; outcome (required), document "agreement" (权属界线协议书) or "statement"
 * (权属争议原由书; "dispute-statement" too) and its number. The county export then shows the
 * dispute settled and its lines carry the number (agreement_no or dispute_no). Two tablets may
 * number disputes alike: device (its id or name; NULL: any) says whose; without it, of several
 * disputes with the number the one still open is settled when one alone is, and SY_ESTATE
 * names the devices otherwise. SY_EINVAL for a missing or bad field, SY_ENOTFOUND for an
 * unknown dispute or device. Returns SY_OK, SY_EINVAL, SY_ENOTFOUND, SY_ESTATE, SY_EIO. err may
 * be NULL.
 */
int sy_office_dispute_settle(sy_office *o, const char *code, const char *dispute,
                             const char *device, const char *by, const char *outcome,
                             const char *document, const char *number, char *err, size_t errlen);
/*
 * Attach a file to unit code (a decision "attach", survey/lifecycle.h; DOMAIN.md section 9: the
 * signed forms come back scanned or photographed): data[0..len) a JPEG, PNG or PDF of at most
 * SV_ATTACH_MAX_BYTES; name the name it had (a path is cut to its last part); what one of
 * SV_ATTACH_WHATS ("signed_form", "agreement", "dispute_statement", "notice", "photo",
 * "other"); note optional. The bytes are kept in the office database under their SHA-256 (once
 * however often they are attached) before the decision naming them is recorded; the hash goes
 * to sha256_out (may be NULL). Attaching never moves the unit. SY_ENOTFOUND for no such unit,
 * SY_EINVAL for an empty or too large file, one of another kind, a bad name, what or note;
 * SY_EIO. err may be NULL.
 */
int sy_office_unit_attach(sy_office *o, const char *code, const char *by, const char *what,
                          const char *name, const char *note, const uint8_t *data, size_t len,
                          char sha256_out[65], char *err, size_t errlen);
/* The name sy_office_unit_attach keeps a file under: name's last path part (name itself when it
 * has none; NULL for NULL). */
const char *sy_attach_kept_name(const char *name);
/* The files attached to unit code, oldest first, as a JSON array (caller frees): seq (the
 * decision's), time, by, what, name, type, bytes, sha256, note. SY_ENOTFOUND, SY_EIO. */
int sy_office_unit_attachments(sy_office *o, const char *code, char **json);
/*
 * The files crews keep with units (tablet entries "attach"; docs/sync-protocol.md, "Files"):
 * a device sends the bytes of a file its entries at the office name, in pieces from where the
 * office's copy ends. bytes: the file's size; have: the bytes the office holds; complete: it
 * holds the whole file (checked against its SHA-256 and type).
 */
typedef struct sy_file_status {
    int64_t bytes, have;
    int complete;
} sy_file_status;
/* SY_ENOTFOUND when no entry of device_id the office holds names the file; SY_EINVAL. */
int sy_office_file_status(sy_office *o, const char *device_id, const char *sha256,
                          sy_file_status *s);
/* The piece data[0..len) at offset: appended when offset is what the office holds (SY_EGAP
 * otherwise, s->have saying what it holds), the file kept once whole; SY_EREFUSED when the
 * whole does not hash to its name (the pieces are dropped: send it again from 0); a piece for a
 * complete file is answered as complete. SY_ENOTFOUND, SY_EINVAL, SY_EIO. */
int sy_office_file_piece(sy_office *o, const char *device_id, const char *sha256, int64_t offset,
                         const uint8_t *data, size_t len, sy_file_status *s);
/* How many distinct files the device's entries at the office name and the office holds whole
 * (GET /v1/cursor's "files": a tablet that recorded more confirmations asks again). */
int sy_office_files_held(sy_office *o, const char *device_id, int64_t *n);

/* A file record of a bundle file (USB; docs/bundle.md, "File records"): verified, opened and
 * kept as a file received over the network is. duplicate: the office held it already. */
typedef struct sy_file_import_result {
    char device[SY_NAME_MAX], device_id[33], sha256[65];
    int64_t bytes;
    int duplicate;
} sy_file_import_result;
/* SY_OK; SY_EFORMAT, SY_EVERSION, SY_ESIG, SY_EOFFICE (the record), SY_EAUTH (the device),
 * SY_ENOTFOUND (no entry of the device names the file: its bundle must come first),
 * SY_EREFUSED (not the file its entry names), SY_EIO; the message says which. */
int sy_office_file_import(sy_office *o, const uint8_t *b, size_t len, sy_file_import_result *r);

/* The bytes of the attached file whose SHA-256 is sha256 (64 lowercase hex digits; caller frees
 * *data), its media type and, when name is not NULL, its file's name as it was attached
 * (malloc'ed, the caller frees; NULL when unknown). SY_EINVAL (not a hash), SY_ENOTFOUND,
 * SY_EIO. */
int sy_office_attachment(sy_office *o, const char *sha256, uint8_t **data, size_t *len,
                         char type[32], char **name);

/* Every dispute in the replicas, as a JSON array (caller frees): unit, number, device, seq,
 * parties, statement, from, to, agreement_no, state ("open", "settled_on_site",
 * "settled_at_office") and for one settled at the office outcome, document, document_no,
 * decided_by, decided. */
int sy_office_disputes(sy_office *o, char **json);

/*
 * Decide review case id by choosing a version: accept "a", "b" or "neither" (re-survey), or NULL
 * to close it with the note alone (the older form: the note is then required, since it alone
 * says why; sv_decision_check). The decision names by, the case, the chosen device and entry
 * seq; then the case is resolved. SY_ENOTFOUND for no such case, SY_ESTATE for one already
 * resolved, SY_EINVAL for a bad choice, name or note (a blank one without a choice). err may be
 * NULL.
 */
int sy_office_review_decide(sy_office *o, int64_t id, const char *accept, const char *by,
                            const char *note, char *err, size_t errlen);

/*
 * The office status of every unit assigned to a device as the text of a JSON array (caller
 * frees) of {code, status, note}: what the tablet receives with its task package (the
 * package's "quejie_office" member) so that a returned unit and its note reach the crew.
 */
int sy_office_status_for(sy_office *o, const sy_device *dev, char **json);

/* ---- The HTTP server (office_http.c) --------------------------------------------------------- */

typedef struct sy_server sy_server;

typedef struct sy_server_opts {
    const char *listen;    /* "ADDR:PORT" or "[V6ADDR]:PORT" */
    const char *cert_file; /* PEM; NULL with key_file NULL = plain HTTP, loopback only */
    const char *key_file;
    const char *assets;     /* the console's static files (a directory), NULL = none */
    int64_t session_idle_s; /* a console session's idle timeout; 0 = 30 min */
} sy_server_opts;

/*
 * Start serving o on its own threads; o is used under the server's lock until
 * sy_server_stop returns (the caller must not use it meanwhile). Returns SY_OK, SY_EINVAL
 * (bad address, plain HTTP off loopback), SY_EIO (cannot read the certificate or key, cannot
 * listen); err receives one line.
 */
int sy_server_start(sy_office *o, const sy_server_opts *opts, sy_server **out, char *err,
                    size_t errlen);

/* Stop: no new connections, wait for the running requests, free. NULL-safe. */
void sy_server_stop(sy_server *s);

#ifdef __cplusplus
}
#endif
#endif
