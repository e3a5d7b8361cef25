#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/xalloc.h"
#include "overlayfs/ops.h"

/* Would removing n from the upper layer uncover a lower entry? */
static bool needs_whiteout(const struct ovl_node *n)
{
	return n->layer > 0 || n->covers_lower || (ovl_node_is_dir(n) && n->last_layer > n->layer);
}

/* Put a whiteout node for name in parent's table (dropping what was there). */
static void table_whiteout(struct ovl_fs *fs, struct ovl_node *parent, const char *name)
{
	struct ovl_node *wh = ovl_node_new(name, 0, 0, 0);

	wh->whiteout = true;
	wh->merge_done = true;
	ovl_node_attach(fs, parent, wh);
}

/*
 * Move the upper entry dirfd/name into the work dir, leaving a whiteout
 * behind when asked (atomically with RENAME_WHITEOUT where mknod works).
 * *whiteout_done tells whether it did.
 */
static int move_to_work(struct ovl_fs *fs, int dirfd, const char *name, bool whiteout, char *tmp,
			size_t tmpsize, bool *whiteout_done)
{
	ovl_fs_work_name(fs, tmp, tmpsize);
	*whiteout_done = false;
	if (whiteout && fs->can_mknod) {
		if (renameat2(dirfd, name, fs->workfd, tmp, RENAME_WHITEOUT) == 0) {
			*whiteout_done = true;
			return 0;
		}
		if (errno != EINVAL && errno != EPERM && errno != ENOTSUP)
			return -errno;
	}
	return renameat(dirfd, name, fs->workfd, tmp) < 0 ? -errno : 0;
}

/* Take n (child name of parent) out of the merged view. */
static int remove_entry(struct ovl_fs *fs, struct ovl_node *parent, struct ovl_node *n)
{
	_cleanup_close_ int dirfd = -1;
	bool wh = needs_whiteout(n), wh_done = false;
	char tmp[64];
	int r;

	r = ovl_copy_up(fs, parent);
	if (r == 0)
		r = ovl_open_upper_dir(fs, parent, &dirfd);
	if (r < 0)
		return r;
	if (n->layer == 0 && (ovl_node_is_dir(n) || n->nlookup > 0)) {
		r = move_to_work(fs, dirfd, n->name, wh, tmp, sizeof(tmp), &wh_done);
		if (r < 0)
			return r;
		if (ovl_node_is_dir(n)) {
			_cleanup_error_ struct pea_error *err = NULL;

			/* Only whiteouts are left in it. */
			(void)pea_rm_rf_at(fs->workfd, tmp, &err);
		} else {
			/* Still open somewhere: keep it in the work dir until forgotten. */
			n->dfd = fs->workfd;
			n->dpath = xstrdup(tmp);
			n->dunlink = true;
		}
	} else if (n->layer == 0) {
		if (unlinkat(dirfd, n->name, 0) < 0)
			return -errno;
	} else if (!ovl_node_is_dir(n) && n->nlookup > 0) {
		char path[PATH_MAX];

		/* A lower file stays where it is: keep reaching it there. */
		if (ovl_node_path(n, path, sizeof(path)) == 0) {
			n->dfd = fs->layers[n->layer].fd;
			n->dpath = xstrdup(path);
		}
	}
	if (wh && !wh_done) {
		r = ovl_whiteout_create(fs, dirfd, n->name);
		if (r < 0)
			return r;
	}
	if (wh)
		table_whiteout(fs, parent, n->name);
	else
		ovl_node_drop(fs, n);
	return 0;
}

static int do_unlink(struct ovl_fs *fs, fuse_ino_t parent, const char *name, bool dir)
{
	struct ovl_node *p = ovl_ino_node(fs, parent), *n = NULL;
	int r;

	if (!fs->has_upper)
		return -EROFS;
	r = ovl_dir_lookup(fs, p, name, &n);
	if (r < 0)
		return r;
	if (dir && !ovl_node_is_dir(n))
		return -ENOTDIR;
	if (!dir && ovl_node_is_dir(n))
		return -EISDIR;
	if (dir) {
		r = ovl_dir_check_empty(fs, n);
		if (r < 0)
			return r;
	}
	return remove_entry(fs, p, n);
}

void ovl_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	int r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		r = do_unlink(fs, parent, name, false);
	}
	fuse_reply_err(req, -r);
}

void ovl_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	int r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		r = do_unlink(fs, parent, name, true);
	}
	fuse_reply_err(req, -r);
}

struct ovl_rename {
	struct ovl_node *sp, *dp;   /* parents */
	struct ovl_node *src, *dst; /* dst: NULL or a whiteout when the name is free */
	const char *name, *newname;
	int sfd, dfd; /* upper copies of the parents */
};

/* Both names stay taken: only a merged or lower directory cannot take part. */
static int exchange_check(struct ovl_fs *fs, struct ovl_node *dst)
{
	int r;

	if (!dst || dst->whiteout)
		return -ENOENT;
	if (!ovl_node_is_dir(dst))
		return 0;
	r = ovl_dir_load(fs, dst);
	if (r < 0)
		return r;
	return (dst->layer != 0 || dst->last_layer != 0) ? -EXDEV : 0;
}

/* A directory moved into a merged parent hides what lower layers have there. */
static int opaque_if_merged(struct ovl_fs *fs, struct ovl_node *n, struct ovl_node *newparent)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (!ovl_node_is_dir(n) || newparent->last_layer == 0)
		return 0;
	r = ovl_open_upper_dir(fs, n, &fd);
	return r < 0 ? r : ovl_set_opaque(fs, fd);
}

static int rename_exchange(struct ovl_fs *fs, struct ovl_rename *rn)
{
	struct ovl_node *src = rn->src, *dst = rn->dst;
	char *name;
	bool covers;
	int r;

	r = ovl_copy_up(fs, dst);
	if (r == 0)
		r = opaque_if_merged(fs, src, rn->dp);
	if (r == 0)
		r = opaque_if_merged(fs, dst, rn->sp);
	if (r < 0)
		return r;
	if (renameat2(rn->sfd, rn->name, rn->dfd, rn->newname, RENAME_EXCHANGE) < 0)
		return -errno;
	/* Each node takes the other's place, and what lies below that place. */
	ovl_table_remove(&rn->sp->children, src);
	ovl_table_remove(&rn->dp->children, dst);
	name = src->name;
	src->name = dst->name;
	dst->name = name;
	covers = src->covers_lower;
	src->covers_lower = dst->covers_lower;
	dst->covers_lower = covers;
	src->parent = rn->dp;
	dst->parent = rn->sp;
	ovl_table_insert(&rn->dp->children, src);
	ovl_table_insert(&rn->sp->children, dst);
	return 0;
}

/* Checks of rename(2), on the merged view. */
static int rename_check(struct ovl_fs *fs, struct ovl_rename *rn, unsigned int flags)
{
	struct ovl_node *dst = NULL;
	int r;

	if ((flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE)) ||
	    (flags & RENAME_NOREPLACE && flags & RENAME_EXCHANGE))
		return -EINVAL;
	r = ovl_dir_lookup(fs, rn->sp, rn->name, &rn->src);
	if (r < 0)
		return r;
	if (ovl_node_is_dir(rn->src)) {
		/* Without redirect_dir a merged or lower directory cannot move: mv copies. */
		r = ovl_dir_load(fs, rn->src);
		if (r < 0)
			return r;
		if (rn->src->layer != 0 || rn->src->last_layer != 0)
			return -EXDEV;
	}
	r = ovl_dir_load(fs, rn->dp);
	if (r < 0)
		return r;
	rn->dst = ovl_table_find(&rn->dp->children, rn->newname);
	dst = rn->dst;
	if (flags & RENAME_EXCHANGE)
		return exchange_check(fs, dst);
	if (!dst || dst->whiteout)
		return 0;
	if (flags & RENAME_NOREPLACE)
		return -EEXIST;
	if (ovl_node_is_dir(rn->src) && !ovl_node_is_dir(dst))
		return -ENOTDIR;
	if (!ovl_node_is_dir(rn->src) && ovl_node_is_dir(dst))
		return -EISDIR;
	if (ovl_node_is_dir(dst))
		return ovl_dir_check_empty(fs, dst);
	return 0;
}

/* Make room at the destination: no whiteout, no upper leftovers, keep an open target. */
static int rename_prepare_dst(struct ovl_fs *fs, struct ovl_rename *rn)
{
	struct ovl_node *dst = rn->dst;
	char tmp[64];
	int r;

	if (ovl_node_is_dir(rn->src) && rn->dp->last_layer > 0) {
		_cleanup_close_ int fd = -1;

		/* As the kernel: in a merged parent, lower dirs of the new name stay hidden. */
		r = ovl_open_upper_dir(fs, rn->src, &fd);
		if (r == 0)
			r = ovl_set_opaque(fs, fd);
		if (r < 0)
			return r;
	}
	if (!dst)
		return 0;
	if (dst->whiteout)
		return ovl_whiteout_remove(fs, rn->dfd, rn->newname);
	if (ovl_node_is_dir(dst))
		return ovl_dir_clear_upper(fs, dst);
	if (dst->layer == 0 && dst->nlookup > 0) {
		ovl_fs_work_name(fs, tmp, sizeof(tmp));
		if (renameat(rn->dfd, rn->newname, fs->workfd, tmp) < 0)
			return -errno;
		dst->dfd = fs->workfd;
		dst->dpath = xstrdup(tmp);
		dst->dunlink = true;
	}
	return 0;
}

static int rename_move(struct ovl_fs *fs, struct ovl_rename *rn)
{
	struct ovl_node *src = rn->src, *dst = rn->dst;
	bool wh = needs_whiteout(src), wh_done = false;
	bool covers = dst && (dst->whiteout || needs_whiteout(dst));
	int r;

	if (wh && fs->can_mknod) {
		if (renameat2(rn->sfd, rn->name, rn->dfd, rn->newname, RENAME_WHITEOUT) == 0)
			wh_done = true;
		else if (errno != EINVAL && errno != EPERM && errno != ENOTSUP)
			return -errno;
	}
	if (!wh_done && renameat(rn->sfd, rn->name, rn->dfd, rn->newname) < 0)
		return -errno;
	if (wh && !wh_done) {
		r = ovl_whiteout_create(fs, rn->sfd, rn->name);
		if (r < 0)
			return r;
	}
	ovl_table_remove(&rn->sp->children, src);
	src->parent = NULL;
	if (wh)
		table_whiteout(fs, rn->sp, rn->name);
	free(src->name);
	src->name = xstrdup(rn->newname);
	src->covers_lower = covers;
	ovl_node_attach(fs, rn->dp, src);
	return 0;
}

static int do_rename(struct ovl_fs *fs, struct ovl_rename *rn, unsigned int flags)
{
	int r;

	if (!fs->has_upper)
		return -EROFS;
	/* Checked again after waiting for a copy-up of src: the tree may have changed. */
	do {
		r = rename_check(fs, rn, flags);
		if (r < 0)
			return r;
	} while (ovl_copy_up_wait(fs, rn->src) ||
		 (rn->dst && !rn->dst->whiteout && ovl_copy_up_wait(fs, rn->dst)));
	if (rn->dst == rn->src)
		return 0;
	r = ovl_copy_up(fs, rn->src);
	if (r == 0)
		r = ovl_copy_up(fs, rn->dp);
	if (r == 0)
		r = ovl_open_upper_dir(fs, rn->sp, &rn->sfd);
	if (r == 0)
		r = ovl_open_upper_dir(fs, rn->dp, &rn->dfd);
	if (r == 0 && (flags & RENAME_EXCHANGE))
		return rename_exchange(fs, rn);
	if (r == 0)
		r = rename_prepare_dst(fs, rn);
	if (r == 0)
		r = rename_move(fs, rn);
	return r;
}

void ovl_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		   const char *newname, unsigned int flags)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct ovl_rename rn = { .name = name, .newname = newname, .sfd = -1, .dfd = -1 };
	int r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		rn.sp = ovl_ino_node(fs, parent);
		rn.dp = ovl_ino_node(fs, newparent);
		if (strncmp(newname, OVL_WHITEOUT_PREFIX, strlen(OVL_WHITEOUT_PREFIX)) == 0)
			r = -EINVAL;
		else
			r = do_rename(fs, &rn, flags);
	}
	pea_close(rn.sfd);
	pea_close(rn.dfd);
	fuse_reply_err(req, -r);
}
