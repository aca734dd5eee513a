/*
 * qj_gnss_replay.c - read fix epochs from a real gpsd through libsurvey's sv_gnss and say what
 * came out: one line per epoch and event (--lines), then a JSON summary as the last line.
 *
 * Used by tests/integration/test_gnss_replay.sh with gpsd fed by gpsfake. Public API only;
 * it must never link libgps directly or second-guess sv_gnss (what it prints is what the
 * `quejie record` command would get).
 *
 * Usage: qj_gnss_replay [--addr HOST:PORT] [--timeout S] [--idle S] [--lines]
 *                       [--after-loss N] [--losses K] [--poll-ms N]
 *                       [--accept GRADE] [--every M] [--max-speed V]
 *   --timeout S     give up after S seconds in all (default 60)
 *   --idle S        stop when no epoch came for S seconds after the first one (default 3),
 *                   or for 5 * S seconds from the start (a replay that never starts)
 *   --after-loss N  reconnection test: keep going through SV_ENORECEIVER and stop (exit 0)
 *                   once N epochs arrived after the first loss; exit 1 if that never happens.
 *   --losses K      keep going through SV_ENORECEIVER and stop (exit 0) at the K-th loss of
 *                   a connection that had delivered epochs; exit 1 on timeout before that.
 *                   Without either, a loss after the first epoch ends the run (gpsfake done).
 *   --poll-ms N     timeout for each sv_gnss_poll (default 200). 0 drives it the way an SDL
 *                   event loop would: wait on sv_gnss_fd() (50 ms at most), then poll with 0.
 *   --accept G      grade the walk and the verdict counts accept (default rtk-fixed)
 *   --every M, --max-speed V   walk options (defaults 2 m, 4 m/s)
 */
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "survey/capture.h"
#include "survey/gnss.h"

static const char *const const_names[SV_GNSS_NCONST] = {"gps",  "sbas",    "galileo", "beidou",
                                                        "qzss", "glonass", "other"};

static void usage(void)
{
    fprintf(stderr, "usage: qj_gnss_replay [--addr HOST:PORT] [--timeout S] [--idle S] "
                    "[--lines] [--after-loss N] [--losses K] [--poll-ms N]\n"
                    "                      [--accept GRADE] [--every M] [--max-speed V]\n");
    exit(2);
}

static void json_num(const char *key, double v, int comma)
{
    if (isfinite(v))
        printf("\"%s\":%.9f%s", key, v, comma ? "," : "");
    else
        printf("\"%s\":null%s", key, comma ? "," : "");
}

int main(int argc, char **argv)
{
    const char *addr = SV_GNSS_DEFAULT;
    double timeout_s = 60, idle_s = 3;
    int lines = 0, after_loss = -1, until_losses = -1, poll_ms = 200;
    sv_walk_opts wopts = sv_walk_defaults();

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = (i + 1 < argc) ? argv[i + 1] : NULL;
        if (strcmp(a, "--lines") == 0) {
            lines = 1;
            continue;
        }
        if (!val)
            usage();
        i++;
        if (strcmp(a, "--addr") == 0)
            addr = val;
        else if (strcmp(a, "--timeout") == 0)
            timeout_s = atof(val);
        else if (strcmp(a, "--idle") == 0)
            idle_s = atof(val);
        else if (strcmp(a, "--after-loss") == 0)
            after_loss = atoi(val);
        else if (strcmp(a, "--losses") == 0)
            until_losses = atoi(val);
        else if (strcmp(a, "--poll-ms") == 0)
            poll_ms = atoi(val);
        else if (strcmp(a, "--accept") == 0) {
            if (sv_grade_parse(val, &wopts.accept) != SV_OK)
                usage();
        } else if (strcmp(a, "--every") == 0)
            wopts.every_m = atof(val);
        else if (strcmp(a, "--max-speed") == 0)
            wopts.max_speed = atof(val);
        else
            usage();
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* the test script watches the output as it grows */

    sv_gnss *g = NULL;
    int rc = sv_gnss_open(addr, &g);
    if (rc != SV_OK) {
        fprintf(stderr, "qj_gnss_replay: %s: %s\n", addr, sv_strerror(rc));
        return 2;
    }

    int epochs = 0, fix_epochs = 0, no_time = 0, noreceiver = 0, format = 0, losses = 0;
    int after = 0, in_loss = 0, by_grade[5] = {0}, unique[5] = {0};
    int verdicts[SV_EPOCH_BAD + 1] = {0};
    int seen_max[SV_GNSS_NCONST] = {0}, used_max[SV_GNSS_NCONST] = {0};
    int vertices = 0, jumps = 0, with_sigma = 0, with_dop = 0;
    /* the horizontal error estimate: epochs by source, worst receiver (GST) one on RTK fixed */
    int herr_gst = 0, herr_gpsd = 0, herr_fixed_over = 0; /* over 5 cm on RTK fixed */
    int fixed_entries = 0, was_fixed = 0; /* epochs that are RTK fixed after one that was not */
    double herr_fixed_max = NAN;
    double first_lat = NAN, first_lon = NAN, last_lat = NAN, last_lon = NAN;
    double last_time = NAN;
    sv_walker walker;
    sv_walk_start(&walker, &wopts);

    /* --lines is read while the tool runs (tests wait for its epochs): a line at a time, not a
     * 4 KB buffer flushed at exit into a file */
    if (lines)
        setvbuf(stdout, NULL, _IOLBF, 0);
    const int through_losses = after_loss >= 0 || until_losses > 0;
    const int64_t start = sv_mono_ms();
    int64_t last_epoch_ms = 0;
    int ok = 1;
    for (;;) {
        int64_t now = sv_mono_ms();
        if (now - start > (int64_t)(timeout_s * 1000)) {
            if (through_losses)
                ok = 0;
            break;
        }
        if (!through_losses && epochs > 0 && now - last_epoch_ms > (int64_t)(idle_s * 1000))
            break;
        if (!through_losses && epochs == 0 && now - start > (int64_t)(5 * idle_s * 1000))
            break;
        sv_fix f;
        if (poll_ms <= 0) {
            struct pollfd pfd = {.fd = sv_gnss_fd(g), .events = POLLIN};
            poll(pfd.fd >= 0 ? &pfd : NULL, pfd.fd >= 0 ? 1 : 0, 50);
        }
        rc = sv_gnss_poll(g, poll_ms > 0 ? poll_ms : 0, &f);
        now = sv_mono_ms();
        if (rc == SV_ENORECEIVER) {
            noreceiver++;
            if (!in_loss) {
                in_loss = 1;
                if (epochs > 0)
                    losses++;
                if (lines)
                    printf("noreceiver %s\n", sv_gnss_errmsg(g));
            }
            if (!through_losses && epochs > 0)
                break;
            if (until_losses > 0 && losses >= until_losses)
                break;
            continue;
        }
        if (rc == SV_EFORMAT) {
            format++;
            if (lines)
                printf("format %s\n", sv_gnss_errmsg(g));
            continue;
        }
        if (rc != SV_OK)
            continue;
        if (in_loss && lines)
            printf("connected %d\n", sv_gnss_connected(g));
        in_loss = 0;
        epochs++;
        last_epoch_ms = now;
        if (losses > 0)
            after++;
        by_grade[f.grade]++;
        /* "Unique" counts each receiver epoch once, the way capture does. */
        int dup = isfinite(f.time) && isfinite(last_time) && fabs(f.time - last_time) < 1e-3;
        if (isfinite(f.time))
            last_time = f.time;
        if (!dup)
            unique[f.grade]++;
        sv_epoch_verdict v = sv_gate(&f, wopts.accept, now, walker.last_time);
        verdicts[v]++;
        sv_vertex vx;
        memset(&vx, 0, sizeof vx);
        if (sv_walk_feed(&walker, &f, now, &vx)) {
            vertices++;
            jumps += vx.jump;
            if (lines)
                printf("vertex lat=%.9f lon=%.9f jump=%d grade=%s\n", vx.lat, vx.lon, vx.jump,
                       sv_grade_name(vx.q.grade));
        }
        if (f.mode >= 2) {
            fix_epochs++;
            if (!isfinite(f.time))
                no_time++;
            if (isfinite(f.lat) && isfinite(f.lon)) {
                if (!isfinite(first_lat)) {
                    first_lat = f.lat;
                    first_lon = f.lon;
                }
                last_lat = f.lat;
                last_lon = f.lon;
            }
        }
        if (isfinite(f.sigma_lat))
            with_sigma++;
        if (isfinite(f.hdop))
            with_dop++;
        fixed_entries += f.grade == SV_GRADE_RTK_FIXED && !was_fixed;
        was_fixed = f.grade == SV_GRADE_RTK_FIXED;
        if (f.err_source == SV_HERR_GST) {
            herr_gst++;
            if (f.grade == SV_GRADE_RTK_FIXED && !(f.err_h <= herr_fixed_max))
                herr_fixed_max = f.err_h;
            herr_fixed_over += f.grade == SV_GRADE_RTK_FIXED && f.err_h > 0.05;
        } else if (f.err_source == SV_HERR_GPSD) {
            herr_gpsd++;
        }
        for (int c = 0; c < SV_GNSS_NCONST; c++) {
            if (f.seen_by[c] > seen_max[c])
                seen_max[c] = f.seen_by[c];
            if (f.used_by[c] > used_max[c])
                used_max[c] = f.used_by[c];
        }
        if (lines) {
            printf("epoch mode=%d status=%d grade=%s time=%.3f lat=%.9f lon=%.9f h=%.3f "
                   "used=%d seen=%d bds=%d/%d hdop=%.2f sig=%.3f verdict=%s sigl=%.3f eph=%.3f "
                   "herr=%.3f src=%s\n",
                   f.mode, f.status, sv_grade_name(f.grade), f.time, f.lat, f.lon, f.alt_hae,
                   f.sats_used, f.sats_seen, f.used_by[SV_GNSS_BEIDOU], f.seen_by[SV_GNSS_BEIDOU],
                   f.hdop, f.sigma_lat, sv_epoch_verdict_name(v), f.sigma_lon, f.eph, f.err_h,
                   sv_herr_source_name(f.err_source));
        }
        if (after_loss >= 0 && losses > 0 && after >= after_loss)
            break;
    }
    if (after_loss >= 0 && !(losses > 0 && after >= after_loss))
        ok = 0;
    if (until_losses > 0 && losses < until_losses)
        ok = 0;

    printf("{\"epochs\":%d,\"fix_epochs\":%d,\"no_time\":%d,\"by_grade\":{", epochs, fix_epochs,
           no_time);
    for (int i = 0; i <= SV_GRADE_RTK_FIXED; i++)
        printf("\"%s\":%d%s", sv_grade_name((sv_grade)i), by_grade[i], i < 4 ? "," : "");
    printf("},\"unique_by_grade\":{");
    for (int i = 0; i <= SV_GRADE_RTK_FIXED; i++)
        printf("\"%s\":%d%s", sv_grade_name((sv_grade)i), unique[i], i < 4 ? "," : "");
    printf("},\"verdicts\":{");
    for (int i = 0; i <= SV_EPOCH_BAD; i++)
        printf("\"%s\":%d%s", sv_epoch_verdict_name((sv_epoch_verdict)i), verdicts[i],
               i < SV_EPOCH_BAD ? "," : "");
    printf("},\"seen_max\":{");
    for (int c = 0; c < SV_GNSS_NCONST; c++)
        printf("\"%s\":%d%s", const_names[c], seen_max[c], c + 1 < SV_GNSS_NCONST ? "," : "");
    printf("},\"used_max\":{");
    for (int c = 0; c < SV_GNSS_NCONST; c++)
        printf("\"%s\":%d%s", const_names[c], used_max[c], c + 1 < SV_GNSS_NCONST ? "," : "");
    printf("},\"with_sigma\":%d,\"with_dop\":%d,\"walk\":{\"vertices\":%d,\"jumps\":%d},",
           with_sigma, with_dop, vertices, jumps);
    printf("\"herr_gst\":%d,\"herr_gpsd\":%d,\"herr_fixed_over_5cm\":%d,\"fixed_entries\":%d,",
           herr_gst, herr_gpsd, herr_fixed_over, fixed_entries);
    json_num("herr_fixed_max", herr_fixed_max, 0);
    printf(",\"first\":{");
    json_num("lat", first_lat, 1);
    json_num("lon", first_lon, 0);
    printf("},\"last\":{");
    json_num("lat", last_lat, 1);
    json_num("lon", last_lon, 0);
    printf("},\"noreceiver\":%d,\"losses\":%d,\"after_loss\":%d,\"format\":%d,\"ok\":%s}\n",
           noreceiver, losses, after, format, ok ? "true" : "false");
    sv_gnss_close(g);
    return ok ? 0 : 1;
}
