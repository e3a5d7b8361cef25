#pragma once

/*
 * The drivers: where a layer's files live and how a container root is mounted.
 *   overlay: DRIVER/ID/diff is an overlay upper directory; a mount stacks the parent
 *            chain as lower directories (kernel overlayfs, or the mount_program of
 *            storage.conf, such as fuse-overlayfs);
 *   vfs:     DRIVER/ID/diff is a full copy of the parent, changed in place; "mounting"
 *            it gives that directory.
 */

#include <stdbool.h>
#include <sys/types.h>

struct pea_error;
struct store;
struct layer_rec;
struct idmaps;

bool driver_is_vfs(const struct store *s);
/* "trusted.overlay.opaque", or the user.* one for a rootless overlay. */
const char *driver_opaque_xattr(const struct store *s);

/* Absolute path of a layer's files. */
char *driver_diff_path(const struct store *s, const char *id);
/* The mode of the root of a new layer over parent_id (NULL: a base layer); -errno. */
int driver_root_mode(const struct store *s, const char *parent_id, mode_t *ret_mode);

/* Fill staging dir fd `dirfd`/`name` (a new directory) with what a new layer starts from. */
int driver_prepare_layer(struct store *s, int dirfd, const char *name, const char *parent_id,
			 struct pea_error **err);
/* Move a prepared layer directory into the driver dir as ID; *ret_link its overlay link. */
int driver_commit_layer(struct store *s, int dirfd, const char *name, const char *id,
			char **ret_link, struct pea_error **err);
int driver_remove_layer(struct store *s, const struct layer_rec *l, struct pea_error **err);

/*
 * Reference-counted mount of a layer and its parents; returns the mountpoint. With maps
 * (overlay), the parents are shown through idmapped mounts (fuse-overlayfs: its
 * uidmapping/gidmapping options).
 */
int driver_mount(struct store *s, const char *id, const struct idmaps *maps, char **ret_mountpoint,
		 int *ret_count, struct pea_error **err);
/* Drop one reference (all with force); unmount at zero. */
int driver_unmount(struct store *s, const char *id, bool force, int *ret_count,
		   struct pea_error **err);
/*
 * Read-only mount of an image's layers (top first), counted like a container's; vfs gives
 * the top layer's copy, which must not be written to.
 */
int driver_mount_image(struct store *s, const char *image_id, const char *top,
		       char **ret_mountpoint, int *ret_count, struct pea_error **err);
int driver_unmount_image(struct store *s, const char *image_id, const char *top, bool force,
			 int *ret_count, struct pea_error **err);
int driver_image_mount_count(struct store *s, const char *image_id);

/* Mount count of a layer (0 when not mounted). */
int driver_mount_count(struct store *s, const char *id);
