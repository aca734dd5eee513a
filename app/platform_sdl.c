/*
 * platform_sdl.c - the app's only contact with SDL2, SDL2_ttf, SDL2_image and fontconfig
 * (see platform.h). It draws what an app_ui says and turns SDL's events into app_ptr events;
 * it holds no application state and makes no decisions.
 *
 * Text: one TTF font, opened from the file and face index fontconfig gives for "Noto Sans CJK
 * SC" (WenQuanYi Micro Hei as fallback) and set to each pixel size as it is needed (a CJK face
 * holds several hundred kB: one per size cost 15 MB with the sizes a 224-DPI screen uses);
 * rendered strings are cached as textures, least recently used dropped past TEXT_CACHE
 * entries, so a size is set only when a string is rendered anew.
 */
#include "platform.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <fontconfig/fontconfig.h>
#include <jpeglib.h>
#include <png.h>

#include "i18n.h"

#define TEXT_CACHE 512

typedef struct tex_entry {
    uint64_t key;
    char *text;
    int px;
    app_color color;
    SDL_Texture *t;
    int w, h;
    uint64_t used;
} tex_entry;

struct plat {
    SDL_Window *win;
    SDL_Renderer *r;
    Uint32 wake_type;
    char font_file[1024];
    int font_index;
    int fc_init;
    TTF_Font *font; /* at font_px */
    int font_px;
    tex_entry cache[TEXT_CACHE];
    uint64_t frame;
    SDL_FPoint *hl; /* hairline points kept for drawing, reused between frames */
    size_t caphl;
    struct layer {         /* an APP_OP_LAYER kept as a texture (docs/imagery.md) */
        void *key;         /* NULL: none */
        uint64_t gen;      /* its generation */
        SDL_Texture *t[2]; /* the layer and the one a pan scrolls it into */
        int tw, th;        /* their size (the layer uses the top left w x h) */
        int cur, w, h;
        int gx, gy;    /* the texture's top left in the generation's window px */
        uint64_t *ids; /* the images drawn into it */
        size_t nids, capids;
    } layer;
    SDL_Rect clip; /* an APP_OP_CLIP's rectangle (clip_on): every other clip lies inside it */
    int clip_on;
    int text_on; /* SDL text input runs */
    int audit;   /* count strings drawn with code points the font lacks */
    long audit_drawn, audit_bad;
    char audit_first[1024];
};

/* ---- fonts ------------------------------------------------------------------------------ */

static int find_font(plat *p, char *err, size_t errlen)
{
    static const char *const families[] = {"Noto Sans CJK SC", "WenQuanYi Micro Hei"};
    if (!FcInit()) {
        snprintf(err, errlen, "fontconfig cannot be initialised");
        return -1;
    }
    p->fc_init = 1;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        FcPattern *pat = FcNameParse((const FcChar8 *)families[i]);
        FcPatternAddString(pat, FC_LANG, (const FcChar8 *)"zh-cn");
        FcConfigSubstitute(NULL, pat, FcMatchPattern);
        FcDefaultSubstitute(pat);
        FcResult res;
        FcPattern *m = FcFontMatch(NULL, pat, &res);
        FcChar8 *fam = NULL, *file = NULL;
        int idx = 0, ok = 0;
        if (m && FcPatternGetString(m, FC_FAMILY, 0, &fam) == FcResultMatch &&
            FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch) {
            /* fontconfig always answers with something: only the family asked for will do */
            for (int k = 0; !ok && FcPatternGetString(m, FC_FAMILY, k, &fam) == FcResultMatch; k++)
                ok = strcasecmp((const char *)fam, families[i]) == 0;
            FcPatternGetInteger(m, FC_INDEX, 0, &idx);
            if (ok) {
                snprintf(p->font_file, sizeof p->font_file, "%s", (const char *)file);
                p->font_index = idx;
            }
        }
        if (m)
            FcPatternDestroy(m);
        FcPatternDestroy(pat);
        if (ok)
            return 0;
    }
    snprintf(err, errlen,
             "no Chinese font found through fontconfig (Noto Sans CJK SC or WenQuanYi Micro Hei): "
             "install fonts-noto-cjk or fonts-wqy-microhei");
    return -1;
}

static TTF_Font *font(plat *p, int px)
{
    if (px < 1)
        return NULL;
    if (!p->font) {
        if (!(p->font = TTF_OpenFontIndex(p->font_file, px, p->font_index)))
            return NULL;
        p->font_px = px;
    }
    if (p->font_px != px) {
        if (TTF_SetFontSize(p->font, px) != 0) {
            p->font_px = 0; /* its size is unknown now: set it again next time */
            return NULL;
        }
        p->font_px = px;
    }
    return p->font;
}

/* ---- window ----------------------------------------------------------------------------- */

#ifndef QUEJIE_BUILD_ICON
#define QUEJIE_BUILD_ICON ""
#endif
#ifndef QUEJIE_INSTALL_ICON
#define QUEJIE_INSTALL_ICON "/usr/share/icons/hicolor/128x128/apps/quejie.png"
#endif

/* The window's icon (assets/icons/quejie.png, PNG through SDL2_image): installed, else the
 * source tree's. Without one the window simply has none. */
static void set_icon(SDL_Window *w)
{
    const char *paths[] = {getenv("QUEJIE_ICON"), QUEJIE_INSTALL_ICON, QUEJIE_BUILD_ICON};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        if (!paths[i] || !paths[i][0])
            continue;
        SDL_Surface *icon = IMG_Load(paths[i]);
        if (icon) {
            SDL_SetWindowIcon(w, icon);
            SDL_FreeSurface(icon);
            return;
        }
    }
}

/* 1 when r is an OpenGL renderer that runs on the CPU (llvmpipe, softpipe, swrast) and the
 * environment did not ask for a driver. */
static int gl_in_software(SDL_Renderer *r)
{
    SDL_RendererInfo info;
    if (getenv("SDL_RENDER_DRIVER") || SDL_GetRendererInfo(r, &info) != 0 ||
        strncmp(info.name, "opengl", 6) != 0)
        return 0;
    typedef const unsigned char *(*get_string_fn)(unsigned int);
    get_string_fn get = (get_string_fn)SDL_GL_GetProcAddress("glGetString");
    const char *name = get ? (const char *)get(0x1F01 /* GL_RENDERER */) : NULL;
    return name && (strstr(name, "llvmpipe") || strstr(name, "softpipe") ||
                    strstr(name, "swrast") || strstr(name, "Software Rasterizer"));
}

int plat_open(const char *title, int w, int h, plat **out, char *err, size_t errlen)
{
    *out = NULL;
    plat *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* finger events stay finger events; the mouse stays the mouse */
    SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
    SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0");
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    /* Lines through the renderer's own line call (the software renderer's SDL_DrawLines):
     * SDL's default (2.0.20 on) rasterises each segment into points itself and queues them, which
     * costs more than all the rest of a map frame for a 100,000-vertex walk (bench_app_frame at
     * 1920x1200: p50 14 -> 6 ms without imagery, 26 -> 15 ms with it). The environment's
     * SDL_RENDER_LINE_METHOD still wins. */
    SDL_SetHint(SDL_HINT_RENDER_LINE_METHOD, "2");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        snprintf(err, errlen, "no display: %s", SDL_GetError());
        free(p);
        return -1;
    }
    /* The software renderer draws into the window's surface. On X11, SDL would show that
     * surface by uploading it as an OpenGL texture each frame; without a GPU that is Mesa's
     * software GL, which costs more than all the drawing (1920x1200: about 14 ms a frame,
     * against under 1 ms for X11's shared-memory image). Only the window surface is affected:
     * a GPU renderer does not use it. SDL_FRAMEBUFFER_ACCELERATION in the environment wins. */
    if (strcmp(SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "", "x11") == 0)
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    IMG_Init(IMG_INIT_PNG | IMG_INIT_JPG); /* before any worker decodes (plat_decode_image) */
    if (TTF_Init() != 0 || find_font(p, err, errlen) != 0) {
        if (!err[0])
            snprintf(err, errlen, "SDL_ttf: %s", TTF_GetError());
        plat_close(p);
        return -1;
    }
    Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
    if (w <= 0 || h <= 0) {
        SDL_DisplayMode dm;
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
        w = SDL_GetDesktopDisplayMode(0, &dm) == 0 ? dm.w : 1280;
        h = SDL_GetDesktopDisplayMode(0, &dm) == 0 ? dm.h : 800;
    }
    p->win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, flags);
    if (p->win)
        p->r = SDL_CreateRenderer(p->win, -1, 0);
    if (p->r && gl_in_software(p->r)) {
        /* No GPU: SDL picked OpenGL on Mesa's software rasteriser, which draws the map at
         * about a third of the speed of SDL's own software renderer (docs/app.md). */
        SDL_DestroyRenderer(p->r);
        p->r = SDL_CreateRenderer(p->win, -1, SDL_RENDERER_SOFTWARE);
        if (!p->r) /* slower, but it draws */
            p->r = SDL_CreateRenderer(p->win, -1, 0);
    }
    if (!p->r) {
        snprintf(err, errlen, "cannot open a window: %s", SDL_GetError());
        plat_close(p);
        return -1;
    }
    set_icon(p->win);
    SDL_SetRenderDrawBlendMode(p->r, SDL_BLENDMODE_BLEND);
    SDL_StopTextInput(); /* only while a text field is open (plat_text_input) */
    p->wake_type = SDL_RegisterEvents(1);
    *out = p;
    return 0;
}

void plat_close(plat *p)
{
    if (!p)
        return;
    for (int i = 0; i < TEXT_CACHE; i++) {
        if (p->cache[i].t)
            SDL_DestroyTexture(p->cache[i].t);
        free(p->cache[i].text);
    }
    if (p->font)
        TTF_CloseFont(p->font);
    free(p->hl);
    for (int i = 0; i < 2; i++)
        if (p->layer.t[i])
            SDL_DestroyTexture(p->layer.t[i]);
    free(p->layer.ids);
    if (p->r)
        SDL_DestroyRenderer(p->r);
    if (p->win)
        SDL_DestroyWindow(p->win);
    if (TTF_WasInit())
        TTF_Quit();
    SDL_Quit();
    if (p->fc_init)
        FcFini(); /* fontconfig's caches: nothing should outlive the window */
    free(p);
}

const char *plat_font(const plat *p)
{
    return p->font_file;
}

const char *plat_renderer(const plat *p)
{
    SDL_RendererInfo info;
    return SDL_GetRendererInfo(p->r, &info) == 0 && info.name ? info.name : "?";
}

float plat_assumed_px_per_mm(int w, int h)
{
    double diag = sqrt((double)w * w + (double)h * h);
    return diag > 0 ? (float)(diag / (PLAT_ASSUMED_DIAGONAL_IN * 25.4)) : 96 / 25.4f;
}

int plat_text_size(plat *p, const char *utf8, int px, int *w, int *h)
{
    TTF_Font *f = font(p, px);
    return f && TTF_SizeUTF8(f, utf8, w, h) == 0 ? 0 : -1;
}

int plat_ascii_advance(plat *p, int px, int c)
{
    TTF_Font *f = font(p, px);
    int adv;
    if (!f || c < 0x20 || c >= 0x7f ||
        TTF_GlyphMetrics32(f, (Uint32)c, NULL, NULL, NULL, NULL, &adv) != 0)
        return -1;
    return adv;
}

void plat_size(plat *p, int *w, int *h, float *px_per_mm)
{
    SDL_GetRendererOutputSize(p->r, w, h);
    float ddpi = 0;
    int disp = SDL_GetWindowDisplayIndex(p->win);
    int ww, wh;
    SDL_GetWindowSize(p->win, &ww, &wh);
    if (SDL_GetDisplayDPI(disp < 0 ? 0 : disp, &ddpi, NULL, NULL) != 0 || !(ddpi > 20)) {
        /* unknown: the target tablet, a 10.1-inch panel at the window's pixel size */
        *px_per_mm = plat_assumed_px_per_mm(*w, *h);
        return;
    }
    /* DPI is per window point; the renderer may have more pixels (high-DPI) */
    float scale = ww > 0 ? (float)*w / (float)ww : 1;
    *px_per_mm = ddpi * scale / 25.4f;
}

/* ---- events ----------------------------------------------------------------------------- */

static int translate(plat *p, const SDL_Event *e, plat_ev *ev)
{
    int w, h;
    SDL_GetRendererOutputSize(p->r, &w, &h);
    int ww, wh;
    SDL_GetWindowSize(p->win, &ww, &wh);
    float sx = ww > 0 ? (float)w / (float)ww : 1, sy = wh > 0 ? (float)h / (float)wh : 1;
    memset(ev, 0, sizeof *ev);
    ev->type = PLAT_EV_OTHER;
    ev->ptr.t_ms = (int64_t)SDL_GetTicks64();
    switch (e->type) {
    case SDL_QUIT:
        ev->type = PLAT_EV_QUIT;
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_EXPOSED ||
            e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
            e->window.event == SDL_WINDOWEVENT_SHOWN)
            ev->type = PLAT_EV_REDRAW;
        break;
    case SDL_KEYDOWN:
        if (e->key.keysym.sym == SDLK_ESCAPE || e->key.keysym.sym == SDLK_AC_BACK)
            ev->type = PLAT_EV_BACK;
        else if (e->key.keysym.sym == SDLK_BACKSPACE)
            ev->type = PLAT_EV_KEY, ev->key = APP_KEY_BACKSPACE;
        else if (e->key.keysym.sym == SDLK_RETURN || e->key.keysym.sym == SDLK_KP_ENTER)
            ev->type = PLAT_EV_KEY, ev->key = APP_KEY_ENTER;
        break;
    case SDL_TEXTINPUT:
        ev->type = PLAT_EV_TEXT;
        snprintf(ev->text, sizeof ev->text, "%s", e->text.text);
        break;
    case SDL_FINGERDOWN:
    case SDL_FINGERMOTION:
    case SDL_FINGERUP:
        ev->type = PLAT_EV_PTR;
        ev->ptr.type = e->type == SDL_FINGERDOWN ? APP_PTR_DOWN
                       : e->type == SDL_FINGERUP ? APP_PTR_UP
                                                 : APP_PTR_MOVE;
        ev->ptr.finger = (int64_t)(e->tfinger.fingerId & INT64_MAX);
        ev->ptr.x = e->tfinger.x * (float)w;
        ev->ptr.y = e->tfinger.y * (float)h;
        break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        if (e->button.which == SDL_TOUCH_MOUSEID || e->button.button != SDL_BUTTON_LEFT)
            break;
        ev->type = PLAT_EV_PTR;
        ev->ptr.type = e->type == SDL_MOUSEBUTTONDOWN ? APP_PTR_DOWN : APP_PTR_UP;
        ev->ptr.finger = -1;
        ev->ptr.x = (float)e->button.x * sx;
        ev->ptr.y = (float)e->button.y * sy;
        break;
    case SDL_MOUSEMOTION:
        if (e->motion.which == SDL_TOUCH_MOUSEID || !(e->motion.state & SDL_BUTTON_LMASK))
            break;
        ev->type = PLAT_EV_PTR;
        ev->ptr.type = APP_PTR_MOVE;
        ev->ptr.finger = -1;
        ev->ptr.x = (float)e->motion.x * sx;
        ev->ptr.y = (float)e->motion.y * sy;
        break;
    case SDL_MOUSEWHEEL:
        break;
    default:
        if (e->type == p->wake_type)
            ev->type = PLAT_EV_WAKE;
        break;
    }
    return 1;
}

int plat_wait(plat *p, int timeout_ms, plat_ev *ev)
{
    SDL_Event e;
    int got = timeout_ms < 0 ? SDL_WaitEvent(&e) : SDL_WaitEventTimeout(&e, timeout_ms);
    if (!got)
        return 0;
    return translate(p, &e, ev);
}

void plat_wake(void *ctx)
{
    plat *p = ctx;
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = p->wake_type;
    SDL_PushEvent(&e);
}

int plat_inject_touch(plat *p, int type, int64_t finger, float x, float y)
{
    int w, h;
    SDL_GetRendererOutputSize(p->r, &w, &h);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = type == APP_PTR_DOWN ? SDL_FINGERDOWN
             : type == APP_PTR_UP ? SDL_FINGERUP
                                  : SDL_FINGERMOTION;
    e.tfinger.timestamp = SDL_GetTicks();
    e.tfinger.touchId = 1;
    e.tfinger.fingerId = finger;
    e.tfinger.x = w > 0 ? x / (float)w : 0;
    e.tfinger.y = h > 0 ? y / (float)h : 0;
    e.tfinger.pressure = type == APP_PTR_UP ? 0 : 1;
    e.tfinger.windowID = SDL_GetWindowID(p->win);
    return SDL_PushEvent(&e) == 1 ? 0 : -1;
}

int plat_input_pending(plat *p)
{
    (void)p;
    SDL_PumpEvents();
    return SDL_HasEvents(SDL_FINGERDOWN, SDL_FINGERMOTION) == SDL_TRUE ||
           SDL_HasEvent(SDL_TEXTINPUT) == SDL_TRUE;
}

void plat_text_input(plat *p, int on, app_rect r)
{
    if (on) {
        /* r is in renderer pixels; the input method wants window coordinates */
        int w, h, ww, wh;
        SDL_GetRendererOutputSize(p->r, &w, &h);
        SDL_GetWindowSize(p->win, &ww, &wh);
        float sx = w > 0 ? (float)ww / (float)w : 1, sy = h > 0 ? (float)wh / (float)h : 1;
        SDL_Rect sr = {(int)(r.x * sx), (int)(r.y * sy), (int)(r.w * sx), (int)(r.h * sy)};
        SDL_SetTextInputRect(&sr);
    }
    if (on == p->text_on)
        return;
    p->text_on = on;
    if (on)
        SDL_StartTextInput();
    else
        SDL_StopTextInput();
}

int plat_inject_text(plat *p, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        /* at most 31 bytes a piece, cut between code points */
        size_t k = n < 31 ? n : 31;
        while (k < n && k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
            k--;
        if (k == 0)
            return -1;
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_TEXTINPUT;
        e.text.timestamp = SDL_GetTicks();
        e.text.windowID = SDL_GetWindowID(p->win);
        memcpy(e.text.text, s, k);
        if (SDL_PushEvent(&e) != 1)
            return -1;
        s += k;
        n -= k;
    }
    return 0;
}

/* ---- drawing ---------------------------------------------------------------------------- */

static SDL_Color sdl_color(app_color c)
{
    return (SDL_Color){(Uint8)(c >> 24), (Uint8)(c >> 16), (Uint8)(c >> 8), (Uint8)c};
}

/* Opaque colours are drawn without blending (the same pixels): the software renderer blends
 * pixel by pixel, and full-window fills are most of a frame. */
static void set_blend(plat *p, app_color c)
{
    SDL_SetRenderDrawBlendMode(p->r, (c & 0xff) == 0xff ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
}

static void set_color(plat *p, app_color c)
{
    set_blend(p, c);
    SDL_SetRenderDrawColor(p->r, (Uint8)(c >> 24), (Uint8)(c >> 16), (Uint8)(c >> 8), (Uint8)c);
}

static uint64_t fnv(const char *s, int px, app_color c)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)px ^ ((uint64_t)c << 20);
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static tex_entry *text_texture(plat *p, const char *s, int px, app_color c)
{
    uint64_t key = fnv(s, px, c);
    tex_entry *slot = &p->cache[key % TEXT_CACHE], *e = slot;
    /* two-way: the home slot or its neighbour; the older of the two is replaced */
    tex_entry *alt = &p->cache[(key + 1) % TEXT_CACHE];
    for (int k = 0; k < 2; k++) {
        tex_entry *t = k ? alt : slot;
        if (t->t && t->key == key && t->px == px && t->color == c && strcmp(t->text, s) == 0) {
            t->used = p->frame;
            return t;
        }
    }
    e = !slot->t ? slot : !alt->t ? alt : slot->used <= alt->used ? slot : alt;
    if (p->audit) {
        /* every string the first time it is drawn (a cache miss) */
        p->audit_drawn++;
        if (plat_missing_glyphs(p, s) != 0) {
            p->audit_bad++;
            size_t l = strlen(p->audit_first);
            if (l + strlen(s) + 4 < sizeof p->audit_first)
                snprintf(p->audit_first + l, sizeof p->audit_first - l, "%s\"%s\"", l ? ", " : "",
                         s);
        }
    }
    TTF_Font *f = font(p, px);
    if (!f)
        return NULL;
    SDL_Surface *surf = TTF_RenderUTF8_Blended(f, s, sdl_color(c));
    if (!surf)
        return NULL;
    SDL_Texture *t = SDL_CreateTextureFromSurface(p->r, surf);
    int w = surf->w, h = surf->h;
    SDL_FreeSurface(surf);
    char *copy = strdup(s);
    if (!t || !copy) {
        if (t)
            SDL_DestroyTexture(t);
        free(copy);
        return NULL;
    }
    if (e->t)
        SDL_DestroyTexture(e->t);
    free(e->text);
    *e = (tex_entry){key, copy, px, c, t, w, h, p->frame};
    return e;
}

/* Clip to r inside the APP_OP_CLIP in force (r NULL: back to that one, or none). Returns 0
 * when nothing of r can show. */
static int set_clip(plat *p, const SDL_Rect *r)
{
    if (!p->clip_on) {
        SDL_RenderSetClipRect(p->r, r);
        return 1;
    }
    SDL_Rect in;
    if (!r) {
        SDL_RenderSetClipRect(p->r, &p->clip);
        return 1;
    }
    if (!SDL_IntersectRect(r, &p->clip, &in))
        return 0;
    SDL_RenderSetClipRect(p->r, &in);
    return 1;
}

static void draw_text(plat *p, const app_cmd *k, const char *s)
{
    tex_entry *e = text_texture(p, s, (int)k->n, k->color);
    if (!e)
        return;
    int align = (int)k->w;
    float x = align == APP_ALIGN_CENTER  ? k->r.x + (k->r.w - (float)e->w) / 2
              : align == APP_ALIGN_RIGHT ? k->r.x + k->r.w - (float)e->w
                                         : k->r.x;
    float y = k->r.y + (k->r.h - (float)e->h) / 2;
    SDL_Rect clip = {(int)k->r.x, (int)k->r.y, (int)ceilf(k->r.w), (int)ceilf(k->r.h)};
    if (set_clip(p, &clip)) {
        SDL_FRect dst = {floorf(x), floorf(y), (float)e->w, (float)e->h};
        SDL_RenderCopyF(p->r, e->t, NULL, &dst);
    }
    set_clip(p, NULL);
}

/* Thick segments as quads through SDL_RenderGeometry (batched). */
static void thick(plat *p, const float *pts, size_t n, int strip, float w, app_color c)
{
    SDL_Color col = sdl_color(c);
    size_t nseg = strip ? (n ? n - 1 : 0) : n / 2;
    SDL_Vertex *v = malloc(nseg * 4 * sizeof *v);
    int *idx = malloc(nseg * 6 * sizeof *idx);
    if (!v || !idx) {
        free(v);
        free(idx);
        return;
    }
    size_t nv = 0, ni = 0;
    for (size_t s = 0; s < nseg; s++) {
        const float *a = strip ? &pts[2 * s] : &pts[4 * s], *b = a + 2;
        float dx = b[0] - a[0], dy = b[1] - a[1], len = hypotf(dx, dy);
        if (!(len > 0))
            continue;
        /* half-width normal, extended along the segment so strips join without gaps */
        float ex = dx / len * w / 2, ey = dy / len * w / 2; /* along the segment */
        float nx = -ey, ny = ex;                            /* across it */
        SDL_FPoint q[4] = {{a[0] + nx - ex, a[1] + ny - ey},
                           {b[0] + nx + ex, b[1] + ny + ey},
                           {b[0] - nx + ex, b[1] - ny + ey},
                           {a[0] - nx - ex, a[1] - ny - ey}};
        for (int i = 0; i < 4; i++)
            v[nv + i] = (SDL_Vertex){q[i], col, {0, 0}};
        int base = (int)nv;
        int tri[6] = {base, base + 1, base + 2, base, base + 2, base + 3};
        memcpy(idx + ni, tri, sizeof tri);
        nv += 4;
        ni += 6;
    }
    set_blend(p, c);
    if (ni)
        SDL_RenderGeometry(p->r, NULL, v, (int)nv, idx, (int)ni);
    free(v);
    free(idx);
}

/* A thin polyline: a hairline, or (wide > 1) two pixels wide as the hairline drawn again one
 * pixel right and one pixel down, a 2 px brush. A point in the same pixel as the last point
 * kept is dropped (a walk with a vertex every 2 m, seen at 6 m a pixel, has three a pixel):
 * the software renderer's cost is per segment, and what is drawn stays within a pixel of the
 * full line. Quads through SDL_RenderGeometry cost about 50 ms for a 100,000-point walk on
 * the software renderer; this a few ms. */
static void thin(plat *p, const float *pts, size_t n, int wide, app_color c)
{
    set_color(p, c);
    if (n > p->caphl) {
        SDL_FPoint *g = realloc(p->hl, n * sizeof *g);
        if (!g) {
            thick(p, pts, n, 1, wide ? 2 : 1, c);
            return;
        }
        p->hl = g;
        p->caphl = n;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        float x = pts[2 * i], y = pts[2 * i + 1];
        if (m && i + 1 < n && floorf(x) == floorf(p->hl[m - 1].x) &&
            floorf(y) == floorf(p->hl[m - 1].y))
            continue;
        p->hl[m++] = (SDL_FPoint){x, y};
    }
    SDL_RenderDrawLinesF(p->r, p->hl, (int)m);
    for (int pass = 0; wide && pass < 2; pass++) {
        for (size_t i = 0; i < m; i++) {
            if (pass == 0)
                p->hl[i].x += 1;
            else
                p->hl[i].x -= 1, p->hl[i].y += 1;
        }
        SDL_RenderDrawLinesF(p->r, p->hl, (int)m);
    }
}

static void disc(plat *p, float cx, float cy, float r, app_color c)
{
    enum { N = 48 };
    SDL_Vertex v[N + 1];
    int idx[3 * N];
    SDL_Color col = sdl_color(c);
    v[0] = (SDL_Vertex){{cx, cy}, col, {0, 0}};
    for (int i = 0; i < N; i++) {
        double t = 2 * M_PI * i / N;
        v[i + 1] = (SDL_Vertex){{cx + r * (float)cos(t), cy + r * (float)sin(t)}, col, {0, 0}};
        idx[3 * i] = 0;
        idx[3 * i + 1] = i + 1;
        idx[3 * i + 2] = i + 1 == N ? 1 : i + 2;
    }
    set_blend(p, c);
    SDL_RenderGeometry(p->r, NULL, v, N + 1, idx, 3 * N);
}

static void ring(plat *p, float cx, float cy, float r, float w, app_color c)
{
    enum { N = 64 };
    float pts[2 * (N + 1)];
    for (int i = 0; i <= N; i++) {
        double t = 2 * M_PI * i / N;
        pts[2 * i] = cx + r * (float)cos(t);
        pts[2 * i + 1] = cy + r * (float)sin(t);
    }
    thick(p, pts, N + 1, 1, w, c);
}

/* ---- images (imagery tiles) --------------------------------------------------------------- */

/* The pixels of surface c (ARGB8888) copied out, *alpha set when one is not opaque. */
static unsigned char *argb_out(SDL_Surface *c, int *w, int *h, int *alpha, char *err, size_t errlen)
{
    unsigned char *out = NULL;
    if (c && c->w > 0 && c->h > 0 && c->w <= 4096 && c->h <= 4096 &&
        (out = malloc((size_t)c->w * (size_t)c->h * 4))) {
        for (int y = 0; y < c->h; y++)
            memcpy(out + (size_t)y * (size_t)c->w * 4, (const Uint8 *)c->pixels + y * c->pitch,
                   (size_t)c->w * 4);
        *w = c->w;
        *h = c->h;
        const Uint32 *px = (const Uint32 *)(void *)out;
        for (size_t i = 0, np = (size_t)c->w * (size_t)c->h; i < np && !*alpha; i++)
            *alpha = (px[i] >> 24) != 0xff;
    } else {
        snprintf(err, errlen, c ? "image too large or out of memory" : "cannot convert: %s",
                 SDL_GetError());
    }
    return out;
}

/* The most pixels an image is decoded at in full (SDL_image holds it as RGB and then ARGB: 7
 * bytes a pixel, 170 MB here): a larger one, or a few hundred bytes claiming 65535 x 65535, is
 * refused from its header before any pixel is decoded. A JPEG preview is read scaled (below)
 * and may come from a far larger photograph. */
#define PLAT_MAX_PIXELS (24L * 1000 * 1000)
/* A scaled JPEG's most pixels as decoded (1/8 of a 200-megapixel camera's is 3.1 million), the
 * most its source may have, and the memory libjpeg may take for it (a progressive JPEG keeps
 * its coefficients at full size: beyond this it is refused, not swapped to death). */
#define PLAT_MAX_SCALED_PIXELS (16L * 1000 * 1000)
#define PLAT_MAX_JPEG_PIXELS (250L * 1000 * 1000)
#define PLAT_MAX_JPEG_MEMORY (384L * 1024 * 1024)

/* libjpeg's errors back to the caller (its default handler exits the process). */
typedef struct jpeg_trap {
    struct jpeg_error_mgr mgr;
    jmp_buf back;
    char msg[JMSG_LENGTH_MAX];
} jpeg_trap;

static void jpeg_trap_exit(j_common_ptr c)
{
    jpeg_trap *t = (jpeg_trap *)(void *)c->err;
    (*c->err->format_message)(c, t->msg);
    longjmp(t->back, 1);
}

static void jpeg_trap_quiet(j_common_ptr c, int level)
{
    (void)c;
    (void)level; /* warnings (a truncated file's "premature end") are not printed */
}

/* A JPEG read by libjpeg scaled by its DCT (1/8, 1/4, 1/2 or 1: the smallest that still
 * covers max_side), into an RGB24 surface: a 50-megapixel photograph for a 1024-pixel preview
 * is decoded at 1/4, in 1/16 of the memory and time. NULL with err; NULL with *cmyk set for a
 * CMYK or YCCK one (a print shop's scan), which libjpeg does not turn into RGB: the caller
 * reads it whole through SDL_image, within PLAT_MAX_PIXELS. */
static SDL_Surface *jpeg_scaled(const void *data, size_t n, int max_side, int *cmyk, char *err,
                                size_t errlen)
{
    *cmyk = 0;
    struct jpeg_decompress_struct d;
    jpeg_trap t;
    SDL_Surface *volatile s = NULL;
    memset(&d, 0, sizeof d);
    d.err = jpeg_std_error(&t.mgr);
    t.mgr.error_exit = jpeg_trap_exit;
    t.mgr.emit_message = jpeg_trap_quiet;
    if (setjmp(t.back)) {
        snprintf(err, errlen, _("not a JPEG image it can read (%s)"), t.msg);
        SDL_FreeSurface(s);
        jpeg_destroy_decompress(&d);
        return NULL;
    }
    jpeg_create_decompress(&d);
    d.mem->max_memory_to_use = PLAT_MAX_JPEG_MEMORY;
    jpeg_mem_src(&d, (const unsigned char *)data, (unsigned long)n);
    jpeg_read_header(&d, TRUE);
    if (d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK) {
        *cmyk = 1;
        jpeg_destroy_decompress(&d);
        return NULL;
    }
    if ((double)d.image_width * (double)d.image_height > (double)PLAT_MAX_JPEG_PIXELS) {
        snprintf(err, errlen, _("%u x %u pixels: too large to show"), d.image_width,
                 d.image_height);
        jpeg_destroy_decompress(&d);
        return NULL;
    }
    d.out_color_space = JCS_RGB;
    d.scale_num = 1;
    d.scale_denom = 1;
    unsigned side = d.image_width > d.image_height ? d.image_width : d.image_height;
    while (d.scale_denom < 8 && max_side > 0 && side / (d.scale_denom * 2) >= (unsigned)max_side)
        d.scale_denom *= 2;
    jpeg_calc_output_dimensions(&d);
    if ((long)d.output_width * (long)d.output_height > PLAT_MAX_SCALED_PIXELS) {
        snprintf(err, errlen, _("%u x %u pixels: too large to show"), d.image_width,
                 d.image_height);
        jpeg_destroy_decompress(&d);
        return NULL;
    }
    jpeg_start_decompress(&d);
    s = SDL_CreateRGBSurfaceWithFormat(0, (int)d.output_width, (int)d.output_height, 24,
                                       SDL_PIXELFORMAT_RGB24);
    if (!s) {
        snprintf(err, errlen, "out of memory for %u x %u pixels", d.output_width, d.output_height);
        jpeg_destroy_decompress(&d);
        return NULL;
    }
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = (Uint8 *)s->pixels + (size_t)d.output_scanline * (size_t)s->pitch;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    return s;
}

/* A PNG's size from its header, by libpng (nothing decoded). 0 when the bytes are no PNG it
 * can read. */
typedef struct png_mem {
    const unsigned char *p;
    size_t n, at;
} png_mem;

static void png_mem_read(png_structp png, png_bytep out, size_t len)
{
    png_mem *m = png_get_io_ptr(png);
    if (len > m->n - m->at)
        png_error(png, "truncated");
    memcpy(out, m->p + m->at, len);
    m->at += len;
}

static void png_quiet(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static int png_size(const void *data, size_t n, unsigned long *w, unsigned long *h)
{
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, png_quiet);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return 0;
    }
    png_mem m = {data, n, 0};
    volatile int ok = 0;
    if (!setjmp(png_jmpbuf(png))) {
        png_set_user_limits(png, 0x7fffffff, 0x7fffffff); /* the size is judged here */
        png_set_read_fn(png, &m, png_mem_read);
        png_read_info(png, info);
        *w = png_get_image_width(png, info);
        *h = png_get_image_height(png, info);
        ok = 1;
    }
    png_destroy_read_struct(&png, &info, NULL);
    return ok;
}

/* The image in data[0..n) as an ARGB8888 surface (NULL with err); a JPEG scaled for max_side
 * when max_side > 0. A JPEG or PNG larger than PLAT_MAX_PIXELS decoded whole is refused from
 * its header. */
static SDL_Surface *load_argb(const void *data, size_t n, int max_side, char *err, size_t errlen)
{
    if (!data || n == 0 || n > INT32_MAX) {
        snprintf(err, errlen, "empty image");
        return NULL;
    }
    const unsigned char *b = data;
    int jpeg = n > 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff;
    int png = n > 8 && png_sig_cmp(b, 0, 8) == 0;
    /* a preview is of a file the journal keeps: JPEG or PNG only (SDL_image would read a BMP
     * or TGA header claiming any size) */
    if (max_side > 0 && !jpeg && !png) {
        snprintf(err, errlen, "%s", _("not a PNG or JPEG image"));
        return NULL;
    }
    int cmyk = 0;
    if (jpeg && max_side > 0) {
        SDL_Surface *s = jpeg_scaled(data, n, max_side, &cmyk, err, errlen);
        SDL_Surface *c = s ? SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0) : NULL;
        if (s && !c)
            snprintf(err, errlen, "cannot convert: %s", SDL_GetError());
        SDL_FreeSurface(s);
        if (!cmyk)
            return c;
    }
    unsigned long w = 0, h = 0;
    if (jpeg) {
        struct jpeg_decompress_struct d;
        jpeg_trap t;
        memset(&d, 0, sizeof d);
        d.err = jpeg_std_error(&t.mgr);
        t.mgr.error_exit = jpeg_trap_exit;
        t.mgr.emit_message = jpeg_trap_quiet;
        if (!setjmp(t.back)) {
            jpeg_create_decompress(&d);
            jpeg_mem_src(&d, (const unsigned char *)data, (unsigned long)n);
            jpeg_read_header(&d, TRUE);
            w = d.image_width;
            h = d.image_height;
        }
        jpeg_destroy_decompress(&d);
    } else if (png) {
        png_size(data, n, &w, &h);
    }
    if (h && w > (unsigned long)PLAT_MAX_PIXELS / h) {
        snprintf(err, errlen, _("%lu x %lu pixels: too large to show"), w, h);
        return NULL;
    }
    SDL_RWops *rw = SDL_RWFromConstMem(data, (int)n);
    SDL_Surface *s = rw ? IMG_Load_RW(rw, 1) : NULL;
    if (!s) {
        snprintf(err, errlen, _("not a PNG or JPEG image (%s)"), IMG_GetError());
        return NULL;
    }
    SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(s);
    if (!c)
        snprintf(err, errlen, "cannot convert: %s", SDL_GetError());
    return c;
}

unsigned char *plat_decode_image(const void *data, size_t n, int *w, int *h, int *alpha, char *err,
                                 size_t errlen)
{
    *w = *h = *alpha = 0;
    SDL_Surface *c = load_argb(data, n, 0, err, errlen);
    unsigned char *out = c ? argb_out(c, w, h, alpha, err, errlen) : NULL;
    SDL_FreeSurface(c);
    return out;
}

unsigned char *plat_decode_image_fit(const void *data, size_t n, int max_side, int *w, int *h,
                                     int *alpha, char *err, size_t errlen)
{
    *w = *h = *alpha = 0;
    SDL_Surface *c = load_argb(data, n, max_side, err, errlen);
    if (c && max_side > 0 && (c->w > max_side || c->h > max_side)) {
        /* scaled to fit (bilinear, SDL's own software stretch), aspect kept */
        double k = (double)max_side / (double)(c->w > c->h ? c->w : c->h);
        int sw = (int)(c->w * k + 0.5), sh = (int)(c->h * k + 0.5);
        SDL_Surface *d = SDL_CreateRGBSurfaceWithFormat(0, sw > 0 ? sw : 1, sh > 0 ? sh : 1, 32,
                                                        SDL_PIXELFORMAT_ARGB8888);
        if (!d || SDL_SoftStretchLinear(c, NULL, d, NULL) != 0) {
            snprintf(err, errlen, "cannot scale: %s", SDL_GetError());
            SDL_FreeSurface(d);
            d = NULL;
        }
        SDL_FreeSurface(c);
        c = d;
    }
    unsigned char *out = c ? argb_out(c, w, h, alpha, err, errlen) : NULL;
    SDL_FreeSurface(c);
    return out;
}

void *plat_texture_new(void *ctx, const unsigned char *px, int w, int h, int alpha)
{
    plat *p = ctx;
    /* An opaque image (JPEG tiles, most PNG) is an RGB888 texture (the same bytes as ARGB8888,
     * the alpha byte unused), the X11 window's own format, copied without blending: the
     * software renderer then stretches it row by row instead of converting each pixel. One
     * with transparent no-data blends; image() knows which by the texture's user data. */
    Uint32 fmt = alpha ? SDL_PIXELFORMAT_ARGB8888 : SDL_PIXELFORMAT_RGB888;
    /* streaming: the software renderer would RLE-encode a static texture without alpha */
    SDL_Texture *t = SDL_CreateTexture(p->r, fmt, SDL_TEXTUREACCESS_STREAMING, w, h);
    if (!t)
        return NULL;
    if (SDL_UpdateTexture(t, NULL, px, w * 4) != 0) {
        SDL_DestroyTexture(t);
        return NULL;
    }
    SDL_SetTextureUserData(t, alpha ? t : NULL);
    SDL_SetTextureBlendMode(t, alpha ? SDL_BLENDMODE_BLEND : SDL_BLENDMODE_NONE);
    return t;
}

void plat_texture_free(void *ctx, void *tex)
{
    (void)ctx;
    if (tex)
        SDL_DestroyTexture(tex);
}

/* A textured grid (APP_OP_IMAGE): (g+1)^2 vertices x, y, u, v; cells with a NaN vertex left out.
 * A cell whose quad is within half a pixel of an upright rectangle (imagery in or near the
 * map's own plane: a grid cell turns by the meridian convergence, well under a degree) is
 * copied as a rectangle, which the software renderer does many times faster than textured
 * triangles; any other cell is drawn as two triangles. c's alpha is the opacity. */
static void image(plat *p, SDL_Texture *t, const float *v4, int g, app_color c, float ox, float oy,
                  const SDL_Rect *clip)
{
    enum { GMAX = 16 };
    if (g < 1 || g > GMAX)
        return;
    SDL_Vertex v[(GMAX + 1) * (GMAX + 1)] = {{{0, 0}, {0, 0, 0, 0}, {0, 0}}};
    int idx[6 * GMAX * GMAX], ni = 0, nv = (g + 1) * (g + 1), tw = 0, th = 0;
    SDL_QueryTexture(t, NULL, NULL, &tw, &th);
    Uint8 alpha = (Uint8)(c & 0xff);
    SDL_SetTextureAlphaMod(t, alpha);
    SDL_SetTextureBlendMode(t, alpha < 255 || SDL_GetTextureUserData(t) ? SDL_BLENDMODE_BLEND
                                                                        : SDL_BLENDMODE_NONE);
    SDL_Color col = sdl_color(c);
    for (int i = 0; i < nv; i++)
        v[i] =
            (SDL_Vertex){{v4[4 * i] + ox, v4[4 * i + 1] + oy}, col, {v4[4 * i + 2], v4[4 * i + 3]}};
    for (int r = 0; r < g; r++)
        for (int q = 0; q < g; q++) {
            int a = r * (g + 1) + q, b = a + 1, d = a + g + 1, e = d + 1;
            const SDL_FPoint *pa = &v[a].position, *pb = &v[b].position, *pd = &v[d].position,
                             *pe = &v[e].position;
            if (isnan(pa->x) || isnan(pb->x) || isnan(pd->x) || isnan(pe->x))
                continue;
            if (clip) { /* a cell wholly outside the clip costs nothing */
                float cx0 = fminf(fminf(pa->x, pb->x), fminf(pd->x, pe->x)),
                      cx1 = fmaxf(fmaxf(pa->x, pb->x), fmaxf(pd->x, pe->x)),
                      cy0 = fminf(fminf(pa->y, pb->y), fminf(pd->y, pe->y)),
                      cy1 = fmaxf(fmaxf(pa->y, pb->y), fmaxf(pd->y, pe->y));
                if (cx1 < (float)clip->x - 1 || cy1 < (float)clip->y - 1 ||
                    cx0 > (float)(clip->x + clip->w) + 1 || cy0 > (float)(clip->y + clip->h) + 1)
                    continue;
            }
            float x0 = (pa->x + pd->x) / 2, x1 = (pb->x + pe->x) / 2, y0 = (pa->y + pb->y) / 2,
                  y1 = (pd->y + pe->y) / 2;
            float dev = fmaxf(fmaxf(fabsf(pa->x - pd->x), fabsf(pb->x - pe->x)),
                              fmaxf(fabsf(pa->y - pb->y), fabsf(pd->y - pe->y))) /
                        2;
            if (dev <= 0.5f && x1 > x0 && y1 > y0) {
                SDL_Rect src = {(int)lroundf(v[a].tex_coord.x * (float)tw),
                                (int)lroundf(v[a].tex_coord.y * (float)th), 0, 0};
                src.w = (int)lroundf(v[e].tex_coord.x * (float)tw) - src.x;
                src.h = (int)lroundf(v[e].tex_coord.y * (float)th) - src.y;
                /* whole pixels, rounded the same way for the neighbours: no seams */
                int ix0 = (int)lroundf(x0), iy0 = (int)lroundf(y0);
                SDL_Rect dst = {ix0, iy0, (int)lroundf(x1) - ix0, (int)lroundf(y1) - iy0};
                if (src.w > 0 && src.h > 0 && dst.w > 0 && dst.h > 0)
                    SDL_RenderCopy(p->r, t, &src, &dst);
                continue;
            }
            int tri[6] = {a, b, e, a, e, d};
            memcpy(idx + ni, tri, sizeof tri);
            ni += 6;
        }
    if (ni)
        SDL_RenderGeometry(p->r, t, v, nv, idx, ni);
}

/* ---- layers (APP_OP_LAYER: the imagery) ------------------------------------------------------ */

static int layer_ok(plat *p)
{
    return SDL_RenderTargetSupported(p->r) == SDL_TRUE;
}

/* Textures of at least w x h for the layer. 0, or -1 when they cannot be made. */
static int layer_textures(plat *p, int w, int h)
{
    struct layer *L = &p->layer;
    if (L->t[0] && L->t[1] && w <= L->tw && h <= L->th)
        return 0;
    for (int i = 0; i < 2; i++)
        if (L->t[i]) {
            SDL_DestroyTexture(L->t[i]);
            L->t[i] = NULL;
        }
    L->key = NULL;
    L->tw = L->th = 0;
    for (int i = 0; i < 2; i++)
        if (!(L->t[i] =
                  SDL_CreateTexture(p->r, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_TARGET, w, h)))
            return -1;
    L->tw = w;
    L->th = h;
    return 0;
}

void plat_layer_prepare(plat *p)
{
    int w, h;
    SDL_GetRendererOutputSize(p->r, &w, &h);
    if (layer_ok(p))
        layer_textures(p, w, h);
}

/* Is id among the images drawn into the layer? (a few hundred at most: a linear search) */
static int layer_has(const struct layer *L, uint64_t id)
{
    for (size_t i = 0; i < L->nids; i++)
        if (L->ids[i] == id)
            return 1;
    return 0;
}

/* Redraw the layer's images inside clip (texture px) onto its background. */
static void layer_redraw(plat *p, const app_ui *ui, size_t li, SDL_Rect clip, float ox, float oy)
{
    const app_cmd *lk = &ui->cmd[li];
    SDL_RenderSetClipRect(p->r, &clip);
    set_color(p, lk->color);
    SDL_RenderFillRect(p->r, &clip);
    for (size_t j = li + 1; j <= li + lk->n && j < ui->ncmd; j++)
        if (ui->cmd[j].op == APP_OP_IMAGE)
            image(p, ui->cmd[j].tex, ui->pts + 2 * ui->cmd[j].off, (int)ui->cmd[j].n,
                  ui->cmd[j].color, ox, oy, &clip);
    SDL_RenderSetClipRect(p->r, NULL);
}

/*
 * The layer at ui->cmd[li] from its kept texture: only the strips a pan uncovered and the images
 * new to it are drawn (clipped to their extent, with whatever lies under them in the list), then
 * the texture is copied to the window. A pan shifts it by whole pixels: the content is drawn at
 * the generation's exact positions and shown within half a pixel of them. Returns 0 when drawn
 * so, -1 when the commands should be drawn as they are (no render targets, out of memory).
 */
static int draw_layer(plat *p, const app_ui *ui, size_t li)
{
    const app_cmd *k = &ui->cmd[li];
    struct layer *L = &p->layer;
    if (!layer_ok(p) || !(k->r.w >= 1) || !(k->r.h >= 1))
        return -1;
    const float *shift = ui->pts + 2 * k->off;
    int rx = (int)lroundf(k->r.x), ry = (int)lroundf(k->r.y), w = (int)lroundf(k->r.w),
        h = (int)lroundf(k->r.h);
    int di = (int)lroundf(shift[0]), dj = (int)lroundf(shift[1]);
    int all = 0;
    if (L->key != k->tex || L->gen != k->id || L->w != w || L->h != h || !L->t[0]) {
        if (layer_textures(p, w, h) != 0)
            return -1;
        L->key = k->tex;
        L->gen = k->id;
        L->w = w;
        L->h = h;
        L->gx = rx - di;
        L->gy = ry - dj;
        L->nids = 0;
        all = 1;
    }
    /* the images of this frame; the new ones are redrawn */
    size_t n = k->n, nimg = 0;
    if (L->capids < n) {
        uint64_t *ids = realloc(L->ids, n * sizeof *ids);
        if (!ids)
            return -1;
        L->ids = ids;
        L->capids = n;
    }
    enum { MAXD = 16 };
    SDL_Rect dirty[MAXD];
    int nd = 0;
    int gx = rx - di, gy = ry - dj; /* where the texture must start now */
    float ox = -shift[0] - (float)gx, oy = -shift[1] - (float)gy; /* window px to texture px */
    if (!all && (gx != L->gx || gy != L->gy)) {
        /* a pan: scroll what is kept into the other texture; the strips uncovered are redrawn */
        int sx = L->gx - gx, sy = L->gy - gy;
        SDL_Texture *to = L->t[1 - L->cur];
        SDL_SetRenderTarget(p->r, to);
        SDL_SetTextureBlendMode(L->t[L->cur], SDL_BLENDMODE_NONE);
        SDL_Rect src = {0, 0, w, h}, dst = {sx, sy, w, h};
        SDL_RenderCopy(p->r, L->t[L->cur], &src, &dst);
        L->cur = 1 - L->cur;
        if (sx > 0)
            dirty[nd++] = (SDL_Rect){0, 0, sx < w ? sx : w, h};
        if (sx < 0)
            dirty[nd++] = (SDL_Rect){w + sx > 0 ? w + sx : 0, 0, -sx < w ? -sx : w, h};
        if (sy > 0)
            dirty[nd++] = (SDL_Rect){0, 0, w, sy < h ? sy : h};
        if (sy < 0)
            dirty[nd++] = (SDL_Rect){0, h + sy > 0 ? h + sy : 0, w, -sy < h ? -sy : h};
        L->gx = gx;
        L->gy = gy;
    }
    for (size_t j = li + 1; j <= li + n && j < ui->ncmd; j++) {
        const app_cmd *c = &ui->cmd[j];
        if (c->op != APP_OP_IMAGE)
            continue;
        if (!all && !layer_has(L, c->id)) {
            /* its extent, in texture px */
            const float *v = ui->pts + 2 * c->off;
            int nv = ((int)c->n + 1) * ((int)c->n + 1);
            float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
            for (int q = 0; q < nv; q++)
                if (!isnan(v[4 * q])) {
                    x0 = fminf(x0, v[4 * q]), x1 = fmaxf(x1, v[4 * q]);
                    y0 = fminf(y0, v[4 * q + 1]), y1 = fmaxf(y1, v[4 * q + 1]);
                }
            if (x1 >= x0) {
                SDL_Rect r = {(int)floorf(x0 + ox) - 1, (int)floorf(y0 + oy) - 1, 0, 0};
                r.w = (int)ceilf(x1 + ox) + 1 - r.x;
                r.h = (int)ceilf(y1 + oy) + 1 - r.y;
                SDL_Rect whole = {0, 0, w, h}, in;
                if (SDL_IntersectRect(&r, &whole, &in)) {
                    if (nd < MAXD)
                        dirty[nd++] = in;
                    else
                        all = 1;
                }
            }
        }
        L->ids[nimg++] = c->id;
    }
    L->nids = nimg;
    SDL_SetRenderTarget(p->r, L->t[L->cur]);
    if (all)
        layer_redraw(p, ui, li, (SDL_Rect){0, 0, w, h}, ox, oy);
    else
        for (int d = 0; d < nd; d++)
            if (dirty[d].w > 0 && dirty[d].h > 0)
                layer_redraw(p, ui, li, dirty[d], ox, oy);
    SDL_SetRenderTarget(p->r, NULL);
    SDL_SetTextureBlendMode(L->t[L->cur], SDL_BLENDMODE_NONE);
    SDL_Rect src = {0, 0, w, h}, dst = {rx, ry, w, h};
    SDL_RenderCopy(p->r, L->t[L->cur], &src, &dst);
    return 0;
}

int plat_draw(plat *p, const app_ui *ui)
{
    p->frame++;
    /* a first opaque fill of the whole window (the screen's background) is the clear */
    size_t first = 0;
    app_color bg = 0xffffffffu;
    if (ui->ncmd && ui->cmd[0].op == APP_OP_FILL && (ui->cmd[0].color & 0xff) == 0xff &&
        ui->cmd[0].r.x <= 0 && ui->cmd[0].r.y <= 0 &&
        ui->cmd[0].r.x + ui->cmd[0].r.w >= (float)ui->width &&
        ui->cmd[0].r.y + ui->cmd[0].r.h >= (float)ui->height)
        bg = ui->cmd[first++].color;
    set_color(p, bg);
    SDL_RenderClear(p->r);
    for (size_t i = first; i < ui->ncmd; i++) {
        const app_cmd *k = &ui->cmd[i];
        const float *pts = ui->pts + 2 * k->off;
        switch (k->op) {
        case APP_OP_FILL: {
            if (i + 1 < ui->ncmd && ui->cmd[i + 1].op == APP_OP_LAYER &&
                (k->color & 0xff) == 0xff && memcmp(&ui->cmd[i + 1].r, &k->r, sizeof k->r) == 0 &&
                layer_ok(p))
                break; /* the layer is opaque over the same rectangle */
            set_color(p, k->color);
            SDL_FRect r = {k->r.x, k->r.y, k->r.w, k->r.h};
            SDL_RenderFillRectF(p->r, &r);
            break;
        }
        case APP_OP_FRAME: {
            set_color(p, k->color);
            for (int t = 0; t < (int)(k->w < 1 ? 1 : k->w); t++) {
                SDL_FRect r = {k->r.x + t, k->r.y + t, k->r.w - 2 * t, k->r.h - 2 * t};
                SDL_RenderDrawRectF(p->r, &r);
            }
            break;
        }
        case APP_OP_LINES:
            if (k->w <= 2.5f) {
                thin(p, pts, k->n, k->w > 1.5f, k->color);
            } else {
                thick(p, pts, k->n, 1, k->w, k->color);
            }
            break;
        case APP_OP_SEGS:
            set_color(p, k->color);
            for (size_t s = 0; s + 1 < k->n; s += 2)
                SDL_RenderDrawLineF(p->r, pts[2 * s], pts[2 * s + 1], pts[2 * s + 2],
                                    pts[2 * s + 3]);
            break;
        case APP_OP_DISC:
            disc(p, k->r.x, k->r.y, k->r.w, k->color);
            break;
        case APP_OP_RING:
            ring(p, k->r.x, k->r.y, k->r.w, k->w, k->color);
            break;
        case APP_OP_TEXT:
            draw_text(p, k, ui->text + k->off);
            break;
        case APP_OP_IMAGE:
            image(p, k->tex, pts, (int)k->n, k->color, 0, 0, NULL);
            break;
        case APP_OP_LAYER:
            if (!p->clip_on && draw_layer(p, ui, i) == 0) { /* not kept under a clip (ui.h) */
                i += k->n;                                  /* drawn from the kept texture */
            } else { /* the images follow as they are, on the background (a fill may be skipped) */
                set_color(p, k->color);
                SDL_FRect r = {k->r.x, k->r.y, k->r.w, k->r.h};
                SDL_RenderFillRectF(p->r, &r);
            }
            break;
        case APP_OP_CLIP:
            p->clip_on = k->r.w > 0 && k->r.h > 0;
            p->clip = (SDL_Rect){(int)floorf(k->r.x), (int)floorf(k->r.y), (int)ceilf(k->r.w),
                                 (int)ceilf(k->r.h)};
            set_clip(p, NULL);
            break;
        }
    }
    if (p->clip_on) { /* a frame that left its clip open */
        p->clip_on = 0;
        set_clip(p, NULL);
    }
    SDL_RenderPresent(p->r);
    return 0;
}

int plat_screenshot(plat *p, const char *path, char *err, size_t errlen)
{
    int w, h;
    SDL_GetRendererOutputSize(p->r, &w, &h);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    int rc = -1;
    if (!s)
        snprintf(err, errlen, "out of memory");
    else if (SDL_RenderReadPixels(p->r, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) != 0)
        snprintf(err, errlen, "cannot read the window: %s", SDL_GetError());
    else if (IMG_SavePNG(s, path) != 0)
        snprintf(err, errlen, "%s: %s", path, IMG_GetError());
    else
        rc = 0;
    SDL_FreeSurface(s);
    return rc;
}

int plat_missing_glyphs(plat *p, const char *s)
{
    TTF_Font *f = font(p, 24);
    if (!f)
        return -1;
    int missing = 0;
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        Uint32 cp;
        int n = *u < 0x80 ? 1 : (*u >> 5) == 6 ? 2 : (*u >> 4) == 14 ? 3 : (*u >> 3) == 30 ? 4 : 0;
        if (n == 0)
            return -1; /* not UTF-8 */
        cp = n == 1 ? *u : (Uint32)(*u & (0x7f >> n));
        for (int i = 1; i < n; i++) {
            if ((u[i] & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | (u[i] & 0x3f);
        }
        u += n;
        if (cp >= 0x20 && !TTF_GlyphIsProvided32(f, cp))
            missing++;
    }
    return missing;
}

void plat_glyph_audit_start(plat *p)
{
    p->audit = 1;
}

long plat_glyph_audit(plat *p, long *drawn, char *which, size_t n)
{
    if (drawn)
        *drawn = p->audit_drawn;
    snprintf(which, n, "%s", p->audit_first);
    return p->audit_bad;
}
