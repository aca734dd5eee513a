/*
 * fuzz_office_auth.c - libFuzzer target for the office's request authentication
 * (sy_office_authenticate, sync/src/office.c): the X-Quejie-Device, X-Quejie-Time and
 * X-Quejie-Signature header values, method, path and body of a request as office_http.c hands
 * them over from libmicrohttpd, checked against a real office (fixture.h) at a fixed clock.
 *
 * Input: the fields one per line, in the order device, time, signature, method, path; the rest
 * after the fifth newline is the body. A field missing because the input ended is a header the
 * request did not carry (NULL). Two stand-ins let saved inputs get past the checks a fuzzer
 * cannot forge: a device of "@1" / "@2" / "@3" is tablet-N's id, and a signature of "@sign" is
 * replaced by tablet-1's real signature over the request (docs/sync-protocol.md).
 * Checked: SY_OK only for tablet-1 with a signature that verifies, within 24 h of the clock.
 */
#define QJ_FUZZ_OFFICE
#include "fixture.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The request signature docs/sync-protocol.md defines, with the device key of seed 7. */
static void sign_request(const char *method, const char *path, const char *t, const uint8_t *body,
                         size_t len, char out[129])
{
    static const char dom[] = "quejie-request-v1";
    uint8_t pk[32], sk[64], h[32], sig[64];
    fuzz_sign_keys(7, pk, sk);
    crypto_hash_sha256(h, body, len);
    size_t ml = sizeof dom + strlen(method) + 1 + strlen(path) + 1 + strlen(t) + 1 + sizeof h;
    uint8_t *m = malloc(ml), *p = m;
    if (!m) {
        out[0] = '\0';
        return;
    }
    memcpy(p, dom, sizeof dom), p += sizeof dom;
    memcpy(p, method, strlen(method) + 1), p += strlen(method) + 1;
    memcpy(p, path, strlen(path) + 1), p += strlen(path) + 1;
    memcpy(p, t, strlen(t) + 1), p += strlen(t) + 1;
    memcpy(p, h, sizeof h);
    crypto_sign_detached(sig, NULL, m, ml, sk);
    free(m);
    fuzz_hex(sig, sizeof sig, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sy_office *o = fuzz_office_get();
    if (!o)
        abort();
    /* The header fields as NUL-terminated strings; the body stays bytes. */
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *field[5] = {0};
    char *p = copy;
    size_t body_off = size;
    for (int i = 0; i < 5; i++) {
        char *nl = memchr(p, '\n', (size_t)(copy + size - p));
        if (!nl) {
            if (p < copy + size || i == 0)
                field[i] = p;
            body_off = size;
            break;
        }
        *nl = '\0';
        field[i] = p;
        p = nl + 1;
        body_off = (size_t)(p - copy);
    }
    const uint8_t *body = data + body_off;
    size_t len = size - body_off;
    char ids[3][33], sighex[129];
    for (int i = 0; i < 3; i++) {
        uint8_t pk[32], sk[64];
        fuzz_sign_keys((uint8_t)(7 + i), pk, sk);
        sv_device_id_from_key(pk, ids[i]);
    }
    if (field[0] && field[0][0] == '@' && field[0][1] >= '1' && field[0][1] <= '3' && !field[0][2])
        field[0] = ids[field[0][1] - '1'];
    int forged = field[2] && strcmp(field[2], "@sign") == 0 && field[1] && field[3] && field[4];
    if (forged) {
        sign_request(field[3], field[4], field[1], body, len, sighex);
        field[2] = sighex;
    }
    sy_device dev;
    int rc = sy_office_authenticate(o, field[0], field[1], field[2], field[3], field[4], body, len,
                                    FUZZ_NOW_MS, &dev);
    if (getenv("QJ_FUZZ_DEBUG"))
        fprintf(stderr, "rc %d: %s\n", rc, sy_office_errmsg(o));
    if (rc == SY_OK) {
        /* Only tablet-1 holds the key, so only its requests verify. */
        if (strcmp(dev.device_id, ids[0]) != 0 || strcmp(dev.name, "tablet-1") != 0)
            __builtin_trap();
        long long t = strtoll(field[1], NULL, 10);
        if (llabs(t - FUZZ_NOW_MS) > SY_OFFICE_CLOCK_WINDOW_MS)
            __builtin_trap();
    } else if (rc != SY_EAUTH && rc != SY_ENOMEM) {
        __builtin_trap();
    }
    if (!sy_office_errmsg(o))
        __builtin_trap();
    free(copy);
    return 0;
}
