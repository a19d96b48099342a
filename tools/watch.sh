#!/bin/sh
# tools/watch.sh BUILD CMDLINE - the edit loop behind `make watch`: build,
# boot the kernel, and on every source change (inotify-tools) stop the
# boot, rebuild and boot again. The boot is the vmm when this host's
# /dev/kvm runs a probe boot, else QEMU TCG (tools/qemu_run.py): both take seconds, the
# nested-KVM harness would take a minute. Ctrl-C ends the loop.
set -u
build=${1:-build}
cmdline=${2:-run=demo}
command -v inotifywait >/dev/null 2>&1 ||
	{ echo "watch.sh: inotifywait not found; install the Debian package inotify-tools" >&2; exit 1; }
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" || exit 1
. tools/lib.sh
pid=
stop_boot() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	pid=
}
trap 'stop_boot; exit 130' INT TERM
while :; do
	echo "watch: building ($(date +%T))"
	if cmake --build "$build" -j"$(nproc)" >"$build/watch-build.log" 2>&1; then
		# /dev/kvm counts only if a probe boot works (tools/lib.sh)
		if [ -z "${use_vmm:-}" ]; then
			use_vmm=no
			if pk_kvm_runs "$build/bin/vmm" "$build/bin/guest.elf"; then
				use_vmm=yes
			fi
			echo "watch: booting in $([ $use_vmm = yes ] && echo 'the vmm' || echo 'QEMU TCG')"
		fi
		if [ "$use_vmm" = yes ]; then
			"$build/bin/vmm" -c 2 "$build/bin/guest.elf" -- $cmdline &
		else
			python3 tools/qemu_run.py --image "$build/bin/guest.elf" --smp 2 \
				--cmdline "$cmdline" --expect none --expect-exit any --timeout 0 &
		fi
		pid=$!
	else
		grep -E 'error|Error' "$build/watch-build.log" | head -20
		echo "watch: build failed (full log $build/watch-build.log); waiting for a change"
	fi
	# one event is enough: editors write several, the rebuild absorbs them
	inotifywait -q -r -e close_write,create,delete,move \
		--exclude '(/\.git/|~$|\.swp$|/build)' guest lib vmm proto CMakeLists.txt >/dev/null
	echo "watch: change seen; rebooting"
	stop_boot
done
