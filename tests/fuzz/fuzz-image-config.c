/* Image configs from untrusted bytes (a registry's blob): the diff IDs the store reads. */
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "image/manifest.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_strv_ char **ids = NULL;

	if (size > (1u << 20))
		return 0;
	if (config_diff_ids((const char *)data, size, &ids, &err) == 0) {
		for (size_t i = 0; ids[i]; i++)
			if (strlen(ids[i]) != 71)
				__builtin_trap();
	}
	return 0;
}
