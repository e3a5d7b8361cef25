#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "netsetup/netsetup.h"

/*
 * /proc/sys/net belongs to the network namespace of the process that opens
 * it, so these writes land in the namespace pea-netsetup runs in. A value
 * already right is not written again, so a read-only /proc is fine then.
 */
int sysctl_set(const char *path, const char *value, struct pea_error **err)
{
	char full[256], cur[64];
	_cleanup_close_ int fd = -1;
	size_t vlen = strlen(value);
	ssize_t n;

	if ((size_t)snprintf(full, sizeof(full), "/proc/sys/%s", path) >= sizeof(full))
		return pea_error_new(err, ENAMETOOLONG, "sysctl '%s'", path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "sysctl: open '%s'", full);
	n = read(fd, cur, sizeof(cur) - 1);
	if (n > 0) {
		cur[n] = '\0';
		if ((size_t)n == vlen + 1 && strncmp(cur, value, vlen) == 0)
			return 0;
	}
	fd = pea_close(fd);
	fd = open(full, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "sysctl: open '%s' for writing", full);
	if (write(fd, value, vlen) != (ssize_t)vlen)
		return pea_error_errno(err, "sysctl: write '%s' to '%s'", value, full);
	return 0;
}

int sysctl_set_in(int nsfd, const char *path, const char *value, struct pea_error **err)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (self < 0)
		return pea_error_errno(err, "open '/proc/self/ns/net'");
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return pea_error_errno(err, "enter the container's network namespace");
	r = sysctl_set(path, value, err);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* nothing after this may run in the wrong namespace */
		log_error("return to the network namespace: %m");
		abort();
	}
	return r;
}
