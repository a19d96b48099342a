#!/bin/sh
# tests/vmm/sandbox.sh - the vmm's confinement, attacked for real inside the
# nested-KVM L1; sourced by suite.sh (same pass/fail counters and `check`).
# docs/vmm-security.md describes what is checked here:
#   every thread of a running vmm has Seccomp 2 and NoNewPrivs 1,
#   a syscall outside the allow-list is named and exits 126,
#   --no-sandbox really turns it off, --user drops to another uid,
#   Landlock keeps a vCPU thread's opens beneath the registered directories,
#   --out refuses planted symlinks/FIFOs and stops at its caps.


# sb_wait_threads PID N: until the vmm has N threads (or 20 s)
sb_wait_threads() {
	i=0
	while [ "$(ls /proc/"$1"/task 2>/dev/null | wc -l)" -lt "$2" ] && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.5 # the last thread started: let it reach its filter
}

# sb_status NAME PID WANT_SECCOMP WANT_NNP MIN_THREADS: every task's status
sb_status() {
	bad=""
	n=0
	for t in /proc/"$2"/task/*; do
		n=$((n + 1))
		s=$(awk '/^Seccomp:/ {print $2}' "$t/status")
		p=$(awk '/^NoNewPrivs:/ {print $2}' "$t/status")
		c=$(cat "$t/comm")
		[ "$s" = "$3" ] && [ "$p" = "$4" ] || bad="$bad ${t##*/}($c):Seccomp=$s,NoNewPrivs=$p"
	done
	if [ -z "$bad" ] && [ "$n" -ge "$5" ]; then
		t_pass "$1 ($n threads: Seccomp $3, NoNewPrivs $4)"
	else
		t_fail "$1: $n threads (want >= $5), wrong:$bad"
	fi
}

# every role at once: main, 2 vCPUs, the perf timer, the monitor
rm -f /tmp/sb-mon.sock
./vmm -c 2 -m 64M --perf /tmp/sb.pkperf --perf-freq 100 --monitor /tmp/sb-mon.sock \
	guest.elf -- run=spin >/tmp/sb-run.out 2>&1 &
pid=$!
sb_wait_threads "$pid" 5
sb_status sandbox-seccomp-every-thread "$pid" 2 1 5
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" -eq 125 ] && grep -q 'vmm: perf: ' /tmp/sb-run.out; then
	t_pass "sandbox-sigterm-perf-written"
else
	t_fail "sandbox-sigterm-perf-written: exit $rc, wanted 125 and the perf file written"
	sed 's/^/  | /' /tmp/sb-run.out | tail -10
fi

./vmm --no-sandbox -c 2 -m 64M guest.elf -- run=spin >/tmp/sb-run.out 2>&1 &
pid=$!
sb_wait_threads "$pid" 3
sb_status sandbox-off-with-no-sandbox "$pid" 0 0 3
kill -TERM "$pid"
wait "$pid"

# a syscall no role allows, from the main thread and from vCPU 0
check sandbox-forbidden-main 126 \
	'vmm: sandbox: the main thread made system call 110 \(getppid\), which its seccomp allow-list forbids' \
	-- --sandbox-selftest=forbidden-syscall --timeout 20 -c 1 -m 64M guest.elf -- run=spin
check sandbox-forbidden-vcpu 126 \
	'vmm: sandbox: the vCPU thread made system call 110 \(getppid\)' \
	-- --sandbox-selftest=forbidden-vcpu --timeout 20 -c 1 -m 64M guest.elf -- run=spin
# Landlock: a vCPU thread's openat (seccomp allows it, for --out) still
# cannot reach a file outside the registered directories
./vmm -v --sandbox-selftest=landlock --timeout 20 -c 1 -m 64M guest.elf -- run=probe \
	>/tmp/sb-ll.out 2>&1
if grep -q 'no Landlock in this kernel' /tmp/sb-ll.out; then
	t_skip sandbox-landlock "L1's kernel has no Landlock"
elif grep -q 'open /etc/passwd from the vCPU thread: Permission denied' /tmp/sb-ll.out &&
	grep -q 'Landlock ABI [0-9]*: file access only beneath 0 registered directories' /tmp/sb-ll.out; then
	t_pass sandbox-landlock
else
	t_fail sandbox-landlock "the vCPU thread opened /etc/passwd:"
	sed 's/^/  | /' /tmp/sb-ll.out | grep -v '^  | perfkern\|^  | cpu\|^  | mm\|^  | tsc' | head -8
fi
# and the same self-test without the sandbox is simply allowed
check sandbox-selftest-unconfined 124 'getppid\(\) was allowed' \
	-- --no-sandbox --sandbox-selftest=forbidden-syscall --timeout 2 -c 1 -m 64M guest.elf \
	-- run=spin

# --user: the uid/gid after setup, and the guest still runs
./vmm --user 65534:65534 -c 1 -m 64M guest.elf -- run=spin >/tmp/sb-run.out 2>&1 &
pid=$!
sb_wait_threads "$pid" 2
ids=$(awk '/^Uid:/ {u=$2$3$4$5} /^Gid:/ {g=$2$3$4$5} END {print u "/" g}' /proc/"$pid"/status)
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$ids" = "65534655346553465534/65534655346553465534" ] && [ "$rc" -eq 125 ]; then
	t_pass "sandbox-user-drop (uid/gid 65534, exit $rc)"
else
	t_fail "sandbox-user-drop: ids $ids, exit $rc; output:"
	sed 's/^/  | /' /tmp/sb-run.out | tail -10
fi

# --out: a planted symlink is not followed; the guest's code comes through
# (run=result exits 1 when a write fails), the other file is written
rm -rf /tmp/sbo && mkdir -p /tmp/sbo/out
echo precious >/tmp/sbo/victim
ln -s ../victim /tmp/sbo/out/hello.txt
check out-symlink-refused 1 'vmm: --out /tmp/sbo/out: hello.txt: a symlink, not followed' \
	-- --timeout 60 --out /tmp/sbo/out -c 1 -m 64M guest.elf -- run=result
if [ "$(cat /tmp/sbo/victim)" = precious ] && [ "$(wc -c </tmp/sbo/out/pattern.bin)" -eq 1000 ]; then
	t_pass "out-symlink-victim-untouched"
else
	t_fail "out-symlink-victim-untouched: victim '$(cat /tmp/sbo/victim)'"
fi
# a FIFO: refused, and no hang (--timeout would say 124)
rm -rf /tmp/sbo/out && mkdir -p /tmp/sbo/out
mkfifo /tmp/sbo/out/hello.txt
check out-fifo-refused 1 'vmm: --out /tmp/sbo/out: hello.txt: a FIFO' \
	-- --timeout 60 --out /tmp/sbo/out -c 1 -m 64M guest.elf -- run=result
# a hard link to a file elsewhere is neither written nor truncated
rm -rf /tmp/sbo/out && mkdir -p /tmp/sbo/out
ln /tmp/sbo/victim /tmp/sbo/out/hello.txt
check out-hardlink-refused 1 'hello.txt: has other hard links, not replaced' \
	-- --timeout 60 --out /tmp/sbo/out -c 1 -m 64M guest.elf -- run=result
if [ "$(cat /tmp/sbo/victim)" = precious ]; then
	t_pass "out-hardlink-victim-untouched"
else
	t_fail "out-hardlink-victim-untouched: victim '$(cat /tmp/sbo/victim)'"
fi
# the caps: run=result writes hello.txt (21 bytes) then pattern.bin (1000)
rm -rf /tmp/sbo/out && mkdir -p /tmp/sbo/out
check out-file-cap 1 'pattern.bin: file count cap reached \(--out-max-files\)' \
	-- --timeout 60 --out-max-files 1 --out /tmp/sbo/out -c 1 -m 64M guest.elf -- run=result
[ -e /tmp/sbo/out/pattern.bin ] && t_fail "out-file-cap-not-created" || t_pass "out-file-cap-not-created"
check out-byte-cap 1 'pattern.bin: byte cap reached \(--out-max-bytes\)' \
	-- --timeout 60 --out-max-bytes 500 --out /tmp/sbo/out -c 1 -m 64M guest.elf -- run=result
check out-not-a-directory 2 'vmm: --out /tmp/sbo/victim: not a directory' \
	-- --out /tmp/sbo/victim -c 1 -m 64M guest.elf -- run=result
