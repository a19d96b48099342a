/* SPDX-License-Identifier: MIT */
/*
 * guest/linux/fd.c - the fd table: fds 0, 1, 2 are the console (stdin
 * reads EOF, stdout and stderr write to the kernel console), the rest are
 * files of the vfs (guest/fs/vfs.h) and in-process pipes. One table, one
 * lock, reference-counted descriptions (dup shares the offset, as on
 * Linux). Also the cwd and the lexical path normaliser the vfs contract
 * asks of its callers.
 */
#include "fd.h"

#include "guest/fs/vfs.h"
#include "lib/kstring/kstring.h"
#include "lib/heap/heap.h"
#include "lib/lpath/lpath.h"
#include "linux.h"

static struct {
	struct lfile *f;
	int cloexec;
} fds[LINUX_FD_MAX];
static struct spinlock fd_lock = SPINLOCK_INIT;
static char cwd[256] = "/";

struct lfile *lfile_new(enum lfile_kind kind, int flags)
{
	struct lfile *f = kcalloc(1, sizeof(*f));
	if (f) {
		f->refs = 1;
		f->kind = kind;
		f->flags = flags;
	}
	return f;
}

void lfile_put(struct lfile *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (__atomic_load_n(&f->in_epoll, __ATOMIC_ACQUIRE))
		lepoll_forget(f);
	if (f->kind == LF_FILE && f->vf)
		vfs_close(f->vf);
	if (f->pipe)
		lpipe_close(f->pipe, f->kind == LF_PIPE_W);
	if (f->sock)
		lsock_close(f->sock);
	if (f->ep)
		lepoll_close(f->ep);
	kfree(f->path);
	kfree(f);
}

struct lfile *lfd_get(int fd)
{
	if (fd < 0 || fd >= LINUX_FD_MAX)
		return 0;
	spin_lock(&fd_lock);
	struct lfile *f = fds[fd].f;
	if (f)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	spin_unlock(&fd_lock);
	return f;
}

int lfd_install(struct lfile *f, int min, int cloexec)
{
	spin_lock(&fd_lock);
	for (int i = min < 0 ? 0 : min; i < LINUX_FD_MAX; i++)
		if (!fds[i].f) {
			fds[i].f = f;
			fds[i].cloexec = cloexec;
			spin_unlock(&fd_lock);
			return i;
		}
	spin_unlock(&fd_lock);
	return -EMFILE;
}

/* fd := f (dup2), closing what was there; takes the caller's reference. */
static int lfd_replace(int fd, struct lfile *f, int cloexec)
{
	if (fd < 0 || fd >= LINUX_FD_MAX)
		return -EBADF;
	spin_lock(&fd_lock);
	struct lfile *old = fds[fd].f;
	fds[fd].f = f;
	fds[fd].cloexec = cloexec;
	spin_unlock(&fd_lock);
	if (old)
		lfile_put(old);
	return fd;
}

void linux_fd_init(void)
{
	lfd_install(lfile_new(LF_CONSOLE_IN, O_RDONLY), 0, 0);
	lfd_install(lfile_new(LF_CONSOLE_OUT, O_WRONLY), 1, 0);
	lfd_install(lfile_new(LF_CONSOLE_OUT, O_WRONLY), 2, 0);
}

int linux_path_resolve(const char *path, char *out, size_t max)
{
	return lpath_resolve(cwd, path, out, max); /* relative: from the cwd */
}

/* A user path (absolute, relative to the cwd, or with dirfd to the
 * directory that fd was opened on) made absolute: 0 or -errno. */
int linux_upath(long dirfd, uint64_t upath, char *out, size_t max)
{
	char p[256];
	long l = linux_ustr(upath, p, sizeof(p));
	if (l < 0)
		return (int)l;
	if (p[0] == '/' || dirfd == AT_FDCWD)
		return linux_path_resolve(p, out, max);
	/* relative to a directory fd: the path it was opened with */
	struct lfile *f = lfd_get((int)dirfd);
	if (!f)
		return -EBADF;
	int rc = f->kind != LF_FILE || (f->mode & S_IFMT) != S_IFDIR || !f->path
			 ? -ENOTDIR
			 : lpath_resolve(f->path, p, out, max);
	lfile_put(f);
	return rc;
}

const char *linux_cwd(void)
{
	return cwd;
}

int linux_set_cwd(const char *abs)
{
	if (strlen(abs) >= sizeof(cwd))
		return -ENAMETOOLONG;
	pk_strlcpy(cwd, abs, sizeof(cwd));
	return 0;
}

long linux_fd_pread(int fd, void *buf, size_t n, uint64_t off)
{
	struct lfile *f = lfd_get(fd);
	if (!f)
		return -EBADF;
	long rc = f->kind == LF_FILE ? vfs_pread(f->vf, buf, n, off) : -EACCES;
	lfile_put(f);
	return rc;
}

/* close, dup, dup2, dup3, fcntl */
long linux_fd_close(long fd)
{
	if (fd < 0 || fd >= LINUX_FD_MAX)
		return -EBADF;
	spin_lock(&fd_lock);
	struct lfile *f = fds[fd].f;
	fds[fd].f = 0;
	spin_unlock(&fd_lock);
	if (!f)
		return -EBADF;
	lfile_put(f);
	return 0;
}
LINUX_SYS(3, close, linux_fd_close, "d");

static long sys_dup(long fd)
{
	struct lfile *f = lfd_get((int)fd);
	if (!f)
		return -EBADF;
	int rc = lfd_install(f, 0, 0);
	if (rc < 0)
		lfile_put(f);
	return rc;
}
LINUX_SYS(32, dup, sys_dup, "d");

static long sys_dup3(long fd, long nfd, long flags)
{
	if (fd == nfd || (flags & ~O_CLOEXEC))
		return -EINVAL;
	struct lfile *f = lfd_get((int)fd);
	if (!f)
		return -EBADF;
	int rc = lfd_replace((int)nfd, f, (flags & O_CLOEXEC) != 0);
	if (rc < 0)
		lfile_put(f);
	return rc;
}
LINUX_SYS(292, dup3, sys_dup3, "ddx");

static long sys_dup2(long fd, long nfd)
{
	if (fd == nfd) {
		struct lfile *f = lfd_get((int)fd);
		if (!f)
			return -EBADF;
		lfile_put(f);
		return nfd;
	}
	return sys_dup3(fd, nfd, 0);
}
LINUX_SYS(33, dup2, sys_dup2, "dd");

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
static long sys_fcntl(long fd, long cmd, long arg)
{
	struct lfile *f = lfd_get((int)fd);
	if (!f)
		return -EBADF;
	long rc;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		rc = lfd_install(f, (int)arg, cmd == F_DUPFD_CLOEXEC);
		if (rc >= 0)
			return rc; /* the reference went into the table */
		break;
	case F_GETFD:
		rc = fds[fd].cloexec;
		break;
	case F_SETFD:
		fds[fd].cloexec = arg & 1;
		rc = 0;
		break;
	case F_GETFL:
		rc = f->flags & (O_ACCMODE | O_APPEND | O_NONBLOCK);
		break;
	case F_SETFL:
		f->flags = (f->flags & ~(O_APPEND | O_NONBLOCK)) | (arg & (O_APPEND | O_NONBLOCK));
		rc = 0;
		break;
	default:
		rc = -EINVAL;
	}
	lfile_put(f);
	return rc;
}
LINUX_SYS(72, fcntl, sys_fcntl, "ddx");

#define TCGETS 0x5401
#define TIOCGWINSZ 0x5413
static long sys_ioctl(long fd, long req, uint64_t arg)
{
	(void)arg;
	struct lfile *f = lfd_get((int)fd);
	if (!f)
		return -EBADF;
	lfile_put(f);
	/* the console is no terminal: TCGETS and TIOCGWINSZ say so, as on
	 * Linux for a pipe, and stdio buffers fully */
	(void)req;
	return -ENOTTY;
}
LINUX_SYS(16, ioctl, sys_ioctl, "dxx");
