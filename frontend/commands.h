#pragma once

#include <stdio.h>

/*
 * The command handlers of pea. Each returns the exit status (>= 0), or < 0
 * with *err set: main prints "Error: MESSAGE" and exits with g->error_status
 * (125 unless the handler chose another).
 */

struct global_options;
struct pea_error;

/* The name pea was run by (options.c): "podman" when installed as podman. */
const char *frontend_progname(void);
/* The top-level usage (pea --help), podman's --remote line as it decides (options.c). */
void frontend_print_usage(FILE *f);
/* usage with its "Usage: pea " naming the program as run (helpers.c). New string. */
char *frontend_usage_named(const char *usage);

#define PEA_CMD(name) \
	int cmd_##name(struct global_options *g, int argc, char **argv, struct pea_error **err)

/* cmd-image.c */
PEA_CMD(pull);
PEA_CMD(load);
PEA_CMD(images);
PEA_CMD(rmi);
PEA_CMD(tag);
PEA_CMD(image_inspect);
PEA_CMD(untag);
PEA_CMD(image);

/* cmd-create.c */
PEA_CMD(create);
/* cmd-start.c */
PEA_CMD(start);
PEA_CMD(run);
/* cmd-ps.c */
PEA_CMD(ps);
/* cmd-logs.c */
PEA_CMD(logs);
/* cmd-stop.c */
PEA_CMD(stop);
PEA_CMD(kill);
PEA_CMD(wait);
/* cmd-rm.c */
PEA_CMD(rm);
PEA_CMD(cleanup);
/* cmd-update.c */
PEA_CMD(update);
/* cmd-inspect.c */
PEA_CMD(inspect);
PEA_CMD(container_inspect);
PEA_CMD(container_exists);
/* cmd-manage.c */
PEA_CMD(restart);
PEA_CMD(rename);
PEA_CMD(container_prune);
/* cmd-exec.c */
PEA_CMD(exec);
/* cmd-pause.c */
PEA_CMD(pause);
PEA_CMD(unpause);
/* cmd-top.c */
PEA_CMD(top);
/* cmd-stats.c */
PEA_CMD(stats);
/* cmd-cp.c */
PEA_CMD(cp);
/* cmd-mount.c */
PEA_CMD(mount);
PEA_CMD(unmount);
/* cmd-diff.c */
PEA_CMD(diff);
PEA_CMD(export);
/* cmd-commit.c */
PEA_CMD(commit);
/* cmd-push.c */
PEA_CMD(push);
PEA_CMD(save);
PEA_CMD(login);
PEA_CMD(logout);
/* cmd-search.c */
PEA_CMD(search);
/* cmd-history.c */
PEA_CMD(history);
/* cmd-commit.c */
PEA_CMD(import);
/* cmd-complete.c */
PEA_CMD(complete);
/* cmd-secret.c */
PEA_CMD(secret);
/* cmd-manifest.c */
PEA_CMD(manifest);
/* cmd-build.c */
PEA_CMD(build);
PEA_CMD(buildx);
/* cmd-volume.c */
PEA_CMD(volume);
/* cmd-system.c */
PEA_CMD(info);
PEA_CMD(system);
PEA_CMD(image_prune);
/* cmd-attach.c */
PEA_CMD(attach);
/* cmd-network.c */
PEA_CMD(network);
/* cmd-port.c */
PEA_CMD(port);
/* cmd-pod.c */
PEA_CMD(pod);
/* cmd-kube.c */
PEA_CMD(kube);
PEA_CMD(play);
PEA_CMD(generate);
/* cmd-generate.c */
PEA_CMD(generate_any);
/* cmd-trust.c */
PEA_CMD(image_trust);
/* cmd-sign.c */
PEA_CMD(image_sign);
/* cmd-runlabel.c */
PEA_CMD(container_runlabel);
/* main.c */
PEA_CMD(container);
PEA_CMD(version);
/* cmd-healthcheck.c */
PEA_CMD(healthcheck);

/* Shared by the handlers (cmd-util.c). */
#include <stdbool.h>
/*
 * getopt_long over a command's arguments with podman's conventions; prints
 * usage for --help (returns 1). shortopts should start with "+" when
 * options stop at the first operand (run, create, exec).
 */
struct option;
/*
 * The end of the options is checked against the synopsis (the first line of usage):
 * more operands than it allows is cobra's error ("accepts at most 1 arg(s), received 3").
 */
int cmd_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	       const char *usage, int *ret_c, struct pea_error **err);
/*
 * A command's usage text in podman's layout: its short line, "Description:", "Usage:" (the
 * program, the command's path as run, "[options]" when it has options, "[command]" for a
 * group), "Available Commands:" (its "Commands:" lines) and "Options:". The text is pea's:
 * "Usage: pea CMD [OPTIONS] ARGS", a description, "Commands:" and option lines ("  -a, ...").
 */
void cmd_print_help(FILE *f, const char *usage);
/* podman's "Aliases:" and "Examples:" of the command at path ("container list"; help-examples.c).
 */
void help_print_extra(FILE *f, const char *path);
/* The path with its last word the command's name when it is an alias ("container ls"). */
char *help_canonical_path(const char *path);
/* The command's words as run after the program's name ("container stop"), one more pushed. */
void cmd_path_push(const char *word);
const char *cmd_path_get(void);
/* Parse "true"/"false" for --flag=BOOL. */
int parse_bool_arg(const char *opt, const char *arg, bool *ret, struct pea_error **err);

/* Helpers of the issue-11 commands. */
struct global_options;
struct ctr_record;
/* The runtime's "status" of a container ("running", "paused", ...); new string (cmd-pause.c). */
int runtime_status(const struct global_options *g, const struct ctr_record *r, char **ret,
		   struct pea_error **err);
/* Set r->paused from the runtime's state of a running container (cmd-pause.c). */
void record_note_paused(const struct global_options *g, struct ctr_record *r);
/*
 * The runtime's JSON log (one object a line, --log-format=json) after a failed exec, modified:
 * its last error as *err and podman's status, 127 (not found), 126 (cannot be run) or 125;
 * 0 when it logged no error (the process ran: its own status counts) (cmd-exec.c).
 */
int exec_runtime_error(char *log, struct pea_error **err);
/* Thaw a running container if the runtime has it paused, so it can be stopped (cmd-pause.c). */
int runtime_resume_paused(struct global_options *g, const struct ctr_record *r,
			  struct pea_error **err);
#include <sys/types.h>
/* A pax tar of dirfd/base to out_fd, entries named from name ("." leaves itself out; cmd-cp.c). */
int cp_write_tar(int dirfd, const char *base, const char *name, int out_fd, struct pea_error **err);
/* Unpack a tar stream from in_fd into the folder rootfd (confined to it), owners kept. */
int cp_read_tar(int rootfd, int in_fd, struct pea_error **err);
/* Volumes that exist, and those a container uses (cmd-volume.c). */
int volume_count_used(const struct global_options *g, size_t *ret_total, size_t *ret_used);
/* Remove the volumes no container uses that pass the filters; print their names. */
int volume_prune_all(struct global_options *g, char *const *filters, bool print,
		     struct pea_error **err);
struct json_object;
/* Apply one Dockerfile instruction of --change to an image config's "config" (cmd-commit.c). */
int commit_apply_change(struct json_object *cfg, const char *change, struct pea_error **err);
/* /proc/PID/stat and status texts: pid (innermost namespace), ppid, state (cmd-top.c). */
int top_parse_proc(const char *stat, const char *status, int *ret_pid, int *ret_ppid,
		   char *ret_state);

#include <stddef.h>
/* A sub-command of a group (pea image, pea volume, pea system, pea container). */
struct subcommand {
	const char *name;
	int (*run)(struct global_options *g, int argc, char **argv, struct pea_error **err);
};
/* Run the sub-command argv[1] of group; usage for --help (or on stderr when missing). */
int cmd_dispatch(struct global_options *g, const char *group, const char *usage,
		 const struct subcommand *sub, size_t n, int argc, char **argv,
		 struct pea_error **err);
/*
 * got operands against at least min and at most max (-1: no limit): 0, or a negative
 * errno with cobra's message ("accepts 1 arg(s), received 2", "requires at least 1
 * arg(s), only received 0", "accepts at most 1 arg(s), received 2", ...).
 */
int check_nargs(int got, int min, int max, struct pea_error **err);
/* --all with container names, or neither: podman's usage errors. */
int check_all_or_names(bool all, int nnames, struct pea_error **err);
/* The ids of the containers pick() keeps (NULL: all), oldest first. */
int containers_pick(const struct global_options *g,
		    bool (*pick)(const struct global_options *g, struct ctr_record *r), char ***ret,
		    struct pea_error **err);
/*
 * act on each target in turn. A failure is printed as "Error: ..." and the
 * loop goes on (status 125, missing_status for a first ENOENT when not 0),
 * except that the last target failing alone is returned as *err. Done
 * targets are printed when print.
 */
struct each_opts {
	int (*act)(struct global_options *g, const char *name, void *data, struct pea_error **err);
	bool print;
	int missing_status;
};
int for_each_target(struct global_options *g, char *const *targets, const struct each_opts *o,
		    void *data, struct pea_error **err);
/* Yes when force, else print the warning and ask "Are you sure you want to continue?". */
bool confirm_unless(bool force, const char *warning);
/* Remove every container that is not running, printing their ids; 0 or 125 (cmd-manage.c). */
int containers_prune(struct global_options *g);
/* Remove pea's storage containers that no record names (external.h), printing their ids; 0 or
 * 125 (cmd-rm.c). */
int rm_orphans(struct global_options *g);
/* Make the volume ROOT/volumes/NAME (ignore: an existing one is fine; cmd-volume.c). */
int volume_create(const struct global_options *g, const char *name, const char *driver,
		  struct json_object *labels, struct json_object *options, bool ignore,
		  struct pea_error **err);
/* A capability set as podman top prints it: "full", "none" or sorted names (cmd-top.c). */
char *top_caps(unsigned long long set, int last_cap);
/*
 * The options of a command that has only switches: -a/--all, -f/--force,
 * -i/--ignore, --volumes, each when its letter is in shortopts ("afi"), and
 * --help. Like cmd_getopt: 1 for --help (usage printed), < 0 for a bad
 * option, 0 with optind at the first operand.
 */
struct switches {
	bool all, force, ignore, volumes;
};
int cmd_switches(int argc, char **argv, const char *shortopts, const char *usage,
		 struct switches *ret, struct pea_error **err);
