/*
 * journal_int.h - what the journal shares with the state derivation inside libsurvey, and the
 * journal's own files with each other (the handle's fields, below).
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

/* ---- the journal's own files only ----------------------------------------------------------
 * journal.c (file, key, append, chain, batches), journal_migrate.c (schema and migrations),
 * journal_check.c (reading, check, rebuild), journal_replica.c (verbatim appends) and record.c
 * (the typed recording calls) share the handle below. Nothing else reads its fields. */

#define SV__SECKEY_BYTES 64         /* Ed25519 secret key (libsodium's layout) */
#define SV__WAL_MAINTAIN_PAGES 1000 /* SQLite's own autocheckpoint threshold */
#define SV__WAL_FORCE_PAGES 8000    /* 32 MB of WAL: checkpoint even on the hot path */

struct sv_journal {
    sqlite3 *db;
    char *path;
    int readonly;
    int in_batch;
    int batch_dirty; /* entries appended in the open batch: sign the head at commit */
    int no_limits;   /* record as builds before survey/limits.h did (tests only) */
    int schema_found;
    char device_id[33];
    char *device_name;
    char *crew;
    uint8_t pk[SV_PUBKEY_BYTES];
    uint8_t sk[SV__SECKEY_BYTES];
    int have_sk;
    int replica;  /* a county office's copy of another device's journal: verbatim appends only */
    int keep_wal; /* a replica file: closing leaves the WAL (see sv__journal_keep_wal) */
    int epsg;
    double cm;
    sqlite3_stmt *st_last; /* last entry's seq and hash */
    sqlite3_stmt *st_insert;
    sqlite3_stmt *st_head;
    sqlite3_stmt *st_unit;   /* does a unit exist */
    sqlite3_stmt *st_number; /* last number of a prefix in a unit */
    sv__stcache cache;       /* the state derivation's statements for schema "main" */
    int wal_pages;           /* pages in the WAL after the last commit (from the WAL hook) */
    double point_limit_m;    /* this handle's far-point limit; NaN: the journal's setting */
    char errmsg[512];
    char cfgbuf[512];
};

/* journal.c */
sv_journal *sv__journal_alloc(const char *path); /* NULL when out of memory */
/* Fail with SQLite's own message appended to what. */
int sv__journal_fail_db(sv_journal *j, int rc, const char *what);
int sv__journal_exec(sv_journal *j, const char *sql);
int sv__journal_meta_set(sv_journal *j, const char *key, const char *value);
/* Write the device's identity (device_id, public_key in hex) to meta. */
int sv__journal_meta_identity(sv_journal *j);
void sv__journal_keep_wal(sv_journal *j);
/* Read identity, name, crew and default CRS from meta (checks id against key). */
int sv__journal_load_identity(sv_journal *j);
int sv__journal_open_raw(sv_journal *j, const char *path, int flags);
/* WAL, synchronous=FULL and the WAL hook; the file is known to be a journal by now. */
int sv__journal_set_pragmas(sv_journal *j, const char *path);
/* Prepare the handle's persistent statements (again after a rebuild dropped tables). */
int sv__journal_prepare(sv_journal *j);
/* The last entry's seq and hash (0 and zeros for an empty journal). */
int sv__journal_last_entry(sv_journal *j, int64_t *seq, uint8_t hash[SV_HASH_BYTES]);
/* Append one entry and derive its state, inside the open write transaction. */
int sv__journal_append(sv_journal *j, const char *kind, json_t *payload, int64_t *seq_out);
/* One recording call's write transaction: its own, or a savepoint in the caller's batch. */
int sv__journal_write_begin(sv_journal *j, int *own);
int sv__journal_write_end(sv_journal *j, int own, int rc);

/* journal_migrate.c */
/* Is the file a Quejie journal (application id)? SV_ECORRUPT naming path when not. */
int sv__journal_schema_identify(sv_journal *j, const char *path);
/* Refuse a newer schema, migrate an older one in place; sets schema_found. */
int sv__journal_schema_upgrade(sv_journal *j, const char *path);
/* This build's schema and state tables, inside the caller's write transaction. */
int sv__journal_schema_create(sv_journal *j);

/* journal_check.c */
/* Drop the state tables, create this build's and derive them from the entries, inside the
 * caller's write transaction. */
int sv__journal_rebuild_in_txn(sv_journal *j);

#endif
