#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/error.h"
#include "lib/xalloc.h"
#include "dnsd/options.h"

enum {
	OPT_LOG_LEVEL = 0x100,
	OPT_LOG_FORMAT,
	OPT_LOG_FILE,
	OPT_FOREGROUND,
};

static const char usage[] =
	"Usage: pea-dnsd [OPTIONS] <COMMAND>\n"
	"\n"
	"DNS server for the containers of netavark networks (an aardvark-dns drop-in).\n"
	"\n"
	"Commands:\n"
	"  run      Serve the networks of the configuration directory (forks, writes "
	"aardvark.pid)\n"
	"  version  Print version information as JSON\n"
	"  help     Print this message\n"
	"\n"
	"Options:\n"
	"  -c, --config <DIR>                  Configuration directory (one file per network)\n"
	"  -p, --port <PORT>                   Port to listen on, default 5533\n"
	"  -f, --filter-search-domain <DOMAIN>  Search domain stripped from queries, default\n"
	"                                      .dns.podman\n"
	"      --foreground                    Do not fork into the background\n"
	"      --log-level <LEVEL>             error, warning, info (default) or debug\n"
	"      --log-format <FORMAT>           text (default) or json\n"
	"      --log-file <PATH>               Log there (the daemon's stderr is /dev/null)\n"
	"  -h, --help                          Print help\n"
	"  -V, --version                       Print version\n";

static const struct option long_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "port", required_argument, NULL, 'p' },
	{ "filter-search-domain", required_argument, NULL, 'f' },
	{ "foreground", no_argument, NULL, OPT_FOREGROUND },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int parse_port(const char *s, uint16_t *ret, struct pea_error **err)
{
	char *end = NULL;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end || v == 0 || v > 65535)
		return pea_error_new(err, EINVAL, "invalid port '%s': expected 1 to 65535", s);
	*ret = (uint16_t)v;
	return 0;
}

static int parse_search_domain(const char *s, char **ret, struct pea_error **err)
{
	size_t len;
	char *d;

	while (*s == '.')
		s++;
	d = xstrdup(s);
	len = strlen(d);
	while (len > 0 && d[len - 1] == '.')
		d[--len] = '\0';
	for (char *p = d; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + ('a' - 'A'));
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '\\' ||
		    (*p == '.' && p[1] == '.')) {
			free(d);
			return pea_error_new(err, EINVAL, "invalid search domain '%s'", s);
		}
	}
	if (len > 200) {
		free(d);
		return pea_error_new(err, EINVAL, "search domain '%s' is too long", s);
	}
	free(*ret);
	*ret = d;
	return 0;
}

/* RUST_LOG, which netavark sets for aardvark-dns: trace, debug, info, warn, error. */
static void level_from_env(struct dnsd_options *opts)
{
	const char *v = getenv("RUST_LOG");

	if (!v || !*v)
		return;
	if (strcasecmp(v, "trace") == 0)
		opts->log_level = LOG_LEVEL_DEBUG;
	else if (log_level_from_string(v, &opts->log_level) < 0 && strcasecmp(v, "off") == 0)
		opts->log_level = LOG_LEVEL_ERROR;
}

static int parse_option(int c, const char *arg, struct dnsd_options *opts, struct pea_error **err)
{
	switch (c) {
	case 'c':
		opts->config_dir = arg;
		return 0;
	case 'p':
		return parse_port(arg, &opts->port, err);
	case 'f':
		return parse_search_domain(arg, &opts->search_domain, err);
	case OPT_FOREGROUND:
		opts->foreground = true;
		return 0;
	case OPT_LOG_LEVEL:
		if (log_level_from_string(arg, &opts->log_level) < 0)
			return pea_error_new(err, EINVAL, "invalid --log-level '%s'", arg);
		return 0;
	case OPT_LOG_FORMAT:
		if (log_format_from_string(arg, &opts->log_format) < 0)
			return pea_error_new(err, EINVAL, "invalid --log-format '%s'", arg);
		return 0;
	case OPT_LOG_FILE:
		opts->log_file = arg;
		return 0;
	default:
		return pea_error_new(err, EINVAL, "unexpected option");
	}
}

static int unknown_option(int argc, char *argv[], struct pea_error **err)
{
	const char *bad = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

	if (optopt && optopt < 0x100 && (strncmp(bad, "--", 2) != 0))
		return pea_error_new(err, EINVAL, "unknown option '-%c' (see --help)", optopt);
	return pea_error_new(err, EINVAL, "unknown option '%s' (see --help)", bad);
}

static int parse_command(int argc, char *argv[], struct dnsd_options *opts, struct pea_error **err)
{
	const char *cmd;

	if (optind >= argc)
		return pea_error_new(err, EINVAL, "missing command: run or version (see --help)");
	cmd = argv[optind];
	if (optind + 1 < argc)
		return pea_error_new(err, EINVAL, "unexpected argument '%s'", argv[optind + 1]);
	if (strcmp(cmd, "run") == 0) {
		opts->command = DNSD_CMD_RUN;
		if (!opts->config_dir)
			return pea_error_new(err, EINVAL, "run needs --config DIR");
		return 0;
	}
	if (strcmp(cmd, "version") == 0) {
		opts->command = DNSD_CMD_VERSION;
		return 0;
	}
	if (strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 1;
	}
	return pea_error_new(err, EINVAL, "unknown command '%s': expected run or version", cmd);
}

int dnsd_parse_args(int argc, char *argv[], struct dnsd_options *opts, struct pea_error **err)
{
	int c;

	*opts = (struct dnsd_options){ .port = DNSD_DEFAULT_PORT, .log_level = LOG_LEVEL_INFO };
	if (parse_search_domain(DNSD_DEFAULT_SEARCH_DOMAIN, &opts->search_domain, err) < 0)
		return -EINVAL;
	level_from_env(opts);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:p:f:hV", long_options, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		if (c == 'V') {
			printf("pea-dnsd %s\n", PEA_VERSION);
			return 1;
		}
		if (c == '?')
			return unknown_option(argc, argv, err);
		if (c == ':')
			return pea_error_new(err, EINVAL, "option '%s' needs a value",
					     argv[optind - 1]);
		if (parse_option(c, optarg, opts, err) < 0)
			return -EINVAL;
	}
	return parse_command(argc, argv, opts, err);
}

void dnsd_options_clear(struct dnsd_options *opts)
{
	free(opts->search_domain);
	opts->search_domain = NULL;
}
