#!/bin/sh
# tools/lwip_fetch.sh CACHE_DIR - Debian's lwIP 2.1 source package, fetched
# once and unpacked into CACHE_DIR/src (never committed; docs/netstack.md).
#
# The machine's apt sources usually carry no deb-src line, and they stay
# as they are: apt runs with a sources list and list directory of its own
# under CACHE_DIR (Dir::Etc::SourceList, Dir::State::Lists), naming the
# deb-src of the mirror and suite the system's first deb line uses.
# `apt-get source --download-only` fetches the .dsc and tarballs,
# dpkg-source -x unpacks them with Debian's patches applied.
#
# Leaves CACHE_DIR/src (the unpacked tree: src/core, src/include, ...) and
# CACHE_DIR/STAMP ("lwip VERSION"); a re-run with both present is a no-op.
# Exit status 0, or 1 with a message naming the step that failed.
set -eu
die() {
	echo "lwip_fetch.sh: error: $*" >&2
	exit 1
}
[ $# -eq 1 ] || die "usage: $0 CACHE_DIR"
C=$1
if [ -s "$C/STAMP" ] && [ -d "$C/src/src/core" ]; then
	exit 0
fi
for t in apt-get dpkg-source; do
	command -v "$t" >/dev/null 2>&1 || die "'$t' not found (apt, dpkg-dev)"
done
mkdir -p "$C"
exec 9>"$C/.lock"
command -v flock >/dev/null 2>&1 && flock 9
if [ -s "$C/STAMP" ] && [ -d "$C/src/src/core" ]; then
	exit 0 # another build fetched it while we waited
fi

# The mirror and suite of the system's first deb entry (deb822 or one-line)
uri="" suite=""
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	uri=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' "$f" | grep -v security | head -n1)
	suite=$(sed -n 's/^Suites: *\([^ ]*\).*/\1/p' "$f" | head -n1)
	[ -n "$uri" ] && break
done
if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
	set -- $(grep -E '^deb ' /etc/apt/sources.list | grep -v security | head -n1)
	[ $# -ge 3 ] && uri=$2 suite=$3
fi
[ -n "$uri" ] && [ -n "$suite" ] || die "no deb line in /etc/apt/sources.list(.d) to take the mirror from"

A=$C/apt
mkdir -p "$A/lists/partial" "$A/dl"
echo "deb-src $uri $suite main" >"$A/sources.list"
set -- -o Dir::Etc::SourceList="$A/sources.list" -o Dir::Etc::SourceParts=/dev/null \
	-o Dir::State::Lists="$A/lists" -o APT::Sandbox::User=root -q
echo "lwip_fetch.sh: apt-get update for deb-src $uri $suite main (own lists in $A)" >&2
apt-get "$@" update >&2 || die "apt-get update of the deb-src list failed (network?)"
(cd "$A/dl" && apt-get "$@" source --download-only lwip) >&2 ||
	die "apt-get source --download-only lwip failed"
dsc=$(ls "$A/dl"/lwip_*.dsc 2>/dev/null | head -n1)
[ -n "$dsc" ] || die "apt-get source left no lwip_*.dsc"
rm -rf "$C/src.new"
dpkg-source --no-check -x "$dsc" "$C/src.new" >&2 || die "dpkg-source -x $dsc failed"
[ -d "$C/src.new/src/core" ] || die "$dsc has no src/core"
rm -rf "$C/src"
mv "$C/src.new" "$C/src"
ver=$(basename "$dsc" .dsc | sed 's/^lwip_//')
echo "lwip $ver" >"$C/STAMP"
echo "lwip_fetch.sh: lwIP $ver in $C/src" >&2
