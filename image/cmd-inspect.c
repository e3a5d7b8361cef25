#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/blob.h"
#include "image/cli.h"
#include "lib/digest.h"
#include "image/manifest.h"
#include "image/registry.h"
#include "image/transport.h"

#define CONFIG_MAX (8u << 20)

static const struct option inspect_options[] = {
	{ "raw", no_argument, NULL, 'r' },
	{ "config", no_argument, NULL, 'c' },
	{ "no-tags", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ "format", required_argument, NULL, 'f' },
	CLI_SIDE_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const char inspect_usage[] =
	"Usage: pea-image inspect [OPTIONS] IMAGE\n"
	"\n"
	"Show an image's manifest digest, tags, configuration and layers as JSON.\n"
	"\n"
	"      --raw                   print the manifest (or with --config the config) as stored\n"
	"      --config                print the image configuration\n"
	"  -n, --no-tags               do not list the repository's tags\n"
	"  -f, --format=TEMPLATE       print fields: {{.Name}}, {{.Digest}}, {{json .Layers}},\n"
	"                              {{json .}} (a subset of Go templates)\n" CLI_SIDE_USAGE;

struct inspect_args {
	bool raw, config, no_tags;
	const char *format;
	struct side_options side;
	const char *image;
};

static int inspect_parse(int argc, char **argv, struct inspect_args *a, struct pea_error **err)
{
	int c;

	a->side.tls_verify = -1;
	optind = 0; /* glibc: 0 re-initialises getopt for the command's argv */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "nhf:", inspect_options, NULL)) != -1) {
		int r = cli_side_option(c, optarg, &a->side, err);

		if (r < 0)
			return r;
		if (r > 0)
			continue;
		switch (c) {
		case 'r':
			a->raw = true;
			break;
		case 'c':
			a->config = true;
			break;
		case 'n':
			a->no_tags = true;
			break;
		case 'h':
			fputs(inspect_usage, stdout);
			return 1;
		case 'f':
			a->format = optarg;
			break;
		default:
			return cli_usage(err, "inspect: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage(err, "inspect: expected one IMAGE, got %d argument(s)",
				 argc - optind);
	a->image = argv[optind];
	return 0;
}

static int fetch_config(struct image_source *src, const struct descriptor *d, char **ret,
			size_t *ret_len, struct pea_error **err)
{
	struct blob_sink sink;
	struct blob_fetch f = { .digest = d->digest, .sink = &sink };
	int r;

	if (d->size > (int64_t)CONFIG_MAX)
		return pea_error_new(err, EFBIG, "config '%s' is larger than %u bytes", d->digest,
				     CONFIG_MAX);
	if (blob_sink_init(&sink, -1, d->digest, d->size, CONFIG_MAX, err) < 0)
		return -EINVAL;
	r = source_fetch(src, &f, 1, NULL, err);
	if (r == 0) {
		*ret = sink.mem ? sink.mem : xstrdup("");
		*ret_len = sink.mem_len;
		sink.mem = NULL;
	}
	blob_sink_done(&sink);
	return r;
}

/* from[key] into to[to_key]; when missing, the string fallback, or null. */
static void copy_key(struct json_object *to, const char *to_key, struct json_object *from,
		     const char *key, const char *fallback)
{
	struct json_object *v = NULL;

	if (from && json_object_object_get_ex(from, key, &v) && v)
		json_object_object_add(to, to_key, json_object_get(v));
	else
		json_object_object_add(to, to_key,
				       fallback ? json_object_new_string(fallback) : NULL);
}

static struct json_object *inspect_info(const struct image_source *src, const char *digest,
					char **tags, const struct manifest *m,
					struct json_object *config)
{
	struct json_object *info = json_object_new_object(), *cc = NULL, *layers, *rt;

	json_object_object_get_ex(config, "config", &cc);
	if (src->canonical)
		json_object_object_add(info, "Name", json_object_new_string(src->canonical));
	json_object_object_add(info, "Digest", json_object_new_string(digest));
	rt = json_object_new_array();
	for (size_t i = 0; tags && tags[i]; i++)
		json_object_array_add(rt, json_object_new_string(tags[i]));
	json_object_object_add(info, "RepoTags", rt);
	copy_key(info, "Created", config, "created", NULL);
	copy_key(info, "DockerVersion", config, "docker_version", "");
	copy_key(info, "Labels", cc, "Labels", NULL);
	copy_key(info, "Architecture", config, "architecture", "");
	copy_key(info, "Os", config, "os", "");
	layers = json_object_new_array();
	for (size_t i = 0; i < m->nlayers; i++)
		json_object_array_add(layers, json_object_new_string(m->layers[i].digest));
	json_object_object_add(info, "Layers", layers);
	copy_key(info, "Env", cc, "Env", NULL);
	return info;
}

/* The image manifest (an index resolved to the platform's entry). */
static int image_manifest(const struct global_options *g, struct image_source *src, const char *buf,
			  size_t len, const char *type, struct manifest **ret,
			  struct pea_error **err)
{
	_cleanup_(manifest_free_p) struct manifest *m = NULL;
	const struct descriptor *d = NULL;
	_cleanup_free_ char *child = NULL, *child_type = NULL;
	size_t child_len = 0;

	if (manifest_parse(buf, len, type && *type ? type : NULL, &m, err) < 0)
		return pea_error_wrap(err, "%s", src->description);
	if (!m->is_index) {
		*ret = TAKE_PTR(m);
		return 0;
	}
	if (manifest_select(m, g->override_os, g->override_arch, g->override_variant, &d, err) < 0)
		return pea_error_wrap(err, "%s", src->description);
	if (src->ops->get_manifest(src, d->digest, &child, &child_len, &child_type, err) < 0)
		return -EIO;
	if (manifest_parse(child, child_len, d->media_type[0] ? d->media_type : child_type, ret,
			   err) < 0)
		return pea_error_wrap(err, "%s", src->description);
	return 0;
}

/* One action "{{.Field}}", "{{json .Field}}", "{{json .}}" of a Go template. */
static int format_action(const char *action, size_t n, struct json_object *info, FILE *out,
			 struct pea_error **err)
{
	_cleanup_free_ char *a = xstrndup(action, n);
	char *p = a, *end;
	bool json = false;
	struct json_object *v = info;

	while (*p == ' ')
		p++;
	end = p + strlen(p);
	while (end > p && end[-1] == ' ')
		*--end = '\0';
	if (strncmp(p, "json ", 5) == 0) {
		json = true;
		p += 5;
		while (*p == ' ')
			p++;
	}
	if (p[0] != '.')
		return cli_usage(err, "inspect: --format: unsupported action '{{%s}}'", a);
	if (p[1] && !json_object_object_get_ex(info, p + 1, &v))
		return pea_error_new(err, EINVAL, "inspect: --format: no field '%s'", p + 1);
	if (!json && v && json_object_is_type(v, json_type_string))
		fputs(json_object_get_string(v), out);
	else
		fputs(v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE)
			: "null",
		      out);
	return 0;
}

static int print_format(const char *format, struct json_object *info, struct pea_error **err)
{
	const char *p = format;

	while (*p) {
		const char *open = strstr(p, "{{"), *close;

		if (!open) {
			fputs(p, stdout);
			break;
		}
		fwrite(p, 1, (size_t)(open - p), stdout);
		close = strstr(open + 2, "}}");
		if (!close)
			return cli_usage(err, "inspect: --format: '{{' without '}}'");
		{
			int r = format_action(open + 2, (size_t)(close - open - 2), info, stdout,
					      err);

			if (r < 0)
				return r;
		}
		p = close + 2;
	}
	fputc('\n', stdout);
	return 0;
}

static int inspect_run(const struct global_options *g, const struct inspect_args *a,
		       struct image_source *src, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL, *type = NULL, *config = NULL;
	_cleanup_(manifest_free_p) struct manifest *m = NULL;
	_cleanup_json_ struct json_object *cfg = NULL, *info = NULL;
	_cleanup_strv_ char **tags = NULL;
	char digest[PEA_DIGEST_MAX];
	size_t len = 0, config_len = 0;

	if (src->ops->get_manifest(src, NULL, &buf, &len, &type, err) < 0)
		return -EIO;
	if (a->raw && !a->config) {
		if (fwrite(buf, 1, len, stdout) != len)
			return pea_error_errno(err, "write to standard output");
		return 0;
	}
	if (image_manifest(g, src, buf, len, type, &m, err) < 0)
		return -EINVAL;
	if (fetch_config(src, &m->config, &config, &config_len, err) < 0)
		return -EIO;
	if (a->config && a->raw) {
		if (fwrite(config, 1, config_len, stdout) != config_len)
			return pea_error_errno(err, "write to standard output");
		return 0;
	}
	if (pea_json_parse(config, config_len, "image config", &cfg, err) < 0)
		return pea_error_wrap(err, "%s", src->description);
	if (a->config) {
		cli_print_json(stdout, cfg);
		return 0;
	}
	if (src->client && !a->no_tags &&
	    registry_list_tags(src->client, src->repo, &tags, err) < 0)
		return -EIO;
	pea_digest_buffer("sha256", buf, len, digest);
	info = inspect_info(src, digest, tags, m, cfg);
	if (a->format)
		return print_format(a->format, info, err);
	cli_print_json(stdout, info);
	return 0;
}

int cmd_inspect(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct inspect_args a = { 0 };
	struct transport_context ctx;
	struct image_source *src = NULL;
	int r;

	r = inspect_parse(argc, argv, &a, err);
	if (r != 0)
		return r;
	if (cli_open_source(g, a.image, &a.side, &ctx, &src, err) < 0)
		return -EIO;
	r = inspect_run(g, &a, src, err);
	source_close(src);
	cli_context_done(&ctx);
	return r;
}
