/* Global options, default paths and where the other binaries are found. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/config.h"
#include "frontend/events.h"
#include "frontend/frontend.h"
#include "frontend/rootless.h"
#include "frontend/volumes-run.h"

enum {
	OPT_ROOT = 1000,
	OPT_RUNROOT,
	OPT_RUNTIME,
	OPT_CONMON,
	OPT_DRIVER,
	OPT_STORAGE_OPT,
	OPT_LOG_LEVEL,
	OPT_VERSION,
	OPT_EVENTS_BACKEND,
	OPT_CGROUP_MANAGER,
	OPT_TMPDIR,
	OPT_SYSLOG,
	OPT_TRACE,
	OPT_NOOUT,
	OPT_VOLUMEPATH,
	OPT_DEFAULT_MOUNTS_FILE,
	OPT_RUNTIME_FLAG,
	OPT_URL,
	OPT_CONNECTION,
	OPT_IDENTITY,
};

static const struct option global_longopts[] = {
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "runroot", required_argument, NULL, OPT_RUNROOT },
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "conmon", required_argument, NULL, OPT_CONMON },
	{ "storage-driver", required_argument, NULL, OPT_DRIVER },
	{ "storage-opt", required_argument, NULL, OPT_STORAGE_OPT },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "events-backend", required_argument, NULL, OPT_EVENTS_BACKEND },
	{ "cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ "volumepath", required_argument, NULL, OPT_VOLUMEPATH },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "noout", no_argument, NULL, OPT_NOOUT },
	{ "default-mounts-file", required_argument, NULL, OPT_DEFAULT_MOUNTS_FILE },
	{ "runtime-flag", required_argument, NULL, OPT_RUNTIME_FLAG },
	{ "remote", no_argument, NULL, 'r' },
	{ "url", required_argument, NULL, OPT_URL },
	{ "host", required_argument, NULL, OPT_URL },
	{ "connection", required_argument, NULL, OPT_CONNECTION },
	{ "context", required_argument, NULL, OPT_CONNECTION },
	{ "identity", required_argument, NULL, OPT_IDENTITY },
	{ "debug", no_argument, NULL, 'D' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

void global_options_clear(struct global_options *g)
{
	free(g->root);
	free(g->runroot);
	free(g->runtime);
	free(g->conmon);
	free(g->storage_driver);
	pea_strv_free(g->storage_opts);
	pea_strv_free(g->runtime_flags);
	free(g->default_mounts_file);
	pea_strv_free(g->default_mounts);
	free(g->log_level);
	free(g->self);
	free(g->bindir);
	memset(g, 0, sizeof(*g));
}

static const char *progname = "pea";
static char *runtime_flag; /* --runtime as given */

const char *frontend_runtime_flag(void)
{
	return runtime_flag;
}

static bool connection_named; /* --url or --connection given */

const char *frontend_progname(void)
{
	return progname;
}

/* The name we were run by (podman's: installed as podman, pea says podman). */
static void set_progname(const char *argv0)
{
	const char *base;

	if (!argv0 || !*argv0)
		return;
	base = strrchr(argv0, '/');
	base = base ? base + 1 : argv0;
	if (*base)
		progname = base;
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/*
 * podman's levels (trace, fatal, panic too) onto ours; from info on down, lines are
 * logrus' (time="..." level=debug msg="..."), as podman's are.
 */
static int parse_log_level(const char *s, struct pea_error **err)
{
	enum log_level l;

	if (strcmp(s, "trace") == 0)
		l = LOG_LEVEL_TRACE;
	else if (log_level_from_string(s, &l) < 0)
		return pea_error_new(
			err, EINVAL,
			"Log Level \"%s\" is not supported, choose from: trace, debug, "
			"info, warn, warning, error, fatal, panic",
			s);
	log_set_level(l);
	if (l >= LOG_LEVEL_INFO)
		log_set_format(LOG_FORMAT_LOGRUS);
	return 0;
}

static void default_paths(struct global_options *g)
{
	const char *xdg;

	/* root of the user namespace of rootless pea is still rootless */
	g->rootless = rootless_detect();
	if (!g->rootless) {
		g->root = xstrdup("/var/lib/pea");
		g->runroot = xstrdup("/run/pea");
		return;
	}
	xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg)
		g->root = xasprintf("%s/pea", xdg);
	else
		g->root = xasprintf("%s/.local/share/pea", getenv("HOME") ? getenv("HOME") : "/");
	xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg)
		g->runroot = xasprintf("%s/pea", xdg);
	else
		g->runroot = xasprintf("/tmp/pea-run-%u", (unsigned)rootless_uid());
}

static void find_self(struct global_options *g)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n <= 0) {
		g->self = xstrdup("pea");
		g->bindir = NULL;
		return;
	}
	buf[n] = '\0';
	g->self = xstrdup(buf);
	slash = strrchr(buf, '/');
	if (slash) {
		*slash = '\0';
		g->bindir = xstrdup(buf[0] ? buf : "/");
	}
}

char *frontend_find_binary(const struct global_options *g, const char *name)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_strv_ char **dirs = NULL;
	const char *env;

	if (strchr(name, '/'))
		return xstrdup(name);
	if (g->bindir) {
		path = xasprintf("%s/%s", g->bindir, name);
		if (access(path, X_OK) == 0)
			return TAKE_PTR(path);
		path = (free(path), NULL);
	}
	env = getenv("PATH");
	dirs = pea_strv_split(env ? env : "/usr/local/bin:/usr/bin:/bin", ":");
	for (size_t i = 0; dirs && dirs[i]; i++) {
		path = xasprintf("%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return TAKE_PTR(path);
		path = (free(path), NULL);
	}
	/* Not found: keep the name, so the error names it. */
	return xstrdup(name);
}

/* Absolute form of a path option: the exit command runs from another folder. */
static char *absolute(const char *p)
{
	char cwd[PATH_MAX];

	if (p[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return xstrdup(p);
	return xasprintf("%s/%s", cwd, p);
}

/*
 * podman's mounts.conf: a line HOST-DIR:CONTAINER-DIR each (both absolute; empty
 * lines and # comments skipped), bound in every container (spec.c).
 */
static int read_mounts_file(const char *path, char ***ret, struct pea_error **err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, no = 0;
	ssize_t n;

	if (!f)
		return pea_error_errno(err, "--default-mounts-file '%s'", path);
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *s = line, *colon;
		struct stat st;

		no++;
		while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
			s[--n] = '\0';
		s += strspn(s, " \t");
		if (!*s || *s == '#')
			continue;
		colon = strchr(s, ':');
		if (!colon || s[0] != '/' || colon[1] != '/' || strchr(colon + 1, ':'))
			return pea_error_new(err, EINVAL,
					     "--default-mounts-file '%s' line %zu: \"%s\" is not "
					     "HOST-DIR:CONTAINER-DIR (absolute paths)",
					     path, no, s);
		*colon = '\0';
		if (stat(s, &st) < 0)
			continue; /* podman's: a missing host folder mounts nothing */
		*colon = ':';
		pea_strv_push(ret, s);
	}
	return 0;
}

static int apply_option(struct global_options *g, int c, const char *arg, struct pea_error **err)
{
	switch (c) {
	case OPT_ROOT:
		if (!*arg)
			return pea_error_new(err, EINVAL, "--root: empty path");
		free(g->root);
		g->root = absolute(arg);
		return 0;
	case OPT_RUNROOT:
		if (!*arg)
			return pea_error_new(err, EINVAL, "--runroot: empty path");
		free(g->runroot);
		g->runroot = absolute(arg);
		return 0;
	case OPT_RUNTIME:
		set_str(&g->runtime, arg);
		free(runtime_flag);
		runtime_flag = xstrdup(arg);
		return 0;
	case OPT_CONMON:
		set_str(&g->conmon, arg);
		return 0;
	case OPT_DRIVER:
		if (strcmp(arg, "overlay") != 0 && strcmp(arg, "vfs") != 0)
			return pea_error_new(err, EINVAL,
					     "invalid storage driver '%s': use overlay or vfs",
					     arg);
		set_str(&g->storage_driver, arg);
		return 0;
	case OPT_STORAGE_OPT:
		pea_strv_push(&g->storage_opts, arg);
		return 0;
	case OPT_LOG_LEVEL:
		set_str(&g->log_level, arg);
		if (parse_log_level(arg, err) < 0) {
			g->error_status = 1; /* podman's status, and its bare line (main.c) */
			return -1;
		}
		return 0;
	case OPT_EVENTS_BACKEND:
		if (strcmp(arg, "file") != 0 && strcmp(arg, "journald") != 0 &&
		    strcmp(arg, "none") != 0)
			return pea_error_new(
				err, EINVAL,
				"invalid events backend '%s': use file, journald or none", arg);
		events_set_backend(arg);
		return 0;
	case OPT_CGROUP_MANAGER:
		if (strcmp(arg, "cgroupfs") == 0)
			return 0;
		if (strcmp(arg, "systemd") == 0)
			return pea_error_new(err, EINVAL,
					     "cgroup manager 'systemd' is not supported: pea makes "
					     "the cgroups itself (cgroupfs)");
		return pea_error_new(err, EINVAL, "invalid cgroup manager '%s': use cgroupfs", arg);
	case OPT_NOOUT:
		/* podman's --noout: nothing on standard output */
		if (!freopen("/dev/null", "w", stdout))
			return pea_error_errno(err, "open '/dev/null'");
		return 0;
	case OPT_VOLUMEPATH: {
		_cleanup_free_ char *abs = NULL;
		if (!*arg)
			return pea_error_new(err, EINVAL, "--volumepath: empty path");
		abs = absolute(arg);
		volumes_set_root(abs);
		return 0;
	}
	case OPT_DEFAULT_MOUNTS_FILE:
		if (!*arg)
			return pea_error_new(err, EINVAL, "--default-mounts-file: empty path");
		pea_strv_free(g->default_mounts);
		g->default_mounts = NULL;
		if (read_mounts_file(arg, &g->default_mounts, err) < 0)
			return -1;
		set_str(&g->default_mounts_file, arg);
		return 0;
	case OPT_RUNTIME_FLAG:
		/* podman's: FLAG or FLAG=VALUE, without the leading "--" */
		if (!*arg || arg[0] == '-' || arg[0] == '=')
			return pea_error_new(err, EINVAL,
					     "--runtime-flag '%s': a flag name without its leading "
					     "'--' (log-format=json, debug)",
					     arg);
		pea_strv_push_take(&g->runtime_flags, xasprintf("--%s", arg));
		return 0;
	case OPT_URL:
	case OPT_CONNECTION:
		connection_named = true;
		return 0;
	case OPT_IDENTITY:
	case OPT_TMPDIR:
	case OPT_SYSLOG:
	case OPT_TRACE:
		return 0; /* podman's: pea has no temporary files there, no syslog, no tracing */
	default:
		return pea_error_new(err, EINVAL, "unknown global option");
	}
}

/*
 * The global options a command takes after its name too: podman's persistent flags
 * (cobra's). --remote, --url, --connection, --identity, --noout, --debug, --version
 * and --help are the root command's own: after a command's name they are unknown.
 */
static struct global_options *late_globals; /* main's, once parsed */
static bool bare_error;			    /* the error is printed without "Error: " */

bool frontend_error_bare(void)
{
	return bare_error;
}

static const struct option *persistent_option(const char *name, size_t len)
{
	static const char *const root_only[] = { "remote",  "url",	"host",	 "connection",
						 "context", "identity", "noout", "debug",
						 "help",    "version" };

	for (size_t i = 0; i < ARRAY_SIZE(root_only); i++)
		if (strlen(root_only[i]) == len && strncmp(root_only[i], name, len) == 0)
			return NULL;
	for (const struct option *o = global_longopts; o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

bool frontend_is_global_flag(const char *word)
{
	if (strncmp(word, "--", 2) != 0)
		return false;
	word += 2;
	return persistent_option(word, strcspn(word, "=")) != NULL;
}

int frontend_late_global(int argc, char **argv, int *index, struct pea_error **err)
{
	struct global_options *g = late_globals;
	const char *word = argv[*index], *name, *arg = NULL;
	const struct option *o;
	size_t len;

	if (!g || !frontend_is_global_flag(word))
		return 0;
	name = word + 2;
	len = strcspn(name, "=");
	o = persistent_option(name, len);
	if (name[len] == '=') {
		if (o->has_arg == no_argument) {
			bool on;
			/* cobra's booleans take =true and =false */
			if (parse_bool_arg(o->name, name + len + 1, &on, err) < 0)
				return -1;
			if (!on) {
				(*index)++;
				return 1;
			}
		} else
			arg = name + len + 1;
	} else if (o->has_arg == required_argument) {
		if (*index + 1 >= argc)
			return pea_error_new(err, EINVAL,
					     "flag needs an argument: --%s\nSee '%s %s --help'",
					     o->name, progname, cmd_path_get());
		arg = argv[++*index];
	}
	(*index)++;
	if (apply_option(g, o->val, arg, err) < 0) {
		bare_error = o->val == OPT_LOG_LEVEL;
		return -1;
	}
	if (o->val == OPT_RUNTIME || o->val == OPT_CONMON) {
		char **p = o->val == OPT_RUNTIME ? &g->runtime : &g->conmon;
		char *abs = frontend_find_binary(g, *p);
		free(*p);
		*p = abs;
	}
	log_trace("%s: --%s after the command", cmd_path_get(), o->name);
	return 1;
}

/* The top-level usage, printed in podman's layout by cmd_print_help(). */
static const char usage_head[] =
	"Usage: pea [OPTIONS] COMMAND [ARGS...]\n"
	"\n"
	"Manage pods, containers and images. A podman-compatible command line, without a\n"
	"daemon: 'pea COMMAND --help' describes a command.\n"
	"\n"
	"Commands:\n"
	"  attach      attach to a running container\n"
	"  build       build an image from a Containerfile (buildx build: the same)\n"
	"  buildx      docker's buildx: its build sub-command is pea build\n"
	"  commit      create an image from a container's changes\n"
	"  container   manage containers\n"
	"  cp          copy files between a container and the host\n"
	"  create      create a container without starting it\n"
	"  diff        show the changes of a container to its image\n"
	"  events      show the events of containers, images, volumes and pods\n"
	"  exec        run a process in a running container\n"
	"  export      write the root filesystem of a container as a tar\n"
	"  generate    generate Kubernetes YAML or systemd units of containers and pods\n"
	"  healthcheck run the healthcheck of a container\n"
	"  help        the help of a command (pea help COMMAND: pea COMMAND --help)\n"
	"  history     show the layers of an image\n"
	"  image       manage images\n"
	"  images      list images\n"
	"  import      create an image from a tar of a root filesystem\n"
	"  info        show the system's configuration\n"
	"  inspect     show containers or images as JSON\n"
	"  kill        send a signal to running containers\n"
	"  kube        play, generate and down Kubernetes YAML\n"
	"  load        load images from an archive\n"
	"  login       log in to a registry\n"
	"  logout      log out of a registry\n"
	"  logs        show the output of a container\n"
	"  manifest    manage manifest lists\n"
	"  mount       mount the root filesystem of containers\n"
	"  network     manage networks\n"
	"  pause       freeze the processes of containers\n"
	"  play        play kube: run the pods of Kubernetes YAML\n"
	"  pod         manage pods\n"
	"  port        list the published ports of a container\n"
	"  ps          list containers\n"
	"  pull        pull an image from a registry\n"
	"  push        push an image to a registry\n"
	"  rename      rename a container\n"
	"  restart     stop and start containers\n"
	"  rm          remove containers\n"
	"  rmi         remove images\n"
	"  run         run a command in a new container\n"
	"  save        write images to an archive\n"
	"  search      search a registry for images\n"
	"  secret      manage secrets\n"
	"  start       start containers\n"
	"  stats       show the resource usage of containers\n"
	"  stop        stop containers\n"
	"  system      manage pea\n"
	"  tag         add names to an image\n"
	"  top         show the processes of a container\n"
	"  unmount     drop a mount of the root filesystem of containers\n"
	"  unpause     thaw paused containers\n"
	"  unshare     run a command in the user namespace of rootless pea\n"
	"  untag       remove names from an image\n"
	"  update      change the resource limits of a container\n"
	"  version     print the version\n"
	"  volume      manage volumes\n"
	"  wait        wait for containers to exit and print their exit codes\n"
	"\n"
	"Options:\n";

static const char usage_remote[] =
	"  -r, --remote               access a remote service (pea has no remote client:\n"
	"                             --remote, --url, --connection are refused)\n";

static const char usage_options[] =
	"      --root=DIR             graph root (default /var/lib/pea)\n"
	"      --runroot=DIR          run root (default /run/pea)\n"
	"      --runtime=PATH         OCI runtime (default pea-runtime; crun, runc work too)\n"
	"      --conmon=PATH          container monitor (default pea-monitor; conmon works too)\n"
	"      --storage-driver=NAME  overlay or vfs\n"
	"      --storage-opt=K=V      a storage driver option (repeatable)\n"
	"      --log-level=LEVEL      trace, debug, info, warn, error, fatal, panic\n"
	"  -D, --debug                --log-level=debug\n"
	"      --noout                nothing on standard output\n"
	"      --events-backend=B     file (the event log of pea events), journald (the\n"
	"                             systemd journal) or none\n"
	"      --volumepath=DIR       where named volumes are (default ROOT/volumes)\n"
	"      --cgroup-manager=cgroupfs, --tmpdir=DIR,\n"
	"      --syslog, --trace      podman's, accepted (pea has no syslog)\n"
	"      --runtime-flag=FLAG    --FLAG to the OCI runtime before every command\n"
	"                             (FLAG or FLAG=VALUE; repeatable)\n"
	"      --default-mounts-file=FILE  HOST-DIR:CONTAINER-DIR lines: bound read-only\n"
	"                             in every container (podman's mounts.conf)\n"
	"  -v, --version              print the version\n";

/*
 * podman's --remote line is left out when a connection is named already (--url,
 * --connection, CONTAINER_HOST, CONTAINER_CONNECTION), as podman's is.
 */
static void print_usage(FILE *f, bool named)
{
	const char *env_host = getenv("CONTAINER_HOST"), *env_conn = getenv("CONTAINER_CONNECTION");
	bool show = !named && !(env_host && *env_host) && !(env_conn && *env_conn);
	_cleanup_free_ char *text = NULL;

	text = xasprintf("%s%s%s", usage_head, show ? usage_remote : "", usage_options);
	cmd_print_help(f, text);
}

void frontend_print_usage(FILE *f)
{
	print_usage(f, connection_named);
}

/*
 * Fills g and sets *ret_next to the index of the command. Returns 1 when
 * --help or --version was printed.
 */
int frontend_parse_globals(int argc, char **argv, struct global_options *g, int *ret_next,
			   struct pea_error **err)
{
	bool debug = false, remote = false;
	int c;

	set_progname(argc > 0 ? argv[0] : NULL);
	late_globals = g;
	default_paths(g);
	find_self(g);
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:hvDrc:", global_longopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			debug = true; /* docker's --debug, -D: --log-level=debug */
			break;
		case 'h':
			print_usage(stdout, connection_named);
			return 1;
		case 'v':
			printf("%s version %s\n", progname, PEA_VERSION);
			return 1;
		case 'r':
			remote = true;
			break;
		case 'c':
			connection_named = true;
			break;
		case '?':
			return pea_error_new(err, EINVAL, "unknown flag: %s\nSee '%s --help'",
					     argv[optind - 1], progname);
		case ':':
			return pea_error_new(err, EINVAL, "flag needs an argument: %s",
					     argv[optind - 1]);
		default:
			if (apply_option(g, c, optarg, err) < 0)
				return -1;
			break;
		}
	}
	if (debug && g->log_level) {
		g->error_status = 1; /* podman's status, and its bare line (main.c) */
		return pea_error_new(err, EINVAL, "Setting --log-level and --debug is not allowed");
	}
	if (debug && apply_option(g, OPT_LOG_LEVEL, "debug", err) < 0)
		return -1;
	if (g->log_level)
		log_info("pea filtering at log level %s", g->log_level);
	if (!g->runtime || !g->conmon) {
		_cleanup_(engine_config_clear) struct engine_config conf = { 0 };
		if (engine_config_load(g, &conf, err) < 0)
			return pea_error_wrap(err, "containers.conf");
		if (!g->runtime)
			g->runtime = engine_config_runtime(g, &conf);
		if (!g->conmon)
			g->conmon = engine_config_conmon(g, &conf);
	}
	if (!g->runtime)
		g->runtime = frontend_find_binary(g, "pea-runtime");
	else {
		char *p = frontend_find_binary(g, g->runtime);
		free(g->runtime);
		g->runtime = p;
	}
	if (!g->conmon)
		g->conmon = frontend_find_binary(g, "pea-monitor");
	else {
		char *p = frontend_find_binary(g, g->conmon);
		free(g->conmon);
		g->conmon = p;
	}
	log_trace("pea root %s, run root %s, runtime %s, monitor %s", g->root, g->runroot,
		  g->runtime, g->conmon);
	if (optind >= argc) {
		print_usage(stderr, connection_named);
		return pea_error_new(err, EINVAL, "missing command '%s COMMAND'", progname);
	}
	if (remote || connection_named)
		return pea_error_new(err, ENOTSUP,
				     "--remote, --url, --connection: %s has no remote client "
				     "(its API is served by '%s system service')",
				     progname, progname);
	*ret_next = optind;
	return 0;
}

void frontend_push_runtime_flags(const struct global_options *g, char ***argv, bool monitor)
{
	for (size_t i = 0; g->runtime_flags && g->runtime_flags[i]; i++) {
		if (monitor)
			pea_strv_push(argv, "--runtime-arg");
		pea_strv_push(argv, g->runtime_flags[i]);
	}
}

char **frontend_self_argv(const struct global_options *g)
{
	char **v = NULL;

	pea_strv_push(&v, g->self);
	pea_strv_push(&v, "--root");
	pea_strv_push(&v, g->root);
	pea_strv_push(&v, "--runroot");
	pea_strv_push(&v, g->runroot);
	pea_strv_push(&v, "--runtime");
	pea_strv_push(&v, g->runtime);
	pea_strv_push(&v, "--conmon");
	pea_strv_push(&v, g->conmon);
	if (g->storage_driver) {
		pea_strv_push(&v, "--storage-driver");
		pea_strv_push(&v, g->storage_driver);
	}
	for (size_t i = 0; g->storage_opts && g->storage_opts[i]; i++) {
		pea_strv_push(&v, "--storage-opt");
		pea_strv_push(&v, g->storage_opts[i]);
	}
	if (g->default_mounts_file) {
		pea_strv_push(&v, "--default-mounts-file");
		pea_strv_push(&v, g->default_mounts_file);
	}
	for (size_t i = 0; g->runtime_flags && g->runtime_flags[i]; i++) {
		pea_strv_push(&v, "--runtime-flag");
		pea_strv_push(&v, g->runtime_flags[i] + 2);
	}
	if (g->log_level) {
		pea_strv_push(&v, "--log-level");
		pea_strv_push(&v, g->log_level);
	}
	if (volumes_root_option()) {
		pea_strv_push(&v, "--volumepath");
		pea_strv_push(&v, volumes_root_option());
	}
	if (events_backend_option()) {
		pea_strv_push(&v, "--events-backend");
		pea_strv_push(&v, events_backend_option());
	}
	return v;
}
