/* pea-storage layer apply|create|diff|ls|inspect|rm */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "cli.h"
#include "commands.h"
#include "driver.h"
#include "layer.h"
#include "records.h"
#include "store.h"

static const char usage[] =
	"Usage: pea-storage layer COMMAND\n"
	"  apply [--parent ID] [--id ID] [--digest D] [--diff-id D] [--wait-parent]\n"
	"        [--wait-timeout SECONDS] [--start-timeout SECONDS] [--refetchable] [FILE]\n"
	"                                         apply a layer tar (plain, gzip or zstd; "
	"default:\n"
	"                                         stdin), refused unless it has the digests given\n"
	"  create [--parent ID] [--id ID]         an empty layer\n"
	"  diff ID                                the layer's changes as a tar on stdout\n"
	"  ls                                     every layer\n"
	"  inspect ID                             one layer\n"
	"  rm ID                                  remove an unused layer\n";

static struct json_object *layer_json(struct store *s, const struct layer_rec *l)
{
	struct json_object *o = layer_rec_to_json(l);
	_cleanup_free_ char *path = driver_diff_path(s, l->id);

	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "mount_count", json_object_new_int(driver_mount_count(s, l->id)));
	return o;
}

static bool is_digest(const char *s)
{
	return !strncmp(s, "sha256:", 7) && cli_is_full_id(s + 7);
}

/* A whole number of seconds, 1 to LAYER_WAIT_TIMEOUT_MAX. */
static int parse_seconds(const char *s, unsigned *ret)
{
	char *end = NULL;
	unsigned long v;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > LAYER_WAIT_TIMEOUT_MAX)
		return -1;
	*ret = (unsigned)v;
	return 0;
}

/* --parent, --id and, for apply, --digest and --diff-id. */
static int layer_parse(int argc, char **argv, const char *cmd, const char **parent,
		       struct layer_apply_options *o, bool digests, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "parent", required_argument, NULL, 'p' },
		{ "id", required_argument, NULL, 'i' },
		{ "digest", required_argument, NULL, 'd' },
		{ "diff-id", required_argument, NULL, 'D' },
		{ "wait-parent", no_argument, NULL, 'w' },
		{ "wait-timeout", required_argument, NULL, 't' },
		{ "start-timeout", required_argument, NULL, 'T' },
		{ "refetchable", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	cli_getopt_reset();
	while ((c = cli_getopt(argc, argv, "+:h", opts, cmd, err)) != -1) {
		if ((c == 'd' || c == 'D' || c == 'w' || c == 't' || c == 'T' || c == 'r') &&
		    !digests)
			return cli_usage_error(err, "%s: unknown option '%s'", cmd,
					       c == 'd'	  ? "--digest"
					       : c == 'D' ? "--diff-id"
					       : c == 't' ? "--wait-timeout"
					       : c == 'T' ? "--start-timeout"
					       : c == 'r' ? "--refetchable"
							  : "--wait-parent");
		if ((c == 'd' || c == 'D') && !is_digest(optarg))
			return cli_usage_error(err, "%s: invalid digest '%s' (sha256:<64 hex>)",
					       cmd, optarg);
		switch (c) {
		case 'p':
			*parent = optarg;
			break;
		case 'i':
			if (!cli_is_valid_name(optarg) || strchr(optarg, '/') ||
			    strchr(optarg, ':'))
				return cli_usage_error(err, "%s: invalid layer id '%s'", cmd,
						       optarg);
			o->id = optarg;
			break;
		case 'd':
			o->digest = optarg;
			break;
		case 'D':
			o->diff_id = optarg;
			break;
		case 'w':
			o->wait_parent = true;
			break;
		case 'r':
			o->refetchable = true;
			break;
		case 't':
			if (parse_seconds(optarg, &o->wait_timeout_s) < 0)
				return cli_usage_error(err,
						       "%s: invalid --wait-timeout '%s' (seconds, "
						       "1 to %u)",
						       cmd, optarg, LAYER_WAIT_TIMEOUT_MAX);
			break;
		case 'T':
			if (parse_seconds(optarg, &o->start_timeout_s) < 0)
				return cli_usage_error(err,
						       "%s: invalid --start-timeout '%s' (seconds, "
						       "1 to %u)",
						       cmd, optarg, LAYER_WAIT_TIMEOUT_MAX);
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			return -1;
		}
	}
	return 0;
}

static int layer_apply_cmd(const struct global_options *g, int argc, char **argv,
			   struct pea_error **err)
{
	_cleanup_(pea_cleanup_close) int fd = -1;
	_cleanup_free_ char *parent = NULL;
	struct layer_apply_options o = { 0 };
	const char *parent_ref = NULL;
	struct store *s = NULL;
	struct layer_rec l = { 0 };
	struct json_object *reply;
	bool existed = false;
	int r;

	r = layer_parse(argc, argv, "layer apply", &parent_ref, &o, true, err);
	if (r != 0)
		return r;
	if (argc - optind > 1)
		return cli_usage_error(err, "layer apply: too many arguments");
	if (argc - optind == 1 && strcmp(argv[optind], "-")) {
		fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return pea_error_errno(err, "layer apply: open '%s'", argv[optind]);
	}
	if (fd < 0 && isatty(STDIN_FILENO))
		return cli_usage_error(
			err, "layer apply: refusing to read a tar stream from a terminal");
	/*
	 * An apply hashes its stream (and its chain id under the store lock): libcrypto is
	 * loaded now (dlopen, OpenSSL's init: milliseconds), before the store lock, which the
	 * applies of a pull take one after the other as they start.
	 */
	{
		char warm[PEA_DIGEST_MAX];

		pea_digest_buffer("sha256", "", 0, warm);
	}
	if (store_open(g, true, &s, err) < 0)
		return -1;
	r = parent_ref ? store_resolve(s, "layers", parent_ref, &parent, err) : 0;
	/* a full id may name a parent still being applied: the commit waits for it */
	if (r < 0 && pea_error_is(*err, ENOENT) && cli_is_full_id(parent_ref)) {
		pea_error_release(err);
		parent = xstrdup(parent_ref);
		r = 0;
	}
	o.parent = parent;
	if (r == 0)
		r = layer_apply(s, fd >= 0 ? fd : 0, &o, &l, &existed, err);
	if (r == 0) {
		reply = layer_json(s, &l);
		json_object_object_add(reply, "existed", json_object_new_boolean(existed));
		r = cli_reply(reply, err);
	} else {
		pea_error_wrap(err, "layer apply");
	}
	layer_rec_clear(&l);
	store_free(s);
	return r;
}

static int layer_create_cmd(const struct global_options *g, int argc, char **argv,
			    struct pea_error **err)
{
	_cleanup_free_ char *parent = NULL;
	_cleanup_free_ char *newid = NULL;
	struct layer_apply_options o = { 0 };
	const char *parent_ref = NULL;
	struct store *s = NULL;
	struct layer_rec l = { 0 };
	int r;

	r = layer_parse(argc, argv, "layer create", &parent_ref, &o, false, err);
	if (r != 0)
		return r;
	if (cli_expect_operands(argc, optind, 0, "layer create", "no arguments", err) < 0)
		return -1;
	if (store_open(g, true, &s, err) < 0)
		return -1;
	newid = o.id ? xstrdup(o.id) : cli_random_id();
	r = parent_ref ? store_resolve(s, "layers", parent_ref, &parent, err) : 0;
	if (r == 0)
		r = layer_create(s, newid, parent, false, NULL, &l, err);
	if (r == 0)
		r = cli_reply(layer_json(s, &l), err);
	layer_rec_clear(&l);
	store_free(s);
	return r < 0 ? pea_error_wrap(err, "layer create") : 0;
}

static int one_ref(int argc, char **argv, const char *cmd, struct pea_error **err)
{
	return cli_simple_args(argc, argv, cmd, 1, "a layer id", usage, err);
}

static int layer_diff_cmd(const struct global_options *g, int argc, char **argv,
			  struct pea_error **err)
{
	_cleanup_free_ char *id = NULL;
	struct store *s = NULL;
	int r = one_ref(argc, argv, "layer diff", err);

	if (r != 0)
		return r;
	cli_set_stream_output();
	if (isatty(STDOUT_FILENO))
		return cli_usage_error(err,
				       "layer diff: refusing to write a tar stream to a terminal");
	if (store_open(g, false, &s, err) < 0)
		return -1;
	r = store_resolve(s, "layers", argv[optind], &id, err);
	if (r == 0)
		r = layer_write_diff(s, id, NULL, STDOUT_FILENO, err);
	store_free(s);
	return r < 0 ? pea_error_wrap(err, "layer diff") : 0;
}

static int layer_record_json(struct store *s, const char *id, struct json_object **ret,
			     struct pea_error **err)
{
	struct layer_rec rec = { 0 };
	int r = layer_load(s, id, &rec, err);

	if (r == 0)
		*ret = layer_json(s, &rec);
	layer_rec_clear(&rec);
	return r;
}

static int layer_ls_cmd(const struct global_options *g, int argc, char **argv,
			struct pea_error **err)
{
	struct json_object *list = NULL;
	struct store *s = NULL;
	int r = cli_simple_args(argc, argv, "layer ls", 0, "no arguments", usage, err);

	if (r != 0)
		return r;
	if (store_open(g, false, &s, err) < 0)
		return -1;
	r = store_list_json(s, "layers", layer_record_json, &list, err);
	if (r == 0)
		r = cli_reply(list, err);
	store_free(s);
	return r;
}

static int layer_inspect_cmd(const struct global_options *g, int argc, char **argv,
			     struct pea_error **err)
{
	_cleanup_free_ char *id = NULL;
	struct store *s = NULL;
	struct layer_rec l = { 0 };
	int r = one_ref(argc, argv, "layer inspect", err);

	if (r != 0)
		return r;
	if (store_open(g, false, &s, err) < 0)
		return -1;
	r = store_resolve(s, "layers", argv[optind], &id, err);
	if (r == 0)
		r = layer_load(s, id, &l, err);
	if (r == 0)
		r = cli_reply(layer_json(s, &l), err);
	layer_rec_clear(&l);
	store_free(s);
	return r;
}

static int layer_rm_cmd(const struct global_options *g, int argc, char **argv,
			struct pea_error **err)
{
	_cleanup_free_ char *id = NULL;
	struct store *s = NULL;
	struct json_object *o;
	int r = one_ref(argc, argv, "layer rm", err);

	if (r != 0)
		return r;
	if (store_open(g, true, &s, err) < 0)
		return -1;
	r = store_resolve(s, "layers", argv[optind], &id, err);
	if (r == 0)
		r = layer_remove(s, id, NULL, NULL, err);
	if (r == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		r = cli_reply(o, err);
	}
	store_free(s);
	return r < 0 ? pea_error_wrap(err, "layer rm") : 0;
}

static const struct subcommand layer_commands[] = {
	{ "apply", layer_apply_cmd }, { "create", layer_create_cmd },
	{ "diff", layer_diff_cmd },   { "ls", layer_ls_cmd },
	{ "list", layer_ls_cmd },     { "inspect", layer_inspect_cmd },
	{ "rm", layer_rm_cmd },	      { NULL, NULL },
};

int cmd_layer(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return run_subcommand(layer_commands, "layer", usage, g, argc, argv, err);
}

int run_subcommand(const struct subcommand *table, const char *group, const char *usage_text,
		   const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	if (argc < 2)
		return cli_usage_error(err, "%s: missing command (try '%s --help')", group, group);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 1;
	}
	for (const struct subcommand *c = table; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			return c->run(g, argc - 1, argv + 1, err);
	return cli_usage_error(err, "%s: unknown command '%s'", group, argv[1]);
}
