/*
 * The tmpfs mount option tmpcopyup (crun's and runc's, which podman passes for
 * --tmpfs): the new tmpfs is filled with what the image has at that path, the
 * directory the tmpfs now covers. Run by the container's init, in its mount
 * namespace, before pivot_root. Everything is opened relative to directory
 * fds and never followed through a symlink.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"

#include "container.h"

#define COPYUP_MAX_DEPTH 128

/*
 * Owner, mode and times of a copy. The owner first (chown clears the set-id
 * bits). An owner the user namespace cannot map (EINVAL) or the caller cannot
 * give (EPERM, rootless) stays the caller's, as with a cp -a by that user.
 */
static int copy_attrs(int dirfd, const char *name, int fd, const struct stat *st,
		      struct pea_error **err)
{
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	int r;

	if (fd >= 0)
		r = fchown(fd, st->st_uid, st->st_gid);
	else
		r = fchownat(dirfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);
	if (r < 0 && errno != EINVAL && errno != EPERM)
		return pea_error_errno(err, "chown '%s'", name);
	if (fd >= 0)
		r = fchmod(fd, st->st_mode & 07777);
	else if (!S_ISLNK(st->st_mode))
		r = fchmodat(dirfd, name, st->st_mode & 07777, 0);
	if (r < 0)
		return pea_error_errno(err, "chmod '%s'", name);
	if (fd >= 0)
		r = futimens(fd, times);
	else
		r = utimensat(dirfd, name, times, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return pea_error_errno(err, "set the times of '%s'", name);
	return 0;
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st,
		     struct pea_error **err)
{
	_cleanup_close_ int in = -1, out = -1;
	off_t left = st->st_size;

	in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (in < 0)
		return pea_error_errno(err, "open '%s'", name);
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return pea_error_errno(err, "create '%s'", name);
	while (left > 0) {
		ssize_t n =
			sendfile(out, in, NULL, left > (1 << 30) ? (size_t)1 << 30 : (size_t)left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pea_error_errno(err, "copy '%s'", name);
		if (n == 0) /* it shrank meanwhile */
			break;
		left -= n;
	}
	return copy_attrs(ddir, name, out, st, err);
}

static int copy_symlink(int sdir, int ddir, const char *name, const struct stat *st,
			struct pea_error **err)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);

	if (n < 0)
		return pea_error_errno(err, "readlink '%s'", name);
	target[n] = '\0';
	if (symlinkat(target, ddir, name) < 0)
		return pea_error_errno(err, "symlink '%s'", name);
	return copy_attrs(ddir, name, -1, st, err);
}

static int copy_tree(int sdir, int ddir, unsigned depth, struct pea_error **err);

static int copy_dir(int sdir, int ddir, const char *name, const struct stat *st, unsigned depth,
		    struct pea_error **err)
{
	_cleanup_close_ int s = -1, d = -1;

	if (depth >= COPYUP_MAX_DEPTH)
		return pea_error_new(err, ELOOP, "'%s': more than %d directories deep", name,
				     COPYUP_MAX_DEPTH);
	if (mkdirat(ddir, name, 0700) < 0)
		return pea_error_errno(err, "mkdir '%s'", name);
	s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0)
		return pea_error_errno(err, "open '%s'", name);
	d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return pea_error_errno(err, "open '%s'", name);
	if (copy_tree(s, d, depth + 1, err) < 0)
		return pea_error_wrap(err, "'%s'", name);
	return copy_attrs(ddir, name, d, st, err);
}

static int copy_entry(int sdir, int ddir, const char *name, unsigned depth, struct pea_error **err)
{
	struct stat st;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return pea_error_errno(err, "stat '%s'", name);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		return copy_dir(sdir, ddir, name, &st, depth, err);
	case S_IFREG:
		return copy_file(sdir, ddir, name, &st, err);
	case S_IFLNK:
		return copy_symlink(sdir, ddir, name, &st, err);
	default:
		/* fifos, sockets, device nodes (a user namespace may not make these) */
		if (mknodat(ddir, name, st.st_mode, st.st_rdev) < 0) {
			if (errno == EPERM && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
				return 0;
			return pea_error_errno(err, "mknod '%s'", name);
		}
		return copy_attrs(ddir, name, -1, &st, err);
	}
}

static int copy_tree(int sdir, int ddir, unsigned depth, struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	int fd = fcntl(sdir, F_DUPFD_CLOEXEC, 3);
	struct dirent *e;

	if (fd < 0)
		return pea_error_errno(err, "dup");
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return pea_error_errno(err, "read directory");
	}
	for (errno = 0; (e = readdir(d)); errno = 0) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (copy_entry(sdir, ddir, e->d_name, depth, err) < 0)
			return -EINVAL;
	}
	if (errno)
		return pea_error_errno(err, "read directory");
	return 0;
}

int copyup_open_source(int targetfd, int *ret_fd, struct pea_error **err)
{
	int fd = openat(targetfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return pea_error_errno(err, "open the directory to copy up");
	*ret_fd = fd;
	return 0;
}

int copyup_fill(int srcfd, int tmpfs_fd, bool root_attrs, struct pea_error **err)
{
	_cleanup_close_ int dst = -1;
	struct stat st;

	if (fstat(srcfd, &st) < 0)
		return pea_error_errno(err, "stat the directory to copy up");
	dst = openat(tmpfs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst < 0)
		return pea_error_errno(err, "open the tmpfs");
	if (copy_tree(srcfd, dst, 0, err) < 0)
		return pea_error_wrap(err, "copy up");
	/* the tmpfs's root takes the owner and mode of the directory it covers, unless set */
	return root_attrs ? copy_attrs(dst, ".", dst, &st, err) : 0;
}
