#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/xalloc.h"
#include "dnsd/server.h"

#define ACCEPT_BATCH  16
#define TCP_OUT_LIMIT (256u << 10) /* a client that does not read its answers is dropped */
#define TCP_IN_FIRST  1024

static void conn_close(struct dnsd_tcp_conn *c)
{
	struct dnsd_server *srv = c->srv;

	if (c->watch)
		pea_loop_remove(srv->loop, c->watch);
	if (c->timer)
		pea_loop_remove(srv->loop, c->timer);
	pea_close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->n_conns--;
	free(c->in);
	free(c->out);
	free(c);
}

static int on_idle(struct pea_loop *loop, void *data, struct pea_error **err);

static void conn_arm_timer(struct dnsd_tcp_conn *c)
{
	_cleanup_error_ struct pea_error *err = NULL;

	if (c->timer)
		pea_loop_remove(c->srv->loop, c->timer);
	c->timer = NULL;
	if (pea_loop_add_timer(c->srv->loop, DNSD_TCP_IDLE_MS, 0, on_idle, c, &c->timer, &err) < 0)
		log_debug("tcp idle timer: %s", err->message);
}

/* Done when the client is gone or silent, nothing is pending and all is written. */
static bool conn_done(const struct dnsd_tcp_conn *c)
{
	return c->eof && c->pending == 0 && c->out_off == c->out_len;
}

static void conn_update_events(struct dnsd_tcp_conn *c)
{
	_cleanup_error_ struct pea_error *err = NULL;
	uint32_t ev = (c->eof ? 0 : EPOLLIN) | (c->out_off < c->out_len ? EPOLLOUT : 0);

	if (pea_loop_modify_fd(c->srv->loop, c->watch, ev, &err) < 0)
		log_debug("tcp connection: %s", err->message);
}

/* Write what is queued; false if the connection broke and was closed. */
static bool conn_flush(struct dnsd_tcp_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_close(c);
			return false;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (conn_done(c)) {
		conn_close(c);
		return false;
	}
	conn_update_events(c);
	return true;
}

static struct dnsd_tcp_conn *find_conn(struct dnsd_server *srv, uint64_t id)
{
	for (struct dnsd_tcp_conn *c = srv->conns; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

bool dnsd_tcp_send(struct dnsd_server *srv, uint64_t conn_id, const uint8_t *msg, size_t len,
		   bool forwarded)
{
	struct dnsd_tcp_conn *c = find_conn(srv, conn_id);

	if (!c)
		return false;
	if (forwarded && c->pending > 0)
		c->pending--;
	if (msg && len <= DNS_TCP_MAX) {
		if (c->out_len + 2 + len > TCP_OUT_LIMIT) {
			conn_close(c);
			return false;
		}
		if (c->out_len + 2 + len > c->out_cap) {
			c->out_cap = c->out_len + 2 + len + 512;
			c->out = xrealloc(c->out, c->out_cap);
		}
		dns_put16(c->out + c->out_len, (uint16_t)len);
		memcpy(c->out + c->out_len + 2, msg, len);
		c->out_len += 2 + len;
	}
	return conn_flush(c);
}

/* Answer every complete message in the input buffer. */
static bool conn_process(struct dnsd_tcp_conn *c)
{
	size_t off = 0;
	uint64_t id = c->id;
	struct dnsd_server *srv = c->srv;

	while (c->in_len - off >= 2) {
		size_t l = dns_get16(c->in + off);
		struct dnsd_client client = { .tcp = true, .conn_id = id, .local = c->local };

		if (c->in_len - off < 2 + l)
			break;
		off += 2 + l;
		if (dnsd_server_query(srv, &client, &c->peer, c->in + off - l, l))
			c->pending++;
		/* the answer may have failed to send and closed the connection */
		c = find_conn(srv, id);
		if (!c)
			return false;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return true;
}

static bool conn_read(struct dnsd_tcp_conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->in_len == c->in_cap) {
			if (c->in_cap >= DNS_TCP_MAX + 2)
				return conn_process(c); /* full: a message is complete */
			c->in_cap = c->in_cap ? DNS_TCP_MAX + 2 : TCP_IN_FIRST;
			c->in = xrealloc(c->in, c->in_cap);
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n == 0) {
			c->eof = true;
			break;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_close(c);
			return false;
		}
		c->in_len += (size_t)n;
		if (!conn_process(c))
			return false;
	}
	return conn_process(c);
}

static int on_conn(struct pea_loop *loop, int fd, uint32_t events, void *data,
		   struct pea_error **err)
{
	struct dnsd_tcp_conn *c = data;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (!conn_read(c))
			return 0;
		conn_arm_timer(c);
	}
	conn_flush(c);
	return 0;
}

static int on_idle(struct pea_loop *loop, void *data, struct pea_error **err)
{
	struct dnsd_tcp_conn *c = data;

	c->timer = NULL;
	if (c->pending > 0) {
		conn_arm_timer(c); /* an upstream is still working for it */
		return 1;
	}
	log_debug("tcp connection idle for %d ms, closing", DNSD_TCP_IDLE_MS);
	conn_close(c);
	return 1;
}

static void conn_new(struct dnsd_listener *l, int fd, const struct sockaddr_storage *peer)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct dnsd_server *srv = l->srv;
	struct dnsd_tcp_conn *c = xnew(struct dnsd_tcp_conn, 1);

	c->srv = srv;
	c->id = srv->next_conn_id++;
	c->fd = fd;
	c->local = l->ip;
	dnsd_sockaddr_to_ip(peer, &c->peer);
	if (pea_loop_add_fd(srv->loop, fd, EPOLLIN, on_conn, c, &c->watch, &err) < 0) {
		log_debug("tcp connection: %s", err->message);
		pea_close(fd);
		free(c);
		return;
	}
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->n_conns++;
	conn_arm_timer(c);
}

int dnsd_tcp_accept(struct dnsd_listener *l)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		int fd = accept4(l->tcp_fd, (struct sockaddr *)&peer, &pl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (l->srv->n_conns >= DNSD_MAX_TCP_CONNS) {
			log_debug("too many tcp connections, refusing one");
			pea_close(fd);
			continue;
		}
		conn_new(l, fd, &peer);
	}
	return 0;
}

void dnsd_tcp_close_all(struct dnsd_server *srv)
{
	while (srv->conns)
		conn_close(srv->conns);
}
