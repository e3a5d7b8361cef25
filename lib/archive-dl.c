/*
 * libarchive, loaded on first use (see lib/dl.h): the binaries do not link it,
 * they link these functions of the same names, each of which finds the real
 * one in libarchive.so.13 the first time it is called. <archive.h> declares
 * them all, so the compiler checks every signature here against libarchive's.
 *
 * A function not listed here is an undefined reference at link time: add a
 * line for it (LAZY for a result, LAZY_VOID for none).
 */
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>

#include "lib/dl.h"

static const char *const archive_sonames[] = { "libarchive.so.13", "libarchive.so", NULL };
static struct pea_dl libarchive = { .sonames = archive_sonames };

#define LAZY(...)      PEA_DL_LAZY(libarchive, __VA_ARGS__)
#define LAZY_VOID(...) PEA_DL_LAZY_VOID(libarchive, __VA_ARGS__)

LAZY(time_t, archive_entry_atime, (struct archive_entry * a0), (a0))
LAZY(int, archive_entry_atime_is_set, (struct archive_entry * a0), (a0))
LAZY(long, archive_entry_atime_nsec, (struct archive_entry * a0), (a0))
LAZY_VOID(archive_entry_copy_stat, (struct archive_entry * a0, const struct stat *a1), (a0, a1))
LAZY(__LA_MODE_T, archive_entry_filetype, (struct archive_entry * a0), (a0))
LAZY_VOID(archive_entry_free, (struct archive_entry * a0), (a0))
LAZY(la_int64_t, archive_entry_gid, (struct archive_entry * a0), (a0))
LAZY(const char *, archive_entry_hardlink, (struct archive_entry * a0), (a0))
LAZY(time_t, archive_entry_mtime, (struct archive_entry * a0), (a0))
LAZY(long, archive_entry_mtime_nsec, (struct archive_entry * a0), (a0))
LAZY(struct archive_entry *, archive_entry_new, (void), ())
LAZY(const char *, archive_entry_pathname, (struct archive_entry * a0), (a0))
LAZY(__LA_MODE_T, archive_entry_perm, (struct archive_entry * a0), (a0))
LAZY(dev_t, archive_entry_rdev, (struct archive_entry * a0), (a0))
LAZY(dev_t, archive_entry_rdevmajor, (struct archive_entry * a0), (a0))
LAZY(dev_t, archive_entry_rdevminor, (struct archive_entry * a0), (a0))
LAZY_VOID(archive_entry_set_filetype, (struct archive_entry * a0, unsigned int a1), (a0, a1))
LAZY_VOID(archive_entry_set_gid, (struct archive_entry * a0, la_int64_t a1), (a0, a1))
LAZY_VOID(archive_entry_set_hardlink, (struct archive_entry * a0, const char *a1), (a0, a1))
LAZY_VOID(archive_entry_set_mode, (struct archive_entry * a0, __LA_MODE_T a1), (a0, a1))
LAZY_VOID(archive_entry_set_mtime, (struct archive_entry * a0, time_t a1, long a2), (a0, a1, a2))
LAZY_VOID(archive_entry_set_nlink, (struct archive_entry * a0, unsigned int a1), (a0, a1))
LAZY_VOID(archive_entry_set_pathname, (struct archive_entry * a0, const char *a1), (a0, a1))
LAZY_VOID(archive_entry_set_perm, (struct archive_entry * a0, __LA_MODE_T a1), (a0, a1))
LAZY_VOID(archive_entry_set_rdev, (struct archive_entry * a0, dev_t a1), (a0, a1))
LAZY_VOID(archive_entry_set_size, (struct archive_entry * a0, la_int64_t a1), (a0, a1))
LAZY_VOID(archive_entry_set_symlink, (struct archive_entry * a0, const char *a1), (a0, a1))
LAZY_VOID(archive_entry_set_uid, (struct archive_entry * a0, la_int64_t a1), (a0, a1))
LAZY(la_int64_t, archive_entry_size, (struct archive_entry * a0), (a0))
LAZY(int, archive_entry_size_is_set, (struct archive_entry * a0), (a0))
LAZY(int, archive_entry_sparse_count, (struct archive_entry * a0), (a0))
LAZY(const char *, archive_entry_symlink, (struct archive_entry * a0), (a0))
LAZY(la_int64_t, archive_entry_uid, (struct archive_entry * a0), (a0))
LAZY_VOID(archive_entry_xattr_add_entry,
	  (struct archive_entry * a0, const char *a1, const void *a2, size_t a3), (a0, a1, a2, a3))
LAZY(int, archive_entry_xattr_next,
     (struct archive_entry * a0, const char **a1, const void **a2, size_t *a3), (a0, a1, a2, a3))
LAZY(int, archive_entry_xattr_reset, (struct archive_entry * a0), (a0))
LAZY(int, archive_errno, (struct archive * a0), (a0))
LAZY(const char *, archive_error_string, (struct archive * a0), (a0))
LAZY(int, archive_filter_code, (struct archive * a0, int a1), (a0, a1))
LAZY(la_ssize_t, archive_read_data, (struct archive * a0, void *a1, size_t a2), (a0, a1, a2))
LAZY(int, archive_read_data_block,
     (struct archive * a0, const void **a1, size_t *a2, la_int64_t *a3), (a0, a1, a2, a3))
LAZY(int, archive_read_free, (struct archive * a0), (a0))
LAZY(la_int64_t, archive_read_header_position, (struct archive * a0), (a0))
LAZY(struct archive *, archive_read_new, (void), ())
LAZY(int, archive_read_next_header, (struct archive * a0, struct archive_entry **a1), (a0, a1))
LAZY(int, archive_read_open,
     (struct archive * a0, void *a1, archive_open_callback *a2, archive_read_callback *a3,
      archive_close_callback *a4),
     (a0, a1, a2, a3, a4))
LAZY(int, archive_read_open_fd, (struct archive * a0, int a1, size_t a2), (a0, a1, a2))
LAZY(int, archive_read_open_filename, (struct archive * a0, const char *a1, size_t a2),
     (a0, a1, a2))
LAZY(int, archive_read_support_filter_all, (struct archive * a0), (a0))
LAZY(int, archive_read_support_filter_gzip, (struct archive * a0), (a0))
LAZY(int, archive_read_support_filter_zstd, (struct archive * a0), (a0))
LAZY(int, archive_read_support_format_gnutar, (struct archive * a0), (a0))
LAZY(int, archive_read_support_format_raw, (struct archive * a0), (a0))
LAZY(int, archive_read_support_format_tar, (struct archive * a0), (a0))
LAZY(int, archive_write_add_filter_gzip, (struct archive * a0), (a0))
LAZY(int, archive_write_add_filter_zstd, (struct archive * a0), (a0))
LAZY(int, archive_write_close, (struct archive * a0), (a0))
LAZY(la_ssize_t, archive_write_data, (struct archive * a0, const void *a1, size_t a2), (a0, a1, a2))
LAZY(la_ssize_t, archive_write_data_block,
     (struct archive * a0, const void *a1, size_t a2, la_int64_t a3), (a0, a1, a2, a3))
LAZY(struct archive *, archive_write_disk_new, (void), ())
LAZY(int, archive_write_disk_set_options, (struct archive * a0, int a1), (a0, a1))
LAZY(int, archive_write_finish_entry, (struct archive * a0), (a0))
LAZY(int, archive_write_free, (struct archive * a0), (a0))
LAZY(int, archive_write_header, (struct archive * a0, struct archive_entry *a1), (a0, a1))
LAZY(struct archive *, archive_write_new, (void), ())
LAZY(int, archive_write_open2,
     (struct archive * a0, void *a1, archive_open_callback *a2, archive_write_callback *a3,
      archive_close_callback *a4, archive_free_callback *a5),
     (a0, a1, a2, a3, a4, a5))
LAZY(int, archive_write_open_fd, (struct archive * a0, int a1), (a0, a1))
LAZY(int, archive_write_open_filename, (struct archive * a0, const char *a1), (a0, a1))
LAZY(int, archive_write_set_bytes_in_last_block, (struct archive * a0, int a1), (a0, a1))
LAZY(int, archive_write_set_filter_option,
     (struct archive * a0, const char *a1, const char *a2, const char *a3), (a0, a1, a2, a3))
LAZY(int, archive_write_set_format_pax_restricted, (struct archive * a0), (a0))
LAZY(int, archive_write_set_format_raw, (struct archive * a0), (a0))

/* Variadic: formatted here, passed on as one string. */
static __typeof__(archive_set_error) *archive_set_error_real;
void archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	PEA_DL_REAL(libarchive, archive_set_error)
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	real(a, err, "%s", msg);
}
