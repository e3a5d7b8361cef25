/*
 * pea-netsetup's parser of netavark's options JSON (setup/teardown input):
 * networks, network_info with subnets, routes and options, port_mappings.
 */
#include <stdlib.h>

#include "lib/error.h"
#include "netsetup/netsetup.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pea_error *err = NULL;
	struct net_options *o = NULL;

	if (net_options_parse((const char *)data, size, &o, &err) == 0) {
		char buf[64];

		for (size_t i = 0; i < o->n_attachments; i++) {
			const struct network *n = &o->attachments[i].net;

			for (size_t j = 0; j < n->n_subnets; j++) {
				struct ipnet net = ipnet_network(&n->subnets[j].subnet);

				ipnet_str(&net, buf, sizeof(buf));
				ipnet_add(&net, 1);
				for (size_t k = 0; k < n->n_subnets; k++)
					ipnet_overlaps(&n->subnets[j].subnet,
						       &n->subnets[k].subnet);
			}
		}
		net_options_free(o);
	}
	pea_error_free(err);
	return 0;
}
