#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/openat2.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file-internal.h"
#include "lib/file.h"
#include "lib/xalloc.h"

void (*pea_file_test_before_rename)(void);

/* ---- reading and writing ------------------------------------------------ */

int pea_write_all(int fd, const void *data, size_t len, struct pea_error **err)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return pea_error_errno(err, "write");
		if (w == 0)
			return pea_error_code(err, EIO, "write");
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int pea_read_all(int fd, size_t max, char **ret, size_t *ret_len, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, size = 0;

	for (;;) {
		ssize_t n;

		if (size - len < 2) {
			/* at most max + 2: one byte to see "too large", one for the NUL */
			size_t cap = max < SIZE_MAX - 2 ? max + 2 : SIZE_MAX;
			size_t want = size ? size * 2 : 4096;

			if (want > cap)
				want = cap;
			buf = xrealloc(buf, want);
			size = want;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pea_error_errno(err, "read");
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return pea_error_new(err, EFBIG, "larger than %zu bytes", max);
	}
	if (!buf)
		buf = xmalloc(1);
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int pea_read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
		     struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", path);
	r = pea_read_all(fd, max, ret, ret_len, err);
	if (r < 0)
		return pea_error_wrap(err, "read '%s'", path);
	return 0;
}

int pea_write_file_at(int dirfd, const char *path, const char *data, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT) {
		/* a regular file that does not exist yet; knobs in /proc and /sys always do */
		fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
		if (fd < 0)
			errno = ENOENT;
	}
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", path);
	r = pea_write_all(fd, data, strlen(data), err);
	if (r < 0)
		return pea_error_wrap(err, "'%s'", path);
	if (close(TAKE_FD(fd)) < 0)
		return pea_error_errno(err, "write '%s'", path);
	return 0;
}

/* ---- atomic replace ------------------------------------------------------ */

static void random_suffix(char *s, size_t n)
{
	static const char chars[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static uint64_t counter;
	struct timespec ts;
	uint64_t x;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 16) ^
	    (++counter * 0x9e3779b97f4a7c15ULL);
	for (size_t i = 0; i < n; i++) {
		x ^= x >> 33;
		x *= 0xff51afd7ed558ccdULL;
		x ^= x >> 29;
		s[i] = chars[x % (sizeof(chars) - 1)];
	}
	s[n] = '\0';
}

static int open_temp(int dirfd, const char *name, mode_t mode, char **ret_tmp,
		     struct pea_error **err)
{
	for (int i = 0; i < 100; i++) {
		char suffix[7];
		_cleanup_free_ char *tmp = NULL;
		int fd;

		random_suffix(suffix, 6);
		tmp = xasprintf("%s.tmp.%s", name, suffix);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
		if (fd >= 0) {
			*ret_tmp = TAKE_PTR(tmp);
			return fd;
		}
		if (errno != EEXIST)
			return pea_error_errno(err, "create '%s'", tmp);
	}
	return pea_error_code(err, EEXIST, "create a temporary file for '%s'", name);
}

/* The directory holding dirfd/name, for the fsync that makes the rename durable. */
static int open_parent(int dirfd, const char *name)
{
	const char *slash = strrchr(name, '/');
	_cleanup_free_ char *dir = NULL;

	if (!slash)
		return openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = slash == name ? xstrdup("/") : xstrndup(name, (size_t)(slash - name));
	return openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int write_temp(int fd, const char *tmp, const void *data, size_t len, mode_t mode,
		      struct pea_error **err)
{
	int r = pea_write_all(fd, data, len, err);

	if (r < 0)
		return pea_error_wrap(err, "'%s'", tmp);
	if (fchmod(fd, mode) < 0) /* exactly mode, whatever the umask */
		return pea_error_errno(err, "chmod '%s'", tmp);
	if (fsync(fd) < 0)
		return pea_error_errno(err, "fsync '%s'", tmp);
	return 0;
}

int pea_write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			     struct pea_error **err)
{
	_cleanup_close_ int parent = -1;
	int r = pea_write_file_synced_at(dirfd, name, data, len, mode, err);

	if (r < 0)
		return r;
	parent = open_parent(dirfd, name);
	if (parent < 0 || fsync(parent) < 0)
		return pea_error_errno(err, "fsync the directory of '%s'", name);
	return 0;
}

int pea_write_file_synced_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			     struct pea_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	fd = open_temp(dirfd, name, mode, &tmp, err);
	if (fd < 0)
		return fd;
	r = write_temp(fd, tmp, data, len, mode, err);
	if (r < 0)
		goto out_unlink;
	if (close(TAKE_FD(fd)) < 0) {
		r = pea_error_errno(err, "close '%s'", tmp);
		goto out_unlink;
	}
	if (pea_file_test_before_rename)
		pea_file_test_before_rename();
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = pea_error_errno(err, "rename '%s' to '%s'", tmp, name);
		goto out_unlink;
	}
	return 0;

out_unlink:
	unlinkat(dirfd, tmp, 0);
	return r;
}

int pea_write_file_replace_at(int dirfd, const char *name, const void *data, size_t len,
			      mode_t mode, struct pea_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	fd = open_temp(dirfd, name, mode, &tmp, err);
	if (fd < 0)
		return fd;
	r = pea_write_all(fd, data, len, err);
	if (r == 0 && fchmod(fd, mode) < 0) /* not the umask's */
		r = pea_error_errno(err, "chmod '%s'", tmp);
	if (r == 0 && close(TAKE_FD(fd)) < 0)
		r = pea_error_errno(err, "close '%s'", tmp);
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = pea_error_errno(err, "rename '%s' to '%s'", tmp, name);
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

/* ---- resolving paths inside a root ------------------------------------------ */

#define WALK_MAX_LINKS 40

struct walk {
	int *fds; /* fds[0] is the root, the last is the current directory (O_PATH) */
	size_t n;
	char *rest; /* what is left to resolve */
	int links;
};

static void walk_free(struct walk *w)
{
	for (size_t i = 0; i < w->n; i++)
		close(w->fds[i]);
	free(w->fds);
	free(w->rest);
}

static void walk_pop_to(struct walk *w, size_t n)
{
	while (w->n > n)
		close(w->fds[--w->n]);
}

static void walk_push(struct walk *w, int fd)
{
	w->fds = xreallocarray(w->fds, w->n + 1, sizeof(int));
	w->fds[w->n++] = fd;
}

/* Replace the component just consumed with the target of the symlink fd, then after. */
static int walk_follow(struct walk *w, int fd, const char *after, bool beneath)
{
	char target[PATH_MAX];
	ssize_t n;
	char *rest;

	if (++w->links > WALK_MAX_LINKS)
		return -ELOOP;
	n = readlinkat(fd, "", target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (target[0] == '/') {
		if (beneath)
			return -EXDEV;
		walk_pop_to(w, 1);
	}
	rest = *after ? xasprintf("%s/%s", target, after) : xstrdup(target);
	free(w->rest);
	w->rest = rest;
	return 1;
}

/* A component that must be a directory: 0 entered, 1 was a symlink (w->rest replaced). */
static int walk_descend(struct walk *w, const char *comp, const char *after, bool beneath)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = openat(w->fds[w->n - 1], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return walk_follow(w, fd, after, beneath);
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	walk_push(w, TAKE_FD(fd));
	return 0;
}

/* The last component: 1 when it was a symlink that was followed, else 0 and *ret_fd. */
static int walk_last(struct walk *w, const char *comp, int flags, mode_t mode, bool beneath,
		     int *ret_fd)
{
	int top = w->fds[w->n - 1];
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	fd = openat(top, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && !(errno == ENOENT && (flags & O_CREAT)))
		return -errno;
	if (fd >= 0) {
		if (fstat(fd, &st) < 0)
			return -errno;
		/* like open(2): O_CREAT | O_EXCL never follows the last component */
		bool excl = (flags & O_CREAT) && (flags & O_EXCL);

		if (S_ISLNK(st.st_mode) && !(flags & O_NOFOLLOW) && !excl)
			return walk_follow(w, fd, "", beneath);
	}
	/* O_NOFOLLOW: should it have become a symlink since the check, fail rather than follow */
	r = openat(top, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (r < 0)
		return -errno;
	*ret_fd = r;
	return 0;
}

/* Resolve one component of w->rest; *ret_fd is set once the path is fully resolved. */
static int walk_step(struct walk *w, int flags, mode_t mode, bool beneath, int *ret_fd)
{
	_cleanup_free_ char *name = NULL;
	size_t start = 0, end;
	int r;

	while (w->rest[start] == '/')
		start++;
	if (!w->rest[start]) { /* resolved to the current directory itself */
		r = openat(w->fds[w->n - 1], ".", flags | O_CLOEXEC, mode);
		if (r < 0)
			return -errno;
		*ret_fd = r;
		return 0;
	}
	end = start;
	while (w->rest[end] && w->rest[end] != '/')
		end++;
	name = xstrndup(w->rest + start, end - start);
	if ((flags & O_CREAT) && w->rest[end] && !w->rest[end + strspn(w->rest + end, "/")] &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
		return -EISDIR; /* like open(2): creating "x/" */
	if (strcmp(name, "..") == 0) {
		if (w->n == 1 && beneath)
			return -EXDEV;
		if (w->n > 1) /* never the ".." of the disk: above the root is the root */
			walk_pop_to(w, w->n - 1);
		r = 0;
	} else if (strcmp(name, ".") == 0) {
		r = 0;
	} else if (!w->rest[end]) { /* a trailing slash makes it a directory to enter */
		r = walk_last(w, name, flags, mode, beneath, ret_fd);
	} else {
		r = walk_descend(w, name, w->rest + end, beneath);
	}
	if (r == 0 && *ret_fd < 0)
		memmove(w->rest, w->rest + end, strlen(w->rest + end) + 1);
	return r < 0 ? r : 0;
}

int pea_file_walk_open(int dirfd, const char *path, int flags, mode_t mode, bool beneath)
{
	struct walk w = { 0 };
	int root, fd = -1, r = 0;

	if (!*path)
		return -ENOENT;
	if (path[0] == '/' && beneath)
		return -EXDEV;
	if (dirfd == AT_FDCWD)
		root = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	else
		root = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (root < 0)
		return -errno;
	walk_push(&w, root);
	w.rest = xstrdup(path);
	while (r >= 0 && fd < 0)
		r = walk_step(&w, flags, mode, beneath, &fd);
	walk_free(&w);
	return r < 0 ? r : fd;
}

static int openat2_retry(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? mode : 0,
		.resolve = resolve,
	};

	/* EAGAIN: a concurrent rename raced the lookup; the kernel asks us to retry */
	for (int i = 0; i < 32; i++) {
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN && errno != EINTR)
			break;
	}
	return -errno;
}

static int open_resolved(int dirfd, const char *path, int flags, mode_t mode, bool beneath)
{
	uint64_t resolve = RESOLVE_NO_MAGICLINKS | (beneath ? RESOLVE_BENEATH : RESOLVE_IN_ROOT);
	int fd = openat2_retry(dirfd, path, flags, mode, resolve);

	if (fd == -ENOSYS)
		fd = pea_file_walk_open(dirfd, path, flags, mode, beneath);
	return fd;
}

int pea_open_in_root(int rootfd, const char *path, int flags, mode_t mode, int *ret_fd,
		     struct pea_error **err)
{
	int fd = open_resolved(rootfd, path, flags, mode, false);

	if (fd < 0)
		return pea_error_code(err, -fd, "open '%s'", path);
	*ret_fd = fd;
	return 0;
}

int pea_open_beneath(int dirfd, const char *path, int flags, mode_t mode, int *ret_fd,
		     struct pea_error **err)
{
	int fd = open_resolved(dirfd, path, flags, mode, true);

	if (fd == -EXDEV)
		return pea_error_new(err, EXDEV, "open '%s': path escapes its directory", path);
	if (fd < 0)
		return pea_error_code(err, -fd, "open '%s'", path);
	*ret_fd = fd;
	return 0;
}

/* ---- directories ---------------------------------------------------------------- */

/*
 * Under a real dirfd each prefix is resolved in that root, so a symlink in
 * a container's rootfs cannot send the mkdir outside; under AT_FDCWD paths
 * resolve normally (host paths like /var/run are symlinks on purpose).
 */
static int open_dir_prefix(int dirfd, const char *prefix)
{
	/* O_PATH: a folder we may traverse but not read (0711) is fine too */
	if (dirfd == AT_FDCWD) {
		int fd = openat(dirfd, prefix, O_PATH | O_DIRECTORY | O_CLOEXEC);

		return fd < 0 ? -errno : fd;
	}
	return open_resolved(dirfd, prefix, O_PATH | O_DIRECTORY, 0, false);
}

int pea_mkdir_p_at(int dirfd, const char *path, mode_t mode, int *ret_fd, struct pea_error **err)
{
	_cleanup_close_ int cur = -1;
	_cleanup_free_ char *prefix = xstrdup(path);
	size_t i = 0;

	while (prefix[i] == '/')
		i++;
	/* there already, as mostly (pea run asks for a dozen): one lookup, not two a level */
	cur = prefix[i] ? open_dir_prefix(dirfd, path) : -1;
	if (cur >= 0)
		i = strlen(prefix); /* nothing to make */
	else
		cur = open_dir_prefix(dirfd, i ? "/" : ".");
	if (cur < 0)
		return pea_error_code(err, -cur, "open '%s'", i ? "/" : ".");
	while (prefix[i]) {
		size_t start = i;
		char saved;
		int fd;

		while (prefix[i] && prefix[i] != '/')
			i++;
		saved = prefix[i];
		prefix[i] = '\0';
		if (mkdirat(cur, prefix + start, mode) < 0 && errno != EEXIST) {
			/*
			 * EACCES, EROFS, EPERM: fine if it is there already
			 * (a folder we may not write, in a user namespace say).
			 */
			int saved_errno = errno;

			fd = open_dir_prefix(dirfd, prefix);
			if (fd < 0)
				return pea_error_code(err, saved_errno, "mkdir '%s'", prefix);
		} else {
			fd = open_dir_prefix(dirfd, prefix);
			if (fd < 0)
				return pea_error_code(err, -fd, "mkdir '%s'", prefix);
		}
		pea_close(cur);
		cur = fd;
		prefix[i] = saved;
		while (prefix[i] == '/')
			i++;
	}
	if (ret_fd) {
		/* callers list and read the last folder: a real fd for it */
		int fd = openat(cur, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return pea_error_errno(err, "open '%s'", path);
		*ret_fd = fd;
	}
	return 0;
}

bool pea_is_mountpoint_at(int dirfd, const char *path)
{
	_cleanup_free_ char *parent = xasprintf("%s/..", path);
	struct statx stx;
	struct stat ps;

	if (statx(dirfd, path, AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &stx) < 0)
		return false;
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
		return stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
	return fstatat(dirfd, parent, &ps, 0) == 0 &&
	       makedev(stx.stx_dev_major, stx.stx_dev_minor) != ps.st_dev;
}

static bool ext4_has_journal(dev_t dev)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	char link[PATH_MAX], path[PATH_MAX + 64];
	const char *name;
	size_t len;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	name = strrchr(link, '/');
	snprintf(path, sizeof(path), "/sys/fs/ext4/%s/journal_task", name ? name + 1 : link);
	/* the journal thread's pid, or "<none>" */
	return pea_read_file_at(AT_FDCWD, path, 64, &data, &len, &e) == 0 && len > 0 &&
	       data[0] >= '0' && data[0] <= '9';
}

bool pea_fs_journal_ordered(int fd)
{
	/* one filesystem's answer per process: a run asks it for each record */
	static dev_t last_dev;
	static int last = -1;
	struct statfs f;
	struct stat st;

	if (fstatfs(fd, &f) < 0)
		return false;
	if (f.f_type == XFS_SUPER_MAGIC)
		return true; /* its log cannot be turned off */
	if (f.f_type != EXT4_SUPER_MAGIC || fstat(fd, &st) < 0)
		return false;
	if (last < 0 || st.st_dev != last_dev) {
		last = ext4_has_journal(st.st_dev);
		last_dev = st.st_dev;
	}
	return last == 1;
}

static bool is_mount_root(int dirfd, const char *name, dev_t parent_dev)
{
	struct statx stx;

	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &stx) < 0)
		return false;
	if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	    (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return true;
	return makedev(stx.stx_dev_major, stx.stx_dev_minor) != parent_dev;
}

static int rm_rf_children(int dfd, const char *path, dev_t dev, struct pea_error **err);

/* Remove name in dfd (dfd is on device dev); path names it in messages. */
static int rm_rf_entry(int dfd, const char *name, const char *path, dev_t dev,
		       struct pea_error **err)
{
	struct stat st;
	int r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : pea_error_errno(err, "stat '%s'", path);
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int sub = -1;

		if (is_mount_root(dfd, name, dev))
			return pea_error_new(err, EXDEV, "'%s' is a mount point, not removing it",
					     path);
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return errno == ENOENT ? 0 : pea_error_errno(err, "open '%s'", path);
		r = rm_rf_children(sub, path, st.st_dev, err);
		if (r < 0)
			return r;
		if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return pea_error_errno(err, "remove '%s'", path);
		return 0;
	}
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		return pea_error_errno(err, "remove '%s'", path);
	return 0;
}

static int rm_rf_children(int dfd, const char *path, dev_t dev, struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	struct dirent *de;

	if (fd < 0)
		return pea_error_errno(err, "open '%s'", path);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return pea_error_errno(err, "open '%s'", path);
	}
	for (;;) {
		_cleanup_free_ char *sub = NULL;
		int r;

		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		sub = xasprintf("%s/%s", path, de->d_name);
		r = rm_rf_entry(dfd, de->d_name, sub, dev, err);
		if (r < 0)
			return r;
	}
	if (errno)
		return pea_error_errno(err, "read directory '%s'", path);
	return 0;
}

int pea_rm_rf_at(int dirfd, const char *name, struct pea_error **err)
{
	struct stat parent;

	if (fstatat(dirfd, ".", &parent, 0) < 0)
		return pea_error_errno(err, "stat the directory of '%s'", name);
	if (strchr(name, '/')) {
		/* the entry's own directory is the reference for mount crossing */
		_cleanup_free_ char *dir = xstrndup(name, (size_t)(strrchr(name, '/') - name));

		if (fstatat(dirfd, *dir ? dir : "/", &parent, 0) < 0)
			return errno == ENOENT ? 0 : pea_error_errno(err, "stat '%s'", dir);
	}
	return rm_rf_entry(dirfd, name, name, parent.st_dev, err);
}

bool pea_path_exists_at(int dirfd, const char *path)
{
	struct stat st;

	return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* ---- fds ------------------------------------------------------------------------ */

static int fd_set_flag(int fd, int get, int set, int flag, bool on)
{
	int flags = fcntl(fd, get);

	if (flags < 0)
		return -errno;
	if (!!(flags & flag) == on)
		return 0;
	if (fcntl(fd, set, on ? flags | flag : flags & ~flag) < 0)
		return -errno;
	return 0;
}

int pea_fd_set_cloexec(int fd, bool on)
{
	return fd_set_flag(fd, F_GETFD, F_SETFD, FD_CLOEXEC, on);
}

int pea_fd_set_nonblock(int fd, bool on)
{
	return fd_set_flag(fd, F_GETFL, F_SETFL, O_NONBLOCK, on);
}

static int close_range_fallback(unsigned int first, unsigned int last)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 65536;
	if (last >= rl.rlim_cur)
		last = (unsigned int)rl.rlim_cur - 1;
	for (unsigned int fd = first; fd <= last && fd < rl.rlim_cur; fd++)
		close((int)fd);
	return 0;
}

static int close_between(unsigned int first, unsigned int last)
{
	if (first > last)
		return 0;
	if (syscall(SYS_close_range, first, last, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	return close_range_fallback(first, last);
}

int pea_close_fds_except(int from, const int *keep, size_t nkeep)
{
	unsigned int next = (unsigned int)(from < 0 ? 0 : from);

	/*
	 * No allocation and no limit, as this runs in forked children: close the
	 * gap up to the smallest kept fd >= next, again and again. O(n^2) in the
	 * number kept, which is small next to the syscalls.
	 */
	for (;;) {
		bool found = false;
		unsigned int k = 0;
		int r;

		for (size_t i = 0; i < nkeep; i++)
			if (keep[i] >= 0 && (unsigned int)keep[i] >= next &&
			    (!found || (unsigned int)keep[i] < k)) {
				k = (unsigned int)keep[i];
				found = true;
			}
		if (!found)
			return close_between(next, ~0U);
		if (k > next) {
			r = close_between(next, k - 1);
			if (r < 0)
				return r;
		}
		next = k + 1;
	}
}

void pea_dir_spread(int dirfd)
{
	int flags = 0;

	if (ioctl(dirfd, FS_IOC_GETFLAGS, &flags) < 0 || (flags & FS_TOPDIR_FL))
		return;
	flags |= FS_TOPDIR_FL;
	(void)ioctl(dirfd, FS_IOC_SETFLAGS, &flags);
}
