#!/bin/sh
# tests/fs/qemu.sh MODE IMAGE WORKDIR [EXAMPLES] - the file tests on the PC platform,
# each comparing what the guest read with the host's files (fnv.py):
#   initrd  QEMU -kernel guest.elf -initrd files.cpio (a PVH module),
#           mounted at /: a 3 MiB file copied into the /tmp RAM fs and
#           summed (run=fscopy), a directory listed (run=ls), a text file
#           read (run=cat);
#   iso     `make iso FILES=dir APP=prog ARGS=...` (tools/mkiso.sh --files
#           --app --args): GRUB loads the cpio as a multiboot2 module and
#           passes app=/PROG ARGS; under SeaBIOS and OVMF the kernel mounts it at /
#           and sums a 3 MiB file from it, its boot line shows the app=;
#           then an ISO of EXAMPLES/hello.glibc with no --cmdline runs it.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tools/lib.sh"
mode=$1
image=$2
work=$3
examples=${4:-}
rm -rf "$work"
mkdir -p "$work"
sh "$here/tests/fs/mkfiles.sh" "$work/files"

initrd() {
	(cd "$work/files" && find . | LC_ALL=C sort | cpio -o -H newc --quiet >"$work/files.cpio")

	boot() { # NAME CMDLINE: QEMU with the initrd, serial log in $work/NAME.log
		python3 "$here/tools/qemu_run.py" --image "$image" --smp 2 --expect none \
			--qemu-arg=-initrd --qemu-arg="$work/files.cpio" --cmdline "$2" \
			--log "$work/$1.log" >/dev/null 2>&1
		brc=$?
	}

	want=$(python3 "$here/tests/fs/fnv.py" "$work/files/data/big.bin")
	boot copy "run=fscopy file=/data/big.bin dest=/tmp/big.bin"
	got=$(sed -n 's/^fscopy: \/tmp\/big.bin: \([0-9]*\) bytes fnv1a64 \([0-9a-f]*\).*/\1 \2/p' "$work/copy.log")
	if [ "$brc" -eq 0 ] && [ "$got" = "$want" ]; then
		t_pass initrd-fscopy "$got"
	else
		t_fail initrd-fscopy "exit $brc, guest '$got', host '$want'"
		tail -5 "$work/copy.log"
	fi
	grep -q '^initrd: [0-9]* entries' "$work/copy.log" || t_fail initrd-mounted "no 'initrd: N entries' line"

	boot ls "run=ls file=/data"
	ok=1
	for e in "f       20 hello.txt" "f        0 empty" "f  3145733 big.bin" "d        0 sub"; do
		grep -q "^$e\$" "$work/ls.log" || ok=0
	done
	if [ "$brc" -eq 0 ] && [ $ok = 1 ] && grep -q '^ls: /data: 6 entries$' "$work/ls.log"; then
		t_pass initrd-ls
	else
		t_fail initrd-ls "exit $brc; listing:"
		grep -E '^(f|d|ls:) ' "$work/ls.log" | head
	fi

	want=$(python3 "$here/tests/fs/fnv.py" "$work/files/data/sub/deeper/f.txt")
	boot cat "run=cat file=/data/sub/deeper/f.txt"
	got=$(sed -n 's/^cat: .*: \([0-9]*\) bytes fnv1a64 \([0-9a-f]*\).*/\1 \2/p' "$work/cat.log")
	if [ "$brc" -eq 0 ] && [ "$got" = "$want" ] && grep -q '^deep$' "$work/cat.log"; then
		t_pass initrd-cat
	else
		t_fail initrd-cat "exit $brc, guest '$got', host '$want'"
	fi
}

iso() {
	mkdir -p "$work/files/bin"
	printf 'not really a program\n' >"$work/files/bin/tool"
	# with run=fsum given, app= names the program but fsum runs: the sum
	# proves the module was mounted, the boot line shows what GRUB passed
	if ! "$here/tools/mkiso.sh" "$image" "$work/files.iso" --timeout 0 \
		--cmdline "run=fsum file=/data/big.bin" --files "$work/files" --app bin/tool \
		--args "one two" >"$work/mkiso.log" 2>&1; then
		t_fail iso-files-build "$(tail -1 "$work/mkiso.log")"
		t_done
	fi
	want=$(python3 "$here/tests/fs/fnv.py" "$work/files/data/big.bin")
	for fw in bios uefi; do
		python3 "$here/tools/qemu_run.py" --image "$work/files.iso" --kind iso \
			--firmware $fw --smp 2 --expect none --log "$work/boot-$fw.log" >/dev/null 2>&1
		rc=$?
		got=$(sed -n 's/^fsum: \/data\/big.bin: \([0-9]*\) bytes fnv1a64 \([0-9a-f]*\).*/\1 \2/p' \
			"$work/boot-$fw.log")
		if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
			t_pass iso-files-module-$fw "$got"
		else
			t_fail iso-files-module-$fw "exit $rc, guest '$got', host '$want'"
			grep -aE '^(perfkern|initrd|mounts|fsum)' "$work/boot-$fw.log" | head
		fi
		if grep -aq 'booted via multiboot2, cmdline "run=fsum file=/data/big.bin app=/bin/tool one two"' \
			"$work/boot-$fw.log"; then
			t_pass iso-files-app-cmdline-$fw
		else
			t_fail iso-files-app-cmdline-$fw "no app=/bin/tool one two on the kernel's boot line"
		fi
	done
	# a real program: `make iso APP=hello ARGS="one two"` with no CMDLINE
	# writes just app=/hello one two; the kernel runs it (app= implies
	# run=prog) and its exit code is the program's (hello: argc - 1)
	if [ -n "$examples" ] && [ -x "$examples/hello.glibc" ]; then
		if "$here/tools/mkiso.sh" "$image" "$work/prog.iso" --timeout 0 --files "$work/files" \
			--app "$examples/hello.glibc" --args "one two" >"$work/mkiso-prog.log" 2>&1; then
			for fw in bios uefi; do
				python3 "$here/tools/qemu_run.py" --image "$work/prog.iso" --kind iso \
					--firmware $fw --smp 2 --expect none --expect-exit 2 \
					--expect-line '^argv\[1\] = one$' --expect-line '^argv\[2\] = two$' \
					--expect-line '^malloc ok: 1$' --log "$work/prog-$fw.log" >/dev/null 2>&1
				if [ $? -eq 0 ]; then
					t_pass iso-files-prog-$fw
				else
					t_fail iso-files-prog-$fw "hello.glibc one two: not its output or not exit 2"
					grep -aE '^(perfkern|linux|argv|hello|qemu_run)' "$work/prog-$fw.log" | tail
				fi
			done
		else
			t_fail iso-files-prog-build "$(tail -1 "$work/mkiso-prog.log")"
		fi
	else
		t_skip iso-files-prog "no hello.glibc in '$examples' (the examples target)"
	fi
	# bad input: a missing program or directory is refused with a reason
	if "$here/tools/mkiso.sh" "$image" "$work/x.iso" --files "$work/files" --app nosuch \
		>"$work/bad.log" 2>&1 || ! grep -q 'no such file' "$work/bad.log"; then
		t_fail iso-files-bad-app "mkiso.sh accepted --app nosuch: $(cat "$work/bad.log")"
	else
		t_pass iso-files-bad-app
	fi
}

case $mode in
initrd | iso) "$mode" ;;
*)
	echo "usage: qemu.sh initrd|iso IMAGE WORKDIR [EXAMPLES]" >&2
	exit 2
	;;
esac
t_done
