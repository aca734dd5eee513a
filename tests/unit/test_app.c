/*
 * test_app.c - the touch app's logic without SDL: gesture recognition, script parsing, the
 * widget table, and the screens built from a real journal (Today lists the units with stable
 * IDs, a tap on a unit opens its map, the GNSS pill opens the GNSS screen, back returns,
 * touch targets are at least 10 mm, pinch zooms about the fingers, drag pans).
 */
#include <stdlib.h>
#include <unistd.h>

#include "app.h"
#include "check.h"
#include "gesture.h"
#include "i18n.h"
#include "script.h"
#include "survey/tasks.h"
#include "ui.h"

static int feed(app_gest *g, int type, int64_t finger, float x, float y, int64_t t,
                app_gesture out[2])
{
    app_ptr e = {type, finger, x, y, t};
    return app_gest_feed(g, &e, out);
}

static void test_gestures(void)
{
    app_gest g;
    app_gesture o[2];
    app_gest_init(&g, 10);
    /* tap: down, a small wobble, up */
    CHECK_INT(feed(&g, APP_PTR_DOWN, 1, 100, 100, 0, o), 0);
    CHECK_INT(feed(&g, APP_PTR_MOVE, 1, 104, 103, 30, o), 0);
    CHECK_INT(feed(&g, APP_PTR_UP, 1, 104, 103, 80, o), 1);
    CHECK_INT(o[0].type, APP_G_TAP);
    CHECK_NEAR(o[0].x, 100, 1e-6);
    /* drag: beyond the slop, deltas add up to the path, no tap at the end */
    feed(&g, APP_PTR_DOWN, -1, 100, 100, 1000, o);
    CHECK_INT(app_gest_deadline(&g), 1000 + APP_LONG_PRESS_MS);
    float sx = 0, sy = 0;
    for (int i = 1; i <= 10; i++)
        if (feed(&g, APP_PTR_MOVE, -1, 100 + 5.0f * i, 100 - 2.0f * i, 1000 + i, o) == 1) {
            CHECK_INT(o[0].type, APP_G_DRAG);
            sx += o[0].dx;
            sy += o[0].dy;
        }
    CHECK_NEAR(sx, 50, 1e-3);
    CHECK_NEAR(sy, -20, 1e-3);
    CHECK_INT(app_gest_deadline(&g), -1);
    CHECK_INT(feed(&g, APP_PTR_UP, -1, 150, 80, 1100, o), 1);
    CHECK_INT(o[0].type, APP_G_DRAG_END);
    /* long-press: fires once from tick after the deadline; the release is no tap */
    feed(&g, APP_PTR_DOWN, 3, 50, 60, 2000, o);
    CHECK_INT(app_gest_tick(&g, 2000 + APP_LONG_PRESS_MS - 1, &o[0]), 0);
    CHECK_INT(app_gest_tick(&g, 2000 + APP_LONG_PRESS_MS, &o[0]), 1);
    CHECK_INT(o[0].type, APP_G_LONG_PRESS);
    CHECK_INT(app_gest_tick(&g, 2000 + 5 * APP_LONG_PRESS_MS, &o[0]), 0);
    CHECK_INT(feed(&g, APP_PTR_UP, 3, 50, 60, 4000, o), 0);
    /* pinch: two fingers from 100 px apart to 200 px: factors multiply to 2, no tap */
    feed(&g, APP_PTR_DOWN, 1, 400, 300, 5000, o);
    feed(&g, APP_PTR_DOWN, 2, 500, 300, 5001, o);
    double f = 1;
    for (int i = 1; i <= 10; i++) {
        if (feed(&g, APP_PTR_MOVE, 1, 400 - 5.0f * i, 300, 5000 + 2 * i, o) == 1)
            f *= o[0].factor;
        if (feed(&g, APP_PTR_MOVE, 2, 500 + 5.0f * i, 300, 5001 + 2 * i, o) == 1) {
            CHECK_INT(o[0].type, APP_G_PINCH);
            CHECK_NEAR(o[0].x, 450, 1e-3);
            f *= o[0].factor;
        }
    }
    CHECK_NEAR(f, 2.0, 1e-4);
    CHECK_INT(feed(&g, APP_PTR_UP, 2, 550, 300, 5100, o), 0);
    CHECK_INT(feed(&g, APP_PTR_UP, 1, 350, 300, 5101, o), 0);
    CHECK_INT(g.n, 0);
    /* an unknown finger's move or release is ignored */
    CHECK_INT(feed(&g, APP_PTR_UP, 9, 1, 1, 6000, o), 0);
}

static void test_script(void)
{
    app_script s;
    char err[256];
    CHECK_INT(app_script_parse("# a comment\n\ntap @unit:622901ZR000002\ntap 10 20.5\n"
                               "long-press @map\ndrag 1 2 3 4\npinch 5 6 1.5\nwait 250\n"
                               "wait-for @gnss\nscreenshot /tmp/x.png\nquit\n",
                               &s, err, sizeof err),
              0);
    CHECK_INT(s.n, 9);
    if (s.n == 9) {
        CHECK_INT(s.cmd[0].op, APP_S_TAP_ID);
        CHECK(strcmp(s.cmd[0].arg, "unit:622901ZR000002") == 0);
        CHECK_INT(s.cmd[0].line, 3);
        CHECK_INT(s.cmd[1].op, APP_S_TAP_XY);
        CHECK_NEAR(s.cmd[1].v[1], 20.5, 1e-12);
        CHECK_INT(s.cmd[2].op, APP_S_LONG_PRESS_ID);
        CHECK_INT(s.cmd[3].op, APP_S_DRAG);
        CHECK_NEAR(s.cmd[3].v[3], 4, 1e-12);
        CHECK_INT(s.cmd[4].op, APP_S_PINCH);
        CHECK_INT(s.cmd[5].op, APP_S_WAIT);
        CHECK_INT(s.cmd[6].op, APP_S_WAIT_FOR);
        CHECK_INT(s.cmd[7].op, APP_S_SCREENSHOT);
        CHECK(strcmp(s.cmd[7].arg, "/tmp/x.png") == 0);
        CHECK_INT(s.cmd[8].op, APP_S_QUIT);
    }
    app_script_free(&s);
    static const char *const bad[] = {
        "tap\n", "tap map\n", "tap 1\n", "tap 1 2 3\n", "tap @\n", "wait\n", "wait -5\n",
        "wait abc\n", "pinch 1 2 0\n", "drag 1 2 3\n", "jump @map\n", "wait-for map\n",
        "screenshot\n", "quit now\n", "tap 1e999 2\n", "wait 1 2 3 4 5 6 7\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        int rc = app_script_parse(bad[i], &s, err, sizeof err);
        CHECK_INT(rc, -1);
        CHECK(strncmp(err, "line 1: ", 8) == 0);
        if (rc == 0)
            app_script_free(&s);
    }
    CHECK_INT(app_script_parse("quit\nbogus\n", &s, err, sizeof err), -1);
    CHECK(strstr(err, "line 2: unknown command 'bogus'") != NULL);
    CHECK_INT(app_script_load("/nonexistent/script", &s, err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/script") != NULL);
}

static void test_widgets(void)
{
    app_ui ui = {0};
    app_ui_begin(&ui, 800, 600, 4);
    app_ui_widget(&ui, "a", (app_rect){0, 0, 100, 100}, 1);
    app_ui_widget(&ui, "b", (app_rect){50, 50, 100, 100}, 1);
    app_ui_widget(&ui, "c", (app_rect){60, 60, 10, 10}, 0);
    CHECK(app_ui_hit(&ui, 65, 65) && strcmp(app_ui_hit(&ui, 65, 65)->id, "b") == 0);
    CHECK(app_ui_hit(&ui, 10, 10) && strcmp(app_ui_hit(&ui, 10, 10)->id, "a") == 0);
    CHECK(app_ui_hit(&ui, 300, 300) == NULL);
    CHECK(app_ui_find(&ui, "c") && !app_ui_find(&ui, "c")->enabled);
    CHECK(app_ui_find(&ui, "d") == NULL);
    float *p = app_ui_lines(&ui, 3, 2, 0xff);
    CHECK(p != NULL);
    app_ui_text(&ui, (app_rect){0, 0, 10, 10}, "确界", 20, APP_ALIGN_CENTER, 0xff);
    CHECK_INT(ui.ncmd, 2);
    CHECK(strcmp(ui.text + ui.cmd[1].off, "确界") == 0);
    app_ui_begin(&ui, 800, 600, 4);
    CHECK_INT(ui.ncmd + ui.nw, 0);
    app_ui_free(&ui);
}

static const app_widget *tap(app *a, app_ui *ui, const char *id)
{
    const app_widget *w = app_ui_find(ui, id);
    if (!w)
        return NULL;
    app_gesture g = {.type = APP_G_TAP, .x = w->r.x + w->r.w / 2, .y = w->r.y + w->r.h / 2};
    app_on_gesture(a, ui, &g);
    app_ui_begin(ui, 1280, 800, 3.78f);
    app_build(a, ui, 0);
    return w;
}

static void test_screens(void)
{
    char dir[] = "/tmp/qj-app-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char path[256], tasks[512];
    snprintf(path, sizeof path, "%s/j.db", dir);
    const char *shared = getenv("QJ_SHARED");
    snprintf(tasks, sizeof tasks, "%s/fixtures/tasks/linxia-units-4490.geojson",
             shared ? shared : "../shared");
    sv_journal_opts jo = {"app-test", NULL, 0, NAN};
    sv_journal *j = NULL;
    CHECK_INT(sv_journal_create(path, &jo, &j), SV_OK);
    sv_geo *g = NULL;
    sv_task_set ts = {0};
    sv_diag diag;
    CHECK_INT(sv_geo_new(&g), SV_OK);
    CHECK_INT(sv_tasks_read(tasks, g, NULL, &ts, &diag), SV_OK);
    for (size_t i = 0; i < ts.n; i++)
        CHECK_INT(sv_record_unit(j, &ts.units[i], NULL), SV_OK);
    sv_bpoint p;
    memset(&p, 0, sizeof p);
    sv_bpoint_clear(&p);
    snprintf(p.unit, sizeof p.unit, "622901ZR000002");
    snprintf(p.point_type, sizeof p.point_type, "measured");
    p.lat = 35.55;
    p.lon = 103.23;
    p.h = NAN;
    p.flags = SV_PT_MANUAL;
    CHECK_INT(sv_record_point(j, &p, NULL), SV_OK);

    app_i18n_init("en", NULL);
    app a;
    CHECK_INT(app_init(&a, j), SV_OK);
    CHECK_INT(a.nunits, ts.n);
    app_ui ui = {0};
    app_ui_begin(&ui, 1280, 800, 3.78f);
    app_build(&a, &ui, 0);
    CHECK_INT(a.screen, APP_SCR_TODAY);
    for (size_t i = 0; i < ts.n; i++) {
        char id[80];
        snprintf(id, sizeof id, "unit:%s", ts.units[i].code);
        const app_widget *w = app_ui_find(&ui, id);
        CHECK(w != NULL);
        CHECK(w && w->r.h >= 10 * 3.78f); /* at least 10 mm */
    }
    CHECK(app_ui_find(&ui, "back") == NULL);
    CHECK(app_ui_find(&ui, "gnss") != NULL);
    /* no receiver given: the pill says so */
    int says = 0;
    for (size_t i = 0; i < ui.ncmd; i++)
        says |= ui.cmd[i].op == APP_OP_TEXT && strcmp(ui.text + ui.cmd[i].off, "No receiver") == 0;
    CHECK(says);

    CHECK(tap(&a, &ui, "unit:622901ZR000002") != NULL);
    CHECK_INT(a.screen, APP_SCR_MAP);
    CHECK(app_ui_find(&ui, "map") != NULL && app_ui_find(&ui, "back") != NULL);
    CHECK(a.ndraft >= 4);
    CHECK_INT(a.npts, 1);
    CHECK_INT(a.crs.epsg, 4513 + 34 - 25); /* 103.23 E: 3-degree zone 34 -> EPSG:4522 */
    /* the draft fits the map after zoom-to-unit */
    float sx, sy;
    int inside = 1;
    for (size_t i = 0; i < a.ndraft; i++) {
        sx = (float)(a.map_rect.x + a.map_rect.w / 2 + (a.draft[2 * i + 1] - a.view_y) / a.mpp);
        sy = (float)(a.map_rect.y + a.map_rect.h / 2 - (a.draft[2 * i] - a.view_x) / a.mpp);
        inside &= app_rect_has(a.map_rect, sx, sy);
    }
    CHECK(inside);
    /* pinch x2 about a point: scale halves, the plane point under the fingers stays */
    double mpp = a.mpp, vx = a.view_x, vy = a.view_y;
    app_gesture pin = {.type = APP_G_PINCH, .x = 700, .y = 300, .factor = 2};
    double e0 = vy + (700 - (a.map_rect.x + a.map_rect.w / 2)) * mpp;
    double n0 = vx - (300 - (a.map_rect.y + a.map_rect.h / 2)) * mpp;
    CHECK_INT(app_on_gesture(&a, &ui, &pin), 1);
    CHECK_NEAR(a.mpp, mpp / 2, 1e-9);
    CHECK_NEAR(a.view_y + (700 - (a.map_rect.x + a.map_rect.w / 2)) * a.mpp, e0, 1e-6);
    CHECK_NEAR(a.view_x - (300 - (a.map_rect.y + a.map_rect.h / 2)) * a.mpp, n0, 1e-6);
    /* drag right by 100 px: the view moves 100 px of metres west */
    app_gesture dr = {.type = APP_G_DRAG, .x = 800, .y = 300, .dx = 100, .dy = 0};
    double before = a.view_y;
    app_on_gesture(&a, &ui, &dr);
    CHECK_NEAR(a.view_y, before - 100 * a.mpp, 1e-6);

    CHECK(tap(&a, &ui, "gnss") != NULL);
    CHECK_INT(a.screen, APP_SCR_GNSS);
    CHECK(tap(&a, &ui, "back") != NULL);
    CHECK_INT(a.screen, APP_SCR_MAP);
    CHECK(tap(&a, &ui, "back") != NULL);
    CHECK_INT(a.screen, APP_SCR_TODAY);
    CHECK_INT(app_go_back(&a), 0);

    app_ui_free(&ui);
    app_free(&a);
    sv_task_set_clear(&ts);
    sv_geo_free(g);
    sv_journal_close(j);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

int main(void)
{
    test_gestures();
    test_script();
    test_widgets();
    test_screens();
    return check_finish();
}
