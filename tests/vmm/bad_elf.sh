#!/bin/sh
# tests/vmm/bad_elf.sh VMM DIR - every file of the malformed-ELF corpus
# (tests/vmm/mkbadelf.py) is refused with exit 2 and its own message.
# ELF checks run before /dev/kvm is opened, so this needs no KVM.
set -u
. "$(dirname "$0")/../../tools/lib.sh"
vmm=$1
dir=$2
tab=$(printf '\t')
while IFS="$tab" read -r file msg; do
	out=$("$vmm" -m 64M "$dir/$file" 2>&1)
	rc=$?
	reason=${out#*"$file: "} # match the message, not the file name
	if [ "$rc" -eq 2 ] && [ "$reason" != "$out" ] &&
		printf '%s\n' "$reason" | grep -qF -- "$msg"; then
		t_pass "$file: $out"
	else
		t_fail "$file: exit $rc, wanted 2 and '$msg'; got: $out"
	fi
done <"$dir/expect.txt"
[ "$pass" -ge 22 ] || t_fail "corpus: $pass cases, wanted at least 22 (tests/vmm/mkbadelf.py)"
t_done
