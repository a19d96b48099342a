#!/usr/bin/env bash
# tools/nested/run.sh - run a test script inside a nested-KVM L1 Linux.
#
# This machine has no /dev/kvm. QEMU TCG with `-cpu max` emulates AMD SVM
# well enough for Debian's kernel + kvm-amd to offer /dev/kvm inside an L1
# VM, so the VMM is tested there (docs/testing.md).
#
# Usage:
#   tools/nested/run.sh [options] -- SCRIPT
#
#   --timeout SEC        per-boot limit, QEMU start to HARNESS line (300)
#   --smp N              L1 vCPUs (2)
#   --mem SIZE           L1 memory, as for qemu -m (2048M)
#   --cpu MODEL          qemu -cpu model (max); e.g. EPYC,+svm,+npt
#   --cache DIR          kernel/module cache (<repo>/build/nested-cache)
#   --log FILE           also write the L1 console + run.sh messages here
#   --fwd tcp:ADDR:PORT  give L1 a NIC (QEMU user network, virtio-net) and
#                        forward the host's ADDR:PORT to L1's port PORT
#                        (L1 is 10.0.2.15/24, gateway 10.0.2.2); repeatable.
#                        Without it L1 has no NIC at all.
#   --bzimage            boot the compressed vmlinuz (the plain -kernel boot)
#                        instead of the PVH vmlinux fetch.sh extracts; the
#                        latter skips ~3.5 s of emulated decompression
#   --file HOST[:GUEST]  copy HOST (file or directory) into the initramfs;
#                        GUEST defaults to /work/<basename>, a relative GUEST
#                        is under /work, a GUEST ending in / is a directory.
#                        Dynamically linked ELF files get their ldd libraries
#                        (and the dynamic loader) at the same paths. Repeatable.
#   SCRIPT               host shell script, run in L1 by busybox sh with
#                        cwd /work, stdin /dev/null, PATH starting with /work.
#
# Inside L1 (/init): proc, sys, devtmpfs and tmpfs (/tmp) are mounted, the
# modules (irqbypass, ccp, kvm, kvm-amd; virtio-net, tun) are loaded, /dev/kvm is checked,
# kvm_keeper starts (one idle VM, kvm_keeper.c), 64 x 2 MiB hugepages are
# reserved and hugetlbfs is mounted at /dev/hugepages; then SCRIPT runs and
# /init prints "HARNESS rc=<n>" and powers off.
#
# Exit status:
#   SCRIPT's exit status  when L1 reported a HARNESS line
#   97                    L1 could not bring up /dev/kvm (message says why)
#   124                   L1 hang: no HARNESS line within the timeout (or a
#                         console silent for NESTED_SILENCE s despite L1's
#                         heartbeat), on each of NESTED_ATTEMPTS (4) boots
#                         (each hang is reported and the boot retried)
#   125                   harness error: fetch failed, QEMU failed, or L1
#                         died without a HARNESS line (e.g. kernel panic;
#                         a reset during SCRIPT without a panic, the L0's
#                         triple fault of L1, and a panic on L1's own
#                         kernel memory overwritten are the L0's fault and
#                         retried like a hang: console.sh)
#   2                     bad usage
#
# Example:
#   tools/nested/run.sh --file build/bin/vmm --file build/bin/guest.elf \
#       -- tests/nested/smoke.sh
#
# Environment: NESTED_REFRESH=1 re-resolves the Debian kernel (otherwise a
# complete cache is used as is), NESTED_HANG_GRACE=SEC (60) how long to wait
# for HARNESS once the kernel reported a lockup, NESTED_QEMU_ARGS extra QEMU
# arguments, NESTED_KEEPER=0 no kvm_keeper in L1.
#
# Absolute times inside L1 are emulated (TCG) and mean little: compare
# ratios measured within one boot, and batch many VMM runs per boot.
set -euo pipefail

ME=run.sh
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$REPO/tools/nested

TIMEOUT=300
SMP=2
MEM=2048M
CPU=max
CACHE=$REPO/build/nested-cache
LOG=
BZIMAGE=0
FILES=()
FWDS=()
SCRIPT=
# After the kernel reports a lockup/stall, wait at most this long for the
# HARNESS line before calling it a hang: no need to sit out the full timeout.
HANG_GRACE=${NESTED_HANG_GRACE:-60}
# Extra QEMU arguments (word-split), e.g. NESTED_QEMU_ARGS="-d guest_errors".
read -r -a QEMU_EXTRA <<<"${NESTED_QEMU_ARGS:-}"
# Once L1 printed HARNESS it powers off at once; allow this long for that.
POWEROFF_GRACE=15
# L1 prints a heartbeat every 20 s once the test runs: a console silent for
# this long after that means a frozen L1, a hang without waiting out the
# timeout. Hangs are retried up to this many boots in all.
SILENCE=${NESTED_SILENCE:-75}
ATTEMPTS=${NESTED_ATTEMPTS:-4}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
	exit "${1:-2}"
}
die() { # infrastructure failure
	msg "error: $*"
	exit 125
}
msg() {
	echo "$ME: $*" >&2
	if [ -n "$LOG" ]; then echo "$ME: $*" >>"$LOG"; fi
}
need_arg() {
	if [ $# -lt 2 ] || [ -z "$2" ]; then
		echo "$ME: $1 needs an argument" >&2
		exit 2
	fi
}

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) need_arg "$@"; TIMEOUT=$2; shift 2 ;;
	--smp) need_arg "$@"; SMP=$2; shift 2 ;;
	--mem) need_arg "$@"; MEM=$2; shift 2 ;;
	--cpu) need_arg "$@"; CPU=$2; shift 2 ;;
	--cache) need_arg "$@"; CACHE=$2; shift 2 ;;
	--log) need_arg "$@"; LOG=$2; shift 2 ;;
	--file) need_arg "$@"; FILES+=("$2"); shift 2 ;;
	--fwd)
		need_arg "$@"
		[[ $2 =~ ^tcp:([0-9.]+):([1-9][0-9]*)$ ]] ||
			{ echo "$ME: --fwd $2: expected tcp:ADDR:PORT" >&2; exit 2; }
		FWDS+=("hostfwd=tcp:${BASH_REMATCH[1]}:${BASH_REMATCH[2]}-:${BASH_REMATCH[2]}")
		shift 2
		;;
	--bzimage) BZIMAGE=1; shift ;;
	-h | --help) usage 0 ;;
	--)
		shift
		[ $# -eq 1 ] || { echo "$ME: exactly one SCRIPT after --" >&2; exit 2; }
		SCRIPT=$1
		shift
		;;
	*) echo "$ME: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[ -n "$SCRIPT" ] || { echo "$ME: no SCRIPT given (usage: $ME [options] -- SCRIPT)" >&2; exit 2; }
[ -f "$SCRIPT" ] || { echo "$ME: SCRIPT '$SCRIPT' is not a file" >&2; exit 2; }
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || { echo "$ME: --timeout wants whole seconds" >&2; exit 2; }
[[ $SMP =~ ^[1-9][0-9]*$ ]] || { echo "$ME: --smp wants a number" >&2; exit 2; }
if [ -n "$LOG" ]; then
	mkdir -p "$(dirname "$LOG")"
	: >"$LOG" # one log per run
fi

for tool in qemu-system-x86_64 cpio gzip ldd tail sed tee; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (qemu-system-x86, cpio, gzip, libc-bin, coreutils)"
done

# fetch.sh writes STAMP last, so a STAMP means a complete cache. Skipping
# fetch.sh then saves its ~0.6 s apt-cache query per run and keeps L1's
# kernel fixed until someone asks for a newer one (NESTED_REFRESH=1).
if [ ! -s "$CACHE/STAMP" ] || [ "${NESTED_REFRESH:-0}" = 1 ]; then
	"$HERE/fetch.sh" "$CACHE" || die "fetch.sh $CACHE failed"
fi

# One TCG L1 at a time per cache, whoever starts it (tests, bench, make
# run): two on two host cores starve each other into soft lockups. The
# lock is held until this script exits; QEMU does not inherit it (9>&-),
# so a leftover QEMU cannot keep it.
if command -v flock >/dev/null 2>&1; then
	exec 8>"$CACHE/.l1.lock"
	flock 8
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/nested-run.XXXXXX")
QPID=
TPID=
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
	stop_qemu
	if [ -n "$TPID" ]; then kill "$TPID" 2>/dev/null || true; fi
	rm -rf "$TMP"
}
stop_qemu() {
	[ -n "$QPID" ] || return 0
	if kill -0 "$QPID" 2>/dev/null; then
		kill "$QPID" 2>/dev/null || true
		local n=0
		while kill -0 "$QPID" 2>/dev/null && ((n++ < 10)); do sleep 0.2; done
		kill -9 "$QPID" 2>/dev/null || true
	fi
	wait "$QPID" 2>/dev/null || true
	QPID=
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

# ---------------------------------------------------------------- initramfs
T0=$(now_ms)
pack() { # DIR: newc cpio of DIR's contents, root-owned, to stdout
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet)
}

# The initramfs is two concatenated cpio archives, which the kernel unpacks
# in turn:
#  - a per-run part (/init, SCRIPT, --file files), NOT compressed: L1 would
#    inflate it in emulated code, and gzip costs host time too; measured with
#    QEMU + its libraries (50 MB) as --files, plain cpio saved ~1-2 s a run.
#    It must come first: the kernel cannot find a plain cpio after a gzip one.
#  - a base part cached next to the kernel (busybox, its ~400 applet links,
#    the modules) as cpio + gzip -1; caching it saves ~0.5 s per run.
BASE=$CACHE/base.cpio.gz
BASE_ID="$(cat "$CACHE/STAMP") base-v2 uid$(id -u)"
if [ ! -s "$BASE" ] || [ "$(cat "$CACHE/base.stamp" 2>/dev/null)" != "$BASE_ID" ]; then
	B=$TMP/base
	mkdir -p "$B"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,work,harness,lib/harness}
	cp "$CACHE/busybox" "$B/bin/busybox"
	# Applet links made here, not by `busybox --install` in L1: that needs
	# /proc first and costs emulated time on every boot.
	while read -r applet; do
		[ -e "$B/$applet" ] || ln -s /bin/busybox "$B/$applet"
	done < <("$B/bin/busybox" --list-full)
	# modules/NN-name.ko: the glob order in /init is the load order.
	cp "$CACHE"/modules/*.ko "$B/lib/harness/"
	# The kernel opens /dev/console for init's stdio before /init runs;
	# without the node init starts with no stdio (/init reopens it after
	# mounting devtmpfs, so a non-root build, where mknod fails, still works).
	mknod "$B/dev/console" c 5 1 2>/dev/null || true
	pack "$B" | gzip -1 >"$TMP/base.cpio.gz" || die "building the base initramfs failed"
	mv "$TMP/base.cpio.gz" "$BASE" # atomic: concurrent runs see old or new
	echo "$BASE_ID" >"$CACHE/base.stamp"
	rm -rf "$B"
fi

ROOT=$TMP/root
mkdir -p "$ROOT"/{harness,work}
cp "$SCRIPT" "$ROOT/harness/test.sh"

# kvm_keeper (tools/nested/kvm_keeper.c): one idle VM for L1's whole life,
# so the tests' VMs never flip KVM's first-VM/last-VM state, whose kernel
# text patching is where L1 froze. Built static into the cache once per
# source change; NESTED_KEEPER=0 leaves it out (the boot bench measures
# both ways).
KEEPER=$CACHE/kvm_keeper
if [ "${NESTED_KEEPER:-1}" != 0 ]; then
	if [ ! -x "$KEEPER" ] || [ "$HERE/kvm_keeper.c" -nt "$KEEPER" ]; then
		cc -O2 -static -o "$TMP/kvm_keeper" "$HERE/kvm_keeper.c" &&
			mv "$TMP/kvm_keeper" "$KEEPER" ||
			msg "warning: kvm_keeper did not build; L1 runs without it"
	fi
	if [ -x "$KEEPER" ]; then cp "$KEEPER" "$ROOT/harness/kvm_keeper"; fi
fi

declare -A HAVE_LIB=()
copy_libs() { # ELF file (staged copy) -> its shared libraries into ROOT
	local f=$1 line lib real
	if command -v readelf >/dev/null 2>&1; then
		# Static binaries and guest kernels need nothing; never hand those
		# to ldd (old ldd versions would execute a static binary).
		readelf -d "$f" 2>/dev/null | grep -q '(NEEDED)' || return 0
	fi
	while IFS= read -r line; do
		case $line in
		*"=> not found"*) die "--file $f needs ${line%% *}, which ldd cannot find on the host" ;;
		*"=> /"*) lib=${line#*=> } ;;
		*/*) lib=${line#"${line%%/*}"} ;; # the dynamic loader: "/lib64/ld-... (0x..)"
		*) continue ;;                    # linux-vdso.so.1, statically linked
		esac
		lib=${lib%% (*}
		[ -z "${HAVE_LIB[$lib]:-}" ] || continue
		HAVE_LIB[$lib]=1
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib" # libs are symlinks on the host: copy the file
		# and at the file's own path too: the loader is /lib64/ld-linux...
		# for an exec, but a static vmm's dlopen (libslirp) finds it by
		# name in the library directories
		real=$(readlink -f "$lib")
		if [ "$real" != "$lib" ] && [ ! -e "$ROOT$real" ]; then
			mkdir -p "$ROOT$(dirname "$real")"
			cp "$real" "$ROOT$real"
		fi
	done < <(ldd "$f" 2>/dev/null || true)
}
is_elf() {
	local magic=
	LC_ALL=C IFS= read -r -n 4 -d '' magic <"$1" 2>/dev/null || true
	[ "$magic" = $'\x7fELF' ]
}

for spec in "${FILES[@]}"; do
	host=${spec%%:*}
	guest=
	if [ "$host" != "$spec" ]; then guest=${spec#*:}; fi
	[ -e "$host" ] || die "--file $host: no such file or directory"
	case $guest in
	"") guest=/work/$(basename "$host") ;;
	*/) guest=$guest$(basename "$host") ;;
	esac
	case $guest in /*) ;; *) guest=/work/$guest ;; esac
	mkdir -p "$ROOT$(dirname "$guest")"
	# -L: symlinks into the host tree would dangle in L1.
	cp -rL --preserve=mode "$host" "$ROOT$guest"
	while IFS= read -r -d '' f; do
		if is_elf "$f"; then copy_libs "$f"; fi
	done < <(find "$ROOT$guest" -type f -print0)
done

# L1's /init. Kept small: every command costs emulated time.
cat >"$ROOT/init" <<'EOF'
#!/bin/sh
# generated by tools/nested/run.sh
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
export PATH=/work:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp
finish() {
	echo "HARNESS rc=$1"
	# Let the UART drain: poweroff -f right away can drop the last line.
	sleep 0.2
	poweroff -f
}
nokvm() {
	echo "HARNESS-ERROR: no /dev/kvm: $*"
	grep -q -w svm /proc/cpuinfo || echo "HARNESS-ERROR: L1 CPU has no svm flag (need -cpu max or <model>,+svm)"
	dmesg | grep -i -E 'kvm|svm|ccp' | tail -n 20
	finish 97
}
for m in /lib/harness/*.ko; do
	out=$(insmod "$m" 2>&1) || nokvm "insmod $m failed: $out"
done
[ -c /dev/kvm ] || nokvm "modules loaded but /dev/kvm did not appear"
if [ -x /harness/kvm_keeper ]; then /harness/kvm_keeper & fi
# run.sh --fwd: QEMU's user network (10.0.2.0/24)
if [ -e /sys/class/net/eth0 ]; then
	ip link set lo up
	ip link set eth0 up
	ip addr add 10.0.2.15/24 dev eth0
	ip route add default via 10.0.2.2
fi
echo 64 >/proc/sys/vm/nr_hugepages
hp=$(cat /proc/sys/vm/nr_hugepages)
[ "$hp" -ge 64 ] || echo "harness: warning: only $hp of 64 2MiB hugepages reserved"
mkdir -p /dev/hugepages
mount -t hugetlbfs hugetlbfs /dev/hugepages
read -r up _ </proc/uptime
echo "harness: /dev/kvm ready at L1 uptime ${up}s; running test"
# A heartbeat on the console: a frozen L1 (seen under TCG nested SVM: the
# whole L1, timers included, stops, so no lockup line ever comes) is told
# apart from a slow test by its silence (run.sh SILENCE).
(while :; do echo "harness: alive"; sleep 20; done) &
cd /work
sh /harness/test.sh </dev/null
finish $?
EOF
chmod 755 "$ROOT/init" "$ROOT/harness/test.sh"

INITRD=$TMP/initrd.img
{ pack "$ROOT" && cat "$BASE"; } >"$INITRD" || die "building the initramfs failed"
rm -rf "$ROOT"
msg "initramfs $(($(stat -c %s "$INITRD") / 1024)) KiB built in $(($(now_ms) - T0)) ms ($(cat "$CACHE/STAMP"))"

# --------------------------------------------------------------------- boot
KERNEL=$CACHE/vmlinux # PVH entry: QEMU jumps straight into the ELF kernel
if [ "$BZIMAGE" = 1 ] || [ ! -s "$KERNEL" ]; then KERNEL=$CACHE/vmlinuz; fi
# If run.sh itself is SIGKILLed (e.g. by a test driver's timeout), no trap
# runs: have the kernel kill QEMU when its parent (this shell) dies.
DEATHSIG=()
if command -v setpriv >/dev/null 2>&1 && setpriv --pdeathsig KILL true 2>/dev/null; then
	DEATHSIG=(setpriv --pdeathsig KILL --)
fi
# shellcheck source=tools/nested/console.sh
. "$HERE/console.sh"

# frozen_cpus MONITOR_SOCKET: where each L1 vCPU is, from QEMU's monitor
# (halted or running, RIP, CPL, IF, CR3): the evidence for a frozen L1,
# printed with the hang (a vCPU spinning at one RIP with IF=0, or one in
# the L2 guest that never exits, tell different stories)
frozen_cpus() {
	command -v socat >/dev/null 2>&1 || { echo "(no socat: vCPU state not read)"; return; }
	printf 'info cpus\ninfo registers -a\n' | socat -t 2 - "UNIX-CONNECT:$1" 2>/dev/null |
		tr -d '\r' | awk '
			/^\* ?CPU #|^  CPU #/ { sub(/^[* ]+/, ""); print "cpus: " $0 }
			/^CPU#[0-9]+/ { cpu = $1 }
			/^RAX=/ { next }
			/^RIP=/ {
				rip = $1; efl = $2; cpl = ""; hlt = ""
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^CPL=/) cpl = $i
					if ($i ~ /^HLT=/) hlt = $i
				}
			}
			/^CR0=/ { printf "%s %s %s %s %s %s\n", cpu, rip, efl, cpl, hlt, $3 }' | head -n 16
}

# L1's NIC: none (no option ROM to scan, nothing to configure) unless --fwd
NIC=(-nic none)
if [ ${#FWDS[@]} -gt 0 ]; then
	IFS=, eval 'NIC=(-nic "user,model=virtio-net-pci,${FWDS[*]}")'
fi

# boot ATTEMPT -> sets RESULT (harness|hang|reset|corrupt|died) and HRC
boot() {
	local attempt=$1 raw=$TMP/console.$1 t0 now deadline hung_at='' harness_at='' qrc line
	local size=0 grew silent=
	grew=$(now_ms)
	RESULT=
	HRC=
	: >"$raw"
	t0=$(now_ms)
	deadline=$((t0 + TIMEOUT * 1000))
	${DEATHSIG[@]+"${DEATHSIG[@]}"} qemu-system-x86_64 -machine q35 -accel "tcg${NESTED_TCG_THREAD:+,thread=$NESTED_TCG_THREAD}" -cpu "$CPU" -smp "$SMP" -m "$MEM" \
		-kernel "$KERNEL" -initrd "$INITRD" \
		-append "console=ttyS0 quiet panic=-1" "${NIC[@]}" \
		-nographic -no-reboot -monitor "unix:$TMP/mon.$attempt,server=on,wait=off" \
		${QEMU_EXTRA[@]+"${QEMU_EXTRA[@]}"} </dev/null >"$raw" 2>&1 8>&- &
	QPID=$!
	# Stream the console to stdout and the log, minus the serial CRs and
	# SeaBIOS's terminal resets (ESC c clears the user's screen).
	tail -n +1 -s 0.2 --pid="$QPID" -f "$raw" |
		sed -u -e 's/\r$//' -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' |
		if [ -n "$LOG" ]; then tee -a "$LOG"; else cat; fi &
	TPID=$!

	while kill -0 "$QPID" 2>/dev/null; do
		now=$(now_ms)
		if [ -z "$harness_at" ]; then
			if HRC=$(harness_rc "$raw"); then
				harness_at=$now
				deadline=$((now + POWEROFF_GRACE * 1000))
			elif [ -z "$hung_at" ] && grep -a -q -E "$HANG_RE" "$raw"; then
				hung_at=$now
				((deadline > now + HANG_GRACE * 1000)) && deadline=$((now + HANG_GRACE * 1000))
			fi
			# frozen: the heartbeat started and then the console went quiet
			local sz
			sz=$(stat -c %s "$raw")
			if ((sz != size)); then
				size=$sz
				grew=$now
			elif grep -a -q 'harness: alive' "$raw" && ((now - grew > SILENCE * 1000)); then
				silent=$(((now - grew) / 1000))
				FROZEN_CPUS=$(frozen_cpus "$TMP/mon.$attempt")
				break
			fi
		fi
		((now < deadline)) || break
		sleep 0.2
	done
	if kill -0 "$QPID" 2>/dev/null; then
		[ -n "$harness_at" ] && msg "L1 printed HARNESS but did not power off; killing QEMU"
		stop_qemu
		qrc=killed
	else
		qrc=0
		wait "$QPID" || qrc=$?
		QPID=
	fi
	wait "$TPID" 2>/dev/null || true
	TPID=

	# Re-check: the line may have landed between the last poll and exit.
	if [ -z "$harness_at" ] && HRC=$(harness_rc "$raw"); then
		harness_at=$(now_ms)
	fi
	if [ -n "$harness_at" ]; then
		RESULT=harness
		msg "attempt $attempt: HARNESS rc=$HRC after $(((harness_at - t0) / 1000)).$((((harness_at - t0) % 1000) / 100)) s (QEMU start to HARNESS line, -cpu $CPU -smp $SMP -m $MEM, $(basename "$KERNEL"))"
		return
	fi
	local sigs
	sigs=$(grep -a -E "$HANG_RE" "$raw" | sed 's/\r$//' | head -n 5 || true)
	if [ "$qrc" = killed ] || [ -n "$sigs" ]; then
		RESULT=hang
		now=$(now_ms)
		msg "L1 hang (no HARNESS line within $(((now - t0) / 1000)) s) on attempt $attempt"
		if [ -n "$silent" ]; then
			msg "the L1 console (heartbeat every 20 s) was silent for $silent s: L1 froze"
			[ -n "${FROZEN_CPUS:-}" ] && printf '%s\n' "$FROZEN_CPUS" | sed "s/^/$ME: frozen L1: /"
		elif [ -n "$sigs" ]; then
			msg "kernel reported:"
			while IFS= read -r line; do msg "  $line"; done <<<"$sigs"
		else
			msg "no lockup/stall lines from the kernel: the test may just be slow (raise --timeout)"
		fi
	else
		local end
		end=$(l1_end "$raw" "$qrc")
		case $end in
		reset)
			RESULT=reset
			msg "L1 reset itself during the test (QEMU exit status 0, no panic, no HARNESS line) on attempt $attempt"
			;;
		corrupt*)
			RESULT=corrupt
			msg "L1 panicked on its own kernel memory overwritten during the test on attempt $attempt:"
			msg "  ${end#corrupt }"
			;;
		*)
			RESULT=died
			msg "L1 exited without a HARNESS line (QEMU exit status $qrc): see the console above"
			if [ -n "${end#died}" ]; then msg " ${end#died}"; fi
			;;
		esac
	fi
}
attempt=1
boot 1
while case $RESULT in hang | reset | corrupt) true ;; *) false ;; esac && ((attempt < ATTEMPTS)); do
	attempt=$((attempt + 1))
	msg "retrying the boot (attempt $attempt of $ATTEMPTS) after the L1 $RESULT"
	boot "$attempt"
done

case $RESULT in
harness)
	if [ "$HRC" = 97 ] && grep -a -q '^HARNESS-ERROR' "$TMP"/console.*; then
		msg "L1 failed to bring up /dev/kvm:"
		grep -a -h '^HARNESS-ERROR' "$TMP"/console.* | sed 's/\r$//' | awk '!seen[$0]++' | while IFS= read -r line; do msg "  $line"; done
	fi
	exit "$HRC"
	;;
hang)
	msg "L1 hung on all $ATTEMPTS attempts: giving up"
	exit 124
	;;
reset | corrupt)
	msg "L1 ended in a $RESULT on all $ATTEMPTS attempts: giving up"
	exit 125
	;;
*)
	exit 125
	;;
esac
