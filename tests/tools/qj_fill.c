/*
 * qj_fill.c - test and benchmark helper: record a realistic day into a journal quickly.
 *
 *   qj_fill JOURNAL UNIT VERTICES [POINTS]
 *
 * Appends VERTICES walk vertices (1 Hz, ~2 m apart, mm-level GNSS noise, full quality) and
 * POINTS averaged boundary points to UNIT (which must be in the journal), in batches of 500
 * (one transaction each), through the public recording API like the capture code does. The
 * noise is a fixed-seed generator so a run is repeatable.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "survey/journal.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double noise(double scale) /* roughly uniform in [-scale, scale] */
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return scale * ((double)(rng >> 11) / 9007199254740992.0 * 2 - 1);
}

static sv_quality quality(int n, double dur)
{
    sv_quality q = sv_quality_unknown();
    q.grade = SV_GRADE_RTK_FIXED;
    q.mode = 3;
    q.status = 2;
    q.sats_used = 18 + (int)(noise(2.5) + 2.5) % 4;
    q.sats_seen = 31;
    q.hdop = 0.7 + fabs(noise(0.05));
    q.vdop = 1.1 + fabs(noise(0.05));
    q.pdop = 1.3 + fabs(noise(0.05));
    q.eph = 0.012 + fabs(noise(0.004));
    q.epv = 0.021 + fabs(noise(0.006));
    q.corr_age = 1.0;
    q.n = n;
    q.duration_s = dur;
    if (n > 1) {
        q.sigma_e = 0.004 + fabs(noise(0.002));
        q.sigma_n = 0.004 + fabs(noise(0.002));
        q.sigma_u = 0.008 + fabs(noise(0.003));
    }
    snprintf(q.datum, sizeof q.datum, "CGCS2000");
    return q;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: qj_fill JOURNAL UNIT VERTICES [POINTS]\n");
        return 2;
    }
    long nv = atol(argv[3]), np = argc > 4 ? atol(argv[4]) : 0;
    sv_journal *j;
    if (sv_journal_open(argv[1], 0, &j) != SV_OK) {
        fprintf(stderr, "qj_fill: %s\n", j ? sv_journal_errmsg(j) : "cannot open");
        sv_journal_close(j);
        return 1;
    }
    double lat = 35.5500, lon = 103.2300, t = 1764547200.0;
    int64_t track = 0;
    int rc = SV_OK;
    long done = 0;
    while (rc == SV_OK && done < nv + np) {
        rc = sv_journal_begin(j);
        for (int k = 0; rc == SV_OK && k < 500 && done < nv + np; k++, done++) {
            if (done < nv) {
                sv_vertex v;
                memset(&v, 0, sizeof v);
                snprintf(v.unit, sizeof v.unit, "%s", argv[2]);
                lat += 1.8e-5 + noise(2e-7); /* ~2 m north each second, wobbling */
                lon += noise(4e-6);
                v.lat = lat;
                v.lon = lon;
                v.h = 1890 + 3 * sin(done / 50.0) + noise(0.01);
                v.fix_time = t += 1.0;
                v.q = quality(1, 0);
                v.track = track;
                int64_t seq = 0;
                rc = sv_record_vertex(j, &v, &seq);
                if (!track)
                    track = seq;
            } else {
                sv_bpoint p;
                memset(&p, 0, sizeof p);
                snprintf(p.unit, sizeof p.unit, "%s", argv[2]);
                p.lat = 35.55 + 0.0001 * (double)(done - nv) + noise(1e-8);
                p.lon = 103.25 + noise(1e-8);
                p.h = 1901.5 + noise(0.01);
                p.q = quality(10, 10.2 + fabs(noise(0.3)));
                rc = sv_record_point(j, &p, NULL);
            }
        }
        if (rc == SV_OK)
            rc = sv_journal_commit(j);
        else
            sv_journal_rollback(j);
    }
    if (rc != SV_OK) {
        fprintf(stderr, "qj_fill: %s\n", sv_journal_errmsg(j));
        sv_journal_close(j);
        return 1;
    }
    printf("%lld\n", (long long)sv_journal_last_seq(j));
    sv_journal_close(j);
    return 0;
}
