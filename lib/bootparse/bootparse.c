/* SPDX-License-Identifier: MIT */
/*
 * lib/bootparse/bootparse.c - convert what a loader handed over (Xen PVH
 * hvm_start_info, multiboot2 boot information) into struct pk_bootinfo.
 *
 * Everything here treats loader memory as hostile: it is read only through
 * map() with the exact length about to be used, copied into locals before
 * use (loader structures need not be aligned for C), and every size or
 * count is checked against its container before it is trusted. A bad input
 * is a clean -1 with a reason, never an out-of-bounds read.
 */
#include "bootparse.h"

#include <stdbool.h>
#include <stddef.h>

#include "lib/kstring/kstring.h"

/* Multiboot2 spec 3.6: boot information tag types and layout. */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_ALIGN 8

/* ACPI 6.5 5.2.5.3: RSDP length for revision 0 and revision >= 2. */
#define RSDP_V1_SIZE 20
#define RSDP_V2_SIZE 36

/* Real E820 maps have tens of entries, a few hundred on big NUMA boxes.
 * Anything past this is a corrupt count, not a memory map. */
#define PVH_MEMMAP_ENTRIES_MAX 4096

/* hvm_start_info v0 ends before memmap_paddr. */
#define PVH_V0_SIZE offsetof(struct hvm_start_info, memmap_paddr)

/* Physical memory is mapped in whole pages, so a string read never has to
 * touch a page it does not at least start in. */
#define BOOTPARSE_PAGE 4096u

struct mb2_info_header {
	uint32_t total_size;
	uint32_t reserved;
};

struct mb2_tag {
	uint32_t type;
	uint32_t size; /* including this header, excluding the padding */
};

struct mb2_tag_mmap {
	uint32_t type;
	uint32_t size;
	uint32_t entry_size; /* may grow in later versions: step by it */
	uint32_t entry_version;
};

struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
};

struct mb2_tag_basic_meminfo {
	uint32_t type;
	uint32_t size;
	uint32_t mem_lower; /* KiB from 0 */
	uint32_t mem_upper; /* KiB from 1 MiB */
};

_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "multiboot2 spec 3.6.8");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "PVH ABI");
_Static_assert(offsetof(struct hvm_memmap_table_entry, size) ==
			       offsetof(struct mb2_mmap_entry, length) &&
		       offsetof(struct hvm_memmap_table_entry, type) ==
			       offsetof(struct mb2_mmap_entry, type),
	       "memmap_add_table reads both layouts");

static int bootparse_fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -1;
}

/* Copies exactly len bytes of loader memory into dst. */
static int bootparse_read(pk_phys_map_fn map, void *ctx, uint64_t phys, void *dst, size_t len)
{
	const void *p = map(phys, len, ctx);

	if (!p)
		return -1;
	memcpy(dst, p, len);
	return 0;
}

/* ---- memory map ---------------------------------------------------------- */

/* E820 and multiboot2 share the numbering of enum pk_mem_type (ACPI 6.5
 * table 15.1); anything newer (persistent memory, ...) must stay untouched. */
static uint32_t memmap_type_norm(uint32_t type)
{
	return type >= PK_MEM_USABLE && type <= PK_MEM_BAD ? type : PK_MEM_RESERVED;
}

/*
 * Which type wins where two runs overlap: the more restrictive one. ACPI
 * data can be reclaimed once parsed, so it is weaker than NVS (which must
 * survive), reserved is off limits, and bad RAM must never be touched.
 */
#define MEMMAP_RANK_MAX 4

static unsigned memmap_rank(uint32_t type)
{
	switch (type) {
	case PK_MEM_USABLE:
		return 0;
	case PK_MEM_ACPI_RECLAIM:
		return 1;
	case PK_MEM_ACPI_NVS:
		return 2;
	case PK_MEM_BAD:
		return MEMMAP_RANK_MAX;
	default:
		return 3;
	}
}

static bool memmap_allocatable(uint32_t type)
{
	return type == PK_MEM_USABLE || type == PK_MEM_ACPI_RECLAIM;
}

static uint64_t memmap_end(const struct pk_memmap_entry *m)
{
	return m->base + m->length;
}

static bool memmap_insert(struct pk_bootinfo *bi, uint32_t idx, uint64_t base, uint64_t len,
			  uint32_t type)
{
	if (bi->memmap_count >= PK_MEMMAP_MAX) {
		bi->flags |= PK_BOOTF_MEMMAP_TRUNCATED;
		return false;
	}
	memmove(&bi->memmap[idx + 1], &bi->memmap[idx],
		(bi->memmap_count - idx) * sizeof(bi->memmap[0]));
	bi->memmap[idx] = (struct pk_memmap_entry){.base = base, .length = len, .type = type};
	bi->memmap_count++;
	return true;
}

static void memmap_delete(struct pk_bootinfo *bi, uint32_t idx)
{
	memmove(&bi->memmap[idx], &bi->memmap[idx + 1],
		(bi->memmap_count - idx - 1) * sizeof(bi->memmap[0]));
	bi->memmap_count--;
}

/*
 * First step of adding [b, e): take it away from every weaker run. This
 * never needs a new entry except when one weaker run strictly contains
 * [b, e); then nothing else overlaps and the run splits in two.
 */
static void memmap_carve(struct pk_bootinfo *bi, uint64_t b, uint64_t e, unsigned rank)
{
	for (uint32_t i = 0; i < bi->memmap_count;) {
		struct pk_memmap_entry *m = &bi->memmap[i];
		uint64_t mend = memmap_end(m);

		if (m->base >= e)
			break;
		if (mend <= b || memmap_rank(m->type) >= rank) {
			i++;
			continue;
		}
		if (m->base < b && mend > e) {
			m->length = b - m->base;
			memmap_insert(bi, i + 1, e, mend - e, m->type);
			break;
		}
		if (m->base < b) {
			m->length = b - m->base;
			i++;
		} else if (mend > e) {
			m->length = mend - e;
			m->base = e;
			i++;
		} else {
			memmap_delete(bi, i);
		}
	}
}

/*
 * Second step: give every hole left in [b, e) the new type, joining
 * same-type neighbours. With insert false only holes that can join a
 * neighbour are filled; those free entries (a hole bridging two runs frees
 * one), so doing them first lets the insertions use every slot there is.
 *
 * Once the table has overflowed, a hole may be a run that was dropped, so
 * holes are no longer filled with a type the kernel would allocate from.
 */
static void memmap_fill(struct pk_bootinfo *bi, uint64_t b, uint64_t e, uint32_t type, bool insert)
{
	struct pk_memmap_entry *mm = bi->memmap;
	uint64_t x = b;
	uint32_t i = 0;

	while (x < e) {
		while (i < bi->memmap_count && memmap_end(&mm[i]) <= x)
			i++;
		if (i < bi->memmap_count && mm[i].base <= x) { /* already as strong */
			x = memmap_end(&mm[i]);
			continue;
		}
		uint64_t hole_end = i < bi->memmap_count && mm[i].base < e ? mm[i].base : e;
		if ((bi->flags & PK_BOOTF_MEMMAP_TRUNCATED) && memmap_allocatable(type)) {
			x = hole_end;
			continue;
		}
		bool left = i > 0 && memmap_end(&mm[i - 1]) == x && mm[i - 1].type == type;
		bool right = i < bi->memmap_count && mm[i].base == hole_end && mm[i].type == type;

		if (left) {
			mm[i - 1].length += hole_end - x;
			if (right) {
				mm[i - 1].length += mm[i].length;
				memmap_delete(bi, i);
			}
			x = memmap_end(&mm[i - 1]);
		} else if (right) {
			mm[i].length += mm[i].base - x;
			mm[i].base = x;
			x = memmap_end(&mm[i]);
		} else {
			if (insert)
				memmap_insert(bi, i, x, hole_end - x, type);
			x = hole_end;
		}
	}
}

/*
 * When the table is full the parts of the run that would need a new entry
 * are dropped, but the carving is kept: a hole is never handed out as RAM,
 * whereas ignoring a reserved run inside a usable one would be.
 * Without overflow the result does not depend on the order of the calls.
 */
void bootinfo_add_mem(struct pk_bootinfo *bi, uint64_t base, uint64_t len, uint32_t type)
{
	type = memmap_type_norm(type);
	/* The last byte of the address space cannot be described by an
	 * exclusive end; losing it is harmless. */
	if (len > UINT64_MAX - base)
		len = UINT64_MAX - base;
	if (!len)
		return;

	uint64_t end = base + len;
	memmap_carve(bi, base, end, memmap_rank(type));
	memmap_fill(bi, base, end, type, false);
	memmap_fill(bi, base, end, type, true);
}

/*
 * Adds a loader table of {u64 base, u64 length, u32 type, ...} records
 * (PVH and multiboot2 agree on that prefix), weakest type first: should the
 * table overflow, what gets dropped is then the most restrictive runs, and
 * every later run is at least as restrictive as a dropped one, so it may
 * safely fill the hole that run left.
 */
static void memmap_add_table(struct pk_bootinfo *bi, const unsigned char *tab, uint32_t n,
			     size_t stride)
{
	for (unsigned rank = 0; rank <= MEMMAP_RANK_MAX; rank++) {
		for (uint32_t i = 0; i < n; i++) {
			struct mb2_mmap_entry e;
			memcpy(&e, tab + (size_t)i * stride, sizeof(e));
			if (memmap_rank(memmap_type_norm(e.type)) == rank)
				bootinfo_add_mem(bi, e.base_addr, e.length, e.type);
		}
	}
}

const char *bootinfo_mem_type_name(uint32_t type)
{
	switch (type) {
	case PK_MEM_USABLE:
		return "usable";
	case PK_MEM_RESERVED:
		return "reserved";
	case PK_MEM_ACPI_RECLAIM:
		return "ACPI data";
	case PK_MEM_ACPI_NVS:
		return "ACPI NVS";
	case PK_MEM_BAD:
		return "bad";
	default:
		return "unknown";
	}
}

/* ---- common -------------------------------------------------------------- */

void bootinfo_init(struct pk_bootinfo *bi, uint32_t protocol)
{
	memset(bi, 0, sizeof(*bi));
	bi->magic = PK_BOOTINFO_MAGIC;
	bi->version = PK_BOOTINFO_VERSION;
	bi->size = sizeof(*bi);
	bi->platform = PK_PLATFORM_PC;
	bi->boot_protocol = protocol;
}

/* s is readable for maxlen bytes and ends at its NUL or there, whichever
 * comes first. */
void bootinfo_set_cmdline(struct pk_bootinfo *bi, const char *s, uint64_t maxlen)
{
	size_t n = 0;

	bi->flags &= ~PK_BOOTF_CMDLINE_TRUNCATED;
	while (s && n < maxlen && s[n]) {
		if (n == PK_CMDLINE_MAX - 1) {
			bi->flags |= PK_BOOTF_CMDLINE_TRUNCATED;
			break;
		}
		bi->cmdline[n] = s[n];
		n++;
	}
	/* Clear the tail too: the struct stays byte-for-byte deterministic. */
	memset(bi->cmdline + n, 0, PK_CMDLINE_MAX - n);
}

int bootinfo_check(const struct pk_bootinfo *bi, const char **why)
{
	if (!bi)
		return bootparse_fail(why, "bootinfo: NULL pointer");
	if (bi->magic != PK_BOOTINFO_MAGIC)
		return bootparse_fail(why, "bootinfo: bad magic");
	if (bi->version != PK_BOOTINFO_VERSION)
		return bootparse_fail(why, "bootinfo: unsupported version");
	if (bi->size < sizeof(*bi))
		return bootparse_fail(why, "bootinfo: size smaller than struct pk_bootinfo");
	if (bi->platform != PK_PLATFORM_PC && bi->platform != PK_PLATFORM_VMM)
		return bootparse_fail(why, "bootinfo: unknown platform");
	if (bi->memmap_count > PK_MEMMAP_MAX)
		return bootparse_fail(why, "bootinfo: memmap_count exceeds PK_MEMMAP_MAX");
	if (strnlen(bi->cmdline, PK_CMDLINE_MAX) == PK_CMDLINE_MAX)
		return bootparse_fail(why, "bootinfo: cmdline not NUL-terminated");
	/* The frame allocator walks the map in order and trusts base+length. */
	uint64_t prev_end = 0;
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct pk_memmap_entry *m = &bi->memmap[i];
		if (m->length > UINT64_MAX - m->base)
			return bootparse_fail(why, "bootinfo: memory map entry wraps around");
		if (m->base < prev_end)
			return bootparse_fail(why,
					      "bootinfo: memory map not sorted or overlapping");
		prev_end = memmap_end(m);
	}
	return 0;
}

/* ---- Xen PVH ------------------------------------------------------------- */

/*
 * The start info gives only the string's address. Read page by page up to
 * PK_CMDLINE_MAX bytes, so a short command line in the last page of RAM
 * never makes us map past that page.
 */
static int pvh_read_cmdline(struct pk_bootinfo *bi, uint64_t phys, pk_phys_map_fn map, void *ctx)
{
	size_t n = 0;

	if (phys > UINT64_MAX - PK_CMDLINE_MAX)
		return -1;
	while (n < PK_CMDLINE_MAX) {
		uint64_t p = phys + n;
		size_t chunk = BOOTPARSE_PAGE - (size_t)(p & (BOOTPARSE_PAGE - 1));
		if (chunk > PK_CMDLINE_MAX - n)
			chunk = PK_CMDLINE_MAX - n;
		const char *s = map(p, chunk, ctx);
		if (!s)
			return -1;
		for (size_t i = 0; i < chunk; i++, n++) {
			if (!s[i])
				return 0;
			if (n == PK_CMDLINE_MAX - 1) {
				bi->flags |= PK_BOOTF_CMDLINE_TRUNCATED;
				return 0;
			}
			bi->cmdline[n] = s[i];
		}
	}
	return 0;
}

int bootinfo_from_pvh(struct pk_bootinfo *bi, uint64_t start_info_phys, pk_phys_map_fn map,
		      void *ctx, const char **why)
{
	struct hvm_start_info si;

	if (!bi || !map)
		return bootparse_fail(why, "pvh: NULL argument");
	bootinfo_init(bi, PK_BOOT_PVH);

	/* Version first: a v0 structure is shorter than ours. */
	if (bootparse_read(map, ctx, start_info_phys, &si, 2 * sizeof(uint32_t)))
		return bootparse_fail(why, "pvh: hvm_start_info not readable");
	if (si.magic != PVH_START_MAGIC)
		return bootparse_fail(why, "pvh: bad hvm_start_info magic");
	if (si.version < 1)
		return bootparse_fail(why, "pvh: hvm_start_info version 0 has no memory map");
	if (bootparse_read(map, ctx, start_info_phys, &si, sizeof(si)))
		return bootparse_fail(why, "pvh: hvm_start_info not readable");

	if (si.memmap_entries == 0)
		return bootparse_fail(why, "pvh: memory map is empty");
	if (si.memmap_entries > PVH_MEMMAP_ENTRIES_MAX)
		return bootparse_fail(why, "pvh: memmap_entries absurdly large");
	size_t tab_len = si.memmap_entries * sizeof(struct hvm_memmap_table_entry);
	if (si.memmap_paddr > UINT64_MAX - tab_len)
		return bootparse_fail(why, "pvh: memory map wraps the address space");
	const unsigned char *tab = map(si.memmap_paddr, tab_len, ctx);
	if (!tab)
		return bootparse_fail(why, "pvh: memory map not readable");
	memmap_add_table(bi, tab, si.memmap_entries, sizeof(struct hvm_memmap_table_entry));
	if (bi->memmap_count == 0)
		return bootparse_fail(why, "pvh: memory map has only empty runs");

	if (si.cmdline_paddr && pvh_read_cmdline(bi, si.cmdline_paddr, map, ctx))
		return bootparse_fail(why, "pvh: cmdline not readable or not NUL-terminated");
	bi->rsdp_phys = si.rsdp_paddr;
	return 0;
}

/* ---- multiboot2 ---------------------------------------------------------- */

static int mb2_parse_mmap(struct pk_bootinfo *bi, uint64_t tag_phys, uint32_t size,
			  pk_phys_map_fn map, void *ctx, const char **why)
{
	struct mb2_tag_mmap hdr;

	if (size < sizeof(hdr))
		return bootparse_fail(why, "multiboot2: memory map tag too small");
	const unsigned char *tag = map(tag_phys, size, ctx);
	if (!tag)
		return bootparse_fail(why, "multiboot2: memory map tag not readable");
	memcpy(&hdr, tag, sizeof(hdr));
	if (hdr.entry_size < sizeof(struct mb2_mmap_entry))
		return bootparse_fail(why, "multiboot2: memory map entry_size < 24");

	/* Bytes past the last whole entry are padding, not an entry. */
	uint32_t n = (size - (uint32_t)sizeof(hdr)) / hdr.entry_size;
	memmap_add_table(bi, tag + sizeof(hdr), n, hdr.entry_size);
	return 0;
}

int bootinfo_from_mb2(struct pk_bootinfo *bi, uint64_t mbi_phys, pk_phys_map_fn map, void *ctx,
		      const char **why)
{
	struct mb2_info_header hdr;
	struct mb2_tag_basic_meminfo meminfo = {0};
	bool have_mmap = false, have_meminfo = false, have_new_rsdp = false;

	if (!bi || !map)
		return bootparse_fail(why, "multiboot2: NULL argument");
	bootinfo_init(bi, PK_BOOT_MULTIBOOT2);

	/* Spec 3.6.1: the MBI is 8-byte aligned; tags are aligned relative
	 * to it, so a misaligned start means we were handed something else. */
	if (mbi_phys % MB2_TAG_ALIGN)
		return bootparse_fail(why, "multiboot2: boot information not 8-byte aligned");
	if (bootparse_read(map, ctx, mbi_phys, &hdr, sizeof(hdr)))
		return bootparse_fail(why, "multiboot2: boot information header not readable");
	if (hdr.total_size < sizeof(hdr) + sizeof(struct mb2_tag))
		return bootparse_fail(why, "multiboot2: total_size too small for an end tag");
	if (mbi_phys > UINT64_MAX - hdr.total_size)
		return bootparse_fail(why, "multiboot2: boot information wraps the address space");

	/* Tags are at least 8 bytes, so this walks at most total_size/8 of
	 * them; every tag must end by total_size. */
	uint64_t off = sizeof(hdr);
	for (;;) {
		struct mb2_tag tag;

		if (off > hdr.total_size - sizeof(tag))
			return bootparse_fail(why, "multiboot2: no end tag before total_size");
		uint64_t tag_phys = mbi_phys + off;
		if (bootparse_read(map, ctx, tag_phys, &tag, sizeof(tag)))
			return bootparse_fail(why, "multiboot2: tag not readable");
		if (tag.size < sizeof(tag))
			return bootparse_fail(why,
					      "multiboot2: tag smaller than its 8-byte header");
		if (tag.size > hdr.total_size - off)
			return bootparse_fail(why, "multiboot2: tag runs past total_size");
		if (tag.type == MB2_TAG_END)
			break;

		switch (tag.type) {
		case MB2_TAG_CMDLINE: {
			const char *t = map(tag_phys, tag.size, ctx);
			if (!t)
				return bootparse_fail(why, "multiboot2: cmdline tag not readable");
			bootinfo_set_cmdline(bi, t + sizeof(tag), tag.size - sizeof(tag));
			break;
		}
		case MB2_TAG_BASIC_MEMINFO:
			if (tag.size < sizeof(meminfo))
				return bootparse_fail(why,
						      "multiboot2: basic meminfo tag too small");
			if (bootparse_read(map, ctx, tag_phys, &meminfo, sizeof(meminfo)))
				return bootparse_fail(why,
						      "multiboot2: basic meminfo tag not readable");
			have_meminfo = true;
			break;
		case MB2_TAG_MMAP:
			if (mb2_parse_mmap(bi, tag_phys, tag.size, map, ctx, why))
				return -1;
			have_mmap = true;
			break;
		/* The loader copies the RSDP into the tag; the copy is what
		 * the ACPI code gets (the original may be anywhere, even in
		 * memory UEFI has since reclaimed). The ACPI 2.0+ one carries
		 * the XSDT, so it wins whatever the tag order. */
		case MB2_TAG_ACPI_OLD:
			if (tag.size < sizeof(tag) + RSDP_V1_SIZE)
				return bootparse_fail(why,
						      "multiboot2: ACPI old RSDP tag too small");
			if (!have_new_rsdp)
				bi->rsdp_phys = tag_phys + sizeof(tag);
			break;
		case MB2_TAG_ACPI_NEW:
			if (tag.size < sizeof(tag) + RSDP_V2_SIZE)
				return bootparse_fail(why,
						      "multiboot2: ACPI new RSDP tag too small");
			bi->rsdp_phys = tag_phys + sizeof(tag);
			have_new_rsdp = true;
			break;
		default: /* framebuffer, modules, EFI tables...: not ours */
			break;
		}
		off += (tag.size + MB2_TAG_ALIGN - 1) & ~(uint64_t)(MB2_TAG_ALIGN - 1);
	}

	/* Basic meminfo only knows "RAM below 640K" and "RAM from 1 MiB up to
	 * the first hole": coarse, but enough to boot when GRUB gives no map. */
	if (!have_mmap) {
		if (!have_meminfo)
			return bootparse_fail(
				why, "multiboot2: no memory map (tag 6) nor basic meminfo (tag 4)");
		bootinfo_add_mem(bi, 0, (uint64_t)meminfo.mem_lower * 1024, PK_MEM_USABLE);
		bootinfo_add_mem(bi, 0x100000, (uint64_t)meminfo.mem_upper * 1024, PK_MEM_USABLE);
	}
	if (bi->memmap_count == 0)
		return bootparse_fail(why, "multiboot2: memory map has only empty runs");
	return 0;
}
