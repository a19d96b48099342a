#!/bin/sh
# tools/run.sh BUILD_DIR [guest command line...] - what `make run` does:
# boot build/bin/guest.elf in the vmm on this host's KVM when that KVM can
# run the kernel (a quick run=probe boot decides), else boot the very same
# vmm and guest inside the nested-KVM harness, saying so in one line.
# VMM_ARGS adds vmm options (e.g. VMM_ARGS="-c 4 --stats").
set -eu
build=${1:?usage: tools/run.sh BUILD_DIR [guest cmdline]}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
vmm=$build/bin/vmm
elf=$build/bin/guest.elf
cmdline=${*:-run=demo}

why="no /dev/kvm on this machine"
if [ -e /dev/kvm ]; then
	rc=0
	"$vmm" -c 1 -m 64M --timeout 20 "$elf" -- run=probe >/dev/null 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		# shellcheck disable=SC2086
		exec "$vmm" ${VMM_ARGS:-} "$elf" -- $cmdline
	fi
	why="this machine's /dev/kvm cannot run the kernel (vmm probe exit $rc)"
fi
echo "make run: $why; booting the vmm inside the nested-KVM harness (QEMU TCG + Linux KVM)"
script=$(mktemp)
trap 'rm -f "$script"' EXIT
echo "./vmm ${VMM_ARGS:-} guest.elf -- $cmdline" >"$script"
cache=${PK_NESTED_CACHE:-${HOME:-$build}/.cache/perfkern/nested}
"$here/tools/nested/run.sh" --cache "$cache" --file "$vmm" --file "$elf" -- "$script"
