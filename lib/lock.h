#pragma once

/* flock(2)-based locks on files, for records and stores. */

#include <stdbool.h>

struct pea_error;

enum pea_lock_mode {
	PEA_LOCK_SHARED,
	PEA_LOCK_EXCLUSIVE,
};

/*
 * Open (creating, mode 0600) dirfd/name and take the lock, waiting for it
 * unless nonblock (then EWOULDBLOCK is "locked by another process").
 * The lock is held until the returned fd is closed.
 */
int pea_lock_at(int dirfd, const char *name, enum pea_lock_mode mode, bool nonblock, int *ret_fd,
		struct pea_error **err);
/* Release by closing; returns -1 for `fd = pea_unlock(fd)`. */
int pea_unlock(int fd);
