/*
 * kinds.h - the registry of journal entry kinds: what each kind is called, which payload
 * version this build writes and derives, and what it touches.
 *
 * One table answers every question that varies by kind (the journal, the state, the office's
 * county index, the exports, the docs read it), so a new kind is a row plus its functions and
 * no list of kind names elsewhere can silently miss it. docs/architecture.md, "Adding an entry
 * kind", says what a new kind needs.
 */
#ifndef SURVEY_KINDS_H
#define SURVEY_KINDS_H

#include "survey/survey.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    /* An entry of the kind can change a device's current boundary points or verifications,
     * which the county office indexes to find two crews' disagreements. */
    SV_KIND_COUNTY_INDEX = 1u << 0,
    /* The kind derives rows about a unit that a `void` entry can withdraw (state_table). */
    SV_KIND_VOIDABLE = 1u << 1,
    /* The kind is the journal's own bookkeeping (init, code lists, settings), no unit's record. */
    SV_KIND_SETTING = 1u << 2
};

typedef struct sv_kind_info {
    const char *name;        /* as stored in entries.kind: "point" */
    int version;             /* payload version ("v") this build writes and derives */
    unsigned flags;          /* SV_KIND_* */
    const char *state_table; /* the st_* table its rows go to, NULL when none or several */
    const char *layers;      /* export layers that show it, comma-separated ("" none) */
    const char *what;        /* one line of English for docs and tools */
} sv_kind_info;

/* The kind called name, or NULL when this build does not know it (a later version's kind: its
 * entries are kept, verified and carried, and derive nothing here). */
const sv_kind_info *sv_kind_find(const char *name);

/* The i-th kind of the registry (0-based), NULL past the last: for iterating. */
const sv_kind_info *sv_kind_at(size_t i);

#ifdef __cplusplus
}
#endif
#endif
