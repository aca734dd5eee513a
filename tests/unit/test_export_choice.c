/*
 * test_export_choice.c - the county export's choices between devices' verifications of a unit
 * field (survey/export.h, sv_export_choice with field set): two real journals verify the same
 * field differently, and sv_export_journals_opts writes GeoJSON and a GeoPackage read back with
 * jansson and SQLite.
 *
 * Covers: without a choice the latest verification by time wins; a choice of a device holds that
 * device's latest verification of the field, even against a later one of the other device, with
 * its provenance (<field>_device, _seq, _decision, _decided_by, _decided); the first (newest)
 * choice about a field wins; "neither" exports the field as not verified (reverify), never the
 * other version; other fields and an unknown field name keep the latest-by-time rule; a point
 * choice (field NULL) leaves verifications alone; the unit layer's columns do not depend on the
 * data (present in an export without choices). A point one unit shares from its neighbour (kind
 * "share") carries the county record's version of that point: the device chosen in review, not
 * the one that recorded the sharing. An edge match (sv_export_edge) gives a unit's point its
 * neighbour's measurement in the county record (and in a one-unit export of it, and with one
 * journal), marked edge_matched; chains end on their last point, a cycle settles on one.
 *
 * Reads $QJ_FIXTURES/tasks/linxia-units-4490.geojson and adjacent-units-4490.geojson; works in
 * a temporary directory.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "survey/clock.h"
#include "survey/export.h"
#include "survey/journal.h"
#include "survey/state.h"
#include "survey/tasks.h"
#include "tablets.h"

static const char *U = "622901ZR000002";

/* Record a verification of field f of U; returns its seq. Waits (on the clock, no fixed sleep)
 * until the wall clock has passed the entry's time, so the next entry of any journal is later. */
static int64_t verify(sv_journal *j, sv_field f, sv_vstatus s, const char *value)
{
    sv_verification v;
    memset(&v, 0, sizeof v);
    snprintf(v.unit, sizeof v.unit, "%s", U);
    v.field = f;
    v.status = s;
    v.value = (char *)value;
    v.note = s == SV_VERIFY_DISPUTED ? "村民小组有异议" : NULL;
    int64_t seq = 0;
    CHECK_INT(sv_record_verification(j, &v, &seq), SV_OK);
    sv_verification *all = NULL;
    size_t n = 0;
    CHECK_INT(sv_state_verifications(j, U, &all, &n), SV_OK);
    int64_t t = 0;
    for (size_t i = 0; i < n; i++)
        if (all[i].seq == seq)
            t = all[i].time_ms;
    sv_verifications_free(all, n);
    CHECK(t > 0);
    while (sv_wall_ms() <= t)
        ;
    return seq;
}

/* The properties of unit U in a GeoJSON export (a new reference; the file is loaded here). */
static json_t *unit_props(const char *path)
{
    json_t *fc = json_load_file(path, 0, NULL);
    CHECK(fc != NULL);
    json_t *out = NULL, *f;
    size_t i;
    json_array_foreach(json_object_get(fc, "features"), i, f)
    {
        json_t *p = json_object_get(f, "properties");
        const char *code = json_string_value(json_object_get(p, "code"));
        if (!out && code && strcmp(code, U) == 0 && json_object_get(p, "owner_status"))
            out = json_incref(p);
    }
    json_decref(fc);
    CHECK(out != NULL);
    return out ? out : json_object();
}

static const char *str(json_t *p, const char *key)
{
    return json_string_value(json_object_get(p, key));
}

static int is_null(json_t *p, const char *key)
{
    json_t *v = json_object_get(p, key);
    return v != NULL && json_is_null(v);
}

static int export_geojson(sv_journal **js, const sv_export_choice *ch, size_t n, const char *name);

/* The latitude of point number of unit in a GeoJSON export; NAN when it has none. */
static double point_lat(const char *path, const char *unit, const char *number)
{
    json_t *fc = json_load_file(path, 0, NULL);
    CHECK(fc != NULL);
    double lat = NAN;
    json_t *f;
    size_t i;
    json_array_foreach(json_object_get(fc, "features"), i, f)
    {
        json_t *p = json_object_get(f, "properties");
        const char *u = str(p, "unit"), *n = str(p, "number");
        json_t *c = json_object_get(json_object_get(f, "geometry"), "coordinates");
        if (u && n && strcmp(u, unit) == 0 && strcmp(n, number) == 0 && json_array_size(c) >= 2)
            lat = json_real_value(json_array_get(c, 1));
    }
    json_decref(fc);
    return lat;
}

/* A measured point of unit at (lat, lon) in j. */
static void point(sv_journal *j, const char *unit, double lat, double lon)
{
    sv_bpoint p;
    memset(&p, 0, sizeof p);
    snprintf(p.unit, sizeof p.unit, "%s", unit);
    p.lat = lat;
    p.lon = lon;
    p.h = 1800;
    p.q = sv_quality_unknown();
    p.q.grade = SV_GRADE_RTK_FIXED;
    CHECK_INT(sv_record_point(j, &p, NULL), SV_OK);
}

/*
 * Two crews measure the west unit's corner on the common edge (J1) 2.2 m apart; crew c's east
 * unit shares it. The county record's J1 of the east unit is the west unit's J1 in the version
 * the record holds: crew c's without a decision (the first journal's), crew d's once the office
 * chose it, crew c's when it chose that.
 */
static void shared_points(void)
{
    const char *w = "622901ZR000101", *e = "622901ZR000102";
    sv_journal *c = tablet("c.db", "一组"), *d = tablet("d.db", "二组");
    point(c, w, 35.40, 103.31);
    point(d, w, 35.40002, 103.31);
    sv_share s;
    memset(&s, 0, sizeof s);
    snprintf(s.unit, sizeof s.unit, "%s", e);
    snprintf(s.from_unit, sizeof s.from_unit, "%s", w);
    snprintf(s.from_number, sizeof s.from_number, "J1");
    CHECK_INT(sv_record_share(c, &s, NULL), SV_OK);
    CHECK_STR(s.number, "J1");
    sv_journal *js[2] = {c, d};
    sv_export_choice ch = {.unit = w,
                           .number = "J1",
                           .device = sv_journal_device_id(d),
                           .decided_by = "审核员",
                           .decided_ms = 1000000000000};
    CHECK_INT(export_geojson(js, NULL, 0, "share-none.geojson"), SV_OK);
    CHECK(fabs(point_lat(path_of("share-none.geojson"), w, "J1") - 35.40) < 1e-9);
    CHECK(fabs(point_lat(path_of("share-none.geojson"), e, "J1") - 35.40) < 1e-9);
    CHECK_INT(export_geojson(js, &ch, 1, "share-d.geojson"), SV_OK);
    CHECK(fabs(point_lat(path_of("share-d.geojson"), w, "J1") - 35.40002) < 1e-9);
    CHECK(fabs(point_lat(path_of("share-d.geojson"), e, "J1") - 35.40002) < 1e-9);
    ch.device = sv_journal_device_id(c);
    CHECK_INT(export_geojson(js, &ch, 1, "share-c.geojson"), SV_OK);
    CHECK(fabs(point_lat(path_of("share-c.geojson"), e, "J1") - 35.40) < 1e-9);

    /* Neither, then crew d (the second journal) re-measures J1: its new version is the record,
     * though the usual merge takes the first journal's, and no longer marked for re-survey;
     * the east unit's shared J1 follows it. */
    int64_t held[2] = {sv_journal_last_seq(c), sv_journal_last_seq(d)};
    const char *devs[2] = {sv_journal_device_id(c), sv_journal_device_id(d)};
    sv_export_choice nei = {.unit = w,
                            .number = "J1",
                            .decided_by = "审核员",
                            .decided_ms = 1000000000000,
                            .after_known = 1,
                            .after_device = devs,
                            .after_seq = held,
                            .n_after = 2};
    CHECK_INT(export_geojson(js, &nei, 1, "share-n0.geojson"), SV_OK);
    CHECK(fabs(point_lat(path_of("share-n0.geojson"), w, "J1") - 35.40) < 1e-9);
    sv_bpoint *cur = NULL;
    size_t ncur = 0;
    CHECK_INT(sv_state_points(d, w, &cur, &ncur), SV_OK);
    CHECK_INT((int)ncur, 1);
    sv_bpoint again;
    memset(&again, 0, sizeof again);
    snprintf(again.unit, sizeof again.unit, "%s", w);
    again.lat = 35.40001;
    again.lon = 103.31;
    again.h = 1800;
    again.q = sv_quality_unknown();
    again.q.grade = SV_GRADE_RTK_FIXED;
    again.supersedes = ncur ? cur[0].seq : 0;
    again.reason = "界桩重测";
    CHECK_INT(sv_record_point(d, &again, NULL), SV_OK);
    sv_bpoints_free(cur, ncur);
    CHECK_INT(export_geojson(js, &nei, 1, "share-n1.geojson"), SV_OK);
    CHECK(fabs(point_lat(path_of("share-n1.geojson"), w, "J1") - 35.40001) < 1e-9);
    CHECK(fabs(point_lat(path_of("share-n1.geojson"), e, "J1") - 35.40001) < 1e-9);
    json_t *fc = json_load_file(path_of("share-n1.geojson"), 0, NULL), *f;
    size_t i;
    int seen = 0;
    json_array_foreach(json_object_get(fc, "features"), i, f)
    {
        json_t *pp = json_object_get(f, "properties");
        const char *u = str(pp, "unit"), *n = str(pp, "number");
        if (u && n && strcmp(u, w) == 0 && strcmp(n, "J1") == 0) {
            CHECK_STR(str(pp, "review_decision"), "resurveyed");
            seen++;
        }
    }
    json_decref(fc);
    CHECK_INT(seen, 1);
    sv_journal_close(c);
    sv_journal_close(d);
}

/* The properties of point number of unit in a GeoJSON export (a new reference), or NULL. */
static json_t *point_props(const char *path, const char *unit, const char *number)
{
    json_t *fc = json_load_file(path, 0, NULL), *f, *found = NULL;
    CHECK(fc != NULL);
    size_t i;
    json_array_foreach(json_object_get(fc, "features"), i, f)
    {
        json_t *p = json_object_get(f, "properties");
        const char *u = str(p, "unit"), *n = str(p, "number");
        if (u && n && strcmp(u, unit) == 0 && strcmp(n, number) == 0 && !found)
            found = json_incref(p);
    }
    json_decref(fc);
    return found;
}

static int export_with(sv_journal **js, size_t n, const sv_export_options *opt, const char *name)
{
    sv_geo *g = NULL;
    CHECK_INT(sv_geo_new(&g), SV_OK);
    sv_diag d = {{0}};
    int rc = sv_export_journals_opts(js, n, g, SV_EXPORT_GEOJSON, path_of(name), opt, NULL, &d);
    if (rc != SV_OK)
        fprintf(stderr, "export: %s\n", d.msg);
    sv_geo_free(g);
    return rc;
}

/*
 * Two crews each measure one of two neighbouring units; the corner on their common edge comes
 * out 0.22 m apart (crew c's west J1, crew d's east J1). The office matches the east unit's
 * to the west unit's: the county record's east J1 is at the west J1's position, marked
 * edge_matched with who decided, naming the west J1 as the point it shares; the west unit's is
 * untouched. The same holds in a one-unit export of the east unit (which reads the west unit's
 * point), and with one journal holding both units. A cycle of edges settles on one position.
 */
static void edge_matches(void)
{
    const char *w = "622901ZR000101", *e = "622901ZR000102";
    sv_journal *c = tablet("ec.db", "一组"), *d = tablet("ed.db", "二组");
    point(c, w, 35.40, 103.31);
    point(d, e, 35.400002, 103.310001);
    sv_journal *js[2] = {c, d};
    sv_export_edge edge = {e, "J1", w, "J1", "审核员", 1000000000000};
    sv_export_options opt = {.edges = &edge, .n_edges = 1};
    CHECK_INT(export_with(js, 2, NULL, "edge-none.geojson"), SV_OK);
    CHECK(fabs(point_lat(path_of("edge-none.geojson"), e, "J1") - 35.400002) < 1e-9);
    CHECK_INT(export_with(js, 2, &opt, "edge.geojson"), SV_OK);
    CHECK(fabs(point_lat(path_of("edge.geojson"), e, "J1") - 35.40) < 1e-9);
    CHECK(fabs(point_lat(path_of("edge.geojson"), w, "J1") - 35.40) < 1e-9);
    json_t *p = point_props(path_of("edge.geojson"), e, "J1");
    CHECK(p != NULL);
    CHECK_STR(str(p, "review_decision"), "edge_matched");
    CHECK_STR(str(p, "decided_by"), "审核员");
    CHECK_STR(str(p, "shared_unit"), w);
    CHECK_STR(str(p, "shared_number"), "J1");
    CHECK_STR(str(p, "device"), sv_journal_device_id(d)); /* still the east unit's own point */
    json_decref(p);
    p = point_props(path_of("edge.geojson"), w, "J1");
    CHECK(p != NULL && is_null(p, "review_decision") && is_null(p, "shared_unit"));
    json_decref(p);

    /* one unit: the west unit's point is read to match it, and left out */
    opt.unit = e;
    CHECK_INT(export_with(js, 2, &opt, "edge-e.geojson"), SV_OK);
    CHECK(fabs(point_lat(path_of("edge-e.geojson"), e, "J1") - 35.40) < 1e-9);
    CHECK(isnan(point_lat(path_of("edge-e.geojson"), w, "J1")));
    opt.unit = NULL;

    /* one journal holding both units (one crew measured the corner twice) */
    point(c, e, 35.400003, 103.31);
    CHECK_INT(export_with(js, 1, &opt, "edge-one.geojson"), SV_OK);
    CHECK(fabs(point_lat(path_of("edge-one.geojson"), e, "J1") - 35.40) < 1e-9);

    /* a cycle: each unit's J1 to the other's; both end on one position */
    sv_export_edge both[2] = {{w, "J1", e, "J1", "甲", 2}, {e, "J1", w, "J1", "乙", 1}};
    sv_export_options cyc = {.edges = both, .n_edges = 2};
    CHECK_INT(export_with(js, 2, &cyc, "edge-cycle.geojson"), SV_OK);
    double a = point_lat(path_of("edge-cycle.geojson"), w, "J1"),
           b = point_lat(path_of("edge-cycle.geojson"), e, "J1");
    CHECK(isfinite(a) && a == b);
    sv_journal_close(c);
    sv_journal_close(d);
}

static int export_geojson(sv_journal **js, const sv_export_choice *ch, size_t n, const char *name)
{
    sv_geo *g = NULL;
    CHECK_INT(sv_geo_new(&g), SV_OK);
    sv_export_options opt = {.choices = ch, .n_choices = n};
    sv_diag d = {{0}};
    int rc = sv_export_journals_opts(js, 2, g, SV_EXPORT_GEOJSON, path_of(name), &opt, NULL, &d);
    if (rc != SV_OK)
        fprintf(stderr, "export: %s\n", d.msg);
    sv_geo_free(g);
    return rc;
}

int main(void)
{
    const char *fix = getenv("QJ_FIXTURES");
    if (!fix) {
        fprintf(stderr, "test_export_choice: QJ_FIXTURES must be set (ctest sets it)\n");
        return 1;
    }
    snprintf(fixture, sizeof fixture, "%s/tasks/linxia-units-4490.geojson", fix);
    snprintf(dir, sizeof dir, "/tmp/qj-choice-XXXXXX");
    if (!mkdtemp(dir))
        return 1;

    sv_journal *a = tablet("a.db", "一组"), *b = tablet("b.db", "二组");
    const char *ida = sv_journal_device_id(a), *idb = sv_journal_device_id(b);
    /* Crew 1 corrects the owner twice, crew 2 later says otherwise; the rights: crew 1
     * confirms, crew 2 later disputes. */
    verify(a, SV_FIELD_OWNER, SV_VERIFY_CORRECTED, "甲村旧名");
    int64_t a_owner = verify(a, SV_FIELD_OWNER, SV_VERIFY_CORRECTED, "甲村");
    verify(a, SV_FIELD_RIGHTS, SV_VERIFY_CONFIRMED, NULL);
    int64_t b_owner = verify(b, SV_FIELD_OWNER, SV_VERIFY_CORRECTED, "乙村");
    int64_t b_rights = verify(b, SV_FIELD_RIGHTS, SV_VERIFY_DISPUTED, NULL);
    sv_journal *js[2] = {a, b};

    /* No choice: the latest by time, no decision. */
    CHECK_INT(export_geojson(js, NULL, 0, "none.geojson"), SV_OK);
    json_t *p = unit_props(path_of("none.geojson"));
    CHECK_STR(str(p, "owner_value"), "乙村");
    CHECK_STR(str(p, "owner_device"), idb);
    CHECK_INT(json_integer_value(json_object_get(p, "owner_seq")), b_owner);
    CHECK(is_null(p, "owner_decision"));
    CHECK(is_null(p, "owner_decided_by"));
    CHECK(is_null(p, "owner_decided"));
    json_decref(p);

    /* Crew 1's version chosen (the newest decision; an older one chose crew 2): its latest
     * verification of the owner, though crew 2's is later; the rights keep the latest. A point
     * choice and a choice about an unknown field change nothing here. */
    sv_export_choice ch[] = {
        {.unit = U,
         .field = "owner",
         .device = ida,
         .decided_by = "审核员",
         .decided_ms = 1000000000000},
        {.unit = U, .number = "J1", .device = idb, .decided_by = "x", .decided_ms = 1},
        {.unit = U, .field = "no_such_field", .device = ida, .decided_by = "x", .decided_ms = 1},
        {.unit = U, .field = "owner", .device = idb, .decided_by = "旧", .decided_ms = 2},
    };
    CHECK_INT(export_geojson(js, ch, 4, "a.geojson"), SV_OK);
    p = unit_props(path_of("a.geojson"));
    CHECK_STR(str(p, "owner_status"), "corrected");
    CHECK_STR(str(p, "owner_value"), "甲村");
    CHECK_STR(str(p, "owner_device"), ida);
    CHECK_INT(json_integer_value(json_object_get(p, "owner_seq")), a_owner);
    CHECK_STR(str(p, "owner_decision"), "chosen");
    CHECK_STR(str(p, "owner_decided_by"), "审核员");
    CHECK_STR(str(p, "owner_decided"), "2001-09-09T01:46:40.000Z");
    CHECK_STR(str(p, "rights_status"), "disputed");
    CHECK_STR(str(p, "rights_device"), idb);
    CHECK_INT(json_integer_value(json_object_get(p, "rights_seq")), b_rights);
    CHECK(is_null(p, "rights_decision"));
    json_decref(p);

    /* Crew 2's version chosen: its own. */
    ch[0].device = idb;
    CHECK_INT(export_geojson(js, ch, 1, "b.geojson"), SV_OK);
    p = unit_props(path_of("b.geojson"));
    CHECK_STR(str(p, "owner_value"), "乙村");
    CHECK_STR(str(p, "owner_device"), idb);
    CHECK_STR(str(p, "owner_decision"), "chosen");
    json_decref(p);

    /* Neither: not verified (to be verified again), never the other version. */
    ch[0].device = NULL;
    CHECK_INT(export_geojson(js, ch, 4, "neither.geojson"), SV_OK);
    p = unit_props(path_of("neither.geojson"));
    CHECK(is_null(p, "owner_status"));
    CHECK(is_null(p, "owner_value"));
    CHECK(is_null(p, "owner_note"));
    CHECK(is_null(p, "owner_device"));
    CHECK(is_null(p, "owner_seq"));
    CHECK_STR(str(p, "owner_decision"), "reverify");
    CHECK_STR(str(p, "owner_decided_by"), "审核员");
    CHECK_STR(str(p, "rights_status"), "disputed");
    json_decref(p);

    /* The GeoPackage: the same record, and the columns exist without any choice. */
    sv_geo *g = NULL;
    CHECK_INT(sv_geo_new(&g), SV_OK);
    sv_diag d = {{0}};
    CHECK_INT(sv_export_journals(js, 2, g, SV_EXPORT_GPKG, path_of("none.gpkg"), NULL, &d), SV_OK);
    ch[0].device = ida;
    sv_export_options opt = {.choices = ch, .n_choices = 4};
    CHECK_INT(sv_export_journals_opts(js, 2, g, SV_EXPORT_GPKG, path_of("a.gpkg"), &opt, NULL, &d),
              SV_OK);
    sv_geo_free(g);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    CHECK_INT(sqlite3_open_v2(path_of("none.gpkg"), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "SELECT count(*) FROM pragma_table_info('units') WHERE name IN"
                                 " ('owner_device', 'owner_seq', 'owner_decision',"
                                 " 'owner_decided_by', 'owner_decided', 'manager_decided')",
                                 -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 6);
    sqlite3_finalize(st);
    sqlite3_close(db);
    CHECK_INT(sqlite3_open_v2(path_of("a.gpkg"), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "SELECT owner_value, owner_device, owner_seq, owner_decision,"
                                 " owner_decided_by, rights_decision FROM units WHERE code = ?",
                                 -1, &st, NULL),
              SQLITE_OK);
    sqlite3_bind_text(st, 1, U, -1, SQLITE_STATIC);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "甲村");
    CHECK_STR((const char *)sqlite3_column_text(st, 1), ida);
    CHECK_INT(sqlite3_column_int64(st, 2), a_owner);
    CHECK_STR((const char *)sqlite3_column_text(st, 3), "chosen");
    CHECK_STR((const char *)sqlite3_column_text(st, 4), "审核员");
    CHECK_INT(sqlite3_column_type(st, 5), SQLITE_NULL);
    sqlite3_finalize(st);
    sqlite3_close(db);

    /* Neither ends with the crews' new work: given what each replica held when it was decided
     * (after_known), a verification sent since is the record ("reverified"), one from before
     * never is; the office's disputed-field rule (sv_county_fields) reads the same. */
    int64_t held[2] = {sv_journal_last_seq(a), sv_journal_last_seq(b)};
    const char *devs[2] = {ida, idb};
    sv_export_choice nei = {.unit = U,
                            .field = "owner",
                            .decided_by = "审核员",
                            .decided_ms = 1000000000000,
                            .after_known = 1,
                            .after_device = devs,
                            .after_seq = held,
                            .n_after = 2};
    CHECK_INT(export_geojson(js, &nei, 1, "nei0.geojson"), SV_OK);
    p = unit_props(path_of("nei0.geojson"));
    CHECK(is_null(p, "owner_status"));
    CHECK_STR(str(p, "owner_decision"), "reverify");
    json_decref(p);
    int status[SV_FIELD_COUNT];
    CHECK_INT(sv_county_fields(js, 2, &nei, 1, U, status), SV_OK);
    CHECK_INT(status[SV_FIELD_OWNER], -1);
    int64_t a_again = verify(a, SV_FIELD_OWNER, SV_VERIFY_DISPUTED, NULL);
    CHECK_INT(export_geojson(js, &nei, 1, "nei1.geojson"), SV_OK);
    p = unit_props(path_of("nei1.geojson"));
    CHECK_STR(str(p, "owner_status"), "disputed");
    CHECK_STR(str(p, "owner_device"), ida);
    CHECK_INT(json_integer_value(json_object_get(p, "owner_seq")), a_again);
    CHECK_STR(str(p, "owner_decision"), "reverified");
    json_decref(p);
    CHECK_INT(sv_county_fields(js, 2, &nei, 1, U, status), SV_OK);
    CHECK_INT(status[SV_FIELD_OWNER], SV_VERIFY_DISPUTED);
    nei.after_known = 0; /* an older caller's choice: nothing is later */
    CHECK_INT(sv_county_fields(js, 2, &nei, 1, U, status), SV_OK);
    CHECK_INT(status[SV_FIELD_OWNER], -1);

    sv_journal_close(a);
    sv_journal_close(b);

    snprintf(fixture, sizeof fixture, "%s/tasks/adjacent-units-4490.geojson", fix);
    shared_points();
    edge_matches();

    char cmd[sizeof dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_export_choice: could not remove %s\n", dir);
    return check_finish();
}
