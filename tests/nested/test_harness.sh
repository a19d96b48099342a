#!/usr/bin/env bash
# tests/nested/test_harness.sh [run.sh options, e.g. --cache DIR]
#
# Self-test of the nested-KVM harness (tools/nested/run.sh), six L1 boots
# (~5 s each here):
#  1. healthy L1: /dev/kvm is a char device, the CPU count and 2 MiB
#     hugepages are visible, and a dynamically linked host binary passed
#     with --file (a probe compiled here) opens /dev/kvm, reads
#     KVM_GET_API_VERSION and creates a VM - what the VMM will need;
#  2. a SCRIPT exiting 3 makes run.sh exit 3;
#  3. an L1 CPU without SVM makes run.sh exit 97 (no /dev/kvm);
#  4. an L1 reset under SCRIPT without a panic is retried, then 125;
#  5. an L1 panic is 125 at once, not retried.
# Exit status 0 when all pass.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN=$REPO/tools/nested/run.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/nested-selftest.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0

check() { # NAME EXPECTED_RC ACTUAL_RC OUTPUT [PATTERN...]
	local name=$1 want=$2 got=$3 out=$4 pat ok=1
	shift 4
	[ "$got" = "$want" ] || { echo "FAIL $name: run.sh exited $got, want $want"; ok=0; }
	for pat in "$@"; do
		grep -a -q -E "$pat" "$out" || { echo "FAIL $name: no line matching /$pat/"; ok=0; }
	done
	if [ "$ok" = 1 ]; then echo "ok   $name"; else fails=$((fails + 1)); fi
}

# A tiny KVM probe: dynamically linked on purpose, to test the ldd copying.
cat >"$T/kvmprobe.c" <<'EOF'
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>
int main(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("open /dev/kvm");
		return 1;
	}
	int v = ioctl(fd, KVM_GET_API_VERSION, 0);
	int vm = ioctl(fd, KVM_CREATE_VM, 0);
	printf("KVM_GET_API_VERSION=%d KVM_CREATE_VM=%s\n", v, vm >= 0 ? "ok" : "failed");
	return v == KVM_API_VERSION && vm >= 0 ? 0 : 2;
}
EOF
${CC:-cc} -O2 -o "$T/kvmprobe" "$T/kvmprobe.c"

cat >"$T/healthy.sh" <<'EOF'
set -e
[ -c /dev/kvm ]
echo "cpus: $(grep -c processor /proc/cpuinfo)"
grep HugePages_Total /proc/meminfo
./kvmprobe
EOF
rc=0
"$RUN" "$@" --smp 2 --file "$T/kvmprobe" -- "$T/healthy.sh" >"$T/out1" 2>&1 || rc=$?
check "healthy L1, dynamic KVM probe" 0 "$rc" "$T/out1" \
	'^cpus: 2$' '^HugePages_Total: +64$' '^KVM_GET_API_VERSION=12 KVM_CREATE_VM=ok$'

printf 'echo "exiting 3"\nexit 3\n' >"$T/three.sh"
rc=0
"$RUN" "$@" -- "$T/three.sh" >"$T/out2" 2>&1 || rc=$?
check "SCRIPT exit status passed through" 3 "$rc" "$T/out2" '^exiting 3$'

rc=0
"$RUN" "$@" --cpu qemu64,-svm -- "$T/healthy.sh" >"$T/out3" 2>&1 || rc=$?
check "no SVM in L1 -> 97" 97 "$rc" "$T/out3" 'run.sh: L1 failed to bring up /dev/kvm'

# L1 reset under the test without a panic (sysrq b: an immediate reboot,
# as the L0's triple fault of L1 looks): retried, then given up
printf 'echo b >/proc/sysrq-trigger\nsleep 30\n' >"$T/reset.sh"
rc=0
NESTED_ATTEMPTS=2 "$RUN" "$@" -- "$T/reset.sh" >"$T/out4" 2>&1 || rc=$?
check "L1 reset -> retried, then 125" 125 "$rc" "$T/out4" \
	'retrying the boot \(attempt 2 of 2\) after the L1 reset' 'L1 ended in a reset on all 2 attempts'

# a panic that is not L1's memory overwritten is not retried (the kinds
# that are: tests/nested/test_console.sh)
printf 'echo c >/proc/sysrq-trigger\nsleep 30\n' >"$T/panic.sh"
rc=0
NESTED_ATTEMPTS=2 "$RUN" "$@" -- "$T/panic.sh" >"$T/out5" 2>&1 || rc=$?
check "L1 panic -> 125 at once" 125 "$rc" "$T/out5" 'Kernel panic'
if grep -a -q 'retrying the boot' "$T/out5"; then
	echo "FAIL L1 panic: was retried"
	fails=$((fails + 1))
fi

if [ "$fails" -ne 0 ]; then
	echo "$fails harness self-test(s) failed; outputs:"
	for f in "$T"/out*; do
		echo "--- $f"
		cat "$f"
	done
	exit 1
fi
echo "nested harness self-test: all passed"
