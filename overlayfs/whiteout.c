#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "overlayfs/fs.h"

bool ovl_is_whiteout_stat(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) == 0 && minor(st->st_rdev) == 0;
}

static int wh_name(const char *name, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s%s", OVL_WHITEOUT_PREFIX, name) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int ovl_whiteout_create(struct ovl_fs *fs, int dirfd, const char *name)
{
	char wh[NAME_MAX + 8];
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if (fs->can_mknod) {
		/* Mode 0, as the kernel's whiteouts. */
		if (mknodat(dirfd, name, S_IFCHR, makedev(0, 0)) == 0)
			return 0;
		if (errno == EEXIST && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    ovl_is_whiteout_stat(&st))
			return 0;
		if (errno != EPERM && errno != ENOTSUP)
			return -errno;
		fs->can_mknod = false;
	}
	r = wh_name(name, wh, sizeof(wh));
	if (r < 0)
		return r;
	fd = openat(dirfd, wh, O_CREAT | O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW, 0700);
	if (fd < 0)
		return -errno;
	return 0;
}

int ovl_whiteout_remove(struct ovl_fs *fs, int dirfd, const char *name)
{
	char wh[NAME_MAX + 8];
	struct stat st;
	int r;

	/* A char 0/0, or the kernel's other form left in an upper layer. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (ovl_is_whiteout_stat(&st) || ovl_is_xwhiteout(dirfd, name, &st)) &&
	    unlinkat(dirfd, name, 0) < 0)
		return -errno;
	r = wh_name(name, wh, sizeof(wh));
	if (r < 0)
		return 0; /* no room for a .wh. name: there is none */
	if (unlinkat(dirfd, wh, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int ovl_set_opaque(struct ovl_fs *fs, int dirfd)
{
	_cleanup_close_ int fd = -1;
	const char *xattr = fs->privileged ? OVL_OPAQUE_TRUSTED : OVL_OPAQUE_USER;

	if (fsetxattr(dirfd, xattr, "y", 1, 0) == 0)
		return 0;
	if (errno != ENOTSUP && errno != EPERM)
		return -errno;
	/* No xattrs on this file system: the opaque marker file. */
	fd = openat(dirfd, OVL_OPAQUE_WHITEOUT, O_CREAT | O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0700);
	return fd < 0 ? -errno : 0;
}

/* The mark an opaque xattr's value makes: 'y' opaque, 'x' holding xattr whiteouts. */
static unsigned opaque_mark(int fd, const char *name)
{
	char v[8];
	ssize_t n = fgetxattr(fd, name, v, sizeof(v));

	if (n > 0 && v[0] == 'y')
		return OVL_DIR_OPAQUE;
	if (n > 0 && v[0] == 'x' && strcmp(name, OVL_OPAQUE_FUSE) != 0)
		return OVL_DIR_XWHITEOUTS;
	return 0;
}

static bool is_opaque_name(const char *name)
{
	return strcmp(name, OVL_OPAQUE_TRUSTED) == 0 || strcmp(name, OVL_OPAQUE_USER) == 0 ||
	       strcmp(name, OVL_OPAQUE_FUSE) == 0;
}

/* Linux 6.7's mark of a directory holding xattr whiteouts (6.8 on: opaque "x"). */
static bool is_whiteouts_name(const char *name)
{
	return strcmp(name, OVL_XATTR_TRUSTED "whiteouts") == 0 ||
	       strcmp(name, OVL_XATTR_USER "whiteouts") == 0;
}

unsigned ovl_dir_marks_fd(int fd)
{
	char list[4096];
	unsigned marks = 0;
	ssize_t n;

	n = flistxattr(fd, list, sizeof(list));
	if (n < 0) {
		/* Too many to list at once: ask for each. */
		if (errno != ERANGE)
			return 0;
		marks = opaque_mark(fd, OVL_OPAQUE_TRUSTED) | opaque_mark(fd, OVL_OPAQUE_USER) |
			opaque_mark(fd, OVL_OPAQUE_FUSE);
		if (fgetxattr(fd, OVL_XATTR_TRUSTED "whiteouts", NULL, 0) >= 0 ||
		    fgetxattr(fd, OVL_XATTR_USER "whiteouts", NULL, 0) >= 0)
			marks |= OVL_DIR_XWHITEOUTS;
		return marks;
	}
	for (ssize_t off = 0; off < n; off += (ssize_t)strlen(list + off) + 1) {
		const char *name = list + off;

		if (is_opaque_name(name))
			marks |= opaque_mark(fd, name);
		else if (is_whiteouts_name(name))
			marks |= OVL_DIR_XWHITEOUTS;
	}
	return marks;
}

bool ovl_is_xwhiteout(int dirfd, const char *name, const struct stat *st)
{
	if (!S_ISREG(st->st_mode) || st->st_size != 0)
		return false;
	return ovl_getxattr_at(dirfd, name, OVL_XATTR_TRUSTED "whiteout", NULL, 0) >= 0 ||
	       ovl_getxattr_at(dirfd, name, OVL_XATTR_USER "whiteout", NULL, 0) >= 0;
}
