/* pea-image: copy images between registries, OCI layouts, archives and folders. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "image/blob.h"
#include "image/cli.h"

static const struct {
	const char *name;
	int (*run)(const struct global_options *g, int argc, char **argv, struct pea_error **err);
} commands[] = {
	{ "copy", cmd_copy },
	{ "inspect", cmd_inspect },
	{ "login", cmd_login },
	{ "logout", cmd_logout },
	{ "list-tags", cmd_list_tags },
	{ "search", cmd_search },
	{ "delete", cmd_delete },
	{ "sync", cmd_sync },
	{ "resolve", cmd_resolve },
	{ "manifest-digest", cmd_manifest_digest },
	{ "standalone-sign", cmd_standalone_sign },
	{ "standalone-verify", cmd_standalone_verify },
};

enum {
	OPT_POLICY = 1000,
	OPT_INSECURE_POLICY,
	OPT_REGISTRIES_CONF,
	OPT_REGISTRIES_D,
	OPT_TMPDIR,
	OPT_ARCH,
	OPT_OS,
	OPT_VARIANT,
	OPT_TIMEOUT,
	OPT_LOG_LEVEL,
	OPT_LOG_FORMAT,
	OPT_SHORT_NAMES,
};

static const struct option global_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'v' },
	{ "debug", no_argument, NULL, 'd' },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "insecure-policy", no_argument, NULL, OPT_INSECURE_POLICY },
	{ "registries-conf", required_argument, NULL, OPT_REGISTRIES_CONF },
	{ "registries.d", required_argument, NULL, OPT_REGISTRIES_D },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ "override-arch", required_argument, NULL, OPT_ARCH },
	{ "override-os", required_argument, NULL, OPT_OS },
	{ "override-variant", required_argument, NULL, OPT_VARIANT },
	{ "command-timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "resolve-short-names", no_argument, NULL, OPT_SHORT_NAMES },
	{ NULL, 0, NULL, 0 },
};

static const char usage[] =
	"Usage: pea-image [GLOBAL OPTIONS] COMMAND [OPTIONS] ARGS...\n"
	"\n"
	"Copy and inspect container images (a skopeo-compatible command line).\n"
	"\n"
	"Commands:\n"
	"  copy SOURCE DEST      copy an image: docker://, oci:, oci-archive:, docker-archive:, "
	"dir:\n"
	"  inspect IMAGE         show an image's digest, config and layers\n"
	"  list-tags REPOSITORY  list the tags of docker://REPOSITORY\n"
	"  search [REG/]TERM     the repositories of a registry whose name contains TERM\n"
	"  login REGISTRY        store credentials; logout REGISTRY removes them\n"
	"  delete IMAGE          delete an image from a registry\n"
	"  sync --src T --dest T SOURCE DEST   copy every tag of a repository, or the images\n"
	"                        of a folder, to a registry or a folder\n"
	"  resolve SHORT-NAME    show the candidates of a short name from registries.conf\n"
	"  manifest-digest FILE  print the digest of a manifest file\n"
	"  standalone-sign MANIFEST REFERENCE FINGERPRINT -o SIG   sign a manifest (GPG)\n"
	"  standalone-verify MANIFEST REFERENCE FINGERPRINTS SIG  check a signature\n"
	"\n"
	"Global options:\n"
	"      --policy=PATH             trust policy (containers-policy.json(5))\n"
	"      --insecure-policy         accept any image, ignoring the policy\n"
	"      --registries-conf=PATH    registries configuration (containers-registries.conf(5))\n"
	"      --resolve-short-names     resolve docker://SHORT-NAME through registries.conf\n"
	"      --registries.d=DIR        where signature lookasides are configured\n"
	"                                (containers-registries.d(5))\n"
	"      --tmpdir=DIR              where archives are unpacked and uploads staged\n"
	"      --override-arch, --override-os, --override-variant=NAME   platform to select\n"
	"      --command-timeout=SECONDS limit of each HTTP request\n"
	"      --log-level=LEVEL, --log-format=text|json, --debug\n"
	"  -h, --help, -v, --version\n";

static int parse_global(int argc, char **argv, struct global_options *g, struct pea_error **err)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hvd", global_options, NULL)) != -1) {
		enum log_level level;
		enum log_format format;
		long v;

		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return 1;
		case 'v':
			/* the second part for scripts that check skopeo's version line */
			printf("pea-image version %s (skopeo version 1.9.3 compatible)\n",
			       PEA_VERSION);
			return 1;
		case 'd':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case OPT_POLICY:
			g->policy = optarg;
			break;
		case OPT_INSECURE_POLICY:
			g->insecure_policy = true;
			break;
		case OPT_REGISTRIES_CONF:
			g->registries_conf = optarg;
			break;
		case OPT_REGISTRIES_D:
			g->registries_d = optarg;
			break;
		case OPT_TMPDIR:
			g->tmpdir = optarg;
			break;
		case OPT_ARCH:
			g->override_arch = optarg;
			break;
		case OPT_OS:
			g->override_os = optarg;
			break;
		case OPT_VARIANT:
			g->override_variant = optarg;
			break;
		case OPT_SHORT_NAMES:
			g->resolve_short_names = true;
			break;
		case OPT_TIMEOUT:
			if (cli_int("command-timeout", optarg, 0, 86400, &v, err) < 0)
				return CLI_USAGE;
			g->command_timeout = v;
			break;
		case OPT_LOG_LEVEL:
			if (log_level_from_string(optarg, &level) < 0)
				return cli_usage(err, "unknown --log-level '%s'", optarg);
			log_set_level(level);
			break;
		case OPT_LOG_FORMAT:
			if (log_format_from_string(optarg, &format) < 0)
				return cli_usage(err, "unknown --log-format '%s'", optarg);
			log_set_format(format);
			break;
		default:
			return cli_usage(err, "unknown global option '%s' (see pea-image --help)",
					 argv[optind - 1]);
		}
	}
	return 0;
}

static int image_run(int argc, char **argv, struct pea_error **err)
{
	struct global_options g = { 0 };
	int r;

	r = parse_global(argc, argv, &g, err);
	if (r != 0)
		return r;
	if (optind >= argc)
		return cli_usage(err, "no command given (see pea-image --help)");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].run(&g, argc - optind, argv + optind, err);
	return cli_usage(err, "unknown command '%s' (see pea-image --help)", argv[optind]);
}

int main(int argc, char *argv[])
{
	_cleanup_error_ struct pea_error *err = NULL;
	int r;

	log_set_program("pea-image");
	blob_interrupt_install();
	signal(SIGPIPE, SIG_IGN); /* a consumer that stops reading is an EPIPE error */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("cannot initialise libcurl");
		return EXIT_FAILURE;
	}
	r = image_run(argc, argv, &err);
	curl_global_cleanup();
	if (r < 0) {
		log_error("%s", err ? err->message : "failed");
		return r == CLI_USAGE ? 2 : EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
