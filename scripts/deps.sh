#!/bin/sh
# Installs the Debian packages Tribu needs to build, run and test, when any is
# missing. Runs apt-get through sudo when not root. Quiet when all is there.
set -eu

PKGS="build-essential pkg-config git ca-certificates tzdata
libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libcurl4-openssl-dev
libxml2-dev libexttextcat-dev libstemmer-dev libutf8proc-dev libcairo2-dev libpq-dev
python3 python3-icalendar wrk sqlite3 curl"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
