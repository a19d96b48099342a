#!/bin/sh
# bench/net/inside.sh - the `net` suite's nested leg, in L1 (bench/net/run.sh
# puts it in one nested-KVM L1 boot with vmm, the kernel, QEMU + ROMs, the
# Linux guest of bench/net/linux_guest.sh, clients.sh, redis-benchmark,
# redis-cli and wrk). Two servers, each with CPUS vCPUs, MEM memory and a
# user-mode network (slirp) with host forwards, up at the same time (the
# idle one waits in hlt):
#   vmm    ./vmm --net user,hostfwd=... KERNEL -- run=kv, then run=http
#   linux  qemu-system-x86_64 -M q35 -accel kvm, Debian's kernel,
#          redis-server and nginx, -netdev user,hostfwd=... virtio-net-pci
#   pkqemu the same KERNEL and run=kv / run=http in QEMU like linux
#          (-M q35 -accel kvm, slirp, virtio-net-pci without vhost): the
#          vmm's device and I/O path against QEMU's, one guest for both
# KERNEL is the baseline build guest-x86-64.elf (generic x86-64, as
# Debian's kernel is): the default x86-64-v3 guest.elf cannot run under
# QEMU here, because the harness's L0 loses a guest's XSETBV, so AVX stays
# off (the vmm sets XCR0 itself with KVM_SET_XCRS, vmm/kvm.c; QEMU does
# not) and the first AVX instruction is a #UD.
# and N alternating rounds of the clients (bench/net/clients.sh):
#   redis-benchmark -t set,get -n REQS -c CONNS          (one request a time)
#   redis-benchmark -t set,get -n PREQS -c CONNS -P 16   (pipelined)
#   wrk -t1 -c WCONNS -d WSECS --latency                 (HTTP keep-alive)
# Exits: L1's KVM counts them per VM (debugfs kvm/PID-FD/exits, all vCPUs);
# each run's delta is printed with its request count. The vmm's own --stats
# come at the end of each vmm run:
#   BENCH env cpu=MODEL vcpus=CPUS
#   BENCH vmmstats APP LINE...
set -u
BIN=./
KERNEL=${KERNEL:-guest-x86-64.elf}
T=$(mktemp -d) # the servers' logs (L1's tmpfs)
VKV=16379 VHTTP=18080 LKV=26379 LHTTP=28080 QKV=36379 QHTTP=38080
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up # the forwards listen there
. ./clients.sh
echo "BENCH env cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') vcpus=$CPUS"

# exits PID: the KVM exits so far of process PID's VM. KVM names a VM's
# debugfs directory TID-FD after the thread that created it: QEMU's main
# thread (TID = PID), but a second thread of the vmm, which names it under
# --stats ("KVM's debugfs names this VM TID-FD")
exits() {
	if [ "$1" = "$VPID" ]; then
		d=$(sed -n "s/^vmm: --stats: KVM's debugfs names this VM //p" "$VLOG")
		[ -n "$d" ] && cat "/sys/kernel/debug/kvm/$d/exits" 2>/dev/null
		return
	fi
	for d in /sys/kernel/debug/kvm/"$1"-*; do
		[ -e "$d" ] && cat "$d/exits" 2>/dev/null && return
	done
}
qsrv_start() {
	pk_qemu ./qemu-system-x86_64 kvm host "$KERNEL" "$1" "$2" "$T/pkqemu-$1.log" -L roms
	QPID=$!
}
# qsrv_stop APP [fail]: QEMU killed (run=APP serves until then); with
# fail, the end of its console says why it never answered
qsrv_stop() {
	kill "$QPID" 2>/dev/null
	wait "$QPID" 2>/dev/null
	grep -E 'virtio-net' "$T/pkqemu-$1.log" | sed "s/^/BENCH pkqemu $1 /"
	[ "${2:-}" = fail ] && tail -20 "$T/pkqemu-$1.log" | sed 's/^/  | /'
	QPID=
}
srv_start() {
	case $1 in kv) hp=$VKV gp=6379 ;; *) hp=$VHTTP gp=80 ;; esac
	./vmm --stats -c "$CPUS" -m "$MEM" --net "user,hostfwd=tcp:127.0.0.1:$hp-:$gp" "$KERNEL" -- \
		"run=$1" ip=10.0.2.15 >"$T/vmm-$1.log" 2>&1 &
	VPID=$! VLOG=$T/vmm-$1.log
}
# run=kv ends on SHUTDOWN (its KV line counts the requests it served);
# anything still running gets SIGTERM: the vmm stops the guest and prints
# --stats on the way out
srv_stop() {
	if [ "$1" = kv ]; then
		./redis-cli -p "$VKV" SHUTDOWN >/dev/null 2>&1
		i=0
		while kill -0 "$VPID" 2>/dev/null && [ "$i" -lt 30 ]; do
			sleep 1
			i=$((i + 1))
		done
	fi
	kill -TERM "$VPID" 2>/dev/null
	wait "$VPID"
	echo "vmm run=$1 exit $?"
	grep -E '^(KV|HTTP) |vmm stats|  vCPU|  net' "$T/vmm-$1.log" | sed "s/^/BENCH vmmstats $1 /"
	grep -qE '^(KV|HTTP) ' "$T/vmm-$1.log" || tail -20 "$T/vmm-$1.log" | sed 's/^/  | /'
}

./qemu-system-x86_64 -M q35 -accel kvm -cpu host -smp "$CPUS" -m "$MEM" -nodefaults -vga none \
	-L roms -kernel linux/vmlinuz -initrd linux/initrd.cpio.gz -append "console=ttyS0 quiet" \
	-display none -monitor none -serial "file:$T/linux.log" -no-reboot \
	-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$LKV-:6379,hostfwd=tcp:127.0.0.1:$LHTTP-:80" \
	-device virtio-net-pci,netdev=n0,romfile= &
LPID=$!
if ! linux_up "$LKV"; then
	tail -30 "$T/linux.log" | sed 's/^/  | /'
	exit 1
fi
grep NETGUEST "$T/linux.log"
rc=0
phase kv redis "$VKV" "$LKV" vmm "$QKV" || rc=1
if grep -q 'static HTTP/1.1' "$KERNEL"; then
	phase http wrk "$VHTTP" "$LHTTP" vmm "$QHTTP" || rc=1
else
	echo "BENCH skip http: this $KERNEL has no run=http"
fi
kill "$LPID"
wait "$LPID" 2>/dev/null
exit "$rc"
