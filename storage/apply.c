#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/openat2.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "apply.h"
#include "lib/digest.h"
#include "gunzip.h"
#include "pipeline.h"
#include "writeback.h"
#include "unzstd.h"
#include "tarsplit.h"

#define READ_BLOCK (256u << 10)
/*
 * The stream is read a whole pipe at a time (pea-image feeds an apply through a pipe
 * of 1 MiB): each read that empties a full pipe wakes its writer once, and smaller
 * reads woke pea-image four times as often, each wakeup a wait for a CPU on a busy
 * machine while the apply had nothing left to read.
 */
#define SOURCE_BLOCK (1u << 20)

/* ---- a set of paths: what this layer itself wrote --------------------------------- */

struct strset {
	char **slots;
	size_t cap;
	size_t n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool strset_contains(const struct strset *set, const char *s)
{
	if (!set->cap)
		return false;
	for (size_t i = hash_str(s) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
		if (!set->slots[i])
			return false;
		if (!strcmp(set->slots[i], s))
			return true;
	}
}

static void strset_insert_take(struct strset *set, char *s);

static void strset_grow(struct strset *set)
{
	struct strset bigger = { .cap = set->cap ? set->cap * 2 : 1024 };

	bigger.slots = xcalloc(bigger.cap, sizeof(char *));
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i])
			strset_insert_take(&bigger, set->slots[i]);
	free(set->slots);
	*set = bigger;
}

static void strset_insert_take(struct strset *set, char *s)
{
	size_t i;

	if ((set->n + 1) * 2 > set->cap)
		strset_grow(set);
	for (i = hash_str(s) & (set->cap - 1); set->slots[i]; i = (i + 1) & (set->cap - 1)) {
		if (!strcmp(set->slots[i], s)) {
			free(s);
			return;
		}
	}
	set->slots[i] = s;
	set->n++;
}

static void strset_clear(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	*set = (struct strset){ 0 };
}

/* ---- paths ---------------------------------------------------------------------------- */

int apply_clean_path(const char *path, char **ret, struct pea_error **err)
{
	size_t len = strlen(path);
	_cleanup_free_ char *out = NULL;
	size_t n = 0;
	const char *p = path;

	if (len > APPLY_MAX_PATH)
		return pea_error_new(err, ENAMETOOLONG, "path longer than %d bytes",
				     APPLY_MAX_PATH);
	if (path[0] == '/')
		return pea_error_new(err, EPERM, "absolute path '%s' is refused", path);
	out = xmalloc(len + 1);
	while (*p) {
		const char *start = p;
		size_t clen;

		while (*p && *p != '/')
			p++;
		clen = (size_t)(p - start);
		while (*p == '/')
			p++;
		if (clen == 0 || (clen == 1 && start[0] == '.'))
			continue;
		if (clen == 2 && start[0] == '.' && start[1] == '.')
			return pea_error_new(err, EPERM, "path '%s' escapes the layer ('..')",
					     path);
		if (n)
			out[n++] = '/';
		memcpy(out + n, start, clen);
		n += clen;
	}
	out[n] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

/* ---- the writer ----------------------------------------------------------------------- */

struct dir_time {
	char *path;
	struct timespec ts[2];
};

/* Big files' write buffers (see write_data()). */
#define DIRECT_NBUF 4

struct writer {
	int rootfd;
	const struct apply_options *o;
	char *cached_dir; /* parent directory of the last entry, and its O_PATH fd */
	int cached_fd;
	struct dir_time *dirs;
	size_t ndirs;
	size_t cap_dirs;
	struct strset created;
	uid_t euid;
	gid_t egid;
	bool setgid_dirs; /* a directory passes its group on: chown every new file */
	bool removed_dir; /* an entry replaced a directory */
	bool no_direct;	  /* the layer's filesystem refused O_DIRECT */
	/* buffers of DIRECT_BUF bytes aligned for O_DIRECT: one fills while others are written */
	char *dbuf[DIRECT_NBUF];
	struct iocb io[DIRECT_NBUF];
	bool busy[DIRECT_NBUF];	      /* io[i] submitted, not reaped */
	int busy_fd[DIRECT_NBUF];     /* a dup of the file io[i] writes, to finish it */
	char *busy_path[DIRECT_NBUF]; /* the file io[i] writes, for its error */
	aio_context_t aio;	      /* 0: none (not made yet, or io_setup failed: writes wait) */
	bool aio_tried;
	/* the writeback of files written through the page cache, started as they pile up */
	struct writeback *wb;
	bool wb_tried;
	uint64_t dirtied; /* bytes written through the page cache since the last kick */
};

static void writer_forget_parent(struct writer *w)
{
	w->cached_fd = pea_close(w->cached_fd);
	w->cached_dir = (free(w->cached_dir), NULL);
}

static void writer_clear(struct writer *w)
{
	writer_forget_parent(w);
	for (size_t i = 0; i < w->ndirs; i++)
		free(w->dirs[i].path);
	free(w->dirs);
	strset_clear(&w->created);
	w->wb = writeback_free(w->wb);
	if (w->aio)
		syscall(SYS_io_destroy, w->aio); /* waits for what is in flight */
	for (int i = 0; i < DIRECT_NBUF; i++) {
		free(w->dbuf[i]);
		free(w->busy_path[i]);
		pea_close(w->busy_fd[i]);
	}
}

static int openat2_in_layer(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};

	for (int i = 0; i < 16; i++) {
		long fd = syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));

		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN && errno != EINTR)
			break;
	}
	return -errno;
}

static int path_error(struct pea_error **err, int code, const char *path)
{
	if (code == ELOOP || code == EXDEV)
		return pea_error_new(err, EPERM, "path '%s' goes through a symlink: refused", path);
	if (code == ENOTDIR)
		return pea_error_new(err, ENOTDIR, "path '%s': a parent is not a directory", path);
	return pea_error_code(err, code, "open '%s'", path);
}

/* ENOTDIR from O_DIRECTORY | O_NOFOLLOW: a symlink as the last component says more. */
static int dir_error(int rootfd, const char *dir, int code)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (code != ENOTDIR)
		return code;
	fd = openat2_in_layer(rootfd, dir, O_PATH);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode))
		return ELOOP;
	return code;
}

/* Create the missing directories of dir (mode 0755), one component at a time. */
static int make_parents_walk(struct writer *w, const char *dir, struct pea_error **err)
{
	_cleanup_free_ char *prefix = xstrdup(dir);

	for (char *p = prefix;; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			_cleanup_close_ int pfd = -1;
			char *slash;
			const char *base;

			*p = '\0';
			slash = strrchr(prefix, '/');
			base = slash ? slash + 1 : prefix;
			if (slash)
				*slash = '\0';
			pfd = openat2_in_layer(w->rootfd, slash ? prefix : "",
					       O_PATH | O_DIRECTORY);
			if (slash)
				*slash = '/';
			if (pfd < 0)
				return path_error(err,
						  dir_error(w->rootfd, slash ? prefix : "", -pfd),
						  prefix);
			if (mkdirat(pfd, base, 0755) == 0)
				/* ours: whiteouts and opaque directories leave it alone */
				strset_insert_take(&w->created, xstrdup(prefix));
			else if (errno != EEXIST)
				return pea_error_errno(err, "mkdir '%s'", prefix);
			*p = saved;
			if (!saved)
				return 0;
		}
	}
}

/*
 * Create the missing directories of dir (mode 0755), the deepest first: its parent is
 * opened, and only when that is missing too is the same done for the parent. A tar
 * without directory entries (files only) then costs an open and a mkdir per new
 * directory, not an open and a mkdir (EEXIST) per component of its path. Any other
 * error walks dir from the top, which names the component at fault.
 */
static int make_parents(struct writer *w, const char *dir, struct pea_error **err)
{
	const char *slash = strrchr(dir, '/');
	_cleanup_free_ char *parent = slash ? xstrndup(dir, (size_t)(slash - dir)) : NULL;
	_cleanup_close_ int pfd =
		openat2_in_layer(w->rootfd, parent ? parent : "", O_PATH | O_DIRECTORY);

	if (pfd == -ENOENT && parent) {
		if (make_parents(w, parent, err) < 0)
			return -1;
		pfd = openat2_in_layer(w->rootfd, parent, O_PATH | O_DIRECTORY);
	}
	if (pfd < 0)
		return make_parents_walk(w, dir, err);
	if (mkdirat(pfd, slash ? slash + 1 : dir, 0755) == 0)
		/* ours: whiteouts and opaque directories leave it alone */
		strset_insert_take(&w->created, xstrdup(dir));
	else if (errno != EEXIST)
		return pea_error_errno(err, "mkdir '%s'", dir);
	return 0;
}

/* An O_PATH fd of dir inside the layer (borrowed: valid until the next call). */
static int writer_parent(struct writer *w, const char *dir, bool create, int *ret_fd,
			 struct pea_error **err)
{
	int fd;

	if (!*dir) {
		*ret_fd = w->rootfd;
		return 0;
	}
	if (w->cached_dir && !strcmp(w->cached_dir, dir)) {
		*ret_fd = w->cached_fd;
		return 0;
	}
	writer_forget_parent(w);
	fd = openat2_in_layer(w->rootfd, dir, O_PATH | O_DIRECTORY);
	if (fd == -ENOENT && create) {
		if (make_parents(w, dir, err) < 0)
			return -1;
		fd = openat2_in_layer(w->rootfd, dir, O_PATH | O_DIRECTORY);
	}
	if (fd < 0)
		return path_error(err, dir_error(w->rootfd, dir, -fd), dir);
	w->cached_dir = xstrdup(dir);
	w->cached_fd = fd;
	*ret_fd = fd;
	return 0;
}

/* Remove what is at pfd/name. A directory is kept when keep_dir (returns 1). */
static int remove_existing(struct writer *w, int pfd, const char *name, const char *path,
			   bool keep_dir, struct pea_error **err)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return pea_error_errno(err, "stat '%s'", path);
	}
	if (S_ISDIR(st.st_mode)) {
		/* pfd (the cached parent) is above what goes away: it stays valid */
		if (keep_dir)
			return 1;
		/* files this layer wrote may go with it */
		w->removed_dir = true;
		if (pea_rm_rf_at(pfd, name, err) < 0)
			return pea_error_wrap(err, "remove '%s'", path);
		return 0;
	}
	if (unlinkat(pfd, name, 0) < 0 && errno != ENOENT)
		return pea_error_errno(err, "remove '%s'", path);
	return 0;
}

static int set_owner(struct writer *w, int fd, const char *name, int flags, struct archive_entry *e,
		     const char *path, struct pea_error **err)
{
	if (fchownat(fd, name, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e), flags) ==
	    0)
		return 0;
	if (w->o->ignore_chown_errors && (errno == EPERM || errno == EINVAL))
		return 0;
	return pea_error_errno(err, "chown '%s' to %lld:%lld", path,
			       (long long)archive_entry_uid(e), (long long)archive_entry_gid(e));
}

static bool is_overlay_xattr(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13);
}

static int set_xattrs(int fd, struct archive_entry *e, const char *path, struct pea_error **err)
{
	const char *name;
	const void *value;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (is_overlay_xattr(name)) {
			log_debug("'%s': dropping the overlay attribute '%s'", path, name);
			continue;
		}
		if (fsetxattr(fd, name, value, size, 0) == 0)
			continue;
		if ((errno == EPERM || errno == ENOTSUP) && strncmp(name, "user.", 5)) {
			log_warning("'%s': cannot set the attribute '%s': %s, ignoring", path, name,
				    strerror(errno));
			continue;
		}
		return pea_error_errno(err, "set the attribute '%s' on '%s'", name, path);
	}
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

/* Owner, mode, xattrs and times of an open file or directory. */
/*
 * Owner, mode, xattrs and times of an open file or directory. fresh: a file we just
 * created with its permission bits (umask 0), owned by our euid and egid: chown and
 * chmod only when they change something.
 */
static int set_meta_fd(struct writer *w, int fd, struct archive_entry *e, const char *path,
		       bool fresh, struct pea_error **err)
{
	struct timespec ts[2];
	mode_t perm = archive_entry_perm(e) & 07777;
	bool chown_needed = !fresh || w->setgid_dirs || (uid_t)archive_entry_uid(e) != w->euid ||
			    (gid_t)archive_entry_gid(e) != w->egid;

	if (chown_needed && set_owner(w, fd, "", AT_EMPTY_PATH, e, path, err) < 0)
		return -1;
	/* after chown, which clears the set-id bits */
	if ((!fresh || (perm & 07000)) && fchmod(fd, perm) < 0)
		return pea_error_errno(err, "chmod '%s'", path);
	if (set_xattrs(fd, e, path, err) < 0)
		return -1;
	if (fresh) {
		entry_times(e, ts);
		if (futimens(fd, ts) < 0)
			return pea_error_errno(err, "set the times of '%s'", path);
	}
	return 0;
}

/*
 * The commit makes the layer durable with one syncfs(): start the writeback of
 * big files while the stream is still read, so that little is left for it then.
 */
#define WRITEBACK_CHUNK (8 << 20)
#define WRITEBACK_MIN	(1 << 20)

static la_int64_t start_writeback(int fd, la_int64_t from, la_int64_t to)
{
	/* only starts the I/O, never waits for it; a failure here is the commit's to see */
	sync_file_range(fd, (off_t)from, (off_t)(to - from), SYNC_FILE_RANGE_WRITE);
	return to;
}

static int pwrite_all(int fd, const void *buf, size_t len, la_int64_t off, const char *path,
		      struct pea_error **err)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return pea_error_errno(err, "write '%s'", path);
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* The file's data from the archive through the page cache; kicked: written before. */
static int write_data_buffered(const struct writer *w, struct archive *a, int fd, la_int64_t kicked,
			       struct archive_entry *e, const char *path, struct pea_error **err)
{
	const bool kick = !w->o->no_writeback; /* deferred: the kernel's writeback does it */
	const void *buf;
	size_t size;
	la_int64_t offset;
	la_int64_t end = kicked; /* writeback started up to kicked */
	int r;

	while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
		if (pwrite_all(fd, buf, size, offset, path, err) < 0)
			return -1;
		if (offset + (la_int64_t)size > end)
			end = offset + (la_int64_t)size;
		if (kick && end - kicked >= WRITEBACK_CHUNK)
			kicked = start_writeback(fd, kicked, end);
	}
	if (kick && end - kicked >= WRITEBACK_MIN)
		start_writeback(fd, kicked, end);
	if (r != ARCHIVE_EOF)
		return pea_error_new(err, EIO, "read '%s' from the archive: %s", path,
				     archive_error_string(a) ?: "error");
	/* a sparse file may end in a hole */
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > end &&
	    ftruncate(fd, archive_entry_size(e)) < 0)
		return pea_error_errno(err, "truncate '%s'", path);
	return 0;
}

/*
 * Big files skip the page cache: their contents are gathered in aligned buffers and
 * written with O_DIRECT, from them straight to the disk, each full buffer submitted
 * (Linux AIO) while the next one fills. Copying them into new page-cache pages took a
 * third of an apply's CPU time here, and the commit's syncfs() then had those pages to
 * write back; with O_DIRECT it flushes the metadata and the disk's cache only (durable
 * all the same: the layer is committed after the sync). A file's last buffer is
 * submitted too, its unaligned tail written through the page cache, and the file is
 * closed with its writes in flight (the kernel holds the file until they end): the
 * apply waits for the disk only when all DIRECT_NBUF buffers are in flight, and for all
 * of them once, before the commit (apply_tar_fd()). Waiting at each file's end was an
 * apply's main wait on a busy disk (a synchronous write of 256 KiB..2 MiB per file;
 * up to 1 s of 2.5 in D state per apply here). The cost: a container's first read of
 * those files comes from the disk.
 */
#define DIRECT_MIN   (256 << 10)
#define DIRECT_ALIGN 4096u
#define DIRECT_BUF   (2u << 20)

static void direct_stop(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0 && (fl & O_DIRECT))
		fcntl(fd, F_SETFL, fl & ~O_DIRECT);
}

/*
 * A write with O_DIRECT that the kernel did not take whole at once (done bytes of
 * it written, or -errno): the rest through the page cache, and the file's later
 * writes too. EINVAL: an alignment the device does not take, no more O_DIRECT.
 */
static int direct_rest(struct writer *w, int fd, int i, size_t len, la_int64_t off, long long done,
		       const char *path, struct pea_error **err)
{
	if (done < 0 && done != -EINVAL)
		return pea_error_code(err, (int)-done, "write '%s'", path);
	if (done < 0) {
		w->no_direct = true;
		done = 0;
	}
	if ((uint64_t)done >= len)
		return 0;
	direct_stop(fd);
	return pwrite_all(fd, w->dbuf[i] + done, len - (size_t)done, off + done, path, err);
}

/* Buffer j's write ended: it no longer holds the buffer nor its file. */
static void direct_release(struct writer *w, int j)
{
	w->busy[j] = false;
	w->busy_fd[j] = pea_close(w->busy_fd[j]);
	w->busy_path[j] = (free(w->busy_path[j]), NULL);
}

/*
 * Buffer j's write ended with res (bytes written, or -errno). One the device refused
 * (EINVAL: an alignment it does not take; the kernel checks it only once the write is
 * queued, so it comes back here, not from io_submit()) or took short is finished
 * through the page cache, from the buffer still holding its bytes and the file's dup
 * kept for it, and no more O_DIRECT after an EINVAL. Any other error fails the apply.
 */
static int direct_complete(struct writer *w, int j, long long res, struct pea_error **err)
{
	const struct iocb *cb = &w->io[j];
	long long done = res;
	bool have_times;
	struct stat st;

	if (res < 0 && res != -EINVAL)
		return pea_error_code(err, (int)-res, "write '%s'", w->busy_path[j]);
	if (res < 0) {
		w->no_direct = true;
		done = 0;
	}
	if ((uint64_t)done >= cb->aio_nbytes)
		return 0;
	/* the file's times may already be the entry's (set_meta_fd): kept across the write */
	have_times = fstat(w->busy_fd[j], &st) == 0;
	direct_stop(w->busy_fd[j]);
	if (pwrite_all(w->busy_fd[j], w->dbuf[j] + done, cb->aio_nbytes - (uint64_t)done,
		       cb->aio_offset + done, w->busy_path[j], err) < 0)
		return -1;
	if (have_times) {
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		if (futimens(w->busy_fd[j], ts) < 0)
			return pea_error_errno(err, "set the times of '%s'", w->busy_path[j]);
	}
	return 0;
}

/*
 * The AIO context cannot be waited on: it is destroyed, which waits for every write in
 * flight (io_destroy() returns once they ended), and their results are lost with it, so
 * the apply fails; the writes that follow wait (no context).
 */
static int direct_abandon(struct writer *w, int errnum, struct pea_error **err)
{
	syscall(SYS_io_destroy, w->aio);
	w->aio = 0;
	for (int j = 0; j < DIRECT_NBUF; j++)
		if (w->busy[j])
			direct_release(w, j);
	return pea_error_code(err, errnum, "wait for the writes of the layer's files");
}

/* Reap the writes that ended (at least one with wait). */
static int direct_reap(struct writer *w, bool wait, struct pea_error **err)
{
	struct io_event ev[DIRECT_NBUF];
	long n;
	int r = 0;

	do
		n = syscall(SYS_io_getevents, w->aio, wait ? 1L : 0L, (long)DIRECT_NBUF, ev, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return direct_abandon(w, errno, err);
	for (long k = 0; k < n; k++) {
		int j = (int)ev[k].data;

		if (r == 0 && direct_complete(w, j, (long long)ev[k].res, err) < 0)
			r = -1;
		direct_release(w, j);
	}
	return r;
}

/* A buffer no write uses, waiting for one to end when all are in flight. */
static int direct_free_buf(struct writer *w, int *ret, struct pea_error **err)
{
	for (;;) {
		for (int i = 0; i < DIRECT_NBUF; i++)
			if (!w->busy[i]) {
				*ret = i;
				return 0;
			}
		if (direct_reap(w, true, err) < 0)
			return -1;
	}
}

/*
 * Every write in flight ended: before the commit, and on every way out. Each reap ends
 * at least one write or, failing, abandons them all: this ends.
 */
static int direct_drain(struct writer *w, struct pea_error **err)
{
	int r = 0;

	for (int i = 0; i < DIRECT_NBUF; i++)
		while (w->busy[i])
			if (direct_reap(w, true, r < 0 ? NULL : err) < 0 && r == 0)
				r = -1;
	return r;
}

/*
 * The tar stream's end: every write waited for and the AIO context destroyed now,
 * before the rest of the stream is read. Its destruction (here or at exit) waits for
 * two RCU grace periods, 10-80 ms on this busy machine; the stream's end of file comes
 * only once the layer below is in the store (pea-image), so this wait no longer adds
 * up along the layers' chain of commits.
 */
static int direct_end(struct writer *w, struct pea_error **err)
{
	if (direct_drain(w, err) < 0)
		return -1;
	if (w->aio)
		syscall(SYS_io_destroy, w->aio);
	w->aio = 0;
	return 0;
}

/*
 * Write len bytes of buffer i at off: its aligned part submitted (Linux AIO), the call
 * returning at once, its unaligned tail (a file's last bytes) through the page cache.
 * Where AIO is missing or refuses, the aligned part is written now, with O_DIRECT.
 */
static int direct_write(struct writer *w, int fd, int i, size_t len, la_int64_t off,
			const char *path, struct pea_error **err)
{
	size_t aligned = w->no_direct ? 0 : len & ~(size_t)(DIRECT_ALIGN - 1);
	struct iocb *cb = &w->io[i];
	ssize_t n = 0;

	*cb = (struct iocb){
		.aio_data = (uint64_t)i,
		.aio_lio_opcode = IOCB_CMD_PWRITE,
		.aio_fildes = (uint32_t)fd,
		.aio_buf = (uint64_t)(uintptr_t)w->dbuf[i],
		.aio_nbytes = aligned,
		.aio_offset = off,
	};
	if (aligned > 0 && w->aio) {
		struct iocb *list[1] = { cb };

		/* kept to finish the write where the device refuses it (direct_complete()) */
		w->busy_fd[i] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (w->busy_fd[i] >= 0 && syscall(SYS_io_submit, w->aio, 1L, list) == 1) {
			w->busy[i] = true;
			w->busy_path[i] = xstrdup(path);
			if (aligned == len)
				return 0;
			/* the tail, beside the write in flight (another block) */
			direct_stop(fd);
			return pwrite_all(fd, w->dbuf[i] + aligned, len - aligned,
					  off + (la_int64_t)aligned, path, err);
		}
		w->busy_fd[i] = pea_close(w->busy_fd[i]);
	}
	if (aligned > 0) {
		do
			n = pwrite(fd, w->dbuf[i], aligned, (off_t)off);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			n = -errno;
	}
	return direct_rest(w, fd, i, len, off, n, path, err);
}

static void direct_setup(struct writer *w, int fd, la_int64_t size)
{
	for (int i = 0; i < DIRECT_NBUF; i++)
		if (!w->dbuf[i] &&
		    posix_memalign((void **)&w->dbuf[i], DIRECT_ALIGN, DIRECT_BUF) != 0)
			abort();
	if (!w->aio_tried) {
		w->aio_tried = true;
		if (syscall(SYS_io_setup, (long)DIRECT_NBUF, &w->aio) < 0)
			w->aio = 0; /* writes wait then */
	}
	/*
	 * The file at its size first: a write past the end waits for the disk even when
	 * submitted (ext4 must set the size after it), one inside the file does not.
	 */
	if (fallocate(fd, 0, 0, (off_t)size) < 0)
		log_debug("fallocate: %s", strerror(errno));
}

static int write_data(struct writer *w, struct archive *a, int fd, struct archive_entry *e,
		      const char *path, struct pea_error **err)
{
	const void *buf;
	size_t size, len = 0;
	la_int64_t offset, at = 0; /* at: the file offset of dbuf[cur][0] */
	int fl, r, cur = 0;

	if (w->no_direct || !archive_entry_size_is_set(e) || archive_entry_size(e) < DIRECT_MIN ||
	    archive_entry_sparse_count(e) > 0)
		return write_data_buffered(w, a, fd, 0, e, path, err);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_DIRECT) < 0) {
		w->no_direct = true; /* EINVAL: the filesystem has no O_DIRECT */
		return write_data_buffered(w, a, fd, 0, e, path, err);
	}
	direct_setup(w, fd, archive_entry_size(e));
	if (direct_free_buf(w, &cur, err) < 0)
		return -1;
	while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
		const char *p = buf;

		if (offset != at + (la_int64_t)len) {
			/* not one run of bytes: what is gathered, then the rest buffered */
			if (direct_write(w, fd, cur, len, at, path, err) < 0 ||
			    direct_drain(w, err) < 0)
				return -1;
			direct_stop(fd);
			if (pwrite_all(fd, buf, size, offset, path, err) < 0)
				return -1;
			return write_data_buffered(w, a, fd, offset + (la_int64_t)size, e, path,
						   err);
		}
		while (size > 0) {
			size_t n = DIRECT_BUF - len < size ? DIRECT_BUF - len : size;

			memcpy(w->dbuf[cur] + len, p, n);
			len += n;
			p += n;
			size -= n;
			if (len < DIRECT_BUF)
				continue;
			if (direct_write(w, fd, cur, len, at, path, err) < 0 ||
			    direct_free_buf(w, &cur, err) < 0)
				return -1;
			at += (la_int64_t)len;
			len = 0;
		}
	}
	if (r != ARCHIVE_EOF)
		return pea_error_new(err, EIO, "read '%s' from the archive: %s", path,
				     archive_error_string(a) ?: "error");
	/* the last buffer, its write left in flight (direct_drain() before the commit) */
	if (direct_write(w, fd, cur, len, at, path, err) < 0)
		return -1;
	at += (la_int64_t)len;
	if (archive_entry_size(e) > at && ftruncate(fd, archive_entry_size(e)) < 0)
		return pea_error_errno(err, "truncate '%s'", path);
	return 0;
}

/*
 * Small files stay in the page cache until the commit's syncfs, which then waited for
 * all of a layer's at once (1.2-1.4 s of a 2.8 s pull of the bench's files layers at
 * load 15): every WRITEBACK_KICK bytes of them, a syncfs on a thread of its own
 * (writeback.h) gets the disk writing them while the apply goes on.
 */
#define WRITEBACK_KICK (16u << 20)

static void writer_dirtied(struct writer *w, la_int64_t size)
{
	if (size <= 0 || w->o->no_writeback)
		return;
	w->dirtied += (uint64_t)size;
	if (w->dirtied < WRITEBACK_KICK)
		return;
	w->dirtied = 0;
	if (!w->wb_tried) {
		w->wb_tried = true;
		w->wb = writeback_new(w->rootfd);
	}
	if (w->wb)
		writeback_kick(w->wb);
}

static int write_file(struct writer *w, struct archive *a, struct archive_entry *e, int pfd,
		      const char *name, const char *path, struct pea_error **err)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	const mode_t mode = archive_entry_perm(e) & 0777;
	_cleanup_close_ int fd = openat(pfd, name, flags, mode);

	/* a later entry replaces an earlier one: remove only when the name is taken */
	if (fd < 0 && errno == EEXIST) {
		if (remove_existing(w, pfd, name, path, false, err) < 0)
			return -1;
		fd = openat(pfd, name, flags, mode);
	}
	if (fd < 0)
		return pea_error_errno(err, "create '%s'", path);
	if (write_data(w, a, fd, e, path, err) < 0)
		return -1;
	if (w->no_direct || archive_entry_size(e) < DIRECT_MIN)
		writer_dirtied(w, archive_entry_size(e));
	return set_meta_fd(w, fd, e, path, true, err);
}

static int write_dir(struct writer *w, struct archive_entry *e, int pfd, const char *name,
		     const char *path, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	struct dir_time *dt;
	int r;

	/* the root's mode and owner are the layer's own (driver.c), as containers/storage's */
	if (!*path)
		return 0;
	if (mkdirat(pfd, name, 0700) < 0) {
		if (errno != EEXIST)
			return pea_error_errno(err, "mkdir '%s'", path);
		r = remove_existing(w, pfd, name, path, true, err);
		if (r < 0)
			return r;
		if (r == 0 && mkdirat(pfd, name, 0700) < 0)
			return pea_error_errno(err, "mkdir '%s'", path);
	}
	/* pfd is inside the layer and O_NOFOLLOW keeps the last step there */
	fd = openat(pfd, *path ? name : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return path_error(err, errno == ENOTDIR ? ELOOP : errno, path);
	if (set_meta_fd(w, fd, e, path, false, err) < 0)
		return -1;
	if (archive_entry_perm(e) & S_ISGID)
		w->setgid_dirs = true;
	if (w->ndirs == w->cap_dirs) {
		w->cap_dirs = w->cap_dirs ? w->cap_dirs * 2 : 64;
		w->dirs = xreallocarray(w->dirs, w->cap_dirs, sizeof(*w->dirs));
	}
	dt = &w->dirs[w->ndirs++];
	dt->path = xstrdup(path);
	entry_times(e, dt->ts);
	return 0;
}

/* Symlinks, devices, fifos: no data, set up by name. */
static int write_special(struct writer *w, struct archive_entry *e, int pfd, const char *name,
			 const char *path, struct pea_error **err)
{
	mode_t type = archive_entry_filetype(e);
	struct timespec ts[2];

	if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(e);

		if (!target || strlen(target) > APPLY_MAX_PATH)
			return pea_error_new(err, EINVAL, "symlink '%s': invalid target", path);
		int r = symlinkat(target, pfd, name);

		if (r < 0 && errno == EEXIST) {
			if (remove_existing(w, pfd, name, path, false, err) < 0)
				return -1;
			r = symlinkat(target, pfd, name);
		}
		if (r < 0)
			return pea_error_errno(err, "symlink '%s'", path);
	} else {
		dev_t dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
		mode_t mode = type | (archive_entry_perm(e) & 0777);
		int r = mknodat(pfd, name, mode, dev);

		if (r < 0 && errno == EEXIST) {
			if (remove_existing(w, pfd, name, path, false, err) < 0)
				return -1;
			r = mknodat(pfd, name, mode, dev);
		}
		if (r < 0) {
			if (errno == EPERM && type != AE_IFIFO)
				return pea_error_new(
					err, EPERM,
					"device node '%s' cannot be created without privileges",
					path);
			return pea_error_errno(err, "mknod '%s'", path);
		}
	}
	if (set_owner(w, pfd, name, AT_SYMLINK_NOFOLLOW, e, path, err) < 0)
		return -1;
	if (type != AE_IFLNK && fchmodat(pfd, name, archive_entry_perm(e) & 07777, 0) < 0)
		return pea_error_errno(err, "chmod '%s'", path);
	entry_times(e, ts);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return pea_error_errno(err, "set the times of '%s'", path);
	return 0;
}

static void split_path(char *path, const char **ret_dir, const char **ret_base)
{
	char *slash = strrchr(path, '/');

	if (slash) {
		*slash = '\0';
		*ret_dir = path;
		*ret_base = slash + 1;
	} else {
		*ret_dir = "";
		*ret_base = path;
	}
}

static int write_hardlink(struct writer *w, struct archive_entry *e, int pfd, const char *name,
			  const char *path, struct pea_error **err)
{
	_cleanup_free_ char *target = NULL;
	_cleanup_close_ int tfd = -1;
	const char *tdir, *tbase;

	if (apply_clean_path(archive_entry_hardlink(e), &target, err) < 0)
		return pea_error_wrap(err, "hardlink '%s'", path);
	if (!strcmp(target, path))
		return 0;
	if (!*target)
		return pea_error_new(err, EPERM, "hardlink '%s' to the layer root: refused", path);
	if (remove_existing(w, pfd, name, path, false, err) < 0)
		return -1;
	split_path(target, &tdir, &tbase);
	tfd = openat2_in_layer(w->rootfd, tdir, O_PATH | O_DIRECTORY);
	if (tfd == -ENOENT || (tfd >= 0 && !pea_path_exists_at(tfd, tbase)))
		return pea_error_new(err, ENOENT,
				     "hardlink '%s': its target '%s%s%s' is not in the layer", path,
				     tdir, *tdir ? "/" : "", tbase);
	if (tfd < 0)
		return path_error(err, dir_error(w->rootfd, tdir, -tfd), tdir);
	if (linkat(tfd, tbase, pfd, name, 0) < 0)
		return pea_error_errno(err, "hardlink '%s'", path);
	return 0;
}

/* ".wh..wh..opq" in dir: hide what lower layers have there. */
static int write_opaque(struct writer *w, const char *dir, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int pfd;

	if (writer_parent(w, dir, true, &pfd, err) < 0)
		return -1;
	fd = openat2_in_layer(w->rootfd, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return path_error(err, dir_error(w->rootfd, dir, -fd), dir);
	if (w->o->mode == APPLY_OVERLAY) {
		if (fsetxattr(fd, w->o->opaque_xattr, "y", 1, 0) < 0)
			return pea_error_errno(err, "mark '%s' opaque (%s)", *dir ? dir : "/",
					       w->o->opaque_xattr);
		return 0;
	}
	d = fdopendir(TAKE_FD(fd));
	if (!d)
		return pea_error_errno(err, "open '%s'", dir);
	writer_forget_parent(w);
	while ((errno = 0, de = readdir(d))) {
		_cleanup_free_ char *child = NULL;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		child = *dir ? xasprintf("%s/%s", dir, de->d_name) : xstrdup(de->d_name);
		if (strset_contains(&w->created, child))
			continue;
		if (pea_rm_rf_at(dirfd(d), de->d_name, err) < 0)
			return pea_error_wrap(err, "opaque directory '%s'", dir);
	}
	return 0;
}

/* ".wh.NAME" in dir: NAME of the lower layers is deleted. */
static int write_whiteout(struct writer *w, const char *dir, const char *victim, int pfd,
			  struct pea_error **err)
{
	_cleanup_free_ char *vpath = *dir ? xasprintf("%s/%s", dir, victim) : xstrdup(victim);

	if (!*victim || !strcmp(victim, ".") || !strcmp(victim, ".."))
		return pea_error_new(err, EPERM, "whiteout '.wh.%s' in '%s' names no file: refused",
				     victim, *dir ? dir : "/");
	if (strset_contains(&w->created, vpath))
		return 0; /* whiteouts only hide what lower layers have */
	if (remove_existing(w, pfd, victim, vpath, false, err) < 0)
		return -1;
	if (w->o->mode == APPLY_VFS)
		return 0;
	if (writer_parent(w, dir, true, &pfd, err) < 0)
		return -1;
	if (mknodat(pfd, victim, S_IFCHR | 0, makedev(0, 0)) < 0)
		return pea_error_errno(err, "create the whiteout of '%s'", vpath);
	return 0;
}

static int write_entry(struct writer *w, struct archive *a, struct archive_entry *e,
		       struct pea_error **err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *split = NULL;
	const char *raw = archive_entry_pathname(e);
	const char *dir, *base;
	mode_t type = archive_entry_filetype(e);
	int pfd;
	int r;

	if (!raw)
		return pea_error_new(err, EINVAL,
				     "an entry has no path (or one that is not valid)");
	if (apply_clean_path(raw, &path, err) < 0)
		return -1;
	split = xstrdup(path);
	split_path(split, &dir, &base);

	if (!strncmp(base, ".wh.", 4)) {
		if (!strcmp(base, ".wh..wh..opq"))
			return write_opaque(w, dir, err);
		if (!strncmp(base, ".wh..wh.", 8))
			return 0; /* aufs bookkeeping, meaningless here */
		if (writer_parent(w, dir, true, &pfd, err) < 0)
			return -1;
		return write_whiteout(w, dir, base + 4, pfd, err);
	}
	if (writer_parent(w, dir, true, &pfd, err) < 0)
		return -1;
	if (archive_entry_hardlink(e))
		r = write_hardlink(w, e, pfd, base, path, err);
	else if (type == AE_IFREG)
		r = write_file(w, a, e, pfd, base, path, err);
	else if (type == AE_IFDIR)
		r = write_dir(w, e, pfd, base, path, err);
	else if (type == AE_IFLNK || type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO)
		r = write_special(w, e, pfd, base, path, err);
	else {
		log_debug("'%s': skipping an entry of type 0%o", path, (unsigned)type);
		return 0;
	}
	if (r < 0)
		return r;
	strset_insert_take(&w->created, TAKE_PTR(path));
	return 0;
}

/* Directory times last: writing their children changed them. */
static void writer_finish_dirs(struct writer *w)
{
	for (size_t i = w->ndirs; i-- > 0;) {
		_cleanup_close_ int fd =
			openat2_in_layer(w->rootfd, w->dirs[i].path, O_RDONLY | O_DIRECTORY);

		if (fd >= 0 && futimens(fd, w->dirs[i].ts) < 0)
			log_debug("set the times of '%s': %s", w->dirs[i].path, strerror(errno));
	}
}

/* ---- the stream: compressed bytes -> raw decompressor -> tar reader --------------------- */

struct source {
	int fd;
	char *buf;
	struct pea_digest compressed;
	bool eof;
	size_t replay; /* bytes of buf read (and hashed) already, to hand out once more */
	int read_errno;
	int stop_fd; /* read by a pipeline's producer: readable once it is to stop, or -1 */
};

struct middle {
	struct archive *outer; /* decompresses to a raw stream, or NULL with gz */
	struct gunzip *gz;     /* gzip with ISA-L */
	struct unzstd *zs;     /* zstd with libzstd */
	char *buf;	       /* where the next block goes */
	char *other;	       /* the block before, which the tar-split recorder may still read */
	struct pea_digest uncompressed;
	bool hash;		/* false for a plain tar: its digest is the stream's */
	struct tarsplit *split; /* NULL: not recording */
	struct source *src;
	/*
	 * gz or zs decoded and hashed on a thread of their own, ahead of the tar reader
	 * (middle_produce()); NULL: by middle_read(), between the tar reader's reads
	 */
	struct pipeline *pipe;
	bool eof;
};

/*
 * Wait until the stream can be read or the pipeline's consumer gave up (ECANCELED):
 * a producer blocked in read() would hold up an apply that failed.
 */
static int source_wait(struct source *s)
{
	struct pollfd p[2] = { { .fd = s->fd, .events = POLLIN },
			       { .fd = s->stop_fd, .events = POLLIN } };
	int n;

	do
		n = poll(p, 2, -1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (p[1].revents)
		return -ECANCELED;
	return 0;
}

static la_ssize_t source_read(struct archive *a, void *data, const void **ret_buf)
{
	struct source *s = data;
	ssize_t n;

	if (s->replay) {
		n = (ssize_t)s->replay;
		s->replay = 0;
		*ret_buf = s->buf;
		return n;
	}
	if (s->eof)
		return 0;
	if (s->stop_fd >= 0 && (n = source_wait(s)) < 0) {
		errno = (int)-n;
		n = -1;
	} else {
		do
			n = read(s->fd, s->buf, SOURCE_BLOCK);
		while (n < 0 && errno == EINTR);
	}
	if (n < 0) {
		s->read_errno = errno;
		if (a)
			archive_set_error(a, errno, "read the layer stream: %s", strerror(errno));
		return -1;
	}
	if (n == 0)
		s->eof = true;
	pea_digest_update(&s->compressed, s->buf, (size_t)n);
	*ret_buf = s->buf;
	return n;
}

static int middle_errno(const struct middle *m)
{
	if (m->gz || m->zs)
		return m->src->read_errno ?: EIO;
	return archive_errno(m->outer) ?: EIO;
}

static const char *middle_error(const struct middle *m)
{
	if (m->gz)
		return gunzip_error(m->gz) ?: strerror(middle_errno(m));
	if (m->zs)
		return unzstd_error(m->zs) ?: strerror(middle_errno(m));
	return archive_error_string(m->outer) ?: "decompression failed";
}

static ssize_t decoder_refill(void *data, const unsigned char **ret_buf)
{
	const void *buf = NULL;
	ssize_t n = source_read(NULL, data, &buf);

	*ret_buf = buf;
	return n;
}

/*
 * The pipeline's producer: the next decoded block, hashed; at the decoder's end,
 * what follows it in the stream is read into the stream's digest.
 */
static ssize_t middle_produce(void *data, char *buf, size_t cap)
{
	struct middle *m = data;
	const void *rest;
	ssize_t n = m->gz ? gunzip_read(m->gz, buf, cap) : unzstd_read(m->zs, buf, cap);

	if (n > 0)
		pea_digest_update(&m->uncompressed, buf, (size_t)n);
	while (n == 0 && !m->src->eof)
		if (source_read(NULL, m->src, &rest) < 0)
			return -1;
	return n;
}

/*
 * A block read (n bytes at buf, or n < 0: the reader's error) handed to the
 * tar reader: its end noted, fed to tar-split. a is NULL when drain() reads
 * what the tar reader left.
 */
static la_ssize_t middle_block(struct archive *a, struct middle *m, const char *buf, ssize_t n,
			       const void **ret_buf)
{
	if (n < 0) {
		if (a)
			archive_set_error(a, middle_errno(m), "%s", middle_error(m));
		return -1;
	}
	if (n == 0)
		m->eof = true;
	if (m->split)
		tarsplit_feed(m->split, buf, (size_t)n);
	*ret_buf = buf;
	return n;
}

/* The decoder's next block from the pipeline (its producer hashed it). */
static la_ssize_t middle_next(struct archive *a, struct middle *m, const void **ret_buf)
{
	const char *buf = NULL;
	ssize_t n = pipeline_next(m->pipe, &buf);

	return middle_block(a, m, buf, n, ret_buf);
}

static la_ssize_t middle_read(struct archive *a, void *data, const void **ret_buf)
{
	struct middle *m = data;
	la_ssize_t n;

	if (m->eof)
		return 0;
	if (m->pipe)
		return middle_next(a, m, ret_buf);
	if (m->split) {
		char *last = m->buf;

		m->buf = m->other;
		m->other = last;
	}
	if (m->gz)
		n = gunzip_read(m->gz, m->buf, READ_BLOCK);
	else if (m->zs)
		n = unzstd_read(m->zs, m->buf, READ_BLOCK);
	else
		n = archive_read_data(m->outer, m->buf, READ_BLOCK);
	if (n > 0 && m->hash)
		pea_digest_update(&m->uncompressed, m->buf, (size_t)n);
	return middle_block(a, m, m->buf, n, ret_buf);
}

static const char *compression_name(struct archive *outer)
{
	switch (archive_filter_code(outer, 0)) {
	case ARCHIVE_FILTER_GZIP:
		return "gzip";
	case ARCHIVE_FILTER_ZSTD:
		return "zstd";
	default:
		return "none";
	}
}

static void archive_cleanup(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

/* Read what the tar reader left (end blocks, padding, trailers) into the digests. */
static int drain(struct source *s, struct middle *m, struct pea_error **err)
{
	const void *buf;

	while (!m->eof)
		if (middle_read(NULL, m, &buf) < 0)
			return pea_error_new(err, EIO, "decompress the layer: %s", middle_error(m));
	/* the producer read the rest of the stream before its end: it is done */
	m->pipe = pipeline_free(m->pipe);
	s->stop_fd = -1;
	while (!s->eof)
		if (source_read(NULL, s, &buf) < 0)
			return pea_error_errno(err, "read the layer stream");
	return 0;
}

/*
 * gzip goes to ISA-L when libisal is here, zstd to libzstd when it is (their
 * first block read and hashed here, then handed to the decoder); the rest, and
 * both without those libraries, to libarchive, which gets the first block again.
 * 1: a decoder of ours is set.
 */
static int open_fast(struct source *s, struct middle *m, struct pea_error **err)
{
	const void *buf = NULL;
	ssize_t n = source_read(NULL, s, &buf);

	if (n < 0)
		return pea_error_new(err, s->read_errno, "read the layer stream: %s",
				     strerror(s->read_errno));
	if (gunzip_usable(buf, (size_t)n)) {
		m->gz = gunzip_new(buf, (size_t)n, decoder_refill, s);
		return 1;
	}
	if (unzstd_usable(buf, (size_t)n)) {
		m->zs = unzstd_new(buf, (size_t)n, decoder_refill, s);
		return 1;
	}
	s->replay = (size_t)n;
	return 0;
}

static int open_outer(struct source *s, struct archive **ret, struct pea_error **err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_raw(a);
	if (archive_read_open(a, s, NULL, source_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		int r = pea_error_new(err, EINVAL, "read the layer stream: %s",
				      s->eof && pea_digest_bytes(&s->compressed) == 0 ? "empty input"
				      : archive_error_string(a) ?: "not a tar stream");

		archive_read_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

/*
 * Tell the tar-split recorder where the entry's headers are and, for a plain regular file
 * written once, where its contents will be in the layer.
 */
static void split_entry(struct writer *w, struct tarsplit *t, struct archive *a,
			struct archive_entry *e)
{
	_cleanup_error_ struct pea_error *ignored = NULL;
	_cleanup_free_ char *path = NULL;
	const char *raw = archive_entry_pathname(e);
	const char *base;
	bool plain;

	if (!raw || apply_clean_path(raw, &path, &ignored) < 0) {
		tarsplit_entry(t, (uint64_t)archive_read_header_position(a), NULL, 0);
		return;
	}
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	plain = archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e) &&
		archive_entry_sparse_count(e) == 0 && strncmp(base, ".wh.", 4) &&
		archive_entry_size_is_set(e);
	/* a path written twice would be read back with its last contents */
	if (strset_contains(&w->created, path))
		tarsplit_abandon(t);
	tarsplit_entry(t, (uint64_t)archive_read_header_position(a), plain ? path : NULL,
		       plain ? (uint64_t)archive_entry_size(e) : 0);
}

static int apply_entries(struct archive *inner, struct writer *w, struct tarsplit *t,
			 struct apply_result *res, struct pea_error **err)
{
	struct archive_entry *e;
	int r;

	while ((r = archive_read_next_header(inner, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (r == ARCHIVE_WARN)
			log_debug("tar stream: %s", archive_error_string(inner));
		if (t)
			split_entry(w, t, inner, e);
		if (write_entry(w, inner, e, err) < 0)
			return pea_error_wrap(err, "entry '%s'", archive_entry_pathname(e) ?: "?");
		res->entries++;
	}
	if (r != ARCHIVE_EOF)
		return pea_error_new(err, EINVAL, "tar stream: %s",
				     archive_error_string(inner) ?: "not a tar stream");
	return 0;
}

/*
 * The stream failed: read the rest, and if it is not the blob the caller named,
 * that is the error (a bad CRC or a broken tar is only what it looked like).
 */
static void blame_digest(struct source *s, const char *want, struct pea_error **err)
{
	char digest[PEA_DIGEST_MAX];
	const void *buf;

	s->replay = 0;
	while (!s->eof)
		if (source_read(NULL, s, &buf) < 0)
			return;
	pea_digest_final(&s->compressed, digest);
	if (strcmp(digest, want) == 0)
		return;
	pea_error_release(err);
	pea_error_new(err, EBADMSG, "the stream's digest is '%s', not '%s'", digest, want);
}

/*
 * Our own decoders run on a thread of their own (pipeline.h), with both hashes: the
 * stream's as it is read, the tar's as it is decoded; the tar reader and the file writes
 * stay here. Without a thread (it cannot be made), all of it runs here as before.
 */
static void start_pipeline(struct source *s, struct middle *m)
{
	if (!m->gz && !m->zs)
		return;
	m->pipe = pipeline_start(middle_produce, m, READ_BLOCK, &s->stop_fd);
	if (!m->pipe)
		log_debug("no decoding thread: %s", strerror(errno));
}

int apply_tar_fd(int in_fd, int rootfd, const struct apply_options *o, struct apply_result *ret,
		 struct pea_error **err)
{
	_cleanup_(archive_cleanup) struct archive *outer = NULL;
	_cleanup_(archive_cleanup) struct archive *inner = NULL;
	_cleanup_free_ char *sbuf = xmalloc(SOURCE_BLOCK);
	_cleanup_free_ char *mbuf = xmalloc(READ_BLOCK);
	_cleanup_free_ char *mbuf2 = o->tarsplit_fd >= 0 ? xmalloc(READ_BLOCK) : NULL;
	struct source s = { .fd = in_fd, .buf = sbuf, .stop_fd = -1 };
	struct middle m = { .buf = mbuf, .other = mbuf2 };
	struct writer w = {
		.rootfd = rootfd,
		.o = o,
		.cached_fd = -1,
		.busy_fd = { [0 ... DIRECT_NBUF - 1] = -1 },
		.euid = geteuid(),
		.egid = getegid(),
		/* a vfs layer starts as a copy of its parent, whose directories we did not see */
		.setgid_dirs = o->mode == APPLY_VFS,
		/*
		 * deferred (no writeback while it applies): big files through the page cache
		 * too; O_DIRECT made the apply wait for the disk (random layers of the bench:
		 * 1.15 s a pull with it, 0.86 s without, CPU 0.94 and 0.85 s)
		 */
		.no_direct = o->no_writeback,
	};
	/* files are created with the entry's permission bits */
	mode_t saved_umask = umask(0);
	struct apply_result res = { 0 };
	char digest[PEA_DIGEST_MAX];
	int r = -1;

	if (pea_digest_init(&s.compressed, "sha256", err) < 0 ||
	    pea_digest_init(&m.uncompressed, "sha256", err) < 0)
		goto out;
	m.src = &s;
	r = open_fast(&s, &m, err);
	if (r == 0)
		r = open_outer(&s, &outer, err);
	if (r < 0)
		goto out;
	r = -1;
	m.outer = outer;
	res.compression = m.gz ? "gzip" : m.zs ? "zstd" : compression_name(outer);
	/* the raw reader passes a plain tar through as it is: one hash is enough */
	m.hash = strcmp(res.compression, "none") != 0;
	m.split = o->tarsplit_fd >= 0 ? tarsplit_new(o->tarsplit_fd) : NULL;
	start_pipeline(&s, &m);
	inner = archive_read_new();
	archive_read_support_format_tar(inner);
	archive_read_support_format_gnutar(inner);
	if (archive_read_open(inner, &m, NULL, middle_read, NULL) != ARCHIVE_OK) {
		pea_error_new(err, EINVAL, "tar stream: %s",
			      archive_error_string(inner) ?: "not a tar stream");
		goto out;
	}
	if (apply_entries(inner, &w, m.split, &res, err) < 0 || direct_end(&w, err) < 0)
		goto out;
	if (drain(&s, &m, err) < 0)
		goto out;
	if (m.split && w.removed_dir)
		tarsplit_abandon(m.split);
	res.tarsplit = m.split && tarsplit_finish(m.split);
	writer_finish_dirs(&w);
	res.compressed_size = pea_digest_bytes(&s.compressed);
	pea_digest_final(&s.compressed, digest);
	res.compressed_digest = xstrdup(digest);
	if (m.hash) {
		res.size = pea_digest_bytes(&m.uncompressed);
		pea_digest_final(&m.uncompressed, digest);
	} else {
		res.size = res.compressed_size;
	}
	res.diff_id = xstrdup(digest);
	*ret = res;
	r = 0;
out:
	/* the producer stopped before the stream is read here */
	m.pipe = pipeline_free(m.pipe);
	s.stop_fd = -1;
	if (r < 0 && o->expect_digest && m.src)
		blame_digest(&s, o->expect_digest, err);
	umask(saved_umask);
	tarsplit_free(m.split);
	m.gz = gunzip_free(m.gz);
	m.zs = unzstd_free(m.zs);
	writer_clear(&w);
	pea_digest_done(&s.compressed);
	pea_digest_done(&m.uncompressed);
	return r;
}

void apply_result_clear(struct apply_result *r)
{
	free(r->diff_id);
	free(r->compressed_digest);
	*r = (struct apply_result){ 0 };
}
