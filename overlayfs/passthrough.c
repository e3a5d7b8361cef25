#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "overlayfs/devread.h"
#include "overlayfs/ops.h"
#include "overlayfs/passthrough.h"

/*
 * The parts of the kernel's FUSE protocol (7.40, include/uapi/linux/fuse.h)
 * that libfuse 3.14 and the installed kernel headers lack.
 */
#define PT_OPCODE_INIT	      26
#define PT_OPCODE_OPEN	      14
#define PT_KILLPRIV_V2	      (1u << 28) /* FUSE_HANDLE_KILLPRIV_V2, in flags */
#define PT_OPEN_KILL_SUIDGID  (1u << 0)	 /* fuse_open_in's open_flags */
#define PT_OPEN_IN_OPEN_FLAGS 4u
#define PT_INIT_EXT	      (1u << 30)
#define PT_FLAGS2_PASSTHRU    (1u << 5) /* FUSE_PASSTHROUGH is bit 37: flags2's bit 5 */
#define PT_FOPEN_PASSTHRU     (1u << 7)
#define PT_FOPEN_KEEP_CACHE   (1u << 1) /* refused with passthrough (EIO) */
#define PT_IN_HEADER_SIZE     40u
/* fuse_init_in: major, minor, max_readahead, flags, flags2. */
#define PT_INIT_IN_FLAGS  12u
#define PT_INIT_IN_FLAGS2 16u
/* fuse_init_out: ..., flags at 12, ..., flags2 at 32, max_stack_depth at 36. */
#define PT_INIT_OUT_FLAGS   12u
#define PT_INIT_OUT_FLAGS2  32u
#define PT_INIT_OUT_DEPTH   36u
#define PT_INIT_OUT_MINSIZE 40u
/* fuse_open_out: fh, open_flags, backing_id; at the end of open and create replies. */
#define PT_OPEN_OUT_SIZE    16u
#define PT_OPEN_OUT_FLAGS   8u
#define PT_OPEN_OUT_BACKING 12u

struct pt_backing_map {
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};

#define PT_IOC_BACKING_OPEN  _IOW(229, 1, struct pt_backing_map)
#define PT_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

/*
 * Layer files stacked on another file system that stacks (overlayfs, a FUSE
 * mount with passthrough) cannot back ours; one level leaves room for a
 * kernel overlay mounted over this mount.
 */
#define PT_MAX_STACK_DEPTH 1u

/* Set in the thread that sends the reply, just before it does. */
static _Thread_local int reply_backing_id;
/* The request this thread read last was an OPEN asking to kill set-ID bits. */
static _Thread_local bool open_kill_suidgid;
static bool init_reply_pending;
static uint32_t init_reply_flags; /* more bits for the INIT reply's flags */

void ovl_pt_reply_with(int backing_id)
{
	reply_backing_id = backing_id;
}

static uint32_t get_u32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put_u32(void *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static ssize_t io_read(int fd, void *buf, size_t len, void *userdata)
{
	struct ovl_fs *fs = userdata;
	ssize_t n = ovl_devread(fd, buf, len);
	const char *b = buf;

	if (n < (ssize_t)(PT_IN_HEADER_SIZE + 8))
		return n;
	/* fuse_open_in's open_flags, which libfuse 3.14 does not hand on. */
	open_kill_suidgid =
		get_u32(b + 4) == PT_OPCODE_OPEN &&
		(get_u32(b + PT_IN_HEADER_SIZE + PT_OPEN_IN_OPEN_FLAGS) & PT_OPEN_KILL_SUIDGID);
	if (get_u32(b + 4) != PT_OPCODE_INIT ||
	    n < (ssize_t)(PT_IN_HEADER_SIZE + PT_INIT_IN_FLAGS2 + 4))
		return n;
	/* The INIT request tells whether the kernel offers passthrough and killpriv v2. */
	if ((get_u32(b + PT_IN_HEADER_SIZE + PT_INIT_IN_FLAGS) & PT_INIT_EXT) &&
	    (get_u32(b + PT_IN_HEADER_SIZE + PT_INIT_IN_FLAGS2) & PT_FLAGS2_PASSTHRU))
		fs->pt_offered = true;
	if (get_u32(b + PT_IN_HEADER_SIZE + PT_INIT_IN_FLAGS) & PT_KILLPRIV_V2)
		fs->killpriv_offered = true;
	return n;
}

static ssize_t io_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct iovec *last = &iov[count - 1];
	char *p;

	(void)userdata;
	if (init_reply_pending && count >= 2 && iov[1].iov_len >= PT_INIT_OUT_MINSIZE) {
		p = iov[1].iov_base;
		put_u32(p + PT_INIT_OUT_FLAGS, get_u32(p + PT_INIT_OUT_FLAGS) | init_reply_flags);
		if (init_reply_flags & PT_INIT_EXT) {
			put_u32(p + PT_INIT_OUT_FLAGS2,
				get_u32(p + PT_INIT_OUT_FLAGS2) | PT_FLAGS2_PASSTHRU);
			put_u32(p + PT_INIT_OUT_DEPTH, PT_MAX_STACK_DEPTH);
		}
		init_reply_pending = false;
	} else if (reply_backing_id > 0 && count >= 2 && last->iov_len >= PT_OPEN_OUT_SIZE) {
		p = (char *)last->iov_base + last->iov_len - PT_OPEN_OUT_SIZE;
		put_u32(p + PT_OPEN_OUT_FLAGS,
			(get_u32(p + PT_OPEN_OUT_FLAGS) & ~PT_FOPEN_KEEP_CACHE) |
				PT_FOPEN_PASSTHRU);
		put_u32(p + PT_OPEN_OUT_BACKING, (uint32_t)reply_backing_id);
		reply_backing_id = 0;
	}
	return writev(fd, iov, count);
}

static ssize_t io_splice_send(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
			      unsigned int flags, void *userdata)
{
	(void)userdata;
	return splice(fdin, offin, fdout, offout, len, flags);
}

int ovl_pt_setup(struct ovl_fs *fs, struct fuse_session *se)
{
	static const struct fuse_custom_io io = {
		.read = io_read,
		.writev = io_writev,
		.splice_send = io_splice_send,
	};
	int fd = fuse_session_fd(se);

	fs->fuse_fd = fd;
	if (ovl_devread_setup(fd, fs->opts->spin_us) < 0)
		return -1;
	return fuse_session_custom_io(se, &io, fd);
}

/* The first line of path that starts with prefix, into buf. */
static bool find_line(const char *path, const char *prefix, char *buf, int size)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");

	while (f && fgets(buf, size, f))
		if (strncmp(buf, prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

/*
 * Has process proc ("self" or a pid) capability cap in the initial user
 * namespace (the kernel's capable())? No when it cannot be told.
 */
static bool initial_cap(const char *proc, int cap)
{
	char path[64], line[256];
	unsigned long long caps = 0, inside, outside, count;

	/* The whole id range, as is: the initial user namespace. */
	snprintf(path, sizeof(path), "/proc/%s/uid_map", proc);
	if (!find_line(path, "", line, sizeof(line)) ||
	    sscanf(line, "%llu %llu %llu", &inside, &outside, &count) != 3 || inside != 0 ||
	    outside != 0 || count != 4294967295ull)
		return false;
	snprintf(path, sizeof(path), "/proc/%s/status", proc);
	if (!find_line(path, "CapEff:", line, sizeof(line)) ||
	    sscanf(line, "CapEff: %llx", &caps) != 1)
		return false;
	return caps & (1ull << cap);
}

/* Registering files needs CAP_SYS_ADMIN in the initial user namespace. */
static bool may_register(void)
{
	return initial_cap("self", 21); /* CAP_SYS_ADMIN */
}

bool ovl_pt_has_fsetid(pid_t pid)
{
	char proc[32];

	if (pid <= 0)
		return false;
	snprintf(proc, sizeof(proc), "%d", (int)pid);
	return initial_cap(proc, 4); /* CAP_FSETID */
}

/*
 * Is id in one of the ranges of a /proc/PID/{uid,gid}_map? Its outside ids
 * read from another user namespace are ours.
 */
static bool id_mapped(const char *path, unsigned long long id)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	unsigned long long inside, outside, count;

	while (f && fscanf(f, "%llu %llu %llu", &inside, &outside, &count) == 3)
		if (id >= outside && id - outside < count)
			return true;
	return false;
}

/* Is process proc in our user namespace? */
static bool same_userns(const char *proc)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%s/ns/user", proc);
	return stat(path, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

/* Is gid among the supplementary groups of /proc/PROC/status? */
static bool in_groups(const char *proc, unsigned long gid)
{
	_cleanup_free_ char *line = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	char path[64], *p, *end;
	size_t size = 0;

	snprintf(path, sizeof(path), "/proc/%s/status", proc);
	f = fopen(path, "re");
	while (f && getline(&line, &size, f) > 0) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (p = line + 7;; p = end) {
			unsigned long v = strtoul(p, &end, 10);

			if (end == p)
				return false;
			if (v == gid)
				return true;
		}
	}
	return false;
}

bool ovl_pt_in_group_or_fsetid(pid_t pid, gid_t fsgid, uid_t uid, gid_t gid)
{
	char proc[32], path[64], line[256];
	unsigned long long caps = 0;

	if (fsgid == gid)
		return true;
	if (pid <= 0)
		return false;
	snprintf(proc, sizeof(proc), "%d", (int)pid);
	if (in_groups(proc, gid))
		return true;
	/* capable_wrt_inode_uidgid: CAP_FSETID in its namespace, owner and group mapped there. */
	snprintf(path, sizeof(path), "/proc/%s/status", proc);
	if (!find_line(path, "CapEff:", line, sizeof(line)) ||
	    sscanf(line, "CapEff: %llx", &caps) != 1 || !(caps & (1ull << 4)))
		return false;
	if (same_userns(proc))
		return true;
	snprintf(path, sizeof(path), "/proc/%s/uid_map", proc);
	if (!id_mapped(path, uid))
		return false;
	snprintf(path, sizeof(path), "/proc/%s/gid_map", proc);
	return id_mapped(path, gid);
}

void ovl_pt_init(struct ovl_fs *fs)
{
	if (fs->killpriv_offered && ovl_want_killpriv(fs)) {
		fs->killpriv = true;
		init_reply_flags |= PT_KILLPRIV_V2;
		init_reply_pending = true;
		log_debug("set-ID bits dropped by the server (FUSE_HANDLE_KILLPRIV_V2)");
	}
	if (!fs->pt_offered || fs->writeback || !fs->opts->passthrough || !may_register())
		return;
	fs->passthrough = true;
	init_reply_flags |= PT_INIT_EXT;
	init_reply_pending = true;
}

bool ovl_pt_open_kills_suidgid(void)
{
	return open_kill_suidgid;
}

/* Register fd as a backing file: its id, or 0 (and why, for the next opens). */
static int backing_open(struct ovl_fs *fs, int fd, unsigned key)
{
	struct pt_backing_map map = { .fd = fd };
	int id = ioctl(fs->fuse_fd, PT_IOC_BACKING_OPEN, &map);

	if (id > 0)
		return id;
	if (errno == ELOOP)
		fs->layers[key].no_backing = true;
	else if (errno != EMFILE && errno != ENFILE && errno != ENOMEM)
		fs->passthrough = false; /* EPERM, EOPNOTSUPP, ...: not for us */
	return 0;
}

/*
 * n's kernel inode is tied to the layer file of its open passthrough files,
 * and the file to open now is another (a copy-up happened meanwhile): the
 * kernel would fail the open. n keeps the old file, detached, for the files
 * open on it; its name gets a new node, which the kernel finds on the retry
 * that ESTALE makes it do (a fresh lookup of the path).
 */
static int split(struct ovl_fs *fs, struct ovl_node *n)
{
	char path[PATH_MAX];
	struct ovl_node *m;
	int r;

	if (n->detached || !n->parent)
		return -ESTALE; /* split already: the name leads to the new node */
	r = ovl_node_path(n, path, sizeof(path));
	if (r < 0)
		return r;
	m = ovl_node_new(n->name, n->type, n->layer, n->ino);
	m->last_layer = n->last_layer;
	m->covers_lower = n->covers_lower;
	m->merge_done = n->merge_done;
	m->origin_done = n->origin_done;
	ovl_node_attach(fs, n->parent, m);
	n->layer = n->last_layer = n->pt_key;
	n->dfd = fs->layers[n->pt_key].fd;
	n->dpath = xstrdup(path);
	return -ESTALE;
}

int ovl_pt_open(struct ovl_fs *fs, struct ovl_node *n, int fd, struct ovl_pt_open *ret)
{
	unsigned key = n->layer;
	int id;

	*ret = (struct ovl_pt_open){ 0 };
	if (n->pt_opens > 0) {
		if (n->pt_key != key)
			return split(fs, n);
		n->pt_opens++;
		ret->backing_id = n->pt_id;
		ret->fh_flags = OVL_FH_PASSTHROUGH;
		return 0;
	}
	if (fs->passthrough && n->cached_opens == 0 && !fs->layers[key].no_backing) {
		id = backing_open(fs, fd, key);
		if (id > 0) {
			n->pt_id = id;
			n->pt_key = key;
			n->pt_opens = 1;
			n->pt_stale = true;
			ret->backing_id = id;
			ret->fh_flags = OVL_FH_PASSTHROUGH;
			return 0;
		}
	}
	n->cached_opens++;
	ret->fh_flags = OVL_FH_CACHED;
	ret->drop_cache = n->pt_stale;
	n->pt_stale = false;
	return 0;
}

void ovl_pt_close(struct ovl_fs *fs, struct ovl_node *n, uint64_t fh)
{
	uint32_t id;

	if ((fh & OVL_FH_PASSTHROUGH) && n->pt_opens > 0 && --n->pt_opens == 0) {
		id = (uint32_t)n->pt_id;
		(void)ioctl(fs->fuse_fd, PT_IOC_BACKING_CLOSE, &id);
		n->pt_id = 0;
	} else if ((fh & OVL_FH_CACHED) && n->cached_opens > 0) {
		n->cached_opens--;
	}
}
