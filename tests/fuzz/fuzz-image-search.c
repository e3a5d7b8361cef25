/*
 * A registry's search answers, from untrusted bytes: a v1 search answer, a catalog page,
 * a Link header (the next page), and the catalog's matching of names.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "image/registry.h"
#include "image/search.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *buf = NULL, *next = NULL, *query = NULL;
	_cleanup_strv_ char **repos = NULL;
	struct search_results res = { 0 };

	if (size > (1u << 20))
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (search_parse_v1(buf, size, 3, &res, &err) == 0) {
		if (res.n > 3)
			abort();
		for (size_t i = 0; i < res.n; i++)
			if (!res.v[i].name || !res.v[i].description)
				abort();
	}
	search_results_clear(&res);
	pea_error_release(&err);
	if (search_parse_catalog(buf, size, &repos, &err) == 0) {
		for (size_t i = 0; repos[i]; i++) {
			const char *name = NULL;

			if (search_catalog_match(repos[i], "", "", &name) && name != repos[i])
				abort();
			search_catalog_match(repos[i], "a", "b", &name);
		}
	}
	pea_error_release(&err);
	/* a Link header: the next page is a path on the same host */
	next = registry_next_link(buf);
	if (next && next[0] != '/')
		abort();
	query = search_v1_query(buf, 25);
	if (strspn(query,
		   "qn=&%-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") !=
	    strlen(query))
		abort();
	return 0;
}
