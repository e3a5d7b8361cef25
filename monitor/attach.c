#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

/*
 * The attach socket: SOCK_SEQPACKET at BUNDLE/attach (--full-attach) or at
 * SOCKET_DIR/CUUID/attach through a symlink SOCKET_DIR/CUUID -> BUNDLE
 * (short enough for sun_path). Every packet to a client is one byte of
 * stream id (2 stdout, 3 stderr) and at most 8192 bytes of output; every
 * packet from a client is input for the container.
 */

/* A chunk of MONITOR_READ_CHUNK gives this many packets at most. */
#define QUEUE_CAP (MONITOR_CLIENT_QUEUE + MONITOR_READ_CHUNK / MONITOR_PACKET_DATA)

struct attach_client {
	struct monitor *m;
	int fd;
	struct pea_watch *w;
	bool readable, writable, full, paused;
	char *queue[QUEUE_CAP];
	size_t queue_len[QUEUE_CAP];
	int head, count;
	struct attach_client *next;
};

static void client_update_events(struct attach_client *c);

/* Drop what is queued for c: it will not take it. */
static void client_drop_queue(struct attach_client *c)
{
	for (int i = 0; i < c->count; i++) {
		int k = (c->head + i) % QUEUE_CAP;

		free(c->queue[k]);
		c->queue[k] = NULL;
	}
	c->head = c->count = 0;
	if (c->full) {
		c->full = false;
		if (--c->m->clients_full == 0)
			stdio_pause_output(c->m, false);
	}
}

/* A client's input ended: without --leave-stdin-open, so does the container's. */
static void input_ended(struct monitor *m)
{
	if (m->opts->stdin_pipe && !m->opts->leave_stdin_open)
		stdio_stdin_close(m);
}

static void client_free(struct attach_client *c)
{
	struct monitor *m = c->m;
	struct attach_client **p;

	for (p = &m->clients; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	m->nclients--;
	client_drop_queue(c);
	/* gone without an end of input first (a hang-up, an error): its input ends here */
	if (c->readable)
		input_ended(m);
	if (c->w)
		pea_loop_remove(m->loop, c->w);
	pea_close(c->fd);
	free(c);
}

static void client_shutdown(struct attach_client *c, int how)
{
	shutdown(c->fd, how);
	if (how != SHUT_WR)
		c->readable = false;
	if (how != SHUT_RD) {
		c->writable = false;
		/* its queue would hold the container's output back forever */
		client_drop_queue(c);
	}
	if (!c->readable && !c->writable) {
		client_free(c);
		return;
	}
	client_update_events(c);
}

static void client_update_events(struct attach_client *c)
{
	_cleanup_error_ struct pea_error *e = NULL;
	uint32_t events = 0;

	if (c->readable && !c->paused)
		events |= EPOLLIN;
	if (c->writable && c->count > 0)
		events |= EPOLLOUT;
	pea_loop_modify_fd(c->m->loop, c->w, events, &e);
}

/* The client hung up its sending side: maybe close the container's stdin. */
static void client_input_ended(struct attach_client *c)
{
	struct monitor *m = c->m;

	client_shutdown(c, SHUT_RD); /* may free c */
	input_ended(m);
}

static void client_read(struct attach_client *c)
{
	struct monitor *m = c->m;
	char buf[MONITOR_CLIENT_PACKET];
	bool discard = m->stdin_fd < 0 && !m->opts->terminal;
	ssize_t n;

	if (!discard && stdio_stdin_space(m) < sizeof(buf)) {
		/* the container is slow to read: wait for room */
		c->paused = true;
		m->clients_paused = true;
		client_update_events(c);
		return;
	}
	do
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		client_input_ended(c);
		return;
	}
	if (!discard)
		stdio_stdin_push(m, buf, (size_t)n);
}

static bool client_send_queue(struct attach_client *c)
{
	while (c->count > 0) {
		int i = c->head;
		ssize_t n = send(c->fd, c->queue[i], c->queue_len[i], MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n < 0)
			return false;
		free(c->queue[i]);
		c->queue[i] = NULL;
		c->head = (c->head + 1) % QUEUE_CAP;
		c->count--;
	}
	if (c->full) {
		c->full = false;
		if (--c->m->clients_full == 0)
			stdio_pause_output(c->m, false);
	}
	return true;
}

static int client_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
		     struct pea_error **err)
{
	struct attach_client *c = data;

	(void)loop;
	(void)fd;
	(void)err;
	if ((events & EPOLLOUT) && c->writable) {
		if (!client_send_queue(c)) {
			client_shutdown(c, SHUT_WR);
			return 0;
		}
		client_update_events(c);
	}
	if ((events & EPOLLIN) && c->readable)
		client_read(c);
	else if (events & (EPOLLHUP | EPOLLERR))
		client_free(c);
	return 0;
}

/* Take one waiting connection; 1 if one was taken, 0 if none was waiting. */
static int accept_one(struct monitor *m, struct pea_error **err)
{
	struct attach_client *c;
	int conn;

	conn = accept4(m->attach_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (conn < 0) {
		if (errno != EAGAIN)
			log_warning("accept on the attach socket: %s, ignoring", strerror(errno));
		return 0;
	}
	if (m->nclients >= MONITOR_MAX_CLIENTS) {
		log_warning("more than %d attach clients, refusing one", MONITOR_MAX_CLIENTS);
		close(conn);
		return 1;
	}
	c = xnew(struct attach_client, 1);
	*c = (struct attach_client){ .m = m, .fd = conn, .readable = true, .writable = true };
	if (pea_loop_add_fd(m->loop, conn, EPOLLIN, client_cb, c, &c->w, err) < 0) {
		close(conn);
		free(c);
		return -(*err)->code;
	}
	c->next = m->clients;
	m->clients = c;
	m->nclients++;
	log_debug("attach client %d connected", conn);
	return 1;
}

static int attach_accept_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
			    struct pea_error **err)
{
	(void)loop;
	(void)fd;
	(void)events;
	return accept_one(data, err) < 0 ? -(*err)->code : 0;
}

/*
 * The container ended: clients that connected while it ran, and that the
 * loop had no turn to accept (their connect and the exit came together),
 * are accepted now, so that what it wrote reaches them too.
 */
void attach_accept_pending(struct monitor *m)
{
	_cleanup_error_ struct pea_error *e = NULL;

	if (m->attach_fd < 0)
		return;
	while (m->nclients < MONITOR_MAX_CLIENTS && accept_one(m, &e) > 0)
		;
	if (e)
		log_warning("%s, ignoring", e->message);
}

void attach_resume_clients(struct monitor *m)
{
	if (!m->clients_paused || stdio_stdin_space(m) < MONITOR_CLIENT_PACKET)
		return;
	m->clients_paused = false;
	for (struct attach_client *c = m->clients; c; c = c->next)
		if (c->paused) {
			c->paused = false;
			client_update_events(c);
		}
}

static void client_enqueue(struct attach_client *c, const char *packet, size_t len)
{
	int i = (c->head + c->count) % QUEUE_CAP;

	if (c->count == QUEUE_CAP) { /* cannot happen: output waits at MONITOR_CLIENT_QUEUE */
		client_shutdown(c, SHUT_WR);
		return;
	}
	c->queue[i] = xmalloc(len);
	memcpy(c->queue[i], packet, len);
	c->queue_len[i] = len;
	c->count++;
	if (c->count == 1)
		client_update_events(c);
	if (c->count >= MONITOR_CLIENT_QUEUE && !c->full) {
		c->full = true;
		if (c->m->clients_full++ == 0)
			stdio_pause_output(c->m, true);
	}
}

void attach_broadcast(struct monitor *m, enum monitor_stream s, const char *buf, size_t len)
{
	char packet[MONITOR_PACKET_DATA + 1];

	if (!m->clients)
		return;
	while (len > 0) {
		size_t piece = len > MONITOR_PACKET_DATA ? MONITOR_PACKET_DATA : len;
		struct attach_client *c, *next;

		packet[0] = (char)s;
		memcpy(packet + 1, buf, piece);
		for (c = m->clients; c; c = next) {
			ssize_t n = -1;

			next = c->next;
			if (!c->writable)
				continue;
			errno = EAGAIN;
			if (c->count == 0)
				n = send(c->fd, packet, piece + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && errno == EAGAIN)
				client_enqueue(c, packet, piece + 1);
			else if (n < 0) {
				log_debug("attach client %d: %s, closing its output", c->fd,
					  strerror(errno));
				client_shutdown(c, SHUT_WR);
			}
		}
		buf += piece;
		len -= piece;
	}
}

/* The socket's directory: the bundle, or the short symlink to it. */
static int attach_dir(struct monitor *m, char **ret, struct pea_error **err)
{
	struct sockaddr_un addr;
	char *base;

	if (m->opts->full_attach) {
		*ret = xstrdup(m->cfg->bundle);
		return 0;
	}
	base = xasprintf("%s/%s", monitor_socket_dir(m->opts), m->opts->cuuid);
	/* a symlink as long as sun_path would leave no room for the socket */
	if (strlen(base) == sizeof(addr.sun_path) - 1)
		base[sizeof(addr.sun_path) - 2] = '\0';
	if (unlink(base) < 0 && errno != ENOENT) {
		pea_error_errno(err, "remove the old attach symlink '%s'", base);
		free(base);
		return -(*err)->code;
	}
	if (symlink(m->cfg->bundle, base) < 0) {
		pea_error_errno(err, "create the attach symlink '%s'", base);
		free(base);
		return -(*err)->code;
	}
	m->attach_symlink = base;
	*ret = xstrdup(base);
	return 0;
}

int attach_setup(struct monitor *m, struct pea_error **err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	_cleanup_free_ char *dir = NULL, *path = NULL;
	_cleanup_close_ int dirfd = -1;

	if (attach_dir(m, &dir, err) < 0)
		return -(*err)->code;
	path = xasprintf("%s/attach", dir);
	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return pea_error_errno(err, "open the attach socket directory '%s'", dir);
	/* through /proc/self/fd: the directory may be longer than sun_path allows */
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/attach", dirfd);
	m->attach_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->attach_fd < 0)
		return pea_error_errno(err, "create the attach socket");
	if (unlinkat(dirfd, "attach", 0) < 0 && errno != ENOENT)
		return pea_error_errno(err, "remove the old attach socket '%s'", path);
	if (fchmod(m->attach_fd, 0700) < 0 ||
	    bind(m->attach_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return pea_error_errno(err, "bind the attach socket '%s'", path);
	if (fchmodat(dirfd, "attach", 0700, 0) < 0)
		return pea_error_errno(err, "chmod the attach socket '%s'", path);
	m->attach_path = TAKE_PTR(path); /* removed at the end */
	if (listen(m->attach_fd, 10) < 0)
		return pea_error_errno(err, "listen on the attach socket '%s'", m->attach_path);
	return pea_loop_add_fd(m->loop, m->attach_fd, EPOLLIN, attach_accept_cb, m, &m->attach_w,
			       err);
}

/*
 * Give each client what is queued for it, waiting a second at most per
 * packet: a client that takes nothing in that time gets no more output.
 */
void attach_flush(struct monitor *m)
{
	struct timeval tv = { .tv_sec = 1 };
	struct attach_client *c, *next;

	for (c = m->clients; c; c = next) {
		next = c->next;
		if (!c->writable || c->count == 0)
			continue;
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		pea_fd_set_nonblock(c->fd, false);
		/* blocking now: EAGAIN is the timeout, the packets stay queued */
		if (!client_send_queue(c) || c->count > 0) {
			log_debug("attach client %d takes no output, closing its output", c->fd);
			client_shutdown(c, SHUT_WR);
			continue;
		}
		pea_fd_set_nonblock(c->fd, true);
		client_update_events(c);
	}
}

/*
 * At the end: give each client what is queued for it, remove the socket
 * (as conmon: a client that sees the end finds it gone), then close the
 * clients.
 */
void attach_close(struct monitor *m)
{
	attach_flush(m);
	if (m->attach_w)
		pea_loop_remove(m->loop, m->attach_w);
	m->attach_w = NULL;
	m->attach_fd = pea_close(m->attach_fd);
	if (m->attach_path && unlink(m->attach_path) < 0 && errno != ENOENT)
		log_warning("remove the attach socket '%s': %s, ignoring", m->attach_path,
			    strerror(errno));
	free(m->attach_path);
	m->attach_path = NULL;
	while (m->clients)
		client_free(m->clients);
	if (m->attach_symlink && unlink(m->attach_symlink) < 0 && errno != ENOENT)
		log_warning("remove the attach symlink '%s': %s, ignoring", m->attach_symlink,
			    strerror(errno));
	free(m->attach_symlink);
	m->attach_symlink = NULL;
}
