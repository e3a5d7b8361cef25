#pragma once

/*
 * pea-runtime: the global options and the commands (one cmd-<name>.c each).
 * A command returns < 0 with *err set, or the exit status main() returns
 * (0, or the container's status for `run` in the foreground).
 */

#include <errno.h>
#include <stdbool.h>

struct pea_error;

struct global_options {
	const char *root;    /* state directory (--root), never NULL after main */
	const char *log;     /* --log file, or NULL */
	bool json_log;	     /* --log-format json */
	bool debug;	     /* --debug */
	bool systemd_cgroup; /* --systemd-cgroup: cgroupsPath is slice:prefix:name */
	char **argv;	     /* the whole command line, for the sealed re-exec (exe-seal.c) */
};

#define RUNTIME_OCI_VERSION "1.2.0"

typedef int (*runtime_cmd)(const struct global_options *g, int argc, char **argv,
			   struct pea_error **err);

int cmd_create(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_run(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_start(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_state(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_kill(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_delete(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_list(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_spec(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_pause(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_resume(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_ps(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_events(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_features(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_exec(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_update(const struct global_options *g, int argc, char **argv, struct pea_error **err);

/*
 * exe-seal.c: exec calls this first, create and run once they have read the
 * config. Unless already running from one, re-execute argv from a sealed
 * memfd copy of our binary when a process of the container could write the
 * binary (CVE-2019-5736). Returns only when nothing was needed (0) or on
 * failure.
 */
int runtime_reexec_sealed(char **argv, struct pea_error **err);
/*
 * The same; with ret_dmz_fd (create and run, a container with a pid namespace
 * of its own, no startContainer hooks, no seccomp listener), instead of the
 * re-exec: *ret_dmz_fd, a sealed memfd of pea-runtime-dmz for the init to end
 * in (linux-init.c), or -1 when no protection is needed.
 */
int runtime_protect_exe(char **argv, int *ret_dmz_fd, struct pea_error **err);
/* pea-runtime-dmz is built in (not on every architecture). */
bool runtime_has_dmz(void);

/* The error code of usage errors: main() exits 2 for them, 1 for any other failure. */
#define RUNTIME_EUSAGE EDOM

/* Usage errors: main prints them and exits 1 (like runc), with a hint. */
int runtime_usage_error(struct pea_error **err, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
