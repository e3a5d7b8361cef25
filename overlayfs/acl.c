#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "overlayfs/acl.h"

/* The xattr form of an ACL (linux/posix_acl_xattr.h): little-endian. */
#define ACL_XATTR_VERSION 2u
#define ACL_TAG_USER	  0x02u
#define ACL_TAG_GROUP	  0x08u
#define ACL_HEADER_SIZE	  4u
#define ACL_ENTRY_SIZE	  8u /* le16 tag, le16 perm, le32 id */

bool ovl_acl_is_name(const char *name)
{
	return strcmp(name, OVL_ACL_ACCESS) == 0 || strcmp(name, OVL_ACL_DEFAULT) == 0;
}

static uint32_t map_id(const struct ovl_idmap *m, uint32_t id, bool to_mount, uint32_t overflow)
{
	return to_mount ? ovl_idmap_to_mount(m, id, overflow) : ovl_idmap_to_disk(m, id, overflow);
}

int ovl_acl_map(void *buf, size_t size, const struct ovl_idmap *uidmap,
		const struct ovl_idmap *gidmap, bool to_mount, uint32_t overflow_uid,
		uint32_t overflow_gid)
{
	unsigned char *p = buf;
	uint32_t version;

	if (size < ACL_HEADER_SIZE || (size - ACL_HEADER_SIZE) % ACL_ENTRY_SIZE != 0)
		return -EINVAL;
	memcpy(&version, p, sizeof(version));
	if (le32toh(version) != ACL_XATTR_VERSION)
		return -EINVAL;
	for (size_t off = ACL_HEADER_SIZE; off < size; off += ACL_ENTRY_SIZE) {
		uint16_t tag;
		uint32_t id;

		memcpy(&tag, p + off, sizeof(tag));
		memcpy(&id, p + off + 4, sizeof(id));
		tag = le16toh(tag);
		if (tag == ACL_TAG_USER)
			id = map_id(uidmap, le32toh(id), to_mount, overflow_uid);
		else if (tag == ACL_TAG_GROUP)
			id = map_id(gidmap, le32toh(id), to_mount, overflow_gid);
		else
			continue;
		id = htole32(id);
		memcpy(p + off + 4, &id, sizeof(id));
	}
	return 0;
}
