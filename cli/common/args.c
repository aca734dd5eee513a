/*
 * args.c - the error report and argument parser shared by `quejie` and `quejie-office`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

const char *cmd_name;
int refuse_repeats;

/* Whether s reads as an option ("--json", "--unit=X": two dashes, a lower-case letter, then
 * letters, digits and dashes up to the end or an '=') rather than as a value. */
static int looks_like_option(const char *s)
{
    if (strncmp(s, "--", 2) != 0 || !(s[2] >= 'a' && s[2] <= 'z'))
        return 0;
    s += 2;
    while ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')
        s++;
    return *s == '\0' || *s == '=';
}

/* The option of opts that s ("--unit" or "--unit=X") names, or NULL. */
static opt *find_opt(opt *opts, const char *s)
{
    const char *eq = strchr(s, '=');
    size_t len = eq ? (size_t)(eq - s) : strlen(s);
    opt *o = NULL;
    for (opt *p = opts; p && p->name; p++)
        if (strlen(p->name) == len && strncmp(p->name, s, len) == 0)
            o = p;
    return o;
}

int die(int code, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (msg)
        vsnprintf(msg, (size_t)n + 1, fmt, again);
    va_end(again);
    /* every usage error names the command whose forms to read (docs/cli.md) */
    if (!msg)
        fprintf(stderr, "%s: %s\n", prog, fmt); /* no memory: the message's words at least */
    else if (code == EXIT_USAGE && cmd_name && !strstr(msg, "(see "))
        fprintf(stderr, "%s: %s (see %s help %s)\n", prog, msg, prog, cmd_name);
    else
        fprintf(stderr, "%s: %s\n", prog, msg);
    free(msg);
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
            opt *o = find_opt(opts, s);
            if (!o)
                return die(EXIT_USAGE, "unknown option %.*s (see %s help%s%s)", (int)len, s, prog,
                           cmd_name ? " " : "", cmd_name ? cmd_name : "");
            if (o->has_value) {
                /* a second value would silently replace the first ("--status confirmed ...
                 * --status disputed" recorded disputed) in an append-only journal */
                if (o->value && refuse_repeats)
                    return die(EXIT_USAGE, "%s given twice ('%s', then '%s'): give it once",
                               o->name, o->value,
                               eq             ? eq + 1
                               : i + 1 < argc ? argv[i + 1]
                                              : "");
                if (eq)
                    o->value = eq + 1;
                else if (i + 1 < argc && looks_like_option(argv[i + 1]))
                    /* "--text --json": the value was left out, not meant to be "--json" */
                    return die(EXIT_USAGE,
                               "%s needs a value, not the option %s (for a value that starts "
                               "with --, write %s=VALUE)",
                               o->name, argv[i + 1], o->name);
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
        return die(EXIT_USAGE, "expected %d argument%s, got %d (see %s help%s%s)", want_pos,
                   want_pos == 1 ? "" : "s", a->npos, prog, cmd_name ? " " : "",
                   cmd_name ? cmd_name : "");
    return 0;
}

const char *get(const args *a, const char *name)
{
    for (opt *p = a->opts; p && p->name; p++)
        if (strcmp(p->name, name) == 0)
            return p->value;
    return NULL;
}

/* Whether the usage line l ("  PROG CMD WORD ...") is one of CMD's, and, sub given, whether its
 * second word names SUB among its '|' alternatives ("return|accept"). */
static int usage_line_is(const char *l, const char *lead, const char *cmd, const char *sub)
{
    size_t n = strlen(lead), c = strlen(cmd);
    if (strncmp(l, lead, n) != 0 || strncmp(l + n, cmd, c) != 0 ||
        (l[n + c] != ' ' && l[n + c] != '\n' && l[n + c] != '\0'))
        return 0;
    if (!sub)
        return 1;
    const char *w = l + n + c;
    while (*w == ' ')
        w++;
    size_t s = strlen(sub);
    for (;;) { /* the alternatives of the second word */
        size_t len = strcspn(w, "| \n");
        if (len == s && strncmp(w, sub, s) == 0)
            return 1;
        if (w[len] != '|')
            return 0;
        w += len + 1;
    }
}

int command_usage(const char *usage, const char *cmd, const char *sub, const char *doc)
{
    char lead[64];
    snprintf(lead, sizeof lead, "  %s ", prog);
    size_t ll = strlen(lead);
    int by_sub = 0;
    for (const char *l = usage; sub && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "")
        by_sub |= usage_line_is(l, lead, cmd, sub);
    int shown = 0, in_block = 0;
    for (const char *l = usage; *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) + 1 : strlen(l);
        if (strncmp(l, lead, ll) == 0)
            in_block = usage_line_is(l, lead, cmd, by_sub ? sub : NULL);
        else if (strncmp(l, "usage:", 6) == 0)
            in_block = 0;
        if (in_block) {
            if (!shown++)
                fputs("usage:\n", stdout);
            fwrite(l, 1, len, stdout);
        }
        l += len;
    }
    if (shown && doc)
        printf("The options are described in %s.\n", doc);
    return shown;
}
