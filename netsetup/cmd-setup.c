#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "netsetup/netsetup.h"
#include "netsetup/session.h"

/* DNS serves bridge networks that have a gateway for the server to listen on. */
static bool wants_dns(const struct attachment *a)
{
	if (!a->net.dns_enabled || strcmp(a->net.driver, "bridge") != 0)
		return false;
	for (size_t i = 0; i < a->net.n_subnets; i++)
		if (a->net.subnets[i].has_gateway)
			return true;
	return false;
}

/*
 * The status block of one network, as netavark prints it:
 * {"dns_search_domains":[...],"dns_server_ips":[...],
 *  "interfaces":{"eth0":{"mac_address":"..","subnets":[{"gateway":"..","ipnet":".."}]}}}
 */
static struct json_object *status_block(const struct attachment *a, const struct link_result *r)
{
	struct json_object *block = json_object_new_object();
	struct json_object *domains = json_object_new_array();
	struct json_object *servers = json_object_new_array();
	struct json_object *ifaces = json_object_new_object();
	struct json_object *iface = json_object_new_object();
	struct json_object *subnets = json_object_new_array();
	char mac[18], b[64];

	if (wants_dns(a)) {
		json_object_array_add(domains, json_object_new_string(NETSETUP_DNS_DOMAIN));
		for (size_t i = 0; i < a->net.n_subnets; i++)
			if (a->net.subnets[i].has_gateway)
				json_object_array_add(
					servers,
					json_object_new_string(ipnet_addr_str(
						&a->net.subnets[i].gateway, b, sizeof(b))));
	}
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", r->mac[0], r->mac[1], r->mac[2],
		 r->mac[3], r->mac[4], r->mac[5]);
	for (size_t i = 0; i < r->n_addrs; i++) {
		struct json_object *s = json_object_new_object();

		/* netavark writes a missing gateway as null */
		json_object_object_add(s, "gateway",
				       r->has_gateway[i] ? json_object_new_string(ipnet_addr_str(
								   &r->gateways[i], b, sizeof(b)))
							 : NULL);
		json_object_object_add(
			s, "ipnet", json_object_new_string(ipnet_str(&r->addrs[i], b, sizeof(b))));
		json_object_array_add(subnets, s);
	}
	json_object_object_add(iface, "mac_address", json_object_new_string(mac));
	json_object_object_add(iface, "subnets", subnets);
	json_object_object_add(ifaces, a->opts.interface_name, iface);
	json_object_object_add(block, "dns_search_domains", domains);
	json_object_object_add(block, "dns_server_ips", servers);
	json_object_object_add(block, "interfaces", ifaces);
	return block;
}

/*
 * Undo exactly what this run made: the networks set up before the failing
 * one, what the failing one had made, the container's rules and DNS entries
 * if they were added. Errors are logged; the first failure is what the user sees.
 */
static void undo(const struct global_options *g, struct session *s, const struct net_options *o,
		 const struct link_result *res, size_t failed, bool dns_added)
{
	_cleanup_error_ struct pea_error *e = NULL;
	bool rules = false;

	for (size_t i = 0; i <= failed && i < o->n_attachments; i++)
		rules = rules || res[i].added_rules;
	if (failed < o->n_attachments &&
	    driver_undo(&s->ns, o, &o->attachments[failed], s->fw, &res[failed], &e) < 0) {
		log_warning("undo: %s, ignoring", e->message);
		e = pea_error_free(e);
	}
	for (size_t i = failed; i-- > 0;) {
		if (driver_teardown(&s->ns, o, &o->attachments[i], s->fw, &e) < 0) {
			log_warning("undo: %s, ignoring", e->message);
			e = pea_error_free(e);
		}
	}
	if (rules && firewall_del_container(s->fw, o->container_id, &e) < 0) {
		log_warning("undo: %s, ignoring", e->message);
		e = pea_error_free(e);
	}
	if (dns_added && (dns_remove(g, o, &e) < 0 || dns_commit(g, &e) < 0))
		log_warning("undo: %s, ignoring", e->message);
}

static int setup_all(const struct global_options *g, struct session *s, const struct net_options *o,
		     struct json_object *reply, struct pea_error **err)
{
	_cleanup_free_ struct link_result *res = xnew(struct link_result, o->n_attachments + 1);
	bool dns = false;
	size_t i;

	for (i = 0; i < o->n_attachments; i++) {
		const struct attachment *a = &o->attachments[i];

		if (driver_setup(&s->ns, g, o, a, s->fw, &res[i], err) < 0)
			goto fail;
		if (wants_dns(a)) {
			dns = true;
			if (dns_add(g, o, a, &res[i], err) < 0)
				goto fail;
		}
		json_object_object_add(reply, a->key, status_block(a, &res[i]));
	}
	if (dns && dns_commit(g, err) < 0)
		goto fail;
	return 0;
fail:
	/* the failing network i is undone from what it recorded, the ones before fully */
	undo(g, s, o, res, i, dns);
	return -EIO;
}

int cmd_setup(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_free_ char *input = NULL;
	_cleanup_json_ struct json_object *reply = NULL;
	struct net_options *o = NULL;
	struct session s;
	size_t len = 0;
	int r;

	if (argc != 2)
		return pea_error_new(err, EINVAL, "setup: expected one argument, NETNS_PATH");
	r = netsetup_read_input(g, &input, &len, err);
	if (r < 0)
		return r;
	r = net_options_parse(input, len, &o, err);
	if (r < 0)
		return r;
	r = session_open(g, argv[1], true, &s, err);
	if (r < 0)
		goto out;
	reply = json_object_new_object();
	r = setup_all(g, &s, o, reply, err);
	session_close(&s);
	if (r < 0)
		goto out;
	r = pea_json_write_fd(STDOUT_FILENO, reply, true, err);
out:
	net_options_free(o);
	return r;
}
