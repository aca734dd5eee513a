# Shared helpers for the integration tests (sourced). ctest sets QUEJIE, QJ_SOURCE, QJ_BUILD and
# QJ_FIXTURES; run by hand with those set. Every test prints ok/FAIL lines and closes with
# "N passed, N failed"; the exit status is non-zero when anything failed.
set -u
: "${QJ_SOURCE:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${QJ_BUILD:=$QJ_SOURCE/build}"
: "${QUEJIE:=$QJ_BUILD/quejie}"
PY=/usr/bin/python3          # Debian's python: it has GDAL's bindings (osgeo)
FIX=${QJ_FIXTURES:-$QJ_SOURCE/tests/fixtures}
T=$(mktemp -d /tmp/qj-it-XXXXXX)
PIDS=()
PASSES=0
FAILS=0
XVFB_PIDS=()
cleanup() {
    # X servers first and gently: Xvfb removes its lock and socket on SIGTERM
    for p in "${XVFB_PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 -- "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
ok()   { PASSES=$((PASSES + 1)); echo "ok    $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL  $*"; }
# expect "what" cmd...: the command must succeed.
expect() { local what=$1; shift; if "$@" >"$T/out" 2>"$T/err"; then ok "$what"; else fail "$what: $(tail -1 "$T/err")"; fi; }
# refuse "what" cmd...: the command must fail with a message on stderr.
refuse() {
    local what=$1; shift
    if "$@" >"$T/out" 2>"$T/err"; then fail "$what: was accepted"
    elif [ ! -s "$T/err" ]; then fail "$what: refused without a message"
    else ok "$what ($(head -c 160 "$T/err" | head -1))"; fi
}
# pyexpr FILE EXPR: load JSON FILE as d, evaluate EXPR.
pyexpr() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)" "$@"; }
free_port() { "$PY" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
# replay LOG [linger-seconds] [delay-per-sentence] [port]: a real gpsd fed by gpsfake, the log
# once, then lingering; sets GPSPORT. gpsfake -n feeds as soon as gpsd has the device, client or
# not: on a loaded machine a client that connects late finds the log over. A test that only
# needs a stream while it waits uses replay_loop.
replay() {
    GPSPORT=${4:-$(free_port)}
    GPSPORT_FIXED=${4:+1}
    start_gpsfake -1 -W "${2:-4}" -c "${3:-0.02}" "$1"
}
# replay_loop LOG [delay-per-sentence] [port]: gpsfake feeding LOG over and over until
# stop_replay, so a client gets epochs however late it connects; sets GPSPORT.
replay_loop() {
    GPSPORT=${3:-$(free_port)}
    GPSPORT_FIXED=${3:+1}
    start_gpsfake -c "${2:-0.02}" "$1"
}
# start_gpsfake ARGS...: gpsfake -q -n on $GPSPORT in its own session, returning once gpsd lists
# its device. gpsfake can lose the race with gpsd's control socket on a loaded machine and leave
# gpsd with no device (tests/tools/gpsd_ready.py); it is then started again, five times at most,
# each on a port of its own unless the caller chose one (a killed gpsd's port is not reused at
# once), with longer for the device to come each time (an ASan run with two tests at once).
start_gpsfake() {
    local try
    for try in 1 2 3 4 5; do
        setsid gpsfake -q -n -P "$GPSPORT" "$@" >"$T/gpsfake.log" 2>&1 &
        GPSFAKE_PID=$!
        PIDS+=(-$GPSFAKE_PID)
        "$PY" "$QJ_SOURCE/tests/tools/gpsd_ready.py" "$GPSPORT" $((10 + 5 * try)) && return 0
        echo "gpsfake on port $GPSPORT: gpsd got no device (try $try), starting it again" >&2
        stop_replay
        [ -n "$GPSPORT_FIXED" ] || GPSPORT=$(free_port)
    done
    return 1
}
stop_replay() { kill -9 -- -"$GPSFAKE_PID" 2>/dev/null; wait "$GPSFAKE_PID" 2>/dev/null; return 0; }
# start_xvfb WxH: a private X server on a display Xvfb picks itself (-displayfd: the first one
# with no live server, stale locks of killed servers taken over), never one another test holds;
# exports DISPLAY. Returns non-zero when none started within 10 s.
start_xvfb() {
    local fd=$T/xvfb.$RANDOM d=
    Xvfb -displayfd 3 -screen 0 "${1}x24" -nolisten tcp 3>"$fd" >/dev/null 2>&1 &
    XVFB_PIDS+=($!)
    for _ in $(seq 100); do d=$(head -1 "$fd" 2>/dev/null); [ -n "$d" ] && break; sleep 0.1; done
    [ -n "$d" ] || return 1
    export DISPLAY=:$d
}
# serve_console OFFICE_BINARY DB: a self-signed certificate for 127.0.0.1 in $T/cert.pem and
# $T/key.pem, and the office serving DB with the repository's console assets on a free port
# (P, URL set; the server in PIDS, its log in $T/office.log); returns once it accepts connections.
serve_console() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/key.pem" \
        -out "$T/cert.pem" -days 30 -subj "/CN=localhost" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
    P=$(free_port)
    URL=https://127.0.0.1:$P
    "$1" serve "$2" --listen 127.0.0.1:$P --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
        --assets "$QJ_SOURCE/assets/office" >"$T/office.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$P) 2>/dev/null && break; sleep 0.1; done
}
finish() { echo "$PASSES passed, $FAILS failed"; [ "$FAILS" -eq 0 ]; }
