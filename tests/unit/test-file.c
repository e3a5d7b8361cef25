#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file-internal.h"
#include "lib/file.h"
#include "tests/unit/tap.h"

static char tmpdir[] = "/tmp/pea-test-file.XXXXXX";

static char *slurp_at(int dirfd, const char *path)
{
	_cleanup_error_ struct pea_error *err = NULL;
	char *s = NULL;

	if (pea_read_file_at(dirfd, path, 1 << 20, &s, NULL, &err) < 0)
		return NULL;
	return s;
}

static void put(int dirfd, const char *path, const char *data)
{
	_cleanup_error_ struct pea_error *err = NULL;

	if (pea_write_file_at(dirfd, path, data, &err) < 0) {
		tap_diag("%s", err->message);
		abort();
	}
}

/* Names in dirfd other than "." and "..", joined by spaces, sorted by the caller's eye. */
static int count_matching(int dirfd, const char *pattern)
{
	_cleanup_closedir_ DIR *d = fdopendir(fcntl(dirfd, F_DUPFD_CLOEXEC, 3));
	struct dirent *de;
	int n = 0;

	rewinddir(d);
	while ((de = readdir(d)))
		if (fnmatch(pattern, de->d_name, 0) == 0)
			n++;
	return n;
}

static void test_read_write(int dir)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *s = NULL;
	size_t len = 0;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	tap_is_int(pea_write_all(p[1], "hello", 5, &err), 0, "write_all");
	close(p[1]);
	tap_is_int(pea_read_all(p[0], 5, &s, &len, &err), 0, "read_all at exactly the cap");
	tap_ok(len == 5 && strcmp(s, "hello") == 0, "read_all content, NUL-terminated");
	close(p[0]);
	free(TAKE_PTR(s));
	{
		/* 1 MiB through a pipe with no cap: the buffer grows geometrically */
		static char big[1 << 20];
		pid_t pid;

		if (pipe2(p, O_CLOEXEC) < 0)
			abort();
		memset(big, 'x', sizeof(big));
		pid = fork();
		if (pid == 0) {
			pea_write_all(p[1], big, sizeof(big), NULL);
			_exit(0);
		}
		close(p[1]);
		tap_is_int(pea_read_all(p[0], SIZE_MAX, &s, &len, &err), 0,
			   "read_all without a cap");
		tap_ok(len == sizeof(big) && s[len] == '\0' && s[len - 1] == 'x', "read 1 MiB");
		close(p[0]);
		waitpid(pid, NULL, 0);
		free(TAKE_PTR(s));
	}

	put(dir, "knob", "12345678");
	tap_is_int(pea_read_file_at(dir, "knob", 4, &s, &len, &err), -EFBIG,
		   "over the cap is EFBIG");
	tap_is_str(err ? err->message : NULL, "read 'knob': larger than 4 bytes", "cap message");
	put(dir, "knob", "1");
	s = slurp_at(dir, "knob");
	tap_is_str(s, "1", "write_file_at truncates");
	pea_error_release(&err);
	tap_is_int(pea_write_file_at(dir, "nodir/x", "1", &err), -ENOENT,
		   "write_file_at missing dir");
	tap_is_str(err ? err->message : NULL, "open 'nodir/x': No such file or directory",
		   "write_file_at message");
}

static void link_at(const char *target, int dirfd, const char *name)
{
	if (symlinkat(target, dirfd, name) < 0)
		abort();
}

static void die_before_rename(void)
{
	raise(SIGKILL);
}

static void test_atomic(int dir)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *s = NULL;
	struct stat st;
	int status = 0;
	pid_t pid;

	put(dir, "state.json", "old");
	tap_is_int(pea_write_file_atomic_at(dir, "state.json", "new", 3, 0640, &err), 0,
		   "atomic write");
	s = slurp_at(dir, "state.json");
	tap_is_str(s, "new", "atomic write replaced the content");
	tap_ok(fstatat(dir, "state.json", &st, 0) == 0 && (st.st_mode & 07777) == 0640,
	       "atomic write sets the mode exactly");
	tap_is_int(count_matching(dir, "state.json.tmp.*"), 0, "no temp file left");

	/* killed right before rename: the old content stays */
	pid = fork();
	if (pid == 0) {
		pea_file_test_before_rename = die_before_rename;
		pea_write_file_atomic_at(dir, "state.json", "torn-new-content", 16, 0644, NULL);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	tap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "writer was killed before rename");
	free(s);
	s = slurp_at(dir, "state.json");
	tap_is_str(s, "new", "killed before rename: old content intact");
	tap_is_int(count_matching(dir, "state.json.tmp.??????"), 1,
		   "the killed writer's temp file is the only leftover, named *.tmp.*");
	free(s);
	s = slurp_at(dir, "state.json");
	tap_is_int(count_matching(dir, "state.json"), 1, "the target name still exists");

	/* a failing rename (target is a directory) removes the temp file */
	mkdirat(dir, "adir", 0755);
	tap_is_int(pea_write_file_atomic_at(dir, "adir", "x", 1, 0644, &err), -EISDIR,
		   "rename over a directory fails");
	tap_ok(err && strncmp(err->message, "rename 'adir.tmp.", 17) == 0,
	       "rename error message: %s", err ? err->message : "");
	tap_is_int(count_matching(dir, "adir.tmp.*"), 0, "failed write removes its temp file");
	pea_error_release(&err);
	tap_is_int(pea_write_file_atomic_at(dir, "nodir/f", "x", 1, 0644, &err), -ENOENT,
		   "missing directory");
	tap_ok(err && strncmp(err->message, "create 'nodir/f.tmp.", 20) == 0, "create error: %s",
	       err ? err->message : "");
	mkdirat(dir, "sub", 0755);
	tap_is_int(pea_write_file_atomic_at(dir, "sub/f", "x", 1, 0644, NULL), 0,
		   "atomic write in a subdirectory");
}

static void test_replace(int dir)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *s = NULL;
	struct stat st;
	mode_t old = umask(077);

	put(dir, "run.json", "old");
	tap_is_int(pea_write_file_replace_at(dir, "run.json", "newer", 5, 0644, &err), 0,
		   "replace without fsync");
	umask(old);
	s = slurp_at(dir, "run.json");
	tap_is_str(s, "newer", "replace: the new content");
	tap_ok(fstatat(dir, "run.json", &st, 0) == 0 && (st.st_mode & 07777) == 0644,
	       "replace sets the mode exactly, whatever the umask");
	tap_is_int(count_matching(dir, "run.json.tmp.*"), 0, "replace leaves no temp file");
	mkdirat(dir, "rdir", 0755);
	tap_is_int(pea_write_file_replace_at(dir, "rdir", "x", 1, 0644, &err), -EISDIR,
		   "replace over a directory fails");
	tap_ok(err && strncmp(err->message, "rename 'rdir.tmp.", 17) == 0,
	       "replace's rename error: %s", err ? err->message : "");
	tap_is_int(count_matching(dir, "rdir.tmp.*"), 0, "a failed replace removes its temp file");
	/* over a file: a rename (a new inode; the old one loses the name, keeps its others) */
	{
		struct stat before, link_st;
		_cleanup_free_ char *kept = NULL;

		put(dir, "swap.json", "first");
		tap_ok(linkat(dir, "swap.json", dir, "swap.link", 0) == 0 &&
			       fstatat(dir, "swap.json", &before, 0) == 0,
		       "a second name for the old file");
		tap_is_int(pea_write_file_replace_at(dir, "swap.json", "second", 6, 0600, NULL), 0,
			   "replace over a file");
		free(s);
		s = slurp_at(dir, "swap.json");
		tap_is_str(s, "second", "replace over a file: the new content");
		kept = slurp_at(dir, "swap.link");
		tap_is_str(kept, "first", "the old inode is left alone, as a rename leaves it");
		tap_ok(fstatat(dir, "swap.json", &st, 0) == 0 && st.st_ino != before.st_ino &&
			       fstatat(dir, "swap.link", &link_st, 0) == 0 && link_st.st_nlink == 1,
		       "a new inode; the old one lost the replaced name");
		tap_is_int(count_matching(dir, "swap.json.tmp.*"), 0,
			   "the swapped-out content is unlinked");
	}
}

/* pea_write_file_synced_at: the atomic write's contract, but for the folder's fsync. */
static void test_synced(int dir)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *s = NULL;
	struct stat st;

	put(dir, "rec.json", "old");
	tap_is_int(pea_write_file_synced_at(dir, "rec.json", "synced", 6, 0600, &err), 0,
		   "synced write");
	s = slurp_at(dir, "rec.json");
	tap_is_str(s, "synced", "synced write: the new content");
	tap_ok(fstatat(dir, "rec.json", &st, 0) == 0 && (st.st_mode & 07777) == 0600,
	       "synced write sets the mode exactly");
	tap_is_int(count_matching(dir, "rec.json.tmp.*"), 0, "synced write leaves no temp file");
	mkdirat(dir, "sdir", 0755);
	tap_is_int(pea_write_file_synced_at(dir, "sdir", "x", 1, 0644, &err), -EISDIR,
		   "synced write over a directory fails");
	tap_is_int(count_matching(dir, "sdir.tmp.*"), 0, "a failed synced write removes its temp");
}

/* Build root/ with an inside /etc/passwd and escaping symlinks, and outside/secret. */
static int make_root(int dir)
{
	int root;

	mkdirat(dir, "root", 0755);
	mkdirat(dir, "outside", 0755);
	put(dir, "outside/secret", "outside");
	root = openat(dir, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	mkdirat(root, "etc", 0755);
	mkdirat(root, "a", 0755);
	mkdirat(root, "a/b", 0755);
	put(root, "etc/passwd", "inside");
	link_at("/etc/passwd", root, "abs");
	link_at("../../../../../../etc/passwd", root, "a/b/rel");
	link_at("../..", root, "up");
	link_at("loop2", root, "loop1");
	link_at("loop1", root, "loop2");
	link_at("/etc", root, "etclink");
	link_at("/proc/self/root/etc/passwd", root, "magic");
	return root;
}

typedef int (*open_fn)(int dirfd, const char *path, int flags, bool beneath);

static int via_openat2(int dirfd, const char *path, int flags, bool beneath)
{
	_cleanup_error_ struct pea_error *err = NULL;
	int fd = -1, r;

	r = beneath ? pea_open_beneath(dirfd, path, flags, 0644, &fd, &err)
		    : pea_open_in_root(dirfd, path, flags, 0644, &fd, &err);
	return r < 0 ? r : fd;
}

static int via_walk(int dirfd, const char *path, int flags, bool beneath)
{
	return pea_file_walk_open(dirfd, path, flags, 0644, beneath);
}

static char *read_fd_close(int fd)
{
	_cleanup_error_ struct pea_error *err = NULL;
	char *s = NULL;

	if (fd < 0)
		return NULL;
	pea_read_all(fd, 4096, &s, NULL, &err);
	close(fd);
	return s;
}

static void check_in_root(int root, open_fn fn, const char *how)
{
	const char *inside[] = { "/etc/passwd",
				 "abs",
				 "a/b/rel",
				 "up/up/etc/passwd",
				 "../../etc/passwd",
				 "a/../../etc/./passwd",
				 "etclink/passwd",
				 "etclink/../etc/passwd",
				 "a/b/",
				 "magic" };

	for (size_t i = 0; i < ARRAY_SIZE(inside); i++) {
		int fd = fn(root, inside[i], O_RDONLY, false);

		if (i == 8) {
			struct stat st;

			tap_ok(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode),
			       "%s: in root, trailing slash opens the directory", how);
			pea_close(fd);
			continue;
		}
		if (i == 9) {
			/* /proc/self/root/... resolved as a path inside the root: it does not exist
			 */
			tap_is_int(fd, -ENOENT, "%s: in root, magic link target is not followed",
				   how);
			pea_close(fd);
			continue;
		}
		{
			_cleanup_free_ char *s = read_fd_close(fd);

			tap_is_str(s, "inside", "%s: in root, '%s' stays inside", how, inside[i]);
		}
	}
	tap_is_int(fn(root, "loop1", O_RDONLY, false), -ELOOP, "%s: symlink loop is ELOOP", how);
	tap_is_int(fn(root, "etc/passwd/x", O_RDONLY, false), -ENOTDIR,
		   "%s: file as a directory is ENOTDIR", how);
	tap_is_int(fn(root, "abs", O_RDONLY | O_NOFOLLOW, false), -ELOOP,
		   "%s: O_NOFOLLOW on a symlink is ELOOP", how);
	tap_is_int(fn(root, "nosuch/x", O_RDONLY, false), -ENOENT, "%s: missing is ENOENT", how);
	{
		int fd = fn(root, "etclink/created", O_WRONLY | O_CREAT | O_EXCL, false);

		tap_ok(fd >= 0 && pea_path_exists_at(root, "etc/created") &&
			       !pea_path_exists_at(AT_FDCWD, "/etc/created"),
		       "%s: O_CREAT through an absolute symlink creates inside the root", how);
		pea_close(fd);
		tap_is_int(fn(root, "etc/created", O_WRONLY | O_CREAT | O_EXCL, false), -EEXIST,
			   "%s: O_EXCL on an existing file", how);
		unlinkat(root, "etc/created", 0);
	}
}

static void check_beneath(int root, open_fn fn, const char *how)
{
	const char *escapes[] = { "/etc/passwd",       "abs",	    "a/b/rel",	     "up/x",
				  "../outside/secret", "a/../../x", "etclink/passwd" };

	for (size_t i = 0; i < ARRAY_SIZE(escapes); i++) {
		int fd = fn(root, escapes[i], O_RDONLY, true);

		tap_is_int(fd, -EXDEV, "%s: beneath, '%s' is refused", how, escapes[i]);
		pea_close(fd);
	}
	{
		_cleanup_free_ char *s = read_fd_close(fn(root, "a/../etc/passwd", O_RDONLY, true));

		tap_is_str(s, "inside", "%s: beneath, a path inside is opened", how);
	}
}

static void test_resolve(int dir)
{
	_cleanup_close_ int root = make_root(dir);
	_cleanup_error_ struct pea_error *err = NULL;
	int fd = -1;

	check_in_root(root, via_openat2, "openat2");
	check_in_root(root, via_walk, "walk");
	check_beneath(root, via_openat2, "openat2");
	check_beneath(root, via_walk, "walk");
	tap_is_int(pea_open_beneath(root, "../outside/secret", O_RDONLY, 0, &fd, &err), -EXDEV,
		   "open_beneath error code");
	tap_is_str(err ? err->message : NULL,
		   "open '../outside/secret': path escapes its directory", "open_beneath message");
	pea_error_release(&err);
	tap_is_int(pea_open_in_root(root, "nosuch", O_RDONLY, 0, &fd, &err), -ENOENT,
		   "in_root ENOENT");
	tap_is_str(err ? err->message : NULL, "open 'nosuch': No such file or directory",
		   "open_in_root message");
}

/* Make openat2 and close_range fail with ENOSYS in this process, like on an old kernel. */
static int pretend_old_kernel(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close_range, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(code), .filter = code };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return -errno;
	return 0;
}

/*
 * The public API on a kernel without openat2 and close_range: a child with a
 * seccomp filter runs the same escape checks (its TAP output is discarded,
 * its failures are its exit status).
 */
static void test_resolve_old_kernel(int dir)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		_cleanup_close_ int root = openat(dir, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int failed = tap_failed, devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		int fd = -1, a = dup(0), keep[] = { 1 };

		fflush(stdout);
		dup2(devnull, STDOUT_FILENO);
		if (pretend_old_kernel() < 0 || syscall(SYS_openat2, root, "x", NULL, 0) >= 0 ||
		    errno != ENOSYS)
			_exit(100);
		check_in_root(root, via_openat2, "old kernel");
		check_beneath(root, via_openat2, "old kernel");
		tap_ok(pea_mkdir_p_at(root, "etclink/made/deeper", 0755, NULL, NULL) == 0 &&
			       pea_path_exists_at(root, "etc/made/deeper"),
		       "mkdir -p through an absolute symlink stays in the root");
		tap_ok(pea_open_in_root(root, "up/up/etc/passwd", O_RDONLY, 0, &fd, NULL) == 0,
		       "open_in_root");
		pea_close(fd);
		tap_ok(pea_close_fds_except(3, keep, 1) == 0 && fcntl(a, F_GETFD) < 0 &&
			       fcntl(root, F_GETFD) < 0,
		       "close_fds_except without close_range");
		_exit(tap_failed - failed);
	}
	waitpid(pid, &status, 0);
	tap_is_int(WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status), 0,
		   "without openat2 and close_range (seccomp ENOSYS), the fallbacks pass the "
		   "same escape checks");
}

/*
 * The fallback walker must agree with the kernel's openat2 on every path:
 * random paths over a tree full of absolute, relative, escaping, dangling,
 * looping and chained symlinks, in both modes. Same inode, or same errno.
 */
static const char *const walk_components[] = {
	"a",	  "b",	    "c",  "f", "l_abs", "l_rel",   "l_up", "l_dang", "l_loop",
	"l_file", "l_dir/", "..", ".", "",	"l_chain", "x",	   "new",    "l_new",
};

/* Make the tree in dir/name and return an fd of it. */
static int make_walk_tree(int dir, const char *name)
{
	const char *dirs[] = { "", "a/", "a/b/", "b/" };
	const char *links[][2] = { { "/a", "l_abs" },	     { "../a", "l_rel" },
				   { "../../..", "l_up" },   { "nosuch/x", "l_dang" },
				   { "l_loop", "l_loop" },   { "/f", "l_file" },
				   { "/a/b/", "l_dir" },     { "l_rel/b", "l_chain" },
				   { "/b/created", "l_new" } };
	int w;

	mkdirat(dir, name, 0755);
	w = openat(dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pea_mkdir_p_at(w, "a/b/c", 0755, NULL, NULL);
	mkdirat(w, "b", 0755);
	put(w, "f", "f");
	put(w, "a/f", "af");
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		for (size_t j = 0; j < ARRAY_SIZE(links); j++) {
			char p[64];

			snprintf(p, sizeof(p), "%s%s", dirs[i], links[j][1]);
			link_at(links[j][0], w, p);
		}
	return w;
}

static void random_walk_path(char *path, unsigned int *seed)
{
	int len = 1 + rand_r(seed) % 6;

	path[0] = '\0';
	if (rand_r(seed) % 5 == 0)
		strcat(path, "/");
	for (int j = 0; j < len; j++) {
		if (j)
			strcat(path, "/");
		strcat(path, walk_components[rand_r(seed) % ARRAY_SIZE(walk_components)]);
	}
}

/* Every name in the tree under fd, recursively, without following symlinks. */
static void list_tree(int fd, const char *prefix, char *out, size_t size)
{
	_cleanup_closedir_ DIR *d = fdopendir(fcntl(fd, F_DUPFD_CLOEXEC, 3));
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char sub[512];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", prefix, de->d_name);
		if (strlen(out) + strlen(sub) + 2 < size) {
			strcat(out, sub);
			strcat(out, " ");
		}
		if (de->d_type == DT_DIR) {
			_cleanup_close_ int c = openat(
				fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			list_tree(c, sub, out, size);
		}
	}
}

static bool same_tree(int a, int b)
{
	static char la[8192], lb[8192];

	la[0] = lb[0] = '\0';
	list_tree(a, "", la, sizeof(la));
	list_tree(b, "", lb, sizeof(lb));
	return strcmp(la, lb) == 0;
}

static bool same_result(int a, int b)
{
	struct stat sa, sb;

	if (a < 0 || b < 0)
		return a == b;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

static void test_walk_matches_openat2(int dir)
{
	_cleanup_close_ int w = make_walk_tree(dir, "w");
	unsigned int seed = 42;
	int differ = 0, n = 0;

	for (int k = 0; k < 3000; k++) {
		char path[256];
		bool beneath = k % 2;
		int flags = (int[]){ O_RDONLY, O_PATH, O_PATH | O_NOFOLLOW }[rand_r(&seed) % 3];
		int a, b;

		random_walk_path(path, &seed);
		a = via_openat2(w, path, flags, beneath);
		b = pea_file_walk_open(w, path, flags, 0, beneath);
		n++;
		if (!same_result(a, b) && differ++ < 5)
			tap_diag("'%s' %s flags %#x: openat2 %d, walk %d", path,
				 beneath ? "beneath" : "in root", (unsigned int)flags, a, b);
		pea_close(a);
		pea_close(b);
	}
	tap_is_int(differ, 0, "the fallback walker agrees with openat2 on %d random paths", n);
}

/* The same with O_CREAT: same result, and the same file created in the same place. */
static void test_walk_create_matches_openat2(int dir)
{
	unsigned int seed = 7;
	int differ = 0, n = 0, w1 = -1, w2 = -1;

	for (int k = 0; k < 400; k++) {
		char path[256];
		bool beneath = k % 2;
		int flags = O_WRONLY | O_CREAT | (rand_r(&seed) % 2 ? O_EXCL : 0) |
			    (rand_r(&seed) % 3 == 0 ? O_NOFOLLOW : 0);
		int a, b;

		if (w1 < 0) {
			w1 = make_walk_tree(dir, "c1");
			w2 = make_walk_tree(dir, "c2");
		}
		random_walk_path(path, &seed);
		a = via_openat2(w1, path, flags, beneath);
		b = pea_file_walk_open(w2, path, flags, 0644, beneath);
		n++;
		if ((!((a < 0) == (b < 0) && (a >= 0 || a == b)) || !same_tree(w1, w2)) &&
		    differ++ < 5)
			tap_diag("create '%s' %s flags %#x: openat2 %d, walk %d", path,
				 beneath ? "beneath" : "in root", (unsigned int)flags, a, b);
		if (a >= 0 || b >= 0) { /* something may have been created: start afresh */
			w1 = pea_close(w1);
			w2 = pea_close(w2);
			pea_rm_rf_at(dir, "c1", NULL);
			pea_rm_rf_at(dir, "c2", NULL);
		}
		pea_close(a);
		pea_close(b);
	}
	pea_close(w1);
	pea_close(w2);
	tap_is_int(differ, 0, "with O_CREAT too, on %d random paths", n);
}

static void test_mkdir_p(int dir)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_close_ int root = openat(dir, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char outside_abs[256];
	int fd = -1;
	struct stat st;

	tap_is_int(pea_mkdir_p_at(dir, "m/a//b/c", 0755, &fd, &err), 0, "mkdir -p");
	tap_ok(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) &&
		       pea_path_exists_at(dir, "m/a/b/c"),
	       "mkdir -p returns the last directory");
	fd = pea_close(fd);
	tap_is_int(pea_mkdir_p_at(dir, "m/a/b/c", 0755, NULL, &err), 0,
		   "existing directories are fine");
	{
		/* there already: one lookup (the fast path), the same folder back */
		struct stat want;

		tap_is_int(pea_mkdir_p_at(dir, "m/a/b/c", 0755, &fd, &err), 0,
			   "existing directories, with the last one's fd");
		tap_ok(fd >= 0 && fstat(fd, &st) == 0 && fstatat(dir, "m/a/b/c", &want, 0) == 0 &&
			       st.st_ino == want.st_ino,
		       "the fd is the existing last directory's");
		fd = pea_close(fd);
	}
	put(dir, "m/file", "x");
	tap_is_int(pea_mkdir_p_at(dir, "m/file/x", 0755, NULL, &err), -ENOTDIR, "file in the way");
	tap_is_str(err ? err->message : NULL, "mkdir 'm/file': Not a directory", "ENOTDIR message");

	/* a symlink inside a root to a host directory: the mkdir stays in the root */
	snprintf(outside_abs, sizeof(outside_abs), "%s/outside", tmpdir);
	link_at(outside_abs, root, "esc");
	tap_is_int(pea_mkdir_p_at(root, "esc/made", 0755, NULL, &err), -ENOENT,
		   "mkdir -p through a symlink dangling inside the root fails");
	tap_is_str(err ? err->message : NULL, "mkdir 'esc': No such file or directory",
		   "dangling symlink message");
	tap_ok(!pea_path_exists_at(dir, "outside/made"), "nothing made outside the root");
	tap_is_int(pea_mkdir_p_at(root, outside_abs, 0755, NULL, &err), 0,
		   "mkdir -p of the symlink's target inside the root");
	tap_is_int(pea_mkdir_p_at(root, "esc/made", 0755, NULL, &err), 0,
		   "mkdir -p through a symlink");
	tap_ok(!pea_path_exists_at(dir, "outside/made"), "still nothing made outside the root");
	{
		char inside[300];

		snprintf(inside, sizeof(inside), "%s/made", outside_abs + 1);
		tap_ok(pea_path_exists_at(root, inside), "the directory was made inside the root");
	}
	tap_is_int(pea_mkdir_p_at(AT_FDCWD, outside_abs, 0755, NULL, &err), 0,
		   "absolute path at AT_FDCWD");
}

static void test_rm_rf(int dir)
{
	_cleanup_error_ struct pea_error *err = NULL;
	char outside_abs[256];

	pea_mkdir_p_at(dir, "t/a/b/c", 0755, NULL, NULL);
	put(dir, "t/a/f", "1");
	put(dir, "t/a/b/c/g", "1");
	snprintf(outside_abs, sizeof(outside_abs), "%s/outside", tmpdir);
	link_at(outside_abs, dir, "t/a/b/link-to-outside");
	link_at("../../../outside/secret", dir, "t/rel-link");
	chmod(outside_abs, 0755);
	tap_is_int(pea_rm_rf_at(dir, "t", &err), 0, "rm -rf");
	tap_ok(!pea_path_exists_at(dir, "t"), "tree is gone");
	tap_ok(pea_path_exists_at(dir, "outside/secret"), "symlinked files outside are untouched");
	tap_is_int(pea_rm_rf_at(dir, "t", &err), 0, "missing is not an error");
	put(dir, "plain", "x");
	tap_is_int(pea_rm_rf_at(dir, "plain", &err), 0, "rm -rf of a file");
	link_at(outside_abs, dir, "toplink");
	tap_is_int(pea_rm_rf_at(dir, "toplink", &err), 0, "rm -rf of a symlink to a directory");
	tap_ok(!pea_path_exists_at(dir, "toplink") && pea_path_exists_at(dir, "outside/secret"),
	       "only the symlink is removed");
}

/* In a child with its own mount namespace: a tmpfs and a bind mount are not crossed. */
static int rm_rf_mount_child(void)
{
	_cleanup_close_ int dir = -1;
	_cleanup_error_ struct pea_error *err = NULL;
	char path[300];
	int r;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 10;
	/* fds opened before unshare still walk the old namespace's mounts */
	dir = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pea_mkdir_p_at(dir, "mt/a/tmpfs", 0755, NULL, NULL);
	pea_mkdir_p_at(dir, "mt/b/bind", 0755, NULL, NULL);
	snprintf(path, sizeof(path), "%s/mt/a/tmpfs", tmpdir);
	if (mount("tmpfs", path, "tmpfs", 0, "size=1m") < 0)
		return 11;
	put(dir, "mt/a/tmpfs/keep", "x");
	r = pea_rm_rf_at(dir, "mt/a", &err);
	if (r != -EXDEV || !strstr(err->message, "mt/a/tmpfs' is a mount point"))
		return 12;
	if (!pea_path_exists_at(dir, "mt/a/tmpfs/keep"))
		return 13;
	/* same filesystem, same st_dev: only the mount-root attribute tells */
	snprintf(path, sizeof(path), "%s/mt/b/bind", tmpdir);
	if (mount(tmpdir, path, NULL, MS_BIND, NULL) < 0)
		return 14;
	r = pea_rm_rf_at(dir, "mt/b", &err);
	if (r != -EXDEV || !pea_path_exists_at(dir, "mt/b/bind/outside/secret"))
		return 15;
	return 0;
}

static void test_rm_rf_mounts(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(rm_rf_mount_child());
	waitpid(pid, &status, 0);
	tap_is_int(WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status), 0,
		   "rm -rf does not cross a tmpfs or a bind mount (EXDEV)");
}

/* pea_is_mountpoint_at: a tmpfs, a bind mount of the same file system, a plain folder. */
static int mountpoint_child(void)
{
	_cleanup_close_ int dir = -1;
	char path[300];

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 10;
	dir = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pea_mkdir_p_at(dir, "mp/tmpfs", 0755, NULL, NULL) < 0 ||
	    pea_mkdir_p_at(dir, "mp/bind", 0755, NULL, NULL) < 0 ||
	    pea_mkdir_p_at(dir, "mp/plain", 0755, NULL, NULL) < 0)
		return 11;
	if (pea_is_mountpoint_at(dir, "mp/tmpfs") || pea_is_mountpoint_at(dir, "mp/bind"))
		return 12;
	snprintf(path, sizeof(path), "%s/mp/tmpfs", tmpdir);
	if (mount("t", path, "tmpfs", 0, NULL) < 0)
		return 13;
	snprintf(path, sizeof(path), "%s/mp/bind", tmpdir);
	if (mount(path, path, NULL, MS_BIND, NULL) < 0)
		return 14;
	if (!pea_is_mountpoint_at(dir, "mp/tmpfs") || !pea_is_mountpoint_at(dir, "mp/bind"))
		return 15;
	if (pea_is_mountpoint_at(dir, "mp/plain") || pea_is_mountpoint_at(dir, "mp/nosuch"))
		return 16;
	if (!pea_is_mountpoint_at(AT_FDCWD, "/proc"))
		return 17;
	return 0;
}

static void test_mountpoint(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(mountpoint_child());
	waitpid(pid, &status, 0);
	tap_is_int(WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status), 0,
		   "is_mountpoint: a tmpfs and a bind mount are, a folder and a missing path not");
}

/*
 * mkdir -p through folders that exist but cannot be written (a read-only
 * mount here; a folder owned by another id in a user namespace elsewhere):
 * mkdir fails with EROFS/EACCES, yet the path is there, so it succeeds.
 */
static int mkdir_p_ro_child(void)
{
	_cleanup_close_ int dir = -1;
	_cleanup_error_ struct pea_error *err = NULL;
	char path[300];

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 10;
	dir = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pea_mkdir_p_at(dir, "ro/a/b", 0755, NULL, NULL) < 0)
		return 11;
	snprintf(path, sizeof(path), "%s/ro", tmpdir);
	if (mount(path, path, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return 12;
	close(dir);
	dir = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pea_mkdir_p_at(dir, "ro/a/b", 0755, NULL, &err) < 0)
		return 13;
	if (pea_mkdir_p_at(dir, "ro/a/c", 0755, NULL, &err) != -EROFS ||
	    !strstr(err->message, "mkdir 'ro/a/c'"))
		return 14;
	return 0;
}

static void test_mkdir_p_readonly(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(mkdir_p_ro_child());
	waitpid(pid, &status, 0);
	tap_is_int(WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status), 0,
		   "mkdir -p through existing read-only folders succeeds, a new one is EROFS");
}

/* mkdir -p as a user through a folder it may traverse but not read (0711). */
static void test_mkdir_p_traverse_only(void)
{
	char top[] = "/tmp/pea-test-mkdir.XXXXXX", path[300];
	int status = 0;
	pid_t pid;

	if (!mkdtemp(top))
		abort();
	snprintf(path, sizeof(path), "%s/w", top);
	if (chmod(top, 0711) < 0 || mkdir(path, 0777) < 0 || chmod(path, 0777) < 0)
		abort();
	pid = fork();
	if (pid == 0) {
		_cleanup_error_ struct pea_error *err = NULL;
		int fd = -1;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(10);
		snprintf(path, sizeof(path), "%s/w/new/deep", top);
		if (pea_mkdir_p_at(AT_FDCWD, path, 0755, &fd, &err) < 0) {
			printf("# %s\n", err->message);
			_exit(11);
		}
		/* the folder handed back can be listed */
		_exit(fdopendir(fd) ? 0 : 12);
	}
	waitpid(pid, &status, 0);
	tap_is_int(WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status), 0,
		   "mkdir -p through a 0711 folder as another user, and the result is listable");
	pea_rm_rf_at(AT_FDCWD, top, NULL);
}

static void test_fds(void)
{
	int p[2], status = 0;
	pid_t pid;

	if (pipe(p) < 0)
		abort();
	tap_is_int(pea_fd_set_cloexec(p[0], true), 0, "set cloexec");
	tap_ok(fcntl(p[0], F_GETFD) & FD_CLOEXEC, "cloexec is set");
	tap_is_int(pea_fd_set_nonblock(p[0], true), 0, "set nonblock");
	tap_ok(fcntl(p[0], F_GETFL) & O_NONBLOCK, "nonblock is set");
	pea_fd_set_nonblock(p[0], false);
	tap_ok(!(fcntl(p[0], F_GETFL) & O_NONBLOCK), "nonblock is cleared");
	tap_is_int(pea_fd_set_cloexec(-1, true), -EBADF, "bad fd");

	pid = fork();
	if (pid == 0) {
		int a = dup(0), b = dup(0), c = dup(0), keep[] = { b, 1 };
		int code = 0;

		if (pea_close_fds_except(3, keep, ARRAY_SIZE(keep)) < 0)
			_exit(1);
		if (fcntl(a, F_GETFD) >= 0 || fcntl(c, F_GETFD) >= 0 || fcntl(p[0], F_GETFD) >= 0)
			code |= 2;
		if (fcntl(b, F_GETFD) < 0 || fcntl(1, F_GETFD) < 0 || fcntl(2, F_GETFD) < 0)
			code |= 4;
		_exit(code);
	}
	waitpid(pid, &status, 0);
	tap_is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0,
		   "close_fds_except closes all but the kept and the ones below from");
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	_cleanup_close_ int dir = -1;

	if (!mkdtemp(tmpdir))
		abort();
	dir = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	tap_plan(131);
	test_read_write(dir);
	test_atomic(dir);
	test_replace(dir);
	test_synced(dir);
	test_resolve(dir);
	test_resolve_old_kernel(dir);
	test_walk_matches_openat2(dir);
	test_walk_create_matches_openat2(dir);
	test_mkdir_p(dir);
	test_rm_rf(dir);
	test_rm_rf_mounts();
	test_mountpoint();
	test_mkdir_p_readonly();
	test_mkdir_p_traverse_only();
	test_fds();
	if (pea_rm_rf_at(AT_FDCWD, tmpdir, NULL) < 0)
		tap_diag("could not remove %s", tmpdir);
	return tap_done();
}
