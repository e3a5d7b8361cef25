/*
 * pea's network parsers of outside text: network files (Podman's JSON, which
 * users and other tools write), -p/--expose specifications, and the host's
 * /etc/resolv.conf and /etc/hosts turned into a container's, and a running
 * container's files edited when it joins or leaves a network; the network
 * keys of containers.conf.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "frontend/network.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = NULL, *hosts = NULL, *resolv = NULL;
	_cleanup_json_ struct json_object *net = NULL, *ports = json_object_new_array();
	char *add[] = { "db:192.0.2.1", "gw:host-gateway", NULL };
	struct etc_input in = { .hostname = "box", .name = "web", .add_hosts = add };

	if (size > 65536)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	{
		_cleanup_error_ struct pea_error *err = NULL;
		if (pea_json_parse(s, size, "network", &net, &err) == 0 && net)
			(void)network_check_json(net, "", &err);
	}
	{
		_cleanup_error_ struct pea_error *e1 = NULL, *e2 = NULL;
		(void)ports_parse(s, ports, &e1);
		(void)ports_parse_expose(s, ports, &e2);
	}
	hosts = etc_hosts_text(s, &in);
	resolv = etc_resolv_text(s, &in);
	{
		_cleanup_error_ struct pea_error *e = NULL;
		struct net_config conf = { 0 };
		(void)net_config_parse(&conf, s, size, "containers.conf", &e);
		net_config_clear(&conf);
	}
	{
		char *ips[] = { "10.0.0.5", NULL }, *names[] = { "box", "web", NULL };
		free(etc_hosts_edit(s, ips, names, true));
		free(etc_hosts_edit(s, ips, names, false));
		free(etc_resolv_edit(s, ips, true));
		free(etc_resolv_edit(s, ips, false));
		pea_strv_free(etc_hosts_names(s));
	}
	in.host_net = true;
	free(hosts);
	hosts = etc_hosts_text(s, &in);
	return 0;
}
