#!/bin/sh
# tests/fs/iso_qemu.sh IMAGE WORKDIR - `make iso FILES=dir APP=prog ARGS=...`
# (tools/mkiso.sh --files/--app/--args): the ISO's GRUB loads the cpio as
# a multiboot2 module and passes app=/PROG ARGS; booted under SeaBIOS, the
# kernel mounts the module at / and sums a 3 MiB file from it (the sum is
# compared with the host's), and its boot line shows the app= GRUB passed.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tests/lib.sh"
image=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
sh "$here/tests/fs/mkfiles.sh" "$work/files"
mkdir -p "$work/files/bin"
printf 'not really a program\n' >"$work/files/bin/tool"
# the app= word is the prog loader's; until it exists the kernel warns
# about it and runs run=fsum, which proves the module was mounted
if ! "$here/tools/mkiso.sh" "$image" "$work/files.iso" --timeout 0 \
	--cmdline "run=fsum file=/data/big.bin" --files "$work/files" --app bin/tool \
	--args "one two" >"$work/mkiso.log" 2>&1; then
	t_fail iso-files-build "$(tail -1 "$work/mkiso.log")"
	t_done
fi
python3 "$here/tools/qemu_run.py" --image "$work/files.iso" --kind iso --firmware bios \
	--smp 2 --expect none --log "$work/boot.log" >/dev/null 2>&1
rc=$?
want=$(python3 "$here/tests/fs/fnv.py" "$work/files/data/big.bin")
got=$(sed -n 's/^fsum: \/data\/big.bin: \([0-9]*\) bytes fnv1a64 \([0-9a-f]*\).*/\1 \2/p' "$work/boot.log")
if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
	t_pass iso-files-module "$got"
else
	t_fail iso-files-module "exit $rc, guest '$got', host '$want'"
	grep -aE '^(perfkern|initrd|mounts|fsum)' "$work/boot.log" | head
fi
if grep -aq 'booted via multiboot2, cmdline "run=fsum file=/data/big.bin app=/bin/tool one two"' \
	"$work/boot.log"; then
	t_pass iso-files-app-cmdline
else
	t_fail iso-files-app-cmdline "no app=/bin/tool one two on the kernel's boot line"
fi
# bad input: a missing program or directory is refused with a reason
if "$here/tools/mkiso.sh" "$image" "$work/x.iso" --files "$work/files" --app nosuch \
	>"$work/bad.log" 2>&1 || ! grep -q 'no such file' "$work/bad.log"; then
	t_fail iso-files-bad-app "mkiso.sh accepted --app nosuch: $(cat "$work/bad.log")"
else
	t_pass iso-files-bad-app
fi
t_done
