#pragma once

/*
 * aardvark-dns's configuration directory: one file per network, named after
 * the network ("NAME%int" for an internal one). The first line lists the
 * addresses to listen on and, after a space, the network's DNS servers:
 *
 *	10.89.0.1,fd00::1 1.1.1.1,8.8.8.8
 *
 * then one line per container, fields separated by one space:
 *
 *	ID IPV4[,IPV4…] IPV6[,IPV6…] NAME[,ALIAS…] [DNS[,DNS…]]
 *
 * where either address list may be empty. netavark writes these files and
 * sends SIGHUP; "aardvark.pid" in the same directory is ours.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pea_error;

#define DNSD_PID_FILE	     "aardvark.pid"
#define DNSD_INTERNAL_SUFFIX "%int"
#define DNSD_CONFIG_MAX_SIZE (8u << 20)

/* An IPv4 or IPv6 address, comparable with memcmp (zero-padded). */
struct dnsd_ip {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
};

struct dnsd_container {
	char *id;
	struct dnsd_ip *ips; /* IPv4 ones first */
	size_t n_ips;
	char **names; /* lowercase, NULL-terminated */
	struct dnsd_ip *dns_servers;
	size_t n_dns_servers;
};

/* A name of a network, sorted for bsearch. */
struct dnsd_name {
	const char *name;
	size_t container; /* index in network.containers */
};

struct dnsd_network {
	char *name;
	bool internal;
	struct dnsd_ip *listen;
	size_t n_listen;
	struct dnsd_ip *dns_servers;
	size_t n_dns_servers;
	struct dnsd_container *containers;
	size_t n_containers;
	struct dnsd_name *names;
	size_t n_names;
};

/* Who asks: an address of a container, and every network that container is on. */
struct dnsd_member {
	struct dnsd_ip ip;
	size_t *networks;
	size_t n_networks;
	/* per-container DNS servers of this address (from a non-internal network) */
	const struct dnsd_ip *dns_servers;
	size_t n_dns_servers;
};

struct dnsd_config {
	struct dnsd_network *networks;
	size_t n_networks;
	struct dnsd_member *members; /* sorted by ip */
	size_t n_members;
};

/*
 * Parse one network file from memory. name is the file name (the network,
 * with "%int" for internal ones), what names the file in errors.
 */
int dnsd_network_parse(const char *name, const char *what, const char *buf, size_t len,
		       struct dnsd_network *ret, struct pea_error **err);
void dnsd_network_clear(struct dnsd_network *n);

/*
 * Load every network file of the directory dirfd. With skip_bad, a file
 * that does not parse is logged and left out (a reload); else it fails the
 * load (the first start).
 */
int dnsd_config_load(int dirfd, const char *dir_name, bool skip_bad, struct dnsd_config **ret,
		     struct pea_error **err);
/* Build the lookup tables of a config whose networks are filled in. */
void dnsd_config_index(struct dnsd_config *c);
struct dnsd_config *dnsd_config_free(struct dnsd_config *c);

/* The member for an address, or NULL when no container has it. */
const struct dnsd_member *dnsd_config_find_member(const struct dnsd_config *c,
						  const struct dnsd_ip *ip);
/* The network that listens on ip, or -1. */
ssize_t dnsd_config_find_listener(const struct dnsd_config *c, const struct dnsd_ip *ip);

/* Parse a textual address (either family) into ip. */
bool dnsd_ip_parse(const char *s, struct dnsd_ip *ip);
/* Format into buf (at least 46 bytes). */
const char *dnsd_ip_format(const struct dnsd_ip *ip, char *buf, size_t len);
int dnsd_ip_compare(const struct dnsd_ip *a, const struct dnsd_ip *b);
