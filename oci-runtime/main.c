/* pea-runtime: an OCI runtime with the command line of crun and runc. */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#include "runtime.h"

static const char main_usage[] =
	"Usage: pea-runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] ARGS...\n"
	"\n"
	"An OCI runtime (runtime-spec 1.2, Linux), a drop-in for crun and runc.\n"
	"\n"
	"Commands:\n"
	"  create    create a container; its process waits for start\n"
	"  start     start the process of a created container\n"
	"  run       create and start a container\n"
	"  state     print the state of a container as JSON\n"
	"  kill      send a signal to a container\n"
	"  delete    delete a container\n"
	"  list      list containers\n"
	"  spec      write a default config.json\n"
	"  pause     freeze the processes of a container\n"
	"  resume    thaw them\n"
	"  ps        list the processes of a container\n"
	"  events    resource usage statistics and OOM events\n"
	"  update    change the resource limits of a container\n"
	"  exec      run a process in a running container\n"
	"  features  print what pea-runtime supports as JSON\n"
	"\n"
	"Global options:\n"
	"      --root DIR            state directory (default /run/pea-runtime, or\n"
	"                            $XDG_RUNTIME_DIR/pea-runtime when not root)\n"
	"      --log FILE            write log messages to FILE as well\n"
	"      --log-format FORMAT   text (default) or json\n"
	"      --debug               log debug messages\n"
	"      --systemd-cgroup      cgroupsPath is slice:prefix:name (made on cgroupfs)\n"
	"      --cgroup-manager M    crun's: cgroupfs (default), or systemd (as\n"
	"                            --systemd-cgroup)\n"
	"  -v, --version             print the version\n"
	"  -h, --help                print this help\n"
	"\n"
	"'pea-runtime COMMAND --help' describes a command.\n";

static const struct {
	const char *name;
	runtime_cmd fn;
	bool enters_container;
	int fail_status; /* 0: EXIT_FAILURE */
} commands[] = {
	/*
	 * create, run and exec put a process of ours into the container: sealed
	 * copy first (exec here; create and run once the config says whether
	 * the container can reach the binary at all: container_create)
	 */
	{ "create", cmd_create, false },
	{ "start", cmd_start, false },
	{ "run", cmd_run, false },
	{ "state", cmd_state, false },
	{ "kill", cmd_kill, false },
	{ "delete", cmd_delete, false },
	{ "list", cmd_list, false },
	{ "spec", cmd_spec, false },
	{ "pause", cmd_pause, false },
	{ "resume", cmd_resume, false },
	{ "ps", cmd_ps, false },
	{ "events", cmd_events, false },
	{ "update", cmd_update, false },
	/* runc's: 255 for a failed exec, so callers tell it from the process's own status */
	{ "exec", cmd_exec, true, 255 },
	{ "features", cmd_features, false },
};

int runtime_usage_error(struct pea_error **err, const char *cmd, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	return pea_error_new(err, RUNTIME_EUSAGE, "%s%s%s", cmd ? cmd : "", cmd ? ": " : "", msg);
}

enum {
	OPT_ROOT = 256,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_DEBUG,
	OPT_SYSTEMD_CGROUP,
	OPT_ROOTLESS,
	OPT_CRIU,
	OPT_LOG_LEVEL,
	OPT_CGROUP_MANAGER
};

static char *default_root(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() != 0 && xdg && *xdg)
		return xasprintf("%s/pea-runtime", xdg);
	return xstrdup("/run/pea-runtime");
}

/* Returns the index of the command in argv, 0 when --help/--version was handled. */
static int parse_global(int argc, char **argv, struct global_options *g, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
		{ "cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER },
		{ "rootless", required_argument, NULL, OPT_ROOTLESS },
		{ "criu", required_argument, NULL, OPT_CRIU },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum log_level level;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_ROOT:
			g->root = optarg;
			break;
		case OPT_LOG:
			/* crun's form "file:PATH" too */
			g->log = strncmp(optarg, "file:", 5) == 0 ? optarg + 5 : optarg;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return runtime_usage_error(err, NULL,
							   "--log-format: '%s' is not "
							   "text or json",
							   optarg);
			g->json_log = strcmp(optarg, "json") == 0;
			break;
		case OPT_LOG_LEVEL:
			if (log_level_from_string(optarg, &level) < 0)
				return runtime_usage_error(err, NULL, "--log-level: unknown '%s'",
							   optarg);
			log_set_level(level);
			break;
		case OPT_DEBUG:
			g->debug = true;
			break;
		case OPT_SYSTEMD_CGROUP:
			g->systemd_cgroup = true;
			break;
		case OPT_CGROUP_MANAGER:
			/* crun's "disabled" (no cgroup at all) is not something pea does */
			if (strcmp(optarg, "cgroupfs") != 0 && strcmp(optarg, "systemd") != 0)
				return runtime_usage_error(err, NULL,
							   "--cgroup-manager: '%s' is not "
							   "cgroupfs or systemd",
							   optarg);
			g->systemd_cgroup = strcmp(optarg, "systemd") == 0;
			break;
		case OPT_ROOTLESS:
		case OPT_CRIU:
			break;
		case 'v':
			/* crun's feature line: SYSTEMD, its NOTIFY_SOCKET proxy (notify.c) */
			printf("pea-runtime version %s\nspec: %s\n+SYSTEMD +CAP +SECCOMP\n",
			       PEA_VERSION, RUNTIME_OCI_VERSION);
			return 0;
		case 'h':
			fputs(main_usage, stdout);
			return 0;
		default:
			return runtime_usage_error(err, NULL, "unknown or incomplete option '%s'",
						   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return runtime_usage_error(err, NULL, "no command given");
	return optind;
}

static int setup_logging(const struct global_options *g, struct pea_error **err)
{
	if (g->debug)
		log_set_level(LOG_LEVEL_DEBUG);
	if (g->json_log)
		log_set_format(LOG_FORMAT_JSON);
	if (!g->log)
		return 0;
	if (log_open_file(g->log, err) < 0)
		return -EINVAL;
	/* the file gets JSON (or text) for conmon/containerd; the user still reads stderr */
	log_set_mirror_stderr(true);
	return 0;
}

/* The exit status of a command that failed (not a usage error). */
static int fail_status = EXIT_FAILURE;

static int run_command(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_free_ char *root = NULL;
	int idx;

	g->argv = argv;
	idx = parse_global(argc, argv, g, err);
	if (idx <= 0)
		return idx;
	if (setup_logging(g, err) < 0)
		return -EINVAL;
	if (!g->root)
		g->root = root = default_root();
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[idx], commands[i].name) != 0)
			continue;
		if (commands[i].fail_status)
			fail_status = commands[i].fail_status;
		if (commands[i].enters_container && runtime_reexec_sealed(argv, err) < 0)
			return -EINVAL;
		return commands[i].fn(g, argc - idx, argv + idx, err);
	}
	return runtime_usage_error(err, NULL, "unknown command '%s'", argv[idx]);
}

#if defined(__SANITIZE_ADDRESS__)
/*
 * Sanitizer builds only. LeakSanitizer's exit-time check stops the world
 * through a helper task, which hangs for good once this process has joined
 * a container's namespaces (exec, create). The tests turn it off through
 * ASAN_OPTIONS, but engines (podman, conmon) call us with an environment of
 * their own: the default must be off here. Leaks in lib/ are caught by the
 * unit tests, which keep the check.
 */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

int main(int argc, char *argv[])
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct global_options g = { 0 };
	int r;

	log_set_program("pea-runtime");
	r = run_command(&g, argc, argv, &err);
	if (r >= 0)
		return r;
	/* the message once: on stderr, and as {"level","msg","time"} in --log */
	log_msg(LOG_LEVEL_ERROR, 0, "%s", err ? err->message : "unknown error");
	if (err && err->code == RUNTIME_EUSAGE) {
		fputs("Try 'pea-runtime --help'.\n", stderr);
		return 2;
	}
	return fail_status;
}
