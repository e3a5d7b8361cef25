/*
 * pea-netsetup forward [--ready-fd=N] NETNS_PATH: a port forwarder from the
 * caller's network namespace into NETNS_PATH, for the published ports of
 * rootless bridge networks that slirp4netns cannot forward (its API takes
 * IPv4 only): podman's rootlessport does the same job.
 *
 * Input (stdin or --file): {"target": "10.0.2.100", "to_container_port": false,
 * "port_mappings": [netavark's port mappings]}. For each host port of each
 * mapping it listens on host_ip (none: "::", IPv6 only, quietly left out where
 * the host has no IPv6) in the caller's namespace, then enters NETNS_PATH,
 * where each TCP connection and each UDP client is relayed to target:host_port
 * (the namespace's own rules, pea-netsetup's DNAT of the host ports, take it
 * on to the container), or with to_container_port to target:container_port
 * (target is the container: --network slirp4netns).
 *
 * Once every socket listens it writes {"ready": true} and a newline on the
 * ready fd, and runs until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "netsetup/netsetup.h"

#define FWD_MAX_LISTEN 1024 /* sockets listening, all ports and protocols */
#define FWD_MAX_TCP    1024 /* connections relayed at once; more are closed */
#define FWD_MAX_UDP    256  /* UDP clients at once; the one idle longest goes */
#define FWD_UDP_IDLE_S 60   /* a UDP client quiet that long is forgotten */
#define FWD_BUF	       (64 * 1024)

struct fwd;

/* One listening socket: a host port and where it goes in the namespace. */
struct listener {
	struct fwd *f;
	int fd;
	bool udp;
	struct sockaddr_storage to; /* target:host_port */
	socklen_t to_len;
};

/* One direction of a TCP relay: what was read from one side, not yet written to the other. */
struct half {
	char *buf;
	size_t len, off;
	bool eof;  /* the reading side has no more */
	bool shut; /* and the writing side was told (SHUT_WR) */
};

struct tcp_conn {
	struct fwd *f;
	int client, server;
	struct pea_watch *wc, *ws;
	bool connected;
	struct half up;	  /* client -> server */
	struct half down; /* server -> client */
	struct tcp_conn *next, *prev;
};

struct udp_flow {
	struct listener *l;
	int fd; /* connected to the target, in the namespace */
	struct pea_watch *w;
	struct sockaddr_storage client;
	socklen_t client_len;
	time_t last;
	struct udp_flow *next, *prev;
};

struct fwd {
	struct pea_loop *loop;
	struct listener *listeners;
	size_t n_listeners;
	struct tcp_conn *conns;
	size_t n_conns;
	struct udp_flow *flows;
	size_t n_flows;
};

/* ---- input --------------------------------------------------------------- */

static int parse_addr(const char *s, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return 0;
	}
	return -EINVAL;
}

/* A socket listening on host:port; -EAFNOSUPPORT/-EADDRNOTAVAIL when that address is not here. */
static int listen_on(const struct sockaddr_storage *host, socklen_t len, bool udp, int *ret_fd,
		     struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	char ip[INET6_ADDRSTRLEN] = "?";
	int one = 1;
	uint16_t port;

	if (host->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)host)->sin_addr, ip, sizeof(ip));
		port = ntohs(((const struct sockaddr_in *)host)->sin_port);
	} else {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)host)->sin6_addr, ip,
			  sizeof(ip));
		port = ntohs(((const struct sockaddr_in6 *)host)->sin6_port);
	}
	fd = socket(host->ss_family,
		    (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		if (errno == EAFNOSUPPORT)
			return -EAFNOSUPPORT;
		return pea_error_errno(err, "socket for %s port %u", udp ? "udp" : "tcp", port);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* the IPv4 side of the same port is slirp4netns's */
	if (host->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		return pea_error_errno(err, "IPV6_V6ONLY");
	if (bind(fd, (const struct sockaddr *)host, len) < 0) {
		if (errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT)
			return -errno;
		return pea_error_errno(err, "bind %s port [%s]:%u", udp ? "udp" : "tcp", ip, port);
	}
	if (!udp && listen(fd, 128) < 0)
		return pea_error_errno(err, "listen on [%s]:%u", ip, port);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The listeners of one mapping (each port of its range, each protocol). */
static int mapping_listeners(struct fwd *f, struct json_object *m, const char *target,
			     bool to_container, struct pea_error **err)
{
	int64_t hport = 0, cport = 0, range = 1;
	const char *ip = NULL, *proto = "tcp";
	_cleanup_strv_ char **protos = NULL;

	if (pea_json_expect_object(m, "port_mappings[]", err) < 0 ||
	    pea_json_get_int64_req(m, "port_mappings[]", "host_port", &hport, err) < 0 ||
	    pea_json_get_int64_req(m, "port_mappings[]", "container_port", &cport, err) < 0 ||
	    pea_json_get_int64_opt(m, "port_mappings[]", "range", &range, err) < 0 ||
	    pea_json_get_string_opt(m, "port_mappings[]", "host_ip", &ip, err) < 0 ||
	    pea_json_get_string_opt(m, "port_mappings[]", "protocol", &proto, err) < 0)
		return -1;
	if (range < 1)
		range = 1;
	if (hport < 1 || hport + range - 1 > 65535 || cport < 1 || cport + range - 1 > 65535)
		return pea_error_new(err, EINVAL, "port %lld:%lld (range %lld) out of 1-65535",
				     (long long)hport, (long long)cport, (long long)range);
	protos = pea_strv_split(proto, ",");
	for (size_t p = 0; protos && protos[p]; p++) {
		bool udp = strcmp(protos[p], "udp") == 0;
		if (!udp && strcmp(protos[p], "tcp") != 0)
			return pea_error_new(err, EINVAL, "protocol '%s': tcp or udp only",
					     protos[p]);
		for (int64_t k = 0; k < range; k++) {
			struct sockaddr_storage host;
			socklen_t hlen;
			struct listener *l;
			int fd = -1, r;

			if (parse_addr(ip && *ip ? ip : "::", (uint16_t)(hport + k), &host, &hlen) <
			    0)
				return pea_error_new(err, EINVAL, "host_ip '%s' is no address", ip);
			if (f->n_listeners >= FWD_MAX_LISTEN)
				return pea_error_new(err, E2BIG, "more than %d ports",
						     FWD_MAX_LISTEN);
			r = listen_on(&host, hlen, udp, &fd, err);
			if (r < 0 && (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL) && !(ip && *ip)) {
				log_debug("no IPv6 here: port %lld not forwarded on it",
					  (long long)(hport + k));
				continue;
			}
			if (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL)
				return pea_error_new(err, -r, "bind %s '%s' port %lld: %s",
						     udp ? "udp" : "tcp", ip,
						     (long long)(hport + k), strerror(-r));
			if (r < 0)
				return -1;
			l = &f->listeners[f->n_listeners++];
			l->f = f;
			l->fd = fd;
			l->udp = udp;
			if (parse_addr(target, (uint16_t)((to_container ? cport : hport) + k),
				       &l->to, &l->to_len) < 0)
				return pea_error_new(err, EINVAL, "target '%s' is no address",
						     target);
		}
	}
	return 0;
}

static int fwd_parse(struct fwd *f, const char *input, size_t len, struct pea_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *maps = NULL;
	const char *target = NULL;
	bool to_container = false;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (pea_json_parse(input, len, "forward input", &root, err) < 0 ||
	    pea_json_expect_object(root, "", err) < 0 ||
	    pea_json_get_string_req(root, "", "target", &target, err) < 0 ||
	    pea_json_get_bool_opt(root, "", "to_container_port", &to_container, err) < 0 ||
	    pea_json_get_array_opt(root, "", "port_mappings", &maps, err) < 0)
		return -1;
	if (parse_addr(target, 1, &ss, &sl) < 0)
		return pea_error_new(err, EINVAL, "target '%s' is no address", target);
	f->listeners = xcalloc(FWD_MAX_LISTEN, sizeof(*f->listeners));
	for (size_t i = 0; maps && i < json_object_array_length(maps); i++)
		if (mapping_listeners(f, json_object_array_get_idx(maps, i), target, to_container,
				      err) < 0)
			return -1;
	return 0;
}

/* ---- TCP ----------------------------------------------------------------- */

static void conn_close(struct tcp_conn *c)
{
	struct fwd *f = c->f;

	if (c->wc)
		pea_loop_remove(f->loop, c->wc);
	if (c->ws)
		pea_loop_remove(f->loop, c->ws);
	(void)pea_close(c->client);
	(void)pea_close(c->server);
	if (c->prev)
		c->prev->next = c->next;
	else
		f->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c->up.buf);
	free(c->down.buf);
	free(c);
	f->n_conns--;
}

/* Move what h holds to fd; after the reader's end, pass the end on. < 0: the connection is dead. */
static int half_flush(struct half *h, int fd)
{
	while (h->off < h->len) {
		ssize_t n = send(fd, h->buf + h->off, h->len - h->off, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		h->off += (size_t)n;
	}
	h->off = h->len = 0;
	if (h->eof && !h->shut) {
		(void)shutdown(fd, SHUT_WR);
		h->shut = true;
	}
	return 0;
}

/* Read what fits from fd into h (only when h is empty). < 0: the connection is dead. */
static int half_fill(struct half *h, int fd)
{
	ssize_t n;

	if (h->eof || h->len > 0)
		return 0;
	n = recv(fd, h->buf, FWD_BUF, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		h->eof = true;
	h->len = (size_t)n;
	h->off = 0;
	return 0;
}

/* The events each side waits for now; the connection closed when both ends are done. */
static int conn_rearm(struct tcp_conn *c, struct pea_error **err)
{
	uint32_t ec = 0, es = 0;

	if (c->up.shut && c->down.shut) {
		conn_close(c);
		return 0;
	}
	if (!c->connected) {
		es = EPOLLOUT;
	} else {
		if (!c->up.eof && c->up.len == 0)
			ec |= EPOLLIN;
		if (!c->down.eof && c->down.len == 0)
			es |= EPOLLIN;
		if (c->up.len > 0)
			es |= EPOLLOUT;
		if (c->down.len > 0)
			ec |= EPOLLOUT;
	}
	if (pea_loop_modify_fd(c->f->loop, c->wc, ec, err) < 0 ||
	    pea_loop_modify_fd(c->f->loop, c->ws, es, err) < 0)
		return -1;
	return 0;
}

static int conn_pump(struct tcp_conn *c, struct pea_error **err)
{
	if (half_fill(&c->up, c->client) < 0 || half_flush(&c->up, c->server) < 0 ||
	    half_fill(&c->down, c->server) < 0 || half_flush(&c->down, c->client) < 0) {
		conn_close(c);
		return 0;
	}
	return conn_rearm(c, err);
}

static int on_conn(struct pea_loop *loop, int fd, uint32_t events, void *data,
		   struct pea_error **err)
{
	struct tcp_conn *c = data;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	(void)loop;
	if (!c->connected && fd == c->server) {
		if (getsockopt(c->server, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0) {
			log_debug("connect to the namespace: %s", strerror(soerr ? soerr : errno));
			conn_close(c);
			return 0;
		}
		c->connected = true;
	}
	/* reported whatever was asked for: the peer is gone for good */
	if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
		conn_close(c);
		return 0;
	}
	return conn_pump(c, err);
}

static int on_accept(struct pea_loop *loop, int fd, uint32_t events, void *data,
		     struct pea_error **err)
{
	struct listener *l = data;
	struct fwd *f = l->f;
	_cleanup_close_ int client = -1, server = -1;
	struct tcp_conn *c;

	(void)events;
	client = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (client < 0)
		return 0; /* EAGAIN, or a client gone before the accept */
	if (f->n_conns >= FWD_MAX_TCP) {
		log_warning("%d connections already, one refused", FWD_MAX_TCP);
		return 0;
	}
	server = socket(l->to.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (server < 0)
		return 0;
	if (connect(server, (struct sockaddr *)&l->to, l->to_len) < 0 && errno != EINPROGRESS) {
		log_debug("connect to the namespace: %m");
		return 0;
	}
	c = xcalloc(1, sizeof(*c));
	c->f = f;
	c->client = TAKE_FD(client);
	c->server = TAKE_FD(server);
	c->up.buf = xmalloc(FWD_BUF);
	c->down.buf = xmalloc(FWD_BUF);
	c->next = f->conns;
	if (f->conns)
		f->conns->prev = c;
	f->conns = c;
	f->n_conns++;
	if (pea_loop_add_fd(loop, c->client, 0, on_conn, c, &c->wc, err) < 0 ||
	    pea_loop_add_fd(loop, c->server, EPOLLOUT, on_conn, c, &c->ws, err) < 0) {
		conn_close(c);
		return -1;
	}
	return 0;
}

/* ---- UDP ----------------------------------------------------------------- */

static void flow_close(struct fwd *f, struct udp_flow *u)
{
	if (u->w)
		pea_loop_remove(f->loop, u->w);
	(void)pea_close(u->fd);
	if (u->prev)
		u->prev->next = u->next;
	else
		f->flows = u->next;
	if (u->next)
		u->next->prev = u->prev;
	free(u);
	f->n_flows--;
}

/* A reply from the namespace goes back to the client from the port it wrote to. */
static int on_flow(struct pea_loop *loop, int fd, uint32_t events, void *data,
		   struct pea_error **err)
{
	struct udp_flow *u = data;
	char buf[FWD_BUF];
	ssize_t n;

	(void)loop;
	(void)events;
	(void)err;
	while ((n = recv(fd, buf, sizeof(buf), 0)) >= 0) {
		u->last = time(NULL);
		(void)sendto(u->l->fd, buf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&u->client,
			     u->client_len);
	}
	return 0;
}

static struct udp_flow *flow_find(struct fwd *f, const struct listener *l,
				  const struct sockaddr_storage *from, socklen_t len)
{
	for (struct udp_flow *u = f->flows; u; u = u->next)
		if (u->l == l && u->client_len == len && memcmp(&u->client, from, len) == 0)
			return u;
	return NULL;
}

static struct udp_flow *flow_new(struct fwd *f, struct listener *l,
				 const struct sockaddr_storage *from, socklen_t len,
				 struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	struct udp_flow *u, *oldest = NULL;

	if (f->n_flows >= FWD_MAX_UDP) {
		for (u = f->flows; u; u = u->next)
			if (!oldest || u->last < oldest->last)
				oldest = u;
		if (oldest)
			flow_close(f, oldest);
	}
	fd = socket(l->to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&l->to, l->to_len) < 0)
		return NULL;
	u = xcalloc(1, sizeof(*u));
	u->l = l;
	u->fd = TAKE_FD(fd);
	memcpy(&u->client, from, len);
	u->client_len = len;
	u->last = time(NULL);
	u->next = f->flows;
	if (f->flows)
		f->flows->prev = u;
	f->flows = u;
	f->n_flows++;
	if (pea_loop_add_fd(f->loop, u->fd, EPOLLIN, on_flow, u, &u->w, err) < 0) {
		flow_close(f, u);
		return NULL;
	}
	return u;
}

static int on_datagram(struct pea_loop *loop, int fd, uint32_t events, void *data,
		       struct pea_error **err)
{
	struct listener *l = data;
	char buf[FWD_BUF];
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	struct udp_flow *u;
	ssize_t n;

	(void)loop;
	(void)events;
	while ((n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &len)) >=
	       0) {
		u = flow_find(l->f, l, &from, len);
		if (!u)
			u = flow_new(l->f, l, &from, len, err);
		if (!u) {
			if (*err)
				return -1;
			log_debug("udp to the namespace: %m");
		} else {
			u->last = time(NULL);
			(void)send(u->fd, buf, (size_t)n, MSG_DONTWAIT);
		}
		len = sizeof(from);
	}
	return 0;
}

static int on_sweep(struct pea_loop *loop, void *data, struct pea_error **err)
{
	struct fwd *f = data;
	time_t now = time(NULL);

	(void)loop;
	(void)err;
	for (struct udp_flow *u = f->flows, *next; u; u = next) {
		next = u->next;
		if (now - u->last >= FWD_UDP_IDLE_S)
			flow_close(f, u);
	}
	return 0;
}

/* ---- the command ---------------------------------------------------------- */

static int on_stop(struct pea_loop *loop, int signo, void *data, struct pea_error **err)
{
	(void)signo;
	(void)data;
	(void)err;
	pea_loop_quit(loop, 0);
	return 0;
}

static void fwd_clear(struct fwd *f)
{
	while (f->conns)
		conn_close(f->conns);
	while (f->flows)
		flow_close(f, f->flows);
	for (size_t i = 0; i < f->n_listeners; i++)
		(void)pea_close(f->listeners[i].fd);
	free(f->listeners);
	f->loop = pea_loop_free(f->loop);
}

static int fwd_watch(struct fwd *f, struct pea_error **err)
{
	if (pea_loop_new(&f->loop, err) < 0 ||
	    pea_loop_add_signal(f->loop, SIGTERM, on_stop, f, NULL, err) < 0 ||
	    pea_loop_add_signal(f->loop, SIGINT, on_stop, f, NULL, err) < 0 ||
	    pea_loop_add_timer(f->loop, 10000, 10000, on_sweep, f, NULL, err) < 0)
		return -1;
	for (size_t i = 0; i < f->n_listeners; i++) {
		struct listener *l = &f->listeners[i];
		if (pea_loop_add_fd(f->loop, l->fd, EPOLLIN, l->udp ? on_datagram : on_accept, l,
				    NULL, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_forward_args(int argc, char **argv, int *ready_fd, const char **ret_ns,
			      struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "ready-fd", required_argument, NULL, 'r' },
		{ 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		char *end = NULL;
		long v;

		if (c != 'r')
			return pea_error_new(err, EINVAL, "forward: unknown option '%s'",
					     argv[optind - 1]);
		v = strtol(optarg, &end, 10);
		if (end == optarg || *end || v < 3 || v > 1024)
			return pea_error_new(err, EINVAL, "forward: invalid --ready-fd '%s'",
					     optarg);
		*ready_fd = (int)v;
	}
	if (argc - optind != 1)
		return pea_error_new(err, EINVAL, "forward: expected one argument, NETNS_PATH");
	*ret_ns = argv[optind];
	return 0;
}

int cmd_forward(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const char ready[] = "{\"ready\": true}\n";
	_cleanup_free_ char *input = NULL;
	_cleanup_close_ int nsfd = -1;
	struct fwd f = { 0 };
	const char *ns = NULL;
	int ready_fd = -1, r;
	size_t len = 0;

	if (parse_forward_args(argc, argv, &ready_fd, &ns, err) < 0)
		return -1;
	if (ready_fd >= 0)
		(void)pea_fd_set_cloexec(ready_fd, true);
	r = netsetup_read_input(g, &input, &len, err);
	if (r < 0)
		return r;
	nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return pea_error_errno(err, "open '%s'", ns);
	/* the listeners in the caller's namespace, every other socket in ns */
	r = fwd_parse(&f, input, len, err);
	if (r == 0 && setns(nsfd, CLONE_NEWNET) < 0)
		r = pea_error_errno(err, "enter the network namespace '%s'", ns);
	if (r == 0)
		r = fwd_watch(&f, err);
	if (r == 0 && ready_fd >= 0) {
		r = pea_write_all(ready_fd, ready, strlen(ready), err);
		ready_fd = pea_close(ready_fd);
	}
	if (r == 0)
		r = pea_loop_run(f.loop, err);
	fwd_clear(&f);
	/*
	 * A ready fd still open (a failure) is closed by the exit, after main has
	 * logged the error: the caller reads the log once the fd is closed.
	 */
	return r < 0 ? -1 : 0;
}
