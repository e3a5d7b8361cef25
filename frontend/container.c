/* Runtime calls, waiting, cleanup and removal of containers (container.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
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
#include "frontend/container.h"
#include "frontend/events.h"
#include "frontend/frontend.h"
#include "frontend/network.h"
#include "frontend/pod.h"
#include "frontend/records.h"
#include "frontend/volumes-run.h"

/* How long a wait for an exit polls before it makes an inotify watch (container_wait_exit). */
#define WAIT_POLL_MS 200

/* The network (addresses stay with the record until it is removed). */
static void teardown_network(const struct global_options *g, const char *id)
{
	_cleanup_error_ struct pea_error *e = NULL;

	if (network_teardown(g, id, &e) < 0)
		log_warning("%s, ignoring", e->message);
}

static int runtime_exec(const struct global_options *g, const struct ctr_record *r,
			const char *const *args, bool quiet, struct pea_error **err)
{
	_cleanup_strv_ char **argv = NULL;
	struct run_result res = { 0 };
	int rc = 0;

	pea_strv_push(&argv, r && r->runtime ? r->runtime : g->runtime);
	frontend_push_runtime_flags(g, &argv, false);
	pea_strv_push_take(&argv, xasprintf("--root=%s/runtime", g->runroot));
	for (size_t i = 0; args[i]; i++)
		pea_strv_push(&argv, args[i]);
	if (frontend_run_capture(argv, -1, &res, err) < 0)
		return -1;
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
		if (!quiet) {
			const char *m = res.errtxt && *res.errtxt ? res.errtxt : "failed";
			const char *last = strrchr(m, '\n');
			rc = pea_error_new(err, EIO, "OCI runtime %s: %s", args[0],
					   last ? last + 1 : m);
		} else {
			rc = -EIO;
		}
	}
	run_result_clear(&res);
	return rc;
}

int container_runtime(const struct global_options *g, const struct ctr_record *r,
		      const char *const *args, bool quiet, struct pea_error **err)
{
	int rc = runtime_exec(g, r, args, quiet, err);

	/*
	 * Deleting the runtime's state ends a run: the network goes with it. So a
	 * start that fails after its network was set up undoes that too.
	 */
	if (r && strcmp(args[0], "delete") == 0)
		teardown_network(g, r->id);
	return rc;
}

int container_runtime_delete(const struct global_options *g, struct ctr_record *r,
			     const char *const *args, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *e = NULL;
	int rc = runtime_exec(g, r, args, true, err);

	/* a failure keeps what pea-netsetup needs: the removal tries once more (remove_folders) */
	r->net_down = network_teardown_try(g, r->id, &e) == 0;
	if (!r->net_down)
		log_debug("%s: tried again at the removal", e->message);
	return rc;
}

/*
 * The monitor's attach socket, in the container's bundle (as podman finds
 * it): not through RUNROOT/socket/ID, the monitor's short symlink, whose name
 * conmon and pea-monitor cut by a byte when it would fill sun_path. Through
 * /proc/self/fd, as the bundle's path may be long.
 */
int container_attach_connect(const struct global_options *g, const char *id, int *ret_fd,
			     struct pea_error **err)
{
	_cleanup_free_ char *dir = record_dir(g, id);
	_cleanup_close_ int dfd = -1, fd = -1;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open the folder of container '%s'", id);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/attach", dfd);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pea_error_errno(err, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return pea_error_errno(err, "connect to the attach socket of '%s'", id);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int container_latest(const struct global_options *g, char **ret, struct pea_error **err)
{
	struct ctr_record **v = NULL;
	size_t n = 0;

	if (records_list(g, &v, &n, err) < 0)
		return -1;
	if (n == 0) {
		records_free(v, n);
		return pea_error_new(err, ENOENT,
				     "no containers to get latest of: no such container");
	}
	*ret = xstrdup(v[n - 1]->id);
	records_free(v, n);
	return 0;
}

static char *stopping_mark(const struct global_options *g, const char *id)
{
	_cleanup_free_ char *dir = record_dir(g, id);

	return xasprintf("%s/stopping", dir);
}

/*
 * A process's start time (field 22 of /proc/PID/stat, clock ticks since boot), 0 when it
 * is gone: with the pid it names one process, never a later one that got the same pid.
 */
static unsigned long long proc_start_time(long pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%ld/stat", pid), *buf = NULL;
	unsigned long long start = 0;
	const char *p;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, path, 4096, &buf, &len, NULL) < 0)
		return 0;
	/* the fields after the command name, which may hold spaces and parentheses */
	p = strrchr(buf, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	return start;
}

void container_mark_stopping(const struct global_options *g, const char *id, bool on)
{
	_cleanup_free_ char *p = stopping_mark(g, id);
	char mark[48];

	if (!on) {
		(void)unlink(p);
		return;
	}
	snprintf(mark, sizeof(mark), "%d %llu", (int)getpid(), proc_start_time(getpid()));
	(void)pea_write_file_at(AT_FDCWD, p, mark, NULL);
}

bool container_is_stopping(const struct global_options *g, const char *id)
{
	_cleanup_free_ char *p = stopping_mark(g, id), *data = NULL;
	unsigned long long start = 0;
	size_t len = 0;
	long pid = 0;
	int used = 0;

	if (pea_read_file_at(AT_FDCWD, p, 64, &data, &len, NULL) < 0)
		return false;
	/*
	 * "PID START": a stop killed on its way (-9) left its mark, and a later process
	 * may have its pid; only the stop that wrote the mark, still alive, counts.
	 */
	if (sscanf(data, "%ld %llu%n", &pid, &start, &used) != 2 || (size_t)used != len ||
	    pid <= 0 || pid > INT32_MAX || start == 0)
		return false;
	return proc_start_time(pid) == start;
}

int container_read_cidfile(const char *path, bool ignore, char ***ids, struct pea_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	_cleanup_error_ struct pea_error *e = NULL;

	if (pea_read_file_at(AT_FDCWD, path, 4096, &data, &len, &e) < 0) {
		/* podman: --ignore passes over a file that is not there (systemd's ExecStopPost) */
		if (ignore && e->code == ENOENT)
			return 0;
		return pea_error_new(err, e->code, "reading CIDFile: %s", e->message);
	}
	data[strcspn(data, "\n")] = '\0';
	pea_strv_push(ids, data);
	return 0;
}

struct json_object *container_labels(struct json_object *opts)
{
	struct json_object *list = NULL, *m = json_object_new_object();

	if (!json_object_object_get_ex(opts, "labels", &list))
		return m;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		const char *l = json_object_get_string(json_object_array_get_idx(list, i));
		const char *eq = l ? strchr(l, '=') : NULL;
		_cleanup_free_ char *k = NULL;

		if (!l || !*l)
			continue;
		k = eq ? xstrndup(l, (size_t)(eq - l)) : xstrdup(l);
		json_object_object_add(m, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	return m;
}

int container_wait_exit(const struct global_options *g, const char *id, int timeout_ms,
			struct pea_error **err)
{
	_cleanup_free_ char *file = record_exit_file(g, id), *dir = NULL;
	_cleanup_free_ char *rdir = record_dir(g, id);
	_cleanup_close_ int ino = -1;
	struct timespec start, now;
	bool watched = false;

	/*
	 * Most waits find the exit file already there, or soon (a container
	 * just killed): the first WAIT_POLL_MS poll 1 to 5 ms apart, before an
	 * inotify instance, whose close (or an exit with it) costs an SRCU grace
	 * period (10-15 ms) once it has held a watch. The check after the watch
	 * is set catches an exit in between.
	 */
	dir = xasprintf("%s/exits", g->runroot);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = ino, .events = POLLIN };
		char buf[4096];
		long waited;

		if (pea_path_exists_at(AT_FDCWD, file))
			return 0;
		/* removed meanwhile (a --rm container's exit command keeps the exit file) */
		if (!pea_path_exists_at(AT_FDCWD, rdir) && !pea_path_exists_at(AT_FDCWD, file))
			return pea_error_new(err, ENOENT, "container '%s' was removed", id);
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - start.tv_sec) * 1000 +
			 (now.tv_nsec - start.tv_nsec) / 1000000;
		if (timeout_ms >= 0 && waited >= timeout_ms)
			return pea_error_new(err, ETIMEDOUT, "container '%s' did not exit", id);
		if (!watched && waited < WAIT_POLL_MS) {
			(void)poll(NULL, 0, waited < 20 ? 1 : 5);
			continue;
		}
		if (!watched) {
			watched = true; /* without inotify: polls 100 ms apart */
			(void)frontend_mkdir_p(dir, NULL);
			ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
			if (ino >= 0)
				(void)inotify_add_watch(ino, dir,
							IN_MOVED_TO | IN_CREATE | IN_CLOSE_WRITE);
			continue; /* and check again */
		}
		/* inotify wakes us early; the 100 ms poll covers a missed event */
		(void)poll(&p, ino >= 0 ? 1 : 0, 100);
		if (ino >= 0)
			while (read(ino, buf, sizeof(buf)) > 0)
				;
	}
}

/*
 * The runtime keeps a container's state in RUNROOT/runtime/ID (its --root)
 * from create to delete, crun and runc as pea-runtime: none, nothing to delete.
 */
static bool runtime_has_state(const struct global_options *g, const char *id)
{
	_cleanup_free_ char *rtdir = xasprintf("%s/runtime/%s", g->runroot, id);

	return pea_path_exists_at(AT_FDCWD, rtdir);
}

static int unmount(const struct global_options *g, struct ctr_record *r, struct pea_error **err)
{
	const char *args[] = { "container", "unmount", "--force", r->id, NULL };
	_cleanup_json_ struct json_object *res = NULL;

	if (!r->mounted)
		return 0;
	if (rootfs_is_folder(r)) { /* --rootfs: no layer of the store (volumes-run.h) */
		rootfs_unmount(g, r);
		r->mounted = false;
		return 0;
	}
	if (store_call(g, args, &res, err) < 0)
		return pea_error_wrap(err, "unmounting container '%s'", r->id);
	r->mounted = false;
	return 0;
}

/*
 * A removal takes a container's folders away at once: each is renamed to a
 * tombstone beside it (ROOT/containers/.rm-ID, RUNROOT/containers/.rm-ID)
 * and held (flock on the tombstone), and a detached process removes their
 * files once the removal is done (tombs_hand_off): on a file system mounted
 * with `discard` each unlink of a file with blocks on the disk waits for it
 * (1-5 ms; a container's folders hold ~8). A tombstone nobody holds (its
 * remover killed) is swept by the next removal (containers_sweep_removed).
 */
struct tomb {
	char *path;
	int fd;
};
static struct tomb *tombs;
static size_t ntombs;

/*
 * At most this many held at once (each an open fd: a tombstone's flock, a
 * trash entry's, a detached mount): rm -a of hundreds ran out of fds under
 * the usual soft RLIMIT_NOFILE of 1024. Each full set goes to a remover of
 * its own as soon as it is full (tombs_bound), the rest to the last one.
 */
#define TOMBS_HELD_MAX 64

static void tombs_hand_off(void);

static void tombs_bound(void)
{
	if (ntombs >= TOMBS_HELD_MAX)
		tombs_hand_off();
}

/* A name in pea-storage's trash folder: one component, not a dot. */
static bool trash_name_ok(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* A tombstone whose remover is at work (its flock held) is not a leftover. */
static bool tomb_is_held(int dfd, const char *name)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0;
}

/*
 * The mount points at or under the containers' folders, when read once for several
 * removals (containers_snapshot_mounts): each read of mountinfo costs ~1 ms with 100
 * containers' overlays in it (their options, escaped), and rm -a read it twice a container.
 */
static char **mounts_seen;
static bool mounts_snapshot;

/* The fifth field of a mountinfo line: the mount point (octal escapes as they are). */
static const char *mountinfo_point(const char *line, size_t *ret_len)
{
	const char *p = line, *end;

	for (int i = 0; i < 4 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p)
		return NULL;
	end = strchr(p + 1, ' ');
	*ret_len = end ? (size_t)(end - (p + 1)) : strlen(p + 1);
	return p + 1;
}

/* The mount point mp (mp_len bytes) is dir or under it (a dir with no escapes is compared). */
static bool mount_point_under(const char *mp, size_t mp_len, const char *dir)
{
	size_t len = strlen(dir);

	return mp_len >= len && strncmp(mp, dir, len) == 0 && (mp_len == len || mp[len] == '/');
}

/*
 * A mount point of the snapshot is one still (a network namespace's, unmounted by the
 * removal since); one with octal escapes (a space in the root's path) is taken as one.
 */
static bool still_mounted(const char *mp)
{
	struct statx stx;

	if (strchr(mp, '\\'))
		return true;
	if (statx(AT_FDCWD, mp, AT_SYMLINK_NOFOLLOW, 0, &stx) < 0)
		return errno != ENOENT;
	return !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/*
 * Whether a mount lies at or under dir (in this mount namespace): such a
 * folder is not renamed away, where its remover would fail on the mount
 * unseen; removed in place, it gives the error naming it and stays.
 */
static bool mount_under(const char *dir)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, len;

	if (mounts_snapshot) {
		for (size_t i = 0; mounts_seen && mounts_seen[i]; i++)
			if (mount_point_under(mounts_seen[i], strlen(mounts_seen[i]), dir) &&
			    still_mounted(mounts_seen[i]))
				return true;
		return false;
	}
	f = fopen("/proc/self/mountinfo", "re");
	while (f && getline(&line, &cap, f) > 0) {
		const char *mp = mountinfo_point(line, &len);

		if (mp && mount_point_under(mp, len, dir))
			return true;
	}
	return false;
}

void containers_snapshot_mounts(const struct global_options *g)
{
	_cleanup_free_ char *root = xasprintf("%s/containers", g->root);
	_cleanup_free_ char *run = xasprintf("%s/containers", g->runroot);
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, len;

	containers_forget_mounts();
	mounts_snapshot = f != NULL;
	while (f && getline(&line, &cap, f) > 0) {
		const char *mp = mountinfo_point(line, &len);

		if (mp && (mount_point_under(mp, len, root) || mount_point_under(mp, len, run)))
			pea_strv_push_take(&mounts_seen, xstrndup(mp, len));
	}
}

void containers_forget_mounts(void)
{
	pea_strv_free(mounts_seen);
	mounts_seen = NULL;
	mounts_snapshot = false;
}

static int tomb_take(const char *dir, const char *tomb, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (mount_under(dir))
		return pea_rm_rf_at(AT_FDCWD, dir, err);
	r = rename(dir, tomb);

	/*
	 * A tombstone of the same name already: a removal killed after its rename,
	 * the folder made again since (a start of the same container). Swept here
	 * unless its remover is at work; then this folder goes in place.
	 */
	if (r < 0 && (errno == ENOTEMPTY || errno == EEXIST)) {
		if (tomb_is_held(AT_FDCWD, tomb))
			return pea_rm_rf_at(AT_FDCWD, dir, err);
		if (pea_rm_rf_at(AT_FDCWD, tomb, err) < 0)
			return -1;
		r = rename(dir, tomb);
	}
	if (r < 0)
		return errno == ENOENT ? 0 : pea_error_errno(err, "remove '%s'", dir);
	fd = open(tomb, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* someone else's already (a sweep): removed here, as before */
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return pea_rm_rf_at(AT_FDCWD, tomb, err);
	tombs = xrealloc(tombs, (ntombs + 1) * sizeof(*tombs));
	tombs[ntombs++] = (struct tomb){ xstrdup(tomb), TAKE_FD(fd) };
	tombs_bound();
	return 0;
}

static void tombs_release(void)
{
	for (size_t i = 0; i < ntombs; i++) {
		free(tombs[i].path);
		pea_close(tombs[i].fd);
	}
	free(tombs);
	tombs = NULL;
	ntombs = 0;
}

/* The detached mounts first (their last close: the sync of the file system under them). */
static void tombs_remove(void)
{
	_cleanup_free_ int *pins = xnew(int, ntombs + 1);
	size_t npins = 0;

	for (size_t i = 0; i < ntombs; i++)
		if (!tombs[i].path) {
			pins[npins++] = tombs[i].fd;
			tombs[i].fd = -1;
		}
	pea_close_parallel(pins, npins);
	for (size_t i = 0; i < ntombs; i++)
		if (tombs[i].path)
			(void)pea_rm_rf_at(AT_FDCWD, tombs[i].path, NULL);
	tombs_release();
}

/*
 * What pea-storage's container rm passed on its --hand-off-fd (trash_pass):
 * its trash entries ("t" NAME, the fd holding the entry's flock) and detached
 * mounts ("p"), removed and closed by this process's remover with the
 * tombstones: one detached process per pea command, not one more per
 * pea-storage. What is queued now (MSG_DONTWAIT): once pea-storage has
 * ended, all of it; rm's batches read while theirs runs (its socket's room).
 */
bool containers_take_passed(const struct global_options *g, int sock)
{
	char buf[512];
	ssize_t len;
	int fd;

	for (;;) {
		len = pea_recv_fd(sock, buf, sizeof(buf) - 1, &fd, MSG_DONTWAIT);
		if (len < 0 && (errno == EMSGSIZE || errno == EPROTO))
			continue; /* not pea-storage's: dropped (its fds closed) */
		if (len <= 0)
			break;
		buf[len] = '\0';
		if (fd < 0)
			continue;
		if ((buf[0] != 't' && buf[0] != 'p') ||
		    (buf[0] == 't' && !trash_name_ok(buf + 1))) {
			close(fd);
			continue;
		}
		if (buf[0] == 't') {
			_cleanup_free_ char *path =
				xasprintf("%s/storage/trash/%s", g->root, buf + 1);
			containers_adopt_tomb(path, fd);
		} else {
			containers_adopt_tomb(NULL, fd);
		}
	}
	/* after the whole message run: a container's mount and entries stay together */
	tombs_bound();
	return len == 0;
}

/* Set by rm's workers: their tombstones go to their parent's remover. */
static int (*tombs_sink)(const char *path, int fd);

void containers_pass_tombs(int (*sink)(const char *path, int fd))
{
	tombs_sink = sink;
}

void containers_adopt_tomb(const char *path, int fd)
{
	tombs = xrealloc(tombs, (ntombs + 1) * sizeof(*tombs));
	tombs[ntombs++] = (struct tomb){ path ? xstrdup(path) : NULL, fd };
}

/* Those the sink takes leave the list. */
static void tombs_pass(void)
{
	size_t kept = 0;

	for (size_t i = 0; i < ntombs; i++) {
		if (tombs_sink(tombs[i].path, tombs[i].fd) < 0) {
			tombs[kept++] = tombs[i];
			continue;
		}
		free(tombs[i].path);
		pea_close(tombs[i].fd);
	}
	ntombs = kept;
}

/* $PEA_RM_SYNC set, not empty and not 0 (pea-rm(1)); PEA_TEST_TOMB_WAIT, its older name in tests */
static bool rm_sync(void)
{
	const char *v = getenv("PEA_RM_SYNC");

	return (v && *v && strcmp(v, "0") != 0) || getenv("PEA_TEST_TOMB_WAIT");
}

/*
 * The remover's work waits for nobody: it runs at nice 10 and the lowest best-effort
 * I/O priority, so that on a busy machine it yields the CPU and the disk to the
 * removals and starts still under way (rm -a of 100 hands off a remover every 64
 * containers, 1.7 ms of CPU a container, mostly ext4's unlinks), never stopped.
 */
static void remover_yield(void)
{
	(void)setpriority(PRIO_PROCESS, 0, 10);
	/* IOPRIO_WHO_PROCESS 1, class best-effort 2 (<< 13), level 7 */
	(void)syscall(SYS_ioprio_set, 1, 0, (2 << 13) | 7);
}

/*
 * The tombstones' files, removed by a grandchild of its own session with its
 * stdio on /dev/null and no other fd, adopted by PID 1 or a subreaper (a
 * foreground run stops being one for its cleanup: start_impl); here when it
 * cannot fork, or with $PEA_RM_SYNC.
 */
static void tombs_hand_off(void)
{
	_cleanup_free_ int *keep = NULL;
	int status;
	pid_t pid = -1;

	if (tombs_sink && !rm_sync())
		tombs_pass();
	if (ntombs == 0)
		return;
	if (!rm_sync())
		pid = fork();
	if (pid < 0) {
		tombs_remove();
		return;
	}
	if (pid > 0) {
		(void)pea_wait(pid, -1, -1, &status, NULL);
		tombs_release(); /* the grandchild's copies hold them */
		return;
	}
	keep = xnew(int, ntombs);
	for (size_t i = 0; i < ntombs; i++)
		keep[i] = tombs[i].fd;
	pea_detach_self(keep, ntombs);
	if (fork() != 0)
		_exit(0);
	remover_yield();
	tombs_remove();
	_exit(0);
}

void containers_tombs_hand_off(void)
{
	tombs_hand_off();
}

void containers_tombs_forget(void)
{
	tombs_release(); /* the parent's copies keep the locks */
}

/*
 * The record goes first, by renaming its folder to a tombstone: a kill at any
 * later point leaves no half-removed record that ps cannot read, and the next
 * removal sweeps the tombstone (containers_sweep_removed).
 */
static int drop_record_dir(const struct global_options *g, const char *id, struct pea_error **err)
{
	_cleanup_free_ char *dir = record_dir(g, id);
	_cleanup_free_ char *tomb = xasprintf("%s/containers/.rm-%s", g->root, id);

	return tomb_take(dir, tomb, err);
}

/* RUNROOT/containers/.rm-ID nobody holds: a killed remover's. */
static void sweep_run_tombs(const struct global_options *g)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers", g->runroot);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, ".rm-", 4) != 0 || tomb_is_held(dirfd(d), e->d_name))
			continue;
		(void)pea_rm_rf_at(dirfd(d), e->d_name, NULL);
	}
}

/*
 * Lock files with no record: a create or removal killed between its lock and
 * its record, or a removal killed before it dropped the lock after the exit
 * command was done. A create holds its lock until the record exists.
 */
static void sweep_orphan_locks(const struct global_options *g)
{
	_cleanup_free_ char *dir = xasprintf("%s/locks", g->runroot);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		_cleanup_free_ char *rec = NULL;
		_cleanup_close_ int lock = -1;

		if (strlen(e->d_name) != 64)
			continue;
		rec = record_dir(g, e->d_name);
		if (pea_path_exists_at(AT_FDCWD, rec) ||
		    record_lock(g, e->d_name, true, &lock, NULL) < 0)
			continue;
		if (!pea_path_exists_at(AT_FDCWD, rec))
			lock = record_lock_drop(g, e->d_name, TAKE_FD(lock));
	}
}

/* ROOT/containers/NAME is what a killed command left: a tombstone, or a record never written. */
static const char *leftover_id(int dfd, const char *name)
{
	_cleanup_free_ char *rec = NULL;

	if (strncmp(name, ".rm-", 4) == 0 && strlen(name + 4) == 64)
		return name + 4;
	if (strlen(name) != 64)
		return NULL;
	rec = xasprintf("%s/pea.json", name);
	return pea_path_exists_at(dfd, rec) ? NULL : name;
}

/* Set by a caller that sweeps once at its end (rm's workers): no sweep per removal. */
static bool sweep_deferred;

/* Set by rm's workers: their storage removals done by their parent, many in one exec. */
static int (*store_rm_handoff)(const char *id);

void containers_hand_off_store_rm(int (*handoff)(const char *id))
{
	store_rm_handoff = handoff;
}

void containers_defer_sweep(void)
{
	sweep_deferred = true;
}

void containers_sweep_removed(const struct global_options *g)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers", g->root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		_cleanup_close_ int lock = -1;
		_cleanup_free_ char *path = NULL;
		const char *id = leftover_id(dirfd(d), e->d_name);

		/*
		 * a create or removal under way holds the lock; a remover its tombstone, looked
		 * at first: its lock file would be made for nothing, and swept again below
		 * (rm -a of 100: a hundred made and unlinked, all held by its remover)
		 */
		if (!id || (e->d_name[0] == '.' && tomb_is_held(dirfd(d), e->d_name)) ||
		    record_lock(g, id, true, &lock, NULL) < 0)
			continue;
		if (!leftover_id(dirfd(d), e->d_name) || tomb_is_held(dirfd(d), e->d_name))
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		(void)pea_rm_rf_at(AT_FDCWD, path, NULL);
		lock = record_lock_drop(g, id, TAKE_FD(lock));
	}
	sweep_orphan_locks(g);
	sweep_run_tombs(g);
}

static bool is_anonymous(struct json_object *v)
{
	bool anon = false;

	return pea_json_get_bool_opt(v, "", "anonymous", &anon, NULL) == 1 && anon;
}

static bool volume_used_by(const struct ctr_record *other, const char *name)
{
	struct json_object *vols = NULL;

	if (!json_object_object_get_ex(other->opts, "volumes", &vols) ||
	    !json_object_is_type(vols, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		const char *src = NULL;
		if (pea_json_get_string_opt(json_object_array_get_idx(vols, i), "", "source", &src,
					    NULL) == 1 &&
		    strcmp(src, name) == 0)
			return true;
	}
	return false;
}

/*
 * The anonymous volumes of r (rm -v, --rm), but those another container
 * still mounts (--volumes-from): as podman, they stay, silently.
 */
static void drop_anonymous_volumes(const struct global_options *g, const struct ctr_record *r)
{
	_cleanup_json_ struct json_object *drop = json_object_new_array();
	struct ctr_record tmp = *r;
	struct json_object *vols = NULL, *opts = NULL;
	struct ctr_record **all = NULL;
	size_t n = 0;

	if (!json_object_object_get_ex(r->opts, "volumes", &vols) ||
	    !json_object_is_type(vols, json_type_array))
		return;
	(void)records_list(g, &all, &n, NULL);
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		struct json_object *v = json_object_array_get_idx(vols, i);
		const char *src = NULL;
		bool used = false;

		if (!is_anonymous(v) || pea_json_get_string_opt(v, "", "source", &src, NULL) != 1)
			continue;
		for (size_t k = 0; k < n && !used; k++)
			used = strcmp(all[k]->id, r->id) != 0 && volume_used_by(all[k], src);
		if (!used)
			json_object_array_add(drop, json_object_get(v));
	}
	records_free(all, n);
	opts = json_object_new_object();
	json_object_object_add(opts, "volumes", json_object_get(drop));
	tmp.opts = opts;
	volumes_drop_anonymous(g, &tmp);
	json_object_put(opts);
}

/*
 * Caller holds the container's lock. keep_exit: leave the exit file, for a
 * `pea wait` that outlives a --rm container. volumes: its anonymous volumes go
 * too (rm -v, --rm).
 */
/*
 * The runtime's delete of an exited container, started in the background: it
 * removes the runtime's state and cgroups while pea-storage unmounts and
 * removes the layer, which it does not touch; a removal waited for the two
 * in turn (a run --rm's end). Where it cannot be spawned, it runs at once.
 */
struct runtime_delete {
	pid_t pid;
	int pidfd;
};

static void runtime_delete_begin(const struct global_options *g, const struct ctr_record *r,
				 struct runtime_delete *d)
{
	const char *del[] = { "delete", "--force", r->id, NULL };
	_cleanup_close_ int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_strv_ char **argv = NULL;
	struct pea_fd_map fds[2] = { { null_fd, 1 }, { null_fd, 2 } };
	struct pea_spawn s = { .fds = fds, .nfds = 2, .null_stdin = true };

	*d = (struct runtime_delete){ -1, -1 };
	pea_strv_push(&argv, r->runtime ? r->runtime : g->runtime);
	frontend_push_runtime_flags(g, &argv, false);
	pea_strv_push_take(&argv, xasprintf("--root=%s/runtime", g->runroot));
	for (size_t i = 0; del[i]; i++)
		pea_strv_push(&argv, del[i]);
	s.argv = argv;
	if (null_fd < 0 || pea_spawn(&s, &d->pid, &d->pidfd, &e) < 0) {
		d->pid = -1;
		(void)container_runtime(g, r, del, true, NULL);
	}
}

/*
 * Whether the runtime's delete may run beside the layer's removal
 * (spec_delete_beside_rm): the answer kept by this process's start when it
 * wrote the spec (run --rm) while the file is the one it wrote, else from the
 * bundle's config.json. Where the spec cannot be read, no: the delete first
 * (its kill of the stragglers).
 */
static bool delete_beside_rm(const struct global_options *g, const struct ctr_record *r)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_json_ struct json_object *spec = NULL;
	_cleanup_close_ int dfd = -1;
	int known;

	dir = record_dir(g, r->id);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return false;
	known = spec_written_beside_rm(r->id, dfd);
	if (known >= 0)
		return known;
	if (pea_json_parse_file_at(dfd, "config.json", 16u << 20, &spec, NULL) < 0)
		return false;
	return spec_delete_beside_rm(spec);
}

static void runtime_delete_end(struct runtime_delete *d)
{
	int status;

	if (d->pid > 0)
		(void)pea_wait(d->pid, d->pidfd, -1, &status, NULL);
	d->pid = -1;
	d->pidfd = pea_close(d->pidfd);
}

/*
 * pea-storage's container rm, started, its files' removal passed back on a
 * socket (*ret_sock) for this removal's remover (containers_take_passed). Without
 * a socket, pea-storage removes them itself.
 */
static int store_rm_begin(const struct global_options *g, const char *id, struct run_pending *p,
			  int *ret_sock, struct pea_error **err)
{
	const char *rm[] = { "container", "rm", "--force", id, NULL };
	const char *rm_fd[] = { "container", "rm", "--force", "--hand-off-fd=3", id, NULL };
	int sv[2];
	int r;

	*ret_sock = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return store_call_begin(g, rm, p, err);
	r = store_call_begin_fd(g, rm_fd, sv[1], p, err);
	close(sv[1]);
	if (r < 0)
		close(sv[0]);
	else
		*ret_sock = sv[0];
	return r;
}

static int remove_folders(struct global_options *g, struct ctr_record *r, bool keep_exit,
			  bool volumes, struct pea_error **err);

/* Its two folders' checks for mounts read mountinfo once (or not at all: rm's workers). */
static int remove_impl(struct global_options *g, struct ctr_record *r, bool keep_exit, bool volumes,
		       struct pea_error **err)
{
	bool own = !mounts_snapshot;
	int rc;

	if (own)
		containers_snapshot_mounts(g);
	rc = remove_folders(g, r, keep_exit, volumes, err);
	if (own)
		containers_forget_mounts();
	return rc;
}

static int remove_folders(struct global_options *g, struct ctr_record *r, bool keep_exit,
			  bool volumes, struct pea_error **err)
{
	const char *del[] = { "delete", "--force", r->id, NULL };
	_cleanup_free_ char *exitf = record_exit_file(g, r->id);
	_cleanup_close_ int hand_off = -1;
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	struct runtime_delete bg = { -1, -1 };
	struct run_pending rm_call = { -1, -1, -1, -1 };

	/* a start killed before it saved the record leaves the runtime's state too */
	if (runtime_has_state(g, r->id)) {
		/*
		 * exited, in a PID namespace of its own: no process of it is left
		 * to keep the layer busy (delete_beside_rm)
		 */
		if (r->state == CTR_EXITED && pea_path_exists_at(AT_FDCWD, exitf) &&
		    delete_beside_rm(g, r))
			runtime_delete_begin(g, r, &bg);
		else
			(void)container_runtime_delete(g, r, del, NULL);
	}
	volumes_release(g, r);
	volumes_remove_images(g, r);
	/*
	 * rm --force unmounts too; rm's workers hand it to their parent
	 * (store_rm_handoff). Else it runs while the network goes and the
	 * run folder is removed, which it does not touch (a folder's rmdir
	 * waits for the disk here: a discard on this journal-less ext4).
	 */
	if (!store_rm_handoff || store_rm_handoff(r->id) < 0)
		(void)store_rm_begin(g, r->id, &rm_call, &hand_off, &e);
	if (!r->net_down)
		teardown_network(g, r->id);
	{
		_cleanup_free_ char *rundir = network_run_dir(g, r->id);
		_cleanup_free_ char *tomb = xasprintf("%s/containers/.rm-%s", g->runroot, r->id);

		if (tomb_take(rundir, tomb, err) < 0) {
			if (rm_call.pid > 0)
				(void)store_call_end(&rm_call, NULL, NULL);
			runtime_delete_end(&bg);
			return -1;
		}
	}
	if (rm_call.pid > 0)
		(void)store_call_end(&rm_call, &res, &e);
	if (hand_off >= 0)
		containers_take_passed(g, hand_off);
	if (e && e->code != ENOENT) {
		runtime_delete_end(&bg);
		*err = TAKE_PTR(e);
		return pea_error_wrap(err, "removing the storage of container '%s'", r->id);
	}
	runtime_delete_end(&bg);
	if (drop_record_dir(g, r->id, err) < 0)
		return -1;
	events_container(g, r, "remove");
	if (volumes)
		drop_anonymous_volumes(g, r);
	if (!keep_exit)
		(void)unlink(exitf);
	if (!sweep_deferred)
		containers_sweep_removed(g);
	tombs_hand_off();
	return 0;
}

/* The one folder of ROOT/containers named by what (an id or its prefix), or NULL. */
static char *unreadable_id(const struct global_options *g, const char *what)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers", g->root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	char *hit = NULL;
	struct dirent *e;
	size_t len = strlen(what);

	while (len > 0 && d && (e = readdir(d))) {
		if (strlen(e->d_name) != 64 || strncmp(e->d_name, what, len) != 0)
			continue;
		if (hit) {
			free(hit);
			return NULL;
		}
		hit = xstrdup(e->d_name);
	}
	return hit;
}

/*
 * The init the runtime started, as its state records it (RUNROOT/runtime/ID): its pid and its
 * start in clock ticks since boot (/proc/PID/stat's), pea-runtime's state.json pid and startTime,
 * runc's state.json init_process_pid and init_process_start (a string before runc 1.0), crun's
 * status pid and process-start-time. false when the runtime recorded none.
 */
static bool runtime_init_start(const struct global_options *g, const char *id, long *ret_pid,
			       unsigned long long *ret_start)
{
	static const char *const files[] = { "state.json", "status" };
	static const char *const keys[] = { "startTime", "init_process_start",
					    "process-start-time" };
	_cleanup_free_ char *root = record_runtime_root(g);

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s/%s", root, id, files[i]);
		_cleanup_json_ struct json_object *o = NULL;
		struct json_object *pid = NULL, *v;

		if (pea_json_parse_file_at(AT_FDCWD, path, 1u << 20, &o, NULL) < 0 ||
		    !json_object_is_type(o, json_type_object))
			continue;
		/* runc's: init_process_pid */
		if (!json_object_object_get_ex(o, "pid", &pid))
			(void)json_object_object_get_ex(o, "init_process_pid", &pid);
		if (!json_object_is_type(pid, json_type_int))
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			const char *t;
			char *end = NULL;

			if (!json_object_object_get_ex(o, keys[k], &v))
				continue;
			if (json_object_is_type(v, json_type_int)) {
				*ret_start = json_object_get_uint64(v);
			} else if (json_object_is_type(v, json_type_string)) {
				t = json_object_get_string(v);
				errno = 0;
				*ret_start = strtoull(t, &end, 10);
				if (errno || end == t || *end)
					continue;
			} else {
				continue;
			}
			*ret_pid = json_object_get_int64(pid);
			return *ret_start > 0;
		}
	}
	return false;
}

/*
 * The container's process, as a pidfd taken before the runtime's delete, so that what the
 * delete's kill frees cannot be taken for it; -1 when there is none. The runtime's state names
 * it exactly, its pid and start (runtime_init_start), whatever the wall clock did: c7035b2 set
 * the pidfile's mtime (wall clock) against the process's start (boot clock) with 20 ms to
 * spare, so a step of the wall clock forward of more than that during the container's life
 * made its own process look reused, and a removal went ahead while it ran. A runtime that
 * records no start leaves that rule, with a minute to spare (a process kept that is not the
 * container's is one rm -f refused, saying so; a running one taken for reused is its storage
 * removed under it): a pid reused within a minute of the pidfile is still taken for the
 * container's.
 */
static int pidfile_process(const struct global_options *g, const char *id, int dfd)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int pidfd = -1;
	struct timespec now, boot;
	long long start_ns, mtime_boot_ns;
	unsigned long long start, known = 0;
	long hz = sysconf(_SC_CLK_TCK), pid = 0;
	struct stat st;
	size_t len = 0;

	if (runtime_init_start(g, id, &pid, &known)) {
		if (pid <= 0 || pid > INT32_MAX)
			return -1;
		pidfd = pea_pidfd_open((pid_t)pid, 0);
		return pidfd >= 0 && proc_start_time(pid) == known ? TAKE_FD(pidfd) : -1;
	}
	if (pea_read_file_at(dfd, "pidfile", 64, &buf, &len, NULL) < 0 ||
	    fstatat(dfd, "pidfile", &st, 0) < 0)
		return -1;
	pid = strtol(buf, NULL, 10);
	if (pid <= 0 || pid > INT32_MAX || hz <= 0)
		return -1;
	pidfd = pea_pidfd_open((pid_t)pid, 0);
	start = proc_start_time(pid);
	if (pidfd < 0 || start == 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	start_ns = (long long)(start / (unsigned long long)hz) * 1000000000LL +
		   (long long)(start % (unsigned long long)hz) * 1000000000LL / hz;
	mtime_boot_ns =
		((long long)st.st_mtim.tv_sec - (long long)now.tv_sec + (long long)boot.tv_sec) *
			1000000000LL +
		st.st_mtim.tv_nsec - now.tv_nsec + boot.tv_nsec;
	if (start_ns > mtime_boot_ns + 60 * 1000000000LL)
		return -1;
	return TAKE_FD(pidfd);
}

/* That process still there after a runtime delete that was to kill it: waited for up to 2 s. */
static bool outlived_delete(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return pidfd >= 0 && poll(&p, 1, 2000) == 0;
}

/*
 * The runtime the container's monitor was given (its -r), while the monitor (the bundle's
 * conmon.pid) runs and names the container; NULL when unknown.
 */
static char *monitor_runtime(int dfd, const char *id)
{
	_cleanup_free_ char *buf = NULL, *path = NULL, *cmd = NULL;
	bool ours = false;
	char *rt = NULL;
	size_t len = 0;
	long pid;

	if (pea_read_file_at(dfd, "conmon.pid", 64, &buf, &len, NULL) < 0)
		return NULL;
	pid = strtol(buf, NULL, 10);
	if (pid <= 0 || pid > INT32_MAX)
		return NULL;
	path = xasprintf("/proc/%ld/cmdline", pid);
	if (pea_read_file_at(AT_FDCWD, path, 1u << 20, &cmd, &len, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < len; i += strlen(cmd + i) + 1) {
		const char *a = cmd + i, *next = i + strlen(a) + 1 < len ? a + strlen(a) + 1 : NULL;

		ours |= strcmp(a, id) == 0;
		if (!rt && next && (strcmp(a, "-r") == 0 || strcmp(a, "--runtime") == 0))
			rt = xstrdup(next);
	}
	if (!ours) {
		free(rt);
		return NULL;
	}
	return rt;
}

/*
 * The runtime's delete --force of a container whose record cannot be read (so pea cannot tell
 * which runtime made it: --runtime), and then its process gone; else one line saying what to do.
 */
static int delete_unreadable(const struct global_options *g, const char *id, const char *why,
			     struct pea_error **err)
{
	const char *del[] = { "delete", "--force", id, NULL };
	_cleanup_free_ char *dir = record_dir(g, id), *rt = NULL, *hint = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int pidfd = dfd >= 0 ? pidfile_process(g, id, dfd) : -1;
	const char *used = g->runtime;

	/* no record: the network stays until the process is known to be gone */
	if (container_runtime(g, NULL, del, false, &e) == 0 && !outlived_delete(pidfd)) {
		teardown_network(g, id);
		return 0;
	}
	if (!e)
		pea_error_new(&e, EBUSY, "%s's delete --force left its process running",
			      strrchr(used, '/') ? strrchr(used, '/') + 1 : used);
	rt = dfd >= 0 ? monitor_runtime(dfd, id) : NULL;
	if (rt && strcmp(rt, used) != 0)
		hint = xasprintf(
			"its monitor runs it with %s: name that one, pea --runtime %s rm -f %s", rt,
			rt, id);
	else if (!rt)
		hint = xasprintf(
			"if another runtime made it, name that one: pea --runtime NAME rm -f %s",
			id);
	return pea_error_new(err, EBUSY, "container %s: %s; %s%s%s; nothing removed", id, why,
			     e->message, hint ? "; " : "", hint ? hint : "");
}

/* The id of the pod whose infra container ID is, or NULL (its record cannot tell). */
static char *pod_of_infra(const struct global_options *g, const char *id)
{
	struct pod_record **v = NULL;
	char *pod = NULL;
	size_t n = 0;

	if (pods_list(g, &v, &n, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < n && !pod; i++)
		if (v[i]->infra_id && strcmp(v[i]->infra_id, id) == 0)
			pod = xstrdup(v[i]->id);
	pods_free(v, n);
	return pod;
}

int container_remove_unreadable(const struct global_options *g, const char *what, bool force,
				struct pea_error **err)
{
	const char *rm[] = { "container", "rm", "--force", "--ignore", NULL, NULL };
	_cleanup_free_ char *id = unreadable_id(g, what), *exitf = NULL, *gone = NULL, *pod = NULL;
	_cleanup_record_ struct ctr_record *rec = NULL;
	_cleanup_error_ struct pea_error *why = NULL, *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_close_ int lock = -1;

	if (!id)
		return pea_error_new(err, ENOENT, "no container with name or ID \"%s\" found",
				     what);
	if (record_lock(g, id, false, &lock, err) < 0)
		return -1;
	if (record_load(g, id, &rec, &why) == 0)
		return pea_error_new(err, EAGAIN, "container %s: its record reads again", id);
	if (why->code == ENOENT)
		return pea_error_new(err, ENOENT, "no container with name or ID \"%s\" found",
				     what);
	/* a pod's infra goes with its pod only, as rm_one refuses one whose record reads */
	pod = pod_of_infra(g, id);
	if (pod)
		return pea_error_new(err, EBUSY,
				     "container %s is the infra container of pod %s and cannot be "
				     "removed without removing the pod",
				     id, pod);
	rm[4] = id;
	gone = xstrdup("its folders");
	if (runtime_has_state(g, id)) {
		if (!force)
			return pea_error_new(
				err, EBUSY,
				"container %s: %s; the runtime has its state (it may be "
				"running): use --force",
				id, why->message);
		if (delete_unreadable(g, id, why->message, err) < 0)
			return -1;
		free(gone);
		gone = xstrdup("its runtime state, its folders");
	} else {
		teardown_network(g, id);
	}
	/* --ignore: {"id"} when it was there, {"ids": []} when not */
	if (store_call(g, rm, &res, &e) == 0 && json_object_object_get_ex(res, "id", NULL)) {
		char *more = xasprintf("%s, its storage", gone);
		free(gone);
		gone = more;
	}
	{
		_cleanup_free_ char *rundir = network_run_dir(g, id);
		_cleanup_free_ char *tomb = xasprintf("%s/containers/.rm-%s", g->runroot, id);

		if (tomb_take(rundir, tomb, err) < 0 || drop_record_dir(g, id, err) < 0)
			return pea_error_wrap(err, "container %s", id);
	}
	exitf = record_exit_file(g, id);
	(void)unlink(exitf);
	tombs_hand_off();
	lock = record_lock_drop(g, id, TAKE_FD(lock));
	log_warning("container %s: %s: removed %s", id, why->message, gone);
	return 0;
}

int container_remove_locked(struct global_options *g, struct ctr_record *r, bool volumes,
			    struct pea_error **err)
{
	return remove_impl(g, r, false, volumes, err);
}

int container_remove(struct global_options *g, struct ctr_record *r, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *fresh = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_close_ int lock = -1;

	if (record_lock(g, r->id, false, &lock, err) < 0)
		return -1;
	if (record_load(g, r->id, &fresh, &e) < 0) {
		if (e->code != ENOENT) {
			*err = TAKE_PTR(e);
			return -1;
		}
		lock = record_lock_drop(g, r->id, TAKE_FD(lock));
		return 0; /* removed meanwhile */
	}
	record_sync_exit(g, fresh);
	if (fresh->state == CTR_RUNNING)
		return pea_error_new(err, EBUSY,
				     "cannot remove container %s as it is running: "
				     "container state improper",
				     r->id);
	if (remove_impl(g, fresh, false, fresh->rm, err) < 0)
		return -1;
	lock = record_lock_drop(g, r->id, TAKE_FD(lock));
	return 0;
}

int container_cleanup_locked(struct global_options *g, struct ctr_record *r, bool remove_rm,
			     bool *ret_removed, struct pea_error **err)
{
	const char *del[] = { "delete", "--force", r->id, NULL };

	*ret_removed = false;
	record_sync_exit(g, r);
	if (r->state == CTR_RUNNING)
		return 0; /* started again meanwhile, or not ended: nothing to clean */
	/* the first cleanup of a run (its root still mounted) tells of the exit */
	if (r->mounted) {
		events_container(g, r, "died");
		events_container(g, r, "cleanup");
	}
	/* a foreground run detached from (tty.h): its exit command removes it */
	if (!remove_rm) {
		_cleanup_free_ char *dir = record_dir(g, r->id);
		_cleanup_free_ char *mark = xasprintf("%s/detached", dir);
		remove_rm = pea_path_exists_at(AT_FDCWD, mark);
	}
	if (remove_rm && r->rm) {
		if (remove_impl(g, r, true, true, err) < 0)
			return -1;
		*ret_removed = true;
		return 0;
	}
	/*
	 * A foreground run's cleanup comes after the exit command's, which left
	 * nothing for the runtime to delete: no second exec of it.
	 */
	if (runtime_has_state(g, r->id))
		(void)container_runtime(g, r, del, true, NULL); /* and the network */
	else
		teardown_network(g, r->id);
	volumes_release(g, r);
	if (unmount(g, r, err) < 0)
		return -1;
	return record_save_state(g, r, err);
}

int container_cleanup(struct global_options *g, const char *id, bool remove_rm,
		      struct pea_error **err)
{
	_cleanup_close_ int lock = -1;
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	bool removed = false;

	if (record_lock(g, id, false, &lock, err) < 0)
		return -1;
	if (record_load(g, id, &r, &e) < 0) {
		if (e->code != ENOENT) {
			*err = TAKE_PTR(e);
			return -1;
		}
		lock = record_lock_drop(g, id, TAKE_FD(lock));
		return 0;
	}
	if (container_cleanup_locked(g, r, remove_rm, &removed, err) < 0)
		return -1;
	if (removed)
		lock = record_lock_drop(g, id, TAKE_FD(lock));
	/* a foreground run's end: its pod's exit policy, once the lock is dropped (pod.h) */
	lock = pea_close(lock);
	pod_after_exit(g, r);
	return 0;
}
