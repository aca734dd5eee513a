/*
 * codec.h - the compact encoding of journal entries inside a bundle (private to sync/).
 *
 * Entries of one device are contiguous, so seqs are implicit (first_seq + i) and hashes are
 * not carried at all: the receiver recomputes them (bundle.c) from the header's prev_hash.
 * The payloads are the journal's canonical JSON (sorted keys, compact, integers only); the
 * codec turns them into columns of delta-coded integers and dictionary-coded strings, which
 * zlib then compresses far better than the JSON text. Decoding rebuilds the exact payload
 * bytes; an entry whose payload does not round-trip exactly is carried verbatim instead.
 *
 * The codec is pure: no I/O, no clock, no globals. It must never trust its input: every
 * length, count and index read while decoding is checked against the remaining bytes and the
 * limits below, and a bad input yields SY_EFORMAT with a message, never a crash.
 */
#ifndef SYNC_CODEC_H
#define SYNC_CODEC_H

#include "sync/bundle.h"

/*
 * Append the encoding of the n entries (seqs first_seq, first_seq+1, ... in order; the
 * caller guarantees contiguity) to out. Returns SY_OK, SY_ENOMEM, SY_EFORMAT (out's cap
 * reached), SY_EINVAL (n == 0 or n > SY_BUNDLE_MAX_ENTRIES).
 */
int sy__codec_encode(const sv_entry *e, size_t n, sy_buf *out, char *err, size_t errlen);

/*
 * Decode exactly n entries from p..p+len (all bytes must be consumed) into out (appended,
 * seq = first_seq + i; hashes left zero for the caller to fill). Returns SY_OK, SY_EFORMAT,
 * SY_ENOMEM. On failure out is left as it was before the call.
 */
int sy__codec_decode(const uint8_t *p, size_t len, int64_t first_seq, size_t n, sy_entries *out,
                     char *err, size_t errlen);

#endif
