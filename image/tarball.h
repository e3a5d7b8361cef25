#pragma once

/* Tar archives with libarchive: extracting archives safely, writing them, and
 * decompressing a layer blob (gzip or zstd) into a plain tar stream. */

#include <stddef.h>

struct pea_error;
struct pea_digest;
struct archive;

/* For _cleanup_(): free a libarchive reader or writer (NULL is fine). */
void tar_archive_read_free_p(struct archive **a);
void tar_archive_write_free_p(struct archive **a);

/* Extract path into the existing, empty directory dir: regular files, folders and
 * symlinks only, no "..", no absolute names. */
int tar_extract(const char *path, const char *dir, struct pea_error **err);

/* Write the named files of dir (in order) into a new tar at out (replaced atomically). */
int tar_create(const char *dir, char *const *names, const char *out, struct pea_error **err);

/* Decompress in_fd (gzip, zstd or plain) into out_fd, hashing what is written. */
int tar_decompress(int in_fd, int out_fd, struct pea_digest *dg, struct pea_error **err);

/*
 * Recompress in_fd (gzip, zstd or plain) into out_fd with gzip or zstd ("gzip",
 * "zstd") at level (0: the default), hashing what is written into dg.
 */
int tar_recompress(int in_fd, int out_fd, const char *format, int level, struct pea_digest *dg,
		   struct pea_error **err);

/* The content of one regular file of a tar archive (at most max bytes), NUL-terminated. */
int tar_read_file(const char *path, const char *name, size_t max, char **ret, size_t *ret_len,
		  struct pea_error **err);
