/*
 * bundle.c - building and strictly opening sync bundles (layout: docs/bundle.md).
 *
 * Building reads a contiguous run of the journal, encodes it (codec.c), compresses it with
 * zlib, seals it to the office's X25519 key and signs the whole with the device key through
 * the journal API (the key never leaves libsurvey). Opening checks, in order: the header's
 * shape and lengths, the version, the office id, the device signature over every byte, the
 * sealed box, the compressed stream (exactly the announced size, fully consumed), the
 * encoding, then the hash chain from prev_hash to last_hash and the journal head signature.
 * It never hands out anything of a bundle that failed any of these.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "codec.h"
#include "survey/lifecycle.h"
#include "sync/bundle.h"

#define MAGIC "QJB1"
#define SIGN_DOMAIN "quejie-bundle-v1"
#define HDR_BYTES SY_BUNDLE_HEADER_BYTES
#define SIG_BYTES 64

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* The bounds of a bundle of n entries: a one-entry bundle may be as large as its entry needs. */
static uint64_t max_plain(uint64_t n)
{
    return n == 1 ? SY_BUNDLE_MAX_ONE_PLAIN : SY_BUNDLE_MAX_PLAIN;
}

static uint64_t max_bytes(uint64_t n)
{
    return n == 1 ? SY_BUNDLE_MAX_ONE_BYTES : SY_BUNDLE_MAX_BYTES;
}

sv_entry *sy_entries_view(const sy_entries *e)
{
    sv_entry *v = calloc(e->n ? e->n : 1, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < e->n; i++) {
        const sy_entry *x = &e->v[i];
        v[i] = (sv_entry){.seq = x->seq,
                          .time_ms = x->time_ms,
                          .kind = x->kind,
                          .payload = x->payload,
                          .payload_len = x->payload_len,
                          .prev_hash = x->prev_hash,
                          .hash = x->hash};
    }
    return v;
}

/* ---- building ------------------------------------------------------------------------------ */

typedef struct collect {
    sy_entries *out;
    size_t max;
    size_t raw; /* payload bytes so far: the size bound */
    int oom;
} collect;

static int collect_one(const sv_entry *e, void *ctx)
{
    collect *c = ctx;
    if (c->out->n >= c->max || (c->out->n > 0 && c->raw + e->payload_len > SY_BUNDLE_MAX_PLAIN / 2))
        return 1; /* full: stop the walk */
    if (c->out->n == c->out->cap) {
        size_t cap = c->out->cap ? 2 * c->out->cap : 256;
        sy_entry *v = realloc(c->out->v, cap * sizeof *v);
        if (!v)
            return c->oom = 1;
        c->out->v = v;
        c->out->cap = cap;
    }
    sy_entry *x = &c->out->v[c->out->n];
    memset(x, 0, sizeof *x);
    x->seq = e->seq;
    x->time_ms = e->time_ms;
    x->kind = strdup(e->kind);
    x->payload = malloc(e->payload_len + 1);
    if (!x->kind || !x->payload) {
        free(x->kind);
        free(x->payload);
        return c->oom = 1;
    }
    memcpy(x->payload, e->payload, e->payload_len);
    x->payload[e->payload_len] = '\0';
    x->payload_len = e->payload_len;
    memcpy(x->prev_hash, e->prev_hash, SV_HASH_BYTES);
    memcpy(x->hash, e->hash, SV_HASH_BYTES);
    c->out->n++;
    c->raw += e->payload_len;
    return 0;
}

/* Encode n entries and deflate them into z. */
static int encode_deflate(const sy_entries *ents, size_t n, sy_buf *z, size_t *plain_len, char *err,
                          size_t errlen)
{
    sv_entry *view = sy_entries_view(ents);
    if (!view)
        return fail(err, errlen, SY_ENOMEM, "out of memory");
    sy_buf plain = {.max = (size_t)max_plain(n)};
    int rc = sy__codec_encode(view, n, &plain, err, errlen);
    free(view);
    if (rc != SY_OK) {
        sy_buf_free(&plain);
        return rc;
    }
    uLongf zlen = compressBound((uLong)plain.len);
    z->data = malloc(zlen);
    if (!z->data) {
        sy_buf_free(&plain);
        return fail(err, errlen, SY_ENOMEM, "out of memory");
    }
    int zrc = compress2(z->data, &zlen, plain.data, (uLong)plain.len, 9);
    *plain_len = plain.len;
    sy_buf_free(&plain);
    if (zrc != Z_OK)
        return fail(err, errlen, SY_ENOMEM, "zlib compression failed (%d)", zrc);
    z->len = zlen;
    z->cap = zlen;
    return SY_OK;
}

int sy_bundle_build(sv_journal *j, const sy_office_keys *office, int64_t from_seq,
                    size_t max_entries, sy_buf *out, sy_bundle_info *info, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (sodium_init() < 0)
        return fail(err, errlen, SY_ERR, "libsodium failed to initialise");
    if (max_entries == 0 || max_entries > SY_BUNDLE_MAX_ENTRIES)
        max_entries = SY_BUNDLE_MAX_ENTRIES;
    if (from_seq < 1)
        from_seq = 1;
    uint8_t office_raw[SY_ID_BYTES], dev_raw[SY_ID_BYTES];
    if (sy_hex2bin(office_raw, sizeof office_raw, office->office_id) != SY_OK)
        return fail(err, errlen, SY_EINVAL, "malformed office id '%s'", office->office_id);
    if (sy_hex2bin(dev_raw, sizeof dev_raw, sv_journal_device_id(j)) != SY_OK)
        return fail(err, errlen, SY_EINVAL, "malformed device id");

    sy_entries ents = {0};
    collect c = {.out = &ents, .max = max_entries};
    int rc = sv_journal_foreach(j, from_seq, collect_one, &c);
    if (c.oom) {
        sy_entries_free(&ents);
        return fail(err, errlen, SY_ENOMEM, "out of memory reading the journal");
    }
    if (rc < 0) {
        sy_entries_free(&ents);
        return fail(err, errlen, SY_EIO, "cannot read the journal: %s", sv_journal_errmsg(j));
    }
    if (ents.n == 0)
        return fail(err, errlen, SY_EINVAL, "nothing to send from entry %lld", (long long)from_seq);
    if (ents.v[0].seq != from_seq) {
        sy_entries_free(&ents);
        return fail(err, errlen, SY_EIO, "the journal has no entry %lld", (long long)from_seq);
    }

    /* An encoding over the plain-size bound (pathological payloads) is retried with fewer
     * entries: a bundle is always buildable as long as one entry fits. */
    size_t n = ents.n, plain_len = 0;
    sy_buf z = {0};
    for (;;) {
        rc = encode_deflate(&ents, n, &z, &plain_len, err, errlen);
        if (rc != SY_EFORMAT || n == 1)
            break;
        sy_buf_free(&z);
        n /= 2;
    }
    if (rc != SY_OK) {
        sy_buf_free(&z);
        sy_entries_free(&ents);
        return rc;
    }
    const sy_entry *first = &ents.v[0], *last = &ents.v[n - 1];

    size_t sealed_len = z.len + crypto_box_SEALBYTES;
    size_t total = HDR_BYTES + sealed_len + SIG_BYTES;
    if (total > max_bytes(n)) {
        sy_buf_free(&z);
        sy_entries_free(&ents);
        return fail(err, errlen, SY_EFORMAT, "bundle would exceed %llu bytes",
                    (unsigned long long)max_bytes(n));
    }
    uint8_t *b = malloc(total);
    if (!b) {
        sy_buf_free(&z);
        sy_entries_free(&ents);
        return fail(err, errlen, SY_ENOMEM, "out of memory");
    }
    memset(b, 0, HDR_BYTES);
    memcpy(b, MAGIC, 4);
    put_be(b + 4, SY_BUNDLE_VERSION, 2);
    put_be(b + 6, 0, 2);
    memcpy(b + 8, dev_raw, SY_ID_BYTES);
    memcpy(b + 24, office_raw, SY_ID_BYTES);
    put_be(b + 40, (uint64_t)first->seq, 8);
    put_be(b + 48, (uint64_t)n, 4);
    memcpy(b + 52, first->prev_hash, SV_HASH_BYTES);
    memcpy(b + 84, last->hash, SV_HASH_BYTES);
    rc = sv_journal_sign_head(j, last->seq, last->hash, b + 116) == SV_OK ? SY_OK : SY_EINVAL;
    put_be(b + 180, plain_len, 4);
    put_be(b + 184, sealed_len, 4);
    if (rc == SY_OK && crypto_box_seal(b + HDR_BYTES, z.data, z.len, office->box_pk) != 0)
        rc = fail(err, errlen, SY_ERR, "sealing the bundle failed");
    sy_buf_free(&z);
    if (rc == SY_OK) {
        size_t mlen = sizeof SIGN_DOMAIN + HDR_BYTES + sealed_len;
        uint8_t *msg = malloc(mlen);
        if (!msg)
            rc = fail(err, errlen, SY_ENOMEM, "out of memory");
        else {
            memcpy(msg, SIGN_DOMAIN, sizeof SIGN_DOMAIN);
            memcpy(msg + sizeof SIGN_DOMAIN, b, HDR_BYTES + sealed_len);
            if (sv_journal_sign(j, msg, mlen, b + HDR_BYTES + sealed_len) != SV_OK)
                rc = SY_EINVAL;
            free(msg);
        }
    }
    if (rc == SY_EINVAL)
        fail(err, errlen, rc, "cannot sign: %s", sv_journal_errmsg(j));
    if (rc == SY_OK && info) {
        rc = sy_bundle_peek(b, total, info, err, errlen);
    }
    sy_entries_free(&ents);
    if (rc != SY_OK) {
        free(b);
        return rc;
    }
    out->data = b;
    out->len = out->cap = total;
    return SY_OK;
}

/* ---- opening ------------------------------------------------------------------------------- */

/* Read and check the cleartext header (len >= HDR_BYTES); *total receives the announced
 * length of the whole bundle. */
static int header(const uint8_t *b, size_t len, sy_bundle_info *info, uint64_t *total, char *err,
                  size_t errlen)
{
    memset(info, 0, sizeof *info);
    if (!b || len < 4 || memcmp(b, MAGIC, 4) != 0)
        return fail(err, errlen, SY_EFORMAT, "not a Quejie bundle (bad magic)");
    if (len < HDR_BYTES)
        return fail(err, errlen, SY_EFORMAT, "bundle truncated: %zu bytes, the header alone is %d",
                    len, HDR_BYTES);
    info->version = (int)get_be(b + 4, 2);
    if (info->version != SY_BUNDLE_VERSION)
        return fail(err, errlen, SY_EVERSION,
                    "bundle format version %d is not one this build reads (%d)", info->version,
                    SY_BUNDLE_VERSION);
    if (get_be(b + 6, 2) != 0)
        return fail(err, errlen, SY_EVERSION, "bundle uses flags this build does not know");
    sodium_bin2hex(info->device_id, sizeof info->device_id, b + 8, SY_ID_BYTES);
    sodium_bin2hex(info->office_id, sizeof info->office_id, b + 24, SY_ID_BYTES);
    uint64_t first = get_be(b + 40, 8), n = get_be(b + 48, 4);
    if (first < 1 || first > (uint64_t)INT64_MAX / 2)
        return fail(err, errlen, SY_EFORMAT, "bundle first entry number %llu is invalid",
                    (unsigned long long)first);
    if (n < 1 || n > SY_BUNDLE_MAX_ENTRIES)
        return fail(err, errlen, SY_EFORMAT, "bundle entry count %llu is out of range",
                    (unsigned long long)n);
    info->first_seq = (int64_t)first;
    info->last_seq = (int64_t)(first + n - 1);
    memcpy(info->prev_hash, b + 52, SV_HASH_BYTES);
    memcpy(info->last_hash, b + 84, SV_HASH_BYTES);
    memcpy(info->head_sig, b + 116, SV_SIG_BYTES);
    uint64_t plain = get_be(b + 180, 4), sealed = get_be(b + 184, 4);
    if (plain > max_plain(n))
        return fail(
            err, errlen, SY_EFORMAT, "bundle announces %llu bytes of %llu entries (limit %llu)",
            (unsigned long long)plain, (unsigned long long)n, (unsigned long long)max_plain(n));
    if (sealed < crypto_box_SEALBYTES)
        return fail(err, errlen, SY_EFORMAT, "bundle announces a sealed box of %llu bytes",
                    (unsigned long long)sealed);
    *total = HDR_BYTES + sealed + SIG_BYTES;
    if (*total > max_bytes(n))
        return fail(
            err, errlen, SY_EFORMAT, "bundle announces %llu bytes for %llu entries (limit %llu)",
            (unsigned long long)*total, (unsigned long long)n, (unsigned long long)max_bytes(n));
    return SY_OK;
}

int sy_bundle_frame(const uint8_t *b, size_t len, size_t *bundle_len, char *err, size_t errlen)
{
    sy_bundle_info info;
    uint64_t total = 0;
    *bundle_len = 0;
    int rc = header(b, len, &info, &total, err, errlen);
    if (rc == SY_OK)
        *bundle_len = (size_t)total;
    return rc;
}

int sy_bundle_peek(const uint8_t *b, size_t len, sy_bundle_info *info, char *err, size_t errlen)
{
    uint64_t total = 0;
    int rc = header(b, len, info, &total, err, errlen);
    if (rc == SY_OK && len < HDR_BYTES + SIG_BYTES)
        rc = fail(err, errlen, SY_EFORMAT, "bundle truncated: %zu bytes, the header alone is %d",
                  len, HDR_BYTES);
    if (rc == SY_OK && total != len)
        rc = fail(err, errlen, SY_EFORMAT,
                  "bundle is %zu bytes but its header announces %llu: truncated or padded (a "
                  "file of several bundles is read with sy_bundle_frame)",
                  len, (unsigned long long)total);
    if (rc != SY_OK) {
        memset(info, 0, sizeof *info);
        return rc;
    }
    info->bytes = len;
    return SY_OK;
}

int sy_bundle_open(const uint8_t *b, size_t len, const uint8_t device_pk[32], const char *office_id,
                   const uint8_t box_pk[32], const uint8_t box_sk[32], sy_bundle_info *info,
                   sy_entries *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (sodium_init() < 0)
        return fail(err, errlen, SY_ERR, "libsodium failed to initialise");
    sy_bundle_info local;
    if (!info)
        info = &local;
    int rc = sy_bundle_peek(b, len, info, err, errlen);
    if (rc != SY_OK)
        return rc;
    if (strcmp(info->office_id, office_id) != 0)
        return fail(err, errlen, SY_EOFFICE, "bundle is for office %s, not this office (%s)",
                    info->office_id, office_id);
    char dev[33];
    sv_device_id_from_key(device_pk, dev);
    if (strcmp(dev, info->device_id) != 0)
        return fail(err, errlen, SY_ESIG, "bundle names device %s, not the key given (%s)",
                    info->device_id, dev);
    size_t sealed_len = len - HDR_BYTES - SIG_BYTES;
    size_t mlen = sizeof SIGN_DOMAIN + HDR_BYTES + sealed_len;
    uint8_t *msg = malloc(mlen);
    if (!msg)
        return fail(err, errlen, SY_ENOMEM, "out of memory");
    memcpy(msg, SIGN_DOMAIN, sizeof SIGN_DOMAIN);
    memcpy(msg + sizeof SIGN_DOMAIN, b, HDR_BYTES + sealed_len);
    int sig_ok = crypto_sign_verify_detached(b + HDR_BYTES + sealed_len, msg, mlen, device_pk) == 0;
    free(msg);
    if (!sig_ok)
        return fail(err, errlen, SY_ESIG,
                    "bundle signature does not verify (altered bytes or another device's key)");

    size_t zlen = sealed_len - crypto_box_SEALBYTES;
    uint8_t *z = malloc(zlen ? zlen : 1);
    if (!z)
        return fail(err, errlen, SY_ENOMEM, "out of memory");
    if (crypto_box_seal_open(z, b + HDR_BYTES, sealed_len, box_pk, box_sk) != 0) {
        free(z);
        return fail(err, errlen, SY_EOFFICE,
                    "bundle cannot be opened with this office's key (sealed to another key)");
    }
    size_t plain_len = (size_t)get_be(b + 180, 4);
    uint8_t *plain = malloc(plain_len ? plain_len : 1);
    if (!plain) {
        free(z);
        return fail(err, errlen, SY_ENOMEM, "out of memory");
    }
    uLongf dlen = (uLongf)plain_len;
    uLong slen = (uLong)zlen;
    int zrc = uncompress2(plain, &dlen, z, &slen);
    free(z);
    if (zrc != Z_OK || dlen != plain_len || slen != zlen) {
        free(plain);
        return fail(err, errlen, SY_EFORMAT,
                    "bundle contents do not decompress to the announced %zu bytes (zlib %d)",
                    plain_len, zrc);
    }
    rc = sy__codec_decode(plain, plain_len, info->first_seq,
                          (size_t)(info->last_seq - info->first_seq + 1), out, err, errlen);
    free(plain);
    if (rc != SY_OK) {
        sy_entries_free(out);
        return rc;
    }

    /* Recompute the chain: every hash from the header's prev_hash on, with the device id. */
    const uint8_t *prev = info->prev_hash;
    for (size_t i = 0; i < out->n; i++) {
        sy_entry *x = &out->v[i];
        memcpy(x->prev_hash, prev, SV_HASH_BYTES);
        sv_entry_hash(info->device_id, x->seq, x->time_ms, x->kind, x->payload, x->payload_len,
                      x->prev_hash, x->hash);
        prev = x->hash;
    }
    if (out->n == 0 || memcmp(prev, info->last_hash, SV_HASH_BYTES) != 0) {
        sy_entries_free(out);
        return fail(err, errlen, SY_ECHAIN,
                    "bundle entries %lld-%lld do not hash to the chain head the bundle names",
                    (long long)info->first_seq, (long long)info->last_seq);
    }
    if (!sv_head_verify(device_pk, info->last_seq, info->last_hash, info->head_sig)) {
        sy_entries_free(out);
        return fail(err, errlen, SY_ESIG, "bundle head signature over entry %lld does not verify",
                    (long long)info->last_seq);
    }
    return SY_OK;
}

/* ---- file records (docs/bundle.md, "File records") ----------------------------------------- */

#define FILE_MAGIC "QJF1"
#define FILE_DOMAIN "quejie-file-v1"
#define FILE_HDR SY_FILE_RECORD_HEADER_BYTES

int sy_file_record_build(sv_journal *j, const sy_office_keys *office, const char *sha256,
                         const uint8_t *data, size_t len, sy_buf *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (sodium_init() < 0)
        return fail(err, errlen, SY_ERR, "libsodium failed to initialise");
    uint8_t office_raw[SY_ID_BYTES], dev_raw[SY_ID_BYTES], sha_raw[32];
    if (sy_hex2bin(office_raw, sizeof office_raw, office->office_id) != SY_OK ||
        sy_hex2bin(dev_raw, sizeof dev_raw, sv_journal_device_id(j)) != SY_OK ||
        sy_hex2bin(sha_raw, sizeof sha_raw, sha256) != SY_OK)
        return fail(err, errlen, SY_EINVAL, "malformed office id, device id or file hash");
    if (len == 0 || len > SV_ATTACH_MAX_BYTES)
        return fail(err, errlen, SY_EINVAL, "a file of %zu bytes cannot be carried", len);
    size_t sealed = len + crypto_box_SEALBYTES, total = FILE_HDR + sealed + SIG_BYTES;
    uint8_t *b = malloc(total);
    if (!b)
        return fail(err, errlen, SY_ENOMEM, "out of memory");
    memcpy(b, FILE_MAGIC, 4);
    put_be(b + 4, SY_BUNDLE_VERSION, 2);
    put_be(b + 6, 0, 2);
    memcpy(b + 8, dev_raw, SY_ID_BYTES);
    memcpy(b + 24, office_raw, SY_ID_BYTES);
    memcpy(b + 40, sha_raw, 32);
    put_be(b + 72, (uint64_t)len, 8);
    put_be(b + 80, (uint64_t)sealed, 4);
    int rc = SY_OK;
    if (crypto_box_seal(b + FILE_HDR, data, len, office->box_pk) != 0)
        rc = fail(err, errlen, SY_ERR, "sealing the file failed");
    size_t mlen = sizeof FILE_DOMAIN + FILE_HDR + sealed;
    uint8_t *msg = rc == SY_OK ? malloc(mlen) : NULL;
    if (rc == SY_OK && !msg)
        rc = fail(err, errlen, SY_ENOMEM, "out of memory");
    if (rc == SY_OK) {
        memcpy(msg, FILE_DOMAIN, sizeof FILE_DOMAIN);
        memcpy(msg + sizeof FILE_DOMAIN, b, FILE_HDR + sealed);
        if (sv_journal_sign(j, msg, mlen, b + FILE_HDR + sealed) != SV_OK)
            rc = fail(err, errlen, SY_EINVAL, "cannot sign: %s", sv_journal_errmsg(j));
    }
    free(msg);
    if (rc != SY_OK) {
        free(b);
        return rc;
    }
    out->data = b;
    out->len = out->cap = total;
    return SY_OK;
}

int sy_file_record_peek(const uint8_t *b, size_t len, sy_file_record_info *info, size_t *total,
                        char *err, size_t errlen)
{
    memset(info, 0, sizeof *info);
    *total = 0;
    if (!b || len < 4 || memcmp(b, FILE_MAGIC, 4) != 0)
        return fail(err, errlen, SY_EFORMAT, "not a Quejie file record (bad magic)");
    if (len < FILE_HDR)
        return fail(err, errlen, SY_EFORMAT,
                    "file record truncated: %zu bytes, the header alone is %d", len, FILE_HDR);
    if (get_be(b + 4, 2) != SY_BUNDLE_VERSION || get_be(b + 6, 2) != 0)
        return fail(err, errlen, SY_EVERSION,
                    "file record version %d or its flags are not ones this build reads",
                    (int)get_be(b + 4, 2));
    uint64_t bytes = get_be(b + 72, 8), sealed = get_be(b + 80, 4);
    if (bytes < 1 || bytes > SV_ATTACH_MAX_BYTES || sealed != bytes + crypto_box_SEALBYTES)
        return fail(err, errlen, SY_EFORMAT,
                    "file record announces %llu bytes in a sealed box of %llu (a file is 1 .. "
                    "%u bytes, its box 48 more)",
                    (unsigned long long)bytes, (unsigned long long)sealed, SV_ATTACH_MAX_BYTES);
    sodium_bin2hex(info->device_id, sizeof info->device_id, b + 8, SY_ID_BYTES);
    sodium_bin2hex(info->office_id, sizeof info->office_id, b + 24, SY_ID_BYTES);
    sodium_bin2hex(info->sha256, sizeof info->sha256, b + 40, 32);
    info->bytes = (int64_t)bytes;
    *total = FILE_HDR + (size_t)sealed + SIG_BYTES;
    return SY_OK;
}

int sy_file_record_open(const uint8_t *b, size_t len, const uint8_t device_pk[32],
                        const char *office_id, const uint8_t box_pk[32], const uint8_t box_sk[32],
                        sy_file_record_info *info, uint8_t **data, char *err, size_t errlen)
{
    *data = NULL;
    if (sodium_init() < 0)
        return fail(err, errlen, SY_ERR, "libsodium failed to initialise");
    size_t total;
    int rc = sy_file_record_peek(b, len, info, &total, err, errlen);
    if (rc != SY_OK)
        return rc;
    if (total != len)
        return fail(err, errlen, SY_EFORMAT,
                    "file record is %zu bytes but its header announces %zu", len, total);
    if (strcmp(info->office_id, office_id) != 0)
        return fail(err, errlen, SY_EOFFICE, "file record is for office %s, not this office (%s)",
                    info->office_id, office_id);
    char dev[33];
    sv_device_id_from_key(device_pk, dev);
    if (strcmp(dev, info->device_id) != 0)
        return fail(err, errlen, SY_ESIG, "file record names device %s, not the key given (%s)",
                    info->device_id, dev);
    size_t sealed = len - FILE_HDR - SIG_BYTES, mlen = sizeof FILE_DOMAIN + FILE_HDR + sealed;
    uint8_t *msg = malloc(mlen);
    if (!msg)
        return fail(err, errlen, SY_ENOMEM, "out of memory");
    memcpy(msg, FILE_DOMAIN, sizeof FILE_DOMAIN);
    memcpy(msg + sizeof FILE_DOMAIN, b, FILE_HDR + sealed);
    int sig_ok = crypto_sign_verify_detached(b + FILE_HDR + sealed, msg, mlen, device_pk) == 0;
    free(msg);
    if (!sig_ok)
        return fail(err, errlen, SY_ESIG,
                    "file record signature does not verify (altered bytes or another device's "
                    "key)");
    size_t n = (size_t)info->bytes;
    uint8_t *f = malloc(n);
    if (!f)
        return fail(err, errlen, SY_ENOMEM, "out of memory");
    if (crypto_box_seal_open(f, b + FILE_HDR, sealed, box_pk, box_sk) != 0) {
        free(f);
        return fail(err, errlen, SY_EOFFICE,
                    "file record cannot be opened with this office's key (sealed to another key)");
    }
    uint8_t md[32];
    char hex[65];
    crypto_hash_sha256(md, f, n);
    sodium_bin2hex(hex, sizeof hex, md, sizeof md);
    if (strcmp(hex, info->sha256) != 0) {
        free(f);
        return fail(err, errlen, SY_EFORMAT,
                    "file record's bytes do not hash to the name it gives");
    }
    *data = f;
    return SY_OK;
}

int sy_record_frame(const uint8_t *b, size_t len, size_t *rec_len, int *is_file, char *err,
                    size_t errlen)
{
    *is_file = b && len >= 4 && memcmp(b, FILE_MAGIC, 4) == 0;
    if (!*is_file)
        return sy_bundle_frame(b, len, rec_len, err, errlen);
    sy_file_record_info info;
    return sy_file_record_peek(b, len, &info, rec_len, err, errlen);
}
