#!/bin/sh
# tools/deps.sh - install what the build, tests and benchmarks need from
# Debian's apt. Idempotent and quick when everything is present; uses sudo
# only when not root. Set PK_DEPS_SKIP=1 to skip (e.g. offline machines).
set -eu

PKGS="build-essential cmake pkg-config python3 gawk
check libelf-dev libdw-dev libseccomp-dev
qemu-system-x86 qemu-utils ovmf
grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools
busybox-static cpio gdb gnuplot-nox clang-format clang libclang-rt-dev
libboost-context-dev socat inotify-tools libslirp-dev musl-tools
libmimalloc-dev libmimalloc2.0 libjemalloc2 libtcmalloc-minimal4 valgrind
redis-tools redis-server nginx-light wrk"

[ "${PK_DEPS_SKIP:-0}" = 1 ] && exit 0

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps.sh: missing packages:$missing; run as root or install sudo" >&2
	exit 1
fi
echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
