#pragma once

/*
 * gzip decoding of a layer stream with ISA-L's igzip (libisal, loaded on first
 * use), about three times zlib's speed. Members follow each other as in any
 * gzip file; each one's CRC and size are checked. Without libisal the caller
 * decodes with libarchive (zlib) instead.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct gunzip;

/* More compressed bytes: *ret_buf and the count, 0 at the end of the stream, < 0 on error. */
typedef ssize_t (*gunzip_refill_fn)(void *data, const unsigned char **ret_buf);

/* Whether buf (the stream's first bytes) starts a gzip member and libisal is here. */
bool gunzip_usable(const unsigned char *buf, size_t len);

/* A decoder whose first input is buf (not copied: valid until the next refill). */
struct gunzip *gunzip_new(const unsigned char *buf, size_t len, gunzip_refill_fn refill,
			  void *data);
struct gunzip *gunzip_free(struct gunzip *g);

/*
 * Up to cap decoded bytes into out: their count, 0 once the stream ended
 * cleanly, -1 on an error (its text in gunzip_error(); a refill failure keeps
 * the refill's own).
 */
ssize_t gunzip_read(struct gunzip *g, void *out, size_t cap);
const char *gunzip_error(const struct gunzip *g);
