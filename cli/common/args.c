/*
 * args.c - the error report and argument parser shared by `quejie` and `quejie-office`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "args.h"

int die(int code, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int parse_args(int argc, char **argv, opt *opts, int want_pos, args *a)
{
    memset(a, 0, sizeof *a);
    a->opts = opts;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (s[0] == '-' && s[1] == '-') {
            const char *eq = strchr(s, '=');
            size_t len = eq ? (size_t)(eq - s) : strlen(s);
            opt *o = NULL;
            for (opt *p = opts; p && p->name; p++)
                if (strlen(p->name) == len && strncmp(p->name, s, len) == 0)
                    o = p;
            if (!o)
                return die(EXIT_USAGE, "unknown option %.*s (see %s help)", (int)len, s, prog);
            if (o->has_value) {
                if (eq)
                    o->value = eq + 1;
                else if (i + 1 < argc)
                    o->value = argv[++i];
                else
                    return die(EXIT_USAGE, "%s needs a value", o->name);
            } else {
                o->value = "1";
            }
        } else if (a->npos < 4) {
            a->pos[a->npos++] = s;
        } else {
            return die(EXIT_USAGE, "unexpected argument '%s'", s);
        }
    }
    if (a->npos != want_pos)
        return die(EXIT_USAGE, "expected %d argument%s, got %d (see %s help)", want_pos,
                   want_pos == 1 ? "" : "s", a->npos, prog);
    return 0;
}

const char *get(const args *a, const char *name)
{
    for (opt *p = a->opts; p && p->name; p++)
        if (strcmp(p->name, name) == 0)
            return p->value;
    return NULL;
}
