#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"
#include "netsetup/netsetup.h"

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	char buf[32768];
};

static int open_here(struct nl *nl, struct pea_error **err)
{
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		return pea_error_errno(err, "open netlink socket");
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return pea_error_errno(err, "bind netlink socket");
	nl->portid = mnl_socket_get_portid(nl->sock);
	return 0;
}

int nl_open(int nsfd, struct nl **ret, struct pea_error **err)
{
	struct nl *nl = xnew(struct nl, 1);
	_cleanup_close_ int self = -1;
	int r;

	nl->seq = (unsigned int)time(NULL);
	if (nsfd < 0) {
		r = open_here(nl, err);
	} else {
		/* A netlink socket stays in the namespace it was made in. */
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0) {
			r = pea_error_errno(err, "open '/proc/self/ns/net'");
		} else if (setns(nsfd, CLONE_NEWNET) < 0) {
			r = pea_error_errno(err, "enter network namespace");
		} else {
			r = open_here(nl, err);
			if (setns(self, CLONE_NEWNET) < 0) {
				pea_error_free(err ? *err : NULL);
				if (err)
					*err = NULL;
				r = pea_error_errno(err, "return to the host network namespace");
			}
		}
	}
	if (r < 0) {
		nl_close(nl);
		return r;
	}
	*ret = nl;
	return 0;
}

struct nl *nl_close(struct nl *nl)
{
	if (!nl)
		return NULL;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
	return NULL;
}

static struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags, size_t hdrlen)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(nl->buf);

	h->nlmsg_type = type;
	/* An ACK ends every answer that is not a dump (which ends with DONE). */
	h->nlmsg_flags = NLM_F_REQUEST | flags | ((flags & NLM_F_DUMP) ? 0 : NLM_F_ACK);
	h->nlmsg_seq = ++nl->seq;
	mnl_nlmsg_put_extra_header(h, hdrlen);
	return h;
}

/* Send h and read replies until the ACK or DONE; -errno of the kernel's answer. */
static int nl_talk(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
	unsigned int seq = h->nlmsg_seq;
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0)
			return -errno;
		r = mnl_cb_run(nl->buf, (size_t)n, seq, nl->portid, cb, data);
	} while (r > 0);
	return r < 0 ? -errno : 0;
}

/* ---- links ---------------------------------------------------------------- */

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int info_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_INFO_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static void link_from_msg(const struct nlmsghdr *h, struct nl_link *l)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(h);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };

	memset(l, 0, sizeof(*l));
	mnl_attr_parse(h, sizeof(*ifm), link_attr_cb, tb);
	l->index = ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	if (tb[IFLA_IFNAME])
		snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MASTER])
		l->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINK])
		l->link = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_MTU])
		l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *info[IFLA_INFO_MAX + 1] = { 0 };

		mnl_attr_parse_nested(tb[IFLA_LINKINFO], info_attr_cb, info);
		if (info[IFLA_INFO_KIND])
			snprintf(l->kind, sizeof(l->kind), "%s",
				 mnl_attr_get_str(info[IFLA_INFO_KIND]));
	}
}

static int link_get_cb(const struct nlmsghdr *h, void *data)
{
	link_from_msg(h, data);
	return MNL_CB_OK;
}

int nl_link_get(struct nl *nl, const char *name, int index, struct nl_link *ret,
		struct pea_error **err)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(h);
	struct nl_link l = { 0 };
	int r;

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	if (name)
		mnl_attr_put_strz(h, IFLA_IFNAME, name);
	mnl_attr_put_u32(h, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nl_talk(nl, h, link_get_cb, &l);
	if (r == -ENODEV || (r == 0 && l.index == 0))
		return pea_error_code(err, ENODEV, "interface '%s'", name ? name : "?");
	if (r < 0)
		return pea_error_code(err, -r, "get interface '%s'", name ? name : "?");
	*ret = l;
	return 0;
}

struct count_ctx {
	int master;
	size_t count;
};

static int count_cb(const struct nlmsghdr *h, void *data)
{
	struct count_ctx *c = data;
	struct nl_link l;

	link_from_msg(h, &l);
	if (l.master == c->master)
		c->count++;
	return MNL_CB_OK;
}

int nl_count_ports(struct nl *nl, int master, size_t *ret, struct pea_error **err)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_GETLINK, NLM_F_DUMP, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(h);
	struct count_ctx c = { .master = master };
	int r;

	ifm->ifi_family = AF_UNSPEC;
	/* The kernel filters the dump by master itself. */
	mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
	mnl_attr_put_u32(h, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nl_talk(nl, h, count_cb, &c);
	if (r < 0)
		return pea_error_code(err, -r, "list interfaces");
	*ret = c.count;
	return 0;
}

static int nl_ack(struct nl *nl, struct nlmsghdr *h)
{
	h->nlmsg_flags |= NLM_F_ACK;
	return nl_talk(nl, h, NULL, NULL);
}

int nl_link_add_bridge(struct nl *nl, const char *name, unsigned int mtu, bool vlan_filtering,
		       struct pea_error **err)
{
	struct nlmsghdr *h =
		nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	struct nlattr *info, *data;
	uint8_t mac[6];
	int r;

	/*
	 * A MAC of its own: without one a bridge takes the lowest MAC of its
	 * ports and changes it when that port goes, which leaves stale ARP
	 * entries in the other containers.
	 */
	if (getrandom(mac, sizeof(mac), 0) != sizeof(mac))
		return pea_error_errno(err, "getrandom");
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	mnl_attr_put(h, IFLA_ADDRESS, sizeof(mac), mac);
	if (mtu)
		mnl_attr_put_u32(h, IFLA_MTU, mtu);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
	if (vlan_filtering) {
		data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
		mnl_attr_put_u8(h, IFLA_BR_VLAN_FILTERING, 1);
		mnl_attr_nest_end(h, data);
	}
	mnl_attr_nest_end(h, info);
	r = nl_ack(nl, h);
	if (r < 0)
		return pea_error_code(err, -r, "create bridge '%s'", name);
	return 0;
}

int nl_link_add_veth(struct nl *nl, const char *template, const char *peer_name, int peer_nsfd,
		     unsigned int mtu, const uint8_t *peer_mac, struct pea_error **err)
{
	struct nlmsghdr *h =
		nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	struct nlattr *info, *data, *peer;
	struct ifinfomsg *pifm;
	int r;

	mnl_attr_put_strz(h, IFLA_IFNAME, template);
	if (mtu)
		mnl_attr_put_u32(h, IFLA_MTU, mtu);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
	pifm = mnl_nlmsg_put_extra_header(h, sizeof(struct ifinfomsg));
	pifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, peer_name);
	mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)peer_nsfd);
	if (mtu)
		mnl_attr_put_u32(h, IFLA_MTU, mtu);
	if (peer_mac)
		mnl_attr_put(h, IFLA_ADDRESS, 6, peer_mac);
	mnl_attr_nest_end(h, peer);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	r = nl_ack(nl, h);
	if (r < 0)
		return pea_error_code(err, -r, "create veth pair for '%s'", peer_name);
	return 0;
}

int nl_link_add_macvlan(struct nl *nl, const char *name, int parent, int nsfd, uint32_t mode,
			unsigned int mtu, const uint8_t *mac, struct pea_error **err)
{
	struct nlmsghdr *h =
		nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	struct nlattr *info, *data;
	int r;

	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	mnl_attr_put_u32(h, IFLA_LINK, (uint32_t)parent);
	mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)nsfd);
	if (mtu)
		mnl_attr_put_u32(h, IFLA_MTU, mtu);
	if (mac)
		mnl_attr_put(h, IFLA_ADDRESS, 6, mac);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "macvlan");
	data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	mnl_attr_put_u32(h, IFLA_MACVLAN_MODE, mode);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	r = nl_ack(nl, h);
	if (r < 0)
		return pea_error_code(err, -r, "create macvlan interface '%s'", name);
	return 0;
}

int nl_link_set(struct nl *nl, int index, bool up, int master, unsigned int mtu,
		struct pea_error **err)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(h);
	int r;

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	if (up) {
		ifm->ifi_flags = IFF_UP;
		ifm->ifi_change = IFF_UP;
	}
	if (master >= 0)
		mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
	if (mtu)
		mnl_attr_put_u32(h, IFLA_MTU, mtu);
	r = nl_ack(nl, h);
	if (r < 0)
		return pea_error_code(err, -r, "configure interface %d", index);
	return 0;
}

int nl_link_del(struct nl *nl, int index, struct pea_error **err)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(h);
	int r;

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	r = nl_ack(nl, h);
	if (r < 0 && r != -ENODEV)
		return pea_error_code(err, -r, "delete interface %d", index);
	return 0;
}

/* ---- addresses and routes ------------------------------------------------------ */

int nl_addr_add(struct nl *nl, int index, const struct ipnet *addr, struct pea_error **err)
{
	struct nlmsghdr *h =
		nl_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	size_t len = ipnet_addr_len(addr);
	char b[64];
	int r;

	ifa->ifa_family = (uint8_t)addr->family;
	ifa->ifa_prefixlen = (uint8_t)addr->prefix;
	ifa->ifa_index = (uint32_t)index;
	ifa->ifa_flags = IFA_F_NODAD;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(h, IFA_LOCAL, len, addr->addr);
	mnl_attr_put(h, IFA_ADDRESS, len, addr->addr);
	if (addr->family == AF_INET && addr->prefix < 31) {
		struct ipnet bc = ipnet_network(addr);
		uint8_t v[4];

		/* Broadcast: the network with every host bit set. */
		for (size_t i = 0; i < 4; i++) {
			unsigned int bit = (unsigned int)i * 8;
			uint8_t mask = bit >= addr->prefix ? 0
				       : addr->prefix - bit >= 8
					       ? 0xff
					       : (uint8_t)(0xff << (8 - (addr->prefix - bit)));
			v[i] = (uint8_t)(bc.addr[i] | (uint8_t)~mask);
		}
		mnl_attr_put(h, IFA_BROADCAST, 4, v);
	}
	mnl_attr_put_u32(h, IFA_FLAGS, IFA_F_NODAD);
	r = nl_ack(nl, h);
	if ((r == -EACCES || r == -EPERM) && addr->family == AF_INET6)
		return pea_error_code(
			err, -r,
			"add address %s (is IPv6 enabled: net.ipv6.conf.all.disable_ipv6?)",
			ipnet_str(addr, b, sizeof(b)));
	if (r < 0 && r != -EEXIST)
		return pea_error_code(err, -r, "add address %s", ipnet_str(addr, b, sizeof(b)));
	return 0;
}

/*
 * ip route add|del DEST [via GW] [dev INDEX] [type TYPE] metric METRIC (index 0 and gw
 * NULL: none) in the main table. Adding a route that is there, or deleting one that
 * is not, is no error.
 */
static int route_change(struct nl *nl, bool add, int index, const struct ipnet *dest,
			const struct ipnet *gw, unsigned char type, uint32_t metric,
			struct pea_error **err)
{
	struct nlmsghdr *h = nl_msg(nl, add ? RTM_NEWROUTE : RTM_DELROUTE, add ? NLM_F_CREATE : 0,
				    sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
	struct ipnet d = ipnet_network(dest);
	char b[64];
	int r;

	rtm->rtm_family = (uint8_t)dest->family;
	rtm->rtm_dst_len = (uint8_t)dest->prefix;
	rtm->rtm_table = RT_TABLE_MAIN;
	if (add) {
		rtm->rtm_protocol = RTPROT_STATIC;
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
		rtm->rtm_type = type;
	} else {
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	}
	if (dest->prefix > 0)
		mnl_attr_put(h, RTA_DST, ipnet_addr_len(dest), d.addr);
	if (gw)
		mnl_attr_put(h, RTA_GATEWAY, ipnet_addr_len(gw), gw->addr);
	if (index > 0)
		mnl_attr_put_u32(h, RTA_OIF, (uint32_t)index);
	mnl_attr_put_u32(h, RTA_PRIORITY, metric);
	r = nl_ack(nl, h);
	if (add && r < 0 && r != -EEXIST)
		return pea_error_code(err, -r, "add route to %s", ipnet_str(dest, b, sizeof(b)));
	if (!add && r < 0 && r != -ESRCH && r != -ENOENT)
		return pea_error_code(err, -r, "delete route to %s", ipnet_str(dest, b, sizeof(b)));
	return 0;
}

int nl_route_add(struct nl *nl, int index, const struct ipnet *dest, const struct ipnet *gw,
		 uint32_t metric, struct pea_error **err)
{
	return route_change(nl, true, index, dest, gw, RTN_UNICAST, metric, err);
}

int nl_route_del(struct nl *nl, const struct ipnet *dest, const struct ipnet *gw, uint32_t metric,
		 struct pea_error **err)
{
	return route_change(nl, false, 0, dest, gw, RTN_UNSPEC, metric, err);
}

/* bridge vlan add|del dev INDEX vid VID [pvid untagged] [self] */
int nl_bridge_vlan(struct nl *nl, int index, bool add, uint16_t vid, bool pvid_untagged, bool self,
		   struct pea_error **err)
{
	struct nlmsghdr *h =
		nl_msg(nl, add ? RTM_SETLINK : RTM_DELLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(h);
	struct bridge_vlan_info vi = { .vid = vid };
	struct nlattr *spec;
	int r;

	ifm->ifi_family = AF_BRIDGE;
	ifm->ifi_index = index;
	if (pvid_untagged)
		vi.flags = BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED;
	spec = mnl_attr_nest_start(h, IFLA_AF_SPEC);
	if (self)
		mnl_attr_put_u16(h, IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
	mnl_attr_put(h, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
	mnl_attr_nest_end(h, spec);
	r = nl_ack(nl, h);
	if (r < 0 && !(r == -ENOENT && !add))
		return pea_error_code(err, -r, "%s vlan %u on interface %d", add ? "add" : "delete",
				      vid, index);
	return 0;
}

/* Hairpin on a bridge port: frames may go back out the port they came in by. */
int nl_bridge_port_hairpin(struct nl *nl, int index, struct pea_error **err)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_SETLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(h);
	struct nlattr *info;
	int r;

	ifm->ifi_family = AF_BRIDGE;
	ifm->ifi_index = index;
	info = mnl_attr_nest_start(h, IFLA_PROTINFO);
	mnl_attr_put_u8(h, IFLA_BRPORT_MODE, 1);
	mnl_attr_nest_end(h, info);
	r = nl_ack(nl, h);
	if (r < 0)
		return pea_error_code(err, -r, "set hairpin mode on interface %d", index);
	return 0;
}

static int route_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, RTA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int default_route_cb(const struct nlmsghdr *h, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	int *oif = data;

	if (rtm->rtm_dst_len != 0 || rtm->rtm_table != RT_TABLE_MAIN || *oif)
		return MNL_CB_OK;
	mnl_attr_parse(h, sizeof(*rtm), route_attr_cb, tb);
	if (tb[RTA_OIF])
		*oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	return MNL_CB_OK;
}

int nl_default_route_oif(struct nl *nl, int family, int *ret, struct pea_error **err)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_GETROUTE, NLM_F_DUMP, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
	int oif = 0, r;

	rtm->rtm_family = (uint8_t)family;
	r = nl_talk(nl, h, default_route_cb, &oif);
	if (r < 0)
		return pea_error_code(err, -r, "list routes");
	if (!oif)
		return pea_error_new(err, ENOENT, "no default route");
	*ret = oif;
	return 0;
}

int nl_route_add_type(struct nl *nl, const struct ipnet *dest, unsigned char type, uint32_t metric,
		      struct pea_error **err)
{
	return route_change(nl, true, 0, dest, NULL, type, metric, err);
}
