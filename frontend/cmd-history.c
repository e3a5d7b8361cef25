/* history: the layers and history entries of an image (podman-history(1)). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/images.h"

#define CREATED_BY_MAX 45

static const char *history_header(const char *field)
{
	static const struct {
		const char *field, *header;
	} map[] = {
		{ "ID", "ID" },
		{ "Created", "CREATED" },
		{ "CreatedSince", "CREATED" },
		{ "CreatedAt", "CREATED AT" },
		{ "CreatedBy", "CREATED BY" },
		{ "Size", "SIZE" },
		{ "Comment", "COMMENT" },
		{ "Tags", "TAGS" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(map[i].field, field) == 0)
			return map[i].header;
	return NULL;
}

/* The size of each layer of the image, bottom first (from `layer ls`). */
static long long *layer_sizes(const struct global_options *g, struct json_object *rec,
			      size_t *ret_n)
{
	static const char *const ls[] = { "layer", "ls", NULL };
	_cleanup_json_ struct json_object *layers = NULL;
	_cleanup_strv_ char **ids = NULL;
	long long *v;
	size_t n;

	(void)pea_json_get_strv_opt(rec, "", "layers", &ids, NULL);
	n = pea_strv_length(ids);
	v = xcalloc(n ? n : 1, sizeof(*v));
	(void)store_call(g, ls, &layers, NULL);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; layers && k < json_object_array_length(layers); k++) {
			struct json_object *l = json_object_array_get_idx(layers, k);
			const char *id = NULL;
			int64_t size = 0;
			if (pea_json_get_string_opt(l, "", "id", &id, NULL) == 1 &&
			    strcmp(id, ids[i]) == 0 &&
			    pea_json_get_int64_opt(l, "", "size", &size, NULL) == 1)
				v[i] = size;
		}
	*ret_n = n;
	return v;
}

struct history_opts {
	bool human, notrunc, quiet;
	char *format;
};

static char *created_by(const char *s, bool notrunc)
{
	if (notrunc || strlen(s) <= CREATED_BY_MAX)
		return xstrdup(s);
	return xasprintf("%.*s...", CREATED_BY_MAX - 3, s);
}

/* One row per history entry, newest first; layers go to the entries that made one. */
static struct json_object *history_items(const struct global_options *g, struct json_object *rec,
					 struct json_object *cfg, const struct history_opts *o)
{
	struct json_object *items = json_object_new_array(), *hist = NULL;
	_cleanup_free_ long long *sizes = NULL;
	_cleanup_strv_ char **names = NULL;
	const char *id = NULL;
	size_t nl = 0, n;
	long layer;

	(void)pea_json_get_string_opt(rec, "", "id", &id, NULL);
	(void)pea_json_get_strv_opt(rec, "", "names", &names, NULL);
	sizes = layer_sizes(g, rec, &nl);
	if (!json_object_object_get_ex(cfg, "history", &hist) ||
	    !json_object_is_type(hist, json_type_array))
		hist = NULL;
	n = hist ? json_object_array_length(hist) : 0;
	/* the layers of the entries that are not empty, counted from the bottom */
	layer = -1;
	for (size_t i = 0; i < n; i++) {
		bool empty = false;
		(void)pea_json_get_bool_opt(json_object_array_get_idx(hist, i), "", "empty_layer",
					    &empty, NULL);
		if (!empty)
			layer++;
	}
	for (size_t k = n; k-- > 0;) {
		struct json_object *h = json_object_array_get_idx(hist, k), *o2;
		const char *created = "", *by = "", *comment = "";
		bool empty = false;
		long long size = 0;
		_cleanup_free_ char *since = NULL, *shown = NULL, *sz = NULL, *cby = NULL;

		(void)pea_json_get_string_opt(h, "", "created", &created, NULL);
		(void)pea_json_get_string_opt(h, "", "created_by", &by, NULL);
		(void)pea_json_get_string_opt(h, "", "comment", &comment, NULL);
		(void)pea_json_get_bool_opt(h, "", "empty_layer", &empty, NULL);
		if (!empty) {
			if (layer >= 0 && (size_t)layer < nl)
				size = sizes[layer];
			layer--;
		}
		o2 = json_object_new_object();
		if (k + 1 == n && id)
			json_object_object_add(
				o2, "ID", json_object_new_string_len(id, o->notrunc ? 64 : 12));
		else
			json_object_object_add(o2, "ID", json_object_new_string("<missing>"));
		since = fmt_human_duration(frontend_now_seconds() - frontend_parse_time(created));
		shown = xasprintf("%s ago", since);
		json_object_object_add(o2, "Created",
				       json_object_new_string(o->human ? shown : created));
		json_object_object_add(o2, "CreatedSince", json_object_new_string(shown));
		{
			/* templates show Go's time; --format json the time as stored */
			_cleanup_free_ char *at = fmt_go_time(frontend_parse_time(created));
			json_object_object_add(o2, "CreatedAt", json_object_new_string(at));
			json_object_object_add(o2, "RawCreatedAt", json_object_new_string(created));
		}
		cby = created_by(by, o->notrunc);
		json_object_object_add(o2, "CreatedBy", json_object_new_string(cby));
		sz = o->human ? fmt_human_size((double)size) : xasprintf("%lld", size);
		json_object_object_add(o2, "Size", json_object_new_string(sz));
		json_object_object_add(o2, "SizeBytes", json_object_new_int64(size));
		json_object_object_add(o2, "Comment", json_object_new_string(comment));
		json_object_object_add(o2, "Tags",
				       json_object_new_string(k + 1 == n && names ? names[0] : ""));
		json_object_array_add(items, o2);
	}
	return items;
}

/* podman's `history --format json`: its keys and raw values. */
static struct json_object *json_rows(struct json_object *items, const char *id)
{
	struct json_object *out = json_object_new_array();

	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *it = json_object_array_get_idx(items, i), *o, *v;
		o = json_object_new_object();
		json_object_object_add(o, "id",
				       json_object_new_string(i == 0 && id ? id : "<missing>"));
		if (json_object_object_get_ex(it, "RawCreatedAt", &v))
			json_object_object_add(o, "created", json_object_get(v));
		if (json_object_object_get_ex(it, "CreatedBy", &v))
			json_object_object_add(o, "createdBy", json_object_get(v));
		if (json_object_object_get_ex(it, "SizeBytes", &v))
			json_object_object_add(o, "size", json_object_get(v));
		if (json_object_object_get_ex(it, "Comment", &v))
			json_object_object_add(o, "comment", json_object_get(v));
		json_object_array_add(out, o);
	}
	return out;
}

static const char history_usage[] =
	"Usage: pea history [OPTIONS] IMAGE\n"
	"\n"
	"Show the history of an image.\n"
	"\n"
	"      --format=FORMAT   Go template ({{.ID}}, {{.Created}}, {{.CreatedBy}}, {{.Size}},\n"
	"                        {{.Comment}}) or json\n"
	"  -H, --human[=BOOL]    sizes and dates for humans (default true)\n"
	"      --no-trunc        do not truncate ids and commands\n"
	"  -q, --quiet           print the ids only\n";

enum { OPT_FORMAT = 256, OPT_NOTRUNC };

int cmd_history(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "human", optional_argument, NULL, 'H' },
		{ "no-trunc", no_argument, NULL, OPT_NOTRUNC },
		{ "notruncate", no_argument, NULL, OPT_NOTRUNC },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *rec = NULL, *cfg = NULL, *items = NULL;
	struct history_opts o = { .human = true };
	struct template *t = NULL;
	const char *id = NULL;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hH::q", opts, history_usage, &c, err)) == 2) {
		if (c == 'H' && optarg && optarg[0] == '=')
			optarg++; /* -H=false */
		if (c == 'H' && parse_bool_arg("-H, --human", optarg, &o.human, err) < 0)
			goto fail;
		if (c == OPT_NOTRUNC)
			o.notrunc = true;
		if (c == 'q')
			o.quiet = true;
		if (c == OPT_FORMAT) {
			free(o.format);
			o.format = xstrdup(optarg);
		}
	}
	if (r < 0)
		goto fail;
	if (r == 1)
		goto done;
	if (argc - optind != 1) {
		check_nargs(argc - optind, 1, 1, err);
		goto fail;
	}
	if (image_find(g, argv[optind], &rec, err) < 0 || image_read_config(rec, &cfg, err) < 0)
		goto fail;
	(void)pea_json_get_string_opt(rec, "", "id", &id, NULL);
	items = history_items(g, rec, cfg, &o);
	if (o.format && strcmp(o.format, "json") == 0) {
		_cleanup_json_ struct json_object *rows = json_rows(items, id);
		fmt_print_json(stdout, rows);
		goto done;
	}
	if (o.quiet && !o.format) {
		for (size_t i = 0; i < json_object_array_length(items); i++)
			printf("%s\n", json_object_get_string(json_object_object_get(
					       json_object_array_get_idx(items, i), "ID")));
		goto done;
	}
	if (template_parse(o.format ? o.format
				    : "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t"
				      "{{.Comment}}",
			   history_header, &t, err) < 0 ||
	    template_print(stdout, t, items, err) < 0)
		goto fail;
done:
	template_free(t);
	free(o.format);
	return 0;
fail:
	template_free(t);
	free(o.format);
	return -1;
}
