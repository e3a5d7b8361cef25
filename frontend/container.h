#pragma once

/* Container life cycle shared by the commands (create, start, cleanup, remove). */

#include <stdbool.h>

struct json_object;
struct pea_error;
struct global_options;
struct ctr_record;

/* What `run` adds to `create`. */
struct run_flags {
	bool detach;
	const char *detach_keys; /* --detach-keys (NULL: podman's ctrl-p,ctrl-q) */
	char *rootfs;		 /* mounted by the create (one pea-storage call): the start's */
	bool rmi;		 /* --rmi: the image goes after the container, unless in use */
	const char *image;	 /* the image as named (argv) */
	unsigned attach;	 /* -a: RUN_ATTACH_* bits (0: all three) */
};

/* run -a STREAM */
#define RUN_ATTACH_STDIN  1u
#define RUN_ATTACH_STDOUT 2u
#define RUN_ATTACH_STDERR 4u

/*
 * Parse the options and operands of create/run (argv[0] is the command
 * name), pull the image when missing, and create the container: storage
 * layer and record. *ret is its record.
 */
int container_create_args(struct global_options *g, int argc, char **argv, bool is_run,
			  struct run_flags *rf, struct ctr_record **ret, struct pea_error **err);

/*
 * Start a created or exited container: mount, write the bundle, launch the
 * monitor, start. With attach, its output is copied to our stdout/stderr
 * until it ends and *ret_exit gets its exit code (after the cleanup); with
 * stdin_too, our stdin goes to a container created with -i.
 */
int container_start(struct global_options *g, const char *id, bool attach, bool stdin_too,
		    int *ret_exit, struct pea_error **err);

/*
 * container_start with the detach keys of a container made with -t (NULL:
 * podman's ctrl-p,ctrl-q). Typed while attached, they leave it running: then
 * *ret_exit is 0 and a --rm container is removed by its exit command.
 */
int container_start_keys(struct global_options *g, const char *id, bool attach, bool stdin_too,
			 const char *detach_keys, int *ret_exit, struct pea_error **err);

/*
 * The start of `pea run`: container_start_keys with the root that the create
 * mounted (rf->rootfs) instead of a mount of its own.
 */
int container_start_run(struct global_options *g, const char *id, const struct run_flags *rf,
			int *ret_exit, struct pea_error **err);

/*
 * A restart by the container's policy (restart.h): detached, and not when the
 * user stopped it meanwhile (checked under the lock).
 */
int container_start_restart(struct global_options *g, const char *id, int *ret_exit,
			    struct pea_error **err);

/*
 * After the container ended: record its exit, unmount, delete the runtime's
 * state, and remove it when it was made with --rm (and remove_rm).
 * Idempotent; a container already gone is fine.
 */
int container_cleanup(struct global_options *g, const char *id, bool remove_rm,
		      struct pea_error **err);
/*
 * container_cleanup of r, loaded under its lock, which the caller holds;
 * *ret_removed: it was removed (the caller drops the lock with record_lock_drop).
 */
int container_cleanup_locked(struct global_options *g, struct ctr_record *r, bool remove_rm,
			     bool *ret_removed, struct pea_error **err);

/*
 * Remove a container that is not running: runtime state, mount, layer, record
 * (and the anonymous volumes of a --rm container). Takes the container's lock
 * (records.h) and checks its state again under it: EBUSY when it runs.
 */
int container_remove(struct global_options *g, struct ctr_record *r, struct pea_error **err);
/*
 * A container whose record (pea.json) cannot be read, named by its id or a
 * prefix of it: what can go without the record goes under its lock (the
 * runtime's state, only with force: it may be running; the storage; the
 * network; its folders and exit file), and a warning says what went. ENOENT
 * when what names no such folder, EAGAIN when its record reads after all.
 */
int container_remove_unreadable(const struct global_options *g, const char *what, bool force,
				struct pea_error **err);
/*
 * container_remove for a caller that holds the lock and checked the state;
 * volumes: its anonymous volumes go too (rm -v). The caller drops the lock
 * (record_lock_drop) after it.
 */
int container_remove_locked(struct global_options *g, struct ctr_record *r, bool volumes,
			    struct pea_error **err);
/*
 * Delete what commands killed half-way left, when no command holds the
 * container's lock: a removal's tombstone (ROOT/containers/.rm-ID), a create's
 * record folder with no record, a lock file with no record. Every removal and
 * every `pea rm` does it.
 */
void containers_sweep_removed(const struct global_options *g);
/*
 * The removals of this process no longer sweep (each one reads every record
 * folder and lock): for a caller that removes many and sweeps once at its end.
 */
void containers_defer_sweep(void);
/*
 * The mount points under the containers' folders read once (/proc/self/mountinfo), for the
 * removals that follow in this process and the processes it forks (rm's workers), until
 * containers_forget_mounts: a removal refuses to move a folder with a mount under it.
 */
void containers_snapshot_mounts(const struct global_options *g);
void containers_forget_mounts(void);
/*
 * The removals of this process hand the removal of the container's storage
 * to handoff (rm's workers: their parent removes many under one lock of the
 * store); it returns 0 once that is done, < 0 for the removal to do it itself.
 */
void containers_hand_off_store_rm(int (*handoff)(const char *id));
/*
 * The removals of this process pass what their remover would delete (each
 * tombstone's path, NULL for a detached mount, and the fd holding it) to sink
 * instead of forking one (rm's workers: their parent's one remover deletes them
 * all); sink returns 0 once it has them, < 0 for the removal to keep them.
 */
void containers_pass_tombs(int (*sink)(const char *path, int fd));
/* One more for this process's remover: path (NULL: a detached mount to close) held by fd. */
void containers_adopt_tomb(const char *path, int fd);
/*
 * What pea-storage's container rm --hand-off-fd sent on sock so far (its trash
 * entries, its detached mounts), adopted for this process's remover. True at
 * the end: every sender gone.
 */
bool containers_take_passed(const struct global_options *g, int sock);
/* What this process holds, deleted by one detached remover (the end of rm). */
void containers_tombs_hand_off(void);
/*
 * In a forked child (rm's workers): the list inherited from the parent closed
 * and dropped, not deleted: the parent's remover deletes them, and a worker's
 * own removal passes back only its own.
 */
void containers_tombs_forget(void);

/* RUNTIME --root RUNROOT/runtime ARGS... (the runtime the container was started with). */
int container_runtime(const struct global_options *g, const struct ctr_record *r,
		      const char *const *args, bool quiet, struct pea_error **err);
/*
 * A runtime delete (args) of r, quiet, and its network's teardown; r->net_down says whether that
 * teardown was done: when not, what it needs is kept for the removal's own (remove_folders).
 */
int container_runtime_delete(const struct global_options *g, struct ctr_record *r,
			     const char *const *args, struct pea_error **err);

/* Wait until the exit file exists (timeout_ms < 0: forever); 0 or ETIMEDOUT. */
/* Connect to the monitor's attach socket of container ID (its bundle's "attach"). */
int container_attach_connect(const struct global_options *g, const char *id, int *ret_fd,
			     struct pea_error **err);
int container_wait_exit(const struct global_options *g, const char *id, int timeout_ms,
			struct pea_error **err);

/* Write config.json into the bundle from the record's options and the image. */
int spec_write(const struct global_options *g, const struct ctr_record *r, const char *rootfs,
	       struct pea_error **err);
/* Whether the runtime's delete may run beside the layer's removal, from a spec. */
bool spec_delete_beside_rm(struct json_object *spec);
/*
 * Its answer for the config.json of ID this process wrote last, when the file
 * in the bundle dfd is still the one written (inode, size, mtime); else -1.
 */
int spec_written_beside_rm(const char *id, int dfd);

/*
 * The process of an exec: the container's process with these args, env
 * added, cwd and user replaced (NULL: kept), a terminal with tty, written to
 * BUNDLE/exec-*.json for `RUNTIME exec --process`. *ret_path: its path (the
 * caller removes it).
 */
int spec_exec_process(const struct global_options *g, const struct ctr_record *r, char *const *args,
		      char *const *env, const char *cwd, const char *user, bool tty,
		      char **ret_path, struct pea_error **err);

/*
 * The line of the container's passwd or group file (resolved in rootfd) whose
 * name or id is what: its id and (passwd) group id. -ENOENT when none.
 */
int spec_lookup_db(int rootfd, const char *file, const char *what, long *ret_id, long *ret_gid);

/* -l/--latest: the id of the container created last (ENOENT: none). */
int container_latest(const struct global_options *g, char **ret, struct pea_error **err);
/*
 * --cidfile PATH of stop and rm: the id on the file's first line pushed on
 * *ids; with ignore a missing file adds nothing (podman's --ignore).
 */
int container_read_cidfile(const char *path, bool ignore, char ***ids, struct pea_error **err);
/*
 * The mark of a stop waiting for the container to exit (podman's "stopping"
 * State.Status); it names the stopping process by its pid and start time, so one
 * killed on its way marks nothing, even once its pid is another process's.
 */
void container_mark_stopping(const struct global_options *g, const char *id, bool on);
bool container_is_stopping(const struct global_options *g, const char *id);
/* Its --label K=V as podman shows them: an object {"K": "V"} ("K" alone: ""); new. */
struct json_object *container_labels(struct json_object *opts);

/* [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 253 characters. */
bool container_name_valid(const char *s);

/*
 * kill -s and pod kill -s: podman's util.ParseSignal (a number or a name, with
 * or without SIG and one leading '-'; 1 through 64), in cmd-stop.c.
 */
int container_parse_signal(const char *arg, int *ret, struct pea_error **err);
/*
 * Stop a container: its stop signal, then SIGKILL after timeout seconds (< 0:
 * its --stop-timeout), then the cleanup. Not running is fine.
 */
int container_stop(struct global_options *g, const char *name, long timeout,
		   struct pea_error **err);
