/*
 * search (podman-search(1)): pea-image search finds the repositories (a registry's v1
 * search API, else its catalog, /v2/_catalog), pea-image list-tags the tags of one
 * with --list-tags; here the filters, the truncation and the output as podman's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/images.h"

enum {
	OPT_AUTHFILE = 256,
	OPT_COMPATIBLE,
	OPT_FORMAT,
	OPT_LIMIT,
	OPT_LISTTAGS,
	OPT_NOTRUNC,
	OPT_TLS,
};

/* podman's: at most 25 results a registry, descriptions cut at 44 characters */
#define SEARCH_LIMIT	25
#define DESCRIPTION_MAX 44

struct search_filter {
	int64_t stars;
	int official; /* -1: either, 0, 1 */
	int automated;
};

struct search_flags {
	const char *authfile;
	char *format;
	long limit; /* 0: podman's 25 */
	int tls;    /* -1: registries.conf's */
	bool list_tags, no_trunc, compatible;
	char **filters;
	struct search_filter filter;
};

static const char search_usage[] =
	"Usage: pea search [OPTIONS] TERM\n"
	"\n"
	"Search registries for repositories whose name contains TERM: REGISTRY/TERM searches\n"
	"REGISTRY, REGISTRY/ lists all of its repositories, a TERM without a slash searches\n"
	"each unqualified-search registry of registries.conf. A registry's v1 search API\n"
	"answers when it has one (Docker Hub); else pea lists its catalog (/v2/_catalog).\n"
	"\n"
	"      --authfile=PATH      the credentials file (containers-auth.json(5))\n"
	"      --compatible         also the STARS, OFFICIAL and AUTOMATED columns, as Docker\n"
	"  -f, --filter=FILTER      stars=N, is-official[=BOOL], is-automated[=BOOL] (repeatable)\n"
	"      --format=FORMAT      json or a Go template ({{.Index}}, {{.Name}}, "
	"{{.Description}},\n"
	"                           {{.Stars}}, {{.Official}}, {{.Automated}}, {{.Tag}})\n"
	"      --limit=N            at most N results from each registry (25)\n"
	"      --list-tags          list the tags of TERM (REGISTRY/REPOSITORY) instead\n"
	"      --no-trunc           do not cut descriptions at 44 characters\n"
	"      --tls-verify[=BOOL]  verify the registry's certificate, and require https\n";

/* podman's filters (libimage ParseSearchFilter): stars=N, is-official, is-automated. */
static int parse_filter(const char *f, struct search_filter *ret, struct pea_error **err)
{
	const char *eq = strchr(f, '=');
	size_t klen = eq ? (size_t)(eq - f) : strlen(f);
	int *flag = NULL;

	if (klen == 5 && strncmp(f, "stars", 5) == 0) {
		char *end = NULL;

		if (!eq)
			return pea_error_new(
				err, EINVAL,
				"invalid `stars` filter \"%s\", should be stars=<value>", f);
		errno = 0;
		ret->stars = strtoll(eq + 1, &end, 10);
		if (end == eq + 1 || *end || errno)
			return pea_error_new(err, EINVAL,
					     "incorrect value type for stars filter: \"%s\"",
					     eq + 1);
		return 0;
	}
	if (klen == 11 && strncmp(f, "is-official", 11) == 0)
		flag = &ret->official;
	else if (klen == 12 && strncmp(f, "is-automated", 12) == 0)
		flag = &ret->automated;
	else
		return pea_error_new(err, EINVAL, "invalid filter type \"%s\"", f);
	*flag = !(eq && strcmp(eq + 1, "false") == 0);
	return 0;
}

static char **search_tool(const struct global_options *g, const char *cmd,
			  const struct search_flags *fl)
{
	char **v = image_tool(g, cmd);

	if (fl->tls >= 0)
		pea_strv_push(&v, fl->tls ? "--tls-verify=true" : "--tls-verify=false");
	if (fl->authfile)
		pea_strv_push_take(&v, xasprintf("--authfile=%s", fl->authfile));
	return v;
}

/* Run pea-image; its JSON output. Its last line of stderr is the error. */
static int run_image_tool(char *const *argv, const char *what, struct json_object **ret,
			  struct pea_error **err)
{
	struct run_result r = { 0 };
	int rc = -1;

	if (frontend_run_capture(argv, -1, &r, err) < 0)
		return -1;
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
		pea_error_new(err, EIO, "%s", image_tool_message(&r));
	else if (pea_json_parse(r.out, r.len, what, ret, err) == 0) {
		rc = *ret ? 0 : pea_error_new(err, EPROTO, "%s: no answer", what);
	}
	run_result_clear(&r);
	return rc;
}

static int print_items(struct json_object *items, const char *format, const char *table,
		       struct pea_error **err)
{
	struct template *t = NULL;
	int rc;

	if (format && strcmp(format, "json") == 0) {
		fmt_print_json(stdout, items);
		return 0;
	}
	if (template_parse(format ? format : table, NULL, &t, err) < 0)
		return -1;
	rc = template_print(stdout, t, items, err);
	template_free(t);
	return rc;
}

/* --list-tags: one line a tag; as JSON podman's [{"Name": ..., "Tags": [...]}]. */
static int list_tags(const struct global_options *g, const char *repo,
		     const struct search_flags *fl, struct pea_error **err)
{
	_cleanup_strv_ char **tool = search_tool(g, "list-tags", fl);
	_cleanup_json_ struct json_object *j = NULL, *items = json_object_new_array();
	struct json_object *tags = NULL;
	const char *name = NULL;
	long limit = fl->limit ? fl->limit : SEARCH_LIMIT;

	pea_strv_push_take(&tool, xasprintf("docker://%s", repo));
	if (run_image_tool(tool, "pea-image list-tags", &j, err) < 0 ||
	    pea_json_get_string_opt(j, "", "Repository", &name, err) < 0 ||
	    pea_json_get_array_opt(j, "", "Tags", &tags, err) < 0)
		return -1;
	name = name ? name : repo;
	if (!tags || json_object_array_length(tags) == 0)
		return 0;
	if (fl->format && strcmp(fl->format, "json") == 0) {
		_cleanup_json_ struct json_object *out = json_object_new_array();
		struct json_object *o = json_object_new_object(), *v = json_object_new_array();

		for (size_t i = 0; i < json_object_array_length(tags) && (long)i < limit; i++)
			json_object_array_add(v,
					      json_object_get(json_object_array_get_idx(tags, i)));
		json_object_object_add(o, "Name", json_object_new_string(name));
		json_object_object_add(o, "Tags", v);
		json_object_array_add(out, o);
		fmt_print_json(stdout, out);
		return 0;
	}
	for (size_t i = 0; i < json_object_array_length(tags) && (long)i < limit; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "Name", json_object_new_string(name));
		json_object_object_add(o, "Tag",
				       json_object_get(json_object_array_get_idx(tags, i)));
		json_object_array_add(items, o);
	}
	return print_items(items, fl->format, "table {{.Name}}\t{{.Tag}}", err);
}

/* One result as podman reports it (libimage SearchResult), or NULL when a filter drops it. */
static struct json_object *search_item(struct json_object *r, const struct search_flags *fl,
				       struct pea_error **err)
{
	const char *index = "", *name = "", *desc = "";
	int64_t stars = 0;
	bool official = false, automated = false;
	_cleanup_free_ char *d = NULL, *full = NULL;
	struct json_object *o;

	if (pea_json_get_string_opt(r, "", "Index", &index, err) < 0 ||
	    pea_json_get_string_opt(r, "", "Name", &name, err) < 0 ||
	    pea_json_get_string_opt(r, "", "Description", &desc, err) < 0 ||
	    pea_json_get_int64_opt(r, "", "Stars", &stars, err) < 0 ||
	    pea_json_get_bool_opt(r, "", "Official", &official, err) < 0 ||
	    pea_json_get_bool_opt(r, "", "Automated", &automated, err) < 0)
		return NULL;
	if (stars < fl->filter.stars ||
	    (fl->filter.official >= 0 && official != fl->filter.official) ||
	    (fl->filter.automated >= 0 && automated != fl->filter.automated))
		return NULL;
	d = xstrdup(desc);
	for (char *p = d; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (!fl->no_trunc && strlen(d) > DESCRIPTION_MAX) {
		char *cut = xasprintf("%.*s...", DESCRIPTION_MAX, d);

		free(d);
		d = cut;
	}
	/* Docker Hub's official images are docker.io/library/NAME */
	full = strcmp(index, "docker.io") == 0 && !strchr(name, '/')
		       ? xasprintf("%s/library/%s", index, name)
		       : xasprintf("%s/%s", index, name);
	o = json_object_new_object();
	json_object_object_add(o, "Index", json_object_new_string(index));
	json_object_object_add(o, "Name", json_object_new_string(full));
	json_object_object_add(o, "Description", json_object_new_string(d));
	json_object_object_add(o, "Stars", json_object_new_int64(stars));
	json_object_object_add(o, "Official", json_object_new_string(official ? "[OK]" : ""));
	json_object_object_add(o, "Automated", json_object_new_string(automated ? "[OK]" : ""));
	json_object_object_add(o, "Tag", json_object_new_string(""));
	return o;
}

static int search(const struct global_options *g, const char *term, const struct search_flags *fl,
		  struct pea_error **err)
{
	_cleanup_strv_ char **tool = search_tool(g, "search", fl);
	_cleanup_json_ struct json_object *j = NULL, *items = json_object_new_array();
	struct json_object *results = NULL;

	if (fl->limit)
		pea_strv_push_take(&tool, xasprintf("--limit=%ld", fl->limit));
	pea_strv_push(&tool, "--");
	pea_strv_push(&tool, term);
	if (run_image_tool(tool, "pea-image search", &j, err) < 0 ||
	    pea_json_get_array_opt(j, "", "Results", &results, err) < 0)
		return -1;
	for (size_t i = 0; results && i < json_object_array_length(results); i++) {
		struct json_object *o = search_item(json_object_array_get_idx(results, i), fl, err);

		if (!o && *err)
			return -1;
		if (o)
			json_object_array_add(items, o);
	}
	/* nothing found prints nothing, not even the header (podman) */
	if (json_object_array_length(items) == 0)
		return 0;
	return print_items(items, fl->format,
			   fl->compatible ? "table {{.Name}}\t{{.Description}}\t{{.Stars}}\t"
					    "{{.Official}}\t{{.Automated}}"
					  : "table {{.Name}}\t{{.Description}}",
			   err);
}

int cmd_search(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "authfile", required_argument, NULL, OPT_AUTHFILE },
		{ "compatible", no_argument, NULL, OPT_COMPATIBLE },
		{ "filter", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "list-tags", no_argument, NULL, OPT_LISTTAGS },
		{ "no-trunc", no_argument, NULL, OPT_NOTRUNC },
		{ "tls-verify", optional_argument, NULL, OPT_TLS },
		{ NULL, 0, NULL, 0 },
	};
	struct search_flags fl = { .tls = -1, .filter = { .official = -1, .automated = -1 } };
	int r, c = 0, rc = -1;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf:", opts, search_usage, &c, err)) == 2) {
		char *end = NULL;
		bool b;

		switch (c) {
		case OPT_AUTHFILE:
			fl.authfile = optarg;
			break;
		case OPT_COMPATIBLE:
			fl.compatible = true;
			break;
		case 'f':
			pea_strv_push(&fl.filters, optarg);
			break;
		case OPT_FORMAT:
			free(fl.format);
			fl.format = xstrdup(optarg);
			break;
		case OPT_LIMIT:
			errno = 0;
			fl.limit = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || fl.limit < 0 || fl.limit > 100000) {
				pea_error_new(err, EINVAL,
					      "invalid argument \"%s\" for \"--limit\" flag: "
					      "must be a number from 0 to 100000",
					      optarg);
				goto out;
			}
			break;
		case OPT_LISTTAGS:
			fl.list_tags = true;
			break;
		case OPT_NOTRUNC:
			fl.no_trunc = true;
			break;
		case OPT_TLS:
			if (parse_bool_arg("--tls-verify", optarg, &b, err) < 0)
				goto out;
			fl.tls = b;
			break;
		default:
			break;
		}
	}
	if (r < 0)
		goto out;
	if (r == 1) {
		rc = 0;
		goto out;
	}
	if (argc - optind != 1) {
		check_nargs(argc - optind, 1, 1, err);
		goto out;
	}
	if (fl.list_tags && fl.filters) {
		pea_error_new(err, EINVAL, "filters are not applicable to list tags result");
		goto out;
	}
	for (size_t i = 0; fl.filters && fl.filters[i]; i++)
		if (parse_filter(fl.filters[i], &fl.filter, err) < 0)
			goto out;
	if (fl.authfile && access(fl.authfile, F_OK) < 0) {
		pea_error_errno(err, "stat %s", fl.authfile);
		goto out;
	}
	rc = fl.list_tags ? list_tags(g, argv[optind], &fl, err)
			  : search(g, argv[optind], &fl, err);
out:
	free(fl.format);
	pea_strv_free(fl.filters);
	return rc;
}
