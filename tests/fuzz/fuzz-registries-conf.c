/* registries.conf: the registries built from a parsed file (the TOML itself: fuzz-toml.c). */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "image/reference.h"
#include "image/registries.h"
#include "tests/fuzz/fuzz.h"

static const char digest_ref[] =
	"example.com/foo/"
	"bar@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct registries_conf *c = registries_conf_new();
	static const char *const names[] = { "docker.io/library/busybox:latest", digest_ref,
					     "a.wild.io/x:1", "localhost:5000/x" };

	if (registries_conf_parse(c, (const char *)data, size, "fuzz.conf", &err) == 0) {
		char **cands = NULL;
		bool alias = false;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			struct image_reference *r = NULL;
			struct pull_source *s = NULL;
			size_t n = 0;

			if (reference_parse(names[i], false, &r, NULL) < 0)
				abort();
			if (registries_pull_sources(c, r, &s, &n, &err) == 0)
				pull_sources_free(s, n);
			pea_error_release(&err);
			reference_free(r);
		}
		if (registries_resolve_short_name(c, "busybox:1", &cands, &alias, &err) == 0)
			pea_strv_free(cands);
	}
	registries_conf_free(c);
	return 0;
}
