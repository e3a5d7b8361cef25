/*
 * pea-dnsd's parsers of files: a network file of the aardvark-dns config
 * directory (then indexed for lookups), and /etc/resolv.conf.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/xalloc.h"
#include "dnsd/config.h"
#include "dnsd/resolvconf.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsd_upstream ups[DNSD_RESOLV_CONF_MAX];
	struct pea_error *err = NULL;
	struct dnsd_config *c = xnew(struct dnsd_config, 1);
	char *buf = xmalloc(size ? size : 1);

	memcpy(buf, data, size);
	dnsd_resolv_conf_parse(buf, size, ups, DNSD_RESOLV_CONF_MAX);
	c->networks = xnew(struct dnsd_network, 1);
	if (dnsd_network_parse("net%int", "fuzz", buf, size, &c->networks[0], &err) == 0) {
		struct dnsd_ip ip = { 0 };

		c->n_networks = 1;
		dnsd_config_index(c);
		dnsd_config_find_member(c, &ip);
		dnsd_config_find_listener(c, &ip);
	}
	pea_error_free(err);
	dnsd_config_free(c);
	free(buf);
	return 0;
}
