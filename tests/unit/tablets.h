/*
 * tablets.h - what the office-side unit tests share: a temporary directory (dir, made by the
 * test's main with mkdtemp), files in it (path_of), and tablets: journals with the county units
 * of the task package in fixture imported, as `quejie tasks import` does.
 */
#ifndef QJ_TABLETS_H
#define QJ_TABLETS_H

#include <math.h>
#include <stdio.h>

#include "check.h"
#include "survey/journal.h"
#include "survey/state.h"
#include "survey/tasks.h"

static char dir[256];
static char fixture[512];

/* DIR/NAME; up to eight results are valid at once. */
static char *path_of(const char *name)
{
    static char buf[8][512];
    static int k;
    char *b = buf[k++ % 8];
    snprintf(b, 512, "%s/%s", dir, name);
    return b;
}

/* A tablet: a journal DIR/NAME of crew with the county units imported. */
static sv_journal *tablet(const char *name, const char *crew)
{
    sv_journal_opts o = {name, crew, 0, NAN};
    sv_journal *j = NULL;
    CHECK_INT(sv_journal_create(path_of(name), &o, &j), SV_OK);
    sv_geo *g = NULL;
    CHECK_INT(sv_geo_new(&g), SV_OK);
    sv_task_set set;
    sv_diag d = {{0}};
    CHECK_INT(sv_tasks_read(fixture, g, NULL, &set, &d), SV_OK);
    for (size_t i = 0; i < set.n; i++)
        CHECK_INT(sv_record_unit(j, &set.units[i], NULL), SV_OK);
    sv_task_set_clear(&set);
    sv_geo_free(g);
    return j;
}

#endif
