#pragma once

/* The JSON records of layers, images and containers, as C structs. */

#include <stdbool.h>
#include <stdint.h>

struct pea_error;
struct json_object;
struct store;

struct layer_rec {
	char *id;
	char *parent; /* NULL for a base layer */
	char *diff_id;
	char *compressed_digest;
	char *compression;
	char *link; /* overlay: name under overlay/l/ */
	char *created;
	int64_t size;
	int64_t compressed_size;
	bool container; /* a container's writable layer */
	/*
	 * The boot id of the machine that committed its files without waiting for the disk
	 * (pea_sync=deferred), until a sync of the store made them durable; NULL: durable.
	 */
	char *unsynced;
	/* Why its files are not what was applied (a crash tore them): pull it again. */
	char *damaged;
	/* With unsynced or damaged: its apply was told a registry has it (--refetchable). */
	bool refetchable;
};

struct image_rec {
	char *id;
	char **names;
	/* containers/storage's NamesHistory: every name it had, the latest set first */
	char **names_history;
	char **layers; /* bottom first; the last is the top layer */
	char *digest;  /* of the manifest */
	char *created;
	bool has_manifest;
	bool has_config;
};

struct container_rec {
	char *id;
	char **names;
	char *image;
	char *layer;
	char *created;
	char *uid_map; /* "C:H:N[,...]" when its processes use other ids than the store */
	char *gid_map;
	char *metadata; /* its maker's text, kept as given (containers/storage's Metadata) */
};

void layer_rec_clear(struct layer_rec *l);
/* Is v shaped as a boot id (/proc/sys/kernel/random/boot_id, without its newline)? */
bool records_is_boot_id(const char *v);
void image_rec_clear(struct image_rec *i);
void container_rec_clear(struct container_rec *c);

struct json_object *layer_rec_to_json(const struct layer_rec *l);
struct json_object *image_rec_to_json(const struct image_rec *i);
struct json_object *container_rec_to_json(const struct container_rec *c);

int layer_load(struct store *s, const char *id, struct layer_rec *ret, struct pea_error **err);
int layer_save(struct store *s, const struct layer_rec *l, struct pea_error **err);
int image_load(struct store *s, const char *id, struct image_rec *ret, struct pea_error **err);
int image_save(struct store *s, const struct image_rec *i, struct pea_error **err);
int container_load(struct store *s, const char *id, struct container_rec *ret,
		   struct pea_error **err);
int container_save(struct store *s, const struct container_rec *c, struct pea_error **err);

/*
 * Find a record by full id, unique id prefix (at least 3 characters) or name (images and
 * containers). ENOENT when none, EINVAL when the prefix is ambiguous. *ret is the full id.
 */
int store_resolve(struct store *s, const char *kind, const char *ref, char **ret,
		  struct pea_error **err);
