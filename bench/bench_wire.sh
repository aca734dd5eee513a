#!/bin/bash
# bench_wire.sh - bytes on the wire per recorded row when a tablet syncs a standard day.
#
#   bash bench/bench_wire.sh BUILD_DIR
#
# Target (issue): <= 12 B/row for a standard day (2,000 walk vertices at 1 Hz, 200 averaged
# boundary points, full GNSS provenance; qj_fill records exactly that), all overhead included
# except TLS. How: a real quejie-office serves over TLS on 127.0.0.1 (self-signed certificate
# made here); a tablet journal is initialised, enrolled and synced once (tasks down, its units
# assigned, everything so far acknowledged); then qj_fill records the day and `quejie sync
# --no-tasks --json` sends it. That command reports `wire_bytes` (HTTP request and response bytes
# including headers and the cursor request, TLS excluded, as counted by libcurl), `bytes` (the
# bundle bodies) and `entries` (rows the office applied). Figures are per applied row.
# Because libcurl's counters can count a POST body twice (CURLINFO_REQUEST_SIZE includes bodies
# under 64 KiB that go out with the headers, CURLINFO_SIZE_UPLOAD_T counts them again), a second
# tablet syncs the same day over plain HTTP through a byte-counting proxy; when that run
# completes, the headline wire figure is the bytes seen on the socket, and both are printed.
#
# Baselines, from the very same rows (`quejie log --json --from SEQ`), measured in this run:
#   - json+zlib: the rows (seq, time_ms, kind, canonical payload) as one compact JSON array,
#     deflated in one zlib stream at level 9: a naive sender. One stream over the whole day is
#     kinder to the baseline than per-bundle streams would be; hashes are left out (kinder too).
#   - qfield-style JSON deltas: an APPROXIMATION of QFieldCloud's delta file, one
#     {"uuid","clientId","method":"create","layerId","new":{"attributes":{...},"geometry":WKT}}
#     per row, with every payload field flattened into attributes in real units (metres,
#     degrees, seconds) and lon/lat/h as a "Point Z" WKT. QFieldCloud also sends localPk,
#     sourcePk, local/source layer ids and CRSs per delta, which this leaves out: the real
#     thing is larger, so this ratio flatters the baseline, not us.
#   - sqlite session changeset (what Mergin Maps sends): only when the sqlite3 CLI has .session.
#     One table per kind with the flattened columns (seq as the primary key, coordinates and
#     quality as REAL, text as TEXT; no GeoPackage geometry blob, which would add bytes), a
#     session recording the inserts, the changeset written by the CLI; raw and zlib level 9.
# Prints figures and ratios; never passes or fails on size.
set -u
B=${1:-build}
B=$(cd "$B" && pwd) || { echo "bench_wire: no build directory $1"; exit 1; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TASKS=${QJ_FIXTURES:-$ROOT/tests/fixtures}/tasks/linxia-units-4490.geojson
UNIT=622901ZR000002
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
for x in quejie quejie-office qj_fill; do
    [ -x "$B/$x" ] || { echo "bench_wire: skipped ($B/$x is not built)"; exit 0; }
done
command -v openssl >/dev/null || { echo "bench_wire: skipped (no openssl)"; exit 0; }
[ -f "$TASKS" ] || { echo "bench_wire: skipped (no task fixture $TASKS)"; exit 0; }

T=$(mktemp -d "${BENCH_DIR:-/tmp}/qj-bench-wire-XXXXXX")
OFFICE_PID='' OFFICE2_PID='' PROXY_PID=''
cleanup() {
    for p in $OFFICE_PID $OFFICE2_PID $PROXY_PID; do kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    [ -n "${QJ_BENCH_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
die() { echo "bench_wire: $*"; [ -s "$T/err" ] && tail -3 "$T/err"; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 || die "openssl req failed"
PORT=$("$PY" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
O=$T/office.db
J=$T/tablet.db
"$B/quejie-office" init "$O" --name "bench office" >/dev/null 2>"$T/err" || die "office init"
"$B/quejie-office" serve "$O" --listen "127.0.0.1:$PORT" --tls-cert "$T/cert.pem" \
    --tls-key "$T/key.pem" >"$T/office.log" 2>&1 &
OFFICE_PID=$!
up=0
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && { up=1; break; }; sleep 0.05; done
[ $up = 1 ] || die "office did not start: $(tail -1 "$T/office.log")"
TOKEN=$("$B/quejie-office" device add "$O" --name crew1 --crew crew 2>"$T/err" | tail -1)
[ -n "$TOKEN" ] || die "device add"
"$B/quejie-office" tasks import "$O" "$TASKS" --assign crew >/dev/null 2>"$T/err" || die "tasks import"
"$B/quejie" init "$J" --device-name crew1 --crew crew >/dev/null 2>"$T/err" || die "quejie init"
"$B/quejie" enroll "$J" --office "https://127.0.0.1:$PORT" --token "$TOKEN" --ca "$T/cert.pem" \
    >/dev/null 2>"$T/err" || die "enroll"
"$B/quejie" sync "$J" --quiet >/dev/null 2>"$T/err" || die "first sync (tasks down)"
"$B/quejie" sync-status "$J" --json >"$T/ss.json" 2>"$T/err" || die "sync-status"
FROM=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["acked_seq"]==d["last_seq"]; print(d["last_seq"]+1)' "$T/ss.json") \
    || die "first sync left entries unacknowledged"

"$B/qj_fill" "$J" "$UNIT" 2000 200 >/dev/null 2>"$T/err" || die "qj_fill"
"$B/quejie" sync "$J" --no-tasks --json >"$T/sync.json" 2>"$T/err" || die "sync of the day"
"$B/quejie" log "$J" --json --from "$FROM" >"$T/rows.json" 2>"$T/err" || die "quejie log"

# Cross-check of the client's wire_bytes, independent of libcurl's counters: a second tablet
# records the same day (qj_fill is deterministic; only keys, clock times and seals differ, not
# sizes) and syncs it over plain HTTP through a byte-counting TCP proxy to a second server
# process on the same office (plain HTTP is allowed on loopback). The proxy counts exactly the
# HTTP bytes each way, which is the TLS-excluded wire.
cat >"$T/proxy.py" <<'PROXY'
import socket, sys, threading
listen, upstream, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
tot = [0, 0, 0]  # connections, bytes up, bytes down
lock = threading.Lock()
def pump(a, b, i, n):
    while True:
        try:
            d = a.recv(65536)
        except OSError:
            d = b""
        if not d:
            break
        n[i] += len(d)
        try:
            b.sendall(d)
        except OSError:
            break
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass
def conn(c):
    u = socket.create_connection(("127.0.0.1", upstream))
    n = [0, 0]
    ts = [threading.Thread(target=pump, args=(c, u, 0, n)), threading.Thread(target=pump, args=(u, c, 1, n))]
    for t in ts: t.start()
    for t in ts: t.join()
    c.close(); u.close()
    with lock:
        tot[0] += 1; tot[1] += n[0]; tot[2] += n[1]
        with open(out + ".tmp", "w") as f: f.write("%d %d %d\n" % tuple(tot))
        import os; os.replace(out + ".tmp", out)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", listen)); s.listen(64)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=conn, args=(c,), daemon=True).start()
PROXY
free_port() { "$PY" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; return 1; }
PLAIN=$(free_port)
PROXY=$(free_port)
J2=$T/tablet2.db
XCHECK=0
"$B/quejie-office" serve "$O" --listen "127.0.0.1:$PLAIN" >"$T/office2.log" 2>&1 &
OFFICE2_PID=$!
"$PY" "$T/proxy.py" "$PROXY" "$PLAIN" "$T/counts" >"$T/proxy.log" 2>&1 &
PROXY_PID=$!
if wait_port "$PLAIN" && wait_port "$PROXY"; then
    TOKEN2=$("$B/quejie-office" device add "$O" --name crew2 --crew crew 2>/dev/null | tail -1)
    if "$B/quejie" init "$J2" --device-name crew2 --crew crew >/dev/null 2>&1 &&
        "$B/quejie" enroll "$J2" --office "http://127.0.0.1:$PROXY" --token "$TOKEN2" >/dev/null 2>&1 &&
        "$B/quejie" sync "$J2" --quiet >/dev/null 2>&1 &&
        "$B/qj_fill" "$J2" "$UNIT" 2000 200 >/dev/null 2>&1; then
        sleep 0.2
        cp "$T/counts" "$T/counts.before" 2>/dev/null || echo "0 0 0" >"$T/counts.before"
        if "$B/quejie" sync "$J2" --no-tasks --json >"$T/sync2.json" 2>/dev/null; then
            want=$(($(cat "$T/counts.before" | cut -d' ' -f1) + 1 + $("$PY" -c 'import json,sys;print(json.load(open(sys.argv[1]))["bundles"])' "$T/sync2.json")))
            for _ in $(seq 100); do
                [ "$(cut -d' ' -f1 "$T/counts" 2>/dev/null)" = "$want" ] && { XCHECK=1; break; }
                sleep 0.05
            done
        fi
    fi
fi
kill "$PROXY_PID" "$OFFICE2_PID" 2>/dev/null
wait "$PROXY_PID" "$OFFICE2_PID" 2>/dev/null
[ $XCHECK = 1 ] || echo "bench_wire: the plain-HTTP cross-check did not complete; reporting libcurl's count only"

HAVE_SESSION=0
if command -v sqlite3 >/dev/null && sqlite3 :memory: '.help session' 2>/dev/null | grep -q changeset; then
    HAVE_SESSION=1
fi

"$PY" - "$T" "$HAVE_SESSION" "$XCHECK" <<'PYEOF'
import datetime, json, os, subprocess, sys, uuid, zlib

T, have_session, xcheck = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1"
s = json.load(open(os.path.join(T, "sync.json")))
rows = json.load(open(os.path.join(T, "rows.json")))
if not s.get("ok"):
    sys.exit("bench_wire: sync failed: %s" % s.get("error"))
n = len(rows)
if s["entries"] != n:
    sys.exit("bench_wire: the office applied %d entries but the log holds %d rows" % (s["entries"], n))

def canon(p):  # the journal's canonical JSON: sorted keys, compact, UTF-8
    return json.dumps(p, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

def time_ms(iso):
    d = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(round(d.timestamp() * 1000))

# Fixed-point journal units (docs/journal.md) back to the real units a GIS would store.
# Divided (not multiplied) so each value is the double nearest the decimal, printed shortest.
SCALE = {"lat": 10**9, "lon": 10**9, "h": 1000, "eph": 1000, "epv": 1000, "se": 1000, "sn": 1000,
         "su": 1000, "dist": 1000, "dh": 1000, "dur": 1000, "cage": 1000, "hdop": 100,
         "vdop": 100, "pdop": 100, "brg": 10**6}

def flat(p, prefix=""):
    out = {}
    for k, v in p.items():
        if isinstance(v, dict):
            out.update(flat(v, prefix + k + "_"))
        elif isinstance(v, list):
            out[prefix + k] = json.dumps(v)
        elif isinstance(v, int) and not isinstance(v, bool) and k in SCALE:
            out[prefix + k] = v / SCALE[k]
        elif k == "t" and isinstance(v, int):
            out[prefix + k] = datetime.datetime.fromtimestamp(
                v / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
        else:
            out[prefix + k] = v
    return out

# (b) naive sender: canonical rows as one JSON array, zlib level 9.
naive = "[" + ",".join(canon({"seq": r["seq"], "time_ms": time_ms(r["time"]), "kind": r["kind"],
                               "payload": r["payload"]}) for r in rows) + "]"
naive_raw = len(naive.encode())
naive_z = len(zlib.compress(naive.encode(), 9))

# (a) QFieldCloud-style deltas (approximation, see the header of this script).
client = str(uuid.UUID(int=0x5EED))
layer = {k: "%s_%s" % (k, str(uuid.uuid5(uuid.NAMESPACE_DNS, k)).replace("-", "_"))
         for k in {r["kind"] for r in rows}}
deltas = []
for r in rows:
    p = r["payload"]
    attrs = flat({k: v for k, v in p.items() if k not in ("lat", "lon", "h")})
    attrs["time"] = r["time"]
    geom = None
    if "lat" in p and "lon" in p:
        geom = "Point Z (%r %r %r)" % (p["lon"] / 10**9, p["lat"] / 10**9, p.get("h", 0) / 1000)
    deltas.append({"uuid": str(uuid.uuid4()), "clientId": client, "method": "create",
                   "layerId": layer[r["kind"]], "new": {"attributes": attrs, "geometry": geom}})
qfield = json.dumps({"deltas": deltas, "files": [], "id": str(uuid.uuid4()),
                     "project": str(uuid.uuid4()), "version": "1.0"},
                    separators=(",", ":"), ensure_ascii=False)
qfield_raw = len(qfield.encode())

# (c) SQLite session changeset through the sqlite3 CLI.
cs_raw = cs_z = None
cs_note = "sqlite3 CLI without .session: changeset baseline skipped"
if have_session:
    tables = {}
    flats = []
    for r in rows:
        f = {"seq": r["seq"], "time_ms": time_ms(r["time"])}
        f.update(flat(r["payload"]))
        flats.append((r["kind"], f))
        cols = tables.setdefault(r["kind"], {})
        for k, v in f.items():
            t = "INTEGER" if isinstance(v, int) else "REAL" if isinstance(v, float) else "TEXT"
            cols.setdefault(k, t)
    def q(v):
        if v is None:
            return "NULL"
        if isinstance(v, bool):
            return str(int(v))
        if isinstance(v, (int, float)):
            return repr(v)
        return "'" + str(v).replace("'", "''") + "'"
    sql = []
    for kind, cols in tables.items():
        defs = ", ".join('"%s" %s%s' % (c, t, " PRIMARY KEY" if c == "seq" else "")
                         for c, t in cols.items())
        sql.append('CREATE TABLE "%s"(%s);' % (kind, defs))
    sql.append(".session open main s")
    for kind in tables:
        sql.append('.session attach "%s"' % kind)
    sql.append("BEGIN;")
    for kind, f in flats:
        cols = list(tables[kind])
        sql.append('INSERT INTO "%s"(%s) VALUES (%s);' % (
            kind, ", ".join('"%s"' % c for c in cols), ", ".join(q(f.get(c)) for c in cols)))
    sql.append("COMMIT;")
    cs = os.path.join(T, "day.changeset")
    sql.append(".session changeset " + cs)
    sql.append(".session close")
    db = os.path.join(T, "mergin.db")
    res = subprocess.run(["sqlite3", "-bail", db], input="\n".join(sql) + "\n", text=True,
                         capture_output=True)
    if res.returncode == 0 and os.path.exists(cs) and os.path.getsize(cs) > 0:
        data = open(cs, "rb").read()
        cs_raw, cs_z = len(data), len(zlib.compress(data, 9))
    else:
        cs_note = "sqlite3 .session failed (%s): changeset baseline skipped" % res.stderr.strip()[:200]

curl_wire, body = s["wire_bytes"], s["bytes"]
sock_wire = None
if xcheck:
    b0 = [int(x) for x in open(os.path.join(T, "counts.before")).read().split()]
    b1 = [int(x) for x in open(os.path.join(T, "counts")).read().split()]
    s2 = json.load(open(os.path.join(T, "sync2.json")))
    if s2.get("ok") and s2["entries"] == n:
        sock_wire = (b1[1] - b0[1]) + (b1[2] - b0[2])
        sock_up, sock_down, sock_body, sock_curl = b1[1] - b0[1], b1[2] - b0[2], s2["bytes"], s2["wire_bytes"]
wire = sock_wire if sock_wire is not None else curl_wire
kinds = {}
for r in rows:
    kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
print("wire bytes per row: a standard day synced to a real office over TLS on 127.0.0.1 "
      "(TLS excluded)")
print("  rows: %d (%s), %d bundle%s" % (n, ", ".join("%d %s" % (v, k) for k, v in sorted(kinds.items())),
                                        s["bundles"], "" if s["bundles"] == 1 else "s"))
print("  client's wire_bytes (libcurl counters, TLS run):              %6d B = %5.1f B/row" % (curl_wire, curl_wire / n))
if sock_wire is not None:
    print("  wire measured on the socket (same day, plain-HTTP run, proxy): %6d B = %5.1f B/row"
          " (up %d, down %d; that run's bundles %d B, its wire_bytes %d B)"
          % (sock_wire, sock_wire / n, sock_up, sock_down, sock_body, sock_curl))
    if abs(sock_curl - sock_wire) > 0.02 * sock_wire:
        print("  NOTE: the client's wire_bytes differs from the bytes on the socket by %+d B (%.2fx);"
              " the socket figure is used below" % (sock_curl - sock_wire, sock_curl / sock_wire))
print("  wire (HTTP incl. headers, cursor request, bundle framing): %d B = %.1f B/row (target <= 12)"
      % (wire, wire / n))
print("  bundle bodies alone: %d B = %.1f B/row; HTTP overhead %.1f B/row"
      % (body, body / n, (wire - (sock_body if sock_wire is not None else body)) / n))
per = wire / n
def line(name, total):
    print("  %-44s %9d B = %7.1f B/row   ratio ours(wire)/it %.3f" % (name, total, total / n, per / (total / n)))
line("baseline json+zlib (naive sender)", naive_z)
line("baseline json, uncompressed", naive_raw)
line("baseline qfield-style json deltas (approx.)", qfield_raw)
if cs_raw is not None:
    line("baseline sqlite session changeset", cs_raw)
    line("baseline sqlite session changeset + zlib", cs_z)
else:
    print("  " + cs_note)
print("  wire: %.1f B/row (target <= 12); json+zlib %.1f B/row (ratio %.2f); qfield-style json %.0f B/row (ratio %.3f)%s"
      % (per, naive_z / n, per / (naive_z / n), qfield_raw / n, per / (qfield_raw / n),
         "; changeset %.1f B/row (ratio %.2f), +zlib %.1f B/row (ratio %.2f)"
         % (cs_raw / n, per / (cs_raw / n), cs_z / n, per / (cs_z / n)) if cs_raw is not None else ""))
PYEOF
