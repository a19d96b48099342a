/* SPDX-License-Identifier: MIT */
/*
 * fuzz/hcall_fs.c - the file hypercalls (vmm/hcall_fs*.c, proto/fs.h)
 * over fake guest RAM (fake_vm.h) with two real shares of a temporary
 * directory: "sh" read-write at /rw and read-only at /ro, with a file, a
 * subdirectory, a symlink out and a FIFO in it, and victim.txt next to it.
 * Input: one byte picks the call (10 + b % 10), 64 bytes are the request
 * (at REQ), the rest goes into guest RAM at DATA, where the seeds point
 * the request's paths, segments and buffers.
 * Beyond "no crash": the dispatcher resumes the vCPU (no call stops the
 * VM), victim.txt is never changed and nothing appears outside "sh";
 * every handle is closed again after each input, so the cap stays
 * reachable and runs are reproducible.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/hcall.h"
#include "vmm/kvm.h"
#include "fake_vm.h"

#define FUZZ_RAM (4ull << 20)
#define REQ 0x8000ull
#define DATA 0x10000ull
#define DATA_MAX (256u << 10)

static struct vm vm;
static struct vcpu vcpu;
static struct vmm_opts opts;
static char top[64], spec_rw[128], spec_ro[128];
static int topfd = -1;

static void put(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	FILE *f = fopen(p, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static void fuzz_cleanup(void)
{
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		fprintf(stderr, "hcall_fs fuzz: could not remove %s\n", top);
}

static void fuzz_init(void)
{
	fake_vm_init(&vm, &vcpu, &opts, FUZZ_RAM);
	snprintf(top, sizeof(top), "%s/pk-fuzz-fs-XXXXXX", P_tmpdir);
	if (!mkdtemp(top))
		abort();
	char p[256];
	atexit(fuzz_cleanup);
	snprintf(p, sizeof(p), "%s/sh", top);
	if (mkdir(p, 0755) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/sh/d", top);
	if (mkdir(p, 0755) < 0)
		abort();
	put("victim.txt", "VICTIM");
	put("sh/f", "file contents\n");
	snprintf(p, sizeof(p), "%s/sh/out", top);
	if (symlink("../victim.txt", p) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/sh/fifo", top);
	if (mkfifo(p, 0644) < 0)
		abort();
	snprintf(spec_rw, sizeof(spec_rw), "%s/sh:/rw", top);
	snprintf(spec_ro, sizeof(spec_ro), "%s/sh:/ro:ro", top);
	opts.shares[0] = spec_rw;
	opts.shares[1] = spec_ro;
	opts.nshares = 2;
	opts.share_max_handles = 16;
	opts.share_max_bytes = 256ull << 20; /* what a whole fuzz run may write */
	if (share_open_all(&vm) < 0)
		abort();
	topfd = open(top, O_RDONLY | O_DIRECTORY);
	if (topfd < 0)
		abort();
}

/* victim.txt intact, and top holds only sh and victim.txt */
static void fuzz_judge(unsigned nr)
{
	char buf[16] = {0};
	int fd = openat(topfd, "victim.txt", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) != 6 || memcmp(buf, "VICTIM", 6))
		abort();
	close(fd);
	DIR *d = fdopendir(dup(topfd));
	if (!d)
		abort();
	rewinddir(d);
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "sh") &&
		    strcmp(e->d_name, "victim.txt")) {
			fprintf(stdout, "hcall_fs fuzz: call %u made %s outside the share\n", nr,
				e->d_name);
			abort();
		}
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!vm.mem.host)
		fuzz_init();
	if (size < 1 + 64)
		return 0;
	unsigned nr = 10 + data[0] % 10;
	uint8_t *ram = vm.mem.host;
	memset(ram + REQ, 0, 64);
	memcpy(ram + REQ, data + 1, 64);
	size_t n = size - 65 < DATA_MAX ? size - 65 : DATA_MAX;
	memset(ram + DATA, 0, DATA_MAX);
	memcpy(ram + DATA, data + 65, n);
	if (hcall_dispatch(&vcpu, nr, (uint32_t)REQ) != -1)
		abort(); /* no file call ends the VM */
	for (uint32_t h = 0; h < vm.shares.max_handles; h++)
		share_handle_close(&vm.shares, h);
	if (vm.shares.open)
		abort(); /* a slot leaked */
	fuzz_judge(nr);
	return 0;
}
