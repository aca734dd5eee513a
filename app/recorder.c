/*
 * recorder.c - see recorder.h. One thread, one writable journal handle, a queue of fixes and a
 * queue of jobs, both fed from other threads under one mutex; the thread sleeps on a condition
 * variable while there is nothing to do.
 */
#include "recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "survey/fileio.h"
#include "survey/geo.h"
#include "survey/state.h"

#define FIXQ 256 /* epochs queued for the recorder; beyond this the oldest go (counted) */

typedef struct job {
    struct job *next;
    char label[APP_REC_LABEL];
    app_rec_fn fn;
    void *arg;
    void (*free_arg)(void *);
    int busy; /* it failed only because another program held the journal */
} job;

struct app_rec {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    void (*wake)(void *);
    void *ctx;
    sv_journal *j;
    char session_path[4200];

    /* shared, under lock */
    int stop;
    /* epochs with the time they reached the recorder: staleness is judged at arrival, so a
     * write held up by another process (a long import) does not turn the epochs queued
     * meanwhile stale; they are recorded, late, in order */
    struct {
        sv_fix f;
        int64_t at;
    } q[FIXQ];
    size_t qhead, qlen;
    int q_overflow;
    job *jobs, **jobs_tail;
    int njobs;
    job *failed; /* decisions that could not be recorded: kept, retried on request */
    int nfailed;
    /* requests from the UI, under lock; the thread takes them */
    int req_point; /* 1 start, 2 cancel */
    app_rec_point_req req_pt;
    int req_walk; /* 1 start, 2 stop */
    char req_unit[SV_CODE_MAX];
    int64_t req_track;
    int unit_pending;
    char unit_req[SV_CODE_MAX];
    app_rec_snap snap;

    /* the thread's own */
    int averaging, walking;
    app_rec_point_req pt;
    sv_averager av;
    sv_walker wk;
    sv_grade gate;
    char walk_unit[SV_CODE_MAX];
    char session_unit[SV_CODE_MAX];
    int64_t track;
    int clean; /* closing normally */
};

/* ---- session file ---------------------------------------------------------------------- */

static void session_path(const char *journal_path, char *out, size_t n)
{
    snprintf(out, n, "%s.session", journal_path);
}

int app_session_load(const char *journal_path, app_session *s)
{
    memset(s, 0, sizeof *s);
    char path[4200];
    session_path(journal_path, path, sizeof path);
    json_error_t e;
    json_t *o = json_load_file(path, 0, &e);
    if (!o)
        return -1;
    const char *unit = json_string_value(json_object_get(o, "unit"));
    json_t *w = json_object_get(o, "walk_track");
    int rc = -1;
    if (unit && strlen(unit) < sizeof s->unit) {
        snprintf(s->unit, sizeof s->unit, "%s", unit);
        if (json_is_integer(w) && json_integer_value(w) >= 0) {
            s->walking = 1;
            s->track = (int64_t)json_integer_value(w);
        }
        s->clean = json_is_true(json_object_get(o, "clean"));
        rc = 0;
    }
    json_decref(o);
    if (rc != 0)
        memset(s, 0, sizeof *s);
    return rc;
}

/* Write the session atomically (survey/fileio.h). A failure is reported to the crew but never stops
 * recording (the journal has the data). */
static int session_save(app_rec *r, char *err, size_t errlen)
{
    json_t *o = json_object();
    json_object_set_new(o, "unit", json_string(r->session_unit));
    json_object_set_new(o, "walk_track", r->walking ? json_integer(r->track) : json_null());
    pthread_mutex_lock(&r->lock);
    int clean = r->clean;
    pthread_mutex_unlock(&r->lock);
    json_object_set_new(o, "clean", json_boolean(clean));
    char *text = json_dumps(o, JSON_SORT_KEYS);
    json_decref(o);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* survey/fileio.h: a crash mid-write leaves the previous session, never half of one */
    size_t len = strlen(text);
    char *line = realloc(text, len + 2);
    if (!line) {
        free(text);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    text = line;
    memcpy(text + len, "\n", 2);
    int ok = sv_file_write_atomic(r->session_path, text, len + 1, 0644, 0) == 0;
    int saved = errno;
    free(text);
    if (!ok) {
        snprintf(err, errlen, "session file: %s", strerror(saved));
        return -1;
    }
    return 0;
}

/* ---- snapshot ------------------------------------------------------------------------------ */

static void publish(app_rec *r)
{
    /* caller holds the lock */
    r->snap.gen++;
    /* a request not yet taken keeps the state the UI was shown when it asked */
    if (!r->req_point) {
        r->snap.averaging = r->averaging;
        snprintf(r->snap.point_unit, sizeof r->snap.point_unit, "%s", r->pt.unit);
    }
    if (!r->req_walk) {
        r->snap.walking = r->walking;
        snprintf(r->snap.walk_unit, sizeof r->snap.walk_unit, "%s", r->walk_unit);
    }
    r->snap.jobs_pending = r->njobs;
    r->snap.jobs_failed = r->nfailed;
    r->snap.jobs_refused = 0;
    for (const job *jb = r->failed; jb; jb = jb->next)
        r->snap.jobs_refused += !jb->busy;
    if (r->failed)
        snprintf(r->snap.failed_label, sizeof r->snap.failed_label, "%s", r->failed->label);
    else
        r->snap.failed_label[0] = '\0';
}

static void notify(app_rec *r)
{
    if (r->wake)
        r->wake(r->ctx);
}

static void outcome(app_rec *r, int error, const char *fmt, const char *a, const char *b)
{
    pthread_mutex_lock(&r->lock);
    r->snap.error = error;
    snprintf(r->snap.message, sizeof r->snap.message, fmt, a, b);
    publish(r);
    pthread_mutex_unlock(&r->lock);
    notify(r);
}

/* ---- capture ------------------------------------------------------------------------------- */

static void load_gate(app_rec *r, sv_avg_opts *avg)
{
    /* the journal's settings by the library's one reading, as `quejie record` has them */
    *avg = sv_state_avg_opts(r->j);
    r->gate = avg->accept;
}

static void avg_snapshot(app_rec *r)
{
    /* caller holds the lock */
    app_rec_snap *s = &r->snap;
    s->n = r->av.n;
    s->need_n = r->av.opts.epochs;
    s->secs = sv_avg_seconds(&r->av);
    s->need_secs = r->av.opts.min_seconds;
    s->dropped = r->av.dropped;
    s->verdict = r->av.last_verdict;
    s->last_grade = r->av.last_grade;
    s->gate = r->gate;
    s->overriding = r->pt.override_reason[0] != '\0';
    s->moving = 0;
    s->spread_m = NAN;
    if (r->av.n >= 2) {
        double n = r->av.n;
        double ve = r->av.sq_e / n - (r->av.sum_e / n) * (r->av.sum_e / n);
        double vn = r->av.sq_n / n - (r->av.sum_n / n) * (r->av.sum_n / n);
        s->spread_m = sqrt(fmax(ve, 0) + fmax(vn, 0));
    }
    sv_avg_describe(&r->av, s->missing, sizeof s->missing);
}

static void finish_point(app_rec *r)
{
    sv_bpoint p;
    memset(&p, 0, sizeof p);
    sv_avg_result(&r->av, &p);
    snprintf(p.unit, sizeof p.unit, "%s", r->pt.unit);
    snprintf(p.point_type, sizeof p.point_type, "%s",
             r->pt.point_type[0] ? r->pt.point_type : "measured");
    snprintf(p.marker, sizeof p.marker, "%s", r->pt.marker);
    if (isfinite(r->pt.offset_m) && isfinite(r->pt.offset_bearing) && r->pt.offset_m > 0) {
        p.off.from_lat = p.lat;
        p.off.from_lon = p.lon;
        p.off.from_h = p.h;
        p.off.distance_m = r->pt.offset_m;
        p.off.bearing_deg = r->pt.offset_bearing;
        p.off.dh = NAN;
        p.off.bearing_entered = r->pt.offset_bearing;
        if (r->pt.offset_north == SV_NORTH_GRID || r->pt.offset_north == SV_NORTH_MAGNETIC) {
            p.off.north = (sv_north)r->pt.offset_north;
            p.off.declination_deg = r->pt.declination;
            p.off.declination_set = isfinite(r->pt.declination);
        }
        /* the library turns the bearing into a true one and places the point, its height
         * included (docs/journal.md) */
        p.flags |= SV_PT_OFFSET;
    }
    if (isfinite(r->pt.pole_h)) {
        p.pole_h = r->pt.pole_h;
        p.pole_set = 1;
    }
    if (r->pt.supersedes > 0) {
        p.supersedes = r->pt.supersedes; /* a re-measurement: same number, linked */
        p.reason = r->pt.reason[0] ? r->pt.reason : NULL;
    }
    if (p.q.grade < r->gate) {
        p.override_reason = r->pt.override_reason;
        snprintf(p.override_code, sizeof p.override_code, "%s", r->pt.override_code);
        p.flags |= SV_PT_OVERRIDE;
    }
    /* The averaged point lives only in memory until it is durable: when another process
     * holds the journal, keep trying for a while rather than throw it away. */
    int64_t seq = 0;
    int rc = SV_EBUSY;
    for (int tries = 0; tries < 12 && rc == SV_EBUSY; tries++)
        rc = sv_record_point(r->j, &p, &seq);
    int fresh = 0;
    if (rc == SV_ENOTFOUND && p.supersedes > 0) {
        /* the point re-measured was voided while this one was averaged (another device, a
         * sync): the average is kept as a new point rather than lost */
        p.supersedes = 0;
        p.reason = NULL;
        p.number[0] = '\0';
        rc = SV_EBUSY;
        for (int tries = 0; tries < 12 && rc == SV_EBUSY; tries++)
            rc = sv_record_point(r->j, &p, &seq);
        fresh = rc == SV_OK;
    }
    pthread_mutex_lock(&r->lock);
    if (rc == SV_OK) {
        r->snap.journal_gen++;
        r->snap.other_gen++;
        r->snap.last_seq = seq;
        snprintf(r->snap.last_number, sizeof r->snap.last_number, "%s", p.number);
        r->snap.points++;
        r->snap.error = fresh; /* shown in the banner: the crew must know */
        if (fresh)
            snprintf(r->snap.message, sizeof r->snap.message,
                     _("The point re-measured was voided meanwhile: recorded as a new point %s"),
                     p.number);
        else
            snprintf(r->snap.message, sizeof r->snap.message, "%s", p.number);
    } else {
        r->snap.error = 1;
        snprintf(r->snap.message, sizeof r->snap.message, "%s: %s", _("Point NOT recorded"),
                 sv_journal_errmsg(r->j));
    }
    r->averaging = 0;
    publish(r);
    pthread_mutex_unlock(&r->lock);
    notify(r);
    if (rc == SV_OK)
        sv_journal_maintain(r->j);
}

static void feed_walk(app_rec *r, const sv_fix *f, int64_t now)
{
    sv_vertex v;
    int due = sv_walk_feed(&r->wk, f, now, &v);
    int rc = SV_OK, first = 0;
    int64_t seq = 0;
    if (due) {
        snprintf(v.unit, sizeof v.unit, "%s", r->walk_unit);
        v.track = r->track;
        rc = SV_EBUSY;
        for (int tries = 0; tries < 12 && rc == SV_EBUSY; tries++)
            rc = sv_record_vertex(r->j, &v, &seq);
        if (rc == SV_OK && !r->track) {
            r->track = seq;
            first = 1;
        }
    }
    pthread_mutex_lock(&r->lock);
    r->snap.refused = r->wk.dropped;
    r->snap.walk_verdict = r->wk.last_verdict;
    if (due && rc == SV_OK) {
        r->snap.vertices++;
        r->snap.jumps += v.jump != 0;
        r->snap.track = r->track;
        r->snap.journal_gen++;
        r->snap.last_seq = seq;
    } else if (due) {
        r->snap.error = 1;
        snprintf(r->snap.message, sizeof r->snap.message, "%s: %s", _("Walk vertex NOT recorded"),
                 sv_journal_errmsg(r->j));
    }
    publish(r);
    pthread_mutex_unlock(&r->lock);
    notify(r);
    if (first) {
        /* the walk has its id now: a restart resumes this track */
        char err[256];
        if (session_save(r, err, sizeof err) != 0)
            outcome(r, 1, "%s: %s", _("Session file not written"), err);
    }
}

static void feed(app_rec *r, const sv_fix *f, int64_t now)
{
    if (r->walking)
        feed_walk(r, f, now);
    if (r->averaging) {
        /* The restart rule lives in capture (sv_avg_restart_rule), the same as the CLI's. */
        sv_avg_restart why = sv_avg_restart_rule(&r->av, f);
        if (why == SV_AVG_MOVING) {
            pthread_mutex_lock(&r->lock);
            avg_snapshot(r);
            r->snap.moving = 1;
            publish(r);
            pthread_mutex_unlock(&r->lock);
            notify(r);
            return;
        }
        if (why == SV_AVG_GAP) {
            pthread_mutex_lock(&r->lock);
            r->snap.gaps++;
            pthread_mutex_unlock(&r->lock);
        }
        sv_avg_feed(&r->av, f, now);
        pthread_mutex_lock(&r->lock);
        avg_snapshot(r);
        publish(r);
        pthread_mutex_unlock(&r->lock);
        notify(r);
        if (sv_avg_done(&r->av))
            finish_point(r);
    }
}

/* ---- the thread ------------------------------------------------------------------------------ */

/* Apply the UI's requests (caller holds the lock; it is released around journal reads). */
static void take_requests(app_rec *r)
{
    int point = r->req_point, walk = r->req_walk;
    r->req_point = r->req_walk = 0;
    app_rec_point_req pt = r->req_pt;
    char unit[SV_CODE_MAX];
    snprintf(unit, sizeof unit, "%s", r->req_unit);
    int64_t track = r->req_track;
    pthread_mutex_unlock(&r->lock);

    sv_avg_opts avg;
    load_gate(r, &avg);
    int walk_changed = 0, had_vertices = 0, had_jumps = 0;
    if (walk == 1 && track > 0) {
        /* A resumed walk (after a restart) counts what it already holds: the counter on the
         * Walk screen is the walk's, not this process's. */
        sv_track t = {0};
        if (sv_state_track(r->j, unit, &t) == SV_OK)
            for (size_t i = 0; i < t.n; i++)
                if (t.walk[i] == track) {
                    had_vertices++; /* as counted while recording: jumps included */
                    had_jumps += t.jump[i] != 0;
                }
        sv_track_clear(&t);
    }
    if (walk == 1) {
        sv_walk_opts wo = sv_walk_defaults();
        wo.accept = r->gate;
        sv_walk_start(&r->wk, &wo);
        snprintf(r->walk_unit, sizeof r->walk_unit, "%s", unit);
        snprintf(r->session_unit, sizeof r->session_unit, "%s", unit);
        r->track = track;
        r->walking = 1;
        walk_changed = 1;
    } else if (walk == 2 && r->walking) {
        r->walking = 0;
        walk_changed = 1;
    }
    if (point == 1) {
        r->pt = pt;
        if (r->pt.override_reason[0])
            avg.accept = SV_GRADE_GPS; /* any fix; the point records why */
        sv_avg_start(&r->av, &avg);
        r->averaging = 1;
    } else if (point == 2) {
        r->averaging = 0;
    }

    pthread_mutex_lock(&r->lock);
    if (walk == 1) {
        r->snap.track = r->track;
        r->snap.vertices = had_vertices;
        r->snap.jumps = had_jumps;
        r->snap.refused = 0;
    }
    r->snap.gate = r->gate;
    if (point == 1)
        avg_snapshot(r);
    publish(r);
    pthread_mutex_unlock(&r->lock);
    if (walk_changed) {
        char err[256];
        if (session_save(r, err, sizeof err) != 0)
            outcome(r, 1, "%s: %s", _("Session file not written"), err);
    }
    notify(r);
    pthread_mutex_lock(&r->lock);
}

static void run_job(app_rec *r, job *jb)
{
    int64_t seq = 0;
    int rc = SV_EBUSY;
    for (int tries = 0; tries < 12 && rc == SV_EBUSY; tries++)
        rc = jb->fn(r->j, jb->arg, &seq);
    pthread_mutex_lock(&r->lock);
    r->njobs--;
    if (rc == SV_OK) {
        r->snap.journal_gen++;
        r->snap.other_gen++;
        r->snap.last_seq = seq;
        r->snap.error = 0;
        snprintf(r->snap.message, sizeof r->snap.message, "%s", jb->label);
    } else {
        /* Not recorded: the decision is kept (the crew may have only this chance to get a
         * signature) and shown until it is retried or the app reports it at exit. A refusal
         * means the journal changed under what the screen shows (another program, a sync):
         * the screens read it again. */
        r->snap.error = 1;
        jb->busy = rc == SV_EBUSY;
        if (jb->busy)
            snprintf(r->snap.message, sizeof r->snap.message, "%s",
                     _("the journal is busy: another program is writing it; try again in a "
                       "moment"));
        else
            snprintf(r->snap.message, sizeof r->snap.message, "%s", sv_journal_errmsg(r->j));
        r->snap.journal_gen++;
        r->snap.other_gen++; /* not walk vertices: every screen reads the journal again */
        jb->next = r->failed;
        r->failed = jb;
        r->nfailed++;
    }
    publish(r);
    pthread_mutex_unlock(&r->lock);
    notify(r);
    if (rc == SV_OK) {
        if (jb->free_arg)
            jb->free_arg(jb->arg);
        free(jb);
    }
}

static void *run(void *arg)
{
    app_rec *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (!r->stop && !r->qlen && !r->jobs && !r->req_point && !r->req_walk &&
               !r->unit_pending)
            pthread_cond_wait(&r->cond, &r->lock);
        if (r->req_point || r->req_walk) {
            take_requests(r);
            continue;
        }
        if (r->unit_pending) {
            r->unit_pending = 0;
            /* always written, even for the same unit: after a clean exit the file says so, and
             * a crash from here on must reopen this unit */
            if (!r->walking) {
                snprintf(r->session_unit, sizeof r->session_unit, "%s", r->unit_req);
                pthread_mutex_unlock(&r->lock);
                char err[256];
                if (session_save(r, err, sizeof err) != 0)
                    outcome(r, 1, "%s: %s", _("Session file not written"), err);
                pthread_mutex_lock(&r->lock);
            }
            continue;
        }
        if (r->jobs) {
            job *jb = r->jobs;
            r->jobs = jb->next;
            if (!r->jobs)
                r->jobs_tail = &r->jobs;
            pthread_mutex_unlock(&r->lock);
            run_job(r, jb);
            pthread_mutex_lock(&r->lock);
            continue;
        }
        if (r->qlen) {
            sv_fix f = r->q[r->qhead].f;
            int64_t at = r->q[r->qhead].at;
            r->qhead = (r->qhead + 1) % FIXQ;
            r->qlen--;
            pthread_mutex_unlock(&r->lock);
            feed(r, &f, at);
            pthread_mutex_lock(&r->lock);
            continue;
        }
        if (r->stop)
            break; /* only once the jobs are done: a tapped decision is not lost on exit */
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* ---- API ----------------------------------------------------------------------------------- */

int app_rec_start(const char *journal_path, void (*wake)(void *), void *ctx, app_rec **out,
                  char *err, size_t errlen)
{
    *out = NULL;
    app_rec *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = sv_journal_open(journal_path, 0, &r->j);
    if (rc != SV_OK) {
        snprintf(err, errlen, "%s", r->j ? sv_journal_errmsg(r->j) : sv_strerror(rc));
        sv_journal_close(r->j);
        free(r);
        return -1;
    }
    session_path(journal_path, r->session_path, sizeof r->session_path);
    app_session s;
    if (app_session_load(journal_path, &s) == 0)
        snprintf(r->session_unit, sizeof r->session_unit, "%s", s.unit);
    r->wake = wake;
    r->ctx = ctx;
    r->jobs_tail = &r->jobs;
    sv_avg_opts avg;
    load_gate(r, &avg); /* the screens show the journal's gate before the first point */
    r->snap.gate = r->gate;
    r->snap.need_n = avg.epochs;
    r->snap.need_secs = avg.min_seconds;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    if (pthread_create(&r->thread, NULL, run, r) != 0) {
        snprintf(err, errlen, "cannot start the recorder thread");
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->lock);
        sv_journal_close(r->j);
        free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void app_rec_retry_failed(app_rec *r)
{
    pthread_mutex_lock(&r->lock);
    while (r->failed) {
        job *jb = r->failed;
        r->failed = jb->next;
        r->nfailed--;
        jb->next = NULL;
        *r->jobs_tail = jb;
        r->jobs_tail = &jb->next;
        r->njobs++;
    }
    r->snap.error = 0;
    publish(r);
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

int app_rec_discard_failed(app_rec *r, int shown, char *last, size_t lastlen)
{
    pthread_mutex_lock(&r->lock);
    /* the list is newest first: of the refused ones (a busy journal's are only tried again),
     * keep those that came after the question, drop the `shown` oldest */
    int refused = 0, n = 0;
    for (const job *jb = r->failed; jb; jb = jb->next)
        refused += !jb->busy;
    int keep = refused > shown ? refused - shown : 0;
    if (last && lastlen)
        last[0] = '\0';
    for (job **at = &r->failed; *at;) {
        job *jb = *at;
        if (jb->busy || keep > 0) {
            keep -= !jb->busy;
            at = &jb->next;
            continue;
        }
        if (last && lastlen && !n)
            snprintf(last, lastlen, "%s", jb->label);
        *at = jb->next;
        fprintf(stderr, "quejie-app: DISCARDED, NOT RECORDED: %s\n", jb->label);
        if (jb->free_arg)
            jb->free_arg(jb->arg);
        free(jb);
        n++;
        r->nfailed--;
    }
    if (!r->nfailed) /* the message was the refusal of the decisions given up */
        r->snap.error = 0, r->snap.message[0] = '\0';
    publish(r);
    pthread_mutex_unlock(&r->lock);
    notify(r);
    return n;
}

void app_rec_mark_clean(app_rec *r)
{
    /* on the caller's thread, once the recorder has stopped taking requests: see main.c */
    pthread_mutex_lock(&r->lock);
    r->clean = 1;
    pthread_mutex_unlock(&r->lock);
}

int app_rec_stop(app_rec *r)
{
    if (!r)
        return 0;
    pthread_mutex_lock(&r->lock);
    r->stop = 1;
    r->qlen = 0; /* epochs still queued do not matter once the crew quits */
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    int lost = r->nfailed;
    for (job *jb = r->failed, *next; jb; jb = next) {
        next = jb->next;
        fprintf(stderr, "quejie-app: NOT RECORDED: %s\n", jb->label);
        if (jb->free_arg)
            jb->free_arg(jb->arg);
        free(jb);
    }
    if (r->clean) {
        char err[256];
        if (session_save(r, err, sizeof err) != 0)
            fprintf(stderr, "quejie-app: %s\n", err);
    }
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->lock);
    sv_journal_close(r->j);
    free(r);
    return lost;
}

void app_rec_get(app_rec *r, app_rec_snap *out)
{
    pthread_mutex_lock(&r->lock);
    *out = r->snap;
    pthread_mutex_unlock(&r->lock);
}

void app_rec_fix(app_rec *r, const sv_fix *f)
{
    pthread_mutex_lock(&r->lock);
    if (r->qlen == FIXQ) {
        r->qhead = (r->qhead + 1) % FIXQ;
        r->qlen--;
        r->q_overflow++;
        r->snap.epochs_lost = r->q_overflow;
        r->snap.gen++;
    }
    r->q[(r->qhead + r->qlen) % FIXQ].f = *f;
    r->q[(r->qhead + r->qlen) % FIXQ].at = sv_mono_ms();
    r->qlen++;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

void app_rec_fix_sink(void *ctx, const sv_fix *f)
{
    app_rec_fix(ctx, f);
}

void app_rec_point(app_rec *r, const app_rec_point_req *req)
{
    pthread_mutex_lock(&r->lock);
    r->req_point = 1;
    r->req_pt = *req;
    /* the UI sees the new state at once (the thread confirms it) */
    r->snap.averaging = 1;
    r->snap.n = 0;
    r->snap.secs = 0;
    r->snap.spread_m = NAN;
    r->snap.missing[0] = '\0';
    r->snap.overriding = req->override_reason[0] != '\0';
    r->snap.gaps = 0;
    snprintf(r->snap.point_unit, sizeof r->snap.point_unit, "%s", req->unit);
    r->snap.gen++;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

void app_rec_cancel(app_rec *r)
{
    pthread_mutex_lock(&r->lock);
    r->req_point = 2;
    r->snap.averaging = 0;
    r->snap.gen++;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

void app_rec_walk_start(app_rec *r, const char *unit, int64_t track)
{
    pthread_mutex_lock(&r->lock);
    r->req_walk = 1;
    snprintf(r->req_unit, sizeof r->req_unit, "%s", unit);
    r->req_track = track;
    r->snap.walking = 1;
    snprintf(r->snap.walk_unit, sizeof r->snap.walk_unit, "%s", unit);
    r->snap.vertices = r->snap.jumps = r->snap.refused = 0;
    r->snap.gen++;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

void app_rec_walk_stop(app_rec *r)
{
    pthread_mutex_lock(&r->lock);
    r->req_walk = 2;
    r->snap.walking = 0;
    r->snap.gen++;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

void app_rec_set_unit(app_rec *r, const char *unit)
{
    pthread_mutex_lock(&r->lock);
    snprintf(r->unit_req, sizeof r->unit_req, "%s", unit);
    r->unit_pending = 1;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

int app_rec_submit(app_rec *r, const char *label, app_rec_fn fn, void *arg,
                   void (*free_arg)(void *))
{
    job *jb = calloc(1, sizeof *jb);
    if (!jb) {
        if (free_arg)
            free_arg(arg);
        return -1;
    }
    snprintf(jb->label, sizeof jb->label, "%s", label);
    jb->fn = fn;
    jb->arg = arg;
    jb->free_arg = free_arg;
    pthread_mutex_lock(&r->lock);
    *r->jobs_tail = jb;
    r->jobs_tail = &jb->next;
    r->njobs++;
    r->snap.jobs_pending = r->njobs;
    r->snap.gen++;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
    return 0;
}

int app_rec_failed(app_rec *r)
{
    pthread_mutex_lock(&r->lock);
    int n = r->nfailed;
    pthread_mutex_unlock(&r->lock);
    return n;
}
