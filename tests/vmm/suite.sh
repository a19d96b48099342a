#!/bin/sh
# tests/vmm/suite.sh - the vmm tests that need KVM, run as one batch inside
# the nested-KVM harness (tools/nested/run.sh copies vmm, guest.elf and this
# script into L1). Prints PASS/FAIL per check and one summary line; exits 0
# only when nothing failed. Files are in the current directory.
set -u
. ./lib.sh # t_pass/t_fail/t_skip/t_done (tools/lib.sh)
out=/tmp/vmm-test.out

# check NAME WANT_RC REGEX [REGEX...] -- VMM ARGS...
check() {
	name=$1
	want=$2
	shift 2
	pats=""
	while [ "$1" != "--" ]; do
		pats="$pats
$1"
		shift
	done
	shift
	# a stuck guest becomes exit 124 with every vCPU's RIP, and a stuck
	# vmm a FAIL with its threads' kernel stacks, not an L1 hang (a
	# check's own --timeout comes later on the line and wins)
	t_vmm 110 "$out" ./vmm --timeout 90 "$@"
	why=""
	[ "$rc" -eq "$want" ] || why="exit $rc, wanted $want"
	if [ -z "$why" ]; then
		echo "$pats" | while read -r p; do
			[ -z "$p" ] && continue
			grep -qE -- "$p" "$out" || echo "missing /$p/"
		done >/tmp/vmm-missing
		[ -s /tmp/vmm-missing ] && why=$(head -1 /tmp/vmm-missing)
	fi
	if [ -z "$why" ]; then
		t_pass "$name"
	else
		t_fail "$name: $why; output:"
		sed 's/^/  | /' "$out" | tail -40
	fi
}

# also --hugepages auto (the default): the boot on 4 KiB pages, then the
# chunks it touched made huge pages while the tests run (vmm/mem.c)
check tests-1cpu 0 '^[0-9]+ passed, 0 failed' 'backed by 4K until booted, then THP' \
	'memory: [1-9][0-9]* of [1-9][0-9]* touched 2 MiB chunks made huge pages' 'pages_2m=[1-9]' \
	-- -v --stats -c 1 -m 128M guest.elf -- run=tests
check tests-2cpu 0 '^[0-9]+ passed, 0 failed' 'cpu 1 online' -- -c 2 -m 128M guest.elf -- run=tests
check demo-2cpu 0 '^hello from cpu 1 ' 'booted via perfkern vmm' -- -c 2 -m 64M guest.elf
check stats 0 'vCPU 1: thread at [0-9]* us, first KVM_RUN at [0-9]*, online at [1-9]' 'timeline' 'vCPU 0, as KVM counted .*[ ,] exits=[1-9]' -- --stats -c 2 -m 64M guest.elf -- run=probe
check hugepages-2M 0 'backed by hugetlb 2M \(smaps: KernelPageSize 2048 kB' \
	-- -v --hugepages 2M -c 1 -m 64M guest.elf -- run=probe
check hostile 0 'PASS hostile_still_alive' '^9 passed, 0 failed' 'unknown number' \
	-- -c 1 -m 64M guest.elf -- run=hostile
# (AMD SVM resets the vCPU on shutdown, so the dump may only say so)
check triplefault 121 'triple fault \(KVM_EXIT_SHUTDOWN\)' '^  rip ' \
	-- -c 1 -m 64M guest.elf -- run=triplefault
# where it spun, in the guest's own state: a rip line that names a kernel
# symbol and carries no "CR3 outside guest RAM" mark (that mark makes
# t_l0_retry run a check again)
check timeout 124 'after --timeout 2 s' 'where it was at --timeout' \
	'^  rip [0-9a-f]{16} [A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-f]+$' \
	-- --timeout 2 -c 1 -m 64M guest.elf -- run=spin
check result-blobs 0 '^perfkern: exit 0' -- --out /tmp -c 1 -m 64M guest.elf -- run=result
if [ "$(cat /tmp/hello.txt 2>/dev/null)" = "perfkern result blob" ] &&
	[ "$(wc -c </tmp/pattern.bin 2>/dev/null)" -eq 1000 ]; then
	t_pass "result-files"
else
	t_fail "result-files: --out /tmp lacks hello.txt/pattern.bin with the guest's contents"
fi
check bad-flag 2 'unknown option' -- --frobnicate guest.elf
# the kernel's own page tables as run=mmu prints them (lib/mmu/mmu_walk.c)
check mmu-table 0 '^Virt Addr -> Phys Addr Size Perms Cache NX$' \
	'^0xffffffff80200000 -> 0x200000 [0-9]+Kb RX WB -$' '^perfkern: exit 0' \
	-- -c 2 -m 64M guest.elf -- run=mmu
check min-memory 0 '^perfkern: exit 0' -- -c 1 -m 16M guest.elf -- run=probe
check too-little-memory 2 'needs at least 16M' -- -c 1 -m 8M guest.elf

# SIGTERM stops every vCPU and exits 125
./vmm -c 2 -m 64M guest.elf -- run=spin >/tmp/sig.out 2>&1 &
pid=$!
sleep 2
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" -eq 125 ]; then
	t_pass "sigterm"
else
	t_fail "sigterm: exit $rc, wanted 125"
fi

# confinement: seccomp per thread, --out attacks, caps (tests/vmm/sandbox.sh)
[ -f ./sandbox.sh ] && . ./sandbox.sh

# profiling (vmm --perf, guest perf=timer, kperf) when kperf came along
[ -x ./kperf ] && . ./perf_suite.sh

# vmm --share with the kernel's VFS (tests/vmm/files.sh)
[ -f ./files.sh ] && . ./files.sh

# the raw attack guest racing every hypercall (when it came along)
. ./attack.sh

# virtio-net: UDP echo through --net user, hostile rings (tests/vmm/net.sh)
[ -f ./net.sh ] && . ./net.sh
# a static Linux server on the socket system calls (tests/vmm/net_sock.sh)
[ -f ./net_sock.sh ] && . ./net_sock.sh

# last: without /dev/kvm the vmm says how to get it, exit 120
rm -f /dev/kvm
check no-dev-kvm 120 'load kvm-intel or kvm-amd' 'nested-KVM harness' -- -c 1 guest.elf

t_done
