#pragma once

#include <stdbool.h>

/*
 * The mounts of run and create (podman-run(1)): -v/--volume, --mount,
 * --tmpfs, --volumes-from, and the named volumes they use.
 *
 * They are kept in the record's options as two arrays:
 *   volumes: [{"type": "bind"|"volume"|"image"|"devpts"|"overlay",
 *              "source": PATH|NAME|IMAGE, "destination", "options": [...],
 *              "chown": U, "idmap": idmap, "layer": an image's storage container}]
 *            (no "type": bind, as older records; overlay is -v's O)
 *   tmpfs:   [{"destination", "options": [...]}]
 */

struct json_object;
struct pea_error;
struct global_options;
struct ctr_record;

/*
 * -v HOST-DIR:CTR-DIR[:OPTS], -v NAME:CTR-DIR[:OPTS] (a named volume) or
 * -v CTR-DIR (an anonymous volume: a new volume named by a random id).
 */
int mounts_parse_volume(struct json_object **vols, struct json_object **tmpfs, const char *spec,
			struct pea_error **err);
/* --mount type=bind|volume|tmpfs,source=...,target=...,... */
int mounts_parse_mount(struct json_object **vols, struct json_object **tmpfs, const char *spec,
		       struct pea_error **err);
/* --tmpfs CTR-DIR[:OPTS] */
int mounts_parse_tmpfs(struct json_object **vols, struct json_object **tmpfs, const char *spec,
		       struct pea_error **err);
/*
 * The image's VOLUMEs (its config's Volumes object), unless mounted already: as mode
 * (--image-volume) says, anonymous volumes ("bind", NULL), tmpfs mounts ("tmpfs") or
 * nothing ("ignore").
 */
int mounts_image_volumes(struct json_object **vols, struct json_object **tmpfs,
			 struct json_object *image_volumes, const char *mode,
			 struct pea_error **err);
/* --volumes-from CTR[:ro|rw]: the other container's volumes and binds, ours taking precedence. */
int mounts_volumes_from(const struct global_options *g, struct json_object **vols,
			struct json_object *tmpfs, const char *spec, struct pea_error **err);

/*
 * Create the named volumes that do not exist yet (as podman does on run);
 * *ret_created lists those made, for volumes_drop() when the create fails.
 */
int volumes_ensure(const struct global_options *g, struct json_object *vols, char ***ret_created,
		   struct pea_error **err);
void volumes_drop(const struct global_options *g, char *const *names);

/* Remove the anonymous volumes (-v /dir) of a container made with --rm, as it goes. */
void volumes_drop_anonymous(const struct global_options *g, const struct ctr_record *r);

/*
 * Where the volumes are: ROOT/volumes (the one place to change for podman's
 * global --volumepath); a volume's folder, its _data (new strings).
 */
char *volumes_root(const struct global_options *g);
/* The global --volumepath (options.c); NULL: ROOT/volumes. */
void volumes_set_root(const char *path);
const char *volumes_root_option(void);
char *volume_dir(const struct global_options *g, const char *name);
char *volume_data_dir(const struct global_options *g, const char *name);
/*
 * The host folder with a volume's files: its _data, the device folder of
 * -o type=bind, or _data with the volume's -o type=... mounted on it (mounted
 * now when it is not yet, as podman's local driver at a volume's use).
 */
int volume_source(const struct global_options *g, const char *name, char **ret,
		  struct pea_error **err);
/* Unmount what volume_source() mounted, every volume (before a removal of the whole root). */
void volumes_unmount_all(const struct global_options *g);

/*
 * Before a start, with the container's root mounted: every named volume
 * exists, and one still empty and never used gets the image's content at its
 * destination (podman's copy-up), unless mounted with nocopy.
 */
int volumes_prepare(const struct global_options *g, const struct ctr_record *r, const char *rootfs,
		    struct pea_error **err);

/*
 * At create: a storage container (a layer over the image) for each
 * --mount type=image, named in the entry ("layer") and, in its metadata, as
 * container owner's (external.h); *ret_made lists them for
 * mounts_images_drop() when the create fails after. With one at least, owner's
 * lock is taken first (*held, the caller's then), so that no removal of
 * orphans (ext_remove_orphans) takes them before owner's record names them.
 */
int mounts_images_create(const struct global_options *g, const char *owner,
			 struct json_object *vols, char ***ret_made, int *held,
			 struct pea_error **err);
void mounts_images_drop(const struct global_options *g, char *const *layers);

/* idmap needs a user namespace of the container's own: maps, or --userns other than host. */
int mounts_check_userns(struct json_object *vols, const char *uid_map, const char *userns_mode,
			struct pea_error **err);

/*
 * In config.json, with the container's user (uid, gid) and user namespace
 * (spec's linux.uidMappings) known: the mounts of -v and --mount appended to
 * spec's mounts, with U's chown done, idmapped mounts staged in the bundle,
 * images mounted and O's overlay made afresh. volumes_release() undoes it.
 */
int volumes_spec(const struct global_options *g, const struct ctr_record *r,
		 struct json_object *spec, long uid, long gid, struct pea_error **err);

/* After the container ended: its images unmounted, its idmapped mounts taken down. */
void volumes_release(const struct global_options *g, const struct ctr_record *r);

/* At its removal: the storage containers of its images. */
void volumes_remove_images(const struct global_options *g, const struct ctr_record *r);

/*
 * --rootfs (podman-run(1)): true for a container whose root is a folder of the
 * host's, not a layer of the store. rootfs_mount: that folder, or with :O an
 * overlay over it in the bundle (its changes go with the container);
 * rootfs_unmount takes that overlay down (nothing to do for a plain folder).
 */
bool rootfs_is_folder(const struct ctr_record *r);
int rootfs_mount(const struct global_options *g, const struct ctr_record *r, char **ret,
		 struct pea_error **err);
void rootfs_unmount(const struct global_options *g, const struct ctr_record *r);
