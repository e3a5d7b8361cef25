/*
 * diff: the changes of a container to its image (podman-diff(1)), from
 * pea-storage's `container diff` tar (whiteouts are deletions); export: the
 * container's root filesystem as a tar (podman-export(1)).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/external.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/images.h"
#include "frontend/records.h"

#define WHITEOUT	".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

/* ---- diff ---------------------------------------------------------------- */

struct change {
	char kind; /* 'A', 'C', 'D' */
	char *path;
};

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct change *)a)->path, ((const struct change *)b)->path);
}

/* What the engine itself makes in every container, left out as podman does. */
static bool is_init_path(const char *p)
{
	static const char *const init[] = {
		"/dev",	 "/etc/hostname", "/etc/hosts",	 "/etc/resolv.conf",   "/etc/mtab",
		"/proc", "/run",	  "/run/notify", "/run/.containerenv", "/run/secrets",
		"/sys"
	};

	for (size_t i = 0; i < ARRAY_SIZE(init); i++)
		if (strcmp(p, init[i]) == 0)
			return true;
	return false;
}

/* An entry's path as podman shows it: "/a/b", no "./", no trailing "/". New string. */
static char *entry_path(struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	char *p;
	size_t l;

	while (name[0] == '.' && name[1] == '/')
		name += 2;
	p = xasprintf("/%s", name);
	l = strlen(p);
	while (l > 1 && p[l - 1] == '/')
		p[--l] = '\0';
	return p;
}

/*
 * The changes in a diff tar. What was there before tells A from C: the
 * image mounted at imagefd (a container), or the set of paths lower (an image's top layer).
 */
static int read_changes(int fd, int imagefd, struct json_object *lower, struct change **ret,
			size_t *ret_n, struct pea_error **err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct change *v = NULL;
	size_t n = 0;
	int r, rc = -1;

	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
		goto fail;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		_cleanup_free_ char *p = entry_path(e);
		const char *base = strrchr(p, '/') + 1;
		char kind;

		if (strcmp(p, "/") == 0 || strcmp(base, WHITEOUT_OPAQUE) == 0 ||
		    (!lower && is_init_path(p)))
			continue;
		if (strncmp(base, WHITEOUT, strlen(WHITEOUT)) == 0) {
			char *q = xasprintf("%.*s%s", (int)(base - p), p, base + strlen(WHITEOUT));
			free(p);
			p = q;
			kind = 'D';
		} else {
			kind = (imagefd >= 0 && pea_path_exists_at(imagefd, p + 1)) ||
					       (lower && json_object_object_get_ex(lower, p, NULL))
				       ? 'C'
				       : 'A';
		}
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].kind = kind;
		v[n++].path = TAKE_PTR(p);
	}
	if (r != ARCHIVE_EOF)
		goto fail;
	if (n > 1)
		qsort(v, n, sizeof(*v), by_path);
	*ret = v;
	*ret_n = n;
	v = NULL;
	n = 0;
	rc = 0;
	goto out;
fail:
	pea_error_new(err, archive_errno(a) > 0 ? archive_errno(a) : EIO, "reading the changes: %s",
		      archive_error_string(a) ? archive_error_string(a) : "failed");
out:
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	archive_read_free(a);
	return rc;
}

/* Mount the image read-only to tell changed paths from added ones (-1: no image). */
static int image_root(const struct global_options *g, const char *image, int *ret_fd,
		      struct pea_error **err)
{
	const char *args[] = { "image", "mount", image, NULL };
	_cleanup_json_ struct json_object *res = NULL;
	const char *mp = NULL;

	*ret_fd = -1;
	if (!image)
		return 0;
	if (store_call(g, args, &res, err) < 0)
		return pea_error_wrap(err, "mounting image '%s'", image);
	if (pea_json_get_string_req(res, "", "mountpoint", &mp, err) < 0)
		return -1;
	*ret_fd = open(mp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*ret_fd < 0)
		return pea_error_errno(err, "open '%s'", mp);
	return 0;
}

static int container_changes(const struct global_options *g, const struct ctr_record *r,
			     struct change **ret, size_t *ret_n, struct pea_error **err)
{
	const char *args[] = { "container", "diff", r->id, NULL };
	const char *um[] = { "image", "unmount", r->image_id, NULL };
	_cleanup_close_ int fd = -1, pidfd = -1, imagefd = -1;
	_cleanup_error_ struct pea_error *e2 = NULL;
	pid_t pid;
	int rc;

	if (image_root(g, r->image_id, &imagefd, err) < 0)
		return -1;
	if (store_spawn_out(g, args, &fd, &pid, &pidfd, err) < 0) {
		rc = -1;
		goto out;
	}
	rc = read_changes(fd, imagefd, NULL, ret, ret_n, err);
	tar_drain(fd);
	fd = pea_close(fd);
	if (store_spawn_wait(pid, pidfd, "container diff", rc < 0 ? &e2 : err) < 0 && rc == 0)
		rc = -1;
out:
	imagefd = pea_close(imagefd);
	if (r->image_id)
		(void)store_call(g, um, NULL, NULL);
	return rc;
}

/* ---- external containers: their layer's folder against the image's ---------- */

struct walk {
	int *lowers; /* the image's layer folders, top first */
	size_t nlowers;
	struct change *v;
	size_t n;
};

/* Whether p (relative) is in one of the lower layers, the first that has it or hides it. */
static bool in_lowers(const struct walk *w, const char *p)
{
	for (size_t i = 0; i < w->nlowers; i++) {
		struct stat st;
		if (fstatat(w->lowers[i], p, &st, AT_SYMLINK_NOFOLLOW) == 0)
			/* a whiteout there: gone below this layer */
			return !(S_ISCHR(st.st_mode) && st.st_rdev == 0);
	}
	return false;
}

static void walk_add(struct walk *w, char kind, const char *rel)
{
	_cleanup_free_ char *p = xasprintf("/%s", rel);

	if (is_init_path(p))
		return;
	w->v = xreallocarray(w->v, w->n + 1, sizeof(*w->v));
	w->v[w->n].kind = kind;
	w->v[w->n++].path = TAKE_PTR(p);
}

/* Hand the changes over, sorted by path. */
static void walk_take(struct walk *w, struct change **ret, size_t *ret_n)
{
	if (w->n > 1)
		qsort(w->v, w->n, sizeof(*w->v), by_path);
	*ret = TAKE_PTR(w->v);
	*ret_n = w->n;
	w->n = 0;
}

static void walk_free_changes(struct walk *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i].path);
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

/*
 * The changes in an overlay upper folder (dfd, at rel): a whiteout (a 0:0 character
 * device) is a deletion, a path the image has a change, another an addition.
 */
static int walk_upper(struct walk *w, int dfd, const char *rel, int depth, struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int fd;

	if (depth > 256)
		return pea_error_new(err, ELOOP, "'%s': too deep", rel);
	fd = openat(dfd, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", rel);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return pea_error_errno(err, "read '%s'", rel);
	}
	while ((errno = 0, e = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		if (fstatat(dfd, p, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return pea_error_errno(err, "stat '%s'", p);
		if (S_ISCHR(st.st_mode) && st.st_rdev == 0) {
			walk_add(w, 'D', p);
			continue;
		}
		walk_add(w, in_lowers(w, p) ? 'C' : 'A', p);
		if (S_ISDIR(st.st_mode) && walk_upper(w, dfd, p, depth + 1, err) < 0)
			return -1;
	}
	if (errno)
		return pea_error_errno(err, "read '%s'", rel);
	return 0;
}

static int external_changes(const struct ext_ctr *x, struct change **ret, size_t *ret_n,
			    struct pea_error **err)
{
	_cleanup_free_ char *upper = NULL;
	_cleanup_strv_ char **lowers = NULL;
	_cleanup_close_ int ufd = -1;
	struct walk w = { 0 };
	int rc = -1;

	if (ext_layer_dirs(x, &upper, &lowers, err) < 0)
		return -1;
	ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ufd < 0)
		return pea_error_errno(err, "open '%s'", upper);
	w.lowers = xnew(int, pea_strv_length(lowers) + 1);
	for (size_t i = 0; lowers[i]; i++) {
		w.lowers[i] = open(lowers[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (w.lowers[i] < 0) {
			pea_error_errno(err, "open '%s'", lowers[i]);
			goto out;
		}
		w.nlowers++;
	}
	if (walk_upper(&w, ufd, "", 0, err) < 0)
		goto out;
	walk_take(&w, ret, ret_n);
	rc = 0;
out:
	for (size_t i = 0; i < w.nlowers; i++)
		close(w.lowers[i]);
	free(w.lowers);
	walk_free_changes(&w);
	return rc;
}

/* Drop path and what is under it from the set. */
static void set_remove_tree(struct json_object *set, const char *path)
{
	_cleanup_strv_ char **gone = NULL;
	size_t l = strlen(path);

	json_object_object_foreach(set, k, v)
	{
		(void)v;
		if (strncmp(k, path, l) == 0 && (k[l] == '/' || (k[l] == '\0' && l > 0)))
			pea_strv_push(&gone, k);
	}
	for (size_t i = 0; gone && gone[i]; i++)
		json_object_object_del(set, gone[i]);
}

/* Apply one layer's diff tar to the set of paths it lands on (whiteouts remove). */
static int apply_to_set(int fd, struct json_object *set, struct pea_error **err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r, rc = 0;

	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		r = ARCHIVE_FATAL;
		goto done;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		_cleanup_free_ char *p = entry_path(e);
		const char *base = strrchr(p, '/') + 1;

		if (strcmp(base, WHITEOUT_OPAQUE) == 0) {
			_cleanup_free_ char *dir = xstrndup(p, (size_t)(base - p - 1));
			set_remove_tree(set, dir); /* what was under it */
			json_object_object_add(set, *dir ? dir : "/", NULL);
		} else if (strncmp(base, WHITEOUT, strlen(WHITEOUT)) == 0) {
			_cleanup_free_ char *q =
				xasprintf("%.*s%s", (int)(base - p), p, base + strlen(WHITEOUT));
			json_object_object_del(set, q);
			set_remove_tree(set, q);
		} else {
			json_object_object_add(set, p, NULL);
		}
	}
done:
	if (r != ARCHIVE_EOF)
		rc = pea_error_new(err, archive_errno(a) > 0 ? archive_errno(a) : EIO,
				   "reading a layer: %s",
				   archive_error_string(a) ? archive_error_string(a) : "failed");
	archive_read_free(a);
	return rc;
}

/* pea-storage layer diff ID: applied to set, or (ret) read as changes against it. */
static int with_layer_diff(const struct global_options *g, const char *id, struct json_object *set,
			   struct change **ret, size_t *ret_n, struct pea_error **err)
{
	const char *args[] = { "layer", "diff", id, NULL };
	_cleanup_close_ int fd = -1, pidfd = -1;
	_cleanup_error_ struct pea_error *e2 = NULL;
	pid_t pid;
	int rc;

	if (store_spawn_out(g, args, &fd, &pid, &pidfd, err) < 0)
		return -1;
	rc = ret && ret_n ? read_changes(fd, -1, set, ret, ret_n, err) : apply_to_set(fd, set, err);
	tar_drain(fd);
	fd = pea_close(fd);
	if (store_spawn_wait(pid, pidfd, "layer diff", rc < 0 ? &e2 : err) < 0 && rc == 0)
		rc = -1;
	return rc;
}

/* An image: its top layer against the layers below it. */
static int image_changes(const struct global_options *g, struct json_object *rec,
			 struct change **ret, size_t *ret_n, struct pea_error **err)
{
	_cleanup_json_ struct json_object *lower = json_object_new_object();
	_cleanup_strv_ char **layers = NULL;
	size_t n;

	(void)pea_json_get_strv_opt(rec, "", "layers", &layers, NULL);
	n = pea_strv_length(layers);
	*ret = NULL;
	*ret_n = 0;
	if (n == 0)
		return 0;
	for (size_t i = 0; i + 1 < n; i++)
		if (with_layer_diff(g, layers[i], lower, NULL, NULL, err) < 0)
			return -1;
	return with_layer_diff(g, layers[n - 1], lower, ret, ret_n, err);
}

/* ---- two operands: the trees of two containers or images ------------------ */

/* A container's or an image's root mounted for the comparison, and how to let it go. */
struct tree {
	int fd;
	const char *um[4];
	char *id;
};

static void tree_release(const struct global_options *g, struct tree *t)
{
	t->fd = pea_close(t->fd);
	if (t->um[0])
		(void)store_call(g, t->um, NULL, NULL);
	free(t->id);
	*t = (struct tree){ .fd = -1 };
}

static int tree_mount(const struct global_options *g, const char *name, struct tree *t,
		      struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_json_ struct json_object *img = NULL, *res = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	const char *args[] = { NULL, "mount", NULL, NULL }, *mp = NULL, *id = NULL;

	*t = (struct tree){ .fd = -1 };
	if (record_lookup(g, name, &r, &e) == 0) {
		t->id = xstrdup(r->id);
		args[0] = "container";
	} else if (e->code == ENOENT && image_find(g, name, &img, NULL) == 0 &&
		   pea_json_get_string_req(img, "image", "id", &id, err) == 0) {
		t->id = xstrdup(id);
		args[0] = "image";
	} else if (e->code == ENOENT && !*err) {
		return pea_error_new(err, ENOENT,
				     "%s not found: no container or image with that name or ID",
				     name);
	} else {
		if (!*err)
			*err = TAKE_PTR(e);
		return -1;
	}
	args[2] = t->id;
	if (store_call(g, args, &res, err) < 0)
		return pea_error_wrap(err, "mounting %s '%s'", args[0], name);
	t->um[0] = args[0];
	t->um[1] = "unmount";
	t->um[2] = t->id;
	if (pea_json_get_string_req(res, "", "mountpoint", &mp, err) < 0)
		return -1;
	t->fd = open(mp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->fd < 0)
		return pea_error_errno(err, "open '%s'", mp);
	return 0;
}

/*
 * containers/storage's stat comparison (archive.ChangesDirs, its naive diff): mode,
 * owner, device; a folder's size and time are no change, a file's are (a zero
 * nanosecond part matches any).
 */
static bool stat_differ(const struct stat *a, const struct stat *b)
{
	if (a->st_mode != b->st_mode || a->st_uid != b->st_uid || a->st_gid != b->st_gid ||
	    a->st_rdev != b->st_rdev)
		return true;
	if (S_ISDIR(a->st_mode))
		return false;
	if (a->st_size != b->st_size || a->st_mtim.tv_sec != b->st_mtim.tv_sec)
		return true;
	return a->st_mtim.tv_nsec != b->st_mtim.tv_nsec && a->st_mtim.tv_nsec != 0 &&
	       b->st_mtim.tv_nsec != 0;
}

static void changes_add(struct walk *w, size_t at, char kind, const char *rel)
{
	w->v = xreallocarray(w->v, w->n + 1, sizeof(*w->v));
	memmove(w->v + at + 1, w->v + at, (w->n - at) * sizeof(*w->v));
	w->v[at].kind = kind;
	w->v[at].path = xasprintf("/%s", rel);
	w->n++;
}

/* An entry of a folder, or -1 (not there, or no folder: old is -1). */
static int entry_stat(int dfd, const char *name, struct stat *st)
{
	return dfd >= 0 ? fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) : -1;
}

/* A sub-folder, never through a symbolic link; -1 when it is none. */
static int sub_dir(int dfd, const char *name)
{
	return dfd >= 0 ? openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
}

/*
 * The folder rel of the new tree (nfd) against the old one's (ofd, -1: none there), as
 * archive.ChangesDirs: an entry the old folder lacks is added (and all under it), one
 * whose stat differs changed, one only the old folder has deleted (not what is under
 * it); a folder with changes under it that is itself no change is listed as changed.
 */
static int compare_dirs(struct walk *w, int nfd, int ofd, const char *rel, bool self_listed,
			int depth, struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	size_t at = w->n;
	int fd;

	if (depth > 256)
		return pea_error_new(err, ELOOP, "'%s': too deep", rel);
	fd = fcntl(nfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return pea_error_errno(err, "read '/%s'", rel);
	}
	while ((errno = 0, e = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		_cleanup_close_ int nsub = -1, osub = -1;
		struct stat nst, ost;
		bool listed = true;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		if (fstatat(nfd, e->d_name, &nst, AT_SYMLINK_NOFOLLOW) < 0)
			return pea_error_errno(err, "stat '/%s'", p);
		if (entry_stat(ofd, e->d_name, &ost) < 0)
			changes_add(w, w->n, 'A', p);
		else if (stat_differ(&ost, &nst))
			changes_add(w, w->n, 'C', p);
		else
			listed = false;
		if (!S_ISDIR(nst.st_mode))
			continue;
		nsub = sub_dir(nfd, e->d_name);
		if (nsub < 0)
			return pea_error_errno(err, "open '/%s'", p);
		osub = sub_dir(ofd, e->d_name);
		if (compare_dirs(w, nsub, osub, p, listed, depth + 1, err) < 0)
			return -1;
	}
	if (errno)
		return pea_error_errno(err, "read '/%s'", rel);
	if (ofd >= 0) {
		_cleanup_closedir_ DIR *od = NULL;
		fd = fcntl(ofd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0 || !(od = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			return pea_error_errno(err, "read '/%s'", rel);
		}
		while ((errno = 0, e = readdir(od))) {
			struct stat st;
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
			    fstatat(nfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
				continue;
			_cleanup_free_ char *p =
				*rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
			changes_add(w, w->n, 'D', p);
		}
		if (errno)
			return pea_error_errno(err, "read '/%s'", rel);
	}
	if (w->n > at && !self_listed && *rel)
		changes_add(w, at, 'C', rel);
	return 0;
}

/* podman diff NEW OLD: the changes from OLD's tree to NEW's (containers/storage's Changes). */
static int trees_changes(const struct global_options *g, const char *new_name, const char *old_name,
			 struct change **ret, size_t *ret_n, struct pea_error **err)
{
	struct tree nt = { .fd = -1 }, ot = { .fd = -1 };
	struct walk w = { 0 };
	size_t k = 0;
	int rc = -1;

	if (tree_mount(g, new_name, &nt, err) < 0 || tree_mount(g, old_name, &ot, err) < 0 ||
	    compare_dirs(&w, nt.fd, ot.fd, "", true, 0, err) < 0)
		goto out;
	/* what the engine makes in every container, left out as podman's GetDiff does */
	for (size_t i = 0; i < w.n; i++) {
		if (is_init_path(w.v[i].path))
			free(w.v[i].path);
		else
			w.v[k++] = w.v[i];
	}
	w.n = k;
	walk_take(&w, ret, ret_n);
	rc = 0;
out:
	walk_free_changes(&w);
	tree_release(g, &ot);
	tree_release(g, &nt);
	return rc;
}

static const char diff_usage[] =
	"Usage: pea diff [OPTIONS] CONTAINER|IMAGE [CONTAINER|IMAGE]\n"
	"\n"
	"Show the files a container (or an image's top layer) added (A), changed (C) or\n"
	"deleted (D); with a second container or image, the changes from its files to\n"
	"the first one's.\n"
	"\n"
	"      --format=json   as JSON: changed, added, deleted\n"
	"  -l, --latest        the container created last\n";

enum { OPT_FORMAT = 256 };

static void print_json(const struct change *v, size_t n)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	static const struct {
		char kind;
		const char *key;
	} keys[] = { { 'C', "changed" }, { 'A', "added" }, { 'D', "deleted" } };

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		struct json_object *a = NULL;
		for (size_t i = 0; i < n; i++) {
			if (v[i].kind != keys[k].kind)
				continue;
			if (!a)
				a = json_object_new_array();
			json_object_array_add(a, json_object_new_string(v[i].path));
		}
		if (a)
			json_object_object_add(o, keys[k].key, a);
	}
	fmt_print_json(stdout, o);
}

int cmd_diff(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "latest", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_json_ struct json_object *img = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_free_ char *latest = NULL;
	struct change *v = NULL;
	struct ext_ctr x = { 0 };
	bool json = false, want_latest = false;
	const char *target;
	size_t n = 0;
	int rc, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "hl", opts, diff_usage, &c, err)) == 2) {
		if (c == 'l') {
			want_latest = true;
			continue;
		}
		if (strcmp(optarg, "json") != 0)
			return pea_error_new(err, EINVAL,
					     "unknown --format argument: %s (only json)", optarg);
		json = true;
	}
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	if (want_latest) {
		if (argc - optind != 0)
			return pea_error_new(err, EINVAL,
					     "--latest and containers cannot be used together");
		if (container_latest(g, &latest, err) < 0)
			return -1;
	} else if (argc - optind < 1) {
		return pea_error_new(err, EINVAL,
				     "\"%s %s\" requires a name, id, or the \"--latest\" flag",
				     frontend_progname(), cmd_path_get());
	}
	target = latest ? latest : argv[optind];
	if (!latest && argc - optind == 2) {
		if (trees_changes(g, target, argv[optind + 1], &v, &n, err) < 0)
			return -1;
	} else if (record_lookup(g, target, &r, &e) == 0) {
		if (container_changes(g, r, &v, &n, err) < 0)
			return -1;
	} else if (e->code == ENOENT && (rc = ext_find(g, target, &x, err)) != 0) {
		/* a container of a store that pea did not make (buildah's, pea-storage's) */
		struct ctr_record own = { .id = x.id,
					  .image_id =
						  x.image_id && *x.image_id ? x.image_id : NULL };
		if (rc > 0 && x.pea_store)
			rc = container_changes(g, &own, &v, &n, err);
		else
			rc = rc < 0 ? -1 : external_changes(&x, &v, &n, err);
		ext_ctr_clear(&x);
		if (rc < 0)
			return -1;
	} else if (e->code == ENOENT && image_find(g, target, &img, NULL) == 0) {
		if (image_changes(g, img, &v, &n, err) < 0)
			return -1;
	} else {
		if (e->code == ENOENT)
			return pea_error_new(
				err, ENOENT,
				"%s not found: no container or image with that name or "
				"ID",
				target);
		*err = TAKE_PTR(e);
		return -1;
	}
	if (json)
		print_json(v, n);
	else
		for (size_t i = 0; i < n; i++)
			printf("%c %s\n", v[i].kind, v[i].path);
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	return 0;
}

/* ---- export -------------------------------------------------------------- */

static int export_to(const struct global_options *g, const struct ctr_record *r, int out,
		     struct pea_error **err)
{
	const char *args[] = { "container", "mount", r->id, NULL };
	const char *um[] = { "container", "unmount", r->id, NULL };
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_close_ int rootfd = -1;
	const char *mp = NULL;
	int rc = -1;

	if (store_call(g, args, &res, err) < 0)
		return pea_error_wrap(err, "mounting container '%s'", r->name);
	if (pea_json_get_string_req(res, "", "mountpoint", &mp, err) < 0)
		goto out;
	rootfd = open(mp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		pea_error_errno(err, "open '%s'", mp);
		goto out;
	}
	rc = cp_write_tar(rootfd, ".", ".", out, err);
out:
	rootfd = pea_close(rootfd);
	(void)store_call(g, um, NULL, NULL);
	return rc;
}

static const char export_usage[] = "Usage: pea export [OPTIONS] CONTAINER\n"
				   "\n"
				   "Write the root filesystem of a container as a tar.\n"
				   "\n"
				   "  -o, --output=FILE   to FILE instead of standard output\n";

int cmd_export(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_free_ char *output = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int rc, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "ho:", opts, export_usage, &c, err)) == 2) {
		free(output);
		output = xstrdup(optarg);
	}
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	if (!output && isatty(STDOUT_FILENO))
		return pea_error_new(err, EINVAL,
				     "refusing to export to terminal. Use -o flag or redirect");
	if (record_lookup(g, argv[optind], &r, err) < 0)
		return -1;
	if (!output)
		return export_to(g, r, STDOUT_FILENO, err);
	/* a file is written whole or not at all */
	tmp = xasprintf("%s.tmp.%d", output, getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return pea_error_errno(err, "create '%s'", output);
	if (export_to(g, r, fd, err) < 0 || fsync(fd) < 0 || rename(tmp, output) < 0) {
		if (!*err)
			pea_error_errno(err, "write '%s'", output);
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}
