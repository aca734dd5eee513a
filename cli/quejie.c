/*
 * quejie.c - the `quejie` command-line tool: a thin client of libsurvey's public headers.
 *
 * The command forms, flags and JSON keys documented in docs/cli.md are a contract county
 * scripts depend on: add, never rename. Every failure exits non-zero with one line on stderr
 * naming the problem; nothing here writes to a journal except through the library.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "survey/capture.h"
#include "survey/export.h"
#include "survey/geo.h"
#include "survey/gnss.h"
#include "survey/journal.h"
#include "survey/lifecycle.h"
#include "survey/state.h"
#include "survey/summary.h"
#include "survey/tasks.h"
#include "sync/client.h"

#include "common/args.h"
#include "common/files.h"
#include "common/table.h"

const char *prog = "quejie";

/* Parse a number option; *ok cleared with a message when malformed. */
static double num_opt(const args *a, const char *name, double def, double lo, double hi, int *ok)
{
    const char *s = get(a, name);
    if (!s)
        return def;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) {
        die(EXIT_USAGE, "%s: '%s' is not a number between %g and %g", name, s, lo, hi);
        *ok = 0;
        return def;
    }
    return v;
}

/* An integer option: like num_opt, but fractions (3.7) and other spellings are refused. */
static long long int_opt(const args *a, const char *name, long long def, long long lo, long long hi,
                         int *ok)
{
    const char *s = get(a, name);
    if (!s)
        return def;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        die(EXIT_USAGE, "%s: '%s' is not a whole number between %lld and %lld", name, s, lo, hi);
        *ok = 0;
        return def;
    }
    return v;
}

/* Copy an option into a fixed field, refusing (not truncating) what does not fit. */
static int fixed_opt(const args *a, const char *name, char *dst, size_t size, const char *def)
{
    const char *s = get(a, name) ? get(a, name) : def;
    if (strlen(s) >= size)
        return die(EXIT_USAGE, "%s: '%s' is too long (at most %zu bytes)", name, s, size - 1);
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

/* ---- shared helpers -------------------------------------------------------------------------- */

static int open_journal(const char *path, int flags, sv_journal **j)
{
    if (!*path) {
        *j = NULL;
        die(EXIT_USAGE, "the journal path is empty");
        return SV_EINVAL;
    }
    int rc = sv_journal_open(path, flags, j);
    if (rc != SV_OK) {
        die(EXIT_FAIL, "%s", *j ? sv_journal_errmsg(*j) : sv_strerror(rc));
        sv_journal_close(*j);
        *j = NULL;
    }
    return rc;
}

/* The exit code after open_journal or open_sync failed on path: an empty path is a usage error
 * (the command line alone shows it), any other failure the journal's. */
static int open_failed(const char *path)
{
    return *path ? EXIT_FAIL : EXIT_USAGE;
}

static int journal_fail(sv_journal *j)
{
    int code = die(EXIT_FAIL, "%s", sv_journal_errmsg(j));
    sv_journal_close(j);
    return code;
}

/* A listing's --unit that names no unit of the journal is refused, as signatures refuses it: a
 * mistyped code would otherwise list nothing, which reads as "no notes" or "no disputes".
 * Returns 1 (message printed, journal closed) when unit is given and missing. */
static int unit_missing(sv_journal *j, const char *unit)
{
    sv_unit u;
    if (!unit)
        return 0;
    if (sv_state_unit(j, unit, &u) != SV_OK) {
        journal_fail(j);
        return 1;
    }
    sv_unit_clear(&u);
    return 0;
}

/* The tail of every decision command: on success print what was recorded with its entry
 * number, on failure the journal's message; the journal is closed either way. */
static int reported(sv_journal *j, int rc, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int reported(sv_journal *j, int rc, int64_t seq, const char *fmt, ...)
{
    if (rc != SV_OK)
        return journal_fail(j);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf(" (entry %lld)\n", (long long)seq);
    sv_journal_close(j);
    return 0;
}

static void iso_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03dZ", (int)(ms % 1000));
}

static void print_json(json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (s) {
        puts(s);
        free(s);
    }
    json_decref(v);
}

/* JSON number, or null for NaN (JSON has no NaN). */
static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* ---- init ------------------------------------------------------------------------------------ */

static int cmd_init(int argc, char **argv)
{
    opt opts[] = {
        {"--device-name", 1}, {"--crew", 1}, {"--epsg", 1}, {"--central-meridian", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    int ok = 1;
    sv_journal_opts o = {0};
    o.device_name = get(&a, "--device-name");
    o.crew = get(&a, "--crew");
    o.epsg = (int)int_opt(&a, "--epsg", 0, 4513, 4554, &ok);
    o.central_meridian = num_opt(&a, "--central-meridian", NAN, 72, 138, &ok);
    if (!ok)
        return EXIT_USAGE;
    if (o.epsg && isfinite(o.central_meridian))
        return die(EXIT_USAGE, "give --epsg or --central-meridian, not both");
    if (!*a.pos[0])
        return die(EXIT_USAGE, "the journal path is empty");
    sv_journal *j;
    int rc = sv_journal_create(a.pos[0], &o, &j);
    if (rc != SV_OK)
        return j ? journal_fail(j) : die(EXIT_FAIL, "%s: %s", a.pos[0], sv_strerror(rc));
    printf("created journal %s for device %s (key in %s.key)\n", a.pos[0], sv_journal_device_id(j),
           a.pos[0]);
    sv_journal_close(j);
    return 0;
}

/* ---- tasks ----------------------------------------------------------------------------------- */

static void note_type(void *ctx, const sv_unit *u)
{
    (void)ctx;
    fprintf(stderr, "%s: note: unit %s has type '%s', not in the unit-type code list\n", prog,
            u->code, u->type);
}

static int tasks_import(int argc, char **argv)
{
    opt opts[] = {{NULL}};
    args a;
    if (parse_args(argc, argv, opts, 2, &a))
        return EXIT_USAGE;
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    sv_geo *g = NULL;
    if (sv_geo_new(&g) != SV_OK) {
        sv_journal_close(j);
        return die(EXIT_FAIL, "cannot initialise PROJ (is proj-data installed?)");
    }
    /* Read, validate and record in one batch: the library's sequence, shared with the app's
     * sync. A failure part-way leaves the journal exactly as it was. */
    sv_tasks_report r;
    sv_diag d = {{0}};
    int rc = sv_tasks_import_file(j, a.pos[1], g, note_type, NULL, &r, &d);
    sv_geo_free(g);
    sv_journal_close(j);
    if (rc != SV_OK)
        return die(EXIT_FAIL, "%s", d.msg[0] ? d.msg : sv_strerror(rc));
    printf("imported %zu unit%s from %s (%s)%s", r.added, r.added == 1 ? "" : "s", a.pos[1], r.crs,
           r.unchanged ? "; unchanged units skipped" : "");
    if (r.skipped)
        printf("; %zu feature%s of other layers (points, lines, walks, tracks, signatures, notes) "
               "ignored",
               r.skipped, r.skipped == 1 ? "" : "s");
    printf("\n");
    if (r.reverify)
        printf("note: the package changes the registered value of %zu verified field%s: what the "
               "crew answered there no longer counts; verify %s again (tasks list shows the "
               "units)\n",
               r.reverify, r.reverify == 1 ? "" : "s", r.reverify == 1 ? "it" : "them");
    if (r.off_zone) {
        char zone[32] = "its own zone";
        if (r.off_zone_epsg)
            snprintf(zone, sizeof zone, "EPSG:%d", r.off_zone_epsg);
        fprintf(stderr,
                "%s: warning: %zu unit%s lie%s outside the journal's Gauss-Kruger zone (%s reaches "
                "%.1f degrees from its central meridian): plane coordinates and plane areas come "
                "out distorted; the unit's zone is %s (was the journal made with another zone's "
                "--epsg? without --epsg each unit goes to its own zone)\n",
                prog, r.off_zone, r.off_zone == 1 ? "" : "s", r.off_zone == 1 ? "s" : "",
                r.off_zone_unit, r.off_zone_deg, zone);
    }
    return 0;
}

static int tasks_list(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sv_journal *j;
    if (open_journal(a.pos[0], SV_OPEN_READONLY, &j) != SV_OK)
        return open_failed(a.pos[0]);
    sv_unit *u;
    size_t n;
    if (sv_state_units(j, &u, &n) != SV_OK)
        return journal_fail(j);
    json_t *arr = get(&a, "--json") ? json_array() : NULL;
    sy_unit_office *office = NULL; /* the office's status of each unit, from the last sync */
    size_t noffice = 0;
    if (sy_unit_office_read(j, &office, &noffice) != SY_OK)
        fprintf(stderr, "%s: warning: the office status of the units cannot be read\n", prog);
    sv_geo *g = NULL;
    if (sv_geo_new(&g) != SV_OK) {
        free(office);
        sv_units_free(u, n);
        sv_journal_close(j);
        return die(EXIT_FAIL, "cannot initialise PROJ (is proj-data installed?)");
    }
    for (size_t i = 0; i < n; i++) {
        /* The unit summary (survey/summary.h); a figure it cannot compute (a position out of
         * the unit's zone) is null here, the rest is still listed. */
        sv_unit_summary sm;
        int src = sv_unit_summarize(j, g, u[i].code, &sm);
        if (src != SV_OK && src != SV_ECRS && src != SV_EINVAL) {
            json_decref(arr);
            free(office);
            sv_geo_free(g);
            sv_units_free(u, n);
            sv_journal_close(j);
            return die(EXIT_FAIL, "%s", sm.problem[0] ? sm.problem : sv_strerror(src));
        }
        /* the disputes the county office settled no longer count as open */
        sy_unit_office_take(j, sy_unit_office_find(office, noffice, u[i].code), &sm);
        const sv_progress pr = sm.progress;
        if (arr) {
            json_t *o = json_object();
            json_object_set_new(o, "code", json_string(u[i].code));
            json_object_set_new(o, "name", jstr(u[i].name));
            json_object_set_new(o, "type", json_string(u[i].type));
            json_object_set_new(o, "location", jstr(u[i].location));
            json_t *own = json_object();
            for (int f = 0; f < SV_FIELD_COUNT; f++)
                json_object_set_new(own, sv_field_name((sv_field)f), jstr(u[i].fields[f]));
            json_object_set_new(o, "ownership", own);
            json_object_set_new(o, "control", jstr(u[i].control));
            json_object_set_new(o, "points", json_integer(pr.points));
            json_object_set_new(o, "vertices", json_integer(pr.vertices));
            json_object_set_new(o, "fields_verified", json_integer(pr.fields_verified));
            json_object_set_new(o, "fields_disputed", json_integer(pr.fields_disputed));
            json_object_set_new(o, "disputes_open", json_integer(pr.disputes_open));
            json_object_set_new(o, "attendance", json_integer(pr.attendance));
            json_object_set_new(o, "signatures", json_integer(pr.signatures));
            json_object_set_new(o, "signatures_current", json_integer(pr.signatures_current));
            json_object_set_new(o, "signatures_missing", json_integer(pr.signatures_missing));
            json_object_set_new(o, "surveyed_area_m2",
                                sm.points >= 3 ? jnum(sm.surveyed.ellipsoidal_m2) : json_null());
            /* whether the points form a valid polygon (null under 3 points), GEOS's reason */
            json_object_set_new(o, "surveyed_valid",
                                sm.points >= 3 && sm.surveyed_valid != SV_VALID_UNKNOWN
                                    ? json_boolean(sm.surveyed_valid == SV_VALID_YES)
                                    : json_null());
            json_object_set_new(o, "surveyed_reason",
                                sm.surveyed_valid == SV_VALID_NO ? json_string(sm.surveyed_reason)
                                                                 : json_null());
            json_object_set_new(o, "draft_area_m2",
                                sm.has_draft ? jnum(sm.draft.ellipsoidal_m2) : json_null());
            json_object_set_new(o, "difference_pct", jnum(sm.difference_pct));
            json_object_set_new(o, "walk_closure_m", jnum(sm.walk_closure_m));
            json_object_set_new(o, "objections_open", json_integer(sm.objections_open));
            /* the unit's stage and what keeps it from done: the library's one rule, as the
             * app's Today and Day end show it */
            const sy_unit_office *of = sy_unit_office_find(office, noffice, u[i].code);
            json_object_set_new(o, "stage",
                                json_string(sv_stage_name(sv_unit_stage_office(
                                    &sm, of ? of->status : NULL, of ? of->returned_seq : 0))));
            json_t *miss = json_array();
            unsigned m = sv_unit_missing(&sm);
            for (unsigned b = 0; b < SV_MISSING_COUNT; b++)
                if (m & (1u << b))
                    json_array_append_new(miss, json_string(sv_missing_name(1u << b)));
            json_object_set_new(o, "missing", miss);
            json_object_set_new(o, "office_status", of ? json_string(of->status) : json_null());
            json_object_set_new(o, "office_note",
                                of && of->has_note ? json_string(of->note) : json_null());
            json_array_append_new(arr, o);
        } else {
            char area[SV_REASON_MAX + 96] = "";
            if (sm.points >= 3 && sm.surveyed_valid == SV_VALID_NO)
                snprintf(area, sizeof area, ", boundary NOT A VALID POLYGON: %s",
                         sm.surveyed_reason);
            else if (sm.points >= 3 && isfinite(sm.surveyed.ellipsoidal_m2))
                snprintf(area, sizeof area, ", area %.4f ha", sm.surveyed.ellipsoidal_m2 / 1e4);
            /* where it stands: the stage of Today, and the office's word when it sent it back */
            const sy_unit_office *of = sy_unit_office_find(office, noffice, u[i].code);
            sv_stage stage =
                sv_unit_stage_office(&sm, of ? of->status : NULL, of ? of->returned_seq : 0);
            printf("%s%*s %s%*s %s  (points %d, verified %d/%d, disputes %d, signatures %d/%d "
                   "current, %d missing%s) %s",
                   COL(u[i].code, 16), COL(u[i].type, 10), u[i].name ? u[i].name : "", pr.points,
                   pr.fields_verified, SV_FIELD_COUNT, pr.disputes_open, pr.signatures_current,
                   pr.signatures, pr.signatures_missing, area, sv_stage_name(stage));
            unsigned m = stage == SV_STAGE_IN_PROGRESS ? sv_unit_missing(&sm) : 0;
            for (unsigned b = 0, first = 1; b < SV_MISSING_COUNT; b++)
                if (m & (1u << b)) {
                    printf("%s%s", first ? ": missing " : ", ", sv_missing_name(1u << b));
                    first = 0;
                }
            if (stage == SV_STAGE_RETURNED)
                printf(": RETURNED by the office%s%s", of && of->has_note ? ": " : "",
                       of && of->has_note ? of->note : "");
            printf("\n");
        }
    }
    sv_geo_free(g);
    free(office);
    if (arr)
        print_json(arr);
    else if (n == 0)
        printf("no units: import a task package with 'quejie tasks import'\n");
    sv_units_free(u, n);
    sv_journal_close(j);
    return 0;
}

/* ---- points ---------------------------------------------------------------------------------- */

static json_t *point_json(const sv_bpoint *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "unit", json_string(p->unit));
    json_object_set_new(o, "number", json_string(p->number));
    json_object_set_new(o, "lat", jnum(p->lat));
    json_object_set_new(o, "lon", jnum(p->lon));
    json_object_set_new(o, "h", jnum(p->h));
    json_object_set_new(o, "status", json_string(sv_grade_name(p->q.grade)));
    json_object_set_new(o, "n", json_integer(p->q.n));
    json_object_set_new(o, "duration_s", jnum(p->q.duration_s));
    json_object_set_new(o, "sigma_e", jnum(p->q.sigma_e));
    json_object_set_new(o, "sigma_n", jnum(p->q.sigma_n));
    json_object_set_new(o, "sigma_u", jnum(p->q.sigma_u));
    json_object_set_new(o, "sats",
                        p->q.sats_used >= 0 ? json_integer(p->q.sats_used) : json_null());
    json_object_set_new(o, "hdop", jnum(p->q.hdop));
    json_object_set_new(o, "dropped", json_integer(p->q.dropped));
    json_object_set_new(o, "seq", json_integer(p->seq));
    if (p->override_reason)
        json_object_set_new(o, "override", json_string(p->override_reason));
    if (p->override_code[0])
        json_object_set_new(o, "override_code", json_string(p->override_code));
    if (p->flags & SV_PT_FAR)
        json_object_set_new(o, "far", json_true());
    json_object_set_new(o, "ground_h", jnum(p->ground_h));
    json_object_set_new(o, "pole_h", p->pole_set > 0 ? jnum(p->pole_h) : json_null());
    json_object_set_new(o, "method", p->method[0] ? json_string(p->method) : json_null());
    if (p->supersedes)
        json_object_set_new(o, "supersedes", json_integer(p->supersedes));
    if (p->shared_unit[0]) {
        json_object_set_new(o, "shared_unit", json_string(p->shared_unit));
        json_object_set_new(o, "shared_number", json_string(p->shared_number));
    }
    if (p->flags & SV_PT_OFFSET) {
        json_object_set_new(o, "offset_north", json_string(sv_north_name(p->off.north)));
        json_object_set_new(o, "offset_bearing_deg", jnum(p->off.bearing_deg));
        json_object_set_new(
            o, "offset_bearing_entered_deg",
            jnum(p->off.north == SV_NORTH_TRUE ? p->off.bearing_deg : p->off.bearing_entered));
        json_object_set_new(o, "offset_correction_deg", jnum(p->off.correction_deg));
        json_object_set_new(o, "offset_distance_m", jnum(p->off.distance_m));
        json_object_set_new(o, "offset_dh_m", jnum(p->off.dh));
    }
    return o;
}

static void print_point(const sv_bpoint *p, int as_json)
{
    if (as_json) {
        json_t *o = point_json(p);
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        puts(s ? s : "{}");
        free(s);
        json_decref(o);
    } else if (p->q.n > 0) {
        char ground[48] = "";
        if (isfinite(p->ground_h))
            snprintf(ground, sizeof ground, " ground %.3f (pole %.3f)", p->ground_h, p->pole_h);
        printf("%s %s  lat %.9f lon %.9f h %.3f%s  %s n=%d %.1fs  sigma E %.3f N %.3f U %.3f m\n",
               p->unit, p->number, p->lat, p->lon, p->h, ground, sv_grade_name(p->q.grade), p->q.n,
               p->q.duration_s, p->q.sigma_e, p->q.sigma_n, p->q.sigma_u);
    } else {
        char h[32] = "";
        if (isfinite(p->h))
            snprintf(h, sizeof h, " h %.3f", p->h);
        printf("%s %s  lat %.9f lon %.9f%s  %s%s%s\n", p->unit, p->number, p->lat, p->lon, h,
               (p->flags & SV_PT_OFFSET) ? "offset, " : "",
               strcmp(p->point_type, "map-read") == 0 ? "map-read" : "typed in",
               (p->flags & SV_PT_FAR) ? ", far from the unit's draft (--far)" : "");
    }
    fflush(stdout);
}

static int check_code(sv_journal *j, const char *list, const char *value, const char *flag)
{
    if (!value || !*value || sv_state_code_known(j, list, value))
        return 0;
    sv_code *c;
    size_t n;
    char known[400] = "";
    if (sv_state_codes(j, list, &c, &n) == SV_OK) {
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(known);
            snprintf(known + len, sizeof known - len, "%s%s", i ? ", " : "", c[i].code);
        }
        sv_codes_free(c, n);
    }
    return die(EXIT_USAGE, "%s '%s' is not in the %s code list (%s)", flag, value, list, known);
}

static int cmd_point_add(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1},
                  {"--lat", 1},
                  {"--lon", 1},
                  {"--h", 1},
                  {"--type", 1},
                  {"--marker", 1},
                  {"--number", 1},
                  {"--note", 1},
                  {"--offset-distance", 1},
                  {"--offset-bearing", 1},
                  {"--offset-dh", 1},
                  {"--corrects", 1},
                  {"--json", 0},
                  {"--far", 0},
                  {"--max-distance", 1},
                  {"--antenna-height", 1},
                  {"--method", 1},
                  {"--north", 1},
                  {"--declination", 1},
                  {"--reason", 1},
                  {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    int ok = 1;
    sv_bpoint p;
    memset(&p, 0, sizeof p);
    p.q = sv_quality_unknown();
    const char *unit = get(&a, "--unit");
    if (!unit || !get(&a, "--lat") || !get(&a, "--lon"))
        return die(EXIT_USAGE, "point add needs --unit, --lat and --lon");
    p.lat = num_opt(&a, "--lat", NAN, -90, 90, &ok);
    p.lon = num_opt(&a, "--lon", NAN, -180, 180, &ok);
    p.h = num_opt(&a, "--h", NAN, -1000, 10000, &ok);
    double dist = num_opt(&a, "--offset-distance", NAN, 0, SV_OFFSET_MAX_M, &ok);
    double brg = num_opt(&a, "--offset-bearing", NAN, 0, 360, &ok);
    double dh = num_opt(&a, "--offset-dh", NAN, -1000, 1000, &ok);
    p.supersedes = (int64_t)int_opt(&a, "--corrects", 0, 1, INT64_MAX, &ok);
    double max_dist = num_opt(&a, "--max-distance", NAN, 0.001, 20100000, &ok);
    /* A typed-in height is the ground's unless a pole height says it is the antenna's. */
    p.pole_h = num_opt(&a, "--antenna-height", 0, 0, SV_POLE_MAX_M, &ok);
    p.pole_set = 1;
    double decl = num_opt(&a, "--declination", NAN, -90, 90, &ok);
    if (!ok)
        return EXIT_USAGE;
    if (get(&a, "--north") && sv_north_parse(get(&a, "--north"), &p.off.north) != SV_OK)
        return die(EXIT_USAGE, "--north '%s': use true, grid or magnetic", get(&a, "--north"));
    if (fixed_opt(&a, "--method", p.method, sizeof p.method, ""))
        return EXIT_USAGE;
    if (p.method[0] && !sv_method_valid(p.method))
        return die(EXIT_USAGE, "--method '%s': use rtk, static, taped, map-read or offset",
                   p.method);
    p.reason = (char *)get(&a, "--reason");
    if (p.reason && !p.supersedes)
        return die(EXIT_USAGE, "--reason goes with --corrects SEQ (why the point is corrected)");
    /* a correction keeps the point's type and marker unless told (the library's rule) */
    const char *type = get(&a, "--type") ? get(&a, "--type") : p.supersedes ? "" : "measured";
    if (fixed_opt(&a, "--unit", p.unit, sizeof p.unit, "") ||
        fixed_opt(&a, "--type", p.point_type, sizeof p.point_type, type) ||
        fixed_opt(&a, "--marker", p.marker, sizeof p.marker, "") ||
        fixed_opt(&a, "--number", p.number, sizeof p.number, ""))
        return EXIT_USAGE;
    p.note = (char *)get(&a, "--note");
    /* Typed-in coordinates are manual; map-read points are what T numbers are for. */
    p.flags = SV_PT_MANUAL;
    if (get(&a, "--far"))
        p.flags |= SV_PT_FAR; /* meant: the library records it far only if it is */
    p.q.n = 0;
    if (isfinite(dist) != isfinite(brg))
        return die(EXIT_USAGE, "an offset needs both --offset-distance and --offset-bearing");
    if (isfinite(dh) && !isfinite(p.h))
        return die(EXIT_USAGE, "--offset-dh needs --h (the occupied spot's height it adds to)");
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    if ((type[0] && check_code(j, "point-type", type, "--type")) ||
        check_code(j, "marker", p.marker, "--marker")) {
        sv_journal_close(j);
        return EXIT_USAGE;
    }
    if (isfinite(dist)) {
        p.off.from_lat = p.lat;
        p.off.from_lon = p.lon;
        p.off.from_h = p.h;
        p.off.distance_m = dist;
        p.off.bearing_deg = brg;
        p.off.bearing_entered = brg;
        p.off.declination_deg = decl;
        p.off.declination_set = isfinite(decl);
        p.off.dh = dh;
        /* the library turns the bearing into a true one and places the point, its height
         * included (docs/journal.md) */
        p.flags |= SV_PT_OFFSET;
    } else if (get(&a, "--north") || isfinite(decl) || isfinite(dh)) {
        sv_journal_close(j);
        return die(EXIT_USAGE, "--north, --declination and --offset-dh describe an offset");
    }
    sv_journal_set_point_limit(j, max_dist); /* NaN: the journal's point.max-distance-m */
    int64_t seq;
    if (sv_record_point(j, &p, &seq) != SV_OK)
        return journal_fail(j);
    p.seq = seq;
    print_point(&p, get(&a, "--json") != NULL);
    sv_journal_close(j);
    return 0;
}

/* An entry's sequence number given on the command line (void, point change): a whole number
 * from 1, else a usage message naming it. */
static int entry_number(const char *arg, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (end == arg || *end || errno || v < 1) {
        die(EXIT_USAGE, "'%s' is not an entry number", arg);
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

/* A correction of a point's marker or type, with a reason: a superseding entry. */
static int cmd_point_change(int argc, char **argv)
{
    opt opts[] = {{"--marker", 1}, {"--type", 1}, {"--reason", 1}, {"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 2, &a))
        return EXIT_USAGE;
    int64_t target;
    if (entry_number(a.pos[1], &target) != 0)
        return EXIT_USAGE;
    if (!get(&a, "--reason"))
        return die(EXIT_USAGE, "point change needs --reason TEXT");
    if (!get(&a, "--marker") && !get(&a, "--type"))
        return die(EXIT_USAGE, "point change needs --marker NAME and/or --type TYPE");
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    if (check_code(j, "point-type", get(&a, "--type"), "--type") ||
        check_code(j, "marker", get(&a, "--marker"), "--marker")) {
        sv_journal_close(j);
        return EXIT_USAGE;
    }
    int64_t seq = 0;
    int rc = sv_record_point_change(j, target, get(&a, "--marker"), get(&a, "--type"),
                                    get(&a, "--reason"), &seq);
    if (rc != SV_OK || !get(&a, "--json"))
        return reported(j, rc, seq, "point entry %lld corrected", (long long)target);
    /* the new point as point add --json gives it */
    char unit[SV_CODE_MAX];
    sv_bpoint *pts = NULL;
    size_t n = 0;
    int shown = 0;
    if (sv_state_entry_unit(j, seq, unit) == SV_OK && sv_state_points(j, unit, &pts, &n) == SV_OK)
        for (size_t i = 0; i < n && !shown; i++)
            if (pts[i].seq == seq)
                print_point(&pts[i], 1), shown = 1;
    sv_bpoints_free(pts, n);
    if (!shown) /* recorded all the same: said so, not reported as a failure */
        print_json(
            json_pack("{s:I, s:I}", "seq", (json_int_t)seq, "supersedes", (json_int_t)target));
    sv_journal_close(j);
    return 0;
}

/* A neighbouring unit's point used as one of this unit's own (kind "share"). */
static int cmd_point_share(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1},   {"--from-unit", 1}, {"--from-number", 1},
                  {"--number", 1}, {"--json", 0},      {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sv_share s;
    memset(&s, 0, sizeof s);
    if (!get(&a, "--unit") || !get(&a, "--from-unit") || !get(&a, "--from-number"))
        return die(EXIT_USAGE, "point share needs --unit, --from-unit and --from-number");
    if (fixed_opt(&a, "--unit", s.unit, sizeof s.unit, "") ||
        fixed_opt(&a, "--from-unit", s.from_unit, sizeof s.from_unit, "") ||
        fixed_opt(&a, "--from-number", s.from_number, sizeof s.from_number, "") ||
        fixed_opt(&a, "--number", s.number, sizeof s.number, ""))
        return EXIT_USAGE;
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    int64_t seq;
    if (sv_record_share(j, &s, &seq) != SV_OK)
        return journal_fail(j);
    sv_bpoint *pts = NULL;
    size_t n = 0;
    int rc = sv_state_points(j, s.unit, &pts, &n);
    for (size_t i = 0; rc == SV_OK && i < n; i++) {
        if (pts[i].seq != seq)
            continue;
        if (get(&a, "--json"))
            print_point(&pts[i], 1);
        else
            printf("%s %s is point %s of unit %s, shared (lat %.9f lon %.9f) (entry %lld)\n",
                   s.unit, s.number, s.from_number, s.from_unit, pts[i].lat, pts[i].lon,
                   (long long)seq);
    }
    sv_bpoints_free(pts, n);
    if (rc != SV_OK) /* recorded all the same: said so, not reported as a failure */
        printf("%s %s is point %s of unit %s, shared (entry %lld)\n", s.unit, s.number,
               s.from_number, s.from_unit, (long long)seq);
    sv_journal_close(j);
    return 0;
}

/* The neighbouring units' points a unit could share: within --within metres of its draft. */
static int cmd_point_near(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1}, {"--within", 1}, {"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    if (!get(&a, "--unit"))
        return die(EXIT_USAGE, "point near needs --unit CODE");
    int ok = 1;
    double within = num_opt(&a, "--within", SV_SHARE_NEAR_M, 0.001, 100000, &ok);
    if (!ok)
        return EXIT_USAGE;
    sv_journal *j;
    if (open_journal(a.pos[0], SV_OPEN_READONLY, &j) != SV_OK)
        return open_failed(a.pos[0]);
    sv_bpoint *pts = NULL;
    double *dist = NULL;
    size_t n = 0;
    if (sv_state_share_candidates(j, get(&a, "--unit"), within, &pts, &dist, &n) != SV_OK)
        return journal_fail(j);
    json_t *arr = get(&a, "--json") ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        if (arr) {
            json_t *o = point_json(&pts[i]);
            json_object_set_new(o, "distance_m", jnum(dist[i]));
            json_array_append_new(arr, o);
        } else {
            printf("%s %s  %.1f m from the draft  lat %.9f lon %.9f  %s%s%s\n", pts[i].unit,
                   pts[i].number, dist[i], pts[i].lat, pts[i].lon,
                   pts[i].method[0]              ? pts[i].method
                   : pts[i].flags & SV_PT_MANUAL ? "typed in"
                                                 : sv_grade_name(pts[i].q.grade),
                   pts[i].marker[0] ? ", " : "", pts[i].marker);
        }
    }
    if (arr)
        print_json(arr);
    else if (!n)
        printf("no point of another unit within %g m of unit %s's draft\n", within,
               get(&a, "--unit"));
    sv_bpoints_free(pts, n);
    free(dist);
    sv_journal_close(j);
    return 0;
}

/* ---- record ---------------------------------------------------------------------------------- */

static volatile sig_atomic_t stop_signal;

/* The averaged point exists only in memory until it is recorded: when another process holds
 * the journal (a long import), keep trying for a minute rather than throw it away. */
static int record_point_retrying(sv_journal *j, sv_bpoint *p, int64_t *seq)
{
    int rc = SV_EBUSY;
    for (int tries = 0; tries < 12 && rc == SV_EBUSY; tries++) {
        rc = sv_record_point(j, p, seq);
        if (rc == SV_EBUSY)
            fprintf(stderr,
                    "%s: journal busy (another process is writing); point %s kept, "
                    "retrying\n",
                    prog, p->unit);
    }
    return rc;
}

static void on_signal(int sig)
{
    stop_signal = sig;
}

static int cmd_record(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1},       {"--gnss", 1},           {"--count", 1},
                  {"--average", 1},    {"--min-seconds", 1},    {"--accept", 1},
                  {"--walk-every", 1}, {"--timeout", 1},        {"--json", 0},
                  {"--marker", 1},     {"--override", 1},       {"--min-spacing", 1},
                  {"--max-speed", 1},  {"--antenna-height", 1}, {"--remeasure", 1},
                  {"--reason", 1},     {"--override-code", 1},  {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *unit = get(&a, "--unit");
    if (!unit)
        return die(EXIT_USAGE, "record needs --unit CODE");
    int ok = 1;
    int count = (int)int_opt(&a, "--count", 1, 1, 1000000, &ok);
    double timeout = num_opt(&a, "--timeout", 0, 0, 1e7, &ok);
    double walk_every = num_opt(&a, "--walk-every", 0, 0.01, 1e5, &ok);
    double spacing = num_opt(&a, "--min-spacing", 0, 0, 1e5, &ok);
    /* NaN: the journal's antenna.height-m, else unknown */
    double pole = num_opt(&a, "--antenna-height", NAN, 0, SV_POLE_MAX_M, &ok);
    int64_t remeasure = (int64_t)int_opt(&a, "--remeasure", 0, 1, INT64_MAX, &ok);
    if (!ok)
        return EXIT_USAGE;
    if (remeasure && (count != 1 || get(&a, "--walk-every")))
        return die(EXIT_USAGE, "--remeasure SEQ records one point (no --count, no --walk-every)");
    if (get(&a, "--reason") && !remeasure)
        return die(EXIT_USAGE, "--reason goes with --remeasure SEQ (why it is measured again)");
    const char *ocode = get(&a, "--override-code");
    if (ocode && !sv_override_reason_find(ocode)) {
        char known[300] = "";
        const sv_reason *r;
        for (size_t i = 0; (r = sv_override_reason_at(i)) != NULL; i++) {
            size_t len = strlen(known);
            snprintf(known + len, sizeof known - len, "%s%s", i ? ", " : "", r->code);
        }
        return die(EXIT_USAGE, "--override-code '%s' is not one of %s", ocode, known);
    }
    int as_json = get(&a, "--json") != NULL;
    /* QUEJIE_DEBUG=1 traces every epoch's verdict on stderr, for support calls. */
    int debug = getenv("QUEJIE_DEBUG") && *getenv("QUEJIE_DEBUG") == '1';

    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    sv_unit u;
    if (sv_state_unit(j, unit, &u) != SV_OK)
        return journal_fail(j);
    sv_unit_clear(&u);
    if (check_code(j, "marker", get(&a, "--marker"), "--marker")) {
        sv_journal_close(j);
        return EXIT_USAGE;
    }
    if (remeasure) {
        /* before the crew stands a minute at the mark: the point must stand in this unit */
        sv_bpoint *pts = NULL;
        size_t n = 0, found = 0;
        if (sv_state_points(j, unit, &pts, &n) != SV_OK)
            return journal_fail(j);
        for (size_t i = 0; i < n && !found; i++)
            found = pts[i].seq == remeasure;
        sv_bpoints_free(pts, n);
        if (!found) {
            sv_journal_close(j);
            return die(EXIT_USAGE, "--remeasure %lld: not a current boundary point of unit %s",
                       (long long)remeasure, unit);
        }
    }

    /* Defaults come from the journal's configuration (the library reads it, as for the app),
     * flags override them. */
    sv_avg_opts avg = sv_state_avg_opts(j);
    sv_walk_opts walk = sv_walk_defaults();
    /* The journal's gate (the county's rule) and this run's, which may be lower. */
    sv_grade gate = avg.accept;
    const char *acc = get(&a, "--accept") ? get(&a, "--accept") : sv_grade_name(gate);
    if (sv_grade_parse(acc, &avg.accept) != SV_OK || avg.accept == SV_GRADE_NONE) {
        sv_journal_close(j);
        return die(EXIT_USAGE, "--accept '%s': use gps, dgps, rtk-float or rtk-fixed", acc);
    }
    walk.accept = avg.accept;
    avg.epochs = (int)int_opt(&a, "--average", avg.epochs, 1, 100000, &ok);
    avg.min_seconds = num_opt(&a, "--min-seconds", avg.min_seconds, 0, 86400, &ok);
    walk.max_speed = num_opt(&a, "--max-speed", walk.max_speed, 0.1, 1000, &ok);
    if (walk_every > 0)
        walk.every_m = walk_every;
    if (!ok) {
        sv_journal_close(j);
        return EXIT_USAGE;
    }

    sv_gnss *g;
    if (sv_gnss_open(get(&a, "--gnss"), &g) != SV_OK) {
        sv_journal_close(j);
        return die(EXIT_USAGE, "--gnss '%s' is not HOST:PORT",
                   get(&a, "--gnss") ? get(&a, "--gnss") : SV_GNSS_DEFAULT);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a signal must wake the poll */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int64_t start = sv_mono_ms();
    int64_t deadline = timeout > 0 ? start + (int64_t)(timeout * 1000) : INT64_MAX;
    int64_t last_warn = 0;
    int recorded = 0, result = 0;
    int64_t track = 0;
    double prev_lat = NAN, prev_lon = NAN;
    sv_averager av;
    sv_walker wk;
    int waiting_spacing = 0;
    sv_avg_start(&av, &avg);
    sv_walk_start(&wk, &walk);
    int carried = 0, carried_now = 0; /* epochs with the pole carried (not averaged), the last */

    while (recorded < count) {
        if (stop_signal) {
            result = die(EXIT_INTERRUPTED,
                         "interrupted by signal %d after %d of %d recorded; "
                         "every reported %s is in the journal",
                         (int)stop_signal, recorded, count, walk_every > 0 ? "vertex" : "point");
            break;
        }
        int64_t now = sv_mono_ms();
        if (now >= deadline) {
            char what[320], avg_what[160];
            sv_avg_describe(&av, avg_what, sizeof avg_what);
            /* the pole never stood still: say so, not only "0/3 epochs" */
            if (carried_now)
                snprintf(what, sizeof what,
                         "%s; the receiver is moving (over %.1f m/s): averaging waits for the pole "
                         "to stand still",
                         avg_what, SV_AVG_STILL_SPEED);
            else if (carried > 0)
                snprintf(what, sizeof what, "%s; %d epochs while moving", avg_what, carried);
            else
                snprintf(what, sizeof what, "%s", avg_what);
            result = die(EXIT_TIMEOUT, "timed out after %.0f s with %d of %d recorded (%s)",
                         timeout, recorded, count,
                         walk_every > 0 ? sv_epoch_verdict_name(wk.last_verdict) : what);
            break;
        }
        int wait = deadline - now < 500 ? (int)(deadline - now) : 500;
        sv_fix f;
        int rc = sv_gnss_poll(g, wait, &f);
        if (rc == SV_ENORECEIVER) {
            if (now - last_warn > 5000) {
                const char *why = sv_gnss_errmsg(g); /* may say when it retries */
                fprintf(stderr, "%s: no receiver: %s%s\n", prog, why,
                        strstr(why, "retrying") ? "" : " (retrying)");
                last_warn = now;
            }
            continue;
        }
        if (rc != SV_OK)
            continue;
        now = sv_mono_ms();
        if (walk_every > 0) {
            sv_vertex v;
            if (!sv_walk_feed(&wk, &f, now, &v))
                continue;
            snprintf(v.unit, sizeof v.unit, "%s", unit);
            v.track = track;
            int64_t seq;
            if (sv_record_vertex(j, &v, &seq) != SV_OK) {
                result = die(EXIT_FAIL, "%s", sv_journal_errmsg(j));
                break;
            }
            if (!track)
                track = seq;
            recorded++;
            if (as_json) {
                json_t *o = json_object();
                json_object_set_new(o, "unit", json_string(unit));
                json_object_set_new(o, "vertex", json_integer(recorded));
                json_object_set_new(o, "track", json_integer(track));
                json_object_set_new(o, "lat", jnum(v.lat));
                json_object_set_new(o, "lon", jnum(v.lon));
                json_object_set_new(o, "h", jnum(v.h));
                json_object_set_new(o, "status", json_string(sv_grade_name(v.q.grade)));
                json_object_set_new(o, "jump", json_boolean(v.jump));
                json_object_set_new(o, "seq", json_integer(seq));
                char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
                puts(s ? s : "{}");
                free(s);
                json_decref(o);
            } else {
                printf("%s vertex %d  lat %.9f lon %.9f  %s%s\n", unit, recorded, v.lat, v.lon,
                       sv_grade_name(v.q.grade), v.jump ? "  JUMP (left out of the boundary)" : "");
            }
            fflush(stdout);
            sv_journal_maintain(j);
            continue;
        }
        /* Between points with --min-spacing: wait until the pole has moved on and stands
         * still again, so one stop does not yield two points. */
        if (spacing > 0 && f.grade > SV_GRADE_NONE) {
            int moving = sv_fix_moving(&f);
            if (debug)
                fprintf(stderr, "%s: spacing: t=%.2f speed %.2f moving %d waiting %d dist %.1f\n",
                        prog, f.time, f.speed, moving, waiting_spacing,
                        waiting_spacing ? sv_geo_distance(prev_lat, prev_lon, f.lat, f.lon, NULL)
                                        : 0.0);
            if (waiting_spacing) {
                if (moving || sv_geo_distance(prev_lat, prev_lon, f.lat, f.lon, NULL) < spacing)
                    continue;
                waiting_spacing = 0;
                sv_avg_start(&av, &avg);
            }
        }
        /* An average restarts when the pole moves or after a gap in the epochs: capture's rule,
         * the same as the app's (sv_avg_restart_rule). A moving epoch is not averaged. */
        sv_avg_restart restart = sv_avg_restart_rule(&av, &f);
        carried_now = restart == SV_AVG_MOVING;
        carried += carried_now;
        if (debug && restart != SV_AVG_KEEP)
            fprintf(stderr, "%s: epoch t=%.2f speed %.2f: average starts again (%s)\n", prog,
                    f.time, f.speed, restart == SV_AVG_MOVING ? "moving" : "gap");
        if (restart == SV_AVG_MOVING)
            continue;
        sv_epoch_verdict verdict = sv_avg_feed(&av, &f, now);
        if (debug) {
            char what[200];
            fprintf(stderr, "%s: epoch t=%.2f %s speed %.2f: %s; %s\n", prog, f.time,
                    sv_grade_name(f.grade), f.speed, sv_epoch_verdict_name(verdict),
                    sv_avg_describe(&av, what, sizeof what));
        }
        if (!sv_avg_done(&av))
            continue;
        sv_bpoint p;
        memset(&p, 0, sizeof p);
        sv_avg_result(&av, &p);
        snprintf(p.unit, sizeof p.unit, "%s", unit);
        snprintf(p.point_type, sizeof p.point_type, "measured");
        snprintf(p.marker, sizeof p.marker, "%s", get(&a, "--marker") ? get(&a, "--marker") : "");
        /* A point below the journal's gate is an override, and says why: the crew's reason,
         * or at least which lower gate this run used. */
        char why[160];
        if (p.q.grade < gate) {
            if (get(&a, "--override") || ocode) {
                p.override_reason = (char *)get(&a, "--override");
                snprintf(p.override_code, sizeof p.override_code, "%s",
                         ocode ? ocode : SV_OVERRIDE_OTHER);
            } else {
                snprintf(why, sizeof why, "recorded with --accept %s below the journal's %s",
                         sv_grade_name(avg.accept), sv_grade_name(gate));
                p.override_reason = why;
                snprintf(p.override_code, sizeof p.override_code, "lower-gate");
            }
            p.flags |= SV_PT_OVERRIDE;
        }
        if (isfinite(pole)) {
            p.pole_h = pole;
            p.pole_set = 1;
        }
        p.supersedes = remeasure;
        p.reason = (char *)get(&a, "--reason");
        int64_t seq;
        if (record_point_retrying(j, &p, &seq) != SV_OK) {
            result = die(EXIT_FAIL, "%s", sv_journal_errmsg(j));
            break;
        }
        p.seq = seq;
        recorded++;
        carried = carried_now = 0; /* the walk to the next point is no carrying to report */
        print_point(&p, as_json);  /* only now: the point is durable */
        sv_journal_maintain(j);    /* checkpoint between points, not before reporting */
        prev_lat = p.lat;
        prev_lon = p.lon;
        waiting_spacing = spacing > 0;
        sv_avg_start(&av, &avg);
    }
    sv_gnss_close(g);
    sv_journal_close(j);
    return result;
}

/* ---- verify ---------------------------------------------------------------------------------- */

static int cmd_verify(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1},  {"--field", 1}, {"--status", 1},
                  {"--value", 1}, {"--note", 1},  {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sv_verification v;
    memset(&v, 0, sizeof v);
    if (!get(&a, "--unit") || !get(&a, "--field") || !get(&a, "--status"))
        return die(EXIT_USAGE, "verify needs --unit, --field and --status");
    if (sv_field_parse(get(&a, "--field"), &v.field) != SV_OK)
        return die(EXIT_USAGE,
                   "--field '%s': use owner, representative, agent, mode, rights or "
                   "manager",
                   get(&a, "--field"));
    if (sv_vstatus_parse(get(&a, "--status"), &v.status) != SV_OK)
        return die(EXIT_USAGE, "--status '%s': use confirmed, corrected or disputed",
                   get(&a, "--status"));
    /* the library's rule (a corrected field needs its new value, a disputed one a statement),
     * said here: the command line alone shows it */
    if (v.status == SV_VERIFY_CORRECTED && !(get(&a, "--value") && *get(&a, "--value")))
        return die(EXIT_USAGE, "--status corrected needs --value TEXT (the field's new value)");
    if (v.status == SV_VERIFY_DISPUTED && !(get(&a, "--note") && *get(&a, "--note")))
        return die(EXIT_USAGE, "--status disputed needs --note TEXT (a statement of the dispute)");
    if (fixed_opt(&a, "--unit", v.unit, sizeof v.unit, ""))
        return EXIT_USAGE;
    v.value = (char *)get(&a, "--value");
    v.note = (char *)get(&a, "--note");
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    int64_t seq = 0;
    int rc = sv_record_verification(j, &v, &seq);
    return reported(j, rc, seq, "%s %s %s", v.unit, sv_field_name(v.field),
                    sv_vstatus_name(v.status));
}

/* ---- area ------------------------------------------------------------------------------------ */

/* A polygon's validity for --json: true, false, or null when not decided. */
static json_t *jvalid(sv_validity v)
{
    return v == SV_VALID_UNKNOWN ? json_null() : json_boolean(v == SV_VALID_YES);
}

static int cmd_area(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1}, {"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *code = get(&a, "--unit");
    if (!code)
        return die(EXIT_USAGE, "area needs --unit CODE");
    sv_journal *j;
    if (open_journal(a.pos[0], SV_OPEN_READONLY, &j) != SV_OK)
        return open_failed(a.pos[0]);
    sv_geo *g = NULL;
    if (sv_geo_new(&g) != SV_OK) {
        sv_journal_close(j);
        return die(EXIT_FAIL, "cannot initialise PROJ (is proj-data installed?)");
    }
    /* Every figure comes from the one unit summary (survey/summary.h), as in the app and the
     * exports. A figure it cannot compute (a position beyond the unit's zone: SV_ECRS) is
     * printed as null with the others and the problem named; the command then exits 1. */
    sv_unit_summary s;
    int rc = sv_unit_summarize(j, g, code, &s);
    int partial = rc == SV_ECRS;
    if (rc != SV_OK && !partial) {
        int result = die(EXIT_FAIL, "%s", s.problem[0] ? s.problem : sv_strerror(rc));
        sv_geo_free(g);
        sv_journal_close(j);
        return result;
    }
    const sv_area *ar = &s.surveyed;
    size_t nw = s.walk_vertices;
    int has_area = s.points >= 3; /* as tasks list and the exports: no polygon, no area */
    if (get(&a, "--json")) {
        json_t *o = json_object();
        json_object_set_new(o, "unit", json_string(code));
        /* every current boundary point, as tasks list counts them (the area's own count
         * leaves out a point repeating its predecessor's position) */
        json_object_set_new(o, "points", json_integer((json_int_t)s.points));
        json_object_set_new(o, "ellipsoidal_m2", has_area ? jnum(ar->ellipsoidal_m2) : json_null());
        json_object_set_new(o, "plane_m2", has_area ? jnum(ar->plane_m2) : json_null());
        json_object_set_new(o, "perimeter_m", jnum(ar->perimeter_m));
        json_object_set_new(o, "plane_perimeter_m", jnum(ar->plane_perimeter_m));
        json_object_set_new(o, "closing_m", jnum(ar->closing_m));
        json_object_set_new(o, "epsg", s.crs.epsg ? json_integer(s.crs.epsg) : json_null());
        json_object_set_new(o, "central_meridian", jnum(sv_geo_central_meridian(s.crs)));
        json_object_set_new(o, "draft_ellipsoidal_m2",
                            s.has_draft ? jnum(s.draft.ellipsoidal_m2) : json_null());
        json_object_set_new(o, "draft_plane_m2",
                            s.has_draft ? jnum(s.draft.plane_m2) : json_null());
        json_object_set_new(o, "difference_pct", jnum(s.difference_pct));
        json_object_set_new(o, "walk_vertices", json_integer((json_int_t)nw));
        json_object_set_new(o, "walk_ellipsoidal_m2",
                            nw >= 3 ? json_real(s.walked.ellipsoidal_m2) : json_null());
        json_object_set_new(o, "walk_closure_m", jnum(s.walk_closure_m));
        json_object_set_new(o, "walk_deviation_max_m", nw ? jnum(s.deviation.max_m) : json_null());
        json_object_set_new(o, "walk_deviation_rms_m", nw ? jnum(s.deviation.rms_m) : json_null());
        /* added with the unit summary */
        json_object_set_new(o, "walks", json_integer((json_int_t)s.walks));
        json_object_set_new(o, "walk_plane_m2", nw >= 3 ? jnum(s.walked.plane_m2) : json_null());
        json_object_set_new(o, "valid", jvalid(s.surveyed_valid));
        json_object_set_new(o, "invalid_reason",
                            s.surveyed_valid == SV_VALID_NO ? json_string(s.surveyed_reason)
                                                            : json_null());
        json_object_set_new(o, "walk_valid", jvalid(s.walked_valid));
        json_object_set_new(o, "walk_invalid_reason",
                            s.walked_valid == SV_VALID_NO ? json_string(s.walked_reason)
                                                          : json_null());
        json_object_set_new(o, "fields_verified", json_integer(s.progress.fields_verified));
        json_object_set_new(o, "fields_disputed", json_integer(s.progress.fields_disputed));
        json_object_set_new(o, "disputes_open", json_integer(s.progress.disputes_open));
        json_object_set_new(o, "signatures_missing", json_integer(s.progress.signatures_missing));
        json_object_set_new(o, "absent", json_integer(s.absent));
        json_object_set_new(o, "objections_open", json_integer(s.objections_open));
        json_object_set_new(o, "objections_until",
                            s.objections_until[0] ? json_string(s.objections_until) : json_null());
        json_object_set_new(o, "problem", partial ? json_string(s.problem) : json_null());
        print_json(o);
    } else {
        printf("unit %s  (%s)\n", code, sv_geo_crs_name(g, s.crs));
        printf("  boundary points     %zu\n", s.points);
        if (has_area) {
            printf("  ellipsoidal area    %.2f m2  (%.4f ha)\n", ar->ellipsoidal_m2,
                   ar->ellipsoidal_m2 / 1e4);
            if (isfinite(ar->plane_m2))
                printf("  GK plane area       %.2f m2  (plane - ellipsoidal: %+.3f %%)\n",
                       ar->plane_m2,
                       ar->ellipsoidal_m2 > 0
                           ? 100 * (ar->plane_m2 - ar->ellipsoidal_m2) / ar->ellipsoidal_m2
                           : 0.0);
            else
                printf("  GK plane area       not computed (see below)\n");
        } else {
            printf("  ellipsoidal area    none yet (3 boundary points make an area)\n");
        }
        printf("  geodesic perimeter  %.2f m  (closing edge %.2f m)\n", ar->perimeter_m,
               ar->closing_m);
        if (s.has_draft && isfinite(s.difference_pct))
            printf("  draft area          %.2f m2  (difference %+.2f %%)\n", s.draft.ellipsoidal_m2,
                   s.difference_pct);
        else if (s.has_draft)
            printf("  draft area          %.2f m2\n", s.draft.ellipsoidal_m2);
        else
            printf("  draft area          none (the unit has no draft polygon)\n");
        if (s.surveyed_valid == SV_VALID_NO)
            printf("  NOT A VALID POLYGON %s\n", s.surveyed_reason);
        if (nw)
            printf("  walk                %zu vertices, closure gap %.2f m, deviation from draft "
                   "max %.2f m rms %.2f m\n",
                   nw, isfinite(s.walk_closure_m) ? s.walk_closure_m : 0.0,
                   isfinite(s.deviation.max_m) ? s.deviation.max_m : 0.0,
                   isfinite(s.deviation.rms_m) ? s.deviation.rms_m : 0.0);
        if (s.walked_valid == SV_VALID_NO)
            printf("  walk NOT A VALID POLYGON %s\n", s.walked_reason);
    }
    sv_geo_free(g);
    sv_journal_close(j);
    if (partial)
        return die(EXIT_FAIL, "not every figure could be computed: %s", s.problem);
    return 0;
}

/* ---- check, log, export ------------------------------------------------------------------------
 */

static int cmd_check(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sv_journal *j;
    if (open_journal(a.pos[0], SV_OPEN_READONLY, &j) != SV_OK)
        return open_failed(a.pos[0]);
    sv_check_report r;
    int rc = sv_journal_check(j, &r);
    if (rc != SV_OK && rc != SV_ECORRUPT)
        return journal_fail(j);
    if (get(&a, "--json")) {
        json_t *o = json_object();
        json_object_set_new(o, "ok", json_boolean(rc == SV_OK));
        json_object_set_new(o, "entries", json_integer(r.entries));
        json_object_set_new(o, "chain", json_boolean(r.chain_ok));
        json_object_set_new(o, "signature", json_boolean(r.signature_ok));
        json_object_set_new(o, "sqlite", json_boolean(r.sqlite_ok));
        json_object_set_new(o, "state", json_boolean(r.state_ok));
        json_object_set_new(o, "files", json_boolean(r.files_ok));
        json_object_set_new(o, "detail", json_string(r.detail));
        print_json(o);
    } else if (rc == SV_OK) {
        printf("%s: ok: %lld entries; hash chain, head signature, SQLite integrity, derived "
               "state and kept files verified (device %s)\n",
               a.pos[0], (long long)r.entries, sv_journal_device_id(j));
    }
    sv_journal_close(j);
    if (rc != SV_OK)
        return die(EXIT_FAIL, "%s: check FAILED: %s", a.pos[0], r.detail);
    return 0;
}

struct log_ctx {
    json_t *arr;
    const char *device; /* the journal's device id: part of every entry's hash */
};

static void hex32(const uint8_t h[SV_HASH_BYTES], char out[2 * SV_HASH_BYTES + 1])
{
    for (int i = 0; i < SV_HASH_BYTES; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static int log_entry(const sv_entry *e, void *ctx)
{
    struct log_ctx *c = ctx;
    char when[40], hex[17];
    iso_time(e->time_ms, when, sizeof when);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", e->hash[i]);
    if (c->arr) {
        json_error_t err;
        json_t *o = json_object();
        json_object_set_new(o, "seq", json_integer(e->seq));
        json_object_set_new(o, "time", json_string(when));
        json_object_set_new(o, "kind", json_string(e->kind));
        json_t *p = json_loadb(e->payload, e->payload_len, 0, &err);
        json_t *raw = json_stringn(e->payload, e->payload_len); /* NULL unless valid UTF-8 */
        json_object_set_new(o, "payload", p ? p : raw ? json_incref(raw) : json_null());
        char full[2 * SV_HASH_BYTES + 1];
        hex32(e->hash, full);
        json_object_set_new(o, "hash", json_string(full));
        /* What an outside reader needs to re-hash the entry (docs/journal.md, "Hash"). */
        json_object_set_new(o, "time_ms", json_integer(e->time_ms));
        hex32(e->prev_hash, full);
        json_object_set_new(o, "prev_hash", json_string(full));
        json_object_set_new(o, "payload_raw", raw ? raw : json_null());
        json_object_set_new(o, "device", json_string(c->device));
        json_array_append_new(c->arr, o);
    } else {
        size_t shown = sv_utf8_prefix(e->payload, e->payload_len, 90);
        printf("%6lld  %s  %-8s %s  %.*s%s\n", (long long)e->seq, when, e->kind, hex, (int)shown,
               e->payload, shown < e->payload_len ? "..." : "");
    }
    return 0;
}

static int cmd_log(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {"--from", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    int ok = 1;
    int64_t from = (int64_t)int_opt(&a, "--from", 1, 1, INT64_MAX, &ok);
    if (!ok)
        return EXIT_USAGE;
    sv_journal *j;
    if (open_journal(a.pos[0], SV_OPEN_READONLY, &j) != SV_OK)
        return open_failed(a.pos[0]);
    struct log_ctx c = {get(&a, "--json") ? json_array() : NULL, sv_journal_device_id(j)};
    int rc = sv_journal_foreach(j, from, log_entry, &c);
    if (c.arr)
        print_json(c.arr);
    if (rc != SV_OK)
        return journal_fail(j);
    sv_journal_close(j);
    return 0;
}

static int cmd_export(int argc, char **argv)
{
    opt opts[] = {{"--format", 1}, {"--output", 1}, {"--unit", 1}, {"--bom", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sv_export_format fmt;
    if (!get(&a, "--format") || !get(&a, "--output"))
        return die(EXIT_USAGE, "export needs --format gpkg|geojson|csv|forms and --output FILE");
    if (!*get(&a, "--output"))
        return die(EXIT_USAGE, "--output: the output file name is empty");
    if (sv_export_format_parse(get(&a, "--format"), &fmt) != SV_OK)
        return die(EXIT_USAGE, "--format '%s': use gpkg, geojson, csv or forms",
                   get(&a, "--format"));
    if (fmt == SV_EXPORT_NOTICE)
        return die(EXIT_USAGE, "--format notice: the public notice (公告) is printed at the "
                               "county office, which keeps the notice periods "
                               "(quejie-office export OFFICE_DB --format notice)");
    if (get(&a, "--bom") && fmt != SV_EXPORT_CSV)
        return die(EXIT_USAGE, "--bom is for --format csv only (JSON text must not start with a "
                               "byte-order mark; a GeoPackage is an SQLite file)");
    sv_export_options eo = {.bom = get(&a, "--bom") != NULL};
    sv_journal *j;
    if (open_journal(a.pos[0], SV_OPEN_READONLY, &j) != SV_OK)
        return open_failed(a.pos[0]);
    sv_geo *g;
    if (sv_geo_new(&g) != SV_OK) {
        sv_journal_close(j);
        return die(EXIT_FAIL, "cannot initialise PROJ (is proj-data installed?)");
    }
    sv_export_stats st;
    sv_diag d = {{0}};
    int rc = sv_export_opts(j, g, fmt, get(&a, "--unit"), get(&a, "--output"), &eo, &st, &d);
    sv_geo_free(g);
    sv_journal_close(j);
    if (rc != SV_OK)
        return die(EXIT_FAIL, "%s", d.msg[0] ? d.msg : sv_strerror(rc));
    if (st.lines_unjoined)
        fprintf(stderr,
                "quejie: warning: %zu recorded boundary line(s) not drawn: an end point is no "
                "longer a current point (first: %s); withdraw the line or record its end again\n",
                st.lines_unjoined, st.unjoined_first);
    if (fmt == SV_EXPORT_CSV)
        printf("wrote %s: %zu boundary points\n", get(&a, "--output"), st.points);
    else if (fmt == SV_EXPORT_FORMS)
        printf("wrote %s: the boundary forms of %zu unit%s (%zu boundary points, %zu lines), "
               "to print from a browser\n",
               get(&a, "--output"), st.units, st.units == 1 ? "" : "s", st.points, st.lines);
    else if (st.signatures)
        printf("wrote %s: %zu units, %zu boundary points, %zu lines, %zu walk vertices, %zu "
               "signatures\n",
               get(&a, "--output"), st.units, st.points, st.lines, st.vertices, st.signatures);
    else
        printf("wrote %s: %zu units, %zu boundary points, %zu lines, %zu walk vertices\n",
               get(&a, "--output"), st.units, st.points, st.lines, st.vertices);
    return 0;
}

/* ---- further decisions: line, dispute, attend, void, codes, config ----------------------------
 */

static int cmd_dispute(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1}, {"--parties", 1}, {"--statement", 1},
                  {"--from", 1}, {"--to", 1},      {"--number", 1},
                  {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sv_dispute d;
    memset(&d, 0, sizeof d);
    if (!get(&a, "--unit") || !get(&a, "--statement"))
        return die(EXIT_USAGE, "dispute needs --unit and --statement");
    if (fixed_opt(&a, "--unit", d.unit, sizeof d.unit, "") ||
        fixed_opt(&a, "--from", d.from, sizeof d.from, "") ||
        fixed_opt(&a, "--to", d.to, sizeof d.to, "") ||
        fixed_opt(&a, "--number", d.number, sizeof d.number, ""))
        return EXIT_USAGE;
    if (!d.from[0] != !d.to[0])
        return die(EXIT_USAGE, "give --from and --to together: a dispute along the boundary "
                               "needs both end points");
    if (d.from[0] && strcmp(d.from, d.to) == 0)
        return die(EXIT_USAGE, "--from and --to are the same point (%s)", d.from);
    d.parties = (char *)get(&a, "--parties");
    d.statement = (char *)get(&a, "--statement");
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    int64_t seq = 0;
    int rc = sv_record_dispute(j, &d, &seq);
    char number[SV_CODE_MAX];
    if (d.number[0])
        memcpy(number, d.number, sizeof number);
    else
        sv_dispute_number(d.unit, seq, number);
    return reported(j, rc, seq, "dispute %s recorded for %s", number, d.unit);
}

/* The on-site settlement of a dispute (kind "settle"); signatures follow with `quejie sign`. */
static int cmd_dispute_settle(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1}, {"--dispute", 1}, {"--agreement", 1}, {"--number", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    if (!get(&a, "--unit") || !get(&a, "--dispute") || !get(&a, "--agreement"))
        return die(EXIT_USAGE, "dispute settle needs --unit, --dispute SEQ and --agreement TEXT");
    sv_settlement t;
    memset(&t, 0, sizeof t);
    if (fixed_opt(&a, "--unit", t.unit, sizeof t.unit, "") ||
        fixed_opt(&a, "--number", t.number, sizeof t.number, "") ||
        entry_number(get(&a, "--dispute"), &t.dispute) != 0)
        return EXIT_USAGE;
    t.agreement = (char *)get(&a, "--agreement");
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    int64_t seq = 0;
    int rc = sv_record_settlement(j, &t, &seq);
    char number[SV_CODE_MAX];
    if (t.number[0])
        memcpy(number, t.number, sizeof number);
    else
        sv_agreement_number(t.unit, seq, number);
    return reported(j, rc, seq,
                    "dispute %lld of %s settled on site, agreement %s (record the parties' "
                    "signatures with quejie sign)",
                    (long long)t.dispute, t.unit, number);
}

/* A unit's disputes with the lines each covers (sv_dispute_covers_line). */
static int cmd_dispute_list(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1}, {"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *unit = get(&a, "--unit");
    sv_journal *j;
    if (open_journal(a.pos[0], SV_OPEN_READONLY, &j) != SV_OK)
        return open_failed(a.pos[0]);
    if (unit_missing(j, unit))
        return EXIT_FAIL;
    sv_dispute *d;
    size_t n;
    sv_bpoint *pts;
    size_t np;
    if (sv_state_disputes(j, unit, &d, &n) != SV_OK)
        return journal_fail(j);
    if (sv_state_points(j, unit, &pts, &np) != SV_OK) {
        sv_disputes_free(d, n);
        return journal_fail(j);
    }
    const char **ring = malloc((np ? np : 1) * sizeof *ring);
    if (!ring) {
        sv_disputes_free(d, n);
        sv_bpoints_free(pts, np);
        sv_journal_close(j);
        return die(EXIT_FAIL, "out of memory");
    }
    /* the recorded lines: a dispute covers one between exactly its two points too, as every
     * export marks it (sv_dispute_covers_line) */
    sv_bline *rl = NULL;
    size_t nrl = 0;
    if (sv_state_lines(j, unit, &rl, &nrl) != SV_OK) {
        free(ring);
        sv_disputes_free(d, n);
        sv_bpoints_free(pts, np);
        return journal_fail(j);
    }
    json_t *arr = get(&a, "--json") ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        /* the unit's ring: its points in the state's order */
        size_t nr = 0;
        for (size_t k = 0; k < np; k++)
            if (strcmp(pts[k].unit, d[i].unit) == 0)
                ring[nr++] = pts[k].number;
        json_t *lines = json_array();
        for (size_t k = 0; nr >= 2 && k < nr; k++) {
            const char *x = ring[k], *y = ring[(k + 1) % nr];
            if (nr == 2 && k == 1)
                break;
            if (sv_dispute_covers_line(&d[i], ring, nr, x, y))
                json_array_append_new(lines, json_pack("[ss]", x, y));
        }
        for (size_t k = 0; k < nrl; k++) {
            if (strcmp(rl[k].unit, d[i].unit) != 0 ||
                !sv_dispute_covers_line(&d[i], ring, nr, rl[k].from, rl[k].to))
                continue;
            int listed = 0; /* a ring edge recorded as a line is listed once */
            size_t li;
            json_t *l;
            json_array_foreach(lines, li, l)
            {
                const char *x = json_string_value(json_array_get(l, 0)),
                           *y = json_string_value(json_array_get(l, 1));
                listed |= x && y &&
                          ((strcmp(x, rl[k].from) == 0 && strcmp(y, rl[k].to) == 0) ||
                           (strcmp(x, rl[k].to) == 0 && strcmp(y, rl[k].from) == 0));
            }
            if (!listed)
                json_array_append_new(lines, json_pack("[ss]", rl[k].from, rl[k].to));
        }
        char when[40];
        iso_time(d[i].time_ms, when, sizeof when);
        if (arr) {
            json_t *o = json_object();
            json_object_set_new(o, "seq", json_integer(d[i].seq));
            json_object_set_new(o, "time", json_string(when));
            json_object_set_new(o, "unit", json_string(d[i].unit));
            json_object_set_new(o, "number", json_string(d[i].number));
            json_object_set_new(o, "parties", jstr(d[i].parties));
            json_object_set_new(o, "statement", jstr(d[i].statement));
            json_object_set_new(o, "from", d[i].from[0] ? json_string(d[i].from) : json_null());
            json_object_set_new(o, "to", d[i].to[0] ? json_string(d[i].to) : json_null());
            json_object_set_new(o, "lines", lines);
            json_object_set_new(o, "settled", json_boolean(d[i].settled));
            json_object_set_new(o, "settled_by",
                                d[i].settled_by ? json_integer(d[i].settled_by) : json_null());
            json_object_set_new(o, "agreement", jstr(d[i].agreement));
            json_object_set_new(o, "agreement_number",
                                d[i].agreement_no[0] ? json_string(d[i].agreement_no)
                                                     : json_null());
            json_array_append_new(arr, o);
        } else {
            /* every covered line, however many (a fixed buffer cut a long stretch mid-number) */
            printf("%6lld  %s  %s  %s  %s; lines: ", (long long)d[i].seq, when, d[i].unit,
                   d[i].number, d[i].statement ? d[i].statement : "");
            size_t li;
            json_t *l;
            json_array_foreach(lines, li, l)
            {
                printf("%s%s-%s", li ? ", " : "", json_string_value(json_array_get(l, 0)),
                       json_string_value(json_array_get(l, 1)));
            }
            printf("%s; %s%s%s\n", json_array_size(lines) ? "" : "none",
                   d[i].settled ? "settled" : "open", d[i].agreement_no[0] ? ", agreement " : "",
                   d[i].agreement_no);
            json_decref(lines);
        }
    }
    if (arr)
        print_json(arr);
    else if (n == 0)
        printf("no disputes%s%s\n", unit ? " for " : "", unit ? unit : "");
    free(ring);
    sv_blines_free(rl, nrl);
    sv_disputes_free(d, n);
    sv_bpoints_free(pts, np);
    sv_journal_close(j);
    return 0;
}

/* ---- notes ---------------------------------------------------------------------------------- */

/* "J1-J2" into from and to; 0, or the usage exit code after saying why. */
static int line_ends(const char *arg, char *from, char *to, size_t size)
{
    const char *dash = strchr(arg, '-');
    if (!dash || dash == arg || !dash[1] || (size_t)(dash - arg) >= size ||
        strlen(dash + 1) >= size)
        return die(EXIT_USAGE, "--line '%s': use FROM-TO, e.g. J1-J2", arg);
    memcpy(from, arg, (size_t)(dash - arg));
    from[dash - arg] = '\0';
    memcpy(to, dash + 1, strlen(dash + 1) + 1);
    if (strcmp(from, to) == 0)
        return die(EXIT_USAGE, "--line '%s': the end points are the same", arg);
    return 0;
}

static int cmd_note_add(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1}, {"--point", 1},  {"--line", 1},
                  {"--text", 1}, {"--phrase", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    if (!get(&a, "--unit") || (!get(&a, "--text") && !get(&a, "--phrase")))
        return die(EXIT_USAGE, "note add needs --unit and --text TEXT or --phrase CODE");
    if (get(&a, "--point") && get(&a, "--line"))
        return die(EXIT_USAGE, "note add: give --point or --line, not both");
    sv_note n;
    memset(&n, 0, sizeof n);
    if (fixed_opt(&a, "--unit", n.unit, sizeof n.unit, "") ||
        fixed_opt(&a, "--point", n.point, sizeof n.point, "") ||
        fixed_opt(&a, "--phrase", n.phrase, sizeof n.phrase, ""))
        return EXIT_USAGE;
    if (get(&a, "--line") && line_ends(get(&a, "--line"), n.from, n.to, sizeof n.from))
        return EXIT_USAGE;
    n.text = (char *)get(&a, "--text");
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    int64_t seq = 0;
    int rc = sv_record_note(j, &n, &seq);
    return reported(j, rc, seq, "note on %s %s%s%s%s%s recorded", sv_note_target(&n), n.unit,
                    n.point[0] ? " " : "", n.point, n.from[0] ? " " : "",
                    n.from[0] ? get(&a, "--line") : "");
}

/* ---- files kept with units (photographs of the signed forms, markers, the site) ------------ */

static int cmd_attach(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1},  {"--file", 1}, {"--what", 1},
                  {"--point", 1}, {"--note", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *file = get(&a, "--file"), *what = get(&a, "--what");
    if (!get(&a, "--unit") || !file || !what)
        return die(EXIT_USAGE,
                   "attach needs --unit CODE --file PHOTO.jpg|.png|SCAN.pdf"
                   " --what signed_form|agreement|dispute_statement|notice|photo|other");
    if (!sv_attach_what_ok(what))
        return die(EXIT_USAGE,
                   "--what: signed_form, agreement, dispute_statement, notice, photo or other, "
                   "not '%s'",
                   what);
    sv_attachment at;
    memset(&at, 0, sizeof at);
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    if (fixed_opt(&a, "--unit", at.unit, sizeof at.unit, "") ||
        fixed_opt(&a, "--point", at.point, sizeof at.point, ""))
        return EXIT_USAGE;
    snprintf(at.what, sizeof at.what, "%s", what);
    if (strlen(base) >= sizeof at.name)
        return die(EXIT_USAGE, "%s: the file's name is longer than %zu bytes", file,
                   sizeof at.name - 1);
    snprintf(at.name, sizeof at.name, "%s", base);
    at.note = (char *)get(&a, "--note");
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    int64_t seq = 0;
    int rc = sv_record_attachment_file(j, &at, file, &seq);
    return reported(j, rc, seq, "%s kept with unit %s%s%s as %s (%s, %lld bytes, sha256 %.16s...)",
                    at.name, at.unit, at.point[0] ? " at point " : "", at.point, at.what, at.type,
                    (long long)at.bytes, at.sha256);
}

static int cmd_attachments(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1}, {"--json", 0}, {"--save", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *unit = get(&a, "--unit"), *save = get(&a, "--save");
    sv_journal *j;
    if (open_journal(a.pos[0], SV_OPEN_READONLY, &j) != SV_OK)
        return open_failed(a.pos[0]);
    if (unit_missing(j, unit))
        return EXIT_FAIL;
    sv_attachment *o;
    size_t n;
    if (sv_state_attachments(j, unit, &o, &n) != SV_OK)
        return journal_fail(j);
    json_t *arr = get(&a, "--json") && !save ? json_array() : NULL;
    int code = 0;
    for (size_t i = 0; i < n && !code; i++) {
        char when[40];
        iso_time(o[i].time_ms, when, sizeof when);
        if (save) {
            void *data;
            size_t len;
            char path[4096];
            if (sv_journal_file(j, o[i].sha256, &data, &len, NULL) != SV_OK) {
                code = die(EXIT_FAIL, "%s", sv_journal_errmsg(j));
                break;
            }
            if (save_named(save, o[i].name, o[i].sha256, data, len, path, sizeof path))
                code = die(EXIT_FAIL, "%s: %s", path, strerror(errno));
            free(data);
        } else if (arr) {
            json_t *v = json_object();
            json_object_set_new(v, "seq", json_integer(o[i].seq));
            json_object_set_new(v, "time", json_string(when));
            json_object_set_new(v, "unit", json_string(o[i].unit));
            json_object_set_new(v, "point", o[i].point[0] ? json_string(o[i].point) : json_null());
            json_object_set_new(v, "what", json_string(o[i].what));
            json_object_set_new(v, "name", json_string(o[i].name));
            json_object_set_new(v, "type", json_string(o[i].type));
            json_object_set_new(v, "bytes", json_integer(o[i].bytes));
            json_object_set_new(v, "sha256", json_string(o[i].sha256));
            json_object_set_new(v, "note", jstr(o[i].note));
            json_object_set_new(v, "at_office", json_boolean(o[i].at_office));
            json_array_append_new(arr, v);
        } else {
            printf("%6lld  %s  %s%s%s  %-17s %s  %lld bytes  %s\n", (long long)o[i].seq, when,
                   o[i].unit, o[i].point[0] ? " " : "", o[i].point, o[i].what, o[i].name,
                   (long long)o[i].bytes,
                   o[i].at_office ? "at the office" : "not yet at the office");
            if (o[i].note)
                printf("        %s\n", o[i].note);
        }
    }
    if (arr)
        print_json(arr);
    else if (n == 0 && !save)
        printf("no files kept%s%s\n", unit ? " with " : "", unit ? unit : "");
    sv_attachments_free(o, n);
    sv_journal_close(j);
    return code;
}

static int cmd_note_list(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1}, {"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *unit = get(&a, "--unit");
    sv_journal *j;
    if (open_journal(a.pos[0], SV_OPEN_READONLY, &j) != SV_OK)
        return open_failed(a.pos[0]);
    if (unit_missing(j, unit))
        return EXIT_FAIL;
    sv_note *o;
    size_t n;
    if (sv_state_notes(j, unit, &o, &n) != SV_OK)
        return journal_fail(j);
    json_t *arr = get(&a, "--json") ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        char when[40], target[2 * SV_NUMBER_MAX + 8];
        iso_time(o[i].time_ms, when, sizeof when);
        const char *kind = sv_note_target(&o[i]);
        snprintf(target, sizeof target, "%s", o[i].point[0] ? o[i].point : "");
        if (strcmp(kind, "line") == 0)
            snprintf(target, sizeof target, "%s-%s", o[i].from, o[i].to);
        if (arr) {
            json_t *v = json_object();
            json_object_set_new(v, "seq", json_integer(o[i].seq));
            json_object_set_new(v, "time", json_string(when));
            json_object_set_new(v, "unit", json_string(o[i].unit));
            json_object_set_new(v, "target", json_string(kind));
            json_object_set_new(v, "point", o[i].point[0] ? json_string(o[i].point) : json_null());
            json_object_set_new(v, "from", o[i].from[0] ? json_string(o[i].from) : json_null());
            json_object_set_new(v, "to", o[i].to[0] ? json_string(o[i].to) : json_null());
            json_object_set_new(v, "phrase",
                                o[i].phrase[0] ? json_string(o[i].phrase) : json_null());
            json_object_set_new(v, "text", jstr(o[i].text));
            json_array_append_new(arr, v);
        } else {
            printf("%6lld  %s  %s %s%s%s  %s%s%s\n", (long long)o[i].seq, when, o[i].unit, kind,
                   target[0] ? " " : "", target, o[i].phrase[0] ? "[" : "",
                   o[i].phrase[0] ? o[i].phrase : "", o[i].phrase[0] ? "] " : "");
            printf("        %s\n", o[i].text ? o[i].text : "");
        }
    }
    if (arr)
        print_json(arr);
    else if (n == 0)
        printf("no notes%s%s\n", unit ? " for " : "", unit ? unit : "");
    sv_notes_free(o, n);
    sv_journal_close(j);
    return 0;
}

static int cmd_attend(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1},     {"--party", 1},       {"--person", 1},
                  {"--presence", 1}, {"--notice-date", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sv_attendance at;
    memset(&at, 0, sizeof at);
    if (!get(&a, "--unit") || !get(&a, "--party") || !get(&a, "--presence"))
        return die(EXIT_USAGE, "attend needs --unit, --party and --presence");
    if (sv_presence_parse(get(&a, "--presence"), &at.presence) != SV_OK)
        return die(EXIT_USAGE, "--presence: use present, proxy or absent");
    if (fixed_opt(&a, "--unit", at.unit, sizeof at.unit, "") ||
        fixed_opt(&a, "--notice-date", at.notice_date, sizeof at.notice_date, ""))
        return EXIT_USAGE;
    /* the library's rules for the date that the command line alone shows (a date given but
     * wrong first: the crew did give one); one still to come is the device clock's, below */
    if (at.notice_date[0] && !sv_date_ok(at.notice_date))
        return die(EXIT_USAGE,
                   "--notice-date: notice date '%s' is not a real date (YYYY-MM-DD, e.g. "
                   "2026-05-12)",
                   at.notice_date);
    if (at.presence == SV_ABSENT && !at.notice_date[0])
        return die(EXIT_USAGE, "--presence absent needs --notice-date YYYY-MM-DD: an absent "
                               "party needs the date the notice was served");
    if (at.notice_date[0] && at.presence != SV_ABSENT)
        return die(EXIT_USAGE,
                   "--notice-date: a notice date is for an absent party; %s was %s (leave the "
                   "date out)",
                   get(&a, "--party"), sv_presence_name(at.presence));
    at.party = (char *)get(&a, "--party");
    at.person = (char *)get(&a, "--person");
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    int64_t seq = 0;
    int rc = sv_record_attendance(j, &at, &seq);
    /* the name as recorded: without the blanks around it (the library's rule) */
    const char *pb = NULL;
    size_t pl = at.party ? sv_text_trim(at.party, &pb) : 0;
    return reported(j, rc, seq, "attendance of %.*s recorded for %s", (int)pl, pb ? pb : "",
                    at.unit);
}

/* ---- signatures (指界签字) ------------------------------------------------------------------ */

/* Read a strokes file, JSON [[x, y, x, y, ...], ...] of whole-number pad coordinates
 * ("-" reads stdin), into xy pairs with each stroke ended by (-1, -1). Returns 0,
 * or the exit code after saying what is wrong. *xy is the caller's to free. */
static int read_strokes(const char *path, int32_t **xy, size_t *n)
{
    *xy = NULL;
    *n = 0;
    json_error_t err;
    json_t *a = strcmp(path, "-") == 0 ? json_loadf(stdin, 0, &err) : json_load_file(path, 0, &err);
    if (!a && err.line < 1) /* not opened or not read at all */
        return die(EXIT_USAGE, "--strokes %s: %s", path, err.text);
    if (!a)
        return die(EXIT_USAGE, "--strokes %s: not readable JSON: %s (line %d)", path, err.text,
                   err.line);
    int code = 0;
    size_t pairs = 0, i, k;
    json_t *stroke, *v;
    if (!json_is_array(a) || json_array_size(a) == 0)
        code = die(EXIT_USAGE,
                   "--strokes %s: expected [[x, y, x, y, ...], ...], one array of "
                   "pad coordinates per stroke",
                   path);
    json_array_foreach(a, i, stroke)
    {
        if (code)
            break;
        if (!json_is_array(stroke) || json_array_size(stroke) % 2) {
            code = die(EXIT_USAGE, "--strokes %s: stroke %zu is not an array of x, y pairs", path,
                       i + 1);
            break;
        }
        json_array_foreach(stroke, k, v)
        {
            /* Whole numbers only: a pad reports pixels, and the journal stores integers. */
            if (!json_is_integer(v)) {
                code = die(EXIT_USAGE, "--strokes %s: stroke %zu, value %zu is not a whole number",
                           path, i + 1, k + 1);
                break;
            }
            /* What the pad rule allows is the library's (sv_signature_strokes_check); here only
             * what xy can carry: a negative value would read as the (-1, -1) stroke end. */
            json_int_t c = json_integer_value(v);
            if (c < 0 || c > INT32_MAX) {
                code = die(EXIT_USAGE,
                           "--strokes %s: stroke %zu, point %zu: %s %lld is off the pad (0..%d)",
                           path, i + 1, k / 2 + 1, k % 2 ? "y" : "x", (long long)c, SV_SIG_PAD);
                break;
            }
        }
        pairs += json_array_size(stroke) / 2 + 1;
    }
    if (!code && !(*xy = malloc(2 * pairs * sizeof **xy)))
        code = die(EXIT_FAIL, "out of memory");
    if (!code) {
        json_array_foreach(a, i, stroke)
        {
            json_array_foreach(stroke, k, v)
            {
                (*xy)[2 * *n + k] = (int32_t)json_integer_value(v);
            }
            *n += json_array_size(stroke) / 2;
            (*xy)[2 * *n] = (*xy)[2 * *n + 1] = -1;
            (*n)++;
        }
    }
    json_decref(a);
    if (code) {
        free(*xy);
        *xy = NULL;
        *n = 0;
    }
    return code;
}

static int cmd_sign(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1}, {"--party", 1},   {"--signer", 1},
                  {"--role", 1}, {"--strokes", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    if (!get(&a, "--unit") || !get(&a, "--party") || !get(&a, "--signer") || !get(&a, "--strokes"))
        return die(EXIT_USAGE, "sign needs --unit, --party, --signer and --strokes FILE");
    sv_signature s;
    memset(&s, 0, sizeof s);
    if (fixed_opt(&a, "--unit", s.unit, sizeof s.unit, ""))
        return EXIT_USAGE;
    s.party = (char *)get(&a, "--party");
    s.signer = (char *)get(&a, "--signer");
    s.role = (char *)get(&a, "--role");
    int code = read_strokes(get(&a, "--strokes"), &s.xy, &s.n_xy);
    if (code)
        return code;
    char why[160];
    if (sv_signature_strokes_check(s.xy, s.n_xy, why, sizeof why) != SV_OK) {
        /* the library's rule; the message names the file the strokes came from */
        free(s.xy);
        /* exit 2 as for every other fault of the strokes file (its JSON, its shape) */
        return die(EXIT_USAGE, "--strokes %s: %s", get(&a, "--strokes"), why);
    }
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK) {
        free(s.xy);
        return open_failed(a.pos[0]);
    }
    /* The digest and the entry in one write transaction: no point recorded by another process
     * can slip in between, so the signature covers exactly the boundary it was shown. */
    int64_t seq = 0;
    sv_progress pr = {0};
    int rc = sv_journal_begin(j);
    if (rc == SV_OK)
        rc = sv_state_boundary_digest(j, s.unit, s.covers);
    if (rc == SV_OK)
        rc = sv_record_signature(j, &s, &seq);
    if (rc == SV_OK)
        rc = sv_state_progress(j, s.unit, &pr);
    if (rc == SV_OK)
        rc = sv_journal_commit(j);
    else
        sv_journal_rollback(j);
    free(s.xy);
    if (rc == SV_OK && pr.points == 0)
        fprintf(stderr,
                "%s: note: unit %s has no boundary points yet; the signature covers an "
                "empty boundary\n",
                prog, s.unit);
    /* a party nobody recorded at the pointing-out is most often a name typed differently: the
     * signature then leaves the attending party's missing */
    sv_attendance *at = NULL;
    size_t nat = 0;
    if (rc == SV_OK && sv_state_attendance(j, s.unit, &at, &nat) == SV_OK) {
        const char *b; /* the name as recorded: without the blank around it */
        size_t k = 0, bl = sv_text_trim(s.party, &b);
        while (k < nat &&
               (!at[k].party || strlen(at[k].party) != bl || strncmp(at[k].party, b, bl)))
            k++;
        if (k == nat)
            fprintf(stderr,
                    "%s: note: no attendance of %.*s is recorded for %s (quejie attend); the "
                    "attending parties are:%s",
                    prog, (int)bl, b, s.unit, nat ? "" : " none");
        for (size_t i = 0; k == nat && i < nat; i++)
            fprintf(stderr, "%s %s", i ? "," : "", at[i].party ? at[i].party : "");
        if (k == nat)
            fputc('\n', stderr);
    }
    sv_attendances_free(at, nat);
    char hex[2 * SV_HASH_BYTES + 1];
    for (int i = 0; i < SV_HASH_BYTES; i++)
        snprintf(hex + 2 * i, 3, "%02x", s.covers[i]);
    const char *pb = NULL; /* the party as recorded, without the blanks around it */
    size_t pl = s.party ? sv_text_trim(s.party, &pb) : 0;
    return reported(j, rc, seq,
                    "signature of %.*s by %s recorded for %s, covering its %d boundary "
                    "point%s as they are now (boundary digest %.16s...)",
                    (int)pl, pb ? pb : "", s.signer, s.unit, pr.points, pr.points == 1 ? "" : "s",
                    hex);
}

static int cmd_signatures(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1}, {"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *unit = get(&a, "--unit");
    sv_journal *j;
    if (open_journal(a.pos[0], SV_OPEN_READONLY, &j) != SV_OK)
        return open_failed(a.pos[0]);
    sv_unit u;
    if (unit && sv_state_unit(j, unit, &u) != SV_OK)
        return journal_fail(j);
    if (unit)
        sv_unit_clear(&u);
    sv_signature *s;
    size_t n;
    if (sv_state_signatures(j, unit, &s, &n) != SV_OK)
        return journal_fail(j);
    json_t *arr = get(&a, "--json") ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        size_t strokes = 0;
        for (size_t k = 0; k < s[i].n_xy; k++)
            strokes += s[i].xy[2 * k] == -1 && s[i].xy[2 * k + 1] == -1;
        char when[40], hex[2 * SV_HASH_BYTES + 1];
        iso_time(s[i].time_ms, when, sizeof when);
        for (int b = 0; b < SV_HASH_BYTES; b++)
            snprintf(hex + 2 * b, 3, "%02x", s[i].covers[b]);
        if (arr) {
            json_t *o = json_object();
            json_object_set_new(o, "seq", json_integer(s[i].seq));
            json_object_set_new(o, "time", json_string(when));
            json_object_set_new(o, "unit", json_string(s[i].unit));
            json_object_set_new(o, "party", jstr(s[i].party));
            json_object_set_new(o, "signer", jstr(s[i].signer));
            json_object_set_new(o, "role", jstr(s[i].role));
            json_object_set_new(o, "strokes", json_integer((json_int_t)strokes));
            json_object_set_new(o, "points", json_integer((json_int_t)(s[i].n_xy - strokes)));
            json_object_set_new(o, "covers", json_string(hex));
            json_object_set_new(o, "covers_current", json_boolean(s[i].current));
            json_array_append_new(arr, o);
        } else {
            printf("%6lld  %s  %s  %s signed by %s%s%s%s, %zu stroke%s; %s the current boundary "
                   "(digest %.16s...)\n",
                   (long long)s[i].seq, when, s[i].unit, s[i].party ? s[i].party : "",
                   s[i].signer ? s[i].signer : "", s[i].role ? " (" : "",
                   s[i].role ? s[i].role : "", s[i].role ? ")" : "", strokes,
                   strokes == 1 ? "" : "s", s[i].current ? "covers" : "NO LONGER covers", hex);
        }
    }
    if (arr)
        print_json(arr);
    else if (n == 0)
        printf("no signatures%s%s\n", unit ? " for " : "", unit ? unit : "");
    sv_signatures_free(s, n);
    sv_journal_close(j);
    return 0;
}

static int cmd_line(int argc, char **argv)
{
    opt opts[] = {{"--unit", 1},     {"--from", 1},   {"--to", 1},        {"--category", 1},
                  {"--position", 1}, {"--nature", 1}, {"--neighbour", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sv_bline l;
    memset(&l, 0, sizeof l);
    if (!get(&a, "--unit") || !get(&a, "--from") || !get(&a, "--to"))
        return die(EXIT_USAGE, "line needs --unit, --from and --to");
    if (fixed_opt(&a, "--unit", l.unit, sizeof l.unit, "") ||
        fixed_opt(&a, "--from", l.from, sizeof l.from, "") ||
        fixed_opt(&a, "--to", l.to, sizeof l.to, "") ||
        fixed_opt(&a, "--category", l.category, sizeof l.category, "") ||
        fixed_opt(&a, "--position", l.position, sizeof l.position, "") ||
        fixed_opt(&a, "--nature", l.nature, sizeof l.nature, ""))
        return EXIT_USAGE;
    if (strcmp(l.from, l.to) == 0)
        return die(EXIT_USAGE, "--from and --to are the same point (%s)", l.from);
    l.neighbour = (char *)get(&a, "--neighbour");
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    if (check_code(j, "line-category", l.category, "--category") ||
        check_code(j, "line-position", l.position, "--position") ||
        check_code(j, "line-nature", l.nature, "--nature")) {
        sv_journal_close(j);
        return EXIT_USAGE;
    }
    int64_t seq = 0;
    int rc = sv_record_line(j, &l, &seq);
    return reported(j, rc, seq, "line %s-%s recorded for %s", l.from, l.to, l.unit);
}

static int cmd_void(int argc, char **argv)
{
    opt opts[] = {{"--reason", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 2, &a))
        return EXIT_USAGE;
    int64_t target;
    if (entry_number(a.pos[1], &target) != 0)
        return EXIT_USAGE;
    if (!get(&a, "--reason"))
        return die(EXIT_USAGE, "void needs --reason TEXT");
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    int64_t seq = 0;
    int rc = sv_record_void(j, target, get(&a, "--reason"), &seq);
    return reported(j, rc, seq, "entry %lld withdrawn", (long long)target);
}

static int cmd_codes(int argc, char **argv)
{
    opt opts[] = {{"--list", 1}, {"--add", 1}, {"--label", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *add = get(&a, "--add"), *list = get(&a, "--list");
    if (add && !list)
        return die(EXIT_USAGE, "codes --add needs --list NAME");
    /* a value without a label would print as an empty cell in the app and the forms */
    const char *label = get(&a, "--label");
    if (add && (!label || !*label))
        return die(EXIT_USAGE,
                   "codes --add needs --label TEXT (what the app and the forms show "
                   "for %s)",
                   add);
    if (label && !add)
        return die(EXIT_USAGE, "--label goes with --add CODE (the value it names)");
    sv_journal *j;
    if (open_journal(a.pos[0], add ? 0 : SV_OPEN_READONLY, &j) != SV_OK)
        return open_failed(a.pos[0]);
    if (add) {
        if (sv_record_code(j, list, add, label, NULL) != SV_OK)
            return journal_fail(j);
    }
    /* a mistyped --list is refused, as --add refuses it, instead of listing nothing */
    if (list && !add && sv_code_list_known(j, list) != SV_OK)
        return journal_fail(j);
    sv_code *c;
    size_t n;
    if (sv_state_codes(j, list, &c, &n) != SV_OK)
        return journal_fail(j);
    for (size_t i = 0; i < n; i++)
        printf("%s%*s %s%*s %s\n", COL(c[i].list, 14), COL(c[i].code, 20),
               c[i].label ? c[i].label : "");
    sv_codes_free(c, n);
    sv_journal_close(j);
    return 0;
}

static int cmd_config(int argc, char **argv)
{
    opt opts[] = {{NULL}};
    args a;
    if (parse_args(argc, argv, opts, 3, &a))
        return EXIT_USAGE;
    /* the library's settings, and its rules for their values (sv_record_config) */
    const char *const *keys = sv_config_keys();
    char list[512] = "";
    int known = 0;
    for (int i = 0; keys[i]; i++) {
        known |= strcmp(keys[i], a.pos[1]) == 0;
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", keys[i]);
    }
    if (!known)
        return die(EXIT_USAGE, "unknown setting '%s' (%s)", a.pos[1], list);
    sv_journal *j;
    if (open_journal(a.pos[0], 0, &j) != SV_OK)
        return open_failed(a.pos[0]);
    /* the library refuses a value by its rule for the key (SV_EINVAL): what the command line
     * alone shows, a usage error */
    int rc = sv_record_config(j, a.pos[1], a.pos[2], NULL);
    if (rc != SV_OK) {
        int code = journal_fail(j);
        return rc == SV_EINVAL ? EXIT_USAGE : code;
    }
    printf("%s = %s\n", a.pos[1], a.pos[2]);
    sv_journal_close(j);
    return 0;
}

/* ---- main ------------------------------------------------------------------------------------ */

/* ---- sync ------------------------------------------------------------------------------------ */

/* Open the journal for writing and its sync state; on failure print why. */
static int open_sync(const char *path, sv_journal **j, sy_client **c)
{
    *c = NULL;
    if (open_journal(path, 0, j) != SV_OK)
        return EXIT_FAIL;
    int rc = sy_client_open(*j, c);
    if (rc != SY_OK) {
        die(EXIT_FAIL, "%s", sy_client_errmsg(*c));
        sy_client_close(*c);
        sv_journal_close(*j);
        return EXIT_FAIL;
    }
    return 0;
}

static int sync_fail(sv_journal *j, sy_client *c, int rc)
{
    int code = die(EXIT_FAIL, "%s", rc == SY_OK ? "failed" : sy_client_errmsg(c));
    sy_client_close(c);
    sv_journal_close(j);
    return code;
}

static int cmd_enroll(int argc, char **argv)
{
    opt opts[] = {{"--office", 1}, {"--token", 1}, {"--ca", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    const char *url = get(&a, "--office"), *token = get(&a, "--token");
    if (!url || !token)
        return die(EXIT_USAGE, "enroll needs --office URL and --token TOKEN");
    sv_journal *j;
    sy_client *c;
    if (open_sync(a.pos[0], &j, &c))
        return open_failed(a.pos[0]);
    int rc = sy_client_enroll(c, url, token, get(&a, "--ca"));
    if (rc != SY_OK)
        return sync_fail(j, c, rc);
    sy_client_status st;
    if (sy_client_status_get(c, &st) == SY_OK)
        printf("enrolled %s%s(%s) with office %s (%s) at %s%s\n", sv_journal_device_name(j),
               *sv_journal_device_name(j) ? " " : "", sv_journal_device_id(j), st.office_name,
               st.office_id, st.office_url, get(&a, "--ca") ? "; its certificate is pinned" : "");
    sy_client_status_clear(&st);
    sy_client_close(c);
    sv_journal_close(j);
    return 0;
}

static volatile int sync_stop;
static void on_sync_signal(int sig)
{
    (void)sig;
    sync_stop = 1;
}

static void sync_progress(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s: %s\n", prog, line);
}

/* After a sync: the units the office has sent back and the crew has not worked on since (the
 * stage Today groups as returned), each with the office's note: the crew's work for tomorrow. */
static void print_returned(sv_journal *j)
{
    sy_unit_office *office = NULL;
    size_t n = 0;
    if (sy_unit_office_read(j, &office, &n) != SY_OK)
        return;
    int shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(office[i].status, sv_life_name(SV_LIFE_RETURNED)) != 0)
            continue;
        sv_unit_summary sm;
        if (sv_unit_summarize_records(j, office[i].code, &sm) != SV_OK ||
            sv_unit_stage_office(&sm, office[i].status, office[i].returned_seq) !=
                SV_STAGE_RETURNED)
            continue;
        if (!shown++)
            printf("returned by the office (to do again):\n");
        printf("  %s%s%s\n", office[i].code, office[i].has_note ? ": " : "",
               office[i].has_note ? office[i].note : "");
    }
    free(office);
}

static int cmd_sync(int argc, char **argv)
{
    opt opts[] = {{"--attempts", 1},
                  {"--backoff", 1},
                  {"--no-tasks", 0},
                  {"--json", 0},
                  {"--quiet", 0},
                  {"--no-imagery", 0},
                  {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sy_sync_opts o = {.stop = &sync_stop, .progress = sync_progress};
    if (get(&a, "--quiet"))
        o.progress = NULL;
    int ok = 1;
    o.attempts = (int)int_opt(&a, "--attempts", 6, 1, 1000, &ok);
    o.backoff_s = num_opt(&a, "--backoff", 1, 0.01, 600, &ok);
    if (!ok)
        return EXIT_USAGE;
    o.skip_tasks = get(&a, "--no-tasks") != NULL;
    o.skip_imagery = get(&a, "--no-imagery") != NULL;
    sv_journal *j;
    sy_client *c;
    if (open_sync(a.pos[0], &j, &c))
        return open_failed(a.pos[0]);
    struct sigaction sa = {.sa_handler = on_sync_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sy_sync_report r;
    int rc = sy_client_sync(c, &o, &r);
    if (get(&a, "--json")) {
        json_t *o2 = json_pack(
            "{s:b, s:I, s:I, s:i, s:i, s:i, s:I, s:I, s:I, s:s?}", "ok", rc == SY_OK, "last_seq",
            (json_int_t)r.last_seq, "acked_seq", (json_int_t)r.acked_seq, "tasks", r.tasks_fetched,
            "tasks_added", r.tasks_added, "bundles", r.bundles_sent, "entries",
            (json_int_t)r.entries_sent, "bytes", (json_int_t)r.bytes_sent, "wire_bytes",
            (json_int_t)r.bytes_wire, "error", rc == SY_OK ? NULL : sy_client_errmsg(c));
        json_object_set_new(o2, "imagery",
                            json_pack("{s:i, s:I, s:I, s:s?}", "files", r.imagery_files,
                                      "fetched_bytes", (json_int_t)r.imagery_fetched,
                                      "reused_bytes", (json_int_t)r.imagery_reused, "error",
                                      r.imagery_error[0] ? r.imagery_error : NULL));
        json_object_set_new(o2, "tasks_error",
                            r.tasks_error[0] ? json_string(r.tasks_error) : json_null());
        json_object_set_new(o2, "attachments",
                            json_pack("{s:i, s:i, s:I, s:s?}", "sent", r.files_sent, "pending",
                                      r.files_pending, "bytes", (json_int_t)r.files_bytes, "error",
                                      r.files_error[0] ? r.files_error : NULL));
        json_dumpf(o2, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        putchar('\n');
        json_decref(o2);
    } else if (rc == SY_OK) {
        printf("synced: office holds all %lld entries; %d bundle%s sent (%lld new entries, "
               "%lld bytes); %d task unit%s (%d new or changed)\n",
               (long long)r.acked_seq, r.bundles_sent, r.bundles_sent == 1 ? "" : "s",
               (long long)r.entries_sent, (long long)r.bytes_sent, r.tasks_fetched,
               r.tasks_fetched == 1 ? "" : "s", r.tasks_added);
        if (r.files_sent || r.files_pending)
            printf("files: %d sent (%.1f MB), %d not yet at the office\n", r.files_sent,
                   (double)r.files_bytes / 1e6, r.files_pending);
        if (r.imagery_files)
            printf("imagery: %d basemap%s updated (%.1f MB fetched, %.1f MB already on the "
                   "tablet)\n",
                   r.imagery_files, r.imagery_files == 1 ? "" : "s",
                   (double)r.imagery_fetched / 1e6, (double)r.imagery_reused / 1e6);
        print_returned(j);
    }
    if (r.tasks_error[0])
        fprintf(stderr,
                "%s: warning: the office's task package was refused, nothing of it imported (the "
                "survey data is sent; tell the county office): %s\n",
                prog, r.tasks_error);
    if (rc == SY_OK && r.files_error[0])
        fprintf(stderr,
                "%s: warning: %d file%s not yet at the office (the entries are synced; the next "
                "sync sends the rest): %s\n",
                prog, r.files_pending, r.files_pending == 1 ? "" : "s", r.files_error);
    if (rc == SY_OK && r.imagery_error[0])
        fprintf(stderr, "%s: warning: imagery not updated (the survey data is synced): %s\n", prog,
                r.imagery_error);
    if (rc != SY_OK) {
        if (rc == SY_ENOTENROLLED) /* nothing was asked of an office: no count to give */
            fprintf(stderr, "%s: not synced: %s\n", prog, sy_client_errmsg(c));
        else
            fprintf(stderr, "%s: not synced (%lld of %lld entries acknowledged): %s\n", prog,
                    (long long)r.acked_seq, (long long)r.last_seq, sy_client_errmsg(c));
        sy_client_close(c);
        sv_journal_close(j);
        return sync_stop ? EXIT_INTERRUPTED : EXIT_FAIL;
    }
    sy_client_close(c);
    sv_journal_close(j);
    return 0;
}

static int cmd_sync_status(int argc, char **argv)
{
    opt opts[] = {{"--json", 0}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    sv_journal *j;
    sy_client *c;
    if (open_sync(a.pos[0], &j, &c))
        return open_failed(a.pos[0]);
    sy_client_status st;
    int rc = sy_client_status_get(c, &st);
    if (rc != SY_OK)
        return sync_fail(j, c, rc);
    if (get(&a, "--json")) {
        json_t *o =
            json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s}", "enrolled", st.enrolled,
                      "office", st.office_url, "office_id", st.office_id, "office_name",
                      st.office_name, "last_seq", (json_int_t)st.last_seq, "acked_seq",
                      (json_int_t)st.acked_seq, "pending", (json_int_t)(st.last_seq - st.acked_seq),
                      "last_sync_ms", (json_int_t)st.last_sync_ms, "last_error", st.last_error);
        json_object_set_new(o, "files_pending", json_integer(st.files_pending));
        json_t *arr = json_array();
        for (size_t i = 0; i < st.n_bundles; i++) {
            const sy_bundle_row *b = &st.bundles[i];
            json_array_append_new(arr,
                                  json_pack("{s:I, s:I, s:I, s:s, s:s, s:i, s:I}", "first_seq",
                                            (json_int_t)b->first_seq, "last_seq",
                                            (json_int_t)b->last_seq, "bytes", (json_int_t)b->bytes,
                                            "state", b->state, "reason", b->reason, "attempts",
                                            b->attempts, "updated_ms", (json_int_t)b->updated_ms));
        }
        json_object_set_new(o, "bundles", arr);
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        putchar('\n');
        json_decref(o);
    } else {
        if (st.enrolled)
            printf("office %s (%s)\n", st.office_name, st.office_url);
        else
            printf("not enrolled with an office\n");
        printf("entries %lld, acknowledged by the office %lld, waiting %lld\n",
               (long long)st.last_seq, (long long)st.acked_seq,
               (long long)(st.last_seq - st.acked_seq));
        if (st.files_pending)
            printf("files kept with units not yet at the office: %d\n", st.files_pending);
        if (st.last_error[0])
            printf("last problem: %s\n", st.last_error);
        for (size_t i = 0; i < st.n_bundles; i++) {
            const sy_bundle_row *b = &st.bundles[i];
            printf("  bundle %lld-%lld  %-12s %7lld B  %s\n", (long long)b->first_seq,
                   (long long)b->last_seq, b->state, (long long)b->bytes, b->reason);
        }
    }
    sy_client_status_clear(&st);
    sy_client_close(c);
    sv_journal_close(j);
    return 0;
}

static int cmd_bundle(int argc, char **argv)
{
    opt opts[] = {{"--output", 1}, {"--from", 1}, {NULL}};
    args a;
    if (parse_args(argc, argv, opts, 1, &a))
        return EXIT_USAGE;
    if (!get(&a, "--output"))
        return die(EXIT_USAGE, "bundle needs --output FILE");
    long long from = 0;
    if (get(&a, "--from")) {
        char *end;
        from = strtoll(get(&a, "--from"), &end, 10);
        if (!*get(&a, "--from") || *end || from < 1)
            return die(EXIT_USAGE,
                       "--from '%s': an entry number from 1 (the office's \"resend "
                       "from N\")",
                       get(&a, "--from"));
    }
    if (!*get(&a, "--output"))
        return die(EXIT_USAGE, "--output: the output file name is empty");
    sv_journal *j;
    sy_client *c;
    if (open_sync(a.pos[0], &j, &c))
        return open_failed(a.pos[0]);
    int64_t entries = 0;
    int n = 0, files = 0;
    int rc = sy_client_write_bundles_from(c, get(&a, "--output"), from, &entries, &n, &files);
    if (rc != SY_OK)
        return sync_fail(j, c, rc);
    printf("wrote %lld entr%s in %d bundle%s", (long long)entries, entries == 1 ? "y" : "ies", n,
           n == 1 ? "" : "s");
    if (files)
        printf(" and %d file%s kept with units", files, files == 1 ? "" : "s");
    printf(" to %s\n", get(&a, "--output"));
    sy_client_close(c);
    sv_journal_close(j);
    return 0;
}

static const char USAGE[] =
    "usage:\n"
    "  quejie init JOURNAL [--device-name NAME] [--crew NAME] [--epsg CODE | --central-meridian "
    "DEG]\n"
    "  quejie tasks import JOURNAL FILE.geojson\n"
    "  quejie tasks list JOURNAL [--json]\n"
    "  quejie record JOURNAL --unit CODE [--gnss HOST:PORT] [--count K] [--average N]\n"
    "                [--min-seconds T] [--accept gps|dgps|rtk-float|rtk-fixed] [--walk-every M]\n"
    "                [--timeout S] [--json] [--marker NAME] [--override REASON] [--min-spacing M]\n"
    "                [--max-speed V] [--antenna-height M] [--remeasure SEQ [--reason TEXT]]\n"
    "                [--override-code CODE]\n"
    "  quejie point add JOURNAL --unit CODE --lat DEG --lon DEG [--h M] [--type "
    "measured|map-read]\n"
    "                [--marker NAME] [--number N] [--offset-distance M --offset-bearing DEG]\n"
    "                [--corrects SEQ [--reason TEXT]] [--note TEXT] [--json] [--far]\n"
    "                [--max-distance M] [--antenna-height M]\n"
    "                [--method rtk|static|taped|map-read|offset]\n"
    "                [--north true|grid|magnetic] [--declination DEG] [--offset-dh M]\n"
    "  quejie point change JOURNAL SEQ [--marker NAME] [--type TYPE] --reason TEXT [--json]\n"
    "  quejie point share JOURNAL --unit CODE --from-unit CODE --from-number N [--number N]\n"
    "                [--json]\n"
    "  quejie point near JOURNAL --unit CODE [--within M] [--json]\n"
    "  quejie verify JOURNAL --unit CODE --field NAME --status confirmed|corrected|disputed\n"
    "                [--value TEXT] [--note TEXT]\n"
    "  quejie line JOURNAL --unit CODE --from J1 --to J2 [--category C] [--position P] [--nature "
    "N]\n"
    "                [--neighbour NAME]\n"
    "  quejie dispute JOURNAL --unit CODE --statement TEXT [--parties TEXT] [--from J --to J]\n"
    "                [--number DOCNO]\n"
    "  quejie dispute list JOURNAL [--unit CODE] [--json]\n"
    "  quejie dispute settle JOURNAL --unit CODE --dispute SEQ --agreement TEXT [--number DOCNO]\n"
    "  quejie note add JOURNAL --unit CODE [--point NUMBER | --line FROM-TO]\n"
    "                (--text TEXT | --phrase CODE)\n"
    "  quejie note list JOURNAL [--unit CODE] [--json]\n"
    "  quejie attach JOURNAL --unit CODE --file FILE --what WHAT [--point NUMBER]\n"
    "                [--note TEXT]\n"
    "  quejie attachments JOURNAL [--unit CODE] [--json] [--save DIR]\n"
    "  quejie attend JOURNAL --unit CODE --party NAME --presence present|proxy|absent\n"
    "                [--person NAME] [--notice-date YYYY-MM-DD]\n"
    "  quejie sign JOURNAL --unit CODE --party NAME --signer NAME [--role ROLE] --strokes FILE\n"
    "  quejie signatures JOURNAL [--unit CODE] [--json]\n"
    "  quejie void JOURNAL SEQ --reason TEXT\n"
    "  quejie area JOURNAL --unit CODE [--json]\n"
    "  quejie check JOURNAL [--json]\n"
    "  quejie export JOURNAL --format gpkg|geojson|csv|forms --output FILE [--unit CODE] [--bom]\n"
    "  quejie log JOURNAL [--json] [--from SEQ]\n"
    "  quejie codes JOURNAL [--list NAME] [--add CODE --label TEXT]\n"
    "  quejie config JOURNAL KEY VALUE\n"
    "  quejie enroll JOURNAL --office URL --token TOKEN [--ca CERT_FILE]\n"
    "  quejie sync JOURNAL [--attempts N] [--backoff S] [--no-tasks] [--no-imagery] [--json]\n"
    "                [--quiet]\n"
    "  quejie sync-status JOURNAL [--json]\n"
    "  quejie bundle JOURNAL --output FILE [--from SEQ]\n";

/* The usage of one command (`quejie help record`, `quejie record --help`): the blocks of USAGE
 * that start with "  quejie CMD" (and " SUB", when CMD has one of that name). 0 when none. */
static int command_help(const char *cmd, const char *sub)
{
    return command_usage(USAGE, cmd, sub, "docs/cli.md (/usr/share/doc/quejie/cli.md)");
}

int main(int argc, char **argv)
{
    refuse_repeats = 1;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        (strcmp(argv[1], "help") == 0 && argc < 3)) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "help") == 0)
        return command_help(argv[2], argc > 3 ? argv[3] : NULL)
                   ? 0
                   : die(EXIT_USAGE, "unknown command '%s' (see quejie help)", argv[2]);
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return command_help(argv[1], i > 2 ? argv[2] : NULL)
                       ? 0
                       : die(EXIT_USAGE, "unknown command '%s' (see quejie help)", argv[1]);
    if (strcmp(argv[1], "--version") == 0) {
        printf("quejie %s\n", SV_VERSION);
        return 0;
    }
    const char *cmd = argv[1];
    int sub = strcmp(cmd, "tasks") == 0 || strcmp(cmd, "point") == 0;
    /* the command named in a usage error's hint: "tasks import", "dispute list", "config" */
    static char named[64];
    int two = (sub || strcmp(cmd, "note") == 0 ||
               (strcmp(cmd, "dispute") == 0 && argc >= 3 &&
                (strcmp(argv[2], "settle") == 0 || strcmp(argv[2], "list") == 0))) &&
              argc >= 3;
    snprintf(named, sizeof named, "%s%s%s", cmd, two ? " " : "", two ? argv[2] : "");
    cmd_name = named;
    if (sub && argc < 3)
        return die(EXIT_USAGE, "'%s' needs a subcommand: %s", cmd,
                   strcmp(cmd, "tasks") == 0 ? "import or list" : "add, change, share or near");
    if (strcmp(cmd, "note") == 0) {
        if (argc >= 3 && strcmp(argv[2], "add") == 0)
            return cmd_note_add(argc - 3, argv + 3);
        if (argc >= 3 && strcmp(argv[2], "list") == 0)
            return cmd_note_list(argc - 3, argv + 3);
        return die(EXIT_USAGE, "'note' needs a subcommand: add or list");
    }
    /* `dispute JOURNAL ...` records a dispute; `dispute settle|list JOURNAL ...` */
    if (strcmp(cmd, "dispute") == 0 && argc >= 3 && strcmp(argv[2], "settle") == 0)
        return cmd_dispute_settle(argc - 3, argv + 3);
    if (strcmp(cmd, "dispute") == 0 && argc >= 3 && strcmp(argv[2], "list") == 0)
        return cmd_dispute_list(argc - 3, argv + 3);
    if (sub) {
        if (strcmp(cmd, "tasks") == 0 && strcmp(argv[2], "import") == 0)
            return tasks_import(argc - 3, argv + 3);
        if (strcmp(cmd, "tasks") == 0 && strcmp(argv[2], "list") == 0)
            return tasks_list(argc - 3, argv + 3);
        if (strcmp(cmd, "point") == 0 && strcmp(argv[2], "add") == 0)
            return cmd_point_add(argc - 3, argv + 3);
        if (strcmp(cmd, "point") == 0 && strcmp(argv[2], "change") == 0)
            return cmd_point_change(argc - 3, argv + 3);
        if (strcmp(cmd, "point") == 0 && strcmp(argv[2], "share") == 0)
            return cmd_point_share(argc - 3, argv + 3);
        if (strcmp(cmd, "point") == 0 && strcmp(argv[2], "near") == 0)
            return cmd_point_near(argc - 3, argv + 3);
        return die(EXIT_USAGE, "unknown command '%s %s' (see quejie help)", cmd, argv[2]);
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"init", cmd_init},
                {"record", cmd_record},
                {"verify", cmd_verify},
                {"area", cmd_area},
                {"check", cmd_check},
                {"export", cmd_export},
                {"log", cmd_log},
                {"dispute", cmd_dispute},
                {"attend", cmd_attend},
                {"attach", cmd_attach},
                {"attachments", cmd_attachments},
                {"line", cmd_line},
                {"void", cmd_void},
                {"codes", cmd_codes},
                {"config", cmd_config},
                {"enroll", cmd_enroll},
                {"sync", cmd_sync},
                {"sync-status", cmd_sync_status},
                {"bundle", cmd_bundle},
                {"sign", cmd_sign},
                {"signatures", cmd_signatures}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(cmd, cmds[i].name) == 0)
            return cmds[i].fn(argc - 2, argv + 2);
    return die(EXIT_USAGE, "unknown command '%s' (see quejie help)", cmd);
}
