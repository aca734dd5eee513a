/*
 * table.h - columns of the two commands' text tables, aligned by what a terminal shows: a Chinese
 * name is 3 bytes a character but 2 columns wide, so printf's "%-20s" (which counts bytes) would
 * shift every column after it. Measures with the C library's wcwidth in a UTF-8 locale; never
 * changes the process's locale.
 */
#ifndef QJ_CLI_TABLE_H
#define QJ_CLI_TABLE_H

/* The columns s takes on a terminal (UTF-8; NULL is 0): wide characters 2, combining marks 0, an
 * invalid byte or an unprintable character 1. */
int text_width(const char *s);

/* The spaces to print after s so that it fills width columns (0 when it is as wide or wider):
 * printf("%s%*s ", s, pad_to(s, 20), "") stands for printf("%-20s ", s). */
int pad_to(const char *s, int width);

/* The arguments of "%s%*s" for s left-aligned in width columns (s is evaluated twice):
 * printf("%s%*s %s\n", COL(name, 20), crew). */
#define COL(s, w) (s), pad_to((s), (w)), ""

#endif
