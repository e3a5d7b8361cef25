#pragma once

/*
 * Searching a registry as containers/image does for podman search: the v1
 * search API (GET /v1/search?q=TERM&n=LIMIT: Docker Hub and a few others) when
 * there is a term, else or when the registry has none the repositories of its
 * catalog (GET /v2/_catalog, page after page by the Link header) whose name
 * contains the term.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pea_error;
struct registry_client;

struct search_result {
	char *name; /* the repository as the registry names it: "library/busybox" */
	char *description;
	int64_t stars;
	bool official;
	bool automated;
};

struct search_results {
	struct search_result *v;
	size_t n;
	const char *api; /* "v1" or "catalog" */
};

void search_results_clear(struct search_results *r);

/* The query of a v1 search: "q=TERM&n=LIMIT", the term percent-encoded. */
char *search_v1_query(const char *term, long limit);
/*
 * A v1 search answer ({"results": [{"name", "description", "star_count",
 * "is_official", "is_automated"}, ...]}): appended to ret, at most limit in all.
 */
int search_parse_v1(const char *buf, size_t len, long limit, struct search_results *ret,
		    struct pea_error **err);
/* One /v2/_catalog page ({"repositories": [...]}): a vector of names. */
int search_parse_catalog(const char *buf, size_t len, char ***ret, struct pea_error **err);
/*
 * Does repo match term, under the location's path under ("" for none)? The
 * name without under goes to *ret_name.
 */
bool search_catalog_match(const char *repo, const char *under, const char *term,
			  const char **ret_name);

struct search_options {
	const char *term;  /* may be empty: every repository (catalog only) */
	const char *under; /* a location with a path ("host/mirror"): only repositories below it */
	long limit;	   /* > 0 */
	long page_size;	   /* the catalog's n; 0: the registry's own */
};

/*
 * Search the registry c: the v1 API first when there is a term, then its
 * catalog. A registry with neither is the error (ENOTSUP).
 */
int registry_search(struct registry_client *c, const struct search_options *o,
		    struct search_results *ret, struct pea_error **err);
