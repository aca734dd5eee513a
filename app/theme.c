/*
 * theme.c - the app's colours, one table per theme (app_int.h): a high-contrast daylight theme
 * (black on white, dark saturated status colours) and a night theme (light on near-black).
 * Every text colour is at least 4.5:1 against the background it is drawn on and every control
 * edge and map graphic at least 3:1 (WCAG 2.x AA); app__theme_pairs lists the pairs and
 * unit/test_theme checks them. A disabled button is flat (no fill, a grey edge, grey text).
 */
#include <math.h>

#include "app_int.h"

const app__theme app__themes[APP__NTHEMES] = {
    [APP__THEME_DAY] =
        {
            .name = "day",
            .bg = 0xffffffffu,
            .ink = 0x000000ffu,
            .dim = 0x404040ffu,
            .bar = 0x10243effu,
            .bar_ink = 0xffffffffu,
            .bar_btn = 0x2c4a70ffu,
            .line = 0xc8c8c8ffu,
            .btn = 0xdde6f2ffu,
            .btn_ink = 0x000000ffu,
            .btn_edge = 0x000000ffu,
            .off = 0xffffffffu,
            .off_ink = 0x6a6a6affu,
            .off_edge = 0xa0a0a0ffu,
            .row_alt = 0xf2f4f7ffu,
            .panel = 0xeef1f5ffu,
            .ok = 0x006b2bffu,
            .warn = 0x9a4a00ffu,
            .bad = 0xb00000ffu,
            .go = 0x006b2bffu,
            .stop = 0xb00000ffu,
            .banner_bad = 0xffe8e8ffu,
            .banner_info = 0xf0f0f0ffu,
            .field = 0xfffbe6ffu,
            .field_edge = 0x000000ffu,
            .hint = 0xfff3c4ffu,
            .map_bg = 0xf7f5eeffu,
            .draft = 0x0050d0ffu,
            .point = 0xc00000ffu,
            .track = 0x007a28ffu,
            .pos = 0x0050e0ffu,
            .acc = 0x0060ff40u,
            .grade = {[SV_GRADE_NONE] = 0xb00000ffu,
                      [SV_GRADE_GPS] = 0xa03000ffu,
                      [SV_GRADE_DGPS] = 0x9a4a00ffu,
                      [SV_GRADE_RTK_FLOAT] = 0x7a5a00ffu,
                      [SV_GRADE_RTK_FIXED] = 0x006b2bffu},
            .no_receiver = 0x595959ffu,
            .scrim = 0x000000a0u,
            .group = 0xe4e8eeffu,
            .dispute = 0xb0008cffu,
            .settled = 0x00606effu,
        },
    [APP__THEME_NIGHT] =
        {
            .name = "night",
            .bg = 0x121212ffu,
            .ink = 0xe6e6e6ffu,
            .dim = 0xa8b0b8ffu,
            .bar = 0x000000ffu,
            .bar_ink = 0xf0f0f0ffu,
            .bar_btn = 0x2a2a2affu,
            .line = 0x3a3a3affu,
            .btn = 0x26303cffu,
            .btn_ink = 0xf0f0f0ffu,
            .btn_edge = 0x9aa8b8ffu,
            .off = 0x121212ffu,
            .off_ink = 0x8a8a8affu,
            .off_edge = 0x4a4a4affu,
            .row_alt = 0x1c1f24ffu,
            .panel = 0x1a1d22ffu,
            .ok = 0x5fd38affu,
            .warn = 0xffb34dffu,
            .bad = 0xff6b6bffu,
            .go = 0x237a43ffu,
            .stop = 0xa82020ffu,
            .banner_bad = 0x3a1212ffu,
            .banner_info = 0x262626ffu,
            .field = 0x202428ffu,
            .field_edge = 0x9aa8b8ffu,
            .hint = 0x4a3e10ffu,
            .map_bg = 0x161a1effu,
            .draft = 0x6aa8ffffu,
            .point = 0xff6b6bffu,
            .track = 0x5fd38affu,
            .pos = 0x6ab8ffffu,
            .acc = 0x6ab8ff40u,
            .grade = {[SV_GRADE_NONE] = 0x9a1a1affu,
                      [SV_GRADE_GPS] = 0x8a2a00ffu,
                      [SV_GRADE_DGPS] = 0x8a3d00ffu,
                      [SV_GRADE_RTK_FLOAT] = 0x6b5200ffu,
                      [SV_GRADE_RTK_FIXED] = 0x1e6b3affu},
            .no_receiver = 0x4a4a4affu,
            .scrim = 0x000000c0u,
            .group = 0x26303cffu,
            .dispute = 0xff66d9ffu,
            .settled = 0x4fd1e0ffu,
        },
};

const app__theme *app__th = &app__themes[APP__THEME_DAY];

void app__set_theme(int which)
{
    app__th = &app__themes[which >= 0 && which < APP__NTHEMES ? which : APP__THEME_DAY];
}

static double channel(unsigned v)
{
    double c = v / 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double luminance(app_color c)
{
    return 0.2126 * channel((c >> 24) & 0xff) + 0.7152 * channel((c >> 16) & 0xff) +
           0.0722 * channel((c >> 8) & 0xff);
}

double app__contrast(app_color a, app_color b)
{
    double la = luminance(a), lb = luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

#define TEXT 4.5
#define CONTROL 3.0

size_t app__theme_pairs(const app__theme *t, app__cpair *out, size_t max)
{
    const app__cpair all[] = {
        {"text on the page", t->ink, t->bg, TEXT},
        {"text on an alternate row", t->ink, t->row_alt, TEXT},
        {"text on a bottom bar", t->ink, t->panel, TEXT},
        {"secondary text on the page", t->dim, t->bg, TEXT},
        {"secondary text on an alternate row", t->dim, t->row_alt, TEXT},
        {"secondary text on a bottom bar", t->dim, t->panel, TEXT},
        {"top bar text", t->bar_ink, t->bar, TEXT},
        {"back button text", t->bar_ink, t->bar_btn, TEXT},
        {"button text", t->btn_ink, t->btn, TEXT},
        {"disabled button text", t->off_ink, t->off, TEXT},
        {"ok text on the page", t->ok, t->bg, TEXT},
        {"ok text on an alternate row", t->ok, t->row_alt, TEXT},
        {"ok text on a bottom bar", t->ok, t->panel, TEXT},
        {"warning text on the page", t->warn, t->bg, TEXT},
        {"warning text on an alternate row", t->warn, t->row_alt, TEXT},
        {"warning text on a bottom bar", t->warn, t->panel, TEXT},
        {"error text on the page", t->bad, t->bg, TEXT},
        {"error text on an alternate row", t->bad, t->row_alt, TEXT},
        {"error text on a bottom bar", t->bad, t->panel, TEXT},
        {"error banner text", t->bad, t->banner_bad, TEXT},
        {"info banner text", t->dim, t->banner_info, TEXT},
        {"big action text", t->bar_ink, t->go, TEXT},
        {"big stop action text", t->bar_ink, t->stop, TEXT},
        {"text field text", t->ink, t->field, TEXT},
        {"list hint text", t->ink, t->hint, TEXT},
        {"group header text", t->ink, t->group, TEXT},
        {"group header secondary text", t->dim, t->group, TEXT},
        {"GNSS pill: no fix", t->bar_ink, t->grade[SV_GRADE_NONE], TEXT},
        {"GNSS pill: GPS", t->bar_ink, t->grade[SV_GRADE_GPS], TEXT},
        {"GNSS pill: DGPS", t->bar_ink, t->grade[SV_GRADE_DGPS], TEXT},
        {"GNSS pill: RTK float", t->bar_ink, t->grade[SV_GRADE_RTK_FLOAT], TEXT},
        {"GNSS pill: RTK fixed", t->bar_ink, t->grade[SV_GRADE_RTK_FIXED], TEXT},
        {"GNSS pill: no receiver", t->bar_ink, t->no_receiver, TEXT},
        {"map text", t->ink, t->map_bg, TEXT},
        {"button edge on the page", t->btn_edge, t->bg, CONTROL},
        {"button edge on a bottom bar", t->btn_edge, t->panel, CONTROL},
        {"text field edge", t->field_edge, t->bg, CONTROL},
        {"big action on the page", t->go, t->bg, CONTROL},
        {"map: draft", t->draft, t->map_bg, CONTROL},
        {"map: points", t->point, t->map_bg, CONTROL},
        {"map: walked track", t->track, t->map_bg, CONTROL},
        {"map: position", t->pos, t->map_bg, CONTROL},
        {"map: disputed line", t->dispute, t->map_bg, CONTROL},
        {"map: settled line", t->settled, t->map_bg, CONTROL},
    };
    size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = all[i];
    return n;
}
