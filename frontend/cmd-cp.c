/*
 * cp: copy files between a container and the host, or a tar stream
 * (podman-cp(1)). Every path inside a container is resolved with
 * RESOLVE_IN_ROOT against its root (the init's /proc/PID/root while it runs,
 * so its mounts are seen; else the root mounted through pea-storage), so no
 * symlink or ".." in the container can reach the host. A copy is a source
 * (a file tree or a tar on stdin) feeding a sink (a directory or a tar on
 * stdout), entry by entry, through libarchive's entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/volumes-run.h"

#define CP_MAX_DEPTH 256
#define PASSWD_MAX   (4u << 20)

/* Where entries go: a directory (root-confined) or a tar writer. */
struct sink {
	struct archive *tar; /* tar on stdout, else a directory */
	int rootfd;	     /* paths resolve in this root */
	char *dir;	     /* the destination folder, relative to rootfd */
	bool chown;	     /* set the owner below */
	bool overwrite;	     /* a file may replace a directory and the reverse */
	bool keep_owner;     /* the entry's owner (else uid/gid) */
	uid_t uid;
	gid_t gid;
};

/* One side of the copy: a container (held mounted or running) or the host. */
struct side {
	struct ctr_record *rec; /* NULL: the host */
	char *path;
	char *arg;    /* the path as the user wrote it, for messages */
	int rootfd;   /* container root */
	bool mounted; /* we mounted it (unmount after) */
};

static void side_clear(const struct global_options *g, struct side *s)
{
	pea_close(s->rootfd); /* before the unmount: it holds the mount busy */
	if (s->mounted) {
		const char *um[] = { "container", "unmount", s->rec->id, NULL };
		_cleanup_error_ struct pea_error *e = NULL;
		if (store_call(g, um, NULL, &e) < 0)
			log_warning("unmounting container '%s': %s, ignoring", s->rec->name,
				    e->message);
	}
	ctr_record_free(s->rec);
	free(s->path);
	free(s->arg);
}

/* "name:path" names a container unless it starts like a host path. */
static void split_arg(const char *arg, char **ret_ctr, char **ret_path)
{
	const char *colon = strchr(arg, ':');

	*ret_ctr = NULL;
	if (arg[0] == '/' || arg[0] == '.' || !colon || colon == arg) {
		*ret_path = xstrdup(arg);
		return;
	}
	*ret_ctr = xstrndup(arg, (size_t)(colon - arg));
	*ret_path = xstrdup(colon + 1);
}

/* Open the container's root: its running init's, or mounted through pea-storage. */
static int side_open(struct global_options *g, const char *name, struct side *s, int *lock,
		     struct pea_error **err)
{
	_cleanup_json_ struct json_object *res = NULL;
	const char *args[] = { "container", "mount", NULL, NULL };
	const char *mp = NULL;

	if (record_lookup(g, name, &s->rec, err) < 0)
		return -1;
	(void)record_refresh(g, s->rec, NULL);
	if (s->rec->state == CTR_RUNNING && s->rec->pid > 0) {
		_cleanup_free_ char *root = xasprintf("/proc/%d/root", s->rec->pid);
		s->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (s->rootfd >= 0)
			return 0;
	}
	/* stopped: keep it so (no start meanwhile) while its root is mounted here */
	if (*lock < 0 && record_lock(g, s->rec->id, false, lock, err) < 0)
		return -1;
	args[2] = s->rec->id;
	if (store_call(g, args, &res, err) < 0)
		return pea_error_wrap(err, "mounting container '%s'", name);
	s->mounted = true;
	if (pea_json_get_string_req(res, "", "mountpoint", &mp, err) < 0)
		return -1;
	s->rootfd = open(mp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0)
		return pea_error_errno(err, "open '%s'", mp);
	return 0;
}

/*
 * A relative path in a container is relative to its working directory, as
 * podman's: the record's (--workdir, else the image's), "/" without one.
 */
static void side_resolve_relative(struct side *s)
{
	const char *cwd = NULL;
	char *path;

	if (!s->rec || s->path[0] == '/')
		return;
	if (pea_json_get_string_opt(s->rec->opts, "", "workdir", &cwd, NULL) != 1 || !cwd ||
	    cwd[0] != '/')
		cwd = "/";
	path = xasprintf("%s%s%s", cwd, cwd[strlen(cwd) - 1] == '/' ? "" : "/", s->path);
	free(s->path);
	s->path = path;
}

/*
 * An absolute path made clean as Go's filepath.Clean makes it: no ".", no
 * "..", no double "/"; ".." stops at "/". A trailing "/" or "/." is kept (it
 * means "a directory" or "its content" to cp).
 */
static char *path_clean(const char *p)
{
	_cleanup_strv_ char **parts = pea_strv_split(p, "/");
	_cleanup_strv_ char **keep = NULL;
	_cleanup_free_ char *joined = NULL;
	size_t l = strlen(p), n = 0;
	const char *tail = "";

	for (size_t i = 0; parts && parts[i]; i++) {
		if (!*parts[i] || strcmp(parts[i], ".") == 0)
			continue;
		if (strcmp(parts[i], "..") == 0) {
			n = pea_strv_length(keep);
			if (n > 0) {
				free(keep[n - 1]);
				keep[n - 1] = NULL;
			}
			continue;
		}
		pea_strv_push(&keep, parts[i]);
	}
	if (l >= 2 && strcmp(p + l - 2, "/.") == 0)
		tail = "/.";
	else if (l > 1 && p[l - 1] == '/')
		tail = "/";
	joined = keep ? pea_strv_join(keep, "/") : xstrdup("");
	if (!*joined)
		return xstrdup(*tail == '/' && tail[1] == '.' ? "/." : "/");
	return xasprintf("/%s%s", joined, tail);
}

/*
 * Follow the symlink a container path ends in, inside the container: podman
 * copies what a source symlink points to and writes where a destination
 * symlink points (a link to a host path leads nowhere in the container).
 */
static void side_follow(struct side *s)
{
	char *path = path_clean(s->path);

	for (int hops = 0; hops < 40; hops++) {
		_cleanup_free_ char *parent = NULL, *base = NULL, *joined = NULL;
		_cleanup_close_ int pfd = -1;
		char target[PATH_MAX + 1];
		const char *slash = strrchr(path, '/');
		ssize_t n;

		/* "dir/" and "dir/." name the directory itself, not what it may link to */
		if (!slash || !slash[1] || strcmp(slash, "/.") == 0)
			break;
		parent = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
		base = xstrdup(slash + 1);
		if (pea_open_in_root(s->rootfd, parent, O_PATH | O_DIRECTORY, 0, &pfd, NULL) < 0)
			break;
		n = readlinkat(pfd, base, target, PATH_MAX);
		if (n <= 0)
			break;
		target[n] = '\0';
		joined = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", parent, target);
		free(path);
		path = path_clean(joined);
	}
	free(s->path);
	s->path = path;
}

/*
 * A host destination that is a symlink is written through, never replaced
 * (cp to /dev/stdout when it is a file writes that file).
 */
static void host_follow(struct side *s)
{
	size_t l = strlen(s->path);
	char *real;

	if (strcmp(s->path, "-") == 0 || (l > 0 && s->path[l - 1] == '/'))
		return;
	real = realpath(s->path, NULL);
	if (!real)
		return;
	free(s->path);
	s->path = real;
}

/*
 * A container that does not run has its volumes and bind mounts elsewhere:
 * a path below one (the deepest) is a path in the volume's folder on the host.
 */
static int side_redirect_mounts(const struct global_options *g, struct side *s,
				struct pea_error **err)
{
	struct json_object *vols = NULL, *best = NULL;
	const char *dest = NULL, *rest = NULL, *type = NULL, *src = NULL;
	_cleanup_free_ char *dir = NULL;
	size_t best_len = 0;
	int fd;

	if (!s->mounted || !json_object_object_get_ex(s->rec->opts, "volumes", &vols) ||
	    !json_object_is_type(vols, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		struct json_object *v = json_object_array_get_idx(vols, i);
		size_t l;

		if (pea_json_get_string_opt(v, "volumes", "destination", &dest, NULL) != 1)
			continue;
		l = strlen(dest);
		while (l > 1 && dest[l - 1] == '/')
			l--;
		if (l > best_len && strncmp(s->path, dest, l) == 0 &&
		    (s->path[l] == '\0' || s->path[l] == '/')) {
			best = v;
			best_len = l;
		}
	}
	if (!best)
		return 0;
	(void)pea_json_get_string_opt(best, "volumes", "type", &type, NULL);
	if (pea_json_get_string_opt(best, "volumes", "source", &src, NULL) != 1)
		return 0;
	if (type && strcmp(type, "volume") == 0)
		dir = volume_data_dir(g, src);
	else if (!type || strcmp(type, "bind") == 0)
		dir = xstrdup(src);
	else
		return 0; /* tmpfs, image, overlay: in the container's root until it runs */
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	pea_close(s->rootfd);
	s->rootfd = fd;
	rest = s->path + best_len;
	{
		char *p = xstrdup(*rest ? rest : "/");
		free(s->path);
		s->path = p;
	}
	return 0;
}

/* Open path on a side (O_PATH, following symlinks but in the container's root). */
static int side_open_path(const struct side *s, const char *path, int flags, int *ret_fd)
{
	int fd;

	if (s->rec)
		return pea_open_in_root(s->rootfd, *path ? path : "/", flags, 0, ret_fd, NULL);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

static const char *where(const struct side *s, char **buf)
{
	if (!s->rec)
		return "the host";
	*buf = xasprintf("container %s", s->rec->name);
	return *buf;
}

static int not_found(const struct side *s, const char *path, int code, struct pea_error **err)
{
	_cleanup_free_ char *w = NULL;

	/* podman's words: Go's lower-case text of ENOENT */
	if (code == ENOENT)
		return pea_error_new(err, code,
				     "\"%s\" could not be found on %s: no such file or directory",
				     path, where(s, &w));
	return pea_error_code(err, code, "\"%s\" could not be found on %s", path, where(s, &w));
}

/* ---- sinks ------------------------------------------------------------- */

static int tar_fail(struct archive *a, const char *what, struct pea_error **err)
{
	int code = archive_errno(a) > 0 ? archive_errno(a) : EIO;
	const char *m = archive_error_string(a);

	return pea_error_new(err, code, "%s: %s", what, m ? m : "failed");
}

/* An entry's path without leading "/" and "./"; ".." is refused. New string or NULL. */
static char *clean_name(const char *p)
{
	_cleanup_strv_ char **parts = pea_strv_split(p, "/");
	char **keep = NULL, *s;

	for (size_t i = 0; parts && parts[i]; i++) {
		if (strcmp(parts[i], ".") == 0)
			continue;
		if (strcmp(parts[i], "..") == 0) {
			pea_strv_free(keep);
			return NULL;
		}
		pea_strv_push(&keep, parts[i]);
	}
	s = pea_strv_join(keep, "/");
	pea_strv_free(keep);
	return s;
}

static int copy_data_to_fd(struct archive *src_tar, int src_fd, int out, const char *name,
			   struct pea_error **err)
{
	char buf[65536];

	for (;;) {
		ssize_t n = src_tar ? archive_read_data(src_tar, buf, sizeof(buf))
				    : read(src_fd, buf, sizeof(buf));
		if (n < 0 && !src_tar && errno == EINTR)
			continue;
		if (n < 0)
			return src_tar ? tar_fail(src_tar, name, err)
				       : pea_error_errno(err, "read '%s'", name);
		if (n == 0)
			return 0;
		if (pea_write_all(out, buf, (size_t)n, err) < 0)
			return pea_error_wrap(err, "'%s'", name);
	}
}

/*
 * Remove what is in the way of a new entry (not a directory that stays one).
 * Without --overwrite, a directory and a non-directory do not replace each
 * other: podman's "error creating" with the path in the destination's root.
 */
static int clear_way(int dfd, const char *base, const char *full, bool want_dir, bool overwrite,
		     struct pea_error **err)
{
	_cleanup_free_ char *shown = NULL;
	struct stat st;

	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : pea_error_errno(err, "stat '%s'", base);
	if (S_ISDIR(st.st_mode) && want_dir)
		return 0;
	if ((S_ISDIR(st.st_mode) || want_dir) && !overwrite) {
		_cleanup_free_ char *c = clean_name(full);
		shown = xasprintf("/%s", c ? c : base);
		return pea_error_new(err, EEXIST,
				     "copying: error creating \"%s\": a %s is in the way of a %s "
				     "(--overwrite replaces it): file exists",
				     shown, S_ISDIR(st.st_mode) ? "directory" : "non-directory",
				     want_dir ? "directory" : "non-directory");
	}
	if (S_ISDIR(st.st_mode))
		return pea_rm_rf_at(dfd, base, err);
	if (unlinkat(dfd, base, 0) < 0)
		return pea_error_errno(err, "remove '%s'", base);
	return 0;
}

static int set_meta(const struct sink *k, int dfd, const char *base, struct archive_entry *e,
		    bool is_link, struct pea_error **err)
{
	uid_t uid = k->keep_owner ? (uid_t)archive_entry_uid(e) : k->uid;
	gid_t gid = k->keep_owner ? (gid_t)archive_entry_gid(e) : k->gid;
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
				  { archive_entry_mtime(e), archive_entry_mtime_nsec(e) } };

	if (k->chown && fchownat(dfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return pea_error_errno(err, "chown '%s'", base);
	if (!is_link && fchmodat(dfd, base, archive_entry_perm(e), 0) < 0)
		return pea_error_errno(err, "chmod '%s'", base);
	(void)utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/* Write one entry under k->dir; its data from src_tar or src_fd. */
static int sink_dir_entry(const struct sink *k, struct archive_entry *e, struct archive *src_tar,
			  int src_fd, struct pea_error **err)
{
	_cleanup_free_ char *name = clean_name(archive_entry_pathname(e)), *full = NULL;
	_cleanup_free_ char *parent = NULL;
	_cleanup_close_ int dfd = -1, fd = -1;
	mode_t type = archive_entry_filetype(e);
	const char *base, *hl = archive_entry_hardlink(e);

	if (!name)
		return pea_error_new(err, EPERM, "'%s': the entry leaves the destination",
				     archive_entry_pathname(e));
	full = *name ? xasprintf("%s/%s", k->dir, name) : xstrdup(k->dir);
	base = strrchr(full, '/');
	parent = base ? xstrndup(full, (size_t)(base - full)) : xstrdup(".");
	base = base ? base + 1 : full;
	if (!*name) {
		/* the destination folder itself ("." of a tar): only its metadata */
		if (type != AE_IFDIR)
			return pea_error_new(err, ENOTDIR, "'.' of the stream is not a directory");
		return 0;
	}
	if (pea_mkdir_p_at(k->rootfd, *parent ? parent : "/", 0755, &dfd, err) < 0)
		return -1;
	if (hl) {
		_cleanup_free_ char *hn = clean_name(hl), *hfull = NULL;
		_cleanup_close_ int tfd = -1;
		if (!hn || !*hn)
			return pea_error_new(err, EPERM, "'%s': its link leaves the destination",
					     name);
		hfull = xasprintf("%s/%s", k->dir, hn);
		if (pea_open_in_root(k->rootfd, hfull, O_PATH | O_NOFOLLOW, 0, &tfd, err) < 0 ||
		    clear_way(dfd, base, full, false, k->overwrite, err) < 0)
			return pea_error_wrap(err, "hard link '%s'", name);
		if (linkat(tfd, "", dfd, base, AT_EMPTY_PATH) < 0)
			return pea_error_errno(err, "hard link '%s'", name);
		return 0;
	}
	if (clear_way(dfd, base, full, type == AE_IFDIR, k->overwrite, err) < 0)
		return -1;
	switch (type) {
	case AE_IFDIR:
		if (mkdirat(dfd, base, 0700) < 0 && errno != EEXIST)
			return pea_error_errno(err, "mkdir '%s'", name);
		break;
	case AE_IFREG:
		fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return pea_error_errno(err, "create '%s'", name);
		if (copy_data_to_fd(src_tar, src_fd, fd, name, err) < 0)
			return -1;
		break;
	case AE_IFLNK:
		if (symlinkat(archive_entry_symlink(e) ? archive_entry_symlink(e) : "", dfd, base) <
		    0)
			return pea_error_errno(err, "symlink '%s'", name);
		return set_meta(k, dfd, base, e, true, err);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		if (mknodat(dfd, base, type | 0600, archive_entry_rdev(e)) < 0)
			return pea_error_errno(err, "mknod '%s'", name);
		break;
	default:
		return 0; /* sockets and the like are not copied */
	}
	return set_meta(k, dfd, base, e, false, err);
}

static int sink_entry(const struct sink *k, struct archive_entry *e, struct archive *src_tar,
		      int src_fd, struct pea_error **err)
{
	if (!k->tar)
		return sink_dir_entry(k, e, src_tar, src_fd, err);
	if (archive_write_header(k->tar, e) != ARCHIVE_OK)
		return tar_fail(k->tar, archive_entry_pathname(e), err);
	if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0) {
		char buf[65536];
		for (;;) {
			ssize_t n = read(src_fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return pea_error_errno(err, "read '%s'", archive_entry_pathname(e));
			if (n == 0)
				break;
			if (archive_write_data(k->tar, buf, (size_t)n) < 0)
				return tar_fail(k->tar, archive_entry_pathname(e), err);
		}
	}
	return 0;
}

/* ---- sources ----------------------------------------------------------- */

/* Walk dfd/base (not following it) as entry name; directories recursively. */
static int walk(const struct sink *k, int dfd, const char *base, const char *name, int depth,
		struct pea_error **err)
{
	struct archive_entry *e = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	int rc = -1;

	if (depth > CP_MAX_DEPTH)
		return pea_error_new(err, ELOOP, "'%s': too deep", name);
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return pea_error_errno(err, "stat '%s'", name);
	e = archive_entry_new();
	archive_entry_copy_stat(e, &st);
	archive_entry_set_pathname(e, name);
	archive_entry_set_nlink(e, 1);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(dfd, base, target, PATH_MAX);
		if (n < 0) {
			pea_error_errno(err, "readlink '%s'", name);
			goto out;
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
		archive_entry_set_size(e, 0);
	} else if (S_ISREG(st.st_mode)) {
		fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			pea_error_errno(err, "open '%s'", name);
			goto out;
		}
	} else if (!S_ISDIR(st.st_mode)) {
		archive_entry_set_size(e, 0);
	}
	if (S_ISDIR(st.st_mode))
		archive_entry_set_size(e, 0);
	/* the top of a "." walk is the destination itself: only what it holds goes */
	if (strcmp(name, ".") != 0 && sink_entry(k, e, NULL, fd, err) < 0)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *de;
		int sub = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (sub < 0 || !(d = fdopendir(sub))) {
			pea_error_errno(err, "open '%s'", name);
			pea_close(sub);
			goto out;
		}
		while ((de = readdir(d))) {
			_cleanup_free_ char *child = NULL;
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			child = strcmp(name, ".") == 0 ? xstrdup(de->d_name)
						       : xasprintf("%s/%s", name, de->d_name);
			if (walk(k, dirfd(d), de->d_name, child, depth + 1, err) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	archive_entry_free(e);
	return rc;
}

/* from_stdin: a stream that is no tar at all is cp's "source must be a tar" */
static int read_tar(const struct sink *k, int in, bool from_stdin, struct pea_error **err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r, rc = -1;
	size_t entries = 0;

	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_fd(a, in, 65536) != ARCHIVE_OK) {
		if (from_stdin)
			pea_error_new(err, EINVAL,
				      "source must be a (compressed) tar archive when copying "
				      "from stdin");
		else
			tar_fail(a, "reading the tar stream", err);
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		entries++;
		if (sink_dir_entry(k, e, a, -1, err) < 0)
			goto out;
	}
	if (r != ARCHIVE_EOF && entries == 0 && from_stdin) {
		pea_error_new(err, EINVAL,
			      "source must be a (compressed) tar archive when copying from stdin");
		goto out;
	}
	if (r != ARCHIVE_EOF) {
		tar_fail(a, "reading the tar stream", err);
		goto out;
	}
	tar_drain(in);
	rc = 0;
out:
	archive_read_free(a);
	return rc;
}

int cp_read_tar(int rootfd, int in_fd, struct pea_error **err)
{
	struct sink k = { .rootfd = rootfd,
			  .dir = (char *)".",
			  .overwrite = true,
			  .chown = true,
			  .keep_owner = true };

	return read_tar(&k, in_fd, false, err);
}

int cp_write_tar(int dirfd, const char *base, const char *name, int out_fd, struct pea_error **err)
{
	struct sink k = { .rootfd = -1 };
	int rc = -1;

	k.tar = archive_write_new();
	archive_write_set_format_pax_restricted(k.tar);
	/*
	 * The last record padded to its full 10 KiB, as GNU tar writes them, into a
	 * file too (libarchive pads only to a device or standard output): GNU tar 1.34's
	 * --delete loses the entries of a short last record (podman 4.3.1's 125-import
	 * deletes from an export and found its busybox gone)
	 */
	archive_write_set_bytes_in_last_block(k.tar, 0);
	if (archive_write_open_fd(k.tar, out_fd) != ARCHIVE_OK) {
		tar_fail(k.tar, "writing the tar stream", err);
		goto out;
	}
	rc = walk(&k, dirfd, base, name, 0, err);
	if (rc == 0 && archive_write_close(k.tar) != ARCHIVE_OK)
		rc = tar_fail(k.tar, "writing the tar stream", err);
out:
	archive_write_free(k.tar);
	return rc;
}

/* ---- the container's user, for --archive ------------------------------- */

/* Field (2: uid, 3: gid) of name in the container's file (/etc/passwd, /etc/group). */
static long long lookup_db(int rootfd, const char *file, const char *name, int field)
{
	_cleanup_free_ char *db = rootfs_read_file(rootfd, file, PASSWD_MAX);

	return db ? passwd_field_of(db, name, field) : -1;
}

static long long user_part(int rootfd, const char *s, size_t len, bool group)
{
	_cleanup_free_ char *part = xstrndup(s, len);
	char *end = NULL;
	long long v;

	if (!*part)
		return -1;
	v = strtoll(part, &end, 10);
	if (*end == '\0' && v >= 0)
		return v;
	return lookup_db(rootfd, group ? "/etc/group" : "/etc/passwd", part, 2);
}

/* uid and gid of the container's user (its --user, else root). */
static void container_owner(const struct side *s, uid_t *ret_uid, gid_t *ret_gid)
{
	const char *user = NULL, *colon;
	long long uid = 0, gid = 0;

	*ret_uid = 0;
	*ret_gid = 0;
	if (pea_json_get_string_opt(s->rec->opts, "", "user", &user, NULL) != 1 || !*user)
		return;
	colon = strchr(user, ':');
	uid = user_part(s->rootfd, user, colon ? (size_t)(colon - user) : strlen(user), false);
	if (colon)
		gid = user_part(s->rootfd, colon + 1, strlen(colon + 1), true);
	else if (uid >= 0) {
		_cleanup_free_ char *name = xstrdup(user);
		gid = lookup_db(s->rootfd, "/etc/passwd", name, 3);
		if (gid < 0)
			gid = 0;
	}
	*ret_uid = uid >= 0 ? (uid_t)uid : 0;
	*ret_gid = gid >= 0 ? (gid_t)gid : 0;
}

/* ---- the command ------------------------------------------------------- */

struct cp_opts {
	bool archive, overwrite;
};

static bool ends_with_dot(const char *p)
{
	size_t l = strlen(p);

	return (l >= 2 && strcmp(p + l - 2, "/.") == 0) || strcmp(p, ".") == 0;
}

static char *base_of(const char *p)
{
	_cleanup_strv_ char **parts = pea_strv_split(p, "/");
	size_t n = pea_strv_length(parts);

	return xstrdup(n ? parts[n - 1] : ".");
}

static char *dir_of(const char *p)
{
	const char *slash;
	size_t l = strlen(p);

	while (l > 1 && p[l - 1] == '/')
		l--;
	slash = memrchr(p, '/', l);
	if (!slash)
		return xstrdup(".");
	if (slash == p)
		return xstrdup("/");
	return xstrndup(p, (size_t)(slash - p));
}

/* Copy src (a path on its side) to the sink; name is the top entry's name. */
static int copy_tree(const struct side *src, const struct sink *k, const char *name,
		     struct pea_error **err)
{
	_cleanup_free_ char *parent = dir_of(src->path), *base = base_of(src->path);
	_cleanup_close_ int pfd = -1;
	int r;

	if (ends_with_dot(src->path)) {
		free(parent);
		parent = xstrdup(src->path);
		free(base);
		base = xstrdup(".");
	}
	r = side_open_path(src, parent, O_PATH | O_DIRECTORY, &pfd);
	if (r < 0)
		return not_found(src, src->arg, -r, err);
	if (!pea_path_exists_at(pfd, base) && strcmp(base, ".") != 0)
		return not_found(src, src->arg, ENOENT, err);
	return walk(k, pfd, base, name, 0, err);
}

/* The destination folder and the top entry's name, by docker's cp rules. */
static int plan_dest(const struct side *src, const struct side *dst, bool src_is_dir,
		     struct sink *k, char **ret_name, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t l = strlen(dst->path);
	bool trailing = l > 0 && dst->path[l - 1] == '/';
	int r;

	r = side_open_path(dst, dst->path, O_PATH, &fd);
	if (r == 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		k->dir = xstrdup(dst->path);
		*ret_name = ends_with_dot(src->path) ? xstrdup(".") : base_of(src->arg);
		if (strcmp(*ret_name, "/") == 0 || !**ret_name) {
			free(*ret_name);
			*ret_name = xstrdup(".");
		}
		return 0;
	}
	if (r == 0 && !dst->rec && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
		return pea_error_new(err, EINVAL,
				     "invalid destination: \"%s\" must be a directory or a "
				     "regular file",
				     dst->arg);
	if (r == 0 && src_is_dir)
		return pea_error_new(err, ENOTDIR,
				     "destination must be a directory when copying a directory");
	if (r < 0 && r != -ENOENT)
		return not_found(dst, dst->arg, -r, err);
	if (r < 0 && trailing)
		return not_found(dst, dst->arg, ENOENT, err);
	{
		_cleanup_close_ int pfd = -1;
		_cleanup_free_ char *parent = dir_of(dst->path);
		r = side_open_path(dst, parent, O_PATH | O_DIRECTORY, &pfd);
		if (r < 0)
			return not_found(dst, parent, -r, err);
		k->dir = TAKE_PTR(parent);
	}
	*ret_name = base_of(dst->path);
	return 0;
}

static int src_is_dir(const struct side *s)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (side_open_path(s, s->path, O_PATH, &fd) < 0 || fstat(fd, &st) < 0)
		return 0;
	return S_ISDIR(st.st_mode);
}

/* The sink's root for a destination on a side: the container's, or the host folder itself. */
static int sink_root(const struct side *dst, struct sink *k, struct pea_error **err)
{
	if (dst->rec) {
		k->rootfd = fcntl(dst->rootfd, F_DUPFD_CLOEXEC, 3);
		if (k->rootfd < 0)
			return pea_error_errno(err, "dup");
		return 0;
	}
	k->rootfd = open(k->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (k->rootfd < 0)
		return pea_error_errno(err, "open '%s'", k->dir);
	free(k->dir);
	k->dir = xstrdup("/");
	return 0;
}

static int do_copy(struct side *src, struct side *dst, const struct cp_opts *o,
		   struct pea_error **err)
{
	struct sink k = { .rootfd = -1, .chown = true, .keep_owner = true };
	_cleanup_free_ char *name = NULL;
	int rc = -1;

	k.overwrite = o->overwrite;
	if (dst->rec && o->archive) {
		container_owner(dst, &k.uid, &k.gid);
		k.keep_owner = false;
	}
	if (strcmp(src->path, "-") == 0 && !src->rec) {
		/* a tar on stdin into a folder that exists */
		_cleanup_close_ int fd = -1;
		struct stat st;
		int r = side_open_path(dst, dst->path, O_PATH, &fd);
		if (r < 0 && r != -ENOENT)
			return not_found(dst, dst->arg, -r, err);
		if (r < 0 || fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
			return pea_error_new(err, ENOTDIR,
					     "destination must be a directory when copying from "
					     "stdin");
		k.dir = xstrdup(dst->path);
		if (sink_root(dst, &k, err) < 0)
			goto out;
		rc = read_tar(&k, STDIN_FILENO, true, err);
		goto out;
	}
	if (strcmp(dst->path, "-") == 0 && !dst->rec) {
		k.tar = archive_write_new();
		archive_write_set_format_pax_restricted(k.tar);
		if (archive_write_open_fd(k.tar, STDOUT_FILENO) != ARCHIVE_OK) {
			tar_fail(k.tar, "writing the tar stream", err);
			goto out;
		}
		name = ends_with_dot(src->path) ? xstrdup(".") : base_of(src->arg);
		rc = copy_tree(src, &k, strcmp(name, "/") == 0 ? "." : name, err);
		if (rc == 0 && archive_write_close(k.tar) != ARCHIVE_OK)
			rc = tar_fail(k.tar, "writing the tar stream", err);
		goto out;
	}
	if (plan_dest(src, dst, src_is_dir(src), &k, &name, err) < 0 || sink_root(dst, &k, err) < 0)
		goto out;
	rc = copy_tree(src, &k, name, err);
out:
	if (k.tar)
		archive_write_free(k.tar);
	pea_close(k.rootfd);
	free(k.dir);
	return rc;
}

static const char cp_usage[] =
	"Usage: pea cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
	"       pea cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH\n"
	"\n"
	"Copy files between a container and the host; '-' is a tar stream on\n"
	"standard input or output.\n"
	"\n"
	"  -a, --archive[=BOOL]    chown what is copied into a container to its user\n"
	"                          (default true; false keeps the owners)\n"
	"      --overwrite         replace a directory by a file and the reverse\n"
	"      --pause[=BOOL]      accepted (pea copies without pausing the container)\n"
	"\n"
	"A relative path in a container is relative to its working directory.\n";

enum { OPT_OVERWRITE = 256, OPT_PAUSE };

int cmd_cp(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "archive", optional_argument, NULL, 'a' },
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "pause", optional_argument, NULL, OPT_PAUSE },
		{ NULL, 0, NULL, 0 },
	};
	struct cp_opts o = { .archive = true };
	bool pause = true;
	struct side src = { .rootfd = -1 }, dst = { .rootfd = -1 };
	_cleanup_close_ int lock = -1; /* records lock while a stopped container is mounted */
	_cleanup_free_ char *sc = NULL, *dc = NULL;
	int r, c = 0, rc = -1;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "ha::", opts, cp_usage, &c, err)) == 2) {
		/* pflag's -a=false: the short option's value after '=' */
		const char *val = c == 'a' && optarg && optarg[0] == '=' ? optarg + 1 : optarg;
		if (c == 'a' && parse_bool_arg("-a, --archive", val, &o.archive, err) < 0)
			return -1;
		if (c == OPT_OVERWRITE)
			o.overwrite = true;
		/* podman's --pause: pea copies through the running root without pausing */
		if (c == OPT_PAUSE && parse_bool_arg("--pause", optarg, &pause, err) < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind != 2)
		return check_nargs(argc - optind, 2, 2, err);
	split_arg(argv[optind], &sc, &src.path);
	split_arg(argv[optind + 1], &dc, &dst.path);
	src.arg = xstrdup(src.path);
	dst.arg = xstrdup(dst.path);
	if (!sc && !dc)
		return pea_error_new(err, EINVAL,
				     "invalid arguments %s, %s you must use just one container",
				     argv[optind], argv[optind + 1]);
	if (!*(sc ? src.path : dst.path))
		return pea_error_new(err, EINVAL, "\"%s\": the path in the container is empty",
				     argv[sc ? optind : optind + 1]);
	if ((sc && side_open(g, sc, &src, &lock, err) < 0) ||
	    (dc && side_open(g, dc, &dst, &lock, err) < 0))
		goto out;
	if (!dst.rec)
		host_follow(&dst);
	for (struct side *s = &src; s; s = s == &src ? &dst : NULL) {
		if (!s->rec)
			continue;
		side_resolve_relative(s);
		side_follow(s);
		if (side_redirect_mounts(g, s, err) < 0)
			goto out;
	}
	rc = do_copy(&src, &dst, &o, err);
out:
	side_clear(g, &src);
	side_clear(g, &dst);
	return rc < 0 ? -1 : 0;
}
