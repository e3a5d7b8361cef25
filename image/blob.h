#pragma once

/*
 * Where a blob's bytes go while they stream in: a file or memory, hashed as
 * they pass, with the size capped at what the manifest says. Nothing is
 * trusted until blob_sink_finish() has checked the digest and the size.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/digest.h"

struct pea_error;
struct progress;

struct blob_sink {
	int fd; /* -1: into memory */
	char *mem;
	size_t mem_len, mem_cap, mem_max;
	struct pea_digest dg;
	uint64_t written;
	int64_t expected_size; /* -1: unknown */
	char expected_digest[PEA_DIGEST_MAX];
	struct progress *progress;
	uint64_t last_report;
	struct pea_error *error; /* set by a failed write inside a callback */
	/*
	 * The consumer checks the digest as it reads the blob (pea-storage's layer
	 * apply --digest, before it stores anything): no hashing here, only the size.
	 */
	bool digest_checked_by_consumer;
	/*
	 * Offered each write before the file: a consumer that has read all the file
	 * holds so far (the store's layer apply) takes what it can at once, without
	 * blocking, and returns how many bytes (0..len); the rest goes to the file
	 * at its offset in the blob, the bytes taken leaving a hole there. Given
	 * ret_full (blob_sink_write_some()), a consumer that took all it could hold
	 * for now sets *ret_full: the writer keeps the rest and offers it again
	 * later (no staged copy); without, the rest goes to the file.
	 */
	size_t (*direct)(void *data, const void *buf, size_t len, uint64_t offset, bool *ret_full);
	void *direct_data;
};

/* fd is borrowed; fd < 0 collects into memory (at most mem_max bytes). */
int blob_sink_init(struct blob_sink *s, int fd, const char *digest, int64_t size, size_t mem_max,
		   struct pea_error **err);
int blob_sink_write(struct blob_sink *s, const void *buf, size_t len, struct pea_error **err);
/*
 * As blob_sink_write(), but a direct consumer that is full may leave the end of
 * buf to the caller: *ret_taken (0..len) bytes are in the blob, the caller
 * offers the others again, later (once the consumer can take more).
 */
int blob_sink_write_some(struct blob_sink *s, const void *buf, size_t len, size_t *ret_taken,
			 struct pea_error **err);
/* Start again from zero (a retry that could not resume). */
int blob_sink_reset(struct blob_sink *s, struct pea_error **err);
/* Check size and digest; what names the blob in errors. */
int blob_sink_finish(struct blob_sink *s, const char *what, struct pea_error **err);
void blob_sink_done(struct blob_sink *s);

/*
 * SIGINT, SIGTERM and SIGHUP set a flag that makes every transfer and blob write
 * fail with "interrupted", so that the copy unwinds and removes what it made; a
 * second signal kills as usual.
 */
void blob_interrupt_install(void);
bool blob_interrupted(void);

/* Copy all of fd into the sink. */
int blob_sink_from_fd(struct blob_sink *s, int fd, struct pea_error **err);

/*
 * Progress: JSON lines {"event":"...","digest":...,"size":...,"done":...}
 * on an fd (--progress=json, --progress-fd), else nothing (-q) or short text lines.
 */
enum progress_mode {
	PROGRESS_TEXT,
	PROGRESS_JSON,
	PROGRESS_QUIET,
	PROGRESS_TTY, /* a bar per blob, redrawn in place */
};

struct progress_bar {
	char digest[PEA_DIGEST_MAX];
	int64_t size;
	uint64_t done;
	const char *state; /* NULL while copying, else "done", "skipped", ... */
};

struct progress {
	enum progress_mode mode;
	int fd;
	struct progress_bar *bars; /* PROGRESS_TTY */
	size_t nbars;
	size_t drawn; /* lines drawn last time, to move back over */
	uint64_t drawn_ms;
	const char *config_digest; /* the image's config while its blobs copy: "Copying config" */
};

/* End a TTY display (the bars stay on the screen); frees the bars. */
void progress_done(struct progress *p);

void progress_event(struct progress *p, const char *event, const char *digest, int64_t size,
		    uint64_t done);
/* The last event: the manifest digest written and, into a store, the image's id. */
void progress_copied(struct progress *p, const char *digest, const char *image_id);
void progress_message(struct progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
