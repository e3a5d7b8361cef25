#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "overlayfs/ops.h"
#include "overlayfs/override.h"
#include "overlayfs/passthrough.h"

/*
 * POSIX ACLs checked and cached by the kernel. Their values carry ids, mapped
 * with the uid/gid mappings (acl.h); not when owners are squashed (many ids
 * on disk, one shown), nor where owners and modes live in xattrs of ours (an
 * ACL changes the mode of the file itself).
 */
static bool want_posix_acl(const struct ovl_fs *fs)
{
	const struct ovl_options *o = fs->opts;

	if (o->noacl || o->noxattrs || o->squash_to_root || o->squash_uid >= 0 ||
	    o->squash_gid >= 0)
		return false;
	for (unsigned i = 0; i < fs->nlayers; i++)
		if (fs->layers[i].override)
			return false;
	return true;
}

/*
 * Set-ID bits of files are dropped here where the kernel says so (killpriv
 * v2), not by the kernel with a GETATTR before each chown: not where an
 * upper layer keeps modes in override_stat xattrs.
 */
bool ovl_want_killpriv(const struct ovl_fs *fs)
{
	return fs->has_upper && !fs->layers[0].override;
}

int ovl_kill_suidgid(struct ovl_fs *fs, struct ovl_node *n, const struct ovl_killer *k)
{
	char path[PATH_MAX];
	struct stat st, shown;
	mode_t mode;
	int dirfd, r;

	r = ovl_node_where_near(fs, n, path, sizeof(path), &dirfd);
	if (r < 0)
		return r;
	if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 0;
	mode = st.st_mode & 07777 & ~(mode_t)S_ISUID;
	if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		mode &= ~(mode_t)S_ISGID;
	/*
	 * Not group-executable: kept by a caller in the file's group or with
	 * CAP_FSETID over its owner and group (setattr_should_drop_sgid). Its
	 * ids as the kernel saw them: before a chown's.
	 */
	else if (mode & S_ISGID) {
		if (!k->before && ovl_node_stat(fs, n, &shown) < 0)
			return 0;
		if (k->before)
			shown = *k->before;
		if (!ovl_pt_in_group_or_fsetid(k->pid, k->fsgid, shown.st_uid, shown.st_gid))
			mode &= ~(mode_t)S_ISGID;
	}
	if (mode == (st.st_mode & 07777))
		return 0;
	return fchmodat(dirfd, path, mode, 0) < 0 ? -errno : 1;
}

/*
 * Does this setattr ask for the set-ID bits to go (killpriv v2)? With
 * FATTR_KILL_SUIDGID (a chown, or a truncation by a caller without
 * CAP_FSETID), or with nothing to set at all: the kernel's file_remove_privs
 * at a write or fallocate, which it sends when the caller lacks CAP_FSETID (in
 * the initial user namespace: root of a container does) or when the file has
 * a security.capability (removed by the kernel itself).
 */
static bool setattr_kills(struct ovl_fs *fs, fuse_req_t req, const struct ovl_node *n, int to_set)
{
	if (!fs->killpriv || n->type != S_IFREG)
		return false;
	if (to_set & FUSE_SET_ATTR_KILL_SUID)
		return true;
	return to_set == 0 && !ovl_pt_has_fsetid(fuse_req_ctx(req)->pid);
}

void ovl_op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct ovl_fs *fs = userdata;

	if (fs->opts->writeback && (conn->capable & FUSE_CAP_WRITEBACK_CACHE)) {
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
		fs->writeback = true;
	}
	ovl_pt_init(fs);
	if (want_posix_acl(fs) && (conn->capable & FUSE_CAP_POSIX_ACL) &&
	    (conn->capable & FUSE_CAP_DONT_MASK) && unshare(CLONE_FS) == 0) {
		conn->want |= FUSE_CAP_POSIX_ACL | FUSE_CAP_DONT_MASK;
		fs->posix_acl = true;
	}
	/*
	 * Read data moves from the layer files to /dev/fuse without a copy
	 * through us. Requests are read with one read(2): splicing them in costs
	 * a splice and a read for each small one, and most are small.
	 */
	conn->want |= conn->capable & (FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
	conn->want &= ~(unsigned)FUSE_CAP_SPLICE_READ;
	/*
	 * Listing a directory takes no OPENDIR and RELEASEDIR round trips:
	 * readdir's offsets are the entries' places in the tree (ops-readdir.c).
	 */
	if (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) {
		conn->want |= FUSE_CAP_NO_OPENDIR_SUPPORT;
		fs->no_opendir = true;
	}
	/* We keep no state the kernel's POSIX and flock locks would need. */
	conn->want &= ~(unsigned)(FUSE_CAP_POSIX_LOCKS | FUSE_CAP_FLOCK_LOCKS);
}

void ovl_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct fuse_entry_param e;
	struct ovl_node *n = NULL;
	int r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		ovl_plus_touch(fs, ovl_ino_node(fs, parent));
		r = ovl_dir_lookup(fs, ovl_ino_node(fs, parent), name, &n);
		if (r == 0)
			r = ovl_make_entry(fs, n, &e);
	}
	if (r < 0)
		ovl_reply_lookup_error(fs, req, r);
	else
		fuse_reply_entry(req, &e);
}

void ovl_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct ovl_fs *fs = ovl_req_fs(req);

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		ovl_node_forget(fs, ovl_ino_node(fs, ino), nlookup);
	}
	fuse_reply_none(req);
}

void ovl_op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct ovl_fs *fs = ovl_req_fs(req);

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		for (size_t i = 0; i < count; i++)
			ovl_node_forget(fs, ovl_ino_node(fs, forgets[i].ino), forgets[i].nlookup);
	}
	fuse_reply_none(req);
}

void ovl_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct stat st;
	int r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		struct ovl_node *n = ovl_ino_node(fs, ino);

		ovl_plus_touch(fs, n->parent);
		r = ovl_node_stat(fs, n, &st);
	}
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, ovl_attr_timeout(fs, &st));
}

static int do_truncate(int fd, int dirfd, const char *path, off_t size)
{
	_cleanup_close_ int wfd = -1;

	if (fd >= 0 && ftruncate(fd, size) == 0)
		return 0;
	wfd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (wfd < 0)
		return -errno;
	return ftruncate(wfd, size) < 0 ? -errno : 0;
}

static struct timespec set_time(int to_set, int now_flag, int flag, const struct timespec *t)
{
	if (to_set & now_flag)
		return (struct timespec){ .tv_nsec = UTIME_NOW };
	if (to_set & flag)
		return *t;
	return (struct timespec){ .tv_nsec = UTIME_OMIT };
}

/* chown and chmod on an upper layer that keeps owners and modes in an xattr. */
static int set_override(struct ovl_fs *fs, int dirfd, const char *path, const struct stat *attr,
			int to_set)
{
	const char *name = fs->layers[0].override;
	struct stat st;
	int r;

	if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	r = ovl_override_apply(dirfd, path, name, &st);
	if (r < 0)
		return r;
	if (to_set & FUSE_SET_ATTR_UID)
		st.st_uid = ovl_uid_to_disk(fs, attr->st_uid);
	if (to_set & FUSE_SET_ATTR_GID)
		st.st_gid = ovl_gid_to_disk(fs, attr->st_gid);
	if (to_set & FUSE_SET_ATTR_MODE)
		st.st_mode = attr->st_mode;
	return ovl_override_write(dirfd, path, name, st.st_uid, st.st_gid, st.st_mode);
}

static int do_setattr(struct ovl_fs *fs, struct ovl_node *n, const struct stat *attr, int to_set,
		      int fd)
{
	char path[PATH_MAX];
	int dirfd, r;

	r = ovl_copy_up(fs, n);
	if (r < 0 && !(r == -ENOENT && n->detached))
		return r;
	r = ovl_node_where_near(fs, n, path, sizeof(path), &dirfd);
	if (r < 0)
		return r;
	/*
	 * A directory's set-group-ID bit is remembered (ovl_upper_dir_setgid);
	 * a file's mode is nobody's business there (an untar's fchmod and fchown
	 * of each file would make each create stat its directory again).
	 */
	if (n->type == S_IFDIR &&
	    (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID | FUSE_SET_ATTR_MODE)))
		fs->mode_gen++;
	if ((to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID | FUSE_SET_ATTR_MODE)) &&
	    fs->layers[0].override && !n->detached && n->type != S_IFLNK) {
		r = set_override(fs, dirfd, path, attr, to_set);
		if (r < 0)
			return r;
		to_set &= ~(FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID | FUSE_SET_ATTR_MODE);
	}
	if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? ovl_uid_to_disk(fs, attr->st_uid)
							 : (uid_t)-1;
		gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? ovl_gid_to_disk(fs, attr->st_gid)
							 : (gid_t)-1;

		if (fchownat(dirfd, path, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	if (to_set & FUSE_SET_ATTR_MODE) {
		if (fchmodat(dirfd, path, attr->st_mode & 07777, 0) < 0)
			return -errno;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		r = do_truncate(fd, dirfd, path, attr->st_size);
		if (r < 0)
			return r;
	}
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
		      FUSE_SET_ATTR_MTIME_NOW)) {
		struct timespec t[2] = {
			set_time(to_set, FUSE_SET_ATTR_ATIME_NOW, FUSE_SET_ATTR_ATIME,
				 &attr->st_atim),
			set_time(to_set, FUSE_SET_ATTR_MTIME_NOW, FUSE_SET_ATTR_MTIME,
				 &attr->st_mtim),
		};

		if (utimensat(dirfd, path, t, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	return 0;
}

void ovl_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		    struct fuse_file_info *fi)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct stat st;
	int r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);
		struct ovl_node *n = ovl_ino_node(fs, ino);

		const struct fuse_ctx *ctx = fuse_req_ctx(req);
		struct ovl_killer k = { .pid = ctx->pid, .fsgid = ctx->gid };
		struct stat before;

		/* A chown's kill asks about the owner and group the file had. */
		if ((to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
		    setattr_kills(fs, req, n, to_set) && ovl_node_stat(fs, n, &before) == 0)
			k.before = &before;
		r = do_setattr(fs, n, attr, to_set, fi ? (int)fi->fh : -1);
		if (r == 0 && setattr_kills(fs, req, n, to_set))
			r = ovl_kill_suidgid(fs, n, &k);
		if (r >= 0)
			r = ovl_node_stat(fs, n, &st);
	}
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, ovl_attr_timeout(fs, &st));
}

void ovl_op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n = -1;
	int dirfd, r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		r = ovl_node_where(fs, ovl_ino_node(fs, ino), path, sizeof(path), &dirfd);
		if (r == 0) {
			n = readlinkat(dirfd, path, target, sizeof(target) - 1);
			r = n < 0 ? -errno : 0;
		}
	}
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	target[n] = '\0';
	fuse_reply_readlink(req, target);
}

void ovl_op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct statvfs sv;

	if (fstatvfs(fs->layers[0].fd, &sv) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_statfs(req, &sv);
}
