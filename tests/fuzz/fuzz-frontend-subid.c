/* pea's reader of /etc/subuid and /etc/subgid (rootless mode) over arbitrary bytes. */
#include <stdlib.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "frontend/rootless.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const users[] = { "pea", NULL };

	for (size_t i = 0; i < 2; i++) {
		_cleanup_error_ struct pea_error *err = NULL;
		_cleanup_free_ struct subid_range *r = NULL;
		size_t n = 0;

		if (subid_parse((const char *)data, size, "fuzz", users[i], 1000, &r, &n, &err) ==
			    0 &&
		    n > SUBID_MAX_RANGES)
			abort();
	}
	return 0;
}
