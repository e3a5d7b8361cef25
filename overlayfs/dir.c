#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "overlayfs/fs.h"

static mode_t dtype_to_mode(unsigned char t)
{
	return (mode_t)DTTOIF(t);
}

/* What loading one directory needs besides the layer at hand. */
struct load_ctx {
	const char *path; /* of the directory below the layer roots */
	int upper_fd;	  /* the directory in the upper layer, opened when needed */
	bool xwhiteouts;  /* the layer's directory at hand holds xattr whiteouts */
};

/* ino of the lower entry found at origin (a path below the layer roots), or 0. */
static ino_t origin_ino(struct ovl_fs *fs, const char *origin)
{
	struct stat st;

	for (unsigned i = fs->has_upper ? 1 : 0; i < fs->nlayers; i++)
		if (fstatat(fs->layers[i].fd, origin, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return ovl_fs_make_ino(fs, i, st.st_ino);
	return 0;
}

/*
 * c, an upper entry, has the name of de in the lower layer i: if it was
 * copied up (it has an origin), it keeps the inode number it had below, as in
 * the mount that copied it up.
 */
static void adopt_origin(struct ovl_fs *fs, struct load_ctx *ctx, struct ovl_node *c, unsigned i,
			 ino_t lower_ino)
{
	char origin[PATH_MAX], here[PATH_MAX];
	ino_t ino = 0;
	int r;

	c->origin_done = true;
	if (fs->opts->noxattrs)
		return;
	if (ctx->upper_fd < 0)
		ctx->upper_fd = openat(fs->layers[0].fd, ctx->path,
				       O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (ctx->upper_fd < 0)
		return;
	r = ovl_origin_of(ctx->upper_fd, c->name, origin, sizeof(origin));
	if (r == 0)
		return;
	if (r == 2 || (ovl_node_path(c, here, sizeof(here)) == 0 && strcmp(origin, here) == 0))
		ino = ovl_fs_make_ino(fs, i, lower_ino);
	else
		ino = origin_ino(fs, origin);
	if (ino != 0)
		c->ino = ino;
}

/* One entry of layer i of dir: add it to dir's table, or merge it below one there. */
static int merge_entry(struct ovl_fs *fs, struct ovl_node *dir, unsigned i, int fd,
		       const struct dirent *de, struct load_ctx *ctx)
{
	const char *name = de->d_name;
	bool is_wh = false;
	mode_t type = dtype_to_mode(de->d_type);
	ino_t ino = de->d_ino;
	struct ovl_node *c;

	if (strncmp(name, OVL_WHITEOUT_PREFIX, strlen(OVL_WHITEOUT_PREFIX)) == 0 &&
	    name[strlen(OVL_WHITEOUT_PREFIX)] != '\0') {
		is_wh = true;
		name += strlen(OVL_WHITEOUT_PREFIX);
	} else if (de->d_type == DT_CHR || de->d_type == DT_UNKNOWN ||
		   (de->d_type == DT_REG && ctx->xwhiteouts) || fs->layers[i].stat_ino) {
		struct stat st;

		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return errno == ENOENT ? 0 : -errno;
		type = st.st_mode & S_IFMT;
		ino = st.st_ino;
		is_wh = ovl_is_whiteout_stat(&st) ||
			(ctx->xwhiteouts && ovl_is_xwhiteout(fd, name, &st));
	}
	c = ovl_table_find(&dir->children, name);
	if (c) {
		if (c->layer == 0 && i > 0 && !c->whiteout && !is_wh && !c->origin_done)
			adopt_origin(fs, ctx, c, i, ino);
		if (c->merge_done)
			return 0;
		c->covers_lower = true;
		if (ovl_node_is_dir(c) && !c->whiteout && !is_wh && type == S_IFDIR)
			c->last_layer = i;
		else
			c->merge_done = true;
		return 0;
	}
	c = ovl_node_new(name, is_wh ? 0 : type, i, ovl_fs_make_ino(fs, i, ino));
	c->whiteout = is_wh;
	c->merge_done = is_wh || type != S_IFDIR;
	c->parent = dir;
	ovl_table_insert(&dir->children, c);
	return 0;
}

/* Read layer i of dir; *ret_opaque when it hides the layers below. */
static int load_layer(struct ovl_fs *fs, struct ovl_node *dir, unsigned i, struct load_ctx *ctx,
		      bool *ret_opaque)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	unsigned marks = 0;
	bool opaque = false;
	int fd, r;

	fd = openat(fs->layers[i].fd, ctx->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return (errno == ENOENT || errno == ENOTDIR) ? 0 : -errno;
	marks = ovl_dir_marks_fd(fd);
	ctx->xwhiteouts = (marks & OVL_DIR_XWHITEOUTS) != 0;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		pea_close(fd);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, OVL_OPAQUE_WHITEOUT) == 0) {
			opaque = true;
			continue;
		}
		r = merge_entry(fs, dir, i, fd, de, ctx);
		if (r < 0)
			return r;
	}
	if (errno != 0)
		return -errno;
	*ret_opaque = opaque || (marks & OVL_DIR_OPAQUE);
	return 0;
}

/*
 * Upper entries that hide nothing below but were copied up (then renamed):
 * the inode number of their origin, found by its path.
 */
static void adopt_moved_origins(struct ovl_fs *fs, struct ovl_node *dir, struct load_ctx *ctx)
{
	char origin[PATH_MAX];
	ino_t ino;

	if (!fs->has_upper || fs->nlayers < 2 || dir->layer != 0 || fs->opts->noxattrs)
		return;
	for (size_t i = 0; i < dir->children.nbuckets; i++) {
		for (struct ovl_node *c = dir->children.buckets[i]; c; c = c->hnext) {
			if (c->layer != 0 || c->whiteout || c->origin_done || c->type == S_IFLNK)
				continue;
			c->origin_done = true;
			if (ctx->upper_fd < 0)
				ctx->upper_fd =
					openat(fs->layers[0].fd, ctx->path,
					       O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
			if (ctx->upper_fd < 0)
				return;
			if (ovl_origin_of(ctx->upper_fd, c->name, origin, sizeof(origin)) != 1)
				continue;
			ino = origin_ino(fs, origin);
			if (ino != 0)
				c->ino = ino;
		}
	}
}

static void dir_unload(struct ovl_fs *fs, struct ovl_node *dir)
{
	for (size_t i = 0; i < dir->children.nbuckets; i++) {
		while (dir->children.buckets[i])
			ovl_node_drop(fs, dir->children.buckets[i]);
	}
}

int ovl_dir_load(struct ovl_fs *fs, struct ovl_node *dir)
{
	char path[PATH_MAX];
	_cleanup_close_ int upper_fd = -1;
	struct load_ctx ctx = { .path = path, .upper_fd = -1 };
	int r;

	if (dir->loaded)
		return 0;
	if (!ovl_node_is_dir(dir))
		return -ENOTDIR;
	if (dir->detached)
		return -ENOENT;
	r = ovl_node_path(dir, path, sizeof(path));
	if (r < 0)
		return r;
	for (unsigned i = dir->layer; i <= dir->last_layer; i++) {
		bool opaque = false;

		r = load_layer(fs, dir, i, &ctx, &opaque);
		upper_fd = ctx.upper_fd;
		if (r < 0) {
			/* Half a listing would merge wrongly next time: start over then. */
			dir_unload(fs, dir);
			return r;
		}
		if (opaque) {
			dir->last_layer = i;
			break;
		}
	}
	adopt_moved_origins(fs, dir, &ctx);
	upper_fd = ctx.upper_fd;
	dir->loaded = true;
	return 0;
}

static void push_names(const struct ovl_node *dir, char ***names)
{
	for (size_t i = 0; i < dir->children.nbuckets; i++)
		for (const struct ovl_node *c = dir->children.buckets[i]; c; c = c->hnext)
			pea_strv_push(names, c->name);
}

/* The layers that hold dir now, topmost first: a directory made above it meanwhile too. */
static void find_layers(struct ovl_fs *fs, struct ovl_node *dir)
{
	char path[PATH_MAX];
	bool found = false;
	struct stat st;

	if (ovl_node_path(dir, path, sizeof(path)) < 0)
		return;
	for (unsigned i = 0; i < fs->nlayers; i++) {
		if (fstatat(fs->layers[i].fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode))
			break;
		if (!found)
			dir->layer = i;
		dir->last_layer = i;
		found = true;
	}
}

int ovl_dir_refresh(struct ovl_fs *fs, struct ovl_node *dir, char ***ret_names)
{
	_cleanup_strv_ char **names = NULL;
	int r;

	if (!ovl_node_is_dir(dir))
		return -ENOTDIR;
	if (dir->detached)
		return -ENOENT;
	find_layers(fs, dir);
	push_names(dir, &names);
	dir_unload(fs, dir);
	dir->loaded = false;
	r = ovl_dir_load(fs, dir);
	if (r < 0)
		return r;
	push_names(dir, &names);
	*ret_names = TAKE_PTR(names);
	return 0;
}

int ovl_dir_lookup(struct ovl_fs *fs, struct ovl_node *dir, const char *name, struct ovl_node **ret)
{
	struct ovl_node *c;
	int r;

	r = ovl_dir_load(fs, dir);
	if (r < 0)
		return r;
	c = ovl_table_find(&dir->children, name);
	if (!c || c->whiteout)
		return -ENOENT;
	*ret = c;
	return 0;
}

int ovl_dir_check_empty(struct ovl_fs *fs, struct ovl_node *dir)
{
	int r = ovl_dir_load(fs, dir);

	if (r < 0)
		return r;
	for (size_t i = 0; i < dir->children.nbuckets; i++)
		for (struct ovl_node *c = dir->children.buckets[i]; c; c = c->hnext)
			if (!c->whiteout)
				return -ENOTEMPTY;
	return 0;
}

int ovl_open_upper_dir(struct ovl_fs *fs, struct ovl_node *dir, int *ret_fd)
{
	char path[PATH_MAX];
	int fd, r;

	r = ovl_node_path(dir, path, sizeof(path));
	if (r < 0)
		return r;
	fd = openat(fs->layers[0].fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

/*
 * The upper copy of the directory the last new entry went into, kept open:
 * new entries come in runs in one directory (an untar, a shell loop), and
 * each open saved is a walk of the path from the layer's root. One at a time
 * (a tree of 20k directories would hold 20k fds); guarded by fs->lock; let go
 * of when its node is dropped or freed, whose address may be reused.
 */
static struct {
	const struct ovl_node *node;
	int fd;
	uint64_t no_acl_gen; /* == fs->xattr_gen: the directory has no default ACL */
	uint64_t mode_gen;   /* == fs->mode_gen (and xattr_gen == mode_xgen): setgid known */
	uint64_t mode_xgen;
	bool setgid;
} upper_dir = { .fd = -1 };

int ovl_upper_dir_fd(struct ovl_fs *fs, struct ovl_node *dir, int *ret_fd)
{
	int fd = -1, r;

	/* A detached directory is opened again each time, as it moves. */
	if (upper_dir.node != dir || dir->detached) {
		r = ovl_open_upper_dir(fs, dir, &fd);
		if (r < 0)
			return r;
		ovl_upper_dir_forget(upper_dir.node);
		upper_dir.node = dir;
		upper_dir.fd = fd;
		upper_dir.no_acl_gen = 0;
		upper_dir.mode_gen = 0;
	}
	*ret_fd = upper_dir.fd;
	return 0;
}

bool ovl_upper_dir_no_default_acl(struct ovl_fs *fs, int fd)
{
	if (fd == upper_dir.fd && upper_dir.no_acl_gen == fs->xattr_gen)
		return true;
	if (fgetxattr(fd, "system.posix_acl_default", NULL, 0) >= 0 ||
	    (errno != ENODATA && errno != ENOTSUP))
		return false;
	if (fd == upper_dir.fd)
		upper_dir.no_acl_gen = fs->xattr_gen;
	return true;
}

int ovl_node_where_near(struct ovl_fs *fs, const struct ovl_node *n, char *buf, size_t size,
			int *ret_dirfd)
{
	const char *name = NULL;

	/* The directory itself (the GETATTR after each create in it), or an entry of it. */
	if (n->layer == 0 && !n->detached && n == upper_dir.node)
		name = ".";
	else if (n->layer == 0 && !n->detached && n->parent && n->parent == upper_dir.node &&
		 !n->parent->detached)
		name = n->name;
	if (name) {
		if (strlen(name) + 1 > size)
			return -ENAMETOOLONG;
		strcpy(buf, name);
		*ret_dirfd = upper_dir.fd;
		return 0;
	}
	return ovl_node_where(fs, n, buf, size, ret_dirfd);
}

int ovl_upper_dir_setgid(struct ovl_fs *fs, int fd)
{
	struct stat st;

	if (fd == upper_dir.fd && upper_dir.mode_gen == fs->mode_gen &&
	    upper_dir.mode_xgen == fs->xattr_gen)
		return upper_dir.setgid;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (fd == upper_dir.fd) {
		upper_dir.mode_gen = fs->mode_gen;
		upper_dir.mode_xgen = fs->xattr_gen;
		upper_dir.setgid = st.st_mode & S_ISGID;
	}
	return (st.st_mode & S_ISGID) ? 1 : 0;
}

void ovl_upper_dir_forget(const struct ovl_node *n)
{
	if (n && n != upper_dir.node)
		return;
	upper_dir.fd = pea_close(upper_dir.fd);
	upper_dir.node = NULL;
}

int ovl_dir_clear_upper(struct ovl_fs *fs, struct ovl_node *dir)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_error_ struct pea_error *err = NULL;
	struct dirent *de;
	int fd = -1, r;

	if (dir->layer != 0)
		return 0;
	r = ovl_open_upper_dir(fs, dir, &fd);
	if (r < 0)
		return r;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		pea_close(fd);
		return r;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 &&
		    pea_rm_rf_at(dirfd(d), de->d_name, &err) < 0)
			return -err->code;
	}
	return 0;
}
