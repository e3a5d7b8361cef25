/* Registry search: the v1 search API, else the catalog (search.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/registry.h"
#include "image/search.h"

void search_results_clear(struct search_results *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].description);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static void results_add(struct search_results *r, const char *name, const char *description,
			int64_t stars, bool official, bool automated)
{
	struct search_result *x;

	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	x = &r->v[r->n++];
	x->name = xstrdup(name);
	x->description = xstrdup(description ? description : "");
	x->stars = stars;
	x->official = official;
	x->automated = automated;
}

char *search_v1_query(const char *term, long limit)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(term);
	_cleanup_free_ char *q = xmalloc(len * 3 + 1);
	char *p = q;

	/* RFC 3986's unreserved characters as they are, every other byte %XX */
	for (const unsigned char *s = (const unsigned char *)term; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-._~", *s)) {
			*p++ = (char)*s;
		} else {
			*p++ = '%';
			*p++ = hex[*s >> 4];
			*p++ = hex[*s & 15];
		}
	}
	*p = '\0';
	return xasprintf("q=%s&n=%ld", q, limit);
}

int search_parse_v1(const char *buf, size_t len, long limit, struct search_results *ret,
		    struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	struct json_object *results = NULL;

	if (pea_json_parse(buf, len, "v1 search answer", &doc, err) < 0)
		return -EINVAL;
	if (pea_json_expect_object(doc, "", err) < 0 ||
	    pea_json_get_array_opt(doc, "", "results", &results, err) < 0)
		return pea_error_wrap(err, "v1 search answer");
	for (size_t i = 0; results && i < json_object_array_length(results); i++) {
		struct json_object *o = json_object_array_get_idx(results, i);
		_cleanup_free_ char *path = pea_json_path_index("results", i);
		const char *name = NULL, *description = NULL;
		int64_t stars = 0;
		bool official = false, automated = false;

		if ((long)ret->n >= limit)
			break;
		if (pea_json_expect_object(o, path, err) < 0 ||
		    pea_json_get_string_req(o, path, "name", &name, err) < 0 ||
		    pea_json_get_string_opt(o, path, "description", &description, err) < 0 ||
		    pea_json_get_int64_opt(o, path, "star_count", &stars, err) < 0 ||
		    pea_json_get_bool_opt(o, path, "is_official", &official, err) < 0 ||
		    pea_json_get_bool_opt(o, path, "is_automated", &automated, err) < 0)
			return pea_error_wrap(err, "v1 search answer");
		results_add(ret, name, description, stars, official, automated);
	}
	return 0;
}

int search_parse_catalog(const char *buf, size_t len, char ***ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	_cleanup_strv_ char **repos = NULL;

	if (pea_json_parse(buf, len, "catalog", &doc, err) < 0)
		return -EINVAL;
	if (pea_json_expect_object(doc, "", err) < 0 ||
	    pea_json_get_strv_opt(doc, "", "repositories", &repos, err) < 0)
		return pea_error_wrap(err, "catalog");
	*ret = repos ? TAKE_PTR(repos) : xnew(char *, 1);
	return 0;
}

bool search_catalog_match(const char *repo, const char *under, const char *term,
			  const char **ret_name)
{
	size_t n = strlen(under);

	if (n) {
		if (strncmp(repo, under, n) != 0 || repo[n] != '/')
			return false;
		repo += n + 1;
	}
	if (!strstr(repo, term))
		return false;
	*ret_name = repo;
	return true;
}

/*
 * The v1 search: true with its results; false when the registry has none (its status in
 * *ret_status, 0 when no answer came: the catalog's request then says why).
 */
static bool search_v1(struct registry_client *c, const struct search_options *o,
		      struct search_results *ret, long *ret_status)
{
	_cleanup_free_ char *query = search_v1_query(o->term, o->limit);
	_cleanup_error_ struct pea_error *e = NULL;
	struct http_response resp = { 0 };
	bool found = false;

	if (registry_v1_search(c, query, &resp, &e) < 0) {
		log_debug("%s", e->message);
	} else if (resp.status == 200) {
		/* a 200 that is no search answer (a web page): the catalog may still do */
		found = search_parse_v1(resp.body ? resp.body : "", resp.body_len, o->limit, ret,
					&e) == 0;
		if (!found) {
			log_debug("%s: %s", registry_client_host(c), e->message);
			search_results_clear(ret);
		}
	}
	*ret_status = resp.status;
	http_response_clear(&resp);
	return found;
}

struct catalog_walk {
	const struct search_options *o;
	struct search_results *ret;
	bool answered;
};

/* One page of the catalog: its matching names kept; 1 (no more pages) at the limit. */
static int catalog_page(void *data, const char *body, size_t len, struct pea_error **err)
{
	struct catalog_walk *w = data;
	_cleanup_strv_ char **repos = NULL;

	w->answered = true;
	if (search_parse_catalog(body, len, &repos, err) < 0)
		return -EINVAL;
	for (size_t i = 0; repos[i] && (long)w->ret->n < w->o->limit; i++) {
		const char *name;

		if (search_catalog_match(repos[i], w->o->under, w->o->term, &name))
			results_add(w->ret, name, "", 0, false, false);
	}
	return (long)w->ret->n < w->o->limit ? 0 : 1;
}

static int search_catalog(struct registry_client *c, const struct search_options *o, long v1_status,
			  struct search_results *ret, struct pea_error **err)
{
	_cleanup_free_ char *url = o->page_size > 0 ? xasprintf("/v2/_catalog?n=%ld", o->page_size)
						    : xstrdup("/v2/_catalog");
	_cleanup_free_ char *what =
		xasprintf("listing the repositories of '%s'", registry_client_host(c));
	_cleanup_free_ char *v1 = v1_status ? xasprintf("%ld", v1_status) : xstrdup("not asked");
	struct catalog_walk w = { .o = o, .ret = ret };

	if (registry_get_pages(c, url, "registry:catalog:*", what, catalog_page, &w, err) == 0)
		return 0;
	if (w.answered || (*err)->code != ENOENT)
		return -(*err)->code;
	/* its first page is not there: the registry has no catalog */
	*err = pea_error_free(*err);
	return pea_error_new(err, ENOTSUP,
			     "'%s' offers neither a search (/v1/search: %s) nor a catalog "
			     "(/v2/_catalog: 404)",
			     registry_client_host(c), v1);
}

int registry_search(struct registry_client *c, const struct search_options *o,
		    struct search_results *ret, struct pea_error **err)
{
	long v1_status = 0;

	ret->api = "v1";
	if (*o->term && !*o->under) {
		if (search_v1(c, o, ret, &v1_status))
			return 0;
		log_debug("%s: no v1 search (%ld), trying its catalog", registry_client_host(c),
			  v1_status);
	}
	ret->api = "catalog";
	return search_catalog(c, o, v1_status, ret, err);
}
