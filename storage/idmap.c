#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/limits.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "idmap.h"

#define MAX_DEPTH 512

static int parse_u32(const char *s, char **end, uint32_t *ret)
{
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, end, 10);
	if (errno || v > UINT32_MAX)
		return -1;
	*ret = (uint32_t)v;
	return 0;
}

int idmap_parse(const char *s, struct idmap *ret, struct pea_error **err)
{
	struct idmap m = { 0 };
	const char *p = s;

	while (*p) {
		char *end;
		uint32_t c, h, n;

		if (m.n == IDMAP_MAX_RANGES)
			return pea_error_new(err, EINVAL, "id map '%s': more than %d ranges", s,
					     IDMAP_MAX_RANGES);
		if (parse_u32(p, &end, &c) < 0 || *end != ':' || parse_u32(end + 1, &end, &h) < 0 ||
		    *end != ':' || parse_u32(end + 1, &end, &n) < 0 || (*end && *end != ',') ||
		    n == 0 || (uint64_t)c + n > (1ull << 32) || (uint64_t)h + n > (1ull << 32))
			return pea_error_new(err, EINVAL,
					     "id map '%s': expected CONTAINER:HOST:SIZE[,...]", s);
		m.container[m.n] = c;
		m.host[m.n] = h;
		m.count[m.n] = n;
		m.n++;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return pea_error_new(err, EINVAL,
					     "id map '%s': a range is missing after ','", s);
	}
	if (m.n == 0)
		return pea_error_new(err, EINVAL, "id map '%s' is empty", s);
	*ret = m;
	return 0;
}

bool idmap_to_host(const struct idmap *m, uint32_t id, uint32_t *ret)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (id >= m->container[i] && id - m->container[i] < m->count[i]) {
			*ret = m->host[i] + (id - m->container[i]);
			return true;
		}
	return false;
}

bool idmap_to_container(const struct idmap *m, uint32_t id, uint32_t *ret)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (id >= m->host[i] && id - m->host[i] < m->count[i]) {
			*ret = m->container[i] + (id - m->host[i]);
			return true;
		}
	return false;
}

static int write_map(pid_t pid, const char *file, const struct idmap *m, struct pea_error **err)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, file);
	char buf[IDMAP_MAX_RANGES * 40] = "";
	size_t len = 0;

	for (unsigned int i = 0; i < m->n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m->container[i],
					m->host[i], m->count[i]);
	return pea_write_file_at(AT_FDCWD, path, buf, err);
}

/*
 * A child enters a new user namespace and waits; we write its maps, keep its namespace
 * as an fd and end it. The child runs no code of ours but unshare() and read().
 */
int idmap_userns_fd(const struct idmap *uids, const struct idmap *gids, int *ret_fd,
		    struct pea_error **err)
{
	int ready[2], hold[2];
	_cleanup_free_ char *ns = NULL;
	char c = 0;
	pid_t pid;
	int r = -1;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe");
	if (pipe2(hold, O_CLOEXEC) < 0) {
		pea_close(ready[0]);
		pea_close(ready[1]);
		return pea_error_errno(err, "pipe");
	}
	pid = fork();
	if (pid == 0) {
		char ok;

		/* our copy of the write end would keep the read below from ever ending */
		close(hold[1]);
		ok = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';

		if (write(ready[1], &ok, 1) == 1)
			(void)!read(hold[0], &c, 1);
		_exit(0);
	}
	pea_close(ready[1]);
	pea_close(hold[0]);
	if (pid < 0) {
		pea_error_errno(err, "fork");
		goto out;
	}
	if (read(ready[0], &c, 1) != 1 || c != 'y') {
		pea_error_new(err, EPERM, "cannot make a user namespace for the id map");
		goto out_child;
	}
	if (write_map(pid, "uid_map", uids, err) < 0 || write_map(pid, "gid_map", gids, err) < 0) {
		pea_error_wrap(err, "id map");
		goto out_child;
	}
	ns = xasprintf("/proc/%d/ns/user", (int)pid);
	*ret_fd = open(ns, O_RDONLY | O_CLOEXEC);
	if (*ret_fd < 0) {
		pea_error_errno(err, "open '%s'", ns);
		goto out_child;
	}
	r = 0;
out_child:
	pea_close(hold[1]);
	hold[1] = -1;
	waitpid(pid, NULL, 0);
out:
	pea_close(ready[0]);
	pea_close(hold[1]);
	return r;
}

int idmap_open_tree(const char *path, int userns_fd, int *ret_fd, struct pea_error **err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };
	_cleanup_close_ int fd =
		(int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	if (fd < 0)
		return pea_error_errno(err, "clone the mount of '%s'", path);
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return pea_error_errno(err, "idmap the mount of '%s'", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int chown_entry(int dirfd, const char *name, const struct stat *st, const struct idmap *u,
		       const struct idmap *g, struct pea_error **err)
{
	uint32_t uid, gid;

	if (!idmap_to_host(u, st->st_uid, &uid) || !idmap_to_host(g, st->st_gid, &gid))
		return pea_error_new(err, EOVERFLOW, "'%s' is owned by %u:%u, outside the id map",
				     name, st->st_uid, st->st_gid);
	if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH)) < 0)
		return pea_error_errno(err, "chown '%s'", *name ? name : ".");
	/* chown clears the set-id bits */
	if (!S_ISLNK(st->st_mode) && (st->st_mode & 06000) &&
	    fchmodat(dirfd, *name ? name : ".", st->st_mode & 07777, 0) < 0)
		return pea_error_errno(err, "chmod '%s'", name);
	return 0;
}

static int chown_children(int dirfd, const struct idmap *u, const struct idmap *g, int depth,
			  struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = dup(dirfd);

	if (depth > MAX_DEPTH)
		return pea_error_new(err, ELOOP, "directories nested too deeply");
	if (fd < 0 || !(d = fdopendir(fd))) {
		pea_close(fd);
		return pea_error_errno(err, "read a directory");
	}
	while ((errno = 0, de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return pea_error_errno(err, "stat '%s'", de->d_name);
		if (chown_entry(dirfd, de->d_name, &st, u, g, err) < 0)
			return -1;
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int sub = openat(
				dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0)
				return pea_error_errno(err, "open '%s'", de->d_name);
			if (chown_children(sub, u, g, depth + 1, err) < 0)
				return pea_error_wrap(err, "'%s'", de->d_name);
		}
	}
	return 0;
}

int idmap_chown_tree(int dirfd, const struct idmap *uids, const struct idmap *gids,
		     struct pea_error **err)
{
	struct stat st;

	if (fstat(dirfd, &st) < 0)
		return pea_error_errno(err, "stat");
	if (chown_entry(dirfd, "", &st, uids, gids, err) < 0)
		return -1;
	return chown_children(dirfd, uids, gids, 0, err);
}

/* ---- a copy of a tree with its owners mapped ------------------------------------------ */

struct copy_link {
	dev_t dev;
	ino_t ino;
	char *path; /* of the first copy, relative to the destination's root */
};

struct copy_ctx {
	const struct idmap *uids;
	const struct idmap *gids;
	int root; /* the destination's root */
	struct copy_link *links;
	size_t nlinks;
};

static void copy_ctx_clear(struct copy_ctx *c)
{
	for (size_t i = 0; i < c->nlinks; i++)
		free(c->links[i].path);
	free(c->links);
}

static bool is_overlay_xattr(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13);
}

/* The extended attributes of src onto dst (both open fds); overlay's own are not copied. */
static int copy_xattrs(int src, int dst, const char *path, struct pea_error **err)
{
	_cleanup_free_ char *names = NULL;
	_cleanup_free_ char *value = NULL;
	ssize_t len = flistxattr(src, NULL, 0);

	if (len < 0 && errno == EOPNOTSUPP)
		return 0;
	if (len < 0)
		return pea_error_errno(err, "list the attributes of '%s'", path);
	if (len == 0)
		return 0;
	names = xmalloc((size_t)len);
	len = flistxattr(src, names, (size_t)len);
	if (len < 0)
		return pea_error_errno(err, "list the attributes of '%s'", path);
	value = xmalloc(XATTR_SIZE_MAX);
	for (char *n = names; n < names + len; n += strlen(n) + 1) {
		ssize_t vlen;

		if (is_overlay_xattr(n))
			continue;
		vlen = fgetxattr(src, n, value, XATTR_SIZE_MAX);
		if (vlen < 0)
			return pea_error_errno(err, "read the attribute '%s' of '%s'", n, path);
		if (fsetxattr(dst, n, value, (size_t)vlen, 0) < 0) {
			/* trusted.* and security.* are root's of the initial namespace */
			if (errno == EPERM || errno == EOPNOTSUPP) {
				log_debug("'%s': attribute '%s' not copied: %s", path, n,
					  strerror(errno));
				continue;
			}
			return pea_error_errno(err, "set the attribute '%s' of '%s'", n, path);
		}
	}
	return 0;
}

static int map_ids(const struct copy_ctx *c, const struct stat *st, const char *path,
		   uint32_t *ret_uid, uint32_t *ret_gid, struct pea_error **err)
{
	if (!idmap_to_host(c->uids, st->st_uid, ret_uid) ||
	    !idmap_to_host(c->gids, st->st_gid, ret_gid))
		return pea_error_new(err, EOVERFLOW,
				     "'%s' is owned by %u:%u, outside the container's id map", path,
				     st->st_uid, st->st_gid);
	return 0;
}

/* Owner first (chown clears the set-id bits and file capabilities), then mode, xattrs, times. */
static int finish_fd(const struct copy_ctx *c, int src, int dst, const struct stat *st,
		     const char *path, struct pea_error **err)
{
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	uint32_t uid, gid;

	if (map_ids(c, st, path, &uid, &gid, err) < 0)
		return -1;
	if (fchown(dst, uid, gid) < 0)
		return pea_error_errno(err, "chown '%s'", path);
	if (fchmod(dst, st->st_mode & 07777) < 0)
		return pea_error_errno(err, "chmod '%s'", path);
	if (copy_xattrs(src, dst, path, err) < 0)
		return -1;
	if (futimens(dst, times) < 0)
		return pea_error_errno(err, "set the times of '%s'", path);
	return 0;
}

static int copy_data(int src, int dst, const char *path, struct pea_error **err)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = copy_file_range(src, NULL, dst, NULL, 1u << 30, 0);
		if (n == 0)
			return 0;
		if (n < 0)
			break;
	}
	if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return pea_error_errno(err, "copy '%s'", path);
	/* only where nothing was copied yet: copy_file_range fails before it starts */
	while ((n = read(src, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return pea_error_errno(err, "read '%s'", path);
		}
		if (pea_write_all(dst, buf, (size_t)n, err) < 0)
			return pea_error_wrap(err, "write '%s'", path);
	}
	return 0;
}

static int copy_file(struct copy_ctx *c, int sdir, int ddir, const char *name,
		     const struct stat *st, const char *path, struct pea_error **err)
{
	_cleanup_close_ int src = -1, dst = -1;

	if (st->st_nlink > 1) {
		for (size_t i = 0; i < c->nlinks; i++)
			if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino) {
				if (linkat(c->root, c->links[i].path, ddir, name, 0) < 0)
					return pea_error_errno(err, "link '%s'", path);
				return 0;
			}
	}
	src = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0)
		return pea_error_errno(err, "open '%s'", path);
	dst = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dst < 0)
		return pea_error_errno(err, "create '%s'", path);
	if (copy_data(src, dst, path, err) < 0 || finish_fd(c, src, dst, st, path, err) < 0)
		return -1;
	if (st->st_nlink > 1) {
		c->links = xreallocarray(c->links, c->nlinks + 1, sizeof(*c->links));
		c->links[c->nlinks++] = (struct copy_link){ .dev = st->st_dev,
							    .ino = st->st_ino,
							    .path = xstrdup(path) };
	}
	return 0;
}

/* Symbolic links, devices, fifos, sockets: made by name, owned and timed by name. */
static int copy_special(const struct copy_ctx *c, int sdir, int ddir, const char *name,
			const struct stat *st, const char *path, struct pea_error **err)
{
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	uint32_t uid, gid;

	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);

		if (n < 0)
			return pea_error_errno(err, "read the link '%s'", path);
		target[n] = '\0';
		if (symlinkat(target, ddir, name) < 0)
			return pea_error_errno(err, "create the link '%s'", path);
	} else if (mknodat(ddir, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0) {
		return pea_error_errno(err, "create '%s'", path);
	}
	if (map_ids(c, st, path, &uid, &gid, err) < 0)
		return -1;
	if (fchownat(ddir, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return pea_error_errno(err, "chown '%s'", path);
	if (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
		return pea_error_errno(err, "chmod '%s'", path);
	if (utimensat(ddir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
		return pea_error_errno(err, "set the times of '%s'", path);
	return 0;
}

static int copy_dir(struct copy_ctx *c, int sdir, int ddir, const char *prefix, int depth,
		    struct pea_error **err);

static int copy_entry(struct copy_ctx *c, int sdir, int ddir, const char *name, const char *path,
		      int depth, struct pea_error **err)
{
	_cleanup_close_ int sub = -1, dsub = -1;
	struct stat st;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return pea_error_errno(err, "stat '%s'", path);
	if (S_ISREG(st.st_mode))
		return copy_file(c, sdir, ddir, name, &st, path, err);
	if (!S_ISDIR(st.st_mode))
		return copy_special(c, sdir, ddir, name, &st, path, err);
	if (mkdirat(ddir, name, 0700) < 0)
		return pea_error_errno(err, "create '%s'", path);
	sub = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	dsub = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0 || dsub < 0)
		return pea_error_errno(err, "open '%s'", path);
	if (copy_dir(c, sub, dsub, path, depth + 1, err) < 0)
		return -1;
	return finish_fd(c, sub, dsub, &st, path, err);
}

static int copy_dir(struct copy_ctx *c, int sdir, int ddir, const char *prefix, int depth,
		    struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	if (depth > MAX_DEPTH)
		return pea_error_new(err, ELOOP, "'%s': directories nested too deeply", prefix);
	fd = openat(sdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		pea_close(fd);
		return pea_error_errno(err, "read the directory '%s'", *prefix ? prefix : "/");
	}
	while ((errno = 0, de = readdir(d))) {
		_cleanup_free_ char *path = NULL;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		path = *prefix ? xasprintf("%s/%s", prefix, de->d_name) : xstrdup(de->d_name);
		if (copy_entry(c, sdir, ddir, de->d_name, path, depth, err) < 0)
			return -1;
	}
	if (errno)
		return pea_error_errno(err, "read the directory '%s'", *prefix ? prefix : "/");
	return 0;
}

int idmap_copy_tree(int srcfd, int dstfd, const struct idmap *uids, const struct idmap *gids,
		    struct pea_error **err)
{
	_cleanup_(copy_ctx_clear) struct copy_ctx c = { .uids = uids, .gids = gids, .root = dstfd };
	struct stat st;

	if (fstat(srcfd, &st) < 0)
		return pea_error_errno(err, "stat the tree to copy");
	if (copy_dir(&c, srcfd, dstfd, "", 0, err) < 0)
		return -1;
	return finish_fd(&c, srcfd, dstfd, &st, "/", err);
}

/* ---- the largest ids of a tree ---------------------------------------------------------- */

static int max_ids_children(int dirfd, uint32_t *uid, uint32_t *gid, int depth,
			    struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = dup(dirfd);

	if (depth > MAX_DEPTH)
		return pea_error_new(err, ELOOP, "directories nested too deeply");
	if (fd < 0 || !(d = fdopendir(fd))) {
		pea_close(fd);
		return pea_error_errno(err, "read a directory");
	}
	while ((errno = 0, de = readdir(d))) {
		_cleanup_close_ int sub = -1;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return pea_error_errno(err, "stat '%s'", de->d_name);
		if (st.st_uid > *uid)
			*uid = st.st_uid;
		if (st.st_gid > *gid)
			*gid = st.st_gid;
		if (!S_ISDIR(st.st_mode))
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return pea_error_errno(err, "open '%s'", de->d_name);
		if (max_ids_children(sub, uid, gid, depth + 1, err) < 0)
			return pea_error_wrap(err, "'%s'", de->d_name);
	}
	if (errno)
		return pea_error_errno(err, "read a directory");
	return 0;
}

int idmap_max_ids(int dirfd, uint32_t *uid, uint32_t *gid, struct pea_error **err)
{
	struct stat st;

	if (fstat(dirfd, &st) < 0)
		return pea_error_errno(err, "stat");
	if (st.st_uid > *uid)
		*uid = st.st_uid;
	if (st.st_gid > *gid)
		*gid = st.st_gid;
	return max_ids_children(dirfd, uid, gid, 0, err);
}
