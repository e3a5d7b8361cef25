#pragma once

/*
 * The requests that can block on a layer's file system for long (reading
 * file data, a copy-up, fsync, the flush of a close) run in a few worker
 * threads; everything else is answered by the one thread that reads
 * /dev/fuse. A sequential walk of the tree (find, ls -lR) then costs no
 * hand-over between threads per request, and a stuck lower file system holds
 * a worker, not the mount.
 */

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <stdbool.h>

struct ovl_workers;

struct ovl_job {
	struct ovl_job *next;
	void (*run)(struct ovl_job *job);
	fuse_req_t req;
	fuse_ino_t ino;
	struct fuse_file_info fi;
	size_t size;
	off_t off;
	int flag; /* datasync for fsync; for open, drop set-ID bits (killpriv v2) */
};

/* n threads; NULL (jobs run in the caller) when n is 0 or threads cannot start. */
struct ovl_workers *ovl_workers_new(unsigned n);
/* Nothing running nor queued? (True without workers.) */
bool ovl_workers_idle(struct ovl_workers *w);
/* Finish the queued jobs, stop the threads, free. */
void ovl_workers_free(struct ovl_workers *w);
/* Run a copy of job in a worker (in the caller without workers). */
void ovl_workers_submit(struct ovl_workers *w, const struct ovl_job *job);
