#pragma once

/*
 * A container being created: what the parent (pea-runtime create/run) and
 * the container's init share across the clone. The init runs the steps of
 * linux-init.c and reports failures before execve over the sync socket.
 */

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <sys/types.h>

#include "spec.h"
#include "state.h"

struct global_options;
struct pea_error;
struct cgroup;
struct cgroup_join;
struct seccomp_filter;

struct create_options {
	const char *bundle; /* NULL: current directory */
	const char *config; /* crun's --config: NULL: config.json, else relative to the bundle */
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	int listen_fds; /* LISTEN_FDS in our environment (counted in preserve_fds too) */
	bool no_pivot;
	bool no_new_keyring;
	bool detach; /* run only */
	bool keep;   /* run only */
};

struct container {
	const struct global_options *g;
	const struct create_options *opts;
	const char *id;
	struct spec *spec;
	int rootfd;	   /* the --root directory */
	int rootfs_parent; /* the directory holding root.path: the init's cwd at the clone */
	int dirfd;	   /* the container's state directory, locked */
	int sync_parent;   /* parent's end of the sync socket */
	int sync_child;	   /* init's end */
	int console_fd;	   /* connected --console-socket, or -1 */
	int console_peer;  /* run in the foreground: where the pty master arrives */
	bool use_fifo;	   /* create: the init waits on exec.fifo; run: on the sync socket */
	int fifo_fd;	   /* create: exec.fifo's read end, opened before the clone, or -1 */
	unsigned long clone_flags;   /* CLONE_NEW* for the namespaces made new by clone */
	unsigned long unshare_flags; /* made new by the init itself after joining (user joined) */
	bool userns;		     /* the init runs in a user namespace other than ours */
	bool has_new_userns;
	bool new_cgroupns;  /* unshared by the init after SYNC_CGROUPS_DONE */
	bool cgroups_early; /* the init waits for its cgroups before its mounts */
	pid_t pid;
	unsigned long long start_time;
	int pidfd;
	char *created;			/* RFC 3339 */
	char *cgroup_path;		/* below each hierarchy's root (cgroup_path_for) */
	struct cgroup *cgroup;		/* NULL: none made (rootless without delegation) */
	struct cgroup_join *cg_join;	/* NULL: the parent moves the init into its cgroups */
	struct seccomp_filter *seccomp; /* compiled before the clone, or NULL */
	int seccomp_listener;		/* connected listenerPath (SCMP_ACT_NOTIFY), or -1 */
	int notify_fd;			/* run: STATE/notify/notify (NOTIFY_SOCKET), or -1 */
	int dmz_fd;    /* sealed pea-runtime-dmz the init ends in (exe-seal.c), or -1 */
	int *bind_fds; /* init: O_PATH fds of the bind sources, per mount, then of the nodes
			  made by the parent, per linux.devices entry (-1: none), or NULL */
	int sys_fd;    /* our /sys without its submounts (mounts_open_sys), or -1 */
};

/* Messages on the sync socket (SOCK_SEQPACKET): the first byte says which. */
enum sync_msg {
	SYNC_MOUNT_FDS = 'f',	 /* parent -> init: bind sources (SCM_RIGHTS), before 'm' */
	SYNC_MAPS_DONE = 'm',	 /* parent -> init: uid/gid maps written */
	SYNC_CGROUPS_DONE = 'c', /* parent -> init: in its cgroups (new cgroup namespace) */
	SYNC_HOOKS = 'h',	 /* init -> parent: mounts done, run createRuntime hooks */
	SYNC_HOOKS_DONE = 'H',	 /* parent -> init: done; payload: the state JSON */
	SYNC_READY = 'r',	 /* init -> parent: ready to exec */
	SYNC_START = 's',	 /* parent -> init (run): go */
	SYNC_ERROR = '{',	 /* either way: {"code":N,"message":"..."} */
};

#define SYNC_MAX 65536

int sync_send(int fd, enum sync_msg type, const char *payload, struct pea_error **err);
/* Receive one message, expecting type; an error report becomes *err. */
int sync_expect(int fd, enum sync_msg type, char **ret_payload, struct pea_error **err);
/* SYNC_MOUNT_FDS: mount indices idx[] and their fds; the init fills fds[index] until `until`. */
int sync_send_fds(int sock, const size_t *idx, const int *fds, size_t n, struct pea_error **err);
int sync_expect_fds(int sock, enum sync_msg until, int *fds, size_t n_fds, struct pea_error **err);

/* container.c: the parent's side */
int container_create(const struct global_options *g, const char *id,
		     const struct create_options *opts, bool for_run, struct container **ret,
		     struct pea_error **err);
/* The runtime-spec state JSON of c, as hooks read it. */
char *container_state_string(const struct container *c, enum container_status status);
/* Wait for a process that may not be our child to be gone (pidfd poll). */
int container_wait_gone(pid_t pid, int pidfd, int timeout_ms);
/* Kill the half-made container and remove its state. */
void container_abort(struct container *c);
struct container *container_free(struct container *c);

/* linux-init.c: the init, from clone to execve. Never returns. */
__attribute__((noreturn)) void init_main(struct container *c);
__attribute__((noreturn)) void init_fail(struct container *c, struct pea_error **err);

/* ns.c */
int ns_prepare_flags(struct container *c, struct pea_error **err);
int ns_join_paths(const struct spec *s, bool user_first, bool mount_only, struct pea_error **err);
/*
 * The init in a user namespace joined by path: its root, as runc and crun make it.
 * setns() keeps the caller's ids, the host's root is seldom mapped there, and the
 * init would make its mounts' folders as the overflow id (EOVERFLOW on the tmpfs
 * at /dev it mounts in there: a pod's member joining its infra's namespace). After
 * the clone: the intermediate, still the host's root, clones into the cgroup. An id
 * 0 that is not mapped (EINVAL) is left as it is.
 */
int ns_user_root(const struct spec *s, struct pea_error **err);
int ns_write_maps(const struct spec *s, pid_t pid, struct pea_error **err);
int ns_set_time_offsets(const struct spec *s, struct pea_error **err);
bool ns_id_mapped(const struct spec_idmap *m, size_t n, uint32_t id);

/* mounts.c: the root filesystem, before and after pivot_root */
int mounts_prepare_root(const struct spec *s, bool by_path, int *ret_rootfd,
			struct pea_error **err);
/*
 * src_fds: NULL, or per mount an O_PATH fd of the bind source opened by the parent (-1: none);
 * *sys_fd: the parent's mounts_open_sys, taken (set to -1) by a sysfs mount that falls back to it
 */
int mounts_apply(const struct spec *s, int rootfd, const int *src_fds, int *sys_fd, bool userns,
		 struct pea_error **err);
/* Parent, before the clone: c->sys_fd for a sysfs the init may not mount. */
int mounts_open_sys(struct container *c, struct pea_error **err);
/* Parent: open the bind sources in the init's mount namespace, as the caller, and send them. */
bool mounts_sources_wanted(const struct container *c);
int mounts_send_sources(struct container *c, struct pea_error **err);
/* Read-only tmpfs mounts (/dev) made read-only, once what goes below them is made. */
int mounts_finish_readonly(const struct spec *s, int rootfd, struct pea_error **err);
int mounts_pivot(const struct spec *s, int rootfd, bool no_pivot, struct pea_error **err);
/* mkdir -p inside the rootfs, symlinks followed inside it. */
int mounts_mkdir_in_root(int rootfd, const char *path, struct pea_error **err);
/* Mount onto an O_PATH fd (through /proc/self/fd). */
int mounts_mount_fd(const char *source, int targetfd, const char *target_name, const char *fstype,
		    unsigned long flags, const char *data, struct pea_error **err);
int mounts_bind_remount(int targetfd, const char *name, unsigned long flags,
			struct pea_error **err);

/* copyup.c: tmpcopyup, a tmpfs filled with what the directory it covers has */
/* Before the mount: the covered directory, opened for reading through the target's O_PATH fd. */
int copyup_open_source(int targetfd, int *ret_fd, struct pea_error **err);
/* After: copy it into the tmpfs (root_attrs: its root takes the directory's owner and mode). */
int copyup_fill(int srcfd, int tmpfs_fd, bool root_attrs, struct pea_error **err);

/* devices.c */
/* node_fds: NULL, or per linux.devices entry an O_PATH fd of the node the parent made (-1: none) */
int devices_create(const struct spec *s, int rootfd, bool userns, const int *node_fds,
		   struct pea_error **err);
int devices_make_outside(const struct container *c, size_t i, int *ret_fd, struct pea_error **err);

/* terminal.c */
int terminal_setup(const struct spec *s, int rootfd, int console_fd, int *ret_slave,
		   struct pea_error **err);
int terminal_make_controlling(int slave, struct pea_error **err);
int terminal_send_fd(int sock, int fd, struct pea_error **err);
int terminal_connect(const char *path, int *ret_fd, struct pea_error **err);

/* console.c: run in the foreground with a terminal and no --console-socket */
int console_proxy(struct container *c, int sfd, int *ret_status, struct pea_error **err);

/* process.c: credentials, capabilities, limits of the container process */
int process_clamp_rlimits(struct spec *s);
int process_apply_limits(const struct spec *s, bool no_new_keyring, const char *id,
			 struct pea_error **err);
int process_apply_creds(const struct spec *s, struct pea_error **err);
/* HOME from /etc/passwd (else "/") when process.env has none, as runc does. */
void process_default_home(struct spec *s);
int process_resolve_exec(const struct spec *s, char **ret_path, struct pea_error **err);

/* hooks.c */
int hooks_run(const struct spec_hooks *h, const char *kind, const char *state_json,
	      struct pea_error **err);

/* cmd-create.c: the options of create and run; returns the ID's index in argv, 0 for --help. */
int create_parse_args(const char *cmd, const char *usage, bool for_run, int argc, char **argv,
		      struct create_options *o, struct pea_error **err);
/* cmd-run.c: the signals run (and exec) forward; waiting for the process, forwarding them. */
void run_forwarded_signals(sigset_t *set);
int run_wait_container(const struct container *c, int sfd, int *ret_status, struct pea_error **err);
/* cmd-kill.c: signal every process of the container but its init (kill --all, delete -f). */
int container_kill_all(const struct container_state *st, int sig, struct pea_error **err);
/* cmd-delete.c: poststop hooks and removal of the state of a stopped container. */
int container_destroy(struct container_handle *h, struct pea_error **err);
