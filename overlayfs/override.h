#pragma once

/*
 * Ownership and modes kept in an xattr instead of the inode, as
 * fuse-overlayfs and containers/storage do for rootless layers: the value is
 * "UID:GID:MODE" (decimal ids, octal permission bits). A layer uses it when
 * its root carries one of the names (checked in this order); the upper layer
 * also with -o xattr_permissions=1 (security.*) or 2 (user.*).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define OVL_OVERRIDE_PRIVILEGED "security.fuseoverlayfs.override_stat"
#define OVL_OVERRIDE_CONTAINERS "user.containers.override_stat"
#define OVL_OVERRIDE_USER	"user.fuseoverlayfs.override_stat"

/* The name a layer whose root is fd uses, or NULL. */
const char *ovl_override_probe(int fd);
bool ovl_override_is_name(const char *name);
/* Parse a value; -EINVAL if it is not UID:GID:MODE. */
int ovl_override_parse(const char *buf, size_t len, uid_t *ret_uid, gid_t *ret_gid,
		       mode_t *ret_mode);
/* Apply the value on dirfd/path, if any, to st (ids as on disk). */
int ovl_override_apply(int dirfd, const char *path, const char *name, struct stat *st);
int ovl_override_write(int dirfd, const char *path, const char *name, uid_t uid, gid_t gid,
		       mode_t mode);
