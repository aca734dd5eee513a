/*
 * journal_migrate.c - the journal's schema: the tables and append-only triggers a new journal
 * is created with, its application id and version, and the steps that bring an older file to
 * this build's version when it is opened.
 *
 * Must never: touch an entry (a migration changes triggers and derived tables only), run a
 * step outside the opening write transaction, or open a schema newer than this build's.
 */
#include <stdio.h>

#include "internal.h"
#include "journal_int.h"

#define APP_ID 0x514A4E4C /* 'QJNL' */

/* ---- schema ------------------------------------------------------------------------------ */

/* Schema 2's insert trigger: it refused only a seq that was already taken. Kept as it was
 * for the 1 -> 2 migration step; the 3 -> 4 step replaces it. */
#define APPEND_ONLY_INSERT_TRIGGER_V2                                                              \
    "CREATE TRIGGER entries_append_only_i BEFORE INSERT ON entries"                                \
    "  WHEN NEW.seq <= (SELECT coalesce(max(seq), 0) FROM entries)"                                \
    "  BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END;"

/* An INSERT must extend the chain: its seq is the last one + 1 and its prev_hash is the hash
 * of the entry before it (32 zero bytes for entry 1). SQLite has no SHA-256, so the trigger
 * cannot recompute the entry's own hash: `check` (and a replica's append) does that. */
#define APPEND_ONLY_INSERT_TRIGGER                                                                 \
    "CREATE TRIGGER entries_append_only_i BEFORE INSERT ON entries"                                \
    "  WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM entries)"                        \
    "    OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM entries WHERE seq = NEW.seq - 1),"     \
    "                                     zeroblob(32))"                                           \
    "  BEGIN SELECT RAISE(ABORT, 'journal entries are append-only: an insert must extend the "     \
    "chain (seq = last + 1, prev_hash = hash of the last entry)'); END;"

/* The bytes of the files kept with units (kind "attach"), by the SHA-256 the entries name: as
 * append-only as the entries (a file is written once, in the transaction of the first entry
 * that names it, and never changed or removed). files_office: which of them the office has
 * confirmed holding (sync state, not part of the record: rows are only added). */
#define FILES_SQL                                                                                  \
    "CREATE TABLE IF NOT EXISTS files(sha256 TEXT PRIMARY KEY, type TEXT NOT NULL, bytes INTEGER " \
    "NOT NULL,"                                                                                    \
    "  data BLOB NOT NULL);"                                                                       \
    "CREATE TRIGGER IF NOT EXISTS files_append_only_u BEFORE UPDATE ON files"                      \
    "  BEGIN SELECT RAISE(ABORT, 'journal files are append-only'); END;"                           \
    "CREATE TRIGGER IF NOT EXISTS files_append_only_d BEFORE DELETE ON files"                      \
    "  BEGIN SELECT RAISE(ABORT, 'journal files are append-only'); END;"                           \
    "CREATE TABLE IF NOT EXISTS files_office(sha256 TEXT PRIMARY KEY, time_ms INTEGER NOT NULL);"

static const char SCHEMA_SQL[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE entries("
    "  seq INTEGER PRIMARY KEY,"
    "  time_ms INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  payload TEXT NOT NULL,"
    "  prev_hash BLOB NOT NULL,"
    "  hash BLOB NOT NULL);"
    "CREATE TRIGGER entries_append_only_u BEFORE UPDATE ON entries"
    "  BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END;"
    "CREATE TRIGGER entries_append_only_d BEFORE DELETE ON entries"
    "  BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); "
    "END;" APPEND_ONLY_INSERT_TRIGGER
    "CREATE TABLE head(id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
    "  hash BLOB NOT NULL, sig BLOB NOT NULL);" FILES_SQL;

/*
 * Migrations from schema version N to N+1, in order: migrations[N - 1]. Each runs inside the
 * opening transaction. Old journals are kept in tests/fixtures/journal-vN.db to prove they
 * still open. A migration that changes st_* tables must also rebuild the state.
 */
static const struct migration {
    const char *sql; /* run first; NULL for none */
    int rebuild;     /* then drop the st_* tables, create this build's and derive them anew */
} migrations[] = {
    /* 1 -> 2: INSERT OR REPLACE deleted an entry without firing the DELETE trigger; refuse
     * any insert that does not extend the chain. */
    {APPEND_ONLY_INSERT_TRIGGER_V2, 0},
    /* 2 -> 3: signatures (kind "sign") get their state table, st_signatures. The rebuild
     * creates it and derives the sign entries a journal may already hold: a county replica
     * written by an older build keeps a newer tablet's sign entries without deriving them.
     * The version bump also stops an older build from writing a journal whose signatures it
     * would not keep in step (a void of a sign entry, a rebuild). */
    {NULL, 1},
    /* 3 -> 4: the insert trigger also checks the link: prev_hash must be the hash of the
     * entry before (schema 2's trigger checked only the seq, so a raw INSERT with any
     * prev_hash extended the table). No state change. */
    {"DROP TRIGGER IF EXISTS entries_append_only_i;" APPEND_ONLY_INSERT_TRIGGER, 0},
    /* 4 -> 5: st_points gains the antenna and ground heights, the pole height, the method,
     * the override reason's code, the correction's reason and the entry it supersedes (point
     * payload version 2). The rebuild derives them, for version 1 points too (the method from
     * their flags, type and fix; pole and ground height unknown). */
    {NULL, 1},
    /* 5 -> 6: notes (kind "note", st_notes), on-site settlements (kind "settle",
     * st_settlements) and the dispute document's number (st_disputes.number, derived as
     * "<unit>-ZY<seq>" for the disputes already recorded). The rebuild creates and derives
     * them, also for entries of these kinds a replica already holds from a newer tablet. */
    {NULL, 1},
    /* 6 -> 7: files kept with units: the kind "attach" (st_attachments, derived by the
     * rebuild, also for a newer tablet's attach entries a replica already holds) and the
     * tables of their bytes and of what the office confirmed holding. */
    {FILES_SQL, 1},
    /* 7 -> 8: a verification names the registered value it verified (verify's "registered",
     * st_verifications.against) and counts only while the unit still registers it. The
     * rebuild creates the column and derives it; earlier entries have none and count as
     * before. */
    {NULL, 1},
    /* 8 -> 9: a neighbouring unit's boundary point used as a unit's own (kind "share"): its
     * row in st_points names where it is measured (shared_unit, shared_number) and follows
     * that point's measurement. The rebuild creates the columns and derives them, also for a
     * newer tablet's share entries a replica already holds. */
    {NULL, 1},
};

static int migrate(sv_journal *j, int from)
{
    for (int v = from; v < SV_JOURNAL_SCHEMA; v++) {
        size_t step = (size_t)v - 1;
        const struct migration *m =
            step < sizeof migrations / sizeof migrations[0] ? &migrations[step] : NULL;
        if (m && m->sql) {
            int rc = sv__journal_exec(j, m->sql);
            if (rc != SV_OK)
                return rc;
        }
        if (m && m->rebuild) {
            int rc = sv__journal_rebuild_in_txn(j);
            if (rc != SV_OK)
                return rc;
        }
        char pragma[48];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
        int rc = sv__journal_exec(j, pragma);
        if (rc != SV_OK)
            return rc;
    }
    return SV_OK;
}

static int user_version(sv_journal *j)
{
    sqlite3_stmt *st;
    int ver = 0;
    if (sqlite3_prepare_v2(j->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ver = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return ver;
}

/* The file must be a journal (application_id 'QJNL') before anything else touches it. */
int sv__journal_schema_identify(sv_journal *j, const char *path)
{
    sqlite3_stmt *st;
    int app = 0;
    int rc = sqlite3_prepare_v2(j->db, "PRAGMA application_id", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        app = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
        return sv__journal_fail(j, SV_ECORRUPT,
                                "%s: not a Quejie journal (not an SQLite "
                                "database, or a damaged one)",
                                path);
    if (rc != SQLITE_ROW)
        return sv__journal_fail_db(j, rc, path);
    if (app != APP_ID)
        return sv__journal_fail(j, SV_ECORRUPT, "%s: not a Quejie journal", path);
    return SV_OK;
}

/* Refuse a schema newer than this build's; migrate an older one in place, in its own write
 * transaction. */
int sv__journal_schema_upgrade(sv_journal *j, const char *path)
{
    int rc = SV_OK, ver = user_version(j);
    j->schema_found = ver;
    if (ver > SV_JOURNAL_SCHEMA)
        return sv__journal_fail(j, SV_EVERSION,
                                "%s: journal schema %d is newer than this build reads (%d); "
                                "update Quejie",
                                path, ver, SV_JOURNAL_SCHEMA);
    if (ver < 1)
        return sv__journal_fail(j, SV_ECORRUPT, "%s: journal schema version %d is invalid", path,
                                ver);
    if (ver < SV_JOURNAL_SCHEMA) {
        rc = sv__journal_exec(j, "BEGIN IMMEDIATE");
        /* Another process may have migrated the file while this one waited for the lock. */
        int now = rc == SV_OK ? user_version(j) : ver;
        if (rc == SV_OK && now > SV_JOURNAL_SCHEMA)
            rc = sv__journal_fail(j, SV_EVERSION,
                                  "%s: journal schema %d is newer than this build reads (%d); "
                                  "update Quejie",
                                  path, now, SV_JOURNAL_SCHEMA);
        else if (rc == SV_OK && now >= 1 && now < SV_JOURNAL_SCHEMA)
            rc = migrate(j, now);
        if (rc == SV_OK)
            rc = sv__journal_exec(j, "COMMIT");
        else
            sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
        if (rc != SV_OK)
            return rc;
    }
    return rc;
}

/* This build's schema, application id, version and state tables, inside the caller's write
 * transaction (a new journal or replica). */
int sv__journal_schema_create(sv_journal *j)
{
    char pragma[96];
    snprintf(pragma, sizeof pragma, "PRAGMA application_id=%d; PRAGMA user_version=%d;", APP_ID,
             SV_JOURNAL_SCHEMA);
    int rc = sv__journal_exec(j, SCHEMA_SQL);
    if (rc == SV_OK)
        rc = sv__journal_exec(j, pragma);
    if (rc == SV_OK && sv__state_create(j->db, "main") != SV_OK)
        rc = sv__journal_fail_db(j, SQLITE_ERROR, "journal state tables");
    return rc;
}
