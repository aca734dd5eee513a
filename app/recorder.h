/*
 * recorder.h - everything the app writes goes through one recorder thread with its own
 * writable journal handle: averaged boundary points, walk vertices and the crew's decisions
 * (verifications, disputes, attendance, signatures). The UI thread never waits for a write:
 * it asks, carries on drawing, and reads the outcome from a snapshot; each durable write bumps
 * journal_gen and wakes the UI, which then re-reads the state through its own read handle.
 *
 * Fixes come straight from the GNSS thread (app_rec_fix), not from the screen: a walk goes on
 * with the display off or another window on top. Points and vertices are captured with the
 * same survey/capture code as `quejie record`, and gated the same way.
 *
 * Where the crew is (unit, walk in progress with its track) is kept in a small session file
 * beside the journal (JOURNAL.session, written atomically), so the app reopens there after a
 * crash or power loss. It holds no survey data: the journal stays the only record.
 *
 * No SDL here.
 */
#ifndef APP_RECORDER_H
#define APP_RECORDER_H

#include <stdint.h>

#include "survey/capture.h"
#include "survey/journal.h"

typedef struct app_rec app_rec;

#define APP_REC_LABEL 320 /* bytes of a decision's label */

/* The restart rule of an average is capture's (sv_avg_restart_rule in survey/capture.h), shared
 * with `quejie record`; these names stay for the app's screens. */
#define APP_REC_STILL_MS SV_AVG_STILL_SPEED
#define APP_REC_GAP_MS SV_AVG_GAP_MS

/* A boundary point to average and record. */
typedef struct app_rec_point_req {
    char unit[SV_CODE_MAX];
    char point_type[SV_CODE_MAX]; /* "measured" when empty */
    char marker[SV_CODE_MAX];     /* may be empty */
    /* an override: accept any fix below the journal's gate, and record why (empty: none) */
    char override_reason[200];
    char override_code[SV_CODE_MAX]; /* the reason's code (sv_override_reason_find) */
    double offset_m, offset_bearing; /* NaN: the point is where the pole stands */
    /* which north offset_bearing is from (sv_north: 0 true, the library converts grid and
     * magnetic), and the declination for magnetic (NaN: the journal's offset.declination-deg) */
    int offset_north;
    double declination;
    /* the pole height for this point, m; NaN: the journal's antenna.height-m (else unknown) */
    double pole_h;
    /* a re-measurement: the point entry it supersedes (0: a new point) and why */
    int64_t supersedes;
    char reason[200];
} app_rec_point_req;

typedef struct app_rec_snap {
    uint64_t gen; /* bumped on every change */
    /* A point can be averaged while a walk goes on: the crew stops at a boundary point on the
     * walk (standing still adds no walk vertices). */
    int averaging, walking;
    char point_unit[SV_CODE_MAX], walk_unit[SV_CODE_MAX];
    /* averaging */
    int n, need_n;            /* accepted epochs / required */
    double secs, need_secs;   /* seconds covered / required */
    double spread_m;          /* horizontal standard deviation of the accepted epochs */
    int dropped;              /* epochs refused by the gate */
    sv_epoch_verdict verdict; /* of the last epoch */
    sv_grade last_grade;      /* its grade */
    sv_grade gate;            /* the grade this point needs (the journal's "accept") */
    int overriding;           /* the point runs under an override */
    int gaps;                 /* times the average started again after a gap in the epochs */
    int moving;               /* the last epoch moved (speed over APP_REC_STILL_MS): averaging
                               * starts again once the pole stands still */
    char missing[200];        /* what is still missing, for the crew */
    /* walking */
    int64_t track;       /* the walk's id (0 until its first vertex) */
    int vertices, jumps; /* recorded in this walk; jumps are kept but left out */
    int refused;         /* epochs refused by the gate during this walk */
    sv_epoch_verdict walk_verdict;
    int epochs_lost; /* epochs dropped because the recorder fell 256 behind (a journal
                      * held by another process for minutes) */
    /* outcomes */
    uint64_t journal_gen; /* bumped after each durable write */
    int64_t last_seq;
    char last_number[SV_NUMBER_MAX]; /* the last point recorded, "J5" */
    uint64_t points;                 /* points recorded since the start */
    int error;                       /* the last write failed: message says why */
    char message[APP_REC_LABEL + 80];
    int jobs_pending; /* decisions queued, not yet durable */
    int jobs_failed;  /* decisions that could not be recorded (kept; app_rec_retry_failed) */
    char failed_label[APP_REC_LABEL]; /* the newest of them */
    int jobs_refused;   /* of them, those the journal refused (not only busy): what may be given
                         * up; a busy journal's are only tried again */
    uint64_t other_gen; /* like journal_gen, for writes other than walk vertices */
} app_rec_snap;

/* Open the journal at path for writing on a new thread. wake(ctx) is called from that thread
 * after every change. Returns 0, or -1 with a message in err. */
int app_rec_start(const char *journal_path, void (*wake)(void *), void *ctx, app_rec **out,
                  char *err, size_t errlen);
/* Stop: a point being averaged is dropped (nothing was recorded of it), a walk is left as it
 * is in the session file so the next start resumes it; queued jobs are finished first. */
/* Returns how many decisions could not be recorded (each named on stderr as NOT RECORDED).
 * NULL-safe. */
int app_rec_stop(app_rec *r);
/* How many decisions were never recorded (kept as failed until the end); app_rec_stop prints
 * each on stderr as NOT RECORDED. Call before app_rec_stop. */
int app_rec_failed(app_rec *r);
/* Queue the failed decisions again (the journal was busy, the disk full, ...). */
void app_rec_retry_failed(app_rec *r);
/* Give up the oldest `shown` failed decisions, those the crew was asked about (the journal
 * refuses them, and will again: a point voided on another device meanwhile, a void of
 * something already withdrawn); one that failed since stays. Each is named on stderr as
 * DISCARDED, NOT RECORDED, and the newest dropped one's label is written to last (may be
 * NULL). Returns how many were dropped. */
int app_rec_discard_failed(app_rec *r, int shown, char *last, size_t lastlen);
void app_rec_get(app_rec *r, app_rec_snap *out);

/* One fix epoch, from any thread (the GNSS worker). Cheap: queued for the recorder. */
void app_rec_fix(app_rec *r, const sv_fix *f);
/* Adapter for app_gnss's sink (ctx is the recorder). */
void app_rec_fix_sink(void *ctx, const sv_fix *f);

/* Start averaging a point (replaces one in progress). */
void app_rec_point(app_rec *r, const app_rec_point_req *req);
/* Drop the point being averaged. */
void app_rec_cancel(app_rec *r);
/* Start (track 0) or resume (the track of an earlier walk) a walk of unit; a walk already
 * going on ends first. */
void app_rec_walk_start(app_rec *r, const char *unit, int64_t track);
void app_rec_walk_stop(app_rec *r);

/* Remember the unit the crew works on (session file). */
void app_rec_set_unit(app_rec *r, const char *unit);

/*
 * A decision to record: fn runs on the recorder thread with its journal handle and returns an
 * SV_ code (the journal's errmsg is reported on failure); arg is released with free_arg once it
 * is recorded (may be NULL). A decision that cannot be recorded is kept, not dropped: it counts
 * in jobs_failed until app_rec_retry_failed. label names it ("owner confirmed").
 * Returns 0, -1 when out of memory (nothing queued).
 */
typedef int (*app_rec_fn)(sv_journal *j, void *arg, int64_t *seq);
int app_rec_submit(app_rec *r, const char *label, app_rec_fn fn, void *arg,
                   void (*free_arg)(void *));

/* The session file: where the crew was. */
typedef struct app_session {
    char unit[SV_CODE_MAX];
    int walking;
    int64_t track;
    int clean; /* the app was closed normally (not a crash or power loss) */
} app_session;

/* The app is closing normally: say so in the session file (the next start then opens on
 * Today unless a walk is going on). */
void app_rec_mark_clean(app_rec *r);

/* Read JOURNAL.session; returns 0 with *s, or -1 when there is none or it is unreadable
 * (then *s is empty: a session file is a convenience, never a reason not to start). */
int app_session_load(const char *journal_path, app_session *s);

#endif
