#!/bin/bash
# The Debian packages, as a county would deploy them: scripts/package.sh builds quejie and
# quejie-office with dpkg-buildpackage (the unit tests run inside that build), then: lintian
# finds no error or warning; each package holds what it should; Depends cover every runtime row
# of packaging/deps.txt; no build path is compiled into the binaries; the extracted binaries,
# manual pages, translations, desktop entry and systemd unit work. Not run under the sanitizer
# build (CMakeLists.txt).
source "$(dirname "$0")/lib.sh"
V=$("$QUEJIE" --version | awk '{print $2}')
if bash "$QJ_SOURCE/scripts/package.sh" "$T/dist" >"$T/pkg.out" 2>"$T/pkg.err"; then
    ok "scripts/package.sh builds the packages"
else
    fail "package build: $(tail -5 "$T/pkg.err")"
    finish
    exit 1
fi
for p in quejie quejie-office quejie-dbgsym quejie-office-dbgsym; do
    [ -s "$T/dist/${p}_${V}_$(dpkg --print-architecture).deb" ] && ok "$p $V built" || fail "no $p package"
done
APPDEB=$(ls "$T"/dist/quejie_*.deb) OFFDEB=$(ls "$T"/dist/quejie-office_*.deb)

# lintian: no error, no warning (info-level tags are allowed)
if lintian --fail-on error,warning "$T"/dist/*.changes >"$T/lintian" 2>/dev/null; then
    ok "lintian: no errors or warnings ($(grep -c '^I:' "$T/lintian") info tags)"
else
    fail "lintian: $(grep -E '^(E|W):' "$T/lintian" | head -5 | tr '\n' ' ')"
fi

# contents
dpkg-deb -c "$APPDEB" | awk '{print $6}' >"$T/app.list"
dpkg-deb -c "$OFFDEB" | awk '{print $6}' >"$T/off.list"
for f in usr/bin/quejie usr/bin/quejie-app usr/share/locale/zh_CN/LC_MESSAGES/quejie.mo \
    usr/share/icons/hicolor/128x128/apps/quejie.png usr/share/applications/quejie.desktop \
    usr/share/quejie/demo/demo-unit.geojson usr/share/man/man1/quejie.1.gz \
    usr/share/man/man1/quejie-app.1.gz usr/share/doc/quejie/copyright; do
    grep -qx "\./$f" "$T/app.list" && ok "quejie has /$f" || fail "quejie lacks /$f"
done
for f in usr/bin/quejie-office lib/systemd/system/quejie-office.service etc/default/quejie-office \
    lib/systemd/system/quejie-office-backup.service lib/systemd/system/quejie-office-backup.timer \
    usr/lib/sysusers.d/quejie-office.conf usr/lib/tmpfiles.d/quejie-office.conf \
    usr/share/man/man1/quejie-office.1.gz usr/share/quejie-office/console/console.css; do
    grep -qx "\./$f" "$T/off.list" && ok "quejie-office has /$f" || fail "quejie-office lacks /$f"
done
grep -q "quejie-office" "$T/app.list" && fail "the tablet package carries office files" || ok "the tablet package carries no office files"
dpkg-deb -f "$OFFDEB" Conffiles 2>/dev/null | grep -q /etc/default/quejie-office \
    || dpkg-deb -I "$OFFDEB" conffiles 2>/dev/null | grep -q /etc/default/quejie-office \
    && ok "/etc/default/quejie-office is a conffile (kept across upgrades)" || fail "/etc/default/quejie-office is no conffile"

# Depends: every runtime package of deps.txt, through dpkg-shlibdeps or control
DEPS="$(dpkg-deb -f "$APPDEB" Depends), $(dpkg-deb -f "$OFFDEB" Depends)"
missing=
for p in $(awk '$1 == "runtime" { print $2 }' "$QJ_SOURCE/packaging/deps.txt"); do
    echo "$DEPS" | tr ',|' '\n\n' | awk '{print $1}' | grep -qx "$p" || missing="$missing $p"
done
[ -z "$missing" ] && ok "Depends cover every runtime package of deps.txt" || fail "not in Depends:$missing"
dpkg-deb -f "$APPDEB" Depends | grep -q "fonts-noto-cjk | fonts-wqy-microhei" && ok "a CJK font is a dependency" || fail "no CJK font in Depends"

# the binaries as shipped
X=$T/root
mkdir -p "$X"
dpkg-deb -x "$APPDEB" "$X"
dpkg-deb -x "$OFFDEB" "$X"
leaks=$(grep -lE "$QJ_SOURCE|$QJ_BUILD|qj-package-" "$X"/usr/bin/* 2>/dev/null | tr '\n' ' ')
[ -z "$leaks" ] && ok "no build or source path inside the shipped binaries" || fail "build paths in: $leaks"
for b in quejie quejie-office quejie-app; do
    [ "$("$X/usr/bin/$b" --version 2>&1)" = "$b $V" ] && ok "the shipped $b runs ($b $V)" || fail "$b --version: $("$X/usr/bin/$b" --version 2>&1 | head -1)"
done
msgunfmt "$X/usr/share/locale/zh_CN/LC_MESSAGES/quejie.mo" 2>/dev/null | grep -q '确界无法启动' \
    && ok "the shipped catalogue has the Chinese strings" || fail "the shipped quejie.mo lacks translations"

# manual pages: render without warnings; the synopsis is what each program prints
for b in quejie quejie-app quejie-office; do
    m=$X/usr/share/man/man1/$b.1.gz
    if MANWIDTH=200 man --warnings -l "$m" >"$T/$b.man" 2>"$T/man.err" && [ ! -s "$T/man.err" ]; then
        ok "man $b renders without warnings"
    else
        fail "man $b: $(head -2 "$T/man.err")"
    fi
    first=$("$X/usr/bin/$b" --help | sed -n '/^usage:$/d; s/^usage: //; s/^ *//; p' | head -1)
    grep -qF -- "$first" "$T/$b.man" && ok "man $b's synopsis is the program's usage" || fail "man $b lacks: $first"
done

# the desktop entry; its launch with no journal yet says why in a message box
desktop-file-validate "$X/usr/share/applications/quejie.desktop" >"$T/dfv" 2>&1 && [ ! -s "$T/dfv" ] \
    && ok "the desktop entry validates" || fail "desktop-file-validate: $(head -2 "$T/dfv")"
EXEC=$(sed -n 's/^Exec=//p' "$X/usr/share/applications/quejie.desktop")
start_xvfb 1280x800 || fail "Xvfb did not start"
mkdir -p "$T/home"
( cd "$T" && HOME=$T/home XDG_DATA_HOME= QUEJIE_JOURNAL= DISPLAY=$DISPLAY \
    QUEJIE_LOCALEDIR=$X/usr/share/locale ASAN_OPTIONS=detect_leaks=0 \
    exec $X/usr/bin/$EXEC </dev/null >"$T/launch.out" 2>"$T/launch.err" ) &
LPID=$!
PIDS+=($LPID)
# the error is on stderr at once; the window stays, showing it, until the crew taps or closes
for _ in $(seq 100); do grep -q "no journal" "$T/launch.err" && break; sleep 0.1; done
for _ in $(seq 300); do
    WIN=$(xwininfo -root -tree 2>/dev/null | grep -c '"确界 Quejie"')
    [ "${WIN:-0}" -gt 0 ] && break
    kill -0 "$LPID" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$LPID" 2>/dev/null && [ "${WIN:-0}" -gt 0 ] && ok "a desktop launch with no journal keeps its window up to say why" \
    || fail "the launch window did not stay (stderr: $(head -c 200 "$T/launch.err"))"
grep -q "no journal on this tablet yet" "$T/launch.err" && grep -q "quejie init $T/home/.local/share/quejie/journal.db" "$T/launch.err" \
    && ok "and names the journal and how to create it" || fail "launch message: $(head -c 300 "$T/launch.err")"
kill "$LPID" 2>/dev/null; wait "$LPID" 2>/dev/null

# the systemd unit: systemd's own checker, with the shipped binary; the variables it uses are
# the ones /etc/default/quejie-office sets
U=$X/lib/systemd/system/quejie-office.service
sed "s|/usr/bin/quejie-office|$X/usr/bin/quejie-office|" "$U" >"$T/quejie-office.service"
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify "$T/quejie-office.service" >"$T/sa" 2>&1 && ok "systemd-analyze verify accepts the unit" || fail "systemd-analyze: $(head -3 "$T/sa")"
    printf '[Service]\nExecStart=relative/path\nBogusKey=1\n' >"$T/bad.service"
    systemd-analyze verify "$T/bad.service" >/dev/null 2>&1 && fail "systemd-analyze accepted a broken unit" || ok "systemd-analyze refuses a broken unit"
    # the nightly backup: its service and the timer that starts it, checked together
    for u in quejie-office-backup.service quejie-office-backup.timer; do
        sed "s|/usr/bin/quejie-office|$X/usr/bin/quejie-office|" "$X/lib/systemd/system/$u" >"$T/$u"
    done
    systemd-analyze verify "$T/quejie-office-backup.timer" "$T/quejie-office-backup.service" >"$T/sa" 2>&1 \
        && ok "systemd-analyze verify accepts the nightly backup's timer and service" || fail "systemd-analyze (backup): $(head -3 "$T/sa")"
else
    fail "systemd-analyze is not installed"
fi
B=$X/lib/systemd/system/quejie-office-backup.service
for v in BACKUP_DIR BACKUP_KEEP; do
    grep -q "^$v=" "$X/etc/default/quejie-office" && grep -q "\${$v}" "$B" && ok "$v: set in /etc/default, used by the backup's unit" || fail "$v does not link the defaults and the backup's unit"
done
grep -q '^OnCalendar=' "$X/lib/systemd/system/quejie-office-backup.timer" && grep -q '^WantedBy=timers.target' "$X/lib/systemd/system/quejie-office-backup.timer" \
    && grep -q '^User=quejie-office' "$B" && grep -q '^ConditionPathExists=/var/lib/quejie-office/office.db' "$B" \
    && grep -q '^d /var/backups/quejie-office 0700 quejie-office quejie-office' "$X/usr/lib/tmpfiles.d/quejie-office.conf" \
    && ok "the backup runs nightly as the service user, once the office exists, into a directory of its own" || fail "backup unit, timer or directory"
for v in OFFICE_DB LISTEN TLS; do
    grep -q "^$v=" "$X/etc/default/quejie-office" && grep -q "\${$v}\|\$$v" "$U" && ok "$v: set in /etc/default, used by the unit" || fail "$v does not link the defaults and the unit"
done
( set -a; . "$X/etc/default/quejie-office"; set +a
  [ "$OFFICE_DB" = /var/lib/quejie-office/office.db ] && [ -n "$LISTEN" ] && [ "$(echo $TLS | wc -w)" -eq 4 ] ) \
    && ok "the defaults file reads as the unit takes it (TLS splits into 4 arguments)" || fail "the defaults file does not parse as expected"
grep -q '^ConditionPathExists=/var/lib/quejie-office/office.db' "$U" && grep -q '^User=quejie-office' "$U" \
    && grep -q '^u quejie-office ' "$X/usr/lib/sysusers.d/quejie-office.conf" \
    && ok "the service runs as the sysusers-created quejie-office user, once the office exists" || fail "service user or condition"
finish
