/* network create|ls|rm|inspect|exists|prune (podman-network(1)). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/events.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/network.h"
#include "frontend/records.h"

/* ---- create ---------------------------------------------------------------------- */

struct net_create_opts {
	char *driver;
	char **subnets, **gateways, **ranges, **opts, **labels, **dns, **routes;
	char *interface, *ipam;
	bool ipv6, internal, disable_dns, ignore;
};

static void net_create_opts_clear(struct net_create_opts *o)
{
	free(o->driver);
	pea_strv_free(o->subnets);
	pea_strv_free(o->gateways);
	pea_strv_free(o->ranges);
	pea_strv_free(o->opts);
	pea_strv_free(o->labels);
	pea_strv_free(o->dns);
	pea_strv_free(o->routes);
	free(o->interface);
	free(o->ipam);
}

static const char create_usage[] =
	"Usage: pea network create [OPTIONS] [NAME]\n"
	"\n"
	"Create a network (a bridge, or a macvlan on a host interface).\n"
	"\n"
	"  -d, --driver=DRIVER       bridge (default) or macvlan\n"
	"      --dns=IP              a DNS server of the network (repeatable)\n"
	"      --disable-dns         no DNS server (pea-dnsd) on the network\n"
	"      --gateway=IP          the gateway of the subnet given at the same place\n"
	"      --ignore              an existing network of that name is fine\n"
	"      --interface-name=IF   the bridge's (or the macvlan parent's) name\n"
	"      --internal            no route out of the network\n"
	"      --ip-range=RANGE      allocate from CIDR or START-END within the subnet\n"
	"      --ipam-driver=DRIVER  host-local (default), none (no addresses), dhcp (macvlan)\n"
	"      --ipv6                an IPv6 subnet too (a unique local /64 if none given)\n"
	"      --label=KEY=VALUE     a label (repeatable)\n"
	"  -o, --opt=KEY=VALUE       mtu=, isolate=true|false|strict, parent=, mode=, vlan=,\n"
	"                            metric=, no_default_route=\n"
	"      --route=DEST,GW[,METRIC]  a static route of the containers (repeatable)\n"
	"      --subnet=CIDR         a subnet (repeatable; default: a free /24 of 10.89.0.0/16)\n";

enum {
	NC_DNS = 1000,
	NC_DISABLE_DNS,
	NC_GATEWAY,
	NC_IGNORE,
	NC_IFNAME,
	NC_INTERNAL,
	NC_IP_RANGE,
	NC_IPV6,
	NC_LABEL,
	NC_SUBNET,
	NC_ROUTE,
	NC_IPAM,
};

static int parse_create(int argc, char **argv, struct net_create_opts *o, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "driver", required_argument, NULL, 'd' },
		{ "dns", required_argument, NULL, NC_DNS },
		{ "disable-dns", no_argument, NULL, NC_DISABLE_DNS },
		{ "gateway", required_argument, NULL, NC_GATEWAY },
		{ "ignore", no_argument, NULL, NC_IGNORE },
		{ "interface-name", required_argument, NULL, NC_IFNAME },
		{ "internal", no_argument, NULL, NC_INTERNAL },
		{ "ip-range", required_argument, NULL, NC_IP_RANGE },
		{ "ipv6", no_argument, NULL, NC_IPV6 },
		{ "label", required_argument, NULL, NC_LABEL },
		{ "opt", required_argument, NULL, 'o' },
		{ "subnet", required_argument, NULL, NC_SUBNET },
		{ "route", required_argument, NULL, NC_ROUTE },
		{ "ipam-driver", required_argument, NULL, NC_IPAM },
		{ NULL, 0, NULL, 0 },
	};
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hd:o:", longopts, create_usage, &c, err)) == 2) {
		switch (c) {
		case 'd':
			free(o->driver);
			o->driver = xstrdup(optarg);
			break;
		case NC_DNS:
			pea_strv_push(&o->dns, optarg);
			break;
		case NC_DISABLE_DNS:
			o->disable_dns = true;
			break;
		case NC_GATEWAY:
			pea_strv_push(&o->gateways, optarg);
			break;
		case NC_IGNORE:
			o->ignore = true;
			break;
		case NC_IFNAME:
			free(o->interface);
			o->interface = xstrdup(optarg);
			break;
		case NC_INTERNAL:
			o->internal = true;
			break;
		case NC_IP_RANGE:
			pea_strv_push(&o->ranges, optarg);
			break;
		case NC_IPV6:
			o->ipv6 = true;
			break;
		case NC_LABEL:
			pea_strv_push(&o->labels, optarg);
			break;
		case 'o':
			pea_strv_push(&o->opts, optarg);
			break;
		case NC_SUBNET:
			pea_strv_push(&o->subnets, optarg);
			break;
		case NC_ROUTE:
			pea_strv_push(&o->routes, optarg);
			break;
		case NC_IPAM:
			free(o->ipam);
			o->ipam = xstrdup(optarg);
			break;
		default:
			break;
		}
	}
	return r;
}

/* --ip-range as CIDR or START-END, inside the subnet: the lease range. */
static int lease_range(const char *spec, const struct fe_ip *sn, struct json_object *s,
		       struct pea_error **err)
{
	struct json_object *lr = json_object_new_object();
	struct fe_ip a, b, rn;
	const char *dash = strchr(spec, '-');
	char x[64], y[64];

	json_object_object_add(s, "lease_range", lr);
	if (dash) {
		_cleanup_free_ char *first = xstrndup(spec, (size_t)(dash - spec));
		if (fe_ip_parse(first, false, &a) < 0 || fe_ip_parse(dash + 1, false, &b) < 0)
			return pea_error_new(err, EINVAL, "invalid --ip-range '%s'", spec);
	} else {
		if (fe_ip_parse(spec, true, &rn) < 0)
			return pea_error_new(err, EINVAL,
					     "invalid --ip-range '%s': use CIDR or START-END",
					     spec);
		a = fe_ip_network(&rn);
		a.a[a.family == AF_INET ? 3 : 15] |= 1;
		b = rn;
		/* the last address of the range, less the broadcast for IPv4 */
		for (unsigned int bit = rn.prefix; bit < (rn.family == AF_INET ? 32u : 128u); bit++)
			b.a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		if (b.family == AF_INET && rn.prefix < 31)
			b.a[3] &= 0xfe;
	}
	a.prefix = b.prefix = sn->prefix;
	if (!fe_ip_contains(sn, &a) || !fe_ip_contains(sn, &b))
		return pea_error_new(err, EINVAL, "--ip-range %s is not inside subnet %s/%u", spec,
				     fe_ip_str(sn, x, sizeof(x)), sn->prefix);
	json_object_object_add(lr, "start_ip", json_object_new_string(fe_ip_str(&a, x, sizeof(x))));
	json_object_object_add(lr, "end_ip", json_object_new_string(fe_ip_str(&b, y, sizeof(y))));
	return 0;
}

static int build_subnets(const struct net_create_opts *o, struct json_object *net,
			 struct pea_error **err)
{
	size_t n = pea_strv_length(o->subnets);
	_cleanup_free_ struct fe_ip *nets = xnew(struct fe_ip, n + 1);
	struct json_object *arr = json_object_new_array();
	char a[64], b[80];

	json_object_object_add(net, "subnets", arr);
	if (pea_strv_length(o->gateways) > n || pea_strv_length(o->ranges) > n)
		return pea_error_new(err, EINVAL,
				     "cannot set more gateways or ip ranges than subnets: give "
				     "--subnet for each");
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_new_object();
		struct fe_ip gw;

		json_object_array_add(arr, s);
		if (fe_ip_parse(o->subnets[i], true, &nets[i]) < 0)
			return pea_error_new(err, EINVAL,
					     "invalid subnet '%s': use an address and a prefix "
					     "length (10.89.1.0/24, fd00:1::/64)",
					     o->subnets[i]);
		nets[i] = fe_ip_network(&nets[i]);
		if ((nets[i].family == AF_INET && nets[i].prefix > 30) ||
		    (nets[i].family == AF_INET6 && nets[i].prefix > 126))
			return pea_error_new(err, EINVAL, "subnet '%s' is too small for a network",
					     o->subnets[i]);
		for (size_t k = 0; k < i; k++)
			if (fe_ip_overlaps(&nets[i], &nets[k]))
				return pea_error_new(err, EINVAL,
						     "subnet %s overlaps with subnet %s",
						     o->subnets[i], o->subnets[k]);
		fe_ip_str(&nets[i], a, sizeof(a));
		snprintf(b, sizeof(b), "%s/%u", a, nets[i].prefix);
		json_object_object_add(s, "subnet", json_object_new_string(b));
		if (o->gateways && i < pea_strv_length(o->gateways)) {
			gw.prefix = 0;
			if (fe_ip_parse(o->gateways[i], false, &gw) < 0)
				return pea_error_new(err, EINVAL, "invalid gateway '%s'",
						     o->gateways[i]);
			if (!fe_ip_contains(&nets[i], &gw) || fe_ip_equal(&gw, &nets[i]))
				return pea_error_new(err, EINVAL, "gateway %s is not in subnet %s",
						     o->gateways[i], b);
			json_object_object_add(s, "gateway",
					       json_object_new_string(o->gateways[i]));
		}
		if (o->ranges && i < pea_strv_length(o->ranges) &&
		    lease_range(o->ranges[i], &nets[i], s, err) < 0)
			return -1;
	}
	return 0;
}

static int build_options(const struct net_create_opts *o, bool macvlan, struct json_object *net,
			 struct pea_error **err)
{
	struct json_object *opts = json_object_new_object();

	json_object_object_add(net, "options", opts);
	for (size_t i = 0; o->opts && o->opts[i]; i++) {
		const char *kv = o->opts[i], *eq = strchr(kv, '=');
		_cleanup_free_ char *k = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
		const char *v = eq ? eq + 1 : "";
		char *end = NULL;

		if (strcmp(k, "mtu") == 0 || strcmp(k, "vlan") == 0 || strcmp(k, "metric") == 0) {
			long n = strtol(v, &end, 10);
			if (!*v || *end || n < 0 || (strcmp(k, "mtu") == 0 && n > 65535) ||
			    (strcmp(k, "vlan") == 0 && n > 4094) || n > 0xffffffffL)
				return pea_error_new(err, EINVAL, "invalid %s '%s'", k, v);
		} else if (strcmp(k, "isolate") == 0) {
			if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0 &&
			    strcmp(v, "strict") != 0)
				return pea_error_new(
					err, EINVAL,
					"invalid isolate '%s': use true, false or strict", v);
		} else if (strcmp(k, "no_default_route") == 0) {
			if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0 &&
			    strcmp(v, "1") != 0 && strcmp(v, "0") != 0)
				return pea_error_new(err, EINVAL, "invalid no_default_route '%s'",
						     v);
		} else if (strcmp(k, "parent") == 0 && macvlan) {
			if (!*v)
				return pea_error_new(err, EINVAL, "parent: empty interface name");
			json_object_object_add(net, "network_interface", json_object_new_string(v));
			continue;
		} else if (strcmp(k, "mode") == 0 && macvlan) {
			if (strcmp(v, "bridge") != 0 && strcmp(v, "private") != 0 &&
			    strcmp(v, "vepa") != 0 && strcmp(v, "passthru") != 0 &&
			    strcmp(v, "source") != 0)
				return pea_error_new(err, EINVAL, "unknown macvlan mode '%s'", v);
		} else {
			return pea_error_new(err, EINVAL, "unsupported %s network option %s",
					     macvlan ? "macvlan" : "bridge", k);
		}
		json_object_object_add(opts, k, json_object_new_string(v));
	}
	return 0;
}

/* --route DEST,GW[,METRIC] as netavark's {destination, gateway, metric}. */
static int build_routes(const struct net_create_opts *o, struct json_object *net,
			struct pea_error **err)
{
	struct json_object *arr;

	if (!o->routes)
		return 0;
	arr = json_object_new_array();
	json_object_object_add(net, "routes", arr);
	for (size_t i = 0; o->routes[i]; i++) {
		_cleanup_strv_ char **f = pea_strv_split(o->routes[i], ",");
		struct json_object *rt;
		struct fe_ip d, gw;
		char *end = NULL;
		long metric = 0;

		if (pea_strv_length(f) < 2 || pea_strv_length(f) > 3 ||
		    fe_ip_parse(f[0], true, &d) < 0 || fe_ip_parse(f[1], false, &gw) < 0 ||
		    d.family != gw.family)
			return pea_error_new(
				err, EINVAL,
				"invalid route '%s': use DESTINATION-CIDR,GATEWAY[,METRIC]",
				o->routes[i]);
		if (f[2]) {
			metric = strtol(f[2], &end, 10);
			if (!*f[2] || *end || metric < 0 || metric > 0xffffffffL)
				return pea_error_new(err, EINVAL, "invalid route '%s': bad metric",
						     o->routes[i]);
		}
		rt = json_object_new_object();
		json_object_object_add(rt, "destination", json_object_new_string(f[0]));
		json_object_object_add(rt, "gateway", json_object_new_string(f[1]));
		if (f[2])
			json_object_object_add(rt, "metric", json_object_new_int64(metric));
		json_object_array_add(arr, rt);
	}
	return 0;
}

static int build_network(const struct net_create_opts *o, const char *name,
			 struct json_object **ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *net = json_object_new_object();
	_cleanup_free_ char *id = frontend_new_id();
	const char *driver = o->driver ? o->driver : "bridge";
	bool macvlan = strcmp(driver, "macvlan") == 0;
	struct json_object *dns = json_object_new_array(), *ipam = json_object_new_object();

	if (strcmp(driver, "bridge") != 0 && !macvlan)
		return pea_error_new(err, EINVAL, "unsupported driver %s: use bridge or macvlan",
				     driver);
	for (size_t i = 0; o->dns && o->dns[i]; i++) {
		struct fe_ip ip;
		if (fe_ip_parse(o->dns[i], false, &ip) < 0) {
			json_object_put(dns);
			json_object_put(ipam);
			return pea_error_new(err, EINVAL, "--dns: '%s' is not an IP address",
					     o->dns[i]);
		}
		json_object_array_add(dns, json_object_new_string(o->dns[i]));
	}
	json_object_object_add(net, "name", json_object_new_string(name));
	json_object_object_add(net, "id", json_object_new_string(id));
	json_object_object_add(net, "driver", json_object_new_string(driver));
	if (o->interface)
		json_object_object_add(net, "network_interface",
				       json_object_new_string(o->interface));
	json_object_object_add(net, "ipv6_enabled", json_object_new_boolean(o->ipv6));
	json_object_object_add(net, "internal", json_object_new_boolean(o->internal));
	json_object_object_add(net, "dns_enabled",
			       json_object_new_boolean(!macvlan && !o->disable_dns));
	json_object_object_add(net, "labels", frontend_labels_json(o->labels));
	if (o->ipam && strcmp(o->ipam, "host-local") != 0 && strcmp(o->ipam, "none") != 0 &&
	    !(strcmp(o->ipam, "dhcp") == 0 && macvlan)) {
		json_object_put(dns);
		json_object_put(ipam);
		return pea_error_new(
			err, EINVAL,
			"unsupported ipam driver %s: use host-local, none, or dhcp with "
			"macvlan",
			o->ipam);
	}
	if (o->ipam && strcmp(o->ipam, "none") == 0 && o->subnets) {
		json_object_put(dns);
		json_object_put(ipam);
		return pea_error_new(err, EINVAL, "none ipam driver is set but subnets are given");
	}
	json_object_object_add(ipam, "driver",
			       json_object_new_string(o->ipam ? o->ipam : "host-local"));
	if (macvlan && !o->subnets && !o->ipam) {
		json_object_put(ipam);
		ipam = NULL;
	}
	if (ipam)
		json_object_object_add(net, "ipam_options", ipam);
	if (json_object_array_length(dns) > 0) {
		if (o->disable_dns || macvlan) {
			json_object_put(dns);
			return pea_error_new(err, EINVAL,
					     "--dns needs DNS enabled on the network (not with "
					     "--disable-dns or macvlan)");
		}
		json_object_object_add(net, "network_dns_servers", dns);
	} else {
		json_object_put(dns);
	}
	if (build_subnets(o, net, err) < 0 || build_options(o, macvlan, net, err) < 0 ||
	    build_routes(o, net, err) < 0)
		return -1;
	*ret = TAKE_PTR(net);
	return 0;
}

/* podman1, podman2, ...: the first name no network has. */
static char *next_name(const struct global_options *g)
{
	for (unsigned int i = 1;; i++) {
		_cleanup_json_ struct json_object *n = NULL;
		char *name = xasprintf("podman%u", i);
		if (network_load(g, name, &n, NULL) < 0)
			return name;
		free(name);
	}
}

/* Names --network takes as modes (podman refuses them as network names). */
static bool is_mode_name(const char *s)
{
	static const char *const modes[] = { "none",	  "host",	 "bridge",
					     "private",	  "slirp4netns", "pasta",
					     "container", "ns",		 "default" };

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (strcmp(s, modes[i]) == 0)
			return true;
	return false;
}

static int network_create_cmd(struct global_options *g, int argc, char **argv,
			      struct pea_error **err)
{
	_cleanup_(net_create_opts_clear) struct net_create_opts o = { 0 };
	_cleanup_json_ struct json_object *net = NULL, *done = NULL, *old = NULL;
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int lock = -1;
	int r;

	r = parse_create(argc, argv, &o, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (argc - optind > 1)
		return check_nargs(argc - optind, 0, 1, err);
	if (optind < argc && !network_name_valid(argv[optind]))
		return pea_error_new(err, EINVAL,
				     "network name %s invalid: names must match "
				     "[a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument",
				     argv[optind]);
	if (optind < argc && is_mode_name(argv[optind]))
		return pea_error_new(err, EINVAL,
				     "cannot create network with name \"%s\" because it conflicts "
				     "with a valid network mode",
				     argv[optind]);
	if (records_lock(g, &lock, err) < 0)
		return -1;
	name = optind < argc ? xstrdup(argv[optind]) : next_name(g);
	if (o.ignore && network_load(g, name, &old, NULL) == 0) {
		printf("%s\n", name);
		return 0;
	}
	if (build_network(&o, name, &net, err) < 0 || network_create(g, net, &done, err) < 0)
		return -1;
	printf("%s\n", name);
	return 0;
}

/* ---- ls, inspect ------------------------------------------------------------------- */

/* Podman's Go field names, for --format. */
static struct json_object *format_item(struct json_object *n)
{
	struct json_object *o = json_object_new_object(), *v = NULL;
	static const char *const map[][2] = {
		{ "name", "Name" },
		{ "id", "ID" },
		{ "driver", "Driver" },
		{ "network_interface", "NetworkInterface" },
		{ "created", "Created" },
		{ "subnets", "Subnets" },
		{ "ipv6_enabled", "IPv6Enabled" },
		{ "internal", "Internal" },
		{ "dns_enabled", "DNSEnabled" },
		{ "labels", "Labels" },
		{ "options", "Options" },
		{ "ipam_options", "IPAMOptions" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (json_object_object_get_ex(n, map[i][0], &v))
			json_object_object_add(o, map[i][1], json_object_get(v));
	return o;
}

static bool label_match(struct json_object *n, const char *want)
{
	struct json_object *labels = NULL, *v = NULL;
	const char *eq = strchr(want, '=');
	_cleanup_free_ char *k = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);

	if (!json_object_object_get_ex(n, "labels", &labels) ||
	    !json_object_object_get_ex(labels, k, &v))
		return false;
	return !eq || strcmp(json_object_get_string(v), eq + 1) == 0;
}

static int filter_match(struct json_object *n, char *const *filters, bool *ret,
			struct pea_error **err)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *f = filters[i], *eq = strchr(f, '=');
		_cleanup_free_ char *k = eq ? xstrndup(f, (size_t)(eq - f)) : NULL;
		const char *v = eq ? eq + 1 : "";
		bool ok;

		if (!k)
			return pea_error_new(err, EINVAL, "invalid filter '%s': use KEY=VALUE", f);
		if (strcmp(k, "name") == 0)
			ok = strstr(json_object_get_string(json_object_object_get(n, "name")), v);
		else if (strcmp(k, "id") == 0)
			ok = strncmp(json_object_get_string(json_object_object_get(n, "id")), v,
				     strlen(v)) == 0;
		else if (strcmp(k, "driver") == 0)
			ok = strcmp(json_object_get_string(json_object_object_get(n, "driver")),
				    v) == 0;
		else if (strcmp(k, "label") == 0)
			ok = label_match(n, v);
		else
			return pea_error_new(err, EINVAL,
					     "invalid filter '%s': use name, id, driver or label",
					     k);
		if (!ok) {
			*ret = false;
			return 0;
		}
	}
	*ret = true;
	return 0;
}

static const char ls_usage[] = "Usage: pea network ls [OPTIONS]\n"
			       "\n"
			       "List networks.\n"
			       "\n"
			       "  -f, --filter=KEY=VALUE  name, id, driver, label\n"
			       "      --format=TEMPLATE   Go template, or json\n"
			       "      --no-trunc          full ids\n"
			       "      --noheading         no header line\n"
			       "  -q, --quiet             names only\n";

static const char *ls_header(const char *field)
{
	if (strcmp(field, "ID") == 0)
		return "NETWORK ID";
	return NULL;
}

static int network_ls(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "filter", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'F' },
		{ "no-trunc", no_argument, NULL, 'T' },
		{ "noheading", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *all = NULL, *items = json_object_new_array();
	_cleanup_json_ struct json_object *raw = json_object_new_array();
	_cleanup_strv_ char **filters = NULL;
	_cleanup_free_ char *format = NULL;
	struct template *t = NULL;
	bool quiet = false, notrunc = false, noheading = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf:nq", longopts, ls_usage, &c, err)) == 2) {
		if (c == 'f')
			pea_strv_push(&filters, optarg);
		else if (c == 'F')
			format = (free(format), xstrdup(optarg));
		else if (c == 'T')
			notrunc = true;
		else if (c == 'n')
			noheading = true;
		else if (c == 'q')
			quiet = true;
	}
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (networks_list(g, &all, err) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *n = json_object_array_get_idx(all, i), *item;
		bool ok = false;

		if (filter_match(n, filters, &ok, err) < 0)
			return -1;
		if (!ok)
			continue;
		json_object_array_add(raw, json_object_get(n));
		item = format_item(n);
		if (!notrunc) {
			_cleanup_free_ char *short_id = xstrndup(
				json_object_get_string(json_object_object_get(n, "id")), 12);
			json_object_object_add(item, "ID", json_object_new_string(short_id));
		}
		json_object_array_add(items, item);
	}
	if (format && strcmp(format, "json") == 0) {
		fmt_print_json(stdout, raw);
		return 0;
	}
	if (quiet && !format)
		format = xstrdup("{{.Name}}");
	if (!format)
		format = xstrdup("table {{.ID}}\t{{.Name}}\t{{.Driver}}");
	if (template_parse(format, ls_header, &t, err) < 0)
		return -1;
	if (noheading)
		template_drop_header(t);
	r = template_print(stdout, t, items, err);
	template_free(t);
	return r < 0 ? -1 : 0;
}

static const char network_inspect_usage[] =
	"Usage: pea network inspect [OPTIONS] NETWORK [NETWORK...]\n"
	"\n"
	"Show networks as JSON.\n"
	"\n"
	"  -f, --format=FORMAT   Go template ({{.Name}}, {{.ID}}, {{.Driver}},\n"
	"                        {{.NetworkInterface}}, ...) or json\n";

static int network_inspect(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *out = json_object_new_array();
	_cleanup_json_ struct json_object *items = json_object_new_array();
	_cleanup_free_ char *format = NULL;
	int r, c = 0, status = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf:", longopts, network_inspect_usage, &c, err)) == 2)
		format = (free(format), xstrdup(optarg));
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (optind >= argc)
		return check_nargs(0, 1, -1, err);
	for (int i = optind; i < argc; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		struct json_object *n = NULL;

		if (network_load(g, argv[i], &n, &e) < 0) {
			if (i + 1 == argc && json_object_array_length(out) == 0) {
				*err = TAKE_PTR(e);
				return -1;
			}
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE;
			continue;
		}
		json_object_array_add(items, format_item(n));
		json_object_array_add(out, n);
	}
	if (format && strcmp(format, "json") != 0) {
		struct template *t = NULL;
		if (template_parse(format, NULL, &t, err) < 0)
			return -1;
		r = template_print(stdout, t, items, err);
		template_free(t);
		if (r < 0)
			return -1;
	} else {
		fmt_print_json(stdout, out);
	}
	return status;
}

static int network_exists(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_json_ struct json_object *n = NULL;
	_cleanup_error_ struct pea_error *e = NULL;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cmd_print_help(stdout, "Usage: pea network exists NETWORK\n\nExit 0 when the "
				       "network exists, 1 when not.\n");
		return 0;
	}
	if (argc != 2)
		return check_nargs(argc - 1, 1, 1, err);
	if (network_load(g, argv[1], &n, &e) == 0)
		return 0;
	if (e->code == ENOENT)
		return 1;
	*err = TAKE_PTR(e);
	return -1;
}

/* ---- rm, prune ------------------------------------------------------------------------ */

/* The containers on a network (ids), read under the lock the caller holds. */
static int users_of(const struct global_options *g, const char *name, char ***ret,
		    struct pea_error **err)
{
	struct ctr_record **all = NULL;
	size_t n = 0;

	if (records_list(g, &all, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (network_used_by(all[i], name))
			pea_strv_push(ret, all[i]->id);
	records_free(all, n);
	return 0;
}

static int remove_container(struct global_options *g, const char *id, long timeout,
			    struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_close_ int lock = -1;

	if (container_stop(g, id, timeout, err) < 0)
		return -1;
	if (records_lock(g, &lock, err) < 0)
		return -1;
	if (record_load(g, id, &r, err) < 0)
		return (*err)->code == ENOENT ? (pea_error_free(*err), *err = NULL, 0) : -1;
	return container_remove(g, r, err);
}

/* 1: no such network, 2: in use without force. */
static int rm_one(struct global_options *g, const char *what, bool force, long timeout,
		  int *ret_status, struct pea_error **err)
{
	_cleanup_json_ struct json_object *net = NULL;
	_cleanup_strv_ char **users = NULL;
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int lock = -1;

	*ret_status = PEA_EXIT_ENGINE;
	if (records_lock(g, &lock, err) < 0)
		return -1;
	if (network_load(g, what, &net, err) < 0) {
		if ((*err)->code == ENOENT)
			*ret_status = 1;
		return -1;
	}
	name = xstrdup(json_object_get_string(json_object_object_get(net, "name")));
	if (strcmp(name, network_default_name(g)) == 0)
		return pea_error_new(err, EPERM, "default network %s cannot be removed", name);
	if (users_of(g, name, &users, err) < 0)
		return -1;
	if (users && !force) {
		*ret_status = 2;
		return pea_error_new(err, EBUSY,
				     "\"%s\" has associated containers with it. Use -f to forcibly "
				     "delete containers: network is being used",
				     name);
	}
	lock = pea_unlock(lock);
	for (size_t i = 0; users && users[i]; i++)
		if (remove_container(g, users[i], timeout, err) < 0)
			return pea_error_wrap(err, "removing container %.12s of network %s",
					      users[i], name);
	if (records_lock(g, &lock, err) < 0)
		return -1;
	users = pea_strv_free(users);
	if (users_of(g, name, &users, err) < 0)
		return -1;
	if (users) {
		*ret_status = 2;
		return pea_error_new(err, EBUSY, "network %s got a new container meanwhile", name);
	}
	return network_remove_file(g, name, err);
}

static const char rm_usage[] = "Usage: pea network rm [OPTIONS] NETWORK [NETWORK...]\n"
			       "\n"
			       "Remove networks.\n"
			       "\n"
			       "  -f, --force       remove the containers on them too\n"
			       "  -t, --time=SECS   seconds to wait for them to stop\n";

static int network_rm(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "force", no_argument, NULL, 'f' },
		{ "time", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	bool force = false;
	long timeout = -1;
	int r, c = 0, status = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hft:", longopts, rm_usage, &c, err)) == 2) {
		if (c == 'f') {
			force = true;
		} else {
			char *end = NULL;
			timeout = strtol(optarg, &end, 10);
			if (end == optarg || *end || timeout < 0)
				return pea_error_new(err, EINVAL,
						     "invalid argument \"%s\" for \"-t, --time\" "
						     "flag: must be an integer >= 0",
						     optarg);
		}
	}
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (optind >= argc)
		return check_nargs(0, 1, -1, err);
	for (int i = optind; i < argc; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		int st = 0;

		if (rm_one(g, argv[i], force, timeout, &st, &e) < 0) {
			if (force && st == 1)
				continue; /* podman: -f ignores a network that is not there */
			fprintf(stderr, "Error: %s\n", e->message);
			if (status == 0 || st > status)
				status = st;
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return status;
}

static int network_prune(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "force", no_argument, NULL, 'f' },
		{ "filter", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *all = NULL;
	_cleanup_strv_ char **filters = NULL;
	_cleanup_close_ int lock = -1;
	bool force = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf", longopts,
			       "Usage: pea network prune [-f] [--filter KEY=VALUE]\n\n"
			       "Remove the networks no container uses (not the default one).\n",
			       &c, err)) == 2) {
		if (c == 'f')
			force = true;
		else
			pea_strv_push(&filters, optarg);
	}
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (!force) {
		char answer[16] = "";
		fputs("WARNING! This will remove all networks not used by at least one container.\n"
		      "Are you sure you want to continue? [y/N] ",
		      stdout);
		fflush(stdout);
		if (!fgets(answer, sizeof(answer), stdin) || (answer[0] != 'y' && answer[0] != 'Y'))
			return 0;
	}
	if (records_lock(g, &lock, err) < 0 || networks_list(g, &all, err) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *n = json_object_array_get_idx(all, i);
		const char *name = json_object_get_string(json_object_object_get(n, "name"));
		_cleanup_strv_ char **users = NULL;
		bool ok = false;

		if (strcmp(name, network_default_name(g)) == 0)
			continue;
		if (filter_match(n, filters, &ok, err) < 0 || users_of(g, name, &users, err) < 0)
			return -1;
		if (!ok || users)
			continue;
		if (network_remove_file(g, name, err) < 0)
			return -1;
		printf("%s\n", name);
	}
	return 0;
}

/* ---- connect, disconnect, reload ------------------------------------------------------ */

static const char connect_usage[] =
	"Usage: pea network connect [OPTIONS] NETWORK CONTAINER\n"
	"\n"
	"Add a container to a network (a running one joins it at once).\n"
	"\n"
	"      --alias=NAME          another DNS name of the container on the network\n"
	"      --ip=IPV4, --ip6=IPV6 its address on the network\n"
	"      --mac-address=MAC     its MAC address on the network\n";

enum {
	NCON_ALIAS = 1000,
	NCON_IP,
	NCON_IP6,
	NCON_MAC,
};

static void push_str(struct json_object *per, const char *key, const char *v)
{
	struct json_object *a = NULL;

	if (!json_object_object_get_ex(per, key, &a)) {
		a = json_object_new_array();
		json_object_object_add(per, key, a);
	}
	json_object_array_add(a, json_object_new_string(v));
}

static int parse_connect(int argc, char **argv, struct json_object *per, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "alias", required_argument, NULL, NCON_ALIAS },
		{ "ip", required_argument, NULL, NCON_IP },
		{ "ip6", required_argument, NULL, NCON_IP6 },
		{ "mac-address", required_argument, NULL, NCON_MAC },
		{ NULL, 0, NULL, 0 },
	};
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "h", longopts, connect_usage, &c, err)) == 2) {
		struct fe_ip ip;
		unsigned int b[6];
		char tail;

		if (c == NCON_ALIAS) {
			if (!*optarg)
				return pea_error_new(err, EINVAL, "--alias: empty name");
			push_str(per, "aliases", optarg);
		} else if (c == NCON_MAC) {
			if (strlen(optarg) != 17 ||
			    sscanf(optarg, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
				   &b[4], &b[5], &tail) != 6)
				return pea_error_new(err, EINVAL, "invalid MAC address '%s'",
						     optarg);
			json_object_object_add(per, "static_mac", json_object_new_string(optarg));
		} else {
			if (fe_ip_parse(optarg, false, &ip) < 0 ||
			    (ip.family == AF_INET6) != (c == NCON_IP6))
				return pea_error_new(err, EINVAL,
						     "%s: '%s' is not an IPv%c address",
						     c == NCON_IP6 ? "--ip6" : "--ip", optarg,
						     c == NCON_IP6 ? '6' : '4');
			push_str(per, "static_ips", optarg);
		}
	}
	if (r != 0)
		return r;
	if (argc - optind != 2)
		return check_nargs(argc - optind, 2, 2, err);
	return 0;
}

/*
 * The container's record and whether it runs, under its own lock (returned in
 * ret_lock) taken after the records lock the caller holds: a start, stop or
 * cleanup of it waits until the record is saved.
 */
static int load_ctr(struct global_options *g, const char *what, struct ctr_record **ret,
		    bool *ret_running, int *ret_lock, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;

	if (record_lookup_locked(g, what, &r, ret_lock, err) < 0)
		return -1;
	*ret_running = r->state == CTR_RUNNING;
	*ret = TAKE_PTR(r);
	return 0;
}

/* Addresses for the new network, given against every other container. */
static int allocate_for(struct global_options *g, const struct ctr_record *r, const char *name,
			struct json_object *per, struct pea_error **err)
{
	_cleanup_json_ struct json_object *tmp = json_object_new_object();
	struct json_object *nets = json_object_new_object();
	struct ctr_record **all = NULL, **others;
	size_t n = 0, k = 0;
	int rc;

	json_object_object_add(nets, name, json_object_get(per));
	json_object_object_add(tmp, "networks", nets);
	if (records_list(g, &all, &n, err) < 0)
		return -1;
	others = xnew(struct ctr_record *, n + 1);
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i]->id, r->id) != 0)
			others[k++] = all[i];
	rc = network_allocate(g, others, k, tmp, err);
	free(others);
	records_free(all, n);
	return rc;
}

/* podman's network event of a container: its id and name, the network's name ("network"). */
static void network_event(const struct global_options *g, const struct ctr_record *r,
			  const char *status, const char *network)
{
	struct event e = { .type = "network",
			   .status = status,
			   .id = r->id,
			   .name = r->name,
			   .network = network };

	events_write(g, &e);
}

static int network_connect(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_json_ struct json_object *per = json_object_new_object(), *net = NULL;
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_close_ int lock = -1, ctr_lock = -1;
	struct json_object *nets = NULL;
	const char *mode = "none", *name;
	bool running = false;
	int rc;

	rc = parse_connect(argc, argv, per, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (records_lock(g, &lock, err) < 0 || network_load(g, argv[optind], &net, err) < 0 ||
	    load_ctr(g, argv[optind + 1], &r, &running, &ctr_lock, err) < 0)
		return -1;
	name = json_object_get_string(json_object_object_get(net, "name"));
	(void)pea_json_get_string_opt(r->opts, "opts", "network", &mode, NULL);
	if (strcmp(mode, "bridge") != 0 && (running || strcmp(mode, "none") != 0))
		return pea_error_new(err, EINVAL,
				     "container %s has network mode %s: only containers on bridge "
				     "networks (or created with none) can join networks",
				     r->name, mode);
	if (network_used_by(r, name))
		return pea_error_new(err, EEXIST, "container %s is already connected to network %s",
				     r->name, name);
	if (allocate_for(g, r, name, per, err) < 0)
		return -1;
	if (!json_object_object_get_ex(r->opts, "networks", &nets)) {
		nets = json_object_new_object();
		json_object_object_add(r->opts, "networks", nets);
	}
	json_object_object_add(nets, name, json_object_get(per));
	json_object_object_add(r->opts, "network", json_object_new_string("bridge"));
	if (record_save(g, r, err) < 0)
		return -1;
	network_event(g, r, "connect", name); /* podman's: before a running one joins */
	if (running && network_connect_running(g, r, name, err) < 0) {
		json_object_object_del(nets, name);
		json_object_object_add(r->opts, "network", json_object_new_string(mode));
		(void)record_save(g, r, NULL);
		return -1;
	}
	return 0;
}

static int network_disconnect(struct global_options *g, int argc, char **argv,
			      struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *net = NULL;
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_close_ int lock = -1, ctr_lock = -1;
	_cleanup_free_ char *name = NULL;
	bool running = false;
	int rc, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "hf", longopts,
				"Usage: pea network disconnect [-f] NETWORK CONTAINER\n\n"
				"Remove a container from a network (a running one leaves it at "
				"once).\n",
				&c, err)) == 2)
		;
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (argc - optind != 2)
		return check_nargs(argc - optind, 2, 2, err);
	if (records_lock(g, &lock, err) < 0 ||
	    load_ctr(g, argv[optind + 1], &r, &running, &ctr_lock, err) < 0)
		return -1;
	/* a network removed meanwhile can still be left by name */
	if (network_load(g, argv[optind], &net, NULL) == 0)
		name = xstrdup(json_object_get_string(json_object_object_get(net, "name")));
	else
		name = xstrdup(argv[optind]);
	if (!network_used_by(r, name))
		return pea_error_new(err, ENOENT, "container %s is not connected to network %s",
				     r->name, name);
	if (running && network_disconnect_running(g, r, name, err) < 0)
		return -1;
	json_object_object_del(json_object_object_get(r->opts, "networks"), name);
	if (record_save(g, r, err) < 0)
		return -1;
	network_event(g, r, "disconnect", name);
	return 0;
}

static int network_reload(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **targets = NULL;
	bool all = false;
	int rc, c = 0, status = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "ha", longopts,
				"Usage: pea network reload [--all] [CONTAINER...]\n\n"
				"Make the network of running containers again (after the firewall "
				"rules were flushed).\n",
				&c, err)) == 2)
		all = true;
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (all == (optind < argc))
		return pea_error_new(err, EINVAL, "give containers or --all, not both or neither");
	if (all) {
		struct ctr_record **v = NULL;
		size_t n = 0;
		if (records_list(g, &v, &n, err) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			pea_strv_push(&targets, v[i]->id);
		records_free(v, n);
	} else {
		for (int i = optind; i < argc; i++)
			pea_strv_push(&targets, argv[i]);
	}
	for (size_t i = 0; targets && targets[i]; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		_cleanup_record_ struct ctr_record *r = NULL;
		_cleanup_close_ int lock = -1, ctr_lock = -1;
		bool running = false;

		if (records_lock(g, &lock, &e) < 0 ||
		    load_ctr(g, targets[i], &r, &running, &ctr_lock, &e) < 0 ||
		    (running && network_reload_running(g, r, &e) < 0)) {
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE;
			continue;
		}
		if (running)
			printf("%s\n", r->id);
	}
	return status;
}

/* ---- the group --------------------------------------------------------------------------- */

static const char network_usage[] = "Usage: pea network COMMAND\n"
				    "\n"
				    "Manage networks.\n"
				    "\n"
				    "Commands:\n"
				    "  connect   add a container to a network\n"
				    "  create    create a network\n"
				    "  disconnect  remove a container from a network\n"
				    "  exists    exit 0 when a network exists\n"
				    "  inspect   show networks as JSON\n"
				    "  ls        list networks\n"
				    "  prune     remove unused networks\n"
				    "  reload    make the network of running containers again\n"
				    "  rm        remove networks\n";

int cmd_network(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct subcommand sub[] = {
		{ "connect", network_connect },
		{ "create", network_create_cmd },
		{ "disconnect", network_disconnect },
		{ "exists", network_exists },
		{ "inspect", network_inspect },
		{ "list", network_ls },
		{ "ls", network_ls },
		{ "prune", network_prune },
		{ "reload", network_reload },
		{ "remove", network_rm },
		{ "rm", network_rm },
	};

	return cmd_dispatch(g, "network", network_usage, sub, ARRAY_SIZE(sub), argc, argv, err);
}
