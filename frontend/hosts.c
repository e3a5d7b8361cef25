/* A container's /etc/hosts, /etc/hostname and /etc/resolv.conf (network.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/network.h"
#include "frontend/records.h"

#define ETC_FILE_MAX (1u << 20)
#define DNS_DOMAIN   "dns.podman"

/* Append to a growing string. */
static void cat(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cat(char **s, const char *fmt, ...)
{
	_cleanup_free_ char *add = NULL;
	va_list ap;
	char *n;

	va_start(ap, fmt);
	add = xvasprintf(fmt, ap);
	va_end(ap);
	n = xasprintf("%s%s", *s ? *s : "", add);
	free(*s);
	*s = n;
}

/* "IP name name" of a line, fields split on blanks; NULL for comments and blank lines. */
static char **line_fields(const char *line)
{
	char **w = pea_strv_split(line, " \t");

	if (w && w[0] && w[0][0] != '#')
		return w;
	pea_strv_free(w);
	return NULL;
}

/*
 * An entry "ip names" with only the names the user's lines (--add-host, the
 * base file) do not have: those win. pea's own entries do not hide each
 * other, as podman's: localhost goes on both 127.0.0.1 and ::1.
 */
static void entry(char **out, char *const *seen, const char *ip, char *const *names)
{
	_cleanup_strv_ char **fresh = NULL;
	_cleanup_free_ char *joined = NULL;

	/* as podman's: a name twice when the hostname is the container's name */
	for (size_t i = 0; names && names[i]; i++)
		if (!pea_strv_contains(seen, names[i]))
			pea_strv_push(&fresh, names[i]);
	if (!fresh)
		return;
	joined = pea_strv_join(fresh, " ");
	cat(out, "%s\t%s\n", ip, joined);
}

/* "NAME:IP" of --add-host, with host-gateway as the gateway. */
static void add_hosts(char **out, char ***seen, const struct etc_input *in)
{
	for (size_t i = 0; in->add_hosts && in->add_hosts[i]; i++) {
		const char *h = in->add_hosts[i], *colon = strchr(h, ':');
		_cleanup_free_ char *name = NULL, *bare = NULL;
		const char *ip;

		if (!colon)
			continue;
		name = xstrndup(h, (size_t)(colon - h));
		ip = colon + 1;
		if (strcmp(ip, "host-gateway") == 0)
			ip = in->gateway ? in->gateway : (in->host_net ? "127.0.0.1" : NULL);
		if (!ip)
			continue;
		if (*ip == '[')
			ip = bare = xstrndup(ip + 1, strcspn(ip + 1, "]"));
		cat(out, "%s\t%s\n", ip, name);
		pea_strv_push(seen, name);
	}
}

/*
 * The entries of the base file as podman writes them: comments and lines
 * without a name dropped, "IP<tab>names"; their names noted.
 */
static void add_base(char **out, char ***seen, const char *base)
{
	_cleanup_strv_ char **lines = pea_strv_split(base ? base : "", "\n");

	for (size_t i = 0; lines && lines[i]; i++) {
		_cleanup_free_ char *line = xstrndup(lines[i], strcspn(lines[i], "#"));
		_cleanup_strv_ char **w = pea_strv_split(line, " \t");
		_cleanup_free_ char *names = NULL;

		if (!w || !w[0] || !w[1])
			continue;
		names = pea_strv_join(w + 1, " ");
		cat(out, "%s\t%s\n", w[0], names);
		for (size_t k = 1; w[k]; k++)
			pea_strv_push(seen, w[k]);
	}
}

char *etc_hosts_text(const char *host_hosts, const struct etc_input *in)
{
	_cleanup_strv_ char **seen = NULL, **own = NULL;
	char *out = xstrdup("");
	char *lh[] = { "localhost", NULL };
	char *internal[] = { "host.containers.internal", "host.docker.internal", NULL };

	/* podman's order: --add-host, the base file (the host's by default), then its own */
	add_hosts(&out, &seen, in);
	add_base(&out, &seen, in->base_hosts ? in->base_hosts : host_hosts);
	entry(&out, seen, "127.0.0.1", lh);
	entry(&out, seen, "::1", lh);
	if (in->gateway)
		entry(&out, seen, in->gateway, internal);
	pea_strv_push(&own, in->hostname);
	if (in->name)
		pea_strv_push(&own, in->name);
	for (size_t i = 0; in->addresses && in->addresses[i]; i++)
		entry(&out, seen, in->addresses[i], own);
	/* no address: the names on the loopback (none), the host's own file (host) */
	if ((!in->addresses || !in->addresses[0]) && !in->host_net)
		entry(&out, seen, "127.0.0.1", own);
	return out;
}

static bool is_local_server(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0;
}

/* nameserver, search and options lines of the host's file. */
static void parse_resolv(const char *text, char ***servers, char ***search, char ***options)
{
	_cleanup_strv_ char **lines = pea_strv_split(text ? text : "", "\n");

	for (size_t i = 0; lines && lines[i]; i++) {
		_cleanup_strv_ char **w = pea_strv_split(lines[i], " \t");
		char ***dst = NULL;

		if (!w || !w[0] || w[0][0] == '#' || w[0][0] == ';')
			continue;
		if (strcmp(w[0], "nameserver") == 0 && w[1])
			pea_strv_push(servers, w[1]);
		else if (strcmp(w[0], "search") == 0 || strcmp(w[0], "domain") == 0)
			dst = search;
		else if (strcmp(w[0], "options") == 0)
			dst = options;
		if (!dst)
			continue;
		if (dst == search)
			*search = pea_strv_free(*search); /* the last search line wins */
		for (size_t k = 1; w[k]; k++)
			pea_strv_push(dst, w[k]);
	}
}

char *etc_resolv_text(const char *host_resolv, const struct etc_input *in)
{
	_cleanup_strv_ char **hs = NULL, **hsearch = NULL, **hopts = NULL;
	_cleanup_strv_ char **servers = NULL, **search = NULL;
	char *const *opts;
	char *out = xstrdup("");

	parse_resolv(host_resolv, &hs, &hsearch, &hopts);
	if (in->dns_servers && in->dns_servers[0]) {
		servers = pea_strv_copy(in->dns_servers);
	} else if (in->net_dns && in->net_dns[0]) {
		servers = pea_strv_copy(in->net_dns);
	} else {
		/* pasta and slirp4netns answer there with the host's resolver (as podman) */
		if (in->dns_forward && *in->dns_forward)
			pea_strv_push(&servers, in->dns_forward);
		for (size_t i = 0; hs && hs[i]; i++)
			if (in->host_net || !is_local_server(hs[i]))
				pea_strv_push(&servers, hs[i]);
		if (!servers && !in->host_net) {
			pea_strv_push(&servers, "8.8.8.8");
			pea_strv_push(&servers, "8.8.4.4");
		}
	}
	if (in->dns_search && in->dns_search[0]) {
		for (size_t i = 0; in->dns_search[i]; i++)
			if (strcmp(in->dns_search[i], ".") != 0)
				pea_strv_push(&search, in->dns_search[i]);
	} else {
		if (in->net_dns && in->net_dns[0])
			pea_strv_push(&search, DNS_DOMAIN);
		for (size_t i = 0; hsearch && hsearch[i]; i++)
			pea_strv_push(&search, hsearch[i]);
	}
	if (search) {
		_cleanup_free_ char *s = pea_strv_join(search, " ");
		cat(&out, "search %s\n", s);
	}
	for (size_t i = 0; servers && servers[i]; i++)
		cat(&out, "nameserver %s\n", servers[i]);
	opts = in->dns_options && in->dns_options[0] ? in->dns_options : hopts;
	if (opts && opts[0]) {
		_cleanup_free_ char *s = pea_strv_join(opts, " ");
		cat(&out, "options %s\n", s);
	}
	return out;
}

/* Under the run root, gone at a reboot: replaced whole, no fsync (records.h). */
static int write_one(int dfd, const char *name, const char *text, struct pea_error **err)
{
	return pea_write_file_replace_at(dfd, name, text, strlen(text), 0644, err);
}

/* containers.conf's base_hosts_file: a path, the image's /etc/hosts, none (""); NULL: pea's. */
static int base_hosts(const char *base, const char *rootfs, char **ret, struct pea_error **err)
{
	_cleanup_close_ int rootfd = -1, fd = -1;
	_cleanup_error_ struct pea_error *e = NULL;
	size_t len;

	*ret = NULL;
	if (!base)
		return 0;
	if (strcmp(base, "none") == 0) {
		*ret = xstrdup("");
		return 0;
	}
	if (strcmp(base, "image") != 0) {
		if (pea_read_file_at(AT_FDCWD, base, ETC_FILE_MAX, ret, &len, err) < 0)
			return pea_error_wrap(err, "containers.conf base_hosts_file");
		return 0;
	}
	rootfd = rootfs ? open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (rootfd < 0 || pea_open_in_root(rootfd, "/etc/hosts", O_RDONLY, 0, &fd, &e) < 0 ||
	    pea_read_all(fd, ETC_FILE_MAX, ret, &len, &e) < 0)
		*ret = xstrdup(""); /* an image without /etc/hosts: nothing to start from */
	return 0;
}

/* A new vector of a then b. */
static char **strv_concat(char *const *a, char *const *b)
{
	char **v = pea_strv_copy(a);

	for (size_t i = 0; b && b[i]; i++)
		pea_strv_push(&v, b[i]);
	return v;
}

int etc_files_write(const struct global_options *g, const char *dir, const char *rootfs,
		    const struct etc_input *in, struct pea_error **err)
{
	_cleanup_free_ char *hh = NULL, *hr = NULL, *hosts = NULL, *resolv = NULL, *hn = NULL;
	_cleanup_free_ char *base = NULL;
	_cleanup_strv_ char **servers = NULL, **search = NULL, **options = NULL;
	const struct net_config *conf = net_config_get(g, err);
	struct etc_input mine = *in;
	_cleanup_close_ int dfd = -1;
	size_t len;

	if (!conf)
		return -1;
	/* containers.conf: base file, host.containers.internal, DNS before the flags (podman) */
	if (base_hosts(conf->base_hosts_file, rootfs, &base, err) < 0)
		return -1;
	mine.base_hosts = base;
	if (conf->host_containers_internal_ip)
		mine.gateway = strcmp(conf->host_containers_internal_ip, "none") == 0
				       ? NULL
				       : conf->host_containers_internal_ip;
	servers = mine.dns_servers = strv_concat(conf->dns_servers, in->dns_servers);
	search = mine.dns_search = strv_concat(conf->dns_searches, in->dns_search);
	options = mine.dns_options = strv_concat(conf->dns_options, in->dns_options);
	if (pea_read_file_at(AT_FDCWD, "/etc/hosts", ETC_FILE_MAX, &hh, &len, NULL) < 0)
		hh = xstrdup("");
	if (pea_read_file_at(AT_FDCWD, "/etc/resolv.conf", ETC_FILE_MAX, &hr, &len, NULL) < 0)
		hr = xstrdup("");
	hosts = etc_hosts_text(hh, &mine);
	resolv = etc_resolv_text(hr, &mine);
	hn = xasprintf("%s\n", in->hostname);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	if (write_one(dfd, "hostname", hn, err) < 0 || write_one(dfd, "hosts", hosts, err) < 0 ||
	    write_one(dfd, "resolv.conf", resolv, err) < 0)
		return -1;
	return 0;
}

/* ---- edits of a running container's files ------------------------------------------ */

/* Is line "ip names..." (the names in order, blanks aside)? */
static bool is_entry(const char *line, const char *ip, char *const *names)
{
	_cleanup_strv_ char **w = line_fields(line);

	if (!w || strcmp(w[0], ip) != 0 || pea_strv_length(w + 1) != pea_strv_length(names))
		return false;
	for (size_t i = 0; names[i]; i++)
		if (strcmp(w[i + 1], names[i]) != 0)
			return false;
	return true;
}

char **etc_hosts_names(const char *text)
{
	_cleanup_strv_ char **lines = pea_strv_split(text ? text : "", "\n");
	char **names = NULL;

	for (size_t i = 0; lines && lines[i]; i++) {
		_cleanup_strv_ char **w = NULL;
		char *hash = strchr(lines[i], '#');

		if (hash)
			*hash = '\0';
		w = line_fields(lines[i]);
		for (size_t k = 1; w && w[k]; k++)
			if (!pea_strv_contains(names, w[k]))
				pea_strv_push(&names, w[k]);
	}
	return names;
}

char *etc_hosts_edit(const char *text, char *const *ips, char *const *names, bool add)
{
	_cleanup_strv_ char **lines = pea_strv_split(text ? text : "", "\n");
	_cleanup_free_ char *joined = pea_strv_join(names, " ");
	char *out = xstrdup("");

	for (size_t i = 0; lines && lines[i]; i++) {
		bool drop = false;
		for (size_t k = 0; ips && ips[k] && !drop; k++)
			drop = is_entry(lines[i], ips[k], names);
		if (!drop)
			cat(&out, "%s\n", lines[i]);
	}
	for (size_t k = 0; add && ips && ips[k]; k++)
		cat(&out, "%s\t%s\n", ips[k], joined);
	return out;
}

char *etc_resolv_edit(const char *text, char *const *servers, bool add)
{
	_cleanup_strv_ char **lines = pea_strv_split(text ? text : "", "\n");
	char *out = xstrdup("");
	bool placed = !add;

	for (size_t i = 0; lines && lines[i]; i++) {
		_cleanup_strv_ char **w = line_fields(lines[i]);
		bool ns = w && strcmp(w[0], "nameserver") == 0 && w[1];

		if (ns && pea_strv_contains(servers, w[1]))
			continue;
		/* the network's servers go first, as podman puts them */
		if (ns && !placed) {
			for (size_t k = 0; servers && servers[k]; k++)
				cat(&out, "nameserver %s\n", servers[k]);
			placed = true;
		}
		cat(&out, "%s\n", lines[i]);
	}
	for (size_t k = 0; !placed && servers && servers[k]; k++)
		cat(&out, "nameserver %s\n", servers[k]);
	return out;
}

/*
 * The file is bind-mounted into the container: it is rewritten in place (a
 * rename would leave the container the old inode), under a lock on itself.
 */
static int edit_in_place(const char *path, char *(*edit)(const char *, void *), void *data,
			 struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL, *next = NULL;
	size_t len;

	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", path);
	if (flock(fd, LOCK_EX) < 0)
		return pea_error_errno(err, "lock '%s'", path);
	if (pea_read_all(fd, ETC_FILE_MAX, &text, &len, err) < 0)
		return pea_error_wrap(err, "read '%s'", path);
	next = edit(text, data);
	if (strcmp(next, text) == 0)
		return 0;
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return pea_error_errno(err, "truncate '%s'", path);
	if (pea_write_all(fd, next, strlen(next), err) < 0)
		return pea_error_wrap(err, "write '%s'", path);
	return 0;
}

struct hosts_edit {
	char *const *ips, *const *names;
	bool add;
};

static char *hosts_cb(const char *text, void *data)
{
	const struct hosts_edit *h = data;

	return etc_hosts_edit(text, h->ips, h->names, h->add);
}

static char *resolv_cb(const char *text, void *data)
{
	const struct hosts_edit *h = data;

	return etc_resolv_edit(text, h->ips, h->add);
}

int etc_hosts_update(const char *path, char *const *ips, char *const *names, bool add,
		     struct pea_error **err)
{
	struct hosts_edit h = { ips, names, add };

	if (!ips || !ips[0])
		return 0;
	return edit_in_place(path, hosts_cb, &h, err);
}

int etc_resolv_update(const char *path, char *const *servers, bool add, struct pea_error **err)
{
	struct hosts_edit h = { servers, NULL, add };

	if (!servers || !servers[0])
		return 0;
	return edit_in_place(path, resolv_cb, &h, err);
}
