/*
 * office_tasks.c - the office's task packages: importing a GeoJSON package (validated by
 * sv_tasks_parse, all or nothing) assigned to a device or crew, listing the units, and the
 * signed package each device downloads.
 *
 * It must never store a unit the survey library did not validate, hand a device units assigned
 * to someone else, or sign anything but the exact bytes it sends.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "office_int.h"
#include "survey/clock.h"
#include "survey/geo.h"
#include "survey/tasks.h"

/* ---- tasks ----------------------------------------------------------------------------------- */

static int read_file(sy_office *o, const char *file, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(file, "rb");
    if (!f)
        return sy__fail(o, SY_EIO, "%s: %s", file, strerror(errno));
    size_t cap = 0, n = 0;
    char *b = NULL;
    int rc = SY_OK;
    for (;;) {
        if (n == cap) {
            if (cap >= SV_TASKS_MAX_BYTES) {
                rc = sy__fail(o, SY_EFORMAT, "%s: larger than %u bytes", file, SV_TASKS_MAX_BYTES);
                break;
            }
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(b, cap + 1);
            if (!nb) {
                rc = sy__fail(o, SY_ENOMEM, "%s: out of memory", file);
                break;
            }
            b = nb;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f))
                rc = sy__fail(o, SY_EIO, "%s: %s", file, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (rc != SY_OK) {
        free(b);
        return rc;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return SY_OK;
}

/* The unit's draft as a GeoJSON MultiPolygon in lon/lat (for packages in a projected CRS). */
static json_t *geom_json(const sv_geom *g)
{
    json_t *parts = json_array();
    size_t ring = 0, pt = 0;
    for (size_t p = 0; parts && p < g->n_parts; p++) {
        json_t *rings = json_array();
        for (size_t r = 0; rings && r < g->part_rings[p] && ring < g->n_rings; r++, ring++) {
            json_t *pos = json_array();
            for (size_t k = 0; pos && k < g->ring_pts[ring] && pt < g->n_pts; k++, pt++)
                json_array_append_new(
                    pos, json_pack("[f, f]", g->lonlat[2 * pt], g->lonlat[2 * pt + 1]));
            json_array_append_new(rings, pos);
        }
        json_array_append_new(parts, rings);
    }
    return json_pack("{s:s, s:o}", "type", "MultiPolygon", "coordinates", parts);
}

int sy_office_tasks_import(sy_office *o, const char *file, const char *assign, int reassign,
                           size_t *count)
{
    *count = 0;
    if (!sy__name_ok(assign))
        return sy__fail(o, SY_EINVAL, "--assign needs a device or crew name");
    char *buf;
    size_t len;
    int rc = read_file(o, file, &buf, &len);
    if (rc != SY_OK)
        return rc;
    rc = sy_office_tasks_import_buf(o, file, buf, len, assign, reassign, count);
    free(buf);
    return rc;
}

/* 1 when a registered tablet that had units assigned to from would not have them assigned to
 * to (a device by its name or its crew): a device's units handed to its own crew lose nobody. */
static int tablets_lose(sy_office *o, const char *from, const char *to)
{
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT EXISTS (SELECT 1 FROM devices WHERE status <> 'revoked'"
                 " AND (name = ?1 OR coalesce(crew, '') = ?1)"
                 " AND NOT (name = ?2 OR coalesce(crew, '') = ?2))",
                 &st))
        return 1;
    sy__bind_text(st, 1, from);
    sy__bind_text(st, 2, to);
    int lose = sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return lose;
}

/* Whether a stored task feature (lon/lat, as import keeps it) is unit u by the tablet's rule
 * (sv_unit_same): the same package in another CRS, or with its properties in another order or
 * with columns the office ignores, changes nothing. */
static int same_as_stored(const char *feature, const sv_unit *u, sv_geo *g)
{
    static const char head[] = "{\"type\":\"FeatureCollection\",\"features\":[", tail[] = "]}";
    size_t n = strlen(feature);
    char *buf = malloc(sizeof head + n + sizeof tail);
    if (!buf)
        return 0;
    memcpy(buf, head, sizeof head - 1);
    memcpy(buf + sizeof head - 1, feature, n);
    memcpy(buf + sizeof head - 1 + n, tail, sizeof tail);
    sv_task_set set;
    memset(&set, 0, sizeof set);
    sv_diag d = {{0}};
    int same = sv_tasks_parse("stored", buf, strlen(buf), g, NULL, &set, &d) == SV_OK &&
               set.n == 1 && sv_unit_same(&set.units[0], u);
    sv_task_set_clear(&set);
    free(buf);
    return same;
}

int sy_office_tasks_import_buf(sy_office *o, const char *file, const char *buf, size_t len,
                               const char *assign, int reassign, size_t *count)
{
    *count = 0;
    if (!sy__name_ok(assign))
        return sy__fail(o, SY_EINVAL, "--assign needs a device or crew name");
    if (!file || !*file)
        file = "package";
    if (len > SV_TASKS_MAX_BYTES)
        return sy__fail(o, SY_EFORMAT, "%s: larger than %u bytes", file, SV_TASKS_MAX_BYTES);
    int rc = SY_OK;
    sv_geo *g = NULL;
    if (sv_geo_new(&g) != SV_OK)
        return sy__fail(o, SY_EIO, "cannot initialise PROJ (is proj-data installed?)");
    sv_task_set set = {0};
    sv_diag d = {{0}};
    int src = sv_tasks_parse(file, buf, len, g, NULL, &set, &d);
    if (src != SV_OK) {
        sv_geo_free(g);
        return sy__fail(o, src == SV_ENOMEM ? SY_ENOMEM : SY_EFORMAT, "%s",
                        d.msg[0] ? d.msg : sv_strerror(src));
    }
    /* A package in a projected CRS is stored with the lon/lat geometry the validation
     * computed, so that every package the office hands out is plain RFC 7946. */
    sv_geo_src *gs = NULL;
    int geographic = sv_geo_src_new(g, set.crs, &gs) == SV_OK && sv_geo_src_is_geographic(gs);
    sv_geo_src_free(gs);
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_DECODE_ANY, &jerr);
    json_t *features = json_object_get(root, "features");
    if (!json_is_array(features) || json_array_size(features) != set.n + set.skipped)
        rc = sy__fail(o, SY_EFORMAT, "%s: the features do not match the validated units", file);
    int64_t t = sv_wall_ms();
    if (rc == SY_OK)
        rc = sy__exec(o, "BEGIN IMMEDIATE");
    sqlite3_stmt *st = NULL, *old = NULL;
    if (rc == SY_OK)
        rc = sy__prep(o,
                      "INSERT OR REPLACE INTO tasks(code, assign, feature, source, imported)"
                      " VALUES (?, ?, ?, ?, ?)",
                      &st);
    if (rc == SY_OK)
        rc = sy__prep(o, "SELECT feature, assign FROM tasks WHERE code = ?", &old);
    for (size_t i = 0; rc == SY_OK && i < set.n; i++) {
        json_t *f = json_deep_copy(json_array_get(features, set.feature[i]));
        if (f && !geographic)
            json_object_set_new(f, "geometry", geom_json(&set.units[i].draft));
        char *text = f ? json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(f);
        if (!text) {
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
            break;
        }
        /* A unit the office has accepted (and so may have put to public notice) keeps the
         * draft and registration data it was accepted with: a package changing them is refused
         * whole. The same feature again (a new assignment, a package sent twice) is taken. */
        sqlite3_reset(old);
        sy__bind_text(old, 1, set.units[i].code);
        sv_life state;
        int had = sqlite3_step(old) == SQLITE_ROW;
        int have_state = had && sy__unit_state(o, set.units[i].code, &state) == SY_OK;
        /* A unit a crew has begun (anything arrived about it) moved to another crew: its
         * tablets would lose it from their tasks at the next sync, a return's note with it.
         * Only when asked for (--reassign, the console's box), never by a package uploaded
         * again for another crew by mistake. */
        if (had && !reassign && have_state && state != SV_LIFE_ASSIGNED &&
            strcmp(sy__col_text(old, 1), assign) != 0 &&
            tablets_lose(o, sy__col_text(old, 1), assign)) {
            free(text);
            rc = sy__fail(o, SY_EREFUSED,
                          "%s: unit %s is %s with %s: assigning it to %s takes it from that "
                          "crew's tablets; import with --reassign if that is meant (nothing "
                          "imported)",
                          file, set.units[i].code, sv_life_phrase(state), sy__col_text(old, 1),
                          assign);
            break;
        }
        if (had && have_state && state >= SV_LIFE_ACCEPTED &&
            strcmp(sy__col_text(old, 0), text) != 0 &&
            !same_as_stored(sy__col_text(old, 0), &set.units[i], g)) {
            free(text);
            rc = sy__fail(o, SY_ESTATE,
                          "%s: unit %s is %s at the office: a package cannot change what was "
                          "accepted (its draft or registration data)",
                          file, set.units[i].code, sv_life_phrase(state));
            break;
        }
        sqlite3_reset(st);
        sy__bind_text(st, 1, set.units[i].code);
        sy__bind_text(st, 2, assign);
        sqlite3_bind_text(st, 3, text, -1, free);
        sy__bind_text(st, 4, set.units[i].source);
        sqlite3_bind_int64(st, 5, t);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sy__fail_db(o, "cannot store the task unit");
    }
    sqlite3_finalize(st);
    sqlite3_finalize(old);
    if (rc == SY_OK)
        rc = sy__exec(o, "COMMIT");
    else if (o->db)
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
    json_decref(root);
    if (rc == SY_OK) {
        *count = set.n;
        sy__logf(o, "tasks imported: %zu unit%s from %s assigned to %s", set.n,
                 set.n == 1 ? "" : "s", file, assign);
    }
    sv_task_set_clear(&set);
    sv_geo_free(g);
    return rc;
}

int sy_office_assignee_known(sy_office *o, const char *name)
{
    sqlite3_stmt *st;
    if (!name || sy__prep(o, "SELECT 1 FROM devices WHERE name = ?1 OR crew = ?1 LIMIT 1", &st))
        return 0;
    sy__bind_text(st, 1, name);
    int known = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return known;
}

int sy_office_tasks(sy_office *o, char **out)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (sy__prep(o, "SELECT code, assign, imported FROM tasks ORDER BY code", &st))
        return SY_EIO;
    json_t *arr = json_array();
    int src;
    while (arr && (src = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:o, s:o, s:o}", "code", sy__col_json_str(st, 0),
                                             "assign", sy__col_json_str(st, 1), "imported",
                                             sy__col_json_time(st, 2)));
    sqlite3_finalize(st);
    return sy__json_text(o, arr, out);
}

/* The units assigned to dev (by its name or its crew) as a FeatureCollection of their stored
 * features, in code order (*fc, caller decrefs). */
static int features_for(sy_office *o, const sy_device *dev, json_t **fc)
{
    *fc = NULL;
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT feature FROM tasks WHERE assign = ?1 OR (?2 <> '' AND assign = ?2)"
                 " ORDER BY code",
                 &st))
        return SY_EIO;
    sy__bind_text(st, 1, dev->name);
    sy__bind_text(st, 2, dev->crew);
    json_t *features = json_array();
    json_t *c = json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", features);
    int rc = c ? SY_OK : sy__fail(o, SY_ENOMEM, "out of memory"), src = SQLITE_DONE;
    while (rc == SY_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *f = json_loads(sy__col_text(st, 0), 0, NULL);
        if (!f)
            rc = sy__fail(o, SY_EIO, "a stored task feature is not JSON");
        else if (json_array_append_new(features, f) != 0)
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
    }
    if (rc == SY_OK && src != SQLITE_DONE)
        rc = sy__fail_db(o, "tasks");
    sqlite3_finalize(st);
    if (rc == SY_OK)
        *fc = c;
    else
        json_decref(c);
    return rc;
}

int sy__tasks_stamp_for(sy_office *o, const sy_device *dev, char out[80])
{
    out[0] = '\0';
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT count(*), coalesce(max(imported), 0), coalesce(sum(length(feature)), 0)"
                 " FROM tasks WHERE assign = ?1 OR (?2 <> '' AND assign = ?2)",
                 &st))
        return SY_EIO;
    sy__bind_text(st, 1, dev->name);
    sy__bind_text(st, 2, dev->crew);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, 80, "%lld/%lld/%lld", (long long)sqlite3_column_int64(st, 0),
                 (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
    return out[0] ? SY_OK : sy__fail_db(o, "tasks");
}

int sy__tasks_units_for(sy_office *o, const sy_device *dev, sv_task_set *out)
{
    memset(out, 0, sizeof *out);
    json_t *fc;
    int rc = features_for(o, dev, &fc);
    char *text = rc == SY_OK ? json_dumps(fc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(fc);
    if (rc != SY_OK)
        return rc;
    if (!text)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    sv_diag d = {{0}};
    /* stored as RFC 7946 lon/lat (a projected package is converted on import): no PROJ */
    int src = sv_tasks_parse("the stored tasks", text, strlen(text), NULL, NULL, out, &d);
    free(text);
    if (src != SV_OK)
        return sy__fail(o, src == SV_ENOMEM ? SY_ENOMEM : SY_EIO, "tasks of %s: %s", dev->name,
                        d.msg[0] ? d.msg : sv_strerror(src));
    return SY_OK;
}

int sy_office_tasks_for(sy_office *o, const sy_device *dev, char **body, size_t *len,
                        char sig_hex[2 * 64 + 1])
{
    *body = NULL;
    *len = 0;
    json_t *fc;
    int rc = features_for(o, dev, &fc);
    if (rc != SY_OK)
        return rc;
    /* The office status of the device's units (a foreign member, signed with the package). */
    char *status = NULL;
    if (rc == SY_OK && (rc = sy_office_status_for(o, dev, &status)) == SY_OK) {
        json_t *sv = json_loads(status, 0, NULL);
        if (!sv || json_object_set_new(fc, "quejie_office", sv))
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
    }
    free(status);
    char *text = rc == SY_OK ? json_dumps(fc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(fc);
    if (rc != SY_OK)
        return rc == SY_ENOMEM ? sy__fail(o, rc, "out of memory") : rc;
    if (!text)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    size_t n = strlen(text);
    sy__sign_for_device(o, "quejie-tasks-v1", dev, (const uint8_t *)text, n, sig_hex);
    *body = text;
    *len = n;
    return SY_OK;
}
