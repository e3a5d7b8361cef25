#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/xalloc.h"
#include "dnsd/server.h"

/*
 * One query forwarded upstream. Each upstream in turn gets its share of
 * the time: over UDP, then over TCP on the same upstream if the answer
 * came back truncated (a TCP client goes straight to TCP). A refused or
 * timed out upstream passes the query to the next one.
 */
struct dnsd_forward {
	struct dnsd_server *srv;
	struct dnsd_forward *prev, *next;
	struct dnsd_client client;
	uint8_t *query; /* with our own id */
	size_t query_len;
	size_t question_end;
	uint16_t client_id;
	uint16_t upstream_id;
	struct dnsd_upstream ups[DNSD_MAX_UPSTREAMS];
	size_t n_ups, cur;
	uint64_t timeout_ms;
	int fd;
	bool tcp;
	bool tcp_sent;
	struct pea_watch *fd_watch;
	struct pea_watch *timer;
	uint8_t *resp; /* TCP: length prefix and message */
	size_t resp_len;
	uint8_t *truncated; /* a UDP answer with TC, sent if TCP fails */
	size_t truncated_len;
};

static void attempt_next(struct dnsd_forward *f);

static void attempt_stop(struct dnsd_forward *f)
{
	if (f->fd_watch)
		pea_loop_remove(f->srv->loop, f->fd_watch);
	if (f->timer)
		pea_loop_remove(f->srv->loop, f->timer);
	f->fd_watch = f->timer = NULL;
	f->fd = pea_close(f->fd);
	f->resp_len = 0;
	f->tcp_sent = false;
}

/* End the forward: answer (msg may be NULL: none) and free. */
static void forward_end(struct dnsd_forward *f, uint8_t *msg, size_t len)
{
	struct dnsd_server *srv = f->srv;

	attempt_stop(f);
	if (msg)
		dns_put16(msg, f->client_id);
	if (f->client.tcp)
		dnsd_tcp_send(srv, f->client.conn_id, msg, len, true);
	else if (msg)
		dnsd_server_reply(srv, &f->client, msg, len);
	if (f->prev)
		f->prev->next = f->next;
	else
		srv->forwards = f->next;
	if (f->next)
		f->next->prev = f->prev;
	srv->n_forwards--;
	free(f->query);
	free(f->resp);
	free(f->truncated);
	free(f);
}

/* Too big for the UDP client: the header and question with TC, so it asks over TCP. */
static void answer_truncated(struct dnsd_forward *f, const uint8_t *msg)
{
	uint8_t *out = f->srv->out;
	size_t len = f->question_end;

	memcpy(out, f->query, len);
	dns_put16(out + 2, dns_get16(msg + 2) | DNS_FLAG_TC);
	dns_put16(out + 4, 1);
	memset(out + 6, 0, 6);
	forward_end(f, out, len);
}

static void deliver(struct dnsd_forward *f, uint8_t *msg, size_t len)
{
	if (!f->client.tcp && len > f->client.max_answer) {
		answer_truncated(f, msg);
		return;
	}
	forward_end(f, msg, len);
}

static bool is_answer(const struct dnsd_forward *f, const uint8_t *msg, size_t len)
{
	return len >= DNS_HEADER_SIZE && dns_get16(msg) == f->upstream_id &&
	       (dns_get16(msg + 2) & DNS_FLAG_QR);
}

static void upstream_failed(struct dnsd_forward *f, const char *why)
{
	char a[64];

	log_debug("upstream %s: %s", dnsd_ip_format(&f->ups[f->cur].ip, a, sizeof(a)), why);
	if (f->tcp && f->truncated) {
		/* TCP fallback failed: the truncated answer is still an answer */
		uint8_t *t = TAKE_PTR(f->truncated);

		deliver(f, t, f->truncated_len);
		free(t);
		return;
	}
	attempt_stop(f);
	f->cur++;
	attempt_next(f);
}

static int on_timeout(struct pea_loop *loop, void *data, struct pea_error **err)
{
	struct dnsd_forward *f = data;

	f->timer = NULL;
	upstream_failed(f, "timed out");
	return 1;
}

static void start_tcp(struct dnsd_forward *f);

static int on_udp_answer(struct pea_loop *loop, int fd, uint32_t events, void *data,
			 struct pea_error **err)
{
	struct dnsd_forward *f = data;
	uint8_t *buf = f->srv->in;
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, DNS_TCP_MAX, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			upstream_failed(f, strerror(errno)); /* ECONNREFUSED: nobody there */
			return 0;
		}
		if (is_answer(f, buf, (size_t)n))
			break;
	}
	if ((dns_get16(buf + 2) & DNS_FLAG_TC) && !f->client.tcp) {
		f->truncated = xmalloc((size_t)n);
		memcpy(f->truncated, buf, (size_t)n);
		f->truncated_len = (size_t)n;
		attempt_stop(f);
		start_tcp(f);
		return 0;
	}
	deliver(f, buf, (size_t)n);
	return 0;
}

static int on_tcp(struct pea_loop *loop, int fd, uint32_t events, void *data,
		  struct pea_error **err)
{
	struct dnsd_forward *f = data;
	size_t want;
	ssize_t n;

	if (!f->tcp_sent) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		uint8_t *msg = xmalloc(f->query_len + 2);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		dns_put16(msg, (uint16_t)f->query_len);
		memcpy(msg + 2, f->query, f->query_len);
		n = soerr ? -1 : send(fd, msg, f->query_len + 2, MSG_DONTWAIT | MSG_NOSIGNAL);
		free(msg);
		if (n != (ssize_t)f->query_len + 2) {
			upstream_failed(f, soerr ? strerror(soerr) : "tcp send failed");
			return 0;
		}
		f->tcp_sent = true;
		if (pea_loop_modify_fd(loop, f->fd_watch, EPOLLIN, err) < 0) {
			*err = pea_error_free(*err);
			upstream_failed(f, "epoll");
		}
		return 0;
	}
	if (!f->resp)
		f->resp = xmalloc(DNS_TCP_MAX + 2);
	want = f->resp_len < 2 ? 2 : 2 + (size_t)dns_get16(f->resp);
	n = recv(fd, f->resp + f->resp_len, want - f->resp_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		upstream_failed(f, n == 0 ? "connection closed" : strerror(errno));
		return 0;
	}
	f->resp_len += (size_t)n;
	if (f->resp_len < 2 || f->resp_len < 2 + (size_t)dns_get16(f->resp))
		return 0;
	if (!is_answer(f, f->resp + 2, f->resp_len - 2)) {
		upstream_failed(f, "answer does not match the query");
		return 0;
	}
	deliver(f, f->resp + 2, f->resp_len - 2);
	return 0;
}

/* Open a socket to the current upstream and watch it; false if that failed at once. */
static bool attempt_open(struct dnsd_forward *f, int type, pea_fd_cb cb, uint32_t events)
{
	_cleanup_error_ struct pea_error *err = NULL;
	const struct dnsd_upstream *u = &f->ups[f->cur];
	struct sockaddr_storage sa;
	socklen_t sl = dnsd_ip_to_sockaddr(&u->ip, DNSD_DNS_PORT, u->scope_id, &sa);

	f->tcp = type == SOCK_STREAM;
	f->fd = socket(u->ip.family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->fd < 0)
		return false;
	if (connect(f->fd, (struct sockaddr *)&sa, sl) < 0 && errno != EINPROGRESS)
		return false;
	if (pea_loop_add_fd(f->srv->loop, f->fd, events, cb, f, &f->fd_watch, &err) < 0 ||
	    pea_loop_add_timer(f->srv->loop, f->timeout_ms, 0, on_timeout, f, &f->timer, &err) <
		    0) {
		log_debug("forward: %s", err->message);
		return false;
	}
	return true;
}

static void start_tcp(struct dnsd_forward *f)
{
	if (attempt_open(f, SOCK_STREAM, on_tcp, EPOLLOUT))
		return;
	upstream_failed(f, strerror(errno));
}

/* Send the query to the current upstream: UDP, or TCP for a TCP client. */
static bool attempt_current(struct dnsd_forward *f)
{
	if (f->client.tcp)
		return attempt_open(f, SOCK_STREAM, on_tcp, EPOLLOUT);
	return attempt_open(f, SOCK_DGRAM, on_udp_answer, EPOLLIN) &&
	       send(f->fd, f->query, f->query_len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0;
}

/* Try upstreams from f->cur on until one is in flight; false if none is left. */
static bool attempt_from_current(struct dnsd_forward *f)
{
	for (; f->cur < f->n_ups; f->cur++) {
		if (attempt_current(f))
			return true;
		attempt_stop(f);
	}
	return false;
}

static void attempt_next(struct dnsd_forward *f)
{
	if (attempt_from_current(f))
		return;
	log_debug("no upstream answered");
	forward_end(f, NULL, 0);
}

bool dnsd_forward_start(struct dnsd_server *srv, const struct dnsd_client *client,
			const uint8_t *msg, size_t len, const struct dns_query *q,
			const struct dnsd_upstream *ups, size_t n_ups)
{
	struct dnsd_forward *f;
	uint16_t id;

	if (srv->n_forwards >= DNSD_MAX_FORWARDS) {
		log_debug("too many queries in flight, dropping one");
		return false;
	}
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)(srv->n_forwards * 7919u + (uintptr_t)msg);
	f = xnew(struct dnsd_forward, 1);
	f->srv = srv;
	f->client = *client;
	f->query = xmalloc(len);
	memcpy(f->query, msg, len);
	f->query_len = len;
	f->question_end = q->question_end;
	f->client_id = q->id;
	f->upstream_id = id;
	dns_put16(f->query, id);
	f->n_ups = n_ups < DNSD_MAX_UPSTREAMS ? n_ups : DNSD_MAX_UPSTREAMS;
	memcpy(f->ups, ups, f->n_ups * sizeof(*ups));
	f->timeout_ms = DNSD_UPSTREAM_TOTAL_MS / f->n_ups;
	f->fd = -1;
	f->next = srv->forwards;
	if (srv->forwards)
		srv->forwards->prev = f;
	srv->forwards = f;
	srv->n_forwards++;
	/* a TCP client's count of pending forwards goes up when we return true */
	if (attempt_from_current(f))
		return true;
	f->client.tcp = false; /* nothing was pending for the connection */
	forward_end(f, NULL, 0);
	return false;
}

void dnsd_forward_free_all(struct dnsd_server *srv)
{
	while (srv->forwards) {
		struct dnsd_forward *f = srv->forwards;

		f->client.tcp = false;
		forward_end(f, NULL, 0);
	}
}
