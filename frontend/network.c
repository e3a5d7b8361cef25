/* Network files, address allocation, and pea-netsetup for containers (network.h). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/frontend.h"
#include "frontend/network.h"
#include "frontend/records.h"
#include "frontend/rootless.h"

#define NETWORK_FILE_MAX (1u << 20)
#define NETWORKS_MAX	 4096
#define ALLOC_MAX_TRIES	 (1u << 20)
#define DEFAULT_ID	 "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9"

/* ---- addresses ---------------------------------------------------------------- */

int fe_ip_parse(const char *s, bool with_prefix, struct fe_ip *ret)
{
	_cleanup_free_ char *addr = NULL;
	const char *slash = strchr(s, '/');
	struct fe_ip ip = { 0 };
	unsigned long p;
	char *end = NULL;

	if ((slash != NULL) != with_prefix)
		return -EINVAL;
	addr = slash ? xstrndup(s, (size_t)(slash - s)) : xstrdup(s);
	if (inet_pton(AF_INET, addr, ip.a) == 1)
		ip.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, ip.a) == 1)
		ip.family = AF_INET6;
	else
		return -EINVAL;
	ip.prefix = ip.family == AF_INET ? 32 : 128;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		p = strtoul(slash + 1, &end, 10);
		if (errno || *end || p > ip.prefix || end - (slash + 1) > 3)
			return -EINVAL;
		ip.prefix = (unsigned int)p;
	}
	*ret = ip;
	return 0;
}

const char *fe_ip_str(const struct fe_ip *ip, char *buf, size_t size)
{
	if (!inet_ntop(ip->family, ip->a, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

static size_t ip_len(const struct fe_ip *ip)
{
	return ip->family == AF_INET ? 4 : 16;
}

struct fe_ip fe_ip_network(const struct fe_ip *ip)
{
	struct fe_ip n = *ip;

	for (size_t i = 0; i < ip_len(ip); i++) {
		unsigned int bit = (unsigned int)i * 8;
		uint8_t mask = 0;

		if (bit + 8 <= ip->prefix)
			mask = 0xff;
		else if (bit < ip->prefix)
			mask = (uint8_t)(0xff << (8 - (ip->prefix - bit)));
		n.a[i] &= mask;
	}
	return n;
}

bool fe_ip_contains(const struct fe_ip *net, const struct fe_ip *addr)
{
	struct fe_ip a = *addr, n;

	if (net->family != addr->family)
		return false;
	a.prefix = net->prefix;
	a = fe_ip_network(&a);
	n = fe_ip_network(net);
	return memcmp(a.a, n.a, ip_len(net)) == 0;
}

bool fe_ip_overlaps(const struct fe_ip *a, const struct fe_ip *b)
{
	return a->prefix <= b->prefix ? fe_ip_contains(a, b) : fe_ip_contains(b, a);
}

bool fe_ip_equal(const struct fe_ip *a, const struct fe_ip *b)
{
	return a->family == b->family && memcmp(a->a, b->a, ip_len(a)) == 0;
}

/* Add delta to the low 64 bits. */
static struct fe_ip ip_add(const struct fe_ip *ip, uint64_t delta)
{
	struct fe_ip r = *ip;
	size_t len = ip_len(ip);
	uint64_t carry = delta;

	for (size_t i = len; i-- > 0 && carry;) {
		uint64_t v = r.a[i] + (carry & 0xff);
		r.a[i] = (uint8_t)v;
		carry = (carry >> 8) + (v >> 8);
	}
	return r;
}

/* The last address of the subnet (the v4 broadcast). */
static struct fe_ip ip_last(const struct fe_ip *net)
{
	struct fe_ip r = fe_ip_network(net);

	for (size_t i = 0; i < ip_len(net); i++) {
		unsigned int bit = (unsigned int)i * 8;
		if (bit >= net->prefix)
			r.a[i] = 0xff;
		else if (bit + 8 > net->prefix)
			r.a[i] |= (uint8_t)(0xff >> (net->prefix - bit));
	}
	return r;
}

static int ip_cmp(const struct fe_ip *a, const struct fe_ip *b)
{
	return memcmp(a->a, b->a, ip_len(a));
}

/* ---- network files -------------------------------------------------------------- */

bool network_name_valid(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return strlen(s) < 256;
}

static bool is_hex_id(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

char *network_dir(const struct global_options *g)
{
	const struct net_config *c = net_config_get(g, NULL);

	if (c && c->network_config_dir)
		return xstrdup(c->network_config_dir);
	return xasprintf("%s/networks", g->root);
}

static int check_ip_field(struct json_object *o, const char *path, const char *key,
			  const struct fe_ip *subnet, struct pea_error **err)
{
	const char *s = NULL;
	struct fe_ip ip;
	int r = pea_json_get_string_opt(o, path, key, &s, err);

	if (r <= 0)
		return r;
	if (fe_ip_parse(s, false, &ip) < 0)
		return pea_error_new(err, EINVAL, "'%s.%s': invalid address '%s'", path, key, s);
	if (!fe_ip_contains(subnet, &ip))
		return pea_error_new(err, EINVAL, "'%s.%s': %s is not in the subnet", path, key, s);
	return 0;
}

static int check_subnets(struct json_object *net, const char *what, struct pea_error **err)
{
	struct json_object *subs = NULL;

	if (pea_json_get_array_opt(net, what, "subnets", &subs, err) < 0)
		return -1;
	for (size_t i = 0; subs && i < json_object_array_length(subs); i++) {
		_cleanup_free_ char *p = xasprintf("%s.subnets[%zu]", what, i);
		struct json_object *s = json_object_array_get_idx(subs, i), *lr = NULL;
		const char *sub = NULL;
		struct fe_ip n;

		if (pea_json_expect_object(s, p, err) < 0 ||
		    pea_json_get_string_req(s, p, "subnet", &sub, err) < 0)
			return -1;
		if (fe_ip_parse(sub, true, &n) < 0)
			return pea_error_new(err, EINVAL, "'%s.subnet': invalid subnet '%s'", p,
					     sub);
		if (check_ip_field(s, p, "gateway", &n, err) < 0 ||
		    pea_json_get_object_opt(s, p, "lease_range", &lr, err) < 0)
			return -1;
		if (lr) {
			_cleanup_free_ char *lp = xasprintf("%s.lease_range", p);
			if (check_ip_field(lr, lp, "start_ip", &n, err) < 0 ||
			    check_ip_field(lr, lp, "end_ip", &n, err) < 0)
				return -1;
		}
	}
	return 0;
}

int network_check_json(struct json_object *net, const char *what, struct pea_error **err)
{
	const char *name = NULL, *id = NULL, *driver = NULL, *s = NULL;
	struct json_object *o = NULL;
	bool b;

	if (pea_json_expect_object(net, what, err) < 0 ||
	    pea_json_get_string_req(net, what, "name", &name, err) < 0 ||
	    pea_json_get_string_req(net, what, "id", &id, err) < 0 ||
	    pea_json_get_string_req(net, what, "driver", &driver, err) < 0 ||
	    pea_json_get_string_opt(net, what, "network_interface", &s, err) < 0 ||
	    pea_json_get_string_opt(net, what, "created", &s, err) < 0 ||
	    pea_json_get_bool_opt(net, what, "ipv6_enabled", &b, err) < 0 ||
	    pea_json_get_bool_opt(net, what, "internal", &b, err) < 0 ||
	    pea_json_get_bool_opt(net, what, "dns_enabled", &b, err) < 0 ||
	    pea_json_get_object_opt(net, what, "options", &o, err) < 0 ||
	    pea_json_get_object_opt(net, what, "labels", &o, err) < 0 ||
	    pea_json_get_object_opt(net, what, "ipam_options", &o, err) < 0)
		return -1;
	if (!network_name_valid(name))
		return pea_error_new(err, EINVAL, "'%s.name': invalid network name '%s'", what,
				     name);
	if (!is_hex_id(id))
		return pea_error_new(err, EINVAL, "'%s.id': not a 64-hex id", what);
	return check_subnets(net, what, err);
}

/* containers.conf's default network (podman's "podman", 10.88.0.0/16). */
static struct json_object *default_network(const struct net_config *c)
{
	struct json_object *n = json_object_new_object(), *subs = json_object_new_array();
	struct json_object *s = json_object_new_object(), *ipam = json_object_new_object();
	_cleanup_free_ char *now = frontend_now();
	struct fe_ip net = { 0 }, gw;
	_cleanup_free_ char *sub = NULL;
	char b[64];

	(void)fe_ip_parse(c->default_subnet, true, &net); /* checked when read */
	net = fe_ip_network(&net);
	gw = ip_add(&net, 1);
	json_object_object_add(n, "name", json_object_new_string(c->default_network));
	json_object_object_add(n, "id", json_object_new_string(DEFAULT_ID));
	json_object_object_add(n, "driver", json_object_new_string("bridge"));
	json_object_object_add(n, "network_interface", json_object_new_string("podman0"));
	json_object_object_add(n, "created", json_object_new_string(now));
	sub = xasprintf("%s/%u", fe_ip_str(&net, b, sizeof(b)), net.prefix);
	json_object_object_add(s, "subnet", json_object_new_string(sub));
	json_object_object_add(s, "gateway", json_object_new_string(fe_ip_str(&gw, b, sizeof(b))));
	json_object_array_add(subs, s);
	json_object_object_add(n, "subnets", subs);
	json_object_object_add(n, "ipv6_enabled", json_object_new_boolean(net.family == AF_INET6));
	json_object_object_add(n, "internal", json_object_new_boolean(false));
	json_object_object_add(n, "dns_enabled", json_object_new_boolean(false));
	json_object_object_add(ipam, "driver", json_object_new_string("host-local"));
	json_object_object_add(n, "ipam_options", ipam);
	return n;
}

static const char *net_name(struct json_object *net)
{
	return json_object_get_string(json_object_object_get(net, "name"));
}

static const char *net_id(struct json_object *net)
{
	return json_object_get_string(json_object_object_get(net, "id"));
}

int network_save(const struct global_options *g, struct json_object *net, struct pea_error **err)
{
	_cleanup_free_ char *dir = network_dir(g), *file = NULL;
	_cleanup_close_ int dfd = -1;
	const char *text;

	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	file = xasprintf("%s.json", net_name(net));
	text = json_object_to_json_string_ext(net, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_SPACED |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	return pea_write_file_atomic_at(dfd, file, text, strlen(text), 0644, err);
}

/*
 * The address given last on each subnet of each network ({"NET": {"SUBNET":
 * "IP"}}), in the run root as podman's ipam.db, read and written under the
 * records lock as the allocations. A missing or unreadable file is an empty one.
 */
#define IPAM_LAST_FILE "ipam-last.json"

static struct json_object *ipam_last_load(const struct global_options *g)
{
	_cleanup_free_ char *path = xasprintf("%s/networks/%s", g->runroot, IPAM_LAST_FILE);
	struct json_object *all = NULL;

	if (pea_json_parse_file_at(AT_FDCWD, path, NETWORK_FILE_MAX, &all, NULL) < 0 || !all ||
	    !json_object_is_type(all, json_type_object)) {
		json_object_put(all);
		all = json_object_new_object();
	}
	return all;
}

static int ipam_last_save(const struct global_options *g, struct json_object *all,
			  struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/networks", g->runroot);
	_cleanup_close_ int dfd = -1;
	const char *text;

	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	/* the run root's: replaced whole, no fsync (gone at a reboot with the containers) */
	text = json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN);
	return pea_write_file_replace_at(dfd, IPAM_LAST_FILE, text, strlen(text), 0600, err);
}

int network_remove_file(const struct global_options *g, const char *name, struct pea_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/networks/%s.json", g->root, name);
	_cleanup_json_ struct json_object *all = NULL;

	if (unlink(path) < 0 && errno != ENOENT)
		return pea_error_errno(err, "remove '%s'", path);
	/* as podman's network rm, which drops the network's IPAM bucket */
	all = ipam_last_load(g);
	if (json_object_object_get_ex(all, name, NULL)) {
		json_object_object_del(all, name);
		if (ipam_last_save(g, all, err) < 0)
			return -1;
	}
	return 0;
}

static int load_file(int dfd, const char *file, struct json_object **ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *j = NULL;

	if (pea_json_parse_file_at(dfd, file, NETWORK_FILE_MAX, &j, err) < 0)
		return (*err)->code == ENOENT ? -1 : pea_error_wrap(err, "network file '%s'", file);
	if (!j)
		return pea_error_new(err, EINVAL, "'%s': not a network", file);
	if (network_check_json(j, "", err) < 0)
		return pea_error_wrap(err, "network file '%s'", file);
	*ret = TAKE_PTR(j);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	struct json_object *x = *(struct json_object *const *)a;
	struct json_object *y = *(struct json_object *const *)b;

	return strcmp(net_name(x), net_name(y));
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int networks_list(const struct global_options *g, struct json_object **ret_array,
		  struct pea_error **err)
{
	const struct net_config *conf = net_config_get(g, err);
	_cleanup_free_ char *dir = NULL;
	_cleanup_json_ struct json_object *arr = json_object_new_array();
	_cleanup_closedir_ DIR *d = NULL;
	bool have_default = false;
	struct dirent *e;

	if (!conf)
		return -1;
	dir = network_dir(g);
	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	d = opendir(dir);
	if (!d)
		return pea_error_errno(err, "open '%s'", dir);
	while ((e = readdir(d))) {
		_cleanup_error_ struct pea_error *e2 = NULL;
		struct json_object *net = NULL;

		if (e->d_name[0] == '.' || !ends_with(e->d_name, ".json") ||
		    strstr(e->d_name, ".tmp."))
			continue;
		if (json_object_array_length(arr) >= NETWORKS_MAX)
			return pea_error_new(err, E2BIG, "'%s': more than %d networks", dir,
					     NETWORKS_MAX);
		if (load_file(dirfd(d), e->d_name, &net, &e2) < 0) {
			if (e2->code != ENOENT)
				log_warning("%s, ignoring", e2->message);
			continue;
		}
		have_default |= strcmp(net_name(net), conf->default_network) == 0;
		json_object_array_add(arr, net);
	}
	if (!have_default) {
		struct json_object *def = default_network(conf);
		if (network_save(g, def, err) < 0) {
			json_object_put(def);
			return -1;
		}
		json_object_array_add(arr, def);
	}
	json_object_array_sort(arr, by_name);
	*ret_array = TAKE_PTR(arr);
	return 0;
}

int network_load(const struct global_options *g, const char *what, struct json_object **ret,
		 struct pea_error **err)
{
	_cleanup_json_ struct json_object *all = NULL;
	struct json_object *hit = NULL;
	size_t hits = 0;

	if (networks_list(g, &all, err) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *n = json_object_array_get_idx(all, i);
		if (strcmp(net_name(n), what) == 0 || strcmp(net_id(n), what) == 0) {
			hit = n;
			hits = 1;
			break;
		}
		if (*what && strncmp(net_id(n), what, strlen(what)) == 0) {
			hit = n;
			hits++;
		}
	}
	if (hits > 1)
		return pea_error_new(err, EINVAL, "more than one result for network ID %s", what);
	if (hits == 0)
		return pea_error_new(err, ENOENT,
				     "unable to find network with name or ID %s: network not found",
				     what);
	*ret = json_object_get(hit);
	return 0;
}

/* ---- pea-netsetup ------------------------------------------------------------------ */

static char *netsetup_config_dir(const struct global_options *g)
{
	return xasprintf("%s/networks", g->runroot);
}

/* The last line of a helper's stderr, or its {"error": ...} reply. */
static char *helper_message(const struct run_result *res)
{
	_cleanup_json_ struct json_object *j = NULL;
	const char *m = NULL, *last;

	if (res->out && res->len > 0 &&
	    pea_json_parse(res->out, strlen(res->out), "reply", &j, NULL) == 0 && j &&
	    pea_json_get_string_opt(j, "", "error", &m, NULL) == 1 && m && *m)
		return xstrdup(m);
	m = res->errtxt && *res->errtxt ? res->errtxt : "failed";
	last = strrchr(m, '\n');
	return xstrdup(last ? last + 1 : m);
}

/*
 * pea-netsetup and pea-dnsd next to pea, or the programs named by PEA_NETSETUP
 * and PEA_DNSD (netavark and aardvark-dns take their place unchanged).
 */
static char *helper_binary(const struct global_options *g, const char *env, const char *name)
{
	const char *v = getenv(env);

	return frontend_find_binary(g, v && *v ? v : name);
}

/* containers.conf's firewall_driver and dns_bind_port, given as podman gives them to netavark. */
static int netsetup_env(const struct global_options *g, struct pea_error **err)
{
	const struct net_config *c = net_config_get(g, err);
	char port[16];

	if (!c)
		return -1;
	if (c->firewall_driver)
		setenv("NETAVARK_FW", c->firewall_driver, 1);
	if (c->dns_bind_port) {
		snprintf(port, sizeof(port), "%u", c->dns_bind_port);
		setenv("NETAVARK_DNS_PORT", port, 1);
	}
	return 0;
}

/*
 * Tests only (tests/setup_suite.bash): $PEA_TEST_NETNS_GUARD names the network
 * namespace the tests run in ("net:[INODE]", as /proc/self/ns/net reads). A
 * network set up from there (a bridge, veths, nftables rules, ip_forward) would
 * change the machine's: `pea run -p` without --network takes the bridge
 * whatever containers.conf's netns says, as podman's does.
 */
static int netns_guard(const char *cmd, struct pea_error **err)
{
	const char *guard = getenv("PEA_TEST_NETNS_GUARD");
	char self[64];
	ssize_t n;

	if (!guard || !*guard || strcmp(cmd, "setup") != 0)
		return 0;
	n = readlink("/proc/self/ns/net", self, sizeof(self) - 1);
	if (n < 0)
		return 0;
	self[n] = '\0';
	if (strcmp(self, guard) != 0)
		return 0;
	return pea_error_new(err, EPERM,
			     "PEA_TEST_NETNS_GUARD: refusing to set up a network in the tests' own "
			     "network namespace (%s): run pea in a namespace of the test's "
			     "(pea_net) or with --network none",
			     self);
}

/* pea-netsetup ARGS < input; *ret the parsed reply (NULL: not wanted). */
static int netsetup_call(const struct global_options *g, const char *const *args,
			 struct json_object *input, struct json_object **ret,
			 struct pea_error **err)
{
	_cleanup_free_ char *conf = netsetup_config_dir(g), *bin = NULL, *dnsd = NULL;
	_cleanup_strv_ char **argv = NULL;
	_cleanup_json_ struct json_object *stripped = NULL;
	struct json_object *pm = NULL;
	_cleanup_close_ int in = -1, lock = -1;
	struct run_result res = { 0 };
	const char *text, *base;
	int rc = 0;

	if (netns_guard(args[0], err) < 0 || frontend_mkdir_p(conf, err) < 0)
		return -1;
	/* netavark 1.4 has no create: networks are always completed by pea-netsetup */
	bin = strcmp(args[0], "create") == 0 ? frontend_find_binary(g, "pea-netsetup")
					     : helper_binary(g, "PEA_NETSETUP", "pea-netsetup");
	/*
	 * netavark does not serialize its own runs (two at once: "iptables: Chain
	 * already exists"): podman holds a lock around each; pea-netsetup locks what
	 * it shares itself and runs side by side.
	 */
	base = strrchr(bin, '/') ? strrchr(bin, '/') + 1 : bin;
	if (strcmp(base, "pea-netsetup") != 0) {
		_cleanup_free_ char *lockf = xasprintf("%s/netavark.lock", conf);
		if (pea_lock_at(AT_FDCWD, lockf, PEA_LOCK_EXCLUSIVE, false, &lock, err) < 0)
			return -1;
	}
	dnsd = helper_binary(g, "PEA_DNSD", "pea-dnsd");
	if (netsetup_env(g, err) < 0)
		return -1;
	pea_strv_push(&argv, bin);
	pea_strv_push_take(&argv, xasprintf("--config=%s", conf));
	pea_strv_push_take(&argv, xasprintf("--aardvark-binary=%s", dnsd));
	for (size_t i = 0; args[i]; i++)
		pea_strv_push(&argv, args[i]);
	in = memfd_create("pea-netsetup-in", MFD_CLOEXEC);
	if (in < 0)
		return pea_error_errno(err, "memfd_create");
	/*
	 * Rootless: slirp4netns forwards a published port to the same port of the
	 * rootless namespace, whatever host address it listens on: the rules there
	 * match any address (the record keeps the user's). An empty host_ip, not
	 * none: netavark needs the key.
	 */
	if (g->rootless && strcmp(args[0], "setup") == 0 &&
	    json_object_object_get_ex(input, "port_mappings", &pm)) {
		if (json_object_deep_copy(input, &stripped, NULL) < 0)
			return pea_error_new(err, ENOMEM, "copy the options");
		json_object_object_get_ex(stripped, "port_mappings", &pm);
		for (size_t i = 0; i < json_object_array_length(pm); i++)
			json_object_object_add(json_object_array_get_idx(pm, i), "host_ip",
					       json_object_new_string(""));
		input = stripped;
	}
	text = json_object_to_json_string_ext(input, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE);
	if (pea_write_all(in, text, strlen(text), err) < 0)
		return -1;
	if (lseek(in, 0, SEEK_SET) < 0)
		return pea_error_errno(err, "lseek");
	/* rootless: the bridges live in the rootless network namespace (create touches nothing) */
	if ((g->rootless && strcmp(args[0], "create") != 0
		     ? rootless_netns_capture(g, argv, in, &res, err)
		     : frontend_run_capture(argv, in, &res, err)) < 0)
		return pea_error_wrap(err, "running '%s'", bin);
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
		_cleanup_free_ char *m = helper_message(&res);
		rc = pea_error_new(err, EIO, "%s", m);
	} else if (ret) {
		if (pea_json_parse(res.out, res.len, "pea-netsetup reply", ret, err) < 0)
			rc = -1;
	}
	run_result_clear(&res);
	return rc;
}

/* Subnet pools: containers.conf's, else podman's defaults. */
static struct json_object *subnet_pools(const struct global_options *g)
{
	const struct net_config *c = net_config_get(g, NULL);
	static const char *const bases[] = { "10.89.0.0/16", "10.90.0.0/15", "10.92.0.0/14",
					     "10.96.0.0/11", "10.128.0.0/9" };
	struct json_object *a = NULL;

	if (c && c->subnet_pools)
		return json_object_get(c->subnet_pools);
	a = json_object_new_array();
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		struct json_object *p = json_object_new_object();
		json_object_object_add(p, "base", json_object_new_string(bases[i]));
		json_object_object_add(p, "size", json_object_new_int(24));
		json_object_array_add(a, p);
	}
	return a;
}

static struct json_object *used_of(struct json_object *all)
{
	struct json_object *used = json_object_new_object(), *ifs = json_object_new_array();
	struct json_object *names = json_object_new_object(), *subs = json_object_new_array();

	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *n = json_object_array_get_idx(all, i), *v = NULL, *s;

		if (json_object_object_get_ex(n, "network_interface", &v) &&
		    strcmp(json_object_get_string(json_object_object_get(n, "driver")), "bridge") ==
			    0)
			json_object_array_add(ifs, json_object_get(v));
		json_object_object_add(names, net_name(n), json_object_new_string(net_id(n)));
		if (!json_object_object_get_ex(n, "subnets", &v))
			continue;
		for (size_t k = 0; k < json_object_array_length(v); k++)
			if (json_object_object_get_ex(json_object_array_get_idx(v, k), "subnet",
						      &s))
				json_object_array_add(subs, json_object_get(s));
	}
	json_object_object_add(used, "interfaces", ifs);
	json_object_object_add(used, "names", names);
	json_object_object_add(used, "subnets", subs);
	return used;
}

int network_create(struct global_options *g, struct json_object *net, struct json_object **ret,
		   struct pea_error **err)
{
	_cleanup_json_ struct json_object *all = NULL, *in = json_object_new_object();
	_cleanup_json_ struct json_object *out = NULL;
	struct json_object *opts = json_object_new_object();
	const char *args[] = { "create", NULL };

	if (networks_list(g, &all, err) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(all); i++)
		if (strcmp(net_name(json_object_array_get_idx(all, i)), net_name(net)) == 0)
			return pea_error_new(err, EEXIST,
					     "network name %s already used: network already exists",
					     net_name(net));
	json_object_object_add(in, "network", json_object_get(net));
	json_object_object_add(in, "used", used_of(all));
	json_object_object_add(opts, "subnet_pools", subnet_pools(g));
	json_object_object_add(opts, "default_interface_name", json_object_new_string("podman"));
	json_object_object_add(in, "options", opts);
	if (netsetup_call(g, args, in, &out, err) < 0)
		return -1;
	if (!out || network_check_json(out, "", err) < 0)
		return pea_error_new(err, EPROTO, "pea-netsetup create: unexpected reply");
	if (network_save(g, out, err) < 0)
		return -1;
	*ret = TAKE_PTR(out);
	return 0;
}

/* ---- addresses of containers --------------------------------------------------------- */

static struct json_object *ctr_networks(const struct ctr_record *r)
{
	struct json_object *v = NULL;

	if (!r->opts || !json_object_object_get_ex(r->opts, "networks", &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

bool network_used_by(const struct ctr_record *r, const char *name)
{
	struct json_object *nets = ctr_networks(r);

	return nets && json_object_object_get_ex(nets, name, NULL);
}

static bool ip_taken(struct ctr_record *const *others, size_t n, const char *net,
		     const struct fe_ip *ip)
{
	for (size_t i = 0; i < n; i++) {
		struct json_object *nets = ctr_networks(others[i]), *per = NULL, *ips = NULL;

		if (!nets || !json_object_object_get_ex(nets, net, &per) ||
		    !json_object_object_get_ex(per, "static_ips", &ips))
			continue;
		for (size_t k = 0; k < json_object_array_length(ips); k++) {
			struct fe_ip o;
			if (fe_ip_parse(json_object_get_string(json_object_array_get_idx(ips, k)),
					false, &o) == 0 &&
			    fe_ip_equal(&o, ip))
				return true;
		}
	}
	return false;
}

struct subnet_info {
	struct fe_ip net, gw, first, last;
	bool has_gw;
};

static int subnet_info(struct json_object *s, struct subnet_info *ret)
{
	const char *sub = NULL, *gw = NULL, *start = NULL, *end = NULL;
	struct json_object *lr = NULL;
	struct subnet_info si = { 0 };

	if (pea_json_get_string_req(s, "", "subnet", &sub, NULL) < 0 ||
	    fe_ip_parse(sub, true, &si.net) < 0)
		return -EINVAL;
	si.net = fe_ip_network(&si.net);
	if (pea_json_get_string_opt(s, "", "gateway", &gw, NULL) == 1 &&
	    fe_ip_parse(gw, false, &si.gw) == 0)
		si.has_gw = true;
	si.first = ip_add(&si.net, 1);
	si.last = ip_last(&si.net);
	if (si.net.family == AF_INET && si.net.prefix < 31)
		si.last.a[3]--; /* not the broadcast; no borrow: its host bits are all ones */
	if (json_object_object_get_ex(s, "lease_range", &lr)) {
		struct fe_ip a;
		if (pea_json_get_string_opt(lr, "", "start_ip", &start, NULL) == 1 &&
		    fe_ip_parse(start, false, &a) == 0)
			si.first = a;
		if (pea_json_get_string_opt(lr, "", "end_ip", &end, NULL) == 1 &&
		    fe_ip_parse(end, false, &a) == 0)
			si.last = a;
	}
	si.first.prefix = si.last.prefix = si.gw.prefix = si.net.prefix;
	*ret = si;
	return 0;
}

static int alloc_one(struct ctr_record *const *others, size_t n, const char *name,
		     const struct subnet_info *si, struct json_object *last, struct fe_ip *ret,
		     struct pea_error **err)
{
	struct fe_ip ip = si->first, prev;
	const char *lp = NULL;
	bool have_prev = false;
	char b[64], key[64];

	/*
	 * As podman's IPAM: the address after the one given last on this subnet
	 * (wrapping around), so a freed address is not handed out again at once.
	 */
	fe_ip_str(&si->net, key, sizeof(key));
	if (pea_json_get_string_opt(last, "", key, &lp, NULL) == 1 && lp &&
	    fe_ip_parse(lp, false, &prev) == 0 && prev.family == si->first.family &&
	    ip_cmp(&prev, &si->first) >= 0 && ip_cmp(&prev, &si->last) <= 0) {
		have_prev = true;
		ip = ip_cmp(&prev, &si->last) < 0 ? ip_add(&prev, 1) : si->first;
	}
	for (unsigned int i = 0; i < ALLOC_MAX_TRIES; i++) {
		if (!(si->has_gw && fe_ip_equal(&ip, &si->gw)) && !ip_taken(others, n, name, &ip)) {
			json_object_object_add(
				last, key, json_object_new_string(fe_ip_str(&ip, b, sizeof(b))));
			*ret = ip;
			return 0;
		}
		ip = ip_cmp(&ip, &si->last) >= 0 ? si->first : ip_add(&ip, 1);
		if (!have_prev && fe_ip_equal(&ip, &si->first))
			break;
		if (have_prev && fe_ip_equal(&ip, &prev)) {
			/* back where it started: the one given last is the only one left */
			if (!(si->has_gw && fe_ip_equal(&ip, &si->gw)) &&
			    !ip_taken(others, n, name, &ip)) {
				*ret = ip;
				return 0;
			}
			break;
		}
	}
	/* podman 4.3's words: the range searched, first - last */
	return pea_error_new(err, ENOSPC, "IPAM error: failed to find free IP in range: %s - %s",
			     fe_ip_str(&si->first, b, sizeof(b)),
			     fe_ip_str(&si->last, key, sizeof(key)));
}

static int check_requested(struct ctr_record *const *others, size_t n, const char *name,
			   const struct subnet_info *si, const struct fe_ip *ip,
			   struct pea_error **err)
{
	char b[64];

	fe_ip_str(ip, b, sizeof(b));
	if ((si->has_gw && fe_ip_equal(ip, &si->gw)) || fe_ip_equal(ip, &si->net))
		return pea_error_new(err, EINVAL,
				     "IPAM error: requested ip address %s is the "
				     "network's %s",
				     b, fe_ip_equal(ip, &si->net) ? "own address" : "gateway");
	if (ip_taken(others, n, name, ip))
		return pea_error_new(err, EADDRINUSE,
				     "IPAM error: requested ip address %s is already allocated to "
				     "another container on network %s",
				     b, name);
	return 0;
}

/* The addresses of one network: asked for (checked) or allocated, one per subnet. */
static int allocate_net(struct ctr_record *const *others, size_t n, const char *name,
			struct json_object *net, struct json_object *per, struct json_object *last,
			struct pea_error **err)
{
	_cleanup_json_ struct json_object *out = json_object_new_array();
	_cleanup_free_ bool *used = NULL;
	struct json_object *want = NULL, *subs = NULL;
	size_t nwant;

	json_object_object_get_ex(per, "static_ips", &want);
	nwant = want ? json_object_array_length(want) : 0;
	used = xnew(bool, nwant + 1);
	json_object_object_get_ex(net, "subnets", &subs);
	for (size_t i = 0; subs && i < json_object_array_length(subs); i++) {
		struct subnet_info si;
		struct fe_ip ip;
		bool found = false;
		char b[64];

		if (subnet_info(json_object_array_get_idx(subs, i), &si) < 0)
			continue;
		for (size_t k = 0; k < nwant && !found; k++) {
			if (fe_ip_parse(json_object_get_string(json_object_array_get_idx(want, k)),
					false, &ip) < 0 ||
			    !fe_ip_contains(&si.net, &ip))
				continue;
			if (check_requested(others, n, name, &si, &ip, err) < 0)
				return -1;
			used[k] = found = true;
		}
		if (!found && alloc_one(others, n, name, &si, last, &ip, err) < 0)
			return -1;
		json_object_array_add(out, json_object_new_string(fe_ip_str(&ip, b, sizeof(b))));
	}
	for (size_t k = 0; k < nwant; k++)
		if (!used[k])
			return pea_error_new(
				err, EINVAL,
				"requested static ip %s not in any subnet on network %s",
				json_object_get_string(json_object_array_get_idx(want, k)), name);
	json_object_object_add(per, "static_ips", TAKE_PTR(out));
	return 0;
}

int network_allocate(const struct global_options *g, struct ctr_record *const *others,
		     size_t n_others, struct json_object *opts, struct pea_error **err)
{
	_cleanup_json_ struct json_object *all = NULL;
	_cleanup_free_ char *before = NULL;
	struct json_object *nets = NULL;

	if (!json_object_object_get_ex(opts, "networks", &nets))
		return 0;
	all = ipam_last_load(g);
	before = xstrdup(json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN));
	json_object_object_foreach(nets, name, per)
	{
		_cleanup_json_ struct json_object *net = NULL;
		struct json_object *ipam = NULL, *last = NULL;
		const char *drv = "host-local";

		if (network_load(g, name, &net, err) < 0)
			return -1;
		if (json_object_object_get_ex(net, "ipam_options", &ipam))
			(void)pea_json_get_string_opt(ipam, "", "driver", &drv, NULL);
		if (strcmp(drv, "host-local") != 0)
			continue;
		if (!json_object_object_get_ex(all, name, &last) ||
		    !json_object_is_type(last, json_type_object)) {
			last = json_object_new_object();
			json_object_object_add(all, name, last);
		}
		if (allocate_net(others, n_others, name, net, per, last, err) < 0)
			return -1;
	}
	if (strcmp(before, json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN)) == 0)
		return 0;
	return ipam_last_save(g, all, err);
}

/* ---- namespaces and setup --------------------------------------------------------------- */

char *network_run_dir(const struct global_options *g, const char *id)
{
	return xasprintf("%s/containers/%s", g->runroot, id);
}

/* Loopback up in the current namespace (pea-netsetup does it too, but not without networks). */
static int loopback_up(struct pea_error **err)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };

	if (fd < 0)
		return pea_error_errno(err, "socket");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return pea_error_errno(err, "get the flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return pea_error_errno(err, "bring lo up");
	return 0;
}

/* A new network namespace bound at path, lo up; pea itself stays in its own. */
static int netns_make(const char *path, struct pea_error **err)
{
	_cleanup_close_ int self = -1, fd = -1;
	int saved;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return pea_error_errno(err, "open /proc/self/ns/net");
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return pea_error_errno(err, "create '%s'", path);
	fd = pea_close(fd);
	if (unshare(CLONE_NEWNET) < 0) {
		saved = errno;
		(void)unlink(path);
		return pea_error_code(err, saved, "unshare the network namespace");
	}
	if (loopback_up(err) < 0) {
		(void)setns(self, CLONE_NEWNET);
		(void)unlink(path);
		return -1;
	}
	if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0) {
		saved = errno;
		(void)setns(self, CLONE_NEWNET);
		(void)unlink(path);
		return pea_error_code(err, saved, "bind the network namespace to '%s'", path);
	}
	if (setns(self, CLONE_NEWNET) < 0)
		return pea_error_errno(err, "return to pea's network namespace");
	return 0;
}

static void netns_remove(const char *path)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		log_warning("unmount '%s': %s, ignoring", path, strerror(errno));
	if (unlink(path) < 0 && errno != ENOENT)
		log_warning("remove '%s': %s, ignoring", path, strerror(errno));
}

static int proto_type(const char *proto)
{
	return strcmp(proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
}

/* Can port be bound (on host_ip or everywhere) for proto? */
static bool port_free(const char *host_ip, int type, unsigned int port)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	_cleanup_close_ int fd = -1;
	struct fe_ip ip;
	bool v6 = false;

	if (host_ip && *host_ip && fe_ip_parse(host_ip, false, &ip) == 0) {
		v6 = ip.family == AF_INET6;
		if (v6)
			memcpy(&s6.sin6_addr, ip.a, 16);
		else
			memcpy(&s4.sin_addr, ip.a, 4);
	}
	fd = socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	return v6 ? bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0
		  : bind(fd, (struct sockaddr *)&s4, sizeof(s4)) == 0;
}

/* A free port from the kernel's ephemeral range (bind to port 0). */
static unsigned int kernel_port(const char *host_ip, int type)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	socklen_t len = sizeof(s4);
	_cleanup_close_ int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	(void)host_ip;
	if (fd < 0 || bind(fd, (struct sockaddr *)&s4, sizeof(s4)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&s4, &len) < 0)
		return 0;
	return ntohs(s4.sin_port);
}

/* Host ports for the mappings that have none (-P, -p 80). */
static int pick_host_ports(struct json_object *ports, struct pea_error **err)
{
	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);
		int64_t hp = 0, range = 1;
		const char *proto = "tcp", *hip = NULL;
		bool ok = false;

		(void)pea_json_get_int64_opt(p, "", "host_port", &hp, NULL);
		if (hp != 0)
			continue;
		(void)pea_json_get_int64_opt(p, "", "range", &range, NULL);
		(void)pea_json_get_string_opt(p, "", "protocol", &proto, NULL);
		(void)pea_json_get_string_opt(p, "", "host_ip", &hip, NULL);
		for (int attempt = 0; attempt < 100 && !ok; attempt++) {
			unsigned int base = kernel_port(hip, proto_type(proto));
			ok = base > 0 && base + (unsigned int)range - 1 <= 65535;
			for (unsigned int k = 1; ok && k < (unsigned int)range; k++)
				ok = port_free(hip, proto_type(proto), base + k);
			if (ok)
				json_object_object_add(p, "host_port",
						       json_object_new_int((int)base));
		}
		if (!ok)
			return pea_error_new(
				err, EADDRINUSE, "no free host port for %s/%s",
				json_object_get_string(json_object_object_get(p, "container_port")),
				proto);
	}
	return 0;
}

/*
 * Podman 4 (docker's way) gives a container its short id as an alias on each
 * network: in its DNS names and in inspect's Aliases.
 */
static void add_short_id_alias(struct json_object *per, const char *id)
{
	_cleanup_free_ char *short_id = xstrndup(id, 12);
	struct json_object *al = NULL;

	if (!json_object_is_type(per, json_type_object))
		return;
	if (!json_object_object_get_ex(per, "aliases", &al) ||
	    !json_object_is_type(al, json_type_array)) {
		al = json_object_new_array();
		json_object_object_add(per, "aliases", al);
	}
	for (size_t i = 0; i < json_object_array_length(al); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(al, i)), short_id) == 0)
			return;
	json_object_array_add(al, json_object_new_string(short_id));
}

/* netavark's options: the container's networks with their definitions, ports, DNS. */
static int setup_options(const struct global_options *g, const struct ctr_record *r,
			 struct json_object **ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	struct json_object *nets = ctr_networks(r), *info = json_object_new_object();
	struct json_object *mine = json_object_new_object(), *v = NULL;
	unsigned int idx = 0;

	json_object_object_add(o, "container_id", json_object_new_string(r->id));
	json_object_object_add(o, "container_name", json_object_new_string(r->name));
	json_object_object_add(o, "network_info", info);
	json_object_object_add(o, "networks", mine);
	if (nets) {
		json_object_object_foreach(nets, name, per)
		{
			struct json_object *net = NULL, *copy = NULL;

			if (network_load(g, name, &net, err) < 0)
				return -1;
			json_object_object_add(info, name, net);
			if (json_object_deep_copy(per, &copy, NULL) < 0)
				return pea_error_new(err, ENOMEM, "copy");
			add_short_id_alias(copy, r->id);
			json_object_object_add(mine, name, copy);
		}
	}
	/* interface names: eth0, eth1, ... in the order of the networks */
	json_object_object_foreach(mine, n2, per2)
	{
		_cleanup_free_ char *ifn = xasprintf("eth%u", idx++);
		const char *cur = NULL;
		(void)n2;
		if (pea_json_get_string_opt(per2, "", "interface_name", &cur, NULL) != 1 || !*cur)
			json_object_object_add(per2, "interface_name", json_object_new_string(ifn));
	}
	if (json_object_object_get_ex(r->opts, "ports", &v)) {
		struct json_object *copy = NULL;
		if (json_object_deep_copy(v, &copy, NULL) < 0)
			return pea_error_new(err, ENOMEM, "copy");
		json_object_object_add(o, "port_mappings", copy);
		if (pick_host_ports(copy, err) < 0)
			return -1;
	}
	if (json_object_object_get_ex(r->opts, "dns", &v) && json_object_array_length(v) > 0) {
		json_object_object_add(o, "dns_servers", json_object_get(v));
	} else {
		/* containers.conf's dns_servers: pea-dnsd's upstreams for this container */
		const struct net_config *c = net_config_get(g, err);
		if (!c)
			return -1;
		if (c->dns_servers && c->dns_servers[0]) {
			v = json_object_new_array();
			for (size_t i = 0; c->dns_servers[i]; i++)
				json_object_array_add(v, json_object_new_string(c->dns_servers[i]));
			json_object_object_add(o, "dns_servers", v);
		}
	}
	*ret = TAKE_PTR(o);
	return 0;
}

static int write_json_at(const char *dir, const char *name, struct json_object *j,
			 struct pea_error **err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *text;

	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	/* run-root files, stale after a reboot: replaced whole, without fsyncs */
	return pea_write_file_replace_at(dfd, name, text, strlen(text), 0600, err);
}

struct port_range {
	const char *ip, *proto;
	int64_t first, last;
};

static struct port_range port_range_of(struct json_object *m)
{
	struct port_range p = { "", "tcp", 0, 0 };
	int64_t range = 1;

	(void)pea_json_get_string_opt(m, "", "host_ip", &p.ip, NULL);
	(void)pea_json_get_string_opt(m, "", "protocol", &p.proto, NULL);
	(void)pea_json_get_int64_opt(m, "", "host_port", &p.first, NULL);
	(void)pea_json_get_int64_opt(m, "", "range", &range, NULL);
	p.last = p.first + (range > 0 ? range : 1) - 1;
	return p;
}

static bool ports_clash(const struct port_range *a, const struct port_range *b)
{
	return strcmp(a->proto, b->proto) == 0 && a->first <= b->last && b->first <= a->last &&
	       (!*a->ip || !*b->ip || strcmp(a->ip, b->ip) == 0);
}

/*
 * Forwards are nftables rules, not sockets: two containers could publish the
 * same host port and only one would get the traffic. Refused (the caller holds
 * the records lock, so no start slips in between).
 */
static int check_port_clash(const struct global_options *g, const struct ctr_record *r,
			    struct json_object *opts, struct pea_error **err)
{
	struct json_object *mine = NULL;
	struct ctr_record **all = NULL;
	size_t n = 0;
	int rc = 0;

	if (!json_object_object_get_ex(opts, "port_mappings", &mine) ||
	    json_object_array_length(mine) == 0)
		return 0;
	if (records_list(g, &all, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		_cleanup_json_ struct json_object *theirs = NULL;

		if (strcmp(all[i]->id, r->id) == 0 || !(theirs = network_ports(g, all[i])))
			continue;
		for (size_t a = 0; a < json_object_array_length(mine) && rc == 0; a++)
			for (size_t b = 0; b < json_object_array_length(theirs) && rc == 0; b++) {
				struct port_range x =
					port_range_of(json_object_array_get_idx(mine, a));
				struct port_range y =
					port_range_of(json_object_array_get_idx(theirs, b));
				if (ports_clash(&x, &y))
					rc = pea_error_new(
						err, EADDRINUSE,
						"host port %lld/%s is already published "
						"by container %s",
						(long long)(x.first > y.first ? x.first : y.first),
						x.proto, all[i]->name);
			}
	}
	records_free(all, n);
	return rc;
}

static int teardown_locked(const struct global_options *g, const char *id, bool keep,
			   struct pea_error **err);

/* Undo a setup that failed: its own error is the one that counts. */
static void teardown_quiet(const struct global_options *g, const char *id)
{
	_cleanup_error_ struct pea_error *e = NULL;

	(void)teardown_locked(g, id, false, &e);
	if (g->rootless)
		rootless_netns_gc(g);
}

/*
 * Rootless: the published ports are forwarded by the rootless namespace's
 * slirp4netns to the same port there, so pea-netsetup's rules match any
 * address (the host address is slirp4netns's). *ret_ports: the ports as given.
 */
static int rootless_ports(const struct global_options *g, struct json_object *opts,
			  struct json_object **ret_ports, struct pea_error **err)
{
	struct json_object *p = NULL;

	*ret_ports = NULL;
	if (!g->rootless || !json_object_object_get_ex(opts, "port_mappings", &p))
		return 0;
	if (json_object_deep_copy(p, ret_ports, NULL) < 0)
		return pea_error_new(err, ENOMEM, "copy the ports");
	return 0;
}

int network_setup(const struct global_options *g, const struct ctr_record *r, char **ret_nspath,
		  struct json_object **ret_status, struct pea_error **err)
{
	_cleanup_free_ char *dir = network_run_dir(g, r->id), *ns = NULL, *rlns = NULL;
	_cleanup_json_ struct json_object *opts = NULL, *status = NULL, *ports = NULL;
	const char *args[] = { "setup", NULL, NULL };
	_cleanup_close_ int lock = -1;

	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	if (g->rootless &&
	    (rootless_netns_lock(g, &lock, err) < 0 || rootless_netns_ensure(g, &rlns, err) < 0))
		return -1;
	/* what a crash left of an earlier run */
	if (teardown_locked(g, r->id, false, err) < 0)
		return -1;
	if (setup_options(g, r, &opts, err) < 0 || check_port_clash(g, r, opts, err) < 0 ||
	    rootless_ports(g, opts, &ports, err) < 0)
		goto fail_gc;
	ns = xasprintf("%s/netns", dir);
	if ((g->rootless ? rootless_netns_make(ns, err) : netns_make(ns, err)) < 0)
		goto fail_gc;
	/* written first: a teardown after a crash knows what to undo */
	if (write_json_at(dir, "netsetup.json", opts, err) < 0) {
		netns_remove(ns);
		goto fail_gc;
	}
	args[1] = ns;
	if (netsetup_call(g, args, opts, &status, err) < 0) {
		teardown_quiet(g, r->id);
		return pea_error_wrap(err, "setting up the network of container %s", r->name);
	}
	if (!status || write_json_at(dir, "network-status.json", status, err) < 0) {
		if (!status)
			pea_error_new(err, EPROTO, "pea-netsetup setup: empty reply");
		teardown_quiet(g, r->id);
		return -1;
	}
	if (ports && rootless_netns_forward(g, r->id, ports, err) < 0) {
		teardown_quiet(g, r->id);
		return -1;
	}
	*ret_nspath = TAKE_PTR(ns);
	*ret_status = TAKE_PTR(status);
	return 0;

fail_gc:
	if (g->rootless)
		rootless_netns_gc(g);
	return -1;
}

int network_share_etc(const struct global_options *g, const struct ctr_record *r, const char *other,
		      const char *hostname, char **ret_dir, struct pea_error **err)
{
	_cleanup_free_ char *dir = network_run_dir(g, r->id), *odir = NULL;
	_cleanup_free_ char *hosts = NULL, *resolv = NULL, *text = NULL;
	_cleanup_json_ struct json_object *mark = NULL;
	_cleanup_strv_ char **names = NULL, **lo = NULL, **have = NULL;
	_cleanup_record_ struct ctr_record *o = NULL;
	struct json_object *a = NULL;

	*ret_dir = NULL;
	if (record_lookup(g, other, &o, err) < 0)
		return -1;
	odir = network_run_dir(g, o->id);
	hosts = xasprintf("%s/hosts", odir);
	resolv = xasprintf("%s/resolv.conf", odir);
	if (access(hosts, F_OK) < 0 || access(resolv, F_OK) < 0)
		return 0; /* the other has no files of its own: this one keeps its own */
	/*
	 * As podman's etchosts.Add: only the names the file does not have yet
	 * (a pod member's host name is the pod's, on the infra's line), no line
	 * when none is left.
	 */
	if (pea_read_file_at(AT_FDCWD, hosts, NETWORK_FILE_MAX, &text, NULL, err) < 0)
		return -1;
	have = etc_hosts_names(text);
	if (!pea_strv_contains(have, hostname))
		pea_strv_push(&names, hostname);
	if (strcmp(r->name, hostname) != 0 && !pea_strv_contains(have, r->name))
		pea_strv_push(&names, r->name);
	mark = json_object_new_object();
	a = json_object_new_array();
	pea_strv_push(&lo, "127.0.0.1");
	for (size_t i = 0; names && names[i]; i++)
		json_object_array_add(a, json_object_new_string(names[i]));
	json_object_object_add(mark, "hosts", json_object_new_string(hosts));
	json_object_object_add(mark, "names", a);
	/* written first: the teardown takes the line out again, whatever happens next */
	if (write_json_at(dir, "shared-etc.json", mark, err) < 0 ||
	    (names && etc_hosts_update(hosts, lo, names, true, err) < 0))
		return -1;
	*ret_dir = TAKE_PTR(odir);
	return 0;
}

/* The line network_share_etc added to the other container's /etc/hosts goes. */
static void unshare_etc(const char *dir)
{
	_cleanup_free_ char *path = xasprintf("%s/shared-etc.json", dir);
	_cleanup_json_ struct json_object *mark = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_strv_ char **names = NULL, **lo = NULL;
	const char *hosts = NULL;

	if (pea_json_parse_file_at(AT_FDCWD, path, NETWORK_FILE_MAX, &mark, NULL) < 0 || !mark)
		return;
	if (pea_json_get_string_req(mark, "shared-etc", "hosts", &hosts, NULL) >= 0 &&
	    pea_json_get_strv_opt(mark, "shared-etc", "names", &names, NULL) == 1 && names) {
		pea_strv_push(&lo, "127.0.0.1");
		/* gone with the other container: nothing to take out */
		if (etc_hosts_update(hosts, lo, names, false, &e) < 0 && e->code != ENOENT)
			log_warning("%s, ignoring", e->message);
	}
	(void)unlink(path);
}

static int teardown(const struct global_options *g, const char *id, bool keep,
		    struct pea_error **err)
{
	_cleanup_close_ int lock = -1;
	int rc;

	if (g->rootless && rootless_netns_lock(g, &lock, err) < 0)
		return -1;
	rc = teardown_locked(g, id, keep, err);
	if (g->rootless)
		rootless_netns_gc(g);
	return rc;
}

int network_teardown(const struct global_options *g, const char *id, struct pea_error **err)
{
	return teardown(g, id, false, err);
}

int network_teardown_try(const struct global_options *g, const char *id, struct pea_error **err)
{
	return teardown(g, id, true, err);
}

/* keep: a failed pea-netsetup leaves its options and the namespace, for a retry */
static int teardown_locked(const struct global_options *g, const char *id, bool keep,
			   struct pea_error **err)
{
	_cleanup_free_ char *dir = network_run_dir(g, id), *ns = NULL, *opts_path = NULL;
	_cleanup_json_ struct json_object *opts = NULL;
	const char *args[] = { "teardown", NULL, NULL };
	_cleanup_error_ struct pea_error *e = NULL;

	unshare_etc(dir);
	rootless_net_teardown(g, id);
	ns = xasprintf("%s/netns", dir);
	opts_path = xasprintf("%s/netsetup.json", dir);
	if (pea_json_parse_file_at(AT_FDCWD, opts_path, NETWORK_FILE_MAX * 4, &opts, &e) < 0) {
		if (e->code != ENOENT)
			log_warning("%s, ignoring", e->message);
	} else if (opts) {
		args[1] = ns;
		if (netsetup_call(g, args, opts, NULL, &e) < 0 && keep) {
			*err = TAKE_PTR(e);
			return pea_error_wrap(err, "tearing down the network of container %.12s",
					      id);
		} else if (e) {
			/*
			 * What could be undone was; the rest would fail the same way
			 * again: the namespace and the options go (no mount left, and
			 * one warning, not one per later cleanup).
			 */
			(void)unlink(opts_path);
			netns_remove(ns);
			if (!err) {
				log_warning("tearing down the network of container %.12s: %s, "
					    "ignoring",
					    id, e->message);
				return -1;
			}
			*err = TAKE_PTR(e);
			return pea_error_wrap(err, "tearing down the network of container %.12s",
					      id);
		}
	}
	(void)unlink(opts_path);
	{
		_cleanup_free_ char *st = xasprintf("%s/network-status.json", dir);
		(void)unlink(st);
	}
	netns_remove(ns);
	return 0;
}

struct json_object *network_ports_shown(const struct global_options *g, const struct ctr_record *r)
{
	_cleanup_record_ struct ctr_record *owner = network_ns_owner(g, r);

	return network_ports(g, owner ? owner : r);
}

struct ctr_record *network_ns_owner(const struct global_options *g, const struct ctr_record *r)
{
	struct ctr_record *cur = NULL;

	/* a chain of joins is followed (not forever: a loop cannot be made, but a record can) */
	for (int depth = 0; depth < 8; depth++) {
		_cleanup_error_ struct pea_error *e = NULL;
		struct ctr_record *next = NULL;
		const char *mode = NULL;

		if (pea_json_get_string_opt((cur ? cur : r)->opts, "opts", "network", &mode,
					    NULL) != 1 ||
		    strncmp(mode, "container:", 10) != 0 || !mode[10] ||
		    record_lookup(g, mode + 10, &next, &e) < 0)
			break;
		ctr_record_free(cur);
		cur = next;
	}
	return cur;
}

struct json_object *network_ports(const struct global_options *g, const struct ctr_record *r)
{
	_cleanup_free_ char *path = xasprintf("%s/containers/%s/netsetup.json", g->runroot, r->id);
	_cleanup_json_ struct json_object *opts = NULL;
	struct json_object *p = NULL;

	/* rootless: as published (pasta's, slirp4netns's, the rootless namespace's) */
	if (g->rootless && (p = rootless_net_ports(g, r)))
		return p;
	if (pea_json_parse_file_at(AT_FDCWD, path, NETWORK_FILE_MAX * 4, &opts, NULL) < 0 ||
	    !opts || !json_object_object_get_ex(opts, "port_mappings", &p))
		return rootless_net_ports(g, r); /* pasta's, if it runs */
	return json_object_get(p);
}

/* ---- connect, disconnect, reload of a running container ---------------------------- */

static int load_setup(const struct global_options *g, const char *id, struct json_object **ret,
		      struct pea_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/containers/%s/netsetup.json", g->runroot, id);
	_cleanup_error_ struct pea_error *e = NULL;

	*ret = NULL;
	if (pea_json_parse_file_at(AT_FDCWD, path, NETWORK_FILE_MAX * 4, ret, &e) < 0) {
		if (e->code == ENOENT)
			return 0;
		if (err)
			*err = TAKE_PTR(e);
		return -1;
	}
	return *ret ? 1 : 0;
}

/* Options naming one network of the container's (no ports: those belong to the first setup). */
static struct json_object *one_network(struct json_object *opts, const char *name,
				       struct json_object *per, struct json_object *net)
{
	struct json_object *o = json_object_new_object(), *nets = json_object_new_object();
	struct json_object *info = json_object_new_object(), *v = NULL;

	if (json_object_object_get_ex(opts, "container_id", &v))
		json_object_object_add(o, "container_id", json_object_get(v));
	if (json_object_object_get_ex(opts, "container_name", &v))
		json_object_object_add(o, "container_name", json_object_get(v));
	if (json_object_object_get_ex(opts, "dns_servers", &v))
		json_object_object_add(o, "dns_servers", json_object_get(v));
	json_object_object_add(nets, name, json_object_get(per));
	json_object_object_add(info, name, json_object_get(net));
	json_object_object_add(o, "networks", nets);
	json_object_object_add(o, "network_info", info);
	return o;
}

/* The status file with the reply of one network merged in (reply NULL: removed). */
static int update_status(const char *dir, const char *name, struct json_object *reply,
			 struct pea_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/network-status.json", dir);
	_cleanup_json_ struct json_object *st = NULL;
	struct json_object *v = NULL;

	if (pea_json_parse_file_at(AT_FDCWD, path, NETWORK_FILE_MAX * 4, &st, NULL) < 0 || !st)
		st = json_object_new_object();
	json_object_object_del(st, name);
	if (reply && json_object_object_get_ex(reply, name, &v))
		json_object_object_add(st, name, json_object_get(v));
	return write_json_at(dir, "network-status.json", st, err);
}

/* Addresses and DNS servers of one network's pea-netsetup reply. */
static void status_of(struct json_object *st, char ***ips, char ***dns)
{
	struct json_object *ifs = NULL, *v = NULL;

	if (json_object_object_get_ex(st, "dns_server_ips", &v) &&
	    json_object_is_type(v, json_type_array))
		for (size_t i = 0; i < json_object_array_length(v); i++)
			pea_strv_push(dns, json_object_get_string(json_object_array_get_idx(v, i)));
	if (!json_object_object_get_ex(st, "interfaces", &ifs) ||
	    !json_object_is_type(ifs, json_type_object))
		return;
	json_object_object_foreach(ifs, ifname, iface)
	{
		struct json_object *subs = NULL;
		(void)ifname;
		if (!json_object_object_get_ex(iface, "subnets", &subs) ||
		    !json_object_is_type(subs, json_type_array))
			continue;
		for (size_t i = 0; i < json_object_array_length(subs); i++) {
			const char *ipnet = NULL;
			(void)pea_json_get_string_opt(json_object_array_get_idx(subs, i), "",
						      "ipnet", &ipnet, NULL);
			if (ipnet)
				pea_strv_push_take(ips, xstrndup(ipnet, strcspn(ipnet, "/")));
		}
	}
}

/* The names of the container's own lines in /etc/hosts: its hostname, and its name. */
static char **own_names(const char *dir, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/hostname", dir), *text = NULL;
	char **names = NULL;
	size_t len;

	if (pea_read_file_at(AT_FDCWD, path, 4096, &text, &len, NULL) < 0)
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	if (!*text)
		return NULL;
	pea_strv_push(&names, text);
	if (name && strcmp(name, text) != 0)
		pea_strv_push(&names, name);
	return names;
}

/*
 * A running container's /etc/hosts and /etc/resolv.conf follow a network it
 * joins or leaves (st: that network's reply), as podman keeps them.
 */
static int etc_follow(const char *dir, const char *name, struct json_object *st, bool add,
		      struct pea_error **err)
{
	_cleanup_strv_ char **ips = NULL, **dns = NULL, **names = own_names(dir, name);
	_cleanup_free_ char *hosts = xasprintf("%s/hosts", dir);
	_cleanup_free_ char *resolv = xasprintf("%s/resolv.conf", dir);

	if (!st || !names)
		return 0;
	status_of(st, &ips, &dns);
	if (access(hosts, F_OK) == 0 && etc_hosts_update(hosts, ips, names, add, err) < 0)
		return -1;
	if (access(resolv, F_OK) == 0 && etc_resolv_update(resolv, dns, add, err) < 0)
		return -1;
	return 0;
}

int network_connect_running(const struct global_options *g, const struct ctr_record *r,
			    const char *name, struct pea_error **err)
{
	_cleanup_free_ char *dir = network_run_dir(g, r->id), *ns = NULL, *ifn = NULL;
	_cleanup_json_ struct json_object *opts = NULL, *net = NULL, *one = NULL, *reply = NULL;
	struct json_object *nets = ctr_networks(r), *per = NULL, *mine = NULL, *info = NULL;
	struct json_object *pm = NULL;
	const char *args[] = { "setup", NULL, NULL };
	int rc;

	if ((rc = load_setup(g, r->id, &opts, err)) <= 0)
		return rc;
	if (!nets || !json_object_object_get_ex(nets, name, &per))
		return pea_error_new(err, ENOENT, "network %s: not in the record", name);
	if (network_load(g, name, &net, err) < 0)
		return -1;
	if (!json_object_object_get_ex(opts, "networks", &mine) ||
	    !json_object_object_get_ex(opts, "network_info", &info))
		return pea_error_new(err, EINVAL, "'%s/netsetup.json': no networks", dir);
	for (unsigned int i = 0; !ifn; i++) {
		char *cand = xasprintf("eth%u", i);
		bool taken = false;
		json_object_object_foreach(mine, n, p)
		{
			const char *cur = NULL;
			(void)n;
			taken |=
				pea_json_get_string_opt(p, "", "interface_name", &cur, NULL) == 1 &&
				strcmp(cur, cand) == 0;
		}
		if (taken)
			free(cand);
		else
			ifn = cand;
	}
	{
		struct json_object *copy = NULL;
		if (json_object_deep_copy(per, &copy, NULL) < 0)
			return pea_error_new(err, ENOMEM, "copy");
		json_object_object_add(copy, "interface_name", json_object_new_string(ifn));
		add_short_id_alias(copy, r->id);
		one = one_network(opts, name, copy, net);
		json_object_put(copy);
	}
	/*
	 * The container's only network now (a disconnect took the last one, and
	 * its port forwards with it): the published ports come with this one.
	 */
	if (json_object_object_length(mine) == 0 &&
	    json_object_object_get_ex(opts, "port_mappings", &pm))
		json_object_object_add(one, "port_mappings", json_object_get(pm));
	ns = xasprintf("%s/netns", dir);
	args[1] = ns;
	if (netsetup_call(g, args, one, &reply, err) < 0)
		return pea_error_wrap(err, "connecting container %s to network %s", r->name, name);
	json_object_object_add(mine, name,
			       json_object_get(json_object_object_get(
				       json_object_object_get(one, "networks"), name)));
	json_object_object_add(info, name, json_object_get(net));
	if (write_json_at(dir, "netsetup.json", opts, err) < 0 ||
	    update_status(dir, name, reply, err) < 0)
		return -1;
	return etc_follow(dir, r->name, json_object_object_get(reply, name), true, err);
}

int network_disconnect_running(const struct global_options *g, const struct ctr_record *r,
			       const char *name, struct pea_error **err)
{
	_cleanup_free_ char *dir = network_run_dir(g, r->id), *ns = NULL, *st_path = NULL;
	_cleanup_json_ struct json_object *opts = NULL, *one = NULL, *status = NULL;
	struct json_object *mine = NULL, *info = NULL, *per = NULL, *net = NULL;
	const char *args[] = { "teardown", NULL, NULL };
	int rc;

	if ((rc = load_setup(g, r->id, &opts, err)) <= 0)
		return rc;
	if (!json_object_object_get_ex(opts, "networks", &mine) ||
	    !json_object_object_get_ex(opts, "network_info", &info) ||
	    !json_object_object_get_ex(mine, name, &per) ||
	    !json_object_object_get_ex(info, name, &net))
		return 0;
	one = one_network(opts, name, per, net);
	ns = xasprintf("%s/netns", dir);
	args[1] = ns;
	st_path = xasprintf("%s/network-status.json", dir);
	if (pea_json_parse_file_at(AT_FDCWD, st_path, NETWORK_FILE_MAX * 4, &status, NULL) < 0)
		status = NULL;
	if (netsetup_call(g, args, one, NULL, err) < 0)
		return pea_error_wrap(err, "disconnecting container %s from network %s", r->name,
				      name);
	json_object_object_del(mine, name);
	json_object_object_del(info, name);
	if (write_json_at(dir, "netsetup.json", opts, err) < 0 ||
	    update_status(dir, name, NULL, err) < 0 ||
	    etc_follow(dir, r->name, status ? json_object_object_get(status, name) : NULL, false,
		       err) < 0)
		return -1;
	/* the teardown took the container's port forwards too: make them again */
	if (json_object_object_get_ex(opts, "port_mappings", &per) &&
	    json_object_array_length(per) > 0)
		return network_reload_running(g, r, err);
	return 0;
}

/*
 * The MAC address each network's interface has now (network-status.json), as
 * static_mac of the options: a reload makes the interfaces again, the same
 * (podman's reloadContainerNetwork keeps the MAC and the addresses).
 */
static void keep_macs(const char *dir, struct json_object *opts)
{
	_cleanup_free_ char *path = xasprintf("%s/network-status.json", dir);
	_cleanup_json_ struct json_object *st = NULL;
	struct json_object *nets = NULL;

	if (pea_json_parse_file_at(AT_FDCWD, path, NETWORK_FILE_MAX * 4, &st, NULL) < 0 || !st ||
	    !json_object_object_get_ex(opts, "networks", &nets) ||
	    !json_object_is_type(nets, json_type_object))
		return;
	json_object_object_foreach(nets, name, per)
	{
		struct json_object *ns = NULL, *ifs = NULL;
		if (!json_object_is_type(per, json_type_object) ||
		    json_object_object_get_ex(per, "static_mac", NULL) ||
		    !json_object_object_get_ex(st, name, &ns) ||
		    !json_object_object_get_ex(ns, "interfaces", &ifs) ||
		    !json_object_is_type(ifs, json_type_object))
			continue;
		json_object_object_foreach(ifs, ifname, iface)
		{
			const char *mac = NULL;
			(void)ifname;
			if (json_object_is_type(iface, json_type_object) &&
			    pea_json_get_string_opt(iface, "", "mac_address", &mac, NULL) == 1 &&
			    *mac) {
				json_object_object_add(per, "static_mac",
						       json_object_new_string(mac));
				break;
			}
		}
	}
}

int network_reload_running(const struct global_options *g, const struct ctr_record *r,
			   struct pea_error **err)
{
	_cleanup_free_ char *dir = network_run_dir(g, r->id), *ns = NULL;
	_cleanup_json_ struct json_object *opts = NULL, *reply = NULL;
	const char *down[] = { "teardown", NULL, NULL }, *up[] = { "setup", NULL, NULL };
	_cleanup_error_ struct pea_error *e = NULL;
	int rc;

	if ((rc = load_setup(g, r->id, &opts, err)) <= 0)
		return rc;
	ns = xasprintf("%s/netns", dir);
	down[1] = up[1] = ns;
	keep_macs(dir, opts);
	/*
	 * What is left goes, then everything is made again, the same. The teardown
	 * may miss rules that were flushed (netavark then fails): that is the point.
	 */
	if (netsetup_call(g, down, opts, NULL, &e) < 0)
		log_warning("container %s: %s, ignoring", r->name, e->message);
	if (netsetup_call(g, up, opts, &reply, err) < 0)
		return pea_error_wrap(err, "reloading the network of container %s", r->name);
	if (!reply)
		return pea_error_new(err, EPROTO, "pea-netsetup setup: empty reply");
	return write_json_at(dir, "network-status.json", reply, err);
}

/* ---- inspect and ps ---------------------------------------------------------------- */

static void add_s(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

/* Podman's per-network endpoint: addresses and gateways of the reply, aliases. */
static struct json_object *endpoint_json(const char *name, struct json_object *per,
					 struct json_object *st)
{
	struct json_object *e = json_object_new_object(), *ifs = NULL, *al = NULL;
	const char *ip4 = NULL, *gw4 = NULL, *ip6 = NULL, *gw6 = NULL, *mac = NULL;
	int len4 = 0, len6 = 0;

	if (st && json_object_object_get_ex(st, "interfaces", &ifs)) {
		json_object_object_foreach(ifs, ifname, iface)
		{
			struct json_object *subs = NULL;
			(void)ifname;
			(void)pea_json_get_string_opt(iface, "", "mac_address", &mac, NULL);
			if (!json_object_object_get_ex(iface, "subnets", &subs))
				continue;
			for (size_t i = 0; i < json_object_array_length(subs); i++) {
				struct json_object *s = json_object_array_get_idx(subs, i);
				const char *ipnet = NULL, *gw = NULL;
				struct fe_ip ip;

				(void)pea_json_get_string_opt(s, "", "ipnet", &ipnet, NULL);
				(void)pea_json_get_string_opt(s, "", "gateway", &gw, NULL);
				if (!ipnet || fe_ip_parse(ipnet, true, &ip) < 0)
					continue;
				if (ip.family == AF_INET && !ip4) {
					ip4 = ipnet;
					gw4 = gw;
					len4 = (int)ip.prefix;
				} else if (ip.family == AF_INET6 && !ip6) {
					ip6 = ipnet;
					gw6 = gw;
					len6 = (int)ip.prefix;
				}
			}
		}
	}
	add_s(e, "EndpointID", "");
	add_s(e, "Gateway", gw4);
	json_object_object_add(
		e, "IPAddress",
		json_object_new_string_len(ip4 ? ip4 : "", ip4 ? (int)strcspn(ip4, "/") : 0));
	json_object_object_add(e, "IPPrefixLen", json_object_new_int(len4));
	add_s(e, "IPv6Gateway", gw6);
	json_object_object_add(
		e, "GlobalIPv6Address",
		json_object_new_string_len(ip6 ? ip6 : "", ip6 ? (int)strcspn(ip6, "/") : 0));
	json_object_object_add(e, "GlobalIPv6PrefixLen", json_object_new_int(len6));
	add_s(e, "MacAddress", mac);
	add_s(e, "NetworkID", name);
	json_object_object_add(e, "DriverOpts", NULL);
	json_object_object_add(e, "IPAMConfig", NULL);
	json_object_object_add(e, "Links", NULL);
	json_object_object_add(e, "Aliases",
			       per && json_object_object_get_ex(per, "aliases", &al)
				       ? json_object_get(al)
				       : json_object_new_array());
	return e;
}

/* {"80/tcp": [{"HostIp": "", "HostPort": "8080"}], ...}, ranges expanded. */
struct json_object *network_port_bindings(struct json_object *ports)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *m = json_object_array_get_idx(ports, i);
		const char *hip = "", *proto = "tcp";
		int64_t cp = 0, hp = 0, range = 1;

		(void)pea_json_get_string_opt(m, "", "host_ip", &hip, NULL);
		(void)pea_json_get_string_opt(m, "", "protocol", &proto, NULL);
		(void)pea_json_get_int64_opt(m, "", "container_port", &cp, NULL);
		(void)pea_json_get_int64_opt(m, "", "host_port", &hp, NULL);
		(void)pea_json_get_int64_opt(m, "", "range", &range, NULL);
		for (int64_t k = 0; k < range && k < 65536; k++) {
			_cleanup_free_ char *key = xasprintf("%lld/%s", (long long)(cp + k), proto);
			_cleanup_free_ char *hport =
				xasprintf("%lld", (long long)(hp ? hp + k : 0));
			struct json_object *a = NULL, *b = json_object_new_object();

			if (!json_object_object_get_ex(o, key, &a)) {
				a = json_object_new_array();
				json_object_object_add(o, key, a);
			}
			add_s(b, "HostIp", hip);
			add_s(b, "HostPort", hport);
			json_object_array_add(a, b);
		}
	}
	return o;
}

struct json_object *network_settings_json(struct json_object *opts, struct json_object *setup,
					  struct json_object *status, const char *nspath)
{
	struct json_object *o = json_object_new_object(), *nets = json_object_new_object();
	struct json_object *mine = NULL, *ports = NULL, *first = NULL;
	size_t n = 0;

	if (opts)
		json_object_object_get_ex(opts, "networks", &mine);
	if (mine && json_object_is_type(mine, json_type_object)) {
		json_object_object_foreach(mine, name, per)
		{
			struct json_object *st = NULL, *e;
			if (status)
				json_object_object_get_ex(status, name, &st);
			e = endpoint_json(name, per, st);
			json_object_object_add(nets, name, e);
			if (!first)
				first = e;
			n++;
		}
	}
	/* the container's own fields are those of its only network, as podman shows them */
	{
		static const char *const keys[] = { "EndpointID",	   "Gateway",
						    "IPAddress",	   "IPPrefixLen",
						    "IPv6Gateway",	   "GlobalIPv6Address",
						    "GlobalIPv6PrefixLen", "MacAddress" };
		struct json_object *src = n == 1 ? first : endpoint_json("", NULL, NULL);
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			json_object_object_add(
				o, keys[i], json_object_get(json_object_object_get(src, keys[i])));
		if (src != first)
			json_object_put(src);
	}
	add_s(o, "Bridge", "");
	add_s(o, "SandboxID", "");
	json_object_object_add(o, "HairpinMode", json_object_new_boolean(false));
	add_s(o, "LinkLocalIPv6Address", "");
	json_object_object_add(o, "LinkLocalIPv6PrefixLen", json_object_new_int(0));
	if (setup)
		json_object_object_get_ex(setup, "port_mappings", &ports);
	else if (opts)
		json_object_object_get_ex(opts, "ports", &ports);
	json_object_object_add(o, "Ports", network_port_bindings(ports));
	add_s(o, "SandboxKey", nspath);
	json_object_object_add(o, "Networks", nets);
	return o;
}

struct json_object *network_inspect_settings(const struct global_options *g,
					     const struct ctr_record *r)
{
	_cleanup_free_ char *dir = network_run_dir(g, r->id), *st = NULL, *ns = NULL;
	_cleanup_json_ struct json_object *setup = NULL, *status = NULL;
	struct json_object *o, *nets = NULL;

	st = xasprintf("%s/network-status.json", dir);
	ns = xasprintf("%s/netns", dir);
	if (load_setup(g, r->id, &setup, NULL) <= 0)
		setup = NULL;
	if (pea_json_parse_file_at(AT_FDCWD, st, NETWORK_FILE_MAX * 4, &status, NULL) < 0)
		status = NULL;
	o = network_settings_json(r->opts, setup, status, setup ? ns : "");
	/* the short id among the aliases (a copy: the record's own list stays as it is) */
	if (json_object_object_get_ex(o, "Networks", &nets)) {
		json_object_object_foreach(nets, name, e)
		{
			_cleanup_json_ struct json_object *per = json_object_new_object();
			struct json_object *al = NULL, *copy = json_object_new_array();
			(void)name;
			if (json_object_object_get_ex(e, "Aliases", &al))
				for (size_t i = 0; i < json_object_array_length(al); i++)
					json_object_array_add(
						copy,
						json_object_get(json_object_array_get_idx(al, i)));
			json_object_object_add(per, "aliases", copy);
			add_short_id_alias(per, r->id);
			json_object_object_add(e, "Aliases", json_object_get(copy));
		}
	}
	return o;
}

char *network_ports_summary(struct json_object *ports)
{
	char *out = xstrdup("");

	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *m = json_object_array_get_idx(ports, i);
		const char *hip = NULL, *proto = "tcp";
		int64_t cp = 0, hp = 0, range = 1;
		_cleanup_free_ char *hpart = NULL, *cpart = NULL;
		char *n;

		(void)pea_json_get_string_opt(m, "", "host_ip", &hip, NULL);
		(void)pea_json_get_string_opt(m, "", "protocol", &proto, NULL);
		(void)pea_json_get_int64_opt(m, "", "container_port", &cp, NULL);
		(void)pea_json_get_int64_opt(m, "", "host_port", &hp, NULL);
		(void)pea_json_get_int64_opt(m, "", "range", &range, NULL);
		hpart = range > 1
				? xasprintf("%lld-%lld", (long long)hp, (long long)(hp + range - 1))
				: xasprintf("%lld", (long long)hp);
		cpart = range > 1
				? xasprintf("%lld-%lld", (long long)cp, (long long)(cp + range - 1))
				: xasprintf("%lld", (long long)cp);
		n = xasprintf("%s%s%s%s%s:%s->%s/%s", out, *out ? ", " : "",
			      hip && strchr(hip, ':') ? "[" : "", hip && *hip ? hip : "0.0.0.0",
			      hip && strchr(hip, ':') ? "]" : "", hpart, cpart, proto);
		free(out);
		out = n;
	}
	return out;
}
