/*
 * journal_replica.h - for the office's replica ingest only; it exposes jansson.
 *
 * Not part of the API for tablet clients (no other header includes it): the one call here
 * takes jansson trees, so only code that already links jansson and parses payloads itself
 * (sync/src/office.c, the bundle reader's caller) includes it. Everything else uses
 * sv_journal_append_verbatim in survey/journal.h.
 */
#ifndef SURVEY_JOURNAL_REPLICA_H
#define SURVEY_JOURNAL_REPLICA_H

#include <jansson.h>

#include "journal.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * sv_journal_append_verbatim with the payloads already parsed by the caller: docs[i] is the
 * jansson object of e[i].payload (what json_loadb with flags 0 gives for it) or NULL to have it
 * parsed here. For a caller that decoded the payloads from trees (the office's bundle reader),
 * which spares a second parse of every entry; the caller vouches that each tree is its
 * payload's parse (the hash chain is still checked on the payload text). docs may be NULL.
 */
int sv_journal_append_verbatim_parsed(sv_journal *j, const sv_entry *e, json_t *const *docs,
                                      size_t n, const uint8_t head_sig[SV_SIG_BYTES]);

#ifdef __cplusplus
}
#endif
#endif
