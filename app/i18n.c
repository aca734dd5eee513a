/*
 * i18n.c - gettext set-up. glibc ignores LANGUAGE while the message locale is "C", and a
 * tablet image may have no zh_CN locale generated at all, so the message locale is C.UTF-8
 * (always present on Debian) and the language is chosen through LANGUAGE. Only LC_MESSAGES
 * and LC_CTYPE change: numbers keep the C locale's decimal point everywhere.
 */
#include "i18n.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef QUEJIE_BUILD_LOCALEDIR
#define QUEJIE_BUILD_LOCALEDIR ""
#endif
#ifndef QUEJIE_INSTALL_LOCALEDIR
#define QUEJIE_INSTALL_LOCALEDIR "/usr/share/locale"
#endif

static int has_catalogue(const char *dir)
{
    if (!dir || !*dir)
        return 0;
    char p[4096];
    size_t n = strlen(dir);
    if (n + 64 > sizeof p)
        return 0;
    memcpy(p, dir, n);
    strcpy(p + n, "/zh_CN/LC_MESSAGES/quejie.mo");
    return access(p, R_OK) == 0;
}

static int lang_zh = 1;

int app_lang_zh(void)
{
    return lang_zh;
}

int app_i18n_init(const char *lang, const char *localedir)
{
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        setlocale(LC_CTYPE, "");
    if (!setlocale(LC_MESSAGES, "C.UTF-8"))
        setlocale(LC_MESSAGES, "");
    const char *dirs[] = {localedir, getenv("QUEJIE_LOCALEDIR"), QUEJIE_BUILD_LOCALEDIR,
                          QUEJIE_INSTALL_LOCALEDIR};
    const char *dir = NULL;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0] && !dir; i++)
        if (has_catalogue(dirs[i]))
            dir = dirs[i];
    int en = lang && strncmp(lang, "en", 2) == 0;
    setenv("LANGUAGE", en ? "en" : "zh_CN", 1);
    lang_zh = !en && dir != NULL;
    bindtextdomain("quejie", dir ? dir : QUEJIE_INSTALL_LOCALEDIR);
    bind_textdomain_codeset("quejie", "UTF-8");
    textdomain("quejie");
    return en || dir ? 0 : -1;
}
