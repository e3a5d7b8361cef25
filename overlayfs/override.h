#pragma once

/*
 * Ownership and modes kept in an xattr instead of the inode, as
 * fuse-overlayfs and containers/storage do for rootless layers: the value is
 * "UID:GID:MODE" (decimal ids, octal permission bits). A layer uses it when
 * its root carries one of the names (checked in this order); the upper layer
 * also with -o xattr_permissions=1 (security.fuseoverlayfs.override_stat) or 2
 * (user.containers.override_stat, as fuse-overlayfs 1.14 on).
 *
 * A layer with user.containers.override_stat keeps the mount's security.*
 * xattrs as user.containers.override_security.* (an unprivileged server can
 * set those: a file capability set in a user namespace), and its own
 * security.* ones are not the mount's (fuse-overlayfs 1.14 on).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define OVL_OVERRIDE_PRIVILEGED "security.fuseoverlayfs.override_stat"
#define OVL_OVERRIDE_CONTAINERS "user.containers.override_stat"
#define OVL_OVERRIDE_USER	"user.fuseoverlayfs.override_stat"
#define OVL_OVERRIDE_PREFIX	"user.containers.override_"
#define OVL_SECURITY_PREFIX	"security."

/* Does a layer with this override name keep security.* under OVL_OVERRIDE_PREFIX? */
bool ovl_override_hides_security(const char *override);
/*
 * The mount's name of a disk name of such a layer: security.X for
 * user.containers.override_security.X, NULL for the disk's own security.X;
 * others as they are.
 */
const char *ovl_override_name_from_disk(const char *disk);
/*
 * The disk name of the mount's name in such a layer, into buf for security.X
 * (*name changed); -ERANGE when too long, -ENODATA for an encoded name
 * (user.containers.override_security.X is not the mount's).
 */
int ovl_override_name_to_disk(const char **name, char *buf, size_t size);

/* The name a layer whose root is fd uses, or NULL. */
const char *ovl_override_probe(int fd);
bool ovl_override_is_name(const char *name);
/* Parse a value; -EINVAL if it is not UID:GID:MODE. */
int ovl_override_parse(const char *buf, size_t len, uid_t *ret_uid, gid_t *ret_gid,
		       mode_t *ret_mode);
/*
 * Apply the value on dirfd/path, if any, to st (ids as on disk). With
 * OVL_OVERRIDE_CONTAINERS, a file without it is read with OVL_OVERRIDE_USER,
 * the name earlier pea-overlayfs wrote for -o xattr_permissions=2 on each file
 * of an upper whose root it never marked. The new name is the one written:
 * read first, it shadows a stale old value, and the layer is then as
 * fuse-overlayfs 1.14 and containers/storage write it; rewriting each file's
 * old name instead would keep two names in one layer for good. The upper's
 * root is not marked at mount: the fallback does not need it, and a mark
 * would be the root's own owner and mode for every later mount, with the
 * option or without.
 */
int ovl_override_apply(int dirfd, const char *path, const char *name, struct stat *st);
int ovl_override_write(int dirfd, const char *path, const char *name, uid_t uid, gid_t gid,
		       mode_t mode);
