#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#include "runtime.h"
#include "cgroup.h"
#include "state.h"

#define STATE_FILE "state.json"
#define STATE_MAX  (1u << 20)
/* the state folder's mode: the sticky bit is pea-runtime's mark (state_create_dir) */
#define STATE_DIR_MODE (S_ISVTX | 0700)

int state_validate_id(const char *id, struct pea_error **err)
{
	size_t n = strlen(id);

	if (n == 0)
		return pea_error_new(err, EINVAL, "invalid container ID: empty");
	if (n > 1024)
		return pea_error_new(err, EINVAL, "invalid container ID: longer than 1024 bytes");
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return pea_error_new(err, EINVAL, "invalid container ID '%s'", id);
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-' || ch == '.'))
			return pea_error_new(err, EINVAL,
					     "invalid container ID '%s': only letters, digits and "
					     "'_+-.' are allowed",
					     id);
	}
	return 0;
}

int state_open_root(const char *root, bool create, int *ret_fd, struct pea_error **err)
{
	int fd;

	if (create && mkdir(root, 0700) < 0 && errno != EEXIST) {
		if (errno != ENOENT)
			return pea_error_errno(err, "state directory '%s'", root);
		if (pea_mkdir_p_at(AT_FDCWD, root, 0700, NULL, err) < 0)
			return pea_error_wrap(err, "state directory '%s'", root);
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "state directory '%s'", root);
	*ret_fd = fd;
	return 0;
}

static int lock_dir(int fd, int how, const char *id, struct pea_error **err)
{
	while (flock(fd, how) < 0) {
		if (errno == EWOULDBLOCK)
			return -EWOULDBLOCK;
		if (errno != EINTR)
			return pea_error_errno(err, "lock container '%s'", id);
	}
	return 0;
}

/*
 * The folder is made with the sticky bit, pea-runtime's mark (0700 | S_ISVTX: for a folder only
 * its owner writes to, the bit changes nothing else): there from the mkdir on, so a create killed
 * at any point leaves a marked folder. A folder under --root that has neither the mark nor
 * pea-runtime's state.json is another runtime's (crun's makes its folder 0700, then its files),
 * never taken for a pea-runtime container that died half-way (state_read).
 */
int state_create_dir(int rootfd, const char *id, int *ret_dirfd, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;

	if (mkdirat(rootfd, id, STATE_DIR_MODE) < 0) {
		if (errno == EEXIST)
			return pea_error_new(err, EEXIST, "container '%s' already exists", id);
		return pea_error_errno(err, "create state directory of '%s'", id);
	}
	fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int r = pea_error_errno(err, "open state directory of '%s'", id);

		unlinkat(rootfd, id, AT_REMOVEDIR);
		return r;
	}
	if (lock_dir(fd, LOCK_EX, id, err) < 0) {
		unlinkat(rootfd, id, AT_REMOVEDIR);
		return -EIO;
	}
	*ret_dirfd = TAKE_FD(fd);
	return 0;
}

/*
 * The container's cgroup path as an xattr of its folder, set before its cgroups are made: a
 * create killed before its state.json leaves them, and its delete finds them here. Empty for
 * the default, /ID; a path that holds the id has it left out, one NUL byte in its place (pea's
 * /pea/pea-ID is then 10 bytes, not 74): ext4 keeps a value of up to 64 bytes in a 256-byte
 * inode, a longer one in a block of its own, allocated and freed each container.
 */
#define STATE_CGROUP_XATTR "user.pea.cg"

void state_mark_cgroup(int dirfd, const char *id, const char *path)
{
	_cleanup_free_ char *dflt = xasprintf("/%s", id), *v = NULL;
	const char *at = *id ? strstr(path, id) : NULL;
	size_t len = 0;

	if (strcmp(path, dflt) == 0) {
		v = xstrdup("");
	} else if (at) {
		/* the part before the id, a NUL, the part after it */
		v = xasprintf("%.*s%c%s", (int)(at - path), path, '\0', at + strlen(id));
		len = (size_t)(at - path) + 1 + strlen(at + strlen(id));
	} else {
		v = xstrdup(path);
		len = strlen(v);
	}
	if (fsetxattr(dirfd, STATE_CGROUP_XATTR, v, len, 0) < 0)
		log_debug("container '%s': xattr %s: %s", id, STATE_CGROUP_XATTR, strerror(errno));
}

char *state_left_cgroup(int dirfd, const char *id)
{
	char buf[4096];
	ssize_t n = fgetxattr(dirfd, STATE_CGROUP_XATTR, buf, sizeof(buf) - 1);
	const char *nul;

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	if (n == 0)
		return xasprintf("/%s", id);
	nul = memchr(buf, '\0', (size_t)n);
	if (nul)
		return xasprintf("%.*s%s%s", (int)(nul - buf), buf, id, nul + 1);
	return xstrdup(buf);
}

int state_open_dir(int rootfd, const char *id, bool exclusive, int *ret_dirfd,
		   struct pea_error **err)
{
	_cleanup_close_ int fd = -1;

	if (state_validate_id(id, err) < 0)
		return -EINVAL;
	fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return pea_error_new(err, ENOENT, "container '%s' does not exist", id);
		return pea_error_errno(err, "open state directory of '%s'", id);
	}
	if (lock_dir(fd, exclusive ? LOCK_EX : LOCK_SH, id, err) < 0)
		return -EIO;
	*ret_dirfd = TAKE_FD(fd);
	return 0;
}

int state_peek(int rootfd, const char *id, struct container_handle *h)
{
	_cleanup_close_ int fd = -1;
	int r;

	*h = (struct container_handle){ .rootfd = -1, .dirfd = -1 };
	fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	r = lock_dir(fd, LOCK_SH | LOCK_NB, id, NULL);
	if (r == -EWOULDBLOCK) {
		/* being created (or deleted) right now */
		h->st = xnew(struct container_state, 1);
		h->st->id = xstrdup(id);
		h->st->bundle = xstrdup("");
		h->st->rootfs = xstrdup("");
		h->st->created = xstrdup("");
		h->status = STATUS_CREATING;
		return 0;
	}
	if (r < 0 || state_read(fd, id, &h->st, NULL) < 0)
		return -EIO;
	h->status = state_status(fd, h->st);
	h->dirfd = TAKE_FD(fd);
	return 0;
}

int state_remove_dir(int rootfd, const char *id, struct pea_error **err)
{
	if (pea_rm_rf_at(rootfd, id, err) < 0)
		return pea_error_wrap(err, "remove state of '%s'", id);
	return 0;
}

/*
 * Replace dirfd/name by rename: readers see the old or the new state, never
 * a torn one. No fsync: the runtime state lives in /run and does not outlive
 * a reboot (nor do the containers), and fsync costs milliseconds per create
 * on a disk. (pea_write_file_atomic_at() with a no-fsync flag would do.)
 */
int state_replace_file(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
		       struct pea_error **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", name);
	_cleanup_close_ int fd = -1;

	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return pea_error_errno(err, "write '%s'", tmp);
	if (pea_write_all(fd, data, len, err) < 0) {
		unlinkat(dirfd, tmp, 0);
		return -EIO;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int r = pea_error_errno(err, "rename '%s'", tmp);

		unlinkat(dirfd, tmp, 0);
		return r;
	}
	return 0;
}

int state_write(int dirfd, const struct container_state *st, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	const char *s;
	size_t len;

	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "pid", json_object_new_int(st->pid));
	json_object_object_add(o, "startTime", json_object_new_uint64(st->start_time));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	if (st->config && *st->config)
		json_object_object_add(o, "config", json_object_new_string(st->config));
	json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
	json_object_object_add(o, "created", json_object_new_string(st->created));
	json_object_object_add(o, "owner", json_object_new_int64(st->owner));
	json_object_object_add(o, "pidns", json_object_new_boolean(st->pidns));
	json_object_object_add(o, "mntns", json_object_new_boolean(st->mntns));
	if (st->annotations)
		json_object_object_add(o, "annotations", json_object_get(st->annotations));
	if (st->hooks)
		json_object_object_add(o, "hooks", json_object_get(st->hooks));
	if (st->cgroups)
		json_object_object_add(o, "cgroups", json_object_get(st->cgroups));
	if (st->resources)
		json_object_object_add(o, "resources", json_object_get(st->resources));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	return state_replace_file(dirfd, STATE_FILE, s, len, 0600, err);
}

static char *dup_opt(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return xstrdup("");
	return xstrdup(json_object_get_string(v));
}

/*
 * A folder under --root that pea-runtime did not make: refused, so that a delete --force of
 * another runtime's running container neither kills nor removes anything (its state, its
 * cgroups, what its caller removes after it).
 */
static int not_ours(const char *id, struct pea_error **err)
{
	return pea_error_new(err, EINVAL,
			     "container '%s': not a pea-runtime container (its state folder has "
			     "neither pea-runtime's mark, the sticky bit, nor its %s: another "
			     "runtime's?)",
			     id, STATE_FILE);
}

static bool is_marked(int dirfd)
{
	struct stat st;

	return fstat(dirfd, &st) == 0 && (st.st_mode & S_ISVTX);
}

/*
 * An unmarked folder without state.json that holds nothing but what a create of pea-runtime
 * makes in it before its state.json: an older build's create killed half-way (its folders were
 * 0700, no mark), taken as ours so that its delete removes it. What such a create makes there:
 * the exec fifo (create), the NOTIFY_SOCKET folder (notify.c), the user namespace's device
 * nodes (devices.c), and state.json's temporary file (state_replace_file). crun's folder has
 * its status (status.tmp, then status) and config.json from early in its create on: refused.
 * runc's folder is 0711 and holds its exec.fifo alone while its init runs, until its
 * state.json: refused by its mode (an older pea-runtime's were 0700). Only crun's create
 * killed between its mkdir and its config.json (its exec.fifo alone, no process yet) looks
 * the same: removed, nothing else is lost.
 */
static bool holds_own_entries_only(int dirfd)
{
	static const char *const own[] = { STATE_FIFO, "notify", "devices", STATE_FILE ".tmp" };
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	struct stat st;
	int fd;

	if (fstat(dirfd, &st) < 0 || (st.st_mode & 07777) != 0700)
		return false;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while ((e = readdir(d))) {
		bool known = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;

		for (size_t i = 0; !known && i < ARRAY_SIZE(own); i++)
			known = strcmp(e->d_name, own[i]) == 0;
		if (!known)
			return false;
	}
	return true;
}

int state_read(int dirfd, const char *id, struct container_state **ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct container_state *st;
	struct json_object *v = NULL;
	int64_t pid = 0, owner = 0;
	uint64_t start = 0;
	bool pidns = false, mntns = false, has_state;

	has_state = pea_path_exists_at(dirfd, STATE_FILE);
	/* a create killed before its state.json: a stopped container, when it is ours */
	if (!has_state && !is_marked(dirfd) && !holds_own_entries_only(dirfd))
		return not_ours(id, err);
	st = xnew(struct container_state, 1);
	st->id = xstrdup(id);
	if (!has_state) {
		st->bundle = xstrdup("");
		st->config = xstrdup("");
		st->rootfs = xstrdup("");
		st->created = xstrdup("");
		*ret = st;
		return 0;
	}
	if (pea_json_parse_file_at(dirfd, STATE_FILE, STATE_MAX, &o, err) < 0 ||
	    pea_json_get_int64_opt(o, "", "pid", &pid, err) < 0 ||
	    pea_json_get_uint64_opt(o, "", "startTime", &start, err) < 0 ||
	    pea_json_get_int64_opt(o, "", "owner", &owner, err) < 0 ||
	    pea_json_get_bool_opt(o, "", "pidns", &pidns, err) < 0 ||
	    pea_json_get_bool_opt(o, "", "mntns", &mntns, err) < 0) {
		state_free(st);
		return pea_error_wrap(err, "state of container '%s'", id);
	}
	/* runc's state.json has no "pid" (init_process_pid); ours always has, marked or not */
	if (!json_object_object_get_ex(o, "pid", NULL) && !is_marked(dirfd)) {
		state_free(st);
		return not_ours(id, err);
	}
	st->pid = (pid_t)pid;
	st->start_time = start;
	st->owner = (uid_t)owner;
	st->pidns = pidns;
	st->mntns = mntns;
	st->bundle = dup_opt(o, "bundle");
	st->config = dup_opt(o, "config");
	st->rootfs = dup_opt(o, "rootfs");
	st->created = dup_opt(o, "created");
	if (json_object_object_get_ex(o, "annotations", &v) &&
	    json_object_is_type(v, json_type_object))
		st->annotations = json_object_get(v);
	if (json_object_object_get_ex(o, "hooks", &v) && json_object_is_type(v, json_type_object))
		st->hooks = json_object_get(v);
	if (json_object_object_get_ex(o, "cgroups", &v) && json_object_is_type(v, json_type_object))
		st->cgroups = json_object_get(v);
	if (json_object_object_get_ex(o, "resources", &v) &&
	    json_object_is_type(v, json_type_object))
		st->resources = json_object_get(v);
	*ret = st;
	return 0;
}

struct container_state *state_free(struct container_state *st)
{
	if (!st)
		return NULL;
	free(st->id);
	free(st->bundle);
	free(st->config);
	free(st->rootfs);
	free(st->created);
	json_object_put(st->annotations);
	json_object_put(st->hooks);
	json_object_put(st->cgroups);
	json_object_put(st->resources);
	free(st);
	return NULL;
}

int proc_stat(pid_t pid, unsigned long long *ret_start, bool *ret_zombie)
{
	char path[64], buf[1024], *p;
	_cleanup_close_ int fd = -1;
	unsigned long long start = 0;
	ssize_t n;
	char state;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: the last ')' ends it */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
			 " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			 "%*s %*s %*s %*s %llu",
			 &state, &start) != 2)
		return -EIO;
	if (ret_start)
		*ret_start = start;
	if (ret_zombie)
		*ret_zombie = state == 'Z' || state == 'X';
	return 0;
}

bool state_pid_alive(const struct container_state *st)
{
	unsigned long long start = 0;
	bool zombie = false;

	if (st->pid <= 0 || proc_stat(st->pid, &start, &zombie) < 0)
		return false;
	return !zombie && start == st->start_time;
}

enum container_status state_status(int dirfd, const struct container_state *st)
{
	if (!state_pid_alive(st))
		return STATUS_STOPPED;
	if (pea_path_exists_at(dirfd, STATE_FIFO))
		return STATUS_CREATED;
	if (st->cgroups) {
		struct cgroup *cg = NULL;
		bool frozen = false;

		if (cgroup_from_json(st->cgroups, &cg, NULL) == 0)
			frozen = cgroup_frozen(cg);
		cgroup_free(cg);
		if (frozen)
			return STATUS_PAUSED;
	}
	return STATUS_RUNNING;
}

const char *state_status_name(enum container_status s)
{
	switch (s) {
	case STATUS_CREATING:
		return "creating";
	case STATUS_CREATED:
		return "created";
	case STATUS_RUNNING:
		return "running";
	case STATUS_PAUSED:
		return "paused";
	case STATUS_STOPPED:
	default:
		return "stopped";
	}
}

/*
 * The owner's user name, as runc prints it ("" when it has none), from
 * /etc/passwd as runc reads it (user.LookupUid), not through NSS: pea-runtime
 * is a static binary (oci-runtime/module.mk), where getpwuid would load NSS's
 * modules of the libc it was built with.
 */
static const char *owner_name(uid_t uid, char *buf, size_t size)
{
	_cleanup_fclose_ FILE *f = NULL;
	const struct passwd *pw;

	if (uid == 0)
		return "root";
	buf[0] = '\0';
	f = fopen("/etc/passwd", "re");
	while (f && (pw = fgetpwent(f)))
		if (pw->pw_uid == uid && pw->pw_name) {
			snprintf(buf, size, "%s", pw->pw_name);
			break;
		}
	return buf;
}

struct json_object *state_to_json(const struct container_state *st, enum container_status s)
{
	struct json_object *o = json_object_new_object();
	char owner[256];

	json_object_object_add(o, "ociVersion", json_object_new_string(RUNTIME_OCI_VERSION));
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "pid", json_object_new_int(s == STATUS_STOPPED ? 0 : st->pid));
	json_object_object_add(o, "status", json_object_new_string(state_status_name(s)));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
	json_object_object_add(o, "created", json_object_new_string(st->created));
	json_object_object_add(o, "owner",
			       json_object_new_string(owner_name(st->owner, owner, sizeof(owner))));
	if (st->annotations)
		json_object_object_add(o, "annotations", json_object_get(st->annotations));
	return o;
}

char *state_now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	/* not strftime: it loads /etc/localtime, which UTC does not need */
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

int state_lookup(const char *root, const char *id, bool exclusive, struct container_handle *h,
		 struct pea_error **err)
{
	*h = (struct container_handle){ .rootfd = -1, .dirfd = -1 };
	if (state_validate_id(id, err) < 0)
		return -EINVAL;
	h->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (h->rootfd < 0) {
		if (errno == ENOENT)
			return pea_error_new(err, ENOENT, "container '%s' does not exist", id);
		return pea_error_errno(err, "state directory '%s'", root);
	}
	if (state_open_dir(h->rootfd, id, exclusive, &h->dirfd, err) < 0 ||
	    state_read(h->dirfd, id, &h->st, err) < 0) {
		state_handle_close(h);
		return -EINVAL;
	}
	h->status = state_status(h->dirfd, h->st);
	return 0;
}

void state_handle_close(struct container_handle *h)
{
	h->rootfd = pea_close(h->rootfd);
	h->dirfd = pea_close(h->dirfd);
	h->st = state_free(h->st);
}

int state_pidfd(const struct container_state *st)
{
	int fd;

	if (st->pid <= 0)
		return -1;
	fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (fd < 0)
		return -1;
	/* the pid may have been reused between the state and the pidfd */
	if (!state_pid_alive(st)) {
		close(fd);
		return -1;
	}
	return fd;
}
