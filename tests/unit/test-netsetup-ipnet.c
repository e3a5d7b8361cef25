/* netsetup/ipnet.c: addresses and prefixes; mac_parse. */
#include <string.h>
#include <sys/socket.h>

#include "lib/error.h"
#include "netsetup/netsetup.h"
#include "tests/unit/tap.h"

static struct ipnet net(const char *s, bool prefix)
{
	struct ipnet n = { 0 };
	struct pea_error *err = NULL;

	if (ipnet_parse(s, prefix, &n, &err) < 0) {
		tap_diag("parse '%s': %s", s, err->message);
		pea_error_free(err);
	}
	return n;
}

static bool parse_fails(const char *s, bool prefix)
{
	struct ipnet n;
	struct pea_error *err = NULL;
	bool failed = ipnet_parse(s, prefix, &n, &err) < 0;

	pea_error_free(err);
	return failed;
}

int main(void)
{
	char b[64];
	struct ipnet a, c;
	uint8_t mac[6];

	tap_plan(24);

	a = net("10.89.3.7/24", true);
	tap_is_int(a.family, AF_INET, "v4 family");
	tap_is_int(a.prefix, 24, "v4 prefix");
	tap_is_str(ipnet_str(&a, b, sizeof(b)), "10.89.3.7/24", "v4 keeps the host part");
	c = ipnet_network(&a);
	tap_is_str(ipnet_str(&c, b, sizeof(b)), "10.89.3.0/24", "v4 network");
	c = net("10.89.3.200", false);
	tap_ok(ipnet_contains(&a, &c), "10.89.3.200 in 10.89.3.0/24");
	c = net("10.89.4.1", false);
	tap_ok(!ipnet_contains(&a, &c), "10.89.4.1 not in 10.89.3.0/24");
	c = net("10.89.0.0/16", true);
	tap_ok(ipnet_overlaps(&a, &c) && ipnet_overlaps(&c, &a), "/24 and /16 overlap both ways");
	c = net("10.90.0.0/16", true);
	tap_ok(!ipnet_overlaps(&a, &c), "disjoint subnets");
	c = net("10.89.0.0/22", true);
	c = ipnet_network(&c);
	tap_is_str(ipnet_addr_str(&c, b, sizeof(b)), "10.89.0.0", "/22 network address");
	c = ipnet_add(&c, 255 + 1);
	tap_is_str(ipnet_addr_str(&c, b, sizeof(b)), "10.89.1.0", "add carries");

	a = net("fd10:88:a::2/64", true);
	tap_is_int(a.family, AF_INET6, "v6 family");
	c = ipnet_network(&a);
	tap_is_str(ipnet_str(&c, b, sizeof(b)), "fd10:88:a::/64", "v6 network");
	c = net("fd10:88:a::ffff", false);
	tap_ok(ipnet_contains(&a, &c), "v6 contains");
	c = net("10.89.3.1", false);
	tap_ok(!ipnet_contains(&a, &c), "families never contain each other");
	c = net("fd10:88:a::/120", true);
	c = ipnet_add(&c, 1);
	tap_is_str(ipnet_addr_str(&c, b, sizeof(b)), "fd10:88:a::1", "v6 add");
	a = net("0.0.0.0/0", true);
	tap_ok(ipnet_contains(&a, &c) == false && a.prefix == 0, "/0 parses");

	tap_ok(parse_fails("10.0.0.0/33", true), "prefix too long");
	tap_ok(parse_fails("10.0.0.0", true), "subnet without prefix");
	tap_ok(parse_fails("10.0.0.1/8", false), "address with a prefix");
	tap_ok(parse_fails("10.0.0.256", false), "bad octet");
	tap_ok(parse_fails("fd00::/-1", true) && parse_fails("fd00::/1x", true), "bad prefixes");

	tap_ok(mac_parse("02:42:ac:11:00:09", mac) == 0 && mac[0] == 2 && mac[5] == 9, "mac");
	tap_ok(mac_parse("02:42:ac:11:00", mac) < 0, "short mac");
	tap_ok(mac_parse("02-42-ac-11-00-09", mac) < 0, "mac with dashes");
	return tap_done();
}
