#!/bin/sh
# tests/vmm/bad_elf.sh VMM DIR - every file of the malformed-ELF corpus
# (tests/vmm/mkbadelf.py) is refused with exit 2 and its own message.
# ELF checks run before /dev/kvm is opened, so this needs no KVM.
set -u
vmm=$1
dir=$2
pass=0
fail=0
tab=$(printf '\t')
while IFS="$tab" read -r file msg; do
	out=$("$vmm" -m 64M "$dir/$file" 2>&1)
	rc=$?
	reason=${out#*"$file: "} # match the message, not the file name
	if [ "$rc" -eq 2 ] && [ "$reason" != "$out" ] &&
		printf '%s\n' "$reason" | grep -qF -- "$msg"; then
		echo "PASS $file: $out"
		pass=$((pass + 1))
	else
		echo "FAIL $file: exit $rc, wanted 2 and '$msg'; got: $out"
		fail=$((fail + 1))
	fi
done <"$dir/expect.txt"
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ] && [ "$pass" -ge 22 ]
