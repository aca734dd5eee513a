/*
 * test_basemap.c - the imagery files' tile arithmetic (app/basemap.c) without SDL, on real
 * SQLite files written here: a GeoPackage on Tianditu's `c` grid (EPSG:4490, origin lon -180
 * lat 90, levels numbered from 1, level n at 1.40625 / 2^n degrees a pixel, 2^n x 2^(n-1)
 * tiles), its levels written out of order; an MBTiles file (XYZ addressing over TMS rows); and
 * files that are not imagery.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basemap.h"
#include "check.h"

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, msg);
        CHECK(!"sql");
    }
    sqlite3_free(msg);
}

static void make_tianditu(const char *path, int with_tiles)
{
    sqlite3 *db;
    unlink(path);
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    exec(db, "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, "
             "organization TEXT, organization_coordsys_id INTEGER, definition TEXT);"
             "INSERT INTO gpkg_spatial_ref_sys VALUES ('CGCS2000', 4490, 'EPSG', 4490, '');"
             "CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, "
             "identifier TEXT, srs_id INTEGER);"
             "INSERT INTO gpkg_contents VALUES ('roads', 'features', 'roads', 4490);");
    if (with_tiles) {
        exec(db, "INSERT INTO gpkg_contents VALUES ('tdt_img_c', 'tiles', 'img_c', 4490);"
                 "CREATE TABLE gpkg_tile_matrix_set (table_name TEXT, srs_id INTEGER, min_x, "
                 "min_y, max_x, max_y);"
                 "INSERT INTO gpkg_tile_matrix_set VALUES ('tdt_img_c', 4490, -180, -90, 180, 90);"
                 "CREATE TABLE gpkg_tile_matrix (table_name TEXT, zoom_level INTEGER, "
                 "matrix_width INTEGER, matrix_height INTEGER, tile_width INTEGER, tile_height "
                 "INTEGER, pixel_x_size REAL, pixel_y_size REAL);"
                 "CREATE TABLE tdt_img_c (id INTEGER PRIMARY KEY, zoom_level INTEGER, "
                 "tile_column INTEGER, tile_row INTEGER, tile_data BLOB);"
                 "INSERT INTO tdt_img_c VALUES (1, 14, 12890, 2477, x'616263');");
        /* levels 18 down to 1, so the file's order is not the order of fineness */
        for (int n = 18; n >= 1; n--) {
            char sql[300];
            snprintf(sql, sizeof sql,
                     "INSERT INTO gpkg_tile_matrix VALUES ('tdt_img_c', %d, %lld, %lld, 256, 256, "
                     "%.17g, %.17g)",
                     n, 1LL << n, 1LL << (n - 1), 1.40625 / (double)(1LL << n),
                     1.40625 / (double)(1LL << n));
            exec(db, sql);
        }
    }
    sqlite3_close(db);
}

static void test_tianditu(const char *dir)
{
    char path[512], err[1200];
    snprintf(path, sizeof path, "%s/tdt.gpkg", dir);
    make_tianditu(path, 1);
    app_bm b;
    CHECK_INT(app_bm_open(path, &b, err, sizeof err), 0);
    CHECK_STR(b.crs, "EPSG:4490");
    CHECK_STR(b.table, "tdt_img_c");
    CHECK_INT(b.mbtiles, 0);
    CHECK_INT(b.nlv, 18);
    CHECK_INT(b.lv[0].zoom, 1); /* coarse to fine, whatever the file's order */
    CHECK_INT(b.lv[17].zoom, 18);
    CHECK_NEAR(b.lv[0].px, 0.703125, 1e-15);

    /* level 1: two tiles of 180 degrees, the east one from the prime meridian */
    double x0, y0, x1, y1;
    app_bm_tile_bounds(&b, 0, 1, 0, &x0, &y0, &x1, &y1);
    CHECK_NEAR(x0, 0, 1e-12);
    CHECK_NEAR(x1, 180, 1e-12);
    CHECK_NEAR(y0, -90, 1e-12);
    CHECK_NEAR(y1, 90, 1e-12);
    int64_t c0, r0, c1, r1;
    CHECK_INT(app_bm_tile_range(&b, 0, -180, -90, 180, 90, &c0, &r0, &c1, &r1), 2);

    /* level 14 (index 13): 360 / 2^14 degrees a tile; Linxia's tile */
    int li = app_bm_pick_level(&b, 1.40625 / 16384);
    CHECK_INT(b.lv[li].zoom, 14);
    CHECK_INT(b.lv[app_bm_pick_level(&b, 1.2 * 1.40625 / 16384)].zoom, 14);
    CHECK_INT(b.lv[app_bm_pick_level(&b, 2.0 * 1.40625 / 16384)].zoom, 13);
    CHECK_INT(b.lv[app_bm_pick_level(&b, 1e-9)].zoom, 18); /* past the finest: the finest */
    CHECK_INT(b.lv[app_bm_pick_level(&b, 10)].zoom, 1);
    CHECK_INT(app_bm_tile_range(&b, li, 103.245, 35.56, 103.2451, 35.5601, &c0, &r0, &c1, &r1), 1);
    CHECK_INT(c0, 12890); /* floor(283.245 / 0.02197265625) */
    CHECK_INT(r0, 2477);  /* floor(54.44 / 0.02197265625) */
    app_bm_tile_bounds(&b, li, 12890, 2477, &x0, &y0, &x1, &y1);
    CHECK(x0 <= 103.245 && 103.245 < x1 && y0 <= 35.56 && 35.56 < y1);
    CHECK_NEAR(x1 - x0, 360.0 / 16384, 1e-12);

    void *data;
    size_t n;
    CHECK_INT(app_bm_read_tile(&b, li, 12890, 2477, &data, &n, err, sizeof err), 1);
    CHECK(n == 3 && data && memcmp(data, "abc", 3) == 0);
    free(data);
    CHECK_INT(app_bm_read_tile(&b, li, 12891, 2477, &data, &n, err, sizeof err), 0);
    app_bm_close(&b);

    /* a GeoPackage with features only */
    make_tianditu(path, 0);
    CHECK_INT(app_bm_open(path, &b, err, sizeof err), -1);
    CHECK(strstr(err, "tdt.gpkg: no tiles table") != NULL);
}

static void test_mbtiles(const char *dir)
{
    char path[512], err[1200];
    snprintf(path, sizeof path, "%s/web.mbtiles", dir);
    unlink(path);
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    exec(db, "CREATE TABLE metadata (name TEXT, value TEXT);"
             "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
             "tile_data BLOB);"
             "INSERT INTO tiles VALUES (1, 0, 0, x'00');"
             "INSERT INTO tiles VALUES (2, 3, 0, x'7a32');"); /* TMS row 0: the bottom row */
    sqlite3_close(db);
    app_bm b;
    CHECK_INT(app_bm_open(path, &b, err, sizeof err), 0);
    CHECK_STR(b.crs, "EPSG:3857");
    CHECK_INT(b.mbtiles, 1);
    CHECK_INT(b.nlv, 2);
    CHECK_INT(b.lv[1].zoom, 2);
    void *data;
    size_t n;
    CHECK_INT(app_bm_read_tile(&b, 1, 3, 3, &data, &n, err, sizeof err), 1); /* XYZ row 3 */
    CHECK(n == 2 && data && memcmp(data, "z2", 2) == 0);
    free(data);
    CHECK_INT(app_bm_read_tile(&b, 1, 3, 0, &data, &n, err, sizeof err), 0);
    double x0, y0, x1, y1;
    app_bm_tile_bounds(&b, 1, 3, 3, &x0, &y0, &x1, &y1);
    CHECK_NEAR(x0, 20037508.342789244 / 2, 1e-6);
    CHECK_NEAR(x1, 20037508.342789244, 1e-6);
    CHECK_NEAR(y0, -20037508.342789244, 1e-6);
    CHECK_NEAR(y1, -20037508.342789244 / 2, 1e-6);
    app_bm_close(&b);
}

static void test_not_imagery(const char *dir)
{
    char path[512], err[1200];
    app_bm b;
    snprintf(path, sizeof path, "%s/notes.gpkg", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("not a database at all\n", f);
        fclose(f);
    }
    CHECK_INT(app_bm_open(path, &b, err, sizeof err), -1);
    CHECK(strstr(err, "notes.gpkg: not a GeoPackage or MBTiles file") != NULL);
    snprintf(path, sizeof path, "%s/missing.gpkg", dir);
    CHECK_INT(app_bm_open(path, &b, err, sizeof err), -1);
    CHECK(strstr(err, "missing.gpkg: cannot open") != NULL);
    /* SQLite, but neither */
    snprintf(path, sizeof path, "%s/other.db", dir);
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    exec(db, "CREATE TABLE t (a)");
    sqlite3_close(db);
    CHECK_INT(app_bm_open(path, &b, err, sizeof err), -1);
    CHECK(strstr(err, "other.db: not a GeoPackage or MBTiles file") != NULL);
}

int main(void)
{
    char dir[] = "/tmp/qj-basemap-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return check_finish();
    }
    test_tianditu(dir);
    test_mbtiles(dir);
    test_not_imagery(dir);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return check_finish();
}
