#!/bin/sh
# tests/blob/result_qemu.sh IMAGE WORKDIR - on the PC platform result blobs
# travel framed on the serial line: boot run=result in QEMU, extract them
# with tools/pkblob.py and compare with what the guest wrote.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
image=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
python3 "$here/tools/qemu_run.py" --image "$image" --smp 1 --cmdline run=result \
	--expect none --expect-line '^PKBLOB-END pattern.bin$' --log "$work/serial.log"
python3 "$here/tools/pkblob.py" "$work/serial.log" "$work/out"
printf 'perfkern result blob\n' | cmp - "$work/out/hello.txt"
python3 -c 'import sys; sys.stdout.buffer.write(bytes(i * 7 % 256 for i in range(1000)))' |
	cmp - "$work/out/pattern.bin"
# a corrupted copy must be refused
sed 's/^PKBLOB hello.txt 21 \(.*\)$/PKBLOB hello.txt 21 00000000/' "$work/serial.log" >"$work/bad.log"
if python3 "$here/tools/pkblob.py" "$work/bad.log" "$work/bad"; then
	echo "FAIL pkblob accepted a blob with a wrong CRC"
	exit 1
fi
echo "result blobs: PASS"
