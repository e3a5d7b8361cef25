#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "overlayfs/ops.h"
#include "overlayfs/override.h"
#include "overlayfs/passthrough.h"

/* What a new name needs: its parent in the upper layer and no whiteout in the way. */
struct ovl_newent {
	struct ovl_node *parent;
	const char *name;
	int dirfd;	    /* the upper copy of parent (ovl_upper_dir_fd's: not closed) */
	int fd;		    /* the new file, when it is opened (create): not closed here */
	bool over_whiteout; /* an upper whiteout had the name: removed, to be covered */
	bool acl_default;   /* the parent may have a default ACL: umask(2) around the syscall */
	uid_t uid;	    /* owner on disk */
	gid_t gid;	    /* (gid_t)-1: the parent is set-group-ID, keep what the fs chose */
	mode_t umask;	    /* the caller's, when the kernel left it to us (fs->posix_acl) */
};

/*
 * Run the creating syscall under the caller's umask where the parent may
 * have a default ACL: the upper file system then applies the ACL in the
 * umask's place. The loop thread, which makes new entries, has a umask of its
 * own (ovl_op_init). Without a default ACL the mode is masked here
 * (newent_mode), two syscalls fewer per new entry.
 */
static void umask_on(const struct ovl_newent *ne)
{
	if (ne->umask && ne->acl_default)
		umask(ne->umask);
}

static void umask_off(const struct ovl_newent *ne)
{
	if (ne->umask && ne->acl_default)
		umask(0);
}

/* The mode for the creating syscall. */
static mode_t newent_mode(const struct ovl_newent *ne, mode_t mode)
{
	return ne->acl_default ? mode : mode & ~ne->umask;
}

static void newent_done(struct ovl_newent *ne)
{
	ne->dirfd = -1;
}

static int newent_prepare(struct ovl_fs *fs, fuse_req_t req, fuse_ino_t parent, const char *name,
			  struct ovl_newent *ne)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct ovl_node *old;
	int r, setgid;

	*ne = (struct ovl_newent){
		.parent = ovl_ino_node(fs, parent), .name = name, .dirfd = -1, .fd = -1
	};
	if (!fs->has_upper)
		return -EROFS;
	if (strncmp(name, OVL_WHITEOUT_PREFIX, strlen(OVL_WHITEOUT_PREFIX)) == 0)
		return -EINVAL; /* would read back as a whiteout */
	r = ovl_dir_load(fs, ne->parent);
	if (r < 0)
		return r;
	old = ovl_table_find(&ne->parent->children, name);
	if (old && !old->whiteout)
		return -EEXIST;
	/* A whiteout of a lower layer keeps hiding what is below it by itself. */
	ne->over_whiteout = old && old->layer == 0;
	r = ovl_copy_up(fs, ne->parent);
	if (r < 0)
		return r;
	r = ovl_upper_dir_fd(fs, ne->parent, &ne->dirfd);
	if (r < 0)
		return r;
	setgid = ovl_upper_dir_setgid(fs, ne->dirfd);
	if (setgid < 0)
		return setgid;
	ne->umask = fs->posix_acl ? ctx->umask & 0777 : 0;
	ne->acl_default = ne->umask && !ovl_upper_dir_no_default_acl(fs, ne->dirfd);
	ne->uid = ovl_uid_to_disk(fs, ctx->uid);
	ne->gid = setgid ? (gid_t)-1 : ovl_gid_to_disk(fs, ctx->gid);
	if (ne->over_whiteout)
		return ovl_whiteout_remove(fs, ne->dirfd, name);
	return 0;
}

/* The owner and mode of the new entry in the upper layer's override xattr. */
static int newent_override(struct ovl_fs *fs, const struct ovl_newent *ne, int dirfd,
			   const char *name, mode_t mode)
{
	struct stat st;
	gid_t gid = ne->gid;

	if (gid == (gid_t)-1) {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		gid = st.st_gid;
	}
	return ovl_override_write(dirfd, name, fs->layers[0].override, ne->uid, gid,
				  mode & ~ne->umask);
}

/* Give the new entry dirfd/name its owner (chown drops set-ID bits: put them back). */
static int newent_own(struct ovl_fs *fs, const struct ovl_newent *ne, int dirfd, const char *name,
		      mode_t mode)
{
	if (fs->layers[0].override && !S_ISLNK(mode))
		return newent_override(fs, ne, dirfd, name, mode);
	if ((ne->uid != fs->euid || (ne->gid != fs->egid && ne->gid != (gid_t)-1)) &&
	    fchownat(dirfd, name, ne->uid, ne->gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM &&
	    errno != EINVAL)
		return -errno;
	if (!S_ISLNK(mode) && (mode & (S_ISUID | S_ISGID)) &&
	    fchmodat(dirfd, name, mode & 07777 & ~ne->umask, 0) < 0)
		return -errno;
	return 0;
}

/* Add the new entry to the tree and fill e. */
static int newent_finish(struct ovl_fs *fs, struct ovl_newent *ne, ino_t ino,
			 struct fuse_entry_param *e)
{
	struct ovl_node *n;
	struct stat st;
	int r;

	if ((ne->fd >= 0 ? fstat(ne->fd, &st)
			 : fstatat(ne->dirfd, ne->name, &st, AT_SYMLINK_NOFOLLOW)) < 0)
		return -errno;
	n = ovl_node_new(ne->name, st.st_mode, 0, ino ? ino : ovl_fs_make_ino(fs, 0, st.st_ino));
	n->covers_lower = ne->over_whiteout;
	n->merge_done = true;
	if (S_ISDIR(st.st_mode))
		n->loaded = true; /* new and empty (opaque when over a whiteout) */
	ovl_node_attach(fs, ne->parent, n);
	/* One stat for both: the new entry is in the upper layer, at dirfd/name. */
	r = ovl_node_fill_stat(fs, n, ne->dirfd, ne->name, &st);
	if (r < 0)
		return r;
	ovl_make_entry_stat(fs, n, &st, e);
	return 0;
}

static void reply_entry_or_err(fuse_req_t req, int r, const struct fuse_entry_param *e)
{
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_entry(req, e);
}

static int do_mknod(struct ovl_fs *fs, fuse_req_t req, fuse_ino_t parent, const char *name,
		    mode_t mode, dev_t rdev, struct fuse_entry_param *e)
{
	struct ovl_newent ne;
	int r;

	r = newent_prepare(fs, req, parent, name, &ne);
	if (r == 0) {
		umask_on(&ne);
		if (mknodat(ne.dirfd, name, newent_mode(&ne, mode), rdev) < 0)
			r = -errno;
		umask_off(&ne);
	}
	if (r == 0)
		r = newent_own(fs, &ne, ne.dirfd, name, mode);
	if (r == 0)
		r = newent_finish(fs, &ne, 0, e);
	newent_done(&ne);
	return r;
}

void ovl_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct fuse_entry_param e;
	int r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		r = do_mknod(fs, req, parent, name, mode, rdev, &e);
	}
	reply_entry_or_err(req, r, &e);
}

/*
 * A directory over a whiteout must hide what the lower layers have under that
 * name: make it opaque in the work dir, then move it in.
 */
static int mkdir_opaque(struct ovl_fs *fs, struct ovl_newent *ne, mode_t mode)
{
	_cleanup_close_ int fd = -1;
	char tmp[64];
	int r;

	/* Made in the work dir: no default ACL of the parent there, only the umask. */
	ovl_fs_work_name(fs, tmp, sizeof(tmp));
	if (mkdirat(fs->workfd, tmp, mode & ~ne->umask) < 0)
		return -errno;
	r = newent_own(fs, ne, fs->workfd, tmp, mode | S_IFDIR);
	if (r == 0) {
		fd = openat(fs->workfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		r = fd < 0 ? -errno : ovl_set_opaque(fs, fd);
	}
	if (r == 0 && ne->gid == (gid_t)-1) {
		/* Made in the work dir: take the group of the set-group-ID parent now. */
		struct stat pst;

		if (fstat(ne->dirfd, &pst) < 0 || fchown(fd, (uid_t)-1, pst.st_gid) < 0 ||
		    fchmod(fd, (mode & 07777 & ~ne->umask) | S_ISGID) < 0)
			r = -errno;
	}
	if (r == 0 && renameat2(fs->workfd, tmp, ne->dirfd, ne->name, RENAME_NOREPLACE) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(fs->workfd, tmp, AT_REMOVEDIR);
	return r;
}

static int do_mkdir(struct ovl_fs *fs, fuse_req_t req, fuse_ino_t parent, const char *name,
		    mode_t mode, struct fuse_entry_param *e)
{
	struct ovl_newent ne;
	int r;

	r = newent_prepare(fs, req, parent, name, &ne);
	if (r == 0 && ne.over_whiteout) {
		r = mkdir_opaque(fs, &ne, mode);
	} else if (r == 0) {
		umask_on(&ne);
		if (mkdirat(ne.dirfd, name, newent_mode(&ne, mode)) < 0)
			r = -errno;
		umask_off(&ne);
		if (r == 0)
			r = newent_own(fs, &ne, ne.dirfd, name, mode | S_IFDIR);
	}
	if (r == 0)
		r = newent_finish(fs, &ne, 0, e);
	newent_done(&ne);
	return r;
}

void ovl_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct fuse_entry_param e;
	int r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		r = do_mkdir(fs, req, parent, name, mode, &e);
	}
	reply_entry_or_err(req, r, &e);
}

void ovl_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct fuse_entry_param e;
	struct ovl_newent ne;
	int r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		r = newent_prepare(fs, req, parent, name, &ne);
		if (r == 0 && symlinkat(link, ne.dirfd, name) < 0)
			r = -errno;
		if (r == 0)
			r = newent_own(fs, &ne, ne.dirfd, name, S_IFLNK);
		if (r == 0)
			r = newent_finish(fs, &ne, 0, &e);
		newent_done(&ne);
	}
	reply_entry_or_err(req, r, &e);
}

static int do_link(struct ovl_fs *fs, fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		   const char *newname, struct fuse_entry_param *e)
{
	struct ovl_node *src = ovl_ino_node(fs, ino);
	char path[PATH_MAX];
	struct ovl_newent ne = { .dirfd = -1, .fd = -1 };
	int r;

	if (ovl_node_is_dir(src))
		return -EPERM;
	if (src->detached)
		return -ENOENT;
	r = ovl_copy_up(fs, src);
	if (r == 0)
		r = ovl_node_path(src, path, sizeof(path));
	if (r == 0)
		r = newent_prepare(fs, req, newparent, newname, &ne);
	if (r == 0 && linkat(fs->layers[0].fd, path, ne.dirfd, newname, 0) < 0)
		r = -errno;
	/* Same inode, same st_ino. */
	if (r == 0)
		r = newent_finish(fs, &ne, src->ino, e);
	newent_done(&ne);
	/* The kernel has the source as another inode: its link count changed. */
	if (r == 0 && fs->se)
		(void)fuse_lowlevel_notify_inval_inode(fs->se, ovl_node_ino(fs, src), -1, 0);
	return r;
}

void ovl_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct fuse_entry_param e;
	int r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		r = do_link(fs, req, ino, newparent, newname, &e);
	}
	reply_entry_or_err(req, r, &e);
}

static int do_create(struct ovl_fs *fs, fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, struct fuse_file_info *fi, struct fuse_entry_param *e)
{
	struct ovl_newent ne;
	_cleanup_close_ int fd = -1;
	int r;

	r = newent_prepare(fs, req, parent, name, &ne);
	if (r == 0) {
		umask_on(&ne);
		fd = openat(ne.dirfd, name,
			    ovl_open_flags(fs, fi->flags & ~O_NOCTTY) | O_CREAT | O_EXCL |
				    O_CLOEXEC | O_NOFOLLOW,
			    newent_mode(&ne, mode));
		if (fd < 0)
			r = -errno;
		umask_off(&ne);
	}
	if (r == 0)
		r = newent_own(fs, &ne, ne.dirfd, name, mode);
	ne.fd = fd;
	if (r == 0)
		r = newent_finish(fs, &ne, 0, e);
	newent_done(&ne);
	if (r == 0)
		fi->fh = (uint64_t)TAKE_FD(fd);
	return r;
}

void ovl_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		   struct fuse_file_info *fi)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct ovl_pt_open pt = { 0 };
	struct fuse_entry_param e;
	int r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		r = do_create(fs, req, parent, name, mode, fi, &e);
		/* A new node: no other open to conflict with. */
		if (r == 0)
			(void)ovl_pt_open(fs, ovl_ino_node(fs, e.ino), (int)fi->fh, &pt);
	}
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	fi->fh |= pt.fh_flags;
	fi->keep_cache = !pt.drop_cache;
	fi->noflush = !fs->flush_needed;
	ovl_pt_reply_with(pt.backing_id);
	r = fuse_reply_create(req, &e, fi);
	ovl_pt_reply_with(0);
	if (r != 0) {
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		ovl_pt_close(fs, ovl_ino_node(fs, e.ino), fi->fh);
		close((int)fi->fh);
	}
}
