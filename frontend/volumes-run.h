#pragma once

/*
 * The mounts of run and create (podman-run(1)): -v/--volume, --mount,
 * --tmpfs, --volumes-from, and the named volumes they use.
 *
 * They are kept in the record's options as two arrays:
 *   volumes: [{"type": "bind"|"volume", "source": PATH|NAME, "destination",
 *              "options": [...]}]  (no "type": bind, as older records)
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
/* The image's VOLUMEs (its config's Volumes object): anonymous volumes, unless mounted already. */
int mounts_image_volumes(struct json_object **vols, struct json_object *tmpfs,
			 struct json_object *image_volumes, struct pea_error **err);
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

/* ROOT/volumes/NAME/_data (new string). */
char *volume_data_dir(const struct global_options *g, const char *name);

/*
 * Before a start, with the container's root mounted: every named volume
 * exists, and one still empty and never used gets the image's content at its
 * destination (podman's copy-up), unless mounted with nocopy.
 */
int volumes_prepare(const struct global_options *g, const struct ctr_record *r, const char *rootfs,
		    struct pea_error **err);
