/*
 * pea-dnsd's handling of one datagram: the DNS parser, the lookup in a
 * fixed two-network config, and the answer builder. The first byte picks
 * the source address and UDP or TCP; the rest is the message.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"
#include "dnsd/config.h"
#include "dnsd/packet.h"
#include "dnsd/query.h"
#include "tests/fuzz/fuzz.h"

static const char net1[] = "10.89.0.1,fd00::1 1.1.1.1\n"
			   "aaaa1111 10.89.0.2 fd00::2 web,www\n"
			   "bbbb2222 10.89.0.3  db 9.9.9.9\n";
static const char net2[] = "10.90.0.1\n"
			   "aaaa1111 10.90.0.3  web2\n"
			   "dddd4444 10.90.0.2  other\n";

static struct dnsd_config *config(void)
{
	static struct dnsd_config *c;
	struct pea_error *err = NULL;

	if (c)
		return c;
	c = xnew(struct dnsd_config, 1);
	c->networks = xnew(struct dnsd_network, 2);
	if (dnsd_network_parse("net1", "net1", net1, strlen(net1), &c->networks[0], &err) < 0 ||
	    dnsd_network_parse("net2%int", "net2", net2, strlen(net2), &c->networks[1], &err) < 0)
		abort();
	c->n_networks = 2;
	dnsd_config_index(c);
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sources[] = { "10.89.0.2", "10.89.0.3", "10.90.0.2", "10.89.0.99",
					       "fd00::2" };
	struct dnsd_query_ctx ctx = { .cfg = config(), .search_domain = "dns.podman" };
	struct dnsd_upstream ups[DNSD_MAX_UPSTREAMS];
	static uint8_t out[DNS_TCP_MAX];
	struct dns_query q;
	struct dnsd_ip src;
	size_t len = 0;
	uint8_t *msg;
	bool tcp;

	if (size < 1)
		return 0;
	dnsd_ip_parse(sources[data[0] % 5], &src);
	tcp = data[0] & 0x80;
	/* a copy of exactly the message, so reading past it is caught */
	msg = xmalloc(size - 1 ? size - 1 : 1);
	memcpy(msg, data + 1, size - 1);
	if (dnsd_query_handle(&ctx, &src, (data[0] >> 3) % 3 - 1, msg, size - 1, tcp, out,
			      tcp ? sizeof(out) : DNS_UDP_MAX, &len, &q) == DNSD_REPLY) {
		if (len < DNS_HEADER_SIZE || len > (tcp ? sizeof(out) : DNS_UDP_MAX))
			abort();
	}
	dnsd_query_upstreams(&ctx, &src, 0, ups, DNSD_MAX_UPSTREAMS);
	free(msg);
	return 0;
}
