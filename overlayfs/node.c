#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/xalloc.h"
#include "overlayfs/fs.h"
#include "overlayfs/override.h"

struct ovl_node *ovl_node_new(const char *name, mode_t type, unsigned layer, ino_t ino)
{
	struct ovl_node *n = xnew(struct ovl_node, 1);

	n->name = xstrdup(name);
	n->type = type & S_IFMT;
	n->layer = layer;
	n->last_layer = layer;
	n->ino = ino;
	n->dfd = -1;
	return n;
}

static void free_children(struct ovl_node *n)
{
	for (size_t i = 0; i < n->children.nbuckets; i++) {
		struct ovl_node *c = n->children.buckets[i];

		while (c) {
			struct ovl_node *next = c->hnext;

			c->parent = NULL;
			c->hnext = NULL;
			ovl_upper_dir_forget(c);
			/* Children still known to the kernel live on, detached. */
			if (c->nlookup == 0)
				ovl_node_free(c);
			else
				c->detached = true;
			c = next;
		}
	}
	free(n->children.buckets);
	n->children = (struct ovl_table){ 0 };
	n->loaded = false;
}

void ovl_node_free(struct ovl_node *n)
{
	if (!n)
		return;
	ovl_upper_dir_forget(n);
	free_children(n);
	free(n->name);
	free(n->dpath);
	free(n);
}

void ovl_node_free_tree(struct ovl_node *n)
{
	for (size_t i = 0; i < n->children.nbuckets; i++) {
		struct ovl_node *c = n->children.buckets[i];

		while (c) {
			struct ovl_node *next = c->hnext;

			ovl_node_free_tree(c);
			c = next;
		}
	}
	free(n->children.buckets);
	free(n->name);
	free(n->dpath);
	free(n);
}

static size_t hash_name(const char *s)
{
	size_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

struct ovl_node *ovl_table_find(const struct ovl_table *t, const char *name)
{
	struct ovl_node *n;

	if (t->nbuckets == 0)
		return NULL;
	for (n = t->buckets[hash_name(name) & (t->nbuckets - 1)]; n; n = n->hnext)
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

static void table_grow(struct ovl_table *t)
{
	size_t nb = t->nbuckets ? t->nbuckets * 4 : 16;
	struct ovl_node **b = xnew(struct ovl_node *, nb);

	for (size_t i = 0; i < t->nbuckets; i++) {
		struct ovl_node *n = t->buckets[i];

		while (n) {
			struct ovl_node *next = n->hnext;
			size_t h = hash_name(n->name) & (nb - 1);

			n->hnext = b[h];
			b[h] = n;
			n = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
}

void ovl_table_insert(struct ovl_table *t, struct ovl_node *n)
{
	size_t h;

	if (t->count >= t->nbuckets)
		table_grow(t);
	h = hash_name(n->name) & (t->nbuckets - 1);
	n->dseq = ++t->seq;
	n->hnext = t->buckets[h];
	t->buckets[h] = n;
	t->count++;
}

void ovl_table_remove(struct ovl_table *t, struct ovl_node *n)
{
	struct ovl_node **p;

	if (t->nbuckets == 0)
		return;
	for (p = &t->buckets[hash_name(n->name) & (t->nbuckets - 1)]; *p; p = &(*p)->hnext) {
		if (*p == n) {
			*p = n->hnext;
			n->hnext = NULL;
			t->count--;
			return;
		}
	}
}

int ovl_node_path(const struct ovl_node *n, char *buf, size_t size)
{
	size_t pos = size - 1;

	if (!n->parent) {
		if (size < 2)
			return -ENAMETOOLONG;
		strcpy(buf, ".");
		return 0;
	}
	buf[pos] = '\0';
	for (const struct ovl_node *c = n; c->parent; c = c->parent) {
		size_t len = strlen(c->name);

		if (len + 1 > pos)
			return -ENAMETOOLONG;
		pos -= len;
		memcpy(buf + pos, c->name, len);
		if (c->parent->parent)
			buf[--pos] = '/';
	}
	memmove(buf, buf + pos, size - pos);
	return 0;
}

int ovl_child_path(const struct ovl_node *parent, const char *name, char *buf, size_t size)
{
	size_t len;
	int r;

	if (!parent->parent) {
		if (strlen(name) + 1 > size)
			return -ENAMETOOLONG;
		strcpy(buf, name);
		return 0;
	}
	r = ovl_node_path(parent, buf, size);
	if (r < 0)
		return r;
	len = strlen(buf);
	if (len + 1 + strlen(name) + 1 > size)
		return -ENAMETOOLONG;
	buf[len] = '/';
	strcpy(buf + len + 1, name);
	return 0;
}

int ovl_node_where(struct ovl_fs *fs, const struct ovl_node *n, char *buf, size_t size,
		   int *ret_dirfd)
{
	if (n->detached) {
		if (n->dfd < 0 || !n->dpath)
			return -ENOENT;
		if (strlen(n->dpath) + 1 > size)
			return -ENAMETOOLONG;
		strcpy(buf, n->dpath);
		*ret_dirfd = n->dfd;
		return 0;
	}
	*ret_dirfd = fs->layers[n->layer].fd;
	return ovl_node_path(n, buf, size);
}

static void node_release(struct ovl_fs *fs, struct ovl_node *n)
{
	if (n->dunlink && n->dfd >= 0 && n->dpath)
		(void)unlinkat(n->dfd, n->dpath, ovl_node_is_dir(n) ? AT_REMOVEDIR : 0);
	ovl_node_free(n);
}

void ovl_node_drop(struct ovl_fs *fs, struct ovl_node *n)
{
	if (n->parent)
		ovl_table_remove(&n->parent->children, n);
	n->parent = NULL;
	n->detached = true;
	ovl_upper_dir_forget(n);
	if (n->nlookup == 0) {
		node_release(fs, n);
		return;
	}
	/* Whatever it held is gone; what is left are whiteouts and the detached. */
	free_children(n);
}

void ovl_node_attach(struct ovl_fs *fs, struct ovl_node *parent, struct ovl_node *child)
{
	struct ovl_node *old = ovl_table_find(&parent->children, child->name);

	if (old == child)
		return;
	if (old)
		ovl_node_drop(fs, old);
	child->parent = parent;
	child->detached = false;
	ovl_table_insert(&parent->children, child);
}

void ovl_node_forget(struct ovl_fs *fs, struct ovl_node *n, uint64_t nlookup)
{
	if (n == fs->root)
		return;
	n->nlookup = nlookup > n->nlookup ? 0 : n->nlookup - nlookup;
	if (n->nlookup == 0 && n->detached && !n->parent)
		node_release(fs, n);
}

bool ovl_node_is_dir(const struct ovl_node *n)
{
	return n->type == S_IFDIR;
}

uid_t ovl_uid_to_mount(const struct ovl_fs *fs, uid_t id)
{
	if (fs->opts->squash_uid >= 0)
		return (uid_t)fs->opts->squash_uid;
	if (fs->opts->squash_to_root)
		return 0;
	return ovl_idmap_to_mount(&fs->opts->uidmap, id, fs->overflow_uid);
}

gid_t ovl_gid_to_mount(const struct ovl_fs *fs, gid_t id)
{
	if (fs->opts->squash_gid >= 0)
		return (gid_t)fs->opts->squash_gid;
	if (fs->opts->squash_to_root)
		return 0;
	return ovl_idmap_to_mount(&fs->opts->gidmap, id, fs->overflow_gid);
}

uid_t ovl_uid_to_disk(const struct ovl_fs *fs, uid_t id)
{
	return ovl_idmap_to_disk(&fs->opts->uidmap, id, fs->overflow_uid);
}

gid_t ovl_gid_to_disk(const struct ovl_fs *fs, gid_t id)
{
	return ovl_idmap_to_disk(&fs->opts->gidmap, id, fs->overflow_gid);
}

int ovl_node_stat(struct ovl_fs *fs, struct ovl_node *n, struct stat *st)
{
	char path[PATH_MAX];
	int dirfd, r;

	r = ovl_node_where_near(fs, n, path, sizeof(path), &dirfd);
	if (r < 0)
		return r;
	if (fstatat(dirfd, path, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return ovl_node_fill_stat(fs, n, dirfd, path, st);
}

/*
 * A directory merged from several layers: 2 and one for each subdirectory
 * shown, as fuse-overlayfs counts (the kernel's overlayfs says 1). Its
 * listing is read for it, which a walk of the tree does anyway; 1 if it
 * cannot be.
 */
static nlink_t merged_nlink(struct ovl_fs *fs, struct ovl_node *dir)
{
	nlink_t n = 2;

	if (ovl_dir_load(fs, dir) < 0)
		return 1;
	for (size_t i = 0; i < dir->children.nbuckets; i++)
		for (const struct ovl_node *c = dir->children.buckets[i]; c; c = c->hnext)
			if (!c->whiteout && ovl_node_is_dir(c))
				n++;
	return n;
}

int ovl_node_fill_stat(struct ovl_fs *fs, struct ovl_node *n, int dirfd, const char *path,
		       struct stat *st)
{
	int r;

	if (!n->detached && fs->layers[n->layer].override) {
		r = ovl_override_apply(dirfd, path, fs->layers[n->layer].override, st);
		if (r < 0)
			return r;
	}
	st->st_uid = ovl_uid_to_mount(fs, st->st_uid);
	st->st_gid = ovl_gid_to_mount(fs, st->st_gid);
	st->st_ino = n->ino;
	if (ovl_node_is_dir(n) && !n->detached && fs->opts->static_nlink)
		st->st_nlink = 1;
	else if (ovl_node_is_dir(n) && !n->detached && n->last_layer != n->layer)
		st->st_nlink = merged_nlink(fs, n);
	return 0;
}
