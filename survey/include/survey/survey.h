/*
 * survey.h - libsurvey: the Quejie field-survey core library.
 *
 * Umbrella header: error codes, diagnostics and version. Every other public header of the
 * library includes this one. The library is synchronous and has no global mutable state; a
 * handle may be used from one thread at a time.
 */
#ifndef SURVEY_SURVEY_H
#define SURVEY_SURVEY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SV_VERSION "0.1.0"

/* Result codes: 0 is success, every failure is negative. */
typedef enum sv_err {
    SV_OK = 0,
    SV_ERR = -1,          /* unspecified failure */
    SV_ENOMEM = -2,       /* out of memory */
    SV_EIO = -3,          /* file-system or database I/O failure (disk full, read-only, ...) */
    SV_EINVAL = -4,       /* the caller passed an invalid argument */
    SV_EFORMAT = -5,      /* malformed outside data (file, receiver, payload) */
    SV_ENOTFOUND = -6,    /* no such unit, point, file or key */
    SV_EEXIST = -7,       /* already exists */
    SV_ECORRUPT = -8,     /* the journal failed an integrity check */
    SV_ECRS = -9,         /* unknown CRS or failed coordinate transformation */
    SV_EAGAIN = -10,      /* nothing available yet; try again */
    SV_ENORECEIVER = -11, /* no GNSS receiver (gpsd unreachable or silent) */
    SV_ETIMEOUT = -12,    /* a deadline passed */
    SV_EVERSION = -13,    /* data written by a newer version than this build reads */
    SV_EGEOM = -14,       /* invalid geometry */
    SV_EBUSY = -15,       /* the journal is locked by another process */
    SV_EINTR = -16        /* interrupted on request (signal) */
} sv_err;

/* Static English text for a result code. Never NULL. */
const char *sv_strerror(int err);

/*
 * Detail for calls that have no handle to keep an error message in. Callers pass a pointer
 * (or NULL when they do not care); on failure the callee writes one line naming the problem
 * (file, feature, field), without a trailing newline.
 */
typedef struct sv_diag {
    char msg[512];
} sv_diag;

#ifdef __cplusplus
}
#endif
#endif
