#pragma once

/*
 * pea-netsetup: netavark's job (container networks) as a small C tool.
 * The options JSON and the status reply are netavark's, byte for byte in
 * shape; see docs/pea-netsetup.1.md.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct pea_error;

#define NETSETUP_VERSION    "1.4.0"
#define NETSETUP_MAX_INPUT  (4u << 20)
#define NETSETUP_DNS_DOMAIN "dns.podman"

enum firewall_driver {
	FIREWALL_NFTABLES,
	FIREWALL_NONE,
};

struct global_options {
	const char *config_dir;	     /* --config: aardvark files live in DIR/aardvark-dns */
	bool rootless;		     /* --rootless */
	const char *aardvark_binary; /* --aardvark-binary */
	enum firewall_driver firewall;
	const char *file;  /* --file, NULL or "-" for stdin */
	uint16_t dns_port; /* NETAVARK_DNS_PORT, 53 by default */
};

/* ---- ipnet.c: addresses and prefixes ----------------------------------- */

struct ipnet {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned int prefix;
};

/* "10.0.0.2" (full-length prefix) or "10.0.0.0/24" when with_prefix. */
int ipnet_parse(const char *s, bool with_prefix, struct ipnet *ret, struct pea_error **err);
/* Format as "addr" or "addr/prefix" into buf (at least 64 bytes). */
const char *ipnet_addr_str(const struct ipnet *n, char *buf, size_t size);
const char *ipnet_str(const struct ipnet *n, char *buf, size_t size);
size_t ipnet_addr_len(const struct ipnet *n);
/* The network address (host bits cleared). */
struct ipnet ipnet_network(const struct ipnet *n);
bool ipnet_contains(const struct ipnet *net, const struct ipnet *addr);
bool ipnet_overlaps(const struct ipnet *a, const struct ipnet *b);
bool ipnet_equal_addr(const struct ipnet *a, const struct ipnet *b);
/* Add delta to the address (host order arithmetic on the low 64 bits). */
struct ipnet ipnet_add(const struct ipnet *n, uint64_t delta);

/* ---- options.c: netavark's network and options JSON --------------------- */

struct net_subnet {
	struct ipnet subnet;
	bool has_gateway;
	struct ipnet gateway;
};

struct net_route {
	struct ipnet destination;
	struct ipnet gateway; /* unicast routes only */
	bool has_metric;
	uint32_t metric;
	unsigned char type; /* RTN_UNICAST, RTN_BLACKHOLE, RTN_UNREACHABLE, RTN_PROHIBIT */
};

enum {
	ISOLATE_NONE,
	ISOLATE_TRUE,	/* no traffic with the other isolated networks */
	ISOLATE_STRICT, /* no traffic with any other network */
};

struct network {
	char *name;
	char *id;
	char *driver;		 /* "bridge", "macvlan" */
	char *network_interface; /* bridge name, or macvlan parent */
	bool dns_enabled;
	bool internal;
	bool ipv6_enabled;
	char *ipam_driver; /* "host-local" (default), "none", "dhcp" */
	struct net_subnet *subnets;
	size_t n_subnets;
	struct net_route *routes;
	size_t n_routes;
	char **network_dns_servers;
	/* options */
	uint32_t mtu; /* 0: kernel default */
	int isolate;  /* ISOLATE_* */
	bool no_default_route;
	uint32_t metric; /* default route metric, 100 */
	char *mode;	 /* macvlan mode */
	int vlan;	 /* bridge VLAN id, 0: none */
};

struct per_network {
	char *interface_name;
	char **aliases;
	struct ipnet *static_ips;
	size_t n_static_ips;
	bool has_mac;
	uint8_t mac[6];
};

enum {
	PROTO_TCP = 1 << 0,
	PROTO_UDP = 1 << 1,
	PROTO_SCTP = 1 << 2,
};

struct port_mapping {
	uint16_t container_port;
	uint16_t host_port;
	uint16_t range;
	unsigned int protocols; /* PROTO_* */
	bool has_host_ip;
	struct ipnet host_ip;
};

struct attachment {
	char *key; /* network name, the key of both maps */
	struct network net;
	struct per_network opts;
};

struct net_options {
	char *container_id;
	char *container_name;
	struct attachment *attachments;
	size_t n_attachments;
	struct port_mapping *ports;
	size_t n_ports;
	char **dns_servers;
};

/* Parse and validate the options JSON (text of len bytes). */
int net_options_parse(const char *buf, size_t len, struct net_options **ret,
		      struct pea_error **err);
struct net_options *net_options_free(struct net_options *o);
/* Parse one network object (as in network_info, or `create`'s input). */
int network_from_json(struct json_object *obj, const char *path, struct network *ret,
		      struct pea_error **err);
void network_clear(struct network *n);
/* Is s a MAC "aa:bb:cc:dd:ee:ff"? */
int mac_parse(const char *s, uint8_t mac[6]);
bool network_has_ipv6(const struct network *n);

/* ---- nl.c: rtnetlink through libmnl ------------------------------------- */

struct nl;

struct nl_link {
	int index;
	int master; /* 0: none */
	int link;   /* peer index for veth (in the peer's namespace) */
	unsigned int mtu;
	unsigned int flags;
	uint8_t mac[6];
	char name[16];
	char kind[16];
};

/* A netlink socket in the current network namespace, or in nsfd's. */
int nl_open(int nsfd, struct nl **ret, struct pea_error **err);
struct nl *nl_close(struct nl *nl);
/* -ENODEV (with *err) when there is no such link. */
int nl_link_get(struct nl *nl, const char *name, int index, struct nl_link *ret,
		struct pea_error **err);
int nl_link_add_bridge(struct nl *nl, const char *name, unsigned int mtu, bool vlan_filtering,
		       struct pea_error **err);
/*
 * A veth pair: the host end named from template ("veth%d" lets the kernel
 * pick) in this socket's namespace, the peer named peer_name in the
 * namespace of peer_nsfd, with peer_mac when not NULL.
 */
int nl_link_add_veth(struct nl *nl, const char *template, const char *peer_name, int peer_nsfd,
		     unsigned int mtu, const uint8_t *peer_mac, struct pea_error **err);
int nl_link_add_macvlan(struct nl *nl, const char *name, int parent, int nsfd, uint32_t mode,
			unsigned int mtu, const uint8_t *mac, struct pea_error **err);
/* master: -1 unchanged, 0 none; mtu 0 unchanged. */
int nl_link_set(struct nl *nl, int index, bool up, int master, unsigned int mtu,
		struct pea_error **err);
int nl_link_del(struct nl *nl, int index, struct pea_error **err);
/* Add an address (EEXIST is fine), without duplicate address detection. */
int nl_addr_add(struct nl *nl, int index, const struct ipnet *addr, struct pea_error **err);
/* index 0: the kernel picks the interface that reaches gw. */
int nl_route_add(struct nl *nl, int index, const struct ipnet *dest, const struct ipnet *gw,
		 uint32_t metric, struct pea_error **err);
/* A route of type RTN_BLACKHOLE, RTN_UNREACHABLE or RTN_PROHIBIT (no gateway, no interface). */
int nl_route_add_type(struct nl *nl, const struct ipnet *dest, unsigned char type, uint32_t metric,
		      struct pea_error **err);
/* A missing route is fine; gw NULL for the typed routes. */
int nl_route_del(struct nl *nl, const struct ipnet *dest, const struct ipnet *gw, uint32_t metric,
		 struct pea_error **err);
/* bridge vlan add|del dev INDEX vid VID [pvid untagged] [self]. */
int nl_bridge_vlan(struct nl *nl, int index, bool add, uint16_t vid, bool pvid_untagged, bool self,
		   struct pea_error **err);
/* The interface of the default route of family in the main table. */
int nl_default_route_oif(struct nl *nl, int family, int *ret, struct pea_error **err);
/* Hairpin mode on a bridge port. */
int nl_bridge_port_hairpin(struct nl *nl, int index, struct pea_error **err);
/* How many links have master as their master. */
int nl_count_ports(struct nl *nl, int master, size_t *ret, struct pea_error **err);

/* ---- sysctl.c ------------------------------------------------------------ */

/* Write value to /proc/sys/<path> unless it already reads so. */
int sysctl_set(const char *path, const char *value, struct pea_error **err);
/* The same, written in the network namespace nsfd (entered and left again). */
int sysctl_set_in(int nsfd, const char *path, const char *value, struct pea_error **err);

/* ---- firewall.c: nftables through libnftables' JSON API ----------------- */

#define FIREWALL_TABLE "pea"

struct firewall;
int firewall_open(enum firewall_driver driver, struct firewall **ret, struct pea_error **err);
struct firewall *firewall_close(struct firewall *fw);
/*
 * The rules of a network (masquerade, forwarding, isolation, DNS port;
 * idempotent) and the port forwards of a container to its addresses on it.
 * dns_port != 53: DNS to the gateways goes to that port (NETAVARK_DNS_PORT).
 */
int firewall_setup(struct firewall *fw, const struct net_options *o, const struct attachment *a,
		   const char *bridge, uint16_t dns_port, const struct ipnet *addrs, size_t n_addrs,
		   struct pea_error **err);
int firewall_del_network(struct firewall *fw, const struct network *net, struct pea_error **err);
/* Every rule that carries the container's id. */
int firewall_del_container(struct firewall *fw, const char *container_id, struct pea_error **err);

/* ---- driver.c: bridge and macvlan ---------------------------------------- */

struct link_result {
	uint8_t mac[6];
	struct ipnet addrs[8];
	struct ipnet gateways[8];
	bool has_gateway[8];
	size_t n_addrs;
	/* what this run made, for undoing exactly that when a later step fails */
	bool created_bridge;
	bool created_link;
	bool added_rules;
};

struct netns_ctx {
	int host_nsfd;
	int ctr_nsfd;
	struct nl *host;
	struct nl *ctr;
};

int driver_setup(struct netns_ctx *ns, const struct global_options *g, const struct net_options *o,
		 const struct attachment *a, struct firewall *fw, struct link_result *ret,
		 struct pea_error **err);
/* Undo what a failed driver_setup made (as recorded in r), and nothing else. */
int driver_undo(struct netns_ctx *ns, const struct net_options *o, const struct attachment *a,
		struct firewall *fw, const struct link_result *r, struct pea_error **err);
/* Undo setup; copes with half-made state and with nothing at all. */
int driver_teardown(struct netns_ctx *ns, const struct net_options *o, const struct attachment *a,
		    struct firewall *fw, struct pea_error **err);

/* ---- dns.c: aardvark-dns config files and the server -------------------- */

int dns_add(const struct global_options *g, const struct net_options *o, const struct attachment *a,
	    const struct link_result *r, struct pea_error **err);
/* Remove the container from every dns_enabled network's file; signal or stop the server. */
int dns_remove(const struct global_options *g, const struct net_options *o, struct pea_error **err);
/* Start the server or make it reload (SIGHUP). */
int dns_commit(const struct global_options *g, struct pea_error **err);

/* ---- input.c ------------------------------------------------------------- */

int netsetup_read_input(const struct global_options *g, char **ret, size_t *ret_len,
			struct pea_error **err);

/* ---- commands ----------------------------------------------------------- */

int cmd_setup(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_teardown(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_create(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_version(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_update(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_forward(const struct global_options *g, int argc, char **argv, struct pea_error **err);
