/* rm and container cleanup (podman-rm(1), podman-container-cleanup(1)). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/ctr-log.h"
#include "frontend/external.h"
#include "frontend/frontend.h"
#include "frontend/pod.h"
#include "frontend/records.h"
#include "frontend/restart.h"

struct rm_opts {
	bool force, volumes, depend;
	bool all;  /* rm -a: everything goes, no check of dependents */
	long time; /* -t: stop with this timeout before the kill; < 0: kill at once */
};

/* How long a killed container may take to end before pea asks the runtime whether it is frozen. */
#define KILL_END_MS 500

/*
 * Kill it and wait for its end (the exit command then waits for our lock).
 * First as one `delete --force` (the runtime kills, thaws a frozen container,
 * waits for the end and deletes its state: one exec where kill and delete
 * were two); else by a kill, and as SIGKILL stays pending in a frozen cgroup
 * until it is thawed, a resume: a pause by pea is in the record, one behind
 * pea's back is asked of the runtime only when the end does not come at once.
 */
static int kill_running(struct global_options *g, struct ctr_record *r, struct pea_error **err)
{
	const char *del[] = { "delete", "--force", r->id, NULL };
	const char *args[] = { "kill", r->id, "9", NULL };
	_cleanup_error_ struct pea_error *e = NULL;

	/* its teardown done (r->net_down), the removal needs no second one */
	if (container_runtime_delete(g, r, del, NULL) == 0) {
		if (container_wait_exit(g, r->id, 10000, err) < 0)
			return -1;
		record_sync_exit(g, r);
		return 0;
	}
	(void)container_runtime(g, r, args, true, NULL);
	if (r->paused && runtime_resume_paused(g, r, err) < 0)
		return -1;
	if (container_wait_exit(g, r->id, KILL_END_MS, &e) < 0) {
		if (e->code != ETIMEDOUT) {
			*err = TAKE_PTR(e);
			return -1;
		}
		if (runtime_resume_paused(g, r, err) < 0 ||
		    container_wait_exit(g, r->id, 10000, err) < 0)
			return -1;
	}
	record_sync_exit(g, r);
	return 0;
}

/*
 * rm -f killed it and its removal failed: it stays, exited. Its monitor, which saw the cleaner
 * mark, skipped what a container that goes needs not (c9114c9): the log's fsync and the persist
 * exit file (PERSIST_DIR/exit, the bundle's); done here instead. Best effort: the removal's
 * error is the one rm reports.
 */
static void rm_failed_after_kill(const struct global_options *g, const struct ctr_record *r)
{
	_cleanup_free_ char *log = ctr_log_path(g, r), *dir = record_dir(g, r->id), *code = NULL;
	_cleanup_close_ int fd = -1, dfd = -1;

	if (log && (fd = open(log, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0)
		(void)fsync(fd);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || r->state != CTR_EXITED)
		return;
	code = xasprintf("%d", r->exit_code);
	(void)pea_write_file_replace_at(dfd, "exit", code, strlen(code), 0644, NULL);
}

/*
 * Does ref (the NAME of --network container:NAME) name dep, as a lookup
 * would resolve it: a container's exact name first, then an id prefix.
 */
static bool names(struct ctr_record *const *v, size_t n, const char *ref,
		  const struct ctr_record *dep)
{
	if (strcmp(ref, dep->name) == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (v[i] && strcmp(v[i]->name, ref) == 0)
			return false; /* another container's name ("db" is also hex) */
	return strncmp(dep->id, ref, strlen(ref)) == 0;
}

/* Does r use a namespace of dep (--network, --pid, --ipc or --uts container:dep)? */
static bool depends_on(const struct ctr_record *r, struct ctr_record *const *v, size_t n,
		       const struct ctr_record *dep)
{
	static const char *const keys[] = { "network", "pid", "ipc", "uts" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *mode = NULL;
		if (pea_json_get_string_opt(r->opts, "opts", keys[i], &mode, NULL) != 1 ||
		    strncmp(mode, "container:", 10) != 0 || !mode[10])
			continue;
		if (names(v, n, mode + 10, dep))
			return true;
	}
	return false;
}

/* The ids of the containers that use a namespace of container name (NULL: none). */
static char **dependents_of(const struct global_options *g, const char *name)
{
	_cleanup_record_ struct ctr_record *dep = NULL;
	struct ctr_record **v = NULL;
	char **out = NULL;
	size_t n = 0;

	if (record_lookup(g, name, &dep, NULL) < 0 || records_list(g, &v, &n, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i]->id, dep->id) != 0 && depends_on(v[i], v, n, dep))
			pea_strv_push(&out, v[i]->id);
	records_free(v, n);
	return out;
}

static int rm_one(struct global_options *g, const char *name, const struct rm_opts *o,
		  int *ret_status, struct pea_error **err);

/* rm --depend: the containers that use a namespace of name go first, printed as removed. */
static int rm_dependents(struct global_options *g, const char *name, const struct rm_opts *o,
			 int *ret_status, struct pea_error **err)
{
	_cleanup_strv_ char **deps = dependents_of(g, name);

	for (size_t i = 0; deps && deps[i]; i++) {
		if (rm_one(g, deps[i], o, ret_status, err) < 0)
			return -1;
		printf("%s\n", deps[i]);
	}
	return 0;
}

/*
 * An external container of that name (external.h) instead of the error *err; none: -1 and
 * *err as it was.
 */
static int rm_external(const struct global_options *g, const char *name, bool force,
		       int *ret_status, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *e = NULL;
	struct ext_ctr x = { 0 };
	int r = ext_find(g, name, &x, &e);

	/* pea's own, its record unreadable: its name is in that record, the store's too */
	if (r == 1 && x.pea_store && container_remove_unreadable(g, x.id, force, &e) < 0 &&
	    e->code == ENOENT)
		e = pea_error_free(e);
	else if (r == 1 && x.pea_store)
		r = e ? -1 : 2;
	if (r == 1)
		r = ext_remove(g, &x, force, &e) < 0 ? -1 : 0;
	else if (r == 2)
		r = 0;
	else
		r = r == 0 ? 1 : -1;
	ext_ctr_clear(&x);
	if (r == 1)
		return -1;
	*err = pea_error_free(*err);
	if (r < 0) {
		/* podman's 2 for one that is mounted, as for one running */
		*ret_status = e->code == EBUSY ? 2 : PEA_EXIT_ENGINE;
		*err = TAKE_PTR(e);
		return -1;
	}
	*ret_status = 0;
	return 0;
}

/* 1: no such container, 2: running without --force, 125: other (podman-rm(1)). */
static int rm_one(struct global_options *g, const char *name, const struct rm_opts *o,
		  int *ret_status, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_free_ char *mark = NULL;
	_cleanup_strv_ char **deps = NULL;
	_cleanup_close_ int lock = -1;

	/* before its lock: never two containers' locks at once (records.h) */
	if (o->depend && rm_dependents(g, name, o, ret_status, err) < 0)
		return -1;

	/* -t: a stop first, as podman's rm -f -t (0: the kill below at once) */
	if (o->force && o->time > 0)
		(void)container_stop(g, name, o->time, NULL);
	if (record_lookup_locked(g, name, &r, &lock, err) < 0) {
		_cleanup_error_ struct pea_error *e = NULL;

		/* a record that cannot be read: what can go without it (rm ID or a prefix) */
		if (container_remove_unreadable(g, name, o->force, &e) == 0) {
			*err = pea_error_free(*err);
			*ret_status = 0;
			return 0;
		}
		if (e->code != ENOENT && e->code != EAGAIN) {
			pea_error_free(*err);
			*err = TAKE_PTR(e);
		}
		*ret_status = (*err)->code == ENOENT ? 1 : PEA_EXIT_ENGINE;
		/* a container of the store pea did not make (buildah's): podman removes it too */
		if ((*err)->code == ENOENT && rm_external(g, name, o->force, ret_status, err) == 0)
			return 0;
		return -1;
	}
	/* a pod's infra goes with its pod only (rm --depend, pea pod rm) */
	if (pod_is_infra(r)) {
		*ret_status = PEA_EXIT_ENGINE;
		return pea_error_new(err, EBUSY,
				     "container %s is the infra container of pod %s and cannot be "
				     "removed without removing the pod",
				     r->id, pod_of(r));
	}
	/* kube play --service-container's: it goes with its pods (pea pod rm) */
	if (pod_service_check_rm(g, r->id, err) < 0) {
		*ret_status = PEA_EXIT_ENGINE;
		return -1;
	}
	deps = o->all ? NULL : dependents_of(g, r->id);
	if (deps) {
		_cleanup_free_ char *list = pea_strv_join(deps, ", ");
		*ret_status = PEA_EXIT_ENGINE;
		return pea_error_new(err, EBUSY,
				     "container %s has dependent containers which must be removed "
				     "before it: %s: container state improper",
				     r->id, list);
	}
	/* no restart by its policy (restart.h); without one, nothing to stop (a file less) */
	if (o->force && strcmp(restart_policy(r, NULL), "no") != 0)
		container_mark_stopped(g, r->id);
	if (r->state == CTR_RUNNING) {
		if (!o->force) {
			*ret_status = 2;
			return pea_error_new(
				err, EBUSY,
				"cannot remove container %s as it is running - running or "
				"paused containers cannot be removed without force: "
				"container state improper",
				r->id);
		}
		/*
		 * Marked first: its monitor runs no exit command (the removal
		 * below is the cleanup); a kill that fails takes the mark back.
		 */
		mark = container_cleaner_mark(g, r->id);
		container_mark_cleaner(g, r->id);
		if (kill_running(g, r, err) < 0) {
			(void)unlink(mark);
			*ret_status = PEA_EXIT_ENGINE;
			return -1;
		}
	}
	/* --rm containers lose their anonymous volumes too, as podman */
	if (container_remove_locked(g, r, o->volumes || r->rm, err) < 0) {
		if (mark) {
			rm_failed_after_kill(g, r);
			(void)unlink(mark); /* its monitor is done: the mark names a remover gone */
		}
		*ret_status = PEA_EXIT_ENGINE;
		return -1;
	}
	lock = record_lock_drop(g, r->id, TAKE_FD(lock));
	return 0;
}

/* One removal's outcome: its status (rm_one) and error, printed in the order of the targets. */
struct rm_result {
	int status;
	char *message;
};

/*
 * A worker speaks to its parent on a SOCK_SEQPACKET socket, one message a
 * line of its removal: "S<id>" asks the parent to remove the storage of
 * container <id> (the worker waits, its lock held, for "0": done, or "1": do it
 * yourself); "E<message>" is its error, sent before it exits (its status).
 */
#define RM_MSG_MAX 65536

/* The worker's socket to its parent. */
static int rm_worker_fd = -1;

static int rm_worker_handoff(const char *id)
{
	_cleanup_free_ char *msg = xasprintf("S%s", id);
	char reply = 0;

	if (send(rm_worker_fd, msg, strlen(msg), MSG_NOSIGNAL) < 0 ||
	    recv(rm_worker_fd, &reply, 1, 0) != 1)
		return -1;
	return reply == '0' ? 0 : -1;
}

/*
 * "T<path>" (no path: a detached mount) with the fd that holds it: what the
 * worker's remover would delete, for its parent's one remover (rm_pool_read).
 */
static int rm_worker_pass_tomb(const char *path, int fd)
{
	_cleanup_free_ char *msg = xasprintf("T%s", path ? path : "");

	return pea_send_fd(rm_worker_fd, msg, strlen(msg), fd, 0);
}

/* A removal in a forked worker: its status as exit code, its error to its parent. */
static void __attribute__((noreturn))
rm_worker(struct global_options *g, const char *name, const struct rm_opts *o, int fd)
{
	_cleanup_error_ struct pea_error *e = NULL;
	int st = 0;

	containers_defer_sweep(); /* the parent sweeps once, at the end */
	rm_worker_fd = fd;
	containers_hand_off_store_rm(rm_worker_handoff);
	/* what the parent adopted before this fork is its own: passed back, it doubled */
	containers_tombs_forget();
	containers_pass_tombs(rm_worker_pass_tomb);
	if (rm_one(g, name, o, &st, &e) < 0) {
		_cleanup_free_ char *msg = xasprintf("E%.*s", RM_MSG_MAX - 2, e->message);
		(void)send(fd, msg, strlen(msg), MSG_NOSIGNAL);
		_exit(st > 0 && st < 256 ? st : PEA_EXIT_ENGINE);
	}
	_exit(0);
}

/*
 * At most this many batches at once: they queue for the store's lock, while
 * each one's start (exec, reading the records) and end (the detached mounts'
 * syncs) go beside the others'.
 */
#define RM_FLUSHERS 3

/* The workers of rm_parallel, by target. */
struct rm_pool {
	pid_t *pids; /* 0: not started or reaped */
	int *fds;
	char **waiting; /* the id whose storage it waits for, or NULL */
	int *in_batch;	/* that id is in flusher in_batch[i] - 1's batch, or 0 */
	size_t n, busy, nwaiting;
	/* the processes removing a batch of storage each (rm_pool_flush), or 0 */
	pid_t flusher[RM_FLUSHERS];
	int flusher_fd[RM_FLUSHERS];
	size_t nflushers;
	/* each flusher's pea-storage passes its files' removal there (--hand-off-fd), or -1 */
	int flusher_sock[RM_FLUSHERS];
	const struct global_options *g;
};

/* At most this many workers wait for their storage removal. */
#define RM_WAIT_MAX 64

static void rm_pool_start(struct rm_pool *p, struct global_options *g, char **targets,
			  const struct rm_opts *o, struct rm_result *res, size_t i)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		res[i] = (struct rm_result){ PEA_EXIT_ENGINE,
					     xasprintf("socketpair: %s", strerror(errno)) };
		return;
	}
	p->pids[i] = fork();
	if (p->pids[i] < 0) {
		res[i] = (struct rm_result){ PEA_EXIT_ENGINE,
					     xasprintf("fork: %s", strerror(errno)) };
		p->pids[i] = 0;
		close(sv[0]);
		close(sv[1]);
		return;
	}
	if (p->pids[i] == 0) {
		close(sv[0]);
		/* the other workers' sockets: each one's end is its parent's alone to see */
		for (size_t j = 0; j < p->n; j++)
			if (p->fds[j] >= 0)
				close(p->fds[j]);
		rm_worker(g, targets[i], o, sv[1]);
	}
	close(sv[1]);
	p->fds[i] = sv[0];
	p->busy++;
}

/* Worker i no longer waits for its storage: reply to it ('0': removed, '1': do it yourself). */
static void rm_pool_resume(struct rm_pool *p, size_t i, char reply)
{
	free(p->waiting[i]);
	p->waiting[i] = NULL;
	p->in_batch[i] = 0;
	p->nwaiting--;
	p->busy++;
	(void)send(p->fds[i], &reply, 1, MSG_NOSIGNAL);
}

/* Worker i's end: its status and error into res[i]. */
static void rm_pool_reap(struct rm_pool *p, struct rm_result *res, size_t i)
{
	int status = 0;

	if (p->waiting[i])
		rm_pool_resume(p, i, '1'); /* gone while it waited: counted as busy below */
	(void)pea_wait(p->pids[i], -1, -1, &status, NULL);
	p->pids[i] = 0;
	p->fds[i] = pea_close(p->fds[i]);
	p->busy--;
	res[i].status = WIFEXITED(status) ? WEXITSTATUS(status) : PEA_EXIT_ENGINE;
	if (res[i].status == 0) {
		free(res[i].message);
		res[i].message = NULL;
	} else if (!res[i].message) {
		res[i].message = pea_describe_wait_status(status);
	}
}

/* A message from worker i, or its end. */
static void rm_pool_read(struct rm_pool *p, struct rm_result *res, size_t i)
{
	_cleanup_free_ char *msg = xmalloc(RM_MSG_MAX + 1);
	ssize_t len;
	int fd = -1;

	len = pea_recv_fd(p->fds[i], msg, RM_MSG_MAX, &fd, 0);
	if (len < 0 && (errno == EMSGSIZE || errno == EPROTO))
		return; /* not a message of ours: dropped, the next one is read */
	if (len <= 0) {
		rm_pool_reap(p, res, i);
		return;
	}
	msg[len] = '\0';
	if (msg[0] == 'T' && fd >= 0) {
		/* the parent's remover deletes it at the end (containers_tombs_hand_off) */
		containers_adopt_tomb(msg[1] ? msg + 1 : NULL, fd);
		return;
	}
	pea_close(fd);
	if (msg[0] == 'S' && !p->waiting[i]) {
		p->waiting[i] = xstrdup(msg + 1);
		p->busy--;
		p->nwaiting++;
	} else if (msg[0] == 'E') {
		free(res[i].message);
		res[i].message = xstrdup(msg + 1);
	}
}

/*
 * The storage of the waiting workers' containers, removed by one pea-storage
 * (one lock of the store, one read of its records), in a process of its own
 * while the workers go on: removals queued one by one for the store's
 * exclusive lock, each reading every record (quadratic), were most of a
 * large rm. When it fails, each worker of the batch removes its own and
 * reports its own error.
 */
/* A flusher's pea-storage call (its removals passed on fd3 when >= 0); its exit status. */
static int rm_flusher(const struct global_options *g, const char *const *args, int fd3)
{
	struct run_pending rp;

	if (store_call_begin_fd(g, args, fd3, &rp, NULL) < 0 || store_call_end(&rp, NULL, NULL) < 0)
		return 1;
	return 0;
}

static void rm_pool_flush(struct rm_pool *p, struct global_options *g)
{
	_cleanup_free_ const char **args = xnew(const char *, p->nwaiting + 6);
	size_t k = 0, slot = 0;
	int sv[2] = { -1, -1 };
	pid_t pid;

	while (p->flusher[slot] > 0)
		slot++;
	args[k++] = "container";
	args[k++] = "rm";
	args[k++] = "--force";
	args[k++] = "--ignore";
	/* the layers' files and detached mounts go to this rm's one remover */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0)
		args[k++] = "--hand-off-fd=3";
	for (size_t i = 0; i < p->n; i++)
		if (p->waiting[i] && !p->in_batch[i])
			args[k++] = p->waiting[i];
	args[k] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		_exit(rm_flusher(g, args, sv[1]));
	pea_close(sv[1]);
	for (size_t i = 0; i < p->n; i++) {
		if (!p->waiting[i] || p->in_batch[i])
			continue;
		if (pid < 0)
			rm_pool_resume(p, i, '1');
		else
			p->in_batch[i] = (int)slot + 1;
	}
	if (pid > 0) {
		p->flusher[slot] = pid;
		p->flusher_fd[slot] = pea_pidfd_open(pid, 0);
		p->flusher_sock[slot] = sv[0];
		p->nflushers++;
	} else {
		pea_close(sv[0]);
	}
}

/* Batch slot's end: its workers go on. */
static void rm_pool_flushed(struct rm_pool *p, size_t slot)
{
	int status = 0;
	char reply;

	(void)pea_wait(p->flusher[slot], p->flusher_fd[slot], -1, &status, NULL);
	reply = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? '0' : '1';
	p->flusher[slot] = 0;
	p->flusher_fd[slot] = pea_close(p->flusher_fd[slot]);
	if (p->flusher_sock[slot] >= 0)
		containers_take_passed(p->g, p->flusher_sock[slot]);
	p->flusher_sock[slot] = pea_close(p->flusher_sock[slot]);
	p->nflushers--;
	for (size_t i = 0; i < p->n; i++)
		if (p->in_batch[i] == (int)slot + 1)
			rm_pool_resume(p, i, reply);
}

/* Waiting workers not yet in a batch: how many. */
static size_t rm_pool_unbatched(const struct rm_pool *p)
{
	size_t k = 0;

	for (size_t i = 0; i < p->n; i++)
		if (p->waiting[i] && !p->in_batch[i])
			k++;
	return k;
}

/*
 * A batch at once when none is under way; beside one, only once RM_BATCH_MIN wait or no more
 * will come (more: workers still at work or to start). Each batch execs pea-storage and reads
 * every record under the store's lock, where the batches queue anyway: rm -af of 100 made ~15
 * batches of ~7.
 */
#define RM_BATCH_MIN 8

static bool rm_pool_should_flush(const struct rm_pool *p, bool more)
{
	size_t k = rm_pool_unbatched(p);

	if (k == 0 || p->nflushers >= RM_FLUSHERS)
		return false;
	return p->nflushers == 0 || k >= RM_BATCH_MIN || !more;
}

/* Wait for a message or an end of any worker, or a flusher's end. */
static void rm_pool_poll(struct rm_pool *p, struct rm_result *res)
{
	size_t cap = p->busy + p->nwaiting + 2 * RM_FLUSHERS, m = 0;
	_cleanup_free_ struct pollfd *pfd = xnew(struct pollfd, cap);
	_cleanup_free_ size_t *who = xnew(size_t, cap);
	bool no_pidfd = false;
	int r;

	for (size_t i = 0; i < p->n && m < cap; i++)
		if (p->pids[i] > 0) {
			pfd[m] = (struct pollfd){ .fd = p->fds[i], .events = POLLIN };
			who[m++] = i;
		}
	for (size_t f = 0; f < RM_FLUSHERS; f++)
		if (p->flusher[f] > 0) {
			pfd[m] = (struct pollfd){ .fd = p->flusher_fd[f], .events = POLLIN };
			no_pidfd |= p->flusher_fd[f] < 0;
			who[m++] = p->n + f;
		}
	/* what a flusher's pea-storage passes, read while it sends (its socket's room) */
	for (size_t f = 0; f < RM_FLUSHERS; f++)
		if (p->flusher[f] > 0 && p->flusher_sock[f] >= 0) {
			pfd[m] = (struct pollfd){ .fd = p->flusher_sock[f], .events = POLLIN };
			who[m++] = p->n + RM_FLUSHERS + f;
		}
	do
		r = poll(pfd, m, no_pidfd ? 10 : -1);
	while (r < 0 && errno == EINTR);
	for (size_t j = 0; r >= 0 && j < m; j++) {
		if (who[j] >= p->n + RM_FLUSHERS) {
			int *sock = &p->flusher_sock[who[j] - p->n - RM_FLUSHERS];

			if (pfd[j].revents && *sock >= 0 && containers_take_passed(p->g, *sock))
				*sock = pea_close(*sock);
		} else if (who[j] >= p->n) {
			if (pfd[j].revents || p->flusher_fd[who[j] - p->n] < 0)
				rm_pool_flushed(p, who[j] - p->n);
		} else if (pfd[j].revents) {
			rm_pool_read(p, res, who[j]);
		}
	}
}

/*
 * The removals at once, at most 3 x CPUs + 1 of them busy (podman's default
 * --max-workers), by forked workers, each container under its own lock as
 * one rm, its stop and kill included: most of a removal is waiting for the
 * runtime, the storage, the container's end and the disk. Their storage
 * removals wait for the parent, which does those waiting together in a
 * process beside them (rm_pool_flush). Results in res[], in targets' order.
 */
static void rm_parallel(struct global_options *g, char **targets, const struct rm_opts *o,
			struct rm_result *res, size_t n)
{
	_cleanup_free_ pid_t *pids = xnew(pid_t, n);
	_cleanup_free_ int *fds = xnew(int, n);
	_cleanup_free_ char **waiting = xnew(char *, n);
	_cleanup_free_ int *in_batch = xnew(int, n);
	struct rm_pool p = {
		.pids = pids, .fds = fds, .waiting = waiting, .in_batch = in_batch, .n = n, .g = g
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t max = cpus > 0 ? 3 * (size_t)cpus + 1 : 4, next = 0;

	for (size_t f = 0; f < RM_FLUSHERS; f++)
		p.flusher_fd[f] = p.flusher_sock[f] = -1;

	fflush(stdout);
	fflush(stderr);
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	containers_snapshot_mounts(g); /* one read of mountinfo for all the workers */
	for (;;) {
		while (next < n && p.busy < max && p.nwaiting < RM_WAIT_MAX)
			rm_pool_start(&p, g, targets, o, res, next++);
		if (p.busy == 0 && p.nwaiting == 0 && next >= n && p.nflushers == 0)
			break;
		if (rm_pool_should_flush(&p, next < n || p.busy > 0))
			rm_pool_flush(&p, g);
		else
			rm_pool_poll(&p, res);
	}
	containers_forget_mounts();
}

/*
 * Named targets in two waves: first those no other target uses a namespace of, then
 * the rest (`rm -f guest owner` at once: the owner's removal would see the guest
 * still there and refuse). Results in res[], in targets' order.
 */
static void rm_waves(struct global_options *g, char **targets, const struct rm_opts *o,
		     struct rm_result *res, size_t n)
{
	_cleanup_free_ struct ctr_record **recs = xnew(struct ctr_record *, n);
	_cleanup_free_ bool *later = xnew(bool, n);
	_cleanup_free_ struct rm_result *part = xnew(struct rm_result, n);
	_cleanup_free_ char **wave = xnew(char *, n + 1);
	bool any = false;

	for (size_t i = 0; i < n; i++)
		if (record_lookup(g, targets[i], &recs[i], NULL) < 0)
			recs[i] = NULL;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; recs[i] && j < n && !later[i]; j++)
			if (j != i && recs[j] && strcmp(recs[j]->id, recs[i]->id) != 0 &&
			    depends_on(recs[j], recs, n, recs[i]))
				later[i] = any = true;
	for (size_t i = 0; i < n; i++)
		ctr_record_free(recs[i]);
	for (int pass = 0; pass < (any ? 2 : 1); pass++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (!any || later[i] == (pass == 1))
				wave[k++] = targets[i];
		wave[k] = NULL;
		memset(part, 0, n * sizeof(*part));
		if (k > 0)
			rm_parallel(g, wave, o, part, k);
		for (size_t i = 0, w = 0; i < n && w < k; i++)
			if (!any || later[i] == (pass == 1))
				res[i] = part[w++];
	}
}

/*
 * rm -af, rm --depend: the pods of the infra containers named (all: every
 * pod) are removed with their containers, whose ids are printed; 0 or 125.
 */
static int rm_pods_first(struct global_options *g, bool all, char **names, const struct rm_opts *o)
{
	_cleanup_strv_ char **pods = NULL;
	int status = 0;

	for (size_t i = 0; !all && names[i]; i++) {
		_cleanup_record_ struct ctr_record *r = NULL;
		if (record_lookup(g, names[i], &r, NULL) == 0 && pod_is_infra(r))
			pea_strv_push(&pods, pod_of(r));
	}
	if (all) {
		struct pod_record **v = NULL;
		size_t n = 0;
		if (pods_list(g, &v, &n, NULL) == 0)
			for (size_t i = 0; i < n; i++)
				pea_strv_push(&pods, v[i]->id);
		pods_free(v, n);
	}
	for (size_t i = 0; pods && pods[i]; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		_cleanup_strv_ char **gone = NULL;
		int rc = pod_remove(g, pods[i], o->force, o->time, &gone, &e);
		for (size_t k = 0; gone && gone[k]; k++)
			printf("%s\n", gone[k]);
		if (rc < 0 && e->code != ENOENT) {
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE;
		}
	}
	return status;
}

int rm_orphans(struct global_options *g)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_strv_ char **gone = NULL;
	int r = ext_remove_orphans(g, false, &gone, &e);

	for (size_t i = 0; gone && gone[i]; i++)
		printf("%s\n", gone[i]);
	if (r < 0) {
		fprintf(stderr, "Error: %s\n", e->message);
		return PEA_EXIT_ENGINE;
	}
	return 0;
}

static const char rm_usage[] =
	"Usage: pea rm [OPTIONS] CONTAINER [CONTAINER...]\n"
	"\n"
	"Remove containers.\n"
	"\n"
	"  -a, --all       every container\n"
	"      --cidfile=FILE  the container whose ID is in FILE (repeatable)\n"
	"  -f, --force     kill running containers first\n"
	"  -i, --ignore    ignore containers that do not exist (so does -f), and\n"
	"                  the --cidfile files that are not there\n"
	"  -l, --latest    the container created last\n"
	"      --depend    remove a pod's infra container with its pod and its\n"
	"                  containers\n"
	"  -t, --time=SECS with -f, stop them first (the stop signal, SIGKILL\n"
	"                  after SECS) instead of killing them at once\n"
	"  -v, --volumes   remove their anonymous volumes too\n";

int cmd_rm(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "ignore", no_argument, NULL, 'i' },
		{ "volumes", no_argument, NULL, 'v' },
		{ "time", required_argument, NULL, 't' },
		{ "depend", no_argument, NULL, 'D' },
		{ "latest", no_argument, NULL, 'l' },
		{ "cidfile", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **targets = NULL, **known = NULL, **cidfiles = NULL;
	_cleanup_free_ char *latest = NULL;
	struct rm_opts o = { .time = -1 };
	struct rm_result *res = NULL;
	bool all = false, ignore = false, want_latest = false;
	int r, c = 0, status = 0;
	size_t n;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hafilvt:", opts, rm_usage, &c, err)) == 2) {
		if (c == 'a')
			all = true;
		else if (c == 'l')
			want_latest = true;
		else if (c == 't') {
			char *end = NULL;
			errno = 0;
			o.time = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || o.time < 0)
				return pea_error_new(
					err, EINVAL,
					"invalid argument \"%s\" for \"-t, --time\" flag: "
					"must be an integer >= 0",
					optarg);
		} else if (c == 'f')
			o.force = true;
		else if (c == 'i')
			ignore = true;
		else if (c == 'v')
			o.volumes = true;
		else if (c == 'D')
			o.depend = true;
		else if (c == 'C')
			pea_strv_push(&cidfiles, optarg);
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (want_latest && all)
		return pea_error_new(err, EINVAL, "--all and --latest cannot be used together");
	if (want_latest && optind < argc)
		return pea_error_new(err, EINVAL,
				     "--latest and containers cannot be used together");
	if (want_latest && container_latest(g, &latest, err) < 0)
		return -1;
	if (cidfiles && (all || latest))
		return pea_error_new(err, EINVAL,
				     "--all, --latest, and --cidfile cannot be used together");
	if (cidfiles && optind < argc)
		return pea_error_new(err, EINVAL, "no arguments are needed with --cidfile");
	for (size_t i = 0; cidfiles && cidfiles[i]; i++)
		if (container_read_cidfile(cidfiles[i], ignore || o.force, &targets, err) < 0)
			return -1;
	/* the pods of the infra containers named go first, with their containers */
	if (o.depend && !all)
		for (int i = optind; i < argc; i++) {
			_cleanup_record_ struct ctr_record *rec = NULL;
			if (record_lookup(g, argv[i], &rec, NULL) == 0)
				pea_strv_push(&known, argv[i]);
		}
	if ((all && o.force) || o.depend)
		status = rm_pods_first(g, all, argv + optind, &o);
	o.all = all;
	if (all) {
		struct ctr_record **v = NULL;
		size_t nv = 0;
		/* one whose record cannot be read is a target too: what rm -f ID does to it */
		if (records_list_bad(g, &v, &nv, &targets, err) < 0)
			return -1;
		for (size_t i = 0; i < nv; i++)
			pea_strv_push(&targets, v[i]->id);
		records_free(v, nv);
	} else if (latest) {
		if (optind < argc)
			return pea_error_new(err, EINVAL,
					     "--latest and containers cannot be used together");
		pea_strv_push(&targets, latest);
	} else if (cidfiles) {
		/* targets: the IDs read above */
	} else if (optind >= argc) {
		return pea_error_new(err, EINVAL,
				     "you must provide at least one container name or id");
	} else {
		for (int i = optind; i < argc; i++) {
			_cleanup_record_ struct ctr_record *rec = NULL;
			/* an infra container removed with its pod above (not a name never there) */
			if (o.depend && pea_strv_contains(known, argv[i]) &&
			    record_lookup(g, argv[i], &rec, NULL) < 0)
				continue;
			pea_strv_push(&targets, argv[i]);
		}
	}
	n = pea_strv_length(targets);
	res = xnew(struct rm_result, n ? n : 1);
	if (n > 1 && all) {
		rm_parallel(g, targets, &o, res, n);
	} else if (n > 1) {
		rm_waves(g, targets, &o, res, n);
	} else if (n == 1) {
		_cleanup_error_ struct pea_error *e = NULL;

		if (rm_one(g, targets[0], &o, &res[0].status, &e) < 0)
			res[0].message = xstrdup(e->message);
	}
	for (size_t i = 0; i < n; i++) {
		if (res[i].status == 0) {
			printf("%s\n", targets[i]);
		} else if (!(ignore || o.force) || res[i].status != 1) {
			/* podman: --force, too, passes over a container that is not there */
			fprintf(stderr, "Error: %s\n", res[i].message);
			if (status == 0 || res[i].status > status)
				status = res[i].status;
		}
		free(res[i].message);
	}
	free(res);
	if (all && rm_orphans(g) != 0)
		status = status ? status : PEA_EXIT_ENGINE;
	containers_sweep_removed(g); /* and what a killed rm left */
	containers_tombs_hand_off(); /* the workers' tombstones: one remover */
	return status;
}

int cmd_cleanup(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "rm", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	bool rm = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "h", opts,
			       "Usage: pea container cleanup [--rm] CONTAINER [CONTAINER...]\n\n"
			       "Clean up after containers that exited: unmount their root, delete\n"
			       "the runtime's state, and with --rm remove those made with --rm.\n"
			       "pea-monitor runs it as the exit command.\n",
			       &c, err)) == 2)
		rm = true;
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind >= argc)
		return pea_error_new(err, EINVAL,
				     "you must provide at least one container name or id");
	for (int i = optind; i < argc; i++) {
		_cleanup_record_ struct ctr_record *rec = NULL;
		_cleanup_error_ struct pea_error *e = NULL;

		/* The exit command passes the full id; a removed container is done. */
		if (record_lookup(g, argv[i], &rec, &e) < 0) {
			if (e->code == ENOENT && strlen(argv[i]) == 64)
				continue;
			*err = TAKE_PTR(e);
			return -1;
		}
		/* and a restart when its policy asks for one (restart.h) */
		if (container_cleanup_exit(g, rec->id, rm, err) < 0)
			return -1;
		pod_after_exit(g, rec); /* a pod's exit policy (pod.h) */
	}
	return 0;
}
