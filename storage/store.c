#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "cli.h"
#include "config.h"
#include "durable.h"
#include "store.h"
#include "trash.h"

#define RECORD_MAX (4u << 20)

static const char *const record_kinds[] = { "layers", "images", "containers", "staging" };

void store_crash_point(const char *name)
{
	const char *want = getenv("PEA_STORAGE_TEST_CRASH");

	if (want && !strcmp(want, name))
		raise(SIGKILL);
}

char *store_default_graph_root(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (geteuid() == 0)
		return xstrdup("/var/lib/pea/storage");
	if (xdg && *xdg)
		return xasprintf("%s/pea/storage", xdg);
	return xasprintf("%s/.local/share/pea/storage", home ? home : "/");
}

char *store_default_run_root(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		return xstrdup("/run/pea/storage");
	if (xdg && *xdg)
		return xasprintf("%s/pea/storage", xdg);
	return xasprintf("/tmp/pea-storage-%u", (unsigned)geteuid());
}

/* Not root in the initial user namespace (inside `unshare -Ur` uid 0 is not the host's). */
static bool is_rootless(void)
{
	return geteuid() != 0 || !pea_in_initial_userns();
}

/*
 * mkdir -p that accepts existing directories whatever mkdir says about them: inside a
 * user namespace, mkdir of an existing directory we cannot write to fails with EACCES,
 * which lib's pea_mkdir_p_at() reports as an error.
 */
static int mkdir_p(const char *path, struct pea_error **err)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *c = p + 1;; c++) {
		if (*c == '/' || !*c) {
			char saved = *c;
			struct stat st;

			*c = '\0';
			if (mkdir(p, 0700) < 0 && errno != EEXIST &&
			    (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)))
				return pea_error_errno(err, "create '%s'", p);
			*c = saved;
			if (!saved)
				return 0;
		}
	}
}

static int open_dir(const char *path, int *ret_fd, struct pea_error **err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		if (mkdir_p(path, err) < 0)
			return -1;
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", path);
	*ret_fd = fd;
	return 0;
}

struct store *store_free(struct store *s)
{
	if (!s)
		return NULL;
	trash_release(s);
	pea_close(s->driver_fd);
	pea_close(s->state_fd);
	pea_close(s->lock_fd);
	pea_close(s->root_fd);
	pea_close(s->run_fd);
	free(s->graph_root);
	free(s->run_root);
	free(s->driver);
	free(s->mount_program);
	free(s->mountopt);
	pea_strv_free(s->repaired);
	free(s);
	return NULL;
}

/*
 * --config's file, else $CONTAINERS_STORAGE_CONF's. The variable is shared with
 * podman, buildah and skopeo: its graphroot and runroot are containers/storage's
 * store (pea ps --external reads it as another engine's), never pea's, so only
 * its driver and options are taken, and the roots stay pea's (--root, else the
 * default, where pea's own store is: pea-storage(8)).
 */
static int load_conf(const struct global_options *g, struct storage_conf *conf,
		     struct pea_error **err)
{
	const char *path = g->config ? g->config : getenv("CONTAINERS_STORAGE_CONF");
	const char *sync = getenv("PEA_STORAGE_SYNC");

	if (path && *path && storage_conf_load(path, conf, err) < 0)
		return -1;
	if (!g->config && (conf->graphroot || conf->runroot)) {
		log_debug("'%s' (CONTAINERS_STORAGE_CONF): its graphroot and runroot are "
			  "containers/storage's, not pea's: passed over",
			  path);
		conf->graphroot = (free(conf->graphroot), NULL);
		conf->runroot = (free(conf->runroot), NULL);
	}
	/* between the file and --storage-opt */
	if (sync && *sync) {
		if (!storage_sync_is_known(sync))
			return pea_error_new(
				err, EINVAL,
				"PEA_STORAGE_SYNC: expected deferred or layer, not '%s'", sync);
		free(conf->pea_sync);
		conf->pea_sync = xstrdup(sync);
	}
	for (char **o = g->storage_opts; o && *o; o++)
		if (storage_conf_set_opt(conf, *o, err) < 0)
			return -1;
	return 0;
}

static bool driver_vfs_name(const char *driver)
{
	return !strcmp(driver, "vfs");
}

/* The store keeps the driver it was made with. */
static int check_driver(struct store *s, const char *wanted, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = NULL;
	_cleanup_json_ struct json_object *n = NULL;
	const char *have = NULL;

	if (!pea_path_exists_at(s->root_fd, "store.json")) {
		s->driver = xstrdup(wanted ? wanted : "overlay");
		n = json_object_new_object();
		json_object_object_add(n, "driver", json_object_new_string(s->driver));
		return store_record_write(s, NULL, "store", n, err);
	}
	if (pea_json_parse_file_at(s->root_fd, "store.json", RECORD_MAX, &o, err) < 0 ||
	    pea_json_get_string_req(o, "store.json", "driver", &have, err) < 0)
		return pea_error_wrap(err, "store '%s'", s->graph_root);
	if (!storage_driver_is_known(have))
		return pea_error_new(err, EINVAL, "store '%s': unknown driver '%s'", s->graph_root,
				     have);
	if (wanted && strcmp(wanted, have))
		return pea_error_new(err, EINVAL, "store '%s' uses the driver '%s', not '%s'",
				     s->graph_root, have, wanted);
	s->driver = xstrdup(have);
	return 0;
}

static int make_layout(struct store *s, struct pea_error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(record_kinds); i++)
		if (mkdirat(s->root_fd, record_kinds[i], 0700) < 0 && errno != EEXIST)
			return pea_error_errno(err, "create '%s/%s'", s->graph_root,
					       record_kinds[i]);
	if (mkdirat(s->run_fd, "mounts", 0700) < 0 && errno != EEXIST)
		return pea_error_errno(err, "create '%s/mounts'", s->run_root);
	if (mkdirat(s->run_fd, "applies", 0700) < 0 && errno != EEXIST)
		return pea_error_errno(err, "create '%s/applies'", s->run_root);
	if (pea_mkdir_p_at(s->root_fd, s->driver, 0700, &s->driver_fd, err) < 0)
		return pea_error_wrap(err, "store '%s'", s->graph_root);
	if (!strcmp(s->driver, "overlay") && mkdirat(s->driver_fd, "l", 0700) < 0 &&
	    errno != EEXIST)
		return pea_error_errno(err, "create '%s/overlay/l'", s->graph_root);
	return 0;
}

/*
 * RUN_ROOT/repair-state: "clean" when the last writer ended without leaving
 * anything for store_repair, else "dirty", with the boot and the graph root it
 * speaks for (a crash reboots: a new boot id, a full repair). Rewritten in
 * place, without fsync or a new inode: within one boot the page cache is the
 * truth, and a writer killed at any point leaves "dirty" (repair_state_set).
 */
#define REPAIR_STATE_LEN 96

static void repair_state_text(struct store *s, bool clean, char buf[REPAIR_STATE_LEN])
{
	_cleanup_free_ char *boot = durable_boot_id();
	struct stat st = { 0 };
	(void)fstat(s->root_fd, &st);
	snprintf(buf, REPAIR_STATE_LEN, "%s %lx %lx %s", boot, (unsigned long)st.st_dev,
		 (unsigned long)st.st_ino, clean ? "clean" : "dirty");
}

static bool repair_state_clean(struct store *s)
{
	char want[REPAIR_STATE_LEN] = { 0 }, have[REPAIR_STATE_LEN] = { 0 };

	s->state_fd =
		openat(s->run_fd, "repair-state", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (s->state_fd < 0)
		return false;
	repair_state_text(s, true, want);
	return pread(s->state_fd, have, sizeof(have), 0) == (ssize_t)sizeof(have) &&
	       memcmp(have, want, sizeof(have)) == 0;
}

static void repair_state_set(struct store *s, bool clean)
{
	char text[REPAIR_STATE_LEN] = { 0 };

	if (s->state_fd < 0)
		return;
	repair_state_text(s, clean, text);
	/* a short state reads as dirty, and so does none */
	if (pwrite(s->state_fd, text, sizeof(text), 0) != (ssize_t)sizeof(text) &&
	    ftruncate(s->state_fd, 0) < 0)
		(void)unlinkat(s->run_fd, "repair-state", 0);
}

void store_mark_clean(struct store *s)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int fd;

	if (s->state_fd < 0)
		return;
	/* an apply in flight (or killed) has its folder and lock in staging/ */
	fd = openat(s->root_fd, "staging", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		pea_close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			return;
	repair_state_set(s, true);
}

int store_open(const struct global_options *g, bool exclusive, struct store **ret,
	       struct pea_error **err)
{
	struct storage_conf conf = { 0 };
	struct store *s = xnew(struct store, 1);
	bool exclusive_first = false;
	int r = -1;

	s->root_fd = s->run_fd = s->lock_fd = s->driver_fd = s->state_fd = s->trash_fd = -1;
	if (load_conf(g, &conf, err) < 0)
		goto out;
	if (g->driver && !storage_driver_is_known(g->driver)) {
		pea_error_new(err, EINVAL, "storage driver '%s' is not supported (overlay, vfs)",
			      g->driver);
		goto out;
	}
	s->graph_root = g->root		 ? xstrdup(g->root)
			: conf.graphroot ? xstrdup(conf.graphroot)
					 : store_default_graph_root();
	s->run_root = g->runroot     ? xstrdup(g->runroot)
		      : conf.runroot ? xstrdup(conf.runroot)
				     : store_default_run_root();
	s->mount_program = conf.mount_program ? xstrdup(conf.mount_program) : NULL;
	s->mountopt = conf.mountopt ? xstrdup(conf.mountopt) : NULL;
	s->ignore_chown_errors = conf.ignore_chown_errors;
	s->rootless = is_rootless();
	if (open_dir(s->graph_root, &s->root_fd, err) < 0 ||
	    open_dir(s->run_root, &s->run_fd, err) < 0)
		goto out;
	/*
	 * a reader of a store already made: no repair (store.h), unless layers left unsynced
	 * by another boot are to be verified first (durable.h)
	 */
	if (!exclusive &&
	    (!pea_path_exists_at(s->root_fd, "store.json") || durable_other_boot(s->root_fd)))
		exclusive_first = true;
	if (pea_lock_at(s->root_fd, "storage.lock",
			exclusive || exclusive_first ? PEA_LOCK_EXCLUSIVE : PEA_LOCK_SHARED, false,
			&s->lock_fd, err) < 0) {
		pea_error_wrap(err, "lock the store '%s'", s->graph_root);
		goto out;
	}
	if (check_driver(s, g->driver ? g->driver : conf.driver, err) < 0 ||
	    make_layout(s, err) < 0)
		goto out;
	if ((exclusive || exclusive_first) && !repair_state_clean(s)) {
		struct repair_report rep = { 0 };

		r = store_repair(s, &rep, err);
		s->repaired = rep.removed;
		s->repair_done = true;
		if (r < 0)
			goto out;
		r = -1;
	}
	s->sync_deferred = !driver_vfs_name(s->driver) &&
			   (!conf.pea_sync || !strcmp(conf.pea_sync, "deferred"));
	if (exclusive || exclusive_first)
		repair_state_set(s, false); /* this writer may leave something */
	/* a killed remover's trash (trash.h): one open of trash/ when it is empty */
	if (exclusive || exclusive_first)
		trash_sweep(s);
	/* marks of another boot verified, aged ones synced: one stat when there are none */
	if ((exclusive || exclusive_first) && durable_open_check(s, err) < 0)
		goto out;
	if (exclusive_first && flock(s->lock_fd, LOCK_SH) < 0) {
		pea_error_errno(err, "lock the store '%s'", s->graph_root);
		goto out;
	}
	*ret = TAKE_PTR(s);
	r = 0;
out:
	storage_conf_clear(&conf);
	store_free(s);
	return r;
}

void store_unlock(struct store *s)
{
	s->lock_fd = pea_unlock(s->lock_fd);
}

int store_relock(struct store *s, struct pea_error **err)
{
	if (pea_lock_at(s->root_fd, "storage.lock", PEA_LOCK_EXCLUSIVE, false, &s->lock_fd, err) <
	    0)
		return pea_error_wrap(err, "lock the store '%s'", s->graph_root);
	return 0;
}

/* ---- records -------------------------------------------------------------------------- */

static char *record_path(const char *kind, const char *id)
{
	return kind ? xasprintf("%s/%s.json", kind, id) : xasprintf("%s.json", id);
}

int store_record_read(struct store *s, const char *kind, const char *id, struct json_object **ret,
		      struct pea_error **err)
{
	_cleanup_free_ char *path = record_path(kind, id);

	if (pea_json_parse_file_at(s->root_fd, path, RECORD_MAX, ret, err) < 0)
		return pea_error_wrap(err, "record '%s'", path);
	return 0;
}

/*
 * xfs and an ext4 with a journal (not one made without: pea_fs_journal_ordered)
 * commit it in order: one fsync makes durable every
 * change of metadata made before it, and with it a file's allocation and size.
 */
static bool journal_commits_in_order(int dfd)
{
	return pea_fs_journal_ordered(dfd);
}

/*
 * A record replaced atomically without the two fsyncs, on a journal that
 * commits in order: the data is written out and waited for
 * (sync_file_range) before the rename, so whatever commit takes the rename
 * also takes a file whose blocks are on the disk; a crash before that
 * commit loses the record, as a kill before the rename would, never tears
 * it. For container create, whose records (the layer's, the container's)
 * one fsync at its end commits together. (Belongs in lib/file.c beside
 * pea_write_file_atomic_at.)
 */
static int write_file_ordered_at(int dfd, const char *name, const char *data, size_t len,
				 struct pea_error **err)
{
	_cleanup_free_ char *rnd = cli_random_id();
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%.6s", name, rnd);
	_cleanup_close_ int fd = -1;

	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return pea_error_errno(err, "create '%s'", tmp);
	if (fchmod(fd, 0600) < 0 || pea_write_all(fd, data, len, err) < 0 ||
	    sync_file_range(fd, 0, 0,
			    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
				    SYNC_FILE_RANGE_WAIT_AFTER) < 0 ||
	    close(TAKE_FD(fd)) < 0 || renameat(dfd, tmp, dfd, name) < 0) {
		if (!*err)
			pea_error_errno(err, "write '%s'", name);
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	return 0;
}

int store_record_write(struct store *s, const char *kind, const char *id, struct json_object *o,
		       struct pea_error **err)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *name = xasprintf("%s.json", id);
	const char *text = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	_cleanup_free_ char *data = xasprintf("%s\n", text);

	dfd = openat(s->root_fd, kind ? kind : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s/%s'", s->graph_root, kind ? kind : ".");
	/* a volatile container's layer and record: a crash may lose them, as its files */
	if (s->records_nosync)
		return pea_write_file_replace_at(dfd, name, data, strlen(data), 0600, err);
	if (s->records_ordered && journal_commits_in_order(dfd))
		return write_file_ordered_at(dfd, name, data, strlen(data), err);
	return pea_write_file_atomic_at(dfd, name, data, strlen(data), 0600, err);
}

int store_record_remove(struct store *s, const char *kind, const char *id, struct pea_error **err)
{
	_cleanup_free_ char *path = record_path(kind, id);

	/* container rm: renamed into the trash, the unlink's wait for the disk left to it */
	if (s->use_trash && trash_move(s, s->root_fd, path))
		return 0;
	if (unlinkat(s->root_fd, path, 0) < 0 && errno != ENOENT)
		return pea_error_errno(err, "remove the record '%s'", path);
	return 0;
}

bool store_record_exists(struct store *s, const char *kind, const char *id)
{
	_cleanup_free_ char *path = record_path(kind, id);

	return pea_path_exists_at(s->root_fd, path);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

static int list_dir(int dirfd, const char *name, const char *what, char ***ret,
		    struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_strv_ char **v = NULL;
	struct dirent *de;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return pea_error_errno(err, "open '%s'", what);
	d = fdopendir(fd);
	if (!d) {
		pea_close(fd);
		return pea_error_errno(err, "open '%s'", what);
	}
	while ((errno = 0, de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			pea_strv_push(&v, de->d_name);
	if (errno)
		return pea_error_errno(err, "read '%s'", what);
	if (v)
		qsort(v, pea_strv_length(v), sizeof(char *), cmp_str);
	*ret = v ? TAKE_PTR(v) : xnew(char *, 1);
	return 0;
}

int store_record_ids(struct store *s, const char *kind, char ***ret, struct pea_error **err)
{
	_cleanup_strv_ char **names = NULL;
	_cleanup_strv_ char **ids = NULL;

	if (list_dir(s->root_fd, kind, kind, &names, err) < 0)
		return -1;
	ids = xnew(char *, 1);
	for (char **n = names; *n; n++)
		if (has_suffix(*n, ".json"))
			pea_strv_push_take(&ids, xstrndup(*n, strlen(*n) - 5));
	*ret = TAKE_PTR(ids);
	return 0;
}

/* ---- repair --------------------------------------------------------------------------- */

static void report(struct repair_report *rep, const char *dir, const char *name)
{
	_cleanup_free_ char *what = xasprintf("%s/%s", dir, name);

	log_info("store: removing '%s' left by an interrupted operation", what);
	if (rep)
		pea_strv_push(&rep->removed, what);
}

/* staging/X with a free X.lock: its writer died. */
static int repair_staging(struct store *s, struct repair_report *rep, struct pea_error **err)
{
	_cleanup_strv_ char **names = NULL;
	_cleanup_close_ int dfd = openat(s->root_fd, "staging", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return pea_error_errno(err, "open '%s/staging'", s->graph_root);
	if (list_dir(s->root_fd, "staging", "staging", &names, err) < 0)
		return -1;
	for (char **n = names; *n; n++) {
		_cleanup_error_ struct pea_error *e = NULL;
		_cleanup_free_ char *lock = NULL;
		_cleanup_close_ int lfd = -1;

		if (has_suffix(*n, ".lock"))
			continue;
		lock = xasprintf("%s.lock", *n);
		if (pea_path_exists_at(dfd, lock) &&
		    pea_lock_at(dfd, lock, PEA_LOCK_EXCLUSIVE, true, &lfd, &e) < 0)
			continue; /* an apply in progress */
		report(rep, "staging", *n);
		if (pea_rm_rf_at(dfd, *n, err) < 0)
			return pea_error_wrap(err, "store '%s'", s->graph_root);
		unlinkat(dfd, lock, 0);
	}
	/* locks without their directory */
	for (char **n = names; *n; n++) {
		_cleanup_error_ struct pea_error *e = NULL;
		_cleanup_free_ char *base = NULL;
		_cleanup_close_ int lfd = -1;

		if (!has_suffix(*n, ".lock"))
			continue;
		base = xstrndup(*n, strlen(*n) - 5);
		if (pea_path_exists_at(dfd, base) ||
		    pea_lock_at(dfd, *n, PEA_LOCK_EXCLUSIVE, true, &lfd, &e) < 0)
			continue;
		/* an apply killed before its commit: the applies of its children learn it */
		if (!strncmp(base, "applying-", 9) && !store_record_exists(s, "layers", base + 9))
			store_mark_failed(s, base + 9, "its apply stopped before committing it");
		unlinkat(dfd, *n, 0);
	}
	return 0;
}

/* ---- failure notes -------------------------------------------------------------------- */

#define FAILURE_NOTE_MAX 4096
/* a note only matters to the applies running when it was written */
#define FAILURE_NOTE_KEEP_S 3600

static int open_applies(struct store *s)
{
	return openat(s->run_fd, "applies", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

void store_mark_failed(struct store *s, const char *id, const char *why)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_close_ int dfd = open_applies(s);
	_cleanup_free_ char *name = xasprintf("failed-%s", id);
	_cleanup_free_ char *text = xasprintf("%.*s\n", FAILURE_NOTE_MAX - 2, why);

	if (dfd < 0 || pea_write_file_atomic_at(dfd, name, text, strlen(text), 0600, &e) < 0)
		log_warning("cannot note the failed apply of layer '%s', ignoring", id);
}

void store_unmark_failed(struct store *s, const char *id)
{
	_cleanup_close_ int dfd = open_applies(s);
	_cleanup_free_ char *name = xasprintf("failed-%s", id);

	if (dfd >= 0)
		unlinkat(dfd, name, 0);
}

bool store_failed_since(struct store *s, const char *id, const struct timespec *since,
			char **ret_why)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_close_ int dfd = open_applies(s);
	_cleanup_free_ char *name = xasprintf("failed-%s", id);
	char *why = NULL;
	size_t len = 0;
	struct stat st;

	if (dfd < 0 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_mtim.tv_sec < since->tv_sec ||
	    (st.st_mtim.tv_sec == since->tv_sec && st.st_mtim.tv_nsec < since->tv_nsec))
		return false;
	if (pea_read_file_at(dfd, name, FAILURE_NOTE_MAX, &why, &len, &e) < 0)
		why = xstrdup("its apply failed");
	while (len > 0 && why[len - 1] == '\n')
		why[--len] = '\0';
	*ret_why = why;
	return true;
}

/* The notes older than any apply that may still wait; all of them with all. */
static void forget_failures(struct store *s, bool all, struct repair_report *rep)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_strv_ char **names = NULL;
	_cleanup_close_ int dfd = open_applies(s);
	struct timespec now;

	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	if (dfd < 0 || list_dir(s->run_fd, "applies", "applies", &names, &e) < 0)
		return;
	for (char **n = names; *n; n++) {
		struct stat st;

		if (strncmp(*n, "failed-", 7) || fstatat(dfd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (!all && st.st_mtim.tv_sec + FAILURE_NOTE_KEEP_S > now.tv_sec))
			continue;
		if (unlinkat(dfd, *n, 0) == 0 && all)
			report(rep, "applies", *n);
	}
}

void store_forget_failures(struct store *s, struct repair_report *rep)
{
	forget_failures(s, true, rep);
}

/* Driver directories and image blob directories without a record; temp records. */
static int repair_orphans(struct store *s, const char *dir, int dfd, const char *kind,
			  struct repair_report *rep, struct pea_error **err)
{
	_cleanup_strv_ char **names = NULL;

	if (list_dir(s->root_fd, dir, dir, &names, err) < 0)
		return -1;
	for (char **n = names; *n; n++) {
		/* overlay/empty: the lower folder of one-layer image mounts, no layer's */
		if (!strcmp(*n, "l") || !strcmp(*n, "empty") || has_suffix(*n, ".json"))
			continue;
		if (strstr(*n, ".json.tmp.")) {
			unlinkat(dfd, *n, 0);
			continue;
		}
		if (store_record_exists(s, kind, *n))
			continue;
		report(rep, dir, *n);
		if (pea_rm_rf_at(dfd, *n, err) < 0)
			return pea_error_wrap(err, "store '%s'", s->graph_root);
	}
	return 0;
}

/* overlay/l/X whose layer is gone. */
static int repair_links(struct store *s, struct pea_error **err)
{
	_cleanup_strv_ char **names = NULL;
	_cleanup_close_ int lfd = openat(s->driver_fd, "l", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (lfd < 0)
		return pea_error_errno(err, "open '%s/overlay/l'", s->graph_root);
	if (list_dir(s->driver_fd, "l", "overlay/l", &names, err) < 0)
		return -1;
	for (char **n = names; *n; n++) {
		struct stat st;

		if (fstatat(lfd, *n, &st, 0) < 0 && errno == ENOENT)
			unlinkat(lfd, *n, 0);
	}
	return 0;
}

int store_repair(struct store *s, struct repair_report *rep, struct pea_error **err)
{
	_cleanup_close_ int ifd = openat(s->root_fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int lfd = openat(s->root_fd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int cfd =
		openat(s->root_fd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (ifd < 0 || lfd < 0 || cfd < 0)
		return pea_error_errno(err, "open the store '%s'", s->graph_root);
	if (repair_staging(s, rep, err) < 0 ||
	    repair_orphans(s, s->driver, s->driver_fd, "layers", rep, err) < 0 ||
	    repair_orphans(s, "images", ifd, "images", rep, err) < 0 ||
	    repair_orphans(s, "layers", lfd, "layers", rep, err) < 0 ||
	    repair_orphans(s, "containers", cfd, "containers", rep, err) < 0)
		return -1;
	forget_failures(s, false, NULL);
	if (!strcmp(s->driver, "overlay"))
		return repair_links(s, err);
	return 0;
}

int store_list_json(struct store *s, const char *kind, store_record_json_fn to_json,
		    struct json_object **ret, struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;
	_cleanup_json_ struct json_object *list = NULL;

	if (store_record_ids(s, kind, &ids, err) < 0)
		return -1;
	list = json_object_new_array();
	for (char **id = ids; *id; id++) {
		struct json_object *o = NULL;

		if (to_json(s, *id, &o, err) < 0)
			return -1;
		json_object_array_add(list, o);
	}
	*ret = TAKE_PTR(list);
	return 0;
}
