/* SPDX-License-Identifier: MIT */
/*
 * lib/bootparse/bootparse.h - turn what a loader handed over into a
 * struct pk_bootinfo (host-compilable pure logic; the guest passes a
 * direct-map translator, unit tests a fake physical memory).
 */
#ifndef PK_ARCH_BOOTPARSE_H
#define PK_ARCH_BOOTPARSE_H

#include <stdint.h>

#include "proto/boot.h"
#include "lib/config.h"

/* Xen PVH start info (xen/include/public/arch-x86/hvm/start_info.h). */
#define PVH_START_MAGIC 0x336ec578u
struct hvm_start_info {
	uint32_t magic;
	uint32_t version; /* >= 1 has memmap */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};
struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* E820 numbering */
	uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_start_info) == 56, "PVH ABI");

#define MB2_BOOTLOADER_MAGIC 0x36d76289u /* EAX at entry, multiboot2 spec 3.3 */

/*
 * Each returns 0 on success or -1 with *why set to a static message.
 * They fill platform = PC, boot_protocol, memmap (sorted, adjacent runs of
 * the same type merged, overlaps resolved in favour of the non-usable
 * type), cmdline, rsdp_phys; cpu_count, tsc_khz and entry_tsc are left 0.
 */
int bootinfo_from_pvh(struct pk_bootinfo *bi, uint64_t start_info_phys, pk_phys_map_fn map,
		      void *ctx, const char **why);
int bootinfo_from_mb2(struct pk_bootinfo *bi, uint64_t mbi_phys, pk_phys_map_fn map, void *ctx,
		      const char **why);

/* Validate a bootinfo written by the VMM (magic, version, size, counts,
 * NUL-terminated cmdline). 0 or -1 with *why. */
int bootinfo_check(const struct pk_bootinfo *bi, const char **why);

/* Shared by the converters: initialise an empty bootinfo for a protocol,
 * add one memory run (kept sorted/merged as above; sets
 * PK_BOOTF_MEMMAP_TRUNCATED when full), set the cmdline (truncating with
 * PK_BOOTF_CMDLINE_TRUNCATED). */
void bootinfo_init(struct pk_bootinfo *bi, uint32_t protocol);
void bootinfo_add_mem(struct pk_bootinfo *bi, uint64_t base, uint64_t len, uint32_t type);
void bootinfo_set_cmdline(struct pk_bootinfo *bi, const char *s, uint64_t maxlen);

/* Name of a pk_mem_type for printing ("usable", "reserved", ...). */
const char *bootinfo_mem_type_name(uint32_t type);

#endif
