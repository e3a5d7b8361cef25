#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/process.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

/* Receive one fd passed with SCM_RIGHTS (the runtime's --console-socket protocol). */
static int recv_fd(int sock, int *ret_fd, struct pea_error **err)
{
	char name[256];

	if (pea_recv_fd(sock, name, sizeof(name), ret_fd, 0) < 0)
		return pea_error_errno(err, "receive the terminal from the runtime");
	if (*ret_fd < 0)
		return pea_error_new(err, EPROTO,
				     "the runtime sent no terminal on the console socket");
	return 0;
}

static int console_accept_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
			     struct pea_error **err)
{
	struct monitor *m = data;
	_cleanup_close_ int conn = -1;
	struct termios t;
	int master = -1;

	(void)events;
	conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0) {
		log_warning("accept on the console socket: %s, ignoring", strerror(errno));
		return 0;
	}
	if (recv_fd(conn, &master, err) < 0) {
		/*
		 * A runtime that fails closes the socket without a terminal (crun, when the
		 * executable is missing): its exit and its own error are the failure, as podman
		 * reports them; one that exits 0 without a terminal is wait_for_console's.
		 */
		log_debug("%s: waiting for the runtime's exit", (*err)->message);
		*err = pea_error_free(*err);
		return 0;
	}
	/* one terminal only: stop listening */
	console_cleanup(m);
	/* like a kubelet terminal: \n becomes \r\n on output */
	if (tcgetattr(master, &t) == 0) {
		t.c_oflag |= ONLCR;
		if (tcsetattr(master, TCSANOW, &t) < 0)
			log_warning("set the terminal attributes: %s, ignoring", strerror(errno));
	}
	pea_fd_set_nonblock(master, true);
	m->stdin_fd = master;
	m->stdout_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
	if (m->stdout_fd < 0)
		return pea_error_errno(err, "dup the terminal");
	if (m->pending_cols > 0)
		stdio_resize(m, m->pending_rows, m->pending_cols);
	if (ctl_watch_winsz(m, err) < 0)
		return -(*err)->code;
	/* input queued by early attach clients */
	stdio_stdin_push(m, "", 0);
	monitor_console_ready(m);
	(void)loop;
	return 0;
}

int console_setup(struct monitor *m, struct pea_error **err)
{
	const char *tmp = getenv("TMPDIR");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	_cleanup_free_ char *dir = NULL;

	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	dir = xasprintf("%s/pea-monitor-XXXXXX", tmp);
	if (!mkdtemp(dir))
		return pea_error_errno(err, "create a directory for the console socket in '%s'",
				       tmp);
	m->console_path = xasprintf("%s/console", dir);
	if (strlen(m->console_path) >= sizeof(addr.sun_path))
		return pea_error_new(err, ENAMETOOLONG, "console socket path '%s' is too long",
				     m->console_path);
	strcpy(addr.sun_path, m->console_path);
	m->console_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->console_fd < 0)
		return pea_error_errno(err, "create the console socket");
	if (bind(m->console_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(m->console_fd, 4) < 0)
		return pea_error_errno(err, "listen on the console socket '%s'", m->console_path);
	return pea_loop_add_fd(m->loop, m->console_fd, EPOLLIN, console_accept_cb, m, &m->console_w,
			       err);
}

void console_cleanup(struct monitor *m)
{
	if (m->console_w)
		pea_loop_remove(m->loop, m->console_w);
	m->console_w = NULL;
	m->console_fd = pea_close(m->console_fd);
	if (m->console_path) {
		char *slash = strrchr(m->console_path, '/');

		unlink(m->console_path);
		if (slash) {
			*slash = '\0';
			rmdir(m->console_path);
		}
		free(m->console_path);
		m->console_path = NULL;
	}
}
