/*
 * test_gpkg.c - unit tests of the private GeoPackage writer (survey/src/gpkg.c).
 *
 * Writes a small GeoPackage with every geometry type we emit, Chinese UTF-8 attributes, a
 * NULL and empty geometries and a second (Gauss-Krueger) SRS; reopens it with SQLite to check
 * the header bytes and the geometry encoding byte by byte; then hands it to GDAL's own
 * validate_gpkg.py and to ogrinfo, which must both accept it. Also checks the atomic-output
 * promises: no temporary files left behind, an abandoned or failed write leaves nothing, and
 * an existing file is replaced only when the new one is complete.
 *
 * Needs /usr/bin/python3 with python3-gdal and ogrinfo (gdal-bin); it fails, not skips,
 * without them, because an unvalidated GeoPackage is exactly what this test exists to stop.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "gpkg.h"

static const char WKT_4490[] =
    "GEOGCS[\"China Geodetic Coordinate System 2000\",DATUM[\"China_2000\",SPHEROID[\"CGCS2000\","
    "6378137,298.257222101,AUTHORITY[\"EPSG\",\"1024\"]],AUTHORITY[\"EPSG\",\"1043\"]],"
    "PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,"
    "AUTHORITY[\"EPSG\",\"9122\"]],AUTHORITY[\"EPSG\",\"4490\"]]";

static const char WKT_4522[] =
    "PROJCS[\"CGCS2000 / 3-degree Gauss-Kruger zone 34\",GEOGCS[\"China Geodetic Coordinate "
    "System 2000\",DATUM[\"China_2000\",SPHEROID[\"CGCS2000\",6378137,298.257222101,"
    "AUTHORITY[\"EPSG\",\"1024\"]],AUTHORITY[\"EPSG\",\"1043\"]],PRIMEM[\"Greenwich\",0,"
    "AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\","
    "\"9122\"]],AUTHORITY[\"EPSG\",\"4490\"]],PROJECTION[\"Transverse_Mercator\"],"
    "PARAMETER[\"latitude_of_origin\",0],PARAMETER[\"central_meridian\",102],"
    "PARAMETER[\"scale_factor\",1],PARAMETER[\"false_easting\",34500000],"
    "PARAMETER[\"false_northing\",0],UNIT[\"metre\",1,AUTHORITY[\"EPSG\",\"9001\"]],"
    "AUTHORITY[\"EPSG\",\"4522\"]]";

static char dir[64];

/* Entries in dir other than . and .. (to prove no temporary file is left). */
static int dir_entries(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* Run a shell command, capture its stdout (up to cap bytes) and return its exit status. */
static int run(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = 0, r;
    char tmp[4096];
    while ((r = fread(tmp, 1, sizeof tmp, p)) > 0) {
        if (out && n + 1 < cap) {
            size_t k = r < cap - 1 - n ? r : cap - 1 - n;
            memcpy(out + n, tmp, k);
            n += k;
        }
    }
    if (out)
        out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const sv__gpkg_column cols[] = {
    {"name", SV__GPKG_TEXT},  {"n", SV__GPKG_INTEGER},   {"v", SV__GPKG_REAL},
    {"ok", SV__GPKG_BOOLEAN}, {"at", SV__GPKG_DATETIME}, {"名称", SV__GPKG_TEXT},
};
#define NCOLS (sizeof cols / sizeof cols[0])

static void set_attrs(sv__gpkg_layer *l, const char *name, int64_t n, double v)
{
    sv__gpkg_set_text(l, 0, name);
    sv__gpkg_set_int(l, 1, n);
    sv__gpkg_set_real(l, 2, v);
    sv__gpkg_set_int(l, 3, n % 2);
    sv__gpkg_set_text(l, 4, "2024-05-01T08:30:00.000Z");
    sv__gpkg_set_text(l, 5, name);
}

static void write_sample(const char *path)
{
    sv__gpkg *g = NULL;
    sv_diag diag = {{0}};
    CHECK_INT(sv__gpkg_create(path, &g, &diag), SV_OK);
    if (!g)
        return;
    CHECK_INT(sv__gpkg_add_srs(g, 4490, "CGCS2000", "EPSG", 4490, WKT_4490, "中国2000"), SV_OK);
    CHECK_INT(sv__gpkg_add_srs(g, 4490, "CGCS2000", "EPSG", 4490, WKT_4490, NULL), SV_OK);
    CHECK_INT(sv__gpkg_add_srs(g, 4522, "CGCS2000 / 3-degree Gauss-Kruger zone 34", "EPSG", 4522,
                               WKT_4522, NULL),
              SV_OK);
    CHECK_INT(sv__gpkg_add_srs(g, 9999, "x", "EPSG", 9999, NULL, NULL), SV_EINVAL);

    sv__gpkg_layer *pts = NULL, *lines = NULL, *polys = NULL, *mpolys = NULL, *zone = NULL;
    CHECK_INT(sv__gpkg_add_layer(g, "points", "界址点", SV__GPKG_POINT, 4490, cols, NCOLS, &pts),
              SV_OK);
    CHECK_INT(sv__gpkg_add_layer(g, "lines", NULL, SV__GPKG_LINESTRING, 4490, cols, NCOLS, &lines),
              SV_OK);
    CHECK_INT(sv__gpkg_add_layer(g, "polygons", "", SV__GPKG_POLYGON, 4490, cols, NCOLS, &polys),
              SV_OK);
    CHECK_INT(sv__gpkg_add_layer(g, "单元", "登记单元", SV__GPKG_MULTIPOLYGON, 4490, cols, NCOLS,
                                 &mpolys),
              SV_OK);
    CHECK_INT(sv__gpkg_add_layer(g, "points_4522", NULL, SV__GPKG_POINT, 4522, cols, NCOLS, &zone),
              SV_OK);
    sv__gpkg_layer *bad = NULL;
    static const sv__gpkg_column badcols[] = {{"geom", SV__GPKG_TEXT}};
    CHECK_INT(sv__gpkg_add_layer(g, "bad", NULL, SV__GPKG_POINT, 4490, badcols, 1, &bad),
              SV_EINVAL);
    CHECK(bad == NULL);
    if (!pts || !lines || !polys || !mpolys || !zone) {
        sv__gpkg_abort(g);
        return;
    }

    /* Points: x is longitude. */
    double p1[2] = {103.25, 35.55};
    sv__gpkg_geom gp = {.type = SV__GPKG_POINT, .n_pts = 1, .xy = p1};
    set_attrs(pts, "南龙山森林公园 J1", 1, 0.012);
    CHECK_INT(sv__gpkg_insert(pts, &gp), SV_OK);
    double p2[2] = {103.26, 35.56};
    gp.xy = p2;
    set_attrs(pts, "J2, \"quoted\" 'x'", 2, NAN);
    CHECK_INT(sv__gpkg_insert(pts, &gp), SV_OK);
    sv__gpkg_geom empty_pt = {.type = SV__GPKG_POINT, .n_pts = 0};
    set_attrs(pts, "empty", 3, 1.5);
    CHECK_INT(sv__gpkg_insert(pts, &empty_pt), SV_OK);
    set_attrs(pts, NULL, 4, 1.5);
    CHECK_INT(sv__gpkg_insert(pts, NULL), SV_OK);
    /* Refused: NaN coordinate, wrong type. Nothing is inserted. */
    double pnan[2] = {NAN, 35.0};
    gp.xy = pnan;
    CHECK_INT(sv__gpkg_insert(pts, &gp), SV_EGEOM);
    CHECK(strstr(sv__gpkg_errmsg(g), "points") != NULL);
    sv__gpkg_geom wrong = {.type = SV__GPKG_LINESTRING, .n_pts = 2, .xy = (double[]){1, 2, 3, 4}};
    CHECK_INT(sv__gpkg_insert(pts, &wrong), SV_EGEOM);
    CHECK_INT(sv__gpkg_count(pts), 4);

    /* Line. */
    double l1[6] = {103.25, 35.55, 103.26, 35.56, 103.27, 35.55};
    sv__gpkg_geom gl = {.type = SV__GPKG_LINESTRING, .n_pts = 3, .xy = l1};
    set_attrs(lines, "界址线 J1-J2", 1, 10.0);
    CHECK_INT(sv__gpkg_insert(lines, &gl), SV_OK);
    sv__gpkg_geom one = {.type = SV__GPKG_LINESTRING, .n_pts = 1, .xy = l1};
    CHECK_INT(sv__gpkg_insert(lines, &one), SV_EGEOM);

    /* Polygon with a hole. */
    double shell_hole[] = {103.23, 35.55,  103.255, 35.548, 103.261, 35.565, 103.23, 35.55,
                           103.24, 35.555, 103.245, 35.556, 103.242, 35.558, 103.24, 35.555};
    size_t rp[2] = {4, 4};
    sv__gpkg_geom gpoly = {
        .type = SV__GPKG_POLYGON, .n_rings = 2, .ring_pts = rp, .n_pts = 8, .xy = shell_hole};
    set_attrs(polys, "走测范围", 1, 1234.5);
    CHECK_INT(sv__gpkg_insert(polys, &gpoly), SV_OK);
    sv__gpkg_geom empty_poly = {.type = SV__GPKG_POLYGON};
    set_attrs(polys, "empty", 2, 0);
    CHECK_INT(sv__gpkg_insert(polys, &empty_poly), SV_OK);
    /* An unclosed ring is refused. */
    double open_ring[] = {0, 0, 1, 0, 1, 1, 0, 1};
    size_t rp4[1] = {4};
    sv__gpkg_geom gopen = {
        .type = SV__GPKG_POLYGON, .n_rings = 1, .ring_pts = rp4, .n_pts = 4, .xy = open_ring};
    CHECK_INT(sv__gpkg_insert(polys, &gopen), SV_EGEOM);
    CHECK(strstr(sv__gpkg_errmsg(g), "not closed") != NULL);

    /* MultiPolygon: two parts, the first with a hole. */
    double mp[] = {103.35,  35.38,  103.362, 35.381,  103.36,  35.39,  103.35,  35.38,
                   103.352, 35.382, 103.356, 35.3825, 103.355, 35.385, 103.352, 35.382,
                   103.37,  35.38,  103.376, 35.3805, 103.375, 35.385, 103.37,  35.38};
    size_t parts[2] = {2, 1};
    size_t mrp[3] = {4, 4, 4};
    sv__gpkg_geom gmp = {.type = SV__GPKG_MULTIPOLYGON,
                         .n_parts = 2,
                         .part_rings = parts,
                         .n_rings = 3,
                         .ring_pts = mrp,
                         .n_pts = 12,
                         .xy = mp};
    set_attrs(mpolys, "和政县松鸣镇草原", 31, 5.3e6);
    CHECK_INT(sv__gpkg_insert(mpolys, &gmp), SV_OK);
    size_t badparts[2] = {2, 2};
    gmp.part_rings = badparts;
    CHECK_INT(sv__gpkg_insert(mpolys, &gmp), SV_EGEOM);

    /* Plane point: x is the easting with the zone prefix, y the northing. */
    double pz[2] = {34613245.123, 3935678.456};
    sv__gpkg_geom gz = {.type = SV__GPKG_POINT, .n_pts = 1, .xy = pz};
    set_attrs(zone, "J1", 1, 0.0);
    CHECK_INT(sv__gpkg_insert(zone, &gz), SV_OK);

    int rc = sv__gpkg_finish(g, &diag);
    if (rc != SV_OK)
        fprintf(stderr, "finish: %s\n", diag.msg);
    CHECK_INT(rc, SV_OK);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double led(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

static void check_file(const char *path)
{
    /* The SQLite header: application_id at 68 and user_version at 60, big-endian. */
    unsigned char h[100];
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_INT(fread(h, 1, sizeof h, f), 100);
    fclose(f);
    CHECK(memcmp(h, "SQLite format 3", 16) == 0);
    CHECK(memcmp(h + 68, "GPKG", 4) == 0);
    CHECK_INT((uint32_t)h[60] << 24 | (uint32_t)h[61] << 16 | (uint32_t)h[62] << 8 | h[63], 10200);

    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;

    /* Point blob: GP, version 0, flags little-endian without envelope, srs 4490, WKB point
     * with x = longitude. */
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "SELECT geom, name, \"名称\", v, ok, at FROM points"
                                 " ORDER BY fid",
                                 -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *b = sqlite3_column_blob(st, 0);
    int n = sqlite3_column_bytes(st, 0);
    CHECK_INT(n, 8 + 21);
    if (b && n == 29) {
        CHECK(b[0] == 'G' && b[1] == 'P' && b[2] == 0);
        CHECK_INT(b[3], 0x01);
        CHECK_INT(le32(b + 4), 4490);
        CHECK_INT(b[8], 1);
        CHECK_INT(le32(b + 9), 1);
        CHECK_NEAR(led(b + 13), 103.25, 0);
        CHECK_NEAR(led(b + 21), 35.55, 0);
    }
    CHECK_STR((const char *)sqlite3_column_text(st, 1), "南龙山森林公园 J1");
    CHECK_STR((const char *)sqlite3_column_text(st, 2), "南龙山森林公园 J1");
    CHECK_NEAR(sqlite3_column_double(st, 3), 0.012, 0);
    CHECK_INT(sqlite3_column_int(st, 4), 1);
    CHECK_STR((const char *)sqlite3_column_text(st, 5), "2024-05-01T08:30:00.000Z");
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_type(st, 3), SQLITE_NULL); /* NaN stored as NULL */
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);            /* an empty point is stored as NULL */
    CHECK_INT(sqlite3_column_type(st, 0), SQLITE_NULL);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW); /* no geometry at all */
    CHECK_INT(sqlite3_column_type(st, 0), SQLITE_NULL);
    CHECK_INT(sqlite3_column_type(st, 1), SQLITE_NULL);
    CHECK_INT(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);

    /* Polygon blob: envelope [minx, maxx, miny, maxy] follows the srs id. */
    CHECK_INT(sqlite3_prepare_v2(db, "SELECT geom FROM polygons WHERE fid = 1", -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    b = sqlite3_column_blob(st, 0);
    n = sqlite3_column_bytes(st, 0);
    CHECK_INT(n, 8 + 32 + 9 + 2 * 4 + 8 * 16);
    if (b && n >= 45) {
        CHECK_INT(b[3], 0x03);
        CHECK_NEAR(led(b + 8), 103.23, 0);
        CHECK_NEAR(led(b + 16), 103.261, 0);
        CHECK_NEAR(led(b + 24), 35.548, 0);
        CHECK_NEAR(led(b + 32), 35.565, 0);
        CHECK_INT(le32(b + 41), 3);
        CHECK_INT(le32(b + 45), 2);
    }
    sqlite3_finalize(st);

    /* Extents and registration. */
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "SELECT min_x, max_x, min_y, max_y, srs_id FROM"
                                 " gpkg_contents WHERE table_name = 'points_4522'",
                                 -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_NEAR(sqlite3_column_double(st, 0), 34613245.123, 0);
    CHECK_NEAR(sqlite3_column_double(st, 2), 3935678.456, 0);
    CHECK_INT(sqlite3_column_int(st, 4), 4522);
    sqlite3_finalize(st);
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "SELECT count(*) FROM gpkg_contents c JOIN"
                                 " gpkg_geometry_columns g USING (table_name)",
                                 -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 5);
    sqlite3_finalize(st);
    CHECK_INT(sqlite3_prepare_v2(db, "SELECT count(*) FROM \"rtree_points_geom\"", -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 2); /* empty and NULL geometries are not indexed */
    sqlite3_finalize(st);
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "SELECT rtreecheck('rtree_points_geom'),"
                                 " rtreecheck('rtree_lines_geom'),"
                                 " rtreecheck('rtree_polygons_geom'),"
                                 " rtreecheck('rtree_单元_geom'),"
                                 " rtreecheck('rtree_points_4522_geom')",
                                 -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    for (int i = 0; i < 5; i++)
        CHECK_STR((const char *)sqlite3_column_text(st, i), "ok");
    sqlite3_finalize(st);
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id IN"
                                 " (-1, 0, 4326, 4490, 4522)",
                                 -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 5);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void check_with_gdal(const char *path)
{
    char cmd[1024], out[65536];
    char validator[512] = "";
    FILE *p = popen("dpkg -L python3-gdal 2>/dev/null | grep 'samples/validate_gpkg.py$'", "r");
    if (p) {
        if (fgets(validator, sizeof validator, p))
            validator[strcspn(validator, "\n")] = '\0';
        pclose(p);
    }
    CHECK(validator[0] != '\0');
    if (validator[0]) {
        /* python3 on PATH may be a pyenv without GDAL bindings: use the system one. */
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s 2>&1", validator, path);
        int rc = run(cmd, out, sizeof out);
        if (rc != 0)
            fprintf(stderr, "validate_gpkg.py: %s\n", out);
        CHECK_INT(rc, 0);
        /* The stricter content checks too (column types against values, DATETIME form). */
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s --extra --warning-as-error -k %s 2>&1",
                 validator, path);
        rc = run(cmd, out, sizeof out);
        if (rc != 0)
            fprintf(stderr, "validate_gpkg.py --extra: %s\n", out);
        CHECK_INT(rc, 0);
    }

    snprintf(cmd, sizeof cmd, "ogrinfo -ro -al -so %s 2>&1", path);
    int rc = run(cmd, out, sizeof out);
    CHECK_INT(rc, 0);
    CHECK(strstr(out, "Layer name: points\n") != NULL);
    CHECK(strstr(out, "Layer name: 单元\n") != NULL);
    CHECK(strstr(out, "Geometry: Multi Polygon") != NULL);
    CHECK(strstr(out, "Geometry: Line String") != NULL);
    CHECK(strstr(out, "Feature Count: 4\n") != NULL);
    CHECK(strstr(out, "Gauss-Kruger zone 34") != NULL);
    if (rc != 0 || strstr(out, "ERROR") || strstr(out, "Warning"))
        fprintf(stderr, "ogrinfo: %s\n", out);
    CHECK(strstr(out, "ERROR") == NULL);

    /* GDAL must read coordinates back in the order we meant: longitude first, and the zone
     * easting first; and the UTF-8 attributes unchanged. */
    snprintf(cmd, sizeof cmd, "ogrinfo -ro -q %s points points_4522 2>&1", path);
    rc = run(cmd, out, sizeof out);
    CHECK_INT(rc, 0);
    CHECK(strstr(out, "POINT (103.25 35.55)") != NULL);
    CHECK(strstr(out, "POINT (34613245.123 3935678.456)") != NULL);
    CHECK(strstr(out, "南龙山森林公园 J1") != NULL);
    CHECK(strstr(out, "J2, \"quoted\" 'x'") != NULL);
    snprintf(cmd, sizeof cmd, "ogrinfo -ro -q %s 单元 polygons 2>&1", path);
    rc = run(cmd, out, sizeof out);
    CHECK_INT(rc, 0);
    CHECK(strstr(out, "MULTIPOLYGON (((103.35 35.38,103.362 35.381,") != NULL);
    CHECK(strstr(out, "和政县松鸣镇草原") != NULL);
    if (!strstr(out, "MULTIPOLYGON (((103.35"))
        fprintf(stderr, "ogrinfo: %s\n", out);
}

static void check_atomic(void)
{
    char path[128], cmd[256];
    sv_diag diag = {{0}};
    sv__gpkg *g = NULL;

    /* An abandoned write leaves nothing behind. */
    snprintf(path, sizeof path, "%s/abandoned.gpkg", dir);
    int before = dir_entries();
    CHECK_INT(sv__gpkg_create(path, &g, &diag), SV_OK);
    CHECK_INT(dir_entries(), before + 1); /* the temporary file, not the target */
    CHECK(access(path, F_OK) != 0);
    sv__gpkg_abort(g);
    sv__gpkg_abort(NULL);
    CHECK_INT(dir_entries(), before);

    /* An existing file is untouched until the new one is complete. */
    snprintf(path, sizeof path, "%s/existing.gpkg", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("old", f);
        fclose(f);
    }
    CHECK_INT(sv__gpkg_create(path, &g, &diag), SV_OK);
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && sb.st_size == 3);
    sv__gpkg_abort(g);
    CHECK(stat(path, &sb) == 0 && sb.st_size == 3);
    CHECK_INT(sv__gpkg_create(path, &g, &diag), SV_OK);
    sv__gpkg_layer *l = NULL;
    CHECK_INT(sv__gpkg_add_layer(g, "nothing", NULL, SV__GPKG_POLYGON, 4326, cols, NCOLS, &l),
              SV_OK);
    CHECK_INT(sv__gpkg_finish(g, &diag), SV_OK);
    CHECK(stat(path, &sb) == 0 && sb.st_size > 3);
    /* A layer without features still opens (GDAL refuses a GeoPackage with no layer at all
     * in read-only mode, so the export always creates its layers). */
    char out[4096];
    snprintf(cmd, sizeof cmd, "ogrinfo -ro -so -al %s 2>&1", path);
    CHECK_INT(run(cmd, out, sizeof out), 0);
    CHECK(strstr(out, "Feature Count: 0") != NULL);

    /* A directory that does not exist: SV_EIO naming the path, nothing created. */
    snprintf(path, sizeof path, "%s/no/such/dir/x.gpkg", dir);
    diag.msg[0] = '\0';
    g = (sv__gpkg *)1;
    CHECK_INT(sv__gpkg_create(path, &g, &diag), SV_EIO);
    CHECK(g == NULL);
    CHECK(strstr(diag.msg, path) != NULL);

    /* A layer in an SRS nobody added is refused (foreign keys are on). */
    snprintf(path, sizeof path, "%s/badsrs.gpkg", dir);
    CHECK_INT(sv__gpkg_create(path, &g, &diag), SV_OK);
    CHECK(sv__gpkg_add_layer(g, "x", NULL, SV__GPKG_POINT, 12345, cols, NCOLS, &l) != SV_OK);
    sv__gpkg_abort(g);
    CHECK(access(path, F_OK) != 0);
}

/*
 * The bulk-loaded R-tree must be one SQLite accepts as its own: rtreecheck() walks it, a
 * window query must find exactly the features whose points fall in the window (compared with
 * a plain scan of the table), and the tree must keep working under edits through the virtual
 * table (delete half, insert some, check again).
 */
static void check_rtree(const char *path, const char *table, int expect)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char sql[512];
    CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql,
             "SELECT rtreecheck('rtree_%s_geom'), (SELECT count(*) FROM"
             " rtree_%s_geom)",
             table, table);
    CHECK_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "ok");
    CHECK_INT(sqlite3_column_int(st, 1), expect);
    sqlite3_finalize(st);
    /* Window query through the index against the same window on the blobs themselves
     * (x at byte 13, y at byte 21 of a point blob without envelope). */
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM rtree_%s_geom WHERE minx >= 103.05 AND"
             " maxx <= 103.1 AND miny >= 35.0 AND maxy <= 36),"
             " (SELECT count(*) FROM %s WHERE fid IN (SELECT id FROM rtree_%s_geom WHERE"
             " maxx >= 103.05 AND minx <= 103.1 AND maxy >= 35.0 AND miny <= 36))",
             table, table, table);
    CHECK_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    /* Points 103.0 + i * 1e-5 for i in [5000, 10000]; float rounding may move the edges
     * by one point on either side. */
    int inside = sqlite3_column_int(st, 0), touching = sqlite3_column_int(st, 1);
    CHECK(inside >= 4999 && inside <= 5001);
    CHECK(touching >= inside && touching <= inside + 2);
    sqlite3_finalize(st);
    snprintf(sql, sizeof sql,
             "BEGIN; DELETE FROM rtree_%s_geom WHERE id %% 2 = 0;"
             " INSERT INTO rtree_%s_geom VALUES (1000001, 1, 2, 3, 4);"
             " INSERT INTO rtree_%s_geom VALUES (1000002, 100, 200, 30, 40); COMMIT;",
             table, table, table);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql,
             "SELECT rtreecheck('rtree_%s_geom'), (SELECT count(*) FROM"
             " rtree_%s_geom), (SELECT id FROM rtree_%s_geom WHERE minx < 1.5 AND maxx > 1.5)",
             table, table, table);
    CHECK_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "ok");
    CHECK_INT(sqlite3_column_int(st, 1), expect - expect / 2 + 2);
    CHECK_INT(sqlite3_column_int(st, 2), 1000001);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Many features: the writer must stay cheap per row (the export bench measures the rest). */
static void check_many(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/many.gpkg", dir);
    sv__gpkg *g = NULL;
    sv_diag diag = {{0}};
    CHECK_INT(sv__gpkg_create(path, &g, &diag), SV_OK);
    if (!g)
        return;
    sv__gpkg_layer *l = NULL;
    CHECK_INT(sv__gpkg_add_srs(g, 4490, "CGCS2000", "EPSG", 4490, WKT_4490, NULL), SV_OK);
    CHECK_INT(sv__gpkg_add_layer(g, "many", NULL, SV__GPKG_POINT, 4490, cols, NCOLS, &l), SV_OK);
    int ok = 1;
    for (int i = 0; l && i < 20000 && ok; i++) {
        double xy[2] = {103.0 + i * 1e-5, 35.0 + i * 1e-5};
        sv__gpkg_geom gp = {.type = SV__GPKG_POINT, .n_pts = 1, .xy = xy};
        char name[32];
        snprintf(name, sizeof name, "J%d", i + 1);
        set_attrs(l, name, i, i * 0.5);
        ok = sv__gpkg_insert(l, &gp) == SV_OK;
    }
    CHECK(ok);
    CHECK_INT(sv__gpkg_count(l), 20000);
    CHECK_INT(sv__gpkg_finish(g, &diag), SV_OK);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "SELECT (SELECT count(*) FROM many),"
                                 " (SELECT count(*) FROM rtree_many_geom), max_x FROM"
                                 " gpkg_contents WHERE table_name = 'many'",
                                 -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 20000);
    CHECK_INT(sqlite3_column_int(st, 1), 20000);
    CHECK_NEAR(sqlite3_column_double(st, 2), 103.0 + 19999 * 1e-5, 1e-12);
    sqlite3_finalize(st);
    sqlite3_close(db);
    check_rtree(path, "many", 20000);
}

/*
 * Features are written in batches (multi-row INSERTs, see gpkg.c): two layers filled in turn,
 * neither a multiple of the batch; rows without attributes among rows with them; texts of
 * every length up to 300 bytes (the arena grows inside a batch); a number that stays the same
 * across batches and then changes (the writer does not bind it again while it is the same);
 * a refused feature in the middle of a batch; features without geometry, so the fids in the
 * R-tree have gaps. Everything must read back exactly, fids 1..n in insert order, and the
 * R-tree must hold each feature with geometry under its own fid.
 */
static const char *long_name(int i, char *buf)
{
    int len = i % 300;
    for (int k = 0; k < len; k++)
        buf[k] = (char)('a' + (i + k) % 26);
    buf[len] = '\0';
    return buf;
}

static int has_geom(int i)
{
    return i % 3 != 1 && i % 7 != 3;
}

static void check_batches(void)
{
    enum { NA = 1000, NB = 333 };
    char path[128], name[320];
    snprintf(path, sizeof path, "%s/batches.gpkg", dir);
    sv__gpkg *g = NULL;
    sv_diag diag = {{0}};
    CHECK_INT(sv__gpkg_create(path, &g, &diag), SV_OK);
    if (!g)
        return;
    sv__gpkg_layer *a = NULL, *b = NULL;
    CHECK_INT(sv__gpkg_add_srs(g, 4490, "CGCS2000", "EPSG", 4490, WKT_4490, NULL), SV_OK);
    CHECK_INT(sv__gpkg_add_layer(g, "a", NULL, SV__GPKG_POINT, 4490, cols, NCOLS, &a), SV_OK);
    CHECK_INT(sv__gpkg_add_layer(g, "b", NULL, SV__GPKG_LINESTRING, 4490, cols, 2, &b), SV_OK);
    if (!a || !b) {
        sv__gpkg_abort(g);
        return;
    }
    int ok = 1;
    for (int i = 0; i < NA; i++) {
        double xy[2] = {103.0 + i * 1e-4, 35.0 + (i % 50) * 1e-3};
        sv__gpkg_geom gp = {.type = SV__GPKG_POINT, .n_pts = i % 7 == 3 ? 0 : 1, .xy = xy};
        if (i == 100) {
            /* Refused mid-batch: nothing inserted, its values gone, no fid used. */
            sv__gpkg_set_text(a, 0, "refused");
            sv__gpkg_set_int(a, 1, -1);
            double bad[2] = {NAN, 35.0};
            sv__gpkg_geom gbad = {.type = SV__GPKG_POINT, .n_pts = 1, .xy = bad};
            ok &= sv__gpkg_insert(a, &gbad) == SV_EGEOM;
        }
        if (i % 5 != 0) {
            sv__gpkg_set_text(a, 0, long_name(i, name));
            sv__gpkg_set_int(a, 1, i / 40); /* the same for 40 rows, across batches */
            sv__gpkg_set_real(a, 2, i % 4 == 0 ? NAN : i * 0.5);
            sv__gpkg_set_int(a, 3, i % 2);
            sv__gpkg_set_text(a, 4, "2024-05-01T08:30:00.000Z");
            sv__gpkg_set_text(a, 5, i % 2 ? "单元" : NULL);
        }
        ok &= sv__gpkg_insert(a, i % 3 == 1 ? NULL : &gp) == SV_OK;
        if (i % 3 == 0 && i / 3 < NB) {
            double l2[4] = {103.0, 35.0, 103.0 + i * 1e-4, 35.001};
            sv__gpkg_geom gl = {.type = SV__GPKG_LINESTRING, .n_pts = 2, .xy = l2};
            sv__gpkg_set_text(b, 0, i % 2 ? "odd" : "even");
            sv__gpkg_set_int(b, 1, i);
            sv__gpkg_set_int(b, 7, 99); /* out of range: ignored */
            ok &= sv__gpkg_insert(b, &gl) == SV_OK;
        }
    }
    CHECK(ok);
    CHECK_INT(sv__gpkg_count(a), NA);
    CHECK_INT(sv__gpkg_count(b), NB);
    int rc = sv__gpkg_finish(g, &diag);
    if (rc != SV_OK)
        fprintf(stderr, "finish: %s\n", diag.msg);
    CHECK_INT(rc, SV_OK);

    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "SELECT fid, geom, name, n, v, ok, at, \"名称\" FROM a"
                                 " ORDER BY fid",
                                 -1, &st, NULL),
              SQLITE_OK);
    int rows = 0, right = 0, with_geom = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int i = rows++;
        int good = sqlite3_column_int(st, 0) == i + 1;
        const unsigned char *blob = sqlite3_column_blob(st, 1);
        if (has_geom(i)) {
            with_geom++;
            good = good && blob && sqlite3_column_bytes(st, 1) == 29 &&
                   led(blob + 13) == 103.0 + i * 1e-4 && led(blob + 21) == 35.0 + (i % 50) * 1e-3;
        } else {
            good = good && sqlite3_column_type(st, 1) == SQLITE_NULL;
        }
        if (i % 5 == 0) {
            for (int c = 2; c < 8; c++)
                good = good && sqlite3_column_type(st, c) == SQLITE_NULL;
        } else {
            const char *nm = (const char *)sqlite3_column_text(st, 2);
            good = good && nm && strcmp(nm, long_name(i, name)) == 0 &&
                   sqlite3_column_int(st, 3) == i / 40 && sqlite3_column_int(st, 5) == i % 2;
            if (i % 4 == 0)
                good = good && sqlite3_column_type(st, 4) == SQLITE_NULL;
            else
                good = good && sqlite3_column_double(st, 4) == i * 0.5;
            const char *cn = (const char *)sqlite3_column_text(st, 7);
            good = good && (i % 2 ? cn && strcmp(cn, "单元") == 0 : cn == NULL);
        }
        if (good)
            right++;
        else if (rows - right <= 3)
            fprintf(stderr, "batches: row %d read back wrong\n", i);
    }
    sqlite3_finalize(st);
    CHECK_INT(rows, NA);
    CHECK_INT(right, NA);
    CHECK(with_geom > 0 && with_geom < NA);

    /* Layer b (two columns; the one out of range was ignored): its own fids and values. */
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "SELECT count(*), min(fid), max(fid), sum(n = (fid - 1) * 3),"
                                 " sum(name = CASE WHEN n % 2 THEN 'odd' ELSE 'even' END)"
                                 " FROM b",
                                 -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    for (int c = 0; c < 5; c++)
        CHECK_INT(sqlite3_column_int(st, c), c == 1 ? 1 : NB);
    sqlite3_finalize(st);

    /* The R-tree: each feature with a geometry, under its own fid, with its own box. */
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "SELECT rtreecheck('rtree_a_geom'), rtreecheck('rtree_b_geom'),"
                                 " (SELECT count(*) FROM rtree_a_geom),"
                                 " (SELECT count(*) FROM rtree_a_geom r JOIN a ON a.fid = r.id"
                                 "  WHERE a.geom IS NOT NULL"
                                 "  AND abs(r.minx - (103.0 + (r.id - 1) * 1e-4)) < 2e-5"
                                 "  AND abs(r.maxx - (103.0 + (r.id - 1) * 1e-4)) < 2e-5),"
                                 " (SELECT count(*) FROM rtree_a_geom_rowid r JOIN a ON"
                                 "  a.fid = r.rowid WHERE a.geom IS NOT NULL),"
                                 " (SELECT count(*) FROM rtree_b_geom)",
                                 -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "ok");
    CHECK_STR((const char *)sqlite3_column_text(st, 1), "ok");
    CHECK_INT(sqlite3_column_int(st, 2), with_geom);
    CHECK_INT(sqlite3_column_int(st, 3), with_geom);
    CHECK_INT(sqlite3_column_int(st, 4), with_geom);
    CHECK_INT(sqlite3_column_int(st, 5), NB);
    sqlite3_finalize(st);
    sqlite3_close(db);

    /* GDAL's validator and reader on rows written by the multi-row statements. */
    char validator[512] = "", cmd[1024], out[65536];
    FILE *p = popen("dpkg -L python3-gdal 2>/dev/null | grep 'samples/validate_gpkg.py$'", "r");
    if (p) {
        if (fgets(validator, sizeof validator, p))
            validator[strcspn(validator, "\n")] = '\0';
        pclose(p);
    }
    CHECK(validator[0] != '\0');
    if (validator[0]) {
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s --extra --warning-as-error -k %s 2>&1",
                 validator, path);
        rc = run(cmd, out, sizeof out);
        if (rc != 0)
            fprintf(stderr, "validate_gpkg.py --extra: %s\n", out);
        CHECK_INT(rc, 0);
    }
    snprintf(cmd, sizeof cmd, "ogrinfo -ro -q %s a -fid 1000 2>&1", path);
    CHECK_INT(run(cmd, out, sizeof out), 0);
    CHECK(strstr(out, "POINT (103.0999 35.049)") != NULL);
    CHECK(strstr(out, "单元") != NULL && strstr(out, "n (Integer64) = 24") != NULL);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/qj-test-gpkg-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/sample.gpkg", dir);
    write_sample(path);
    CHECK_INT(dir_entries(), 1); /* the GeoPackage, and no temporary file */
    check_file(path);
    check_with_gdal(path);
    check_atomic();
    check_many();
    check_batches();

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (check_failed == 0)
        (void)!system(cmd);
    else
        fprintf(stderr, "files kept in %s\n", dir);
    return check_finish();
}
