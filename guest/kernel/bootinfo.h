/* SPDX-License-Identifier: MIT */
/* guest/kernel/bootinfo.h - the kernel's copy of the boot information and
 * the boot timeline. */
#ifndef PK_ARCH_BOOTINFO_H
#define PK_ARCH_BOOTINFO_H

#include <stdint.h>

#include "proto/boot.h"

extern struct pk_bootinfo boot_info;

/* Fill boot_info from what the entry path was handed (boot.S: protocol,
 * pointer). Unusable input: one line naming the loader and the reason,
 * then exit with PK_EXIT_PANIC. */
void bootinfo_load(uint32_t protocol, uint64_t ptr);

const char *bootinfo_protocol_name(uint32_t protocol);

/* Boot timeline: TSC at the first instruction (boot.S) and named stages. */
#define BOOT_STAGES_MAX 24
struct boot_stage_rec {
	const char *name;
	uint64_t tsc;
};
extern uint64_t boot_entry_tsc;
extern struct boot_stage_rec boot_stages[BOOT_STAGES_MAX];
extern unsigned boot_stage_count;
void boot_stage(const char *name);
/* The stages so far as a table (run=demo, or any app with boot_timeline). */
void boot_timeline_print(void);

#endif
