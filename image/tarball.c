#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/xalloc.h"
#include "lib/digest.h"
#include "image/tarball.h"

#define TAR_MAX_ENTRIES 100000

void tar_archive_read_free_p(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

void tar_archive_write_free_p(struct archive **a)
{
	if (*a)
		archive_write_free(*a);
}

static int extract_entries(struct archive *a, struct archive *w, const char *path,
			   struct pea_error **err)
{
	struct archive_entry *entry;
	size_t count = 0;
	int r;

	while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
		mode_t type = archive_entry_filetype(entry);
		_cleanup_free_ char *name =
			xstrdup(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");

		if (++count > TAR_MAX_ENTRIES)
			return pea_error_new(err, E2BIG, "archive '%s': more than %d entries", path,
					     TAR_MAX_ENTRIES);
		if (!*name || (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) ||
		    archive_entry_hardlink(entry))
			continue;
		archive_entry_set_perm(entry, type == AE_IFDIR ? 0755 : 0644);
		if (archive_write_header(w, entry) != ARCHIVE_OK)
			return pea_error_new(err, EINVAL, "archive '%s': entry '%s': %s", path,
					     name, archive_error_string(w));
		if (type == AE_IFREG) {
			const void *buf;
			size_t size;
			la_int64_t off;

			while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
				if (archive_write_data_block(w, buf, size, off) != ARCHIVE_OK)
					return pea_error_new(err, EIO, "extract '%s': %s", name,
							     archive_error_string(w));
			}
			if (r != ARCHIVE_EOF)
				return pea_error_new(err, EINVAL, "archive '%s': entry '%s': %s",
						     path, name, archive_error_string(a));
		}
		if (archive_write_finish_entry(w) != ARCHIVE_OK)
			return pea_error_new(err, EIO, "extract '%s': %s", name,
					     archive_error_string(w));
	}
	if (r != ARCHIVE_EOF)
		return pea_error_new(err, EINVAL, "archive '%s': %s", path,
				     archive_error_string(a));
	return 0;
}

int tar_extract(const char *path, const char *dir, struct pea_error **err)
{
	_cleanup_(tar_archive_read_free_p) struct archive *a = archive_read_new();
	_cleanup_(tar_archive_write_free_p) struct archive *w = archive_write_disk_new();
	_cleanup_close_ int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	archive_read_support_format_tar(a);
	archive_read_support_filter_all(a);
	archive_write_disk_set_options(
		w, ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
			   ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_NO_OVERWRITE);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK)
		return pea_error_new(err, archive_errno(a) > 0 ? archive_errno(a) : EINVAL,
				     "open archive '%s': %s", path, archive_error_string(a));
	if (cwd < 0)
		return pea_error_errno(err, "open the current directory");
	/* libarchive resolves names against the cwd; this process has no threads. */
	if (chdir(dir) < 0)
		return pea_error_errno(err, "chdir '%s'", dir);
	r = extract_entries(a, w, path, err);
	if (fchdir(cwd) < 0 && r == 0)
		r = pea_error_errno(err, "return to the working directory");
	return r;
}

static int write_one(struct archive *w, const char *dir, const char *name, struct pea_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	_cleanup_free_ char *buf = xmalloc(1u << 17);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct archive_entry *e;
	struct stat st;
	int r = 0;

	if (fd < 0 || fstat(fd, &st) < 0)
		return pea_error_errno(err, "open '%s'", path);
	e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_mtime(e, st.st_mtime, 0);
	if (S_ISDIR(st.st_mode)) {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
	} else {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, st.st_size);
	}
	if (archive_write_header(w, e) != ARCHIVE_OK)
		r = pea_error_new(err, EIO, "write '%s' to the archive: %s", name,
				  archive_error_string(w));
	while (r == 0 && S_ISREG(st.st_mode)) {
		ssize_t n = read(fd, buf, 1u << 17);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = pea_error_errno(err, "read '%s'", path);
		if (n <= 0)
			break;
		if (archive_write_data(w, buf, (size_t)n) != n)
			r = pea_error_new(err, EIO, "write '%s' to the archive: %s", name,
					  archive_error_string(w));
	}
	archive_entry_free(e);
	return r;
}

int tar_create(const char *dir, char *const *names, const char *out, struct pea_error **err)
{
	_cleanup_(tar_archive_write_free_p) struct archive *w = archive_write_new();
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", out, (int)getpid());
	int r = 0;

	archive_write_set_format_pax_restricted(w);
	if (archive_write_open_filename(w, tmp) != ARCHIVE_OK)
		return pea_error_new(err, archive_errno(w) > 0 ? archive_errno(w) : EIO,
				     "create '%s': %s", out, archive_error_string(w));
	for (size_t i = 0; r == 0 && names[i]; i++)
		r = write_one(w, dir, names[i], err);
	if (r == 0 && archive_write_close(w) != ARCHIVE_OK)
		r = pea_error_new(err, EIO, "write '%s': %s", out, archive_error_string(w));
	if (r == 0 && rename(tmp, out) < 0)
		r = pea_error_errno(err, "rename '%s' to '%s'", tmp, out);
	if (r < 0)
		unlink(tmp);
	return r;
}

int tar_decompress(int in_fd, int out_fd, struct pea_digest *dg, struct pea_error **err)
{
	_cleanup_(tar_archive_read_free_p) struct archive *a = archive_read_new();
	struct archive_entry *entry;
	_cleanup_free_ char *buf = xmalloc(1u << 17);

	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_fd(a, in_fd, 1 << 17) != ARCHIVE_OK ||
	    archive_read_next_header(a, &entry) != ARCHIVE_OK)
		return pea_error_new(err, EINVAL, "decompress layer: %s", archive_error_string(a));
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, 1u << 17);

		if (n < 0)
			return pea_error_new(err, EINVAL, "decompress layer: %s",
					     archive_error_string(a));
		if (n == 0)
			return 0;
		pea_digest_update(dg, buf, (size_t)n);
		if (pea_write_all(out_fd, buf, (size_t)n, err) < 0)
			return -EIO;
	}
}

struct hashing_out {
	int fd;
	struct pea_digest *dg;
	struct pea_error **err;
	bool failed;
};

static la_ssize_t hashing_write(struct archive *a, void *data, const void *buf, size_t len)
{
	struct hashing_out *o = data;

	pea_digest_update(o->dg, buf, len);
	if (pea_write_all(o->fd, buf, len, o->err) < 0) {
		o->failed = true;
		return -1;
	}
	return (la_ssize_t)len;
}

static int open_compressor(struct archive *w, const char *format, int level,
			   struct hashing_out *out, struct pea_error **err)
{
	char lv[16];
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	archive_write_set_format_raw(w);
	if (strcmp(format, "zstd") == 0)
		archive_write_add_filter_zstd(w);
	else
		archive_write_add_filter_gzip(w);
	archive_write_set_bytes_in_last_block(w, 1);
	if (strcmp(format, "gzip") == 0)
		archive_write_set_filter_option(w, "gzip", "timestamp", NULL);
	if (level > 0) {
		snprintf(lv, sizeof(lv), "%d", level);
		if (archive_write_set_filter_option(w, NULL, "compression-level", lv) != ARCHIVE_OK)
			r = pea_error_new(err, EINVAL, "compression level %d: %s", level,
					  archive_error_string(w));
	}
	if (r == 0 && archive_write_open2(w, out, NULL, hashing_write, NULL, NULL) != ARCHIVE_OK)
		r = pea_error_new(err, EIO, "start %s compression: %s", format,
				  archive_error_string(w));
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_pathname(e, "layer");
	if (r == 0 && archive_write_header(w, e) != ARCHIVE_OK)
		r = pea_error_new(err, EIO, "start %s compression: %s", format,
				  archive_error_string(w));
	archive_entry_free(e);
	return r;
}

int tar_recompress(int in_fd, int out_fd, const char *format, int level, struct pea_digest *dg,
		   struct pea_error **err)
{
	_cleanup_(tar_archive_read_free_p) struct archive *a = archive_read_new();
	_cleanup_(tar_archive_write_free_p) struct archive *w = archive_write_new();
	_cleanup_free_ char *buf = xmalloc(1u << 17);
	struct hashing_out out = { .fd = out_fd, .dg = dg, .err = err };
	struct archive_entry *entry;

	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_fd(a, in_fd, 1 << 17) != ARCHIVE_OK ||
	    archive_read_next_header(a, &entry) != ARCHIVE_OK)
		return pea_error_new(err, EINVAL, "decompress layer: %s", archive_error_string(a));
	if (open_compressor(w, format, level, &out, err) < 0)
		return -EINVAL;
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, 1u << 17);

		if (n < 0)
			return pea_error_new(err, EINVAL, "decompress layer: %s",
					     archive_error_string(a));
		if (n == 0)
			break;
		if (archive_write_data(w, buf, (size_t)n) != n)
			return out.failed ? -EIO
					  : pea_error_new(err, EIO, "%s compression: %s", format,
							  archive_error_string(w));
	}
	if (archive_write_close(w) != ARCHIVE_OK)
		return out.failed ? -EIO
				  : pea_error_new(err, EIO, "%s compression: %s", format,
						  archive_error_string(w));
	return 0;
}

int tar_read_file(const char *path, const char *name, size_t max, char **ret, size_t *ret_len,
		  struct pea_error **err)
{
	_cleanup_(tar_archive_read_free_p) struct archive *a = archive_read_new();
	struct archive_entry *entry;
	int r;

	archive_read_support_format_tar(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK)
		return pea_error_new(err, archive_errno(a) > 0 ? archive_errno(a) : EINVAL,
				     "open archive '%s': %s", path, archive_error_string(a));
	while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(entry);
		_cleanup_free_ char *buf = NULL;
		la_int64_t size = archive_entry_size(entry);

		if (!n || strcmp(n + (strncmp(n, "./", 2) == 0 ? 2 : 0), name) != 0 ||
		    archive_entry_filetype(entry) != AE_IFREG)
			continue;
		if (size < 0 || (uint64_t)size > max)
			return pea_error_new(err, EFBIG,
					     "archive '%s': '%s' is larger than %zu bytes", path,
					     name, max);
		buf = xmalloc((size_t)size + 1);
		if (archive_read_data(a, buf, (size_t)size) != size)
			return pea_error_new(err, EINVAL, "archive '%s': '%s': %s", path, name,
					     archive_error_string(a));
		buf[size] = '\0';
		*ret_len = (size_t)size;
		*ret = TAKE_PTR(buf);
		return 0;
	}
	if (r != ARCHIVE_EOF)
		return pea_error_new(err, EINVAL, "archive '%s': %s", path,
				     archive_error_string(a));
	return pea_error_new(err, ENOENT, "archive '%s' has no '%s'", path, name);
}
