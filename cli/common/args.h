/*
 * args.h - what the two commands (`quejie`, `quejie-office`) share: the one-line error report
 * and the argument parser. Each command defines `prog` (its name, used in messages).
 */
#ifndef QJ_CLI_ARGS_H
#define QJ_CLI_ARGS_H

enum { EXIT_USAGE = 2, EXIT_FAIL = 1, EXIT_TIMEOUT = 3, EXIT_INTERRUPTED = 130 };

extern const char *prog;
/* The command being run ("config", "dispute list"), set by main before it hands the arguments
 * over, so that a usage error points at that command's forms ("see quejie help config"); NULL
 * before (the hint is then "see quejie help"). */
extern const char *cmd_name;
/* Set by a command whose options are each given once (quejie, quejie-office): a value option
 * given twice is a usage error instead of the last one winning. 0 for a command with a
 * repeatable option (quejie-app's --basemap, which it reads from argv itself). */
extern int refuse_repeats;

/* Print "prog: message" on stderr; returns code for tail calls. */
int die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A command's flags: each either takes a value or is a switch. Values are borrowed from argv. */
typedef struct opt {
    const char *name; /* "--unit" */
    int has_value;
    const char *value; /* set when given (switches get "1") */
} opt;

typedef struct args {
    const char *pos[4];
    int npos;
    opt *opts;
} args;

/* Parse argv into opts (values borrowed from argv) and exactly want_pos positional arguments;
 * prints why and returns EXIT_USAGE when the command line does not fit, 0 otherwise. */
int parse_args(int argc, char **argv, opt *opts, int want_pos, args *a);
/* The value of option name, or NULL when it was not given. */
const char *get(const args *a, const char *name);

/* Print the forms of one command (`PROG help CMD [SUB]`, `PROG CMD [SUB] --help`) on stdout:
 * the lines of usage (one "  PROG CMD ..." line each, continuation lines after it) whose command
 * is cmd, narrowed to those whose next word names sub (an alternative of "return|accept" too)
 * when any does; then "The options are described in DOC." Returns how many lines were shown
 * (0: no such command, nothing printed). */
int command_usage(const char *usage, const char *cmd, const char *sub, const char *doc);

#endif
