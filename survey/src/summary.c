/*
 * summary.c - one unit's figures in one place (summary.h): the surveyed, draft and walked
 * polygons, the walk closure and deviation, validity, the records and the objection clocks.
 *
 * It only reads the state and measures through geo.h and geom.h; it computes no geometry of
 * its own. It must never fail a whole summary for one figure: what cannot be computed is NaN
 * (or unknown) and named in problem, the rest is still filled.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "summary_int.h"
#include "survey/clock.h"
#include "survey/geom.h"
#include "survey/lifecycle.h"

static void note(sv_unit_summary *s, const char *what, const char *msg)
{
    if (!s->problem[0])
        snprintf(s->problem, sizeof s->problem, "unit %s: %s: %s", s->code, what, msg);
}

static sv_area no_area(void)
{
    return (sv_area){NAN, NAN, NAN, NAN, NAN, 0, 0, NAN};
}

void sv__summary_init(sv_unit_summary *s, const sv_unit *u, sv_crs crs)
{
    memset(s, 0, sizeof *s);
    if (u)
        sv__strlcpy(s->code, u->code, sizeof s->code);
    s->crs = crs;
    s->difference_pct = s->walk_closure_m = NAN;
    s->deviation = (sv_deviation){NAN, NAN, 0};
    s->surveyed_valid = s->walked_valid = SV_VALID_UNKNOWN;
}

/* Area of a ring in s->crs. When the CRS refuses a position, the ellipsoidal figures (which do
 * not depend on it) are taken in the ring's own zone and the plane ones are NaN. */
static int ring_area(sv_geo *g, size_t n, const double *ll, sv_area *a, sv_unit_summary *s,
                     const char *what)
{
    int rc = sv_geo_ring_area(g, s->crs, n, ll, a);
    if (rc == SV_OK)
        return SV_OK;
    note(s, what, sv_geo_errmsg(g));
    /* a position beyond the zone's reach leaves the ellipsoidal figures (SV_ECRS); anything
     * else is tried again in the first position's own zone for them */
    if (rc != SV_ECRS) {
        sv_crs own = sv_geo_choose(0, NAN, 0, NAN, ll[0]);
        if (sv_geo_ring_area(g, own, n, ll, a) != SV_OK && !isfinite(a->ellipsoidal_m2))
            *a = no_area();
    }
    a->plane_m2 = a->plane_perimeter_m = NAN;
    a->epsg = s->crs.epsg;
    a->central_meridian = sv_geo_central_meridian(s->crs);
    return rc;
}

static void validity(size_t n, const double *ll, sv_validity *v, char *reason, size_t len)
{
    reason[0] = '\0';
    if (n < 3) {
        *v = SV_VALID_UNKNOWN;
        return;
    }
    int rc = sv_ring_validate(n, ll, reason, len);
    *v = rc == SV_OK ? SV_VALID_YES : rc == SV_EGEOM ? SV_VALID_NO : SV_VALID_UNKNOWN;
    if (*v != SV_VALID_NO)
        reason[0] = '\0';
}

static void difference(sv_unit_summary *s)
{
    s->difference_pct = s->has_draft && s->draft.ellipsoidal_m2 > 0 && s->points >= 3 &&
                                isfinite(s->surveyed.ellipsoidal_m2)
                            ? 100.0 * (s->surveyed.ellipsoidal_m2 - s->draft.ellipsoidal_m2) /
                                  s->draft.ellipsoidal_m2
                            : NAN;
}

int sv__summary_surveyed(sv_geo *g, size_t n, const double *lonlat, sv_unit_summary *s)
{
    int rc = SV_OK;
    s->points = n;
    s->surveyed = (sv_area){0};
    s->surveyed.epsg = s->crs.epsg;
    s->surveyed.central_meridian = sv_geo_central_meridian(s->crs);
    if (n)
        rc = ring_area(g, n, lonlat, &s->surveyed, s, "boundary points");
    validity(n, lonlat, &s->surveyed_valid, s->surveyed_reason, sizeof s->surveyed_reason);
    difference(s);
    return rc;
}

int sv__summary_draft(sv_geo *g, const sv_geom *draft, sv_unit_summary *s)
{
    s->has_draft = draft && draft->n_pts > 0;
    s->draft = (sv_area){0};
    if (!s->has_draft)
        return SV_OK;
    int rc = sv_geo_geom_area(g, s->crs, draft, &s->draft);
    if (rc != SV_OK) {
        note(s, "draft", sv_geo_errmsg(g));
        if (rc != SV_ECRS) { /* as ring_area */
            sv_crs own = sv_geo_choose(0, NAN, 0, NAN, draft->lonlat[0]);
            if (sv_geo_geom_area(g, own, draft, &s->draft) != SV_OK &&
                !isfinite(s->draft.ellipsoidal_m2))
                s->draft = no_area();
        }
        s->draft.plane_m2 = s->draft.plane_perimeter_m = NAN;
    }
    difference(s);
    return rc;
}

int sv__summary_walked(sv_geo *g, size_t n, const double *lonlat, const sv_geom *draft,
                       sv_unit_summary *s)
{
    int rc = SV_OK;
    s->walk_vertices = n;
    s->walked = (sv_area){0};
    s->walked.epsg = s->crs.epsg;
    s->walked.central_meridian = sv_geo_central_meridian(s->crs);
    s->walk_closure_m = NAN;
    s->deviation = (sv_deviation){NAN, NAN, 0};
    if (n >= 3)
        rc = ring_area(g, n, lonlat, &s->walked, s, "walk");
    if (n >= 2)
        s->walk_closure_m =
            sv_geo_distance(lonlat[1], lonlat[0], lonlat[2 * n - 1], lonlat[2 * n - 2], NULL);
    if (n >= 1 && draft && draft->n_pts >= 2) {
        int r = sv_geo_deviation(g, s->crs, n, lonlat, draft, &s->deviation);
        if (r != SV_OK) {
            note(s, "deviation from the draft", sv_geo_errmsg(g));
            s->deviation = (sv_deviation){NAN, NAN, 0};
            if (rc == SV_OK)
                rc = r;
        }
    }
    validity(n, lonlat, &s->walked_valid, s->walked_reason, sizeof s->walked_reason);
    return rc;
}

sv_crs sv_unit_crs(const sv_unit *u, int journal_epsg, double journal_cm, double points_lon,
                   double walk_lon)
{
    double lon = NAN;
    /* the draft's zone is asked for only when nothing names the plane (GEOS clips a draft
     * that straddles a zone edge) */
    int named =
        (u && (u->epsg || !isnan(u->central_meridian))) || journal_epsg || !isnan(journal_cm);
    if (!named && u && u->draft.n_pts && sv_geom_zone_lon(&u->draft, &lon) != SV_OK) {
        /* a draft GEOS cannot build (an old journal's): the mean of its positions */
        double sum = 0;
        for (size_t k = 0; k < u->draft.n_pts; k++)
            sum += u->draft.lonlat[2 * k];
        lon = sum / (double)u->draft.n_pts;
    }
    if (isnan(lon))
        lon = points_lon;
    if (isnan(lon))
        lon = walk_lon;
    return sv_geo_choose(u ? u->epsg : 0, u ? u->central_meridian : NAN, journal_epsg, journal_cm,
                         lon);
}

int sv_objection_end(const char *notice_date, char out[11])
{
    out[0] = '\0';
    int y, m, d;
    char tail;
    if (!sv_date_ok(notice_date) || sscanf(notice_date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return SV_EINVAL;
    struct tm t = {0};
    t.tm_year = y - 1900;
    t.tm_mon = m - 1;
    t.tm_mday = d + SV_OBJECTION_DAYS;
    t.tm_hour = 12;
    time_t secs = timegm(&t);
    struct tm r;
    if (!gmtime_r(&secs, &r))
        return SV_EINVAL;
    if (r.tm_year + 1900 < 0 || r.tm_year + 1900 > 9999 ||
        strftime(out, 11, "%Y-%m-%d", &r) != 10) {
        out[0] = '\0';
        return SV_EINVAL;
    }
    return SV_OK;
}

/* Whole days from date a to date b (sv_days_between), SV_OBJECTION_NO_DATE for a non-date. */
static int days_from(const char *a, const char *b)
{
    int d = sv_days_between(a, b);
    return d == INT_MIN ? SV_OBJECTION_NO_DATE : d;
}

int sv_objection_days_left(const char *notice_date, const char *today, char end[11])
{
    if (sv_objection_end(notice_date, end) != SV_OK || !sv_date_ok(today))
        return SV_OBJECTION_NO_DATE;
    return days_from(today, end);
}

/* The absent parties' objection clocks against today's local date. */
int sv__summary_objections(sv_journal *j, sv_unit_summary *s)
{
    sv_attendance *at = NULL;
    size_t n = 0;
    int rc = sv_state_attendance(j, s->code, &at, &n);
    if (rc != SV_OK)
        return rc;
    char today[11];
    sv_local_date(today);
    for (size_t i = 0; i < n; i++) {
        char end[11];
        if (at[i].presence != SV_ABSENT || sv_objection_end(at[i].notice_date, end) != SV_OK)
            continue;
        s->absent++;
        if (sv_objection_days_left(at[i].notice_date, today, end) >= 0)
            s->objections_open++;
        if (strcmp(end, s->objections_until) > 0)
            memcpy(s->objections_until, end, sizeof end);
    }
    sv_attendances_free(at, n);
    return SV_OK;
}

/* Whether the unit's boundary points, in number order, form a valid polygon (GEOS), without
 * measuring anything: what sv_unit_missing needs of the geometry. */
static int points_validity(sv_journal *j, const char *code, sv_unit_summary *out)
{
    sv_bpoint *pts = NULL;
    size_t np = 0;
    int rc = sv_state_points(j, code, &pts, &np);
    double *ll = rc == SV_OK ? malloc(2 * np * sizeof *ll + 1) : NULL;
    if (rc == SV_OK && !ll)
        rc = SV_ENOMEM;
    if (rc == SV_OK) {
        size_t n = 0;
        for (size_t i = 0; i < np; i++)
            if (isfinite(pts[i].lat) && isfinite(pts[i].lon)) {
                ll[2 * n] = pts[i].lon;
                ll[2 * n + 1] = pts[i].lat;
                n++;
            }
        validity(n, ll, &out->surveyed_valid, out->surveyed_reason, sizeof out->surveyed_reason);
    }
    free(ll);
    sv_bpoints_free(pts, np);
    return rc;
}

int sv_unit_summarize_records(sv_journal *j, const char *code, sv_unit_summary *out)
{
    if (!j || !code || !out)
        return SV_EINVAL;
    sv__summary_init(out, NULL, (sv_crs){0, NAN});
    sv__strlcpy(out->code, code, sizeof out->code);
    int rc = sv_state_progress(j, code, &out->progress);
    if (rc == SV_OK)
        rc = sv__summary_objections(j, out);
    if (rc == SV_OK && out->progress.points >= 3)
        rc = points_validity(j, code, out);
    if (rc != SV_OK)
        note(out, "state", sv_journal_errmsg(j));
    return rc;
}

int sv_unit_summarize(sv_journal *j, sv_geo *g, const char *code, sv_unit_summary *out)
{
    if (!j || !g || !code || !out)
        return SV_EINVAL;
    sv__summary_init(out, NULL, (sv_crs){0, NAN});
    sv__strlcpy(out->code, code, sizeof out->code);
    sv_unit u;
    int rc = sv_state_unit(j, code, &u);
    if (rc != SV_OK) {
        if (rc == SV_ENOTFOUND) /* as the recording calls say it (record.c) */
            snprintf(out->problem, sizeof out->problem,
                     "unit %s is not in this journal (import its task package first)", code);
        else
            note(out, "state", sv_journal_errmsg(j));
        return rc;
    }
    sv_bpoint *pts = NULL;
    size_t np = 0;
    sv_track tk = {0};
    double *ll = NULL;
    if ((rc = sv_state_points(j, code, &pts, &np)) != SV_OK ||
        (rc = sv_state_track(j, code, &tk)) != SV_OK ||
        (rc = sv_state_progress(j, code, &out->progress)) != SV_OK ||
        (rc = sv__summary_objections(j, out)) != SV_OK) {
        note(out, "state", sv_journal_errmsg(j));
        goto done;
    }
    ll = malloc(2 * (np > tk.n ? np : tk.n) * sizeof *ll + 1);
    if (!ll) {
        rc = SV_ENOMEM;
        note(out, "summary", "out of memory");
        goto done;
    }
    /* The points with coordinates, in the state's number order. */
    size_t n = 0;
    double lon_sum = 0;
    for (size_t i = 0; i < np; i++) {
        if (!isfinite(pts[i].lat) || !isfinite(pts[i].lon))
            continue;
        ll[2 * n] = pts[i].lon;
        ll[2 * n + 1] = pts[i].lat;
        lon_sum += pts[i].lon;
        n++;
    }
    /* The walk vertices that are not jumps, over all walks in recording order. */
    size_t nw = 0;
    double walk_lon = NAN;
    for (size_t i = 0; i < tk.n; i++) {
        out->walks += i == 0 || tk.walk[i] != tk.walk[i - 1];
        if (isnan(walk_lon) && isfinite(tk.lonlat[2 * i]))
            walk_lon = tk.lonlat[2 * i];
    }
    out->vertices = tk.n;
    int jepsg;
    double jcm;
    sv_journal_default_crs(j, &jepsg, &jcm);
    out->crs = sv_unit_crs(&u, jepsg, jcm, n ? lon_sum / (double)n : NAN, walk_lon);
    int r1 = sv__summary_draft(g, &u.draft, out);
    int r2 = sv__summary_surveyed(g, n, ll, out);
    for (size_t i = 0; i < tk.n; i++) {
        if (tk.jump[i] || !isfinite(tk.lonlat[2 * i]) || !isfinite(tk.lonlat[2 * i + 1]))
            continue;
        ll[2 * nw] = tk.lonlat[2 * i];
        ll[2 * nw + 1] = tk.lonlat[2 * i + 1];
        nw++;
    }
    int r3 = sv__summary_walked(g, nw, ll, u.draft.n_pts ? &u.draft : NULL, out);
    rc = r2 != SV_OK ? r2 : r1 != SV_OK ? r1 : r3;
done:
    free(ll);
    sv_bpoints_free(pts, np);
    sv_track_clear(&tk);
    sv_unit_clear(&u);
    return rc;
}

unsigned sv_unit_missing(const sv_unit_summary *s)
{
    const sv_progress *p = &s->progress;
    unsigned m = 0;
    if (p->points < 3)
        m |= SV_MISSING_POINTS;
    if (p->fields_verified < (int)SV_FIELD_COUNT)
        m |= SV_MISSING_FIELDS;
    if (p->disputes_open > 0)
        m |= SV_MISSING_DISPUTES;
    if (p->attendance == 0)
        m |= SV_MISSING_ATTENDANCE;
    if (p->signatures_missing > 0)
        m |= SV_MISSING_SIGNATURES;
    if (s->objections_open > 0)
        m |= SV_MISSING_OBJECTIONS;
    /* three points or more that make no polygon (a bow-tie: points numbered out of ring order)
     * have no area to register: not complete, whatever else is done */
    if (p->points >= 3 && s->surveyed_valid == SV_VALID_NO)
        m |= SV_MISSING_BOUNDARY;
    return m;
}

const char *sv_missing_name(unsigned bit)
{
    switch (bit) {
    case SV_MISSING_POINTS:
        return "points";
    case SV_MISSING_FIELDS:
        return "fields";
    case SV_MISSING_DISPUTES:
        return "disputes";
    case SV_MISSING_ATTENDANCE:
        return "attendance";
    case SV_MISSING_SIGNATURES:
        return "signatures";
    case SV_MISSING_OBJECTIONS:
        return "objections";
    case SV_MISSING_BOUNDARY:
        return "boundary";
    }
    return "?";
}

sv_stage sv_unit_stage(const sv_unit_summary *s)
{
    const sv_progress *p = &s->progress;
    if (p->points == 0 && p->vertices == 0 && p->fields_verified == 0 && p->fields_disputed == 0 &&
        p->disputes_open == 0 && p->attendance == 0 && p->signatures == 0)
        return SV_STAGE_TODO;
    return sv_unit_missing(s) == 0 ? SV_STAGE_DONE : SV_STAGE_IN_PROGRESS;
}

int sv_unit_settled_count(sv_journal *j, const char *unit, const int64_t *seqs, size_t n)
{
    sv_dispute *d = NULL;
    size_t nd = 0;
    if (n == 0 || sv_state_disputes(j, unit, &d, &nd) != SV_OK)
        return 0;
    int k = 0;
    for (size_t i = 0; i < nd; i++)
        for (size_t s = 0; !d[i].settled && s < n; s++)
            if (seqs[s] == d[i].seq) {
                k++;
                break;
            }
    sv_disputes_free(d, nd);
    return k;
}

void sv_unit_settled_at_office(sv_unit_summary *s, int n)
{
    if (n <= 0)
        return;
    s->progress.disputes_open = n < s->progress.disputes_open ? s->progress.disputes_open - n : 0;
}

sv_stage sv_unit_stage_office(const sv_unit_summary *s, const char *office_status,
                              int64_t returned_seq)
{
    if (office_status && strcmp(office_status, sv_life_name(SV_LIFE_RETURNED)) == 0 &&
        s->progress.work_seq <= returned_seq)
        return SV_STAGE_RETURNED;
    return sv_unit_stage(s);
}

const char *sv_stage_name(sv_stage st)
{
    switch (st) {
    case SV_STAGE_TODO:
        return "todo";
    case SV_STAGE_IN_PROGRESS:
        return "in_progress";
    case SV_STAGE_RETURNED:
        return "returned";
    case SV_STAGE_DONE:
        return "done";
    }
    return "?";
}
