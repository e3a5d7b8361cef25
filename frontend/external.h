#pragma once

/*
 * External containers (podman's --external): the containers of the host's
 * containers/storage store (made by buildah, or by podman) that pea did not
 * make. The store is storage.conf's ([storage] graphroot, runroot, driver;
 * CONTAINERS_STORAGE_CONF first), as root, with the overlay driver; pea lists
 * them (ps --external, container exists --external), mounts them, shows their
 * changes (diff) and removes them (rm), under the store's own locks.
 */

#include <stdbool.h>
#include <stddef.h>

struct global_options;
struct pea_error;

struct ext_ctr {
	char *id;
	char *name;	  /* its first name ("" without) */
	char *image_id;	  /* "" without */
	char *image_name; /* the image's first name, else its id */
	char *layer;	  /* its layer in the store */
	char *created;	  /* RFC 3339 */
	bool buildah;	  /* buildah's (its userdata has buildah.json), or pea build's */
	bool pea_store;	  /* in pea's own store (pea-storage's), which no record names */
	/*
	 * pea's own, left by a crash (its record lost, or a create killed between its
	 * --mount type=image layers and its record): its metadata names the pea container
	 * it belongs to (owner), as libpod's names podman's. The rest of pea's store
	 * (pea-storage's alone, a build's) is external as buildah's is to podman.
	 */
	bool orphan;
	char *owner; /* the pea container it belongs to (orphan) */
};

/*
 * The metadata (pea-storage container create --metadata) of a storage container of pea
 * container owner, with name its name (NULL: a layer of its --mount type=image); a new string.
 */
char *ext_metadata(const char *owner, const char *name);

/*
 * The metadata of a working container of pea build (build-exec.c): in pea's store, no
 * record names it; ps --external shows it as buildah's ("buildah"), rm removes it.
 */
char *ext_build_metadata(void);

/*
 * Remove pea's orphans (every: every container of pea's store that no record names, as
 * system reset does), with their layers and mounts; those whose owner is locked (a create
 * or a removal under way) stay. *ret_removed: the ids removed (NULL: none), also when one
 * fails (-1, *err the first failure).
 */
int ext_remove_orphans(const struct global_options *g, bool every, char ***ret_removed,
		       struct pea_error **err);

void ext_ctr_clear(struct ext_ctr *c);
void ext_list_free(struct ext_ctr *v, size_t n);

/*
 * The external containers of the texts of the store's containers.json and images.json
 * (their buildah flag unset): the parser of ext_list, for the fuzz target.
 */
int ext_parse(const char *ctrs, size_t clen, const char *images, size_t ilen, struct ext_ctr **ret,
	      size_t *ret_n, struct pea_error **err);

/*
 * Every external container: containers/storage's (none when there is no store, or not as
 * root), then those of pea's own store that no record of pea's names (made by
 * pea-storage container create, or left by a create killed on its way).
 */
int ext_list(const struct global_options *g, struct ext_ctr **ret, size_t *ret_n,
	     struct pea_error **err);

/* By full id, unique id prefix or name: 1 found (*ret filled), 0 none, < 0 error. */
int ext_find(const struct global_options *g, const char *name, struct ext_ctr *ret,
	     struct pea_error **err);

/* Where it is mounted (a new string), NULL when it is not. */
char *ext_mountpoint(const struct global_options *g, const struct ext_ctr *c);

/*
 * Mount its root (a kernel overlay of its layers) and give where; mounted already (by pea or
 * buildah): that. Each mount is one count of containers/storage's (mountpoints.json).
 */
int ext_mount(const struct global_options *g, const struct ext_ctr *c, char **ret_mountpoint,
	      struct pea_error **err);

/* One count less; the last unmounts (not mounted: nothing). */
int ext_umount(const struct global_options *g, const struct ext_ctr *c, struct pea_error **err);

/*
 * Its changes: its layer's folder (upper) and the image's (lowers, top first, NULL-ended);
 * containers/storage's only (pea's store tells its own: pea-storage container diff).
 */
int ext_layer_dirs(const struct ext_ctr *c, char **ret_upper, char ***ret_lowers,
		   struct pea_error **err);

/*
 * Remove it from the store: its layer, its record, its folders. A mounted one only with
 * force (then unmounted first, every count).
 */
int ext_remove(const struct global_options *g, const struct ext_ctr *c, bool force,
	       struct pea_error **err);
