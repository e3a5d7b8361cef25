#pragma once

/* Copying an image (or every image of an index) from a source to a destination. */

#include <stdbool.h>

#include "lib/digest.h"

struct pea_error;
struct image_source;
struct image_dest;
struct progress;

struct copy_options {
	bool all;	/* every image of an index, and the index */
	const char *os; /* platform selection; NULL: the host's */
	const char *arch;
	const char *variant;
	struct progress *progress;
	const char *compress_format; /* "gzip" or "zstd": recompress layers that differ */
	int compress_level;	     /* 0: the format's default */
	bool only_uncompressed;	     /* compress only the plain tar layers (skopeo's default) */
	bool preserve_digests;	     /* refuse to convert a manifest or recompress a layer */
	bool want_docker;	     /* --format v2s2: Docker schema 2 manifests */
};

/* Copy, then commit the destination. *ret_digest: the top manifest written. */
int copy_image(struct image_source *src, struct image_dest *dst, const struct copy_options *o,
	       char ret_digest[PEA_DIGEST_MAX], struct pea_error **err);

/* Convert a Docker schema 2 manifest to an OCI one (same blobs); other types copied. */
int manifest_to_oci(const char *buf, size_t len, const char *type, char **ret, size_t *ret_len,
		    char **ret_type, struct pea_error **err);
