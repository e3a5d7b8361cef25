#pragma once

/* Layers: applying a tar stream as a new layer, removing, and who uses a layer. */

#include <stdbool.h>

struct pea_error;
struct store;
struct layer_rec;
struct idmaps;

struct layer_apply_options {
	const char *parent;	  /* id of the parent layer, or NULL */
	const char *id;		  /* forced id, or NULL: the chain id */
	const char *digest;	  /* expected digest of the stream as read, or NULL */
	const char *diff_id;	  /* expected digest of the uncompressed tar, or NULL */
	bool wait_parent;	  /* wait for a parent whose apply has not started yet */
	unsigned wait_timeout_s;  /* the longest wait for the parent (0: LAYER_WAIT_TIMEOUT_S) */
	unsigned start_timeout_s; /* for its apply to start, when shorter (0: wait_timeout_s) */
	bool refetchable;	  /* --refetchable: a registry has it, its sync may be deferred */
};

/* --wait-timeout's default: an apply over a slow link may take long, but not forever. */
#define LAYER_WAIT_TIMEOUT_S   3600u
#define LAYER_WAIT_TIMEOUT_MAX 604800u

/*
 * Apply the tar stream on in_fd as a new layer over parent. The store lock is released
 * while the stream is read (the layer lives in staging/ with its own lock until it is
 * committed). *ret_existed is true when an identical layer was already there.
 */
int layer_apply(struct store *s, int in_fd, const struct layer_apply_options *o,
		struct layer_rec *ret, bool *ret_existed, struct pea_error **err);

/* A new empty (overlay) or parent-copy (vfs) layer, for a container. */
int layer_create(struct store *s, const char *id, const char *parent, bool container,
		 const struct idmaps *maps, struct layer_rec *ret, struct pea_error **err);

/* Who holds a layer: a child layer, an image, a container, a mount. NULL if nobody. */
char *layer_user(struct store *s, const char *id, const char *ignore_image,
		 const char *ignore_container);

/* Remove a layer (record first, then files). Refuses when in use. */
int layer_remove(struct store *s, const char *id, const char *ignore_image,
		 const char *ignore_container, struct pea_error **err);

/* The users of every layer, read once for many removals (layer.c). */
struct layer_users {
	char **entries;
};
void layer_users_read(struct store *s, struct layer_users *u);
/*
 * The users of the layers only (full ids) alone: the records whose text names none of them are
 * not parsed (container rm of a large store: each removal parsed every record). containers:
 * false leaves the containers' records out, for layers that are containers' own (below).
 */
void layer_users_read_of(struct store *s, char *const *only, bool containers,
			 struct layer_users *u);
void layer_users_clear(struct layer_users *u);

/* The user of layer id in u (its mounts aside), or NULL: as layer_user. */
char *layer_user_known(const struct layer_users *u, const char *id, const char *ignore_image,
		       const char *ignore_container);

/* layer_remove with the users read before (u: NULL reads them). */
int layer_remove_known(struct store *s, const struct layer_users *u, const char *id,
		       const char *ignore_image, const char *ignore_container,
		       struct pea_error **err);

/* The layer's changes as an OCI layer tar on fd (see diff.h). */
int layer_write_diff(struct store *s, const char *id, const struct idmaps *maps, int fd,
		     struct pea_error **err);

/* The OCI chain id of a layer over parent_chain ("sha256:…"), as a hex id. */
char *layer_chain_id(const char *parent_id, const char *diff_id);
