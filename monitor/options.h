#pragma once

/*
 * pea-monitor's command line: conmon 2.x's flags, parsed the way GOption
 * parses them (long options with "=value" or a separate value, short options
 * alone, grouped or with their value attached, "--" ends the options, other
 * words are ignored as conmon ignores them), then checked into a config.
 */

#include <stdbool.h>
#include <stdint.h>

struct pea_error;

struct monitor_options {
	bool api_version;
	char *bundle;
	char *cid;
	char *conmon_pidfile;
	char *container_pidfile;
	char *cuuid;
	bool exec;
	bool exec_attach;
	char *exec_process_spec;
	char *exit_command;
	char **exit_command_args;
	char *exit_command_skip_if; /* no exit command when this file exists (pea rm's mark) */
	int cleaner_fd; /* pea's: a pipe from a foreground pea that cleans up itself; 0: none */
	int exit_delay;
	char *exit_dir;
	bool leave_stdin_open;
	char *log_level;
	char **log_paths;
	int64_t log_size_max;
	int64_t log_global_size_max;
	char *log_tag;
	char **log_labels;	   /* journald fields NAME=VALUE */
	bool log_rotate;	   /* rotate (FILE.1 ...) instead of truncating */
	int64_t log_max_files;	   /* rotated files kept */
	char **log_allowlist_dirs; /* the k8s-file log must be under one of them */
	bool no_container_partial_message;
	char *name;
	bool no_new_keyring;
	bool no_pivot;
	bool no_sync_log;
	char *persist_dir;
	bool replace_listen_pid;
	char *restore;
	char *runtime;
	char **runtime_args;
	char **runtime_opts;
	char *sdnotify_socket;
	bool start; /* run --detach instead of create: the container runs when its pid comes */
	char *socket_dir;
	bool stdin_pipe;
	bool sync;
	bool syslog;
	bool systemd_cgroup;
	bool terminal;
	int timeout;
	bool full_attach;
	char *seccomp_notify_socket;
	char *seccomp_notify_plugins;
	/* upstream conmon's healthcheck: the numbers stay text until checked */
	char *healthcheck_cmd;
	char **healthcheck_args;
	char *healthcheck_interval;
	char *healthcheck_timeout;
	char *healthcheck_retries;
	char *healthcheck_start_period;
	char **timer_commands;	   /* ID:SECONDS:COMMAND */
	char **timer_command_args; /* ID:ARGUMENT */
	bool help;
	bool version;
};

enum log_driver_kind {
	LOG_DRIVER_K8S_FILE = 1 << 0,
	LOG_DRIVER_JOURNALD = 1 << 1,
	LOG_DRIVER_PASSTHROUGH = 1 << 2,
};

/* Limits of the healthcheck flags, as upstream conmon checks them (seconds). */
#define HEALTHCHECK_INTERVAL_MAX     3600
#define HEALTHCHECK_TIMEOUT_MAX	     300
#define HEALTHCHECK_START_PERIOD_MAX 3600
#define HEALTHCHECK_RETRIES_MAX	     100
/* Defaults where a flag is not given (podman's); the timeout is at most the interval. */
#define HEALTHCHECK_DEFAULT_INTERVAL 30
#define HEALTHCHECK_DEFAULT_TIMEOUT  30
#define HEALTHCHECK_DEFAULT_RETRIES  3

struct healthcheck_config {
	char **argv;	  /* owned: the command and its args; NULL: no healthcheck */
	int interval;	  /* seconds between checks, the first one interval after start */
	int timeout;	  /* seconds a check may run before it is killed (a failure) */
	int retries;	  /* consecutive failures that make the container unhealthy */
	int start_period; /* seconds after start when failures do not count */
};

/* --timer-command: a host command run every interval seconds while the container lives. */
#define TIMER_COMMANDS_MAX 64

struct timer_command {
	int id;
	int interval; /* seconds, > 0 */
	char **argv;  /* owned: the command and its --timer-command-argument values */
};

/* The checked configuration the monitor runs with. Strings point into the options. */
struct monitor_config {
	const struct monitor_options *opts;
	unsigned log_drivers;	 /* enum log_driver_kind bits */
	char *k8s_log_path;	 /* owned */
	char *bundle;		 /* owned; NULL for an exec without -b */
	char *container_pidfile; /* owned */
	int log_level;		 /* enum log_level */
	int preserve_fds;	 /* from --runtime-opt --preserve-fds N */
	long listen_pid;	 /* LISTEN_PID from the environment, 0 if unset */
	struct healthcheck_config healthcheck;
	struct timer_command *timers; /* owned, ntimers of them */
	size_t ntimers;
};

/* Fill opts from argv. Returns 0, or < 0 with *err (a usage error). */
int monitor_parse_args(int argc, char **argv, struct monitor_options *opts, struct pea_error **err);
void monitor_options_free(struct monitor_options *opts);

/* Check the options as conmon does and derive the config; < 0 with *err. */
int monitor_config_from_options(const struct monitor_options *opts, struct monitor_config *cfg,
				struct pea_error **err);
void monitor_config_free(struct monitor_config *cfg);

/* Split one --log-path value ("DRIVER:PATH", "PATH", "none", ...). */
int monitor_parse_log_path(const char *value, unsigned *drivers, char **ret_path,
			   struct pea_error **err);

/*
 * --timer-command ID:SECONDS:COMMAND and --timer-command-argument ID:ARGUMENT
 * into cfg->timers (timer.c); errors in conmon's words.
 */
int timer_config_from_options(const struct monitor_options *opts, struct monitor_config *cfg,
			      struct pea_error **err);
void timer_config_free(struct monitor_config *cfg);

void monitor_print_usage(void);

/* --socket-dir-path, or conmon's default /var/run/crio. */
const char *monitor_socket_dir(const struct monitor_options *o);
