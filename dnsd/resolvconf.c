#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "dnsd/resolvconf.h"

#define RESOLV_CONF_MAX_SIZE (1u << 20)

static bool parse_scope(const char *s, uint32_t *ret)
{
	char *end = NULL;
	unsigned long v;

	if (*s >= '0' && *s <= '9') {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || *end || v > UINT32_MAX)
			return false;
		*ret = (uint32_t)v;
		return true;
	}
	v = if_nametoindex(s);
	if (v == 0)
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* "nameserver ADDR[%SCOPE]" in line (NUL-terminated, comments cut). */
static bool parse_line(char *line, struct dnsd_upstream *u)
{
	static const char sep[] = " \t\r\f\v";
	char *save = NULL, *word = strtok_r(line, sep, &save), *addr, *pct;

	if (!word || strcmp(word, "nameserver") != 0)
		return false;
	addr = strtok_r(NULL, sep, &save);
	if (!addr)
		return false;
	memset(u, 0, sizeof(*u));
	pct = strchr(addr, '%');
	if (pct) {
		*pct = '\0';
		if (!parse_scope(pct + 1, &u->scope_id))
			return false;
	}
	if (!dnsd_ip_parse(addr, &u->ip))
		return false;
	return u->ip.family == AF_INET6 || !pct;
}

size_t dnsd_resolv_conf_parse(const char *buf, size_t len, struct dnsd_upstream *out, size_t max)
{
	size_t pos = 0, n = 0;

	while (pos < len && n < max) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		char line[512];

		if (l < sizeof(line)) {
			memcpy(line, buf + pos, l);
			line[l] = '\0';
			line[strcspn(line, "#;")] = '\0';
			if (parse_line(line, &out[n]))
				n++;
		}
		pos += l + 1;
	}
	return n;
}

int dnsd_resolv_conf_load(const char *path, struct dnsd_upstream *out, size_t max, size_t *ret_n,
			  struct pea_error **err)
{
	_cleanup_error_ struct pea_error *read_err = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, path, RESOLV_CONF_MAX_SIZE, &buf, &len, &read_err) < 0) {
		if (read_err->code == ENOENT) {
			*ret_n = 0;
			return 0;
		}
		*err = TAKE_PTR(read_err);
		return -(*err)->code;
	}
	*ret_n = dnsd_resolv_conf_parse(buf, len, out, max);
	return 0;
}
