/*
 * export.c - the journal's current state out to the formats the county office opens:
 * GeoPackage (through the private writer in gpkg.c), RFC 7946 GeoJSON (jansson) and the CSV
 * boundary-point table.
 *
 * This file holds the public entry points, the export context (export_int.h) and the loading:
 * the state of one journal or the merged state of several, each unit's plane CRS, the plane
 * coordinates and unit summaries every format shares. What a feature carries is in
 * export_layers.c, the GeoPackage layers in export_gpkg.c, GeoJSON and CSV in export_text.c.
 * What follows holds for all four files.
 *
 * It only reads: the state through state.h, plane coordinates and areas through geo.h. It
 * must never write to the journal, never drop a unit, point or line silently, and never leave
 * a partial file under the target name: every format is written to a temporary file beside
 * the target and renamed into place when complete. An unusable plane CRS (say a unit's EPSG
 * code that is no Gauss-Krueger zone) fails the export with a message. A single position
 * that geo.c refuses in the unit's otherwise valid CRS does not: the feature is still written,
 * with its geographic geometry, and with empty plane coordinates and no plane geometry, where
 * the office sees it. Whether a position is too far from the zone to be meaningful is geo.c's
 * call (its "zone reach": more than 1000 km from the central meridian is refused); this file
 * takes what sv_geo_to_plane_n returns, NaN for exactly the refused positions of a batch. A
 * unit's or walk's ellipsoidal area and perimeter do not depend on the plane CRS and are
 * given even then; only its plane area stays empty.
 *
 * Coordinates: geographic output is CGCS2000 longitude/latitude (x = lon, y = lat, in GeoJSON
 * and in GeoPackage geometry alike); plane output is the unit's Gauss-Krueger CRS with
 * x = easting, y = northing in geometry, and the attribute columns say x_north / y_east (and
 * the CSV X = northing, Y = easting, as Chinese cadastral tables do).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export_int.h"
#include "summary_int.h"
#include "survey/export.h"
#include "survey/fileio.h"
#include "survey/lifecycle.h"

int sv_export_format_parse(const char *name, sv_export_format *out)
{
    if (!name || !out)
        return SV_EINVAL;
    if (strcasecmp(name, "gpkg") == 0 || strcasecmp(name, "geopackage") == 0)
        *out = SV_EXPORT_GPKG;
    else if (strcasecmp(name, "geojson") == 0 || strcasecmp(name, "json") == 0)
        *out = SV_EXPORT_GEOJSON;
    else if (strcasecmp(name, "csv") == 0)
        *out = SV_EXPORT_CSV;
    else if (strcasecmp(name, "forms") == 0 || strcasecmp(name, "html") == 0)
        *out = SV_EXPORT_FORMS;
    else if (strcasecmp(name, "notice") == 0)
        *out = SV_EXPORT_NOTICE;
    else
        return SV_EINVAL;
    return SV_OK;
}

/* ---- The export context --------------------------------------------------------------------- */

int sv__ex_nomem(sv__ex *x)
{
    sv__diag(x->diag, "%s: out of memory", x->path);
    return SV_ENOMEM;
}

int sv__ex_geo_fail(sv__ex *x, int rc, const char *what)
{
    sv__diag(x->diag, "%s: %s: %s", x->path, what, sv_geo_errmsg(x->g));
    return rc == SV_ENOMEM ? SV_ENOMEM : SV_ECRS;
}

/* Grow a scratch array to hold n doubles. */
int sv__ex_reserve(sv__ex *x, double **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return SV_OK;
    if (n > SIZE_MAX / sizeof(double) / 2)
        return sv__ex_nomem(x);
    size_t c = *cap ? *cap : 256;
    while (c < n)
        c *= 2;
    double *b = realloc(*buf, c * sizeof *b);
    if (!b)
        return sv__ex_nomem(x);
    *buf = b;
    *cap = c;
    return SV_OK;
}

static int crs_valid(sv_crs c)
{
    return c.epsg != 0 || isfinite(c.central_meridian);
}

static int crs_equal(sv_crs a, sv_crs b)
{
    return a.epsg == b.epsg && (a.epsg != 0 || a.central_meridian == b.central_meridian);
}

/* The plane set for crs, added on first use; -1 for an invalid CRS. */
static int set_for(sv__ex *x, sv_crs crs)
{
    if (!crs_valid(crs))
        return -1;
    for (size_t i = 1; i < x->n_sets; i++)
        if (crs_equal(x->sets[i].crs, crs))
            return (int)i;
    if (x->n_sets == SV__EX_MAX_SETS)
        return -2;
    sv__ex_set *s = &x->sets[x->n_sets];
    memset(s, 0, sizeof *s);
    s->crs = crs;
    if (crs.epsg) {
        s->srs_id = crs.epsg;
        snprintf(s->suffix, sizeof s->suffix, "_%d", crs.epsg);
    } else {
        /* A custom central meridian has no EPSG code: a private srs_id above the EPSG range,
         * derived from the meridian so the same CRS gets the same id in every export. */
        double cm = crs.central_meridian;
        s->srs_id = 1000000 + (int)lround(fabs(cm) * 1000.0) + (cm < 0 ? 500000 : 0);
        char buf[24];
        snprintf(buf, sizeof buf, "%g", fabs(cm));
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = '_';
        snprintf(s->suffix, sizeof s->suffix, "_cm%s%s", cm < 0 ? "w" : "", buf);
    }
    return (int)x->n_sets++;
}

static int cmp_ukey(const void *a, const void *b)
{
    return strcmp(((const sv__ex_ukey *)a)->code, ((const sv__ex_ukey *)b)->code);
}

static long unit_find(const sv__ex *x, const char *code)
{
    sv__ex_ukey k = {code, 0};
    const sv__ex_ukey *f = bsearch(&k, x->ukeys, x->n_units, sizeof k, cmp_ukey);
    return f ? (long)f->idx : -1;
}

static int cmp_lkey(const void *a, const void *b)
{
    const sv__ex_lkey *x = a, *y = b;
    int c = strcmp(x->unit, y->unit);
    if (!c)
        c = strcmp(x->a, y->a);
    if (!c)
        c = strcmp(x->b, y->b);
    return c;
}

static int cmp_vkey_seq(const void *a, const void *b)
{
    const sv__ex_vkey *x = a, *y = b;
    int c = strcmp(x->unit, y->unit);
    if (c)
        return c;
    if (x->src != y->src)
        return (x->src > y->src) - (x->src < y->src);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int cmp_vkey_track(const void *a, const void *b)
{
    const sv__ex_vkey *x = a, *y = b;
    int c = strcmp(x->unit, y->unit);
    if (c)
        return c;
    if (x->track != y->track)
        return (x->track > y->track) - (x->track < y->track);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The line record between points a and b of unit (either direction), or NULL. Several
 * records for one pair (should the state keep corrections): the latest wins, and all of
 * them are marked used so none is drawn a second time. */
const sv_bline *sv__ex_line_take(sv__ex *x, const char *unit, const char *a, const char *b)
{
    if (strcmp(a, b) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    sv__ex_lkey k = {unit, a, b, 0};
    const sv__ex_lkey *f = bsearch(&k, x->lkeys, x->n_lines, sizeof k, cmp_lkey);
    if (!f)
        return NULL;
    const sv__ex_lkey *lo = f, *hi = f;
    while (lo > x->lkeys && cmp_lkey(lo - 1, &k) == 0)
        lo--;
    while (hi + 1 < x->lkeys + x->n_lines && cmp_lkey(hi + 1, &k) == 0)
        hi++;
    const sv__ex_lkey *best = lo;
    for (const sv__ex_lkey *p = lo; p <= hi; p++) {
        x->line_used[p->idx] = 1;
        if (x->lines[p->idx].seq > x->lines[best->idx].seq)
            best = p;
    }
    return &x->lines[best->idx];
}

/* Every plane CRS in use must work before anything is written: its central meridian must
 * project. Afterwards a failing projection can only be the position's fault. */
static int check_sets(sv__ex *x)
{
    for (size_t i = 1; i < x->n_sets; i++) {
        sv_crs crs = x->sets[i].crs;
        double cm = sv_geo_central_meridian(crs), n, e;
        char what[64];
        if (crs.epsg)
            snprintf(what, sizeof what, "EPSG:%d", crs.epsg);
        else
            snprintf(what, sizeof what, "central meridian %g", crs.central_meridian);
        if (isnan(cm)) {
            sv__diag(x->diag, "%s: %s is not a CGCS2000 Gauss-Kruger CRS", x->path, what);
            return SV_ECRS;
        }
        int rc = sv_geo_to_plane(x->g, crs, 35.0, cm, &n, &e);
        if (rc != SV_OK)
            return sv__ex_geo_fail(x, rc, what);
    }
    return SV_OK;
}

/* Project n lon/lat pairs run by run of equal set, one PROJ batch per run; ne receives
 * north,east, NaN where the set is not a plane set or geo.c refuses the position (the batch
 * gives NaN for exactly those; see the file comment). */
static void project_runs(sv__ex *x, size_t n, const double *lonlat, const int *set, double *ne)
{
    size_t i = 0;
    while (i < n) {
        size_t k = i;
        while (k < n && set[k] == set[i])
            k++;
        if (set[i] > 0) {
            (void)sv_geo_to_plane_n(x->g, x->sets[set[i]].crs, k - i, lonlat + 2 * i, ne + 2 * i);
        } else {
            for (size_t m = i; m < k; m++)
                ne[2 * m] = ne[2 * m + 1] = NAN;
        }
        i = k;
    }
}

static void ex_free(sv__ex *x)
{
    sv_units_free(x->units, x->n_units);
    sv_bpoints_free(x->pts, x->n_pts);
    sv_vertices_free(x->vx, x->n_vx);
    sv_blines_free(x->lines, x->n_lines);
    sv_verifications_free(x->ver, x->n_ver);
    sv_signatures_free(x->sigs, x->n_sigs);
    sv_disputes_free(x->disp, x->n_disp);
    sv_notes_free(x->notes, x->n_notes);
    free(x->note_src);
    free(x->disp_src);
    free(x->ring);
    free(x->src);
    free(x->unit_src);
    free(x->pt_src);
    free(x->vx_src);
    free(x->ver_src);
    free(x->sig_src);
    free(x->ukeys);
    free(x->unit_set);
    free(x->ver_of);
    free(x->ver_choice);
    free(x->unit_points);
    free(x->unit_pt0);
    free(x->usum);
    free(x->pt_set);
    free(x->pt_sxh);
    free(x->pt_ne);
    free(x->vx_set);
    free(x->vx_ne);
    free(x->vx_by_unit);
    free(x->vx_by_track);
    free(x->lkeys);
    free(x->line_used);
    free(x->scratch);
    free(x->scratch2);
    free(x->unit_status);
}

/* A deep copy of u into *out; SV_OK or SV_ENOMEM (out cleared). */
static int unit_dup(const sv_unit *u, sv_unit *out)
{
    *out = *u;
    out->name = out->location = out->control = out->source = NULL;
    memset(out->fields, 0, sizeof out->fields);
    memset(&out->draft, 0, sizeof out->draft);
    int bad = (u->name && !(out->name = strdup(u->name))) ||
              (u->location && !(out->location = strdup(u->location))) ||
              (u->control && !(out->control = strdup(u->control))) ||
              (u->source && !(out->source = strdup(u->source))) ||
              sv_geom_copy(&out->draft, &u->draft) != SV_OK;
    for (int f = 0; !bad && f < SV_FIELD_COUNT; f++)
        bad = u->fields[f] && !(out->fields[f] = strdup(u->fields[f]));
    if (bad)
        sv_unit_clear(out);
    return bad ? SV_ENOMEM : SV_OK;
}

/* The county's task units no journal holds (opt->unfetched): added after the journals' units,
 * each with no journal of its own (its CRS from its own fields and draft, as any unit's). */
static int add_unfetched(sv__ex *x, const char *unit)
{
    for (size_t i = 0; i < x->n_unfetched; i++) {
        const sv_unit *e = &x->unfetched[i];
        int held = unit && strcmp(unit, e->code) != 0;
        for (size_t k = 0; !held && k < x->n_units; k++)
            held = strcmp(x->units[k].code, e->code) == 0;
        if (held)
            continue;
        sv_unit *nu = realloc(x->units, (x->n_units + 1) * sizeof *nu);
        if (!nu)
            return sv__ex_nomem(x);
        x->units = nu;
        size_t *ns = x->unit_src ? realloc(x->unit_src, (x->n_units + 1) * sizeof *ns)
                                 : calloc(x->n_units + 1, sizeof *ns);
        if (!ns)
            return sv__ex_nomem(x);
        x->unit_src = ns;
        ns[x->n_units] = x->n_js; /* no journal: the slot without a default CRS (load) */
        if (unit_dup(e, &x->units[x->n_units]) != SV_OK)
            return sv__ex_nomem(x);
        x->n_units++;
    }
    return SV_OK;
}

/* 1 when path names one of the journals or one of their companion files: an export must
 * never overwrite the only copy of the field record. */
static int is_journal_file(const sv__ex *x, const char *path)
{
    for (size_t k = 0; k < x->n_js; k++)
        if (sv_journal_owns_file(x->js[k], path))
            return 1;
    return 0;
}

/* The state of one journal, as the state module hands it out. */
typedef struct jstate {
    sv_unit *units;
    size_t n_units;
    sv_bpoint *pts;
    size_t n_pts;
    sv_vertex *vx;
    size_t n_vx;
    sv_bline *lines;
    size_t n_lines;
    sv_verification *ver;
    size_t n_ver;
    sv_signature *sigs;
    size_t n_sigs;
    sv_dispute *disp;
    size_t n_disp;
    sv_note *notes;
    size_t n_notes;
} jstate;

/* Disputes of the journal of device the office settled (sv_export_settlement): settled, with
 * the settling document's number where the line table carries it. */
static void settle_at_office(const sv__ex *x, const char *device, sv_dispute *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < x->n_settlements; k++) {
            const sv_export_settlement *t = &x->settlements[k];
            if (!t->device || strcmp(t->device, device) != 0 || t->dispute_seq != d[i].seq)
                continue;
            d[i].settled = 1;
            free(d[i].office_outcome);
            d[i].office_outcome = t->outcome && *t->outcome ? strdup(t->outcome) : NULL;
            if (t->document && strcmp(t->document, SV_SETTLE_DOC_STATEMENT) == 0)
                sv__strlcpy(d[i].number, t->number, sizeof d[i].number);
            else
                sv__strlcpy(d[i].agreement_no, t->number, sizeof d[i].agreement_no);
            break; /* the newest decision about it */
        }
}

/* Read the state of j (one unit or, unit NULL, all) into s; s is filled even on failure (the
 * caller frees what is there). */
static int read_state(sv__ex *x, sv_journal *j, const char *unit, jstate *s)
{
    int rc;
    if (unit) {
        sv_unit one;
        rc = sv_state_unit(j, unit, &one);
        if (rc == SV_OK) {
            s->units = malloc(sizeof *s->units);
            if (!s->units) {
                sv_unit_clear(&one);
                return sv__ex_nomem(x);
            }
            s->units[0] = one;
            s->n_units = 1;
        }
    } else {
        rc = sv_state_units(j, &s->units, &s->n_units);
    }
    if (rc == SV_OK)
        rc = sv_state_points(j, unit, &s->pts, &s->n_pts);
    if (rc == SV_OK)
        rc = sv_state_vertices(j, unit, &s->vx, &s->n_vx);
    if (rc == SV_OK)
        rc = sv_state_lines(j, unit, &s->lines, &s->n_lines);
    if (rc == SV_OK)
        rc = sv_state_verifications(j, unit, &s->ver, &s->n_ver);
    if (rc == SV_OK)
        rc = sv_state_signatures(j, unit, &s->sigs, &s->n_sigs);
    if (rc == SV_OK)
        rc = sv_state_disputes(j, unit, &s->disp, &s->n_disp);
    if (rc == SV_OK)
        settle_at_office(x, sv_journal_device_id(j), s->disp, s->n_disp);
    if (rc == SV_OK)
        rc = sv_state_notes(j, unit, &s->notes, &s->n_notes);
    if (rc != SV_OK) {
        if (rc == SV_ENOTFOUND)
            sv__diag(x->diag, "%s: unit %s is not in this journal", x->path, unit);
        else
            sv__diag(x->diag, "%s: cannot read the journal state: %s", x->path,
                     sv_journal_errmsg(j));
    }
    return rc;
}

static void jstate_free(jstate *s)
{
    sv_units_free(s->units, s->n_units);
    sv_bpoints_free(s->pts, s->n_pts);
    sv_vertices_free(s->vx, s->n_vx);
    sv_blines_free(s->lines, s->n_lines);
    sv_verifications_free(s->ver, s->n_ver);
    sv_signatures_free(s->sigs, s->n_sigs);
    sv_disputes_free(s->disp, s->n_disp);
    sv_notes_free(s->notes, s->n_notes);
}

/* Move m items of size bytes from *from onto the end of *to (n items), and record their
 * journal k in *src; the moved structs keep owning their strings, *from is freed. */
static int take(sv__ex *x, void **to, size_t *n, size_t **src, void **from, size_t m, size_t size,
                size_t k)
{
    if (m) {
        void *nt = realloc(*to, (*n + m) * size);
        if (!nt)
            return sv__ex_nomem(x);
        *to = nt;
        if (src) {
            size_t *ns = realloc(*src, (*n + m) * sizeof *ns);
            if (!ns)
                return sv__ex_nomem(x);
            *src = ns;
            for (size_t i = 0; i < m; i++)
                ns[*n + i] = k;
        }
        memcpy((char *)nt + *n * size, *from, m * size);
        *n += m;
    }
    free(*from);
    *from = NULL;
    return SV_OK;
}

/* An item's index with the journal it came from, for the merge's sorts. */
typedef struct mkey {
    const void *item;
    size_t src, idx;
} mkey;

static int cmp_mkey_unit(const void *a, const void *b)
{
    const mkey *x = a, *y = b;
    int c = strcmp(((const sv_unit *)x->item)->code, ((const sv_unit *)y->item)->code);
    if (!c)
        c = (x->src > y->src) - (x->src < y->src);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Points by unit, then number in the state's order (sv_point_number_cmp). */
static int cmp_point_place(const sv_bpoint *p, const sv_bpoint *q)
{
    int c = strcmp(p->unit, q->unit);
    return c ? c : sv_point_number_cmp(p->number, q->number);
}

static int cmp_mkey_point(const void *a, const void *b)
{
    const mkey *x = a, *y = b;
    int c = cmp_point_place(x->item, y->item);
    if (!c)
        c = (x->src > y->src) - (x->src < y->src);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/*
 * A shared point is the point it shares (docs/journal.md, "Shared points"): in the county
 * record it carries the version of that point the record holds, which is another device's
 * when the office chose that device's version in review, or when the point was re-measured on
 * another tablet. x->pts is in cmp_point_place order, each (unit, number) once. A point whose
 * source the record lacks (an export of one unit, a source withdrawn) keeps what its own
 * journal derived. A tablet's export changes nothing: its state already copies.
 */
/* The index in x->pts (cmp_point_place order, each (unit, number) once) of the point number
 * of unit, or -1. */
static long point_find(const sv__ex *x, const char *unit, const char *number)
{
    sv_bpoint key;
    memset(&key, 0, sizeof key);
    sv__strlcpy(key.unit, unit, sizeof key.unit);
    sv__strlcpy(key.number, number, sizeof key.number);
    size_t lo = 0, hi = x->n_pts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_point_place(&x->pts[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < x->n_pts && cmp_point_place(&x->pts[lo], &key) == 0 ? (long)lo : -1;
}

static int share_record(sv__ex *x)
{
    for (size_t i = 0; i < x->n_pts; i++) {
        sv_bpoint *p = &x->pts[i];
        if (!p->shared_unit[0])
            continue;
        long k = point_find(x, p->shared_unit, p->shared_number);
        const sv_bpoint *s = k >= 0 ? &x->pts[k] : NULL;
        /* a source that is itself shared (two devices' views of one corner) is left as it is:
         * one step, never a chain */
        if (s && s != p && !s->shared_unit[0] && x->pt_src[k] != x->pt_src[i] &&
            sv_bpoint_take_measurement(p, s) != SV_OK)
            return sv__ex_nomem(x);
    }
    return SV_OK;
}

const sv_export_edge *sv__ex_edge(const sv__ex *x, const char *unit, const char *number)
{
    for (size_t i = 0; i < x->n_edges; i++) {
        const sv_export_edge *e = &x->edges[i];
        if (e->unit && e->number && e->to_unit && e->to_number && strcmp(e->unit, unit) == 0 &&
            strcmp(e->number, number) == 0)
            return e;
    }
    return NULL;
}

/*
 * The office's edge matches (sv_export_edge): each point an edge moves takes the measurement of
 * the point it names, as the record holds it, and names that point as the one it shares. Passes
 * repeat until no position moves, so a chain ends on its last point whatever the edges' order;
 * a cycle settles on one of its points in at most as many passes as there are edges.
 */
static int same_value(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static int edge_record(sv__ex *x)
{
    /* by edge, not by point: a county record holds far more points than edges */
    for (size_t pass = 0; pass <= x->n_edges; pass++) {
        int moved = 0;
        for (size_t k = 0; k < x->n_edges; k++) {
            const sv_export_edge *e = &x->edges[k];
            if (sv__ex_edge(x, e->unit ? e->unit : "", e->number ? e->number : "") != e)
                continue; /* not the first about its point, or incomplete */
            long i = point_find(x, e->unit, e->number);
            long t = i >= 0 ? point_find(x, e->to_unit, e->to_number) : -1;
            if (t < 0 || t == i)
                continue;
            sv_bpoint *p = &x->pts[i];
            const sv_bpoint *s = &x->pts[t];
            int same =
                same_value(p->lat, s->lat) && same_value(p->lon, s->lon) && same_value(p->h, s->h);
            if (same && strcmp(p->shared_unit, e->to_unit) == 0 &&
                strcmp(p->shared_number, e->to_number) == 0)
                continue;
            moved |= !same;
            if (sv_bpoint_take_measurement(p, s) != SV_OK)
                return sv__ex_nomem(x);
            sv__strlcpy(p->shared_unit, e->to_unit, sizeof p->shared_unit);
            sv__strlcpy(p->shared_number, e->to_number, sizeof p->shared_number);
        }
        if (!moved)
            break;
    }
    return SV_OK;
}

/* A one-unit county export: the other units' points that the unit's shared points and the
 * office's edge matches name, read from every journal (into x->pts, as merge_states does its
 * own), so the unit's points come out as in the county-wide export; they are dropped again
 * by only_unit() after the merge. */
static int read_linked(sv__ex *x, const char *unit)
{
    const char **units = calloc(x->n_pts + x->n_edges + 1, sizeof *units);
    if (!units)
        return sv__ex_nomem(x);
    size_t nu = 0;
    for (size_t i = 0; i < x->n_pts + x->n_edges; i++) {
        const char *u = i < x->n_pts ? x->pts[i].shared_unit : NULL;
        if (i >= x->n_pts) {
            const sv_export_edge *e = &x->edges[i - x->n_pts];
            u = e->unit && e->to_unit && strcmp(e->unit, unit) == 0 ? e->to_unit : NULL;
        }
        int seen = !u || !*u || strcmp(u, unit) == 0;
        for (size_t k = 0; !seen && k < nu; k++)
            seen = strcmp(units[k], u) == 0;
        if (!seen)
            units[nu++] = u;
    }
    int rc = SV_OK;
    for (size_t k = 0; rc == SV_OK && k < x->n_js; k++)
        for (size_t u = 0; rc == SV_OK && u < nu; u++) {
            sv_bpoint *p = NULL;
            size_t n = 0;
            int src = sv_state_points(x->js[k], units[u], &p, &n);
            if (src == SV_OK)
                rc = take(x, (void **)&x->pts, &x->n_pts, &x->pt_src, (void **)&p, n, sizeof *p, k);
            else if (src != SV_ENOTFOUND)
                rc = src;
            if (rc != SV_OK)
                sv_bpoints_free(p, n);
        }
    if (rc != SV_OK && rc != SV_ENOMEM)
        sv__diag(x->diag, "%s: cannot read the journal state: %s", x->path, sv_strerror(rc));
    free(units);
    return rc;
}

/* Keep unit's points alone (after read_linked). */
static void only_unit(sv__ex *x, const char *unit)
{
    size_t np = 0;
    for (size_t i = 0; i < x->n_pts; i++) {
        if (strcmp(x->pts[i].unit, unit) != 0) {
            sv_bpoint_clear(&x->pts[i]);
            continue;
        }
        x->pt_src[np] = x->pt_src[i];
        x->pts[np++] = x->pts[i];
    }
    x->n_pts = np;
}

/*
 * Several journals into one state: units by code, the first journal that has a code wins;
 * points in the state's order, a (unit, number) already taken by an earlier journal left
 * out (such conflicts are the office's review queue, not the export's to settle); walks
 * kept apart by giving each journal's track ids their own range; lines, verifications and
 * signatures concatenated (the latest verification of a field is chosen by time in load(),
 * among the chosen device's only where the office decided between versions;
 * each signature is current or not against its own journal's boundary).
 */
static int merge_states(sv__ex *x, const char *unit)
{
    int rc = SV_OK;
    for (size_t k = 0; rc == SV_OK && k < x->n_js; k++) {
        jstate s = {0};
        rc = read_state(x, x->js[k], unit, &s);
        if (rc == SV_ENOTFOUND && unit) { /* one unit: the journals that have it */
            jstate_free(&s);
            x->diag->msg[0] = '\0';
            rc = SV_OK;
            continue;
        }
        for (size_t i = 0; rc == SV_OK && i < s.n_vx; i++)
            s.vx[i].track += (int64_t)k << 40;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->units, &x->n_units, &x->unit_src, (void **)&s.units,
                      s.n_units, sizeof *s.units, k);
        if (rc == SV_OK)
            s.n_units = 0;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->pts, &x->n_pts, &x->pt_src, (void **)&s.pts, s.n_pts,
                      sizeof *s.pts, k);
        if (rc == SV_OK)
            s.n_pts = 0;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->vx, &x->n_vx, &x->vx_src, (void **)&s.vx, s.n_vx,
                      sizeof *s.vx, k);
        if (rc == SV_OK)
            s.n_vx = 0;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->lines, &x->n_lines, NULL, (void **)&s.lines, s.n_lines,
                      sizeof *s.lines, k);
        if (rc == SV_OK)
            s.n_lines = 0;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->ver, &x->n_ver, &x->ver_src, (void **)&s.ver, s.n_ver,
                      sizeof *s.ver, k);
        if (rc == SV_OK)
            s.n_ver = 0;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->sigs, &x->n_sigs, &x->sig_src, (void **)&s.sigs, s.n_sigs,
                      sizeof *s.sigs, k);
        if (rc == SV_OK)
            s.n_sigs = 0;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->disp, &x->n_disp, &x->disp_src, (void **)&s.disp, s.n_disp,
                      sizeof *s.disp, k);
        if (rc == SV_OK)
            s.n_disp = 0;
        if (rc == SV_OK)
            rc = take(x, (void **)&x->notes, &x->n_notes, &x->note_src, (void **)&s.notes,
                      s.n_notes, sizeof *s.notes, k);
        if (rc == SV_OK)
            s.n_notes = 0;
        jstate_free(&s);
    }
    if (rc == SV_OK && unit)
        rc = read_linked(x, unit);
    if (rc != SV_OK)
        return rc;

    size_t most = x->n_units > x->n_pts ? x->n_units : x->n_pts;
    mkey *keys = malloc((most ? most : 1) * sizeof *keys);
    if (!keys)
        return sv__ex_nomem(x);

    /* Units: sorted by code, each code once. */
    sv_unit *units = malloc((x->n_units ? x->n_units : 1) * sizeof *units);
    size_t *usrc = malloc((x->n_units ? x->n_units : 1) * sizeof *usrc);
    if (!units || !usrc) {
        free(units);
        free(usrc);
        free(keys);
        return sv__ex_nomem(x);
    }
    for (size_t i = 0; i < x->n_units; i++)
        keys[i] = (mkey){&x->units[i], x->unit_src[i], i};
    qsort(keys, x->n_units, sizeof *keys, cmp_mkey_unit);
    size_t nu = 0;
    for (size_t i = 0; i < x->n_units; i++) {
        sv_unit *u = &x->units[keys[i].idx];
        if (nu && strcmp(units[nu - 1].code, u->code) == 0) {
            sv_unit_clear(u);
            continue;
        }
        units[nu] = *u;
        usrc[nu++] = keys[i].src;
    }
    free(x->units);
    free(x->unit_src);
    x->units = units;
    x->unit_src = usrc;
    x->n_units = nu;

    /* Points: the state's order, each (unit, number) once. */
    sv_bpoint *pts = malloc((x->n_pts ? x->n_pts : 1) * sizeof *pts);
    size_t *psrc = malloc((x->n_pts ? x->n_pts : 1) * sizeof *psrc);
    if (!pts || !psrc) {
        free(pts);
        free(psrc);
        free(keys);
        return sv__ex_nomem(x);
    }
    for (size_t i = 0; i < x->n_pts; i++)
        keys[i] = (mkey){&x->pts[i], x->pt_src[i], i};
    qsort(keys, x->n_pts, sizeof *keys, cmp_mkey_point);
    size_t np = 0;
    for (size_t i = 0; i < x->n_pts; i++) {
        sv_bpoint *p = &x->pts[keys[i].idx];
        /* The office chose one device's version: the others are left out. */
        const sv_export_choice *ch = sv__ex_choice(x, p->unit, p->number);
        if (ch && ch->device && strcmp(ch->device, x->src[keys[i].src].device) != 0) {
            sv_bpoint_clear(p);
            continue;
        }
        if (np && strcmp(pts[np - 1].unit, p->unit) == 0 &&
            strcmp(pts[np - 1].number, p->number) == 0) {
            /* after "neither", a version re-surveyed since takes the place of one from before
             * (the earliest journal's of those re-surveyed, by the usual order) */
            if (ch && !ch->device &&
                sv_export_choice_later(ch, x->src[keys[i].src].device, p->seq) &&
                !sv_export_choice_later(ch, x->src[psrc[np - 1]].device, pts[np - 1].seq)) {
                sv_bpoint_clear(&pts[np - 1]);
                pts[np - 1] = *p;
                psrc[np - 1] = keys[i].src;
            } else {
                sv_bpoint_clear(p);
            }
            continue;
        }
        pts[np] = *p;
        psrc[np++] = keys[i].src;
    }
    free(x->pts);
    free(x->pt_src);
    x->pts = pts;
    x->pt_src = psrc;
    x->n_pts = np;
    free(keys);
    int rc2 = share_record(x);
    if (rc2 == SV_OK)
        rc2 = edge_record(x);
    if (rc2 == SV_OK && unit)
        only_unit(x, unit);
    return rc2;
}

const sv_export_choice *sv__ex_choice(const sv__ex *x, const char *unit, const char *number)
{
    for (size_t i = 0; i < x->n_choices; i++) {
        const sv_export_choice *c = &x->choices[i];
        if (!c->field && c->unit && c->number && strcmp(c->unit, unit) == 0 &&
            strcmp(c->number, number) == 0)
            return c;
    }
    return NULL;
}

/* The county record's rule for a field's verification, shared by the export (load) and
 * sv_county_fields: a choice of the office's about the field (the first that names it) admits
 * only the chosen device's verifications ("neither": only those sent since, the field is to be
 * verified again);
 * among those admitted, one journal's are ordered by seq, several journals' by time, and on
 * equal times the earlier journal's (in the order given) stands. */
static const sv_export_choice *field_choice(const sv_export_choice *c, size_t n, const char *unit,
                                            sv_field f)
{
    for (size_t i = 0; i < n; i++) {
        sv_field cf;
        if (c[i].field && c[i].unit && strcmp(c[i].unit, unit) == 0 &&
            sv_field_parse(c[i].field, &cf) == SV_OK && cf == f)
            return &c[i];
    }
    return NULL;
}

int sv_export_choice_later(const sv_export_choice *c, const char *device, int64_t seq)
{
    if (!c || c->device || !c->after_known || !device)
        return 0;
    for (size_t i = 0; i < c->n_after; i++)
        if (c->after_device[i] && strcmp(c->after_device[i], device) == 0)
            return seq > c->after_seq[i];
    return 1; /* the device had sent nothing when it was decided */
}

/* Whether a choice lets device's entry seq into the county record: the chosen device's, or
 * after a "neither" what was sent since. */
static int choice_admits(const sv_export_choice *c, const char *device, int64_t seq)
{
    return !c || (c->device ? device && strcmp(c->device, device) == 0
                            : sv_export_choice_later(c, device, seq));
}

/* 1 when v (of journal vs) takes the place of cur (of journal cs). */
static int ver_replaces(const sv_verification *cur, size_t cs, const sv_verification *v, size_t vs)
{
    return cs == vs                     ? cur->seq < v->seq
           : cur->time_ms != v->time_ms ? cur->time_ms < v->time_ms
                                        : vs < cs;
}

int sv_county_fields(sv_journal *const *js, size_t n, const sv_export_choice *choices,
                     size_t n_choices, const char *unit, int status[SV_FIELD_COUNT])
{
    for (int f = 0; f < SV_FIELD_COUNT; f++)
        status[f] = -1;
    if (!unit)
        return SV_EINVAL;
    sv_verification **v = calloc(n ? n : 1, sizeof *v);
    size_t *nv = calloc(n ? n : 1, sizeof *nv);
    int rc = v && nv ? SV_OK : SV_ENOMEM;
    const sv_verification *best[SV_FIELD_COUNT] = {0};
    size_t best_src[SV_FIELD_COUNT] = {0};
    for (size_t i = 0; rc == SV_OK && i < n; i++) {
        rc = sv_state_verifications(js[i], unit, &v[i], &nv[i]);
        if (rc == SV_ENOTFOUND)
            rc = SV_OK, v[i] = NULL, nv[i] = 0;
        const char *dev = sv_journal_device_id(js[i]);
        for (size_t k = 0; rc == SV_OK && k < nv[i]; k++) {
            int f = (int)v[i][k].field;
            if (f < 0 || f >= SV_FIELD_COUNT ||
                !choice_admits(field_choice(choices, n_choices, unit, (sv_field)f), dev,
                               v[i][k].seq))
                continue;
            if (!best[f] || ver_replaces(best[f], best_src[f], &v[i][k], i))
                best[f] = &v[i][k], best_src[f] = i;
        }
    }
    for (int f = 0; rc == SV_OK && f < SV_FIELD_COUNT; f++)
        status[f] = best[f] ? (int)best[f]->status : -1;
    for (size_t i = 0; v && nv && i < n; i++)
        sv_verifications_free(v[i], nv[i]);
    free(v);
    free(nv);
    return rc;
}

/* Read the state and derive everything the writers share. */
static int load(sv__ex *x, const char *unit)
{
    int rc;
    /* one slot past the journals: the county's units no journal holds, which take no
     * journal's default CRS (their own, else their draft's zone) */
    x->src = calloc(x->n_js + 1, sizeof *x->src);
    if (!x->src)
        return sv__ex_nomem(x);
    x->src[x->n_js].cm = NAN;
    for (size_t k = 0; k < x->n_js; k++) {
        sv_journal_default_crs(x->js[k], &x->src[k].epsg, &x->src[k].cm);
        x->src[k].device = sv_journal_device_id(x->js[k]);
        x->src[k].crew = sv_journal_crew(x->js[k]);
    }
    if (x->n_js == 1 && !x->n_edges) { /* edges need the merge's order (and a unit's links) */
        jstate s = {0};
        rc = read_state(x, x->js[0], unit, &s);
        x->units = s.units, x->n_units = s.n_units;
        x->pts = s.pts, x->n_pts = s.n_pts;
        x->vx = s.vx, x->n_vx = s.n_vx;
        x->lines = s.lines, x->n_lines = s.n_lines;
        x->ver = s.ver, x->n_ver = s.n_ver;
        x->sigs = s.sigs, x->n_sigs = s.n_sigs;
        x->disp = s.disp, x->n_disp = s.n_disp;
        x->notes = s.notes, x->n_notes = s.n_notes;
        for (size_t i = 0; rc == SV_ENOTFOUND && unit && i < x->n_unfetched; i++)
            if (strcmp(x->unfetched[i].code, unit) == 0)
                rc = SV_OK; /* the county's unit no crew has fetched: added below */
        if (rc != SV_OK)
            return rc;
    } else if ((rc = merge_states(x, unit)) != SV_OK) {
        return rc;
    }
    if ((rc = add_unfetched(x, unit)) != SV_OK)
        return rc;
    if (x->n_js != 1 && unit && x->n_units == 0) {
        sv__diag(x->diag, "%s: unit %s is in none of the journals", x->path, unit);
        return SV_ENOTFOUND;
    }
    size_t **srcs[] = {&x->unit_src, &x->pt_src,   &x->vx_src,  &x->ver_src,
                       &x->sig_src,  &x->note_src, &x->disp_src};
    size_t counts[] = {x->n_units, x->n_pts, x->n_vx, x->n_ver, x->n_sigs, x->n_notes, x->n_disp};
    for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++)
        if (!*srcs[i] && !(*srcs[i] = calloc(counts[i] ? counts[i] : 1, sizeof(size_t))))
            return sv__ex_nomem(x);

    size_t nu = x->n_units ? x->n_units : 1, np = x->n_pts ? x->n_pts : 1;
    size_t nv = x->n_vx ? x->n_vx : 1, nl = x->n_lines ? x->n_lines : 1;
    x->ukeys = malloc(nu * sizeof *x->ukeys);
    x->unit_set = malloc(nu * sizeof *x->unit_set);
    x->ver_of = calloc(nu * SV_FIELD_COUNT, sizeof *x->ver_of);
    x->ver_choice = calloc(nu * SV_FIELD_COUNT, sizeof *x->ver_choice);
    x->unit_points = calloc(nu, sizeof *x->unit_points);
    x->unit_pt0 = malloc(nu * sizeof *x->unit_pt0);
    x->usum = calloc(nu, sizeof *x->usum);
    x->pt_set = malloc(np * sizeof *x->pt_set);
    x->pt_sxh = malloc(np * sizeof *x->pt_sxh);
    x->pt_ne = malloc(2 * np * sizeof *x->pt_ne);
    x->vx_set = malloc(nv * sizeof *x->vx_set);
    x->vx_ne = malloc(2 * nv * sizeof *x->vx_ne);
    x->vx_by_unit = malloc(nv * sizeof *x->vx_by_unit);
    x->vx_by_track = malloc(nv * sizeof *x->vx_by_track);
    x->lkeys = malloc(nl * sizeof *x->lkeys);
    x->line_used = calloc(nl, 1);
    x->ring = malloc(np * sizeof *x->ring);
    if (!x->ukeys || !x->unit_set || !x->ver_of || !x->ver_choice || !x->unit_points ||
        !x->unit_pt0 || !x->usum || !x->pt_set || !x->pt_sxh || !x->pt_ne || !x->vx_set ||
        !x->vx_ne || !x->vx_by_unit || !x->vx_by_track || !x->lkeys || !x->line_used || !x->ring)
        return sv__ex_nomem(x);

    for (size_t i = 0; i < x->n_units; i++)
        x->ukeys[i] = (sv__ex_ukey){x->units[i].code, i};
    qsort(x->ukeys, x->n_units, sizeof *x->ukeys, cmp_ukey);
    /* each unit's place in the office's procedure (county export) */
    if (!(x->unit_status = calloc(nu, sizeof *x->unit_status)))
        return sv__ex_nomem(x);
    for (size_t i = 0; i < x->n_statuses; i++) {
        long u = x->statuses[i].unit ? unit_find(x, x->statuses[i].unit) : -1;
        if (u >= 0 && !x->unit_status[u])
            x->unit_status[u] = &x->statuses[i];
    }

    /* The office's choices about fields' verifications: the first about a field wins
     * (field_choice's rule, indexed by unit and field for many units). */
    for (size_t i = 0; i < x->n_choices; i++) {
        const sv_export_choice *c = &x->choices[i];
        sv_field f;
        long u = c->field && c->unit ? unit_find(x, c->unit) : -1;
        if (u < 0 || sv_field_parse(c->field, &f) != SV_OK)
            continue;
        const sv_export_choice **slot = &x->ver_choice[(size_t)u * SV_FIELD_COUNT + (size_t)f];
        if (!*slot)
            *slot = c;
    }
    for (size_t i = 0; i < x->n_ver; i++) {
        long u = unit_find(x, x->ver[i].unit);
        int f = (int)x->ver[i].field;
        if (u < 0 || f < 0 || f >= SV_FIELD_COUNT)
            continue;
        size_t uf = (size_t)u * SV_FIELD_COUNT + (size_t)f;
        /* the county record's rule (ver_replaces, above) */
        if (!choice_admits(x->ver_choice[uf], x->src[x->ver_src[i]].device, x->ver[i].seq))
            continue;
        const sv_verification **slot = &x->ver_of[uf];
        const sv_verification *v = &x->ver[i];
        if (!*slot || ver_replaces(*slot, x->ver_src[*slot - x->ver], v, x->ver_src[i]))
            *slot = v;
    }

    /* Each unit's plane CRS (sv_unit_crs): its own, else the journal's, else the zone holding
     * most of its draft, failing that its points' middle longitude's, or its walk's; a unit
     * is never split across zones even where it straddles a zone edge. */
    double *lon_sum = calloc(nu, sizeof *lon_sum);
    size_t *lon_n = calloc(nu, sizeof *lon_n);
    double *walk_lon = malloc(nu * sizeof *walk_lon);
    if (!lon_sum || !lon_n || !walk_lon) {
        free(lon_sum);
        free(lon_n);
        free(walk_lon);
        return sv__ex_nomem(x);
    }
    for (size_t i = 0; i < nu; i++) {
        walk_lon[i] = NAN;
        x->unit_pt0[i] = SIZE_MAX;
    }
    for (size_t i = 0; i < x->n_vx; i++) {
        long u = unit_find(x, x->vx[i].unit);
        if (u >= 0 && isnan(walk_lon[u]) && isfinite(x->vx[i].lon))
            walk_lon[u] = x->vx[i].lon;
    }
    for (size_t i = 0; i < x->n_pts; i++) {
        long u = unit_find(x, x->pts[i].unit);
        if (u >= 0) {
            if (x->unit_pt0[u] == SIZE_MAX)
                x->unit_pt0[u] = i;
            x->unit_points[u]++;
            if (isfinite(x->pts[i].lon)) {
                lon_sum[u] += x->pts[i].lon;
                lon_n[u]++;
            }
        }
    }
    for (size_t i = 0; i < x->n_units; i++) {
        const sv__ex_src *js = &x->src[x->unit_src[i]];
        sv_crs crs = sv_unit_crs(&x->units[i], js->epsg, js->cm,
                                 lon_n[i] ? lon_sum[i] / (double)lon_n[i] : NAN, walk_lon[i]);
        x->unit_set[i] = set_for(x, crs);
        if (x->unit_set[i] == -2) {
            free(lon_sum);
            free(lon_n);
            free(walk_lon);
            sv__diag(x->diag, "%s: more than %d different plane CRSs", x->path,
                     SV__EX_MAX_SETS - 1);
            return SV_EINVAL;
        }
    }
    free(lon_sum);
    free(lon_n);
    free(walk_lon);

    /* Points and vertices follow their unit's CRS; one whose unit is unknown (not exported
     * with it) gets the CRS its own longitude chooses. */
    for (size_t i = 0; i < x->n_pts; i++) {
        const sv_bpoint *p = &x->pts[i];
        long u = unit_find(x, p->unit);
        int s;
        if (!isfinite(p->lat) || !isfinite(p->lon))
            s = -1;
        else if (u >= 0)
            s = x->unit_set[u];
        else
            s = set_for(x, sv_geo_choose(0, NAN, x->src[x->pt_src[i]].epsg, x->src[x->pt_src[i]].cm,
                                         p->lon));
        x->pt_set[i] = s < 0 ? -1 : s;
        /* points run by unit, each unit's in ring order */
        x->pt_sxh[i] = i > 0 && strcmp(x->pts[i - 1].unit, p->unit) == 0 ? x->pt_sxh[i - 1] + 1 : 1;
    }
    for (size_t i = 0; i < x->n_vx; i++) {
        const sv_vertex *v = &x->vx[i];
        long u = unit_find(x, v->unit);
        int s;
        if (!isfinite(v->lat) || !isfinite(v->lon))
            s = -1;
        else if (u >= 0)
            s = x->unit_set[u];
        else
            s = set_for(x, sv_geo_choose(0, NAN, x->src[x->vx_src[i]].epsg, x->src[x->vx_src[i]].cm,
                                         v->lon));
        x->vx_set[i] = s < 0 ? -1 : s;
    }
    if ((rc = check_sets(x)) != SV_OK)
        return rc;
    double *ll = malloc(2 * (np > nv ? np : nv) * sizeof *ll);
    if (!ll)
        return sv__ex_nomem(x);
    /* Each unit's draft and surveyed polygon as the unit summary has them (summary.h), in the
     * unit's plane CRS; a figure it cannot compute is NaN, which does not fail the export. */
    for (size_t i = 0; i < x->n_units; i++) {
        int set = x->unit_set[i];
        sv_unit_summary *sm = &x->usum[i];
        sv__summary_init(sm, &x->units[i], set > 0 ? x->sets[set].crs : (sv_crs){0, NAN});
        sv__summary_draft(x->g, &x->units[i].draft, sm);
        /* the absent parties' clocks, from the journal the unit is taken from (none for a
         * unit no journal holds) */
        if (x->unit_src[i] < x->n_js)
            sv__summary_objections(x->js[x->unit_src[i]], sm);
        size_t n = 0;
        for (size_t k = x->unit_pt0[i];
             k != SIZE_MAX && k < x->n_pts && strcmp(x->pts[k].unit, x->units[i].code) == 0; k++) {
            if (!isfinite(x->pts[k].lat) || !isfinite(x->pts[k].lon))
                continue;
            ll[2 * n] = x->pts[k].lon;
            ll[2 * n + 1] = x->pts[k].lat;
            n++;
        }
        sv__summary_surveyed(x->g, n, ll, sm);
    }
    for (size_t i = 0; i < x->n_pts; i++) {
        ll[2 * i] = x->pts[i].lon;
        ll[2 * i + 1] = x->pts[i].lat;
    }
    project_runs(x, x->n_pts, ll, x->pt_set, x->pt_ne);
    for (size_t i = 0; i < x->n_vx; i++) {
        ll[2 * i] = x->vx[i].lon;
        ll[2 * i + 1] = x->vx[i].lat;
    }
    project_runs(x, x->n_vx, ll, x->vx_set, x->vx_ne);
    free(ll);

    for (size_t i = 0; i < x->n_vx; i++) {
        sv__ex_vkey k = {x->vx[i].unit, x->vx[i].track, x->vx[i].seq, i, x->vx_src[i]};
        x->vx_by_unit[i] = x->vx_by_track[i] = k;
    }
    qsort(x->vx_by_unit, x->n_vx, sizeof(sv__ex_vkey), cmp_vkey_seq);
    qsort(x->vx_by_track, x->n_vx, sizeof(sv__ex_vkey), cmp_vkey_track);

    for (size_t i = 0; i < x->n_lines; i++) {
        const sv_bline *l = &x->lines[i];
        int swap = strcmp(l->from, l->to) > 0;
        x->lkeys[i] = (sv__ex_lkey){l->unit, swap ? l->to : l->from, swap ? l->from : l->to, i};
    }
    qsort(x->lkeys, x->n_lines, sizeof *x->lkeys, cmp_lkey);
    return SV_OK;
}

/* Plane set `set` of the export, NULL for none (set 0 is the geographic one, <= 0 means none). */
const sv__ex_set *sv__ex_plane_set(const sv__ex *x, int set)
{
    if (set <= 0 || set >= SV__EX_MAX_SETS || (size_t)set >= x->n_sets)
        return NULL;
    return &x->sets[set];
}

/* ---- Entry point
 * ---------------------------------------------------------------------------------- */

/* The one export path: journals js[0..n) (n == 1 with an optional unit). */
static int export_run(sv_journal *const *js, size_t n, sv_geo *g, sv_export_format fmt,
                      const char *unit, const char *path, const sv_export_options *opt,
                      sv_export_stats *stats, sv_diag *diag)
{
    sv_diag local = {{0}};
    sv_export_stats st_local = {0};
    if (!diag)
        diag = &local;
    diag->msg[0] = '\0';
    sv_export_stats *st = stats ? stats : &st_local;
    memset(st, 0, sizeof *st);
    int bad = !g || !path || (n && !js) ||
              (fmt != SV_EXPORT_GPKG && fmt != SV_EXPORT_GEOJSON && fmt != SV_EXPORT_CSV &&
               fmt != SV_EXPORT_FORMS && fmt != SV_EXPORT_NOTICE);
    for (size_t k = 0; !bad && k < n; k++)
        bad = !js[k];
    if (bad) {
        sv__diag(diag, "export: invalid argument");
        return SV_EINVAL;
    }
    /* Said before anything is read: otherwise the whole export runs, and a directory is then
     * reported by rename ("Device or resource busy", "Is a directory"). */
    char why[200];
    if (!*path) {
        sv__diag(diag, "export: the output file name is empty");
        return SV_EINVAL;
    }
    /* a directory, a link, a device or "-" (fileio.h) */
    if (sv_file_replaceable(path, why, sizeof why) != 0) {
        sv__diag(diag, "%s %s", path, why);
        return SV_EINVAL;
    }
    if (opt && opt->bom && fmt != SV_EXPORT_CSV) {
        sv__diag(diag,
                 "%s: a byte-order mark is for CSV only (JSON text must not start with "
                 "one, RFC 8259 8.1; a GeoPackage is an SQLite file)",
                 path);
        return SV_EINVAL;
    }
    if (fmt == SV_EXPORT_NOTICE && (!opt || !opt->notices || !opt->n_notices)) {
        sv__diag(diag,
                 "%s: the public notice needs the units in notice and their periods, "
                 "which the county office keeps (quejie-office export --format notice)",
                 path);
        return SV_EINVAL;
    }
    sv__ex x;
    memset(&x, 0, sizeof x);
    x.js = js;
    x.n_js = n;
    x.g = g;
    x.diag = diag;
    x.path = path;
    x.unit = unit;
    x.bom = opt && opt->bom;
    x.choices = opt ? opt->choices : NULL;
    x.n_choices = opt && opt->choices ? opt->n_choices : 0;
    x.edges = opt ? opt->edges : NULL;
    x.n_edges = opt && opt->edges ? opt->n_edges : 0;
    x.settlements = opt ? opt->settlements : NULL;
    x.n_settlements = opt && opt->settlements ? opt->n_settlements : 0;
    x.notices = fmt == SV_EXPORT_NOTICE ? opt->notices : NULL;
    x.n_notices = fmt == SV_EXPORT_NOTICE ? opt->n_notices : 0;
    x.authority = opt ? opt->authority : NULL;
    x.statuses = opt ? opt->statuses : NULL;
    x.n_statuses = opt && opt->statuses ? opt->n_statuses : 0;
    x.unfetched = opt ? opt->unfetched : NULL;
    x.n_unfetched = opt && opt->unfetched ? opt->n_unfetched : 0;
    x.sets[0].crs = (sv_crs){SV_EPSG_CGCS2000, NAN};
    x.sets[0].srs_id = SV_EPSG_CGCS2000;
    x.n_sets = 1;
    if (is_journal_file(&x, path)) {
        sv__diag(diag, "%s: that is the journal itself or its key; choose another output file",
                 path);
        return SV_EINVAL;
    }
    int rc = load(&x, unit);
    if (rc == SV_OK)
        rc = fmt == SV_EXPORT_GPKG                               ? sv__ex_write_gpkg(&x, st)
             : fmt == SV_EXPORT_FORMS || fmt == SV_EXPORT_NOTICE ? sv__ex_write_forms(&x, st)
                                                                 : sv__ex_write_text(&x, fmt, st);
    if (rc == SV_OK)
        rc = sv__ex_count_unjoined(&x, st);
    ex_free(&x);
    if (rc != SV_OK) {
        memset(st, 0, sizeof *st);
        if (!diag->msg[0])
            sv__diag(diag, "%s: %s", path, sv_strerror(rc));
    }
    return rc;
}

int sv_export(sv_journal *j, sv_geo *g, sv_export_format fmt, const char *unit, const char *path,
              sv_export_stats *stats, sv_diag *diag)
{
    return export_run(&j, 1, g, fmt, unit, path, NULL, stats, diag);
}

int sv_export_opts(sv_journal *j, sv_geo *g, sv_export_format fmt, const char *unit,
                   const char *path, const sv_export_options *opt, sv_export_stats *stats,
                   sv_diag *diag)
{
    return export_run(&j, 1, g, fmt, unit, path, opt, stats, diag);
}

int sv_export_journals(sv_journal **js, size_t n, sv_geo *g, sv_export_format fmt, const char *path,
                       sv_export_stats *stats, sv_diag *diag)
{
    return export_run(js, n, g, fmt, NULL, path, NULL, stats, diag);
}

int sv_export_journals_opts(sv_journal **js, size_t n, sv_geo *g, sv_export_format fmt,
                            const char *path, const sv_export_options *opt, sv_export_stats *stats,
                            sv_diag *diag)
{
    return export_run(js, n, g, fmt, opt ? opt->unit : NULL, path, opt, stats, diag);
}
