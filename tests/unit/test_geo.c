/*
 * test_geo.c - unit tests of the geodesy module (survey/src/geo.c) against figures computed
 * independently with PROJ 9.1.1's command-line tools (cs2cs, geod, projinfo from proj-bin).
 *
 * Each expected value carries the command that produced it. In those commands
 *   E = "+a=6378137 +rf=298.257222101"   (the CGCS2000 ellipsoid)
 * and cs2cs with EPSG codes uses the authority axis order: EPSG:4490 is "lat lon", the GK
 * systems are "northing easting".
 *
 * Ellipsoidal polygon areas: `geod` has no polygon area, GDAL 3.6 (ogr) has no geodesic area
 * and there is no osgeo or pyproj module, so they were computed by a different method than
 * geo.c's (GeographicLib's geod_polygon): the script at the end of this file densifies every
 * edge along the geodesic with `geod $E -I +n_S=200`, projects the points to an ellipsoidal
 * Lambert azimuthal equal-area plane with `cs2cs +proj=longlat $E +to +proj=laea ...` (exactly
 * area-preserving) and takes the shoelace area there. Moving the laea centre by 1.5 degrees
 * changes the result by 1e-4 m2, which bounds the error of the method. Perimeters are sums of
 * `geod -I` edge lengths; GK plane areas are shoelace areas of the corners given by
 * `cs2cs EPSG:4490 EPSG:4522`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "survey/geo.h"

static sv_crs epsg(int code)
{
    return (sv_crs){code, NAN};
}

static sv_crs cm(double central_meridian)
{
    return (sv_crs){0, central_meridian};
}

/* The Linxia point 35.55 N 103.2 E, a degree and a fifth east of zone 34's meridian. */
#define LX_LAT 35.55
#define LX_LON 103.2

static void test_zones(void)
{
    CHECK_INT(sv_geo_zone(103.2), 34);
    CHECK_INT(sv_geo_zone(103.4999999), 34);
    CHECK_INT(sv_geo_zone(103.5), 35); /* Linxia's zone edge belongs to the eastern zone */
    CHECK_INT(sv_geo_zone(100.5), 34);
    CHECK_INT(sv_geo_zone(87.0), 29);
    CHECK_INT(sv_geo_zone(NAN), 0);

    CHECK_INT(sv_geo_default_epsg(103.2), 4522);
    CHECK_INT(sv_geo_default_epsg(103.5), 4523);
    CHECK_INT(sv_geo_default_epsg(87.0), 4517); /* Changji */
    CHECK_INT(sv_geo_default_epsg(73.5), 4513); /* zone 25, west edge */
    CHECK_INT(sv_geo_default_epsg(73.49), 0);
    CHECK_INT(sv_geo_default_epsg(136.49), 4533); /* zone 45 */
    CHECK_INT(sv_geo_default_epsg(136.5), 0);
    CHECK_INT(sv_geo_default_epsg(NAN), 0);

    CHECK(sv_geo_is_gk_epsg(4513) && sv_geo_is_gk_epsg(4554));
    CHECK(!sv_geo_is_gk_epsg(4512) && !sv_geo_is_gk_epsg(4555) && !sv_geo_is_gk_epsg(4490));

    /* Central meridians as `projinfo EPSG:<code> -o PROJ` gives them (+lon_0=):
     * 4513 -> 75, 4517 -> 87, 4522 -> 102, 4523 -> 105, 4533 -> 135,
     * 4534 -> 75, 4538 -> 87, 4540 -> 93, 4543 -> 102, 4544 -> 105, 4554 -> 135. */
    static const int codes[] = {4513, 4517, 4522, 4523, 4533, 4534, 4538, 4540, 4543, 4544, 4554};
    static const double cms[] = {75, 87, 102, 105, 135, 75, 87, 93, 102, 105, 135};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        CHECK_NEAR(sv_geo_central_meridian(epsg(codes[i])), cms[i], 0);
    CHECK_NEAR(sv_geo_central_meridian(cm(103.0)), 103.0, 0);
    CHECK(isnan(sv_geo_central_meridian(epsg(4490))));
    CHECK(isnan(sv_geo_central_meridian(cm(NAN))));

    sv_crs c = sv_geo_choose(4523, NAN, 4522, NAN, 103.2);
    CHECK_INT(c.epsg, 4523);
    c = sv_geo_choose(0, 103.0, 4522, NAN, 103.2);
    CHECK(c.epsg == 0 && c.central_meridian == 103.0);
    c = sv_geo_choose(0, NAN, 4523, NAN, 103.2);
    CHECK_INT(c.epsg, 4523);
    c = sv_geo_choose(0, NAN, 0, 104.0, 103.2);
    CHECK(c.epsg == 0 && c.central_meridian == 104.0);
    c = sv_geo_choose(0, NAN, 0, NAN, 103.5);
    CHECK_INT(c.epsg, 4523);
    c = sv_geo_choose(0, NAN, 0, NAN, 10.2); /* outside China: a plain 3-degree zone */
    CHECK(c.epsg == 0 && c.central_meridian == 9.0);
}

static void test_transforms(sv_geo *g)
{
    double n, e, lat, lon;

    /* echo "35.55 103.2" | cs2cs -f %.4f EPSG:4490 EPSG:4522  ->  3936275.5471 34608810.3583 */
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), LX_LAT, LX_LON, &n, &e), SV_OK);
    CHECK_NEAR(n, 3936275.5471, 1e-3);
    CHECK_NEAR(e, 34608810.3583, 1e-3);
    /* Axis order: northing first and about 3.9e6 m, easting carrying the zone prefix 34. With
     * swapped axes these would be 3.46e7 and 3.9e6. */
    CHECK(n > 3.9e6 && n < 4.0e6);
    CHECK(e >= 34.0e6 && e < 35.0e6);
    /* echo "3936275.5471 34608810.3583" | cs2cs -f %.10f EPSG:4522 EPSG:4490
     *   ->  35.5499999998 103.2000000002 */
    CHECK_INT(sv_geo_from_plane(g, epsg(4522), 3936275.5471, 34608810.3583, &lat, &lon), SV_OK);
    CHECK_NEAR(lat, 35.5499999998, 2e-10);
    CHECK_NEAR(lon, 103.2000000002, 2e-10);
    /* echo "3935000 34518000" | cs2cs -f %.10f EPSG:4522 EPSG:4490
     *   ->  35.5443117052 102.1985011066 */
    CHECK_INT(sv_geo_from_plane(g, epsg(4522), 3935000, 34518000, &lat, &lon), SV_OK);
    CHECK_NEAR(lat, 35.5443117052, 1e-10);
    CHECK_NEAR(lon, 102.1985011066, 1e-10);
    /* The same numbers swapped: cs2cs gives "* * inf" for "34518000 3935000"; the library
     * refuses them before PROJ sees them. */
    CHECK_INT(sv_geo_from_plane(g, epsg(4522), 34518000, 3935000, &lat, &lon), SV_EINVAL);
    CHECK(strstr(sv_geo_errmsg(g), "swapped") != NULL);

    /* Zone 35 (the other side of Linxia's edge).
     * echo "35.55 103.2" | cs2cs -f %.4f EPSG:4490 EPSG:4523  ->  3937103.9433 35336779.5891
     * echo "3937103.9433 35336779.5891" | cs2cs -f %.10f EPSG:4523 EPSG:4490
     *   ->  35.5500000003 103.1999999997 */
    CHECK_INT(sv_geo_to_plane(g, epsg(4523), LX_LAT, LX_LON, &n, &e), SV_OK);
    CHECK_NEAR(n, 3937103.9433, 1e-3);
    CHECK_NEAR(e, 35336779.5891, 1e-3);
    CHECK_INT(sv_geo_from_plane(g, epsg(4523), 3937103.9433, 35336779.5891, &lat, &lon), SV_OK);
    CHECK_NEAR(lat, 35.5500000003, 2e-10);
    CHECK_NEAR(lon, 103.1999999997, 2e-10);

    /* Zone 34 without the prefix, EPSG:4543 (4534 + 34 - 25).
     * echo "35.55 103.2" | cs2cs -f %.4f EPSG:4490 EPSG:4543  ->  3936275.5471 608810.3583
     * echo "3936275.5471 608810.3583" | cs2cs -f %.10f EPSG:4543 EPSG:4490
     *   ->  35.5499999998 103.2000000002 */
    CHECK_INT(sv_geo_to_plane(g, epsg(4543), LX_LAT, LX_LON, &n, &e), SV_OK);
    CHECK_NEAR(n, 3936275.5471, 1e-3);
    CHECK_NEAR(e, 608810.3583, 1e-3);
    CHECK_INT(sv_geo_from_plane(g, epsg(4543), 3936275.5471, 608810.3583, &lat, &lon), SV_OK);
    CHECK_NEAR(lat, 35.5499999998, 2e-10);
    CHECK_NEAR(lon, 103.2000000002, 2e-10);

    /* EPSG:4540 is CM 93E (zone 31 without prefix), ten degrees west of Linxia: far outside
     * its zone, but the transverse Mercator is still defined there.
     * echo "35.55 103.2" | cs2cs -f %.4f EPSG:4490 EPSG:4540  ->  3983858.1433 1426448.9619
     * echo "3983858.1433 1426448.9619" | cs2cs -f %.10f EPSG:4540 EPSG:4490
     *   ->  35.5500000002 103.2000000005 */
    CHECK_INT(sv_geo_to_plane(g, epsg(4540), LX_LAT, LX_LON, &n, &e), SV_OK);
    CHECK_NEAR(n, 3983858.1433, 1e-3);
    CHECK_NEAR(e, 1426448.9619, 1e-3);
    CHECK_INT(sv_geo_from_plane(g, epsg(4540), 3983858.1433, 1426448.9619, &lat, &lon), SV_OK);
    CHECK_NEAR(lat, 35.5500000002, 2e-10);
    CHECK_NEAR(lon, 103.2000000005, 2e-10);

    /* Changji, 87.3 E 44 N, zone 29.
     * echo "44.0 87.3" | cs2cs -f %.4f EPSG:4490 EPSG:4517  ->  4873866.1290 29524061.8620
     * echo "4873866.1290 29524061.8620" | cs2cs -f %.10f EPSG:4517 EPSG:4490
     *   ->  44.0000000002 87.3000000004 */
    CHECK_INT(sv_geo_to_plane(g, epsg(4517), 44.0, 87.3, &n, &e), SV_OK);
    CHECK_NEAR(n, 4873866.1290, 1e-3);
    CHECK_NEAR(e, 29524061.8620, 1e-3);
    CHECK_INT(sv_geo_from_plane(g, epsg(4517), 4873866.1290, 29524061.8620, &lat, &lon), SV_OK);
    CHECK_NEAR(lat, 44.0000000002, 2e-10);
    CHECK_NEAR(lon, 87.3000000004, 2e-10);

    /* Custom central meridian 103 E. The independent figure uses a PROJ string CRS on the
     * CGCS2000 ellipsoid (GRS80 gives the same to 0.1 mm):
     * echo "103.2 35.55" | cs2cs -f %.4f +proj=longlat $E +to +proj=tmerc +lat_0=0 +lon_0=103
     *     +k=1 +x_0=500000 +y_0=0 $E +units=m          ->  518134.6384 3935631.3959 (east north)
     * echo "518000 3935000" | cs2cs -f %.10f +proj=tmerc +lat_0=0 +lon_0=103 +k=1 +x_0=500000
     *     +y_0=0 $E +units=m +to +proj=longlat $E      ->  103.1985011066 35.5443117052 */
    CHECK_INT(sv_geo_to_plane(g, cm(103.0), LX_LAT, LX_LON, &n, &e), SV_OK);
    CHECK_NEAR(n, 3935631.3959, 1e-3);
    CHECK_NEAR(e, 518134.6384, 1e-3);
    CHECK_INT(sv_geo_from_plane(g, cm(103.0), 3935000, 518000, &lat, &lon), SV_OK);
    CHECK_NEAR(lat, 35.5443117052, 1e-10);
    CHECK_NEAR(lon, 103.1985011066, 1e-10);

    /* Zone edge: 103.5 E lies 1.5 degrees from both meridians, so the two zones' eastings are
     * mirror images around their false eastings and the northings agree.
     * echo "35.55 103.5" | cs2cs -f %.4f EPSG:4490 EPSG:4522  ->  3936648.2973 34636014.7755
     * echo "35.55 103.5" | cs2cs -f %.4f EPSG:4490 EPSG:4523  ->  3936648.2973 35363985.2245 */
    double n35, e35;
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), LX_LAT, 103.5, &n, &e), SV_OK);
    CHECK_INT(sv_geo_to_plane(g, epsg(sv_geo_default_epsg(103.5)), LX_LAT, 103.5, &n35, &e35),
              SV_OK);
    CHECK_NEAR(n, 3936648.2973, 1e-3);
    CHECK_NEAR(e, 34636014.7755, 1e-3);
    CHECK_NEAR(n35, 3936648.2973, 1e-3);
    CHECK_NEAR(e35, 35363985.2245, 1e-3);

    /* Refusals. */
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), NAN, LX_LON, &n, &e), SV_EINVAL);
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), LX_LAT, NAN, &n, &e), SV_EINVAL);
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), 95.0, LX_LON, &n, &e), SV_EINVAL);
    CHECK_INT(sv_geo_from_plane(g, epsg(4522), NAN, 34518000, &lat, &lon), SV_EINVAL);
    CHECK_INT(sv_geo_to_plane(g, epsg(4490), LX_LAT, LX_LON, &n, &e), SV_ECRS);
    CHECK(strstr(sv_geo_errmsg(g), "4490") != NULL);
    CHECK_INT(sv_geo_to_plane(g, epsg(9999), LX_LAT, LX_LON, &n, &e), SV_ECRS);
    CHECK_INT(sv_geo_to_plane(g, cm(NAN), LX_LAT, LX_LON, &n, &e), SV_ECRS);
    CHECK_INT(sv_geo_to_plane(g, cm(200.0), LX_LAT, LX_LON, &n, &e), SV_ECRS);
}

/* More CRSs than the cache holds, in turn, twice: evicted transformations must come back
 * right, and a cached one must not answer for another CRS. */
static void test_cache(sv_geo *g)
{
    for (int round = 0; round < 2; round++) {
        for (int code = 4513; code <= 4554; code++) {
            double cmer = sv_geo_central_meridian(epsg(code)), n, e, lat, lon;
            CHECK_INT(sv_geo_to_plane(g, epsg(code), 40.0, cmer + 0.5, &n, &e), SV_OK);
            double fe = code <= 4533 ? 1e6 * sv_geo_zone(cmer) + 500000.0 : 500000.0;
            CHECK(e > fe + 40000.0 && e < fe + 45000.0);
            CHECK_INT(sv_geo_from_plane(g, epsg(code), n, e, &lat, &lon), SV_OK);
            CHECK_NEAR(lat, 40.0, 1e-9);
            CHECK_NEAR(lon, cmer + 0.5, 1e-9);
        }
        for (int k = 0; k < 12; k++) {
            double n, e, lat, lon;
            CHECK_INT(sv_geo_to_plane(g, cm(100.0 + k * 0.25), 35.0, 101.0, &n, &e), SV_OK);
            CHECK_INT(sv_geo_from_plane(g, cm(100.0 + k * 0.25), n, e, &lat, &lon), SV_OK);
            CHECK_NEAR(lon, 101.0, 1e-9);
        }
    }
}

static void test_batch(sv_geo *g)
{
    enum { N = 100000 };
    double *ll = malloc(2 * N * sizeof *ll), *xy = malloc(2 * N * sizeof *xy);
    if (!ll || !xy) {
        CHECK(!"out of memory");
        free(ll);
        free(xy);
        return;
    }
    for (int i = 0; i < N; i++) {
        ll[2 * i] = 102.6 + 0.8 * (i % 1000) / 1000.0;
        ll[2 * i + 1] = 35.2 + 0.7 * (i / 1000) / 100.0;
    }
    clock_t t0 = clock();
    CHECK_INT(sv_geo_to_plane_n(g, epsg(4522), N, ll, xy), SV_OK);
    clock_t t1 = clock();
    int same = 1;
    for (int i = 0; i < N; i++) {
        double n, e;
        if (sv_geo_to_plane(g, epsg(4522), ll[2 * i + 1], ll[2 * i], &n, &e) != SV_OK ||
            n != xy[2 * i] || e != xy[2 * i + 1])
            same = 0;
    }
    clock_t t2 = clock();
    CHECK(same);
    printf("100000 points to EPSG:4522: batch %.3f s, one by one %.3f s\n",
           (double)(t1 - t0) / CLOCKS_PER_SEC, (double)(t2 - t1) / CLOCKS_PER_SEC);
    /* Generous bound (sanitizer builds are slow): a transform rebuilt per point would take
     * minutes. */
    CHECK((double)(t2 - t1) / CLOCKS_PER_SEC < 30.0);

    /* The first point, independently:
     * echo "35.2 102.6" | cs2cs -f %.4f EPSG:4490 EPSG:4522 -> 3896946.2995 34554639.6332 */
    CHECK_NEAR(xy[0], 3896946.2995, 1e-3);
    CHECK_NEAR(xy[1], 34554639.6332, 1e-3);

    /* In place works too. */
    CHECK_INT(sv_geo_to_plane_n(g, epsg(4522), 2, ll, ll), SV_OK);
    CHECK_NEAR(ll[0], 3896946.2995, 1e-3);
    ll[2] = 102.7;
    ll[3] = NAN;
    CHECK_INT(sv_geo_to_plane_n(g, epsg(4522), 2, ll + 2, xy), SV_EINVAL);
    CHECK(strstr(sv_geo_errmsg(g), "position 1") != NULL);
    free(ll);
    free(xy);
}

/*
 * Zone reach: a position 90 degrees of longitude or more from the central meridian, or whose
 * easting would lie more than 1000 km from it, is refused (SV_ECRS) with a message naming the
 * longitude and the meridian; closer ones project as before. Independent figures:
 *   echo "41.6 -93.6"  | cs2cs -f %.4f EPSG:4490 EPSG:4522 -> 15277442.0788 35802305.2507
 *   echo "41.6 -78.0"  | cs2cs -f %.4f EPSG:4490 EPSG:4522 -> 15396722.3398 34500000.0000
 *     (Iowa, and the meridian opposite 102 E: "northings" past the pole, and the second one
 *     right on the central meridian's easting - PROJ's answers, and garbage)
 *   echo "35.55 106.5" | cs2cs -f %.4f EPSG:4490 EPSG:4522 -> 3944943.5039 34908165.9848
 *   echo "35.55 113.0" | cs2cs -f %.4f EPSG:4490 EPSG:4522 -> 3991795.4172 35499387.0369
 *   echo "35.55 114.0" | cs2cs -f %.4f EPSG:4490 EPSG:4522 -> 4002592.1559 35590646.4099
 *   echo "53.0 116.0"  | cs2cs -f %.4f EPSG:4490 EPSG:4522 -> 5966864.2865 35437263.7565
 *   echo "53.0 122.0"  | cs2cs -f %.4f EPSG:4490 EPSG:4522 -> 6063986.3621 35834728.4664
 *   echo "18.3 111.4"  | cs2cs -f %.4f EPSG:4490 EPSG:4522 -> 2050042.3969 35497428.5383
 *   echo "18.3 111.5"  | cs2cs -f %.4f EPSG:4490 EPSG:4522 -> 2050601.1440 35508118.0396
 * (the false easting of EPSG:4522 is 34500000: 113.0 E at 35.55 N is 999.4 km east of the
 * meridian, 114.0 E is 1090.6 km; at 18.3 N the kilometre is reached 9.4 degrees out, at 53 N
 * 14 degrees is still 937 km.)
 */
static void test_reach(sv_geo *g)
{
    double n, e, lat, lon;

    /* Iowa in zone 34: refused, naming the longitude, the meridian and the CRS. */
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), 41.6, -93.6, &n, &e), SV_ECRS);
    CHECK(strstr(sv_geo_errmsg(g), "longitude -93.6 ") != NULL);
    CHECK(strstr(sv_geo_errmsg(g), "central meridian 102E") != NULL);
    CHECK(strstr(sv_geo_errmsg(g), "EPSG:4522") != NULL);
    CHECK(strstr(sv_geo_errmsg(g), "164.4 degrees") != NULL);
    /* The opposite meridian, whose easting PROJ puts right on the central meridian. */
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), 41.6, -78.0, &n, &e), SV_ECRS);
    CHECK(strstr(sv_geo_errmsg(g), "180.0 degrees") != NULL);
    /* A custom meridian names itself. */
    CHECK_INT(sv_geo_to_plane(g, cm(103.5), 41.6, -93.6, &n, &e), SV_ECRS);
    CHECK(strstr(sv_geo_errmsg(g), "central meridian 103.5E") != NULL);
    CHECK_INT(sv_geo_to_plane(g, cm(-93.0), 35.55, 103.2, &n, &e), SV_ECRS);
    CHECK(strstr(sv_geo_errmsg(g), "central meridian 93W") != NULL);

    /* A unit in the neighbouring zone, 4.5 degrees out: fine. */
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), 35.55, 106.5, &n, &e), SV_OK);
    CHECK_NEAR(n, 3944943.5039, 1e-3);
    CHECK_NEAR(e, 34908165.9848, 1e-3);

    /* Both sides of the 1000 km, at three latitudes. What is projected inverts back. */
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), 35.55, 113.0, &n, &e), SV_OK);
    CHECK_NEAR(n, 3991795.4172, 1e-3);
    CHECK_NEAR(e, 35499387.0369, 1e-3);
    CHECK_INT(sv_geo_from_plane(g, epsg(4522), n, e, &lat, &lon), SV_OK);
    CHECK_NEAR(lat, 35.55, 1e-9);
    CHECK_NEAR(lon, 113.0, 1e-9);
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), 35.55, 114.0, &n, &e), SV_ECRS);
    CHECK(strstr(sv_geo_errmsg(g), "longitude 114 is 12.0 degrees") != NULL);
    CHECK(strstr(sv_geo_errmsg(g), "1000 km") != NULL);
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), 53.0, 116.0, &n, &e), SV_OK);
    CHECK_NEAR(n, 5966864.2865, 1e-3);
    CHECK_NEAR(e, 35437263.7565, 1e-3);
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), 53.0, 122.0, &n, &e), SV_ECRS);
    CHECK(strstr(sv_geo_errmsg(g), "20.0 degrees") != NULL);
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), 18.3, 111.4, &n, &e), SV_OK);
    CHECK_NEAR(n, 2050042.3969, 1e-3);
    CHECK_NEAR(e, 35497428.5383, 1e-3);
    CHECK_INT(sv_geo_from_plane(g, epsg(4522), n, e, &lat, &lon), SV_OK);
    CHECK_INT(sv_geo_to_plane(g, epsg(4522), 18.3, 111.5, &n, &e), SV_ECRS);
    /* West of the meridian too, and in a zone without the prefix (EPSG:4543, CM 102E). */
    CHECK_INT(sv_geo_to_plane(g, epsg(4543), 35.55, 91.0, &n, &e), SV_OK);
    CHECK_INT(sv_geo_to_plane(g, epsg(4543), 35.55, 90.0, &n, &e), SV_ECRS);
    CHECK(strstr(sv_geo_errmsg(g), "longitude 90 is 12.0 degrees") != NULL);

    /* Batch: one bad position costs that position only. The return code and message are
     * those of the first refused point; the others are exactly what one-by-one gives. */
    double ll[] = {103.2, 35.55, -93.6, 41.6, 103.5, 35.55, 103.3, NAN, 114.0, 35.55, 102.6, 35.2};
    double xy[12];
    CHECK_INT(sv_geo_to_plane_n(g, epsg(4522), 6, ll, xy), SV_ECRS);
    CHECK(strstr(sv_geo_errmsg(g), "position 2: ") != NULL);
    CHECK(strstr(sv_geo_errmsg(g), "longitude -93.6 ") != NULL);
    CHECK(strstr(sv_geo_errmsg(g), "(and 2 more of the 6 points)") != NULL);
    for (int i = 0; i < 6; i++) {
        int bad = i == 1 || i == 3 || i == 4;
        if (bad) {
            CHECK(isnan(xy[2 * i]) && isnan(xy[2 * i + 1]));
        } else {
            CHECK_INT(sv_geo_to_plane(g, epsg(4522), ll[2 * i + 1], ll[2 * i], &n, &e), SV_OK);
            CHECK(xy[2 * i] == n && xy[2 * i + 1] == e);
        }
    }
    /* echo "35.2 102.6" | cs2cs -f %.4f EPSG:4490 EPSG:4522 -> 3896946.2995 34554639.6332 */
    CHECK_NEAR(xy[10], 3896946.2995, 1e-3);
    CHECK_NEAR(xy[11], 34554639.6332, 1e-3);
    /* The first refusal an invalid input: SV_EINVAL. In place, as the API allows. */
    double ll2[] = {103.3, NAN, -93.6, 41.6, 103.2, 35.55};
    CHECK_INT(sv_geo_to_plane_n(g, epsg(4522), 3, ll2, ll2), SV_EINVAL);
    CHECK(strstr(sv_geo_errmsg(g), "position 1: invalid") != NULL);
    CHECK(isnan(ll2[0]) && isnan(ll2[1]) && isnan(ll2[2]) && isnan(ll2[3]));
    CHECK_NEAR(ll2[4], 3936275.5471, 1e-3);
    CHECK_NEAR(ll2[5], 34608810.3583, 1e-3);
    /* An unusable CRS: every pair NaN. */
    double ll3[] = {103.2, 35.55}, xy3[2] = {0, 0};
    CHECK_INT(sv_geo_to_plane_n(g, epsg(9999), 1, ll3, xy3), SV_ECRS);
    CHECK(isnan(xy3[0]) && isnan(xy3[1]));
    /* Many points, one bad one in the middle of a later chunk: the rest are all there. */
    enum { M = 1000 };
    double *mll = malloc(2 * M * sizeof *mll), *mxy = malloc(2 * M * sizeof *mxy);
    if (mll && mxy) {
        for (int i = 0; i < M; i++) {
            mll[2 * i] = 102.6 + 0.0008 * i;
            mll[2 * i + 1] = 35.2;
        }
        mll[2 * 700] = -93.6;
        CHECK_INT(sv_geo_to_plane_n(g, epsg(4522), M, mll, mxy), SV_ECRS);
        CHECK(strstr(sv_geo_errmsg(g), "position 701: ") != NULL);
        CHECK(strstr(sv_geo_errmsg(g), "more of") == NULL);
        int good = 0;
        for (int i = 0; i < M; i++)
            good += isfinite(mxy[2 * i]) && isfinite(mxy[2 * i + 1]);
        CHECK_INT(good, M - 1);
        CHECK(isnan(mxy[1400]));
        CHECK_NEAR(mxy[0], 3896946.2995, 1e-3);
    } else {
        CHECK(!"out of memory");
    }
    free(mll);
    free(mxy);

    /* Areas and deviations refuse such positions too, naming the position (from 1); the
     * ellipsoidal figures need no projection and stand, the plane ones are NaN. */
    const double iowa[] = {-93.6, 41.6, -93.59, 41.6, -93.59, 41.61};
    sv_area a, own;
    CHECK_INT(sv_geo_ring_area(g, epsg(4522), 3, iowa, &a), SV_ECRS);
    CHECK(strstr(sv_geo_errmsg(g), "position 1 of 3: ") != NULL);
    CHECK(strstr(sv_geo_errmsg(g), "longitude -93.6 ") != NULL);
    CHECK(isnan(a.plane_m2) && isnan(a.plane_perimeter_m));
    CHECK_INT(sv_geo_ring_area(g, cm(-93.0), 3, iowa, &own), SV_OK);
    CHECK_NEAR(a.ellipsoidal_m2, own.ellipsoidal_m2, 1e-6);
    CHECK_NEAR(a.perimeter_m, own.perimeter_m, 1e-9);
    CHECK_INT((int)a.points, 3);
    /* one stray position in a ring of good ones: named by its place, the area still given */
    const double stray[] = {103.0, 35.0, 103.01, 35.0, 125.0, 35.41, 103.0, 35.01};
    CHECK_INT(sv_geo_ring_area(g, epsg(4522), 4, stray, &a), SV_ECRS);
    CHECK(strstr(sv_geo_errmsg(g), "position 3 of 4: ") != NULL);
    CHECK(a.ellipsoidal_m2 > 0 && isfinite(a.perimeter_m) && isnan(a.plane_m2));
    /* ... but the same ring in its own (custom) zone is measured. */
    CHECK_INT(sv_geo_ring_area(g, cm(-93.0), 3, iowa, &a), SV_OK);
    CHECK(a.ellipsoidal_m2 > 0);
    double sq[] = {103.19, 35.54, 103.21, 35.54, 103.21, 35.56, 103.19, 35.56, 103.19, 35.54};
    size_t part_rings[] = {1}, ring_pts[] = {5};
    sv_geom draft = {1, part_rings, 1, ring_pts, 5, sq};
    CHECK_INT(sv_geo_geom_area(g, epsg(4522), &draft, &a), SV_OK);
    sv_deviation d;
    CHECK_INT(sv_geo_deviation(g, epsg(4522), 1, iowa, &draft, &d), SV_ECRS);
    CHECK(strstr(sv_geo_errmsg(g), "vertex 0: ") != NULL);
    CHECK_INT(sv_geo_deviation(g, epsg(4540), 1, sq, &draft, &d), SV_OK); /* 10.2 deg */
}

static void test_geodesics(void)
{
    /* echo "35.55 103.2 47.5 1234.5" | geod $E -f %.12f -F %.6f
     *   ->  35.557516576026 103.210038848503 -132.494162745360 */
    double lat2, lon2;
    sv_geo_offset(LX_LAT, LX_LON, 1234.5, 47.5, &lat2, &lon2);
    CHECK_NEAR(lat2, 35.557516576026, 1e-11);
    CHECK_NEAR(lon2, 103.210038848503, 1e-11);
    /* echo "35.55 103.2 35.56 103.21" | geod $E -I -f %.12f -F %.6f
     *   ->  39.252331594291 -140.741853563848 1432.852747 */
    double azi;
    CHECK_NEAR(sv_geo_distance(35.55, 103.2, 35.56, 103.21, &azi), 1432.852747, 1e-6);
    CHECK_NEAR(azi, 39.252331594291, 1e-10);
    CHECK(isnan(sv_geo_distance(NAN, 103.2, 35.56, 103.21, &azi)) && isnan(azi));
    sv_geo_offset(NAN, LX_LON, 10, 90, &lat2, &lon2);
    CHECK(isnan(lat2) && isnan(lon2));
}

/* A 0.02 x 0.02 degree square (about 1.8 x 2.2 km) round Linxia, and a hole in it. */
static const double SQ[] = {103.19, 35.54, 103.21, 35.54, 103.21, 35.56, 103.19, 35.56};
static const double HOLE[] = {103.195, 35.545, 103.205, 35.545, 103.205, 35.555, 103.195, 35.555};
/* test_geo_area.py (the script at the end of this file):
 *   square: ellipsoidal 4024098.2733 m2, perimeter 8064.952455 m (sum of geod -I edges),
 *           plane EPSG:4522 4025272.1101 m2, plane perimeter 8066.128721 m
 *   hole:   ellipsoidal 1006024.5723 m2, perimeter 4032.476250 m,
 *           plane EPSG:4522 1006318.0337 m2, plane perimeter 4033.064361 m
 * echo "35.56 103.19 35.54 103.19" | geod $E -I -f %.12f -F %.6f  ->  ... 2219.013618 */
#define SQ_AREA 4024098.2733
#define SQ_PERIM 8064.952455
#define SQ_PLANE 4025272.1101
#define SQ_PLANE_PERIM 8066.128721
#define SQ_CLOSING 2219.013618
#define HOLE_AREA 1006024.5723
#define HOLE_PERIM 4032.476250
#define HOLE_PLANE 1006318.0337
#define HOLE_PLANE_PERIM 4033.064361

static void test_areas(sv_geo *g)
{
    sv_area a;
    CHECK_INT(sv_geo_ring_area(g, epsg(4522), 4, SQ, &a), SV_OK);
    CHECK_NEAR(a.ellipsoidal_m2, SQ_AREA, 0.01);
    CHECK_NEAR(a.perimeter_m, SQ_PERIM, 1e-5);
    CHECK_NEAR(a.plane_m2, SQ_PLANE, 0.01);
    CHECK_NEAR(a.plane_perimeter_m, SQ_PLANE_PERIM, 1e-5);
    CHECK_NEAR(a.closing_m, SQ_CLOSING, 1e-5);
    CHECK_INT(a.points, 4);
    CHECK_INT(a.epsg, 4522);
    CHECK_NEAR(a.central_meridian, 102.0, 0);

    /* Closed, clockwise, with a double tap: the same figures, same point count. */
    const double closed_cw[] = {103.19, 35.54, 103.19, 35.56, 103.21, 35.56,
                                103.21, 35.56, 103.21, 35.54, 103.19, 35.54};
    CHECK_INT(sv_geo_ring_area(g, epsg(4522), 6, closed_cw, &a), SV_OK);
    CHECK_NEAR(a.ellipsoidal_m2, SQ_AREA, 0.01);
    CHECK_NEAR(a.perimeter_m, SQ_PERIM, 1e-5);
    CHECK_NEAR(a.plane_m2, SQ_PLANE, 0.01);
    CHECK_INT(a.points, 4);
    /* closing edge now (103.21,35.54) -> (103.19,35.54):
     * echo "35.54 103.21 35.54 103.19" | geod $E -I -f %.12f -F %.6f  ->  ... 1813.687786 */
    CHECK_NEAR(a.closing_m, 1813.687786, 1e-5);

    CHECK_INT(sv_geo_ring_area(g, epsg(4522), 4, HOLE, &a), SV_OK);
    CHECK_NEAR(a.ellipsoidal_m2, HOLE_AREA, 0.01);
    CHECK_NEAR(a.perimeter_m, HOLE_PERIM, 1e-5);
    CHECK_NEAR(a.plane_m2, HOLE_PLANE, 0.01);
    CHECK_NEAR(a.plane_perimeter_m, HOLE_PLANE_PERIM, 1e-5);

    /* Two distinct points: no area. */
    const double two[] = {103.19, 35.54, 103.21, 35.54, 103.19, 35.54};
    CHECK_INT(sv_geo_ring_area(g, epsg(4522), 3, two, &a), SV_OK);
    CHECK_NEAR(a.ellipsoidal_m2, 0, 0);
    CHECK_NEAR(a.plane_m2, 0, 0);
    CHECK_INT(a.points, 2);
    CHECK_INT(sv_geo_ring_area(g, epsg(4522), 0, NULL, &a), SV_OK);
    CHECK_INT(a.points, 0);

    const double bad[] = {103.19, 35.54, 103.21, NAN, 103.21, 35.56};
    CHECK_INT(sv_geo_ring_area(g, epsg(4522), 3, bad, &a), SV_EINVAL);

    /* Polygon with a hole, as a one-part sv_geom with closed rings (hole wound clockwise). */
    double pts[] = {103.19,  35.54,  103.21,  35.54,   103.21,  35.56,   103.19,
                    35.56,   103.19, 35.54,   103.195, 35.545,  103.195, 35.555,
                    103.205, 35.555, 103.205, 35.545,  103.195, 35.545};
    size_t part_rings[] = {2}, ring_pts[] = {5, 5};
    sv_geom geom = {1, part_rings, 2, ring_pts, 10, pts};
    CHECK_INT(sv_geo_geom_area(g, epsg(4522), &geom, &a), SV_OK);
    CHECK_NEAR(a.ellipsoidal_m2, SQ_AREA - HOLE_AREA, 0.01);
    CHECK_NEAR(a.perimeter_m, SQ_PERIM + HOLE_PERIM, 1e-5);
    CHECK_NEAR(a.plane_m2, SQ_PLANE - HOLE_PLANE, 0.01);
    CHECK_NEAR(a.plane_perimeter_m, SQ_PLANE_PERIM + HOLE_PLANE_PERIM, 1e-5);
    CHECK_INT(a.points, 8);
    CHECK_NEAR(a.closing_m, SQ_CLOSING, 1e-5);

    /* Two parts: the square and the hole as a separate island add up. */
    size_t two_parts[] = {1, 1};
    sv_geom islands = {2, two_parts, 2, ring_pts, 10, pts};
    CHECK_INT(sv_geo_geom_area(g, epsg(4522), &islands, &a), SV_OK);
    CHECK_NEAR(a.ellipsoidal_m2, SQ_AREA + HOLE_AREA, 0.01);

    /* A hole bigger than its shell is a broken geometry; index arrays that do not add up too. */
    size_t swapped_pts[] = {5, 5};
    double inverted[20];
    memcpy(inverted, pts + 10, 10 * sizeof(double));
    memcpy(inverted + 10, pts, 10 * sizeof(double));
    sv_geom inv = {1, part_rings, 2, swapped_pts, 10, inverted};
    CHECK_INT(sv_geo_geom_area(g, epsg(4522), &inv, &a), SV_EGEOM);
    size_t wrong_pts[] = {5, 6};
    sv_geom broken = {1, part_rings, 2, wrong_pts, 10, pts};
    CHECK_INT(sv_geo_geom_area(g, epsg(4522), &broken, &a), SV_EGEOM);

    /* At the zone edge the GK plane area is 0.04-0.05 % larger (DOMAIN.md, section 5).
     * test_geo_area.py (end of file), square 103.48-103.50 E, 35.54-35.56 N (inside zone 34,
     * at its edge):
     *   ellipsoidal 4024098.2733 m2, plane EPSG:4522 4025908.1679 m2, ratio - 1 = 4.4976e-4
     * (the ellipsoidal area equals the Linxia square's: same latitudes, same width). */
    const double edge[] = {103.48, 35.54, 103.50, 35.54, 103.50, 35.56, 103.48, 35.56};
    CHECK_INT(sv_geo_ring_area(g, epsg(4522), 4, edge, &a), SV_OK);
    CHECK_NEAR(a.ellipsoidal_m2, 4024098.2733, 0.01);
    CHECK_NEAR(a.plane_m2, 4025908.1679, 0.01);
    double excess = a.plane_m2 / a.ellipsoidal_m2 - 1.0;
    CHECK(excess > 0.0004 && excess < 0.0005);
    CHECK_NEAR(excess, 4.4976e-4, 1e-8);
    /* The same square in zone 35 is as far from that meridian: same excess. */
    CHECK_INT(sv_geo_ring_area(g, epsg(4523), 4, edge, &a), SV_OK);
    CHECK(a.plane_m2 / a.ellipsoidal_m2 - 1.0 > 0.0004);

    /* A custom meridian through the square: the plane area is then almost the true one. */
    CHECK_INT(sv_geo_ring_area(g, cm(103.49), 4, edge, &a), SV_OK);
    CHECK(fabs(a.plane_m2 / a.ellipsoidal_m2 - 1.0) < 1e-6);
    CHECK_INT(a.epsg, 0);
    CHECK_NEAR(a.central_meridian, 103.49, 0);
}

static void test_deviation(sv_geo *g)
{
    double pts[] = {103.19, 35.54, 103.21, 35.54, 103.21, 35.56, 103.19, 35.56, 103.19, 35.54};
    size_t part_rings[] = {1}, ring_pts[] = {5};
    sv_geom draft = {1, part_rings, 1, ring_pts, 5, pts};
    /* A vertex on a corner, and one 10 m east of the east edge (the meridian 103.21 E),
     * from its middle at right angles:
     * echo "35.55 103.21 90 10" | geod $E -f %.12f -F %.6f
     *   ->  35.549999999950 103.210110286253 */
    const double walked[] = {103.19, 35.54, 103.210110286253, 35.549999999950};
    sv_deviation d;
    CHECK_INT(sv_geo_deviation(g, epsg(4522), 2, walked, &draft, &d), SV_OK);
    CHECK_NEAR(d.max_m, 10.0, 0.005);
    CHECK_NEAR(d.rms_m, sqrt(50.0), 0.005);
    CHECK_INT(d.vertices, 2);
    /* Inside the unit, 10 m from the same edge, measured in zone 35 this time.
     * echo "35.55 103.21 -90 10" | geod $E -f %.12f -F %.6f
     *   ->  35.549999999950 103.209889713747 */
    const double inside[] = {103.209889713747, 35.549999999950};
    CHECK_INT(sv_geo_deviation(g, epsg(4523), 1, inside, &draft, &d), SV_OK);
    CHECK_NEAR(d.max_m, 10.0, 0.005);

    const double nan_v[] = {NAN, 35.55};
    CHECK_INT(sv_geo_deviation(g, epsg(4522), 1, nan_v, &draft, &d), SV_EINVAL);
    sv_geom empty = {0};
    CHECK_INT(sv_geo_deviation(g, epsg(4522), 1, walked, &empty, &d), SV_EINVAL);
}

static void test_sources(sv_geo *g)
{
    sv_geo_src *s = NULL;

    /* GK with the zone prefix, coordinates in GeoJSON (easting, northing) order.
     * echo "3935000 34518000" | cs2cs -f %.10f EPSG:4522 EPSG:4490 -> 35.5443117052 102.1985011066
     * echo "3936275.5471 34608810.3583" | cs2cs -f %.10f EPSG:4522 EPSG:4490
     *   ->  35.5499999998 103.2000000002 */
    CHECK_INT(sv_geo_src_new(g, "urn:ogc:def:crs:EPSG::4522", &s), SV_OK);
    CHECK(s && !sv_geo_src_is_geographic(s));
    double xy[] = {34518000, 3935000, 34608810.3583, 3936275.5471};
    CHECK_INT(sv_geo_src_apply(s, 2, xy), SV_OK);
    CHECK_NEAR(xy[0], 102.1985011066, 1e-10);
    CHECK_NEAR(xy[1], 35.5443117052, 1e-10);
    CHECK_NEAR(xy[2], 103.2000000002, 2e-10);
    CHECK_NEAR(xy[3], 35.5499999998, 2e-10);
    /* Northing first (authority order) is caught by the missing zone prefix. */
    double swapped[] = {3935000, 34518000};
    CHECK_INT(sv_geo_src_apply(s, 1, swapped), SV_ECRS);
    CHECK(strstr(sv_geo_errmsg(g), "swapped") != NULL);
    double nanxy[] = {34518000, NAN};
    CHECK_INT(sv_geo_src_apply(s, 1, nanxy), SV_EINVAL);
    sv_geo_src_free(s);

    /* Same code spelled "EPSG:4522", and the no-prefix zone EPSG:4543.
     * echo "3935000 518000" | cs2cs -f %.10f EPSG:4543 EPSG:4490  ->  35.5443117052 102.1985011066
     * (the same point as 34518000 in EPSG:4522) */
    CHECK_INT(sv_geo_src_new(g, "EPSG:4522", &s), SV_OK);
    sv_geo_src_free(s);
    CHECK_INT(sv_geo_src_new(g, "http://www.opengis.net/def/crs/EPSG/0/4543", &s), SV_OK);
    double xy43[] = {518000, 3935000};
    CHECK_INT(sv_geo_src_apply(s, 1, xy43), SV_OK);
    CHECK_NEAR(xy43[0], 102.1985011066, 1e-10);
    CHECK_NEAR(xy43[1], 35.5443117052, 1e-10);
    sv_geo_src_free(s);

    /* WGS 84 / UTM 48N: the inverse projection only (WGS 84 taken as CGCS2000, as PROJ's own
     * "ballpark" no-op between them does).
     * echo "300000 3935000" | cs2cs -f %.10f EPSG:32648 EPSG:4326
     *   ->  35.5384818174 102.7938861109 */
    CHECK_INT(sv_geo_src_new(g, "EPSG:32648", &s), SV_OK);
    double utm[] = {300000, 3935000};
    CHECK_INT(sv_geo_src_apply(s, 1, utm), SV_OK);
    CHECK_NEAR(utm[0], 102.7938861109, 1e-10);
    CHECK_NEAR(utm[1], 35.5384818174, 1e-10);
    sv_geo_src_free(s);

    /* Geographic sources pass lon/lat through unchanged. */
    static const char *const geographic[] = {"urn:ogc:def:crs:OGC:1.3:CRS84",
                                             "urn:ogc:def:crs:EPSG::4490",
                                             "EPSG:4326",
                                             "EPSG:4490",
                                             "urn:ogc:def:crs:OGC::CRS84",
                                             "CRS84",
                                             "urn:ogc:def:crs:EPSG:6.6:4326",
                                             " epsg:4490"};
    for (size_t i = 0; i < sizeof geographic / sizeof geographic[0]; i++) {
        s = NULL;
        CHECK_INT(sv_geo_src_new(g, geographic[i], &s), SV_OK);
        CHECK(sv_geo_src_is_geographic(s));
        double ll[] = {103.2, 35.55};
        CHECK_INT(sv_geo_src_apply(s, 1, ll), SV_OK);
        CHECK(ll[0] == 103.2 && ll[1] == 35.55);
        /* GK numbers under a geographic label. */
        double gk[] = {34518000, 3935000};
        CHECK_INT(sv_geo_src_apply(s, 1, gk), SV_ECRS);
        sv_geo_src_free(s);
    }

    /* Unknown or unusable names are refused, naming the CRS. */
    static const char *const refused[] = {
        "EPSG:999999",
        "urn:ogc:def:crs:EPSG::0",
        "foo",
        "",
        "+proj=longlat +datum=WGS84",
        "EPSG:4214", /* Beijing 1954: Krassowsky ellipsoid, no reliable shift */
        "EPSG:2379", /* Xian 1980 / 3-degree GK CM 102E */
        "EPSG:4978", /* WGS 84 geocentric */
        "ESRI:102100",
        "urn:ogc:def:crs:EPSG::4522:extra",
        "PROJCS[\"x\",GEOGCS[\"y\"]]"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        s = (sv_geo_src *)1;
        CHECK_INT(sv_geo_src_new(g, refused[i], &s), SV_ECRS);
        CHECK(s == NULL);
        if (refused[i][0])
            CHECK(strstr(sv_geo_errmsg(g), refused[i]) != NULL);
    }
    CHECK_INT(sv_geo_src_new(g, NULL, &s), SV_ECRS);
    sv_geo_src_free(NULL);
}

static void test_wkt(sv_geo *g)
{
    /* Names as `projinfo EPSG:<code> -o WKT1_GDAL` writes them:
     * 4522 -> PROJCS["CGCS2000 / 3-degree Gauss-Kruger zone 34",
     * 4543 -> PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 102E",
     * 4517 -> PROJCS["CGCS2000 / 3-degree Gauss-Kruger zone 29", */
    CHECK_STR(sv_geo_crs_name(g, epsg(4522)), "CGCS2000 / 3-degree Gauss-Kruger zone 34");
    CHECK_STR(sv_geo_crs_name(g, epsg(4543)), "CGCS2000 / 3-degree Gauss-Kruger CM 102E");
    CHECK_STR(sv_geo_crs_name(g, epsg(4517)), "CGCS2000 / 3-degree Gauss-Kruger zone 29");
    CHECK_STR(sv_geo_crs_name(g, cm(103.0)), "CGCS2000 GK CM 103E");
    CHECK_STR(sv_geo_crs_name(g, cm(103.5)), "CGCS2000 GK CM 103.5E");
    CHECK_STR(sv_geo_crs_name(g, epsg(4490)), "CGCS2000");
    CHECK(sv_geo_crs_name(g, epsg(1234)) != NULL);

    const char *w = sv_geo_wkt(g, epsg(4522));
    CHECK(w && strncmp(w, "PROJCS[\"CGCS2000 / 3-degree Gauss-Kruger zone 34\"", 48) == 0);
    CHECK(w && strstr(w, "PARAMETER[\"central_meridian\",102]"));
    CHECK(w && strstr(w, "PARAMETER[\"false_easting\",34500000]"));
    CHECK(w && strstr(w, "AUTHORITY[\"EPSG\",\"4522\"]]") && !strchr(w, '\n'));
    w = sv_geo_wkt(g, epsg(4490));
    CHECK(w && strncmp(w, "GEOGCS[\"China Geodetic Coordinate System 2000\"", 46) == 0);
    CHECK(w && strstr(w, "SPHEROID[\"CGCS2000\",6378137,298.257222101"));
    CHECK(w && strstr(w, "AUTHORITY[\"EPSG\",\"4490\"]]"));
    w = sv_geo_wkt(g, cm(103.0));
    CHECK(w && strncmp(w, "PROJCS[\"CGCS2000 GK CM 103E\"", 28) == 0);
    CHECK(w && strstr(w, "DATUM[\"China_2000\""));
    CHECK(w && strstr(w, "PARAMETER[\"central_meridian\",103]"));
    CHECK(w && strstr(w, "PARAMETER[\"false_easting\",500000]"));
    CHECK(sv_geo_wkt(g, epsg(9999)) == NULL);
}

int main(void)
{
    sv_geo *g = NULL;
    test_zones();
    test_geodesics();
    CHECK_INT(sv_geo_new(&g), SV_OK);
    if (!g)
        return check_finish();
    CHECK_STR(sv_geo_errmsg(g), "");
    test_transforms(g);
    test_cache(g);
    test_batch(g);
    test_reach(g);
    test_areas(g);
    test_deviation(g);
    test_sources(g);
    test_wkt(g);
    sv_geo_free(g);
    sv_geo_free(NULL);
    CHECK(sv_geo_errmsg(NULL) != NULL);
    return check_finish();
}

/*
 * The script that produced the "test_geo_area.py" figures above (python3, PROJ 9.1.1 tools):
 *
 * import subprocess, math
 * ELL = "+a=6378137 +rf=298.257222101"
 * def run(cmd, inp=""):
 *     return subprocess.run(cmd, input=inp, capture_output=True, text=True, shell=True,
 *                           check=True).stdout
 * def densify(lat1, lon1, lat2, lon2, n=200):      # lat lon, both ends included
 *     out = run(f"geod {ELL} -I -f %.12f +lat_1={lat1} +lon_1={lon1} +lat_2={lat2} "
 *               f"+lon_2={lon2} +n_S={n}")
 *     return [tuple(map(float, l.split()[:2])) for l in out.strip().splitlines()]
 * def edge_len(lat1, lon1, lat2, lon2):
 *     return float(run(f"geod {ELL} -I -f %.12f -F %.6f", f"{lat1} {lon1} {lat2} {lon2}\n")
 *                  .split()[2])
 * def ring_area(ring, lat0, lon0):                 # ring: [(lon, lat)], open
 *     pts = []
 *     for i in range(len(ring)):
 *         a, b = ring[i], ring[(i + 1) % len(ring)]
 *         pts += densify(a[1], a[0], b[1], b[0])[:-1]
 *     inp = "".join(f"{lon:.12f} {lat:.12f}\n" for lat, lon in pts)
 *     out = run(f"cs2cs -f %.6f +proj=longlat {ELL} +to +proj=laea +lat_0={lat0} "
 *               f"+lon_0={lon0} {ELL}", inp)
 *     xy = [tuple(map(float, l.split()[:2])) for l in out.strip().splitlines()]
 *     s = sum(xy[i][0] * xy[(i + 1) % len(xy)][1] - xy[(i + 1) % len(xy)][0] * xy[i][1]
 *             for i in range(len(xy)))
 *     per = sum(edge_len(ring[i][1], ring[i][0], ring[(i + 1) % len(ring)][1],
 *                        ring[(i + 1) % len(ring)][0]) for i in range(len(ring)))
 *     return abs(s) / 2, per
 * def plane_area(ring, epsg):
 *     inp = "".join(f"{lat:.12f} {lon:.12f}\n" for lon, lat in ring)
 *     out = run(f"cs2cs -f %.6f EPSG:4490 EPSG:{epsg}", inp)
 *     ne = [tuple(map(float, l.split()[:2])) for l in out.strip().splitlines()]
 *     ne = [(a - ne[0][0], b - ne[0][1]) for a, b in ne]
 *     k = len(ne)
 *     s = sum(ne[i][0] * ne[(i + 1) % k][1] - ne[(i + 1) % k][0] * ne[i][1] for i in range(k))
 *     per = sum(math.hypot(ne[i][0] - ne[(i + 1) % k][0], ne[i][1] - ne[(i + 1) % k][1])
 *               for i in range(k))
 *     return abs(s) / 2, per
 * sq = [(103.19, 35.54), (103.21, 35.54), (103.21, 35.56), (103.19, 35.56)]
 * hole = [(103.195, 35.545), (103.205, 35.545), (103.205, 35.555), (103.195, 35.555)]
 * edge = [(103.48, 35.54), (103.50, 35.54), (103.50, 35.56), (103.48, 35.56)]
 * print(ring_area(sq, 35.55, 103.2), plane_area(sq, 4522))
 * print(ring_area(hole, 35.55, 103.2), plane_area(hole, 4522))
 * print(ring_area(edge, 35.55, 103.49), plane_area(edge, 4522))
 * print(ring_area(sq, 35.0, 103.0), ring_area(sq, 36.5, 104.5))   # method check
 */
