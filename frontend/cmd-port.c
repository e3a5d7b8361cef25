/* port: the published ports of a container (podman-port(1)). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/frontend.h"
#include "frontend/network.h"
#include "frontend/records.h"

static const char port_usage[] =
	"Usage: pea port [OPTIONS] CONTAINER [PORT[/PROTO]]\n"
	"\n"
	"List the port mappings of a running container, or the host address of one port.\n"
	"\n"
	"  -a, --all      every container\n"
	"  -l, --latest   the container created last\n";

/* "80", "80/tcp": *ret_port and *ret_proto (tcp when not given). */
static int parse_private(const char *s, int *ret_port, const char **ret_proto,
			 struct pea_error **err)
{
	const char *slash = strchr(s, '/');
	char *end = NULL;
	long p = strtol(s, &end, 10);

	if (end == s || (*end && *end != '/') || p < 1 || p > 65535 ||
	    (slash && strcmp(slash + 1, "tcp") != 0 && strcmp(slash + 1, "udp") != 0 &&
	     strcmp(slash + 1, "sctp") != 0))
		return pea_error_new(err, EINVAL, "invalid port '%s': use PORT[/tcp|udp|sctp]", s);
	*ret_port = (int)p;
	*ret_proto = slash ? slash + 1 : "tcp";
	return 0;
}

/* One line per port of each mapping (ranges expanded); only want_port when > 0. */
static bool print_ports(struct json_object *ports, const char *prefix, int want_port,
			const char *want_proto)
{
	bool any = false;

	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *m = json_object_array_get_idx(ports, i);
		const char *hip = NULL, *proto = "tcp";
		int64_t cp = 0, hp = 0, range = 1;

		(void)pea_json_get_string_opt(m, "", "host_ip", &hip, NULL);
		(void)pea_json_get_string_opt(m, "", "protocol", &proto, NULL);
		(void)pea_json_get_int64_opt(m, "", "container_port", &cp, NULL);
		(void)pea_json_get_int64_opt(m, "", "host_port", &hp, NULL);
		(void)pea_json_get_int64_opt(m, "", "range", &range, NULL);
		if (!hip || !*hip)
			hip = "0.0.0.0";
		for (int64_t k = 0; k < range && k < 65536; k++) {
			bool v6 = strchr(hip, ':') != NULL;
			if (want_port > 0) {
				if (cp + k != want_port || strcmp(proto, want_proto) != 0)
					continue;
				printf("%s%s%s%s:%lld\n", prefix, v6 ? "[" : "", hip, v6 ? "]" : "",
				       (long long)(hp + k));
			} else {
				printf("%s%lld/%s -> %s%s%s:%lld\n", prefix, (long long)(cp + k),
				       proto, v6 ? "[" : "", hip, v6 ? "]" : "",
				       (long long)(hp + k));
			}
			any = true;
		}
	}
	return any;
}

static int port_all(struct global_options *g, struct pea_error **err)
{
	struct ctr_record **v = NULL;
	size_t n = 0;

	if (records_list(g, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		_cleanup_json_ struct json_object *ports = NULL;
		_cleanup_free_ char *prefix = xasprintf("%.12s\t", v[i]->id);

		(void)record_refresh(g, v[i], NULL);
		if (v[i]->state != CTR_RUNNING)
			continue;
		ports = network_ports_shown(g, v[i]);
		print_ports(ports, prefix, 0, NULL);
	}
	records_free(v, n);
	return 0;
}

int cmd_port(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "latest", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_json_ struct json_object *ports = NULL;
	_cleanup_free_ char *target = NULL;
	const char *proto = "tcp";
	bool all = false, last = false;
	int rc, c = 0, want = 0, first;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "hal", opts, port_usage, &c, err)) == 2) {
		if (c == 'a')
			all = true;
		else
			last = true;
	}
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (all) {
		if (optind < argc)
			return pea_error_new(err, EINVAL,
					     "no arguments are needed with --all or --latest");
		return port_all(g, err);
	}
	if (last) {
		if (container_latest(g, &target, err) < 0)
			return -1;
		first = optind;
	} else {
		if (optind >= argc)
			return pea_error_new(err, EINVAL,
					     "you must supply a running container name or ID");
		target = xstrdup(argv[optind]);
		first = optind + 1;
	}
	if (argc - first > 1)
		return pea_error_new(err, EINVAL, "too many arguments: CONTAINER [PORT[/PROTO]]");
	if (argc - first == 1 && parse_private(argv[first], &want, &proto, err) < 0)
		return -1;
	if (record_lookup(g, target, &r, err) < 0)
		return -1;
	(void)record_refresh(g, r, NULL);
	if (r->state != CTR_RUNNING)
		return 0;
	ports = network_ports_shown(g, r);
	if (!print_ports(ports, "", want, proto) && want > 0)
		return pea_error_new(err, ENOENT, "failed to find published port \"%d/%s\"", want,
				     proto);
	return 0;
}
