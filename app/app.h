/*
 * app.h - the app's state and screens, without SDL: what the crew sees is built into an app_ui
 * (ui.h) from the journal (read through the survey library's state API, the same as the CLI)
 * and the latest GNSS snapshot; gestures come back in and move the app between screens.
 *
 * Screens so far: Today (assigned units with progress), Map (draft boundary, recorded points,
 * walked track, position with accuracy circle, north arrow, scale bar, follow/free, zoom to
 * unit, distance and bearing to the next draft vertex, GK X/Y), GNSS status.
 */
#ifndef APP_APP_H
#define APP_APP_H

#include <stdint.h>

#include "gesture.h"
#include "gnss_worker.h"
#include "survey/geo.h"
#include "survey/journal.h"
#include "survey/state.h"
#include "ui.h"

typedef enum app_screen { APP_SCR_TODAY, APP_SCR_MAP, APP_SCR_GNSS } app_screen;

typedef struct app_unit_row {
    sv_unit u;
    sv_progress p;
} app_unit_row;

typedef struct app {
    sv_journal *j;
    sv_geo *geo;
    app_gnss_snap gnss;
    int gnss_ok; /* a receiver address was given (a worker runs) */

    app_screen screen;
    app_screen back[8];
    int depth;

    app_unit_row *units;
    size_t nunits;
    int cur; /* index into units, -1 none */

    /* the current unit, in plane coordinates (north x, east y) of its GK zone */
    sv_crs crs;
    double *draft; /* x, y pairs of the draft's first ring */
    size_t ndraft;
    sv_bpoint *pts;
    double *pts_xy;
    size_t npts;
    double *trk_xy; /* walk vertices; a NaN pair separates walks */
    size_t ntrk;

    /* map view: plane point at the map centre, metres per pixel */
    double view_x, view_y, mpp;
    int follow;
    app_rect map_rect;
    char status[256]; /* a one-line message for the crew (errors) */
} app;

/* Open the app's view of a journal (borrowed; the caller closes it after app_free). */
int app_init(app *a, sv_journal *j);
void app_free(app *a);
/* Re-read units and progress (after anything recorded). Returns SV_OK or an SV_ error. */
int app_reload(app *a);
/* Open a unit on the map (index into units). */
int app_select_unit(app *a, int idx);
/* Build the current screen into ui. now_ms is the monotonic clock (fix ages). */
void app_build(app *a, app_ui *ui, int64_t now_ms);
/* Act on a gesture against the frame it was made on. Returns 1 when the screen changed. */
int app_on_gesture(app *a, const app_ui *ui, const app_gesture *g);
/* Back one screen; returns 0 when already on the first one. */
int app_go_back(app *a);

#endif
