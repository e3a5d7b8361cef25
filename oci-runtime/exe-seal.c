/*
 * CVE-2019-5736: a process in the container can reach the runtime's binary
 * through /proc/PID/exe of the container's init (before its execve) or of an
 * `exec` child, keep an fd of it and write to it once the runtime is gone.
 * So create, run and exec first re-execute themselves from a sealed memfd
 * copy: their /proc/PID/exe is then that copy, which nobody can write.
 * create and run need no copy of the whole binary when the container has a
 * pid namespace of its own (runtime_protect_exe with ret_dmz_fd): nothing of
 * the container sees our processes, and its init, once it is ready (before
 * any other process can join it), executes pea-runtime-dmz (dmz/dmz.c) from
 * a sealed memfd of a few kilobytes, which waits for start and executes the
 * program: the init's /proc/PID/exe is that copy from then on.
 *
 * The copy is only made when it matters: a binary we cannot write ourselves
 * (root's on a read-only filesystem, root's run by an ordinary user) is no
 * more writable from a container made by us. A container's user namespace
 * that leaves the binary's owner out does not spare it: another container,
 * in no user namespace, may join the waiting init's pid namespace by path
 * and, with CAP_SYS_PTRACE, open and write its /proc/PID/exe.
 */

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"

#include "runtime.h"
#include "spec.h"

#define EXE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/* Are we running from a sealed copy already (the re-executed process)? */
static bool exe_is_sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals >= 0 && (seals & EXE_SEALS) == EXE_SEALS;
}

/*
 * How much of the binary execve needs: the program headers and what they
 * map, which is what the kernel and ld.so read. The section headers, the
 * symbols and the debug information after them (three quarters of a -g
 * build) stay out of the copy. Anything unexpected: the whole file.
 */
static off_t exe_needed_size(int fd, off_t size)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint64_t end;

#if defined(__SANITIZE_ADDRESS__)
	return size; /* the sanitizers symbolize from /proc/self/exe */
#endif
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(ph) || eh.e_phnum == 0 || eh.e_phnum >= PN_XNUM ||
	    eh.e_phoff > (uint64_t)size)
		return size;
	end = eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(ph);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
			    (ssize_t)sizeof(ph) ||
		    ph.p_offset > (uint64_t)size || ph.p_filesz > (uint64_t)size - ph.p_offset)
			return size;
		if (ph.p_offset + ph.p_filesz > end)
			end = ph.p_offset + ph.p_filesz;
	}
	return end <= (uint64_t)size ? (off_t)end : size;
}

static int copy_sealed(int src, int *ret_fd, struct pea_error **err)
{
	_cleanup_close_ int mfd = -1;
	struct stat st;
	off_t off = 0, size;

	if (fstat(src, &st) < 0)
		return pea_error_errno(err, "stat /proc/self/exe");
	size = exe_needed_size(src, st.st_size);
	mfd = memfd_create("pea-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return pea_error_errno(err, "memfd_create");
	while (off < size) {
		ssize_t n = sendfile(mfd, src, &off, (size_t)(size - off));

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

extern const char pea_dmz_image_start[], pea_dmz_image_end[];

/* pea-runtime-dmz (dmz/dmz.c) in a sealed memfd: a few kilobytes to write. */
static int dmz_sealed(int *ret_fd, struct pea_error **err)
{
	size_t size = (size_t)((uintptr_t)pea_dmz_image_end - (uintptr_t)pea_dmz_image_start);
	_cleanup_close_ int mfd = -1;

	mfd = memfd_create("pea-runtime-dmz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return pea_error_errno(err, "memfd_create");
	if (pea_write_all(mfd, pea_dmz_image_start, size, err) < 0)
		return pea_error_wrap(err, "copy pea-runtime-dmz to a memfd");
	if (fcntl(mfd, F_ADD_SEALS, EXE_SEALS) < 0)
		return pea_error_errno(err, "seal the memfd copy of pea-runtime-dmz");
	*ret_fd = TAKE_FD(mfd);
	return 0;
}

bool runtime_has_dmz(void)
{
	return (uintptr_t)pea_dmz_image_end - (uintptr_t)pea_dmz_image_start > 64;
}

int runtime_reexec_sealed(char **argv, struct pea_error **err)
{
	return runtime_protect_exe(argv, NULL, err);
}

int runtime_protect_exe(char **argv, int *ret_dmz_fd, struct pea_error **err)
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
	if (ret_dmz_fd) {
		if (dmz_sealed(ret_dmz_fd, err) < 0)
			return pea_error_wrap(err, "protect the runtime binary (CVE-2019-5736)");
		log_debug("the container's init ends in a sealed pea-runtime-dmz");
		return 0;
	}
	if (copy_sealed(src, &mfd, err) < 0)
		return pea_error_wrap(err, "protect the runtime binary (CVE-2019-5736)");
	fexecve(mfd, argv, environ);
	return pea_error_errno(err, "protect the runtime binary (CVE-2019-5736): "
				    "execute the sealed copy");
}
