/*
 * office_unit.c - what the console's overview map and unit page read (sy_office_units_geojson,
 * sy_office_unit_detail, sy_office_tracks): every unit's draft with its lifecycle state, and one
 * unit's draft, each device's points with their GNSS provenance, verifications, attendance,
 * signatures (with their strokes), disputes (with the lines they cover and their settlement)
 * and notes, review cases and the office's decisions about it; and a day's walks.
 *
 * It must never write (it runs on the server's read-only handles, and on the writer only when
 * the lifecycle index is behind) and never decide a state itself: the state is the one
 * sy_office_units computed (sv_unit_life).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "office_int.h"
#include "survey/geom.h"
#include "survey/lifecycle.h"
#include "survey/state.h"
#include "survey/summary.h"

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *iso_or_null(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char t[32];
    sy__iso_ms(ms, t);
    return json_string(t);
}

/* The units of sy_office_units as a JSON array (new reference) or NULL (message set). */
static json_t *units_array(sy_office *o, int *rc)
{
    char *text = NULL;
    *rc = sy_office_units(o, &text);
    if (*rc != SY_OK)
        return NULL;
    json_t *a = json_loads(text, 0, NULL);
    free(text);
    if (!json_is_array(a)) {
        json_decref(a);
        *rc = sy__fail(o, SY_ENOMEM, "out of memory");
        return NULL;
    }
    return a;
}

/* The code of the i-th unit of sy_office_units ("" for none). */
static const char *code_at(const json_t *units, size_t i)
{
    const char *c = json_string_value(json_object_get(json_array_get(units, i), "code"));
    return c ? c : "";
}

/* The geometry of a stored task feature (new reference), or JSON null. */
static json_t *task_geometry(const char *feature)
{
    json_t *f = json_loads(feature, 0, NULL);
    json_t *g = json_incref(json_object_get(f, "geometry"));
    json_decref(f);
    return g ? g : json_null();
}

int sy_office_units_geojson(sy_office *o, char **json)
{
    *json = NULL;
    int rc;
    json_t *units = units_array(o, &rc);
    if (!units)
        return rc;
    sqlite3_stmt *st;
    if ((rc = sy__prep(o, "SELECT code, feature FROM tasks ORDER BY code", &st)) != SY_OK) {
        json_decref(units);
        return rc;
    }
    json_t *feats = json_array();
    int step;
    size_t next = 0, n = json_array_size(units);
    while (feats && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *code = sy__col_text(st, 0);
        /* Both in code order (SQLite's binary collation is strcmp's): one merging pass. */
        while (next < n && strcmp(code_at(units, next), code) < 0)
            next++;
        const json_t *u = next < n && strcmp(code_at(units, next), code) == 0
                              ? json_array_get(units, next)
                              : NULL;
        json_t *props = json_pack("{s:s, s:O, s:O, s:O, s:O}", "code", code, "name",
                                  u ? json_object_get(u, "name") : json_null(), "status",
                                  u ? json_object_get(u, "status") : json_null(), "assign",
                                  u ? json_object_get(u, "assign") : json_null(), "open_cases",
                                  u ? json_object_get(u, "open_cases") : json_null());
        json_t *f = json_pack("{s:s, s:o, s:o}", "type", "Feature", "geometry",
                              task_geometry(sy__col_text(st, 1)), "properties", props);
        if (!f || json_array_append_new(feats, f)) {
            json_decref(feats);
            feats = NULL;
        }
    }
    if (feats && step != SQLITE_DONE) {
        json_decref(feats);
        sqlite3_finalize(st);
        json_decref(units);
        return sy__fail_db(o, "cannot read the tasks");
    }
    sqlite3_finalize(st);
    json_decref(units);
    return sy__json_text(o,
                         json_pack("{s:s, s:o}", "type", "FeatureCollection", "features",
                                   feats ? feats : json_null()),
                         json);
}

/* One point with its provenance (docs/office.md, "Console API"). */
static json_t *point_json(const sv_bpoint *p, sv_geo *g, const sv_crs *crs)
{
    json_t *v = json_object();
    if (!v)
        return NULL;
    /* Gauss-Krüger X (north) and Y (east) in the unit's plane (its summary's CRS), as the
     * forms and the CSV give them */
    double x = NAN, y = NAN;
    if (g && crs && (crs->epsg || crs->central_meridian) && isfinite(p->lat) && isfinite(p->lon) &&
        sv_geo_to_plane(g, *crs, p->lat, p->lon, &x, &y) != SV_OK)
        x = y = NAN;
    double sh = sv_quality_sigma_h(&p->q);
    json_object_set_new(v, "number", json_string(p->number));
    json_object_set_new(v, "seq", json_integer(p->seq));
    json_object_set_new(v, "time", iso_or_null(p->time_ms));
    json_object_set_new(v, "lat", num_or_null(p->lat));
    json_object_set_new(v, "lon", num_or_null(p->lon));
    json_object_set_new(v, "h", num_or_null(p->h));
    json_object_set_new(v, "x", num_or_null(x));
    json_object_set_new(v, "y", num_or_null(y));
    json_object_set_new(v, "grade", json_string(sv_grade_name(p->q.grade)));
    json_object_set_new(v, "n", json_integer(p->q.n));
    json_object_set_new(v, "sigma_h", num_or_null(sh));
    json_object_set_new(v, "sigma_u", num_or_null(p->q.sigma_u));
    json_object_set_new(v, "method", str_or_null(p->method));
    json_object_set_new(v, "pole_h", p->pole_set == 1 ? num_or_null(p->pole_h) : json_null());
    json_object_set_new(v, "point_type", str_or_null(p->point_type));
    json_object_set_new(v, "override", str_or_null(p->override_code));
    /* a neighbour's point the unit shares (kind "share"): where it is measured */
    json_object_set_new(v, "shared_unit",
                        p->shared_unit[0] ? json_string(p->shared_unit) : json_null());
    json_object_set_new(v, "shared_number",
                        p->shared_unit[0] ? json_string(p->shared_number) : json_null());
    return v;
}

static json_t *verification_json(const sv_verification *x)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:I, s:o}", "field", sv_field_name(x->field), "status",
                     sv_vstatus_name(x->status), "value", str_or_null(x->value), "note",
                     str_or_null(x->note), "seq", (json_int_t)x->seq, "time",
                     iso_or_null(x->time_ms));
}

static json_t *attendance_json(const sv_attendance *a)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:s, s:o}", "seq", (json_int_t)a->seq, "time",
                     iso_or_null(a->time_ms), "party", str_or_null(a->party), "person",
                     str_or_null(a->person), "presence", sv_presence_name(a->presence),
                     "notice_date", str_or_null(a->notice_date));
}

/* A signature with its strokes as the pad recorded them: [[x, y, x, y, ...], ...] on the
 * 0..SV_SIG_PAD pad (the library ends each stroke with (-1, -1)). */
static json_t *signature_json(const sv_signature *g)
{
    json_t *strokes = json_array(), *cur = NULL;
    size_t npts = 0;
    for (size_t i = 0; strokes && i < g->n_xy; i++) {
        int32_t x = g->xy[2 * i], y = g->xy[2 * i + 1];
        if (x < 0 || y < 0) {
            cur = NULL;
            continue;
        }
        if (!cur && json_array_append_new(strokes, cur = json_array()))
            cur = NULL;
        if (cur) {
            json_array_append_new(cur, json_integer(x));
            json_array_append_new(cur, json_integer(y));
        }
        npts++;
    }
    char hex[2 * sizeof g->covers + 1];
    for (size_t i = 0; i < sizeof g->covers; i++)
        snprintf(hex + 2 * i, 3, "%02x", g->covers[i]);
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:b, s:s, s:I, s:I, s:o}", "seq",
                     (json_int_t)g->seq, "time", iso_or_null(g->time_ms), "party",
                     str_or_null(g->party), "signer", str_or_null(g->signer), "role",
                     str_or_null(g->role), "current", g->current, "covers", hex, "pad",
                     (json_int_t)SV_SIG_PAD, "points", (json_int_t)npts, "strokes",
                     strokes ? strokes : json_null());
}

static json_t *note_json(const sv_note *n)
{
    /* a library phrase's words in both languages: the text of a phrase alone is its English */
    const sv_reason *ph = n->phrase[0] ? sv_note_phrase_find(n->phrase) : NULL;
    return json_pack(
        "{s:I, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "seq", (json_int_t)n->seq, "time",
        iso_or_null(n->time_ms), "target", sv_note_target(n), "point", str_or_null(n->point),
        "from", str_or_null(n->from), "to", str_or_null(n->to), "phrase", str_or_null(n->phrase),
        "text", str_or_null(n->text), "phrase_zh", str_or_null(sv_note_phrase_zh(n->phrase)),
        "phrase_en", ph ? json_string(ph->label) : json_null());
}

typedef struct payload_ctx {
    json_t *p;
} payload_ctx;

static int take_payload(const sv_entry *e, void *vctx)
{
    payload_ctx *c = vctx;
    c->p = json_loadb(e->payload, e->payload_len, 0, NULL);
    return 1; /* the first entry only */
}

/* The office's latest settle-dispute decision about dispute entry seq of device id (its index
 * row, and the outcome and document from the decision entry in OFFICE_DB.decisions), or JSON
 * null when the office has not settled it. *dj is the office journal, opened on first need. */
static json_t *office_settlement(sy_office *o, const char *code, const char *id, int64_t seq,
                                 sv_journal **dj)
{
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT seq, time, by FROM office_decisions WHERE unit = ?1 AND action = ?2"
                 " AND chosen_device = ?3 AND chosen_seq = ?4 ORDER BY seq DESC LIMIT 1",
                 &st) != SY_OK)
        return json_null();
    sy__bind_text(st, 1, code);
    sy__bind_text(st, 2, SV_DECISION_SETTLE_DISPUTE);
    sy__bind_text(st, 3, id);
    sqlite3_bind_int64(st, 4, seq);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return json_null();
    }
    int64_t dseq = sqlite3_column_int64(st, 0);
    json_t *r = json_pack("{s:I, s:o, s:s}", "decision", (json_int_t)dseq, "time",
                          sy__col_json_time(st, 1), "by", sy__col_text(st, 2));
    sqlite3_finalize(st);
    if (!r)
        return json_null();
    if (!*dj) {
        char *p = sy__str_cat(o->path, ".decisions");
        if (p && sv_journal_open(p, SV_OPEN_READONLY, dj) != SV_OK) {
            sv_journal_close(*dj);
            *dj = NULL;
        }
        free(p);
    }
    payload_ctx c = {NULL};
    if (*dj)
        sv_journal_foreach(*dj, dseq, take_payload, &c);
    static const char *const K[] = {"outcome", "document", "number"};
    for (size_t i = 0; i < 3; i++)
        json_object_set_new(
            r, K[i], str_or_null(c.p ? json_string_value(json_object_get(c.p, K[i])) : NULL));
    json_decref(c.p);
    return r;
}

/* A dispute with the boundary lines it covers (the library's rule over ring, the unit's
 * points in the state's order) and how it stands: "open", "settled_on_site" (a settle entry or
 * recorded settled) or "settled_at_office" (a settle-dispute decision: office). */
static json_t *dispute_json(sy_office *o, const char *code, const char *id, const sv_dispute *d,
                            const char *const *ring, size_t nr, sv_journal **dj)
{
    json_t *lines = json_array();
    for (size_t k = 0; lines && nr >= 2 && k < nr; k++) {
        const char *x = ring[k], *y = ring[(k + 1) % nr];
        if (nr == 2 && k == 1)
            break;
        if (sv_dispute_covers_line(d, ring, nr, x, y))
            json_array_append_new(lines, json_pack("[ss]", x, y));
    }
    json_t *off = office_settlement(o, code, id, d->seq, dj);
    const char *state = json_is_object(off) ? "settled_at_office"
                        : d->settled        ? "settled_on_site"
                                            : "open";
    return json_pack("{s:I, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o}", "seq",
                     (json_int_t)d->seq, "time", iso_or_null(d->time_ms), "number", d->number,
                     "parties", str_or_null(d->parties), "statement", str_or_null(d->statement),
                     "from", str_or_null(d->from), "to", str_or_null(d->to), "lines",
                     lines ? lines : json_null(), "state", state, "settled_by",
                     d->settled_by ? json_integer(d->settled_by) : json_null(), "agreement",
                     str_or_null(d->agreement), "agreement_no", str_or_null(d->agreement_no),
                     "office", off);
}

static json_t *validity_json(sv_validity v)
{
    return v == SV_VALID_UNKNOWN ? json_null() : json_boolean(v == SV_VALID_YES);
}

/* The device's summary of the unit (survey/summary.h: the figures `quejie area`, `tasks list`
 * and the app's Day end show), with the disputes the office settled taken in: {"stage",
 * "missing": [names of sv_unit_missing's bits], "points", "surveyed_area_m2", "plane_area_m2",
 * "perimeter_m", "surveyed_valid", "surveyed_reason", "draft_area_m2", "difference_pct",
 * "walk_vertices", "walk_closure_m", "deviation_max_m", "epsg", "central_meridian",
 * "objections_until", "problem"}; measures null where not computed. JSON null when the
 * replica does not hold the unit or cannot be read (the page still shows the rest). */
static json_t *summary_json(sy_office *o, sv_journal *j, sv_geo *g, const char *device_id,
                            const char *code, sv_crs *crs)
{
    sv_unit_summary s;
    int rc = g ? sv_unit_summarize(j, g, code, &s) : sv_unit_summarize_records(j, code, &s);
    if (rc != SV_OK && rc != SV_ECRS && rc != SV_EINVAL)
        return json_null();
    if (g) /* the unit's plane, for its points' X and Y (the forms' 界址点成果表) */
        *crs = s.crs;
    if (s.progress.disputes_open > 0)
        sv_unit_settled_at_office(&s, sy__settled_at_office(o, j, device_id, code));
    unsigned miss = sv_unit_missing(&s);
    json_t *m = json_array();
    for (unsigned bit = 1; m && bit < (1u << SV_MISSING_COUNT); bit <<= 1)
        if (miss & bit)
            json_array_append_new(m, json_string(sv_missing_name(bit)));
    int three = s.points >= 3;
    json_t *v = json_object();
    if (!v || !m) {
        json_decref(v), json_decref(m);
        return NULL;
    }
    json_object_set_new(v, "stage", json_string(sv_stage_name(sv_unit_stage(&s))));
    json_object_set_new(v, "missing", m);
    json_object_set_new(v, "points", json_integer((json_int_t)s.points));
    json_object_set_new(v, "surveyed_area_m2",
                        three ? num_or_null(s.surveyed.ellipsoidal_m2) : json_null());
    json_object_set_new(v, "plane_area_m2", three ? num_or_null(s.surveyed.plane_m2) : json_null());
    json_object_set_new(v, "perimeter_m",
                        three ? num_or_null(s.surveyed.perimeter_m) : json_null());
    json_object_set_new(v, "surveyed_valid", validity_json(s.surveyed_valid));
    json_object_set_new(v, "surveyed_reason",
                        str_or_null(s.surveyed_reason[0] ? s.surveyed_reason : NULL));
    char zh[SV_REASON_MAX * 2];
    sv_validity_reason_zh(s.surveyed_reason, zh, sizeof zh);
    json_object_set_new(v, "surveyed_reason_zh", str_or_null(s.surveyed_reason[0] ? zh : NULL));
    json_object_set_new(v, "draft_area_m2",
                        s.has_draft && g ? num_or_null(s.draft.ellipsoidal_m2) : json_null());
    json_object_set_new(v, "difference_pct", g ? num_or_null(s.difference_pct) : json_null());
    json_object_set_new(v, "walk_vertices", json_integer((json_int_t)s.walk_vertices));
    json_object_set_new(v, "walk_closure_m", g ? num_or_null(s.walk_closure_m) : json_null());
    json_object_set_new(v, "deviation_max_m", g ? num_or_null(s.deviation.max_m) : json_null());
    json_object_set_new(v, "epsg", s.crs.epsg ? json_integer(s.crs.epsg) : json_null());
    json_object_set_new(v, "central_meridian",
                        g ? num_or_null(sv_geo_central_meridian(s.crs)) : json_null());
    json_object_set_new(v, "objections_until",
                        str_or_null(s.objections_until[0] ? s.objections_until : NULL));
    json_object_set_new(v, "problem", str_or_null(s.problem[0] ? s.problem : NULL));
    return v;
}

/* A device whose replica cannot be read (a damaged file): its part says so, with empty lists
 * and summary null, and the unit's other devices are shown all the same (one unreadable
 * replica answered 500 for the whole unit). The reason goes to the office's log, not to the
 * browser (it names files). */
static int device_unreadable(sy_office *o, const char *code, const char *id, const char *name,
                             const char *crew, json_t *out)
{
    sy__logf(o, "unit %s: the replica of %s cannot be read: %s", code, name, o->errmsg);
    json_t *d = json_pack("{s:s, s:s, s:o, s:[], s:[], s:[], s:[], s:[], s:[], s:n, s:s}", "device",
                          name, "device_id", id, "crew", str_or_null(crew), "points",
                          "verifications", "attendance", "signatures", "disputes", "notes",
                          "summary", "error", "replica_unreadable");
    if (!d || json_array_append_new(out, d))
        return sy__fail(o, SY_ENOMEM, "out of memory");
    return SY_OK;
}

/* What device's replica holds about unit: {device, crew, device_id, points, verifications,
 * attendance, signatures, disputes, notes}. */
static int device_part(sy_office *o, sv_geo *g, const char *code, const char *id, const char *name,
                       const char *crew, json_t *out)
{
    sv_journal *j = NULL;
    int rc = sy__replica_read(o, id, &j);
    if (rc == SY_OK && !j) /* nothing of it arrived yet */
        return SY_OK;
    if (rc != SY_OK)
        return rc == SY_ENOMEM ? rc : device_unreadable(o, code, id, name, crew, out);
    sv_bpoint *pts = NULL;
    sv_verification *ver = NULL;
    sv_attendance *att = NULL;
    sv_signature *sig = NULL;
    sv_dispute *dis = NULL;
    sv_note *nts = NULL;
    const char **ring = NULL;
    sv_journal *dj = NULL; /* the office's journal, for its settlements */
    size_t np = 0, nv = 0, na = 0, ns = 0, nd = 0, nn = 0;
    if (sv_state_points(j, code, &pts, &np) != SV_OK ||
        sv_state_verifications(j, code, &ver, &nv) != SV_OK ||
        sv_state_attendance(j, code, &att, &na) != SV_OK ||
        sv_state_signatures(j, code, &sig, &ns) != SV_OK ||
        sv_state_disputes(j, code, &dis, &nd) != SV_OK ||
        sv_state_notes(j, code, &nts, &nn) != SV_OK) {
        sy__fail(o, SY_EIO, "replica of %s: %s", name, sv_journal_errmsg(j));
        rc = device_unreadable(o, code, id, name, crew, out);
        goto out;
    }
    ring = malloc((np ? np : 1) * sizeof *ring);
    if (!ring) {
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < np; i++)
        ring[i] = pts[i].number;
    json_t *jp = json_array(), *jv = json_array(), *ja = json_array(), *jg = json_array(),
           *jd = json_array(), *jn = json_array();
    sv_crs crs = {0, 0};
    json_t *sm = summary_json(o, j, g, id, code, &crs);
    for (size_t i = 0; jp && i < np; i++)
        json_array_append_new(jp, point_json(&pts[i], g, &crs));
    for (size_t i = 0; jv && i < nv; i++)
        json_array_append_new(jv, verification_json(&ver[i]));
    for (size_t i = 0; ja && i < na; i++)
        json_array_append_new(ja, attendance_json(&att[i]));
    for (size_t i = 0; jg && i < ns; i++)
        json_array_append_new(jg, signature_json(&sig[i]));
    for (size_t i = 0; jd && i < nd; i++)
        json_array_append_new(jd, dispute_json(o, code, id, &dis[i], ring, np, &dj));
    for (size_t i = 0; jn && i < nn; i++)
        json_array_append_new(jn, note_json(&nts[i]));
    json_t *d = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "device", name,
                          "device_id", id, "crew", str_or_null(crew), "points",
                          jp ? jp : json_null(), "verifications", jv ? jv : json_null(),
                          "attendance", ja ? ja : json_null(), "signatures", jg ? jg : json_null(),
                          "disputes", jd ? jd : json_null(), "notes", jn ? jn : json_null());
    if (d) {
        if (!sm || json_object_set_new(d, "summary", sm)) {
            json_decref(d);
            d = NULL;
        }
        sm = NULL;
    }
    json_decref(sm);
    if (!d || json_array_append_new(out, d))
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
out:
    free(ring);
    sv_journal_close(dj);
    sv_bpoints_free(pts, np);
    sv_verifications_free(ver, nv);
    sv_attendances_free(att, na);
    sv_signatures_free(sig, ns);
    sv_disputes_free(dis, nd);
    sv_notes_free(nts, nn);
    sv_journal_close(j);
    return rc;
}

/* Rows of sql (?1 = code) as objects with the given keys; columns typed by SQLite. */
static int rows(sy_office *o, const char *sql, const char *code, const char *const *keys,
                json_t *out)
{
    sqlite3_stmt *st;
    int rc = sy__prep(o, sql, &st);
    if (rc != SY_OK)
        return rc;
    sy__bind_text(st, 1, code);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *r = json_object();
        if (!r || json_array_append_new(out, r)) {
            sqlite3_finalize(st);
            return sy__fail(o, SY_ENOMEM, "out of memory");
        }
        for (int i = 0; keys[i]; i++) {
            json_t *v;
            if (strcmp(keys[i], "time") == 0 || strcmp(keys[i], "created") == 0 ||
                strcmp(keys[i], "resolved") == 0)
                v = sy__col_json_time(st, i);
            else if (strcmp(keys[i], "held") == 0)
                v = json_boolean(sqlite3_column_int(st, i));
            else if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
                v = json_integer(sqlite3_column_int64(st, i));
            else
                v = sy__col_json_str(st, i);
            json_object_set_new(r, keys[i], v);
        }
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? SY_OK : sy__fail_db(o, "cannot read the unit's records");
}

/* The files kept with the unit, oldest first: the office's (decisions "attach": source
 * "office", by the staff member) and the crews' (tablet entries "attach": source "field", by
 * the device's name, with its id, the entry's seq and the point). held: the office holds the
 * bytes (a crew's file arrives after its entry, docs/sync-protocol.md). */
static int attachment_rows(sy_office *o, const char *code, json_t *out)
{
    static const char *const AK[] = {"seq",    "time", "by",     "what",   "name",  "type", "bytes",
                                     "sha256", "note", "source", "device", "point", "held", NULL};
    return rows(o,
                "SELECT seq, time, by, what, name, type, bytes, sha256, note, 'office', NULL,"
                " NULL, 1 FROM unit_attachments WHERE unit = ?1"
                " UNION ALL SELECT f.seq, f.time, coalesce(d.name, f.device_id), f.what, f.name,"
                " f.type, f.bytes, f.sha256, f.note, 'field', f.device_id, f.point,"
                " EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = f.sha256)"
                " FROM field_attachments f LEFT JOIN devices d ON d.device_id = f.device_id"
                " WHERE f.unit = ?1 ORDER BY 2, 1",
                code, AK, out);
}

int sy_office_unit_detail(sy_office *o, const char *code, char **json)
{
    *json = NULL;
    if (!code || !*code)
        return sy__fail(o, SY_EREFUSED, "no unit code given");
    json_t *out;
    int rc = sy__office_unit_row(o, code, &out);
    if (rc != SY_OK)
        return rc;
    json_t *devs = json_array(), *dec = json_array(), *cases = json_array(), *att = json_array();
    if (!out || !devs || !dec || !cases || !att) {
        json_decref(out), json_decref(devs), json_decref(dec), json_decref(cases);
        json_decref(att);
        return sy__fail(o, SY_ENOMEM, "out of memory");
    }
    json_object_set_new(out, "geometry", json_null());
    json_object_set_new(out, "devices", devs);
    json_object_set_new(out, "decisions", dec);
    json_object_set_new(out, "cases", cases);
    json_object_set_new(out, "attachments", att);
    sqlite3_stmt *st;
    rc = sy__prep(o, "SELECT feature FROM tasks WHERE code = ?1", &st);
    if (rc == SY_OK) {
        sy__bind_text(st, 1, code);
        if (sqlite3_step(st) == SQLITE_ROW)
            json_object_set_new(out, "geometry", task_geometry(sy__col_text(st, 0)));
        sqlite3_finalize(st);
    }
    /* the devices that sent anything about the unit, in registration order, each with its
     * summary of it: without PROJ (a broken installation) its records part still is */
    sv_geo *g = NULL;
    if (rc == SY_OK && sv_geo_new(&g) != SV_OK) {
        sy__logf(o, "unit %s: PROJ cannot be initialised: the page shows no areas", code);
        g = NULL;
    }
    if (rc == SY_OK)
        rc = sy__prep(o,
                      "SELECT d.device_id, d.name, d.crew FROM devices d WHERE d.device_id IN"
                      " (SELECT device_id FROM unit_activity WHERE unit = ?1) ORDER BY d.id",
                      &st);
    if (rc == SY_OK) {
        sy__bind_text(st, 1, code);
        int step;
        while (rc == SY_OK && (step = sqlite3_step(st)) == SQLITE_ROW)
            rc = device_part(o, g, code, sy__col_text(st, 0), sy__col_text(st, 1),
                             (const char *)sqlite3_column_text(st, 2), devs);
        if (rc == SY_OK && step != SQLITE_DONE)
            rc = sy__fail_db(o, "cannot read the devices");
        sqlite3_finalize(st);
    }
    sv_geo_free(g);
    static const char *const DK[] = {"seq",        "time",        "action",    "by",
                                     "note",       "case",        "accept",    "chosen_device",
                                     "chosen_seq", "notice_from", "notice_to", NULL};
    if (rc == SY_OK)
        rc = rows(o,
                  "SELECT seq, time, action, by, note, case_id, accept, chosen_device, chosen_seq,"
                  " date_from, date_to FROM office_decisions WHERE unit = ?1 OR case_id IN"
                  " (SELECT id FROM review WHERE other_unit = ?1) ORDER BY seq",
                  code, DK, dec);
    /* an edge match's case is the unit's whichever of its two points is the unit's */
    static const char *const CK[] = {"id",         "subject",       "kind",     "detail",
                                     "status",     "created",       "resolved", "note",
                                     "other_unit", "other_subject", "unit",     NULL};
    if (rc == SY_OK)
        rc = rows(o,
                  "SELECT id, subject, kind, detail, status, created, resolved, note, other_unit,"
                  " other_subject, unit FROM review WHERE unit = ?1 OR other_unit = ?1 ORDER BY id",
                  code, CK, cases);
    if (rc == SY_OK)
        rc = attachment_rows(o, code, att);
    if (rc != SY_OK) {
        json_decref(out);
        return rc;
    }
    return sy__json_text(o, out, json);
}

int sy_office_unit_attachments(sy_office *o, const char *code, char **json)
{
    *json = NULL;
    sv_life state;
    int rc = code && *code ? sy__unit_state(o, code, &state) : SY_ENOTFOUND;
    if (rc == SY_ENOTFOUND)
        return sy__fail(o, SY_ENOTFOUND, "no unit %s at the office", code ? code : "");
    json_t *att = rc == SY_OK ? json_array() : NULL;
    if (rc == SY_OK && !att)
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    if (rc == SY_OK)
        rc = attachment_rows(o, code, att);
    if (rc != SY_OK) {
        json_decref(att);
        return rc;
    }
    return sy__json_text(o, att, json);
}

/* ---- today's tracks on the overview map ------------------------------------------------------ */

/* [from_ms, to_ms) of the office's local calendar day date (YYYY-MM-DD, checked). */
static int local_day(const char *date, int64_t *from_ms, int64_t *to_ms)
{
    int y, m, d;
    if (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return -1;
    struct tm a = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
    struct tm b = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + 1, .tm_isdst = -1};
    time_t ta = mktime(&a), tb = mktime(&b);
    if (ta == (time_t)-1 || tb == (time_t)-1)
        return -1;
    *from_ms = (int64_t)ta * 1000;
    *to_ms = (int64_t)tb * 1000;
    return 0;
}

/* The walks of t (jumps left out) as LineString features, each thinned to at most
 * SY_TRACK_MAX_VERTICES vertices kept evenly along it (its first and last always kept). */
static int walk_features(const sv_track *t, const char *name, const char *id, const char *crew,
                         const char *unit, json_t *feats)
{
    size_t *idx = malloc((t->n ? t->n : 1) * sizeof *idx);
    unsigned char *done = calloc(t->n ? t->n : 1, 1);
    int rc = idx && done ? 0 : -1;
    for (size_t s = 0; rc == 0 && s < t->n; s++) {
        if (done[s] || t->jump[s])
            continue;
        size_t m = 0; /* the walk's vertices in recording order */
        for (size_t i = s; i < t->n; i++)
            if (t->walk[i] == t->walk[s] && !t->jump[i]) {
                idx[m++] = i;
                done[i] = 1;
            }
        if (m < 2)
            continue;
        size_t keep = m > SY_TRACK_MAX_VERTICES ? SY_TRACK_MAX_VERTICES : m;
        json_t *coords = json_array();
        for (size_t k = 0; coords && k < keep; k++) {
            size_t i = idx[keep == m ? k : (k * (m - 1) + (keep - 1) / 2) / (keep - 1)];
            json_array_append_new(coords,
                                  json_pack("[ff]", t->lonlat[2 * i], t->lonlat[2 * i + 1]));
        }
        json_t *f = json_pack(
            "{s:s, s:{s:s, s:o}, s:{s:s, s:s, s:o, s:s, s:I, s:I, s:I}}", "type", "Feature",
            "geometry", "type", "LineString", "coordinates", coords ? coords : json_null(),
            "properties", "device", name, "device_id", id, "crew", str_or_null(crew), "unit", unit,
            "walk", (json_int_t)t->walk[s], "vertices", (json_int_t)m, "shown", (json_int_t)keep);
        if (!f || json_array_append_new(feats, f))
            rc = -1;
    }
    free(idx);
    free(done);
    return rc;
}

int sy_office_tracks(sy_office *o, const char *date, char **json)
{
    *json = NULL;
    char day[16];
    if (!date || !*date) {
        time_t now = time(NULL);
        struct tm tm;
        if (!localtime_r(&now, &tm) || strftime(day, sizeof day, "%Y-%m-%d", &tm) != 10)
            return sy__fail(o, SY_EIO, "cannot read the office's clock");
    } else if (!sv_date_ok(date)) {
        return sy__fail(o, SY_EINVAL,
                        "the date must be a real date written YYYY-MM-DD, not '%.40s'", date);
    } else {
        snprintf(day, sizeof day, "%s", date);
    }
    int64_t from_ms, to_ms;
    if (local_day(day, &from_ms, &to_ms))
        return sy__fail(o, SY_EINVAL, "the date %s is out of range", day);
    /* only the units a device recorded something about since the day began (unit_activity's
     * last_time is its latest entry's tablet time), so a quiet replica is never opened */
    sqlite3_stmt *st;
    int rc = sy__prep(o,
                      "SELECT a.device_id, d.name, d.crew, a.unit FROM unit_activity a"
                      " JOIN devices d ON d.device_id = a.device_id WHERE a.last_time >= ?1"
                      " ORDER BY d.id, a.unit",
                      &st);
    if (rc != SY_OK)
        return rc;
    sqlite3_bind_int64(st, 1, from_ms);
    json_t *feats = json_array();
    sv_journal *j = NULL;
    char open_id[SY_NAME_MAX] = "";
    int step = SQLITE_DONE;
    while (rc == SY_OK && feats && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = sy__col_text(st, 0), *unit = sy__col_text(st, 3);
        if (strcmp(id, open_id) != 0) {
            sv_journal_close(j);
            j = NULL;
            snprintf(open_id, sizeof open_id, "%s", id);
            /* a damaged replica leaves its tracks off the overview's map, not the others:
             * the reason goes to the office's log */
            if ((rc = sy__replica_read(o, id, &j)) != SY_OK && rc != SY_ENOMEM) {
                sy__logf(o, "tracks: the replica of %s cannot be read: %s", sy__col_text(st, 1),
                         o->errmsg);
                rc = SY_OK;
                j = NULL;
            }
            if (rc != SY_OK)
                break;
        }
        if (!j)
            continue;
        sv_track t;
        if (sv_state_track_between(j, unit, from_ms, to_ms, &t) != SV_OK) {
            sy__logf(o, "tracks: the replica of %s: %s", sy__col_text(st, 1), sv_journal_errmsg(j));
            continue;
        }
        if (walk_features(&t, sy__col_text(st, 1), id, (const char *)sqlite3_column_text(st, 2),
                          unit, feats))
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
        sv_track_clear(&t);
    }
    if (rc == SY_OK && feats && step != SQLITE_DONE)
        rc = sy__fail_db(o, "cannot read the units' activity");
    sqlite3_finalize(st);
    sv_journal_close(j);
    if (rc == SY_OK && !feats)
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    if (rc != SY_OK) {
        json_decref(feats);
        return rc;
    }
    json_t *fc = json_pack("{s:s, s:s, s:I, s:o}", "type", "FeatureCollection", "date", day,
                           "max_vertices", (json_int_t)SY_TRACK_MAX_VERTICES, "features", feats);
    /* coordinates to about a millimetre (11 significant digits), not 17 */
    *json =
        fc ? json_dumps(fc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(11)) : NULL;
    json_decref(fc);
    return *json ? SY_OK : sy__fail(o, SY_ENOMEM, "out of memory");
}
