#!/bin/sh
# tests/fs/initrd_qemu.sh IMAGE WORKDIR - the initrd on the PC platform:
# QEMU -kernel guest.elf -initrd files.cpio (a PVH module) mounted at /.
# One boot copies a 3 MiB file from the initrd into the /tmp RAM fs and
# sums the copy (run=fscopy), one lists a directory (run=ls), one reads a
# text file (run=cat); each result is compared with the host's files.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tests/lib.sh"
image=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
sh "$here/tests/fs/mkfiles.sh" "$work/files"
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
t_done
