#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/lock.h"

int pea_lock_at(int dirfd, const char *name, enum pea_lock_mode mode, bool nonblock, int *ret_fd,
		struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	int op = (mode == PEA_LOCK_SHARED ? LOCK_SH : LOCK_EX) | (nonblock ? LOCK_NB : 0);

	fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0 && (errno == EACCES || errno == EROFS)) /* a read-only store: reading may lock */
		fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return pea_error_errno(err, "open lock file '%s'", name);
	while (flock(fd, op) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return pea_error_new(err, EWOULDBLOCK,
					     "lock '%s': locked by another process", name);
		return pea_error_errno(err, "lock '%s'", name);
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int pea_unlock(int fd)
{
	return pea_close(fd);
}
