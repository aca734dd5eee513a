/*
 * test_theme.c - the app's colours outdoors and at night (app/theme.c): in each theme every
 * text colour is at least 4.5:1 against the background it is drawn on and every control edge
 * and map graphic at least 3:1 (WCAG 2.x AA, relative luminance of sRGB); the contrast formula
 * itself against known values; and a disabled button looks disabled (flat, grey, no fill).
 */
#include "app_int.h"
#include "check.h"

static void test_formula(void)
{
    CHECK_NEAR(app__contrast(0x000000ffu, 0xffffffffu), 21.0, 1e-9);
    CHECK_NEAR(app__contrast(0xffffffffu, 0xffffffffu), 1.0, 1e-9);
    /* #767676 on white is the well-known 4.54:1; the old green pill text was 3.4:1 */
    CHECK_NEAR(app__contrast(0x767676ffu, 0xffffffffu), 4.54, 0.01);
    CHECK_NEAR(app__contrast(0xffffffffu, 0x00a040ffu), 3.44, 0.01);
    CHECK(app__contrast(0x00a040ffu, 0xffffffffu) == app__contrast(0xffffffffu, 0x00a040ffu));
}

static void test_themes(void)
{
    for (int t = 0; t < APP__NTHEMES; t++) {
        app__cpair p[128];
        size_t n = app__theme_pairs(&app__themes[t], p, 128);
        CHECK(n >= 30 && n <= 128);
        for (size_t i = 0; i < n && i < 128; i++) {
            double r = app__contrast(p[i].fg, p[i].bg);
            if (r + 1e-9 < p[i].min_ratio) {
                fprintf(stderr, "theme %s: %s: %08x on %08x is %.2f:1, needs %.1f:1\n",
                        app__themes[t].name, p[i].what, p[i].fg, p[i].bg, r, p[i].min_ratio);
                CHECK(!"contrast below WCAG AA");
            } else {
                CHECK(1);
            }
            CHECK((p[i].fg & 0xff) == 0xff && (p[i].bg & 0xff) == 0xff); /* opaque pairs */
        }
    }
    CHECK(strcmp(app__themes[APP__THEME_DAY].name, "day") == 0);
    CHECK(strcmp(app__themes[APP__THEME_NIGHT].name, "night") == 0);
    /* the night theme is dark, the day theme light */
    CHECK(app__contrast(app__themes[APP__THEME_NIGHT].bg, 0x000000ffu) < 2);
    CHECK(app__contrast(app__themes[APP__THEME_DAY].bg, 0xffffffffu) < 1.1);
}

/* The fill, edge width and text colour a button is drawn with. */
static void button_look(int enabled, app_color *fill, float *edge, app_color *ink)
{
    app_ui ui = {0};
    app_ui_begin(&ui, 800, 600, 6);
    app__button(&ui, "b", (app_rect){10, 10, 200, 80}, "OK", enabled);
    *fill = 0;
    *edge = 0;
    *ink = 0;
    for (size_t i = 0; i < ui.ncmd; i++) {
        if (ui.cmd[i].op == APP_OP_FILL)
            *fill = ui.cmd[i].color;
        if (ui.cmd[i].op == APP_OP_FRAME)
            *edge = ui.cmd[i].w;
        if (ui.cmd[i].op == APP_OP_TEXT)
            *ink = ui.cmd[i].color;
    }
    CHECK(app_ui_find(&ui, "b") && app_ui_find(&ui, "b")->enabled == enabled);
    app_ui_free(&ui);
}

static void test_disabled(void)
{
    for (int t = 0; t < APP__NTHEMES; t++) {
        app__set_theme(t);
        app_color f1, f0, i1, i0;
        float e1, e0;
        button_look(1, &f1, &e1, &i1);
        button_look(0, &f0, &e0, &i0);
        CHECK(f1 == app__th->btn && f0 == app__th->bg); /* flat: the page shows through */
        CHECK(e0 < e1);                                 /* a thinner, grey edge */
        CHECK(i0 != i1);
        /* grey text: readable, but well below the enabled button's contrast */
        CHECK(app__contrast(i0, f0) >= 4.5);
        CHECK(app__contrast(i0, f0) < app__contrast(i1, f1) / 2);
    }
    app__set_theme(APP__THEME_DAY);
}

int main(void)
{
    test_formula();
    test_themes();
    test_disabled();
    return check_finish();
}
