#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "overlayfs/fs.h"

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool ovl_xattr_is_private(const char *name)
{
	return has_prefix(name, OVL_XATTR_TRUSTED) || has_prefix(name, OVL_XATTR_USER) ||
	       has_prefix(name, OVL_XATTR_FUSE);
}

bool ovl_xattr_is_escaped(const char *name)
{
	return has_prefix(name, OVL_XATTR_TRUSTED "overlay.") ||
	       has_prefix(name, OVL_XATTR_USER "overlay.");
}

const char *ovl_xattr_own_prefix(const struct ovl_fs *fs)
{
	return fs->privileged ? OVL_XATTR_TRUSTED : OVL_XATTR_USER;
}

bool ovl_xattr_to_disk(const struct ovl_fs *fs, const char *name, char *buf, size_t size)
{
	const char *own = ovl_xattr_own_prefix(fs);

	if (!has_prefix(name, own))
		return false;
	return (size_t)snprintf(buf, size, "%soverlay.%s", own, name + strlen(own)) < size;
}

bool ovl_xattr_from_disk(const struct ovl_fs *fs, const char *name, char *buf, size_t size)
{
	const char *own = ovl_xattr_own_prefix(fs);
	size_t len = strlen(own);

	if (!has_prefix(name, own) || !has_prefix(name + len, "overlay."))
		return false;
	return (size_t)snprintf(buf, size, "%s%s", own, name + len + strlen("overlay.")) < size;
}

void ovl_proc_path(int dirfd, const char *path, char *buf, size_t size)
{
	/* "N/." for the layer root: the l*xattr calls would not follow "N" itself. */
	snprintf(buf, size, "/proc/self/fd/%d/%s", dirfd, path);
}

/*
 * Linux 6.13's *xattrat(2) (one number on every architecture, as all syscalls
 * added since 5.1), which the C library does not wrap yet: a name walked from
 * dirfd, where the /proc/self/fd/N path costs a walk through /proc and a
 * magic link first (a fifth of the server's CPU in ls -lR). Tried once at
 * mount (ovl_xattrat_probe): where they fail (ENOSYS, or EPERM from a seccomp
 * filter that refuses what it does not know), the /proc path.
 */
#ifndef __NR_setxattrat
#define __NR_setxattrat 463
#endif
#ifndef __NR_getxattrat
#define __NR_getxattrat 464
#endif
#ifndef __NR_listxattrat
#define __NR_listxattrat 465
#endif
#ifndef __NR_removexattrat
#define __NR_removexattrat 466
#endif

struct xattrat_args {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

/* set by the probe, and by any thread that meets ENOSYS later: an atomic, read relaxed */
static atomic_bool no_xattrat;

void ovl_xattrat_probe(void)
{
	long r;

	/* for tests (pea-overlayfs(1)): the /proc path of kernels before 6.13 */
	if (getenv("PEA_OVERLAYFS_TEST_NO_XATTRAT")) {
		atomic_store(&no_xattrat, true);
		return;
	}
	r = syscall(__NR_listxattrat, AT_FDCWD, "/", AT_SYMLINK_NOFOLLOW, NULL, (size_t)0);
	atomic_store(&no_xattrat, r < 0 && errno != ENOTSUP);
}

/* "." for the directory itself: an empty path would need AT_EMPTY_PATH. */
static const char *at_path(const char *path)
{
	return *path ? path : ".";
}

/* ENOSYS after a probe that passed: a seccomp filter set up since; the /proc path then. */
static bool xattrat_missing(long r)
{
	if (r < 0 && errno == ENOSYS) {
		atomic_store_explicit(&no_xattrat, true, memory_order_relaxed);
		return true;
	}
	return false;
}

/* getxattrat or setxattrat: true when the kernel answered (in *r). */
static bool xattrat_value(long nr, int dirfd, const char *path, const char *name, const void *value,
			  size_t size, int flags, long *r)
{
	struct xattrat_args args = { .value = (uintptr_t)value,
				     .size = (uint32_t)size,
				     .flags = (uint32_t)flags };

	if (atomic_load_explicit(&no_xattrat, memory_order_relaxed))
		return false;
	*r = syscall(nr, dirfd, at_path(path), AT_SYMLINK_NOFOLLOW, name, &args, sizeof(args));
	return !xattrat_missing(*r);
}

ssize_t ovl_getxattr_at(int dirfd, const char *path, const char *name, void *buf, size_t size)
{
	char p[PATH_MAX + 64];
	long r;

	if (xattrat_value(__NR_getxattrat, dirfd, path, name, buf, size, 0, &r))
		return r;
	ovl_proc_path(dirfd, path, p, sizeof(p));
	return lgetxattr(p, name, buf, size);
}

ssize_t ovl_listxattr_at(int dirfd, const char *path, char *list, size_t size)
{
	char p[PATH_MAX + 64];
	long r;

	if (!atomic_load_explicit(&no_xattrat, memory_order_relaxed)) {
		r = syscall(__NR_listxattrat, dirfd, at_path(path), AT_SYMLINK_NOFOLLOW, list,
			    size);
		if (!xattrat_missing(r))
			return r;
	}
	ovl_proc_path(dirfd, path, p, sizeof(p));
	return llistxattr(p, list, size);
}

int ovl_setxattr_at(int dirfd, const char *path, const char *name, const void *value, size_t size,
		    int flags)
{
	char p[PATH_MAX + 64];
	long r;

	if (xattrat_value(__NR_setxattrat, dirfd, path, name, value, size, flags, &r))
		return (int)r;
	ovl_proc_path(dirfd, path, p, sizeof(p));
	return lsetxattr(p, name, value, size, flags);
}

int ovl_removexattr_at(int dirfd, const char *path, const char *name)
{
	char p[PATH_MAX + 64];
	long r;

	if (!atomic_load_explicit(&no_xattrat, memory_order_relaxed)) {
		r = syscall(__NR_removexattrat, dirfd, at_path(path), AT_SYMLINK_NOFOLLOW, name);
		if (!xattrat_missing(r))
			return (int)r;
	}
	ovl_proc_path(dirfd, path, p, sizeof(p));
	return lremovexattr(p, name);
}

int ovl_origin_of(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t n;

	n = ovl_getxattr_at(dirfd, name, OVL_ORIGIN_FUSE, buf, size - 1);
	if (n > 0) {
		buf[n] = '\0';
		/* Written with its NUL by fuse-overlayfs and by us. */
		return buf[0] != '\0' ? 1 : 0;
	}
	if (ovl_getxattr_at(dirfd, name, OVL_ORIGIN_TRUSTED, NULL, 0) > 0 ||
	    ovl_getxattr_at(dirfd, name, OVL_ORIGIN_USER, NULL, 0) > 0)
		return 2;
	return 0;
}
