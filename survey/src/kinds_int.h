/*
 * kinds_int.h - the private half of the entry-kind registry (kinds.h): each kind's derivation
 * function. The functions live beside the state tables they write (state.c); the rows that
 * name them live in kinds.c. Only libsurvey includes this header.
 */
#ifndef SURVEY_KINDS_INT_H
#define SURVEY_KINDS_INT_H

#include <jansson.h>
#include <stdint.h>

#include "survey/kinds.h"

/* Where an entry is applied (state.c): the database, the schema holding the st_* tables, and
 * for the live journal a cache of prepared statements. */
typedef struct sv__actx sv__actx;

/* Derive the state rows of one entry of the kind; SV_OK also when the entry derives nothing
 * (state.c's file comment says why), an error only when the database fails. */
typedef int (*sv__apply_fn)(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);

typedef struct sv__kind {
    sv_kind_info info;
    sv__apply_fn apply;
} sv__kind;

/* The registry row called name, or NULL. */
const sv__kind *sv__kind_find(const char *name);

int sv__apply_init(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_unit(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_point(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_vertex(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_line(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_verify(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_dispute(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_attend(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_sign(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_code(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_config(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_note(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_attach(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_share(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_settle(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_void(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);
int sv__apply_decision(const sv__actx *c, int64_t seq, int64_t time_ms, json_t *p);

#endif
