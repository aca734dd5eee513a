/*
 * gnss.c - fix epochs from gpsd through libgps (the only file that includes <gps.h>).
 *
 * One TPV report from gpsd becomes one sv_fix, with the latest SKY (DOPs, satellites per
 * constellation) and GST (error sigmas) merged in and the tablet's monotonic clock stamped on
 * arrival. The connection is ours to keep: when gpsd is not there, goes away or restarts, we
 * report SV_ENORECEIVER and reconnect by ourselves with a back-off.
 *
 * Written against gpsd 3.22 (Debian 12, libgps API major 11). Facts of that version we rely on:
 *  - a plain GPS fix arrives with no "status" member, which libgps reads as STATUS_NO_FIX (0):
 *    "has a fix" is mode >= 2, never status >= 1;
 *  - gps_data_t.set is never cleared between reports, so the class of a report is read from
 *    the JSON text itself, not from the mask;
 *  - GGA and RMC of one epoch each give a TPV with the same time (a duplicate for capture to
 *    drop); the first TPV after start-up may have no time at all (GGA carries no date);
 *  - GST of an epoch follows its TPV, so the GST merged is the previous epoch's: we only merge
 *    it when its time is within GST_MAX_AGE_S of the fix;
 *  - two-digit NMEA years are "corrected" for GPS week roll-over: logs from 2011/2015 come out
 *    as 2030/2034. Receiver time is therefore never used for staleness (monotonic clock only).
 *
 * We wait with poll() on the socket rather than gps_waiting(): gps_waiting() says "data" as
 * soon as libgps holds part of a line, and gps_read() would then block in recv() for the
 * rest; the socket is non-blocking and complete lines already buffered are drained first.
 *
 * Must never: block longer than the caller's timeout (only the connect() inside gps_open can
 * take longer, and that is immediate for a local gpsd); sleep out a back-off beyond that
 * timeout (while disconnected, the wait for the next attempt is spent inside the time the
 * caller gave, or not at all with timeout 0); assert on anything gpsd or the receiver sent;
 * raise SIGPIPE in the caller's process.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <gps.h>

#include "internal.h"
#include "survey/gnss.h"

#define BACKOFF_FIRST_MS 500 /* first retry after a failure or loss */
#define BACKOFF_MAX_MS 5000  /* doubling up to this */
#define SILENT_MS 5000       /* connected, but no device data for this long: no receiver */
#define SKY_MAX_AGE_MS 15000 /* SKY older than this is not merged (receivers send it 1/5 s) */
#define GST_MAX_AGE_S 1.5    /* GST this far from the fix time is not merged */
#define MSG_MAX 8192         /* one JSON report (gpsd's own limit is smaller) */

struct sv_gnss {
    char host[256];
    char port[32];
    struct gps_data_t gd;
    int connected;         /* gd is open and WATCH was sent */
    int64_t next_retry_ms; /* monotonic time of the next connection attempt */
    int backoff_ms;
    int64_t connected_ms; /* when the current connection was made */
    int64_t last_data_ms; /* last TPV/SKY/GST from a device (0 none) */
    int silent_reported;  /* ENORECEIVER already returned for this silence */

    /* latest SKY */
    int64_t sky_ms; /* arrival (0 none) */
    double hdop, vdop, pdop;
    int have_sats;
    int used_by[SV_GNSS_NCONST], seen_by[SV_GNSS_NCONST];

    /* latest GST */
    int64_t gst_ms;
    double gst_time;
    double gst_lat, gst_lon, gst_alt;

    unsigned long garbage; /* reports skipped as unreadable */
    char msg[MSG_MAX];
    char errmsg[1024];
};

/* ---- grading and clocks ---------------------------------------------------------------- */

sv_grade sv_grade_from_gpsd(int mode, int status)
{
    if (mode < MODE_2D)
        return SV_GRADE_NONE;
    switch (status) {
    case STATUS_NO_FIX: /* gpsd 3.22 leaves status out (0) for a plain fix */
    case STATUS_FIX:
        return SV_GRADE_GPS;
    case STATUS_DGPS_FIX:
        return SV_GRADE_DGPS;
    case STATUS_RTK_FIX:
        return SV_GRADE_RTK_FIXED;
    case STATUS_RTK_FLT:
        return SV_GRADE_RTK_FLOAT;
    case STATUS_PPS_FIX: /* military P(Y) code: at least as good as a plain fix */
        return SV_GRADE_GPS;
    default: /* dead reckoning, GNSS+DR, time only, simulated, unknown */
        return SV_GRADE_NONE;
    }
}

int64_t sv_fix_age_ms(const sv_fix *f, int64_t now_ms)
{
    return now_ms - f->mono_ms;
}

int sv_fix_is_stale(const sv_fix *f, int64_t now_ms)
{
    return sv_fix_age_ms(f, now_ms) > SV_STALE_MS;
}

/* ---- address ----------------------------------------------------------------------------- */

int sv_gnss_parse_addr(const char *hostport, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *h, *p = NULL;
    size_t hl;

    if (!hostport || !host || !port || hostlen == 0 || portlen == 0)
        return SV_EINVAL;
    if (hostport[0] == '[') { /* [v6] or [v6]:port */
        const char *close = strchr(hostport, ']');
        if (!close || close == hostport + 1)
            return SV_EINVAL;
        h = hostport + 1;
        hl = (size_t)(close - h);
        if (close[1] == ':')
            p = close + 2;
        else if (close[1] != '\0')
            return SV_EINVAL;
    } else {
        const char *colon = strchr(hostport, ':');
        if (colon && strchr(colon + 1, ':')) /* bare v6 address: no port possible */
            colon = NULL;
        h = hostport;
        hl = colon ? (size_t)(colon - hostport) : strlen(hostport);
        if (colon)
            p = colon + 1;
    }
    if (hl == 0 || hl >= hostlen)
        return SV_EINVAL;
    for (size_t i = 0; i < hl; i++) {
        unsigned char c = (unsigned char)h[i];
        if (c <= ' ' || c == '/' || c == '[' || c == ']' || c >= 0x7f)
            return SV_EINVAL;
    }
    if (p) {
        size_t pl = strlen(p);
        long v = 0;
        if (pl == 0 || pl > 5)
            return SV_EINVAL;
        for (size_t i = 0; i < pl; i++) {
            if (p[i] < '0' || p[i] > '9')
                return SV_EINVAL;
            v = v * 10 + (p[i] - '0');
        }
        if (v < 1 || v > 65535 || pl >= portlen)
            return SV_EINVAL;
        memcpy(port, p, pl + 1);
    } else {
        if (portlen < 5)
            return SV_EINVAL;
        memcpy(port, "2947", 5);
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    return SV_OK;
}

/* ---- connection ------------------------------------------------------------------------- */

static void reset_merged(sv_gnss *g)
{
    g->sky_ms = 0;
    g->hdop = g->vdop = g->pdop = NAN;
    g->have_sats = 0;
    memset(g->used_by, 0, sizeof g->used_by);
    memset(g->seen_by, 0, sizeof g->seen_by);
    g->gst_ms = 0;
    g->gst_time = g->gst_lat = g->gst_lon = g->gst_alt = NAN;
}

static const char *netlib_text(int err)
{
    /* gps_open leaves a negative netlib code in errno, or a plain errno value. */
    if (err < 0)
        return gps_errstr(err);
    if (err > 0)
        return strerror(err);
    return "unknown error";
}

/* Send the WATCH command without letting a gpsd that died in between kill us with SIGPIPE:
 * block the signal for this thread, and swallow one that became pending. */
static int send_watch(sv_gnss *g)
{
    sigset_t block, old, pending;
    int rc;

    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    rc = gps_stream(&g->gd, WATCH_ENABLE | WATCH_JSON, NULL);
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) && !sigismember(&old, SIGPIPE)) {
        struct timespec zero = {0, 0};
        sigtimedwait(&block, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static void schedule_retry(sv_gnss *g, int64_t now)
{
    g->next_retry_ms = now + g->backoff_ms;
    g->backoff_ms = g->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : g->backoff_ms * 2;
}

static void disconnect(sv_gnss *g)
{
    if (g->connected)
        gps_close(&g->gd);
    g->connected = 0;
    memset(&g->gd, 0, sizeof g->gd);
    g->gd.gps_fd = -1;
    reset_merged(g);
}

/* One connection attempt. Returns 1 when connected. */
static int try_connect(sv_gnss *g, int64_t now)
{
    memset(&g->gd, 0, sizeof g->gd);
    errno = 0;
    if (gps_open(g->host, g->port, &g->gd) != 0) {
        int err = errno;
        g->gd.gps_fd = -1;
        schedule_retry(g, now);
        snprintf(g->errmsg, sizeof g->errmsg,
                 "gpsd at %s:%s not reachable (%s); retrying in %.1f s", g->host, g->port,
                 netlib_text(err), (double)(g->next_retry_ms - now) / 1000.0);
        return 0;
    }
    g->connected = 1;
    if (send_watch(g) != 0) {
        disconnect(g);
        schedule_retry(g, now);
        snprintf(g->errmsg, sizeof g->errmsg,
                 "gpsd at %s:%s refused the WATCH request; retrying in %.1f s", g->host, g->port,
                 (double)(g->next_retry_ms - now) / 1000.0);
        return 0;
    }
    /* Reads must never block: a partial line in libgps' buffer makes gps_waiting() say yes
     * while recv() would wait for the rest. */
    int fl = fcntl(g->gd.gps_fd, F_GETFL);
    if (fl < 0 || fcntl(g->gd.gps_fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        disconnect(g);
        schedule_retry(g, now);
        snprintf(g->errmsg, sizeof g->errmsg, "cannot make the gpsd socket non-blocking (%s)",
                 strerror(errno));
        return 0;
    }
    g->connected_ms = now;
    g->last_data_ms = 0;
    g->silent_reported = 0;
    g->backoff_ms = BACKOFF_FIRST_MS; /* a good connection resets the back-off */
    reset_merged(g);
    snprintf(g->errmsg, sizeof g->errmsg, "connected to gpsd at %s:%s; waiting for a receiver",
             g->host, g->port);
    return 1;
}

static void lost(sv_gnss *g, int64_t now, const char *why)
{
    disconnect(g);
    g->backoff_ms = BACKOFF_FIRST_MS;
    schedule_retry(g, now);
    snprintf(g->errmsg, sizeof g->errmsg, "lost gpsd at %s:%s (%s); reconnecting in %.1f s",
             g->host, g->port, why, (double)(g->next_retry_ms - now) / 1000.0);
}

int sv_gnss_open(const char *hostport, sv_gnss **out)
{
    sv_gnss *g;

    if (!out)
        return SV_EINVAL;
    *out = NULL;
    g = calloc(1, sizeof *g);
    if (!g)
        return SV_ENOMEM;
    if (sv_gnss_parse_addr(hostport ? hostport : SV_GNSS_DEFAULT, g->host, sizeof g->host, g->port,
                           sizeof g->port) != SV_OK) {
        free(g);
        return SV_EINVAL;
    }
    g->gd.gps_fd = -1;
    g->backoff_ms = BACKOFF_FIRST_MS;
    reset_merged(g);
    /* First attempt now, so a local gpsd's first reports are not missed. */
    int64_t now = sv_mono_ms();
    g->next_retry_ms = now;
    try_connect(g, now);
    *out = g;
    return SV_OK;
}

void sv_gnss_close(sv_gnss *g)
{
    if (!g)
        return;
    disconnect(g);
    free(g);
}

/* ---- reports ---------------------------------------------------------------------------- */

static int const_of_gnssid(int gnssid)
{
    switch (gnssid) {
    case GNSSID_GPS:
        return SV_GNSS_GPS;
    case GNSSID_SBAS:
        return SV_GNSS_SBAS;
    case GNSSID_GAL:
        return SV_GNSS_GALILEO;
    case GNSSID_BD:
        return SV_GNSS_BEIDOU;
    case GNSSID_QZSS:
        return SV_GNSS_QZSS;
    case GNSSID_GLO:
        return SV_GNSS_GLONASS;
    default:
        return SV_GNSS_OTHER; /* IMES, NavIC, unknown */
    }
}

static double fin(double v)
{
    return isfinite(v) ? v : NAN;
}

/* Error estimates, DOPs and sigmas are never negative: anything else is unknown. */
static double nonneg(double v)
{
    return (isfinite(v) && v >= 0.0) ? v : NAN;
}

static double ts_seconds(timespec_t t)
{
    if (t.tv_sec == 0 && t.tv_nsec == 0)
        return NAN;
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void take_sky(sv_gnss *g, int64_t now)
{
    const struct gps_data_t *d = &g->gd;
    /* A SKY may carry only DOPs (NMEA GSA) or only satellites (GSV): keep what it has. */
    if (isfinite(d->dop.hdop) || isfinite(d->dop.pdop) || isfinite(d->dop.vdop)) {
        g->hdop = nonneg(d->dop.hdop);
        g->vdop = nonneg(d->dop.vdop);
        g->pdop = nonneg(d->dop.pdop);
    }
    int nvis = d->satellites_visible;
    if (nvis > 0) {
        if (nvis > MAXCHANNELS)
            nvis = MAXCHANNELS;
        memset(g->used_by, 0, sizeof g->used_by);
        memset(g->seen_by, 0, sizeof g->seen_by);
        for (int i = 0; i < nvis; i++) {
            const struct satellite_t *s = &d->skyview[i];
            if (s->PRN == 0 && s->svid == 0)
                continue;
            /* Multi-frequency receivers list a satellite once per signal (u-blox F9P: L1
             * and L2 entries with different sigid): count satellites, not signals. */
            int again = 0, used = s->used;
            for (int j = 0; j < i && !again; j++) {
                const struct satellite_t *o = &d->skyview[j];
                again = o->gnssid == s->gnssid && o->svid == s->svid && o->PRN == s->PRN;
            }
            if (again)
                continue;
            for (int j = i + 1; j < nvis && !used; j++) {
                const struct satellite_t *o = &d->skyview[j];
                used = o->gnssid == s->gnssid && o->svid == s->svid && o->PRN == s->PRN && o->used;
            }
            int c = const_of_gnssid(s->gnssid);
            g->seen_by[c]++;
            if (used)
                g->used_by[c]++;
        }
        g->have_sats = 1;
    }
    g->sky_ms = now;
}

static void take_gst(sv_gnss *g, int64_t now)
{
    const struct gst_t *s = &g->gd.gst;
    g->gst_ms = now;
    g->gst_time = ts_seconds(s->utctime);
    g->gst_lat = nonneg(s->lat_err_deviation);
    g->gst_lon = nonneg(s->lon_err_deviation);
    g->gst_alt = nonneg(s->alt_err_deviation);
}

static void take_tpv(sv_gnss *g, int64_t now, sv_fix *f)
{
    const struct gps_fix_t *x = &g->gd.fix;

    memset(f, 0, sizeof *f);
    f->mode = x->mode;
    f->status = x->status;
    f->grade = sv_grade_from_gpsd(x->mode, x->status);
    f->lat = f->lon = f->alt_hae = f->alt_msl = NAN;
    if (x->mode >= MODE_2D) {
        f->lat = fin(x->latitude);
        f->lon = fin(x->longitude);
        /* gnss.h promises a position whenever the grade says there is a fix. */
        if (!isfinite(f->lat) || !isfinite(f->lon) || fabs(f->lat) > 90.0 || fabs(f->lon) > 180.0)
            f->grade = SV_GRADE_NONE;
    }
    if (x->mode >= MODE_3D) {
        f->alt_hae = fin(x->altHAE);
        f->alt_msl = fin(x->altMSL);
    }
    f->time = ts_seconds(x->time);
    f->mono_ms = now;
    f->speed = nonneg(x->speed);
    f->eph = nonneg(x->eph);
    f->epv = nonneg(x->epv);
    /* dgpsAge is seconds on the wire (gps.h's "tenths" comment is out of date). */
    f->corr_age = (isfinite(x->dgps_age) && x->dgps_age >= 0) ? x->dgps_age : NAN;

    f->hdop = f->vdop = f->pdop = NAN;
    f->sigma_lat = f->sigma_lon = f->sigma_alt = NAN;
    f->sats_used = f->sats_seen = -1;
    if (g->sky_ms && now - g->sky_ms <= SKY_MAX_AGE_MS) {
        f->hdop = g->hdop;
        f->vdop = g->vdop;
        f->pdop = g->pdop;
        if (g->have_sats) {
            f->sats_used = f->sats_seen = 0;
            for (int c = 0; c < SV_GNSS_NCONST; c++) {
                f->used_by[c] = g->used_by[c];
                f->seen_by[c] = g->seen_by[c];
                f->sats_used += g->used_by[c];
                f->sats_seen += g->seen_by[c];
            }
        }
    }
    if (g->gst_ms) {
        int fresh;
        if (isfinite(f->time) && isfinite(g->gst_time))
            fresh = fabs(f->time - g->gst_time) <= GST_MAX_AGE_S;
        else
            fresh = now - g->gst_ms <= (int64_t)(GST_MAX_AGE_S * 1000);
        if (fresh) {
            f->sigma_lat = g->gst_lat;
            f->sigma_lon = g->gst_lon;
            f->sigma_alt = g->gst_alt;
        }
    }
    /* The receiver's own estimate first: gpsd's eph is DOP-based for most NMEA receivers. */
    f->err_h = NAN;
    f->err_source = SV_HERR_NONE;
    if (isfinite(f->sigma_lat) && isfinite(f->sigma_lon)) {
        f->err_h = sqrt(f->sigma_lat * f->sigma_lat + f->sigma_lon * f->sigma_lon);
        f->err_source = SV_HERR_GST;
    } else if (isfinite(f->eph)) {
        f->err_h = f->eph;
        f->err_source = SV_HERR_GPSD;
    }
}

const char *sv_herr_source_name(sv_herr_source s)
{
    switch (s) {
    case SV_HERR_GST:
        return "receiver-gst";
    case SV_HERR_GPSD:
        return "gpsd-eph";
    default:
        return "none";
    }
}

/* The class of one report line, or NULL when the line is not a JSON object we can read. */
static const char *report_class(const char *line, char *cls, size_t len)
{
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
        n--;
    if (n < 2 || line[0] != '{' || line[n - 1] != '}')
        return NULL;
    const char *p = strstr(line, "\"class\":\"");
    if (!p)
        return NULL;
    p += 9;
    size_t i = 0;
    while (p[i] && p[i] != '"' && i + 1 < len) {
        cls[i] = p[i];
        i++;
    }
    if (p[i] != '"')
        return NULL;
    cls[i] = '\0';
    return cls;
}

/* Read one report if a whole one is there. Returns 1 with *out filled (TPV), 2 when another
 * report was taken in (more may be buffered: call again), 0 when nothing complete is there,
 * SV_EFORMAT for an unreadable report, SV_ENORECEIVER when the connection went away. */
static int read_one(sv_gnss *g, int64_t now, sv_fix *out)
{
    char cls[16];
    int r;

    g->msg[0] = '\0';
    errno = 0;
    r = gps_read(&g->gd, g->msg, sizeof g->msg);
    if (r == 0)
        return 0;
    if (r < 0) {
        /* recv() gave 0 (gpsd closed), failed, or libgps' buffer filled without a newline
         * (garbage that is not gpsd): in every case start afresh. */
        const char *why = "connection closed";
        if (errno) {
            why = strerror(errno);
        } else {
            char c;
            if (recv(g->gd.gps_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) != 0)
                why = "a line too long to be gpsd's";
        }
        lost(g, now, why);
        return SV_ENORECEIVER;
    }
    if (!report_class(g->msg, cls, sizeof cls)) {
        g->garbage++;
        snprintf(g->errmsg, sizeof g->errmsg,
                 "skipped an unreadable report from gpsd at %s:%s (%lu so far)", g->host, g->port,
                 g->garbage);
        return SV_EFORMAT;
    }
    if (strcmp(cls, "TPV") == 0) {
        take_tpv(g, now, out);
        g->last_data_ms = now;
        g->silent_reported = 0;
        return 1;
    }
    if (strcmp(cls, "SKY") == 0) {
        take_sky(g, now);
        g->last_data_ms = now;
        g->silent_reported = 0;
    } else if (strcmp(cls, "GST") == 0) {
        take_gst(g, now);
        g->last_data_ms = now;
        g->silent_reported = 0;
    } else if (strcmp(cls, "ERROR") == 0) {
        snprintf(g->errmsg, sizeof g->errmsg, "gpsd at %s:%s reported an error: %.200s", g->host,
                 g->port, g->gd.error);
    }
    /* VERSION, DEVICES, DEVICE, WATCH, ...: nothing for us. */
    return 2;
}

int sv_gnss_poll(sv_gnss *g, int timeout_ms, sv_fix *out)
{
    if (!g || !out)
        return SV_EINVAL;
    if (timeout_ms < 0)
        timeout_ms = 0;
    int64_t now = sv_mono_ms();
    const int64_t deadline = now + timeout_ms;
    int late = 0;

    for (;;) {
        if (!g->connected) {
            if (now >= g->next_retry_ms && try_connect(g, now))
                continue;
            int64_t wait = (g->next_retry_ms < deadline ? g->next_retry_ms : deadline) - now;
            if (wait <= 0 && now >= deadline)
                return SV_ENORECEIVER;
            if (wait > 0) {
                /* Nothing to wait on: the caller allowed us this time, so spend it until the
                 * next attempt or the deadline, whichever comes first. */
                if (poll(NULL, 0, (int)wait) < 0 && errno == EINTR)
                    return SV_ENORECEIVER;
            }
            now = sv_mono_ms();
            continue;
        }

        /* Drain what libgps already holds before waiting on the socket: poll() cannot see
         * lines that are already in its buffer. */
        int r = read_one(g, now, out);
        if (r == 1)
            return SV_OK;
        if (r == SV_ENORECEIVER || r == SV_EFORMAT)
            return r;
        /* Past the deadline, still take in a bounded number of buffered reports, so that a
         * caller polling with timeout 0 gets the TPV behind a SKY and a GST at once. */
        if (r == 2 && (sv_mono_ms() < deadline || ++late < 64))
            continue;

        now = sv_mono_ms();
        int64_t since = g->last_data_ms ? g->last_data_ms : g->connected_ms;
        if (now - since > SILENT_MS && !g->silent_reported && now >= deadline) {
            g->silent_reported = 1;
            snprintf(g->errmsg, sizeof g->errmsg,
                     "gpsd at %s:%s is up but no receiver reported for %.0f s", g->host, g->port,
                     (double)(now - since) / 1000.0);
            return SV_ENORECEIVER;
        }
        if (now >= deadline)
            return g->silent_reported ? SV_ENORECEIVER : SV_EAGAIN;
        struct pollfd pfd = {.fd = g->gd.gps_fd, .events = POLLIN};
        int pr = poll(&pfd, 1, (int)(deadline - now));
        if (pr < 0) {
            if (errno == EINTR)
                return SV_EAGAIN; /* let the caller look at its signal flag */
            lost(g, sv_mono_ms(), strerror(errno));
            return SV_ENORECEIVER;
        }
        now = sv_mono_ms();
        if (pr == 0)
            continue; /* deadline reached: the checks above return */
        if (pfd.revents & (POLLERR | POLLNVAL)) {
            lost(g, now, "socket error");
            return SV_ENORECEIVER;
        }
        /* POLLIN or POLLHUP: read_one sees the data or the closed connection. */
    }
}

int sv_gnss_connected(const sv_gnss *g)
{
    if (!g || !g->connected || !g->last_data_ms)
        return 0;
    return sv_mono_ms() - g->last_data_ms <= SILENT_MS;
}

int sv_gnss_fd(const sv_gnss *g)
{
    return (g && g->connected) ? g->gd.gps_fd : -1;
}

const char *sv_gnss_errmsg(const sv_gnss *g)
{
    if (!g)
        return "no GNSS handle";
    return g->errmsg;
}
