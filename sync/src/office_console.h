/*
 * office_console.h - the console's server-rendered pages (office_console.c), used by the HTTP
 * server (office_http.c). Private to sync/src.
 *
 * Every page is UTF-8 HTML with no inline script or style (the server's Content-Security-Policy
 * forbids both): styles and any script come from the static files under the assets directory.
 * Every piece of text that is not the page's own is escaped.
 */
#ifndef SYNC_OFFICE_CONSOLE_H
#define SYNC_OFFICE_CONSOLE_H

#include <stddef.h>

#include "sync/office.h"

/* The page's language: Simplified Chinese unless English is asked for. */
typedef enum sy__lang { SY_LANG_ZH = 0, SY_LANG_EN = 1 } sy__lang;

/* The language asked for by ?lang= (wins when "en" or "zh...") or else by Accept-Language (its
 * first tag); either may be NULL. */
sy__lang sy__console_lang(const char *query_lang, const char *accept_language);

/* The login page (error: NULL, "wrong" or "throttled"). Caller frees; NULL when out of memory. */
char *sy__console_login(sy__lang lang, const char *error, const char *next);

/* The overview's table of units: every unit of units_json (the text of a JSON array of objects
 * with code, name, status, assign), with its heading; an HTML fragment that depends on nothing
 * but the listing and the language (the server keeps it with the listing). Caller frees; NULL
 * when out of memory. */
char *sy__console_units_table(sy__lang lang, const char *units_json);

/* The overview: the user, a logout form carrying csrf, and units_table (from
 * sy__console_units_table, inserted as it is). Caller frees; NULL when out of memory. */
char *sy__console_overview(sy__lang lang, const char *office_name, const char *user,
                           const char *role, const char *csrf, int must_change,
                           const char *units_table);

/* A page the console's script (assets/office/console.js) fills from /api/v1: kind "unit" (the
 * unit page of code) or "review" (the review queue). The header, the logout form carrying csrf,
 * the links between the pages, and <main id="app" data-page data-code>. Caller frees; NULL when
 * out of memory. */
char *sy__console_app(sy__lang lang, const char *office_name, const char *user, const char *role,
                      const char *csrf, int must_change, const char *kind, const char *code);

/* An administration page: which is "devices", "tasks", "imagery" or "log" (with the exports),
 * json the text of its listing (GET /api/v1/devices, tasks, imagery, log). Forms and buttons
 * (admin role only) are driven by /static/admin.js, which reads the CSRF token from a meta
 * element. Caller frees; NULL when out of memory. */
char *sy__console_admin(sy__lang lang, const char *which, const char *office_name, const char *user,
                        const char *role, const char *csrf, int must_change, const char *json);

/* Every staff page above takes must_change (sy_session's): the user's password was set by an
 * administrator, and the page asks them, under its header, to choose their own (/account). */

/* A page of the console's own that says why it shows nothing (what: "role", a signed-in user's
 * role (detail) does not open the page; "missing", no such page; "export", an export or a form
 * the browser opened could not be made, detail the office's reason; "csrf", a page's form sent
 * with a stale token: nothing done), with a link to the overview: a browser that follows a
 * link or types a path gets a page in the staff's language, not the API's JSON. Caller frees;
 * NULL when out of memory. */
char *sy__console_error(sy__lang lang, const char *what, const char *detail);

/* text (a device's enrollment token) as a QR code: an SVG document. Caller frees; NULL when
 * text is empty or out of memory (office_qr.c, libqrencode). */
char *sy__console_qr_svg(const char *text);

#endif
