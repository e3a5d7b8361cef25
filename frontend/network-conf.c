/*
 * containers.conf keys of networks (network.h): [network] default_network,
 * default_subnet, default_subnet_pools, network_config_dir, dns_bind_port,
 * firewall_driver; [containers] netns, base_hosts_file,
 * host_containers_internal_ip, dns_servers, dns_searches, dns_options.
 * Read from the same files as the rest of containers.conf, later ones winning.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/toml.h"
#include "lib/xalloc.h"
#include "frontend/config.h"
#include "frontend/frontend.h"
#include "frontend/network.h"

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? xstrdup(v) : NULL;
}

static void set_strv(char ***dst, char **v)
{
	pea_strv_free(*dst);
	*dst = v;
}

void net_config_clear(struct net_config *c)
{
	free(c->default_network);
	free(c->default_subnet);
	json_object_put(c->subnet_pools);
	free(c->network_config_dir);
	free(c->firewall_driver);
	free(c->netns);
	free(c->base_hosts_file);
	free(c->host_containers_internal_ip);
	pea_strv_free(c->dns_servers);
	pea_strv_free(c->dns_searches);
	pea_strv_free(c->dns_options);
	memset(c, 0, sizeof(*c));
}

static int bad(struct pea_error **err, const char *what, const char *key, const char *why,
	       const char *v)
{
	return pea_error_new(err, EINVAL, "%s: '%s': %s '%s'", what, key, why, v);
}

/* [network] default_subnet_pools: [{base = "10.89.0.0/16", size = 24}, ...] */
static int read_pools(struct net_config *c, struct json_object *net, const char *what,
		      struct pea_error **err)
{
	struct json_object *pools = NULL;
	_cleanup_json_ struct json_object *out = json_object_new_array();

	if (pea_json_get_array_opt(net, "network", "default_subnet_pools", &pools, err) < 0)
		return pea_error_wrap(err, "%s", what);
	if (!pools)
		return 0;
	for (size_t i = 0; i < json_object_array_length(pools); i++) {
		_cleanup_free_ char *p = xasprintf("network.default_subnet_pools[%zu]", i);
		struct json_object *e = json_object_array_get_idx(pools, i), *o;
		const char *base = NULL;
		int64_t size = 0;
		struct fe_ip ip;

		if (pea_json_expect_object(e, p, err) < 0 ||
		    pea_json_get_string_req(e, p, "base", &base, err) < 0 ||
		    pea_json_get_int64_req(e, p, "size", &size, err) < 0)
			return pea_error_wrap(err, "%s", what);
		if (fe_ip_parse(base, true, &ip) < 0)
			return bad(err, what, p, "invalid base subnet", base);
		if (size < (int64_t)ip.prefix || size > (ip.family == AF_INET ? 32 : 128))
			return pea_error_new(err, EINVAL, "%s: '%s': size %lld does not fit in %s",
					     what, p, (long long)size, base);
		o = json_object_new_object();
		json_object_object_add(o, "base", json_object_new_string(base));
		json_object_object_add(o, "size", json_object_new_int((int)size));
		json_object_array_add(out, o);
	}
	json_object_put(c->subnet_pools);
	c->subnet_pools = TAKE_PTR(out);
	return 0;
}

static int read_network(struct net_config *c, struct json_object *net, const char *what,
			struct pea_error **err)
{
	const char *name = NULL, *subnet = NULL, *dir = NULL, *fw = NULL;
	int64_t port = -1;
	struct fe_ip ip;

	if (pea_json_get_string_opt(net, "network", "default_network", &name, err) < 0 ||
	    pea_json_get_string_opt(net, "network", "default_subnet", &subnet, err) < 0 ||
	    pea_json_get_string_opt(net, "network", "network_config_dir", &dir, err) < 0 ||
	    pea_json_get_string_opt(net, "network", "firewall_driver", &fw, err) < 0 ||
	    pea_json_get_int64_opt(net, "network", "dns_bind_port", &port, err) < 0)
		return pea_error_wrap(err, "%s", what);
	if (name && !network_name_valid(name))
		return bad(err, what, "network.default_network", "invalid network name", name);
	if (subnet && fe_ip_parse(subnet, true, &ip) < 0)
		return bad(err, what, "network.default_subnet", "invalid subnet", subnet);
	if (port != -1 && (port < 0 || port > 65535))
		return pea_error_new(err, EINVAL, "%s: 'network.dns_bind_port': %lld is not a port",
				     what, (long long)port);
	if (name)
		set_str(&c->default_network, name);
	if (subnet)
		set_str(&c->default_subnet, subnet);
	if (dir && *dir)
		set_str(&c->network_config_dir, dir);
	if (fw && *fw)
		set_str(&c->firewall_driver, fw);
	if (port != -1)
		c->dns_bind_port = (unsigned int)port;
	return read_pools(c, net, what, err);
}

static bool netns_valid(const char *v)
{
	return strcmp(v, "bridge") == 0 || strcmp(v, "private") == 0 || strcmp(v, "none") == 0 ||
	       strcmp(v, "host") == 0 || strcmp(v, "slirp4netns") == 0 || strcmp(v, "pasta") == 0 ||
	       (strncmp(v, "ns:", 3) == 0 && v[3]);
}

static int read_containers(struct net_config *c, struct json_object *ctr, const char *what,
			   struct pea_error **err)
{
	const char *netns = NULL, *base = NULL, *hip = NULL;
	_cleanup_strv_ char **servers = NULL, **searches = NULL, **options = NULL;
	struct fe_ip ip;

	if (pea_json_get_string_opt(ctr, "containers", "netns", &netns, err) < 0 ||
	    pea_json_get_string_opt(ctr, "containers", "base_hosts_file", &base, err) < 0 ||
	    pea_json_get_string_opt(ctr, "containers", "host_containers_internal_ip", &hip, err) <
		    0 ||
	    pea_json_get_strv_opt(ctr, "containers", "dns_servers", &servers, err) < 0 ||
	    pea_json_get_strv_opt(ctr, "containers", "dns_searches", &searches, err) < 0 ||
	    pea_json_get_strv_opt(ctr, "containers", "dns_options", &options, err) < 0)
		return pea_error_wrap(err, "%s", what);
	if (netns && *netns && !netns_valid(netns))
		return bad(err, what, "containers.netns", "invalid network mode", netns);
	if (base && *base && *base != '/' && strcmp(base, "none") != 0 &&
	    strcmp(base, "image") != 0)
		return pea_error_new(err, EINVAL,
				     "%s: 'containers.base_hosts_file': '%s' is not an absolute "
				     "path, image or none",
				     what, base);
	if (hip && *hip && strcmp(hip, "none") != 0 && fe_ip_parse(hip, false, &ip) < 0)
		return bad(err, what, "containers.host_containers_internal_ip",
			   "invalid IP address", hip);
	for (size_t i = 0; servers && servers[i]; i++)
		if (fe_ip_parse(servers[i], false, &ip) < 0)
			return bad(err, what, "containers.dns_servers", "invalid IP address",
				   servers[i]);
	if (netns && *netns)
		set_str(&c->netns, netns);
	if (base)
		set_str(&c->base_hosts_file, *base ? base : NULL);
	if (hip)
		set_str(&c->host_containers_internal_ip, *hip ? hip : NULL);
	if (servers)
		set_strv(&c->dns_servers, TAKE_PTR(servers));
	if (searches)
		set_strv(&c->dns_searches, TAKE_PTR(searches));
	if (options)
		set_strv(&c->dns_options, TAKE_PTR(options));
	return 0;
}

int net_config_parse(struct net_config *c, const char *text, size_t len, const char *what,
		     struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	struct json_object *net = NULL, *ctr = NULL;

	if (config_toml_parse(text, len, what, &doc, err) < 0)
		return -1;
	if (!doc)
		return 0;
	if (pea_json_get_object_opt(doc, "", "network", &net, err) < 0 ||
	    pea_json_get_object_opt(doc, "", "containers", &ctr, err) < 0)
		return pea_error_wrap(err, "%s", what);
	if (net && read_network(c, net, what, err) < 0)
		return -1;
	return ctr ? read_containers(c, ctr, what, err) : 0;
}

static int load(const struct global_options *g, struct net_config *c, struct pea_error **err)
{
	_cleanup_strv_ char **paths = containers_conf_paths(g);

	for (size_t i = 0; paths && paths[i]; i++) {
		_cleanup_free_ char *buf = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		size_t len;

		if (pea_read_file_at(AT_FDCWD, paths[i], PEA_TOML_MAX_SIZE, &buf, &len, &e) < 0) {
			if (e->code == ENOENT)
				continue;
			*err = TAKE_PTR(e);
			return pea_error_wrap(err, "containers.conf");
		}
		if (net_config_parse(c, buf, len, paths[i], err) < 0)
			return pea_error_wrap(err, "containers.conf");
	}
	if (!c->default_network)
		c->default_network = xstrdup(NETWORK_DEFAULT_NAME);
	if (!c->default_subnet)
		c->default_subnet = xstrdup("10.88.0.0/16");
	return 0;
}

const struct net_config *net_config_get(const struct global_options *g, struct pea_error **err)
{
	static struct net_config conf;
	static bool loaded;

	if (!loaded) {
		net_config_clear(&conf);
		if (load(g, &conf, err) < 0) {
			net_config_clear(&conf);
			return NULL;
		}
		loaded = true;
	}
	return &conf;
}

const char *network_default_name(const struct global_options *g)
{
	const struct net_config *c = net_config_get(g, NULL);

	return c ? c->default_network : NETWORK_DEFAULT_NAME;
}

int network_defaults(const struct global_options *g, char **mode, struct json_object **networks,
		     struct pea_error **err)
{
	const struct net_config *c = net_config_get(g, err);
	struct json_object *per = NULL;
	const char *want;

	if (!c)
		return -1;
	/* --network bridge names the default network */
	if (*networks && json_object_object_get_ex(*networks, "bridge", &per) &&
	    strcmp(c->default_network, "bridge") != 0) {
		json_object_get(per);
		json_object_object_del(*networks, "bridge");
		if (json_object_object_get_ex(*networks, c->default_network, NULL)) {
			json_object_put(per);
			return pea_error_new(err, EINVAL, "network %s named twice (bridge is it)",
					     c->default_network);
		}
		json_object_object_add(*networks, c->default_network, per);
	}
	if (*mode || *networks)
		return 0;
	/* podman's default: the bridge network as root, pasta rootless */
	want = c->netns ? c->netns : "private";
	/* rootless: private is pasta, as podman's (bridge networks need root) */
	if (strcmp(want, "private") == 0)
		want = g->rootless ? "pasta" : "bridge";
	if (strcmp(want, "bridge") == 0 && g->rootless)
		want = "pasta";
	if (strcmp(want, "bridge") == 0) {
		*networks = json_object_new_object();
		json_object_object_add(*networks, c->default_network, json_object_new_object());
	}
	*mode = xstrdup(want);
	return 0;
}
