/* SPDX-License-Identifier: MIT */
/*
 * guest/fs/fs_init.c - what the VFS mounts at boot (docs/files.md):
 *   /      the first boot module as a cpio newc initrd, read-only (QEMU
 *          -initrd, a GRUB module2: `make iso FILES=dir`);
 *   shares every `vmm --share HOST:GUEST[:ro]` at its GUEST path;
 *   /tmp   a RAM file system for outputs, unless a share is there already,
 *          made at the first use of a path below it
 *          (ramfs_mib=N caps it, default half the usable RAM).
 */
#include "guest/arch/mmio.h"
#include "guest/arch/paging.h"
#include "guest/kernel/bootinfo.h"
#include "guest/kernel/console.h"
#include "guest/kernel/param.h"
#include "lib/cmdline/cmdline.h"
#include "lib/kstring/kstring.h"
#include "fs.h"

PK_PARAM(ramfs_mib, "MiB of file data the /tmp RAM file system may hold (default: half of RAM)");

extern uint64_t frames_usable_mib;

/* /tmp's RAM fs, made at the first use of a path below /tmp */
static void *fs_tmp_make(void)
{
	uint64_t mib = cmdline_get_uint(boot_info.cmdline, "ramfs_mib", frames_usable_mib / 2);
	void *r = ramfs_new(mib << 20);
	if (!r)
		kprintf("ramfs: no memory for /tmp\n");
	return r;
}

void fs_init(void)
{
	bool any = false;
	if (boot_info.module_count) {
		const struct pk_module *m = &boot_info.modules[0];
		int rc = -1;
		if (m->base + m->length <= direct_map_limit)
			rc = initrd_mount("/", phys_to_virt(m->base), m->length);
		if (rc < 0)
			kprintf("initrd: module '%s' (%lu bytes at 0x%lx) not mounted (%d)\n",
				m->name, m->length, m->base, rc);
		any |= rc == 0;
	}
	int shares = hostfs_mount_shares();
	any |= shares > 0;
	const char *rel;
	struct mount *t = vfs_lookup("/tmp", &rel);
	if ((!t || strcmp(t->path, "/tmp")) &&
	    vfs_mount_lazy("/tmp", &ramfs_ops, fs_tmp_make, false) < 0)
		kprintf("ramfs: /tmp not mounted\n");
	if (any)
		vfs_print_mounts();
}
