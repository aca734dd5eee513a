/*
 * test_app.c - the touch app's logic without SDL: gesture recognition, script parsing, the
 * widget table, and the screens built from a real journal (Today lists the units with stable
 * IDs, a tap on a unit opens its map, the GNSS pill opens the GNSS screen, back returns,
 * touch targets are at least 10 mm, pinch zooms about the fingers, drag pans); and recording
 * through the real recorder thread on a real journal: averaged points with an offset and with an
 * override reason, a walk that survives a restart on the same track, verification through the
 * text layer, attendance, a signature that stops covering the boundary when a point changes, a
 * dispute, and the Day end figures.
 */
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "app_int.h"
#include "check.h"
#include "gesture.h"
#include "i18n.h"
#include "preview.h"
#include "recorder.h"
#include "script.h"
#include "survey/geo.h"
#include "survey/state.h"
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
        "tap\n",         "tap map\n",    "tap 1\n",       "tap 1 2 3\n",
        "tap @\n",       "wait\n",       "wait -5\n",     "wait abc\n",
        "pinch 1 2 0\n", "drag 1 2 3\n", "jump @map\n",   "wait-for map\n",
        "screenshot\n",  "quit now\n",   "tap 1e999 2\n", "wait 1 2 3 4 5 6 7\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        int rc = app_script_parse(bad[i], &s, err, sizeof err);
        CHECK_INT(rc, -1);
        CHECK(strncmp(err, "line 1: ", 8) == 0);
        if (rc == 0)
            app_script_free(&s);
    }
    /* locate LAT LON: the numbers as written kept for the echo */
    CHECK_INT(app_script_parse("locate 35.5600 103.2450\n", &s, err, sizeof err), 0);
    if (s.n == 1) {
        CHECK_INT(s.cmd[0].op, APP_S_LOCATE);
        CHECK_STR(s.cmd[0].arg, "35.5600 103.2450");
        CHECK_NEAR(s.cmd[0].v[0], 35.56, 1e-12);
        CHECK_NEAR(s.cmd[0].v[1], 103.245, 1e-12);
    }
    app_script_free(&s);
    static const char *const bad_locate[] = {"locate\n",          "locate 35.5\n",
                                             "locate 91 103\n",   "locate 35 181\n",
                                             "locate 35 103 1\n", "locate @map 103\n"};
    for (size_t i = 0; i < sizeof bad_locate / sizeof bad_locate[0]; i++) {
        CHECK_INT(app_script_parse(bad_locate[i], &s, err, sizeof err), -1);
        CHECK(strstr(err, "line 1: locate") != NULL);
    }
    CHECK_INT(app_script_parse("quit\nbogus\n", &s, err, sizeof err), -1);
    CHECK(strstr(err, "line 2: unknown command 'bogus'") != NULL);
    CHECK_INT(app_script_load("/nonexistent/script", &s, err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/script") != NULL);
}

/* Phrases swap between the UI's words and the registry's only where they stand whole: the
 * crew's own sentence and a name holding a phrase are kept as typed (an English "Managed
 * directly by the township" was recorded as "直接行使 by the township", and 临夏州自然资源局
 * shown as "临夏州Natural resources bureau"). */
static void test_phrases(void)
{
    static const app__phrase ph[] = {{"Managed directly", "直接行使"},
                                     {"Natural resources bureau", "自然资源局"},
                                     {"Owned by the whole people (the State)", "全民所有"}};
    char out[300];
    app__phrase_store(ph, 3, "Managed directly", out, sizeof out);
    CHECK_STR(out, "直接行使");
    app__phrase_store(ph, 3, "Managed directly by the township", out, sizeof out);
    CHECK_STR(out, "Managed directly by the township");
    app__phrase_store(ph, 3, "Owned by the whole people (the State)（村民会议", out, sizeof out);
    CHECK_STR(out, "全民所有（村民会议");
    app__phrase_store(ph, 3, "Natural resources bureau，Managed directly", out, sizeof out);
    CHECK_STR(out, "自然资源局，直接行使");
    app__phrase_store(ph, 3, "Natural resources bureau, Managed directly (2019)", out, sizeof out);
    CHECK_STR(out, "自然资源局, 直接行使 (2019)");
    app__phrase_store(ph, 3, "The Natural resources bureau", out, sizeof out);
    CHECK_STR(out, "The Natural resources bureau");
    CHECK_STR(app__phrase_show(ph, 3, "临夏州自然资源局", out, sizeof out), "临夏州自然资源局");
    CHECK_STR(app__phrase_show(ph, 3, "自然资源局", out, sizeof out), "Natural resources bureau");
    CHECK_STR(app__phrase_show(ph, 3, "全民所有（村民会议", out, sizeof out),
              "Owned by the whole people (the State)（村民会议");
    CHECK_STR(app__phrase_show(ph, 3, "自然资源局，直接行使", out, sizeof out),
              "Natural resources bureau，Managed directly");
}

/* Advance widths like a proportional font's (Noto Sans CJK's are close): narrow i, l and the
 * space, wide W and M, the rest 0.55 em; counts its calls, and cannot say for '~'. */
static int advance_calls;
static int test_advances(void *ctx, int px, int c)
{
    (void)ctx;
    advance_calls++;
    float f = c == 'i' || c == 'l' ? 0.25f : c == ' ' ? 0.22f : c == 'W' || c == 'M' ? 0.8f : 0.55f;
    return c == '~' ? -1 : (int)lroundf(f * (float)px);
}

/* With the platform's advance widths Latin text is measured, not estimated at 0.62 em: "Record
 * point" fits a box the estimate wrapped it in, "WWWW" counts wider than the estimate (it
 * was not safe), each character is asked for once per size (and only the ones measured), one
 * the platform cannot say is estimated, and wrapped lines stay in their box. */
static void test_measured_text(void)
{
    app_ui ui = {0};
    app_ui_begin(&ui, 800, 600, 4);
    char out[512];
    /* the estimate: 12 x 0.62 x 20 = 148.8 px, wider than 140 */
    CHECK(app__text_width("Record point", 20) > 140);
    CHECK_INT(app__fit_label(&ui, (app_rect){0, 0, 140, 60}, "Record point", 20, out, sizeof out),
              20);
    CHECK_STR(out, "Record\npoint");
    app_set_text_advances(test_advances, NULL);
    advance_calls = 0;
    /* measured: 10 x 11 + 5 + 4 (the space) + 0.15 em + 1 = 123 px */
    CHECK(fabsf(app__text_width("Record point", 20) - 123) < 0.01f);
    CHECK_INT(advance_calls, 11); /* R e c o r d space p i n t */
    CHECK_INT(app__fit_label(&ui, (app_rect){0, 0, 140, 60}, "Record point", 20, out, sizeof out),
              20);
    CHECK_STR(out, "Record point");
    CHECK_INT(advance_calls, 11); /* asked once */
    CHECK(app__text_width("WWWW", 20) > 4 * 0.62f * 20 + 10);
    CHECK_INT(advance_calls, 12);
    CHECK(fabsf(app__text_width("界址点", 20) - (60 + 4)) < 0.01f); /* one em each, a margin */
    CHECK_INT(advance_calls, 12);
    /* '~' unknown: the estimate, 0.62 em, asked once */
    CHECK(fabsf(app__text_width("~~", 20) - (2 * 0.62f * 20 + 4)) < 0.01f);
    CHECK(fabsf(app__text_width("~~", 20) - (2 * 0.62f * 20 + 4)) < 0.01f);
    CHECK_INT(advance_calls, 13);
    for (int w = 90; w <= 400; w += 13) {
        const char *msg = "Walk the boundary with the receiver on the pole, then record J12 "
                          "(RTK fixed) at /media/crew/KINGSTON/quejie-a073f7f25fa3-20261204.gpkg";
        app_rect box = {0, 0, (float)w, 2000};
        int px = app__fit_label(&ui, box, msg, 20, out, sizeof out);
        for (const char *q = out; *q;) {
            const char *e = strchr(q, '\n');
            size_t k = e ? (size_t)(e - q) : strlen(q);
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)k, q);
            if (app__text_width(line, px) > box.w)
                fprintf(stderr, "  line wider than %d px: [%s]\n", w, line);
            CHECK(app__text_width(line, px) <= box.w);
            q += k + (e != NULL);
        }
    }
    /* each of the message's 49 characters at most once per size fit_label tried (up to 3) */
    CHECK(advance_calls <= 13 + 3 * 49);
    app_set_text_advances(NULL, NULL);
    CHECK(app__text_width("Record point", 20) > 140); /* the estimate again */
    app_ui_free(&ui);
}

static void test_widgets(void)
{
    app_ui ui = {0};
    app_ui_begin(&ui, 800, 600, 4);
    /* wrapped at every width, a line never starts with a closing mark nor ends with an opening
     * bracket ("写入U盘（未找到U盘 / ）", "缩小（− DPI / ）") */
    {
        const char *texts[] = {"写入U盘（未找到U盘）", "缩小（− DPI）",
                               "无数据包（未注册到县局）：请先注册",
                               "Fix mode 3D (satellites used 12, seen 20)."};
        for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++)
            for (int w = 90; w <= 400; w += 7) { /* 4.5 em and up: narrower cuts words */
                char out[512];
                app__fit_label(&ui, (app_rect){0, 0, (float)w, 400}, texts[t], 20, out, sizeof out);
                for (char *l = out; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                    const char *nl = strchr(l, '\n');
                    size_t k = nl ? (size_t)(nl - l) : strlen(l);
                    int bad_start =
                        l != out && (strncmp(l, "）", 3) == 0 || strncmp(l, "：", 3) == 0 ||
                                     *l == ')' || *l == '.');
                    int bad_end = nl && k >= 3 && strncmp(l + k - 3, "（", 3) == 0;
                    if (bad_start || bad_end)
                        fprintf(stderr, "  wrapped badly at %d px: [%s]\n", w, out);
                    CHECK(!bad_start && !bad_end);
                }
            }
    }
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

    /* a word wider than the line (a file's path on the USB stick, Day end in portrait) is
     * broken, after a '/' or '-' where one is near, so each line lies inside the box: it ran
     * off the window's edge, cut */
    {
        const char *msg = "Written to the USB stick: /media/crew/KINGSTON/quejie-"
                          "a073f7f25fa39203f02331aa125601b8-20261204-74.gpkg (GeoPackage)";
        app_rect box = {0, 0, 300, 200};
        char out[1024];
        int px = app__fit_label(&ui, box, msg, 14, out, sizeof out);
        int lines = 1, wide = 0;
        for (const char *q = out; *q;) {
            const char *e = strchr(q, '\n');
            size_t k = e ? (size_t)(e - q) : strlen(q);
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)k, q);
            wide |= app__text_width(line, px) > box.w;
            q += k + (e != NULL);
            lines += e != NULL;
        }
        CHECK(!wide);
        CHECK(lines >= 3 && 1.3f * (float)px * (float)lines <= box.h);
        /* nothing lost or added: the same characters, spaces and line breaks aside */
        char x[1024], y[1024];
        size_t nx = 0, ny = 0;
        for (const char *q = out; *q; q++)
            if (*q != '\n' && *q != ' ')
                x[nx++] = *q;
        for (const char *q = msg; *q; q++)
            if (*q != ' ')
                y[ny++] = *q;
        x[nx] = y[ny] = '\0';
        CHECK_STR(x, y);
    }
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

/* A new journal at DIR/j.db holding the units of the Linxia task package, which are left in
 * *ts for the caller to compare with (and clear). NULL when it could not be made. */
/* A new journal in dir holding the units of the task fixture file (tests/fixtures/tasks/). */
static sv_journal *units_journal(const char *dir, const char *device, const char *file, char *path,
                                 size_t len, sv_task_set *ts)
{
    char tasks[512];
    snprintf(path, len, "%s/j.db", dir);
    const char *fix = getenv("QJ_FIXTURES");
    snprintf(tasks, sizeof tasks, "%s/tasks/%s", fix ? fix : "tests/fixtures", file);
    sv_journal_opts jo = {device, NULL, 0, NAN};
    sv_journal *j = NULL;
    CHECK_INT(sv_journal_create(path, &jo, &j), SV_OK);
    sv_geo *g = NULL;
    sv_diag diag;
    CHECK_INT(sv_geo_new(&g), SV_OK);
    CHECK_INT(sv_tasks_read(tasks, g, NULL, ts, &diag), SV_OK);
    for (size_t i = 0; j && i < ts->n; i++)
        CHECK_INT(sv_record_unit(j, &ts->units[i], NULL), SV_OK);
    sv_geo_free(g);
    return j;
}

static sv_journal *unit_journal(const char *dir, const char *device, char *path, size_t len,
                                sv_task_set *ts)
{
    return units_journal(dir, device, "linxia-units-4490.geojson", path, len, ts);
}

static int ui_says(const app_ui *ui, const char *needle);
static int pick_value(app *a, app_ui *ui, const char *v);
static int lines_of_colour(const app_ui *ui, app_color c);

static void test_screens(void)
{
    char dir[] = "/tmp/qj-app-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char path[256];
    sv_task_set ts = {0};
    sv_journal *j = unit_journal(dir, "app-test", path, sizeof path, &ts);
    if (!j)
        return;
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
    /* the top bar: the battery (a power-supply tree in sysfs's format) and the journal's free
     * space; a battery under 20 % and discharging is a warning */
    {
        char bat[200], f[400];
        snprintf(bat, sizeof bat, "%s/power", dir);
        mkdir(bat, 0700);
        snprintf(f, sizeof f, "%s/BAT0", bat);
        mkdir(f, 0700);
        const char *files[][2] = {
            {"type", "Battery"}, {"capacity", "15"}, {"status", "Discharging"}};
        for (size_t i = 0; i < 3; i++) {
            snprintf(f, sizeof f, "%s/BAT0/%s", bat, files[i][0]);
            FILE *fp = fopen(f, "w");
            if (fp) {
                fprintf(fp, "%s\n", files[i][1]);
                fclose(fp);
            }
        }
        snprintf(a.power_root, sizeof a.power_root, "%s", bat);
        snprintf(a.journal_path, sizeof a.journal_path, "%s", path);
        a.device_read_ms = 0;
        app_ui_begin(&ui, 1280, 800, 3.78f);
        app_build(&a, &ui, 1000);
        CHECK(ui_says(&ui, "Battery 15%"));
        CHECK(ui_says(&ui, "Free "));
        int warned = 0;
        for (size_t i = 0; i < ui.ncmd; i++)
            warned |= ui.cmd[i].op == APP_OP_TEXT && ui.cmd[i].color == C_WARN &&
                      strcmp(ui.text + ui.cmd[i].off, "Battery 15%") == 0;
        CHECK(warned);
    }
    /* the unit's type in the interface's language: its label, not the Chinese code */
    CHECK(ui_says(&ui, "water flow (river, lake, reservoir) · points"));
    CHECK(!ui_says(&ui, "水流"));
    /* no receiver given: the pill says so */
    int says = 0;
    for (size_t i = 0; i < ui.ncmd; i++)
        says |= ui.cmd[i].op == APP_OP_TEXT && strcmp(ui.text + ui.cmd[i].off, "No receiver") == 0;
    CHECK(says);
    /* ... and the GNSS screen says what is missing, not that gpsd is silent */
    CHECK(tap(&a, &ui, "gnss") != NULL);
    CHECK(ui_says(&ui, "started without --gnss HOST:PORT"));
    CHECK(!ui_says(&ui, "gpsd is not answering"));
    CHECK(app_go_back(&a));
    app_build(&a, &ui, 1000);

    CHECK(tap(&a, &ui, "unit:622901ZR000002") != NULL);
    CHECK_INT(a.screen, APP_SCR_MAP);
    CHECK(app_ui_find(&ui, "map") != NULL && app_ui_find(&ui, "back") != NULL);
    /* no basemap opened: the imagery switch is disabled and says so, not "on" */
    {
        const app_widget *bm = app_ui_find(&ui, "basemap");
        CHECK(bm && !bm->enabled && strcmp(app_ui_widget_label(&ui, bm), "No imagery") == 0);
    }
    /* the draft whole, its shell and its hole, each a line of its own (only the first ring was
     * drawn: a unit's second part and its holes were missing from the map) */
    /* no recorder here (a journal open read-only is the same): every record can be looked at,
     * only Record and Walk are closed (only Points could be opened) */
    CHECK(a.rec == NULL);
    CHECK(app_ui_find(&ui, "verify") && app_ui_find(&ui, "verify")->enabled);
    CHECK(app_ui_find(&ui, "sign") && app_ui_find(&ui, "sign")->enabled);
    CHECK(app_ui_find(&ui, "record") && !app_ui_find(&ui, "record")->enabled);
    CHECK(app_ui_find(&ui, "walk") && !app_ui_find(&ui, "walk")->enabled);
    CHECK_INT((int)a.ndraft_ring, 2);
    CHECK_INT((int)a.ndraft, (int)a.units[a.cur].u.draft.n_pts);
    CHECK(lines_of_colour(&ui, C_DRAFT) >= 2);
    CHECK(a.ndraft >= 4);
    CHECK_INT(a.npts, 1);
    CHECK_INT(a.crs.epsg, 4513 + 34 - 25); /* 103.23 E: 3-degree zone 34 -> EPSG:4522 */
    /* the coordinates' CRS as the map and a point's page name it: its EPSG code, or for a
     * journal on a custom central meridian the meridian, never "EPSG:0" */
    {
        char b[96];
        CHECK(strcmp(app__crs_label(&a, b, sizeof b), "EPSG:4522") == 0);
        sv_crs keep = a.crs;
        a.crs = (sv_crs){.epsg = 0, .central_meridian = 103.5};
        CHECK(strcmp(app__crs_label(&a, b, sizeof b), "CGCS2000 GK CM 103.5E") == 0);
        a.crs = keep;
    }
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
    sv_journal_close(j);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/* ---- recording through the recorder thread ------------------------------------------------- */

#define LAT0 35.5500
#define LON0 103.2300
#define M_N (1 / 110950.0)
#define DEG_PER_E (1 / 90630.0)

static sv_fix fix_at(double e, double n, double t, sv_grade g)
{
    sv_fix f;
    memset(&f, 0, sizeof f);
    f.mode = 3;
    f.status = g == SV_GRADE_RTK_FIXED ? 3 : g == SV_GRADE_DGPS ? 2 : 1;
    f.grade = g;
    f.lat = LAT0 + n * M_N;
    f.lon = LON0 + e * DEG_PER_E;
    f.alt_hae = 1950;
    f.alt_msl = f.speed = f.sigma_lat = f.sigma_lon = f.sigma_alt = NAN;
    f.time = t;
    f.mono_ms = sv_mono_ms();
    f.eph = 0.02;
    f.epv = 0.04;
    f.hdop = 0.7;
    f.vdop = 1.1;
    f.pdop = 1.3;
    f.corr_age = 1;
    f.sats_used = 19;
    f.sats_seen = 21;
    return f;
}

/* Whether some text drawn in the frame contains needle. */
static int ui_says(const app_ui *ui, const char *needle)
{
    for (size_t i = 0; i < ui->ncmd; i++)
        if (ui->cmd[i].op == APP_OP_TEXT && strstr(ui->text + ui->cmd[i].off, needle))
            return 1;
    return 0;
}

/* Whether some text drawn in the frame has an English unit after a number: "4.750 m",
 * "9.2 s", "2 km" (a Chinese screen says 米, 秒, 千米). */
static int ui_english_unit(const app_ui *ui)
{
    static const char *units[] = {"m", "s", "km"};
    for (size_t i = 0; i < ui->ncmd; i++) {
        if (ui->cmd[i].op != APP_OP_TEXT)
            continue;
        const char *tx = ui->text + ui->cmd[i].off;
        for (const char *q = tx; *q; q++) {
            if (!(*q >= '0' && *q <= '9') || q[1] != ' ')
                continue;
            for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
                size_t l = strlen(units[u]);
                if (strncmp(q + 2, units[u], l) != 0)
                    continue;
                char after = q[2 + l]; /* the text goes on at least to here */
                if (!((after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z'))) {
                    fprintf(stderr, "  English unit in '%s'\n", tx);
                    return 1;
                }
            }
        }
    }
    return 0;
}

/* Every text of the frame against the opaque fill it lies on (the last one drawn before it under
 * its box's centre, else the page): at least 4.5:1 (WCAG AA). */
static void check_text_contrast(const app_ui *ui, const char *theme)
{
    for (size_t i = 0; i < ui->ncmd; i++) {
        const app_cmd *k = &ui->cmd[i];
        if (k->op != APP_OP_TEXT)
            continue;
        float cx = k->r.x + k->r.w / 2, cy = k->r.y + k->r.h / 2;
        app_color bg = app__th->bg;
        for (size_t j = 0; j < i; j++)
            if (ui->cmd[j].op == APP_OP_FILL && (ui->cmd[j].color & 0xff) == 0xff &&
                app_rect_has(ui->cmd[j].r, cx, cy))
                bg = ui->cmd[j].color;
        double r = app__contrast(k->color, bg);
        if (r < 4.5) {
            fprintf(stderr, "  %s theme: '%s' %08x on %08x is %.2f:1\n", theme, ui->text + k->off,
                    k->color, bg, r);
            CHECK(!"text below 4.5:1 on its background");
        }
    }
}

/* Build the screen shown. Every frame the tests look at is first built in each theme and its
 * texts checked against what they lie on: every screen the scripted day passes through, not only
 * Record, is readable by day and at night. */
static void rebuild(app *a, app_ui *ui)
{
    int keep = a->set.theme;
    for (int th = 0; th < APP__NTHEMES; th++) {
        a->set.theme = th;
        app_ui_begin(ui, 1280, 800, 3.78f);
        app_build(a, ui, sv_mono_ms());
        check_text_contrast(ui, app__themes[th].name);
    }
    a->set.theme = keep;
    app_ui_begin(ui, 1280, 800, 3.78f);
    app_build(a, ui, sv_mono_ms());
}

/* Let the worker threads run until cond holds (up to 10 s); the screen follows. */
#define PUMP_UNTIL(a, ui, cond)                                                                    \
    do {                                                                                           \
        for (int i_ = 0; i_ < 1000 && !(cond); i_++) {                                             \
            struct timespec ts_ = {0, 10 * 1000000L};                                              \
            nanosleep(&ts_, NULL);                                                                 \
            if (app_poll_workers(a))                                                               \
                rebuild(a, ui);                                                                    \
        }                                                                                          \
        CHECK(cond);                                                                               \
    } while (0)

static int tap_id(app *a, app_ui *ui, const char *id)
{
    rebuild(a, ui);
    const app_widget *w = app_ui_find(ui, id);
    if (!w || !w->enabled) {
        fprintf(stderr, "  no enabled widget @%s on screen %d\n", id, (int)a->screen);
        return 0;
    }
    app_gesture g = {.type = APP_G_TAP, .x = w->r.x + w->r.w / 2, .y = w->r.y + w->r.h / 2};
    app_on_gesture(a, ui, &g);
    rebuild(a, ui);
    return 1;
}

/* Every actionable widget on this frame is at least 10 mm in both directions. */
static void check_targets(const app_ui *ui)
{
    for (size_t i = 0; i < ui->nw; i++)
        if (ui->w[i].r.h < 10 * ui->px_per_mm || ui->w[i].r.w < 10 * ui->px_per_mm) {
            fprintf(stderr, "  widget @%s is %.0fx%.0f px\n", ui->w[i].id, ui->w[i].r.w,
                    ui->w[i].r.h);
            CHECK(!"touch target under 10 mm");
        }
}

/* Every screen, in portrait and landscape on real tablet displays: each widget lies inside the
 * window, is at least 10 mm each way and overlaps no other (the map under its buttons aside). */
static void check_layouts(app *a)
{
    static const struct {
        int w, h;
        float ppmm;
    } disp[] = {{800, 1280, 7.44f},  /* 8" 800x1280, 189 DPI, portrait */
                {1280, 800, 5.87f},  /* 10" 1280x800, 149 DPI */
                {1280, 800, 8.82f},  /* 1280x800 at 224 DPI: Record, Note, Settle ran under it */
                {800, 1280, 8.82f},  /* and turned */
                {1200, 1920, 8.82f}, /* 10" 1920x1200 turned, 224 DPI */
                {1920, 1200, 8.82f}};
    static const app_screen scr[] = {
        APP_SCR_TODAY,  APP_SCR_MAP,  APP_SCR_GNSS,    APP_SCR_RECORD,  APP_SCR_WALK,
        APP_SCR_VERIFY, APP_SCR_SIGN, APP_SCR_DISPUTE, APP_SCR_DAYEND,  APP_SCR_POINTS,
        APP_SCR_POINT,  APP_SCR_NOTE, APP_SCR_SETTLE,  APP_SCR_SETTINGS};
    app_screen keep = a->screen;
    int64_t keep_sel = a->dsp_sel;
    if (a->ndsp > 0)
        a->dsp_sel = a->dsp[0].seq; /* the Settle screen shows it */
    app_ui ui = {0};
    size_t checked = 0;
    for (size_t d = 0; d < sizeof disp / sizeof disp[0]; d++)
        for (size_t k = 0; k < sizeof scr / sizeof scr[0]; k++) {
            a->screen = scr[k];
            app_ui_begin(&ui, disp[d].w, disp[d].h, disp[d].ppmm);
            app_build(a, &ui, sv_mono_ms());
            for (size_t i = 0; i < ui.nw; i++, checked++) {
                app_rect r = ui.w[i].r;
                int inside = r.x >= -0.5f && r.y >= -0.5f && r.x + r.w <= disp[d].w + 0.5f &&
                             r.y + r.h <= disp[d].h + 0.5f;
                int big = r.w >= 10 * disp[d].ppmm - 0.5f && r.h >= 10 * disp[d].ppmm - 0.5f;
                if (!inside || !big) {
                    fprintf(stderr, "  %dx%d screen %d: @%s at %.0f,%.0f %.0fx%.0f\n", disp[d].w,
                            disp[d].h, (int)scr[k], ui.w[i].id, r.x, r.y, r.w, r.h);
                    CHECK(!"widget outside the window or under 10 mm");
                }
                for (size_t o = i + 1; o < ui.nw && strcmp(ui.w[i].id, "map") != 0; o++) {
                    app_rect q = ui.w[o].r;
                    if (strcmp(ui.w[o].id, "map") == 0 ||
                        fminf(r.x + r.w, q.x + q.w) - fmaxf(r.x, q.x) <= 0.5f ||
                        fminf(r.y + r.h, q.y + q.h) - fmaxf(r.y, q.y) <= 0.5f)
                        continue;
                    fprintf(stderr, "  %dx%d screen %d: @%s overlaps @%s\n", disp[d].w, disp[d].h,
                            (int)scr[k], ui.w[i].id, ui.w[o].id);
                    CHECK(!"widgets overlap");
                }
            }
        }
    a->dsp_sel = keep_sel;
    CHECK(checked > 150); /* every screen had its widgets */
    a->screen = keep;
    app_ui_free(&ui);
}

/* A decision the journal refuses (no such unit); counts its attempts. */
/* A decision that finds the journal held by another program every time. */
static int busy_job(sv_journal *j, void *arg, int64_t *seq)
{
    (void)j, (void)seq;
    ++*(int *)arg;
    return SV_EBUSY;
}

static int refused_job(sv_journal *j, void *arg, int64_t *seq)
{
    ++*(int *)arg;
    sv_verification v;
    memset(&v, 0, sizeof v);
    snprintf(v.unit, sizeof v.unit, "NO-SUCH-UNIT");
    return sv_record_verification(j, &v, seq);
}

static void test_recording(void)
{
    char dir[] = "/tmp/qj-apprec-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char path[256];
    sv_task_set ts = {0};
    sv_journal *j = unit_journal(dir, "app-rec", path, sizeof path, &ts);
    if (!j)
        return;
    CHECK_INT(sv_record_config(j, "average.epochs", "3", NULL), SV_OK);
    CHECK_INT(sv_record_config(j, "average.seconds", "0", NULL), SV_OK);
    const char *U = "622901ZR000002";

    app_i18n_init("en", NULL);
    app a;
    CHECK_INT(app_init(&a, j), SV_OK);
    char err[256];
    CHECK_INT(app_rec_start(path, NULL, NULL, &a.rec, err, sizeof err), 0);
    a.gnss_ok = 1;
    a.gnss.connected = 1;
    app_ui ui = {0};
    CHECK_INT(app_open_unit(&a, U), SV_OK);
    rebuild(&a, &ui);
    check_targets(&ui);

    /* an averaged point 3.5 m east of the pole, entered on the keypad */
    CHECK(tap_id(&a, &ui, "record"));
    CHECK_INT(a.screen, APP_SCR_RECORD);
    check_targets(&ui);
    /* the type picker starts on measured (the seeds' order, not the codes' alphabet); a
     * map-read choice is for this point alone (issue 10 defect 2) */
    CHECK(tap_id(&a, &ui, "ptype"));
    CHECK(a.npick >= 2 && strcmp(a.pick_value[0], "measured") == 0);
    CHECK(a.npick >= 2 && strcmp(a.pick_value[1], "map-read") == 0);
    CHECK(tap_id(&a, &ui, "pick:1"));
    CHECK_STR(a.ptype, "map-read");
    /* a distance whose bearing keypad is cancelled sets no offset (it once left 12 m at "nan°"
     * and recorded a plain point) */
    CHECK(tap_id(&a, &ui, "offset"));
    app_on_text(&a, "12");
    CHECK(tap_id(&a, &ui, "key:ok"));
    CHECK(tap_id(&a, &ui, "key:cancel"));
    CHECK_INT(a.modal, APP_MODAL_NONE);
    CHECK(!isfinite(a.off_m) && !isfinite(a.off_brg));
    CHECK(!ui_says(&ui, "nan"));
    CHECK(tap_id(&a, &ui, "offset"));
    CHECK_INT(a.modal, APP_MODAL_KEYPAD);
    check_targets(&ui);
    CHECK(tap_id(&a, &ui, "key:3"));
    CHECK(tap_id(&a, &ui, "key:dot"));
    CHECK_INT(app_on_text(&a, "5"), 1);
    CHECK_INT(app_on_text(&a, "x"), 0); /* the keypad takes numbers only */
    CHECK(tap_id(&a, &ui, "key:ok"));
    CHECK_INT(a.modal, APP_MODAL_KEYPAD); /* now the bearing */
    app_on_text(&a, "90");
    CHECK_INT(app_on_key(&a, APP_KEY_ENTER), 1);
    CHECK_INT(a.modal, APP_MODAL_NONE);
    CHECK_NEAR(a.off_m, 3.5, 1e-9);
    CHECK_NEAR(a.off_brg, 90, 1e-9);
    CHECK(tap_id(&a, &ui, "record-go"));
    CHECK(app_ui_find(&ui, "record-cancel") != NULL);
    double t = 1.7e9;
    for (int i = 0; i < 3; i++) {
        sv_fix f = fix_at(0.002 * i, 0, t += 1, SV_GRADE_RTK_FIXED);
        app_rec_fix(a.rec, &f);
    }
    PUMP_UNTIL(&a, &ui, a.npts == 1 && !a.rs.averaging);
    if (a.npts == 1) {
        CHECK_STR(a.pts[0].number, "T1"); /* map-read points are numbered T */
        CHECK(a.pts[0].flags & SV_PT_OFFSET);
        CHECK_NEAR(sv_geo_distance(LAT0, LON0, a.pts[0].lat, a.pts[0].lon, NULL), 3.5, 0.01);
        CHECK_INT(a.pts[0].q.n, 3);
        CHECK(!isfinite(a.off_m)); /* the offset was for that point only */
        CHECK_STR(a.pts[0].point_type, "map-read");
        CHECK_STR(a.ptype, ""); /* ... and so was the type: the next point is measured */
    }

    /* below the gate: averaging waits and says why; an override needs a reason */
    CHECK(tap_id(&a, &ui, "record-go"));
    sv_fix d = fix_at(5, 5, t += 1, SV_GRADE_DGPS);
    a.gnss.have_fix = 1;
    a.gnss.fix = d;
    app_rec_fix(a.rec, &d);
    PUMP_UNTIL(&a, &ui, a.rs.verdict == SV_EPOCH_LOW_GRADE);
    a.gnss.fix.mono_ms = sv_mono_ms();
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "override") && app_ui_find(&ui, "override")->enabled);
    /* what keeps the point, its progress: readable in both themes (the night theme drew its
     * light text on the day theme's light bars and boxes) */
    for (int th = 0; th < APP__NTHEMES; th++) {
        a.set.theme = th;
        rebuild(&a, &ui);
        check_text_contrast(&ui, app__themes[th].name);
    }
    a.set.theme = 0;
    CHECK(tap_id(&a, &ui, "override"));
    CHECK_INT(a.modal, APP_MODAL_PICK);
    CHECK(tap_id(&a, &ui, "pick:0"));
    /* the override answers the low grade only: a pole carried meanwhile is still said, after
     * the override's reason, and the average starts again */
    {
        sv_fix f0 = fix_at(5, 5, t += 1, SV_GRADE_DGPS);
        app_rec_fix(a.rec, &f0);
        PUMP_UNTIL(&a, &ui, a.rs.n == 1);
        sv_fix mv = fix_at(6, 5, t += 1, SV_GRADE_DGPS);
        mv.speed = 1.2;
        app_rec_fix(a.rec, &mv);
        PUMP_UNTIL(&a, &ui, a.rs.moving);
        a.gnss.fix = mv;
        a.gnss.fix.mono_ms = sv_mono_ms();
        rebuild(&a, &ui);
        CHECK(ui_says(&ui, "Override: Tree canopy blocks the sky · The pole is moving"));
    }
    for (int i = 0; i < 3; i++) {
        sv_fix f = fix_at(5, 5, t += 1, SV_GRADE_DGPS);
        app_rec_fix(a.rec, &f);
    }
    PUMP_UNTIL(&a, &ui, a.npts == 2 && !a.rs.averaging);
    if (a.npts == 2) {
        /* measured again by default: J2, after T1 in the unit's one series (DOMAIN.md 3) */
        CHECK_STR(a.pts[1].number, "J2");
        CHECK_STR(a.pts[1].point_type, "measured");
        CHECK(a.pts[1].flags & SV_PT_OVERRIDE);
        CHECK_STR(a.pts[1].override_reason ? a.pts[1].override_reason : "",
                  "Tree canopy blocks the sky");
        /* defect 10: the journal keeps the reason's code; the label is for humans */
        CHECK_STR(a.pts[1].override_code, "canopy");
    }

    /* a pole carried while averaging: the average starts again, nothing is recorded */
    CHECK(tap_id(&a, &ui, "record-go"));
    sv_fix m1 = fix_at(7, 7, t += 1, SV_GRADE_RTK_FIXED);
    app_rec_fix(a.rec, &m1);
    PUMP_UNTIL(&a, &ui, a.rs.n == 1);
    sv_fix m2 = fix_at(8, 7, t += 1, SV_GRADE_RTK_FIXED);
    m2.speed = 1.2;
    app_rec_fix(a.rec, &m2);
    PUMP_UNTIL(&a, &ui, a.rs.moving);
    CHECK_INT(a.rs.n, 0);
    CHECK_INT(a.rs.need_n, 3); /* the restarted average keeps its targets */
    sv_fix m3 = fix_at(9, 7, t += 1, SV_GRADE_RTK_FIXED);
    app_rec_fix(a.rec, &m3);
    PUMP_UNTIL(&a, &ui, a.rs.n == 1);
    CHECK(a.rs.averaging);
    CHECK_INT(a.npts, 2); /* one epoch is not a point */
    CHECK(tap_id(&a, &ui, "record-cancel"));
    PUMP_UNTIL(&a, &ui, !a.rs.averaging);
    CHECK_INT(a.npts, 2);

    /* a gap in the epochs (gpsd restarted, a cable pulled): the average starts again */
    CHECK(tap_id(&a, &ui, "record-go"));
    sv_fix g1 = fix_at(7, 7, t += 1, SV_GRADE_RTK_FIXED);
    g1.mono_ms = sv_mono_ms() - 1500;
    app_rec_fix(a.rec, &g1);
    PUMP_UNTIL(&a, &ui, a.rs.n == 1);
    sv_fix g2 = fix_at(7, 7, t += 5, SV_GRADE_RTK_FIXED);
    g2.mono_ms = sv_mono_ms() + 2000;
    app_rec_fix(a.rec, &g2);
    PUMP_UNTIL(&a, &ui, a.rs.gaps == 1);
    CHECK_INT(a.rs.n, 1); /* only the epoch after the gap */
    CHECK(tap_id(&a, &ui, "record-cancel"));
    PUMP_UNTIL(&a, &ui, !a.rs.averaging);
    CHECK_INT(a.npts, 2);

    /* a walk: vertices every 2 m on the same track, kept across a restart of the recorder */
    CHECK(tap_id(&a, &ui, "back"));
    CHECK(tap_id(&a, &ui, "walk"));
    /* before the walk, without a receiver: the Walk screen says what it cannot do (a walk, not
     * a point) */
    {
        int was = a.gnss.connected;
        a.gnss.connected = 0;
        rebuild(&a, &ui);
        CHECK(ui_says(&ui, "a walk records no vertices until it is back"));
        a.gnss.connected = was;
        rebuild(&a, &ui);
    }
    /* no walk yet: said so, not "0 vertices in 0 walks" */
    CHECK(ui_says(&ui, "Not walking · no walk yet"));
    CHECK(tap_id(&a, &ui, "walk-start"));
    CHECK(app_ui_find(&ui, "walk-stop") != NULL);
    for (int i = 0; i < 6; i++) {
        sv_fix f = fix_at(10 + 3.0 * i, 0, t += 1, SV_GRADE_RTK_FIXED);
        app_rec_fix(a.rec, &f);
        if (i == 0) { /* each count with its own plural: "1 vertex", not "1 vertices" */
            PUMP_UNTIL(&a, &ui, a.rs.vertices == 1);
            CHECK(ui_says(&ui, "Walking: 1 vertex recorded, 0 jumps left out"));
        }
    }
    PUMP_UNTIL(&a, &ui, a.rs.vertices == 6);
    CHECK(ui_says(&ui, "Walking: 6 vertices recorded, 0 jumps left out"));
    /* the receiver is lost mid-walk: a banner says what is not being recorded, on the Walk
     * screen and on any other while the walk runs, until a fresh fix is back (issue 10, 6) */
    a.gnss.connected = 0;
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "receiver-banner") != NULL);
    CHECK(ui_says(&ui, "Receiver lost") && ui_says(&ui, "records no vertices (6 so far)"));
    /* ... and the panel says nothing of the last fix's grade, nor "Following" */
    CHECK(!ui_says(&ui, "the receiver has"));
    CHECK(!ui_says(&ui, "Following"));
    a.screen = APP_SCR_TODAY;
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "receiver-banner") != NULL);
    a.screen = APP_SCR_WALK;
    a.gnss.connected = 1;
    a.gnss.have_fix = 1;
    a.gnss.fix = fix_at(10 + 3.0 * 5, 0, t, SV_GRADE_RTK_FIXED);
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "receiver-banner") == NULL);
    a.gnss.fix.mono_ms -= 10000; /* the same fix 10 s later: stale */
    rebuild(&a, &ui);
    CHECK(ui_says(&ui, "No new position from the receiver for 10 s"));
    a.gnss.have_fix = 0;
    int64_t track = a.rs.track;
    CHECK(track > 0);
    app_rec_stop(a.rec); /* as if the app died mid-walk */
    app_session ses;
    CHECK_INT(app_session_load(path, &ses), 0);
    CHECK_STR(ses.unit, U);
    CHECK_INT(ses.walking, 1);
    CHECK_INT(ses.track, track);
    CHECK_INT(app_rec_start(path, NULL, NULL, &a.rec, err, sizeof err), 0);
    app_rec_walk_start(a.rec, ses.unit, ses.track);
    /* the resumed walk's counter starts from what the walk holds, not from 0 (issue 10, 8) */
    PUMP_UNTIL(&a, &ui, a.rs.vertices == 6 && a.rs.track == track);
    for (int i = 6; i < 9; i++) {
        sv_fix f = fix_at(10 + 3.0 * i, 0, t += 1, SV_GRADE_RTK_FIXED);
        app_rec_fix(a.rec, &f);
    }
    PUMP_UNTIL(&a, &ui, a.rs.vertices == 9);
    /* another process holds the journal for 3 s: the epochs of that stretch wait in the
     * queue and are recorded when it lets go, not refused as stale */
    {
        sv_journal *other = NULL;
        CHECK_INT(sv_journal_open(path, 0, &other), SV_OK);
        CHECK_INT(sv_journal_begin(other), SV_OK);
        CHECK_INT(sv_record_config(other, "note", "held", NULL), SV_OK); /* takes the lock */
        for (int i = 9; i < 12; i++) {
            sv_fix f = fix_at(10 + 3.0 * i, 0, t += 1, SV_GRADE_RTK_FIXED);
            app_rec_fix(a.rec, &f);
        }
        struct timespec pause = {3, 0}; /* longer than SV_STALE_MS */
        nanosleep(&pause, NULL);
        CHECK_INT(sv_journal_commit(other), SV_OK);
        sv_journal_close(other);
    }
    PUMP_UNTIL(&a, &ui, a.rs.vertices == 12);
    CHECK_INT(a.rs.refused, 0);
    /* a receiver jump: 200 m in a second is no walk; kept, left out of the line, shown apart */
    sv_fix jf = fix_at(10 + 3.0 * 11, 200, t += 1, SV_GRADE_RTK_FIXED);
    app_rec_fix(a.rec, &jf);
    PUMP_UNTIL(&a, &ui, a.rs.jumps == 1);
    CHECK(ui_says(&ui, "vertices recorded, 1 jump left out"));
    PUMP_UNTIL(&a, &ui, a.njump == 1); /* re-read within 2 s */
    CHECK_INT(a.ntrk, 12);             /* one walk, its 12 vertices, no jump in the line */
    sv_vertex *vx = NULL;
    size_t nv = 0;
    CHECK_INT(sv_state_vertices(j, U, &vx, &nv), SV_OK);
    CHECK_INT(nv, 13);
    for (size_t i = 0; i < nv; i++)
        CHECK_INT(vx[i].track, track);
    CHECK_INT(vx[nv - 1].jump, 1);
    sv_track tk;
    CHECK_INT(sv_state_track(j, U, &tk), SV_OK); /* the compact form says the same */
    CHECK_INT(tk.n, nv);
    for (size_t i = 0; i < tk.n && i < nv; i++) {
        CHECK_INT(tk.walk[i], vx[i].track);
        CHECK_INT(tk.seq[i], vx[i].seq);
        CHECK_NEAR(tk.lonlat[2 * i], vx[i].lon, 0);
        CHECK_NEAR(tk.lonlat[2 * i + 1], vx[i].lat, 0);
        CHECK_INT(tk.jump[i], vx[i].jump);
    }
    sv_track_clear(&tk);
    CHECK_INT(sv_state_track_after(j, U, vx[5].seq, &tk), SV_OK); /* only what came after */
    CHECK_INT(tk.n, nv - 6);
    CHECK_INT(tk.n ? tk.seq[0] : 0, vx[6].seq);
    sv_track_clear(&tk);
    CHECK_INT(sv_state_track_after(j, U, vx[nv - 1].seq, &tk), SV_OK);
    CHECK_INT(tk.n, 0);
    sv_track_clear(&tk);
    CHECK_INT(sv_state_track(j, "no-such-unit", &tk), SV_OK);
    CHECK_INT(tk.n, 0);
    sv_track_clear(&tk);
    sv_vertices_free(vx, nv);
    CHECK(tap_id(&a, &ui, "walk-stop"));
    PUMP_UNTIL(&a, &ui, !a.rs.walking);
    rebuild(&a, &ui);
    CHECK(ui_says(&ui, "Not walking · 13 vertices in 1 walk so far")); /* not "1 walks" */
    CHECK_INT(app_session_load(path, &ses), 0);
    PUMP_UNTIL(&a, &ui, app_session_load(path, &ses) == 0 && !ses.walking);

    /* a second walk: the map appends the new vertices to what it holds (it does not re-read the
     * walk), and what it builds so equals a full re-read: a NaN pair between the walks, the jump
     * still apart */
    CHECK(tap_id(&a, &ui, "walk-start"));
    for (int i = 0; i < 4; i++) {
        sv_fix f = fix_at(60 + 3.0 * i, 30, t += 1, SV_GRADE_RTK_FIXED);
        app_rec_fix(a.rec, &f);
    }
    PUMP_UNTIL(&a, &ui, a.rs.vertices == 4);
    PUMP_UNTIL(&a, &ui, a.ntrk == 12 + 1 + 4);
    {
        size_t n1 = a.ntrk, q1 = a.njump;
        double *inc = malloc(2 * n1 * sizeof *inc),
               *incj = malloc(2 * (q1 ? q1 : 1) * sizeof *incj);
        CHECK(inc && incj);
        if (!inc || !incj)
            abort(); /* out of memory in a test: nothing below can run */
        memcpy(inc, a.trk_xy, 2 * n1 * sizeof *inc);
        memcpy(incj, a.jump_xy, 2 * q1 * sizeof *incj);
        CHECK(isnan(inc[2 * 12]) && isnan(inc[2 * 12 + 1])); /* between the walks */
        CHECK_INT(app_reload(&a), SV_OK);                    /* a full re-read */
        CHECK_INT(a.ntrk, n1);
        CHECK_INT(a.njump, q1);
        int same = a.ntrk == n1 && a.njump == q1;
        for (size_t i = 0; same && i < 2 * n1; i++)
            same = isnan(inc[i]) ? isnan(a.trk_xy[i]) : inc[i] == a.trk_xy[i];
        for (size_t i = 0; same && i < 2 * q1; i++)
            same = incj[i] == a.jump_xy[i];
        CHECK(same);
        free(inc);
        free(incj);
    }
    CHECK(tap_id(&a, &ui, "walk-stop"));
    PUMP_UNTIL(&a, &ui, !a.rs.walking);

    /* verification: confirm one field, correct another through the text layer */
    CHECK(tap_id(&a, &ui, "back"));
    CHECK(tap_id(&a, &ui, "verify"));
    check_targets(&ui);
    CHECK(tap_id(&a, &ui, "verify:owner:confirmed"));
    /* a correction offers what that field holds: governments for the agent exerciser, never
     * the owners or the modes of exercise */
    CHECK(tap_id(&a, &ui, "verify:agent:corrected"));
    {
        int govs = 0, other = 0;
        for (int k = 0; k < 40; k++) {
            char pid[32];
            snprintf(pid, sizeof pid, "phrase:%d", k);
            const app_widget *w = app_ui_find(&ui, pid);
            if (!w || !w->text_px)
                continue;
            const char *tx = ui.text + w->text_off;
            govs += strstr(tx, "people's government") != NULL;
            other += strstr(tx, "owned") != NULL || strstr(tx, "Managed") != NULL;
        }
        CHECK(govs >= 3);
        CHECK_INT(other, 0);
        const app_widget *w0 = app_ui_find(&ui, "phrase:0");
        CHECK(w0 && w0->text_px && strstr(ui.text + w0->text_off, "Provincial"));
    }
    CHECK(tap_id(&a, &ui, "text-cancel"));
    CHECK(tap_id(&a, &ui, "verify:rights:corrected"));
    CHECK_INT(a.modal, APP_MODAL_TEXT);
    CHECK_INT(a.want_text, 1);
    CHECK(tap_id(&a, &ui, "phrase:0"));
    app_on_text(&a, "（村民会议）");
    app_on_key(&a, APP_KEY_BACKSPACE);
    CHECK(tap_id(&a, &ui, "text-ok"));
    CHECK_INT(a.want_text, 0);
    PUMP_UNTIL(&a, &ui, a.nver == 2);
    for (size_t i = 0; i < a.nver; i++)
        if (a.ver[i].field == SV_FIELD_RIGHTS) {
            CHECK_INT(a.ver[i].status, SV_VERIFY_CORRECTED);
            /* the phrase in the registry's language whatever the UI's (defect 7) */
            CHECK_STR(a.ver[i].value ? a.ver[i].value : "", "全民所有（村民会议");
        }

    /* pointing out: a party, present, signs on the pad */
    CHECK(tap_id(&a, &ui, "back"));
    CHECK(tap_id(&a, &ui, "sign"));
    /* nothing but blanks (the full-width space too) is no name: OK stays off (the journal
     * refuses it, and a queued attendance could only fail) */
    CHECK(tap_id(&a, &ui, "party-add"));
    app_on_text(&a, "  \xe3\x80\x80 ");
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "text-ok") && !app_ui_find(&ui, "text-ok")->enabled);
    CHECK(tap_id(&a, &ui, "text-cancel"));
    CHECK(tap_id(&a, &ui, "party-add"));
    app_on_text(&a, "东坪村民委员会");
    CHECK(tap_id(&a, &ui, "text-ok"));
    int k = -1;
    for (int i = 0; i < a.nparty; i++)
        if (strcmp(a.party[i].name, "东坪村民委员会") == 0)
            k = i;
    CHECK(k >= 0);
    char id[64];
    snprintf(id, sizeof id, "party:%d:sign", k);
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, id) && !app_ui_find(&ui, id)->enabled); /* no attendance yet */
    snprintf(id, sizeof id, "party:%d:present", k);
    CHECK(tap_id(&a, &ui, id));
    PUMP_UNTIL(&a, &ui, k >= 0 && a.party[k].has_att);
    snprintf(id, sizeof id, "party:%d:sign", k);
    CHECK(tap_id(&a, &ui, id));
    CHECK_INT(a.screen, APP_SCR_PAD);
    CHECK(app_ui_find(&ui, "pad-save") && !app_ui_find(&ui, "pad-save")->enabled);
    const app_widget *pw = app_ui_find(&ui, "pad");
    if (pw) {
        app_rect r = pw->r;
        for (int i = 0; i <= 10; i++) {
            app_gesture dg = {.type = APP_G_DRAG,
                              .x = r.x + r.w * (0.2f + 0.05f * i),
                              .y = r.y + r.h * 0.5f,
                              .dx = i ? r.w * 0.05f : 4,
                              .dy = 0};
            app_on_gesture(&a, &ui, &dg);
        }
        app_gesture de = {.type = APP_G_DRAG_END};
        app_on_gesture(&a, &ui, &de);
    }
    CHECK(a.nstrokes >= 3);
    /* the strokes stand out on the pad by night as by day (the night's light ink once all but
     * vanished on the pad's paper) */
    for (int th = 0; th < APP__NTHEMES; th++) {
        a.set.theme = th;
        rebuild(&a, &ui);
        int paper = -1, drawn = 0;
        for (size_t i = 0; i < ui.ncmd; i++) {
            const app_cmd *kc = &ui.cmd[i];
            if (kc->op == APP_OP_FILL && kc->r.x == a.pad_rect.x && kc->r.y == a.pad_rect.y &&
                kc->r.w == a.pad_rect.w)
                paper = (int)i;
            else if (kc->op == APP_OP_LINES && paper >= 0) {
                drawn++;
                CHECK(app__contrast(kc->color, ui.cmd[paper].color) >= 7);
            }
        }
        CHECK(paper >= 0 && drawn >= 1);
    }
    a.set.theme = 0;
    CHECK(tap_id(&a, &ui, "signer"));
    app_on_text(&a, "马某");
    CHECK(tap_id(&a, &ui, "text-ok"));
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "pad-save") && !app_ui_find(&ui, "pad-save")->enabled); /* no role */
    CHECK(tap_id(&a, &ui, "role"));
    CHECK(tap_id(&a, &ui, "pick:0"));
    CHECK(tap_id(&a, &ui, "pad-save"));
    CHECK_INT(a.screen, APP_SCR_SIGN);
    PUMP_UNTIL(&a, &ui, k >= 0 && a.party[k].current == 1);
    sv_signature *sg = NULL;
    size_t ns = 0;
    uint8_t dig[32];
    CHECK_INT(sv_state_signatures(j, U, &sg, &ns), SV_OK);
    CHECK_INT(ns, 1);
    CHECK_INT(sv_state_boundary_digest(j, U, dig), SV_OK);
    if (ns == 1) {
        CHECK(memcmp(sg[0].covers, dig, 32) == 0);
        CHECK_STR(sg[0].signer, "马某");
        CHECK(sg[0].n_xy >= 3);
    }
    sv_signatures_free(sg, ns);
    /* a long name is held whole (it was cut at 199 bytes, and recorded as another party) */
    char longname[400] = "";
    while (strlen(longname) + strlen("西坪村第一村民小组") < 300)
        strcat(longname, "西坪村第一村民小组");
    CHECK(tap_id(&a, &ui, "party-add"));
    app_on_text(&a, longname);
    CHECK(tap_id(&a, &ui, "text-ok"));
    int longk = -1;
    for (int i = 0; i < a.nparty; i++)
        if (strcmp(a.party[i].name, longname) == 0)
            longk = i;
    CHECK(longk >= 0);
    /* a signature that goes on and on: the pad stops at what the journal takes, and says so */
    snprintf(id, sizeof id, "party:%d:sign", k);
    CHECK(tap_id(&a, &ui, id));
    pw = app_ui_find(&ui, "pad");
    for (int i = 0; pw && i < SV_SIG_MAX_POINTS + 2000; i++) {
        app_gesture dg = {.type = APP_G_DRAG,
                          .x = pw->r.x + pw->r.w * (i % 2 ? 0.3f : 0.6f),
                          .y = pw->r.y + pw->r.h * 0.5f,
                          .dx = i % 2 ? -30.0f : 30.0f,
                          .dy = 0};
        app_on_gesture(&a, &ui, &dg);
    }
    app_gesture end = {.type = APP_G_DRAG_END};
    app_on_gesture(&a, &ui, &end);
    size_t pts = 0;
    for (size_t i = 0; i < a.nstrokes; i++)
        pts += a.strokes[2 * i] >= 0;
    CHECK_INT(pts, SV_SIG_MAX_POINTS);
    rebuild(&a, &ui);
    int full = 0;
    for (size_t i = 0; i < ui.ncmd; i++)
        full |= ui.cmd[i].op == APP_OP_TEXT &&
                strstr(ui.text + ui.cmd[i].off, "The pad is full") != NULL;
    CHECK(full);
    CHECK(tap_id(&a, &ui, "pad-clear"));
    CHECK_INT(a.nstrokes, 0);
    CHECK(tap_id(&a, &ui, "back"));
    /* a point recorded afterwards: the signature no longer covers the boundary */
    CHECK(tap_id(&a, &ui, "back"));
    CHECK(tap_id(&a, &ui, "record"));
    CHECK(tap_id(&a, &ui, "record-go"));
    for (int i = 0; i < 3; i++) {
        sv_fix f = fix_at(40, 40, t += 1, SV_GRADE_RTK_FIXED);
        app_rec_fix(a.rec, &f);
    }
    PUMP_UNTIL(&a, &ui, a.npts == 3);
    CHECK(tap_id(&a, &ui, "back"));
    CHECK(tap_id(&a, &ui, "sign"));
    CHECK(k >= 0 && a.party[k].signatures == 1 && a.party[k].current == 0);
    CHECK(a.units[a.cur].p.signatures_missing >= 1);

    /* another unit has its own parties: none of this one's carry over */
    {
        int other = a.cur == 0 ? 1 : 0, here = a.cur;
        char code[SV_CODE_MAX];
        snprintf(code, sizeof code, "%s", a.units[other].u.code);
        CHECK_INT(app_open_unit(&a, code), SV_OK);
        CHECK(tap_id(&a, &ui, "sign"));
        for (int i = 0; i < a.nparty; i++)
            CHECK(strcmp(a.party[i].name, "东坪村民委员会") != 0);
        while (app_go_back(&a))
            ;
        snprintf(code, sizeof code, "%s", a.units[here].u.code);
        CHECK_INT(app_open_unit(&a, code), SV_OK);
        CHECK(tap_id(&a, &ui, "sign")); /* where the next step goes back from */
        /* ... and coming back, the name added with nothing recorded is still on the list (it
         * lived only in memory: gone after a visit elsewhere or a restart), marked as the
         * crew's own; it can be removed, a party with attendance cannot */
        int lk = -1;
        for (int i = 0; i < a.nparty; i++)
            if (strcmp(a.party[i].name, longname) == 0)
                lk = i;
        CHECK(lk >= 0 && a.party[lk].added && !a.party[k].added);
        char pfile[1100];
        snprintf(pfile, sizeof pfile, "%s.parties.json", sv_journal_path(j));
        json_error_t pje;
        json_t *pl = json_load_file(pfile, 0, &pje);
        CHECK(pl != NULL);
        json_t *pn = json_object_get(json_object_get(pl, "units"), code);
        CHECK_INT(json_array_size(pn), 2); /* 东坪村民委员会 (now recorded) and the long name */
        json_decref(pl);
        snprintf(id, sizeof id, "party:%d:void", k);
        const app_widget *vw = app_ui_find(&ui, id);
        CHECK(vw && vw->enabled && strstr(ui.text + vw->text_off, "Void") != NULL);
        if (lk >= 0) {
            snprintf(id, sizeof id, "party:%d:void", lk);
            vw = app_ui_find(&ui, id);
            CHECK(vw && vw->enabled && strcmp(ui.text + vw->text_off, "Remove") == 0);
            CHECK(tap_id(&a, &ui, id));
        }
        for (int i = 0; i < a.nparty; i++)
            CHECK(strcmp(a.party[i].name, longname) != 0);
        app__load_parties(&a); /* as a restart reads it */
        for (int i = 0; i < a.nparty; i++)
            CHECK(strcmp(a.party[i].name, longname) != 0);
        CHECK(app__party_index(&a, "东坪村民委员会") == k); /* recorded: stays */
        /* a name typed with blanks around it is the name the journal will record */
        int before_n = a.nparty;
        CHECK(tap_id(&a, &ui, "party-add"));
        app_on_text(&a, " 东坪村民委员会\xe3\x80\x80");
        CHECK(tap_id(&a, &ui, "text-ok"));
        CHECK_INT(a.nparty, before_n);
        /* a damaged list is reported and left as it is, never overwritten */
        FILE *pf = fopen(pfile, "w");
        CHECK(pf != NULL);
        if (pf) {
            fputs("{\"units\": [", pf);
            fclose(pf);
        }
        a.status[0] = '\0';
        CHECK(tap_id(&a, &ui, "party-add"));
        app_on_text(&a, "南山林场");
        CHECK(tap_id(&a, &ui, "text-ok"));
        CHECK(strstr(a.status, "parties.json") != NULL);
        app__load_parties(&a); /* a reload (a job recorded, the screen entered again) */
        int nk = -1;
        for (int i = 0; i < a.nparty; i++)
            if (strcmp(a.party[i].name, "南山林场") == 0)
                nk = i;
        CHECK(nk >= 0 && a.party[nk].added == 2); /* kept for this visit at least */
        char buf[64] = "";
        pf = fopen(pfile, "r");
        if (pf) {
            CHECK(fgets(buf, sizeof buf, pf) != NULL);
            fclose(pf);
        }
        CHECK_STR(buf, "{\"units\": [");
        unlink(pfile);
        a.status[0] = '\0';
    }

    /* a dispute over the stretch T1-J2 */
    CHECK(tap_id(&a, &ui, "back"));
    CHECK(tap_id(&a, &ui, "dispute"));
    CHECK(app_ui_find(&ui, "dsp-save") && !app_ui_find(&ui, "dsp-save")->enabled);
    CHECK(tap_id(&a, &ui, "dsp-parties"));
    app_on_text(&a, "东坪村");
    CHECK(tap_id(&a, &ui, "text-ok"));
    CHECK(tap_id(&a, &ui, "dsp-statement"));
    CHECK(tap_id(&a, &ui, "phrase:0"));
    CHECK(tap_id(&a, &ui, "text-ok"));
    CHECK(tap_id(&a, &ui, "dsp-from"));
    CHECK(tap_id(&a, &ui, "pick:0"));
    CHECK(tap_id(&a, &ui, "dsp-to"));
    CHECK(tap_id(&a, &ui, "pick:1"));
    CHECK(tap_id(&a, &ui, "dsp-save"));
    PUMP_UNTIL(&a, &ui, a.ndsp == 1);
    if (a.ndsp == 1) {
        CHECK_STR(a.dsp[0].from, "T1");
        CHECK_STR(a.dsp[0].to, "J2");
        CHECK_STR(a.dsp[0].parties, "东坪村");
    }

    /* the unit's newest record is the journal's newest entry (the dispute); another unit's is
     * its import */
    CHECK_INT(a.units[a.cur].p.last_seq, sv_journal_last_seq(j));
    CHECK_INT(a.units[a.cur == 0 ? 1 : 0].p.last_seq, a.units[a.cur == 0 ? 1 : 0].u.seq);

    /* Day end: the unit's figures */
    while (app_go_back(&a))
        ;
    CHECK(tap_id(&a, &ui, "day-end"));
    CHECK_INT(a.screen, APP_SCR_DAYEND);
    CHECK(a.day != NULL);
    if (a.day) {
        const app_dayend_row *r = &a.day[a.cur];
        CHECK_INT(r->points, 3);
        CHECK_INT(r->vertices, 17); /* both walks */
        CHECK(r->area_m2 > 0);
        CHECK_INT(r->disputes_open, 1);
        CHECK(r->signatures_missing >= 1);
        CHECK(r->unacked > 0); /* no office: nothing acknowledged */
        /* the walk closure spans all walks (the unit summary's rule, as `quejie area` has
         * it): from the first walk's first vertex (10, 0) to the second walk's last (69, 30) */
        CHECK_NEAR(r->walk_gap_m, hypot(69 - 10, 30 - 0), 0.5);
        /* the truth about the unit: worked on but incomplete (amber), and why, by the
         * library's rule; another unit nobody touched is grey, never green (defect 8) */
        CHECK_INT(r->stage, SV_STAGE_IN_PROGRESS);
        CHECK(r->missing & SV_MISSING_DISPUTES);
        CHECK(ui_says(&ui, "Incomplete:") && ui_says(&ui, "1 dispute open"));
        const app_dayend_row *o = &a.day[a.cur == 0 ? 1 : 0];
        CHECK_INT(o->stage, SV_STAGE_TODO);
        CHECK(ui_says(&ui, "Untouched"));
        CHECK(!ui_says(&ui, "Complete on site"));
        /* what is not yet at the office, counted: "· 1 entry not yet at the office" (the other
         * unit's import), not "not yet at the office 1" */
        CHECK(ui_says(&ui, "Untouched · 1 entry not yet at the office"));
    }
    check_targets(&ui);
    /* Today says the same of it as Day end: no office has acknowledged anything, so every
     * unit with a record (its import at least) is "not synced", never silent */
    app_go_back(&a);
    CHECK_INT(a.screen, APP_SCR_TODAY);
    rebuild(&a, &ui);
    CHECK(ui_says(&ui, " · not synced"));
    CHECK(!ui_says(&ui, " · synced"));
    CHECK(tap_id(&a, &ui, "day-end"));

    check_layouts(&a);

    /* a decision the journal refuses is kept, shown, retried on request and reported at stop */
    int *calls = calloc(1, sizeof *calls);
    CHECK_INT(app_rec_submit(a.rec, "bad decision", refused_job, calls, free), 0);
    PUMP_UNTIL(&a, &ui, a.rs.jobs_failed == 1);
    CHECK(app_ui_find(&ui, "retry-failed") != NULL);
    CHECK(ui_says(&ui, "1 decision NOT recorded")); /* one, not "1 decisions" */
    /* the banner and its button hide nothing: Today's search field, the Note screen's targets
     * lay under it */
    {
        app_screen keep = a.screen;
        static const app_screen under[] = {APP_SCR_TODAY, APP_SCR_NOTE, APP_SCR_DAYEND};
        for (size_t u = 0; u < sizeof under / sizeof under[0]; u++) {
            a.screen = under[u];
            rebuild(&a, &ui);
            for (int b = 0; b < 2; b++) {
                const app_widget *rw = app_ui_find(&ui, b ? "discard-failed" : "retry-failed");
                CHECK(rw != NULL);
                for (size_t i = 0; rw && i < ui.nw; i++) {
                    app_rect r = ui.w[i].r, q = rw->r;
                    if (&ui.w[i] == rw || fminf(r.x + r.w, q.x + q.w) - fmaxf(r.x, q.x) <= 0.5f ||
                        fminf(r.y + r.h, q.y + q.h) - fmaxf(r.y, q.y) <= 0.5f)
                        continue;
                    fprintf(stderr, "  screen %d: @%s overlaps @%s\n", (int)under[u], rw->id,
                            ui.w[i].id);
                    CHECK(!"the banner's button lies over a widget");
                }
            }
        }
        a.screen = keep;
        rebuild(&a, &ui);
    }
    CHECK(tap_id(&a, &ui, "retry-failed"));
    PUMP_UNTIL(&a, &ui, a.rs.jobs_failed == 1 && a.rs.jobs_pending == 0);
    CHECK(*calls >= 2); /* tried again, refused again */
    /* one the journal will always refuse can be given up, after a question whose "keep"
     * changes nothing */
    CHECK(tap_id(&a, &ui, "discard-failed"));
    CHECK_INT(a.modal, APP_MODAL_PICK);
    CHECK(pick_value(&a, &ui, "keep"));
    CHECK_INT(a.modal, APP_MODAL_NONE);
    app_rec_get(a.rec, &a.rs);
    CHECK_INT(a.rs.jobs_failed, 1);
    rebuild(&a, &ui);
    CHECK(tap_id(&a, &ui, "discard-failed"));
    /* one refused while the question is open was not asked about: it stays */
    int *calls2 = calloc(1, sizeof *calls2);
    CHECK_INT(app_rec_submit(a.rec, "later decision", refused_job, calls2, free), 0);
    for (int i = 0; i < 2000 && a.rs.jobs_failed < 2; i++) {
        usleep(5000);
        app_rec_get(a.rec, &a.rs);
    }
    CHECK_INT(a.rs.jobs_failed, 2);
    CHECK(pick_value(&a, &ui, "discard"));
    CHECK_INT(a.rs.jobs_failed, 1);
    CHECK(strstr(a.status, "1 decision given up, not recorded (last: bad decision)") != NULL);
    rebuild(&a, &ui);
    CHECK(tap_id(&a, &ui, "discard-failed"));
    CHECK(pick_value(&a, &ui, "discard"));
    CHECK_INT(a.rs.jobs_failed, 0);
    CHECK(strstr(a.status, "1 decision given up, not recorded (last: later decision)") != NULL);
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "retry-failed") == NULL && app_ui_find(&ui, "discard-failed") == NULL);
    /* a busy journal's decision is only tried again: nothing refused it, so nothing to give up,
     * and the banner says the journal is busy in words, not SQLite's */
    int *calls3 = calloc(1, sizeof *calls3);
    CHECK_INT(app_rec_submit(a.rec, "busy decision", busy_job, calls3, free), 0);
    PUMP_UNTIL(&a, &ui, a.rs.jobs_failed == 1);
    CHECK_INT(a.rs.jobs_refused, 0);
    CHECK(app_ui_find(&ui, "discard-failed") && !app_ui_find(&ui, "discard-failed")->enabled);
    CHECK(app_ui_find(&ui, "retry-failed") && app_ui_find(&ui, "retry-failed")->enabled);
    CHECK(ui_says(&ui, "the journal is busy"));
    CHECK_INT(app_rec_stop(a.rec), 1); /* reported at the end, not dropped */
    a.rec = NULL;
    app_ui_free(&ui);
    app_free(&a);
    sv_task_set_clear(&ts);
    sv_journal_close(j);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/* ---- navigation (@navigate, app/navigate.c) ---------------------------------------------- */

/* The pick whose value is v in the open picker, tapped. */
static int pick_value(app *a, app_ui *ui, const char *v)
{
    for (int i = 0; i < a->npick; i++)
        if (strcmp(a->pick_value[i], v) == 0) {
            char id[32];
            snprintf(id, sizeof id, "pick:%d", i);
            return tap_id(a, ui, id);
        }
    fprintf(stderr, "  no pick '%s'\n", v);
    return 0;
}

static void set_fix(app *a, double lat, double lon, double eph)
{
    a->gnss.have_fix = 1;
    a->gnss.connected = 1;
    a->gnss.fix = fix_at(0, 0, 0, SV_GRADE_RTK_FIXED);
    a->gnss.fix.lat = lat;
    a->gnss.fix.lon = lon;
    a->gnss.fix.eph = eph;
    a->gnss.fix.err_h = eph; /* the estimate navigation reads (gpsd's eph here) */
    a->gnss.fix.mono_ms = sv_mono_ms();
}

/* Distance and bearing to each kind of target come from the survey library's geodesy (true
 * north: a plane bearing differs by the meridian convergence, about 0.7 degrees here), the
 * arrow points where the target is drawn on the north-up map, "within" uses the receiver's
 * error with 1 m at least, and the targets are chosen through @navigate. */
static void test_navigate(void)
{
    char dir[] = "/tmp/qj-app-nav-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char path[256];
    sv_task_set ts = {0};
    sv_journal *j = unit_journal(dir, "app-nav", path, sizeof path, &ts);
    if (!j)
        return;
    const char *U = "622901ZR000002";
    sv_bpoint p;
    memset(&p, 0, sizeof p);
    sv_bpoint_clear(&p);
    snprintf(p.unit, sizeof p.unit, "%s", U);
    snprintf(p.point_type, sizeof p.point_type, "measured");
    p.lat = 35.5512;
    p.lon = 103.2323;
    p.h = NAN;
    p.flags = SV_PT_MANUAL;
    CHECK_INT(sv_record_point(j, &p, NULL), SV_OK);

    app_i18n_init("en", NULL);
    app a;
    CHECK_INT(app_init(&a, j), SV_OK);
    a.gnss_ok = 1;
    app_ui ui = {0};
    CHECK_INT(app_open_unit(&a, U), SV_OK);
    rebuild(&a, &ui);
    const app_widget *nw = app_ui_find(&ui, "navigate");
    CHECK(nw && nw->enabled);
    CHECK(nw && nw->r.w >= 10 * ui.px_per_mm && nw->r.h >= 10 * ui.px_per_mm);
    const double *ll = a.units[a.cur].u.draft.lonlat;
    size_t nv = a.ndraft;
    if (nv >= 2 && ll[0] == ll[2 * (nv - 1)] && ll[1] == ll[2 * (nv - 1) + 1])
        nv--;
    CHECK(nv >= 4);

    /* the next draft vertex: 3 m north-east of vertex 2, so the target is vertex 3 */
    double lat, lon;
    sv_geo_offset(ll[2 * 1 + 1], ll[2 * 1], 3, 45, &lat, &lon);
    set_fix(&a, lat, lon, 0.02);
    CHECK(tap_id(&a, &ui, "navigate"));
    CHECK_INT(a.modal, APP_MODAL_PICK);
    CHECK(pick_value(&a, &ui, "next"));
    CHECK_INT(a.modal, APP_MODAL_NONE);
    CHECK_INT(a.nav.kind, APP_NAV_DRAFT);
    CHECK_INT(a.nav.vertex, 2);
    app_nav_info in;
    CHECK(app_nav_get(&a, sv_mono_ms(), &in));
    double azi, d = sv_geo_distance(lat, lon, ll[2 * 2 + 1], ll[2 * 2], &azi);
    CHECK_NEAR(in.dist_m, d, 1e-9);
    CHECK_NEAR(in.brg_true, fmod(azi + 360, 360), 1e-9);
    CHECK(d > 5 && !in.within);
    char want[200];
    snprintf(want, sizeof want, "To draft vertex 3: %.1f m, bearing %.1f° from true north", d,
             fmod(azi + 360, 360));
    CHECK(ui_says(&ui, want));
    if (!ui_says(&ui, want))
        fprintf(stderr, "  expected \"%s\"\n", want);
    /* the arrow: along the line from the position to the target as drawn on the map */
    float x0, y0, x1, y1;
    CHECK_INT(app_locate(&a, lat, lon, &x0, &y0), 0);
    CHECK_INT(app_locate(&a, ll[2 * 2 + 1], ll[2 * 2], &x1, &y1), 0);
    float len = hypotf(x1 - x0, y1 - y0);
    CHECK_NEAR(in.ax, (x1 - x0) / len, 1e-3);
    CHECK_NEAR(in.ay, (y1 - y0) / len, 1e-3);
    CHECK(app_ui_find(&ui, "nav-next") != NULL);
    check_targets(&ui);

    /* within: 0.6 m from the target with an RTK error of 2 cm: within 1 m (the least) */
    sv_geo_offset(ll[2 * 2 + 1], ll[2 * 2], 0.6, 200, &lat, &lon);
    set_fix(&a, lat, lon, 0.02);
    rebuild(&a, &ui);
    CHECK(app_nav_get(&a, sv_mono_ms(), &in) && in.within);
    CHECK_NEAR(in.tol_m, 1.0, 1e-12);
    CHECK(ui_says(&ui, "Within 1.0 m of draft vertex 3"));
    /* 2.5 m off with a receiver error of 3.2 m: within 3.2 m; with 0.5 m: not within */
    sv_geo_offset(ll[2 * 2 + 1], ll[2 * 2], 2.5, 10, &lat, &lon);
    set_fix(&a, lat, lon, 3.2);
    rebuild(&a, &ui);
    CHECK(ui_says(&ui, "Within 3.2 m of draft vertex 3"));
    set_fix(&a, lat, lon, 0.5);
    rebuild(&a, &ui);
    CHECK(app_nav_get(&a, sv_mono_ms(), &in) && !in.within);
    /* next vertex: on to vertex 4 */
    CHECK(tap_id(&a, &ui, "nav-next"));
    CHECK_INT(a.nav.vertex, 3);
    /* no position: says so, no figures */
    a.gnss.have_fix = 0;
    rebuild(&a, &ui);
    CHECK(!app_nav_get(&a, sv_mono_ms(), &in) && in.target);
    CHECK(ui_says(&ui, "Navigating to draft vertex 4: no position"));

    /* a recorded point */
    set_fix(&a, lat, lon, 0.02);
    CHECK(tap_id(&a, &ui, "navigate"));
    CHECK(pick_value(&a, &ui, "pt:J1"));
    CHECK_INT(a.nav.kind, APP_NAV_POINT);
    CHECK(app_nav_get(&a, sv_mono_ms(), &in));
    CHECK(strcmp(in.name, "J1") == 0);
    CHECK_NEAR(in.dist_m, sv_geo_distance(lat, lon, p.lat, p.lon, NULL), 1e-9);

    /* a draft vertex tapped on the map: a tap 3 px from vertex 5 as drawn */
    CHECK(tap_id(&a, &ui, "navigate"));
    CHECK(pick_value(&a, &ui, "tap"));
    CHECK(a.nav.picking);
    CHECK(ui_says(&ui, "Tap a draft vertex on the map"));
    float vx, vy;
    CHECK_INT(app_locate(&a, ll[2 * 4 + 1], ll[2 * 4], &vx, &vy), 0);
    app_gesture g = {.type = APP_G_TAP, .x = vx + 3, .y = vy - 2};
    CHECK_INT(app_on_gesture(&a, &ui, &g), 1);
    rebuild(&a, &ui);
    CHECK(!a.nav.picking);
    CHECK_INT(a.nav.kind, APP_NAV_DRAFT);
    CHECK_INT(a.nav.vertex, 4);
    CHECK(app_nav_get(&a, sv_mono_ms(), &in));
    CHECK_NEAR(in.dist_m, sv_geo_distance(lat, lon, ll[2 * 4 + 1], ll[2 * 4], NULL), 1e-9);

    /* stop */
    CHECK(tap_id(&a, &ui, "navigate"));
    CHECK(pick_value(&a, &ui, "stop"));
    CHECK_INT(a.nav.kind, APP_NAV_OFF);
    CHECK(!app_nav_get(&a, sv_mono_ms(), &in));
    CHECK(app_ui_find(&ui, "nav-next") == NULL);

    app_ui_free(&ui);
    app_free(&a);
    sv_task_set_clear(&ts);
    sv_journal_close(j);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/* The entry at seq (its kind and payload parsed with jansson), for checks of what the journal
 * holds. */
typedef struct entry_find {
    int64_t seq;
    char kind[16];
    json_t *payload;
} entry_find;

static int find_entry(const sv_entry *e, void *ctx)
{
    entry_find *f = ctx;
    if (e->seq != f->seq)
        return 0;
    snprintf(f->kind, sizeof f->kind, "%s", e->kind);
    f->payload = json_loadb(e->payload, e->payload_len, 0, NULL);
    return 1;
}

static json_t *entry_at(sv_journal *j, int64_t seq, char kind[16])
{
    entry_find f = {seq, "", NULL};
    sv_journal_foreach(j, seq, find_entry, &f);
    snprintf(kind, 16, "%s", f.kind);
    return f.payload;
}

/* The current point of unit with number num in *out (a copy of its scalar fields), 1 found. */
static int point_now(sv_journal *j, const char *unit, const char *num, sv_bpoint *out)
{
    sv_bpoint *p = NULL;
    size_t n = 0;
    int found = 0;
    if (sv_state_points(j, unit, &p, &n) == SV_OK)
        for (size_t i = 0; i < n; i++)
            if (strcmp(p[i].number, num) == 0) {
                *out = p[i];
                out->override_reason = out->note = out->reason = NULL; /* freed below */
                found = 1;
            }
    sv_bpoints_free(p, n);
    return found;
}

/* The entry voiding target: its reason (an empty string when there is none). */
static void void_reason(sv_journal *j, int64_t target, char *out, size_t n)
{
    out[0] = '\0';
    for (int64_t s = sv_journal_last_seq(j); s > target; s--) {
        char kind[16];
        json_t *o = entry_at(j, s, kind);
        if (o && strcmp(kind, "void") == 0 &&
            json_integer_value(json_object_get(o, "target")) == target)
            snprintf(out, n, "%s", json_string_value(json_object_get(o, "reason")));
        json_decref(o);
        if (out[0])
            return;
    }
}

static void record_at(app *a, app_ui *ui, double e, double nn, double *t, sv_grade g, size_t want)
{
    for (int i = 0; i < 3; i++) {
        sv_fix f = fix_at(e, nn, *t += 1, g);
        app_rec_fix(a->rec, &f);
    }
    PUMP_UNTIL(a, ui, a->rs.points == want && !a->rs.averaging);
}

/* Issue 10 defect 3 and section 2: a unit's point list, and corrections on the tablet as
 * superseding entries through the recorder: void, re-measure, change of type; voids of a
 * verification and of an attendance record; the pole height, an offset from grid north and an
 * override in the crew's own words. */
static void test_corrections(void)
{
    char dir[] = "/tmp/qj-appcor-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char path[256];
    sv_task_set ts = {0};
    sv_journal *j = unit_journal(dir, "app-cor", path, sizeof path, &ts);
    if (!j)
        return;
    CHECK_INT(sv_record_config(j, "average.epochs", "3", NULL), SV_OK);
    CHECK_INT(sv_record_config(j, "average.seconds", "0", NULL), SV_OK);
    const char *U = "622901ZR000002";
    app_i18n_init("en", NULL);
    app a;
    CHECK_INT(app_init(&a, j), SV_OK);
    char err[256];
    CHECK_INT(app_rec_start(path, NULL, NULL, &a.rec, err, sizeof err), 0);
    a.gnss_ok = 1;
    a.gnss.connected = 1;
    app_ui ui = {0};
    CHECK_INT(app_open_unit(&a, U), SV_OK);
    double t = 1.8e9;

    /* the journal's pole height, set once on the Record screen: a config entry */
    CHECK(tap_id(&a, &ui, "record"));
    CHECK(ui_says(&ui, "Pole: not set"));
    CHECK(tap_id(&a, &ui, "pole"));
    CHECK_INT(a.modal, APP_MODAL_KEYPAD);
    app_on_text(&a, "1.8");
    CHECK(tap_id(&a, &ui, "key:ok"));
    CHECK_INT(a.modal, APP_MODAL_PICK);
    CHECK(pick_value(&a, &ui, "journal:1.800"));
    PUMP_UNTIL(&a, &ui, strcmp(sv_state_config(j, SV_CFG_ANTENNA_HEIGHT, ""), "1.800") == 0);
    rebuild(&a, &ui);
    CHECK(ui_says(&ui, "Record point · pole 1.80 m")); /* on the button pressed */
    check_targets(&ui);
    CHECK(tap_id(&a, &ui, "record-go"));
    record_at(&a, &ui, 0, 0, &t, SV_GRADE_RTK_FIXED, 1);
    /* J2 with its own pole, for that point alone */
    CHECK(tap_id(&a, &ui, "pole"));
    app_on_text(&a, "2.05");
    CHECK(tap_id(&a, &ui, "key:ok"));
    CHECK(pick_value(&a, &ui, "point:2.050"));
    CHECK_NEAR(a.pole_h, 2.05, 1e-9);
    CHECK(ui_says(&ui, "Record point · pole 2.05 m"));
    CHECK(tap_id(&a, &ui, "record-go"));
    record_at(&a, &ui, 10, 0, &t, SV_GRADE_RTK_FIXED, 2);
    CHECK(!isfinite(a.pole_h));
    /* J3: an offset read from grid north, below the gate with a reason in the crew's words */
    CHECK(tap_id(&a, &ui, "north"));
    CHECK_INT(a.modal, APP_MODAL_PICK);
    CHECK(pick_value(&a, &ui, "1")); /* grid north */
    CHECK(tap_id(&a, &ui, "offset"));
    app_on_text(&a, "5");
    CHECK(tap_id(&a, &ui, "key:ok"));
    CHECK_INT(a.modal, APP_MODAL_KEYPAD);
    app_on_text(&a, "90");
    CHECK(tap_id(&a, &ui, "key:ok"));
    CHECK_INT(a.off_north, SV_NORTH_GRID);
    CHECK(ui_says(&ui, "(grid"));
    CHECK(tap_id(&a, &ui, "record-go"));
    sv_fix d = fix_at(20, 0, t += 1, SV_GRADE_DGPS);
    a.gnss.have_fix = 1;
    a.gnss.fix = d;
    app_rec_fix(a.rec, &d);
    PUMP_UNTIL(&a, &ui, a.rs.verdict == SV_EPOCH_LOW_GRADE);
    a.gnss.fix.mono_ms = sv_mono_ms();
    CHECK(tap_id(&a, &ui, "override"));
    CHECK(pick_value(&a, &ui, "other"));
    CHECK_INT(a.modal, APP_MODAL_TEXT);
    app_on_text(&a, "积水淹没界桩");
    CHECK(tap_id(&a, &ui, "text-ok"));
    record_at(&a, &ui, 20, 0, &t, SV_GRADE_DGPS, 3);
    a.gnss.have_fix = 0;
    CHECK_INT(a.off_north, SV_NORTH_TRUE); /* the north was for that point alone */
    /* a compass bearing: the declination is asked for (the journal has none), east or west */
    CHECK(tap_id(&a, &ui, "north"));
    CHECK(pick_value(&a, &ui, "2"));
    CHECK_INT(a.modal, APP_MODAL_KEYPAD);
    app_on_text(&a, "3.5");
    CHECK(tap_id(&a, &ui, "key:ok"));
    CHECK(pick_value(&a, &ui, "west"));
    CHECK_INT(a.off_north, SV_NORTH_MAGNETIC);
    CHECK_NEAR(a.off_decl, -3.5, 1e-9);
    CHECK(tap_id(&a, &ui, "north"));
    CHECK(pick_value(&a, &ui, "0"));
    sv_bpoint p1, p2, p3;
    CHECK(point_now(j, U, "J1", &p1) && point_now(j, U, "J2", &p2) && point_now(j, U, "J3", &p3));
    CHECK_NEAR(p1.pole_h, 1.8, 1e-6);
    CHECK_NEAR(p1.ground_h, p1.h - 1.8, 1e-3);
    CHECK_NEAR(p2.pole_h, 2.05, 1e-6);
    {
        char kind[16];
        json_t *o = entry_at(j, p2.seq, kind); /* the pole height is in the point's payload */
        CHECK_STR(kind, "point");
        CHECK_INT(json_integer_value(json_object_get(o, "pole")), 2050);
        json_decref(o);
    }
    CHECK(p3.flags & SV_PT_OFFSET);
    CHECK_INT(p3.off.north, SV_NORTH_GRID);
    CHECK_NEAR(p3.off.bearing_entered, 90, 1e-6);
    CHECK(fabs(p3.off.bearing_deg - 90) > 0.3); /* converted by the convergence (about 0.7°) */
    CHECK_STR(p3.override_code, "other");
    {
        sv_bpoint *pp = NULL;
        size_t n = 0;
        CHECK_INT(sv_state_points(j, U, &pp, &n), SV_OK);
        for (size_t i = 0; i < n; i++)
            if (strcmp(pp[i].number, "J3") == 0)
                CHECK_STR(pp[i].override_reason ? pp[i].override_reason : "", "积水淹没界桩");
        sv_bpoints_free(pp, n);
    }

    /* the point list: every point with its fields */
    CHECK(tap_id(&a, &ui, "back"));
    CHECK(tap_id(&a, &ui, "points"));
    CHECK_INT(a.screen, APP_SCR_POINTS);
    check_targets(&ui);
    CHECK(app_ui_find(&ui, "point:J1") && app_ui_find(&ui, "point:J2") &&
          app_ui_find(&ui, "point:J3"));
    CHECK(ui_says(&ui, "J1 · Measured · RTK fixed") && ui_says(&ui, "J3 · Measured · DGPS"));
    CHECK(ui_says(&ui, "n 3 · σ 0.000 m"));
    CHECK(ui_says(&ui, " · RTK · pole 1.80 m") && ui_says(&ui, " · RTK · pole 2.05 m") &&
          ui_says(&ui, " · offset · pole 1.80 m"));

    /* void J2 with a reason: gone from the list, a void entry in the journal */
    CHECK(tap_id(&a, &ui, "point:J2"));
    CHECK_INT(a.screen, APP_SCR_POINT);
    CHECK(ui_says(&ui, "Method: RTK · pole 2.05 m"));
    check_targets(&ui);
    CHECK(tap_id(&a, &ui, "void"));
    CHECK_INT(a.modal, APP_MODAL_TEXT);
    CHECK(tap_id(&a, &ui, "phrase:0"));
    CHECK(tap_id(&a, &ui, "text-ok"));
    CHECK_INT(a.screen, APP_SCR_POINTS);
    PUMP_UNTIL(&a, &ui, a.npts == 2);
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "point:J2") == NULL && app_ui_find(&ui, "point:J1") != NULL);
    char why[300];
    void_reason(j, p2.seq, why, sizeof why);
    /* the phrase in the registry's language whatever the UI's (as the verification phrases):
     * one reason is one text at the office, from a Chinese or an English tablet */
    CHECK_STR(why, "误记录");

    /* re-measure J1: the new measurement supersedes the old one, linked, with the reason */
    CHECK(tap_id(&a, &ui, "point:J1"));
    CHECK(tap_id(&a, &ui, "remeasure"));
    CHECK(tap_id(&a, &ui, "phrase:0"));
    CHECK(tap_id(&a, &ui, "text-ok"));
    CHECK_INT(a.screen, APP_SCR_RECORD);
    CHECK_INT(a.remeasure, p1.seq);
    CHECK(ui_says(&ui, "Re-measure J1 · pole 1.80 m"));
    CHECK(tap_id(&a, &ui, "record-go"));
    record_at(&a, &ui, 1, 1, &t, SV_GRADE_RTK_FIXED, 4);
    PUMP_UNTIL(&a, &ui, a.npts == 2 && a.pts[0].seq != p1.seq);
    sv_bpoint r1;
    CHECK(point_now(j, U, "J1", &r1));
    CHECK_INT(r1.supersedes, p1.seq);
    {
        char kind[16];
        json_t *o = entry_at(j, r1.seq, kind);
        CHECK_STR(json_string_value(json_object_get(o, "reason")), "定位质量差");
        CHECK_INT(json_integer_value(json_object_get(o, "supersedes")), p1.seq);
        json_decref(o);
    }
    CHECK_INT(a.remeasure, 0); /* for that point alone */
    CHECK(tap_id(&a, &ui, "back"));
    CHECK_INT(a.screen, APP_SCR_POINT); /* the current version of J1 */
    /* ... and shown back in the UI's language */
    {
        char says[120];
        snprintf(says, sizeof says, "Corrects entry %lld: The fix was poor", (long long)p1.seq);
        CHECK(ui_says(&ui, says));
    }

    /* change J3's type with a reason */
    CHECK(tap_id(&a, &ui, "back"));
    CHECK(tap_id(&a, &ui, "point:J3"));
    CHECK(tap_id(&a, &ui, "change-type"));
    CHECK(pick_value(&a, &ui, "map-read"));
    CHECK_INT(a.modal, APP_MODAL_TEXT);
    CHECK(tap_id(&a, &ui, "phrase:0"));
    CHECK(tap_id(&a, &ui, "text-ok"));
    sv_bpoint c3;
    PUMP_UNTIL(&a, &ui, point_now(j, U, "J3", &c3) && c3.seq != p3.seq);
    CHECK_STR(c3.point_type, "map-read");
    CHECK_INT(c3.supersedes, p3.seq);
    /* the screen shows the current version once the app has re-read the unit */
    PUMP_UNTIL(&a, &ui, (rebuild(&a, &ui), ui_says(&ui, "J3 · type Read from the map")));
    CHECK(ui_says(&ui, "Wrong type chosen"));

    /* void a verification: the field is unverified again */
    while (app_go_back(&a))
        ;
    CHECK_INT(app_open_unit(&a, U), SV_OK);
    CHECK(tap_id(&a, &ui, "verify"));
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "verify:owner:void") && !app_ui_find(&ui, "verify:owner:void")->enabled);
    CHECK(tap_id(&a, &ui, "verify:owner:confirmed"));
    PUMP_UNTIL(&a, &ui, a.nver == 1);
    int64_t vseq = a.nver ? a.ver[0].seq : 0;
    check_targets(&ui);
    CHECK(tap_id(&a, &ui, "verify:owner:void"));
    CHECK(tap_id(&a, &ui, "phrase:3"));
    CHECK(tap_id(&a, &ui, "text-ok"));
    PUMP_UNTIL(&a, &ui, a.nver == 0);
    void_reason(j, vseq, why, sizeof why);
    CHECK_STR(why, "权利人或字段错误");

    /* void an attendance record */
    CHECK(tap_id(&a, &ui, "back"));
    CHECK(tap_id(&a, &ui, "sign"));
    CHECK(tap_id(&a, &ui, "party-add"));
    app_on_text(&a, "东坪村民委员会");
    CHECK(tap_id(&a, &ui, "text-ok"));
    int k = 0;
    for (int i = 0; i < a.nparty; i++)
        if (strcmp(a.party[i].name, "东坪村民委员会") == 0)
            k = i;
    char id[64];
    snprintf(id, sizeof id, "party:%d:void", k);
    rebuild(&a, &ui);
    {
        /* nothing to void yet: the button takes the name off the crew's working list */
        const app_widget *vw = app_ui_find(&ui, id);
        CHECK(vw && vw->enabled && strcmp(ui.text + vw->text_off, "Remove") == 0);
    }
    snprintf(id, sizeof id, "party:%d:present", k);
    CHECK(tap_id(&a, &ui, id));
    PUMP_UNTIL(&a, &ui, a.party[k].has_att);
    int64_t aseq = a.party[k].att_seq;
    check_targets(&ui);
    snprintf(id, sizeof id, "party:%d:void", k);
    CHECK(tap_id(&a, &ui, id));
    CHECK(tap_id(&a, &ui, "phrase:0"));
    CHECK(tap_id(&a, &ui, "text-ok"));
    PUMP_UNTIL(&a, &ui, !a.party[k].has_att);
    sv_attendance *at = NULL;
    size_t nat = 0;
    CHECK_INT(sv_state_attendance(j, U, &at, &nat), SV_OK);
    CHECK_INT(nat, 0);
    sv_attendances_free(at, nat);
    void_reason(j, aseq, why, sizeof why);
    CHECK_STR(why, "误记录");

    /* a re-measure of a point voided meanwhile (another device, a sync) keeps the average:
     * refused before measuring when the void is already in; a void that lands while the
     * average runs leaves a new point with the whole average (it was "Point NOT recorded") */
    char na[SV_NUMBER_MAX] = "", nb[SV_NUMBER_MAX] = "";
    {
        while (app_go_back(&a))
            ;
        CHECK_INT(app_open_unit(&a, U), SV_OK);
        CHECK(tap_id(&a, &ui, "points"));
        CHECK(tap_id(&a, &ui, "point:J3"));
        CHECK(tap_id(&a, &ui, "remeasure"));
        CHECK(tap_id(&a, &ui, "phrase:0"));
        CHECK(tap_id(&a, &ui, "text-ok"));
        CHECK_INT(a.screen, APP_SCR_RECORD);
        sv_bpoint v3;
        CHECK(point_now(j, U, "J3", &v3));
        CHECK_INT(a.remeasure, v3.seq);
        CHECK_INT(sv_record_void(j, v3.seq, "voided on the other tablet", NULL), SV_OK);
        uint64_t before = a.rs.points;
        CHECK(tap_id(&a, &ui, "record-go"));
        CHECK(!a.rs.averaging);
        CHECK_INT(a.remeasure, 0);
        CHECK(ui_says(&ui, "J3 was voided meanwhile: nothing to re-measure"));
        CHECK(ui_says(&ui, "Record point · ")); /* a plain Record screen again */

        /* J1 voided while its re-measurement is averaged */
        while (app_go_back(&a))
            ;
        CHECK_INT(app_open_unit(&a, U), SV_OK);
        CHECK(tap_id(&a, &ui, "points"));
        CHECK(tap_id(&a, &ui, "point:J1"));
        CHECK(tap_id(&a, &ui, "remeasure"));
        CHECK(tap_id(&a, &ui, "phrase:1"));
        CHECK(tap_id(&a, &ui, "text-ok"));
        sv_bpoint v1;
        CHECK(point_now(j, U, "J1", &v1));
        CHECK_INT(a.remeasure, v1.seq);
        CHECK(tap_id(&a, &ui, "record-go"));
        PUMP_UNTIL(&a, &ui, a.rs.averaging);
        CHECK_INT(sv_record_void(j, v1.seq, "voided on the other tablet", NULL), SV_OK);
        record_at(&a, &ui, 2, 2, &t, SV_GRADE_RTK_FIXED, (size_t)before + 1);
        CHECK(!point_now(j, U, "J1", &v1));
        sv_bpoint nw;
        memset(&nw, 0, sizeof nw);
        CHECK(point_now(j, U, a.rs.last_number, &nw));
        CHECK_INT(nw.supersedes, 0);
        CHECK_INT(nw.q.n, 3); /* the whole average */
        CHECK(strcmp(a.rs.last_number, "J1") != 0);
        rebuild(&a, &ui);
        CHECK(ui_says(&ui, "recorded as a new point"));
        CHECK_INT(a.remeasure, 0);
        snprintf(na, sizeof na, "%s", a.rs.last_number);
        /* one more, for the line below */
        CHECK(tap_id(&a, &ui, "record-go"));
        record_at(&a, &ui, 3, 3, &t, SV_GRADE_RTK_FIXED, (size_t)before + 2);
        snprintf(nb, sizeof nb, "%s", a.rs.last_number);
    }

    /* a point a boundary line ends at: the journal refuses its void, so the app says so once,
     * with the line, and queues nothing to fail and be retried (a tablet defect: the refused
     * void came back at every "Try again") */
    {
        sv_bline l;
        memset(&l, 0, sizeof l);
        snprintf(l.unit, sizeof l.unit, "%s", U);
        snprintf(l.from, sizeof l.from, "%s", na);
        snprintf(l.to, sizeof l.to, "%s", nb);
        CHECK_INT(sv_record_line(j, &l, NULL), SV_OK);
        char lines[64], want[80];
        sv_bpoint j1;
        CHECK(point_now(j, U, na, &j1));
        CHECK_INT(sv_void_blocking_lines(j, j1.seq, lines, sizeof lines), 1);
        snprintf(want, sizeof want, "%s-%s", na, nb);
        CHECK_STR(lines, want);
        CHECK_INT(sv_void_blocking_lines(j, aseq, lines, sizeof lines), 0);
        int64_t last = sv_journal_last_seq(j);
        while (app_go_back(&a))
            ;
        CHECK_INT(app_open_unit(&a, U), SV_OK);
        CHECK(tap_id(&a, &ui, "points"));
        char pid[40];
        snprintf(pid, sizeof pid, "point:%s", na);
        CHECK(tap_id(&a, &ui, pid));
        for (int tries = 0; tries < 2; tries++) {
            CHECK(tap_id(&a, &ui, "void"));
            CHECK_INT(a.modal, APP_MODAL_NONE); /* no reason asked for */
            CHECK_INT(a.screen, APP_SCR_POINT);
            rebuild(&a, &ui);
            char said[160];
            snprintf(said, sizeof said, "%s cannot be voided: the boundary line %s ends there", na,
                     want);
            CHECK(ui_says(&ui, said));
            CHECK(app_ui_find(&ui, "retry-failed") == NULL);
            CHECK_INT(a.rs.jobs_pending + a.rs.jobs_failed, 0);
        }
        app_poll_workers(&a);
        CHECK_INT(sv_journal_last_seq(j), last); /* nothing written */
        CHECK(point_now(j, U, na, &j1));
    }

    CHECK_INT(app_rec_stop(a.rec), 0); /* every decision recorded */
    a.rec = NULL;
    app_ui_free(&ui);
    app_free(&a);
    sv_task_set_clear(&ts);
    sv_journal_close(j);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/* How many line commands of colour c the frame draws (the map's disputed and settled lines). */
static int lines_of_colour(const app_ui *ui, app_color c)
{
    int n = 0;
    for (size_t i = 0; i < ui->ncmd; i++)
        n += ui->cmd[i].op == APP_OP_LINES && ui->cmd[i].color == c;
    return n;
}

/* The newest current note of unit U, copied into *out (its text into text); 0 when none. */
static int newest_note(sv_journal *j, const char *U, sv_note *out, char *text, size_t n)
{
    sv_note *o = NULL;
    size_t no = 0;
    int found = 0;
    if (sv_state_notes(j, U, &o, &no) == SV_OK && no > 0) {
        *out = o[no - 1];
        snprintf(text, n, "%s", o[no - 1].text ? o[no - 1].text : "");
        out->text = NULL;
        found = 1;
    }
    sv_notes_free(o, no);
    return found;
}

/* Issue 10 section 2: notes on a unit, a point and a line with phrase pickers (@note,
 * @note-phrase:CODE, @note-save), voidable; a dispute's number and covered lines (the library's
 * rule) on the Dispute screen, disputed and settled lines on the map; the on-site settlement
 * (@settle) followed by the parties' signatures, and its void reopening the dispute. Each
 * checked in the journal. */
static void test_notes_disputes(void)
{
    char dir[] = "/tmp/qj-appnote-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char path[256];
    sv_task_set ts = {0};
    sv_journal *j = unit_journal(dir, "app-note", path, sizeof path, &ts);
    if (!j)
        return;
    CHECK_INT(sv_record_config(j, "average.epochs", "3", NULL), SV_OK);
    CHECK_INT(sv_record_config(j, "average.seconds", "0", NULL), SV_OK);
    CHECK_INT(sv_record_code(j, SV_NOTE_PHRASE_LIST, "grave", "坟地", NULL), SV_OK);
    const char *U = "622901ZR000002";
    app_i18n_init("en", NULL);
    app a;
    CHECK_INT(app_init(&a, j), SV_OK);
    char err[256];
    CHECK_INT(app_rec_start(path, NULL, NULL, &a.rec, err, sizeof err), 0);
    a.gnss_ok = 1;
    a.gnss.connected = 1;
    app_ui ui = {0};
    CHECK_INT(app_open_unit(&a, U), SV_OK);
    double t = 1.8e9;
    CHECK(tap_id(&a, &ui, "record"));
    for (int i = 0; i < 3; i++) {
        CHECK(tap_id(&a, &ui, "record-go"));
        record_at(&a, &ui, i == 0 ? 0 : 20, i == 2 ? 20 : 0, &t, SV_GRADE_RTK_FIXED, (size_t)i + 1);
    }
    a.gnss.have_fix = 0;
    CHECK(tap_id(&a, &ui, "back"));
    PUMP_UNTIL(&a, &ui, a.npts == 3);
    sv_note nt;
    char text[300];

    /* a note on the unit: a library phrase alone (its code, and its English label as text) */
    CHECK(tap_id(&a, &ui, "note"));
    CHECK_INT(a.screen, APP_SCR_NOTE);
    check_targets(&ui);
    CHECK(app_ui_find(&ui, "note-phrase:grave") != NULL); /* the county's phrase too */
    CHECK(app_ui_find(&ui, "note-save") && !app_ui_find(&ui, "note-save")->enabled);
    CHECK(tap_id(&a, &ui, "note-phrase:revisit"));
    CHECK(tap_id(&a, &ui, "note-save"));
    PUMP_UNTIL(&a, &ui, a.nnotes == 1);
    CHECK(newest_note(j, U, &nt, text, sizeof text));
    CHECK_STR(nt.phrase, "revisit");
    CHECK_STR(sv_note_target(&nt), "unit");
    CHECK_STR(text, "Revisit needed");
    rebuild(&a, &ui);
    CHECK(ui_says(&ui, "Notes on unit 622901ZR000002: 1"));

    /* a note on point J2 (@point:J2 then @note), a phrase and the crew's words */
    CHECK(tap_id(&a, &ui, "back"));
    CHECK(tap_id(&a, &ui, "points"));
    CHECK(tap_id(&a, &ui, "point:J2"));
    CHECK(tap_id(&a, &ui, "note"));
    CHECK_INT(a.screen, APP_SCR_NOTE);
    CHECK_STR(a.note_point, "J2");
    CHECK(tap_id(&a, &ui, "note-phrase:marker-moved"));
    CHECK(tap_id(&a, &ui, "note-text"));
    CHECK_INT(a.modal, APP_MODAL_TEXT);
    app_on_text(&a, "界桩被推土机推倒");
    CHECK(tap_id(&a, &ui, "text-ok"));
    CHECK(tap_id(&a, &ui, "note-save"));
    PUMP_UNTIL(&a, &ui, a.nnotes == 2);
    CHECK(newest_note(j, U, &nt, text, sizeof text));
    CHECK_STR(sv_note_target(&nt), "point");
    CHECK_STR(nt.point, "J2");
    CHECK_STR(nt.phrase, "marker-moved");
    CHECK_STR(text, "界桩被推土机推倒");
    rebuild(&a, &ui);
    CHECK(ui_says(&ui, "Notes on point J2: 1"));
    CHECK(ui_says(&ui, "界桩被推土机推倒"));

    /* a note on the line J1-J2, the county's phrase */
    CHECK(tap_id(&a, &ui, "note-line"));
    CHECK(pick_value(&a, &ui, "J1\tJ2"));
    CHECK_STR(a.note_from, "J1");
    CHECK(tap_id(&a, &ui, "note-phrase:grave"));
    CHECK(tap_id(&a, &ui, "note-save"));
    PUMP_UNTIL(&a, &ui, a.nnotes == 3);
    CHECK(newest_note(j, U, &nt, text, sizeof text));
    CHECK_STR(sv_note_target(&nt), "line");
    CHECK(strcmp(nt.from, "J1") == 0 && strcmp(nt.to, "J2") == 0);
    CHECK_STR(nt.phrase, "grave");
    int64_t line_note = nt.seq;
    check_targets(&ui);

    /* void the line's note with a reason */
    char id[64], why[300];
    snprintf(id, sizeof id, "note-void:%lld", (long long)line_note);
    CHECK(tap_id(&a, &ui, id));
    CHECK_INT(a.modal, APP_MODAL_TEXT);
    CHECK(tap_id(&a, &ui, "phrase:0"));
    CHECK(tap_id(&a, &ui, "text-ok"));
    PUMP_UNTIL(&a, &ui, a.nnotes == 2);
    void_reason(j, line_note, why, sizeof why);
    CHECK_STR(why, "误记录");
    CHECK_INT(a.screen, APP_SCR_NOTE);

    /* a dispute on J1-J2: its number and the line it covers, as the library says */
    while (app_go_back(&a))
        ;
    CHECK_INT(app_open_unit(&a, U), SV_OK);
    CHECK(tap_id(&a, &ui, "dispute"));
    CHECK(tap_id(&a, &ui, "dsp-parties"));
    app_on_text(&a, "东坪村");
    CHECK(tap_id(&a, &ui, "text-ok"));
    CHECK(tap_id(&a, &ui, "dsp-statement"));
    CHECK(tap_id(&a, &ui, "phrase:0"));
    CHECK(tap_id(&a, &ui, "text-ok"));
    CHECK(tap_id(&a, &ui, "dsp-from"));
    CHECK(pick_value(&a, &ui, "J1"));
    CHECK(tap_id(&a, &ui, "dsp-to"));
    CHECK(pick_value(&a, &ui, "J2"));
    CHECK(app_ui_find(&ui, "settle") && !app_ui_find(&ui, "settle")->enabled); /* none yet */
    CHECK(tap_id(&a, &ui, "dsp-save"));
    PUMP_UNTIL(&a, &ui, a.ndsp == 1);
    int64_t dseq = a.ndsp ? a.dsp[0].seq : 0;
    char num[64], said[200];
    sv_dispute_number(U, dseq, num);
    rebuild(&a, &ui);
    snprintf(said, sizeof said, "%s · open · 东坪村", num);
    CHECK(ui_says(&ui, said));
    CHECK(ui_says(&ui, "Lines: J1–J2 · "));
    check_targets(&ui);
    /* the map draws it dashed in the dispute colour */
    CHECK(tap_id(&a, &ui, "back"));
    CHECK_INT(a.screen, APP_SCR_MAP);
    rebuild(&a, &ui);
    CHECK(lines_of_colour(&ui, app__th->dispute) >= 1);
    CHECK_INT(lines_of_colour(&ui, app__th->settled), 0);

    /* settle it on site: agreement text and number, then the parties sign */
    CHECK(tap_id(&a, &ui, "dispute"));
    CHECK(tap_id(&a, &ui, "settle"));
    CHECK_INT(a.screen, APP_SCR_SETTLE);
    check_targets(&ui);
    CHECK(ui_says(&ui, "Lines: J1–J2")); /* what is being settled, as the Dispute screen */
    CHECK(app_ui_find(&ui, "settle-save") && !app_ui_find(&ui, "settle-save")->enabled);
    CHECK(tap_id(&a, &ui, "settle-agreement"));
    CHECK(tap_id(&a, &ui, "phrase:0"));
    CHECK(tap_id(&a, &ui, "text-ok"));
    CHECK(tap_id(&a, &ui, "settle-number"));
    app_on_text(&a, "LX-XY-2026-07");
    CHECK(tap_id(&a, &ui, "text-ok"));
    CHECK(tap_id(&a, &ui, "settle-save"));
    CHECK_INT(a.screen, APP_SCR_SIGN); /* the parties sign next */
    PUMP_UNTIL(&a, &ui, a.ndsp == 1 && a.dsp[0].settled);
    {
        sv_dispute *d = NULL;
        size_t nd = 0;
        CHECK_INT(sv_state_disputes(j, U, &d, &nd), SV_OK);
        CHECK_INT(nd, 1);
        if (nd == 1) {
            CHECK(d[0].settled && d[0].settled_by > dseq);
            CHECK_STR(d[0].agreement_no, "LX-XY-2026-07");
            CHECK_STR(d[0].agreement ? d[0].agreement : "",
                      "The parties agree the boundary runs as measured");
            const char *ring[3] = {"J1", "J2", "J3"};
            sv_line_docs docs;
            sv_line_docs_of(d, nd, U, ring, 3, "J1", "J2", NULL, &docs);
            CHECK_STR(docs.nature, "settled");
            CHECK_STR(docs.agreement_no, "LX-XY-2026-07");
        }
        sv_disputes_free(d, nd);
    }
    int64_t stl_seq = a.dsp[0].settled_by;
    /* the dispute's party is on the Sign list already: not added again by hand */
    int k = -1;
    for (int i = 0; i < a.nparty; i++)
        if (strcmp(a.party[i].name, "东坪村") == 0)
            k = i;
    CHECK(k >= 0);
    snprintf(id, sizeof id, "party:%d:present", k);
    CHECK(tap_id(&a, &ui, id));
    PUMP_UNTIL(&a, &ui, k >= 0 && a.party[k].has_att);
    snprintf(id, sizeof id, "party:%d:sign", k);
    CHECK(tap_id(&a, &ui, id));
    CHECK_INT(a.screen, APP_SCR_PAD);
    const app_widget *pw = app_ui_find(&ui, "pad");
    if (pw) {
        app_rect r = pw->r;
        for (int i = 0; i <= 10; i++) {
            app_gesture dg = {.type = APP_G_DRAG,
                              .x = r.x + r.w * (0.2f + 0.05f * (float)i),
                              .y = r.y + r.h * 0.5f,
                              .dx = i ? r.w * 0.05f : 4,
                              .dy = 0};
            app_on_gesture(&a, &ui, &dg);
        }
        app_gesture de = {.type = APP_G_DRAG_END};
        app_on_gesture(&a, &ui, &de);
    }
    CHECK(tap_id(&a, &ui, "signer"));
    app_on_text(&a, "马某");
    CHECK(tap_id(&a, &ui, "text-ok"));
    CHECK(tap_id(&a, &ui, "role"));
    CHECK(tap_id(&a, &ui, "pick:0"));
    CHECK(tap_id(&a, &ui, "pad-save"));
    PUMP_UNTIL(&a, &ui, k >= 0 && a.party[k].current == 1);
    {
        sv_signature *sg = NULL;
        size_t ns = 0;
        CHECK_INT(sv_state_signatures(j, U, &sg, &ns), SV_OK);
        CHECK_INT(ns, 1);
        if (ns == 1)
            CHECK(sg[0].seq > stl_seq); /* signed after the settlement, as docs/cli.md says */
        sv_signatures_free(sg, ns);
    }
    /* the Dispute screen and the map show it settled */
    while (app_go_back(&a))
        ;
    CHECK_INT(app_open_unit(&a, U), SV_OK);
    rebuild(&a, &ui);
    CHECK_INT(lines_of_colour(&ui, app__th->dispute), 0);
    CHECK(lines_of_colour(&ui, app__th->settled) >= 1);
    CHECK(tap_id(&a, &ui, "dispute"));
    snprintf(said, sizeof said, "%s · settled · 东坪村", num);
    CHECK(ui_says(&ui, said));
    CHECK(ui_says(&ui, "Lines: J1–J2 · agreement LX-XY-2026-07"));
    CHECK(app_ui_find(&ui, "settle") == NULL);

    /* voiding the settlement reopens the dispute */
    CHECK(tap_id(&a, &ui, "settle-void"));
    CHECK(tap_id(&a, &ui, "phrase:4"));
    CHECK(tap_id(&a, &ui, "text-ok"));
    PUMP_UNTIL(&a, &ui, a.ndsp == 1 && !a.dsp[0].settled);
    void_reason(j, stl_seq, why, sizeof why);
    CHECK_STR(why, "当事方撤回");
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "settle") && app_ui_find(&ui, "settle")->enabled);

    /* an open dispute recorded by mistake can be withdrawn on the tablet, with a reason */
    CHECK(app_ui_find(&ui, "dispute-void") && app_ui_find(&ui, "dispute-void")->enabled);
    int64_t dsp_seq = a.dsp[0].seq;
    CHECK(tap_id(&a, &ui, "dispute-void"));
    CHECK_INT(a.modal, APP_MODAL_TEXT);
    CHECK(tap_id(&a, &ui, "phrase:0"));
    CHECK(tap_id(&a, &ui, "text-ok"));
    PUMP_UNTIL(&a, &ui, a.ndsp == 0);
    void_reason(j, dsp_seq, why, sizeof why);
    CHECK(why[0] != '\0');
    CHECK_INT(a.rs.jobs_failed, 0);
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "dispute-void") && !app_ui_find(&ui, "dispute-void")->enabled);

    CHECK_INT(app_rec_stop(a.rec), 0);
    a.rec = NULL;
    app_ui_free(&ui);
    app_free(&a);
    sv_task_set_clear(&ts);
    sv_journal_close(j);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/* The marker chosen for a point is for that point alone (app review, defect 1): the next point,
 * a point of another unit and a re-measurement record none unless one is chosen for them (the
 * re-measurement shows the old point's marker it takes over, framed). Read from the journal. */
static void test_marker_reset(void)
{
    char dir[] = "/tmp/qj-appmk-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char path[256];
    sv_task_set ts = {0};
    sv_journal *j = unit_journal(dir, "app-mk", path, sizeof path, &ts);
    if (!j)
        return;
    CHECK_INT(sv_record_config(j, "average.epochs", "3", NULL), SV_OK);
    CHECK_INT(sv_record_config(j, "average.seconds", "0", NULL), SV_OK);
    const char *U = "622901ZR000002";
    app_i18n_init("en", NULL);
    app a;
    CHECK_INT(app_init(&a, j), SV_OK);
    char err[256];
    CHECK_INT(app_rec_start(path, NULL, NULL, &a.rec, err, sizeof err), 0);
    a.gnss_ok = 1;
    a.gnss.connected = 1;
    app_ui ui = {0};
    CHECK_INT(app_open_unit(&a, U), SV_OK);
    double t = 1.85e9;

    /* code lists in the interface's language (defect 6): English names where the labels are
     * Chinese, the English label where the code is Chinese (unit types), never a raw code */
    {
        char b[128];
        CHECK_STR(app__code_label(&a, "marker", "concrete-post", b, sizeof b), "Concrete post");
        CHECK_STR(app__code_label(&a, "point-type", "map-read", b, sizeof b), "Read from the map");
        CHECK_STR(app__code_label(&a, "line-category", "field-ridge", b, sizeof b), "Field ridge");
        CHECK_STR(app__code_label(&a, "unit-type", "森林", b, sizeof b), "forest");
        app_i18n_init("zh_CN", NULL);
        if (app_lang_zh()) {
            CHECK_STR(app__code_label(&a, "marker", "concrete-post", b, sizeof b), "水泥桩");
            CHECK_STR(app__code_label(&a, "unit-type", "森林", b, sizeof b), "森林");
            /* the phrases recorded in Chinese are zh_CN.po's translations (defect 7) */
            for (size_t i = 0; i < app__ndispute_phrases; i++)
                CHECK_STR(_(app__dispute_phrases[i].en), app__dispute_phrases[i].zh);
            /* the map's scale bar in the interface's units: "米", not "m" or "km" */
            CHECK_INT(a.screen, APP_SCR_MAP);
            rebuild(&a, &ui);
            int english_unit = 0;
            for (size_t i = 0; i < ui.ncmd; i++) {
                const char *tx = ui.text + ui.cmd[i].off;
                size_t tl = strlen(tx);
                if (ui.cmd[i].op == APP_OP_TEXT && tl >= 2 &&
                    (strcmp(tx + tl - 2, " m") == 0 ||
                     (tl >= 3 && strcmp(tx + tl - 3, " km") == 0)))
                    english_unit = 1;
            }
            CHECK(!english_unit && ui_says(&ui, "米"));
            CHECK(tap_id(&a, &ui, "verify"));
            CHECK(tap_id(&a, &ui, "verify:owner:corrected"));
            CHECK(a.npick > 0 && strcmp(a.pick_label[0], "全民所有") == 0);
            app__close_modal(&a);
            app_go_back(&a);
        }
        app_i18n_init("en", NULL);
    }

    /* a phrase tapped in the English interface is recorded in Chinese, the crew's own words as
     * typed (defect 7); the screen shows it in English */
    CHECK(tap_id(&a, &ui, "verify"));
    CHECK(tap_id(&a, &ui, "verify:owner:corrected"));
    CHECK(a.npick > 0 && strcmp(a.pick_label[0], "Owned by the whole people (the State)") == 0);
    CHECK(tap_id(&a, &ui, "phrase:0"));
    CHECK(tap_id(&a, &ui, "text-ok"));
    PUMP_UNTIL(&a, &ui, a.nver == 1);
    if (a.nver == 1)
        CHECK_STR(a.ver[0].value ? a.ver[0].value : "", "全民所有");
    CHECK(tap_id(&a, &ui, "verify:manager:disputed"));
    CHECK(tap_id(&a, &ui, "phrase:1"));
    app_on_text(&a, " (2019)");
    CHECK(tap_id(&a, &ui, "text-ok"));
    PUMP_UNTIL(&a, &ui, a.nver == 2);
    for (size_t i = 0; i < a.nver; i++)
        if (a.ver[i].status == SV_VERIFY_DISPUTED)
            CHECK_STR(a.ver[i].note ? a.ver[i].note : "", "其他集体主张所有权 (2019)");
    rebuild(&a, &ui);
    CHECK(ui_says(&ui, "Owned by the whole people"));
    CHECK(tap_id(&a, &ui, "back"));

    /* J1 with a concrete post */
    CHECK(tap_id(&a, &ui, "record"));
    /* the journal's requirement (3 epochs, average.seconds 0): no invented 10 s (defect 8) */
    CHECK(ui_says(&ui, "Epochs 0 / 3"));
    CHECK(!ui_says(&ui, "Seconds"));
    CHECK(tap_id(&a, &ui, "marker"));
    CHECK(pick_value(&a, &ui, "concrete-post"));
    CHECK_STR(a.marker, "concrete-post");
    CHECK(tap_id(&a, &ui, "record-go"));
    record_at(&a, &ui, 0, 0, &t, SV_GRADE_RTK_FIXED, 1);
    /* J2 straight after: no marker chosen, none recorded */
    CHECK_STR(a.marker, "");
    CHECK(ui_says(&ui, "Marker: none"));
    CHECK(tap_id(&a, &ui, "record-go"));
    record_at(&a, &ui, 10, 0, &t, SV_GRADE_RTK_FIXED, 2);
    /* the point just recorded is said where the crew looks, on a short window too: on
     * 1280x800 at 224 DPI "Last: J2 …" lay under the pickers, below the body's fold, and the
     * screen looked as before the tap */
    {
        app_ui small = {0};
        app_ui_begin(&small, 1280, 800, 8.82f);
        app_build(&a, &small, sv_mono_ms());
        const app_widget *go = app_ui_find(&small, "record-go");
        const app_widget *ov = app_ui_find(&small, "override");
        float foot = go ? go->r.y : 0;
        if (ov && ov->r.y < foot)
            foot = ov->r.y;
        /* the strip saying more is below lies over the body's last rows */
        for (size_t i = 0; i < small.ncmd; i++)
            if (small.cmd[i].op == APP_OP_TEXT &&
                strstr(small.text + small.cmd[i].off, "More below") && small.cmd[i].r.y < foot)
                foot = small.cmd[i].r.y;
        int said = 0;
        for (size_t i = 0; i < small.ncmd; i++)
            if (small.cmd[i].op == APP_OP_TEXT && strstr(small.text + small.cmd[i].off, "Last: J2"))
                said = small.cmd[i].r.y >= 0 && small.cmd[i].r.y + small.cmd[i].r.h <= foot;
        CHECK(go != NULL && said);
        /* its σ is the horizontal one, named, as the point list has it (east and north side by
         * side were read as horizontal and vertical) */
        int named = 0;
        for (size_t i = 0; i < small.ncmd; i++)
            named |= small.cmd[i].op == APP_OP_TEXT &&
                     strstr(small.text + small.cmd[i].off, "Last: J2") &&
                     strstr(small.text + small.cmd[i].off, "horizontal σ ");
        CHECK(named);
        app_ui_free(&small);
    }
    sv_bpoint p1, p2;
    CHECK(point_now(j, U, "J1", &p1) && point_now(j, U, "J2", &p2));
    CHECK_STR(p1.marker, "concrete-post");
    CHECK_STR(p2.marker, "");

    /* a marker chosen, not used, then Record left and entered again: none */
    CHECK(tap_id(&a, &ui, "marker"));
    CHECK(pick_value(&a, &ui, "paint"));
    CHECK(tap_id(&a, &ui, "back"));
    CHECK(tap_id(&a, &ui, "record"));
    CHECK_STR(a.marker, "");
    /* ... or another unit opened (Record reached on it some other way than entering) */
    CHECK(tap_id(&a, &ui, "marker"));
    CHECK(pick_value(&a, &ui, "stone-post"));
    while (app_go_back(&a))
        ;
    char other[SV_CODE_MAX];
    snprintf(other, sizeof other, "%s", a.units[a.cur == 0 ? 1 : 0].u.code);
    CHECK_INT(app_open_unit(&a, other), SV_OK);
    CHECK_STR(a.marker, "");
    CHECK(tap_id(&a, &ui, "record"));
    CHECK(tap_id(&a, &ui, "record-go"));
    record_at(&a, &ui, 500, 500, &t, SV_GRADE_RTK_FIXED, 3);
    sv_bpoint o1;
    CHECK(point_now(j, other, "J1", &o1));
    CHECK_STR(o1.marker, "");

    /* re-measuring J1 of U: its marker is taken over in plain sight, then dropped again */
    while (app_go_back(&a))
        ;
    CHECK_INT(app_open_unit(&a, U), SV_OK);
    CHECK(tap_id(&a, &ui, "points"));
    CHECK(tap_id(&a, &ui, "point:J1"));
    CHECK(tap_id(&a, &ui, "remeasure"));
    CHECK(tap_id(&a, &ui, "phrase:0"));
    CHECK(tap_id(&a, &ui, "text-ok"));
    CHECK_INT(a.screen, APP_SCR_RECORD);
    CHECK_STR(a.marker, "concrete-post");
    {
        const app_widget *mw = app_ui_find(&ui, "marker");
        char said[256];
        snprintf(said, sizeof said, "%s", mw ? app_ui_widget_label(&ui, mw) : "");
        for (char *q = said; *q; q++)
            *q = *q == '\n' ? ' ' : *q; /* the label may be wrapped */
        CHECK(strstr(said, "(as J1 had)") != NULL);
    }
    CHECK(tap_id(&a, &ui, "record-go"));
    record_at(&a, &ui, 1, 1, &t, SV_GRADE_RTK_FIXED, 4);
    CHECK_STR(a.marker, "");
    CHECK(tap_id(&a, &ui, "record-go"));
    record_at(&a, &ui, 20, 0, &t, SV_GRADE_RTK_FIXED, 5);
    sv_bpoint r1, p3;
    CHECK(point_now(j, U, "J1", &r1) && point_now(j, U, "J3", &p3));
    CHECK_INT(r1.supersedes, p1.seq);
    CHECK_STR(r1.marker, "concrete-post");
    CHECK_STR(p3.marker, "");

    /* Day end (defect 9): the unit open and the one worked on first, with their names, ahead
     * of the untouched ones in code order */
    app__open(&a, APP_SCR_DAYEND);
    rebuild(&a, &ui);
    {
        const char *rows[2] = {NULL, NULL};
        for (size_t i = 0, k = 0; i < ui.ncmd && k < 2; i++)
            if (ui.cmd[i].op == APP_OP_TEXT && strstr(ui.text + ui.cmd[i].off, " point"))
                rows[k++] = ui.text + ui.cmd[i].off;
        CHECK(rows[0] && strncmp(rows[0], U, strlen(U)) == 0);
        CHECK(rows[0] && a.units[a.cur].u.name && strstr(rows[0], a.units[a.cur].u.name));
        CHECK(rows[1] && strncmp(rows[1], other, strlen(other)) == 0);
        CHECK(rows[1] && strstr(rows[1], " · 1 point") && !strstr(rows[1], "1 points"));
    }
    /* in portrait at 224 DPI a row's lines stay inside it: the reasons a unit is incomplete
     * took three lines in the half of a row that holds two, over its edge */
    {
        app_ui tall = {0};
        app_ui_begin(&tall, 800, 1280, 8.82f);
        app_build(&a, &tall, sv_mono_ms());
        int nrows = 0, out = 0;
        for (size_t r = 0; r < tall.ncmd; r++) {
            app_rect row = tall.cmd[r].r;
            if (tall.cmd[r].op != APP_OP_FILL || row.w < 700 || row.h < 10 * 8.82f || row.h > 400)
                continue;
            nrows++;
            for (size_t i = 0; i < tall.ncmd; i++) {
                app_rect b = tall.cmd[i].r;
                if (tall.cmd[i].op != APP_OP_TEXT ||
                    !app_rect_has(row, b.x + b.w / 2, b.y + b.h / 2))
                    continue;
                if (b.y < row.y - 0.5f || b.y + b.h > row.y + row.h + 0.5f) {
                    fprintf(stderr, "  Day end: '%s' (%.0f..%.0f) out of its row %.0f..%.0f\n",
                            tall.text + tall.cmd[i].off, b.y, b.y + b.h, row.y, row.y + row.h);
                    out++;
                }
            }
        }
        CHECK(nrows >= 2);
        CHECK_INT(out, 0);
        app_ui_free(&tall);
    }
    app_go_back(&a);

    /* numbers with their units in the interface's language: the point list's σ and the GNSS
     * screen's error estimates, ages and height said "0.001 m", "4.750 m", "9.2 s" on the
     * Chinese screen where every other screen says 米 and 秒 */
    app_i18n_init("zh_CN", NULL);
    if (app_lang_zh()) {
        while (app_go_back(&a))
            ;
        CHECK_INT(app_open_unit(&a, U), SV_OK);
        CHECK(tap_id(&a, &ui, "points"));
        CHECK_INT(a.screen, APP_SCR_POINTS);
        CHECK(ui_says(&ui, "σ 0.") && ui_says(&ui, "米"));
        CHECK(!ui_english_unit(&ui));
        app_go_back(&a);
        set_fix(&a, LAT0, LON0, 0.012);
        a.gnss.fix.corr_age = 1.5;
        CHECK(tap_id(&a, &ui, "gnss"));
        CHECK_INT(a.screen, APP_SCR_GNSS);
        CHECK(ui_says(&ui, "0.012 米") && ui_says(&ui, "1.5 秒"));
        CHECK(!ui_english_unit(&ui));
        app_go_back(&a);
    }
    app_i18n_init("en", NULL);

    CHECK_INT(app_rec_stop(a.rec), 0);
    a.rec = NULL;
    app_ui_free(&ui);
    app_free(&a);
    sv_task_set_clear(&ts);
    sv_journal_close(j);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/* The Files screen: the photos folder's pictures newest first (@attach-file:N, from the Map's
 * @attach), an explicit choice of what it is (@attach-what:CODE; @attach-save disabled without
 * it), a point, and the file kept in the journal with its bytes; a file that is not a JPEG, PNG
 * or PDF is refused by the library and nothing is kept; a void withdraws it. */
static void test_attach(void)
{
    char dir[] = "/tmp/qj-appattach-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char path[256], photos[300], f1[400], f2[400], f3[400];
    sv_task_set ts = {0};
    sv_journal *j = unit_journal(dir, "app-attach", path, sizeof path, &ts);
    if (!j)
        return;
    const char *U = "622901ZR000002";
    snprintf(photos, sizeof photos, "%s/photos", dir);
    CHECK_INT(mkdir(photos, 0755), 0);
    /* an older scan, a newer photograph, and a text file named like a photograph */
    snprintf(f1, sizeof f1, "%s/scan-old.png", photos);
    snprintf(f2, sizeof f2, "%s/IMG_0002.jpg", photos);
    snprintf(f3, sizeof f3, "%s/fake.jpg", photos);
    FILE *f = fopen(f1, "wb");
    fputs("\x89PNG\r\n\x1a\nan old scan", f);
    fclose(f);
    f = fopen(f2, "wb");
    fputs("\xff\xd8\xff\xe0 a photograph of the signed page", f);
    fclose(f);
    f = fopen(f3, "wb");
    fputs("not a picture", f);
    fclose(f);
    struct timespec old[2] = {{1700000000, 0}, {1700000000, 0}},
                    mid[2] = {{1750000000, 0}, {1750000000, 0}};
    CHECK_INT(utimensat(AT_FDCWD, f1, old, 0), 0);
    CHECK_INT(utimensat(AT_FDCWD, f3, mid, 0), 0);
    app_i18n_init("en", NULL);
    app a;
    CHECK_INT(app_init(&a, j), SV_OK);
    CHECK_STR(a.photos_dir, photos); /* photos/ beside the journal by default */
    char err[256];
    CHECK_INT(app_rec_start(path, NULL, NULL, &a.rec, err, sizeof err), 0);
    app_ui ui = {0};
    CHECK_INT(app_open_unit(&a, U), SV_OK);
    CHECK(tap_id(&a, &ui, "attach"));
    CHECK_INT(a.screen, APP_SCR_ATTACH);
    check_targets(&ui);
    CHECK_INT((int)a.nphotos, 3);
    CHECK_STR(a.photos[0].name, "IMG_0002.jpg"); /* the newest first */
    CHECK_STR(a.photos[2].name, "scan-old.png");
    CHECK(app_ui_find(&ui, "attach-save") && !app_ui_find(&ui, "attach-save")->enabled);
    CHECK(tap_id(&a, &ui, "attach-file:0"));
    rebuild(&a, &ui);
    CHECK(!app_ui_find(&ui, "attach-save")->enabled); /* what it is: not chosen for the crew */
    CHECK(tap_id(&a, &ui, "attach-what:signed_form"));
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "attach-save")->enabled);
    CHECK(tap_id(&a, &ui, "attach-save"));
    PUMP_UNTIL(&a, &ui, a.natts == 1);
    sv_attachment *at = NULL;
    size_t n = 0;
    CHECK_INT(sv_state_attachments(j, U, &at, &n), SV_OK);
    CHECK_INT((int)n, 1);
    if (n == 1) {
        CHECK_STR(at[0].name, "IMG_0002.jpg");
        CHECK_STR(at[0].what, "signed_form");
        CHECK_STR(at[0].type, "image/jpeg");
        CHECK(!at[0].at_office);
    }
    rebuild(&a, &ui);
    CHECK(ui_says(&ui, "Files kept with the unit: 1"));
    CHECK(a.att_what[0] == '\0' && a.photo_sel == -1); /* nothing sticks for the next file */
    CHECK(ui_says(&ui, "not yet at the office"));
    /* the text file named .jpg: the library refuses it, nothing kept */
    CHECK(tap_id(&a, &ui, "attach-file:1"));
    CHECK(tap_id(&a, &ui, "attach-what:photo"));
    CHECK(tap_id(&a, &ui, "attach-save"));
    rebuild(&a, &ui);
    CHECK_INT((int)a.natts, 1);
    CHECK(ui_says(&ui, "fake.jpg is not a JPEG, PNG or PDF"));
    CHECK_INT(app_rec_failed(a.rec), 0); /* said at once, never queued */
    /* on a Chinese tablet the library's refusal is Chinese too; the CLI's stays English */
    app_i18n_init("zh_CN", NULL);
    if (app_lang_zh()) {
        rebuild(&a, &ui);
        if (a.photo_sel != 1) /* the refused file may still be chosen */
            CHECK(tap_id(&a, &ui, "attach-file:1"));
        if (strcmp(a.att_what, "photo") != 0)
            CHECK(tap_id(&a, &ui, "attach-what:photo"));
        CHECK(tap_id(&a, &ui, "attach-save"));
        rebuild(&a, &ui);
        CHECK(ui_says(&ui, "fake.jpg 不是 JPEG、PNG 或 PDF 文件"));
        CHECK(!ui_says(&ui, "is not a JPEG"));
    }
    app_i18n_init("en", NULL);
    rebuild(&a, &ui);
    /* the refused file chosen no longer (its preview box would push the list down) */
    if (a.photo_sel >= 0) {
        char fid[48];
        snprintf(fid, sizeof fid, "attach-file:%d", a.photo_sel);
        CHECK(tap_id(&a, &ui, fid));
        rebuild(&a, &ui);
    }
    /* a void withdraws the photograph from the list */
    if (n == 1) {
        char id[48];
        snprintf(id, sizeof id, "attach-void:%lld", (long long)at[0].seq);
        CHECK(tap_id(&a, &ui, id));
        CHECK_INT(a.modal, APP_MODAL_TEXT);
        snprintf(a.text, sizeof a.text, "%s", "wrong page");
        CHECK(tap_id(&a, &ui, "text-ok"));
        PUMP_UNTIL(&a, &ui, a.natts == 0);
    }
    sv_attachments_free(at, n);
    CHECK_INT(app_rec_stop(a.rec), 0);
    a.rec = NULL;
    app_ui_free(&ui);
    app_free(&a);
    sv_task_set_clear(&ts);
    sv_journal_close(j);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/* ---- the Files screen's preview worker (preview.c): real threads and files, a decoder that
 * reads "WxH" text as the image (the platform's SDL decoder is exercised under Xvfb) */
static int pv_textures;
static unsigned char *pv_decode(const void *data, size_t n, int max_side, int *w, int *h,
                                int *alpha, char *err, size_t errlen)
{
    char s[32];
    snprintf(s, sizeof s, "%.*s", (int)(n < 31 ? n : 31), (const char *)data);
    int iw, ih;
    if (sscanf(s, "%dx%d", &iw, &ih) != 2 || iw <= 0 || ih <= 0) {
        snprintf(err, errlen, "not an image");
        return NULL;
    }
    double k = iw > max_side || ih > max_side ? (double)max_side / (iw > ih ? iw : ih) : 1;
    *w = (int)(iw * k + 0.5), *h = (int)(ih * k + 0.5), *alpha = 0;
    return calloc((size_t)*w * (size_t)*h, 4);
}
static void *pv_tex_new(void *ctx, const unsigned char *px, int w, int h, int alpha)
{
    (void)ctx, (void)px, (void)alpha;
    pv_textures++;
    int *t = malloc(2 * sizeof *t);
    if (t)
        t[0] = w, t[1] = h;
    return t;
}
static void pv_tex_free(void *ctx, void *tex)
{
    (void)ctx;
    pv_textures--;
    free(tex);
}

static app_preview_state pv_settle(app_preview *pv)
{
    void *tex;
    int w, h;
    const char *err;
    for (int i = 0; i < 5000 && app_preview_get(pv, &tex, &w, &h, &err) == APP_PREVIEW_LOADING;
         i++) {
        if (!app_preview_poll(pv))
            usleep(1000); /* the worker's condition, polled: no fixed wait */
    }
    return app_preview_get(pv, &tex, &w, &h, &err);
}

static void test_preview(void)
{
    char dir[] = "/tmp/qj-preview-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char big[64], small[64], bad[64], none[64];
    snprintf(big, sizeof big, "%s/big.jpg", dir);
    snprintf(small, sizeof small, "%s/small.png", dir);
    snprintf(bad, sizeof bad, "%s/bad.jpg", dir);
    snprintf(none, sizeof none, "%s/none.jpg", dir);
    FILE *f = fopen(big, "w");
    fputs("4000x3000", f);
    fclose(f);
    f = fopen(small, "w");
    fputs("60x80", f);
    fclose(f);
    f = fopen(bad, "w");
    fputs("garbage", f);
    fclose(f);
    app_preview *pv = app_preview_new(1024, pv_decode, pv_tex_new, pv_tex_free, NULL, NULL, NULL);
    CHECK(pv != NULL);
    if (!pv)
        return;
    CHECK_INT(app_preview_get(pv, NULL, NULL, NULL, NULL), APP_PREVIEW_NONE);
    /* a large picture scaled to fit, aspect kept */
    app_preview_want(pv, big, 9, 1);
    CHECK_INT(pv_settle(pv), APP_PREVIEW_READY);
    void *tex;
    int w, h;
    const char *err;
    app_preview_get(pv, &tex, &w, &h, &err);
    CHECK(w == 1024 && h == 768);
    CHECK_INT(pv_textures, 1);
    /* asking again for what is shown changes nothing */
    app_preview_want(pv, big, 9, 1);
    CHECK_INT(app_preview_get(pv, NULL, NULL, NULL, NULL), APP_PREVIEW_READY);
    /* tapping through: only the last one asked for is shown, never an earlier one's picture */
    app_preview_want(pv, bad, 7, 1);
    CHECK_INT(pv_textures, 0); /* another file's picture is gone at once */
    app_preview_want(pv, small, 5, 1);
    CHECK_INT(pv_settle(pv), APP_PREVIEW_READY);
    app_preview_get(pv, &tex, &w, &h, &err);
    CHECK(w == 60 && h == 80); /* never enlarged */
    /* what cannot be shown says why: not an image, not there */
    app_preview_want(pv, bad, 7, 1);
    CHECK_INT(pv_settle(pv), APP_PREVIEW_FAILED);
    app_preview_get(pv, &tex, &w, &h, &err);
    CHECK(strstr(err, "not an image") != NULL && tex == NULL);
    app_preview_want(pv, none, 0, 0);
    CHECK_INT(pv_settle(pv), APP_PREVIEW_FAILED);
    app_preview_get(pv, &tex, &w, &h, &err);
    CHECK(strstr(err, "No such file") != NULL);
    /* a file changed since it was shown is read again */
    app_preview_want(pv, small, 5, 1);
    CHECK_INT(pv_settle(pv), APP_PREVIEW_READY);
    f = fopen(small, "w");
    fputs("30x20", f);
    fclose(f);
    app_preview_want(pv, small, 5, 2);
    CHECK_INT(pv_settle(pv), APP_PREVIEW_READY);
    app_preview_get(pv, &tex, &w, &h, &err);
    CHECK(w == 30 && h == 20);
    app_preview_want(pv, NULL, 0, 0);
    CHECK_INT(app_preview_get(pv, NULL, NULL, NULL, NULL), APP_PREVIEW_NONE);
    CHECK_INT(pv_textures, 0);
    app_preview_free(pv);
    unlink(big), unlink(small), unlink(bad);
    rmdir(dir);
}

/* Shared boundary points on the Record screen: with the pole on a neighbouring unit's point,
 * @use-shared offers that point as this unit's own (kind "share"), not a second measurement;
 * once shared it is no longer offered, and nothing is offered a few metres away. */
static void test_share_offer(void)
{
    char dir[] = "/tmp/qj-appsh-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char path[256];
    sv_task_set ts = {0};
    sv_journal *j =
        units_journal(dir, "app-share", "adjacent-units-4490.geojson", path, sizeof path, &ts);
    if (!j)
        return;
    const char *W = "622901ZR000101", *E = "622901ZR000102";
    sv_bpoint p;
    memset(&p, 0, sizeof p);
    snprintf(p.unit, sizeof p.unit, "%s", W);
    p.lat = 35.40; /* their common corner */
    p.lon = 103.31;
    p.h = 1800;
    p.q = sv_quality_unknown();
    p.q.grade = SV_GRADE_RTK_FIXED;
    p.q.n = 10;
    CHECK_INT(sv_record_point(j, &p, NULL), SV_OK);

    app_i18n_init("en", NULL);
    app a;
    CHECK_INT(app_init(&a, j), SV_OK);
    char err[256];
    CHECK_INT(app_rec_start(path, NULL, NULL, &a.rec, err, sizeof err), 0);
    app_ui ui = {0};
    CHECK_INT(app_open_unit(&a, E), SV_OK);
    /* started without --gnss: Walk's Start is off and the panel says why */
    app__open(&a, APP_SCR_WALK);
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "walk-start") && !app_ui_find(&ui, "walk-start")->enabled);
    CHECK(ui_says(&ui, "started without --gnss"));
    app_go_back(&a);
    a.gnss_ok = 1;
    rebuild(&a, &ui);
    CHECK(tap_id(&a, &ui, "record"));
    CHECK_INT(a.screen, APP_SCR_RECORD);
    set_fix(&a, 35.40 + 5 / 111000.0, 103.31, 0.01); /* 5 m north: nothing offered */
    rebuild(&a, &ui);
    CHECK(!app_ui_find(&ui, "use-shared"));
    set_fix(&a, 35.40 + 0.3 / 111000.0, 103.31, 0.01); /* 0.3 m: the corner */
    rebuild(&a, &ui);
    const app_widget *w = app_ui_find(&ui, "use-shared");
    CHECK(w && w->enabled);
    CHECK(ui_says(&ui, W) && ui_says(&ui, "J1"));
    check_targets(&ui);
    CHECK(tap_id(&a, &ui, "use-shared"));
    PUMP_UNTIL(&a, &ui, a.npts == 1);
    if (a.npts == 1) {
        CHECK_STR(a.pts[0].shared_unit, W);
        CHECK_STR(a.pts[0].shared_number, "J1");
        CHECK(a.pts[0].lat == 35.40 && a.pts[0].lon == 103.31);
    }
    a.gnss.fix.mono_ms = sv_mono_ms();
    rebuild(&a, &ui);
    CHECK(!app_ui_find(&ui, "use-shared")); /* shared now: not offered again */

    CHECK_INT(app_rec_stop(a.rec), 0);
    a.rec = NULL;
    app_ui_free(&ui);
    app_free(&a);
    sv_task_set_clear(&ts);
    sv_journal_close(j);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/* A measured point of unit at (lat, lon), typed in. */
static void manual_point(sv_journal *j, const char *unit, double lat, double lon)
{
    sv_bpoint p;
    memset(&p, 0, sizeof p);
    snprintf(p.unit, sizeof p.unit, "%s", unit);
    snprintf(p.point_type, sizeof p.point_type, "measured");
    p.lat = lat;
    p.lon = lon;
    p.h = NAN;
    p.flags = SV_PT_MANUAL;
    CHECK_INT(sv_record_point(j, &p, NULL), SV_OK);
}

/*
 * The map's point labels (map_view.c): a point at each of four draft corners and twenty within
 * a metre of the draft's middle, at the whole unit's scale. Every corner is labelled; the
 * crowd is labelled once or a few times, not twenty times over; no label overlaps another.
 */
static void test_map_labels(void)
{
    char dir[] = "/tmp/qj-applab-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char path[256];
    sv_task_set ts = {0};
    sv_journal *j = unit_journal(dir, "app-labels", path, sizeof path, &ts);
    if (!j)
        return;
    const char *U = "622901ZR000002";
    const sv_unit *u = NULL;
    for (size_t i = 0; i < ts.n; i++)
        if (strcmp(ts.units[i].code, U) == 0)
            u = &ts.units[i];
    CHECK(u && u->draft.n_pts >= 5);
    if (!u || u->draft.n_pts < 5)
        return;
    const double *ll = u->draft.lonlat;
    for (int k = 0; k < 4; k++)
        manual_point(j, U, ll[2 * k + 1], ll[2 * k]);
    double mlat = (ll[1] + ll[5]) / 2, mlon = (ll[0] + ll[4]) / 2;
    for (int k = 0; k < 20; k++)
        manual_point(j, U, mlat + k * 0.05 / 111000.0, mlon);

    app_i18n_init("en", NULL);
    app a;
    CHECK_INT(app_init(&a, j), SV_OK);
    app_ui ui = {0};
    CHECK_INT(app_open_unit(&a, U), SV_OK);
    app__open(&a, APP_SCR_MAP);
    rebuild(&a, &ui);
    rebuild(&a, &ui); /* the first frame learns the map's size and fits the unit in it */
    CHECK_INT((int)a.npts, 24);
    app_rect lab[64];
    int n = 0, corners = 0;
    for (size_t i = 0; i < ui.ncmd && n < 64; i++) {
        const app_cmd *c = &ui.cmd[i];
        if (c->op != APP_OP_TEXT || c->color != app__th->point)
            continue;
        const char *t = ui.text + c->off;
        corners += strcmp(t, "J1") == 0 || strcmp(t, "J2") == 0 || strcmp(t, "J3") == 0 ||
                   strcmp(t, "J4") == 0;
        lab[n++] = c->r;
    }
    CHECK_INT(corners, 4);
    CHECK(n >= 5 && n <= 12);
    if (n < 5 || n > 12)
        fprintf(stderr, "  %d point labels drawn\n", n);
    for (int x = 0; x < n; x++)
        for (int y = x + 1; y < n; y++)
            CHECK(lab[x].x + lab[x].w <= lab[y].x || lab[y].x + lab[y].w <= lab[x].x ||
                  lab[x].y + lab[x].h <= lab[y].y || lab[y].y + lab[y].h <= lab[x].y);

    app_ui_free(&ui);
    app_free(&a);
    sv_task_set_clear(&ts);
    sv_journal_close(j);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/*
 * Long text and why Record is off (an outside check of the app): a text of 600 Chinese
 * characters is kept whole (512 bytes cut it at 170 without a word), the limit is said when it
 * is reached; a dispute from a point to itself says why it cannot be recorded.
 */
static void test_text_limits(void)
{
    char dir[] = "/tmp/qj-apptxt-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char path[256];
    sv_task_set ts = {0};
    sv_journal *j = unit_journal(dir, "app-text", path, sizeof path, &ts);
    if (!j)
        return;
    const char *U = "622901ZR000002";
    manual_point(j, U, 35.5512, 103.2323);
    app_i18n_init("en", NULL);
    app a;
    CHECK_INT(app_init(&a, j), SV_OK);
    char err[256];
    CHECK_INT(app_rec_start(path, NULL, NULL, &a.rec, err, sizeof err), 0);
    app_ui ui = {0};
    CHECK_INT(app_open_unit(&a, U), SV_OK);
    app__open_modal(&a, APP_MODAL_TEXT, APP_ASK_PARTY_ADD, "text");
    for (int i = 0; i < 60; i++)
        app_on_text(&a, "界址点位于山脊线上东侧"); /* 11 characters, 33 bytes */
    CHECK_INT((int)strlen(a.text), 60 * 33);
    CHECK(a.status[0] == '\0');
    for (int i = 0; i < 300; i++)
        app_on_text(&a, "界址点位于山脊线上东侧");
    CHECK(strlen(a.text) < sizeof a.text && strlen(a.text) > sizeof a.text - 34);
    CHECK(strstr(a.status, "at its limit") != NULL);
    rebuild(&a, &ui); /* the field shows the end of it */
    app__close_modal(&a);

    app__open(&a, APP_SCR_DISPUTE);
    snprintf(a.dsp_parties, sizeof a.dsp_parties, "西村");
    snprintf(a.dsp_statement, sizeof a.dsp_statement, "界线不清");
    snprintf(a.dsp_from, sizeof a.dsp_from, "J1");
    snprintf(a.dsp_to, sizeof a.dsp_to, "J1");
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "dsp-save") && !app_ui_find(&ui, "dsp-save")->enabled);
    CHECK(ui_says(&ui, "From and to are the same point (J1)"));
    a.dsp_to[0] = '\0';
    a.dsp_from[0] = '\0';
    rebuild(&a, &ui);
    CHECK(app_ui_find(&ui, "dsp-save") && app_ui_find(&ui, "dsp-save")->enabled);
    CHECK(!ui_says(&ui, "same point"));
    a.dsp_parties[0] = a.dsp_statement[0] = '\0';

    CHECK_INT(app_rec_stop(a.rec), 0);
    a.rec = NULL;
    app_ui_free(&ui);
    app_free(&a);
    sv_task_set_clear(&ts);
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
    test_measured_text();
    test_phrases();
    test_screens();
    test_recording();
    test_corrections();
    test_marker_reset();
    test_navigate();
    test_notes_disputes();
    test_attach();
    test_preview();
    test_share_offer();
    test_map_labels();
    test_text_limits();
    return check_finish();
}
