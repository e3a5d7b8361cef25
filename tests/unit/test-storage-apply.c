/* storage/apply.c: entry paths, and applying tar streams built in memory. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "storage/apply.h"
#include "storage/layer.h"
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

	tap_plan(20);
	test_paths();
	if (!mkdtemp(tmp))
		return 1;
	test_apply(tmp);
	test_chain_id();
	pea_rm_rf_at(AT_FDCWD, tmp, &err);
	return tap_done();
}
