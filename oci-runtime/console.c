#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/process.h"

#include "container.h"

/*
 * `run` in the foreground with process.terminal and no --console-socket, as
 * runc does it: the pty master comes back to us, and we copy between it and
 * our stdio (in raw mode when stdin is a terminal) until the container exits.
 */

static int recv_fd(int sock, int *ret_fd, struct pea_error **err)
{
	char data[64];

	if (pea_recv_fd(sock, data, sizeof(data), ret_fd, 0) < 0)
		return pea_error_errno(err, "receive the terminal");
	if (*ret_fd < 0)
		return pea_error_new(err, EPROTO, "no terminal received from the container");
	return 0;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Copy what is readable on from to to; false at EOF or error (EIO: the pty hung up). */
static bool pump(int from, int to)
{
	char buf[8192];
	ssize_t n;

	do
		n = read(from, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 && errno == EAGAIN;
	return pea_write_all(to, buf, (size_t)n, NULL) == 0;
}

static int proxy_loop(struct container *c, int master, int sfd, int *ret_status,
		      struct pea_error **err)
{
	struct pollfd p[4] = {
		{ .fd = c->pidfd, .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
		{ .fd = master, .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};

	for (;;) {
		struct signalfd_siginfo si;
		int status;

		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return pea_error_errno(err, "poll");
		}
		if (p[0].revents & (POLLNVAL | POLLERR) || c->pid <= 0)
			return pea_error_new(err, EBADF, "wait for the container: no pidfd for it");
		if (p[1].revents & POLLIN && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGWINCH)
				copy_winsize(STDIN_FILENO, master);
			else
				kill(c->pid, (int)si.ssi_signo);
		}
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR) && !pump(master, STDOUT_FILENO))
			p[2].fd = -1;
		if (p[3].revents & (POLLIN | POLLHUP | POLLERR) && !pump(STDIN_FILENO, master))
			p[3].fd = -1;
		if (!(p[0].revents & POLLIN))
			continue;
		if (waitpid(c->pid, &status, 0) < 0)
			return pea_error_errno(err, "wait for the container");
		/* what the container wrote last is still in the pty */
		pea_fd_set_nonblock(master, true);
		while (p[2].fd >= 0 && pump(master, STDOUT_FILENO) && errno != EAGAIN)
			;
		*ret_status = status;
		return 0;
	}
}

int console_proxy(struct container *c, int sfd, int *ret_status, struct pea_error **err)
{
	_cleanup_close_ int master = -1;
	struct termios saved, raw;
	bool tty;
	int r;

	if (recv_fd(c->console_peer, &master, err) < 0)
		return -EINVAL;
	c->console_peer = pea_close(c->console_peer);
	tty = tcgetattr(STDIN_FILENO, &saved) == 0;
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		copy_winsize(STDIN_FILENO, master);
	}
	r = proxy_loop(c, master, sfd, ret_status, err);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return r;
}
