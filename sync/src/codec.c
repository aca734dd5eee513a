/*
 * codec.c - the compact, column-major encoding of a run of journal entries inside a bundle.
 *
 * Must never: trust a byte of what it decodes (every count, length and index is checked
 * against the bytes left and the limits below; all delta arithmetic is unsigned, modulo 2^64),
 * hand out an entry whose payload differs from what was encoded (the encoder proves the round
 * trip for every entry and carries it verbatim otherwise), depend on anything but its input
 * (no clock, no globals, no locale), or leave `out` changed when it fails.
 *
 * ---- Encoding, version 1 -----------------------------------------------------------------
 *
 * Notation. uv = unsigned LEB128 varint (7 bits per byte, least significant group first, high
 * bit = more follows; at most 10 bytes, the 10th byte may only be 0 or 1). sv = a signed
 * 64-bit value as uv of its zigzag form ((x << 1) ^ (x >> 63)). str = uv length, then that
 * many bytes. Seqs are implicit (first_seq + i) and hashes are not carried.
 *
 * Payloads are parsed as JSON and flattened: every member of the top-level object is a leaf,
 * except that a non-empty object is descended into (up to 16 keys deep), so {"q":{"eph":7}}
 * gives the leaf with path ["q","eph"]. A leaf is an integer (type 0), a string (type 1) or
 * anything else as its JSON text (type 2: arrays, true/false/null, reals, empty objects,
 * objects at the depth limit), the text being jansson's json_dumps(COMPACT | SORT_KEYS |
 * ENCODE_ANY) of the value. A *field* is (type, path), kept separately per entry kind by the
 * encoder; a *shape* is a kind plus the ordered list of the fields of one payload (members in
 * payload order, depth first). Each field has one column holding its values for every entry
 * whose shape uses it, in entry order: so the latitude of every vertex is one column whatever
 * optional members (track, jump, cage...) come and go around it.
 *
 *   u8   format             1
 *   uv   nkinds, then nkinds x str              kind strings, in order of first use
 *   uv   nfields, then per field:
 *        u8 type (0 int, 1 string, 2 JSON text), uv depth (1..16), depth x str (the keys)
 *   uv   nshapes, then per shape:
 *        uv kind index, uv nleaves (0..512), nleaves x uv field index
 *   uv   nruns, then nruns x (uv code, uv length >= 1)
 *        the entries' shapes in order, run-length coded: code 0 = verbatim, s + 1 = shape s;
 *        the lengths add up to n exactly
 * per verbatim entry, in entry order: uv kind index, str payload (the exact bytes)
 *   per kind, in kind order: an int column of the time_ms of that kind's entries, in entry
 *        order, verbatim entries included (a verbatim record carries no time: every entry's
 *        time_ms is in its kind's column); absent when no entry has the kind
 *   per field, in field order: its column (absent when no entry uses the field)
 *
 * An int column of c values is: u8 mode, [sv step, for mode 1 only], then c x sv. Mode 0: the
 * value itself; mode 1: the difference from the previous value of the column, minus step
 * (the encoder takes the lower median of the c differences, the first value's included: the
 * differences v[0] - 0, v[1] - v[0], ..., v[c-1] - v[c-2], sorted as signed 64-bit values, and
 * element (c - 1) / 2 of them, counting from 0: a 1 Hz clock with jitter becomes small
 * residuals); mode 2: the difference between this difference and the previous one (delta of
 * delta: a steady walk gives small residuals). The "previous" value and difference start at
 * 0 and all arithmetic wraps modulo 2^64. The encoder picks, per column, the mode whose bytes
 * (step included) are fewest, the lowest mode on a tie.
 *
 * A string or JSON column of c values is c x (uv ref [, str]): ref 0 is a new literal that
 * follows and joins the column's dictionary; ref k >= 1 is the k-th literal of the column's
 * dictionary (in order of first appearance).
 *
 * Decoding an entry of shape s: start from an empty object; for each leaf of s in order take
 * the next value of the field's column and set it at the leaf's path, creating the objects
 * along the path (a path that crosses a non-object, or sets a key twice, is refused); type 2
 * text is parsed with json_loadb(JSON_DECODE_ANY). The payload is json_dumps(COMPACT |
 * SORT_KEYS) of the object, the kind that of the shape. Verbatim entries are taken as they are.
 *
 * Round trip. The encoder parses each payload, flattens it, rebuilds it with the decoder's
 * own routine and compares the bytes; when they differ (a real not written as jansson writes
 * it, keys out of order, whitespace, integers beyond 64 bits, invalid JSON, not an object,
 * more than 512 leaves, a size estimate over SY_BUNDLE_MAX_PLAIN) the entry goes verbatim.
 * A payload longer than SY_BUNDLE_MAX_PLAIN goes verbatim without being parsed (its estimate
 * is over the bound anyway: the estimate bounds the text from above). The encoder parses
 * with json_loadb(flags 0); a missing payload travels as "" verbatim. The result is a
 * function of the entries alone: the same entries always give the same bytes.
 *
 * Size. The encoding of n >= 2 entries is at most SY_BUNDLE_MAX_PLAIN (8 MiB); over it the
 * encoder returns SY_EFORMAT so that the caller sends fewer entries. The encoding of one entry
 * may be as large as SY_BUNDLE_MAX_ONE_PLAIN (the largest entry a journal can hold, 10^9
 * bytes, plus 64 KiB), so that any entry a journal accepted can travel, alone.
 *
 * Limits checked when decoding: the input is at most SY_BUNDLE_MAX_PLAIN bytes (for n = 1:
 * SY_BUNDLE_MAX_ONE_PLAIN), n at most SY_BUNDLE_MAX_ENTRIES, nkinds, nshapes and nruns at
 * most n; every length within the bytes left; a kind must not contain a NUL byte; per
 * column-coded entry the size estimate 2 + sum over leaves of (6 x serialized path bytes +
 * 6 x string bytes or 8 x JSON-text bytes + 32) at most SY_BUNDLE_MAX_PLAIN; the payloads of
 * column-coded entries together at most CODEC_MAX_TOTAL (64 MiB: what a small input may
 * expand to through the dictionaries; the encoder refuses larger runs with SY_EFORMAT so that
 * the caller sends fewer entries). A verbatim payload is bytes of the input and cannot
 * expand. No trailing bytes are allowed.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codec.h"

#define CODEC_FORMAT 1
#define T_INT 0
#define T_STR 1
#define T_JSON 2
#define MAX_DEPTH 16
#define MAX_LEAVES 512
/* Column-coded payloads of one bundle, together: bounds what a small input can expand to. */
#define CODEC_MAX_TOTAL (8u * SY_BUNDLE_MAX_PLAIN)

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- integers ---------------------------------------------------------------------------- */

static uint64_t zigzag(uint64_t x)
{
    return (x << 1) ^ (0 - (x >> 63));
}

static uint64_t unzigzag(uint64_t z)
{
    return (z >> 1) ^ (0 - (z & 1));
}

/* Two's complement reinterpretation without implementation-defined conversions. */
static int64_t u2i(uint64_t u)
{
    return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

static size_t uv_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* ---- writing: a growable buffer with sticky failure flags --------------------------------- */

typedef struct wbuf {
    uint8_t *d;
    size_t len, cap;
    size_t max;    /* 0 = SY_BUNDLE_MAX_PLAIN */
    int oom, over; /* sticky: checked once at the end */
} wbuf;

static void wb_put(wbuf *w, const void *p, size_t n)
{
    if (w->oom || w->over || n == 0)
        return;
    size_t max = w->max ? w->max : SY_BUNDLE_MAX_PLAIN;
    if (n > max - w->len || w->len > max) {
        w->over = 1;
        return;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n)
            cap = cap > max / 2 ? max : cap * 2;
        uint8_t *d = realloc(w->d, cap);
        if (!d) {
            w->oom = 1;
            return;
        }
        w->d = d;
        w->cap = cap;
    }
    memcpy(w->d + w->len, p, n);
    w->len += n;
}

static void wb_u8(wbuf *w, uint8_t b)
{
    wb_put(w, &b, 1);
}

static void wb_uv(wbuf *w, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    while (v >= 0x80) {
        b[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b[n++] = (uint8_t)v;
    wb_put(w, b, n);
}

static void wb_str(wbuf *w, const void *p, size_t n)
{
    wb_uv(w, n);
    wb_put(w, p, n);
}

/* ---- reading: every read is bounded by the bytes left -------------------------------------- */

typedef struct rd {
    const uint8_t *p;
    size_t len, pos;
} rd;

static size_t rd_left(const rd *r)
{
    return r->len - r->pos;
}

static int rd_u8(rd *r, uint8_t *out)
{
    if (r->pos >= r->len)
        return -1;
    *out = r->p[r->pos++];
    return 0;
}

static int rd_uv(rd *r, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        uint8_t b;
        if (rd_u8(r, &b) != 0)
            return -1;
        if (i == 9 && b > 1) /* bits beyond 64, or an 11th byte */
            return -1;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* A count or length no larger than max and than the bytes left (each item takes >= 1 byte). */
static int rd_count(rd *r, uint64_t max, size_t *out)
{
    uint64_t v;
    if (rd_uv(r, &v) != 0 || v > max || v > rd_left(r))
        return -1;
    *out = (size_t)v;
    return 0;
}

static int rd_str(rd *r, const uint8_t **s, size_t *n)
{
    if (rd_count(r, r->len, n) != 0)
        return -1;
    *s = r->p + r->pos;
    r->pos += *n;
    return 0;
}

/* ---- rebuilding a payload from its leaves (shared by encoder and decoder) ----------------- */

typedef struct cval {
    uint64_t i;       /* T_INT, as two's complement bits */
    const uint8_t *s; /* T_STR, T_JSON */
    size_t len;
} cval;

typedef struct cleaf {
    int type;
    uint32_t depth;
    const uint8_t *path; /* depth x str */
    size_t pathlen;
    cval v;
} cleaf;

static uint64_t estimate(const cleaf *lv, size_t n)
{
    uint64_t e = 2;
    for (size_t i = 0; i < n; i++)
        e += 6 * (uint64_t)lv[i].pathlen + (lv[i].type == T_JSON ? 8 : 6) * (uint64_t)lv[i].v.len +
             32;
    return e;
}

static json_t *leaf_value(const cleaf *l)
{
    switch (l->type) {
    case T_INT:
        return json_integer((json_int_t)u2i(l->v.i));
    case T_STR:
        return json_stringn((const char *)l->v.s, l->v.len); /* NULL if not UTF-8 */
    case T_JSON:
        return json_loadb((const char *)l->v.s, l->v.len, JSON_DECODE_ANY, NULL);
    }
    return NULL;
}

/* The payload text of leaves, as the decoder produces it (jansson-allocated), or NULL. With
 * tree, the object it was dumped from is handed over in *tree (the parse of the text: NUL in
 * keys and strings, which a parse with flags 0 would refuse, is refused here too). */
static char *rebuild(const cleaf *lv, size_t n, const char **why, json_t **tree)
{
    json_t *root = json_object();
    if (!root) {
        *why = "out of memory";
        return NULL;
    }
    *why = NULL;
    for (size_t i = 0; i < n && !*why; i++) {
        rd r = {lv[i].path, lv[i].pathlen, 0};
        json_t *cur = root;
        for (uint32_t d = 0; d < lv[i].depth && !*why; d++) {
            const uint8_t *k;
            size_t kl;
            if (rd_str(&r, &k, &kl) != 0) {
                *why = "bad field path";
                break;
            }
            if (memchr(k, 0, kl)) {
                *why = "bad field key";
                break;
            }
            json_t *c = json_object_getn(cur, (const char *)k, kl);
            if (d + 1 < lv[i].depth) {
                if (!c) {
                    c = json_object();
                    if (!c || json_object_setn_new(cur, (const char *)k, kl, c) != 0)
                        *why = "bad field key";
                } else if (!json_is_object(c)) {
                    *why = "field path crosses a value";
                }
                cur = c;
            } else if (c) {
                *why = "field set twice";
            } else {
                json_t *v = lv[i].type == T_STR && memchr(lv[i].v.s, 0, lv[i].v.len)
                                ? NULL
                                : leaf_value(&lv[i]);
                if (!v)
                    *why = "bad field value";
                else if (json_object_setn_new(cur, (const char *)k, kl, v) != 0)
                    *why = "bad field key";
            }
        }
        if (!*why && r.pos != r.len)
            *why = "bad field path";
    }
    char *text = NULL;
    if (!*why) {
        text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
        if (!text)
            *why = "out of memory";
    }
    if (text && tree)
        *tree = root;
    else
        json_decref(root);
    return text;
}

/* ---- interning byte strings (kinds, fields, shapes) -------------------------------------- */

typedef struct intern {
    wbuf arena;
    size_t *off, *len;
    size_t n, cap;
    uint32_t *slot; /* id + 1, 0 = empty */
    size_t nslot;
    int oom;
} intern;

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void intern_free(intern *t)
{
    free(t->arena.d);
    free(t->off);
    free(t->len);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

static const uint8_t *intern_at(const intern *t, size_t id, size_t *len)
{
    *len = t->len[id];
    return t->arena.d + t->off[id];
}

/* The id of key (added if new), or -1 on failure. */
static long intern_get(intern *t, const uint8_t *key, size_t n)
{
    if (t->oom)
        return -1;
    if (2 * (t->n + 1) > t->nslot) {
        size_t ns = t->nslot ? t->nslot * 2 : 64;
        uint32_t *s = calloc(ns, sizeof *s);
        if (!s) {
            t->oom = 1;
            return -1;
        }
        for (size_t id = 0; id < t->n; id++) {
            size_t l;
            const uint8_t *p = intern_at(t, id, &l);
            size_t h = (size_t)fnv1a(p, l) & (ns - 1);
            while (s[h])
                h = (h + 1) & (ns - 1);
            s[h] = (uint32_t)(id + 1);
        }
        free(t->slot);
        t->slot = s;
        t->nslot = ns;
    }
    size_t h = (size_t)fnv1a(key, n) & (t->nslot - 1);
    while (t->slot[h]) {
        size_t id = t->slot[h] - 1, l;
        const uint8_t *p = intern_at(t, id, &l);
        if (l == n && memcmp(p, key, n) == 0)
            return (long)id;
        h = (h + 1) & (t->nslot - 1);
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 32;
        size_t *o = realloc(t->off, nc * sizeof *o);
        if (o)
            t->off = o;
        size_t *l = o ? realloc(t->len, nc * sizeof *l) : NULL;
        if (!l) {
            t->oom = 1;
            return -1;
        }
        t->len = l;
        t->cap = nc;
    }
    t->off[t->n] = t->arena.len;
    t->len[t->n] = n;
    wb_put(&t->arena, key, n);
    if (t->arena.oom || t->arena.over) {
        t->oom = 1;
        return -1;
    }
    t->slot[h] = (uint32_t)(t->n + 1);
    return (long)t->n++;
}

/* ---- encoder ------------------------------------------------------------------------------ */

typedef struct column {
    int type;
    cval *v;
    size_t n, cap;
} column;

typedef struct enc {
    intern kinds, fields, shapes;
    column *cols; /* per field */
    size_t ncols, capcols;
    size_t *fkindlen; /* per field: bytes of the kind prefix of its intern key */
    /* the entry being flattened */
    cleaf *lv;
    size_t nlv, caplv;
    size_t *lvoff; /* offset of each leaf's path in pathbuf */
    wbuf stack, pathbuf, key;
    char **owned; /* JSON texts of type-2 leaves */
    size_t nowned, capowned;
    int oom;
} enc;

static int enc_own(enc *c, char *s)
{
    if (c->nowned == c->capowned) {
        size_t nc = c->capowned ? c->capowned * 2 : 16;
        char **o = realloc(c->owned, nc * sizeof *o);
        if (!o)
            return -1;
        c->owned = o;
        c->capowned = nc;
    }
    c->owned[c->nowned++] = s;
    return 0;
}

/* Flatten obj (members at component depth+1). Returns 0, 1 (not codable: verbatim), -1 (OOM). */
static int flatten(enc *c, json_t *obj, uint32_t depth)
{
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
        const char *k = json_object_iter_key(it);
        size_t kl = json_object_iter_key_len(it);
        json_t *v = json_object_iter_value(it);
        size_t mark = c->stack.len;
        wb_str(&c->stack, k, kl);
        if (c->stack.oom || c->stack.over)
            return c->stack.oom ? -1 : 1;
        if (json_is_object(v) && json_object_size(v) > 0 && depth + 2 <= MAX_DEPTH) {
            int rc = flatten(c, v, depth + 1);
            if (rc != 0)
                return rc;
        } else {
            if (c->nlv == MAX_LEAVES)
                return 1;
            if (c->nlv == c->caplv) {
                size_t nc = c->caplv ? c->caplv * 2 : 64;
                cleaf *l = realloc(c->lv, nc * sizeof *l);
                if (l)
                    c->lv = l;
                size_t *o = l ? realloc(c->lvoff, nc * sizeof *o) : NULL;
                if (!o)
                    return -1;
                c->lvoff = o;
                c->caplv = nc;
            }
            cleaf *l = &c->lv[c->nlv];
            memset(l, 0, sizeof *l);
            l->depth = depth + 1;
            c->lvoff[c->nlv] = c->pathbuf.len;
            l->pathlen = c->stack.len;
            wb_put(&c->pathbuf, c->stack.d, c->stack.len);
            if (c->pathbuf.oom)
                return -1;
            if (c->pathbuf.over)
                return 1;
            if (json_is_integer(v)) {
                l->type = T_INT;
                l->v.i = (uint64_t)json_integer_value(v);
            } else if (json_is_string(v)) {
                l->type = T_STR;
                l->v.s = (const uint8_t *)json_string_value(v);
                l->v.len = json_string_length(v);
            } else {
                char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
                if (!s || enc_own(c, s) != 0) {
                    free(s);
                    return -1;
                }
                l->type = T_JSON;
                l->v.s = (const uint8_t *)s;
                l->v.len = strlen(s);
            }
            c->nlv++;
        }
        c->stack.len = mark;
    }
    return 0;
}

/*
 * Flatten one payload into c->lv and prove the round trip. Returns 0 (codable), 1 (verbatim),
 * -1 (out of memory). *root receives the parsed tree (the leaves point into it).
 */
static int enc_try(enc *c, const sv_entry *e, json_t **root)
{
    c->nlv = 0;
    c->stack.len = c->pathbuf.len = 0;
    c->stack.over = c->pathbuf.over = 0; /* a previous entry may have hit the cap */
    *root = NULL;
    if (!e->payload)
        return 1;
    /* Such a payload's size estimate (an upper bound of its text) is over the bound anyway:
     * it goes verbatim without being parsed. */
    if (e->payload_len > SY_BUNDLE_MAX_PLAIN)
        return 1;
    json_t *j = json_loadb(e->payload, e->payload_len, 0, NULL);
    if (!j)
        return 1; /* not JSON (or beyond jansson: huge integers, NUL bytes) */
    *root = j;
    if (!json_is_object(j))
        return 1;
    int rc = flatten(c, j, 0);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < c->nlv; i++)
        c->lv[i].path = c->pathbuf.d + c->lvoff[i];
    if (estimate(c->lv, c->nlv) > SY_BUNDLE_MAX_PLAIN)
        return 1;
    const char *why;
    char *text = rebuild(c->lv, c->nlv, &why, NULL);
    if (!text)
        return strcmp(why, "out of memory") == 0 ? -1 : 1;
    int same = strlen(text) == e->payload_len && memcmp(text, e->payload, e->payload_len) == 0;
    free(text);
    return same ? 0 : 1;
}

static int col_push(column *col, const cval *v)
{
    if (col->n == col->cap) {
        size_t nc = col->cap ? col->cap * 2 : 64;
        cval *p = realloc(col->v, nc * sizeof *p);
        if (!p)
            return -1;
        col->v = p;
        col->cap = nc;
    }
    col->v[col->n++] = *v;
    return 0;
}

/* Record the flattened entry: its fields, shape and values. Returns the shape id or -1. */
static long enc_commit(enc *c, long kind)
{
    wbuf *k = &c->key;
    k->len = 0;
    wb_uv(k, (uint64_t)kind);
    size_t kindlen = k->len;
    uint32_t fids[MAX_LEAVES];
    for (size_t i = 0; i < c->nlv; i++) {
        const cleaf *l = &c->lv[i];
        k->len = kindlen;
        wb_u8(k, (uint8_t)l->type);
        wb_uv(k, l->depth);
        wb_put(k, l->path, l->pathlen);
        if (k->oom || k->over)
            return -1;
        long f = intern_get(&c->fields, k->d, k->len);
        if (f < 0)
            return -1;
        if ((size_t)f == c->ncols) { /* a new field */
            if (c->ncols == c->capcols) {
                size_t nc = c->capcols ? c->capcols * 2 : 32;
                column *cs = realloc(c->cols, nc * sizeof *cs);
                if (cs)
                    c->cols = cs;
                size_t *fk = cs ? realloc(c->fkindlen, nc * sizeof *fk) : NULL;
                if (!fk)
                    return -1;
                c->fkindlen = fk;
                c->capcols = nc;
            }
            memset(&c->cols[c->ncols], 0, sizeof c->cols[0]);
            c->cols[c->ncols].type = l->type;
            c->fkindlen[c->ncols] = kindlen;
            c->ncols++;
        }
        fids[i] = (uint32_t)f;
    }
    k->len = kindlen;
    wb_uv(k, c->nlv);
    for (size_t i = 0; i < c->nlv; i++)
        wb_uv(k, fids[i]);
    if (k->oom || k->over)
        return -1;
    long s = intern_get(&c->shapes, k->d, k->len);
    if (s < 0)
        return -1;
    for (size_t i = 0; i < c->nlv; i++)
        if (col_push(&c->cols[fids[i]], &c->lv[i].v) != 0)
            return -1;
    return s;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = u2i(*(const uint64_t *)a), y = u2i(*(const uint64_t *)b);
    return (x > y) - (x < y);
}

/* Returns -1 when out of memory (the column is then not written). */
static int put_int_column(wbuf *w, const uint64_t *v, size_t n)
{
    if (n == 0)
        return 0; /* an empty column is absent, mode byte included */
    /* The step of mode 1 is the (lower) median difference: the regular beat of the column. */
    uint64_t *d = malloc(n * sizeof *d);
    if (!d)
        return -1;
    for (size_t i = 0; i < n; i++)
        d[i] = v[i] - (i ? v[i - 1] : 0);
    qsort(d, n, sizeof *d, cmp_i64);
    uint64_t step = d[(n - 1) / 2];
    free(d);
    size_t cost[3] = {0, uv_len(zigzag(step)), 0};
    uint64_t prev = 0, prevd = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t dd = v[i] - prev;
        cost[0] += uv_len(zigzag(v[i]));
        cost[1] += uv_len(zigzag(dd - step));
        cost[2] += uv_len(zigzag(dd - prevd));
        prev = v[i];
        prevd = dd;
    }
    int mode = 0;
    for (int m = 1; m < 3; m++)
        if (cost[m] < cost[mode])
            mode = m;
    wb_u8(w, (uint8_t)mode);
    if (mode == 1)
        wb_uv(w, zigzag(step));
    prev = prevd = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t dd = v[i] - prev;
        wb_uv(w, zigzag(mode == 0 ? v[i] : mode == 1 ? dd - step : dd - prevd));
        prev = v[i];
        prevd = dd;
    }
    return 0;
}

/* Strings by first-appearance dictionary; linear search is fine at <= 2048 values. */
static int put_str_column(wbuf *w, const cval *v, size_t n)
{
    size_t *dict = malloc((n ? n : 1) * sizeof *dict), nd = 0;
    if (!dict)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < nd &&
               !(v[dict[k]].len == v[i].len && memcmp(v[dict[k]].s, v[i].s, v[i].len) == 0))
            k++;
        if (k < nd) {
            wb_uv(w, k + 1);
        } else {
            wb_uv(w, 0);
            wb_str(w, v[i].s, v[i].len);
            dict[nd++] = i;
        }
    }
    free(dict);
    return 0;
}

int sy__codec_encode(const sv_entry *e, size_t n, sy_buf *out, char *err, size_t errlen)
{
    if (!e || !out || n == 0 || n > SY_BUNDLE_MAX_ENTRIES) {
        set_err(err, errlen, "codec: %zu entries (1..%u allowed)", n, SY_BUNDLE_MAX_ENTRIES);
        return SY_EINVAL;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!e[i].kind || (!e[i].payload && e[i].payload_len)) {
            set_err(err, errlen, "codec: entry %lld has no kind or payload", (long long)e[i].seq);
            return SY_EINVAL;
        }
        if (e[i].payload_len <= SY_BUNDLE_MAX_PLAIN) /* larger ones go verbatim */
            total += e[i].payload_len;
    }
    if (total > CODEC_MAX_TOTAL) {
        set_err(err, errlen, "codec: payloads of %zu entries exceed %u bytes: send fewer", n,
                CODEC_MAX_TOTAL);
        return SY_EFORMAT;
    }

    enc c;
    memset(&c, 0, sizeof c);
    c.kinds.arena.max = SY_BUNDLE_MAX_ONE_PLAIN; /* a kind is as long as the journal allows */
    wbuf w;
    memset(&w, 0, sizeof w);
    /* One entry may be as large as the journal holds: its bundle follows it. */
    w.max = n == 1 ? SY_BUNDLE_MAX_ONE_PLAIN : SY_BUNDLE_MAX_PLAIN;
    long *code = calloc(n, sizeof *code); /* 0 verbatim, s + 1 shape s */
    long *kind = calloc(n, sizeof *kind);
    json_t **roots = calloc(n, sizeof *roots);
    uint64_t *tv = calloc(n, sizeof *tv);
    int rc = SY_OK;
    if (!code || !kind || !roots || !tv)
        rc = SY_ENOMEM;

    for (size_t i = 0; i < n && rc == SY_OK; i++) {
        kind[i] = intern_get(&c.kinds, (const uint8_t *)e[i].kind, strlen(e[i].kind));
        if (kind[i] < 0) {
            rc = SY_ENOMEM;
            break;
        }
        tv[i] = (uint64_t)e[i].time_ms;
        int t = enc_try(&c, &e[i], &roots[i]);
        if (t < 0) {
            rc = SY_ENOMEM;
        } else if (t == 0) {
            long s = enc_commit(&c, kind[i]);
            if (s < 0)
                rc = SY_ENOMEM;
            code[i] = s + 1;
        }
    }

    if (rc == SY_OK) {
        wb_u8(&w, CODEC_FORMAT);
        wb_uv(&w, c.kinds.n);
        for (size_t k = 0; k < c.kinds.n; k++) {
            size_t l;
            const uint8_t *p = intern_at(&c.kinds, k, &l);
            wb_str(&w, p, l);
        }
        wb_uv(&w, c.fields.n);
        for (size_t f = 0; f < c.fields.n; f++) {
            size_t l;
            const uint8_t *p = intern_at(&c.fields, f, &l);
            wb_put(&w, p + c.fkindlen[f], l - c.fkindlen[f]);
        }
        wb_uv(&w, c.shapes.n);
        for (size_t s = 0; s < c.shapes.n; s++) {
            size_t l;
            const uint8_t *p = intern_at(&c.shapes, s, &l);
            wb_put(&w, p, l);
        }
        size_t nruns = 0;
        for (size_t i = 0; i < n; i++)
            nruns += i == 0 || code[i] != code[i - 1];
        wb_uv(&w, nruns);
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && code[j] == code[i])
                j++;
            wb_uv(&w, (uint64_t)code[i]);
            wb_uv(&w, j - i);
            i = j;
        }
        for (size_t i = 0; i < n; i++) {
            if (code[i] == 0) {
                wb_uv(&w, (uint64_t)kind[i]);
                wb_str(&w, e[i].payload, e[i].payload_len);
            }
        }
        /* time_ms per kind: a point between two vertices does not break the vertices' 1 Hz
         * rhythm (which delta of delta turns into near-zeros). */
        uint64_t *kt = malloc(n * sizeof *kt);
        if (!kt)
            rc = SY_ENOMEM;
        for (size_t k = 0; k < c.kinds.n && kt; k++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (kind[i] == (long)k)
                    kt[m++] = tv[i];
            if (put_int_column(&w, kt, m) != 0)
                rc = SY_ENOMEM;
        }
        free(kt);
        for (size_t f = 0; f < c.ncols && rc == SY_OK; f++) {
            const column *col = &c.cols[f];
            if (col->type == T_INT) {
                uint64_t *iv = malloc(col->n * sizeof *iv);
                if (!iv) {
                    rc = SY_ENOMEM;
                    break;
                }
                for (size_t i = 0; i < col->n; i++)
                    iv[i] = col->v[i].i;
                if (put_int_column(&w, iv, col->n) != 0)
                    rc = SY_ENOMEM;
                free(iv);
            } else if (put_str_column(&w, col->v, col->n) != 0) {
                rc = SY_ENOMEM;
            }
        }
        if (rc == SY_OK && w.oom)
            rc = SY_ENOMEM;
        if (rc == SY_OK && w.over) {
            set_err(err, errlen, "codec: the encoding of %zu entries exceeds %zu bytes", n, w.max);
            rc = SY_EFORMAT;
        }
        if (rc == SY_OK) {
            rc = sy_buf_append(out, w.d, w.len);
            if (rc == SY_EFORMAT)
                set_err(err, errlen, "codec: the encoding does not fit the buffer's cap");
        }
    }
    if (rc == SY_ENOMEM)
        set_err(err, errlen, "codec: out of memory");

    if (roots)
        for (size_t i = 0; i < n; i++)
            json_decref(roots[i]);
    free(roots);
    free(code);
    free(kind);
    free(tv);
    free(w.d);
    for (size_t i = 0; i < c.nowned; i++)
        free(c.owned[i]);
    free(c.owned);
    for (size_t f = 0; f < c.ncols; f++)
        free(c.cols[f].v);
    free(c.cols);
    free(c.fkindlen);
    free(c.lv);
    free(c.lvoff);
    free(c.stack.d);
    free(c.pathbuf.d);
    free(c.key.d);
    intern_free(&c.kinds);
    intern_free(&c.fields);
    intern_free(&c.shapes);
    return rc;
}

/* ---- decoder ------------------------------------------------------------------------------ */

/* Reading an int column: its mode, step and running state. */
typedef struct icur {
    uint8_t mode;
    uint64_t step, prev, prevd;
} icur;

static int icur_begin(rd *r, icur *c)
{
    memset(c, 0, sizeof *c);
    if (rd_u8(r, &c->mode) != 0 || c->mode > 2)
        return -1;
    if (c->mode == 1 && rd_uv(r, &c->step) != 0)
        return -1;
    return 0;
}

static int icur_next(rd *r, icur *c, uint64_t *out)
{
    uint64_t z;
    if (rd_uv(r, &z) != 0)
        return -1;
    uint64_t x = unzigzag(z), v;
    if (c->mode == 0)
        v = x;
    else if (c->mode == 1)
        v = c->prev + unzigzag(c->step) + x;
    else
        v = c->prev + c->prevd + x;
    c->prevd = v - c->prev;
    c->prev = v;
    *out = v;
    return 0;
}

typedef struct dfield {
    int type;
    uint32_t depth;
    const uint8_t *path;
    size_t pathlen;
    uint64_t count; /* values in its column */
    /* cursor for assembly */
    rd r;
    icur ic;
    cval *dict;
    size_t ndict;
} dfield;

typedef struct dshape {
    size_t kind, nleaves, first; /* first: index into the shared field-id array */
    uint64_t count;
} dshape;

typedef struct dbytes {
    const uint8_t *s;
    size_t len;
} dbytes;

/* Walk over one column (checking it) and leave r after it. */
static int skip_column(rd *r, int type, uint64_t count)
{
    if (count == 0)
        return 0;
    if (count > rd_left(r))
        return -1; /* every value takes at least one byte */
    if (type == T_INT) {
        icur c;
        uint64_t v;
        if (icur_begin(r, &c) != 0)
            return -1;
        for (uint64_t i = 0; i < count; i++)
            if (icur_next(r, &c, &v) != 0)
                return -1;
        return 0;
    }
    uint64_t lits = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t ref;
        if (rd_uv(r, &ref) != 0 || ref > lits)
            return -1;
        if (ref == 0) {
            const uint8_t *s;
            size_t l;
            if (rd_str(r, &s, &l) != 0)
                return -1;
            lits++;
        }
    }
    return 0;
}

/* The next value of a field's column (already checked by skip_column). */
static int field_next(dfield *f, cval *v)
{
    memset(v, 0, sizeof *v);
    if (f->type == T_INT)
        return icur_next(&f->r, &f->ic, &v->i);
    uint64_t ref;
    if (rd_uv(&f->r, &ref) != 0 || ref > f->ndict)
        return -1;
    if (ref == 0) {
        if (rd_str(&f->r, &v->s, &v->len) != 0)
            return -1;
        if (f->ndict == f->count) /* more literals than values: cannot happen once checked */
            return -1;
        f->dict[f->ndict++] = *v;
    } else {
        *v = f->dict[ref - 1];
    }
    return 0;
}

static char *dup_bytes(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        if (n)
            memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

int sy__codec_decode(const uint8_t *p, size_t len, int64_t first_seq, size_t n, sy_entries *out,
                     char *err, size_t errlen)
{
    if (!out) {
        set_err(err, errlen, "codec: no output");
        return SY_EINVAL;
    }
    if ((!p && len) || n == 0 || n > SY_BUNDLE_MAX_ENTRIES ||
        len > (n == 1 ? SY_BUNDLE_MAX_ONE_PLAIN : SY_BUNDLE_MAX_PLAIN)) {
        set_err(err, errlen, "codec: %zu entries in %zu bytes is out of bounds", n, len);
        return SY_EFORMAT;
    }
    if (first_seq > INT64_MAX - (int64_t)(n - 1)) {
        set_err(err, errlen, "codec: seq out of range");
        return SY_EFORMAT;
    }
    rd r = {p, len, 0};
    const char *why = NULL;
    int rc = SY_EFORMAT;
    dbytes *kinds = NULL, *verb = NULL;
    size_t *verbkind = NULL;
    dfield *fields = NULL;
    dshape *shapes = NULL;
    uint32_t *fids = NULL;
    size_t nfids = 0, capfids = 0;
    uint32_t *code = NULL;
    uint64_t *tv = NULL;
    size_t *ekind = NULL, *kcount = NULL;
    cleaf *lv = NULL;
    sy_entry *nv = NULL; /* the decoded entries until they are handed over */
    size_t nnv = 0;
    size_t n0 = out->n, nkinds = 0, nfields = 0, nshapes = 0, nverb = 0;

#define BAD(msg)                                                                                   \
    do {                                                                                           \
        why = (msg);                                                                               \
        goto done;                                                                                 \
    } while (0)
#define NOMEM()                                                                                    \
    do {                                                                                           \
        rc = SY_ENOMEM;                                                                            \
        why = "out of memory";                                                                     \
        goto done;                                                                                 \
    } while (0)

    uint8_t fmt;
    if (rd_u8(&r, &fmt) != 0)
        BAD("empty");
    if (fmt != CODEC_FORMAT)
        BAD("unknown entry encoding");

    /* kinds */
    if (rd_count(&r, n, &nkinds) != 0)
        BAD("bad kind count");
    if (!(kinds = calloc(nkinds ? nkinds : 1, sizeof *kinds)))
        NOMEM();
    for (size_t k = 0; k < nkinds; k++) {
        if (rd_str(&r, &kinds[k].s, &kinds[k].len) != 0)
            BAD("truncated kind");
        if (memchr(kinds[k].s, 0, kinds[k].len)) /* would not survive as a C string */
            BAD("bad kind");
    }

    /* fields: each takes at least 3 bytes (type, depth, key length) */
    if (rd_count(&r, rd_left(&r) / 3, &nfields) != 0)
        BAD("bad field count");
    if (!(fields = calloc(nfields ? nfields : 1, sizeof *fields)))
        NOMEM();
    for (size_t f = 0; f < nfields; f++) {
        uint8_t type;
        uint64_t depth;
        if (rd_u8(&r, &type) != 0 || type > T_JSON)
            BAD("bad field type");
        if (rd_uv(&r, &depth) != 0 || depth < 1 || depth > MAX_DEPTH)
            BAD("bad field depth");
        fields[f].type = type;
        fields[f].depth = (uint32_t)depth;
        fields[f].path = p + r.pos;
        for (uint64_t d = 0; d < depth; d++) {
            const uint8_t *s;
            size_t l;
            if (rd_str(&r, &s, &l) != 0)
                BAD("truncated field path");
        }
        fields[f].pathlen = (size_t)(p + r.pos - fields[f].path);
    }

    /* shapes */
    if (rd_count(&r, n, &nshapes) != 0)
        BAD("bad shape count");
    if (!(shapes = calloc(nshapes ? nshapes : 1, sizeof *shapes)))
        NOMEM();
    for (size_t s = 0; s < nshapes; s++) {
        uint64_t kind;
        if (rd_uv(&r, &kind) != 0 || kind >= nkinds)
            BAD("bad shape kind");
        shapes[s].kind = (size_t)kind;
        if (rd_count(&r, MAX_LEAVES, &shapes[s].nleaves) != 0)
            BAD("bad shape size");
        shapes[s].first = nfids;
        if (nfids + shapes[s].nleaves > capfids) {
            size_t nc = capfids ? capfids : 64;
            while (nc < nfids + shapes[s].nleaves)
                nc *= 2;
            uint32_t *nf = realloc(fids, nc * sizeof *nf);
            if (!nf)
                NOMEM();
            fids = nf;
            capfids = nc;
        }
        for (size_t l = 0; l < shapes[s].nleaves; l++) {
            uint64_t f;
            if (rd_uv(&r, &f) != 0 || f >= nfields)
                BAD("bad shape field");
            fids[nfids++] = (uint32_t)f;
        }
    }

    /* runs of shapes */
    size_t nruns;
    if (rd_count(&r, n, &nruns) != 0)
        BAD("bad run count");
    if (!(code = calloc(n, sizeof *code)))
        NOMEM();
    size_t at = 0;
    for (size_t k = 0; k < nruns; k++) {
        uint64_t c, rl;
        if (rd_uv(&r, &c) != 0 || c > nshapes)
            BAD("bad run shape");
        if (rd_uv(&r, &rl) != 0 || rl == 0 || rl > n - at)
            BAD("runs do not add up to the entry count");
        for (uint64_t i = 0; i < rl; i++)
            code[at++] = (uint32_t)c;
        if (c)
            shapes[c - 1].count += rl;
        else
            nverb += (size_t)rl;
    }
    if (at != n)
        BAD("runs do not add up to the entry count");

    /* verbatim entries */
    if (!(verb = calloc(nverb ? nverb : 1, sizeof *verb)) ||
        !(verbkind = calloc(nverb ? nverb : 1, sizeof *verbkind)))
        NOMEM();
    for (size_t v = 0; v < nverb; v++) {
        uint64_t kind;
        if (rd_uv(&r, &kind) != 0 || kind >= nkinds)
            BAD("bad verbatim kind");
        verbkind[v] = (size_t)kind;
        if (rd_str(&r, &verb[v].s, &verb[v].len) != 0)
            BAD("truncated verbatim payload");
    }

    /* time columns, one per kind */
    if (!(tv = calloc(n, sizeof *tv)) || !(ekind = calloc(n, sizeof *ekind)) ||
        !(kcount = calloc(nkinds ? nkinds : 1, sizeof *kcount)))
        NOMEM();
    for (size_t i = 0, v = 0; i < n; i++) {
        ekind[i] = code[i] ? shapes[code[i] - 1].kind : verbkind[v++];
        kcount[ekind[i]]++;
    }
    for (size_t k = 0; k < nkinds; k++) {
        if (kcount[k] == 0)
            continue;
        icur ic;
        if (icur_begin(&r, &ic) != 0)
            BAD("bad time column");
        for (size_t i = 0; i < n; i++)
            if (ekind[i] == k && icur_next(&r, &ic, &tv[i]) != 0)
                BAD("truncated time column");
    }

    /* columns: count, then check each and remember where it starts */
    for (size_t s = 0; s < nshapes; s++)
        for (size_t l = 0; l < shapes[s].nleaves; l++)
            fields[fids[shapes[s].first + l]].count += shapes[s].count;
    for (size_t f = 0; f < nfields; f++) {
        size_t start = r.pos;
        if (skip_column(&r, fields[f].type, fields[f].count) != 0)
            BAD("bad or truncated column");
        fields[f].r = (rd){p, r.pos, start};
        if (fields[f].count && fields[f].type == T_INT &&
            icur_begin(&fields[f].r, &fields[f].ic) != 0)
            BAD("bad int column"); /* cannot happen: skip_column read it already */
        if (fields[f].count && fields[f].type != T_INT &&
            !(fields[f].dict = calloc((size_t)fields[f].count, sizeof(cval))))
            NOMEM();
    }
    if (r.pos != len)
        BAD("trailing bytes after the entries");

    /* assemble into a new array: out is touched only once everything has succeeded */
    if (!(nv = calloc(n, sizeof *nv)) || !(lv = calloc(MAX_LEAVES, sizeof *lv)))
        NOMEM();
    uint64_t total = 0;
    size_t vi = 0;
    for (size_t i = 0; i < n; i++) {
        sy_entry *en = &nv[i];
        en->seq = first_seq + (int64_t)i;
        en->time_ms = u2i(tv[i]);
        const dbytes *kd;
        if (code[i] == 0) {
            kd = &kinds[ekind[i]];
            en->payload = dup_bytes(verb[vi].s, verb[vi].len);
            en->payload_len = verb[vi].len;
            vi++;
        } else {
            const dshape *sh = &shapes[code[i] - 1];
            kd = &kinds[ekind[i]];
            for (size_t l = 0; l < sh->nleaves; l++) {
                dfield *f = &fields[fids[sh->first + l]];
                lv[l].type = f->type;
                lv[l].depth = f->depth;
                lv[l].path = f->path;
                lv[l].pathlen = f->pathlen;
                if (field_next(f, &lv[l].v) != 0)
                    BAD("bad column value");
            }
            if (estimate(lv, sh->nleaves) > SY_BUNDLE_MAX_PLAIN)
                BAD("entry too large");
            const char *bwhy;
            json_t *doc = NULL;
            char *text = rebuild(lv, sh->nleaves, &bwhy, &doc);
            en->parsed = doc;
            if (!text) {
                if (strcmp(bwhy, "out of memory") == 0)
                    NOMEM();
                BAD(bwhy);
            }
            en->payload_len = strlen(text);
            en->payload = dup_bytes(text, en->payload_len);
            free(text);
        }
        en->kind = dup_bytes(kd->s, kd->len);
        nnv = i + 1; /* so that the cleanup frees it */
        if (!en->kind || !en->payload)
            NOMEM();
        if (code[i] != 0) /* a verbatim payload is bytes of the input: it cannot expand */
            total += en->payload_len;
        if (total > CODEC_MAX_TOTAL)
            BAD("entries too large");
    }
    if (n0 > SIZE_MAX / sizeof(sy_entry) / 2 - n)
        NOMEM();
    if (n0 + n > out->cap) {
        /* doubling, so that appending bundle after bundle stays linear */
        size_t cap = out->cap * 2 > n0 + n ? out->cap * 2 : n0 + n;
        sy_entry *v = realloc(out->v, cap * sizeof *v);
        if (!v)
            NOMEM();
        out->v = v;
        out->cap = cap;
    }
    memcpy(out->v + n0, nv, n * sizeof *nv);
    out->n = n0 + n;
    nnv = 0; /* handed over */
    rc = SY_OK;

done:
#undef BAD
#undef NOMEM
    if (rc != SY_OK)
        set_err(err, errlen, "codec: %s", why ? why : "malformed entries");
    for (size_t i = 0; i < nnv; i++) {
        free(nv[i].kind);
        free(nv[i].payload);
        json_decref((json_t *)nv[i].parsed);
    }
    free(nv);
    if (fields)
        for (size_t f = 0; f < nfields; f++)
            free(fields[f].dict);
    free(fields);
    free(kinds);
    free(verb);
    free(verbkind);
    free(shapes);
    free(fids);
    free(code);
    free(tv);
    free(ekind);
    free(kcount);
    free(lv);
    return rc;
}
