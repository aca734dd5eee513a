/*
 * app.h - the app's state and screens, without SDL: what the crew sees is built into an app_ui
 * (ui.h) from the journal (read through the survey library's state API, the same as the CLI)
 * and the latest GNSS snapshot; gestures come back in and move the app between screens.
 *
 * Screens: Today (assigned units with progress, sync state), Map (draft boundary, recorded
 * points, walked track, position with accuracy circle, north arrow, scale bar, follow/free,
 * zoom to unit, distance and bearing to the next draft vertex, GK X/Y), GNSS status, Record a
 * boundary point, Walk, Verify ownership, Point out and sign (with the signature pad), Dispute,
 * Day end (with sync and USB), a unit's point list and one point with its corrections (void,
 * re-measure, change of type or marker, each with a reason). Pickers, the numeric keypad and
 * text entry are modal layers.
 *
 * Writing never happens here: decisions go to the recorder (recorder.h) and sync to the sync
 * worker (sync_worker.h), both on their own threads; the app re-reads the journal when the
 * recorder says something became durable. Without a recorder (a read-only journal, or tests of
 * the screens alone) the recording buttons are disabled.
 */
#ifndef APP_APP_H
#define APP_APP_H

#include <stdint.h>

#include "device.h"
#include "gesture.h"
#include "gnss_worker.h"
#include "recorder.h"
#include "survey/geo.h"
#include "survey/journal.h"
#include "survey/state.h"
#include "survey/summary.h"
#include "sync_worker.h"
#include "ui.h"

typedef enum app_screen {
    APP_SCR_TODAY,
    APP_SCR_MAP,
    APP_SCR_GNSS,
    APP_SCR_RECORD,
    APP_SCR_WALK,
    APP_SCR_VERIFY,
    APP_SCR_SIGN,
    APP_SCR_PAD,
    APP_SCR_DISPUTE,
    APP_SCR_DAYEND,
    APP_SCR_SETTINGS,
    APP_SCR_POINTS, /* a unit's point list (screen_points.c) */
    APP_SCR_POINT,  /* one point: details, void, re-measure, change (screen_point.c) */
    APP_SCR_NOTE,   /* a note on the unit, a point or a line (screen_note.c) */
    APP_SCR_SETTLE, /* the on-site settlement of a dispute (screen_settle.c) */
    APP_SCR_ATTACH  /* a photograph or scan kept with the unit (screen_attach.c) */
} app_screen;

/* Modal layers over a screen. */
typedef enum app_modal {
    APP_MODAL_NONE,
    APP_MODAL_PICK,   /* a list of choices: pick:N, pick-cancel */
    APP_MODAL_KEYPAD, /* numbers: key:0..9, key:dot, key:del, key:ok, key:cancel */
    APP_MODAL_TEXT /* text: phrase:N, text-clear, text-ok, text-cancel; typing via SDL text input */
} app_modal;

/* What a modal's answer is for. */
typedef enum app_ask {
    APP_ASK_NONE,
    APP_ASK_MARKER,
    APP_ASK_PTYPE,
    APP_ASK_OVERRIDE,
    APP_ASK_OFFSET_DIST,
    APP_ASK_OFFSET_BRG,
    APP_ASK_CORRECTED, /* field in ask_field */
    APP_ASK_DISPUTED,
    APP_ASK_PARTY_ADD,
    APP_ASK_PROXY_PERSON,
    APP_ASK_SIGNER,
    APP_ASK_ROLE,
    APP_ASK_DSP_PARTIES,
    APP_ASK_DSP_STATEMENT,
    APP_ASK_DSP_FROM,
    APP_ASK_DSP_TO,
    APP_ASK_NAV_TARGET, /* navigate.c: what @navigate leads to */
    /* corrections (screen_point.c, screen_verify.c, screen_sign.c): reasons, a new type or
     * marker; the Record screen's pole height, which north, declination, own override reason */
    APP_ASK_VOID_REASON, /* what to void in void_seq */
    APP_ASK_REMEASURE_REASON,
    APP_ASK_CHANGE_TYPE,
    APP_ASK_CHANGE_MARKER,
    APP_ASK_CHANGE_REASON,
    APP_ASK_POLE,
    APP_ASK_POLE_SCOPE,
    APP_ASK_OFFSET_NORTH,
    APP_ASK_DECLINATION,
    APP_ASK_DECLINATION_SIDE,
    APP_ASK_OVERRIDE_OTHER,
    APP_ASK_NOTE_TEXT, /* screen_note.c: the note's text, its point, its line */
    APP_ASK_NOTE_POINT,
    APP_ASK_NOTE_LINE,
    APP_ASK_STL_AGREEMENT, /* screen_settle.c: the agreement text and its number */
    APP_ASK_STL_NUMBER,
    APP_ASK_ATTACH_POINT, /* screen_attach.c: the file's point, its note */
    APP_ASK_ATTACH_NOTE,
    APP_ASK_DISCARD_FAILED, /* the banner's: give up the decisions the journal refused */
    APP_ASK_SHARE_POINT     /* screen_points.c: the neighbour's point to share */
} app_ask;

#define APP_PICK_MAX 256
#define APP_TEXT_MAX 512
/* Free text a crew writes down (a note, a dispute's statement, an agreement, a file's note, and
 * the text modal that takes them): a party's statement runs long, and 512 bytes cut it at about
 * 170 Chinese characters without a word. The library takes up to SV_LIMIT_TEXT_CHARS. */
#define APP_LONG_TEXT_MAX 8192
#define APP_PARTY_MAX 48

/* A picture in the photos folder (screen_attach.c). */
typedef struct app_photo {
    char name[SV_ATTACH_NAME_MAX];
    int64_t mtime_ms, bytes;
} app_photo;
#define APP_PHOTOS_MAX 200

/* A neighbouring party on the Sign screen. */
/* Names are held whole as the text modal takes them (APP_TEXT_MAX): a name cut short here was
 * recorded as another party's (an attendance and a signature under a 198-byte prefix). */
typedef struct app_party {
    char name[APP_TEXT_MAX];
    int has_att; /* attendance recorded */
    sv_presence presence;
    char person[APP_TEXT_MAX];
    char notice_date[11];
    int signatures, current;   /* recorded / covering the current boundary */
    char signer[APP_TEXT_MAX]; /* of the newest signature */
    int64_t att_seq;           /* the current attendance entry (voidable), 0 none */
    int added; /* only on the crew's working list (screen_sign.c): nothing recorded names it;
                * 2: the list file could not keep it, held for this visit to the unit */
} app_party;

/* Per-unit figures of the Day end screen. */
typedef struct app_dayend_row {
    int points, vertices;
    double area_m2, draft_m2, diff_pct; /* NaN when not computable */
    double closing_m, walk_gap_m;
    int disputes_open, signatures_missing, fields_verified, fields_disputed;
    int64_t unacked;  /* of this unit's records: seq above the office's cursor */
    int stage;        /* sv_stage: grey untouched, amber incomplete, green complete */
    unsigned missing; /* SV_MISSING_*: why it is not complete */
    int objections_open;
} app_dayend_row;

typedef struct app_unit_row {
    sv_unit u;
    sv_unit_summary s;      /* its records part (sv_unit_summarize_records): the Today list */
    sv_progress p;          /* s.progress */
    int stage;              /* sv_unit_stage_office: with the office's word from the last sync */
    char office_note[2048]; /* the office's note when returned ("" for none) */
    char type_label[200];   /* u.type in the interface's language, read once per language */
    int type_label_en;      /* type_label is English (1), Chinese (0) or not read yet (-1) */
} app_unit_row;

/* The app's own settings (settings.c): the display, not survey data, so they are the tablet's
 * and live in a small file beside the journal, JOURNAL.settings.json, replaced atomically. */
typedef enum app_text_size { APP_TEXT_SMALL, APP_TEXT_NORMAL, APP_TEXT_LARGE } app_text_size;
typedef struct app_settings {
    int dpi;                 /* 0: auto (the display's, else the 10.1-inch tablet's) */
    app_text_size text_size; /* small 0.85x, normal, large 1.25x */
    int theme;               /* 0 high-contrast daylight, 1 night */
    int lang;                /* 0: not chosen here (--lang, else Chinese), 1 zh_CN, 2 en */
} app_settings;

/* Navigation on the Map screen (navigate.c, @navigate): what the arrow points at. */
typedef enum app_nav_kind {
    APP_NAV_OFF,
    APP_NAV_DRAFT, /* draft vertex nav.vertex of the unit's draft (first ring) */
    APP_NAV_POINT  /* the recorded boundary point numbered nav.point */
} app_nav_kind;

typedef struct app_nav {
    app_nav_kind kind;
    int vertex; /* APP_NAV_DRAFT: index into the ring; -1: the one after the nearest, chosen at
                   the first live position */
    char point[SV_NUMBER_MAX];
    int picking;   /* the next tap on the map chooses a draft vertex */
    float pick_px; /* within this of a vertex drawn (8 mm in the last frame's px) */
} app_nav;

/* Where navigation leads from the live position (app_nav_get). */
typedef struct app_nav_info {
    int target;      /* there is a target (lat, lon, name) */
    int ok;          /* and a live position: the figures below are set */
    char name[96];   /* "J3", "draft vertex 4" (in the interface's language) */
    double lat, lon; /* the target, CGCS2000 */
    double dist_m;   /* geodesic distance on CGCS2000 (sv_geo_distance) */
    double brg_true; /* forward azimuth at the position, degrees clockwise from true north */
    double tol_m;    /* "within": the receiver's horizontal error (eph), at least 1 m */
    int within;      /* dist_m <= tol_m */
    float ax, ay;    /* the arrow on the north-up map: unit vector, window px (y down) */
} app_nav_info;

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
    double *draft;      /* x, y pairs of every ring of the draft (its parts and holes), in order */
    size_t ndraft;      /* their vertices, closing repeats included */
    size_t *draft_ring; /* vertices of each ring, in that order */
    size_t ndraft_ring;
    sv_bpoint *pts;
    double *pts_xy;
    size_t npts;
    /* the neighbouring units' own points near the unit's draft, which it could share
     * (sv_state_share_candidates): Record offers the one the receiver stands on */
    sv_bpoint *near;
    size_t nnear;
    char near_unit[SV_CODE_MAX], near_number[SV_NUMBER_MAX]; /* Record's offer, "" none */
    double *trk_xy;  /* walk vertices; a NaN pair separates walks */
    double *jump_xy; /* jump vertices: kept in the journal, left out of the line */
    size_t njump;
    size_t ntrk;
    size_t trk_cap, jump_cap; /* allocated pairs: new vertices are appended, not re-read */
    int64_t trk_seq;          /* the last vertex entry held (0: none) */
    int64_t trk_walk;         /* its walk */
    sv_verification *ver;     /* current verifications of the unit */
    size_t nver;
    sv_dispute *dsp;
    size_t ndsp;

    /* workers (may be NULL) and their latest snapshots */
    app_rec *rec;
    app_rec_snap rs;
    app_sync *sync;
    app_sync_snap ss;
    char usb_dir[1024]; /* where "write to USB" writes; empty: none found */

    /* Record screen */
    char marker[SV_CODE_MAX], ptype[SV_CODE_MAX];
    double off_m, off_brg; /* NaN: no offset */
    double off_pending;    /* the distance typed, until its bearing is (NaN: none) */
    char override_reason[200];
    char override_code[SV_CODE_MAX]; /* the reason's code (survey's list), with its label */

    /* Sign screen and pad */
    app_party party[APP_PARTY_MAX];
    int nparty;
    char pad_name[APP_TEXT_MAX]; /* the party signing: by name, the list may change meanwhile */
    char signer[APP_TEXT_MAX], role[APP_TEXT_MAX];
    uint8_t pad_covers[32]; /* boundary digest when the pad was opened */
    char pad_points[256];   /* the point numbers shown with it */
    int32_t *strokes;       /* pad coordinates 0..SV_SIG_PAD, (-1, -1) ends a stroke */
    size_t nstrokes, capstrokes;
    int stroke_open;
    app_rect pad_rect;

    /* Dispute screen */
    char dsp_parties[APP_TEXT_MAX], dsp_statement[APP_LONG_TEXT_MAX], dsp_from[SV_NUMBER_MAX],
        dsp_to[SV_NUMBER_MAX];

    /* Day end */
    app_dayend_row *day; /* one per unit, NULL until computed */
    uint64_t day_gen;    /* journal_gen it was computed at */

    /* modal layer */
    app_modal modal;
    app_ask ask;
    int ask_field; /* sv_field or party index */
    char modal_title[256];
    char *pick_label[APP_PICK_MAX];
    char *pick_value[APP_PICK_MAX];
    int npick;
    char text[APP_LONG_TEXT_MAX]; /* keypad or text being entered */
    int want_text;                /* the platform should run SDL text input */
    uint64_t journal_gen;         /* of the recorder, last reloaded at */
    uint64_t other_gen;
    int64_t reloaded_ms, reload_due; /* walk vertices re-read at most every 2 s */
    uint64_t points_seen;            /* the recorder's point count when last looked at */
    char party_unit[SV_CODE_MAX];    /* the unit the party list and the drafts belong to */
    char readonly[300];   /* why nothing can be recorded (persistent), empty when writable */
    float scroll;         /* of the current list (Sign, Day end, pickers), px */
    int usb_fixed;        /* usb_dir came from --usb: no scanning */
    void (*wake)(void *); /* for workers started later (sync after a busy start) */
    void *wake_ctx;
    char journal_path[1024];
    char sync_err[300]; /* why the sync thread is not running */

    /* map view: plane point at the map centre, metres per pixel */
    double view_x, view_y, mpp;
    int follow;
    app_rect map_rect;
    float map_keep_w, map_keep_h; /* the map's buttons' columns at its right, and the height of
                                   * their rows: no place to fit the unit in */
    int zoom_pending; /* fit the unit once the map's size is known (app__zoom_to_unit) */
    char status[256]; /* a one-line message for the crew (errors) */
    float top_h;      /* the height of the last top bar built (its title row included), px */

    /* imagery under the map (basemap.h, docs/imagery.md): the basemaps (NULL: none; the list
     * for Settings is app_tiles_count/app_tiles_path), shown or not (@basemap), opacity 0..1 */
    struct app_tiles *tiles;
    /* the picture about to be kept with a unit, decoded on a worker (preview.h; NULL: none is
     * shown, as in tests without a window) */
    struct app_preview *preview;
    int basemap_on;
    float basemap_opacity;
    /* the tablet's battery and free space on the journal's file system (device.h), read for
     * the top bar at most every APP_DEVICE_READ_MS; power_root is the sysfs power-supply class */
    app_power power;
    app_storage storage;
    int64_t device_read_ms; /* monotonic, 0 never */
    char power_root[256];

    /* Today: search and scrolling (screen_today.c) */
    char search[128];   /* typed into @search: code or name, case-insensitive substring */
    int search_on;      /* @search has the keyboard */
    float today_scroll; /* px; a fling keeps it moving at today_vel px/s */
    float today_vel;
    int64_t today_fling_ms; /* the last drag event, then when the fling was last advanced */
    int today_dragging;

    /* Settings (settings.c, screen_settings.c) */
    app_settings set;
    int dpi_cli;  /* --dpi N (overrides the setting for this run), 0 none */
    int lang_cli; /* --lang given: the interface language of this run */
    int auto_dpi; /* what the platform says (or assumes) now: where Settings' +/- start */

    app_nav nav; /* navigation on the Map screen (navigate.c) */

    /* Corrections (screen_points.c, screen_point.c): the point list's scroll and fling, the
     * point shown (by number: a correction gives it a new entry), what a reason is asked for */
    float pts_scroll, pts_vel;
    int64_t pts_fling_ms;
    int pts_dragging;
    char pt_number[SV_NUMBER_MAX];                        /* the point open on the Point screen */
    int64_t void_seq;                                     /* the entry a void reason is asked for */
    char void_what[200];                                  /* what it is, for the decision's label */
    char chg_marker[SV_CODE_MAX], chg_ptype[SV_CODE_MAX]; /* a change waiting for its reason */
    /* Record screen: a re-measurement superseding point entry remeasure (0: a new point) */
    int64_t remeasure;
    char remeasure_number[SV_NUMBER_MAX];
    char remeasure_reason[200];
    double pole_h;   /* this point's pole height, m; NaN: the journal's antenna.height-m */
    int off_north;   /* sv_north of the offset bearing being entered */
    double off_decl; /* the declination given for a magnetic bearing; NaN: the journal's */

    /* Notes (screen_note.c): the current unit's notes and recorded lines (read with its
     * records), the target of the note being written (point, or line from-to; all "" the
     * unit), its phrase code and text */
    sv_note *notes;
    size_t nnotes;
    sv_bline *lines;
    size_t nlines;
    char note_point[SV_NUMBER_MAX], note_from[SV_NUMBER_MAX], note_to[SV_NUMBER_MAX];
    char note_phrase[SV_CODE_MAX];
    char note_text[APP_LONG_TEXT_MAX];
    /* Files (screen_attach.c): the folder pictures are picked from (--photos, default photos/
     * beside the journal), what is there (newest first) and the one chosen (-1 none), what it
     * is, its point and note; the unit's files (read with its records) */
    char photos_dir[1024];
    app_photo *photos;
    size_t nphotos;
    int photo_sel;
    char att_what[24], att_point[SV_NUMBER_MAX], att_note[APP_LONG_TEXT_MAX];
    sv_attachment *atts;
    size_t natts;
    /* Disputes (screen_dispute.c, screen_settle.c): the dispute selected (its entry; 0: the
     * newest open one), the settlement's agreement text and number being entered */
    int64_t dsp_sel;
    char stl_agreement[APP_LONG_TEXT_MAX], stl_number[SV_CODE_MAX];
    /* a screen's scrolled body (app__body_begin, widgets.c): scroll px, fling px/s, the last
     * drag event, a finger on it; reset when another screen opens */
    /* the banner under the top bar while a frame is built (app_build, app__top_bar): the
     * message ("" none), and whether it offers to try failed decisions again */
    char banner[800];
    int banner_retry;
    int discard_shown; /* how many refused decisions the give-up question named */
    float body_scroll, body_vel;
    int64_t body_fling_ms;
    int body_dragging;
} app;

/* Open the app's view of a journal (borrowed; the caller closes it after app_free). */
int app_init(app *a, sv_journal *j);
void app_free(app *a);
/* Re-read units and progress (after anything recorded). Returns SV_OK or an SV_ error. */
int app_reload(app *a);
/* New walk vertices of unit code: its row's progress, and when it is the open unit, the
 * vertices recorded since the map last read its walk, appended (not the whole walk re-read). */
void app_walk_refresh(app *a, const char *code);
/* Open a unit on the map (index into units). */
int app_select_unit(app *a, int idx);
/* Build the current screen into ui. now_ms is the monotonic clock (fix ages). */
void app_build(app *a, app_ui *ui, int64_t now_ms);
/* Act on a gesture against the frame it was made on. Returns 1 when the screen changed. */
int app_on_gesture(app *a, const app_ui *ui, const app_gesture *g);
/* Back one screen (or close the modal layer); returns 0 when already on the first one. */
int app_go_back(app *a);

/* Take the workers' snapshots (main loop, after a wake-up). Reloads what the recorder made
 * durable. Returns 1 when the screen should be redrawn. */
int app_poll_workers(app *a);
/* Typed text (SDL text input, UTF-8) and keys while a text or keypad modal is open. */
int app_on_text(app *a, const char *utf8);
int app_on_key(app *a, int key);
/* Open the screen of the unit with this code (session restore). SV_ENOTFOUND when it is gone. */
int app_open_unit(app *a, const char *code);
/* The window pixel of CGCS2000 (lat, lon) on the map shown (Map or Walk, as last built).
 * Returns 0, or -1 when no map is shown or the position has no place in the unit's plane. */
int app_locate(app *a, double lat, double lon, float *x, float *y);
/* Navigation's target and, with a live fix, distance, true bearing and arrow (navigate.c).
 * Returns info->ok. */
int app_nav_get(app *a, int64_t now_ms, app_nav_info *info);
/* When the screen needs the next timed redraw (averaging progress, objection clocks), ms. */
int64_t app_next_tick(const app *a, int64_t now_ms);

/* Settings file beside journal_path (JOURNAL.settings.json). Load: defaults when there is
 * none; -1 with err when it exists but cannot be used (the defaults are then in *s). */
int app_settings_load(const char *journal_path, app_settings *s, char *err, size_t errlen);
int app_settings_save(const char *journal_path, const app_settings *s, char *err, size_t errlen);
/* The px per mm to lay out with: --dpi, else the setting, else the platform's (platform_ppmm).
 * And the text size factor of the setting. Applies the theme of the setting too. */
float app_px_per_mm(app *a, float platform_ppmm);
float app_text_scale(const app *a);
/* The screen's name (dump-widgets): "today", "map", ... */
const char *app_screen_name(app_screen s);
/* The UI font's advance width at pixel size px of the printable ASCII character c (0x20..0x7e),
 * in whole pixels as the platform lays text out; -1 when it cannot say. Given to
 * app_set_text_advances, the layout measures Latin text with it instead of an estimate
 * (widgets.c), asking each character once per size; NULL goes back to the estimate. Set once,
 * before the first frame. */
typedef int (*app_advance_fn)(void *ctx, int px, int c);
void app_set_text_advances(app_advance_fn fn, void *ctx);
/* Something that measures text as it will be drawn (the platform): 0 with *w, *h or -1. */
typedef int (*app_measure_fn)(void *ctx, const char *utf8, int px, int *w, int *h);
/* Write the frame's widgets as JSON to path (atomically): {"dpi", "screen", "widgets": [{"id",
 * "x", "y", "w", "h", "enabled", "text"}]}, and beyond that per widget "short_mm" and, where
 * it shows text and measure is given, "text_px", "text_width" and "fits". 0, or -1 with err. */
int app_dump_widgets(const app *a, const app_ui *ui, const char *path, app_measure_fn measure,
                     void *ctx, char *err, size_t errlen);

#endif
