#include <errno.h>
#include <limits.h>
#include <stddef.h>
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
#include "monitor/options.h"

#define DEFAULT_SOCKET_DIR "/var/run/crio"

enum opt_type {
	OPT_FLAG,
	OPT_STRING,
	OPT_STRV,
	OPT_INT,
	OPT_INT64,
};

struct opt_def {
	const char *name;
	char short_name;
	enum opt_type type;
	size_t offset;
	const char *help;
};

#define O(field) offsetof(struct monitor_options, field)

/* conmon 2.1's table: same names, same short letters, same kinds of value. */
static const struct opt_def opt_defs[] = {
	{ "api-version", 0, OPT_FLAG, O(api_version), "Conmon API version to use" },
	{ "bundle", 'b', OPT_STRING, O(bundle), "Location of the OCI Bundle path" },
	{ "cid", 'c', OPT_STRING, O(cid), "Identification of Container" },
	{ "cleaner-fd", 0, OPT_INT, O(cleaner_fd),
	  "A pipe from the engine that cleans up itself: no exit command when a byte comes on it "
	  "(pea's: a foreground pea run)" },
	{ "conmon-pidfile", 'P', OPT_STRING, O(conmon_pidfile),
	  "PID file for the monitor process" },
	{ "container-pidfile", 'p', OPT_STRING, O(container_pidfile),
	  "PID file for the initial pid inside of container" },
	{ "cuuid", 'u', OPT_STRING, O(cuuid), "Container UUID" },
	{ "exec", 'e', OPT_FLAG, O(exec), "Exec a command into a running container" },
	{ "exec-attach", 0, OPT_FLAG, O(exec_attach), "Attach to an exec session" },
	{ "exec-process-spec", 0, OPT_STRING, O(exec_process_spec),
	  "Path to the process spec for execution" },
	{ "exit-command", 0, OPT_STRING, O(exit_command),
	  "Path to the program to execute when the container terminates its execution" },
	{ "exit-command-arg", 0, OPT_STRV, O(exit_command_args),
	  "Additional arg to pass to the exit command. Can be specified multiple times" },
	{ "exit-command-skip-if", 0, OPT_STRING, O(exit_command_skip_if),
	  "No exit command when this file exists at the container's end (pea's: pea rm makes it, "
	  "and cleans up itself)" },
	{ "exit-delay", 0, OPT_INT, O(exit_delay),
	  "Delay before invoking the exit command (in seconds)" },
	{ "exit-dir", 0, OPT_STRING, O(exit_dir),
	  "Path to the directory where exit files are written" },
	{ "leave-stdin-open", 0, OPT_FLAG, O(leave_stdin_open),
	  "Leave stdin open when attached client disconnects" },
	{ "log-level", 0, OPT_STRING, O(log_level), "Print debug logs based on log level" },
	{ "log-path", 'l', OPT_STRV, O(log_paths), "Log file path (DRIVER:PATH), repeatable" },
	{ "log-size-max", 0, OPT_INT64, O(log_size_max), "Maximum size of log file" },
	{ "log-global-size-max", 0, OPT_INT64, O(log_global_size_max),
	  "Maximum size of all log files" },
	{ "log-tag", 0, OPT_STRING, O(log_tag), "Additional tag to use for logging" },
	{ "log-label", 0, OPT_STRV, O(log_labels),
	  "Additional journald field NAME=VALUE for each log entry, repeatable" },
	{ "log-rotate", 0, OPT_FLAG, O(log_rotate),
	  "Rotate the k8s-file log (FILE.1, FILE.2, ...) instead of truncating it" },
	{ "log-max-files", 0, OPT_INT64, O(log_max_files),
	  "Number of rotated log files to keep (default 1)" },
	{ "log-allowlist-dir", 0, OPT_STRV, O(log_allowlist_dirs),
	  "A directory the k8s-file log may be in, repeatable" },
	{ "no-container-partial-message", 0, OPT_FLAG, O(no_container_partial_message),
	  "Do not set CONTAINER_PARTIAL_MESSAGE=true on partial journald entries" },
	{ "name", 'n', OPT_STRING, O(name), "Container name" },
	{ "no-new-keyring", 0, OPT_FLAG, O(no_new_keyring),
	  "Do not create a new session keyring for the container" },
	{ "no-pivot", 0, OPT_FLAG, O(no_pivot), "Do not use pivot_root" },
	{ "no-sync-log", 0, OPT_FLAG, O(no_sync_log),
	  "Do not manually call sync on logs after container shutdown" },
	{ "persist-dir", '0', OPT_STRING, O(persist_dir),
	  "Persistent directory for a container that can be used for storing container data" },
	{ "pidfile", 0, OPT_STRING, O(container_pidfile), NULL /* deprecated, hidden */ },
	{ "replace-listen-pid", 0, OPT_FLAG, O(replace_listen_pid),
	  "Replace listen pid if set for oci-runtime pid" },
	{ "restore", 0, OPT_STRING, O(restore), "Restore a container from a checkpoint" },
	{ "restore-arg", 0, OPT_STRV, O(runtime_opts), NULL /* deprecated, hidden */ },
	{ "runtime", 'r', OPT_STRING, O(runtime), "Path to the OCI runtime" },
	{ "runtime-arg", 0, OPT_STRV, O(runtime_args),
	  "Additional arg to pass to the runtime. Can be specified multiple times" },
	{ "runtime-opt", 0, OPT_STRV, O(runtime_opts),
	  "Additional opts to pass to the restore or exec command. Can be specified multiple "
	  "times" },
	{ "sdnotify-socket", 0, OPT_STRING, O(sdnotify_socket),
	  "Path to the host's sd-notify socket to relay messages to" },
	{ "socket-dir-path", 0, OPT_STRING, O(socket_dir), "Location of container attach sockets" },
	{ "start", 0, OPT_FLAG, O(start),
	  "Start the container too (the runtime's run --detach, not create): pea's, no conmon's" },
	{ "stdin", 'i', OPT_FLAG, O(stdin_pipe), "Open up a pipe to pass stdin to the container" },
	{ "sync", 0, OPT_FLAG, O(sync),
	  "Keep the main monitor process as its child by only forking once" },
	{ "syslog", 0, OPT_FLAG, O(syslog), "Log to syslog (use with cgroupfs cgroup manager)" },
	{ "systemd-cgroup", 's', OPT_FLAG, O(systemd_cgroup),
	  "Enable systemd cgroup manager, rather then use the cgroupfs directly" },
	{ "terminal", 't', OPT_FLAG, O(terminal), "Allocate a pseudo-TTY. The default is false" },
	{ "timeout", 'T', OPT_INT, O(timeout),
	  "Kill container after specified timeout in seconds." },
	{ "version", 0, OPT_FLAG, O(version), "Print the version and exit" },
	{ "full-attach", 0, OPT_FLAG, O(full_attach),
	  "Don't truncate the path to the attach socket. This option causes the monitor to ignore "
	  "--socket-dir-path" },
	{ "seccomp-notify-socket", 0, OPT_STRING, O(seccomp_notify_socket),
	  "Path to the socket where the seccomp notification fd is received" },
	{ "seccomp-notify-plugins", 0, OPT_STRING, O(seccomp_notify_plugins),
	  "Plugins to use for managing the seccomp notifications" },
	{ "healthcheck-cmd", 0, OPT_STRING, O(healthcheck_cmd),
	  "Command to run in the container (through RUNTIME exec) to check its health" },
	{ "healthcheck-arg", 0, OPT_STRV, O(healthcheck_args),
	  "Argument of the healthcheck command. Can be specified multiple times" },
	{ "healthcheck-interval", 0, OPT_STRING, O(healthcheck_interval),
	  "Seconds between healthchecks (1-3600, default 30)" },
	{ "healthcheck-timeout", 0, OPT_STRING, O(healthcheck_timeout),
	  "Seconds a healthcheck may run before it is killed (1-300, at most the interval)" },
	{ "healthcheck-retries", 0, OPT_STRING, O(healthcheck_retries),
	  "Consecutive failures before the container is unhealthy (0-100, default 3)" },
	{ "healthcheck-start-period", 0, OPT_STRING, O(healthcheck_start_period),
	  "Seconds after start when failed healthchecks do not count (0-3600, default 0)" },
	{ "timer-command", 0, OPT_STRV, O(timer_commands),
	  "ID:SECONDS:COMMAND: Execute COMMAND every SECONDS while the container lives. Can be "
	  "specified multiple times" },
	{ "timer-command-argument", 0, OPT_STRV, O(timer_command_args),
	  "ID:ARGUMENT: an argument of the timer command ID. Can be specified multiple times" },
	{ "help", 'h', OPT_FLAG, O(help), "Show help options" },
};

void monitor_print_usage(void)
{
	printf("Usage:\n  pea-monitor [OPTION...] - container monitor (a conmon 2.x drop-in)\n\n"
	       "Options:\n");
	for (size_t i = 0; i < ARRAY_SIZE(opt_defs); i++) {
		const struct opt_def *d = &opt_defs[i];
		char left[64];

		if (!d->help)
			continue;
		if (d->short_name)
			snprintf(left, sizeof(left), "-%c, --%s", d->short_name, d->name);
		else
			snprintf(left, sizeof(left), "--%s", d->name);
		printf("  %-28s %s\n", left, d->help);
	}
}

static int parse_integer(const struct opt_def *d, const char *value, long long min, long long max,
			 long long *ret, struct pea_error **err)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(value, &end, 0);
	if (value[0] == '\0' || *end != '\0' || (errno != 0 && errno != ERANGE))
		return pea_error_new(err, EINVAL, "cannot parse integer value '%s' for --%s", value,
				     d->name);
	if (errno == ERANGE || v < min || v > max)
		return pea_error_new(err, ERANGE, "integer value '%s' for --%s out of range", value,
				     d->name);
	*ret = v;
	return 0;
}

static int store_value(const struct opt_def *d, const char *value, struct monitor_options *opts,
		       struct pea_error **err)
{
	char *field = (char *)opts + d->offset;
	long long v;

	switch (d->type) {
	case OPT_FLAG:
		*(bool *)(void *)field = true;
		return 0;
	case OPT_STRING:
		free(*(char **)(void *)field);
		*(char **)(void *)field = xstrdup(value);
		return 0;
	case OPT_STRV:
		pea_strv_push((char ***)(void *)field, value);
		return 0;
	case OPT_INT:
		if (parse_integer(d, value, INT_MIN, INT_MAX, &v, err) < 0)
			return -EINVAL;
		*(int *)(void *)field = (int)v;
		return 0;
	case OPT_INT64:
		if (parse_integer(d, value, INT64_MIN, INT64_MAX, &v, err) < 0)
			return -EINVAL;
		*(int64_t *)(void *)field = (int64_t)v;
		return 0;
	default:
		return pea_error_new(err, EINVAL, "internal: bad option type");
	}
}

static const struct opt_def *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_defs); i++)
		if (strlen(opt_defs[i].name) == len && strncmp(opt_defs[i].name, name, len) == 0)
			return &opt_defs[i];
	return NULL;
}

static const struct opt_def *find_short(char c)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_defs); i++)
		if (opt_defs[i].short_name == c)
			return &opt_defs[i];
	return NULL;
}

/* "--name[=value]" at argv[*i]; a value may come from argv[*i + 1]. */
static int parse_long(int argc, char **argv, int *i, struct monitor_options *opts,
		      struct pea_error **err)
{
	const char *arg = argv[*i] + 2;
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct opt_def *d = find_long(arg, len);

	if (!d)
		return pea_error_new(err, EINVAL, "unknown option '--%.*s'", (int)len, arg);
	if (d->type == OPT_FLAG) {
		if (eq)
			return pea_error_new(err, EINVAL, "option '--%s' does not take a value",
					     d->name);
		return store_value(d, "", opts, err); /* a flag takes no value */
	}
	if (eq)
		return store_value(d, eq + 1, opts, err);
	if (*i + 1 >= argc)
		return pea_error_new(err, EINVAL, "missing argument for '--%s'", d->name);
	*i += 1;
	return store_value(d, argv[*i], opts, err);
}

/* "-abc" or "-cVALUE" or "-c VALUE" at argv[*i]. */
static int parse_short(int argc, char **argv, int *i, struct monitor_options *opts,
		       struct pea_error **err)
{
	const char *arg = argv[*i];

	for (size_t k = 1; arg[k]; k++) {
		const struct opt_def *d = find_short(arg[k]);

		if (!d)
			return pea_error_new(err, EINVAL, "unknown option '-%c' (in '%s')", arg[k],
					     arg);
		if (d->type == OPT_FLAG) {
			if (store_value(d, "", opts, err) < 0)
				return -EINVAL;
			continue;
		}
		if (arg[k + 1])
			return store_value(d, arg + k + 1, opts, err);
		if (*i + 1 >= argc)
			return pea_error_new(err, EINVAL, "missing argument for '-%c'", arg[k]);
		*i += 1;
		return store_value(d, argv[*i], opts, err);
	}
	return 0;
}

int monitor_parse_args(int argc, char **argv, struct monitor_options *opts, struct pea_error **err)
{
	*opts = (struct monitor_options){ .log_size_max = -1,
					  .log_global_size_max = -1,
					  .log_max_files = 1 };

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int r = 0;

		if (strcmp(arg, "--") == 0)
			break; /* the rest are words, which conmon ignores */
		if (strncmp(arg, "--", 2) == 0)
			r = parse_long(argc, argv, &i, opts, err);
		else if (arg[0] == '-' && arg[1] != '\0')
			r = parse_short(argc, argv, &i, opts, err);
		/* else: a word (podman passes "--api-version 1"); ignored like conmon does */
		if (r < 0)
			return r;
	}
	return 0;
}

void monitor_options_free(struct monitor_options *o)
{
	char **strings[] = { &o->bundle,
			     &o->cid,
			     &o->conmon_pidfile,
			     &o->container_pidfile,
			     &o->cuuid,
			     &o->exec_process_spec,
			     &o->exit_command,
			     &o->exit_command_skip_if,
			     &o->exit_dir,
			     &o->log_level,
			     &o->log_tag,
			     &o->name,
			     &o->persist_dir,
			     &o->restore,
			     &o->runtime,
			     &o->sdnotify_socket,
			     &o->socket_dir,
			     &o->seccomp_notify_socket,
			     &o->seccomp_notify_plugins,
			     &o->healthcheck_cmd,
			     &o->healthcheck_interval,
			     &o->healthcheck_timeout,
			     &o->healthcheck_retries,
			     &o->healthcheck_start_period };

	for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
		free(*strings[i]);
		*strings[i] = NULL;
	}
	o->exit_command_args = pea_strv_free(o->exit_command_args);
	o->log_paths = pea_strv_free(o->log_paths);
	o->log_labels = pea_strv_free(o->log_labels);
	o->log_allowlist_dirs = pea_strv_free(o->log_allowlist_dirs);
	o->runtime_args = pea_strv_free(o->runtime_args);
	o->runtime_opts = pea_strv_free(o->runtime_opts);
	o->healthcheck_args = pea_strv_free(o->healthcheck_args);
	o->timer_commands = pea_strv_free(o->timer_commands);
	o->timer_command_args = pea_strv_free(o->timer_command_args);
}

/* ---- validation ------------------------------------------------------------- */

int monitor_parse_log_path(const char *value, unsigned *drivers, char **ret_path,
			   struct pea_error **err)
{
	const char *colon = strchr(value, ':');
	_cleanup_free_ char *driver = NULL;
	const char *path = NULL;

	if (value[0] == '\0' || strcmp(value, ":") == 0)
		return pea_error_new(err, EINVAL, "log-path must not be empty");
	if (colon) {
		driver = xstrndup(value, (size_t)(colon - value));
		path = colon[1] ? colon + 1 : NULL;
	} else {
		driver = xstrdup(value);
	}
	if (colon == value) { /* ":PATH" is a k8s-file */
		free(driver);
		driver = xstrdup("k8s-file");
	}
	if (strcmp(driver, "off") == 0 || strcmp(driver, "null") == 0 ||
	    strcmp(driver, "none") == 0)
		return 0;
	if (strcmp(driver, "passthrough") == 0) {
		*drivers |= LOG_DRIVER_PASSTHROUGH;
		return 0;
	}
	if (strcmp(driver, "journald") == 0) {
		*drivers |= LOG_DRIVER_JOURNALD;
		return 0;
	}
	if (strcmp(driver, "k8s-file") == 0) {
		if (!path)
			return pea_error_new(err, EINVAL, "k8s-file requires a filename");
	} else if (!colon) {
		path = value; /* a bare path is a k8s-file */
	} else {
		return pea_error_new(err, EINVAL, "No such log driver %s", driver);
	}
	*drivers |= LOG_DRIVER_K8S_FILE;
	free(*ret_path);
	*ret_path = xstrdup(path);
	return 0;
}

static int parse_log_level(const char *s, int *ret, struct pea_error **err)
{
	enum log_level level = LOG_LEVEL_WARNING;

	if (!s) {
		*ret = LOG_LEVEL_WARNING;
		return 0;
	}
	/* logrus names, as podman passes them */
	if (strcmp(s, "trace") == 0)
		level = LOG_LEVEL_DEBUG;
	else if (strcmp(s, "fatal") == 0 || strcmp(s, "panic") == 0)
		level = LOG_LEVEL_ERROR;
	else if (log_level_from_string(s, &level) < 0)
		return pea_error_new(err, EINVAL, "unknown --log-level '%s'", s);
	*ret = (int)level;
	return 0;
}

/* --preserve-fds N given through --runtime-opt (as podman does). */
static int preserve_fds_from_opts(char *const *v, int *ret, struct pea_error **err)
{
	for (size_t i = 0; v && v[i]; i++) {
		const char *value = NULL;
		char *end = NULL;
		long n;

		if (strcmp(v[i], "--preserve-fds") == 0 && v[i + 1])
			value = v[++i];
		else if (strncmp(v[i], "--preserve-fds=", 15) == 0)
			value = v[i] + 15;
		if (!value)
			continue;
		errno = 0;
		n = strtol(value, &end, 10);
		if (value[0] == '\0' || *end != '\0' || errno != 0 || n < 0 || n > 1024)
			return pea_error_new(err, EINVAL, "invalid --preserve-fds value '%s'",
					     value);
		*ret = (int)n;
	}
	return 0;
}

/* --log-label NAME=VALUE: a journal field name (uppercase, digits, underscore). */
static int check_log_labels(const struct monitor_options *o, const struct monitor_config *cfg,
			    struct pea_error **err)
{
	for (size_t i = 0; o->log_labels && o->log_labels[i]; i++) {
		const char *l = o->log_labels[i], *eq = strchr(l, '=');

		if (!eq || eq == l || strchr(eq + 1, '='))
			return pea_error_new(
				err, EINVAL,
				"Container labels must be in format LABEL=VALUE, got '%s'", l);
		for (const char *p = l; p < eq; p++)
			if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
				return pea_error_new(
					err, EINVAL,
					"Container label names must contain only "
					"uppercase letters, numbers and underscore, got '%s'",
					l);
	}
	if (o->log_labels && (cfg->log_drivers & LOG_DRIVER_K8S_FILE) &&
	    !(cfg->log_drivers & LOG_DRIVER_JOURNALD))
		return pea_error_new(err, EINVAL, "k8s-file doesn't support --log-label");
	return 0;
}

/* The k8s-file log's directory, resolved, must be one of the allowed ones or below. */
static int check_log_allowlist(const struct monitor_options *o, const struct monitor_config *cfg,
			       struct pea_error **err)
{
	_cleanup_free_ char *copy = NULL, *dir = NULL;
	char *slash;

	if (!o->log_allowlist_dirs || !cfg->k8s_log_path)
		return 0;
	copy = xstrdup(cfg->k8s_log_path);
	slash = strrchr(copy, '/');
	if (slash)
		*slash = '\0';
	dir = realpath(slash ? (copy[0] ? copy : "/") : ".", NULL);
	for (size_t i = 0; dir && o->log_allowlist_dirs[i]; i++) {
		_cleanup_free_ char *allowed = realpath(o->log_allowlist_dirs[i], NULL);
		size_t n = allowed ? strlen(allowed) : 0;

		if (allowed && strncmp(dir, allowed, n) == 0 &&
		    (dir[n] == '\0' || dir[n] == '/' || n == 1))
			return 0;
	}
	return pea_error_new(err, EACCES,
			     "log path '%s' is not in a directory of --log-allowlist-dir",
			     cfg->k8s_log_path);
}

static int check_log_files(const struct monitor_options *o, const struct monitor_config *cfg,
			   struct pea_error **err)
{
	if (o->log_max_files < 0)
		return pea_error_new(err, EINVAL, "log-max-files must be non-negative");
	if (o->log_max_files > INT32_MAX)
		return pea_error_new(err, ERANGE, "log-max-files out of range");
	if (o->log_rotate && o->log_max_files == 0)
		return pea_error_new(err, EINVAL,
				     "log-max-files must be at least 1 when log-rotate is enabled");
	if (o->no_container_partial_message && !(cfg->log_drivers & LOG_DRIVER_JOURNALD))
		log_warning("--no-container-partial-message has no effect without journald log "
			    "driver");
	if (check_log_labels(o, cfg, err) < 0 || check_log_allowlist(o, cfg, err) < 0)
		return -(*err)->code;
	return 0;
}

static int check_log_drivers(const struct monitor_options *o, struct monitor_config *cfg,
			     struct pea_error **err)
{
	if (!o->log_paths)
		return pea_error_new(err, EINVAL, "Log driver not provided. Use --log-path");
	for (size_t i = 0; o->log_paths[i]; i++)
		if (monitor_parse_log_path(o->log_paths[i], &cfg->log_drivers, &cfg->k8s_log_path,
					   err) < 0)
			return -EINVAL;
	if ((cfg->log_drivers & LOG_DRIVER_K8S_FILE) && !(cfg->log_drivers & LOG_DRIVER_JOURNALD) &&
	    o->log_tag)
		return pea_error_new(err, EINVAL, "k8s-file doesn't support --log-tag");
	if ((cfg->log_drivers & LOG_DRIVER_JOURNALD) && strlen(o->cid) <= 12)
		return pea_error_new(err, EINVAL,
				     "Container ID must be longer than 12 characters, got '%s'",
				     o->cid);
	return 0;
}

static int check_modes(const struct monitor_options *o, struct pea_error **err)
{
	if (!o->cid)
		return pea_error_new(err, EINVAL, "Container ID not provided. Use --cid");
	if (o->restore && o->exec)
		return pea_error_new(err, EINVAL,
				     "Cannot use 'exec' and 'restore' at the same time");
	if (o->start && (o->exec || o->restore))
		return pea_error_new(err, EINVAL,
				     "--start cannot be combined with exec or restore");
	/* --start --exec-attach: pea's, a container's attach before its one runtime call */
	if (o->exec_attach && !o->exec && !o->start)
		return pea_error_new(err, EINVAL, "Attach can only be specified with exec");
	if (o->exec_attach && !o->api_version)
		return pea_error_new(err, EINVAL,
				     "Attach can only be specified for a non-legacy exec session");
	if (!o->cuuid && (!o->exec || o->api_version))
		return pea_error_new(err, EINVAL, "Container UUID not provided. Use --cuuid");
	if (!o->runtime)
		return pea_error_new(err, EINVAL, "Runtime path not provided. Use --runtime");
	if (access(o->runtime, X_OK) < 0)
		return pea_error_errno(err, "Runtime path %s is not valid", o->runtime);
	if (o->exec && !o->exec_process_spec)
		return pea_error_new(
			err, EINVAL,
			"Exec process spec path not provided. Use --exec-process-spec");
	if (o->exit_delay < 0)
		return pea_error_new(err, EINVAL,
				     "Delay before invoking exit command must be greater than or "
				     "equal to 0, got %d",
				     o->exit_delay);
	if (o->cleaner_fd < 0 || (o->cleaner_fd > 0 && o->cleaner_fd < 3))
		return pea_error_new(err, EINVAL, "--cleaner-fd must be 3 or more, got %d",
				     o->cleaner_fd);
	if (o->seccomp_notify_socket)
		return pea_error_new(err, ENOTSUP,
				     "--seccomp-notify-socket is not supported by pea-monitor");
	return 0;
}

/* A directory the monitor writes into later: checked now, while the caller still listens. */
static int check_dir(const char *flag, const char *path, struct pea_error **err)
{
	struct stat st;

	if (!path)
		return 0;
	if (stat(path, &st) < 0)
		return pea_error_errno(err, "%s '%s'", flag, path);
	if (!S_ISDIR(st.st_mode))
		return pea_error_new(err, ENOTDIR, "%s '%s' is not a directory", flag, path);
	return 0;
}

static int check_dirs(const struct monitor_options *o, const struct monitor_config *cfg,
		      struct pea_error **err)
{
	/* conmon's default /var/run/crio is not checked: its absence only fails later */
	bool sockets = cfg->bundle && o->socket_dir && !o->full_attach &&
		       !(cfg->log_drivers & LOG_DRIVER_PASSTHROUGH);

	if (check_dir("--bundle", cfg->bundle, err) < 0 ||
	    check_dir("--exit-dir", o->exit_dir, err) < 0 ||
	    check_dir("--persist-dir", o->persist_dir, err) < 0 ||
	    (sockets && check_dir("--socket-dir-path", o->socket_dir, err) < 0))
		return -(*err)->code;
	return 0;
}

/* One healthcheck number: absent (the default), or an integer in [min, max]. */
static int healthcheck_number(const char *flag, const char *what, const char *value, int def,
			      int min, int max, int *ret, struct pea_error **err)
{
	char *end = NULL;
	long long v;

	if (!value) {
		*ret = def;
		return 0;
	}
	errno = 0;
	v = strtoll(value, &end, 10);
	if (value[0] == '\0' || *end != '\0' || (errno != 0 && errno != ERANGE))
		return pea_error_new(err, EINVAL, "cannot parse integer value '%s' for --%s", value,
				     flag);
	if (errno == ERANGE || v < min || v > max)
		return pea_error_new(err, ERANGE, "Healthcheck %s %s is out of range [%d, %d]",
				     what, value, min, max);
	*ret = (int)v;
	return 0;
}

/* --healthcheck-*: a command, numbers in conmon's ranges, a timeout within the interval. */
static int check_healthcheck(const struct monitor_options *o, struct healthcheck_config *hc,
			     struct pea_error **err)
{
	const char *without = o->healthcheck_args	    ? "--healthcheck-arg"
			      : o->healthcheck_interval	    ? "--healthcheck-interval"
			      : o->healthcheck_timeout	    ? "--healthcheck-timeout"
			      : o->healthcheck_retries	    ? "--healthcheck-retries"
			      : o->healthcheck_start_period ? "--healthcheck-start-period"
							    : NULL;
	int def_timeout;

	if (!o->healthcheck_cmd) {
		if (without)
			return pea_error_new(err, EINVAL, "%s given without --healthcheck-cmd",
					     without);
		return 0;
	}
	if (o->healthcheck_cmd[0] == '\0')
		return pea_error_new(err, EINVAL, "--healthcheck-cmd must not be empty");
	if (o->exec)
		return pea_error_new(err, EINVAL, "--healthcheck-cmd cannot be used with --exec");
	if (healthcheck_number("healthcheck-interval", "interval", o->healthcheck_interval,
			       HEALTHCHECK_DEFAULT_INTERVAL, 1, HEALTHCHECK_INTERVAL_MAX,
			       &hc->interval, err) < 0)
		return -(*err)->code;
	def_timeout = hc->interval < HEALTHCHECK_DEFAULT_TIMEOUT ? hc->interval
								 : HEALTHCHECK_DEFAULT_TIMEOUT;
	if (healthcheck_number("healthcheck-timeout", "timeout", o->healthcheck_timeout,
			       def_timeout, 1, HEALTHCHECK_TIMEOUT_MAX, &hc->timeout, err) < 0 ||
	    healthcheck_number("healthcheck-retries", "retries", o->healthcheck_retries,
			       HEALTHCHECK_DEFAULT_RETRIES, 0, HEALTHCHECK_RETRIES_MAX,
			       &hc->retries, err) < 0 ||
	    healthcheck_number("healthcheck-start-period", "start period",
			       o->healthcheck_start_period, 0, 0, HEALTHCHECK_START_PERIOD_MAX,
			       &hc->start_period, err) < 0)
		return -(*err)->code;
	if (hc->timeout > hc->interval)
		return pea_error_new(err, EINVAL,
				     "Healthcheck timeout %d cannot be greater than interval %d",
				     hc->timeout, hc->interval);
	pea_strv_push(&hc->argv, o->healthcheck_cmd);
	for (size_t i = 0; o->healthcheck_args && o->healthcheck_args[i]; i++)
		pea_strv_push(&hc->argv, o->healthcheck_args[i]);
	return 0;
}

/* LISTEN_PID (socket activation), checked as conmon does: a positive number. */
static int listen_pid_from_env(long *ret, struct pea_error **err)
{
	const char *value = getenv("LISTEN_PID");
	char *end = NULL;
	long pid;

	*ret = 0;
	if (!value)
		return 0;
	errno = 0;
	pid = strtol(value, &end, 10);
	if (value[0] == '\0' || *end != '\0' || errno != 0 || pid <= 0 || pid > INT32_MAX)
		return pea_error_new(err, EINVAL, "Invalid LISTEN_PID %.10s", value);
	*ret = pid;
	return 0;
}

int monitor_config_from_options(const struct monitor_options *o, struct monitor_config *cfg,
				struct pea_error **err)
{
	_cleanup_free_ char *cwd = NULL;

	*cfg = (struct monitor_config){ .opts = o };
	if (check_modes(o, err) < 0)
		goto fail;
	if (parse_log_level(o->log_level, &cfg->log_level, err) < 0)
		goto fail;
	if (check_log_drivers(o, cfg, err) < 0 || check_log_files(o, cfg, err) < 0)
		goto fail;
	if (preserve_fds_from_opts(o->runtime_opts, &cfg->preserve_fds, err) < 0 ||
	    listen_pid_from_env(&cfg->listen_pid, err) < 0 ||
	    check_healthcheck(o, &cfg->healthcheck, err) < 0 ||
	    timer_config_from_options(o, cfg, err) < 0)
		goto fail;
	cwd = getcwd(NULL, 0);
	if (!cwd) {
		pea_error_errno(err, "Failed to get working directory");
		goto fail;
	}
	if (o->bundle)
		cfg->bundle = xstrdup(o->bundle);
	else if (!o->exec)
		cfg->bundle = xstrdup(cwd);
	cfg->container_pidfile = o->container_pidfile ? xstrdup(o->container_pidfile)
						      : xasprintf("%s/pidfile-%s", cwd, o->cid);
	if (check_dirs(o, cfg, err) < 0)
		goto fail;
	return 0;
fail:
	monitor_config_free(cfg);
	return -(*err)->code;
}

void monitor_config_free(struct monitor_config *cfg)
{
	free(cfg->k8s_log_path);
	free(cfg->bundle);
	free(cfg->container_pidfile);
	cfg->healthcheck.argv = pea_strv_free(cfg->healthcheck.argv);
	timer_config_free(cfg);
	cfg->k8s_log_path = cfg->bundle = cfg->container_pidfile = NULL;
}

const char *monitor_socket_dir(const struct monitor_options *o)
{
	return o->socket_dir ? o->socket_dir : DEFAULT_SOCKET_DIR;
}
