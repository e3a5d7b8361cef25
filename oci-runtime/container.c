#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#include "cgroup.h"
#include "container.h"
#include "notify.h"
#include "seccomp.h"
#include "runtime.h"
#include "state.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* ---- the state ---------------------------------------------------------------------- */

static void container_state_fill(const struct container *c, struct container_state *st)
{
	const struct spec *s = c->spec;

	memset(st, 0, sizeof(*st));
	st->id = (char *)c->id;
	st->pid = c->pid;
	st->start_time = c->start_time;
	st->bundle = s->bundle;
	st->config = (char *)c->opts->config;
	st->rootfs = s->root_path;
	st->created = c->created;
	st->owner = geteuid();
	st->pidns = spec_namespace(s, CLONE_NEWPID) && !spec_namespace(s, CLONE_NEWPID)->path;
	st->mntns = spec_namespace(s, CLONE_NEWNS) && !spec_namespace(s, CLONE_NEWNS)->path;
	if (s->n_annotations) {
		st->annotations = json_object_new_object();
		for (size_t i = 0; i < s->n_annotations; i++)
			json_object_object_add(st->annotations, s->annotations[i].key,
					       json_object_new_string(s->annotations[i].value));
	}
	if (s->hooks_json)
		pea_json_parse(s->hooks_json, strlen(s->hooks_json), "hooks", &st->hooks, NULL);
	if (c->cgroup)
		st->cgroups = cgroup_to_json(c->cgroup);
	if (s->resources_json)
		pea_json_parse(s->resources_json, strlen(s->resources_json), "resources",
			       &st->resources, NULL);
}

static void container_state_clear(struct container_state *st)
{
	json_object_put(st->annotations);
	json_object_put(st->hooks);
	json_object_put(st->cgroups);
	json_object_put(st->resources);
}

/* The runtime-spec state as hooks get it on stdin. */
static char *container_state_json(const struct container *c, enum container_status status)
{
	struct container_state st;
	_cleanup_json_ struct json_object *o = NULL;
	char *s;

	container_state_fill(c, &st);
	o = state_to_json(&st, status);
	s = xstrdup(pea_json_to_string(o));
	container_state_clear(&st);
	return s;
}

static int container_write_state(const struct container *c, struct pea_error **err)
{
	struct container_state st;
	int r;

	container_state_fill(c, &st);
	r = state_write(c->dirfd, &st, err);
	container_state_clear(&st);
	return r;
}

/* ---- spawning the init ------------------------------------------------------------------ */

/* clone3()'s arguments (linux/sched.h, which clashes with glibc's sched.h). */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

#define CLONE3_INTO_CGROUP 0x200000000ULL

/*
 * Straight into the cgroup2 hierarchy when there is one to join; a kernel
 * without clone3 or CLONE_INTO_CGROUP (< 5.7), or one that refuses it,
 * gets a plain clone and the parent moves the init there (cgroup_enter).
 */
static pid_t clone_into_cgroup(struct container *c)
{
	struct clone3_args a = { .exit_signal = SIGCHLD };
	pid_t pid;

	if (c->cg_join && c->cg_join->v2_fd >= 0) {
		a.flags = c->clone_flags | CLONE3_INTO_CGROUP;
		a.cgroup = (uint64_t)c->cg_join->v2_fd;
		pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
		if (pid >= 0) {
			c->cg_join->into_v2 = true;
			return pid;
		}
		log_debug("clone3 into the cgroup: %s, the parent moves the init", strerror(errno));
	}
	return (pid_t)syscall(SYS_clone, c->clone_flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

/* The init starts in the rootfs's parent directory (see mounts_prepare_root). */
static pid_t clone_init(struct container *c)
{
	_cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	pid_t pid;

	if (cwd < 0 || fchdir(c->rootfs_parent) < 0)
		return -1;
	pid = clone_into_cgroup(c);
	if (pid == 0)
		init_main(c);
	if (fchdir(cwd) < 0)
		log_warning("cannot return to the working directory: %s, ignoring",
			    strerror(errno));
	return pid;
}

/*
 * Namespaces given by path (and a new time namespace, which only unshare()
 * makes) are entered by a short-lived intermediate process, so that neither
 * pea-runtime nor the hooks it runs end up in them. It clones the init,
 * reports its pid and exits; the init is reparented to the subreaper.
 */
static bool needs_intermediate(const struct spec *s)
{
	for (size_t i = 0; i < s->n_namespaces; i++)
		if (s->namespaces[i].path || s->namespaces[i].type == CLONE_NEWTIME)
			return true;
	return false;
}

static __attribute__((noreturn)) void intermediate_main(struct container *c, int report)
{
	_cleanup_error_ struct pea_error *err = NULL;
	const struct spec_namespace *time = spec_namespace(c->spec, CLONE_NEWTIME);
	char msg[sizeof(pid_t) + 1];
	pid_t pid;

	if (ns_join_paths(c->spec, false, false, &err) < 0 ||
	    (time && !time->path && ns_set_time_offsets(c->spec, &err) < 0)) {
		pea_error_to_fd(report, err);
		_exit(1);
	}
	pid = clone_init(c);
	if (pid < 0) {
		pea_error_errno(&err, "clone the container init");
		pea_error_to_fd(report, err);
		_exit(1);
	}
	/* the pid, and whether it was cloned into its cgroup2 one: one write, one read */
	memcpy(msg, &pid, sizeof(pid));
	msg[sizeof(pid)] = c->cg_join && c->cg_join->into_v2 ? '1' : '0';
	if (write(report, msg, sizeof(msg)) != (ssize_t)sizeof(msg))
		_exit(1);
	_exit(0);
}

static int spawn_via_intermediate(struct container *c, struct pea_error **err)
{
	char buf[4096];
	int pipefd[2], status;
	ssize_t n;
	pid_t mid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe");
	mid = fork();
	if (mid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return pea_error_errno(err, "fork");
	}
	if (mid == 0) {
		close(pipefd[0]);
		intermediate_main(c, pipefd[1]);
	}
	close(pipefd[1]);
	do
		n = read(pipefd[0], buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(pid_t) + 1) {
		memcpy(&c->pid, buf, sizeof(pid_t));
		if (c->cg_join)
			c->cg_join->into_v2 = buf[sizeof(pid_t)] == '1';
		return 0;
	}
	if (n > 0)
		return pea_error_from_buf(err, buf, (size_t)n);
	return pea_error_new(err, EIO, "the namespace-joining process failed");
}

static int spawn_init(struct container *c, struct pea_error **err)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return pea_error_errno(err, "socketpair");
	c->sync_parent = sv[0];
	c->sync_child = sv[1];
	if (needs_intermediate(c->spec)) {
		if (spawn_via_intermediate(c, err) < 0)
			return -EINVAL;
	} else {
		c->pid = clone_init(c);
		if (c->pid < 0)
			return pea_error_errno(err, "clone the container init");
	}
	c->sync_child = pea_close(c->sync_child);
	/* only the init holds the read end: `start` finds no reader once it is gone */
	c->fifo_fd = pea_close(c->fifo_fd);
	c->pidfd = pea_pidfd_open(c->pid, 0);
	if (c->pidfd < 0)
		return pea_error_errno(err, "pidfd_open %d", (int)c->pid);
	if (proc_stat(c->pid, &c->start_time, NULL) < 0)
		return pea_error_new(err, ESRCH, "the container init exited at once");
	return 0;
}

/* The init failed without a word: say how it ended, if it is ours to reap. */
static int init_died(struct container *c, struct pea_error **err)
{
	_cleanup_free_ char *how = NULL;
	int status;

	if (!pea_error_is(*err, EPIPE))
		return -EINVAL;
	if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
		how = pea_describe_wait_status(status);
		c->pid = 0;
	}
	pea_error_free(*err);
	*err = NULL;
	return pea_error_new(err, EIO, "the container init %s before it was ready",
			     how ? how : "exited");
}

/*
 * The init ended before it could be moved into its cgroups (a program that
 * cannot run is found early): what it sent says why, better than ESRCH.
 */
static int init_gone(struct container *c, struct pea_error *moved, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *mv = moved;

	for (int i = 0; i < 8; i++) {
		if (sync_expect(c->sync_parent, SYNC_READY, NULL, err) == 0) {
			*err = TAKE_PTR(mv);
			return -EINVAL;
		}
		if (!pea_error_is(*err, EPROTO))
			return init_died(c, err);
		/* a step message it sent before failing: read on */
		pea_error_free(*err);
		*err = NULL;
	}
	*err = TAKE_PTR(mv);
	return -EINVAL;
}

/* Where the cgroups cannot be made: none for an ordinary user, an error for root. */
static int cgroups_refused(struct pea_error *cerr, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *e = cerr;

	if (!e)
		return pea_error_new(err, EIO, "cgroups: failed without a reason");
	if (e->code != EACCES && e->code != EPERM && e->code != EROFS) {
		*err = TAKE_PTR(e);
		return -EINVAL;
	}
	if (geteuid() != 0) {
		log_warning("%s: cgroups are not delegated to uid %u, no limits apply, ignoring",
			    e->message, (unsigned)geteuid());
		return 0;
	}
	/*
	 * Root of a user namespace (rootless pea's): the engine knows cgroups
	 * are not its own there and says so when limits were asked for; quiet,
	 * as crun is.
	 */
	if (!pea_in_initial_userns()) {
		log_debug("%s: not delegated to this user namespace, no limits apply", e->message);
		return 0;
	}
	*err = TAKE_PTR(e);
	return -EINVAL;
}

/*
 * The init's cgroups, made and limited before the clone. Root of the host
 * then has the init join them by itself (cgroup_join_open says why); an
 * ordinary user's init is moved by the parent, which leaves out the
 * hierarchies not delegated to it.
 */
static int container_cgroups_prepare(struct container *c, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *cerr = NULL;
	struct cgroup_join *j;

	state_mark_cgroup(c->dirfd, c->id, c->cgroup_path);
	if (cgroup_prepare(c->cgroup_path, c->spec, &c->cgroup, &cerr) < 0)
		return cgroups_refused(TAKE_PTR(cerr), err);
	if (geteuid() != 0 || !pea_in_initial_userns())
		return 0;
	j = xnew(struct cgroup_join, 1);
	if (cgroup_join_open(c->cgroup, j, &cerr) < 0) {
		log_debug("%s: the parent moves the init", cerr->message);
		free(j);
		return 0;
	}
	c->cg_join = j;
	return 0;
}

/* After the clone: what the init did not join by itself. */
static int container_cgroups_enter(struct container *c, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *cerr = NULL;

	if (c->cg_join)
		cgroup_join_close(c->cg_join);
	if (!c->cgroup || cgroup_enter(c->cgroup, c->pid, c->cg_join, &cerr) == 0)
		return 0;
	if (cerr && cerr->code == ESRCH)
		return init_gone(c, TAKE_PTR(cerr), err);
	if (cgroups_refused(TAKE_PTR(cerr), err) < 0)
		return -EINVAL;
	/* none of them is ours: the init stays where we are */
	cgroup_destroy(c->cgroup, NULL);
	c->cgroup = cgroup_free(c->cgroup);
	return 0;
}

/* ---- create -------------------------------------------------------------------------- */

static bool has_create_hooks(const struct spec *s)
{
	return s->hooks[HOOK_PRESTART].n || s->hooks[HOOK_CREATE_RUNTIME].n ||
	       s->hooks[HOOK_CREATE_CONTAINER].n;
}

/* Let the init go on: its maps are written, it is in its cgroups. */
static int container_release(struct container *c, struct pea_error **err)
{
	if (c->has_new_userns) {
		if (ns_write_maps(c->spec, c->pid, err) < 0 ||
		    (mounts_sources_wanted(c) && mounts_send_sources(c, err) < 0) ||
		    sync_send(c->sync_parent, SYNC_MAPS_DONE, NULL, err) < 0)
			return -EINVAL;
	}
	if (sync_send(c->sync_parent, SYNC_CGROUPS_DONE, NULL, err) < 0)
		return init_died(c, err);
	return 0;
}

/* The nodes devices_make_outside made: bound by the init now, their names are not needed. */
static void remove_made_devices(struct container *c)
{
	_cleanup_error_ struct pea_error *e = NULL;

	if (faccessat(c->dirfd, "devices", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (pea_rm_rf_at(c->dirfd, "devices", &e) < 0)
		log_warning("%s, ignoring", e->message);
}

/* Talk the init through the rest of its steps, up to ready. */
static int container_sync(struct container *c, struct pea_error **err)
{
	const struct spec *s = c->spec;

	if (has_create_hooks(s)) {
		_cleanup_free_ char *state = NULL;

		if (sync_expect(c->sync_parent, SYNC_HOOKS, NULL, err) < 0)
			return init_died(c, err);
		state = container_state_json(c, STATUS_CREATING);
		if (hooks_run(&s->hooks[HOOK_PRESTART], "prestart", state, err) < 0 ||
		    hooks_run(&s->hooks[HOOK_CREATE_RUNTIME], "createRuntime", state, err) < 0 ||
		    sync_send(c->sync_parent, SYNC_HOOKS_DONE, state, err) < 0)
			return -EINVAL;
	}
	if (sync_expect(c->sync_parent, SYNC_READY, NULL, err) < 0)
		return init_died(c, err);
	if (c->has_new_userns)
		remove_made_devices(c);
	return 0;
}

static int write_pid_file(const char *path, pid_t pid, struct pea_error **err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	if (state_replace_file(AT_FDCWD, path, buf, (size_t)n, 0644, err) < 0)
		return pea_error_wrap(err, "--pid-file '%s'", path);
	return 0;
}

/*
 * LSM labels, as runc treats them: an AppArmor profile or a mount label
 * means nothing on a host without that LSM and is skipped; a process SELinux
 * label is an error there. Where the LSM is on, pea-runtime cannot apply
 * them yet, and says so.
 */
static bool lsm_enabled(const char *file)
{
	char buf[4] = "";
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);

	return fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && buf[0] != 'N';
}

static int check_labels(const struct spec *s, struct pea_error **err)
{
	bool apparmor = lsm_enabled("/sys/module/apparmor/parameters/enabled");
	bool selinux = lsm_enabled("/sys/fs/selinux/enforce");

	if (s->process.apparmor_profile && apparmor)
		return pea_error_new(err, ENOTSUP,
				     "config.json: process.apparmorProfile: not "
				     "supported by pea-runtime");
	if (s->process.selinux_label)
		return pea_error_new(err, ENOTSUP, "config.json: process.selinuxLabel: %s",
				     selinux ? "not supported by pea-runtime"
					     : "SELinux is not enabled on this host");
	if (s->mount_label && selinux)
		return pea_error_new(err, ENOTSUP,
				     "config.json: linux.mountLabel: not supported by pea-runtime");
	if (s->process.apparmor_profile)
		log_debug("AppArmor is off on this host: process.apparmorProfile ignored");
	if (s->mount_label)
		log_debug("SELinux is off on this host: linux.mountLabel ignored");
	return 0;
}

static int check_options(struct container *c, bool for_run, struct pea_error **err)
{
	struct spec *s = c->spec;
	struct stat st;

	char *real;

	if (stat(s->root_path, &st) < 0)
		return pea_error_errno(err, "root.path: rootfs '%s'", s->root_path);
	real = realpath(s->root_path, NULL);
	if (!real)
		return pea_error_errno(err, "root.path: rootfs '%s'", s->root_path);
	free(s->root_path);
	s->root_path = real;
	if (strcmp(real, "/") == 0)
		return pea_error_new(err, EINVAL, "root.path: the rootfs cannot be '/'");
	if (!S_ISDIR(st.st_mode))
		return pea_error_new(err, ENOTDIR, "root.path: rootfs '%s' is not a directory",
				     s->root_path);
	/* run in the foreground proxies the terminal itself (console.c) */
	if (s->process.terminal && !c->opts->console_socket && !(for_run && !c->opts->detach))
		return pea_error_new(err, EINVAL,
				     "process.terminal is set: --console-socket is required");
	if (c->opts->preserve_fds < 0 || c->opts->preserve_fds > 1 << 20)
		return pea_error_new(err, EINVAL, "--preserve-fds: invalid number");
	(void)for_run;
	if (cgroup_path_for(s->cgroups_path, c->id, c->g->systemd_cgroup, &c->cgroup_path, err) < 0)
		return -EINVAL;
	return check_labels(s, err);
}

static int open_rootfs_parent(struct container *c, struct pea_error **err)
{
	_cleanup_free_ char *parent = xstrdup(c->spec->root_path);
	char *slash = strrchr(parent, '/');

	slash[slash == parent ? 1 : 0] = '\0';
	c->rootfs_parent = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfs_parent < 0)
		return pea_error_errno(err, "root.path: open '%s'", parent);
	return 0;
}

/* LISTEN_FDS=N and LISTEN_PID=1 in the process's environment, replacing any there. */
static void set_listen_env(struct spec *s, int n)
{
	char **env = NULL;

	for (size_t i = 0; s->process.env && s->process.env[i]; i++)
		if (strncmp(s->process.env[i], "LISTEN_FDS=", 11) != 0 &&
		    strncmp(s->process.env[i], "LISTEN_PID=", 11) != 0)
			pea_strv_push(&env, s->process.env[i]);
	pea_strv_push_take(&env, xasprintf("LISTEN_FDS=%d", n));
	pea_strv_push(&env, "LISTEN_PID=1");
	pea_strv_free(s->process.env);
	s->process.env = env;
}

/*
 * The init can end in pea-runtime-dmz instead of our re-executing from a
 * sealed copy of the whole binary (exe-seal.c): its own pid namespace (no
 * process of the container sees ours), and nothing left for the init to do
 * after start but execve (no startContainer hooks; a seccomp listener is
 * sent with the state that start's go carries), and a seccomp filter, which
 * is loaded before, that lets the dmz's few system calls through.
 */
static bool dmz_fits(const struct container *c)
{
	const struct spec *s = c->spec;

	if (!runtime_has_dmz() || !(c->clone_flags & CLONE_NEWPID) ||
	    s->hooks[HOOK_START_CONTAINER].n)
		return false;
	if (c->seccomp) /* from the cache: seccomp_early */
		return seccomp_filter_allows_dmz(c->seccomp);
	return !s->seccomp ||
	       (!s->seccomp->notify && seccomp_allows(s->seccomp, seccomp_dmz_calls));
}

/*
 * linux.seccomp left unparsed (spec_load_deferred): its program from the
 * cache, or the text parsed now, for seccomp_compile. podman's profile is
 * ~9 of config.json's 12 kB: its parse (json-c's objects, the profile's
 * structures, its text written back as the key) was ~1 ms of create's CPU.
 */
static int seccomp_early(struct container *c, struct pea_error **err)
{
	if (!c->spec->seccomp_text || c->spec->seccomp ||
	    seccomp_cached(c->g->root, c->spec->seccomp_text, &c->seccomp) > 0)
		return 0;
	return spec_seccomp_materialize(c->spec, err);
}

static int bundle_path(const char *bundle, char **ret, struct pea_error **err)
{
	char *p = realpath(bundle ? bundle : ".", NULL);

	if (!p)
		return pea_error_errno(err, "bundle '%s'", bundle ? bundle : ".");
	*ret = p;
	return 0;
}

int container_create(const struct global_options *g, const char *id,
		     const struct create_options *opts, bool for_run, struct container **ret,
		     struct pea_error **err)
{
	_cleanup_free_ char *bundle = NULL, *start_state = NULL;
	bool pid_file_written = false;
	struct container *c;

	if (state_validate_id(id, err) < 0 || bundle_path(opts->bundle, &bundle, err) < 0)
		return -EINVAL;
	c = xnew(struct container, 1);
	*c = (struct container){ .g = g,
				 .opts = opts,
				 .id = id,
				 .rootfd = -1,
				 .dirfd = -1,
				 .sync_parent = -1,
				 .sync_child = -1,
				 .console_fd = -1,
				 .rootfs_parent = -1,
				 .console_peer = -1,
				 .pidfd = -1,
				 .seccomp_listener = -1,
				 .fifo_fd = -1,
				 .notify_fd = -1,
				 .dmz_fd = -1,
				 .sys_fd = -1,
				 .use_fifo = !for_run };
	if (spec_load_deferred(bundle, opts->config, &c->spec, err) < 0 ||
	    seccomp_early(c, err) < 0 || check_options(c, for_run, err) < 0 ||
	    open_rootfs_parent(c, err) < 0 || ns_prepare_flags(c, err) < 0 ||
	    runtime_protect_exe(g->argv, dmz_fits(c) ? &c->dmz_fd : NULL, err) < 0) {
		container_free(c);
		return -EINVAL;
	}
	if (mounts_open_sys(c, err) < 0) {
		container_free(c);
		return -EINVAL;
	}
	if (opts->listen_fds > 0)
		set_listen_env(c->spec, opts->listen_fds);
	process_clamp_rlimits(c->spec);
	c->created = state_now_rfc3339();
	if (state_open_root(g->root, true, &c->rootfd, err) < 0 ||
	    state_create_dir(c->rootfd, id, &c->dirfd, err) < 0) {
		container_free(c);
		return -EINVAL;
	}
	/* from here on a failure removes what was made: container_abort */
	if (c->use_fifo && mkfifoat(c->dirfd, STATE_FIFO, 0600) < 0) {
		pea_error_errno(err, "create exec fifo");
		goto fail;
	}
	/*
	 * The init gets the read end now, as root: a process user without
	 * capabilities could not open it later (crun does the same).
	 * O_NONBLOCK: no writer yet.
	 */
	if (c->use_fifo) {
		/* read-write: a read waits for start's byte, never sees an end of file */
		c->fifo_fd = openat(c->dirfd, STATE_FIFO, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (c->fifo_fd < 0) {
			pea_error_errno(err, "open exec fifo");
			goto fail;
		}
	}
	if (notify_socket_env() && notify_prepare(c, notify_socket_env(), err) < 0)
		goto fail;
	if (!c->seccomp && c->spec->seccomp &&
	    seccomp_compile(c->spec->seccomp, c->rootfd, &c->seccomp, err) < 0)
		goto fail;
	if (c->spec->seccomp && c->spec->seccomp->notify &&
	    seccomp_agent_connect(c->spec->seccomp->listener_path, &c->seccomp_listener, err) < 0)
		goto fail;
	if (c->spec->process.terminal && opts->console_socket &&
	    terminal_connect(opts->console_socket, &c->console_fd, err) < 0)
		goto fail;
	if (c->spec->process.terminal && !opts->console_socket) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
			pea_error_errno(err, "socketpair");
			goto fail;
		}
		c->console_fd = sv[0];
		c->console_peer = sv[1];
	}
	if (container_cgroups_prepare(c, err) < 0 || spawn_init(c, err) < 0)
		goto fail;
	c->sys_fd = pea_close(c->sys_fd); /* the init has its own */
	if (container_cgroups_enter(c, err) < 0 || container_release(c, err) < 0)
		goto fail;
	/*
	 * The state and the pid file while the init mounts, pivots and drops its
	 * credentials: nobody reads the state before the directory's lock is
	 * released, nor the pid file before we return.
	 */
	if (container_write_state(c, err) < 0)
		goto fail;
	if (opts->pid_file && write_pid_file(opts->pid_file, c->pid, err) < 0)
		goto fail;
	pid_file_written = opts->pid_file != NULL;
	if (container_sync(c, err) < 0)
		goto fail;
	/* run: the socket is there before the process starts (create: start binds it) */
	if (for_run && notify_socket_env() && notify_listen(c->dirfd, &c->notify_fd, err) < 0)
		goto fail;
	start_state = container_state_json(c, STATUS_CREATED);
	if (sync_send(c->sync_parent, SYNC_START, start_state, err) < 0)
		goto fail;
	c->console_fd = pea_close(c->console_fd);
	/* the state is written: others may look (run keeps the fd for its delete) */
	flock(c->dirfd, LOCK_UN);
	*ret = c;
	return 0;
fail:
	if (pid_file_written)
		unlink(opts->pid_file);
	container_abort(c);
	container_free(c);
	return -EINVAL;
}

void container_abort(struct container *c)
{
	if (c->pid > 0) {
		int status;

		/* through the pidfd: the pid may already belong to someone else */
		if (c->pidfd >= 0)
			pea_pidfd_send_signal(c->pidfd, SIGKILL);
		else
			kill(c->pid, SIGKILL);
		/* ours to reap when cloned directly; else wait for it to be gone */
		if (waitpid(c->pid, &status, 0) < 0)
			container_wait_gone(c->pid, c->pidfd, 5000);
		c->pid = 0;
	}
	if (c->cgroup)
		cgroup_destroy(c->cgroup, NULL);
	if (c->dirfd >= 0) {
		c->dirfd = pea_close(c->dirfd);
		state_remove_dir(c->rootfd, c->id, NULL);
	}
}

struct container *container_free(struct container *c)
{
	if (!c)
		return NULL;
	pea_close(c->rootfd);
	pea_close(c->rootfs_parent);
	pea_close(c->dirfd);
	pea_close(c->sync_parent);
	pea_close(c->sync_child);
	pea_close(c->fifo_fd);
	pea_close(c->console_fd);
	pea_close(c->console_peer);
	pea_close(c->pidfd);
	pea_close(c->notify_fd);
	pea_close(c->dmz_fd);
	pea_close(c->sys_fd);
	spec_free(c->spec);
	free(c->created);
	free(c->cgroup_path);
	cgroup_free(c->cgroup);
	if (c->cg_join)
		cgroup_join_close(c->cg_join);
	free(c->cg_join);
	seccomp_filter_free(c->seccomp);
	pea_close(c->seccomp_listener);
	free(c);
	return NULL;
}

char *container_state_string(const struct container *c, enum container_status status)
{
	return container_state_json(c, status);
}

int container_wait_gone(pid_t pid, int pidfd, int timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;

	if (pidfd < 0)
		return kill(pid, 0) < 0 ? 0 : -ETIMEDOUT;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -ETIMEDOUT;
}
