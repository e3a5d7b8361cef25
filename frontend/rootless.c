/*
 * Rootless mode: the user namespace that an ordinary user's pea runs in, the
 * pause process that holds it, pea unshare (podman's rootless mode; see
 * rootless.h and docs/pea.1.md, ROOTLESS MODE).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/config.h"
#include "frontend/container.h"
#include "frontend/commands.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/rootless.h"

#define SUBID_FILE_MAX (1u << 20)
#define PAUSE_NAME     "pea-pause"
#define STOP_WAIT_MS   5000

extern char **environ;

/* --- /etc/subuid and /etc/subgid --- */

static bool parse_ulong(const char *s, unsigned long *ret)
{
	char *end = NULL;
	unsigned long v;

	if (!*s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*ret = v;
	return true;
}

/* One line "NAME:START:COUNT" of user: 1 and the range; 0 another user's; < 0 malformed. */
static int parse_line(char *line, const char *user, const char *uidstr, struct subid_range *ret)
{
	char *f[3], *p = line;
	size_t n = 0;

	while (n < 3) {
		f[n++] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (!(user && strcmp(f[0], user) == 0) && strcmp(f[0], uidstr) != 0)
		return 0;
	if (n != 3 || p || !parse_ulong(f[1], &ret->start) || !parse_ulong(f[2], &ret->count) ||
	    ret->count == 0 || ret->start + ret->count - 1 > UINT32_MAX - 1)
		return -1;
	return 1;
}

int subid_parse(const char *text, size_t len, const char *what, const char *user, uid_t uid,
		struct subid_range **ret, size_t *ret_n, struct pea_error **err)
{
	_cleanup_free_ char *buf = xstrndup(text, len);
	_cleanup_free_ struct subid_range *v = NULL;
	char uidstr[16], *line;
	size_t n = 0, lineno = 0;

	snprintf(uidstr, sizeof(uidstr), "%u", (unsigned)uid);
	if (strlen(buf) != len)
		return pea_error_new(err, EINVAL, "'%s': a NUL byte", what);
	for (char *next = buf; next; lineno++) {
		struct subid_range r = { 0 };
		size_t l;
		int k;

		line = next;
		next = strchr(next, '\n');
		if (next)
			*next++ = '\0';
		line[strcspn(line, "#")] = '\0';
		while (isspace((unsigned char)*line))
			line++;
		l = strlen(line);
		while (l > 0 && isspace((unsigned char)line[l - 1]))
			line[--l] = '\0';
		if (!*line)
			continue;
		k = parse_line(line, user, uidstr, &r);
		if (k < 0)
			return pea_error_new(err, EINVAL,
					     "'%s' line %zu: invalid range of '%s': want "
					     "NAME:START:COUNT",
					     what, lineno + 1, user ? user : uidstr);
		if (k == 0)
			continue;
		if (n == SUBID_MAX_RANGES)
			return pea_error_new(err, E2BIG, "'%s': more than %d ranges for '%s'", what,
					     SUBID_MAX_RANGES, user ? user : uidstr);
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = r;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

/* --- where we are --- */

/* The first line of /proc/self/uid_map: inside, outside, count. */
static bool read_uid_map(unsigned long *in, unsigned long *out, unsigned long *count)
{
	_cleanup_free_ char *map = NULL;

	if (pea_read_file_at(AT_FDCWD, "/proc/self/uid_map", 65536, &map, NULL, NULL) < 0)
		return false;
	return sscanf(map, "%lu %lu %lu", in, out, count) == 3;
}

bool rootless_in_userns(void)
{
	unsigned long in, out, count;

	if (!read_uid_map(&in, &out, &count))
		return false;
	return !(in == 0 && out == 0 && count == 4294967295ul);
}

bool rootless_detect(void)
{
	return geteuid() != 0 || rootless_in_userns();
}

uid_t rootless_uid(void)
{
	unsigned long in, out, count;
	const char *env = getenv("_CONTAINERS_ROOTLESS_UID");
	unsigned long v;

	if (!rootless_in_userns())
		return geteuid();
	if (env && parse_ulong(env, &v))
		return (uid_t)v;
	if (read_uid_map(&in, &out, &count) && in == 0)
		return (uid_t)out;
	return geteuid();
}

gid_t rootless_gid(void)
{
	_cleanup_free_ char *map = NULL;
	const char *env = getenv("_CONTAINERS_ROOTLESS_GID");
	unsigned long v, in, out, count;

	if (!rootless_in_userns())
		return getegid();
	if (env && parse_ulong(env, &v))
		return (gid_t)v;
	if (pea_read_file_at(AT_FDCWD, "/proc/self/gid_map", 65536, &map, NULL, NULL) == 0 &&
	    sscanf(map, "%lu %lu %lu", &in, &out, &count) == 3 && in == 0)
		return (gid_t)out;
	return getegid();
}

/* --- the pause process --- */

bool rootless_is_pause(int argc, char **argv)
{
	return argc == 1 && argv[0] && strcmp(argv[0], PAUSE_NAME) == 0;
}

int rootless_pause_main(void)
{
	sigset_t all;
	int sig;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	/* an ignored signal would be dropped, not queued for sigwait (inherited across exec) */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	for (;;)
		if (sigwait(&all, &sig) == 0 && (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT))
			return 0;
}

/*
 * The user's folder for the pid file: $XDG_RUNTIME_DIR/pea (the directory
 * must be the user's), else /tmp/pea-run-UID (made 0700; an existing one must
 * be the user's own folder). Owners are checked against geteuid(): inside the
 * namespace the user's files are root's.
 */
static int pause_dir(char **ret, struct pea_error **err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	_cleanup_free_ char *dir = NULL;
	uid_t owner = geteuid(), uid = rootless_uid();
	struct stat st;

	if (xdg && *xdg) {
		if (stat(xdg, &st) < 0)
			return pea_error_errno(err, "XDG_RUNTIME_DIR '%s'", xdg);
		if (st.st_uid != owner)
			return pea_error_new(
				err, EPERM,
				"XDG_RUNTIME_DIR '%s' is not owned by the current user "
				"(uid %u): set it to a folder of yours or unset it",
				xdg, (unsigned)uid);
		dir = xasprintf("%s/pea", xdg);
	} else {
		dir = xasprintf("/tmp/pea-run-%u", (unsigned)uid);
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return pea_error_errno(err, "create '%s'", dir);
	if (lstat(dir, &st) < 0)
		return pea_error_errno(err, "'%s'", dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != owner)
		return pea_error_new(err, EPERM,
				     "'%s' is not a folder owned by the current user (uid %u)", dir,
				     (unsigned)uid);
	*ret = TAKE_PTR(dir);
	return 0;
}

/* pid of the pause process named in dfd/pause.pid, 0 if none. */
static pid_t read_pause_pid(int dfd)
{
	_cleanup_free_ char *buf = NULL;
	unsigned long v;

	if (pea_read_file_at(dfd, "pause.pid", 64, &buf, NULL, NULL) < 0)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	if (!parse_ulong(buf, &v) || v == 0 || v > INT_MAX)
		return 0;
	return (pid_t)v;
}

/* Is pid a pause process of uid (and not a pid reused by something else)? */
static bool is_our_pause(pid_t pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d", (int)pid), *cmd = NULL, *stat_txt = NULL;
	_cleanup_free_ char *cmdf = xasprintf("/proc/%d/cmdline", (int)pid);
	_cleanup_free_ char *statf = xasprintf("/proc/%d/stat", (int)pid);
	struct stat st;
	size_t len = 0;
	const char *paren;

	if (stat(path, &st) < 0 || st.st_uid != geteuid())
		return false;
	if (pea_read_file_at(AT_FDCWD, cmdf, 4096, &cmd, &len, NULL) < 0 ||
	    len < sizeof(PAUSE_NAME) || memcmp(cmd, PAUSE_NAME, sizeof(PAUSE_NAME)) != 0)
		return false;
	/* a zombie has no namespaces left to join */
	if (pea_read_file_at(AT_FDCWD, statf, 4096, &stat_txt, NULL, NULL) < 0)
		return false;
	paren = strrchr(stat_txt, ')');
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

static int open_ns(pid_t pid, const char *name, int *ret, struct pea_error **err)
{
	_cleanup_free_ char *p = xasprintf("/proc/%d/ns/%s", (int)pid, name);
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return pea_error_errno(err, "open '%s'", p);
	*ret = fd;
	return 0;
}

int rootless_read_ranges(const char *file, const char *user, uid_t id, struct subid_range **ret,
			 size_t *ret_n, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, file, SUBID_FILE_MAX, &buf, &len, err) < 0)
		return pea_error_wrap(err, "rootless mode needs ranges of ids for '%s'",
				      user ? user : "?");
	if (subid_parse(buf, len, file, user, id, ret, ret_n, err) < 0)
		return -1;
	if (*ret_n == 0)
		return pea_error_new(err, ENOENT, "no %s ranges found for user %s in %s",
				     strstr(file, "gid") ? "subgid" : "subuid", user ? user : "?",
				     file);
	return 0;
}

/* newuidmap PID 0 ID 1 [NEXT START COUNT]...: one line of error when it fails. */
static int run_map_tool(const struct global_options *g, const char *tool, pid_t pid, unsigned id,
			const struct subid_range *r, size_t n, struct pea_error **err)
{
	_cleanup_free_ char *path = frontend_find_binary(g, tool);
	_cleanup_strv_ char **argv = NULL;
	struct run_result res = { 0 };
	unsigned long next = 1;
	int rc = 0;

	if (!strchr(path, '/'))
		return pea_error_new(err, ENOENT,
				     "%s not found: rootless mode needs it to map the ranges of "
				     "/etc/subuid and /etc/subgid (install the uidmap package)",
				     tool);
	pea_strv_push(&argv, path);
	pea_strv_push_take(&argv, xasprintf("%d", (int)pid));
	pea_strv_push(&argv, "0");
	pea_strv_push_take(&argv, xasprintf("%u", id));
	pea_strv_push(&argv, "1");
	for (size_t i = 0; i < n; i++) {
		pea_strv_push_take(&argv, xasprintf("%lu", next));
		pea_strv_push_take(&argv, xasprintf("%lu", r[i].start));
		pea_strv_push_take(&argv, xasprintf("%lu", r[i].count));
		next += r[i].count;
	}
	if (frontend_run_capture(argv, -1, &res, err) < 0)
		return pea_error_wrap(err, "%s", tool);
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
		_cleanup_free_ char *d = pea_describe_wait_status(res.status);
		rc = pea_error_new(err, EPERM, "%s %s: %s", tool, d,
				   res.errtxt && *res.errtxt ? res.errtxt : "no message");
	}
	run_result_clear(&res);
	return rc;
}

static void send_error(int fd, struct pea_error *e)
{
	(void)pea_error_to_fd(fd, e);
	pea_error_free(e);
}

/*
 * The pause process, after a double fork (so that it is nobody's child here):
 * new user and mount namespaces, its pid to the parent, wait until the parent
 * mapped the ids, then execve as "pea-pause". Never returns.
 */
static void __attribute__((noreturn)) pause_child(int sock, const char *self, bool new_ns)
{
	struct pea_error *e = NULL;
	char *const argv[] = { (char *)PAUSE_NAME, NULL };
	char go = 0, pidtxt[32];
	int keep[] = { sock }, nul;

	if (fork() != 0)
		_exit(0);
	(void)setsid();
	(void)pea_close_fds_except(3, keep, 1);
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
	}
	if (chdir("/") < 0 || (new_ns && unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)) {
		pea_error_errno(&e, "unshare the user and mount namespaces");
		send_error(sock, e);
		_exit(1);
	}
	snprintf(pidtxt, sizeof(pidtxt), "%d", (int)getpid());
	if (send(sock, pidtxt, strlen(pidtxt), MSG_NOSIGNAL) < 0)
		_exit(1);
	/* new namespaces: wait until the parent mapped the ids */
	if (new_ns && (recv(sock, &go, 1, 0) != 1 || go != 'g'))
		_exit(1);
	execve(self, argv, environ);
	pea_error_errno(&e, "execve '%s'", self);
	send_error(sock, e);
	_exit(1);
}

/* A message from the pause child: its pid, or its error. */
static int recv_reply(int sock, pid_t *ret_pid, struct pea_error **err)
{
	char buf[4096];
	ssize_t n;
	unsigned long v;

	do
		n = recv(sock, buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return pea_error_errno(err, "read from the pause process");
	if (n == 0) {
		if (ret_pid)
			return pea_error_new(err, EPIPE, "the pause process exited at once");
		return 0; /* execve closed its end: running */
	}
	buf[n] = '\0';
	if (buf[0] == '{') {
		if (pea_error_from_buf(err, buf, (size_t)n) < 0 || !*err)
			return pea_error_new(err, EPROTO, "pause process: '%s'", buf);
		return -1;
	}
	if (!ret_pid || !parse_ulong(buf, &v) || v == 0 || v > INT_MAX)
		return pea_error_new(err, EPROTO, "pause process: unexpected '%s'", buf);
	*ret_pid = (pid_t)v;
	return 0;
}

struct id_ranges {
	struct subid_range *uids, *gids;
	size_t nuids, ngids;
};

static void id_ranges_clear(struct id_ranges *r)
{
	free(r->uids);
	free(r->gids);
}

static int user_ranges(uid_t uid, struct id_ranges *ret, struct pea_error **err)
{
	struct passwd *pw = getpwuid(uid);
	const char *user = pw ? pw->pw_name : NULL;

	if (rootless_read_ranges("/etc/subuid", user, uid, &ret->uids, &ret->nuids, err) < 0 ||
	    rootless_read_ranges("/etc/subgid", user, uid, &ret->gids, &ret->ngids, err) < 0)
		return pea_error_wrap(err, "cannot set up the user namespace of rootless mode");
	return 0;
}

/* Fork the pause process (nobody's child here); *ret_sock talks to it, *ret_pid is its pid. */
static int fork_pause(const struct global_options *g, bool new_ns, int *ret_sock, pid_t *ret_pid,
		      struct pea_error **err)
{
	_cleanup_close_ int parent = -1, child = -1;
	int sv[2], status;
	pid_t mid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return pea_error_errno(err, "socketpair");
	parent = sv[0];
	child = sv[1];
	fflush(NULL);
	mid = fork();
	if (mid < 0)
		return pea_error_errno(err, "fork");
	if (mid == 0)
		pause_child(child, g->self, new_ns);
	child = pea_close(child);
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	if (recv_reply(parent, ret_pid, err) < 0)
		return pea_error_wrap(err, "starting the pause process");
	*ret_sock = TAKE_FD(parent);
	return 0;
}

/* Start the pause process in new namespaces with the user's ranges mapped. */
static int start_pause(const struct global_options *g, uid_t uid, pid_t *ret_pid,
		       struct pea_error **err)
{
	_cleanup_(id_ranges_clear) struct id_ranges ids = { 0 };
	_cleanup_close_ int parent = -1;
	pid_t pid = 0;

	if (user_ranges(uid, &ids, err) < 0 || fork_pause(g, true, &parent, &pid, err) < 0)
		return -1;
	if (run_map_tool(g, "newuidmap", pid, (unsigned)uid, ids.uids, ids.nuids, err) < 0 ||
	    run_map_tool(g, "newgidmap", pid, (unsigned)getegid(), ids.gids, ids.ngids, err) < 0 ||
	    send(parent, "g", 1, MSG_NOSIGNAL) != 1 || recv_reply(parent, NULL, err) < 0) {
		if (!*err)
			pea_error_errno(err, "write to the pause process");
		kill(pid, SIGKILL);
		return -1;
	}
	*ret_pid = pid;
	return 0;
}

static int join(pid_t pid, int userfd, int mntfd, struct pea_error **err)
{
	if (setns(userfd, CLONE_NEWUSER) < 0)
		return pea_error_errno(err, "join the user namespace of the pause process %d",
				       (int)pid);
	if (setns(mntfd, CLONE_NEWNS) < 0)
		return pea_error_errno(err, "join the mount namespace of the pause process %d",
				       (int)pid);
	return 0;
}

/*
 * A running monitor of one of the user's containers that lives in another user
 * namespace than ours: the namespaces of a pause process that was killed, which
 * its containers keep (podman joins them the same way). 0 when none.
 */
/* The namespace that link names ("user:[4026531837]"), or "" when it cannot be read. */
static void ns_name(const char *link, char *buf, size_t size)
{
	ssize_t n = readlink(link, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
}

static pid_t orphan_monitor(const struct global_options *g)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers", g->root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	char self[64], other[64];
	struct dirent *e;

	ns_name("/proc/self/ns/user", self, sizeof(self));
	while (d && *self && (e = readdir(d))) {
		_cleanup_free_ char *pidf = NULL, *buf = NULL, *nsf = NULL, *proc = NULL;
		unsigned long v;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		pidf = xasprintf("%s/%s/conmon.pid", dir, e->d_name);
		if (pea_read_file_at(AT_FDCWD, pidf, 64, &buf, NULL, NULL) < 0)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		if (!parse_ulong(buf, &v) || v == 0 || v > INT_MAX)
			continue;
		proc = xasprintf("/proc/%lu", v);
		nsf = xasprintf("/proc/%lu/ns/user", v);
		ns_name(nsf, other, sizeof(other));
		if (stat(proc, &st) == 0 && st.st_uid == geteuid() && *other &&
		    strcmp(other, self) != 0)
			return (pid_t)v;
	}
	return 0;
}

static int write_pid(int dfd, pid_t pid, struct pea_error **err)
{
	char txt[32];

	snprintf(txt, sizeof(txt), "%d\n", (int)pid);
	if (pea_write_file_atomic_at(dfd, "pause.pid", txt, strlen(txt), 0644, err) < 0) {
		kill(pid, SIGKILL);
		return -1;
	}
	return 0;
}

/* A pause process in the namespaces we joined (those of an orphaned container). */
static int adopt_pause(const struct global_options *g, int dfd, struct pea_error **err)
{
	_cleanup_close_ int sock = -1;
	pid_t pid = 0;

	if (fork_pause(g, false, &sock, &pid, err) < 0 || recv_reply(sock, NULL, err) < 0)
		return pea_error_wrap(err, "a new pause process");
	return write_pid(dfd, pid, err);
}

/* The namespaces of a running pause process, else of a new one (none: 1 with existing_only). */
static int pause_namespaces(const struct global_options *g, uid_t uid, int dfd, bool existing_only,
			    pid_t *ret_pid, int *ret_user, int *ret_mnt, bool *ret_adopted,
			    struct pea_error **err)
{
	_cleanup_close_ int userfd = -1, mntfd = -1;
	pid_t pid = read_pause_pid(dfd);

	if (pid > 0 && is_our_pause(pid) && open_ns(pid, "user", &userfd, NULL) == 0 &&
	    open_ns(pid, "mnt", &mntfd, NULL) == 0 && is_our_pause(pid))
		goto done;
	userfd = pea_close(userfd);
	mntfd = pea_close(mntfd);
	/* the pause process is gone but containers run: their namespaces, a new pause there */
	pid = orphan_monitor(g);
	if (pid > 0 && open_ns(pid, "user", &userfd, NULL) == 0 &&
	    open_ns(pid, "mnt", &mntfd, NULL) == 0) {
		*ret_adopted = true;
		goto done;
	}
	userfd = pea_close(userfd);
	mntfd = pea_close(mntfd);
	if (existing_only)
		return 1;
	if (start_pause(g, uid, &pid, err) < 0)
		return -1;
	if (open_ns(pid, "user", &userfd, err) < 0 || open_ns(pid, "mnt", &mntfd, err) < 0) {
		kill(pid, SIGKILL);
		return -1;
	}
	if (write_pid(dfd, pid, err) < 0)
		return -1;
done:
	*ret_pid = pid;
	*ret_user = TAKE_FD(userfd);
	*ret_mnt = TAKE_FD(mntfd);
	return 0;
}

static void set_env(uid_t uid)
{
	char buf[32];

	/* podman's names: crun and conmon know them */
	setenv("_CONTAINERS_USERNS_CONFIGURED", "done", 1);
	snprintf(buf, sizeof(buf), "%u", (unsigned)uid);
	setenv("_CONTAINERS_ROOTLESS_UID", buf, 1);
	snprintf(buf, sizeof(buf), "%u", (unsigned)getegid());
	setenv("_CONTAINERS_ROOTLESS_GID", buf, 1);
}

enum rootless_join rootless_join_mode(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "version") == 0)
		return ROOTLESS_JOIN_NONE;
	/* migrate stops what runs there: nothing to start for that */
	if (strcmp(argv[0], "system") == 0 && argc > 1 && strcmp(argv[1], "migrate") == 0)
		return ROOTLESS_JOIN_EXISTING;
	return ROOTLESS_JOIN;
}

int rootless_enter(struct global_options *g, enum rootless_join mode, struct pea_error **err)
{
	_cleanup_free_ char *dir = NULL, *cwd = NULL;
	_cleanup_close_ int dfd = -1, lock = -1, userfd = -1, mntfd = -1;
	uid_t uid = geteuid();
	bool adopted = false;
	pid_t pid = 0;
	int r;

	if (!g->rootless)
		return 0;
	config_rootless_storage_conf(g);
	if (mode == ROOTLESS_JOIN_NONE || uid == 0 || rootless_in_userns())
		return 0;
	if (pause_dir(&dir, err) < 0)
		return pea_error_wrap(err, "rootless mode");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	if (pea_lock_at(dfd, "pause.lock", PEA_LOCK_EXCLUSIVE, false, &lock, err) < 0)
		return -1;
	r = pause_namespaces(g, uid, dfd, mode == ROOTLESS_JOIN_EXISTING, &pid, &userfd, &mntfd,
			     &adopted, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	cwd = getcwd(NULL, 0);
	set_env(uid);
	r = join(pid, userfd, mntfd, err);
	/* a killed pause process: a new one in the namespaces its containers kept */
	if (r == 0 && adopted && mode == ROOTLESS_JOIN)
		r = adopt_pause(g, dfd, err);
	lock = pea_unlock(lock);
	/* setns of a mount namespace moves us to its root: back to where we were */
	if (r == 0 && (!cwd || chdir(cwd) < 0) && chdir("/") < 0)
		return pea_error_errno(err, "chdir '/'");
	return r;
}

/* Stop pid: SIGTERM, then SIGKILL when it is still there after a while (a zombie is gone). */
static int stop_gone(pid_t pid, struct pea_error **err)
{
	_cleanup_close_ int pidfd = pea_pidfd_open(pid, 0);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd < 0)
		return errno == ESRCH
			       ? 0
			       : pea_error_errno(err, "pidfd of the pause process %d", (int)pid);
	if (pea_pidfd_send_signal(pidfd, SIGTERM) < 0 && errno != ESRCH)
		return pea_error_errno(err, "stop the pause process %d", (int)pid);
	if (poll(&p, 1, STOP_WAIT_MS) > 0)
		return 0;
	if (pea_pidfd_send_signal(pidfd, SIGKILL) < 0 && errno != ESRCH)
		return pea_error_errno(err, "kill the pause process %d", (int)pid);
	(void)poll(&p, 1, STOP_WAIT_MS);
	return 0;
}

int rootless_stop_pause(bool *ret_stopped, struct pea_error **err)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -1, lock = -1;
	pid_t pid;

	*ret_stopped = false;
	if (pause_dir(&dir, err) < 0)
		return pea_error_wrap(err, "rootless mode");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	if (pea_lock_at(dfd, "pause.lock", PEA_LOCK_EXCLUSIVE, false, &lock, err) < 0)
		return -1;
	pid = read_pause_pid(dfd);
	if (pid > 0 && is_our_pause(pid)) {
		if (stop_gone(pid, err) < 0)
			return -1;
		*ret_stopped = true;
	}
	if (unlinkat(dfd, "pause.pid", 0) < 0 && errno != ENOENT)
		return pea_error_errno(err, "remove '%s/pause.pid'", dir);
	return 0;
}

int rootless_migrate(struct global_options *g, struct pea_error **err)
{
	struct ctr_record **v = NULL;
	bool stopped = false;
	size_t n = 0;

	/* joined (there was a pause process): its running containers stop first, as podman's */
	if (rootless_in_userns()) {
		if (records_list(g, &v, &n, err) < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			_cleanup_error_ struct pea_error *e = NULL;

			record_sync_exit(g, v[i]);
			if (v[i]->state == CTR_RUNNING && container_stop(g, v[i]->id, -1, &e) < 0)
				log_warning("stopping container %s: %s, ignoring", v[i]->name,
					    e->message);
		}
		records_free(v, n);
	}
	return rootless_stop_pause(&stopped, err);
}

/* --- pea unshare --- */

static const char unshare_usage[] =
	"Usage: pea unshare [COMMAND [ARG...]]\n"
	"\n"
	"Run a command in the user and mount namespaces of rootless pea (default: $SHELL).\n"
	"CONTAINERS_GRAPHROOT and CONTAINERS_RUNROOT name the graph root and run root.\n";

int cmd_unshare(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_strv_ char **cmd = NULL;
	const char *shell = getenv("SHELL");
	int i = 1;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cmd_print_help(stdout, unshare_usage);
		return 0;
	}
	/* podman's global flags before the command */
	for (int r; i < argc && (r = frontend_late_global(argc, argv, &i, err)) != 0;)
		if (r < 0)
			return -1;
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	else if (i < argc && argv[i][0] == '-')
		return pea_error_new(err, EINVAL, "unknown flag: %s\nSee 'pea unshare --help'",
				     argv[i]);
	if (!g->rootless)
		return pea_error_new(err, EPERM, "please use unshare with rootless");
	for (; i < argc; i++)
		pea_strv_push(&cmd, argv[i]);
	if (!cmd)
		pea_strv_push(&cmd, shell && *shell ? shell : "/bin/sh");
	setenv("CONTAINERS_GRAPHROOT", g->root, 1);
	setenv("CONTAINERS_RUNROOT", g->runroot, 1);
	fflush(NULL);
	execvp(cmd[0], cmd);
	g->error_status = errno == ENOENT ? PEA_EXIT_NOT_FOUND : PEA_EXIT_CANNOT;
	return pea_error_errno(err, "exec '%s'", cmd[0]);
}
