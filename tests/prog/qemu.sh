#!/bin/sh
# tests/prog/qemu.sh IMAGE EXAMPLES WORKDIR [KPERF] - the same static Linux program
# natively on this host and on the PC platform (QEMU TCG, no vmm):
# `qemu -kernel guest.elf -initrd files.cpio -append "quiet app=/prog ARGS"`
# loads it from the initrd through the vfs (docs/programs.md). The serial
# output must be the native output byte for byte and the kernel's exit
# code (isa-debug-exit) the native exit status. Also: words after app= that
# look like kernel options stay the program's, a missing path is one clear
# line and exit 2, a fatal fault names the program's own function; with
# KPERF, a program profiled with perf=timer: kperf report -p names its hot
# function and --sort task its thread.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tools/lib.sh"
image=$1
ex=$2
work=$3
kperf=${4:-}
rm -rf "$work"
mkdir -p "$work/tree/bin"
for f in "$ex"/*.musl "$ex"/*.glibc; do
	[ -x "$f" ] && cp "$f" "$work/tree/bin/"
done
[ -x "$work/tree/bin/hello.glibc" ] || {
	t_skip prog-qemu "no examples in $ex (build the examples target)"
	t_done
}
(cd "$work/tree" && find . | LC_ALL=C sort | cpio -o -H newc --quiet >"$work/files.cpio") || {
	t_fail prog-qemu-cpio "cpio could not pack $work/tree"
	t_done
}

# boot NAME CMDLINE: the serial output (qemu_run's first log line is the
# QEMU command) in $work/NAME.out, the guest's exit code in $brc
boot() {
	python3 "$here/tools/qemu_run.py" --image "$image" --smp 2 --timeout 120 --expect none \
		--expect-exit any --qemu-arg=-initrd --qemu-arg="$work/files.cpio" --cmdline "$2" \
		--log "$work/$1.log" >"$work/$1.run" 2>&1
	brc=$(sed -n 's/^qemu_run: PASS guest exit code \([0-9]*\).*/\1/p' "$work/$1.run")
	[ -n "$brc" ] || brc="none ($(tail -1 "$work/$1.run"))"
	sed 1d "$work/$1.log" >"$work/$1.out"
}

# same NAME CMDLINE-ARGS -- NATIVE ARGV...: QEMU and the host agree
same() {
	name=$1 args=$2
	shift 3
	prog=$1
	shift
	# natively from the same tree, with the same (empty) environment
	(cd "$work/tree" && env -i ".$prog" "$@" </dev/null >"$work/$name.native" 2>&1)
	want=$?
	boot "$name" "quiet app=$args"
	why=""
	[ "$brc" = "$want" ] || why="exit $brc, natively $want"
	if [ -z "$why" ] && ! cmp -s "$work/$name.native" "$work/$name.out"; then
		why="output differs (native vs QEMU):"
		diff "$work/$name.native" "$work/$name.out" | head -20 | sed 's/^/  /'
	fi
	if [ -z "$why" ]; then
		t_pass "$name" "exit $want"
	else
		t_fail "$name: $why"
		tail -20 "$work/$name.out" | sed 's/^/  | /'
	fi
}

for libc in musl glibc; do
	[ -x "$work/tree/bin/hello.$libc" ] || {
		t_skip "prog-qemu-$libc" "hello.$libc not built (musl-tools missing?)"
		continue
	}
	# argv as the kernel splits it: a quoted word keeps its blank
	same "hello-$libc" "/bin/hello.$libc a \"b c\"" -- /bin/hello.$libc a "b c"
	# exit 3 (hello exits with its argument count)
	same "exit3-$libc" "/bin/hello.$libc x y z" -- /bin/hello.$libc x y z
	# threads on both CPUs
	same "psum-$libc" "/bin/psum.$libc 2" -- /bin/psum.$libc 2
done
# words after app= are the program's even when they look like the kernel's
# options: run=, quiet and a second app= reach argv, no "unknown option"
same hello-kernel-words "/bin/hello.glibc run=tests quiet app=/x" -- \
	/bin/hello.glibc run=tests quiet app=/x
grep -q "unknown command-line option" "$work/hello-kernel-words.out" &&
	t_fail hello-kernel-words-warn "the program's words were taken for kernel options"

# refused NAME CMDLINE REGEX: one line naming the path, exit 2 (bad
# command line)
refused() {
	boot "$1" "$2"
	if [ "$brc" = 2 ] && grep -q "$3" "$work/$1.out"; then
		t_pass "prog-$1"
	else
		t_fail "prog-$1" "exit $brc; output:"
		tail -5 "$work/$1.out" | sed 's/^/  | /'
	fi
}
refused missing "quiet app=/bin/nosuch arg" '^linux: app=/bin/nosuch: no such file'
refused directory "quiet app=/bin" '^linux: app=/bin: is a directory'
# app= with no run= runs it (make iso APP= writes no run=); a fatal fault
# prints the program's own function and exits 128 + SIGSEGV. isa-debug-exit
# carries only 139 & 127 = 11 (QEMU's status is (code << 1) | 1, 8 bits):
# the whole code comes from the kernel's "exit" blob, which qemu_run.py
# takes out of the output
boot segv "app=/bin/segv.glibc"
if [ "$brc" = 139 ] && grep -q 'killed by SIGSEGV (exit 139)' "$work/segv.out" &&
	grep -q 'crash_here+0x' "$work/segv.out" && ! grep -q '^PKBLOB' "$work/segv.out"; then
	t_pass prog-segv "exit 139"
else
	t_fail prog-segv "exit $brc (wanted 139, no PKBLOB line left); output:"
	tail -20 "$work/segv.out" | sed 's/^/  | /'
fi
# abort(): 128 + SIGABRT, quiet (the blob is printed all the same)
boot abort "quiet app=/bin/segv.musl abort"
if [ "$brc" = 134 ] && ! grep -q '^PKBLOB' "$work/abort.out"; then
	t_pass prog-abort "exit 134"
else
	t_fail prog-abort "exit $brc (wanted 134, no PKBLOB line left); output:"
	tail -20 "$work/abort.out" | sed 's/^/  | /'
fi
# profiling a program: the guest's timer samples go out as serial blobs
if [ -n "$kperf" ] && [ -x "$work/tree/bin/psum.musl" ]; then
	boot perf "perf=timer:1000 app=/bin/psum.musl 3"
	"$kperf" report -i "$work/perf.log" -k "$image" -p "$work/tree/bin/psum.musl" \
		>"$work/perf.sym" 2>&1
	"$kperf" report -i "$work/perf.log" -k "$image" -p "$work/tree/bin/psum.musl" \
		--sort task >"$work/perf.task" 2>&1
	# psum's threads spend their time in work(), named from the program
	if [ "$brc" = 0 ] && grep -qE '^ +[0-9.]+% +[0-9]+  work$' "$work/perf.sym" &&
		grep -qE '^ +[0-9.]+% +[0-9]+  prog	work$' "$work/perf.task"; then
		t_pass prog-perf "$(grep -E '  work$' "$work/perf.sym" | head -1 | tr -s ' ')"
	else
		t_fail prog-perf "exit $brc; no work / prog<TAB>work rows:"
		head -8 "$work/perf.sym" "$work/perf.task" | sed 's/^/  | /'
	fi
else
	t_skip prog-perf "no kperf given or psum.musl not built"
fi
t_done
