/*
 * spec_parse (oci-runtime/spec.c) on arbitrary bytes: config.json from a
 * bundle is outside data. It must fail cleanly or give a spec that frees
 * cleanly; an error always has a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "oci-runtime/spec.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct spec *s = NULL;

	if (spec_parse((const char *)data, size, "/bundle", &s, &err) < 0) {
		if (!err || !err->message || !*err->message)
			abort();
		return 0;
	}
	if (!s->root_path || !s->process.args || !s->process.args[0] || !s->process.cwd)
		abort();
	spec_free(s);
	return 0;
}
