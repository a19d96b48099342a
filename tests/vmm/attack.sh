#!/bin/sh
# tests/vmm/attack.sh - sourced by suite.sh (its pass/fail counters): the
# raw attack guest (tests/vmm/raw/attack.c, no perfkern kernel code) races
# every hypercall's request from a second vCPU while the first makes calls.
# Each check fails on a vmm that checks one read of guest RAM and uses
# another, lets guest bytes drive the terminal, or lets the guest pose as
# the vmm with a reserved exit code. ATTACK_VMM picks the vmm (./vmm),
# ATTACK_MS the time each race runs (2000 ms of guest time).
atk_vmm=${ATTACK_VMM:-./vmm}
atk_ms=${ATTACK_MS:-2000}
atk_dir=/tmp/atk
atk_out=$atk_dir/a/b/out # "../../PWNED-AAAA" would land in $atk_dir/a

# atk_run MODE [vmm options]: a fresh --out tree, the raw guest on 2 vCPUs
atk_run() {
	atk_mode=$1
	shift
	rm -rf "$atk_dir"
	mkdir -p "$atk_out"
	t_vmm_io "$atk_dir/stdout" "$atk_dir/stderr" "$atk_vmm" -c 2 -m 32M --timeout 60 \
		--out "$atk_out" "$@" ./raw_attack.elf -- "attack=$atk_mode" "ms=$atk_ms"
	atk_rc=$rc
}

# atk_fs_run MODE [vmm options]: atk_run with a share planted the way a
# hostile guest would like it (tests/vmm/raw/attack.c, the fs modes):
# aaaaaaaaaaaa.txt (one pattern line), symlinks abs -> /etc, up ->
# ../secret, proc -> /proc, a FIFO; shared read-write at /rw and read-only
# at /ro. $atk_dir/secret is outside the share.
atk_share=$atk_dir/share
atk_fs_run() {
	atk_mode=$1
	shift
	rm -rf "$atk_dir"
	mkdir -p "$atk_out" "$atk_share/sub"
	printf 'PKGUESTPATTERN.\n' >"$atk_share/aaaaaaaaaaaa.txt"
	printf 'SECRET-SECRET-S\n' >"$atk_dir/secret"
	ln -s /etc "$atk_share/abs"
	ln -s ../secret "$atk_share/up"
	ln -s /proc "$atk_share/proc"
	mkfifo "$atk_share/fifo"
	t_vmm_io "$atk_dir/stdout" "$atk_dir/stderr" "$atk_vmm" -c 2 -m 32M --timeout 60 \
		--out "$atk_out" --share "$atk_share:/rw" --share "$atk_share:/ro:ro" "$@" \
		./raw_attack.elf -- "attack=$atk_mode" "ms=$atk_ms"
	atk_rc=$rc
}

# atk_fs_intact: the share's file and the secret outside it as planted
atk_fs_intact() {
	[ "$(cat "$atk_share/aaaaaaaaaaaa.txt")" = "PKGUESTPATTERN." ] ||
		atk_why="${atk_why:+$atk_why; }the read-only share's file changed"
	[ "$(cat "$atk_dir/secret")" = "SECRET-SECRET-S" ] ||
		atk_why="${atk_why:+$atk_why; }the file outside the share changed"
	! grep -aq SECRET "$atk_dir/stdout" ||
		atk_why="${atk_why:+$atk_why; }the guest read the file outside the share"
}

# control bytes (C0 but \t \n \r, and DEL) in FILE: a terminal would act on them
atk_ctl() {
	LC_ALL=C tr -d '\n\t\r -~\200-\377' <"$1" | wc -c
}

# atk_judge WANT_RC: what every attack must leave behind; sets atk_why
atk_judge() {
	atk_why=""
	[ "$atk_rc" -eq "$1" ] || atk_why="exit $atk_rc, wanted $1"
	pwned=$(find /tmp -name 'PWNED*' 2>/dev/null | head -1)
	[ -z "$pwned" ] || atk_why="${atk_why:+$atk_why; }$pwned was created outside --out"
	# stdout: the pattern lines the guest pointed at and its own messages
	bad=$(LC_ALL=C grep -avcE '^(PKGUESTPATTERN\.|(attack|escape|com1|fs-escapes):? .*)$' "$atk_dir/stdout")
	[ "$bad" -eq 0 ] ||
		atk_why="${atk_why:+$atk_why; }$bad stdout lines hold bytes the guest did not write"
	[ "$(atk_ctl "$atk_dir/stdout")" -eq 0 ] ||
		atk_why="${atk_why:+$atk_why; }raw control bytes on stdout"
	# --out: every file is one pattern line (the 16 bytes the guest pointed
	# at), so N files hold 16 * N bytes, all of them pattern lines
	nf=$(find "$atk_out" -type f | wc -l)
	if [ "$nf" -gt 0 ]; then
		bytes=$(find "$atk_out" -type f -exec cat {} + | wc -c)
		other=$(find "$atk_out" -type f -exec cat {} + | LC_ALL=C grep -avcx 'PKGUESTPATTERN\.')
		[ "$bytes" -eq $((16 * nf)) ] && [ "$other" -eq 0 ] ||
			atk_why="${atk_why:+$atk_why; }--out: $nf files hold $bytes bytes ($other lines not the guest's), wanted $((16 * nf)) bytes of pattern lines"
	fi
}

atk_verdict() { # NAME: PASS/FAIL from atk_why
	if [ -z "$atk_why" ]; then
		t_pass "attack-$1"
	else
		t_fail "attack-$1: $atk_why; stderr:"
		sed 's/^/  | /' "$atk_dir/stderr" | cut -c1-200 | tail -8
	fi
	grep -a "^attack .* done" "$atk_dir/stdout" | sed 's/^/  /' | head -1
}

# atk_race MODE GLOB: a race that must end with exit 0 and leave a file
# matching GLOB in --out (a glob: which call wins its race first varies)
atk_race() {
	atk_run "$1"
	atk_judge 0
	grep -q "^attack $1 done" "$atk_dir/stdout" || atk_why="${atk_why:+$atk_why; }no 'done' line"
	[ -z "$2" ] || [ -n "$(find "$atk_out" -name "$2" -type f | head -1)" ] ||
		atk_why="${atk_why:+$atk_why; }no $2 in --out (the attack did not run)"
	atk_verdict "$1"
}

# atk_count MODE N WHAT: N must be the guest's count of calls answered 0
atk_count() {
	ok=$(sed -n "s/^attack $1 done: [0-9]* calls, \([0-9]*\) ok.*/\1/p" "$atk_dir/stdout")
	if [ -n "$ok" ] && [ "$ok" -gt 0 ] && [ "$2" -eq "$ok" ]; then
		t_pass "attack-$1-count"
	else
		t_fail "attack-$1-count: $2 $3, but the vmm answered 0 to ${ok:-?} calls"
	fi
}

if [ ! -f ./raw_attack.elf ]; then
	t_skip "attack: no raw_attack.elf next to the vmm"
else
	# result_write's name checked, then swapped for ../../PWNED-AAAA
	atk_race result-name AAAAAAAAAAAAAAAA
	# console_write 16 bytes at the end of RAM, len flipped to 1 MiB: each
	# call the vmm answered 0 printed the 16 bytes, the refused ones nothing
	atk_race console-len ""
	atk_count console-len "$(grep -c '^PKGUESTPATTERN\.$' "$atk_dir/stdout")" "pattern lines"
	# result_write 16 bytes at the end of RAM, len flipped to 1 MiB (a new
	# file leakNNNN each call): one 16-byte file per call answered 0, none
	# for a refused one
	atk_race result-len "leak*"
	atk_count result-len "$(find "$atk_out" -type f | wc -l)" "files in --out"

	# perf_flush records whose size turns invalid after the check: the
	# --perf file must still parse
	atk_run perf-records --perf "$atk_dir/perf.data" --perf-freq 0
	atk_judge 0
	if [ -x ./kperf ]; then
		./kperf stat -i "$atk_dir/perf.data" >"$atk_dir/kperf.out" 2>&1 ||
			atk_why="${atk_why:+$atk_why; }kperf cannot parse the --perf file: $(head -1 "$atk_dir/kperf.out")"
	else
		t_skip "attack-perf-records-parse: no kperf next to the vmm"
	fi
	atk_verdict perf-records

	# abort: msg_len 16 <-> 64 KiB; one shot per VM, so a few VMs. The
	# line shows the 16 bytes (escape sequence as text) or says the
	# message was unreadable: never more, never raw control bytes.
	atk_why_all=""
	for i in 1 2 3 4 5; do
		atk_run abort-len
		atk_judge 123
		LC_ALL=C grep -aqxE 'vmm: guest abort on vCPU 0: (abort\\x1b\[2J-12345!|\(message of 65536 bytes at 0x[0-9a-f]+ is not readable\))' \
			"$atk_dir/stderr" || atk_why="${atk_why:+$atk_why; }abort line is not the guest's 16 bytes"
		[ "$(atk_ctl "$atk_dir/stderr")" -eq 0 ] ||
			atk_why="${atk_why:+$atk_why; }raw control bytes on stderr"
		[ -z "$atk_why" ] || atk_why_all="run $i: $atk_why"
		[ -z "$atk_why" ] || break
	done
	atk_why=$atk_why_all
	atk_verdict abort-len

	# a guest asking for a vmm code gets 127 and a line naming its code
	atk_run exit-reserved
	atk_judge 127
	grep -q 'asked to exit with 124' "$atk_dir/stderr" ||
		atk_why="${atk_why:+$atk_why; }no stderr line naming code 124"
	atk_verdict exit-reserved
	atk_run port-reserved
	atk_judge 127
	grep -q 'asked to exit with 125' "$atk_dir/stderr" ||
		atk_why="${atk_why:+$atk_why; }no stderr line naming code 125"
	atk_verdict port-reserved

	# escape sequences via console_write and COM1 arrive as text; UTF-8 passes
	atk_run escape
	atk_judge 0
	for want in 'escape: \x1b[31mRED\x1b[0m \x1b]0;PWNED\x07 \x7f' 'com1: \x1b[2J\x1b[H'; do
		grep -qF "$want" "$atk_dir/stdout" || atk_why="${atk_why:+$atk_why; }no '$want' on stdout"
	done
	grep -q "$(printf '\303\251')" "$atk_dir/stdout" ||
		atk_why="${atk_why:+$atk_why; }UTF-8 did not pass"
	atk_verdict escape
	# --raw-console really is raw (the escape reaches stdout unchanged)
	atk_run escape --raw-console
	if [ "$atk_rc" -eq 0 ] && grep -q "$(printf '\033')\[31mRED" "$atk_dir/stdout"; then
		atk_why=""
	else
		atk_why="exit $atk_rc or no raw ESC[31m with --raw-console"
	fi
	atk_verdict raw-console

	# --share: a path checked, then swapped for sub/../../secret; every
	# open that succeeded printed the 16 bytes it read (a pattern line)
	atk_fs_run fs-path
	atk_judge 0
	atk_fs_intact
	grep -q "^attack fs-path done" "$atk_dir/stdout" || atk_why="${atk_why:+$atk_why; }no 'done' line"
	atk_verdict fs-path
	atk_count fs-path "$(grep -c '^PKGUESTPATTERN\.$' "$atk_dir/stdout")" "pattern lines"
	# open flags flipping O_RDONLY <-> O_RDWR|O_TRUNC in the read-only share,
	# then a pwrite: no write may get through, the file stays as planted
	atk_fs_run fs-flags
	atk_judge 0
	atk_fs_intact
	ok=$(sed -n 's/^attack fs-flags done: [0-9]* calls, \([0-9]*\) ok.*/\1/p' "$atk_dir/stdout")
	[ "${ok:-x}" = 0 ] || atk_why="${atk_why:+$atk_why; }${ok:-no} pwrites into the read-only share succeeded"
	atk_verdict fs-flags
	# pread/pwrite of the last 16 bytes of RAM, the segment length flipping
	# to 1 MiB past the end: the vmm survives, w.bin is the 16 bytes
	atk_fs_run fs-seg
	atk_judge 0
	atk_fs_intact
	grep -q "^attack fs-seg done" "$atk_dir/stdout" || atk_why="${atk_why:+$atk_why; }no 'done' line"
	[ "$(cat "$atk_share/w.bin" 2>/dev/null)" = "PKGUESTPATTERN." ] ||
		atk_why="${atk_why:+$atk_why; }w.bin is not the 16 bytes the guest pointed at"
	atk_verdict fs-seg
	# one pass of escapes: .., absolute symlinks, /proc, a FIFO, writes to
	# the read-only share, buffers outside RAM, huge lengths
	atk_fs_run fs-escapes
	atk_judge 0
	atk_fs_intact
	grep -q "^fs-escapes: all refused" "$atk_dir/stdout" ||
		atk_why="${atk_why:+$atk_why; }$(grep -a '^fs-escapes' "$atk_dir/stdout" | head -3 | tr '\n' ' ')"
	[ -d "$atk_share/newdir" ] || atk_why="${atk_why:+$atk_why; }mkdir in the writable share did not happen"
	atk_verdict fs-escapes
	# prog_read (vmm/hcall_prog.c), len and offset flipped under it: with
	# no program every call is refused; with one (busybox, static, in
	# L1) the calls answered 0 copied exactly the 16 bytes asked for
	atk_run prog-read
	atk_judge 0
	atk_count_ok=$(sed -n 's/^attack prog-read done: [0-9]* calls, \([0-9]*\) ok.*/\1/p' "$atk_dir/stdout")
	[ "${atk_count_ok:-x}" = 0 ] || atk_why="${atk_why:+$atk_why; }${atk_count_ok:-?} calls answered 0 without a program"
	atk_verdict prog-read-none
	rm -rf "$atk_dir"
	mkdir -p "$atk_out"
	t_vmm_io "$atk_dir/stdout" "$atk_dir/stderr" "$atk_vmm" -c 2 -m 32M --timeout 60 \
		--out "$atk_out" --kernel ./raw_attack.elf \
		--kernel-cmdline "attack=prog-read ms=$atk_ms" /bin/busybox
	atk_rc=$rc
	atk_judge 0
	atk_count_ok=$(sed -n 's/^attack prog-read done: [0-9]* calls, \([0-9]*\) ok.*/\1/p' "$atk_dir/stdout")
	[ "${atk_count_ok:-0}" -gt 0 ] || atk_why="${atk_why:+$atk_why; }no call was answered 0"
	grep -q '^attack prog-read: 0 inconsistent answers' "$atk_dir/stdout" ||
		atk_why="${atk_why:+$atk_why; }$(grep -a 'inconsistent' "$atk_dir/stdout" || echo 'no verdict line')"
	atk_verdict prog-read
	# a read-only segment, which the vmm maps from this very ELF file
	# (vmm/load.c), written from both vCPUs: every write reads back, the
	# file keeps its bytes, and the next boot finds the pages as linked
	# (done line: rounds= the words intact at the start, of 1024,
	# answered= those still as linked after a full pass of writes)
	atk_sum=$(cksum <./raw_attack.elf)
	for atk_round in 1 2; do
		atk_run image-write
		atk_judge 0
		atk_line=$(grep -a "^attack image-write done" "$atk_dir/stdout")
		case $atk_line in
		*" rounds=1024 answered=0 "*) ;;
		*) atk_why="${atk_why:+$atk_why; }${atk_line:-no done line}" ;;
		esac
		atk_calls=$(echo "$atk_line" | sed -n 's/.* done: \([0-9]*\) calls, \([0-9]*\) ok.*/\1 \2/p')
		[ -n "$atk_calls" ] && [ "${atk_calls% *}" = "${atk_calls#* }" ] ||
			atk_why="${atk_why:+$atk_why; }not every write read back (${atk_calls:-?} calls/ok)"
		[ "$(cksum <./raw_attack.elf)" = "$atk_sum" ] ||
			atk_why="${atk_why:+$atk_why; }the guest's writes reached raw_attack.elf"
		atk_verdict "image-write-$atk_round"
	done
fi
