#!/bin/sh
# tests/vmm/debug_suite.sh - the gdb stub and the monitor, tested inside
# the nested-KVM L1 (tests/vmm/debug.sh copies vmm, guest.elf, a
# Python-free gdb and socat next to this script). Real gdb in batch mode
# against `vmm --gdb PATH` (a Unix socket: gdb 13 connects with `target
# remote PATH`), then the monitor over its Unix socket, then garbage on
# both sockets, then the socket rules (docs/debug-sockets.md): modes,
# peer uid, no blind unlink, idle drop, resume on disconnect. Prints
# PASS/FAIL per check and one summary line.
set -u
. ./lib.sh # t_pass/t_fail/t_skip/t_done (tools/lib.sh)
PORT=1234           # only for the explicit --gdb tcp:PORT case
GDB=/tmp/gdb.sock   # the stub's Unix socket
umask 000           # the worst umask: the sockets must still come out 0600
# want NAME FILE REGEX: FILE has a line matching REGEX
want() {
	if grep -qE -- "$3" "$2"; then t_pass "$1"; else
		t_fail "$1: no /$3/ in $2:"
		sed 's/^/  | /' "$2" | tail -60
	fi
}
# L1's /init leaves loopback down; --gdb tcp:PORT listens on 127.0.0.1 only
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
export LANG=C.UTF-8 # gdb warns about the host encoding otherwise
# reap PID SEC: wait for PID, killing it after SEC seconds; status in $rc
reap() {
	n=0
	while kill -0 "$1" 2>/dev/null && [ $n -lt $(($2 * 5)) ]; do
		sleep 0.2
		n=$((n + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1"
	rc=$?
}
wait_for() { # FILE REGEX: until the vmm says so on stderr (10 s at most)
	n=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
}

# ---- 1. gdb: 2 vCPUs stopped before the first instruction ---------------
./vmm --gdb $GDB --gdb-wait -c 2 -m 64M guest.elf -- run=demo >/tmp/vmm1.out 2>&1 &
vmm=$!
wait_for /tmp/vmm1.out 'gdb stub listening'
timeout 240 ./gdb -nx -batch guest.elf \
	-ex 'set pagination off' -ex 'set confirm off' \
	-ex "target remote $GDB" \
	-ex 'info threads' \
	-ex 'p/x $rip' -ex 'stepi' -ex 'p/x $rip' -ex 'x/4gx $rip' -ex 'x/4gx &smp_online_count' \
	-ex 'thread 2' -ex 'p $_thread' -ex 'p/x $cr3' -ex 'p $xmm0.uint128' \
	-ex 'detach' >/tmp/gdb.out 2>&1
echo "gdb exit $?"
sed 's/^/  gdb| /' /tmp/gdb.out
reap $vmm 120
sed 's/^/  vmm1| /' /tmp/vmm1.out | head -8
want gdb-info-threads /tmp/gdb.out '^\* 1 +Thread 1 \(CPU 0\)'
want gdb-two-threads /tmp/gdb.out '^  2 +Thread 2 \(CPU 1\)'
# stepi advances RIP: the two p/x $rip values differ
r1=$(sed -n 's/^\$1 = //p' /tmp/gdb.out)
r2=$(sed -n 's/^\$2 = //p' /tmp/gdb.out)
if [ -n "$r1" ] && [ -n "$r2" ] && [ "$r1" != "$r2" ]; then t_pass "gdb-stepi ($r1 -> $r2)"; else
	t_fail "gdb-stepi: rip '$r1' then '$r2'"
fi
want gdb-x4gx-code /tmp/gdb.out "^$r2"' <boot_vmm_entry\+[0-9]+>:[[:space:]]+0x[0-9a-f]{16}[[:space:]]+0x[0-9a-f]{16}'
# the kernel's global through the high mapping: smp_online_count starts at 1
want gdb-x4gx-global /tmp/gdb.out '^0xffffffff80[0-9a-f]+ <smp_online_count>:[[:space:]]+0x0000000[0-9a-f]00000001'
want gdb-thread2 /tmp/gdb.out '^\$3 = 2$'
want gdb-cr3 /tmp/gdb.out '^\$4 = 0x[0-9a-f]*000$'
want gdb-detach /tmp/gdb.out '^\[Inferior 1 \(Remote target\) detached\]'
if [ "$rc" -eq 0 ] && grep -q '^hello from cpu 1 ' /tmp/vmm1.out; then t_pass "gdb-detach-runs-to-exit-0"; else
	t_fail "gdb-detach-runs-to-exit-0: vmm exit $rc"
	sed 's/^/  | /' /tmp/vmm1.out | tail -20
fi

# ---- 1a. software breakpoint on a kernel symbol ---------------------------
./vmm --gdb $GDB --gdb-wait -c 2 -m 64M guest.elf -- run=demo >/tmp/vmm1a.out 2>&1 &
vmm=$!
wait_for /tmp/vmm1a.out 'gdb stub listening'
timeout 240 ./gdb -nx -batch guest.elf \
	-ex 'set pagination off' -ex 'set confirm off' \
	-ex "target remote $GDB" \
	-ex 'break demo_run' -ex 'continue' -ex 'p/x $rip' -ex 'x/4gx $rsp' -ex 'p $_thread' \
	-ex 'delete' -ex 'detach' >/tmp/gdbsw.out 2>&1
echo "gdb exit $?"
sed 's/^/  gdbsw| /' /tmp/gdbsw.out
reap $vmm 120
if grep -q 'hit Breakpoint 1, demo_run' /tmp/gdbsw.out; then
	t_pass gdb-break
	want gdb-break-rip /tmp/gdbsw.out '^\$1 = 0xffffffff80[0-9a-f]{6}$'
	want gdb-break-x4gx /tmp/gdbsw.out '^0x[0-9a-f]+:[[:space:]]+0x[0-9a-f]{16}[[:space:]]+0x[0-9a-f]{16}'
	[ "$rc" -eq 0 ] && t_pass gdb-break-detach-exit-0 || t_fail "gdb-break-detach-exit-0: vmm exit $rc"
elif grep -q 'EXCEPTION #BP breakpoint' /tmp/vmm1a.out; then
	# QEMU TCG raises INT3 as a software interrupt and checks the SVM
	# SWINT intercept, not the #BP exception intercept KVM sets for
	# KVM_GUESTDBG_USE_SW_BP (target/i386/tcg/excp_helper.c,
	# raise_interrupt2), so under this nested harness the int3 reaches
	# the guest. That it arrives at demo_run+1 still proves the stub
	# planted it at the right virtual address through the page tables.
	want gdb-break-plants-int3 /tmp/vmm1a.out 'rip 0xffffffff80[0-9a-f]+ demo_run\+0x1$'
	t_skip "gdb-break: int3 is not intercepted under QEMU TCG nested SVM"
else
	t_fail "gdb-break: neither a breakpoint stop nor the guest's #BP"
	sed 's/^/  | /' /tmp/vmm1a.out | tail -20
fi

# ---- 1b. hardware watchpoint and per-thread hardware breakpoint --------
./vmm --gdb $GDB --gdb-wait -c 2 -m 64M guest.elf -- run=demo >/tmp/vmm1b.out 2>&1 &
vmm=$!
wait_for /tmp/vmm1b.out 'gdb stub listening'
timeout 240 ./gdb -nx -batch guest.elf \
	-ex 'set pagination off' -ex 'set confirm off' \
	-ex "target remote $GDB" \
	-ex 'watch smp_online_count' -ex 'continue' -ex 'p $_thread' -ex 'delete' \
	-ex 'hbreak demo_hello thread 2' -ex 'continue' -ex 'p $_thread' -ex 'delete' \
	-ex 'detach' >/tmp/gdbhw.out 2>&1
echo "gdb exit $?"
sed 's/^/  gdbhw| /' /tmp/gdbhw.out
reap $vmm 120
want gdb-hw-accepted /tmp/gdbhw.out '^Hardware watchpoint 1: smp_online_count'
if grep -q 'hit Hardware watchpoint 1' /tmp/gdbhw.out; then
	want gdb-watch-writer /tmp/gdbhw.out 'New value = 2'
	want gdb-hbreak-thread2 /tmp/gdbhw.out 'Thread 2 .*hit Hardware assisted breakpoint 2, demo_hello'
elif grep -q 'exited normally' /tmp/gdbhw.out && grep -q svm /proc/cpuinfo &&
	grep -q 'QEMU' /sys/class/dmi/id/sys_vendor 2>/dev/null; then
	# QEMU TCG's SVM loads the L2 guest's DR7 on VMRUN without arming
	# its breakpoints (target/i386/tcg/sysemu/svm_helper.c assigns
	# env->dr[7] directly, no cpu_x86_update_dr7), so debug-register
	# breakpoints never fire in this nested harness; on real hardware
	# they do. The stub accepted Z1/Z2 and KVM took the DR7 (no E reply).
	t_skip "gdb-watch-writer: DR0-DR3 breakpoints do not fire under QEMU TCG nested SVM"
	t_skip "gdb-hbreak-thread2: same (debug registers under QEMU TCG nested SVM)"
else
	t_fail "gdb-watch: neither a watchpoint hit nor a clean exit"
fi

# ---- 1c. kill from gdb ends the vmm (exit 125), over the explicit TCP form
./vmm --gdb tcp:$PORT --gdb-wait -c 1 -m 64M guest.elf -- run=spin >/tmp/vmm1c.out 2>&1 &
vmm=$!
wait_for /tmp/vmm1c.out 'gdb stub listening'
want gdb-tcp-warns /tmp/vmm1c.out '^vmm: warning: --gdb tcp:1234 has no access control: any local user'
timeout 60 ./gdb -nx -batch -ex 'set confirm off' -ex "target remote 127.0.0.1:$PORT" \
	-ex 'kill' >/tmp/gdbkill.out 2>&1
reap $vmm 30
if [ "$rc" -eq 125 ] && grep -q 'killed from gdb' /tmp/vmm1c.out; then t_pass gdb-kill; else
	t_fail "gdb-kill: vmm exit $rc, wanted 125"
	sed 's/^/  | /' /tmp/gdbkill.out /tmp/vmm1c.out | tail -20
fi

# ---- 2. monitor, plus garbage on both sockets ---------------------------
./vmm --gdb $GDB --monitor /tmp/mon.sock -c 2 -m 64M guest.elf -- run=spin >/tmp/vmm2.out 2>&1 &
vmm=$!
wait_for /tmp/vmm2.out 'monitor on'
wait_for /tmp/vmm2.out 'CPUs online' # the kernel's page tables are final
mon() { # commands on stdin -> monitor output
	./socat -t 5 - UNIX-CONNECT:/tmp/mon.sock
}
printf 'help\ninfo cpus\ncpu 1\nregs\nmmu\nx ffffffff80200000 32\nbogus cmd\nstats\nstop\ninfo cpus\ncont\n' |
	mon 2>&1 | sed -e 's/^\((pk) \)*//' >/tmp/mon.out
sed 's/^/  mon| /' /tmp/mon.out | head -80
want mon-help /tmp/mon.out '^mmu \[cpu\]'
want mon-info-cpus /tmp/mon.out '^\* CPU 0: running rip=0x'
want mon-regs /tmp/mon.out '^cr0 [0-9a-f]{16} cr2'
want mon-mmu-header /tmp/mon.out '^Virt Addr -> Phys Addr Size Perms Cache NX$'
want mon-mmu-kernel /tmp/mon.out '^0xffffffff80[0-9a-f]+ -> 0x[0-9a-f]+ [0-9]+[KMG]b RW?U? [A-Z+]+ N?X$'
# one walker (lib/mmu/mmu_walk.c): the monitor's table is the guest's own
./vmm -c 2 -m 64M guest.elf -- run=mmu 2>&1 | tr -d '\r' | grep -E '^0x[0-9a-f]+ -> ' >/tmp/mmu-guest.txt
grep -E '^0x[0-9a-f]+ -> ' /tmp/mon.out >/tmp/mmu-mon.txt
if [ -s /tmp/mmu-guest.txt ] && cmp -s /tmp/mmu-guest.txt /tmp/mmu-mon.txt; then
	t_pass "mon-mmu-equals-run=mmu ($(wc -l </tmp/mmu-guest.txt) runs)"
else
	t_fail "mon-mmu-equals-run=mmu: the tables differ (< guest run=mmu, > monitor mmu):"
	diff /tmp/mmu-guest.txt /tmp/mmu-mon.txt | head -20 | sed 's/^/  | /'
fi
want mon-x /tmp/mon.out '^ffffffff80200000: ([0-9a-f]{2} ){15}[0-9a-f]{2}$'
want mon-unknown /tmp/mon.out "^error: unknown command 'bogus' \(try help\)"
want mon-stats /tmp/mon.out '^CPU 1: exits [0-9]+'
want mon-stop /tmp/mon.out '^[* ] CPU 1: paused rip='
# Ctrl-C: continue, then 0x03 must stop every vCPU with a T02 reply that
# names a thread; the monitor sees them all paused before gdb detaches
{
	printf '+$qSupported#37'
	sleep 1
	printf '$c#63'
	sleep 2
	printf '\003'
	sleep 1
	printf 'info cpus\n' | mon >/tmp/ctrlc-mon.out 2>&1
	printf '$D#44'
	sleep 1
} | ./socat -t 3 - UNIX-CONNECT:$GDB >/tmp/ctrlc.out 2>&1
want gdb-ctrl-c /tmp/ctrlc.out 'T02thread:[0-9a-f]+;'
want gdb-ctrl-c-stops-all /tmp/ctrlc-mon.out 'CPU 1: paused'
# garbage: random bytes and a huge line on the monitor, random bytes and
# malformed packets on the gdb port; the vmm must keep running
head -c 65536 /dev/urandom | ./socat -t 2 - UNIX-CONNECT:/tmp/mon.sock >/dev/null 2>&1
{
	# no '$' in the random part: a random packet with a valid checksum
	# (1 in 256 per frame) could be a legitimate k or G
	head -c 65536 /dev/urandom | tr -d '$'
	printf '$m0,8#00$g#67$Z9,1,1#ff$X0,ffffffffff:#00$qXfer:features:read:target.xml:fffff,10#00'
	printf '$m0000000000000000000,10#00$Hgzz#00}}}***$$$###'
} | ./socat -t 2 - UNIX-CONNECT:$GDB >/dev/null 2>&1
# well-formed but hostile packets with correct checksums
timeout 60 ./gdb -nx -batch -ex 'set confirm off' -ex "target remote $GDB" \
	-ex 'maint packet m0,8' -ex 'maint packet Z0,deadbeef000,1' -ex 'maint packet Hg99' \
	-ex 'maint packet p9999' -ex 'maint packet Z1,1,3' -ex 'maint packet qThreadExtraInfo,1' \
	-ex 'detach' >/tmp/gdb2.out 2>&1
sed 's/^/  gdb2| /' /tmp/gdb2.out
want gdb-hostile-replies /tmp/gdb2.out 'received: "E0e"'
want gdb-threadextra /tmp/gdb2.out 'received: "4350552030"'
# Z0 plants int3 at a kernel symbol's virtual address and z0 restores the
# byte: read guest memory through the monitor around each packet
# (demo_run never runs under run=spin, so the int3 is harmless there)
addr=$(./gdb -nx -batch guest.elf -ex 'p/x (long)&demo_run' 2>/dev/null | sed -n 's/^\$1 = 0x//p')
peek() { printf 'x %s 1\n' "$addr" | mon | sed -n "s/^\((pk) \)*0*$addr: //p"; }
b0=$(peek)
timeout 60 ./gdb -nx -batch -ex 'set confirm off' -ex "target remote $GDB" \
	-ex "maint packet Z0,$addr,1" -ex "shell printf 'x $addr 1\\n' | ./socat -t 5 - UNIX-CONNECT:/tmp/mon.sock >/tmp/peek1.out" \
	-ex "maint packet z0,$addr,1" -ex 'detach' >/tmp/gdb3.out 2>&1
b1=$(sed -n "s/^\((pk) \)*0*$addr: //p" /tmp/peek1.out)
b2=$(peek)
if [ -n "$addr" ] && [ "$b1" = cc ] && [ -n "$b0" ] && [ "$b0" != cc ] && [ "$b2" = "$b0" ]; then
	t_pass "gdb-z0-int3-planted-and-restored (demo_run at 0x$addr: $b0 -> $b1 -> $b2)"
else
	t_fail "gdb-z0-int3-planted-and-restored: demo_run at '0x$addr': '$b0' -> '$b1' -> '$b2'"
	sed 's/^/  | /' /tmp/gdb3.out /tmp/peek1.out
fi
# the same byte through its other alias: the kernel text at PK_KERNEL_VMA
# (0xffffffff80000000 + pa) is also in the direct map (0xffff800000000000
# + pa, proto/boot.h). Z0 through the text, z0 through the direct map
# must restore the byte (a table keyed by virtual address kept the int3).
direct=ffff80000${addr#ffffffff8}
timeout 60 ./gdb -nx -batch -ex 'set confirm off' -ex "target remote $GDB" \
	-ex "maint packet Z0,$addr,1" -ex "maint packet z0,$direct,1" -ex 'detach' >/tmp/gdb4.out 2>&1
b3=$(peek)
if [ -n "$addr" ] && [ -n "$b0" ] && [ "$b3" = "$b0" ] && grep -q 'received: "OK"' /tmp/gdb4.out &&
	! grep -q 'received: "E' /tmp/gdb4.out; then
	t_pass "gdb-z0-alias-restored (Z0 at 0x$addr, z0 at 0x$direct: $b3)"
else
	t_fail "gdb-z0-alias-restored: Z0 at 0x$addr, z0 at 0x$direct: byte '$b0' -> '$b3'"
	sed 's/^/  | /' /tmp/gdb4.out
	printf 'x %s 1\n' "$addr" | mon | sed 's/^/  | /'
fi
# both sockets were made under umask 000: the mode is still 0600
for s in /tmp/mon.sock $GDB; do
	m=$(stat -c %a "$s" 2>/dev/null)
	[ "$m" = 600 ] && t_pass "socket-mode-0600 $s" || t_fail "socket-mode-0600 $s: mode '$m'"
done
if kill -0 $vmm 2>/dev/null && printf 'info cpus\n' | mon | grep -q 'CPU 1: running'; then
	t_pass "garbage-leaves-vmm-running"
else
	t_fail "garbage-leaves-vmm-running"
	sed 's/^/  | /' /tmp/vmm2.out | tail -20
fi
printf 'quit\n' | mon >/dev/null 2>&1
reap $vmm 30
[ "$rc" -eq 125 ] && t_pass "mon-quit" || t_fail "mon-quit: vmm exit $rc, wanted 125"

. ./debug_sockets.sh

t_done
