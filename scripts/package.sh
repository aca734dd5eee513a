#!/bin/bash
# make package: the Debian packages, built by dpkg-buildpackage (debhelper, CMake) from a copy of
# the source tree with packaging/debian as its debian/:
#   quejie          the tablet: quejie-app, quejie, translations, icon, desktop entry, demo data
#   quejie-office   the county office: quejie-office and its systemd service
# (and their -dbgsym packages). Build-Depends come from packaging/deps.txt's build rows; the
# libraries in Depends from dpkg-shlibdeps. The unit tests run during the build.
#   scripts/package.sh [OUTDIR]      (default: dist/)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mkdir -p "${1:-$ROOT/dist}" && cd "${1:-$ROOT/dist}" && pwd)
cd "$ROOT"
VERSION=$(sed -n 's/^project(quejie VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$VERSION" ] || { echo "package: no version in CMakeLists.txt's project()" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/qj-package-XXXXXX")
trap 'rm -rf "$W"' EXIT
SRC=$W/quejie-$VERSION
mkdir -p "$SRC"
# The source: what git tracks plus new files not ignored (so uncommitted work is what is built);
# without git, the tree less build outputs.
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    # (a tracked file deleted in the work tree is left out; any other copy error, a full disk
    # say, stops the build with cp's message)
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
        xargs -0 -r cp --parents -t "$SRC")
    DESC=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
    WHEN=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)
else
    tar -C "$ROOT" --exclude='./build*' --exclude=./demo-out --exclude=./dist -cf - . | tar -C "$SRC" -xf -
    DESC=unknown
    WHEN=$(date +%s)
fi
[ -f "$SRC/CMakeLists.txt" ] || { echo "package: copying the source tree failed" >&2; exit 1; }

cp -r packaging/debian "$SRC/debian"
cp packaging/systemd/quejie-office.service "$SRC/debian/quejie-office.service"
cp packaging/systemd/quejie-office-backup.service "$SRC/debian/quejie-office.quejie-office-backup.service"
cp packaging/systemd/quejie-office-backup.timer "$SRC/debian/quejie-office.quejie-office-backup.timer"
cp packaging/quejie-office.default "$SRC/debian/quejie-office.default"
BD=$(awk '$1 == "build" && $2 != "make" && $2 != "gcc" { printf "%s%s", s, $2; s = ", " }' packaging/deps.txt)
sed -i "s/@BUILD_DEPENDS@/$BD/" "$SRC/debian/control"
export SOURCE_DATE_EPOCH=$WHEN
cat >"$SRC/debian/changelog" <<CL
quejie ($VERSION) unstable; urgency=medium

  * Built from $DESC.

 -- Quejie developers <dev@quejie.invalid>  $(date -R -u -d "@$WHEN")
CL

echo "package: building quejie $VERSION ($DESC) in $W" >&2
(cd "$SRC" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-} parallel=$(nproc)" \
    dpkg-buildpackage -b -us -uc >"$W/build.log" 2>&1) || {
    tail -40 "$W/build.log" >&2
    echo "package: dpkg-buildpackage failed (log above)" >&2
    exit 1
}
cp "$W"/*.deb "$OUT"/
cp "$W"/*.ddeb "$OUT"/ 2>/dev/null || true
cp "$W"/*.buildinfo "$W"/*.changes "$OUT"/
ls "$OUT"/*"_${VERSION}_"*.deb
