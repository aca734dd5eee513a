/*
 * gnss.h - GNSS fixes from gpsd (libgps), with grading and staleness on the tablet's clock.
 *
 * sv_gnss never blocks longer than the timeout given to sv_gnss_poll, never fails because
 * gpsd is away (it reports SV_ENORECEIVER and reconnects by itself with back-off), and never
 * trusts the receiver's clock for staleness: every fix is stamped with the monotonic clock
 * when it arrived. It is safe to drive from an SDL event loop (poll with timeout 0, or wait
 * on sv_gnss_fd()).
 */
#ifndef SURVEY_GNSS_H
#define SURVEY_GNSS_H

#include "clock.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SV_GNSS_DEFAULT "127.0.0.1:2947"
#define SV_STALE_MS 2000 /* a fix older than this is never recorded */

/* Constellations, for the GNSS status screen. */
enum {
    SV_GNSS_GPS = 0,
    SV_GNSS_SBAS,
    SV_GNSS_GALILEO,
    SV_GNSS_BEIDOU,
    SV_GNSS_QZSS,
    SV_GNSS_GLONASS,
    SV_GNSS_OTHER,
    SV_GNSS_NCONST
};

/* Which horizontal error estimate sv_fix.err_h is (defect 5 of issue 10: an RTK fix with a
 * 0.009 m GST sigma was shown as gpsd's 11 m DOP-based eph). */
typedef enum sv_herr_source {
    SV_HERR_NONE = 0, /* no estimate at all */
    SV_HERR_GST = 1,  /* the receiver's own: GST latitude and longitude sigmas (1 sigma,
                       * sqrt(sigma_lat^2 + sigma_lon^2)) */
    SV_HERR_GPSD = 2  /* gpsd's eph: the receiver's where its protocol carries one, else
                       * computed by gpsd from HDOP and an assumed range error */
} sv_herr_source;

/* "none", "receiver-gst", "gpsd-eph". */
const char *sv_herr_source_name(sv_herr_source s);

/* One fix epoch (a gpsd TPV report with the latest SKY/GST data merged in). Unknown doubles
 * are NaN. */
typedef struct sv_fix {
    int mode;   /* gpsd mode: 0 not seen, 1 no fix, 2 2D, 3 3D */
    int status; /* gpsd status (STATUS_*) */
    sv_grade grade;
    double lat, lon; /* degrees, valid when grade > NONE */
    double alt_hae;  /* height above ellipsoid, m */
    double alt_msl;
    double time;     /* receiver UTC time, seconds since the epoch; NaN if none */
    int64_t mono_ms; /* tablet monotonic clock when the fix arrived */
    double speed;    /* m/s */
    double eph, epv; /* m */
    double sigma_lat, sigma_lon, sigma_alt; /* GST pseudorange error sigmas, m */
    double err_h;              /* the best horizontal error estimate there is, m (NaN none): */
    sv_herr_source err_source; /* the receiver's GST sigmas when fresh, else gpsd's eph */
    double hdop, vdop, pdop;
    double corr_age; /* s */
    int sats_used;
    int sats_seen;
    int used_by[SV_GNSS_NCONST];
    int seen_by[SV_GNSS_NCONST];
} sv_fix;

/* Grade from gpsd's mode and status. In gpsd 3.22 a plain GPS fix arrives with status 0:
 * "has a fix" means mode >= 2. */
sv_grade sv_grade_from_gpsd(int mode, int status);

/* sv_mono_ms, the clock of every fix age: survey/clock.h */

/* Age of a fix at monotonic time now_ms, and whether it is stale (older than SV_STALE_MS). */
int64_t sv_fix_age_ms(const sv_fix *f, int64_t now_ms);
int sv_fix_is_stale(const sv_fix *f, int64_t now_ms);

typedef struct sv_gnss sv_gnss;

/* Parse "HOST:PORT" (or "HOST", port 2947; "[v6]:PORT"). Returns SV_OK or SV_EINVAL. */
int sv_gnss_parse_addr(const char *hostport, char *host, size_t hostlen, char *port,
                       size_t portlen);

/* Start talking to gpsd at hostport (NULL = SV_GNSS_DEFAULT). Succeeds even when gpsd is not
 * there yet. Returns SV_OK, SV_EINVAL (bad address), SV_ENOMEM. */
int sv_gnss_open(const char *hostport, sv_gnss **out);
void sv_gnss_close(sv_gnss *g);

/*
 * Wait up to timeout_ms for the next fix epoch. Returns
 *   SV_OK           *out holds a new epoch (possibly without a fix: check out->grade),
 *   SV_EAGAIN       nothing new within the timeout,
 *   SV_ENORECEIVER  gpsd is not reachable (reconnecting in the background of later calls),
 *   SV_EFORMAT      gpsd sent something that could not be read (skipped; call again).
 */
int sv_gnss_poll(sv_gnss *g, int timeout_ms, sv_fix *out);

/* 1 while connected to gpsd and a device reported within the last few seconds. */
int sv_gnss_connected(const sv_gnss *g);
/* Socket to wait on (-1 while disconnected). */
int sv_gnss_fd(const sv_gnss *g);
/* Detail of the last problem; borrowed, never NULL. */
const char *sv_gnss_errmsg(const sv_gnss *g);

#ifdef __cplusplus
}
#endif
#endif
