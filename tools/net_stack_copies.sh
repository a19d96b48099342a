#!/bin/sh
# tools/net_stack_copies.sh N OUT OBJ... - the network stack's per-CPU
# copies (docs/netstack.md, "One stack instance per CPU"): link the stack's
# objects into one relocatable OUT.o (ld -r), then write OUT0.o .. OUT<N-1>.o,
# each with every global symbol the stack defines renamed to pkn<i>_NAME
# (objcopy --redefine-syms, the list from nm --defined-only -g), so each
# copy's lwIP state is its own and only the copy itself calls it. The
# stack's calls into the kernel (undefined here) are left as they are.
# Copies 1.. lose the registries the kernel walks once (pk_apps, pk_params,
# pk_tests, pk_linux_sys: renamed pk_dup_*, which the linker script
# discards): an APP()/PK_PARAM() in a stack file exists once, in copy 0;
# pk_net_apps (guest/net/net_inst.h) stays in every copy.
set -eu
n=$1
out=$2
shift 2
ld -r -o "$out.o" "$@"
syms=$(nm --defined-only -g "$out.o" | awk 'NF == 3 { print $3 }')
i=0
while [ "$i" -lt "$n" ]; do
	map="$out$i.syms"
	: >"$map"
	for s in $syms; do
		echo "$s pkn${i}_$s" >>"$map"
	done
	strip=""
	if [ "$i" -gt 0 ]; then
		for sec in pk_apps pk_params pk_tests pk_linux_sys; do
			strip="$strip --rename-section=$sec=pk_dup_$sec"
		done
	fi
	# shellcheck disable=SC2086 # $strip is a list of options
	objcopy --redefine-syms="$map" $strip "$out.o" "$out$i.o"
	i=$((i + 1))
done
