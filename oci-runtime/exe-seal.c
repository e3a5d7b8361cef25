/*
 * CVE-2019-5736: a process in the container can reach the runtime's binary
 * through /proc/PID/exe of the container's init (before its execve) or of an
 * `exec` child, keep an fd of it and write to it once the runtime is gone.
 * So create, run and exec first re-execute themselves from a sealed memfd
 * copy: their /proc/PID/exe is then that copy, which nobody can write.
 * The copy is only made when it matters: a binary we cannot write ourselves
 * (root's on a read-only filesystem, root's run by an ordinary user) is no
 * more writable from a container made by us.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"

#include "runtime.h"

#define EXE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/* Are we running from a sealed copy already (the re-executed process)? */
static bool exe_is_sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals >= 0 && (seals & EXE_SEALS) == EXE_SEALS;
}

static int copy_sealed(int src, int *ret_fd, struct pea_error **err)
{
	_cleanup_close_ int mfd = -1;
	struct stat st;
	off_t off = 0;

	if (fstat(src, &st) < 0)
		return pea_error_errno(err, "stat /proc/self/exe");
	mfd = memfd_create("pea-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return pea_error_errno(err, "memfd_create");
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pea_error_errno(err, "copy /proc/self/exe to a memfd");
		if (n == 0)
			return pea_error_new(err, EIO, "copy /proc/self/exe: the binary shrank");
	}
	if (fcntl(mfd, F_ADD_SEALS, EXE_SEALS) < 0)
		return pea_error_errno(err, "seal the memfd copy of pea-runtime");
	*ret_fd = TAKE_FD(mfd);
	return 0;
}

int runtime_reexec_sealed(char **argv, struct pea_error **err)
{
	_cleanup_close_ int src = -1, mfd = -1;

	src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return pea_error_errno(err, "open /proc/self/exe");
	if (exe_is_sealed(src))
		return 0;
	if (faccessat(AT_FDCWD, "/proc/self/exe", W_OK, AT_EACCESS) < 0) {
		log_debug("pea-runtime's binary is not writable by us: no sealed copy needed");
		return 0;
	}
	if (copy_sealed(src, &mfd, err) < 0)
		return pea_error_wrap(err, "protect the runtime binary (CVE-2019-5736)");
	fexecve(mfd, argv, environ);
	return pea_error_errno(err, "protect the runtime binary (CVE-2019-5736): "
				    "execute the sealed copy");
}
