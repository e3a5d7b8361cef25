#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

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

int ovl_origin_of(int dirfd, const char *name, char *buf, size_t size)
{
	char p[PATH_MAX + 64];
	ssize_t n;

	ovl_proc_path(dirfd, name, p, sizeof(p));
	n = lgetxattr(p, OVL_ORIGIN_FUSE, buf, size - 1);
	if (n > 0) {
		buf[n] = '\0';
		/* Written with its NUL by fuse-overlayfs and by us. */
		return buf[0] != '\0' ? 1 : 0;
	}
	if (lgetxattr(p, OVL_ORIGIN_TRUSTED, NULL, 0) > 0 ||
	    lgetxattr(p, OVL_ORIGIN_USER, NULL, 0) > 0)
		return 2;
	return 0;
}
