/*
 * office_console.c - the console's server-rendered pages (office_console.h): the login page and
 * the overview, in Simplified Chinese or English.
 *
 * It must never put text it did not write into a page unescaped (unit names, codes, user names
 * come from task packages and staff: a unit named <script>...</script> shows as text), never
 * emit inline script or style, and never put a secret in a URL (the CSRF token travels in a
 * form field of a POST).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "office_console.h"

#define PAGE_MAX (8u * 1024u * 1024u)

/* The console's own strings: one row per text, Chinese first. */
typedef enum text_id {
    T_TITLE,
    T_LOGIN,
    T_USER,
    T_PASSWORD,
    T_SUBMIT,
    T_WRONG,
    T_THROTTLED,
    T_OVERVIEW,
    T_SIGNED_IN,
    T_LOGOUT,
    T_CODE,
    T_NAME,
    T_STATUS,
    T_ASSIGN,
    T_NO_UNITS,
    T_UNITS,
    T_WORK_AFTER,
    T_NOT_ALLOWED,
    T_NOT_ALLOWED_WHY,
    T_MISSING,
    T_MISSING_WHY,
    T_TO_OVERVIEW,
    T_MUST_CHANGE,
    T_MUST_CHANGE_LINK,
    T_EXPORT_FAILED,
    T_EXPORT_FAILED_WHY,
    T_STALE,
    T_STALE_WHY,
    T_COUNT
} text_id;

static const char *const TEXT[T_COUNT][2] = {
    [T_TITLE] = {"确界 县级办公室", "Quejie county office"},
    [T_LOGIN] = {"登录", "Log in"},
    [T_USER] = {"用户名", "User"},
    [T_PASSWORD] = {"密码", "Password"},
    [T_SUBMIT] = {"登录", "Log in"},
    [T_WRONG] = {"用户名或密码错误。", "Wrong user or password."},
    [T_THROTTLED] = {"登录失败次数过多，请稍后再试。", "Too many failed logins: try again later."},
    [T_OVERVIEW] = {"总览", "Overview"},
    [T_SIGNED_IN] = {"当前用户", "Signed in as"},
    [T_LOGOUT] = {"退出", "Log out"},
    [T_CODE] = {"登记单元代码", "Unit code"},
    [T_NAME] = {"名称", "Name"},
    [T_STATUS] = {"状态", "Status"},
    [T_ASSIGN] = {"分配给", "Assigned to"},
    [T_NO_UNITS] = {"尚无登记单元。", "No units yet."},
    [T_UNITS] = {"登记单元", "Units"},
    [T_WORK_AFTER] = {"决定后有新外业记录", "new work since the decision"},
    [T_NOT_ALLOWED] = {"无权访问", "Not for your role"},
    [T_NOT_ALLOWED_WHY] = {"此页面只供管理员使用；您的角色是%s。如需使用，请联系本局的系统管理员。",
                           "This page is for administrators; your role is %s. Ask the office's "
                           "administrator if you need it."},
    [T_MISSING] = {"没有这个页面", "No such page"},
    [T_MISSING_WHY] = {"县局控制台没有这个地址的页面。",
                       "The console has no page at this address."},
    [T_TO_OVERVIEW] = {"回到总览", "Back to the overview"},
    [T_MUST_CHANGE] = {"您的密码是管理员设置的初始密码：请改为只有您自己知道的密码。",
                       "Your password was set by an administrator: choose one only you know."},
    [T_MUST_CHANGE_LINK] = {"修改密码", "Change it"},
    [T_EXPORT_FAILED] = {"无法导出", "Nothing to export"},
    [T_EXPORT_FAILED_WHY] = {"县局无法生成这份导出或表格：",
                             "The office cannot make this export: "},
    [T_STALE] = {"页面已过期", "This page has expired"},
    [T_STALE_WHY] = {"这个页面的安全令牌已失效（可能在另一个标签页重新登录过）：操作没有执行。"
                     "请回到总览后再试。",
                     "The page's security token is no longer valid (you may have logged in again "
                     "in another tab): nothing was done. Go back to the overview and try again."},
};

/* Lifecycle states as shown (docs/office.md); an unknown one is shown as it is. */
static const struct {
    const char *status, *zh, *en;
} STATUS[] = {
    {"assigned", "已分配", "assigned"},
    {"in_field", "外业中", "in the field"},
    {"submitted", "已提交", "submitted"},
    {"under_review", "审核中", "under review"},
    {"returned", "已退回", "returned"},
    {"accepted", "已通过", "accepted"},
    {"notice", "公告中", "public notice"},
    {"objection", "异议", "objection"},
    {"ready", "待登记", "ready for registration"},
};

static const char *t(sy__lang lang, text_id id)
{
    return TEXT[id][lang == SY_LANG_EN];
}

sy__lang sy__console_lang(const char *query_lang, const char *accept_language)
{
    if (query_lang && strcmp(query_lang, "en") == 0)
        return SY_LANG_EN;
    if (query_lang && strncmp(query_lang, "zh", 2) == 0)
        return SY_LANG_ZH;
    if (!accept_language)
        return SY_LANG_ZH;
    while (*accept_language == ' ')
        accept_language++;
    return (strncmp(accept_language, "en", 2) == 0 &&
            (accept_language[2] == '\0' || accept_language[2] == '-' || accept_language[2] == ',' ||
             accept_language[2] == ';'))
               ? SY_LANG_EN
               : SY_LANG_ZH;
}

/* ---- building a page ----------------------------------------------------------------------- */

typedef struct page {
    sy_buf b;
    int bad;
    const char *me;  /* the signed-in user (the admin pages'), for rows about their own account */
    int must_change; /* ... whose password an administrator set (admin_head says so) */
} page;

static void raw(page *p, const char *s)
{
    if (!p->bad && sy_buf_append(&p->b, s, strlen(s)) != SY_OK)
        p->bad = 1;
}

/* Text into an element or a quoted attribute value. */
static void esc(page *p, const char *s)
{
    for (; s && *s; s++) {
        const char *e = NULL;
        switch (*s) {
        case '&':
            e = "&amp;";
            break;
        case '<':
            e = "&lt;";
            break;
        case '>':
            e = "&gt;";
            break;
        case '"':
            e = "&quot;";
            break;
        case '\'':
            e = "&#39;";
            break;
        default:
            break;
        }
        if (e)
            raw(p, e);
        else if (!p->bad && sy_buf_append(&p->b, s, 1) != SY_OK)
            p->bad = 1;
    }
}

static void head(page *p, sy__lang lang, const char *title)
{
    raw(p, "<!DOCTYPE html>\n<html lang=\"");
    raw(p, lang == SY_LANG_EN ? "en" : "zh-CN");
    raw(p, "\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<link rel=\"stylesheet\" href=\"/static/console.css\">"
           "<link rel=\"icon\" href=\"/static/favicon.svg\">"
           "<noscript><link rel=\"stylesheet\" href=\"/static/noscript.css\"></noscript><title>");
    esc(p, title);
    raw(p, " - ");
    esc(p, t(lang, T_TITLE));
    raw(p, "</title></head>\n<body>\n");
}

/* A code of a listing (a device's state, an ingest's result and path, a role) and its words. */
typedef struct code_word {
    const char *code, *zh, *en;
} code_word;

static const code_word ROLES[] = {{"admin", "管理员", "administrator"},
                                  {"reviewer", "审核员", "reviewer"},
                                  {"viewer", "查看员", "viewer"},
                                  {NULL, NULL, NULL}};

/* A role as the staff's language names it; an unknown one as it is ("-" for none). */
static const char *role_word(sy__lang lang, const char *role)
{
    for (const code_word *w = ROLES; role && w->code; w++)
        if (strcmp(role, w->code) == 0)
            return lang == SY_LANG_EN ? w->en : w->zh;
    return role ? role : "-";
}

/* Who is signed in (the name leads to their account page), and the logout form carrying the
 * session's CSRF token: every staff page. */
static void signed_in(page *p, sy__lang lang, const char *user, const char *role, const char *csrf)
{
    raw(p, "<p>");
    esc(p, t(lang, T_SIGNED_IN));
    raw(p, ": <a class=\"user\" href=\"/account");
    raw(p, lang == SY_LANG_EN ? "?lang=en" : "");
    raw(p, "\">");
    esc(p, user);
    raw(p, "</a> (");
    esc(p, role_word(lang, role)); /* as the staff's language names it */
    raw(p, ")</p><form method=\"post\" action=\"/logout");
    /* the login page it leads to speaks the page's language */
    raw(p, lang == SY_LANG_EN ? "?lang=en" : "");
    raw(p, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
    esc(p, csrf);
    raw(p, "\"><button type=\"submit\">");
    esc(p, t(lang, T_LOGOUT));
    raw(p, "</button></form>");
}

/* Under the header of every staff page while the user's password is one an administrator set:
 * a request to choose their own, with the way to the account page. */
static void must_change_note(page *p, sy__lang lang, int must_change)
{
    if (!must_change)
        return;
    raw(p, "<p id=\"must-change\" class=\"warn\">");
    esc(p, t(lang, T_MUST_CHANGE));
    raw(p, " <a href=\"/account");
    raw(p, lang == SY_LANG_EN ? "?lang=en" : "");
    raw(p, "\">");
    esc(p, t(lang, T_MUST_CHANGE_LINK));
    raw(p, "</a></p>\n");
}

/* The text built so far, NUL-terminated (caller frees), or NULL when out of memory. */
static char *fragment(page *p)
{
    if (!p->bad && sy_buf_append(&p->b, "", 1) != SY_OK)
        p->bad = 1;
    if (p->bad) {
        sy_buf_free(&p->b);
        return NULL;
    }
    return (char *)p->b.data;
}

static char *done(page *p)
{
    raw(p, "</body></html>\n");
    return fragment(p);
}

char *sy__console_error(sy__lang lang, const char *what, const char *detail)
{
    int export = what && strcmp(what, "export") == 0;
    int stale = what && strcmp(what, "csrf") == 0;
    int missing = !export && !stale && (!what || strcmp(what, "role") != 0);
    text_id title = export    ? T_EXPORT_FAILED
                    : stale   ? T_STALE
                    : missing ? T_MISSING
                              : T_NOT_ALLOWED;
    page p = {{NULL, 0, 0, PAGE_MAX}, 0};
    head(&p, lang, t(lang, title));
    raw(&p, "<main class=\"login\" id=\"error-page\"><h1>");
    esc(&p, t(lang, title));
    raw(&p, "</h1>\n<p class=\"error\">");
    if (export) { /* the office's reason, as the library says it (the common ones in Chinese) */
        esc(&p, t(lang, T_EXPORT_FAILED_WHY));
        char unit[128] = "", zh[400] = "";
        const char *d = detail ? detail : "", *u;
        if (lang != SY_LANG_EN && sscanf(d, "unit %127s", unit) == 1 &&
            strncmp(d + 5 + strlen(unit), " is not in public notice", 24) == 0)
            snprintf(zh, sizeof zh, "登记单元 %s 未在公告期：请先在单元页面设定公告期", unit);
        else if (lang != SY_LANG_EN && strncmp(d, "no unit is in public notice", 27) == 0)
            snprintf(zh, sizeof zh, "目前没有处于公告期的登记单元");
        else if (lang != SY_LANG_EN && (u = strstr(d, ": unit ")) &&
                 sscanf(u, ": unit %127s", unit) == 1 && strstr(d, "is not at this office"))
            snprintf(zh, sizeof zh, "县局没有登记单元 %s（任务包里没有，也没有设备报送过）", unit);
        else if (lang != SY_LANG_EN && (u = strstr(d, ": unit ")) &&
                 sscanf(u, ": unit %127[^:]", unit) == 1 && strstr(d, "no crew has sent"))
            snprintf(zh, sizeof zh, "登记单元 %s 还没有作业组报送任何成果", unit);
        esc(&p, zh[0] ? zh : d);
    } else if (stale) {
        esc(&p, t(lang, T_STALE_WHY));
    } else if (missing) {
        esc(&p, t(lang, T_MISSING_WHY));
    } else {
        const char *shown = role_word(lang, detail);
        /* the sentence's one %s is the role; everything from outside goes through esc */
        const char *s = t(lang, T_NOT_ALLOWED_WHY), *at = strstr(s, "%s");
        char before[256];
        size_t n = at ? (size_t)(at - s) : strlen(s);
        snprintf(before, sizeof before, "%.*s", (int)n, s);
        esc(&p, before);
        if (at) {
            esc(&p, shown);
            esc(&p, at + 2);
        }
    }
    raw(&p, "</p>\n<p><a href=\"/");
    raw(&p, lang == SY_LANG_EN ? "?lang=en" : "");
    raw(&p, "\">");
    esc(&p, t(lang, T_TO_OVERVIEW));
    raw(&p, "</a></p></main>\n");
    return done(&p);
}

char *sy__console_login(sy__lang lang, const char *error, const char *next)
{
    page p = {{NULL, 0, 0, PAGE_MAX}, 0};
    head(&p, lang, t(lang, T_LOGIN));
    raw(&p, "<main class=\"login\"><h1>");
    esc(&p, t(lang, T_TITLE));
    raw(&p, "</h1>\n");
    if (error) {
        raw(&p, "<p class=\"error\" role=\"alert\">");
        esc(&p, t(lang, strcmp(error, "throttled") == 0 ? T_THROTTLED : T_WRONG));
        raw(&p, "</p>\n");
    }
    raw(&p, "<form method=\"post\" action=\"/login");
    raw(&p, lang == SY_LANG_EN ? "?lang=en" : "");
    raw(&p, "\">\n");
    if (next && *next) { /* the page the staff member was on when the session ended */
        raw(&p, "<input type=\"hidden\" name=\"next\" value=\"");
        esc(&p, next);
        raw(&p, "\">\n");
    }
    raw(&p, "<label>");
    esc(&p, t(lang, T_USER));
    raw(&p, " <input name=\"user\" autocomplete=\"username\" required></label>\n<label>");
    esc(&p, t(lang, T_PASSWORD));
    raw(&p, " <input name=\"password\" type=\"password\" autocomplete=\"current-password\" "
            "required></label>\n<button type=\"submit\">");
    esc(&p, t(lang, T_SUBMIT));
    raw(&p, "</button>\n</form></main>\n");
    return done(&p);
}

static const char *status_text(sy__lang lang, const char *s)
{
    for (size_t i = 0; i < sizeof STATUS / sizeof STATUS[0]; i++)
        if (strcmp(STATUS[i].status, s) == 0)
            return lang == SY_LANG_EN ? STATUS[i].en : STATUS[i].zh;
    return s;
}

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* ---- the pages the console's script fills (overview map, unit page, review queue) ---------- */

typedef enum app_text_id {
    P_NAV_OVERVIEW,
    P_NAV_REVIEW,
    P_UNIT,
    P_REVIEW,
    P_LOADING,
    P_NEEDS_SCRIPT,
    P_COUNT
} app_text_id;

static const char *const APP_TEXT[P_COUNT][2] = {
    [P_NAV_OVERVIEW] = {"总览", "Overview"},
    [P_NAV_REVIEW] = {"审核队列", "Review queue"},
    [P_UNIT] = {"登记单元", "Unit"},
    [P_REVIEW] = {"审核队列", "Review queue"},
    [P_LOADING] = {"正在加载……", "Loading..."},
    [P_NEEDS_SCRIPT] = {"这个页面由浏览器的脚本（JavaScript）显示：请在浏览器中启用脚本。",
                        "This page is drawn by the browser's script (JavaScript): enable it."},
};

static const char *pt(sy__lang lang, app_text_id id)
{
    return APP_TEXT[id][lang == SY_LANG_EN];
}

/* A path segment, percent-encoded (RFC 3986 unreserved characters kept) and then escaped. */
static void esc_segment(page *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)s; c && *c; c++) {
        char one[4] = {(char)*c, 0, 0, 0};
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '.' || *c == '_' || *c == '~')) {
            one[0] = '%';
            one[1] = hex[*c >> 4];
            one[2] = hex[*c & 15];
        }
        raw(p, one);
    }
}

static void site_nav(page *p, sy__lang lang, const char *role);

/* Leaflet (Debian's, served by the office) and the console's script: files, never inline. */
static void app_scripts(page *p)
{
    raw(p, "<link rel=\"stylesheet\" href=\"/static/leaflet/leaflet.css\">\n"
           "<script src=\"/static/leaflet/leaflet.js\"></script>\n"
           "<script src=\"/static/imagery.js\"></script>\n"
           "<script src=\"/static/errors.js\"></script>\n"
           "<script src=\"/static/pager.js\"></script>\n"
           "<script src=\"/static/console.js\"></script>\n");
}

char *sy__console_app(sy__lang lang, const char *office_name, const char *user, const char *role,
                      const char *csrf, int must_change, const char *kind, const char *code)
{
    int unit = strcmp(kind, "unit") == 0;
    const char *title = unit ? pt(lang, P_UNIT) : pt(lang, P_REVIEW);
    page p = {{NULL, 0, 0, PAGE_MAX}, 0};
    head(&p, lang, title);
    raw(&p, "<header><h1>");
    esc(&p, office_name);
    raw(&p, " · ");
    esc(&p, title);
    raw(&p, "</h1>");
    site_nav(&p, lang, role); /* one header on every page: the admin pages' */
    signed_in(&p, lang, user, role, csrf);
    raw(&p, "</header>\n");
    must_change_note(&p, lang, must_change);
    raw(&p, "<main id=\"app\" data-page=\"");
    raw(&p, unit ? "unit" : "review");
    raw(&p, "\" data-code=\"");
    esc(&p, unit && code ? code : "");
    raw(&p, "\"><h2>");
    esc(&p, title);
    if (unit) {
        raw(&p, " <span class=\"code\">");
        esc(&p, code);
        raw(&p, "</span>");
    }
    raw(&p, "</h2>\n<p id=\"loading\">");
    esc(&p, pt(lang, P_LOADING));
    raw(&p, "</p>\n<noscript><p class=\"error\">");
    esc(&p, pt(lang, P_NEEDS_SCRIPT));
    raw(&p, "</p></noscript>\n</main>\n");
    app_scripts(&p);
    return done(&p);
}

/* Rows of a long list (the overview's units, the task units) shown at first (PAGE_ROWS in
 * pager.js, which pages through the rest). */
#define PAGE_ROWS 100

char *sy__console_units_table(sy__lang lang, const char *units_json)
{
    json_t *units = units_json ? json_loads(units_json, 0, NULL) : NULL;
    page p = {{NULL, 0, 0, PAGE_MAX}, 0};
    raw(&p, "<h2>");
    esc(&p, t(lang, T_UNITS));
    raw(&p, "</h2>\n");
    if (json_array_size(units) == 0) {
        raw(&p, "<p>");
        esc(&p, t(lang, T_NO_UNITS));
        raw(&p, "</p>\n");
    } else {
        raw(&p, "<table class=\"units\"><thead><tr>");
        static const text_id cols[] = {T_CODE, T_NAME, T_STATUS, T_ASSIGN};
        for (size_t i = 0; i < 4; i++) {
            raw(&p, "<th>");
            esc(&p, t(lang, cols[i]));
            raw(&p, "</th>");
        }
        raw(&p, "</tr></thead>\n<tbody>\n");
        size_t i;
        const json_t *u;
        json_array_foreach(units, i, u)
        {
            const char *st = jstr(u, "status");
            raw(&p, "<tr class=\"status-");
            /* the class is one of the known states or nothing: never outside text */
            raw(&p, status_text(SY_LANG_EN, st) == st ? "other" : st);
            /* every unit is on the page, the first page of them shown: the browser lays out a
             * page of rows, not a county's thousands (pager.js pages and filters them all;
             * without script, noscript.css shows every row) */
            raw(&p, i < PAGE_ROWS ? "\">" : "\" hidden>");
            raw(&p, "<td class=\"code\"><a href=\"/unit/");
            esc_segment(&p, jstr(u, "code"));
            raw(&p, lang == SY_LANG_EN ? "?lang=en\">" : "\">");
            esc(&p, jstr(u, "code"));
            raw(&p, "</a></td><td class=\"name\">");
            esc(&p, jstr(u, "name"));
            raw(&p, "</td><td>");
            esc(&p, status_text(lang, st));
            if (json_is_true(json_object_get(u, "work_after_decision"))) {
                raw(&p, " <span class=\"work-after\">");
                esc(&p, t(lang, T_WORK_AFTER));
                raw(&p, "</span>");
            }
            raw(&p, "</td><td>");
            esc(&p, jstr(u, "assign"));
            raw(&p, "</td></tr>\n");
        }
        raw(&p, "</tbody></table>\n");
    }
    json_decref(units);
    return fragment(&p);
}

char *sy__console_overview(sy__lang lang, const char *office_name, const char *user,
                           const char *role, const char *csrf, int must_change,
                           const char *units_table)
{
    page p = {{NULL, 0, 0, PAGE_MAX}, 0};
    head(&p, lang, t(lang, T_OVERVIEW));
    raw(&p, "<header><h1>");
    esc(&p, office_name);
    raw(&p, " · ");
    esc(&p, t(lang, T_OVERVIEW));
    raw(&p, "</h1>");
    site_nav(&p, lang, role); /* one header on every page: the admin pages' */
    signed_in(&p, lang, user, role, csrf);
    raw(&p, "</header>\n");
    must_change_note(&p, lang, must_change);
    raw(&p, "<section id=\"overview\" data-page=\"overview\"></section>\n");
    raw(&p, "<main>");
    raw(&p, units_table);
    raw(&p, "</main>\n");
    app_scripts(&p);
    return done(&p);
}

/* ---- the administrator's pages: devices, tasks, imagery, the ingest log and exports ---------- */

/* Their own strings (kept apart from TEXT so that the pages of other sections merge cleanly). */
typedef enum admin_text {
    A_DEVICES,
    A_TASKS,
    A_IMAGERY,
    A_LOG,
    A_CREW,
    A_DEVICE_STATUS,
    A_LAST_SYNC,
    A_LAST_CONTACT,
    A_ENTRIES,
    A_REGISTER,
    A_REVOKE,
    A_TOKEN_ONCE,
    A_CODE,
    A_ASSIGN,
    A_IMPORTED,
    A_FILE,
    A_UPLOAD,
    A_EPSG,
    A_LEVELS,
    A_TILES,
    A_BYTES,
    A_ADDED,
    A_REMOVE,
    A_TIME,
    A_VIA,
    A_DEVICE,
    A_RESULT,
    A_APPLIED,
    A_REASON,
    A_EXPORT,
    A_INGEST_LOG,
    A_NONE,
    A_WORKING,
    A_DONE,
    A_NAME,
    A_SYNC_TILING,
    A_JOBS,
    A_JOB_QUEUED,
    A_JOB_RUNNING,
    A_JOB_DONE,
    A_JOB_FAILED,
    A_MSG_IMPORTED,
    A_NOBODY,
    A_MARGIN,
    A_WHOLE,
    A_REASSIGN,
    A_REACH,
    A_FILTER,
    A_USERS,
    A_AUDIT,
    A_ADD_USER,
    A_USER,
    A_ROLE,
    A_PASSWORD,
    A_CREATED,
    A_LAST_LOGIN,
    A_DISABLE,
    A_ENABLE,
    A_SET_PASSWORD,
    A_NEW_PASSWORD_FOR,
    A_CANCEL,
    A_PASSWORD_HINT,
    A_ACTION,
    A_TARGET,
    A_DETAIL,
    A_ADDRESS,
    A_AUDIT_NOTE,
    A_ACCOUNT,
    A_CURRENT_PASSWORD,
    A_NEW_PASSWORD,
    A_REPEAT_PASSWORD,
    A_CHANGE_PASSWORD,
    A_PASSWORD_CHANGED,
    A_PASSWORDS_DIFFER,
    A_DISPUTES,
    A_UNIT,
    A_DISPUTE_NO,
    A_PARTIES,
    A_STATEMENT,
    A_LINE_FROM,
    A_LINE_TO,
    A_SETTLED_BY,
    A_OUTCOME,
    A_DISPUTES_NOTE,
    A_NO_BACKUP,
    A_LAST_BACKUP,
    A_HOURS_AGO,
    A_BACKUP_STALE,
    A_NO_BACKUP_STAFF,
    A_BACKUP_STALE_STAFF,
    A_OWN_ACCOUNT,
    A_COUNT
} admin_text;

static const char *const ATEXT[A_COUNT][2] = {
    [A_DEVICES] = {"设备", "Devices"},
    [A_TASKS] = {"任务", "Tasks"},
    [A_IMAGERY] = {"影像", "Imagery"},
    [A_LOG] = {"接收日志与导出", "Ingest log and exports"},
    [A_CREW] = {"作业组", "Crew"},
    [A_DEVICE_STATUS] = {"状态", "Status"},
    [A_LAST_SYNC] = {"上次收到数据", "Last data received"},
    [A_LAST_CONTACT] = {"最近联系", "Last contact"},
    [A_ENTRIES] = {"条目数", "Entries"},
    [A_REGISTER] = {"登记设备", "Register a device"},
    [A_REVOKE] = {"吊销", "Revoke"},
    [A_TOKEN_ONCE] = {"一次性注册令牌（仅显示这一次，请用平板扫描二维码）：",
                      "One-time enrollment token (shown only now; scan the QR code with the "
                      "tablet):"},
    [A_CODE] = {"登记单元代码", "Unit code"},
    [A_ASSIGN] = {"分配给", "Assigned to"},
    [A_IMPORTED] = {"导入时间", "Imported"},
    [A_FILE] = {"文件", "File"},
    [A_UPLOAD] = {"上传", "Upload"},
    [A_EPSG] = {"坐标系 EPSG", "EPSG"},
    [A_LEVELS] = {"层级", "Levels"},
    [A_TILES] = {"瓦片数", "Tiles"},
    [A_BYTES] = {"字节", "Bytes"},
    [A_ADDED] = {"添加时间", "Added"},
    [A_REMOVE] = {"删除", "Remove"},
    [A_TIME] = {"时间", "Time"},
    [A_VIA] = {"途径", "Via"},
    [A_DEVICE] = {"设备", "Device"},
    [A_RESULT] = {"结果", "Result"},
    [A_APPLIED] = {"应用条目", "Applied"},
    [A_REASON] = {"原因", "Reason"},
    [A_EXPORT] = {"导出全县成果", "Export the county record"},
    [A_INGEST_LOG] = {"接收日志", "Ingest log"},
    [A_NONE] = {"暂无。", "None yet."},
    [A_WORKING] = {"处理中…", "Working…"},
    [A_DONE] = {"完成。", "Done."},
    [A_MSG_IMPORTED] = {"已导入 {n} 个登记单元，分配给 {assign}。",
                        "Imported {n} units, assigned to {assign}."},
    [A_FILTER] = {"查找（任意一栏中的文字）：", "Find (text in any column):"},
    [A_NOBODY] = {"注意：还没有名为 {assign} 的设备或作业组，请检查是否写错。",
                  "Note: no registered device or crew is called {assign} (yet): check for a typo."},
    [A_NAME] = {"名称", "Name"},
    [A_MARGIN] = {"平板只接收登记单元外扩（米）以内的部分",
                  "Tablets get what lies within (metres) of their units"},
    [A_WHOLE] = {"整幅下发给每台平板", "Send it whole to every tablet"},
    [A_REASSIGN] = {"允许把已开始作业的单元改派给这个作业组（原作业组的平板将不再有这些单元）",
                    "Move units a crew has begun to this one (their tablets lose them)"},
    [A_REACH] = {"下发范围", "Sent to tablets"},
    [A_SYNC_TILING] = {"上传后县局在后台切片，本页显示进度；大影像需要几分钟。",
                       "The office tiles the upload in the background and this page follows it; "
                       "a large raster takes minutes."},
    [A_JOBS] = {"切片任务", "Tiling jobs"},
    [A_JOB_QUEUED] = {"排队中", "queued"},
    [A_JOB_RUNNING] = {"切片中", "tiling"},
    [A_JOB_DONE] = {"已完成", "done"},
    [A_JOB_FAILED] = {"失败", "failed"},
    [A_USERS] = {"用户", "Users"},
    [A_AUDIT] = {"操作审计", "Audit log"},
    [A_ADD_USER] = {"添加用户", "Add a user"},
    [A_USER] = {"用户名", "User"},
    [A_ROLE] = {"角色", "Role"},
    [A_PASSWORD] = {"初始密码", "Initial password"},
    [A_CREATED] = {"创建时间", "Created"},
    [A_LAST_LOGIN] = {"上次登录", "Last login"},
    [A_DISABLE] = {"停用", "Disable"},
    [A_ENABLE] = {"启用", "Enable"},
    [A_SET_PASSWORD] = {"设置新密码", "Set a new password"},
    [A_NEW_PASSWORD_FOR] = {"为该用户设置新密码（其已登录的会话将被结束）：",
                            "A new password for this user (their sessions are ended):"},
    [A_CANCEL] = {"取消", "Cancel"},
    [A_PASSWORD_HINT] = {"至少 10 个字符。请当面或通过电话告知本人，不要用短信或邮件发送。",
                         "At least 10 characters. Tell it to the person face to face or by "
                         "phone, never by message or mail."},
    [A_ACTION] = {"操作", "Action"},
    [A_TARGET] = {"对象", "On"},
    [A_DETAIL] = {"详情", "Detail"},
    [A_ADDRESS] = {"来源地址", "From"},
    [A_ACCOUNT] = {"我的账户", "My account"},
    [A_CURRENT_PASSWORD] = {"当前密码", "Current password"},
    [A_NEW_PASSWORD] = {"新密码", "New password"},
    [A_REPEAT_PASSWORD] = {"再次输入新密码", "New password again"},
    [A_CHANGE_PASSWORD] = {"更改密码", "Change the password"},
    [A_PASSWORD_CHANGED] = {"密码已更改，所有会话已结束：请用新密码重新登录。",
                            "The password is changed and every session ended: log in with the "
                            "new one."},
    [A_PASSWORDS_DIFFER] = {"两次输入的新密码不一致。", "The two new passwords differ."},
    [A_DISPUTES] = {"权属争议", "Disputes"},
    [A_UNIT] = {"登记单元", "Unit"},
    [A_DISPUTE_NO] = {"争议编号", "Dispute"},
    [A_PARTIES] = {"争议各方", "Parties"},
    [A_STATEMENT] = {"争议内容", "Statement"},
    [A_LINE_FROM] = {"界线起点", "Line from"},
    [A_LINE_TO] = {"界线终点", "Line to"},
    [A_SETTLED_BY] = {"调处文书编号", "Settling document"},
    [A_OUTCOME] = {"调处结果", "Outcome"},
    [A_DISPUTES_NOTE] = {"作业组记录的每一个权属争议；未解决的争议会阻止该单元通过审核。在单元页上"
                         "可凭权属界线协议书或权属争议原由书在局内调处。",
                         "Every ownership dispute the crews recorded; an open one keeps its unit "
                         "from being accepted. Settle one at the office on its unit's page, with "
                         "a boundary agreement or a dispute statement."},
    [A_NO_BACKUP] = {"这个县局还没有备份：请启用每夜备份（quejie-office backup，见 office.md "
                     "的“备份与恢复”）。",
                     "This office has never been backed up: set up the nightly backup "
                     "(quejie-office backup; office.md, \"Backup and restore\")."},
    [A_NO_BACKUP_STAFF] = {"这个县局还没有备份：请告知系统管理员。",
                           "This office has never been backed up: tell its administrator."},
    [A_BACKUP_STALE_STAFF] = {"已超过两天没有备份：请告知系统管理员。",
                              "No backup for over two days: tell the office's administrator."},
    [A_OWN_ACCOUNT] = {"（本人账户）", "(your account)"},
    [A_LAST_BACKUP] = {"上次备份：", "Last backup:"},
    [A_HOURS_AGO] = {" 小时前", " hours ago"},
    [A_BACKUP_STALE] =
        {"已超过两天没有备份：请检查每夜备份（systemctl status quejie-office-backup）。",
         "No backup for over two days: check the nightly backup (systemctl status "
         "quejie-office-backup)."},
    [A_AUDIT_NOTE] =
        {"最近 500 条，最新在前；在县局服务器上用命令行的操作记为“（命令行）”，来源“本机”。",
         "The latest 500, newest first; actions on the command line are by "
         "\"(command line)\" from local."},
};

static const char *at(sy__lang lang, admin_text id)
{
    return ATEXT[id][lang == SY_LANG_EN];
}

static const code_word DEVICE_STATES[] = {{"pending", "待注册", "pending"},
                                          {"enrolled", "已注册", "enrolled"},
                                          {"revoked", "已吊销", "revoked"},
                                          {NULL, NULL, NULL}};
static const code_word INGEST_RESULTS[] = {{"applied", "已接收", "applied"},
                                           {"duplicate", "已有（重复发送）", "duplicate"},
                                           {"gap", "不连续（缺少前面的记录）", "gap"},
                                           {"refused", "已拒绝", "refused"},
                                           {"applying", "接收中", "applying"},
                                           {"interrupted", "中断（未接收）", "interrupted"},
                                           {NULL, NULL, NULL}};
static const code_word USER_STATES[] = {
    {"active", "正常", "active"}, {"disabled", "已停用", "disabled"}, {NULL, NULL, NULL}};
static const code_word DISPUTE_STATES[] = {
    {"open", "未解决", "open"},
    {"settled_on_site", "现场已调处", "settled on site"},
    {"settled_at_office", "局内已处理", "settled at the office"},
    {"replica_unreadable", "副本无法读取", "replica unreadable"},
    {NULL, NULL, NULL}};
static const code_word AUDIT_ACTIONS[] = {{"login", "登录", "login"},
                                          {"login.failed", "登录失败", "failed login"},
                                          {"logout", "退出", "logout"},
                                          {"user.add", "添加用户", "user added"},
                                          {"user.passwd", "设置密码", "password set"},
                                          {"user.disable", "停用用户", "user disabled"},
                                          {"user.enable", "启用用户", "user enabled"},
                                          {"unit.return", "退回单元", "unit returned"},
                                          {"unit.accept", "通过单元", "unit accepted"},
                                          {"unit.notice", "公告", "public notice"},
                                          {"unit.objection", "登记异议", "objection"},
                                          {"review.resolve", "审核决定", "review decided"},
                                          {"dispute.settle", "解决权属争议", "dispute settled"},
                                          {"unit.attach", "添加附件", "file attached"},
                                          {"device.add", "登记设备", "device registered"},
                                          {"device.revoke", "吊销设备", "device revoked"},
                                          {"device.restore", "恢复设备", "device restored"},
                                          {"tasks.import", "导入任务", "tasks imported"},
                                          {"imagery.add", "添加影像", "imagery added"},
                                          {"imagery.remove", "删除影像", "imagery removed"},
                                          {"export", "导出成果", "export"},
                                          {NULL, NULL, NULL}};
static const code_word INGEST_PATHS[] = {
    {"http", "网络同步", "network"}, {"file", "文件（U 盘）", "file (USB)"}, {NULL, NULL, NULL}};

typedef struct column {
    const char *key;
    admin_text title;
    const code_word *words; /* the value is a code shown by these words (NULL: as it is) */
    const char *link;       /* the value links to this prefix + the value (a unit's page) */
} column;

/* A JSON value as a cell's text: strings escaped, numbers printed, anything else empty. */
/* A UTC time as the API gives it (YYYY-MM-DDTHH:MM:SS[.sss]Z) in the office's local time, as
 * its staff read their clocks, with the UTC value kept in the element; 0 when s is no such
 * time. */
static int local_time(page *p, const char *s)
{
    struct tm t = {0};
    int n = 0;
    if (strlen(s) < 20 || s[strlen(s) - 1] != 'Z' ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour,
               &t.tm_min, &t.tm_sec, &n) != 6 ||
        (s[n] != 'Z' && s[n] != '.'))
        return 0;
    t.tm_year -= 1900;
    t.tm_mon -= 1;
    time_t secs = timegm(&t);
    struct tm lt;
    char out[32];
    if (secs == (time_t)-1 || !localtime_r(&secs, &lt) ||
        strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S", &lt) == 0)
        return 0;
    raw(p, "<time datetime=\"");
    esc(p, s);
    raw(p, "\">");
    raw(p, out);
    raw(p, "</time>");
    return 1;
}

static void cell(page *p, const json_t *v)
{
    char num[48];
    if (json_is_string(v) && local_time(p, json_string_value(v)))
        return;
    if (json_is_string(v))
        esc(p, json_string_value(v));
    else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        raw(p, num);
    } else if (json_is_real(v)) {
        snprintf(num, sizeof num, "%g", json_real_value(v));
        raw(p, num);
    }
}

/* A code as its words in the page's language (a code the table lacks as it is), else cell(). */
static void cell_words(page *p, sy__lang lang, const json_t *v, const code_word *words)
{
    const char *c = json_string_value(v);
    for (const code_word *w = words; c && w && w->code; w++)
        if (strcmp(w->code, c) == 0) {
            esc(p, lang == SY_LANG_EN ? w->en : w->zh);
            return;
        }
    cell(p, v);
}

/* A row's button for admin.js: data-action names what it does, data-name the row's "name". */
static void row_button(page *p, sy__lang lang, const json_t *r, const char *action, admin_text text)
{
    raw(p, "<button type=\"button\" class=\"row-action\" data-action=\"");
    raw(p, action);
    raw(p, "\" data-name=\"");
    esc(p, jstr(r, "name"));
    raw(p, "\">");
    esc(p, at(lang, text));
    raw(p, "</button>");
}

/* The actions cell of a row of a table (an administrator's): nothing more to do with a revoked
 * device; an account is disabled or enabled, and given a new password. */
typedef void (*row_actions)(page *p, sy__lang lang, const json_t *row);

static void device_actions(page *p, sy__lang lang, const json_t *r)
{
    const char *status = jstr(r, "status");
    if (!status || strcmp(status, "revoked") != 0)
        row_button(p, lang, r, "revoke", A_REVOKE);
}

static void imagery_actions(page *p, sy__lang lang, const json_t *r)
{
    row_button(p, lang, r, "remove", A_REMOVE);
}

static void user_actions(page *p, sy__lang lang, const json_t *r)
{
    const char *status = jstr(r, "status"), *name = jstr(r, "name");
    /* nobody disables their own account (the server refuses it too: another administrator
     * does it, so an office is never left without one) */
    if (p->me && name && strcmp(p->me, name) == 0) {
        raw(p, "<span class=\"own\">");
        esc(p, at(lang, A_OWN_ACCOUNT));
        raw(p, "</span>");
    } else if (status && strcmp(status, "disabled") == 0)
        row_button(p, lang, r, "enable", A_ENABLE);
    else
        row_button(p, lang, r, "disable", A_DISABLE);
    raw(p, " ");
    row_button(p, lang, r, "passwd", A_SET_PASSWORD);
}

/* rows (a JSON array of objects) as a table of cols; with actions (NULL: none), a cell of
 * buttons per row. */
/* ---- the logs' English details, in Chinese ------------------------------------------------
 *
 * The audit log and the ingest log keep what the office wrote (English: the CLI and county
 * scripts read it); a Chinese page words the details this build writes in Chinese, and shows
 * any other detail (an older office's, a library message it does not know) as it is. */

static void set_text(json_t *row, const char *key, const char *text)
{
    json_object_set_new(row, key, json_string(text)); /* NULL (not UTF-8): the old value goes */
}

/* What an attachment is (sy_attach_what's codes), in the words of the forms. */
static const code_word ATTACH_WHAT[] = {
    {"signed_form", "指界签章表（签字页）", "signed form"},
    {"agreement", "权属界线协议书", "agreement"},
    {"dispute_statement", "权属争议原由书", "dispute statement"},
    {"notice", "公告", "notice"},
    {"photo", "照片", "photo"},
    {"other", "其他", "other"},
    {NULL, NULL, NULL}};
static const code_word EXPORT_WHAT[] = {{"forms", "界址调查表格", "forms"},
                                        {"notice", "公告", "notice"},
                                        {"gpkg", "GeoPackage", "gpkg"},
                                        {"geojson", "GeoJSON", "geojson"},
                                        {"csv", "CSV", "csv"},
                                        {"shp", "Shapefile", "shp"},
                                        {NULL, NULL, NULL}};

static const char *word_zh(const code_word *w, const char *code)
{
    for (; code && w->code; w++)
        if (strcmp(w->code, code) == 0)
            return w->zh;
    return NULL;
}

/* A review decision's detail as the office writes it ("accept b: NOTE", "resolved: NOTE"). */
static const code_word REVIEW_CHOICES[] = {
    {"accept a", "采用版本 A", "version A chosen"},
    {"accept b", "采用版本 B", "version B chosen"},
    {"accept neither", "均不采用（重新测量）", "neither version chosen (re-survey)"},
    {"resolved", "已处理", "resolved"},
    {NULL, NULL, NULL}};

/*
 * The audit details both languages word rather than show as codes: a review choice ("accept b:
 * NOTE") and what a file attached is ("signed_form NAME"). 1 when row's detail was set (or the
 * action is one of these and its detail is not as the office writes it: then left as it is).
 */
static int audit_detail_words(json_t *row, const char *action, const char *detail, sy__lang lang)
{
    char t[1200];
    if (strcmp(action, "review.resolve") == 0) {
        const char *note = strstr(detail, ": ");
        for (const code_word *w = REVIEW_CHOICES; w->code; w++)
            if (strncmp(detail, w->code, strlen(w->code)) == 0) {
                snprintf(t, sizeof t, "%s%s%s", lang == SY_LANG_EN ? w->en : w->zh,
                         note ? (lang == SY_LANG_EN ? ": " : "：") : "", note ? note + 2 : "");
                set_text(row, "detail", t);
                break;
            }
        return 1;
    }
    if (strcmp(action, "unit.attach") != 0)
        return 0;
    const char *sp = strchr(detail, ' ');
    for (const code_word *w = ATTACH_WHAT; sp && w->code; w++)
        if (strlen(w->code) == (size_t)(sp - detail) &&
            strncmp(w->code, detail, (size_t)(sp - detail)) == 0) {
            snprintf(t, sizeof t, "%s %s", lang == SY_LANG_EN ? w->en : w->zh, sp + 1);
            set_text(row, "detail", t);
            break;
        }
    return 1;
}

/* The English page: only the details audit_detail_words words (the rest is English already). */
static void audit_en(json_t *row)
{
    const char *action = jstr(row, "action"), *detail = jstr(row, "detail");
    if (action && detail && *detail)
        audit_detail_words(row, action, detail, SY_LANG_EN);
}

static void audit_zh(json_t *row)
{
    const char *action = jstr(row, "action"), *detail = jstr(row, "detail");
    const char *user = jstr(row, "user"), *from = jstr(row, "address");
    const char *target = jstr(row, "target");
    char t[1200];
    if (user && strcmp(user, "(command line)") == 0)
        set_text(row, "user", "（命令行）");
    if (from && strcmp(from, "local") == 0)
        set_text(row, "address", "本机");
    if (!*detail) {
        if (strcmp(action, "export") == 0 && word_zh(EXPORT_WHAT, target))
            set_text(row, "target", word_zh(EXPORT_WHAT, target));
        return;
    }
    size_t n = 0;
    int e = 0, lv = 0;
    long long tiles = 0;
    char a[600] = "";
    if (strcmp(action, "tasks.import") == 0 &&
        sscanf(detail, "%zu units for %599[^\n]", &n, a) == 2) {
        snprintf(t, sizeof t, "%zu 个登记单元，分配给 %s", n, a);
        set_text(row, "detail", t);
    } else if (strcmp(action, "imagery.add") == 0 &&
               sscanf(detail, "for %599[^,], EPSG:%d, %d levels, %lld tiles", a, &e, &lv, &tiles) ==
                   4) {
        snprintf(t, sizeof t, "分配给 %s，EPSG:%d，%d 级，%lld 个瓦片", a, e, lv, tiles);
        set_text(row, "detail", t);
    } else if (audit_detail_words(row, action, detail, SY_LANG_ZH)) {
        /* a review choice, a file's kind: worded as on the English page */
    } else if (strcmp(action, "dispute.settle") == 0 && strncmp(detail, "dispute ", 8) == 0) {
        /* "dispute NUMBER: OUTCOME (DOCUMENT NUMBER)" */
        const char *colon = strstr(detail, ": "), *open = strrchr(detail, '(');
        size_t dl = strlen(detail);
        if (colon && open && open > colon + 2 && detail[dl - 1] == ')') {
            const char *doc = open + 1;
            const char *sp = memchr(doc, ' ', (size_t)(detail + dl - doc));
            /* the document as given: agreement | statement (CLI, API), dispute-statement */
            int statement =
                strncmp(doc, "dispute-statement", 17) == 0 || strncmp(doc, "statement", 9) == 0;
            snprintf(t, sizeof t, "权属争议 %.*s：%.*s（%s %.*s）", (int)(colon - detail - 8),
                     detail + 8, (int)(open - colon - 3), colon + 2,
                     statement ? "权属争议原由书" : "权属界线协议书",
                     sp ? (int)(detail + dl - 1 - sp - 1) : 0, sp ? sp + 1 : "");
            set_text(row, "detail", t);
        }
    } else if (strcmp(action, "export") == 0 && word_zh(EXPORT_WHAT, target)) {
        set_text(row, "target", word_zh(EXPORT_WHAT, target));
    }
}

/* An ingest's reason as the office words it (office_ingest.c, office.c, bundle.c), in Chinese. */
static void ingest_zh(json_t *row)
{
    const char *r = jstr(row, "reason");
    long long a = 0, b = 0, c = 0;
    char dev[200] = "", t[800];
    t[0] = '\0';
    if (sscanf(r,
               "the bundle starts at entry %lld but the office holds entries up to %lld: "
               "resend from %lld",
               &a, &b, &c) == 3)
        snprintf(t, sizeof t,
                 "数据包从第 %lld 条开始，县局只有到第 %lld 条的记录：请从第 %lld 条重新发送"
                 "（网络同步会自动补发；用 U 盘时：quejie bundle 日志 --output 文件 --from %lld）",
                 a, b, c, c);
    else if (sscanf(r, "FORK: entry %lld of device %199s differs", &a, dev) == 2)
        snprintf(
            t, sizeof t,
            "分叉：设备 %s 的第 %lld 条记录与县局所存不同（平板被复制后继续记录，或数据被篡改），"
            "未接收",
            dev, a);
    else if (sscanf(r, "FORK: the bundle builds on an entry %lld of device %199s that differs", &a,
                    dev) == 2)
        snprintf(t, sizeof t,
                 "分叉：数据包所接续的设备 %s 第 %lld 条记录与县局所存不同（平板被复制后继续记录，"
                 "或数据被篡改），未接收",
                 dev, a);
    else if (strncmp(r, "bundle signature does not verify", 32) == 0)
        snprintf(t, sizeof t, "数据包签名校验失败（内容被改动，或不是该设备的密钥），未接收");
    else if (sscanf(r, "device '%199[^']' is revoked", dev) == 1)
        snprintf(t, sizeof t, "设备 %s 已吊销，未接收", dev);
    else if (strncmp(r, "unknown device ", 15) == 0)
        snprintf(t, sizeof t, "未在本县局注册的设备，未接收");
    else if (strncmp(r, "bundle is sealed for another office", 35) == 0)
        snprintf(t, sizeof t, "数据包是发给另一个县局的，未接收");
    if (t[0])
        set_text(row, "reason", t);
}

static void table(page *p, sy__lang lang, const char *id, const json_t *rows, const column *cols,
                  size_t ncols, row_actions actions)
{
    if (json_array_size(rows) == 0) {
        raw(p, "<p>");
        esc(p, at(lang, A_NONE));
        raw(p, "</p>\n");
        return;
    }
    raw(p, "<table class=\"units\" id=\"");
    raw(p, id);
    raw(p, "\"><thead><tr>");
    for (size_t i = 0; i < ncols; i++) {
        raw(p, "<th>");
        esc(p, at(lang, cols[i].title));
        raw(p, "</th>");
    }
    if (actions)
        raw(p, "<th></th>");
    raw(p, "</tr></thead>\n<tbody>\n");
    size_t i;
    const json_t *r;
    json_array_foreach(rows, i, r)
    {
        /* the first page shown, the rest on the page for admin.js's pager (pager.js) */
        raw(p, i < PAGE_ROWS ? "<tr>" : "<tr hidden>");
        for (size_t k = 0; k < ncols; k++) {
            raw(p, "<td>");
            const char *v = jstr(r, cols[k].key);
            if (cols[k].link && v && *v) {
                raw(p, "<a href=\"");
                raw(p, cols[k].link);
                esc_segment(p, v);
                raw(p, lang == SY_LANG_EN ? "?lang=en\">" : "\">");
                esc(p, v);
                raw(p, "</a>");
            } else {
                cell_words(p, lang, json_object_get(r, cols[k].key), cols[k].words);
            }
            raw(p, "</td>");
        }
        if (actions) {
            raw(p, "<td>");
            actions(p, lang, r);
            raw(p, "</td>");
        }
        raw(p, "</tr>\n");
    }
    raw(p, "</tbody></table>\n");
}

/* Every page of the console, in one navigation (the pages, the review queue and the
 * administration pages; a viewer reads the latter without their forms; the users and the audit
 * log only for an administrator), keeping the language. */
static void site_nav(page *p, sy__lang lang, const char *role)
{
    const char *q = lang == SY_LANG_EN ? "?lang=en" : "";
    raw(p, "<nav><a href=\"/");
    raw(p, q);
    raw(p, "\">");
    esc(p, t(lang, T_OVERVIEW));
    raw(p, "</a> <a href=\"/review");
    raw(p, q);
    raw(p, "\">");
    esc(p, pt(lang, P_NAV_REVIEW));
    raw(p, "</a>");
    static const struct {
        const char *href;
        admin_text text;
    } NAV[] = {{"/disputes", A_DISPUTES}, {"/devices", A_DEVICES}, {"/tasks", A_TASKS},
               {"/imagery", A_IMAGERY},   {"/log", A_LOG},         {"/users", A_USERS},
               {"/audit", A_AUDIT}};
    size_t shown = role && strcmp(role, "admin") == 0 ? sizeof NAV / sizeof NAV[0] : 5;
    for (size_t i = 0; i < shown; i++) {
        raw(p, " <a href=\"");
        raw(p, NAV[i].href);
        raw(p, q);
        raw(p, "\">");
        esc(p, at(lang, NAV[i].text));
        raw(p, "</a>");
    }
    raw(p, "</nav>\n");
}

/* The header of an administration page: title, navigation, user, logout; the CSRF token in a
 * meta element for admin.js (never in a URL). */
static void admin_head(page *p, sy__lang lang, const char *office_name, const char *user,
                       const char *role, const char *csrf, admin_text title)
{
    raw(p, "<!DOCTYPE html>\n<html lang=\"");
    raw(p, lang == SY_LANG_EN ? "en" : "zh-CN");
    raw(p, "\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<meta name=\"csrf-token\" content=\"");
    esc(p, csrf);
    raw(p, "\"><meta name=\"msg-working\" content=\"");
    esc(p, at(lang, A_WORKING));
    raw(p, "\"><meta name=\"msg-done\" content=\"");
    esc(p, at(lang, A_DONE));
    raw(p, "\"><meta name=\"msg-token\" content=\"");
    esc(p, at(lang, A_TOKEN_ONCE));
    raw(p, "\"><meta name=\"msg-imported\" content=\"");
    esc(p, at(lang, A_MSG_IMPORTED));
    raw(p, "\"><meta name=\"msg-nobody\" content=\"");
    esc(p, at(lang, A_NOBODY));
    raw(p, "\"><meta name=\"msg-filter\" content=\"");
    esc(p, at(lang, A_FILTER));
    raw(p, "\"><link rel=\"stylesheet\" href=\"/static/console.css\">"
           "<link rel=\"icon\" href=\"/static/favicon.svg\">"
           "<script src=\"/static/errors.js\" defer></script>"
           "<script src=\"/static/pager.js\" defer></script>"
           "<script src=\"/static/admin.js\" defer></script><title>");
    esc(p, at(lang, title));
    raw(p, " - ");
    esc(p, t(lang, T_TITLE));
    raw(p, "</title></head>\n<body>\n<header><h1>");
    esc(p, office_name);
    raw(p, " · ");
    esc(p, at(lang, title));
    raw(p, "</h1>");
    site_nav(p, lang, role);
    signed_in(p, lang, user, role, csrf);
    raw(p, "</header>\n");
    must_change_note(p, lang, p->must_change);
    raw(p, "<main>\n<p id=\"status\" role=\"status\"></p>\n");
}

static void label_input(page *p, sy__lang lang, admin_text title, const char *name,
                        const char *extra)
{
    raw(p, "<label>");
    esc(p, at(lang, title));
    raw(p, " <input name=\"");
    raw(p, name);
    raw(p, "\"");
    raw(p, extra);
    raw(p, "></label>\n");
}

char *sy__console_admin(sy__lang lang, const char *which, const char *office_name, const char *user,
                        const char *role, const char *csrf, int must_change, const char *json)
{
    json_t *rows = json ? json_loads(json, 0, NULL) : NULL;
    json_t *backup = NULL; /* the log page's: the latest backup, or null */
    if (json_is_object(rows) && json_object_get(rows, "log")) {
        json_t *log = json_incref(json_object_get(rows, "log"));
        backup = json_incref(json_object_get(rows, "last_backup"));
        json_decref(rows);
        rows = log;
    }
    int admin = role && strcmp(role, "admin") == 0;
    page p = {{NULL, 0, 0, PAGE_MAX}, 0, user, must_change};
    if (strcmp(which, "devices") == 0) {
        static const column cols[] = {{"name", A_NAME},
                                      {"crew", A_CREW},
                                      {"status", A_DEVICE_STATUS, DEVICE_STATES},
                                      {"last_contact", A_LAST_CONTACT},
                                      {"last_ingest", A_LAST_SYNC},
                                      {"entries", A_ENTRIES},
                                      {"registered", A_ADDED}};
        admin_head(&p, lang, office_name, user, role, csrf, A_DEVICES);
        if (admin) {
            raw(&p, "<h2>");
            esc(&p, at(lang, A_REGISTER));
            raw(&p, "</h2>\n<form id=\"device-add\">\n");
            label_input(&p, lang, A_NAME, "name", " required maxlength=\"63\"");
            label_input(&p, lang, A_CREW, "crew", " maxlength=\"63\"");
            raw(&p, "<button type=\"submit\">");
            esc(&p, at(lang, A_REGISTER));
            raw(&p, "</button>\n</form>\n<div id=\"token\" hidden><p id=\"token-text\"></p>"
                    "<img id=\"token-qr\" alt=\"QR\" width=\"240\" height=\"240\"></div>\n");
        }
        /* the list in its own box: a device registered here is listed at once (admin.js
         * fetches this page again and takes the box, the token staying on screen) */
        raw(&p, "<section id=\"device-list\"><h2>");
        esc(&p, at(lang, A_DEVICES));
        raw(&p, "</h2>\n");
        table(&p, lang, "devices", rows, cols, sizeof cols / sizeof cols[0],
              admin ? device_actions : NULL);
        raw(&p, "</section>\n");
    } else if (strcmp(which, "tasks") == 0) {
        static const column cols[] = {
            {"code", A_CODE}, {"assign", A_ASSIGN}, {"imported", A_IMPORTED}};
        admin_head(&p, lang, office_name, user, role, csrf, A_TASKS);
        if (admin) {
            raw(&p, "<form id=\"tasks-upload\">\n");
            label_input(&p, lang, A_FILE, "file",
                        " type=\"file\" accept=\".geojson,.json,application/geo+json\" required");
            label_input(&p, lang, A_ASSIGN, "assign", " required maxlength=\"63\"");
            label_input(&p, lang, A_REASSIGN, "reassign", " type=\"checkbox\"");
            raw(&p, "<button type=\"submit\">");
            esc(&p, at(lang, A_UPLOAD));
            raw(&p, "</button>\n</form>\n");
        }
        table(&p, lang, "tasks", rows, cols, sizeof cols / sizeof cols[0], NULL);
    } else if (strcmp(which, "imagery") == 0) {
        static const column cols[] = {
            {"name", A_NAME},   {"assign", A_ASSIGN}, {"epsg", A_EPSG},   {"levels", A_LEVELS},
            {"tiles", A_TILES}, {"bytes", A_BYTES},   {"reach", A_REACH}, {"added", A_ADDED}};
        admin_head(&p, lang, office_name, user, role, csrf, A_IMAGERY);
        /* what a tablet receives, in words: within M metres of its units, or the whole */
        size_t k;
        json_t *r;
        json_array_foreach(rows, k, r)
        {
            const json_t *m = json_object_get(r, "margin_m");
            char reach[96];
            if (json_is_number(m))
                snprintf(reach, sizeof reach,
                         lang == SY_LANG_EN ? "within %.0f m of its units" : "单元外扩 %.0f 米",
                         json_number_value(m));
            else
                snprintf(reach, sizeof reach, "%s", lang == SY_LANG_EN ? "whole" : "整幅");
            json_object_set_new(r, "reach", json_string(reach));
        }
        if (admin) {
            raw(&p, "<form id=\"imagery-upload\">\n");
            label_input(&p, lang, A_FILE, "file", " type=\"file\" accept=\".tif,.tiff\" required");
            label_input(&p, lang, A_NAME, "name", " required maxlength=\"100\"");
            label_input(&p, lang, A_ASSIGN, "assign", " required maxlength=\"63\"");
            label_input(&p, lang, A_MARGIN, "margin",
                        " type=\"number\" min=\"0\" max=\"100000\" step=\"1\" value=\"1000\"");
            label_input(&p, lang, A_WHOLE, "whole", " type=\"checkbox\"");
            raw(&p, "<button type=\"submit\">");
            esc(&p, at(lang, A_UPLOAD));
            raw(&p, "</button>\n<p>");
            esc(&p, at(lang, A_SYNC_TILING));
            raw(&p, "</p></form>\n");
            /* the server's tiling jobs, filled and followed by admin.js (GET
             * /api/v1/imagery/jobs); its words in data attributes, the CSP allowing no inline
             * script */
            static const struct {
                const char *attr;
                admin_text text;
            } JOBW[] = {{"title", A_JOBS},
                        {"queued", A_JOB_QUEUED},
                        {"running", A_JOB_RUNNING},
                        {"done", A_JOB_DONE},
                        {"failed", A_JOB_FAILED}};
            raw(&p, "<section id=\"imagery-jobs\" hidden");
            for (size_t i = 0; i < sizeof JOBW / sizeof JOBW[0]; i++) {
                raw(&p, " data-");
                raw(&p, JOBW[i].attr);
                raw(&p, "=\"");
                esc(&p, at(lang, JOBW[i].text));
                raw(&p, "\"");
            }
            raw(&p, "></section>\n");
        }
        table(&p, lang, "imagery", rows, cols, sizeof cols / sizeof cols[0],
              admin ? imagery_actions : NULL);
    } else if (strcmp(which, "users") == 0) {
        static const column cols[] = {{"name", A_USER},
                                      {"role", A_ROLE, ROLES},
                                      {"status", A_DEVICE_STATUS, USER_STATES},
                                      {"created", A_CREATED},
                                      {"last_login", A_LAST_LOGIN}};
        admin_head(&p, lang, office_name, user, role, csrf, A_USERS);
        raw(&p, "<h2>");
        esc(&p, at(lang, A_ADD_USER));
        raw(&p, "</h2>\n<form id=\"user-add\">\n");
        label_input(&p, lang, A_USER, "name", " required maxlength=\"63\" autocomplete=\"off\"");
        raw(&p, "<label>");
        esc(&p, at(lang, A_ROLE));
        raw(&p, " <select name=\"role\">");
        for (const code_word *w = ROLES; w->code; w++) {
            raw(&p, "<option value=\"");
            raw(&p, w->code);
            raw(&p, strcmp(w->code, "viewer") == 0 ? "\" selected>" : "\">");
            esc(&p, lang == SY_LANG_EN ? w->en : w->zh);
            raw(&p, "</option>");
        }
        raw(&p, "</select></label>\n");
        label_input(&p, lang, A_PASSWORD, "password",
                    " type=\"password\" required minlength=\"10\" maxlength=\"1024\""
                    " autocomplete=\"new-password\"");
        raw(&p, "<button type=\"submit\">");
        esc(&p, at(lang, A_ADD_USER));
        raw(&p, "</button>\n<p>");
        esc(&p, at(lang, A_PASSWORD_HINT));
        raw(&p, "</p>\n</form>\n<form id=\"user-passwd\" hidden>\n<p>");
        esc(&p, at(lang, A_NEW_PASSWORD_FOR));
        raw(&p, " <strong id=\"passwd-for\"></strong></p>\n");
        label_input(&p, lang, A_PASSWORD, "password",
                    " type=\"password\" required minlength=\"10\" maxlength=\"1024\""
                    " autocomplete=\"new-password\"");
        raw(&p, "<button type=\"submit\">");
        esc(&p, at(lang, A_SET_PASSWORD));
        raw(&p, "</button> <button type=\"button\" id=\"passwd-cancel\">");
        esc(&p, at(lang, A_CANCEL));
        raw(&p, "</button>\n</form>\n<h2>");
        esc(&p, at(lang, A_USERS));
        raw(&p, "</h2>\n");
        table(&p, lang, "users", rows, cols, sizeof cols / sizeof cols[0], user_actions);
    } else if (strcmp(which, "account") == 0) {
        /* the user's own account: their role, and their password changed with the current one
         * (any role; an administrator sets another user's on the users page) */
        admin_head(&p, lang, office_name, user, role, csrf, A_ACCOUNT);
        raw(&p, "<dl class=\"facts\"><dt>");
        esc(&p, at(lang, A_USER));
        raw(&p, "</dt><dd id=\"account-user\">");
        esc(&p, user);
        raw(&p, "</dd><dt>");
        esc(&p, at(lang, A_ROLE));
        raw(&p, "</dt><dd>");
        esc(&p, role_word(lang, role));
        raw(&p, "</dd></dl>\n<h2>");
        esc(&p, at(lang, A_CHANGE_PASSWORD));
        raw(&p, "</h2>\n<form id=\"password-change\" data-changed=\"");
        esc(&p, at(lang, A_PASSWORD_CHANGED));
        raw(&p, "\" data-differ=\"");
        esc(&p, at(lang, A_PASSWORDS_DIFFER));
        raw(&p, "\">\n");
        label_input(&p, lang, A_CURRENT_PASSWORD, "current",
                    " type=\"password\" required maxlength=\"1024\""
                    " autocomplete=\"current-password\"");
        label_input(&p, lang, A_NEW_PASSWORD, "password",
                    " type=\"password\" required minlength=\"10\" maxlength=\"1024\""
                    " autocomplete=\"new-password\"");
        label_input(&p, lang, A_REPEAT_PASSWORD, "repeat",
                    " type=\"password\" required minlength=\"10\" maxlength=\"1024\""
                    " autocomplete=\"new-password\"");
        raw(&p, "<button type=\"submit\">");
        esc(&p, at(lang, A_CHANGE_PASSWORD));
        raw(&p, "</button>\n</form>\n");
    } else if (strcmp(which, "disputes") == 0) {
        /* every dispute in the crews' records, the open ones first, with a count per state */
        static const column cols[] = {{"unit", A_UNIT, NULL, "/unit/"},
                                      {"number", A_DISPUTE_NO},
                                      {"state", A_DEVICE_STATUS, DISPUTE_STATES},
                                      {"parties", A_PARTIES},
                                      {"statement", A_STATEMENT},
                                      {"from", A_LINE_FROM},
                                      {"to", A_LINE_TO},
                                      {"document_no", A_SETTLED_BY},
                                      {"outcome", A_OUTCOME},
                                      {"device_name", A_DEVICE}};
        admin_head(&p, lang, office_name, user, role, csrf, A_DISPUTES);
        raw(&p, "<p>");
        esc(&p, at(lang, A_DISPUTES_NOTE));
        raw(&p, "</p>\n<ul class=\"legend\" id=\"dispute-counts\">");
        json_t *sorted = json_array();
        for (const code_word *w = DISPUTE_STATES; w->code; w++) {
            size_t i, n = 0;
            json_t *d;
            json_array_foreach(rows, i, d)
            {
                const char *s = jstr(d, "state");
                if (s && strcmp(s, w->code) == 0) {
                    n++;
                    json_array_append(sorted, d);
                }
            }
            int unreadable = strcmp(w->code, "replica_unreadable") == 0;
            if (unreadable && n == 0)
                continue; /* named only when a replica could not be read */
            char num[24];
            snprintf(num, sizeof num, " %zu", n);
            raw(&p, (strcmp(w->code, "open") == 0 || unreadable) && n
                        ? "<li class=\"error\" data-state=\""
                        : "<li data-state=\"");
            raw(&p, w->code);
            raw(&p, "\">");
            esc(&p, lang == SY_LANG_EN ? w->en : w->zh);
            raw(&p, num);
            raw(&p, "</li>");
        }
        raw(&p, "</ul>\n");
        /* a state this build does not name goes last, as it is */
        size_t i;
        json_t *d;
        json_array_foreach(rows, i, d)
        {
            const char *s = jstr(d, "state");
            int known = 0;
            for (const code_word *w = DISPUTE_STATES; s && w->code; w++)
                known |= strcmp(s, w->code) == 0;
            if (!known)
                json_array_append(sorted, d);
        }
        table(&p, lang, "disputes", sorted, cols, sizeof cols / sizeof cols[0], NULL);
        json_decref(sorted);
    } else if (strcmp(which, "audit") == 0) {
        static const column cols[] = {{"time", A_TIME},
                                      {"user", A_USER},
                                      {"action", A_ACTION, AUDIT_ACTIONS},
                                      {"target", A_TARGET},
                                      {"detail", A_DETAIL, ROLES},
                                      {"address", A_ADDRESS}};
        /* a login's and a new account's detail is a role: in words (other details as they are) */
        admin_head(&p, lang, office_name, user, role, csrf, A_AUDIT);
        raw(&p, "<p>");
        esc(&p, at(lang, A_AUDIT_NOTE));
        raw(&p, "</p>\n");
        size_t i;
        for (i = 0; i < json_array_size(rows); i++)
            if (lang == SY_LANG_EN)
                audit_en(json_array_get(rows, i));
            else
                audit_zh(json_array_get(rows, i));
        table(&p, lang, "audit", rows, cols, sizeof cols / sizeof cols[0], NULL);
    } else {
        static const column cols[] = {{"time", A_TIME},
                                      {"device", A_DEVICE},
                                      {"via", A_VIA, INGEST_PATHS},
                                      {"result", A_RESULT, INGEST_RESULTS},
                                      {"applied", A_APPLIED},
                                      {"reason", A_REASON}};
        admin_head(&p, lang, office_name, user, role, csrf, A_LOG);
        /* whether the county's record is backed up: a stale or missing backup in red */
        int stale = !json_is_object(backup) || json_is_true(json_object_get(backup, "stale"));
        raw(&p, stale ? "<p id=\"last-backup\" class=\"error\">" : "<p id=\"last-backup\">");
        if (!json_is_object(backup)) {
            /* what to do is an administrator's: the others are told whom to tell */
            esc(&p, at(lang, admin ? A_NO_BACKUP : A_NO_BACKUP_STAFF));
        } else {
            char hours[32];
            snprintf(hours, sizeof hours, "%lld",
                     (long long)json_integer_value(json_object_get(backup, "age_hours")));
            esc(&p, at(lang, A_LAST_BACKUP));
            raw(&p, " ");
            cell(&p, json_object_get(backup, "time"));
            raw(&p, lang == SY_LANG_EN ? " (" : "（");
            esc(&p, hours);
            esc(&p, at(lang, A_HOURS_AGO));
            raw(&p, lang == SY_LANG_EN ? ")" : "）");
            if (admin) { /* where it lies is the server's business */
                raw(&p, lang == SY_LANG_EN ? ", in " : "，位置 ");
                esc(&p, jstr(backup, "dest"));
            }
            if (stale) {
                raw(&p, lang == SY_LANG_EN ? ". " : "。");
                esc(&p, at(lang, admin ? A_BACKUP_STALE : A_BACKUP_STALE_STAFF));
            }
        }
        raw(&p, "</p>\n<h2>");
        esc(&p, at(lang, A_EXPORT));
        raw(&p, "</h2>\n<p class=\"exports\">");
        /* each format by the name its users know it by, not the API's code */
        static const char *const fmts[][3] = {
            {"gpkg", "GeoPackage", "GeoPackage"},
            {"geojson", "GeoJSON", "GeoJSON"},
            {"csv&amp;bom=1", "CSV（界址点）", "CSV (boundary points)"},
            {"shp", "Shapefile（zip 压缩包）", "Shapefile (zip)"}};
        for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
            raw(&p, i ? " · <a download href=\"/api/v1/export?format="
                      : "<a download href=\"/api/v1/export?format=");
            raw(&p, fmts[i][0]);
            raw(&p, "\">");
            raw(&p, fmts[i][lang == SY_LANG_EN ? 2 : 1]);
            raw(&p, "</a>");
        }
        /* the table's own heading: the page's title names the exports above it too */
        raw(&p, "</p>\n<h2 id=\"ingest-log\">");
        esc(&p, at(lang, A_INGEST_LOG));
        raw(&p, "</h2>\n");
        size_t i;
        for (i = 0; lang != SY_LANG_EN && i < json_array_size(rows); i++)
            ingest_zh(json_array_get(rows, i));
        table(&p, lang, "log", rows, cols, sizeof cols / sizeof cols[0], NULL);
    }
    raw(&p, "</main>\n");
    json_decref(rows);
    json_decref(backup);
    return done(&p);
}
