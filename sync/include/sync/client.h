/*
 * client.h - the tablet side of sync: enrollment with a county office, fetching tasks,
 * sending every unacknowledged journal entry in bundles, and bundles on a USB stick.
 *
 * What the tablet knows about its office (URL, keys, the pinned certificate) and the state of
 * every bundle (queued, sending, acknowledged, refused with the office's reason) is kept in
 * the journal's own SQLite file, in tables sync_office, sync_state and sync_bundles that the
 * sync library alone writes (the journal's entries and derived state are never touched here;
 * tasks arrive through the journal's recording API like a task import). Nothing local is ever
 * dropped: the office's acknowledgement only moves a cursor.
 *
 * Threading: a client is used by one thread at a time; sy_client_sync blocks (the app runs it
 * on a worker thread). The journal handle must outlive the client and must not be used by
 * another thread while a call runs.
 */
#ifndef SYNC_CLIENT_H
#define SYNC_CLIENT_H

#include "bundle.h"
#include "survey/summary.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sy_client sy_client;

/* Open the sync state of journal j (opened for writing: signing needs the device key), creating
 * the tables on first use. Returns SY_OK, SY_EIO, SY_ENOMEM; *out may hold a handle carrying
 * the message on failure (close it). */
int sy_client_open(sv_journal *j, sy_client **out);
void sy_client_close(sy_client *c); /* NULL-safe */
/* Detail of the last failure; borrowed until the next call on c. Never NULL. */
const char *sy_client_errmsg(const sy_client *c);

/*
 * Enroll with the office at url (https://host:port, or http:// on loopback) using the one-time
 * token printed by `quejie-office device add`. ca_file (may be NULL: the system's CAs) is the
 * office certificate to pin: it is stored and from then on the only certificate trusted for
 * this office. Returns SY_OK, SY_EAUTH (token refused), SY_ENET, SY_ETLS, SY_EREFUSED, SY_EIO.
 */
int sy_client_enroll(sy_client *c, const char *url, const char *token, const char *ca_file);

typedef struct sy_sync_opts {
    int attempts;       /* tries per request before giving up (0 = 6) */
    double backoff_s;   /* first wait between tries, doubled each time (0 = 1 s, capped 30 s) */
    int skip_tasks;     /* do not fetch tasks */
    int skip_imagery;   /* do not fetch imagery (sync/imagery.h) */
    volatile int *stop; /* when non-NULL and set, stop between requests (SY_ENET) */
    /* progress callback: a line of text for the user (may be NULL) */
    void (*progress)(void *ctx, const char *line);
    void *ctx;
} sy_sync_opts;

typedef struct sy_sync_report {
    int tasks_fetched; /* units in the signed task package */
    int tasks_added;   /* units new or changed in the journal */
    int bundles_sent;
    int64_t entries_sent; /* entries the office newly applied */
    int64_t bytes_sent;   /* request bodies (bundles) */
    int64_t bytes_wire;   /* request and response bytes including HTTP headers (no TLS) */
    int64_t last_seq, acked_seq;
    /* imagery, fetched once everything is acknowledged: basemaps installed or updated, bytes
     * fetched from the office and bytes copied from basemaps already on the tablet; a failure
     * there does not fail the sync, it is described here (empty when none) */
    int imagery_files;
    int64_t imagery_fetched, imagery_reused;
    char imagery_error[512];
    /* the office's task package when the tablet refused it (its signature, or a unit the
     * journal's rules refuse, e.g. its code pattern): nothing of it imported, the survey data
     * sent all the same; empty when none */
    char tasks_error[512];
    /* the crew's files (kind "attach"), sent once every entry is acknowledged: files the office
     * now holds whole, bytes sent, files still not at the office after this sync; a failure
     * there does not fail the sync (the entries are safe), it is described here (empty when
     * none) and the next sync sends from where the office's copy ends */
    int files_sent, files_pending;
    int64_t files_bytes;
    char files_error[512];
} sy_sync_report;

/*
 * Fetch tasks (verified with the office's signing key, imported in one journal batch), then
 * send bundles from the office's cursor until everything is acknowledged. Interrupted at any
 * point it resumes from the office's cursor next time. A task package the tablet refuses (its
 * signature, a unit its rules refuse) is not imported and is reported in r->tasks_error; the
 * entries are sent all the same. Returns SY_OK only when acked_seq == last_seq; SY_ENET after the
 * retries; SY_EREFUSED when the office refused a bundle (the bundle's row says why; resending will
 * not help); SY_ENOTENROLLED; SY_ETLS; SY_EAUTH.
 */
int sy_client_sync(sy_client *c, const sy_sync_opts *o, sy_sync_report *r);

/* The directory where basemaps live beside the journal at journal_path ("DIR/basemaps"): sync
 * installs the office's imagery there and the app reads it. 0, or -1 when out does not fit. */
int sy_basemaps_dir(const char *journal_path, char *out, size_t n);

/* One row of sync_bundles. */
typedef struct sy_bundle_row {
    int64_t id, first_seq, last_seq, bytes, updated_ms;
    int attempts;
    char state[16];   /* queued, sending, acknowledged, refused, written */
    char reason[256]; /* the office's reason for a refusal, or the last network error */
} sy_bundle_row;

typedef struct sy_client_status {
    int enrolled;
    char office_url[512], office_id[33], office_name[128];
    int64_t last_seq, acked_seq;
    int64_t last_sync_ms; /* last time everything was acknowledged, 0 never */
    char last_error[256];
    sy_bundle_row *bundles; /* newest first, at most 100; free with sy_client_status_clear */
    size_t n_bundles;
    int files_pending; /* files kept with units the office has not confirmed holding */
} sy_client_status;

int sy_client_status_get(sy_client *c, sy_client_status *st);
void sy_client_status_clear(sy_client_status *st);

/*
 * Write every unacknowledged entry to path for a USB stick: one or more bundles back to back,
 * then a file record for each file kept with a unit that the office has not confirmed holding
 * (docs/bundle.md), written to a temporary file, fsynced and renamed into place. *entries,
 * *bundles and *files (may be NULL) say what was written. Returns SY_OK, SY_ENOTENROLLED,
 * SY_EINVAL (nothing to write), SY_EIO.
 */
int sy_client_write_bundles(sy_client *c, const char *path, int64_t *entries, int *bundles,
                            int *files);
/* The same from entry from_seq on (0: after what the office acknowledged), whatever the office
 * acknowledged, with the files of those entries whatever it confirmed: what an office restored
 * from a backup asks for again ("resend from N"). A from_seq past the journal's last entry is
 * SY_EINVAL. */
int sy_client_write_bundles_from(sy_client *c, const char *path, int64_t from_seq, int64_t *entries,
                                 int *bundles, int *files);

/*
 * The county office's word on the device's units, as the last sync brought it (the task
 * package's "quejie_office" member): the unit's lifecycle state at the office (sv_life_name of
 * survey/lifecycle.h: "returned" when sent back) and the note of the office's latest decision.
 * It is no journal entry: the office's own journal holds the decision. A unit the office said
 * nothing about (never synced, an older office) has no row. For the app's Today (grouping the
 * returned units with their note) and `quejie tasks list`.
 */
typedef struct sy_unit_office {
    char code[SV_CODE_MAX];
    char status[32];
    char note[2048]; /* "" when none (has_note 0) */
    int has_note;
    int64_t returned_seq; /* "returned": the journal's last seq when this tablet first learnt of
                           * that return (a new note is a new return); 0 otherwise. The stage
                           * is sv_unit_stage_office(summary, status, returned_seq) */
    /* this tablet's dispute entries of the unit the county office settled (their seqs) */
    int64_t settled[SY_UNIT_SETTLED_MAX];
    size_t n_settled;
} sy_unit_office;

/* The office's word taken into the tablet's summary s of of's unit (of may be NULL): the
 * disputes the office settled no longer count as open (sv_unit_settled_count), so Today, Day
 * end and tasks list agree with the office's units page. */
void sy_unit_office_take(sv_journal *j, const sy_unit_office *of, sv_unit_summary *s);

/* Every row, by code, into *out (caller frees); reads the journal file on its own read-only
 * connection (j may be read-only). Returns SY_OK (also with none), SY_EIO, SY_ENOMEM. */
int sy_unit_office_read(sv_journal *j, sy_unit_office **out, size_t *n);
/* The row of code in v, or NULL. */
const sy_unit_office *sy_unit_office_find(const sy_unit_office *v, size_t n, const char *code);

#ifdef __cplusplus
}
#endif
#endif
