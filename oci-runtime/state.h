#pragma once

/*
 * The state directory: --root/ID/ (mode 1700: the sticky bit is pea-runtime's
 * mark, state_create_dir) holds state.json (written atomically) and,
 * between create and start, exec.fifo. The directory itself is the lock
 * (flock on its fd): create holds it exclusively until the state is written.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct json_object;
struct pea_error;
struct spec_annotation;

enum container_status {
	STATUS_CREATING,
	STATUS_CREATED,
	STATUS_RUNNING,
	STATUS_PAUSED,
	STATUS_STOPPED,
};

struct container_state {
	char *id;
	pid_t pid;
	unsigned long long start_time; /* of pid, from /proc/PID/stat: guards against reuse */
	char *bundle;
	char *config; /* the config file when not bundle/config.json (create --config), or "" */
	char *rootfs;
	char *created;
	uid_t owner;
	bool pidns;			 /* the container made its own pid namespace */
	bool mntns;			 /* ... and its own mount namespace (not joined) */
	struct json_object *annotations; /* object or NULL */
	struct json_object *hooks;	 /* the config's "hooks", or NULL */
	struct json_object *cgroups;	 /* cgroup_to_json(), or NULL: none made */
	struct json_object *resources;	 /* linux.resources as updated since, or NULL */
};

#define STATE_FIFO "exec.fifo"

/* Container IDs: [A-Za-z0-9_+.-], not "." or "..", at most 1024 bytes. */
int state_validate_id(const char *id, struct pea_error **err);
/* Open (with create: make, mode 0700) the --root directory. */
int state_open_root(const char *root, bool create, int *ret_fd, struct pea_error **err);
/* Make root/ID, marked (EEXIST: "container 'ID' already exists"), and lock it exclusively. */
int state_create_dir(int rootfd, const char *id, int *ret_dirfd, struct pea_error **err);
/* Before a create makes its cgroups: their path, kept with the folder (state.c). */
void state_mark_cgroup(int dirfd, const char *id, const char *path);
/* The cgroup path state_mark_cgroup kept, or NULL. */
char *state_left_cgroup(int dirfd, const char *id);
/* Open and lock root/ID (ENOENT: "container 'ID' does not exist"). */
int state_open_dir(int rootfd, const char *id, bool exclusive, int *ret_dirfd,
		   struct pea_error **err);
int state_remove_dir(int rootfd, const char *id, struct pea_error **err);

/* Write dirfd/name (name may be a path) as name.tmp, then rename: never torn, no fsync. */
int state_replace_file(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
		       struct pea_error **err);
int state_write(int dirfd, const struct container_state *st, struct pea_error **err);
/*
 * A directory without state.json (a create that died) reads as a stopped container; one
 * without pea-runtime's mark too (another runtime's, crun's) is refused: "not a pea-runtime
 * container".
 */
int state_read(int dirfd, const char *id, struct container_state **ret, struct pea_error **err);
struct container_state *state_free(struct container_state *st);

enum container_status state_status(int dirfd, const struct container_state *st);
const char *state_status_name(enum container_status s);
/* The runtime-spec state object ({"ociVersion","id","status","pid","bundle",...}). */
struct json_object *state_to_json(const struct container_state *st, enum container_status s);

/* An existing container, looked up by ID under --root, its directory locked. */
struct container_handle {
	int rootfd;
	int dirfd;
	struct container_state *st;
	enum container_status status;
};

int state_lookup(const char *root, const char *id, bool exclusive, struct container_handle *h,
		 struct pea_error **err);
void state_handle_close(struct container_handle *h);
/* For list: like state_lookup, but a container locked by its create is "creating". */
int state_peek(int rootfd, const char *id, struct container_handle *h);
/* A pidfd for the container's init, checked against its start time; -1 if it is gone. */
int state_pidfd(const struct container_state *st);

/* /proc/PID/stat: start time (field 22) and whether the process is a zombie. */
int proc_stat(pid_t pid, unsigned long long *ret_start, bool *ret_zombie);
bool state_pid_alive(const struct container_state *st);
char *state_now_rfc3339(void);
