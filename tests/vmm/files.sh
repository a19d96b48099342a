#!/bin/sh
# tests/vmm/files.sh - sourced by suite.sh (its check() and t_* helpers):
# `vmm --share` end to end with the real kernel's VFS (guest/fs/) and the
# sandbox on. A read-only share holds a 3 MiB + 5 byte file, a text file
# and a nested one; a writable share receives copies. The copies are
# compared byte for byte with cmp; read-only, outside-any-share and bad
# --share values must fail the documented way.
fs_ro=/tmp/fs-ro
fs_rw=/tmp/fs-rw
rm -rf "$fs_ro" "$fs_rw"
mkdir -p "$fs_ro/sub/deeper" "$fs_rw"
printf 'hello from the host\n' >"$fs_ro/hello.txt"
printf 'deep\n' >"$fs_ro/sub/deeper/f.txt"
dd if=/dev/urandom of="$fs_ro/big.bin" bs=1048576 count=3 2>/dev/null
printf 'tail!' >>"$fs_ro/big.bin"
fs_shares="--share $fs_ro:/data:ro --share $fs_rw:/out"

# 3 MiB + 5 through pread chunks into the writable share (pwrite), on 2
# vCPUs with the seccomp filters on: a missing syscall would be exit 126
check share-copy 0 '^fscopy: /out/big.bin: 3145733 bytes fnv1a64 ' '^mounts: .*/data hostfs ro' \
	-- -c 2 -m 64M $fs_shares guest.elf -- run=fscopy file=/data/big.bin dest=/out/big.bin
if cmp -s "$fs_ro/big.bin" "$fs_rw/big.bin"; then
	t_pass share-copy-bytes
else
	t_fail share-copy-bytes "the copy in the writable share differs from the original"
fi
# the same bytes through the RAM fs: the sums the guest printed must agree
sum_share=$(sed -n 's/^fscopy: .* fnv1a64 \([0-9a-f]*\)$/\1/p' "$out")
check share-to-ramfs 0 "^fscopy: /tmp/big.bin: 3145733 bytes fnv1a64 $sum_share\$" \
	-- -c 1 -m 64M $fs_shares guest.elf -- run=fscopy file=/data/big.bin dest=/tmp/big.bin
check share-ls 0 '^f       20 hello.txt$' '^d +[0-9]+ sub$' '^f  3145733 big.bin$' \
	'^ls: /data: 5 entries$' -- -c 1 -m 64M $fs_shares guest.elf -- run=ls file=/data
check share-cat-nested 0 '^deep$' '^cat: /data/sub/deeper/f.txt: 5 bytes ' \
	-- -c 1 -m 64M $fs_shares guest.elf -- run=cat file=/data/sub/deeper/f.txt
# the VFS semantics over a share from inside the guest (guest/app/
# tests_hostfs.c): names, holes, truncate, listings in small steps,
# buffers split across physical pages, 3 MiB round trips, read-only
check share-ktests 0 'PASS fs_hostfs_semantics' 'PASS fs_hostfs_scattered_buffers' \
	'PASS fs_hostfs_readonly' '^[0-9]+ passed, 0 failed' \
	-- -c 2 -m 64M --share "$fs_rw:/ktest-share" --share "$fs_ro:/ktest-share-ro:ro" \
	guest.elf -- run=tests test=fs_
# one exit per 1 MiB chunk, not per 4 KiB page: reading 3 MiB + 5 costs
# four pread hypercalls (plus the boot's own few dozen), not 769
check share-chunked 0 '^fsum: /data/big.bin: 3145733 bytes ' \
	-- --stats -c 1 -m 64M $fs_shares guest.elf -- run=fsum file=/data/big.bin
hc=$(sed -n 's/.*vCPU 0: .*(hypercalls \([0-9]*\)).*/\1/p' "$out")
hc0=$(./vmm --stats -c 1 -m 64M $fs_shares guest.elf -- run=fsum file=/data/hello.txt 2>&1 |
	sed -n 's/.*vCPU 0: .*(hypercalls \([0-9]*\)).*/\1/p')
if [ -n "$hc" ] && [ -n "$hc0" ] && [ $((hc - hc0)) -le 8 ]; then
	t_pass share-chunked-exits "3 MiB cost $((hc - hc0)) more hypercalls than 20 bytes"
else
	t_fail share-chunked-exits "3 MiB: ${hc:-?} hypercalls, 20 bytes: ${hc0:-?}"
fi
# --share-max-bytes: the write past the cap fails (-EDQUOT), the file
# holds at most the cap
check share-byte-cap 1 '^fscopy: /out/capped.bin: error -122$' \
	-- --share-max-bytes 1M -c 1 -m 64M $fs_shares guest.elf -- \
	run=fscopy file=/data/big.bin dest=/out/capped.bin
capped=$(wc -c <"$fs_rw/capped.bin" 2>/dev/null || echo missing)
if [ "$capped" = 1048576 ]; then
	t_pass share-byte-cap-file
else
	t_fail share-byte-cap-file "capped.bin holds $capped bytes, wanted the 1 MiB cap"
fi
# read-only is refused (by the guest's VFS first; tests/vmm/attack.sh
# checks that the vmm refuses it too), outside every share is ENOENT
check share-ro-refused 1 '^fscopy: /data/copy.txt: error -30$' \
	-- -c 1 -m 64M $fs_shares guest.elf -- run=fscopy file=/data/hello.txt dest=/data/copy.txt
[ ! -e "$fs_ro/copy.txt" ] || t_fail share-ro-file "copy.txt appeared in the read-only share"
check share-outside-enoent 1 '^cat: /nowhere/x: error -2$' \
	-- -c 1 -m 64M $fs_shares guest.elf -- run=cat file=/nowhere/x
# bad --share values: exit 2 with a line naming the problem, before KVM
check share-bad-spec 2 'expected HOST:GUEST' -- --share "$fs_ro" guest.elf
check share-missing-dir 2 'host directory /tmp/no-such-dir: No such file' \
	-- --share /tmp/no-such-dir:/x guest.elf
check share-not-dir 2 'not a directory' -- --share "$fs_ro/hello.txt:/x" guest.elf
check share-nested 2 'overlaps /data of an earlier --share' \
	-- --share "$fs_ro:/data" --share "$fs_rw:/data/out" guest.elf
check share-duplicate 2 'is /data of an earlier --share' \
	-- --share "$fs_ro:/data" --share "$fs_rw:/data" guest.elf
check share-relative-guest 2 'must be absolute' -- --share "$fs_ro:data" guest.elf
