#pragma once

/*
 * uid/gid mappings of fuse-overlayfs: "DISK:MOUNT:LEN[:DISK2:MOUNT2:LEN2...]".
 * An id DISK+k found on disk is shown as MOUNT+k in the mount, and an id
 * MOUNT+k given by a caller (chown, create) is written as DISK+k. Ids outside
 * every range become the overflow id. No ranges: ids pass unchanged.
 */

#include <stddef.h>
#include <stdint.h>

struct pea_error;

#define OVL_IDMAP_MAX_RANGES 340

struct ovl_idmap_range {
	uint32_t disk;
	uint32_t mount;
	uint32_t len;
};

struct ovl_idmap {
	struct ovl_idmap_range *ranges;
	size_t n;
};

/* Parse a mapping; what names it in errors ("uidmapping"). Replaces *ret. */
int ovl_idmap_parse(const char *s, const char *what, struct ovl_idmap *ret, struct pea_error **err);
void ovl_idmap_clear(struct ovl_idmap *m);

uint32_t ovl_idmap_to_mount(const struct ovl_idmap *m, uint32_t id, uint32_t overflow);
uint32_t ovl_idmap_to_disk(const struct ovl_idmap *m, uint32_t id, uint32_t overflow);
