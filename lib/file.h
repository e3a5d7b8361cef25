#pragma once

/* Files and directories, always relative to a dirfd, always O_CLOEXEC. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pea_error;

/*
 * Replace dirfd/name atomically: write "name.tmp.XXXXXX" in the same
 * directory, fsync it, rename over name, fsync the directory. A crash at any
 * instant leaves either the old or the new content, never a torn file.
 * dirfd may be AT_FDCWD.
 */
int pea_write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len,
			     mode_t mode, struct pea_error **err);

/* Write all of len bytes to fd (retrying on EINTR and short writes). */
int pea_write_all(int fd, const void *data, size_t len, struct pea_error **err);
/* Read all of fd until EOF, at most max bytes (more: EFBIG). Result NUL-terminated. */
int pea_read_all(int fd, size_t max, char **ret, size_t *ret_len, struct pea_error **err);
int pea_read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
		     struct pea_error **err);
/* Write a whole small file (truncating, not atomic): for /proc and /sys knobs. */
int pea_write_file_at(int dirfd, const char *path, const char *data, struct pea_error **err);

/*
 * openat2() with RESOLVE_IN_ROOT: path is resolved as if rootfd were "/",
 * so symlinks and ".." cannot escape it. Falls back to a careful
 * component-by-component walk on kernels without openat2 (ENOSYS).
 */
int pea_open_in_root(int rootfd, const char *path, int flags, mode_t mode, int *ret_fd,
		     struct pea_error **err);
/* openat2() with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS. */
int pea_open_beneath(int dirfd, const char *path, int flags, mode_t mode, int *ret_fd,
		     struct pea_error **err);

/*
 * mkdir -p of path under dirfd (path relative; components resolved with
 * RESOLVE_IN_ROOT semantics when in_root). Existing directories are fine;
 * an existing non-directory is ENOTDIR. Returns an O_DIRECTORY|O_PATH-free
 * fd of the last directory in *ret_fd when ret_fd is not NULL.
 */
int pea_mkdir_p_at(int dirfd, const char *path, mode_t mode, int *ret_fd, struct pea_error **err);

/*
 * rm -rf of dirfd/name without following symlinks and without crossing
 * mount points (EXDEV is reported, not followed). Missing name is not an error.
 */
int pea_rm_rf_at(int dirfd, const char *name, struct pea_error **err);

/* Does dirfd/path exist (no follow of the last component)? */
bool pea_path_exists_at(int dirfd, const char *path);

/* Set FD_CLOEXEC on or off. */
int pea_fd_set_cloexec(int fd, bool on);
int pea_fd_set_nonblock(int fd, bool on);

/* Close every fd >= from except those listed in keep (close_range when possible). */
int pea_close_fds_except(int from, const int *keep, size_t nkeep);
