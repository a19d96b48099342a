#!/bin/sh
# tests/fs/mkfiles.sh DIR - the file tree the file tests read back: a
# text file, a 3 MiB + 5 bytes binary (several 1 MiB chunks and a ragged
# end), an empty file, a nested directory. Deterministic contents.
set -eu
d=$1
rm -rf "$d"
mkdir -p "$d/data/sub/deeper"
printf 'hello from the host\n' >"$d/data/hello.txt"
: >"$d/data/empty"
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 131 + (i >> 11)) % 256 for i in range(3 * 1048576 + 5)))' >"$d/data/big.bin"
printf 'deep\n' >"$d/data/sub/deeper/f.txt"
