#pragma once

/*
 * The running server: one UDP socket and one TCP listener per gateway
 * address, TCP connections, queries forwarded upstream, all driven by one
 * lib/loop.h event loop (no threads).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "dnsd/config.h"
#include "dnsd/packet.h"
#include "dnsd/query.h"
#include "dnsd/resolvconf.h"

struct pea_error;
struct pea_loop;
struct pea_watch;
struct dnsd_options;
struct dnsd_forward;

#define DNSD_MAX_TCP_CONNS     256
#define DNSD_MAX_FORWARDS      1024
#define DNSD_TCP_IDLE_MS       3000 /* as aardvark-dns: a silent client is dropped after 3 s */
#define DNSD_UPSTREAM_TOTAL_MS 5000 /* split between the upstreams of a query */
#define DNSD_DNS_PORT	       53
#define DNSD_RELOAD_RETRY_MS   50
/* netavark's lock, in the parent of the config directory */
#define DNSD_COMMIT_LOCK "aardvark.lock"

struct dnsd_listener {
	struct dnsd_server *srv;
	struct dnsd_ip ip;
	int udp_fd;
	int tcp_fd;
	struct pea_watch *udp_watch;
	struct pea_watch *tcp_watch;
	ssize_t net; /* the network of the current config that listens here */
	bool seen;   /* reload bookkeeping */
};

struct dnsd_tcp_conn {
	struct dnsd_server *srv;
	struct dnsd_tcp_conn *prev, *next;
	uint64_t id;
	int fd;
	struct dnsd_ip local;
	struct dnsd_ip peer;
	struct pea_watch *watch;
	struct pea_watch *timer;
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_len, out_off, out_cap;
	unsigned int pending; /* forwards in flight for this connection */
	bool eof;
};

/* Where the answer to a forwarded query goes. */
struct dnsd_client {
	bool tcp;
	uint64_t conn_id;	      /* TCP */
	struct dnsd_ip local;	      /* UDP: the listener it came in on */
	struct sockaddr_storage addr; /* UDP: the client */
	socklen_t addr_len;
	size_t max_answer;
};

/* recvmmsg/sendmmsg: up to DNSD_UDP_BATCH datagrams per system call. */
#define DNSD_UDP_BATCH 32
struct dnsd_udp_batch {
	struct mmsghdr in[DNSD_UDP_BATCH];
	struct mmsghdr out[DNSD_UDP_BATCH];
	struct iovec in_iov[DNSD_UDP_BATCH];
	struct iovec out_iov[DNSD_UDP_BATCH];
	struct sockaddr_storage addr[DNSD_UDP_BATCH];
	uint8_t in_buf[DNSD_UDP_BATCH][DNS_UDP_MAX];
	uint8_t out_buf[DNSD_UDP_BATCH][DNS_UDP_MAX];
};

struct dnsd_server {
	struct pea_loop *loop;
	const struct dnsd_options *opts;
	int dirfd;
	const char *config_dir;
	struct dnsd_config *cfg;
	struct dnsd_query_ctx ctx;
	struct dnsd_upstream host_upstreams[DNSD_RESOLV_CONF_MAX];
	struct dnsd_listener **listeners;
	size_t n_listeners;
	struct dnsd_tcp_conn *conns;
	size_t n_conns;
	uint64_t next_conn_id;
	struct dnsd_forward *forwards;
	size_t n_forwards;
	int inotify_fd;
	struct pea_watch *inotify_watch;
	bool started; /* past the first load: bind errors are warnings */
	struct dnsd_udp_batch *udp;
	struct pea_watch *reload_timer;
	uint8_t in[DNS_TCP_MAX + 2];
	uint8_t out[DNS_TCP_MAX];
};

/* server.c */
int dnsd_server_new(const struct dnsd_options *opts, int dirfd, struct dnsd_config *cfg,
		    struct dnsd_server **ret, struct pea_error **err);
struct dnsd_server *dnsd_server_free(struct dnsd_server *srv);
/* Add the watchers to a new loop (after a fork, the loop is the child's own). */
int dnsd_server_attach(struct dnsd_server *srv, struct pea_loop *loop, struct pea_error **err);
/*
 * SIGHUP: read the directory again (later, if netavark is writing it). Quits
 * the loop when no network is left.
 */
void dnsd_server_reload(struct dnsd_server *srv);
void dnsd_server_reload_resolv_conf(struct dnsd_server *srv);
/* Handle one query from a client; replies now or starts a forward (then true). */
bool dnsd_server_query(struct dnsd_server *srv, const struct dnsd_client *client,
		       const struct dnsd_ip *src, const uint8_t *msg, size_t len);
/* Send an answer to a client (a forwarded query's); the client may be gone. */
void dnsd_server_reply(struct dnsd_server *srv, const struct dnsd_client *client,
		       const uint8_t *msg, size_t len);
void dnsd_sockaddr_to_ip(const struct sockaddr_storage *sa, struct dnsd_ip *ip);
socklen_t dnsd_ip_to_sockaddr(const struct dnsd_ip *ip, uint16_t port, uint32_t scope_id,
			      struct sockaddr_storage *sa);

/* tcp.c */
int dnsd_tcp_accept(struct dnsd_listener *l);
/*
 * Queue an answer (msg may be NULL: none) on connection id; forwarded ends
 * one of its forwards. False if the connection is gone.
 */
bool dnsd_tcp_send(struct dnsd_server *srv, uint64_t conn_id, const uint8_t *msg, size_t len,
		   bool forwarded);
void dnsd_tcp_close_all(struct dnsd_server *srv);

/* forward.c */
/*
 * Forward msg to the upstreams in turn. Returns false if none could be
 * tried; else the client gets exactly one dnsd_tcp_send(forwarded) (TCP)
 * or an answer (UDP) or nothing, later.
 */
bool dnsd_forward_start(struct dnsd_server *srv, const struct dnsd_client *client,
			const uint8_t *msg, size_t len, const struct dns_query *q,
			const struct dnsd_upstream *ups, size_t n_ups);
void dnsd_forward_free_all(struct dnsd_server *srv);
