/* SPDX-License-Identifier: MIT */
/* guest/kernel/bootinfo.c - load the boot information, keep the timeline. */
#include "bootinfo.h"

#include "lib/kstring/kstring.h"
#include "lib/bootparse/bootparse.h"
#include "console.h"
#include "guest/arch/cpu.h"
#include "guest/arch/layout.h"
#include "guest/arch/paging.h"
#include "guest/arch/tsc.h"
#include "platform.h"

struct pk_bootinfo boot_info;
struct boot_stage_rec boot_stages[BOOT_STAGES_MAX];
unsigned boot_stage_count;

void boot_timeline_print(void)
{
	kprintf("boot timeline (TSC cycles from the first kernel instruction):\n");
	kprintf("  %-28s %14s %14s %10s\n", "stage", "cycles", "since entry", "us");
	uint64_t prev = boot_entry_tsc;
	for (unsigned i = 0; i < boot_stage_count; i++) {
		uint64_t t = boot_stages[i].tsc;
		kprintf("  %-28s %14lu %14lu %10lu\n", boot_stages[i].name, t - prev,
			t - boot_entry_tsc, tsc_cycles_to_us(t - boot_entry_tsc));
		prev = t;
	}
}

void boot_stage(const char *name)
{
	if (boot_stage_count < BOOT_STAGES_MAX)
		boot_stages[boot_stage_count++] = (struct boot_stage_rec){name, rdtsc()};
}

const char *bootinfo_protocol_name(uint32_t protocol)
{
	switch (protocol) {
	case PK_BOOT_VMM:
		return "perfkern vmm";
	case PK_BOOT_PVH:
		return "PVH";
	case PK_BOOT_MULTIBOOT2:
		return "multiboot2";
	}
	return "unknown";
}

void bootinfo_load(uint32_t protocol, uint64_t ptr)
{
	const char *why = "unknown boot protocol";
	int rc = -1;
	if (protocol == PK_BOOT_PVH) {
		rc = bootinfo_from_pvh(&boot_info, ptr, paging_phys_map, 0, &why);
	} else if (protocol == PK_BOOT_MULTIBOOT2) {
		rc = bootinfo_from_mb2(&boot_info, ptr, paging_phys_map, 0, &why);
	} else if (protocol == PK_BOOT_VMM) {
		const void *src = paging_phys_map(ptr, sizeof(boot_info), 0);
		why = "bootinfo address outside the direct map";
		if (src) {
			memcpy(&boot_info, src, sizeof(boot_info));
			rc = bootinfo_check(&boot_info, &why);
		}
	}
	if (rc < 0) {
		kprintf("perfkern: boot information from %s at 0x%lx unusable: %s\n",
			bootinfo_protocol_name(protocol), ptr, why);
		platform_exit(PK_EXIT_PANIC);
	}
	if (!boot_info.entry_tsc)
		boot_info.entry_tsc = boot_entry_tsc;
}
