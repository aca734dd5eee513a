/*
 * office_unit.c - what the console's overview map and unit page read (sy_office_units_geojson,
 * sy_office_unit_detail): every unit's draft with its lifecycle state, and one unit's draft,
 * each device's points with their GNSS provenance, verifications, review cases and the office's
 * decisions about it.
 *
 * It must never write (it runs on the server's read-only handles, and on the writer only when
 * the lifecycle index is behind) and never decide a state itself: the state is the one
 * sy_office_units computed (sv_unit_life).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "office_int.h"
#include "survey/state.h"

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

static json_t *unit_of(const json_t *units, const char *code)
{
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u)
    {
        const char *c = json_string_value(json_object_get(u, "code"));
        if (c && strcmp(c, code) == 0)
            return u;
    }
    return NULL;
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
static json_t *point_json(const sv_bpoint *p)
{
    json_t *v = json_object();
    if (!v)
        return NULL;
    double sh = (isfinite(p->q.sigma_e) && isfinite(p->q.sigma_n))
                    ? sqrt(p->q.sigma_e * p->q.sigma_e + p->q.sigma_n * p->q.sigma_n)
                    : NAN;
    json_object_set_new(v, "number", json_string(p->number));
    json_object_set_new(v, "seq", json_integer(p->seq));
    json_object_set_new(v, "time", iso_or_null(p->time_ms));
    json_object_set_new(v, "lat", num_or_null(p->lat));
    json_object_set_new(v, "lon", num_or_null(p->lon));
    json_object_set_new(v, "h", num_or_null(p->h));
    json_object_set_new(v, "grade", json_string(sv_grade_name(p->q.grade)));
    json_object_set_new(v, "n", json_integer(p->q.n));
    json_object_set_new(v, "sigma_h", num_or_null(sh));
    json_object_set_new(v, "sigma_u", num_or_null(p->q.sigma_u));
    json_object_set_new(v, "method", str_or_null(p->method));
    json_object_set_new(v, "pole_h", p->pole_set == 1 ? num_or_null(p->pole_h) : json_null());
    json_object_set_new(v, "point_type", str_or_null(p->point_type));
    json_object_set_new(v, "override", str_or_null(p->override_code));
    return v;
}

static json_t *verification_json(const sv_verification *x)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:I, s:o}", "field", sv_field_name(x->field), "status",
                     sv_vstatus_name(x->status), "value", str_or_null(x->value), "note",
                     str_or_null(x->note), "seq", (json_int_t)x->seq, "time",
                     iso_or_null(x->time_ms));
}

/* What device's replica holds about unit: {device, crew, device_id, points, verifications}. */
static int device_part(sy_office *o, const char *code, const char *id, const char *name,
                       const char *crew, json_t *out)
{
    sv_journal *j = NULL;
    int rc = sy__replica_read(o, id, &j);
    if (rc != SY_OK || !j)
        return rc;
    sv_bpoint *pts = NULL;
    sv_verification *ver = NULL;
    size_t np = 0, nv = 0;
    if (sv_state_points(j, code, &pts, &np) != SV_OK ||
        sv_state_verifications(j, code, &ver, &nv) != SV_OK) {
        rc = sy__fail(o, SY_EIO, "replica of %s: %s", name, sv_journal_errmsg(j));
        goto out;
    }
    json_t *jp = json_array(), *jv = json_array();
    for (size_t i = 0; jp && i < np; i++)
        json_array_append_new(jp, point_json(&pts[i]));
    for (size_t i = 0; jv && i < nv; i++)
        json_array_append_new(jv, verification_json(&ver[i]));
    json_t *d = json_pack("{s:s, s:s, s:o, s:o, s:o}", "device", name, "device_id", id, "crew",
                          str_or_null(crew), "points", jp ? jp : json_null(), "verifications",
                          jv ? jv : json_null());
    if (!d || json_array_append_new(out, d))
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
out:
    sv_bpoints_free(pts, np);
    sv_verifications_free(ver, nv);
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

int sy_office_unit_detail(sy_office *o, const char *code, char **json)
{
    *json = NULL;
    int rc;
    json_t *units = units_array(o, &rc);
    if (!units)
        return rc;
    json_t *u = code ? unit_of(units, code) : NULL;
    if (!u) {
        json_decref(units);
        return sy__fail(o, SY_EREFUSED, "no unit %s at this office", code ? code : "(none)");
    }
    json_t *out = json_deep_copy(u);
    json_decref(units);
    json_t *devs = json_array(), *dec = json_array(), *cases = json_array();
    if (!out || !devs || !dec || !cases) {
        json_decref(out), json_decref(devs), json_decref(dec), json_decref(cases);
        return sy__fail(o, SY_ENOMEM, "out of memory");
    }
    json_object_set_new(out, "geometry", json_null());
    json_object_set_new(out, "devices", devs);
    json_object_set_new(out, "decisions", dec);
    json_object_set_new(out, "cases", cases);
    sqlite3_stmt *st;
    rc = sy__prep(o, "SELECT feature FROM tasks WHERE code = ?1", &st);
    if (rc == SY_OK) {
        sy__bind_text(st, 1, code);
        if (sqlite3_step(st) == SQLITE_ROW)
            json_object_set_new(out, "geometry", task_geometry(sy__col_text(st, 0)));
        sqlite3_finalize(st);
    }
    /* the devices that sent anything about the unit, in registration order */
    if (rc == SY_OK)
        rc = sy__prep(o,
                      "SELECT d.device_id, d.name, d.crew FROM devices d WHERE d.device_id IN"
                      " (SELECT device_id FROM unit_activity WHERE unit = ?1) ORDER BY d.id",
                      &st);
    if (rc == SY_OK) {
        sy__bind_text(st, 1, code);
        int step;
        while (rc == SY_OK && (step = sqlite3_step(st)) == SQLITE_ROW)
            rc = device_part(o, code, sy__col_text(st, 0), sy__col_text(st, 1),
                             (const char *)sqlite3_column_text(st, 2), devs);
        if (rc == SY_OK && step != SQLITE_DONE)
            rc = sy__fail_db(o, "cannot read the devices");
        sqlite3_finalize(st);
    }
    static const char *const DK[] = {"seq",        "time",        "action",    "by",
                                     "note",       "case",        "accept",    "chosen_device",
                                     "chosen_seq", "notice_from", "notice_to", NULL};
    if (rc == SY_OK)
        rc = rows(o,
                  "SELECT seq, time, action, by, note, case_id, accept, chosen_device, chosen_seq,"
                  " date_from, date_to FROM office_decisions WHERE unit = ?1 ORDER BY seq",
                  code, DK, dec);
    static const char *const CK[] = {"id",      "subject",  "kind", "detail", "status",
                                     "created", "resolved", "note", NULL};
    if (rc == SY_OK)
        rc = rows(o,
                  "SELECT id, subject, kind, detail, status, created, resolved, note FROM review"
                  " WHERE unit = ?1 ORDER BY id",
                  code, CK, cases);
    if (rc != SY_OK) {
        json_decref(out);
        return rc;
    }
    return sy__json_text(o, out, json);
}
