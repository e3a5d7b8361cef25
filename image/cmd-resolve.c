#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "image/cli.h"
#include "image/registries.h"

static const char resolve_usage[] =
	"Usage: pea-image resolve SHORT-NAME\n"
	"\n"
	"Print the fully qualified candidates of a short name, from registries.conf's\n"
	"aliases and unqualified-search-registries, as JSON: {\"alias\":..., "
	"\"candidates\":[...]}.\n";

int cmd_resolve(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	_cleanup_strv_ char **candidates = NULL;
	_cleanup_json_ struct json_object *out = NULL;
	struct transport_context ctx;
	struct json_object *arr;
	bool alias = false;
	int c, r;

	optind = 0; /* glibc: 0 re-initialises getopt for the command's argv */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(resolve_usage, stdout);
			return 1;
		}
		return cli_usage(err, "resolve: unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 1)
		return cli_usage(err, "resolve: expected one SHORT-NAME");
	if (cli_context(g, &ctx, err) < 0)
		return -EINVAL;
	r = registries_resolve_short_name(ctx.registries, argv[optind], &candidates, &alias, err);
	if (r == 0) {
		out = json_object_new_object();
		json_object_object_add(out, "alias", json_object_new_boolean(alias));
		json_object_object_add(
			out, "mode",
			json_object_new_string(
				ctx.registries->mode == SHORT_NAME_ENFORCING  ? "enforcing"
				: ctx.registries->mode == SHORT_NAME_DISABLED ? "disabled"
									      : "permissive"));
		arr = json_object_new_array();
		for (size_t i = 0; candidates[i]; i++)
			json_object_array_add(arr, json_object_new_string(candidates[i]));
		json_object_object_add(out, "candidates", arr);
		cli_print_json(stdout, out);
	}
	cli_context_done(&ctx);
	return r;
}
