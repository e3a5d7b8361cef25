#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/xalloc.h"

#include "container.h"

/*
 * A hook is path with args and env (argv[0] is args[0], not path), the state
 * JSON on its stdin, killed after timeout seconds. The state is small: it is
 * written into the pipe before the fork, so no writer has to wait for the hook.
 */
static int hook_run(const struct spec_hook *h, const char *kind, size_t i, const char *state,
		    struct pea_error **err)
{
	char *def_args[] = { h->path, NULL };
	_cleanup_close_ int pidfd = -1;
	_cleanup_free_ char *what = NULL;
	int pipefd[2], status = 0, r;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe");
	if (pea_write_all(pipefd[1], state, strlen(state), err) < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -EIO;
	}
	close(pipefd[1]);
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		return pea_error_errno(err, "fork");
	}
	if (pid == 0) {
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (dup2(pipefd[0], STDIN_FILENO) < 0)
			_exit(127);
		/* no env: ours, as runc does (Go's exec with a nil Env) */
		execve(h->path, h->args ? h->args : def_args, h->env ? h->env : environ);
		dprintf(STDERR_FILENO, "pea-runtime: %s hook '%s': %s\n", kind, h->path,
			strerror(errno));
		_exit(127);
	}
	close(pipefd[0]);
	what = xasprintf("hooks.%s[%zu] '%s'", kind, i, h->path);
	pidfd = pea_pidfd_open(pid, 0);
	r = pea_wait(pid, pidfd, h->timeout > 0 ? h->timeout * 1000 : -1, &status, err);
	if (r == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		pea_wait(pid, pidfd, -1, &status, NULL);
		return pea_error_new(err, ETIMEDOUT, "%s: timed out after %d s", what, h->timeout);
	}
	if (r < 0)
		return pea_error_wrap(err, "%s", what);
	if (status != 0) {
		_cleanup_free_ char *desc = pea_describe_wait_status(status);
		char sig[64] = "";

		/* runc's words, which its callers and tests look for; the signal's too */
		if (WIFSIGNALED(status)) {
			snprintf(sig, sizeof(sig), ": %s", strsignal(WTERMSIG(status)));
			sig[2] = (char)tolower((unsigned char)sig[2]);
		}
		return pea_error_new(err, ECANCELED, "%s: error running hook: %s%s", what, desc,
				     sig);
	}
	return 0;
}

int hooks_run(const struct spec_hooks *h, const char *kind, const char *state_json,
	      struct pea_error **err)
{
	for (size_t i = 0; i < h->n; i++)
		if (hook_run(&h->v[i], kind, i, state_json, err) < 0)
			return -EINVAL;
	return 0;
}
