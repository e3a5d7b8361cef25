#pragma once

/*
 * The bytes of a layer's tar stream that are not file contents (headers, padding, the
 * end), kept beside the layer, so that `layer diff` gives back the very tar that was
 * applied (same diff id) by reading the contents from the layer's files. The idea of
 * containers/storage's tar-split, in a format of our own:
 *
 *   'R' u32 length, bytes        raw stream bytes
 *   'D' u32 length, path, u64 size   the contents of a regular file of the layer
 *
 * Recording gives up (and nothing is kept) on anything it does not follow exactly.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pea_error;
struct tarsplit;

struct tarsplit *tarsplit_new(int out_fd);
struct tarsplit *tarsplit_free(struct tarsplit *t);
/*
 * Every byte of the uncompressed stream, in order. buf is read until the next feed or
 * tarsplit_finish(): it must stay as it is until then (only the headers and what is not a
 * plain file's contents are copied).
 */
void tarsplit_feed(struct tarsplit *t, const void *buf, size_t len);
/*
 * An entry's headers start at header_pos; path is where its contents are in the layer
 * (NULL: keep its contents raw, for anything but a plain regular file).
 */
void tarsplit_entry(struct tarsplit *t, uint64_t header_pos, const char *path, uint64_t size);
/* Give up recording (the layer will not give back its tar byte for byte). */
void tarsplit_abandon(struct tarsplit *t);
/* After the whole stream was fed: write what is left. false when recording gave up. */
bool tarsplit_finish(struct tarsplit *t);

/* Write the original tar to out_fd from the records on split_fd and the files under rootfd. */
int tarsplit_write(int split_fd, int rootfd, const char *diff_id, int out_fd,
		   struct pea_error **err);

/* As tarsplit_write, every byte of the tar also given to feed (tarverify.h). */
typedef void tarsplit_feed_fn(void *data, const void *p, size_t n);
int tarsplit_write_fed(int split_fd, int rootfd, const char *diff_id, int out_fd,
		       tarsplit_feed_fn *feed, void *feed_data, struct pea_error **err);
