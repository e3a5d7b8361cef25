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
 * The file gets exactly mode (umask does not apply). dirfd may be AT_FDCWD.
 * On failure the temp file is removed; a process killed mid-way can leave a
 * "name.tmp.XXXXXX" behind: readers listing a directory must ignore *.tmp.*
 * names (and may remove old ones).
 */
int pea_write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			     struct pea_error **err);

/*
 * The same without the directory's fsync: the content is on the disk before
 * the rename, so a crash leaves the old file or the new one, never a torn
 * one, but the rename itself is durable only once the caller fsyncs the
 * directory (say, while it waits for something else).
 */
int pea_write_file_synced_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			     struct pea_error **err);

/*
 * The same replacement by a rename, without the two fsyncs: readers see the
 * old content or the new, never a torn file, but a crash may bring the old
 * one back (or, before the data reaches the disk, an empty file). For files
 * that a reboot makes stale anyway (run-root files, life-cycle fields of
 * records, a bundle's config.json), where the fsyncs cost milliseconds.
 * A rename over the old file, never a swap (RENAME_EXCHANGE) and unlink: ext4's
 * auto_da_alloc writes the new blocks out on a rename over a file, which is what
 * keeps a record from coming back empty after a power cut (a swap lost that:
 * session 12's review, 20/20 empty files on a journaled ext4 shut down 4 s after).
 */
int pea_write_file_replace_at(int dirfd, const char *name, const void *data, size_t len,
			      mode_t mode, struct pea_error **err);

/* Write all of len bytes to fd (retrying on EINTR and short writes). */
int pea_write_all(int fd, const void *data, size_t len, struct pea_error **err);
/* Read all of fd until EOF, at most max bytes (more: EFBIG). Result NUL-terminated. */
int pea_read_all(int fd, size_t max, char **ret, size_t *ret_len, struct pea_error **err);
int pea_read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
		     struct pea_error **err);
/*
 * Write a whole small file (truncating, not atomic): for /proc and /sys knobs.
 * A missing file is created (0644) where the filesystem allows it.
 */
int pea_write_file_at(int dirfd, const char *path, const char *data, struct pea_error **err);

/*
 * openat2() with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: path is resolved as
 * if rootfd were "/", so symlinks and ".." cannot escape it. Falls back to a
 * careful component-by-component walk on kernels without openat2 (ENOSYS).
 * O_CLOEXEC is always added; mode is used with O_CREAT only.
 */
int pea_open_in_root(int rootfd, const char *path, int flags, mode_t mode, int *ret_fd,
		     struct pea_error **err);
/*
 * openat2() with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (same fallback): an
 * absolute path, an absolute symlink or ".." above dirfd is EXDEV ("path
 * escapes its directory").
 */
int pea_open_beneath(int dirfd, const char *path, int flags, mode_t mode, int *ret_fd,
		     struct pea_error **err);

/*
 * mkdir -p of path under dirfd. Under a real dirfd every component is
 * resolved with RESOLVE_IN_ROOT semantics (a symlink in a rootfs cannot make
 * it create outside dirfd); under AT_FDCWD paths resolve normally. Existing
 * directories are fine; an existing non-directory is ENOTDIR. When ret_fd is
 * not NULL it gets an O_RDONLY | O_DIRECTORY fd of the last directory.
 */
int pea_mkdir_p_at(int dirfd, const char *path, mode_t mode, int *ret_fd, struct pea_error **err);

/*
 * rm -rf of dirfd/name without following symlinks and without crossing
 * mount points (EXDEV "'x/y' is a mount point, not removing it"; bind mounts
 * of the same filesystem count). Missing name is not an error.
 */
int pea_rm_rf_at(int dirfd, const char *name, struct pea_error **err);

/*
 * Is dirfd/path the root of a mount (a bind mount of the same file system
 * too: statx's STATX_ATTR_MOUNT_ROOT, else a device other than its parent's)?
 * A last symlink is followed; false when path cannot be looked at.
 */
bool pea_is_mountpoint_at(int dirfd, const char *path);

/*
 * Does fd's filesystem commit metadata through a journal, in order (xfs;
 * ext4 with a journal: /sys/fs/ext4/DEV/journal_task names its thread)?
 * There one fsync makes durable every change of metadata made before it.
 * An ext4 without a journal does not: each file needs its own fsync.
 */
bool pea_fs_journal_ordered(int fd);

/*
 * Mark the folder dirfd a top of directory hierarchies (chattr +T), best
 * effort: ext4's Orlov allocator then places each new folder made in it in a
 * block group of its own (one with more free inodes and blocks than average),
 * and that folder's files follow it, rather than all near dirfd. Without a
 * journal, ext4 skips each free inode of a group freed in the last 5 s (300 s
 * while its inode table is dirty), one buffer lookup per inode, at every
 * create: where folders are made and removed by the hundred (layers,
 * containers), their files then no longer queue behind each other's deletes.
 * A filesystem without the flag (xfs, btrfs, tmpfs) refuses it; nothing changes.
 */
void pea_dir_spread(int dirfd);

/* Does dirfd/path exist (no follow of the last component)? */
bool pea_path_exists_at(int dirfd, const char *path);

/* Set FD_CLOEXEC / O_NONBLOCK on or off; 0 or -errno. */
int pea_fd_set_cloexec(int fd, bool on);
int pea_fd_set_nonblock(int fd, bool on);

/*
 * Close every fd >= from except those listed in keep (close_range when
 * possible). Does not allocate: safe in a forked child. 0 or -errno.
 */
int pea_close_fds_except(int from, const int *keep, size_t nkeep);
