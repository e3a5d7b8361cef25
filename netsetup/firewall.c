#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>
#include <nftables/libnftables.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "netsetup/netsetup.h"

/*
 * Everything lives in one table of our own, "inet pea", so a host firewall
 * in other tables is never touched:
 *
 *   chain prerouting  nat dstnat:   fib daddr type local jump hostports
 *   chain output      nat -100:     fib daddr type local jump hostports
 *   chain postrouting nat srcnat:   meta mark & 0x2000 == 0x2000 masquerade
 *                                   + per network: masquerade of its subnets
 *   chain forward     filter:       + per network: its subnets accepted
 *   chain hostports:                + per container: marks and DNAT of its ports
 *
 * Rules carry a comment naming their owner: "net:NAME" for a network's rules
 * (removed with the network's bridge), the container id for a container's.
 * The table goes when no owned rule is left.
 */

#define HAIRPIN_MARK 0x2000

struct firewall {
	enum firewall_driver driver;
	struct nft_ctx *ctx;
};

struct rule_ref {
	char *chain;
	char *comment;
	int64_t handle;
};

struct table_state {
	bool exists;
	struct rule_ref *rules;
	size_t n_rules;
};

static void table_state_clear(struct table_state *s)
{
	for (size_t i = 0; i < s->n_rules; i++) {
		free(s->rules[i].chain);
		free(s->rules[i].comment);
	}
	free(s->rules);
	memset(s, 0, sizeof(*s));
}

int firewall_open(enum firewall_driver driver, struct firewall **ret, struct pea_error **err)
{
	struct firewall *fw = xnew(struct firewall, 1);

	fw->driver = driver;
	if (driver == FIREWALL_NFTABLES) {
		fw->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
		if (!fw->ctx) {
			free(fw);
			return pea_error_new(err, ENOMEM, "nftables: cannot make a context");
		}
		nft_ctx_output_set_flags(fw->ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
		nft_ctx_buffer_output(fw->ctx);
		nft_ctx_buffer_error(fw->ctx);
	}
	*ret = fw;
	return 0;
}

struct firewall *firewall_close(struct firewall *fw)
{
	if (!fw)
		return NULL;
	if (fw->ctx)
		nft_ctx_free(fw->ctx);
	free(fw);
	return NULL;
}

/* Run one JSON batch; the error names nftables' own message. */
static int nft_run(struct firewall *fw, struct json_object *batch, const char *what,
		   struct pea_error **err)
{
	const char *text = pea_json_to_string(batch);
	const char *e;
	size_t len;

	if (nft_run_cmd_from_buffer(fw->ctx, text) == 0)
		return 0;
	e = nft_ctx_get_error_buffer(fw->ctx);
	len = e ? strcspn(e, "\n") : 0;
	log_debug("nftables input: %s", text);
	return pea_error_new(err, EPROTO, "nftables: %s: %.*s", what, (int)len, len ? e : "failed");
}

static struct json_object *batch_new(struct json_object **ret_cmds)
{
	struct json_object *root = json_object_new_object();
	struct json_object *cmds = json_object_new_array();

	json_object_object_add(root, "nftables", cmds);
	*ret_cmds = cmds;
	return root;
}

static void add_cmd(struct json_object *cmds, const char *verb, const char *kind,
		    struct json_object *obj)
{
	struct json_object *inner = json_object_new_object();
	struct json_object *cmd = json_object_new_object();

	json_object_object_add(inner, kind, obj);
	json_object_object_add(cmd, verb, inner);
	json_object_array_add(cmds, cmd);
}

static struct json_object *obj_base(const char *chain)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "family", json_object_new_string("inet"));
	json_object_object_add(o, "table", json_object_new_string(FIREWALL_TABLE));
	if (chain)
		json_object_object_add(o, "chain", json_object_new_string(chain));
	return o;
}

static struct json_object *json_pair(const char *k, struct json_object *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, k, v);
	return o;
}

static struct json_object *expr_match(const char *op, struct json_object *left,
				      struct json_object *right)
{
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "op", json_object_new_string(op));
	json_object_object_add(m, "left", left);
	json_object_object_add(m, "right", right);
	return json_pair("match", m);
}

static struct json_object *expr_payload(const char *proto, const char *field)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "protocol", json_object_new_string(proto));
	json_object_object_add(p, "field", json_object_new_string(field));
	return json_pair("payload", p);
}

static struct json_object *expr_meta(const char *key)
{
	return json_pair("meta", json_pair("key", json_object_new_string(key)));
}

static struct json_object *value_prefix(const struct ipnet *n)
{
	struct ipnet net = ipnet_network(n);
	struct json_object *p = json_object_new_object();
	char b[64];

	if (n->prefix == (n->family == AF_INET ? 32u : 128u))
		return json_object_new_string(ipnet_addr_str(n, b, sizeof(b)));
	json_object_object_add(p, "addr",
			       json_object_new_string(ipnet_addr_str(&net, b, sizeof(b))));
	json_object_object_add(p, "len", json_object_new_int((int)n->prefix));
	return json_pair("prefix", p);
}

static const char *ip_proto(int family)
{
	return family == AF_INET ? "ip" : "ip6";
}

static struct json_object *match_addr(const char *op, int family, const char *field,
				      struct json_object *value)
{
	return expr_match(op, expr_payload(ip_proto(family), field), value);
}

static void add_rule(struct json_object *cmds, const char *verb, const char *chain,
		     struct json_object *exprs, const char *comment)
{
	struct json_object *r = obj_base(chain);

	json_object_object_add(r, "expr", exprs);
	if (comment)
		json_object_object_add(r, "comment", json_object_new_string(comment));
	add_cmd(cmds, verb, "rule", r);
}

/* ---- reading the table ---------------------------------------------------- */

static int table_read(struct firewall *fw, struct table_state *s, struct pea_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *arr = NULL;
	const char *out;

	memset(s, 0, sizeof(*s));
	if (nft_run_cmd_from_buffer(fw->ctx, "list table inet " FIREWALL_TABLE) != 0)
		return 0; /* no table yet */
	out = nft_ctx_get_output_buffer(fw->ctx);
	if (pea_json_parse(out, strlen(out), "nftables output", &root, err) < 0)
		return -EPROTO;
	s->exists = true;
	if (!json_object_object_get_ex(root, "nftables", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *item = json_object_array_get_idx(arr, i), *rule, *v;
		struct rule_ref ref = { 0 };

		if (!json_object_object_get_ex(item, "rule", &rule))
			continue;
		if (!json_object_object_get_ex(rule, "comment", &v))
			continue;
		ref.comment = xstrdup(json_object_get_string(v));
		json_object_object_get_ex(rule, "chain", &v);
		ref.chain = xstrdup(json_object_get_string(v));
		json_object_object_get_ex(rule, "handle", &v);
		ref.handle = json_object_get_int64(v);
		s->rules = xreallocarray(s->rules, s->n_rules + 1, sizeof(*s->rules));
		s->rules[s->n_rules++] = ref;
	}
	return 0;
}

static bool table_has_owner(const struct table_state *s, const char *owner)
{
	for (size_t i = 0; i < s->n_rules; i++)
		if (strcmp(s->rules[i].comment, owner) == 0)
			return true;
	return false;
}

static void add_base_chain(struct json_object *cmds, const char *name, const char *type,
			   const char *hook, int prio)
{
	struct json_object *c = obj_base(NULL);

	json_object_object_add(c, "name", json_object_new_string(name));
	if (type) {
		json_object_object_add(c, "type", json_object_new_string(type));
		json_object_object_add(c, "hook", json_object_new_string(hook));
		json_object_object_add(c, "prio", json_object_new_int(prio));
		json_object_object_add(c, "policy", json_object_new_string("accept"));
	}
	add_cmd(cmds, "add", "chain", c);
}

static struct json_object *jump_hostports(void)
{
	struct json_object *e = json_object_new_array();
	struct json_object *fib = json_object_new_object();
	struct json_object *flags = json_object_new_array();

	json_object_array_add(flags, json_object_new_string("daddr"));
	json_object_object_add(fib, "result", json_object_new_string("type"));
	json_object_object_add(fib, "flags", flags);
	json_object_array_add(
		e, expr_match("==", json_pair("fib", fib), json_object_new_string("local")));
	json_object_array_add(
		e, json_pair("jump", json_pair("target", json_object_new_string("hostports"))));
	return e;
}

static struct json_object *mark_test(void)
{
	struct json_object *and = json_object_new_array();

	json_object_array_add(and, expr_meta("mark"));
	json_object_array_add(and, json_object_new_int(HAIRPIN_MARK));
	return expr_match("==", json_pair("&", and), json_object_new_int(HAIRPIN_MARK));
}

static void add_table_skeleton(struct json_object *cmds)
{
	struct json_object *e;

	struct json_object *t = json_object_new_object();
	struct json_object *set = obj_base(NULL);

	json_object_object_add(t, "family", json_object_new_string("inet"));
	json_object_object_add(t, "name", json_object_new_string(FIREWALL_TABLE));
	add_cmd(cmds, "add", "table", t);
	json_object_object_add(set, "name", json_object_new_string("bridges"));
	json_object_object_add(set, "type", json_object_new_string("ifname"));
	add_cmd(cmds, "add", "set", set);
	set = obj_base(NULL);
	json_object_object_add(set, "name", json_object_new_string("isolated"));
	json_object_object_add(set, "type", json_object_new_string("ifname"));
	add_cmd(cmds, "add", "set", set);
	add_base_chain(cmds, "prerouting", "nat", "prerouting", -100);
	add_base_chain(cmds, "output", "nat", "output", -100);
	add_base_chain(cmds, "postrouting", "nat", "postrouting", 100);
	add_base_chain(cmds, "forward", "filter", "forward", 0);
	add_base_chain(cmds, "hostports", NULL, NULL, 0);
	add_rule(cmds, "add", "prerouting", jump_hostports(), NULL);
	add_rule(cmds, "add", "output", jump_hostports(), NULL);
	e = json_object_new_array();
	json_object_array_add(e, mark_test());
	json_object_array_add(e, json_pair("masquerade", NULL));
	add_rule(cmds, "add", "postrouting", e, NULL);
}

/* ---- networks ------------------------------------------------------------------ */

static void network_rules(struct json_object *cmds, const struct network *net, const char *owner)
{
	for (size_t i = 0; i < net->n_subnets; i++) {
		const struct ipnet *sn = &net->subnets[i].subnet;
		int f = sn->family;
		struct json_object *e = json_object_new_array();
		struct ipnet mc = { .family = f, .prefix = f == AF_INET ? 4 : 8 };
		struct json_object *states;

		if (f == AF_INET)
			mc.addr[0] = 224;
		else
			mc.addr[0] = 0xff;
		/* masquerade what leaves the subnet, except multicast */
		json_object_array_add(e, match_addr("==", f, "saddr", value_prefix(sn)));
		json_object_array_add(e, match_addr("!=", f, "daddr", value_prefix(sn)));
		json_object_array_add(e, match_addr("!=", f, "daddr", value_prefix(&mc)));
		json_object_array_add(e, json_pair("masquerade", NULL));
		add_rule(cmds, "add", "postrouting", e, owner);

		/* forwarding: replies in, anything out */
		e = json_object_new_array();
		states = json_object_new_array();
		json_object_array_add(states, json_object_new_string("established"));
		json_object_array_add(states, json_object_new_string("related"));
		json_object_array_add(e, match_addr("==", f, "daddr", value_prefix(sn)));
		json_object_array_add(
			e, expr_match("in",
				      json_pair("ct",
						json_pair("key", json_object_new_string("state"))),
				      states));
		json_object_array_add(e, json_pair("accept", NULL));
		add_rule(cmds, "add", "forward", e, owner);
		e = json_object_new_array();
		json_object_array_add(e, match_addr("==", f, "saddr", value_prefix(sn)));
		json_object_array_add(e, json_pair("accept", NULL));
		add_rule(cmds, "add", "forward", e, owner);
	}
}

static void set_element(struct json_object *cmds, const char *verb, const char *set,
			const char *bridge)
{
	struct json_object *el = obj_base(NULL);
	struct json_object *elems = json_object_new_array();

	json_object_array_add(elems, json_object_new_string(bridge));
	json_object_object_add(el, "name", json_object_new_string(set));
	json_object_object_add(el, "elem", elems);
	add_cmd(cmds, verb, "element", el);
}

/* iifname BR oifname != BR oifname @set drop, first in the forward chain */
static void isolate_one(struct json_object *cmds, const char *bridge, const char *set,
			const char *owner)
{
	struct json_object *e = json_object_new_array();

	json_object_array_add(
		e, expr_match("==", expr_meta("iifname"), json_object_new_string(bridge)));
	json_object_array_add(
		e, expr_match("!=", expr_meta("oifname"), json_object_new_string(bridge)));
	json_object_array_add(e,
			      expr_match("==", expr_meta("oifname"), json_object_new_string(set)));
	json_object_array_add(e, json_pair("drop", NULL));
	add_rule(cmds, "insert", "forward", e, owner);
}

/*
 * isolate=true: nothing from this bridge reaches another isolated bridge
 * (the "isolated" set); isolate=strict: nor any other of our bridges (the
 * "bridges" set). Either way the other direction fails too, as its replies
 * are dropped, while the network still reaches the outside.
 */
static void isolate_rule(struct json_object *cmds, int isolate, const char *bridge,
			 const char *owner)
{
	isolate_one(cmds, bridge, "@isolated", owner);
	if (isolate == ISOLATE_STRICT)
		isolate_one(cmds, bridge, "@bridges", owner);
}

/* DNS to a gateway's port 53 goes to the port the server really listens on. */
static void dns_redirect(struct json_object *cmds, const struct network *net, uint16_t port,
			 const char *owner)
{
	for (size_t i = 0; i < net->n_subnets; i++) {
		const struct ipnet *gw = &net->subnets[i].gateway;
		struct json_object *e, *protos, *dnat;
		char b[64];

		if (!net->subnets[i].has_gateway)
			continue;
		e = json_object_new_array();
		protos = json_object_new_array();
		dnat = json_object_new_object();
		json_object_array_add(protos, json_object_new_string("tcp"));
		json_object_array_add(protos, json_object_new_string("udp"));
		json_object_array_add(
			e, match_addr("==", gw->family, "daddr",
				      json_object_new_string(ipnet_addr_str(gw, b, sizeof(b)))));
		json_object_array_add(
			e, expr_match("==", expr_meta("l4proto"), json_pair("set", protos)));
		json_object_array_add(
			e, expr_match("==", expr_payload("th", "dport"), json_object_new_int(53)));
		json_object_object_add(dnat, "family",
				       json_object_new_string(ip_proto(gw->family)));
		json_object_object_add(dnat, "addr",
				       json_object_new_string(ipnet_addr_str(gw, b, sizeof(b))));
		json_object_object_add(dnat, "port", json_object_new_int(port));
		json_object_array_add(e, json_pair("dnat", dnat));
		add_rule(cmds, "add", "hostports", e, owner);
	}
}

/* Delete every rule owned by owner; the table too when nothing owned is left. */
static int delete_owned(struct firewall *fw, const char *owner, const char *bridge, bool isolated,
			struct pea_error **err)
{
	_cleanup_json_ struct json_object *batch = NULL;
	struct table_state s = { 0 };
	struct json_object *cmds;
	size_t n_del = 0;
	int r;

	r = table_read(fw, &s, err);
	if (r < 0 || !s.exists)
		goto out;
	batch = batch_new(&cmds);
	for (size_t i = 0; i < s.n_rules; i++) {
		struct json_object *o;

		if (strcmp(s.rules[i].comment, owner) != 0)
			continue;
		o = obj_base(s.rules[i].chain);
		json_object_object_add(o, "handle", json_object_new_int64(s.rules[i].handle));
		add_cmd(cmds, "delete", "rule", o);
		n_del++;
	}
	if (n_del == s.n_rules) {
		struct json_object *t = json_object_new_object();

		json_object_object_add(t, "family", json_object_new_string("inet"));
		json_object_object_add(t, "name", json_object_new_string(FIREWALL_TABLE));
		json_object_put(batch);
		batch = batch_new(&cmds);
		add_cmd(cmds, "delete", "table", t);
	} else if (n_del == 0) {
		goto out;
	} else if (bridge) {
		set_element(cmds, "delete", "bridges", bridge);
		if (isolated)
			set_element(cmds, "delete", "isolated", bridge);
	}
	r = nft_run(fw, batch, "delete rules", err);
out:
	table_state_clear(&s);
	return r;
}

int firewall_del_network(struct firewall *fw, const struct network *net, struct pea_error **err)
{
	_cleanup_free_ char *owner = NULL;

	if (fw->driver == FIREWALL_NONE)
		return 0;
	owner = xasprintf("net:%s", net->name);
	return delete_owned(fw, owner, net->network_interface, net->isolate != ISOLATE_NONE, err);
}

int firewall_del_container(struct firewall *fw, const char *container_id, struct pea_error **err)
{
	if (fw->driver == FIREWALL_NONE)
		return 0;
	return delete_owned(fw, container_id, NULL, false, err);
}

/* ---- port forwards ---------------------------------------------------------- */

static const char *proto_name(unsigned int p)
{
	return p == PROTO_TCP ? "tcp" : p == PROTO_UDP ? "udp" : "sctp";
}

static struct json_object *port_value(unsigned int first, unsigned int count)
{
	struct json_object *range;

	if (count <= 1)
		return json_object_new_int((int)first);
	range = json_object_new_array();
	json_object_array_add(range, json_object_new_int((int)first));
	json_object_array_add(range, json_object_new_int((int)(first + count - 1)));
	return json_pair("range", range);
}

/* 0.0.0.0 or :: as host_ip: every address, as no host_ip at all */
static bool is_any(const struct ipnet *ip)
{
	for (size_t i = 0; i < ipnet_addr_len(ip); i++)
		if (ip->addr[i])
			return false;
	return true;
}

static void dnat_rule(struct json_object *cmds, const struct port_mapping *p, unsigned int proto,
		      const struct ipnet *to, unsigned int hport, unsigned int cport,
		      unsigned int count, bool keep_port, const char *owner)
{
	struct json_object *e = json_object_new_array();
	struct json_object *dnat = json_object_new_object();
	char b[64];

	if (p->has_host_ip && !is_any(&p->host_ip))
		json_object_array_add(e, match_addr("==", to->family, "daddr",
						    json_object_new_string(ipnet_addr_str(
							    &p->host_ip, b, sizeof(b)))));
	else
		json_object_array_add(e,
				      expr_match("==", expr_meta("nfproto"),
						 json_object_new_string(
							 to->family == AF_INET ? "ipv4" : "ipv6")));
	json_object_array_add(e, expr_match("==", expr_payload(proto_name(proto), "dport"),
					    port_value(hport, count)));
	json_object_object_add(dnat, "family", json_object_new_string(ip_proto(to->family)));
	json_object_object_add(dnat, "addr",
			       json_object_new_string(ipnet_addr_str(to, b, sizeof(b))));
	if (!keep_port)
		json_object_object_add(dnat, "port", json_object_new_int((int)cport));
	json_object_array_add(e, json_pair("dnat", dnat));
	add_rule(cmds, "add", "hostports", e, owner);
}

/* [ip daddr HOST_IP] ip saddr SRC PROTO dport PORTS meta mark set mark | 0x2000 */
static void mark_one(struct json_object *cmds, const struct port_mapping *p, unsigned int proto,
		     int family, struct json_object *src, const char *owner)
{
	struct json_object *e = json_object_new_array();
	struct json_object *mangle = json_object_new_object();
	struct json_object * or = json_object_new_array();
	char b[64];

	if (p->has_host_ip && !is_any(&p->host_ip))
		json_object_array_add(e, match_addr("==", family, "daddr",
						    json_object_new_string(ipnet_addr_str(
							    &p->host_ip, b, sizeof(b)))));
	json_object_array_add(e, match_addr("==", family, "saddr", src));
	json_object_array_add(e, expr_match("==", expr_payload(proto_name(proto), "dport"),
					    port_value(p->host_port, p->range)));
	json_object_array_add(or, expr_meta("mark"));
	json_object_array_add(or, json_object_new_int(HAIRPIN_MARK));
	json_object_object_add(mangle, "key", expr_meta("mark"));
	json_object_object_add(mangle, "value", json_pair("|", or));
	json_object_array_add(e, json_pair("mangle", mangle));
	add_rule(cmds, "add", "hostports", e, owner);
}

/*
 * Connections from the container's own subnet (hairpin) and from 127.0.0.1
 * get the mark that makes postrouting masquerade them. Two rules rather than
 * an anonymous set: every anonymous set costs a netlink round trip each time
 * the table is listed.
 */
static void mark_rule(struct json_object *cmds, const struct port_mapping *p, unsigned int proto,
		      const struct ipnet *subnet, const char *owner)
{
	mark_one(cmds, p, proto, subnet->family, value_prefix(subnet), owner);
	if (subnet->family == AF_INET)
		mark_one(cmds, p, proto, AF_INET, json_object_new_string("127.0.0.1"), owner);
}

static const struct ipnet *subnet_of(const struct network *net, const struct ipnet *addr)
{
	for (size_t i = 0; i < net->n_subnets; i++)
		if (ipnet_contains(&net->subnets[i].subnet, addr))
			return &net->subnets[i].subnet;
	return NULL;
}

static void port_rules(struct json_object *cmds, const struct port_mapping *p,
		       const struct network *net, const struct ipnet *to, const char *owner)
{
	const struct ipnet *sn = subnet_of(net, to);

	for (unsigned int proto = PROTO_TCP; proto <= PROTO_SCTP; proto <<= 1) {
		if (!(p->protocols & proto))
			continue;
		if (sn)
			mark_rule(cmds, p, proto, sn, owner);
		if (p->range == 1 || p->host_port == p->container_port) {
			dnat_rule(cmds, p, proto, to, p->host_port, p->container_port, p->range,
				  p->range > 1, owner);
			continue;
		}
		/* shifted ranges: one rule per port keeps the pairing exact */
		for (unsigned int i = 0; i < p->range; i++)
			dnat_rule(cmds, p, proto, to, p->host_port + i, p->container_port + i, 1,
				  false, owner);
	}
}

static void network_cmds(struct json_object *cmds, const struct network *net, const char *bridge,
			 uint16_t dns_port, const char *owner)
{
	network_rules(cmds, net, owner);
	if (bridge)
		set_element(cmds, "add", "bridges", bridge);
	if (bridge && net->isolate)
		set_element(cmds, "add", "isolated", bridge);
	if (net->dns_enabled && dns_port != 53)
		dns_redirect(cmds, net, dns_port, owner);
	if (net->isolate && bridge)
		isolate_rule(cmds, net->isolate, bridge, owner);
}

/* The port forwards of the container on this network; how many were made. */
static size_t port_cmds(struct json_object *cmds, const struct net_options *o,
			const struct attachment *a, const struct ipnet *addrs, size_t n_addrs)
{
	size_t n = 0;

	for (size_t i = 0; i < o->n_ports; i++) {
		const struct port_mapping *p = &o->ports[i];

		for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
			const struct ipnet *to = NULL;

			if (p->has_host_ip && p->host_ip.family != family)
				continue;
			for (size_t j = 0; j < n_addrs && !to; j++)
				if (addrs[j].family == family)
					to = &addrs[j];
			if (!to)
				continue;
			port_rules(cmds, p, &a->net, to, o->container_id);
			n++;
		}
	}
	return n;
}

/*
 * One read of the table, one transaction: the table if missing, the
 * network's rules if missing, the container's port forwards.
 */
int firewall_setup(struct firewall *fw, const struct net_options *o, const struct attachment *a,
		   const char *bridge, uint16_t dns_port, const struct ipnet *addrs, size_t n_addrs,
		   struct pea_error **err)
{
	_cleanup_json_ struct json_object *batch = NULL, *ports = NULL;
	_cleanup_free_ char *owner = NULL;
	struct table_state s = { 0 };
	struct json_object *cmds;
	bool net_rules = !a->net.internal;
	size_t n_ports;
	int r;

	if (fw->driver == FIREWALL_NONE)
		return 0;
	ports = json_object_new_array();
	n_ports = port_cmds(ports, o, a, addrs, n_addrs);
	if (!net_rules && n_ports == 0)
		return 0;
	r = table_read(fw, &s, err);
	if (r < 0)
		return r;
	batch = batch_new(&cmds);
	if (!s.exists)
		add_table_skeleton(cmds);
	owner = xasprintf("net:%s", a->net.name);
	if (net_rules && !table_has_owner(&s, owner))
		network_cmds(cmds, &a->net, bridge, dns_port, owner);
	table_state_clear(&s);
	for (size_t i = 0; i < json_object_array_length(ports); i++)
		json_object_array_add(cmds, json_object_get(json_object_array_get_idx(ports, i)));
	if (json_object_array_length(cmds) == 0)
		return 0;
	return nft_run(fw, batch, "add rules", err);
}
