/*
 * bench_export.c - how long sv_export takes to write 100,000 boundary points as a GeoPackage.
 *
 * Builds a journal through the public API in a fresh temporary directory (under $BENCH_DIR,
 * else the current directory): 100 units near Linxia, half in Gauss-Krueger zone 34 and half
 * in zone 35, each with 1,000 averaged RTK boundary points with full GNSS quality, recorded in
 * one batch (sv_journal_begin, sv_record_point, sv_journal_commit). Then times sv_export to a
 * GeoPackage (best of 3) against the 1 s target, and the GeoJSON and CSV exports for scale.
 *
 * Baseline, measured in the same run on the same disk: the rows that GeoPackage holds (for
 * each point a row in boundary_points and one in its zone's layer, for each boundary line the
 * same), inserted into bare SQLite tables with a blob column of the same size and the same
 * number of attribute columns (all of them in EPSG:4490, the slim set in the zone layers; see
 * export.c), one transaction, prepared statements one row at a time, then made durable. The
 * ratio says what the export costs beyond what SQLite itself needs for those rows (reading
 * the state, projecting, encoding, the spatial index). For comparison with figures taken
 * before the zone layers were slimmed, the same baseline with full-width zone rows is printed
 * too.
 *
 * Prints figures; asserts nothing about time (machines differ). It must never leave files
 * behind or touch anything outside its own temporary directory.
 */
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "survey/export.h"
#include "survey/journal.h"

#define UNITS 100
#define PER_UNIT 1000
#define POINTS (UNITS * PER_UNIT)
#define TARGET_S 1.0
#define RUNS 3
/* Columns of the export's boundary_points and boundary_lines layers, and of their copies in
 * each zone (see export.c). */
#define POINT_COLS 44
#define LINE_COLS 10
#define ZONE_POINT_COLS 15
#define ZONE_LINE_COLS 6
#define POINT_BLOB 29 /* GeoPackage header without envelope + WKB point */
#define LINE_BLOB 81  /* header with envelope + WKB linestring of 2 points */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double unit_lon(int u)
{
    return (u < UNITS / 2 ? 103.10 : 104.55) + (u % 10) * 0.02;
}

static double unit_lat(int u)
{
    return 35.50 + ((u / 10) % 5) * 0.02;
}

#define SIDE 0.01

/* Point k of unit u: around the square clockwise from its top-left corner. */
static void ring_point(int u, int k, double *lat, double *lon)
{
    double x0 = unit_lon(u), y0 = unit_lat(u) + SIDE,
           t = (double)(k % (PER_UNIT / 4)) / (PER_UNIT / 4) * SIDE;
    switch (k / (PER_UNIT / 4)) {
    case 0:
        *lon = x0 + t, *lat = y0;
        break;
    case 1:
        *lon = x0 + SIDE, *lat = y0 - t;
        break;
    case 2:
        *lon = x0 + SIDE - t, *lat = y0 - SIDE;
        break;
    default:
        *lon = x0, *lat = y0 - SIDE + t;
        break;
    }
}

static int build(const char *path)
{
    sv_journal_opts o = {"bench", "基准组", 0, NAN};
    sv_journal *j = NULL;
    int rc = sv_journal_create(path, &o, &j);
    if (rc != SV_OK) {
        printf("create: %s: %s\n", sv_strerror(rc), j ? sv_journal_errmsg(j) : "");
        sv_journal_close(j);
        return rc;
    }
    double t0 = now_s();
    if ((rc = sv_journal_begin(j)) != SV_OK)
        goto out;
    for (int u = 0; u < UNITS && rc == SV_OK; u++) {
        sv_unit unit;
        memset(&unit, 0, sizeof unit);
        snprintf(unit.code, sizeof unit.code, "622901CY%06d", u + 1);
        snprintf(unit.type, sizeof unit.type, "草原");
        char name[64];
        snprintf(name, sizeof name, "基准单元%d", u + 1);
        unit.name = name;
        unit.location = "临夏州";
        unit.fields[SV_FIELD_OWNER] = "全民";
        unit.fields[SV_FIELD_REPRESENTATIVE] = "自然资源部";
        unit.central_meridian = NAN;
        unit.source = "bench_export";
        size_t part_rings = 1, ring_pts = 5;
        double x = unit_lon(u), y = unit_lat(u);
        double ll[10] = {x, y + SIDE, x + SIDE, y + SIDE, x + SIDE, y, x, y, x, y + SIDE};
        unit.draft = (sv_geom){1, &part_rings, 1, &ring_pts, 5, ll};
        rc = sv_record_unit(j, &unit, NULL);
        for (int k = 0; k < PER_UNIT && rc == SV_OK; k++) {
            sv_bpoint p;
            memset(&p, 0, sizeof p);
            snprintf(p.unit, sizeof p.unit, "%s", unit.code);
            snprintf(p.point_type, sizeof p.point_type, "measured");
            snprintf(p.marker, sizeof p.marker, "concrete-post");
            ring_point(u, k, &p.lat, &p.lon);
            p.h = 1900.0 + k * 0.01;
            p.q = sv_quality_unknown();
            p.q.grade = SV_GRADE_RTK_FIXED;
            p.q.mode = 3;
            p.q.status = 2;
            p.q.sats_used = 18;
            p.q.sats_seen = 31;
            p.q.hdop = 0.7, p.q.vdop = 1.1, p.q.pdop = 1.3;
            p.q.eph = 0.012, p.q.epv = 0.02, p.q.corr_age = 1.0;
            p.q.n = 10;
            p.q.duration_s = 10.2;
            p.q.sigma_e = 0.006, p.q.sigma_n = 0.007, p.q.sigma_u = 0.013;
            p.q.dropped = 0;
            snprintf(p.q.datum, sizeof p.q.datum, "CGCS2000");
            rc = sv_record_point(j, &p, NULL);
        }
    }
    if (rc == SV_OK)
        rc = sv_journal_commit(j);
    else
        sv_journal_rollback(j);
    printf("journal: %d units, %d points recorded in one batch in %.2f s\n", UNITS, POINTS,
           now_s() - t0);
out:
    if (rc != SV_OK)
        printf("build failed: %s: %s\n", sv_strerror(rc), sv_journal_errmsg(j));
    sv_journal_close(j);
    return rc;
}

/* Best of RUNS for one format; negative on failure. */
static double time_export(const char *jpath, sv_export_format fmt, const char *out,
                          sv_export_stats *st)
{
    sv_journal *j = NULL;
    sv_geo *g = NULL;
    double best = -1;
    if (sv_journal_open(jpath, SV_OPEN_READONLY, &j) != SV_OK || sv_geo_new(&g) != SV_OK) {
        printf("open failed: %s\n", j ? sv_journal_errmsg(j) : "");
        goto done;
    }
    for (int run = 0; run < RUNS; run++) {
        sv_diag d = {{0}};
        unlink(out);
        double t0 = now_s();
        int rc = sv_export(j, g, fmt, NULL, out, st, &d);
        double t = now_s() - t0;
        if (rc != SV_OK) {
            printf("export failed: %s (%s)\n", sv_strerror(rc), d.msg);
            best = -1;
            break;
        }
        if (best < 0 || t < best)
            best = t;
    }
done:
    sv_geo_free(g);
    sv_journal_close(j);
    return best;
}

static double file_mb(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (double)sb.st_size / 1e6 : 0;
}

/* The baseline: the same number of rows, of the same shape, into bare tables. full: the zone
 * rows as wide as the EPSG:4490 ones (the layout before the zone layers were slimmed). */
static double time_baseline(const char *path, size_t points, size_t lines, int full)
{
    double best = -1;
    unsigned char blob[LINE_BLOB];
    memset(blob, 0x42, sizeof blob);
    /* Tables p (points), l (lines) and their zone copies pz, lz. */
    static const char *const names[4] = {"p", "pz", "l", "lz"};
    const int ncols[4] = {POINT_COLS, full ? POINT_COLS : ZONE_POINT_COLS, LINE_COLS,
                          full ? LINE_COLS : ZONE_LINE_COLS};
    for (int run = 0; run < RUNS; run++) {
        unlink(path);
        sqlite3 *db = NULL;
        sqlite3_stmt *sts[4] = {NULL, NULL, NULL, NULL};
        char sql[4096];
        double t0 = now_s();
        if (sqlite3_open(path, &db) != SQLITE_OK)
            goto fail;
        sqlite3_exec(db, "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; BEGIN", NULL,
                     NULL, NULL);
        for (int t = 0; t < 4; t++) {
            int cols = ncols[t];
            int n = snprintf(sql, sizeof sql, "CREATE TABLE %s (fid INTEGER PRIMARY KEY, geom BLOB",
                             names[t]);
            for (int c = 0; c < cols; c++)
                n += snprintf(sql + n, sizeof sql - (size_t)n, ", c%d %s", c,
                              c < 4 ? "TEXT" : "REAL");
            snprintf(sql + n, sizeof sql - (size_t)n, ")");
            if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
                goto fail;
            n = snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (NULL, ?", names[t]);
            for (int c = 0; c < cols; c++)
                n += snprintf(sql + n, sizeof sql - (size_t)n, ", ?");
            snprintf(sql + n, sizeof sql - (size_t)n, ")");
            if (sqlite3_prepare_v2(db, sql, -1, &sts[t], NULL) != SQLITE_OK)
                goto fail;
        }
        for (int layer = 0; layer < 4; layer++) {
            int is_line = layer >= 2;
            sqlite3_stmt *st = sts[layer];
            size_t rows = is_line ? lines : points;
            int cols = ncols[layer];
            for (size_t i = 0; i < rows; i++) {
                char num[16];
                snprintf(num, sizeof num, "J%zu", i % PER_UNIT + 1);
                sqlite3_bind_blob(st, 1, blob, is_line ? LINE_BLOB : POINT_BLOB, SQLITE_STATIC);
                for (int c = 0; c < cols; c++) {
                    if (c == 0)
                        sqlite3_bind_text(st, 2, "622901CY000001", -1, SQLITE_STATIC);
                    else if (c < 4)
                        sqlite3_bind_text(st, 2 + c, num, -1, SQLITE_STATIC);
                    else
                        sqlite3_bind_double(st, 2 + c, 3936309.093 + (double)i + c);
                }
                if (sqlite3_step(st) != SQLITE_DONE)
                    goto fail;
                sqlite3_reset(st);
            }
        }
        for (int t = 0; t < 4; t++) {
            sqlite3_finalize(sts[t]);
            sts[t] = NULL;
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
        sqlite3_close(db);
        db = NULL;
        int fd = open(path, O_RDONLY);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
        double t = now_s() - t0;
        if (best < 0 || t < best)
            best = t;
        continue;
    fail:
        printf("baseline failed: %s\n", db ? sqlite3_errmsg(db) : "open");
        for (int k = 0; k < 4; k++)
            sqlite3_finalize(sts[k]);
        sqlite3_close(db);
        return -1;
    }
    return best;
}

int main(void)
{
    const char *base = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : ".";
    char dir[4096], jpath[4200], gpkg[4200], geojson[4200], csv[4200], bare[4200];
    snprintf(dir, sizeof dir, "%s/qj-bench-export-XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(jpath, sizeof jpath, "%s/j.db", dir);
    snprintf(gpkg, sizeof gpkg, "%s/x.gpkg", dir);
    snprintf(geojson, sizeof geojson, "%s/x.geojson", dir);
    snprintf(csv, sizeof csv, "%s/x.csv", dir);
    snprintf(bare, sizeof bare, "%s/bare.db", dir);
    int status = 1;
    if (build(jpath) != SV_OK)
        goto out;

    sv_export_stats st;
    double t = time_export(jpath, SV_EXPORT_GPKG, gpkg, &st);
    if (t < 0)
        goto out;
    printf("GeoPackage: %zu units, %zu points, %zu lines in EPSG:4490 and two GK zones "
           "(%.1f MB): %.3f s, %.2f x the %.0f s target\n",
           st.units, st.points, st.lines, file_mb(gpkg), t, t / TARGET_S, TARGET_S);
    double b = time_baseline(bare, st.points, st.lines, 0);
    if (b > 0)
        printf("baseline (the same %zu rows into bare SQLite tables, one transaction): %.3f s;"
               " export / baseline = %.2f\n",
               2 * (st.points + st.lines), b, t / b);
    double bf = time_baseline(bare, st.points, st.lines, 1);
    if (bf > 0)
        printf("baseline with full-width zone rows (the layout before the zone layers were"
               " slimmed): %.3f s\n",
               bf);
    double tj = time_export(jpath, SV_EXPORT_GEOJSON, geojson, &st);
    double tc = time_export(jpath, SV_EXPORT_CSV, csv, &st);
    if (tj >= 0 && tc >= 0)
        printf("for scale: GeoJSON %.3f s (%.1f MB), CSV %.3f s (%.1f MB)\n", tj, file_mb(geojson),
               tc, file_mb(csv));
    status = 0;
out:;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return status;
}
