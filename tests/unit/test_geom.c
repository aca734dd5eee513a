/*
 * test_geom.c - polygon validity through GEOS (survey/src/geom.c): valid shapes pass, each
 * class of invalid shape the outside checks found (hole outside or across its shell, a
 * zero-area ring, a bow-tie, overlapping parts) is refused with GEOS's reason.
 */
#include "check.h"
#include "survey/geom.h"

#include <string.h>

/* A geometry of one part from rings given as lon/lat arrays (closing point included). */
static sv_geom one_part(size_t nrings, const size_t *pts, double *ll)
{
    size_t total = 0;
    for (size_t r = 0; r < nrings; r++)
        total += pts[r];
    static size_t part;
    part = nrings;
    sv_geom g = {1, &part, nrings, (size_t *)pts, total, ll};
    return g;
}

static void test_valid(void)
{
    char why[256];
    double sq[] = {103, 35, 103.01, 35, 103.01, 35.01, 103, 35.01, 103, 35};
    size_t n1[] = {5};
    sv_geom g = one_part(1, n1, sq);
    CHECK_INT(sv_geom_validate(&g, why, sizeof why), SV_OK);
    CHECK(why[0] == '\0');
    /* a square with a hole well inside */
    double holed[] = {103,     35,     103.01,  35,      103.01,  35.01,   103,
                      35.01,   103,    35,      103.004, 35.004,  103.004, 35.006,
                      103.006, 35.006, 103.006, 35.004,  103.004, 35.004};
    size_t n2[] = {5, 5};
    g = one_part(2, n2, holed);
    CHECK_INT(sv_geom_validate(&g, why, sizeof why), SV_OK);
    /* the ring alone, open (not repeating its first point): closed here */
    CHECK_INT(sv_ring_validate(4, sq, why, sizeof why), SV_OK);
    CHECK_INT(sv_ring_validate(5, sq, why, sizeof why), SV_OK);
    /* clockwise is still valid: orientation is the exporter's business, not validity's */
    double cw[] = {103, 35, 103, 35.01, 103.01, 35.01, 103.01, 35, 103, 35};
    CHECK_INT(sv_ring_validate(5, cw, why, sizeof why), SV_OK);
}

static void test_invalid(void)
{
    char why[256];
    size_t n2[] = {5, 5};
    /* a hole outside its shell */
    double outside[] = {103,    35,    103.01, 35,    103.01, 35.01, 103,    35.01, 103,    35,
                        103.02, 35.02, 103.02, 35.03, 103.03, 35.03, 103.03, 35.02, 103.02, 35.02};
    sv_geom g = one_part(2, n2, outside);
    CHECK_INT(sv_geom_validate(&g, why, sizeof why), SV_EGEOM);
    if (!(strstr(why, "outside") != NULL))
        fprintf(stderr, "reason: %s\n", why);
    CHECK(strstr(why, "outside") != NULL);
    /* ... in Chinese for the forms and the console, the position kept */
    char zh[300];
    CHECK_INT(sv_validity_reason_zh(why, zh, sizeof zh), 1);
    CHECK(strncmp(zh, "内环在外环之外（位置 103.0", strlen("内环在外环之外（位置 103.0")) == 0);
    CHECK(strstr(zh, "）") != NULL);
    CHECK_INT(sv_validity_reason_zh("Self-intersection[103.2 35.5]", zh, sizeof zh), 1);
    CHECK_STR(zh, "边界自相交（位置 103.2 35.5）");
    CHECK_INT(sv_validity_reason_zh("Something new[1 2]", zh, sizeof zh), 0);
    CHECK_STR(zh, "Something new[1 2]");
    /* a hole crossing its shell */
    double across[] = {103,     35,    103.01,  35,      103.01,  35.01,   103,
                       35.01,   103,   35,      103.005, 35.005,  103.005, 35.02,
                       103.006, 35.02, 103.006, 35.005,  103.005, 35.005};
    g = one_part(2, n2, across);
    CHECK_INT(sv_geom_validate(&g, why, sizeof why), SV_EGEOM);
    if (!(why[0] != '\0'))
        fprintf(stderr, "reason: %s\n", why);
    CHECK(why[0] != '\0');
    /* a zero-area ring: there and back along one line */
    double flat[] = {103, 35, 103.01, 35.01, 103.02, 35.02, 103.01, 35.01, 103, 35};
    CHECK_INT(sv_ring_validate(5, flat, why, sizeof why), SV_EGEOM);
    if (!(why[0] != '\0'))
        fprintf(stderr, "reason: %s\n", why);
    CHECK(why[0] != '\0');
    /* a bow-tie */
    double bow[] = {103, 35, 103.01, 35.01, 103.01, 35, 103, 35.01, 103, 35};
    CHECK_INT(sv_ring_validate(5, bow, why, sizeof why), SV_EGEOM);
    if (!(strstr(why, "ntersection") != NULL))
        fprintf(stderr, "reason: %s\n", why);
    CHECK(strstr(why, "ntersection") != NULL);
    /* too few positions */
    CHECK_INT(sv_ring_validate(2, bow, why, sizeof why), SV_EGEOM);
    /* two overlapping parts */
    double two[] = {103,     35,     103.01,  35,      103.01,  35.01,   103,
                    35.01,   103,    35,      103.005, 35.005,  103.015, 35.005,
                    103.015, 35.015, 103.005, 35.015,  103.005, 35.005};
    size_t parts[] = {1, 1}, rp[] = {5, 5};
    sv_geom m = {2, parts, 2, rp, 10, two};
    CHECK_INT(sv_geom_validate(&m, why, sizeof why), SV_EGEOM);
    /* an empty geometry and a NULL reason buffer */
    sv_geom empty;
    memset(&empty, 0, sizeof empty);
    CHECK_INT(sv_geom_validate(&empty, NULL, 0), SV_EGEOM);
}

/* The zone a unit goes to (sv_geom_zone_lon): the one holding most of its area, however its
 * vertices are spread (the helper's case: 41 vertices on the west edge at 103.45, 90 % of the
 * area east of 103.5; and a rectangle 55 % east whose closing vertex tipped the mean west). */
static void test_zone(void)
{
    double ll[2 * 45];
    size_t k = 0;
    ll[k++] = 103.45, ll[k++] = 35.50;
    ll[k++] = 103.95, ll[k++] = 35.50;
    ll[k++] = 103.95, ll[k++] = 35.60;
    for (int i = 40; i >= 0; i--) /* the west edge, densely, north to south */
        ll[k++] = 103.45, ll[k++] = 35.50 + 0.0025 * i;
    size_t n[] = {k / 2};
    sv_geom g = one_part(1, n, ll);
    double lon = 0;
    CHECK_INT(sv_geom_zone_lon(&g, &lon), SV_OK);
    CHECK(lon == 105.0);
    double rect[] = {103.45, 35.5, 103.56, 35.5, 103.56, 35.6, 103.45, 35.6, 103.45, 35.5};
    size_t n5[] = {5};
    g = one_part(1, n5, rect);
    CHECK_INT(sv_geom_zone_lon(&g, &lon), SV_OK);
    CHECK(lon == 105.0);
    double west[] = {103.40, 35.5, 103.56, 35.5, 103.56, 35.6, 103.40, 35.6, 103.40, 35.5};
    g = one_part(1, n5, west); /* 62.5 % west of the edge */
    CHECK_INT(sv_geom_zone_lon(&g, &lon), SV_OK);
    CHECK(lon == 102.0);
    double one[] = {103, 35, 103.01, 35, 103.01, 35.01, 103, 35.01, 103, 35};
    g = one_part(1, n5, one);
    CHECK_INT(sv_geom_zone_lon(&g, &lon), SV_OK);
    CHECK(lon == 102.0);
}

int main(void)
{
    test_valid();
    test_invalid();
    test_zone();
    return check_finish();
}
