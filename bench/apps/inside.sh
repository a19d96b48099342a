#!/bin/sh
# bench/apps/inside.sh - runs inside the nested-KVM L1 (bench/apps/run.sh
# puts it there with vmm, guest.elf, timeit and the appbench programs).
# N rounds; in each, every case runs natively and under the vmm back to
# back (the order flips every round), the same binary, the same file:
#   native  ./appbench.LIBC B CASE ARGS            (data in /tmp/apps)
#   vmm     ./vmm --share /tmp/apps:/data:ro ./appbench.LIBC B CASE ARGS
# Prints the program's own "BENCH apps VARIANT LIBC ROUND NAME VALUE UNIT
# OPS" lines and "BENCH appswall VARIANT LIBC ROUND CASE NS STATUS" (the
# whole process, fork to exit, which for the vmm includes its boot).
set -u
N=${N:-5}
B=${B:-0.2}
LIBCS=${LIBCS:-glibc}
CPUS=${CPUS:-2}
MiB=1048576
echo "BENCH env cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') vcpus=$CPUS"
mkdir -p /tmp/apps
dd if=/dev/urandom of=/tmp/apps/data bs=$MiB count=16 2>/dev/null
# one case per line: a name for the wall-time row, then appbench's arguments
cases="syscall syscall
read64 read 64 @
read4k read 4096 @
read1m read $MiB @
pingpong pingpong
barrier barrier
spawn spawn
compute compute"

# one VARIANT LIBC ROUND NAME ARGS...
one() {
	v=$1 libc=$2 r=$3 name=$4
	shift 4
	# the case's arguments are words by design (no quoting): @ is the file
	# shellcheck disable=SC2046
	if [ "$v" = native ]; then
		set -- "./appbench.$libc" "$B" $(echo "$@" | sed 's|@|/tmp/apps/data|')
	else
		set -- ./vmm --timeout 300 -c "$CPUS" -m 256M --share /tmp/apps:/data:ro \
			"./appbench.$libc" "$B" $(echo "$@" | sed 's|@|/data/data|')
	fi
	w=$(./timeit -o /tmp/apps.out "$@")
	echo "BENCH appswall $v $libc $r $name $w"
	tr -d '\r' </tmp/apps.out | sed -n "s/^BENCH /BENCH apps $v $libc $r /p; s/^INFO /INFO $v $libc $r /p"
	case "$w" in *" 0") ;; *) sed 's/^/  | /' /tmp/apps.out | tail -20 ;; esac
}
i=1
while [ "$i" -le "$N" ]; do
	order="native vmm"
	[ $((i % 2)) -eq 0 ] && order="vmm native"
	for libc in $LIBCS; do
		echo "$cases" | while read -r name args; do
			for v in $order; do
				# shellcheck disable=SC2086
				one "$v" "$libc" "$i" "$name" $args
			done
		done
	done
	i=$((i + 1))
done
