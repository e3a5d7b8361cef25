#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/error.h"
#include "netsetup/netsetup.h"

size_t ipnet_addr_len(const struct ipnet *n)
{
	return n->family == AF_INET ? 4 : 16;
}

int ipnet_parse(const char *s, bool with_prefix, struct ipnet *ret, struct pea_error **err)
{
	struct ipnet n = { 0 };
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max;

	if (alen == 0 || alen >= INET6_ADDRSTRLEN || (slash && !with_prefix) ||
	    (!slash && with_prefix))
		goto bad_addr;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, n.addr) == 1)
		n.family = AF_INET;
	else if (inet_pton(AF_INET6, buf, n.addr) == 1)
		n.family = AF_INET6;
	else
		goto bad_addr;
	max = n.family == AF_INET ? 32 : 128;
	n.prefix = max;
	if (slash) {
		char *end = NULL;
		unsigned long p;

		if (slash[1] < '0' || slash[1] > '9')
			goto bad;
		errno = 0;
		p = strtoul(slash + 1, &end, 10);
		if (errno || *end || p > max)
			goto bad;
		n.prefix = (unsigned int)p;
	}
	*ret = n;
	return 0;
bad:
	return pea_error_new(err, EINVAL, "invalid subnet '%s'", s);
bad_addr:
	return pea_error_new(err, EINVAL, "invalid IP address syntax '%s'", s);
}

const char *ipnet_addr_str(const struct ipnet *n, char *buf, size_t size)
{
	if (!inet_ntop(n->family, n->addr, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

const char *ipnet_str(const struct ipnet *n, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, size, "%s/%u", ipnet_addr_str(n, a, sizeof(a)), n->prefix);
	return buf;
}

struct ipnet ipnet_network(const struct ipnet *n)
{
	struct ipnet r = *n;
	size_t len = ipnet_addr_len(n);

	for (size_t i = 0; i < len; i++) {
		unsigned int bit = (unsigned int)i * 8;

		if (bit >= n->prefix)
			r.addr[i] = 0;
		else if (n->prefix - bit < 8)
			r.addr[i] &= (uint8_t)(0xff << (8 - (n->prefix - bit)));
	}
	return r;
}

bool ipnet_contains(const struct ipnet *net, const struct ipnet *addr)
{
	struct ipnet a, b;

	if (net->family != addr->family)
		return false;
	a = ipnet_network(net);
	b = *addr;
	b.prefix = net->prefix;
	b = ipnet_network(&b);
	return memcmp(a.addr, b.addr, ipnet_addr_len(net)) == 0;
}

bool ipnet_overlaps(const struct ipnet *a, const struct ipnet *b)
{
	if (a->family != b->family)
		return false;
	return a->prefix <= b->prefix ? ipnet_contains(a, b) : ipnet_contains(b, a);
}

bool ipnet_equal_addr(const struct ipnet *a, const struct ipnet *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, ipnet_addr_len(a)) == 0;
}

struct ipnet ipnet_add(const struct ipnet *n, uint64_t delta)
{
	struct ipnet r = *n;
	size_t len = ipnet_addr_len(n);
	uint64_t carry = delta;

	for (size_t i = len; i-- > 0 && carry;) {
		uint64_t v = r.addr[i] + (carry & 0xff);

		r.addr[i] = (uint8_t)v;
		carry = (carry >> 8) + (v >> 8);
	}
	return r;
}
