/*
 * --network pasta: the network of rootless containers, as podman's default.
 * The container's namespace is made at RUNROOT/containers/ID/netns (as for
 * a bridge network, so network_teardown removes it), then pasta (the passt
 * package) configures it from the host's addresses and routes, forwards the
 * published ports from the host to it, and goes to the background with its
 * pid in RUNROOT/containers/ID/pasta.pid. It quits when the namespace file
 * goes; the teardown also stops it by its pid.
 */
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
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/frontend.h"
#include "frontend/network.h"
#include "frontend/records.h"
#include "frontend/rootless.h"

#define PASTA_PID_FILE	 "pasta.pid"
#define PASTA_PORTS_FILE "pasta-ports.json"

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
	return v;
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
	if (pea_write_file_atomic_at(dfd, PASTA_PORTS_FILE, text, strlen(text), 0600, err) < 0)
		return -1;
	*ret = TAKE_PTR(copy);
	return 0;
}

int rootless_net_setup(const struct global_options *g, const struct ctr_record *r, const char *mode,
		       char **ret_nspath, struct pea_error **err)
{
	_cleanup_free_ char *dir = network_run_dir(g, r->id), *ns = NULL;
	_cleanup_json_ struct json_object *ports = NULL;
	_cleanup_strv_ char **argv = NULL;
	struct run_result res = { 0 };
	int rc = 0;

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

struct json_object *rootless_net_ports(const struct global_options *g, const struct ctr_record *r)
{
	_cleanup_free_ char *dir = network_run_dir(g, r->id), *pidf = NULL, *portf = NULL;
	struct json_object *ports = NULL;

	pidf = xasprintf("%s/%s", dir, PASTA_PID_FILE);
	portf = xasprintf("%s/%s", dir, PASTA_PORTS_FILE);
	if (access(pidf, F_OK) < 0 ||
	    pea_json_parse_file_at(AT_FDCWD, portf, 1u << 20, &ports, NULL) < 0)
		return NULL;
	return ports;
}

void rootless_net_teardown(const struct global_options *g, const char *id)
{
	_cleanup_free_ char *dir = network_run_dir(g, id), *pidf = NULL, *buf = NULL;
	_cleanup_free_ char *comm = NULL, *commf = NULL;
	long pid;

	pidf = xasprintf("%s/%s", dir, PASTA_PID_FILE);
	if (pea_read_file_at(AT_FDCWD, pidf, 64, &buf, NULL, NULL) < 0)
		return;
	pid = strtol(buf, NULL, 10);
	commf = xasprintf("/proc/%ld/comm", pid);
	/* only the pasta it names (passt.avx2 once it re-executed itself): not a reused pid */
	if (pid > 1 && pea_read_file_at(AT_FDCWD, commf, 64, &comm, NULL, NULL) == 0 &&
	    (strncmp(comm, "pasta", 5) == 0 || strncmp(comm, "passt", 5) == 0))
		(void)kill((pid_t)pid, SIGTERM);
	(void)unlink(pidf);
	free(pidf);
	pidf = xasprintf("%s/%s", dir, PASTA_PORTS_FILE);
	(void)unlink(pidf);
}
