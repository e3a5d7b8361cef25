#pragma once

/*
 * A producer thread ahead of its consumer: blocks of a stream made on a thread of
 * their own (an apply's decompression and hashing) while the caller uses the ones
 * before (the tar reader and the file writes), so that one apply can keep two cores
 * busy. The blocks are handed over in order through a ring of buffers, without
 * copies; the consumer keeps the last two it was given (libarchive reads the last
 * one until its next read, the tar-split recorder the one before).
 */

#include <stddef.h>
#include <sys/types.h>

struct pipeline;

/*
 * Fill buf (cap bytes) with the stream's next bytes: their count, 0 at its end, < 0 on
 * an error (the producer's state says which). Runs on the producer thread.
 */
typedef ssize_t (*pipeline_produce_fn)(void *data, char *buf, size_t cap);

/*
 * Start the thread over produce; NULL when a thread cannot be had (errno set).
 * *ret_stop_fd is set before the thread starts: a descriptor that becomes readable
 * once the consumer gave up, which the producer's blocking reads poll beside their own
 * (failing with ECANCELED). It stays the pipeline's; -1 on failure.
 */
struct pipeline *pipeline_start(pipeline_produce_fn produce, void *data, size_t block,
				int *ret_stop_fd);

/*
 * The next block, in order: its count and *ret_buf, 0 at the end, < 0 as the
 * producer failed (the thread has ended then: its state may be read).
 */
ssize_t pipeline_next(struct pipeline *p, const char **ret_buf);

/* Stop the producer (it ends at its next block, or its next wait) and wait for it. */
struct pipeline *pipeline_free(struct pipeline *p);
