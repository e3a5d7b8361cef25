#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/xalloc.h"
#include "overlayfs/ops.h"

/* What opendir saw: readdir serves offsets into this list, so entries stay put. */
struct ovl_dirent {
	char *name;
	ino_t ino;
	mode_t type;
};

struct ovl_dirh {
	struct ovl_dirent *e;
	size_t n;
};

static void dirh_free(struct ovl_dirh *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->e[i].name);
	free(d->e);
	free(d);
}

static void dirh_add(struct ovl_dirh *d, size_t *cap, const char *name, ino_t ino, mode_t type)
{
	if (d->n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		d->e = xreallocarray(d->e, *cap, sizeof(*d->e));
	}
	d->e[d->n++] = (struct ovl_dirent){ xstrdup(name), ino, type };
}

static int snapshot(struct ovl_fs *fs, struct ovl_node *dir, struct ovl_dirh **ret)
{
	struct ovl_dirh *d;
	size_t cap = 0;
	int r;

	r = ovl_dir_load(fs, dir);
	if (r < 0)
		return r;
	d = xnew(struct ovl_dirh, 1);
	dirh_add(d, &cap, ".", dir->ino, S_IFDIR);
	dirh_add(d, &cap, "..", dir->parent ? dir->parent->ino : dir->ino, S_IFDIR);
	for (size_t i = 0; i < dir->children.nbuckets; i++)
		for (struct ovl_node *c = dir->children.buckets[i]; c; c = c->hnext)
			if (!c->whiteout)
				dirh_add(d, &cap, c->name, c->ino, c->type);
	*ret = d;
	return 0;
}

void ovl_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct ovl_dirh *d = NULL;
	int r;

	/* No handle needed (see list_tree): the kernel stops asking. */
	if (fs->no_opendir) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		r = snapshot(fs, ovl_ino_node(fs, ino), &d);
	}
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	/* The tree changes only through this mount: the kernel may cache listings. */
	fi->keep_cache = 1;
	fi->cache_readdir = 1;
	if (fuse_reply_open(req, fi) != 0)
		dirh_free(d);
}

/* One entry into buf at *pos; false when it does not fit. */
static bool add_entry(fuse_req_t req, struct ovl_fs *fs, char *buf, size_t size, size_t *pos,
		      const char *name, ino_t ino, mode_t type, struct ovl_node *c, off_t off,
		      bool plus)
{
	struct fuse_entry_param e = { 0 };
	size_t len;

	if (!plus) {
		struct stat st = { .st_ino = ino, .st_mode = type };

		len = fuse_add_direntry(req, buf + *pos, size - *pos, name, &st, off);
	} else {
		/*
		 * Dot entries, vanished names and, in a lite listing, all but
		 * the directories go out without attributes nor a reference.
		 * A walk (find) goes into the directories: with their entries
		 * made here, the kernel needs no LOOKUP for each.
		 */
		e.attr.st_ino = ino;
		e.attr.st_mode = type;
		if (c && (!fs->plus_lite || ovl_node_is_dir(c)) &&
		    ovl_node_stat(fs, c, &e.attr) == 0) {
			e.ino = ovl_node_ino(fs, c);
			e.generation = 1;
			e.attr_timeout = ovl_attr_timeout(fs, &e.attr);
			e.entry_timeout = fs->opts->timeout;
		} else {
			c = NULL;
		}
		len = fuse_add_direntry_plus(req, buf + *pos, size - *pos, name, &e, off);
	}
	if (len > size - *pos)
		return false;
	if (c)
		c->nlookup++;
	*pos += len;
	return true;
}

/* From the listing opendir took: offsets are places in it. */
static size_t list_snapshot(fuse_req_t req, struct ovl_fs *fs, struct ovl_node *dir,
			    const struct ovl_dirh *d, char *buf, size_t size, off_t off, bool plus)
{
	size_t pos = 0;

	for (size_t i = (size_t)off; off >= 0 && i < d->n; i++) {
		const struct ovl_dirent *de = &d->e[i];
		struct ovl_node *c = NULL;

		if (plus && i >= 2 && ovl_dir_lookup(fs, dir, de->name, &c) < 0)
			c = NULL;
		if (!add_entry(req, fs, buf, size, &pos, de->name, de->ino, de->type, c,
			       (off_t)i + 1, plus))
			break;
	}
	return pos;
}

static int by_dseq(const void *a, const void *b)
{
	const struct ovl_node *x = *(struct ovl_node *const *)a, *y = *(struct ovl_node *const *)b;

	return x->dseq < y->dseq ? -1 : x->dseq > y->dseq;
}

/*
 * Without opendir, from the tree itself: "." is at 1, ".." at 2, and each
 * child at 2 + its place in the order of insertion into the directory's
 * table, so that a name added or removed meanwhile moves no other.
 */
static int list_tree(fuse_req_t req, struct ovl_fs *fs, struct ovl_node *dir, char *buf,
		     size_t size, off_t off, bool plus, size_t *ret_pos)
{
	_cleanup_free_ struct ovl_node **v = NULL;
	size_t n = 0, pos = 0;
	int r;

	r = ovl_dir_load(fs, dir);
	if (r < 0)
		return r;
	if (off < 1 && !add_entry(req, fs, buf, size, &pos, ".", dir->ino, S_IFDIR, NULL, 1, plus))
		goto out;
	if (off < 2 &&
	    !add_entry(req, fs, buf, size, &pos, "..", dir->parent ? dir->parent->ino : dir->ino,
		       S_IFDIR, NULL, 2, plus))
		goto out;
	v = xnew(struct ovl_node *, dir->children.count + 1);
	for (size_t i = 0; i < dir->children.nbuckets; i++)
		for (struct ovl_node *c = dir->children.buckets[i]; c; c = c->hnext)
			if (!c->whiteout && (off_t)(c->dseq + 2) > off)
				v[n++] = c;
	qsort(v, n, sizeof(*v), by_dseq);
	for (size_t i = 0; i < n; i++)
		if (!add_entry(req, fs, buf, size, &pos, v[i]->name, v[i]->ino, v[i]->type, v[i],
			       (off_t)(v[i]->dseq + 2), plus))
			break;
out:
	*ret_pos = pos;
	return 0;
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct ovl_dirh *d = (struct ovl_dirh *)(uintptr_t)fi->fh;
	_cleanup_free_ char *buf = xmalloc(size);
	size_t pos = 0;
	int r = 0;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);
		struct ovl_node *dir = ovl_ino_node(fs, ino);

		if (plus && off == 0) {
			/* A new listing: were the attributes of the last one of use? */
			if (fs->plus_dir && fs->plus_dir != dir)
				fs->plus_lite = !fs->plus_used;
			fs->plus_dir = dir;
			fs->plus_used = false;
		}
		if (d)
			pos = list_snapshot(req, fs, dir, d, buf, size, off, plus);
		else
			r = list_tree(req, fs, dir, buf, size, off, plus, &pos);
	}
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_buf(req, buf, pos);
}

void ovl_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

void ovl_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

void ovl_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	dirh_free((struct ovl_dirh *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

void ovl_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int dirfd, r;

	if (!fs->opts->fsync) {
		fuse_reply_err(req, 0);
		return;
	}
	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		r = ovl_node_where(fs, ovl_ino_node(fs, ino), path, sizeof(path), &dirfd);
		if (r == 0)
			fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (r == 0 && fd < 0)
		r = -errno;
	if (r == 0 && (datasync ? fdatasync(fd) : fsync(fd)) < 0)
		r = -errno;
	fuse_reply_err(req, -r);
}
