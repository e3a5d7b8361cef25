#pragma once

/*
 * pea: the podman-compatible frontend. It keeps the container records and
 * drives pea-storage, pea-image, pea-monitor and pea-runtime as separate
 * processes (docs/pea.1.md, ../shared/DESIGN.md).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

struct json_object;
struct pea_error;

/* Exit statuses of podman. */
#define PEA_EXIT_ENGINE	   125
#define PEA_EXIT_CANNOT	   126
#define PEA_EXIT_NOT_FOUND 127

struct global_options {
	char *root;	      /* graph root: records, storage/ */
	char *runroot;	      /* run root: runtime state, exits, sockets, storage/ */
	char *runtime;	      /* the OCI runtime, a path */
	char *conmon;	      /* the monitor, a path */
	char *storage_driver; /* NULL: pea-storage's default */
	char **storage_opts;
	char *log_level;	   /* passed on to the exit command */
	char **runtime_flags;	   /* --runtime-flag F: "--F" before every OCI runtime command */
	char *default_mounts_file; /* --default-mounts-file: podman's mounts.conf */
	char **default_mounts;	   /* its lines, "HOST-DIR:CONTAINER-DIR" */
	char *self;		   /* this binary, absolute */
	char *bindir;		   /* its folder */
	bool rootless;
	int error_status; /* exit status for a failing command; 0: 125 */
};

/* options.c */
int frontend_parse_globals(int argc, char **argv, struct global_options *g, int *ret_next,
			   struct pea_error **err);
void global_options_clear(struct global_options *g);
/*
 * podman's persistent flags after a command's name (pea ps --log-level=debug): argv[*index]
 * "--NAME[=VALUE]" when NAME is one, applied to the options frontend_parse_globals filled,
 * *index past it (and its value). 1 when it was one, 0 when not, < 0 for a bad value.
 */
int frontend_late_global(int argc, char **argv, int *index, struct pea_error **err);
/* "--NAME[=VALUE]" names one of them. */
bool frontend_is_global_flag(const char *word);
/* The failure is podman's bare line (--log-level's), not "Error: ...". */
bool frontend_error_bare(void);
/* The global --runtime as given (a new container keeps it, as podman's); NULL without. */
const char *frontend_runtime_flag(void);
/* name next to this binary, else in PATH; a name with '/' as is. New string. */
char *frontend_find_binary(const struct global_options *g, const char *name);
/* Push the OCI runtime's global flags of --runtime-flag (before its command). */
void frontend_push_runtime_flags(const struct global_options *g, char ***argv, bool monitor);
/* The global options the exit command and helpers need to see this store again. */
char **frontend_self_argv(const struct global_options *g);

/* helpers.c: running the other binaries */
struct run_result {
	int status;   /* raw wait status */
	char *out;    /* standard output, NUL-terminated */
	size_t len;   /* its length */
	char *errtxt; /* standard error, trailing newlines cut */
};
void run_result_clear(struct run_result *r);
/* A program started by store_call_begin, its output not read yet. */
struct run_pending {
	pid_t pid;
	int pidfd;
	int out, errfd; /* memfds of its stdout and stderr */
};
/* Run argv with stdin from in_fd (-1: /dev/null), capturing stdout and stderr. */
int frontend_run_capture(char *const *argv, int in_fd, struct run_result *ret,
			 struct pea_error **err);
/* pea ARGS... (this binary with g's global options) on our stdio: its exit status, or < 0. */
int frontend_run_self(const struct global_options *g, char *const *args, struct pea_error **err);
/*
 * pea ARGS... with its output captured: 0 and (ret_out not NULL) its standard output without
 * trailing blanks; when it fails, -1 and err the last line it wrote, without its "Error: ".
 */
int frontend_run_self_capture(const struct global_options *g, char *const *args, char **ret_out,
			      struct pea_error **err);
/* pea-storage ARGS...: the value of "result" of its reply (owned), or its error. */
int store_call(const struct global_options *g, const char *const *args,
	       struct json_object **ret_result, struct pea_error **err);
/*
 * store_call in two halves, for work of pea's own meanwhile: the call
 * started, then (always, once begun) waited for and its reply read.
 */
int store_call_begin(const struct global_options *g, const char *const *args, struct run_pending *p,
		     struct pea_error **err);
/* The same with fd3 (>= 0) as pea-storage's fd 3. */
int store_call_begin_fd(const struct global_options *g, const char *const *args, int fd3,
			struct run_pending *p, struct pea_error **err);
int store_call_end(struct run_pending *p, struct json_object **ret_result, struct pea_error **err);
/* pea-storage's own argv prefix (binary and global options). */
char **store_base_argv(const struct global_options *g);
/* "store:[driver@root+runroot]" for pea-image. */
char *store_transport(const struct global_options *g, const char *name);

/* Make a directory and its parents (0700 for the last one, like podman's roots). */
int frontend_mkdir_p(const char *path, struct pea_error **err);

/*
 * An OCI spec's bind mount, {"destination", "type": "bind", "source", "options"}
 * (options: NULL-terminated, "rbind" or "bind" among them), owned by the caller.
 */
struct json_object *frontend_bind_mount(const char *dest, const char *src,
					const char *const *options);
/* A 64-hex random id. */
char *frontend_new_id(void);
/*
 * --cidfile, --pod-id-file: the file made before the object (O_EXCL: podman never overwrites
 * one, and a taken name fails before anything exists); what is "container" or "pod". Then
 * frontend_id_file_write the id into it, or unlink it when the object could not be made.
 */
int frontend_id_file_open(const char *path, const char *what, int *ret_fd, struct pea_error **err);
/* The id into the file frontend_id_file_open made (closes fd; unlinks path on failure). */
int frontend_id_file_write(int fd, const char *path, const char *id, struct pea_error **err);
/* This machine's architecture as OCI names it (GOARCH: amd64, arm64, ...). */
const char *frontend_oci_arch(void);
/* RFC3339 with nanoseconds, UTC ("2026-11-26T07:23:25.123456789Z"). */
char *frontend_now(void);
/*
 * An RFC 3339 time into seconds since the epoch: "2006-01-02T15:04:05[.frac](Z|+hh:mm)".
 * With PARSE_TIME_LOOSE also a date alone and a time without a zone (UTC), as the Go
 * layouts podman tries for --since/--until. -EINVAL when s is not one.
 */
#define PARSE_TIME_LOOSE 1u
int frontend_parse_rfc3339(const char *s, unsigned flags, double *ret);
/* What frontend_now() or an image config's "created" wrote; 0 when it is not a time. */
double frontend_parse_time(const char *s);
double frontend_now_seconds(void);

/* podman's default capabilities (containers.conf default_capabilities), and their number. */
#define FRONTEND_DEFAULT_CAPS_N 11
extern const char *const frontend_default_caps[FRONTEND_DEFAULT_CAPS_N];

/* pea-storage ARGS... with its standard output on a pipe (*ret_fd), not waited for. */
int store_spawn_out(const struct global_options *g, const char *const *args, int *ret_fd,
		    pid_t *ret_pid, int *ret_pidfd, struct pea_error **err);
/* Wait for it; a failure names what it did. */
int store_spawn_wait(pid_t pid, int pidfd, const char *what, struct pea_error **err);
/* Read fd to its end (a tar writer pads past the archive's end). */
void tar_drain(int fd);
/*
 * podman's --env-file (run, create, exec): KEY=VALUE, or KEY taken from pea's
 * environment, per line; blank lines and # comments skipped; pushed to *env.
 */
int frontend_env_file(char ***env, const char *path, struct pea_error **err);
/* Print the question and " [y/N] ", read a line: yes for y or Y. */
bool frontend_confirm(const char *question);
/* A duration as Go prints it ("1m13.2345s", "930.5ms", "0s"); new string. */
char *go_duration(long long ns);
/*
 * Go's time.ParseDuration, in nanoseconds: [-+]?([0-9]*(\.[0-9]*)?UNIT)+ or "0", units
 * ns, us (µs, μs), ms, s, m, h; no exponents, hex or spaces. -EINVAL (*ret_why: Go's
 * "invalid duration", "missing unit in duration" or "unknown unit") or -ERANGE.
 */
int go_parse_duration(const char *s, int64_t *ret, const char **ret_why);
/*
 * A size as podman takes one (RAMInBytes): a number, decimals allowed, with an
 * optional b, k, m, g or t (any case, 1024-based, a trailing b after a unit
 * too). -EINVAL for anything else or a size past 2^63; callers name the flag.
 */
int frontend_parse_size(const char *s, long long *ret);
/* --label KEY[=VALUE]s as a JSON object (a KEY without '=': ""); a new object. */
struct json_object *frontend_labels_json(char *const *labels);
/*
 * A container id to the host's through linux.uidMappings or gidMappings (NULL:
 * the same id); -1 when the mappings do not cover it.
 */
int64_t frontend_map_id(struct json_object *maps, int64_t id);
/* KEY=VALUE into a JSON array of them: the same KEY replaced, else appended. */
void frontend_env_put(struct json_object *env, const char *kv);

/* A file of a container's root (path resolved inside rootfd), at most max bytes; NULL if not. */
char *rootfs_read_file(int rootfd, const char *path, size_t max);
/* In an /etc/passwd or /etc/group text: field (2: id, 3: gid) of name; -1 if none. */
long long passwd_field_of(const char *db, const char *name, int field);
/* The name of id in an /etc/passwd or /etc/group text, else the number ("?" for -1). */
char *passwd_name_of(const char *db, long long id);
