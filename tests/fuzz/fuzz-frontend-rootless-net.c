/*
 * The network modes of rootless pea from the command line and containers.conf:
 * --network slirp4netns:OPT=VALUE,... (podman's options, checked) and the
 * nameserver a pasta or slirp4netns mode gives the container.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "frontend/network.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = { "slirp4netns:", "pasta:", "" };
	_cleanup_free_ char *s = NULL;

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		_cleanup_free_ char *mode = NULL, *dns = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		size_t n = strlen(prefixes[i]) + size + 1;

		mode = malloc(n);
		if (!mode)
			return 0;
		memcpy(mode, prefixes[i], strlen(prefixes[i]));
		memcpy(mode + strlen(prefixes[i]), s, size + 1);
		(void)rootless_net_check_mode(mode, &e);
		dns = rootless_net_dns(mode);
	}
	return 0;
}
