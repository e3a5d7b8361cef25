/* Image references and "transport:name" strings from the command line or files. */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "image/reference.h"
#include "image/transport.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *s = NULL;
	struct image_reference *r = NULL;
	struct image_name *n = NULL;

	if (size > 8192)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (int normalize = 0; normalize < 2; normalize++) {
		if (reference_parse(s, normalize, &r, &err) == 0) {
			char *a, *b;
			struct image_reference *again = NULL;

			reference_default_tag(r);
			a = reference_string(r);
			b = reference_name(r);
			/* what we print parses back to itself */
			if (reference_parse(a, false, &again, NULL) == 0) {
				char *c = reference_string(again);

				if (strcmp(a, c) != 0)
					abort();
				free(c);
				reference_free(again);
			} else {
				abort();
			}
			free(a);
			free(b);
			r = reference_free(r);
		}
		pea_error_release(&err);
	}
	if (image_name_parse(s, &n, &err) == 0)
		image_name_free(n);
	return 0;
}
