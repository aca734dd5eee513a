/*
 * capture.h - turning fix epochs into boundary points and walk vertices.
 *
 * Pure logic: no I/O, no clock reads (the caller passes the monotonic time), no allocation.
 * The same code runs under the CLI's loop, the app's event loop and the unit tests.
 *
 * Averaging: a point is done when it has N accepted epochs AND spans at least T seconds,
 * measured by the fixes' own timestamps where they have them (so a replayed log behaves as in
 * the field), else by arrival time. Every epoch is gated: stale (older than 2 s on the
 * tablet's clock), without a fix, with bad coordinates or below the accepted grade is dropped
 * and counted, never fails the point. A duplicate (same receiver time as the last one: gpsd
 * reports an epoch once per sentence) is the same epoch again: dropped, not counted. When the
 * epoch's first report was refused and a later one passes (RMC "gps", then GGA "rtk-fixed"),
 * the epoch is accepted; when a later one carries more (a height the first report lacked), it
 * replaces the first in the average.
 *
 * Walking: a vertex every M metres from the last kept one, each gated the same way; a vertex
 * that no walking speed explains (distance / time above max_speed) is marked as a jump.
 */
#ifndef SURVEY_CAPTURE_H
#define SURVEY_CAPTURE_H

#include "gnss.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What happened to one epoch. */
typedef enum sv_epoch_verdict {
    SV_EPOCH_ACCEPTED = 0,
    SV_EPOCH_NO_FIX,    /* mode < 2 */
    SV_EPOCH_LOW_GRADE, /* below the accepted grade */
    SV_EPOCH_STALE,     /* arrived more than SV_STALE_MS before now */
    SV_EPOCH_DUPLICATE, /* same receiver time as the previous epoch */
    SV_EPOCH_BAD        /* NaN or out-of-range coordinates */
} sv_epoch_verdict;

const char *sv_epoch_verdict_name(sv_epoch_verdict v);

/* Gate one epoch (shared by averaging and walking). last_time is the receiver time of the
 * previous epoch seen (NaN if none). */
sv_epoch_verdict sv_gate(const sv_fix *f, sv_grade accept, int64_t now_ms, double last_time);

typedef struct sv_avg_opts {
    int epochs;         /* N, >= 1 */
    double min_seconds; /* T, >= 0 */
    sv_grade accept;    /* minimum grade */
} sv_avg_opts;

/* Defaults from the field practice: 10 epochs, 10 s, RTK fixed. */
sv_avg_opts sv_avg_defaults(void);

#define SV_AVG_MAX 4096 /* epochs kept for the spread; beyond this only the sums grow */

/* Averaging state; a value type, initialise with sv_avg_start. */
typedef struct sv_averager {
    sv_avg_opts opts;
    int n;
    int dropped;
    int stale_seen;
    double last_time;       /* receiver time of the last epoch seen */
    double t_first, t_last; /* time basis of first/last accepted epoch, s */
    double lat0, lon0;      /* first accepted position: local origin for the spread */
    double h0;              /* first accepted height: origin of u (NaN until one is seen) */
    double sum_e, sum_n, sum_u, sq_e, sq_n, sq_u; /* metres from the origin */
    int n_h;                                      /* epochs with a height */
    sv_fix last;                                  /* last accepted epoch */
    sv_grade worst;
    sv_epoch_verdict last_verdict; /* of the last epoch that was not a duplicate */
    sv_grade last_grade;           /* grade of that epoch (for sv_avg_describe) */
    int t_rx;                      /* 1: t_first/t_last are receiver time, 0: arrival time */
} sv_averager;

void sv_avg_start(sv_averager *a, const sv_avg_opts *opts);
/* Feed one epoch; returns its verdict. */
sv_epoch_verdict sv_avg_feed(sv_averager *a, const sv_fix *f, int64_t now_ms);
/* 1 when N epochs and T seconds are reached. */
int sv_avg_done(const sv_averager *a);
/* Seconds covered so far by accepted epochs. */
double sv_avg_seconds(const sv_averager *a);
/* Fill the position, height and quality of p from the averaged epochs (n >= 1).
 * Returns SV_OK or SV_EAGAIN when nothing was accepted yet. */
int sv_avg_result(const sv_averager *a, sv_bpoint *p);
/* One line saying what is still missing, e.g. "4/10 epochs, 3.0/10 s; last epoch: below
 * rtk-fixed (dgps)". Writes into buf and returns it. */
const char *sv_avg_describe(const sv_averager *a, char *buf, size_t len);

/*
 * When an average in progress starts again: the one rule for every caller (`quejie record`, the
 * app's recorder). Call sv_avg_restart_rule for each epoch before sv_avg_feed:
 *  - the pole is moving (a fix with a grade, reporting a speed over SV_AVG_STILL_SPEED m/s): what
 *    was averaged is dropped (sv_avg_start with the same options) and the epoch must NOT be fed;
 *    averaging resumes with the first still epoch. Returns SV_AVG_MOVING.
 *  - no epoch reached the averager for more than SV_AVG_GAP_MS (arrival times: gpsd restarted, a
 *    cable pulled): the pole may have moved unseen, so the average starts again and the epoch
 *    is fed as the first of the new one. Returns SV_AVG_GAP.
 *  - otherwise SV_AVG_KEEP: feed the epoch.
 * A fix without a speed (NaN: many sentences carry none) is not moving.
 */
#define SV_AVG_STILL_SPEED 0.3 /* m/s: faster, the pole is being carried, not held */
#define SV_AVG_GAP_MS 3000     /* ms without an epoch after which an average starts again */

typedef enum sv_avg_restart {
    SV_AVG_KEEP = 0, /* feed the epoch */
    SV_AVG_MOVING,   /* moving: the average (if any) was dropped; do not feed this epoch */
    SV_AVG_GAP       /* after a gap: the average was started again; feed this epoch */
} sv_avg_restart;

/* 1 when f says the pole is being carried (graded fix, speed over SV_AVG_STILL_SPEED). */
int sv_fix_moving(const sv_fix *f);
sv_avg_restart sv_avg_restart_rule(sv_averager *a, const sv_fix *f);

typedef struct sv_walk_opts {
    double every_m; /* distance between vertices, > 0 */
    sv_grade accept;
    double max_speed; /* m/s; faster than this between kept vertices is a jump */
} sv_walk_opts;

sv_walk_opts sv_walk_defaults(void); /* 2 m, RTK fixed, 4 m/s */

typedef struct sv_walker {
    sv_walk_opts opts;
    int have_last;
    double last_lat, last_lon; /* last kept vertex: the reference for spacing and speed */
    double last_t;             /* its receiver time (NaN if none) */
    int64_t last_mono_ms;      /* its arrival time (used when either side has no receiver time) */
    double last_time;          /* receiver time of the last epoch seen */
    int dropped;               /* epochs refused by the gate, in all (duplicates not counted) */
    int dropped_since;         /* ... since the last vertex (reported in its q.dropped) */
    sv_epoch_verdict last_verdict;
    /* Jumped epochs that agree with each other: after SV_WALK_REANCHOR of them in a row the
     * receiver really is there and the reference moves to it. */
    int cand_n;
    double cand_lat, cand_lon, cand_t;
    int64_t cand_mono_ms;
} sv_walker;

#define SV_WALK_REANCHOR 3

void sv_walk_start(sv_walker *w, const sv_walk_opts *opts);
/*
 * Feed one epoch. Returns 1 and fills *v (position, quality, jump flag, fix_time) when a
 * vertex is due, 0 otherwise. The caller records v (unit and track are its own).
 */
int sv_walk_feed(sv_walker *w, const sv_fix *f, int64_t now_ms, sv_vertex *v);

#ifdef __cplusplus
}
#endif
#endif
