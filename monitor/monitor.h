#pragma once

/*
 * The state of one running monitor, shared by its modules. Each module owns
 * its part (stdio, logs, attach, ctl, oom) and works through the functions
 * declared here; monitor.c runs the phases: detach, set up, spawn the
 * runtime, serve, finish.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "monitor/options.h"

struct pea_error;
struct pea_loop;
struct pea_watch;
struct attach_client;
struct timer_run;

/* The stream ids of the attach protocol (conmon's stdpipe_t). */
enum monitor_stream {
	STREAM_STDIN = 1,
	STREAM_STDOUT = 2,
	STREAM_STDERR = 3,
};

/* conmon's STDIO_BUF_SIZE: the most data one attach packet carries. */
#define MONITOR_PACKET_DATA 8192
/* Bytes read from the container per wakeup (logs get them in one piece). */
#define MONITOR_READ_CHUNK (64 * 1024)
/* Bytes of stdin held for the container; clients wait when it is full. */
#define MONITOR_STDIN_BUF (64 * 1024)
/* conmon's CONN_SOCK_BUF_SIZE: the largest packet read from an attach client. */
#define MONITOR_CLIENT_PACKET 32768
/* Packets queued for one slow attach client before the container's output waits. */
#define MONITOR_CLIENT_QUEUE 8
#define MONITOR_MAX_CLIENTS  64
/* The most read from each stream once the container ended (a pipe holds 1 MiB at most). */
#define MONITOR_DRAIN_MAX (16 * 1024 * 1024)

struct k8s_log {
	int fd;
	const char *path;
	int64_t size_max;	 /* <= 0: no cap */
	int64_t global_size_max; /* <= 0: no cap */
	int64_t written;	 /* in the current file */
	int64_t total;		 /* since start */
	int max_files;		 /* > 0: rotate to FILE.1 .. FILE.N instead of truncating */
	bool sync;
	char *buf; /* output staging, MONITOR_LOG_BUF bytes */
	size_t len;
};

struct journald_log {
	int fd;
	char *cid_full, *cid_short, *name, *tag, *identifier;
	char **labels;			      /* --log-label NAME=VALUE */
	bool partial_flag;		      /* CONTAINER_PARTIAL_MESSAGE=true on pieces */
	char partial[2][MONITOR_PACKET_DATA]; /* stdout, stderr */
	size_t partial_len[2];
};

struct monitor_logs {
	unsigned drivers;
	struct k8s_log k8s;
	struct journald_log *journald;
};

/* What a stdout/stderr watcher needs: the monitor and which stream. */
struct stream_ref {
	struct monitor *m;
	enum monitor_stream s;
};

struct stdin_buf {
	char *data; /* MONITOR_STDIN_BUF bytes, allocated on first use */
	size_t start, len;
	bool close_pending; /* close the container's stdin once empty */
};

/* conmon's healthcheck states; a status update on the sync pipe is -100 + the state. */
enum healthcheck_status {
	HEALTHCHECK_NONE = 0,
	HEALTHCHECK_STARTING = 1,
	HEALTHCHECK_HEALTHY = 2,
	HEALTHCHECK_UNHEALTHY = 3,
};
#define HEALTHCHECK_MSG_BASE (-100)
/* The most of a check's stderr kept for the log. */
#define HEALTHCHECK_STDERR_MAX 4096

struct healthcheck {
	struct pea_watch *tick_w, *timeout_w, *child_w, *stderr_w;
	pid_t pid; /* the check running now, -1 if none */
	int stderr_fd;
	char stderr_buf[HEALTHCHECK_STDERR_MAX];
	size_t stderr_len;
	bool timed_out;
	bool reaped; /* the SIGCHLD handler reaped it before its pidfd was read */
	int reaped_status;
	enum healthcheck_status status;
	unsigned failures; /* consecutive, counted ones */
	bool started;	   /* a check passed: the start period is over */
	uint64_t begin_ms; /* CLOCK_MONOTONIC when the container was seen started */
	/* the container's init before `runtime start`: the runtime's binary, until it execs */
	dev_t init_dev;
	ino_t init_ino;
	bool exec_seen; /* it exec'd the container's process: started */
	char *pid_path; /* BUNDLE/healthcheck.pid: the runtime's exec --pid-file */
};

struct monitor {
	const struct monitor_config *cfg;
	const struct monitor_options *opts;
	struct pea_loop *loop;

	int sync_fd, start_fd, attach_pipe_fd;
	int devnull_r, devnull_w;
	/*
	 * What the runtime gets where it would get /dev/null (stdin without -i,
	 * stdout with a terminal, passthrough stdio that is /dev/null): an empty
	 * pipe (null_in) and a pipe drained here (sink_r, its write end sink_w),
	 * both kept for the monitor's life; the healthcheck's runtime exec too.
	 * crun before 1.24 chowns the stdio it gets to the container's root (a
	 * user namespace's, from the host's side) or to exec's user: the host's
	 * /dev/null handed to it became theirs.
	 */
	int null_in, sink_r, sink_w;
	struct pea_watch *sink_watch;

	pid_t runtime_pid, container_pid;
	int runtime_status, container_status;
	bool runtime_done, container_done, timed_out;
	bool cleaner_marked; /* --exit-command-skip-if's file names who removes it (exit.c) */
	bool container_status_unknown; /* it ended, but not as our child */
	int container_pidfd;
	bool sync_reported;	   /* the pid (or an error) went to the sync pipe */
	bool console_pending;	   /* the runtime is done, its terminal not yet here */
	struct pea_error *failure; /* set up after the runtime failed */
	char *failure_message;	   /* the runtime's own words */
	/* exits of children not yet known by pid (a fast exec) */
	pid_t early_pid[8];
	int early_status[8];

	/* stdio: our ends of the container's pipes, or the pty master */
	int stdin_fd, stdout_fd, stderr_fd;
	int worker_stdin, worker_stdout, worker_stderr; /* the runtime's ends */
	struct pea_watch *stdin_w, *stdout_w, *stderr_w, *hup_timer_w;
	struct stream_ref out_ref, err_ref;
	struct stdin_buf in;
	bool output_paused;
	char *read_buf;

	/* --terminal: the console socket the runtime sends the pty master to */
	int console_fd;
	char *console_path;
	struct pea_watch *console_w;

	struct monitor_logs logs;

	/* attach socket */
	int attach_fd;
	char *attach_symlink; /* SOCKET_DIR/CUUID -> bundle, removed at exit */
	char *attach_path;    /* the socket, removed at exit */
	struct pea_watch *attach_w;
	struct attach_client *clients;
	int nclients, clients_full;
	bool clients_paused;

	/* ctl and winsz fifos in the bundle */
	int ctl_fd, ctl_dummy_fd, winsz_r, winsz_w;
	struct pea_watch *winsz_watch;
	char ctl_line[200], winsz_line[200];
	unsigned pending_rows, pending_cols; /* a size asked for before the terminal came */
	size_t ctl_len, winsz_len;
	bool ctl_skip, winsz_skip; /* inside a line too long to keep */

	/* oom */
	int oom_event_fd, oom_control_fd;
	char *cgroup2_path;	/* v2: the container's cgroup */
	char *oom_control_path; /* v1: its memory.oom_control */
	bool oom_seen;

	/* sd-notify relay */
	int notify_fd, notify_host_fd;
	char *notify_host_path;

	struct healthcheck hc;
	struct timer_run *timers; /* one per cfg->timers, once started */
};

/* monitor.c */
int monitor_run(const struct monitor_config *cfg, int *ret_exit_status, struct pea_error **err);
/* A child exited (pid, raw wait status): from the SIGCHLD handler. */
void monitor_child_exited(struct monitor *m, pid_t pid, int status);
/* The terminal came from the runtime (console.c). */
void monitor_console_ready(struct monitor *m);

/* sync.c: the _OCI_* pipes */
int sync_fd_from_env(const char *name, int *ret_fd, struct pea_error **err);
/* {"data": N} or {"data": N, "message": "..."} (key "pid"/"exit_code" for the legacy API). */
int sync_write(const struct monitor *m, int fd, int value, const char *message,
	       struct pea_error **err);
/* Block until the parent writes to the start pipe (or closes it). */
int sync_wait_start(int fd, struct pea_error **err);

/* runtime.c */
char **runtime_build_argv(const struct monitor_config *cfg, const char *console_path);
int runtime_spawn(struct monitor *m, struct pea_error **err);
/* Stand-ins for /dev/null in what the monitor gives a runtime (see null_in). */
int monitor_null_in(struct monitor *m, struct pea_error **err);
int monitor_null_out(struct monitor *m, struct pea_error **err);
/* The runtime's own reason for a failure: its --log file, else its stderr. */
char *runtime_failure_message(struct monitor *m);
/* The last "msg" of a JSON-lines runtime log (crun/runc --log-format=json); NULL if none. */
char *runtime_log_last_error(const char *data, size_t len);

/* stdio.c */
int stdio_setup_pipes(struct monitor *m, struct pea_error **err);
int stdio_watch_output(struct monitor *m, struct pea_error **err);
void stdio_close_workers(struct monitor *m);
/* Queue input for the container; returns the bytes taken. */
size_t stdio_stdin_push(struct monitor *m, const char *buf, size_t len);
size_t stdio_stdin_space(const struct monitor *m);
void stdio_stdin_close(struct monitor *m);
void stdio_pause_output(struct monitor *m, bool pause);
void stdio_drain(struct monitor *m);
void stdio_resize(struct monitor *m, unsigned rows, unsigned cols);

/* console.c */
int console_setup(struct monitor *m, struct pea_error **err);
void console_cleanup(struct monitor *m);

/* logs.c and the drivers */
int logs_open(struct monitor_logs *l, const struct monitor_config *cfg, struct pea_error **err);
void logs_write(struct monitor_logs *l, enum monitor_stream s, const char *buf, size_t len);
void logs_flush(struct monitor_logs *l);
void logs_reopen(struct monitor_logs *l);
void logs_close(struct monitor_logs *l);
int k8s_log_open(struct k8s_log *k, const char *path, int64_t size_max, int64_t global_max,
		 bool sync, struct pea_error **err);
void k8s_log_write(struct k8s_log *k, enum monitor_stream s, const char *buf, size_t len);
/* Format one "TIMESTAMP STREAM " prefix (RFC3339Nano, local time with offset); its length. */
size_t k8s_log_timestamp(char *buf, size_t size, enum monitor_stream s);
int k8s_log_reopen(struct k8s_log *k, struct pea_error **err);
/* Start a fresh file: rotate (max_files > 0) or truncate (reopen). */
int k8s_log_restart(struct k8s_log *k, struct pea_error **err);
void k8s_log_close(struct k8s_log *k);
int journald_log_open(struct journald_log **ret, const struct monitor_config *cfg,
		      struct pea_error **err);
void journald_log_write(struct journald_log *j, enum monitor_stream s, const char *buf, size_t len);
void journald_log_flush(struct journald_log *j);
struct journald_log *journald_log_free(struct journald_log *j);
/* Encode one native-protocol entry into buf; returns its length (0 if it does not fit). */
size_t journald_encode(char *buf, size_t size, const char *const *fields, const char *msg,
		       size_t msg_len, bool partial, int priority);
/* passthrough: the container writes to our own stdio; nothing to do but check. */
int passthrough_check(struct pea_error **err);

/* attach.c */
int attach_setup(struct monitor *m, struct pea_error **err);
void attach_broadcast(struct monitor *m, enum monitor_stream s, const char *buf, size_t len);
void attach_resume_clients(struct monitor *m);
/* Accept the clients still waiting in the socket's backlog. */
void attach_accept_pending(struct monitor *m);
/* Send what is queued for the clients, blocking a second at most per packet. */
void attach_flush(struct monitor *m);
void attach_close(struct monitor *m);

/* ctl.c */
int ctl_setup(struct monitor *m, struct pea_error **err);
int ctl_watch_winsz(struct monitor *m, struct pea_error **err);
void ctl_close(struct monitor *m);
/* Parse "TYPE H W" / "H W" lines (exported for the unit tests). */
int ctl_parse_ctl_line(const char *line, int *type, unsigned *rows, unsigned *cols);
int ctl_parse_winsz_line(const char *line, unsigned *rows, unsigned *cols);

/* exit.c */
int exit_write_files(struct monitor *m, int status, struct pea_error **err);
int monitor_write_file_replace(int dirfd, const char *path, const char *content, mode_t mode,
			       struct pea_error **err);
int exit_run_command(struct monitor *m, struct pea_error **err);
/* --exit-command-skip-if's file names a live remover (pea rm): the container goes, its log too. */
bool exit_cleaner_marked(const struct monitor *m);
int exit_status_of(int wait_status);

/* oom.c */
void oom_setup(struct monitor *m);
void oom_check_final(struct monitor *m);
void oom_close(struct monitor *m);

/* healthcheck.c */
void healthcheck_init(struct monitor *m);
/*
 * Begin the periodic checks (the container is created, its pid known, the
 * engine not told yet); no-op without --healthcheck-cmd. Checks due before
 * the container is started are skipped.
 */
int healthcheck_start(struct monitor *m, struct pea_error **err);
/* A reaped child: true if it was the running check. */
bool healthcheck_child_exited(struct monitor *m, pid_t pid, int status);
/* Stop the checks, killing and reaping one still running. */
void healthcheck_stop(struct monitor *m);
/* "healthy", "unhealthy (exit_code: 1)", ...: the message of a status update (new string). */
char *healthcheck_status_message(enum healthcheck_status status, int exit_code);

/* timer.c */
/* Begin running the --timer-command commands (the container exists). */
int timer_start(struct monitor *m, struct pea_error **err);
/* A reaped child: true if it was a run of a timer command. */
bool timer_child_exited(struct monitor *m, pid_t pid, int status);
/* Stop the timers, killing and reaping runs still going. */
void timer_stop(struct monitor *m);

/* notify.c */
int notify_setup(struct monitor *m, struct pea_error **err);
void notify_close(struct monitor *m);
