#pragma once

/* What a setup or teardown holds: the lock, the namespaces, netlink, nftables. */

#include <stdbool.h>

#include "netsetup/netsetup.h"

struct session {
	int lock_fd;
	struct netns_ctx ns;
	struct firewall *fw;
};

/* With need_netns false, a missing namespace is fine (teardown after the container died). */
int session_open(const struct global_options *g, const char *netns_path, bool need_netns,
		 struct session *s, struct pea_error **err);
void session_close(struct session *s);
