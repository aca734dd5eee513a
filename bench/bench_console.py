#!/usr/bin/env python3
"""bench_console.py - the county office console under load (driven by bench_console.sh).

    python3 bench_console.py BUILD_DIR WORK_DIR

Targets (issue 11): (a) the overview data, GET /api/v1/units, for 5,000 units and 100 devices
served in <= 200 ms; (b) 20 page/API requests a second while 50 tablets sync: page p95 <= 300 ms
and ingest throughput >= 0.8x that of the same ingest with no page load.

Set-up (not timed): a real quejie-office over TLS on 127.0.0.1 (self-signed certificate); 100
devices registered, 5,000 task units (bench/make_units.py: 24-40 vertex polygons with the
properties of a registration unit), 50 assigned to each device (bench_console_setup, one
process); the first 50 tablets initialised, enrolled and synced (tasks down, their task entries
up), so their units are in the field; a reviewer logs in through POST /api/v1/login and accepts,
returns and puts on notice a few units through the API. The other 50 devices' units stay
assigned.

Timed:
  (a) GET /api/v1/units, N times one after another on one keep-alive TLS connection: p50, p95,
      max and the body size. Baselines in the same run: GET /api/v1/me (a session's fixed cost)
      and the same bytes as a static file (GET /static/, the transfer cost). The overview page
      (GET /, the same data as HTML) is timed too, and a unit page's data (GET /api/v1/units/CODE,
      one unit of the 5,000 with its devices' entries).
  (b) ingest: 50 tablets each record a fifth of a standard day (qj_fill: 400 walk vertices, 40
      averaged points; not timed: an hour's work between two syncs), then run `quejie sync` all
      at once; throughput = entries applied / wall time from the first start to the last exit.
      Three rounds, alternating: alone, with page load, alone (a fresh day on another unit each
      time; the two alone rounds bracket the loaded one, so the replicas' growth does not favour
      either side). Page load: 20 requests a second on a fixed schedule (GET /, /api/v1/units,
      /api/v1/devices, /api/v1/review, /api/v1/log in turn) from 8 client threads with keep-alive
      connections; latency counts from the scheduled time, so a request queued behind slow ones
      counts its wait. The same load with no ingest is measured first as the page baseline.
Prints figures and ratios; never passes or fails on time.
"""
import concurrent.futures as cf
import http.client
import json
import os
import queue
import socket
import ssl
import subprocess
import sys
import threading
import time

B, T = sys.argv[1], sys.argv[2]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNITS, DEVICES, PER = 5000, 100, 50
TABLETS = int(os.environ.get("QJ_BENCH_TABLETS", "50"))
SYNCERS = 50
RATE = 20.0
N_UNITS = 15
DAY = ("400", "40")  # vertices, points a tablet records between two syncs (a fifth of a standard day)
PASSWORD = "bench-password-1"
PAGES = ["/", "/api/v1/units", "/api/v1/devices", "/api/v1/review", "/api/v1/log"]


def run(*args, stdin=None):
    r = subprocess.run(list(args), input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("bench_console: %s failed: %s" % (" ".join(args[:3]), r.stderr.strip()[-300:]))
    return r.stdout


def pool(fn, items, workers=2):
    with cf.ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, items))


def pct(v, p):
    s = sorted(v)
    return s[min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# ---- the office ---------------------------------------------------------------------------------
t_setup = time.monotonic()
O, CERT, KEY = os.path.join(T, "office.db"), os.path.join(T, "cert.pem"), os.path.join(T, "key.pem")
run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", KEY, "-out", CERT, "-days", "2", "-subj", "/CN=localhost", "-addext",
    "subjectAltName=IP:127.0.0.1,DNS:localhost")
run(B + "/quejie-office", "init", O, "--name", "bench county")
run(B + "/quejie-office", "user", "add", O, "--name", "rev", "--role", "reviewer", stdin=PASSWORD + "\n")
ASSETS = os.path.join(T, "assets")
os.mkdir(ASSETS)
for f in os.listdir(os.path.join(ROOT, "assets", "office")):
    with open(os.path.join(ROOT, "assets", "office", f), "rb") as a, open(os.path.join(ASSETS, f), "wb") as b:
        b.write(a.read())
PORT = free_port()
log = open(os.path.join(T, "office.log"), "w")
server = subprocess.Popen([B + "/quejie-office", "serve", O, "--listen", "127.0.0.1:%d" % PORT,
                           "--tls-cert", CERT, "--tls-key", KEY, "--assets", ASSETS],
                          stdout=log, stderr=subprocess.STDOUT)
with open(os.path.join(T, "server.pid"), "w") as f:
    f.write("%d\n" % server.pid)
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", PORT), 0.2).close()
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit("bench_console: the office did not start")
URL = "https://127.0.0.1:%d" % PORT

run(sys.executable, os.path.join(ROOT, "bench", "make_units.py"), T, str(UNITS), str(DEVICES))
names = ["dev%03d" % d for d in range(DEVICES)]
tokens = dict(line.split() for line in run(B + "/bench_console_setup", O, T, str(DEVICES)).splitlines())


def unit(d, k):
    return "622901ZR%06d" % (100000 + d * PER + k)


def tablet(d):
    return os.path.join(T, "tablet-%03d.db" % d)


def enroll(d):
    run(B + "/quejie", "init", tablet(d), "--device-name", names[d], "--crew", names[d])
    run(B + "/quejie", "enroll", tablet(d), "--office", URL, "--token", tokens[names[d]], "--ca", CERT)
    run(B + "/quejie", "sync", tablet(d), "--quiet")


def fill(d, k):
    run(B + "/qj_fill", tablet(d), unit(d, k), *DAY)


def sync(d):
    t0 = time.monotonic()
    r = subprocess.run([B + "/quejie", "sync", tablet(d), "--json"], capture_output=True, text=True)
    t1 = time.monotonic()
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = {}
    if r.returncode != 0 or not j.get("ok"):
        return (t0, t1, 0, "sync %s: %s" % (names[d], (j.get("error") or r.stderr.strip())[-200:]))
    return (t0, t1, j.get("entries", 0), None)


pool(enroll, range(TABLETS), 4)

ctx = ssl.create_default_context(cafile=CERT)


class Client:
    """One keep-alive HTTPS connection with the session cookie."""

    def __init__(self, cookie=None, csrf=None):
        self.cookie, self.csrf, self.c = cookie, csrf, None

    def req(self, method, path, body=None):
        for attempt in range(2):
            if self.c is None:
                self.c = http.client.HTTPSConnection("127.0.0.1", PORT, context=ctx, timeout=60)
            h = {"Content-Type": "application/json"}
            if self.cookie:
                h["Cookie"] = self.cookie
            if self.csrf and method == "POST":
                h["X-CSRF-Token"] = self.csrf
            try:
                self.c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
                r = self.c.getresponse()
                data = r.read()
                return r.status, r.getheader("Set-Cookie"), data
            except (OSError, http.client.HTTPException):
                self.c.close()
                self.c = None
                if attempt:
                    raise


login = Client()
st, cookie, data = login.req("POST", "/api/v1/login", {"user": "rev", "password": PASSWORD})
if st != 200:
    sys.exit("bench_console: login: %d %s" % (st, data[:200]))
COOKIE = cookie.split(";")[0]
CSRF = json.loads(data)["csrf"]
api = Client(COOKIE, CSRF)
# A few decisions so the listing has them: accept 30 units, put 10 of those on notice, return 20.
decided = 0
for d in range(30):
    decided += api.req("POST", "/api/v1/units/%s/accept" % unit(d, 0), {"note": "bench"})[0] == 200
for d in range(10):
    decided += api.req("POST", "/api/v1/units/%s/notice" % unit(d, 0),
                       {"from": "2026-12-01", "to": "2026-12-31"})[0] == 200
for d in range(30, 50):
    decided += api.req("POST", "/api/v1/units/%s/return" % unit(d, 0), {"note": "请补测界址点 J3"})[0] == 200
st, _, body = api.req("GET", "/api/v1/units")
units = json.loads(body)
states = {}
for u in units:
    states[u["status"]] = states.get(u["status"], 0) + 1
with open(os.path.join(ASSETS, "units-copy.js"), "wb") as f:
    f.write(body)
print("  set-up: %d units, %d devices (%d enrolled and synced), %d decisions through"
      " the API; %.0f s" % (len(units), DEVICES, TABLETS, decided, time.monotonic() - t_setup))
print("  units by state: " + ", ".join("%s %d" % kv for kv in sorted(states.items())))


# ---- (a) the overview data ----------------------------------------------------------------------
def timed(path, n):
    c = Client(COOKIE, CSRF)
    c.req("GET", path)  # warm: the connection and the page cache
    v, size = [], 0
    for _ in range(n):
        t0 = time.monotonic()
        st, _, b = c.req("GET", path)
        v.append((time.monotonic() - t0) * 1000)
        if st != 200:
            sys.exit("bench_console: GET %s: %d" % (path, st))
        size = len(b)
    return v, size


print("-- overview data, GET /api/v1/units, %d units and %d devices, %d requests one after another"
      " (target <= 200 ms)" % (len(units), DEVICES, N_UNITS))
rows = [("GET /api/v1/units", timed("/api/v1/units", N_UNITS)),
        ("GET / (the overview page, HTML)", timed("/", N_UNITS)),
        ("GET /api/v1/units/CODE (a unit page's data)", timed("/api/v1/units/" + unit(0, 0), N_UNITS)),
        ("baseline: GET /static/ of the same bytes", timed("/static/units-copy.js", N_UNITS)),
        ("baseline: GET /api/v1/me (a session's cost)", timed("/api/v1/me", N_UNITS))]
base_static = pct(rows[3][1][0], 50)
for name, (v, size) in rows:
    print("   %-44s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms  body %8d B  (p50 / static %5.1fx)"
          % (name + ":", pct(v, 50), pct(v, 95), max(v), size, pct(v, 50) / base_static))


if os.environ.get("QJ_BENCH_ONLY_A"):
    server.terminate()
    sys.exit(server.wait())


# ---- (b) pages while tablets sync ---------------------------------------------------------------
class Load:
    """RATE requests a second on a fixed schedule, from 8 threads with keep-alive connections."""

    def __init__(self):
        self.q, self.res, self.stop = queue.Queue(), [], threading.Event()
        self.workers = [threading.Thread(target=self.work, daemon=True) for _ in range(8)]
        self.sched = threading.Thread(target=self.schedule, daemon=True)

    def start(self):
        self.t0 = time.monotonic()
        for w in self.workers:
            w.start()
        self.sched.start()

    def schedule(self):
        i = 0
        while not self.stop.is_set():
            due = self.t0 + i / RATE
            d = due - time.monotonic()
            if d > 0:
                time.sleep(d)
            self.q.put((due, PAGES[i % len(PAGES)]))
            i += 1

    def work(self):
        c = Client(COOKIE, CSRF)
        while True:
            due, path = self.q.get()
            if due is None:
                return
            st, _, b = c.req("GET", path)
            self.res.append((due, path, (time.monotonic() - due) * 1000, st))

    def finish(self):
        """Stop; requests still queued are dropped (counted in self.dropped), not waited for."""
        self.stop.set()
        self.sched.join()
        self.dropped = 0
        while True:
            try:
                self.q.get_nowait()
                self.dropped += 1
            except queue.Empty:
                break
        for _ in self.workers:
            self.q.put((None, None))
        for w in self.workers:
            w.join()
        return self.res


def page_figures(res, lo, hi):
    v = [ms for due, _, ms, st in res if lo <= due <= hi]
    bad = sum(1 for due, _, _, st in res if lo <= due <= hi and st != 200)
    per = {}
    for due, path, ms, st in res:
        if lo <= due <= hi:
            per.setdefault(path, []).append(ms)
    return v, bad, per


def ingest_round(k, load):
    pool(lambda d: fill(d, k), range(SYNCERS))
    lg = Load() if load else None
    if lg:
        lg.start()
        time.sleep(1.0)  # the load runs before the syncs start
    barrier = time.monotonic()
    out = pool(sync, range(SYNCERS), SYNCERS)
    t0, t1 = min(o[0] for o in out), max(o[1] for o in out)
    errs = [o[3] for o in out if o[3]]
    if errs:
        sys.exit("bench_console: " + errs[0])
    n = sum(o[2] for o in out)
    res = lg.finish() if lg else None
    return n, t1 - t0, res, barrier, lg.dropped if lg else 0


print("-- %d page/API requests a second (%s in turn) while %d tablets sync %s vertices and %s points each"
      % (RATE, ", ".join(PAGES), SYNCERS, DAY[0], DAY[1]))
print("   (targets: page p95 <= 300 ms; ingest >= 0.8x the same ingest with no page load)")
lg = Load()
lg.start()
time.sleep(6)
base = lg.finish()
bv, bbad, _ = page_figures(base, lg.t0 + 0.5, lg.t0 + 5.5)
print("   baseline, the page load alone (no ingest), %3d requests: p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms%s%s"
      % (len(bv), pct(bv, 50), pct(bv, 95), max(bv), "  (%d not 200)" % bbad if bbad else "",
         "  (%d more still queued at the end, dropped)" % lg.dropped if lg.dropped else ""))
a1 = ingest_round(1, False)
ld = ingest_round(2, True)
a2 = ingest_round(3, False)
for name, r in (("ingest alone, round 1", a1), ("ingest with the page load", ld), ("ingest alone, round 3", a2)):
    print("   %-28s %7d entries in %6.2f s = %7.0f entries/s" % (name + ":", r[0], r[1], r[0] / r[1]))
alone = (a1[0] + a2[0]) / (a1[1] + a2[1])
loaded = ld[0] / ld[1]
v, bad, per = page_figures(ld[2], ld[3], ld[3] + ld[1])
print("   pages during the loaded round, %3d requests: p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms%s%s"
      % (len(v), pct(v, 50), pct(v, 95), max(v), "  (%d not 200)" % bad if bad else "",
         "  (%d more still queued at the end, dropped)" % ld[4] if ld[4] else ""))
for path in PAGES:
    if path in per:
        print("     %-18s %3d requests: p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms"
              % (path, len(per[path]), pct(per[path], 50), pct(per[path], 95), max(per[path])))
print("   page p95 %.0f ms (target <= 300; alone %.0f ms); ingest with pages %.0f entries/s against"
      " %.0f alone: ratio %.2f (target >= 0.8)" % (pct(v, 95), pct(bv, 95), loaded, alone, loaded / alone))
server.terminate()
server.wait()
