/*
 * settings.c - the app's own settings (app.h, app_settings): DPI (auto or a value), text size
 * (small, normal, large) and theme (high-contrast daylight, night). They describe the tablet's
 * display, not the survey, so they are not journaled: they live in JOURNAL.settings.json beside
 * the journal, written with jansson and replaced atomically (survey/fileio.h), like the session
 * file. A missing file means the defaults; a damaged one is reported and the defaults used.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "survey/fileio.h"

#define DPI_MIN 50
#define DPI_MAX 1000

static const char *const SIZE_NAMES[] = {"small", "normal", "large"};
static const float SIZE_SCALE[] = {0.85f, 1.0f, 1.25f};

static void defaults(app_settings *s)
{
    s->dpi = 0;
    s->text_size = APP_TEXT_NORMAL;
    s->theme = APP__THEME_DAY;
    s->lang = 0;
}

static int settings_path(const char *journal_path, char *out, size_t n)
{
    int k = snprintf(out, n, "%s.settings.json", journal_path);
    return k > 0 && (size_t)k < n ? 0 : -1;
}

int app_settings_load(const char *journal_path, app_settings *s, char *err, size_t errlen)
{
    defaults(s);
    char path[1100];
    if (!journal_path || !journal_path[0] || settings_path(journal_path, path, sizeof path) != 0)
        return 0;
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        FILE *f = fopen(path, "r");
        if (!f && errno == ENOENT)
            return 0;
        if (f)
            fclose(f);
        snprintf(err, errlen, "%s: line %d: %s (default settings used)", path, je.line, je.text);
        return -1;
    }
    const char *problem = NULL;
    json_t *dpi = json_object_get(root, "dpi"), *size = json_object_get(root, "text_size"),
           *theme = json_object_get(root, "theme"), *lang = json_object_get(root, "lang");
    if (dpi && !json_is_null(dpi)) {
        if (json_is_string(dpi) && strcmp(json_string_value(dpi), "auto") == 0)
            s->dpi = 0;
        else if (json_is_integer(dpi) && json_integer_value(dpi) >= DPI_MIN &&
                 json_integer_value(dpi) <= DPI_MAX)
            s->dpi = (int)json_integer_value(dpi);
        else
            problem = "\"dpi\" is neither \"auto\" nor a whole number from 50 to 1000";
    }
    if (size && !problem) {
        int found = 0;
        for (int i = 0; i < 3; i++)
            if (json_is_string(size) && strcmp(json_string_value(size), SIZE_NAMES[i]) == 0)
                s->text_size = (app_text_size)i, found = 1;
        if (!found)
            problem = "\"text_size\" is not small, normal or large";
    }
    if (theme && !problem) {
        int found = 0;
        for (int i = 0; i < APP__NTHEMES; i++)
            if (json_is_string(theme) && strcmp(json_string_value(theme), app__themes[i].name) == 0)
                s->theme = i, found = 1;
        if (!found)
            problem = "\"theme\" is not day or night";
    }
    if (lang && !json_is_null(lang) && !problem) {
        const char *l = json_string_value(lang);
        if (l && strcmp(l, "zh_CN") == 0)
            s->lang = 1;
        else if (l && strcmp(l, "en") == 0)
            s->lang = 2;
        else
            problem = "\"lang\" is not zh_CN or en";
    }
    json_decref(root);
    if (problem) {
        defaults(s);
        snprintf(err, errlen, "%s: %s (default settings used)", path, problem);
        return -1;
    }
    return 0;
}

int app_settings_save(const char *journal_path, const app_settings *s, char *err, size_t errlen)
{
    char path[1100];
    if (!journal_path || !journal_path[0] || settings_path(journal_path, path, sizeof path) != 0) {
        snprintf(err, errlen, "no journal path to keep the settings beside");
        return -1;
    }
    json_t *root = json_object();
    int bad = !root;
    bad |=
        json_object_set_new(root, "dpi", s->dpi > 0 ? json_integer(s->dpi) : json_string("auto"));
    bad |= json_object_set_new(
        root, "text_size",
        json_string(SIZE_NAMES[s->text_size <= APP_TEXT_LARGE ? s->text_size : 1]));
    bad |= json_object_set_new(
        root, "theme",
        json_string(app__themes[s->theme >= 0 && s->theme < APP__NTHEMES ? s->theme : 0].name));
    if (s->lang == 1 || s->lang == 2)
        bad |= json_object_set_new(root, "lang", json_string(s->lang == 2 ? "en" : "zh_CN"));
    char *text = bad ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(root);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t len = strlen(text);
    int rc = sv_file_write_atomic(path, text, len, 0644, 0);
    int e = errno;
    free(text);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -1;
    }
    return 0;
}

float app_px_per_mm(app *a, float platform_ppmm)
{
    a->auto_dpi = (int)lroundf(platform_ppmm * 25.4f);
    if (a->dpi_cli > 0)
        return (float)a->dpi_cli / 25.4f;
    if (a->set.dpi > 0)
        return (float)a->set.dpi / 25.4f;
    return platform_ppmm;
}

float app_text_scale(const app *a)
{
    return SIZE_SCALE[a->set.text_size <= APP_TEXT_LARGE ? a->set.text_size : 1];
}
