#pragma once

/*
 * Image manifests and indexes: OCI image manifest and index, Docker schema 2
 * manifest and manifest list. Schema 1 is refused. Platform selection in an
 * index.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pea_error;
struct json_object;

#define MT_OCI_MANIFEST	    "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX	    "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG	    "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER	    "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP   "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_ZSTD   "application/vnd.oci.image.layer.v1.tar+zstd"
#define MT_DOCKER_MANIFEST  "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST	    "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG    "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER	    "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_DOCKER_FOREIGN   "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define MT_DOCKER_S1	    "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_S1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

#define MANIFEST_MAX_ENTRIES 1024

struct platform {
	char *os;
	char *arch;
	char *variant;
};

struct descriptor {
	char *media_type;
	char *digest;
	int64_t size;
	struct platform platform; /* index entries only */
	char *ref_name;		  /* org.opencontainers.image.ref.name */
	bool has_urls;		  /* foreign layers */
};

struct manifest {
	char *media_type;
	bool is_index;
	struct descriptor config;
	struct descriptor *layers;
	size_t nlayers;
	struct descriptor *manifests;
	size_t nmanifests;
};

enum compression {
	COMPRESSION_NONE,
	COMPRESSION_GZIP,
	COMPRESSION_ZSTD,
};

/* The media type of buf: header when it names a known type, else from the JSON. */
int manifest_media_type(const char *buf, size_t len, const char *header, char **ret,
			struct pea_error **err);
bool media_type_is_index(const char *mt);
bool media_type_is_manifest(const char *mt);

int manifest_parse(const char *buf, size_t len, const char *header_type, struct manifest **ret,
		   struct pea_error **err);
struct manifest *manifest_free(struct manifest *m);
void descriptor_clear(struct descriptor *d);
int descriptor_from_json(struct json_object *o, const char *path, struct descriptor *d,
			 struct pea_error **err);

/* The host's platform in OCI names (amd64, arm64/v8, ...); strings are static. */
void platform_host(struct platform *ret);
/* Pick the manifest for os/arch/variant (NULL: the host's) in an index. */
int manifest_select(const struct manifest *index, const char *os, const char *arch,
		    const char *variant, const struct descriptor **ret, struct pea_error **err);

/*
 * An image config's rootfs.diff_ids, each checked to be a sha256 digest (the
 * store names layers by them); an empty list when the config has none.
 */
int config_diff_ids(const char *buf, size_t len, char ***ret, struct pea_error **err);

enum compression layer_compression(const char *media_type);
/* Compression from the first bytes of a blob. */
enum compression compression_sniff(const unsigned char *buf, size_t len);

static inline void manifest_free_p(struct manifest **m)
{
	manifest_free(*m);
}
