/*
 * internal.h - helpers shared inside libsurvey (sv__ names). Never included by clients.
 */
#ifndef SURVEY_INTERNAL_H
#define SURVEY_INTERNAL_H

#include <libintl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "survey/model.h"

/* Copy src into a fixed buffer, always NUL-terminated, truncating on a UTF-8 boundary.
 * Returns 1 when it fitted, 0 when truncated. src NULL gives "". */
int sv__strlcpy(char *dst, const char *src, size_t size);

/* A point number split for sv_point_number_cmp (model.c): sort keys made once per point. */
typedef struct sv__numkey {
    char prefix[8];
    int64_t num;
    int numbered; /* has digits */
    int rank;     /* J 0, T 1, other 2 */
} sv__numkey;
void sv__numkey_of(const char *number, sv__numkey *k);
/* sv_point_number_cmp's rule on split keys; equal keys compare 0 (the caller breaks the tie). */
int sv__numkey_cmp(const sv__numkey *a, const sv__numkey *b);
/* strdup that accepts NULL (returns NULL). */
char *sv__strdup(const char *s);
/* printf into a diag (NULL-safe). */
void sv__diag(sv_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A refusal the crew reads on the tablet (what they tried to record and why not), in the
 * app's language: the app binds the text domain "quejie" and sets its locale (app/i18n.c); the
 * CLI and the office set no locale, so they and their scripts read the English. The keyword
 * SV_T is what xgettext looks for (tests/integration/test_translations.sh). */
#define SV_T(msgid) dgettext("quejie", msgid)
/* A name marked for translation where it is written, translated where it is used (SV_T of a
 * variable: dgettext("quejie", name)). */
#define SV_N(msgid) (msgid)

/* Fixed-point units used in entry payloads (integers keep payloads canonical). */
#define SV__NANODEG 1e9                       /* degrees -> 1e-9 degree (0.1 mm) */
#define SV__MM 1e3                            /* metres -> millimetres */
int64_t sv__to_fixed(double v, double scale); /* rounds; NaN -> INT64_MIN (field omitted) */
double sv__from_fixed(int64_t v, double scale);

/* 1 when layer is the "layer" property of a feature the GeoJSON export writes besides units
 * (boundary points, lines, walks, tracks, signatures, notes): a task import reading the tool's
 * own export skips those (export_layers.c, beside the layer table, so a new layer is known to
 * both at once). */
int sv__ex_geojson_other_layer(const char *layer);

/* Which of the unit's fields have a verification that counts now (the rule of
 * sv_state_verifications, in state.c: the unit still registers what was verified), as bits
 * 1 << sv_field; -1 when it cannot be read. */
struct sv_journal;
int sv__state_verifications_counting(struct sv_journal *j, const char *unit);

#endif
