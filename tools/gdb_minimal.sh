#!/bin/sh
# tools/gdb_minimal.sh CACHE_DIR - print the path of a Python-free gdb for
# the nested-KVM L1 (tests/vmm/debug.sh), fetching it once into CACHE_DIR.
#
# Why: the vmm's gdb stub is tested inside L1, next to the vmm, and gdb has
# to run there. Debian's `gdb` links libpython and exits at start when the
# Python standard library is missing ("Python not initialized"), which the
# initramfs would otherwise need (~40 MB). Debian's `gdb-minimal` is the
# same gdb without Python; it conflicts with `gdb` as a package, so it is
# unpacked here (apt-get download + dpkg-deb -x) instead of installed.
# Its shared libraries are gdb's own, which tools/deps.sh installs.
set -eu
cache=${1:?usage: gdb_minimal.sh CACHE_DIR}
bin=$cache/gdb-minimal/usr/bin/gdb
if [ ! -x "$bin" ]; then
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/dl.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# a machine whose apt lists were never fetched knows no gdb-minimal:
	# refresh them once (as root) and try again
	(cd "$tmp" && apt-get download gdb-minimal >/dev/null 2>&1) ||
		{ [ "$(id -u)" -eq 0 ] && apt-get update -qq >/dev/null 2>&1 &&
			(cd "$tmp" && apt-get download gdb-minimal >/dev/null 2>&1); } ||
		{ echo "gdb_minimal.sh: apt-get download gdb-minimal failed" >&2; exit 1; }
	rm -rf "$cache/gdb-minimal"
	dpkg-deb -x "$tmp"/gdb-minimal_*.deb "$cache/gdb-minimal"
fi
"$bin" -nx -batch -ex 'print 6*7' 2>/dev/null | grep -q '= 42' ||
	{ echo "gdb_minimal.sh: $bin does not run" >&2; exit 1; }
echo "$bin"
