#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "apply.h"
#include "cli.h"
#include "diff.h"
#include "lib/digest.h"
#include "driver.h"
#include "durable.h"
#include "idmap.h"
#include "layer.h"
#include "records.h"
#include "tarsplit.h"
#include "store.h"

char *layer_chain_id(const char *parent_id, const char *diff_id)
{
	_cleanup_free_ char *text = NULL;
	char d[PEA_DIGEST_MAX];

	if (!parent_id)
		return xstrdup(diff_id + strlen("sha256:"));
	text = xasprintf("sha256:%s %s", parent_id, diff_id);
	pea_digest_buffer("sha256", text, strlen(text), d);
	return xstrdup(d + strlen("sha256:"));
}

/* A staged layer: staging/NAME with staging/NAME.lock held by us. */
struct staged {
	int dirfd;
	int lockfd;
	char *name;
	bool moved; /* committed: the directory is the layer's now */
};

static void staged_discard(struct staged *st)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_free_ char *lock = NULL;

	if (st->dirfd < 0)
		return;
	if (st->name && !st->moved && pea_rm_rf_at(st->dirfd, st->name, &e) < 0)
		log_warning("%s, ignoring", e->message);
	if (st->name) {
		/* the lock file goes while we hold it: nobody can take it for a stale one */
		lock = xasprintf("%s.lock", st->name);
		unlinkat(st->dirfd, lock, 0);
	}
	st->lockfd = pea_unlock(st->lockfd);
	st->dirfd = pea_close(st->dirfd);
	st->name = (free(st->name), NULL);
}

/*
 * staging/ is marked a top of directory hierarchies (pea_dir_spread): each new
 * layer's folder gets a block group of its own, and the layer's files follow
 * it, where they all went near the store. After a big delete, the scan of
 * recently freed inodes was most of an apply's CPU (0.45 of 0.65 s system
 * time pulling a 6-layer image). Two applies also no longer share a group's
 * bitmap.
 */
static int staged_new(struct store *s, const char *parent, struct staged *st,
		      struct pea_error **err)
{
	_cleanup_free_ char *lock = NULL;

	st->dirfd = openat(s->root_fd, "staging", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dirfd < 0)
		return pea_error_errno(err, "open '%s/staging'", s->graph_root);
	pea_dir_spread(st->dirfd);
	st->name = cli_random_id();
	lock = xasprintf("%s.lock", st->name);
	if (pea_lock_at(st->dirfd, lock, PEA_LOCK_EXCLUSIVE, true, &st->lockfd, err) < 0)
		return -1;
	return driver_prepare_layer(s, st->dirfd, st->name, parent, err);
}

static int check_parent(struct store *s, const char *parent, struct pea_error **err)
{
	struct layer_rec p = { 0 };

	if (!parent)
		return 0;
	if (layer_load(s, parent, &p, err) < 0)
		return -1;
	layer_rec_clear(&p);
	return 0;
}

/*
 * staging/applying-ID.lock, held shared by every apply that will commit layer ID for as
 * long as it runs (two pulls may apply the same layer at once): a child applied at the
 * same time waits on it for its parent until no apply of it holds it. Not taken (-1) only
 * when a waiter held it exclusive all along (it does for an instant).
 */
static int announce(struct store *s, const char *id, int *ret_fd, struct pea_error **err)
{
	_cleanup_free_ char *name = xasprintf("staging/applying-%s.lock", id);
	int busy = 0;

	*ret_fd = -1;
	for (int tries = 0; tries < 100;) {
		_cleanup_error_ struct pea_error *e = NULL;
		_cleanup_close_ int fd = -1;
		struct stat a, b;

		if (pea_lock_at(s->root_fd, name, PEA_LOCK_SHARED, true, &fd, &e) < 0) {
			/* a waiter that found every apply of it ended lets go at once */
			if (pea_error_is(e, EWOULDBLOCK) && ++busy >= 1000)
				return 0;
			if (!pea_error_is(e, EWOULDBLOCK))
				return pea_error_new(err, e ? e->code : EIO, "%s",
						     e ? e->message : name);
			usleep(1000);
			continue;
		}
		/* a store open may have removed the file, seen unheld, before we locked it */
		if (fstat(fd, &a) < 0)
			return pea_error_errno(err, "stat '%s'", name);
		if (fstatat(s->root_fd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			/* a new try: an earlier failure no longer speaks for the layer */
			store_unmark_failed(s, id);
			*ret_fd = TAKE_FD(fd);
			return 0;
		}
		tries++;
	}
	return pea_error_new(err, EAGAIN, "cannot take '%s'", name);
}

/* With the store lock held, like announce(): the last apply of the layer removes the file. */
static void unannounce(struct store *s, const char *id, int fd)
{
	_cleanup_free_ char *name = xasprintf("staging/applying-%s.lock", id);

	if (fd < 0)
		return;
	/*
	 * Removed while held exclusive: nobody can take it for a stale one. Another apply
	 * of the layer that still holds it keeps it (a failed upgrade drops ours: flock(2)).
	 */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		unlinkat(s->root_fd, name, 0);
	pea_unlock(fd);
}

static void on_alarm(int sig)
{
	(void)sig; /* only interrupts flock() */
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* flock(fd, LOCK_EX), given up at deadline (CLOCK_MONOTONIC, ms): -ETIMEDOUT then. */
static int lock_until(int fd, uint64_t deadline)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval off = { 0 };
	sigset_t alarm, mask;
	int r = -ETIMEDOUT;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old); /* no SA_RESTART: flock() returns EINTR */
	/* a mask inherited from the caller must not make the wait endless */
	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &alarm, &mask);
	for (uint64_t now = now_ms(); now < deadline; now = now_ms()) {
		struct itimerval t = { .it_value = { .tv_sec = (time_t)((deadline - now) / 1000u),
						     .tv_usec = (suseconds_t)((deadline - now) %
									      1000u * 1000u) } };

		setitimer(ITIMER_REAL, &t, NULL);
		if (flock(fd, LOCK_EX) == 0) {
			r = 0;
			break;
		}
		if (errno != EINTR) {
			r = -errno;
			break;
		}
	}
	setitimer(ITIMER_REAL, &off, NULL);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	sigaction(SIGALRM, &old, NULL);
	return r;
}

enum apply_state {
	APPLY_NONE,    /* no apply of the layer announced */
	APPLY_RUNNING, /* an apply of it holds staging/applying-ID.lock: *ret_fd waits on it */
	APPLY_DEAD,    /* the lock is there but free: its last apply was killed */
};

/* With the store lock held (announce() takes the lock file with it held, in one go). */
static enum apply_state apply_state(struct store *s, const char *id, int *ret_fd)
{
	_cleanup_free_ char *name = xasprintf("staging/applying-%s.lock", id);
	_cleanup_close_ int fd = openat(s->root_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return APPLY_NONE;
	/* every apply of it holds it shared: free for us alone when none runs */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return APPLY_DEAD; /* the close lets it go */
	*ret_fd = TAKE_FD(fd);
	return APPLY_RUNNING;
}

struct parent_wait {
	const char *parent;
	bool may_wait;	 /* a chain id: its apply may be running */
	bool wait_start; /* --wait-parent: also one that has not started yet */
	unsigned timeout_s;
	unsigned start_timeout_s;     /* the wait for a start, when shorter (0: timeout_s) */
	const struct timespec *since; /* when this apply started (CLOCK_REALTIME_COARSE) */
};

/* The wait for a running apply of the parent, with the store lock released meanwhile. */
static int wait_running(struct store *s, const struct parent_wait *w, int fd, uint64_t deadline,
			struct pea_error **err)
{
	int r;

	store_unlock(s);
	r = lock_until(fd, deadline);
	/* at once: an apply of it that starts takes it shared, with the store lock held */
	if (r == 0)
		flock(fd, LOCK_UN);
	if (store_relock(s, err) < 0)
		return -1;
	if (r == -ETIMEDOUT)
		return pea_error_new(err, ETIMEDOUT,
				     "parent layer '%s': its apply did not end in %u s "
				     "(--wait-timeout)",
				     w->parent, w->timeout_s);
	if (r < 0)
		return pea_error_new(err, -r, "wait for parent layer '%s': %s", w->parent,
				     strerror(-r));
	return 0;
}

/*
 * With the store lock held: the parent's record is there, or (may_wait) wait for the
 * applies that announced it, with the store lock released meanwhile, until none runs.
 * With wait_start, a parent whose apply has not started yet is waited for too (looked
 * for every 20 ms, start_timeout_s at most). Once no apply of the parent runs, one that
 * failed or was killed is an error at once (another apply of the same layer, another
 * pull's, may still commit it: it is waited for), and no wait is longer than the
 * timeout.
 */
static int wait_parent(struct store *s, const struct parent_wait *w, struct pea_error **err)
{
	uint64_t deadline = now_ms() + (uint64_t)w->timeout_s * 1000u;
	bool start_first = w->start_timeout_s && w->start_timeout_s < w->timeout_s;
	unsigned start_s = start_first ? w->start_timeout_s : w->timeout_s;
	uint64_t start_deadline = now_ms() + (uint64_t)start_s * 1000u;
	bool seen = false; /* its apply was seen running */

	while (w->parent && !store_record_exists(s, "layers", w->parent)) {
		_cleanup_free_ char *why = NULL;
		_cleanup_close_ int fd = -1;
		enum apply_state state;

		state = w->may_wait ? apply_state(s, w->parent, &fd) : APPLY_NONE;
		if (state == APPLY_RUNNING) {
			if (wait_running(s, w, fd, deadline, err) < 0)
				return -1;
			seen = true;
			continue;
		}
		if (w->may_wait && store_failed_since(s, w->parent, w->since, &why))
			return pea_error_new(err, ENOENT, "parent layer '%s': its apply failed: %s",
					     w->parent, why);
		if (state == APPLY_DEAD)
			return pea_error_new(err, ENOENT,
					     "parent layer '%s': its apply stopped before "
					     "committing it",
					     w->parent);
		if (seen)
			return pea_error_new(
				err, ENOENT,
				"parent layer '%s': its apply ended without committing it",
				w->parent);
		if (!w->may_wait)
			return pea_error_new(err, ENOENT, "parent layer '%s' does not exist",
					     w->parent);
		if (!w->wait_start)
			return pea_error_new(
				err, ENOENT,
				"parent layer '%s' does not exist and is not being applied",
				w->parent);
		if (now_ms() >= start_deadline)
			return pea_error_new(err, ETIMEDOUT,
					     "parent layer '%s': its apply did not start in %u s "
					     "(%s)",
					     w->parent, start_s,
					     start_first ? "--start-timeout" : "--wait-timeout");
		store_unlock(s);
		usleep(20000);
		if (store_relock(s, err) < 0)
			return -1;
	}
	return 0;
}

/* The staged layer's files, and the file for its tar-split record. */
static int open_staged(struct staged *st, int *ret_diff, int *ret_split, struct pea_error **err)
{
	_cleanup_free_ char *diff = xasprintf("%s/diff", st->name);
	_cleanup_free_ char *split = xasprintf("%s/tar-split", st->name);

	*ret_diff = openat(st->dirfd, diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*ret_diff < 0)
		return pea_error_errno(err, "open the staged layer");
	*ret_split = openat(st->dirfd, split, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (*ret_split < 0)
		return pea_error_errno(err, "create the staged layer's tar-split");
	return 0;
}

/* Keep a complete tar-split record (synced with the layer at commit), drop any other. */
static int finish_split(struct staged *st, bool complete, struct pea_error **err)
{
	_cleanup_free_ char *split = xasprintf("%s/tar-split", st->name);

	if (!complete) {
		log_debug("layer: no tar-split record, 'layer diff' will make a new tar");
		if (unlinkat(st->dirfd, split, 0) < 0)
			return pea_error_errno(err, "remove the staged layer's tar-split");
		return 0;
	}
	return 0;
}

/* A stream that is not what the caller expected is not a layer. */
static int check_digests(const struct layer_apply_options *o, const struct apply_result *res,
			 struct pea_error **err)
{
	if (o->digest && strcmp(o->digest, res->compressed_digest))
		return pea_error_new(err, EBADMSG, "the stream's digest is '%s', not '%s'",
				     res->compressed_digest, o->digest);
	if (o->diff_id && strcmp(o->diff_id, res->diff_id))
		return pea_error_new(err, EBADMSG, "the layer's diff id is '%s', not '%s'",
				     res->diff_id, o->diff_id);
	return 0;
}

static int commit(struct store *s, struct staged *st, struct layer_rec *l, struct pea_error **err)
{
	if (driver_commit_layer(s, st->dirfd, st->name, l->id, &l->link, err) < 0)
		return -1;
	st->moved = true; /* nothing to discard but the lock */
	store_crash_point("layer-before-record");
	return layer_save(s, l, err);
}

/* syncfs() of the filesystem of fd, and of other's when it is another one. */
static int sync_fs(int fd, int other, const char *what, struct pea_error **err)
{
	struct stat a, b;

	if (syncfs(fd) < 0)
		return pea_error_errno(err, "sync %s", what);
	if (fstat(fd, &a) == 0 && fstat(other, &b) == 0 && a.st_dev != b.st_dev &&
	    syncfs(other) < 0)
		return pea_error_errno(err, "sync %s", what);
	return 0;
}

/* fsync of path under dirfd ("" or NULL: dirfd itself). */
static int fsync_at(int dirfd, const char *path, const char *what, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;

	if (!path || !*path)
		return fsync(dirfd) < 0 ? pea_error_errno(err, "sync %s", what) : 0;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fsync(fd) < 0)
		return pea_error_errno(err, "sync %s", what);
	return 0;
}

/*
 * What a commit changes after a syncfs() that came once the layer's files were all
 * written (sync_before_parent()): the root's mode (settle_root_mode()), the move of
 * the staged directory into the driver's (both folders, and the moved one's ".."),
 * the link, and the record's contents. Their fsyncs make durable all that the
 * commit's syncfs() would, without writing (and waiting for) every other dirty page
 * of the filesystem, other applies' and other programs', under the store lock.
 */
static int sync_commit(struct store *s, struct staged *st, const struct layer_rec *l, int difffd,
		       int dfd, const char *tmp, struct pea_error **err)
{
	_cleanup_close_ int ldir = -1;

	if (fsync(difffd) < 0)
		return pea_error_errno(err, "sync the new layer");
	if (fsync_at(s->driver_fd, l->id, "the new layer", err) < 0 ||
	    fsync_at(s->driver_fd, NULL, "the layers' folder", err) < 0 ||
	    fsync_at(st->dirfd, NULL, "the staging folder", err) < 0)
		return -1;
	if (l->link) {
		ldir = openat(s->driver_fd, "l", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (ldir < 0 || fsync(ldir) < 0)
			return pea_error_errno(err, "sync the links' folder");
	}
	return fsync_at(dfd, tmp, "the new layer's record", err);
}

/*
 * Commit an applied layer with one sync for all of it: the record goes to a temp file,
 * then one syncfs() makes durable the layer's files, its tar-split, its move into the
 * driver dir, its link and the record's contents (or, when the files were synced
 * already, difffd >= 0: sync_commit()); then the rename of the record (the commit
 * point) and an fsync of layers/ for the rename. A crash before the rename is durable
 * leaves files without a record, which the next open removes. deferred (pea_sync=deferred,
 * with a tar-split record to verify the files by): no sync of the files, the record is
 * marked unsynced (durable.h).
 */
static int commit_applied(struct store *s, struct staged *st, struct layer_rec *l, int difffd,
			  bool deferred, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = NULL;
	_cleanup_free_ char *name = xasprintf("%s.json", l->id);
	_cleanup_free_ char *rnd = cli_random_id();
	_cleanup_free_ char *tmp = xasprintf("%s.json.tmp.%.12s", l->id, rnd);
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int dfd = -1;
	_cleanup_close_ int fd = -1;

	if (driver_commit_layer(s, st->dirfd, st->name, l->id, &l->link, err) < 0)
		return -1;
	st->moved = true; /* nothing to discard but the lock */
	store_crash_point("layer-before-record");
	if (deferred) {
		l->unsynced = durable_boot_id();
		l->refetchable = true; /* only such a layer is deferred */
		if (durable_note(s, l->id, err) < 0)
			return -1;
	}
	o = layer_rec_to_json(l);
	data = xasprintf("%s\n",
			 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	dfd = openat(s->root_fd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s/layers'", s->graph_root);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return pea_error_errno(err, "create the record of layer '%s'", l->id);
	if (fchmod(fd, 0600) < 0 || pea_write_all(fd, data, strlen(data), err) < 0 ||
	    close(TAKE_FD(fd)) < 0)
		goto out_unlink;
	/* deferred: the record alone is made durable (its files are the next sync's) */
	if (deferred	  ? fsync_at(dfd, tmp, "the new layer's record", err) < 0
	    : difffd >= 0 ? sync_commit(s, st, l, difffd, dfd, tmp, err) < 0
			  : sync_fs(s->driver_fd, dfd, "the new layer", err) < 0)
		goto out_unlink;
	store_crash_point("layer-before-rename");
	if (renameat(dfd, tmp, dfd, name) < 0) {
		pea_error_errno(err, "rename the record of layer '%s'", l->id);
		goto out_unlink;
	}
	if (fsync(dfd) < 0)
		return pea_error_errno(err, "sync '%s/layers'", s->graph_root);
	return 0;

out_unlink:
	if (!*err)
		pea_error_errno(err, "write the record of layer '%s'", l->id);
	unlinkat(dfd, tmp, 0);
	return -1;
}

/*
 * The layer's files are all written and its parent is not in the store yet (a pull
 * applies its layers at the same time, each waiting for its parent to commit): their
 * writeback is started and waited for now (syncfs), beside the layers below, rather
 * than in the commit's syncfs, which runs under the store's lock, one layer after the
 * other. true: the commit then syncs only what it changes (sync_commit()); false (no
 * parent, or it is there, or the sync failed): the commit's syncfs makes the layer
 * durable.
 */
static bool sync_before_parent(struct store *s, const char *parent, int difffd)
{
	struct stat a, b;

	if (!parent || store_record_exists(s, "layers", parent))
		return false;
	if (syncfs(difffd) < 0) {
		log_debug("syncfs: %s", strerror(errno));
		return false;
	}
	/* the record's folder on another filesystem: the commit syncs that one whole */
	return fstat(difffd, &a) == 0 && fstat(s->root_fd, &b) == 0 && a.st_dev == b.st_dev;
}

/*
 * The root of a layer over PARENT takes the parent's mode once the parent is stored:
 * driver_prepare_layer() could only guess (0555) while a parent applied at the same time
 * (a pull's --wait-parent) still lived in staging. Under the store lock, after wait_parent().
 */
static int settle_root_mode(struct store *s, int difffd, const char *parent, struct pea_error **err)
{
	mode_t mode;
	int r;

	/* a base layer's and an unprivileged user's are set already */
	if (!parent || geteuid() != 0)
		return 0;
	r = driver_root_mode(s, parent, &mode);
	if (r < 0)
		return pea_error_code(err, -r, "parent layer '%s'", parent);
	if (fchmod(difffd, mode) < 0)
		return pea_error_errno(err, "set the mode of the new layer's root");
	return 0;
}

/*
 * The existing layer id, when damaged by a crash (durable.h), is replaced by this apply:
 * its folder is moved aside into staging (removed after the commit, or by the next
 * open's repair) and its link removed. 0: it is whole (the apply found it there), 1:
 * moved aside, the apply commits in its place.
 */
static int replace_damaged(struct store *s, struct staged *st, const char *id, char **ret_aside,
			   struct pea_error **err)
{
	_cleanup_free_ char *aside = NULL;
	struct layer_rec old = { 0 };
	int r = 1;

	if (layer_load(s, id, &old, err) < 0)
		return -1;
	if (!old.damaged) {
		r = 0;
		goto out;
	}
	if (driver_mount_count(s, id) > 0) {
		r = pea_error_new(err, EBUSY,
				  "layer '%s' is damaged and mounted: unmount it to apply it again",
				  id);
		goto out;
	}
	aside = xasprintf("%s.damaged", st->name);
	if (renameat(s->driver_fd, id, st->dirfd, aside) < 0 && errno != ENOENT) {
		r = pea_error_errno(err, "move the damaged layer '%s' aside", id);
		goto out;
	}
	if (old.link) {
		_cleanup_free_ char *link = xasprintf("l/%s", old.link);

		unlinkat(s->driver_fd, link, 0);
	}
	log_info("layer '%s' was damaged (%s): applied again", id, old.damaged);
	*ret_aside = TAKE_PTR(aside);
out:
	layer_rec_clear(&old);
	return r;
}

static void drop_aside(struct staged *st, const char *aside)
{
	_cleanup_error_ struct pea_error *e = NULL;

	if (pea_rm_rf_at(st->dirfd, aside, &e) < 0)
		log_warning("%s, ignoring", e->message);
}

int layer_apply(struct store *s, int in_fd, const struct layer_apply_options *o,
		struct layer_rec *ret, bool *ret_existed, struct pea_error **err)
{
	struct staged st = { .dirfd = -1, .lockfd = -1 };
	struct apply_options ao = {
		.mode = driver_is_vfs(s) ? APPLY_VFS : APPLY_OVERLAY,
		.opaque_xattr = driver_opaque_xattr(s),
		.ignore_chown_errors = s->ignore_chown_errors,
		.expect_digest = o->digest,
		/* only a layer a registry has again may wait for the disk (pea_sync=deferred) */
		.no_writeback = s->sync_deferred && o->refetchable,
	};
	struct apply_result res = { 0 };
	struct layer_rec l = { 0 };
	_cleanup_free_ char *known_id = NULL;
	_cleanup_close_ int difffd = -1;
	_cleanup_close_ int splitfd = -1;
	struct timespec since;
	/* chain ids cannot make a cycle of waits; forced ids could */
	struct parent_wait w = {
		.parent = o->parent,
		.may_wait = !o->id,
		.wait_start = o->wait_parent,
		.timeout_s = o->wait_timeout_s ? o->wait_timeout_s : LAYER_WAIT_TIMEOUT_S,
		.start_timeout_s = o->start_timeout_s,
		.since = &since,
	};
	int announced = -1;
	bool presynced = false, deferred = false;
	_cleanup_free_ char *aside = NULL;
	int r = -1;

	clock_gettime(CLOCK_REALTIME_COARSE, &since);

	if (o->id && store_record_exists(s, "layers", o->id))
		return pea_error_new(err, EEXIST, "layer '%s' already exists", o->id);
	known_id = o->id	? xstrdup(o->id)
		   : o->diff_id ? layer_chain_id(o->parent, o->diff_id)
				: NULL;
	if (known_id && announce(s, known_id, &announced, err) < 0)
		goto out;
	/* overlay extracts a layer without its parent, vfs starts from the parent's copy */
	if ((driver_is_vfs(s) && wait_parent(s, &w, err) < 0) ||
	    staged_new(s, o->parent, &st, err) < 0)
		goto out;
	if (open_staged(&st, &difffd, &splitfd, err) < 0)
		goto out;
	ao.tarsplit_fd = splitfd;
	store_unlock(s);
	if (apply_tar_fd(in_fd, difffd, &ao, &res, err) < 0 || check_digests(o, &res, err) < 0 ||
	    finish_split(&st, res.tarsplit, err) < 0)
		goto out;
	/* no boot id to mark it with: synced now */
	deferred = ao.no_writeback && res.tarsplit && durable_boot_known();
	presynced = !deferred && sync_before_parent(s, o->parent, difffd);
	if (store_relock(s, err) < 0 || wait_parent(s, &w, err) < 0 ||
	    check_parent(s, o->parent, err) < 0 || settle_root_mode(s, difffd, o->parent, err) < 0)
		goto out;
	l.id = o->id ? xstrdup(o->id) : layer_chain_id(o->parent, res.diff_id);
	if (!o->id && store_record_exists(s, "layers", l.id)) {
		r = replace_damaged(s, &st, l.id, &aside, err);
		if (r <= 0) {
			*ret_existed = r == 0;
			r = r == 0 ? layer_load(s, l.id, ret, err) : -1;
			goto out;
		}
		r = -1;
	}
	if (o->id && store_record_exists(s, "layers", o->id)) {
		pea_error_new(err, EEXIST, "layer '%s' already exists", o->id);
		goto out;
	}
	l.parent = o->parent ? xstrdup(o->parent) : NULL;
	l.diff_id = TAKE_PTR(res.diff_id);
	l.compression = xstrdup(res.compression);
	if (strcmp(res.compression, "none")) {
		l.compressed_digest = TAKE_PTR(res.compressed_digest);
		l.compressed_size = (int64_t)res.compressed_size;
	}
	l.size = (int64_t)res.size;
	l.created = cli_now_rfc3339();
	if (commit_applied(s, &st, &l, presynced ? difffd : -1, deferred, err) < 0)
		goto out;
	if (aside) {
		drop_aside(&st, aside);
		durable_forget_damaged(s, l.id);
	}
	*ret_existed = false;
	*ret = l;
	l = (struct layer_rec){ 0 };
	r = 0;
out:
	if (s->lock_fd < 0 && store_relock(s, NULL) < 0)
		log_debug("cannot take the store lock again");
	staged_discard(&st);
	/* before the lock goes: the applies of its children waiting on it read why */
	if (r < 0 && announced >= 0 && *err)
		store_mark_failed(s, known_id, (*err)->message);
	if (known_id)
		unannounce(s, known_id, announced);
	apply_result_clear(&res);
	layer_rec_clear(&l);
	return r;
}

/* The container's own files: owned by its mapped ids (the upper dir, or the vfs copy). */
static int map_layer(struct store *s, struct staged *st, const struct idmaps *maps,
		     struct pea_error **err)
{
	_cleanup_free_ char *diff = xasprintf("%s/diff", st->name);
	_cleanup_close_ int fd = openat(st->dirfd, diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint32_t uid, gid;

	if (fd < 0)
		return pea_error_errno(err, "open the new layer");
	/* the runtime finds the root from here once in the container's user namespace */
	if (fchmodat(st->dirfd, st->name, 0711, 0) < 0)
		return pea_error_errno(err, "chmod the new layer");
	if (driver_is_vfs(s))
		return idmap_chown_tree(fd, &maps->uids, &maps->gids, err);
	if (!idmap_to_host(&maps->uids, 0, &uid) || !idmap_to_host(&maps->gids, 0, &gid))
		return pea_error_new(err, EINVAL, "the id map does not map the container's root");
	if (fchown(fd, uid, gid) < 0)
		return pea_error_errno(err, "chown the new layer");
	return 0;
}

int layer_create(struct store *s, const char *id, const char *parent, bool container,
		 const struct idmaps *maps, struct layer_rec *ret, struct pea_error **err)
{
	struct staged st = { .dirfd = -1, .lockfd = -1 };
	struct layer_rec l = { 0 };
	int r = -1;

	if (store_record_exists(s, "layers", id))
		return pea_error_new(err, EEXIST, "layer '%s' already exists", id);
	if (check_parent(s, parent, err) < 0 || staged_new(s, parent, &st, err) < 0 ||
	    (maps && map_layer(s, &st, maps, err) < 0))
		goto out;
	l.id = xstrdup(id);
	l.parent = parent ? xstrdup(parent) : NULL;
	l.container = container;
	l.created = cli_now_rfc3339();
	if (commit(s, &st, &l, err) < 0)
		goto out;
	*ret = l;
	l = (struct layer_rec){ 0 };
	r = 0;
out:
	staged_discard(&st);
	layer_rec_clear(&l);
	return r;
}

/*
 * Who uses which layer, one entry a user in the order layer_user reports them
 * (child layers, images, containers): "LAYER\tKIND\tUSER". Read once, it
 * answers for many removals (pea-storage container rm of several): reading
 * every record for each was quadratic.
 */
void layer_users_read(struct store *s, struct layer_users *u)
{
	layer_users_read_of(s, NULL, true, u);
}

/*
 * Does record kind/id name one of only (NULL: take every record)? Its text is searched before
 * it is parsed: one that holds none of the ids uses none of those layers (an id is 64 hex
 * digits; a record names a layer by its full id). Unreadable: taken, its load says why.
 */
static bool record_may_name(struct store *s, const char *kind, const char *id, char *const *only)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	size_t len = 0;

	if (!only)
		return true;
	path = xasprintf("%s/%s.json", kind, id);
	if (pea_read_file_at(s->root_fd, path, 4u << 20, &buf, &len, NULL) < 0)
		return true;
	for (char *const *x = only; *x; x++)
		if (strstr(buf, *x))
			return true;
	return false;
}

void layer_users_read_of(struct store *s, char *const *only, bool containers, struct layer_users *u)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_strv_ char **ids = NULL;

	u->entries = NULL;
	if (store_record_ids(s, "layers", &ids, &e) == 0)
		for (char **x = ids; *x; x++) {
			struct layer_rec l = { 0 };

			if (!record_may_name(s, "layers", *x, only))
				continue;
			if (layer_load(s, *x, &l, &e) == 0 && l.parent)
				pea_strv_push_take(&u->entries,
						   xasprintf("%s\tlayer\t%s", l.parent, *x));
			layer_rec_clear(&l);
			pea_error_release(&e);
		}
	ids = pea_strv_free(ids);
	pea_error_release(&e);
	if (store_record_ids(s, "images", &ids, &e) == 0)
		for (char **x = ids; *x; x++) {
			struct image_rec i = { 0 };

			if (!record_may_name(s, "images", *x, only))
				continue;
			if (image_load(s, *x, &i, &e) == 0)
				for (char **l = i.layers; l && *l; l++)
					pea_strv_push_take(&u->entries,
							   xasprintf("%s\timage\t%s", *l, *x));
			image_rec_clear(&i);
			pea_error_release(&e);
		}
	ids = pea_strv_free(ids);
	pea_error_release(&e);
	if (containers && store_record_ids(s, "containers", &ids, &e) == 0)
		for (char **x = ids; *x; x++) {
			struct container_rec c = { 0 };

			if (!record_may_name(s, "containers", *x, only))
				continue;
			if (container_load(s, *x, &c, &e) == 0)
				pea_strv_push_take(&u->entries,
						   xasprintf("%s\tcontainer\t%s", c.layer, *x));
			container_rec_clear(&c);
			pea_error_release(&e);
		}
}

void layer_users_clear(struct layer_users *u)
{
	u->entries = pea_strv_free(u->entries);
}

static char *users_find(const struct layer_users *u, const char *id, const char *ignore_image,
			const char *ignore_container)
{
	size_t n = strlen(id);

	for (char **x = u->entries; x && *x; x++) {
		const char *kind = *x + n + 1, *user;

		if (strncmp(*x, id, n) != 0 || (*x)[n] != '\t')
			continue;
		user = strchr(kind, '\t') + 1;
		if (!strncmp(kind, "layer\t", 6))
			return xasprintf("layer '%s' is its child", user);
		if (!strncmp(kind, "image\t", 6) && (!ignore_image || strcmp(user, ignore_image)))
			return xasprintf("image '%s' uses it", user);
		if (!strncmp(kind, "container\t", 10) &&
		    (!ignore_container || strcmp(user, ignore_container)))
			return xasprintf("container '%s' uses it", user);
	}
	return NULL;
}

static char *users_of(struct store *s, const struct layer_users *u, const char *id,
		      const char *ignore_image, const char *ignore_container)
{
	struct layer_users own = { 0 };
	char *user;

	if (driver_mount_count(s, id) > 0)
		return xstrdup("it is mounted");
	if (u)
		return users_find(u, id, ignore_image, ignore_container);
	layer_users_read(s, &own);
	user = users_find(&own, id, ignore_image, ignore_container);
	layer_users_clear(&own);
	return user;
}

char *layer_user_known(const struct layer_users *u, const char *id, const char *ignore_image,
		       const char *ignore_container)
{
	return users_find(u, id, ignore_image, ignore_container);
}

char *layer_user(struct store *s, const char *id, const char *ignore_image,
		 const char *ignore_container)
{
	return users_of(s, NULL, id, ignore_image, ignore_container);
}

int layer_remove_known(struct store *s, const struct layer_users *u, const char *id,
		       const char *ignore_image, const char *ignore_container,
		       struct pea_error **err)
{
	_cleanup_free_ char *user = users_of(s, u, id, ignore_image, ignore_container);
	struct layer_rec l = { 0 };
	int r;

	if (user)
		return pea_error_new(err, EBUSY, "layer '%s' is in use: %s", id, user);
	if (layer_load(s, id, &l, err) < 0)
		return -1;
	/* the record goes first: files without a record are cleaned on the next open */
	r = store_record_remove(s, "layers", id, err);
	store_crash_point("layer-rm-after-record");
	if (r == 0)
		r = driver_remove_layer(s, &l, err);
	if (r == 0 && l.damaged)
		durable_forget_damaged(s, id);
	layer_rec_clear(&l);
	return r;
}

int layer_remove(struct store *s, const char *id, const char *ignore_image,
		 const char *ignore_container, struct pea_error **err)
{
	return layer_remove_known(s, NULL, id, ignore_image, ignore_container, err);
}

static int open_diff_dir(struct store *s, const char *id, int *ret_fd, struct pea_error **err)
{
	_cleanup_free_ char *path = driver_diff_path(s, id);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return pea_error_errno(err, "open '%s'", path);
	*ret_fd = fd;
	return 0;
}

/* An applied layer gives back the very tar it was applied from, when it has its record. */
static int open_tarsplit(struct store *s, const struct layer_rec *l, int *ret_fd)
{
	_cleanup_free_ char *path = xasprintf("%s/tar-split", l->id);

	*ret_fd = -1;
	if (l->container || !l->diff_id)
		return 0;
	*ret_fd = openat(s->driver_fd, path, O_RDONLY | O_CLOEXEC);
	return 0;
}

int layer_write_diff(struct store *s, const char *id, const struct idmaps *maps, int fd,
		     struct pea_error **err)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_close_ int pfd = -1;
	_cleanup_close_ int splitfd = -1;
	struct layer_rec l = { 0 };
	int r;

	if (layer_load(s, id, &l, err) < 0)
		return -1;
	r = open_diff_dir(s, id, &dfd, err);
	/* vfs keeps full copies: the changes are the difference with the parent's copy */
	if (r == 0 && driver_is_vfs(s) && l.parent)
		r = open_diff_dir(s, l.parent, &pfd, err);
	if (r == 0)
		(void)open_tarsplit(s, &l, &splitfd);
	/*
	 * The stream may go to a `layer apply` into this store (pea commit), which waits
	 * for the lock before it reads: held while writing more than a pipe holds, both
	 * would wait forever. The open folders keep what is read.
	 */
	store_unlock(s);
	if (r == 0 && splitfd >= 0) {
		r = tarsplit_write(splitfd, dfd, l.diff_id, fd, err);
		layer_rec_clear(&l);
		return r;
	}
	if (r == 0)
		r = diff_write_tar(dfd, pfd, driver_is_vfs(s) ? NULL : driver_opaque_xattr(s), maps,
				   fd, err);
	layer_rec_clear(&l);
	return r;
}
