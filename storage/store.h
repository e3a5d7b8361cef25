#pragma once

/*
 * The store on disk. Under the graph root:
 *
 *   storage.lock            flock: shared to read, exclusive to change
 *   store.json              {"driver": "overlay"}: a store keeps its driver
 *   layers/ID.json          layer records; images/ID.json (+ images/ID/ for the manifest
 *   images/ID.json          and config blobs); containers/ID.json
 *   containers/ID.json
 *   overlay/ID/diff, work, merged, link     a layer's files (vfs/ID/diff for vfs)
 *   overlay/l/LINK -> ../ID/diff            short names, to keep mount options short
 *   staging/TMP/, staging/TMP.lock          a layer being applied, locked by its writer
 *   staging/applying-ID.lock                held by the apply that will commit layer ID
 *   trash/ID-RANDOM/        a removed layer's files, waiting for their removal (trash.h)
 *
 * and under the run root mounts/ID.json, the mount count of a layer, and
 * applies/failed-ID, why the last apply of layer ID ended without committing it (for
 * the applies of its children that wait for it; removed when a new apply of ID starts).
 * A record is the
 * commit point: it is written (atomically) after the files it describes, so a crash
 * leaves at worst files without a record, which the next open removes.
 */

#include <stdbool.h>
#include <stdint.h>

struct pea_error;
struct json_object;
struct global_options;
struct timespec;

struct store {
	char *graph_root;
	char *run_root;
	char *driver; /* "overlay" or "vfs" */
	char *mount_program;
	char *mountopt;
	bool volatile_mount;  /* new overlay mounts "volatile" (container create --volatile) */
	bool records_nosync;  /* records replaced without fsync (the same) */
	bool records_ordered; /* records written out and renamed; one fsync at the end */
	bool ignore_chown_errors;
	/* pea_sync=deferred: applied layers committed unsynced (durable.h); never for vfs */
	bool sync_deferred;
	bool rootless; /* not root in the initial user namespace */
	int root_fd;
	int run_fd;
	int lock_fd;
	int driver_fd;	  /* graph_root/DRIVER */
	char **repaired;  /* what the open removed (crash leftovers) */
	bool repair_done; /* the open ran store_repair */
	int state_fd;	  /* run_root/repair-state (store_mark_clean) */
	/* driver_remove_layer moves the layer into the trash (trash.h): container rm */
	bool use_trash;
	int trash_fd; /* graph_root/trash, once opened */
	struct trash_entry {
		char *name;
		int fd; /* its flock: held while it waits for its removal */
	} * trash;
	size_t n_trash;
};

/*
 * Open (creating) the store and lock it. An exclusive open (a writer) first
 * removes what a crash left behind (store_repair), unless the last writer
 * marked the store clean (store_mark_clean) in this boot; it then marks it
 * dirty until it is done. A shared one (a reader: ls, inspect, diff) of a
 * store already made does not repair: it sees records only, and a leftover
 * has none, so it would list the same. The scan (one stat per layer, image
 * and overlay/l link) made each `pea run` slower with every container.
 */
int store_open(const struct global_options *g, bool exclusive, struct store **ret,
	       struct pea_error **err);
/*
 * A writer done without leaving anything for store_repair (a container's
 * create, mount, unmount, rm that succeeded): the next writer's open skips
 * the repair. Not while staging/ holds anything (an apply in flight, or one
 * killed: its leftovers are the repair's).
 */
void store_mark_clean(struct store *s);
struct store *store_free(struct store *s);
/* Release the store lock (for the long part of an apply) and take it again. */
void store_unlock(struct store *s);
int store_relock(struct store *s, struct pea_error **err);

/* What the next open cleans, reported by `check`. */
struct repair_report {
	char **removed; /* "staging/x", "overlay/ID" */
};
int store_repair(struct store *s, struct repair_report *rep, struct pea_error **err);

/*
 * The apply of layer id ended without committing it (it failed, or it was killed): say why
 * to the applies that wait for it.
 */
void store_mark_failed(struct store *s, const char *id, const char *why);
void store_unmark_failed(struct store *s, const char *id);
/* Did an apply of layer id fail at since or later (CLOCK_REALTIME_COARSE)? Why, if so. */
bool store_failed_since(struct store *s, const char *id, const struct timespec *since,
			char **ret_why);
/* Remove every failure note (check --repair); the names removed go to rep. */
void store_forget_failures(struct store *s, struct repair_report *rep);

/* Records: kind is "layers", "images" or "containers". */
int store_record_read(struct store *s, const char *kind, const char *id, struct json_object **ret,
		      struct pea_error **err);
int store_record_write(struct store *s, const char *kind, const char *id, struct json_object *o,
		       struct pea_error **err);
int store_record_remove(struct store *s, const char *kind, const char *id, struct pea_error **err);
bool store_record_exists(struct store *s, const char *kind, const char *id);
/* Ids of every record of a kind, sorted. */
int store_record_ids(struct store *s, const char *kind, char ***ret, struct pea_error **err);

/* One record of a kind as the JSON that `ls` and `inspect` print. */
typedef int (*store_record_json_fn)(struct store *s, const char *id, struct json_object **ret,
				    struct pea_error **err);
/* Every record of a kind, each through to_json, as a JSON array. */
int store_list_json(struct store *s, const char *kind, store_record_json_fn to_json,
		    struct json_object **ret, struct pea_error **err);

/*
 * Tests of crash safety: the process kills itself (SIGKILL) at the point named by
 * $PEA_STORAGE_TEST_CRASH, between two steps of an operation.
 */
void store_crash_point(const char *name);

/* Default graph and run roots (root or rootless). */
char *store_default_graph_root(void);
char *store_default_run_root(void);
