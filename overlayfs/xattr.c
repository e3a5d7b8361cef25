#include <stdio.h>
#include <string.h>

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

void ovl_proc_path(int dirfd, const char *path, char *buf, size_t size)
{
	/* "N/." for the layer root: the l*xattr calls would not follow "N" itself. */
	snprintf(buf, size, "/proc/self/fd/%d/%s", dirfd, path);
}
