/*
 * test_today.c - Today with a day's worth of units (68, as assigned to a crew), built without
 * SDL from a real journal: every unit is reachable by dragging the list, a fling keeps it
 * moving after the finger lifts and then stops, rows outside the list register no widget,
 * @search finds a unit by part of its code or name in any case, the groups (to do, in
 * progress, returned by the office, done) carry their counts; the Settings screen is reached
 * from Today, its choices are saved beside the journal and read back, --dpi wins over them;
 * and dump-widgets writes the contract's JSON.
 */
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "check.h"
#include "i18n.h"
#include "script.h"
#include "survey/geo.h"
#include "survey/state.h"
#include "survey/tasks.h"
#include "sync/client.h"
#include "sync_worker.h"
#include "ui.h"

#define NUNITS 68
#define W 1920
#define H 1200
#define PPMM (224 / 25.4f)

static app_ui ui;

static void build(app *a, int64_t now)
{
    app_ui_begin(&ui, W, H, PPMM);
    app_build(a, &ui, now);
}

static int tap(app *a, const char *id, int64_t now)
{
    const app_widget *w = app_ui_find(&ui, id);
    if (!w)
        return 0;
    app_gesture g = {.type = APP_G_TAP, .x = w->r.x + w->r.w / 2, .y = w->r.y + w->r.h / 2};
    int r = app_on_gesture(a, &ui, &g);
    build(a, now);
    return r;
}

/* A slow drag by dy px (the finger stops before it lifts: no fling). */
static void drag(app *a, float dy, int64_t *now)
{
    for (int i = 1; i <= 10; i++) {
        app_gesture g = {.type = APP_G_DRAG, .x = 500, .y = 600, .dy = dy / 10, .t_ms = *now};
        app_on_gesture(a, &ui, &g);
        *now += 16;
    }
    *now += 300;
    app_gesture e = {.type = APP_G_DRAG_END, .x = 500, .y = 600, .t_ms = *now};
    app_on_gesture(a, &ui, &e);
    build(a, *now);
}

static int units_shown(char seen[NUNITS], const app_rect *view)
{
    int n = 0;
    for (size_t i = 0; i < ui.nw; i++) {
        int k;
        if (sscanf(ui.w[i].id, "unit:622901ZR9%05d", &k) != 1 || k < 0 || k >= NUNITS)
            continue;
        n++;
        seen[k] = 1;
        const app_rect r = ui.w[i].r;
        /* the label a row's widget reports is drawn, inside it: a row cut at the list's edge
         * reported its first line while the line was not drawn (a dump said it did not fit) */
        const char *label = app_ui_widget_label(&ui, &ui.w[i]);
        int shown = !label[0];
        for (size_t c = 0; c < ui.ncmd && !shown; c++)
            shown = ui.cmd[c].op == APP_OP_TEXT && strcmp(ui.text + ui.cmd[c].off, label) == 0 &&
                    ui.cmd[c].r.y >= r.y - 0.5f &&
                    ui.cmd[c].r.y + ui.cmd[c].r.h <= r.y + r.h + 0.5f;
        if (!shown)
            fprintf(stderr, "  @%s reports '%s', not drawn inside it\n", ui.w[i].id, label);
        CHECK(shown);
        /* inside the list's viewport, never under the search row or the bottom bar */
        CHECK(r.y >= view->y - 0.5f && r.y + r.h <= view->y + view->h + 0.5f);
    }
    return n;
}

static int drawn(const char *text)
{
    for (size_t i = 0; i < ui.ncmd; i++)
        if (ui.cmd[i].op == APP_OP_TEXT && strstr(ui.text + ui.cmd[i].off, text))
            return 1;
    return 0;
}

/* Whether the frame's texts, read in drawing order as one (a wrapped line's pieces joined by
 * spaces), contain text. */
static int drawn_joined(const char *text)
{
    static char all[20000];
    size_t k = 0;
    all[0] = '\0';
    for (size_t i = 0; i < ui.ncmd && k + 1 < sizeof all; i++)
        if (ui.cmd[i].op == APP_OP_TEXT) {
            int n = snprintf(all + k, sizeof all - k, "%s ", ui.text + ui.cmd[i].off);
            k = n < 0 ? k : k + (size_t)n >= sizeof all ? sizeof all - 1 : k + (size_t)n;
        }
    for (char *q = all; *q; q++)
        *q = *q == '\n' ? ' ' : *q;
    return strstr(all, text) != NULL;
}

/* Whether the frame draws text a, and before text b (or b not at all): drawing order. */
static int drawn_before(const char *a, const char *b)
{
    const char *pa = NULL, *pb = NULL;
    for (size_t i = 0; i < ui.ncmd; i++)
        if (ui.cmd[i].op == APP_OP_TEXT) {
            const char *s = ui.text + ui.cmd[i].off;
            if (!pa && strstr(s, a))
                pa = s;
            if (!pb && strstr(s, b))
                pb = s;
        }
    return pa && (!pb || pa < pb);
}

static void no_wake(void *ctx)
{
    (void)ctx;
}

static void test_today(const char *dir)
{
    char path[300], tasks[512];
    snprintf(path, sizeof path, "%s/j.db", dir);
    const char *fix = getenv("QJ_FIXTURES");
    snprintf(tasks, sizeof tasks, "%s/tasks/linxia-units-4490.geojson",
             fix ? fix : "tests/fixtures");
    sv_journal_opts jo = {"today-test", NULL, 0, NAN};
    sv_journal *j = NULL;
    CHECK_INT(sv_journal_create(path, &jo, &j), SV_OK);
    sv_geo *g = NULL;
    sv_diag diag;
    sv_task_set ts = {0};
    CHECK_INT(sv_geo_new(&g), SV_OK);
    CHECK_INT(sv_tasks_read(tasks, g, NULL, &ts, &diag), SV_OK);
    if (!j || ts.n == 0)
        return;
    /* 68 units: the package's first, under new codes and names */
    sv_unit *u = &ts.units[0];
    char *name0 = u->name;
    for (int i = 0; i < NUNITS; i++) {
        char name[64];
        snprintf(u->code, sizeof u->code, "622901ZR9%05d", i);
        snprintf(name, sizeof name, "河段%02d", i);
        u->name = name;
        CHECK_INT(sv_record_unit(j, u, NULL), SV_OK);
    }
    u->name = name0;
    /* five of them started: a point each */
    for (int i = 10; i < 15; i++) {
        sv_bpoint p;
        memset(&p, 0, sizeof p);
        sv_bpoint_clear(&p);
        snprintf(p.unit, sizeof p.unit, "622901ZR9%05d", i);
        snprintf(p.point_type, sizeof p.point_type, "measured");
        p.lon = u->draft.lonlat[0];
        p.lat = u->draft.lonlat[1];
        p.h = NAN;
        p.flags = SV_PT_MANUAL;
        CHECK_INT(sv_record_point(j, &p, NULL), SV_OK);
    }

    app_i18n_init("en", NULL);
    app a;
    CHECK_INT(app_init(&a, j), SV_OK);
    snprintf(a.journal_path, sizeof a.journal_path, "%s", path);
    CHECK_INT(a.nunits, NUNITS);
    int64_t now = 1000000;
    build(&a, now);

    /* the list lies between the search row and the bottom bar */
    const app_widget *s = app_ui_find(&ui, "search"), *de = app_ui_find(&ui, "day-end");
    CHECK(s != NULL && de != NULL);
    if (!s || !de)
        return;
    CHECK(s->r.h >= 10 * PPMM);
    app_rect view = {0, s->r.y + s->r.h, W, de->r.y - (s->r.y + s->r.h)};
    char seen[NUNITS] = {0};
    int first = units_shown(seen, &view);
    CHECK(first > 0 && first < NUNITS);
    /* groups with counts; "returned by the office" only once the office returned a unit; the
     * units begun before the to-dos (the crew's current unit at the top) */
    CHECK(drawn_before("In progress · 5", "To do · 63"));
    /* every unit is reachable by dragging up (content follows the finger) */
    int saw_progress = 0;
    for (int k = 0; k < 200; k++) {
        float before = a.today_scroll;
        drag(&a, -300, &now);
        units_shown(seen, &view);
        saw_progress |= drawn("To do · 63");
        if (a.today_scroll == before)
            break;
    }
    int all = 1;
    for (int i = 0; i < NUNITS; i++)
        all &= seen[i];
    CHECK(all);
    CHECK(saw_progress);
    CHECK(!drawn("Returned by the office"));
    CHECK(drawn("Done · 0"));
    CHECK(a.today_scroll > 0);
    /* and back down to the top */
    for (int k = 0; k < 200 && a.today_scroll > 0; k++)
        drag(&a, 400, &now);
    CHECK_NEAR(a.today_scroll, 0, 1e-3);
    CHECK(drawn("In progress · 5"));

    /* a fling: a quick drag that lifts while moving goes on, slows down and stops */
    for (int i = 1; i <= 6; i++) {
        app_gesture d = {.type = APP_G_DRAG, .x = 500, .y = 600, .dy = -40, .t_ms = now};
        app_on_gesture(&a, &ui, &d);
        now += 16;
    }
    app_gesture up = {.type = APP_G_DRAG_END, .x = 500, .y = 360, .t_ms = now};
    app_on_gesture(&a, &ui, &up);
    float at_release = a.today_scroll;
    CHECK(a.today_vel > 1000); /* 40 px / 16 ms = 2500 px/s */
    CHECK(app_next_tick(&a, now) == now + 16);
    now += 100;
    build(&a, now);
    CHECK(a.today_scroll > at_release);
    for (int k = 0; k < 1000 && a.today_vel != 0; k++) {
        now += 16;
        build(&a, now);
    }
    CHECK(a.today_vel == 0);
    float rest = a.today_scroll;
    CHECK(rest > at_release + 240); /* it travelled on its own */
    now += 1000;
    build(&a, now);
    CHECK_NEAR(a.today_scroll, rest, 1e-3);
    CHECK(app_next_tick(&a, now) != now + 16);

    /* search: part of a code, in any case; then part of a name */
    CHECK(tap(&a, "search", now));
    CHECK_INT(a.want_text, 1);
    CHECK_INT(app_on_text(&a, "zr9000"), 1);
    CHECK_INT(app_on_text(&a, "42"), 1);
    build(&a, now);
    CHECK_NEAR(a.today_scroll, 0, 1e-3);
    memset(seen, 0, sizeof seen);
    CHECK_INT(units_shown(seen, &view), 1);
    CHECK(seen[42]);
    CHECK(app_ui_find(&ui, "unit:622901ZR900042") != NULL);
    CHECK(drawn("To do · 1"));
    CHECK_INT(app_on_key(&a, APP_KEY_BACKSPACE), 1);
    build(&a, now);
    memset(seen, 0, sizeof seen);
    int n40 = units_shown(seen, &view), only40 = 1;
    for (int i = 0; i < NUNITS; i++)
        only40 &= !seen[i] || i / 10 == 4;
    CHECK(n40 >= 3 && only40); /* ...40 to ...49, as many as fit */
    CHECK(tap(&a, "search-clear", now));
    CHECK_INT(app_on_text(&a, "河段1"), 1);
    build(&a, now);
    memset(seen, 0, sizeof seen);
    int n10 = units_shown(seen, &view), only10 = 1;
    for (int i = 0; i < NUNITS; i++)
        only10 &= !seen[i] || i / 10 == 1;
    CHECK(n10 >= 3 && only10);
    CHECK(drawn_before("In progress · 5", "To do · 5"));
    CHECK_INT(app_on_text(&a, "x"), 1);
    build(&a, now);
    CHECK(drawn("No unit matches"));
    CHECK(tap(&a, "search-clear", now));
    CHECK_INT(app_on_key(&a, APP_KEY_ENTER), 1);
    CHECK_INT(a.want_text, 0);
    CHECK_INT(app_on_text(&a, "z"), 0); /* the keyboard is closed */

    /* the widgets carry their text; dump-widgets writes the contract's keys */
    const app_widget *b = app_ui_find(&ui, "day-end");
    CHECK(b && strcmp(app_ui_widget_label(&ui, b), "Day end") == 0);
    char dump[400], err[300];
    snprintf(dump, sizeof dump, "%s/today.json", dir);
    CHECK_INT(app_dump_widgets(&a, &ui, dump, NULL, NULL, err, sizeof err), 0);
    json_error_t je;
    json_t *d = json_load_file(dump, 0, &je);
    CHECK(d != NULL);
    CHECK_INT(json_integer_value(json_object_get(d, "dpi")), 224);
    CHECK(strcmp(json_string_value(json_object_get(d, "screen")), "today") == 0);
    json_t *ws = json_object_get(d, "widgets");
    CHECK(json_array_size(ws) == ui.nw);
    int found = 0;
    size_t i;
    json_t *w;
    json_array_foreach(ws, i, w)
    {
        CHECK(json_is_string(json_object_get(w, "id")) && json_is_number(json_object_get(w, "x")) &&
              json_is_number(json_object_get(w, "y")) && json_is_number(json_object_get(w, "w")) &&
              json_is_number(json_object_get(w, "h")) &&
              json_is_boolean(json_object_get(w, "enabled")) &&
              json_is_string(json_object_get(w, "text")));
        if (strcmp(json_string_value(json_object_get(w, "id")), "@day-end") == 0)
            found = strcmp(json_string_value(json_object_get(w, "text")), "Day end") == 0;
    }
    CHECK(found);
    json_decref(d);
    CHECK_INT(app_dump_widgets(&a, &ui, "/nonexistent/dir/x.json", NULL, NULL, err, sizeof err),
              -1);
    CHECK(strstr(err, "/nonexistent/dir/x.json") != NULL);

    /* Settings from Today: each choice applies and is saved beside the journal */
    app_px_per_mm(&a, PPMM); /* the platform's density, as the main loop passes it each frame */
    CHECK(tap(&a, "settings", now));
    CHECK_INT(a.screen, APP_SCR_SETTINGS);
    CHECK(tap(&a, "theme:night", now));
    CHECK(tap(&a, "text:large", now));
    CHECK(tap(&a, "dpi:up", now));
    CHECK_INT(a.set.dpi, 224 + 10);
    app_settings back;
    CHECK_INT(app_settings_load(path, &back, err, sizeof err), 0);
    CHECK_INT(back.theme, 1);
    CHECK_INT(back.text_size, APP_TEXT_LARGE);
    CHECK_INT(back.dpi, 234);
    CHECK_NEAR(app_px_per_mm(&a, PPMM), 234 / 25.4f, 1e-4);
    CHECK_NEAR(app_text_scale(&a), 1.25f, 1e-6);
    a.dpi_cli = 149; /* --dpi wins for its run */
    CHECK_NEAR(app_px_per_mm(&a, PPMM), 149 / 25.4f, 1e-4);
    a.dpi_cli = 0;
    CHECK(tap(&a, "dpi:auto", now));
    CHECK_NEAR(app_px_per_mm(&a, PPMM), PPMM, 1e-4);
    CHECK(tap(&a, "theme:day", now));
    CHECK(tap(&a, "text:normal", now));
    /* a damaged settings file: said, and the defaults used */
    char sp[400];
    snprintf(sp, sizeof sp, "%s.settings.json", path);
    FILE *f = fopen(sp, "w");
    if (f) {
        fputs("{\"dpi\": \"huge\"}", f);
        fclose(f);
    }
    err[0] = '\0';
    CHECK_INT(app_settings_load(path, &back, err, sizeof err), -1);
    CHECK(strstr(err, "dpi") != NULL && strstr(err, sp) != NULL);
    CHECK_INT(back.dpi, 0);
    CHECK_INT(back.text_size, APP_TEXT_NORMAL);
    snprintf(sp, sizeof sp, "%s/none.db", dir);
    CHECK_INT(app_settings_load(sp, &back, err, sizeof err), 0); /* no file: defaults */

    /* the office returned unit 3 with a note (what a sync stores: sync_unit_office, its
     * returned_seq the journal's last seq then) and accepted unit 4 */
    app_free(&a);
    CHECK_INT(app_init(&a, j), SV_OK);
    sy_client *c = NULL;
    CHECK_INT(sy_client_open(j, &c), SY_OK); /* the sync tables */
    sy_client_close(c);
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    char sql[600];
    snprintf(sql, sizeof sql,
             "INSERT INTO sync_unit_office(code, status, note, updated_ms, returned_seq) VALUES"
             " ('622901ZR900003', 'returned', '请补测 J2 界址点', 1, %lld),"
             " ('622901ZR900004', 'accepted', NULL, 1, 0)",
             (long long)sv_journal_last_seq(j));
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CHECK_INT(app_reload(&a), SV_OK);
    a.today_scroll = 0;
    build(&a, now);
    CHECK(drawn("Returned by the office · 1"));
    CHECK(drawn("Office note: 请补测 J2 界址点"));
    CHECK(drawn_before("Returned by the office · 1", "In progress · 5"));
    /* at the top: its row is the list's first, above the units begun */
    const app_widget *r3 = app_ui_find(&ui, "unit:622901ZR900003");
    const app_widget *r0 = app_ui_find(&ui, "unit:622901ZR900010");
    CHECK(r3 && r0 && r3->r.y < r0->r.y && r3->r.h >= 10 * PPMM);
    /* Day end says the same of it as Today (it once said only what the journal knew) */
    CHECK(tap(&a, "day-end", now));
    CHECK_INT(a.screen, APP_SCR_DAYEND);
    build(&a, now);
    int rows3 = -1;
    for (size_t k = 0; k < a.nunits; k++)
        if (strcmp(a.units[k].u.code, "622901ZR900003") == 0)
            rows3 = (int)k;
    CHECK(rows3 >= 0 && a.day && a.day[rows3].stage == SV_STAGE_RETURNED);
    while (app_go_back(&a))
        ;
    /* the crew records new work on it: it leaves the group at once, before any sync */
    sv_bpoint p3;
    memset(&p3, 0, sizeof p3);
    sv_bpoint_clear(&p3);
    snprintf(p3.unit, sizeof p3.unit, "622901ZR900003");
    snprintf(p3.point_type, sizeof p3.point_type, "measured");
    p3.lon = u->draft.lonlat[0];
    p3.lat = u->draft.lonlat[1];
    p3.h = NAN;
    p3.flags = SV_PT_MANUAL;
    CHECK_INT(sv_record_point(j, &p3, NULL), SV_OK);
    CHECK_INT(app_reload(&a), SV_OK);
    build(&a, now);
    CHECK(!drawn("Returned by the office"));
    CHECK(!drawn("请补测"));
    CHECK(drawn("In progress · 6"));

    /* writing to a USB stick that is not there (pulled after it was found, or a mount point
     * gone): said as a USB write that failed and what to do, not "Sync failed:" (the crew
     * pressed the USB button, not Send) with the library's detail alone */
    char wake_err[300] = "";
    CHECK_INT(app_sync_start(path, no_wake, NULL, &a.sync, wake_err, sizeof wake_err), 0);
    a.usb_fixed = 1;
    snprintf(a.usb_dir, sizeof a.usb_dir, "%s/no-stick", dir);
    CHECK(tap(&a, "day-end", now));
    CHECK_INT(a.screen, APP_SCR_DAYEND);
    for (int k = 0; k < 500 && a.ss.busy; k++) {
        struct timespec ts_ = {0, 10 * 1000000L};
        nanosleep(&ts_, NULL);
        app_poll_workers(&a);
    }
    build(&a, now);
    /* the units take the room the office's lines do not need: two of 68 were shown at
     * 1920x1200 over six lines kept empty for the office */
    int rows = 0;
    for (size_t q = 0; q < ui.ncmd; q++)
        rows += ui.cmd[q].op == APP_OP_TEXT && strstr(ui.text + ui.cmd[q].off, "河段") &&
                strstr(ui.text + ui.cmd[q].off, " point");
    CHECK(rows >= 4);
    const app_widget *ub = app_ui_find(&ui, "usb");
    app_rect usb_before = ub ? ub->r : (app_rect){0, 0, 0, 0};
    CHECK(tap(&a, "usb", now));
    for (int k = 0; k < 1000 && (a.ss.busy || a.ss.outcome == APP_SYNC_NONE); k++) {
        struct timespec ts_ = {0, 10 * 1000000L};
        nanosleep(&ts_, NULL);
        app_poll_workers(&a);
    }
    build(&a, now);
    CHECK(drawn_joined("Not written to the USB stick"));
    CHECK(drawn_joined("plugged in"));
    CHECK(!drawn("Sync failed"));
    /* the outcome took room from the units, not from under the buttons: they did not move */
    ub = app_ui_find(&ui, "usb");
    CHECK(ub && ub->r.y == usb_before.y && ub->r.x == usb_before.x);
    app_sync_stop(a.sync);
    a.sync = NULL;
    while (app_go_back(&a))
        ;

    app_ui_free(&ui);
    app_free(&a);
    sv_journal_close(j);
    sv_task_set_clear(&ts);
    sv_geo_free(g);
}

static void test_dump_parse(void)
{
    app_script s;
    char err[256];
    CHECK_INT(app_script_parse("dump-widgets /tmp/w.json\nquit\n", &s, err, sizeof err), 0);
    CHECK(s.n == 2 && s.cmd[0].op == APP_S_DUMP_WIDGETS &&
          strcmp(s.cmd[0].arg, "/tmp/w.json") == 0);
    app_script_free(&s);
    CHECK_INT(app_script_parse("dump-widgets\n", &s, err, sizeof err), -1);
    CHECK(strstr(err, "line 1: dump-widgets takes one file name") != NULL);
    CHECK_INT(app_script_parse("dump-widgets a b\n", &s, err, sizeof err), -1);
}

/* The USB message is the interface's language: "(347 entries, 1 bundles)" was English. */
static void test_usb_message(void)
{
    char m[400], dir[600];
    /* the catalogue built beside the tests (a packaged build looks only where it installs) */
    const char *b = getenv("QJ_BUILD");
    snprintf(dir, sizeof dir, "%s/locale", b ? b : "build");
    CHECK_INT(app_i18n_init("zh_CN", dir), 0);
    app_sync_usb_message(m, sizeof m, "/media/u/q.qjb", 347, 1, 0);
    CHECK(strstr(m, "/media/u/q.qjb") && strstr(m, "347 条记录，1 个数据包"));
    CHECK(!strstr(m, "entries") && !strstr(m, "bundle"));
    app_i18n_init("en", NULL);
    app_sync_usb_message(m, sizeof m, "/media/u/q.qjb", 347, 1, 0);
    CHECK(strstr(m, "(347 entries, 1 bundle)") != NULL);
    app_sync_usb_message(m, sizeof m, "/media/u/q.qjb", 347, 2, 0);
    CHECK(strstr(m, "(347 entries, 2 bundles)") != NULL);
    app_sync_usb_message(m, sizeof m, "/media/u/q.qjb", 1, 1, 0); /* each count its own plural */
    CHECK(strstr(m, "(1 entry, 1 bundle)") != NULL);
    app_sync_usb_message(m, sizeof m, "/media/u/q.qjb", 12, 1, 2); /* photographs ride along */
    CHECK(strstr(m, "(12 entries, 1 bundle, 2 files)") != NULL);
    CHECK_INT(app_i18n_init("zh_CN", dir), 0);
    app_sync_usb_message(m, sizeof m, "/media/u/q.qjb", 12, 1, 2);
    CHECK(strstr(m, "2 个文件") && !strstr(m, "file"));
    app_i18n_init("en", NULL);
}

int main(void)
{
    test_usb_message();
    char dir[] = "/tmp/qj-today-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_dump_parse();
    test_today(dir);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (check_failed == 0)
        (void)!system(cmd);
    else
        fprintf(stderr, "files kept in %s\n", dir);
    return check_finish();
}
