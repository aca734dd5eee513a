/*
 * make-file-record.c - writes file-record-fixed-keys.bin, the seed file record of fuzz_bundle:
 * a 1-byte-mode prefix (0: the "whole record" path) and a QJF1 record (docs/bundle.md, "File
 * records") of a small PNG, signed with the harness's fixed device key (seed bytes 0x07) and
 * sealed to its fixed office key (seed 0x09), so the replay reaches every step of
 * sy_file_record_open. Made once:
 *   cc -o /tmp/mkfr tests/tools/make-file-record.c -lsodium &&
 *     /tmp/mkfr > tests/fuzz/corpus/bundle/file-record-fixed-keys.bin
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

static void be(unsigned char *p, unsigned long long v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    unsigned char seed[32], dpk[32], dsk[64], bpk[32], bsk[32];
    memset(seed, 7, 32);
    crypto_sign_seed_keypair(dpk, dsk, seed);
    memset(seed, 9, 32);
    crypto_box_seed_keypair(bpk, bsk, seed);
    unsigned char id[32];
    crypto_hash_sha256(id, dpk, 32); /* the device id: the first 16 bytes; the harness's office
                                      * id is the same (sv_device_id_from_key of the device key) */
    static const unsigned char file[] = "\x89PNG\r\n\x1a\nseed file record for fuzz_bundle";
    size_t n = sizeof file - 1, sealed = n + crypto_box_SEALBYTES;
    unsigned char rec[84 + sizeof file + crypto_box_SEALBYTES + 64];
    memcpy(rec, "QJF1", 4);
    be(rec + 4, 1, 2);
    be(rec + 6, 0, 2);
    memcpy(rec + 8, id, 16);
    memcpy(rec + 24, id, 16);
    crypto_hash_sha256(rec + 40, file, n);
    be(rec + 72, n, 8);
    be(rec + 80, sealed, 4);
    crypto_box_seal(rec + 84, file, n, bpk);
    unsigned char msg[sizeof "quejie-file-v1" + sizeof rec];
    memcpy(msg, "quejie-file-v1", sizeof "quejie-file-v1");
    memcpy(msg + sizeof "quejie-file-v1", rec, 84 + sealed);
    crypto_sign_detached(rec + 84 + sealed, NULL, msg, sizeof "quejie-file-v1" + 84 + sealed, dsk);
    putchar(0);
    fwrite(rec, 1, 84 + sealed + 64, stdout);
    return 0;
}
