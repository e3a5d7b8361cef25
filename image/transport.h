#pragma once

/*
 * Image locations ("transport:reference") and the two sides of a copy: a
 * source gives manifests and blobs, a destination takes blobs (staged in a
 * file first, digest checked), then manifests, then commits or aborts.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/manifest.h"

struct pea_error;
struct json_object;
struct image_reference;
struct registries_conf;
struct registry_client;
struct blob_fetch;
struct blob_sink;
struct fetch_hooks;
struct progress;
struct sig_blob;
struct sig_policy;

enum transport_kind {
	TRANSPORT_DOCKER,
	TRANSPORT_OCI,
	TRANSPORT_OCI_ARCHIVE,
	TRANSPORT_DOCKER_ARCHIVE,
	TRANSPORT_DIR,
	TRANSPORT_STORE,
	TRANSPORT_SIF, /* a source only */
};

struct image_name {
	enum transport_kind kind;
	char *input;		     /* as the user wrote it */
	char *path;		     /* oci, archives, dir, sif */
	char *tag;		     /* oci: the ref.name; docker-archive: a docker reference */
	int archive_index;	     /* docker-archive:FILE:@N, -1 when not given */
	struct image_reference *ref; /* docker:// and docker-archive's reference */
};

int image_name_parse(const char *s, struct image_name **ret, struct pea_error **err);
struct image_name *image_name_free(struct image_name *n);
const char *transport_name(enum transport_kind k);

/* How to reach registries, for one side of a copy. */
struct side_options {
	const char *authfile;
	const char *creds; /* "user[:password]" */
	const char *username, *password;
	const char *cert_dir;
	const char *registry_token;
	int tls_verify; /* -1: unset */
	bool no_creds;
	const char *shared_blob_dir; /* oci: blobs kept in this folder instead */
	int64_t chunk_size;	     /* docker: upload in chunks of this size (0: in one) */
};

struct transport_context {
	struct registries_conf *registries;
	const char *tmpdir;
	const char *registries_d; /* containers-registries.d(5) folder, NULL: the default */
	struct progress *progress;
	long timeout_s;
	int parallel;
	int retries;
	bool resolve_short_names;
};

enum blob_role {
	BLOB_CONFIG,
	BLOB_LAYER,
};

struct image_source;
struct image_dest;

struct source_ops {
	/* digest NULL: the top-level manifest (or index). Verified against its digest. */
	int (*get_manifest)(struct image_source *s, const char *digest, char **ret, size_t *ret_len,
			    char **ret_type, struct pea_error **err);
	/* A readable fd of a blob, for local sources. */
	int (*open_blob)(struct image_source *s, const char *digest, int *ret_fd,
			 struct pea_error **err);
	/* Optional: the signatures of the top-level manifest, digest (none: *ret_n 0). */
	int (*get_signatures)(struct image_source *s, const char *digest, struct sig_blob **ret,
			      size_t *ret_n, struct pea_error **err);
	/* Download into sinks (registries); NULL: open_blob one after the other. */
	int (*fetch_blobs)(struct image_source *s, struct blob_fetch *f, size_t n,
			   const struct fetch_hooks *hooks, struct pea_error **err);
	void (*close)(struct image_source *s);
};

struct image_source {
	const struct source_ops *ops;
	struct image_name *name;
	char *description;
	/* registry */
	struct registry_client *client;
	char *repo;
	char *ref_text;		  /* tag or digest */
	char *canonical;	  /* "host/repo" for inspect's Name */
	const char *registries_d; /* where the lookaside of signatures is configured, or NULL */
	/* local directory (oci, dir, extracted archives) */
	int dirfd;
	int blobs_fd;	  /* oci: the blobs folder (or the shared one) */
	char *tmp_path;	  /* a temp dir to remove on close */
	char *oci_digest; /* oci: the selected top-level descriptor */
	char *oci_type;	  /* oci: its media type; docker: the top manifest's Content-Type */
	int64_t oci_size;
	/*
	 * The top-level manifest kept in memory: synthesised (docker-archive, store),
	 * or as the registry sent it (docker, fetched once when the source opens).
	 */
	char *synth;
	size_t synth_len;
	/* docker-archive, store: the files of the blobs of the synthesised manifest */
	char **blob_digests;
	char **blob_files;
	char **repo_tags;
};

struct dest_ops {
	int (*has_blob)(struct image_dest *d, const struct descriptor *desc, bool *ret,
			struct pea_error **err);
	/* Optional: get the blob from src without a transfer (a cross-repository mount). */
	int (*mount_blob)(struct image_dest *d, struct image_source *src,
			  const struct descriptor *desc, bool *ret, struct pea_error **err);
	/* The blob is verified in d->staging_fd/name; move or send it. */
	int (*put_blob)(struct image_dest *d, const struct descriptor *desc, enum blob_role role,
			const char *name, struct pea_error **err);
	int (*put_manifest)(struct image_dest *d, const char *buf, size_t len, const char *type,
			    const char *digest, bool top, struct pea_error **err);
	int (*commit)(struct image_dest *d, struct pea_error **err);
	/*
	 * Optional, for destinations that work while blobs arrive (the store): begin
	 * is told the image's manifest before any blob, blob_staging where a layer is
	 * staged while it downloads (the file grows; it may be read meanwhile, never
	 * trusted before blob_ready), blob_ready each verified blob (still staged
	 * under name; put_blob follows later), tick every turn of the download loop
	 * (an fd to wait on in *ret_fd with poll(2) events *ret_events, or -1).
	 */
	int (*begin)(struct image_dest *d, const struct manifest *m, struct pea_error **err);
	int (*blob_staging)(struct image_dest *d, const struct descriptor *desc, const char *name,
			    struct blob_sink *sink, struct pea_error **err);
	/* Optional: true when the destination checks this layer's digest as it takes it. */
	bool (*checks_digest)(struct image_dest *d, const struct descriptor *desc);
	int (*blob_ready)(struct image_dest *d, const struct descriptor *desc, const char *name,
			  struct pea_error **err);
	int (*tick)(struct image_dest *d, int *ret_fd, short *ret_events, struct pea_error **err);
	void (*abort)(struct image_dest *d);
};

struct image_dest {
	const struct dest_ops *ops;
	struct image_name *name;
	char *description;
	bool wants_oci;		 /* convert Docker schema 2 to OCI */
	bool wants_uncompressed; /* docker-archive */
	bool single_image_only;
	bool compress_uncompressed; /* gzip uncompressed layers unless told otherwise */
	int staging_fd;
	char *staging_path;
	/* registry */
	struct registry_client *client;
	char *repo;
	char *tag;
	/* local layouts */
	int dirfd;
	int blobs_fd; /* oci: the blobs folder (or the shared one) */
	char *root_path;
	bool created_root;
	char **added;	    /* blob paths added to an existing layout, removed on abort */
	char *archive_path; /* archives: the file written on commit */
	char *tmp_path;
	/* docker-archive */
	char **layer_digests;
	char **layer_files;
	char *config_file;
	char **extra_tags;   /* docker-archive: --additional-tag, normalised */
	char *manifest_json; /* oci: the top descriptor */
	void *priv;	     /* the store's state (transport-store.c) */
	bool is_store;
	bool refetchable; /* the store: the source is a registry, layers may sync later */
	char *image_id;	  /* the store: the id of the image recorded (64 hex), set once recorded */
};

int source_open(const struct image_name *name, const struct side_options *side,
		const struct transport_context *ctx, struct image_source **ret,
		struct pea_error **err);
struct image_source *source_close(struct image_source *s);
int dest_open(const struct image_name *name, const struct side_options *side,
	      const struct transport_context *ctx, struct image_dest **ret, struct pea_error **err);
/* Abort unless committed, then free. */
struct image_dest *dest_free(struct image_dest *d, bool committed);

/*
 * The signedBy requirements of the policy against the source's signatures of
 * its top-level manifest (signature-gpg.c).
 */
int source_check_signatures(struct image_source *s, const struct sig_policy *p,
			    const struct transport_context *ctx, struct pea_error **err);

/* Fetch blobs from any source (parallel for registries). */
int source_fetch(struct image_source *s, struct blob_fetch *f, size_t n,
		 const struct fetch_hooks *hooks, struct pea_error **err);

/* Per-transport constructors (transport-*.c). */
int docker_source_open(const struct image_name *name, const struct side_options *side,
		       const struct transport_context *ctx, struct image_source *s,
		       struct pea_error **err);
int docker_dest_open(const struct image_name *name, const struct side_options *side,
		     const struct transport_context *ctx, struct image_dest *d,
		     struct pea_error **err);
int docker_client_for(const struct image_reference *ref, bool insecure,
		      const struct side_options *side, const struct transport_context *ctx,
		      struct registry_client **ret, struct pea_error **err);
/* shared: a shared blob folder (skopeo's --src/--dest-shared-blob-dir) or NULL. */
int oci_source_open_dir(const char *path, const char *tag, const char *shared,
			struct image_source *s, struct pea_error **err);
int oci_dest_open_dir(const char *path, const char *tag, const char *shared, struct image_dest *d,
		      struct pea_error **err);
int oci_archive_source_open(const struct image_name *name, const struct transport_context *ctx,
			    struct image_source *s, struct pea_error **err);
int oci_archive_dest_open(const struct image_name *name, const struct transport_context *ctx,
			  struct image_dest *d, struct pea_error **err);
int dir_source_open(const struct image_name *name, struct image_source *s, struct pea_error **err);
int dir_dest_open(const struct image_name *name, struct image_dest *d, struct pea_error **err);
int docker_archive_source_open(const struct image_name *name, const struct transport_context *ctx,
			       struct image_source *s, struct pea_error **err);
int docker_archive_dest_open(const struct image_name *name, const struct transport_context *ctx,
			     struct image_dest *d, struct pea_error **err);

/* sif:FILE, a Singularity Image Format file (transport-sif.c) */
int sif_source_open(const struct image_name *name, const struct transport_context *ctx,
		    struct image_source *s, struct pea_error **err);

int store_source_open(const struct image_name *name, const struct transport_context *ctx,
		      struct image_source *s, struct pea_error **err);
int store_dest_open(const struct image_name *name, const struct transport_context *ctx,
		    struct image_dest *d, struct pea_error **err);
void store_dest_free(struct image_dest *d);

/* Helpers shared by the local transports. */
int make_temp_dir(const struct transport_context *ctx, const char *what, char **ret,
		  struct pea_error **err);
int local_open_blob(struct image_source *s, const char *path, int *ret_fd, struct pea_error **err);
/*
 * For sources that make their manifest (docker-archive, store, sif): the one
 * in s->synth, and the blobs of s->blob_digests in the files s->blob_files of
 * s->dirfd.
 */
int synth_get_manifest(struct image_source *s, const char *digest, char **ret, size_t *ret_len,
		       char **ret_type, struct pea_error **err);
/* s->synth: the text of m (the manifest made). */
void synth_set_manifest(struct image_source *s, struct json_object *m);
int synth_open_blob(struct image_source *s, const char *digest, int *ret_fd,
		    struct pea_error **err);
int read_local_manifest(struct image_source *s, const char *path, const char *digest, char **ret,
			size_t *ret_len, struct pea_error **err);

/*
 * A file in a temp folder of our own, read back only by us or a child before
 * the folder goes: no rename, no fsync.
 */
int write_temp_file_at(int dirfd, const char *name, const void *buf, size_t len,
		       struct pea_error **err);

/* A NUL-terminated copy of len bytes. */
char *xmemdup_str(const char *buf, size_t len);

static inline void image_name_free_p(struct image_name **n)
{
	image_name_free(*n);
}
