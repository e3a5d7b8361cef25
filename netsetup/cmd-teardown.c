#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "netsetup/netsetup.h"
#include "netsetup/session.h"

/*
 * Teardown is idempotent: what is already gone is fine, and a namespace that
 * died with its container still gets its host side (rules, bridge, DNS) cleaned.
 */
static int teardown_all(const struct global_options *g, struct session *s,
			const struct net_options *o, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *first = NULL;
	struct pea_error *e = NULL;
	bool dns = false;

	/* The container's port forwards go first, then its interfaces. */
	if (firewall_del_container(s->fw, o->container_id, &e) < 0)
		first = TAKE_PTR(e);
	for (size_t i = 0; i < o->n_attachments; i++) {
		dns = dns || o->attachments[i].net.dns_enabled;
		if (driver_teardown(&s->ns, o, &o->attachments[i], s->fw, &e) < 0) {
			if (!first)
				first = TAKE_PTR(e);
			e = pea_error_free(e);
		}
	}
	if (dns && (dns_remove(g, o, &e) < 0 || dns_commit(g, &e) < 0)) {
		if (!first)
			first = TAKE_PTR(e);
		e = pea_error_free(e);
	}
	if (first) {
		*err = TAKE_PTR(first);
		return -(*err)->code;
	}
	return 0;
}

int cmd_teardown(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_free_ char *input = NULL;
	struct net_options *o = NULL;
	struct session s;
	size_t len = 0;
	int r;

	if (argc != 2)
		return pea_error_new(err, EINVAL, "teardown: expected one argument, NETNS_PATH");
	r = netsetup_read_input(g, &input, &len, err);
	if (r < 0)
		return r;
	r = net_options_parse(input, len, &o, err);
	if (r < 0)
		return r;
	r = session_open(g, argv[1], false, &s, err);
	if (r < 0)
		goto out;
	r = teardown_all(g, &s, o, err);
	session_close(&s);
out:
	net_options_free(o);
	return r;
}
