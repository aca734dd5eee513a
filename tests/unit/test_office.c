/*
 * test_office.c - the county office's store without HTTP: enrollment, request authentication,
 * ingest (applied, duplicate, gap, altered bytes, another device's bundle, a fork), the review
 * queue (cases found, idempotent, repaired after a crash between the replica commit and the
 * review insert), signed task packages, and the county-wide export of several replicas.
 *
 * Reads $QJ_FIXTURES/tasks/linxia-units-4490.geojson; works in a temporary directory.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "check.h"
#include "survey/clock.h"
#include "survey/journal.h"
#include "survey/state.h"
#include "survey/tasks.h"
#include "sync/bundle.h"
#include "sync/imagery.h"
#include "sync/office.h"
#include "sync/office_staff.h"
#include "tablets.h"

static const char *U = "622901ZR000002";

static void point(sv_journal *j, const char *number, double lat, double lon)
{
    sv_bpoint p;
    memset(&p, 0, sizeof p);
    snprintf(p.unit, sizeof p.unit, "%s", U);
    snprintf(p.number, sizeof p.number, "%s", number);
    snprintf(p.point_type, sizeof p.point_type, "measured");
    p.lat = lat;
    p.lon = lon;
    p.h = NAN;
    p.q = sv_quality_unknown();
    CHECK_INT(sv_record_point(j, &p, NULL), SV_OK);
}

static void vertices(sv_journal *j, double lat)
{
    int64_t track = 0;
    for (int k = 0; k < 4; k++) {
        sv_vertex v;
        memset(&v, 0, sizeof v);
        snprintf(v.unit, sizeof v.unit, "%s", U);
        v.track = track;
        v.lat = lat + 0.0005 * k;
        v.lon = 103.23 + 0.0005 * (k % 2);
        v.h = NAN;
        v.fix_time = NAN;
        v.q = sv_quality_unknown();
        int64_t seq;
        CHECK_INT(sv_record_vertex(j, &v, &seq), SV_OK);
        if (!track)
            track = seq;
    }
}

static void verify(sv_journal *j, sv_vstatus s)
{
    sv_verification v;
    memset(&v, 0, sizeof v);
    snprintf(v.unit, sizeof v.unit, "%s", U);
    v.field = SV_FIELD_OWNER;
    v.status = s;
    v.note = s == SV_VERIFY_DISPUTED ? "the village says it is theirs" : NULL;
    CHECK_INT(sv_record_verification(j, &v, NULL), SV_OK);
}

/* The tree of a listing's JSON text (office.h), which is freed. */
static json_t *parsed(char *text)
{
    json_error_t e;
    json_t *v = text ? json_loads(text, 0, &e) : NULL;
    CHECK(v != NULL);
    free(text);
    return v;
}

/* Register a device and enroll the tablet; keys receives the office's public identity. */
static void enroll(sy_office *o, const char *name, sv_journal *j, sy_office_keys *keys)
{
    char token[SY_TOKEN_CHARS + 1], pkhex[65];
    CHECK_INT(sy_office_device_add(o, name, NULL, token), SY_OK);
    uint8_t pk[32];
    sv_journal_public_key(j, pk);
    sodium_bin2hex(pkhex, sizeof pkhex, pk, 32);
    char *text = NULL;
    CHECK_INT(sy_office_enroll(o, token, sv_journal_device_id(j), pkhex, &text), SY_OK);
    /* The same call again (a tablet whose connection broke) gets the same answer. */
    char *again = NULL;
    CHECK_INT(sy_office_enroll(o, token, sv_journal_device_id(j), pkhex, &again), SY_OK);
    CHECK(text && again && strcmp(text, again) == 0);
    free(again);
    json_t *r = parsed(text);
    memset(keys, 0, sizeof *keys);
    snprintf(keys->office_id, sizeof keys->office_id, "%s",
             json_string_value(json_object_get(r, "office_id")));
    CHECK_INT(sy_hex2bin(keys->sign_pk, 32, json_string_value(json_object_get(r, "sign_pk"))),
              SY_OK);
    CHECK_INT(sy_hex2bin(keys->box_pk, 32, json_string_value(json_object_get(r, "box_pk"))), SY_OK);
    json_decref(r);
}

static int ingest(sy_office *o, sv_journal *j, const sy_office_keys *k, int64_t from,
                  sy_ingest_result *r)
{
    sy_buf b = {0};
    sy_bundle_info info;
    char err[256];
    int rc = sy_bundle_build(j, k, from, 0, &b, &info, err, sizeof err);
    CHECK_INT(rc, SY_OK);
    rc = sy_office_ingest(o, b.data, b.len, NULL, "test", r);
    sy_buf_free(&b);
    return rc;
}

static size_t open_cases(sy_office *o)
{
    char *text = NULL;
    CHECK_INT(sy_office_review(o, 0, &text), SY_OK);
    json_t *r = parsed(text);
    size_t n = json_array_size(json_object_get(r, "cases"));
    json_decref(r);
    return n;
}

static void test_auth(sy_office *o, sv_journal *j)
{
    const char *path = "/v1/cursor", *method = "GET";
    char t[32];
    int64_t now = 1700000000000LL;
    snprintf(t, sizeof t, "%lld", (long long)now);
    uint8_t h[32], sig[64];
    crypto_hash_sha256(h, (const uint8_t *)"", 0);
    uint8_t msg[256];
    size_t n = 0;
    const char *parts[] = {"quejie-request-v1", method, path, t};
    for (size_t i = 0; i < 4; i++) {
        memcpy(msg + n, parts[i], strlen(parts[i]) + 1);
        n += strlen(parts[i]) + 1;
    }
    memcpy(msg + n, h, 32);
    n += 32;
    CHECK_INT(sv_journal_sign(j, msg, n, sig), SV_OK);
    char sighex[129];
    sodium_bin2hex(sighex, sizeof sighex, sig, 64);
    sy_device dev;
    CHECK_INT(sy_office_authenticate(o, sv_journal_device_id(j), t, sighex, method, path, NULL, 0,
                                     now, &dev),
              SY_OK);
    CHECK_STR(dev.name, "crew1");
    CHECK_INT(sy_office_authenticate(o, sv_journal_device_id(j), t, sighex, method, "/v1/tasks",
                                     NULL, 0, now, &dev),
              SY_EAUTH);
    CHECK_INT(sy_office_authenticate(o, sv_journal_device_id(j), t, sighex, method, path,
                                     (const uint8_t *)"x", 1, now, &dev),
              SY_EAUTH);
    CHECK_INT(sy_office_authenticate(o, sv_journal_device_id(j), t, sighex, method, path, NULL, 0,
                                     now + SY_OFFICE_CLOCK_WINDOW_MS + 1, &dev),
              SY_EAUTH);
    CHECK_INT(sy_office_authenticate(o, NULL, t, sighex, method, path, NULL, 0, now, &dev),
              SY_EAUTH);
    CHECK_INT(sy_office_authenticate(o, "../../../../etc/passwd0000000000", t, sighex, method, path,
                                     NULL, 0, now, &dev),
              SY_EAUTH);
}

static void test_tasks(sy_office *o, sv_journal *j, const sy_office_keys *k)
{
    size_t n = 0;
    CHECK_INT(sy_office_tasks_import(o, fixture, "crew1", 0, &n), SY_OK);
    CHECK_INT(n, 3);
    sy_device dev = {0};
    snprintf(dev.name, sizeof dev.name, "crew1");
    snprintf(dev.device_id, sizeof dev.device_id, "%s", sv_journal_device_id(j));
    char *body = NULL, sighex[129];
    size_t len = 0;
    CHECK_INT(sy_office_tasks_for(o, &dev, &body, &len, sighex), SY_OK);
    uint8_t sig[64], msg[16 + 32 + 32];
    CHECK_INT(sy_hex2bin(sig, 64, sighex), SY_OK);
    memcpy(msg, "quejie-tasks-v1", 16);
    memcpy(msg + 16, dev.device_id, 32);
    crypto_hash_sha256(msg + 48, (const uint8_t *)body, len);
    CHECK(crypto_sign_verify_detached(sig, msg, sizeof msg, k->sign_pk) == 0);
    /* What the office signs is what a tablet can import. */
    sv_task_set set;
    sv_diag d = {{0}};
    CHECK_INT(sv_tasks_parse("tasks", body, len, NULL, NULL, &set, &d), SV_OK);
    CHECK_INT(set.n, 3);
    sv_task_set_clear(&set);
    free(body);
    snprintf(dev.name, sizeof dev.name, "crew2");
    CHECK_INT(sy_office_tasks_for(o, &dev, &body, &len, sighex), SY_OK);
    CHECK(strstr(body, "\"features\":[]") != NULL);
    free(body);
}

/* Whether the ingest log's applied rows of a device cover its entries 1..held, seq by seq. */
static int log_covers(const char *device_id, int64_t held)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    CHECK_INT(sqlite3_open(path_of("o.db"), &db), SQLITE_OK);
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "SELECT first_seq, last_seq FROM ingest_log WHERE device_id = ?"
                                 " AND result = 'applied' ORDER BY first_seq",
                                 -1, &st, NULL),
              SQLITE_OK);
    sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
    int64_t covered = 0; /* every seq up to here has an applied row */
    while (sqlite3_step(st) == SQLITE_ROW)
        if (sqlite3_column_int64(st, 0) <= covered + 1 && sqlite3_column_int64(st, 1) > covered)
            covered = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return covered >= held;
}

static void office_sql(const char *sql)
{
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path_of("o.db"), &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/*
 * Every applied bundle has its ingest log row (the log is written ahead of the apply, in the
 * office database, which cannot share a transaction with the replica). Two failures are
 * injected into the real office database with triggers: the log row cannot be written (the
 * bundle must then not be applied), and the office "dies" between the apply and the outcome
 * (the row written ahead is settled by the device's next ingest).
 */
static void test_log_atomic(sy_office *o, sv_journal *j, const sy_office_keys *k)
{
    const char *id = sv_journal_device_id(j);
    sy_ingest_result r;
    int64_t acked = 0;
    CHECK_INT(sy_office_cursor(o, id, &acked, NULL), SY_OK);
    CHECK(log_covers(id, acked));

    /* The log cannot be written (a full disk, say): nothing may be applied unlogged. */
    office_sql("CREATE TRIGGER test_nolog BEFORE INSERT ON ingest_log"
               " BEGIN SELECT RAISE(ABORT, 'no space left (test)'); END");
    point(j, "L1", 35.5601, 103.2401);
    CHECK(ingest(o, j, k, acked + 1, &r) != SY_OK);
    CHECK_INT(r.status, SY_INGEST_REFUSED);
    CHECK(strstr(r.message, "ingest log") != NULL);
    int64_t now = 0;
    CHECK_INT(sy_office_cursor(o, id, &now, NULL), SY_OK);
    CHECK(log_covers(id, now)); /* before the fix: applied, and no row says so */
    CHECK_INT(now, acked);
    office_sql("DROP TRIGGER test_nolog");

    /* The office dies after the apply, before the outcome is logged: the row written ahead
     * stays 'applying' and the next ingest of the device settles it as applied. */
    office_sql("CREATE TRIGGER test_crash BEFORE UPDATE ON ingest_log"
               " BEGIN SELECT RAISE(ABORT, 'killed (test)'); END");
    CHECK_INT(ingest(o, j, k, acked + 1, &r), SY_OK);
    CHECK_INT(r.status, SY_INGEST_APPLIED);
    office_sql("DROP TRIGGER test_crash");
    CHECK_INT(sy_office_cursor(o, id, &now, NULL), SY_OK);
    CHECK_INT(now, sv_journal_last_seq(j));
    CHECK_INT(ingest(o, j, k, acked + 1, &r), SY_OK);
    CHECK_INT(r.status, SY_INGEST_DUPLICATE);
    CHECK(log_covers(id, now));
    char *text = NULL;
    CHECK_INT(sy_office_log(o, 2, &text), SY_OK);
    json_t *log = parsed(text);
    json_t *settled = json_array_get(log, 1);
    CHECK_STR(json_string_value(json_object_get(settled, "result")), "applied");
    CHECK(strstr(json_string_value(json_object_get(settled, "reason")), "stopped") != NULL);
    json_decref(log);
}

/* The overview's tracks (sy_office_tracks): today's walks, a long one thinned to
 * SY_TRACK_MAX_VERTICES keeping its ends; another day has none; a malformed date is refused. */
static void test_tracks(sy_office *o, sv_journal *a, const sy_office_keys *ka)
{
    const int N = 450;
    int64_t track = 0, first = 0;
    for (int k = 0; k < N; k++) {
        sv_vertex v;
        memset(&v, 0, sizeof v);
        snprintf(v.unit, sizeof v.unit, "%s", U);
        v.track = track;
        v.lat = 35.56 + 0.000005 * k;
        v.lon = 103.24;
        v.h = NAN;
        v.fix_time = NAN;
        v.q = sv_quality_unknown();
        int64_t seq;
        CHECK_INT(sv_record_vertex(a, &v, &seq), SV_OK);
        if (!track)
            track = first = seq;
    }
    /* the survey library's day filter, on the tablet's own journal */
    sv_track t;
    int64_t now = sv_wall_ms();
    CHECK_INT(sv_state_track_between(a, U, now - 3600000, now + 3600000, &t), SV_OK);
    CHECK(t.n >= (size_t)N);
    sv_track_clear(&t);
    CHECK_INT(sv_state_track_between(a, U, 0, 1000, &t), SV_OK);
    CHECK_INT(t.n, 0);
    sv_track_clear(&t);
    sy_ingest_result r;
    CHECK_INT(ingest(o, a, ka, 1, &r), SY_OK);
    char *text = NULL;
    CHECK_INT(sy_office_tracks(o, NULL, &text), SY_OK);
    json_t *fc = parsed(text);
    CHECK_INT(json_integer_value(json_object_get(fc, "max_vertices")), SY_TRACK_MAX_VERTICES);
    size_t i, n_long = 0, n_short = 0;
    json_t *f;
    json_array_foreach(json_object_get(fc, "features"), i, f)
    {
        json_t *p = json_object_get(f, "properties");
        json_t *c = json_object_get(json_object_get(f, "geometry"), "coordinates");
        CHECK_STR(json_string_value(json_object_get(p, "unit")), U);
        CHECK_INT((int64_t)json_array_size(c), json_integer_value(json_object_get(p, "shown")));
        if (json_integer_value(json_object_get(p, "walk")) == first) {
            n_long++;
            CHECK_INT(json_integer_value(json_object_get(p, "vertices")), N);
            CHECK_INT(json_array_size(c), SY_TRACK_MAX_VERTICES);
            CHECK(fabs(json_real_value(json_array_get(json_array_get(c, 0), 1)) - 35.56) < 1e-9);
            CHECK(fabs(json_real_value(
                           json_array_get(json_array_get(c, SY_TRACK_MAX_VERTICES - 1), 1)) -
                       (35.56 + 0.000005 * (N - 1))) < 1e-9);
        } else {
            n_short++;
            CHECK_INT(json_array_size(c), 4); /* a short walk is drawn whole */
        }
    }
    CHECK_INT(n_long, 1);
    CHECK_INT(n_short, 2); /* crew1's and crew2's four-vertex walks */
    json_decref(fc);
    CHECK_INT(sy_office_tracks(o, "2001-01-01", &text), SY_OK);
    fc = parsed(text);
    CHECK_INT(json_array_size(json_object_get(fc, "features")), 0);
    CHECK_STR(json_string_value(json_object_get(fc, "date")), "2001-01-01");
    json_decref(fc);
    CHECK_INT(sy_office_tracks(o, "2026-13-01", &text), SY_EINVAL);
    CHECK(text == NULL);
}

/* Imagery with a margin: a device's manifest lists the packs around its units, with their own
 * version and bytes, and the office serves it those and refuses it the others by name; imagery
 * sent whole lists and serves everything. A raster of 4096 x 2048 px at 2e-5 degrees (8 x 4
 * blocks at its finest level) made by GDAL; one 100 m unit near its south-west corner. */
static void test_imagery_margin(sy_office *o)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "gdal_create -q -of GTiff -outsize 4096 2048 -bands 1 -burn 77 -a_srs EPSG:4490 "
             "-a_ullr 103.30 35.64096 103.38192 35.60 %s",
             path_of("county.tif"));
    CHECK_INT(system(cmd), 0);
    static const char unit[] =
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
        "\"properties\":{\"code\":\"622901SL900001\",\"name\":\"sw\"},\"geometry\":"
        "{\"type\":\"Polygon\",\"coordinates\":[[[103.302,35.602],[103.303,35.602],"
        "[103.303,35.603],[103.302,35.603],[103.302,35.602]]]}}]}";
    size_t n = 0;
    CHECK_INT(sy_office_tasks_import_buf(o, "sw.geojson", unit, sizeof unit - 1, "边组", 0, &n),
              SY_OK);
    sy_imagery_info clip, whole;
    CHECK_INT(sy_office_imagery_add(o, path_of("county.tif"), "dom", "边组", 0, -3, &clip),
              SY_EINVAL);
    CHECK_INT(sy_office_imagery_add(o, path_of("county.tif"), "dom", "边组", 0, 200, &clip), SY_OK);
    CHECK(clip.margin_m == 200);
    CHECK_INT(
        sy_office_imagery_add(o, path_of("county.tif"), "all", "边组", 0, SY_IMAGERY_WHOLE, &whole),
        SY_OK);
    CHECK(whole.margin_m < 0);
    sy_device dev = {.name = "edge1", .crew = "边组", .device_id = "e1"};
    char *body = NULL, sig[129];
    size_t len = 0;
    CHECK_INT(sy_office_imagery_for(o, &dev, &body, &len, sig), SY_OK);
    json_t *doc = json_loads(body, 0, NULL), *items = json_object_get(doc, "imagery");
    free(body);
    CHECK_INT((int)json_array_size(items), 2);
    json_t *a = json_array_get(items, 0), *d = json_array_get(items, 1); /* "all", "dom" */
    CHECK_STR(json_string_value(json_object_get(d, "name")), "dom");
    json_t *listed = json_object_get(d, "packs");
    size_t kept = json_array_size(listed);
    /* around the unit: some packs, not all; its own version and bytes */
    CHECK(kept >= 1 && (int)kept < clip.packs);
    CHECK_INT((int)json_array_size(json_object_get(a, "packs")), whole.packs);
    CHECK(strcmp(json_string_value(json_object_get(d, "version")), clip.version) != 0);
    CHECK_STR(json_string_value(json_object_get(a, "version")), whole.version);
    CHECK(json_integer_value(json_object_get(d, "bytes")) < clip.bytes);
    /* every pack of "dom": served when listed, refused by name otherwise (asked by another
     * device of the crew; "all" removed first, as its packs, sent whole, are the same tiles) */
    sy_device other = {.name = "edge2", .crew = "边组", .device_id = "e2"};
    CHECK_INT(sy_office_imagery_remove(o, "all"), SY_OK);
    sqlite3 *db;
    sqlite3_stmt *st;
    CHECK_INT(sqlite3_open(path_of("o.db"), &db), SQLITE_OK);
    CHECK_INT(
        sqlite3_prepare_v2(db, "SELECT hash FROM imagery_packs WHERE name = 'dom'", -1, &st, NULL),
        SQLITE_OK);
    int served = 0, refused = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *h = (const char *)sqlite3_column_text(st, 0);
        int in = 0;
        for (size_t i = 0; i < kept; i++)
            in |= strcmp(json_string_value(json_array_get(json_array_get(listed, i), 0)), h) == 0;
        uint8_t *data = NULL;
        size_t dl = 0;
        int rc = sy_office_imagery_chunk(o, &other, h, &data, &dl);
        CHECK_INT(rc, in ? SY_OK : SY_EREFUSED);
        if (!in)
            CHECK(strstr(sy_office_errmsg(o), "away from the device's units") != NULL);
        served += rc == SY_OK;
        refused += rc == SY_EREFUSED;
        free(data);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    CHECK_INT(served, (int)kept);
    CHECK(refused > 0);
    /* a device with no units: the skeleton only */
    sy_device none = {.name = "idle", .crew = "闲组", .device_id = "i1"};
    CHECK_INT(sy_office_imagery_remove(o, "dom"), SY_OK);
    CHECK_INT(sy_office_imagery_add(o, path_of("county.tif"), "dom", "*", 0, 200, &clip), SY_OK);
    CHECK_INT(sy_office_imagery_for(o, &none, &body, &len, sig), SY_OK);
    json_decref(doc);
    doc = json_loads(body, 0, NULL);
    free(body);
    d = json_array_get(json_object_get(doc, "imagery"), 0);
    CHECK_INT((int)json_array_size(json_object_get(d, "packs")), 0);
    CHECK(json_integer_value(json_object_get(d, "bytes")) ==
          json_integer_value(json_object_get(d, "skeleton_bytes")));
    json_decref(doc);
    CHECK_INT(sy_office_imagery_remove(o, "dom"), SY_OK);
}

/* A crew's file reaches the office only after the entry that names it, piece by piece from
 * where the office's copy ends, and is kept only when it hashes to its name. */
static void test_files(sy_office *o, sv_journal *a, const sy_office_keys *ka, sv_journal *b)
{
    uint8_t png[3000];
    memcpy(png, "\x89PNG\r\n\x1a\n", 8);
    randombytes_buf(png + 8, sizeof png - 8);
    sv_attachment at;
    memset(&at, 0, sizeof at);
    snprintf(at.unit, sizeof at.unit, "%s", U);
    snprintf(at.what, sizeof at.what, "photo");
    snprintf(at.name, sizeof at.name, "marker.png");
    int64_t from = sv_journal_last_seq(a) + 1;
    CHECK_INT(sv_record_attachment(a, &at, png, sizeof png, NULL), SV_OK);
    const char *ida = sv_journal_device_id(a), *idb = sv_journal_device_id(b);
    sy_file_status s;
    /* not before its entry is at the office */
    CHECK_INT(sy_office_file_status(o, ida, at.sha256, &s), SY_ENOTFOUND);
    CHECK_INT(sy_office_file_piece(o, ida, at.sha256, 0, png, 100, &s), SY_ENOTFOUND);
    sy_ingest_result r;
    CHECK_INT(ingest(o, a, ka, from, &r), SY_OK);
    CHECK_INT(sy_office_file_status(o, ida, at.sha256, &s), SY_OK);
    CHECK_INT(s.bytes, (int64_t)sizeof png);
    CHECK_INT(s.have, 0);
    CHECK(!s.complete);
    /* another device's entries do not name it; a name that is no hash is refused */
    CHECK_INT(sy_office_file_status(o, idb, at.sha256, &s), SY_ENOTFOUND);
    CHECK_INT(sy_office_file_status(o, ida, "abc", &s), SY_EINVAL);
    /* pieces in order only; none past the end */
    CHECK_INT(sy_office_file_piece(o, ida, at.sha256, 10, png + 10, 100, &s), SY_EGAP);
    CHECK_INT(s.have, 0);
    CHECK_INT(sy_office_file_piece(o, ida, at.sha256, 0, png, 1000, &s), SY_OK);
    CHECK_INT(s.have, 1000);
    CHECK_INT(sy_office_file_piece(o, ida, at.sha256, 1000, png + 1000, sizeof png, &s), SY_EINVAL);
    /* a whole that does not hash to its name: dropped, to be sent again from 0 */
    png[2000] ^= 1;
    CHECK_INT(sy_office_file_piece(o, ida, at.sha256, 1000, png + 1000, 2000, &s), SY_EREFUSED);
    CHECK(strstr(sy_office_errmsg(o), "do not hash to its name") != NULL);
    png[2000] ^= 1;
    CHECK_INT(sy_office_file_status(o, ida, at.sha256, &s), SY_OK);
    CHECK_INT(s.have, 0);
    uint8_t *got = NULL;
    size_t len = 0;
    char type[32];
    CHECK_INT(sy_office_attachment(o, at.sha256, &got, &len, type, NULL), SY_ENOTFOUND);
    CHECK_INT(sy_office_file_piece(o, ida, at.sha256, 0, png, 1500, &s), SY_OK);
    CHECK_INT(sy_office_file_piece(o, ida, at.sha256, 1500, png + 1500, 1500, &s), SY_OK);
    CHECK(s.complete && s.have == (int64_t)sizeof png);
    /* a piece for a complete file is answered as complete */
    CHECK_INT(sy_office_file_piece(o, ida, at.sha256, 0, png, 10, &s), SY_OK);
    CHECK(s.complete);
    char *aname = NULL;
    CHECK_INT(sy_office_attachment(o, at.sha256, &got, &len, type, &aname), SY_OK);
    CHECK(len == sizeof png && got && memcmp(got, png, len) == 0);
    CHECK_STR(type, "image/png");
    CHECK(aname && *aname); /* the name it was attached with, for a download */
    free(aname);
    free(got);
    int64_t held = -1;
    CHECK_INT(sy_office_files_held(o, ida, &held), SY_OK);
    CHECK_INT(held, 1);
    CHECK_INT(sy_office_files_held(o, idb, &held), SY_OK);
    CHECK_INT(held, 0);

    /* A second file whose entry was acknowledged but never indexed (the index failed after the
     * ingest), and whose pieces all arrived but were never put together (an office stopped
     * between the two): both repaired by the next request about it, not by the next bundle. */
    png[9] ^= 0x55;
    snprintf(at.name, sizeof at.name, "marker-2.png");
    int64_t seq2 = 0;
    from = sv_journal_last_seq(a) + 1;
    CHECK_INT(sv_record_attachment(a, &at, png, sizeof png, &seq2), SV_OK);
    CHECK_INT(ingest(o, a, ka, from, &r), SY_OK);
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path_of("o.db"), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *sql = sqlite3_mprintf("DELETE FROM field_attachments WHERE device_id = %Q AND seq = %lld;"
                                "UPDATE life_indexed SET seq = %lld WHERE device_id = %Q;",
                                ida, (long long)seq2, (long long)seq2 - 1, ida);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    CHECK_INT(sy_office_file_status(o, ida, at.sha256, &s), SY_OK);
    CHECK(s.bytes == (int64_t)sizeof png && s.have == 0 && !s.complete);
    sqlite3_stmt *ins;
    CHECK_INT(sqlite3_prepare_v2(db,
                                 "INSERT INTO device_pieces(sha256, device_id, offset, data)"
                                 " VALUES (?, ?, 0, ?)",
                                 -1, &ins, NULL),
              SQLITE_OK);
    sqlite3_bind_text(ins, 1, at.sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, ida, -1, SQLITE_STATIC);
    sqlite3_bind_blob(ins, 3, png, sizeof png, SQLITE_STATIC);
    CHECK_INT(sqlite3_step(ins), SQLITE_DONE);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    CHECK_INT(sy_office_file_status(o, ida, at.sha256, &s), SY_OK);
    CHECK(s.complete && s.have == (int64_t)sizeof png);
    CHECK_INT(sy_office_attachment(o, at.sha256, &got, &len, type, NULL), SY_OK);
    CHECK(len == sizeof png && got && memcmp(got, png, len) == 0);
    free(got);
    CHECK_INT(sy_office_files_held(o, ida, &held), SY_OK);
    CHECK_INT(held, 2);

    /* A third file, half sent by a, while b's entry (forged here: a device's own entries hash
     * what they name) names it too, as long as what a has sent: b's upload is its own (it holds
     * nothing of a's), and b's bytes that do not hash to the name are dropped without touching
     * a's half. a goes on and finishes. */
    png[9] ^= 0x33;
    snprintf(at.name, sizeof at.name, "marker-3.png");
    from = sv_journal_last_seq(a) + 1;
    CHECK_INT(sv_record_attachment(a, &at, png, sizeof png, NULL), SV_OK);
    CHECK_INT(ingest(o, a, ka, from, &r), SY_OK);
    CHECK_INT(sy_office_file_piece(o, ida, at.sha256, 0, png, 1000, &s), SY_OK);
    CHECK_INT(sqlite3_open(path_of("o.db"), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sql = sqlite3_mprintf("INSERT INTO field_attachments(device_id, seq, time, unit, what, name,"
                          " sha256, type, bytes) VALUES (%Q, 999999, 0, %Q, 'photo', 'x.png',"
                          " %Q, 'image/png', 1000)",
                          idb, U, at.sha256);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    CHECK_INT(sy_office_file_status(o, idb, at.sha256, &s), SY_OK);
    CHECK(!s.complete && s.have == 0);
    CHECK_INT(sy_office_file_piece(o, idb, at.sha256, 1000, png, 10, &s), SY_EGAP);
    CHECK_INT(sy_office_file_piece(o, idb, at.sha256, 0, png + 7, 1000, &s), SY_EREFUSED);
    CHECK_INT(sy_office_file_status(o, idb, at.sha256, &s), SY_OK);
    CHECK(!s.complete && s.have == 0);
    CHECK_INT(sy_office_file_status(o, ida, at.sha256, &s), SY_OK);
    CHECK(!s.complete && s.have == 1000);
    CHECK_INT(sy_office_file_piece(o, ida, at.sha256, 1000, png + 1000, 2000, &s), SY_OK);
    CHECK(s.complete && s.have == (int64_t)sizeof png);
    sql = sqlite3_mprintf("DELETE FROM field_attachments WHERE device_id = %Q", idb);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);

    /* Asking about a file none of a's entries names: when the index is behind the replica it is
     * brought up (above); when that fails (a replica that cannot be read), the answer is still
     * that no entry names the file, not the refresh's trouble, which goes to the log */
    char fake[65];
    memset(fake, 'e', 64);
    fake[64] = 0;
    sql = sqlite3_mprintf("UPDATE life_indexed SET seq = 1 WHERE device_id = %Q", ida);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    sqlite3_close(db);
    /* the replica and its WAL (which would otherwise still give SQLite the pages) set aside */
    char rep[3][2048], aside[3][2100];
    for (int i = 0; i < 3; i++) {
        const char *ext = i == 0 ? "" : i == 1 ? "-wal" : "-shm";
        snprintf(rep[i], sizeof rep[i], "%s.replicas/%s.db%s", path_of("o.db"), ida, ext);
        snprintf(aside[i], sizeof aside[i], "%s.replicas/%s.db%s.aside", path_of("o.db"), ida, ext);
        CHECK(rename(rep[i], aside[i]) == 0 || (i > 0 && errno == ENOENT));
    }
    FILE *junk = fopen(rep[0], "wb");
    CHECK(junk != NULL);
    for (int i = 0; junk && i < 512; i++)
        fputs("not a database ", junk);
    if (junk)
        fclose(junk);
    FILE *log = tmpfile();
    CHECK(log != NULL);
    sy_office_set_log(o, log);
    CHECK_INT(sy_office_file_status(o, ida, fake, &s), SY_ENOTFOUND);
    CHECK(strstr(sy_office_errmsg(o), "send the entries first") != NULL);
    /* asked again at once (a device going through its files): the broken replica is not opened
     * again for a while, the answer is the same, and the log says it once */
    fake[0] = 'f';
    CHECK_INT(sy_office_file_status(o, ida, fake, &s), SY_ENOTFOUND);
    CHECK(strstr(sy_office_errmsg(o), "send the entries first") != NULL);
    sy_office_set_log(o, NULL);
    int tries = 0;
    char line[1024];
    rewind(log);
    while (fgets(line, sizeof line, log))
        tries += strstr(line, "not brought up to its replica") != NULL;
    fclose(log);
    CHECK_INT(tries, 1);
    unlink(rep[0]);
    for (int i = 0; i < 3; i++)
        CHECK(rename(aside[i], rep[i]) == 0 || (i > 0 && errno == ENOENT));
    CHECK_INT(sy_office_file_status(o, ida, at.sha256, &s), SY_OK);
    CHECK(s.complete);
}

/* A session's idle clock is written often enough that someone at work never lapses: at most a
 * minute apart, a quarter of a short timeout apart, and whatever it waits for once half the
 * timeout has gone by (a 1-minute timeout logged out a user active every 25 s). */
static void test_session_clock(sy_office *o)
{
    /* passwords by characters, not bytes; never nothing but spaces */
    char perr[128];
    CHECK_INT(sy_password_check("密码密码密码密码", perr, sizeof perr), SY_EINVAL); /* 8 */
    CHECK(strstr(perr, "at least 10 characters") != NULL);
    CHECK_INT(sy_password_check("确界县局密码确界县局", perr, sizeof perr), SY_OK); /* 10 */
    CHECK_INT(sy_password_check("            ", perr, sizeof perr), SY_EINVAL);
    CHECK(strstr(perr, "spaces") != NULL);
    CHECK_INT(
        sy_office_user_add(o, "clerk", SY_ROLE_VIEWER, "a long enough password", "admin", "local"),
        SY_OK);
    sy_login l;
    int64_t t0 = sv_wall_ms();
    CHECK_INT(sy_office_login_begin(o, "clerk", "127.0.0.1", t0, &l), SY_OK);
    char tok[SY_SECRET_CHARS + 1], csrf[SY_SECRET_CHARS + 1];
    CHECK_INT(sy_office_login_ok(o, &l, "127.0.0.1", t0, NULL, tok, csrf), SY_OK);
    sy_session s;
    /* a 60 s timeout: written every 15 s, urgently after 30 s */
    CHECK_INT(sy_office_session(o, tok, t0 + 10000, 60, 3600, &s), SY_OK);
    CHECK(!s.stale && !s.urgent);
    CHECK_INT(sy_office_session(o, tok, t0 + 16000, 60, 3600, &s), SY_OK);
    CHECK(s.stale && !s.urgent);
    CHECK_INT(sy_office_session(o, tok, t0 + 31000, 60, 3600, &s), SY_OK);
    CHECK(s.stale && s.urgent);
    /* active every 25 s for five minutes, each request writing the clock it is told to: alive */
    int64_t t = t0;
    for (int i = 1; i <= 12; i++) {
        t = t0 + i * 25000;
        CHECK_INT(sy_office_session(o, tok, t, 60, 3600, &s), SY_OK);
        if (s.stale)
            CHECK_INT(sy_office_session_touch(o, tok, t), SY_OK);
    }
    /* idle past the timeout: over */
    CHECK_INT(sy_office_session(o, tok, t + 61000, 60, 3600, &s), SY_EAUTH);
    /* the default 30 minutes: once a minute */
    CHECK_INT(sy_office_session(o, tok, t + 59000, 1800, 3600, &s), SY_OK);
    CHECK(!s.stale);
    CHECK_INT(sy_office_session(o, tok, t + 61000, 1800, 3600, &s), SY_OK);
    CHECK(s.stale && !s.urgent);
}

int main(void)
{
    const char *fix = getenv("QJ_FIXTURES");
    if (!fix) {
        fprintf(stderr, "test_office: QJ_FIXTURES must be set (ctest sets it)\n");
        return 1;
    }
    snprintf(fixture, sizeof fixture, "%s/tasks/linxia-units-4490.geojson", fix);
    snprintf(dir, sizeof dir, "/tmp/qj-office-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    if (sodium_init() < 0)
        return 1;

    char err[256];
    CHECK_INT(sy_office_create(path_of("o.db"), "test office", 0.2, err, sizeof err), SY_OK);
    CHECK_INT(sy_office_create(path_of("o.db"), "test office", 0.2, err, sizeof err), SY_EINVAL);
    sy_office *o = NULL;
    CHECK_INT(sy_office_open(path_of("o.db"), &o), SY_OK);

    /* Device names the console could not address (a path with "..", "/" or "\\"): refused,
     * in an office of their own (the devices listed below are the two tablets). */
    {
        sy_office *n = NULL;
        char tok[SY_TOKEN_CHARS + 1];
        CHECK_INT(sy_office_create(path_of("names.db"), "names", 0.2, err, sizeof err), SY_OK);
        CHECK_INT(sy_office_open(path_of("names.db"), &n), SY_OK);
        const char *bad[] = {"crew..1", "a/b", "a\\b", ".."};
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            CHECK_INT(sy_office_device_add(n, bad[i], NULL, tok), SY_EINVAL);
            CHECK(strstr(sy_office_errmsg(n), "'..'") != NULL);
        }
        CHECK_INT(sy_office_device_add(n, "crew.1 东乡", NULL, tok), SY_OK); /* one dot is fine */
        /* names every listing carries in JSON: bytes that are no UTF-8 are refused */
        CHECK_INT(sy_office_device_add(n,
                                       "crew\xff"
                                       "1",
                                       NULL, tok),
                  SY_EINVAL);
        CHECK_INT(sy_office_device_add(n, "crew\xe4\xb8", NULL, tok), SY_EINVAL); /* cut short */
        CHECK_INT(sy_office_device_add(n, "crew3", "\xc0\xaf", tok), SY_EINVAL);  /* overlong */
        sy_office_close(n);
        /* an office made before uploads were kept per device: its hash-keyed partial uploads
         * (file_pieces) are dropped on opening, and the new table is there; accounts it had
         * gain must_change unmarked */
        sqlite3 *db;
        CHECK_INT(sqlite3_open(path_of("names.db"), &db), SQLITE_OK);
        CHECK_INT(sqlite3_exec(db,
                               "CREATE TABLE file_pieces(sha256 TEXT NOT NULL, offset INTEGER"
                               " NOT NULL, data BLOB NOT NULL, PRIMARY KEY (sha256, offset));"
                               "INSERT INTO file_pieces VALUES ('ab', 0, x'00');"
                               "ALTER TABLE users DROP COLUMN must_change;"
                               "INSERT INTO users(name, role, hash, status, created)"
                               " VALUES ('old', 'viewer', 'x', 'active', 0);",
                               NULL, NULL, NULL),
                  SQLITE_OK);
        sqlite3_close(db);
        CHECK_INT(sy_office_open(path_of("names.db"), &n), SY_OK);
        sy_office_close(n);
        CHECK_INT(sqlite3_open(path_of("names.db"), &db), SQLITE_OK);
        sqlite3_stmt *st = NULL;
        CHECK_INT(sqlite3_prepare_v2(db,
                                     "SELECT (SELECT count(*) FROM sqlite_master WHERE name ="
                                     " 'file_pieces'), (SELECT count(*) FROM sqlite_master WHERE"
                                     " name = 'device_pieces'), (SELECT must_change FROM users"
                                     " WHERE name = 'old')",
                                     -1, &st, NULL),
                  SQLITE_OK);
        CHECK_INT(sqlite3_step(st), SQLITE_ROW);
        CHECK_INT(sqlite3_column_int(st, 0), 0);
        CHECK_INT(sqlite3_column_int(st, 1), 1);
        CHECK_INT(sqlite3_column_int(st, 2), 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
    }

    sv_journal *a = tablet("a.db", "一组"), *b = tablet("b.db", "二组");
    sy_office_keys ka, kb;
    enroll(o, "crew1", a, &ka);
    enroll(o, "crew2", b, &kb);
    test_auth(o, a);
    test_session_clock(o);
    test_tasks(o, a, &ka);

    /* Applied, then duplicate with the same ack. */
    point(a, "J1", 35.55, 103.23);
    point(a, "J2", 35.548, 103.255);
    verify(a, SV_VERIFY_CONFIRMED);
    vertices(a, 35.551);
    sy_ingest_result r;
    CHECK_INT(ingest(o, a, &ka, 1, &r), SY_OK);
    CHECK_INT(r.status, SY_INGEST_APPLIED);
    CHECK_INT(r.acked_seq, sv_journal_last_seq(a));
    CHECK_INT((int64_t)r.applied, sv_journal_last_seq(a));
    CHECK_INT(ingest(o, a, &ka, 1, &r), SY_OK);
    CHECK_INT(r.status, SY_INGEST_DUPLICATE);
    CHECK_INT(r.acked_seq, sv_journal_last_seq(a));
    /* A gap gets the cursor back. */
    int64_t held = sv_journal_last_seq(a);
    point(a, "J3", 35.565, 103.261);
    point(a, "J4", 35.566, 103.262);
    CHECK_INT(ingest(o, a, &ka, held + 2, &r), SY_OK);
    CHECK_INT(r.status, SY_INGEST_GAP);
    CHECK_INT(r.acked_seq, held);
    /* An overlapping bundle applies only its new tail. */
    CHECK_INT(ingest(o, a, &ka, held, &r), SY_OK);
    CHECK_INT(r.status, SY_INGEST_APPLIED);
    CHECK_INT((int64_t)r.applied, 2);

    /* Altered bytes and another device's bundle are refused; nothing changes. */
    sy_buf buf = {0};
    sy_bundle_info info;
    CHECK_INT(sy_bundle_build(a, &ka, 1, 0, &buf, &info, err, sizeof err), SY_OK);
    buf.data[buf.len / 2] ^= 1;
    CHECK(sy_office_ingest(o, buf.data, buf.len, NULL, "test", &r) != SY_OK);
    CHECK_INT(r.status, SY_INGEST_REFUSED);
    CHECK(r.message[0] != '\0');
    buf.data[buf.len / 2] ^= 1;
    CHECK_INT(sy_office_ingest(o, buf.data, buf.len, sv_journal_device_id(b), "test", &r),
              SY_EAUTH);
    CHECK_INT(sy_office_ingest(o, buf.data, 10, NULL, "test", &r), SY_EFORMAT);
    CHECK_INT(sy_office_ingest(o, NULL, 0, NULL, "test", &r), SY_EFORMAT);
    sy_buf_free(&buf);
    int64_t acked = 0;
    uint8_t ah[SV_HASH_BYTES], mine[SV_HASH_BYTES];
    CHECK_INT(sy_office_cursor(o, sv_journal_device_id(a), &acked, ah), SY_OK);
    CHECK_INT(acked, sv_journal_last_seq(a));
    CHECK_INT(sv_journal_hash_at(a, acked, mine), SV_OK);
    CHECK(memcmp(ah, mine, SV_HASH_BYTES) == 0);
    CHECK_INT(sy_office_cursor(o, sv_journal_device_id(b), &acked, ah), SY_OK);
    CHECK_INT(acked, 0);

    /* Crew 2 disagrees: J1 within tolerance, J2 a metre off, owner disputed. */
    point(b, "J1", 35.55 + 0.0000009, 103.23);
    point(b, "J2", 35.548, 103.255 + 0.000011);
    verify(b, SV_VERIFY_DISPUTED);
    vertices(b, 35.552);
    CHECK_INT(ingest(o, b, &kb, 1, &r), SY_OK);
    CHECK_INT(r.status, SY_INGEST_APPLIED);
    CHECK_INT((int64_t)r.new_cases, 2);
    CHECK_INT(open_cases(o), 2);
    CHECK_INT(ingest(o, b, &kb, 1, &r), SY_OK);
    CHECK_INT(r.status, SY_INGEST_DUPLICATE);
    CHECK_INT((int64_t)r.new_cases, 0);
    CHECK_INT(open_cases(o), 2);
    /* A crash after the replica commit but before the county index refresh (one transaction
     * with the review inserts, so all of it is rolled back): the resend repairs it. */
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path_of("o.db"), &db), SQLITE_OK);
    char *sql =
        sqlite3_mprintf("DELETE FROM review; DELETE FROM county_points WHERE device_id = %Q;"
                        " DELETE FROM county_verifications WHERE device_id = %Q;"
                        " DELETE FROM county_indexed WHERE device_id = %Q;",
                        sv_journal_device_id(b), sv_journal_device_id(b), sv_journal_device_id(b));
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    sqlite3_close(db);
    CHECK_INT(open_cases(o), 0);
    CHECK_INT(ingest(o, b, &kb, 1, &r), SY_OK);
    CHECK_INT(r.status, SY_INGEST_DUPLICATE);
    CHECK_INT(open_cases(o), 2);
    /* The other device's ingest finds the same pairs, not new ones. */
    CHECK_INT(ingest(o, a, &ka, 1, &r), SY_OK);
    CHECK_INT(open_cases(o), 2);
    /* An office from before the county index (no index rows, no cases) is indexed when it
     * is opened, and the cases found again. */
    CHECK_INT(sqlite3_open(path_of("o.db"), &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db,
                           "DELETE FROM review; DROP TABLE county_points;"
                           " DROP TABLE county_verifications; DROP TABLE county_indexed;",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(db);
    sy_office_close(o);
    CHECK_INT(sy_office_open(path_of("o.db"), &o), SY_OK);
    CHECK_INT(open_cases(o), 2);
    char *text = NULL;
    CHECK_INT(sy_office_review(o, 0, &text), SY_OK);
    json_t *rv = parsed(text);
    int64_t first_id =
        json_integer_value(json_object_get(json_array_get(json_object_get(rv, "cases"), 0), "id"));
    json_decref(rv);
    CHECK_INT(sy_office_review_resolve(o, first_id, "checked on site"), SY_OK);
    CHECK_INT(sy_office_review_resolve(o, first_id, NULL), SY_ESTATE);  /* decided already */
    CHECK_INT(sy_office_review_resolve(o, 999999, NULL), SY_ENOTFOUND); /* no such case */
    CHECK_INT(open_cases(o), 1);

    /* County-wide export: units once, B's J1/J2 left out, tracks of both kept apart. */
    sv_journal *js[2];
    char pa[600], pb[600];
    snprintf(pa, sizeof pa, "%s/o.db.replicas/%s.db", dir, sv_journal_device_id(a));
    snprintf(pb, sizeof pb, "%s/o.db.replicas/%s.db", dir, sv_journal_device_id(b));
    CHECK_INT(sv_journal_open(pa, SV_OPEN_READONLY, &js[0]), SV_OK);
    CHECK_INT(sv_journal_open(pb, SV_OPEN_READONLY, &js[1]), SV_OK);
    sv_geo *g = NULL;
    sv_geo_new(&g);
    sv_export_stats st;
    sv_diag d = {{0}};
    CHECK_INT(sv_export_journals(js, 2, g, SV_EXPORT_GEOJSON, path_of("c.geojson"), &st, &d),
              SV_OK);
    CHECK_INT(st.units, 3);
    CHECK_INT(st.points, 4); /* A's J1-J4; B's J1 and J2 are A's numbers */
    CHECK_INT(st.vertices, 8);
    json_t *fc = json_load_file(path_of("c.geojson"), 0, NULL);
    size_t i, tracks = 0, walked = 0;
    json_t *f;
    int64_t t0 = -1;
    int distinct = 1;
    json_array_foreach(json_object_get(fc, "features"), i, f)
    {
        json_t *p = json_object_get(f, "properties");
        if (json_object_get(p, "track") && json_object_get(p, "jumps")) {
            int64_t t = json_integer_value(json_object_get(p, "track"));
            distinct &= t != t0;
            t0 = t;
            tracks++;
        } else if (json_object_get(p, "closing_m")) {
            walked++;
        }
    }
    json_decref(fc);
    CHECK_INT(tracks, 2);
    CHECK(distinct);
    CHECK_INT(walked, 2);
    /* Export refuses to overwrite a replica. */
    CHECK_INT(sv_export_journals(js, 2, g, SV_EXPORT_CSV, pa, &st, &d), SV_EINVAL);
    CHECK_INT(sv_export_journals(js, 0, g, SV_EXPORT_CSV, path_of("empty.csv"), &st, &d), SV_OK);
    CHECK_INT(st.points, 0);
    CHECK_INT(sy_office_export(o, SV_EXPORT_GPKG, path_of("c.gpkg"), &st), SY_OK);
    CHECK_INT(st.points, 4);
    sv_geo_free(g);
    sv_journal_close(js[0]);
    sv_journal_close(js[1]);

    test_log_atomic(o, a, &ka);
    test_tracks(o, a, &ka);
    test_imagery_margin(o);
    test_files(o, a, &ka, b);

    /* A unit crew1 has begun is not moved to another crew by a package uploaded again with
     * another assignment: refused whole, naming the way to mean it; the same assignment again
     * is taken, and --reassign moves it. */
    {
        size_t n2 = 0;
        CHECK_INT(sy_office_tasks_import(o, fixture, "crew2", 0, &n2), SY_EREFUSED);
        CHECK(strstr(sy_office_errmsg(o), "--reassign") != NULL &&
              strstr(sy_office_errmsg(o), "crew1") != NULL);
        CHECK_INT(sy_office_tasks_import(o, fixture, "crew1", 0, &n2), SY_OK);
        CHECK_INT(sy_office_tasks_import(o, fixture, "crew2", 1, &n2), SY_OK);
        CHECK_INT(sy_office_tasks_import(o, fixture, "crew1", 1, &n2), SY_OK);
    }

    /* Revocation refuses the device's bundles; its entries stay. */
    CHECK_INT(sy_office_device_revoke(o, "crew2"), SY_OK);
    CHECK_INT(ingest(o, b, &kb, 1, &r), SY_EAUTH);
    CHECK_INT(sy_office_devices(o, &text), SY_OK);
    json_t *devs = parsed(text);
    json_t *d2 = json_array_get(devs, 1);
    CHECK_STR(json_string_value(json_object_get(d2, "status")), "revoked");
    CHECK_INT(json_integer_value(json_object_get(d2, "entries")), sv_journal_last_seq(b));
    json_decref(devs);

    CHECK_INT(sy_office_log(o, 100, &text), SY_OK);
    json_t *log = parsed(text);
    CHECK(json_array_size(log) >= 10);
    json_decref(log);

    sv_journal_close(a);
    sv_journal_close(b);
    sy_office_close(o);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_office: could not remove %s\n", dir);
    return check_finish();
}
