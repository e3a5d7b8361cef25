#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/xalloc.h"
#include "overlayfs/fs.h"
#include "overlayfs/override.h"

#define XATTR_LIST_MAX_SIZE (64u << 10)

int ovl_copy_xattrs(const char *src, const char *dst, bool src_hidden, bool dst_hidden)
{
	_cleanup_free_ char *list = NULL;
	_cleanup_free_ char *value = NULL;
	ssize_t n;

	n = llistxattr(src, NULL, 0);
	if (n <= 0)
		return (n < 0 && errno != ENOTSUP) ? -errno : 0;
	list = xmalloc(XATTR_LIST_MAX_SIZE);
	n = llistxattr(src, list, XATTR_LIST_MAX_SIZE);
	if (n < 0)
		return -errno;
	value = xmalloc(XATTR_LIST_MAX_SIZE);
	for (ssize_t off = 0; off < n; off += (ssize_t)strlen(list + off) + 1) {
		const char *name = list + off, *to;
		char disk[XATTR_NAME_MAX + 1];
		ssize_t len;

		if (ovl_xattr_is_private(name) && !ovl_override_is_name(name) &&
		    !ovl_xattr_is_escaped(name))
			continue;
		/* The mount's security.* from and to the layers that encode them (override.h). */
		to = src_hidden ? ovl_override_name_from_disk(name) : name;
		if (!to || (dst_hidden && ovl_override_name_to_disk(&to, disk, sizeof(disk)) < 0))
			continue;
		/*
		 * security.fuseoverlayfs.override_stat is a layer's own where security.*
		 * is not encoded, the mount's where it is: not carried from one to the other.
		 */
		if (src_hidden != dst_hidden &&
		    strcmp(src_hidden ? to : name, OVL_OVERRIDE_PRIVILEGED) == 0)
			continue;
		len = lgetxattr(src, name, value, XATTR_LIST_MAX_SIZE);
		if (len < 0) {
			if (errno == ENODATA)
				continue;
			return -errno;
		}
		/* Some names cannot be set here (user.* on a symlink): skip those. */
		if (lsetxattr(dst, to, value, (size_t)len, 0) < 0 && errno != ENOTSUP &&
		    errno != EPERM)
			return -errno;
	}
	return 0;
}

/* Errors of copy_file_range and sendfile that ask for another way, not report a failure. */
static bool copy_unsupported(int e)
{
	return e == EXDEV || e == ENOSYS || e == EINVAL || e == EOPNOTSUPP;
}

/*
 * Up to len bytes at pos of in to the same place of out without
 * copy_file_range (file systems apart: EXDEV): sendfile's in-kernel splice,
 * one copy of the data, else through a buffer of ours.
 */
static ssize_t copy_chunk(int in, int out, off_t pos, size_t len, bool *no_sendfile)
{
	static __thread char buf[128 << 10];
	off_t ipos = pos;
	ssize_t n;

	if (!*no_sendfile) {
		if (lseek(out, pos, SEEK_SET) < 0)
			return -1;
		n = sendfile(out, in, &ipos, len);
		if (n >= 0 || !copy_unsupported(errno))
			return n;
		*no_sendfile = true;
	}
	n = pread(in, buf, len < sizeof(buf) ? len : sizeof(buf), pos);
	if (n > 0)
		n = pwrite(out, buf, (size_t)n, pos); /* short: the caller goes on from there */
	return n;
}

static int copy_range(struct ovl_fs *fs, int in, int out, off_t start, off_t end)
{
	bool no_cfr = false, no_sendfile = false;
	off_t pos = start;

	/*
	 * The blocks allocated at once, in one extent where the file system can:
	 * the copy then costs a sixth less (ext4: no reservation per page). The
	 * copy reports a lack of space itself.
	 */
	if (!fs->no_prealloc)
		(void)fallocate(out, 0, start, end - start);
	while (pos < end) {
		off_t ipos = pos, opos = pos;
		ssize_t n = -1;

		if (!no_cfr) {
			n = copy_file_range(in, &ipos, out, &opos, (size_t)(end - pos), 0);
			no_cfr = n < 0 && copy_unsupported(errno);
		}
		if (no_cfr)
			n = copy_chunk(in, out, pos, (size_t)(end - pos), &no_sendfile);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break; /* the file shrank under us */
		pos += n;
	}
	return 0;
}

/* The data of in to out, holes kept as holes. */
static int copy_data(struct ovl_fs *fs, int in, int out, off_t size)
{
	off_t off = 0;
	int r;

	while (off < size) {
		off_t data = lseek(in, off, SEEK_DATA), hole;

		if (data < 0) {
			if (errno == ENXIO)
				break; /* only a hole is left */
			data = off;
			hole = size;
		} else {
			hole = lseek(in, data, SEEK_HOLE);
			if (hole < 0 || hole > size)
				hole = size;
		}
		r = copy_range(fs, in, out, data, hole);
		if (r < 0)
			return r;
		off = hole;
	}
	return ftruncate(out, size) < 0 ? -errno : 0;
}

static int copy_file(struct ovl_fs *fs, int srcdir, const char *path, const struct stat *st,
		     const char *tmp, bool data)
{
	_cleanup_close_ int in = -1;
	_cleanup_close_ int out = -1;
	int r;

	if (data) {
		in = openat(srcdir, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (in < 0)
			return -errno;
	}
	out = openat(fs->workfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return -errno;
	if (!data)
		return 0;
	/* A clone shares the blocks (btrfs, XFS): nothing to copy, holes kept. */
	if (!__atomic_load_n(&fs->no_reflink, __ATOMIC_RELAXED)) {
		if (ioctl(out, FICLONE, in) == 0)
			goto copied;
		if (errno == EOPNOTSUPP || errno == ENOTTY || errno == EINVAL || errno == EXDEV)
			__atomic_store_n(&fs->no_reflink, true, __ATOMIC_RELAXED);
	}
	r = copy_data(fs, in, out, st->st_size);
	if (r < 0)
		return r;
copied:
	/* As fuse-overlayfs, which never does: only when fsync=1 asks for it. */
	if (fs->opts->fsync_copy_up && fsync(out) < 0)
		return -errno;
	return 0;
}

/* Make the work dir entry tmp a copy of srcdir/path, all but its name. */
static int copy_node(struct ovl_fs *fs, int srcdir, const char *path, const struct stat *st,
		     const char *tmp, bool data)
{
	char target[PATH_MAX];
	ssize_t n;

	switch (st->st_mode & S_IFMT) {
	case S_IFDIR:
		return mkdirat(fs->workfd, tmp, 0700) < 0 ? -errno : 0;
	case S_IFREG:
		return copy_file(fs, srcdir, path, st, tmp, data);
	case S_IFLNK:
		n = readlinkat(srcdir, path, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		return symlinkat(target, fs->workfd, tmp) < 0 ? -errno : 0;
	default:
		return mknodat(fs->workfd, tmp, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0
			       ? -errno
			       : 0;
	}
}

/* The owner and mode of srcdir/path from its layer's override xattr, else st's. */
static int source_owner(struct ovl_fs *fs, unsigned layer, int srcdir, const char *path,
			const struct stat *st, struct stat *ret)
{
	*ret = *st;
	if (!fs->layers[layer].override)
		return 0;
	return ovl_override_apply(srcdir, path, fs->layers[layer].override, ret);
}

/*
 * The owner, xattrs and times of srcdir/path onto the work dir entry tmp; its
 * mode into *mode, for the caller to set last (set_mode).
 */
static int copy_meta(struct ovl_fs *fs, unsigned layer, int srcdir, const char *path,
		     const struct stat *st, const char *tmp, mode_t *mode)
{
	char src[PATH_MAX + 64], dst[PATH_MAX + 64];
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	const char *override = fs->layers[0].override;
	struct stat owner;
	int r;

	r = source_owner(fs, layer, srcdir, path, st, &owner);
	if (r < 0)
		return r;
	/* An upper layer with override xattrs keeps the owner there (rootless). */
	if (!override &&
	    fchownat(fs->workfd, tmp, owner.st_uid, owner.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	ovl_proc_path(srcdir, path, src, sizeof(src));
	ovl_proc_path(fs->workfd, tmp, dst, sizeof(dst));
	r = ovl_copy_xattrs(src, dst, fs->layers[layer].sec_hidden, fs->layers[0].sec_hidden);
	if (r < 0)
		return r;
	/*
	 * Where it came from, as fuse-overlayfs records it: a later mount shows
	 * the inode number of the lower entry again. (Not on symlinks: no user.*
	 * xattrs there.)
	 */
	if (!fs->opts->noxattrs && !S_ISLNK(st->st_mode) &&
	    lsetxattr(dst, OVL_ORIGIN_FUSE, path, strlen(path) + 1, 0) < 0 && errno != ENOTSUP &&
	    errno != EPERM)
		return -errno;
	if (override && !S_ISLNK(st->st_mode)) {
		r = ovl_override_write(fs->workfd, tmp, override, owner.st_uid, owner.st_gid,
				       owner.st_mode);
		if (r < 0)
			return r;
	}
	*mode = owner.st_mode & 07777;
	if (utimensat(fs->workfd, tmp, times, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/*
 * The copy's mode, set last: after the chown, which drops set-ID bits, and
 * after what needs write permission on the copy, which a server without
 * CAP_DAC_OVERRIDE lacks on a read-only one (EACCES): user.* xattrs, and for
 * a directory its move out of the work dir (a new "..").
 */
static int set_mode(int dirfd, const char *name, const struct stat *st, mode_t mode)
{
	if (S_ISLNK(st->st_mode) || fchmodat(dirfd, name, mode, 0) == 0)
		return 0;
	return -errno;
}

/* Wait for a copy-up of n running unlocked in another thread; true if we waited. */
bool ovl_copy_up_wait(struct ovl_fs *fs, struct ovl_node *n)
{
	bool waited = false;

	while (n->copying) {
		pthread_cond_wait(&fs->copy_done, &fs->lock);
		waited = true;
	}
	return waited;
}

static int copy_up(struct ovl_fs *fs, struct ovl_node *n, bool unlocked, bool data)
{
	char path[PATH_MAX], tmp[64];
	int srcdir, r;
	struct stat st;
	mode_t mode = 0;

	if (!fs->has_upper)
		return -EROFS;
	ovl_copy_up_wait(fs, n);
	if (n->detached)
		return -ENOENT;
	if (n->layer == 0)
		return 0;
	if (n->parent) {
		r = copy_up(fs, n->parent, false, true);
		if (r < 0)
			return r;
	}
	r = ovl_node_path(n, path, sizeof(path));
	if (r < 0)
		return r;
	srcdir = fs->layers[n->layer].fd;
	if (fstatat(srcdir, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	ovl_fs_work_name(fs, tmp, sizeof(tmp));
	/*
	 * The data of a file is copied without the lock, so that a big copy-up
	 * does not stall the mount. Meanwhile the node's path cannot change (its
	 * parents have lower layers: they do not move), others wanting this copy
	 * wait, and an unlink of the node makes the copy moot.
	 */
	unlocked = unlocked && S_ISREG(st.st_mode);
	if (unlocked) {
		n->copying = true;
		pthread_mutex_unlock(&fs->lock);
	}
	r = copy_node(fs, srcdir, path, &st, tmp, data);
	if (r == 0)
		r = copy_meta(fs, n->layer, srcdir, path, &st, tmp, &mode);
	if (r == 0 && !S_ISDIR(st.st_mode))
		r = set_mode(fs->workfd, tmp, &st, mode);
	if (unlocked) {
		pthread_mutex_lock(&fs->lock);
		n->copying = false;
		pthread_cond_broadcast(&fs->copy_done);
		if (r == 0 && n->detached)
			r = -ENOENT;
	}
	if (r == 0 && renameat2(fs->workfd, tmp, fs->layers[0].fd, path, RENAME_NOREPLACE) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(fs->workfd, tmp, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
		return r;
	}
	/* In place, empty but for what comes later: put back as it was on failure. */
	if (S_ISDIR(st.st_mode)) {
		r = set_mode(fs->layers[0].fd, path, &st, mode);
		if (r < 0) {
			(void)unlinkat(fs->layers[0].fd, path, AT_REMOVEDIR);
			return r;
		}
	}
	n->layer = 0;
	if (!S_ISDIR(st.st_mode))
		n->last_layer = 0;
	n->covers_lower = true;
	return 0;
}

int ovl_copy_up(struct ovl_fs *fs, struct ovl_node *n)
{
	return copy_up(fs, n, false, true);
}

int ovl_copy_up_unlocked(struct ovl_fs *fs, struct ovl_node *n, bool data)
{
	return copy_up(fs, n, true, data);
}
