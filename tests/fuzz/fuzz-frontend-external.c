/*
 * containers/storage's containers.json and images.json, as pea reads them for its external
 * containers (frontend/external.c): whatever buildah, podman or a damaged store wrote. The
 * input is the containers.json text, a NUL byte, then the images.json text.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "frontend/external.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	const char *text = (const char *)data, *nul = memchr(data, '\0', size);
	size_t clen = nul ? (size_t)(nul - text) : size;
	const char *images = nul ? nul + 1 : "[]";
	size_t ilen = nul ? size - clen - 1 : 2;
	struct ext_ctr *v = NULL;
	size_t n = 0;

	if (ext_parse(text, clen, images, ilen, &v, &n, &err) == 0)
		for (size_t i = 0; i < n; i++)
			if (!v[i].id || !v[i].layer || !v[i].image_name)
				abort();
	ext_list_free(v, n);
	return 0;
}
