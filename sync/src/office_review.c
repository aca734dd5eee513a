/*
 * office_review.c - the office's county index (every device's current points and verifications,
 * copied from its replica) and the review queue it fills: two devices that measured one point
 * farther apart than the tolerance, or verified one field differently, make a review case; so
 * do two units' boundary points closer than twice the tolerance but not at one position (an edge
 * match, 接边: one marker on the units' common boundary measured twice, by two crews or twice by
 * one, which the county record must hold at one position).
 *
 * It must never decide a case (only a person resolves one, with a note), drop or rewrite a
 * case once stored, open another device's replica to detect (the index is enough), or count a
 * case twice: cases are keyed by their two (device, seq) sides, so detection is idempotent.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "office_int.h"
#include "survey/clock.h"
#include "survey/geo.h"
#include "survey/kinds.h"
#include "survey/state.h"

/* ---- conflict detection ---------------------------------------------------------------------- */

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *side_base(const sy__dev_ref *d, int64_t seq, int64_t time)
{
    char t[32];
    sy__iso_ms(time, t);
    return json_pack("{s:s, s:s, s:I, s:s, s:I}", "device", d->name, "device_id", d->id, "seq",
                     (json_int_t)seq, "time", t, "time_ms", (json_int_t)time);
}

static json_t *point_side(const sy__dev_ref *d, const sv_bpoint *p)
{
    json_t *s = side_base(d, p->seq, p->time_ms);
    if (s) {
        json_object_set_new(s, "unit", json_string(p->unit));
        json_object_set_new(s, "number", json_string(p->number));
        if (p->shared_unit[0]) { /* a copy of another unit's point (kind "share") */
            json_object_set_new(s, "shared_unit", json_string(p->shared_unit));
            json_object_set_new(s, "shared_number", json_string(p->shared_number));
        }
        json_object_set_new(s, "lat", jnum(p->lat));
        json_object_set_new(s, "lon", jnum(p->lon));
        json_object_set_new(s, "h", jnum(p->h));
        json_object_set_new(s, "grade", json_string(sv_grade_name(p->q.grade)));
        json_object_set_new(s, "point_type", json_string(p->point_type));
        /* what the reviewer weighs: how each version was obtained (the unit page's columns) */
        json_object_set_new(s, "n", json_integer(p->q.n));
        json_object_set_new(s, "sigma_h", jnum(sv_quality_sigma_h(&p->q)));
        json_object_set_new(s, "method", p->method[0] ? json_string(p->method) : json_null());
        json_object_set_new(s, "pole_h", p->pole_set == 1 ? jnum(p->pole_h) : json_null());
    }
    return s;
}

static json_t *ver_side(const sy__dev_ref *d, const sv_verification *v)
{
    json_t *s = side_base(d, v->seq, v->time_ms);
    if (s) {
        json_object_set_new(s, "field", json_string(sv_field_name(v->field)));
        json_object_set_new(s, "status", json_string(sv_vstatus_name(v->status)));
        json_object_set_new(s, "value", v->value ? json_string(v->value) : json_null());
        json_object_set_new(s, "note", v->note ? json_string(v->note) : json_null());
    }
    return s;
}

/* Store a case unless the same pair of (device, seq) sides is already there. The sides are
 * put in a fixed order (by device id) so that the pair is the same whichever device's ingest
 * finds it. Consumes sa and sb. */
static int add_case(sy_office *o, sqlite3_stmt *ins, const char *unit, const char *subject,
                    const char *kind, const char *detail, const sy__dev_ref *da, int64_t seqa,
                    json_t *sa, const sy__dev_ref *db, int64_t seqb, json_t *sb, size_t *added)
{
    if (strcmp(da->id, db->id) > 0) {
        const sy__dev_ref *td = da;
        da = db;
        db = td;
        int64_t ts = seqa;
        seqa = seqb;
        seqb = ts;
        json_t *tj = sa;
        sa = sb;
        sb = tj;
    }
    char *ta = sa ? json_dumps(sa, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char *tb = sb ? json_dumps(sb, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(sa);
    json_decref(sb);
    if (!ta || !tb) {
        free(ta);
        free(tb);
        return sy__fail(o, SY_ENOMEM, "out of memory");
    }
    sqlite3_reset(ins);
    sy__bind_text(ins, 1, unit);
    sy__bind_text(ins, 2, subject);
    sy__bind_text(ins, 3, kind);
    sy__bind_text(ins, 4, detail);
    sy__bind_text(ins, 5, da->id);
    sqlite3_bind_int64(ins, 6, seqa);
    sy__bind_text(ins, 7, db->id);
    sqlite3_bind_int64(ins, 8, seqb);
    sqlite3_bind_text(ins, 9, ta, -1, free);
    sqlite3_bind_text(ins, 10, tb, -1, free);
    sqlite3_bind_int64(ins, 11, sv_wall_ms());
    if (sqlite3_step(ins) != SQLITE_DONE)
        return sy__fail_db(o, "cannot store a review case");
    if (sqlite3_changes(o->db) > 0) {
        (*added)++;
        sy__logf(o, "review case %lld: unit %s %s %s: %s (%s entry %lld vs %s entry %lld)",
                 (long long)sqlite3_last_insert_rowid(o->db), unit, kind, subject, detail, da->name,
                 (long long)seqa, db->name, (long long)seqb);
    }
    return SY_OK;
}

/* The county index (county_points, county_verifications): every device's current points and
 * verifications, copied from its replica's derived state, with the side of a review case ready
 * made. county_indexed says up to which seq of the device's replica the index is current.
 * Detection compares only the refreshed device's rows against the index, by unit and number
 * (or field), so it costs the same with 5 devices or 500 and opens no other replica. */
static int index_point(sy_office *o, sqlite3_stmt *ins, const sy__dev_ref *me, const sv_bpoint *p)
{
    json_t *side = point_side(me, p);
    char *text = side ? json_dumps(side, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(side);
    if (!text)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    sqlite3_reset(ins);
    sy__bind_text(ins, 1, me->id);
    sqlite3_bind_int64(ins, 2, p->seq);
    sy__bind_text(ins, 3, p->unit);
    sy__bind_text(ins, 4, p->number);
    if (isfinite(p->lat) && isfinite(p->lon)) {
        sqlite3_bind_double(ins, 5, p->lat);
        sqlite3_bind_double(ins, 6, p->lon);
    } else {
        sqlite3_bind_null(ins, 5);
        sqlite3_bind_null(ins, 6);
    }
    sqlite3_bind_text(ins, 7, text, -1, free);
    return sqlite3_step(ins) == SQLITE_DONE ? SY_OK : sy__fail_db(o, "county index");
}

static int index_verification(sy_office *o, sqlite3_stmt *ins, const sy__dev_ref *me,
                              const sv_verification *v)
{
    json_t *side = ver_side(me, v);
    char *text = side ? json_dumps(side, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(side);
    if (!text)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    sqlite3_reset(ins);
    sy__bind_text(ins, 1, me->id);
    sqlite3_bind_int64(ins, 2, v->seq);
    sy__bind_text(ins, 3, v->unit);
    sy__bind_text(ins, 4, sv_field_name(v->field));
    sy__bind_text(ins, 5, sv_vstatus_name(v->status));
    sy__bind_text(ins, 6, v->value);
    sqlite3_bind_text(ins, 7, text, -1, free);
    return sqlite3_step(ins) == SQLITE_DONE ? SY_OK : sy__fail_db(o, "county index");
}

/* The stored side of a case, as JSON (NULL when unreadable: the case is still stored). */
static json_t *stored_side(sqlite3_stmt *st, int i)
{
    return json_loads(sy__col_text(st, i), 0, NULL);
}

/* Cases between my (just indexed) rows and every other device's, from the index alone. */
static int detect_indexed(sy_office *o, const sy__dev_ref *me, size_t *added)
{
    sqlite3_stmt *mine = NULL, *theirs = NULL, *ins = NULL;
    int rc = sy__prep(o,
                      "INSERT OR IGNORE INTO review(unit, subject, kind, detail, a_device, a_seq,"
                      " b_device, b_seq, a, b, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      &ins);
    if (rc == SY_OK)
        rc = sy__prep(o,
                      "SELECT m.unit, m.number, m.seq, m.lat, m.lon, m.side, t.device_id, d.name,"
                      " t.seq, t.lat, t.lon, t.side FROM county_points m JOIN county_points t"
                      " ON t.unit = m.unit AND t.number = m.number AND t.device_id <> m.device_id"
                      " JOIN devices d ON d.device_id = t.device_id"
                      " WHERE m.device_id = ? AND m.lat IS NOT NULL AND t.lat IS NOT NULL"
                      " ORDER BY m.seq, t.device_id",
                      &mine);
    if (rc == SY_OK)
        rc = sy__prep(
            o,
            "SELECT m.unit, m.field, m.seq, m.status, m.value, m.side, t.device_id, d.name,"
            " t.seq, t.status, t.value, t.side FROM county_verifications m"
            " JOIN county_verifications t ON t.unit = m.unit AND t.field = m.field"
            " AND t.device_id <> m.device_id JOIN devices d ON d.device_id = t.device_id"
            " WHERE m.device_id = ? AND (t.status <> m.status"
            " OR coalesce(t.value, '') <> coalesce(m.value, ''))"
            " ORDER BY m.seq, t.device_id",
            &theirs);
    int src = SQLITE_DONE;
    if (rc == SY_OK) {
        sy__bind_text(mine, 1, me->id);
        while (rc == SY_OK && (src = sqlite3_step(mine)) == SQLITE_ROW) {
            double dist = sv_geo_distance(
                sqlite3_column_double(mine, 3), sqlite3_column_double(mine, 4),
                sqlite3_column_double(mine, 9), sqlite3_column_double(mine, 10), NULL);
            if (!(dist > o->tolerance))
                continue;
            char detail[160], name[SY_NAME_MAX], id[33];
            snprintf(detail, sizeof detail, "measured %.2f m apart (tolerance %.2f m)", dist,
                     o->tolerance);
            snprintf(id, sizeof id, "%s", sy__col_text(mine, 6));
            snprintf(name, sizeof name, "%s", sy__col_text(mine, 7));
            sy__dev_ref other = {name, id};
            rc = add_case(o, ins, sy__col_text(mine, 0), sy__col_text(mine, 1), "point", detail, me,
                          sqlite3_column_int64(mine, 2), stored_side(mine, 5), &other,
                          sqlite3_column_int64(mine, 8), stored_side(mine, 11), added);
        }
        if (rc == SY_OK && src != SQLITE_DONE)
            rc = sy__fail_db(o, "county index");
    }
    if (rc == SY_OK) {
        sy__bind_text(theirs, 1, me->id);
        while (rc == SY_OK && (src = sqlite3_step(theirs)) == SQLITE_ROW) {
            char detail[160], name[SY_NAME_MAX], id[33];
            snprintf(detail, sizeof detail, "%s: %s vs %s", sy__col_text(theirs, 1),
                     sy__col_text(theirs, 3), sy__col_text(theirs, 9));
            snprintf(id, sizeof id, "%s", sy__col_text(theirs, 6));
            snprintf(name, sizeof name, "%s", sy__col_text(theirs, 7));
            sy__dev_ref other = {name, id};
            rc = add_case(o, ins, sy__col_text(theirs, 0), sy__col_text(theirs, 1), "verification",
                          detail, me, sqlite3_column_int64(theirs, 2), stored_side(theirs, 5),
                          &other, sqlite3_column_int64(theirs, 8), stored_side(theirs, 11), added);
        }
        if (rc == SY_OK && src != SQLITE_DONE)
            rc = sy__fail_db(o, "county index");
    }
    sqlite3_finalize(mine);
    sqlite3_finalize(theirs);
    sqlite3_finalize(ins);
    return rc;
}

/*
 * Edge matches: each of my points (not a shared copy: its source is compared) against the
 * points of every other unit, any device's (my own included: a crew that measured a corner
 * twice instead of sharing it), nearer than twice the tolerance but not at one position. The
 * pair is put in a fixed order (device id, then seq) so that it is one case whichever side's
 * refresh finds it; a pair of points (by unit and number) the office has a case about already,
 * open or decided, is not asked again when one of them is re-measured: the decision is about
 * the points, and the county record applies it to their current versions.
 */
static int detect_edges(sy_office *o, const sy__dev_ref *me, size_t *added)
{
    const double r = 2 * o->tolerance;
    sqlite3_stmt *mine = NULL, *near = NULL, *ins = NULL;
    int rc = sy__prep(o,
                      "SELECT unit, number, seq, lat, lon, side FROM county_points"
                      " WHERE device_id = ? AND lat IS NOT NULL AND lon IS NOT NULL"
                      " AND json_extract(side, '$.shared_unit') IS NULL ORDER BY seq",
                      &mine);
    if (rc == SY_OK)
        rc = sy__prep(
            o,
            "SELECT t.unit, t.number, t.seq, t.lat, t.lon, t.side, t.device_id, d.name"
            " FROM county_points t JOIN devices d ON d.device_id = t.device_id"
            " WHERE t.lat BETWEEN ?1 AND ?2 AND t.lon BETWEEN ?3 AND ?4"
            " AND t.unit <> ?5 AND json_extract(t.side, '$.shared_unit') IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM review r WHERE r.kind = 'edge' AND"
            "  ((r.unit = ?5 AND r.subject = ?6 AND r.other_unit = t.unit"
            "    AND r.other_subject = t.number) OR (r.unit = t.unit"
            "    AND r.subject = t.number AND r.other_unit = ?5 AND r.other_subject = ?6)))"
            " ORDER BY t.device_id, t.seq",
            &near);
    if (rc == SY_OK)
        rc = sy__prep(o,
                      "INSERT OR IGNORE INTO review(unit, subject, kind, detail, a_device, a_seq,"
                      " b_device, b_seq, a, b, created, other_unit, other_subject)"
                      " VALUES (?, ?, 'edge', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      &ins);
    if (rc == SY_OK)
        sy__bind_text(mine, 1, me->id);
    int src = SQLITE_DONE;
    while (rc == SY_OK && (src = sqlite3_step(mine)) == SQLITE_ROW) {
        double lat = sqlite3_column_double(mine, 3), lon = sqlite3_column_double(mine, 4);
        double dlat = r / 110000.0, dlon = dlat / fmax(cos(lat * M_PI / 180), 0.01);
        sqlite3_reset(near);
        sqlite3_bind_double(near, 1, lat - dlat);
        sqlite3_bind_double(near, 2, lat + dlat);
        sqlite3_bind_double(near, 3, lon - dlon);
        sqlite3_bind_double(near, 4, lon + dlon);
        sy__bind_text(near, 5, sy__col_text(mine, 0));
        sy__bind_text(near, 6, sy__col_text(mine, 1));
        int nsrc;
        while (rc == SY_OK && (nsrc = sqlite3_step(near)) == SQLITE_ROW) {
            double dist = sv_geo_distance(lat, lon, sqlite3_column_double(near, 3),
                                          sqlite3_column_double(near, 4), NULL);
            if (!(dist >= 0.001 && dist <= r))
                continue; /* one position already (a copy), or two markers */
            /* side a: the smaller (device id, seq) */
            int64_t ms = sqlite3_column_int64(mine, 2), ts = sqlite3_column_int64(near, 2);
            const char *tid = sy__col_text(near, 6);
            int cmp = strcmp(me->id, tid);
            int mine_a = cmp < 0 || (cmp == 0 && ms < ts);
            sqlite3_stmt *sa = mine_a ? mine : near, *sb = mine_a ? near : mine;
            char detail[200];
            snprintf(detail, sizeof detail,
                     "%s %s and %s %s are %.2f m apart: one marker on their common boundary?"
                     " (edge tolerance %.2f m)",
                     sy__col_text(sa, 0), sy__col_text(sa, 1), sy__col_text(sb, 0),
                     sy__col_text(sb, 1), dist, r);
            sqlite3_reset(ins);
            sy__bind_text(ins, 1, sy__col_text(sa, 0));
            sy__bind_text(ins, 2, sy__col_text(sa, 1));
            sy__bind_text(ins, 3, detail);
            sy__bind_text(ins, 4, mine_a ? me->id : tid);
            sqlite3_bind_int64(ins, 5, mine_a ? ms : ts);
            sy__bind_text(ins, 6, mine_a ? tid : me->id);
            sqlite3_bind_int64(ins, 7, mine_a ? ts : ms);
            sy__bind_text(ins, 8, sy__col_text(sa, 5));
            sy__bind_text(ins, 9, sy__col_text(sb, 5));
            sqlite3_bind_int64(ins, 10, sv_wall_ms());
            sy__bind_text(ins, 11, sy__col_text(sb, 0));
            sy__bind_text(ins, 12, sy__col_text(sb, 1));
            if (sqlite3_step(ins) != SQLITE_DONE) {
                rc = sy__fail_db(o, "cannot store a review case");
            } else if (sqlite3_changes(o->db) > 0) {
                (*added)++;
                sy__logf(o, "review case %lld: edge %s (%s entry %lld vs %s entry %lld)",
                         (long long)sqlite3_last_insert_rowid(o->db), detail,
                         mine_a ? me->name : sy__col_text(near, 7), (long long)(mine_a ? ms : ts),
                         mine_a ? sy__col_text(near, 7) : me->name, (long long)(mine_a ? ts : ms));
            }
        }
        if (rc == SY_OK && nsrc != SQLITE_DONE)
            rc = sy__fail_db(o, "county index");
    }
    if (rc == SY_OK && src != SQLITE_DONE)
        rc = sy__fail_db(o, "county index");
    sqlite3_finalize(mine);
    sqlite3_finalize(near);
    sqlite3_finalize(ins);
    return rc;
}

int sy__review_upgrade(sy_office *o)
{
    sqlite3_stmt *probe = NULL;
    int has = sqlite3_prepare_v2(o->db, "SELECT other_unit, other_subject FROM review", -1, &probe,
                                 NULL) == SQLITE_OK;
    sqlite3_finalize(probe);
    if (has)
        return SY_OK;
    return sy__exec(o, "BEGIN IMMEDIATE;"
                       " ALTER TABLE review ADD COLUMN other_unit TEXT;"
                       " ALTER TABLE review ADD COLUMN other_subject TEXT;"
                       " DELETE FROM county_indexed; COMMIT");
}

int64_t sy__county_indexed_seq(sy_office *o, const char *device_id)
{
    sqlite3_stmt *st;
    int64_t seq = -1;
    if (sy__prep(o, "SELECT seq FROM county_indexed WHERE device_id = ?", &st))
        return -1;
    sy__bind_text(st, 1, device_id);
    if (sqlite3_step(st) == SQLITE_ROW)
        seq = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return seq;
}

/* Bring the device's rows of the county index up to its replica and look for disagreements
 * with the other devices, in one office transaction. With changed == 0 (the entries since the
 * index was last current cannot change points or verifications) only the index's seq moves.
 * Idempotent: cases are keyed by their sides, so a refresh after a crash adds nothing twice. */
int sy__county_refresh(sy_office *o, const sy__dev_ref *me, sv_journal *j, int changed,
                       size_t *added)
{
    *added = 0;
    sv_bpoint *pt = NULL;
    sv_verification *ver = NULL;
    size_t npt = 0, nver = 0;
    int rc = SY_OK;
    if (changed && (sv_state_points(j, NULL, &pt, &npt) != SV_OK ||
                    sv_state_verifications(j, NULL, &ver, &nver) != SV_OK))
        rc = sy__fail(o, SY_EIO, "replica of %s: %s", me->name, sv_journal_errmsg(j));
    if (rc == SY_OK)
        rc = sy__exec(o, "BEGIN IMMEDIATE");
    if (rc != SY_OK) {
        sv_bpoints_free(pt, npt);
        sv_verifications_free(ver, nver);
        return rc;
    }
    sqlite3_stmt *st = NULL;
    if (changed) {
        static const char *const clear[] = {"DELETE FROM county_points WHERE device_id = ?",
                                            "DELETE FROM county_verifications WHERE device_id = ?"};
        for (size_t i = 0; rc == SY_OK && i < 2; i++) {
            rc = sy__prep(o, clear[i], &st);
            if (rc == SY_OK) {
                sy__bind_text(st, 1, me->id);
                if (sqlite3_step(st) != SQLITE_DONE)
                    rc = sy__fail_db(o, "county index");
            }
            sqlite3_finalize(st);
            st = NULL;
        }
        if (rc == SY_OK)
            rc = sy__prep(o,
                          "INSERT INTO county_points(device_id, seq, unit, number, lat, lon, side)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?)",
                          &st);
        for (size_t i = 0; rc == SY_OK && i < npt; i++)
            rc = index_point(o, st, me, &pt[i]);
        sqlite3_finalize(st);
        st = NULL;
        if (rc == SY_OK)
            rc = sy__prep(o,
                          "INSERT INTO county_verifications(device_id, seq, unit, field, status,"
                          " value, side) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          &st);
        for (size_t i = 0; rc == SY_OK && i < nver; i++)
            rc = index_verification(o, st, me, &ver[i]);
        sqlite3_finalize(st);
        st = NULL;
        if (rc == SY_OK)
            rc = detect_indexed(o, me, added);
        size_t edges = 0;
        if (rc == SY_OK)
            rc = detect_edges(o, me, &edges);
        *added += edges;
    }
    if (rc == SY_OK)
        rc =
            sy__prep(o, "INSERT OR REPLACE INTO county_indexed(device_id, seq) VALUES (?, ?)", &st);
    if (rc == SY_OK) {
        sy__bind_text(st, 1, me->id);
        sqlite3_bind_int64(st, 2, sv_journal_last_seq(j));
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sy__fail_db(o, "county index");
    }
    sqlite3_finalize(st);
    if (rc == SY_OK)
        rc = sy__exec(o, "COMMIT");
    else
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc != SY_OK)
        *added = 0;
    sv_bpoints_free(pt, npt);
    sv_verifications_free(ver, nver);
    return rc;
}

/* Whether an entry of this kind can change a device's points or verifications (a kind this
 * build does not know might: it counts as one). */
int sy__kind_changes_index(const char *kind)
{
    const sv_kind_info *k = sv_kind_find(kind); /* the registry, survey/kinds.h */
    return !k || (k->flags & SV_KIND_COUNTY_INDEX);
}

/* Index the devices that have a replica but no county index rows yet (an office created before
 * the index existed; called on open, cheap when there are none), or with behind every device
 * whose rows lag behind its replica (an office restored from a backup, whose database was
 * copied before its replicas: sy_office_restore). */
int sy__reindex(sy_office *o, int behind)
{
    sqlite3_stmt *st;
    if (sy__prep(o,
                 behind ? "SELECT name, device_id FROM devices WHERE device_id IS NOT NULL"
                          " ORDER BY id"
                        : "SELECT name, device_id FROM devices WHERE device_id IS NOT NULL AND"
                          " device_id NOT IN (SELECT device_id FROM county_indexed) ORDER BY id",
                 &st))
        return SY_EIO;
    int rc = SY_OK, src;
    while (rc == SY_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        char name[SY_NAME_MAX], id[33];
        snprintf(name, sizeof name, "%s", sy__col_text(st, 0));
        snprintf(id, sizeof id, "%s", sy__col_text(st, 1));
        /* enrolled but never synced: nothing to index, and no lock file to leave behind (this
         * runs on every open, read-only commands included) */
        char *rp = sy__replica_path(o, id, ".db");
        int has = rp && access(rp, F_OK) == 0;
        free(rp);
        if (!has)
            continue;
        int fd = sy__device_lock(o, id);
        if (fd < 0) {
            rc = SY_EIO;
            break;
        }
        sv_journal *j;
        rc = sy__replica_read(o, id, &j);
        if (rc == SY_OK && j &&
            (!behind || sy__county_indexed_seq(o, id) != sv_journal_last_seq(j))) {
            sy__dev_ref me = {name, id};
            size_t added;
            rc = sy__county_refresh(o, &me, j, 1, &added);
        }
        sv_journal_close(j);
        sy__device_unlock(fd);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- review queue ---------------------------------------------------------------------------- */

int sy_office_review(sy_office *o, int all, char **out)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (sy__prep(
            o,
            /* a decided case names who decided and what was chosen (the newest review decision
             * about it in the office's journal; a case closed with a note alone has no choice) */
            all ? "SELECT id, unit, subject, kind, detail, a, b, status, created, resolved, note,"
                  " (SELECT d.by FROM office_decisions d WHERE d.case_id = review.id AND"
                  "   d.action = '" SV_DECISION_REVIEW "' ORDER BY d.seq DESC LIMIT 1),"
                  " (SELECT d.accept FROM office_decisions d WHERE d.case_id = review.id AND"
                  "   d.action = '" SV_DECISION_REVIEW "' ORDER BY d.seq DESC LIMIT 1),"
                  " other_unit, other_subject FROM review ORDER BY id"
                : "SELECT id, unit, subject, kind, detail, a, b, status, created, resolved, note,"
                  " NULL, NULL, other_unit, other_subject"
                  " FROM review WHERE status = 'open' ORDER BY id",
            &st))
        return SY_EIO;
    json_t *cases = json_array();
    int rc = cases ? SY_OK : SY_ENOMEM, src;
    while (rc == SY_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *a = json_loads(sy__col_text(st, 5), 0, NULL),
               *b = json_loads(sy__col_text(st, 6), 0, NULL);
        json_t *c = json_object();
        if (!c) {
            json_decref(a);
            json_decref(b);
            rc = SY_ENOMEM;
            break;
        }
        json_object_set_new(c, "id", json_integer(sqlite3_column_int64(st, 0)));
        json_object_set_new(c, "unit", sy__col_json_str(st, 1));
        json_object_set_new(c, "subject", sy__col_json_str(st, 2));
        json_object_set_new(c, "kind", sy__col_json_str(st, 3));
        json_object_set_new(c, "detail", sy__col_json_str(st, 4));
        /* an edge match: its second point (unit and subject are its first's) */
        json_object_set_new(c, "other_unit", sy__col_json_str(st, 13));
        json_object_set_new(c, "other_subject", sy__col_json_str(st, 14));
        json_object_set_new(c, "a", a ? a : json_null());
        json_object_set_new(c, "b", b ? b : json_null());
        json_object_set_new(c, "status", sy__col_json_str(st, 7));
        json_object_set_new(c, "created", sy__col_json_time(st, 8));
        /* an open case whose unit's published record is fixed (its notice has begun, or
         * passed): a choice would be refused, and the console says so before one is made */
        sv_life_refusal why = {0};
        char text[320] = "";
        int open = strcmp(sy__col_text(st, 7), "open") == 0;
        int fixed = open ? sy__record_fixed(o, sy__col_text(st, 1), SV_DECISION_REVIEW, &why, text,
                                            sizeof text)
                         : 0;
        if (open && fixed == 0 && sqlite3_column_type(st, 13) != SQLITE_NULL)
            fixed = sy__record_fixed(o, sy__col_text(st, 13), SV_DECISION_REVIEW, &why, text,
                                     sizeof text);
        if (fixed < 0) {
            json_decref(c);
            rc = fixed;
            break;
        }
        json_object_set_new(c, "record_fixed",
                            fixed ? json_pack("{s:s, s:s, s:s?, s:s}", "reason", why.reason,
                                              "state", sv_life_name(why.state), "date",
                                              why.date[0] ? why.date : NULL, "why", text)
                                  : json_null());
        if (all) {
            json_object_set_new(c, "resolved", sy__col_json_time(st, 9));
            json_object_set_new(c, "note", sy__col_json_str(st, 10));
            json_object_set_new(c, "decided_by", sy__col_json_str(st, 11));
            json_object_set_new(c, "accept", sy__col_json_str(st, 12));
        }
        json_array_append_new(cases, c);
    }
    if (rc == SY_OK && src != SQLITE_DONE)
        rc = sy__fail_db(o, "review");
    sqlite3_finalize(st);
    json_t *obj = rc == SY_OK ? json_pack("{s:o}", "cases", cases) : NULL;
    if (!obj) {
        if (rc == SY_OK)
            json_decref(cases);
        else
            json_decref(cases);
        return rc == SY_OK || rc == SY_ENOMEM ? sy__fail(o, SY_ENOMEM, "out of memory") : rc;
    }
    return sy__json_text(o, obj, out);
}

int sy_office_review_resolve(sy_office *o, int64_t id, const char *note)
{
    /* The older form: a decision in the office's journal without a chosen version. */
    return sy_office_review_decide(o, id, NULL, "office", note, NULL, 0);
}
