#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dnsd/query.h"

/* The networks a query from src may see: its container's, else the one asked on. */
static const size_t *visible_networks(const struct dnsd_config *cfg, const struct dnsd_ip *src,
				      ssize_t listen_net, size_t *one, size_t *ret_n)
{
	const struct dnsd_member *m = dnsd_config_find_member(cfg, src);

	if (m) {
		*ret_n = m->n_networks;
		return m->networks;
	}
	if (listen_net < 0) {
		*ret_n = 0;
		return NULL;
	}
	*one = (size_t)listen_net;
	*ret_n = 1;
	return one;
}

static int compare_name_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct dnsd_name *)elem)->name);
}

/* The range of entries for name in a network's sorted names. */
static const struct dnsd_name *find_names(const struct dnsd_network *n, const char *name,
					  size_t *ret_count)
{
	const struct dnsd_name *hit, *first, *last, *end = n->names + n->n_names;

	hit = bsearch(name, n->names, n->n_names, sizeof(*n->names), compare_name_key);
	if (!hit) {
		*ret_count = 0;
		return NULL;
	}
	first = hit;
	while (first > n->names && strcmp(first[-1].name, name) == 0)
		first--;
	last = hit + 1;
	while (last < end && strcmp(last->name, name) == 0)
		last++;
	*ret_count = (size_t)(last - first);
	return first;
}

/*
 * The name to look up: q's name without the search domain. Returns false
 * when it cannot be a container's name.
 */
static bool local_name(const struct dnsd_query_ctx *ctx, const struct dns_query *q, char *out,
		       bool *ret_in_domain)
{
	size_t dl = strlen(ctx->search_domain), len = q->name_len;

	*ret_in_domain = false;
	if (!q->plain || len == 0)
		return false;
	if (dl > 0 && len > dl + 1 && q->name[len - dl - 1] == '.' &&
	    memcmp(q->name + len - dl, ctx->search_domain, dl) == 0) {
		*ret_in_domain = true;
		len -= dl + 1;
	}
	memcpy(out, q->name, len);
	out[len] = '\0';
	return true;
}

static void add_addresses(struct dns_answer *a, const struct dnsd_container *c, uint16_t qtype)
{
	for (size_t i = 0; i < c->n_ips; i++) {
		const struct dnsd_ip *ip = &c->ips[i];

		if (ip->family == AF_INET && (qtype == DNS_TYPE_A || qtype == DNS_TYPE_ANY))
			dns_answer_add_addr(a, DNS_TYPE_A, ip->addr, 4, DNSD_TTL);
		else if (ip->family == AF_INET6 &&
			 (qtype == DNS_TYPE_AAAA || qtype == DNS_TYPE_ANY))
			dns_answer_add_addr(a, DNS_TYPE_AAAA, ip->addr, 16, DNSD_TTL);
	}
}

/* Answer a forward lookup of name from the visible networks; false if no container has it. */
static bool answer_name(const struct dnsd_config *cfg, const size_t *nets, size_t n_nets,
			const char *name, uint16_t qtype, struct dns_answer *a)
{
	bool found = false;

	for (size_t i = 0; i < n_nets; i++) {
		const struct dnsd_network *net = &cfg->networks[nets[i]];
		size_t count;
		const struct dnsd_name *hits = find_names(net, name, &count);

		for (size_t j = 0; j < count; j++) {
			found = true;
			add_addresses(a, &net->containers[hits[j].container], qtype);
		}
	}
	return found;
}

/* Answer a PTR from the first visible network that has the address; false if none. */
static bool answer_ptr(const struct dnsd_config *cfg, const size_t *nets, size_t n_nets,
		       const struct dns_query *q, struct dns_answer *a)
{
	struct dnsd_ip ip = { 0 };
	int family;

	if (!q->plain || !dns_reverse_name_to_addr(q->name, &family, ip.addr))
		return false;
	ip.family = (uint8_t)family;
	for (size_t i = 0; i < n_nets; i++) {
		const struct dnsd_network *net = &cfg->networks[nets[i]];
		bool found = false;

		for (size_t j = 0; j < net->n_containers; j++) {
			const struct dnsd_container *c = &net->containers[j];

			for (size_t k = 0; k < c->n_ips; k++) {
				if (dnsd_ip_compare(&c->ips[k], &ip) != 0)
					continue;
				found = true;
				for (char **n = c->names; n && *n; n++)
					dns_answer_add_ptr(a, *n, DNSD_TTL);
			}
		}
		if (found)
			return true;
	}
	return false;
}

static bool may_forward(const struct dnsd_query_ctx *ctx, const size_t *nets, size_t n_nets)
{
	if (ctx->no_proxy)
		return false;
	/* a container only on internal networks gets no outside names */
	for (size_t i = 0; i < n_nets; i++)
		if (!ctx->cfg->networks[nets[i]].internal)
			return true;
	return n_nets == 0;
}

static enum dnsd_action reply_rcode(const uint8_t *msg, const struct dns_query *q, bool tcp,
				    enum dns_rcode rcode, uint8_t *out, size_t out_cap,
				    size_t *ret_len)
{
	struct dns_answer a;
	size_t max = dns_query_max_answer(q, tcp);

	if (dns_answer_begin(&a, out, max < out_cap ? max : out_cap, msg, q, rcode) < 0)
		return DNSD_DROP;
	*ret_len = dns_answer_finish(&a);
	return DNSD_REPLY;
}

/* A reply with only a header (for NOTIMP and FORMERR): id, opcode and RD echoed. */
static enum dnsd_action reply_header(const uint8_t *msg, enum dns_rcode rcode, uint8_t *out,
				     size_t out_cap, size_t *ret_len)
{
	uint16_t flags = dns_get16(msg + 2);

	if (out_cap < DNS_HEADER_SIZE)
		return DNSD_DROP;
	memset(out, 0, DNS_HEADER_SIZE);
	memcpy(out, msg, 2);
	dns_put16(out + 2, (uint16_t)(DNS_FLAG_QR | (flags & (0x7800 | DNS_FLAG_RD)) | rcode));
	*ret_len = DNS_HEADER_SIZE;
	return DNSD_REPLY;
}

enum dnsd_action dnsd_query_handle(const struct dnsd_query_ctx *ctx, const struct dnsd_ip *src,
				   ssize_t listen_net, const uint8_t *msg, size_t len, bool tcp,
				   uint8_t *out, size_t out_cap, size_t *ret_len,
				   struct dns_query *ret_q)
{
	struct dns_query *q = ret_q;
	char name[DNS_TEXT_MAX];
	size_t one, n_nets, max;
	const size_t *nets;
	struct dns_answer a;
	bool in_domain, local, found;

	switch (dns_parse_query(msg, len, q)) {
	case DNS_PARSE_OK:
		break;
	case DNS_PARSE_NOTIMP:
		return reply_header(msg, DNS_RCODE_NOTIMP, out, out_cap, ret_len);
	case DNS_PARSE_FORMERR:
		return reply_header(msg, DNS_RCODE_FORMERR, out, out_cap, ret_len);
	case DNS_PARSE_DROP:
	default:
		return DNSD_DROP;
	}
	nets = visible_networks(ctx->cfg, src, listen_net, &one, &n_nets);
	if (q->qclass != DNS_CLASS_IN && q->qclass != DNS_CLASS_ANY)
		goto forward;

	max = dns_query_max_answer(q, tcp);
	if (dns_answer_begin(&a, out, max < out_cap ? max : out_cap, msg, q, DNS_RCODE_NOERROR) < 0)
		return DNSD_DROP;
	if (q->qtype == DNS_TYPE_PTR && answer_ptr(ctx->cfg, nets, n_nets, q, &a)) {
		*ret_len = dns_answer_finish(&a);
		return DNSD_REPLY;
	}
	local = local_name(ctx, q, name, &in_domain);
	found = local && answer_name(ctx->cfg, nets, n_nets, name, q->qtype, &a);
	if (found) {
		/* A, AAAA or ANY with the addresses; any other type: the name exists, NODATA */
		*ret_len = dns_answer_finish(&a);
		return DNSD_REPLY;
	}
	if (in_domain)
		return reply_rcode(msg, q, tcp, DNS_RCODE_NXDOMAIN, out, out_cap, ret_len);
forward:
	if (!may_forward(ctx, nets, n_nets))
		return reply_rcode(msg, q, tcp, DNS_RCODE_NXDOMAIN, out, out_cap, ret_len);
	return DNSD_FORWARD;
}

static size_t add_servers(const struct dnsd_ip *ips, size_t n, struct dnsd_upstream *out,
			  size_t have, size_t max)
{
	for (size_t i = 0; i < n && have < max; i++) {
		bool dup = false;

		for (size_t j = 0; j < have; j++)
			dup = dup || dnsd_ip_compare(&out[j].ip, &ips[i]) == 0;
		if (!dup)
			out[have++] = (struct dnsd_upstream){ .ip = ips[i], .scope_id = 0 };
	}
	return have;
}

size_t dnsd_query_upstreams(const struct dnsd_query_ctx *ctx, const struct dnsd_ip *src,
			    ssize_t listen_net, struct dnsd_upstream *out, size_t max)
{
	const struct dnsd_member *m = dnsd_config_find_member(ctx->cfg, src);
	size_t one, n_nets, n = 0;
	const size_t *nets = visible_networks(ctx->cfg, src, listen_net, &one, &n_nets);

	if (m && m->n_dns_servers)
		return add_servers(m->dns_servers, m->n_dns_servers, out, 0, max);
	for (size_t i = 0; i < n_nets; i++) {
		const struct dnsd_network *net = &ctx->cfg->networks[nets[i]];

		if (!net->internal)
			n = add_servers(net->dns_servers, net->n_dns_servers, out, n, max);
	}
	if (n > 0)
		return n;
	for (size_t i = 0; i < ctx->n_host_upstreams && n < max; i++)
		out[n++] = ctx->host_upstreams[i];
	return n;
}
