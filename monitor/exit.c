#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

/* conmon's rule: the exit code, 128 + the signal, or -1. */
int exit_status_of(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return -1;
}

/*
 * Replace dirfd/path with content (pea_write_file_replace_at: a temporary file
 * renamed over it), so a reader sees the old file or the new one, never half of one. No
 * fsync, as conmon (GLib's g_file_set_contents for a new file): these files
 * say what a running monitor knows (its pid, the exit code it just read) and
 * mean nothing after a crash of the machine, when the engine asks the
 * runtime; an fsync costs milliseconds on a disk, on the way to the exit
 * command. Records that must outlive a crash go through
 * pea_write_file_atomic_at().
 */
int monitor_write_file_replace(int dirfd, const char *path, const char *content, mode_t mode,
			       struct pea_error **err)
{
	return pea_write_file_replace_at(dirfd, path, content, strlen(content), mode, err);
}

/* Write "STATUS" to dir/name: a watcher never reads half a file. */
static int write_status_file(const char *dir, const char *name, const char *content,
			     struct pea_error **err)
{
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dirfd < 0)
		return pea_error_errno(err, "open the directory '%s'", dir);
	if (monitor_write_file_replace(dirfd, name, content, 0644, err) < 0)
		return pea_error_wrap(err, "write the exit file '%s/%s'", dir, name);
	return 0;
}

/*
 * PERSIST_DIR/exit first, then EXIT_DIR/CID, which the engine watches. A container
 * that pea rm removes (exit_cleaner_marked) loses its persist dir: only the exit file rm
 * waits for is written.
 */
int exit_write_files(struct monitor *m, int status, struct pea_error **err)
{
	char content[16];

	snprintf(content, sizeof(content), "%d", status);
	if (m->opts->persist_dir && !m->cleaner_marked &&
	    write_status_file(m->opts->persist_dir, "exit", content, err) < 0)
		return -(*err)->code;
	if (m->opts->exit_dir &&
	    write_status_file(m->opts->exit_dir, m->opts->cid, content, err) < 0)
		return -(*err)->code;
	return 0;
}

/*
 * --exit-command-skip-if's file is there, and the process it may name (a
 * pid, the one that cleans up instead: pea rm) lives (not a zombie).
 */
static bool exit_command_skipped(const char *file)
{
	_cleanup_free_ char *buf = NULL, *stat = NULL, *sbuf = NULL;
	const char *paren;
	char *end = NULL;
	size_t len;
	long pid;

	if (pea_read_file_at(AT_FDCWD, file, 64, &buf, &len, NULL) < 0)
		return false;
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (end == buf || errno || pid <= 0 || pid > INT32_MAX)
		return true; /* no pid: the file alone */
	if (kill((pid_t)pid, 0) < 0 && errno != EPERM)
		return false;
	/* killed and not reaped yet (a zombie) is gone too */
	stat = xasprintf("/proc/%ld/stat", pid);
	if (pea_read_file_at(AT_FDCWD, stat, 4096, &sbuf, &len, NULL) < 0)
		return false;
	paren = strrchr(sbuf, ')');
	return !(paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'));
}

bool exit_cleaner_marked(const struct monitor *m)
{
	return m->opts->exit_command_skip_if && exit_command_skipped(m->opts->exit_command_skip_if);
}

/*
 * --cleaner-fd: our end of a pipe or socket whose other end a foreground
 * pea run holds. It writes a byte there once it has cleaned up after the
 * container (and removed it with --rm) itself: the exit command would only
 * wait for its lock to find nothing left, and the run would wait for both
 * (it reaps this monitor). The end without a byte (the run killed, detached
 * from a terminal, or failed) leaves the work to the exit command.
 */
static bool cleaner_did_it(int fd)
{
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1;
}

/*
 * Run --exit-command with its --exit-command-arg's after --exit-delay
 * seconds, wait for it, and fail with its status. It is not our subreaper's
 * business: the command's own children go to init.
 */
int exit_run_command(struct monitor *m, struct pea_error **err)
{
	const struct monitor_options *o = m->opts;
	_cleanup_strv_ char **argv = NULL;
	struct pea_fd_map fds[] = { { m->devnull_r, 0 }, { m->devnull_w, 1 }, { m->devnull_w, 2 } };
	struct pea_spawn s = { .fds = fds, .nfds = ARRAY_SIZE(fds) };
	struct timespec delay = { .tv_sec = o->exit_delay };
	pid_t pid;
	int status;

	if (!o->exit_command)
		return 0;
	if (o->cleaner_fd > 0) {
		bool done = cleaner_did_it(o->cleaner_fd);

		(void)close(o->cleaner_fd);
		if (done) {
			log_debug("the engine cleaned up itself: no exit command");
			return 0;
		}
	}
	/*
	 * pea rm marks a container it kills, and then cleans up and removes it
	 * itself under the container's lock: an exit command would only wait
	 * for that lock to find the container gone (rm -a of N: N more engines).
	 * A pea rm killed meanwhile leaves it to the exit command again.
	 */
	if (o->exit_command_skip_if && exit_command_skipped(o->exit_command_skip_if)) {
		log_debug("'%s' names who cleans up: no exit command", o->exit_command_skip_if);
		return 0;
	}
	pea_strv_push(&argv, o->exit_command);
	for (size_t i = 0; o->exit_command_args && o->exit_command_args[i]; i++)
		pea_strv_push(&argv, o->exit_command_args[i]);
	s.argv = argv;
	if (m->cfg->log_drivers & LOG_DRIVER_PASSTHROUGH)
		s.nfds = 0; /* our stdio is already /dev/null */
	if (prctl(PR_SET_CHILD_SUBREAPER, 0) < 0)
		log_warning("stop being a subreaper: %s, ignoring", strerror(errno));
	if (o->exit_delay > 0) {
		log_debug("waiting %d seconds before the exit command", o->exit_delay);
		while (nanosleep(&delay, &delay) < 0 && errno == EINTR)
			;
	}
	if (pea_spawn(&s, &pid, NULL, err) < 0)
		return pea_error_wrap(err, "run the exit command '%s'", o->exit_command);
	if (pea_wait(pid, -1, -1, &status, err) < 0)
		return pea_error_wrap(err, "wait for the exit command '%s'", o->exit_command);
	if (exit_status_of(status) != 0)
		return pea_error_new(err, ECHILD, "exit command '%s' failed with status %d",
				     o->exit_command, exit_status_of(status));
	return 0;
}
