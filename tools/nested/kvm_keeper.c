/* SPDX-License-Identifier: MIT */
/*
 * tools/nested/kvm_keeper.c - holds one idle VM open in the nested-KVM L1
 * for as long as L1 runs (tools/nested/run.sh starts it from /init).
 *
 * Without it, every VM a test boots flips kernel state that only a first
 * VM and a last VM change: KVM enables SVM on every CPU for the first VM
 * and disables it after the last (hardware_enable_all/disable_all, an IPI
 * to each CPU), and a vCPU's LAPIC, created software-disabled, raises the
 * apic_sw_disabled static key that the guest's SVR write lowers again a
 * second later (a deferred static_branch_slow_dec). Each static key flip
 * patches L1's kernel text (text_poke_bp: int3, IPIs to sync every CPU),
 * which is where a frozen L1 was seen stuck (one CPU in exc_int3, the
 * other in __schedule; a kworker in a soft lockup). This VM's vCPU never
 * runs, so its LAPIC stays software-disabled: the key stays up, SVM stays
 * on, and the tests' VMs flip neither.
 *
 * Exits 0 quietly when /dev/kvm cannot give it a VM (the harness goes on
 * without it); otherwise sleeps until L1 powers off.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0 || ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0 || ioctl(vm, KVM_CREATE_VCPU, 0) < 0) {
		perror("harness: kvm_keeper: no idle VM (tests flip KVM's global state)");
		return 0;
	}
	for (;;)
		pause();
}
