/*
 * app_int.h - what the parts of the app's SDL-free core share: app.c (state, navigation, input
 * dispatch), widgets.c (sizes, colours, buttons, the top bar, lists), map_view.c (the unit's
 * map), modal.c (pickers, keypad, text entry) and one file per screen (screen_*.c), each behind
 * an app__screen_ops row of the table in app.c. Not a public interface.
 */
#ifndef APP_APP_INT_H
#define APP_APP_INT_H

#include "app.h"

/* ---- theme.c: the colours of every screen, one table per theme ---------------------------- */

/* A theme: every colour the screens draw with. Text colours are read against the background
 * named beside them; test_theme checks each pair (app__theme_pairs) for WCAG AA contrast. */
typedef struct app__theme {
    const char *name;                 /* "day" (high-contrast daylight), "night" */
    app_color bg, ink, dim;           /* page, text, secondary text */
    app_color bar, bar_ink;           /* top bar and the text on it, back button */
    app_color bar_btn;                /* the top bar's back button */
    app_color line;                   /* separators (decoration) */
    app_color btn, btn_ink, btn_edge; /* an enabled button */
    app_color off, off_ink, off_edge; /* a disabled button: flat, no fill, grey */
    app_color row_alt, panel;         /* alternate list rows, bottom bars */
    app_color ok, warn, bad, go;      /* status text on bg / panel; go: the big action */
    app_color stop; /* the big action that stops or warns (cancel, stop walk): bar_ink text */
    app_color banner_bad, banner_info; /* the banner's backgrounds (text bad / dim) */
    app_color field, field_edge;       /* a text field and its outline */
    app_color hint;                    /* "n more above/below" background (ink text) */
    app_color map_bg, draft, point, track, pos, acc; /* the map */
    app_color grade[5];    /* GNSS pill by sv_grade (bar_ink text on it) */
    app_color no_receiver; /* the pill without a receiver */
    app_color scrim;       /* under a modal layer */
    app_color group;       /* group headers' background (ink text) */
    /* map: lines under an open dispute (dashed), and settled ones */
    app_color dispute, settled;
} app__theme;

/* The themes (APP__THEME_DAY, APP__THEME_NIGHT) and the one in use. */
enum { APP__THEME_DAY, APP__THEME_NIGHT, APP__NTHEMES };
extern const app__theme app__themes[APP__NTHEMES];
extern const app__theme *app__th;
void app__set_theme(int which);

/* A colour pair to be read: fg against bg, needing at least min_ratio (WCAG 2.x). */
typedef struct app__cpair {
    const char *what;
    app_color fg, bg;
    double min_ratio; /* 4.5 text, 3 controls and graphics */
} app__cpair;
/* Every text/background and control/background pair of theme t into out (at most max);
 * returns how many there are. */
size_t app__theme_pairs(const app__theme *t, app__cpair *out, size_t max);
/* WCAG 2.x contrast ratio of two opaque colours (1 to 21). */
double app__contrast(app_color a, app_color b);

#define C_BG (app__th->bg)
#define C_INK (app__th->ink)
#define C_DIM (app__th->dim)
#define C_BAR (app__th->bar)
#define C_BAR_INK (app__th->bar_ink)
#define C_LINE (app__th->line)
#define C_BTN (app__th->btn)
#define C_DRAFT (app__th->draft)
#define C_POINT (app__th->point)
#define C_TRACK (app__th->track)
#define C_POS (app__th->pos)
#define C_ACC (app__th->acc)
#define C_OK (app__th->ok)
#define C_WARN (app__th->warn)
#define C_BAD (app__th->bad)
#define C_GO (app__th->go)
#define C_STOP (app__th->stop)

/* ---- a screen: what app.c dispatches on ------------------------------------------------- */

/* One screen's operations. app.c keeps a table of them indexed by app_screen and calls the
 * current screen's; a NULL operation means the screen has none. */
typedef struct app__screen_ops {
    /* Build the frame (display list and widgets) under the top bar's banner and any modal. */
    void (*build)(app *a, app_ui *ui, int64_t now_ms);
    /* A tap on one of its widgets (the top bar and the map's buttons are app.c's); 1 when
     * something changed. */
    int (*tap)(app *a, const char *id);
    /* A drag, drag end, pinch or long press on the screen (w: the widget under it, or NULL);
     * 1 when something changed. */
    int (*gesture)(app *a, const app_widget *w, const app_gesture *g);
    /* Opened from another screen's button (app__open). */
    void (*enter)(app *a);
    /* The current unit's records were re-read while the screen is shown. */
    void (*reload)(app *a);
    /* The crew's answer to a modal this screen opened (ask, a->ask_field as k, the value);
     * 0 when the ask is not this screen's. */
    int (*answer)(app *a, app_ask ask, int k, const char *v);
} app__screen_ops;

#define APP__NSCREENS (APP_SCR_ATTACH + 1)

extern const app__screen_ops app__screen_today, app__screen_map, app__screen_gnss,
    app__screen_record, app__screen_walk, app__screen_verify, app__screen_sign, app__screen_pad,
    app__screen_dispute, app__screen_dayend, app__screen_settings;
extern const app__screen_ops app__screen_points, app__screen_point;
extern const app__screen_ops app__screen_note, app__screen_settle, app__screen_attach;

/* The operations of screen s (app.c's table). */
const app__screen_ops *app__screen(app_screen s);

/* ---- app.c: navigation -------------------------------------------------------------------- */

void app__go(app *a, app_screen s);
/* Go to screen s and run its enter operation. */
void app__open(app *a, app_screen s);

/* ---- widgets.c ------------------------------------------------------------------------------ */

float app__mm(const app_ui *ui, float v);
int app__text_px(const app_ui *ui, float mm_h);
float app__target(const app_ui *ui);
app_color app__grade_color(sv_grade g);
const char *app__grade_label(sv_grade g);
const sv_fix *app__live_fix(const app *a, int64_t now_ms);
/* Text that fits its box: the width of utf8 at px (estimated on the safe side); label fitted
 * into box at px or smaller (not under 2.5 mm), wrapped onto lines ('\n' in out) when one
 * line is too wide, returning the pixel size; and such a label drawn, lines centred. */
float app__text_width(const char *utf8, int px);
int app__fit_label(const app_ui *ui, app_rect box, const char *label, int px, char *out, size_t n);
void app__draw_label(app_ui *ui, app_rect box, const char *wrapped, int px, int align, app_color c);
void app__button(app_ui *ui, const char *id, app_rect r, const char *label, int enabled);
/* A button in a strong colour (the one big action of a screen). */
void app__big_button(app_ui *ui, const char *id, app_rect r, const char *label, app_color bg,
                     int enabled);
float app__top_bar(app *a, app_ui *ui, const char *title, int64_t now_ms);
/* The label of a code-list value in the interface's language. */
const char *app__code_label(app *a, const char *list, const char *code, char *buf, size_t n);
/* The same for a code and its label already read (label may be ""): the side of the pair in the
 * interface's language; in English a readable name where the list has only Chinese labels. */
const char *app__code_text(const char *list, const char *code, const char *label, char *buf,
                           size_t n);
/* A phrase the crew taps: its English msgid (shown through gettext) and the Chinese the journal
 * records whatever the interface's language (the registry's language; the same as zh_CN.po's,
 * which unit/test_app checks). */
typedef struct app__phrase {
    const char *en, *zh;
} app__phrase;
/* The text to record: each phrase as shown replaced by its Chinese (the crew's own words kept as
 * typed), into out. */
void app__phrase_store(const app__phrase *ph, size_t n, const char *in, char *out, size_t outn);
/* The text to show: each recorded Chinese phrase replaced by its translation; returns out. */
const char *app__phrase_show(const app__phrase *ph, size_t n, const char *in, char *out,
                             size_t outn);
/* A reason recorded with a correction (void, re-measure, change of type or marker) in the UI's
 * language: its phrases shown as the UI says them, the crew's own words as typed (screen_point.c).
 */
const char *app__reason_shown(const char *in, char *out, size_t n);
/* The current unit's latest verification of field f (a->ver), NULL for none (screen_verify.c). */
const sv_verification *app__current_ver(const app *a, sv_field f);
/* The current unit's code, or "". */
const char *app__unit_code(const app *a);
/* Copy src into dst of size n, cut at a UTF-8 code point boundary when it does not fit. */
void app__copy(char *dst, size_t n, const char *src);
char *app__dupstr(const char *s);
/* Below the top bar on the recording screens (and on every screen while a walk runs) when the
 * receiver is lost, silent or without a fix: what is not being recorded, until it is back.
 * Returns its height (0 when the receiver is fine). app__top_bar adds it. */
float app__receiver_banner(app *a, app_ui *ui, float y, int64_t now_ms);
/* Text in box at size_mm, made smaller (down to 2.5 mm) and wrapped until it fits. */
void app__text_fit(app_ui *ui, app_rect box, const char *t, float size_mm, int align, app_color c);
void app__text_line(app_ui *ui, float x, float y, float w, float h, const char *t, float size_mm,
                    app_color c);
/* Text at size_mm wrapped to width w from (x, y), as many lines as it takes (a scrolled body's
 * statement, agreement): returns the height used, at least min_h. */
float app__text_block(app_ui *ui, float x, float y, float w, float min_h, const char *t,
                      float size_mm, app_color c);
/* A scrolled list: the first row to draw, and the hints that rows are hidden. */
int app__list_first(app *a, float y0, float y1, float rh, int n);
void app__list_hints(app_ui *ui, float x, float y0, float y1, float w, int first, int shown, int n);
/* A drag scrolls the screen's list (Sign, Day end): a screen's gesture operation. */
int app__list_gesture(app *a, const app_widget *w, const app_gesture *g);
/* Today's date (tablet clock, local time) as YYYY-MM-DD. */
void app__today(char out[11]);
/* A list scrolled by drag and fling (Today, a unit's points): *scroll px, *vel px/s, *t_ms the
 * last drag event (then when the fling was last advanced), *dragging. The gesture (drag, drag
 * end; 1 when taken), and the fling advanced to now_ms (a build); a tap stops it (*vel = 0). */
int app__fling_gesture(float *scroll, float *vel, int64_t *t_ms, int *dragging,
                       const app_gesture *g);
void app__fling_advance(float *scroll, float *vel, int64_t *t_ms, int dragging, int64_t now_ms);
/* A screen's body that may be taller than the room it has (Record, Note, Settle, ...): the
 * content between the top bar and a footer pinned at the window's bottom (the band y0..y1),
 * laid out from the y app__body_begin returns (y0 less the scroll, a->body_scroll), drawn
 * clipped to the band (APP_OP_CLIP). app__body_end takes the content's bottom: it keeps the
 * scroll in range (moving what was built when it was out of it), cuts each widget built since
 * the begin to the band and keeps it only while at least 10 mm of it and all of its text show
 * (app__cut_target), and when the content does not fit gives a strip at the band's foot
 * saying what is hidden (content scrolls under it) and a scroll bar. A drag scrolls it and a
 * flick flings it: app__body_gesture is the screen's gesture operation. */
typedef struct app__body {
    float y0, y1; /* the band */
    float scroll; /* what the content was laid out with */
    size_t cmd0, w0, clip;
} app__body;
float app__body_begin(app *a, app_ui *ui, app__body *b, float y0, float y1, int64_t now_ms);
void app__body_end(app *a, app_ui *ui, app__body *b, float bottom);
int app__body_gesture(app *a, const app_widget *w, const app_gesture *g);
/* The part of r inside the band y0..y1 (h <= 0 when none). */
app_rect app__clip(app_rect r, float y0, float y1);
/* Whether a list row BOX, cut to VIS by the list's edges, is still a touch target: while at
 * least 10 mm of it (or all of a shorter row) shows. */
int app__cut_target(const app_ui *ui, app_rect box, app_rect vis);

/* ---- map_view.c: the unit's map (Map and Walk) ------------------------------------------------
 */

/* Draw the unit's map (draft, track, points, position) into rect r. */
void app__draw_map(app *a, app_ui *ui, app_rect r, int64_t now_ms);
/* Slot k (0: bottom right, upwards, then further columns to the left) of the buttons on map r:
 * zoom-unit 0, follow 1, basemap 2, navigate 3 (Map). Never above the map's top. */
app_rect app__map_button(const app_ui *ui, app_rect r, int k);
/* The current position in the unit's plane, when there is a live fix. */
int app__map_position(app *a, int64_t now_ms, double *px, double *py);
void app__zoom_to_unit(app *a);
/* A tap on the map's buttons (follow, zoom-unit); -1 when id is not one of them. */
int app__map_tap(app *a, const char *id);
/* Drag pans, pinch on the map zooms about the fingers: a screen's gesture operation. */
int app__map_gesture(app *a, const app_widget *w, const app_gesture *g);

/* ---- navigate.c: navigation on the Map screen (@navigate) ------------------------------------
 */

/* The @navigate button in r, and (while navigating) the line to the target and its ring on
 * the map drawn by app__draw_map. */
void app__nav_map(app *a, app_ui *ui, app_rect r, int64_t now_ms);
/* Navigation in the info panel r: its line in the lower half, the arrow (and @nav-next) at the
 * right over the whole height. Returns the width left at the left for other text, or -1 when
 * not navigating (nothing drawn). */
float app__nav_panel(app *a, app_ui *ui, app_rect r, int64_t now_ms);
/* @navigate and @nav-next; -1 when id is neither. */
int app__nav_tap(app *a, const char *id);
/* A tap on the map while choosing a draft vertex; 1 when it was taken. */
int app__nav_map_tap(app *a, float x, float y);
int app__nav_answer(app *a, app_ask ask, int k, const char *v);
/* map_view.c: a plane point (north x, east y) to window px on the map last drawn. */
void app__map_to_screen(const app *a, double x, double y, float *sx, float *sy);

/* ---- modal.c ------------------------------------------------------------------------------- */

void app__build_modal(app *a, app_ui *ui);
/* A tap on the modal layer; 1 when something changed. */
int app__tap_modal(app *a, const char *id);
void app__open_modal(app *a, app_modal m, app_ask ask, const char *title);
void app__close_modal(app *a);
void app__pick_add(app *a, const char *label, const char *value);
/* A code list as choices: labels in the interface's language, codes as values. */
void app__pick_codes(app *a, const char *list);

/* ---- what one screen offers another ------------------------------------------------------------
 */

/* screen_today.c: text typed and keys pressed while @search has the keyboard. */
int app__today_text(app *a, const char *utf8);
int app__today_key(app *a, int key);
/* screen_sign.c: re-read what the Sign screen shows (attendance, signatures, parties). */
void app__load_parties(app *a);
/* screen_sign.c: the index of the party of that name, added when new; -1 when full. */
int app__party_index(app *a, const char *name);
/* Put each name of a dispute's parties text (separated by 、，,;； or blanks) on the current
 * unit's working list of parties (saved beside the journal), so that the Sign screen lists the
 * parties an on-site settlement needs signed. */
void app__parties_add(app *a, const char *parties);
/* screen_pad.c: open the signature pad for party k. */
void app__open_pad(app *a, int k);
/* screen_pad.c: a drag on the signature pad; 1 when a stroke grew. */
int app__pad_drag(app *a, const app_gesture *g);
/* screen_dayend.c: the first writable mount point in the mount table mtab (setmntent(3) format,
 * e.g. /proc/self/mounts) under one of roots (NULL-terminated prefixes, "/media/"), into out;
 * 0 when one was found, else -1 and out is "". */
int app__usb_dir(const char *mtab, const char *const roots[], char *out, size_t n);
/* screen_dispute.c: the lines dispute d covers, "J1–J2, J2–J3" (by the library's rule,
 * sv_dispute_covers_line), or "" (an area dispute). */
void app__covered_lines(const app *a, const sv_dispute *d, char *out, size_t n);
/* screen_points.c: how a point was obtained (SV_METHOD_*), for the crew. */
const char *app__method_label(const char *m);
/* p's method as the app says it: app__method_label, or "typed in" for a point typed in whose
 * method nobody gave. */
const char *app__point_method_label(const sv_bpoint *p);
/* screen_points.c: hand the sharing of point from_number of unit from_unit with the current
 * unit to the recorder (sv_record_share). */
void app__submit_share(app *a, const char *from_unit, const char *from_number);
/* Within this distance of a neighbouring unit's point (metres), Record offers that point. */
#define APP_SHARE_AT_M 2.0
/* screen_points.c: the plane CRS of the coordinates shown, short: "EPSG:4524", or for a custom
 * central meridian (no EPSG code) the library's name, "CGCS2000 GK CM 103.5E". */
const char *app__crs_label(app *a, char *buf, size_t n);
/* screen_point.c: submit a void of entry seq with a reason (label names it); the phrases a void
 * reason is picked from; open the reason's text modal for seq. */
void app__submit_void(app *a, int64_t seq, const char *what, const char *reason);
void app__ask_void(app *a, int64_t seq, const char *what);
/* screen_dispute.c: the usual dispute statements (Verify's "disputed" offers them too). */
extern const app__phrase app__dispute_phrases[];
extern const size_t app__ndispute_phrases;
/* screen_dispute.c: the current unit's boundary lines (the ring of its current points in the
 * state's order, closing, and recorded lines off it), each with its documents by the library's
 * rule (sv_line_docs_of). Returns how many, *out allocated (free it); 0 with NULL when none. */
typedef struct app__line {
    char from[SV_NUMBER_MAX], to[SV_NUMBER_MAX];
    sv_line_docs docs;
} app__line;
size_t app__unit_lines(const app *a, app__line **out);
/* screen_dispute.c: the dispute selected on the Dispute screen (a->dsp_sel, else the newest
 * open one, else the newest), or NULL. */
const sv_dispute *app__dispute_selected(const app *a);
/* screen_attach.c: open the Files screen (the file about point, or NULL: the unit); read the
 * photos folder again. */
void app__open_attach(app *a, const char *point);
void app__scan_photos(app *a);
/* screen_note.c: open the Note screen on the unit (point NULL) or on point number. */
void app__open_note(app *a, const char *point);

#endif
