/* Container records (records.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/frontend.h"
#include "frontend/records.h"

#define RECORD_MAX (4u << 20)

struct ctr_record *ctr_record_free(struct ctr_record *r)
{
	if (!r)
		return NULL;
	free(r->id);
	free(r->name);
	free(r->image_id);
	free(r->image_name);
	free(r->created);
	free(r->started_at);
	free(r->finished_at);
	free(r->runtime);
	free(r->restarted_from);
	json_object_put(r->opts);
	free(r);
	return NULL;
}

void ctr_record_freep(struct ctr_record **r)
{
	*r = ctr_record_free(*r);
}

const char *ctr_state_name(enum ctr_state s)
{
	switch (s) {
	case CTR_CREATED:
		return "created";
	case CTR_RUNNING:
		return "running";
	case CTR_EXITED:
		return "exited";
	default:
		return "unknown";
	}
}

static int state_from_name(const char *s, enum ctr_state *ret)
{
	if (strcmp(s, "created") == 0)
		*ret = CTR_CREATED;
	else if (strcmp(s, "running") == 0)
		*ret = CTR_RUNNING;
	else if (strcmp(s, "exited") == 0)
		*ret = CTR_EXITED;
	else
		return -EINVAL;
	return 0;
}

char *record_dir(const struct global_options *g, const char *id)
{
	return xasprintf("%s/containers/%s", g->root, id);
}

char *record_exit_file(const struct global_options *g, const char *id)
{
	return xasprintf("%s/exits/%s", g->runroot, id);
}

char *record_runtime_root(const struct global_options *g)
{
	return xasprintf("%s/runtime", g->runroot);
}

int records_lock(const struct global_options *g, int *ret_fd, struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers", g->root);
	_cleanup_free_ char *lock = xasprintf("%s/containers.lock", g->root);

	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	return pea_lock_at(AT_FDCWD, lock, PEA_LOCK_EXCLUSIVE, false, ret_fd, err) < 0 ? -1 : 0;
}

static char *lock_path(const struct global_options *g, const char *id)
{
	return xasprintf("%s/locks/%s", g->runroot, id);
}

int record_lock(const struct global_options *g, const char *id, bool nonblock, int *ret_fd,
		struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/locks", g->runroot);
	_cleanup_free_ char *path = lock_path(g, id);

	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	for (;;) {
		_cleanup_close_ int fd = -1;
		struct stat a, b;

		if (pea_lock_at(AT_FDCWD, path, PEA_LOCK_EXCLUSIVE, nonblock, &fd, err) < 0)
			return pea_error_wrap(err, "container %s", id);
		if (fstat(fd, &a) < 0)
			return pea_error_errno(err, "stat lock file '%s'", path);
		/* a removal unlinked it while we waited: the lock is the new file's */
		if (stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			*ret_fd = TAKE_FD(fd);
			return 0;
		}
	}
}

int record_lock_drop(const struct global_options *g, const char *id, int fd)
{
	_cleanup_free_ char *path = lock_path(g, id);

	if (fd >= 0)
		(void)unlink(path);
	return pea_unlock(fd);
}

static int not_found(const char *what, struct pea_error **err)
{
	return pea_error_new(err, ENOENT,
			     "no container with name or ID \"%s\" found: "
			     "no such container",
			     what);
}

static bool is_full_id(const char *s);

/*
 * A full id (rm -a's workers, the exit command): its lock, then its record, read once (the
 * lookup read it before the lock too). 1: no such record, its lock dropped (a name of 64
 * hex digits, or gone): the lookup by name decides.
 */
static int lookup_full_id_locked(const struct global_options *g, const char *id,
				 struct ctr_record **ret, int *ret_lock, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *fresh = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_close_ int lock = -1;

	if (record_lock(g, id, false, &lock, err) < 0)
		return -1;
	if (record_load(g, id, &fresh, &e) < 0) {
		if (e->code != ENOENT) {
			*err = TAKE_PTR(e);
			return -1;
		}
		lock = record_lock_drop(g, id, TAKE_FD(lock));
		return 1;
	}
	if (record_sync_exit(g, fresh) && record_save_state(g, fresh, err) < 0)
		return -1;
	*ret = TAKE_PTR(fresh);
	*ret_lock = TAKE_FD(lock);
	return 0;
}

int record_lookup_locked(const struct global_options *g, const char *what, struct ctr_record **ret,
			 int *ret_lock, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL, *fresh = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_close_ int lock = -1;
	int rc = is_full_id(what) ? lookup_full_id_locked(g, what, ret, ret_lock, err) : 1;

	if (rc <= 0)
		return rc;
	if (record_lookup(g, what, &r, err) < 0)
		return -1;
	if (record_lock(g, r->id, false, &lock, err) < 0)
		return -1;
	if (record_load(g, r->id, &fresh, &e) < 0) {
		if (e->code != ENOENT) {
			*err = TAKE_PTR(e);
			return -1;
		}
		/* removed while we waited: no lock file left for it */
		lock = record_lock_drop(g, r->id, TAKE_FD(lock));
		return not_found(what, err);
	}
	if (record_sync_exit(g, fresh) && record_save_state(g, fresh, err) < 0)
		return -1;
	*ret = TAKE_PTR(fresh);
	*ret_lock = TAKE_FD(lock);
	return 0;
}

static int record_from_json(struct json_object *j, struct ctr_record **ret, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = xnew(struct ctr_record, 1);
	const char *id = NULL, *name = NULL, *img = NULL, *imgname = NULL, *created = NULL;
	const char *state = "created", *started = NULL, *finished = NULL, *rt = NULL;
	const char *restarted = NULL;
	int64_t restarts = 0, delay = 0;
	struct json_object *opts = NULL;
	int64_t pid = 0, code = 0;

	if (pea_json_get_string_req(j, "", "id", &id, err) < 0 ||
	    pea_json_get_string_req(j, "", "name", &name, err) < 0 ||
	    pea_json_get_string_opt(j, "", "image_id", &img, err) < 0 ||
	    pea_json_get_string_opt(j, "", "image_name", &imgname, err) < 0 ||
	    pea_json_get_string_opt(j, "", "created", &created, err) < 0 ||
	    pea_json_get_string_opt(j, "", "state", &state, err) < 0 ||
	    pea_json_get_string_opt(j, "", "started_at", &started, err) < 0 ||
	    pea_json_get_string_opt(j, "", "finished_at", &finished, err) < 0 ||
	    pea_json_get_string_opt(j, "", "runtime", &rt, err) < 0 ||
	    pea_json_get_int64_opt(j, "", "pid", &pid, err) < 0 ||
	    pea_json_get_int64_opt(j, "", "exit_code", &code, err) < 0 ||
	    pea_json_get_bool_opt(j, "", "rm", &r->rm, err) < 0 ||
	    pea_json_get_bool_opt(j, "", "mounted", &r->mounted, err) < 0 ||
	    pea_json_get_bool_opt(j, "", "paused", &r->paused, err) < 0 ||
	    pea_json_get_object_opt(j, "", "opts", &opts, err) < 0 ||
	    pea_json_get_int64_opt(j, "", "restart_count", &restarts, err) < 0 ||
	    pea_json_get_string_opt(j, "", "restarted_from", &restarted, err) < 0 ||
	    pea_json_get_int64_opt(j, "", "restart_delay_ms", &delay, err) < 0)
		return -1;
	r->restart_delay_ms = delay > 0 && delay < 3600000 ? (int)delay : 0;
	r->restart_count = (int)restarts;
	r->restarted_from = restarted ? xstrdup(restarted) : NULL;
	if (state_from_name(state, &r->state) < 0)
		return pea_error_new(err, EINVAL, "'state': unknown state '%s'", state);
	r->id = xstrdup(id);
	r->name = xstrdup(name);
	r->image_id = img ? xstrdup(img) : NULL;
	r->image_name = imgname ? xstrdup(imgname) : NULL;
	r->created = xstrdup(created ? created : "");
	r->started_at = started ? xstrdup(started) : NULL;
	r->finished_at = finished ? xstrdup(finished) : NULL;
	r->runtime = rt ? xstrdup(rt) : NULL;
	r->pid = (int)pid;
	r->exit_code = (int)code;
	r->opts = opts ? json_object_get(opts) : json_object_new_object();
	*ret = TAKE_PTR(r);
	return 0;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

/*
 * xfs and an ext4 with a journal (not one made without: pea_fs_journal_ordered)
 * commit it in order: one fsync makes durable every
 * change of metadata made before it, and with it each file's allocation and
 * size (pea-storage's `container create` uses the same for its records).
 */
static bool journal_commits_in_order(int dfd)
{
	return pea_fs_journal_ordered(dfd);
}

/*
 * pea.json replaced durably. On a journal that commits in order, one fsync
 * instead of two: the data is written out and waited for (sync_file_range)
 * before the rename, and the fsync of the folder commits the rename with
 * the file's blocks already on the disk, so a crash leaves the old record
 * or the new, never a torn one. Elsewhere, pea_write_file_atomic_at's file
 * and folder fsyncs. (The helper belongs in lib/file.c.)
 */
static int record_write_durable(int dfd, const char *data, bool commit, struct pea_error **err)
{
	_cleanup_free_ char *rnd = frontend_new_id();
	_cleanup_free_ char *tmp = xasprintf("pea.json.tmp.%.6s", rnd);
	_cleanup_close_ int fd = -1;

	if (!journal_commits_in_order(dfd))
		return pea_write_file_atomic_at(dfd, "pea.json", data, strlen(data), 0600, err);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return pea_error_errno(err, "create '%s'", tmp);
	if (fchmod(fd, 0600) < 0 || pea_write_all(fd, data, strlen(data), err) < 0 ||
	    sync_file_range(fd, 0, 0,
			    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
				    SYNC_FILE_RANGE_WAIT_AFTER) < 0 ||
	    close(TAKE_FD(fd)) < 0 || renameat(dfd, tmp, dfd, "pea.json") < 0) {
		if (!*err)
			pea_error_errno(err, "write '%s'", tmp);
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	if (commit && fsync(dfd) < 0)
		return pea_error_errno(err, "fsync the folder of 'pea.json'");
	return 0;
}

/*
 * A new record on a filesystem whose journal does not commit in order (an
 * ext4 made without one, as / here): its file is on the disk before the
 * rename (never a torn record), and the fsync of its folder that makes the
 * rename durable waits until the container's monitor is starting
 * (records_sync_new), off the path of the run; at the latest, pea's exit
 * does it. A crash before it may lose the record and keep pea-storage's
 * container, which `pea ps --external` lists and `pea rm` removes.
 */
static char *new_record_dir;

int records_sync_new(struct pea_error **err)
{
	_cleanup_free_ char *dir = TAKE_PTR(new_record_dir);
	_cleanup_close_ int dfd = -1;

	if (!dir)
		return 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT) /* removed again (a failed create) */
		return 0;
	if (dfd < 0 || fsync(dfd) < 0)
		return pea_error_errno(err, "fsync '%s'", dir);
	return 0;
}

static void sync_new_at_exit(void)
{
	_cleanup_error_ struct pea_error *e = NULL;

	if (records_sync_new(&e) < 0)
		log_warning("%s, ignoring", e->message);
}

static int record_write_new(int dfd, const char *dir, const char *data, struct pea_error **err)
{
	static bool registered;

	if (records_sync_new(err) < 0 || /* one pending at a time */
	    pea_write_file_synced_at(dfd, "pea.json", data, strlen(data), 0600, err) < 0)
		return -1;
	if (!registered && atexit(sync_new_at_exit) != 0)
		return fsync(dfd) < 0 ? pea_error_errno(err, "fsync '%s'", dir) : 0;
	registered = true;
	new_record_dir = xstrdup(dir);
	return 0;
}

/*
 * A new container's record is followed by pea-storage's `container create`,
 * whose one fsync at its end commits this record's rename too when both are
 * on one filesystem (a journal that commits in order: above): one journal
 * commit per create instead of two. Until then a crash loses the record, as
 * a kill before the rename does.
 */
static bool committed_by_storage(const struct global_options *g, int dfd)
{
	_cleanup_free_ char *store = xasprintf("%s/storage", g->root);
	struct stat a, b;

	return fstat(dfd, &a) == 0 && stat(store, &b) == 0 && a.st_dev == b.st_dev;
}

/*
 * durable: fsync the file and the folder (record_write_durable). Only
 * what a reboot cannot work out again needs it: the record as made (it names
 * the storage layer; but a --rm container's, volatile as its layer: see
 * record_save_new), renamed, connected, updated. The life-cycle fields
 * (record_save_state: state, pid, times, mounted) describe processes and
 * mounts that a reboot ends anyway, and are brought up to date from the exit
 * file and the monitor's pid; they are replaced whole (a rename), without
 * the two fsyncs that cost a run milliseconds (tens on a busy disk). ext4
 * (auto_da_alloc) and xfs flush a file renamed over another before the
 * rename is committed: a crash leaves the old record or the new, not an
 * empty one.
 */
enum record_sync {
	RECORD_REPLACE, /* a rename, no fsync */
	RECORD_DURABLE, /* committed before the call returns */
	RECORD_NEW,	/* durable once pea-storage's container create has returned */
};

static int record_write(const struct global_options *g, const struct ctr_record *r,
			enum record_sync sync, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_free_ char *dir = record_dir(g, r->id);
	const char *s;

	add_str(o, "id", r->id);
	add_str(o, "name", r->name);
	add_str(o, "image_id", r->image_id);
	add_str(o, "image_name", r->image_name);
	add_str(o, "created", r->created);
	add_str(o, "state", ctr_state_name(r->state));
	json_object_object_add(o, "pid", json_object_new_int(r->pid));
	json_object_object_add(o, "exit_code", json_object_new_int(r->exit_code));
	add_str(o, "started_at", r->started_at);
	add_str(o, "finished_at", r->finished_at);
	json_object_object_add(o, "rm", json_object_new_boolean(r->rm));
	json_object_object_add(o, "mounted", json_object_new_boolean(r->mounted));
	add_str(o, "runtime", r->runtime);
	if (r->paused)
		json_object_object_add(o, "paused", json_object_new_boolean(true));
	if (r->restart_count)
		json_object_object_add(o, "restart_count", json_object_new_int(r->restart_count));
	add_str(o, "restarted_from", r->restarted_from);
	if (r->restart_delay_ms)
		json_object_object_add(o, "restart_delay_ms",
				       json_object_new_int(r->restart_delay_ms));
	json_object_object_add(o, "opts", json_object_get(r->opts));
	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	s = json_object_to_json_string_ext(o,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	{
		_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return pea_error_errno(err, "open '%s'", dir);
		if ((sync == RECORD_REPLACE
			     ? pea_write_file_replace_at(dfd, "pea.json", s, strlen(s), 0600, err)
		     : sync == RECORD_NEW && !journal_commits_in_order(dfd)
			     ? record_write_new(dfd, dir, s, err)
			     : record_write_durable(dfd, s,
						    sync == RECORD_DURABLE ||
							    !committed_by_storage(g, dfd),
						    err)) < 0)
			return pea_error_wrap(err, "container '%s'", r->id);
	}
	return 0;
}

int record_save(const struct global_options *g, const struct ctr_record *r, struct pea_error **err)
{
	return record_write(g, r, RECORD_DURABLE, err);
}

/*
 * The folders that hold one folder per container (the records, the run
 * folders, the runtime's states) spread those over the disk's block groups
 * (pea_dir_spread): a new container's files are then made where few inodes
 * were freed lately, not behind the deletes of the last hundred containers.
 * Best effort, once per create.
 */
static void records_spread(const struct global_options *g)
{
	const char *const roots[] = { g->root, g->runroot, g->runroot };
	const char *const subs[] = { "containers", "containers", "runtime" };

	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", roots[i], subs[i]);
		_cleanup_close_ int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 && errno == ENOENT && frontend_mkdir_p(d, NULL) == 0)
			fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			pea_dir_spread(fd);
	}
}

int record_save_new(const struct global_options *g, const struct ctr_record *r,
		    struct pea_error **err)
{
	records_spread(g);
	/* --rootfs: no `pea-storage container create` follows to commit it */
	if (!r->rm && json_object_object_get_ex(r->opts, "rootfs", NULL))
		return record_write(g, r, RECORD_DURABLE, err);
	return record_write(g, r, r->rm ? RECORD_REPLACE : RECORD_NEW, err);
}

static void take_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? xstrdup(src) : NULL;
}

int record_save_state(const struct global_options *g, const struct ctr_record *r,
		      struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *fresh = NULL;

	/* gone: never brought back (its lock holder removed it) */
	if (record_load(g, r->id, &fresh, err) < 0)
		return -1;
	fresh->state = r->state;
	fresh->pid = r->pid;
	fresh->exit_code = r->exit_code;
	fresh->mounted = r->mounted;
	fresh->paused = r->paused;
	fresh->restart_count = r->restart_count;
	fresh->restart_delay_ms = r->restart_delay_ms;
	take_str(&fresh->started_at, r->started_at);
	take_str(&fresh->finished_at, r->finished_at);
	take_str(&fresh->runtime, r->runtime);
	take_str(&fresh->restarted_from, r->restarted_from);
	return record_write(g, fresh, RECORD_REPLACE, err);
}

int record_load(const struct global_options *g, const char *id, struct ctr_record **ret,
		struct pea_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/containers/%s/pea.json", g->root, id);
	_cleanup_json_ struct json_object *j = NULL;

	if (pea_json_parse_file_at(AT_FDCWD, path, RECORD_MAX, &j, err) < 0)
		return -1;
	if (!j || pea_json_expect_object(j, "", err) < 0)
		return pea_error_new(err, EINVAL, "'%s': not a container record", path);
	if (record_from_json(j, ret, err) < 0)
		return pea_error_wrap(err, "'%s'", path);
	return 0;
}

void records_free(struct ctr_record **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ctr_record_free(v[i]);
	free(v);
}

/*
 * A record that cannot be read is skipped with a warning, once per process: a
 * command that lists the containers more than once (pod ps, pod inspect)
 * would say the same line each time.
 */
static void warn_unreadable(const char *id, const char *msg)
{
	static char **warned;

	if (warned && pea_strv_contains(warned, id))
		return;
	pea_strv_push(&warned, id);
	log_warning("%s, ignoring", msg);
}

static int by_created(const void *a, const void *b)
{
	const struct ctr_record *x = *(struct ctr_record *const *)a;
	const struct ctr_record *y = *(struct ctr_record *const *)b;

	return strcmp(x->created, y->created);
}

int records_list(const struct global_options *g, struct ctr_record ***ret, size_t *ret_n,
		 struct pea_error **err)
{
	return records_list_bad(g, ret, ret_n, NULL, err);
}

int records_list_bad(const struct global_options *g, struct ctr_record ***ret, size_t *ret_n,
		     char ***ret_bad, struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers", g->root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct ctr_record **v = NULL;
	size_t n = 0;
	struct dirent *e;

	if (!d) {
		if (errno == ENOENT) {
			*ret = NULL;
			*ret_n = 0;
			return 0;
		}
		return pea_error_errno(err, "open '%s'", dir);
	}
	while ((e = readdir(d))) {
		struct ctr_record *r = NULL;
		_cleanup_error_ struct pea_error *e2 = NULL;

		if (e->d_name[0] == '.' || strlen(e->d_name) != 64)
			continue;
		if (record_load(g, e->d_name, &r, &e2) < 0) {
			/* A folder whose record is not written yet (create in flight), or gone. */
			if (e2->code != ENOENT && ret_bad)
				pea_strv_push(ret_bad, e->d_name);
			else if (e2->code != ENOENT)
				warn_unreadable(e->d_name, e2->message);
			continue;
		}
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = r;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), by_created);
	*ret = v;
	*ret_n = n;
	return 0;
}

static bool is_full_id(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/*
 * The name of record dir/pea.json from its first bytes: record_write puts
 * {"id":"ID","name":" first, and names need no escapes (podman's
 * [a-zA-Z0-9][a-zA-Z0-9_.-]*). NULL where that is not what is there (an
 * escape, a long name, another writer): the caller parses the whole record.
 */
static char *scan_name(int dfd, const char *id)
{
	_cleanup_free_ char *path = xasprintf("%s/pea.json", id);
	_cleanup_free_ char *prefix = xasprintf("{\"id\":\"%s\",\"name\":\"", id);
	_cleanup_close_ int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[512];
	size_t plen = strlen(prefix), nlen;
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= (ssize_t)plen || memcmp(buf, prefix, plen) != 0)
		return NULL;
	buf[n] = '\0';
	nlen = strcspn(buf + plen, "\"\\");
	if (buf[plen + nlen] != '"' || nlen == 0)
		return NULL;
	return xstrndup(buf + plen, nlen);
}

int records_names(const struct global_options *g, char ***ret_ids, char ***ret_names,
		  struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers", g->root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	_cleanup_strv_ char **ids = NULL, **names = NULL;
	struct dirent *e;

	if (!d && errno != ENOENT)
		return pea_error_errno(err, "open '%s'", dir);
	while (d && (e = readdir(d))) {
		_cleanup_record_ struct ctr_record *r = NULL;
		_cleanup_error_ struct pea_error *e2 = NULL;
		char *name;

		if (e->d_name[0] == '.' || strlen(e->d_name) != 64)
			continue;
		name = scan_name(dirfd(d), e->d_name);
		if (!name) {
			/* as records_list: a record not written yet, or gone, is no name */
			if (record_load(g, e->d_name, &r, &e2) < 0) {
				if (e2->code != ENOENT)
					warn_unreadable(e->d_name, e2->message);
				continue;
			}
			name = xstrdup(r->name);
		}
		pea_strv_push(&ids, e->d_name);
		pea_strv_push_take(&names, name);
	}
	*ret_ids = TAKE_PTR(ids);
	*ret_names = TAKE_PTR(names);
	return 0;
}

int record_lookup(const struct global_options *g, const char *what, struct ctr_record **ret,
		  struct pea_error **err)
{
	struct ctr_record **v = NULL;
	size_t n = 0, hits = 0, hit = 0;

	if (!*what)
		return pea_error_new(err, EINVAL, "container name or ID must not be empty");
	/*
	 * A full id (what the exit command, rm -a and run pass) is its folder:
	 * one record read, where the list reads them all (each create, start
	 * and removal of N containers would read N records: N² for rm -a).
	 */
	if (is_full_id(what)) {
		_cleanup_error_ struct pea_error *e = NULL;

		if (record_load(g, what, ret, &e) == 0)
			return 0;
		if (e->code != ENOENT) {
			*err = TAKE_PTR(e);
			return -1;
		}
	}
	if (records_list(g, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i]->id, what) == 0 || strcmp(v[i]->name, what) == 0) {
			hits = 1;
			hit = i;
			break;
		}
		if (strncmp(v[i]->id, what, strlen(what)) == 0) {
			hits++;
			hit = i;
		}
	}
	if (hits == 1) {
		*ret = v[hit];
		v[hit] = NULL;
		records_free(v, n);
		return 0;
	}
	records_free(v, n);
	if (hits > 1)
		return pea_error_new(err, EINVAL, "more than one result for container \"%s\"",
				     what);
	return not_found(what, err);
}

static char *mtime_string(const struct stat *st)
{
	struct tm tm;
	char buf[64];

	gmtime_r(&st->st_mtim.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%09ldZ", buf, st->st_mtim.tv_nsec);
}

/* A process that exists and is not a zombie. */
static bool pid_alive(int pid)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	const char *paren;
	size_t len;

	if (pid <= 0)
		return false;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return false;
	path = xasprintf("/proc/%d/stat", pid);
	if (pea_read_file_at(AT_FDCWD, path, 4096, &buf, &len, NULL) < 0)
		return false; /* gone meanwhile */
	paren = strrchr(buf, ')');
	return !(paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'));
}

/*
 * Neither the monitor (which would write the exit file) nor the container is
 * left: killed with the monitor, or a reboot. The exit code is unknown (-1).
 */
static bool monitor_and_container_gone(const struct global_options *g, const struct ctr_record *r)
{
	_cleanup_free_ char *pidfile = xasprintf("%s/containers/%s/conmon.pid", g->root, r->id);
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (pid_alive(r->pid))
		return false;
	if (pea_read_file_at(AT_FDCWD, pidfile, 64, &buf, &len, NULL) < 0)
		return false;
	return !pid_alive(atoi(buf));
}

bool record_sync_exit(const struct global_options *g, struct ctr_record *r)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	struct stat st;
	size_t len;

	if (r->state != CTR_RUNNING)
		return false;
	path = record_exit_file(g, r->id);
	if (stat(path, &st) < 0) {
		if (!monitor_and_container_gone(g, r))
			return false;
		/* the exit file may have landed meanwhile */
		if (stat(path, &st) < 0) {
			r->state = CTR_EXITED;
			r->exit_code = -1;
			free(r->finished_at);
			r->finished_at = frontend_now();
			r->pid = 0;
			return true;
		}
	}
	if (pea_read_file_at(AT_FDCWD, path, 64, &buf, &len, NULL) < 0 || len == 0)
		return false; /* the monitor replaces it atomically; empty means not yet */
	r->state = CTR_EXITED;
	r->exit_code = atoi(buf);
	/* -1: the monitor's timeout; podman shows it as is. */
	free(r->finished_at);
	r->finished_at = mtime_string(&st);
	r->pid = 0;
	return true;
}

int record_refresh(const struct global_options *g, struct ctr_record *r, struct pea_error **err)
{
	_cleanup_close_ int lock = -1;
	_cleanup_record_ struct ctr_record *fresh = NULL;

	if (r->state != CTR_RUNNING)
		return 0;
	if (!record_sync_exit(g, r))
		return 0;
	/* the command that holds it (stop, start, cleanup) saves the record itself */
	if (record_lock(g, r->id, true, &lock, NULL) < 0)
		return 0;
	/* Another command may have moved on (removed it, restarted it): keep theirs. */
	if (record_load(g, r->id, &fresh, NULL) < 0) {
		_cleanup_free_ char *dir = record_dir(g, r->id);
		if (!pea_path_exists_at(AT_FDCWD, dir))
			lock = record_lock_drop(g, r->id, TAKE_FD(lock));
		return 0;
	}
	if (fresh->state != CTR_RUNNING || strcmp(fresh->started_at ? fresh->started_at : "",
						  r->started_at ? r->started_at : "") != 0)
		return 0;
	return record_save_state(g, r, err);
}
