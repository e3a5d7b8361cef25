#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#include "cgroup.h"
#include "container.h"
#include "runtime.h"
#include "seccomp.h"
#include "state.h"

/*
 * The container's init, from the clone to execve, in numbered steps. Until
 * step 11 every failure goes to the parent over the sync socket, which
 * prints it; after that the parent may be gone (create has returned), so
 * the message goes to the container's stderr.
 */

static bool init_ready;

void init_fail(struct container *c, struct pea_error **err)
{
	if (init_ready || !err || !*err)
		dprintf(STDERR_FILENO, "pea-runtime: %s\n",
			err && *err ? (*err)->message : "container init failed");
	else
		pea_error_to_fd(c->sync_child, *err);
	_exit(127);
}

/* What the steps hand on to each other. */
struct init_ctx {
	int rootfd;
	int slave;	  /* the pty slave with process.terminal */
	char *exe;	  /* the resolved process.args[0] */
	char *state_json; /* from the parent, for the hooks run here */
};

/*
 * Step 0: into the v1 cgroups by our own write, before anything else (the
 * cgroup2 one, if any, we were cloned into). Without a grace period to wait
 * for, unlike a move by the parent (cgroup_join_open).
 */
static int step_cgroups_join(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	int r;

	if (!c->cg_join)
		return 0;
	r = cgroup_join_self(c->cgroup, c->cg_join, err);
	cgroup_join_close(c->cg_join);
	return r;
}

/* Step 1: in a new user namespace, wait for the parent to write the maps, then be root there. */
static int step_user(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	const struct spec *s = c->spec;

	if (!c->has_new_userns)
		return ns_user_root(s, err);
	if (mounts_sources_wanted(c)) {
		/* the bind sources, opened by the parent as the caller (mounts_send_sources) */
		size_t n = s->n_mounts + s->n_devices;

		c->bind_fds = xnew(int, n + 1);
		for (size_t i = 0; i < n; i++)
			c->bind_fds[i] = -1;
		if (sync_expect_fds(c->sync_child, SYNC_MAPS_DONE, c->bind_fds, n, err) < 0)
			return -EINVAL;
	} else if (sync_expect(c->sync_child, SYNC_MAPS_DONE, NULL, err) < 0)
		return -EINVAL;
	if (ns_id_mapped(s->gid_mappings, s->n_gid_mappings, 0) && setresgid(0, 0, 0) < 0)
		return pea_error_errno(err, "setgid 0 in the user namespace");
	if (ns_id_mapped(s->uid_mappings, s->n_uid_mappings, 0) && setresuid(0, 0, 0) < 0)
		return pea_error_errno(err, "setuid 0 in the user namespace");
	return 0;
}

/*
 * Step 1b: wait until the parent has put us in our cgroups, here when a
 * cgroup mount of step 4 binds the cgroups we are in (on v1, without a
 * cgroup namespace), which must be the container's, not the caller's; then a
 * new cgroup namespace, rooted there. Without either, the wait is step 5b:
 * the parent's move into the cgroups (an RCU grace period per cgroup.procs
 * write on v1, milliseconds) overlaps with our mounts.
 */
static int step_cgroupns(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	if (!c->cgroups_early)
		return 0;
	if (sync_expect(c->sync_child, SYNC_CGROUPS_DONE, NULL, err) < 0)
		return -EINVAL;
	if (!c->new_cgroupns)
		return 0;
	if (unshare(CLONE_NEWCGROUP) < 0)
		return pea_error_errno(err, "unshare the cgroup namespace");
	return 0;
}

/* Step 2: a mount namespace given by path (the others were joined before the clone). */
static int step_join(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	return ns_join_paths(c->spec, false, true, err);
}

/* Step 3: hostname and domainname, in the new uts namespace (checked by spec_load). */
static int step_uts(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	const struct spec *s = c->spec;

	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return pea_error_errno(err, "hostname '%s'", s->hostname);
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return pea_error_errno(err, "domainname '%s'", s->domainname);
	return 0;
}

static bool ns_joined(const struct spec *s, int type)
{
	const struct spec_namespace *ns = spec_namespace(s, type);

	return ns && ns->path;
}

static bool has_create_hooks(const struct spec *s)
{
	return s->hooks[HOOK_PRESTART].n || s->hooks[HOOK_CREATE_RUNTIME].n ||
	       s->hooks[HOOK_CREATE_CONTAINER].n;
}

/* Step 4: the root filesystem: mounts and devices, all below the rootfs. */
static int step_rootfs(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	int r;

	r = mounts_prepare_root(c->spec, ns_joined(c->spec, CLONE_NEWNS), &x->rootfd, err);
	if (r == 0)
		r = mounts_apply(c->spec, x->rootfd, c->bind_fds, &c->sys_fd, c->userns, err);
	c->sys_fd = pea_close(c->sys_fd);
	if (r == 0)
		r = devices_create(c->spec, x->rootfd, c->userns,
				   c->bind_fds ? c->bind_fds + c->spec->n_mounts : NULL, err);
	for (size_t i = 0; c->bind_fds && i < c->spec->n_mounts + c->spec->n_devices; i++)
		pea_close(c->bind_fds[i]);
	free(c->bind_fds);
	c->bind_fds = NULL;
	if (r < 0)
		return -EINVAL;
	/* a missing working directory is made, as runc does */
	if (mounts_mkdir_in_root(x->rootfd, c->spec->process.cwd, err) < 0)
		return pea_error_wrap(err, "process.cwd");
	return 0;
}

/* Step 5: the terminal, its master sent to --console-socket. */
static int step_terminal(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	int r = 0;

	if (c->spec->process.terminal)
		r = terminal_setup(c->spec, x->rootfd, c->console_fd, &x->slave, err);
	c->console_fd = pea_close(c->console_fd);
	return r;
}

/* Step 5b: in our cgroups before any hook runs or anything of the container's is forked. */
static int step_cgroups_late(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	if (c->cgroups_early)
		return 0;
	return sync_expect(c->sync_child, SYNC_CGROUPS_DONE, NULL, err);
}

/* Step 6: the parent runs prestart and createRuntime hooks, we run createContainer ones. */
static int step_create_hooks(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	if (!has_create_hooks(c->spec))
		return 0;
	if (sync_send(c->sync_child, SYNC_HOOKS, NULL, err) < 0 ||
	    sync_expect(c->sync_child, SYNC_HOOKS_DONE, &x->state_json, err) < 0)
		return -EINVAL;
	/* createContainer hooks work in the rootfs, as with runc ("touch ./lib/x") */
	if (fchdir(x->rootfd) < 0)
		return pea_error_errno(err, "chdir to the rootfs");
	return hooks_run(&c->spec->hooks[HOOK_CREATE_CONTAINER], "createContainer", x->state_json,
			 err);
}

/* Step 7: sysctls, masked and read-only paths, then pivot_root (or MS_MOVE + chroot). */
static int step_pivot(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	/* a read-only /dev once everything below it is made: devices, the console */
	int r = mounts_finish_readonly(c->spec, x->rootfd, err);

	if (r == 0)
		r = mounts_pivot(c->spec, x->rootfd, c->opts->no_pivot, err);

	x->rootfd = pea_close(x->rootfd);
	return r;
}

/* Step 8: process attributes that need privileges, and the working directory. */
static int step_process(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	struct spec *s = c->spec;

	if (process_apply_limits(s, c->opts->no_new_keyring, c->id, err) < 0)
		return -EINVAL;
	if (chdir(s->process.cwd) < 0)
		return pea_error_errno(err, "process.cwd '%s'", s->process.cwd);
	process_default_home(c->spec);
	return 0;
}

/*
 * Step 9: a session of its own (as crun does: conmon's -T kills the process
 * group of the container, which must not be the caller's), and with a
 * terminal, that terminal as the controlling one and as stdio.
 */
static int step_ctty(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	if (x->slave >= 0)
		return terminal_make_controlling(x->slave, err);
	if (setsid() < 0 && errno != EPERM)
		return pea_error_errno(err, "setsid");
	return 0;
}

/* Load the seccomp filter; a listener fd (SCMP_ACT_NOTIFY) goes to listenerPath. */
static int load_seccomp(struct container *c, const char *state_json, struct pea_error **err)
{
	const struct spec_seccomp *sc = c->spec->seccomp;
	int fd = seccomp_apply(c->seccomp, err);

	if (fd < 0)
		return -EINVAL;
	if (fd > 0) {
		int r = seccomp_send_listener(c->seccomp_listener, fd, 0, state_json,
					      sc->listener_metadata, err);

		close(fd);
		if (r < 0)
			return -EINVAL;
	}
	c->seccomp_listener = pea_close(c->seccomp_listener);
	return 0;
}

/*
 * Step 9b: without noNewPrivileges, loading a filter needs CAP_SYS_ADMIN,
 * which the credentials drop: then it is loaded here, before them (as runc
 * does). With noNewPrivileges it is the very last step before execve.
 */
static int step_seccomp_early(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	if (!c->seccomp || c->spec->process.no_new_privileges)
		return 0;
	return load_seccomp(c, x->state_json ? x->state_json : "{}", err);
}

/* Step 10: user, groups, capabilities, no_new_privs; then find the program as that user. */
static int step_creds(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	if (process_apply_creds(c->spec, err) < 0)
		return -EINVAL;
	return process_resolve_exec(c->spec, &x->exe, err);
}

/* Step 11: only stdio, the preserved fds and our own (close-on-exec) ones stay. */
static int step_close_fds(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	int keep[] = { c->sync_child, c->dirfd, c->seccomp_listener, c->fifo_fd, c->dmz_fd };
	int from = 3 + c->opts->preserve_fds;

	for (int fd = 3; fd < from; fd++)
		if (fd != c->sync_child && fd != c->dirfd && fd != c->seccomp_listener &&
		    fd != c->fifo_fd && fd != c->dmz_fd && pea_fd_set_cloexec(fd, false) < 0 &&
		    errno != EBADF)
			return pea_error_errno(err, "--preserve-fds: fd %d", fd);
	if (pea_close_fds_except(from, keep, ARRAY_SIZE(keep)) < 0)
		return pea_error_errno(err, "close inherited fds");
	return 0;
}

/* Step 12: tell the parent; it writes the state and answers with it. */
static int step_ready(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	if (sync_send(c->sync_child, SYNC_READY, NULL, err) < 0)
		return -EINVAL;
	free(x->state_json);
	x->state_json = NULL;
	return sync_expect(c->sync_child, SYNC_START, &x->state_json, err);
}

/*
 * Step 13: create waits for `start`, which writes a byte into exec.fifo. The
 * read end was opened by the parent before the clone, so a process user
 * without capabilities needs no access to the fifo itself.
 */
static int step_wait_start(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	struct pollfd p = { .fd = c->fifo_fd, .events = POLLIN };
	char byte;
	ssize_t n;
	int r;

	init_ready = true;
	if (!c->use_fifo)
		return 0;
	/* no writer has come yet: poll blocks until `start` writes (no POLLHUP before) */
	do
		r = poll(&p, 1, -1);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return pea_error_errno(err, "wait on exec fifo");
	do
		n = read(c->fifo_fd, &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return pea_error_errno(err, "read exec fifo");
	if (n == 0)
		return pea_error_new(err, EPIPE, "exec fifo closed without a start");
	c->fifo_fd = pea_close(c->fifo_fd);
	return 0;
}

/*
 * Step 12 with pea-runtime-dmz (exe-seal.c): what steps 14 and 15 do, then
 * execute the dmz, which says ready, waits for the go and for start, and
 * executes the program. Until it says ready, a failure is still the parent's
 * to report: it sees the init gone before it was ready.
 */
static int step_dmz(struct container *c, struct init_ctx *x, struct pea_error **err)
{
	const struct spec *s = c->spec;
	_cleanup_strv_ char **argv = NULL;
	char *empty[] = { NULL };
	sigset_t none;

	if (c->dmz_fd < 0)
		return 0;
	/* a listener never comes here (dmz_fits): no state to send with it */
	if (c->seccomp && s->process.no_new_privileges && load_seccomp(c, "{}", err) < 0)
		return -EINVAL;
	if (pea_fd_set_cloexec(c->sync_child, false) < 0)
		return pea_error_errno(err, "sync socket");
	if (c->use_fifo && (pea_fd_set_nonblock(c->fifo_fd, false) < 0 ||
			    pea_fd_set_cloexec(c->fifo_fd, false) < 0))
		return pea_error_errno(err, "exec fifo");
	pea_strv_push(&argv, "pea-runtime-dmz");
	pea_strv_push_take(&argv, xasprintf("%d", c->sync_child));
	pea_strv_push_take(&argv, xasprintf("%d", c->use_fifo ? c->fifo_fd : -1));
	pea_strv_push(&argv, x->exe);
	for (size_t i = 0; s->process.args[i]; i++)
		pea_strv_push(&argv, s->process.args[i]);
	umask(s->process.has_umask ? s->process.umask : 0022);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	syscall(SYS_execveat, c->dmz_fd, "", argv, s->process.env ? s->process.env : empty,
		AT_EMPTY_PATH);
	return pea_error_errno(err, "execute pea-runtime-dmz");
}

typedef int (*init_step)(struct container *c, struct init_ctx *x, struct pea_error **err);

static const init_step steps[] = {
	step_cgroups_join,  /* 0 */
	step_user,	    /* 1 */
	step_cgroupns,	    /* 1b */
	step_join,	    /* 2 */
	step_uts,	    /* 3 */
	step_rootfs,	    /* 4 */
	step_terminal,	    /* 5 */
	step_cgroups_late,  /* 5b */
	step_create_hooks,  /* 6 */
	step_pivot,	    /* 7 */
	step_process,	    /* 8 */
	step_ctty,	    /* 9 */
	step_seccomp_early, /* 9b */
	step_creds,	    /* 10 */
	step_close_fds,	    /* 11 */
	step_dmz,	    /* 12, with pea-runtime-dmz: never returns */
	step_ready,	    /* 12 */
	step_wait_start,    /* 13 */
};

void init_main(struct container *c)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct init_ctx x = { .rootfd = -1, .slave = -1 };
	const struct spec *s = c->spec;
	char *empty[] = { NULL };
	sigset_t none;

	c->sync_parent = pea_close(c->sync_parent);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		if (steps[i](c, &x, &err) < 0)
			init_fail(c, &err);
	/*
	 * 14: from here the parent may be gone: errors go to the container's
	 * stderr. The filter, then the startContainer hooks under it (as runc and
	 * crun: the hooks run as part of the container's process).
	 */
	if (c->seccomp && s->process.no_new_privileges &&
	    load_seccomp(c, x.state_json ? x.state_json : "{}", &err) < 0)
		init_fail(c, &err);
	if (hooks_run(&s->hooks[HOOK_START_CONTAINER], "startContainer",
		      x.state_json ? x.state_json : "{}", &err) < 0)
		init_fail(c, &err);
	/* 15: nothing after this but execve */
	umask(s->process.has_umask ? s->process.umask : 0022);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(x.exe, s->process.args, s->process.env ? s->process.env : empty);
	pea_error_errno(&err, "exec '%s'", x.exe);
	init_fail(c, &err);
}
