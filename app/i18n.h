/*
 * i18n.h - the app's strings through gettext (text domain "quejie"): Simplified Chinese by
 * default, English with --lang en. Source strings are English; assets/locale/zh_CN.po holds
 * the translations, compiled to .mo by the build.
 */
#ifndef APP_I18N_H
#define APP_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s) /* marked for translation, translated where shown */

/* Select lang ("zh_CN" or "en") with catalogues under localedir (NULL: the built-in search:
 * $QUEJIE_LOCALEDIR, the build tree, the install prefix). Returns 0, or -1 when zh_CN was
 * asked for and no catalogue was found (the UI then speaks English; the caller says so). */
int app_i18n_init(const char *lang, const char *localedir);
/* 1 when the interface speaks Chinese (code lists then show their Chinese labels). */
int app_lang_zh(void);

#endif
