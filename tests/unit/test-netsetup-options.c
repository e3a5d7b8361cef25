/* netsetup/options.c: netavark's options JSON into C, and its errors. */
#include <string.h>
#include <sys/socket.h>

#include "lib/error.h"
#include "netsetup/netsetup.h"
#include "tests/unit/tap.h"

static const char good[] =
	"{\"container_id\":\"abc\",\"container_name\":\"web\","
	"\"port_mappings\":[{\"host_ip\":\"\",\"container_port\":80,\"host_port\":8080,"
	"\"range\":2,\"protocol\":\"tcp,udp\"}],"
	"\"dns_servers\":[\"8.8.8.8\"],"
	"\"networks\":{\"n1\":{\"static_ips\":[\"10.89.3.2\",\"fd10::2\"],\"interface_name\":"
	"\"eth0\","
	"\"aliases\":[\"w\"],\"static_mac\":\"02:42:ac:11:00:09\"}},"
	"\"network_info\":{\"n1\":{\"name\":\"n1\",\"id\":\"x\",\"driver\":\"bridge\","
	"\"network_interface\":\"podman1\",\"subnets\":[{\"subnet\":\"10.89.3.0/24\","
	"\"gateway\":\"10.89.3.1\"},{\"subnet\":\"fd10::/64\"}],\"ipv6_enabled\":true,"
	"\"internal\":false,\"dns_enabled\":true,\"options\":{\"mtu\":\"1400\",\"isolate\":"
	"\"true\","
	"\"metric\":\"50\",\"unknown\":\"kept "
	"quiet\"},\"ipam_options\":{\"driver\":\"host-local\"}}}}";

/* Replace the first occurrence of from by to in good, parse, return the error message. */
static char *error_of(const char *from, const char *to)
{
	static char buf[4096], msg[512];
	const char *p = strstr(good, from);
	struct pea_error *err = NULL;
	struct net_options *o = NULL;

	if (!p)
		return (char *)"(pattern not found)";
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - good), good, to, p + strlen(from));
	if (net_options_parse(buf, strlen(buf), &o, &err) == 0) {
		net_options_free(o);
		return (char *)"(no error)";
	}
	snprintf(msg, sizeof(msg), "%s", err->message);
	pea_error_free(err);
	return msg;
}

static bool has(const char *msg, const char *part)
{
	bool r = strstr(msg, part) != NULL;

	if (!r)
		tap_diag("'%s' lacks '%s'", msg, part);
	return r;
}

int main(void)
{
	struct pea_error *err = NULL;
	struct net_options *o = NULL;
	char b[64];

	tap_plan(22);
	tap_ok(net_options_parse(good, strlen(good), &o, &err) == 0, "good options parse");
	if (!o)
		return tap_done();
	tap_is_str(o->container_id, "abc", "container_id");
	tap_is_int(o->n_attachments, 1, "one network");
	tap_is_str(o->attachments[0].key, "n1", "network key");
	tap_is_int(o->attachments[0].net.mtu, 1400, "mtu option");
	tap_ok(o->attachments[0].net.isolate, "isolate option");
	tap_is_int(o->attachments[0].net.metric, 50, "metric option");
	tap_ok(o->attachments[0].net.subnets[0].has_gateway &&
		       !o->attachments[0].net.subnets[1].has_gateway,
	       "gateways");
	tap_is_str(ipnet_str(&o->attachments[0].net.subnets[0].gateway, b, sizeof(b)),
		   "10.89.3.1/24", "gateway carries the subnet's prefix");
	tap_ok(o->attachments[0].opts.has_mac && o->attachments[0].opts.mac[5] == 9, "static_mac");
	tap_is_int(o->n_ports, 1, "one port mapping");
	tap_is_int(o->ports[0].protocols, PROTO_TCP | PROTO_UDP, "protocols");
	tap_is_int(o->ports[0].range, 2, "range");
	tap_ok(!o->ports[0].has_host_ip, "empty host_ip means all");
	net_options_free(o);

	tap_ok(has(error_of("\"bridge\"", "\"vxlan\""), "unknown network driver 'vxlan'"),
	       "unknown driver");
	tap_ok(has(error_of("10.89.3.0/24", "10.89.3.0/99"), "invalid subnet '10.89.3.0/99'"),
	       "bad subnet");
	tap_ok(has(error_of("\"10.89.3.2\"", "\"10.1.1.1\""), "not in a subnet"),
	       "address outside the subnets");
	tap_ok(has(error_of("\"1400\"", "\"huge\""), "unable to parse \"mtu\""), "bad mtu");
	tap_ok(has(error_of("\"tcp,udp\"", "\"tcp,gre\""), "unknown protocol 'gre'"),
	       "bad protocol");
	tap_ok(has(error_of("\"eth0\"", "\"a/b\""), "invalid interface name 'a/b'"),
	       "bad interface name");
	tap_ok(has(error_of("\"container_id\"", "\"container_xx\""), "container_id"),
	       "missing container_id");
	tap_ok(has(error_of("\"8.8.8.8\"", "\"dns.example\""), "dns_servers"), "bad dns server");
	return tap_done();
}
