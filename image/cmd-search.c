/* pea-image search: the repositories of a registry matching a term, as JSON (search.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/cli.h"
#include "image/reference.h"
#include "image/registries.h"
#include "image/registry.h"
#include "image/search.h"
#include "image/transport.h"

enum {
	OPT_LIMIT = 3000,
	OPT_PAGE_SIZE,
};

static const struct option search_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
	CLI_SIDE_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const char search_usage[] =
	"Usage: pea-image search [OPTIONS] [REGISTRY/]TERM\n"
	"\n"
	"Search REGISTRY (else each unqualified-search registry of registries.conf) for\n"
	"repositories whose name contains TERM (REGISTRY/ alone: all of them), as JSON:\n"
	"its v1 search API when there is a term, else its catalog (/v2/_catalog).\n"
	"\n"
	"      --limit=N               at most N results (25)\n"
	"      --page-size=N           ask the catalog for pages of N names (the registry's "
	"own)\n" CLI_SIDE_USAGE;

/*
 * The [[registry]] of registries.conf for a whole registry: its prefix is the host (or a
 * "*.domain" wildcard matching it). Its location says where the registry is.
 */
static const struct registry_entry *entry_of_host(const struct registries_conf *conf,
						  const char *host)
{
	const struct registry_entry *wild = NULL;
	size_t hl = strlen(host);

	for (size_t i = 0; conf && i < conf->nregs; i++) {
		const struct registry_entry *e = &conf->regs[i];
		size_t sl = strlen(e->prefix) - 1;

		if (strcmp(e->prefix, host) == 0)
			return e;
		if (e->prefix[0] == '*' && hl > sl && strcmp(host + hl - sl, e->prefix + 1) == 0)
			wild = e;
	}
	return wild;
}

static void add_results(struct json_object *arr, const char *registry,
			const struct search_results *res)
{
	for (size_t i = 0; i < res->n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "Index", json_object_new_string(registry));
		json_object_object_add(o, "Name", json_object_new_string(res->v[i].name));
		json_object_object_add(o, "Description",
				       json_object_new_string(res->v[i].description));
		json_object_object_add(o, "Stars", json_object_new_int64(res->v[i].stars));
		json_object_object_add(o, "Official", json_object_new_boolean(res->v[i].official));
		json_object_object_add(o, "Automated",
				       json_object_new_boolean(res->v[i].automated));
		json_object_object_add(o, "API", json_object_new_string(res->api));
		json_object_array_add(arr, o);
	}
}

/* Search one registry (as the user names it) for term; its results appended to arr. */
static int search_registry(const struct transport_context *ctx, const char *registry,
			   const char *term, const struct side_options *side, long limit,
			   long page_size, struct json_object *arr, struct pea_error **err)
{
	const struct registry_entry *e = entry_of_host(ctx->registries, registry);
	struct registry_client *client = NULL;
	struct search_results res = { 0 };
	_cleanup_free_ char *host = NULL;
	struct image_reference ref = { 0 };
	struct search_options o = {
		.term = term, .under = "", .limit = limit, .page_size = page_size
	};
	int r;

	if (!*registry)
		return pea_error_new(err, EINVAL, "no registry before the '/'");
	if (e && e->blocked)
		return pea_error_new(err, EACCES, "registry \"%s\" is blocked in registries.conf",
				     registry);
	/*
	 * location: where the registry is (HOST/PATH: only the repositories below PATH).
	 * Docker Hub's search is on its v1 host (its registry host has no catalog).
	 */
	if (e && e->location && e->prefix[0] != '*')
		host = xstrdup(e->location);
	else
		host = xstrdup(strcmp(registry, "docker.io") == 0 ? "index.docker.io" : registry);
	if (strchr(host, '/')) {
		o.under = strchr(host, '/') + 1;
		*strchr(host, '/') = '\0';
	}
	ref.domain = host;
	ref.path = (char *)o.under;
	r = docker_client_for(&ref, e && e->insecure, side, ctx, &client, err);
	if (r == 0)
		r = registry_search(client, &o, &res, err);
	if (r == 0)
		add_results(arr, registry, &res);
	search_results_clear(&res);
	registry_client_free(client);
	return r;
}

/*
 * podman's terms: "REGISTRY/TERM" searches REGISTRY (everything before the first slash,
 * whatever it looks like), "REGISTRY/" all of its repositories, a term without a slash
 * every unqualified-search registry of registries.conf. The search fails when no registry
 * had a result and one failed; the other failures are then left out, as podman does.
 */
static int search_run(const struct global_options *g, const char *input,
		      const struct side_options *side, long limit, long page_size,
		      struct pea_error **err)
{
	_cleanup_json_ struct json_object *out = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	_cleanup_free_ char *registry = NULL;
	_cleanup_strv_ char **failed = NULL;
	_cleanup_free_ char *why = NULL;
	const char *term = input, *slash = strchr(input, '/');
	char *const *regs = NULL;
	struct transport_context ctx;
	char *one[2] = { NULL, NULL };
	bool none;
	int code = 0;

	json_object_object_add(out, "Results", arr);
	if (cli_context(g, &ctx, err) < 0)
		return -EINVAL;
	if (slash) {
		registry = xstrndup(input, (size_t)(slash - input));
		term = slash + 1;
		one[0] = registry;
		regs = one;
	} else {
		regs = ctx.registries ? ctx.registries->search : NULL;
	}
	for (size_t i = 0; regs && regs[i]; i++) {
		_cleanup_error_ struct pea_error *e = NULL;

		if (search_registry(&ctx, regs[i], term, side, limit, page_size, arr, &e) == 0)
			continue;
		/* podman's words (couldn't search registry "quay.io": ...) */
		pea_strv_push_take(&failed, xasprintf("couldn't search registry \"%s\": %s",
						      regs[i], e->message));
		code = code ? code : e->code;
	}
	none = !regs || !regs[0];
	cli_context_done(&ctx); /* regs may be its registries' */
	if (none)
		return pea_error_new(err, EINVAL,
				     "cannot search for \"%s\": no registry in the term and no "
				     "unqualified-search registries in registries.conf",
				     input);
	if (failed && json_object_array_length(arr) == 0) {
		why = pea_strv_join(failed, "; ");
		return pea_error_new(err, code, "%s", why);
	}
	cli_print_json(stdout, out);
	return 0;
}

int cmd_search(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct side_options side = { .tls_verify = -1 };
	long limit = 25, page_size = 0;
	int c;

	optind = 0; /* glibc: 0 re-initialises getopt for the command's argv */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", search_options, NULL)) != -1) {
		int r = cli_side_option(c, optarg, &side, err);

		if (r < 0)
			return r;
		if (r > 0)
			continue;
		switch (c) {
		case 'h':
			fputs(search_usage, stdout);
			return 1;
		case OPT_LIMIT:
			if (cli_int("limit", optarg, 1, 100000, &limit, err) < 0)
				return CLI_USAGE;
			break;
		case OPT_PAGE_SIZE:
			if (cli_int("page-size", optarg, 1, 100000, &page_size, err) < 0)
				return CLI_USAGE;
			break;
		default:
			return cli_usage(err, "search: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage(err, "search: expected one TERM, got %d argument(s)",
				 argc - optind);
	return search_run(g, argv[optind], &side, limit, page_size, err);
}
