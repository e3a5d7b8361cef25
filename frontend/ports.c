/* -p/--publish and --expose specifications (podman-run(1)), as netavark's port_mappings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"
#include "frontend/network.h"

#define PORT_SPEC_MAX 256

/* "80" or "80-90" into first and count; -EINVAL when malformed or out of 1-65535. */
static int parse_range(const char *s, unsigned int *ret_first, unsigned int *ret_count)
{
	unsigned long a, b;
	char *end = NULL;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	a = strtoul(s, &end, 10);
	if (errno || a < 1 || a > 65535)
		return -EINVAL;
	b = a;
	if (*end == '-') {
		const char *t = end + 1;
		if (*t < '0' || *t > '9')
			return -EINVAL;
		b = strtoul(t, &end, 10);
		if (errno || b < a || b > 65535)
			return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	*ret_first = (unsigned int)a;
	*ret_count = (unsigned int)(b - a + 1);
	return 0;
}

static int parse_proto(const char *spec, const char *proto, struct pea_error **err)
{
	if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0)
		return pea_error_new(
			err, EINVAL,
			"invalid port format '%s': unknown protocol '%s': use tcp, udp "
			"or sctp",
			spec, proto);
	return 0;
}

static struct json_object *mapping(const char *host_ip, unsigned int cport, unsigned int hport,
				   unsigned int range, const char *proto)
{
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "host_ip", json_object_new_string(host_ip));
	json_object_object_add(m, "container_port", json_object_new_int((int)cport));
	json_object_object_add(m, "host_port", json_object_new_int((int)hport));
	json_object_object_add(m, "range", json_object_new_int((int)range));
	json_object_object_add(m, "protocol", json_object_new_string(proto));
	return m;
}

/* Split "[ip]:rest" or "ip:h:c" into ip and the rest (ports); the ip may be empty. */
static int split_ip(const char *spec, const char *s, char **ret_ip, char **ret_rest,
		    struct pea_error **err)
{
	const char *last, *first;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return pea_error_new(err, EINVAL, "invalid port format '%s'", spec);
		*ret_ip = xstrndup(s + 1, (size_t)(close - s - 1));
		*ret_rest = xstrdup(close + 2);
		return 0;
	}
	first = strchr(s, ':');
	last = strrchr(s, ':');
	if (first && first != last) {
		*ret_ip = xstrndup(s, (size_t)(first - s));
		*ret_rest = xstrdup(first + 1);
		if (strchr(*ret_rest, ':') != strrchr(*ret_rest, ':'))
			return pea_error_new(err, EINVAL,
					     "invalid port format '%s': an IPv6 address goes in "
					     "brackets ([::1]:8080:80)",
					     spec);
		return 0;
	}
	*ret_ip = xstrdup("");
	*ret_rest = xstrdup(s);
	return 0;
}

int ports_parse(const char *spec, struct json_object *ports, struct pea_error **err)
{
	_cleanup_free_ char *body = NULL, *ip = NULL, *rest = NULL;
	const char *proto = "tcp", *slash, *colon;
	unsigned int cport, ccount, hport = 0, hcount = 0;
	struct fe_ip addr;

	if (!*spec || strlen(spec) > PORT_SPEC_MAX)
		return pea_error_new(err, EINVAL, "invalid port format '%s'", spec);
	slash = strrchr(spec, '/');
	body = slash ? xstrndup(spec, (size_t)(slash - spec)) : xstrdup(spec);
	if (slash) {
		proto = slash + 1;
		if (parse_proto(spec, proto, err) < 0)
			return -1;
	}
	if (split_ip(spec, body, &ip, &rest, err) < 0)
		return -1;
	if (*ip && fe_ip_parse(ip, false, &addr) < 0)
		return pea_error_new(err, EINVAL,
				     "invalid port format '%s': invalid IP address '%s'", spec, ip);
	colon = strchr(rest, ':');
	if (colon) {
		_cleanup_free_ char *h = xstrndup(rest, (size_t)(colon - rest));
		if (*h && parse_range(h, &hport, &hcount) < 0)
			return pea_error_new(err, EINVAL,
					     "invalid port format '%s': invalid host port '%s'",
					     spec, h);
		if (parse_range(colon + 1, &cport, &ccount) < 0)
			return pea_error_new(
				err, EINVAL,
				"invalid port format '%s': invalid container port '%s'", spec,
				colon + 1);
	} else if (parse_range(rest, &cport, &ccount) < 0) {
		return pea_error_new(err, EINVAL,
				     "invalid port format '%s': invalid container port '%s'", spec,
				     rest);
	}
	if (hport && hcount != ccount)
		return pea_error_new(err, EINVAL,
				     "invalid port format '%s': host and container port ranges "
				     "differ in size",
				     spec);
	json_object_array_add(ports, mapping(ip, cport, hport, ccount, proto));
	return 0;
}

int ports_parse_expose(const char *spec, struct json_object *ports, struct pea_error **err)
{
	_cleanup_free_ char *body = NULL;
	const char *slash = strrchr(spec, '/'), *proto = "tcp";
	unsigned int first, count;

	body = slash ? xstrndup(spec, (size_t)(slash - spec)) : xstrdup(spec);
	if (slash) {
		proto = slash + 1;
		if (parse_proto(spec, proto, err) < 0)
			return -1;
	}
	if (parse_range(body, &first, &count) < 0)
		return pea_error_new(err, EINVAL, "invalid exposed port '%s'", spec);
	/* already published: -p wins */
	for (size_t i = 0; i < json_object_array_length(ports); i++) {
		struct json_object *m = json_object_array_get_idx(ports, i);
		if (json_object_get_int(json_object_object_get(m, "container_port")) ==
			    (int)first &&
		    strcmp(json_object_get_string(json_object_object_get(m, "protocol")), proto) ==
			    0)
			return 0;
	}
	json_object_array_add(ports, mapping("", first, 0, count, proto));
	return 0;
}
