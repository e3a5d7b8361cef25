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
	tap_ok(strstr(h2, "127.0.0.1\tlocalhost\n") && strstr(h2, "127.0.0.1\tgw\n") &&
		       !strstr(h2, "box") && !strstr(h2, "\n::1\t"),
	       "host network: the host's file, host-gateway is the host, no own line");
}

static const char *path_str(struct json_object *o, const char *a, const char *b, const char *c)
{
	struct json_object *v = o;

	if (a && !json_object_object_get_ex(v, a, &v))
		return NULL;
	if (b && !json_object_object_get_ex(v, b, &v))
		return NULL;
	if (c && !json_object_object_get_ex(v, c, &v))
		return NULL;
	return json_object_get_string(v);
}

static void test_inspect(void)
{
	_cleanup_json_ struct json_object *opts = json_tokener_parse(
		"{\"networks\": {\"blue\": {\"static_ips\": [\"10.89.0.2\"], \"aliases\": "
		"[\"www\"]}},"
		" \"ports\": [{\"host_ip\": \"\", \"container_port\": 80, \"host_port\": 0,"
		" \"range\": 1, \"protocol\": \"tcp\"}]}");
	_cleanup_json_ struct json_object *setup =
		json_tokener_parse("{\"port_mappings\": [{\"host_ip\": \"\", \"container_port\": "
				   "80, \"host_port\": 8080,"
				   " \"range\": 2, \"protocol\": \"tcp\"}, {\"host_ip\": \"::1\", "
				   "\"container_port\": 53,"
				   " \"host_port\": 5353, \"range\": 1, \"protocol\": \"udp\"}]}");
	_cleanup_json_ struct json_object *status = json_tokener_parse(
		"{\"blue\": {\"interfaces\": {\"eth0\": {\"mac_address\": \"02:42:ac:11:00:07\","
		" \"subnets\": [{\"ipnet\": \"10.89.0.2/24\", \"gateway\": \"10.89.0.1\"},"
		" {\"ipnet\": \"fd00::2/64\", \"gateway\": \"fd00::1\"}]}}}}");
	_cleanup_json_ struct json_object *ns = NULL, *idle = NULL;
	_cleanup_free_ char *sum = NULL;

	ns = network_settings_json(opts, setup, status, "/run/x/netns");
	tap_is_str(path_str(ns, "IPAddress", NULL, NULL), "10.89.0.2", "IPAddress");
	tap_is_str(path_str(ns, "IPPrefixLen", NULL, NULL), "24", "IPPrefixLen");
	tap_is_str(path_str(ns, "Gateway", NULL, NULL), "10.89.0.1", "Gateway");
	tap_is_str(path_str(ns, "GlobalIPv6Address", NULL, NULL), "fd00::2", "GlobalIPv6Address");
	tap_is_str(path_str(ns, "Networks", "blue", "MacAddress"), "02:42:ac:11:00:07",
		   "MacAddress");
	tap_is_str(path_str(ns, "SandboxKey", NULL, NULL), "/run/x/netns", "SandboxKey");
	tap_ok(json_object_array_length(json_object_object_get(
		       json_object_object_get(json_object_object_get(ns, "Networks"), "blue"),
		       "Aliases")) == 1,
	       "Aliases");
	tap_is_str(json_object_get_string(json_object_object_get(
			   json_object_array_get_idx(
				   json_object_object_get(json_object_object_get(ns, "Ports"),
							  "81/tcp"),
				   0),
			   "HostPort")),
		   "8081", "Ports: a range expanded");
	idle = network_settings_json(opts, NULL, NULL, "");
	tap_is_str(path_str(idle, "IPAddress", NULL, NULL), "", "not running: no address");
	sum = network_ports_summary(json_object_object_get(setup, "port_mappings"));
	tap_is_str(sum, "0.0.0.0:8080-8081->80-81/tcp, [::1]:5353->53/udp", "PORTS column");
}

static void test_etc_edit(void)
{
	_cleanup_free_ char *h1 = NULL, *h2 = NULL, *h3 = NULL, *r1 = NULL, *r2 = NULL;
	char *ips[] = { "10.0.0.5", NULL }, *names[] = { "box", "web", NULL };
	char *dns[] = { "10.0.0.1", NULL };

	h1 = etc_hosts_edit("127.0.0.1\tlocalhost\n10.1.0.2\tbox web\n", ips, names, true);
	tap_is_str(h1, "127.0.0.1\tlocalhost\n10.1.0.2\tbox web\n10.0.0.5\tbox web\n",
		   "hosts: own line added");
	h2 = etc_hosts_edit(h1, ips, names, true);
	tap_is_str(h2, h1, "hosts: added once");
	h3 = etc_hosts_edit("10.0.0.5  box   web\n10.0.0.5\tother\n# 10.0.0.5 box web\n", ips,
			    names, false);
	tap_is_str(h3, "10.0.0.5\tother\n# 10.0.0.5 box web\n",
		   "hosts: only the very entry removed");
	r1 = etc_resolv_edit("search dns.podman\nnameserver 10.9.0.1\noptions ndots:2\n", dns,
			     true);
	tap_is_str(r1,
		   "search dns.podman\nnameserver 10.0.0.1\nnameserver 10.9.0.1\noptions ndots:2\n",
		   "resolv: the network's server first");
	r2 = etc_resolv_edit(r1, dns, false);
	tap_is_str(r2, "search dns.podman\nnameserver 10.9.0.1\noptions ndots:2\n",
		   "resolv: server removed");
}

int main(void)
{
	tap_plan(11 + 14 + 5 + 10 + 5);
	test_ip();
	test_ports();
	test_etc();
	test_inspect();
	test_etc_edit();
	return tap_done();
}
