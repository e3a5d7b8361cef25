#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/lock.h"
#include "tests/unit/tap.h"

static char tmpdir[] = "/tmp/pea-test-lock.XXXXXX";

/*
 * In another process, try to take the lock; return its error message ("ok"
 * when it got the lock).
 */
static char *try_in_child(int dir, enum pea_lock_mode mode, bool nonblock)
{
	static char msg[256];
	int p[2];
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	pid = fork();
	if (pid == 0) {
		struct pea_error *err = NULL;
		int fd = -1;
		const char *m = "ok";

		if (pea_lock_at(dir, "store.lock", mode, nonblock, &fd, &err) < 0)
			m = err->message;
		(void)!write(p[1], m, strlen(m));
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(pid, NULL, 0);
	return msg;
}

int main(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_close_ int dir = -1;
	struct stat st;
	int fd = -1;
	long ms = 0;

	if (!mkdtemp(tmpdir))
		abort();
	dir = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	tap_plan(14);

	tap_is_int(pea_lock_at(dir, "store.lock", PEA_LOCK_EXCLUSIVE, false, &fd, &err), 0,
		   "exclusive lock");
	tap_ok(fstatat(dir, "store.lock", &st, 0) == 0 && (st.st_mode & 0777) == 0600,
	       "lock file created with mode 0600");
	tap_is_str(try_in_child(dir, PEA_LOCK_EXCLUSIVE, true),
		   "lock 'store.lock': locked by another process",
		   "nonblock exclusive against exclusive: clear message");
	tap_is_str(try_in_child(dir, PEA_LOCK_SHARED, true),
		   "lock 'store.lock': locked by another process",
		   "nonblock shared against exclusive");
	fd = pea_unlock(fd);
	tap_is_int(fd, -1, "unlock returns -1");
	tap_is_str(try_in_child(dir, PEA_LOCK_EXCLUSIVE, true), "ok", "free again after unlock");

	pea_lock_at(dir, "store.lock", PEA_LOCK_SHARED, false, &fd, &err);
	tap_is_str(try_in_child(dir, PEA_LOCK_SHARED, true), "ok", "shared with shared");
	tap_is_str(try_in_child(dir, PEA_LOCK_EXCLUSIVE, true),
		   "lock 'store.lock': locked by another process", "exclusive against shared");

	fd = pea_unlock(fd);
	{
		int holder[2];
		pid_t h;
		char c;

		/* a holder process keeps the lock 200 ms, we block on it */
		if (pipe2(holder, O_CLOEXEC) < 0)
			abort();
		h = fork();
		if (h == 0) {
			int hfd = -1;

			pea_lock_at(dir, "store.lock", PEA_LOCK_EXCLUSIVE, false, &hfd, NULL);
			(void)!write(holder[1], "x", 1);
			usleep(200 * 1000);
			_exit(0);
		}
		close(holder[1]);
		(void)!read(holder[0], &c, 1);
		close(holder[0]);
		{
			struct timespec t0, t1;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			tap_is_int(pea_lock_at(dir, "store.lock", PEA_LOCK_EXCLUSIVE, false, &fd,
					       &err),
				   0, "blocking lock waits for the holder");
			clock_gettime(CLOCK_MONOTONIC, &t1);
			ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		}
		tap_ok(ms >= 100, "it waited (%ld ms) until the holder exited", ms);
		waitpid(h, NULL, 0);
		fd = pea_unlock(fd);
	}

	tap_is_int(pea_lock_at(dir, "nodir/x.lock", PEA_LOCK_SHARED, false, &fd, &err), -ENOENT,
		   "missing directory");
	tap_is_str(err ? err->message : NULL,
		   "open lock file 'nodir/x.lock': No such file or directory",
		   "open error message");
	if (symlinkat("/etc/passwd", dir, "link.lock") < 0)
		abort();
	tap_is_int(pea_lock_at(dir, "link.lock", PEA_LOCK_SHARED, false, &fd, &err), -ELOOP,
		   "a symlink is not followed");
	tap_is_int(pea_rm_rf_at(AT_FDCWD, tmpdir, NULL), 0, "cleanup");
	return tap_done();
}
