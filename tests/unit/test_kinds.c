/*
 * test_kinds.c - the entry-kind registry (survey/kinds.h): every kind a journal holds is a row,
 * rows are consistent with the state tables, and the questions other modules ask of it (the
 * office's county index, void's tables) give the answers the domain needs.
 */
#include "check.h"
#include "journal_int.h"
#include "kinds_int.h"
#include "survey/journal.h"
#include "survey/kinds.h"

#include <sqlite3.h>
#include <string.h>

static int is_state_table(const char *t)
{
    for (size_t i = 0; sv__state_tables[i]; i++)
        if (strcmp(sv__state_tables[i], t) == 0)
            return 1;
    return 0;
}

static void test_rows(void)
{
    const sv_kind_info *k;
    size_t n = 0;
    for (size_t i = 0; (k = sv_kind_at(i)) != NULL; i++, n++) {
        CHECK(k->name && k->name[0]);
        CHECK(sv_kind_find(k->name) == k); /* names are unique: the first row is this one */
        CHECK(k->version >= 1);
        CHECK(k->layers != NULL && k->what && k->what[0]);
        if (k->state_table && !is_state_table(k->state_table)) {
            fprintf(stderr, "kind %s: %s is no state table\n", k->name, k->state_table);
            CHECK(0);
        }
        if (k->flags & SV_KIND_VOIDABLE)
            CHECK(k->state_table != NULL);
        /* every row derives its state: a kind without a function would be kept and ignored */
        CHECK(sv__kind_find(k->name) && sv__kind_find(k->name)->apply != NULL);
    }
    CHECK(n >= 12);
    CHECK(sv_kind_find("no-such-kind") == NULL);
    CHECK(sv_kind_find(NULL) == NULL);
    CHECK(sv_kind_at(n) == NULL);
}

/* What the county index needs to hear about: a device's current points and verifications
 * (and what makes or unmakes them); walking, lines, disputes, attendance, signatures, codes and
 * settings leave it alone. */
static void test_county_index(void)
{
    static const char *const changes[] = {"init", "unit", "point", "verify", "void"};
    static const char *const inert[] = {"vertex", "line", "dispute", "attend",
                                        "sign",   "code", "config"};
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        const sv_kind_info *k = sv_kind_find(changes[i]);
        CHECK(k && (k->flags & SV_KIND_COUNTY_INDEX));
    }
    for (size_t i = 0; i < sizeof inert / sizeof inert[0]; i++) {
        const sv_kind_info *k = sv_kind_find(inert[i]);
        CHECK(k && !(k->flags & SV_KIND_COUNTY_INDEX));
    }
}

/* Every kind in the kept journal fixtures (each schema version's, written by real builds) has
 * its row: a recording call that lost its row would derive nothing. */
static void test_fixtures(const char *dir)
{
    static const char *const files[] = {"journal-v1.db", "journal-v2.db", "journal-v3.db",
                                        "journal-v4.db", "journal-v5.db", "journal-v6.db",
                                        "journal-v7.db", "journal-v8.db"};
    size_t seen = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[1024];
        /* immutable: a read-only open of a WAL journal would still leave -shm/-wal files in
         * the source tree */
        snprintf(path, sizeof path, "file:%s/%s?immutable=1", dir, files[f]);
        sqlite3 *db = NULL;
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
            fprintf(stderr, "cannot open %s\n", path);
            CHECK(0);
            sqlite3_close(db);
            continue;
        }
        sqlite3_stmt *st = NULL;
        CHECK_INT(sqlite3_prepare_v2(db, "SELECT DISTINCT kind FROM entries", -1, &st, NULL),
                  SQLITE_OK);
        while (st && sqlite3_step(st) == SQLITE_ROW) {
            const char *kind = (const char *)sqlite3_column_text(st, 0);
            if (!sv_kind_find(kind)) {
                fprintf(stderr, "%s: kind %s has no registry row\n", files[f], kind);
                CHECK(0);
            }
            seen++;
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    CHECK(seen >= 20);
}

int main(void)
{
    const char *fix = getenv("QJ_FIXTURES");
    test_rows();
    test_county_index();
    test_fixtures(fix ? fix : "tests/fixtures");
    return check_finish();
}
