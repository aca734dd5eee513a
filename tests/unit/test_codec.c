/*
 * test_codec.c - the bundle entry codec (sync/src/codec.c) and the small helpers of
 * sync/src/buf.c: byte-exact round trips of realistic journal entries, the verbatim fallback,
 * determinism, hand-built encodings that check the documented layout, and refusal of every
 * truncation, trailing byte, wrong count and corrupted byte without a crash.
 *
 * Must never: depend on the clock or unseeded randomness (a failure must reproduce), or pass
 * without having compared real bytes.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>
#include <sodium.h>
#include <zlib.h>

#include <unistd.h>

#include "check.h"
#include "codec.h"
#include "journal_int.h"
#include "survey/state.h"
#include "sync/bundle.h"

/* ---- building entries like the journal does ------------------------------------------- */

typedef struct list {
    sv_entry *e;
    size_t n, cap;
} list;

static void add_text(list *l, int64_t time_ms, const char *kind, const char *payload, size_t len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->e = realloc(l->e, l->cap * sizeof *l->e);
        if (!l->e)
            abort();
    }
    char *copy = malloc(len + 1);
    if (!copy)
        abort();
    memcpy(copy, payload, len);
    copy[len] = 0;
    sv_entry *e = &l->e[l->n];
    memset(e, 0, sizeof *e);
    e->seq = (int64_t)l->n + 1;
    e->time_ms = time_ms;
    e->kind = kind;
    e->payload = copy;
    e->payload_len = len;
    l->n++;
}

/* Serialise as the journal does (compact, sorted keys) and take ownership of o. */
static void add_json(list *l, int64_t time_ms, const char *kind, json_t *o)
{
    char *t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!t)
        abort();
    add_text(l, time_ms, kind, t, strlen(t));
    free(t);
}

static void list_free(list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free((char *)l->e[i].payload);
    free(l->e);
    memset(l, 0, sizeof *l);
}

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static uint32_t rnd32(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

static int jit(int range) /* uniform in [-range, range] */
{
    return (int)(rnd32() % (uint32_t)(2 * range + 1)) - range;
}

static json_t *quality(int n, int averaged, int k)
{
    json_t *q = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:s}",
                          "grade", k % 97 == 50 ? "rtk-float" : "rtk-fixed", "mode", 3, "status", 3,
                          "used", 21 + (k / 40) % 3, "seen", 30, "hdop", 82 + (k / 25) % 4, "vdop",
                          141, "pdop", 163, "eph", 11 + jit(1), "epv", 19 + jit(1), "cage", 1000,
                          "n", n, "dur", averaged ? 9000 + jit(20) : 0, "datum", "CGCS2000");
    if (averaged) {
        json_object_set_new(q, "se", json_integer(4 + jit(2)));
        json_object_set_new(q, "sn", json_integer(5 + jit(2)));
        json_object_set_new(q, "su", json_integer(8 + jit(3)));
        if (k % 3 == 0)
            json_object_set_new(q, "dropped", json_integer(1));
    }
    return q;
}

/* A realistic stretch of a journal: units, a walk, boundary points, the other entry kinds. */
static void make_journal(list *l, int vertices)
{
    int64_t now = 1718000000000, t = 1718000000000 - 300;
    add_json(l, now, "unit",
             json_pack("{s:s, s:s, s:s, s:s, s:i, s:[[[I,I,I,I,I,I,I,I]]], s:i}", "code",
                       "620102001001", "type", "森林", "name", "临夏县\"集体\"林地", "owner",
                       "全民", "epsg", 4522, "geom", (json_int_t)103200000000,
                       (json_int_t)35550000000, (json_int_t)103210000000, (json_int_t)35550000000,
                       (json_int_t)103210000000, (json_int_t)35560000000, (json_int_t)103200000000,
                       (json_int_t)35550000000, "v", 1));
    add_json(l, now + 10, "config",
             json_pack("{s:s, s:s, s:i}", "key", "average.epochs", "value", "10", "v", 1));
    add_json(l, now + 20, "code",
             json_pack("{s:s, s:s, s:s, s:i}", "list", "marker", "code", "喷漆", "label",
                       "红色喷漆\n(新)", "v", 1));
    int64_t lat = 35551234567, lon = 103201234567, h = 1900123, vlat = 12000, vlon = 15000;
    int64_t track = 0, first = (int64_t)l->n + 1;
    int jn = 0;
    for (int k = 0; k < vertices; k++) {
        vlat += jit(600);
        vlon += jit(600);
        lat += vlat + jit(60);
        lon += vlon + jit(60);
        h += jit(25);
        t += 1000;
        now = t + 300 + jit(30);
        json_t *v = json_pack("{s:s, s:I, s:I, s:I, s:I, s:o, s:i}", "unit", "620102001001", "lat",
                              (json_int_t)lat, "lon", (json_int_t)lon, "h", (json_int_t)h, "t",
                              (json_int_t)t, "q", quality(1, 0, k), "v", 1);
        if (track)
            json_object_set_new(v, "track", json_integer(track));
        if (k % 211 == 7)
            json_object_set_new(v, "jump", json_integer(1));
        track = first;
        add_json(l, now, "vertex", v);
        if (k % 10 == 9) {
            t += 11000;
            now = t + 500 + jit(100);
            char num[16];
            snprintf(num, sizeof num, "J%d", ++jn);
            json_t *p =
                json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:i}", "unit", "620102001001",
                          "number", num, "ptype", "measured", "marker", jn % 2 ? "木桩" : "水泥桩",
                          "lat", (json_int_t)(lat + 9000), "lon", (json_int_t)(lon - 4000), "h",
                          (json_int_t)(h + 12), "q", quality(10, 1, k), "v", 1);
            if (jn % 4 == 0) {
                json_object_set_new(p, "flags", json_integer(1));
                json_object_set_new(p, "off",
                                    json_pack("{s:I, s:I, s:I, s:i, s:i, s:i}", "lat",
                                              (json_int_t)(lat + 1), "lon", (json_int_t)(lon + 2),
                                              "h", (json_int_t)h, "dist", 2350, "brg", 271500000,
                                              "dh", -120));
                json_object_set_new(p, "note", json_string("偏移观测: 界桩在树后"));
            }
            add_json(l, now, "point", p);
        }
    }
    add_json(l, now + 30000, "verify",
             json_pack("{s:s, s:s, s:s, s:i}", "unit", "620102001001", "field", "owner", "status",
                       "confirmed", "v", 1));
    add_json(l, now + 40000, "verify",
             json_pack("{s:s, s:s, s:s, s:s, s:i}", "unit", "620102001001", "field",
                       "representative", "status", "corrected", "value", "马建国", "v", 1));
    add_json(l, now + 50000, "line",
             json_pack("{s:s, s:s, s:s, s:s, s:i}", "unit", "620102001001", "from", "J1", "to",
                       "J2", "category", "ridge", "v", 1));
    add_json(l, now + 60000, "void",
             json_pack("{s:I, s:s, s:i}", "target", (json_int_t)first + 3, "reason",
                       "walked the wrong ridge", "v", 1));
}

/* Do decoded entries equal the originals byte for byte? */
static int same_entries(const sv_entry *e, const sy_entries *out, size_t from, size_t n,
                        int64_t first_seq)
{
    if (out->n < from + n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const sy_entry *d = &out->v[from + i];
        if (d->seq != first_seq + (int64_t)i || d->time_ms != e[i].time_ms ||
            strcmp(d->kind, e[i].kind) != 0 || d->payload_len != e[i].payload_len ||
            memcmp(d->payload, e[i].payload, e[i].payload_len) != 0 ||
            d->payload[d->payload_len] != 0) {
            fprintf(stderr, "entry %zu differs: %s %.*s\n", i, d->kind, (int)d->payload_len,
                    d->payload);
            return 0;
        }
        for (int b = 0; b < SV_HASH_BYTES; b++)
            if (d->hash[b] || d->prev_hash[b])
                return 0;
    }
    return 1;
}

/* The decoded entries (hashes filled) carry exactly the payloads of e[0..out->n). */
static int same_payloads(const sv_entry *e, const sy_entries *out)
{
    for (size_t i = 0; i < out->n; i++)
        if (out->v[i].payload_len != e[i].payload_len || strcmp(out->v[i].kind, e[i].kind) != 0 ||
            memcmp(out->v[i].payload, e[i].payload, e[i].payload_len) != 0 ||
            out->v[i].time_ms != e[i].time_ms)
            return 0;
    return out->n > 0;
}

static int roundtrip(const sv_entry *e, size_t n)
{
    sy_buf b = {0};
    sy_entries out = {0};
    char err[256] = "";
    int ok = sy__codec_encode(e, n, &b, err, sizeof err) == SY_OK &&
             sy__codec_decode(b.data, b.len, 1000, n, &out, err, sizeof err) == SY_OK &&
             out.n == n && same_entries(e, &out, 0, n, 1000);
    if (!ok)
        fprintf(stderr, "round trip failed: %s\n", err);
    sy_entries_free(&out);
    sy_buf_free(&b);
    return ok;
}

static void *find_bytes(const uint8_t *h, size_t hl, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl <= hl; i++)
        if (memcmp(h + i, needle, nl) == 0)
            return (void *)(h + i);
    return NULL;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_realistic_roundtrip(void)
{
    list l = {0};
    make_journal(&l, 300);
    CHECK(l.n > 330);
    CHECK(roundtrip(l.e, l.n));
    /* every prefix length gives its own valid run (the encoder does not need a full day) */
    CHECK(roundtrip(l.e, 1));
    CHECK(roundtrip(l.e + 5, 17));

    /* decoding appends after existing entries and sets seqs from first_seq */
    sy_buf b = {0};
    sy_entries out = {0};
    char err[256];
    CHECK_INT(sy__codec_encode(l.e, l.n, &b, err, sizeof err), SY_OK);
    CHECK_INT(sy__codec_decode(b.data, b.len, 7, l.n, &out, err, sizeof err), SY_OK);
    CHECK_INT(sy__codec_decode(b.data, b.len, 7 + (int64_t)l.n, l.n, &out, err, sizeof err), SY_OK);
    CHECK_INT(out.n, 2 * l.n);
    CHECK(same_entries(l.e, &out, 0, l.n, 7));
    CHECK(same_entries(l.e, &out, l.n, l.n, 7 + (int64_t)l.n));
    CHECK_INT(out.v[0].seq, 7);

    /* deterministic: the same entries always give the same bytes */
    sy_buf b2 = {0};
    CHECK_INT(sy__codec_encode(l.e, l.n, &b2, err, sizeof err), SY_OK);
    CHECK(b.len == b2.len && memcmp(b.data, b2.data, b.len) == 0);

    /* compact: far smaller than the JSON, and smaller than the JSON compressed */
    size_t json = 0;
    for (size_t i = 0; i < l.n; i++)
        json += l.e[i].payload_len;
    CHECK(b.len * 5 < json);
    uLongf zc = compressBound((uLong)json), zj = zc;
    uint8_t *z = malloc(zc), *all = malloc(json);
    size_t at = 0;
    for (size_t i = 0; i < l.n; i++) {
        memcpy(all + at, l.e[i].payload, l.e[i].payload_len);
        at += l.e[i].payload_len;
    }
    CHECK_INT(compress2(z, &zj, all, (uLong)json, 9), Z_OK);
    CHECK_INT(compress2(z, &zc, b.data, (uLong)b.len, 9), Z_OK);
    CHECK(zc * 10 < zj * 7); /* this walk is noisier than a real one (bench: about 0.35) */
    CHECK(zc < 14 * l.n);    /* well under the 12 B/row product target plus framing slack */
    free(z);
    free(all);
    sy_buf_free(&b2);
    sy_buf_free(&b);
    sy_entries_free(&out);
    list_free(&l);
}

static void test_verbatim_fallback(void)
{
    static const char *const odd[] = {
        "{\"a\":1.50,\"v\":1}",                   /* a real, not as jansson writes */
        "{\"a\":1.5,\"v\":1}",                    /* a real as jansson writes it */
        "{\"v\":1,\"a\":2}",                      /* keys out of order */
        "{\"a\": 2}",                             /* not compact */
        "{\"a\":123456789012345678901234567890}", /* beyond int64 */
        "{\"a\":-9223372036854775808,\"b\":9223372036854775807}",
        "not json at all",
        "[1,2,3]",
        "",
        "{}",
        "{\"a\":{},\"b\":[],\"c\":null,\"d\":true,\"e\":false,\"f\":[{\"x\":1}]}",
        "{\"\":1,\"a.b\":{\"c\":\"x\"},\"a\":{\"b\":{\"c\":\"y\"}}}",
        "{\"s\":\"quote\\\" back\\\\ nl\\n tab\\t ctl\\u0001 / 中文 \xf0\x9f\x8c\xb2\"}",
        "{\"a\":\"\\u00e9\"}", /* escaped non-ASCII */
        "{\"a\":1,\"a\":2}",   /* duplicate key */
        "{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":{\"j\":{\"k\":{\"l\":{\"m\":{\"n\":{\"o\":{"
        "\"p\":{\"q\":{\"r\":{\"s\":{\"t\":{\"u\":1}}}}}}}}}}}}}}}}}}",
    };
    size_t nodd = sizeof odd / sizeof odd[0];
    list l = {0};
    for (size_t i = 0; i < nodd; i++)
        add_text(&l, 1718000000000 + (int64_t)i * 7919, i % 2 ? "vertex" : "point", odd[i],
                 strlen(odd[i]));
    add_text(&l, -5, "strange kind \xe4\xb8\xad", "{\"a\":\"b\0c\"}", 11); /* NUL inside */
    add_text(&l, INT64_MAX, "x", "{\"v\":1}", 7);
    add_text(&l, INT64_MIN, "x", "{\"v\":1}", 7);
    CHECK(roundtrip(l.e, l.n));
    for (size_t i = 0; i < l.n; i++)
        CHECK(roundtrip(l.e + i, 1));

    /* the ones that cannot round-trip through the columns travel verbatim */
    sy_buf b = {0};
    char err[256];
    CHECK_INT(sy__codec_encode(l.e, l.n, &b, err, sizeof err), SY_OK);
    CHECK(find_bytes(b.data, b.len, "{\"a\":1.50,\"v\":1}") != NULL);
    CHECK(find_bytes(b.data, b.len, "{\"v\":1,\"a\":2}") != NULL);
    CHECK(find_bytes(b.data, b.len, "123456789012345678901234567890") != NULL);
    CHECK(find_bytes(b.data, b.len, "not json at all") != NULL);
    /* and the canonical ones do not */
    CHECK(find_bytes(b.data, b.len, "{\"a\":1.5,\"v\":1}") == NULL);
    sy_buf_free(&b);
    list_free(&l);
}

static void test_integer_extremes(void)
{
    list l = {0};
    static const json_int_t vals[] = {INT64_MAX, INT64_MIN, 0,         -1, INT64_MAX,
                                      INT64_MIN, 1,         INT64_MIN, 5,  INT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        add_json(&l, i % 2 ? INT64_MAX - (int64_t)i : INT64_MIN + (int64_t)i, "vertex",
                 json_pack("{s:I, s:I, s:i}", "a", vals[i], "b", -vals[i] / 3, "v", 1));
    CHECK(roundtrip(l.e, l.n));
    list_free(&l);
}

static void test_bad_arguments(void)
{
    list l = {0};
    make_journal(&l, 5);
    sy_buf b = {0};
    char err[256] = "";
    CHECK_INT(sy__codec_encode(l.e, 0, &b, err, sizeof err), SY_EINVAL);
    CHECK_INT(sy__codec_encode(l.e, SY_BUNDLE_MAX_ENTRIES + 1, &b, NULL, 0), SY_EINVAL);
    CHECK_INT(b.len, 0);
    /* the buffer's cap is respected and the buffer left as it was */
    sy_buf small = {.max = 40};
    CHECK_INT(sy_buf_append(&small, "abc", 3), SY_OK);
    CHECK_INT(sy__codec_encode(l.e, l.n, &small, err, sizeof err), SY_EFORMAT);
    CHECK(err[0] != 0);
    CHECK_INT(small.len, 3);
    sy_buf_free(&small);

    CHECK_INT(sy__codec_encode(l.e, l.n, &b, err, sizeof err), SY_OK);
    sy_entries out = {0};
    CHECK_INT(sy__codec_decode(b.data, b.len, 1, 0, &out, err, sizeof err), SY_EFORMAT);
    CHECK_INT(sy__codec_decode(b.data, b.len, 1, l.n - 1, &out, err, sizeof err), SY_EFORMAT);
    CHECK_INT(sy__codec_decode(b.data, b.len, 1, l.n + 1, &out, NULL, 0), SY_EFORMAT);
    CHECK_INT(sy__codec_decode(b.data, b.len, INT64_MAX - 1, l.n, &out, err, sizeof err),
              SY_EFORMAT);
    CHECK_INT(sy__codec_decode(NULL, 0, 1, 1, &out, err, sizeof err), SY_EFORMAT);
    CHECK_INT(out.n, 0);
    CHECK(out.v == NULL);
    sy_buf_free(&b);
    list_free(&l);
}

/* Every strict prefix, and any trailing byte, is refused; out keeps what it had. */
static void test_truncation_and_trailing(void)
{
    list l = {0};
    make_journal(&l, 40);
    add_text(&l, 5, "point", "{\"a\":1.25}", 10);
    sy_buf b = {0};
    char err[256];
    CHECK_INT(sy__codec_encode(l.e, l.n, &b, err, sizeof err), SY_OK);

    sy_entries out = {0};
    CHECK_INT(sy__codec_decode(b.data, b.len, 1, 2, &out, err, sizeof err), SY_EFORMAT);
    CHECK_INT(sy__codec_decode(b.data, b.len, 1, l.n, &out, err, sizeof err), SY_OK);
    size_t refused = 0;
    for (size_t len = 0; len < b.len; len++) {
        /* a copy of exactly len bytes, so ASan sees any read past the end */
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, b.data, len);
        err[0] = 0;
        int rc = sy__codec_decode(cut, len, 1, l.n, &out, err, sizeof err);
        refused += rc == SY_EFORMAT && err[0] != 0 && out.n == l.n;
        free(cut);
    }
    CHECK_INT(refused, b.len);
    CHECK(same_entries(l.e, &out, 0, l.n, 1));

    uint8_t *longer = malloc(b.len + 1);
    memcpy(longer, b.data, b.len);
    longer[b.len] = 0;
    CHECK_INT(sy__codec_decode(longer, b.len + 1, 1, l.n, &out, err, sizeof err), SY_EFORMAT);
    CHECK(strstr(err, "trailing") != NULL);
    CHECK_INT(out.n, l.n);
    free(longer);
    sy_entries_free(&out);
    sy_buf_free(&b);
    list_free(&l);
}

/* Corrupted encodings: refused or decoded to something, never a crash (ASan/UBSan watch). */
static void test_bit_flips_and_noise(void)
{
    list l = {0};
    make_journal(&l, 60);
    add_text(&l, 5, "point", "{\"a\":1.25}", 10);
    sy_buf b = {0};
    char err[256];
    CHECK_INT(sy__codec_encode(l.e, l.n, &b, err, sizeof err), SY_OK);
    size_t okc = 0, bad = 0, consistent = 0;
    for (int iter = 0; iter < 3000; iter++) {
        uint8_t *m = malloc(b.len);
        memcpy(m, b.data, b.len);
        int flips = 1 + (int)(rnd32() % 3);
        for (int f = 0; f < flips; f++) {
            size_t at = rnd32() % b.len;
            m[at] ^= (uint8_t)(1u << (rnd32() % 8));
        }
        sy_entries out = {0};
        err[0] = 0;
        int rc = sy__codec_decode(m, b.len, 1, l.n, &out, err, sizeof err);
        if (rc == SY_OK) {
            okc++;
            int fine = out.n == l.n;
            for (size_t i = 0; fine && i < out.n; i++)
                fine = out.v[i].kind && out.v[i].payload &&
                       out.v[i].payload[out.v[i].payload_len] == 0 &&
                       out.v[i].seq == 1 + (int64_t)i;
            consistent += fine;
        } else {
            bad++;
            consistent += rc == SY_EFORMAT && err[0] && out.n == 0 && out.v == NULL;
        }
        sy_entries_free(&out);
        free(m);
    }
    CHECK_INT(okc + bad, 3000);
    CHECK_INT(consistent, 3000);
    CHECK(bad > 0);

    /* pure noise, including noise that starts like an encoding */
    size_t noise_ok = 0;
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = rnd32() % 200;
        uint8_t *m = malloc(len ? len : 1);
        for (size_t i = 0; i < len; i++)
            m[i] = (uint8_t)(iter % 2 && i < 40 && i < b.len ? b.data[i] : rnd32());
        if (len && iter % 3 == 0)
            m[0] = 1;
        sy_entries out = {0};
        int rc = sy__codec_decode(m, len, 1, 1 + rnd32() % 4, &out, NULL, 0);
        noise_ok += rc == SY_OK || (rc == SY_EFORMAT && out.n == 0);
        sy_entries_free(&out);
        free(m);
    }
    CHECK_INT(noise_ok, 3000);
    sy_buf_free(&b);
    list_free(&l);
}

/* ---- hand-built encodings: the layout in codec.c's comment, and hostile variants ---------- */

typedef struct hb {
    uint8_t d[512];
    size_t n;
} hb;

static void hb_u8(hb *h, uint8_t v)
{
    h->d[h->n++] = v;
}

static void hb_uv(hb *h, uint64_t v)
{
    while (v >= 0x80) {
        hb_u8(h, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    hb_u8(h, (uint8_t)v);
}

static void hb_str(hb *h, const char *s)
{
    hb_uv(h, strlen(s));
    memcpy(h->d + h->n, s, strlen(s));
    h->n += strlen(s);
}

static uint64_t zz(int64_t v)
{
    return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

/*
 * Two entries of kind "k", shape {a: int, q.b: string}: a = 5 then 7 (mode 1, step 2),
 * q.b = "x" as a literal then as a dictionary reference. variant 0 is valid; each other
 * variant makes one hostile change that must be refused.
 */
static size_t handmade(hb *h, int variant)
{
    memset(h, 0, sizeof *h);
    hb_u8(h, 1);        /* format */
    hb_uv(h, 1);        /* kinds */
    if (variant == 1) { /* a kind with a NUL inside cannot be handed out as a C string */
        hb_uv(h, 2);
        hb_u8(h, 'k');
        hb_u8(h, 0);
    } else {
        hb_str(h, "k");
    }
    hb_uv(h, 2); /* fields */
    hb_u8(h, 0); /* field 0: int, path ["a"] */
    hb_uv(h, 1);
    hb_str(h, "a");
    hb_u8(h, 1); /* field 1: string, path ["q","b"] (or ["a","b"]: crosses field 0) */
    hb_uv(h, 2);
    hb_str(h, variant == 2 ? "a" : "q");
    hb_str(h, "b");
    hb_uv(h, 1); /* shapes */
    hb_uv(h, 0); /* kind 0 */
    hb_uv(h, variant == 3 ? 3 : 2);
    hb_uv(h, 0);
    hb_uv(h, 1);
    if (variant == 3)
        hb_uv(h, 0); /* field 0 twice */
    hb_uv(h, 1);     /* runs */
    hb_uv(h, 1);     /* shape 0 */
    hb_uv(h, 2);     /* two entries */
    /* time column of kind 0: mode 2, 1000 then 3000 (deltas 1000, 2000) */
    hb_u8(h, 2);
    if (variant == 8) { /* a 10-byte varint whose last byte carries bits beyond 64 */
        for (int i = 0; i < 9; i++)
            hb_u8(h, 0xff);
        hb_u8(h, 0x02);
    } else {
        hb_uv(h, zz(1000));
    }
    hb_uv(h, zz(1000));
    /* column of field 0: mode 1, step 2, values 5 (5 - 0 - 2 = 3) and 7 (7 - 5 - 2 = 0) */
    hb_u8(h, variant == 4 ? 3 : 1); /* mode 3 does not exist */
    hb_uv(h, zz(2));
    hb_uv(h, zz(3));
    hb_uv(h, zz(0));
    if (variant == 3) { /* field 0 twice per entry: four values */
        hb_uv(h, zz(0));
        hb_uv(h, zz(0));
    }
    /* column of field 1: literal "x", then reference 1 (or 2: out of range) */
    hb_uv(h, 0);
    hb_str(h, variant == 5 ? "\xff" : "x");
    hb_uv(h, variant == 6 ? 2 : 1);
    if (variant == 7) /* an overlong varint at the end */
        for (int i = 0; i < 11; i++)
            hb_u8(h, 0x80);
    return h->n;
}

static void test_handmade(void)
{
    hb h;
    sy_entries out = {0};
    char err[256] = "";
    size_t len = handmade(&h, 0);
    CHECK_INT(sy__codec_decode(h.d, len, 41, 2, &out, err, sizeof err), SY_OK);
    if (out.n == 2) {
        CHECK_STR(out.v[0].kind, "k");
        CHECK_STR(out.v[0].payload, "{\"a\":5,\"q\":{\"b\":\"x\"}}");
        CHECK_STR(out.v[1].payload, "{\"a\":7,\"q\":{\"b\":\"x\"}}");
        CHECK_INT(out.v[0].payload_len, strlen(out.v[0].payload));
        CHECK_INT(out.v[0].time_ms, 1000);
        CHECK_INT(out.v[1].time_ms, 3000);
        CHECK_INT(out.v[1].seq, 42);
    }
    sy_entries_free(&out);
    for (int variant = 1; variant <= 8; variant++) {
        len = handmade(&h, variant);
        err[0] = 0;
        CHECK_INT(sy__codec_decode(h.d, len, 41, 2, &out, err, sizeof err), SY_EFORMAT);
        CHECK(err[0] != 0);
        CHECK_INT(out.n, 0);
    }
    /* wrapping deltas are defined: INT64_MAX then + 1 is INT64_MIN, no UB */
    len = handmade(&h, 0);
    hb w;
    memset(&w, 0, sizeof w);
    size_t col = len - 8; /* field 0's column (mode, step, 2 values), then field 1's (4 bytes) */
    memcpy(w.d, h.d, col);
    w.n = col;
    hb_u8(&w, 0);                        /* mode 0 */
    hb_uv(&w, zz(INT64_MAX));            /* raw INT64_MAX */
    hb_uv(&w, zz(INT64_MIN));            /* raw INT64_MIN */
    memcpy(w.d + w.n, h.d + len - 4, 4); /* field 1's column */
    w.n += 4;
    CHECK_INT(sy__codec_decode(w.d, w.n, 1, 2, &out, err, sizeof err), SY_OK);
    if (out.n == 2) {
        CHECK_STR(out.v[0].payload, "{\"a\":9223372036854775807,\"q\":{\"b\":\"x\"}}");
        CHECK_STR(out.v[1].payload, "{\"a\":-9223372036854775808,\"q\":{\"b\":\"x\"}}");
    }
    sy_entries_free(&out);
    w.d[col] = 2; /* the same bytes as delta of delta: wraps around modulo 2^64 */
    CHECK_INT(sy__codec_decode(w.d, w.n, 1, 2, &out, err, sizeof err), SY_OK);
    sy_entries_free(&out);
}

/* ---- buf.c -------------------------------------------------------------------------------- */

static void test_buf_helpers(void)
{
    sy_buf b = {.max = 10};
    CHECK_INT(sy_buf_append(&b, "0123456789", 10), SY_OK);
    CHECK_INT(sy_buf_append(&b, "x", 1), SY_EFORMAT);
    CHECK_INT(b.len, 10);
    CHECK_INT(sy_buf_append(&b, NULL, 0), SY_OK);
    CHECK(memcmp(b.data, "0123456789", 10) == 0);
    sy_buf_free(&b);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0 && b.max == 0);
    sy_buf_free(NULL);
    sy_buf big = {0};
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    for (int i = 0; i < 100; i++)
        CHECK_INT(sy_buf_append(&big, chunk, sizeof chunk), SY_OK);
    CHECK_INT(big.len, 100000);
    CHECK(big.cap >= big.len);
    sy_buf_free(&big);

    sy_entries e = {0};
    sy_entries_free(&e);
    sy_entries_free(NULL);

    uint8_t out[4];
    CHECK_INT(sy_hex2bin(out, 4, "deadBEEF"), SY_OK);
    CHECK(out[0] == 0xde && out[1] == 0xad && out[2] == 0xbe && out[3] == 0xef);
    CHECK_INT(sy_hex2bin(out, 4, "deadbe"), SY_EFORMAT);
    CHECK_INT(sy_hex2bin(out, 4, "deadbeef00"), SY_EFORMAT);
    CHECK_INT(sy_hex2bin(out, 4, "deadbeeg"), SY_EFORMAT);
    CHECK_INT(sy_hex2bin(out, 4, "dead beef"), SY_EFORMAT);
    CHECK_INT(sy_hex2bin(out, 0, ""), SY_OK);

    for (int c = 0; c >= -16; c--)
        CHECK(sy_strerror(c) && strcmp(sy_strerror(c), "unknown error") != 0);
    CHECK_STR(sy_strerror(12345), "unknown error");
}

/* Entries of a real journal, copied into l; the kinds are interned here (add_text borrows a
 * kind, and the journal lends its own only for the callback). */
static int collect(const sv_entry *e, void *ctx)
{
    static const char *const kinds[] = {"init", "unit", "point", "sign"};
    const char *kind = "?";
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(e->kind, kinds[i]) == 0)
            kind = kinds[i];
    add_text(ctx, e->time_ms, kind, e->payload, e->payload_len);
    return 0;
}

/* Signatures (kind "sign") as the journal writes them: strokes are nested integer arrays of
 * any length, each signature's unique. They must round-trip byte for byte, and through the
 * columns rather than verbatim (the codec is generic over kinds: nothing here knows "sign"). */
static void test_sign_entries(void)
{
    char dir[] = "/tmp/qj-codec-XXXXXX", path[64], cmd[128];
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    snprintf(path, sizeof path, "%s/j.db", dir);
    sv_journal *j;
    CHECK_INT(sv_journal_create(path, NULL, &j), SV_OK);
    sv_unit u;
    memset(&u, 0, sizeof u);
    snprintf(u.code, sizeof u.code, "620102001001");
    u.central_meridian = NAN;
    CHECK_INT(sv_record_unit(j, &u, NULL), SV_OK);
    for (int i = 0; i < 4; i++) {
        sv_bpoint p;
        memset(&p, 0, sizeof p);
        snprintf(p.unit, sizeof p.unit, "620102001001");
        p.lat = 35.55 + 0.001 * i, p.lon = 103.2 + 0.001 * (i % 2), p.h = NAN;
        p.q = sv_quality_unknown();
        CHECK_INT(sv_record_point(j, &p, NULL), SV_OK);
    }
    /* Three signatures, the last a long one (3,000 points in 30 strokes). */
    static int32_t xy[2 * 3030];
    size_t sizes[] = {2, 7, 3030};
    const char *parties[] = {"乙村", "丙村\"二组\"", "丁村"};
    for (int k = 0; k < 3; k++) {
        size_t m = 0;
        for (size_t i = 0; i < sizes[k]; i++) {
            if (k == 2 && i % 101 == 100) {
                xy[2 * m] = xy[2 * m + 1] = -1;
            } else {
                xy[2 * m] = (int32_t)((i * 37 + (size_t)k) % (SV_SIG_PAD + 1));
                xy[2 * m + 1] = (int32_t)((i * i) % (SV_SIG_PAD + 1));
            }
            m++;
        }
        sv_signature s;
        memset(&s, 0, sizeof s);
        snprintf(s.unit, sizeof s.unit, "620102001001");
        s.party = (char *)parties[k];
        s.signer = "张三";
        s.role = k == 1 ? NULL : "村民代表";
        s.xy = xy;
        s.n_xy = m;
        CHECK_INT(sv_state_boundary_digest(j, s.unit, s.covers), SV_OK);
        CHECK_INT(sv_record_signature(j, &s, NULL), SV_OK);
    }
    list l = {0};
    CHECK_INT(sv_journal_foreach(j, 1, collect, &l), SV_OK);
    sv_journal_close(j);
    CHECK_INT(l.n, 9);
    CHECK(roundtrip(l.e, l.n));
    CHECK(roundtrip(l.e + 6, 3)); /* a run of signatures alone */
    sy_buf b = {0};
    char err[256];
    CHECK_INT(sy__codec_encode(l.e, l.n, &b, err, sizeof err), SY_OK);
    size_t signs = 0;
    for (size_t i = 0; i < l.n; i++) {
        CHECK(strcmp(l.e[i].kind, "?") != 0);
        if (strcmp(l.e[i].kind, "sign") != 0)
            continue;
        signs++;
        CHECK(strstr(l.e[i].payload, "\"strokes\":[[") != NULL);
        /* not carried verbatim: the payload's text is not in the encoding as a whole */
        CHECK(find_bytes(b.data, b.len, l.e[i].payload) == NULL);
    }
    CHECK_INT(signs, 3);
    sy_buf_free(&b);
    list_free(&l);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/* Entries of every size the journal accepts travel: an entry whose encoding exceeds the
 * 8 MiB of a bundle goes alone in a one-entry bundle whose bounds follow it (docs/bundle.md).
 * Made through the journal API: a unit with a 9.4 MB name and one with a 500,000-vertex ring,
 * recorded between ordinary entries; every bundle from seq 1 on builds, opens with the office's
 * keys and gives back the journal's exact bytes. */
static int64_t last_seen;
static int collect_all(const sv_entry *e, void *ctx)
{
    last_seen = e->seq;
    return collect(e, ctx); /* kinds interned there: e->kind is borrowed */
}

static void test_large_entries(void)
{
    char dir[] = "/tmp/qj-codec-XXXXXX", path[64], cmd[128];
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    snprintf(path, sizeof path, "%s/j.db", dir);
    sv_journal *j;
    CHECK_INT(sv_journal_create(path, NULL, &j), SV_OK);
    /* Today's journal refuses such a unit (survey/limits.h); journals written before the limits
     * hold them, and those must still sync. */
    sv__journal_without_limits(j, 1);
    sv_unit u;
    memset(&u, 0, sizeof u);
    u.central_meridian = NAN;
    size_t nl = 9400000;
    char *name = malloc(nl + 1);
    for (size_t i = 0; i < nl; i++) /* seeded noise: zlib cannot shrink it below 8 MiB */
        name[i] = (char)('a' + rnd32() % 26);
    name[nl] = 0;
    static const double sq[] = {103.2, 35.5,  103.21, 35.5,  103.21,
                                35.51, 103.2, 35.51,  103.2, 35.5};
    size_t one = 1, five = 5;
    for (int k = 0; k < 4; k++) {
        snprintf(u.code, sizeof u.code, "62010200100%d", k);
        u.name = k == 1 ? name : "单元";
        u.draft = (sv_geom){1, &one, 1, &five, 5, (double *)sq};
        double *ring = NULL;
        size_t nv = 500000, npts = nv + 1;
        if (k == 2) { /* a circle of nv vertices, closed */
            ring = malloc(2 * (nv + 1) * sizeof *ring);
            for (size_t i = 0; i <= nv; i++) {
                double a = 2 * 3.14159265358979 * (double)(i % nv) / (double)nv;
                ring[2 * i] = 103.3 + 0.01 * cos(a);
                ring[2 * i + 1] = 35.6 + 0.01 * sin(a);
            }
            u.draft = (sv_geom){1, &one, 1, &npts, npts, ring};
        }
        CHECK_INT(sv_record_unit(j, &u, NULL), SV_OK);
        free(ring);
        sv_bpoint p;
        memset(&p, 0, sizeof p);
        snprintf(p.unit, sizeof p.unit, "%s", u.code);
        p.lat = 35.505, p.lon = 103.205, p.h = NAN;
        p.q = sv_quality_unknown();
        CHECK_INT(sv_record_point(j, &p, NULL), SV_OK);
    }
    free(name);
    list l = {0};
    CHECK_INT(sv_journal_foreach(j, 1, collect_all, &l), SV_OK);
    size_t big = 0;
    for (size_t i = 0; i < l.n; i++)
        big += l.e[i].payload_len > SY_BUNDLE_MAX_PLAIN;
    CHECK_INT(big, 2);

    /* The codec: a run holding a large entry is refused (send fewer); the entry alone codes. */
    sy_buf b = {.max = SY_BUNDLE_MAX_ONE_PLAIN};
    sy_entries out = {0};
    char err[256] = "";
    for (size_t i = 0; i < l.n; i++) {
        if (l.e[i].payload_len <= SY_BUNDLE_MAX_PLAIN)
            continue;
        CHECK_INT(sy__codec_encode(l.e + i - 1, 2, &b, err, sizeof err), SY_EFORMAT);
        b.len = 0;
        CHECK_INT(sy__codec_encode(l.e + i, 1, &b, err, sizeof err), SY_OK);
        CHECK_INT(sy__codec_decode(b.data, b.len, 7, 1, &out, err, sizeof err), SY_OK);
        CHECK(same_entries(l.e + i, &out, 0, 1, 7));
        sy_entries_free(&out);
        /* the same bytes announced as two entries exceed the multi-entry bound */
        CHECK_INT(sy__codec_decode(b.data, b.len, 7, 2, &out, err, sizeof err), SY_EFORMAT);
        b.len = 0;
    }
    sy_buf_free(&b);

    /* Bundles from seq 1 to the end, opened as the office would. */
    sy_office_keys office;
    memset(&office, 0, sizeof office);
    uint8_t box_sk[32], dev_pk[SV_PUBKEY_BYTES];
    crypto_box_keypair(office.box_pk, box_sk);
    snprintf(office.office_id, sizeof office.office_id, "0123456789abcdef0123456789abcdef");
    sv_journal_public_key(j, dev_pk);
    int64_t from = 1, last = last_seen, ones = 0;
    while (from <= last) {
        sy_buf bb;
        sy_bundle_info info;
        int rc = sy_bundle_build(j, &office, from, 0, &bb, &info, err, sizeof err);
        CHECK_INT(rc, SY_OK);
        if (rc != SY_OK) {
            fprintf(stderr, "bundle from %lld: %s\n", (long long)from, err);
            break;
        }
        size_t flen = 0;
        CHECK_INT(sy_bundle_frame(bb.data, bb.len, &flen, err, sizeof err), SY_OK);
        CHECK_INT(flen, bb.len);
        CHECK_INT(sy_bundle_open(bb.data, bb.len, dev_pk, office.office_id, office.box_pk, box_sk,
                                 &info, &out, err, sizeof err),
                  SY_OK);
        CHECK_INT(info.first_seq, from);
        CHECK(same_payloads(l.e + from - 1, &out));
        ones += info.first_seq == info.last_seq;
        sy_entries_free(&out);
        sy_buf_free(&bb);
        from = info.last_seq + 1;
    }
    CHECK_INT(from, last + 1);
    CHECK(ones >= 2);
    sv_journal_close(j);
    list_free(&l);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

int main(void)
{
    test_realistic_roundtrip();
    test_sign_entries();
    test_verbatim_fallback();
    test_integer_extremes();
    test_bad_arguments();
    test_truncation_and_trailing();
    test_bit_flips_and_noise();
    test_handmade();
    test_buf_helpers();
    test_large_entries();
    return check_finish();
}
