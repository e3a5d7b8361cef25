/* A containers-registries.d(5) YAML file: where a repository's signatures are kept. */
#include <stdlib.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "image/lookaside.h"
#include "image/reference.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_reference *ref = NULL;

	if (size > 65536)
		return 0;
	if (reference_parse("registry.example.com:5000/ns/repo:tag", false, &ref, NULL) < 0)
		abort();
	{
		_cleanup_error_ struct pea_error *err = NULL;
		_cleanup_free_ char *url = NULL;

		lookaside_parse_buffer((const char *)data, size, "fuzz", ref, &url, &err);
	}
	reference_free(ref);
	return 0;
}
