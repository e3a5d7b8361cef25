#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "overlayfs/fs.h"

static mode_t dtype_to_mode(unsigned char t)
{
	return (mode_t)DTTOIF(t);
}

/* One entry of layer i of dir: add it to dir's table, or merge it below one there. */
static int merge_entry(struct ovl_fs *fs, struct ovl_node *dir, unsigned i, int fd,
		       const struct dirent *de)
{
	const char *name = de->d_name;
	bool is_wh = false;
	mode_t type = dtype_to_mode(de->d_type);
	struct ovl_node *c;

	if (strncmp(name, OVL_WHITEOUT_PREFIX, strlen(OVL_WHITEOUT_PREFIX)) == 0 &&
	    name[strlen(OVL_WHITEOUT_PREFIX)] != '\0') {
		is_wh = true;
		name += strlen(OVL_WHITEOUT_PREFIX);
	} else if (de->d_type == DT_CHR || de->d_type == DT_UNKNOWN) {
		struct stat st;

		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return errno == ENOENT ? 0 : -errno;
		type = st.st_mode & S_IFMT;
		is_wh = ovl_is_whiteout_stat(&st);
	}
	c = ovl_table_find(&dir->children, name);
	if (c) {
		if (c->merge_done)
			return 0;
		c->covers_lower = true;
		if (ovl_node_is_dir(c) && !c->whiteout && !is_wh && type == S_IFDIR)
			c->last_layer = i;
		else
			c->merge_done = true;
		return 0;
	}
	c = ovl_node_new(name, is_wh ? 0 : type, i, ovl_fs_make_ino(fs, i, de->d_ino));
	c->whiteout = is_wh;
	c->merge_done = is_wh || type != S_IFDIR;
	c->parent = dir;
	ovl_table_insert(&dir->children, c);
	return 0;
}

/* Read layer i of dir; *ret_opaque when it hides the layers below. */
static int load_layer(struct ovl_fs *fs, struct ovl_node *dir, unsigned i, const char *path,
		      bool *ret_opaque)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	bool opaque = false;
	int fd, r;

	fd = openat(fs->layers[i].fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return (errno == ENOENT || errno == ENOTDIR) ? 0 : -errno;
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
		r = merge_entry(fs, dir, i, fd, de);
		if (r < 0)
			return r;
	}
	if (errno != 0)
		return -errno;
	if (!opaque && i < dir->last_layer)
		opaque = ovl_is_opaque_fd(dirfd(d));
	*ret_opaque = opaque;
	return 0;
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

		r = load_layer(fs, dir, i, path, &opaque);
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
	dir->loaded = true;
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
