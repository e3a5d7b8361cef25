#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/process.h"

#include "container.h"
#include "notify.h"
#include "runtime.h"
#include "state.h"

static const char run_usage[] =
	"Usage: pea-runtime run [OPTIONS] ID\n"
	"\n"
	"Create and start a container; in the foreground, wait for it and exit with its status.\n"
	"\n"
	"  -b, --bundle DIR          the bundle (default: the current directory)\n"
	"  -f, --config FILE         crun's: the config file instead of config.json\n"
	"                            (a relative FILE is in the bundle)\n"
	"  -d, --detach              return once the container runs\n"
	"      --keep                keep the state of the stopped container (no delete)\n"
	"      --pid-file FILE       write the container's pid to FILE\n"
	"      --console-socket SOCK send the pty master to this unix socket (process.terminal)\n"
	"      --preserve-fds N      pass N more fds (3 to 3+N-1) to the container\n"
	"      --no-pivot            MS_MOVE and chroot instead of pivot_root\n"
	"      --no-new-keyring      keep the caller's session keyring\n"
	"      --no-subreaper        accepted for runc compatibility\n";

/* Signals forwarded to the container in the foreground; the others keep their default. */
void run_forwarded_signals(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGCHLD);
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGTTIN);
	sigdelset(set, SIGTTOU);
}

static void run_poststart(const struct container *c)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *state = NULL;

	if (!c->spec->hooks[HOOK_POSTSTART].n)
		return;
	state = container_state_string(c, STATUS_RUNNING);
	if (hooks_run(&c->spec->hooks[HOOK_POSTSTART], "poststart", state, &err) < 0)
		log_warning("%s, ignoring", err->message);
}

/* A READY=1 on NOTIFY_SOCKET passed on: no more to wait for there (-1). */
static int run_notify(int fd)
{
	_cleanup_error_ struct pea_error *err = NULL;
	int r = notify_handle(fd, &err);

	if (r < 0)
		log_warning("%s, ignoring", err->message);
	return r == 0 ? fd : -1;
}

/*
 * Forward signals until the init exits; its wait status in *ret_status.
 * With NOTIFY_SOCKET, pass its READY=1 on meanwhile.
 */
int run_wait_container(const struct container *c, int sfd, int *ret_status, struct pea_error **err)
{
	struct pollfd p[3] = { { .fd = c->pidfd, .events = POLLIN },
			       { .fd = sfd, .events = POLLIN },
			       { .fd = c->notify_fd, .events = POLLIN } };

	for (;;) {
		struct signalfd_siginfo si;
		int status;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return pea_error_errno(err, "poll");
		}
		/* never a spin, never kill(0): a bad pidfd or pid is an error */
		if (p[0].revents & (POLLNVAL | POLLERR) || c->pid <= 0)
			return pea_error_new(err, EBADF, "wait for the container: no pidfd for it");
		if (p[1].revents & POLLIN && read(sfd, &si, sizeof(si)) == sizeof(si))
			kill(c->pid, (int)si.ssi_signo);
		if (p[2].revents & POLLIN)
			p[2].fd = run_notify(p[2].fd);
		if (!(p[0].revents & POLLIN))
			continue;
		if (waitpid(c->pid, &status, 0) < 0)
			return pea_error_errno(err, "wait for the container");
		/* orphans reparented to us (we are a subreaper) */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		*ret_status = status;
		return 0;
	}
}

static int delete_stopped(const struct global_options *g, const char *id, struct pea_error **err)
{
	struct container_handle h;
	int r;

	if (state_lookup(g->root, id, true, &h, err) < 0)
		return -EINVAL;
	r = container_destroy(&h, err);
	state_handle_close(&h);
	return r;
}

int cmd_run(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct create_options o = { 0 };
	struct container *c = NULL;
	_cleanup_close_ int sfd = -1;
	sigset_t set, old;
	int idx, status = 0, r;

	idx = create_parse_args("run", run_usage, true, argc, argv, &o, err);
	if (idx <= 0)
		return idx;
	if (!o.detach) {
		/* an init made through the namespace-joining process comes back to us */
		if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
			return pea_error_errno(err, "become a subreaper");
		run_forwarded_signals(&set);
		sigprocmask(SIG_BLOCK, &set, &old);
		sfd = signalfd(-1, &set, SFD_CLOEXEC);
		if (sfd < 0)
			return pea_error_errno(err, "signalfd");
	}
	if (container_create(g, argv[idx], &o, true, &c, err) < 0)
		return -EINVAL;
	/* as crun: run -d with NOTIFY_SOCKET returns once the container said READY=1 */
	if (o.detach && c->notify_fd >= 0 && notify_wait_ready(c->notify_fd, c->pidfd, err) < 0) {
		container_free(c);
		return -EINVAL;
	}
	run_poststart(c);
	if (o.detach) {
		container_free(c);
		return 0;
	}
	if (c->console_peer >= 0)
		r = console_proxy(c, sfd, &status, err);
	else
		r = run_wait_container(c, sfd, &status, err);
	container_free(c);
	if (r < 0)
		return r;
	if (!o.keep && delete_stopped(g, argv[idx], err) < 0)
		return -EINVAL;
	return pea_exit_status(status);
}
