/*
 * test_summary.c - the unit summary (survey/summary.h) on a real journal built through the
 * journal API, against figures computed here independently: PROJ's geodesic routines called
 * directly (geod_polygonarea, geod_inverse, geod_direct) for ellipsoidal areas, distances and
 * offsets, PROJ's EPSG:4490 -> EPSG:4522 transformation and a shoelace sum for the plane area,
 * calendar arithmetic with timegm for the objection clocks.
 *
 * Covers: the CRS rule, surveyed and draft areas and their difference, the walk closure over
 * two walks (first vertex of the first walk to the last of the second, jumps left out), the
 * deviation from the draft, GEOS validity of a bow-tie, the records and the objection clocks.
 * Then the exports the summary feeds: GeoJSON rings by RFC 7946's right-hand rule, an invalid
 * walked polygon flagged (GeoJSON and GeoPackage), surveyed_area_m2, the CSV's edge_m.
 */
#include <geodesic.h>
#include <math.h>
#include <proj.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "survey/export.h"
#include "survey/journal.h"
#include "survey/state.h"
#include "survey/summary.h"

static char dir[64];
static struct geod_geodesic gd;

/* A unit with one ring given as n lon/lat pairs (closed here). */
static sv_unit make_unit(const char *code, const double *ring, size_t n)
{
    sv_unit u;
    memset(&u, 0, sizeof u);
    snprintf(u.code, sizeof u.code, "%s", code);
    snprintf(u.type, sizeof u.type, "森林");
    u.name = strdup(code);
    u.central_meridian = NAN;
    u.draft.n_parts = 1;
    u.draft.part_rings = malloc(sizeof(size_t));
    u.draft.part_rings[0] = 1;
    u.draft.n_rings = 1;
    u.draft.ring_pts = malloc(sizeof(size_t));
    u.draft.ring_pts[0] = n + 1;
    u.draft.n_pts = n + 1;
    u.draft.lonlat = malloc(2 * (n + 1) * sizeof(double));
    memcpy(u.draft.lonlat, ring, 2 * n * sizeof(double));
    u.draft.lonlat[2 * n] = ring[0];
    u.draft.lonlat[2 * n + 1] = ring[1];
    return u;
}

static void add_point(sv_journal *j, const char *unit, double lon, double lat)
{
    sv_bpoint p;
    memset(&p, 0, sizeof p);
    snprintf(p.unit, sizeof p.unit, "%s", unit);
    p.lat = lat;
    p.lon = lon;
    p.h = NAN;
    p.q = sv_quality_unknown();
    p.q.grade = SV_GRADE_RTK_FIXED;
    CHECK_INT(sv_record_point(j, &p, NULL), SV_OK);
}

/* A vertex of walk *track (0: starts a new walk, whose id is then written back). */
static void add_vertex(sv_journal *j, const char *unit, int64_t *track, double lon, double lat,
                       int jump)
{
    sv_vertex v;
    memset(&v, 0, sizeof v);
    snprintf(v.unit, sizeof v.unit, "%s", unit);
    v.track = *track;
    v.lat = lat;
    v.lon = lon;
    v.h = NAN;
    v.fix_time = NAN;
    v.q = sv_quality_unknown();
    v.q.grade = SV_GRADE_RTK_FIXED;
    v.jump = jump;
    int64_t seq = 0;
    CHECK_INT(sv_record_vertex(j, &v, &seq), SV_OK);
    if (!*track)
        *track = seq;
}

/* Ellipsoidal area of a ring (n lon/lat pairs, open) with PROJ's geodesic routines. */
static double geod_area(const double *ll, size_t n)
{
    double *lats = malloc(n * sizeof *lats), *lons = malloc(n * sizeof *lons), a = 0, p = 0;
    for (size_t i = 0; i < n; i++)
        lons[i] = ll[2 * i], lats[i] = ll[2 * i + 1];
    geod_polygonarea(&gd, lats, lons, (int)n, &a, &p);
    free(lats);
    free(lons);
    return fabs(a);
}

static double geod_dist(double lon1, double lat1, double lon2, double lat2)
{
    double s = 0;
    geod_inverse(&gd, lat1, lon1, lat2, lon2, &s, NULL, NULL);
    return s;
}

/* EPSG:4490 lon/lat to EPSG:4522 north/east with PROJ itself. */
static void to_4522(PJ *pj, double lon, double lat, double *north, double *east)
{
    PJ_COORD c = proj_coord(lat, lon, 0, 0); /* EPSG order: lat, lon */
    PJ_COORD r = proj_trans(pj, PJ_FWD, c);
    *north = r.v[0];
    *east = r.v[1];
}

/* Twice the signed area of a GeoJSON ring on lon/lat (> 0: counter-clockwise). */
static double twice_area(const json_t *ring)
{
    double s = 0;
    for (size_t i = 0; i + 1 < json_array_size(ring); i++) {
        const json_t *a = json_array_get(ring, i), *b = json_array_get(ring, i + 1);
        s += json_real_value(json_array_get(a, 0)) * json_real_value(json_array_get(b, 1)) -
             json_real_value(json_array_get(b, 0)) * json_real_value(json_array_get(a, 1));
    }
    return s;
}

#define U1 "622901ZR000101"
#define U2 "622901ZR000102"

static void test_summary(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/s.db", dir);
    sv_journal_opts o = {.device_name = "t", .epsg = 0, .central_meridian = NAN};
    sv_journal *j = NULL;
    CHECK_INT(sv_journal_create(path, &o, &j), SV_OK);
    if (!j)
        return;
    /* U1: the draft drawn clockwise (north first), 0.01 degree square near Linxia. */
    const double d1[] = {103.20, 35.55, 103.20, 35.56, 103.21, 35.56, 103.21, 35.55};
    sv_unit u1 = make_unit(U1, d1, 4);
    CHECK_INT(sv_record_unit(j, &u1, NULL), SV_OK);
    /* U2: a valid draft, but its points and its walk cross themselves (a bow-tie). */
    const double d2[] = {103.30, 35.55, 103.31, 35.55, 103.31, 35.56, 103.30, 35.56};
    sv_unit u2 = make_unit(U2, d2, 4);
    CHECK_INT(sv_record_unit(j, &u2, NULL), SV_OK);

    /* "Not at the office" is one rule: a unit with only its task entry is not synced (Today
     * and Day end say the same, issue 10 defect 8), and it is exactly when last_seq > acked. */
    {
        sv_progress pg;
        int64_t u2_seq = sv_journal_last_seq(j);
        CHECK_INT(sv_state_progress(j, U2, &pg), SV_OK);
        CHECK_INT(pg.last_seq, u2_seq);
        CHECK_INT(sv_state_unit_unsent(j, U2, 0), 1);
        CHECK_INT(sv_state_unit_unsent(j, U2, u2_seq - 1), 1);
        CHECK_INT(sv_state_unit_unsent(j, U2, u2_seq), 0);
        CHECK_INT(sv_state_unit_unsent(j, U1, u2_seq - 1), 0);
    }

    /* U1's boundary points J1..J4: a smaller quadrilateral inside the draft. */
    const double p1[] = {103.201, 35.551, 103.209, 35.5512, 103.2088, 35.559, 103.2012, 35.5588};
    for (int i = 0; i < 4; i++)
        add_point(j, U1, p1[2 * i], p1[2 * i + 1]);
    /* Two walks along the draft, clockwise: the first three corners; then the fourth corner,
     * a vertex 10 m east of the middle of the west edge, and a receiver jump (left out). */
    double w[2 * 5] = {103.20, 35.55, 103.20, 35.56, 103.21, 35.56, 103.21, 35.55};
    double lat_mid = 35.555, lon_in;
    geod_direct(&gd, lat_mid, 103.20, 90, 10.0, NULL, &lon_in, NULL);
    w[8] = lon_in, w[9] = lat_mid;
    int64_t t1 = 0, t2 = 0;
    for (int i = 0; i < 3; i++)
        add_vertex(j, U1, &t1, w[2 * i], w[2 * i + 1], 0);
    for (int i = 3; i < 5; i++)
        add_vertex(j, U1, &t2, w[2 * i], w[2 * i + 1], 0);
    add_vertex(j, U1, &t2, 103.30, 35.70, 1);
    CHECK(t1 != t2);

    /* Records: a verification, an open dispute, two absent parties (one long ago, one today). */
    sv_verification v;
    memset(&v, 0, sizeof v);
    snprintf(v.unit, sizeof v.unit, U1);
    v.field = SV_FIELD_OWNER;
    v.status = SV_VERIFY_CONFIRMED;
    CHECK_INT(sv_record_verification(j, &v, NULL), SV_OK);
    sv_dispute dsp;
    memset(&dsp, 0, sizeof dsp);
    snprintf(dsp.unit, sizeof dsp.unit, U1);
    dsp.parties = "东坪村";
    dsp.statement = "界线有争议";
    CHECK_INT(sv_record_dispute(j, &dsp, NULL), SV_OK);
    char today[11], until[11];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    struct tm e = {0};
    e.tm_year = tm.tm_year, e.tm_mon = tm.tm_mon, e.tm_mday = tm.tm_mday + 15, e.tm_hour = 12;
    time_t es = timegm(&e);
    gmtime_r(&es, &e);
    strftime(until, sizeof until, "%Y-%m-%d", &e);
    sv_attendance at;
    memset(&at, 0, sizeof at);
    snprintf(at.unit, sizeof at.unit, U1);
    at.party = "乙村";
    at.presence = SV_ABSENT;
    snprintf(at.notice_date, sizeof at.notice_date, "2020-02-20");
    CHECK_INT(sv_record_attendance(j, &at, NULL), SV_OK);
    at.party = "丙村";
    snprintf(at.notice_date, sizeof at.notice_date, "%s", today);
    CHECK_INT(sv_record_attendance(j, &at, NULL), SV_OK);

    /* U2's bow-tie: points and walk in the order (0,0) (1,1) (1,0) (0,1). */
    const double bt[] = {103.301, 35.551, 103.309, 35.559, 103.309, 35.551, 103.301, 35.559};
    int64_t t3 = 0;
    for (int i = 0; i < 4; i++) {
        add_point(j, U2, bt[2 * i], bt[2 * i + 1]);
        add_vertex(j, U2, &t3, bt[2 * i], bt[2 * i + 1], 0);
    }

    sv_geo *g = NULL;
    CHECK_INT(sv_geo_new(&g), SV_OK);
    PJ_CONTEXT *pc = proj_context_create();
    PJ *pj = proj_create_crs_to_crs(pc, "EPSG:4490", "EPSG:4522", NULL);
    CHECK(pj != NULL);
    if (!g || !pj)
        goto out;

    sv_unit_summary s;
    CHECK_INT(sv_unit_summarize(j, g, U1, &s), SV_OK);
    CHECK_STR(s.problem, "");
    /* No CRS on the unit or the journal: the zone of the draft's longitude, 103.2E: zone 34. */
    CHECK_INT(s.crs.epsg, 4522);
    CHECK_INT(s.points, 4);
    CHECK_INT(s.surveyed.points, 4);
    double want = geod_area(p1, 4);
    CHECK_NEAR(s.surveyed.ellipsoidal_m2, want, 1e-6 * want);
    /* the plane area in EPSG:4522 by PROJ and a shoelace sum */
    double nn[4], ee[4], twice = 0;
    for (int i = 0; i < 4; i++)
        to_4522(pj, p1[2 * i], p1[2 * i + 1], &nn[i], &ee[i]);
    for (int i = 0; i < 4; i++)
        twice += (ee[i] - ee[0]) * (nn[(i + 1) % 4] - nn[0]) -
                 (ee[(i + 1) % 4] - ee[0]) * (nn[i] - nn[0]);
    CHECK_NEAR(s.surveyed.plane_m2, fabs(twice) / 2, 0.01);
    CHECK_NEAR(s.surveyed.closing_m, geod_dist(p1[6], p1[7], p1[0], p1[1]), 1e-6);
    CHECK_INT(s.surveyed_valid, SV_VALID_YES);
    CHECK(s.has_draft);
    double dwant = geod_area(d1, 4);
    CHECK_NEAR(s.draft.ellipsoidal_m2, dwant, 1e-6 * dwant);
    CHECK_NEAR(s.difference_pct, 100 * (want - dwant) / dwant, 1e-6);

    /* The walks: 6 vertices in 2 walks, 5 of them the walked polygon (the jump is out). */
    CHECK_INT(s.vertices, 6);
    CHECK_INT(s.walks, 2);
    CHECK_INT(s.walk_vertices, 5);
    double wwant = geod_area(w, 5);
    CHECK_NEAR(s.walked.ellipsoidal_m2, wwant, 1e-6 * wwant);
    /* The closure spans both walks: the first walk's first vertex to the second's last
     * non-jump one (10 m in from the middle of the west edge): about 555 m. The newest walk
     * alone would say the corner (103.21, 35.55) to that vertex, about 1 km. */
    double closure = geod_dist(w[0], w[1], w[8], w[9]);
    CHECK_NEAR(s.walk_closure_m, closure, 1e-6);
    CHECK(fabs(s.walk_closure_m - geod_dist(w[6], w[7], w[8], w[9])) > 100);
    /* Deviation: four vertices on the draft's corners, one 10 m (geodesic; the GK plane is
     * 0.02 % larger here) from its west edge. */
    CHECK_NEAR(s.deviation.max_m, 10.0, 0.01);
    CHECK_NEAR(s.deviation.rms_m, sqrt(100.0 / 5), 0.01);
    CHECK_INT(s.walked_valid, SV_VALID_YES);

    /* Records and objection clocks. */
    CHECK_INT(s.progress.points, 4);
    CHECK_INT(s.progress.fields_verified, 1);
    CHECK_INT(s.progress.disputes_open, 1);
    CHECK_INT(s.absent, 2);
    CHECK_INT(s.objections_open, 1); /* 2020-02-20 + 15 days has passed */
    CHECK_STR(s.objections_until, until);
    char end[11];
    CHECK_INT(sv_objection_end("2020-02-20", end), SV_OK);
    CHECK_STR(end, "2020-03-06"); /* across a leap day */
    CHECK_INT(sv_objection_end("2020-13-01", end), SV_EINVAL);

    sv_unit_summary r;
    CHECK_INT(sv_unit_summarize_records(j, U1, &r), SV_OK);
    CHECK_INT(r.progress.disputes_open, 1);
    CHECK_INT(r.objections_open, 1);
    CHECK(isnan(r.walk_closure_m));

    /* A field whose current answer is "disputed" is not verified: six of them are no complete
     * unit (it was shown complete, verified 6/6), and answering it again settles it. */
    for (int f = 0; f < SV_FIELD_COUNT; f++) {
        memset(&v, 0, sizeof v);
        snprintf(v.unit, sizeof v.unit, U2);
        v.field = (sv_field)f;
        v.status = SV_VERIFY_DISPUTED;
        v.note = "邻村主张所有权";
        CHECK_INT(sv_record_verification(j, &v, NULL), SV_OK);
    }
    CHECK_INT(sv_unit_summarize_records(j, U2, &r), SV_OK);
    CHECK_INT(r.progress.fields_verified, 0);
    CHECK_INT(r.progress.fields_disputed, SV_FIELD_COUNT);
    CHECK(sv_unit_missing(&r) & SV_MISSING_FIELDS);
    CHECK_INT(sv_unit_stage(&r), SV_STAGE_IN_PROGRESS);
    memset(&v, 0, sizeof v);
    snprintf(v.unit, sizeof v.unit, U2);
    v.field = SV_FIELD_OWNER;
    v.status = SV_VERIFY_CONFIRMED;
    CHECK_INT(sv_record_verification(j, &v, NULL), SV_OK);
    CHECK_INT(sv_unit_summarize_records(j, U2, &r), SV_OK);
    CHECK_INT(r.progress.fields_verified, 1);
    CHECK_INT(r.progress.fields_disputed, SV_FIELD_COUNT - 1);
    /* the records part knows the bow-tie too (Today and the office's lifecycle read it) */
    CHECK_INT(r.surveyed_valid, SV_VALID_NO);
    CHECK(sv_unit_missing(&r) & SV_MISSING_BOUNDARY);

    /* U2: the bow-tie is no polygon, and GEOS says why. */
    CHECK_INT(sv_unit_summarize(j, g, U2, &s), SV_OK);
    CHECK_INT(s.surveyed_valid, SV_VALID_NO);
    CHECK(strstr(s.surveyed_reason, "Self-intersection") != NULL);
    CHECK_INT(s.walked_valid, SV_VALID_NO);
    CHECK(strstr(s.walked_reason, "Self-intersection") != NULL);
    CHECK_INT(s.walks, 1);
    CHECK(sv_unit_missing(&s) & SV_MISSING_BOUNDARY); /* and so never done */

    CHECK_INT(sv_unit_summarize(j, g, "NOPE", &s), SV_ENOTFOUND);
    /* in the words every recording command uses for a code not in the journal */
    CHECK_STR(s.problem, "unit NOPE is not in this journal (import its task package first)");

    /* ---- the exports the summary feeds ---- */
    char out[160];
    snprintf(out, sizeof out, "%s/x.geojson", dir);
    sv_diag dg = {{0}};
    CHECK_INT(sv_export(j, g, SV_EXPORT_GEOJSON, NULL, out, NULL, &dg), SV_OK);
    json_error_t jerr;
    json_t *doc = json_load_file(out, 0, &jerr);
    CHECK(doc != NULL);
    CHECK(doc && !json_object_get(doc, "crs"));
    int rings = 0, wrong = 0, walked_bad = 0, walked_ok = 0;
    double surveyed = NAN;
    json_t *f;
    size_t i;
    json_array_foreach(json_object_get(doc, "features"), i, f)
    {
        json_t *pr = json_object_get(f, "properties"), *geom = json_object_get(f, "geometry");
        const char *layer = json_string_value(json_object_get(pr, "layer"));
        const char *type = json_string_value(json_object_get(geom, "type"));
        if (strcmp(layer, "unit") == 0 &&
            strcmp(json_string_value(json_object_get(pr, "code")), U1) == 0)
            surveyed = json_real_value(json_object_get(pr, "surveyed_area_m2"));
        if (strcmp(layer, "walked_polygon") == 0) {
            int valid = json_is_true(json_object_get(pr, "valid"));
            const char *why = json_string_value(json_object_get(pr, "invalid_reason"));
            if (!valid && why && strstr(why, "Self-intersection"))
                walked_bad++;
            if (valid && json_is_null(json_object_get(pr, "invalid_reason")))
                walked_ok++;
        }
        /* A bow-tie has no orientation (its signed area is 0): flagged, written as walked. */
        if (!type || !strstr(type, "Polygon") || json_is_false(json_object_get(pr, "valid")))
            continue;
        json_t *parts = json_object_get(geom, "coordinates");
        size_t np = strcmp(type, "Polygon") == 0 ? 1 : json_array_size(parts);
        for (size_t k = 0; k < np; k++) {
            json_t *poly = strcmp(type, "Polygon") == 0 ? parts : json_array_get(parts, k);
            for (size_t r2 = 0; r2 < json_array_size(poly); r2++) {
                double a2 = twice_area(json_array_get(poly, r2));
                rings++;
                if ((a2 > 0) != (r2 == 0))
                    wrong++;
            }
        }
    }
    CHECK_INT(rings, 3); /* two drafts, U1's walked polygon */
    CHECK_INT(wrong, 0); /* U1's draft and walk came clockwise: rewound */
    CHECK_INT(walked_bad, 1);
    CHECK_INT(walked_ok, 1);
    CHECK_NEAR(surveyed, want, 1e-6 * want);
    json_decref(doc);

    snprintf(out, sizeof out, "%s/x.gpkg", dir);
    CHECK_INT(sv_export(j, g, SV_EXPORT_GPKG, NULL, out, NULL, &dg), SV_OK);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    CHECK_INT(sqlite3_open_v2(out, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CHECK_INT(
        sqlite3_prepare_v2(db,
                           "SELECT (SELECT valid || ':' || invalid_reason FROM walked_polygons"
                           "  WHERE unit = '" U2 "'),"
                           " (SELECT valid FROM walked_polygons_4522 WHERE unit = '" U2 "'),"
                           " (SELECT surveyed_valid || ':' || surveyed_invalid_reason FROM"
                           "  units WHERE code = '" U2 "'),"
                           " (SELECT surveyed_area_m2 FROM units WHERE code = '" U1 "'),"
                           " (SELECT valid IS 1 AND invalid_reason IS NULL FROM"
                           "  walked_polygons WHERE unit = '" U1 "')",
                           -1, &st, NULL),
        SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    const char *wv = (const char *)sqlite3_column_text(st, 0);
    CHECK(wv && strncmp(wv, "0:Self-intersection", 19) == 0);
    CHECK_INT(sqlite3_column_type(st, 1), SQLITE_INTEGER);
    CHECK_INT(sqlite3_column_int(st, 1), 0);
    const char *sv = (const char *)sqlite3_column_text(st, 2);
    CHECK(sv && strncmp(sv, "0:Self-intersection", 19) == 0);
    CHECK_NEAR(sqlite3_column_double(st, 3), want, 1e-6 * want);
    CHECK_INT(sqlite3_column_int(st, 4), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);

    /* CSV edge_m: U1's J1..J4 by PROJ's plane coordinates, the last back to the first. */
    snprintf(out, sizeof out, "%s/x.csv", dir);
    CHECK_INT(sv_export(j, g, SV_EXPORT_CSV, U1, out, NULL, &dg), SV_OK);
    FILE *fp = fopen(out, "r");
    CHECK(fp != NULL);
    char line[512];
    int row = -1, edges = 0;
    while (fp && fgets(line, sizeof line, fp)) {
        /* edge_m is the 14th column (ground_h, pole_h and method follow it) */
        char *last = line;
        for (int c = 0; last && c < 13; c++)
            last = strchr(last + (c > 0), ',');
        if (row++ < 0) {
            CHECK(last && strncmp(last, ",edge_m,", 8) == 0);
            continue;
        }
        int k = row - 1, n2 = (k + 1) % 4;
        double ref = hypot(nn[n2] - nn[k], ee[n2] - ee[k]);
        if (last && fabs(atof(last + 1) - ref) < 0.0006)
            edges++;
        else
            fprintf(stderr, "edge_m of row %d: %s vs %.4f\n", row, last ? last + 1 : "?", ref);
    }
    if (fp)
        fclose(fp);
    CHECK_INT(edges, 4);

out:
    proj_destroy(pj);
    proj_context_destroy(pc);
    sv_geo_free(g);
    sv_unit_clear(&u1);
    sv_unit_clear(&u2);
    sv_journal_close(j);
}

/* Where a unit stands (sv_unit_stage): from the records part of its summary. */
static void test_stage(void)
{
    sv_unit_summary s;
    memset(&s, 0, sizeof s);
    s.surveyed_valid = SV_VALID_UNKNOWN;
    CHECK_INT(sv_unit_stage(&s), SV_STAGE_TODO);
    s.progress.fields_disputed = 1; /* a field's ownership disputed is work done */
    CHECK_INT(sv_unit_stage(&s), SV_STAGE_IN_PROGRESS);
    s.progress.fields_disputed = 0;
    s.progress.vertices = 1;
    CHECK_INT(sv_unit_stage(&s), SV_STAGE_IN_PROGRESS);
    s.progress.points = 4;
    s.progress.fields_verified = SV_FIELD_COUNT;
    s.progress.attendance = 2;
    s.progress.signatures = s.progress.signatures_current = 2;
    CHECK_INT(sv_unit_stage(&s), SV_STAGE_DONE);
    s.progress.signatures_missing = 1; /* a party present who has not signed this boundary */
    CHECK_INT(sv_unit_stage(&s), SV_STAGE_IN_PROGRESS);
    s.progress.signatures_missing = 0;
    s.objections_open = 1; /* an absent party may still object */
    CHECK_INT(sv_unit_stage(&s), SV_STAGE_IN_PROGRESS);
    s.objections_open = 0;
    s.progress.disputes_open = 1;
    CHECK_INT(sv_unit_stage(&s), SV_STAGE_IN_PROGRESS);
    s.progress.disputes_open = 0;
    s.progress.fields_verified = SV_FIELD_COUNT - 1;
    CHECK_INT(sv_unit_stage(&s), SV_STAGE_IN_PROGRESS);
    s.progress.fields_verified = SV_FIELD_COUNT;
    /* four points numbered out of ring order (a bow-tie): no polygon, no area, not done */
    s.surveyed_valid = SV_VALID_NO;
    CHECK_INT(sv_unit_stage(&s), SV_STAGE_IN_PROGRESS);
    CHECK_INT(sv_unit_missing(&s), SV_MISSING_BOUNDARY);
    CHECK(strcmp(sv_missing_name(SV_MISSING_BOUNDARY), "boundary") == 0);
    s.surveyed_valid = SV_VALID_YES;
    CHECK_INT(sv_unit_stage(&s), SV_STAGE_DONE);
    s.progress.points = 2;
    s.surveyed_valid = SV_VALID_NO; /* under 3 points: "points" says it */
    CHECK_INT(sv_unit_missing(&s), SV_MISSING_POINTS);
    CHECK_INT(sv_unit_stage(&s), SV_STAGE_IN_PROGRESS);
    CHECK(strcmp(sv_stage_name(SV_STAGE_RETURNED), "returned") == 0);
    CHECK(strcmp(sv_stage_name(SV_STAGE_TODO), "todo") == 0);
}

int main(void)
{
    test_stage();
    geod_init(&gd, 6378137.0, 1 / 298.257222101);
    snprintf(dir, sizeof dir, "/tmp/qj-test-summary-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_summary();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (check_failed == 0)
        (void)!system(cmd);
    else
        fprintf(stderr, "files kept in %s\n", dir);
    return check_finish();
}
