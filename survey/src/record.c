/*
 * record.c - the typed recording calls (sv_record_*): each validates its domain struct,
 * turns it into a canonical payload and appends it through the journal in one write
 * transaction (or a savepoint of the caller's batch).
 *
 * Must never: append a kind without its registry row (kinds.c), accept what survey/limits.h
 * refuses, or record a fact about a unit the journal does not hold.
 */
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"
#include "journal_int.h"
#include "survey/clock.h"
#include "survey/geo.h"
#include "survey/kinds.h"
#include "survey/lifecycle.h"
#include "survey/limits.h"
#include "survey/state.h"
#include "survey/summary.h"

/* ---- typed recording ----------------------------------------------------------------------- */

/* Marks a payload whose text could not be encoded; record() refuses it naming the field. */
#define BAD_TEXT_KEY "\x01invalid"

static json_t *payload_new(void)
{
    json_t *p = json_object();
    json_object_set_new(p, "v", json_integer(1));
    return p;
}

/* Set a text field; skip NULL and "". Text that is not UTF-8 (jansson refuses it) would
 * otherwise vanish silently from the entry, so it marks the payload instead. */
static void put_str(json_t *o, const char *key, const char *s)
{
    if (!s || !*s)
        return;
    json_t *v = json_string(s);
    if (v)
        json_object_set_new(o, key, v);
    else
        json_object_set_new(o, BAD_TEXT_KEY, json_string(key));
}

/* A party's name as recorded: without the blank around it (sv_text_trim), so that "北塬村 "
 * at attendance and "北塬村" at signing name the same party. */
static void put_party(json_t *o, const char *s)
{
    const char *b;
    size_t n = sv_text_trim(s, &b);
    char *t = s ? strndup(b, n) : NULL;
    if (t)
        put_str(o, "party", t);
    free(t);
}

static int record(sv_journal *j, const char *kind, json_t *p, int64_t *seq)
{
    if (!p)
        return sv__journal_fail(j, SV_ENOMEM, "out of memory");
    if (!sv_kind_find(kind)) { /* a recording call without its registry row (kinds.c) */
        json_decref(p);
        return sv__journal_fail(j, SV_EINVAL, SV_T("entry kind '%s' is not in the registry"), kind);
    }
    json_t *bad = json_object_get(p, BAD_TEXT_KEY);
    int rc = bad ? sv__journal_fail(j, SV_EINVAL, SV_T("%s: %s is not UTF-8 text (GBK?)"), kind,
                                    json_string_value(bad))
                 : sv__journal_append(j, kind, p, seq);
    json_decref(p);
    return rc;
}

/* Does the state know this unit? Recording facts about a unit nobody assigned is refused. */
static int need_unit(sv_journal *j, const char *code)
{
    if (!code || !*code)
        return sv__journal_fail(j, SV_EINVAL, SV_T("no unit code given"));
    sqlite3_stmt *st = j->st_unit;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int found = rc == SQLITE_ROW;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sv__journal_fail_db(j, rc, "journal state");
    return found ? SV_OK
                 : sv__journal_fail(j, SV_ENOTFOUND,
                                    SV_T("unit %s is not in this journal "
                                         "(import its task package first)"),
                                    code);
}

static int check_latlon(sv_journal *j, double lat, double lon)
{
    if (!isfinite(lat) || !isfinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180)
        return sv__journal_fail(j, SV_EINVAL, SV_T("coordinates out of range (lat %g, lon %g)"),
                                lat, lon);
    return SV_OK;
}

/* A boundary-point number: 1-3 capital letters and 1-9 digits without a leading zero. */
static int number_valid(const char *n)
{
    size_t i = 0, d = 0;
    while (n[i] >= 'A' && n[i] <= 'Z')
        i++;
    if (i < 1 || i > 3 || n[i] == '0')
        return 0;
    while (n[i + d] >= '0' && n[i + d] <= '9')
        d++;
    return d >= 1 && d <= 9 && n[i + d] == '\0';
}

/* Text past its limit (survey/limits.h) is refused: nothing the journal accepts may block sync.
 * Each argument pair is a name for the message and the text (NULL is fine); the list ends at a
 * NULL name. */
void sv__journal_without_limits(sv_journal *j, int on)
{
    j->no_limits = on != 0;
}

static int texts_fit(sv_journal *j, size_t max, ...)
{
    if (j->no_limits)
        return SV_OK;
    va_list ap;
    va_start(ap, max);
    int rc = SV_OK;
    for (const char *what; rc == SV_OK && (what = va_arg(ap, const char *));) {
        size_t n = sv_text_chars(va_arg(ap, const char *));
        if (n > max)
            rc = sv__journal_fail(j, SV_EINVAL, SV_T("%s has %zu characters; the limit is %zu"),
                                  dgettext("quejie", what), n, max);
    }
    va_end(ap);
    return rc;
}

/* The part of a unit payload that says what the unit is: everything but where this copy came
 * from and what it replaced. Caller decrefs. */
static json_t *unit_content(json_t *payload)
{
    json_t *c = json_deep_copy(payload);
    json_object_del(c, "supersedes");
    json_object_del(c, "source");
    return c;
}

/* A unit's payload (without supersedes). */
static json_t *unit_payload(const sv_unit *u)
{
    json_t *p = payload_new();
    put_str(p, "code", u->code);
    put_str(p, "type", u->type);
    put_str(p, "name", u->name);
    put_str(p, "location", u->location);
    for (int f = 0; f < SV_FIELD_COUNT; f++)
        put_str(p, sv_field_name((sv_field)f), u->fields[f]);
    put_str(p, "control", u->control);
    put_str(p, "source", u->source);
    if (u->epsg)
        json_object_set_new(p, "epsg", json_integer(u->epsg));
    sv__json_set_fixed(p, "cm", u->central_meridian, SV__NANODEG);
    json_object_set_new(p, "geom", sv__geom_to_json(&u->draft));
    return p;
}

/* Two rings of a payload's geom (flat arrays of nanodegree pairs) are one ring when equal, or
 * equal with their vertices in reverse order: a ring's direction says nothing about the unit
 * (the exports rewind rings by RFC 7946's rule; a package may draw them either way). */
static int ring_same(const json_t *a, const json_t *b)
{
    if (json_equal(a, b))
        return 1;
    size_t n = json_array_size(a);
    if (n != json_array_size(b) || n % 2)
        return 0;
    for (size_t i = 0; i < n; i += 2)
        if (!json_equal(json_array_get(a, i), json_array_get(b, n - 2 - i)) ||
            !json_equal(json_array_get(a, i + 1), json_array_get(b, n - 1 - i)))
            return 0;
    return 1;
}

/* Two units' contents (unit_content) are the same unit: equal but for the direction of rings. */
static int content_same(json_t *a, json_t *b)
{
    if (!a || !b)
        return 0;
    if (json_equal(a, b))
        return 1;
    json_t *ga = json_object_get(a, "geom"), *gb = json_object_get(b, "geom");
    size_t np = json_array_size(ga);
    if (np != json_array_size(gb))
        return 0;
    for (size_t i = 0; i < np; i++) {
        json_t *ra = json_array_get(ga, i), *rb = json_array_get(gb, i);
        size_t nr = json_array_size(ra);
        if (nr != json_array_size(rb))
            return 0;
        for (size_t k = 0; k < nr; k++)
            if (!ring_same(json_array_get(ra, k), json_array_get(rb, k)))
                return 0;
    }
    json_t *xa = json_deep_copy(a), *xb = json_deep_copy(b);
    json_object_del(xa, "geom");
    json_object_del(xb, "geom");
    int same = xa && xb && json_equal(xa, xb);
    json_decref(xa);
    json_decref(xb);
    return same;
}

int sv_unit_same(const sv_unit *a, const sv_unit *b)
{
    json_t *pa = unit_payload(a), *pb = unit_payload(b);
    json_t *ca = unit_content(pa), *cb = unit_content(pb);
    int same = content_same(ca, cb);
    json_decref(ca);
    json_decref(cb);
    json_decref(pa);
    json_decref(pb);
    return same;
}

/*
 * The same unit with its plane CRS made explicit: prev (a unit entry's content) names no CRS,
 * next names the one the unit had all along (sv_unit_crs by its draft and the journal's
 * default, as every export writes it), and nothing else differs. The tool's own GeoJSON export
 * re-imported into the journal it came from is no change (every unit was replaced).
 */
static int same_but_crs_named(const sv_journal *j, json_t *prev, json_t *next, const sv_unit *u)
{
    if (json_object_get(prev, "epsg") || json_object_get(prev, "cm") ||
        (!json_object_get(next, "epsg") && !json_object_get(next, "cm")))
        return 0;
    json_t *bare = json_deep_copy(next);
    json_object_del(bare, "epsg");
    json_object_del(bare, "cm");
    int rest = content_same(prev, bare);
    json_decref(bare);
    if (!rest)
        return 0;
    int je;
    double jcm;
    sv_journal_default_crs(j, &je, &jcm);
    sv_unit had = *u; /* shallow: only read */
    had.epsg = 0;
    had.central_meridian = NAN;
    sv_crs was = sv_unit_crs(&had, je, jcm, NAN, NAN);
    sv_crs now = sv_unit_crs(u, je, jcm, NAN, NAN);
    return was.epsg == now.epsg &&
           (was.epsg != 0 || (isfinite(was.central_meridian) && isfinite(now.central_meridian) &&
                              fabs(was.central_meridian - now.central_meridian) < 1e-9));
}

static int do_unit(sv_journal *j, const sv_unit *u, int64_t *seq)
{
    if (!u->code[0])
        return sv__journal_fail(j, SV_EINVAL, SV_T("a unit without a code cannot be recorded"));
    char why[160];
    if (!j->no_limits && sv_unit_check_limits(u, why, sizeof why) != SV_OK)
        return sv__journal_fail(j, SV_EINVAL, SV_T("unit %.64s: %s"), u->code, why);
    json_t *p = unit_payload(u);

    /* A re-import of the same unit is a no-op: counties re-send whole packages, under any
     * file name. Compared on content, not on the source or on what an entry superseded. */
    sqlite3_stmt *st;
    int64_t old = 0;
    int same = 0;
    if (sqlite3_prepare_v2(j->db,
                           "SELECT e.seq, e.payload FROM st_units u JOIN entries e"
                           " ON e.seq = u.seq WHERE u.code = ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, u->code, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            old = sqlite3_column_int64(st, 0);
            json_error_t err;
            json_t *prev = json_loads((const char *)sqlite3_column_text(st, 1), 0, &err);
            json_t *a = prev ? unit_content(prev) : NULL, *b = unit_content(p);
            same = a && b && (content_same(a, b) || same_but_crs_named(j, a, b, u));
            json_decref(a);
            json_decref(b);
            json_decref(prev);
        }
        sqlite3_finalize(st);
    }
    if (same) {
        json_decref(p);
        if (seq)
            *seq = old;
        return SV_OK;
    }
    if (old)
        json_object_set_new(p, "supersedes", json_integer(old));
    return record(j, "unit", p, seq);
}

static json_t *quality_json(const sv_quality *q)
{
    json_t *o = json_object();
    json_object_set_new(o, "grade", json_string(sv_grade_name(q->grade)));
    if (q->mode >= 0)
        json_object_set_new(o, "mode", json_integer(q->mode));
    if (q->status >= 0)
        json_object_set_new(o, "status", json_integer(q->status));
    if (q->sats_used >= 0)
        json_object_set_new(o, "used", json_integer(q->sats_used));
    if (q->sats_seen >= 0)
        json_object_set_new(o, "seen", json_integer(q->sats_seen));
    sv__json_set_fixed(o, "hdop", q->hdop, 100);
    sv__json_set_fixed(o, "vdop", q->vdop, 100);
    sv__json_set_fixed(o, "pdop", q->pdop, 100);
    sv__json_set_fixed(o, "eph", q->eph, SV__MM);
    sv__json_set_fixed(o, "epv", q->epv, SV__MM);
    sv__json_set_fixed(o, "cage", q->corr_age, SV__MM);
    if (q->n > 0)
        json_object_set_new(o, "n", json_integer(q->n));
    sv__json_set_fixed(o, "dur", q->duration_s, SV__MM);
    sv__json_set_fixed(o, "se", q->sigma_e, SV__MM);
    sv__json_set_fixed(o, "sn", q->sigma_n, SV__MM);
    sv__json_set_fixed(o, "su", q->sigma_u, SV__MM);
    if (q->dropped > 0)
        json_object_set_new(o, "dropped", json_integer(q->dropped));
    put_str(o, "datum", q->datum);
    return o;
}

/* Next free number for a prefix in a unit: numbers are never reused, even after a void. */
static int next_number(sv_journal *j, const char *unit, char prefix, char *out, size_t len)
{
    sqlite3_stmt *st = j->st_number;
    int64_t last = 0;
    char pfx[2] = {prefix, 0};
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, pfx, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        last = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sv__journal_fail_db(j, rc, "journal state");
    if (last >= 999999999)
        return sv__journal_fail(j, SV_EINVAL, SV_T("unit %s has no free %c number left"), unit,
                                prefix);
    char buf[32];
    snprintf(buf, sizeof buf, "%c%lld", prefix, (long long)last + 1);
    sv__strlcpy(out, buf, len);
    return SV_OK;
}

void sv_journal_set_point_limit(sv_journal *j, double metres)
{
    if (j)
        j->point_limit_m = isfinite(metres) && metres > 0 ? metres : NAN;
}

double sv_journal_point_limit(sv_journal *j)
{
    if (isfinite(j->point_limit_m))
        return j->point_limit_m;
    const char *v = sv_state_config(j, SV_CFG_POINT_LIMIT, NULL);
    double m = v ? strtod(v, NULL) : NAN;
    return isfinite(m) && m > 0 ? m : SV_POINT_LIMIT_M;
}

static void distance_text(double m, char *buf, size_t len)
{
    if (m >= 1000)
        snprintf(buf, len, "%.1f km", m / 1000);
    else
        snprintf(buf, len, "%.0f m", m);
}

/*
 * Sanity of manual input (docs/journal.md, "Far points"): a typed-in, map-read or offset point
 * farther from its unit's draft than the limit is refused unless the caller says it is meant
 * (SV_PT_FAR on input); then it is recorded with SV_PT_FAR. The flag is recorded only on a
 * point that really is beyond the limit. A point measured where the pole stands is not judged:
 * the receiver is the evidence of where it is.
 */
static int check_far(sv_journal *j, sv_bpoint *p)
{
    int meant = (p->flags & SV_PT_FAR) != 0;
    p->flags &= ~(unsigned)SV_PT_FAR;
    if (!(p->flags & (SV_PT_MANUAL | SV_PT_OFFSET)))
        return SV_OK;
    double m;
    int rc = sv_state_draft_distance(j, p->unit, p->lat, p->lon, &m);
    if (rc == SV_ENOTFOUND || rc == SV_EGEOM)
        return SV_OK; /* no draft to judge by */
    if (rc != SV_OK)
        return rc;
    double limit = sv_journal_point_limit(j);
    if (m <= limit)
        return SV_OK;
    if (meant) {
        p->flags |= SV_PT_FAR;
        return SV_OK;
    }
    char d[32], l[32];
    distance_text(m, d, sizeof d);
    distance_text(limit, l, sizeof l);
    /* the limit named as where it came from: this command's, or the journal's setting */
    char src[128];
    if (isfinite(j->point_limit_m))
        snprintf(src, sizeof src, "%s", SV_T("given for this point"));
    else if (sv_state_config(j, SV_CFG_POINT_LIMIT, NULL))
        snprintf(src, sizeof src, SV_T("setting %s"), SV_CFG_POINT_LIMIT);
    else /* nobody set it: the built-in default, and where to change it */
        snprintf(src, sizeof src, SV_T("the default; the setting %s changes it"),
                 SV_CFG_POINT_LIMIT);
    return sv__journal_fail(
        j, SV_EINVAL,
        SV_T("the point (lat %.9f, lon %.9f) is %s from unit %s's draft, farther "
             "than the limit of %s (%s); if it is meant, record it as "
             "far (quejie point add --far)"),
        p->lat, p->lon, d, p->unit, l, src);
}

static int refuse_if_line_end(sv_journal *j, int64_t target, const char *what);

/* When entry seq is the row of a point this unit shares from a neighbour: fail, naming where it
 * is measured (a correction there moves both; here it would make two points of one). */
static int refuse_if_shared_copy(sv_journal *j, int64_t seq)
{
    sqlite3_stmt *st;
    char unit[SV_CODE_MAX] = "", number[SV_NUMBER_MAX] = "", from[SV_CODE_MAX] = "",
         from_number[SV_NUMBER_MAX] = "";
    if (sqlite3_prepare_v2(j->db,
                           "SELECT unit, number, shared_unit, shared_number FROM st_points"
                           " WHERE seq = ? AND shared_unit IS NOT NULL",
                           -1, &st, NULL) != SQLITE_OK)
        return sv__journal_fail(j, SV_EIO, "journal state: %s", sqlite3_errmsg(j->db));
    sqlite3_bind_int64(st, 1, seq);
    if (sqlite3_step(st) == SQLITE_ROW) {
        sv__strlcpy(unit, (const char *)sqlite3_column_text(st, 0), sizeof unit);
        sv__strlcpy(number, (const char *)sqlite3_column_text(st, 1), sizeof number);
        sv__strlcpy(from, (const char *)sqlite3_column_text(st, 2), sizeof from);
        sv__strlcpy(from_number, (const char *)sqlite3_column_text(st, 3), sizeof from_number);
    }
    sqlite3_finalize(st);
    if (!from[0])
        return SV_OK;
    return sv__journal_fail(j, SV_EINVAL,
                            SV_T("point %s of unit %s is point %s of unit %s, shared: correct it "
                                 "there (both units follow), or withdraw the sharing (entry "
                                 "%lld) and measure this unit's own"),
                            number, unit, from_number, from, (long long)seq);
}

/* A number from the journal's settings, NaN when unset or not a number. */
static double config_number(sv_journal *j, const char *key)
{
    const char *v = sv_state_config(j, key, NULL);
    char *end;
    double d = v ? strtod(v, &end) : NAN;
    return v && end != v && !*end ? d : NAN;
}

static double wrap360(double deg)
{
    deg = fmod(deg, 360.0);
    return deg < 0 ? deg + 360.0 : deg;
}

int sv_offset_resolve(sv_journal *j, const char *unit, sv_offset *off)
{
    off->correction_deg = 0;
    if (off->north == SV_NORTH_TRUE) {
        if (isfinite(off->bearing_entered))
            off->bearing_deg = off->bearing_entered;
        return SV_OK;
    }
    if (!isfinite(off->bearing_entered) || off->bearing_entered < 0 || off->bearing_entered > 360)
        return sv__journal_fail(j, SV_EINVAL, SV_T("offset bearing %g (%s) is not 0..360 degrees"),
                                off->bearing_entered,
                                off->north == SV_NORTH_GRID       ? SV_T("grid north")
                                : off->north == SV_NORTH_MAGNETIC ? SV_T("magnetic north")
                                                                  : SV_T("true north"));
    double corr = NAN;
    if (off->north == SV_NORTH_MAGNETIC) {
        corr = off->declination_set ? off->declination_deg : config_number(j, SV_CFG_DECLINATION);
        if (!isfinite(corr) || corr < -90 || corr > 90)
            return sv__journal_fail(
                j, SV_EINVAL,
                "a magnetic bearing needs the magnetic declination (degrees east, from the "
                "county's chart or a declination calculator): give it with the point (quejie "
                "point add --declination DEG) or set it once (quejie config JOURNAL %s DEG)",
                SV_CFG_DECLINATION);
    } else if (off->north == SV_NORTH_GRID) {
        sv_unit u;
        memset(&u, 0, sizeof u);
        int rc = sv_state_unit(j, unit, &u);
        if (rc != SV_OK) {
            sv_unit_clear(&u);
            return sv__journal_fail(j, SV_ENOTFOUND, SV_T("unit %s is not in this journal"), unit);
        }
        int epsg;
        double cm;
        sv_journal_default_crs(j, &epsg, &cm);
        sv_crs crs = sv_unit_crs(&u, epsg, cm, off->from_lon, NAN);
        sv_unit_clear(&u);
        sv_geo *g = NULL;
        rc = sv_geo_new(&g);
        if (rc == SV_OK)
            rc = sv_geo_convergence(g, crs, off->from_lat, off->from_lon, &corr);
        if (rc != SV_OK)
            rc = sv__journal_fail(j, rc == SV_ENOMEM ? SV_ENOMEM : SV_EGEOM,
                                  "grid convergence of unit %s at the occupied spot: %s", unit,
                                  g ? sv_geo_errmsg(g) : "out of memory");
        sv_geo_free(g);
        if (rc != SV_OK)
            return rc;
    } else {
        return sv__journal_fail(j, SV_EINVAL, SV_T("unknown north %d"), (int)off->north);
    }
    off->correction_deg = corr;
    off->bearing_deg = wrap360(off->bearing_entered + corr);
    return SV_OK;
}

/* Pole height, ground height, method, override code and correction reason of a point about
 * to be recorded (docs/journal.md, "point"). */
static int point_extras(sv_journal *j, sv_bpoint *p, int observed)
{
    /* An offset point's position and height come from its observation, here and nowhere else:
     * the occupied spot (off.from_*), the true bearing and the distance; its height is the
     * spot's plus dh, unknown when dh was not measured (the spot's own height is not the
     * point's). A point re-recorded for its marker or type keeps what it was given. */
    if (observed && p->flags & SV_PT_OFFSET) {
        if (!isfinite(p->off.from_lat) || !isfinite(p->off.from_lon))
            return sv__journal_fail(j, SV_EINVAL, SV_T("an offset needs its occupied spot"));
        if (p->off.north == SV_NORTH_TRUE && !isfinite(p->off.bearing_entered))
            p->off.bearing_entered = p->off.bearing_deg;
        p->h = isfinite(p->off.from_h) && isfinite(p->off.dh) ? p->off.from_h + p->off.dh : NAN;
        /* the spread of the spot's epochs in height says nothing of a height nobody knows */
        if (!isfinite(p->h))
            p->q.sigma_u = NAN;
    }
    if (!p->pole_set) {
        double d = config_number(j, SV_CFG_ANTENNA_HEIGHT);
        if (isfinite(d)) {
            p->pole_h = d;
            p->pole_set = 1;
        }
    }
    if (p->pole_set > 0 && (!isfinite(p->pole_h) || p->pole_h < 0 || p->pole_h > SV_POLE_MAX_M))
        return sv__journal_fail(j, SV_EINVAL, SV_T("antenna (pole) height %g m is not 0..%g m"),
                                p->pole_h, SV_POLE_MAX_M);
    p->ground_h = p->pole_set > 0 && isfinite(p->h) ? p->h - p->pole_h : NAN;
    /* A correction keeps the point's marker and type unless the caller gives them (a stone post
     * re-measured is still a stone post; a map-read point typed in again is still map-read):
     * before the method is derived from the type. */
    if (p->supersedes && (!p->marker[0] || !p->point_type[0])) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(j->db,
                               "SELECT marker, ptype FROM st_points WHERE seq = ? AND unit = ?", -1,
                               &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, p->supersedes);
            sqlite3_bind_text(st, 2, p->unit, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW) {
                if (!p->marker[0])
                    sv__strlcpy(p->marker, (const char *)sqlite3_column_text(st, 0),
                                sizeof p->marker);
                if (!p->point_type[0])
                    sv__strlcpy(p->point_type, (const char *)sqlite3_column_text(st, 1),
                                sizeof p->point_type);
            }
            sqlite3_finalize(st);
        }
    }
    if (p->method[0]) {
        if (!sv_method_valid(p->method))
            return sv__journal_fail(
                j, SV_EINVAL, "method '%s': use rtk, static, taped, map-read or offset", p->method);
        int is_offset = strcmp(p->method, SV_METHOD_OFFSET) == 0;
        if (is_offset != ((p->flags & SV_PT_OFFSET) != 0))
            return sv__journal_fail(j, SV_EINVAL,
                                    is_offset ? "method offset needs an offset observation"
                                              : "an offset point's method is offset, not %s",
                                    p->method);
    } else {
        sv__strlcpy(p->method, sv_method_derive(p), sizeof p->method);
    }
    if (p->override_code[0] && !sv_override_reason_find(p->override_code))
        return sv__journal_fail(j, SV_EINVAL, SV_T("override reason code '%s' is not in the list"),
                                p->override_code);
    if (!p->override_code[0] && p->override_reason && *p->override_reason)
        sv__strlcpy(p->override_code, SV_OVERRIDE_OTHER, sizeof p->override_code);
    if (p->reason && *p->reason && !p->supersedes)
        return sv__journal_fail(
            j, SV_EINVAL, SV_T("a correction reason belongs to a point that corrects another"));
    /* a new observation's offset is within what a tape or rangefinder takes; a point re-recorded
     * for its marker or type keeps the one it was measured with */
    if (observed && p->flags & SV_PT_OFFSET &&
        (!isfinite(p->off.distance_m) || p->off.distance_m < 0 ||
         p->off.distance_m > SV_OFFSET_MAX_M))
        return sv__journal_fail(j, SV_EINVAL, SV_T("offset distance %g m is not 0..%g m"),
                                p->off.distance_m, SV_OFFSET_MAX_M);
    if (observed && p->flags & SV_PT_OFFSET) {
        int rc = sv_offset_resolve(j, p->unit, &p->off);
        if (rc != SV_OK)
            return rc;
        if (!isfinite(p->off.bearing_deg) || p->off.bearing_deg < 0 || p->off.bearing_deg > 360)
            return sv__journal_fail(j, SV_EINVAL,
                                    SV_T("offset bearing %g (%s) is not 0..360 degrees"),
                                    p->off.bearing_deg, SV_T("true north"));
        sv_geo_offset(p->off.from_lat, p->off.from_lon, p->off.distance_m, p->off.bearing_deg,
                      &p->lat, &p->lon);
    }
    return SV_OK;
}

/* A number names one current point of its unit: a new point, or a correction of point except
 * renumbering it, may not take the number of another (it would replace that point silently,
 * and its line and signatures would follow); nor, J and T points being one series (DOMAIN.md
 * 3), the place of a point of the other prefix (T3 beside J3 leaves the ring's order to
 * chance). */
static int refuse_number_taken(sv_journal *j, const char *unit, const char *number, int64_t except)
{
    sqlite3_stmt *st;
    sv__numkey k;
    sv__numkey_of(number, &k);
    int64_t holder = 0;
    char held[SV_NUMBER_MAX] = "";
    if (sqlite3_prepare_v2(j->db,
                           "SELECT seq, number FROM st_points WHERE unit = ?1 AND (number = ?2 OR"
                           " (?3 AND prefix IN ('J', 'T') AND num = ?4)) ORDER BY number = ?2 DESC",
                           -1, &st, NULL) != SQLITE_OK)
        return sv__journal_fail(j, SV_EIO, "journal state: %s", sqlite3_errmsg(j->db));
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, k.numbered && k.rank < 2);
    sqlite3_bind_int64(st, 4, k.num);
    while (!holder && sqlite3_step(st) == SQLITE_ROW)
        if (sqlite3_column_int64(st, 0) != except) {
            holder = sqlite3_column_int64(st, 0);
            sv__strlcpy(held, (const char *)sqlite3_column_text(st, 1), sizeof held);
        }
    sqlite3_finalize(st);
    if (!holder)
        return SV_OK;
    if (strcmp(held, number) != 0)
        return sv__journal_fail(j, SV_EEXIST,
                                SV_T("%s takes place %lld of unit %s, which is %s (entry %lld): J "
                                     "and T points are one series, each number once; leave the "
                                     "number out for the next free one"),
                                number, (long long)k.num, unit, held, (long long)holder);
    return sv__journal_fail(
        j, SV_EEXIST,
        SV_T("%s is already a current point of unit %s (entry %lld); to measure it "
             "again record with --corrects %lld and a reason"),
        number, unit, (long long)holder, (long long)holder);
}

/* observed: p is a new observation (0: a stored point re-recorded with a new marker or type) */
/* The prefix a point of p's type is numbered with: J a measured point (the default type), T
 * any other (a map-read one). */
static char type_prefix(const sv_bpoint *p)
{
    return !p->point_type[0] || strcmp(p->point_type, "measured") == 0 ? 'J' : 'T';
}

static int do_point_as(sv_journal *j, sv_bpoint *p, int64_t *seq, int observed)
{
    int rc = need_unit(j, p->unit);
    if (rc == SV_OK)
        rc = point_extras(j, p, observed);
    if (rc == SV_OK)
        rc = check_latlon(j, p->lat, p->lon);
    if (rc == SV_OK)
        rc = check_far(j, p);
    if (rc != SV_OK)
        return rc;
    if (isfinite(p->h) && (p->h < -1000 || p->h > 10000))
        return sv__journal_fail(j, SV_EINVAL, SV_T("height %g m is not plausible"), p->h);
    if ((rc = texts_fit(j, SV_LIMIT_TEXT_CHARS, SV_N("the note"), p->note,
                        SV_N("the override reason"), p->override_reason,
                        SV_N("the correction reason"), p->reason, (const char *)NULL)) != SV_OK)
        return rc;
    if (p->number[0] && !number_valid(p->number))
        return sv__journal_fail(
            j, SV_EINVAL, "point number '%s' is not a prefix and a number (J12, T3)", p->number);
    if (p->supersedes) {
        /* A correction names a current point of the same unit and keeps its number. */
        sqlite3_stmt *st;
        char was[SV_NUMBER_MAX] = "";
        if (sqlite3_prepare_v2(j->db, "SELECT number FROM st_points WHERE seq = ? AND unit = ?", -1,
                               &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, p->supersedes);
            sqlite3_bind_text(st, 2, p->unit, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                sv__strlcpy(was, (const char *)sqlite3_column_text(st, 0), sizeof was);
            sqlite3_finalize(st);
        }
        if (!was[0])
            return sv__journal_fail(j, SV_ENOTFOUND,
                                    SV_T("entry %lld is not a current boundary point of unit %s"),
                                    (long long)p->supersedes, p->unit);
        if ((rc = refuse_if_shared_copy(j, p->supersedes)) != SV_OK)
            return rc;
        if (!p->number[0])
            memcpy(p->number, was, sizeof was);
        else if (strcmp(p->number, was) != 0) {
            /* Renumbering takes the old number out of the boundary, like a void. */
            rc = refuse_number_taken(j, p->unit, p->number, p->supersedes);
            if (rc == SV_OK)
                rc = refuse_if_line_end(j, p->supersedes, SV_T("cannot renumber"));
            if (rc != SV_OK)
                return rc;
        }
    } else if (p->number[0]) {
        /* the 界址点成果表's reader trusts the prefix: J a measured point, T any other (a
         * map-read one); a number typed with the other one is refused (other prefixes are
         * the county's own scheme, taken as given) */
        char want = type_prefix(p);
        if ((p->number[0] == 'J' || p->number[0] == 'T') && p->number[0] != want)
            return sv__journal_fail(j, SV_EINVAL,
                                    SV_T("point number %s does not fit its type %s: a %s point "
                                         "is numbered %c (%c%s), or leave the number out"),
                                    p->number, p->point_type[0] ? p->point_type : "measured",
                                    p->point_type[0] ? p->point_type : "measured", want, want,
                                    p->number + 1);
        rc = refuse_number_taken(j, p->unit, p->number, 0);
        if (rc != SV_OK)
            return rc;
    } else {
        rc = next_number(j, p->unit, type_prefix(p), p->number, sizeof p->number);
        if (rc != SV_OK)
            return rc;
    }
    json_t *o = payload_new();
    /* version 2: h is the ground mark's height when pole is given, else the antenna's */
    json_object_set_new(o, "v", json_integer(2));
    put_str(o, "unit", p->unit);
    put_str(o, "number", p->number);
    put_str(o, "ptype", p->point_type[0] ? p->point_type : "measured");
    put_str(o, "marker", p->marker);
    sv__json_set_fixed(o, "lat", p->lat, SV__NANODEG);
    sv__json_set_fixed(o, "lon", p->lon, SV__NANODEG);
    sv__json_set_fixed(o, "h", p->pole_set > 0 ? p->ground_h : p->h, SV__MM);
    if (p->pole_set > 0)
        sv__json_set_fixed(o, "pole", p->pole_h, SV__MM);
    put_str(o, "method", p->method);
    json_object_set_new(o, "q", quality_json(&p->q));
    if (p->flags)
        json_object_set_new(o, "flags", json_integer(p->flags));
    if (p->flags & SV_PT_OFFSET) {
        json_t *off = json_object();
        sv__json_set_fixed(off, "lat", p->off.from_lat, SV__NANODEG);
        sv__json_set_fixed(off, "lon", p->off.from_lon, SV__NANODEG);
        sv__json_set_fixed(off, "h", p->off.from_h, SV__MM);
        sv__json_set_fixed(off, "dist", p->off.distance_m, SV__MM);
        sv__json_set_fixed(off, "brg", p->off.bearing_deg, 1e6);
        sv__json_set_fixed(off, "dh", p->off.dh, SV__MM);
        if (p->off.north != SV_NORTH_TRUE) {
            put_str(off, "north", sv_north_name(p->off.north));
            sv__json_set_fixed(off, "brg_in", p->off.bearing_entered, 1e6);
            sv__json_set_fixed(off, "corr", p->off.correction_deg, 1e6);
        }
        json_object_set_new(o, "off", off);
    }
    const sv_reason *why = sv_override_reason_find(p->override_code);
    put_str(o, "override",
            p->override_reason && *p->override_reason ? p->override_reason
            : why                                     ? why->label
                                                      : NULL);
    put_str(o, "ovc", p->override_code);
    put_str(o, "note", p->note);
    if (p->supersedes)
        json_object_set_new(o, "supersedes", json_integer(p->supersedes));
    put_str(o, "reason", p->reason);
    return record(j, "point", o, seq);
}

static int do_point(sv_journal *j, sv_bpoint *p, int64_t *seq)
{
    return do_point_as(j, p, seq, 1);
}

/* The current point number of unit into *out (seq 0 when there is none). */
static int point_row(sv_journal *j, const char *unit, const char *number, sv_bpoint *out)
{
    memset(out, 0, sizeof *out);
    sv_bpoint *pts = NULL;
    size_t n = 0;
    int rc = sv_state_points(j, unit, &pts, &n);
    if (rc != SV_OK)
        return sv__journal_fail(j, rc, "journal state");
    for (size_t i = 0; i < n; i++)
        if (strcmp(pts[i].number, number) == 0) {
            *out = pts[i];
            memset(&pts[i], 0, sizeof pts[i]); /* its strings now belong to out */
        }
    sv_bpoints_free(pts, n);
    return SV_OK;
}

static int do_share(sv_journal *j, sv_share *s, int64_t *seq)
{
    int rc = need_unit(j, s->unit);
    if (rc == SV_OK)
        rc = need_unit(j, s->from_unit);
    if (rc != SV_OK)
        return rc;
    if (strcmp(s->unit, s->from_unit) == 0)
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("point %s is unit %s's own: a shared point comes from a "
                                     "neighbouring unit"),
                                s->from_number, s->unit);
    sv_bpoint src;
    rc = point_row(j, s->from_unit, s->from_number, &src);
    if (rc != SV_OK)
        return rc;
    if (!src.seq)
        return sv__journal_fail(j, SV_ENOTFOUND,
                                SV_T("%s is not a current boundary point of unit %s"),
                                s->from_number, s->from_unit);
    if (src.shared_unit[0]) {
        /* shared from a third unit: share the point where it is measured */
        sv__strlcpy(s->from_unit, src.shared_unit, sizeof s->from_unit);
        sv__strlcpy(s->from_number, src.shared_number, sizeof s->from_number);
        sv_bpoint_clear(&src);
        if (strcmp(s->unit, s->from_unit) == 0)
            return sv__journal_fail(j, SV_EINVAL,
                                    SV_T("that point is unit %s's own %s, shared by the other "
                                         "unit"),
                                    s->unit, s->from_number);
        if ((rc = point_row(j, s->from_unit, s->from_number, &src)) != SV_OK)
            return rc;
        if (!src.seq)
            return sv__journal_fail(j, SV_ENOTFOUND,
                                    SV_T("%s is not a current boundary point of unit %s"),
                                    s->from_number, s->from_unit);
    }
    /* once per unit: a second number for the same 界址点 would be two corners in one place */
    sv_bpoint *pts = NULL;
    size_t n = 0;
    if ((rc = sv_state_points(j, s->unit, &pts, &n)) != SV_OK) {
        sv_bpoint_clear(&src);
        return sv__journal_fail(j, rc, "journal state");
    }
    char have[SV_NUMBER_MAX] = "";
    for (size_t i = 0; i < n && !have[0]; i++)
        if (strcmp(pts[i].shared_unit, s->from_unit) == 0 &&
            strcmp(pts[i].shared_number, s->from_number) == 0)
            sv__strlcpy(have, pts[i].number, sizeof have);
    sv_bpoints_free(pts, n);
    if (have[0]) {
        sv_bpoint_clear(&src);
        return sv__journal_fail(j, SV_EEXIST,
                                SV_T("unit %s already shares point %s of unit %s, as its %s"),
                                s->unit, s->from_number, s->from_unit, have);
    }
    /* the neighbour's point must lie at this unit's boundary: a draft drawn from the land
     * survey may be tens of metres off, not hundreds */
    double m;
    rc = sv_state_draft_distance(j, s->unit, src.lat, src.lon, &m);
    double limit = SV_SHARE_LIMIT_M;
    if (rc == SV_OK && m > limit) {
        char d[32], l[32];
        distance_text(m, d, sizeof d);
        distance_text(limit, l, sizeof l);
        sv_bpoint_clear(&src);
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("point %s of unit %s is %s from unit %s's draft, farther than "
                                     "the limit of %s: it is not on this unit's boundary"),
                                s->from_number, s->from_unit, d, s->unit, l);
    }
    if (rc != SV_OK && rc != SV_ENOTFOUND && rc != SV_EGEOM) {
        sv_bpoint_clear(&src);
        return rc;
    }
    char want = type_prefix(&src);
    sv_bpoint_clear(&src);
    if (s->number[0]) {
        if (!number_valid(s->number))
            return sv__journal_fail(j, SV_EINVAL,
                                    "point number '%s' is not a prefix and a number (J12, T3)",
                                    s->number);
        if ((s->number[0] == 'J' || s->number[0] == 'T') && s->number[0] != want)
            return sv__journal_fail(j, SV_EINVAL,
                                    SV_T("point number %s does not fit the shared point's type: "
                                         "it is numbered %c here too, or leave the number out"),
                                    s->number, want);
        if ((rc = refuse_number_taken(j, s->unit, s->number, 0)) != SV_OK)
            return rc;
    } else if ((rc = next_number(j, s->unit, want, s->number, sizeof s->number)) != SV_OK) {
        return rc;
    }
    json_t *o = payload_new();
    put_str(o, "unit", s->unit);
    put_str(o, "number", s->number);
    put_str(o, "from_unit", s->from_unit);
    put_str(o, "from_number", s->from_number);
    return record(j, "share", o, seq);
}

static int do_point_change(sv_journal *j, int64_t point_seq, const char *marker,
                           const char *point_type, const char *reason, int64_t *seq)
{
    if (sv_text_blank(reason))
        return sv__journal_fail(j, SV_EINVAL, SV_T("changing a point needs a reason"));
    sqlite3_stmt *st;
    char unit[SV_CODE_MAX] = "";
    if (sqlite3_prepare_v2(j->db, "SELECT unit FROM st_points WHERE seq = ?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(st, 1, point_seq);
        if (sqlite3_step(st) == SQLITE_ROW)
            sv__strlcpy(unit, (const char *)sqlite3_column_text(st, 0), sizeof unit);
        sqlite3_finalize(st);
    }
    if (!unit[0])
        return sv__journal_fail(j, SV_ENOTFOUND, SV_T("entry %lld is not a current boundary point"),
                                (long long)point_seq);
    sv_bpoint *pts = NULL;
    size_t n = 0;
    int rc = sv_state_points(j, unit, &pts, &n);
    if (rc != SV_OK)
        return sv__journal_fail(j, rc, "journal state");
    sv_bpoint *p = NULL;
    for (size_t i = 0; i < n; i++)
        if (pts[i].seq == point_seq)
            p = &pts[i];
    int same = p && (!marker || !*marker || strcmp(marker, p->marker) == 0) &&
               (!point_type || !*point_type || strcmp(point_type, p->point_type) == 0);
    if (!p)
        rc = sv__journal_fail(j, SV_ENOTFOUND, SV_T("entry %lld is not a current boundary point"),
                              (long long)point_seq);
    else if (same)
        rc = sv__journal_fail(j, SV_EINVAL, SV_T("point %s: the marker and type are already so"),
                              p->number);
    if (rc == SV_OK) {
        if (marker && *marker)
            sv__strlcpy(p->marker, marker, sizeof p->marker);
        if (point_type && *point_type)
            sv__strlcpy(p->point_type, point_type, sizeof p->point_type);
        p->supersedes = point_seq;
        free(p->reason);
        p->reason = sv__strdup(reason);
        if (p->pole_set <= 0)
            p->pole_set = -1; /* unknown stays unknown: not the journal's default of today */
        rc = do_point_as(j, p, seq, 0); /* its offset, position and height as stored */
    }
    sv_bpoints_free(pts, n);
    return rc;
}

static int do_vertex(sv_journal *j, const sv_vertex *v, int64_t *seq)
{
    int rc = need_unit(j, v->unit);
    if (rc == SV_OK)
        rc = check_latlon(j, v->lat, v->lon);
    if (rc != SV_OK)
        return rc;
    json_t *o = payload_new();
    put_str(o, "unit", v->unit);
    if (v->track)
        json_object_set_new(o, "track", json_integer(v->track));
    sv__json_set_fixed(o, "lat", v->lat, SV__NANODEG);
    sv__json_set_fixed(o, "lon", v->lon, SV__NANODEG);
    sv__json_set_fixed(o, "h", v->h, SV__MM);
    sv__json_set_fixed(o, "t", v->fix_time, SV__MM);
    json_object_set_new(o, "q", quality_json(&v->q));
    if (v->jump)
        json_object_set_new(o, "jump", json_integer(1));
    return record(j, "vertex", o, seq);
}

/* 1 when number is a current boundary point of unit, 0 when not, an sv_err on failure. */
static int point_current(sv_journal *j, const char *unit, const char *number)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(j->db, "SELECT 1 FROM st_points WHERE unit = ? AND number = ?", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        return sv__journal_fail_db(j, rc, "journal state");
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sv__journal_fail_db(j, rc, "journal state");
    return rc == SQLITE_ROW;
}

/* The rows sql gives for unit (?1) and point number (?2), each one text column, joined by ", "
 * into buf ("" when none); ?3 is with_entry. Returns SV_OK or an error. */
static int joined_at(sv_journal *j, const char *sql, const char *unit, const char *number,
                     int with_entry, char *buf, size_t len)
{
    buf[0] = 0;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(j->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sv__journal_fail_db(j, rc, "journal state");
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, with_entry);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t n = strlen(buf);
        if (n + 1 < len)
            snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
                     (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SV_OK : sv__journal_fail_db(j, rc, "journal state");
}

/* The current lines of unit that end at number, as "J1-J2 (entry 7), ..." in buf (empty when
 * none). Returns SV_OK or an error. */
static int lines_at(sv_journal *j, const char *unit, const char *number, char *buf, size_t len,
                    int with_entry)
{
    return joined_at(j,
                     "SELECT a || '-' || b || CASE WHEN ?3 THEN ' (entry ' || seq || ')' ELSE ''"
                     " END FROM st_lines WHERE unit = ?1 AND (a = ?2 OR b = ?2) ORDER BY seq",
                     unit, number, with_entry, buf, len);
}

/* The current disputes of unit whose stretch ends at point number, as "NUMBER (A-B)" joined by
 * ", " into buf; "" when none. A dispute's stretch ending at a withdrawn point would silently
 * cover no line (the exports would lose that the boundary there is disputed). */
static int disputes_at(sv_journal *j, const char *unit, const char *number, char *buf, size_t len)
{
    return joined_at(j,
                     "SELECT number || ' (' || a || '-' || b || ')' FROM st_disputes"
                     " WHERE unit = ?1 AND (a = ?2 OR b = ?2) ORDER BY seq",
                     unit, number, 0, buf, len);
}

/*
 * A boundary line joins two current boundary points of its unit: a line whose end is not a
 * point could never be drawn, and would vanish from every export. The other half of the rule
 * is in do_void (and in do_point for a correction that renumbers): a point that a current
 * line uses cannot be withdrawn until the line is.
 */
/* The ends of a boundary line (of a line, or of the stretch a dispute is about): two different
 * current boundary points of the unit. what names the thing in messages ("line", "dispute"). */
static int line_ends_valid(sv_journal *j, const char *unit, const char *from, const char *to,
                           const char *what)
{
    if (!from[0] || !to[0])
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("a %s along the boundary needs both end points "
                                     "(from %s to %s)"),
                                what, from[0] ? from : "?", to[0] ? to : "?");
    if (strcmp(from, to) == 0)
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("%s %s-%s of unit %s: the end points are the same"), what,
                                from, to, unit);
    for (int end = 0; end < 2; end++) {
        const char *num = end ? to : from;
        int rc = point_current(j, unit, num);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return sv__journal_fail(
                j, SV_ENOTFOUND,
                SV_T("%s %s-%s of unit %s: %s is not a current boundary point of "
                     "the unit (record the point first)"),
                what, from, to, unit, num);
    }
    return SV_OK;
}

static int do_line(sv_journal *j, const sv_bline *l, int64_t *seq)
{
    int rc = need_unit(j, l->unit);
    if (rc != SV_OK)
        return rc;
    if ((rc = texts_fit(j, SV_LIMIT_NAME_CHARS, SV_N("the neighbour"), l->neighbour,
                        (const char *)NULL)) != SV_OK)
        return rc;
    if ((rc = line_ends_valid(j, l->unit, l->from, l->to, SV_T("line"))) != SV_OK)
        return rc;
    /* A line is kept as recorded (J2-J1 is not J1-J2), and recording it again in the same
     * direction replaces it; the other direction would stand beside it, and every export draws
     * one line between two points: the older record would drop out unseen. */
    sqlite3_stmt *st;
    int64_t rev = 0;
    if ((rc = sqlite3_prepare_v2(j->db,
                                 "SELECT seq FROM st_lines WHERE unit = ? AND a = ? AND b = ?", -1,
                                 &st, NULL)) != SQLITE_OK)
        return sv__journal_fail_db(j, rc, "journal state");
    sqlite3_bind_text(st, 1, l->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, l->to, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, l->from, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        rev = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rev) {
        char other[2 * SV_NUMBER_MAX + 2];
        snprintf(other, sizeof other, "%s-%s", l->to, l->from);
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("line %s-%s of unit %s: the line %s (entry %lld) joins the "
                                     "same points; record it in that direction to replace it, "
                                     "or withdraw it first (quejie void %lld)"),
                                l->from, l->to, l->unit, other, (long long)rev, (long long)rev);
    }
    json_t *o = payload_new();
    put_str(o, "unit", l->unit);
    put_str(o, "from", l->from);
    put_str(o, "to", l->to);
    put_str(o, "category", l->category);
    put_str(o, "position", l->position);
    put_str(o, "nature", l->nature);
    put_str(o, "neighbour", l->neighbour);
    return record(j, "line", o, seq);
}

int sv_correction_unchanged(const sv_unit *u, sv_field f, const char *value)
{
    if (!u || !value || (int)f < 0 || f >= SV_FIELD_COUNT || !u->fields[f])
        return 0;
    const char *a, *b;
    size_t na = sv_text_trim(value, &a), nb = sv_text_trim(u->fields[f], &b);
    return na == nb && memcmp(a, b, na) == 0;
}

static int do_verification(sv_journal *j, const sv_verification *v, int64_t *seq)
{
    int rc = need_unit(j, v->unit);
    if (rc != SV_OK)
        return rc;
    if ((int)v->field < 0 || v->field >= SV_FIELD_COUNT)
        return sv__journal_fail(j, SV_EINVAL, SV_T("unknown ownership field"));
    if (v->status == SV_VERIFY_CORRECTED && sv_text_blank(v->value))
        return sv__journal_fail(j, SV_EINVAL, SV_T("a corrected field needs its new value"));
    if (v->status == SV_VERIFY_DISPUTED && sv_text_blank(v->note))
        return sv__journal_fail(j, SV_EINVAL, SV_T("a disputed field needs a statement (note)"));
    if ((rc = texts_fit(j, SV_LIMIT_TEXT_CHARS, SV_N("the value"), v->value, SV_N("the note"),
                        v->note, (const char *)NULL)) != SV_OK)
        return rc;
    /* what the crew verified: the value registered now (a package that changes it later
     * leaves this verification standing but not counting, sv_state_verifications) */
    sv_unit u;
    if ((rc = sv_state_unit(j, v->unit, &u)) != SV_OK)
        return rc;
    if (v->status == SV_VERIFY_CORRECTED && sv_correction_unchanged(&u, v->field, v->value)) {
        sv_unit_clear(&u);
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("%s is already registered as '%s': record it as confirmed, "
                                     "not corrected"),
                                sv_field_name(v->field), v->value);
    }
    json_t *o = payload_new();
    put_str(o, "unit", v->unit);
    put_str(o, "field", sv_field_name(v->field));
    put_str(o, "status", sv_vstatus_name(v->status));
    put_str(o, "value", v->value);
    put_str(o, "note", v->note);
    /* "" too: a blank registered value is one, unlike an entry from before this member (the
     * value came from a payload: it is UTF-8) */
    json_object_set_new(o, "registered", json_string(u.fields[v->field] ? u.fields[v->field] : ""));
    sv_unit_clear(&u);
    return record(j, "verify", o, seq);
}

static int do_dispute(sv_journal *j, const sv_dispute *d, int64_t *seq)
{
    int rc = need_unit(j, d->unit);
    if (rc != SV_OK)
        return rc;
    if (sv_text_blank(d->statement))
        return sv__journal_fail(j, SV_EINVAL, SV_T("a dispute needs a statement"));
    if ((rc = texts_fit(j, SV_LIMIT_TEXT_CHARS, SV_N("the parties"), d->parties,
                        SV_N("the statement"), d->statement, (const char *)NULL)) != SV_OK)
        return rc;
    if ((d->from[0] || d->to[0]) &&
        (rc = line_ends_valid(j, d->unit, d->from, d->to, SV_T("dispute"))) != SV_OK)
        return rc;
    char why[160];
    if (sv_geom_check_limits(&d->area, why, sizeof why) != SV_OK)
        return sv__journal_fail(j, SV_EINVAL, SV_T("the disputed area: %s"), why);
    json_t *o = payload_new();
    put_str(o, "unit", d->unit);
    put_str(o, "parties", d->parties);
    put_str(o, "statement", d->statement);
    put_str(o, "from", d->from);
    put_str(o, "to", d->to);
    if (d->area.n_parts)
        json_object_set_new(o, "geom", sv__geom_to_json(&d->area));
    if (d->settled)
        json_object_set_new(o, "settled", json_integer(1));
    put_str(o, "number", d->number);
    return record(j, "dispute", o, seq);
}

/* The settlement of a current dispute of the unit that is still open. */
static int do_settlement(sv_journal *j, const sv_settlement *s, int64_t *seq)
{
    int rc = need_unit(j, s->unit);
    if (rc != SV_OK)
        return rc;
    if (sv_text_blank(s->agreement))
        return sv__journal_fail(j, SV_EINVAL, SV_T("a settlement needs the agreement text"));
    if ((rc = texts_fit(j, SV_LIMIT_TEXT_CHARS, SV_N("the agreement"), s->agreement,
                        (const char *)NULL)) != SV_OK)
        return rc;
    sqlite3_stmt *st;
    rc = sqlite3_prepare_v2(j->db,
                            "SELECT settled, EXISTS (SELECT 1 FROM st_settlements s WHERE"
                            " s.dispute = d.seq AND s.unit = d.unit) FROM st_disputes d"
                            " WHERE d.seq = ? AND d.unit = ?",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sv__journal_fail_db(j, rc, "journal state");
    sqlite3_bind_int64(st, 1, s->dispute);
    sqlite3_bind_text(st, 2, s->unit, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    int found = rc == SQLITE_ROW;
    int settled = found && (sqlite3_column_int(st, 0) || sqlite3_column_int(st, 1));
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sv__journal_fail_db(j, rc, "journal state");
    if (!found)
        return sv__journal_fail(j, SV_ENOTFOUND,
                                SV_T("entry %lld is not a current dispute of unit %s (see quejie "
                                     "dispute list)"),
                                (long long)s->dispute, s->unit);
    if (settled)
        return sv__journal_fail(j, SV_EINVAL, SV_T("dispute %lld of unit %s is already settled"),
                                (long long)s->dispute, s->unit);
    json_t *o = payload_new();
    put_str(o, "unit", s->unit);
    json_object_set_new(o, "dispute", json_integer(s->dispute));
    put_str(o, "agreement", s->agreement);
    put_str(o, "number", s->number);
    return record(j, "settle", o, seq);
}

static int note_point(sv_journal *j, const sv_note *n, const char *num)
{
    if (!num[0])
        return sv__journal_fail(j, SV_EINVAL, SV_T("a note on a line needs both its end points"));
    int rc = point_current(j, n->unit, num);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return sv__journal_fail(
            j, SV_ENOTFOUND,
            SV_T("note on unit %s: %s is not a current boundary point of the unit"), n->unit, num);
    return SV_OK;
}

static int do_note(sv_journal *j, const sv_note *n, int64_t *seq)
{
    int rc = need_unit(j, n->unit);
    if (rc != SV_OK)
        return rc;
    int on_line = n->from[0] || n->to[0];
    if (n->point[0] && on_line)
        return sv__journal_fail(j, SV_EINVAL, SV_T("a note is on a point or on a line, not both"));
    if (n->point[0] && (rc = note_point(j, n, n->point)) != SV_OK)
        return rc;
    if (on_line) {
        if ((rc = note_point(j, n, n->from)) != SV_OK || (rc = note_point(j, n, n->to)) != SV_OK)
            return rc;
        if (strcmp(n->from, n->to) == 0)
            return sv__journal_fail(
                j, SV_EINVAL, SV_T("note on line %s-%s of unit %s: the end points are the same"),
                n->from, n->to, n->unit);
    }
    const char *label = NULL;
    if (n->phrase[0]) {
        const sv_reason *r = sv_note_phrase_find(n->phrase);
        if (r)
            label = r->label;
        else if (sv_state_code_known(j, SV_NOTE_PHRASE_LIST, n->phrase) != 1)
            return sv__journal_fail(
                j, SV_EINVAL,
                SV_T("note phrase '%s' is not a known phrase (the library's or the "
                     "journal's '%s' code list)"),
                n->phrase, SV_NOTE_PHRASE_LIST);
    }
    const char *text = !sv_text_blank(n->text) ? n->text : label;
    if (!text && n->phrase[0])
        text = n->phrase; /* a county's phrase: its code is its text */
    if (!text)
        return sv__journal_fail(j, SV_EINVAL, SV_T("a note needs a text or a phrase"));
    if ((rc = texts_fit(j, SV_LIMIT_TEXT_CHARS, SV_N("the note"), text, (const char *)NULL)) !=
        SV_OK)
        return rc;
    json_t *o = payload_new();
    put_str(o, "unit", n->unit);
    put_str(o, "point", n->point);
    if (on_line) {
        put_str(o, "from", n->from);
        put_str(o, "to", n->to);
    }
    put_str(o, "phrase", n->phrase);
    put_str(o, "text", text);
    return record(j, "note", o, seq);
}

/* A file kept with a unit: its bytes into the journal's files table (once per SHA-256), then
 * the entry that names them, in the same transaction: an entry never names bytes the journal
 * does not hold. */
static int do_attachment(sv_journal *j, sv_attachment *a, const void *data, size_t len,
                         int64_t *seq)
{
    int rc = need_unit(j, a->unit);
    if (rc != SV_OK)
        return rc;
    if (a->point[0]) {
        if ((rc = point_current(j, a->unit, a->point)) < 0)
            return rc;
        if (rc == 0)
            return sv__journal_fail(j, SV_ENOTFOUND,
                                    SV_T("%s is not a current boundary point of unit %s"), a->point,
                                    a->unit);
    }
    if (!sv_attach_what_ok(a->what))
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("'%s' is not what a file can be: signed_form, agreement, "
                                     "dispute_statement, notice, photo or other"),
                                a->what);
    if (!sv_attach_name_ok(a->name) || strlen(a->name) >= sizeof a->name)
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("the file's name must be UTF-8 text of at most %zu bytes, "
                                     "without a path or control characters"),
                                sizeof a->name - 1);
    if (!data || len == 0)
        return sv__journal_fail(j, SV_EINVAL, SV_T("%s is empty"), a->name);
    if (len > SV_ATTACH_MAX_BYTES)
        return sv__journal_fail(j, SV_EINVAL, SV_T("%s has %zu bytes; the limit is %u (32 MiB)"),
                                a->name, len, SV_ATTACH_MAX_BYTES);
    const char *type = sv_attach_type(data, len);
    if (!type)
        return sv__journal_fail(j, SV_EINVAL, SV_T("%s is not a JPEG, PNG or PDF"), a->name);
    if ((rc = texts_fit(j, SV_LIMIT_TEXT_CHARS, SV_N("the note"), a->note, (const char *)NULL)) !=
        SV_OK)
        return rc;
    uint8_t md[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(md, data, len);
    sodium_bin2hex(a->sha256, sizeof a->sha256, md, sizeof md);
    sv__strlcpy(a->type, type, sizeof a->type);
    a->bytes = (int64_t)len;
    sqlite3_stmt *st;
    int src = sqlite3_prepare_v2(j->db,
                                 "INSERT OR IGNORE INTO files(sha256, type, bytes, data)"
                                 " VALUES (?, ?, ?, ?)",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(st, 1, a->sha256, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, a->type, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, a->bytes);
        sqlite3_bind_blob64(st, 4, data, len, SQLITE_STATIC);
        src = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (src != SQLITE_DONE && src != SQLITE_OK)
        return sv__journal_fail_db(j, src, "journal files");
    json_t *o = payload_new(), *f = json_object();
    put_str(o, "unit", a->unit);
    put_str(o, "point", a->point);
    put_str(o, "what", a->what);
    put_str(o, "note", a->note);
    put_str(f, "sha256", a->sha256);
    put_str(f, "type", a->type);
    json_object_set_new(f, "bytes", json_integer(a->bytes));
    put_str(f, "name", a->name);
    if (json_object_get(f, BAD_TEXT_KEY))
        json_object_set_new(o, BAD_TEXT_KEY, json_string("the file's name"));
    json_object_set_new(o, "file", f);
    return record(j, "attach", o, seq);
}

static int do_attendance(sv_journal *j, const sv_attendance *a, int64_t *seq)
{
    int rc = need_unit(j, a->unit);
    if (rc != SV_OK)
        return rc;
    if (sv_text_blank(a->party))
        return sv__journal_fail(j, SV_EINVAL, SV_T("attendance needs the party's name"));
    if ((rc = texts_fit(j, SV_LIMIT_NAME_CHARS, SV_N("the party"), a->party, SV_N("the person"),
                        a->person, (const char *)NULL)) != SV_OK)
        return rc;
    /* a date given but wrong is named before "needs a date": the crew typed one */
    if (a->notice_date[0] && !sv_date_ok(a->notice_date))
        return sv__journal_fail(
            j, SV_EINVAL, SV_T("notice date '%s' is not a real date (YYYY-MM-DD, e.g. 2026-05-12)"),
            a->notice_date);
    if (a->presence == SV_ABSENT && !sv_date_ok(a->notice_date))
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("an absent party needs the date the notice was served "
                                     "(YYYY-MM-DD, a real date)"));
    /* attendance is recorded after the notice was served: a date to come is a slip of the
     * keyboard that would start the objection clock late (a day's grace for the time zone) */
    char today[11], tomorrow[11];
    int64_t now = sv_wall_ms();
    sv_local_date_of(now, today);
    sv_local_date_of(now + 86400000, tomorrow);
    if (a->notice_date[0] && tomorrow[0] && strcmp(a->notice_date, tomorrow) > 0)
        return sv__journal_fail(
            j, SV_EINVAL,
            SV_T("notice date %s has not come yet (today is %s on this device's "
                 "clock): give the date the notice was served, or set the clock"),
            a->notice_date, today);
    /* the notice (违约缺席定界通知书) is served on an absent party only: a date beside anyone else
     * would start an objection clock nobody has */
    if (a->notice_date[0] && a->presence != SV_ABSENT)
        return sv__journal_fail(
            j, SV_EINVAL,
            a->presence == SV_PRESENT
                ? SV_T("a notice date is for an absent party; %s was present (leave the date "
                       "out)")
                : SV_T("a notice date is for an absent party; %s was represented by a proxy "
                       "(leave the date out)"),
            a->party);
    /* a party that signed attended: recording it absent as well would serve the absent party's
     * notice on someone whose signature the forms print (a tap on the wrong row) */
    if (a->presence == SV_ABSENT) {
        const char *b;
        size_t n = sv_text_trim(a->party, &b);
        sqlite3_stmt *st;
        int64_t signed_at = 0;
        if (sqlite3_prepare_v2(j->db,
                               "SELECT max(seq) FROM st_signatures WHERE unit = ?1 AND party = ?2",
                               -1, &st, NULL) != SQLITE_OK)
            return sv__journal_fail(j, SV_EIO, "journal state: %s", sqlite3_errmsg(j->db));
        sqlite3_bind_text(st, 1, a->unit, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, b, (int)n, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            signed_at = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (signed_at > 0)
            return sv__journal_fail(j, SV_EEXIST,
                                    SV_T("%.*s signed for unit %s (entry %lld): a party that "
                                         "signed attended, it cannot be recorded absent (if the "
                                         "signature was taken for the wrong party, withdraw it "
                                         "with a void first)"),
                                    (int)n, b, a->unit, (long long)signed_at);
    }
    json_t *o = payload_new();
    put_str(o, "unit", a->unit);
    put_party(o, a->party);
    put_str(o, "person", a->person);
    put_str(o, "presence", sv_presence_name(a->presence));
    put_str(o, "notice", a->notice_date);
    return record(j, "attend", o, seq);
}

/* The strokes of s as the payload's [[x, y, x, y, ...], ...], judged by
 * sv_signature_strokes_check first. *out is NULL on failure (the message is set). */
static int strokes_json(sv_journal *j, const sv_signature *s, json_t **out)
{
    *out = NULL;
    char why[160];
    if (sv_signature_strokes_check(s->xy, s->n_xy, why, sizeof why) != SV_OK)
        return sv__journal_fail(j, SV_EINVAL, "%s", why);
    json_t *all = json_array(), *cur = NULL;
    int bad = !all;
    for (size_t i = 0; !bad && i < s->n_xy; i++) {
        int32_t x = s->xy[2 * i], y = s->xy[2 * i + 1];
        if (x == -1 && y == -1) {
            bad = cur && json_array_append_new(all, cur) != 0;
            cur = NULL;
            continue;
        }
        if (!cur && !(cur = json_array()))
            bad = 1;
        else
            bad = json_array_append_new(cur, json_integer(x)) != 0 ||
                  json_array_append_new(cur, json_integer(y)) != 0;
    }
    if (!bad && cur) /* the end of xy ended the last stroke */
        bad = json_array_append_new(all, cur) != 0;
    else
        json_decref(cur);
    if (bad) {
        json_decref(all);
        return sv__journal_fail(j, SV_ENOMEM, "out of memory");
    }
    *out = all;
    return SV_OK;
}

static int do_signature(sv_journal *j, const sv_signature *s, int64_t *seq)
{
    int rc = need_unit(j, s->unit);
    if (rc != SV_OK)
        return rc;
    if (sv_text_blank(s->party))
        return sv__journal_fail(j, SV_EINVAL, SV_T("a signature needs the party that signs"));
    if (sv_text_blank(s->signer))
        return sv__journal_fail(j, SV_EINVAL, SV_T("a signature needs the signer's name"));
    if ((rc = texts_fit(j, SV_LIMIT_NAME_CHARS, SV_N("the party"), s->party, SV_N("the signer"),
                        s->signer, SV_N("the role"), s->role, (const char *)NULL)) != SV_OK)
        return rc;
    static const uint8_t zero[SV_HASH_BYTES];
    if (sodium_memcmp(s->covers, zero, SV_HASH_BYTES) == 0)
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("a signature must say which boundary it covers (covers is all "
                                     "zeros: take it from sv_state_boundary_digest)"));
    json_t *strokes;
    if ((rc = strokes_json(j, s, &strokes)) != SV_OK)
        return rc;
    char hex[2 * SV_HASH_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, s->covers, SV_HASH_BYTES);
    json_t *o = payload_new();
    put_str(o, "unit", s->unit);
    put_party(o, s->party);
    put_str(o, "signer", s->signer);
    put_str(o, "role", s->role);
    json_object_set_new(o, "strokes", strokes);
    put_str(o, "covers", hex);
    return record(j, "sign", o, seq);
}

int sv_code_list_known(sv_journal *j, const char *list)
{
    if (!list || !*list)
        return sv__journal_fail(j, SV_EINVAL, "a code list needs a name");
    sqlite3_stmt *st;
    char known[512] = SV_NOTE_PHRASE_LIST; /* a county's note phrases start with none */
    int exists = strcmp(list, SV_NOTE_PHRASE_LIST) == 0;
    if (sqlite3_prepare_v2(j->db,
                           "SELECT DISTINCT list FROM st_codes WHERE list <> ?1 ORDER BY list", -1,
                           &st, NULL) != SQLITE_OK)
        return sv__journal_fail(j, SV_EIO, "journal state: %s", sqlite3_errmsg(j->db));
    sqlite3_bind_text(st, 1, SV_NOTE_PHRASE_LIST, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *l = (const char *)sqlite3_column_text(st, 0);
        size_t len = strlen(known);
        exists |= l && strcmp(l, list) == 0;
        if (l && len + strlen(l) + 3 < sizeof known)
            snprintf(known + len, sizeof known - len, "%s%s", len ? ", " : "", l);
    }
    sqlite3_finalize(st);
    if (!exists)
        return sv__journal_fail(j, SV_EINVAL, "there is no code list '%s' (the lists are %s)", list,
                                known);
    return SV_OK;
}

static int do_code(sv_journal *j, const char *list, const char *code, const char *label,
                   int64_t *seq)
{
    if (!list || !*list || !code || !*code)
        return sv__journal_fail(j, SV_EINVAL, "a code-list value needs a list and a code");
    if (strlen(list) > SV_LIMIT_CODE_BYTES || strlen(code) > SV_LIMIT_CODE_BYTES)
        return sv__journal_fail(j, SV_EINVAL, "a code-list name or code is longer than %d bytes",
                                SV_LIMIT_CODE_BYTES);
    int rc = texts_fit(j, SV_LIMIT_NAME_CHARS, SV_N("the label"), label, (const char *)NULL);
    if (rc != SV_OK)
        return rc;
    /* Values join the lists the journal was seeded with: a list name mistyped would otherwise
     * start a list nothing reads, and the crew would look for the value in vain. */
    if ((rc = sv_code_list_known(j, list)) != SV_OK)
        return rc;
    json_t *o = payload_new();
    put_str(o, "list", list);
    put_str(o, "code", code);
    put_str(o, "label", label);
    return record(j, "code", o, seq);
}

/* Settings the library itself reads are checked here, so a bad value cannot be recorded and
 * break every later command. Other keys are the caller's business. */
const char *const *sv_config_keys(void)
{
    /* one list: config_valid below has a rule for each */
    static const char *const keys[] = {
        "accept",           "average.epochs",      "average.seconds",  "unit.code-pattern",
        SV_CFG_POINT_LIMIT, SV_CFG_ANTENNA_HEIGHT, SV_CFG_DECLINATION, NULL};
    return keys;
}

static int config_valid(sv_journal *j, const char *key, const char *value)
{
    char *end;
    if (strcmp(key, "accept") == 0) {
        sv_grade g;
        if (sv_grade_parse(value, &g) != SV_OK || g == SV_GRADE_NONE)
            return sv__journal_fail(j, SV_EINVAL, "accept: use gps, dgps, rtk-float or rtk-fixed");
    } else if (strcmp(key, "average.epochs") == 0) {
        long n = strtol(value, &end, 10);
        if (end == value || *end || n < 1 || n > 100000)
            return sv__journal_fail(j, SV_EINVAL, "average.epochs: a whole number from 1");
    } else if (strcmp(key, "average.seconds") == 0) {
        double t = strtod(value, &end);
        if (end == value || *end || !isfinite(t) || t < 0 || t > 86400)
            return sv__journal_fail(j, SV_EINVAL, "average.seconds: a number of seconds >= 0");
    } else if (strcmp(key, SV_CFG_POINT_LIMIT) == 0) {
        double m = strtod(value, &end);
        if (end == value || *end || !isfinite(m) || m <= 0 || m > 20100000)
            return sv__journal_fail(j, SV_EINVAL,
                                    "%s: a distance in metres greater than 0 (default %g)",
                                    SV_CFG_POINT_LIMIT, SV_POINT_LIMIT_M);
    } else if (strcmp(key, SV_CFG_ANTENNA_HEIGHT) == 0) {
        double m = strtod(value, &end);
        if (end == value || *end || !isfinite(m) || m < 0 || m > SV_POLE_MAX_M)
            return sv__journal_fail(j, SV_EINVAL, "%s: the pole height in metres, 0 to %g",
                                    SV_CFG_ANTENNA_HEIGHT, SV_POLE_MAX_M);
    } else if (strcmp(key, SV_CFG_DECLINATION) == 0) {
        double d = strtod(value, &end);
        if (end == value || *end || !isfinite(d) || d < -90 || d > 90)
            return sv__journal_fail(j, SV_EINVAL,
                                    "%s: the magnetic declination in degrees, east positive "
                                    "(-90 to 90)",
                                    SV_CFG_DECLINATION);
    } else if (strcmp(key, "unit.code-pattern") == 0) {
        regex_t re;
        if (*value && regcomp(&re, value, REG_EXTENDED | REG_NOSUB) != 0)
            return sv__journal_fail(j, SV_EINVAL,
                                    "unit.code-pattern: '%s' is not a valid "
                                    "extended regular expression",
                                    value);
        if (*value)
            regfree(&re);
        if (strlen(value) >= sizeof j->cfgbuf)
            return sv__journal_fail(j, SV_EINVAL, "unit.code-pattern: too long");
    }
    return SV_OK;
}

sv_avg_opts sv_state_avg_opts(sv_journal *j)
{
    sv_avg_opts o = sv_avg_defaults();
    const char *v;
    /* a value config_valid refuses (set by an older version) is passed over; its message is
     * not the caller's concern, the journal's last message stays */
    char keep[sizeof j->errmsg];
    memcpy(keep, j->errmsg, sizeof keep);
    if ((v = sv_state_config(j, "accept", NULL)) && config_valid(j, "accept", v) == SV_OK)
        sv_grade_parse(v, &o.accept);
    if ((v = sv_state_config(j, "average.epochs", NULL)) &&
        config_valid(j, "average.epochs", v) == SV_OK)
        o.epochs = atoi(v);
    if ((v = sv_state_config(j, "average.seconds", NULL)) &&
        config_valid(j, "average.seconds", v) == SV_OK)
        o.min_seconds = strtod(v, NULL);
    memcpy(j->errmsg, keep, sizeof keep);
    return o;
}

static int do_config(sv_journal *j, const char *key, const char *value, int64_t *seq)
{
    if (!key || !*key)
        return sv__journal_fail(j, SV_EINVAL, "a configuration key is needed");
    if (!value)
        value = "";
    int rc = texts_fit(j, SV_LIMIT_TEXT_CHARS, SV_N("the key"), key, SV_N("the value"), value,
                       (const char *)NULL);
    if (rc == SV_OK)
        rc = config_valid(j, key, value);
    if (rc != SV_OK)
        return rc;
    json_t *o = payload_new();
    put_str(o, "key", key);
    json_t *v = json_string(value);
    if (v)
        json_object_set_new(o, "value", v);
    else
        json_object_set_new(o, BAD_TEXT_KEY, json_string("value"));
    return record(j, "config", o, seq);
}

/* The current boundary point at entry target: its unit and number (number empty when none). */
static int point_at(sv_journal *j, int64_t target, char unit[SV_CODE_MAX],
                    char number[SV_NUMBER_MAX])
{
    sqlite3_stmt *st;
    unit[0] = number[0] = '\0';
    int rc = sqlite3_prepare_v2(j->db, "SELECT unit, number FROM st_points WHERE seq = ?", -1, &st,
                                NULL);
    if (rc != SQLITE_OK)
        return sv__journal_fail_db(j, rc, "journal state");
    sqlite3_bind_int64(st, 1, target);
    if (sqlite3_step(st) == SQLITE_ROW) {
        sv__strlcpy(unit, (const char *)sqlite3_column_text(st, 0), SV_CODE_MAX);
        sv__strlcpy(number, (const char *)sqlite3_column_text(st, 1), SV_NUMBER_MAX);
    }
    sqlite3_finalize(st);
    return SV_OK;
}

/* The points of other units that share point number of unit, as "unit number" joined by ", "
 * into buf ("" when none). */
static int shares_of(sv_journal *j, const char *unit, const char *number, char *buf, size_t len)
{
    return joined_at(j,
                     "SELECT unit || ' ' || number FROM st_points"
                     " WHERE shared_unit = ?1 AND shared_number = ?2 AND ?3 = ?3 ORDER BY seq",
                     unit, number, 0, buf, len);
}

int sv_void_blocking_lines(sv_journal *j, int64_t target_seq, char *lines, size_t len)
{
    if (!j || !lines || len == 0)
        return SV_EINVAL;
    lines[0] = '\0';
    char unit[SV_CODE_MAX], number[SV_NUMBER_MAX];
    int rc = point_at(j, target_seq, unit, number);
    if (rc == SV_OK && number[0])
        rc = lines_at(j, unit, number, lines, len, 0);
    if (rc == SV_OK && number[0] && !lines[0]) {
        rc = shares_of(j, unit, number, lines, len);
        if (rc == SV_OK && lines[0])
            return 3;
    }
    if (rc == SV_OK && number[0] && !lines[0]) {
        rc = disputes_at(j, unit, number, lines, len);
        if (rc == SV_OK && lines[0])
            return 2;
    }
    return rc != SV_OK ? rc : lines[0] != '\0';
}

/* When entry seq is a current boundary point used by a current line: fail naming the lines. */
static int refuse_if_line_end(sv_journal *j, int64_t target, const char *what)
{
    char unit[SV_CODE_MAX], number[SV_NUMBER_MAX];
    int rc = point_at(j, target, unit, number);
    if (rc != SV_OK)
        return rc;
    if (!number[0])
        return SV_OK;
    char lines[300];
    rc = lines_at(j, unit, number, lines, sizeof lines, 1);
    if (rc != SV_OK)
        return rc;
    if (lines[0])
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("%s point %s of unit %s (entry %lld): the boundary line %s "
                                     "ends there; withdraw the line first (quejie void)"),
                                what, number, unit, (long long)target, lines);
    char shared[300];
    rc = shares_of(j, unit, number, shared, sizeof shared);
    if (rc != SV_OK)
        return rc;
    if (shared[0])
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("%s point %s of unit %s (entry %lld): it is shared as %s; "
                                     "withdraw the sharing there first (quejie void), or "
                                     "re-measure the point (a correction keeps its number and "
                                     "moves both)"),
                                what, number, unit, (long long)target, shared);
    rc = disputes_at(j, unit, number, lines, sizeof lines);
    if (rc != SV_OK || !lines[0])
        return rc;
    return sv__journal_fail(j, SV_EINVAL,
                            SV_T("%s point %s of unit %s (entry %lld): the stretch of dispute %s "
                                 "ends there; withdraw the dispute first (quejie void), or "
                                 "re-measure the point (a correction keeps its number)"),
                            what, number, unit, (long long)target, lines);
}

static int do_void(sv_journal *j, int64_t target_seq, const char *reason, int64_t *seq)
{
    if (sv_text_blank(reason))
        return sv__journal_fail(j, SV_EINVAL, SV_T("withdrawing an entry needs a reason"));
    int rc = texts_fit(j, SV_LIMIT_TEXT_CHARS, SV_N("the reason"), reason, (const char *)NULL);
    if (rc != SV_OK)
        return rc;
    if (target_seq < 1 || target_seq > sv_journal_last_seq(j))
        return sv__journal_fail(j, SV_ENOTFOUND, SV_T("there is no entry %lld"),
                                (long long)target_seq);
    char kind[32] = "";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(j->db, "SELECT kind FROM entries WHERE seq = ?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(st, 1, target_seq);
        if (sqlite3_step(st) == SQLITE_ROW)
            sv__strlcpy(kind, (const char *)sqlite3_column_text(st, 0), sizeof kind);
        sqlite3_finalize(st);
    }
    const sv_kind_info *k = sv_kind_find(kind);
    if (k && !(k->flags & SV_KIND_VOIDABLE) && strcmp(kind, "void") == 0)
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("entry %lld is a void, which a void cannot withdraw (what it "
                                     "withdrew stays withdrawn: record that again instead)"),
                                (long long)target_seq);
    if (k && !(k->flags & SV_KIND_VOIDABLE))
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("entry %lld is of kind '%s', which a void cannot withdraw "
                                     "(units, code lists and settings are changed by new entries)"),
                                (long long)target_seq, kind);
    /* A void withdraws something standing: an entry withdrawn already, or a point a later
     * entry corrected, would be withdrawn by an entry that changes nothing. */
    int64_t by = 0;
    const char *sql =
        strcmp(kind, "point") == 0
            ? "SELECT coalesce((SELECT seq FROM st_voided WHERE target = ?1), 0),"
              " (SELECT seq FROM st_points WHERE seq = ?1) IS NULL,"
              " coalesce((SELECT min(seq) FROM entries WHERE kind = 'point' AND seq > ?1"
              " AND json_extract(payload, '$.supersedes') = ?1), 0)"
            : "SELECT coalesce((SELECT seq FROM st_voided WHERE target = ?1), 0), 0, 0";
    int gone = 0;
    int64_t corrected_by = 0;
    if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sv__journal_fail(j, SV_EIO, "journal state: %s", sqlite3_errmsg(j->db));
    sqlite3_bind_int64(st, 1, target_seq);
    if (sqlite3_step(st) == SQLITE_ROW) {
        by = sqlite3_column_int64(st, 0);
        gone = sqlite3_column_int(st, 1);
        corrected_by = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (by)
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("entry %lld was already withdrawn (by entry %lld)"),
                                (long long)target_seq, (long long)by);
    if (gone && corrected_by) {
        /* name the point as it stands now: corrections of corrections followed to the last
         * (naming the first correction sent the crew to another refusal) */
        int64_t last = corrected_by;
        if (sqlite3_prepare_v2(j->db,
                               "SELECT min(seq) FROM entries WHERE kind = 'point' AND seq > ?1"
                               " AND json_extract(payload, '$.supersedes') = ?1",
                               -1, &st, NULL) == SQLITE_OK) {
            for (int hop = 0; hop < 100000; hop++) {
                sqlite3_reset(st);
                sqlite3_bind_int64(st, 1, last);
                if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL)
                    break;
                last = sqlite3_column_int64(st, 0);
            }
            sqlite3_finalize(st);
        }
        if (last != corrected_by)
            return sv__journal_fail(
                j, SV_EINVAL,
                SV_T("entry %lld is not a current point: entry %lld corrected it, and later "
                     "corrections lead to entry %lld; withdraw that one instead"),
                (long long)target_seq, (long long)corrected_by, (long long)last);
        return sv__journal_fail(j, SV_EINVAL,
                                SV_T("entry %lld is not a current point: entry %lld corrected it; "
                                     "withdraw the current one instead"),
                                (long long)target_seq, (long long)corrected_by);
    }
    rc = refuse_if_line_end(j, target_seq, SV_T("cannot withdraw"));
    if (rc != SV_OK)
        return rc;
    /* A dispute settled on site keeps the settlement's record: its agreement and the parties'
     * signatures name it. Withdrawing the settlement reopens it; then it can go. */
    if (strcmp(kind, "dispute") == 0) {
        int64_t settled_by = 0;
        if (sqlite3_prepare_v2(j->db,
                               "SELECT max(seq) FROM st_settlements WHERE dispute = ?1 AND seq NOT"
                               " IN (SELECT target FROM st_voided)",
                               -1, &st, NULL) != SQLITE_OK)
            return sv__journal_fail(j, SV_EIO, "journal state: %s", sqlite3_errmsg(j->db));
        sqlite3_bind_int64(st, 1, target_seq);
        if (sqlite3_step(st) == SQLITE_ROW)
            settled_by = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (settled_by)
            return sv__journal_fail(j, SV_EINVAL,
                                    SV_T("dispute entry %lld was settled on site (entry %lld): "
                                         "withdraw the settlement first"),
                                    (long long)target_seq, (long long)settled_by);
    }
    json_t *o = payload_new();
    json_object_set_new(o, "target", json_integer(target_seq));
    put_str(o, "reason", reason);
    return record(j, "void", o, seq);
}

/* Public recording calls: each runs in its own write transaction (or batch savepoint). */
#define RECORD_IN_TXN(call)                                                                        \
    do {                                                                                           \
        int own_, rc_ = sv__journal_write_begin(j, &own_);                                         \
        if (rc_ != SV_OK)                                                                          \
            return rc_;                                                                            \
        rc_ = (call);                                                                              \
        return sv__journal_write_end(j, own_, rc_);                                                \
    } while (0)

int sv_record_unit(sv_journal *j, const sv_unit *u, int64_t *seq)
{
    RECORD_IN_TXN(do_unit(j, u, seq));
}

static int record_point(sv_journal *j, sv_bpoint *p, int64_t *seq)
{
    RECORD_IN_TXN(do_point(j, p, seq));
}

int sv_record_point(sv_journal *j, sv_bpoint *p, int64_t *seq)
{
    /* A number the journal chose is written back only with the entry: a caller retrying after
     * SV_EBUSY asks again for the next free number instead of claiming one never recorded. */
    int chosen = !p->number[0];
    int rc = record_point(j, p, seq);
    if (rc != SV_OK && chosen)
        p->number[0] = '\0';
    return rc;
}

int sv_record_share(sv_journal *j, sv_share *s, int64_t *seq)
{
    if (!s)
        return SV_EINVAL;
    RECORD_IN_TXN(do_share(j, s, seq));
}

int sv_record_point_change(sv_journal *j, int64_t point_seq, const char *marker,
                           const char *point_type, const char *reason, int64_t *seq)
{
    RECORD_IN_TXN(do_point_change(j, point_seq, marker, point_type, reason, seq));
}

int sv_record_vertex(sv_journal *j, const sv_vertex *v, int64_t *seq)
{
    RECORD_IN_TXN(do_vertex(j, v, seq));
}

int sv_record_line(sv_journal *j, const sv_bline *l, int64_t *seq)
{
    RECORD_IN_TXN(do_line(j, l, seq));
}

int sv_record_verification(sv_journal *j, const sv_verification *v, int64_t *seq)
{
    RECORD_IN_TXN(do_verification(j, v, seq));
}

int sv_record_dispute(sv_journal *j, const sv_dispute *d, int64_t *seq)
{
    RECORD_IN_TXN(do_dispute(j, d, seq));
}

int sv_record_settlement(sv_journal *j, const sv_settlement *s, int64_t *seq)
{
    RECORD_IN_TXN(do_settlement(j, s, seq));
}

int sv_record_note(sv_journal *j, const sv_note *n, int64_t *seq)
{
    RECORD_IN_TXN(do_note(j, n, seq));
}

int sv_record_attachment(sv_journal *j, sv_attachment *a, const void *data, size_t len,
                         int64_t *seq)
{
    RECORD_IN_TXN(do_attachment(j, a, data, len, seq));
}

int sv_record_attachment_file(sv_journal *j, sv_attachment *a, const char *path, int64_t *seq)
{
    /* read before the write transaction: a 30 MB scan off a slow card never holds the lock */
    FILE *f = fopen(path, "rb");
    if (!f)
        return sv__journal_fail(j, SV_ENOTFOUND, SV_T("%s: %s"), path, strerror(errno));
    unsigned char *b = malloc((size_t)SV_ATTACH_MAX_BYTES + 1);
    size_t n = b ? fread(b, 1, (size_t)SV_ATTACH_MAX_BYTES + 1, f) : 0;
    int bad = !b || ferror(f);
    fclose(f);
    int rc;
    if (bad)
        rc = sv__journal_fail(j, b ? SV_EIO : SV_ENOMEM, "%s: %s", path,
                              b ? "cannot be read" : "out of memory");
    else if (n > SV_ATTACH_MAX_BYTES)
        rc = sv__journal_fail(j, SV_EINVAL, SV_T("%s is larger than an attachment may be (32 MiB)"),
                              path);
    else
        rc = sv_record_attachment(j, a, b, n, seq);
    free(b);
    return rc;
}

int sv_record_attendance(sv_journal *j, const sv_attendance *a, int64_t *seq)
{
    RECORD_IN_TXN(do_attendance(j, a, seq));
}

int sv_record_signature(sv_journal *j, const sv_signature *s, int64_t *seq)
{
    RECORD_IN_TXN(do_signature(j, s, seq));
}

int sv_record_code(sv_journal *j, const char *list, const char *code, const char *label,
                   int64_t *seq)
{
    RECORD_IN_TXN(do_code(j, list, code, label, seq));
}

int sv_record_config(sv_journal *j, const char *key, const char *value, int64_t *seq)
{
    RECORD_IN_TXN(do_config(j, key, value, seq));
}

int sv_record_void(sv_journal *j, int64_t target_seq, const char *reason, int64_t *seq)
{
    RECORD_IN_TXN(do_void(j, target_seq, reason, seq));
}

/* Config lookups need a buffer that lives with the handle. */
const char *sv_state_config(sv_journal *j, const char *key, const char *def)
{
    sqlite3_stmt *st;
    const char *out = def;
    if (sqlite3_prepare_v2(j->db, "SELECT value FROM st_config WHERE key = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return def;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        sv__strlcpy(j->cfgbuf, (const char *)sqlite3_column_text(st, 0), sizeof j->cfgbuf);
        out = j->cfgbuf;
    }
    sqlite3_finalize(st);
    return out;
}
