#!/bin/bash
# Imagery under the map (issue 10): the map with 100,000 walk vertices over a 4-level imagery
# pyramid at 1920x1200 on the software renderer, each figure against the same map without
# imagery measured in the same run. Run by bench/run.sh, or alone:
#   bash bench/bench_imagery.sh BUILD_DIR        (starts its own Xvfb when DISPLAY is unset)
# Targets: frame p95 <= 16 ms while panning, no frame over 50 ms while tiles load, peak RSS
# <= 80 MB, idle CPU with imagery shown <= 1 % of a core. Nothing passes or fails on time.
set -u
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/qj-bench-img-XXXXXX)
XV=""
trap '[ -n "$XV" ] && kill -9 $XV 2>/dev/null; rm -rf "$T"' EXIT
for c in Xvfb gdal_translate gdaladdo; do
    command -v $c >/dev/null || { echo "-- imagery: skipped ($c is not installed)"; exit 0; }
done
if [ -z "${DISPLAY:-}" ]; then
    for d in $(seq 90 140); do [ -e /tmp/.X11-unix/X$d ] || [ -e /tmp/.X$d-lock ] || break; done
    Xvfb :$d -screen 0 1920x1200x24 -nolisten tcp >/dev/null 2>&1 &
    XV=$!
    for _ in $(seq 50); do [ -e /tmp/.X11-unix/X$d ] && break; sleep 0.1; done
    export DISPLAY=:$d
fi
export SDL_RENDER_DRIVER=${SDL_RENDER_DRIVER:-software}
U=622901ZR990001 # bench_app_frame's unit

/usr/bin/python3 "$ROOT/bench/make_imagery.py" "$T/dom.tif" &&
    gdal_translate -q -of GPKG -co TILE_FORMAT=JPEG "$T/dom.tif" "$T/dom.gpkg" &&
    gdaladdo -q -r average "$T/dom.gpkg" 2 4 8 || { echo "-- imagery: cannot make the pyramid"; exit 1; }
rm -f "$T/dom.tif"
echo "-- imagery: $(du -k "$T/dom.gpkg" | cut -f1) kB GeoPackage, JPEG tiles, EPSG:4490, levels 2.5/5/10/20 m"
"$B/bench_app_frame" --make-journal "$T/j.db" >/dev/null || exit 1

echo "-- map frame over imagery while panning (target: p95 <= 16 ms; none over 50 ms while tiles load)"
"$B/bench_app_frame" --journal "$T/j.db" --basemap "$T/dom.gpkg" --frames 200 | grep -v "^  set-up"

# the map opened and panned about, tiles loaded at each stop
{
    printf 'wait-for @unit:%s\ntap @unit:%s\nwait-for @map\nwait 1500\n' $U $U
    for k in 1 2 3 4 5 6; do printf 'drag 900 600 %d %d\nwait 700\n' $((900 - 120 * k)) $((600 - 60 * k)); done
    printf 'quit\n'
} >"$T/pan.s"
echo
echo "-- quejie-app peak RSS, the map opened and panned 6 times (target <= 80 MB)"
rm -f "$T/j.db.session"
"$B/bench_rss" "   baseline: without imagery                 " "$B/quejie-app" --journal "$T/j.db" --window 1920x1200 --script "$T/pan.s"
rm -f "$T/j.db.session"
"$B/bench_rss" "   with the imagery (--basemap)              " "$B/quejie-app" --journal "$T/j.db" --window 1920x1200 --script "$T/pan.s" --basemap "$T/dom.gpkg"

HZ=$(getconf CLK_TCK)
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
pct() { awk -v a="$1" -v b="$2" -v ns="$3" -v hz="$HZ" 'BEGIN { printf "%5.2f %%", 100 * (b - a) / hz / (ns / 1e9) }'; }
idle() { # LABEL ARGS...: the map shown with its tiles loaded, then 10 s sampled
    local label=$1
    shift
    rm -f "$T/idle.png" "$T/j.db.session"
    printf 'wait-for @unit:%s\ntap @unit:%s\nwait-for @map\nwait 3000\nscreenshot %s\nwait 11500\nquit\n' \
        $U $U "$T/idle.png" >"$T/idle.s"
    "$B/quejie-app" --journal "$T/j.db" --window 1920x1200 --script "$T/idle.s" "$@" >/dev/null 2>"$T/idle.err" &
    local ap=$!
    for _ in $(seq 300); do [ -s "$T/idle.png" ] && break; sleep 0.1; done
    sleep 0.5
    local a0 t0 a1 t1
    a0=$(ticks $ap) t0=$(date +%s%N)
    sleep 10
    a1=$(ticks $ap) t1=$(date +%s%N)
    wait $ap || echo "   ($label: quejie-app exited non-zero: $(tail -1 "$T/idle.err"))"
    printf '   %-44s %s of a core\n' "$label:" "$(pct "$a0" "$a1" $((t1 - t0)))"
}
echo
echo "-- idle CPU over 10 s, the map shown (target with imagery <= 1 % of a core)"
idle "baseline: without imagery"
idle "with the imagery shown" --basemap "$T/dom.gpkg"
