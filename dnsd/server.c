#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/xalloc.h"
#include "dnsd/options.h"
#include "dnsd/server.h"

#define UDP_ROUNDS 4 /* batches read per wakeup, so TCP and timers get their turn */

void dnsd_sockaddr_to_ip(const struct sockaddr_storage *sa, struct dnsd_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (sa->ss_family == AF_INET) {
		ip->family = AF_INET;
		memcpy(ip->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			ip->family = AF_INET;
			memcpy(ip->addr, a->s6_addr + 12, 4);
		} else {
			ip->family = AF_INET6;
			memcpy(ip->addr, a, 16);
		}
	}
}

socklen_t dnsd_ip_to_sockaddr(const struct dnsd_ip *ip, uint16_t port, uint32_t scope_id,
			      struct sockaddr_storage *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (ip->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)sa;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, ip->addr, 4);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	s6->sin6_scope_id = scope_id;
	memcpy(&s6->sin6_addr, ip->addr, 16);
	return sizeof(*s6);
}

static const char *endpoint(const struct dnsd_ip *ip, uint16_t port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	dnsd_ip_format(ip, a, sizeof(a));
	snprintf(buf, len, ip->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	return buf;
}

static int bind_socket(const struct dnsd_ip *ip, uint16_t port, int type, int *ret_fd,
		       struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	struct sockaddr_storage sa;
	socklen_t sl = dnsd_ip_to_sockaddr(ip, port, 0, &sa);
	char ep[64];
	int one = 1;

	fd = socket(ip->family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pea_error_errno(err, "socket");
	if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return pea_error_errno(err, "SO_REUSEADDR");
	if (ip->family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
			return pea_error_errno(err, "IPV6_V6ONLY");
		/* a gateway address still in duplicate address detection is not bindable yet */
		if (setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one)) < 0)
			return pea_error_errno(err, "IP_FREEBIND");
	}
	if (bind(fd, (struct sockaddr *)&sa, sl) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) < 0))
		return pea_error_errno(err, "failed to bind %s listener on %s",
				       type == SOCK_STREAM ? "tcp" : "udp",
				       endpoint(ip, port, ep, sizeof(ep)));
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static struct dnsd_listener *listener_free(struct dnsd_listener *l)
{
	if (!l)
		return NULL;
	if (l->srv->loop) {
		if (l->udp_watch)
			pea_loop_remove(l->srv->loop, l->udp_watch);
		if (l->tcp_watch)
			pea_loop_remove(l->srv->loop, l->tcp_watch);
	}
	pea_close(l->udp_fd);
	pea_close(l->tcp_fd);
	free(l);
	return NULL;
}

static int listener_new(struct dnsd_server *srv, const struct dnsd_ip *ip, ssize_t net,
			struct dnsd_listener **ret, struct pea_error **err)
{
	struct dnsd_listener *l = xnew(struct dnsd_listener, 1);

	*l = (struct dnsd_listener){
		.srv = srv, .ip = *ip, .udp_fd = -1, .tcp_fd = -1, .net = net
	};
	if (bind_socket(ip, srv->opts->port, SOCK_DGRAM, &l->udp_fd, err) < 0 ||
	    bind_socket(ip, srv->opts->port, SOCK_STREAM, &l->tcp_fd, err) < 0) {
		listener_free(l);
		return -(*err)->code;
	}
	*ret = l;
	return 0;
}

static size_t udp_receive(int fd, struct dnsd_udp_batch *b)
{
	int n;

	for (size_t i = 0; i < DNSD_UDP_BATCH; i++) {
		b->in_iov[i] = (struct iovec){ .iov_base = b->in_buf[i], .iov_len = DNS_UDP_MAX };
		b->in[i].msg_hdr = (struct msghdr){ .msg_name = &b->addr[i],
						    .msg_namelen = sizeof(b->addr[i]),
						    .msg_iov = &b->in_iov[i],
						    .msg_iovlen = 1 };
	}
	n = recvmmsg(fd, b->in, DNSD_UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		log_debug("receive on udp listener: %s", strerror(errno));
	return n < 0 ? 0 : (size_t)n;
}

static void udp_send(int fd, struct dnsd_udp_batch *b, size_t n)
{
	size_t sent = 0;

	while (sent < n) {
		int r = sendmmsg(fd, b->out + sent, (unsigned int)(n - sent),
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r <= 0) {
			log_debug("send answers: %s", strerror(errno));
			sent++; /* skip the one that failed */
			continue;
		}
		sent += (size_t)r;
	}
}

static enum dnsd_action server_handle(struct dnsd_server *srv, const struct dnsd_client *client,
				      const struct dnsd_ip *src, const uint8_t *msg, size_t len,
				      uint8_t *out, size_t out_cap, size_t *ret_len);

static int on_udp(struct pea_loop *loop, int fd, uint32_t events, void *data,
		  struct pea_error **err)
{
	struct dnsd_listener *l = data;
	struct dnsd_server *srv = l->srv;
	struct dnsd_udp_batch *b = srv->udp;

	for (int round = 0; round < UDP_ROUNDS; round++) {
		size_t n = udp_receive(fd, b), n_out = 0;

		for (size_t i = 0; i < n; i++) {
			struct dnsd_client client = { .tcp = false, .local = l->ip };
			struct msghdr *h = &b->in[i].msg_hdr;
			struct dnsd_ip src;
			size_t len = 0;

			if (h->msg_flags & MSG_TRUNC)
				continue; /* larger than any query we take: garbage */
			memcpy(&client.addr, &b->addr[i], sizeof(client.addr));
			client.addr_len = h->msg_namelen;
			dnsd_sockaddr_to_ip(&client.addr, &src);
			if (server_handle(srv, &client, &src, b->in_buf[i], b->in[i].msg_len,
					  b->out_buf[n_out], DNS_UDP_MAX, &len) != DNSD_REPLY)
				continue;
			b->out_iov[n_out] =
				(struct iovec){ .iov_base = b->out_buf[n_out], .iov_len = len };
			b->out[n_out].msg_hdr = (struct msghdr){ .msg_name = &b->addr[i],
								 .msg_namelen = h->msg_namelen,
								 .msg_iov = &b->out_iov[n_out],
								 .msg_iovlen = 1 };
			n_out++;
		}
		udp_send(fd, b, n_out);
		if (n < DNSD_UDP_BATCH)
			break;
	}
	return 0;
}

static int on_tcp_listener(struct pea_loop *loop, int fd, uint32_t events, void *data,
			   struct pea_error **err)
{
	dnsd_tcp_accept(data);
	return 0;
}

static int listener_watch(struct dnsd_listener *l, struct pea_error **err)
{
	if (pea_loop_add_fd(l->srv->loop, l->udp_fd, EPOLLIN, on_udp, l, &l->udp_watch, err) < 0)
		return -(*err)->code;
	return pea_loop_add_fd(l->srv->loop, l->tcp_fd, EPOLLIN, on_tcp_listener, l, &l->tcp_watch,
			       err);
}

static struct dnsd_listener *find_listener(struct dnsd_server *srv, const struct dnsd_ip *ip)
{
	for (size_t i = 0; i < srv->n_listeners; i++)
		if (dnsd_ip_compare(&srv->listeners[i]->ip, ip) == 0)
			return srv->listeners[i];
	return NULL;
}

/*
 * Make the listeners match cfg: keep those whose address stays (their
 * sockets are not touched), bind the new ones, close the others. On the
 * first start a bind error fails; on a reload it is logged.
 */
static int sync_listeners(struct dnsd_server *srv, const struct dnsd_config *cfg,
			  struct pea_error **err)
{
	size_t kept = 0;

	for (size_t i = 0; i < srv->n_listeners; i++)
		srv->listeners[i]->seen = false;
	for (size_t i = 0; i < cfg->n_networks; i++) {
		for (size_t j = 0; j < cfg->networks[i].n_listen; j++) {
			const struct dnsd_ip *ip = &cfg->networks[i].listen[j];
			struct dnsd_listener *l = find_listener(srv, ip);

			if (l) {
				l->seen = true;
				l->net = (ssize_t)i;
				continue;
			}
			if (listener_new(srv, ip, (ssize_t)i, &l, err) < 0) {
				if (!srv->started)
					return -(*err)->code;
				log_error("%s", (*err)->message);
				*err = pea_error_free(*err);
				continue;
			}
			if (srv->loop && listener_watch(l, err) < 0) {
				listener_free(l);
				return -(*err)->code;
			}
			l->seen = true;
			srv->listeners = xreallocarray(srv->listeners, srv->n_listeners + 1,
						       sizeof(*srv->listeners));
			srv->listeners[srv->n_listeners++] = l;
		}
	}
	for (size_t i = 0; i < srv->n_listeners; i++) {
		if (srv->listeners[i]->seen)
			srv->listeners[kept++] = srv->listeners[i];
		else
			listener_free(srv->listeners[i]);
	}
	srv->n_listeners = kept;
	return 0;
}

static void set_config(struct dnsd_server *srv, struct dnsd_config *cfg)
{
	dnsd_config_free(srv->cfg);
	srv->cfg = cfg;
	srv->ctx.cfg = cfg;
}

void dnsd_server_reload_resolv_conf(struct dnsd_server *srv)
{
	_cleanup_error_ struct pea_error *err = NULL;
	size_t n = 0;

	if (dnsd_resolv_conf_load(DNSD_RESOLV_CONF, srv->host_upstreams, DNSD_RESOLV_CONF_MAX, &n,
				  &err) < 0) {
		log_warning("%s: forwarding to the host's resolvers will not work, ignoring",
			    err->message);
		n = 0;
	}
	srv->ctx.host_upstreams = srv->host_upstreams;
	srv->ctx.n_host_upstreams = n;
	log_debug("%zu resolvers in %s", n, DNSD_RESOLV_CONF);
}

int dnsd_server_new(const struct dnsd_options *opts, int dirfd, struct dnsd_config *cfg,
		    struct dnsd_server **ret, struct pea_error **err)
{
	struct dnsd_server *srv = xnew(struct dnsd_server, 1);

	srv->opts = opts;
	srv->dirfd = dirfd;
	srv->config_dir = opts->config_dir;
	srv->inotify_fd = -1;
	srv->next_conn_id = 1;
	srv->udp = xnew(struct dnsd_udp_batch, 1);
	srv->ctx.search_domain = opts->search_domain;
	srv->ctx.no_proxy = getenv("AARDVARK_NO_PROXY") != NULL;
	if (sync_listeners(srv, cfg, err) < 0) {
		dnsd_config_free(cfg);
		dnsd_server_free(srv);
		return -(*err)->code;
	}
	set_config(srv, cfg);
	dnsd_server_reload_resolv_conf(srv);
	srv->started = true;
	*ret = srv;
	return 0;
}

static int on_inotify(struct pea_loop *loop, int fd, uint32_t events, void *data,
		      struct pea_error **err)
{
	struct dnsd_server *srv = data;
	uint8_t buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	/* an editor or resolvconf may have replaced the file: watch the new one */
	inotify_add_watch(fd, DNSD_RESOLV_CONF, IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF);
	dnsd_server_reload_resolv_conf(srv);
	return 0;
}

static void watch_resolv_conf(struct dnsd_server *srv)
{
	_cleanup_error_ struct pea_error *err = NULL;

	srv->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (srv->inotify_fd < 0 ||
	    inotify_add_watch(srv->inotify_fd, DNSD_RESOLV_CONF,
			      IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF) < 0) {
		log_debug("cannot watch %s: %s", DNSD_RESOLV_CONF, strerror(errno));
		srv->inotify_fd = pea_close(srv->inotify_fd);
		return;
	}
	if (pea_loop_add_fd(srv->loop, srv->inotify_fd, EPOLLIN, on_inotify, srv,
			    &srv->inotify_watch, &err) < 0) {
		log_debug("%s", err->message);
		srv->inotify_fd = pea_close(srv->inotify_fd);
	}
}

int dnsd_server_attach(struct dnsd_server *srv, struct pea_loop *loop, struct pea_error **err)
{
	srv->loop = loop;
	for (size_t i = 0; i < srv->n_listeners; i++)
		if (listener_watch(srv->listeners[i], err) < 0)
			return -(*err)->code;
	watch_resolv_conf(srv);
	return 0;
}

/*
 * netavark holds DIR/../aardvark.lock while it writes the files of DIR, and
 * sends SIGHUP after. Reading under a shared lock never sees half a file.
 * Returns the locked fd, -1 when there is no lock file, -EWOULDBLOCK when a
 * writer holds it.
 */
static int lock_config_dir(int dirfd)
{
	int fd = openat(dirfd, "../" DNSD_COMMIT_LOCK, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -EWOULDBLOCK : -1;

		pea_close(fd);
		return r;
	}
	return fd;
}

static int on_reload_retry(struct pea_loop *loop, void *data, struct pea_error **err)
{
	struct dnsd_server *srv = data;

	srv->reload_timer = NULL;
	dnsd_server_reload(srv);
	return 1;
}

static void reload_later(struct dnsd_server *srv)
{
	_cleanup_error_ struct pea_error *err = NULL;

	if (srv->reload_timer)
		return;
	if (pea_loop_add_timer(srv->loop, DNSD_RELOAD_RETRY_MS, 0, on_reload_retry, srv,
			       &srv->reload_timer, &err) < 0)
		log_error("reload: %s", err->message);
}

void dnsd_server_reload(struct dnsd_server *srv)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_close_ int lock_fd = lock_config_dir(srv->dirfd);
	struct dnsd_config *cfg = NULL;

	if (lock_fd == -EWOULDBLOCK) {
		log_debug("reload: the config directory is being written, retrying");
		lock_fd = -1;
		reload_later(srv);
		return;
	}
	if (dnsd_config_load(srv->dirfd, srv->config_dir, true, &cfg, &err) < 0) {
		log_error("reload: %s, keeping the old configuration", err->message);
		return;
	}
	lock_fd = pea_close(lock_fd);
	if (cfg->n_networks == 0) {
		dnsd_config_free(cfg);
		log_info("no network left in '%s', stopping", srv->config_dir);
		pea_loop_quit(srv->loop, 0);
		return;
	}
	if (sync_listeners(srv, cfg, &err) < 0) {
		log_error("reload: %s", err->message);
		err = pea_error_free(err);
	}
	set_config(srv, cfg);
	dnsd_server_reload_resolv_conf(srv);
	log_info("reloaded: %zu networks, %zu listeners", cfg->n_networks, srv->n_listeners);
}

struct dnsd_server *dnsd_server_free(struct dnsd_server *srv)
{
	if (!srv)
		return NULL;
	dnsd_forward_free_all(srv);
	dnsd_tcp_close_all(srv);
	for (size_t i = 0; i < srv->n_listeners; i++)
		listener_free(srv->listeners[i]);
	free(srv->listeners);
	if (srv->loop && srv->inotify_watch)
		pea_loop_remove(srv->loop, srv->inotify_watch);
	if (srv->loop && srv->reload_timer)
		pea_loop_remove(srv->loop, srv->reload_timer);
	pea_close(srv->inotify_fd);
	dnsd_config_free(srv->cfg);
	free(srv->udp);
	free(srv);
	return NULL;
}

static ssize_t listener_network(struct dnsd_server *srv, const struct dnsd_ip *local)
{
	struct dnsd_listener *l = find_listener(srv, local);

	return l ? l->net : dnsd_config_find_listener(srv->cfg, local);
}

/* Answer into out (DNSD_REPLY), or start a forward (DNSD_FORWARD), or drop. */
static enum dnsd_action server_handle(struct dnsd_server *srv, const struct dnsd_client *client,
				      const struct dnsd_ip *src, const uint8_t *msg, size_t len,
				      uint8_t *out, size_t out_cap, size_t *ret_len)
{
	struct dnsd_upstream ups[DNSD_MAX_UPSTREAMS];
	ssize_t net = listener_network(srv, &client->local);
	struct dns_query q;
	size_t n_ups;
	struct dnsd_client fwd;

	switch (dnsd_query_handle(&srv->ctx, src, net, msg, len, client->tcp, out, out_cap, ret_len,
				  &q)) {
	case DNSD_REPLY:
		return DNSD_REPLY;
	case DNSD_FORWARD:
		break;
	case DNSD_DROP:
	default:
		log_debug("dropped a malformed message of %zu bytes", len);
		return DNSD_DROP;
	}
	n_ups = dnsd_query_upstreams(&srv->ctx, src, net, ups, DNSD_MAX_UPSTREAMS);
	if (n_ups == 0) {
		log_debug("no resolver to forward '%s' to", q.name);
		return DNSD_DROP;
	}
	fwd = *client;
	fwd.max_answer = dns_query_max_answer(&q, client->tcp);
	return dnsd_forward_start(srv, &fwd, msg, len, &q, ups, n_ups) ? DNSD_FORWARD : DNSD_DROP;
}

bool dnsd_server_query(struct dnsd_server *srv, const struct dnsd_client *client,
		       const struct dnsd_ip *src, const uint8_t *msg, size_t len)
{
	size_t out_len = 0;

	switch (server_handle(srv, client, src, msg, len, srv->out, sizeof(srv->out), &out_len)) {
	case DNSD_REPLY:
		dnsd_server_reply(srv, client, srv->out, out_len);
		return false;
	case DNSD_FORWARD:
		return true;
	case DNSD_DROP:
	default:
		return false;
	}
}

void dnsd_server_reply(struct dnsd_server *srv, const struct dnsd_client *client,
		       const uint8_t *msg, size_t len)
{
	struct dnsd_listener *l;

	if (client->tcp) {
		dnsd_tcp_send(srv, client->conn_id, msg, len, false);
		return;
	}
	l = find_listener(srv, &client->local);
	if (!l)
		return; /* its network went away in a reload */
	if (sendto(l->udp_fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL,
		   (const struct sockaddr *)&client->addr, client->addr_len) < 0)
		log_debug("send an answer: %s", strerror(errno));
}
