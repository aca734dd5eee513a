/*
 * script.c - parser of the app's script files (see script.h).
 */
#include "script.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCRIPT_BYTES (1u << 20)
#define MAX_WORDS 6

static const struct {
    const char *name;
    int nargs;
} OPS[] = {
    [APP_S_TAP_ID] = {"tap", 1},
    [APP_S_TAP_XY] = {"tap", 2},
    [APP_S_LONG_PRESS_ID] = {"long-press", 1},
    [APP_S_DRAG] = {"drag", 4},
    [APP_S_PINCH] = {"pinch", 3},
    [APP_S_WAIT] = {"wait", 1},
    [APP_S_WAIT_FOR] = {"wait-for", 1},
    [APP_S_SCREENSHOT] = {"screenshot", 1},
    [APP_S_QUIT] = {"quit", 0},
    [APP_S_TYPE] = {"type", 1},
    [APP_S_DRAG_IN] = {"drag-in", 5},
    [APP_S_LOCATE] = {"locate", 2},
    [APP_S_DUMP_WIDGETS] = {"dump-widgets", 1},
};

static int number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int widget_arg(const char *w, app_scmd *c)
{
    if (w[0] != '@' || !w[1] || strlen(w + 1) >= 64)
        return -1;
    snprintf(c->arg, sizeof c->arg, "%s", w + 1);
    return 0;
}

/* One line split on blanks into words; returns the count, or -1 when there are too many. */
static int split(char *line, char *words[MAX_WORDS])
{
    int n = 0;
    for (char *p = strtok(line, " \t\r"); p; p = strtok(NULL, " \t\r")) {
        if (n == MAX_WORDS)
            return -1;
        words[n++] = p;
    }
    return n;
}

static int bad(char *err, size_t errlen, int lineno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bad(char *err, size_t errlen, int lineno, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "line %d: ", lineno);
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int parse_line(char *line, int lineno, app_scmd *c, char *err, size_t errlen)
{
    /* type: the rest of the line verbatim (spaces included), before splitting into words */
    if (strncmp(line, "type", 4) == 0 && (line[4] == ' ' || line[4] == '\t')) {
        memset(c, 0, sizeof *c);
        c->line = lineno;
        c->op = APP_S_TYPE;
        const char *t = line + 5;
        size_t n = strcspn(t, "\r");
        if (n == 0)
            return bad(err, errlen, lineno, "type takes the text to type");
        if (n >= sizeof c->arg)
            return bad(err, errlen, lineno, "type: text longer than %zu bytes", sizeof c->arg - 1);
        memcpy(c->arg, t, n);
        c->arg[n] = '\0';
        return 0;
    }
    char *w[MAX_WORDS];
    int n = split(line, w);
    memset(c, 0, sizeof *c);
    c->line = lineno;
#define BAD(...) bad(err, errlen, lineno, __VA_ARGS__)
    if (n < 0)
        return BAD("too many words");
    if (n == 0)
        return BAD("empty command");
    const char *cmd = w[0];
    int nargs = n - 1;
    if (strcmp(cmd, "tap") == 0) {
        if (nargs == 1) {
            c->op = APP_S_TAP_ID;
            return widget_arg(w[1], c) ? BAD("tap: '%s' is no widget ID (@ID)", w[1]) : 0;
        }
        c->op = APP_S_TAP_XY;
    } else if (strcmp(cmd, "long-press") == 0) {
        c->op = APP_S_LONG_PRESS_ID;
        if (nargs != 1)
            return BAD("long-press takes one widget ID");
        return widget_arg(w[1], c) ? BAD("long-press: '%s' is no widget ID (@ID)", w[1]) : 0;
    } else if (strcmp(cmd, "wait-for") == 0) {
        c->op = APP_S_WAIT_FOR;
        if (nargs != 1)
            return BAD("wait-for takes one widget ID");
        return widget_arg(w[1], c) ? BAD("wait-for: '%s' is no widget ID (@ID)", w[1]) : 0;
    } else if (strcmp(cmd, "screenshot") == 0) {
        c->op = APP_S_SCREENSHOT;
        if (nargs != 1)
            return BAD("screenshot takes one file name");
        snprintf(c->arg, sizeof c->arg, "%s", w[1]);
        return 0;
    } else if (strcmp(cmd, "dump-widgets") == 0) {
        c->op = APP_S_DUMP_WIDGETS;
        if (nargs != 1)
            return BAD("dump-widgets takes one file name");
        if (strlen(w[1]) >= sizeof c->arg)
            return BAD("dump-widgets: file name longer than %zu bytes", sizeof c->arg - 1);
        snprintf(c->arg, sizeof c->arg, "%s", w[1]);
        return 0;
    } else if (strcmp(cmd, "type") == 0) {
        return BAD("type takes the text to type");
    } else if (strcmp(cmd, "drag-in") == 0) {
        c->op = APP_S_DRAG_IN;
        if (nargs != 5)
            return BAD("drag-in takes a widget ID and 4 fractions, not %d arguments", nargs);
        if (widget_arg(w[1], c))
            return BAD("drag-in: '%s' is no widget ID (@ID)", w[1]);
        for (int i = 0; i < 4; i++)
            if (number(w[i + 2], &c->v[i]) != 0 || c->v[i] < 0 || c->v[i] > 1)
                return BAD("drag-in: '%s' is not a fraction from 0 to 1", w[i + 2]);
        return 0;
    } else if (strcmp(cmd, "locate") == 0) {
        c->op = APP_S_LOCATE;
        if (nargs != 2)
            return BAD("locate takes LAT LON, not %d argument%s", nargs, nargs == 1 ? "" : "s");
        if (number(w[1], &c->v[0]) != 0 || fabs(c->v[0]) > 90)
            return BAD("locate: '%s' is not a latitude (-90 to 90)", w[1]);
        if (number(w[2], &c->v[1]) != 0 || fabs(c->v[1]) > 180)
            return BAD("locate: '%s' is not a longitude (-180 to 180)", w[2]);
        snprintf(c->arg, sizeof c->arg, "%s %s", w[1], w[2]);
        return 0;
    } else if (strcmp(cmd, "drag") == 0) {
        c->op = APP_S_DRAG;
    } else if (strcmp(cmd, "pinch") == 0) {
        c->op = APP_S_PINCH;
    } else if (strcmp(cmd, "wait") == 0) {
        c->op = APP_S_WAIT;
    } else if (strcmp(cmd, "quit") == 0) {
        c->op = APP_S_QUIT;
    } else {
        return BAD("unknown command '%s'", cmd);
    }
    if (nargs != OPS[c->op].nargs)
        return BAD("%s takes %d argument%s, not %d", cmd, OPS[c->op].nargs,
                   OPS[c->op].nargs == 1 ? "" : "s", nargs);
    for (int i = 0; i < nargs; i++)
        if (number(w[i + 1], &c->v[i]) != 0)
            return BAD("%s: '%s' is not a number", cmd, w[i + 1]);
    if (c->op == APP_S_WAIT && (c->v[0] < 0 || c->v[0] > 600000))
        return BAD("wait: %g ms is out of range (0-600000)", c->v[0]);
    if (c->op == APP_S_PINCH && !(c->v[2] > 0.01 && c->v[2] < 100))
        return BAD("pinch: factor %g is out of range (0.01-100)", c->v[2]);
    return 0;
#undef BAD
}

int app_script_parse(const char *text, app_script *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *copy = strdup(text);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t cap = 0;
    int lineno = 0, rc = 0;
    for (char *line = copy, *next; line && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        char *p = line + strspn(line, " \t\r");
        if (!*p || *p == '#')
            continue;
        if (out->n == cap) {
            cap = cap ? 2 * cap : 32;
            app_scmd *v = realloc(out->cmd, cap * sizeof *v);
            if (!v) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
                break;
            }
            out->cmd = v;
        }
        rc = parse_line(p, lineno, &out->cmd[out->n], err, errlen);
        if (rc == 0)
            out->n++;
    }
    free(copy);
    if (rc != 0)
        app_script_free(out);
    return rc;
}

int app_script_load(const char *path, app_script *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(MAX_SCRIPT_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_SCRIPT_BYTES + 1, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad || n > MAX_SCRIPT_BYTES || (buf && memchr(buf, 0, n))) {
        snprintf(err, errlen, "%s: %s", path,
                 !buf                   ? "out of memory"
                 : n > MAX_SCRIPT_BYTES ? "larger than 1 MiB"
                 : bad                  ? "cannot read"
                                        : "not a text file (NUL byte)");
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    char inner[400];
    int rc = app_script_parse(buf, out, inner, sizeof inner);
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", path, inner);
    free(buf);
    return rc;
}

void app_script_free(app_script *s)
{
    free(s->cmd);
    memset(s, 0, sizeof *s);
}
