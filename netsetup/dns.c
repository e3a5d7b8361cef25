#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "netsetup/netsetup.h"

/*
 * aardvark-dns reads CONFIG/aardvark-dns/NETWORK, one file per network:
 *
 *   10.89.0.1,fd00::1 [dns,servers]           gateways to listen on
 *   ID 10.89.0.2 fd00::2 name,alias [dns]     one line per container
 *
 * and reloads on SIGHUP; its pid is in CONFIG/aardvark-dns/aardvark.pid.
 */

#define DNS_FILE_MAX	 (8u << 20)
#define DEFAULT_AARDVARK "/usr/lib/podman/aardvark-dns"

static char *dns_dir(const struct global_options *g)
{
	return xasprintf("%s/aardvark-dns",
			 g->config_dir ? g->config_dir : "/run/containers/networks");
}

static void append_csv(char **line, const char *item)
{
	char *n = xasprintf("%s%s%s", *line, **line ? "," : "", item);

	free(*line);
	*line = n;
}

static char *header_line(const struct attachment *a)
{
	_cleanup_free_ char *ips = xstrdup("");
	_cleanup_free_ char *servers = NULL;
	char b[64];

	for (size_t i = 0; i < a->net.n_subnets; i++)
		if (a->net.subnets[i].has_gateway)
			append_csv(&ips, ipnet_addr_str(&a->net.subnets[i].gateway, b, sizeof(b)));
	if (a->net.network_dns_servers && a->net.network_dns_servers[0]) {
		servers = pea_strv_join(a->net.network_dns_servers, ",");
		return xasprintf("%s %s\n", ips, servers);
	}
	return xasprintf("%s\n", ips);
}

/* s for a one-line message: control characters as \\xNN (a new string). */
static char *escaped(const char *s)
{
	char *out = xmalloc(strlen(s) * 4 + 1), *p = out;

	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		p += *c < ' ' || *c == 0x7f ? sprintf(p, "\\x%02x", *c) : sprintf(p, "%c", *c);
	*p = '\0';
	return out;
}

/* A name aardvark-dns can hold in its line: no blank, no comma, no control character. */
static bool valid_dns_name(const char *s)
{
	if (!*s || strlen(s) > 253)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == ',' || *p == 0x7f)
			return false;
	return true;
}

static char *entry_line(const struct net_options *o, const struct attachment *a,
			const struct link_result *r)
{
	_cleanup_free_ char *v4 = xstrdup(""), *v6 = xstrdup(""), *names = NULL;
	char b[64];

	for (size_t i = 0; i < r->n_addrs; i++)
		append_csv(r->addrs[i].family == AF_INET ? &v4 : &v6,
			   ipnet_addr_str(&r->addrs[i], b, sizeof(b)));
	names = xstrdup("");
	if (valid_dns_name(o->container_name))
		append_csv(&names, o->container_name);
	else {
		_cleanup_free_ char *e = escaped(o->container_name);

		log_warning("invalid container name '%s' for DNS, ignoring", e);
	}
	for (size_t i = 0; a->opts.aliases && a->opts.aliases[i]; i++) {
		const char *alias = a->opts.aliases[i];

		if (!valid_dns_name(alias)) {
			_cleanup_free_ char *e = escaped(alias);

			log_warning("invalid network alias '%s', ignoring", e);
		} else if (strcmp(alias, o->container_name) != 0)
			append_csv(&names, alias);
	}
	if (o->dns_servers && o->dns_servers[0]) {
		_cleanup_free_ char *servers = pea_strv_join(o->dns_servers, ",");

		return xasprintf("%s %s %s %s %s\n", o->container_id, v4, v6, names, servers);
	}
	return xasprintf("%s %s %s %s\n", o->container_id, v4, v6, names);
}

/* The lines of dir/name except the container's; the header first. NULL if no file. */
static int read_without(int dirfd, const char *name, const char *id, char **ret_text,
			size_t *ret_entries, struct pea_error **err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *out = NULL;
	size_t len = 0, n = 0, idlen = strlen(id), o = 0;
	char *line, *save = NULL;
	int r;

	r = pea_read_file_at(dirfd, name, DNS_FILE_MAX, &text, &len, err);
	if (r == -ENOENT) {
		pea_error_free(*err);
		*err = NULL;
		*ret_text = NULL;
		*ret_entries = 0;
		return 0;
	}
	if (r < 0)
		return r;
	out = xmalloc(len + 2);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bool header = o == 0;

		if (!header && strncmp(line, id, idlen) == 0 && line[idlen] == ' ')
			continue;
		o += (size_t)sprintf(out + o, "%s\n", line);
		if (!header)
			n++;
	}
	out[o] = '\0';
	*ret_text = TAKE_PTR(out);
	*ret_entries = n;
	return 0;
}

static int open_dir(const struct global_options *g, bool create, int *ret_fd,
		    struct pea_error **err)
{
	_cleanup_free_ char *dir = dns_dir(g);
	int fd;

	if (create && pea_mkdir_p_at(AT_FDCWD, dir, 0700, NULL, err) < 0)
		return pea_error_wrap(err, "dns config '%s'", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	*ret_fd = fd;
	return 0;
}

int dns_add(const struct global_options *g, const struct net_options *o, const struct attachment *a,
	    const struct link_result *r, struct pea_error **err)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ char *text = NULL, *entry = NULL, *all = NULL;
	size_t n = 0;

	if (open_dir(g, true, &dirfd, err) < 0)
		return -EIO;
	if (read_without(dirfd, a->key, o->container_id, &text, &n, err) < 0)
		return -EIO;
	if (!text)
		text = header_line(a);
	entry = entry_line(o, a, r);
	all = xasprintf("%s%s", text, entry);
	return pea_write_file_atomic_at(dirfd, a->key, all, strlen(all), 0644, err);
}

int dns_remove(const struct global_options *g, const struct net_options *o, struct pea_error **err)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_error_ struct pea_error *e = NULL;

	if (open_dir(g, false, &dirfd, &e) < 0)
		return 0; /* no directory: nothing of ours */
	for (size_t i = 0; i < o->n_attachments; i++) {
		const struct attachment *a = &o->attachments[i];
		_cleanup_free_ char *text = NULL;
		size_t n = 0;

		if (!a->net.dns_enabled)
			continue;
		if (read_without(dirfd, a->key, o->container_id, &text, &n, err) < 0)
			return -EIO;
		if (!text)
			continue;
		if (n == 0) {
			if (unlinkat(dirfd, a->key, 0) < 0 && errno != ENOENT)
				return pea_error_errno(err, "remove dns config '%s'", a->key);
			continue;
		}
		if (pea_write_file_atomic_at(dirfd, a->key, text, strlen(text), 0644, err) < 0)
			return -EIO;
	}
	return 0;
}

static pid_t server_pid(int dirfd)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	size_t len = 0;
	long pid;
	char *end = NULL;

	if (pea_read_file_at(dirfd, "aardvark.pid", 64, &text, &len, &e) < 0)
		return 0;
	pid = strtol(text, &end, 10);
	if (pid <= 1 || (*end && *end != '\n'))
		return 0;
	if (kill((pid_t)pid, 0) < 0)
		return 0;
	return (pid_t)pid;
}

static bool has_network_files(int dirfd)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = dup(dirfd);

	if (fd < 0)
		return true;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return true;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "aardvark.pid") == 0 ||
		    strstr(de->d_name, ".tmp"))
			continue;
		if (de->d_type == DT_REG || de->d_type == DT_UNKNOWN)
			return true;
	}
	return false;
}

static int start_server(const struct global_options *g, int dirfd, struct pea_error **err)
{
	_cleanup_free_ char *dir = dns_dir(g);
	const char *bin = g->aardvark_binary ? g->aardvark_binary : DEFAULT_AARDVARK;
	char port[8];
	char *argv[] = { (char *)bin, "--config", dir, "-p", port, "run", NULL };
	_cleanup_close_ int devnull = -1;
	struct pea_fd_map fds[3];
	struct pea_spawn s = { .argv = argv, .fds = fds, .nfds = 3, .new_session = true };
	pid_t pid = 0;
	int status = 0;

	snprintf(port, sizeof(port), "%u", (unsigned int)(g->dns_port ? g->dns_port : 53));
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		return pea_error_errno(err, "open '/dev/null'");
	for (int i = 0; i < 3; i++)
		fds[i] = (struct pea_fd_map){ .parent = devnull, .child = i };
	if (pea_spawn(&s, &pid, NULL, err) < 0)
		return pea_error_wrap(err, "aardvark-dns failed to start: '%s'", bin);
	/*
	 * aardvark-dns forks its server and exits once the server is listening.
	 * Wait for that, then for the pid file.
	 */
	if (pea_wait(pid, -1, 5000, &status, err) < 0)
		return pea_error_wrap(err, "aardvark-dns failed to start: '%s'", bin);
	if (pea_exit_status(status) != 0) {
		_cleanup_free_ char *why = pea_describe_wait_status(status);

		return pea_error_new(err, EIO, "aardvark-dns failed to start: '%s' %s", bin, why);
	}
	for (int i = 0; i < 200 && !server_pid(dirfd); i++) {
		struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	return 0;
}

int dns_commit(const struct global_options *g, struct pea_error **err)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_error_ struct pea_error *e = NULL;
	pid_t pid;

	if (open_dir(g, false, &dirfd, &e) < 0)
		return 0;
	pid = server_pid(dirfd);
	if (!has_network_files(dirfd)) {
		if (pid > 0 && kill(pid, SIGTERM) < 0 && errno != ESRCH)
			return pea_error_errno(err, "stop dns server %d", (int)pid);
		if (unlinkat(dirfd, "aardvark.pid", 0) < 0 && errno != ENOENT)
			log_warning("cannot remove aardvark.pid, ignoring");
		return 0;
	}
	if (pid > 0) {
		if (kill(pid, SIGHUP) < 0)
			return pea_error_errno(err, "reload dns server %d", (int)pid);
		return 0;
	}
	return start_server(g, dirfd, err);
}
