#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>
#include <linux/rtnetlink.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "netsetup/netsetup.h"

/* Limits on outside data, so a hostile document cannot make us allocate much. */
#define MAX_NETWORKS 64
#define MAX_SUBNETS  32
#define MAX_ROUTES   256
#define MAX_PORTS    4096
#define MAX_IPS	     32

int mac_parse(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
				      &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (size_t i = 0; i < 6; i++) {
		if (s[i * 3 + 2] != ':' && i < 5)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

bool network_has_ipv6(const struct network *n)
{
	for (size_t i = 0; i < n->n_subnets; i++)
		if (n->subnets[i].subnet.family == AF_INET6)
			return true;
	return false;
}

static bool valid_ifname(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= 16 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static int get_ip_opt(struct json_object *obj, const char *path, const char *key, bool prefix,
		      struct ipnet *ret, bool *present, struct pea_error **err)
{
	const char *s = NULL;
	int r;

	r = pea_json_get_string_opt(obj, path, key, &s, err);
	if (r <= 0) {
		if (present)
			*present = false;
		return r;
	}
	if (!prefix && *s == '\0' && present) {
		*present = false;
		return 0;
	}
	r = ipnet_parse(s, prefix, ret, err);
	if (r < 0)
		return pea_error_wrap(err, "'%s%s%s'", path, *path ? "." : "", key);
	if (present)
		*present = true;
	return 0;
}

/* lease_range {start_ip, end_ip}: both optional, both inside the subnet. */
static int check_lease_range(struct json_object *s, const char *path, const struct ipnet *subnet,
			     struct pea_error **err)
{
	static const char *const keys[] = { "start_ip", "end_ip" };
	struct json_object *lr = NULL;
	_cleanup_free_ char *lp = NULL;

	if (pea_json_get_object_opt(s, path, "lease_range", &lr, err) < 0)
		return -EINVAL;
	if (!lr)
		return 0;
	lp = xasprintf("%s.lease_range", path);
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		struct ipnet ip;
		bool has = false;
		char a[64], b[64];

		if (get_ip_opt(lr, lp, keys[k], false, &ip, &has, err) < 0)
			return -EINVAL;
		if (has && !ipnet_contains(subnet, &ip))
			return pea_error_new(err, EINVAL, "lease range %s %s not in subnet %s",
					     keys[k], ipnet_addr_str(&ip, a, sizeof(a)),
					     ipnet_str(subnet, b, sizeof(b)));
	}
	return 0;
}

static int parse_subnets(struct json_object *obj, const char *path, struct network *n,
			 struct pea_error **err)
{
	struct json_object *arr = NULL;
	size_t len;
	int r;

	r = pea_json_get_array_opt(obj, path, "subnets", &arr, err);
	if (r <= 0)
		return r;
	len = json_object_array_length(arr);
	if (len > MAX_SUBNETS)
		return pea_error_new(err, E2BIG, "'%s.subnets': more than %d subnets", path,
				     MAX_SUBNETS);
	n->subnets = xnew(struct net_subnet, len ? len : 1);
	for (size_t i = 0; i < len; i++) {
		_cleanup_free_ char *p = NULL;
		struct json_object *s = json_object_array_get_idx(arr, i);
		struct net_subnet *sn = &n->subnets[i];
		p = xasprintf("%s.subnets[%zu]", path, i);
		if (pea_json_expect_object(s, p, err) < 0)
			return -EINVAL;
		if (get_ip_opt(s, p, "subnet", true, &sn->subnet, NULL, err) < 0)
			return -EINVAL;
		if (!json_object_object_get_ex(s, "subnet", NULL))
			return pea_error_new(err, EINVAL, "'%s.subnet' is missing", p);
		if (get_ip_opt(s, p, "gateway", false, &sn->gateway, &sn->has_gateway, err) < 0)
			return -EINVAL;
		n->n_subnets++;
		if (sn->has_gateway && !ipnet_contains(&sn->subnet, &sn->gateway)) {
			char a[64], b[64];

			return pea_error_new(err, EINVAL, "gateway %s not in subnet %s",
					     ipnet_addr_str(&sn->gateway, a, sizeof(a)),
					     ipnet_str(&sn->subnet, b, sizeof(b)));
		}
		if (sn->has_gateway)
			sn->gateway.prefix = sn->subnet.prefix;
		if (check_lease_range(s, p, &sn->subnet, err) < 0)
			return -EINVAL;
		for (size_t j = 0; j < i; j++) {
			const struct ipnet *o = &n->subnets[j].subnet;
			char a[64], b[64];

			if (o->prefix == sn->subnet.prefix && ipnet_overlaps(o, &sn->subnet))
				return pea_error_new(err, EINVAL, "duplicate subnet defined: %s",
						     ipnet_str(o, a, sizeof(a)));
			if (ipnet_overlaps(o, &sn->subnet))
				return pea_error_new(err, EINVAL, "overlapping subnets: %s and %s",
						     ipnet_str(o, a, sizeof(a)),
						     ipnet_str(&sn->subnet, b, sizeof(b)));
		}
	}
	return 0;
}

static int route_type(const char *s, unsigned char *ret)
{
	if (!s || strcmp(s, "unicast") == 0)
		*ret = RTN_UNICAST;
	else if (strcmp(s, "blackhole") == 0)
		*ret = RTN_BLACKHOLE;
	else if (strcmp(s, "unreachable") == 0)
		*ret = RTN_UNREACHABLE;
	else if (strcmp(s, "prohibit") == 0)
		*ret = RTN_PROHIBIT;
	else
		return -EINVAL;
	return 0;
}

static int parse_routes(struct json_object *obj, const char *path, struct network *n,
			struct pea_error **err)
{
	struct json_object *arr = NULL;
	size_t len;
	int r;

	r = pea_json_get_array_opt(obj, path, "routes", &arr, err);
	if (r <= 0)
		return r;
	len = json_object_array_length(arr);
	if (len > MAX_ROUTES)
		return pea_error_new(err, E2BIG, "'%s.routes': too many routes", path);
	n->routes = xnew(struct net_route, len ? len : 1);
	for (size_t i = 0; i < len; i++) {
		_cleanup_free_ char *p = xasprintf("%s.routes[%zu]", path, i);
		struct json_object *o = json_object_array_get_idx(arr, i);
		struct net_route *rt = &n->routes[i];
		const char *type = NULL;
		bool has_gw = false;
		char b[64];

		if (pea_json_expect_object(o, p, err) < 0)
			return -EINVAL;
		if (get_ip_opt(o, p, "destination", true, &rt->destination, NULL, err) < 0 ||
		    get_ip_opt(o, p, "gateway", false, &rt->gateway, &has_gw, err) < 0 ||
		    pea_json_get_string_opt(o, p, "route_type", &type, err) < 0)
			return -EINVAL;
		if (!json_object_object_get_ex(o, "destination", NULL))
			return pea_error_new(err, EINVAL, "'%s.destination' is missing", p);
		if (route_type(type, &rt->type) < 0)
			return pea_error_new(err, EINVAL, "'%s': unknown route_type '%s'", p, type);
		ipnet_str(&rt->destination, b, sizeof(b));
		if (rt->type == RTN_UNICAST && !has_gw)
			return pea_error_new(err, EINVAL,
					     "route %s requires a gateway for type unicast", b);
		if (rt->type != RTN_UNICAST && has_gw)
			return pea_error_new(err, EINVAL,
					     "route %s must not have a gateway for type %s", b,
					     type);
		if (has_gw && rt->destination.family != rt->gateway.family)
			return pea_error_new(err, EINVAL, "'%s': gateway of another family", p);
		r = pea_json_get_uint32_opt(o, p, "metric", &rt->metric, err);
		if (r < 0)
			return r;
		rt->has_metric = r > 0;
		n->n_routes++;
	}
	return 0;
}

static int parse_uint_option(const char *key, const char *v, uint32_t max, uint32_t *ret,
			     struct pea_error **err)
{
	char *end = NULL;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end)
		return pea_error_new(err, EINVAL,
				     "unable to parse \"%s\": invalid digit found in string", key);
	if (errno || x > max)
		return pea_error_new(err, EINVAL, "%s must be between 0 and %u", key, max);
	*ret = (uint32_t)x;
	return 0;
}

static int parse_bool_option(const char *key, const char *v, bool *ret, struct pea_error **err)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*ret = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || *v == '\0')
		*ret = false;
	else
		return pea_error_new(err, EINVAL, "invalid %s '%s'", key, v);
	return 0;
}

static int parse_net_option(struct network *n, const char *key, const char *v,
			    struct pea_error **err)
{
	uint32_t x;

	if (strcmp(key, "mtu") == 0)
		return parse_uint_option(key, v, 65536, &n->mtu, err);
	if (strcmp(key, "metric") == 0)
		return parse_uint_option(key, v, UINT32_MAX, &n->metric, err);
	if (strcmp(key, "vlan") == 0) {
		if (parse_uint_option(key, v, 4094, &x, err) < 0)
			return -EINVAL;
		n->vlan = (int)x;
		return 0;
	}
	if (strcmp(key, "isolate") == 0) {
		bool b = false;

		if (strcmp(v, "strict") == 0) {
			n->isolate = ISOLATE_STRICT;
			return 0;
		}
		if (parse_bool_option(key, v, &b, err) < 0)
			return -EINVAL;
		n->isolate = b ? ISOLATE_TRUE : ISOLATE_NONE;
		return 0;
	}
	if (strcmp(key, "no_default_route") == 0)
		return parse_bool_option(key, v, &n->no_default_route, err);
	if (strcmp(key, "mode") == 0) {
		free(n->mode);
		n->mode = xstrdup(v);
		return 0;
	}
	return 0; /* unknown options are ignored, as netavark does */
}

static int parse_string_map(struct json_object *obj, const char *path, const char *key,
			    struct network *n, bool ipam, struct pea_error **err)
{
	struct json_object *map = NULL;
	int r;

	r = pea_json_get_object_opt(obj, path, key, &map, err);
	if (r <= 0)
		return r;
	json_object_object_foreach(map, k, v)
	{
		if (!json_object_is_type(v, json_type_string))
			return pea_error_new(err, EINVAL, "'%s.%s.%s' is not a string", path, key,
					     k);
		if (ipam) {
			if (strcmp(k, "driver") == 0) {
				free(n->ipam_driver);
				n->ipam_driver = xstrdup(json_object_get_string(v));
			}
			continue;
		}
		if (parse_net_option(n, k, json_object_get_string(v), err) < 0)
			return pea_error_wrap(err, "'%s.%s.%s'", path, key, k);
	}
	return 0;
}

static int dup_string(struct json_object *obj, const char *path, const char *key, bool req,
		      char **ret, struct pea_error **err)
{
	const char *s = NULL;
	int r;

	r = req ? pea_json_get_string_req(obj, path, key, &s, err)
		: pea_json_get_string_opt(obj, path, key, &s, err);
	if (r < 0)
		return r;
	if (s)
		*ret = xstrdup(s);
	return 0;
}

static int check_ip_list(char **v, const char *what, struct pea_error **err)
{
	struct ipnet tmp;

	for (size_t i = 0; v && v[i]; i++)
		if (ipnet_parse(v[i], false, &tmp, err) < 0)
			return pea_error_wrap(err, "%s", what);
	return 0;
}

void network_clear(struct network *n)
{
	free(n->name);
	free(n->id);
	free(n->driver);
	free(n->network_interface);
	free(n->ipam_driver);
	free(n->subnets);
	free(n->routes);
	free(n->mode);
	pea_strv_free(n->network_dns_servers);
	memset(n, 0, sizeof(*n));
}

int network_from_json(struct json_object *obj, const char *path, struct network *n,
		      struct pea_error **err)
{
	memset(n, 0, sizeof(*n));
	n->metric = 100;
	if (pea_json_expect_object(obj, path, err) < 0)
		return -EINVAL;
	if (dup_string(obj, path, "name", true, &n->name, err) < 0 ||
	    dup_string(obj, path, "id", false, &n->id, err) < 0 ||
	    dup_string(obj, path, "driver", true, &n->driver, err) < 0 ||
	    dup_string(obj, path, "network_interface", false, &n->network_interface, err) < 0)
		return -EINVAL;
	if (pea_json_get_bool_opt(obj, path, "dns_enabled", &n->dns_enabled, err) < 0 ||
	    pea_json_get_bool_opt(obj, path, "internal", &n->internal, err) < 0 ||
	    pea_json_get_bool_opt(obj, path, "ipv6_enabled", &n->ipv6_enabled, err) < 0)
		return -EINVAL;
	if (parse_subnets(obj, path, n, err) < 0 || parse_routes(obj, path, n, err) < 0)
		return -EINVAL;
	if (parse_string_map(obj, path, "options", n, false, err) < 0 ||
	    parse_string_map(obj, path, "ipam_options", n, true, err) < 0)
		return -EINVAL;
	if (pea_json_get_strv_opt(obj, path, "network_dns_servers", &n->network_dns_servers, err) <
		    0 ||
	    check_ip_list(n->network_dns_servers, "network_dns_servers", err) < 0)
		return -EINVAL;
	if (!n->ipam_driver)
		n->ipam_driver = xstrdup("host-local");
	return 0;
}

static int validate_network(const struct network *n, struct pea_error **err)
{
	if (strcmp(n->driver, "bridge") != 0 && strcmp(n->driver, "macvlan") != 0)
		return pea_error_new(err, EINVAL, "unknown network driver '%s'", n->driver);
	if (strcmp(n->ipam_driver, "host-local") != 0 && strcmp(n->ipam_driver, "none") != 0)
		return pea_error_new(err, EINVAL, "unsupported ipam driver '%s'", n->ipam_driver);
	if (n->network_interface && !valid_ifname(n->network_interface))
		return pea_error_new(err, EINVAL, "invalid network interface name '%s'",
				     n->network_interface);
	if (!n->network_interface && strcmp(n->driver, "bridge") == 0)
		return pea_error_new(err, EINVAL, "bridge network '%s' has no network_interface",
				     n->name);
	if (n->mode && strcmp(n->driver, "macvlan") == 0 && strcmp(n->mode, "bridge") != 0 &&
	    strcmp(n->mode, "private") != 0 && strcmp(n->mode, "vepa") != 0 &&
	    strcmp(n->mode, "passthru") != 0 && strcmp(n->mode, "source") != 0)
		return pea_error_new(err, EINVAL, "unknown macvlan mode '%s'", n->mode);
	if (n->mtu != 0 && n->mtu < 68)
		return pea_error_new(err, EINVAL, "mtu %u is too small", n->mtu);
	return 0;
}

static int parse_per_network(struct json_object *obj, const char *path, struct per_network *p,
			     struct pea_error **err)
{
	struct json_object *ips = NULL;
	const char *mac = NULL;
	size_t len;

	if (pea_json_expect_object(obj, path, err) < 0)
		return -EINVAL;
	if (dup_string(obj, path, "interface_name", true, &p->interface_name, err) < 0)
		return -EINVAL;
	if (!valid_ifname(p->interface_name))
		return pea_error_new(err, EINVAL, "invalid interface name '%s'", p->interface_name);
	if (pea_json_get_strv_opt(obj, path, "aliases", &p->aliases, err) < 0)
		return -EINVAL;
	if (pea_json_get_string_opt(obj, path, "static_mac", &mac, err) < 0)
		return -EINVAL;
	if (mac && *mac) {
		if (mac_parse(mac, p->mac) < 0)
			return pea_error_new(err, EINVAL, "invalid static_mac '%s'", mac);
		p->has_mac = true;
	}
	if (pea_json_get_array_opt(obj, path, "static_ips", &ips, err) < 0)
		return -EINVAL;
	len = ips ? json_object_array_length(ips) : 0;
	if (len > MAX_IPS)
		return pea_error_new(err, E2BIG, "'%s.static_ips': too many addresses", path);
	p->static_ips = xnew(struct ipnet, len ? len : 1);
	for (size_t i = 0; i < len; i++) {
		struct json_object *v = json_object_array_get_idx(ips, i);

		if (!json_object_is_type(v, json_type_string))
			return pea_error_new(err, EINVAL, "'%s.static_ips[%zu]' is not a string",
					     path, i);
		if (ipnet_parse(json_object_get_string(v), false, &p->static_ips[i], err) < 0)
			return pea_error_wrap(err, "'%s.static_ips[%zu]'", path, i);
		p->n_static_ips++;
	}
	return 0;
}

static int parse_protocols(const char *s, unsigned int *ret, struct pea_error **err)
{
	_cleanup_strv_ char **parts = pea_strv_split(s, ",");
	unsigned int m = 0;

	for (size_t i = 0; parts && parts[i]; i++) {
		if (strcmp(parts[i], "tcp") == 0)
			m |= PROTO_TCP;
		else if (strcmp(parts[i], "udp") == 0)
			m |= PROTO_UDP;
		else if (strcmp(parts[i], "sctp") == 0)
			m |= PROTO_SCTP;
		else
			return pea_error_new(err, EINVAL, "unknown protocol '%s'", parts[i]);
	}
	*ret = m ? m : PROTO_TCP;
	return 0;
}

static int parse_port(struct json_object *o, const char *path, struct port_mapping *p,
		      struct pea_error **err)
{
	const char *proto = NULL;
	uint32_t cport = 0, hport = 0, range = 1;

	if (pea_json_expect_object(o, path, err) < 0)
		return -EINVAL;
	if (pea_json_get_uint32_opt(o, path, "container_port", &cport, err) < 0 ||
	    pea_json_get_uint32_opt(o, path, "host_port", &hport, err) < 0 ||
	    pea_json_get_uint32_opt(o, path, "range", &range, err) < 0)
		return -EINVAL;
	if (range == 0)
		range = 1;
	if (cport == 0 || cport > 65535 || hport == 0 || hport > 65535)
		return pea_error_new(err, EINVAL, "'%s': ports must be within 1-65535", path);
	if (cport + range - 1 > 65535 || hport + range - 1 > 65535)
		return pea_error_new(err, EINVAL, "'%s': port range exceeds 65535", path);
	p->container_port = (uint16_t)cport;
	p->host_port = (uint16_t)hport;
	p->range = (uint16_t)range;
	if (pea_json_get_string_opt(o, path, "protocol", &proto, err) < 0 ||
	    parse_protocols(proto ? proto : "tcp", &p->protocols, err) < 0)
		return pea_error_wrap(err, "'%s'", path);
	if (get_ip_opt(o, path, "host_ip", false, &p->host_ip, &p->has_host_ip, err) < 0)
		return -EINVAL;
	return 0;
}

static int parse_ports(struct json_object *root, struct net_options *o, struct pea_error **err)
{
	struct json_object *arr = NULL;
	size_t len;

	if (pea_json_get_array_opt(root, "", "port_mappings", &arr, err) < 0)
		return -EINVAL;
	len = arr ? json_object_array_length(arr) : 0;
	if (len > MAX_PORTS)
		return pea_error_new(err, E2BIG, "too many port_mappings");
	o->ports = xnew(struct port_mapping, len ? len : 1);
	for (size_t i = 0; i < len; i++) {
		_cleanup_free_ char *p = xasprintf("port_mappings[%zu]", i);

		if (parse_port(json_object_array_get_idx(arr, i), p, &o->ports[i], err) < 0)
			return -EINVAL;
		o->n_ports++;
	}
	return 0;
}

/* Static IPs must sit in a subnet of their network, one per subnet. */
static int check_static_ips(const struct attachment *a, struct pea_error **err)
{
	if (strcmp(a->net.ipam_driver, "none") == 0)
		return 0;
	for (size_t i = 0; i < a->opts.n_static_ips; i++) {
		const struct ipnet *ip = &a->opts.static_ips[i];
		char b[64];
		bool found = false;

		for (size_t j = 0; j < a->net.n_subnets; j++)
			found = found || ipnet_contains(&a->net.subnets[j].subnet, ip);
		if (!found)
			return pea_error_new(err, EINVAL,
					     "static ip %s is not in a subnet of network '%s'",
					     ipnet_addr_str(ip, b, sizeof(b)), a->key);
	}
	if (a->opts.n_static_ips == 0 && a->net.n_subnets > 0)
		return pea_error_new(err, EINVAL, "no static ips provided for network '%s'",
				     a->key);
	return 0;
}

/* Two networks of one container with overlapping subnets cannot be routed. */
static int check_overlap(const struct attachment *a, const struct attachment *b,
			 struct pea_error **err)
{
	for (size_t i = 0; i < a->net.n_subnets; i++)
		for (size_t j = 0; j < b->net.n_subnets; j++)
			if (ipnet_overlaps(&a->net.subnets[i].subnet, &b->net.subnets[j].subnet)) {
				char x[64], y[64];

				return pea_error_new(
					err, EINVAL,
					"subnet %s of network '%s' overlaps %s of network '%s'",
					ipnet_str(&b->net.subnets[j].subnet, x, sizeof(x)), b->key,
					ipnet_str(&a->net.subnets[i].subnet, y, sizeof(y)), a->key);
			}
	return 0;
}

static int parse_attachments(struct json_object *root, struct net_options *o,
			     struct pea_error **err)
{
	struct json_object *nets = NULL, *infos = NULL;
	size_t n;

	if (pea_json_get_object_opt(root, "", "networks", &nets, err) < 0 ||
	    pea_json_get_object_opt(root, "", "network_info", &infos, err) < 0)
		return -EINVAL;
	if (!nets || !infos)
		return pea_error_new(err, EINVAL, "'%s' is missing",
				     nets ? "network_info" : "networks");
	n = (size_t)json_object_object_length(nets);
	if (n > MAX_NETWORKS)
		return pea_error_new(err, E2BIG, "too many networks");
	if ((size_t)json_object_object_length(infos) != n)
		return pea_error_new(err, EINVAL, "'networks' and 'network_info' do not match");
	o->attachments = xnew(struct attachment, n ? n : 1);
	json_object_object_foreach(nets, key, val)
	{
		struct attachment *a = &o->attachments[o->n_attachments];
		struct json_object *info = NULL;
		_cleanup_free_ char *p1 = pea_json_path_key("networks", key);
		_cleanup_free_ char *p2 = pea_json_path_key("network_info", key);

		if (!json_object_object_get_ex(infos, key, &info))
			return pea_error_new(err, EINVAL, "network '%s' has no network_info", key);
		/* the name becomes a file name (DNS) and part of rule comments */
		if (!*key || strlen(key) > 100 || strchr(key, '/') || key[0] == '.' ||
		    strpbrk(key, " \t\n\"\\"))
			return pea_error_new(err, EINVAL, "invalid network name '%s'", key);
		a->key = xstrdup(key);
		o->n_attachments++;
		if (parse_per_network(val, p1, &a->opts, err) < 0 ||
		    network_from_json(info, p2, &a->net, err) < 0 ||
		    validate_network(&a->net, err) < 0 || check_static_ips(a, err) < 0)
			return -EINVAL;
		for (size_t i = 0; i + 1 < o->n_attachments; i++) {
			if (strcmp(o->attachments[i].opts.interface_name, a->opts.interface_name) ==
			    0)
				return pea_error_new(err, EINVAL, "interface name '%s' used twice",
						     a->opts.interface_name);
			if (check_overlap(&o->attachments[i], a, err) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

int net_options_parse(const char *buf, size_t len, struct net_options **ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct net_options *o = NULL;
	int r;

	r = pea_json_parse(buf, len, "network options", &root, err);
	if (r < 0)
		return pea_error_wrap(err, "failed to load network options");
	if (pea_json_expect_object(root, "", err) < 0)
		return pea_error_wrap(err, "failed to load network options");
	o = xnew(struct net_options, 1);
	if (dup_string(root, "", "container_id", true, &o->container_id, err) < 0 ||
	    dup_string(root, "", "container_name", true, &o->container_name, err) < 0 ||
	    parse_attachments(root, o, err) < 0 || parse_ports(root, o, err) < 0 ||
	    pea_json_get_strv_opt(root, "", "dns_servers", &o->dns_servers, err) < 0 ||
	    check_ip_list(o->dns_servers, "dns_servers", err) < 0)
		goto fail;
	if (*o->container_id == '\0' || strlen(o->container_id) > 100 ||
	    strpbrk(o->container_id, " \t\n\"\\")) {
		pea_error_new(err, EINVAL, "invalid container_id '%s'", o->container_id);
		goto fail;
	}
	*ret = o;
	return 0;
fail:
	net_options_free(o);
	return pea_error_wrap(err, "failed to load network options");
}

struct net_options *net_options_free(struct net_options *o)
{
	if (!o)
		return NULL;
	for (size_t i = 0; i < o->n_attachments; i++) {
		struct attachment *a = &o->attachments[i];

		free(a->key);
		network_clear(&a->net);
		free(a->opts.interface_name);
		pea_strv_free(a->opts.aliases);
		free(a->opts.static_ips);
	}
	free(o->attachments);
	free(o->ports);
	free(o->container_id);
	free(o->container_name);
	pea_strv_free(o->dns_servers);
	free(o);
	return NULL;
}
