/*
 * limits.h - the size limits of everything a journal accepts, in one place.
 *
 * Nothing a journal accepts may block sync: every entry must fit the bundle codec (8 MiB of
 * encoded entries, sync/bundle.h) with room to spare. The limits below keep the largest
 * possible entry (a unit at every limit: 200,000 vertices of 12-digit nanodegrees and every
 * text at its maximum) near 5 MB, and are far above anything a county draws or types (a
 * unit boundary digitised at 1:2,000 has thousands to tens of thousands of vertices, a name a
 * few dozen characters). Task import (sv_tasks_read, sv_tasks_parse, sv_tasks_import_*, which
 * the CLI, the sync client and the office all use) refuses a package that goes past one, naming
 * the file, the feature and the limit; the journal's recording calls refuse such a value too
 * (SV_EINVAL), so no other path can record one. docs/tasks.md lists them for counties.
 *
 * Text limits count Unicode characters (UTF-8 code points), not bytes: 1,000 characters of
 * Chinese is 3,000 bytes.
 */
#ifndef SURVEY_LIMITS_H
#define SURVEY_LIMITS_H

#include "survey/model.h"
#include "survey/survey.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A task package file (GeoJSON), in bytes. */
#define SV_LIMIT_PACKAGE_BYTES (512u * 1024u * 1024u)
/* Units (features) in one task package. */
#define SV_LIMIT_PACKAGE_UNITS 100000u
/* Unit code (登记单元号) and unit type, in bytes: the fixed fields of sv_unit. */
#define SV_LIMIT_CODE_BYTES (SV_CODE_MAX - 1)
/* Positions in all rings of one unit's draft (a dispute's area too). */
#define SV_LIMIT_UNIT_VERTICES 200000u
/* Rings (shells and holes together) of one unit's draft. */
#define SV_LIMIT_UNIT_RINGS 10000u
/* Polygons (parts) of one unit's draft. */
#define SV_LIMIT_UNIT_PARTS 10000u
/* Names: a unit's name and location, its ownership fields except the content of exercise
 * (owner, representative, agent, mode, manager), parties, persons, signers, roles,
 * neighbours, code-list labels. In characters. */
#define SV_LIMIT_NAME_CHARS 1000u
/* Free text: the content of exercise (rights), public-control notes, verification values and
 * notes, dispute statements, point notes, override and withdrawal reasons, settings. In
 * characters. */
#define SV_LIMIT_TEXT_CHARS 10000u

/* Unicode characters (code points) in the UTF-8 text s: its bytes that do not continue a
 * sequence. 0 for NULL. */
size_t sv_text_chars(const char *s);
/* 1 when s holds nothing but white space: ASCII space and control characters, the no-break
 * space (U+00A0) and the ideographic space (U+3000, the full-width space of Chinese input);
 * also for NULL and "". A required text that is blank is missing, not given. */
int sv_text_blank(const char *s);
/* s without the blank (as sv_text_blank counts it) before and after it: *start (may be NULL)
 * points into s at its first other character; returns the length up to the last one (0 for a
 * blank s or NULL). Party names are recorded so (record.c). */
size_t sv_text_trim(const char *s, const char **start);

/*
 * Does u fit the limits above (code and type, every text property, vertices, rings and parts
 * of the draft), and is its code free of a path ('/', '\\', "..")? SV_OK, or SV_EINVAL with one
 * line in why naming the property or the count and the limit ("name has 1,204 characters; the limit
 * is 1,000"). why may be NULL.
 */
int sv_unit_check_limits(const sv_unit *u, char *why, size_t len);

/* 1 when code has no path in it ('/', '\\', ".."): a code names its unit in the office's
 * addresses (/unit/CODE, /api/v1/units/CODE) and in file names, and no registration unit number
 * (登记单元号) has one. Task import (tasks.h) and recording a unit refuse any other. */
int sv_unit_code_ok(const char *code);

/* The same for a geometry alone (a dispute's area): vertices, rings, parts. */
int sv_geom_check_limits(const sv_geom *g, char *why, size_t len);

#ifdef __cplusplus
}
#endif
#endif
