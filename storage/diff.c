#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "diff.h"
#include "idmap.h"

#define COPY_BLOCK (256u << 10)
#define MAX_DEPTH  256

struct link_seen {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct differ {
	struct archive *a;
	const char *opaque_xattr;
	bool compare; /* vfs: against the parent's copy */
	const struct idmaps *maps;
	struct link_seen *links;
	size_t nlinks;
	size_t cap_links;
	char *buf;
};

static int arch_error(struct differ *d, struct pea_error **err, const char *path)
{
	return pea_error_new(err, EIO, "write '%s' to the tar stream: %s", path,
			     archive_error_string(d->a) ?: "error");
}

static const char *link_lookup(struct differ *d, const struct stat *st)
{
	for (size_t i = 0; i < d->nlinks; i++)
		if (d->links[i].dev == st->st_dev && d->links[i].ino == st->st_ino)
			return d->links[i].path;
	return NULL;
}

static void link_remember(struct differ *d, const struct stat *st, const char *path)
{
	if (d->nlinks == d->cap_links) {
		d->cap_links = d->cap_links ? d->cap_links * 2 : 64;
		d->links = xreallocarray(d->links, d->cap_links, sizeof(*d->links));
	}
	d->links[d->nlinks++] = (struct link_seen){ st->st_dev, st->st_ino, xstrdup(path) };
}

static bool is_overlay_xattr(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13);
}

static int add_xattrs(struct archive_entry *e, int fd, const char *path, struct pea_error **err)
{
	char names[65536];
	ssize_t n = flistxattr(fd, names, sizeof(names));

	if (n < 0) {
		if (errno == ENOTSUP)
			return 0;
		return pea_error_errno(err, "list the attributes of '%s'", path);
	}
	for (char *name = names; name < names + n; name += strlen(name) + 1) {
		char value[65536];
		ssize_t vn;

		if (is_overlay_xattr(name))
			continue;
		vn = fgetxattr(fd, name, value, sizeof(value));
		if (vn < 0)
			return pea_error_errno(err, "read the attribute '%s' of '%s'", name, path);
		archive_entry_xattr_add_entry(e, name, value, (size_t)vn);
	}
	return 0;
}

static struct archive_entry *entry_from_stat(const char *path, const struct stat *st)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	archive_entry_set_mode(e, st->st_mode);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	if (S_ISREG(st->st_mode))
		archive_entry_set_size(e, st->st_size);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		archive_entry_set_rdev(e, st->st_rdev);
	return e;
}

static int write_data(struct differ *d, int fd, const char *path, struct pea_error **err)
{
	for (;;) {
		ssize_t n = read(fd, d->buf, COPY_BLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pea_error_errno(err, "read '%s'", path);
		if (n == 0)
			return 0;
		if (archive_write_data(d->a, d->buf, (size_t)n) != n)
			return arch_error(d, err, path);
	}
}

static int emit_whiteout(struct differ *d, const char *dir, const char *name,
			 struct pea_error **err)
{
	_cleanup_free_ char *path =
		*dir ? xasprintf("%s/.wh.%s", dir, name) : xasprintf(".wh.%s", name);
	struct archive_entry *e = archive_entry_new();
	int r;

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0);
	archive_entry_set_size(e, 0);
	r = archive_write_header(d->a, e);
	archive_entry_free(e);
	return r == ARCHIVE_OK ? 0 : arch_error(d, err, path);
}

/* One entry with its data; dirfd/name is the file, path its name in the tar. */
static int emit(struct differ *d, int dirfd, const char *name, const char *path,
		const struct stat *st, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	struct archive_entry *e = entry_from_stat(path, st);
	const char *first = NULL;
	int r = -1;

	if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
		first = link_lookup(d, st);
		if (first) {
			archive_entry_set_hardlink(e, first);
			archive_entry_set_size(e, 0);
		} else {
			link_remember(d, st, path);
		}
	}
	if (S_ISLNK(st->st_mode)) {
		char target[4097];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

		if (n < 0) {
			pea_error_errno(err, "read the link '%s'", path);
			goto out;
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	} else if (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)) {
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			pea_error_errno(err, "open '%s'", path);
			goto out;
		}
		if (add_xattrs(e, fd, path, err) < 0)
			goto out;
	}
	if (archive_write_header(d->a, e) != ARCHIVE_OK) {
		arch_error(d, err, path);
		goto out;
	}
	if (S_ISREG(st->st_mode) && !first && write_data(d, fd, path, err) < 0)
		goto out;
	r = 0;
out:
	archive_entry_free(e);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_sorted(int dirfd, char ***ret, struct pea_error **err)
{
	_cleanup_closedir_ DIR *dir = NULL;
	_cleanup_strv_ char **v = NULL;
	struct dirent *de;
	int fd = dup(dirfd);

	if (fd < 0 || !(dir = fdopendir(fd))) {
		pea_close(fd);
		return pea_error_errno(err, "read a directory");
	}
	rewinddir(dir);
	while ((errno = 0, de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			pea_strv_push(&v, de->d_name);
	if (errno)
		return pea_error_errno(err, "read a directory");
	if (v)
		qsort(v, pea_strv_length(v), sizeof(char *), cmp_str);
	*ret = v ? TAKE_PTR(v) : xnew(char *, 1);
	return 0;
}

static bool same_meta(const struct stat *a, const struct stat *b)
{
	return (a->st_mode == b->st_mode && a->st_uid == b->st_uid && a->st_gid == b->st_gid &&
		a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
		a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
		(S_ISDIR(a->st_mode) || a->st_size == b->st_size) && a->st_rdev == b->st_rdev);
}

static bool is_opaque(struct differ *d, int dirfd, const char *name)
{
	_cleanup_close_ int fd =
		openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char v[4];

	return fd >= 0 && fgetxattr(fd, d->opaque_xattr, v, sizeof(v)) == 1 && v[0] == 'y';
}

static int walk(struct differ *d, int dirfd, int parentfd, const char *rel, int depth,
		struct pea_error **err);

/* Host ids of a mapped container back to its own; ids outside the map stay. */
static void to_container_ids(const struct idmaps *maps, struct stat *st)
{
	uint32_t id;

	if (idmap_to_container(&maps->uids, st->st_uid, &id))
		st->st_uid = id;
	if (idmap_to_container(&maps->gids, st->st_gid, &id))
		st->st_gid = id;
}

static int walk_entry(struct differ *d, int dirfd, int parentfd, const char *rel, const char *name,
		      int depth, struct pea_error **err)
{
	_cleanup_free_ char *path = *rel ? xasprintf("%s/%s", rel, name) : xstrdup(name);
	struct stat st, pst;
	bool in_parent = parentfd >= 0 && fstatat(parentfd, name, &pst, AT_SYMLINK_NOFOLLOW) == 0;
	_cleanup_close_ int sub = -1;
	_cleanup_close_ int psub = -1;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return pea_error_errno(err, "stat '%s'", path);
	if (d->maps)
		to_container_ids(d->maps, &st);
	if (!d->compare && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		return emit_whiteout(d, rel, name, err);
	if ((!in_parent || !same_meta(&st, &pst)) && emit(d, dirfd, name, path, &st, err) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (!d->compare && is_opaque(d, dirfd, name) && emit_whiteout(d, path, ".wh..opq", err) < 0)
		return -1;
	sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return pea_error_errno(err, "open '%s'", path);
	if (in_parent && S_ISDIR(pst.st_mode))
		psub = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return walk(d, sub, psub, path, depth + 1, err);
}

static int walk(struct differ *d, int dirfd, int parentfd, const char *rel, int depth,
		struct pea_error **err)
{
	_cleanup_strv_ char **names = NULL;
	_cleanup_strv_ char **pnames = NULL;

	if (depth > MAX_DEPTH)
		return pea_error_new(err, ELOOP, "'%s': directories nested too deeply", rel);
	if (list_sorted(dirfd, &names, err) < 0)
		return pea_error_wrap(err, "'%s'", *rel ? rel : "/");
	for (char **n = names; *n; n++)
		if (walk_entry(d, dirfd, parentfd, rel, *n, depth, err) < 0)
			return -1;
	if (parentfd < 0)
		return 0;
	/* what the parent has and this layer does not: deleted */
	if (list_sorted(parentfd, &pnames, err) < 0)
		return -1;
	for (char **n = pnames; *n; n++)
		if (!pea_strv_contains(names, *n) && emit_whiteout(d, rel, *n, err) < 0)
			return -1;
	return 0;
}

int diff_write_tar(int dir_fd, int parent_fd, const char *opaque_xattr, const struct idmaps *maps,
		   int out_fd, struct pea_error **err)
{
	struct differ d = { .opaque_xattr = opaque_xattr,
			    .compare = !opaque_xattr,
			    .maps = maps,
			    .buf = xmalloc(COPY_BLOCK) };
	int r = -1;

	d.a = archive_write_new();
	archive_write_set_format_pax_restricted(d.a);
	archive_write_set_bytes_in_last_block(d.a, 1);
	if (archive_write_open_fd(d.a, out_fd) != ARCHIVE_OK) {
		arch_error(&d, err, "-");
		goto out;
	}
	if (walk(&d, dir_fd, parent_fd, "", 0, err) < 0)
		goto out;
	if (archive_write_close(d.a) != ARCHIVE_OK) {
		arch_error(&d, err, "-");
		goto out;
	}
	r = 0;
out:
	archive_write_free(d.a);
	for (size_t i = 0; i < d.nlinks; i++)
		free(d.links[i].path);
	free(d.links);
	free(d.buf);
	return r;
}
