/*
 * office_staff.h - the county office's staff: accounts (Argon2id password hashes), console
 * sessions (random tokens stored hashed, with a CSRF token each), login throttling and the audit
 * log of every staff action. Implemented in sync/src/office_users.c on the office handle of
 * office.h; the tables (users, sessions, login_failures, audit) are created when an office is
 * opened, so an office made by an older build gains them (docs/office.md, "Staff").
 *
 * Never stored: a password, a session token (only its SHA-256). Listings never hold a hash.
 * Threading: as office.h (one thread at a time per handle), except sy_password_verify and
 * sy_password_hash, which use no handle: the server runs them outside its lock.
 */
#ifndef SYNC_OFFICE_STAFF_H
#define SYNC_OFFICE_STAFF_H

#include <stddef.h>
#include <stdint.h>

#include "sync/office.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sy_role {
    SY_ROLE_NONE = 0, /* not logged in */
    SY_ROLE_VIEWER = 1,
    SY_ROLE_REVIEWER = 2,
    SY_ROLE_ADMIN = 3
} sy_role;

const char *sy_role_name(sy_role r);            /* "viewer", ...; "none" */
int sy_role_parse(const char *s, sy_role *out); /* SY_OK or SY_EINVAL */

#define SY_PASSWORD_MIN 10           /* characters (UTF-8 code points) */
#define SY_PASSWORD_MAX 1024         /* characters */
#define SY_SECRET_CHARS 64           /* a session or CSRF token: 32 random bytes, hex */
#define SY_PWHASH_MAX 128            /* an encoded Argon2id hash, NUL included */
#define SY_SESSION_IDLE_S (30 * 60)  /* default idle timeout */
#define SY_SESSION_MAX_S (12 * 3600) /* absolute lifetime of a session */

/* ---- accounts (CLI: quejie-office user ...) ------------------------------------------------ */

/* Add a staff account. by/from name who did it for the audit log (NULL: the command line).
 * Returns SY_OK, SY_EINVAL (bad name, bad role, password too short or long), SY_ESTATE (the
 * name is taken), SY_EIO, SY_ENOMEM. */
int sy_office_user_add(sy_office *o, const char *name, sy_role role, const char *password,
                       const char *by, const char *from);
/* The same with the password hashed already (sy_password_hash, after sy_password_check): the
 * server hashes outside its lock, so that Argon2id never holds up an ingest. */
int sy_office_user_add_hashed(sy_office *o, const char *name, sy_role role, const char *hash,
                              const char *by, const char *from);
/* Set a new password (and enable nothing: a disabled account stays disabled). Ends the user's
 * sessions. SY_ENOTFOUND when there is no such user, SY_EINVAL when the password is refused. */
int sy_office_user_passwd(sy_office *o, const char *name, const char *password, const char *by,
                          const char *from);
int sy_office_user_passwd_hashed(sy_office *o, const char *name, const char *hash, const char *by,
                                 const char *from);
/* Disable an account and end its sessions. SY_ENOTFOUND when there is no such user, SY_ESTATE
 * when it is disabled already. */
int sy_office_user_disable(sy_office *o, const char *name, const char *by, const char *from);
/* Enable a disabled account again (its password as it was; `sy_office_user_passwd` sets a new
 * one). SY_ENOTFOUND when there is no such user, SY_ESTATE when it is not disabled. */
int sy_office_user_enable(sy_office *o, const char *name, const char *by, const char *from);
/* The accounts as a JSON array's text (caller frees): name, role, status (active, disabled),
 * created, last_login. */
int sy_office_users(sy_office *o, char **out);

/* ---- passwords (no handle) ----------------------------------------------------------------- */

/* Whether a password is acceptable (SY_PASSWORD_MIN..SY_PASSWORD_MAX characters, not only
 * spaces): SY_OK, or
 * SY_EINVAL with the reason in err. */
int sy_password_check(const char *password, char *err, size_t errlen);
/* Argon2id with the office's limits (office_users.c). Returns SY_OK, SY_ENOMEM. */
int sy_password_hash(const char *password, char out[SY_PWHASH_MAX]);
/* SY_OK when password matches hash, else SY_EAUTH. *rehash (may be NULL) is set when the hash
 * was made with other limits than today's. */
int sy_password_verify(const char *hash, const char *password, int *rehash);

/* ---- login, in three steps so that Argon2id runs outside the server's lock ------------------ */

typedef struct sy_login {
    char user[SY_NAME_MAX];
    sy_role role;             /* SY_ROLE_NONE for an unknown or disabled account */
    char hash[SY_PWHASH_MAX]; /* the account's hash, or a dummy one (same cost) */
    int64_t retry_after_s;    /* when throttled */
    int must_change;          /* its password was set by an administrator (sy_session's) */
} sy_login;

/* Look up user for a login from address addr at now_ms. Returns SY_OK (l filled),
 * SY_EREFUSED when the account or the address is throttled (l->retry_after_s seconds left). */
int sy_office_login_begin(sy_office *o, const char *user, const char *addr, int64_t now_ms,
                          sy_login *l);
/* A failed login: counted for the account and the address, audited. */
int sy_office_login_failed(sy_office *o, const sy_login *l, const char *addr, int64_t now_ms);
/* A good login: clears the failures, stores new_hash when not NULL (a rehash), starts a session:
 * token and csrf receive the session's secrets (only the token's SHA-256 is stored). */
int sy_office_login_ok(sy_office *o, const sy_login *l, const char *addr, int64_t now_ms,
                       const char *new_hash, char token[SY_SECRET_CHARS + 1],
                       char csrf[SY_SECRET_CHARS + 1]);

/* ---- sessions -------------------------------------------------------------------------------- */

typedef struct sy_session {
    char user[SY_NAME_MAX];
    sy_role role;
    char csrf[SY_SECRET_CHARS + 1];
    int stale;       /* its idle clock is over a minute (a quarter of the idle timeout, when that is
                      * less) old: sy_office_session_touch it */
    int urgent;      /* ... and over half the idle timeout: touch it even if that means waiting */
    int must_change; /* the user's password was set by an administrator: to be changed */
} sy_session;

/* The live session of a token (idle for at most idle_s seconds, younger than max_s, its user
 * active): s filled. SY_EAUTH otherwise. Reads only (a reader handle will do): an expired
 * session is swept at the next login, its idle clock restarted by sy_office_session_touch. */
int sy_office_session(sy_office *o, const char *token, int64_t now_ms, int64_t idle_s,
                      int64_t max_s, sy_session *s);
/* Restart a session's idle clock at now_ms. */
int sy_office_session_touch(sy_office *o, const char *token, int64_t now_ms);
/* End a session (logout). Harmless when there is none. */
int sy_office_session_end(sy_office *o, const char *token);

/* ---- audit ----------------------------------------------------------------------------------- */

/* The audit detail of a unit decision (action as sy_office_unit_decide takes it): its whole
 * note, and for a notice its period first ("FROM – TO: note"), the dates being what was
 * decided. malloc'd (caller frees); NULL when there is none or memory ran out. */
char *sy_audit_decision_detail(const char *action, const char *note, const char *from,
                               const char *to);
/* The audit details of a dispute settled at the office ("dispute NUMBER: OUTCOME (DOCUMENT
 * DOCNO)") and of a file attached to a unit ("WHAT NAME (sha256 FIRST16...)"), as the console
 * reads them back (office_console.c); written into out (truncated to fit). */
void sy_audit_settle_detail(char *out, size_t n, const char *dispute, const char *outcome,
                            const char *document, const char *number);
void sy_audit_attach_detail(char *out, size_t n, const char *what, const char *name,
                            const char *sha256_hex);
/* One staff action: who (NULL: the command line), what (e.g. "unit.return"), on what (may be
 * NULL), a detail (may be NULL), from where (client address; NULL: "local"). */
int sy_office_audit(sy_office *o, const char *who, const char *action, const char *target,
                    const char *detail, const char *from);
/*
 * The rows whose detail has a fixed form, written the same by the console and the command line
 * (who and from as sy_office_audit); detail, when not NULL, receives the detail text (len bytes)
 * for the caller's log line:
 *   tasks.import   target the package's file name, "N units for ASSIGN"
 *   imagery.add    target the imagery, "for ASSIGN, EPSG:N, L levels, T tiles"
 *   review.resolve target the case, "accept a|b|neither[: NOTE]", or "resolved[: NOTE]" (a case
 *                  closed with a note only)
 */
int sy_office_audit_tasks(sy_office *o, const char *who, const char *file, size_t units,
                          const char *assign, const char *from, char *detail, size_t len);
struct sy_imagery_info;
int sy_office_audit_imagery(sy_office *o, const char *who, const struct sy_imagery_info *info,
                            const char *assign, const char *from, char *detail, size_t len);
int sy_office_audit_review(sy_office *o, const char *who, const char *id, const char *accept,
                           const char *note, const char *from);

/* The audit log as a JSON array's text, newest first, at most limit rows (caller frees): id,
 * time, user, action, target, detail, address. */
int sy_office_audit_list(sy_office *o, size_t limit, char **out);

#ifdef __cplusplus
}
#endif
#endif
