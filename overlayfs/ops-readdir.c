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

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct ovl_dirh *d = (struct ovl_dirh *)(uintptr_t)fi->fh;
	_cleanup_free_ char *buf = xmalloc(size);
	_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = plus ? ovl_lock(fs) : NULL;
	struct ovl_node *dir = ovl_ino_node(fs, ino);
	size_t pos = 0;

	for (size_t i = (size_t)off; off >= 0 && i < d->n; i++) {
		const struct ovl_dirent *de = &d->e[i];
		struct fuse_entry_param e = { 0 };
		struct ovl_node *c = NULL;
		size_t len;

		if (!plus) {
			struct stat st = { .st_ino = de->ino, .st_mode = de->type };

			len = fuse_add_direntry(req, buf + pos, size - pos, de->name, &st,
						(off_t)i + 1);
		} else {
			/* Dot entries and vanished names go out without a reference. */
			e.attr.st_ino = de->ino;
			e.attr.st_mode = de->type;
			if (i >= 2 && ovl_dir_lookup(fs, dir, de->name, &c) == 0 &&
			    ovl_node_stat(fs, c, &e.attr) == 0) {
				e.ino = ovl_node_ino(fs, c);
				e.generation = 1;
				e.attr_timeout = ovl_attr_timeout(fs, &e.attr);
				e.entry_timeout = fs->opts->timeout;
			} else {
				c = NULL;
			}
			len = fuse_add_direntry_plus(req, buf + pos, size - pos, de->name, &e,
						     (off_t)i + 1);
		}
		if (len > size - pos)
			break;
		if (c)
			c->nlookup++;
		pos += len;
	}
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
