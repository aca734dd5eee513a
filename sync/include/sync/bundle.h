/*
 * bundle.h - signed, sealed, compressed delta bundles of one device's journal entries.
 *
 * A bundle carries a contiguous run of entries (first_seq..last_seq) of one device's journal,
 * encoded compactly (sync/src/codec.c), compressed with zlib, sealed to the county office's
 * X25519 public key (crypto_box_seal) and signed with the device's Ed25519 key. The same bytes
 * go over HTTP and onto a USB stick. The byte layout is docs/bundle.md.
 *
 * Decoding is strict and all-or-nothing: any problem (a bad signature, a broken chain, a
 * truncated or altered byte, another office, an unknown version) refuses the whole bundle with
 * a message naming the problem; nothing of a refused bundle is handed out.
 *
 * Threading: no shared state; the functions may be called from any thread.
 */
#ifndef SYNC_BUNDLE_H
#define SYNC_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "survey/journal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes of the sync library: 0 is success, failures negative. */
typedef enum sy_err {
    SY_OK = 0,
    SY_ERR = -1, /* unspecified */
    SY_ENOMEM = -2,
    SY_EIO = -3,           /* file or database I/O */
    SY_EINVAL = -4,        /* bad argument from the caller */
    SY_EFORMAT = -5,       /* malformed, truncated or oversized bundle or message */
    SY_EVERSION = -6,      /* a bundle format version this build does not read */
    SY_ESIG = -7,          /* a signature does not verify (altered bytes or the wrong key) */
    SY_ECHAIN = -8,        /* the entries do not form the hash chain the header claims */
    SY_EOFFICE = -9,       /* sealed for another office */
    SY_EFORK = -10,        /* entries differ from what the office already holds for those seqs */
    SY_EGAP = -11,         /* the bundle starts after the office's cursor: resend from there */
    SY_EAUTH = -12,        /* unknown, unenrolled or revoked device; bad token */
    SY_ENET = -13,         /* connection failed or was cut; retry */
    SY_EREFUSED = -14,     /* the office refused the request (reason in the message) */
    SY_ENOTENROLLED = -15, /* the journal has not been enrolled with an office */
    SY_ETLS = -16,         /* the office's certificate does not match the pinned one */
    SY_ESTATE = -17,       /* the request does not fit the current state (a lifecycle step
                              the unit's state does not allow, a case already decided) */
    SY_ENOTFOUND = -18,    /* no such unit or review case at the office */
} sy_err;

/* Static English text for a result code. Never NULL. */
const char *sy_strerror(int err);

#define SY_BUNDLE_VERSION 1
#define SY_ID_BYTES 16             /* device and office ids: 16 raw bytes, 32 hex characters */
#define SY_BUNDLE_MAX_ENTRIES 2048 /* entries per bundle: a day becomes several bundles */
#define SY_BUNDLE_MAX_PLAIN (8u * 1024u * 1024u) /* encoded entries before compression */
#define SY_BUNDLE_MAX_BYTES (8u * 1024u * 1024u) /* a whole bundle */
/*
 * The largest entry a journal can hold: SQLite's SQLITE_MAX_LENGTH (10^9 bytes, which no
 * runtime setting can raise) bounds the kind and payload of a row. An entry too large for a
 * bundle of the sizes above travels alone, in a one-entry bundle whose bounds follow it, so
 * that nothing a journal accepted can block sync (docs/bundle.md, "Limits and sizes").
 */
#define SY_ENTRY_MAX_BYTES 1000000000u
#define SY_BUNDLE_MAX_ONE_PLAIN (SY_ENTRY_MAX_BYTES + 65536u) /* encoding of one entry */
/* A one-entry bundle: zlib's worst case (compressBound: + 0.031 %) plus the framing. */
#define SY_BUNDLE_MAX_ONE_BYTES (SY_BUNDLE_MAX_ONE_PLAIN + SY_BUNDLE_MAX_ONE_PLAIN / 1024u + 65536u)

/* A growable byte buffer with a hard cap (like curl's dynbuf). */
typedef struct sy_buf {
    uint8_t *data;
    size_t len, cap, max; /* max 0 = SY_BUNDLE_MAX_BYTES */
} sy_buf;
int sy_buf_append(sy_buf *b, const void *p, size_t n); /* SY_OK, SY_ENOMEM, SY_EFORMAT (cap) */
void sy_buf_free(sy_buf *b);                           /* NULL-safe; leaves b zeroed */

/* What the cleartext header of a bundle says (readable without any key). */
typedef struct sy_bundle_info {
    int version;
    char device_id[33]; /* lowercase hex */
    char office_id[33];
    int64_t first_seq, last_seq;
    uint8_t prev_hash[SV_HASH_BYTES]; /* hash of entry first_seq - 1 (zeros when first_seq is 1) */
    uint8_t last_hash[SV_HASH_BYTES]; /* hash of entry last_seq */
    uint8_t head_sig[SV_SIG_BYTES];   /* the device's journal head signature over last_seq */
    size_t bytes;                     /* size of the whole bundle */
} sy_bundle_info;

/* One decoded entry; strings owned by the sy_entries that holds it. */
typedef struct sy_entry {
    int64_t seq, time_ms;
    char *kind;
    char *payload; /* canonical JSON, NUL-terminated */
    size_t payload_len;
    /* libsync's own use: the decoder's parse of the payload (owned, freed by sy_entries_free),
     * or NULL. Opaque to callers, so this header names no JSON library. */
    void *parsed;
    uint8_t prev_hash[SV_HASH_BYTES], hash[SV_HASH_BYTES];
} sy_entry;

typedef struct sy_entries {
    sy_entry *v;
    size_t n, cap;
} sy_entries;
void sy_entries_free(sy_entries *e); /* NULL-safe; leaves e zeroed */
/* The entries as the journal API's view (borrowed pointers into e); caller frees the array. */
sv_entry *sy_entries_view(const sy_entries *e);

/* The office's public identity as a tablet learns it at enrollment. */
typedef struct sy_office_keys {
    char office_id[33];
    uint8_t sign_pk[32]; /* Ed25519: signs task packages and receipts */
    uint8_t box_pk[32];  /* X25519: bundles are sealed to it */
} sy_office_keys;

/*
 * Build one bundle from j's entries starting at from_seq (at most max_entries, 0 = the
 * maximum; fewer when the size bound is reached). Needs the device key (j opened for
 * writing). out receives the bytes (caller frees with sy_buf_free), info the header.
 * Returns SY_OK, SY_EINVAL (nothing to send from from_seq, or a read-only journal), SY_ENOMEM,
 * SY_EIO. err (may be NULL) receives one line on failure.
 */
int sy_bundle_build(sv_journal *j, const sy_office_keys *office, int64_t from_seq,
                    size_t max_entries, sy_buf *out, sy_bundle_info *info, char *err,
                    size_t errlen);

/* Parse and sanity-check the cleartext header only (to find the device's key). */
int sy_bundle_peek(const uint8_t *b, size_t len, sy_bundle_info *info, char *err, size_t errlen);

#define SY_BUNDLE_HEADER_BYTES 188 /* the cleartext header; a bundle is this, L, then 64 */

/*
 * The length of the bundle whose first len bytes (at least SY_BUNDLE_HEADER_BYTES) are at b,
 * read from its header alone: for walking a bundle file, which is bundles back to back
 * (docs/bundle.md). Checks magic, version, flags, counts and the announced lengths against
 * the limits; nothing is verified. Returns SY_OK (*bundle_len set), SY_EFORMAT, SY_EVERSION.
 */
int sy_bundle_frame(const uint8_t *b, size_t len, size_t *bundle_len, char *err, size_t errlen);

/*
 * A file record (docs/bundle.md, "File records"): the bytes of one file a crew keeps with a
 * unit (entry "attach"), sealed to the office and signed by the device, for a bundle file on a
 * USB stick. It follows the bundles in the file, so the office holds the entry naming the file
 * before it reads the file.
 */
#define SY_FILE_RECORD_HEADER_BYTES 84
/* Over the network a file goes in pieces of this size (the last one shorter; the office
 * refuses larger ones): a cut connection costs at most one piece (docs/sync-protocol.md). */
#define SY_FILE_PIECE_BYTES (1024 * 1024)
typedef struct sy_file_record_info {
    char device_id[33], office_id[33];
    char sha256[65]; /* the file's SHA-256, lowercase hex */
    int64_t bytes;   /* the file's size, 1 .. SV_ATTACH_MAX_BYTES */
} sy_file_record_info;
/* Seal and sign data (whose SHA-256 is sha256) for the office. SY_OK, SY_EINVAL, SY_ENOMEM. */
int sy_file_record_build(sv_journal *j, const sy_office_keys *office, const char *sha256,
                         const uint8_t *data, size_t len, sy_buf *out, char *err, size_t errlen);
/* Verify (device signature, office, sealed box) and open a file record; *data (caller frees)
 * receives the file, checked against the SHA-256 and size its header names. SY_OK, SY_EFORMAT,
 * SY_EVERSION, SY_ESIG, SY_EOFFICE, SY_ENOMEM; nothing handed out on failure. */
int sy_file_record_open(const uint8_t *b, size_t len, const uint8_t device_pk[32],
                        const char *office_id, const uint8_t box_pk[32], const uint8_t box_sk[32],
                        sy_file_record_info *info, uint8_t **data, char *err, size_t errlen);
/* The header of a file record alone (len >= SY_FILE_RECORD_HEADER_BYTES): info and the
 * record's whole length. SY_OK, SY_EFORMAT, SY_EVERSION. */
int sy_file_record_peek(const uint8_t *b, size_t len, sy_file_record_info *info, size_t *total,
                        char *err, size_t errlen);
/* Either record of a bundle file from its header: its length, and whether it is a file record
 * (else a bundle). The header needs SY_BUNDLE_HEADER_BYTES for a bundle. */
int sy_record_frame(const uint8_t *b, size_t len, size_t *rec_len, int *is_file, char *err,
                    size_t errlen);

/*
 * Verify and open a bundle: device signature with device_pk, office id, the sealed box with
 * the office's X25519 keys, inflate within the bounds, decode, recompute every entry hash
 * from prev_hash, compare with last_hash, verify head_sig. On SY_OK out holds the entries
 * (caller frees) with their hashes. Returns SY_OK, SY_EFORMAT, SY_EVERSION, SY_ESIG,
 * SY_EOFFICE, SY_ECHAIN, SY_ENOMEM; nothing is handed out on failure.
 */
int sy_bundle_open(const uint8_t *b, size_t len, const uint8_t device_pk[32], const char *office_id,
                   const uint8_t box_pk[32], const uint8_t box_sk[32], sy_bundle_info *info,
                   sy_entries *out, char *err, size_t errlen);

/* The most dispute entries of one unit a task package's office status names as settled at the
 * county office for the device (quejie_office[].settled_disputes, docs/office.md). */
#define SY_UNIT_SETTLED_MAX 64

/* The sync library's one hex decoder (libsodium's sodium_hex2bin underneath), used by the
 * bundle code, the client, the office and the tools: hex (NUL-terminated) must be exactly
 * 2 * outlen hex digits, either case, nothing else. Returns SY_OK, SY_EINVAL (NULL), SY_EFORMAT.
 * Encoding is sodium_bin2hex's (lowercase). */
int sy_hex2bin(uint8_t *out, size_t outlen, const char *hex);

#ifdef __cplusplus
}
#endif
#endif
