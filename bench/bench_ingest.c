/*
 * bench_ingest.c - office ingest throughput: rows/s of sy_office_ingest applying many devices'
 * bundles, against bare batched SQLite inserts of the same rows in the same run.
 *
 *   bench_ingest [DEVICES] [VERTICES] [POINTS]      (default 8 2000 200: a standard day each)
 *
 * Target (issue): ingest rows/s >= 0.5x the baseline. Set-up, not timed: under $BENCH_DIR
 * (default /tmp) DEVICES tablet journals are created, each with its own unit and a standard day
 * recorded in batches of 500 through the public recording API as qj_fill does (walk vertices at
 * 1 Hz with mm-level noise and full GNSS quality, then averaged boundary points). For each of 3
 * rounds a fresh office is created (sy_office_create), every device is registered and enrolled
 * (sy_office_device_add, sy_office_enroll: the answer gives the office id and keys), and every
 * journal is cut into bundles from seq 1 with sy_bundle_build, as sync does.
 * Timed, per round:
 *   (a) sy_office_ingest of every bundle (full verification, unsealing, inflating, replica
 *       append, review-queue comparison, ingest log), bundles taken round-robin across devices
 *       (each device's in seq order), as tablets syncing through the day would arrive;
 *   (b) the baseline: the same rows (device, seq, time_ms, kind, payload, prev_hash, hash)
 *       inserted into a fresh WAL database with synchronous=FULL by one prepared statement, one
 *       transaction per bundle-sized batch, in the same order.
 * The best round of each (highest rows/s) is reported, with median and max ms per bundle (or
 * per batch). Prints figures and the ratio; never passes or fails on time.
 */
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "survey/journal.h"
#include "sync/bundle.h"
#include "sync/office.h"

#define ROUNDS 3
#define MAX_DEVICES 64

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, size_t n)
{
    double *c = malloc(n * sizeof *c);
    if (!c)
        return NAN;
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
    double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    free(c);
    return m;
}

static double maximum(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

static int die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_ingest: %s: %s\n", what, msg);
    return 1;
}

/* ---- a standard day, recorded like tests/tools/qj_fill.c --------------------------------------
 */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double noise(double scale)
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

/* A unit like tests/unit/test_journal.c's make_unit, placed per device (dx degrees east). */
static int record_unit(sv_journal *j, const char *code, double dx)
{
    sv_unit u;
    memset(&u, 0, sizeof u);
    snprintf(u.code, sizeof u.code, "%s", code);
    snprintf(u.type, sizeof u.type, "森林");
    u.name = strdup("南龙山森林公园");
    u.fields[SV_FIELD_OWNER] = strdup("全民");
    u.central_meridian = NAN;
    const double ring[] = {103.20 + dx, 35.55,       103.21 + dx, 35.55,       103.21 + dx,
                           35.56,       103.20 + dx, 35.56,       103.20 + dx, 35.55};
    u.draft.n_parts = 1;
    u.draft.part_rings = malloc(sizeof(size_t));
    u.draft.ring_pts = malloc(sizeof(size_t));
    u.draft.lonlat = malloc(sizeof ring);
    if (!u.name || !u.fields[SV_FIELD_OWNER] || !u.draft.part_rings || !u.draft.ring_pts ||
        !u.draft.lonlat) {
        sv_unit_clear(&u);
        return SV_ENOMEM;
    }
    u.draft.part_rings[0] = 1;
    u.draft.n_rings = 1;
    u.draft.ring_pts[0] = 5;
    u.draft.n_pts = 5;
    memcpy(u.draft.lonlat, ring, sizeof ring);
    int rc = sv_record_unit(j, &u, NULL);
    sv_unit_clear(&u);
    return rc;
}

static int record_day(sv_journal *j, const char *unit, long nv, long np, double dx)
{
    double lat = 35.5500, lon = 103.2300 + dx, t = 1764547200.0;
    int64_t track = 0;
    int rc = SV_OK;
    long done = 0;
    while (rc == SV_OK && done < nv + np) {
        rc = sv_journal_begin(j);
        for (int k = 0; rc == SV_OK && k < 500 && done < nv + np; k++, done++) {
            if (done < nv) {
                sv_vertex v;
                memset(&v, 0, sizeof v);
                snprintf(v.unit, sizeof v.unit, "%s", unit);
                lat += 1.8e-5 + noise(2e-7);
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
                snprintf(p.unit, sizeof p.unit, "%s", unit);
                p.lat = 35.55 + 0.0001 * (double)(done - nv) + noise(1e-8);
                p.lon = 103.25 + dx + noise(1e-8);
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
    return rc;
}

/* ---- the rows, copied out for the baseline ----------------------------------------------------
 */

typedef struct row {
    int64_t seq, time_ms;
    char *kind, *payload;
    size_t payload_len;
    uint8_t prev_hash[SV_HASH_BYTES], hash[SV_HASH_BYTES];
} row;

typedef struct device {
    sv_journal *j;
    char name[32], unit[32], id[33], pk_hex[2 * SV_PUBKEY_BYTES + 1];
    row *rows; /* rows[seq - 1] */
    size_t n;
} device;

static int copy_row(const sv_entry *e, void *ctx)
{
    device *d = ctx;
    row *r = &d->rows[d->n++];
    r->seq = e->seq;
    r->time_ms = e->time_ms;
    r->kind = strdup(e->kind);
    r->payload = malloc(e->payload_len + 1);
    if (!r->kind || !r->payload)
        return SV_ENOMEM;
    memcpy(r->payload, e->payload, e->payload_len);
    r->payload[e->payload_len] = '\0';
    r->payload_len = e->payload_len;
    memcpy(r->prev_hash, e->prev_hash, SV_HASH_BYTES);
    memcpy(r->hash, e->hash, SV_HASH_BYTES);
    return 0;
}

/* One bundle of one device, in arrival order. */
typedef struct item {
    int dev;
    int64_t first_seq, last_seq;
    sy_buf b;
} item;

typedef struct result {
    double rows_per_s, total_ms, median_ms, max_ms;
    size_t rows, batches;
} result;

/* ---- one round ----------------------------------------------------------------------------------
 */

/* A fresh office with every device enrolled, and every journal cut into bundles for it. */
static int prepare(const char *dir, int round, device *dv, int nd, item **out, size_t *nout,
                   sy_office **office)
{
    char path[700], err[512];
    snprintf(path, sizeof path, "%s/office-%d.db", dir, round);
    if (sy_office_create(path, "bench office", SY_OFFICE_TOLERANCE_M, err, sizeof err) != SY_OK)
        return die("sy_office_create", err);
    sy_office *o = NULL;
    if (sy_office_open(path, &o) != SY_OK) {
        die("sy_office_open", o ? sy_office_errmsg(o) : "failed");
        sy_office_close(o);
        return 1;
    }
    sy_office_set_log(o, NULL);
    sy_office_keys keys;
    memset(&keys, 0, sizeof keys);
    for (int d = 0; d < nd; d++) {
        char token[SY_TOKEN_CHARS + 1];
        char *text = NULL;
        if (sy_office_device_add(o, dv[d].name, "bench", token) != SY_OK ||
            sy_office_enroll(o, token, dv[d].id, dv[d].pk_hex, &text) != SY_OK) {
            die("enrolling a device", sy_office_errmsg(o));
            sy_office_close(o);
            return 1;
        }
        json_t *reply = json_loads(text, 0, NULL); /* the reply is JSON text (office.h) */
        free(text);
        const char *oid = json_string_value(json_object_get(reply, "office_id"));
        const char *spk = json_string_value(json_object_get(reply, "sign_pk"));
        const char *bpk = json_string_value(json_object_get(reply, "box_pk"));
        int ok = oid && spk && bpk && strlen(oid) == 32 &&
                 sy_hex2bin(keys.sign_pk, sizeof keys.sign_pk, spk) == SY_OK &&
                 sy_hex2bin(keys.box_pk, sizeof keys.box_pk, bpk) == SY_OK;
        if (ok)
            snprintf(keys.office_id, sizeof keys.office_id, "%s", oid);
        json_decref(reply);
        if (!ok) {
            sy_office_close(o);
            return die("enrollment answer", "no office_id, sign_pk or box_pk");
        }
    }
    /* Bundles per device, then interleaved round-robin (each device's stay in seq order). */
    size_t cap = 0, n = 0;
    item *per = NULL;
    int *count = calloc((size_t)nd, sizeof *count);
    if (!count) {
        sy_office_close(o);
        return die("bundles", "out of memory");
    }
    for (int d = 0; d < nd; d++) {
        int64_t last = sv_journal_last_seq(dv[d].j);
        for (int64_t from = 1; from <= last;) {
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                item *grown = realloc(per, cap * sizeof *per);
                if (!grown) {
                    free(per), free(count);
                    sy_office_close(o);
                    return die("bundles", "out of memory");
                }
                per = grown;
            }
            sy_bundle_info info;
            item *it = &per[n];
            memset(it, 0, sizeof *it);
            if (sy_bundle_build(dv[d].j, &keys, from, 0, &it->b, &info, err, sizeof err) != SY_OK) {
                free(per), free(count);
                sy_office_close(o);
                return die("sy_bundle_build", err);
            }
            it->dev = d;
            it->first_seq = info.first_seq;
            it->last_seq = info.last_seq;
            from = info.last_seq + 1;
            n++, count[d]++;
        }
    }
    item *order = malloc(n * sizeof *order);
    size_t *next = calloc((size_t)nd, sizeof *next), *start = calloc((size_t)nd, sizeof *start);
    if (!order || !next || !start) {
        free(per), free(count), free(order), free(next), free(start);
        sy_office_close(o);
        return die("bundles", "out of memory");
    }
    for (int d = 1; d < nd; d++)
        start[d] = start[d - 1] + (size_t)count[d - 1];
    for (size_t k = 0; k < n;)
        for (int d = 0; d < nd; d++)
            if (next[d] < (size_t)count[d])
                order[k++] = per[start[d] + next[d]++];
    free(per), free(count), free(next), free(start);
    *out = order;
    *nout = n;
    *office = o;
    return 0;
}

static int run_ingest(sy_office *o, device *dv, item *it, size_t n, double *ms, result *res)
{
    memset(res, 0, sizeof *res);
    double t0 = now_ms();
    for (size_t k = 0; k < n; k++) {
        sy_ingest_result r;
        double t = now_ms();
        int rc = sy_office_ingest(o, it[k].b.data, it[k].b.len, dv[it[k].dev].id, "file", &r);
        ms[k] = now_ms() - t;
        int64_t want = it[k].last_seq - it[k].first_seq + 1;
        if (rc != SY_OK || r.status != SY_INGEST_APPLIED || (int64_t)r.applied != want) {
            fprintf(stderr, "bench_ingest: %s bundle %lld-%lld: %s (%s; applied %zu of %lld): %s\n",
                    dv[it[k].dev].name, (long long)it[k].first_seq, (long long)it[k].last_seq,
                    sy_strerror(rc), sy_ingest_status_name(r.status), r.applied, (long long)want,
                    r.message[0] ? r.message : sy_office_errmsg(o));
            return 1;
        }
        res->rows += r.applied;
    }
    res->total_ms = now_ms() - t0;
    res->batches = n;
    return 0;
}

static int run_bare(const char *dir, int round, device *dv, item *it, size_t n, double *ms,
                    result *res)
{
    memset(res, 0, sizeof *res);
    char path[700];
    snprintf(path, sizeof path, "%s/bare-%d.db", dir, round);
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE entries(device TEXT NOT NULL, seq INTEGER NOT NULL,"
                     "  time_ms INTEGER NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,"
                     "  prev_hash BLOB NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (device, seq))",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &ins,
                           NULL) != SQLITE_OK) {
        die("baseline database", sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    int rc = SQLITE_OK;
    double t0 = now_ms();
    for (size_t k = 0; rc == SQLITE_OK && k < n; k++) {
        device *d = &dv[it[k].dev];
        double t = now_ms();
        rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        for (int64_t s = it[k].first_seq; rc == SQLITE_OK && s <= it[k].last_seq; s++) {
            const row *r = &d->rows[s - 1];
            sqlite3_bind_text(ins, 1, d->id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 2, r->seq);
            sqlite3_bind_int64(ins, 3, r->time_ms);
            sqlite3_bind_text(ins, 4, r->kind, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, r->payload, (int)r->payload_len, SQLITE_STATIC);
            sqlite3_bind_blob(ins, 6, r->prev_hash, SV_HASH_BYTES, SQLITE_STATIC);
            sqlite3_bind_blob(ins, 7, r->hash, SV_HASH_BYTES, SQLITE_STATIC);
            rc = sqlite3_step(ins) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
            sqlite3_reset(ins);
            res->rows++;
        }
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        ms[k] = now_ms() - t;
    }
    res->total_ms = now_ms() - t0;
    res->batches = n;
    if (rc != SQLITE_OK)
        die("baseline insert", sqlite3_errmsg(db));
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return rc != SQLITE_OK;
}

static void summarise(result *r, const double *ms)
{
    r->rows_per_s = r->rows / (r->total_ms / 1e3);
    r->median_ms = median(ms, r->batches);
    r->max_ms = maximum(ms, r->batches);
}

int main(int argc, char **argv)
{
    int nd = argc > 1 ? atoi(argv[1]) : 8;
    long nv = argc > 2 ? atol(argv[2]) : 2000, np = argc > 3 ? atol(argv[3]) : 200;
    if (nd < 1 || nd > MAX_DEVICES || nv < 0 || np < 0 || nv + np < 1) {
        fprintf(stderr, "usage: bench_ingest [DEVICES 1-%d] [VERTICES] [POINTS]\n", MAX_DEVICES);
        return 2;
    }
    if (sodium_init() < 0)
        return die("sodium_init", "failed");
    const char *base = getenv("BENCH_DIR") && *getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "/tmp";
    char dir[512];
    snprintf(dir, sizeof dir, "%s/qj-bench-ingest-XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror("bench_ingest: mkdtemp");
        return 1;
    }

    /* Journals: not timed. */
    device dv[MAX_DEVICES];
    memset(dv, 0, sizeof dv);
    int fail = 0;
    size_t total_rows = 0;
    for (int d = 0; d < nd && !fail; d++) {
        char path[700];
        snprintf(path, sizeof path, "%s/tablet-%d.db", dir, d);
        snprintf(dv[d].name, sizeof dv[d].name, "crew%d", d + 1);
        snprintf(dv[d].unit, sizeof dv[d].unit, "622901ZR9%05d", d + 1);
        sv_journal_opts jo = {
            .device_name = dv[d].name, .crew = "bench", .epsg = 0, .central_meridian = NAN};
        if (sv_journal_create(path, &jo, &dv[d].j) != SV_OK) {
            fail = die("sv_journal_create", dv[d].j ? sv_journal_errmsg(dv[d].j) : path);
            break;
        }
        double dx = 0.02 * d; /* each device works its own unit, away from the others */
        if (record_unit(dv[d].j, dv[d].unit, dx) != SV_OK ||
            record_day(dv[d].j, dv[d].unit, nv, np, dx) != SV_OK) {
            fail = die("recording the day", sv_journal_errmsg(dv[d].j));
            break;
        }
        snprintf(dv[d].id, sizeof dv[d].id, "%s", sv_journal_device_id(dv[d].j));
        uint8_t pk[SV_PUBKEY_BYTES];
        sv_journal_public_key(dv[d].j, pk);
        sodium_bin2hex(dv[d].pk_hex, sizeof dv[d].pk_hex, pk, sizeof pk);
        int64_t last = sv_journal_last_seq(dv[d].j);
        dv[d].rows = calloc((size_t)last, sizeof *dv[d].rows);
        if (!dv[d].rows || sv_journal_foreach(dv[d].j, 1, copy_row, &dv[d]) != SV_OK ||
            dv[d].n != (size_t)last) {
            fail = die("reading the journal", sv_journal_errmsg(dv[d].j));
            break;
        }
        total_rows += dv[d].n;
    }

    if (!fail)
        printf("office ingest: %d devices x (%ld vertices + %ld points + init + unit) = %zu rows "
               "(%s)\n",
               nd, nv, np, total_rows, base);
    result best_o = {0}, best_b = {0};
    int nbundles = 0;
    for (int round = 0; round < ROUNDS && !fail; round++) {
        item *it = NULL;
        size_t n = 0;
        sy_office *o = NULL;
        if (prepare(dir, round, dv, nd, &it, &n, &o)) {
            fail = 1;
            break;
        }
        nbundles = (int)n;
        double *ms_o = malloc(n * sizeof *ms_o), *ms_b = malloc(n * sizeof *ms_b);
        result ro, rb;
        if (!ms_o || !ms_b)
            fail = die("timing", "out of memory");
        /* Alternate which goes first so slow disk phases do not always hit one side. */
        if (!fail && round % 2 == 0)
            fail =
                run_ingest(o, dv, it, n, ms_o, &ro) || run_bare(dir, round, dv, it, n, ms_b, &rb);
        else if (!fail)
            fail =
                run_bare(dir, round, dv, it, n, ms_b, &rb) || run_ingest(o, dv, it, n, ms_o, &ro);
        if (!fail) {
            summarise(&ro, ms_o);
            summarise(&rb, ms_b);
            printf(
                "  round %d: ingest %9.0f rows/s (%.0f ms)   bare inserts %9.0f rows/s (%.0f ms)\n",
                round + 1, ro.rows_per_s, ro.total_ms, rb.rows_per_s, rb.total_ms);
            if (ro.rows != total_rows)
                fail = die("ingest", "the office did not apply every row");
            if (ro.rows_per_s > best_o.rows_per_s)
                best_o = ro;
            if (rb.rows_per_s > best_b.rows_per_s)
                best_b = rb;
        }
        free(ms_o), free(ms_b);
        for (size_t k = 0; k < n; k++)
            sy_buf_free(&it[k].b);
        free(it);
        sy_office_close(o);
    }

    if (!fail) {
        printf("  best of %d rounds each, %d bundles per round:\n", ROUNDS, nbundles);
        printf("  baseline bare batched inserts (WAL, synchronous=FULL, 1 txn per bundle)  "
               "%9.0f rows/s   per batch median %6.2f ms  max %6.2f ms\n",
               best_b.rows_per_s, best_b.median_ms, best_b.max_ms);
        printf("  sy_office_ingest (verify, unseal, inflate, replica, review, log)       "
               "%9.0f rows/s   per bundle median %6.2f ms  max %6.2f ms\n",
               best_o.rows_per_s, best_o.median_ms, best_o.max_ms);
        printf("  ratio ingest/baseline %.2f (target >= 0.50)\n",
               best_o.rows_per_s / best_b.rows_per_s);
    }

    for (int d = 0; d < nd; d++) {
        for (size_t i = 0; i < dv[d].n; i++) {
            free(dv[d].rows[i].kind);
            free(dv[d].rows[i].payload);
        }
        free(dv[d].rows);
        sv_journal_close(dv[d].j);
    }
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_ingest: could not remove %s\n", dir);
    return fail;
}
