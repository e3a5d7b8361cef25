#pragma once

/*
 * POSIX ACL xattr values (system.posix_acl_access, system.posix_acl_default)
 * under uid/gid mappings: the ids of their named-user and named-group
 * entries are the layers' on disk, and the mount's in what the kernel reads
 * and writes, so they are mapped as the owners of files are.
 */

#include <stdbool.h>
#include <stddef.h>

#include "overlayfs/idmap.h"

#define OVL_ACL_ACCESS	"system.posix_acl_access"
#define OVL_ACL_DEFAULT "system.posix_acl_default"

bool ovl_acl_is_name(const char *name);

/*
 * Map the ids of the ACL value buf (size bytes) in place, disk to mount
 * (to_mount) or back, ids outside the mappings to the overflow ids. -EINVAL
 * (nothing changed) if buf is not a version 2 ACL of whole entries.
 */
int ovl_acl_map(void *buf, size_t size, const struct ovl_idmap *uidmap,
		const struct ovl_idmap *gidmap, bool to_mount, uint32_t overflow_uid,
		uint32_t overflow_gid);
