#!/bin/sh
# tools/ksyms_check.sh PASS1.elf FINAL.elf - the two-pass link must not move
# any symbol outside the symbol table itself; fail the build if one moved.
set -eu
NM=${NM:-nm}
a=$(mktemp)
b=$(mktemp)
trap 'rm -f "$a" "$b"' EXIT
"$NM" --defined-only "$1" | grep -v -e ' ksyms_' -e ' __kernel_end$' | sort >"$a"
"$NM" --defined-only "$2" | grep -v -e ' ksyms_' -e ' __kernel_end$' | sort >"$b"
if ! cmp -s "$a" "$b"; then
	echo "ksyms_check: symbol addresses differ between link passes:" >&2
	diff "$a" "$b" | head -20 >&2
	exit 1
fi
