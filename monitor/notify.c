#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

/*
 * --sdnotify-socket HOST: the container gets BUNDLE/notify/notify.sock (the
 * engine mounts it as its NOTIFY_SOCKET); of what it sends, READY=1 and
 * WATCHDOG=1 are passed on to HOST, as the OCI runtimes do.
 */

static int notify_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
		     struct pea_error **err)
{
	struct monitor *m = data;
	struct sockaddr_un host = { .sun_family = AF_UNIX };
	char buf[4096];
	const char *msg = NULL;
	ssize_t n;

	(void)loop;
	(void)events;
	(void)err;
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (strstr(buf, "READY=1"))
		msg = "READY=1";
	else if (strstr(buf, "WATCHDOG=1"))
		msg = "WATCHDOG=1";
	if (!msg)
		return 0;
	snprintf(host.sun_path, sizeof(host.sun_path), "%s", m->notify_host_path);
	if (sendto(m->notify_host_fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
		   (struct sockaddr *)&host, sizeof(host)) < 0)
		log_warning("relay '%s' to '%s': %s, ignoring", msg, m->notify_host_path,
			    strerror(errno));
	return 0;
}

int notify_setup(struct monitor *m, struct pea_error **err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dirfd = -1;

	if (!m->opts->sdnotify_socket || !m->cfg->bundle)
		return 0;
	if (strlen(m->opts->sdnotify_socket) >= sizeof(addr.sun_path))
		return pea_error_new(err, ENAMETOOLONG, "--sdnotify-socket '%s' is too long",
				     m->opts->sdnotify_socket);
	m->notify_host_path = xstrdup(m->opts->sdnotify_socket);
	m->notify_host_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->notify_host_fd < 0)
		return pea_error_errno(err, "create the notify socket");
	dir = xasprintf("%s/notify", m->cfg->bundle);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return pea_error_errno(err, "create '%s'", dir);
	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/notify.sock", dirfd);
	unlinkat(dirfd, "notify.sock", 0);
	m->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->notify_fd < 0 || bind(m->notify_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return pea_error_errno(err, "bind '%s/notify.sock'", dir);
	if (fchmodat(dirfd, "notify.sock", 0777, 0) < 0)
		return pea_error_errno(err, "chmod '%s/notify.sock'", dir);
	return pea_loop_add_fd(m->loop, m->notify_fd, EPOLLIN, notify_cb, m, NULL, err);
}

void notify_close(struct monitor *m)
{
	m->notify_fd = pea_close(m->notify_fd);
	m->notify_host_fd = pea_close(m->notify_host_fd);
	free(m->notify_host_path);
	m->notify_host_path = NULL;
}
