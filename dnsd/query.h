#pragma once

/*
 * What pea-dnsd does with one query: answer it from the containers of the
 * asking container's networks, or say it must be forwarded upstream, or
 * drop it. Pure: no sockets, no clock, so the fuzz target drives it whole.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dnsd/config.h"
#include "dnsd/packet.h"

/* Containers move: answers are not to be cached (aardvark-dns answers with 0 too). */
#define DNSD_TTL	   0
#define DNSD_MAX_UPSTREAMS 8

struct dnsd_upstream {
	struct dnsd_ip ip;
	uint32_t scope_id; /* IPv6 link-local interface, 0 otherwise */
};

struct dnsd_query_ctx {
	const struct dnsd_config *cfg;
	/* lowercase, without leading or final dot; "" for none */
	const char *search_domain;
	/* AARDVARK_NO_PROXY: never forward */
	bool no_proxy;
	/* the host's resolvers from /etc/resolv.conf */
	const struct dnsd_upstream *host_upstreams;
	size_t n_host_upstreams;
};

enum dnsd_action {
	DNSD_DROP,
	DNSD_REPLY,
	DNSD_FORWARD,
};

/*
 * Handle the query msg (len bytes) from src, received on an address of the
 * network listen_net (-1: none). DNSD_REPLY: out holds *ret_len bytes to
 * send back. DNSD_FORWARD: *ret_q is the parsed query.
 */
enum dnsd_action dnsd_query_handle(const struct dnsd_query_ctx *ctx, const struct dnsd_ip *src,
				   ssize_t listen_net, const uint8_t *msg, size_t len, bool tcp,
				   uint8_t *out, size_t out_cap, size_t *ret_len,
				   struct dns_query *ret_q);

/*
 * The resolvers to forward a query from src to, in order: the container's
 * own, else its networks', else the host's. Returns how many were written.
 */
size_t dnsd_query_upstreams(const struct dnsd_query_ctx *ctx, const struct dnsd_ip *src,
			    ssize_t listen_net, struct dnsd_upstream *out, size_t max);
