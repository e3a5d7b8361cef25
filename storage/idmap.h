#pragma once

/*
 * Id mappings of a container whose processes run in a user namespace with other ids
 * than the store's ("C:H:N[,C:H:N]...", container id C is host id H, for N ids, as
 * podman's --uidmap). The image layers are shown through idmapped mounts (kernel
 * overlay); where that cannot be, the container's copy is chowned (vfs).
 */

#include <stdbool.h>
#include <stdint.h>

struct pea_error;

#define IDMAP_MAX_RANGES 8

struct idmap {
	uint32_t container[IDMAP_MAX_RANGES];
	uint32_t host[IDMAP_MAX_RANGES];
	uint32_t count[IDMAP_MAX_RANGES];
	unsigned int n;
};

/* A container's maps; NULL where a function takes one means "the store's own ids". */
struct idmaps {
	struct idmap uids;
	struct idmap gids;
};

int idmap_parse(const char *s, struct idmap *ret, struct pea_error **err);
/* The host id of a container id, and back; false when outside the map. */
bool idmap_to_host(const struct idmap *m, uint32_t id, uint32_t *ret);
bool idmap_to_container(const struct idmap *m, uint32_t id, uint32_t *ret);

/* A user namespace with these maps, as an fd (for MOUNT_ATTR_IDMAP). */
int idmap_userns_fd(const struct idmap *uids, const struct idmap *gids, int *ret_fd,
		    struct pea_error **err);
/* A detached clone of the mount tree at path, idmapped through userns_fd. */
int idmap_open_tree(const char *path, int userns_fd, int *ret_fd, struct pea_error **err);
/* Shift the owners of every file under dirfd from container ids to host ids. */
int idmap_chown_tree(int dirfd, const struct idmap *uids, const struct idmap *gids,
		     struct pea_error **err);
/*
 * Copy the tree under srcfd into the empty directory dstfd (its owner, mode and times
 * too), every owner mapped from container ids to host ids: a container's own copy of
 * image files where idmapped mounts cannot be had (rootless). Hard links stay links;
 * set-id bits and extended attributes are kept (overlay's own are not copied).
 */
int idmap_copy_tree(int srcfd, int dstfd, const struct idmap *uids, const struct idmap *gids,
		    struct pea_error **err);
/* Raise *uid and *gid to the largest owner ids of the tree under dirfd. */
int idmap_max_ids(int dirfd, uint32_t *uid, uint32_t *gid, struct pea_error **err);
