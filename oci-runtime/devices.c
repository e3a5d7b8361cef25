#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/xalloc.h"

#include "container.h"

/* The devices every container gets (runtime-spec config-linux.md, "Default Devices"). */
static const struct spec_device default_devices[] = {
	{ .path = (char *)"/dev/null", .type = S_IFCHR, .major = 1, .minor = 3, .mode = 0666 },
	{ .path = (char *)"/dev/zero", .type = S_IFCHR, .major = 1, .minor = 5, .mode = 0666 },
	{ .path = (char *)"/dev/full", .type = S_IFCHR, .major = 1, .minor = 7, .mode = 0666 },
	{ .path = (char *)"/dev/random", .type = S_IFCHR, .major = 1, .minor = 8, .mode = 0666 },
	{ .path = (char *)"/dev/urandom", .type = S_IFCHR, .major = 1, .minor = 9, .mode = 0666 },
	{ .path = (char *)"/dev/tty", .type = S_IFCHR, .major = 5, .minor = 0, .mode = 0666 },
};

static const struct {
	const char *target, *link;
} default_links[] = {
	{ "/proc/self/fd", "/dev/fd" },	      { "/proc/self/fd/0", "/dev/stdin" },
	{ "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
	{ "pts/ptmx", "/dev/ptmx" },
};

/* Split "/dev/x/y" into an fd of its parent directory (made if missing) and "y". */
static int open_parent(int rootfd, const char *path, int *ret_fd, const char **ret_name,
		       struct pea_error **err)
{
	_cleanup_free_ char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');

	*slash = '\0';
	*ret_name = strrchr(path, '/') + 1;
	return pea_mkdir_p_at(rootfd, *parent ? parent : "/", 0755, ret_fd, err);
}

/* A container id as the host sees it (the user namespace's maps), or -1: not mapped. */
static long long host_id(const struct spec_idmap *m, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
			return (long long)m[i].host_id + (id - m[i].container_id);
	return -1;
}

/*
 * The state directory's fd belongs to the caller's mount namespace, and a
 * mount of another namespace cannot be bound: the node is opened again by
 * its path in this one (the init's, which we entered), and checked to be it.
 */
static int reopen_here(int dirfd, const char *name, int node, const struct spec_device *d,
		       int *ret_fd, struct pea_error **err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	struct stat a, b;

	char proc[64], dir[PATH_MAX];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
	n = readlink(proc, dir, sizeof(dir) - 1);
	if (n < 0 || n >= (ssize_t)sizeof(dir) - 1 || dir[0] != '/')
		return pea_error_new(err, n < 0 ? errno : ENAMETOOLONG,
				     "the path of the state directory (for '%s')", d->path);
	dir[n] = '\0';
	path = xasprintf("%s/%s", dir, name);
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "open '%s' (for '%s')", path, d->path);
	if (fstat(fd, &a) < 0 || fstat(node, &b) < 0)
		return pea_error_errno(err, "stat '%s'", path);
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return pea_error_new(err, EEXIST, "'%s' is not the node made for '%s'", path,
				     d->path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/*
 * Parent, before the init's mounts, for a container in a new user namespace
 * (which may not mknod): linux.devices[i] made by us in the state directory,
 * with its mode and its owner (mapped to the host's ids), its O_PATH fd in
 * *ret_fd for the init to bind, as crun does. -1 when we cannot mknod either
 * (rootless): the init binds the host's node at the same path instead.
 */
int devices_make_outside(const struct container *c, size_t i, int *ret_fd, struct pea_error **err)
{
	const struct spec *s = c->spec;
	const struct spec_device *d = &s->devices[i];
	long long uid = host_id(s->uid_mappings, s->n_uid_mappings, d->uid);
	long long gid = host_id(s->gid_mappings, s->n_gid_mappings, d->gid);
	_cleanup_close_ int dirfd = -1, node = -1;
	char name[32], proc[64];

	*ret_fd = -1;
	if (d->type == S_IFIFO)
		return 0;
	if (uid < 0 || gid < 0)
		return pea_error_new(err, EINVAL,
				     "'%s': owner %u:%u is not mapped in the user "
				     "namespace",
				     d->path, d->uid, d->gid);
	if (mkdirat(c->dirfd, "devices", 0700) < 0 && errno != EEXIST)
		return pea_error_errno(err, "mkdir 'devices' in the state directory");
	dirfd = openat(c->dirfd, "devices", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return pea_error_errno(err, "open 'devices' in the state directory");
	snprintf(name, sizeof(name), "%zu", i);
	if (mknodat(dirfd, name, d->type, makedev(d->major, d->minor)) < 0)
		return errno == EPERM ? 0 : pea_error_errno(err, "mknod '%s'", d->path);
	node = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (node < 0)
		return pea_error_errno(err, "open '%s'", d->path);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", node);
	if (fchownat(node, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH) < 0)
		return pea_error_errno(err, "chown '%s'", d->path);
	if (chmod(proc, d->mode) < 0)
		return pea_error_errno(err, "chmod '%s'", d->path);
	return reopen_here(dirfd, name, node, d, ret_fd, err);
}

/*
 * In a user namespace mknod is refused: bind the node the parent made
 * (nodefd), or else the host's at the same path.
 */
static int bind_device(int dirfd, const char *name, const struct spec_device *d, int nodefd,
		       struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	char src[64];

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EEXIST)
		return pea_error_errno(err, "create '%s'", d->path);
	fd = pea_close(fd);
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", d->path);
	if (nodefd >= 0)
		snprintf(src, sizeof(src), "/proc/self/fd/%d", nodefd);
	return mounts_mount_fd(nodefd >= 0 ? src : d->path, fd, d->path, NULL, MS_BIND, NULL, err);
}

static int make_device(int rootfd, const struct spec_device *d, bool userns, int nodefd,
		       struct pea_error **err)
{
	_cleanup_close_ int dirfd = -1, node = -1;
	const char *name = NULL;
	char proc[64];
	struct stat st;

	if (open_parent(rootfd, d->path, &dirfd, &name, err) < 0)
		return -EINVAL;
	if (userns && d->type != S_IFIFO)
		return bind_device(dirfd, name, d, nodefd, err);
	/*
	 * What is there already stays, as runc and crun leave it: with the
	 * host's /dev bound at /dev, a node replaced here would be the host's.
	 */
	if (mknodat(dirfd, name, d->type | d->mode, makedev(d->major, d->minor)) < 0)
		return errno == EEXIST ? 0 : pea_error_errno(err, "mknod '%s'", d->path);
	/*
	 * mknod applies the umask: chmod and chown the node just made through
	 * an fd of it, never by name (the folder may be a volume another
	 * container writes to: a symlink swapped in would be followed on the
	 * host, before pivot_root).
	 */
	node = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (node < 0)
		return pea_error_errno(err, "open '%s'", d->path);
	if (fstat(node, &st) < 0)
		return pea_error_errno(err, "stat '%s'", d->path);
	if ((st.st_mode & S_IFMT) != d->type ||
	    (d->type != S_IFIFO && st.st_rdev != makedev(d->major, d->minor)))
		return pea_error_new(err, EEXIST, "'%s' was replaced while it was made", d->path);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", node);
	if (chmod(proc, d->mode) < 0)
		return pea_error_errno(err, "chmod '%s'", d->path);
	if (fchownat(node, "", d->uid, d->gid, AT_EMPTY_PATH) < 0)
		return pea_error_errno(err, "chown '%s'", d->path);
	return 0;
}

static bool configured(const struct spec *s, const char *path)
{
	for (size_t i = 0; i < s->n_devices; i++)
		if (strcmp(s->devices[i].path, path) == 0)
			return true;
	return false;
}

/* The mount at /dev that the container sees: the last one there (a bind over a tmpfs). */
static bool dev_is_bind(const struct spec *s)
{
	bool bind = false;

	for (size_t i = 0; i < s->n_mounts; i++)
		if (strcmp(s->mounts[i].destination, "/dev") == 0)
			bind = s->mounts[i].bind;
	return bind;
}

int devices_create(const struct spec *s, int rootfd, bool userns, const int *node_fds,
		   struct pea_error **err)
{
	bool defaults = !dev_is_bind(s);

	for (size_t i = 0; defaults && i < ARRAY_SIZE(default_devices); i++)
		if (!configured(s, default_devices[i].path) &&
		    make_device(rootfd, &default_devices[i], userns, -1, err) < 0)
			return pea_error_wrap(err, "default device");
	for (size_t i = 0; defaults && i < ARRAY_SIZE(default_links); i++) {
		_cleanup_close_ int dirfd = -1;
		const char *name = NULL;

		if (open_parent(rootfd, default_links[i].link, &dirfd, &name, err) < 0)
			return -EINVAL;
		if (symlinkat(default_links[i].target, dirfd, name) < 0 && errno != EEXIST)
			return pea_error_errno(err, "symlink '%s'", default_links[i].link);
	}
	for (size_t i = 0; i < s->n_devices; i++)
		if (make_device(rootfd, &s->devices[i], userns, node_fds ? node_fds[i] : -1, err) <
		    0)
			return pea_error_wrap(err, "linux.devices[%zu]", i);
	return 0;
}
