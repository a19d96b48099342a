#!/usr/bin/env bash
# How the nested harness reads an L1 console that has no HARNESS line
# (tools/nested/console.sh's l1_end), on consoles as L1 printed them: which
# endings are the L0's fault and retried, which are failures. Host only.
set -u
# shellcheck source=tools/nested/console.sh
. "$(dirname "$0")/../../tools/nested/console.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0 n=0
# case NAME QEMU_STATUS EXPECTED_KIND < console
case_() {
	local got
	cat >"$T/c"
	got=$(l1_end "$T/c" "$2")
	n=$((n + 1))
	if [ "${got%% *}" = "$3" ]; then
		echo "PASS $1 ($got)"
	else
		echo "FAIL $1: expected $3, got '$got'"
		fails=$((fails + 1))
	fi
}
ready=$'harness: /dev/kvm ready at L1 uptime 3.38s; running test\r\nharness: alive\r\nPASS hello-musl\r'

# CI, 2026-12-01: vmm.programs after psum-musl-3 (CRLF as on the serial line)
case_ "stack end overwritten under the test" 0 corrupt <<EOF2
$ready
[   67.433302] Kernel panic - not syncing: corrupted stack end detected inside scheduler
[   67.435993] CPU: 0 PID: 153 Comm: vmm Not tainted 6.1.0-57-amd64 #1  Debian 6.1.192-3
[   67.435993]  __schedule+0x9f3/0xa00
EOF2
case_ "list corruption under the test" 0 corrupt <<EOF2
$ready
[   12.1] list_del corruption. prev->next should be ffff888003c1e0c8, but was dead000000000100
[   12.2] Kernel panic - not syncing: Fatal exception
EOF2
# a deliberate panic (the harness self-test's sysrq c) stands for a real bug
case_ "sysrq crash" 0 died <<EOF2
$ready
[   40.1] sysrq: Trigger a crash
[   40.1] Kernel panic - not syncing: sysrq triggered crash
EOF2
# an overwritten stack before the test ran is not under a vmm: not retried
case_ "corruption before the test" 0 died <<'EOF2'
[    1.2] Kernel panic - not syncing: corrupted stack end detected inside scheduler
EOF2
# the warning alone, with L1 running on (a later kill is a hang, not this)
case_ "corruption line without a panic" 1 died <<EOF2
$ready
[   12.1] BUG: Bad page state in process vmm  pfn:1234
EOF2
case_ "reset under the test" 0 reset <<<"$ready"
case_ "reset before the test" 0 died <<<"SeaBIOS (version 1.16.2)"
case_ "QEMU failed under the test" 1 died <<<"$ready"
case_ "initramfs" 0 died <<'EOF2'
Initramfs unpacking failed: write error
Kernel panic - not syncing: VFS: Unable to mount root fs
EOF2

echo "$((n - fails)) of $n passed"
[ "$fails" -eq 0 ]
