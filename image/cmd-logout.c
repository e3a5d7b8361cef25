#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"
#include "image/auth.h"
#include "image/cli.h"

static const struct option logout_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "all", no_argument, NULL, 'a' },
	{ "authfile", required_argument, NULL, 'f' },
	{ NULL, 0, NULL, 0 },
};

static const char logout_usage[] =
	"Usage: pea-image logout [OPTIONS] REGISTRY\n"
	"\n"
	"Remove the credentials of REGISTRY (or all with --all) from the auth file.\n"
	"\n"
	"  -a, --all               remove every registry's credentials\n"
	"      --authfile=PATH     the auth file\n";

int cmd_logout(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_free_ char *path = NULL, *key = NULL;
	const char *authfile = NULL;
	bool all = false, found = false;
	int c;

	optind = 0; /* glibc: 0 re-initialises getopt for the command's argv */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ha", logout_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(logout_usage, stdout);
			return 1;
		case 'a':
			all = true;
			break;
		case 'f':
			authfile = optarg;
			break;
		default:
			return cli_usage(err, "logout: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (all ? argc - optind != 0 : argc - optind != 1)
		return cli_usage(err, all ? "logout: --all takes no REGISTRY"
					  : "logout: expected one REGISTRY");
	path = authfile ? xstrdup(authfile) : auth_primary_path();
	if (!all) {
		const char *arg = argv[optind];

		key = auth_normalize_key(strncmp(arg, "docker://", 9) == 0 ? arg + 9 : arg);
	}
	if (auth_remove(path, key, all, &found, err) < 0)
		return pea_error_wrap(err, "logout");
	if (all) {
		printf("Removed login credentials for all registries\n");
		return 0;
	}
	if (!found)
		return pea_error_new(err, ENOENT, "not logged into '%s'", key);
	printf("Removed login credentials for %s\n", key);
	return 0;
}
