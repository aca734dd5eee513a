/*
 * script.h - the scripted-use contract of quejie-app (--script FILE): one command per line,
 *
 *   tap @ID | tap X Y | long-press @ID | drag X1 Y1 X2 Y2 | pinch X Y FACTOR
 *   wait MS | wait-for @ID | screenshot FILE.png | quit
 *
 * and, beyond the contract: `type TEXT` (the rest of the line, delivered as SDL text input like
 * an input method's commit), `drag-in @ID FX1 FY1 FX2 FY2` (a drag inside a widget, positions
 * as fractions 0..1 of its width and height: a signature on the pad whatever the layout),
 * `locate LAT LON` (prints `locate LAT LON -> X Y`, the window pixel of that CGCS2000 position
 * on the map shown, LAT and LON as written; arg holds them, v[0] v[1] their values).
 * `dump-widgets FILE.json` (the current screen's widgets as JSON: app.h, app_dump_widgets).
 *
 * blank lines and lines starting with '#' ignored. Parsing is strict: an unknown command, a
 * missing or extra argument, a number that is not one, an ID not starting with '@' is an error
 * naming the line. Running is the app's (main.c): taps and gestures are injected as touch
 * events into the same input path as a finger. No SDL here.
 */
#ifndef APP_SCRIPT_H
#define APP_SCRIPT_H

#include <stddef.h>

typedef enum app_sop {
    APP_S_TAP_ID,
    APP_S_TAP_XY,
    APP_S_LONG_PRESS_ID,
    APP_S_DRAG,
    APP_S_PINCH,
    APP_S_WAIT,
    APP_S_WAIT_FOR,
    APP_S_SCREENSHOT,
    APP_S_QUIT,
    APP_S_TYPE,
    APP_S_DRAG_IN,
    APP_S_LOCATE,
    APP_S_DUMP_WIDGETS
} app_sop;

typedef struct app_scmd {
    app_sop op;
    int line;
    char arg[512]; /* widget ID without '@', file name, text to type, or "LAT LON" (locate) */
    double v[4];   /* numbers: X Y [X2 Y2] | X Y FACTOR | MS */
} app_scmd;

typedef struct app_script {
    app_scmd *cmd;
    size_t n;
} app_script;

/* Parse text (NUL-terminated). Returns 0, or -1 with a message naming the line in err. */
int app_script_parse(const char *text, app_script *out, char *err, size_t errlen);
/* Read and parse a file. */
int app_script_load(const char *path, app_script *out, char *err, size_t errlen);
void app_script_free(app_script *s);

#endif
