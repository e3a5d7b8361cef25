/*
 * pea container runlabel's label parser: the input is a label's text, expanded
 * with a fixed set of values and split into words.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/runlabel.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct runlabel_vars vars = {
		.name = "n a m e",
		.image = "localhost/img:latest",
		.opt = { "--opt1", NULL, "'q'" },
	};
	struct pea_error *err = NULL;
	char **v = NULL;
	char *s;

	if (size > 1u << 16)
		return 0;
	s = xstrndup((const char *)data, size);
	if (runlabel_words(&vars, s, &v, &err) < 0)
		err = pea_error_free(err);
	pea_strv_free(v);
	free(s);
	return 0;
}
