/*
 * pea build's COPY and ADD: a layer tar written from the context (or from the
 * root of a --from image or stage, mounted read-only), with the parent folders
 * as the image has them, --chown, --chmod, hard links, tar archives unpacked
 * and URLs downloaded by ADD, the ignore file's patterns; applied over the
 * image's top layer. And --squash-all: the files of an image as one layer.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/build-exec.h"
#include "frontend/build-internal.h"
#include "frontend/build-parse.h"
#include "frontend/frontend.h"
#include "frontend/images.h"

#define CTR_FILE_MAX (1u << 20)

struct tarw {
	struct archive *a;
	char **dirs;	    /* folders written (or known to be there) */
	int lowerfd;	    /* the image's root mounted (-1: scratch) */
	long long uid, gid; /* --chown, -1: the file's own (0 from the context) */
	int chmod;	    /* --chmod, -1: the file's own */
	bool keep_owner;    /* --from: the owners of the source */
	struct {
		dev_t dev;
		ino_t ino;
		char *path;
	} * links;
	size_t nlinks;
	size_t count; /* entries of sources written */
};

static void tarw_clear(struct tarw *t)
{
	pea_strv_free(t->dirs);
	for (size_t i = 0; i < t->nlinks; i++)
		free(t->links[i].path);
	free(t->links);
}

static int tar_fail(struct tarw *t, const char *what, struct pea_error **err)
{
	return pea_error_new(err, EIO, "writing the layer: %s: %s", what,
			     archive_error_string(t->a) ? archive_error_string(t->a) : "failed");
}

/* A parent folder of a path written: as the image has it, else root's 0755. */
static int ensure_dir(struct tarw *t, const char *path, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	struct archive_entry *e;
	struct stat s;
	int r;

	if (!*path || pea_strv_contains(t->dirs, path))
		return 0;
	{
		_cleanup_free_ char *parent = xstrdup(path);
		char *sl = strrchr(parent, '/');
		if (sl) {
			*sl = '\0';
			if (ensure_dir(t, parent, err) < 0)
				return -1;
		}
	}
	pea_strv_push(&t->dirs, path);
	e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	if (t->lowerfd >= 0 &&
	    pea_open_in_root(t->lowerfd, path, O_PATH | O_NOFOLLOW, 0, &fd, NULL) == 0 &&
	    fstat(fd, &s) == 0 && S_ISDIR(s.st_mode)) {
		archive_entry_copy_stat(e, &s);
	} else {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
		archive_entry_set_mtime(e, 0, 0);
	}
	r = archive_write_header(t->a, e);
	archive_entry_free(e);
	return r == ARCHIVE_OK ? 0 : tar_fail(t, path, err);
}

static int ensure_parent(struct tarw *t, const char *path, struct pea_error **err)
{
	_cleanup_free_ char *parent = xstrdup(path);
	char *sl = strrchr(parent, '/');

	if (!sl)
		return 0;
	*sl = '\0';
	return ensure_dir(t, parent, err);
}

/*
 * dirfd/name opened with flags, a last symlink not followed; name "" is dirfd itself (an O_PATH
 * fd resolved in its root), reopened through /proc.
 */
static int open_at(int dirfd, const char *name, int flags)
{
	char p[64];

	if (*name)
		return openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", dirfd);
	return open(p, flags | O_CLOEXEC);
}

static int stat_at(int dirfd, const char *name, struct stat *s)
{
	return fstatat(dirfd, name, s, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH));
}

/* The data of dirfd/name into the tar. */
static int tar_data(struct tarw *t, int dirfd, const char *name, const char *dest,
		    struct pea_error **err)
{
	_cleanup_close_ int fd = open_at(dirfd, name, O_RDONLY);
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return pea_error_errno(err, "open '%s'", *name ? name : dest);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(t->a, buf, (size_t)n) != n)
			return tar_fail(t, dest, err);
	if (n < 0)
		return pea_error_errno(err, "read '%s'", *name ? name : dest);
	return 0;
}

/* A second name of a file already written: a hard link to it (true). */
static bool tar_hardlink(struct tarw *t, struct archive_entry *e, const char *dest,
			 const struct stat *s)
{
	for (size_t i = 0; i < t->nlinks; i++)
		if (t->links[i].dev == s->st_dev && t->links[i].ino == s->st_ino) {
			archive_entry_set_hardlink(e, t->links[i].path);
			archive_entry_set_size(e, 0);
			return true;
		}
	t->links = xreallocarray(t->links, t->nlinks + 1, sizeof(*t->links));
	t->links[t->nlinks].dev = s->st_dev;
	t->links[t->nlinks].ino = s->st_ino;
	t->links[t->nlinks++].path = xstrdup(dest);
	return false;
}

/* One file, folder or link, dirfd/name (see open_at), as dest (relative to the root). */
static int tar_one(struct tarw *t, int dirfd, const char *name, const char *dest,
		   const struct stat *s, struct pea_error **err)
{
	struct archive_entry *e;
	bool data = S_ISREG(s->st_mode);
	int r;

	if (ensure_parent(t, dest, err) < 0)
		return -1;
	t->count++;
	if (S_ISDIR(s->st_mode)) {
		if (pea_strv_contains(t->dirs, dest))
			return 0;
		pea_strv_push(&t->dirs, dest);
	}
	e = archive_entry_new();
	archive_entry_copy_stat(e, s);
	archive_entry_set_pathname(e, dest);
	if (!t->keep_owner) {
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
	}
	if (t->uid >= 0)
		archive_entry_set_uid(e, t->uid);
	if (t->gid >= 0)
		archive_entry_set_gid(e, t->gid);
	if (t->chmod >= 0 && !S_ISLNK(s->st_mode))
		archive_entry_set_perm(e, (mode_t)t->chmod);
	if (S_ISLNK(s->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0) {
			archive_entry_free(e);
			return pea_error_errno(err, "readlink '%s'", dest);
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	} else if (data && s->st_nlink > 1 && tar_hardlink(t, e, dest, s)) {
		data = false;
	}
	r = archive_write_header(t->a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return tar_fail(t, dest, err);
	return data ? tar_data(t, dirfd, name, dest, err) : 0;
}

/*
 * Is there a '!' pattern that names something below the folder rel (it starts
 * with "rel/", as Docker's and buildah's walk checks: "!*\/x" alone does not
 * take back what is below an excluded folder)?
 */
static bool negation_under(char *const *ignore, const char *rel)
{
	size_t rl = strlen(rel);

	for (size_t i = 0; ignore && ignore[i]; i++)
		if (ignore[i][0] == '!' && strncmp(ignore[i] + 1, rel, rl) == 0 &&
		    ignore[i][1 + rl] == '/')
			return true;
	return false;
}

/*
 * atfd/name (see open_at) and what is below it as dest (self: itself too); rel is its path in
 * the context (NULL: no ignore file). An excluded folder is still walked when a '!' pattern
 * names something below it.
 */
static int tar_tree(struct tarw *t, int atfd, const char *name, const char *dest, const char *rel,
		    char *const *ignore, bool self, struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_close_ int fd = -1;
	struct dirent *de;
	struct stat s;
	bool excluded = rel && *rel && build_ignore_match(ignore, rel);

	if (stat_at(atfd, name, &s) < 0)
		return pea_error_errno(err, "stat '%s'", rel ? rel : dest);
	if (excluded && !(S_ISDIR(s.st_mode) && negation_under(ignore, rel)))
		return 0;
	if (self && !excluded && *dest && tar_one(t, atfd, name, dest, &s, err) < 0)
		return -1;
	if (!S_ISDIR(s.st_mode))
		return 0;
	fd = open_at(atfd, name, O_RDONLY | O_DIRECTORY);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d)
		return pea_error_errno(err, "open '%s'", rel ? rel : dest);
	TAKE_FD(fd);
	while ((de = readdir(d))) {
		_cleanup_free_ char *cd = NULL, *cr = NULL;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		cr = rel ? (*rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name))
			 : NULL;
		cd = *dest ? xasprintf("%s/%s", dest, de->d_name) : xstrdup(de->d_name);
		if (tar_tree(t, dirfd(d), de->d_name, cd, cr, ignore, true, err) < 0)
			return -1;
	}
	return 0;
}

/* Has path a ".." component ("a..b" is a name, "../b" and "a/.." are not)? */
static bool has_dotdot(const char *path)
{
	for (const char *c = path; c && *c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
		if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
			return true;
	return false;
}

/* ADD of a local archive (srcfd, O_PATH): its entries below dest; false when it is no archive. */
static int tar_extract(struct tarw *t, int srcfd, const char *src, const char *dest, bool *ret_done,
		       struct pea_error **err)
{
	_cleanup_close_ int fd = open_at(srcfd, "", O_RDONLY);
	struct archive *in = NULL;
	struct archive_entry *e;
	int r, rc = 0;

	*ret_done = false;
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", src);
	in = archive_read_new();
	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	if (archive_read_open_fd(in, fd, 65536) != ARCHIVE_OK) {
		archive_read_free(in);
		return 0;
	}
	r = archive_read_next_header(in, &e);
	if (r != ARCHIVE_OK) {
		archive_read_free(in);
		return 0;
	}
	*ret_done = true;
	if (*dest && ensure_dir(t, dest, err) < 0)
		rc = -1;
	for (; rc == 0 && r == ARCHIVE_OK; r = archive_read_next_header(in, &e)) {
		const char *p = archive_entry_pathname(e);
		_cleanup_free_ char *clean = NULL, *path = NULL;
		const void *buf;
		size_t size;
		int64_t off;
		while (p && (strncmp(p, "./", 2) == 0 || *p == '/'))
			p += *p == '/' ? 1 : 2;
		if (!p || !*p || strcmp(p, ".") == 0)
			continue;
		clean = xstrdup(p);
		if (clean[strlen(clean) - 1] == '/')
			clean[strlen(clean) - 1] = '\0';
		if (has_dotdot(clean)) {
			rc = pea_error_new(err, EPERM, "'%s' in '%s' escapes the folder", p, src);
			break;
		}
		path = *dest ? xasprintf("%s/%s", dest, clean) : xstrdup(clean);
		if (ensure_parent(t, path, err) < 0) {
			rc = -1;
			break;
		}
		if (archive_entry_hardlink(e)) {
			const char *h = archive_entry_hardlink(e);
			_cleanup_free_ char *hp = NULL;
			while (strncmp(h, "./", 2) == 0 || *h == '/')
				h += *h == '/' ? 1 : 2;
			if (has_dotdot(h)) {
				rc = pea_error_new(err, EPERM,
						   "link '%s' -> '%s' in '%s' escapes the folder",
						   p, archive_entry_hardlink(e), src);
				break;
			}
			hp = *dest ? xasprintf("%s/%s", dest, h) : xstrdup(h);
			archive_entry_set_hardlink(e, hp);
		}
		archive_entry_set_pathname(e, path);
		if (archive_entry_filetype(e) == AE_IFDIR)
			pea_strv_push(&t->dirs, path);
		if (archive_write_header(t->a, e) != ARCHIVE_OK) {
			rc = tar_fail(t, path, err);
			break;
		}
		while ((r = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK)
			if (archive_write_data(t->a, buf, size) != (la_ssize_t)size) {
				rc = tar_fail(t, path, err);
				break;
			}
		if (rc == 0 && r != ARCHIVE_EOF)
			rc = pea_error_new(err, EIO, "reading '%s': %s", src,
					   archive_error_string(in));
		r = ARCHIVE_OK;
	}
	if (rc == 0 && r != ARCHIVE_EOF)
		rc = pea_error_new(err, EIO, "reading '%s': %s", src, archive_error_string(in));
	archive_read_free(in);
	return rc;
}

/* A path of the image's root is a folder (symlinks followed inside it). */
static bool lower_is_dir(int lowerfd, const char *rel)
{
	_cleanup_close_ int fd = -1;
	struct stat s;

	return lowerfd >= 0 &&
	       pea_open_in_root(lowerfd, *rel ? rel : ".", O_PATH, 0, &fd, NULL) == 0 &&
	       fstat(fd, &s) == 0 && S_ISDIR(s.st_mode);
}

/*
 * dest (cleaned, relative) with the symlinks of the image's root resolved inside it, as the
 * files will land: "bin/x" is "usr/bin/x" when /bin -> usr/bin. The part that is not there yet
 * is kept as it is.
 */
static char *fd_path(int fd)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return realpath(p, NULL);
}

static char *path_join(const char *a, const char *b)
{
	return *a ? xasprintf("%s/%s", a, b) : xstrdup(b);
}

static char *resolve_dest(int lowerfd, const char *dest)
{
	_cleanup_strv_ char **parts = pea_strv_split(dest, "/");
	_cleanup_free_ char *root = lowerfd >= 0 ? fd_path(lowerfd) : NULL;
	char *res = xstrdup("");
	size_t i = 0;

	for (; root && parts && parts[i]; i++) {
		_cleanup_free_ char *cand = path_join(res, parts[i]), *at = NULL;
		_cleanup_close_ int fd = -1;
		size_t rl = strlen(root);

		if (pea_open_in_root(lowerfd, cand, O_PATH, 0, &fd, NULL) < 0)
			break;
		at = fd_path(fd);
		if (!at || strncmp(at, root, rl) != 0 || (at[rl] && at[rl] != '/'))
			break;
		free(res);
		res = xstrdup(at[rl] ? at + rl + 1 : "");
	}
	for (; parts && parts[i]; i++) {
		char *next = path_join(res, parts[i]);
		free(res);
		res = next;
	}
	return res;
}

/* --chown USER[:GROUP] through the image's passwd and group files. */
static int resolve_chown(const char *spec, struct tarw *t, struct pea_error **err)
{
	_cleanup_free_ char *user = xstrdup(spec), *passwd = NULL, *group = NULL;
	char *grp = strchr(user, ':'), *end = NULL;

	if (grp)
		*grp++ = '\0';
	if (t->lowerfd >= 0) {
		passwd = rootfs_read_file(t->lowerfd, "/etc/passwd", CTR_FILE_MAX);
		group = rootfs_read_file(t->lowerfd, "/etc/group", CTR_FILE_MAX);
	}
	t->uid = strtoll(user, &end, 10);
	if (!*user || *end) {
		t->uid = passwd ? passwd_field_of(passwd, user, 2) : -1;
		if (t->uid < 0)
			return pea_error_new(err, ENOENT, "--chown: no user '%s' in the image",
					     user);
	}
	if (!grp) {
		t->gid = passwd && passwd_field_of(passwd, user, 3) >= 0
				 ? passwd_field_of(passwd, user, 3)
				 : t->uid;
		if (*end == '\0' && end != user)
			t->gid = t->uid;
		return 0;
	}
	t->gid = strtoll(grp, &end, 10);
	if (!*grp || *end) {
		t->gid = group ? passwd_field_of(group, grp, 2) : -1;
		if (t->gid < 0)
			return pea_error_new(err, ENOENT, "--chown: no group '%s' in the image",
					     grp);
	}
	return 0;
}

bool build_is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/*
 * src relative to the root with "." and ".." taken out as words (as Docker cleans a path before
 * it looks); NULL when ".." climbs above the root and clamp is false.
 */
static char *clean_rel(const char *src, bool clamp)
{
	_cleanup_strv_ char **parts = pea_strv_split(src, "/");
	_cleanup_strv_ char **keep = NULL;

	for (size_t i = 0; parts && parts[i]; i++) {
		size_t n = pea_strv_length(keep);
		if (strcmp(parts[i], ".") == 0)
			continue;
		if (strcmp(parts[i], "..") != 0) {
			pea_strv_push(&keep, parts[i]);
			continue;
		}
		if (n == 0 && !clamp)
			return NULL;
		if (n > 0) {
			free(keep[n - 1]);
			keep[n - 1] = NULL;
		}
	}
	return pea_strv_join(keep, "/");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The paths below base (inside rootfd) matching the components comps[i..], a glob component
 * matched against the entries of the folder it is in, found with the root's symlinks resolved
 * inside it (glob(3) on the host path would follow them out).
 */
static int glob_in_root(int rootfd, const char *base, char *const *comps, size_t i, char ***ret,
			struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_strv_ char **names = NULL;
	_cleanup_close_ int fd = -1;
	struct dirent *de;

	if (!comps[i]) {
		pea_strv_push(ret, base);
		return 0;
	}
	if (!has_glob(comps[i])) {
		_cleanup_free_ char *next = path_join(base, comps[i]);
		return glob_in_root(rootfd, next, comps, i + 1, ret, err);
	}
	if (pea_open_in_root(rootfd, *base ? base : ".", O_RDONLY | O_DIRECTORY, 0, &fd, NULL) < 0)
		return 0; /* no folder there: nothing matches */
	d = fdopendir(fd);
	if (!d)
		return pea_error_errno(err, "open '%s'", base);
	TAKE_FD(fd);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    fnmatch(comps[i], de->d_name, FNM_PERIOD | FNM_NOESCAPE) == 0)
			pea_strv_push(&names, de->d_name);
	if (names)
		qsort(names, pea_strv_length(names), sizeof(*names), cmp_str);
	for (size_t k = 0; names && names[k]; k++) {
		_cleanup_free_ char *next = path_join(base, names[k]);
		if (glob_in_root(rootfd, next, comps, i + 1, ret, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * The sources matching src (globs) as paths inside the root; ".." above the context is refused
 * (above an image's root it stays at the root).
 */
static int match_sources(const char *root, bool ctx, int rootfd, const char *src, char ***ret,
			 struct pea_error **err)
{
	_cleanup_free_ char *rel = clean_rel(src, !ctx);
	_cleanup_strv_ char **comps = NULL;

	if (!rel)
		return pea_error_new(err, EPERM, "forbidden path outside the build context: %s",
				     src);
	if (!has_glob(rel)) {
		pea_strv_push(ret, rel);
		return 0;
	}
	comps = pea_strv_split(rel, "/");
	if (glob_in_root(rootfd, "", comps, 0, ret, err) < 0)
		return -1;
	if (!*ret)
		return pea_error_new(err, ENOENT, "no items matching glob \"%s/%s\" copied", root,
				     src);
	return 0;
}

struct copy_src {
	char *root; /* the context, or the --from image's root */
	int rootfd;
	char *mount; /* an image id mounted for --from, to unmount */
	bool from_ctx;
};

static int image_mount(struct builder *b, const char *id, char **ret, struct pea_error **err)
{
	const char *args[] = { "image", "mount", id, NULL };
	_cleanup_json_ struct json_object *r = NULL;
	const char *mp = NULL;

	if (store_call(b->g, args, &r, err) < 0 ||
	    pea_json_get_string_req(r, "mount", "mountpoint", &mp, err) < 0)
		return -1;
	*ret = xstrdup(mp);
	return 0;
}

static void image_unmount(struct builder *b, const char *id)
{
	const char *args[] = { "image", "unmount", id, NULL };

	(void)store_call(b->g, args, NULL, NULL);
}

/* --from=STAGE|IMAGE: its root, mounted. */
static int copy_from(struct builder *b, size_t si, const char *from, struct copy_src *ret,
		     struct pea_error **err)
{
	ssize_t k = build_stage_index(b, from, si);
	_cleanup_json_ struct json_object *rec = NULL;
	const char *id = NULL;

	if (k >= 0) {
		id = b->st[k].image_id;
		if (!id)
			return pea_error_new(err, ENOENT, "stage '%s' has no files", from);
		ret->mount = xstrdup(id);
	} else {
		if (strchr(from, '/') == NULL && strchr(from, ':') == NULL && b->nst > 0) {
			bool named = false;
			for (size_t i = si; i < b->nst; i++)
				named = named ||
					(b->st[i].name && strcmp(b->st[i].name, from) == 0);
			if (named)
				return pea_error_new(err, EINVAL,
						     "stage '%s' is not before this one", from);
		}
		if (build_find_or_pull(b, from, b->o->platform, &rec, err) < 0 ||
		    pea_json_get_string_req(rec, "image", "id", &id, err) < 0)
			return pea_error_wrap(err, "--from=%s", from);
		ret->mount = xstrdup(id);
	}
	if (image_mount(b, ret->mount, &ret->root, err) < 0) {
		free(ret->mount);
		ret->mount = NULL;
		return -1;
	}
	return 0;
}

/* The destination, absolute, cleaned, without its leading '/'. */
static char *dest_path(const struct stage *st, const char *dest)
{
	const char *wd = NULL;
	_cleanup_free_ char *abs = NULL;
	_cleanup_strv_ char **parts = NULL;
	char **keep = NULL, *r;

	(void)pea_json_get_string_opt(build_cfg_obj(st->cfg, NULL), "", "WorkingDir", &wd, NULL);
	abs = dest[0] == '/' ? xstrdup(dest) : xasprintf("%s/%s", wd && *wd ? wd : "/", dest);
	parts = pea_strv_split(abs, "/");
	for (size_t i = 0; parts && parts[i]; i++) {
		if (strcmp(parts[i], ".") == 0)
			continue;
		if (strcmp(parts[i], "..") == 0) {
			size_t n = pea_strv_length(keep);
			if (n > 0) {
				free(keep[n - 1]);
				keep[n - 1] = NULL;
			}
			continue;
		}
		pea_strv_push(&keep, parts[i]);
	}
	r = pea_strv_join(keep, "/");
	pea_strv_free(keep);
	return r;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* One source found, rel inside the root (its symlinks followed inside it), into the tar. */
static int copy_match(struct builder *b, struct tarw *t, const struct copy_src *cs, const char *src,
		      const char *rel, const char *dest, bool dest_dir, bool add,
		      struct pea_error **err)
{
	_cleanup_free_ char *d = NULL;
	_cleanup_close_ int fd = -1;
	struct pea_error *e = NULL;
	bool excluded = cs->from_ctx && *rel && build_ignore_match(b->ignore, rel);
	bool done = false;
	struct stat s;

	if (pea_open_in_root(cs->rootfd, *rel ? rel : ".", O_PATH, 0, &fd, &e) < 0) {
		int code = e->code;
		pea_error_free(e);
		return pea_error_new(err, code,
				     "checking on sources under \"%s\": copier: stat: \"/%s\": %s",
				     cs->root, rel,
				     code == ENOENT ? "no such file or directory" : strerror(code));
	}
	if (fstat(fd, &s) < 0)
		return pea_error_errno(err, "stat '%s'", rel);
	if (S_ISDIR(s.st_mode) || excluded) {
		size_t before = t->count;
		if (S_ISDIR(s.st_mode) && *dest && ensure_dir(t, dest, err) < 0)
			return -1;
		/* a folder's contents go into dest */
		if (tar_tree(t, fd, "", S_ISDIR(s.st_mode) ? dest : "", cs->from_ctx ? rel : NULL,
			     b->ignore, false, err) < 0)
			return -1;
		if (excluded && t->count == before)
			return pea_error_new(err, ENOENT,
					     "checking on sources under \"%s\": "
					     "'%s' is excluded by the ignore file",
					     cs->root, src);
		if (S_ISDIR(s.st_mode) || t->count > before)
			return 0;
	}
	if (add && S_ISREG(s.st_mode) && tar_extract(t, fd, rel, dest, &done, err) < 0)
		return -1;
	if (done)
		return 0;
	/* the name given, also when it is a symlink (its target's content) */
	d = dest_dir ? path_join(dest, base_name(rel)) : xstrdup(dest);
	if (!*d)
		return pea_error_new(err, EINVAL, "cannot copy a file to '/'");
	return tar_one(t, fd, "", d, &s, err);
}

/* Write the sources into the tar. */
static int copy_sources(struct builder *b, struct tarw *t, const struct copy_src *cs,
			char *const *srcs, const char *dest, bool dest_dir, bool add,
			struct pea_error **err)
{
	for (size_t i = 0; srcs[i]; i++) {
		_cleanup_strv_ char **matches = NULL;
		if (build_is_url(srcs[i])) {
			_cleanup_free_ char *tmp = NULL, *d = NULL;
			const char *bn = base_name(srcs[i]);
			struct stat s;
			int r;
			if (!add)
				return pea_error_new(err, EINVAL, "source can't be a URL for COPY");
			if (url_download(b->g, srcs[i], &tmp, err) < 0)
				return -1;
			d = dest_dir || !*bn ? path_join(dest, *bn ? bn : "index.html")
					     : xstrdup(dest);
			if (stat(tmp, &s) < 0) {
				(void)unlink(tmp);
				return pea_error_errno(err, "stat '%s'", tmp);
			}
			s.st_mode = S_IFREG | 0600;
			r = tar_one(t, AT_FDCWD, tmp, d, &s, err);
			(void)unlink(tmp);
			if (r < 0)
				return -1;
			continue;
		}
		if (match_sources(cs->root, cs->from_ctx, cs->rootfd, srcs[i], &matches, err) < 0)
			return -1;
		for (size_t k = 0; matches[k]; k++)
			if (copy_match(b, t, cs, srcs[i], matches[k], dest, dest_dir, add, err) < 0)
				return -1;
	}
	return 0;
}

/* Apply the tar file as a layer over the current top: its record. */
static int apply_layer(struct builder *b, const char *parent, const char *tarpath,
		       struct json_object **ret, struct pea_error **err)
{
	_cleanup_strv_ char **argv = store_base_argv(b->g);
	_cleanup_json_ struct json_object *reply = NULL;
	_cleanup_close_ int fd = open(tarpath, O_RDONLY | O_CLOEXEC);
	struct run_result res = { 0 };
	struct json_object *layer = NULL;
	int rc = -1;

	if (fd < 0)
		return pea_error_errno(err, "open '%s'", tarpath);
	pea_strv_push(&argv, "layer");
	pea_strv_push(&argv, "apply");
	if (parent) {
		pea_strv_push(&argv, "--parent");
		pea_strv_push(&argv, parent);
	}
	if (frontend_run_capture(argv, fd, &res, err) < 0)
		return -1;
	if (res.len > 0)
		(void)pea_json_parse(res.out, res.len, "pea-storage reply", &reply, NULL);
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0 || !reply ||
	    !json_object_object_get_ex(reply, "result", &layer)) {
		pea_error_new(err, EIO, "pea-storage layer apply: %s",
			      res.errtxt && *res.errtxt ? res.errtxt : "failed");
		goto out;
	}
	*ret = json_object_get(layer);
	rc = 0;
out:
	run_result_clear(&res);
	return rc;
}

struct copy_flags {
	const char *from, *chown, *chmod;
};

static int copy_parse_flags(const struct build_instr *in, struct copy_flags *f,
			    struct pea_error **err)
{
	for (size_t i = 0; in->flags && in->flags[i]; i++) {
		const char *fl = in->flags[i];
		if (strncmp(fl, "--from=", 7) == 0 && strcmp(in->cmd, "COPY") == 0)
			f->from = fl + 7;
		else if (strncmp(fl, "--chown=", 8) == 0)
			f->chown = fl + 8;
		else if (strncmp(fl, "--chmod=", 8) == 0)
			f->chmod = fl + 8;
		else if (strcmp(fl, "--link") == 0 || strncmp(fl, "--link=", 7) == 0)
			continue;
		else
			return pea_error_new(err, EINVAL, "%s: unknown flag %s", in->cmd, fl);
	}
	return 0;
}

/* Write the layer tar of a COPY or ADD into fd. */
static int copy_write(struct builder *b, size_t si, const struct build_instr *in,
		      const struct copy_flags *f, char *const *w, size_t n, int lowerfd, int fd,
		      struct pea_error **err)
{
	struct stage *st = &b->st[si];
	struct tarw t = { .lowerfd = lowerfd, .uid = -1, .gid = -1, .chmod = -1 };
	struct copy_src cs = { .root = b->ctx, .rootfd = -1, .from_ctx = true };
	_cleanup_free_ char *clean = dest_path(st, w[n - 1]);
	_cleanup_free_ char *dest = resolve_dest(lowerfd, clean);
	_cleanup_strv_ char **srcs = NULL;
	size_t dl = strlen(w[n - 1]);
	bool dest_dir = n > 2 || (dl > 0 && w[n - 1][dl - 1] == '/') || !*dest ||
			lower_is_dir(lowerfd, dest);
	int rc = -1;

	for (size_t i = 0; i + 1 < n; i++)
		pea_strv_push(&srcs, w[i]);
	if (f->chown && resolve_chown(f->chown, &t, err) < 0)
		return -1;
	if (f->chmod) {
		char *end = NULL;
		long m = strtol(f->chmod, &end, 8);
		if (!*f->chmod || *end || m < 0 || m > 07777)
			return pea_error_new(err, EINVAL, "--chmod: bad mode '%s'", f->chmod);
		t.chmod = (int)m;
	}
	if (f->from) {
		cs.root = NULL;
		cs.from_ctx = false;
		if (copy_from(b, si, f->from, &cs, err) < 0)
			return -1;
		t.keep_owner = true;
	}
	t.a = archive_write_new();
	archive_write_set_format_pax_restricted(t.a);
	cs.rootfd = open(cs.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cs.rootfd < 0) {
		pea_error_errno(err, "open '%s'", cs.root);
		goto out;
	}
	if (archive_write_open_fd(t.a, fd) != ARCHIVE_OK) {
		tar_fail(&t, "open", err);
		goto out;
	}
	if (copy_sources(b, &t, &cs, srcs, dest, dest_dir, strcmp(in->cmd, "ADD") == 0, err) < 0)
		goto out;
	if (archive_write_close(t.a) != ARCHIVE_OK) {
		tar_fail(&t, "close", err);
		goto out;
	}
	rc = 0;
out:
	archive_write_free(t.a);
	tarw_clear(&t);
	if (cs.rootfd >= 0)
		close(cs.rootfd);
	if (cs.mount) {
		image_unmount(b, cs.mount);
		free(cs.mount);
		free(cs.root);
	}
	return rc;
}

int build_copy(struct builder *b, size_t si, const struct build_instr *in, const char *name,
	       struct pea_error **err)
{
	struct stage *st = &b->st[si];
	struct copy_flags f = { 0 };
	_cleanup_strv_ char **w = NULL;
	_cleanup_free_ char *tarpath = NULL, *lower = NULL, *key = NULL, *by = NULL;
	_cleanup_json_ struct json_object *layer = NULL;
	_cleanup_close_ int fd = -1, lowerfd = -1;
	char digest[PEA_DIGEST_MAX];
	struct json_object *cached;
	const char *diff_id = NULL;
	size_t n;
	int rc = -1;

	if (copy_parse_flags(in, &f, err) < 0)
		return -1;
	if (in->exec)
		w = pea_strv_copy(in->exec);
	else if (build_words(in->args, b->file.escape, true, build_stage_lookup, st, &w, err) < 0)
		return -1;
	n = pea_strv_length(w);
	if (n < 2)
		return pea_error_new(err, EINVAL, "%s requires at least two arguments", in->cmd);
	tarpath = xasprintf("%s/tmp/build-layer-XXXXXX", b->g->runroot);
	{
		_cleanup_free_ char *dir = xasprintf("%s/tmp", b->g->runroot);
		if (frontend_mkdir_p(dir, err) < 0)
			return -1;
	}
	fd = mkostemp(tarpath, O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "create '%s'", tarpath);
	if (st->image_id && image_mount(b, st->image_id, &lower, err) < 0)
		goto out;
	if (lower) {
		lowerfd = open(lower, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (lowerfd < 0)
			pea_error_errno(err, "open '%s'", lower);
	}
	rc = !lower || lowerfd >= 0 ? copy_write(b, si, in, &f, w, n, lowerfd, fd, err) : -1;
	/* before the unmount: an fd open on the root makes it fail (busy) */
	lowerfd = pea_close(lowerfd);
	if (lower)
		image_unmount(b, st->image_id);
	if (rc < 0)
		goto out;
	rc = -1;
	if (pea_digest_fd(NULL, fd, "the layer", digest, err) < 0)
		goto out;
	{
		_cleanup_free_ char *joined = pea_strv_join(w, " ");
		_cleanup_free_ char *fl = pea_strv_join(in->flags, " ");
		by = xasprintf("/bin/sh -c #(nop) %s %s%s%s:%s in %s ", in->cmd, fl,
			       in->flags ? " " : "", n > 2 ? "multi" : "file",
			       pea_digest_hex(digest), w[n - 1]);
		key = build_cache_key(st, by, joined);
	}
	cached = build_cache_find(b, key);
	if (cached) {
		rc = build_stage_use(b, st, cached, err) < 0 ? -1 : 0;
		goto out;
	}
	if (apply_layer(b, build_top_layer(st), tarpath, &layer, err) < 0)
		goto out;
	if (pea_json_get_string_req(layer, "layer", "diff_id", &diff_id, err) < 0) {
		build_layer_drop(b, layer);
		goto out;
	}
	build_history_add(st->cfg, by, false);
	build_diff_id_add(st->cfg, diff_id);
	rc = build_stage_commit(b, st, layer, name, key, err);
out:
	(void)unlink(tarpath);
	return rc;
}

/* --squash-all: the files of the image as one layer, into tarpath. */
static int squash_tar(struct builder *b, const char *id, int fd, struct pea_error **err)
{
	struct tarw t = { .lowerfd = -1, .uid = -1, .gid = -1, .chmod = -1, .keep_owner = true };
	_cleanup_free_ char *root = NULL;
	_cleanup_close_ int rootfd = -1;
	int rc = -1;

	if (image_mount(b, id, &root, err) < 0)
		return -1;
	t.a = archive_write_new();
	archive_write_set_format_pax_restricted(t.a);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		pea_error_errno(err, "open '%s'", root);
	else if (archive_write_open_fd(t.a, fd) != ARCHIVE_OK)
		tar_fail(&t, "open", err);
	else if (tar_tree(&t, rootfd, "", "", NULL, NULL, false, err) == 0 &&
		 archive_write_close(t.a) == ARCHIVE_OK)
		rc = 0;
	else if (!*err)
		tar_fail(&t, "close", err);
	archive_write_free(t.a);
	tarw_clear(&t);
	rootfd = pea_close(rootfd); /* before the unmount (busy) */
	image_unmount(b, id);
	return rc;
}

/* --squash-all: an image of one layer with the files of st's, its config and one history entry. */
int build_squash_all(struct builder *b, struct stage *st, const char *name, char **ret_id,
		     struct pea_error **err)
{
	_cleanup_free_ char *tarpath = xasprintf("%s/tmp/build-squash-XXXXXX", b->g->runroot);
	_cleanup_close_ int fd = -1;
	_cleanup_json_ struct json_object *layer = NULL, *cfg = NULL;
	const char *diff_id = NULL;
	int rc = -1;

	if (!st->image_id)
		return pea_error_new(err, EINVAL, "--squash-all: the image has no files");
	fd = mkostemp(tarpath, O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "create '%s'", tarpath);
	if (squash_tar(b, st->image_id, fd, err) < 0 ||
	    apply_layer(b, NULL, tarpath, &layer, err) < 0 ||
	    pea_json_get_string_req(layer, "layer", "diff_id", &diff_id, err) < 0 ||
	    json_object_deep_copy(st->cfg, &cfg, NULL) < 0)
		goto out;
	json_object_object_del(cfg, "rootfs");
	json_object_object_del(cfg, "history");
	build_diff_id_add(cfg, diff_id);
	build_history_add(cfg, "/bin/sh -c #(nop) pea build --squash-all", false);
	rc = commit_build_image(b->g, NULL, cfg, layer, name, build_is_docker(b), b->o->annotations,
				ret_id, err);
out:
	if (rc < 0)
		build_layer_drop(b, layer);
	(void)unlink(tarpath);
	return rc;
}
