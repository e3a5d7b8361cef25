#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/log.h"
#include "netsetup/netsetup.h"

static const struct command {
	const char *name;
	int (*run)(const struct global_options *g, int argc, char **argv, struct pea_error **err);
} commands[] = {
	{ "setup", cmd_setup },	  { "teardown", cmd_teardown }, { "create", cmd_create },
	{ "update", cmd_update }, { "version", cmd_version },	{ "forward", cmd_forward },
};

static void usage(FILE *f)
{
	fputs("Usage: pea-netsetup [OPTIONS] COMMAND\n"
	      "\n"
	      "Set up and tear down container networks (a drop-in for netavark).\n"
	      "\n"
	      "Commands:\n"
	      "  setup NETNS_PATH      configure the namespace from the options JSON, print the "
	      "status\n"
	      "  teardown NETNS_PATH   undo setup\n"
	      "  create                complete a network JSON (subnet, gateway, interface)\n"
	      "  update NETWORK --network-dns-servers IP,...\n"
	      "  version               print the version as JSON\n"
	      "  forward [--ready-fd=N] NETNS_PATH\n"
	      "                        forward host ports into NETNS_PATH (rootless IPv6 ports)\n"
	      "\n"
	      "Options:\n"
	      "  -c, --config DIR            aardvark-dns config directory parent\n"
	      "  -r, --rootless BOOL         running for a rootless container\n"
	      "  -a, --aardvark-binary PATH  DNS server to start (aardvark-dns or pea-dnsd)\n"
	      "      --firewall-driver NAME  nftables (default) or none\n"
	      "  -f, --file FILE             read the options from FILE ('-': stdin)\n"
	      "      --log-level LEVEL       error, warn, info, debug\n"
	      "  -h, --help                  this help\n"
	      "  -V, --version               print the version\n",
	      f);
}

static int parse_bool(const char *s, bool *ret)
{
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*ret = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_firewall(const char *s, enum firewall_driver *ret)
{
	if (strcmp(s, "nftables") == 0 || strcmp(s, "iptables") == 0)
		*ret = FIREWALL_NFTABLES;
	else if (strcmp(s, "none") == 0)
		*ret = FIREWALL_NONE;
	else
		return -EINVAL;
	return 0;
}

/* Returns 1 after --help/--version, 0 to go on, < 0 on a usage error. */
static int parse_args(int argc, char **argv, struct global_options *g, struct pea_error **err)
{
	enum { OPT_FIREWALL = 256, OPT_LOG_LEVEL };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "rootless", required_argument, NULL, 'r' },
		{ "aardvark-binary", required_argument, NULL, 'a' },
		{ "file", required_argument, NULL, 'f' },
		{ "firewall-driver", required_argument, NULL, OPT_FIREWALL },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const char *env = getenv("NETAVARK_FW");
	const char *port = getenv("NETAVARK_DNS_PORT");
	enum log_level level;
	int c;

	if (env && *env && parse_firewall(env, &g->firewall) < 0)
		return pea_error_new(err, EINVAL, "unknown firewall driver '%s' in NETAVARK_FW",
				     env);
	if (port && *port) {
		char *end = NULL;
		unsigned long p = strtoul(port, &end, 10);

		if (*end || p == 0 || p > 65535)
			return pea_error_new(err, EINVAL, "invalid NETAVARK_DNS_PORT '%s'", port);
		g->dns_port = (uint16_t)p;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:r:a:f:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			g->config_dir = optarg;
			break;
		case 'r':
			if (parse_bool(optarg, &g->rootless) < 0)
				return pea_error_new(err, EINVAL, "invalid --rootless '%s'",
						     optarg);
			break;
		case 'a':
			g->aardvark_binary = optarg;
			break;
		case 'f':
			g->file = optarg;
			break;
		case OPT_FIREWALL:
			if (parse_firewall(optarg, &g->firewall) < 0)
				return pea_error_new(err, EINVAL, "unknown firewall driver '%s'",
						     optarg);
			break;
		case OPT_LOG_LEVEL:
			if (log_level_from_string(optarg, &level) < 0)
				return pea_error_new(err, EINVAL, "unknown log level '%s'", optarg);
			log_set_level(level);
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("pea-netsetup %s\n", PEA_VERSION);
			return 1;
		default:
			return pea_error_new(err, EINVAL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return pea_error_new(err, EINVAL, "missing command (try --help)");
	return 0;
}

static void reply_error(const struct pea_error *err)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(err->message));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(o);
}

int main(int argc, char *argv[])
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct global_options g = { .firewall = FIREWALL_NFTABLES, .dns_port = 53 };
	int r;

	log_set_program("pea-netsetup");
	r = parse_args(argc, argv, &g, &err);
	if (r > 0)
		return EXIT_SUCCESS;
	if (r == 0) {
		const struct command *cmd = NULL;

		for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
			if (strcmp(commands[i].name, argv[optind]) == 0)
				cmd = &commands[i];
		if (!cmd)
			r = pea_error_new(&err, EINVAL, "unknown command '%s'", argv[optind]);
		else
			r = cmd->run(&g, argc - optind, argv + optind, &err);
	}
	if (r < 0) {
		log_error("%s", err->message);
		reply_error(err);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
