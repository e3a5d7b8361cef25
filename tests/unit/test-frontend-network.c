/* frontend/network.h: addresses, -p specifications, a container's /etc/hosts and resolv.conf. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "frontend/network.h"
#include "tests/unit/tap.h"

static void test_ip(void)
{
	struct fe_ip a, b, n;
	char buf[64];

	tap_ok(fe_ip_parse("10.88.0.0/16", true, &a) == 0 && a.family == AF_INET && a.prefix == 16,
	       "ipv4 subnet");
	tap_ok(fe_ip_parse("10.88.0.0", true, &a) < 0, "a subnet needs a prefix");
	tap_ok(fe_ip_parse("10.88.0.0/33", true, &a) < 0, "prefix above 32");
	tap_ok(fe_ip_parse("10.88.0.0/", true, &a) < 0, "empty prefix");
	tap_ok(fe_ip_parse("10.88.0.1/24", false, &a) < 0, "an address has no prefix");
	tap_ok(fe_ip_parse("fd00::/64", true, &b) == 0 && b.family == AF_INET6, "ipv6 subnet");
	fe_ip_parse("10.11.12.13/20", true, &a);
	n = fe_ip_network(&a);
	tap_is_str(fe_ip_str(&n, buf, sizeof(buf)), "10.11.0.0", "network address of a /20");
	fe_ip_parse("10.11.15.255", false, &b);
	tap_ok(fe_ip_contains(&a, &b), "10.11.15.255 in 10.11.0.0/20");
	fe_ip_parse("10.11.16.0", false, &b);
	tap_ok(!fe_ip_contains(&a, &b), "10.11.16.0 not in 10.11.0.0/20");
	fe_ip_parse("10.11.8.0/24", true, &b);
	tap_ok(fe_ip_overlaps(&a, &b) && fe_ip_overlaps(&b, &a), "overlap both ways");
	fe_ip_parse("fd00::1", false, &b);
	tap_ok(!fe_ip_contains(&a, &b), "families never contain each other");
}

static const char *port_field(struct json_object *ports, size_t i, const char *k)
{
	return json_object_get_string(
		json_object_object_get(json_object_array_get_idx(ports, i), k));
}

static void test_ports(void)
{
	_cleanup_json_ struct json_object *p = json_object_new_array();
	_cleanup_error_ struct pea_error *err = NULL;

	tap_ok(ports_parse("8080:80", p, NULL) == 0, "host:container");
	tap_is_str(port_field(p, 0, "host_port"), "8080", "host port");
	tap_is_str(port_field(p, 0, "container_port"), "80", "container port");
	tap_is_str(port_field(p, 0, "protocol"), "tcp", "tcp by default");
	tap_ok(ports_parse("[::1]:9000-9001:90-91/udp", p, NULL) == 0, "v6 host ip, range, udp");
	tap_is_str(port_field(p, 1, "host_ip"), "::1", "brackets dropped");
	tap_is_str(port_field(p, 1, "range"), "2", "range of two");
	tap_is_str(port_field(p, 1, "protocol"), "udp", "udp");
	tap_ok(ports_parse("127.0.0.1::53/udp", p, NULL) == 0, "ip, no host port");
	tap_is_str(port_field(p, 2, "host_port"), "0", "host port picked later");
	tap_ok(ports_parse("80-81:90", p, &err) < 0 && strstr(err->message, "differ in size"),
	       "ranges of different sizes");
	tap_ok(ports_parse_expose("80/tcp", p, NULL) == 0 && json_object_array_length(p) == 3,
	       "--expose 80/tcp: published already, not added again");
	tap_ok(ports_parse_expose("8080", p, NULL) == 0 && json_object_array_length(p) == 4,
	       "--expose 8080 is added");
	tap_ok(ports_parse_expose("53/udp", p, NULL) == 0 && json_object_array_length(p) == 4,
	       "--expose 53/udp: published already");
}

static void test_etc(void)
{
	char *servers[] = { "10.89.0.1", NULL }, *addrs[] = { "10.89.0.5", NULL };
	char *search[] = { ".", NULL }, *adds[] = { "gw:host-gateway", "x:[2001:db8::1]", NULL };
	struct etc_input in = { .hostname = "box", .name = "web" };
	_cleanup_free_ char *r1 = NULL, *r2 = NULL, *r3 = NULL, *h1 = NULL, *h2 = NULL;

	r1 = etc_resolv_text("nameserver 127.0.0.53\nsearch corp.example\noptions edns0\n", &in);
	tap_is_str(r1,
		   "search corp.example\nnameserver 8.8.8.8\nnameserver 8.8.4.4\noptions edns0\n",
		   "a local resolver of the host is not reachable: public servers");
	in.net_dns = servers;
	r2 = etc_resolv_text("nameserver 192.0.2.1\nsearch corp.example\n", &in);
	tap_is_str(r2, "search dns.podman corp.example\nnameserver 10.89.0.1\n",
		   "the network's DNS server first, dns.podman searched");
	in.dns_search = search;
	r3 = etc_resolv_text("nameserver 192.0.2.1\nsearch corp.example\n", &in);
	tap_is_str(r3, "nameserver 10.89.0.1\n", "--dns-search . drops the search line");
	in.addresses = addrs;
	in.gateway = "10.89.0.1";
	in.add_hosts = adds;
	h1 = etc_hosts_text("", &in);
	tap_ok(strstr(h1, "10.89.0.5\tbox web\n") && strstr(h1, "10.89.0.1\tgw\n") &&
		       strstr(h1, "2001:db8::1\tx\n") &&
		       strstr(h1, "10.89.0.1\thost.containers.internal host.docker.internal\n"),
	       "hosts: the container, --add-host, host-gateway, host.containers.internal");
	in.host_net = true;
	in.gateway = NULL;
	in.addresses = NULL;
	h2 = etc_hosts_text("127.0.0.1 localhost", &in);
	tap_ok(strncmp(h2, "127.0.0.1 localhost\n", 20) == 0 && strstr(h2, "127.0.0.1\tgw\n") &&
		       strstr(h2, "127.0.1.1\tbox web\n"),
	       "host network: the host's file, host-gateway is the host");
}

int main(void)
{
	tap_plan(11 + 14 + 5);
	test_ip();
	test_ports();
	test_etc();
	return tap_done();
}
