/* Manifests, indexes and their conversion, from untrusted bytes (a registry's answer). */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "image/copy.h"
#include "image/manifest.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *buf = NULL;
	struct manifest *m = NULL;
	static const char *const hints[] = { NULL, MT_DOCKER_MANIFEST, MT_OCI_INDEX,
					     MT_DOCKER_S1_SIGNED };

	if (size > (1u << 20))
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (size_t h = 0; h < sizeof(hints) / sizeof(hints[0]); h++) {
		const struct descriptor *d = NULL;
		char *out = NULL, *type = NULL;
		size_t len = 0;

		if (manifest_parse(buf, size, hints[h], &m, &err) == 0) {
			if (m->is_index) {
				manifest_select(m, NULL, NULL, NULL, &d, &err);
				pea_error_release(&err);
				manifest_select(m, "linux", "arm", "v7", &d, &err);
			}
			for (size_t i = 0; i < m->nlayers; i++)
				layer_compression(m->layers[i].media_type);
			m = manifest_free(m);
		}
		pea_error_release(&err);
		if (manifest_to_oci(buf, size, MT_DOCKER_MANIFEST, &out, &len, &type, &err) == 0) {
			free(out);
			free(type);
		}
		pea_error_release(&err);
	}
	return 0;
}
