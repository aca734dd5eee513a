/*
 * fuzz_bundle.c - libFuzzer target for the bundle reader: the header parser and strict opener
 * (sy_bundle_peek, sy_bundle_open with fixed keys) and, behind them, the entry decoder
 * (sy__codec_decode), which a fuzzer could never reach through a valid signature, and the file
 * records a bundle file carries after its bundles (sy_record_frame, sy_file_record_open). The
 * first input byte picks the path: even = a whole bundle (or, when it starts with QJF1, a whole
 * file record), odd = codec bytes with the entry count taken from the next two bytes. Seeds:
 * tests/fuzz/corpus/bundle/; finds: tests/fuzz/regress/bundle/; both replayed as the ctest
 * fuzz/fuzz_bundle (replay_main.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "codec.h"
#include "sync/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t dev_pk[32], dev_sk[64], box_pk[32], box_sk[32];
    static char office[33];
    static int ready;
    if (!ready) {
        if (sodium_init() < 0)
            return 0;
        /* Fixed keys: every run sees the same office and device. */
        uint8_t seed[32];
        memset(seed, 7, sizeof seed);
        crypto_sign_seed_keypair(dev_pk, dev_sk, seed);
        memset(seed, 9, sizeof seed);
        crypto_box_seed_keypair(box_pk, box_sk, seed);
        sv_device_id_from_key(dev_pk, office);
        ready = 1;
    }
    if (size < 1)
        return 0;
    char err[256];
    if ((data[0] & 1) == 0 && size >= 5 && memcmp(data + 1, "QJF1", 4) == 0) {
        /* a file record of a bundle file (USB): framed, verified, opened */
        size_t len = 0;
        int is_file = 0;
        sy_file_record_info fi;
        uint8_t *bytes = NULL;
        if (sy_record_frame(data + 1, size - 1, &len, &is_file, err, sizeof err) == SY_OK &&
            (!is_file || len > size - 1))
            return 0;
        int rc = sy_file_record_open(data + 1, size - 1, dev_pk, office, box_pk, box_sk, &fi,
                                     &bytes, err, sizeof err);
        if (getenv("QJ_FUZZ_DEBUG"))
            fprintf(stderr, "file record: %d %s\n", rc, rc == SY_OK ? "opened" : err);
        if (rc == SY_OK) {
            /* what it hands out is exactly the file its header names */
            uint8_t md[32];
            char hex[65];
            crypto_hash_sha256(md, bytes, (size_t)fi.bytes);
            sodium_bin2hex(hex, sizeof hex, md, sizeof md);
            if (fi.bytes < 1 || strcmp(hex, fi.sha256) != 0)
                __builtin_trap();
            free(bytes);
        }
        return 0;
    }
    if ((data[0] & 1) == 0) {
        sy_bundle_info info;
        sy_entries e;
        if (sy_bundle_peek(data + 1, size - 1, &info, err, sizeof err) == SY_OK &&
            sy_bundle_open(data + 1, size - 1, dev_pk, office, box_pk, box_sk, &info, &e, err,
                           sizeof err) == SY_OK)
            sy_entries_free(&e);
        return 0;
    }
    if (size < 3)
        return 0;
    size_t n = (size_t)data[1] << 8 | data[2];
    sy_entries out = {0};
    if (sy__codec_decode(data + 3, size - 3, 1, n, &out, err, sizeof err) == SY_OK) {
        /* A successful decode must hand out exactly n well-formed entries. */
        if (out.n != n)
            __builtin_trap();
        for (size_t i = 0; i < out.n; i++)
            if (!out.v[i].kind || !out.v[i].payload ||
                strlen(out.v[i].payload) != out.v[i].payload_len)
                __builtin_trap();
    }
    sy_entries_free(&out);
    return 0;
}
