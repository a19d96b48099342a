#!/bin/sh
# tests/vmm/programs.sh - static Linux programs under the vmm (issue 14),
# one nested-KVM L1 boot for every check (tools/nested/run.sh copies vmm,
# guest.elf, lib.sh and the examples here). Each example runs natively in
# L1 and under `vmm PROGRAM ARGS...`; its exit status must be the same and
# its output must be the same bytes (the vmm boots the kernel quietly for
# a program).
set -u
. ./lib.sh
out=/tmp/prog-vmm.out
nat=/tmp/prog-native.out

# same NAME PROGRAM ARGS...: native and vmm agree
same() {
	name=$1
	shift
	"./$@" </dev/null >"$nat" 2>&1
	want=$?
	t_vmm 110 "$out" ./vmm --timeout 90 -c 2 -m 256M --env GREETING=perfkern "./$@"
	why=""
	[ "$rc" -eq "$want" ] || why="exit $rc, natively $want"
	if [ -z "$why" ] && ! cmp -s "$nat" "$out"; then
		why="output differs (native vs vmm):"
		diff "$nat" "$out" | head -20 | sed 's/^/  /'
	fi
	if [ -z "$why" ]; then
		t_pass "$name"
	else
		t_fail "$name: $why; vmm output:"
		sed 's/^/  | /' "$out" | tail -40
	fi
}

# vmm NAME WANT_RC REGEX -- ARGS...: the vmm alone
vmm_check() {
	name=$1 wantrc=$2 pat=$3
	shift 4
	t_vmm 110 "$out" ./vmm --timeout 90 "$@"
	if [ "$rc" -eq "$wantrc" ] && grep -qE -- "$pat" "$out"; then
		t_pass "$name"
	else
		t_fail "$name: exit $rc (wanted $wantrc), /$pat/ $(grep -cE -- "$pat" "$out") times; output:"
		sed 's/^/  | /' "$out" | tail -40
	fi
}

export GREETING=perfkern
for libc in musl glibc; do
	[ -x "hello.$libc" ] || {
		t_skip "$libc examples: not built (musl-tools missing?)"
		continue
	}
	same "hello-$libc" "hello.$libc" one "two words" three
	same "psum-$libc-2" "psum.$libc" 2
	# main + 3 threads: the most 2 CPUs take (two per CPU)
	same "psum-$libc-3" "psum.$libc" 3
	same "pingpong-$libc" "pingpong.$libc"
	# files through --share: wordcount reads the examples' own binaries
	# (L1's working directory) and writes its report into the share; the
	# report, on stdout and in the host file, matches the native run's
	mkdir -p /tmp/wc-share && rm -f /tmp/wc-share/* && cp "hello.$libc" "psum.$libc" /tmp/wc-share/
	w=$PWD/wordcount.$libc
	(cd /tmp/wc-share && "$w" "hello.$libc" "psum.$libc") >/tmp/wc-native.txt 2>&1
	sed "s# hello# /ex/hello#; s# psum# /ex/psum#" /tmp/wc-native.txt >/tmp/wc-want.txt
	t_vmm 110 "$out" ./vmm --timeout 90 -c 2 -m 256M --share /tmp/wc-share:/ex \
		"./wordcount.$libc" -o /ex/wc.txt "/ex/hello.$libc" "/ex/psum.$libc"
	if [ "$rc" -eq 0 ] && cmp -s /tmp/wc-want.txt "$out" && cmp -s /tmp/wc-want.txt /tmp/wc-share/wc.txt; then
		t_pass "wordcount-share-$libc ($(tail -n 1 "$out" | tr -s ' '))"
	else
		t_fail "wordcount-share-$libc: exit $rc; wanted, got, written:"
		sed 's/^/  want | /' /tmp/wc-want.txt
		sed 's/^/  got  | /' "$out" | tail -10
		sed 's/^/  file | /' /tmp/wc-share/wc.txt 2>/dev/null | tail -5
	fi
	# a read-only share refuses the report: EROFS, exit 1, nothing written
	rm -f /tmp/wc-share/wc.txt
	vmm_check "wordcount-ro-share-$libc" 1 'wc.txt: Read-only file system' -- -c 2 -m 256M \
		--share /tmp/wc-share:/ex:ro "./wordcount.$libc" -o /ex/wc.txt "/ex/hello.$libc"
	[ ! -e /tmp/wc-share/wc.txt ] || t_fail "wordcount-ro-share-$libc: wc.txt was created"
	# 64-byte reads from a share: the read-ahead window serves them (a
	# hypercall per 64 KiB, not per read: 16384 reads of 1 MiB), and
	# reads see the program's own write, truncation and append through
	# another fd at once; output as natively
	mkdir -p /tmp/sr-share && dd if=/dev/urandom of=/tmp/sr-share/data bs=65536 count=16 2>/dev/null
	"./shareread.$libc" /tmp/sr-share/data >/tmp/sr-native.txt 2>&1
	t_vmm 110 "$out" ./vmm --timeout 90 --stats -c 2 -m 256M --share /tmp/sr-share:/sr \
		"./shareread.$libc" /sr/data
	hc=$(grep -o 'hypercalls [0-9]*' "$out" | awk '{s += $2} END {print s + 0}')
	if [ "$rc" -eq 0 ] && [ "$(grep '^shareread' "$out")" = "$(cat /tmp/sr-native.txt)" ] &&
		[ "$hc" -gt 0 ] && [ "$hc" -lt 2000 ]; then
		t_pass "shareread-$libc: 16384 reads of 64 B, $hc hypercalls in all"
	else
		t_fail "shareread-$libc: exit $rc, $hc hypercalls (wanted < 2000); native, vmm:"
		sed 's/^/  native | /' /tmp/sr-native.txt
		sed 's/^/  vmm    | /' "$out" | tail -12
	fi
	cp /tmp/sr-share/data /tmp/sr-share/w && "./shareread.$libc" -w /tmp/sr-share/w >/tmp/sr-native.txt 2>&1
	cp /tmp/sr-share/data /tmp/sr-share/w
	vmm_check "shareread-writes-$libc" 0 'append: the new bytes are read: ok' -- -c 2 -m 256M \
		--share /tmp/sr-share:/sr "./shareread.$libc" -w /sr/w
	cmp -s /tmp/sr-native.txt "$out" || {
		t_fail "shareread-writes-$libc: output differs from the native run:"
		diff /tmp/sr-native.txt "$out" | head -10 | sed 's/^/  /'
	}
	vmm_check "hostile-$libc" 0 '^hostile: all refused cleanly' -- -c 2 -m 256M "./hostile.$libc"
	# a buffer unmapped by main while a thread's pipe read/write uses it
	grep -q '^read into a buffer unmapped meanwhile: ok' "$out" &&
		grep -q '^write from a buffer unmapped meanwhile: ok' "$out" ||
		t_fail "hostile-$libc: unmap during a call: $(grep meanwhile "$out")"
	# the native API table (include/perfkern/perfkern.h) from auxv
	# (spawn/await: a task pinned on each CPU, as many on any, one that
	# spawns its own; a CPU past the last is refused)
	vmm_check "native-$libc" 0 \
		'^native: spawn 4 tasks, await sum right, pinned right, tls right, nested right, cpu 2 refused$' \
		-- -c 2 -m 256M "./native.$libc"
	grep -q '^native: parallel_for rc 0, sum right' "$out" || t_fail "native-$libc: parallel_for"
	grep -q '^native: channel 1000 items, sum right' "$out" || t_fail "native-$libc: channel"
	# a fatal fault: 128 + SIGSEGV, the program's own symbol in the dump
	vmm_check "segv-$libc" 139 'crash_here\+0x' -- -c 1 -m 128M "./segv.$libc"
	grep -q "killed by SIGSEGV (exit 139)" "$out" || t_fail "segv-$libc: no 'killed by SIGSEGV' line"
	vmm_check "abort-$libc" 134 'killed by signal 6 \(exit 134\)' -- -c 1 -m 128M \
		"./segv.$libc" abort
	vmm_check "strace-$libc" 3 '\] (write|writev)\(1, ' -- --strace -c 1 -m 128M \
		"./hello.$libc" a b c
done
# a static-PIE (glibc's -static-pie), moved to the kernel's base
same hello-static-pie hello.pie pie "arg two"
# profiling a program: perf=timer in the guest, its records reach --perf
# before the vmm exits with the program's status
if [ -x psum.musl ]; then
	rm -f /tmp/prog.perf
	vmm_check perf-records 0 'with 2 threads = .* \(right\)' -- -c 2 -m 256M --perf /tmp/prog.perf \
		--perf-freq 0 --kernel-cmdline perf=timer:1000 ./psum.musl 2
	sz=$(wc -c </tmp/prog.perf 2>/dev/null || echo 0)
	if [ "$sz" -gt 2000 ]; then
		t_pass "perf-records-file: $sz bytes"
	else
		t_fail "perf-records-file: --perf holds $sz bytes, wanted the guest's samples"
	fi
	# kperf -p: psum's hot function by name, its threads by task name
	if [ -x ./kperf ]; then
		./kperf report -i /tmp/prog.perf -k ./guest.elf -p ./psum.musl >/tmp/prog.rep 2>&1
		./kperf report -i /tmp/prog.perf -k ./guest.elf -p ./psum.musl --sort task \
			>/tmp/prog.task 2>&1
		if grep -qE '^ +[0-9.]+% +[0-9]+  work$' /tmp/prog.rep &&
			grep -qE '^ +[0-9.]+% +[0-9]+  prog	work$' /tmp/prog.task; then
			t_pass "perf-program-symbols: $(grep -E '  work$' /tmp/prog.rep | tr -s ' ')"
		else
			t_fail "perf-program-symbols: no work / prog<TAB>work rows:"
			head -8 /tmp/prog.rep /tmp/prog.task | sed 's/^/  | /'
		fi
		# the recording names psum (its .text hash): another -p is refused
		./kperf report -i /tmp/prog.perf -k ./guest.elf -p ./hello.musl >/tmp/prog.wrong 2>&1
		krc=$?
		if [ "$krc" -eq 1 ] && grep -q 'hello.musl is not the program that was recorded' /tmp/prog.wrong; then
			t_pass "perf-program-identity: another -p refused"
		else
			t_fail "perf-program-identity: kperf -p hello.musl on psum's recording: exit $krc:"
			head -5 /tmp/prog.wrong | sed 's/^/  | /'
		fi
	else
		t_skip "perf-program-symbols: no kperf in the initramfs"
	fi
fi
# kperf markers from the native API: in the recording, named by task
if [ -x native.musl ] && [ -x ./kperf ]; then
	rm -f /tmp/native.perf
	vmm_check native-markers-run 0 '^native: spawn .* nested right' -- -c 2 -m 256M \
		--perf /tmp/native.perf --perf-freq 0 --kernel-cmdline perf=timer:1000 ./native.musl
	./kperf report -i /tmp/native.perf -k ./guest.elf -p ./native.musl >/tmp/native.rep 2>&1
	if grep -qE '^# marker +[0-9.]+  cpu [0-9]+  prog  spawn-begin$' /tmp/native.rep &&
		grep -qE '^# marker +[0-9.]+  cpu [0-9]+  prog  spawn-end$' /tmp/native.rep; then
		t_pass "native-markers: $(grep -c '^# marker ' /tmp/native.rep) in kperf report"
	else
		t_fail "native-markers: no spawn-begin/spawn-end rows:"
		grep '^#' /tmp/native.rep | head -12 | sed 's/^/  | /'
	fi
fi
# busybox-static: a program nobody here wrote
if [ -x ./busybox ]; then
	same busybox-true busybox true
	same busybox-false busybox false
	same busybox-echo busybox echo perfkern runs busybox
	# stdin is empty under the vmm: the digest and counts of nothing
	same busybox-sha256sum busybox sha256sum
	same busybox-wc busybox wc
else
	t_skip "busybox: not in the initramfs"
fi
# kperf: a dynamically linked host program (the vmm itself is static-pie)
vmm_check dynamic-refused 2 'dynamically linked: link it with -static' -- ./kperf
t_done
