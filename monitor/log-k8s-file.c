#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

/*
 * The CRI log format, as conmon writes it: one entry per line,
 *   2006-01-02T15:04:05.999999999+07:00 stdout F text of the line
 * "F" ends a full line; "P" marks a piece of a longer line (the rest follows
 * in the next entries) and gets a newline added. Each read of the container's
 * output is cut into pieces of at most 8192 bytes, like conmon's reads.
 */

#define K8S_LOG_BUF (64 * 1024)
#define TS_MAX	    64

size_t k8s_log_timestamp(char *buf, size_t size, enum monitor_stream s)
{
	struct timespec ts;
	struct tm tm;
	long off;
	char sign = '+';
	int n;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		ts = (struct timespec){ 0 };
	if (!localtime_r(&ts.tv_sec, &tm))
		gmtime_r(&ts.tv_sec, &tm);
	off = tm.tm_gmtoff;
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ld%c%02ld:%02ld %s ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     ts.tv_nsec, sign, off / 3600, (off % 3600) / 60,
		     s == STREAM_STDERR ? "stderr" : "stdout");
	return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}

/* As conmon: the owner writes, the group (a log reader) reads. */
#define K8S_LOG_MODE 0640

int k8s_log_open(struct k8s_log *k, const char *path, int64_t size_max, int64_t global_max,
		 bool sync, struct pea_error **err)
{
	struct stat st;

	*k = (struct k8s_log){ .fd = -1,
			       .path = path,
			       .size_max = size_max,
			       .global_size_max = global_max,
			       .sync = sync };
	tzset();
	k->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, K8S_LOG_MODE);
	if (k->fd < 0)
		return pea_error_errno(err, "Failed to open log file '%s'", path);
	/* what is there counts against the cap */
	if (fstat(k->fd, &st) == 0)
		k->written = st.st_size;
	return 0;
}

static void k8s_log_flush(struct k8s_log *k)
{
	_cleanup_error_ struct pea_error *e = NULL;

	if (k->len == 0 || k->fd < 0)
		return;
	if (pea_write_all(k->fd, k->buf, k->len, &e) < 0)
		log_warning("write the log file '%s': %s, dropping %zu bytes", k->path, e->message,
			    k->len);
	k->len = 0;
}

int k8s_log_reopen(struct k8s_log *k, struct pea_error **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", k->path);
	int fd;

	k8s_log_flush(k);
	if (k->sync && k->fd >= 0 && fsync(k->fd) < 0)
		log_warning("sync the log file '%s': %s, ignoring", k->path, strerror(errno));
	/* a fresh empty file takes the name at once: readers never see a missing log */
	fd = open(tmp, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, K8S_LOG_MODE);
	if (fd < 0)
		return pea_error_errno(err, "reopen the log file '%s'", tmp);
	if (rename(tmp, k->path) < 0) {
		pea_error_errno(err, "rename '%s' to '%s'", tmp, k->path);
		unlink(tmp);
		close(fd);
		return -(*err)->code;
	}
	pea_close(k->fd);
	k->fd = fd;
	k->written = 0;
	return 0;
}

/* FILE.N-1 -> FILE.N ... FILE -> FILE.1, then a new FILE; the oldest drops out. */
static int k8s_log_rotate(struct k8s_log *k, struct pea_error **err)
{
	_cleanup_free_ char *first = xasprintf("%s.1", k->path);
	int fd;

	k8s_log_flush(k);
	if (k->sync && k->fd >= 0 && fsync(k->fd) < 0)
		log_warning("sync the log file '%s': %s, ignoring", k->path, strerror(errno));
	for (int i = k->max_files - 1; i >= 1; i--) {
		_cleanup_free_ char *from = xasprintf("%s.%d", k->path, i);
		_cleanup_free_ char *to = xasprintf("%s.%d", k->path, i + 1);

		if (rename(from, to) < 0 && errno != ENOENT)
			log_warning("rename '%s' to '%s': %s, ignoring", from, to, strerror(errno));
	}
	if (rename(k->path, first) < 0 && errno != ENOENT)
		return pea_error_errno(err, "rotate the log file '%s' to '%s'", k->path, first);
	fd = open(k->path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, K8S_LOG_MODE);
	if (fd < 0)
		return pea_error_errno(err, "Failed to open log file '%s'", k->path);
	pea_close(k->fd);
	k->fd = fd;
	k->written = 0;
	return 0;
}

int k8s_log_restart(struct k8s_log *k, struct pea_error **err)
{
	return k->max_files > 0 ? k8s_log_rotate(k, err) : k8s_log_reopen(k, err);
}

static void k8s_log_append(struct k8s_log *k, const char *data, size_t len)
{
	if (k->len + len > K8S_LOG_BUF)
		k8s_log_flush(k);
	if (len > K8S_LOG_BUF) {
		_cleanup_error_ struct pea_error *e = NULL;

		if (pea_write_all(k->fd, data, len, &e) < 0)
			log_warning("write the log file '%s': %s", k->path, e->message);
		return;
	}
	memcpy(k->buf + k->len, data, len);
	k->len += len;
}

/* One piece (at most 8192 bytes) of output: its lines as entries. */
static void k8s_log_piece(struct k8s_log *k, const char *ts, size_t ts_len, const char *buf,
			  size_t len)
{
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t line_len = nl ? (size_t)(nl - buf) + 1 : len;
		bool partial = !nl;
		int64_t entry = (int64_t)(ts_len + 2 + line_len + (partial ? 1 : 0));

		if (k->global_size_max > 0 && k->total >= k->global_size_max)
			return;
		if (k->size_max > 0 && k->written + entry > k->size_max) {
			_cleanup_error_ struct pea_error *e = NULL;

			if (k8s_log_restart(k, &e) < 0)
				log_warning("%s, ignoring", e->message);
		}
		k8s_log_append(k, ts, ts_len);
		k8s_log_append(k, partial ? "P " : "F ", 2);
		k8s_log_append(k, buf, line_len);
		if (partial)
			k8s_log_append(k, "\n", 1);
		k->written += entry;
		k->total += entry;
		buf += line_len;
		len -= line_len;
	}
}

void k8s_log_write(struct k8s_log *k, enum monitor_stream s, const char *buf, size_t len)
{
	char ts[TS_MAX];
	size_t ts_len;

	if (k->fd < 0 || len == 0)
		return;
	if (!k->buf)
		k->buf = xmalloc(K8S_LOG_BUF);
	ts_len = k8s_log_timestamp(ts, sizeof(ts), s);
	while (len > 0) {
		size_t piece = len > MONITOR_PACKET_DATA ? MONITOR_PACKET_DATA : len;

		k8s_log_piece(k, ts, ts_len, buf, piece);
		buf += piece;
		len -= piece;
	}
	k8s_log_flush(k);
}

void k8s_log_close(struct k8s_log *k)
{
	k8s_log_flush(k);
	if (k->fd >= 0 && k->sync && fsync(k->fd) < 0)
		log_warning("sync the log file '%s': %s, ignoring", k->path, strerror(errno));
	k->fd = pea_close(k->fd);
	free(k->buf);
	k->buf = NULL;
}
