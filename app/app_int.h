/*
 * app_int.h - what app.c (core, Today, Map, GNSS, input) and screens.c (Record, Walk, Verify,
 * Sign, Dispute, Day end, modal layers) share. Not a public interface.
 */
#ifndef APP_APP_INT_H
#define APP_APP_INT_H

#include "app.h"

#define C_BG 0xffffffffu
#define C_INK 0x000000ffu
#define C_DIM 0x505050ffu
#define C_BAR 0x10243effu
#define C_BAR_INK 0xffffffffu
#define C_LINE 0xc8c8c8ffu
#define C_BTN 0xe6ecf5ffu
#define C_DRAFT 0x0050d0ffu
#define C_POINT 0xd00000ffu
#define C_TRACK 0x008a2effu
#define C_POS 0x0060ffffu
#define C_ACC 0x0060ff40u
#define C_OK 0x00a040ffu
#define C_WARN 0xe07000ffu
#define C_BAD 0xb00000ffu
#define C_GO 0x006a30ffu

float app__mm(const app_ui *ui, float v);
int app__text_px(const app_ui *ui, float mm_h);
float app__target(const app_ui *ui);
app_color app__grade_color(sv_grade g);
const char *app__grade_label(sv_grade g);
const sv_fix *app__live_fix(const app *a, int64_t now_ms);
void app__button(app_ui *ui, const char *id, app_rect r, const char *label, int enabled);
/* A button in a strong colour (the one big action of a screen). */
void app__big_button(app_ui *ui, const char *id, app_rect r, const char *label, app_color bg,
                     int enabled);
float app__top_bar(app *a, app_ui *ui, const char *title, int64_t now_ms);
void app__go(app *a, app_screen s);
/* Draw the unit's map (draft, track, points, position) into rect r. */
void app__draw_map(app *a, app_ui *ui, app_rect r, int64_t now_ms);
/* The label of a code-list value in the interface's language. */
const char *app__code_label(app *a, const char *list, const char *code, char *buf, size_t n);
/* The current unit's code, or "". */
const char *app__unit_code(const app *a);

/* screens.c */
void app__build_record(app *a, app_ui *ui, int64_t now_ms);
void app__build_walk(app *a, app_ui *ui, int64_t now_ms);
void app__build_verify(app *a, app_ui *ui, int64_t now_ms);
void app__build_sign(app *a, app_ui *ui, int64_t now_ms);
void app__build_pad(app *a, app_ui *ui, int64_t now_ms);
void app__build_dispute(app *a, app_ui *ui, int64_t now_ms);
void app__build_dayend(app *a, app_ui *ui, int64_t now_ms);
void app__build_modal(app *a, app_ui *ui);
/* A tap on a widget of these screens or of the modal layer; 1 when something changed. */
int app__tap_screens(app *a, const char *id);
/* A drag on the signature pad; 1 when a stroke grew. */
int app__pad_drag(app *a, const app_gesture *g);
void app__close_modal(app *a);
void app__free_screens(app *a);
/* Re-read what the Sign screen shows (attendance, signatures, parties). */
void app__load_parties(app *a);

#endif
