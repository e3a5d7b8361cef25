#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"

#include "container.h"
#include "runtime.h"

static const char create_usage[] =
	"Usage: pea-runtime create [OPTIONS] ID\n"
	"\n"
	"Create a container from the bundle's config.json. Its process waits until `start`.\n"
	"\n"
	"  -b, --bundle DIR          the bundle (default: the current directory)\n"
	"  -f, --config FILE         crun's: the config file instead of config.json\n"
	"                            (a relative FILE is in the bundle)\n"
	"      --pid-file FILE       write the container's pid to FILE\n"
	"      --console-socket SOCK send the pty master to this unix socket (process.terminal)\n"
	"      --preserve-fds N      pass N more fds (3 to 3+N-1) to the container\n"
	"      --no-pivot            MS_MOVE and chroot instead of pivot_root\n"
	"      --no-new-keyring      keep the caller's session keyring\n";

enum {
	OPT_PID_FILE = 256,
	OPT_CONSOLE,
	OPT_PRESERVE,
	OPT_NO_PIVOT,
	OPT_NO_KEYRING,
	OPT_KEEP,
	OPT_NO_SUBREAPER
};

static const struct option create_long[] = {
	{ "bundle", required_argument, NULL, 'b' },
	{ "config", required_argument, NULL, 'f' },
	{ "pid-file", required_argument, NULL, OPT_PID_FILE },
	{ "console-socket", required_argument, NULL, OPT_CONSOLE },
	{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
	{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
	{ "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
	{ "detach", no_argument, NULL, 'd' },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * systemd's socket activation, as crun: with LISTEN_FDS=N in our environment
 * N more fds from 3 go to the container (added to --preserve-fds), and its
 * process gets LISTEN_FDS=N and LISTEN_PID=1 (container_create sets them).
 * Unless LISTEN_PID names another process (conmon's --replace-listen-pid
 * puts ours there; crun's tests leave it unset).
 */
static int listen_fds(const char *cmd, struct create_options *o, struct pea_error **err)
{
	const char *v = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	char *end = NULL;
	long n;

	if (!v || !*v)
		return 0;
	/* sd_listen_fds(3): fds meant for another process (a stale LISTEN_FDS) are not ours */
	if (pid && *pid && strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	n = strtol(v, &end, 10);
	if (*end || n < 0 || n > 1 << 16)
		return runtime_usage_error(err, cmd, "LISTEN_FDS: invalid '%s'", v);
	o->listen_fds = (int)n;
	o->preserve_fds += (int)n;
	return 0;
}

/* Options of create and run (run adds --detach and --keep). Returns the ID's index, 0: --help. */
int create_parse_args(const char *cmd, const char *usage, bool for_run, int argc, char **argv,
		      struct create_options *o, struct pea_error **err)
{
	int opt;

	/* 0, not 1: getopt starts over and permutes (runc takes options after the ID) */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, for_run ? "b:f:dh" : "b:f:h", create_long, NULL)) !=
	       -1) {
		switch (opt) {
		case 'b':
			o->bundle = optarg;
			break;
		case 'f':
			if (!*optarg)
				return runtime_usage_error(err, cmd, "--config: empty file name");
			o->config = optarg;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case OPT_PRESERVE: {
			char *end = NULL;
			long n = strtol(optarg, &end, 10);

			if (!*optarg || *end || n < 0 || n > 1 << 20)
				return runtime_usage_error(err, cmd, "--preserve-fds: invalid '%s'",
							   optarg);
			o->preserve_fds = (int)n;
			break;
		}
		case OPT_NO_PIVOT:
			o->no_pivot = true;
			break;
		case OPT_NO_KEYRING:
			o->no_new_keyring = true;
			break;
		case 'd':
			if (!for_run)
				goto unknown;
			o->detach = true;
			break;
		case OPT_KEEP:
			if (!for_run)
				goto unknown;
			o->keep = true;
			break;
		case OPT_NO_SUBREAPER:
			if (!for_run)
				goto unknown;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
		unknown:
			return runtime_usage_error(err, cmd, "unknown or incomplete option '%s'",
						   argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return runtime_usage_error(err, cmd, "expects exactly one container ID");
	return listen_fds(cmd, o, err) < 0 ? -EINVAL : optind;
}

int cmd_create(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct create_options o = { 0 };
	struct container *c = NULL;
	int idx;

	idx = create_parse_args("create", create_usage, false, argc, argv, &o, err);
	if (idx <= 0)
		return idx;
	if (container_create(g, argv[idx], &o, false, &c, err) < 0)
		return -EINVAL;
	container_free(c);
	return 0;
}
