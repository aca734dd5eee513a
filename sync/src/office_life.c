/*
 * office_life.c - the unit's lifecycle at the office and the office's own journal of decisions
 * (office.h, "The unit's lifecycle"; docs/office.md).
 *
 * The office's decisions are entries of kind "decision" in OFFICE_DB.decisions, a journal of
 * the survey library signed with the office key (sv_journal_create_keyed: no second copy of
 * the key is written). The office database keeps two indexes beside it, both rebuilt from the
 * journals when they lag behind (a crash between a journal commit and the index, an office
 * made by an older build):
 *   office_decisions   one row per decision entry (the journal's seq);
 *   unit_activity      per unit and device: the latest entry about the unit, when it arrived
 *                      (the office clock) and when the latest work (any entry but the task's
 *                      own "unit" entry) arrived, and whether the device's summary says it
 *                      complete (or complete once an objection period ends: complete_after);
 *                      life_indexed says up to which seq;
 *   subject_work       per unit and subject (a point's number, a verified field): when work
 *                      on it last arrived, what a re-survey ("neither") waits for.
 * The state of a unit is sv_unit_life of the facts gathered here (survey/lifecycle.h), and the
 * legal decisions are sv_life_allows: no rule of the lifecycle lives in this file.
 *
 * It must never record a decision the lifecycle refuses, write a decision anywhere but the
 * journal first (the index follows it), or open a device's replica for writing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "office_int.h"
#include "survey/clock.h"
#include "survey/export.h"
#include "survey/kinds.h"
#include "survey/lifecycle.h"
#include "survey/limits.h"
#include "survey/summary.h"

static const char LIFE_SQL[] =
    "CREATE TABLE IF NOT EXISTS office_decisions(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    "  unit TEXT NOT NULL, action TEXT NOT NULL, by TEXT NOT NULL, note TEXT,"
    "  case_id INTEGER, accept TEXT, chosen_device TEXT, chosen_seq INTEGER,"
    "  date_from TEXT, date_to TEXT);"
    "CREATE INDEX IF NOT EXISTS office_decisions_unit ON office_decisions(unit, seq);"
    "CREATE INDEX IF NOT EXISTS office_decisions_case ON office_decisions(case_id);"
    "CREATE INDEX IF NOT EXISTS tasks_imported ON tasks(imported);"
    "CREATE TABLE IF NOT EXISTS unit_activity(unit TEXT NOT NULL, device_id TEXT NOT NULL,"
    "  last_seq INTEGER NOT NULL, last_time INTEGER NOT NULL, arrived INTEGER NOT NULL,"
    "  work_arrived INTEGER NOT NULL DEFAULT 0, complete INTEGER NOT NULL DEFAULT 0,"
    "  complete_after TEXT NOT NULL DEFAULT '', work_seq INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (unit, device_id));"
    /* when a return reached a device (with its tasks): up to which seq that device's journal
     * was at the office then; only its work after that seq ends the return (the tablet's own
     * rule: work recorded before it knew of the return, synced later, does not) */
    "CREATE TABLE IF NOT EXISTS return_delivered(unit TEXT NOT NULL, device_id TEXT NOT NULL,"
    "  decision_seq INTEGER NOT NULL, seq INTEGER NOT NULL, time INTEGER NOT NULL,"
    "  PRIMARY KEY (unit, device_id, decision_seq));"
    "CREATE TABLE IF NOT EXISTS life_indexed(device_id TEXT PRIMARY KEY, seq INTEGER NOT NULL);"
    /* when work on one point (by number) or one verified field last arrived: a review decided
     * "neither" waits for work on its own subject, not on anything else of the unit */
    "CREATE TABLE IF NOT EXISTS subject_work(unit TEXT NOT NULL, kind TEXT NOT NULL,"
    "  subject TEXT NOT NULL, arrived INTEGER NOT NULL, PRIMARY KEY (unit, kind, subject));"
    /* the files the office keeps with units (decisions "attach"): the bytes by SHA-256, and
     * the decisions' index */
    "CREATE TABLE IF NOT EXISTS attachments(sha256 TEXT PRIMARY KEY, type TEXT NOT NULL,"
    "  bytes INTEGER NOT NULL, data BLOB NOT NULL, added INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS unit_attachments(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    "  unit TEXT NOT NULL, by TEXT NOT NULL, what TEXT NOT NULL, name TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL, type TEXT NOT NULL, bytes INTEGER NOT NULL, note TEXT);"
    "CREATE INDEX IF NOT EXISTS unit_attachments_unit ON unit_attachments(unit, seq);"
    /* the files crews keep with units (tablet entries "attach", indexed at ingest; a void
     * removes its row): the bytes arrive on their own (office_files.c) into attachments, in
     * pieces kept in device_pieces until the whole file is there */
    "CREATE TABLE IF NOT EXISTS field_attachments(device_id TEXT NOT NULL, seq INTEGER NOT NULL,"
    "  time INTEGER NOT NULL, unit TEXT NOT NULL, point TEXT, what TEXT NOT NULL,"
    "  name TEXT NOT NULL, sha256 TEXT NOT NULL, type TEXT NOT NULL, bytes INTEGER NOT NULL,"
    "  note TEXT, PRIMARY KEY (device_id, seq));"
    "CREATE INDEX IF NOT EXISTS field_attachments_unit ON field_attachments(unit, time);"
    "CREATE INDEX IF NOT EXISTS field_attachments_sha ON field_attachments(sha256);"
    /* each device's upload of a file its own: one device's pieces never mix with another's
     * (a device cannot break another's upload by sending pieces of the same hash). An office
     * made before kept them by hash alone (file_pieces): those partial uploads are dropped,
     * and their devices send them again from the start */
    "CREATE TABLE IF NOT EXISTS device_pieces(sha256 TEXT NOT NULL, device_id TEXT NOT NULL,"
    "  offset INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (sha256, device_id, offset));"
    "DROP TABLE IF EXISTS file_pieces;";

/* ---- the office's journal -------------------------------------------------------------------- */

/* Open OFFICE_DB.decisions for recording, creating it (signed with the office key) when an
 * office has none yet. */
static int decisions_open(sy_office *o, sv_journal **j)
{
    char *p = sy__str_cat(o->path, ".decisions");
    if (!p)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    int rc = SY_OK, src = sv_journal_open_keyed(p, o->sign_sk, j);
    if (src == SV_ENOTFOUND) {
        sv_journal_close(*j);
        sv_journal_opts opts = {.device_name = o->name, .crew = "office", .central_meridian = NAN};
        src = sv_journal_create_keyed(p, &opts, o->sign_sk, j);
        if (src == SV_EEXIST) { /* another process made it first */
            sv_journal_close(*j);
            src = sv_journal_open_keyed(p, o->sign_sk, j);
        }
    }
    if (src != SV_OK) {
        rc = sy__fail(o, SY_EIO, "the office journal %s: %s", p,
                      *j ? sv_journal_errmsg(*j) : sv_strerror(src));
        sv_journal_close(*j);
        *j = NULL;
    }
    free(p);
    return rc;
}

typedef struct index_ctx {
    sy_office *o;
    sqlite3_stmt *ins, *resolve, *attach;
    int rc;
} index_ctx;

static int index_decision(const sv_entry *e, void *vctx)
{
    index_ctx *c = vctx;
    if (strcmp(e->kind, "decision") != 0)
        return 0;
    json_t *p = json_loadb(e->payload, e->payload_len, 0, NULL);
    if (!p)
        return 0; /* verified by the journal; nothing of ours to index */
    const char *action = json_string_value(json_object_get(p, "action"));
    const char *note = json_string_value(json_object_get(p, "note"));
    json_int_t cid = json_integer_value(json_object_get(p, "case"));
    sqlite3_stmt *st = c->ins;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, e->seq);
    sqlite3_bind_int64(st, 2, e->time_ms);
    sy__bind_text(st, 3, json_string_value(json_object_get(p, "unit")));
    sy__bind_text(st, 4, action);
    sy__bind_text(st, 5, json_string_value(json_object_get(p, "by")));
    sy__bind_text(st, 6, note);
    if (cid > 0)
        sqlite3_bind_int64(st, 7, cid);
    else
        sqlite3_bind_null(st, 7);
    sy__bind_text(st, 8, json_string_value(json_object_get(p, "accept")));
    sy__bind_text(st, 9, json_string_value(json_object_get(p, "device")));
    if (json_object_get(p, "entry"))
        sqlite3_bind_int64(st, 10, json_integer_value(json_object_get(p, "entry")));
    else
        sqlite3_bind_null(st, 10);
    sy__bind_text(st, 11, json_string_value(json_object_get(p, "from")));
    sy__bind_text(st, 12, json_string_value(json_object_get(p, "to")));
    int src = sqlite3_step(st);
    if (src == SQLITE_DONE && action && strcmp(action, SV_DECISION_REVIEW) == 0 && cid > 0) {
        /* The case is closed by its decision (again harmlessly when already closed). */
        sqlite3_reset(c->resolve);
        sqlite3_bind_int64(c->resolve, 1, e->time_ms);
        sy__bind_text(c->resolve, 2, note);
        sqlite3_bind_int64(c->resolve, 3, cid);
        src = sqlite3_step(c->resolve);
    }
    json_t *file = json_object_get(p, "file");
    if (src == SQLITE_DONE && action && strcmp(action, SV_DECISION_ATTACH) == 0 &&
        json_is_object(file)) {
        sqlite3_stmt *a = c->attach;
        sqlite3_reset(a);
        sqlite3_bind_int64(a, 1, e->seq);
        sqlite3_bind_int64(a, 2, e->time_ms);
        sy__bind_text(a, 3, json_string_value(json_object_get(p, "unit")));
        sy__bind_text(a, 4, json_string_value(json_object_get(p, "by")));
        sy__bind_text(a, 5, json_string_value(json_object_get(p, "what")));
        sy__bind_text(a, 6, json_string_value(json_object_get(file, "name")));
        sy__bind_text(a, 7, json_string_value(json_object_get(file, "sha256")));
        sy__bind_text(a, 8, json_string_value(json_object_get(file, "type")));
        sqlite3_bind_int64(a, 9, json_integer_value(json_object_get(file, "bytes")));
        sy__bind_text(a, 10, note);
        src = sqlite3_step(a);
    }
    json_decref(p);
    if (src != SQLITE_DONE) {
        c->rc = sy__fail_db(c->o, "decision index");
        return 1;
    }
    return 0;
}

/* Bring office_decisions up to journal j; inside the caller's office transaction. */
static int index_decisions(sy_office *o, sv_journal *j)
{
    sqlite3_stmt *st;
    if (sy__prep(o, "SELECT coalesce(max(seq), 0) FROM office_decisions", &st))
        return SY_EIO;
    int64_t have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (have >= sv_journal_last_seq(j))
        return SY_OK;
    index_ctx c = {o, NULL, NULL, NULL, SY_OK};
    if (sy__prep(o,
                 "INSERT OR REPLACE INTO office_decisions(seq, time, unit, action, by, note,"
                 " case_id, accept, chosen_device, chosen_seq, date_from, date_to)"
                 " VALUES (?, ?, coalesce(?, ''), coalesce(?, ''), coalesce(?, ''), ?, ?, ?, ?,"
                 " ?, ?, ?)",
                 &c.ins) ||
        sy__prep(o,
                 "UPDATE review SET status = 'resolved', resolved = ?, note = ?"
                 " WHERE id = ? AND status = 'open'",
                 &c.resolve) ||
        sy__prep(o,
                 "INSERT OR REPLACE INTO unit_attachments(seq, time, unit, by, what, name, sha256,"
                 " type, bytes, note) VALUES (?, ?, coalesce(?, ''), coalesce(?, ''),"
                 " coalesce(?, ''), coalesce(?, ''), coalesce(?, ''), coalesce(?, ''), ?, ?)",
                 &c.attach)) {
        sqlite3_finalize(c.ins);
        sqlite3_finalize(c.resolve);
        return SY_EIO;
    }
    int src = sv_journal_foreach(j, have + 1, index_decision, &c);
    sqlite3_finalize(c.ins);
    sqlite3_finalize(c.resolve);
    sqlite3_finalize(c.attach);
    if (c.rc != SY_OK)
        return c.rc;
    if (src != SV_OK)
        return sy__fail(o, SY_EIO, "the office journal: %s", sv_journal_errmsg(j));
    return SY_OK;
}

/* ---- what the devices sent about each unit --------------------------------------------------- */

/* What new entries say about one unit: folded in memory, written once per unit. */
typedef struct act_unit {
    char *unit;
    int64_t last_seq, last_time;
    int work;         /* an entry other than the task's own "unit" entry */
    int64_t work_seq; /* the latest such entry's seq */
    /* the points other units share from it (sv_state_shared_from), read once per fold */
    sv_bpoint *sharers;
    size_t n_sharers;
    int sharers_read;
} act_unit;

/* Work on one subject of a unit: a point (by number) or a verified field, as review cases name
 * them (office_review.c: kind "point" or "verification"). */
typedef struct act_subject {
    char *unit, *subject;
    const char *kind;
} act_subject;

typedef struct act_ctx {
    sy_office *o;
    sv_journal *j; /* the device's replica */
    const char *device_id;
    int64_t now;
    int rc;
    act_unit *units; /* the units the new entries touched */
    size_t n_units;
    act_subject *subjects; /* the points and fields they touched */
    size_t n_subjects;
} act_ctx;

static void act_free(act_ctx *c)
{
    for (size_t i = 0; i < c->n_units; i++) {
        free(c->units[i].unit);
        sv_bpoints_free(c->units[i].sharers, c->units[i].n_sharers);
    }
    free(c->units);
    c->units = NULL;
    c->n_units = 0;
    for (size_t i = 0; i < c->n_subjects; i++) {
        free(c->subjects[i].unit);
        free(c->subjects[i].subject);
    }
    free(c->subjects);
    c->subjects = NULL;
    c->n_subjects = 0;
}

/* Note work on (unit, kind, subject). Returns 0, or 1 on failure. */
static int act_subject_add(act_ctx *c, const char *unit, const char *kind, const char *subject)
{
    if (!subject || !*subject)
        return 0;
    for (size_t i = c->n_subjects; i-- > 0;)
        if (c->subjects[i].kind == kind && strcmp(c->subjects[i].subject, subject) == 0 &&
            strcmp(c->subjects[i].unit, unit) == 0)
            return 0;
    act_subject *ns = realloc(c->subjects, (c->n_subjects + 1) * sizeof *ns);
    if (ns)
        c->subjects = ns;
    char *u = ns ? strdup(unit) : NULL, *s = ns ? strdup(subject) : NULL;
    if (!u || !s) {
        free(u);
        free(s);
        c->rc = sy__fail(c->o, SY_ENOMEM, "out of memory");
        return 1;
    }
    c->subjects[c->n_subjects++] = (act_subject){u, s, kind};
    return 0;
}

/* A crew's file entry into field_attachments, or a void's withdrawal of one out of it. */
static int fold_file(act_ctx *c, const char *kind, int64_t seq, int64_t time_ms, const json_t *p)
{
    sqlite3_stmt *st;
    int isvoid = strcmp(kind, "void") == 0;
    if (isvoid) {
        json_int_t target = json_integer_value(json_object_get(p, "target"));
        if (target <= 0 ||
            sy__prep(c->o, "DELETE FROM field_attachments WHERE device_id = ?1 AND seq = ?2", &st))
            return target <= 0 ? 0 : (c->rc = SY_EIO, 1);
        sy__bind_text(st, 1, c->device_id);
        sqlite3_bind_int64(st, 2, target);
    } else {
        const json_t *f = json_object_get(p, "file");
        const char *sha = json_string_value(json_object_get(f, "sha256"));
        const char *type = json_string_value(json_object_get(f, "type"));
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *what = json_string_value(json_object_get(p, "what"));
        const char *unit = json_string_value(json_object_get(p, "unit"));
        json_int_t bytes = json_integer_value(json_object_get(f, "bytes"));
        /* the library's rule for a file object (a name without a path, a known type and what):
         * anything else is not a file to receive */
        char why[200];
        if (!unit || sv_attach_file_check(sha, type, bytes, name, what, why, sizeof why) != SV_OK)
            return 0;
        if (sy__prep(c->o,
                     "INSERT OR IGNORE INTO field_attachments(device_id, seq, time, unit, point,"
                     " what, name, sha256, type, bytes, note)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                     &st))
            return c->rc = SY_EIO, 1;
        sy__bind_text(st, 1, c->device_id);
        sqlite3_bind_int64(st, 2, seq);
        sqlite3_bind_int64(st, 3, time_ms);
        sy__bind_text(st, 4, unit);
        sy__bind_text(st, 5, json_string_value(json_object_get(p, "point")));
        sy__bind_text(st, 6, what);
        sy__bind_text(st, 7, name);
        sy__bind_text(st, 8, sha);
        sy__bind_text(st, 9, type);
        sqlite3_bind_int64(st, 10, bytes);
        sy__bind_text(st, 11, json_string_value(json_object_get(p, "note")));
    }
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok) {
        c->rc = sy__fail_db(c->o, "the crews' files");
        return 1;
    }
    return 0;
}

/* Note that an entry (seq, time_ms) touched unit, as work when work is set (a task's own entry
 * is not the crew's work). Returns 0, or 1 on failure. */
static int act_touch(act_ctx *c, const char *unit, int64_t seq, int64_t time_ms, int work)
{
    act_unit *u = NULL;
    for (size_t i = c->n_units; i-- > 0 && !u;) /* a bundle's entries mostly touch one unit */
        if (strcmp(c->units[i].unit, unit) == 0)
            u = &c->units[i];
    if (!u) {
        act_unit *nu = realloc(c->units, (c->n_units + 1) * sizeof *nu);
        char *name = nu ? strdup(unit) : NULL;
        if (nu)
            c->units = nu;
        if (!name) {
            c->rc = sy__fail(c->o, SY_ENOMEM, "out of memory");
            return 1;
        }
        u = &c->units[c->n_units++];
        *u = (act_unit){name, seq, time_ms, 0, 0, NULL, 0, 0};
    }
    if (seq > u->last_seq)
        u->last_seq = seq;
    if (time_ms > u->last_time)
        u->last_time = time_ms;
    u->work |= work;
    if (work && seq > u->work_seq)
        u->work_seq = seq;
    return 0;
}

/*
 * A point measured (or re-measured, or corrected) in unit is also the point of every unit that
 * shares it (docs/journal.md, "Shared points"): work on each of them, on their own number for
 * it, so that a unit returned for a shared point leaves "returned" when the crew re-measures
 * it where it is measured. From the replica as it stands after the bundle; unit has been
 * touched (act_touch) before.
 */
static int act_sharers(act_ctx *c, const char *unit, const char *number, int64_t seq,
                       int64_t time_ms)
{
    act_unit *u = NULL;
    for (size_t i = c->n_units; i-- > 0 && !u;)
        if (strcmp(c->units[i].unit, unit) == 0)
            u = &c->units[i];
    if (!u)
        return 0;
    if (!u->sharers_read) {
        if (sv_state_shared_from(c->j, unit, &u->sharers, &u->n_sharers) != SV_OK) {
            c->rc = sy__fail(c->o, SY_EIO, "replica: %s", sv_journal_errmsg(c->j));
            return 1;
        }
        u->sharers_read = 1;
    }
    /* act_touch may move c->units: the list itself stays where it is */
    const sv_bpoint *s = u->sharers;
    size_t n = u->n_sharers;
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i].shared_number, number) == 0 &&
            (act_touch(c, s[i].unit, seq, time_ms, 1) ||
             act_subject_add(c, s[i].unit, "point", s[i].number)))
            return 1;
    return 0;
}

/* Fold one entry (p its parsed payload, may be NULL) into c. Returns 0, or 1 on failure. */
static int act_fold(act_ctx *c, const char *kind, int64_t seq, int64_t time_ms, const json_t *p)
{
    if ((strcmp(kind, "attach") == 0 || strcmp(kind, "void") == 0) &&
        fold_file(c, kind, seq, time_ms, p))
        return 1;
    int task = strcmp(kind, "unit") == 0;
    const sv_kind_info *k = sv_kind_find(kind);
    if (k && (k->flags & SV_KIND_SETTING)) /* the journal's start, code lists, settings */
        return 0;
    const char *unit = json_string_value(json_object_get(p, task ? "code" : "unit"));
    char target_unit[SV_CODE_MAX];
    if ((!unit || !*unit) && strcmp(kind, "void") == 0) {
        /* a void names no unit: it is about what it withdraws (the library's rule) */
        if (sv_state_entry_unit(c->j, seq, target_unit) != SV_OK) {
            c->rc = sy__fail(c->o, SY_EIO, "replica: %s", sv_journal_errmsg(c->j));
            return 1;
        }
        unit = target_unit;
    }
    if (!unit || !*unit)
        return 0;
    if (act_touch(c, unit, seq, time_ms, !task))
        return 1;
    const char *number = json_string_value(json_object_get(p, "number"));
    if (strcmp(kind, "point") == 0 && number)
        return act_subject_add(c, unit, "point", number) ||
               act_sharers(c, unit, number, seq, time_ms);
    if (strcmp(kind, "share") == 0)
        return act_subject_add(c, unit, "point", number);
    if (strcmp(kind, "verify") == 0)
        return act_subject_add(c, unit, "verification",
                               json_string_value(json_object_get(p, "field")));
    return 0;
}

static int index_activity(const sv_entry *e, void *vctx)
{
    act_ctx *c = vctx;
    json_t *p = json_loadb(e->payload, e->payload_len, 0, NULL);
    int stop = act_fold(c, e->kind, e->seq, e->time_ms, p);
    json_decref(p);
    return stop;
}

/* Write what c folded: one row per unit touched. */
static int store_activity(act_ctx *c)
{
    sqlite3_stmt *st;
    if (sy__prep(c->o,
                 "INSERT INTO unit_activity(unit, device_id, last_seq, last_time, arrived,"
                 " work_arrived, work_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                 " ON CONFLICT(unit, device_id) DO UPDATE SET last_seq = max(last_seq, ?3),"
                 " last_time = max(last_time, ?4), arrived = max(arrived, ?5),"
                 " work_arrived = max(work_arrived, ?6), work_seq = max(work_seq, ?7)",
                 &st))
        return SY_EIO;
    int rc = SY_OK;
    for (size_t i = 0; rc == SY_OK && i < c->n_units; i++) {
        const act_unit *u = &c->units[i];
        sqlite3_reset(st);
        sy__bind_text(st, 1, u->unit);
        sy__bind_text(st, 2, c->device_id);
        sqlite3_bind_int64(st, 3, u->last_seq);
        sqlite3_bind_int64(st, 4, u->last_time);
        sqlite3_bind_int64(st, 5, c->now);
        sqlite3_bind_int64(st, 6, u->work ? c->now : 0);
        sqlite3_bind_int64(st, 7, u->work_seq);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sy__fail_db(c->o, "unit activity");
    }
    sqlite3_finalize(st);
    if (rc != SY_OK || !c->n_subjects)
        return rc;
    if (sy__prep(c->o,
                 "INSERT INTO subject_work(unit, kind, subject, arrived) VALUES (?1, ?2, ?3, ?4)"
                 " ON CONFLICT(unit, kind, subject) DO UPDATE SET arrived = max(arrived, ?4)",
                 &st))
        return SY_EIO;
    for (size_t i = 0; rc == SY_OK && i < c->n_subjects; i++) {
        sqlite3_reset(st);
        sy__bind_text(st, 1, c->subjects[i].unit);
        sy__bind_text(st, 2, c->subjects[i].kind);
        sy__bind_text(st, 3, c->subjects[i].subject);
        sqlite3_bind_int64(st, 4, c->now);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sy__fail_db(c->o, "unit activity");
    }
    sqlite3_finalize(st);
    return rc;
}

/* The dispute entries of device_id about unit that the office settled (their seqs, at most
 * max), the list the tablet learns with its tasks. */
static size_t settled_seqs(sy_office *o, const char *device_id, const char *unit, int64_t *seqs,
                           size_t max)
{
    sqlite3_stmt *st = NULL;
    if (sy__prep(o,
                 "SELECT DISTINCT chosen_seq FROM office_decisions WHERE unit = ?1 AND action = ?2"
                 " AND chosen_device = ?3 ORDER BY chosen_seq",
                 &st) != SY_OK)
        return 0;
    sy__bind_text(st, 1, unit);
    sy__bind_text(st, 2, SV_DECISION_SETTLE_DISPUTE);
    sy__bind_text(st, 3, device_id);
    size_t n = 0;
    while (n < max && sqlite3_step(st) == SQLITE_ROW)
        seqs[n++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int sy__settled_at_office(sy_office *o, sv_journal *j, const char *device_id, const char *unit)
{
    int64_t seqs[SY_UNIT_SETTLED_MAX];
    size_t n = settled_seqs(o, device_id, unit, seqs, SY_UNIT_SETTLED_MAX);
    return sv_unit_settled_count(j, unit, seqs, n);
}

/* Whether the device's summary of unit says complete on site (sv_unit_stage), with the
 * disputes the office settled taken in, stored with its activity. */
static int store_unit_complete(sy_office *o, sv_journal *j, const char *device_id, const char *unit,
                               sqlite3_stmt *st)
{
    sv_unit_summary sm;
    int done = 0;
    const char *after = "";
    if (sv_unit_summarize_records(j, unit, &sm) == SV_OK) {
        /* the office's settlements matter only while the device says a dispute is open: no
         * dispute read on the ingest path otherwise */
        if (sm.progress.disputes_open > 0)
            sv_unit_settled_at_office(&sm, sy__settled_at_office(o, j, device_id, unit));
        done = sv_unit_stage(&sm) == SV_STAGE_DONE;
        /* complete but for an absent party's objection period: complete once it has ended,
         * whether or not the device sends anything more */
        if (!done && sv_unit_missing(&sm) == SV_MISSING_OBJECTIONS)
            after = sm.objections_until;
    }
    sqlite3_reset(st);
    sqlite3_bind_int(st, 1, done);
    sy__bind_text(st, 2, unit);
    sy__bind_text(st, 3, device_id);
    sy__bind_text(st, 4, after);
    return sqlite3_step(st) == SQLITE_DONE ? SY_OK : sy__fail_db(o, "unit activity");
}

#define COMPLETE_SQL                                                                               \
    "UPDATE unit_activity SET complete = ?1, complete_after = ?4 WHERE unit = ?2 AND device_id = " \
    "?3"

/* Whether the device's summary of each touched unit says complete on site, kept with its
 * activity: computed when the device's entries arrive (and when the office settles one of its
 * disputes), so that listings never open a replica. */
static int store_complete(act_ctx *c, sv_journal *j)
{
    sqlite3_stmt *st;
    if (c->n_units == 0)
        return SY_OK;
    if (sy__prep(c->o, COMPLETE_SQL, &st))
        return SY_EIO;
    int rc = SY_OK;
    for (size_t i = 0; rc == SY_OK && i < c->n_units; i++)
        if (c->units[i].work) /* the task's own entry: the crew's work is what completes it */
            rc = store_unit_complete(c->o, j, c->device_id, c->units[i].unit, st);
    sqlite3_finalize(st);
    return rc;
}

/* Completeness again for unit (NULL: every unit with the device's work) from the device's
 * replica, inside the caller's transaction: after the office settles a dispute, and once for
 * an office made before complete_after. A device without a replica has nothing to recheck. */
static int recheck_complete(sy_office *o, const char *device_id, const char *unit)
{
    sv_journal *rj = NULL;
    sqlite3_stmt *st = NULL, *units = NULL;
    int rc = sy__replica_read(o, device_id, &rj);
    if (rc != SY_OK || !rj)
        return rc;
    rc = sy__prep(o, COMPLETE_SQL, &st);
    if (rc == SY_OK)
        rc = sy__prep(o,
                      "SELECT unit FROM unit_activity WHERE device_id = ?1 AND work_arrived > 0"
                      " AND (?2 IS NULL OR unit = ?2)",
                      &units);
    if (rc == SY_OK) {
        sy__bind_text(units, 1, device_id);
        sy__bind_text(units, 2, unit);
        int s;
        while (rc == SY_OK && (s = sqlite3_step(units)) == SQLITE_ROW) {
            char u[SV_CODE_MAX];
            snprintf(u, sizeof u, "%s", sy__col_text(units, 0));
            rc = store_unit_complete(o, rj, device_id, u, st);
        }
    }
    sqlite3_finalize(units);
    sqlite3_finalize(st);
    sv_journal_close(rj);
    return rc;
}

static int indexed_seq(sy_office *o, const char *device_id, int64_t *have)
{
    sqlite3_stmt *st;
    *have = 0;
    if (sy__prep(o, "SELECT seq FROM life_indexed WHERE device_id = ?", &st))
        return SY_EIO;
    sy__bind_text(st, 1, device_id);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *have = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return src == SQLITE_ROW || src == SQLITE_DONE ? SY_OK : sy__fail_db(o, "unit activity");
}

/*
 * Bring unit_activity up to one device's replica j, in an office transaction of its own: from
 * v[0..n) (entries just applied, with the decoder's parse) when they reach from what is indexed
 * to the replica's end, else by reading the replica.
 */
static int activity_index(sy_office *o, const char *device_id, sv_journal *j, const sy_entry *v,
                          size_t n)
{
    int64_t last = sv_journal_last_seq(j), have;
    int rc = indexed_seq(o, device_id, &have);
    if (rc != SY_OK || have >= last)
        return rc;
    act_ctx c = {o, j, device_id, sv_wall_ms(), SY_OK, NULL, 0, NULL, 0};
    rc = sy__exec(o, "BEGIN IMMEDIATE");
    if (rc == SY_OK) /* again under the write lock: another process may have indexed meanwhile */
        rc = indexed_seq(o, device_id, &have);
    if (rc == SY_OK && have < last) {
        if (n && v[0].seq <= have + 1 && v[n - 1].seq == last) {
            for (size_t i = 0; i < n && c.rc == SY_OK; i++) {
                if (v[i].seq <= have)
                    continue;
                json_t *own =
                    v[i].parsed ? NULL : json_loadb(v[i].payload, v[i].payload_len, 0, NULL);
                act_fold(&c, v[i].kind, v[i].seq, v[i].time_ms, own ? own : v[i].parsed);
                json_decref(own);
            }
        } else {
            int src = sv_journal_foreach(j, have + 1, index_activity, &c);
            if (c.rc == SY_OK && src != SV_OK)
                c.rc = sy__fail(o, SY_EIO, "replica %s: %s", device_id, sv_journal_errmsg(j));
        }
        rc = c.rc;
        if (rc == SY_OK)
            rc = store_activity(&c);
        if (rc == SY_OK)
            rc = store_complete(&c, j);
        sqlite3_stmt *st;
        if (rc == SY_OK &&
            (rc = sy__prep(o, "INSERT OR REPLACE INTO life_indexed(device_id, seq) VALUES (?, ?)",
                           &st)) == SY_OK) {
            sy__bind_text(st, 1, device_id);
            sqlite3_bind_int64(st, 2, last);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = sy__fail_db(o, "unit activity");
            sqlite3_finalize(st);
        }
    }
    if (rc == SY_OK)
        rc = sy__exec(o, "COMMIT");
    if (rc != SY_OK)
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
    act_free(&c);
    return rc;
}

/* Bring unit_activity up to one device's replica, opened for it. */
static int activity_refresh(sy_office *o, const char *device_id)
{
    sv_journal *j = NULL;
    int rc = sy__replica_read(o, device_id, &j);
    if (rc == SY_OK && j)
        rc = activity_index(o, device_id, j, NULL, 0);
    sv_journal_close(j);
    return rc;
}

int sy__life_device_index(sy_office *o, const char *device_id, sv_journal *j, const sy_entry *v,
                          size_t n)
{
    return activity_index(o, device_id, j, v, n);
}

int sy__life_device_refresh(sy_office *o, const char *device_id, int *refreshed)
{
    *refreshed = 0;
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT (SELECT max(acked_seq) FROM ingest_log WHERE device_id = ?1)"
                 " > coalesce((SELECT seq FROM life_indexed WHERE device_id = ?1), 0)",
                 &st))
        return SY_EIO;
    sy__bind_text(st, 1, device_id);
    int step = sqlite3_step(st), lags = step == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (step != SQLITE_ROW)
        return sy__fail_db(o, "the devices' activity");
    if (!lags)
        return SY_OK;
    int rc = activity_refresh(o, device_id);
    *refreshed = rc == SY_OK;
    return rc;
}

/* Every device's activity up to date. The ingest refreshes its device itself; here only a
 * device whose activity lags behind its county index (a crash after the ingest, an office made
 * by an older build) has its replica opened, so a listing opens none in the usual case. */
static int life_refresh(sy_office *o)
{
    if (o->reader) /* the writer indexes every ingest; a lag after a crash is repaired on open */
        return SY_OK;
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT d.device_id FROM devices d JOIN county_indexed c"
                 " ON c.device_id = d.device_id LEFT JOIN life_indexed l"
                 " ON l.device_id = d.device_id WHERE l.seq IS NULL OR l.seq < c.seq"
                 " ORDER BY d.id",
                 &st))
        return SY_EIO;
    int rc = SY_OK;
    char **ids = NULL;
    size_t n = 0;
    while (rc == SY_OK && sqlite3_step(st) == SQLITE_ROW) {
        char **ni = realloc(ids, (n + 1) * sizeof *ni);
        char *id = ni ? strdup(sy__col_text(st, 0)) : NULL;
        if (ni)
            ids = ni;
        if (!id)
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
        else
            ids[n++] = id;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < n; i++) {
        if (rc == SY_OK)
            rc = activity_refresh(o, ids[i]);
        free(ids[i]);
    }
    free(ids);
    return rc;
}

/* Start recording a decision: the office journal open and OFFICE_DB under its write lock
 * (BEGIN IMMEDIATE), office_decisions brought up to the journal, so the facts checked next
 * cannot change before the entry is made. On failure nothing is open and *j is NULL. */
static int decision_begin(sy_office *o, sv_journal **j)
{
    *j = NULL;
    int rc = decisions_open(o, j);
    if (rc == SY_OK)
        rc = sy__exec(o, "BEGIN IMMEDIATE");
    if (rc == SY_OK) {
        rc = index_decisions(o, *j);
        if (rc != SY_OK)
            sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
    }
    if (rc != SY_OK) {
        sv_journal_close(*j);
        *j = NULL;
    }
    return rc;
}

/* Finish what decision_begin started: with rc SY_OK the new entry indexed (a review decision
 * resolves its case there) and committed, otherwise rolled back; the journal closed. */
static int decision_end(sy_office *o, sv_journal *j, int rc)
{
    if (rc == SY_OK)
        rc = index_decisions(o, j);
    if (rc == SY_OK)
        rc = sy__exec(o, "COMMIT");
    if (rc != SY_OK)
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
    sv_journal_close(j);
    return rc;
}

static int has_complete_after(sy_office *o)
{
    sqlite3_stmt *probe = NULL;
    int has = sqlite3_prepare_v2(o->db, "SELECT complete_after FROM unit_activity", -1, &probe,
                                 NULL) == SQLITE_OK;
    sqlite3_finalize(probe);
    return has;
}

/* An office made before complete_after: the column added, and every unit's completeness
 * computed again by today's rules (a dispute settled at the office, a void, an objection
 * period) from each device's replica, in one transaction; another process doing the same at
 * once is waited for and finds it done. */
static int life_upgrade(sy_office *o)
{
    if (has_complete_after(o))
        return SY_OK;
    int rc = sy__exec(o, "BEGIN IMMEDIATE");
    if (rc != SY_OK || has_complete_after(o))
        return rc == SY_OK ? sy__exec(o, "COMMIT") : rc;
    rc =
        sy__exec(o, "ALTER TABLE unit_activity ADD COLUMN complete_after TEXT NOT NULL DEFAULT ''");
    sqlite3_stmt *dev = NULL;
    if (rc == SY_OK)
        rc = sy__prep(o, "SELECT DISTINCT device_id FROM unit_activity", &dev);
    int s;
    while (rc == SY_OK && (s = sqlite3_step(dev)) == SQLITE_ROW) {
        char id[80];
        snprintf(id, sizeof id, "%s", sy__col_text(dev, 0));
        rc = recheck_complete(o, id, NULL);
    }
    sqlite3_finalize(dev);
    if (rc == SY_OK)
        rc = sy__exec(o, "COMMIT");
    if (rc != SY_OK)
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* An office made before return_delivered: unit_activity gains work_seq (its latest entry's seq
 * where work arrived, near enough for what follows), and each return still in force counts as
 * delivered to every device with what that device had sent by the return's time (the ingest
 * log), so that work which ended it under the older rule (arriving after it) still does. */
static int returns_upgrade(sy_office *o)
{
    sqlite3_stmt *probe = NULL;
    int has = sqlite3_prepare_v2(o->db, "SELECT work_seq FROM unit_activity LIMIT 0", -1, &probe,
                                 NULL) == SQLITE_OK;
    sqlite3_finalize(probe);
    if (has)
        return SY_OK;
    int rc = sy__exec(o, "BEGIN IMMEDIATE");
    if (rc == SY_OK)
        rc = sy__exec(
            o,
            "ALTER TABLE unit_activity ADD COLUMN work_seq INTEGER NOT NULL DEFAULT 0;"
            "UPDATE unit_activity SET work_seq = last_seq WHERE work_arrived > 0;"
            "INSERT OR IGNORE INTO return_delivered(unit, device_id, decision_seq, seq,"
            " time) SELECT d.unit, a.device_id, d.seq, coalesce((SELECT"
            " max(l.acked_seq) FROM ingest_log l WHERE l.device_id = a.device_id"
            " AND l.time <= d.time AND l.result IN ('applied', 'duplicate', 'gap')), 0),"
            " d.time FROM office_decisions d JOIN unit_activity a ON a.unit = d.unit"
            " WHERE d.action = '" SV_DECISION_RETURN "' AND d.seq = (SELECT max(e.seq)"
            " FROM office_decisions e WHERE e.unit = d.unit AND e.action IN ('" SV_DECISION_RETURN
            "', '" SV_DECISION_ACCEPT "', '" SV_DECISION_NOTICE "', '" SV_DECISION_OBJECTION "'));"
            "COMMIT");
    if (rc != SY_OK)
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/*
 * The index of the office's decisions made again from its journal, on every open, inside the
 * caller's transaction: the units' states are read from the index, and the journal (hash-
 * chained, signed, `quejie check`) is the record; a row changed or added in the database by
 * hand therefore lasts until the next open at most, and the office's log says how many rows
 * differed. Cheap: decisions are few beside the crews' entries.
 */
static int reindex_decisions(sy_office *o, sv_journal *j)
{
    int rc = sy__exec(o, "CREATE TEMP TABLE IF NOT EXISTS decisions_was AS"
                         " SELECT * FROM office_decisions WHERE 0;"
                         "DELETE FROM decisions_was;"
                         "INSERT INTO decisions_was SELECT * FROM office_decisions;"
                         "DELETE FROM office_decisions;");
    if (rc == SY_OK)
        rc = index_decisions(o, j);
    sqlite3_stmt *st = NULL;
    if (rc == SY_OK &&
        sy__prep(o,
                 /* decisions (by seq) whose row was changed, added or taken away */
                 "SELECT count(DISTINCT seq) FROM (SELECT * FROM (SELECT * FROM decisions_was"
                 " EXCEPT SELECT * FROM office_decisions) UNION ALL SELECT * FROM (SELECT *"
                 " FROM office_decisions EXCEPT SELECT * FROM decisions_was))",
                 &st))
        rc = SY_EIO;
    int64_t differed =
        rc == SY_OK && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc == SY_OK && differed > 0) {
        snprintf(o->open_note, sizeof o->open_note,
                 "the index of the office's decisions differed from its journal in %lld "
                 "decision%s (changed in the database, not by a decision): made again from the "
                 "journal",
                 (long long)differed, differed == 1 ? "" : "s");
        sy__logf(o, "%s", o->open_note);
    }
    if (rc == SY_OK)
        rc = sy__exec(o, "DELETE FROM decisions_was");
    return rc;
}

int sy__life_init(sy_office *o)
{
    /* An office made before subject_work: what its older rule let through stays let through
     * (each reviewed subject counts as worked on when its unit last was); the new rule holds
     * for what arrives from now on. */
    int had_subjects = 0, had_activity = 0;
    sqlite3_stmt *q;
    if (sy__prep(o,
                 "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'subject_work'),"
                 " (SELECT count(*) FROM sqlite_master WHERE name = 'unit_activity')",
                 &q))
        return SY_EIO;
    if (sqlite3_step(q) == SQLITE_ROW)
        had_subjects = sqlite3_column_int(q, 0), had_activity = sqlite3_column_int(q, 1);
    sqlite3_finalize(q);
    if (sy__exec(o, LIFE_SQL))
        return SY_EIO;
    if (!had_subjects && had_activity &&
        sy__exec(o, "INSERT OR IGNORE INTO subject_work(unit, kind, subject, arrived)"
                    " SELECT r.unit, r.kind, r.subject, a.w FROM review r JOIN (SELECT unit,"
                    " max(work_arrived) AS w FROM unit_activity GROUP BY unit) a"
                    " ON a.unit = r.unit WHERE a.w > 0"))
        return SY_EIO;
    if (life_upgrade(o) != SY_OK || returns_upgrade(o) != SY_OK)
        return SY_EIO;
    sv_journal *j;
    int rc = decision_begin(o, &j);
    if (rc == SY_OK)
        rc = reindex_decisions(o, j);
    if (rc == SY_OK)
        rc = decision_end(o, j, SY_OK);
    else {
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
        sv_journal_close(j);
    }
    return rc == SY_OK ? life_refresh(o) : rc;
}

/* ---- the facts, and the state they give --------------------------------------------------- */

typedef struct life_row {
    char *code, *name, *assign;
    int64_t last_time;    /* latest entry's tablet time, 0 none */
    int64_t work_arrived; /* office time of the latest work's arrival */
    int field_entries, complete, open_cases;
    char *decision, *note, *by, *from, *to;
    int64_t decided;          /* office time of the decision */
    int64_t decided_seq;      /* its seq in the office's journal */
    int return_worked;        /* a return: a device it reached sent work after it reached it */
    int64_t resurvey_asked;   /* office time of the latest review decided "neither" whose
                               * subject has had no work since, 0 none */
    char objected_on[11];     /* the office's date of its latest objection, "" none */
    char disputed_names[160]; /* the fields the county record holds as disputed (accept) */
    sv_life_facts f;
    sv_life state;
} life_row;

typedef struct life_rows {
    life_row *v;
    size_t n;
    char today[11];
} life_rows;

static void rows_free(life_rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        life_row *x = &r->v[i];
        free(x->code), free(x->name), free(x->assign), free(x->decision), free(x->note);
        free(x->by), free(x->from), free(x->to);
    }
    free(r->v);
    r->v = NULL;
    r->n = 0;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? strdup((const char *)s) : NULL;
}

static life_row *row_find(life_rows *r, const char *code)
{
    size_t lo = 0, hi = r->n; /* rows are sorted by code */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(r->v[mid].code, code);
        if (c == 0)
            return &r->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* A unit's name from its stored feature: properties.name, else properties.DJDYMC (strings only),
 * else "" (also for a feature that is not JSON). Taken by SQLite's JSON functions in the query:
 * parsing every feature whole (its coordinates too) with jansson was most of a 5,000-unit
 * listing's time. */
#define FEATURE_NAME                                                                               \
    "CASE WHEN NOT json_valid(feature) THEN '' ELSE"                                               \
    " coalesce(CASE WHEN json_type(feature, '$.properties.name') = 'text'"                         \
    " THEN json_extract(feature, '$.properties.name') END,"                                        \
    " CASE WHEN json_type(feature, '$.properties.DJDYMC') = 'text'"                                \
    " THEN json_extract(feature, '$.properties.DJDYMC') END, '') END"

/* The rows load_rows wants: one code (?1) and/or the units assigned to a device (?2 its name,
 * ?3 its crew). */
#define UNIT_FILTER(col)                                                                           \
    "(?1 IS NULL OR " col " = ?1) AND (?2 IS NULL OR " col " IN (SELECT code FROM tasks"           \
    " WHERE assign = ?2 OR (?3 IS NOT NULL AND assign = ?3)))"

static void bind_filter(sqlite3_stmt *st, const char *only_code, const sy_device *dev)
{
    sy__bind_text(st, 1, only_code);
    sy__bind_text(st, 2, dev ? dev->name : NULL);
    sy__bind_text(st, 3, dev && dev->crew[0] ? dev->crew : NULL);
}

/* The office's local date of time ms (UTC ms). */
static void office_date(int64_t ms, char out[11])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) != 10)
        snprintf(out, 11, "1970-01-01");
}

static void office_today(char out[11])
{
    office_date(sv_wall_ms(), out);
}

/* Every task unit (only_code: just that one; dev: just those assigned to it) with its facts and
 * state, sorted by code. */
static int load_rows(sy_office *o, const char *only_code, const sy_device *dev, life_rows *r)
{
    memset(r, 0, sizeof *r);
    office_today(r->today);
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT code, assign, " FEATURE_NAME
                 " FROM tasks WHERE " UNIT_FILTER("code") " ORDER BY code",
                 &st))
        return SY_EIO;
    bind_filter(st, only_code, dev);
    int rc = SY_OK, src;
    size_t cap = 0;
    while (rc == SY_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            life_row *nv = realloc(r->v, nc * sizeof *nv);
            if (!nv) {
                rc = sy__fail(o, SY_ENOMEM, "out of memory");
                break;
            }
            r->v = nv, cap = nc;
        }
        life_row *x = &r->v[r->n];
        memset(x, 0, sizeof *x);
        char name[SY_NAME_MAX * 2];
        x->code = dup_col(st, 0);
        x->assign = dup_col(st, 1);
        snprintf(name, sizeof name, "%s", sy__col_text(st, 2));
        x->name = strdup(name);
        r->n++;
        if (!x->code || !x->assign || !x->name)
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    /* What arrived. */
    if (rc == SY_OK)
        rc = sy__prep(o,
                      /* an objection period ends by the local date, as the unit summary's
                       * clock (survey/summary.c) has it */
                      "SELECT unit, max(last_time), max(work_arrived), max(complete OR"
                      " (complete_after <> '' AND complete_after < date('now', 'localtime')))"
                      " FROM unit_activity WHERE " UNIT_FILTER("unit") " GROUP BY unit",
                      &st);
    if (rc == SY_OK) {
        bind_filter(st, only_code, dev);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            life_row *x = row_find(r, sy__col_text(st, 0));
            if (x) {
                x->field_entries = 1;
                x->last_time = sqlite3_column_int64(st, 1);
                x->work_arrived = sqlite3_column_int64(st, 2);
                x->complete = sqlite3_column_int(st, 3);
            }
        }
        sqlite3_finalize(st);
    }
    /* Open cases. */
    if (rc == SY_OK)
        rc = sy__prep(o,
                      /* an edge match's case is open on both its units */
                      "SELECT u, count(*) FROM (SELECT unit AS u FROM review WHERE status ="
                      " 'open' UNION ALL SELECT other_unit FROM review WHERE status = 'open'"
                      " AND other_unit IS NOT NULL) WHERE " UNIT_FILTER("u") " GROUP BY u",
                      &st);
    if (rc == SY_OK) {
        bind_filter(st, only_code, dev);
        while (sqlite3_step(st) == SQLITE_ROW) {
            life_row *x = row_find(r, sy__col_text(st, 0));
            if (x)
                x->open_cases = sqlite3_column_int(st, 1);
        }
        sqlite3_finalize(st);
    }
    /* The latest re-survey a review asked for ("neither": acceptance waits for work after it)
     * and the latest objection (a notice after it starts no earlier). */
    if (rc == SY_OK)
        rc = sy__prep(
            o,
            /* a re-survey is pending while the case's own subject (its point, its
             * field) has had no work since the decision */
            "SELECT d.unit, max(CASE WHEN d.action = '" SV_DECISION_REVIEW
            "' AND (SELECT kind FROM review WHERE id = d.case_id) IS NOT 'edge'"
            " AND NOT EXISTS (SELECT 1 FROM review r JOIN subject_work w"
            " ON w.unit = r.unit AND w.kind = r.kind AND w.subject = r.subject"
            " WHERE r.id = d.case_id AND w.arrived > d.time) THEN d.time END),"
            " max(CASE WHEN d.action = '" SV_DECISION_OBJECTION
            "' THEN d.time END) FROM office_decisions d WHERE ((d.action = '" SV_DECISION_REVIEW
            "' AND d.accept = 'neither') OR d.action = '" SV_DECISION_OBJECTION
            "') AND " UNIT_FILTER("d.unit") " GROUP BY d.unit",
            &st);
    if (rc == SY_OK) {
        bind_filter(st, only_code, dev);
        while (sqlite3_step(st) == SQLITE_ROW) {
            life_row *x = row_find(r, sy__col_text(st, 0));
            if (!x)
                continue;
            x->resurvey_asked = sqlite3_column_int64(st, 1); /* NULL: 0, none */
            if (sqlite3_column_type(st, 2) != SQLITE_NULL)
                office_date(sqlite3_column_int64(st, 2), x->objected_on);
        }
        sqlite3_finalize(st);
    }
    /* The latest unit decision. */
    if (rc == SY_OK)
        rc = sy__prep(o,
                      "SELECT unit, action, note, by, time, date_from, date_to, seq FROM"
                      " office_decisions d WHERE seq = (SELECT max(seq) FROM office_decisions"
                      " e WHERE e.unit = d.unit AND e.action IN ('" SV_DECISION_RETURN
                      "', '" SV_DECISION_ACCEPT "', '" SV_DECISION_NOTICE
                      "', '" SV_DECISION_OBJECTION "'))" /* sv_decision_moves_unit's */
                      " AND " UNIT_FILTER("unit"),
                      &st);
    if (rc == SY_OK) {
        bind_filter(st, only_code, dev);
        while (sqlite3_step(st) == SQLITE_ROW) {
            life_row *x = row_find(r, sy__col_text(st, 0));
            if (!x)
                continue;
            x->decision = dup_col(st, 1);
            x->note = dup_col(st, 2);
            x->by = dup_col(st, 3);
            x->decided = sqlite3_column_int64(st, 4);
            x->from = dup_col(st, 5);
            x->to = dup_col(st, 6);
            x->decided_seq = sqlite3_column_int64(st, 7);
        }
        sqlite3_finalize(st);
    }
    /* Returns: work after the return reached the device that sent it (return_delivered). */
    if (rc == SY_OK)
        rc = sy__prep(o,
                      "SELECT r.unit, r.decision_seq, max(a.work_seq > r.seq) FROM"
                      " return_delivered r JOIN unit_activity a ON a.unit = r.unit AND"
                      " a.device_id = r.device_id WHERE " UNIT_FILTER(
                          "r.unit") " GROUP BY r.unit, r.decision_seq",
                      &st);
    if (rc == SY_OK) {
        bind_filter(st, only_code, dev);
        while (sqlite3_step(st) == SQLITE_ROW) {
            life_row *x = row_find(r, sy__col_text(st, 0));
            if (x && x->decided_seq == sqlite3_column_int64(st, 1))
                x->return_worked = sqlite3_column_int(st, 2);
        }
        sqlite3_finalize(st);
    }
    for (size_t i = 0; rc == SY_OK && i < r->n; i++) {
        life_row *x = &r->v[i];
        x->f = (sv_life_facts){.field_entries = x->field_entries,
                               .complete = x->complete,
                               .open_cases = x->open_cases,
                               .decision = x->decision,
                               /* a return ends with work sent after it reached the crew;
                                * the other decisions stand, and the reviewer is told of work
                                * that arrived after them (sv_life_work_after_decision) */
                               .work_since = !x->decision ? 0
                                             : strcmp(x->decision, SV_DECISION_RETURN) == 0
                                                 ? x->return_worked
                                                 : x->work_arrived > x->decided,
                               .notice_to = x->to,
                               .notice_from = x->from,
                               .today = r->today,
                               .objected_on = x->objected_on[0] ? x->objected_on : NULL,
                               .resurvey = x->resurvey_asked > 0};
        x->state = sv_unit_life(&x->f);
    }
    if (rc != SY_OK)
        rows_free(r);
    return rc;
}

/* ---- the calls --------------------------------------------------------------------------------
 */

int sy_office_unit_name(sy_office *o, const char *code, char **name)
{
    *name = NULL;
    sqlite3_stmt *st;
    if (sy__prep(o, "SELECT " FEATURE_NAME " FROM tasks WHERE code = ?1", &st))
        return SY_EIO;
    sy__bind_text(st, 1, code);
    int src = sqlite3_step(st), rc = SY_OK;
    if (src == SQLITE_ROW)
        rc =
            (*name = strdup(sy__col_text(st, 0))) ? SY_OK : sy__fail(o, SY_ENOMEM, "out of memory");
    else if (src == SQLITE_DONE)
        rc = sy__fail(o, SY_ENOTFOUND, "no unit %s among the office's tasks", code ? code : "");
    else
        rc = sy__fail_db(o, "unit name");
    sqlite3_finalize(st);
    return rc;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *time_or_null(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char t[32];
    sy__iso_ms(ms, t);
    return json_string(t);
}

int sy_office_units_stamp(sy_office *o, sy_units_stamp *s)
{
    memset(s, 0, sizeof *s);
    char today[11];
    office_today(today);
    s->exact[0] = (int64_t)atoi(today) * 10000 + atoi(today + 5) * 100 + atoi(today + 8);
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT (SELECT coalesce(max(seq), 0) FROM office_decisions),"
                 " (SELECT count(*) FROM tasks), (SELECT coalesce(max(imported), 0) FROM tasks),"
                 " (SELECT coalesce(sum(seq), 0) FROM life_indexed),"
                 " (SELECT coalesce(max(id), 0) FROM review)",
                 &st))
        return SY_EIO;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        for (int i = 0; i < 3; i++)
            s->exact[1 + i] = sqlite3_column_int64(st, i);
        for (int i = 0; i < 2; i++)
            s->drift[i] = sqlite3_column_int64(st, 3 + i);
    }
    sqlite3_finalize(st);
    return src == SQLITE_ROW ? SY_OK : sy__fail_db(o, "units stamp");
}

static int open_disputes(sy_office *o, const char *unit, int *n);
static int disputed_fields(sy_office *o, const char *unit, int *n, char *names, size_t len);

/* The decisions the unit's state offers now (sv_life_offers), each {"allowed": true} or
 * {"allowed": false, "reason", "state", "count", "date", "why"} as a refused decision's answer
 * says it: what the unit page shows as a form, or as why it is not offered. Acceptance also
 * asks the replicas for open disputes (one unit's, as the decision itself does). */
static int offered_json(sy_office *o, life_row *x, json_t **offered)
{
    static const char *const ACTIONS[] = {SV_DECISION_RETURN, SV_DECISION_ACCEPT,
                                          SV_DECISION_NOTICE, SV_DECISION_OBJECTION};
    *offered = NULL;
    /* The replicas are read only when the unit's state would offer acceptance otherwise: their
     * disputes and the county record's fields decide it then (most pages need neither). A
     * replica that cannot be read does not take the unit's page down: the disputes are taken
     * as settled here, and the acceptance itself counts them again. */
    int unknown = 0;
    x->f.disputes_open = x->f.fields_disputed = 0;
    if (sv_life_offers(&x->f, SV_DECISION_ACCEPT, NULL, NULL, 0) == SV_OK ||
        sv_life_offers(&x->f, SV_DECISION_NOTICE, NULL, NULL, 0) == SV_OK) {
        if (open_disputes(o, x->code, &x->f.disputes_open) != SY_OK) {
            sy__logf(o, "open disputes of %s not counted for its page: %s", x->code, o->errmsg);
            x->f.disputes_open = 0;
            unknown = 1;
        }
        if (disputed_fields(o, x->code, &x->f.fields_disputed, x->disputed_names,
                            sizeof x->disputed_names) != SY_OK) {
            sy__logf(o, "disputed fields of %s not read for its page: %s", x->code, o->errmsg);
            x->f.fields_disputed = 0;
            unknown = 1;
        }
        x->f.disputed_names = x->disputed_names;
    }
    json_t *out = json_object();
    for (size_t i = 0; out && i < sizeof ACTIONS / sizeof ACTIONS[0]; i++) {
        sv_life_refusal r;
        char why[256];
        json_t *a = sv_life_offers(&x->f, ACTIONS[i], &r, why, sizeof why) == SV_OK
                        ? json_pack("{s:b}", "allowed", 1)
                        : json_pack("{s:b, s:s, s:s, s:i, s:o, s:s}", "allowed", 0, "reason",
                                    r.reason ? r.reason : "", "state", sv_life_name(r.state),
                                    "count", r.count, "date",
                                    r.date[0] ? json_string(r.date) : json_null(), "why", why);
        if (a && unknown &&
            (strcmp(ACTIONS[i], SV_DECISION_ACCEPT) == 0 ||
             strcmp(ACTIONS[i], SV_DECISION_NOTICE) == 0))
            json_object_set_new(a, "disputes_unknown", json_true());
        if (!a || json_object_set_new(out, ACTIONS[i], a)) {
            json_decref(out);
            out = NULL;
        }
    }
    *offered = out;
    return out ? SY_OK : sy__fail(o, SY_ENOMEM, "out of memory");
}

/* Units (all, or the one coded ONLY, with the decisions it offers) as sy_office_units describes
 * them: a new array, or NULL with *rc set. */
static json_t *units_json(sy_office *o, const char *only, int *rc)
{
    life_rows r;
    *rc = life_refresh(o);
    if (*rc == SY_OK)
        *rc = load_rows(o, only, NULL, &r);
    if (*rc != SY_OK)
        return NULL;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < r.n; i++) {
        const life_row *x = &r.v[i];
        int notice = x->decision && strcmp(x->decision, SV_DECISION_NOTICE) == 0;
        json_t *u = json_object();
        if (!u || json_array_append_new(arr, u)) {
            json_decref(arr);
            arr = NULL;
            break;
        }
        json_object_set_new(u, "code", json_string(x->code));
        json_object_set_new(u, "name", json_string(x->name));
        json_object_set_new(u, "status", json_string(sv_life_name(x->state)));
        json_object_set_new(u, "assign", json_string(x->assign));
        json_object_set_new(u, "last_entry", time_or_null(x->last_time));
        json_object_set_new(u, "open_cases", json_integer(x->open_cases));
        json_object_set_new(u, "note", str_or_null(x->note));
        json_object_set_new(u, "decided_by", str_or_null(x->by));
        json_object_set_new(u, "decided", time_or_null(x->decided));
        json_object_set_new(u, "notice_from", str_or_null(notice ? x->from : NULL));
        json_object_set_new(u, "notice_to", str_or_null(notice ? x->to : NULL));
        json_object_set_new(u, "work_after_decision",
                            json_boolean(sv_life_work_after_decision(&x->f)));
        if (only) {
            json_t *offered;
            *rc = offered_json(o, &r.v[i], &offered);
            if (*rc != SY_OK) {
                json_decref(arr);
                rows_free(&r);
                return NULL;
            }
            json_object_set_new(u, "actions", offered);
        }
    }
    rows_free(&r);
    if (!arr)
        *rc = sy__fail(o, SY_ENOMEM, "out of memory");
    return arr;
}

int sy_office_units(sy_office *o, char **json)
{
    *json = NULL;
    int rc;
    json_t *arr = units_json(o, NULL, &rc);
    return arr ? sy__json_text(o, arr, json) : rc;
}

int sy__unit_state(sy_office *o, const char *code, sv_life *state)
{
    life_rows r;
    int rc = load_rows(o, code, NULL, &r);
    if (rc == SY_OK && r.n == 0)
        rc = SY_ENOTFOUND; /* no message: the caller knows what a missing unit means */
    if (rc == SY_OK)
        *state = r.v[0].state;
    rows_free(&r); /* load_rows clears r first: safe whatever it returned */
    return rc;
}

int sy__office_unit_row(sy_office *o, const char *code, json_t **unit)
{
    *unit = NULL;
    int rc;
    json_t *arr = units_json(o, code, &rc);
    if (!arr)
        return rc;
    *unit = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return *unit ? SY_OK : sy__fail(o, SY_EREFUSED, "no unit %s at this office", code);
}

static int fail_err(sy_office *o, int rc, char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", o->errmsg);
    return rc;
}

/* A note's length by the journal's rule (survey/limits.h), checked before any work. */
static int note_ok(sy_office *o, const char *note)
{
    size_t n = note ? sv_text_chars(note) : 0;
    if (n > SV_LIMIT_TEXT_CHARS)
        return sy__fail(o, SY_EINVAL, "the note has %zu characters; the limit is %u", n,
                        SV_LIMIT_TEXT_CHARS);
    return SY_OK;
}

/* sv_record_decision's failure as the office's: a decision the library refuses is the
 * caller's (400), anything else the office's (500). */
static int decision_failed(sy_office *o, sv_journal *j, int rc)
{
    return sy__fail(o, rc == SV_EINVAL ? SY_EINVAL : SY_EIO, "the office journal: %s",
                    sv_journal_errmsg(j));
}

static int unit_decide(sy_office *o, const char *code, const char *action, const char *by,
                       const char *note, const char *from, const char *to, char *err, size_t errlen,
                       int record)
{
    if (err && errlen)
        err[0] = '\0';
    memset(&o->refusal, 0, sizeof o->refusal);
    int rc = SY_OK;
    if (!code || !*code)
        rc = sy__fail(o, SY_EINVAL, "no unit code given");
    else if (!sy__name_ok(by))
        rc = sy__fail(o, SY_EINVAL, "who decides (--by) must be 1-%d bytes of text",
                      SY_NAME_MAX - 1);
    /* the decision's fields (an objection's statement, the note's length, the dates) are
     * sv_decision_check's, below, once the unit and its state allow the action */
    if (rc == SY_OK)
        rc = life_refresh(o);
    sv_journal *j = NULL;
    if (rc == SY_OK)
        rc = decision_begin(o, &j);
    if (rc != SY_OK)
        return fail_err(o, rc, err, errlen);
    life_rows r = {0};
    rc = load_rows(o, code, NULL, &r);
    if (rc == SY_OK && r.n == 0)
        rc = sy__fail(o, SY_ENOTFOUND, "no unit %s among the office's tasks", code);
    char why[256];
    /* acceptance and notice also ask whether a dispute is still open (read from the replicas:
     * only for these decisions, never for a listing) */
    int asks = action &&
               (strcmp(action, SV_DECISION_ACCEPT) == 0 || strcmp(action, SV_DECISION_NOTICE) == 0);
    if (rc == SY_OK && asks)
        rc = open_disputes(o, code, &r.v[0].f.disputes_open);
    if (rc == SY_OK && asks) {
        life_row *x = &r.v[0];
        rc = disputed_fields(o, code, &x->f.fields_disputed, x->disputed_names,
                             sizeof x->disputed_names);
        x->f.disputed_names = x->disputed_names;
    }
    if (rc == SY_OK &&
        sv_life_check(&r.v[0].f, action, from, to, &o->refusal, why, sizeof why) != SV_OK)
        rc = sy__fail(o, SY_ESTATE, "%s %s refused: %s", action ? action : "?", code, why);
    sv_decision d = {.action = action, .by = by, .unit = code, .note = note};
    if (action && strcmp(action, SV_DECISION_NOTICE) == 0)
        d.from = from, d.to = to;
    if (action && strcmp(action, SV_DECISION_OBJECTION) == 0)
        d.received = from; /* the day it was received in writing (sv_life_check's from) */
    /* the library's rule for the decision's fields, once the unit and its state allow it (an
     * unknown unit is 404, a state that does not allow it 409, before a bad field's 400) */
    if (rc == SY_OK && sv_decision_check(&d, why, sizeof why) != SV_OK)
        rc = sy__fail(o, SY_EINVAL, "%s %s refused: %s", action ? action : "decision", code, why);
    int64_t seq = 0;
    if (rc == SY_OK && record) {
        int drc = sv_record_decision(j, &d, &seq);
        if (drc != SV_OK)
            rc = decision_failed(o, j, drc);
    }
    if (record)
        rc = decision_end(o, j, rc);
    else
        decision_end(o, j, SY_EINVAL); /* a check records nothing: rolled back */
    rows_free(&r);
    if (rc != SY_OK)
        return fail_err(o, rc, err, errlen);
    if (record)
        sy__logf(o, "unit %s: %s by %s (decision %lld)%s%s", code, action, by, (long long)seq,
                 note ? ": " : "", note ? note : "");
    return SY_OK;
}

int sy_office_unit_decide(sy_office *o, const char *code, const char *action, const char *by,
                          const char *note, const char *from, const char *to, char *err,
                          size_t errlen)
{
    return unit_decide(o, code, action, by, note, from, to, err, errlen, 1);
}

int sy_office_unit_check(sy_office *o, const char *code, const char *action, const char *by,
                         const char *note, const char *from, const char *to, char *err,
                         size_t errlen)
{
    return unit_decide(o, code, action, by, note, from, to, err, errlen, 0);
}

/* The lifecycle's answer for a decision on code's record, why (may be NULL) its refusal. */
static int record_check(sy_office *o, const char *code, const char *action, sv_life_refusal *out,
                        char *why, size_t whylen)
{
    life_rows r = {0};
    int rc = load_rows(o, code, NULL, &r);
    int fixed = rc == SY_OK && r.n > 0 &&
                sv_life_check(&r.v[0].f, action, NULL, NULL, out, why, whylen) != SV_OK;
    rows_free(&r);
    return rc != SY_OK ? rc : fixed;
}

int sy__record_fixed(sy_office *o, const char *code, const char *action, sv_life_refusal *why,
                     char *text, size_t textlen)
{
    return record_check(o, code, action, why, text, textlen);
}

/* Whether the unit's county record may change by a decision that changes it without moving
 * the unit (a review's choice, a dispute settled): the lifecycle's rule (sv_life_check: not
 * once the notice has begun). Inside the decision's transaction; fills o->refusal. */
static int record_may_change(sy_office *o, const char *code, const char *action)
{
    char why[320];
    int rc = record_check(o, code, action, &o->refusal, why, sizeof why);
    if (rc == 1)
        rc = sy__fail(o, SY_ESTATE, "%s on unit %s refused: %s", action, code, why);
    return rc;
}

int sy_office_review_decide(sy_office *o, int64_t id, const char *accept, const char *by,
                            const char *note, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    memset(&o->refusal, 0, sizeof o->refusal);
    int rc = SY_OK;
    if (accept && strcmp(accept, "a") != 0 && strcmp(accept, "b") != 0 &&
        strcmp(accept, "neither") != 0)
        rc = sy__fail(o, SY_EINVAL, "the choice must be a, b or neither, not '%s'", accept);
    else if (!sy__name_ok(by))
        rc = sy__fail(o, SY_EINVAL, "who decides (--by) must be 1-%d bytes of text",
                      SY_NAME_MAX - 1);
    else
        rc = note_ok(o, note);
    sv_journal *j = NULL;
    if (rc == SY_OK)
        rc = decision_begin(o, &j);
    if (rc != SY_OK)
        return fail_err(o, rc, err, errlen);
    sqlite3_stmt *st = NULL;
    if (rc == SY_OK)
        rc = sy__prep(o,
                      "SELECT unit, subject, a_device, a_seq, b_device, b_seq, status, other_unit,"
                      " other_subject FROM review WHERE id = ?",
                      &st);
    int64_t seq = 0;
    if (rc == SY_OK) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) != SQLITE_ROW) {
            rc = sy__fail(o, SY_ENOTFOUND, "no review case %lld", (long long)id);
        } else if (strcmp(sy__col_text(st, 6), "open") != 0) {
            rc = sy__fail(o, SY_ESTATE, "review case %lld is not open (it is %s)", (long long)id,
                          sy__col_text(st, 6));
        } else if (accept &&
                   (rc = record_may_change(o, sy__col_text(st, 0), SV_DECISION_REVIEW)) != SY_OK) {
            /* a choice changes the county record; a case closed with a note alone does not */
        } else if (accept && sqlite3_column_type(st, 7) != SQLITE_NULL &&
                   (rc = record_may_change(o, sy__col_text(st, 7), SV_DECISION_REVIEW)) != SY_OK) {
            /* an edge match moves a point of either unit */
        } else {
            int side = accept && strcmp(accept, "a") == 0   ? 2
                       : accept && strcmp(accept, "b") == 0 ? 4
                                                            : -1;
            sv_decision d = {.action = SV_DECISION_REVIEW,
                             .by = by,
                             .unit = sy__col_text(st, 0),
                             .note = note,
                             .review_case = id,
                             .accept = accept,
                             .subject = sy__col_text(st, 1),
                             .other_unit = (const char *)sqlite3_column_text(st, 7),
                             .other_subject = (const char *)sqlite3_column_text(st, 8),
                             .device_id = side > 0 ? sy__col_text(st, side) : NULL,
                             .entry_seq = side > 0 ? sqlite3_column_int64(st, side + 1) : 0};
            int drc = sv_record_decision(j, &d, &seq);
            if (drc != SV_OK)
                rc = decision_failed(o, j, drc);
        }
        sqlite3_finalize(st);
    }
    rc = decision_end(o, j, rc); /* indexing the decision resolves the case */
    if (rc != SY_OK)
        return fail_err(o, rc, err, errlen);
    sy__logf(o, "review case %lld decided by %s: %s (decision %lld)%s%s", (long long)id, by,
             accept ? accept : "closed", (long long)seq, note ? ": " : "", note ? note : "");
    return SY_OK;
}

/* What sy__export_units keeps: the rows the states point into, the parsed unfetched units. */
typedef struct export_units {
    life_rows rows;
    sv_export_status *st;
    sv_task_set unfetched;
} export_units;

void sy__export_units_free(sv_export_options *opt, void *keep)
{
    export_units *k = keep;
    if (k) {
        rows_free(&k->rows);
        free(k->st);
        sv_task_set_clear(&k->unfetched);
        free(k);
    }
    opt->statuses = NULL;
    opt->n_statuses = 0;
    opt->unfetched = NULL;
    opt->n_unfetched = 0;
}

int sy__export_units(sy_office *o, sv_geo *g, sv_export_options *opt, void **keep)
{
    *keep = NULL;
    export_units *k = calloc(1, sizeof *k);
    if (!k)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    int rc = load_rows(o, NULL, NULL, &k->rows);
    if (rc == SY_OK && k->rows.n && !(k->st = calloc(k->rows.n, sizeof *k->st)))
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    for (size_t i = 0; rc == SY_OK && i < k->rows.n; i++) {
        const life_row *x = &k->rows.v[i];
        int noticed = x->state == SV_LIFE_NOTICE || x->state == SV_LIFE_READY;
        k->st[i] = (sv_export_status){.unit = x->code,
                                      .status = sv_life_name(x->state),
                                      .notice_from = noticed ? x->from : NULL,
                                      .notice_to = noticed ? x->to : NULL};
    }
    /* the task units no device has sent anything about (not even its fetch of the task) */
    sqlite3_stmt *st = NULL;
    if (rc == SY_OK && sy__prep(o,
                                "SELECT feature FROM tasks WHERE code NOT IN"
                                " (SELECT unit FROM unit_activity) ORDER BY code",
                                &st))
        rc = SY_EIO;
    json_t *fc =
        rc == SY_OK ? json_pack("{s:s, s:[]}", "type", "FeatureCollection", "features") : NULL;
    if (rc == SY_OK && !fc)
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    while (rc == SY_OK && sqlite3_step(st) == SQLITE_ROW) {
        json_t *f = json_loads(sy__col_text(st, 0), 0, NULL);
        if (f)
            json_array_append_new(json_object_get(fc, "features"), f);
    }
    sqlite3_finalize(st);
    if (rc == SY_OK && json_array_size(json_object_get(fc, "features"))) {
        char *text = json_dumps(fc, JSON_COMPACT);
        sv_diag d = {{0}};
        if (!text)
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
        else if (sv_tasks_parse("the office's tasks", text, strlen(text), g, NULL, &k->unfetched,
                                &d) != SV_OK)
            rc = sy__fail(o, SY_EIO, "the office's task units: %s", d.msg);
        free(text);
    }
    json_decref(fc);
    if (rc != SY_OK) {
        sy__export_units_free(opt, k);
        return rc;
    }
    opt->statuses = k->st;
    opt->n_statuses = k->rows.n;
    opt->unfetched = k->unfetched.units;
    opt->n_unfetched = k->unfetched.n;
    *keep = k;
    return SY_OK;
}

int sy_office_status_for(sy_office *o, const sy_device *dev, char **json)
{
    *json = NULL;
    life_rows r;
    int rc = load_rows(o, NULL, dev, &r);
    if (rc != SY_OK)
        return rc;
    /* A return reaches the device now: what its journal holds at the office so far was
     * recorded before it knew (the tablet's rule, sv_unit_stage_office); the first delivery of
     * each return counts. */
    sqlite3_stmt *st = NULL;
    for (size_t i = 0; rc == SY_OK && i < r.n; i++) {
        const life_row *x = &r.v[i];
        if (x->state != SV_LIFE_RETURNED || !dev->device_id[0])
            continue;
        if (!st && sy__prep(o,
                            "INSERT OR IGNORE INTO return_delivered(unit, device_id, decision_seq,"
                            " seq, time) VALUES (?1, ?2, ?3, coalesce((SELECT seq FROM"
                            " life_indexed WHERE device_id = ?2), 0), ?4)",
                            &st)) {
            rc = SY_EIO;
            break;
        }
        sqlite3_reset(st);
        sy__bind_text(st, 1, x->code);
        sy__bind_text(st, 2, dev->device_id);
        sqlite3_bind_int64(st, 3, x->decided_seq);
        sqlite3_bind_int64(st, 4, sv_wall_ms());
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sy__fail_db(o, "return delivered");
    }
    sqlite3_finalize(st);
    if (rc != SY_OK) {
        rows_free(&r);
        return rc;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < r.n; i++) {
        const life_row *x = &r.v[i];
        json_t *item = json_pack("{s:s, s:s, s:o}", "code", x->code, "status",
                                 sv_life_name(x->state), "note", str_or_null(x->note));
        /* this device's disputes of the unit the office settled: the tablet stops counting
         * them as open (sy_unit_office_take) */
        int64_t seqs[SY_UNIT_SETTLED_MAX];
        size_t ns = dev->device_id[0]
                        ? settled_seqs(o, dev->device_id, x->code, seqs, SY_UNIT_SETTLED_MAX)
                        : 0;
        json_t *sd = ns ? json_array() : NULL;
        for (size_t k = 0; sd && k < ns; k++)
            json_array_append_new(sd, json_integer(seqs[k]));
        if (item && sd)
            json_object_set_new(item, "settled_disputes", sd);
        json_array_append_new(arr, item);
    }
    rows_free(&r);
    return sy__json_text(o, arr, json);
}

/* ---- the county record: chosen versions ------------------------------------------------------ */

/* Per choice: unit, subject, chosen device, by, and choice_after's block (NULL unless neither) */
#define CHOICE_STRS 5
/* Per edge match: unit, number, to_unit, to_number, by */
#define EDGE_STRS 5

/*
 * What each device's replica held at office time t (a "neither" decision's): the highest
 * acknowledgement the ingest log gives it by then (every bundle, by network or USB, has its
 * row, written ahead of the apply: office_ingest.c). One block holding the seqs, the pointers
 * and the ids, set into c; *block is what to free. A device absent had sent nothing by then.
 */
static int choice_after(sy_office *o, int64_t t, sv_export_choice *c, char **block)
{
    *block = NULL;
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT device_id, max(acked_seq) FROM ingest_log WHERE time <= ?1"
                 " AND device_id IS NOT NULL AND result IN ('applied', 'duplicate', 'gap')"
                 " GROUP BY device_id ORDER BY device_id",
                 &st))
        return SY_EIO;
    sqlite3_bind_int64(st, 1, t);
    size_t n = 0, cap = 0, text = 0;
    char **ids = NULL;
    int64_t *seqs = NULL;
    int rc = SY_OK, s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char **ni = realloc(ids, cap * sizeof *ni);
            int64_t *ns = ni ? realloc(seqs, cap * sizeof *ns) : NULL;
            if (ni)
                ids = ni;
            if (!ns) {
                rc = sy__fail(o, SY_ENOMEM, "out of memory");
                break;
            }
            seqs = ns;
        }
        if (!(ids[n] = dup_col(st, 0))) {
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
            break;
        }
        seqs[n] = sqlite3_column_int64(st, 1);
        text += strlen(ids[n++]) + 1;
    }
    if (rc == SY_OK && s != SQLITE_DONE)
        rc = sy__fail_db(o, "ingest log");
    sqlite3_finalize(st);
    size_t head = n * (sizeof(int64_t) + sizeof(char *));
    char *b = rc == SY_OK ? malloc(head + text + 1) : NULL;
    if (rc == SY_OK && !b)
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    if (b) {
        int64_t *bs = (int64_t *)(void *)b;
        const char **bp = (const char **)(void *)(b + n * sizeof(int64_t));
        char *bt = b + head;
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(ids[i]) + 1;
            memcpy(bt, ids[i], l);
            bs[i] = seqs[i];
            bp[i] = bt;
            bt += l;
        }
        c->after_known = 1;
        c->after_seq = bs;
        c->after_device = bp;
        c->n_after = n;
        *block = b;
    }
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    free(seqs);
    return rc;
}

int sy__export_choices(sy_office *o, sv_export_options *opt, char ***strs)
{
    opt->choices = NULL;
    opt->n_choices = 0;
    *strs = NULL;
    sqlite3_stmt *st;
    /* Newest first: the export takes the first choice about a point or a unit field (a
     * verification case's subject is the field's name). */
    if (sy__prep(o,
                 "SELECT r.unit, r.subject, d.chosen_device, d.by, d.time,"
                 " r.kind = 'verification' FROM office_decisions d"
                 " JOIN review r ON r.id = d.case_id WHERE d.action = 'review'"
                 " AND d.accept IS NOT NULL AND r.kind IN ('point', 'verification')"
                 " ORDER BY d.seq DESC",
                 &st))
        return SY_EIO;
    sv_export_choice *v = NULL;
    char **s = NULL;
    size_t n = 0;
    int rc = SY_OK;
    while (rc == SY_OK && sqlite3_step(st) == SQLITE_ROW) {
        sv_export_choice *nv = realloc(v, (n + 1) * sizeof *nv);
        char **ns = nv ? realloc(s, (CHOICE_STRS * n + CHOICE_STRS) * sizeof *ns) : NULL;
        if (nv)
            v = nv;
        if (!ns) {
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
            break;
        }
        s = ns;
        for (int k = 0; k < 4; k++)
            s[CHOICE_STRS * n + k] = dup_col(st, k);
        s[CHOICE_STRS * n + 4] = NULL;
        int field = sqlite3_column_int(st, 5);
        v[n] = (sv_export_choice){.unit = s[CHOICE_STRS * n],
                                  .number = field ? NULL : s[CHOICE_STRS * n + 1],
                                  .field = field ? s[CHOICE_STRS * n + 1] : NULL,
                                  .device = s[CHOICE_STRS * n + 2],
                                  .decided_by = s[CHOICE_STRS * n + 3],
                                  .decided_ms = sqlite3_column_int64(st, 4)};
        n++;
        /* "neither" ends with the crews' new work: what each replica held when decided */
        if (!v[n - 1].device)
            rc = choice_after(o, v[n - 1].decided_ms, &v[n - 1], &s[CHOICE_STRS * (n - 1) + 4]);
    }
    sqlite3_finalize(st);
    opt->choices = v;
    opt->n_choices = n;
    opt->edges = NULL;
    opt->n_edges = 0;
    /* Edge matches decided a or b, newest first: which point takes which one's position (the
     * case's unit and subject are its first point, other_unit and other_subject its second).
     * Their strings follow the choices' in s. */
    st = NULL;
    if (rc == SY_OK &&
        sy__prep(o,
                 "SELECT r.other_unit, r.other_subject, r.unit, r.subject, d.by, d.time,"
                 " d.accept = 'b' FROM office_decisions d JOIN review r ON r.id = d.case_id"
                 " WHERE d.action = 'review' AND r.kind = 'edge' AND d.accept IN ('a', 'b')"
                 " AND r.other_unit IS NOT NULL AND r.other_subject IS NOT NULL"
                 " ORDER BY d.seq DESC",
                 &st))
        rc = SY_EIO;
    sv_export_edge *e = NULL;
    size_t ne = 0;
    while (rc == SY_OK && sqlite3_step(st) == SQLITE_ROW) {
        sv_export_edge *nv = realloc(e, (ne + 1) * sizeof *nv);
        if (nv)
            e = nv;
        size_t base = CHOICE_STRS * n + EDGE_STRS * ne;
        char **ns = nv ? realloc(s, (base + EDGE_STRS) * sizeof *ns) : NULL;
        if (!ns) {
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
            break;
        }
        s = ns;
        int b = sqlite3_column_int(st, 6); /* b: the first point takes the second's */
        for (int k = 0; k < 4; k++)
            s[base + k] = dup_col(st, b ? (k + 2) % 4 : k);
        s[base + 4] = dup_col(st, 4);
        e[ne++] = (sv_export_edge){.unit = s[base],
                                   .number = s[base + 1],
                                   .to_unit = s[base + 2],
                                   .to_number = s[base + 3],
                                   .decided_by = s[base + 4],
                                   .decided_ms = sqlite3_column_int64(st, 5)};
    }
    sqlite3_finalize(st);
    opt->edges = e;
    opt->n_edges = ne;
    *strs = s;
    if (rc != SY_OK) { /* freed here: the caller's sy__export_choices_free then frees nothing */
        sy__export_choices_free(opt, s);
        *strs = NULL;
    }
    return rc;
}

void sy__export_choices_free(sv_export_options *opt, char **strs)
{
    for (size_t i = 0; strs && i < CHOICE_STRS * opt->n_choices + EDGE_STRS * opt->n_edges; i++)
        free(strs[i]);
    free(strs);
    free((void *)opt->choices);
    free((void *)opt->edges);
    opt->choices = NULL;
    opt->n_choices = 0;
    opt->edges = NULL;
    opt->n_edges = 0;
}

/* ---- disputes settled at the office ---------------------------------------------------------- */

/* One settle-dispute decision of the office's journal, as the export and the listing need it. */
typedef struct settle_row {
    char *unit, *device, *outcome, *document, *number, *by;
    int64_t dispute_seq, decision_seq, time_ms;
} settle_row;

typedef struct settle_set {
    settle_row *v;
    size_t n;
    int rc;
} settle_set;

static void settle_set_free(settle_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        settle_row *r = &s->v[i];
        free(r->unit), free(r->device), free(r->outcome), free(r->document), free(r->number),
            free(r->by);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

static char *jdup(const json_t *p, const char *key)
{
    const char *v = json_string_value(json_object_get(p, key));
    return strdup(v ? v : "");
}

static int settle_collect(const sv_entry *e, void *vctx)
{
    settle_set *s = vctx;
    if (strcmp(e->kind, "decision") != 0)
        return 0;
    json_t *p = json_loadb(e->payload, e->payload_len, 0, NULL);
    const char *action = p ? json_string_value(json_object_get(p, "action")) : NULL;
    if (!action || strcmp(action, SV_DECISION_SETTLE_DISPUTE) != 0) {
        json_decref(p);
        return 0;
    }
    settle_row *nv = realloc(s->v, (s->n + 1) * sizeof *nv);
    if (!nv) {
        json_decref(p);
        s->rc = SY_ENOMEM;
        return 1;
    }
    s->v = nv;
    settle_row *r = &s->v[s->n++];
    *r = (settle_row){jdup(p, "unit"),
                      jdup(p, "device"),
                      jdup(p, "outcome"),
                      jdup(p, "document"),
                      jdup(p, "number"),
                      jdup(p, "by"),
                      json_integer_value(json_object_get(p, "entry")),
                      e->seq,
                      e->time_ms};
    json_decref(p);
    if (!r->unit || !r->device || !r->outcome || !r->document || !r->number || !r->by) {
        s->rc = SY_ENOMEM;
        return 1;
    }
    return 0;
}

/* Every settle-dispute decision, newest first, read from OFFICE_DB.decisions (none when the
 * office has no journal yet). */
static int settle_load(sy_office *o, settle_set *s)
{
    memset(s, 0, sizeof *s);
    char *p = sy__str_cat(o->path, ".decisions");
    if (!p)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    sv_journal *j = NULL;
    int src = sv_journal_open(p, SV_OPEN_READONLY, &j), rc = SY_OK;
    if (src == SV_OK) {
        if (sv_journal_foreach(j, 1, settle_collect, s) != SV_OK && s->rc == SY_OK)
            rc = sy__fail(o, SY_EIO, "the office journal %s: %s", p, sv_journal_errmsg(j));
        if (s->rc != SY_OK)
            rc = sy__fail(o, s->rc, "out of memory");
    } else if (src != SV_ENOTFOUND) {
        rc = sy__fail(o, SY_EIO, "the office journal %s: %s", p,
                      j ? sv_journal_errmsg(j) : sv_strerror(src));
    }
    sv_journal_close(j);
    free(p);
    for (size_t i = 0; i < s->n / 2; i++) { /* newest first */
        settle_row t = s->v[i];
        s->v[i] = s->v[s->n - 1 - i];
        s->v[s->n - 1 - i] = t;
    }
    if (rc != SY_OK)
        settle_set_free(s);
    return rc;
}

static const settle_row *settle_find(const settle_set *s, const char *device, int64_t seq)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].device, device) == 0 && s->v[i].dispute_seq == seq)
            return &s->v[i];
    return NULL;
}

/* Calls fn for every dispute of unit (NULL: all) in every replica, in registration order; fn
 * returns nonzero to stop. A replica that cannot be read fails the walk, unless listing is set:
 * then fn is called once with d NULL for that device (the reason goes to the office's log), so a
 * listing shows the others and names the device it could not read. */
typedef int (*dispute_fn)(void *ctx, const char *device, const sv_dispute *d);

static int each_dispute(sy_office *o, const char *unit, int listing, dispute_fn fn, void *ctx)
{
    /* one unit's: only the replicas of devices that sent anything about it (unit_activity, kept
     * with every ingest), not every device's */
    sqlite3_stmt *st;
    if (sy__unit_devices(o, unit, &st) != SY_OK)
        return SY_EIO;
    int rc = SY_OK, stop = 0;
    while (rc == SY_OK && !stop && sqlite3_step(st) == SQLITE_ROW) {
        const char *dev = sy__col_text(st, 0);
        sv_journal *j = NULL;
        rc = sy__replica_read(o, dev, &j);
        if (rc != SY_OK && rc != SY_ENOMEM && listing) {
            sy__logf(o, "disputes: the replica of %s cannot be read: %s", dev, o->errmsg);
            rc = SY_OK;
            stop = fn(ctx, dev, NULL);
            continue;
        }
        if (rc != SY_OK || !j)
            continue;
        sv_dispute *d = NULL;
        size_t n = 0;
        int src = sv_state_disputes(j, unit, &d, &n);
        if (src == SV_OK)
            for (size_t i = 0; i < n && !stop; i++)
                stop = fn(ctx, dev, &d[i]);
        else if (src != SV_ENOTFOUND && listing) {
            sy__logf(o, "disputes: the replica of %s: %s", dev, sv_journal_errmsg(j));
            stop = fn(ctx, dev, NULL);
        } else if (src != SV_ENOTFOUND)
            rc = sy__fail(o, SY_EIO, "the replica of %s: %s", dev, sv_journal_errmsg(j));
        sv_disputes_free(d, n);
        sv_journal_close(j);
    }
    sqlite3_finalize(st);
    return rc;
}

typedef struct open_ctx {
    settle_set s;
    int n;
} open_ctx;

static int count_open(void *vctx, const char *device, const sv_dispute *d)
{
    open_ctx *c = vctx;
    c->n += !d->settled && !settle_find(&c->s, device, d->seq);
    return 0;
}

/* How many fields of unit the county record holds as disputed (sv_county_fields, from the
 * replicas of the devices that sent anything about it and the office's choices), their names
 * ", "-separated into names. */
static int disputed_fields(sy_office *o, const char *unit, int *n, char *names, size_t len)
{
    *n = 0;
    names[0] = '\0';
    sv_journal **js;
    size_t nj;
    int rc = sy__replicas_read(o, unit, &js, &nj);
    if (rc != SY_OK)
        return rc;
    sv_export_options opt = {0};
    char **strs = NULL;
    if (rc == SY_OK)
        rc = sy__export_choices(o, &opt, &strs);
    int status[SV_FIELD_COUNT];
    if (rc == SY_OK && sv_county_fields(js, nj, opt.choices, opt.n_choices, unit, status) != SV_OK)
        rc = sy__fail(o, SY_EIO, "the county record of %s could not be read", unit);
    for (int f = 0; rc == SY_OK && f < SV_FIELD_COUNT; f++)
        if (status[f] == SV_VERIFY_DISPUTED) {
            size_t k = strlen(names);
            snprintf(names + k, len - k, "%s%s", k ? ", " : "", sv_field_name((sv_field)f));
            ++*n;
        }
    sy__export_choices_free(&opt, strs);
    sy__replicas_close(js, nj);
    return rc;
}

/* How many of unit's disputes in the replicas are settled neither on site nor at the office. */
static int open_disputes(sy_office *o, const char *unit, int *n)
{
    open_ctx c = {0};
    *n = 0;
    int rc = settle_load(o, &c.s);
    if (rc == SY_OK)
        rc = each_dispute(o, unit, 0, count_open, &c);
    settle_set_free(&c.s);
    if (rc == SY_OK)
        *n = c.n;
    return rc;
}

/* The disputes of a unit with one number, on the device asked for (any when only is NULL):
 * two tablets number their disputes alike (UNIT-ZY and the entry's seq), so a number alone may
 * name several. The first match is kept, and the first still open. */
typedef struct find_ctx {
    const char *number, *only;
    settle_set s;
    int found, open;
    char device[65], open_device[65];
    int64_t seq, open_seq;
    char ids[4][65]; /* the first devices that hold it, for the refusal */
} find_ctx;

static int find_dispute(void *vctx, const char *device, const sv_dispute *d)
{
    find_ctx *c = vctx;
    if (strcmp(d->number, c->number) != 0 || (c->only && strcmp(device, c->only) != 0))
        return 0;
    if (!c->found++) {
        snprintf(c->device, sizeof c->device, "%s", device);
        c->seq = d->seq;
    }
    if (c->found <= 4)
        snprintf(c->ids[c->found - 1], sizeof c->ids[0], "%s", device);
    if (!d->settled && !settle_find(&c->s, device, d->seq) && !c->open++) {
        snprintf(c->open_device, sizeof c->open_device, "%s", device);
        c->open_seq = d->seq;
    }
    return 0;
}

/* The device id of a device named by its id or its name, into out; 0 when there is none. */
static int device_named(sy_office *o, const char *name, char out[65])
{
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sy__prep(o, "SELECT device_id FROM devices WHERE device_id = ?1 OR name = ?1", &st))
        return 0;
    sy__bind_text(st, 1, name);
    if (sqlite3_step(st) == SQLITE_ROW && sy__col_text(st, 0))
        snprintf(out, 65, "%s", sy__col_text(st, 0));
    sqlite3_finalize(st);
    return out[0] != '\0';
}

int sy_office_dispute_settle(sy_office *o, const char *code, const char *dispute,
                             const char *device, const char *by, const char *outcome,
                             const char *document, const char *number, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    memset(&o->refusal, 0, sizeof o->refusal);
    int rc = SY_OK;
    const char *doc = document && strcmp(document, "agreement") == 0 ? SV_SETTLE_DOC_AGREEMENT
                      : document && (strcmp(document, "statement") == 0 ||
                                     strcmp(document, SV_SETTLE_DOC_STATEMENT) == 0)
                          ? SV_SETTLE_DOC_STATEMENT
                          : NULL;
    if (!code || !*code)
        rc = sy__fail(o, SY_EINVAL, "no unit code given");
    else if (!dispute || !*dispute)
        rc = sy__fail(o, SY_EINVAL, "no dispute number given (--dispute)");
    else if (!sy__name_ok(by))
        rc = sy__fail(o, SY_EINVAL, "who decides (--by) must be 1-%d bytes of text",
                      SY_NAME_MAX - 1);
    else if (!outcome || !*outcome)
        rc = sy__fail(o, SY_EINVAL, "a settlement needs its outcome (--outcome)");
    else if (!doc)
        rc = sy__fail(o, SY_EINVAL, "the settling document is agreement or statement, not '%s'",
                      document ? document : "");
    else if (!number || !*number || strlen(number) >= SV_CODE_MAX)
        rc = sy__fail(o, SY_EINVAL, "the settling document's number (--number) must be 1-%d bytes",
                      SV_CODE_MAX - 1);
    else
        rc = note_ok(o, outcome);
    find_ctx f = {.number = dispute};
    char dev_id[65];
    if (rc == SY_OK && device && *device) {
        if (device_named(o, device, dev_id))
            f.only = dev_id;
        else
            rc = sy__fail(o, SY_ENOTFOUND, "no device %s at this office", device);
    }
    if (rc == SY_OK)
        rc = settle_load(o, &f.s);
    if (rc == SY_OK)
        rc = each_dispute(o, code, 0, find_dispute, &f);
    settle_set_free(&f.s);
    if (rc == SY_OK && !f.found)
        rc = sy__fail(o, SY_ENOTFOUND, "unit %s has no dispute %s in %s", code, dispute,
                      f.only ? "that device's replica" : "any device's replica");
    /* several devices recorded a dispute with that number: the one still open, when one alone
     * is; otherwise the caller must say whose (never the first found, silently) */
    if (rc == SY_OK && f.found > 1) {
        if (f.open == 1) {
            snprintf(f.device, sizeof f.device, "%s", f.open_device);
            f.seq = f.open_seq;
        } else {
            char names[300] = "";
            for (int i = 0; i < f.found && i < 4; i++) {
                sy_device dv;
                char st[16];
                size_t k = strlen(names);
                int ok = sy__device_by_id(o, f.ids[i], &dv, st, sizeof st) == SY_OK;
                snprintf(names + k, sizeof names - k, "%s%s", k ? ", " : "",
                         ok && dv.name[0] ? dv.name : f.ids[i]);
            }
            rc = sy__fail(o, SY_ESTATE,
                          "unit %s: %d disputes are numbered %s (recorded by %s%s): say which "
                          "device's is settled",
                          code, f.found, dispute, names, f.found > 4 ? ", ..." : "");
        }
    }
    sv_journal *j = NULL;
    if (rc == SY_OK)
        rc = decision_begin(o, &j);
    if (rc != SY_OK)
        return fail_err(o, rc, err, errlen);
    rc = record_may_change(o, code, SV_DECISION_SETTLE_DISPUTE);
    int64_t seq = 0;
    if (rc == SY_OK) {
        sv_decision d = {.action = SV_DECISION_SETTLE_DISPUTE,
                         .by = by,
                         .unit = code,
                         .device_id = f.device,
                         .entry_seq = f.seq,
                         .outcome = outcome,
                         .document = doc,
                         .number = number};
        int drc = sv_record_decision(j, &d, &seq);
        if (drc != SV_OK)
            rc = decision_failed(o, j, drc);
    }
    /* the settlement may be all the unit lacked on the device that recorded the dispute: its
     * completeness again, in the decision's transaction (a listing never sees one without the
     * other) */
    if (rc == SY_OK)
        rc = index_decisions(o, j);
    if (rc == SY_OK)
        rc = recheck_complete(o, f.device, code);
    rc = decision_end(o, j, rc);
    if (rc != SY_OK)
        return fail_err(o, rc, err, errlen);
    sy__logf(o, "unit %s: dispute %s settled by %s (%s %s, decision %lld): %s", code, dispute, by,
             doc, number, (long long)seq, outcome);
    return SY_OK;
}

/* ---- files kept with units ------------------------------------------------------------------- */

/* Keep the bytes under their hash (once: the same scan attached twice is stored once), committed
 * before the decision that names them is recorded: a decision never names bytes the office
 * lacks, and bytes no decision names (a crash in between) are harmless. */
int sy__attachment_store(sy_office *o, const char *sha, const char *type, const uint8_t *data,
                         size_t len)
{
    sqlite3_stmt *st;
    int rc = sy__prep(o,
                      "INSERT OR IGNORE INTO attachments(sha256, type, bytes, data, added)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
                      &st);
    if (rc != SY_OK)
        return rc;
    sy__bind_text(st, 1, sha);
    sy__bind_text(st, 2, type);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)len);
    sqlite3_bind_blob64(st, 4, data, len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, sv_wall_ms());
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = sy__fail_db(o, "cannot keep the attachment");
    sqlite3_finalize(st);
    return rc;
}

const char *sy_attach_kept_name(const char *name)
{
    const char *base = name ? strrchr(name, '/') : NULL;
    return base ? base + 1 : name;
}

int sy_office_unit_attach(sy_office *o, const char *code, const char *by, const char *what,
                          const char *name, const char *note, const uint8_t *data, size_t len,
                          char sha256_out[65], char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (sha256_out)
        sha256_out[0] = '\0';
    const char *type = data ? sv_attach_type(data, len) : NULL;
    const char *base = sy_attach_kept_name(name);
    int rc = SY_OK;
    sv_life state;
    if (!code || !*code)
        rc = sy__fail(o, SY_EINVAL, "no unit code given");
    else if (!sy__name_ok(by))
        rc = sy__fail(o, SY_EINVAL, "who attaches (--by) must be 1-%d bytes of text",
                      SY_NAME_MAX - 1);
    else if (len == 0)
        rc = sy__fail(o, SY_EINVAL, "the file is empty");
    else if (len > SV_ATTACH_MAX_BYTES)
        rc = sy__fail(o, SY_EINVAL, "the file has %zu bytes; an attachment is at most %u MiB", len,
                      SV_ATTACH_MAX_BYTES / (1024u * 1024u));
    else if (!type)
        rc = sy__fail(o, SY_EINVAL,
                      "the file is not a JPEG, PNG or PDF (a scan or a photo of the paper)");
    else
        rc = note_ok(o, note);
    if (rc == SY_OK && (rc = sy__unit_state(o, code, &state)) == SY_ENOTFOUND)
        rc = sy__fail(o, SY_ENOTFOUND, "no unit %s at the office", code);
    uint8_t h[crypto_hash_sha256_BYTES];
    char sha[65];
    crypto_hash_sha256(h, data ? data : (const uint8_t *)"", data ? len : 0);
    sodium_bin2hex(sha, sizeof sha, h, sizeof h);
    sv_decision d = {.action = SV_DECISION_ATTACH,
                     .by = by,
                     .unit = code,
                     .note = note,
                     .file_sha256 = sha,
                     .file_type = type,
                     .file_bytes = (int64_t)len,
                     .file_name = base,
                     .what = what};
    char why[256];
    /* the decision's own rules (what it is, the name) before anything is written */
    if (rc == SY_OK && sv_decision_check(&d, why, sizeof why) != SV_OK)
        rc = sy__fail(o, SY_EINVAL, "%s", why);
    if (rc == SY_OK)
        rc = sy__attachment_store(o, sha, type, data, len);
    sv_journal *j = NULL;
    if (rc == SY_OK)
        rc = decision_begin(o, &j);
    if (rc != SY_OK)
        return fail_err(o, rc, err, errlen);
    int64_t seq = 0;
    int drc = sv_record_decision(j, &d, &seq);
    if (drc != SV_OK)
        rc = decision_failed(o, j, drc);
    rc = decision_end(o, j, rc);
    if (rc != SY_OK)
        return fail_err(o, rc, err, errlen);
    if (sha256_out)
        memcpy(sha256_out, sha, 65);
    sy__logf(o, "unit %s: %s %s (%s, %zu bytes, sha256 %.16s...) attached by %s (decision %lld)",
             code, what, base, type, len, sha, by, (long long)seq);
    return SY_OK;
}

int sy_office_attachment(sy_office *o, const char *sha256, uint8_t **data, size_t *len,
                         char type[32], char **name)
{
    *data = NULL;
    *len = 0;
    type[0] = '\0';
    if (name)
        *name = NULL;
    size_t n = sha256 ? strlen(sha256) : 0;
    if (n != 64 || strspn(sha256, "0123456789abcdef") != 64)
        return sy__fail(o, SY_EINVAL, "an attachment is named by 64 lowercase hex digits");
    sqlite3_stmt *st;
    /* only bytes a decision names: a file stored by an attach that then failed is not served */
    int rc = sy__prep(o,
                      /* its name: as the latest office decision or crew's entry gave it */
                      "SELECT a.type, a.data, coalesce((SELECT name FROM unit_attachments u"
                      " WHERE u.sha256 = a.sha256 ORDER BY seq DESC LIMIT 1), (SELECT name FROM"
                      " field_attachments f WHERE f.sha256 = a.sha256 ORDER BY time DESC LIMIT 1))"
                      " FROM attachments a WHERE a.sha256 = ?1 AND (EXISTS"
                      " (SELECT 1 FROM unit_attachments u WHERE u.sha256 = a.sha256) OR EXISTS"
                      " (SELECT 1 FROM field_attachments f WHERE f.sha256 = a.sha256))",
                      &st);
    if (rc != SY_OK)
        return rc;
    sy__bind_text(st, 1, sha256);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        size_t b = (size_t)sqlite3_column_bytes(st, 1);
        uint8_t *p = malloc(b ? b : 1);
        if (!p) {
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
        } else {
            if (b)
                memcpy(p, sqlite3_column_blob(st, 1), b);
            snprintf(type, 32, "%s", sy__col_text(st, 0));
            *data = p;
            *len = b;
            if (name && sqlite3_column_text(st, 2))
                *name = strdup(sy__col_text(st, 2)); /* none without memory: no name given */
        }
    } else if (step == SQLITE_DONE) {
        rc = sy__fail(o, SY_ENOTFOUND, "no attachment %.16s... at the office", sha256);
    } else {
        rc = sy__fail_db(o, "cannot read the attachment");
    }
    sqlite3_finalize(st);
    return rc;
}

typedef struct list_ctx {
    json_t *arr;
    const settle_set *s;
} list_ctx;

static int list_dispute(void *vctx, const char *device, const sv_dispute *d)
{
    list_ctx *c = vctx;
    if (!d) {
        /* a replica that could not be read: its disputes are unknown, and the listing says so */
        json_t *o = json_pack("{s:n, s:n, s:s, s:s, s:s}", "unit", "number", "device", device,
                              "state", "replica_unreadable", "error", "replica_unreadable");
        return !o || json_array_append_new(c->arr, o) != 0;
    }
    const settle_row *t = settle_find(c->s, device, d->seq);
    const char *state = t ? "settled_at_office" : d->settled ? "settled_on_site" : "open";
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:s}", "unit", d->unit, "number",
                  d->number, "device", device, "seq", (json_int_t)d->seq, "parties",
                  str_or_null(d->parties), "statement", str_or_null(d->statement), "from",
                  str_or_null(d->from), "to", str_or_null(d->to), "state", state);
    if (!o)
        return 1;
    json_object_set_new(o, "agreement_no",
                        str_or_null(d->agreement_no[0] ? d->agreement_no : NULL));
    if (t) {
        json_object_set_new(o, "outcome", json_string(t->outcome));
        json_object_set_new(o, "document", json_string(t->document));
        json_object_set_new(o, "document_no", json_string(t->number));
        json_object_set_new(o, "decided_by", json_string(t->by));
        json_object_set_new(o, "decided", time_or_null(t->time_ms));
    }
    json_array_append_new(c->arr, o);
    return 0;
}

int sy_office_disputes(sy_office *o, char **json)
{
    *json = NULL;
    settle_set s;
    int rc = settle_load(o, &s);
    if (rc != SY_OK)
        return rc;
    list_ctx c = {json_array(), &s};
    if (!c.arr)
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    if (rc == SY_OK)
        rc = each_dispute(o, NULL, 1, list_dispute, &c);
    settle_set_free(&s);
    /* "device" is the device's id (kept for scripts); people know a tablet by its name */
    sqlite3_stmt *st = NULL;
    if (rc == SY_OK && sy__prep(o, "SELECT name, crew FROM devices WHERE device_id = ?1", &st))
        rc = SY_EIO;
    size_t i;
    json_t *d;
    json_array_foreach(c.arr, i, d)
    {
        if (rc != SY_OK)
            break;
        sqlite3_reset(st);
        sy__bind_text(st, 1, json_string_value(json_object_get(d, "device")));
        int found = sqlite3_step(st) == SQLITE_ROW;
        const char *name = found ? sy__col_text(st, 0) : NULL;
        const char *crew = found ? sy__col_text(st, 1) : NULL;
        json_object_set_new(d, "device_name", str_or_null(name && *name ? name : NULL));
        json_object_set_new(d, "crew", str_or_null(crew && *crew ? crew : NULL));
    }
    sqlite3_finalize(st);
    if (rc != SY_OK) {
        json_decref(c.arr);
        return rc;
    }
    return sy__json_text(o, c.arr, json);
}

int sy__export_settlements(sy_office *o, sv_export_options *opt, void **keep)
{
    opt->settlements = NULL;
    opt->n_settlements = 0;
    *keep = NULL;
    settle_set *s = calloc(1, sizeof *s);
    if (!s)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    int rc = settle_load(o, s);
    sv_export_settlement *v = rc == SY_OK && s->n ? calloc(s->n, sizeof *v) : NULL;
    if (rc == SY_OK && s->n && !v)
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    if (rc != SY_OK) {
        settle_set_free(s);
        free(s);
        return rc;
    }
    for (size_t i = 0; i < s->n; i++)
        v[i] = (sv_export_settlement){s->v[i].device, s->v[i].dispute_seq, s->v[i].document,
                                      s->v[i].number, s->v[i].outcome};
    opt->settlements = v;
    opt->n_settlements = s->n;
    *keep = s;
    return SY_OK;
}

void sy__export_settlements_free(sv_export_options *opt, void *keep)
{
    free((void *)opt->settlements);
    opt->settlements = NULL;
    opt->n_settlements = 0;
    if (keep) {
        settle_set_free(keep);
        free(keep);
    }
}

int sy__notices_load(sy_office *o, const char *only, sv_export_notice **out, size_t *n, void **keep)
{
    *out = NULL;
    *n = 0;
    *keep = NULL;
    life_rows *r = calloc(1, sizeof *r);
    if (!r)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    int rc = life_refresh(o);
    if (rc == SY_OK)
        rc = load_rows(o, only, NULL, r);
    if (rc != SY_OK) {
        free(r);
        return rc;
    }
    sv_export_notice *v = malloc((r->n ? r->n : 1) * sizeof *v);
    if (!v) {
        rows_free(r);
        free(r);
        return sy__fail(o, SY_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].state == SV_LIFE_NOTICE && r->v[i].from && r->v[i].to)
            v[(*n)++] = (sv_export_notice){r->v[i].code, r->v[i].from, r->v[i].to};
    *out = v;
    *keep = r;
    return SY_OK;
}

void sy__notices_free(sv_export_notice *v, void *keep)
{
    free(v);
    if (keep) {
        rows_free(keep);
        free(keep);
    }
}

const sv_life_refusal *sy_office_refusal(const sy_office *o)
{
    return &o->refusal;
}
