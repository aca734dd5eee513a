/*
 * bench_import.c - throughput of the task-package import (sv_tasks_read).
 *
 * Writes a 1,000,000-vertex GeoJSON FeatureCollection (100 units, each one simple
 * 10,000-vertex star-shaped ring near Linxia) into a fresh temporary directory (under
 * $BENCH_DIR, else $TMPDIR, else /tmp), times sv_tasks_read on it, and prints vertices per
 * second against the 500,000/s target. As a baseline measured in the same run on the same
 * bytes it times jansson's json_loadb alone (the parse without any validation), and gives the
 * ratio. When a geodesy handle can be made, the same units in EPSG:4522 (GK zone 34,
 * easting first) are timed as well.
 *
 * Figures go to stdout; it asserts nothing about time (machines differ). It must never
 * leave files behind or touch anything outside its own temporary directory.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "survey/tasks.h"

#define UNITS 100
#define VERTICES 10000 /* per ring, closing repeat not counted */
#define TARGET_VPS 500000.0
#define RUNS 3

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Unit u's ring: a star-shaped outline around its own centre (radius varies with the angle,
 * never reaching the centre), so it is simple however many vertices it has. projected: GK
 * zone 34 easting/northing in metres, else lon/lat degrees.
 */
static int write_file(const char *path, int projected)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "{\"type\":\"FeatureCollection\",");
    if (projected)
        fprintf(f, "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
                   "\"urn:ogc:def:crs:EPSG::4522\"}},");
    fprintf(f, "\"features\":[\n");
    for (int u = 0; u < UNITS; u++) {
        double cx, cy, r;
        if (projected) {
            cx = 34600000.0 + (u % 10) * 2000.0; /* easting with the zone prefix */
            cy = 3940000.0 + (u / 10) * 2000.0;
            r = 800.0;
        } else {
            cx = 103.10 + (u % 10) * 0.02;
            cy = 35.50 + (u / 10) * 0.02;
            r = 0.008;
        }
        fprintf(f,
                "%s{\"type\":\"Feature\",\"properties\":{\"ZRZYDJDYH\":\"622901CY%06d\","
                "\"DJDYMC\":\"基准单元%d\",\"DJDYLX\":\"草原\",\"SYQZT\":\"全民\"},"
                "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[",
                u ? ",\n" : "", u + 1, u + 1);
        for (int i = 0; i <= VERTICES; i++) {
            int k = i % VERTICES;
            double a = 2 * M_PI * k / VERTICES;
            double rr = r * (1 + 0.15 * sin(7 * a) + 0.05 * sin(113 * a));
            if (projected)
                fprintf(f, "%s[%.3f,%.3f]", i ? "," : "", cx + rr * cos(a), cy + rr * sin(a));
            else
                fprintf(f, "%s[%.9f,%.9f]", i ? "," : "", cx + rr * cos(a), cy + rr * sin(a));
        }
        fprintf(f, "]]}}");
    }
    fprintf(f, "\n]}\n");
    return fclose(f) == 0 ? 0 : -1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = buf ? (size_t)n : 0;
    return buf;
}

/* Best of RUNS: seconds for sv_tasks_read, or a negative value on failure. */
static double time_import(const char *path, sv_geo *g, size_t *vertices)
{
    double best = -1;
    for (int run = 0; run < RUNS; run++) {
        sv_task_set set;
        sv_diag d = {{0}};
        double t0 = now_s();
        int rc = sv_tasks_read(path, g, NULL, &set, &d);
        double t = now_s() - t0;
        if (rc != SV_OK) {
            printf("import failed: %s (%s)\n", sv_strerror(rc), d.msg);
            return -1;
        }
        *vertices = 0;
        for (size_t i = 0; i < set.n; i++)
            *vertices += set.units[i].draft.n_pts - set.units[i].draft.n_rings;
        sv_task_set_clear(&set);
        if (best < 0 || t < best)
            best = t;
    }
    return best;
}

/* Best of RUNS: read the file and json_loadb it (no validation, no conversion). */
static double time_baseline(const char *path)
{
    double best = -1;
    for (int run = 0; run < RUNS; run++) {
        double t0 = now_s();
        size_t len;
        char *buf = slurp(path, &len);
        json_error_t err;
        json_t *root = buf ? json_loadb(buf, len, 0, &err) : NULL;
        double t = now_s() - t0;
        free(buf);
        if (!root)
            return -1;
        json_decref(root);
        if (best < 0 || t < best)
            best = t;
    }
    return best;
}

static void report(const char *label, const char *path, sv_geo *g)
{
    size_t vertices = 0, bytes = 0;
    char *buf = slurp(path, &bytes);
    free(buf);
    double t = time_import(path, g, &vertices);
    double base = time_baseline(path);
    if (t <= 0 || base <= 0) {
        printf("%s: could not be timed\n", label);
        return;
    }
    double vps = (double)vertices / t;
    printf("%s: %zu vertices, %.1f MB\n", label, vertices, (double)bytes / 1e6);
    printf("  sv_tasks_read        %8.3f s  %10.0f vertices/s  %.2fx the %.0f/s target\n", t, vps,
           vps / TARGET_VPS, TARGET_VPS);
    printf("  baseline json_loadb  %8.3f s  %10.0f vertices/s  import takes %.2fx the baseline\n",
           base, (double)vertices / base, t / base);
}

int main(void)
{
    /* bench/run.sh names the project's own disk in BENCH_DIR; else the usual temp dir. */
    const char *tmp = getenv("BENCH_DIR");
    if (!tmp || !*tmp)
        tmp = getenv("TMPDIR");
    char dir[512], lonlat[600], plane[600];
    snprintf(dir, sizeof dir, "%s/qj-bench-import-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(lonlat, sizeof lonlat, "%s/units-4490.geojson", dir);
    snprintf(plane, sizeof plane, "%s/units-4522.geojson", dir);
    int status = 0;
    if (write_file(lonlat, 0) != 0 || write_file(plane, 1) != 0) {
        perror("writing the benchmark file");
        status = 1;
    } else {
        printf("bench_import: %d units x %d-vertex rings, best of %d runs\n", UNITS, VERTICES,
               RUNS);
        report("lon/lat (EPSG:4490)", lonlat, NULL);
        sv_geo *g = NULL;
        if (sv_geo_new(&g) == SV_OK)
            report("projected (EPSG:4522)", plane, g);
        else
            printf("projected (EPSG:4522): skipped, no geodesy handle\n");
        sv_geo_free(g);
    }
    unlink(lonlat);
    unlink(plane);
    rmdir(dir);
    return status;
}
