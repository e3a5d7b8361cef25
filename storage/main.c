/* pea-storage: the layer, image and container store, as a command-line tool. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "storage/cli.h"
#include "storage/commands.h"
#include "storage/twin.h"

static const char usage[] =
	"Usage: pea-storage [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Options:\n"
	"  --root DIR              graph root (layers, images, records)\n"
	"  --runroot DIR           run root (mount state)\n"
	"  --storage-driver NAME   overlay or vfs\n"
	"  --storage-opt K=V       driver option (overlay.mount_program, overlay.mountopt, ...)\n"
	"  --config FILE           storage.conf to read\n"
	"  --log-level LEVEL       error, warning, info or debug\n"
	"  --log-format FORMAT     text or json\n"
	"  --help, --version\n"
	"\n"
	"Commands:\n"
	"  layer apply|create|diff|ls|inspect|rm\n"
	"  image create|ls|inspect|rm|tag|untag\n"
	"  container create|ls|inspect|mount|unmount|rm\n"
	"  status\n"
	"  check [--repair]\n"
	"  sync                    make applied layers durable (pea_sync=deferred)\n"
	"\n"
	"Replies are one JSON object on stdout: {\"result\": ...} or {\"error\": ...}.\n";

static const struct {
	const char *name;
	int (*run)(const struct global_options *g, int argc, char **argv, struct pea_error **err);
} commands[] = {
	{ "layer", cmd_layer },	  { "image", cmd_image }, { "container", cmd_container },
	{ "status", cmd_status }, { "check", cmd_check }, { "sync", cmd_sync },
};

enum {
	OPT_ROOT = 256,
	OPT_RUNROOT,
	OPT_DRIVER,
	OPT_STORAGE_OPT,
	OPT_CONFIG,
	OPT_LOG_LEVEL,
	OPT_LOG_FORMAT,
	OPT_VERSION,
};

/* < 0: failed; 0: --help or --version printed; else the index of the command. */
static int parse_global(int argc, char **argv, struct global_options *g, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "runroot", required_argument, NULL, OPT_RUNROOT },
		{ "storage-driver", required_argument, NULL, OPT_DRIVER },
		{ "driver", required_argument, NULL, OPT_DRIVER },
		{ "storage-opt", required_argument, NULL, OPT_STORAGE_OPT },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0 },
	};
	enum log_level level;
	enum log_format format;
	int c;

	cli_getopt_reset();
	while ((c = cli_getopt(argc, argv, "+:h", opts, "pea-storage", err)) != -1) {
		switch (c) {
		case OPT_ROOT:
			g->root = optarg;
			break;
		case OPT_RUNROOT:
			g->runroot = optarg;
			break;
		case OPT_DRIVER:
			g->driver = optarg;
			break;
		case OPT_STORAGE_OPT:
			pea_strv_push(&g->storage_opts, optarg);
			break;
		case OPT_CONFIG:
			g->config = optarg;
			break;
		case OPT_LOG_LEVEL:
			if (log_level_from_string(optarg, &level) < 0)
				return cli_usage_error(err, "unknown log level '%s'", optarg);
			log_set_level(level);
			break;
		case OPT_LOG_FORMAT:
			if (log_format_from_string(optarg, &format) < 0)
				return cli_usage_error(err, "unknown log format '%s'", optarg);
			log_set_format(format);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case OPT_VERSION:
			printf("pea-storage version %s\n", PEA_VERSION);
			return 0;
		case -2:
			return -1;
		default:
			return cli_usage_error(err, "unknown option '%s'", argv[optind - 1]);
		}
	}
	return optind;
}

static int run(int argc, char **argv, struct global_options *g, struct pea_error **err)
{
	int first = parse_global(argc, argv, g, err);

	if (first <= 0)
		return first;
	if (first >= argc)
		return cli_usage_error(err, "missing command (try 'pea-storage --help')");
	/* the static pea-storage hands the layer commands to its dynamic twin (twin.h) */
	if (storage_twin_exec && storage_twin_exec(argc, argv, first, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[first], commands[i].name))
			return commands[i].run(g, argc - first, argv + first, err);
	return cli_usage_error(err, "unknown command '%s' (try 'pea-storage --help')", argv[first]);
}

int main(int argc, char *argv[])
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct global_options g = { 0 };
	int r;

	log_set_program("pea-storage");
	r = run(argc, argv, &g, &err);
	pea_strv_free(g.storage_opts);
	if (r < 0) {
		log_pea_error(err);
		if (!cli_stream_output())
			pea_reply_error(stdout, err);
		return cli_usage_failed() ? 2 : EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
