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
. "$here/tools/lib.sh"
vmm=$build/bin/vmm
elf=$build/bin/guest.elf
cmdline=${*:-run=demo}

why="no /dev/kvm on this machine"
if pk_kvm_runs "$vmm" "$elf"; then
	# shellcheck disable=SC2086
	exec "$vmm" ${VMM_ARGS:-} "$elf" -- $cmdline
elif [ -e /dev/kvm ]; then
	why="this machine's /dev/kvm cannot run the kernel (a run=probe boot failed)"
fi
echo "make run: $why; booting the vmm inside the nested-KVM harness (QEMU TCG + Linux KVM)"
script=$(mktemp)
trap 'rm -f "$script"' EXIT
# --net user,hostfwd=tcp:ADDR:HPORT-:GPORT serves on this host's ADDR:HPORT:
# the harness forwards that to L1's HPORT, where the vmm listens on every
# address (L1's NIC, not its loopback, is where QEMU delivers)
vmm_args=${VMM_ARGS:-}
fwds=
for f in $(printf '%s\n' "$vmm_args" | grep -oE 'hostfwd=tcp:[0-9.]*:[0-9]+-' || true); do
	f=${f#hostfwd=tcp:}
	f=${f%-}
	addr=${f%:*}
	fwds="$fwds --fwd tcp:${addr:-0.0.0.0}:${f##*:}"
done
vmm_args=$(printf '%s\n' "$vmm_args" | sed -E 's/hostfwd=tcp:[0-9.]*:/hostfwd=tcp:0.0.0.0:/g')
if [ -n "$fwds" ]; then
	echo "make run: forwarding$(echo "$fwds" | sed 's/ --fwd tcp:/ /g') from this host into L1 (a server: it runs until interrupted, at most an hour)"
	fwds="$fwds --timeout 3600"
fi
echo "./vmm $vmm_args guest.elf -- $cmdline" >"$script"
# --net user dlopens libslirp: it goes next to the vmm in L1
slirp=$(ldconfig -p 2>/dev/null | sed -n 's/.*libslirp\.so\.0 .*=> //p' | head -n 1)
# shellcheck disable=SC2086
"$here/tools/nested/run.sh" --cache "$(pk_nested_cache "$build")" $fwds \
	--file "$vmm" --file "$elf" ${slirp:+--file "$slirp:libslirp.so.0"} -- "$script"
