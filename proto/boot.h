/* SPDX-License-Identifier: MIT */
/*
 * proto/boot.h - the boot contract between whoever starts the kernel and the
 * kernel itself. Versioned ABI: fields are fixed-width, offsets are asserted,
 * new fields go into the reserved words or at the end with a version bump.
 *
 * Every boot path ends up with one of these:
 *   - the VMM builds it in guest memory and passes its guest-physical address
 *     in RDI (RSI = cpu index), every vCPU entering 64-bit mode directly;
 *   - the PVH path (QEMU -kernel) converts Xen's hvm_start_info into it;
 *   - the multiboot2 path (GRUB: ISO, USB, PXE) converts the MBI tags into it.
 * The kernel copies it into its own .bss first thing, so nothing the loader
 * handed over needs to stay intact after early boot.
 */
#ifndef PK_PROTO_BOOT_H
#define PK_PROTO_BOOT_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define PK_BOOTINFO_MAGIC 0x4e49544f4f424b50ULL /* "PKBOOTIN" little endian */
#define PK_BOOTINFO_VERSION 2			/* 2: boot modules (initrd) */

#define PK_MEMMAP_MAX 128
#define PK_CMDLINE_MAX 1024
#define PK_MODULES_MAX 4      /* boot modules kept; the first is the initrd */
#define PK_MODULE_NAME_MAX 48 /* its string (multiboot2) / cmdline (PVH), NUL-ended */

/* How the kernel was entered (pk_bootinfo.boot_protocol; also used by the
 * assembly entry paths, hence macros rather than an enum). */
#define PK_BOOT_UNKNOWN 0
#define PK_BOOT_VMM 1	     /* 64-bit entry, RDI = bootinfo, RSI = cpu index */
#define PK_BOOT_PVH 2	     /* XEN_ELFNOTE_PHYS32_ENTRY, EBX = hvm_start_info */
#define PK_BOOT_MULTIBOOT2 3 /* multiboot2 header, EAX = magic, EBX = MBI */

#ifndef __ASSEMBLER__
/* Where the kernel runs: decides console/exit/result drivers. */
enum pk_platform {
	PK_PLATFORM_UNKNOWN = 0,
	PK_PLATFORM_PC = 1,  /* QEMU or bare metal: COM1, port 0xf4, ACPI */
	PK_PLATFORM_VMM = 2, /* perfkern's own vmm: hypercalls */
};

/* E820-style types; the converters map every loader's types onto these. */
enum pk_mem_type {
	PK_MEM_USABLE = 1,
	PK_MEM_RESERVED = 2,
	PK_MEM_ACPI_RECLAIM = 3,
	PK_MEM_ACPI_NVS = 4,
	PK_MEM_BAD = 5,
};

/* Flags in pk_bootinfo.flags. */
#define PK_BOOTF_MEMMAP_TRUNCATED (1u << 0) /* loader gave > PK_MEMMAP_MAX runs */
#define PK_BOOTF_CMDLINE_TRUNCATED (1u << 1)
#define PK_BOOTF_MODULES_TRUNCATED (1u << 2) /* loader gave > PK_MODULES_MAX modules */
/* the perfkern vmm has --share directories for this guest (PK_HC_FS_SHARE_INFO
 * lists them); without it the kernel does not ask, one VM exit less */
#define PK_BOOTF_VMM_SHARES (1u << 3)

struct pk_memmap_entry {
	uint64_t base;	 /* physical address */
	uint64_t length; /* bytes */
	uint32_t type;	 /* enum pk_mem_type */
	uint32_t reserved;
};

/* A file the loader put in memory for us (QEMU -initrd, GRUB module2):
 * frames_init never hands out [base, base+length). */
struct pk_module {
	uint64_t base;	 /* physical address */
	uint64_t length; /* bytes */
	char name[PK_MODULE_NAME_MAX];
};

struct pk_bootinfo {
	uint64_t magic;		/* PK_BOOTINFO_MAGIC */
	uint32_t version;	/* PK_BOOTINFO_VERSION */
	uint32_t size;		/* sizeof(struct pk_bootinfo) of the writer */
	uint32_t platform;	/* enum pk_platform */
	uint32_t boot_protocol; /* enum pk_boot_protocol */
	uint32_t cpu_count;	/* CPUs the loader started/knows of; 0 = ask ACPI */
	uint32_t memmap_count;	/* valid entries in memmap[] */
	uint64_t rsdp_phys;	/* ACPI RSDP, 0 = unknown (kernel scans BIOS area) */
	uint64_t tsc_khz;	/* TSC frequency, 0 = unknown (kernel calibrates) */
	uint64_t entry_tsc;	/* TSC when the loader started (0 = unknown) */
	uint32_t flags;		/* PK_BOOTF_* */
	uint32_t reserved0;
	struct pk_memmap_entry memmap[PK_MEMMAP_MAX]; /* sorted by base */
	char cmdline[PK_CMDLINE_MAX];		      /* NUL-terminated */
	uint32_t module_count;			      /* valid entries in modules[] */
	uint32_t reserved1;
	struct pk_module modules[PK_MODULES_MAX];
};

_Static_assert(sizeof(struct pk_memmap_entry) == 24, "memmap entry ABI");
_Static_assert(__builtin_offsetof(struct pk_bootinfo, version) == 8, "ABI");
_Static_assert(__builtin_offsetof(struct pk_bootinfo, platform) == 16, "ABI");
_Static_assert(__builtin_offsetof(struct pk_bootinfo, cpu_count) == 24, "ABI");
_Static_assert(__builtin_offsetof(struct pk_bootinfo, rsdp_phys) == 32, "ABI");
_Static_assert(__builtin_offsetof(struct pk_bootinfo, tsc_khz) == 40, "ABI");
_Static_assert(__builtin_offsetof(struct pk_bootinfo, entry_tsc) == 48, "ABI");
_Static_assert(__builtin_offsetof(struct pk_bootinfo, flags) == 56, "ABI");
_Static_assert(__builtin_offsetof(struct pk_bootinfo, memmap) == 64, "ABI");
_Static_assert(__builtin_offsetof(struct pk_bootinfo, cmdline) == 64 + 24 * PK_MEMMAP_MAX, "ABI");
_Static_assert(sizeof(struct pk_module) == 64, "ABI");
_Static_assert(__builtin_offsetof(struct pk_bootinfo, module_count) ==
		       64 + 24 * PK_MEMMAP_MAX + PK_CMDLINE_MAX,
	       "ABI");
_Static_assert(sizeof(struct pk_bootinfo) ==
		       64 + 24 * PK_MEMMAP_MAX + PK_CMDLINE_MAX + 8 + 64 * PK_MODULES_MAX,
	       "ABI");

#endif /* __ASSEMBLER__ */

/*
 * Memory layout shared by the kernel, its linker script and the VMM.
 * The kernel image is linked at KERNEL_VMA + physical address; all RAM is
 * also mapped at DIRECT_MAP_BASE + physical address.
 */
#define PK_KERNEL_VMA 0xffffffff80000000
#define PK_DIRECT_MAP_BASE 0xffff800000000000
#define PK_KERNEL_PHYS 0x200000 /* 2 MiB: first huge page above the 1 MiB boot stub */

/*
 * An ELF note (name "perfkern", this type) marks an image the vmm enters
 * directly at e_entry although nothing of it sits in the higher half (the
 * raw test guests). Without it, and without a higher-half PT_LOAD or the
 * PVH note a kernel has, the vmm takes an ELF for a Linux program
 * (lib/progelf/progelf.h).
 */
#define PK_ELFNOTE_NAME "perfkern"
#define PK_ELFNOTE_VMM_GUEST 1

/*
 * The GDT layout every entry path and the vmm use, identical on every CPU
 * and in the boot/trampoline GDTs, so a selector never changes meaning
 * (SDM Vol 3A 3.4.5, 5.2.1). The vmm enters the kernel with these loaded.
 */
#define SEL_CODE32 0x08 /* only used by the 32-bit entry paths */
#define SEL_CODE64 0x10
#define SEL_DATA 0x18
#define SEL_TSS 0x20 /* 16-byte system descriptor in long mode */
#define GDT_ENTRIES 6
/* flat 4 GiB descriptors (SDM Vol 3A 3.4.5: G=1, P=1, S=1; L=1 for 64-bit code) */
#define PK_GDT_CODE32 0x00cf9a000000ffff
#define PK_GDT_CODE64 0x00af9a000000ffff
#define PK_GDT_DATA 0x00cf92000000ffff

#endif
