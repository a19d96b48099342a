/* SPDX-License-Identifier: MIT */
/* guest/fs/fs_errno.h - the Linux errno and O_ / S_IF values the VFS speaks
 * (x86-64 Linux ABI: asm-generic/errno-base.h, errno.h, fcntl.h, stat.h).
 * Host unit tests get them from the C library, the kernel from here. */
#ifndef PK_FS_FS_ERRNO_H
#define PK_FS_FS_ERRNO_H

#ifndef ENOENT
#define EPERM 1
#define ENOENT 2
#define EIO 5
#define EBADF 9
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EXDEV 18
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define EMFILE 24
#define EFBIG 27
#define ENOSPC 28
#define EROFS 30
#define EMLINK 31
#define ENAMETOOLONG 36
#define ENOSYS 38
#define ENOTEMPTY 39
#define ELOOP 40
#endif

#ifndef O_ACCMODE
#define O_ACCMODE 03
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_DIRECTORY 0200000
#endif

#ifndef S_IFMT
#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define S_IFLNK 0120000
#endif

/* d_type of struct linux_dirent64 */
#define FS_DT_DIR 4
#define FS_DT_REG 8

#endif
