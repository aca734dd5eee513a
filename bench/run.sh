#!/bin/bash
# make bench: every benchmark prints its figures and its ratio against a baseline measured in
# the same run. Nothing here passes or fails on time: machines are noisy; read the figures.
set -u
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIX=${QJ_FIXTURES:-$ROOT/tests/fixtures}
export BENCH_DIR=${BENCH_DIR:-$ROOT/$B}   # the project's own disk, like the journal's
T=$(mktemp -d /tmp/qj-bench-XXXXXX)
trap '[ "$GP" != 0 ] && kill -9 -- -$GP 2>/dev/null; for p in $XPIDS; do kill -9 $p 2>/dev/null; done; rm -rf "$T"' EXIT
GP=0 XPIDS=""
echo "== durable append (target: p99 <= 1.3x bare insert)"
"$B/bench_append" 10 100
echo
if [ -x "$B/bench_import" ]; then echo "== task import (target: >= 500,000 vertices/s on 1,000,000 vertices)"; "$B/bench_import"; echo; fi
if [ -x "$B/bench_export" ]; then echo "== GeoPackage export (target: 100,000 points <= 1 s)"; "$B/bench_export"; echo; fi

echo "== quejie record peak RSS (target <= 16 MB)"
"$B/quejie" init "$T/j.db" >/dev/null && "$B/quejie" tasks import "$T/j.db" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null
# A fresh replay of the receiver log for each measurement, looping until it is stopped, so a
# client that connects late on a loaded machine still reads it; gpsd is asked for its device
# (gpsfake can lose the race with gpsd's control socket and leave none: docs/architecture.md,
# "Tests read receivers through a real gpsd") and gpsfake started again when it has none.
# Each measurement is bounded too.
feed() {
    local try
    for try in 1 2 3; do
        [ "$GP" != 0 ] && kill -9 -- -"$GP" 2>/dev/null
        port=$(/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
        setsid gpsfake -q -n -P "$port" -c 0.01 "$FIX/gnss/nmea-rtk.log" >/dev/null 2>&1 &
        GP=$!
        /usr/bin/python3 "$ROOT/tests/tools/gpsd_ready.py" "$port" 10 && return 0
    done
    echo "   (gpsd on port $port got no receiver from gpsfake after 3 tries)"
}
feed
"$B/bench_rss" "baseline: gpspipe -w -n 40 (a bare libgps client)" timeout 60 gpspipe -w -n 40 "127.0.0.1:$port" >/dev/null
feed
"$B/bench_rss" "quejie record --count 3 --average 5" "$B/quejie" record "$T/j.db" --unit 622901ZR000002 \
    --gnss "127.0.0.1:$port" --count 3 --average 5 --min-seconds 0 --accept dgps --timeout 30 >/dev/null
# the replay loops until stopped: stop it now (the exit trap knows only the last GP, and the
# app's section below starts its own)
kill -9 -- -"$GP" 2>/dev/null
wait "$GP" 2>/dev/null
GP=0

echo
echo "== sync"
if [ -x "$B/bench_ingest" ]; then
    echo "-- office ingest (target: >= 0.5x bare batched SQLite inserts of the same rows)"
    "$B/bench_ingest"
else
    echo "-- office ingest: skipped ($B/bench_ingest is not built; it links qjoffice)"
fi
echo
if [ -x "$B/quejie" ] && [ -x "$B/quejie-office" ] && [ -x "$B/qj_fill" ]; then
    echo "-- bytes on the wire per row, standard day (target: <= 12 B/row)"
    QJ_FIXTURES=$FIX bash "$ROOT/bench/bench_wire.sh" "$B"
else
    echo "-- bytes on the wire: skipped (needs $B/quejie, $B/quejie-office and $B/qj_fill)"
fi

echo
echo "== county office console"
if [ -x "$B/quejie" ] && [ -x "$B/quejie-office" ] && [ -x "$B/qj_fill" ] && [ -x "$B/bench_console_setup" ]; then
    bash "$ROOT/bench/bench_console.sh" "$B"
else
    echo "-- skipped (needs $B/quejie, $B/quejie-office, $B/qj_fill and $B/bench_console_setup)"
fi

echo
echo "== touch app (software renderer, SDL_RENDER_DRIVER=software: a tablet without a GPU; Xvfb 1920x1200)"
if ! command -v Xvfb >/dev/null; then
    echo "-- skipped: Xvfb is not installed"
elif [ ! -x "$B/quejie-app" ] || [ ! -x "$B/bench_app_frame" ] || [ ! -x "$B/bench_app_start" ]; then
    echo "-- skipped: needs $B/quejie-app, $B/bench_app_frame and $B/bench_app_start"
else
    for d in $(seq 90 140); do [ -e /tmp/.X11-unix/X$d ] || [ -e /tmp/.X$d-lock ] || break; done
    Xvfb :$d -screen 0 1920x1200x24 -nolisten tcp >/dev/null 2>&1 &
    XVFB=$!
    XPIDS="$XPIDS $XVFB"
    for _ in $(seq 50); do [ -e /tmp/.X11-unix/X$d ] && break; sleep 0.1; done
    export DISPLAY=:$d SDL_RENDER_DRIVER=software
    U=622901ZR990001 # the unit bench_app_frame writes

    echo "-- map frame, 100,000 walk vertices (target: p95 <= 16 ms; baseline: the same screen points"
    echo "   drawn by SDL_RenderDrawLines on the same renderer, interleaved frame by frame)"
    "$B/bench_app_frame"
    echo "-- the same 100,000 vertices recorded as 10 walks (one a day)"
    "$B/bench_app_frame" --walks 10 --frames 50 | grep -v "^  set-up"

    "$B/bench_app_frame" --make-journal "$T/j100k.db" >/dev/null
    "$B/quejie" init "$T/empty.db" >/dev/null
    printf 'quit\n' >"$T/quit.s"
    printf 'wait-for @unit:%s\ntap @unit:%s\nwait-for @map\nquit\n' $U $U >"$T/map.s"
    echo
    echo "-- cold start to the first frame with a journal of 100,000 entries (target <= 300 ms; peak"
    echo "   RSS <= 80 MB); 5 runs each, taking turns; the page cache is warm"
    "$B/bench_app_start" 5 --fresh "$T/j100k.db.session" --fresh "$T/empty.db.session" \
        -- "SDL layer only: window, font, 1 frame" "$B/bench_app_frame" --first-frame \
        -- "quejie-app, empty journal" "$B/quejie-app" --journal "$T/empty.db" --window 1920x1200 --stats --script "$T/quit.s" \
        -- "quejie-app, 100k-entry journal" "$B/quejie-app" --journal "$T/j100k.db" --window 1920x1200 --stats --script "$T/quit.s" \
        -- "  the same, then its map opened" "$B/quejie-app" --journal "$T/j100k.db" --window 1920x1200 --stats --script "$T/map.s"

    # CPU of a process over a window, from /proc/PID/stat (utime + stime, clock ticks)
    HZ=$(getconf CLK_TCK)
    ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
    pct() { awk -v a="$1" -v b="$2" -v ns="$3" -v hz="$HZ" 'BEGIN { printf "%5.2f %%", 100 * (b - a) / hz / (ns / 1e9) }'; }
    echo
    echo "-- idle CPU over 10 s with the map of the 100,000-vertex unit shown (target <= 1 % of a core)"
    sleep 11 &
    SP=$!
    s0=$(ticks $SP) x0=$(ticks $XVFB) t0=$(date +%s%N)
    sleep 10
    s1=$(ticks $SP) x1=$(ticks $XVFB) t1=$(date +%s%N)
    wait $SP
    echo "   baseline, sleep 10:                                  $(pct "$s0" "$s1" $((t1 - t0))) of a core (Xvfb, no client: $(pct "$x0" "$x1" $((t1 - t0))))"
    # idle LABEL SETTLE_MS GNSS-ARGS...: the map shown, then 10 s sampled after SETTLE_MS
    idle() {
        local label=$1 settle=$2
        shift 2
        rm -f "$T/idle.png" "$T/j100k.db.session" # no unit to reopen: start on Today
        printf 'wait-for @unit:%s\ntap @unit:%s\nwait-for @map\nwait %s\nscreenshot %s\nwait 11500\nquit\n' \
            $U $U "$settle" "$T/idle.png" >"$T/idle.s"
        "$B/quejie-app" --journal "$T/j100k.db" --window 1920x1200 --script "$T/idle.s" "$@" >/dev/null 2>"$T/idle.err" &
        local ap=$!
        XPIDS="$XPIDS $ap"
        for _ in $(seq 300); do [ -s "$T/idle.png" ] && break; sleep 0.1; done
        if [ ! -s "$T/idle.png" ]; then
            echo "   $label: the map was not shown ($(tail -1 "$T/idle.err"))"
            kill -9 $ap 2>/dev/null
            return
        fi
        sleep 0.5 # the screenshot's PNG is written
        local a0 x0 t0 a1 x1 t1
        a0=$(ticks $ap) x0=$(ticks $XVFB) t0=$(date +%s%N)
        sleep 10
        a1=$(ticks $ap) x1=$(ticks $XVFB) t1=$(date +%s%N)
        wait $ap || echo "   ($label: quejie-app exited non-zero: $(tail -1 "$T/idle.err"))"
        printf '   %-52s %s of a core (Xvfb meanwhile: %s)\n' "$label:" "$(pct "$a0" "$a1" $((t1 - t0)))" "$(pct "$x0" "$x1" $((t1 - t0)))"
    }
    port=$(/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
    setsid gpsfake -1 -q -n -W 60 -P "$port" -c 0.01 "$FIX/gnss/nmea-rtk.log" >/dev/null 2>&1 &
    GP=$!
    for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
    # the log (253 sentences at 10 ms) is over before the window: gpsd stays up, quiet
    idle "quejie-app, gpsd quiet (its log ended after fixes)" 4000 --gnss "127.0.0.1:$port"
    kill -9 -- -$GP 2>/dev/null
    wait $GP 2>/dev/null
    idle "quejie-app, gpsd away (nothing listening)" 500 --gnss "127.0.0.1:$port"
    idle "quejie-app, no --gnss" 500
    echo
    echo "== imagery under the map (bench/bench_imagery.sh; baseline: the same map without imagery)"
    bash "$ROOT/bench/bench_imagery.sh" "$B"
    kill $XVFB 2>/dev/null
    wait $XVFB 2>/dev/null
fi
