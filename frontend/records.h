#pragma once

/*
 * Container records: ROOT/containers/ID/pea.json, one per container, replaced
 * whole (write, rename: fsynced where a crash matters, see records.c), so
 * readers (ps, inspect) need no lock. The
 * folder also holds the bundle (config.json), the log (ctr.log) and the
 * monitor's files.
 *
 * Locks (flock):
 *   ROOT/containers.lock  the records folder: name and ID allocation (create,
 *                         rename), held for a few milliseconds;
 *   RUNROOT/locks/ID      one container's life cycle (start, stop, kill, rm,
 *                         cleanup, restart, update), as podman's per-container
 *                         locks; removed with the container.
 * Order: the records lock, then a container's, never the other way round; and
 * never two containers' locks at once. One exception: a create takes its new
 * container's lock first (its storage container is made under it, before the
 * records lock and the record: cmd-create.c), a lock no command waits for
 * while it holds the records lock (only removals of orphans find that id, and
 * they try it without waiting). A command that holds a container's lock
 * waits for no process that needs it (the exit command runs after the exit
 * file it waits for is written).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct json_object;
struct pea_error;
struct global_options;

enum ctr_state {
	CTR_CREATED,
	CTR_RUNNING,
	CTR_EXITED,
};

struct ctr_record {
	char *id;
	char *name;
	char *image_id;
	char *image_name;
	char *created;
	enum ctr_state state;
	int pid;
	int exit_code;
	char *started_at;
	char *finished_at;
	bool rm;
	bool mounted;	      /* its root is mounted (start mounts, cleanup unmounts) */
	char *runtime;	      /* the runtime it was started with */
	bool paused;	      /* running but frozen (pea pause): see record_note_paused() */
	int restart_count;    /* restarts by its --restart policy (restart.h) */
	char *restarted_from; /* finished_at of the exit that was last restarted from */
	int restart_delay_ms; /* the wait before the last restart (restart.h) */
	bool net_down;	      /* not saved: this process's runtime delete tore its network down */
	/* The create options as given (args, env, mounts, ...): see cmd-create.c. */
	struct json_object *opts;
};

struct ctr_record *ctr_record_free(struct ctr_record *r);
void ctr_record_freep(struct ctr_record **r);
#define _cleanup_record_ __attribute__((cleanup(ctr_record_freep)))

const char *ctr_state_name(enum ctr_state s);

/* ROOT/containers/ID (new string). */
char *record_dir(const struct global_options *g, const char *id);
/* RUNROOT/exits/ID. */
char *record_exit_file(const struct global_options *g, const char *id);
char *record_runtime_root(const struct global_options *g);

/* Take the records lock (exclusive), creating the folders. */
int records_lock(const struct global_options *g, int *ret_fd, struct pea_error **err);

/*
 * Take container id's lock (RUNROOT/locks/ID); nonblock: EWOULDBLOCK when
 * another command holds it. The lock is the file's current inode, never one
 * that a removal unlinked meanwhile.
 */
int record_lock(const struct global_options *g, const char *id, bool nonblock, int *ret_fd,
		struct pea_error **err);
/* Remove the lock file of a container that is gone (its lock held); closes fd. */
int record_lock_drop(const struct global_options *g, const char *id, int fd);
/*
 * record_lookup, take the container's lock, load its record again (another
 * command may have changed or removed it meanwhile) and bring it up to date
 * with its exit file (saved). ENOENT as record_lookup when it is gone.
 */
int record_lookup_locked(const struct global_options *g, const char *what, struct ctr_record **ret,
			 int *ret_lock, struct pea_error **err);

int record_load(const struct global_options *g, const char *id, struct ctr_record **ret,
		struct pea_error **err);
/* Write (caller holds the lock); creates the folder. */
int record_save(const struct global_options *g, const struct ctr_record *r, struct pea_error **err);
/*
 * The first save of a new container: durable once pea-storage's container
 * create that follows it has returned (its fsync commits this record too, on
 * one ext4 or xfs; elsewhere this save fsyncs), but for a --rm container,
 * whose record, layer and mount are all volatile (a crash may lose them, as
 * podman's volatile mount of such a container may lose its files): no fsync
 * on its way.
 */
int record_save_new(const struct global_options *g, const struct ctr_record *r,
		    struct pea_error **err);
/*
 * On a filesystem without an ordered journal, record_save_new leaves the
 * fsync of the new record's folder (its rename) for later: this does it (a
 * no-op when none is pending). The start calls it while the monitor starts;
 * pea's exit does at the latest.
 */
int records_sync_new(struct pea_error **err);
/*
 * Save the life-cycle fields of r (state, pid, exit code, times, mounted,
 * runtime, restarts) into the record as it is now on disk, keeping its other
 * fields: a start or cleanup never undoes a rename or a network connect made
 * meanwhile by a command that holds only the records lock. Caller holds the
 * container's lock.
 */
int record_save_state(const struct global_options *g, const struct ctr_record *r,
		      struct pea_error **err);
/* Every record, oldest first. */
int records_list(const struct global_options *g, struct ctr_record ***ret, size_t *ret_n,
		 struct pea_error **err);
/*
 * The same, and the ids of the folders whose record cannot be read (not a create in flight)
 * pushed to *ret_bad, for the caller to say or use (records_list warns of each).
 */
int records_list_bad(const struct global_options *g, struct ctr_record ***ret, size_t *ret_n,
		     char ***ret_bad, struct pea_error **err);
void records_free(struct ctr_record **v, size_t n);
/*
 * Every record's id and name (two lists of the same length, any order), for
 * a create's name check: a fraction of records_list's cost (no parse of the
 * whole records).
 */
int records_names(const struct global_options *g, char ***ret_ids, char ***ret_names,
		  struct pea_error **err);
/*
 * By full id, name or unique id prefix. ENOENT: 'no container with name or ID
 * "x" found: no such container'.
 */
int record_lookup(const struct global_options *g, const char *what, struct ctr_record **ret,
		  struct pea_error **err);

/*
 * Bring a running record up to date with its exit file (the monitor writes
 * it when the container ends). Returns true when the record changed.
 */
bool record_sync_exit(const struct global_options *g, struct ctr_record *r);
/*
 * record_sync_exit, then save when it changed, unless another command holds
 * the container's lock (that one saves it): readers never wait.
 */
int record_refresh(const struct global_options *g, struct ctr_record *r, struct pea_error **err);
