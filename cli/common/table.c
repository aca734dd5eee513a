/*
 * table.c - display widths for the commands' text tables (table.h).
 *
 * The text the tools print is UTF-8 whatever the user's locale says (journal strings are UTF-8),
 * so widths are measured in C.UTF-8 (glibc's built-in UTF-8 locale, with the Unicode widths)
 * through a thread-local uselocale(), never setlocale(): the process's LC_CTYPE, which regcomp
 * and the ctype functions read, stays as it was.
 */
#define _XOPEN_SOURCE 700 /* wcwidth */
#include <locale.h>
#include <string.h>
#include <wchar.h>

#include "table.h"

static locale_t utf8_locale(void)
{
    static int tried;
    static locale_t loc;
    if (!tried) {
        tried = 1;
        loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
        if (!loc)
            loc = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
    }
    return loc;
}

int text_width(const char *s)
{
    if (!s)
        return 0;
    locale_t loc = utf8_locale();
    if (!loc) {
        /* No UTF-8 locale at all: count characters, which is right for everything but wide
         * ones (no width table of our own). */
        int n = 0;
        for (; *s; s++)
            n += ((unsigned char)*s & 0xC0) != 0x80;
        return n;
    }
    locale_t old = uselocale(loc);
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t left = strlen(s);
    int width = 0;
    while (left > 0) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, left, &st);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            /* a byte that is no UTF-8: the terminal shows one replacement character */
            memset(&st, 0, sizeof st);
            width++;
            s++;
            left--;
            continue;
        }
        int w = wcwidth(wc);
        width += w < 0 ? 1 : w;
        s += n;
        left -= n;
    }
    uselocale(old);
    return width;
}

int pad_to(const char *s, int width)
{
    int w = text_width(s);
    return w < width ? width - w : 0;
}
