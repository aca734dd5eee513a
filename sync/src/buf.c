/*
 * buf.c - the sync library's small shared helpers: the capped byte buffer (sy_buf), freeing
 * decoded entries, result-code text and hex decoding.
 *
 * Must never: grow a buffer past its cap (a bundle or a message is bounded everywhere, so an
 * attacker cannot make us allocate without limit), leave a buffer half-updated on failure, or
 * accept hex that does not decode to exactly the expected number of bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "sync/bundle.h"

/* The meanings both libraries share keep the same values (docs/architecture.md, errors). */
_Static_assert((int)SY_OK == (int)SV_OK && (int)SY_ERR == (int)SV_ERR &&
                   (int)SY_ENOMEM == (int)SV_ENOMEM && (int)SY_EIO == (int)SV_EIO &&
                   (int)SY_EINVAL == (int)SV_EINVAL && (int)SY_EFORMAT == (int)SV_EFORMAT,
               "sy_err and sv_err share their first six values");

int sy_buf_append(sy_buf *b, const void *p, size_t n)
{
    if (!b || (n && !p))
        return SY_EINVAL;
    if (n == 0)
        return SY_OK;
    size_t max = b->max ? b->max : SY_BUNDLE_MAX_BYTES;
    /* Written as a subtraction so that len + n cannot wrap around. */
    if (b->len > max || n > max - b->len)
        return SY_EFORMAT;
    size_t need = b->len + n;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap = cap > max / 2 ? max : cap * 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d)
            return SY_ENOMEM;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len = need;
    return SY_OK;
}

void sy_buf_free(sy_buf *b)
{
    if (!b)
        return;
    free(b->data);
    memset(b, 0, sizeof *b);
}

void sy_entries_free(sy_entries *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++) {
        free(e->v[i].kind);
        free(e->v[i].payload);
        json_decref((json_t *)e->v[i].parsed);
    }
    free(e->v);
    memset(e, 0, sizeof *e);
}

const char *sy_strerror(int err)
{
    switch (err) {
    case SY_OK:
        return "success";
    case SY_ERR:
        return "error";
    case SY_ENOMEM:
        return "out of memory";
    case SY_EIO:
        return "file or database I/O error";
    case SY_EINVAL:
        return "invalid argument";
    case SY_EFORMAT:
        return "malformed, truncated or oversized bundle or message";
    case SY_EVERSION:
        return "unsupported bundle format version";
    case SY_ESIG:
        return "signature does not verify";
    case SY_ECHAIN:
        return "entries do not form the claimed hash chain";
    case SY_EOFFICE:
        return "bundle is sealed for another office";
    case SY_EFORK:
        return "entries differ from those the office already holds";
    case SY_EGAP:
        return "bundle starts after the office's cursor";
    case SY_EAUTH:
        return "unknown, unenrolled or revoked device, or bad token";
    case SY_ENET:
        return "connection failed or was cut";
    case SY_EREFUSED:
        return "the office refused the request";
    case SY_ENOTENROLLED:
        return "journal is not enrolled with an office";
    case SY_ETLS:
        return "office certificate does not match the pinned one";
    case SY_ESTATE:
        return "the request does not fit the current state";
    case SY_ENOTFOUND:
        return "no such unit or case";
    }
    return "unknown error";
}

int sy_hex2bin(uint8_t *out, size_t outlen, const char *hex)
{
    if (!out || !hex)
        return SY_EINVAL;
    size_t hexlen = strlen(hex);
    /* Exactly two digits per byte: this also refuses what sodium would stop early on. */
    if (outlen > SIZE_MAX / 2 || hexlen != outlen * 2)
        return SY_EFORMAT;
    size_t got = 0;
    const char *end = NULL;
    if (sodium_hex2bin(out, outlen, hex, hexlen, NULL, &got, &end) != 0 || got != outlen ||
        end != hex + hexlen)
        return SY_EFORMAT;
    return SY_OK;
}
