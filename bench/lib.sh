# bench/lib.sh - sourced by the suites' run scripts (they set $repo and
# $build): how every suite boots the guest, so timeouts, the kernel cache
# and the files copied into L1 are the same everywhere.
. "$repo/tools/lib.sh"

# bench_qemu LOG QEMU_RUN_ARGS...: the guest under QEMU TCG, console in LOG.
bench_qemu() {
	local log=$1
	shift
	python3 "$repo/tools/qemu_run.py" --image "$build/bin/guest.elf" \
		--timeout "${PK_BENCH_TIMEOUT:-600}" --expect none --log "$log" "$@" >/dev/null
}

# bench_nested LOG SCRIPT [--file X]...: SCRIPT in one nested-KVM L1 boot
# next to the vmm and guest.elf (and any further --file), console in LOG.
bench_nested() {
	local log=$1 script=$2
	shift 2
	"$repo/tools/nested/run.sh" --cache "$(pk_nested_cache "$build")" \
		--timeout "${PK_BENCH_TIMEOUT:-900}" --log "$log" \
		--file "$build/bin/vmm" --file "$build/bin/guest.elf" "$@" -- "$script" >/dev/null
}
