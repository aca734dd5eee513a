/*
 * summary_int.h - the parts of a unit summary (summary.c) for callers inside libsurvey that
 * hold the unit's state already: the exports, which merge the states of several journals.
 * Each part computes its figures into s exactly as sv_unit_summarize does, so a value is the
 * same wherever it is shown. Each returns SV_OK or the code of its first failure, whose
 * message it keeps in s->problem (when that is still empty); the figures it could not
 * compute are NaN.
 */
#ifndef SURVEY_SUMMARY_INT_H
#define SURVEY_SUMMARY_INT_H

#include "survey/summary.h"

/* Start a summary of u in crs: every figure empty (counts 0, measures NaN, validity unknown). */
void sv__summary_init(sv_unit_summary *s, const sv_unit *u, sv_crs crs);
/* The absent parties' objection clocks of s->code in j against today's local date (absent,
 * objections_open, objections_until). */
int sv__summary_objections(sv_journal *j, sv_unit_summary *s);

/* The surveyed polygon: n lon/lat pairs, the boundary points with coordinates in number
 * order. Sets points, surveyed, surveyed_valid and surveyed_reason, and difference_pct when
 * the draft was measured first. */
int sv__summary_surveyed(sv_geo *g, size_t n, const double *lonlat, sv_unit_summary *s);

/* The draft (may be empty): has_draft, draft. */
int sv__summary_draft(sv_geo *g, const sv_geom *draft, sv_unit_summary *s);

/* The walked polygon: n lon/lat pairs, the walk vertices that are not jumps, in recording
 * order. Sets walk_vertices, walked, walk_closure_m, walked_valid and walked_reason; and
 * deviation when draft is not NULL (it costs a pass over the draft's edges per vertex). */
int sv__summary_walked(sv_geo *g, size_t n, const double *lonlat, const sv_geom *draft,
                       sv_unit_summary *s);

#endif
