#pragma once

/*
 * Applying a layer: read an OCI layer tar stream (plain, gzip or zstd, told apart by
 * their magic) with libarchive and write its entries under a root directory fd.
 *
 * Every path is checked before anything is written: absolute paths, ".." components,
 * parents that are symlinks and hardlinks whose target is not inside the layer are
 * refused. Parents are opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS) and
 * the last component with *at() calls and O_NOFOLLOW, so no write can leave the root.
 *
 * OCI whiteouts (".wh.NAME", ".wh..wh..opq") become the overlay form (a 0/0 character
 * device, the opaque xattr) or, for vfs, the deletion of what lower layers put there.
 */

#include <stdbool.h>
#include <stdint.h>

struct pea_error;
struct archive;

enum apply_mode {
	APPLY_OVERLAY, /* the layer is an overlay upper directory */
	APPLY_VFS,     /* the layer is a full copy of its parent, changed in place */
};

struct apply_options {
	enum apply_mode mode;
	/* "trusted.overlay.opaque", or "user.overlay.opaque" for a rootless overlay */
	const char *opaque_xattr;
	bool ignore_chown_errors;
	/* where to record the tar's headers for an exact `layer diff` (tarsplit.h), or -1 */
	int tarsplit_fd;
	/*
	 * The stream's expected digest, or NULL: when the stream fails to unpack,
	 * the rest is read and a digest that differs is the error reported (the
	 * cause: another blob than the one named, cut short or tampered with).
	 */
	const char *expect_digest;
	/*
	 * Nothing started toward the disk while it applies (pea_sync=deferred: nothing waits
	 * for it): no O_DIRECT, no sync_file_range, no writeback kicks.
	 */
	bool no_writeback;
};

struct apply_result {
	char *diff_id;		 /* "sha256:…" of the uncompressed tar */
	char *compressed_digest; /* "sha256:…" of the stream as read */
	uint64_t size;		 /* bytes of the uncompressed tar */
	uint64_t compressed_size;
	const char *compression; /* "none", "gzip", "zstd" */
	uint64_t entries;
	bool tarsplit; /* the record on tarsplit_fd is complete */
};

#define APPLY_MAX_PATH 4096

/* Read the stream from in_fd to its end and apply it under rootfd. */
int apply_tar_fd(int in_fd, int rootfd, const struct apply_options *o, struct apply_result *ret,
		 struct pea_error **err);
void apply_result_clear(struct apply_result *r);

/*
 * Normalise an entry's path: drop "./" and empty components and a trailing '/';
 * refuse absolute paths and "..". "" is the root. what names the entry in errors.
 */
int apply_clean_path(const char *path, char **ret, struct pea_error **err);
