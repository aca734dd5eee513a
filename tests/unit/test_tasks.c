/*
 * test_tasks.c - unit tests of the task-package import (survey/src/tasks.c).
 *
 * Reads the shared county fixtures ($QJ_FIXTURES/tasks) and the bad-input fixtures of
 * tests/fixtures/tasks ($QJ_SOURCE), builds a few inputs in memory (pathological nesting,
 * rings for the self-intersection check), and checks every refusal for its result code and a
 * message naming the file and the feature. It must never depend on the network or a device.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "survey/geom.h"
#include "survey/state.h"
#include "survey/tasks.h"

static char shared_dir[1024], source_dir[1024];

static const char *shared_path(const char *file)
{
    static char p[1200];
    snprintf(p, sizeof p, "%s/tasks/%s", shared_dir, file);
    return p;
}

static const char *fixture_path(const char *file)
{
    static char p[1200];
    snprintf(p, sizeof p, "%s/tests/fixtures/tasks/%s", source_dir, file);
    return p;
}

static int contains(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle) != NULL;
}

/*
 * Read a bad fixture and check: the result code, an empty set, and a message naming the file,
 * the feature ("feature N", NULL when the problem is with the file as a whole), the unit code
 * when known, and one more expected fragment.
 */
static void expect_refused(const char *file, sv_geo *g, int want_rc, const char *feature,
                           const char *code, const char *fragment)
{
    sv_task_set set;
    sv_diag d = {{0}};
    int rc = sv_tasks_read(fixture_path(file), g, NULL, &set, &d);
    printf("  %-32s -> %s\n", file, d.msg);
    CHECK_INT(rc, want_rc);
    CHECK(set.n == 0 && set.units == NULL);
    CHECK(contains(d.msg, file));
    if (feature)
        CHECK(contains(d.msg, feature));
    if (code)
        CHECK(contains(d.msg, code));
    if (fragment)
        CHECK(contains(d.msg, fragment));
    CHECK(strchr(d.msg, '\n') == NULL);
    sv_task_set_clear(&set);
}

/* Parse a buffer named "mem.geojson". */
static int parse_str(const char *json, sv_geo *g, const char *pattern, sv_task_set *set, sv_diag *d)
{
    return sv_tasks_parse("mem.geojson", json, strlen(json), g, pattern, set, d);
}

/* ---- the shared county packages ------------------------------------------------------------- */

static void test_shared_4490(void)
{
    sv_task_set set;
    sv_diag d = {{0}};
    int rc = sv_tasks_read(shared_path("linxia-units-4490.geojson"), NULL, NULL, &set, &d);
    CHECK_INT(rc, SV_OK);
    if (rc != SV_OK) {
        fprintf(stderr, "  %s\n", d.msg);
        return;
    }
    CHECK_INT(set.n, 3);
    CHECK_STR(set.crs, "EPSG:4490");

    const sv_unit *u = &set.units[0];
    CHECK_STR(u->code, "622901SL000007");
    CHECK_STR(u->name, "大夏河临夏市段");
    CHECK_STR(u->type, "水流");
    CHECK_STR(u->location, "临夏市");
    CHECK_STR(u->fields[SV_FIELD_OWNER], "全民");
    CHECK_STR(u->fields[SV_FIELD_REPRESENTATIVE], "自然资源部");
    CHECK_STR(u->fields[SV_FIELD_AGENT], "甘肃省人民政府");
    CHECK_STR(u->fields[SV_FIELD_MODE], "代理");
    CHECK_STR(u->fields[SV_FIELD_RIGHTS], "占有、使用、收益、处分");
    CHECK(u->fields[SV_FIELD_MANAGER] == NULL);
    CHECK_STR(u->control, "生态保护红线；河道管理范围");
    CHECK_INT(u->epsg, 0);
    CHECK(isnan(u->central_meridian));
    CHECK_INT(u->seq, 0);
    CHECK_STR(u->source, "linxia-units-4490.geojson (EPSG:4490)");
    CHECK_INT(u->draft.n_parts, 1);
    CHECK_INT(u->draft.n_rings, 1);
    CHECK_INT(u->draft.part_rings[0], 1);
    CHECK_INT(u->draft.ring_pts[0], 7);
    CHECK_INT(u->draft.n_pts, 7);
    CHECK_NEAR(u->draft.lonlat[0], 103.1650, 1e-12);
    CHECK_NEAR(u->draft.lonlat[1], 35.5910, 1e-12);
    CHECK_NEAR(u->draft.lonlat[12], 103.1650, 1e-12);

    /* A polygon with a hole: one part of two rings. */
    u = &set.units[1];
    CHECK_STR(u->code, "622901ZR000002");
    CHECK(u->control == NULL);
    CHECK_INT(u->draft.n_parts, 1);
    CHECK_INT(u->draft.n_rings, 2);
    CHECK_INT(u->draft.part_rings[0], 2);
    CHECK_INT(u->draft.ring_pts[0], 6);
    CHECK_INT(u->draft.ring_pts[1], 5);
    CHECK_INT(u->draft.n_pts, 11);
    CHECK_NEAR(u->draft.lonlat[2 * 6], 103.2400, 1e-12); /* first point of the hole */

    /* A multipolygon of two parts; DLXSZT is "" and becomes NULL. */
    u = &set.units[2];
    CHECK_STR(u->code, "622925CY000031");
    CHECK(u->fields[SV_FIELD_AGENT] == NULL);
    CHECK_STR(u->fields[SV_FIELD_MODE], "直接");
    CHECK_INT(u->draft.n_parts, 2);
    CHECK_INT(u->draft.n_rings, 2);
    CHECK_INT(u->draft.part_rings[0], 1);
    CHECK_INT(u->draft.part_rings[1], 1);
    CHECK_INT(u->draft.ring_pts[0], 4);
    CHECK_INT(u->draft.ring_pts[1], 4);
    CHECK_NEAR(u->draft.lonlat[2 * 4], 103.3700, 1e-12);
    sv_task_set_clear(&set);
    CHECK(set.units == NULL && set.n == 0);
    sv_task_set_clear(&set); /* twice is harmless */
    sv_task_set_clear(NULL);
}

/* The same units reprojected by GDAL to EPSG:4522 come back to the same lon/lat. */
static void test_shared_4522(sv_geo *g)
{
    sv_task_set a, b;
    sv_diag d = {{0}};

    /* Without a geodesy handle a projected file is refused, naming the file and the CRS. */
    int rc = sv_tasks_read(shared_path("linxia-units-4522.geojson"), NULL, NULL, &b, &d);
    CHECK_INT(rc, SV_EINVAL);
    CHECK(contains(d.msg, "linxia-units-4522.geojson"));
    CHECK(contains(d.msg, "4522"));
    CHECK(b.n == 0);
    if (!g)
        return;

    CHECK_INT(sv_tasks_read(shared_path("linxia-units-4490.geojson"), g, NULL, &a, &d), SV_OK);
    rc = sv_tasks_read(shared_path("linxia-units-4522.geojson"), g, NULL, &b, &d);
    CHECK_INT(rc, SV_OK);
    if (rc != SV_OK) {
        fprintf(stderr, "  %s\n", d.msg);
        sv_task_set_clear(&a);
        return;
    }
    CHECK_STR(b.crs, "EPSG:4522");
    CHECK_INT(b.n, a.n);
    for (size_t i = 0; i < a.n && i < b.n; i++) {
        const sv_unit *ua = &a.units[i], *ub = &b.units[i];
        CHECK_STR(ub->code, ua->code);
        CHECK_STR(ub->name, ua->name);
        CHECK_STR(ub->source, "linxia-units-4522.geojson (EPSG:4522)");
        CHECK_INT(ub->draft.n_parts, ua->draft.n_parts);
        CHECK_INT(ub->draft.n_rings, ua->draft.n_rings);
        CHECK_INT(ub->draft.n_pts, ua->draft.n_pts);
        if (ub->draft.n_pts != ua->draft.n_pts)
            continue;
        double worst = 0;
        for (size_t k = 0; k < 2 * ua->draft.n_pts; k++)
            worst = fmax(worst, fabs(ua->draft.lonlat[k] - ub->draft.lonlat[k]));
        CHECK_NEAR(worst, 0, 1e-6);
    }
    sv_task_set_clear(&a);
    sv_task_set_clear(&b);
}

/* ---- property names ------------------------------------------------------------------------ */

static void test_english_names(void)
{
    sv_task_set set;
    sv_diag d = {{0}};
    int rc = sv_tasks_read(fixture_path("good-english-names.geojson"), NULL, NULL, &set, &d);
    CHECK_INT(rc, SV_OK);
    if (rc != SV_OK) {
        fprintf(stderr, "  %s\n", d.msg);
        return;
    }
    CHECK_INT(set.n, 2);
    const sv_unit *u = &set.units[0];
    CHECK_STR(u->code, "622901"); /* a numeric code becomes text */
    CHECK_STR(u->name, "English names");
    CHECK_STR(u->type, "森林");
    CHECK_STR(u->location, "临夏市");
    CHECK_STR(u->fields[SV_FIELD_OWNER], "全民");
    CHECK_STR(u->fields[SV_FIELD_REPRESENTATIVE], "自然资源部");
    CHECK_STR(u->fields[SV_FIELD_AGENT], "甘肃省人民政府");
    CHECK_STR(u->fields[SV_FIELD_MODE], "代理");
    CHECK_STR(u->fields[SV_FIELD_RIGHTS], "占有、使用");
    CHECK_STR(u->fields[SV_FIELD_MANAGER], "林场");
    CHECK_STR(u->control, "生态保护红线");
    CHECK_INT(u->epsg, 4523);
    CHECK(isnan(u->central_meridian));
    CHECK_INT(u->draft.n_parts, 1);
    CHECK_INT(u->draft.n_rings, 2); /* shell and hole */
    CHECK_INT(u->draft.part_rings[0], 2);

    u = &set.units[1];
    CHECK_STR(u->code, "622901SD000002");
    CHECK(u->name == NULL); /* "" */
    CHECK(u->type[0] == '\0');
    CHECK_INT(u->epsg, 0);
    CHECK_NEAR(u->central_meridian, 102, 0);
    CHECK_INT(u->draft.n_parts, 3);
    CHECK_INT(u->draft.n_rings, 3);
    CHECK_INT(u->draft.n_pts, 15);
    for (int i = 0; i < 3; i++)
        CHECK_INT(u->draft.part_rings[i], 1);
    sv_task_set_clear(&set);
}

static void test_mixed_names(void)
{
    sv_task_set set;
    sv_diag d = {{0}};
    /* Vendor and English names for the same field that agree are fine; lower-case vendor
     * names too; white space around values (DBF padding) is dropped. */
    const char *ok =
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
        "{\"zrzydjdyh\":\" 622901CY000009 \",\"code\":\"622901CY000009\",\"DJDYMC\":\"甲\","
        "\"name\":null,\"owner\":\"集体\",\"SYQZT\":\"\",\"epsg\":\"4522\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[103,35],[103.01,35],[103.01,35.01],[103,35]]]}}]}";
    CHECK_INT(parse_str(ok, NULL, NULL, &set, &d), SV_OK);
    if (set.n == 1) {
        CHECK_STR(set.units[0].code, "622901CY000009");
        CHECK_STR(set.units[0].name, "甲");
        CHECK_STR(set.units[0].fields[SV_FIELD_OWNER], "集体");
        CHECK_INT(set.units[0].epsg, 4522);
        CHECK_STR(set.units[0].source, "mem.geojson (EPSG:4490)");
    }
    sv_task_set_clear(&set);

    /* Two names for the code that disagree: refused. */
    const char *bad =
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
        "{\"ZRZYDJDYH\":\"A1\",\"code\":\"A2\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[103,35],[103.01,35],[103.01,35.01],[103,35]]]}}]}";
    CHECK_INT(parse_str(bad, NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "mem.geojson: feature 1"));
    CHECK(contains(d.msg, "disagree"));

    /* A code too long for SV_CODE_MAX, a bad epsg property, a non-text property. */
    char longcode[600];
    snprintf(longcode, sizeof longcode,
             "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
             "{\"code\":\"%0*d\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
             "[[[103,35],[103.01,35],[103.01,35.01],[103,35]]]}}]}",
             SV_CODE_MAX, 7);
    CHECK_INT(parse_str(longcode, NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "feature 1") && contains(d.msg, "longer than 63"));
    const char *epsg =
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
        "{\"code\":\"A1\",\"epsg\":4326},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[103,35],[103.01,35],[103.01,35.01],[103,35]]]}}]}";
    CHECK_INT(parse_str(epsg, NULL, NULL, &set, &d), SV_ECRS);
    CHECK(contains(d.msg, "feature 1 (A1)") && contains(d.msg, "4326"));
    const char *obj =
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
        "{\"code\":\"A1\",\"XSNR\":[1,2]},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[103,35],[103.01,35],[103.01,35.01],[103,35]]]}}]}";
    CHECK_INT(parse_str(obj, NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "feature 1") && contains(d.msg, "XSNR"));
}

static void test_code_pattern(void)
{
    sv_task_set set;
    sv_diag d = {{0}};
    const char *pat = "[0-9]{6}[A-Z]{2}[0-9]{6}";
    const char *path = shared_path("linxia-units-4490.geojson");
    CHECK_INT(sv_tasks_read(path, NULL, pat, &set, &d), SV_OK);
    CHECK_INT(set.n, 3);
    sv_task_set_clear(&set);
    /* The whole code must match, not a part of it. */
    CHECK_INT(sv_tasks_read(path, NULL, "[0-9]{6}SL[0-9]{6}", &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "linxia-units-4490.geojson: feature 2 (622901ZR000002)"));
    CHECK(contains(d.msg, "pattern"));
    CHECK_INT(sv_tasks_read(path, NULL, "[0-9]{6}", &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "feature 1 (622901SL000007)"));
    CHECK_INT(sv_tasks_read(path, NULL, "([0-9]", &set, &d), SV_EINVAL);
    CHECK(contains(d.msg, "regular expression"));
    CHECK(set.n == 0);
}

/* ---- refusals -------------------------------------------------------------------------------- */

static void test_bad_fixtures(sv_geo *g)
{
    printf("refusals:\n");
    expect_refused("bad-truncated.geojson", NULL, SV_EFORMAT, "feature 3", NULL, "truncated");
    expect_refused("bad-trailing-garbage.geojson", NULL, SV_EFORMAT, "after feature 3", NULL,
                   "line 6");
    expect_refused("bad-gbk.geojson", NULL, SV_EFORMAT, "feature 2: line 3", NULL,
                   "not UTF-8 (in another encoding such as GBK? convert it, e.g. iconv -f GBK");
    /* UTF-16 and UTF-32 are named by their byte-order mark, not guessed as GBK */
    static const char u16[] = "\xff\xfe{\0\"\0t\0";
    static const char u32[] = "\xff\xfe\0\0{\0\0\0";
    static const char *const wide[][2] = {{u16, "UTF-16LE"}, {u32, "UTF-32LE"}};
    for (size_t i = 0; i < 2; i++) {
        sv_task_set set = {0};
        sv_diag d = {{0}};
        CHECK_INT(sv_tasks_parse("wide.geojson", wide[i][0], i ? sizeof u32 - 1 : sizeof u16 - 1, g,
                                 NULL, &set, &d),
                  SV_EFORMAT);
        CHECK(contains(d.msg, wide[i][1]) && contains(d.msg, "iconv -f"));
        sv_task_set_clear(&set);
    }
    expect_refused("bad-unclosed.geojson", NULL, SV_EGEOM, "feature 2", "622901CY000002",
                   "not closed");
    expect_refused("bad-few-positions.geojson", NULL, SV_EGEOM, "feature 2", "622901CY000002",
                   "3 positions");
    expect_refused("bad-bowtie.geojson", NULL, SV_EGEOM, "feature 2", "622901CY000002",
                   "ring 1 is not a valid ring: Self-intersection");
    /* Polygon validity as GEOS judges it (issue 9, defect 5): the reason is GEOS's. */
    expect_refused("bad-hole-outside.geojson", NULL, SV_EGEOM, "feature 2", "622901CY000002",
                   "not a valid polygon: Hole lies outside shell");
    expect_refused("bad-hole-crossing.geojson", NULL, SV_EGEOM, "feature 2", "622901CY000002",
                   "not a valid polygon: Self-intersection");
    expect_refused("bad-zero-area.geojson", NULL, SV_EGEOM, "feature 2", "622901CY000002",
                   "ring 1 is not a valid ring: Zero-area ring");
    expect_refused("bad-nan.geojson", NULL, SV_EFORMAT, "feature 2", NULL, "line 3");
    expect_refused("bad-infinity.geojson", NULL, SV_EFORMAT, "feature 2", NULL, "line 3");
    expect_refused("bad-1e999.geojson", NULL, SV_EFORMAT, "feature 2", NULL, "overflow");
    expect_refused("bad-lat-range.geojson", NULL, SV_EGEOM, "feature 2", "622901CY000002",
                   "out of range");
    expect_refused("bad-crs-foo.geojson", NULL, SV_ECRS, NULL, NULL, "FOO::1");
    expect_refused("bad-crs-epsg999999.geojson", NULL, SV_EINVAL, NULL, NULL, "999999");
    expect_refused("bad-duplicate-code.geojson", NULL, SV_EFORMAT, "feature 3", "622901CY000001",
                   "also feature 1");
    expect_refused("bad-missing-code.geojson", NULL, SV_EFORMAT, "feature 2", NULL, "code");
    expect_refused("bad-point.geojson", NULL, SV_EGEOM, "feature 2", "622901CY000002", "Point");
    expect_refused("bad-empty.geojson", NULL, SV_EFORMAT, NULL, NULL, "empty");
    expect_refused("bad-not-collection.geojson", NULL, SV_EFORMAT, NULL, NULL,
                   "not a GeoJSON FeatureCollection");
    if (g) {
        expect_refused("bad-crs-foo.geojson", g, SV_ECRS, NULL, NULL, "FOO::1");
        expect_refused("bad-crs-epsg999999.geojson", g, SV_ECRS, NULL, NULL, "999999");
        expect_refused("bad-4522-swapped-axes.geojson", g, SV_EGEOM, "feature 1", "622901CY000001",
                       "axes swapped");
        expect_refused("bad-4546-lonlat.geojson", g, SV_EGEOM, "feature 1", "622901CY000001",
                       "look like longitude and latitude");
    }

    sv_task_set set;
    sv_diag d = {{0}};
    CHECK_INT(sv_tasks_read(fixture_path("no-such-file.geojson"), NULL, NULL, &set, &d),
              SV_ENOTFOUND);
    CHECK(contains(d.msg, "no-such-file.geojson"));
    CHECK_INT(sv_tasks_read(source_dir, NULL, NULL, &set, &d), SV_EIO); /* a directory */
}

static void test_in_memory_refusals(void)
{
    sv_task_set set;
    sv_diag d = {{0}};
    static const char head[] = "{\"type\":\"FeatureCollection\",\"features\":[";
    static const char feat1[] =
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"A1\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[103,35],[103.01,35],[103.01,35.01],[103,35]]]}}";
    char buf[2048];

    /* A code stored as a real: an exact one reads as its digits, a short fraction as itself;
     * one of 2^53 or more may have lost digits already, and is refused, not imported changed
     * (6.2290100000000001e19 came out as code 6.22901e+19) */
    static const char real_head[] = "{\"type\":\"Feature\",\"properties\":{";
    static const char real_geom[] =
        "},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[103,35],[103.01,35],"
        "[103.01,35.01],[103,35]]]}}]}";
    snprintf(buf, sizeof buf, "%s%s\"code\":622901.0,\"name\":0.1%s", head, real_head, real_geom);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_OK);
    if (set.n == 1) {
        CHECK_STR(set.units[0].code, "622901");
        CHECK_STR(set.units[0].name, "0.1");
    }
    sv_task_set_clear(&set);
    snprintf(buf, sizeof buf, "%s%s\"ZRZYDJDYH\":6.2290100000000001e19%s", head, real_head,
             real_geom);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "ZRZYDJDYH is the number") && contains(d.msg, "write it as text"));
    snprintf(buf, sizeof buf, "%s%s\"code\":9007199254740993.0%s", head, real_head, real_geom);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_EFORMAT);
    /* A unit without properties at all, a null geometry, a feature-level crs. */
    snprintf(buf, sizeof buf, "%s%s,{\"type\":\"Feature\",\"geometry\":null}]}", head, feat1);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "mem.geojson: feature 2: no unit code"));
    snprintf(buf, sizeof buf,
             "%s%s,{\"type\":\"Feature\",\"properties\":{\"code\":\"A2\"},\"geometry\":null}]}",
             head, feat1);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_EGEOM);
    CHECK(contains(d.msg, "mem.geojson: feature 2 (A2): has no geometry"));
    /* Plane metres in a file naming no CRS: said to look like them, with the way out. */
    snprintf(buf, sizeof buf,
             "%s{\"type\":\"Feature\",\"properties\":{\"code\":\"A1\"},\"geometry\":{\"type\":"
             "\"Polygon\",\"coordinates\":[[[469639.9,3940213.6],[469700,3940213.6],"
             "[469700,3940300],[469639.9,3940213.6]]]}}]}",
             head);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_EGEOM);
    CHECK(contains(d.msg, "out of range"));
    CHECK(contains(d.msg, "look like plane metres"));
    CHECK(contains(d.msg, "urn:ogc:def:crs:EPSG::4522"));
    /* A NUL escaped into a name: said in the user's words, not the JSON library's flag name. */
    snprintf(buf, sizeof buf,
             "%s%s,{\"type\":\"Feature\",\"properties\":{\"code\":\"A2\",\"name\":\"a\\u0000b\"},"
             "\"geometry\":null}]}",
             head, feat1);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "mem.geojson: feature 2: invalid JSON at line 1"));
    CHECK(contains(d.msg, "a NUL character (\\u0000), which no text may hold"));
    CHECK(!contains(d.msg, "JSON_ALLOW_NUL"));
    /* GeoJSON numbers must be numbers. */
    snprintf(buf, sizeof buf,
             "%s%s,{\"type\":\"Feature\",\"properties\":{\"code\":\"A2\"},\"geometry\":{\"type\":"
             "\"Polygon\",\"coordinates\":[[[103,35],[\"103.01\",35],[103.01,35.01],[103,35]]]}}]}",
             head, feat1);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "feature 2 (A2): ring 1 point 2"));
    /* A position of 4 members, a ring that folds back on itself (a spike). */
    snprintf(buf, sizeof buf,
             "%s%s,{\"type\":\"Feature\",\"properties\":{\"code\":\"A2\"},\"geometry\":{\"type\":"
             "\"Polygon\",\"coordinates\":[[[103,35,0,0],[103.01,35],[103.01,35.01],[103,35]]]}}]}",
             head, feat1);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "feature 2 (A2): ring 1 point 1"));
    snprintf(buf, sizeof buf,
             "%s%s,{\"type\":\"Feature\",\"properties\":{\"code\":\"A2\"},\"geometry\":{\"type\":"
             "\"MultiPolygon\",\"coordinates\":[[[[103,35],[103.01,35],[103.01,35.01],[103,35]]],"
             "[[[104,35],[104.01,35],[104.02,35],[104,35]]]]}}]}",
             head, feat1);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_EGEOM);
    CHECK(contains(d.msg, "feature 2 (A2): polygon 2 ring 1"));
    snprintf(buf, sizeof buf,
             "%s%s,{\"type\":\"Feature\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
             "\"EPSG:4522\"}},\"properties\":{\"code\":\"A2\"},\"geometry\":null}]}",
             head, feat1);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_ECRS);
    CHECK(contains(d.msg, "feature 2: a feature-level \"crs\""));
    /* A feature whose hole self-intersects: the message names the ring. */
    snprintf(buf, sizeof buf,
             "%s{\"type\":\"Feature\",\"properties\":{\"code\":\"H\"},\"geometry\":{\"type\":"
             "\"Polygon\",\"coordinates\":[[[0,0],[10,0],[10,10],[0,10],[0,0]],"
             "[[2,2],[4,4],[4,2],[2,4],[2,2]]]}}]}",
             head);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_EGEOM);
    CHECK(contains(d.msg, "feature 1 (H): ring 2 is not a valid ring: Self-intersection"));
    /* Duplicate keys are ambiguous: refused by the parser. */
    snprintf(buf, sizeof buf,
             "%s{\"type\":\"Feature\",\"properties\":{\"code\":\"A1\",\"code\":\"A2\"},"
             "\"geometry\":null}]}",
             head);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "feature 1") && contains(d.msg, "duplicate"));
    /* Whole file or nothing: good features before a bad one are not returned. */
    snprintf(buf, sizeof buf, "%s%s,%s]}", head, feat1, feat1);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(set.n == 0 && set.units == NULL);
    CHECK(contains(d.msg, "feature 2 (A1): duplicate code (also feature 1)"));
    /* A code with a path in it could never be opened at the office (/unit/CODE): refused. */
    {
        const char *bad[] = {"A/B", "A\\\\B", "..", "A..B"};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            snprintf(buf, sizeof buf,
                     "%s{\"type\":\"Feature\",\"properties\":{\"code\":\"%s\"},"
                     "\"geometry\":null}]}",
                     head, bad[i]);
            CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_EFORMAT);
            CHECK(contains(d.msg, "feature 1") && contains(d.msg, "which no unit code has"));
        }
        CHECK(sv_unit_code_ok("622901ZR000002") && sv_unit_code_ok("A.B"));
    }

    /* File-level problems. */
    CHECK_INT(parse_str("  \n\t ", NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "mem.geojson: empty"));
    CHECK_INT(parse_str("[1,2]", NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "not a GeoJSON FeatureCollection"));
    CHECK_INT(parse_str("{\"type\":\"FeatureCollection\"}", NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "no \"features\""));
    CHECK_INT(parse_str("{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"link\",\"properties\":"
                        "{\"href\":\"x\"}},\"features\":[]}",
                        NULL, NULL, &set, &d),
              SV_ECRS);
    CHECK_INT(
        sv_tasks_parse("big.geojson", "{}", (size_t)SV_TASKS_MAX_BYTES + 1, NULL, NULL, &set, &d),
        SV_EFORMAT); /* refused on the length alone, before the buffer is read */
    CHECK(contains(d.msg, "big.geojson") && contains(d.msg, "limit"));
    CHECK_INT(sv_tasks_parse("x", "{}", 2, NULL, NULL, NULL, &d), SV_EINVAL);
    CHECK_INT(sv_tasks_parse("x", NULL, 2, NULL, NULL, &set, &d), SV_EINVAL);

    /* Accepted: an empty collection, a byte-order mark, a CRS84 or EPSG:4490 crs member. */
    CHECK_INT(parse_str("{\"type\":\"FeatureCollection\",\"features\":[]}", NULL, NULL, &set, &d),
              SV_OK);
    CHECK(set.n == 0);
    snprintf(buf, sizeof buf, "\xEF\xBB\xBF%s%s]}", head, feat1);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_OK);
    CHECK_INT(set.n, 1);
    sv_task_set_clear(&set);
    snprintf(buf, sizeof buf,
             "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
             "\"urn:ogc:def:crs:OGC:1.3:CRS84\"}},\"features\":[%s]}",
             feat1);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_OK);
    CHECK_STR(set.crs, "OGC:CRS84");
    if (set.n == 1)
        CHECK(contains(set.units[0].source, "WGS84"));
    sv_task_set_clear(&set);
    snprintf(buf, sizeof buf,
             "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
             "\"urn:ogc:def:crs:EPSG::4490\"}},\"features\":[%s]}",
             feat1);
    CHECK_INT(parse_str(buf, NULL, NULL, &set, &d), SV_OK);
    CHECK_STR(set.crs, "EPSG:4490");
    sv_task_set_clear(&set);
}

/* 100,000 '[' must be refused by the depth pre-scan, quickly and without deep recursion. */
static void test_nesting(void)
{
    const size_t depth = 100000;
    static const char head[] =
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
        "\"properties\":{\"code\":\"A1\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":";
    size_t hl = strlen(head);
    char *buf = malloc(hl + 2 * depth + 8);
    if (!buf) {
        CHECK(buf != NULL);
        return;
    }
    memcpy(buf, head, hl);
    memset(buf + hl, '[', depth);
    memset(buf + hl + depth, ']', depth);
    memcpy(buf + hl + 2 * depth, "}}]}", 4);
    size_t len = hl + 2 * depth + 4;

    sv_task_set set;
    sv_diag d = {{0}};
    clock_t t0 = clock();
    int rc = sv_tasks_parse("deep.geojson", buf, len, NULL, NULL, &set, &d);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    printf("  100k '[' refused in %.4f s: %s\n", secs, d.msg);
    CHECK_INT(rc, SV_EFORMAT);
    CHECK(contains(d.msg, "deep.geojson: feature 1: "));
    CHECK(contains(d.msg, "deeper than 64"));

    /* The same without any structure around it. */
    memset(buf, '[', depth);
    rc = sv_tasks_parse("deep.geojson", buf, depth, NULL, NULL, &set, &d);
    CHECK_INT(rc, SV_EFORMAT);
    CHECK(contains(d.msg, "deep.geojson: line 1, column 65"));
    free(buf);

    /* Brackets (and escaped quotes) inside strings do not count. */
    char s[600], brackets[201];
    memset(brackets, '[', 200);
    brackets[200] = '\0';
    snprintf(s, sizeof s,
             "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
             "{\"code\":\"A1\",\"ZL\":\"\\\"%s\"},\"geometry\":{\"type\":\"Polygon\","
             "\"coordinates\":[[[103,35],[103.01,35],[103.01,35.01],[103,35]]]}}]}",
             brackets);
    CHECK_INT(parse_str(s, NULL, NULL, &set, &d), SV_OK);
    sv_task_set_clear(&set);
}

/* ---- ring validity (GEOS, through sv_ring_validate) ---------------------------------------- */

/* The ring cases the hand-written check of the import used to handle, now judged by GEOS. */
static int ring_ok(size_t n, const double *ll)
{
    char why[256];
    int rc = sv_ring_validate(n, ll, why, sizeof why);
    if (rc != SV_OK && rc != SV_EGEOM)
        fprintf(stderr, "  sv_ring_validate: %d %s\n", rc, why);
    return rc == SV_OK;
}

static void test_ring_validity(void)
{
    const double square[] = {0, 0, 1, 0, 1, 1, 0, 1, 0, 0};
    CHECK_INT(ring_ok(5, square), 1);
    CHECK_INT(ring_ok(4, square), 1); /* open form */
    const double bowtie[] = {0, 0, 1, 1, 1, 0, 0, 1, 0, 0};
    CHECK_INT(ring_ok(5, bowtie), 0);
    /* Two loops touching at one vertex (2,1) visited twice: a figure eight. */
    const double eight[] = {0, 0, 2, 1, 4, 0, 4, 2, 2, 1, 0, 2, 0, 0};
    CHECK_INT(ring_ok(7, eight), 0);
    /* A vertex touching another edge in its middle. */
    const double touch[] = {0, 0, 4, 0, 4, 4, 2, 0.0, 0, 4, 0, 0};
    CHECK_INT(ring_ok(6, touch), 0);
    /* Collinear overlapping edges: 0,0 -> 3,0 ... and later 2,0 -> 1,0 along the same line. */
    const double overlap[] = {0, 0, 3, 0, 3, 1, 2, 1, 2, 0, 1, 0, 1, 2, 0, 2, 0, 0};
    CHECK_INT(ring_ok(9, overlap), 0);
    /* A spike: out and straight back along the same line. */
    const double spike[] = {0, 0, 2, 0, 3, 0, 2, 0, 2, 2, 0, 2, 0, 0};
    CHECK_INT(ring_ok(7, spike), 0);
    /* Repeated consecutive points are zero-length edges, not crossings. */
    const double dup[] = {0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0};
    CHECK_INT(ring_ok(8, dup), 1);
    /* Collinear consecutive points (a straight run with a vertex in it) are fine. */
    const double straight[] = {0, 0, 1, 0, 2, 0, 2, 2, 0, 2, 0, 0};
    CHECK_INT(ring_ok(6, straight), 1);
    const double tri[] = {0, 0, 1, 0, 0, 1, 0, 0};
    CHECK_INT(ring_ok(4, tri), 1);
    /* Concave but simple (a U shape), with vertical and horizontal edges. */
    const double u[] = {0, 0, 3, 0, 3, 3, 2, 3, 2, 1, 1, 1, 1, 3, 0, 3, 0, 0};
    CHECK_INT(ring_ok(9, u), 1);
    /* Collinear in decimal, a sliver in binary: GEOS alone calls it valid; zero area. */
    const double sliver[] = {103.32, 35.40, 103.33, 35.41, 103.34, 35.42, 103.32, 35.40};
    CHECK_INT(ring_ok(4, sliver), 0);
    /* Degenerate input. */
    const double line[] = {0, 0, 1, 1, 0, 0, 0, 0};
    CHECK_INT(ring_ok(4, line), 0);
    CHECK_INT(ring_ok(0, square), 0);
    CHECK_INT(ring_ok(5, NULL), 0);

    /* A large circle (real coordinates near Linxia): no crossing; then two points swapped. */
    const size_t n = 20001;
    double *c = malloc(2 * n * sizeof *c);
    if (!c) {
        CHECK(c != NULL);
        return;
    }
    for (size_t i = 0; i < n - 1; i++) {
        double a = 2 * M_PI * (double)i / (double)(n - 1);
        c[2 * i] = 103.2 + 0.05 * cos(a);
        c[2 * i + 1] = 35.5 + 0.04 * sin(a);
    }
    c[2 * (n - 1)] = c[0];
    c[2 * (n - 1) + 1] = c[1];
    clock_t t0 = clock();
    CHECK_INT(ring_ok(n, c), 1);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    printf("  20,000-vertex ring checked in %.4f s\n", secs);
    double tx = c[2 * 5000], ty = c[2 * 5000 + 1];
    c[2 * 5000] = c[2 * 5001];
    c[2 * 5000 + 1] = c[2 * 5001 + 1];
    c[2 * 5001] = tx;
    c[2 * 5001 + 1] = ty;
    CHECK_INT(ring_ok(n, c), 0);
    free(c);
}

/* ---- limits (limits.h; issue 9, defect 2) --------------------------------------------------- */

/* A growing string for building packages in memory. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            abort();
        if (b->p && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t nc = b->cap ? b->cap * 2 : 4096;
        while (nc < b->len + (size_t)n + 1)
            nc *= 2;
        char *q = realloc(b->p, nc);
        if (!q)
            abort();
        b->p = q;
        b->cap = nc;
    }
}

/* n copies of the UTF-8 character ch. Caller frees. */
static char *repeat(const char *ch, size_t n)
{
    size_t l = strlen(ch);
    char *t = malloc(l * n + 1);
    if (!t)
        abort();
    for (size_t i = 0; i < n; i++)
        memcpy(t + i * l, ch, l);
    t[l * n] = '\0';
    return t;
}

/* One unit: a circle of `vertices` positions (closing one included) near Linxia, with the given
 * name, rights and control texts. */
static char *package(size_t vertices, const char *name, const char *rights, const char *control)
{
    sbuf b = {0};
    sb_add(&b,
           "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
           "{\"ZRZYDJDYH\":\"622901ZR999999\",\"DJDYMC\":\"%s\",\"XSNR\":\"%s\",\"GGGZ\":\"%s\"},"
           "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[",
           name, rights, control);
    for (size_t i = 0; i + 1 < vertices; i++) {
        double a = 2 * M_PI * (double)i / (double)(vertices - 1);
        sb_add(&b, "[%.9f,%.9f],", 103.2 + 0.05 * cos(a), 35.5 + 0.04 * sin(a));
    }
    sb_add(&b, "[%.9f,%.9f]]]}}]}", 103.25, 35.5);
    return b.p;
}

static int max_payload(const sv_entry *e, void *ctx)
{
    size_t *m = ctx;
    if (e->payload_len > *m)
        *m = e->payload_len;
    return 0;
}

static void test_limits(void)
{
    sv_task_set set;
    sv_diag d = {{0}};
    char *name_ok = repeat("名", SV_LIMIT_NAME_CHARS);
    char *name_long = repeat("名", SV_LIMIT_NAME_CHARS + 1);
    char *text_ok = repeat("权", SV_LIMIT_TEXT_CHARS);
    char *text_long = repeat("权", SV_LIMIT_TEXT_CHARS + 1);

    /* One vertex over the limit: refused before the coordinates are read, naming the limit. */
    char *pkg = package(SV_LIMIT_UNIT_VERTICES + 1, "甲", "乙", "丙");
    CHECK_INT(parse_str(pkg, NULL, NULL, &set, &d), SV_EFORMAT);
    printf("  %s\n", d.msg);
    CHECK(contains(d.msg, "mem.geojson: feature 1 (622901ZR999999)") &&
          contains(d.msg, "200000 vertices"));
    free(pkg);
    /* Texts one character over: each names its property and the limit. */
    pkg = package(5, name_long, "乙", "丙");
    CHECK_INT(parse_str(pkg, NULL, NULL, &set, &d), SV_EFORMAT);
    printf("  %s\n", d.msg);
    CHECK(contains(d.msg, "feature 1: property DJDYMC has 1001 characters; the limit is 1000"));
    free(pkg);
    pkg = package(5, "甲", "乙", text_long);
    CHECK_INT(parse_str(pkg, NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "property GGGZ has 10001 characters; the limit is 10000"));
    free(pkg);

    /* Too many rings: a shell and 10,000 holes. */
    sbuf b = {0};
    sb_add(&b, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
               "{\"code\":\"R1\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
               "[[[100,30],[110,30],[110,40],[100,40],[100,30]]");
    for (size_t r = 0; r < SV_LIMIT_UNIT_RINGS; r++) {
        double x = 100.1 + 0.09 * (double)(r % 100), y = 30.1 + 0.09 * (double)(r / 100);
        sb_add(&b, ",[[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f]]", x, y, x, y + 0.01,
               x + 0.01, y + 0.01, x, y);
    }
    sb_add(&b, "]}}]}");
    CHECK_INT(parse_str(b.p, NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "feature 1 (R1): more than 10000 rings"));
    free(b.p);

    /* Too many units: 100,001 small squares. */
    b = (sbuf){0};
    sb_add(&b, "{\"type\":\"FeatureCollection\",\"features\":[");
    for (size_t i = 0; i <= SV_LIMIT_PACKAGE_UNITS; i++)
        sb_add(&b,
               "%s{\"type\":\"Feature\",\"properties\":{\"code\":\"U%zu\"},\"geometry\":{\"type\":"
               "\"Polygon\",\"coordinates\":[[[103,35],[103.01,35],[103.01,35.01],[103,35]]]}}",
               i ? "," : "", i);
    sb_add(&b, "]}");
    CHECK_INT(parse_str(b.p, NULL, NULL, &set, &d), SV_EFORMAT);
    CHECK(contains(d.msg, "feature 100001: more than 100000 units"));
    free(b.p);

    /* A unit at every limit is accepted, recorded through the shared import call, and its entry
     * stays well under the sync codec's 8 MiB (sync/bundle.h SY_BUNDLE_MAX_PLAIN). */
    char dir[] = "/tmp/qj-test-tasks-XXXXXX", path[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/j.db", dir);
    sv_journal_opts o = {.device_name = "t", .central_meridian = NAN};
    sv_journal *j = NULL;
    CHECK_INT(sv_journal_create(path, &o, &j), SV_OK);
    pkg = package(SV_LIMIT_UNIT_VERTICES, name_ok, text_ok, text_ok);
    sv_tasks_report rep;
    int rc = sv_tasks_import_buf(j, "worst.geojson", pkg, strlen(pkg), NULL, NULL, NULL, &rep, &d);
    CHECK_INT(rc, SV_OK);
    if (rc != SV_OK)
        fprintf(stderr, "  %s\n", d.msg);
    CHECK(rep.units == 1 && rep.added == 1 && rep.unchanged == 0 && rep.skipped == 0);
    size_t biggest = 0;
    CHECK_INT(sv_journal_foreach(j, 1, max_payload, &biggest), SV_OK);
    printf("  worst-case unit entry: %zu bytes\n", biggest);
    CHECK(biggest > 4000000 && biggest < 6u * 1024 * 1024);
    /* The same package again: nothing recorded. */
    CHECK_INT(sv_tasks_import_buf(j, "worst.geojson", pkg, strlen(pkg), NULL, NULL, NULL, &rep, &d),
              SV_OK);
    CHECK(rep.units == 1 && rep.added == 0 && rep.unchanged == 1);
    free(pkg);

    /* The journal refuses what import would, whatever path a value takes. */
    sv_unit u;
    memset(&u, 0, sizeof u);
    snprintf(u.code, sizeof u.code, "622901ZR999999");
    u.central_meridian = NAN;
    u.name = name_long;
    int64_t before = sv_journal_last_seq(j);
    CHECK_INT(sv_record_unit(j, &u, NULL), SV_EINVAL);
    CHECK(contains(sv_journal_errmsg(j), "name has 1001 characters; the limit is 1000"));
    sv_verification v;
    memset(&v, 0, sizeof v);
    snprintf(v.unit, sizeof v.unit, "622901ZR999999");
    v.field = SV_FIELD_OWNER;
    v.status = SV_VERIFY_CONFIRMED;
    v.note = text_long;
    CHECK_INT(sv_record_verification(j, &v, NULL), SV_EINVAL);
    CHECK(contains(sv_journal_errmsg(j), "the note has 10001 characters; the limit is 10000"));
    v.note = text_ok;
    CHECK_INT(sv_record_verification(j, &v, NULL), SV_OK);
    sv_attendance at;
    memset(&at, 0, sizeof at);
    snprintf(at.unit, sizeof at.unit, "622901ZR999999");
    at.party = name_long;
    at.presence = SV_PRESENT;
    CHECK_INT(sv_record_attendance(j, &at, NULL), SV_EINVAL);
    CHECK(contains(sv_journal_errmsg(j), "the party has 1001 characters"));
    CHECK_INT(sv_record_void(j, 1, text_long, NULL), SV_EINVAL);
    CHECK_INT(sv_journal_last_seq(j), before + 1); /* only the verification that fits */
    sv_journal_close(j);
    char key[80];
    snprintf(key, sizeof key, "%s.key", path);
    remove(key);
    remove(path);
    remove(dir);
    free(name_ok);
    free(name_long);
    free(text_ok);
    free(text_long);
}

/* The first entry's payload into ctx (512 bytes); stops the walk with 1. */
static int first_payload(const sv_entry *e, void *ctx)
{
    snprintf(ctx, 512, "%.*s", (int)e->payload_len, e->payload);
    return 1;
}

/* A one-unit package RV1 with the given owner and agent. */
static char *rv_package(const char *owner, const char *agent)
{
    sbuf b = {0};
    sb_add(&b,
           "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
           "{\"ZRZYDJDYH\":\"RV1\",\"DJDYMC\":\"河段\",\"SYQZT\":\"%s\",\"DBXSZT\":\"州局\","
           "\"DLXSZT\":\"%s\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
           "[[[103,35],[103.01,35],[103.01,35.01],[103,35]]]}}]}",
           owner, agent);
    return b.p;
}

static int rv_import(sv_journal *j, const char *owner, const char *agent, sv_tasks_report *rep)
{
    char *pkg = rv_package(owner, agent);
    sv_diag d = {{0}};
    int rc = sv_tasks_import_buf(j, "rv.geojson", pkg, strlen(pkg), NULL, NULL, NULL, rep, &d);
    if (rc != SV_OK)
        fprintf(stderr, "  %s\n", d.msg);
    free(pkg);
    return rc;
}

static int rv_verified(sv_journal *j, int *disputed)
{
    sv_progress p;
    if (sv_state_progress(j, "RV1", &p) != SV_OK)
        return -1;
    sv_verification *v = NULL;
    size_t n = 0;
    int ok = sv_state_verifications(j, "RV1", &v, &n) == SV_OK &&
             n == (size_t)(p.fields_verified + p.fields_disputed);
    sv_verifications_free(v, n);
    *disputed = p.fields_disputed;
    return ok ? p.fields_verified : -2; /* the list and the counts agree */
}

/* A verification is of the value registered when the crew made it: a package that changes
 * the owner the crew confirmed leaves that confirmation standing but not counting (it said
 * 全民 was right, not 集体), and import says so; a correction the county adopts keeps
 * counting; the old value back, the confirmation counts again; voiding a newer confirmation
 * does not bring back one of another value. */
static void test_reverify(void)
{
    char dir[] = "/tmp/qj-test-reverify-XXXXXX", path[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/j.db", dir);
    sv_journal_opts o = {.device_name = "t", .central_meridian = NAN};
    sv_journal *j = NULL;
    CHECK_INT(sv_journal_create(path, &o, &j), SV_OK);
    sv_tasks_report rep;
    int disputed = 0;
    CHECK_INT(rv_import(j, "全民", "甲镇", &rep), SV_OK);
    sv_verification v = {.field = SV_FIELD_OWNER, .status = SV_VERIFY_CONFIRMED};
    snprintf(v.unit, sizeof v.unit, "RV1");
    int64_t s_owner = 0, s_owner2 = 0, s;
    CHECK_INT(sv_record_verification(j, &v, &s_owner), SV_OK);
    v.field = SV_FIELD_AGENT, v.status = SV_VERIFY_CORRECTED, v.value = "乙镇";
    CHECK_INT(sv_record_verification(j, &v, &s), SV_OK);
    v.field = SV_FIELD_REPRESENTATIVE, v.status = SV_VERIFY_DISPUTED, v.value = NULL;
    v.note = "　 "; /* a statement of nothing but (full-width) spaces is none */
    CHECK_INT(sv_record_verification(j, &v, &s), SV_EINVAL);
    v.note = "两村对代表主体有争议";
    CHECK_INT(sv_record_verification(j, &v, &s), SV_OK);
    v.note = NULL;
    CHECK_INT(rv_verified(j, &disputed), 2);
    CHECK_INT(disputed, 1);
    /* the entry names what was verified */
    char text[512] = "";
    CHECK_INT(sv_journal_foreach(j, s_owner, first_payload, text), 1);
    CHECK(contains(text, "\"registered\":\"全民\""));

    CHECK_INT(rv_import(j, "集体", "甲镇", &rep), SV_OK);
    CHECK(rep.added == 1 && rep.reverify == 1);
    CHECK_INT(rv_verified(j, &disputed), 1); /* the owner no longer counts, the agent does */
    CHECK_INT(disputed, 1);
    CHECK_INT(rv_import(j, "集体", "乙镇", &rep), SV_OK); /* the county adopts the correction */
    CHECK(rep.added == 1 && rep.reverify == 0);
    CHECK_INT(rv_verified(j, &disputed), 1);
    /* the owner's confirmed value back and the agent changed from the corrected one at once:
     * one answer stops counting as another counts again, and import names the one */
    CHECK_INT(rv_import(j, "全民", "丙镇", &rep), SV_OK);
    CHECK(rep.added == 1 && rep.reverify == 1);
    CHECK_INT(rv_verified(j, &disputed), 1);
    CHECK_INT(rv_import(j, "全民", "乙镇", &rep), SV_OK); /* the confirmed value back */
    CHECK(rep.added == 1 && rep.reverify == 0);
    CHECK_INT(rv_verified(j, &disputed), 2);

    /* 集体 again, confirmed on site, then that confirmation withdrawn: the earlier one (of 全民)
     * is the latest again but does not count for 集体 */
    CHECK_INT(rv_import(j, "集体", "乙镇", &rep), SV_OK);
    CHECK(rep.reverify == 1);
    v.field = SV_FIELD_OWNER, v.status = SV_VERIFY_CONFIRMED;
    CHECK_INT(sv_record_verification(j, &v, &s_owner2), SV_OK);
    CHECK_INT(rv_verified(j, &disputed), 2);
    CHECK_INT(sv_record_void(j, s_owner2, "误点", &s), SV_OK);
    CHECK_INT(rv_verified(j, &disputed), 1);
    /* the derived state is what a rebuild from the entries gives */
    sv_check_report cr;
    CHECK_INT(sv_journal_check(j, &cr), SV_OK);
    sv_journal_close(j);
    remove(path);
    char side[96];
    snprintf(side, sizeof side, "%s.key", path);
    remove(side);
    rmdir(dir);
}

int main(void)
{
    const char *s = getenv("QJ_FIXTURES"), *src = getenv("QJ_SOURCE");
    if (!s || !src) {
        fprintf(stderr, "test_tasks: QJ_FIXTURES and QJ_SOURCE must be set (ctest sets them)\n");
        return 1;
    }
    snprintf(shared_dir, sizeof shared_dir, "%s", s);
    snprintf(source_dir, sizeof source_dir, "%s", src);

    sv_geo *g = NULL;
    int rc = sv_geo_new(&g);
    CHECK_INT(rc, SV_OK);
    if (rc != SV_OK)
        g = NULL;

    test_shared_4490();
    test_shared_4522(g);
    test_english_names();
    test_mixed_names();
    test_code_pattern();
    test_bad_fixtures(g);
    test_in_memory_refusals();
    test_nesting();
    test_ring_validity();
    test_limits();
    test_reverify();
    sv_geo_free(g);
    return check_finish();
}
