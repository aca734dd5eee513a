#!/usr/bin/env python3
"""make-demo-walk.py - synthesize assets/demo/demo-walk.nmea, a boundary walk around the demo unit.

Not a real receiver capture: a deterministic simulation (python3 standard library only, fixed
seed) so the demo, the docs and the tests can show gating, averaging and jump detection on
data that looks like a survey-grade receiver behind gpsd:

  * the crew walks the unit's TRUE boundary clockwise from the north-west corner (J1): each
    corner lies 2-5 m off the county's draft corner in assets/demo/demo-unit.geojson;
  * they stand ~15 s on every corner (RTK fixed, GGA quality 4, cm-level noise) and walk
    ~1.2 m/s between corners with a little sideways sway;
  * the receiver starts with a few autonomous (quality 1) epochs before RTK converges;
  * a ~20 s RTK float stretch (quality 5) on the third leg, a ~15 s DGPS stretch (quality 2)
    on the fifth, and one single-epoch implausible jump of ~200 m (still claiming RTK fixed)
    on the second leg;
  * 1 Hz $GNRMC + $GNGGA + $GNGST every epoch, $GPGSA/$GBGSA and $GPGSV/$GBGSV (GPS and
    BeiDou) every 5 s. Date 2026-05-12, starting 02:10:00 UTC.

Usage: scripts/make-demo-walk.py [--unit assets/demo/demo-unit.geojson]
                                 [--out assets/demo/demo-walk.nmea]
Replay: gpsfake -1 -q -n -W 2 -P 29470 -c 0.005 assets/demo/demo-walk.nmea
"""
import argparse
import json
import math
import os
import random

SEED = 20260512
A_CG = 6378137.0
F_CG = 1.0 / 298.257222101
E2 = F_CG * (2 - F_CG)
GEOID_SEP = -31.5          # geoid above ellipsoid, m (plausible for Linxia; synthetic)
START = 2 * 3600 + 10 * 60  # 02:10:00 UTC
DATE = "120526"
HEADER_DATE = "2026-05-12"

STAND_S = 15
STARTUP_S = 5              # autonomous epochs before RTK fixes, at the first corner
WALK_MPS = 1.2

# Satellites: (prn, elevation, azimuth, snr). BeiDou PRNs in NMEA 4.10 numbering (GB talker).
GPS_SATS = [(2, 61, 318, 45), (5, 72, 131, 47), (11, 28, 52, 38), (12, 45, 186, 44),
            (18, 19, 264, 33), (20, 48, 49, 43), (25, 57, 245, 46), (29, 44, 323, 42),
            (31, 9, 110, 27)]
BDS_SATS = [(1, 46, 141, 41), (3, 52, 190, 42), (6, 34, 202, 39), (8, 68, 95, 46),
            (13, 25, 287, 37), (16, 59, 169, 44), (19, 41, 49, 42), (20, 63, 300, 45),
            (22, 22, 128, 36), (27, 37, 241, 40), (29, 15, 331, 31), (32, 70, 12, 47)]


def radii(lat):
    s = math.sin(math.radians(lat))
    w = 1 - E2 * s * s
    return A_CG * (1 - E2) / (w * math.sqrt(w)), A_CG / math.sqrt(w)  # M, N


class Plane:
    """Local east/north metres around an origin (tangent plane, CGCS2000 radii)."""

    def __init__(self, lat0, lon0):
        self.lat0, self.lon0 = lat0, lon0
        self.m, self.n = radii(lat0)
        self.c = math.cos(math.radians(lat0))

    def en(self, lat, lon):
        return (math.radians(lon - self.lon0) * self.n * self.c,
                math.radians(lat - self.lat0) * self.m)

    def latlon(self, e, n):
        return (self.lat0 + math.degrees(n / self.m),
                self.lon0 + math.degrees(e / (self.n * self.c)))


def checksum(body):
    c = 0
    for ch in body.encode("ascii"):
        c ^= ch
    return "%02X" % c


def sentence(body):
    return "$%s*%s\r\n" % (body, checksum(body))


def dm(v, is_lat):
    a = abs(v)
    d = int(a)
    m = (a - d) * 60.0
    if is_lat:
        return "%02d%010.7f" % (d, m), "N" if v >= 0 else "S"
    return "%03d%010.7f" % (d, m), "E" if v >= 0 else "W"


def hms(t):
    return "%02d%02d%02d.00" % (t // 3600 % 24, t // 60 % 60, t % 60)


def terrain_h(e, n):
    """Ellipsoidal height of the ground: a slope rising to the north-west."""
    return 1958.0 + 0.09 * n - 0.04 * e + 1.5 * math.sin(e / 37.0) * math.cos(n / 53.0)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--unit", default=os.path.join(root, "assets/demo/demo-unit.geojson"))
    ap.add_argument("--out", default=os.path.join(root, "assets/demo/demo-walk.nmea"))
    args = ap.parse_args()
    rnd = random.Random(SEED)

    with open(args.unit, encoding="utf-8") as f:
        unit = json.load(f)["features"][0]
    ring = unit["geometry"]["coordinates"][0][:-1]           # counter-clockwise, open
    clockwise = [ring[0]] + list(reversed(ring[1:]))           # J1 = NW corner, then clockwise
    plane = Plane(sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring))

    # True corners: 2-5 m off the draft in a random direction.
    corners = []
    for lon, lat in clockwise:
        e, n = plane.en(lat, lon)
        r, b = rnd.uniform(2.0, 5.0), rnd.uniform(0, 2 * math.pi)
        corners.append((e + r * math.sin(b), n + r * math.cos(b)))
    corners.append(corners[0])  # close the walk on J1

    # Ground truth track, one position per second: stand, walk, stand, ...
    track = []  # (e, n, leg, standing)
    for leg in range(len(corners) - 1):
        (e0, n0), (e1, n1) = corners[leg], corners[leg + 1]
        # The first stand also covers the receiver's autonomous start-up epochs, so J1 still
        # gets a full STAND_S of RTK fixed.
        for _ in range(STAND_S + (STARTUP_S if leg == 0 else 0)):
            track.append((e0, n0, leg, True))
        dist = math.hypot(e1 - e0, n1 - n0)
        steps = max(1, int(round(dist / WALK_MPS)))
        ue, un = (e1 - e0) / dist, (n1 - n0) / dist
        phase = rnd.uniform(0, 2 * math.pi)
        for k in range(1, steps):
            s = k / steps
            sway = 0.25 * math.sin(phase + k * 0.7) + rnd.gauss(0, 0.05)  # sideways, m
            track.append((e0 + s * (e1 - e0) + sway * un, n0 + s * (n1 - n0) - sway * ue,
                          leg, False))
    for _ in range(8):
        track.append((corners[-1][0], corners[-1][1], len(corners) - 1, True))

    # Quality plan per epoch.
    nep = len(track)
    legs = [t[2] for t in track]

    def leg_walk_epochs(leg):
        return [i for i in range(nep) if legs[i] == leg and not track[i][3]]

    quality = [4] * nep
    for i in range(STARTUP_S):               # receiver start-up: autonomous fix first
        quality[i] = 1
    w2 = leg_walk_epochs(2)                  # third leg: RTK float for ~20 s
    for i in w2[len(w2) // 3: len(w2) // 3 + 20]:
        quality[i] = 5
    w4 = leg_walk_epochs(4)                  # fifth leg: DGPS for ~15 s
    for i in w4[len(w4) // 2: len(w4) // 2 + 15]:
        quality[i] = 2
    w1 = leg_walk_epochs(1)
    jump_epoch = w1[len(w1) // 2]            # second leg: one wild epoch, ~200 m off

    out = []
    out.append("# Name: demo-walk.nmea - SYNTHESIZED boundary walk, not a real receiver\n")
    out.append("# Chipset: none; written by scripts/make-demo-walk.py (seed %d) from\n" % SEED)
    out.append("#   assets/demo/demo-unit.geojson (fictional unit 622901SL900001)\n")
    out.append("# Submitter: Quejie project (demo data)\n")
    out.append("# Date: %s\n" % HEADER_DATE)
    out.append("# Location: near Linxia, Gansu, 35.56N 103.22E (fictional)\n")
    out.append("# Notes: 1 Hz GNRMC+GNGGA+GNGST, GP/GB GSA+GSV every 5 s. Clockwise walk\n")
    out.append("#   from J1 (NW corner), %d s on each corner, %.1f m/s between; autonomous\n"
               % (STAND_S, WALK_MPS))
    out.append("#   start-up, an RTK float stretch (GGA 5), a DGPS stretch (GGA 2) and one\n")
    out.append("#   single-epoch ~200 m jump that still claims RTK fixed (GGA 4).\n")
    out.append("#   Replay: gpsfake -1 -q -n -W 2 -P 29470 -c 0.005 demo-walk.nmea\n")

    # Slowly wandering errors (metres) for float and DGPS; white noise for fixed.
    drift = {2: [0.4, -0.3], 5: [0.1, 0.15]}
    prev_e, prev_n = None, None
    for i, (te, tn, leg, standing) in enumerate(track):
        t = START + i
        q = quality[i]
        if q == 4:
            ne, nn, nu = rnd.gauss(0, 0.008), rnd.gauss(0, 0.008), rnd.gauss(0, 0.015)
            sig = (0.009, 0.008, 0.017)
            age = 1.0 + (i % 3) * 0.5
        elif q == 5:
            d = drift[5]
            d[0] = max(-0.5, min(0.5, d[0] + rnd.gauss(0, 0.03)))
            d[1] = max(-0.5, min(0.5, d[1] + rnd.gauss(0, 0.03)))
            ne, nn, nu = d[0] + rnd.gauss(0, 0.03), d[1] + rnd.gauss(0, 0.03), rnd.gauss(0, 0.2)
            sig = (0.21, 0.18, 0.39)
            age = 3.0 + (i % 4) * 0.5
        elif q == 2:
            d = drift[2]
            d[0] = max(-1.0, min(1.0, d[0] + rnd.gauss(0, 0.08)))
            d[1] = max(-1.0, min(1.0, d[1] + rnd.gauss(0, 0.08)))
            ne, nn, nu = d[0] + rnd.gauss(0, 0.1), d[1] + rnd.gauss(0, 0.1), rnd.gauss(0, 0.8)
            sig = (0.62, 0.55, 1.30)
            age = 5.0 + (i % 5)
        else:
            ne, nn, nu = rnd.gauss(0, 1.2), rnd.gauss(0, 1.2), rnd.gauss(0, 2.5)
            sig = (1.9, 1.6, 3.8)
            age = None
        e, n = te + ne, tn + nn
        if i == jump_epoch:
            e, n = e + 200.0 * math.sin(math.radians(140)), n + 200.0 * math.cos(math.radians(140))
        lat, lon = plane.latlon(e, n)
        h = terrain_h(te, tn) + nu
        msl = h - GEOID_SEP

        if prev_e is None:
            speed, course = 0.0, 0.0
        else:
            de, dn = te - prev_e, tn - prev_n
            speed = math.hypot(de, dn)
            course = (math.degrees(math.atan2(de, dn)) + 360.0) % 360.0
        prev_e, prev_n = te, tn

        la, ns = dm(lat, True)
        lo, ew = dm(lon, False)
        mode = {1: "A", 2: "D", 4: "R", 5: "F"}[q]
        used_gps = [s[0] for s in GPS_SATS if s[1] >= 15]
        used_bds = [s[0] for s in BDS_SATS if s[1] >= 20]
        nused = len(used_gps) + len(used_bds)
        hdop = {4: 0.6, 5: 0.7, 2: 0.8, 1: 1.1}[q]
        out.append(sentence("GNRMC,%s,A,%s,%s,%s,%s,%.3f,%s,%s,,,%s,V" % (
            hms(t), la, ns, lo, ew, speed * 1.943844, ("%.1f" % course) if speed > 0.3 else "",
            DATE, mode)))
        out.append(sentence("GNGGA,%s,%s,%s,%s,%s,%d,%02d,%.1f,%.3f,M,%.3f,M,%s,%s" % (
            hms(t), la, ns, lo, ew, q, min(nused, 99), hdop, msl, GEOID_SEP,
            ("%.1f" % age) if age is not None else "", "0001" if age is not None else "")))
        rms = math.hypot(sig[0], sig[1])
        out.append(sentence("GNGST,%s,%.3f,%.3f,%.3f,%.1f,%.3f,%.3f,%.3f" % (
            hms(t), rms, max(sig[0], sig[1]), min(sig[0], sig[1]), 35.0, sig[0], sig[1], sig[2])))
        if i % 5 == 0:
            pdop, vdop = hdop * 1.7, hdop * 1.4

            def gsa(talker, prns):
                f = ["%02d" % p for p in prns[:12]] + [""] * (12 - min(12, len(prns)))
                return sentence("%sGSA,A,3,%s,%.1f,%.1f,%.1f" % (
                    talker, ",".join(f), pdop, hdop, vdop))
            # One GSA per constellation by talker: gpsd 3.22 does not read the NMEA 4.10
            # system-id field of $GNGSA for BeiDou (its satellites would never show as used).
            out.append(gsa("GP", used_gps))
            out.append(gsa("GB", used_bds))
            for talker, sats in (("GP", GPS_SATS), ("GB", BDS_SATS)):
                pages = (len(sats) + 3) // 4
                for p in range(pages):
                    chunk = sats[p * 4:(p + 1) * 4]
                    fields = ",".join(
                        "%02d,%02d,%03d,%02d" % (prn, el, az, max(0, snr + rnd.randint(-2, 2)))
                        for prn, el, az, snr in chunk)
                    out.append(sentence("%sGSV,%d,%d,%02d,%s" % (talker, pages, p + 1, len(sats),
                                                                 fields)))

    with open(args.out, "w", encoding="ascii", newline="") as f:
        f.writelines(out)
    size = os.path.getsize(args.out)
    print("%s: %d epochs (%d s), %d bytes; jump at epoch %d; quality counts %s"
          % (args.out, nep, nep, size, jump_epoch,
             {k: quality.count(k) for k in sorted(set(quality))}))


if __name__ == "__main__":
    main()
