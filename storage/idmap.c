#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
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
