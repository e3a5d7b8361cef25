/* pea-dnsd's config files, lookup tables, query decisions and resolv.conf. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/xalloc.h"
#include "dnsd/config.h"
#include "dnsd/query.h"
#include "dnsd/resolvconf.h"
#include "tests/unit/tap.h"

static const char net1[] = "10.89.0.1,fd00::1 1.1.1.1\n"
			   "AAAA1111 10.89.0.2 fd00::2 Web,www\n"
			   "bbbb2222 10.89.0.3  db 9.9.9.9\n"
			   "\n"
			   "cccc3333  fd00::4 v6only\n";
static const char net2[] = "10.90.0.1\n"
			   "dddd4444 10.90.0.2  other\n"
			   "aaaa1111 10.90.0.3  web2\n";

static struct dnsd_ip ip(const char *s)
{
	struct dnsd_ip r;

	if (!dnsd_ip_parse(s, &r))
		abort();
	return r;
}

static void test_parse_network(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct dnsd_network n;
	char buf[46];

	tap_is_int(dnsd_network_parse("net1", "net1", net1, strlen(net1), &n, &err), 0,
		   "a network file parses");
	tap_is_str(n.name, "net1", "the network is named after the file");
	tap_is_int(n.n_listen, 2, "two listen addresses");
	tap_is_str(dnsd_ip_format(&n.listen[1], buf, sizeof(buf)), "fd00::1", "an IPv6 one");
	tap_is_int(n.n_dns_servers, 1, "one network DNS server");
	tap_is_int(n.n_containers, 3, "three containers, the blank line skipped");
	tap_is_str(n.containers[0].id, "aaaa1111", "ids are lowercased");
	tap_is_str(n.containers[0].names[0], "web", "names are lowercased");
	tap_is_int(n.containers[0].n_ips, 2, "an IPv4 and an IPv6 address");
	tap_is_int(n.containers[1].n_dns_servers, 1, "per-container DNS servers");
	tap_is_int(n.containers[2].n_ips, 1, "an empty IPv4 field");
	tap_ok(!n.internal, "not internal");
	dnsd_network_clear(&n);

	tap_is_int(dnsd_network_parse("net1%int", "x", net2, strlen(net2), &n, &err), 0,
		   "an internal network parses");
	tap_ok(n.internal && strcmp(n.name, "net1") == 0, "%%int marks it internal, not named");
	dnsd_network_clear(&n);

	tap_ok(dnsd_network_parse("n", "n", "10.0.0.1\nid 10.0.0.300  x\n", 26, &n, &err) < 0,
	       "a bad address fails");
	tap_is_str(err->message, "config 'n': line 2: invalid IPv4 container address '10.0.0.300'",
		   "and says where");
}

static struct dnsd_config *make_config(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct dnsd_config *c = xnew(struct dnsd_config, 1);

	c->networks = xnew(struct dnsd_network, 2);
	if (dnsd_network_parse("net1", "net1", net1, strlen(net1), &c->networks[0], &err) < 0 ||
	    dnsd_network_parse("net2", "net2", net2, strlen(net2), &c->networks[1], &err) < 0)
		abort();
	c->n_networks = 2;
	dnsd_config_index(c);
	return c;
}

static void test_index(void)
{
	struct dnsd_config *c = make_config();
	struct dnsd_ip a = ip("10.89.0.2"), b = ip("10.90.0.2"), x = ip("10.89.0.99");
	const struct dnsd_member *m;

	m = dnsd_config_find_member(c, &a);
	tap_ok(m && m->n_networks == 2, "a container on two networks sees both (by its id)");
	m = dnsd_config_find_member(c, &b);
	tap_ok(m && m->n_networks == 1 && m->networks[0] == 1, "another sees its own only");
	tap_ok(!dnsd_config_find_member(c, &x), "an unknown address is no member");
	tap_is_int(dnsd_config_find_listener(c, &(struct dnsd_ip){ 0 }), -1, "no listener");
	b = ip("10.90.0.1");
	tap_is_int(dnsd_config_find_listener(c, &b), 1, "the listener of net2");
	dnsd_config_free(c);
}

/* A query for name/type from src, through dnsd_query_handle. */
static enum dnsd_action ask(const struct dnsd_query_ctx *ctx, const char *src, ssize_t net,
			    const char *name, uint16_t type, uint8_t *out, size_t *len)
{
	uint8_t q[300] = { 0 };
	struct dns_query parsed;
	struct dnsd_ip s = ip(src);
	size_t n = DNS_HEADER_SIZE;

	dns_put16(q, 7);
	dns_put16(q + 4, 1);
	n += dns_name_encode(name, q + n, sizeof(q) - n);
	dns_put16(q + n, type);
	dns_put16(q + n + 2, DNS_CLASS_IN);
	n += 4;
	return dnsd_query_handle(ctx, &s, net, q, n, false, out, 512, len, &parsed);
}

static void test_query(void)
{
	struct dnsd_config *c = make_config();
	struct dnsd_query_ctx ctx = { .cfg = c, .search_domain = "dns.podman" };
	struct dnsd_upstream ups[DNSD_MAX_UPSTREAMS], host = { .ip = ip("192.0.2.53") };
	struct dnsd_ip src;
	uint8_t out[512];
	size_t len = 0;

	tap_is_int(ask(&ctx, "10.89.0.3", 0, "WEB.dns.podman", DNS_TYPE_A, out, &len), DNSD_REPLY,
		   "a container's name is answered");
	tap_is_int(dns_get16(out + 6), 1, "with one address");
	tap_is_int(ask(&ctx, "10.89.0.3", 0, "v6only", DNS_TYPE_A, out, &len), DNSD_REPLY,
		   "a name without IPv4 is answered");
	tap_ok(dns_get16(out + 6) == 0 && (dns_get16(out + 2) & 0xf) == 0, "NODATA");
	tap_is_int(ask(&ctx, "10.89.0.3", 0, "nope.dns.podman", DNS_TYPE_A, out, &len), DNSD_REPLY,
		   "an unknown name under the search domain is answered");
	tap_is_int(dns_get16(out + 2) & 0xf, DNS_RCODE_NXDOMAIN, "NXDOMAIN");
	tap_is_int(ask(&ctx, "10.90.0.2", 1, "db", DNS_TYPE_A, out, &len), DNSD_FORWARD,
		   "a name of another network is not answered, but forwarded");
	tap_is_int(ask(&ctx, "10.89.0.2", 0, "other", DNS_TYPE_A, out, &len), DNSD_REPLY,
		   "a container on both networks resolves names of the second");
	tap_is_int(ask(&ctx, "10.89.0.200", 0, "db", DNS_TYPE_A, out, &len), DNSD_REPLY,
		   "an unknown address sees the network it asks on");
	tap_is_int(ask(&ctx, "10.89.0.200", 1, "db", DNS_TYPE_A, out, &len), DNSD_FORWARD,
		   "and only that one");
	tap_is_int(ask(&ctx, "10.89.0.3", 0, "2.0.89.10.in-addr.arpa", DNS_TYPE_PTR, out, &len),
		   DNSD_REPLY, "a PTR of a container is answered");
	tap_is_int(dns_get16(out + 6), 2, "with its two names");
	tap_is_int(ask(&ctx, "10.89.0.3", 0, "example.com", DNS_TYPE_A, out, &len), DNSD_FORWARD,
		   "an outside name is forwarded");

	ctx.host_upstreams = &host;
	ctx.n_host_upstreams = 1;
	src = ip("10.89.0.3");
	tap_is_int(dnsd_query_upstreams(&ctx, &src, 0, ups, DNSD_MAX_UPSTREAMS), 1,
		   "a container with its own servers uses them only");
	tap_ok(dnsd_ip_compare(&ups[0].ip, &(struct dnsd_ip){ 0 }) != 0 && ups[0].ip.addr[0] == 9,
	       "9.9.9.9");
	src = ip("10.89.0.2");
	tap_is_int(dnsd_query_upstreams(&ctx, &src, 0, ups, DNSD_MAX_UPSTREAMS), 1,
		   "else its networks' servers");
	tap_is_int(ups[0].ip.addr[0], 1, "1.1.1.1");
	src = ip("10.90.0.2");
	tap_is_int(dnsd_query_upstreams(&ctx, &src, 1, ups, DNSD_MAX_UPSTREAMS), 1,
		   "else the host's");
	tap_is_int(ups[0].ip.addr[0], 192, "192.0.2.53");

	ctx.no_proxy = true;
	tap_is_int(ask(&ctx, "10.89.0.3", 0, "example.com", DNS_TYPE_A, out, &len), DNSD_REPLY,
		   "with forwarding off an outside name is answered");
	tap_is_int(dns_get16(out + 2) & 0xf, DNS_RCODE_NXDOMAIN, "NXDOMAIN");
	dnsd_config_free(c);
}

static void test_resolv_conf(void)
{
	static const char conf[] = "# comment\n"
				   "search example.com\n"
				   "nameserver 10.0.0.53 # trailing\n"
				   "nameserver\tfe80::1%3\n"
				   "nameserver 10.0.0.1%eth0\n"
				   "nameserver bogus\n"
				   ";nameserver 10.9.9.9\n"
				   "nameserver 2001:db8::53\n"
				   "nameserver 10.0.0.54\n";
	struct dnsd_upstream u[DNSD_RESOLV_CONF_MAX];
	size_t n = dnsd_resolv_conf_parse(conf, strlen(conf), u, DNSD_RESOLV_CONF_MAX);
	char buf[46];

	tap_is_int(n, 3, "three resolvers at most, bad lines skipped");
	tap_is_str(dnsd_ip_format(&u[0].ip, buf, sizeof(buf)), "10.0.0.53", "the first");
	tap_ok(u[1].ip.family == AF_INET6 && u[1].scope_id == 3, "a link-local one with its scope");
	tap_is_str(dnsd_ip_format(&u[2].ip, buf, sizeof(buf)), "2001:db8::53",
		   "a scope on IPv4 is refused");
}

static void test_load_dir(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	char tmpl[] = "/tmp/test-dnsd-XXXXXX";
	char *dir = mkdtemp(tmpl);
	_cleanup_close_ int dfd = -1;
	struct dnsd_config *c = NULL;

	if (!dir) {
		tap_skip(5, "mkdtemp");
		return;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pea_write_file_at(dfd, "net1", net1, &err);
	pea_write_file_at(dfd, "aardvark.pid", "123", &err);
	mkdirat(dfd, "subdir", 0755);
	tap_is_int(dnsd_config_load(dfd, dir, false, &c, &err), 0, "a directory loads");
	tap_is_int(c ? c->n_networks : 0, 1, "the pid file and a folder are not networks");
	c = dnsd_config_free(c);
	pea_write_file_at(dfd, "bad", "10.0.0.1\nx\n", &err);
	tap_ok(dnsd_config_load(dfd, dir, false, &c, &err) < 0, "a bad file fails the first load");
	err = pea_error_free(err);
	tap_is_int(dnsd_config_load(dfd, dir, true, &c, &err), 0, "a reload skips it");
	tap_is_int(c ? c->n_networks : 0, 1, "and keeps the good one");
	dnsd_config_free(c);
	pea_rm_rf_at(AT_FDCWD, dir, &err);
}

int main(void)
{
	tap_plan(51);
	test_parse_network();
	test_index();
	test_query();
	test_resolv_conf();
	test_load_dir();
	return tap_done();
}
