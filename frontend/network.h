#pragma once

/*
 * Networks of pea (podman-network(1)): Podman's network JSON files in
 * ROOT/networks/NAME.json, the default network "podman" written on first
 * use, addresses allocated under the records lock, and a container's
 * network namespace set up and torn down through pea-netsetup (netavark's
 * command line and JSON) with pea-dnsd as its DNS server.
 *
 * A container's run folder RUNROOT/containers/ID holds what exists while it
 * runs: the network namespace (a bind mount, "netns"), the options given to
 * pea-netsetup ("netsetup.json", with the host ports picked), its reply
 * ("network-status.json"), and /etc/hosts, /etc/hostname, /etc/resolv.conf.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct pea_error;
struct global_options;
struct ctr_record;
struct run_result;

#define NETWORK_DEFAULT_NAME "podman"

/* ---- addresses (a generic helper: should move to lib/) ------------------- */

struct fe_ip {
	int family; /* AF_INET or AF_INET6 */
	uint8_t a[16];
	unsigned int prefix;
};

/* "10.0.0.2" (with_prefix false) or "10.0.0.0/24"; -EINVAL when malformed. */
int fe_ip_parse(const char *s, bool with_prefix, struct fe_ip *ret);
/* The address alone (buf of at least 64 bytes). */
const char *fe_ip_str(const struct fe_ip *ip, char *buf, size_t size);
bool fe_ip_contains(const struct fe_ip *net, const struct fe_ip *addr);
bool fe_ip_overlaps(const struct fe_ip *a, const struct fe_ip *b);
bool fe_ip_equal(const struct fe_ip *a, const struct fe_ip *b);
/* The network address (host bits cleared); is ip its own network address? */
struct fe_ip fe_ip_network(const struct fe_ip *ip);

/* ---- network files ---------------------------------------------------------- */

/* [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 characters. */
bool network_name_valid(const char *s);
/* ROOT/networks (new string). */
char *network_dir(const struct global_options *g);
/*
 * Check a network file's JSON (name, id, driver, subnets, ...): what outside
 * tools and users may have written. what names it in errors.
 */
int network_check_json(struct json_object *net, const char *what, struct pea_error **err);
/* Every network, sorted by name, the default one included (written when missing). */
int networks_list(const struct global_options *g, struct json_object **ret_array,
		  struct pea_error **err);
/*
 * A network by name, full id or unique id prefix. ENOENT: "unable to find
 * network with name or ID X: network not found". "podman" is written on
 * first use.
 */
int network_load(const struct global_options *g, const char *what, struct json_object **ret,
		 struct pea_error **err);
int network_save(const struct global_options *g, struct json_object *net, struct pea_error **err);
int network_remove_file(const struct global_options *g, const char *name, struct pea_error **err);
/* pea-netsetup completes a new network (subnet, bridge name); *ret is the saved network. */
int network_create(struct global_options *g, struct json_object *net, struct json_object **ret,
		   struct pea_error **err);

/* ---- network-conf.c: containers.conf ------------------------------------------ */

struct net_config {
	char *default_network;		   /* [network] default_network ("podman") */
	char *default_subnet;		   /* default_subnet ("10.88.0.0/16") */
	struct json_object *subnet_pools;  /* default_subnet_pools: [{base, size}], or NULL */
	char *network_config_dir;	   /* NULL: ROOT/networks */
	unsigned int dns_bind_port;	   /* 0: unset (53) */
	char *firewall_driver;		   /* NULL: pea-netsetup's default */
	char *netns;			   /* [containers] netns: the default mode, or NULL */
	char *base_hosts_file;		   /* NULL: pea's default; a path, "image", "none" */
	char *host_containers_internal_ip; /* NULL: the gateway; "none": no entry */
	char **dns_servers, **dns_searches, **dns_options;
};

void net_config_clear(struct net_config *c);
/* One file's keys into c (later files win); bad values named with what. */
int net_config_parse(struct net_config *c, const char *text, size_t len, const char *what,
		     struct pea_error **err);
/* The keys of all containers.conf files, read once per process; NULL on error. */
const struct net_config *net_config_get(const struct global_options *g, struct pea_error **err);
/* [network] default_network, "podman" unless set. */
const char *network_default_name(const struct global_options *g);
/*
 * create/run once their flags are checked: the network "bridge" is the
 * default network; without --network, [containers] netns gives the mode
 * (the default network for bridge and private, as root).
 */
int network_defaults(const struct global_options *g, char **mode, struct json_object **networks,
		     struct pea_error **err);

/* ---- containers --------------------------------------------------------------- */

/* Does the container use this network (name)? */
bool network_used_by(const struct ctr_record *r, const char *name);
/*
 * Under the records lock: give each bridge network of opts ("networks")
 * its addresses: the ones asked for (checked: in the subnet, not the gateway,
 * not taken) or the first free ones of the subnet or its lease range.
 * others are every other container's record.
 */
int network_allocate(const struct global_options *g, struct ctr_record *const *others,
		     size_t n_others, struct json_object *opts, struct pea_error **err);

/* RUNROOT/containers/ID (new string). */
char *network_run_dir(const struct global_options *g, const char *id);
/*
 * A bridge container's namespace: made at RUNROOT/containers/ID/netns, then
 * pea-netsetup setup. *ret_status is its reply (the interfaces). Undone on
 * failure.
 */
int network_setup(const struct global_options *g, const struct ctr_record *r, char **ret_nspath,
		  struct json_object **ret_status, struct pea_error **err);
/*
 * --network container:OTHER (name or id): this container shares the other's /etc/hosts and
 * /etc/resolv.conf, as podman does, with a line "127.0.0.1 HOSTNAME NAME"
 * added for it to the hosts file (taken out by network_teardown). *ret_dir
 * is the folder holding the files to mount (the other's run folder), NULL
 * when the other has none (this container then keeps its own).
 */
int network_share_etc(const struct global_options *g, const struct ctr_record *r, const char *other,
		      const char *hostname, char **ret_dir, struct pea_error **err);
/* pea-netsetup teardown and the namespace gone. Nothing set up is fine. */
int network_teardown(const struct global_options *g, const char *id, struct pea_error **err);
/*
 * The same, but a pea-netsetup that fails leaves the container's options and namespace for a
 * retry (network_teardown's: it undoes what it can and forgets the rest); err is required.
 */
int network_teardown_try(const struct global_options *g, const char *id, struct pea_error **err);
/* The port mappings in effect (netavark's port_mappings), or NULL when not running. */
struct json_object *network_ports(const struct global_options *g, const struct ctr_record *r);
/*
 * The ports to show for r (port, ps): network_ports of the container whose network
 * namespace r joined (network_ns_owner), if it did, as podman's PortMappings.
 */
struct json_object *network_ports_shown(const struct global_options *g, const struct ctr_record *r);
/*
 * The container whose network namespace r uses (--network container:X, a pod's infra; a
 * chain of them followed), as podman's PortMappings follows NetNsCtr; NULL: r's own
 * (or the other is gone). The caller frees it.
 */
struct ctr_record *network_ns_owner(const struct global_options *g, const struct ctr_record *r);

/* ---- ports.c ------------------------------------------------------------------- */

/*
 * -p [ip:][hostPort:]containerPort[/proto] (ranges "8080-8081:80-81", "[::1]:80:80")
 * to netavark's {host_ip, container_port, host_port, range, protocol},
 * appended to the array ports. host_port 0 means a free one picked at start.
 */
int ports_parse(const char *spec, struct json_object *ports, struct pea_error **err);
/* "80/tcp" or "80" of ExposedPorts or --expose (a range too): appended with host_port 0. */
int ports_parse_expose(const char *spec, struct json_object *ports, struct pea_error **err);

/* ---- hosts.c: /etc/hosts, /etc/hostname, /etc/resolv.conf --------------------- */

struct etc_input {
	const char *hostname;
	const char *name; /* the container's name */
	bool host_net;
	char **addresses; /* the container's addresses (first per network) */
	char *gateway;	  /* host.containers.internal, host-gateway */
	char **dns_servers, **dns_search, **dns_options; /* --dns, ... */
	char **net_dns;		/* DNS servers of the networks (pea-dnsd) */
	char **add_hosts;	/* --add-host NAME:IP */
	const char *base_hosts; /* the start of /etc/hosts (base_hosts_file), or NULL */
	char *dns_forward;	/* pasta's --dns-forward, slirp4netns's DNS: first nameserver */
};

/*
 * The three files in dir, from the host's and the container's settings and
 * containers.conf (base_hosts_file: rootfs is the container's root, for
 * "image"; host_containers_internal_ip; dns_servers, dns_searches and
 * dns_options before the container's own).
 */
int etc_files_write(const struct global_options *g, const char *dir, const char *rootfs,
		    const struct etc_input *in, struct pea_error **err);
/* The text of each (exported for the unit test and fuzz target). */
char *etc_hosts_text(const char *host_hosts, const struct etc_input *in);
char *etc_resolv_text(const char *host_resolv, const struct etc_input *in);

/*
 * Podman's edits of a running container's files: its own names ("hostname
 * name") on its addresses added to /etc/hosts or taken out (one line per
 * address; an entry is a line with exactly that address and those names),
 * and a network's DNS servers put first in /etc/resolv.conf or taken out.
 * The files are changed in place (they are bind mounts), under a lock.
 */
char *etc_hosts_edit(const char *text, char *const *ips, char *const *names, bool add);
char *etc_resolv_edit(const char *text, char *const *servers, bool add);
int etc_hosts_update(const char *path, char *const *ips, char *const *names, bool add,
		     struct pea_error **err);
int etc_resolv_update(const char *path, char *const *servers, bool add, struct pea_error **err);
/* Every name of a hosts text (comments aside), each once, in order; NULL if none. */
char **etc_hosts_names(const char *text);

/*
 * A running container joins a network its record now has (pea network
 * connect), leaves one (disconnect), or gets its whole network made again
 * from what was set up (reload, after the firewall rules were flushed). A
 * container without a set-up network is left alone (0).
 */
int network_connect_running(const struct global_options *g, const struct ctr_record *r,
			    const char *name, struct pea_error **err);
int network_disconnect_running(const struct global_options *g, const struct ctr_record *r,
			       const char *name, struct pea_error **err);
int network_reload_running(const struct global_options *g, const struct ctr_record *r,
			   struct pea_error **err);

/*
 * For inspect and ps (their commands should call these): Podman's
 * NetworkSettings of a container from its record's options, what was set up
 * (netsetup.json) and pea-netsetup's reply (network-status.json), either
 * NULL when not running; and the PORTS column ("0.0.0.0:8080->80/tcp, ...").
 */
struct json_object *network_settings_json(struct json_object *opts, struct json_object *setup,
					  struct json_object *status, const char *nspath);
struct json_object *network_inspect_settings(const struct global_options *g,
					     const struct ctr_record *r);
char *network_ports_summary(struct json_object *ports);
/* A record's "ports" as podman's PortBindings: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}. */
struct json_object *network_port_bindings(struct json_object *ports);

/* ---- rootless-net.c: networks of rootless pea ----------------------------------- */

/* --network slirp4netns[:OPT=VALUE,...] (podman's options). */
bool rootless_net_is_slirp(const char *mode);
/* A slirp4netns mode's options checked (create and run); other modes are fine. */
int rootless_net_check_mode(const char *mode, struct pea_error **err);
/* The nameserver of pasta's --dns-forward or slirp4netns's DNS for a mode; NULL: none. */
char *rootless_net_dns(const char *mode);
/* slirp4netns: the container's address (its tap0's) and host.containers.internal, as podman's. */
void rootless_net_etc_input(const char *mode, struct etc_input *in);
/* A new network namespace bound at path (made by a child: pea stays in its own). */
int rootless_netns_make(const char *path, struct pea_error **err);
/*
 * The rootless network namespace of bridge networks (RUNROOT/rootless-netns):
 * its lock (held around setups and teardowns), made with its slirp4netns
 * when missing, taken down when no container's network is set up any more.
 */
int rootless_netns_lock(const struct global_options *g, int *ret_fd, struct pea_error **err);
int rootless_netns_ensure(const struct global_options *g, char **ret_path, struct pea_error **err);
void rootless_netns_gc(const struct global_options *g);
/* argv run in the rootless network namespace (pea-netsetup), as frontend_run_capture. */
int rootless_netns_capture(const struct global_options *g, char *const *argv, int in_fd,
			   struct run_result *ret, struct pea_error **err);
/* The container's published ports forwarded from the host to the rootless namespace. */
int rootless_netns_forward(const struct global_options *g, const char *id,
			   struct json_object *ports, struct pea_error **err);
