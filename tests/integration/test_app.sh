#!/bin/bash
# The touch app end to end: the real quejie-app under Xvfb with a real gpsd fed by gpsfake,
# driven by scripts (taps delivered as touch events through the app's input path). Screenshots
# are kept in $QJ_BUILD/test-artifacts/app/. Also: every zh_CN string renders with real glyphs.
source "$(dirname "$0")/lib.sh"
APP=${QUEJIE_APP:-$QJ_BUILD/quejie-app}
# Under the sanitizer build, leaks are not checked in the windowed app: SDL dlopens libdbus and
# X11 libraries whose allocations at exit cannot be attributed once SDL_Quit unloads them. The
# app's own code (screens, widgets, gestures, scripts) is leak-checked by unit/test_app.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
ART=$QJ_BUILD/test-artifacts/app
mkdir -p "$ART"
command -v Xvfb >/dev/null || { fail "Xvfb is not installed"; finish; exit 1; }
for d in $(seq 90 140); do [ -e /tmp/.X11-unix/X$d ] || [ -e /tmp/.X$d-lock ] || break; done
Xvfb :$d -screen 0 1920x1200x24 -nolisten tcp >/dev/null 2>&1 &
PIDS+=($!)
export DISPLAY=:$d
for _ in $(seq 50); do [ -e /tmp/.X11-unix/X$d ] && break; sleep 0.1; done

J=$T/j.db U=622901ZR000002
"$QUEJIE" init "$J" --device-name app-test >/dev/null
"$QUEJIE" tasks import "$J" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null
"$QUEJIE" point add "$J" --unit $U --lon 103.2300 --lat 35.5500 >/dev/null
replay "$FIX/gnss/nmea-rtk.log" 60 0.05 || fail "gpsfake did not start"

cat >"$T/day.s" <<S
# Today -> unit map -> GNSS -> back, pan and zoom on the map
wait-for @unit:$U
screenshot $ART/today.png
tap @unit:$U
wait-for @map
wait-for @follow
screenshot $ART/map.png
tap @gnss
wait 500
screenshot $ART/gnss.png
tap @back
wait-for @map
pinch 900 600 2
drag 900 600 700 500
tap @zoom-unit
screenshot $ART/map-zoomed.png
tap @back
wait-for @unit:$U
quit
S
if timeout 90 "$APP" --journal "$J" --gnss 127.0.0.1:$GPSPORT --window 1920x1200 --script "$T/day.s" >"$T/out" 2>"$T/err"; then
    ok "scripted day runs and quits with 0"
else
    fail "scripted day: $(tail -3 "$T/err")"
fi
for s in today map gnss map-zoomed; do
    "$PY" - "$ART/$s.png" <<'PY' && ok "$s.png is a 1920x1200 PNG with content" || fail "$s.png"
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n"
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (1920, 1200), (w, h)
assert len(b) > 5000, len(b)
PY
done
cmp -s "$ART/map.png" "$ART/map-zoomed.png" && fail "pinch/drag/zoom changed nothing" || ok "the map moves with pinch and drag"

# Failures end the run non-zero with a message naming the line.
printf 'wait-for @unit:%s\ntap @no-such-widget\nquit\n' $U >"$T/bad.s"
refuse "an unknown widget ID fails the script" timeout 60 "$APP" --journal "$J" --window 800x600 --script "$T/bad.s"
grep -q "line 2" "$T/err" && grep -q "no-such-widget" "$T/err" && ok "the message names the line and the ID" || fail "message: $(cat "$T/err")"
printf 'tap @\n' >"$T/syntax.s"
refuse "a malformed script is refused before the window opens" "$APP" --journal "$J" --script "$T/syntax.s"
refuse "a missing journal is refused" "$APP" --journal "$T/none.db" --window 800x600
refuse "an unknown --lang is refused" "$APP" --journal "$J" --lang fr
refuse "a bad --window is refused" "$APP" --journal "$J" --window 12x

# English on request: the Today title is "Today" (checked through the glyph path's font: both run).
printf 'wait-for @unit:%s\nscreenshot %s\nquit\n' $U "$ART/today-en.png" >"$T/en.s"
expect "--lang en runs" timeout 60 "$APP" --journal "$J" --lang en --window 1280x800 --script "$T/en.s"
cmp -s "$ART/today-en.png" "$ART/today.png" && fail "English and Chinese screens are identical" || ok "English differs from Chinese"

# Every translated string of the zh_CN interface has real glyphs in the font found.
msgcat --no-wrap "$QJ_SOURCE/assets/locale/zh_CN.po" 2>/dev/null | "$PY" -c '
import sys, re
for m in re.finditer(r"^msgstr \"(.*)\"$", sys.stdin.read(), re.M):
    s = m.group(1).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
    if s and not s.startswith("Project-Id"):
        print(s.replace("\n", " "))' >"$T/strings"
[ "$(wc -l <"$T/strings")" -ge 20 ] && ok "$(wc -l <"$T/strings") zh_CN strings to check" || fail "too few strings: $(wc -l <"$T/strings")"
expect "every zh_CN string renders with real glyphs" "$APP" --check-glyphs "$T/strings"
printf 'plain\n\xf0\x9f\x9b\xb8 \xea\xaf\x80\n' >"$T/odd"
refuse "the glyph check can fail (unassigned and rare code points)" "$APP" --check-glyphs "$T/odd"
finish
