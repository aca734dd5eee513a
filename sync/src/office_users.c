/*
 * office_users.c - the office's staff (office_staff.h): accounts with Argon2id password hashes,
 * console sessions, login throttling and the audit log, in the tables users, sessions,
 * login_failures and audit of OFFICE_DB (created on open by sy__staff_schema, so an office made by
 * an older build gains them).
 *
 * It must never store or log a password or a session token (only the token's SHA-256), never
 * hand out a hash in a listing, and never tell an unknown account from a wrong password by its
 * answer or its timing (an unknown account is verified against a dummy hash of the same cost).
 * It knows nothing of HTTP: office_http.c maps its results onto status codes and cookies.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "office_int.h"
#include "survey/clock.h"
#include "survey/limits.h"
#include "survey/model.h"
#include "sync/imagery.h"
#include "sync/office_staff.h"

/*
 * Argon2id limits for a county server (a few cores shared with ingest, a handful of staff):
 * 3 passes over 64 MiB, about 0.15-0.3 s per login on such a machine. The server verifies one
 * password at a time (office_http.c), so 64 connections cannot ask for 4 GiB at once.
 */
#define PWHASH_OPSLIMIT 3ULL
#define PWHASH_MEMLIMIT (64u * 1024u * 1024u)

/* Throttling: an account is locked after ACCOUNT_FAILS failures in a row, an address after
 * ADDRESS_FAILS, for 30 s doubling with each further failure, at most 15 min; a key's failures
 * are forgotten 15 min after its last one. */
#define ACCOUNT_FAILS 5
#define ADDRESS_FAILS 20
#define LOCK_BASE_S 30
#define LOCK_MAX_S (15 * 60)
#define FORGET_MS (15LL * 60 * 1000)

static const char STAFF_SQL[] =
    "CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY,"
    "  role TEXT NOT NULL CHECK (role IN ('viewer', 'reviewer', 'admin')),"
    "  hash TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),"
    "  created INTEGER NOT NULL, last_login INTEGER);"
    "CREATE TABLE IF NOT EXISTS sessions(token_hash TEXT PRIMARY KEY, user TEXT NOT NULL,"
    "  csrf TEXT NOT NULL, address TEXT, created INTEGER NOT NULL, last_seen INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user);"
    "CREATE TABLE IF NOT EXISTS login_failures(key TEXT PRIMARY KEY,"
    "  failures INTEGER NOT NULL, last INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS audit(id INTEGER PRIMARY KEY, time INTEGER NOT NULL, user TEXT,"
    "  action TEXT NOT NULL, target TEXT, detail TEXT, address TEXT);";

/* must_change: the password was set by someone else (an administrator adding the account or
 * giving it a new one): the console asks its owner to choose their own. An office made before
 * gains the column with every account's password taken as its owner's. */
int sy__staff_schema(sy_office *o)
{
    if (sy__exec(o, STAFF_SQL))
        return SY_EIO;
    sqlite3_stmt *probe = NULL;
    int has =
        sqlite3_prepare_v2(o->db, "SELECT must_change FROM users", -1, &probe, NULL) == SQLITE_OK;
    sqlite3_finalize(probe);
    return has ? SY_OK
               : sy__exec(o, "ALTER TABLE users ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0");
}

static const char *const ROLE_NAMES[] = {"none", "viewer", "reviewer", "admin"};

const char *sy_role_name(sy_role r)
{
    return (unsigned)r < sizeof ROLE_NAMES / sizeof ROLE_NAMES[0] ? ROLE_NAMES[r] : "none";
}

int sy_role_parse(const char *s, sy_role *out)
{
    for (int i = SY_ROLE_VIEWER; i <= SY_ROLE_ADMIN; i++)
        if (s && strcmp(s, ROLE_NAMES[i]) == 0) {
            *out = (sy_role)i;
            return SY_OK;
        }
    return SY_EINVAL;
}

static void sha256_hex(const char *s, char out[65])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const uint8_t *)s, strlen(s));
    sodium_bin2hex(out, 65, h, sizeof h);
}

static void random_hex(char out[SY_SECRET_CHARS + 1])
{
    uint8_t b[SY_SECRET_CHARS / 2];
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(out, SY_SECRET_CHARS + 1, b, sizeof b);
    sodium_memzero(b, sizeof b);
}

/* ---- passwords ------------------------------------------------------------------------------ */

int sy_password_hash(const char *password, char out[SY_PWHASH_MAX])
{
    char h[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(h, password, strlen(password), PWHASH_OPSLIMIT, PWHASH_MEMLIMIT) != 0)
        return SY_ENOMEM;
    snprintf(out, SY_PWHASH_MAX, "%s", h);
    return SY_OK;
}

int sy_password_verify(const char *hash, const char *password, int *rehash)
{
    if (rehash)
        *rehash = 0;
    if (!hash || !*hash) {
        /* An unknown account costs what a known one does. */
        char dummy[SY_PWHASH_MAX];
        sy_password_hash(password ? password : "", dummy);
        return SY_EAUTH;
    }
    if (!password || crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
        return SY_EAUTH;
    if (rehash)
        *rehash = crypto_pwhash_str_needs_rehash(hash, PWHASH_OPSLIMIT, PWHASH_MEMLIMIT) != 0;
    return SY_OK;
}

int sy_password_check(const char *password, char *err, size_t errlen)
{
    /* characters, as the message and the page's form count them, not bytes (a password of 8
     * Chinese characters, 24 bytes, passed a minimum of 10) */
    size_t n = password ? sv_text_chars(password) : 0;
    if (n < SY_PASSWORD_MIN)
        snprintf(err, errlen, "the password must have at least %d characters", SY_PASSWORD_MIN);
    else if (n > SY_PASSWORD_MAX)
        snprintf(err, errlen, "the password is longer than %d characters", SY_PASSWORD_MAX);
    else if (sv_text_blank(password))
        snprintf(err, errlen, "the password cannot be nothing but spaces");
    else
        return SY_OK;
    return SY_EINVAL;
}

static int password_ok(sy_office *o, const char *password)
{
    char err[128];
    if (sy_password_check(password, err, sizeof err) != SY_OK)
        return sy__fail(o, SY_EINVAL, "%s", err);
    return SY_OK;
}

/* ---- audit ---------------------------------------------------------------------------------- */

char *sy_audit_decision_detail(const char *action, const char *note, const char *from,
                               const char *to)
{
    int has_note = note && *note;
    if (!(action && strcmp(action, "notice") == 0 && from && to))
        return has_note ? strdup(note) : NULL;
    size_t n = strlen(from) + strlen(to) + (has_note ? strlen(note) : 0) + 16;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s – %s%s%s", from, to, has_note ? ": " : "", has_note ? note : "");
    return out;
}

void sy_audit_settle_detail(char *out, size_t n, const char *dispute, const char *outcome,
                            const char *document, const char *number)
{
    snprintf(out, n, "dispute %s: %s (%s %s)", dispute ? dispute : "", outcome ? outcome : "",
             document ? document : "", number ? number : "");
}

void sy_audit_attach_detail(char *out, size_t n, const char *what, const char *name,
                            const char *sha256_hex)
{
    snprintf(out, n, "%s %s (sha256 %.16s...)", what ? what : "", name ? name : "",
             sha256_hex ? sha256_hex : "");
}

int sy_office_audit(sy_office *o, const char *who, const char *action, const char *target,
                    const char *detail, const char *from)
{
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "INSERT INTO audit(time, user, action, target, detail, address)"
                 " VALUES (?, ?, ?, ?, ?, ?)",
                 &st))
        return SY_EIO;
    sqlite3_bind_int64(st, 1, sv_wall_ms());
    sy__bind_text(st, 2, who ? who : "(command line)");
    sy__bind_text(st, 3, action);
    sy__bind_text(st, 4, target);
    sy__bind_text(st, 5, detail);
    sy__bind_text(st, 6, from ? from : "local");
    int rc = sqlite3_step(st) == SQLITE_DONE ? SY_OK : sy__fail_db(o, "audit log");
    sqlite3_finalize(st);
    return rc;
}

/* detail into the caller's buffer when it gave one, else a local one */
static int audit_fixed(sy_office *o, const char *who, const char *action, const char *target,
                       const char *from, char *detail, size_t len, const char *text)
{
    if (detail && len)
        snprintf(detail, len, "%s", text);
    return sy_office_audit(o, who, action, target, text, from);
}

int sy_office_audit_tasks(sy_office *o, const char *who, const char *file, size_t units,
                          const char *assign, const char *from, char *detail, size_t len)
{
    char text[300];
    snprintf(text, sizeof text, "%zu units for %s", units, assign);
    return audit_fixed(o, who, "tasks.import", file, from, detail, len, text);
}

int sy_office_audit_imagery(sy_office *o, const char *who, const struct sy_imagery_info *info,
                            const char *assign, const char *from, char *detail, size_t len)
{
    char text[300];
    snprintf(text, sizeof text, "for %s, EPSG:%d, %d levels, %lld tiles", assign, info->epsg,
             info->levels, (long long)info->tiles);
    return audit_fixed(o, who, "imagery.add", info->name, from, detail, len, text);
}

int sy_office_audit_review(sy_office *o, const char *who, const char *id, const char *accept,
                           const char *note, const char *from)
{
    char text[600];
    snprintf(text, sizeof text, "%s%s%s%s", accept ? "accept " : "resolved", accept ? accept : "",
             note ? ": " : "", note ? note : "");
    return audit_fixed(o, who, "review.resolve", id, from, NULL, 0, text);
}

int sy_office_audit_list(sy_office *o, size_t limit, char **out)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT id, time, user, action, target, detail, address FROM audit"
                 " ORDER BY id DESC LIMIT ?",
                 &st))
        return SY_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)(limit > INT64_MAX ? INT64_MAX : limit));
    json_t *arr = json_array();
    int s;
    while (arr && (s = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(
            arr, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                           (json_int_t)sqlite3_column_int64(st, 0), "time",
                           sy__col_json_time(st, 1), "user", sy__col_json_str(st, 2), "action",
                           sy__col_json_str(st, 3), "target", sy__col_json_str(st, 4), "detail",
                           sy__col_json_str(st, 5), "address", sy__col_json_str(st, 6)));
    sqlite3_finalize(st);
    return sy__json_text(o, arr, out);
}

/* ---- accounts -------------------------------------------------------------------------------- */

/* Run one statement binding text parameters (NULL-terminated list); *changes its row count. */
static int run(sy_office *o, const char *sql, int *changes, ...)
{
    sqlite3_stmt *st;
    if (sy__prep(o, sql, &st))
        return SY_EIO;
    va_list ap;
    va_start(ap, changes);
    int n = sqlite3_bind_parameter_count(st);
    for (int i = 1; i <= n; i++)
        sy__bind_text(st, i, va_arg(ap, const char *));
    va_end(ap);
    int rc = sqlite3_step(st) == SQLITE_DONE ? SY_OK : sy__fail_db(o, "staff tables");
    sqlite3_finalize(st);
    if (changes)
        *changes = sqlite3_changes(o->db);
    return rc;
}

static int user_exists(sy_office *o, const char *name)
{
    sqlite3_stmt *st;
    if (sy__prep(o, "SELECT 1 FROM users WHERE name = ?", &st))
        return -1;
    sy__bind_text(st, 1, name);
    int r = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return r;
}

/* Whether name is an active administrator and the only one. */
static int last_admin(sy_office *o, const char *name)
{
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT count(*) = 1 AND sum(name = ?) = 1 FROM users WHERE role = 'admin' AND"
                 " status = 'active'",
                 &st))
        return 0;
    sy__bind_text(st, 1, name);
    int r = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return r;
}

/* Whether hash is what sy_password_hash makes (an encoded Argon2id hash). */
static int hash_ok(sy_office *o, const char *hash)
{
    if (hash && strncmp(hash, crypto_pwhash_STRPREFIX, strlen(crypto_pwhash_STRPREFIX)) == 0)
        return 1;
    sy__fail(o, SY_EINVAL, "not an Argon2id password hash");
    return 0;
}

/* What an account to be added must be, before its password is hashed. */
static int user_new_ok(sy_office *o, const char *name, sy_role role)
{
    if (!sy__name_ok(name))
        return sy__fail(o, SY_EINVAL, "the user name must be 1-%d bytes of text, not only spaces",
                        SY_NAME_MAX - 1);
    /* the console addresses an account by its name (/api/v1/users/NAME/...), as a device's */
    if (strchr(name, '/') || strchr(name, '\\') || strstr(name, ".."))
        return sy__fail(o, SY_EINVAL,
                        "a user name with '/', '\\' or '..' cannot be managed in the console: "
                        "choose another");
    if (role < SY_ROLE_VIEWER || role > SY_ROLE_ADMIN)
        return sy__fail(o, SY_EINVAL, "the role must be admin, reviewer or viewer");
    int ex = user_exists(o, name);
    if (ex < 0)
        return SY_EIO;
    if (ex)
        return sy__fail(o, SY_ESTATE, "a user called '%s' exists already", name);
    return SY_OK;
}

int sy_office_user_add(sy_office *o, const char *name, sy_role role, const char *password,
                       const char *by, const char *from)
{
    int rc = user_new_ok(o, name, role);
    if (rc != SY_OK)
        return rc;
    if (password_ok(o, password))
        return SY_EINVAL;
    char hash[SY_PWHASH_MAX];
    if (sy_password_hash(password, hash) != SY_OK)
        return sy__fail(o, SY_ENOMEM, "out of memory hashing the password");
    rc = sy_office_user_add_hashed(o, name, role, hash, by, from);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int sy_office_user_add_hashed(sy_office *o, const char *name, sy_role role, const char *hash,
                              const char *by, const char *from)
{
    int rc = user_new_ok(o, name, role);
    if (rc != SY_OK)
        return rc;
    if (!hash_ok(o, hash))
        return SY_EINVAL;
    char now[32];
    snprintf(now, sizeof now, "%lld", (long long)sv_wall_ms());
    rc = run(o,
             "INSERT INTO users(name, role, hash, status, created, must_change)"
             " VALUES (?, ?, ?, 'active', CAST(? AS INTEGER), 1)",
             NULL, name, sy_role_name(role), hash, now);
    if (rc == SY_OK)
        rc = sy_office_audit(o, by, "user.add", name, sy_role_name(role), from);
    return rc;
}

int sy_office_user_passwd(sy_office *o, const char *name, const char *password, const char *by,
                          const char *from)
{
    int ex = user_exists(o, name);
    if (ex < 0)
        return SY_EIO;
    if (!ex)
        return sy__fail(o, SY_ENOTFOUND, "no user called '%s'", name ? name : "");
    if (password_ok(o, password))
        return SY_EINVAL;
    char hash[SY_PWHASH_MAX];
    if (sy_password_hash(password, hash) != SY_OK)
        return sy__fail(o, SY_ENOMEM, "out of memory hashing the password");
    int rc = sy_office_user_passwd_hashed(o, name, hash, by, from);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int sy_office_user_passwd_hashed(sy_office *o, const char *name, const char *hash, const char *by,
                                 const char *from)
{
    if (!hash_ok(o, hash))
        return SY_EINVAL;
    int n = 0;
    /* a password given by someone else is to be replaced by its owner's own */
    int rc = run(o, "UPDATE users SET hash = ?, must_change = CAST(? AS INTEGER) WHERE name = ?",
                 &n, hash, by && name && strcmp(by, name) == 0 ? "0" : "1", name);
    if (rc == SY_OK && n == 0)
        return sy__fail(o, SY_ENOTFOUND, "no user called '%s'", name ? name : "");
    if (rc == SY_OK)
        rc = run(o, "DELETE FROM sessions WHERE user = ?", NULL, name);
    if (rc == SY_OK)
        rc = sy_office_audit(o, by, "user.passwd", name, NULL, from);
    return rc;
}

int sy_office_user_disable(sy_office *o, const char *name, const char *by, const char *from)
{
    /* never the last active administrator: nobody could manage the county's accounts then (the
     * check inside the update, so that two disabling each other at once cannot both pass) */
    int n = 0;
    int rc = run(o,
                 "UPDATE users SET status = 'disabled' WHERE name = ? AND status = 'active'"
                 " AND (role <> 'admin' OR (SELECT count(*) FROM users WHERE role = 'admin'"
                 "   AND status = 'active') > 1)",
                 &n, name);
    if (rc != SY_OK)
        return rc;
    if (n == 0) {
        if (last_admin(o, name))
            return sy__fail(o, SY_ESTATE,
                            "user '%s' is the last active administrator: add or enable another "
                            "first",
                            name);
        return user_exists(o, name) == 1
                   ? sy__fail(o, SY_ESTATE, "user '%s' is disabled already", name)
                   : sy__fail(o, SY_ENOTFOUND, "no user called '%s'", name ? name : "");
    }
    rc = run(o, "DELETE FROM sessions WHERE user = ?", NULL, name);
    if (rc == SY_OK)
        rc = sy_office_audit(o, by, "user.disable", name, NULL, from);
    return rc;
}

int sy_office_user_enable(sy_office *o, const char *name, const char *by, const char *from)
{
    int n = 0;
    int rc = run(o, "UPDATE users SET status = 'active' WHERE name = ? AND status = 'disabled'", &n,
                 name);
    if (rc != SY_OK)
        return rc;
    if (n == 0)
        return user_exists(o, name) == 1
                   ? sy__fail(o, SY_ESTATE, "user '%s' is not disabled", name)
                   : sy__fail(o, SY_ENOTFOUND, "no user called '%s'", name ? name : "");
    return sy_office_audit(o, by, "user.enable", name, NULL, from);
}

int sy_office_users(sy_office *o, char **out)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT name, role, status, created, last_login, must_change FROM users"
                 " ORDER BY name",
                 &st))
        return SY_EIO;
    json_t *arr = json_array();
    while (arr && sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(
            arr,
            json_pack("{s:o, s:o, s:o, s:o, s:o, s:b}", "name", sy__col_json_str(st, 0), "role",
                      sy__col_json_str(st, 1), "status", sy__col_json_str(st, 2), "created",
                      sy__col_json_time(st, 3), "last_login", sy__col_json_time(st, 4),
                      "must_change_password", sqlite3_column_int(st, 5)));
    sqlite3_finalize(st);
    return sy__json_text(o, arr, out);
}

/* ---- throttling and login ----------------------------------------------------------------- */

/* Seconds a key is still locked at now (0 when it is not). */
static int64_t locked_for(sy_office *o, const char *key, int limit, int64_t now)
{
    sqlite3_stmt *st;
    if (sy__prep(o, "SELECT failures, last FROM login_failures WHERE key = ?", &st))
        return 0;
    sy__bind_text(st, 1, key);
    int64_t left = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(st, 0), last = sqlite3_column_int64(st, 1);
        if (n >= limit && now - last < FORGET_MS) {
            int64_t lock = LOCK_BASE_S;
            for (int64_t i = limit; i < n && lock < LOCK_MAX_S; i++)
                lock *= 2;
            if (lock > LOCK_MAX_S)
                lock = LOCK_MAX_S;
            int64_t until = last + lock * 1000;
            if (until > now)
                left = (until - now + 999) / 1000;
        }
    }
    sqlite3_finalize(st);
    return left;
}

static int count_failure(sy_office *o, const char *key, int64_t now)
{
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "INSERT INTO login_failures(key, failures, last) VALUES (?1, 1, ?2)"
                 " ON CONFLICT(key) DO UPDATE SET failures = CASE WHEN ?2 - last > ?3 THEN 1"
                 " ELSE failures + 1 END, last = ?2",
                 &st))
        return SY_EIO;
    sy__bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, FORGET_MS);
    int rc = sqlite3_step(st) == SQLITE_DONE ? SY_OK : sy__fail_db(o, "login failures");
    sqlite3_finalize(st);
    return rc;
}

int sy_office_login_begin(sy_office *o, const char *user, const char *addr, int64_t now_ms,
                          sy_login *l)
{
    memset(l, 0, sizeof *l);
    snprintf(l->user, sizeof l->user, "%s", user ? user : "");
    /* A name no account can have is kept only as printable text (it goes into the log and the
     * audit table) and looked up as nobody. */
    int valid = sy__name_ok(user);
    for (char *p = l->user; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    sv_utf8_repair(l->user);
    char key[SY_NAME_MAX + 16];
    snprintf(key, sizeof key, "user:%s", l->user);
    int64_t a = locked_for(o, key, ACCOUNT_FAILS, now_ms);
    snprintf(key, sizeof key, "addr:%s", addr ? addr : "?");
    int64_t b = locked_for(o, key, ADDRESS_FAILS, now_ms);
    if (a || b) {
        l->retry_after_s = a > b ? a : b;
        return sy__fail(o, SY_EREFUSED, "too many failed logins: try again in %lld s",
                        (long long)l->retry_after_s);
    }
    if (!valid)
        return SY_OK;
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT role, hash, must_change FROM users WHERE name = ? AND status = 'active'",
                 &st))
        return SY_EIO;
    sy__bind_text(st, 1, l->user);
    if (sqlite3_step(st) == SQLITE_ROW) {
        if (sy_role_parse(sy__col_text(st, 0), &l->role) != SY_OK)
            l->role = SY_ROLE_NONE;
        snprintf(l->hash, sizeof l->hash, "%s", sy__col_text(st, 1));
        l->must_change = sqlite3_column_int(st, 2) != 0;
    }
    sqlite3_finalize(st);
    if (l->role == SY_ROLE_NONE)
        l->hash[0] = '\0';
    return SY_OK;
}

int sy_office_login_failed(sy_office *o, const sy_login *l, const char *addr, int64_t now_ms)
{
    char key[SY_NAME_MAX + 16];
    snprintf(key, sizeof key, "user:%s", l->user);
    int rc = count_failure(o, key, now_ms);
    snprintf(key, sizeof key, "addr:%s", addr ? addr : "?");
    if (rc == SY_OK)
        rc = count_failure(o, key, now_ms);
    if (rc == SY_OK)
        rc = sy_office_audit(o, l->user, "login.failed", NULL, NULL, addr);
    return rc;
}

int sy_office_login_ok(sy_office *o, const sy_login *l, const char *addr, int64_t now_ms,
                       const char *new_hash, char token[SY_SECRET_CHARS + 1],
                       char csrf[SY_SECRET_CHARS + 1])
{
    char key[SY_NAME_MAX + 16], th[65], now[32];
    snprintf(key, sizeof key, "user:%s", l->user);
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    random_hex(token);
    random_hex(csrf);
    sha256_hex(token, th);
    int rc = run(o, "DELETE FROM login_failures WHERE key = ?", NULL, key);
    if (rc == SY_OK && new_hash)
        rc = run(o, "UPDATE users SET hash = ? WHERE name = ?", NULL, new_hash, l->user);
    if (rc == SY_OK)
        rc = run(o, "UPDATE users SET last_login = CAST(? AS INTEGER) WHERE name = ?", NULL, now,
                 l->user);
    /* Sessions long over their lifetime are swept here, at the rare moment a session starts. */
    char old[32];
    snprintf(old, sizeof old, "%lld", (long long)(now_ms - (int64_t)SY_SESSION_MAX_S * 1000 * 2));
    if (rc == SY_OK)
        rc = run(o, "DELETE FROM sessions WHERE created < CAST(? AS INTEGER)", NULL, old);
    if (rc == SY_OK)
        rc = run(o,
                 "INSERT INTO sessions(token_hash, user, csrf, address, created, last_seen)"
                 " VALUES (?, ?, ?, ?, CAST(?5 AS INTEGER), CAST(?5 AS INTEGER))",
                 NULL, th, l->user, csrf, addr, now);
    if (rc == SY_OK)
        rc = sy_office_audit(o, l->user, "login", NULL, sy_role_name(l->role), addr);
    if (rc != SY_OK) {
        sodium_memzero(token, SY_SECRET_CHARS + 1);
        sodium_memzero(csrf, SY_SECRET_CHARS + 1);
    }
    return rc;
}

/* ---- sessions -------------------------------------------------------------------------------- */

static int token_ok(const char *t)
{
    if (!t || strlen(t) != SY_SECRET_CHARS)
        return 0;
    for (size_t i = 0; i < SY_SECRET_CHARS; i++)
        if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
            return 0;
    return 1;
}

int sy_office_session(sy_office *o, const char *token, int64_t now_ms, int64_t idle_s,
                      int64_t max_s, sy_session *s)
{
    memset(s, 0, sizeof *s);
    if (!token_ok(token))
        return sy__fail(o, SY_EAUTH, "no session");
    char th[65];
    sha256_hex(token, th);
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT s.user, u.role, s.csrf, s.created, s.last_seen, u.must_change"
                 " FROM sessions s"
                 " JOIN users u ON u.name = s.user AND u.status = 'active'"
                 " WHERE s.token_hash = ?",
                 &st))
        return SY_EIO;
    sy__bind_text(st, 1, th);
    int found = 0, live = 0;
    int64_t last = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = 1;
        snprintf(s->user, sizeof s->user, "%s", sy__col_text(st, 0));
        if (sy_role_parse(sy__col_text(st, 1), &s->role) != SY_OK)
            s->role = SY_ROLE_NONE;
        snprintf(s->csrf, sizeof s->csrf, "%s", sy__col_text(st, 2));
        int64_t created = sqlite3_column_int64(st, 3);
        last = sqlite3_column_int64(st, 4);
        s->must_change = sqlite3_column_int(st, 5) != 0;
        live = s->role != SY_ROLE_NONE && now_ms - last <= idle_s * 1000 &&
               now_ms - created <= max_s * 1000;
    }
    sqlite3_finalize(st);
    if (!live) {
        memset(s, 0, sizeof *s);
        return sy__fail(o, SY_EAUTH, found ? "the session has expired" : "no session");
    }
    /* The idle clock is written at most once a minute, a page of requests being one write; more
     * often under a short idle timeout, so that the session of someone at work never lapses
     * between two writes (a 1-minute timeout logged out a user active every 25 s). */
    int64_t every = idle_s * 1000 / 4 < 60 * 1000 ? idle_s * 1000 / 4 : 60 * 1000;
    s->stale = now_ms - last >= every;
    s->urgent = now_ms - last >= idle_s * 1000 / 2;
    return SY_OK;
}

int sy_office_session_touch(sy_office *o, const char *token, int64_t now_ms)
{
    if (!token_ok(token))
        return SY_OK;
    char th[65], now[32];
    sha256_hex(token, th);
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    return run(o, "UPDATE sessions SET last_seen = CAST(? AS INTEGER) WHERE token_hash = ?", NULL,
               now, th);
}

int sy_office_session_end(sy_office *o, const char *token)
{
    if (!token_ok(token))
        return SY_OK;
    char th[65];
    sha256_hex(token, th);
    return run(o, "DELETE FROM sessions WHERE token_hash = ?", NULL, th);
}
