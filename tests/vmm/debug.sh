#!/bin/sh
# tests/vmm/debug.sh BUILD_DIR CACHE - host side of the gdb/monitor tests:
# fetch the Python-free gdb (tools/gdb_minimal.sh), then run
# tests/vmm/debug_suite.sh in one nested-KVM L1 boot. Exit 77 (CTest SKIP)
# when no gdb-minimal or socat can be had.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:?usage: debug.sh BUILD_DIR NESTED_CACHE}
cache=${2:?usage: debug.sh BUILD_DIR NESTED_CACHE}
gdb=$("$repo/tools/gdb_minimal.sh" "$cache/tools") || {
	echo "SKIP: no Python-free gdb for L1 (tools/gdb_minimal.sh failed)"
	exit 77
}
socat=$(command -v socat) || {
	echo "SKIP: socat not installed (tools/deps.sh)"
	exit 77
}
exec "$repo/tools/nested/run.sh" --cache "$cache" --timeout 400 \
	--log "$build/tests/logs/vmm-debug.log" \
	--file "$build/bin/vmm" --file "$build/bin/guest.elf" --file "$gdb" --file "$socat" \
	--file "$here/debug_sockets.sh" --file "$here/../../tools/lib.sh" --file "$build/tests/as_uid" \
	-- "$here/debug_suite.sh"
