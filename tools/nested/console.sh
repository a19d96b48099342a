# shellcheck shell=bash
# What an L1 console says about how L1 ended: sourced by tools/nested/run.sh,
# and by tests/nested/test_console.sh, which feeds it recorded consoles.

# Lockup lines: L1 is hung (or about to be), the test may never finish.
# shellcheck disable=SC2034 # used by run.sh, which sources this
HANG_RE='soft lockup|self-detected stall|detected stalls on CPU|rcu_sched kthread starved|blocked for more than [0-9]+ seconds|workqueue lockup|hung_task'

# Panics that say L1's own kernel memory was overwritten: nothing a user
# process does (the vmm, its guests through KVM) may cause these, while the
# L0's nested-SVM fault (docs/testing.md), which runs a vCPU on the other
# level's state, does. CI lost vmm.programs to "corrupted stack end detected
# inside scheduler" in the vmm's pread of a program, twice in two days.
CORRUPT_RE='corrupted stack end detected|stack-protector: Kernel stack is corrupted|Bad page state in process|list_(add|del) corruption|Bad rss-counter state'

# harness_rc CONSOLE_FILE -> prints n of the "HARNESS rc=<n>" line; fails if
# there is none. Not anchored at the line start: a test whose last output
# lacks a newline, or a kernel message, can end up in front of it.
harness_rc() {
	local line
	line=$(grep -a -o -E -m1 $'HARNESS rc=[0-9]+\r?$' "$1") || return 1
	line=${line%$'\r'}
	echo "${line#HARNESS rc=}"
}

# l1_end CONSOLE_FILE QEMU_STATUS -> prints how an L1 without a HARNESS line
# ended: "reset" (QEMU exited 0 under a running test, no panic: L1 triple-
# faulted), "corrupt LINE" (a panic of the CORRUPT_RE kind under a running
# test), or "died LINE" (anything else: a panic, a failed unpack, QEMU's own
# failure). reset and corrupt are the L0's fault and are retried; a plain
# panic is not (a vmm that makes L1's KVM panic has found a real bug).
l1_end() {
	local raw=$1 qrc=$2 line running=
	grep -a -q 'harness: /dev/kvm ready' "$raw" && running=1
	line=$(grep -a -m1 -E 'Kernel panic|Initramfs unpacking failed' "$raw" | sed 's/\r$//' || true)
	if [ -n "$running" ] && [ -n "$line" ] && grep -a -q -E "$CORRUPT_RE" "$raw"; then
		echo "corrupt $(grep -a -m1 -E "$CORRUPT_RE" "$raw" | sed 's/\r$//')"
	elif [ -n "$running" ] && [ -z "$line" ] && [ "$qrc" = 0 ]; then
		echo reset
	else
		echo "died $line"
	fi
}
