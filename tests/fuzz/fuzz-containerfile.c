/*
 * pea build's Containerfile parser and word rules: the input is parsed as a
 * whole file, then each instruction's arguments go through the word split,
 * the expansion and the KEY=VALUE pairs with a fixed set of variables.
 * The .containerignore matcher gets the first line as a pattern list; the flags
 * of each instruction go through RUN --mount's parser.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/build-exec.h"
#include "frontend/build-internal.h"
#include "frontend/build-parse.h"
#include "tests/fuzz/fuzz.h"

static const char *lookup(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "A") == 0)
		return "alpha";
	if (strcmp(name, "EMPTY") == 0)
		return "";
	return NULL;
}

static void words(const struct build_instr *in, char escape)
{
	struct pea_error *err = NULL;
	char **v = NULL, *s = NULL;

	if (build_words(in->args, escape, true, lookup, NULL, &v, &err) < 0)
		err = pea_error_free(err);
	v = pea_strv_free(v);
	if (build_expand(in->args, escape, lookup, NULL, &s, &err) < 0)
		err = pea_error_free(err);
	free(s);
	if (build_pairs(in->args, escape, true, lookup, NULL, &v, &err) < 0)
		err = pea_error_free(err);
	pea_strv_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	struct build_file f = { 0 };
	struct pea_error *err = NULL;
	char **pats = NULL;

	if (build_parse((const char *)data, size, &f, &err) == 0) {
		for (size_t i = 0; i < f.n; i++) {
			words(&f.v[i], f.escape);
			for (size_t k = 0; f.v[i].flags && f.v[i].flags[k]; k++)
				if (build_mount_check(f.v[i].flags[k], &err) < 0)
					err = pea_error_free(err);
		}
		build_file_clear(&f);
	} else {
		pea_error_free(err);
	}
	text[strcspn(text, "\n")] = '\0';
	pats = pea_strv_split(text, " ");
	(void)build_ignore_match(pats, "a/b/c.txt");
	(void)build_ignore_match(pats, "x");
	pea_strv_free(pats);
	return 0;
}
