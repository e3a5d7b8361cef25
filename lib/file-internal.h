#pragma once

/*
 * Internals of lib/file.c exposed to its unit test only; nothing else
 * includes this header.
 */

#include <stdbool.h>
#include <sys/types.h>

/*
 * Called by pea_write_file_atomic_at() after the temp file is written and
 * synced, right before renameat(). NULL in production. A test sets it to
 * a function that kills the process, to prove the old content survives.
 */
extern void (*pea_file_test_before_rename)(void);

/*
 * The component-by-component resolver used when openat2() is missing
 * (ENOSYS). beneath: RESOLVE_BENEATH semantics (absolute paths, absolute
 * symlinks and ".." above dirfd are EXDEV); otherwise RESOLVE_IN_ROOT
 * (they are resolved against dirfd as "/"). Returns an fd or -errno.
 */
int pea_file_walk_open(int dirfd, const char *path, int flags, mode_t mode, bool beneath);
