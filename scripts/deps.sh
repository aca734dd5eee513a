#!/bin/sh
# Install the Debian packages listed in packaging/deps.txt for the given roles (build, runtime,
# test). As root, missing packages are installed with apt-get; otherwise the apt-get line to
# run is printed and the script fails. Already-installed packages cost one dpkg-query.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
roles=${*:-build runtime test}
want=""
for role in $roles; do
    want="$want $(awk -v r="$role" '$1 == r { print $2 }' "$here/packaging/deps.txt")"
done
missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "quejie: missing Debian packages; as root run:" >&2
    echo "  apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
echo "quejie: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends $missing >/dev/null
