/*
 * fixture.h - what several fuzz targets set up once per process: a scratch directory (removed
 * at exit), fixed keys (the same device and office in every run, so saved inputs replay the
 * same way) and a real county office with a known set of devices. Only for tests/fuzz/.
 */
#ifndef QJ_FUZZ_FIXTURE_H
#define QJ_FUZZ_FIXTURE_H

#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "survey/journal.h"

/* The clock the targets pass as "now" (2025-06-15T15:06:40Z): saved inputs carry times near it. */
#define FUZZ_NOW_MS 1750000000000LL

static char fuzz_dir[64];

static inline int fuzz_rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static inline void fuzz_dir_remove(void)
{
    if (fuzz_dir[0])
        nftw(fuzz_dir, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh scratch directory for this process; NULL when none can be made. */
static inline const char *fuzz_scratch(void)
{
    if (!fuzz_dir[0]) {
        /* tmpfs first: the journal and the office fsync every commit, which on a disk would
         * cost more than everything else a run does. QJ_FUZZ_DIR chooses another place. */
        const char *t = getenv("QJ_FUZZ_DIR");
        if (!t || strlen(t) >= 40)
            t = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/qj-fuzz-XXXXXX", t && strlen(t) < 40 ? t : "/tmp");
        if (!mkdtemp(fuzz_dir)) {
            perror("mkdtemp");
            fuzz_dir[0] = '\0';
            return NULL;
        }
        atexit(fuzz_dir_remove);
    }
    return fuzz_dir;
}

/* Fixed Ed25519 key pairs from a seed byte: 7 is the fuzzed device, 9 the office. */
static inline void fuzz_sign_keys(uint8_t seed_byte, uint8_t pk[32], uint8_t sk[64])
{
    uint8_t seed[32];
    memset(seed, seed_byte, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
}

static inline void fuzz_hex(const uint8_t *b, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, b, n);
}

#ifdef QJ_FUZZ_OFFICE
#include "sync/office.h"

/*
 * The office of the office targets, made once: "tablet-1" enrolled with the device key (seed 7),
 * "tablet-2" enrolled with seed 8 then revoked, "tablet-3" registered but never enrolled.
 * tokens[i] holds tablet-(i+1)'s enrollment token. NULL when it cannot be made.
 */
static sy_office *fuzz_office;
static char fuzz_tokens[3][SY_TOKEN_CHARS + 1];

static inline sy_office *fuzz_office_get(void)
{
    if (fuzz_office)
        return fuzz_office;
    const char *dir = fuzz_scratch();
    if (!dir || sodium_init() < 0)
        return NULL;
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/office.db", dir);
    sy_office *o = NULL;
    if (sy_office_create(path, "fuzz office", SY_OFFICE_TOLERANCE_M, err, sizeof err) != SY_OK ||
        sy_office_open(path, &o) != SY_OK) {
        fprintf(stderr, "fuzz: cannot make the office: %s\n", o ? sy_office_errmsg(o) : err);
        sy_office_close(o);
        return NULL;
    }
    sy_office_set_log(o, NULL);
    static const char *const names[] = {"tablet-1", "tablet-2", "tablet-3"};
    for (int i = 0; i < 3; i++) {
        if (sy_office_device_add(o, names[i], "crew-a", fuzz_tokens[i]) != SY_OK)
            goto fail;
        if (i == 2)
            break;
        uint8_t pk[32], sk[64];
        char id[33], pkhex[65];
        fuzz_sign_keys((uint8_t)(7 + i), pk, sk);
        sv_device_id_from_key(pk, id);
        fuzz_hex(pk, 32, pkhex);
        char *reply = NULL;
        if (sy_office_enroll(o, fuzz_tokens[i], id, pkhex, &reply) != SY_OK)
            goto fail;
        free(reply);
    }
    if (sy_office_device_revoke(o, "tablet-2") != SY_OK)
        goto fail;
    return fuzz_office = o;
fail:
    fprintf(stderr, "fuzz: cannot set up the office: %s\n", sy_office_errmsg(o));
    sy_office_close(o);
    return NULL;
}
#endif

#endif
