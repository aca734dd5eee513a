/*
 * bench_sync_size.c - bytes on the wire per journal row for a synthesized "standard day":
 * raw canonical rows, rows + zlib, the bundle codec (sync/src/codec.c), codec + zlib.
 *
 * The day: 2,000 walk vertices at 1 Hz along a ~2 m-spaced path with mm-level GNSS noise,
 * 200 averaged boundary points with full quality provenance (one every 10 vertices), plus a
 * few unit, verify and line entries. Payloads are built with jansson and serialised with
 * json_dumps(COMPACT | SORT_KEYS) in the journal's integer units (docs/journal.md), so they
 * are byte for byte what the journal would hold. Runs are cut into bundles of at most
 * SY_BUNDLE_MAX_ENTRIES entries, as sync does, and every figure is summed over them.
 *
 * Must never: use a clock or randomness that differs between runs (the PRNG is seeded, so the
 * figures are reproducible), or report a codec size without checking that it decodes back
 * to the same entries.
 *
 * Build: gcc -std=c11 ... -I sync/include -I sync/src -I survey/include
 *        sync/src/codec.c sync/src/buf.c bench/bench_sync_size.c -ljansson -lsodium -lz
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <zlib.h>

#include "codec.h"

#define N_VERTEX 2000
#define N_POINT 200
#define WIRE_OVERHEAD 300 /* bundle framing per bundle (header, seal, signature) */

/* ---- deterministic noise (no libm needed) ---------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static double uni(void) /* [0, 1) */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static double gauss(void) /* approximately N(0, 1): Irwin-Hall of 12 uniforms */
{
    double s = 0;
    for (int i = 0; i < 12; i++)
        s += uni();
    return s - 6.0;
}

static int64_t rnd(double x)
{
    return (int64_t)(x < 0 ? x - 0.5 : x + 0.5);
}

static double nsqrt(double x)
{
    if (x <= 0)
        return 0;
    double r = x > 1 ? x : 1;
    for (int i = 0; i < 40; i++)
        r = 0.5 * (r + x / r);
    return r;
}

/* ---- the day ------------------------------------------------------------------------------ */

typedef struct day {
    sv_entry *e;
    size_t n, cap;
} day;

static void add(day *d, int64_t time_ms, const char *kind, json_t *payload)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 256;
        d->e = realloc(d->e, d->cap * sizeof *d->e);
        if (!d->e)
            exit(2);
    }
    char *text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(payload);
    if (!text)
        exit(2);
    sv_entry *e = &d->e[d->n];
    memset(e, 0, sizeof *e);
    e->seq = (int64_t)d->n + 1;
    e->time_ms = time_ms;
    e->kind = kind;
    e->payload = text;
    e->payload_len = strlen(text);
    d->n++;
}

static json_t *obj_v1(void)
{
    json_t *o = json_object();
    json_object_set_new(o, "v", json_integer(1));
    return o;
}

static void seti(json_t *o, const char *k, int64_t v)
{
    json_object_set_new(o, k, json_integer(v));
}

static void sets(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, json_string(v));
}

/* Receiver state that drifts slowly, as a real RTK rover's does. */
typedef struct rx {
    int used, seen, hdop, vdop, pdop, eph, epv, cage;
    int fixed;
} rx;

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/*
 * One epoch of receiver drift. Standard: what an RTK rover reports through gpsd at 1 Hz -
 * DOPs follow the satellite geometry (a step when a satellite is gained or lost, otherwise
 * +-0.01 now and then), eph/epv wander by a millimetre on about a third of the epochs, the
 * correction age comes from GGA at 0.1 s resolution (mostly 1.0 s). Noisy (the stress
 * variant): every quality number changes every epoch, as if nothing were correlated.
 */
static int noisy;

static void rx_step(rx *r)
{
    if (noisy) {
        if (uni() < 0.05)
            r->used = clampi(r->used + (uni() < 0.5 ? -1 : 1), 14, 28);
        if (uni() < 0.08)
            r->seen = clampi(r->seen + (uni() < 0.5 ? -1 : 1), r->used + 4, 40);
        r->hdop = clampi(r->hdop + (int)rnd(gauss() * 1.5), 55, 160);
        r->vdop = clampi(r->vdop + (int)rnd(gauss() * 2.0), 80, 250);
        r->pdop = clampi((r->hdop + r->vdop) * 3 / 4, 90, 300);
        r->eph = clampi(r->eph + (int)rnd(gauss() * 1.2), 6, 40);
        r->epv = clampi(r->epv + (int)rnd(gauss() * 1.8), 10, 70);
        r->cage = (r->cage + 1000) % 5000 + (int)rnd(uni() * 20);
    } else {
        int step = 0;
        if (uni() < 0.02) {
            step = uni() < 0.5 ? -1 : 1;
            r->used = clampi(r->used + step, 14, 28);
        }
        if (uni() < 0.03)
            r->seen = clampi(r->seen + (uni() < 0.5 ? -1 : 1), r->used + 4, 40);
        if (step) {
            r->hdop = clampi(r->hdop - step * (3 + (int)(uni() * 6)), 55, 160);
            r->vdop = clampi(r->vdop - step * (4 + (int)(uni() * 9)), 80, 250);
        } else if (uni() < 0.05) {
            r->hdop = clampi(r->hdop + (uni() < 0.5 ? -1 : 1), 55, 160);
            r->vdop = clampi(r->vdop + (uni() < 0.5 ? -1 : 1), 80, 250);
        }
        r->pdop = (int)rnd(nsqrt((double)r->hdop * r->hdop + (double)r->vdop * r->vdop));
        if (uni() < 0.3)
            r->eph =
                clampi(r->eph + (uni() < 0.5 ? -1 : 1), r->fixed ? 8 : 40, r->fixed ? 25 : 200);
        if (uni() < 0.3)
            r->epv =
                clampi(r->epv + (uni() < 0.5 ? -1 : 1), r->fixed ? 12 : 60, r->fixed ? 40 : 300);
        double a = uni();
        r->cage = a < 0.7 ? 1000 : a < 0.8 ? 900 : a < 0.9 ? 1100 : 2000;
    }
    if (r->fixed ? uni() < 0.004 : uni() < 0.08)
        r->fixed = !r->fixed;
}

static json_t *quality(const rx *r, int n, int dur, int se, int sn, int su, int dropped)
{
    json_t *q = json_object();
    sets(q, "grade", r->fixed ? "rtk-fixed" : "rtk-float");
    seti(q, "mode", 3);
    seti(q, "status", r->fixed ? 3 : 4);
    seti(q, "used", r->used);
    seti(q, "seen", r->seen);
    seti(q, "hdop", r->hdop);
    seti(q, "vdop", r->vdop);
    seti(q, "pdop", r->pdop);
    seti(q, "eph", r->eph);
    seti(q, "epv", r->epv);
    seti(q, "cage", r->cage);
    seti(q, "n", n);
    seti(q, "dur", dur);
    if (se >= 0) {
        seti(q, "se", se);
        seti(q, "sn", sn);
        seti(q, "su", su);
    }
    if (dropped > 0)
        seti(q, "dropped", dropped);
    sets(q, "datum", "CGCS2000");
    return q;
}

static void make_day(day *d)
{
    const double nd_per_m_lat = 8983.15, nd_per_m_lon = 11041.6;
    const int64_t lat0 = 35550000000, lon0 = 103200000000;
    int64_t now = 1718000000000; /* tablet clock, ms */
    int64_t seq_next = 1;
    static const char *units[] = {"620102001001", "620102001002", "620102001003", "620102001004"};
    static const char *markers[] = {"木桩", "水泥桩", "石桩", "喷漆"};

    for (int u = 0; u < 4; u++) {
        json_t *p = obj_v1();
        sets(p, "code", units[u]);
        sets(p, "type", "森林");
        sets(p, "name", "临夏县集体林地");
        sets(p, "owner", "全民");
        sets(p, "location", "甘肃省临夏县");
        seti(p, "epsg", 4522);
        json_t *ring = json_array();
        for (int k = 0; k < 10; k++)
            json_array_append_new(ring, json_integer(lon0 + k * 1000000));
        json_t *geom = json_array(), *part = json_array();
        json_array_append_new(part, ring);
        json_array_append_new(geom, part);
        json_object_set_new(p, "geom", geom);
        add(d, now, "unit", p);
        now += 40;
        seq_next++;
    }

    rx r = {20, 31, 80, 140, 120, 12, 20, 1200, 1};
    double e = 0, nn = 0, up = 0, ve = 1.4, vn = 1.4, vz = 0;
    int64_t t = 1718000100000; /* receiver time, whole epochs */
    now = t + 350;
    int vi = 0, pi = 0;
    for (int u = 0; u < 4; u++) {
        int64_t track = 0;
        int jnum = 0;
        for (int k = 0; k < N_VERTEX / 4; k++) {
            /* walk ~2 m/s with a slowly turning heading and gently rolling ground */
            ve += gauss() * 0.08;
            vn += gauss() * 0.08;
            double sp = nsqrt(ve * ve + vn * vn);
            ve *= 2.0 / sp;
            vn *= 2.0 / sp;
            vz = vz * 0.9 + gauss() * 0.03;
            e += ve;
            nn += vn;
            up += vz;
            t += 1000;
            now = t + 300 + rnd(uni() * 60); /* the tablet records a little after the epoch */
            rx_step(&r);
            json_t *p = obj_v1();
            sets(p, "unit", units[u]);
            if (track)
                seti(p, "track", track);
            seti(p, "lat", lat0 + rnd((nn + gauss() * 0.006) * nd_per_m_lat));
            seti(p, "lon", lon0 + rnd((e + gauss() * 0.006) * nd_per_m_lon));
            seti(p, "h", 1900000 + rnd((up + gauss() * 0.012) * 1000));
            seti(p, "t", t);
            json_object_set_new(p, "q", quality(&r, 1, 0, -1, 0, 0, 0));
            if (uni() < 0.002)
                seti(p, "jump", 1);
            if (!track)
                track = seq_next;
            add(d, now, "vertex", p);
            seq_next++;
            vi++;
            if (vi % (N_VERTEX / N_POINT) == 0) {
                /* stop at a corner: average ~10 epochs, then record the point */
                int epochs = 10 + (uni() < 0.1 ? 1 : 0);
                t += 1000 * (epochs + 1);
                now = t + 500 + rnd(uni() * 200);
                json_t *pt = obj_v1();
                char num[16];
                snprintf(num, sizeof num, "J%d", ++jnum);
                sets(pt, "unit", units[u]);
                sets(pt, "number", num);
                sets(pt, "ptype", "measured");
                sets(pt, "marker", markers[(int)(uni() * 4)]);
                seti(pt, "lat", lat0 + rnd((nn + 1.5 + gauss() * 0.003) * nd_per_m_lat));
                seti(pt, "lon", lon0 + rnd((e - 0.8 + gauss() * 0.003) * nd_per_m_lon));
                seti(pt, "h", 1900000 + rnd((up + gauss() * 0.005) * 1000));
                int dropped = uni() < 0.15 ? 1 + (int)(uni() * 3) : 0;
                json_object_set_new(pt, "q",
                                    quality(&r, epochs, 1000 * (epochs - 1) + (int)rnd(uni() * 40),
                                            3 + (int)(uni() * 6), 3 + (int)(uni() * 6),
                                            5 + (int)(uni() * 10), dropped));
                if (dropped || uni() < 0.05)
                    seti(pt, "flags", 4);
                if (uni() < 0.1)
                    sets(pt, "note", "界桩旁有大石");
                add(d, now, "point", pt);
                seq_next++;
                pi++;
            }
        }
        json_t *v = obj_v1();
        sets(v, "unit", units[u]);
        sets(v, "field", "owner");
        sets(v, "status", "confirmed");
        add(d, now + 30000, "verify", v);
        v = obj_v1();
        sets(v, "unit", units[u]);
        sets(v, "field", "representative");
        sets(v, "status", "corrected");
        sets(v, "value", "马建国");
        add(d, now + 45000, "verify", v);
        seq_next += 2;
        t += 600000; /* walk to the next unit */
    }
}

/* ---- measuring -------------------------------------------------------------------------- */

static size_t zsize(const uint8_t *p, size_t n)
{
    uLongf cap = compressBound((uLong)n);
    uint8_t *z = malloc(cap);
    if (!z || compress2(z, &cap, p, (uLong)n, 9) != Z_OK)
        exit(2);
    free(z);
    return (size_t)cap;
}

/* The baseline row: time, kind and payload as one line of text. */
static void raw_rows(const sv_entry *e, size_t n, sy_buf *b)
{
    for (size_t i = 0; i < n; i++) {
        char head[64];
        int l = snprintf(head, sizeof head, "%lld\t%s\t", (long long)e[i].time_ms, e[i].kind);
        if (sy_buf_append(b, head, (size_t)l) || sy_buf_append(b, e[i].payload, e[i].payload_len) ||
            sy_buf_append(b, "\n", 1))
            exit(2);
    }
}

static int run(const char *label)
{
    day d = {0};
    rng = 0x9E3779B97F4A7C15ull;
    make_day(&d);
    size_t raw = 0, rawz = 0, enc = 0, encz = 0, bundles = 0, payload = 0;
    double enc_s = 0, dec_s = 0;
    for (size_t at = 0; at < d.n; at += SY_BUNDLE_MAX_ENTRIES) {
        size_t k = d.n - at < SY_BUNDLE_MAX_ENTRIES ? d.n - at : SY_BUNDLE_MAX_ENTRIES;
        sy_buf rb = {0}, cb = {0};
        raw_rows(d.e + at, k, &rb);
        raw += rb.len;
        rawz += zsize(rb.data, rb.len);
        char err[200] = "";
        clock_t c0 = clock();
        if (sy__codec_encode(d.e + at, k, &cb, err, sizeof err) != SY_OK) {
            fprintf(stderr, "bench_sync_size: encode: %s\n", err);
            return 1;
        }
        clock_t c1 = clock();
        sy_entries out = {0};
        if (sy__codec_decode(cb.data, cb.len, d.e[at].seq, k, &out, err, sizeof err) != SY_OK) {
            fprintf(stderr, "bench_sync_size: decode: %s\n", err);
            return 1;
        }
        clock_t c2 = clock();
        enc_s += (double)(c1 - c0) / CLOCKS_PER_SEC;
        dec_s += (double)(c2 - c1) / CLOCKS_PER_SEC;
        for (size_t i = 0; i < k; i++) {
            const sv_entry *e = &d.e[at + i];
            if (out.v[i].payload_len != e->payload_len ||
                memcmp(out.v[i].payload, e->payload, e->payload_len) != 0 ||
                strcmp(out.v[i].kind, e->kind) != 0 || out.v[i].time_ms != e->time_ms ||
                out.v[i].seq != e->seq) {
                fprintf(stderr, "bench_sync_size: entry %lld does not round-trip\n",
                        (long long)e->seq);
                return 1;
            }
            payload += e->payload_len;
        }
        sy_entries_free(&out);
        enc += cb.len;
        encz += zsize(cb.data, cb.len);
        bundles++;
        sy_buf_free(&rb);
        sy_buf_free(&cb);
    }
    double rows = (double)d.n;
    printf("sync_size: %s: %zu rows (%d vertex, %d point), %zu bundles, payload %.1f B/row\n",
           label, d.n, N_VERTEX, N_POINT, bundles, payload / rows);
    printf("sync_size: %s: codec %.1f B/row (ratio %.3f)\n", label, enc / rows, (double)enc / rawz);
    printf("sync_size: %s: codec+zlib %.2f B/row (raw json %.0f B/row, json+zlib %.1f B/row; "
           "ratio %.3f)\n",
           label, encz / rows, raw / rows, rawz / rows, (double)encz / rawz);
    printf("sync_size: %s: wire estimate %.2f B/row (codec+zlib + %d B framing per bundle)\n",
           label, (encz + bundles * WIRE_OVERHEAD) / rows, WIRE_OVERHEAD);
    printf("sync_size: %s: encode %.1f ms, decode %.1f ms for the day\n", label, enc_s * 1e3,
           dec_s * 1e3);
    for (size_t i = 0; i < d.n; i++)
        free((char *)d.e[i].payload);
    free(d.e);
    return 0;
}

int main(void)
{
    noisy = 0;
    int rc = run("standard day");
    noisy = 1;
    return rc | run("stress day (every quality number changes every epoch)");
}
