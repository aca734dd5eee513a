/*
 * limits.c - checking values against the size limits of survey/limits.h.
 *
 * Pure functions of their arguments: no I/O, no allocation. Task import and the journal's
 * recording calls both use them, so that the two can never disagree on what fits.
 */
#include "survey/limits.h"

#include <stdio.h>
#include <string.h>

size_t sv_text_chars(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int sv_text_blank(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p) {
        if (*p <= 0x20 || *p == 0x7f)
            p++;
        else if (p[0] == 0xC2 && p[1] == 0xA0)
            p += 2;
        else if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
            p += 3;
        else
            return 0;
    }
    return 1;
}

/* The length of one blank character (sv_text_blank's) at p, else 0. */
static size_t blank_at(const unsigned char *p, const unsigned char *end)
{
    if (p < end && (*p <= 0x20 || *p == 0x7f))
        return 1;
    if (end - p >= 2 && p[0] == 0xC2 && p[1] == 0xA0)
        return 2;
    if (end - p >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
        return 3;
    return 0;
}

size_t sv_text_trim(const char *s, const char **start)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    const unsigned char *end = p + strlen((const char *)p);
    for (size_t k; (k = blank_at(p, end)) > 0;)
        p += k;
    for (int again = 1; again && end > p;) {
        again = 0;
        if (end[-1] <= 0x20 || end[-1] == 0x7f)
            end--, again = 1;
        else if (end - p >= 2 && end[-2] == 0xC2 && end[-1] == 0xA0)
            end -= 2, again = 1;
        else if (end - p >= 3 && end[-3] == 0xE3 && end[-2] == 0x80 && end[-1] == 0x80)
            end -= 3, again = 1;
    }
    if (start)
        *start = (const char *)p;
    return (size_t)(end - p);
}

static void put(char *why, size_t len, const char *fmt, const char *what, size_t have, size_t limit)
{
    if (why && len)
        snprintf(why, len, fmt, what, have, limit);
}

/* SV_OK when s (may be NULL) has at most max characters. */
static int text_fits(const char *s, const char *what, size_t max, char *why, size_t len)
{
    size_t n = sv_text_chars(s);
    if (n <= max)
        return SV_OK;
    put(why, len, "%s has %zu characters; the limit is %zu", what, n, max);
    return SV_EINVAL;
}

/* SV_OK when g (what names it in messages) is within the vertex, ring and part limits. */
static int geom_fits(const sv_geom *g, const char *what, char *why, size_t len)
{
    if (g->n_pts > SV_LIMIT_UNIT_VERTICES) {
        put(why, len, "%s has %zu vertices; the limit is %zu", what, g->n_pts,
            (size_t)SV_LIMIT_UNIT_VERTICES);
        return SV_EINVAL;
    }
    if (g->n_rings > SV_LIMIT_UNIT_RINGS) {
        put(why, len, "%s has %zu rings; the limit is %zu", what, g->n_rings,
            (size_t)SV_LIMIT_UNIT_RINGS);
        return SV_EINVAL;
    }
    if (g->n_parts > SV_LIMIT_UNIT_PARTS) {
        put(why, len, "%s has %zu polygons; the limit is %zu", what, g->n_parts,
            (size_t)SV_LIMIT_UNIT_PARTS);
        return SV_EINVAL;
    }
    return SV_OK;
}

int sv_geom_check_limits(const sv_geom *g, char *why, size_t len)
{
    if (why && len)
        why[0] = '\0';
    return g ? geom_fits(g, "the geometry", why, len) : SV_OK;
}

int sv_unit_code_ok(const char *code)
{
    return code && !strchr(code, '/') && !strchr(code, '\\') && !strstr(code, "..");
}

int sv_unit_check_limits(const sv_unit *u, char *why, size_t len)
{
    if (why && len)
        why[0] = '\0';
    if (!u)
        return SV_OK;
    /* code and type are fixed arrays of SV_CODE_MAX: a missing NUL is the only way past. */
    for (size_t k = 0; k < 2; k++) {
        const char *f = k ? u->type : u->code;
        size_t n = 0;
        while (n < SV_CODE_MAX && f[n])
            n++;
        if (n > SV_LIMIT_CODE_BYTES) {
            put(why, len, "%s has %zu or more bytes; the limit is %zu", k ? "type" : "code", n,
                (size_t)SV_LIMIT_CODE_BYTES);
            return SV_EINVAL;
        }
    }
    /* A code names the unit in addresses (the office's /unit/CODE, /api/v1/units/CODE) and in
     * file names: no path in it, which no registration unit number (登记单元号) has. */
    if (!sv_unit_code_ok(u->code)) {
        if (why && len)
            snprintf(why, len, "code %s contains '/', '\\' or '..', which no unit code has",
                     u->code);
        return SV_EINVAL;
    }
    int rc = text_fits(u->name, "name", SV_LIMIT_NAME_CHARS, why, len);
    if (rc == SV_OK)
        rc = text_fits(u->location, "location", SV_LIMIT_NAME_CHARS, why, len);
    for (int f = 0; rc == SV_OK && f < SV_FIELD_COUNT; f++)
        rc = text_fits(u->fields[f], sv_field_name((sv_field)f),
                       f == SV_FIELD_RIGHTS ? SV_LIMIT_TEXT_CHARS : SV_LIMIT_NAME_CHARS, why, len);
    if (rc == SV_OK)
        rc = text_fits(u->control, "control", SV_LIMIT_TEXT_CHARS, why, len);
    if (rc == SV_OK)
        rc = text_fits(u->source, "source", SV_LIMIT_NAME_CHARS, why, len);
    if (rc != SV_OK)
        return rc;
    return geom_fits(&u->draft, "the draft", why, len);
}
