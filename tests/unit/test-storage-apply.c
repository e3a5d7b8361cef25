/* storage/apply.c: entry paths, and applying tar streams built in memory. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/xalloc.h"
#include "storage/apply.h"
#include "storage/layer.h"
#include "storage/tarsplit.h"
#include "tests/unit/tap.h"

static char *clean(const char *path)
{
	_cleanup_error_ struct pea_error *err = NULL;
	char *out = NULL;

	if (apply_clean_path(path, &out, &err) < 0)
		return strdup(err->message);
	return out;
}

static void test_paths(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "a/b", "a/b" },
		{ "./a//b/./c/", "a/b/c" },
		{ "./", "" },
		{ ".", "" },
		{ "...", "..." },
		{ "a/..b", "a/..b" },
		{ "../x", "path '../x' escapes the layer ('..')" },
		{ "a/../../x", "path 'a/../../x' escapes the layer ('..')" },
		{ "a/..", "path 'a/..' escapes the layer ('..')" },
		{ "/etc/passwd", "absolute path '/etc/passwd' is refused" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *got = clean(cases[i].in);

		tap_is_str(got, cases[i].out, "clean '%s'", cases[i].in);
	}
}

/* A tar in a memfd: entries given as (type, path, link or content). */
struct entry {
	mode_t type;
	const char *path;
	const char *arg;
};

static int make_tar(const struct entry *entries, size_t n)
{
	int fd = memfd_create("tar", MFD_CLOEXEC);
	struct archive *a = archive_write_new();

	archive_write_set_format_pax_restricted(a);
	archive_write_open_fd(a, fd);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, entries[i].path);
		archive_entry_set_perm(e, 0644);
		if (entries[i].type == 0) {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, entries[i].arg);
		} else {
			archive_entry_set_filetype(e, entries[i].type);
		}
		if (entries[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, entries[i].arg);
		if (entries[i].type == AE_IFREG)
			archive_entry_set_size(
				e, entries[i].arg ? (la_int64_t)strlen(entries[i].arg) : 0);
		archive_write_header(a, e);
		if (entries[i].type == AE_IFREG && entries[i].arg)
			archive_write_data(a, entries[i].arg, strlen(entries[i].arg));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static int apply(const struct entry *entries, size_t n, int rootfd, enum apply_mode mode,
		 struct apply_result *res, struct pea_error **err)
{
	_cleanup_close_ int fd = make_tar(entries, n);
	struct apply_options o = {
		.mode = mode,
		.opaque_xattr = "user.overlay.opaque",
		.tarsplit_fd = -1,
	};

	return apply_tar_fd(fd, rootfd, &o, res, err);
}

static void test_apply(const char *tmp)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_close_ int root = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct apply_result res = { 0 };
	const struct entry good[] = {
		{ AE_IFDIR, "d", NULL },
		{ AE_IFREG, "d/f", "hello" },
		{ 0, "d/h", "d/f" },
		{ AE_IFLNK, "d/l", "../../../etc" },
		{ AE_IFREG, "implicit/parents/x", "x" },
		{ AE_IFREG, "d/f2", "one" },
		{ AE_IFREG, "d/f2", "second" },
	};
	const struct entry through_link[] = {
		{ AE_IFLNK, "l", "/" },
		{ AE_IFREG, "l/x", "x" },
	};
	struct stat a, b;
	char buf[16] = { 0 };
	_cleanup_close_ int f = -1;

	tap_is_int(apply(good, ARRAY_SIZE(good), root, APPLY_VFS, &res, &err), 0,
		   "apply a small tar");
	tap_is_int(res.entries, ARRAY_SIZE(good), "every entry counted");
	tap_is_str(res.compression, "none", "plain tar");
	tap_ok(res.diff_id && !strcmp(res.diff_id, res.compressed_digest),
	       "plain: both digests agree");
	tap_ok(fstatat(root, "d/f", &a, 0) == 0 && fstatat(root, "d/h", &b, 0) == 0 &&
		       a.st_ino == b.st_ino,
	       "hardlink shares the inode");
	f = openat(root, "d/f2", O_RDONLY | O_CLOEXEC);
	tap_ok(f >= 0 && read(f, buf, sizeof(buf) - 1) == 6 && !strcmp(buf, "second"),
	       "a later entry replaces an earlier one");
	tap_ok(pea_path_exists_at(root, "implicit/parents/x"), "missing parents are made");
	apply_result_clear(&res);

	tap_ok(apply(through_link, ARRAY_SIZE(through_link), root, APPLY_VFS, &res, &err) < 0 &&
		       strstr(err->message, "goes through a symlink"),
	       "writing through a symlink is refused");
	pea_error_release(&err);
}

/*
 * A tar whose headers fall anywhere in the reads: long names (pax headers), contents of
 * every size around a block (0, 1, 511, 512, 513, ...), links, directories.
 */
static int make_varied_tar(unsigned seed, size_t *ret_size)
{
	int fd = memfd_create("tar", MFD_CLOEXEC);
	struct archive *a = archive_write_new();
	static char data[70000];
	struct stat st;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + (i * 7 + seed) % 26);
	archive_write_set_format_pax_restricted(a);
	archive_write_open_fd(a, fd);
	for (int i = 0; i < 120; i++) {
		static const size_t sizes[] = { 0, 1, 100, 511, 512, 513, 1023, 1024, 1025, 10240 };
		struct archive_entry *e = archive_entry_new();
		char path[400];
		int kind = (int)(rand_r(&seed) % 8);
		size_t name = 1 + rand_r(&seed) % 250; /* over 100: a pax header */
		size_t size = i % 3 ? sizes[rand_r(&seed) % ARRAY_SIZE(sizes)]
				    : rand_r(&seed) % sizeof(data);

		snprintf(
			path, sizeof(path), "e%03d-%.*s", i, (int)name,
			"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
			"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
			"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
			"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
		archive_entry_set_pathname(e, path);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_mtime(e, 1000000 + i, 0);
		if (kind == 0) {
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
		} else if (kind == 1) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, path);
		} else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)size);
		}
		archive_write_header(a, e);
		if (kind > 1 && size)
			archive_write_data(a, data, size);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	*ret_size = fstat(fd, &st) == 0 ? (size_t)st.st_size : 0;
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* A size from 1 to 300000, most of them small: many reads end inside a header. */
static size_t chunk_size(unsigned *seed)
{
	switch (rand_r(seed) % 8) {
	case 0:
		return 1 + rand_r(seed) % 300000;
	case 1:
	case 2:
		return 1 + rand_r(seed) % 16;
	default:
		return 1 + rand_r(seed) % 2048;
	}
}

/* Write tar to fd in chunks, each once the one before was read: each read ends there. */
static void feed_chunks(const char *tar, size_t size, int fd, unsigned seed)
{
	for (size_t off = 0; off < size;) {
		size_t n = chunk_size(&seed);
		int queued = 0;

		if (n > size - off)
			n = size - off;
		if (write(fd, tar + off, n) != (ssize_t)n)
			_exit(1);
		off += n;
		while (ioctl(fd, FIONREAD, &queued) == 0 && queued > 0)
			sched_yield();
	}
}

/*
 * The tar-split recorder fed in reads of random sizes (1 to 300000 bytes) that cut
 * headers, pax records and paddings anywhere: `layer diff` gives the tar back byte for
 * byte each time.
 */
static void test_tarsplit_chunks(const char *tmp)
{
	for (unsigned round = 1; round <= 12; round++) {
		_cleanup_error_ struct pea_error *err = NULL;
		_cleanup_free_ char *dir = NULL;
		_cleanup_close_ int tarfd = -1, split = -1, out = -1, root = -1;
		struct apply_result res = { 0 };
		struct apply_options o = {
			.mode = APPLY_OVERLAY,
			.opaque_xattr = "user.overlay.opaque",
			.tarsplit_fd = -1,
		};
		size_t size = 0;
		char *tar, *back;
		int pipefd[2], status = 0, r;
		pid_t pid;
		bool same;

		tarfd = make_varied_tar(round, &size);
		tar = mmap(NULL, size, PROT_READ, MAP_PRIVATE, tarfd, 0);
		split = memfd_create("tar-split", MFD_CLOEXEC);
		out = memfd_create("out", MFD_CLOEXEC);
		dir = xasprintf("%s/chunks-%u", tmp, round);
		if (tar == MAP_FAILED || split < 0 || out < 0 || mkdir(dir, 0755) < 0 ||
		    pipe2(pipefd, O_CLOEXEC) < 0)
			abort();
		root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fcntl(pipefd[1], F_SETPIPE_SZ, 1 << 20);
		pid = fork();
		if (pid == 0) {
			close(pipefd[0]);
			feed_chunks(tar, size, pipefd[1], round * 7919u);
			_exit(0);
		}
		close(pipefd[1]);
		o.tarsplit_fd = split;
		r = apply_tar_fd(pipefd[0], root, &o, &res, &err);
		close(pipefd[0]);
		waitpid(pid, &status, 0);
		tap_ok(r == 0 && res.tarsplit && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		       "round %u: %zu bytes applied in random reads, tar-split complete%s%s", round,
		       size, err ? ": " : "", err ? err->message : "");
		lseek(split, 0, SEEK_SET);
		same = r == 0 && res.tarsplit &&
		       tarsplit_write(split, root, res.diff_id, out, &err) == 0 &&
		       lseek(out, 0, SEEK_END) == (off_t)size;
		back = same ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, out, 0) : MAP_FAILED;
		same = same && back != MAP_FAILED && memcmp(back, tar, size) == 0;
		tap_ok(same, "round %u: the tar comes back byte for byte", round);
		if (back != MAP_FAILED)
			munmap(back, size);
		munmap(tar, size);
		apply_result_clear(&res);
	}
}

static void test_chain_id(void)
{
	_cleanup_free_ char *base = layer_chain_id(NULL, "sha256:aaaa");
	_cleanup_free_ char *next = layer_chain_id("aaaa", "sha256:bbbb");

	tap_is_str(base, "aaaa", "a base layer's chain id is its diff id");
	/* sha256("sha256:aaaa sha256:bbbb"), as `printf ... | sha256sum` gives it */
	tap_is_str(next, "2c4d8760379f05d0ad1ed610712309f0114e7345e6e6a351494cff030ffdf197",
		   "chain id of a child");
}

int main(void)
{
	char tmp[] = "/tmp/test-storage-apply.XXXXXX";
	_cleanup_error_ struct pea_error *err = NULL;

	tap_plan(20 + 2 * 12);
	test_paths();
	if (!mkdtemp(tmp))
		return 1;
	test_apply(tmp);
	test_chain_id();
	test_tarsplit_chunks(tmp);
	pea_rm_rf_at(AT_FDCWD, tmp, &err);
	return tap_done();
}
