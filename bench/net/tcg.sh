#!/bin/sh
# bench/net/tcg.sh BUILD_DIR LINUX_DIR ROMS_DIR - the `net` suite's TCG leg,
# on this host: both servers under QEMU TCG (-cpu max, CPUS vCPUs, MEM,
# -netdev user with host forwards, virtio-net-pci), so both run emulated:
#   perfkern  build/bin/guest.elf on q35 (PVH), run=kv then run=http
#   linux     Debian's kernel + redis-server/nginx (bench/net/linux_guest.sh)
# and N alternating rounds of the clients (bench/net/clients.sh) from the
# host. No KVM here, so no exit counts. Environment as bench/net/inside.sh
# (N CPUS MEM REQS PREQS CONNS WCONNS WSECS); the ports are free ones.
set -u
build=${1:?usage: bench/net/tcg.sh BUILD_DIR LINUX_DIR ROMS_DIR}
linux=${2:?usage: bench/net/tcg.sh BUILD_DIR LINUX_DIR ROMS_DIR}
roms=${3:?usage: bench/net/tcg.sh BUILD_DIR LINUX_DIR ROMS_DIR}
here=$(cd "$(dirname "$0")" && pwd)
BIN=
tmp=$(mktemp -d)
trap 'kill "$LPID" "$VPID" 2>/dev/null; rm -rf "$tmp"' EXIT
# four free TCP ports on 127.0.0.1 (the kernel picks, then they are let go)
set -- $(python3 -c 'import socket
ss = [socket.socket() for _ in range(4)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
PKV=$1 PHTTP=$2 LKV=$3 LHTTP=$4
LPID= VPID=
. "$here/clients.sh"
echo "BENCH env cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') vcpus=$CPUS"

exits() { :; }
srv_start() {
	case $1 in kv) hp=$PKV ;; *) hp=$PHTTP ;; esac
	VLOG=$tmp/perfkern-$1.log
	pk_qemu qemu-system-x86_64 tcg max "$build/bin/guest.elf" "$1" "$hp" "$VLOG"
	VPID=$!
}
srv_stop() {
	kill "$VPID" 2>/dev/null
	wait "$VPID" 2>/dev/null
	VPID=
}

qemu-system-x86_64 -M q35 -accel tcg -cpu max -smp "$CPUS" -m "$MEM" -nodefaults -vga none \
	-L "$roms" -kernel "$linux/vmlinuz" -initrd "$linux/initrd.cpio.gz" \
	-append "console=ttyS0 quiet" -display none -monitor none -serial "file:$tmp/linux.log" \
	-no-reboot -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$LKV-:6379,hostfwd=tcp:127.0.0.1:$LHTTP-:80" \
	-device virtio-net-pci,netdev=n0,romfile= &
LPID=$!
if ! linux_up "$LKV"; then
	tail -30 "$tmp/linux.log" | sed 's/^/  | /'
	exit 1
fi
rc=0
phase kv redis "$PKV" "$LKV" perfkern || rc=1
phase http wrk "$PHTTP" "$LHTTP" perfkern || rc=1
exit "$rc"
