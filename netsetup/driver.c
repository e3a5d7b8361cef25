#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "netsetup/netsetup.h"

/* The subnet of addr in net, or NULL. */
static const struct net_subnet *find_subnet(const struct network *net, const struct ipnet *addr)
{
	for (size_t i = 0; i < net->n_subnets; i++)
		if (ipnet_contains(&net->subnets[i].subnet, addr))
			return &net->subnets[i];
	return NULL;
}

static bool is_bridge(const struct network *net)
{
	return strcmp(net->driver, "bridge") == 0;
}

/* Does a port of the container forward from 127.0.0.1 (explicitly or as "all addresses")? */
static bool needs_localnet(const struct net_options *o)
{
	for (size_t i = 0; i < o->n_ports; i++) {
		const struct port_mapping *p = &o->ports[i];

		if (!p->has_host_ip ||
		    (p->host_ip.family == AF_INET &&
		     (p->host_ip.addr[0] == 127 || (p->host_ip.addr[0] | p->host_ip.addr[1] |
						    p->host_ip.addr[2] | p->host_ip.addr[3]) == 0)))
			return true;
	}
	return false;
}

static int host_sysctls(const struct network *net, const char *bridge, struct pea_error **err)
{
	char path[96];
	bool v4 = false, v6 = false;

	for (size_t i = 0; i < net->n_subnets; i++) {
		v4 = v4 || net->subnets[i].subnet.family == AF_INET;
		v6 = v6 || net->subnets[i].subnet.family == AF_INET6;
	}
	if (!net->internal && v4 && sysctl_set("net/ipv4/ip_forward", "1", err) < 0)
		return -EPERM;
	if (!net->internal && v6 && sysctl_set("net/ipv6/conf/all/forwarding", "1", err) < 0)
		return -EPERM;
	if (v4 && bridge) {
		/* DNAT of 127.0.0.1 port forwards into the bridge needs route_localnet. */
		snprintf(path, sizeof(path), "net/ipv4/conf/%s/route_localnet", bridge);
		if (sysctl_set(path, "1", err) < 0)
			return -EPERM;
	}
	return 0;
}

/* Make or reuse the bridge; returns its index. */
static int bridge_ensure(struct netns_ctx *ns, const struct network *net, int *ret_index,
			 bool *ret_created, struct pea_error **err)
{
	const char *name = net->network_interface;
	_cleanup_error_ struct pea_error *e = NULL;
	struct nl_link l;
	int r;

	r = nl_link_get(ns->host, name, 0, &l, &e);
	if (r == -ENODEV) {
		r = nl_link_add_bridge(ns->host, name, net->mtu, net->vlan != 0, err);
		if (r == -EOPNOTSUPP && net->vlan)
			return pea_error_wrap(
				err, "vlan %d: the kernel has no bridge VLAN filtering", net->vlan);
		if (r < 0)
			return r;
		*ret_created = true;
		r = nl_link_get(ns->host, name, 0, &l, err);
		if (r < 0)
			return r;
	} else if (r < 0) {
		*err = TAKE_PTR(e);
		return r;
	} else if (strcmp(l.kind, "bridge") != 0) {
		return pea_error_new(err, EINVAL, "interface '%s' exists and is not a bridge",
				     name);
	}
	if (nl_link_set(ns->host, l.index, true, -1, 0, err) < 0)
		return pea_error_wrap(err, "bridge '%s'", name);
	/* the bridge itself (the gateway) in the network's VLAN */
	if (net->vlan &&
	    nl_bridge_vlan(ns->host, l.index, true, (uint16_t)net->vlan, true, true, err) < 0)
		return pea_error_wrap(err, "bridge '%s'", name);
	for (size_t i = 0; i < net->n_subnets; i++) {
		if (!net->subnets[i].has_gateway)
			continue;
		if (nl_addr_add(ns->host, l.index, &net->subnets[i].gateway, err) < 0)
			return pea_error_wrap(err, "bridge '%s'", name);
	}
	*ret_index = l.index;
	return 0;
}

/* Addresses, link up and routes on the container's interface. */
static int configure_container(struct netns_ctx *ns, const struct attachment *a, int index,
			       struct link_result *res, struct pea_error **err)
{
	const struct network *net = &a->net;
	struct nl_link lo;
	bool ipam = strcmp(net->ipam_driver, "none") != 0;

	if (nl_link_get(ns->ctr, "lo", 0, &lo, err) < 0 ||
	    nl_link_set(ns->ctr, lo.index, true, -1, 0, err) < 0)
		return pea_error_wrap(err, "loopback");
	for (size_t i = 0; ipam && i < a->opts.n_static_ips && res->n_addrs < 8; i++) {
		const struct net_subnet *sn = find_subnet(net, &a->opts.static_ips[i]);
		struct ipnet addr = a->opts.static_ips[i];

		if (!sn) /* options.c checked this; keep the compiler sure */
			continue;
		addr.prefix = sn->subnet.prefix;
		if (nl_addr_add(ns->ctr, index, &addr, err) < 0)
			return pea_error_wrap(err, "interface '%s'", a->opts.interface_name);
		res->addrs[res->n_addrs] = addr;
		res->has_gateway[res->n_addrs] = sn->has_gateway;
		res->gateways[res->n_addrs] = sn->gateway;
		res->n_addrs++;
	}
	/*
	 * A gratuitous ARP as it comes up (as netavark sets it): an address given
	 * again, with a new MAC (a disconnect and connect, a restart), is not
	 * sent to the old MAC the bridge's neighbour cache still holds.
	 */
	{
		_cleanup_error_ struct pea_error *e = NULL;
		char path[96];

		snprintf(path, sizeof(path), "net/ipv4/conf/%s/arp_notify", a->opts.interface_name);
		if (sysctl_set_in(ns->ctr_nsfd, path, "1", &e) < 0)
			log_debug("%s, ignoring", e->message);
	}
	if (nl_link_set(ns->ctr, index, true, -1, 0, err) < 0)
		return pea_error_wrap(err, "interface '%s'", a->opts.interface_name);
	for (size_t i = 0; !net->internal && !net->no_default_route && i < res->n_addrs; i++) {
		struct ipnet any = { .family = res->addrs[i].family, .prefix = 0 };

		if (!res->has_gateway[i])
			continue;
		if (nl_route_add(ns->ctr, index, &any, &res->gateways[i], net->metric, err) < 0)
			return pea_error_wrap(err, "default route");
	}
	for (size_t i = 0; i < net->n_routes; i++) {
		const struct net_route *rt = &net->routes[i];
		uint32_t metric = rt->has_metric ? rt->metric : 100;
		/* a gateway outside the network's subnets is reached through another interface */
		int oif = find_subnet(net, &rt->gateway) ? index : 0;

		if (rt->type != RTN_UNICAST) {
			if (nl_route_add_type(ns->ctr, &rt->destination, rt->type, metric, err) < 0)
				return -EINVAL;
			continue;
		}
		if (nl_route_add(ns->ctr, oif, &rt->destination, &rt->gateway, metric, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int container_link(struct netns_ctx *ns, const char *ifname, struct nl_link *ret,
			  struct pea_error **err)
{
	if (nl_link_get(ns->ctr, ifname, 0, ret, err) < 0)
		return pea_error_wrap(err, "container");
	return 0;
}

static int bridge_setup(struct netns_ctx *ns, const struct global_options *g,
			const struct net_options *o, const struct attachment *a,
			struct firewall *fw, struct link_result *res, struct pea_error **err)
{
	const struct network *net = &a->net;
	const char *ifname = a->opts.interface_name;
	struct nl_link l;
	int br = 0, r;

	r = bridge_ensure(ns, net, &br, &res->created_bridge, err);
	if (r < 0)
		return r;
	r = host_sysctls(net, needs_localnet(o) ? net->network_interface : NULL, err);
	if (r < 0)
		return r;
	r = nl_link_add_veth(ns->host, "veth%d", ifname, ns->ctr_nsfd, net->mtu,
			     a->opts.has_mac ? a->opts.mac : NULL, err);
	if (r == -EEXIST)
		return pea_error_wrap(err, "interface '%s' already exists in the container",
				      ifname);
	if (r < 0)
		return r;
	res->created_link = true;
	r = container_link(ns, ifname, &l, err);
	if (r < 0)
		return r;
	memcpy(res->mac, l.mac, 6);
	/* The host end: into the bridge, up. l.link is its index in the host. */
	r = nl_link_set(ns->host, l.link, true, br, 0, err);
	/*
	 * Hairpin: a container reaching its own port forward through the
	 * gateway gets its packets back on its own port (with br_netfilter,
	 * the DNAT happens on the bridge path).
	 */
	if (r == 0)
		r = nl_bridge_port_hairpin(ns->host, l.link, err);
	if (r < 0)
		return pea_error_wrap(err, "host end of '%s'", ifname);
	if (net->vlan) {
		/* the port: only the network's VLAN, untagged */
		r = nl_bridge_vlan(ns->host, l.link, true, (uint16_t)net->vlan, true, false, err);
		if (r == 0 && net->vlan != 1)
			r = nl_bridge_vlan(ns->host, l.link, false, 1, false, false, err);
		if (r < 0)
			return pea_error_wrap(err, "host end of '%s'", ifname);
	}
	r = configure_container(ns, a, l.index, res, err);
	if (r < 0)
		return r;
	r = firewall_setup(fw, o, a, net->network_interface, g->dns_port, res->addrs, res->n_addrs,
			   err);
	if (r < 0)
		return r;
	res->added_rules = true;
	return 0;
}

static uint32_t macvlan_mode(const char *mode)
{
	if (!mode || strcmp(mode, "bridge") == 0)
		return MACVLAN_MODE_BRIDGE;
	if (strcmp(mode, "private") == 0)
		return MACVLAN_MODE_PRIVATE;
	if (strcmp(mode, "vepa") == 0)
		return MACVLAN_MODE_VEPA;
	if (strcmp(mode, "passthru") == 0)
		return MACVLAN_MODE_PASSTHRU;
	return MACVLAN_MODE_SOURCE;
}

static int macvlan_setup(struct netns_ctx *ns, const struct attachment *a, struct link_result *res,
			 struct pea_error **err)
{
	const struct network *net = &a->net;
	const char *ifname = a->opts.interface_name;
	struct nl_link parent, l;
	int r;

	if (net->network_interface) {
		r = nl_link_get(ns->host, net->network_interface, 0, &parent, err);
		if (r < 0)
			return pea_error_wrap(err, "macvlan parent");
	} else {
		/* no parent named: the interface of the default route, as netavark */
		r = nl_default_route_oif(ns->host, AF_INET, &parent.index, err);
		if (r < 0)
			return pea_error_wrap(err, "macvlan network '%s' has no parent interface",
					      net->name);
	}
	r = nl_link_add_macvlan(ns->host, ifname, parent.index, ns->ctr_nsfd,
				macvlan_mode(net->mode), net->mtu,
				a->opts.has_mac ? a->opts.mac : NULL, err);
	if (r < 0)
		return r;
	res->created_link = true;
	r = container_link(ns, ifname, &l, err);
	if (r < 0)
		return r;
	memcpy(res->mac, l.mac, 6);
	return configure_container(ns, a, l.index, res, err);
}

int driver_setup(struct netns_ctx *ns, const struct global_options *g, const struct net_options *o,
		 const struct attachment *a, struct firewall *fw, struct link_result *ret,
		 struct pea_error **err)
{
	memset(ret, 0, sizeof(*ret));
	if (is_bridge(&a->net))
		return bridge_setup(ns, g, o, a, fw, ret, err);
	return macvlan_setup(ns, a, ret, err);
}

int driver_teardown(struct netns_ctx *ns, const struct net_options *o, const struct attachment *a,
		    struct firewall *fw, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *e = NULL;
	const struct network *net = &a->net;
	struct nl_link l, br;
	size_t ports = 0;

	/* routes through other interfaces do not go with ours */
	for (size_t i = 0; ns->ctr && i < net->n_routes; i++) {
		const struct net_route *rt = &net->routes[i];

		if (nl_route_del(ns->ctr, &rt->destination,
				 rt->type == RTN_UNICAST ? &rt->gateway : NULL,
				 rt->has_metric ? rt->metric : 100, err) < 0)
			return pea_error_wrap(err, "container");
	}
	if (ns->ctr && nl_link_get(ns->ctr, a->opts.interface_name, 0, &l, &e) == 0) {
		if (nl_link_del(ns->ctr, l.index, err) < 0)
			return pea_error_wrap(err, "container interface '%s'",
					      a->opts.interface_name);
	}
	e = pea_error_free(e);
	if (!is_bridge(net))
		return 0;
	if (nl_link_get(ns->host, net->network_interface, 0, &br, &e) < 0)
		return firewall_del_network(fw, net, err);
	if (strcmp(br.kind, "bridge") != 0)
		return 0;
	if (nl_count_ports(ns->host, br.index, &ports, err) < 0)
		return -EIO;
	if (ports > 0)
		return 0;
	/* The last container is gone: so go the bridge and the network's rules. */
	if (nl_link_del(ns->host, br.index, err) < 0)
		return pea_error_wrap(err, "bridge '%s'", net->network_interface);
	(void)o;
	return firewall_del_network(fw, net, err);
}

int driver_undo(struct netns_ctx *ns, const struct net_options *o, const struct attachment *a,
		struct firewall *fw, const struct link_result *r, struct pea_error **err)
{
	const struct network *net = &a->net;
	_cleanup_error_ struct pea_error *e = NULL;
	struct nl_link br;
	size_t ports = 0;

	if (r->created_link)
		return driver_teardown(ns, o, a, fw, err);
	if (!r->created_bridge)
		return 0;
	/* only the bridge was made: it goes if nothing joined it meanwhile */
	if (nl_link_get(ns->host, net->network_interface, 0, &br, &e) < 0)
		return 0;
	if (nl_count_ports(ns->host, br.index, &ports, err) < 0)
		return -EIO;
	if (ports > 0)
		return 0;
	if (nl_link_del(ns->host, br.index, err) < 0)
		return pea_error_wrap(err, "bridge '%s'", net->network_interface);
	return firewall_del_network(fw, net, err);
}
