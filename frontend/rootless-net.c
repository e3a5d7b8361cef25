/*
 * The networks of rootless containers, which cannot make interfaces in the
 * host's network namespace.
 *
 * --network pasta: the network of rootless containers, as podman's default.
 * The container's namespace is made at RUNROOT/containers/ID/netns (as for
 * a bridge network, so network_teardown removes it), then pasta (the passt
 * package) configures it from the host's addresses and routes, forwards the
 * published ports from the host to it, and goes to the background with its
 * pid in RUNROOT/containers/ID/pasta.pid. It quits when the namespace file
 * goes; the teardown also stops it by its pid. pasta answers DNS queries
 * sent to 169.254.1.1 (--dns-forward, as podman 5: Debian's podman 4.3.1
 * has no pasta) with the host's resolver: the container's first nameserver.
 *
 * --network slirp4netns[:OPT,...]: the same namespace with slirp4netns
 * (tap0, 10.0.2.100, DNS at 10.0.2.3) in the background, its published
 * ports added through its API socket (add_hostfwd), pid in slirp4netns.pid.
 *
 * Bridge networks, rootless (podman 4.3's rootless-netns): pea-netsetup runs
 * inside one network namespace per user, RUNROOT/rootless-netns/netns (a
 * bind mount in the pause process's mount namespace), whose way out is a
 * slirp4netns; the bridges, veths, nftables rules and pea-dnsd live there.
 * Published ports are slirp4netns forwards from the host to the same port of
 * the rootless namespace, where pea-netsetup's rules send them on to the
 * container. slirp4netns's API forwards IPv4 only: the IPv6 side of a port
 * (host address none or IPv6) is `pea-netsetup forward`'s, a forwarder
 * (podman's rootlessport) that listens on the host and connects from inside
 * the rootless namespace to the same port of slirp4netns's address there,
 * pid in forward.pid; with --network slirp4netns it connects to the
 * container's port itself. pea-netsetup and pea-dnsd see a resolv.conf naming slirp4netns's
 * DNS (their mount namespace's own). The last container to leave takes it
 * all down.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/frontend.h"
#include "frontend/network.h"
#include "frontend/records.h"
#include "frontend/rootless.h"

#define PASTA_PID_FILE	 "pasta.pid"
#define PASTA_PORTS_FILE "pasta-ports.json"
#define PASTA_DNS	 "169.254.1.1"
#define SLIRP_PID_FILE	 "slirp4netns.pid"
#define SLIRP_SOCK	 "slirp4netns.sock"
#define SLIRP_LOG	 "slirp4netns.log"
#define SLIRP_FWD_FILE	 "slirp4netns-fwd.json"
#define SLIRP_GUEST	 "10.0.2.100"
#define RLNS_DIR	 "rootless-netns"
#define FWD_PID_FILE	 "forward.pid"
#define FWD_LOG		 "forward.log"

static char *slirp_dns(const char *mode);

bool rootless_net_is_pasta(const char *mode)
{
	return mode && (strcmp(mode, "pasta") == 0 || strncmp(mode, "pasta:", 6) == 0);
}

/* One netavark port mapping as pasta's "[ADDR/]HOST[-END]:CTR[-END]". */
static int port_spec(struct json_object *p, char **ret_spec, bool *ret_udp, struct pea_error **err)
{
	int64_t cport = 0, hport = 0, range = 1;
	const char *ip = NULL, *proto = "tcp";
	_cleanup_free_ char *addr = NULL, *hp = NULL, *cp = NULL;

	if (pea_json_get_int64_req(p, "ports", "container_port", &cport, err) < 0 ||
	    pea_json_get_int64_opt(p, "ports", "host_port", &hport, err) < 0 ||
	    pea_json_get_int64_opt(p, "ports", "range", &range, err) < 0 ||
	    pea_json_get_string_opt(p, "ports", "host_ip", &ip, err) < 0 ||
	    pea_json_get_string_opt(p, "ports", "protocol", &proto, err) < 0)
		return -1;
	if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
		return pea_error_new(err, EINVAL,
				     "--network pasta: protocol '%s' of port %lld: "
				     "use tcp or udp",
				     proto, (long long)cport);
	if (range < 1)
		range = 1;
	addr = ip && *ip ? xasprintf("%s/", ip) : xstrdup("");
	hp = range > 1 ? xasprintf("%lld-%lld", (long long)hport, (long long)(hport + range - 1))
		       : xasprintf("%lld", (long long)hport);
	cp = range > 1 ? xasprintf("%lld-%lld", (long long)cport, (long long)(cport + range - 1))
		       : xasprintf("%lld", (long long)cport);
	*ret_spec = xasprintf("%s%s:%s", addr, hp, cp);
	*ret_udp = strcmp(proto, "udp") == 0;
	return 0;
}

/* -t/-u for the published ports (none: "none"), -T/-U none. */
static int port_args(struct json_object *ports, char ***argv, struct pea_error **err)
{
	bool tcp = false, udp = false;

	if (ports)
		for (size_t i = 0; i < json_object_array_length(ports); i++) {
			_cleanup_free_ char *spec = NULL;
			bool is_udp = false;

			if (port_spec(json_object_array_get_idx(ports, i), &spec, &is_udp, err) < 0)
				return -1;
			pea_strv_push(argv, is_udp ? "-u" : "-t");
			pea_strv_push(argv, spec);
			*(is_udp ? &udp : &tcp) = true;
		}
	if (!tcp) {
		pea_strv_push(argv, "-t");
		pea_strv_push(argv, "none");
	}
	if (!udp) {
		pea_strv_push(argv, "-u");
		pea_strv_push(argv, "none");
	}
	pea_strv_push(argv, "-T");
	pea_strv_push(argv, "none");
	pea_strv_push(argv, "-U");
	pea_strv_push(argv, "none");
	return 0;
}

static char **pasta_argv(const struct global_options *g, const char *mode, const char *dir)
{
	char **v = NULL;

	pea_strv_push_take(&v, frontend_find_binary(g, "pasta"));
	pea_strv_push(&v, "--config-net");
	pea_strv_push(&v, "--quiet");
	pea_strv_push(&v, "--pid");
	pea_strv_push_take(&v, xasprintf("%s/%s", dir, PASTA_PID_FILE));
	/* pasta:OPT,OPT... adds options of the user's, as podman */
	if (mode[5] == ':') {
		_cleanup_strv_ char **extra = pea_strv_split(mode + 6, ",");
		for (size_t i = 0; extra && extra[i]; i++)
			pea_strv_push(&v, extra[i]);
	}
	/* DNS queries to 169.254.1.1 go to the host's resolver, unless the user said otherwise */
	if (!pea_strv_contains(v, "--dns-forward")) {
		pea_strv_push(&v, "--dns-forward");
		pea_strv_push(&v, PASTA_DNS);
	}
	return v;
}

char *rootless_net_dns(const char *mode)
{
	_cleanup_strv_ char **extra = NULL;

	if (rootless_net_is_slirp(mode))
		return slirp_dns(mode);
	if (!rootless_net_is_pasta(mode))
		return NULL;
	if (mode[5] == ':')
		extra = pea_strv_split(mode + 6, ",");
	for (size_t i = 0; extra && extra[i]; i++)
		if (strcmp(extra[i], "--dns-forward") == 0)
			return extra[i + 1] ? xstrdup(extra[i + 1]) : NULL;
	return xstrdup(PASTA_DNS);
}

/* lo up in the current network namespace. */
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

/* The child of netns_make: a new namespace, lo up, bound at path. Never returns. */
static void __attribute__((noreturn)) netns_child(int fd, const char *path)
{
	struct pea_error *e = NULL;

	if (unshare(CLONE_NEWNET) < 0)
		pea_error_errno(&e, "unshare the network namespace");
	else if (loopback_up(&e) < 0)
		;
	else if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
		pea_error_errno(&e, "bind the network namespace to '%s'", path);
	if (e)
		(void)pea_error_to_fd(fd, e);
	_exit(e ? 1 : 0);
}

/*
 * A new network namespace bound at path. Made by a child: in a user namespace
 * pea could not go back to the host's network namespace (owned by the initial
 * one) after an unshare of its own.
 */
static int netns_make(const char *path, struct pea_error **err)
{
	_cleanup_close_ int fd = -1, rd = -1, wr = -1;
	char buf[4096];
	int p[2], status = 0;
	ssize_t n;
	pid_t pid;

	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return pea_error_errno(err, "create '%s'", path);
	if (pipe2(p, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe");
	rd = p[0];
	wr = p[1];
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		(void)unlink(path);
		return pea_error_errno(err, "fork");
	}
	if (pid == 0)
		netns_child(wr, path);
	wr = pea_close(wr);
	do
		n = read(rd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n > 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		(void)unlink(path);
		if (n > 0 && pea_error_from_buf(err, buf, (size_t)n) == 0 && *err)
			return -1;
		return pea_error_new(err, EIO, "making the network namespace '%s' failed", path);
	}
	return 0;
}

static void netns_remove(const char *path)
{
	(void)umount2(path, MNT_DETACH);
	(void)unlink(path);
}

/* Is port free on every address, for this protocol? */
static bool port_free(int type, unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	_cleanup_close_ int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	return fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
}

/* A port the kernel gives (bound and released: pasta binds it next). */
static unsigned kernel_port(int type)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	_cleanup_close_ int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return 0;
	return ntohs(sa.sin_port);
}

/* Free host ports for a mapping of range ports (-P: host_port 0). */
static int pick_ports(struct json_object *m, struct pea_error **err)
{
	const char *proto = "tcp";
	int64_t range = 1;
	int type;

	(void)pea_json_get_string_opt(m, "ports", "protocol", &proto, NULL);
	(void)pea_json_get_int64_opt(m, "ports", "range", &range, NULL);
	type = strcmp(proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
	for (int tries = 0; tries < 64; tries++) {
		unsigned base = kernel_port(type);
		bool ok = base > 0 && base + (unsigned)range - 1 <= 65535;

		for (int64_t k = 1; ok && k < range; k++)
			ok = port_free(type, base + (unsigned)k);
		if (ok) {
			json_object_object_add(m, "host_port", json_object_new_int64(base));
			return 0;
		}
	}
	return pea_error_new(err, EADDRINUSE, "--network pasta: no free host ports for -P");
}

/* The container's ports with every host port 0 given a free one, kept in RUNDIR for pea port. */
static int resolve_ports(const struct ctr_record *r, const char *dir, struct json_object **ret,
			 struct pea_error **err)
{
	_cleanup_json_ struct json_object *copy = NULL;
	_cleanup_close_ int dfd = -1;
	struct json_object *ports = NULL;
	const char *text;

	*ret = NULL;
	if (!json_object_object_get_ex(r->opts, "ports", &ports) ||
	    json_object_array_length(ports) == 0)
		return 0;
	if (json_object_deep_copy(ports, &copy, NULL) < 0)
		return pea_error_new(err, ENOMEM, "copy the ports");
	for (size_t i = 0; i < json_object_array_length(copy); i++) {
		struct json_object *m = json_object_array_get_idx(copy, i);
		int64_t hport = 0;

		if (pea_json_get_int64_opt(m, "ports", "host_port", &hport, err) < 0)
			return -1;
		if (hport <= 0 && pick_ports(m, err) < 0)
			return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	text = json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN);
	if (pea_write_file_replace_at(dfd, PASTA_PORTS_FILE, text, strlen(text), 0600, err) < 0)
		return -1;
	*ret = TAKE_PTR(copy);
	return 0;
}

static int slirp_setup(const struct global_options *g, const struct ctr_record *r, const char *mode,
		       char **ret_nspath, struct pea_error **err);

int rootless_net_setup(const struct global_options *g, const struct ctr_record *r, const char *mode,
		       char **ret_nspath, struct pea_error **err)
{
	_cleanup_free_ char *dir = network_run_dir(g, r->id), *ns = NULL;
	_cleanup_json_ struct json_object *ports = NULL;
	_cleanup_strv_ char **argv = NULL;
	struct run_result res = { 0 };
	int rc = 0;

	if (rootless_net_is_slirp(mode))
		return slirp_setup(g, r, mode, ret_nspath, err);
	ns = xasprintf("%s/netns", dir);
	argv = pasta_argv(g, mode, dir);
	if (!strchr(argv[0], '/'))
		return pea_error_new(
			err, ENOENT,
			"--network pasta: pasta not found (install the passt package)");
	if (resolve_ports(r, dir, &ports, err) < 0 || port_args(ports, &argv, err) < 0)
		return -1;
	pea_strv_push(&argv, "--netns");
	pea_strv_push(&argv, ns);
	if (netns_make(ns, err) < 0)
		return pea_error_wrap(err, "--network pasta");
	if (frontend_run_capture(argv, -1, &res, err) < 0) {
		netns_remove(ns);
		return pea_error_wrap(err, "--network pasta");
	}
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
		_cleanup_free_ char *d = pea_describe_wait_status(res.status);
		rc = pea_error_new(err, EIO, "pasta %s: %s", d,
				   res.errtxt && *res.errtxt ? res.errtxt : "no message");
		rootless_net_teardown(g, r->id);
		netns_remove(ns);
	}
	run_result_clear(&res);
	if (rc == 0)
		*ret_nspath = TAKE_PTR(ns);
	return rc;
}

/* ---- slirp4netns ------------------------------------------------------------------ */

bool rootless_net_is_slirp(const char *mode)
{
	return mode && (strcmp(mode, "slirp4netns") == 0 || strncmp(mode, "slirp4netns:", 12) == 0);
}

struct slirp_opts {
	bool host_loopback, ipv6;
	unsigned long mtu;
	char *cidr, *outbound4, *outbound6;
};

static void slirp_opts_clear(struct slirp_opts *o)
{
	free(o->cidr);
	free(o->outbound4);
	free(o->outbound6);
}

static int parse_bool(const char *k, const char *v, bool *ret, struct pea_error **err)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
		*ret = strcmp(v, "true") == 0;
		return 0;
	}
	return pea_error_new(err, EINVAL,
			     "slirp4netns: invalid value '%s' of %s: use true or false", v, k);
}

static int parse_addr(const char *k, const char *v, int family, char **ret, struct pea_error **err)
{
	struct fe_ip ip;

	if (fe_ip_parse(v, false, &ip) < 0 || ip.family != family)
		return pea_error_new(err, EINVAL, "slirp4netns: invalid %s '%s'", k, v);
	free(*ret);
	*ret = xstrdup(v);
	return 0;
}

/* One OPT=VALUE of --network slirp4netns:OPT=VALUE,... (podman's names). */
static int slirp_opt(struct slirp_opts *o, const char *kv, struct pea_error **err)
{
	_cleanup_free_ char *k = xstrndup(kv, strcspn(kv, "="));
	const char *v = kv[strlen(k)] == '=' ? kv + strlen(k) + 1 : NULL;
	struct fe_ip ip;
	char *end = NULL;

	if (!v)
		return pea_error_new(err, EINVAL, "slirp4netns: option '%s' needs a value", kv);
	if (strcmp(k, "allow_host_loopback") == 0)
		return parse_bool(k, v, &o->host_loopback, err);
	if (strcmp(k, "enable_ipv6") == 0)
		return parse_bool(k, v, &o->ipv6, err);
	if (strcmp(k, "outbound_addr") == 0)
		return parse_addr(k, v, AF_INET, &o->outbound4, err);
	if (strcmp(k, "outbound_addr6") == 0)
		return parse_addr(k, v, AF_INET6, &o->outbound6, err);
	if (strcmp(k, "mtu") == 0) {
		errno = 0;
		o->mtu = strtoul(v, &end, 10);
		if (errno || !*v || *end || *v == '-' || o->mtu < 68 || o->mtu > 65521)
			return pea_error_new(err, EINVAL,
					     "slirp4netns: invalid mtu '%s': want 68 to 65521", v);
		return 0;
	}
	if (strcmp(k, "cidr") == 0) {
		if (fe_ip_parse(v, true, &ip) < 0 || ip.family != AF_INET || ip.prefix > 25)
			return pea_error_new(err, EINVAL,
					     "slirp4netns: invalid cidr '%s': want an IPv4 subnet "
					     "(/25 or larger)",
					     v);
		free(o->cidr);
		o->cidr = xstrdup(v);
		return 0;
	}
	if (strcmp(k, "port_handler") == 0) {
		/* pea forwards through slirp4netns's API either way */
		if (strcmp(v, "slirp4netns") == 0 || strcmp(v, "rootlesskit") == 0)
			return 0;
		return pea_error_new(err, EINVAL,
				     "slirp4netns: invalid port_handler '%s': use slirp4netns or "
				     "rootlesskit",
				     v);
	}
	return pea_error_new(err, EINVAL, "unknown option for slirp4netns: '%s'", kv);
}

static int slirp_parse(const char *mode, struct slirp_opts *o, struct pea_error **err)
{
	_cleanup_strv_ char **kvs = NULL;

	*o = (struct slirp_opts){ .mtu = 65520 };
	if (mode[11] == ':')
		kvs = pea_strv_split(mode + 12, ",");
	for (size_t i = 0; kvs && kvs[i]; i++)
		if (slirp_opt(o, kvs[i], err) < 0) {
			slirp_opts_clear(o);
			return -1;
		}
	return 0;
}

int rootless_net_check_mode(const char *mode, struct pea_error **err)
{
	struct slirp_opts o;

	if (!rootless_net_is_slirp(mode))
		return 0;
	if (slirp_parse(mode, &o, err) < 0)
		return -1;
	slirp_opts_clear(&o);
	return 0;
}

/* An address of slirp4netns's subnet: its host part (.3 the DNS, .100 the container). */
static char *slirp_addr(const char *mode, unsigned host)
{
	struct slirp_opts o;
	struct fe_ip ip, a;
	char buf[64];

	if (slirp_parse(mode, &o, NULL) < 0)
		return xasprintf("10.0.2.%u", host);
	if (!o.cidr || fe_ip_parse(o.cidr, true, &ip) < 0) {
		slirp_opts_clear(&o);
		return xasprintf("10.0.2.%u", host);
	}
	slirp_opts_clear(&o);
	a = fe_ip_network(&ip);
	a.a[3] = (uint8_t)(a.a[3] + host);
	return xstrdup(fe_ip_str(&a, buf, sizeof(buf)));
}

/* The address of slirp4netns's DNS: the subnet's .3. */
static char *slirp_dns(const char *mode)
{
	return slirp_addr(mode, 3);
}

/* The host's first global address, IPv4 before IPv6 (podman's getLocalIP); NULL if none. */
static char *host_local_ip(void)
{
	struct ifaddrs *ifa = NULL;
	char buf[INET6_ADDRSTRLEN], *v6 = NULL, *v4 = NULL;

	if (getifaddrs(&ifa) < 0)
		return NULL;
	for (struct ifaddrs *i = ifa; i && !v4; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;
		if (!sa)
			continue;
		/* copied out: a struct sockaddr promises no sockaddr_in alignment */
		if (sa->sa_family == AF_INET) {
			struct sockaddr_in in;
			memcpy(&in, sa, sizeof(in));
			uint8_t first = (uint8_t)(ntohl(in.sin_addr.s_addr) >> 24);
			if (first != 127 && first != 169 &&
			    inet_ntop(AF_INET, &in.sin_addr, buf, sizeof(buf)))
				v4 = xstrdup(buf);
		} else if (sa->sa_family == AF_INET6 && !v6) {
			struct sockaddr_in6 in6;
			memcpy(&in6, sa, sizeof(in6));
			if (!IN6_IS_ADDR_LINKLOCAL(&in6.sin6_addr) &&
			    !IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr) &&
			    inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof(buf)))
				v6 = xstrdup(buf);
		}
	}
	freeifaddrs(ifa);
	if (v4) {
		free(v6);
		return v4;
	}
	return v6;
}

void rootless_net_etc_input(const char *mode, struct etc_input *in)
{
	if (!rootless_net_is_slirp(mode))
		return;
	/* the container's own line on its tap0 address, as podman's */
	if (!in->addresses)
		pea_strv_push_take(&in->addresses, slirp_addr(mode, 100));
	/* host.containers.internal: the host's own address (slirp4netns maps its loopback apart) */
	if (!in->gateway)
		in->gateway = host_local_ip();
}

/*
 * A helper of rootless networking (slirp4netns, pea-netsetup forward) started in the
 * background, in a session of its own in dir: stdin from in (-1: /dev/null), stdout and
 * stderr to dir/log, fd 3 a pipe on which it says it is ready, which ready() reads in
 * what it wrote (30 s at most); then its pid in dir/pidfile. Not ready: it is killed
 * and reaped, the error is why() (its log's last words), or that it timed out.
 */
struct bg_helper {
	const char *what; /* its name in errors */
	const char *log, *pidfile;
	bool (*ready)(const char *buf, size_t len);
	char *(*why)(const char *dir);
};

static int bg_wait_ready(const struct bg_helper *h, int rd, pid_t pid, int pidfd, const char *dir,
			 struct pea_error **err)
{
	struct pollfd p = { .fd = rd, .events = POLLIN };
	char buf[64] = { 0 };
	ssize_t len = 0;
	int n, status = 0;

	do
		n = poll(&p, 1, 30000);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		len = read(rd, buf, sizeof(buf) - 1);
	if (len > 0 && h->ready(buf, (size_t)len))
		return 0;
	(void)pea_pidfd_send_signal(pidfd, SIGKILL);
	(void)pea_wait(pid, pidfd, 5000, &status, NULL);
	if (n == 0)
		return pea_error_new(err, ETIMEDOUT, "%s: not ready after 30 s", h->what);
	{
		_cleanup_free_ char *m = h->why(dir);
		return pea_error_new(err, EIO, "%s", m);
	}
}

static int bg_start(const struct bg_helper *h, char **argv, int in, const char *dir,
		    struct pea_error **err)
{
	_cleanup_free_ char *logp = xasprintf("%s/%s", dir, h->log), *pid_s = NULL;
	_cleanup_close_ int rd = -1, wr = -1, logfd = -1, pidfd = -1, dfd = -1;
	struct pea_fd_map fds[4];
	struct pea_spawn s = { 0 };
	size_t n = 0;
	int p[2];
	pid_t pid;

	logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (logfd < 0)
		return pea_error_errno(err, "open '%s'", logp);
	if (pipe2(p, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe");
	rd = p[0];
	wr = p[1];
	if (in >= 0)
		fds[n++] = (struct pea_fd_map){ in, 0 };
	fds[n++] = (struct pea_fd_map){ logfd, 1 };
	fds[n++] = (struct pea_fd_map){ logfd, 2 };
	fds[n++] = (struct pea_fd_map){ wr, 3 };
	s.argv = argv;
	s.fds = fds;
	s.nfds = n;
	s.cwd = dir;
	s.null_stdin = in < 0;
	s.new_session = true;
	if (pea_spawn(&s, &pid, &pidfd, err) < 0)
		return pea_error_wrap(err, "%s", h->what);
	wr = pea_close(wr);
	if (bg_wait_ready(h, rd, pid, pidfd, dir, err) < 0)
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pid_s = xasprintf("%d\n", (int)pid);
	if (dfd < 0 ||
	    pea_write_file_replace_at(dfd, h->pidfile, pid_s, strlen(pid_s), 0600, err) < 0) {
		(void)pea_pidfd_send_signal(pidfd, SIGKILL);
		return dfd < 0 ? pea_error_errno(err, "open '%s'", dir) : -1;
	}
	return 0;
}

static char **slirp_argv(const struct global_options *g, const struct slirp_opts *o,
			 const char *nspath)
{
	char **v = NULL;

	pea_strv_push_take(&v, frontend_find_binary(g, "slirp4netns"));
	pea_strv_push(&v, "--configure");
	/* as podman: its own mount namespace and a seccomp filter once it runs */
	pea_strv_push(&v, "--enable-sandbox");
	pea_strv_push(&v, "--enable-seccomp");
	pea_strv_push_take(&v, xasprintf("--mtu=%lu", o->mtu));
	if (!o->host_loopback)
		pea_strv_push(&v, "--disable-host-loopback");
	if (o->ipv6)
		pea_strv_push(&v, "--enable-ipv6");
	if (o->cidr)
		pea_strv_push_take(&v, xasprintf("--cidr=%s", o->cidr));
	if (o->outbound4)
		pea_strv_push_take(&v, xasprintf("--outbound-addr=%s", o->outbound4));
	if (o->outbound6)
		pea_strv_push_take(&v, xasprintf("--outbound-addr6=%s", o->outbound6));
	/* relative to its working directory, dir: a run root's path may not fit sun_path */
	pea_strv_push(&v, "--api-socket=" SLIRP_SOCK);
	pea_strv_push(&v, "--ready-fd=3");
	pea_strv_push(&v, "--netns-type=path");
	pea_strv_push(&v, nspath);
	pea_strv_push(&v, "tap0");
	return v;
}

/* Why slirp4netns failed: the last line it wrote to its log in dir. */
static char *slirp_why(const char *dir)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, SLIRP_LOG), *buf = NULL;
	size_t len = 0;
	char *last;

	if (pea_read_file_at(AT_FDCWD, path, 1u << 20, &buf, &len, NULL) < 0 || len == 0)
		return xstrdup("slirp4netns failed: no message");
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	last = strrchr(buf, '\n');
	return xasprintf("slirp4netns failed: %s", last ? last + 1 : buf);
}

/* slirp4netns is ready: it wrote '1' on its ready fd. */
static bool slirp_ready(const char *buf, size_t len)
{
	return len > 0 && buf[0] == '1';
}

static const struct bg_helper slirp_helper = {
	.what = "slirp4netns",
	.log = SLIRP_LOG,
	.pidfile = SLIRP_PID_FILE,
	.ready = slirp_ready,
	.why = slirp_why,
};

/* slirp4netns for nspath in the background, its socket, log and pid file in dir. */
static int slirp_start(const struct global_options *g, const struct slirp_opts *o,
		       const char *nspath, const char *dir, struct pea_error **err)
{
	_cleanup_strv_ char **argv = slirp_argv(g, o, nspath);

	if (!strchr(argv[0], '/'))
		return pea_error_new(err, ENOENT,
				     "slirp4netns not found (install the slirp4netns package)");
	/*
	 * As root, in a mount namespace of its own with private mounts: its
	 * sandbox makes only / private before it detaches the old root, which
	 * would take every shared mount below (ip netns's /run/netns/NAME) off
	 * the host's namespace too. (Rootless it runs in the pause process's.)
	 */
	if (!g->rootless) {
		char **wrapped = NULL;
		pea_strv_push_take(&wrapped, frontend_find_binary(g, "unshare"));
		pea_strv_push(&wrapped, "--mount");
		pea_strv_push(&wrapped, "--propagation");
		pea_strv_push(&wrapped, "private");
		pea_strv_push(&wrapped, "--");
		for (size_t i = 0; argv[i]; i++)
			pea_strv_push(&wrapped, argv[i]);
		pea_strv_free(argv);
		argv = wrapped;
	}
	return bg_start(&slirp_helper, argv, -1, dir, err);
}

/* Stop the program named in dir/pidfile if its name starts with comm; the file goes. */
static void stop_by_pidfile(const char *dir, const char *pidfile, const char *const *comms)
{
	_cleanup_free_ char *pidf = xasprintf("%s/%s", dir, pidfile), *buf = NULL;
	_cleanup_free_ char *comm = NULL, *commf = NULL;
	long pid;

	if (pea_read_file_at(AT_FDCWD, pidf, 64, &buf, NULL, NULL) < 0)
		return;
	pid = strtol(buf, NULL, 10);
	commf = xasprintf("/proc/%ld/comm", pid);
	/* only the program it names: not a reused pid */
	if (pid > 1 && pea_read_file_at(AT_FDCWD, commf, 64, &comm, NULL, NULL) == 0)
		for (size_t i = 0; comms[i]; i++)
			if (strncmp(comm, comms[i], strlen(comms[i])) == 0) {
				(void)kill((pid_t)pid, SIGTERM);
				break;
			}
	(void)unlink(pidf);
}

/* One request to slirp4netns's API socket in dir; *ret its "return" object. */
static int slirp_api(const char *dir, struct json_object *req, struct json_object **ret,
		     struct pea_error **err)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ struct json_object *reply = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct json_object *e = NULL, *r = NULL;
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	const char *desc = NULL;
	struct timeval tv = { .tv_sec = 10 };
	size_t len = 0;

	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, SLIRP_SOCK);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pea_error_errno(err, "socket");
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return pea_error_errno(err, "connect to slirp4netns's API socket in '%s'", dir);
	if (pea_write_all(fd, text, strlen(text), err) < 0)
		return -1;
	(void)shutdown(fd, SHUT_WR);
	if (pea_read_all(fd, 1u << 16, &buf, &len, err) < 0 ||
	    pea_json_parse(buf, len, "slirp4netns's reply", &reply, err) < 0)
		return pea_error_wrap(err, "slirp4netns API");
	if (reply && json_object_object_get_ex(reply, "error", &e)) {
		(void)pea_json_get_string_opt(e, "error", "desc", &desc, NULL);
		return pea_error_new(err, EIO, "slirp4netns: %s", desc ? desc : "failed");
	}
	if (!reply || !json_object_object_get_ex(reply, "return", &r))
		return pea_error_new(err, EPROTO, "slirp4netns: a reply without \"return\"");
	if (ret)
		*ret = json_object_get(r);
	return 0;
}

/* add_hostfwd for one port; *ret_id its id. guest NULL: slirp4netns's guest address. */
static int slirp_add_fwd(const char *dir, const char *proto, const char *host_ip, long hport,
			 const char *guest, long gport, int64_t *ret_id, struct pea_error **err)
{
	_cleanup_json_ struct json_object *req = json_object_new_object(), *r = NULL;
	struct json_object *a = json_object_new_object();

	json_object_object_add(req, "execute", json_object_new_string("add_hostfwd"));
	json_object_object_add(a, "proto", json_object_new_string(proto));
	json_object_object_add(a, "host_addr",
			       json_object_new_string(host_ip && *host_ip ? host_ip : "0.0.0.0"));
	json_object_object_add(a, "host_port", json_object_new_int64(hport));
	if (guest)
		json_object_object_add(a, "guest_addr", json_object_new_string(guest));
	json_object_object_add(a, "guest_port", json_object_new_int64(gport));
	json_object_object_add(req, "arguments", a);
	if (slirp_api(dir, req, &r, err) < 0)
		return pea_error_wrap(err, "publish %s port %ld", proto, hport);
	if (pea_json_get_int64_req(r, "return", "id", ret_id, err) < 0)
		return -1;
	return 0;
}

static void slirp_remove_fwd(const char *dir, int64_t id)
{
	_cleanup_json_ struct json_object *req = json_object_new_object();
	struct json_object *a = json_object_new_object();
	_cleanup_error_ struct pea_error *e = NULL;

	json_object_object_add(req, "execute", json_object_new_string("remove_hostfwd"));
	json_object_object_add(a, "id", json_object_new_int64(id));
	json_object_object_add(req, "arguments", a);
	if (slirp_api(dir, req, NULL, &e) < 0)
		log_debug("remove forward %lld: %s", (long long)id, e->message);
}

/*
 * Each port of ports forwarded by the slirp4netns of apidir: to the same port
 * of guest (the rootless namespace), or to the container's port (guest NULL).
 * The ids are written to dir/slirp4netns-fwd.json as they are made.
 */
static int slirp_forward_ports(const char *apidir, const char *guest, struct json_object *ports,
			       const char *dir, struct pea_error **err)
{
	_cleanup_json_ struct json_object *rec = json_object_new_object();
	struct json_object *ids = json_object_new_array();
	_cleanup_close_ int dfd = -1;
	int rc = 0;

	json_object_object_add(rec, "api", json_object_new_string(apidir));
	json_object_object_add(rec, "ids", ids);
	json_object_object_add(rec, "ports", json_object_get(ports));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	for (size_t i = 0; ports && rc == 0 && i < json_object_array_length(ports); i++) {
		struct json_object *m = json_object_array_get_idx(ports, i);
		int64_t cport = 0, hport = 0, range = 1, id = 0;
		const char *ip = NULL, *proto = "tcp", *text;

		(void)pea_json_get_int64_opt(m, "ports", "container_port", &cport, NULL);
		(void)pea_json_get_int64_opt(m, "ports", "host_port", &hport, NULL);
		(void)pea_json_get_int64_opt(m, "ports", "range", &range, NULL);
		(void)pea_json_get_string_opt(m, "ports", "host_ip", &ip, NULL);
		(void)pea_json_get_string_opt(m, "ports", "protocol", &proto, NULL);
		if (ip && strchr(ip, ':'))
			continue; /* IPv6: the forwarder's */
		for (int64_t k = 0; rc == 0 && k < (range > 0 ? range : 1); k++) {
			rc = slirp_add_fwd(apidir, proto, ip, (long)(hport + k), guest,
					   (long)(guest ? hport + k : cport + k), &id, err);
			if (rc < 0)
				break;
			json_object_array_add(ids, json_object_new_int64(id));
			text = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN);
			rc = pea_write_file_replace_at(dfd, SLIRP_FWD_FILE, text, strlen(text),
						       0600, err);
		}
	}
	return rc;
}

/* The forwards of dir/slirp4netns-fwd.json removed (when their slirp4netns still runs). */
static void slirp_unforward(const char *dir)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, SLIRP_FWD_FILE);
	_cleanup_json_ struct json_object *rec = NULL;
	struct json_object *ids = NULL;
	const char *api = NULL;

	if (pea_json_parse_file_at(AT_FDCWD, path, 1u << 20, &rec, NULL) < 0 || !rec)
		return;
	if (pea_json_get_string_opt(rec, "", "api", &api, NULL) == 1 && api &&
	    json_object_object_get_ex(rec, "ids", &ids) &&
	    json_object_get_type(ids) == json_type_array)
		for (size_t i = 0; i < json_object_array_length(ids); i++)
			slirp_remove_fwd(api,
					 json_object_get_int64(json_object_array_get_idx(ids, i)));
	(void)unlink(path);
}

/* ---- the IPv6 side of published ports: pea-netsetup forward ------------------------ */

/* The mappings whose host address is none or IPv6 (the forwarder's), NULL if none is. */
static struct json_object *v6_ports(struct json_object *ports)
{
	struct json_object *out = NULL;

	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *m = json_object_array_get_idx(ports, i);
		const char *ip = NULL;

		(void)pea_json_get_string_opt(m, "ports", "host_ip", &ip, NULL);
		if (ip && *ip && !strchr(ip, ':'))
			continue;
		if (!out)
			out = json_object_new_array();
		json_object_array_add(out, json_object_get(m));
	}
	return out;
}

/* The forwarder's input: where to connect in the namespace, and the ports. */
static int fwd_input(const char *target, bool to_container, struct json_object *ports, int *ret_fd,
		     struct pea_error **err)
{
	_cleanup_json_ struct json_object *in = json_object_new_object();
	_cleanup_close_ int fd = -1;
	const char *text;

	json_object_object_add(in, "target", json_object_new_string(target));
	json_object_object_add(in, "to_container_port", json_object_new_boolean(to_container));
	json_object_object_add(in, "port_mappings", json_object_get(ports));
	fd = memfd_create("pea-forward-in", MFD_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "memfd_create");
	text = json_object_to_json_string_ext(in, JSON_C_TO_STRING_PLAIN);
	if (pea_write_all(fd, text, strlen(text), err) < 0)
		return -1;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return pea_error_errno(err, "lseek");
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Why the forwarder failed: its last words (its log in dir), without "...error: ". */
static char *fwd_why(const char *dir)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, FWD_LOG), *buf = NULL;
	size_t len = 0;
	char *line, *save = NULL, *last = NULL, *colon;

	if (pea_read_file_at(AT_FDCWD, path, 1u << 20, &buf, &len, NULL) < 0 || len == 0)
		return xstrdup("no message");
	/* its error line, not the JSON reply that follows it */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (line[0] != '{')
			last = line;
	if (!last)
		return xstrdup("no message");
	colon = strstr(last, "error: ");
	return xstrdup(colon ? colon + 7 : last);
}

/* The forwarder is ready: its JSON line on its ready fd says "ready". */
static bool fwd_ready(const char *buf, size_t len)
{
	return len > 0 && strstr(buf, "\"ready\"");
}

static const struct bg_helper fwd_helper = {
	.what = "the port forwarder",
	.log = FWD_LOG,
	.pidfile = FWD_PID_FILE,
	.ready = fwd_ready,
	.why = fwd_why,
};

/*
 * pea-netsetup forward for the IPv6 side of ports (nothing when none has
 * one), into the namespace nspath, connecting to target there; its pid file
 * and log in dir.
 */
static int fwd_start(const struct global_options *g, const char *nspath, const char *target,
		     bool to_container, struct json_object *ports, const char *dir,
		     struct pea_error **err)
{
	_cleanup_json_ struct json_object *v6 = v6_ports(ports);
	_cleanup_free_ char *bin = NULL;
	_cleanup_strv_ char **argv = NULL;
	_cleanup_close_ int in = -1;

	if (!v6)
		return 0;
	bin = frontend_find_binary(g, "pea-netsetup");
	pea_strv_push(&argv, bin);
	pea_strv_push(&argv, "forward");
	pea_strv_push(&argv, "--ready-fd=3");
	pea_strv_push(&argv, nspath);
	if (fwd_input(target, to_container, v6, &in, err) < 0)
		return -1;
	return bg_start(&fwd_helper, argv, in, dir, err);
}

static int slirp_setup(const struct global_options *g, const struct ctr_record *r, const char *mode,
		       char **ret_nspath, struct pea_error **err)
{
	_cleanup_free_ char *dir = network_run_dir(g, r->id), *ns = NULL;
	_cleanup_json_ struct json_object *ports = NULL;
	struct slirp_opts o;
	int rc;

	if (slirp_parse(mode, &o, err) < 0)
		return -1;
	ns = xasprintf("%s/netns", dir);
	rc = netns_make(ns, err);
	if (rc == 0)
		rc = slirp_start(g, &o, ns, dir, err);
	slirp_opts_clear(&o);
	if (rc == 0)
		rc = resolve_ports(r, dir, &ports, err);
	if (rc == 0)
		rc = slirp_forward_ports(dir, NULL, ports, dir, err);
	if (rc == 0)
		rc = fwd_start(g, ns, SLIRP_GUEST, true, ports, dir, err);
	if (rc < 0) {
		rootless_net_teardown(g, r->id);
		netns_remove(ns);
		return pea_error_wrap(err, "--network %s", mode);
	}
	*ret_nspath = TAKE_PTR(ns);
	return 0;
}

/* ---- what every mode shares ---------------------------------------------------------- */

struct json_object *rootless_net_ports(const struct global_options *g, const struct ctr_record *r)
{
	_cleanup_free_ char *dir = network_run_dir(g, r->id), *pidf = NULL, *portf = NULL;
	_cleanup_free_ char *slirpf = NULL, *fwdf = NULL;
	_cleanup_json_ struct json_object *fwd = NULL;
	struct json_object *ports = NULL;

	/* a bridge container of the rootless namespace: the ports as published */
	fwdf = xasprintf("%s/%s", dir, SLIRP_FWD_FILE);
	if (g->rootless && pea_json_parse_file_at(AT_FDCWD, fwdf, 1u << 20, &fwd, NULL) == 0 &&
	    fwd && json_object_object_get_ex(fwd, "ports", &ports) &&
	    json_object_get_type(ports) == json_type_array)
		return json_object_get(ports);
	pidf = xasprintf("%s/%s", dir, PASTA_PID_FILE);
	slirpf = xasprintf("%s/%s", dir, SLIRP_PID_FILE);
	portf = xasprintf("%s/%s", dir, PASTA_PORTS_FILE);
	ports = NULL;
	if ((access(pidf, F_OK) < 0 && access(slirpf, F_OK) < 0) ||
	    pea_json_parse_file_at(AT_FDCWD, portf, 1u << 20, &ports, NULL) < 0)
		return NULL;
	return ports;
}

void rootless_net_teardown(const struct global_options *g, const char *id)
{
	static const char *const pasta[] = { "pasta", "passt", NULL };
	static const char *const slirp[] = { "slirp4netns", NULL };
	_cleanup_free_ char *dir = network_run_dir(g, id), *f = NULL;

	static const char *const fwd[] = { "pea-netsetup", NULL };

	/* pasta, or passt.avx2 once it re-executed itself */
	stop_by_pidfile(dir, PASTA_PID_FILE, pasta);
	stop_by_pidfile(dir, FWD_PID_FILE, fwd);
	slirp_unforward(dir);
	stop_by_pidfile(dir, SLIRP_PID_FILE, slirp);
	f = xasprintf("%s/%s", dir, PASTA_PORTS_FILE);
	(void)unlink(f);
	free(f);
	f = xasprintf("%s/%s", dir, SLIRP_SOCK);
	(void)unlink(f);
}

/* ---- bridge networks of rootless pea: the rootless network namespace ------------------ */

static char *rlns_dir(const struct global_options *g)
{
	return xasprintf("%s/%s", g->runroot, RLNS_DIR);
}

int rootless_netns_make(const char *path, struct pea_error **err)
{
	return netns_make(path, err);
}

/* Does dir/pidfile name a running process whose name starts with comm? */
static bool pidfile_alive(const char *dir, const char *pidfile, const char *comm)
{
	_cleanup_free_ char *pidf = xasprintf("%s/%s", dir, pidfile), *buf = NULL;
	_cleanup_free_ char *c = NULL, *commf = NULL;
	long pid;

	if (pea_read_file_at(AT_FDCWD, pidf, 64, &buf, NULL, NULL) < 0)
		return false;
	pid = strtol(buf, NULL, 10);
	commf = xasprintf("/proc/%ld/comm", pid);
	return pid > 1 && pea_read_file_at(AT_FDCWD, commf, 64, &c, NULL, NULL) == 0 &&
	       strncmp(c, comm, strlen(comm)) == 0;
}

int rootless_netns_lock(const struct global_options *g, int *ret_fd, struct pea_error **err)
{
	_cleanup_free_ char *dir = rlns_dir(g), *lock = NULL;

	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	lock = xasprintf("%s.lock", dir);
	return pea_lock_at(AT_FDCWD, lock, PEA_LOCK_EXCLUSIVE, false, ret_fd, err) < 0
		       ? pea_error_wrap(err, "lock the rootless network namespace")
		       : 0;
}

static void rlns_remove(const char *dir)
{
	static const char *const slirp[] = { "slirp4netns", NULL };
	_cleanup_free_ char *ns = xasprintf("%s/netns", dir), *f = NULL;

	stop_by_pidfile(dir, SLIRP_PID_FILE, slirp);
	netns_remove(ns);
	f = xasprintf("%s/%s", dir, SLIRP_SOCK);
	(void)unlink(f);
}

int rootless_netns_ensure(const struct global_options *g, char **ret_path, struct pea_error **err)
{
	_cleanup_free_ char *dir = rlns_dir(g), *ns = NULL;
	_cleanup_close_ int dfd = -1;
	struct slirp_opts o = { .mtu = 65520 };
	static const char resolv[] = "nameserver 10.0.2.3\n";

	ns = xasprintf("%s/netns", dir);
	if (pidfile_alive(dir, SLIRP_PID_FILE, "slirp4netns") && pea_path_exists_at(AT_FDCWD, ns)) {
		*ret_path = TAKE_PTR(ns);
		return 0;
	}
	rlns_remove(dir); /* what a crash or a killed pause process left */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	/* pea-netsetup's pea-dnsd forwards to slirp4netns's DNS */
	if (pea_write_file_replace_at(dfd, "resolv.conf", resolv, strlen(resolv), 0644, err) < 0 ||
	    netns_make(ns, err) < 0)
		return pea_error_wrap(err, "the rootless network namespace");
	if (slirp_start(g, &o, ns, dir, err) < 0) {
		rlns_remove(dir);
		return pea_error_wrap(err, "the rootless network namespace");
	}
	*ret_path = TAKE_PTR(ns);
	return 0;
}

/* Is any container's network set up (a netsetup.json in its run folder)? */
static bool bridge_in_use(const struct global_options *g)
{
	_cleanup_free_ char *cdir = xasprintf("%s/containers", g->runroot);
	_cleanup_closedir_ DIR *d = opendir(cdir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *f = NULL;
		if (de->d_name[0] == '.')
			continue;
		f = xasprintf("%s/%s/netsetup.json", cdir, de->d_name);
		if (access(f, F_OK) == 0)
			return true;
	}
	return false;
}

void rootless_netns_gc(const struct global_options *g)
{
	_cleanup_free_ char *dir = rlns_dir(g);

	if (!pea_path_exists_at(AT_FDCWD, dir) || bridge_in_use(g))
		return;
	rlns_remove(dir);
}

int rootless_netns_forward(const struct global_options *g, const char *id,
			   struct json_object *ports, struct pea_error **err)
{
	_cleanup_free_ char *dir = rlns_dir(g), *cdir = network_run_dir(g, id), *ns = NULL;

	if (!ports || json_object_array_length(ports) == 0)
		return 0;
	if (slirp_forward_ports(dir, SLIRP_GUEST, ports, cdir, err) < 0)
		return -1;
	ns = xasprintf("%s/netns", dir);
	return fwd_start(g, ns, SLIRP_GUEST, false, ports, cdir, err);
}

/* The child of rootless_netns_capture: into the namespace, resolv.conf bound, exec. */
static void __attribute__((noreturn))
rlns_child(int nsfd, const char *resolv, char *const *argv, int in, int out, int errfd)
{
	const char *what = "setns";

	if (setns(nsfd, CLONE_NEWNET) < 0)
		goto fail;
	what = "unshare the mount namespace";
	if (unshare(CLONE_NEWNS) < 0)
		goto fail;
	what = "make / private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		goto fail;
	what = "bind resolv.conf";
	if (mount(resolv, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0)
		goto fail;
	what = "dup2";
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		goto fail;
	(void)pea_close_fds_except(3, NULL, 0);
	execv(argv[0], argv);
	what = argv[0];
fail:
	dprintf(errfd, "rootless network namespace: %s: %s\n", what, strerror(errno));
	_exit(127);
}

static int read_back(int fd, char **ret, size_t *ret_len, struct pea_error **err)
{
	if (lseek(fd, 0, SEEK_SET) < 0)
		return pea_error_errno(err, "lseek");
	return pea_read_all(fd, 16u << 20, ret, ret_len, err);
}

int rootless_netns_capture(const struct global_options *g, char *const *argv, int in_fd,
			   struct run_result *ret, struct pea_error **err)
{
	_cleanup_free_ char *dir = rlns_dir(g), *ns = NULL, *resolv = NULL;
	_cleanup_close_ int nsfd = -1, in = -1, out = -1, errfd = -1;
	size_t elen = 0;
	int status = 0;
	pid_t pid;

	memset(ret, 0, sizeof(*ret));
	ns = xasprintf("%s/netns", dir);
	resolv = xasprintf("%s/resolv.conf", dir);
	nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return pea_error_errno(err, "open the rootless network namespace '%s'", ns);
	in = in_fd >= 0 ? fcntl(in_fd, F_DUPFD_CLOEXEC, 3)
			: open("/dev/null", O_RDONLY | O_CLOEXEC);
	out = memfd_create("pea-out", MFD_CLOEXEC);
	errfd = memfd_create("pea-err", MFD_CLOEXEC);
	if (in < 0 || out < 0 || errfd < 0)
		return pea_error_errno(err, "memfd_create");
	if (log_get_level() >= LOG_LEVEL_DEBUG) {
		_cleanup_free_ char *cmd = pea_strv_join(argv, " ");
		log_debug("running %s in the rootless network namespace", cmd);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return pea_error_errno(err, "fork");
	if (pid == 0)
		rlns_child(nsfd, resolv, argv, in, out, errfd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return pea_error_errno(err, "waitpid");
	ret->status = status;
	if (read_back(out, &ret->out, &ret->len, err) < 0 ||
	    read_back(errfd, &ret->errtxt, &elen, err) < 0) {
		run_result_clear(ret);
		return -1;
	}
	while (elen > 0 && (ret->errtxt[elen - 1] == '\n' || ret->errtxt[elen - 1] == '\r'))
		ret->errtxt[--elen] = '\0';
	return 0;
}
