/*
 * state.c - the current state derived from journal entries, and its read API (state.h).
 *
 * sv__state_apply is the only writer of the st_* tables and runs inside the transaction of
 * the entry it derives from (or of a rebuild). It must stay deterministic and tolerant: the
 * same entries always give the same rows, and an entry it cannot use is skipped, never an
 * error, because entries are facts already recorded (possibly by a newer version).
 */
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "journal_int.h"
#include "kinds_int.h"
#include "survey/geo.h"
#include "survey/geom.h"
#include "survey/lifecycle.h"
#include "survey/state.h"

const char *const sv__state_tables[] = {
    "st_units",      "st_points",        "st_numbers",     "st_vertices",
    "st_lines",      "st_verifications", "st_disputes",    "st_attendance",
    "st_signatures", "st_codes",         "st_config",      "st_voided",
    "st_notes",      "st_settlements",   "st_attachments", NULL};

static const char STATE_SQL[] =
    "CREATE TABLE @S.st_units(code TEXT PRIMARY KEY, seq INTEGER NOT NULL, type TEXT,"
    "  name TEXT, location TEXT, owner TEXT, representative TEXT, agent TEXT, mode TEXT,"
    "  rights TEXT, manager TEXT, control TEXT, epsg INTEGER, cm REAL, source TEXT, geom TEXT);"
    "CREATE TABLE @S.st_points(seq INTEGER PRIMARY KEY, time_ms INTEGER, unit TEXT NOT NULL,"
    "  number TEXT NOT NULL, prefix TEXT, num INTEGER, ptype TEXT, marker TEXT,"
    "  lat REAL, lon REAL, h REAL, grade TEXT, mode INTEGER, status INTEGER, used INTEGER,"
    "  seen INTEGER, hdop REAL, vdop REAL, pdop REAL, eph REAL, epv REAL, cage REAL, n INTEGER,"
    "  dur REAL, se REAL, sn REAL, su REAL, dropped INTEGER, datum TEXT, flags INTEGER,"
    "  off TEXT, override TEXT, note TEXT, ha REAL, pole REAL, ground REAL, method TEXT,"
    "  ovc TEXT, reason TEXT, supersedes INTEGER, shared_unit TEXT, shared_number TEXT,"
    "  UNIQUE(unit, number));"
    /* schema 9: a neighbour's point used as this unit's own (kind "share") names where it is
     * measured; its measurement columns follow that point's (refresh_shares) */
    "CREATE INDEX @S.st_points_shared ON st_points(shared_unit, shared_number)"
    "  WHERE shared_unit IS NOT NULL;"
    "CREATE TABLE @S.st_numbers(unit TEXT, prefix TEXT, last INTEGER,"
    "  PRIMARY KEY(unit, prefix));"
    "CREATE TABLE @S.st_vertices(seq INTEGER PRIMARY KEY, unit TEXT NOT NULL, track INTEGER,"
    "  lat REAL, lon REAL, h REAL, t REAL, grade TEXT, used INTEGER, hdop REAL, eph REAL,"
    "  se REAL, sn REAL, jump INTEGER);"
    "CREATE INDEX @S.st_vertices_unit ON st_vertices(unit, seq);"
    "CREATE TABLE @S.st_lines(unit TEXT, a TEXT, b TEXT, seq INTEGER, category TEXT,"
    "  position TEXT, nature TEXT, neighbour TEXT, PRIMARY KEY(unit, a, b));"
    /* against (schema 8): the registered value the crew verified; NULL for entries before it */
    "CREATE TABLE @S.st_verifications(unit TEXT, field TEXT, seq INTEGER, time_ms INTEGER,"
    "  status TEXT, value TEXT, note TEXT, against TEXT, PRIMARY KEY(unit, field));"
    "CREATE TABLE @S.st_disputes(seq INTEGER PRIMARY KEY, time_ms INTEGER, unit TEXT,"
    "  parties TEXT, statement TEXT, a TEXT, b TEXT, geom TEXT, settled INTEGER, number TEXT);"
    "CREATE TABLE @S.st_attendance(unit TEXT, party TEXT, seq INTEGER, time_ms INTEGER,"
    "  person TEXT, presence TEXT, notice TEXT, PRIMARY KEY(unit, party));"
    /* strokes: the payload's [[x,y,...],...] as compact JSON; covers: 64 lowercase hex */
    "CREATE TABLE @S.st_signatures(seq INTEGER PRIMARY KEY, time_ms INTEGER, unit TEXT NOT NULL,"
    "  party TEXT NOT NULL, signer TEXT, role TEXT, strokes TEXT NOT NULL, covers TEXT NOT NULL);"
    "CREATE INDEX @S.st_signatures_unit ON st_signatures(unit, party);"
    "CREATE TABLE @S.st_codes(list TEXT, code TEXT, label TEXT, PRIMARY KEY(list, code));"
    "CREATE TABLE @S.st_config(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE @S.st_voided(target INTEGER PRIMARY KEY, seq INTEGER, reason TEXT);"
    /* notes (schema 6): point, or a and b for a line, or neither for the unit */
    "CREATE TABLE @S.st_notes(seq INTEGER PRIMARY KEY, time_ms INTEGER, unit TEXT NOT NULL,"
    "  point TEXT, a TEXT, b TEXT, phrase TEXT, text TEXT);"
    "CREATE INDEX @S.st_notes_unit ON st_notes(unit, seq);"
    /* on-site settlements of disputes (schema 6): dispute is the dispute entry's seq */
    "CREATE TABLE @S.st_settlements(seq INTEGER PRIMARY KEY, time_ms INTEGER, unit TEXT NOT NULL,"
    "  dispute INTEGER NOT NULL, agreement TEXT, number TEXT);"
    "CREATE INDEX @S.st_settlements_dispute ON st_settlements(dispute);"
    /* files kept with units (schema 7): the bytes are in the journal's table files */
    "CREATE TABLE @S.st_attachments(seq INTEGER PRIMARY KEY, time_ms INTEGER, unit TEXT NOT NULL,"
    "  point TEXT, what TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL,"
    "  type TEXT NOT NULL, bytes INTEGER NOT NULL, note TEXT);"
    "CREATE INDEX @S.st_attachments_unit ON st_attachments(unit, seq);";

/*
 * Seed values of the configurable code lists (DOMAIN.md): the common values a county starts
 * from. Codes are what files and the CLI use; labels are what the crew reads. Unit types use
 * the Chinese names as codes because that is how county data carries them (DJDYLX).
 *
 * A new journal records its seed lists in its "init" entry, so the state stays a function of
 * the entries alone even when a later build seeds differently. Journals whose init entry has
 * no "codes" (the first builds) were seeded with exactly this list: never change it; add new
 * seeds to sv__state_seed_json() instead.
 */
static const char *const SEED_V1[][3] = {
    {"unit-type", "自然保护地", "natural protected area"},
    {"unit-type", "国家公园", "national park"},
    {"unit-type", "自然保护区", "nature reserve"},
    {"unit-type", "自然公园", "natural park"},
    {"unit-type", "水流", "water flow (river, lake, reservoir)"},
    {"unit-type", "湿地", "wetland"},
    {"unit-type", "森林", "forest"},
    {"unit-type", "草原", "grassland"},
    {"unit-type", "荒地", "wasteland"},
    {"unit-type", "滩涂", "tidal flat"},
    {"unit-type", "探明储量的矿产资源", "proven mineral reserve"},
    {"point-type", "measured", "实测"},
    {"point-type", "map-read", "图解"},
    {"marker", "steel-nail", "钢钉"},
    {"marker", "concrete-post", "水泥桩"},
    {"marker", "stone-post", "石桩"},
    {"marker", "paint", "喷涂"},
    {"marker", "wooden-stake", "木桩"},
    {"marker", "none", "无标志"},
    {"line-category", "field-ridge", "田埂"},
    {"line-category", "ditch", "沟渠"},
    {"line-category", "road", "道路"},
    {"line-category", "river", "河流"},
    {"line-category", "ridge", "山脊"},
    {"line-category", "fence", "围栏"},
    {"line-category", "wall", "墙壁"},
    {"line-category", "line-of-sight", "空地（无实物）"},
    {"line-position", "inside", "内"},
    {"line-position", "centre", "中"},
    {"line-position", "outside", "外"},
    {"line-nature", "settled", "已定界"},
    {"line-nature", "unsettled", "未定界"},
    {"line-nature", "disputed", "争议界"},
    {"fix-status", "rtk-fixed", "RTK固定解"},
    {"fix-status", "rtk-float", "RTK浮点解"},
    {"fix-status", "dgps", "差分解"},
    {"fix-status", "gps", "单点解"},
};

static int run(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? SV_OK : SV_EIO;
}

/* STATE_SQL with every "@S" replaced by the schema name (SQLite's printf has no positional
 * arguments). Caller frees. */
static char *state_sql(const char *schema)
{
    size_t slen = strlen(schema), n = 0;
    for (const char *s = STATE_SQL; (s = strstr(s, "@S")); s += 2)
        n++;
    char *out = malloc(sizeof STATE_SQL + n * slen);
    if (!out)
        return NULL;
    char *o = out;
    for (const char *s = STATE_SQL; *s;) {
        if (s[0] == '@' && s[1] == 'S') {
            memcpy(o, schema, slen);
            o += slen;
            s += 2;
        } else {
            *o++ = *s++;
        }
    }
    *o = 0;
    return out;
}

int sv__state_create(sqlite3 *db, const char *schema)
{
    char *sql = state_sql(schema);
    if (!sql)
        return SV_ENOMEM;
    int rc = run(db, sql);
    free(sql);
    if (rc != SV_OK)
        return rc;
    return SV_OK;
}

int sv__state_drop(sqlite3 *db, const char *schema)
{
    for (const char *const *t = sv__state_tables; *t; t++) {
        char *sql = sqlite3_mprintf("DROP TABLE IF EXISTS %s.%s", schema, *t);
        int rc = run(db, sql);
        sqlite3_free(sql);
        if (rc != SV_OK)
            return rc;
    }
    return SV_OK;
}

/* ---- applying entries ------------------------------------------------------------------------ */

/* A statement against schema.table built per call: apply runs once per entry and SQLite's
 * prepare is cheap next to the fsync that every entry costs anyway. */
/* Where an entry is applied: the database, the schema holding the st_* tables, and (for the
 * live journal) a cache of prepared statements. */
struct sv__actx {
    sqlite3 *db;
    const char *schema;
    sv__stcache *cache;
};
typedef sv__actx actx;

/*
 * A statement for fmt against c->schema. With a cache, statements are prepared once per journal
 * handle and reused (keyed by the address of the static format string): preparing the wide
 * INSERTs on every append cost more than the rest of the derivation.
 */
static sqlite3_stmt *prep(const actx *c, const char *fmt)
{
    sv__stcache *k = c->cache;
    size_t i = 0;
    if (k) {
        for (; i < k->n; i++) {
            if (k->fmt[i] == fmt) {
                sqlite3_reset(k->st[i]);
                sqlite3_clear_bindings(k->st[i]);
                return k->st[i];
            }
        }
    }
    /* the schema for each "%s" of fmt, up to three (a statement reading the table it writes
     * names the schema there too: a rebuild reads its own rows, not the live ones) */
    char *sql = sqlite3_mprintf(fmt, c->schema, c->schema, c->schema);
    sqlite3_stmt *st = NULL;
    if (sql)
        sqlite3_prepare_v3(c->db, sql, -1, k ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL);
    sqlite3_free(sql);
    /* A full cache (it is sized for every statement here) just means this one is finalized
     * after use instead of kept. */
    if (st && k && k->n < SV__STCACHE_MAX) {
        k->fmt[k->n] = fmt;
        k->st[k->n++] = st;
    }
    return st;
}

static int step_done(const actx *c, sqlite3_stmt *st)
{
    if (!st)
        return SV_EIO;
    int rc = sqlite3_step(st);
    int cached = 0;
    for (size_t i = 0; c->cache && i < c->cache->n; i++)
        cached |= c->cache->st[i] == st;
    if (cached)
        sqlite3_reset(st);
    else
        sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SV_OK : SV_EIO;
}

void sv__stcache_clear(sv__stcache *k)
{
    for (size_t i = 0; k && i < k->n; i++)
        sqlite3_finalize(k->st[i]);
    if (k)
        k->n = 0;
}

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_real(sqlite3_stmt *st, int i, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static void bind_opt_int(sqlite3_stmt *st, int i, const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v))
        sqlite3_bind_int64(st, i, json_integer_value(v));
    else
        sqlite3_bind_null(st, i);
}

/* 1 when the unit is in the state, 0 when not, -1 on a database failure (which must fail the
 * append rather than silently derive nothing from it). */
static int unit_exists(const actx *c, const char *code)
{
    sqlite3_stmt *st = prep(c, "SELECT 1 FROM %s.st_units WHERE code = ?");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int cached = 0;
    for (size_t i = 0; c->cache && i < c->cache->n; i++)
        cached |= c->cache->st[i] == st;
    if (cached)
        sqlite3_reset(st);
    else
        sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Facts about a unit that is not in the state derive nothing (see the file comment). */
#define NEED_UNIT(c, unit)                                                                         \
    do {                                                                                           \
        int ue_ = (unit) ? unit_exists((c), (unit)) : 0;                                           \
        if (ue_ < 0)                                                                               \
            return SV_EIO;                                                                         \
        if (ue_ == 0)                                                                              \
            return SV_OK;                                                                          \
    } while (0)

int sv__apply_unit(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    (void)time_ms;
    const char *code = sv__json_get_str(p, "code");
    if (!code)
        return SV_OK;
    sqlite3_stmt *st =
        prep(c, "INSERT OR REPLACE INTO %s.st_units(code, seq, type, name, location, owner,"
                " representative, agent, mode, rights, manager, control, epsg, cm, source, geom)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return SV_EIO;
    bind_str(st, 1, code);
    sqlite3_bind_int64(st, 2, seq);
    bind_str(st, 3, sv__json_get_str(p, "type"));
    bind_str(st, 4, sv__json_get_str(p, "name"));
    bind_str(st, 5, sv__json_get_str(p, "location"));
    for (int f = 0; f < SV_FIELD_COUNT; f++)
        bind_str(st, 6 + f, sv__json_get_str(p, sv_field_name((sv_field)f)));
    bind_str(st, 12, sv__json_get_str(p, "control"));
    bind_opt_int(st, 13, p, "epsg");
    bind_real(st, 14, sv__json_get_fixed(p, "cm", SV__NANODEG));
    bind_str(st, 15, sv__json_get_str(p, "source"));
    char *geom = json_dumps(json_object_get(p, "geom"), JSON_COMPACT | JSON_ENCODE_ANY);
    bind_str(st, 16, geom);
    free(geom);
    return step_done(c, st);
}

/* "J12" -> prefix "J", 12; anything else sorts after with num 0. */
static void split_number(const char *number, char *prefix, int64_t *num)
{
    size_t i = 0;
    while (number[i] && (number[i] < '0' || number[i] > '9') && i < 7)
        prefix[i] = number[i], i++;
    prefix[i] = 0;
    *num = number[i] ? strtoll(number + i, NULL, 10) : 0;
}

/* Number num of prefix is used in unit: never given again (st_numbers, next_number). */
static int number_used(const actx *c, const char *unit, const char *prefix, int64_t num)
{
    sqlite3_stmt *st = prep(c, "INSERT INTO %s.st_numbers(unit, prefix, last) VALUES (?1, ?2, ?3)"
                               " ON CONFLICT(unit, prefix) DO UPDATE SET last = max(last, ?3)");
    if (!st)
        return SV_EIO;
    bind_str(st, 1, unit);
    bind_str(st, 2, prefix);
    sqlite3_bind_int64(st, 3, num);
    return step_done(c, st);
}

/* What a shared point takes from the point it shares: the measurement, not the number, the
 * correction's reason or the entry it superseded. */
#define SHARED_COLS                                                                                \
    "time_ms, ptype, marker, lat, lon, h, grade, mode, status, used, seen, hdop, vdop, pdop, eph," \
    " epv, cage, n, dur, se, sn, su, dropped, datum, flags, off, override, note, ha, pole,"        \
    " ground, method, ovc"

/* The points other units share from point number of unit (kind "share") take its current
 * measurement: a shared point is the same 界址点, not a copy that drifts. Nothing changes when
 * the point is gone (the recording calls refuse to withdraw a point another unit shares). */
static int refresh_shares(const actx *c, const char *unit, const char *number)
{
    sqlite3_stmt *st = prep(
        c, "UPDATE %s.st_points AS d SET (" SHARED_COLS ") = (SELECT " SHARED_COLS
           " FROM %s.st_points AS s WHERE s.unit = d.shared_unit AND s.number = d.shared_number)"
           " WHERE d.shared_unit = ?1 AND d.shared_number = ?2 AND EXISTS (SELECT 1 FROM"
           " %s.st_points AS s WHERE s.unit = ?1 AND s.number = ?2)");
    if (!st)
        return SV_EIO;
    bind_str(st, 1, unit);
    bind_str(st, 2, number);
    return step_done(c, st);
}

int sv__apply_share(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    (void)time_ms;
    const char *unit = sv__json_get_str(p, "unit"), *number = sv__json_get_str(p, "number"),
               *from_unit = sv__json_get_str(p, "from_unit"),
               *from_number = sv__json_get_str(p, "from_number");
    if (!number || !from_unit || !from_number)
        return SV_OK;
    NEED_UNIT(c, unit);
    char prefix[8];
    int64_t num;
    split_number(number, prefix, &num);
    /* the point as it is measured now (a point itself shared is not shared again: the
     * recording call names where it is measured) */
    sqlite3_stmt *st = prep(c, "INSERT OR REPLACE INTO %s.st_points(seq, unit, number, prefix, num,"
                               " shared_unit, shared_number, " SHARED_COLS
                               ") SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, " SHARED_COLS
                               " FROM %s.st_points WHERE unit = ?6 AND number = ?7"
                               " AND shared_unit IS NULL");
    if (!st)
        return SV_EIO;
    sqlite3_bind_int64(st, 1, seq);
    bind_str(st, 2, unit);
    bind_str(st, 3, number);
    bind_str(st, 4, prefix);
    sqlite3_bind_int64(st, 5, num);
    bind_str(st, 6, from_unit);
    bind_str(st, 7, from_number);
    if (step_done(c, st) != SV_OK)
        return SV_EIO;
    return number_used(c, unit, prefix, num);
}

int sv__apply_point(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    const char *unit = sv__json_get_str(p, "unit"), *number = sv__json_get_str(p, "number");
    if (!number)
        return SV_OK;
    NEED_UNIT(c, unit);
    int64_t sup = sv__json_get_int(p, "supersedes", 0);
    if (sup) {
        sqlite3_stmt *d = prep(c, "DELETE FROM %s.st_points WHERE seq = ? AND unit = ?");
        if (d) {
            sqlite3_bind_int64(d, 1, sup);
            bind_str(d, 2, unit);
        }
        if (step_done(c, d) != SV_OK)
            return SV_EIO;
    }
    char prefix[8];
    int64_t num;
    split_number(number, prefix, &num);
    /* A point with a number already in use replaces it: numbers name boundary points. */
    sqlite3_stmt *st = prep(
        c,
        "INSERT OR REPLACE INTO %s.st_points(seq, time_ms, unit, number, prefix, num, ptype,"
        " marker, lat, lon, h, grade, mode, status, used, seen, hdop, vdop, pdop, eph, epv, cage,"
        " n, dur, se, sn, su, dropped, datum, flags, off, override, note, ha, pole, ground,"
        " method, ovc, reason, supersedes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return SV_EIO;
    json_t *q = json_object_get(p, "q");
    /* Version 1: h is the antenna's height, the pole unknown, the method implied by the flags,
     * type and fix (sv_method_derive). Version 2: h is the ground's when pole is given (the
     * antenna's is h + pole), else the antenna's. */
    int v1 = sv__json_get_int(p, "v", 1) < 2;
    sv_bpoint m;
    memset(&m, 0, sizeof m);
    m.flags = (unsigned)sv__json_get_int(p, "flags", 0);
    sv__strlcpy(m.point_type, sv__json_get_str(p, "ptype"), sizeof m.point_type);
    if (sv_grade_parse(sv__json_get_str(q, "grade"), &m.q.grade) != SV_OK)
        m.q.grade = SV_GRADE_NONE;
    const char *method = v1 ? sv_method_derive(&m) : sv__json_get_str(p, "method");
    double h = sv__json_get_fixed(p, "h", SV__MM);
    double pole = v1 ? NAN : sv__json_get_fixed(p, "pole", SV__MM);
    bind_real(st, 34, isfinite(pole) ? h + pole : h);
    bind_real(st, 35, pole);
    bind_real(st, 36, isfinite(pole) ? h : NAN);
    bind_str(st, 37, method);
    bind_str(st, 38, sv__json_get_str(p, "ovc"));
    bind_str(st, 39, sv__json_get_str(p, "reason"));
    if (sup)
        sqlite3_bind_int64(st, 40, sup);
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, time_ms);
    bind_str(st, 3, unit);
    bind_str(st, 4, number);
    bind_str(st, 5, prefix);
    sqlite3_bind_int64(st, 6, num);
    bind_str(st, 7, sv__json_get_str(p, "ptype"));
    bind_str(st, 8, sv__json_get_str(p, "marker"));
    bind_real(st, 9, sv__json_get_fixed(p, "lat", SV__NANODEG));
    bind_real(st, 10, sv__json_get_fixed(p, "lon", SV__NANODEG));
    bind_real(st, 11, sv__json_get_fixed(p, "h", SV__MM));
    bind_str(st, 12, sv__json_get_str(q, "grade"));
    bind_opt_int(st, 13, q, "mode");
    bind_opt_int(st, 14, q, "status");
    bind_opt_int(st, 15, q, "used");
    bind_opt_int(st, 16, q, "seen");
    bind_real(st, 17, sv__json_get_fixed(q, "hdop", 100));
    bind_real(st, 18, sv__json_get_fixed(q, "vdop", 100));
    bind_real(st, 19, sv__json_get_fixed(q, "pdop", 100));
    bind_real(st, 20, sv__json_get_fixed(q, "eph", SV__MM));
    bind_real(st, 21, sv__json_get_fixed(q, "epv", SV__MM));
    bind_real(st, 22, sv__json_get_fixed(q, "cage", SV__MM));
    bind_opt_int(st, 23, q, "n");
    bind_real(st, 24, sv__json_get_fixed(q, "dur", SV__MM));
    bind_real(st, 25, sv__json_get_fixed(q, "se", SV__MM));
    bind_real(st, 26, sv__json_get_fixed(q, "sn", SV__MM));
    bind_real(st, 27, sv__json_get_fixed(q, "su", SV__MM));
    bind_opt_int(st, 28, q, "dropped");
    bind_str(st, 29, sv__json_get_str(q, "datum"));
    sqlite3_bind_int64(st, 30, sv__json_get_int(p, "flags", 0));
    char *off = json_object_get(p, "off")
                    ? json_dumps(json_object_get(p, "off"), JSON_COMPACT | JSON_SORT_KEYS)
                    : NULL;
    bind_str(st, 31, off);
    free(off);
    bind_str(st, 32, sv__json_get_str(p, "override"));
    bind_str(st, 33, sv__json_get_str(p, "note"));
    if (step_done(c, st) != SV_OK)
        return SV_EIO;
    if (number_used(c, unit, prefix, num) != SV_OK)
        return SV_EIO;
    return refresh_shares(c, unit, number);
}

int sv__apply_vertex(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    (void)time_ms;
    const char *unit = sv__json_get_str(p, "unit");
    NEED_UNIT(c, unit);
    json_t *q = json_object_get(p, "q");
    sqlite3_stmt *st = prep(c, "INSERT INTO %s.st_vertices(seq, unit, track, lat, lon, h, t, grade,"
                               " used, hdop, eph, se, sn, jump)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return SV_EIO;
    int64_t track = sv__json_get_int(p, "track", 0);
    sqlite3_bind_int64(st, 1, seq);
    bind_str(st, 2, unit);
    sqlite3_bind_int64(st, 3, track ? track : seq);
    bind_real(st, 4, sv__json_get_fixed(p, "lat", SV__NANODEG));
    bind_real(st, 5, sv__json_get_fixed(p, "lon", SV__NANODEG));
    bind_real(st, 6, sv__json_get_fixed(p, "h", SV__MM));
    bind_real(st, 7, sv__json_get_fixed(p, "t", SV__MM));
    bind_str(st, 8, sv__json_get_str(q, "grade"));
    bind_opt_int(st, 9, q, "used");
    bind_real(st, 10, sv__json_get_fixed(q, "hdop", 100));
    bind_real(st, 11, sv__json_get_fixed(q, "eph", SV__MM));
    bind_real(st, 12, sv__json_get_fixed(q, "se", SV__MM));
    bind_real(st, 13, sv__json_get_fixed(q, "sn", SV__MM));
    sqlite3_bind_int64(st, 14, sv__json_get_int(p, "jump", 0));
    return step_done(c, st);
}

int sv__apply_line(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    (void)time_ms;
    const char *unit = sv__json_get_str(p, "unit");
    NEED_UNIT(c, unit);
    sqlite3_stmt *st = prep(c, "INSERT OR REPLACE INTO %s.st_lines(unit, a, b, seq, category,"
                               " position, nature, neighbour) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return SV_EIO;
    bind_str(st, 1, unit);
    bind_str(st, 2, sv__json_get_str(p, "from"));
    bind_str(st, 3, sv__json_get_str(p, "to"));
    sqlite3_bind_int64(st, 4, seq);
    bind_str(st, 5, sv__json_get_str(p, "category"));
    bind_str(st, 6, sv__json_get_str(p, "position"));
    bind_str(st, 7, sv__json_get_str(p, "nature"));
    bind_str(st, 8, sv__json_get_str(p, "neighbour"));
    return step_done(c, st);
}

int sv__apply_verify(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    const char *unit = sv__json_get_str(p, "unit");
    NEED_UNIT(c, unit);
    sqlite3_stmt *st =
        prep(c, "INSERT OR REPLACE INTO %s.st_verifications(unit, field, seq, time_ms,"
                " status, value, note, against) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return SV_EIO;
    bind_str(st, 1, unit);
    bind_str(st, 2, sv__json_get_str(p, "field"));
    sqlite3_bind_int64(st, 3, seq);
    sqlite3_bind_int64(st, 4, time_ms);
    bind_str(st, 5, sv__json_get_str(p, "status"));
    bind_str(st, 6, sv__json_get_str(p, "value"));
    bind_str(st, 7, sv__json_get_str(p, "note"));
    /* "" is a value (the field was blank), unlike an absent member */
    json_t *reg = json_object_get(p, "registered");
    if (json_is_string(reg))
        sqlite3_bind_text(st, 8, json_string_value(reg), -1, SQLITE_TRANSIENT);
    return step_done(c, st);
}

int sv__apply_dispute(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    const char *unit = sv__json_get_str(p, "unit");
    NEED_UNIT(c, unit);
    sqlite3_stmt *st =
        prep(c, "INSERT INTO %s.st_disputes(seq, time_ms, unit, parties, statement, a,"
                " b, geom, settled, number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return SV_EIO;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, time_ms);
    bind_str(st, 3, unit);
    bind_str(st, 4, sv__json_get_str(p, "parties"));
    bind_str(st, 5, sv__json_get_str(p, "statement"));
    bind_str(st, 6, sv__json_get_str(p, "from"));
    bind_str(st, 7, sv__json_get_str(p, "to"));
    char *geom = json_object_get(p, "geom")
                     ? json_dumps(json_object_get(p, "geom"), JSON_COMPACT | JSON_ENCODE_ANY)
                     : NULL;
    bind_str(st, 8, geom);
    free(geom);
    sqlite3_bind_int64(st, 9, sv__json_get_int(p, "settled", 0));
    char number[SV_CODE_MAX];
    const char *given = sv__json_get_str(p, "number");
    if (given && *given)
        sv__strlcpy(number, given, sizeof number);
    else
        sv_dispute_number(unit, seq, number);
    bind_str(st, 10, number);
    return step_done(c, st);
}

/* A settlement names a dispute entry of its unit; one that names anything else derives nothing
 * (recording refuses it; a replica keeps whatever its tablet wrote). */
int sv__apply_settle(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    const char *unit = sv__json_get_str(p, "unit");
    int64_t dispute = sv__json_get_int(p, "dispute", 0);
    if (dispute <= 0)
        return SV_OK;
    NEED_UNIT(c, unit);
    sqlite3_stmt *st =
        prep(c, "INSERT INTO %s.st_settlements(seq, time_ms, unit, dispute, agreement, number)"
                " VALUES (?, ?, ?, ?, ?, ?)");
    if (!st)
        return SV_EIO;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, time_ms);
    bind_str(st, 3, unit);
    sqlite3_bind_int64(st, 4, dispute);
    bind_str(st, 5, sv__json_get_str(p, "agreement"));
    char number[SV_CODE_MAX];
    const char *given = sv__json_get_str(p, "number");
    if (given && *given)
        sv__strlcpy(number, given, sizeof number);
    else
        sv_agreement_number(unit, seq, number);
    bind_str(st, 6, number);
    return step_done(c, st);
}

int sv__apply_note(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    const char *unit = sv__json_get_str(p, "unit");
    NEED_UNIT(c, unit);
    sqlite3_stmt *st = prep(c, "INSERT INTO %s.st_notes(seq, time_ms, unit, point, a, b, phrase,"
                               " text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return SV_EIO;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, time_ms);
    bind_str(st, 3, unit);
    bind_str(st, 4, sv__json_get_str(p, "point"));
    bind_str(st, 5, sv__json_get_str(p, "from"));
    bind_str(st, 6, sv__json_get_str(p, "to"));
    bind_str(st, 7, sv__json_get_str(p, "phrase"));
    bind_str(st, 8, sv__json_get_str(p, "text"));
    return step_done(c, st);
}

/* A file kept with a unit: the payload's file object as the office's decisions write it. An
 * entry whose file object is not well formed derives nothing (recording refuses it). */
int sv__apply_attach(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    const char *unit = sv__json_get_str(p, "unit");
    json_t *f = json_object_get(p, "file");
    const char *sha = sv__json_get_str(f, "sha256"), *type = sv__json_get_str(f, "type");
    const char *name = sv__json_get_str(f, "name"), *what = sv__json_get_str(p, "what");
    json_int_t bytes = json_integer_value(json_object_get(f, "bytes"));
    char why[200];
    if (sv_attach_file_check(sha, type, bytes, name, what, why, sizeof why) != SV_OK)
        return SV_OK; /* not a file the journal's rules would keep: derives nothing */
    NEED_UNIT(c, unit);
    sqlite3_stmt *st = prep(c, "INSERT INTO %s.st_attachments(seq, time_ms, unit, point, what,"
                               " name, sha256, type, bytes, note)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return SV_EIO;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, time_ms);
    bind_str(st, 3, unit);
    bind_str(st, 4, sv__json_get_str(p, "point"));
    bind_str(st, 5, what);
    bind_str(st, 6, name);
    bind_str(st, 7, sha);
    bind_str(st, 8, type);
    sqlite3_bind_int64(st, 9, bytes);
    bind_str(st, 10, sv__json_get_str(p, "note"));
    return step_done(c, st);
}

int sv__apply_attend(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    const char *unit = sv__json_get_str(p, "unit");
    NEED_UNIT(c, unit);
    sqlite3_stmt *st = prep(c, "INSERT OR REPLACE INTO %s.st_attendance(unit, party, seq, time_ms,"
                               " person, presence, notice) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return SV_EIO;
    bind_str(st, 1, unit);
    bind_str(st, 2, sv__json_get_str(p, "party"));
    sqlite3_bind_int64(st, 3, seq);
    sqlite3_bind_int64(st, 4, time_ms);
    bind_str(st, 5, sv__json_get_str(p, "person"));
    bind_str(st, 6, sv__json_get_str(p, "presence"));
    bind_str(st, 7, sv__json_get_str(p, "notice"));
    return step_done(c, st);
}

/* 64 lowercase hex digits: a SHA-256 digest as the payloads write it. */
static int hex64_valid(const char *h)
{
    if (!h || strlen(h) != 64)
        return 0;
    for (size_t i = 0; i < 64; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            return 0;
    return 1;
}

/* Strokes as version 1 writes them: a non-empty array of arrays, each of an even number (at
 * least 4) of integers 0..SV_SIG_PAD. */
static int strokes_valid(const json_t *a)
{
    if (!json_is_array(a) || json_array_size(a) == 0)
        return 0;
    size_t i, k;
    json_t *stroke, *v;
    json_array_foreach(a, i, stroke)
    {
        size_t n = json_array_size(stroke);
        if (!json_is_array(stroke) || n < 4 || n % 2)
            return 0;
        json_array_foreach(stroke, k, v)
        {
            if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                json_integer_value(v) > SV_SIG_PAD)
                return 0;
        }
    }
    return 1;
}

/* A signature: never replaces another, so every one stays until a void names it. */
int sv__apply_sign(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    const char *unit = sv__json_get_str(p, "unit"), *party = sv__json_get_str(p, "party");
    const char *covers = sv__json_get_str(p, "covers");
    json_t *strokes = json_object_get(p, "strokes");
    if (!party || !hex64_valid(covers) || !strokes_valid(strokes))
        return SV_OK;
    NEED_UNIT(c, unit);
    char *text = json_dumps(strokes, JSON_COMPACT);
    if (!text)
        return SV_ENOMEM;
    sqlite3_stmt *st = prep(c, "INSERT INTO %s.st_signatures(seq, time_ms, unit, party, signer,"
                               " role, strokes, covers) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) {
        free(text);
        return SV_EIO;
    }
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, time_ms);
    bind_str(st, 3, unit);
    bind_str(st, 4, party);
    bind_str(st, 5, sv__json_get_str(p, "signer"));
    bind_str(st, 6, sv__json_get_str(p, "role"));
    bind_str(st, 7, text);
    bind_str(st, 8, covers);
    free(text);
    return step_done(c, st);
}

static int apply_kv(const actx *c, const char *fmt, const char *v1, const char *v2, const char *v3)
{
    sqlite3_stmt *st = prep(c, fmt);
    if (!st)
        return SV_EIO;
    bind_str(st, 1, v1);
    bind_str(st, 2, v2);
    if (strstr(fmt, "?3"))
        bind_str(st, 3, v3);
    return step_done(c, st);
}

/* The kinds whose latest entry per key wins: withdrawing the current one makes the latest
 * earlier one that is not withdrawn current again (a mistaken correction voided leaves the
 * confirmation it replaced, not nothing). */
static const struct {
    const char *kind, *table, *key; /* key: the payload field beside "unit" */
} LATEST_WINS[] = {{"verify", "st_verifications", "field"}, {"attend", "st_attendance", "party"}};

/* The text of one entry (kind and payload) from the journal's entries; 0 when none. */
static int entry_text(const actx *c, int64_t seq, char *kind, size_t klen, char **payload)
{
    sqlite3_stmt *st = NULL;
    *payload = NULL;
    if (sqlite3_prepare_v2(c->db, "SELECT kind, payload FROM main.entries WHERE seq = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(st, 1, seq);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        sv__strlcpy(kind, (const char *)sqlite3_column_text(st, 0), klen);
        *payload = sv__strdup((const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    return found && *payload;
}

/* After the void at seq withdrew target: when target was the current row of a latest-wins
 * kind, derive the latest earlier entry of the same unit and key that is not withdrawn. */
static int reinstate_earlier(const actx *c, int64_t seq, int64_t target, int was_current,
                             const char *kind, json_t *tp)
{
    size_t k = 0;
    while (k < sizeof LATEST_WINS / sizeof LATEST_WINS[0] && strcmp(LATEST_WINS[k].kind, kind))
        k++;
    if (!was_current || k == sizeof LATEST_WINS / sizeof LATEST_WINS[0])
        return SV_OK;
    const char *unit = sv__json_get_str(tp, "unit"),
               *key = sv__json_get_str(tp, LATEST_WINS[k].key);
    if (!unit || !key)
        return SV_OK;
    char *sql = sqlite3_mprintf("SELECT seq, time_ms, payload FROM main.entries WHERE kind = ?1"
                                " AND seq < ?2 AND seq <> ?3 AND seq NOT IN (SELECT target FROM"
                                " %s.st_voided) ORDER BY seq DESC",
                                c->schema);
    sqlite3_stmt *st = NULL;
    int rc = sql && sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK ? SV_OK : SV_EIO;
    sqlite3_free(sql);
    if (rc != SV_OK)
        return rc;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, target);
    int64_t found = 0, found_ms = 0;
    json_t *fp = NULL;
    while (!found && sqlite3_step(st) == SQLITE_ROW) {
        json_error_t err;
        json_t *e = json_loads((const char *)sqlite3_column_text(st, 2), 0, &err);
        const char *u = sv__json_get_str(e, "unit"), *kv = sv__json_get_str(e, LATEST_WINS[k].key);
        if (u && kv && strcmp(u, unit) == 0 && strcmp(kv, key) == 0) {
            found = sqlite3_column_int64(st, 0);
            found_ms = sqlite3_column_int64(st, 1);
            fp = e;
        } else {
            json_decref(e);
        }
    }
    sqlite3_finalize(st);
    if (found)
        rc = sv__state_apply(c->db, c->schema, c->cache, found, found_ms, kind, fp);
    json_decref(fp);
    return rc;
}

int sv__apply_void(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    (void)time_ms;
    int64_t target = sv__json_get_int(p, "target", 0);
    if (target <= 0)
        return SV_OK;
    /* the target's own text, and whether it is the current row of a latest-wins kind */
    char tkind[32] = "";
    char *ttext = NULL;
    json_t *tp = NULL;
    int was_current = 0;
    if (entry_text(c, target, tkind, sizeof tkind, &ttext)) {
        json_error_t err;
        tp = json_loads(ttext, 0, &err);
        for (size_t k = 0; tp && k < sizeof LATEST_WINS / sizeof LATEST_WINS[0]; k++) {
            if (strcmp(LATEST_WINS[k].kind, tkind) != 0)
                continue;
            char *q = sqlite3_mprintf("SELECT 1 FROM %s.%s WHERE seq = %lld", c->schema,
                                      LATEST_WINS[k].table, (long long)target);
            sqlite3_stmt *st = NULL;
            if (q && sqlite3_prepare_v2(c->db, q, -1, &st, NULL) == SQLITE_OK)
                was_current = sqlite3_step(st) == SQLITE_ROW;
            sqlite3_finalize(st);
            sqlite3_free(q);
        }
    }
    free(ttext);
    int rc = SV_OK;
    /* the rows any voidable kind derived from the target (the registry names their tables) */
    const sv_kind_info *k;
    for (size_t i = 0; (k = sv_kind_at(i)) != NULL; i++) {
        if (!(k->flags & SV_KIND_VOIDABLE) || !k->state_table)
            continue;
        char *sql = sqlite3_mprintf("DELETE FROM %s.%s WHERE seq = %lld", c->schema, k->state_table,
                                    (long long)target);
        rc = run(c->db, sql);
        sqlite3_free(sql);
        if (rc != SV_OK) {
            json_decref(tp);
            return rc;
        }
    }
    sqlite3_stmt *st =
        prep(c, "INSERT OR REPLACE INTO %s.st_voided(target, seq, reason) VALUES (?, ?, ?)");
    if (!st) {
        json_decref(tp);
        return SV_EIO;
    }
    sqlite3_bind_int64(st, 1, target);
    sqlite3_bind_int64(st, 2, seq);
    bind_str(st, 3, sv__json_get_str(p, "reason"));
    rc = step_done(c, st);
    if (rc == SV_OK && tp)
        rc = reinstate_earlier(c, seq, target, was_current, tkind, tp);
    /* a point other units share is not withdrawn by the recording calls; a journal that holds
     * such a void anyway (another build's) keeps the shared copies as they were */
    json_decref(tp);
    return rc;
}

int sv__apply_code(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    (void)seq, (void)time_ms;
    return apply_kv(c,
                    "INSERT INTO %s.st_codes(list, code, label) VALUES (?1, ?2, ?3)"
                    " ON CONFLICT(list, code) DO UPDATE SET label = excluded.label",
                    sv__json_get_str(p, "list"), sv__json_get_str(p, "code"),
                    sv__json_get_str(p, "label"));
}

int sv__apply_config(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    (void)seq, (void)time_ms;
    return apply_kv(c, "INSERT OR REPLACE INTO %s.st_config(key, value) VALUES (?1, ?2)",
                    sv__json_get_str(p, "key"), sv__json_get_str(p, "value"), NULL);
}

/* Seeds added since the first builds (a journal records what it was seeded with in its init
 * entry, so these reach new journals only): the water units' kinds deployed registration
 * systems list under 水流 (DOMAIN.md 9: 31 河流, 32 湖泊, 33 水库水面). */
static const char *const SEED_LATER[][3] = {
    {"unit-type", "河流", "river"},
    {"unit-type", "湖泊", "lake"},
    {"unit-type", "水库水面", "reservoir water surface"},
};

/* The first builds' seeds, for a journal whose init entry names none. */
static json_t *seed_v1_json(void)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof SEED_V1 / sizeof SEED_V1[0]; i++)
        json_array_append_new(a, json_pack("[sss]", SEED_V1[i][0], SEED_V1[i][1], SEED_V1[i][2]));
    return a;
}

json_t *sv__state_seed_json(void)
{
    json_t *a = seed_v1_json();
    for (size_t i = 0; i < sizeof SEED_LATER / sizeof SEED_LATER[0]; i++)
        json_array_append_new(
            a, json_pack("[sss]", SEED_LATER[i][0], SEED_LATER[i][1], SEED_LATER[i][2]));
    return a;
}

int sv__apply_init(const actx *c, int64_t seq, int64_t time_ms, json_t *p)
{
    (void)seq, (void)time_ms;
    json_t *codes = json_object_get(p, "codes");
    json_t *seed = codes ? json_incref(codes) : seed_v1_json();
    size_t i;
    json_t *row;
    int rc = SV_OK;
    json_array_foreach(seed, i, row)
    {
        if (rc == SV_OK && json_array_size(row) == 3)
            rc = apply_kv(c,
                          "INSERT INTO %s.st_codes(list, code, label) VALUES (?1, ?2, ?3)"
                          " ON CONFLICT(list, code) DO UPDATE SET label = excluded.label",
                          json_string_value(json_array_get(row, 0)),
                          json_string_value(json_array_get(row, 1)),
                          json_string_value(json_array_get(row, 2)));
    }
    json_decref(seed);
    return rc;
}

int sv__state_apply(sqlite3 *db, const char *schema, sv__stcache *cache, int64_t seq,
                    int64_t time_ms, const char *kind, json_t *p)
{
    actx c = {db, schema, cache};
    /* A kind or payload version from a later build keeps its entry but derives nothing here
     * rather than guess at fields this build does not understand. */
    const sv__kind *k = sv__kind_find(kind);
    json_int_t v = sv__json_get_int(p, "v", 1);
    if (!k || !k->apply || v < 1 || v > k->info.version)
        return SV_OK;
    return k->apply(&c, seq, time_ms, p);
}

/* ---- reading ------------------------------------------------------------------------------ */

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static double col_real(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static int col_int(sqlite3_stmt *st, int i, int def)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? def : sqlite3_column_int(st, i);
}

/* Generic "run a query, grow an array, fill each element" loop. */
typedef int (*row_fn)(sqlite3_stmt *st, void *elem);

static int query_list(sv_journal *j, const char *sql, const char *arg, size_t elem_size,
                      row_fn fill, void **out, size_t *n)
{
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    int rc = sqlite3_prepare_v2(sv__journal_db(j), sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sv__journal_fail(j, sv__sqlite_err(rc), "journal state: %s",
                                sqlite3_errmsg(sv__journal_db(j)));
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    size_t cap = 0;
    char *arr = NULL;
    int ret = SV_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char *grown = realloc(arr, ncap * elem_size);
            if (!grown) {
                ret = SV_ENOMEM;
                break;
            }
            arr = grown;
            cap = ncap;
        }
        void *elem = arr + *n * elem_size;
        memset(elem, 0, elem_size);
        (*n)++;
        ret = fill(st, elem);
        if (ret != SV_OK)
            break;
    }
    if (ret == SV_OK && rc != SQLITE_DONE)
        ret = sv__journal_fail(j, sv__sqlite_err(rc), "journal state: %s",
                               sqlite3_errmsg(sv__journal_db(j)));
    sqlite3_finalize(st);
    *out = arr;
    return ret;
}

/* query_list over "SELECT ... FROM table" for one unit (unit NULL = all), then order. */
static int query_unit_list(sv_journal *j, const char *select, const char *order, const char *unit,
                           size_t elem_size, row_fn fill, void **out, size_t *n)
{
    char sql[512];
    snprintf(sql, sizeof sql, "%s%s %s", select, unit ? " WHERE unit = ?" : "", order);
    return query_list(j, sql, unit, elem_size, fill, out, n);
}

#define UNIT_COLS                                                                                  \
    "code, seq, type, name, location, owner, representative, agent, mode, rights, manager,"        \
    " control, epsg, cm, source, geom"

static int fill_unit(sqlite3_stmt *st, void *elem)
{
    sv_unit *u = elem;
    sv__strlcpy(u->code, col_text(st, 0), sizeof u->code);
    u->seq = sqlite3_column_int64(st, 1);
    sv__strlcpy(u->type, col_text(st, 2), sizeof u->type);
    u->name = sv__strdup(col_text(st, 3));
    u->location = sv__strdup(col_text(st, 4));
    for (int f = 0; f < SV_FIELD_COUNT; f++)
        u->fields[f] = sv__strdup(col_text(st, 5 + f));
    u->control = sv__strdup(col_text(st, 11));
    u->epsg = col_int(st, 12, 0);
    u->central_meridian = col_real(st, 13);
    u->source = sv__strdup(col_text(st, 14));
    const char *geom = col_text(st, 15);
    if (geom) {
        json_error_t err;
        json_t *a = json_loads(geom, JSON_DECODE_ANY, &err);
        int rc = a ? sv__geom_from_json(a, &u->draft) : SV_EFORMAT;
        json_decref(a);
        if (rc == SV_ENOMEM)
            return rc;
    }
    return SV_OK;
}

int sv_state_units(sv_journal *j, sv_unit **out, size_t *n)
{
    int rc = query_list(j, "SELECT " UNIT_COLS " FROM st_units ORDER BY code", NULL,
                        sizeof(sv_unit), fill_unit, (void **)out, n);
    if (rc != SV_OK) {
        sv_units_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void sv_units_free(sv_unit *u, size_t n)
{
    for (size_t i = 0; u && i < n; i++)
        sv_unit_clear(&u[i]);
    free(u);
}

int sv_state_unit(sv_journal *j, const char *code, sv_unit *out)
{
    sv_unit *arr;
    size_t n;
    memset(out, 0, sizeof *out);
    int rc = query_list(j, "SELECT " UNIT_COLS " FROM st_units WHERE code = ?", code,
                        sizeof(sv_unit), fill_unit, (void **)&arr, &n);
    if (rc != SV_OK) {
        sv_units_free(arr, n);
        return rc;
    }
    if (n == 0) {
        free(arr);
        return sv__journal_fail(j, SV_ENOTFOUND, "unit %s is not in this journal", code);
    }
    *out = arr[0];
    free(arr);
    return SV_OK;
}

int sv_unit_draft_distance(const sv_unit *u, double lat, double lon, double *metres)
{
    double nlat, nlon;
    int rc = u->draft.n_pts ? sv_geom_nearest(&u->draft, lon, lat, &nlon, &nlat) : SV_EGEOM;
    if (rc == SV_OK)
        *metres = nlat == lat && nlon == lon ? 0.0 : sv_geo_distance(lat, lon, nlat, nlon, NULL);
    return rc;
}

int sv_state_draft_distance(sv_journal *j, const char *unit, double lat, double lon, double *metres)
{
    sv_unit u;
    int rc = sv_state_unit(j, unit, &u);
    if (rc != SV_OK)
        return rc;
    rc = sv_unit_draft_distance(&u, lat, lon, metres);
    sv_unit_clear(&u);
    return rc;
}

#define POINT_COLS                                                                                 \
    "seq, time_ms, unit, number, ptype, marker, lat, lon, ha, grade, mode, status, used, seen,"    \
    " hdop, vdop, pdop, eph, epv, cage, n, dur, se, sn, su, dropped, datum, flags, off,"           \
    " override, note, pole, ground, method, ovc, reason, supersedes, shared_unit, shared_number"

static int fill_point(sqlite3_stmt *st, void *elem)
{
    sv_bpoint *p = elem;
    p->seq = sqlite3_column_int64(st, 0);
    p->time_ms = sqlite3_column_int64(st, 1);
    sv__strlcpy(p->unit, col_text(st, 2), sizeof p->unit);
    sv__strlcpy(p->number, col_text(st, 3), sizeof p->number);
    sv__strlcpy(p->point_type, col_text(st, 4), sizeof p->point_type);
    sv__strlcpy(p->marker, col_text(st, 5), sizeof p->marker);
    p->lat = col_real(st, 6);
    p->lon = col_real(st, 7);
    p->h = col_real(st, 8);
    p->q = sv_quality_unknown();
    if (sv_grade_parse(col_text(st, 9), &p->q.grade) != SV_OK)
        p->q.grade = SV_GRADE_NONE;
    p->q.mode = col_int(st, 10, -1);
    p->q.status = col_int(st, 11, -1);
    p->q.sats_used = col_int(st, 12, -1);
    p->q.sats_seen = col_int(st, 13, -1);
    p->q.hdop = col_real(st, 14);
    p->q.vdop = col_real(st, 15);
    p->q.pdop = col_real(st, 16);
    p->q.eph = col_real(st, 17);
    p->q.epv = col_real(st, 18);
    p->q.corr_age = col_real(st, 19);
    p->q.n = col_int(st, 20, 0);
    p->q.duration_s = col_real(st, 21);
    p->q.sigma_e = col_real(st, 22);
    p->q.sigma_n = col_real(st, 23);
    p->q.sigma_u = col_real(st, 24);
    p->q.dropped = col_int(st, 25, 0);
    sv__strlcpy(p->q.datum, col_text(st, 26), sizeof p->q.datum);
    p->flags = (unsigned)col_int(st, 27, 0);
    p->off.from_lat = p->off.from_lon = p->off.from_h = NAN;
    p->off.distance_m = p->off.bearing_deg = p->off.dh = NAN;
    const char *off = col_text(st, 28);
    if (off) {
        json_error_t err;
        json_t *o = json_loads(off, 0, &err);
        if (o) {
            p->off.from_lat = sv__json_get_fixed(o, "lat", SV__NANODEG);
            p->off.from_lon = sv__json_get_fixed(o, "lon", SV__NANODEG);
            p->off.from_h = sv__json_get_fixed(o, "h", SV__MM);
            p->off.distance_m = sv__json_get_fixed(o, "dist", SV__MM);
            p->off.bearing_deg = sv__json_get_fixed(o, "brg", 1e6);
            p->off.dh = sv__json_get_fixed(o, "dh", SV__MM);
            if (sv_north_parse(sv__json_get_str(o, "north"), &p->off.north) != SV_OK)
                p->off.north = SV_NORTH_TRUE;
            p->off.bearing_entered = p->off.north == SV_NORTH_TRUE
                                         ? p->off.bearing_deg
                                         : sv__json_get_fixed(o, "brg_in", 1e6);
            double corr = sv__json_get_fixed(o, "corr", 1e6);
            p->off.correction_deg = isfinite(corr) ? corr : 0;
            json_decref(o);
        }
    }
    p->override_reason = sv__strdup(col_text(st, 29));
    p->note = sv__strdup(col_text(st, 30));
    p->pole_h = col_real(st, 31);
    p->pole_set = isfinite(p->pole_h) ? 1 : -1;
    p->ground_h = col_real(st, 32);
    sv__strlcpy(p->method, col_text(st, 33), sizeof p->method);
    sv__strlcpy(p->override_code, col_text(st, 34), sizeof p->override_code);
    p->reason = sv__strdup(col_text(st, 35));
    p->supersedes = sqlite3_column_int64(st, 36);
    sv__strlcpy(p->shared_unit, col_text(st, 37), sizeof p->shared_unit);
    sv__strlcpy(p->shared_number, col_text(st, 38), sizeof p->shared_number);
    return SV_OK;
}

/*
 * The points' order: by unit, then sv_point_number_cmp (one series: J1, J2, T3, J4), then
 * the state's row order. Sorted here rather than by SQLite: its sorter copies every row's 37
 * columns through a temporary B-tree, 0.2 s of a 100,000-point export; sorting keys and then moving
 * each point once costs a tenth of that.
 */
typedef struct point_key {
    const char *unit, *number;
    sv__numkey key;
    size_t idx;
} point_key;

static int point_key_cmp(const void *a, const void *b)
{
    const point_key *x = a, *y = b;
    int c = strcmp(x->unit, y->unit);
    if (!c)
        c = sv__numkey_cmp(&x->key, &y->key);
    if (!c)
        c = strcmp(x->number, y->number);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int sort_points(sv_bpoint *p, size_t n)
{
    if (n < 2)
        return SV_OK;
    point_key *k = malloc(n * sizeof *k);
    if (!k)
        return SV_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        k[i].unit = p[i].unit;
        k[i].number = p[i].number;
        sv__numkey_of(p[i].number, &k[i].key);
        k[i].idx = i;
    }
    qsort(k, n, sizeof *k, point_key_cmp);
    /* Position i takes the point at k[i].idx: follow each cycle of the permutation with one
     * point in hand, marking each position done (idx = n) as it is filled. */
    sv_bpoint held;
    for (size_t i = 0; i < n; i++) {
        if (k[i].idx == n || k[i].idx == i) {
            k[i].idx = n;
            continue;
        }
        held = p[i];
        size_t at = i;
        for (;;) {
            size_t from = k[at].idx;
            k[at].idx = n;
            if (from == i) {
                p[at] = held;
                break;
            }
            p[at] = p[from];
            at = from;
        }
    }
    free(k);
    return SV_OK;
}

int sv_state_points(sv_journal *j, const char *unit, sv_bpoint **out, size_t *n)
{
    const char *sql = unit ? "SELECT " POINT_COLS " FROM st_points WHERE unit = ?"
                           : "SELECT " POINT_COLS " FROM st_points";
    int rc = query_list(j, sql, unit, sizeof(sv_bpoint), fill_point, (void **)out, n);
    if (rc == SV_OK && sort_points(*out, *n) != SV_OK)
        rc = sv__journal_fail(j, SV_ENOMEM, "journal state: out of memory sorting the points");
    return rc;
}

int sv_state_shared_from(sv_journal *j, const char *unit, sv_bpoint **out, size_t *n)
{
    if (!j || !unit || !out || !n)
        return SV_EINVAL;
    int rc = query_list(j, "SELECT " POINT_COLS " FROM st_points WHERE shared_unit = ?", unit,
                        sizeof(sv_bpoint), fill_point, (void **)out, n);
    if (rc == SV_OK && sort_points(*out, *n) != SV_OK)
        rc = sv__journal_fail(j, SV_ENOMEM, "journal state: out of memory sorting the points");
    return rc;
}

typedef struct near_pt {
    double d;
    size_t idx;
} near_pt;

static int near_cmp(const void *a, const void *b)
{
    const near_pt *x = a, *y = b;
    if (x->d != y->d)
        return x->d < y->d ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

int sv_state_share_candidates(sv_journal *j, const char *unit, double max_m, sv_bpoint **out,
                              double **dist, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (dist)
        *dist = NULL;
    sv_unit u;
    int rc = sv_state_unit(j, unit, &u);
    if (rc != SV_OK)
        return rc;
    if (!u.draft.n_pts || !(max_m >= 0)) { /* no draft to be near */
        sv_unit_clear(&u);
        return SV_OK;
    }
    /* the draft's extent grown by max_m picks the rows in SQL (the app asks on every reload:
     * a county's other points are never read); the nearest-point search judges those */
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (size_t i = 0; i < u.draft.n_pts; i++)
        for (int k = 0; k < 2; k++) {
            double v = u.draft.lonlat[2 * i + (size_t)k];
            lo[k] = fmin(lo[k], v);
            hi[k] = fmax(hi[k], v);
        }
    double dlat = max_m / 110000.0 + 1e-6;
    double dlon = dlat / fmax(cos(fmax(fabs(lo[1]), fabs(hi[1])) * M_PI / 180), 0.01);
    char *sql = sqlite3_mprintf("SELECT " POINT_COLS " FROM st_points WHERE unit <> ?1 AND"
                                " shared_unit IS NULL AND lon BETWEEN %.9f AND %.9f AND lat"
                                " BETWEEN %.9f AND %.9f",
                                lo[0] - dlon, hi[0] + dlon, lo[1] - dlat, hi[1] + dlat);
    sv_bpoint *box = NULL, *mine = NULL; /* the candidates; what the unit shares already */
    size_t nbox = 0, nmine = 0;
    rc = sql ? query_list(j, sql, unit, sizeof(sv_bpoint), fill_point, (void **)&box, &nbox)
             : sv__journal_fail(j, SV_ENOMEM, "journal state: out of memory");
    sqlite3_free(sql);
    if (rc == SV_OK)
        rc = query_list(j,
                        "SELECT " POINT_COLS " FROM st_points WHERE unit = ?1 AND shared_unit"
                        " IS NOT NULL",
                        unit, sizeof(sv_bpoint), fill_point, (void **)&mine, &nmine);
    if (rc == SV_OK && sort_points(box, nbox) != SV_OK)
        rc = SV_ENOMEM;
    near_pt *near = rc == SV_OK ? malloc((nbox ? nbox : 1) * sizeof *near) : NULL;
    size_t nn = 0;
    if (rc == SV_OK && !near)
        rc = SV_ENOMEM;
    for (size_t i = 0; rc == SV_OK && i < nbox; i++) {
        const sv_bpoint *p = &box[i];
        int taken = 0;
        for (size_t k = 0; k < nmine && !taken; k++)
            taken = strcmp(mine[k].shared_unit, p->unit) == 0 &&
                    strcmp(mine[k].shared_number, p->number) == 0;
        double m;
        if (!taken && sv_unit_draft_distance(&u, p->lat, p->lon, &m) == SV_OK && m <= max_m)
            near[nn++] = (near_pt){m, i};
    }
    sv_unit_clear(&u);
    sv_bpoints_free(mine, nmine);
    if (rc == SV_OK && nn) {
        qsort(near, nn, sizeof *near, near_cmp); /* nearest first, ties in the points' order */
        *out = calloc(nn, sizeof **out);
        if (dist)
            *dist = malloc(nn * sizeof **dist);
        if (!*out || (dist && !*dist)) {
            free(*out);
            *out = NULL;
            if (dist) {
                free(*dist);
                *dist = NULL;
            }
            rc = SV_ENOMEM;
        }
    }
    for (size_t i = 0; rc == SV_OK && i < nn; i++) {
        (*out)[i] = box[near[i].idx];
        memset(&box[near[i].idx], 0, sizeof box[0]); /* its strings moved */
        if (dist)
            (*dist)[i] = near[i].d;
    }
    if (rc == SV_OK)
        *n = nn;
    free(near);
    sv_bpoints_free(box, nbox);
    return rc == SV_ENOMEM ? sv__journal_fail(j, rc, "journal state: out of memory") : rc;
}

void sv_bpoints_free(sv_bpoint *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++)
        sv_bpoint_clear(&p[i]);
    free(p);
}

static int fill_vertex(sqlite3_stmt *st, void *elem)
{
    sv_vertex *v = elem;
    v->seq = sqlite3_column_int64(st, 0);
    sv__strlcpy(v->unit, col_text(st, 1), sizeof v->unit);
    v->track = sqlite3_column_int64(st, 2);
    v->lat = col_real(st, 3);
    v->lon = col_real(st, 4);
    v->h = col_real(st, 5);
    v->fix_time = col_real(st, 6);
    v->q = sv_quality_unknown();
    if (sv_grade_parse(col_text(st, 7), &v->q.grade) != SV_OK)
        v->q.grade = SV_GRADE_NONE;
    v->q.sats_used = col_int(st, 8, -1);
    v->q.hdop = col_real(st, 9);
    v->q.eph = col_real(st, 10);
    v->q.sigma_e = col_real(st, 11);
    v->q.sigma_n = col_real(st, 12);
    v->q.n = 1;
    v->jump = col_int(st, 13, 0);
    return SV_OK;
}

int sv_state_vertices(sv_journal *j, const char *unit, sv_vertex **out, size_t *n)
{
    return query_unit_list(j,
                           "SELECT seq, unit, track, lat, lon, h, t, grade, used, hdop, eph, se,"
                           " sn, jump FROM st_vertices",
                           "ORDER BY seq", unit, sizeof(sv_vertex), fill_vertex, (void **)out, n);
}

void sv_vertices_free(sv_vertex *v, size_t n)
{
    (void)n;
    free(v);
}

void sv_track_clear(sv_track *t)
{
    if (!t)
        return;
    free(t->lonlat);
    free(t->walk);
    free(t->seq);
    free(t->jump);
    memset(t, 0, sizeof *t);
}

int sv_state_track(sv_journal *j, const char *unit, sv_track *out)
{
    return sv_state_track_after(j, unit, 0, out);
}

/* The vertices sql selects (lon, lat, track, seq, jump; ?1 the unit, ?2 and ?3 a and b). */
static int track_query(sv_journal *j, const char *sql, const char *unit, int64_t a, int64_t b,
                       sv_track *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(sv__journal_db(j), sql, -1, &st, NULL) != SQLITE_OK)
        return sv__journal_fail(j, SV_EIO, "reading the walk of %s: %s", unit,
                                sqlite3_errmsg(sv__journal_db(j)));
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a);
    if (sqlite3_bind_parameter_count(st) >= 3)
        sqlite3_bind_int64(st, 3, b);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            size_t nc = cap ? 2 * cap : 1024;
            double *ll = realloc(out->lonlat, nc * 2 * sizeof *ll);
            if (ll)
                out->lonlat = ll;
            int64_t *w = realloc(out->walk, nc * sizeof *w);
            if (w)
                out->walk = w;
            int64_t *q = realloc(out->seq, nc * sizeof *q);
            if (q)
                out->seq = q;
            unsigned char *jp = realloc(out->jump, nc);
            if (jp)
                out->jump = jp;
            if (!ll || !w || !q || !jp) {
                sqlite3_finalize(st);
                sv_track_clear(out);
                return SV_ENOMEM;
            }
            cap = nc;
        }
        size_t i = out->n++;
        out->lonlat[2 * i] = col_real(st, 0);
        out->lonlat[2 * i + 1] = col_real(st, 1);
        out->walk[i] = sqlite3_column_int64(st, 2);
        out->seq[i] = sqlite3_column_int64(st, 3);
        out->jump[i] = (unsigned char)(col_int(st, 4, 0) != 0);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        sv_track_clear(out);
        return sv__journal_fail(j, SV_EIO, "reading the walk of %s: %s", unit,
                                sqlite3_errmsg(sv__journal_db(j)));
    }
    return SV_OK;
}

int sv_state_track_after(sv_journal *j, const char *unit, int64_t after_seq, sv_track *out)
{
    return track_query(j,
                       "SELECT lon, lat, track, seq, jump FROM st_vertices WHERE unit = ?1"
                       " AND seq > ?2 ORDER BY seq",
                       unit, after_seq, 0, out);
}

int sv_state_track_between(sv_journal *j, const char *unit, int64_t from_ms, int64_t to_ms,
                           sv_track *out)
{
    return track_query(j,
                       "SELECT v.lon, v.lat, v.track, v.seq, v.jump FROM st_vertices v"
                       " JOIN main.entries e ON e.seq = v.seq WHERE v.unit = ?1 AND e.time_ms >= ?2"
                       " AND e.time_ms < ?3 ORDER BY v.seq",
                       unit, from_ms, to_ms, out);
}

static int fill_line(sqlite3_stmt *st, void *elem)
{
    sv_bline *l = elem;
    sv__strlcpy(l->unit, col_text(st, 0), sizeof l->unit);
    sv__strlcpy(l->from, col_text(st, 1), sizeof l->from);
    sv__strlcpy(l->to, col_text(st, 2), sizeof l->to);
    l->seq = sqlite3_column_int64(st, 3);
    sv__strlcpy(l->category, col_text(st, 4), sizeof l->category);
    sv__strlcpy(l->position, col_text(st, 5), sizeof l->position);
    sv__strlcpy(l->nature, col_text(st, 6), sizeof l->nature);
    l->neighbour = sv__strdup(col_text(st, 7));
    return SV_OK;
}

int sv_state_lines(sv_journal *j, const char *unit, sv_bline **out, size_t *n)
{
    return query_unit_list(j,
                           "SELECT unit, a, b, seq, category, position, nature, neighbour"
                           " FROM st_lines",
                           "ORDER BY unit, seq", unit, sizeof(sv_bline), fill_line, (void **)out,
                           n);
}

void sv_blines_free(sv_bline *l, size_t n)
{
    for (size_t i = 0; l && i < n; i++)
        sv_bline_clear(&l[i]);
    free(l);
}

static int fill_verification(sqlite3_stmt *st, void *elem)
{
    sv_verification *v = elem;
    sv__strlcpy(v->unit, col_text(st, 0), sizeof v->unit);
    if (sv_field_parse(col_text(st, 1), &v->field) != SV_OK)
        v->field = SV_FIELD_OWNER;
    v->seq = sqlite3_column_int64(st, 2);
    v->time_ms = sqlite3_column_int64(st, 3);
    if (sv_vstatus_parse(col_text(st, 4), &v->status) != SV_OK)
        v->status = SV_VERIFY_DISPUTED;
    v->value = sv__strdup(col_text(st, 5));
    v->note = sv__strdup(col_text(st, 6));
    return SV_OK;
}

/*
 * A verification counts while the unit still registers what the crew verified: its "against"
 * (the registered value when it was recorded) is the field's value now, or it corrected the
 * field to the value now registered (the county took the correction over). A package that
 * changes the field leaves it standing but not counting: the field is to be verified again,
 * and counts again should the value come back. Entries from before schema 8 carry no
 * registered value and count as they always did.
 */
#define VER_FIELD_NOW                                                                              \
    "coalesce(CASE v.field WHEN 'owner' THEN u.owner WHEN 'representative' THEN"                   \
    " u.representative WHEN 'agent' THEN u.agent WHEN 'mode' THEN u.mode WHEN 'rights' THEN"       \
    " u.rights WHEN 'manager' THEN u.manager END, '')"
#define VER_COUNTS                                                                                 \
    "(v.against IS NULL OR v.against = " VER_FIELD_NOW " OR (v.status = 'corrected' AND"           \
    " v.value = " VER_FIELD_NOW "))"
#define VER_CURRENT_FROM                                                                           \
    " FROM st_verifications v JOIN st_units u ON u.code = v.unit WHERE " VER_COUNTS

int sv_state_verifications(sv_journal *j, const char *unit, sv_verification **out, size_t *n)
{
    const char *sql =
        unit
            ? "SELECT v.unit, v.field, v.seq, v.time_ms, v.status, v.value, v.note" VER_CURRENT_FROM
              " AND v.unit = ? ORDER BY v.seq"
            : "SELECT v.unit, v.field, v.seq, v.time_ms, v.status, v.value, v.note" VER_CURRENT_FROM
              " ORDER BY v.unit, v.seq";
    return query_list(j, sql, unit, sizeof(sv_verification), fill_verification, (void **)out, n);
}

int sv__state_verifications_counting(sv_journal *j, const char *unit)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(sv__journal_db(j), "SELECT v.field" VER_CURRENT_FROM " AND v.unit = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    int bits = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sv_field f;
        if (sv_field_parse((const char *)sqlite3_column_text(st, 0), &f) == SV_OK)
            bits |= 1 << (int)f;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? bits : -1;
}

void sv_verifications_free(sv_verification *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sv_verification_clear(&v[i]);
    free(v);
}

static int fill_dispute(sqlite3_stmt *st, void *elem)
{
    sv_dispute *d = elem;
    d->seq = sqlite3_column_int64(st, 0);
    d->time_ms = sqlite3_column_int64(st, 1);
    sv__strlcpy(d->unit, col_text(st, 2), sizeof d->unit);
    d->parties = sv__strdup(col_text(st, 3));
    d->statement = sv__strdup(col_text(st, 4));
    sv__strlcpy(d->from, col_text(st, 5), sizeof d->from);
    sv__strlcpy(d->to, col_text(st, 6), sizeof d->to);
    const char *geom = col_text(st, 7);
    if (geom) {
        json_error_t err;
        json_t *a = json_loads(geom, JSON_DECODE_ANY, &err);
        if (a)
            sv__geom_from_json(a, &d->area);
        json_decref(a);
    }
    d->settled_by = sqlite3_column_int64(st, 10);
    d->settled = col_int(st, 8, 0) || d->settled_by > 0;
    sv__strlcpy(d->number, col_text(st, 9), sizeof d->number);
    d->agreement = sv__strdup(col_text(st, 11));
    sv__strlcpy(d->agreement_no, col_text(st, 12), sizeof d->agreement_no);
    if (!d->number[0])
        sv_dispute_number(d->unit, d->seq, d->number);
    return SV_OK;
}

/* A dispute is settled by its flag or by the latest current settlement naming it. */
int sv_state_disputes(sv_journal *j, const char *unit, sv_dispute **out, size_t *n)
{
    return query_unit_list(j,
                           "SELECT * FROM (SELECT d.seq, d.time_ms, d.unit AS unit, d.parties,"
                           " d.statement, d.a, d.b, d.geom, d.settled, d.number, s.seq,"
                           " s.agreement, s.number FROM st_disputes d LEFT JOIN st_settlements s"
                           " ON s.seq = (SELECT max(seq) FROM st_settlements WHERE dispute = d.seq"
                           " AND unit = d.unit))",
                           "ORDER BY seq", unit, sizeof(sv_dispute), fill_dispute, (void **)out, n);
}

static int fill_note(sqlite3_stmt *st, void *elem)
{
    sv_note *o = elem;
    o->seq = sqlite3_column_int64(st, 0);
    o->time_ms = sqlite3_column_int64(st, 1);
    sv__strlcpy(o->unit, col_text(st, 2), sizeof o->unit);
    sv__strlcpy(o->point, col_text(st, 3), sizeof o->point);
    sv__strlcpy(o->from, col_text(st, 4), sizeof o->from);
    sv__strlcpy(o->to, col_text(st, 5), sizeof o->to);
    sv__strlcpy(o->phrase, col_text(st, 6), sizeof o->phrase);
    o->text = sv__strdup(col_text(st, 7));
    return SV_OK;
}

int sv_state_notes(sv_journal *j, const char *unit, sv_note **out, size_t *n)
{
    return query_unit_list(j, "SELECT seq, time_ms, unit, point, a, b, phrase, text FROM st_notes",
                           "ORDER BY unit, seq", unit, sizeof(sv_note), fill_note, (void **)out, n);
}

static int fill_attachment(sqlite3_stmt *st, void *elem)
{
    sv_attachment *o = elem;
    o->seq = sqlite3_column_int64(st, 0);
    o->time_ms = sqlite3_column_int64(st, 1);
    sv__strlcpy(o->unit, col_text(st, 2), sizeof o->unit);
    sv__strlcpy(o->point, col_text(st, 3), sizeof o->point);
    sv__strlcpy(o->what, col_text(st, 4), sizeof o->what);
    sv__strlcpy(o->name, col_text(st, 5), sizeof o->name);
    sv__strlcpy(o->sha256, col_text(st, 6), sizeof o->sha256);
    sv__strlcpy(o->type, col_text(st, 7), sizeof o->type);
    o->bytes = sqlite3_column_int64(st, 8);
    o->note = col_text(st, 9) ? sv__strdup(col_text(st, 9)) : NULL;
    o->at_office = sqlite3_column_int(st, 10);
    return SV_OK;
}

int sv_state_attachments(sv_journal *j, const char *unit, sv_attachment **out, size_t *n)
{
    return query_unit_list(
        j,
        "SELECT a.seq, a.time_ms, unit, point, what, name, a.sha256, type, bytes,"
        " note, o.sha256 IS NOT NULL FROM st_attachments a"
        " LEFT JOIN files_office o ON o.sha256 = a.sha256",
        "ORDER BY unit, seq", unit, sizeof(sv_attachment), fill_attachment, (void **)out, n);
}

void sv_attachments_free(sv_attachment *o, size_t n)
{
    for (size_t i = 0; o && i < n; i++)
        sv_attachment_clear(&o[i]);
    free(o);
}

void sv_notes_free(sv_note *o, size_t n)
{
    for (size_t i = 0; o && i < n; i++)
        sv_note_clear(&o[i]);
    free(o);
}

void sv_disputes_free(sv_dispute *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++)
        sv_dispute_clear(&d[i]);
    free(d);
}

static int fill_attendance(sqlite3_stmt *st, void *elem)
{
    sv_attendance *a = elem;
    sv__strlcpy(a->unit, col_text(st, 0), sizeof a->unit);
    a->party = sv__strdup(col_text(st, 1));
    a->seq = sqlite3_column_int64(st, 2);
    a->time_ms = sqlite3_column_int64(st, 3);
    a->person = sv__strdup(col_text(st, 4));
    if (sv_presence_parse(col_text(st, 5), &a->presence) != SV_OK)
        a->presence = SV_ABSENT;
    sv__strlcpy(a->notice_date, col_text(st, 6), sizeof a->notice_date);
    return SV_OK;
}

int sv_state_attendance(sv_journal *j, const char *unit, sv_attendance **out, size_t *n)
{
    return query_unit_list(j,
                           "SELECT unit, party, seq, time_ms, person, presence, notice"
                           " FROM st_attendance",
                           "ORDER BY unit, seq", unit, sizeof(sv_attendance), fill_attendance,
                           (void **)out, n);
}

void sv_attendances_free(sv_attendance *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        sv_attendance_clear(&a[i]);
    free(a);
}

/* The stored strokes [[x,y,...],...] as xy pairs, each stroke ended by (-1, -1). */
static int strokes_to_xy(const char *text, sv_signature *s)
{
    json_error_t err;
    json_t *a = text ? json_loads(text, 0, &err) : NULL;
    size_t n = 0, i, k;
    json_t *stroke, *v;
    json_array_foreach(a, i, stroke)
    {
        n += json_array_size(stroke) / 2 + 1;
    }
    s->xy = malloc((n ? n : 1) * 2 * sizeof *s->xy);
    if (!s->xy) {
        json_decref(a);
        return SV_ENOMEM;
    }
    size_t m = 0;
    json_array_foreach(a, i, stroke)
    {
        json_array_foreach(stroke, k, v)
        {
            s->xy[m++] = (int32_t)json_integer_value(v);
        }
        if (m % 2) /* never stored so (apply checks), but keep the pairs aligned */
            s->xy[m++] = -1;
        s->xy[m++] = -1;
        s->xy[m++] = -1;
    }
    s->n_xy = m / 2;
    json_decref(a);
    return SV_OK;
}

static int fill_signature(sqlite3_stmt *st, void *elem)
{
    sv_signature *s = elem;
    s->seq = sqlite3_column_int64(st, 0);
    s->time_ms = sqlite3_column_int64(st, 1);
    sv__strlcpy(s->unit, col_text(st, 2), sizeof s->unit);
    s->party = sv__strdup(col_text(st, 3));
    s->signer = sv__strdup(col_text(st, 4));
    s->role = sv__strdup(col_text(st, 5));
    if ((col_text(st, 3) && !s->party) || (col_text(st, 4) && !s->signer) ||
        (col_text(st, 5) && !s->role))
        return SV_ENOMEM;
    const char *hex = col_text(st, 7);
    if (hex && hex64_valid(hex))
        sodium_hex2bin(s->covers, sizeof s->covers, hex, strlen(hex), NULL, NULL, NULL);
    return strokes_to_xy(col_text(st, 6), s);
}

int sv_state_signatures(sv_journal *j, const char *unit, sv_signature **out, size_t *n)
{
    int rc = query_unit_list(j,
                             "SELECT seq, time_ms, unit, party, signer, role, strokes, covers"
                             " FROM st_signatures",
                             "ORDER BY seq", unit, sizeof(sv_signature), fill_signature,
                             (void **)out, n);
    /* current: each unit's boundary digest, taken once per unit. */
    uint8_t *digests = rc == SV_OK && *n ? malloc(*n * SV_HASH_BYTES) : NULL;
    if (rc == SV_OK && *n && !digests)
        rc = sv__journal_fail(j, SV_ENOMEM, "out of memory");
    for (size_t i = 0; rc == SV_OK && i < *n; i++) {
        sv_signature *s = &(*out)[i];
        size_t k = 0;
        while (k < i && strcmp((*out)[k].unit, s->unit) != 0)
            k++;
        if (k < i)
            memcpy(digests + i * SV_HASH_BYTES, digests + k * SV_HASH_BYTES, SV_HASH_BYTES);
        else
            rc = sv_state_boundary_digest(j, s->unit, digests + i * SV_HASH_BYTES);
        s->current = memcmp(digests + i * SV_HASH_BYTES, s->covers, SV_HASH_BYTES) == 0;
    }
    free(digests);
    if (rc != SV_OK) {
        sv_signatures_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void sv_signatures_free(sv_signature *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        sv_signature_clear(&s[i]);
    free(s);
}

/* A text field of the boundary text: tab, line feed, carriage return and backslash escaped
 * as \t \n \r \\, so that fields and lines cannot run into each other. */
static void append_field(sqlite3_str *b, const char *v)
{
    sqlite3_str_appendchar(b, 1, '\t');
    for (const char *c = v ? v : ""; *c; c++) {
        switch (*c) {
        case '\t':
            sqlite3_str_appendall(b, "\\t");
            break;
        case '\n':
            sqlite3_str_appendall(b, "\\n");
            break;
        case '\r':
            sqlite3_str_appendall(b, "\\r");
            break;
        case '\\':
            sqlite3_str_appendall(b, "\\\\");
            break;
        default:
            sqlite3_str_appendchar(b, 1, *c);
        }
    }
}

/* A fixed-point field as the point payload has it (see docs/journal.md); empty when unknown. */
static void append_fixed(sqlite3_str *b, sqlite3_stmt *st, int col, double scale)
{
    sqlite3_str_appendchar(b, 1, '\t');
    if (sqlite3_column_type(st, col) != SQLITE_NULL)
        sqlite3_str_appendf(b, "%lld", (long long)sv__to_fixed(col_real(st, col), scale));
}

/*
 * The boundary text (docs/journal.md, "Boundary digest"), UTF-8, every line ended by LF:
 *   quejie-boundary-v1
 *   unit TAB code
 *   point TAB number TAB ptype TAB marker TAB lat TAB lon TAB h      (points by number, bytewise)
 *   line TAB from TAB to TAB category TAB position TAB nature TAB neighbour  (by from, then to)
 * lat and lon in 1e-9 degree, h in millimetres (the payload integers), empty when unknown.
 */
int sv_state_boundary_digest(sv_journal *j, const char *unit, uint8_t out[32])
{
    sqlite3 *db = sv__journal_db(j);
    if (!unit || !*unit)
        return sv__journal_fail(j, SV_EINVAL, "no unit code given");
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM st_units WHERE code = ?", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return sv__journal_fail(j, SV_ENOTFOUND, "unit %s is not in this journal", unit);
    if (rc != SQLITE_ROW)
        return sv__journal_fail(j, sv__sqlite_err(rc), "journal state: %s", sqlite3_errmsg(db));

    sqlite3_str *b = sqlite3_str_new(db);
    sqlite3_str_appendall(b, "quejie-boundary-v1\nunit");
    append_field(b, unit);
    sqlite3_str_appendchar(b, 1, '\n');
    static const char *const sql[2] = {
        "SELECT number, ptype, marker, lat, lon, h FROM st_points WHERE unit = ?"
        " ORDER BY CAST(number AS BLOB)",
        "SELECT a, b, category, position, nature, neighbour FROM st_lines WHERE unit = ?"
        " ORDER BY CAST(a AS BLOB), CAST(b AS BLOB)"};
    for (int q = 0; q < 2; q++) {
        rc = sqlite3_prepare_v2(db, sql[q], -1, &st, NULL);
        if (rc != SQLITE_OK)
            break;
        sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            sqlite3_str_appendall(b, q == 0 ? "point" : "line");
            for (int c = 0; c < 3; c++)
                append_field(b, col_text(st, c));
            if (q == 0) {
                append_fixed(b, st, 3, SV__NANODEG);
                append_fixed(b, st, 4, SV__NANODEG);
                append_fixed(b, st, 5, SV__MM);
            } else {
                for (int c = 3; c < 6; c++)
                    append_field(b, col_text(st, c));
            }
            sqlite3_str_appendchar(b, 1, '\n');
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            break;
        rc = SQLITE_OK;
    }
    int serr = sqlite3_str_errcode(b);
    int len = sqlite3_str_length(b);
    char *text = sqlite3_str_finish(b);
    if (rc != SQLITE_OK) {
        sqlite3_free(text);
        return sv__journal_fail(j, sv__sqlite_err(rc), "journal state: %s", sqlite3_errmsg(db));
    }
    if (serr != SQLITE_OK || !text) {
        sqlite3_free(text);
        return sv__journal_fail(j, SV_ENOMEM, "out of memory");
    }
    sv__sha256(text, (size_t)len, out);
    sqlite3_free(text);
    return SV_OK;
}

static int fill_code(sqlite3_stmt *st, void *elem)
{
    sv_code *c = elem;
    sv__strlcpy(c->list, col_text(st, 0), sizeof c->list);
    sv__strlcpy(c->code, col_text(st, 1), sizeof c->code);
    c->label = sv__strdup(col_text(st, 2));
    return SV_OK;
}

int sv_state_codes(sv_journal *j, const char *list, sv_code **out, size_t *n)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT list, code, label FROM st_codes%s ORDER BY list, rowid",
             list ? " WHERE list = ?" : "");
    return query_list(j, sql, list, sizeof(sv_code), fill_code, (void **)out, n);
}

void sv_codes_free(sv_code *c, size_t n)
{
    for (size_t i = 0; c && i < n; i++)
        free(c[i].label);
    free(c);
}

int sv_state_code_known(sv_journal *j, const char *list, const char *code)
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(sv__journal_db(j), "SELECT 1 FROM st_codes WHERE list = ? AND code = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, list, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

/* A count's failure (a damaged state index, say) with SQLite's reason in the journal's message,
 * so the caller's error says what went wrong; -1. */
static int count_failed(sv_journal *j, int rc)
{
    sv__journal_fail(j, sv__sqlite_err(rc), "journal state: %s", sqlite3_errmsg(sv__journal_db(j)));
    return -1;
}

static int count(sv_journal *j, const char *sql, const char *unit)
{
    sqlite3_stmt *st;
    int n = 0, rc = sqlite3_prepare_v2(sv__journal_db(j), sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return count_failed(j, rc);
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    else
        n = count_failed(j, rc);
    sqlite3_finalize(st);
    return n;
}

/* count() with the unit as ?1 and the boundary digest (hex) as ?2. */
static int count2(sv_journal *j, const char *sql, const char *unit, const char *hex)
{
    sqlite3_stmt *st;
    int n = 0, rc = sqlite3_prepare_v2(sv__journal_db(j), sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return count_failed(j, rc);
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    else
        n = count_failed(j, rc);
    sqlite3_finalize(st);
    return n;
}

/* The unit's current records: the unit itself and every row derived for it. "Newest entry"
 * and "entries not at the office" are both taken over exactly these rows, so a list that
 * says "not synced" and a count of what is not at the office cannot disagree. */
#define UNIT_ROWS(EACH, ALL)                                                                       \
    "SELECT " ALL "(s) FROM (SELECT " EACH " s FROM st_units WHERE code = ?1 AND seq > ?2"         \
    " UNION ALL SELECT " EACH " FROM st_points WHERE unit = ?1 AND seq > ?2"                       \
    " UNION ALL SELECT " EACH " FROM st_vertices WHERE unit = ?1 AND seq > ?2"                     \
    " UNION ALL SELECT " EACH " FROM st_lines WHERE unit = ?1 AND seq > ?2"                        \
    " UNION ALL SELECT " EACH " FROM st_verifications WHERE unit = ?1 AND seq > ?2"                \
    " UNION ALL SELECT " EACH " FROM st_disputes WHERE unit = ?1 AND seq > ?2"                     \
    " UNION ALL SELECT " EACH " FROM st_attendance WHERE unit = ?1 AND seq > ?2"                   \
    " UNION ALL SELECT " EACH " FROM st_signatures WHERE unit = ?1 AND seq > ?2"                   \
    " UNION ALL SELECT " EACH " FROM st_notes WHERE unit = ?1 AND seq > ?2"                        \
    " UNION ALL SELECT " EACH " FROM st_settlements WHERE unit = ?1 AND seq > ?2"                  \
    " UNION ALL SELECT " EACH " FROM st_attachments WHERE unit = ?1 AND seq > ?2)"

/* The crew's work on unit ?1: its records but the task's own entry, the measurement of the
 * points it shares from other units (a re-measure there is work on this unit too: the office's
 * rule, office_life.c act_sharers), and the voids that withdrew any of its entries (a void
 * names no unit: it is about its target's). CROSS JOIN keeps the
 * voids the outer loop: the planner otherwise scanned every entry's payload (80 ms a unit on a
 * 100,000-entry journal). */
#define WORK_SEQ                                                                                   \
    "SELECT max(s) FROM (SELECT max(seq) s FROM st_points WHERE unit = ?1"                         \
    " UNION ALL SELECT max(seq) FROM st_vertices WHERE unit = ?1"                                  \
    " UNION ALL SELECT max(seq) FROM st_lines WHERE unit = ?1"                                     \
    " UNION ALL SELECT max(seq) FROM st_verifications WHERE unit = ?1"                             \
    " UNION ALL SELECT max(seq) FROM st_disputes WHERE unit = ?1"                                  \
    " UNION ALL SELECT max(seq) FROM st_attendance WHERE unit = ?1"                                \
    " UNION ALL SELECT max(seq) FROM st_signatures WHERE unit = ?1"                                \
    " UNION ALL SELECT max(seq) FROM st_notes WHERE unit = ?1"                                     \
    " UNION ALL SELECT max(seq) FROM st_settlements WHERE unit = ?1"                               \
    " UNION ALL SELECT max(seq) FROM st_attachments WHERE unit = ?1"                               \
    " UNION ALL SELECT max(s.seq) FROM st_points d JOIN st_points s"                               \
    " ON s.unit = d.shared_unit AND s.number = d.shared_number"                                    \
    " WHERE d.unit = ?1 AND d.shared_unit IS NOT NULL"                                             \
    " UNION ALL SELECT max(v.seq) FROM st_voided v CROSS JOIN entries e ON e.seq = v.target"       \
    " WHERE json_extract(e.payload, '$.unit') = ?1)"

static int64_t unit_rows(sv_journal *j, const char *sql, const char *unit, int64_t after)
{
    sqlite3_stmt *st;
    int64_t n = 0;
    int rc = sqlite3_prepare_v2(sv__journal_db(j), sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return count_failed(j, rc);
    sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, after);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? n : count_failed(j, rc);
}

int sv_state_entry_unit(sv_journal *j, int64_t seq, char unit[SV_CODE_MAX])
{
    unit[0] = '\0';
    /* a void is about what it withdraws (a void never withdraws a void: not voidable) */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(sv__journal_db(j),
                           "SELECT e.kind, CASE e.kind WHEN 'unit' THEN json_extract(e.payload,"
                           " '$.code') ELSE json_extract(e.payload, '$.unit') END FROM entries e"
                           " WHERE e.seq = (SELECT CASE kind WHEN 'void' THEN"
                           " json_extract(payload, '$.target') ELSE seq END FROM entries"
                           " WHERE seq = ?1)",
                           -1, &st, NULL) != SQLITE_OK)
        return sv__journal_fail(j, SV_EIO, "journal: %s", sqlite3_errmsg(sv__journal_db(j)));
    sqlite3_bind_int64(st, 1, seq);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW && sqlite3_column_type(st, 1) == SQLITE_TEXT)
        snprintf(unit, SV_CODE_MAX, "%s", (const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE
               ? SV_OK
               : sv__journal_fail(j, SV_EIO, "journal: %s", sqlite3_errmsg(sv__journal_db(j)));
}

int64_t sv_state_unit_unsent(sv_journal *j, const char *unit, int64_t acked_seq)
{
    return unit ? unit_rows(j, UNIT_ROWS("count(*)", "sum"), unit, acked_seq > 0 ? acked_seq : 0)
                : 0;
}

int sv_state_progress(sv_journal *j, const char *unit, sv_progress *out)
{
    memset(out, 0, sizeof *out);
    out->last_seq = unit ? unit_rows(j, UNIT_ROWS("max(seq)", "max"), unit, 0) : 0;
    out->work_seq = unit ? unit_rows(j, WORK_SEQ, unit, 0) : 0;
    if (out->last_seq < 0 || out->work_seq < 0)
        return SV_EIO;
    out->points = count(j, "SELECT count(*) FROM st_points WHERE unit = ?", unit);
    out->vertices = count(j, "SELECT count(*) FROM st_vertices WHERE unit = ?", unit);
    out->fields_verified = count(
        j, "SELECT count(*)" VER_CURRENT_FROM " AND v.unit = ? AND v.status <> 'disputed'", unit);
    out->fields_disputed = count(
        j, "SELECT count(*)" VER_CURRENT_FROM " AND v.unit = ? AND v.status = 'disputed'", unit);
    out->disputes_open =
        count(j,
              "SELECT count(*) FROM st_disputes d WHERE unit = ? AND settled = 0 AND NOT EXISTS"
              " (SELECT 1 FROM st_settlements s WHERE s.dispute = d.seq AND s.unit = d.unit)",
              unit);
    out->attendance = count(j, "SELECT count(*) FROM st_attendance WHERE unit = ?", unit);
    out->signatures = count(j, "SELECT count(*) FROM st_signatures WHERE unit = ?", unit);
    if (out->points < 0 || out->vertices < 0 || out->fields_verified < 0 ||
        out->fields_disputed < 0 || out->disputes_open < 0 || out->attendance < 0 ||
        out->signatures < 0)
        return SV_EIO;
    /* A unit the journal does not have has nothing signed and nobody to sign. */
    uint8_t d[SV_HASH_BYTES];
    char hex[2 * SV_HASH_BYTES + 1];
    int rc = unit && *unit ? sv_state_boundary_digest(j, unit, d) : SV_ENOTFOUND;
    if (rc == SV_ENOTFOUND)
        return SV_OK;
    if (rc != SV_OK)
        return rc;
    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
    /* parties, not signatures: one who signed twice is one signed party (Today said 2/2 with
     * one of two parties signed) */
    out->signatures_current =
        count2(j, "SELECT count(DISTINCT party) FROM st_signatures WHERE unit = ?1 AND covers = ?2",
               unit, hex);
    /* Absent parties do not sign: they are served a notice instead (DOMAIN.md 4). */
    out->signatures_missing =
        count2(j,
               "SELECT count(*) FROM st_attendance a WHERE a.unit = ?1"
               " AND a.presence IN ('present', 'proxy') AND NOT EXISTS (SELECT 1 FROM"
               " st_signatures s WHERE s.unit = a.unit AND s.party = a.party AND s.covers = ?2)",
               unit, hex);
    if (out->signatures_current < 0 || out->signatures_missing < 0)
        return SV_EIO;
    return SV_OK;
}
