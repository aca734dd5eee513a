/*
 * test_capture.c - unit tests of the epoch gate, averaging and walking (capture.h), the gpsd
 * grade table and the address parser (gnss.h), with synthetic fixes only.
 *
 * No gpsd here (tests/integration/test_gnss_replay.sh runs a real one); the one sv_gnss test
 * talks to a port nobody listens on, to show that a missing gpsd is a result, not a hang.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "survey/capture.h"
#include "survey/gnss.h"

/* Hand-computed for CGCS2000 (a = 6378137, 1/f = 298.257222101) at latitude 35.56:
 * M = 6357016.315 m, N = 6385369.597 m, so one metre is this many degrees. */
#define LAT0 35.56
#define LON0 103.22
#define DEG_PER_M_N 9.012998657588861e-06
#define DEG_PER_M_E 1.1029995078076186e-05

#define NOW 1000000     /* a monotonic "now", ms */
#define T0 1778551800.0 /* 2026-05-12T02:10:00Z */

static int status_of(sv_grade g)
{
    switch (g) {
    case SV_GRADE_GPS:
        return 0; /* gpsd 3.22: no status member for a plain fix */
    case SV_GRADE_DGPS:
        return 2;
    case SV_GRADE_RTK_FIXED:
        return 3;
    case SV_GRADE_RTK_FLOAT:
        return 4;
    default:
        return 0;
    }
}

/* A 3D fix e metres east and n metres north of (LAT0, LON0). */
static sv_fix fix_at(double e, double n, double h, double t, int64_t mono, sv_grade g)
{
    sv_fix f;
    memset(&f, 0, sizeof f);
    f.mode = 3;
    f.status = status_of(g);
    f.grade = g;
    f.lat = LAT0 + n * DEG_PER_M_N;
    f.lon = LON0 + e * DEG_PER_M_E;
    f.alt_hae = h;
    f.alt_msl = NAN;
    f.time = t;
    f.mono_ms = mono;
    f.speed = NAN;
    f.eph = 0.02;
    f.epv = 0.04;
    f.sigma_lat = f.sigma_lon = f.sigma_alt = NAN;
    f.hdop = 0.7;
    f.vdop = 1.1;
    f.pdop = 1.3;
    f.corr_age = 1.0;
    f.sats_used = 19;
    f.sats_seen = 21;
    return f;
}

static sv_fix fixed_at(double e, double n, double t)
{
    return fix_at(e, n, 1950.0, t, NOW, SV_GRADE_RTK_FIXED);
}

/* ---- gnss.h ------------------------------------------------------------------------------ */

static void test_grade_table(void)
{
    CHECK_INT(sv_grade_from_gpsd(0, 0), SV_GRADE_NONE);
    CHECK_INT(sv_grade_from_gpsd(0, 3), SV_GRADE_NONE);
    CHECK_INT(sv_grade_from_gpsd(1, 0), SV_GRADE_NONE);
    CHECK_INT(sv_grade_from_gpsd(1, 3), SV_GRADE_NONE); /* status without a fix mode */
    CHECK_INT(sv_grade_from_gpsd(2, 0), SV_GRADE_GPS);
    CHECK_INT(sv_grade_from_gpsd(3, 0), SV_GRADE_GPS); /* gpsd 3.22's plain 3D fix */
    CHECK_INT(sv_grade_from_gpsd(3, 1), SV_GRADE_GPS);
    CHECK_INT(sv_grade_from_gpsd(3, 2), SV_GRADE_DGPS);
    CHECK_INT(sv_grade_from_gpsd(3, 3), SV_GRADE_RTK_FIXED);
    CHECK_INT(sv_grade_from_gpsd(2, 3), SV_GRADE_RTK_FIXED);
    CHECK_INT(sv_grade_from_gpsd(3, 4), SV_GRADE_RTK_FLOAT);
    CHECK_INT(sv_grade_from_gpsd(3, 5), SV_GRADE_NONE); /* dead reckoning */
    CHECK_INT(sv_grade_from_gpsd(3, 6), SV_GRADE_NONE); /* GNSS + dead reckoning */
    CHECK_INT(sv_grade_from_gpsd(3, 7), SV_GRADE_NONE); /* time only */
    CHECK_INT(sv_grade_from_gpsd(3, 8), SV_GRADE_NONE); /* simulated */
    CHECK_INT(sv_grade_from_gpsd(3, 9), SV_GRADE_GPS);  /* PPS (P(Y) code) fix */
    CHECK_INT(sv_grade_from_gpsd(3, 42), SV_GRADE_NONE);
    CHECK_INT(sv_grade_from_gpsd(3, -1), SV_GRADE_NONE);
    CHECK_INT(sv_grade_from_gpsd(-7, 3), SV_GRADE_NONE);
}

static void test_parse_addr(void)
{
    char h[64], p[8];
    CHECK_INT(sv_gnss_parse_addr("127.0.0.1:29470", h, sizeof h, p, sizeof p), SV_OK);
    CHECK_STR(h, "127.0.0.1");
    CHECK_STR(p, "29470");
    CHECK_INT(sv_gnss_parse_addr("gpsd.local", h, sizeof h, p, sizeof p), SV_OK);
    CHECK_STR(h, "gpsd.local");
    CHECK_STR(p, "2947");
    CHECK_INT(sv_gnss_parse_addr("[::1]:2948", h, sizeof h, p, sizeof p), SV_OK);
    CHECK_STR(h, "::1");
    CHECK_STR(p, "2948");
    CHECK_INT(sv_gnss_parse_addr("[fe80::1]", h, sizeof h, p, sizeof p), SV_OK);
    CHECK_STR(h, "fe80::1");
    CHECK_STR(p, "2947");
    CHECK_INT(sv_gnss_parse_addr("::1", h, sizeof h, p, sizeof p), SV_OK); /* bare v6 */
    CHECK_STR(h, "::1");
    CHECK_STR(p, "2947");
    CHECK_INT(sv_gnss_parse_addr(SV_GNSS_DEFAULT, h, sizeof h, p, sizeof p), SV_OK);
    CHECK_STR(p, "2947");

    const char *bad[] = {"",        ":2947",      "host:",       "host:0", "host:65536",
                         "host:2a", "host:-1",    "[::1",        "[::1]x", "[]:2947",
                         "[::1]:",  "ho st:2947", "host:123456", "a/b:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = sv_gnss_parse_addr(bad[i], h, sizeof h, p, sizeof p);
        if (rc != SV_EINVAL)
            fprintf(stderr, "parse_addr accepted \"%s\"\n", bad[i]);
        CHECK_INT(rc, SV_EINVAL);
    }
    CHECK_INT(sv_gnss_parse_addr(NULL, h, sizeof h, p, sizeof p), SV_EINVAL);
    char tiny[4];
    CHECK_INT(sv_gnss_parse_addr("localhost:2947", tiny, sizeof tiny, p, sizeof p), SV_EINVAL);
    CHECK_INT(sv_gnss_parse_addr("a:2947", h, sizeof h, tiny, sizeof tiny), SV_EINVAL);
}

static int unused_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(s, (struct sockaddr *)&sa, &len) != 0) {
        if (s >= 0)
            close(s);
        return 29999;
    }
    int port = ntohs(sa.sin_port);
    close(s); /* bound but never listening: connections are refused */
    return port;
}

static void test_gnss_without_gpsd(void)
{
    char addr[32];
    sv_gnss *g = NULL;
    sv_fix f;

    snprintf(addr, sizeof addr, "127.0.0.1:%d", unused_port());
    CHECK_INT(sv_gnss_open("nonsense:port", &g), SV_EINVAL);
    CHECK(g == NULL);
    CHECK_INT(sv_gnss_open(addr, &g), SV_OK); /* succeeds although nobody is there */
    CHECK(g != NULL);
    if (!g)
        return;
    CHECK_INT(sv_gnss_connected(g), 0);
    CHECK_INT(sv_gnss_fd(g), -1);
    CHECK(strstr(sv_gnss_errmsg(g), "not reachable") != NULL);
    int64_t t0 = sv_mono_ms();
    CHECK_INT(sv_gnss_poll(g, 0, &f), SV_ENORECEIVER);
    CHECK(sv_mono_ms() - t0 < 100);
    t0 = sv_mono_ms();
    CHECK_INT(sv_gnss_poll(g, 700, &f), SV_ENORECEIVER); /* retried once inside, 0.5 s */
    int64_t took = sv_mono_ms() - t0;
    CHECK(took >= 650 && took < 1000); /* used the time it was given, not more */
    CHECK(strstr(sv_gnss_errmsg(g), "retrying") != NULL);
    sv_gnss_close(g);
    sv_gnss_close(NULL); /* harmless */
    CHECK_STR(sv_gnss_errmsg(NULL), "no GNSS handle");

    /* Age and staleness are by the monotonic clock alone. */
    sv_fix old = fixed_at(0, 0, T0);
    old.mono_ms = NOW - 2500;
    CHECK_INT(sv_fix_age_ms(&old, NOW), 2500);
    CHECK_INT(sv_fix_is_stale(&old, NOW), 1);
    old.mono_ms = NOW - SV_STALE_MS;
    CHECK_INT(sv_fix_is_stale(&old, NOW), 0);
    CHECK(sv_mono_ms() > 0);
}

/* ---- gate --------------------------------------------------------------------------------- */

static void test_gate(void)
{
    const sv_grade fx = SV_GRADE_RTK_FIXED;
    sv_fix f = fixed_at(0, 0, T0);
    CHECK_INT(sv_gate(&f, fx, NOW, NAN), SV_EPOCH_ACCEPTED);
    CHECK_INT(sv_gate(&f, fx, NOW, T0 - 1), SV_EPOCH_ACCEPTED);

    sv_fix g = f;
    g.mode = 1;
    g.grade = SV_GRADE_NONE;
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_NO_FIX);
    g.mode = 0;
    CHECK_INT(sv_gate(&g, SV_GRADE_NONE, NOW, NAN), SV_EPOCH_NO_FIX);

    g = fix_at(0, 0, 1950, T0, NOW, SV_GRADE_DGPS);
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_LOW_GRADE);
    CHECK_INT(sv_gate(&g, SV_GRADE_DGPS, NOW, NAN), SV_EPOCH_ACCEPTED);
    CHECK_INT(sv_gate(&g, SV_GRADE_GPS, NOW, NAN), SV_EPOCH_ACCEPTED);
    g = fix_at(0, 0, 1950, T0, NOW, SV_GRADE_RTK_FLOAT);
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_LOW_GRADE);
    g = fix_at(0, 0, 1950, T0, NOW, SV_GRADE_NONE); /* dead reckoning: mode 3, grade none */
    g.status = 5;
    CHECK_INT(sv_gate(&g, SV_GRADE_NONE, NOW, NAN), SV_EPOCH_LOW_GRADE);

    g = f;
    g.mono_ms = NOW - SV_STALE_MS - 1;
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_STALE);
    g.mono_ms = NOW - SV_STALE_MS;
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_ACCEPTED);
    g.mono_ms = 0; /* never stamped */
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_STALE);

    /* Receiver time years off (gpsd 3.22 turns a 2015 log into 2034): the monotonic clock
     * alone decides staleness. */
    g = f;
    g.time = 2044165316.0;
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_ACCEPTED);
    g.time = 315964800.0; /* 1980 */
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_ACCEPTED);
    g.mono_ms = NOW - 5000;
    g.time = T0 + 3600 * 24 * 365.0 * 20; /* "fresh" by receiver time, old by ours */
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_STALE);

    g = f;
    CHECK_INT(sv_gate(&g, fx, NOW, T0), SV_EPOCH_DUPLICATE);
    CHECK_INT(sv_gate(&g, fx, NOW, T0 + 0.0004), SV_EPOCH_DUPLICATE);
    CHECK_INT(sv_gate(&g, fx, NOW, T0 + 0.05), SV_EPOCH_ACCEPTED); /* 20 Hz is not a dup */
    g.time = NAN;
    CHECK_INT(sv_gate(&g, fx, NOW, T0), SV_EPOCH_ACCEPTED);
    g = f;
    g.grade = SV_GRADE_DGPS; /* duplicate comes first: counted once whatever it is */
    CHECK_INT(sv_gate(&g, fx, NOW, T0), SV_EPOCH_DUPLICATE);

    g = f;
    g.lat = NAN;
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_BAD);
    g = f;
    g.lon = INFINITY;
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_BAD);
    g = f;
    g.lat = 90.5;
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_BAD);
    g = f;
    g.lon = -180.01;
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_BAD);
    g = f;
    g.lat = 0.0;
    g.lon = 0.0;
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_BAD);
    g = f;
    g.alt_hae = 25000.0;
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_BAD);
    g.alt_hae = NAN; /* no height is not bad: a 2D fix */
    CHECK_INT(sv_gate(&g, fx, NOW, NAN), SV_EPOCH_ACCEPTED);
    CHECK_INT(sv_gate(NULL, fx, NOW, NAN), SV_EPOCH_BAD);

    CHECK_STR(sv_epoch_verdict_name(SV_EPOCH_ACCEPTED), "accepted");
    CHECK_STR(sv_epoch_verdict_name(SV_EPOCH_NO_FIX), "no-fix");
    CHECK_STR(sv_epoch_verdict_name(SV_EPOCH_LOW_GRADE), "low-grade");
    CHECK_STR(sv_epoch_verdict_name(SV_EPOCH_STALE), "stale");
    CHECK_STR(sv_epoch_verdict_name(SV_EPOCH_DUPLICATE), "duplicate");
    CHECK_STR(sv_epoch_verdict_name(SV_EPOCH_BAD), "bad");
    CHECK_STR(sv_epoch_verdict_name((sv_epoch_verdict)99), "?");
}

/* ---- averaging ---------------------------------------------------------------------------- */

static void test_n_and_t(void)
{
    sv_averager a;
    sv_avg_opts o = {10, 10.0, SV_GRADE_RTK_FIXED};
    sv_avg_start(&a, &o);

    /* A fast receiver: 30 epochs in 4.35 s is a count, not a duration. */
    for (int i = 0; i < 30; i++) {
        sv_fix f = fixed_at(0.01 * (i % 3), 0, T0 + 0.15 * i);
        CHECK_INT(sv_avg_feed(&a, &f, NOW), SV_EPOCH_ACCEPTED);
    }
    CHECK_INT(a.n, 30);
    CHECK_NEAR(sv_avg_seconds(&a), 4.35, 1e-6); /* doubles of ~1.8e9 s: 0.2 us steps */
    CHECK_INT(sv_avg_done(&a), 0);
    sv_fix f = fixed_at(0, 0, T0 + 9.99);
    sv_avg_feed(&a, &f, NOW);
    CHECK_INT(sv_avg_done(&a), 0);
    f = fixed_at(0, 0, T0 + 10.0);
    sv_avg_feed(&a, &f, NOW);
    CHECK_INT(sv_avg_done(&a), 1);

    /* Seconds without epochs: T met, N not. */
    o.epochs = 10;
    o.min_seconds = 1.0;
    sv_avg_start(&a, &o);
    for (int i = 0; i < 5; i++) {
        f = fixed_at(0, 0, T0 + 5.0 * i);
        sv_avg_feed(&a, &f, NOW);
    }
    CHECK_NEAR(sv_avg_seconds(&a), 20.0, 1e-9);
    CHECK_INT(sv_avg_done(&a), 0);

    /* Defaults at 1 Hz: ten epochs span 9 s, the eleventh completes. */
    sv_avg_opts d = sv_avg_defaults();
    CHECK_INT(d.epochs, 10);
    CHECK_NEAR(d.min_seconds, 10.0, 0);
    CHECK_INT(d.accept, SV_GRADE_RTK_FIXED);
    sv_avg_start(&a, NULL);
    for (int i = 0; i < 10; i++) {
        f = fixed_at(0, 0, T0 + i);
        sv_avg_feed(&a, &f, NOW);
    }
    CHECK_INT(sv_avg_done(&a), 0);
    f = fixed_at(0, 0, T0 + 10);
    sv_avg_feed(&a, &f, NOW);
    CHECK_INT(sv_avg_done(&a), 1);

    /* No receiver time: the arrival clock measures the duration. */
    o.epochs = 3;
    o.min_seconds = 2.0;
    sv_avg_start(&a, &o);
    for (int i = 0; i < 3; i++) {
        f = fix_at(0, 0, 1950, NAN, NOW + 1000 * i, SV_GRADE_RTK_FIXED);
        CHECK_INT(sv_avg_feed(&a, &f, NOW + 1000 * i), SV_EPOCH_ACCEPTED);
    }
    CHECK_NEAR(sv_avg_seconds(&a), 2.0, 1e-9);
    CHECK_INT(sv_avg_done(&a), 1);
    CHECK_INT(a.t_rx, 0);

    /* Timed epochs with one untimed among them: carried on by its arrival time. */
    sv_avg_start(&a, &o);
    f = fix_at(0, 0, 1950, T0, NOW, SV_GRADE_RTK_FIXED);
    sv_avg_feed(&a, &f, NOW);
    f = fix_at(0, 0, 1950, NAN, NOW + 1000, SV_GRADE_RTK_FIXED);
    sv_avg_feed(&a, &f, NOW + 1000);
    CHECK_NEAR(sv_avg_seconds(&a), 1.0, 1e-9);
    f = fix_at(0, 0, 1950, T0 + 2, NOW + 2000, SV_GRADE_RTK_FIXED);
    sv_avg_feed(&a, &f, NOW + 2000);
    CHECK_NEAR(sv_avg_seconds(&a), 2.0, 1e-9);
    /* A receiver clock that jumps back does not shorten what was covered. */
    f = fix_at(0, 0, 1950, T0 - 100, NOW + 3000, SV_GRADE_RTK_FIXED);
    sv_avg_feed(&a, &f, NOW + 3000);
    CHECK_NEAR(sv_avg_seconds(&a), 2.0, 1e-9);

    /* Bad options are made sane. */
    o.epochs = 0;
    o.min_seconds = NAN;
    sv_avg_start(&a, &o);
    CHECK_INT(a.opts.epochs, 1);
    CHECK_NEAR(a.opts.min_seconds, 0.0, 0);
}

static void test_gating_in_average(void)
{
    sv_averager a;
    sv_avg_opts o = {3, 0.0, SV_GRADE_RTK_FIXED};
    sv_bpoint p;
    char buf[160];

    sv_avg_start(&a, &o);
    memset(&p, 0, sizeof p);
    CHECK_INT(sv_avg_result(&a, &p), SV_EAGAIN);
    CHECK_STR(sv_avg_describe(&a, buf, sizeof buf), "0/3 epochs, 0.0/0 s");

    sv_fix f = fixed_at(0, 0, T0);
    CHECK_INT(sv_avg_feed(&a, &f, NOW), SV_EPOCH_ACCEPTED);
    /* gpsd's second and third report of the same epoch: counted once, not "dropped". */
    CHECK_INT(sv_avg_feed(&a, &f, NOW), SV_EPOCH_DUPLICATE);
    CHECK_INT(sv_avg_feed(&a, &f, NOW), SV_EPOCH_DUPLICATE);
    CHECK_INT(a.n, 1);
    CHECK_INT(a.dropped, 0);

    f = fix_at(0, 0, 1950, T0 + 1, NOW, SV_GRADE_DGPS);
    CHECK_INT(sv_avg_feed(&a, &f, NOW), SV_EPOCH_LOW_GRADE);
    CHECK_STR(sv_avg_describe(&a, buf, sizeof buf),
              "1/3 epochs, 0.0/0 s; last epoch: below rtk-fixed (dgps); 1 dropped");
    CHECK_INT(sv_avg_feed(&a, &f, NOW), SV_EPOCH_DUPLICATE); /* its RMC twin */
    CHECK_INT(a.dropped, 1);
    CHECK_STR(sv_avg_describe(&a, buf, sizeof buf),
              "1/3 epochs, 0.0/0 s; last epoch: below rtk-fixed (dgps); 1 dropped");

    f = fixed_at(0, 0, T0 + 2);
    f.mono_ms = NOW - 3000;
    CHECK_INT(sv_avg_feed(&a, &f, NOW), SV_EPOCH_STALE);
    CHECK_INT(a.stale_seen, 1);
    f = fixed_at(0, 0, T0 + 3);
    f.mode = 1;
    f.grade = SV_GRADE_NONE;
    CHECK_INT(sv_avg_feed(&a, &f, NOW), SV_EPOCH_NO_FIX);
    CHECK_STR(sv_avg_describe(&a, buf, sizeof buf),
              "1/3 epochs, 0.0/0 s; last epoch: no fix; 3 dropped");
    f = fixed_at(0, 0, T0 + 4);
    f.lat = NAN;
    CHECK_INT(sv_avg_feed(&a, &f, NOW), SV_EPOCH_BAD);
    CHECK_INT(a.dropped, 4);
    CHECK_INT(a.n, 1); /* none of it failed the point */

    f = fixed_at(0, 0, T0 + 5);
    sv_avg_feed(&a, &f, NOW);
    f = fixed_at(0, 0, T0 + 6);
    sv_avg_feed(&a, &f, NOW);
    CHECK_INT(sv_avg_done(&a), 1);
    CHECK_STR(sv_avg_describe(&a, buf, sizeof buf),
              "done: 3/3 epochs, 6.0/0 s; last epoch: accepted (rtk-fixed); 4 dropped");
    CHECK_INT(sv_avg_feed(&a, NULL, NOW), SV_EPOCH_BAD);

    p.flags = SV_PT_OVERRIDE;
    CHECK_INT(sv_avg_result(&a, &p), SV_OK);
    CHECK_INT(p.q.n, 3);
    CHECK_INT(p.q.dropped, 4);
    CHECK(p.flags & SV_PT_STALE);
    CHECK(p.flags & SV_PT_OVERRIDE); /* the caller's flags stay */
    CHECK_NEAR(p.q.duration_s, 6.0, 1e-9);

    /* Without stale epochs the flag is cleared. */
    sv_avg_start(&a, &o);
    f = fixed_at(0, 0, T0);
    sv_avg_feed(&a, &f, NOW);
    p.flags = SV_PT_STALE;
    CHECK_INT(sv_avg_result(&a, &p), SV_OK);
    CHECK_INT(p.flags & SV_PT_STALE, 0);

    /* A tiny buffer is safe and terminated. */
    char small[8];
    sv_avg_describe(&a, small, sizeof small);
    CHECK_INT(strlen(small), 7);
}

static void test_spread(void)
{
    /* Four RTK epochs, offsets in metres from the first (hand-picked):
     *   east  0, .02, -.01, .03   mean .010  sample sd sqrt(.0010/3) = .018257419
     *   north 0, -.01, .01, .02   mean .005  sample sd sqrt(.0005/3) = .012909944
     *   up    0, .03, -.02, .01   mean .005  sample sd sqrt(.0013/3) = .020816660 */
    const double e[] = {0, 0.02, -0.01, 0.03}, n[] = {0, -0.01, 0.01, 0.02};
    const double h[] = {1950.00, 1950.03, 1949.98, 1950.01};
    sv_averager a;
    sv_avg_opts o = {4, 3.0, SV_GRADE_RTK_FIXED};
    sv_bpoint p;

    sv_avg_start(&a, &o);
    for (int i = 0; i < 4; i++) {
        sv_fix f = fix_at(e[i], n[i], h[i], T0 + i, NOW, SV_GRADE_RTK_FIXED);
        f.hdop = 0.5 + 0.1 * i;
        f.sats_used = 15 + i;
        f.status = 3;
        CHECK_INT(sv_avg_feed(&a, &f, NOW), SV_EPOCH_ACCEPTED);
    }
    CHECK_INT(sv_avg_done(&a), 1);
    memset(&p, 0, sizeof p);
    CHECK_INT(sv_avg_result(&a, &p), SV_OK);
    CHECK_NEAR(p.lat, LAT0 + 0.005 * DEG_PER_M_N, 1e-11);
    CHECK_NEAR(p.lon, LON0 + 0.010 * DEG_PER_M_E, 1e-11);
    CHECK_NEAR(p.h, 1950.005, 1e-9);
    CHECK_NEAR(p.q.sigma_e, 0.018257419, 1e-8);
    CHECK_NEAR(p.q.sigma_n, 0.012909944, 1e-8);
    CHECK_NEAR(p.q.sigma_u, 0.020816660, 1e-8);
    CHECK_INT(p.q.n, 4);
    CHECK_NEAR(p.q.duration_s, 3.0, 1e-9);
    CHECK_INT(p.q.grade, SV_GRADE_RTK_FIXED);
    CHECK_NEAR(p.q.hdop, 0.8, 1e-12); /* from the last epoch */
    CHECK_INT(p.q.sats_used, 18);
    CHECK_INT(p.q.mode, 3);
    CHECK_INT(p.q.status, 3);
    CHECK_NEAR(p.q.eph, 0.02, 0);
    CHECK_NEAR(p.q.corr_age, 1.0, 0);
    CHECK_INT(p.q.dropped, 0);
    CHECK_STR(p.q.datum, "CGCS2000");
    CHECK_INT(p.flags & SV_PT_STALE, 0);

    /* One epoch: no spread (NaN), not a spread of zero. */
    sv_avg_start(&a, &o);
    sv_fix f = fixed_at(1.0, 2.0, T0);
    sv_avg_feed(&a, &f, NOW);
    sv_avg_result(&a, &p);
    CHECK(isnan(p.q.sigma_e) && isnan(p.q.sigma_n) && isnan(p.q.sigma_u));
    CHECK_NEAR(p.lat, LAT0 + 2.0 * DEG_PER_M_N, 1e-12);
    CHECK_NEAR(p.lon, LON0 + 1.0 * DEG_PER_M_E, 1e-12);

    /* Identical epochs: a spread of exactly zero, never a NaN from rounding. */
    sv_avg_start(&a, &o);
    for (int i = 0; i < 5; i++) {
        f = fixed_at(0.3, 0.7, T0 + i);
        sv_avg_feed(&a, &f, NOW);
    }
    sv_avg_result(&a, &p);
    CHECK_NEAR(p.q.sigma_e, 0.0, 1e-9);
    CHECK_NEAR(p.q.sigma_u, 0.0, 1e-9);

    /* Worst grade and datum: RTK float keeps CGCS2000, DGPS makes it WGS84. */
    o.accept = SV_GRADE_RTK_FLOAT;
    sv_avg_start(&a, &o);
    f = fixed_at(0, 0, T0);
    sv_avg_feed(&a, &f, NOW);
    f = fix_at(0.1, 0, 1950, T0 + 1, NOW, SV_GRADE_RTK_FLOAT);
    sv_avg_feed(&a, &f, NOW);
    f = fixed_at(0, 0, T0 + 2);
    sv_avg_feed(&a, &f, NOW);
    sv_avg_result(&a, &p);
    CHECK_INT(p.q.grade, SV_GRADE_RTK_FLOAT);
    CHECK_STR(p.q.datum, "CGCS2000");
    o.accept = SV_GRADE_GPS;
    sv_avg_start(&a, &o);
    f = fixed_at(0, 0, T0);
    sv_avg_feed(&a, &f, NOW);
    f = fix_at(0.5, 0, 1950, T0 + 1, NOW, SV_GRADE_DGPS);
    sv_avg_feed(&a, &f, NOW);
    sv_avg_result(&a, &p);
    CHECK_INT(p.q.grade, SV_GRADE_DGPS);
    CHECK_STR(p.q.datum, "WGS84");

    /* Heights only from epochs that have one; none at all gives NaN. */
    sv_avg_start(&a, &o);
    f = fixed_at(0, 0, T0);
    f.alt_hae = NAN;
    sv_avg_feed(&a, &f, NOW);
    sv_avg_result(&a, &p);
    CHECK(isnan(p.h));
    f = fix_at(0, 0, 1951.0, T0 + 1, NOW, SV_GRADE_RTK_FIXED);
    sv_avg_feed(&a, &f, NOW);
    f = fix_at(0, 0, 1952.0, T0 + 2, NOW, SV_GRADE_RTK_FIXED);
    sv_avg_feed(&a, &f, NOW);
    sv_avg_result(&a, &p);
    CHECK_NEAR(p.h, 1951.5, 1e-9);
    CHECK_NEAR(p.q.sigma_u, sqrt(0.5), 1e-9);
}

static void test_duplicate_refines(void)
{
    /* Most receivers send RMC (2D, no height) before GGA (3D) of the same epoch, and gpsd
     * reports each: the epoch counts once, with the GGA's height. */
    sv_averager a;
    sv_avg_opts o = {2, 1.0, SV_GRADE_RTK_FIXED};
    sv_bpoint p;
    memset(&p, 0, sizeof p);
    sv_avg_start(&a, &o);
    for (int i = 0; i < 2; i++) {
        sv_fix rmc = fix_at(0.01 * i, 0, NAN, T0 + i, NOW, SV_GRADE_RTK_FIXED);
        rmc.mode = 2;
        rmc.eph = rmc.epv = NAN;
        sv_fix gga = fix_at(0.01 * i, 0, 1950.0 + 0.02 * i, T0 + i, NOW, SV_GRADE_RTK_FIXED);
        CHECK_INT(sv_avg_feed(&a, &rmc, NOW), SV_EPOCH_ACCEPTED);
        CHECK_INT(sv_avg_feed(&a, &gga, NOW), SV_EPOCH_DUPLICATE);
        CHECK_INT(sv_avg_feed(&a, &gga, NOW), SV_EPOCH_DUPLICATE); /* GSA's report */
    }
    CHECK_INT(a.n, 2);
    CHECK_INT(a.n_h, 2);
    CHECK_INT(sv_avg_done(&a), 1);
    CHECK_INT(sv_avg_result(&a, &p), SV_OK);
    CHECK_NEAR(p.h, 1950.01, 1e-9);
    CHECK_NEAR(p.lon, LON0 + 0.005 * DEG_PER_M_E, 1e-12);
    CHECK_NEAR(p.q.sigma_e, sqrt(0.00005), 1e-9);
    CHECK_INT(p.q.mode, 3);

    /* An RMC without a mode field: gpsd grades its report "gps", the GGA of the same epoch
     * says "rtk-fixed". The epoch is accepted, and not also counted as dropped. */
    sv_avg_start(&a, &o);
    for (int i = 0; i < 3; i++) {
        sv_fix rmc = fix_at(0, 0, NAN, T0 + i, NOW, SV_GRADE_GPS);
        rmc.mode = 2;
        sv_fix gga = fix_at(0, 0, 1950.0, T0 + i, NOW, SV_GRADE_RTK_FIXED);
        CHECK_INT(sv_avg_feed(&a, &rmc, NOW), SV_EPOCH_LOW_GRADE);
        CHECK_INT(a.dropped, 1);
        CHECK_INT(sv_avg_feed(&a, &gga, NOW), SV_EPOCH_ACCEPTED);
        CHECK_INT(sv_avg_feed(&a, &gga, NOW), SV_EPOCH_DUPLICATE);
    }
    CHECK_INT(a.n, 3);
    CHECK_INT(a.dropped, 0);
    CHECK_INT(a.n_h, 3);
    /* Both reports refused: the epoch is dropped once. */
    sv_fix rmc = fix_at(0, 0, NAN, T0 + 3, NOW, SV_GRADE_GPS);
    sv_fix gga = fix_at(0, 0, 1950.0, T0 + 3, NOW, SV_GRADE_DGPS);
    CHECK_INT(sv_avg_feed(&a, &rmc, NOW), SV_EPOCH_LOW_GRADE);
    CHECK_INT(sv_avg_feed(&a, &gga, NOW), SV_EPOCH_DUPLICATE);
    CHECK_INT(a.dropped, 1);
    CHECK_INT(a.n, 3);

    /* A duplicate with a different grade never replaces (the worst grade must stay true). */
    sv_avg_start(&a, &o);
    sv_fix f = fix_at(0, 0, NAN, T0, NOW, SV_GRADE_RTK_FIXED);
    f.mode = 2;
    sv_avg_feed(&a, &f, NOW);
    sv_fix g = fix_at(5, 0, 1950, T0, NOW, SV_GRADE_DGPS);
    CHECK_INT(sv_avg_feed(&a, &g, NOW), SV_EPOCH_DUPLICATE);
    sv_avg_result(&a, &p);
    CHECK(isnan(p.h));
    CHECK_NEAR(p.lon, LON0, 1e-12);
}

/* ---- walking ------------------------------------------------------------------------------ */

static void test_walk_spacing(void)
{
    sv_walker w;
    sv_walk_opts o = {2.0, SV_GRADE_RTK_FIXED, 4.0};
    sv_vertex v;
    double got[16];
    int nv = 0;

    sv_walk_opts d = sv_walk_defaults();
    CHECK_NEAR(d.every_m, 2.0, 0);
    CHECK_INT(d.accept, SV_GRADE_RTK_FIXED);
    CHECK_NEAR(d.max_speed, 4.0, 0);

    sv_walk_start(&w, &o);
    /* 1 m/s east, 1 Hz, each epoch reported twice (gpsd's RMC and GGA). 1.001 m steps keep
     * the test clear of "exactly 2 m" rounding. */
    for (int i = 0; i <= 10; i++) {
        sv_fix f = fixed_at(1.001 * i, 0.05 * (i % 2), T0 + i);
        memset(&v, 0, sizeof v);
        if (sv_walk_feed(&w, &f, NOW, &v)) {
            CHECK_INT(v.jump, 0);
            if (nv < 16)
                got[nv++] = (v.lon - LON0) / DEG_PER_M_E;
            CHECK_NEAR(v.fix_time, T0 + i, 0);
            CHECK_NEAR(v.h, 1950.0, 0);
            CHECK_INT(v.q.n, 1);
            CHECK_STR(v.q.datum, "CGCS2000");
        }
        CHECK_INT(sv_walk_feed(&w, &f, NOW, &v), 0); /* duplicate */
    }
    CHECK_INT(nv, 6); /* epochs 0, 2, 4, 6, 8, 10: the first always starts the track */
    for (int i = 0; i < nv && i < 6; i++)
        CHECK_NEAR(got[i], 2.002 * i, 1e-6);
    CHECK_INT(w.dropped, 0);

    /* Gated epochs make no vertex, and the next vertex says how many were dropped. */
    sv_fix f = fix_at(11, 0, 1950, T0 + 11, NOW, SV_GRADE_DGPS);
    CHECK_INT(sv_walk_feed(&w, &f, NOW, &v), 0);
    CHECK_INT(w.last_verdict, SV_EPOCH_LOW_GRADE);
    f = fixed_at(12, 0, T0 + 12);
    f.mono_ms = NOW - 2500;
    CHECK_INT(sv_walk_feed(&w, &f, NOW, &v), 0);
    CHECK_INT(w.last_verdict, SV_EPOCH_STALE);
    CHECK_INT(w.dropped, 2);
    f = fixed_at(13, 0, T0 + 13);
    CHECK_INT(sv_walk_feed(&w, &f, NOW, &v), 1);
    CHECK_INT(v.q.dropped, 2);
    CHECK_INT(v.jump, 0);

    /* The first report of an epoch refused ("gps" from an RMC), its GGA accepted: a vertex,
     * and nothing dropped. */
    f = fix_at(16, 0, NAN, T0 + 14, NOW, SV_GRADE_GPS);
    f.mode = 2;
    CHECK_INT(sv_walk_feed(&w, &f, NOW, &v), 0);
    CHECK_INT(w.dropped, 3);
    f = fixed_at(16, 0, T0 + 14);
    CHECK_INT(sv_walk_feed(&w, &f, NOW, &v), 1);
    CHECK_INT(w.dropped, 2);
    CHECK_INT(v.q.dropped, 0);
    CHECK_NEAR((v.lon - LON0) / DEG_PER_M_E, 16, 1e-6);
    CHECK_NEAR(v.h, 1950.0, 0);

    /* Standing still with cm noise makes no vertices. */
    int extra = 0;
    for (int i = 0; i < 30; i++) {
        f = fixed_at(16 + 0.01 * (i % 3), 0.01 * (i % 2), T0 + 15 + i);
        extra += sv_walk_feed(&w, &f, NOW, &v);
    }
    CHECK_INT(extra, 0);

    /* Bad options are made sane. */
    o.every_m = -1;
    o.max_speed = NAN;
    sv_walk_start(&w, &o);
    CHECK_NEAR(w.opts.every_m, 2.0, 0);
    CHECK_NEAR(w.opts.max_speed, 4.0, 0);
}

static void test_walk_jumps(void)
{
    sv_walker w;
    sv_walk_opts o = {2.0, SV_GRADE_RTK_FIXED, 4.0};
    sv_vertex v;
    double t = T0;

    sv_walk_start(&w, &o);
    /* Walk north 1.2 m/s for 10 s. */
    double north = 0;
    int nv = 0;
    for (int i = 0; i < 10; i++, t += 1, north += 1.2) {
        sv_fix f = fixed_at(0, north, t);
        nv += sv_walk_feed(&w, &f, NOW, &v);
    }
    CHECK_INT(nv, 5); /* 0, 2.4, 4.8, 7.2, 9.6 m */
    double ref = (w.last_lat - LAT0) / DEG_PER_M_N;

    /* One wild epoch 200 m east: a vertex marked as a jump; the reference does not move. */
    sv_fix wild = fixed_at(200, north, t);
    memset(&v, 0, sizeof v);
    CHECK_INT(sv_walk_feed(&w, &wild, NOW, &v), 1);
    CHECK_INT(v.jump, 1);
    CHECK_NEAR((v.lon - LON0) / DEG_PER_M_E, 200, 1e-6);
    CHECK_NEAR((w.last_lat - LAT0) / DEG_PER_M_N, ref, 1e-9);
    CHECK_NEAR((w.last_lon - LON0) / DEG_PER_M_E, 0, 1e-9);
    t += 1;
    north += 1.2;

    /* The walk goes on where it was: the next vertices are judged against the reference. */
    int jumps = 0, after = 0;
    for (int i = 0; i < 5; i++, t += 1, north += 1.2) {
        sv_fix f = fixed_at(0, north, t);
        if (sv_walk_feed(&w, &f, NOW, &v)) {
            after++;
            jumps += v.jump;
        }
    }
    CHECK(after >= 2);
    CHECK_INT(jumps, 0);

    /* Spikes that disagree with each other never re-anchor. */
    for (int i = 0; i < 6; i++, t += 1) {
        sv_fix f = fixed_at((i % 2) ? 300 : -300, north, t);
        CHECK_INT(sv_walk_feed(&w, &f, NOW, &v), 1);
        CHECK_INT(v.jump, 1);
    }
    CHECK_NEAR((w.last_lon - LON0) / DEG_PER_M_E, 0, 1e-9);

    /* Three epochs in a row that agree (the receiver really is 150 m west, e.g. after a
     * wrong fix was corrected): two jumps, then the reference moves there. */
    for (int i = 0; i < 3; i++, t += 1) {
        sv_fix f = fixed_at(-150 + 0.5 * i, north, t);
        memset(&v, 0, sizeof v);
        CHECK_INT(sv_walk_feed(&w, &f, NOW, &v), 1);
        CHECK_INT(v.jump, i < SV_WALK_REANCHOR - 1 ? 1 : 0);
    }
    CHECK_NEAR((w.last_lon - LON0) / DEG_PER_M_E, -149.0, 1e-6);
    /* ... and walking on from there is ordinary again. */
    sv_fix f = fixed_at(-149.0, north + 2.5, t + 2);
    CHECK_INT(sv_walk_feed(&w, &f, NOW, &v), 1);
    CHECK_INT(v.jump, 0);

    /* A long gap (epochs gated out for 2 minutes) then 150 m on: 1.25 m/s, not a jump. */
    t += 122;
    f = fixed_at(-149.0, north + 152.5, t);
    CHECK_INT(sv_walk_feed(&w, &f, NOW, &v), 1);
    CHECK_INT(v.jump, 0);

    /* Without receiver time the arrival clock gives the speed. */
    sv_walk_start(&w, &o);
    f = fix_at(0, 0, 1950, NAN, NOW, SV_GRADE_RTK_FIXED);
    CHECK_INT(sv_walk_feed(&w, &f, NOW, &v), 1);
    f = fix_at(3, 0, 1950, NAN, NOW + 1000, SV_GRADE_RTK_FIXED);
    CHECK_INT(sv_walk_feed(&w, &f, NOW + 1000, &v), 1);
    CHECK_INT(v.jump, 0);
    f = fix_at(60, 0, 1950, NAN, NOW + 2000, SV_GRADE_RTK_FIXED);
    CHECK_INT(sv_walk_feed(&w, &f, NOW + 2000, &v), 1);
    CHECK_INT(v.jump, 1);
    CHECK(isnan(v.fix_time));

    /* A NULL epoch or vertex is harmless. */
    CHECK_INT(sv_walk_feed(&w, NULL, NOW, &v), 0);
    f = fix_at(4, 0, 1950, NAN, NOW + 3000, SV_GRADE_RTK_FIXED);
    CHECK_INT(sv_walk_feed(&w, &f, NOW + 3000, NULL), 0); /* 1 m from the reference */
}

/* The one restart rule of an average (issue 9, 12b): moving drops what was averaged and the
 * moving epochs; a gap starts again with the epoch after it; a still epoch without a speed
 * keeps going. The CLI and the app both call it. */
static void test_restart_rule(void)
{
    sv_avg_opts o = {3, 0.0, SV_GRADE_RTK_FIXED};
    sv_averager a;
    sv_avg_start(&a, &o);
    int64_t t = NOW;
    sv_fix f = fix_at(0, 0, 1900, T0, t, SV_GRADE_RTK_FIXED);
    CHECK_INT(sv_avg_restart_rule(&a, &f), SV_AVG_KEEP); /* no speed: still */
    CHECK_INT(sv_avg_feed(&a, &f, t), SV_EPOCH_ACCEPTED);
    f = fix_at(0.01, 0, 1900, T0 + 1, t += 1000, SV_GRADE_RTK_FIXED);
    f.speed = 0.2; /* slower than SV_AVG_STILL_SPEED: held */
    CHECK_INT(sv_avg_restart_rule(&a, &f), SV_AVG_KEEP);
    CHECK_INT(sv_avg_feed(&a, &f, t), SV_EPOCH_ACCEPTED);
    CHECK_INT(a.n, 2);

    /* The pole is carried: the average is dropped, but the options stay. */
    f = fix_at(1.5, 0, 1900, T0 + 2, t += 1000, SV_GRADE_RTK_FIXED);
    f.speed = 1.4;
    CHECK(sv_fix_moving(&f));
    CHECK_INT(sv_avg_restart_rule(&a, &f), SV_AVG_MOVING);
    CHECK_INT(a.n, 0);
    CHECK_INT(a.opts.epochs, 3);
    f = fix_at(3, 0, 1900, T0 + 3, t += 1000, SV_GRADE_RTK_FIXED);
    f.speed = 1.4;
    CHECK_INT(sv_avg_restart_rule(&a, &f), SV_AVG_MOVING); /* still moving, nothing to drop */
    /* A speed on a fix without a grade says nothing about the pole. */
    f = fix_at(3, 0, 1900, T0 + 3, t, SV_GRADE_NONE);
    f.speed = 5;
    CHECK(!sv_fix_moving(&f));
    /* Standing again: three still epochs make the point, all at the new place. */
    for (int i = 0; i < 3; i++) {
        f = fix_at(5, 0, 1900, T0 + 4 + i, t += 1000, SV_GRADE_RTK_FIXED);
        f.speed = 0.05;
        CHECK_INT(sv_avg_restart_rule(&a, &f), SV_AVG_KEEP);
        CHECK_INT(sv_avg_feed(&a, &f, t), SV_EPOCH_ACCEPTED);
    }
    CHECK(sv_avg_done(&a));
    sv_bpoint p;
    memset(&p, 0, sizeof p);
    CHECK_INT(sv_avg_result(&a, &p), SV_OK);
    CHECK(fabs(p.lon - (LON0 + 5 * DEG_PER_M_E)) < 1e-9);

    /* A gap of more than SV_AVG_GAP_MS: start again, with this epoch as the first. */
    sv_avg_start(&a, &o);
    f = fix_at(0, 0, 1900, T0 + 10, t += 1000, SV_GRADE_RTK_FIXED);
    CHECK_INT(sv_avg_restart_rule(&a, &f), SV_AVG_KEEP);
    CHECK_INT(sv_avg_feed(&a, &f, t), SV_EPOCH_ACCEPTED);
    f = fix_at(0, 0, 1900, T0 + 11, t += SV_AVG_GAP_MS, SV_GRADE_RTK_FIXED); /* exactly: kept */
    CHECK_INT(sv_avg_restart_rule(&a, &f), SV_AVG_KEEP);
    CHECK_INT(sv_avg_feed(&a, &f, t), SV_EPOCH_ACCEPTED);
    CHECK_INT(a.n, 2);
    f = fix_at(2, 0, 1900, T0 + 20, t += SV_AVG_GAP_MS + 1, SV_GRADE_RTK_FIXED);
    CHECK_INT(sv_avg_restart_rule(&a, &f), SV_AVG_GAP);
    CHECK_INT(a.n, 0);
    CHECK_INT(sv_avg_feed(&a, &f, t), SV_EPOCH_ACCEPTED);
    CHECK_INT(a.n, 1);
    /* Nothing averaged yet: a long wait for the first fix is no gap. */
    sv_avg_start(&a, &o);
    CHECK_INT(sv_avg_restart_rule(&a, &f), SV_AVG_KEEP);
    CHECK_INT(sv_avg_restart_rule(NULL, &f), SV_AVG_KEEP);
    CHECK_INT(sv_avg_restart_rule(&a, NULL), SV_AVG_KEEP);
}

/* The horizontal sigma the app's point list and the office console both show. */
static void test_sigma_h(void)
{
    sv_quality q = sv_quality_unknown();
    CHECK(isnan(sv_quality_sigma_h(&q)));
    q.sigma_e = 0.003;
    CHECK(isnan(sv_quality_sigma_h(&q))); /* north unknown */
    q.sigma_n = 0.004;
    CHECK(fabs(sv_quality_sigma_h(&q) - 0.005) < 1e-12);
}

int main(void)
{
    test_sigma_h();
    test_grade_table();
    test_parse_addr();
    test_gnss_without_gpsd();
    test_gate();
    test_n_and_t();
    test_gating_in_average();
    test_spread();
    test_duplicate_refines();
    test_walk_spacing();
    test_walk_jumps();
    test_restart_rule();
    return check_finish();
}
