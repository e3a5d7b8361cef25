#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "dnsd/config.h"

#define MAX_FIELDS 8

bool dnsd_ip_parse(const char *s, struct dnsd_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->addr) == 1) {
		ip->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, ip->addr) == 1) {
		ip->family = AF_INET6;
		return true;
	}
	return false;
}

const char *dnsd_ip_format(const struct dnsd_ip *ip, char *buf, size_t len)
{
	if (!inet_ntop(ip->family, ip->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

int dnsd_ip_compare(const struct dnsd_ip *a, const struct dnsd_ip *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Split line (not NUL-terminated, len bytes) on single spaces into a copy. */
static size_t split_fields(const char *line, size_t len, char *copy, char *fields[MAX_FIELDS])
{
	size_t n = 0;

	memcpy(copy, line, len);
	copy[len] = '\0';
	fields[n++] = copy;
	for (size_t i = 0; i < len; i++) {
		if (copy[i] != ' ')
			continue;
		copy[i] = '\0';
		if (n == MAX_FIELDS)
			return MAX_FIELDS + 1;
		fields[n++] = copy + i + 1;
	}
	return n;
}

/* A copy of s with bytes that are not printable ASCII as \xNN, for messages. */
static char *escape(const char *s)
{
	char *out = xmalloc(strlen(s) * 4 + 1), *p = out;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f)
			p += sprintf(p, "\\x%02x", c);
		else
			*p++ = (char)c;
	}
	*p = '\0';
	return out;
}

/* A comma-separated list of addresses of family (0: either). */
static int parse_ip_list(const char *field, int family, const char *what_field,
			 struct dnsd_ip **ret, size_t *ret_n, struct pea_error **err)
{
	_cleanup_free_ struct dnsd_ip *ips = NULL;
	_cleanup_free_ char *copy = xstrdup(field);
	size_t n = 0, cap = 1;
	char *save = NULL;

	for (const char *p = copy; *p; p++)
		if (*p == ',')
			cap++;
	ips = xnew(struct dnsd_ip, cap);
	if (*field == '\0' || field[strlen(field) - 1] == ',')
		return pea_error_new(err, EINVAL, "empty address in %s '%s'", what_field, field);
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!dnsd_ip_parse(tok, &ips[n]) || (family && ips[n].family != family)) {
			_cleanup_free_ char *e = escape(tok);

			return pea_error_new(err, EINVAL, "invalid %s%s address '%s'",
					     family == AF_INET	  ? "IPv4 "
					     : family == AF_INET6 ? "IPv6 "
								  : "",
					     what_field, e);
		}
		n++;
	}
	if (n != cap)
		return pea_error_new(err, EINVAL, "empty address in %s '%s'", what_field, field);
	*ret = TAKE_PTR(ips);
	*ret_n = n;
	return 0;
}

static bool is_valid_name(const char *s)
{
	size_t label = 0, len = strlen(s);

	if (len == 0 || len > 253)
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (c <= 0x20 || c >= 0x7f || c == '\\' || ++label > 63)
			return false;
	}
	return true;
}

static int parse_names(const char *field, char ***ret, struct pea_error **err)
{
	_cleanup_strv_ char **names = NULL;
	const char *p = field;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		_cleanup_free_ char *name = xstrndup(p, l);

		for (char *c = name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + ('a' - 'A'));
		if (!is_valid_name(name)) {
			_cleanup_free_ char *e = escape(name);

			return pea_error_new(err, EINVAL, "invalid name '%s'", e);
		}
		pea_strv_push_take(&names, TAKE_PTR(name));
		if (!comma)
			break;
		p = comma + 1;
	}
	*ret = TAKE_PTR(names);
	return 0;
}

static void container_clear(struct dnsd_container *c)
{
	free(c->id);
	free(c->ips);
	pea_strv_free(c->names);
	free(c->dns_servers);
	memset(c, 0, sizeof(*c));
}

static int parse_container(char **f, size_t nf, struct dnsd_container *c, struct pea_error **err)
{
	_cleanup_free_ struct dnsd_ip *v4 = NULL, *v6 = NULL;
	size_t n4 = 0, n6 = 0;

	if (nf < 4 || nf > 5)
		return pea_error_new(err, EINVAL,
				     "expected 4 or 5 fields separated by single spaces "
				     "(id, IPv4s, IPv6s, names, DNS servers), got %zu",
				     nf > MAX_FIELDS ? nf - 1 : nf);
	if (*f[0] == '\0')
		return pea_error_new(err, EINVAL, "empty container id");
	if (*f[1] && parse_ip_list(f[1], AF_INET, "container", &v4, &n4, err) < 0)
		return -EINVAL;
	if (*f[2] && parse_ip_list(f[2], AF_INET6, "container", &v6, &n6, err) < 0)
		return -EINVAL;
	if (*f[3] == '\0')
		return pea_error_new(err, EINVAL, "no names given");
	if (parse_names(f[3], &c->names, err) < 0)
		return -EINVAL;
	if (nf == 5 && *f[4] &&
	    parse_ip_list(f[4], 0, "DNS server", &c->dns_servers, &c->n_dns_servers, err) < 0)
		return -EINVAL;
	c->id = xstrdup(f[0]);
	for (char *p = c->id; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + ('a' - 'A'));
	c->n_ips = n4 + n6;
	c->ips = xnew(struct dnsd_ip, c->n_ips ? c->n_ips : 1);
	if (n4)
		memcpy(c->ips, v4, n4 * sizeof(*v4));
	if (n6)
		memcpy(c->ips + n4, v6, n6 * sizeof(*v6));
	return 0;
}

static int parse_first_line(char **f, size_t nf, struct dnsd_network *n, struct pea_error **err)
{
	if (nf > 2)
		return pea_error_new(err, EINVAL,
				     "expected the listen addresses and optional DNS servers, "
				     "got %zu fields",
				     nf > MAX_FIELDS ? nf - 1 : nf);
	if (parse_ip_list(f[0], 0, "listen", &n->listen, &n->n_listen, err) < 0)
		return -EINVAL;
	if (nf == 2 && *f[1] &&
	    parse_ip_list(f[1], 0, "network DNS server", &n->dns_servers, &n->n_dns_servers, err) <
		    0)
		return -EINVAL;
	return 0;
}

static int parse_line(const char *line, size_t len, bool first, struct dnsd_network *n,
		      struct pea_error **err)
{
	_cleanup_free_ char *copy = xmalloc(len + 1);
	char *f[MAX_FIELDS];
	size_t nf = split_fields(line, len, copy, f);

	if (first)
		return parse_first_line(f, nf, n, err);
	n->containers = xreallocarray(n->containers, n->n_containers + 1, sizeof(*n->containers));
	memset(&n->containers[n->n_containers], 0, sizeof(*n->containers));
	if (parse_container(f, nf, &n->containers[n->n_containers], err) < 0) {
		container_clear(&n->containers[n->n_containers]);
		return -EINVAL;
	}
	n->n_containers++;
	return 0;
}

void dnsd_network_clear(struct dnsd_network *n)
{
	for (size_t i = 0; i < n->n_containers; i++)
		container_clear(&n->containers[i]);
	free(n->containers);
	free(n->name);
	free(n->listen);
	free(n->dns_servers);
	free(n->names);
	memset(n, 0, sizeof(*n));
}

static int network_parse_body(const char *buf, size_t len, struct dnsd_network *n,
			      struct pea_error **err)
{
	size_t pos = 0, lineno = 0;
	bool first = true;

	if (memchr(buf, '\0', len))
		return pea_error_new(err, EINVAL, "contains a NUL byte");
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		lineno++;
		if (l > 0) {
			if (parse_line(buf + pos, l, first, n, err) < 0)
				return pea_error_wrap(err, "line %zu", lineno);
			first = false;
		}
		pos += l + 1;
	}
	if (first)
		return pea_error_new(err, EINVAL, "no listen addresses (the file is empty)");
	return 0;
}

int dnsd_network_parse(const char *name, const char *what, const char *buf, size_t len,
		       struct dnsd_network *ret, struct pea_error **err)
{
	struct dnsd_network n = { 0 };
	size_t nl = strlen(name), sl = strlen(DNSD_INTERNAL_SUFFIX);

	if (nl > sl && strcmp(name + nl - sl, DNSD_INTERNAL_SUFFIX) == 0) {
		n.internal = true;
		nl -= sl;
	}
	n.name = xstrndup(name, nl);
	if (network_parse_body(buf, len, &n, err) < 0) {
		dnsd_network_clear(&n);
		return pea_error_wrap(err, "config '%s'", what);
	}
	*ret = n;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	const struct dnsd_name *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static void network_index(struct dnsd_network *n)
{
	size_t count = 0;

	for (size_t i = 0; i < n->n_containers; i++)
		count += pea_strv_length(n->containers[i].names);
	n->names = xnew(struct dnsd_name, count ? count : 1);
	for (size_t i = 0; i < n->n_containers; i++)
		for (char **p = n->containers[i].names; p && *p; p++)
			n->names[n->n_names++] = (struct dnsd_name){ .name = *p, .container = i };
	qsort(n->names, n->n_names, sizeof(*n->names), compare_names);
}

struct id_net {
	const char *id;
	size_t net;
};

static int compare_id_net(const void *a, const void *b)
{
	const struct id_net *x = a, *y = b;
	int r = strcmp(x->id, y->id);

	if (r)
		return r;
	return x->net < y->net ? -1 : x->net > y->net;
}

static int compare_members(const void *a, const void *b)
{
	return dnsd_ip_compare(&((const struct dnsd_member *)a)->ip,
			       &((const struct dnsd_member *)b)->ip);
}

static void member_add_network(struct dnsd_member *m, size_t net)
{
	for (size_t i = 0; i < m->n_networks; i++)
		if (m->networks[i] == net)
			return;
	m->networks = xreallocarray(m->networks, m->n_networks + 1, sizeof(size_t));
	m->networks[m->n_networks++] = net;
}

/* Every network a container id is on: the pairs are sorted by id. */
static void member_add_networks_of(struct dnsd_member *m, const struct id_net *pairs, size_t n,
				   const char *id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(pairs[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && strcmp(pairs[lo].id, id) == 0; lo++)
		member_add_network(m, pairs[lo].net);
}

static size_t collect_pairs(const struct dnsd_config *c, struct id_net **ret)
{
	size_t n = 0, k = 0;
	struct id_net *pairs;

	for (size_t i = 0; i < c->n_networks; i++)
		n += c->networks[i].n_containers;
	pairs = xnew(struct id_net, n ? n : 1);
	for (size_t i = 0; i < c->n_networks; i++)
		for (size_t j = 0; j < c->networks[i].n_containers; j++)
			pairs[k++] =
				(struct id_net){ .id = c->networks[i].containers[j].id, .net = i };
	qsort(pairs, n, sizeof(*pairs), compare_id_net);
	*ret = pairs;
	return n;
}

static void members_merge(struct dnsd_config *c)
{
	size_t out = 0;

	qsort(c->members, c->n_members, sizeof(*c->members), compare_members);
	for (size_t i = 0; i < c->n_members; i++) {
		struct dnsd_member *m = &c->members[i];

		if (out > 0 && dnsd_ip_compare(&c->members[out - 1].ip, &m->ip) == 0) {
			struct dnsd_member *prev = &c->members[out - 1];

			for (size_t j = 0; j < m->n_networks; j++)
				member_add_network(prev, m->networks[j]);
			if (!prev->n_dns_servers) {
				prev->dns_servers = m->dns_servers;
				prev->n_dns_servers = m->n_dns_servers;
			}
			free(m->networks);
			continue;
		}
		c->members[out++] = *m;
	}
	c->n_members = out;
}

void dnsd_config_index(struct dnsd_config *c)
{
	_cleanup_free_ struct id_net *pairs = NULL;
	size_t n_pairs = collect_pairs(c, &pairs), count = 0;

	for (size_t i = 0; i < c->n_networks; i++) {
		network_index(&c->networks[i]);
		for (size_t j = 0; j < c->networks[i].n_containers; j++)
			count += c->networks[i].containers[j].n_ips;
	}
	c->members = xnew(struct dnsd_member, count ? count : 1);
	for (size_t i = 0; i < c->n_networks; i++) {
		const struct dnsd_network *net = &c->networks[i];

		for (size_t j = 0; j < net->n_containers; j++) {
			const struct dnsd_container *ctr = &net->containers[j];

			for (size_t k = 0; k < ctr->n_ips; k++) {
				struct dnsd_member *m = &c->members[c->n_members++];

				m->ip = ctr->ips[k];
				member_add_networks_of(m, pairs, n_pairs, ctr->id);
				if (!net->internal && ctr->n_dns_servers) {
					m->dns_servers = ctr->dns_servers;
					m->n_dns_servers = ctr->n_dns_servers;
				}
			}
		}
	}
	members_merge(c);
}

struct dnsd_config *dnsd_config_free(struct dnsd_config *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n_networks; i++)
		dnsd_network_clear(&c->networks[i]);
	free(c->networks);
	for (size_t i = 0; i < c->n_members; i++)
		free(c->members[i].networks);
	free(c->members);
	free(c);
	return NULL;
}

const struct dnsd_member *dnsd_config_find_member(const struct dnsd_config *c,
						  const struct dnsd_ip *ip)
{
	struct dnsd_member key = { .ip = *ip };

	return bsearch(&key, c->members, c->n_members, sizeof(key), compare_members);
}

ssize_t dnsd_config_find_listener(const struct dnsd_config *c, const struct dnsd_ip *ip)
{
	for (size_t i = 0; i < c->n_networks; i++)
		for (size_t j = 0; j < c->networks[i].n_listen; j++)
			if (dnsd_ip_compare(&c->networks[i].listen[j], ip) == 0)
				return (ssize_t)i;
	return -1;
}

static bool skip_entry(int dirfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_name[0] == '.' || strncmp(de->d_name, DNSD_PID_FILE, strlen(DNSD_PID_FILE)) == 0)
		return true;
	if (de->d_type == DT_REG)
		return false;
	if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
		return true;
	return fstatat(dirfd, de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode);
}

/* Parse one file; 1 if it vanished meanwhile (netavark removes empty networks). */
static int load_file(int dirfd, const char *dir_name, const char *name, struct dnsd_network *ret,
		     struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL, *what = xasprintf("%s/%s", dir_name, name);
	_cleanup_error_ struct pea_error *read_err = NULL;
	size_t len = 0;

	if (pea_read_file_at(dirfd, name, DNSD_CONFIG_MAX_SIZE, &buf, &len, &read_err) < 0) {
		if (read_err->code == ENOENT)
			return 1;
		*err = TAKE_PTR(read_err);
		return pea_error_wrap(err, "config '%s'", what);
	}
	return dnsd_network_parse(name, what, buf, len, ret, err);
}

static int compare_networks(const void *a, const void *b)
{
	return strcmp(((const struct dnsd_network *)a)->name,
		      ((const struct dnsd_network *)b)->name);
}

static int load_dir(int dirfd, const char *dir_name, bool skip_bad, struct dnsd_config *c,
		    struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd))) {
		pea_close(fd);
		return pea_error_errno(err, "open config directory '%s'", dir_name);
	}
	while ((errno = 0, de = readdir(d))) {
		struct dnsd_network n;
		int r;

		if (skip_entry(dirfd, de))
			continue;
		r = load_file(dirfd, dir_name, de->d_name, &n, err);
		if (r > 0)
			continue;
		if (r < 0) {
			if (!skip_bad)
				return r;
			log_warning("%s, ignoring", (*err)->message);
			*err = pea_error_free(*err);
			continue;
		}
		c->networks = xreallocarray(c->networks, c->n_networks + 1, sizeof(n));
		c->networks[c->n_networks++] = n;
	}
	if (errno)
		return pea_error_errno(err, "read config directory '%s'", dir_name);
	return 0;
}

int dnsd_config_load(int dirfd, const char *dir_name, bool skip_bad, struct dnsd_config **ret,
		     struct pea_error **err)
{
	struct dnsd_config *c = xnew(struct dnsd_config, 1);

	if (load_dir(dirfd, dir_name, skip_bad, c, err) < 0) {
		dnsd_config_free(c);
		return -(*err)->code;
	}
	if (c->n_networks > 1)
		qsort(c->networks, c->n_networks, sizeof(*c->networks), compare_networks);
	dnsd_config_index(c);
	*ret = c;
	return 0;
}
