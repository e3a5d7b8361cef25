#pragma once

/*
 * zstd decoding of a layer stream with libzstd's streaming API (loaded on
 * first use), straight into the caller's buffer: libarchive's zstd filter
 * decodes into a buffer of its own, and every byte was copied once more.
 * Frames follow each other as in any zstd file; a frame's checksum, when it
 * has one, is checked by libzstd. Without libzstd the caller decodes with
 * libarchive instead.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct unzstd;

/* More compressed bytes: *ret_buf and the count, 0 at the end of the stream, < 0 on error. */
typedef ssize_t (*unzstd_refill_fn)(void *data, const unsigned char **ret_buf);

/* Whether buf (the stream's first bytes) starts a zstd frame and libzstd is here. */
bool unzstd_usable(const unsigned char *buf, size_t len);

/* A decoder whose first input is buf (not copied: valid until the next refill). */
struct unzstd *unzstd_new(const unsigned char *buf, size_t len, unzstd_refill_fn refill,
			  void *data);
struct unzstd *unzstd_free(struct unzstd *z);

/*
 * Up to cap decoded bytes into out: their count, 0 once the stream ended
 * cleanly (at the end of a frame), -1 on an error (its text in
 * unzstd_error(); a refill failure keeps the refill's own).
 */
ssize_t unzstd_read(struct unzstd *z, void *out, size_t cap);
const char *unzstd_error(const struct unzstd *z);
