#!/bin/sh
# bench/boot/inside.sh - runs inside the nested-KVM L1 (bench/boot/run.sh
# puts it there with vmm, guest.elf, boot_floor, timeit, QEMU and its ROMs).
# N alternating rounds of boot-to-exit, same guest, same vCPU count:
#   vmm      ./vmm guest.elf -- run=probe (default --hugepages auto: boots
#            on 4 KiB pages, huge pages after the boot)
#   vmm2M    the same with --hugepages 2M (hugetlb from the first touch)
#   vmm4k    the same with --hugepages off
#   floor    bench/boot/floor.c with a guest that exits at once
#   microvm  qemu-system-x86_64 -M microvm -accel kvm -kernel guest.elf
# then the hypercall vs raw-exit cost from inside the guest.
# Prints "BENCH boot VARIANT ROUND NS STATUS" lines.
set -u
N=${N:-10}
CPUS=${CPUS:-2}
MEM=${MEM:-64M}
echo "BENCH env cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
i=1
while [ "$i" -le "$N" ]; do
	echo "BENCH boot vmm $i $(./timeit ./vmm -c "$CPUS" -m "$MEM" guest.elf -- run=probe)"
	echo "BENCH boot vmm2M $i $(./timeit ./vmm --hugepages 2M -c "$CPUS" -m "$MEM" guest.elf -- run=probe)"
	echo "BENCH boot vmm4k $i $(./timeit ./vmm --hugepages off -c "$CPUS" -m "$MEM" guest.elf -- run=probe)"
	echo "BENCH boot floor $i $(./timeit ./boot_floor "$CPUS" 64)"
	if [ -x ./qemu-system-x86_64 ]; then
		echo "BENCH boot microvm $i $(./timeit ./qemu-system-x86_64 -M microvm -accel kvm \
			-cpu host -m "$MEM" -smp "$CPUS" -L roms -kernel guest.elf -append run=probe \
			-display none -monitor none -serial null -no-reboot \
			-device isa-debug-exit,iobase=0xf4,iosize=0x04)"
	fi
	i=$((i + 1))
done
./vmm -c 1 -m "$MEM" guest.elf -- run=bench-exits | grep '^BENCH'
./vmm -c "$CPUS" -m "$MEM" --stats guest.elf -- run=probe 2>&1 >/dev/null |
	sed -n 's/^/BENCH stats /p'
