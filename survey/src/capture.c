/*
 * capture.c - gating fix epochs, averaging them into boundary points, thinning them into walk
 * vertices.
 *
 * Pure logic over sv_fix values: the caller passes the monotonic time. Must never do I/O,
 * read a clock, allocate, or assert on anything that came from a receiver: a NaN, a year-off
 * receiver clock or a coordinate on the other side of the planet is a verdict, not a crash.
 *
 * Choices (each also explained where it is made):
 *  - Gate order: duplicate, no fix, bad, stale, low grade. A duplicate is tested first so that
 *    gpsd's two or three reports of one epoch (RMC, GGA, GSA) count once whatever else is
 *    wrong with them. The averager and the walker look twice at a duplicate, though: when the
 *    epoch's first report was refused and this one passes (RMC said "gps", GGA says
 *    "rtk-fixed"), the epoch is accepted; when the first was accepted and this one says more
 *    (a height), it replaces the first in the average.
 *  - The averaging duration is first-to-last accepted epoch: at 1 Hz, 10 epochs span 9 s, so
 *    "10 epochs and 10 s" completes with the 11th.
 *  - The spread is the sample standard deviation (n - 1) in a local east/north/up frame at the
 *    first accepted epoch (CGCS2000 radii of curvature); NaN below two epochs.
 *  - A point's datum is CGCS2000 only when every accepted epoch was RTK (float or fixed), as
 *    RTK corrections come from the provincial CORS network in CGCS2000; otherwise WGS84.
 *  - Walk jumps are judged against the last kept vertex, never against the jumped epoch, so one
 *    wild epoch cannot drag the track; three jumped epochs in a row that agree with each other
 *    mean the receiver really is there, and the reference moves.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "survey/capture.h"

/* CGCS2000 ellipsoid. */
#define CG_A 6378137.0
#define CG_F (1.0 / 298.257222101)
#define CG_E2 (CG_F * (2.0 - CG_F))
#define DEG (M_PI / 180.0)

#define SAME_TIME_S 1e-3 /* receiver times closer than this are the same epoch */
#define H_MIN (-1000.0)  /* plausible ellipsoidal heights on land, m */
#define H_MAX 10000.0

/* Meridian (M) and prime-vertical (N) radii of curvature at latitude lat (degrees). */
static void radii(double lat, double *m, double *n)
{
    double s = sin(lat * DEG);
    double w = 1.0 - CG_E2 * s * s;
    *n = CG_A / sqrt(w);
    *m = CG_A * (1.0 - CG_E2) / (w * sqrt(w));
}

static double dlon_deg(double lon, double lon0)
{
    double d = lon - lon0;
    if (d > 180.0)
        d -= 360.0;
    else if (d < -180.0)
        d += 360.0;
    return d;
}

/* East/north offsets in metres of (lat, lon) from (lat0, lon0), tangent plane at lat0. */
static void en_from(double lat0, double lon0, double lat, double lon, double *e, double *n)
{
    double m, nn;
    radii(lat0, &m, &nn);
    *e = dlon_deg(lon, lon0) * DEG * nn * cos(lat0 * DEG);
    *n = (lat - lat0) * DEG * m;
}

/* Horizontal distance in metres between two nearby positions (tangent plane at their mean
 * latitude: good to well under 0.1 % over kilometres, which is all a speed check needs). */
static double distance_m(double lat1, double lon1, double lat2, double lon2)
{
    double m, n, mid = 0.5 * (lat1 + lat2);
    radii(mid, &m, &n);
    double e = dlon_deg(lon2, lon1) * DEG * n * cos(mid * DEG);
    double no = (lat2 - lat1) * DEG * m;
    return sqrt(e * e + no * no);
}

/* Seconds between two epochs: by receiver time when both have it and it moves forward, else
 * by arrival time. */
static double seconds_between(double t1, int64_t mono1, double t2, int64_t mono2)
{
    if (isfinite(t1) && isfinite(t2) && t2 > t1)
        return t2 - t1;
    return (double)(mono2 - mono1) / 1000.0;
}

static const char *datum_for(sv_grade worst)
{
    return worst >= SV_GRADE_RTK_FLOAT ? "CGCS2000" : "WGS84";
}

/* ---- gate ------------------------------------------------------------------------------- */

const char *sv_epoch_verdict_name(sv_epoch_verdict v)
{
    switch (v) {
    case SV_EPOCH_ACCEPTED:
        return "accepted";
    case SV_EPOCH_NO_FIX:
        return "no-fix";
    case SV_EPOCH_LOW_GRADE:
        return "low-grade";
    case SV_EPOCH_STALE:
        return "stale";
    case SV_EPOCH_DUPLICATE:
        return "duplicate";
    case SV_EPOCH_BAD:
        return "bad";
    }
    return "?";
}

sv_epoch_verdict sv_gate(const sv_fix *f, sv_grade accept, int64_t now_ms, double last_time)
{
    if (!f)
        return SV_EPOCH_BAD;
    /* The same epoch again (gpsd sends one TPV per sentence of the cycle): first, so that it
     * is never counted twice whatever else it is. */
    if (isfinite(f->time) && isfinite(last_time) && fabs(f->time - last_time) < SAME_TIME_S)
        return SV_EPOCH_DUPLICATE;
    if (f->mode < 2)
        return SV_EPOCH_NO_FIX;
    /* 0,0 is what some receivers print when they have nothing; nobody surveys there. */
    if (!isfinite(f->lat) || !isfinite(f->lon) || fabs(f->lat) > 90.0 || fabs(f->lon) > 180.0 ||
        (f->lat == 0.0 && f->lon == 0.0))
        return SV_EPOCH_BAD;
    if (isfinite(f->alt_hae) && (f->alt_hae < H_MIN || f->alt_hae > H_MAX))
        return SV_EPOCH_BAD;
    /* Staleness is by the tablet's monotonic clock only: receiver time can be years off. */
    if (now_ms - f->mono_ms > SV_STALE_MS)
        return SV_EPOCH_STALE;
    /* A mode >= 2 fix graded NONE is dead reckoning, simulation or time-only: never good
     * enough, whatever the caller accepts. */
    if (f->grade <= SV_GRADE_NONE || f->grade < accept)
        return SV_EPOCH_LOW_GRADE;
    return SV_EPOCH_ACCEPTED;
}

/* Quality of a single epoch. */
static sv_quality quality_of(const sv_fix *f)
{
    sv_quality q = sv_quality_unknown();
    q.grade = f->grade;
    q.mode = f->mode;
    q.status = f->status;
    q.sats_used = f->sats_used;
    q.sats_seen = f->sats_seen;
    q.hdop = f->hdop;
    q.vdop = f->vdop;
    q.pdop = f->pdop;
    q.eph = f->eph;
    q.epv = f->epv;
    q.corr_age = f->corr_age;
    q.n = 1;
    q.duration_s = 0.0;
    q.dropped = 0;
    sv__strlcpy(q.datum, datum_for(f->grade), sizeof q.datum);
    return q;
}

/* ---- averaging -------------------------------------------------------------------------- */

sv_avg_opts sv_avg_defaults(void)
{
    sv_avg_opts o = {10, 10.0, SV_GRADE_RTK_FIXED};
    return o;
}

void sv_avg_start(sv_averager *a, const sv_avg_opts *opts)
{
    memset(a, 0, sizeof *a);
    a->opts = opts ? *opts : sv_avg_defaults();
    if (a->opts.epochs < 1)
        a->opts.epochs = 1;
    if (!(a->opts.min_seconds >= 0.0)) /* also catches NaN */
        a->opts.min_seconds = 0.0;
    a->last_time = NAN;
    a->t_first = a->t_last = NAN;
    a->lat0 = a->lon0 = a->h0 = NAN;
    a->worst = SV_GRADE_RTK_FIXED;
    a->last_verdict = SV_EPOCH_NO_FIX;
    a->last_grade = SV_GRADE_NONE;
}

int sv_fix_moving(const sv_fix *f)
{
    return f && f->grade > SV_GRADE_NONE && isfinite(f->speed) && f->speed > SV_AVG_STILL_SPEED;
}

/* The restart rule (capture.h). Movement is judged on every report of an epoch, a duplicate
 * too: RMC carries the speed that GGA lacks. The gap is judged from the last accepted epoch,
 * whose arrival time the averager keeps. */
sv_avg_restart sv_avg_restart_rule(sv_averager *a, const sv_fix *f)
{
    if (!a || !f)
        return SV_AVG_KEEP;
    if (sv_fix_moving(f)) {
        if (a->n > 0) {
            sv_avg_opts o = a->opts; /* sv_avg_start clears the averager first */
            sv_avg_start(a, &o);
        }
        return SV_AVG_MOVING;
    }
    if (a->n > 0 && f->mono_ms - a->last.mono_ms > SV_AVG_GAP_MS) {
        sv_avg_opts o = a->opts;
        sv_avg_start(a, &o);
        return SV_AVG_GAP;
    }
    return SV_AVG_KEEP;
}

/* Add (sign 1) or take away (sign -1) one accepted epoch's position in the sums. */
static void sums(sv_averager *a, const sv_fix *f, double sign)
{
    double e, n;
    en_from(a->lat0, a->lon0, f->lat, f->lon, &e, &n);
    a->sum_e += sign * e;
    a->sum_n += sign * n;
    a->sq_e += sign * e * e;
    a->sq_n += sign * n * n;
    if (isfinite(f->alt_hae)) {
        if (!isfinite(a->h0))
            a->h0 = f->alt_hae;
        double u = f->alt_hae - a->h0;
        a->sum_u += sign * u;
        a->sq_u += sign * u * u;
        a->n_h += sign > 0 ? 1 : -1;
    }
}

/* How much an epoch tells: a 3D fix with a height and error estimates beats the 2D report of
 * the same epoch (RMC comes before GGA in most receivers' cycles). */
static int info_score(const sv_fix *f)
{
    return f->mode * 8 + (isfinite(f->alt_hae) ? 4 : 0) + (isfinite(f->eph) ? 1 : 0) +
           (isfinite(f->epv) ? 1 : 0) + (isfinite(f->hdop) ? 1 : 0);
}

/* A duplicate of the last accepted epoch that says more replaces it: the epoch still counts
 * once, but the average gets its height. Only for the same grade, so "worst" stays true. */
static void refine(sv_averager *a, const sv_fix *f, int64_t now_ms)
{
    if (a->n < 1 || !isfinite(f->time) || !isfinite(a->last.time) ||
        fabs(f->time - a->last.time) >= SAME_TIME_S || f->grade != a->last.grade ||
        sv_gate(f, a->opts.accept, now_ms, NAN) != SV_EPOCH_ACCEPTED ||
        info_score(f) <= info_score(&a->last))
        return;
    sums(a, &a->last, -1.0);
    if (a->n_h == 0) { /* the height origin came from the epoch taken away */
        a->h0 = NAN;
        a->sum_u = a->sq_u = 0.0;
    }
    sums(a, f, 1.0);
    int64_t keep_mono = a->last.mono_ms; /* arrival of the epoch as first reported */
    a->last = *f;
    a->last.mono_ms = keep_mono;
}

sv_epoch_verdict sv_avg_feed(sv_averager *a, const sv_fix *f, int64_t now_ms)
{
    sv_epoch_verdict v = sv_gate(f, a->opts.accept, now_ms, a->last_time);
    if (!f)
        return v;
    if (isfinite(f->time))
        a->last_time = f->time;
    if (v == SV_EPOCH_DUPLICATE) {
        if (a->last_verdict == SV_EPOCH_ACCEPTED || a->dropped < 1) {
            refine(a, f, now_ms);
            return v;
        }
        /* The first report of this epoch was refused. Judge this one on its own: an RMC
         * without a mode field makes gpsd report "gps" before the GGA of the same epoch says
         * "rtk-fixed". If it passes, the epoch is accepted after all and no longer dropped. */
        if (sv_gate(f, a->opts.accept, now_ms, NAN) != SV_EPOCH_ACCEPTED)
            return v;
        a->dropped--;
        if (a->last_verdict == SV_EPOCH_STALE && a->stale_seen > 0)
            a->stale_seen--;
        v = SV_EPOCH_ACCEPTED;
    }
    a->last_verdict = v;
    a->last_grade = f->grade;
    if (v != SV_EPOCH_ACCEPTED) {
        a->dropped++;
        if (v == SV_EPOCH_STALE)
            a->stale_seen++;
        return v;
    }

    double t;
    if (a->n == 0) {
        a->lat0 = f->lat;
        a->lon0 = f->lon;
        /* The time basis is chosen once, by the first accepted epoch. */
        a->t_rx = isfinite(f->time);
        t = a->t_rx ? f->time : (double)f->mono_ms / 1000.0;
        a->t_first = a->t_last = t;
        a->worst = f->grade;
    } else {
        if (a->t_rx)
            /* An epoch without receiver time among timed ones: carry on by arrival time. */
            t = isfinite(f->time) ? f->time
                                  : a->t_last + (double)(f->mono_ms - a->last.mono_ms) / 1000.0;
        else
            t = (double)f->mono_ms / 1000.0;
        /* Time never runs backwards for the duration (a receiver reset or a replay restart
         * must not shorten it below what was already covered). */
        if (t > a->t_last)
            a->t_last = t;
        if (f->grade < a->worst)
            a->worst = f->grade;
    }
    sums(a, f, 1.0);
    a->n++;
    a->last = *f;
    return v;
}

double sv_avg_seconds(const sv_averager *a)
{
    return a->n > 0 ? a->t_last - a->t_first : 0.0;
}

int sv_avg_done(const sv_averager *a)
{
    return a->n >= a->opts.epochs && sv_avg_seconds(a) >= a->opts.min_seconds;
}

static double sample_sd(double sum, double sq, int n)
{
    if (n < 2)
        return NAN;
    double var = (sq - sum * sum / n) / (n - 1);
    return var > 0.0 ? sqrt(var) : 0.0; /* rounding can make a zero spread slightly negative */
}

int sv_avg_result(const sv_averager *a, sv_bpoint *p)
{
    if (a->n < 1)
        return SV_EAGAIN;
    double m, nn;
    radii(a->lat0, &m, &nn);
    double me = a->sum_e / a->n, mn = a->sum_n / a->n;
    p->lat = a->lat0 + mn / m / DEG;
    p->lon = a->lon0 + me / (nn * cos(a->lat0 * DEG)) / DEG;
    if (p->lon > 180.0)
        p->lon -= 360.0;
    else if (p->lon < -180.0)
        p->lon += 360.0;
    p->h = a->n_h > 0 ? a->h0 + a->sum_u / a->n_h : NAN;

    sv_quality q = quality_of(&a->last);
    q.grade = a->worst;
    q.n = a->n;
    q.duration_s = sv_avg_seconds(a);
    q.sigma_e = sample_sd(a->sum_e, a->sq_e, a->n);
    q.sigma_n = sample_sd(a->sum_n, a->sq_n, a->n);
    q.sigma_u = sample_sd(a->sum_u, a->sq_u, a->n_h);
    q.dropped = a->dropped;
    sv__strlcpy(q.datum, datum_for(a->worst), sizeof q.datum);
    p->q = q;
    p->flags = (p->flags & ~(unsigned)SV_PT_STALE) | (a->stale_seen ? SV_PT_STALE : 0u);
    return SV_OK;
}

const char *sv_avg_describe(const sv_averager *a, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    int w = snprintf(buf, len, "%s%d/%d epochs, %.1f/%g s", sv_avg_done(a) ? "done: " : "", a->n,
                     a->opts.epochs, sv_avg_seconds(a), a->opts.min_seconds);
    size_t off = w < 0 ? 0 : ((size_t)w >= len ? len - 1 : (size_t)w);
    if (a->n + a->dropped > 0) {
        char what[64];
        switch (a->last_verdict) {
        case SV_EPOCH_ACCEPTED:
            snprintf(what, sizeof what, "accepted (%s)", sv_grade_name(a->last_grade));
            break;
        case SV_EPOCH_LOW_GRADE:
            snprintf(what, sizeof what, "below %s (%s)", sv_grade_name(a->opts.accept),
                     sv_grade_name(a->last_grade));
            break;
        case SV_EPOCH_NO_FIX:
            snprintf(what, sizeof what, "no fix");
            break;
        case SV_EPOCH_STALE:
            snprintf(what, sizeof what, "stale (older than 2 s)");
            break;
        case SV_EPOCH_BAD:
            snprintf(what, sizeof what, "bad coordinates");
            break;
        default:
            snprintf(what, sizeof what, "%s", sv_epoch_verdict_name(a->last_verdict));
        }
        w = snprintf(buf + off, len - off, "; last epoch: %s", what);
        off = w < 0 ? off : (off + (size_t)w >= len ? len - 1 : off + (size_t)w);
    }
    if (a->dropped > 0)
        snprintf(buf + off, len - off, "; %d dropped", a->dropped);
    return buf;
}

/* ---- walking ---------------------------------------------------------------------------- */

sv_walk_opts sv_walk_defaults(void)
{
    sv_walk_opts o = {2.0, SV_GRADE_RTK_FIXED, 4.0};
    return o;
}

void sv_walk_start(sv_walker *w, const sv_walk_opts *opts)
{
    sv_walk_opts d = sv_walk_defaults();
    memset(w, 0, sizeof *w);
    w->opts = opts ? *opts : d;
    if (!(w->opts.every_m > 0.0))
        w->opts.every_m = d.every_m;
    if (!(w->opts.max_speed > 0.0))
        w->opts.max_speed = d.max_speed;
    w->last_lat = w->last_lon = w->last_t = NAN;
    w->last_time = NAN;
    w->cand_lat = w->cand_lon = w->cand_t = NAN;
    w->last_verdict = SV_EPOCH_NO_FIX;
}

static void keep(sv_walker *w, const sv_fix *f)
{
    w->have_last = 1;
    w->last_lat = f->lat;
    w->last_lon = f->lon;
    w->last_t = f->time;
    w->last_mono_ms = f->mono_ms;
    w->cand_n = 0;
}

static int emit(sv_walker *w, const sv_fix *f, int jump, sv_vertex *v)
{
    if (v) {
        v->lat = f->lat;
        v->lon = f->lon;
        v->h = f->alt_hae;
        v->fix_time = f->time;
        v->q = quality_of(f);
        v->q.dropped = w->dropped_since;
        v->jump = jump;
    }
    w->dropped_since = 0;
    return 1;
}

int sv_walk_feed(sv_walker *w, const sv_fix *f, int64_t now_ms, sv_vertex *v)
{
    sv_epoch_verdict verdict = sv_gate(f, w->opts.accept, now_ms, w->last_time);
    if (!f)
        return 0;
    if (isfinite(f->time))
        w->last_time = f->time;
    if (verdict == SV_EPOCH_DUPLICATE) {
        /* As in sv_avg_feed: a later report of an epoch whose first report was refused is
         * judged on its own, and if it passes the epoch counts as accepted, not dropped. */
        if (w->last_verdict == SV_EPOCH_ACCEPTED || w->dropped < 1 ||
            sv_gate(f, w->opts.accept, now_ms, NAN) != SV_EPOCH_ACCEPTED)
            return 0;
        w->dropped--;
        if (w->dropped_since > 0)
            w->dropped_since--;
        verdict = SV_EPOCH_ACCEPTED;
    }
    w->last_verdict = verdict;
    if (verdict != SV_EPOCH_ACCEPTED) {
        w->dropped++;
        w->dropped_since++;
        return 0;
    }
    if (!w->have_last) { /* the first accepted epoch always starts the track */
        keep(w, f);
        return emit(w, f, 0, v);
    }

    double d = distance_m(w->last_lat, w->last_lon, f->lat, f->lon);
    if (d < w->opts.every_m) {
        /* Back near the reference: whatever jumped before was a spike. */
        w->cand_n = 0;
        return 0;
    }
    double dt = seconds_between(w->last_t, w->last_mono_ms, f->time, f->mono_ms);
    if (dt > 0.0 && d / dt <= w->opts.max_speed) {
        keep(w, f);
        return emit(w, f, 0, v);
    }

    /* No walking speed explains it. Mark it and keep the reference, unless it is the third
     * in a row of jumped epochs that agree with each other (each within what walking explains
     * from the previous one, plus one vertex spacing for noise). */
    int agree = 0;
    if (w->cand_n > 0) {
        double dc = distance_m(w->cand_lat, w->cand_lon, f->lat, f->lon);
        double dtc = seconds_between(w->cand_t, w->cand_mono_ms, f->time, f->mono_ms);
        agree = dc <= w->opts.max_speed * (dtc > 0.0 ? dtc : 0.0) + w->opts.every_m;
    }
    w->cand_n = agree ? w->cand_n + 1 : 1;
    w->cand_lat = f->lat;
    w->cand_lon = f->lon;
    w->cand_t = f->time;
    w->cand_mono_ms = f->mono_ms;
    if (w->cand_n >= SV_WALK_REANCHOR) {
        keep(w, f);
        return emit(w, f, 0, v);
    }
    return emit(w, f, 1, v);
}
