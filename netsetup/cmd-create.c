#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "netsetup/netsetup.h"

/*
 * create: {"network": {...}, "used": {"interfaces", "names", "subnets"},
 * "options": {"subnet_pools", "default_interface_name", "check_used_subnets"}}
 * in, the completed network out. Unknown keys of the network (labels,
 * created, ...) pass through untouched.
 */

struct used {
	char **interfaces;
	struct ipnet *subnets;
	size_t n_subnets;
};

static bool valid_name(const char *s)
{
	if (!*s || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
		     (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return strlen(s) < 256;
}

static bool valid_id(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static bool subnet_used(const struct used *u, const struct ipnet *n)
{
	for (size_t i = 0; i < u->n_subnets; i++)
		if (ipnet_overlaps(&u->subnets[i], n))
			return true;
	return false;
}

static int parse_used(struct json_object *root, struct used *u, const char *name, const char *id,
		      struct pea_error **err)
{
	struct json_object *used = NULL, *names = NULL, *v;
	_cleanup_strv_ char **subs = NULL;

	if (pea_json_get_object_opt(root, "", "used", &used, err) < 0)
		return -EINVAL;
	if (!used)
		return 0;
	if (pea_json_get_strv_opt(used, "used", "interfaces", &u->interfaces, err) < 0 ||
	    pea_json_get_strv_opt(used, "used", "subnets", &subs, err) < 0 ||
	    pea_json_get_object_opt(used, "used", "names", &names, err) < 0)
		return -EINVAL;
	if (names && json_object_object_get_ex(names, name, &v))
		return pea_error_new(err, EEXIST, "network already exists %s", name);
	u->n_subnets = pea_strv_length(subs);
	u->subnets = xnew(struct ipnet, u->n_subnets + 1);
	for (size_t i = 0; i < u->n_subnets; i++)
		if (ipnet_parse(subs[i], true, &u->subnets[i], err) < 0)
			return pea_error_wrap(err, "'used.subnets'");
	return 0;
}

static struct json_object *subnet_json(const struct ipnet *sn, const struct ipnet *gw)
{
	struct json_object *o = json_object_new_object();
	char b[64];

	json_object_object_add(o, "subnet", json_object_new_string(ipnet_str(sn, b, sizeof(b))));
	if (gw)
		json_object_object_add(o, "gateway",
				       json_object_new_string(ipnet_addr_str(gw, b, sizeof(b))));
	return o;
}

/* The given subnet object with subnet and gateway replaced by the completed ones. */
static struct json_object *merge_subnet(struct json_object *given, const struct ipnet *sn,
					const struct ipnet *gw)
{
	struct json_object *o = subnet_json(sn, gw);

	json_object_object_foreach(given, k, v)
	{
		if (strcmp(k, "subnet") != 0 && strcmp(k, "gateway") != 0)
			json_object_object_add(o, k, json_object_get(v));
	}
	return o;
}

/* First subnet of the pools that overlaps nothing used. */
static int alloc_v4(struct json_object *root, const struct used *u, struct ipnet *ret,
		    struct pea_error **err)
{
	struct json_object *opts = NULL, *pools = NULL;

	if (pea_json_get_object_opt(root, "", "options", &opts, err) < 0 ||
	    (opts && pea_json_get_array_opt(opts, "options", "subnet_pools", &pools, err) < 0))
		return -EINVAL;
	for (size_t i = 0; pools && i < json_object_array_length(pools); i++) {
		struct json_object *p = json_object_array_get_idx(pools, i);
		_cleanup_free_ char *path = xasprintf("options.subnet_pools[%zu]", i);
		const char *base = NULL;
		uint32_t size = 24;
		struct ipnet b;

		if (pea_json_expect_object(p, path, err) < 0 ||
		    pea_json_get_string_req(p, path, "base", &base, err) < 0 ||
		    pea_json_get_uint32_opt(p, path, "size", &size, err) < 0 ||
		    ipnet_parse(base, true, &b, err) < 0)
			return -EINVAL;
		if (b.family != AF_INET || size < b.prefix || size > 30)
			continue;
		b = ipnet_network(&b);
		for (uint64_t k = 0; k < (1ull << (size - b.prefix)); k++) {
			struct ipnet c = ipnet_add(&b, k << (32 - size));

			c.prefix = size;
			if (!subnet_used(u, &c)) {
				*ret = c;
				return 0;
			}
		}
	}
	return pea_error_new(err, ENOSPC, "could not find free subnet from subnet pools");
}

static int alloc_v6(const struct used *u, struct ipnet *ret, struct pea_error **err)
{
	for (int tries = 0; tries < 100; tries++) {
		struct ipnet n = { .family = AF_INET6, .prefix = 64 };

		n.addr[0] = 0xfd;
		if (getrandom(n.addr + 1, 5, 0) != 5)
			return pea_error_errno(err, "getrandom");
		if (!subnet_used(u, &n)) {
			*ret = n;
			return 0;
		}
	}
	return pea_error_new(err, ENOSPC, "could not find a free IPv6 subnet");
}

static int complete_subnets(struct json_object *root, struct json_object *net,
			    const struct network *n, const struct used *u, struct pea_error **err)
{
	struct json_object *arr = json_object_new_array();
	struct json_object *given = NULL;
	bool v4 = false, v6 = false, bridge = strcmp(n->driver, "bridge") == 0;

	/* keep the objects given (lease_range, ...), with subnet and gateway completed */
	if (json_object_object_get_ex(net, "subnets", &given))
		json_object_get(given);
	json_object_object_add(net, "subnets", arr);
	for (size_t i = 0; i < n->n_subnets; i++) {
		struct ipnet sn = ipnet_network(&n->subnets[i].subnet);
		struct ipnet gw = ipnet_add(&sn, 1);
		bool with_gw;
		char b[64];

		if (subnet_used(u, &sn)) {
			json_object_put(given);
			return pea_error_new(
				err, EEXIST,
				"subnet %s is already used on the host or by another config",
				ipnet_str(&sn, b, sizeof(b)));
		}
		if (n->subnets[i].has_gateway)
			gw = n->subnets[i].gateway;
		v4 = v4 || sn.family == AF_INET;
		v6 = v6 || sn.family == AF_INET6;
		/* a gateway unless given, as podman's (a macvlan's too, unless internal) */
		with_gw = n->subnets[i].has_gateway || bridge || !n->internal;
		json_object_array_add(arr, merge_subnet(json_object_array_get_idx(given, i), &sn,
							with_gw ? &gw : NULL));
	}
	json_object_put(given);
	if (strcmp(n->ipam_driver, "none") == 0 || !bridge)
		return 0;
	if (!v4 && !(v6 && n->n_subnets > 0)) {
		struct ipnet sn, gw;

		if (alloc_v4(root, u, &sn, err) < 0)
			return -ENOSPC;
		gw = ipnet_add(&sn, 1);
		json_object_array_add(arr, subnet_json(&sn, &gw));
	}
	if (n->ipv6_enabled && !v6) {
		struct ipnet sn, gw;

		if (alloc_v6(u, &sn, err) < 0)
			return -ENOSPC;
		gw = ipnet_add(&sn, 1);
		json_object_array_add(arr, subnet_json(&sn, &gw));
		v6 = true;
	}
	json_object_object_add(net, "ipv6_enabled", json_object_new_boolean(v6));
	return 0;
}

static int pick_interface(struct json_object *root, struct json_object *net,
			  const struct network *n, const struct used *u, struct pea_error **err)
{
	struct json_object *opts = NULL;
	const char *prefix = "podman";
	char name[16];

	if (n->network_interface) {
		if (strcmp(n->driver, "bridge") == 0 &&
		    pea_strv_contains(u->interfaces, n->network_interface))
			return pea_error_new(err, EEXIST, "bridge name %s already in use",
					     n->network_interface);
		return 0;
	}
	if (strcmp(n->driver, "bridge") != 0)
		return 0;
	if (pea_json_get_object_opt(root, "", "options", &opts, err) < 0 ||
	    (opts &&
	     pea_json_get_string_opt(opts, "options", "default_interface_name", &prefix, err) < 0))
		return -EINVAL;
	for (unsigned int i = 0; i < 100000; i++) {
		if ((size_t)snprintf(name, sizeof(name), "%s%u", prefix, i) >= sizeof(name))
			return pea_error_new(err, EINVAL, "invalid default_interface_name '%s'",
					     prefix);
		if (!pea_strv_contains(u->interfaces, name)) {
			json_object_object_add(net, "network_interface",
					       json_object_new_string(name));
			return 0;
		}
	}
	return pea_error_new(err, ENOSPC, "no free interface name");
}

struct timestamp {
	char s[48];
};

/* "2006-01-02T15:04:05.999999999Z", as Podman writes it */
static struct timestamp now_rfc3339(void)
{
	struct timestamp t;
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(t.s, sizeof(t.s), "%s.%09ldZ", base, ts.tv_nsec);
	return t;
}

/* What create checks beyond what any network JSON must be (netavark's wording). */
static int validate(struct json_object *net, const struct network *n, struct pea_error **err)
{
	if (!*n->name)
		return pea_error_new(err, EINVAL, "Network name must be supplied");
	if (!valid_name(n->name))
		return pea_error_new(err, EINVAL,
				     "Invalid characters in network name \"%s\": must match "
				     "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
				     n->name);
	if (!n->id || !*n->id)
		return pea_error_new(err, EINVAL, "Network id must be supplied");
	if (!valid_id(n->id))
		return pea_error_new(err, EINVAL, "invalid network id '%s'", n->id);
	if (strcmp(n->driver, "bridge") != 0 && strcmp(n->driver, "macvlan") != 0)
		return pea_error_new(err, EINVAL, "unsupported driver %s", n->driver);
	if (strcmp(n->ipam_driver, "none") == 0 && n->n_subnets > 0)
		return pea_error_new(err, EINVAL, "None ipam driver is set but subnets are given");
	if (n->network_dns_servers && n->network_dns_servers[0] && !n->dns_enabled)
		return pea_error_new(
			err, EINVAL,
			"network_dns_servers given but DNS is not enabled for this network");
	(void)net;
	return 0;
}

static int create(struct json_object *root, struct pea_error **err)
{
	struct json_object *net = NULL, *ipam = NULL;
	struct network n = { 0 };
	struct used u = { 0 };
	int r = -EINVAL;

	if (pea_json_expect_object(root, "", err) < 0 ||
	    pea_json_get_object_opt(root, "", "network", &net, err) < 0)
		return -EINVAL;
	if (!net)
		return pea_error_new(err, EINVAL, "'network' is missing");
	if (network_from_json(net, "network", &n, err) < 0)
		goto out;
	if (validate(net, &n, err) < 0)
		goto out;
	if (strcmp(n.driver, "bridge") != 0 && strcmp(n.driver, "macvlan") != 0) {
		pea_error_new(err, EINVAL, "unsupported driver %s", n.driver);
		goto out;
	}
	if (parse_used(root, &u, n.name, n.id, err) < 0 ||
	    pick_interface(root, net, &n, &u, err) < 0 ||
	    complete_subnets(root, net, &n, &u, err) < 0)
		goto out;
	if (!json_object_object_get_ex(net, "ipam_options", &ipam) ||
	    !json_object_object_get_ex(ipam, "driver", NULL)) {
		/* macvlan without subnets leases its addresses by DHCP */
		bool dhcp = strcmp(n.driver, "macvlan") == 0 && n.n_subnets == 0;

		ipam = json_object_new_object();
		json_object_object_add(ipam, "driver",
				       json_object_new_string(dhcp ? "dhcp" : "host-local"));
		json_object_object_add(net, "ipam_options", ipam);
	}
	/* DNS is for bridges with addresses */
	if (strcmp(n.driver, "bridge") != 0 || strcmp(n.ipam_driver, "none") == 0)
		json_object_object_add(net, "dns_enabled", json_object_new_boolean(false));
	if (!json_object_object_get_ex(net, "created", NULL))
		json_object_object_add(net, "created", json_object_new_string(now_rfc3339().s));
	r = 0;
out:
	network_clear(&n);
	pea_strv_free(u.interfaces);
	free(u.subnets);
	return r;
}

int cmd_create(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_free_ char *input = NULL;
	_cleanup_json_ struct json_object *root = NULL, *net = NULL;
	size_t len = 0;

	if (argc != 1)
		return pea_error_new(err, EINVAL, "create: takes no argument");
	if (netsetup_read_input(g, &input, &len, err) < 0)
		return -EINVAL;
	if (pea_json_parse(input, len, "create input", &root, err) < 0)
		return pea_error_wrap(err, "failed to load network config");
	if (create(root, err) < 0)
		return -EINVAL;
	json_object_object_get_ex(root, "network", &net);
	printf("%s\n", json_object_to_json_string_ext(net, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_SPACED |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	net = NULL;
	return 0;
}
