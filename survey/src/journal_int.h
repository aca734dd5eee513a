/*
 * journal_int.h - what the journal shares with the state derivation inside libsurvey.
 *
 * The derived state lives in the journal's SQLite file (tables st_*), written only by
 * sv__state_apply inside the transaction that appends the entry it derives from. Nothing else
 * writes those tables.
 */
#ifndef SURVEY_JOURNAL_INT_H
#define SURVEY_JOURNAL_INT_H

#include <jansson.h>
#include <sqlite3.h>

#include "survey/journal.h"

/* The journal's database handle (borrowed). */
sqlite3 *sv__journal_db(sv_journal *j);
/* Set the handle's error message (printf-style); returns err for tail calls. */
int sv__journal_fail(sv_journal *j, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Create the state tables in schema ("main" or an attached one) and seed the code lists. */
int sv__state_create(sqlite3 *db, const char *schema);
/* Drop the state tables of schema. */
int sv__state_drop(sqlite3 *db, const char *schema);
/* Prepared statements of the state derivation, kept per journal handle. */
#define SV__STCACHE_MAX 24
typedef struct sv__stcache {
    size_t n;
    const char *fmt[SV__STCACHE_MAX];
    sqlite3_stmt *st[SV__STCACHE_MAX];
} sv__stcache;
void sv__stcache_clear(sv__stcache *k);

/*
 * Derive state from one entry. Tolerant by design: an entry is a fact that was recorded, so
 * one the state cannot use (unknown kind, a newer payload version, a point of a unit that is
 * not there) is skipped, never an error. cache may be NULL (a rebuild into a scratch schema);
 * a cache must only ever be used with one db and schema. Returns SV_OK or SV_EIO.
 */
int sv__state_apply(sqlite3 *db, const char *schema, sv__stcache *cache, int64_t seq,
                    int64_t time_ms, const char *kind, json_t *payload);
/* The seed code lists a new journal records in its init entry ([[list, code, label], ...]). */
json_t *sv__state_seed_json(void);
/* Names of the state tables, NULL-terminated (for comparisons in check). */
extern const char *const sv__state_tables[];

/* Record without the limits of survey/limits.h, as builds before them did: only for tests that
 * need what such builds wrote (an entry of many MiB that sync must still carry). */
void sv__journal_without_limits(sv_journal *j, int on);

/* SHA-256 of len bytes (libsodium, which only the journal code includes). */
void sv__sha256(const void *data, size_t len, uint8_t out[32]);

/* Map an SQLite result code to sv_err. */
int sv__sqlite_err(int rc);

/* Payload field helpers (fixed-point integers; see docs/journal.md). */
void sv__json_set_fixed(json_t *o, const char *key, double v, double scale);
double sv__json_get_fixed(const json_t *o, const char *key, double scale);
void sv__json_set_str(json_t *o, const char *key, const char *s); /* skips NULL and "" */
const char *sv__json_get_str(const json_t *o, const char *key);   /* NULL when absent */
int64_t sv__json_get_int(const json_t *o, const char *key, int64_t def);
/* Geometry as nested arrays of flat [lon_e9, lat_e9, ...] rings. */
json_t *sv__geom_to_json(const sv_geom *g);
int sv__geom_from_json(const json_t *a, sv_geom *g);

#endif
