#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "image/blob.h"

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	interrupted = 1;
	signal(sig, SIG_DFL);
}

void blob_interrupt_install(void)
{
	struct sigaction sa = { .sa_handler = on_interrupt };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

bool blob_interrupted(void)
{
	return interrupted != 0;
}

int blob_sink_init(struct blob_sink *s, int fd, const char *digest, int64_t size, size_t mem_max,
		   struct pea_error **err)
{
	char algo[8] = "sha256";
	const char *colon = digest ? strchr(digest, ':') : NULL;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->mem_max = mem_max;
	s->expected_size = size;
	if (digest) {
		if (pea_digest_validate(digest, "blob digest", err) < 0)
			return -EINVAL;
		snprintf(s->expected_digest, sizeof(s->expected_digest), "%s", digest);
		snprintf(algo, sizeof(algo), "%.*s", (int)(colon - digest), digest);
	}
	return pea_digest_init(&s->dg, algo, err);
}

/* pwrite(2) of all of buf (a candidate for lib/file.h). */
static int pwrite_all(int fd, const char *buf, size_t len, uint64_t off, struct pea_error **err)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return pea_error_errno(err, "write");
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int sink_write(struct blob_sink *s, const void *buf, size_t len, size_t *ret_taken,
		      struct pea_error **err)
{
	if (interrupted)
		return pea_error_new(err, ECANCELED, "interrupted");
	if (s->expected_size >= 0 && s->written + len > (uint64_t)s->expected_size)
		return pea_error_new(err, EFBIG,
				     "blob '%s' is larger than the %" PRId64
				     " bytes its descriptor says",
				     s->expected_digest, s->expected_size);
	if (s->fd >= 0 && s->direct) {
		bool full = false;
		size_t taken =
			s->direct(s->direct_data, buf, len, s->written, ret_taken ? &full : NULL);

		if (taken < len && full)
			len = taken; /* the caller keeps the rest */
		else if (taken < len && pwrite_all(s->fd, (const char *)buf + taken, len - taken,
						   s->written + taken, err) < 0)
			return -EIO;
	} else if (s->fd >= 0) {
		if (pea_write_all(s->fd, buf, len, err) < 0)
			return -EIO;
	} else {
		if (s->mem_len + len > s->mem_max)
			return pea_error_new(err, EFBIG, "blob '%s' is larger than %zu bytes",
					     s->expected_digest, s->mem_max);
		if (s->mem_len + len + 1 > s->mem_cap) {
			s->mem_cap = (s->mem_len + len + 1) * 2;
			if (s->mem_cap > s->mem_max + 1)
				s->mem_cap = s->mem_max + 1;
			s->mem = xrealloc(s->mem, s->mem_cap);
		}
		memcpy(s->mem + s->mem_len, buf, len);
		s->mem_len += len;
		s->mem[s->mem_len] = '\0';
	}
	if (!s->digest_checked_by_consumer)
		pea_digest_update(&s->dg, buf, len);
	s->written += len;
	if (s->progress &&
	    s->written - s->last_report >=
		    (s->progress->mode == PROGRESS_TTY ? (256u << 10) : (4u << 20))) {
		s->last_report = s->written;
		progress_event(s->progress, "progress", s->expected_digest, s->expected_size,
			       s->written);
	}
	if (ret_taken)
		*ret_taken = len;
	return 0;
}

int blob_sink_write(struct blob_sink *s, const void *buf, size_t len, struct pea_error **err)
{
	return sink_write(s, buf, len, NULL, err);
}

int blob_sink_write_some(struct blob_sink *s, const void *buf, size_t len, size_t *ret_taken,
			 struct pea_error **err)
{
	return sink_write(s, buf, len, ret_taken, err);
}

int blob_sink_reset(struct blob_sink *s, struct pea_error **err)
{
	char dummy[PEA_DIGEST_MAX];

	if (s->fd >= 0) {
		if (ftruncate(s->fd, 0) < 0 || lseek(s->fd, 0, SEEK_SET) < 0)
			return pea_error_errno(err, "truncate blob '%s'", s->expected_digest);
	}
	s->mem_len = 0;
	s->written = 0;
	s->last_report = 0;
	pea_digest_final(&s->dg, dummy);
	return 0;
}

int blob_sink_finish(struct blob_sink *s, const char *what, struct pea_error **err)
{
	char got[PEA_DIGEST_MAX];

	if (s->expected_size >= 0 && s->written != (uint64_t)s->expected_size)
		return pea_error_new(err, EPROTO,
				     "%s: truncated: got %" PRIu64 " of %" PRId64 " bytes", what,
				     s->written, s->expected_size);
	if (s->digest_checked_by_consumer)
		return 0;
	pea_digest_final(&s->dg, got);
	if (s->expected_digest[0] && strcmp(got, s->expected_digest) != 0)
		return pea_error_new(err, EBADMSG, "%s: digest mismatch: expected '%s', got '%s'",
				     what, s->expected_digest, got);
	if (!s->expected_digest[0])
		snprintf(s->expected_digest, sizeof(s->expected_digest), "%s", got);
	return 0;
}

void blob_sink_done(struct blob_sink *s)
{
	pea_digest_done(&s->dg);
	free(s->mem);
	s->mem = NULL;
	pea_error_free(s->error);
	s->error = NULL;
}

int blob_sink_from_fd(struct blob_sink *s, int fd, struct pea_error **err)
{
	_cleanup_free_ char *buf = xmalloc(1u << 17);

	for (;;) {
		ssize_t n = read(fd, buf, 1u << 17);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pea_error_errno(err, "read blob '%s'", s->expected_digest);
		if (n == 0)
			return 0;
		if (blob_sink_write(s, buf, (size_t)n, err) < 0)
			return -EIO;
	}
}

static void human(uint64_t n, char *buf, size_t len)
{
	if (n >= (1u << 20))
		snprintf(buf, len, "%.1fMiB", (double)n / (1u << 20));
	else if (n >= 1024)
		snprintf(buf, len, "%.1fKiB", (double)n / 1024);
	else
		snprintf(buf, len, "%lluB", (unsigned long long)n);
}

static void bar_draw(const struct progress *p, const struct progress_bar *b, int width)
{
	char done[32], size[32], bar[64];
	int cells = width > 90 ? 40 : width > 60 ? 20 : 10, full = 0;

	human(b->done, done, sizeof(done));
	human(b->size > 0 ? (uint64_t)b->size : b->done, size, sizeof(size));
	if (b->size > 0)
		full = (int)((double)b->done / (double)b->size * cells);
	if (full > cells)
		full = cells;
	for (int i = 0; i < cells; i++)
		bar[i] = i < full ? '=' : (i == full ? '>' : ' ');
	bar[cells] = '\0';
	if (b->state)
		dprintf(p->fd, "\033[2KCopying blob %.12s %s\n", pea_digest_hex(b->digest),
			b->state);
	else
		dprintf(p->fd, "\033[2KCopying blob %.12s [%s] %s / %s\n",
			pea_digest_hex(b->digest), bar, done, size);
}

static void tty_redraw(struct progress *p)
{
	struct winsize ws = { 0 };
	int width = ioctl(p->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;

	if (p->drawn)
		dprintf(p->fd, "\033[%zuA", p->drawn);
	for (size_t i = 0; i < p->nbars; i++)
		bar_draw(p, &p->bars[i], width);
	p->drawn = p->nbars;
}

static void tty_event(struct progress *p, const char *event, const char *digest, int64_t size,
		      uint64_t done)
{
	struct progress_bar *b = NULL;

	if (!digest || strcmp(event, "copied") == 0 || strcmp(event, "manifest") == 0)
		return;
	for (size_t i = 0; i < p->nbars; i++)
		if (strcmp(p->bars[i].digest, digest) == 0)
			b = &p->bars[i];
	if (!b) {
		p->bars = xreallocarray(p->bars, p->nbars + 1, sizeof(*p->bars));
		b = &p->bars[p->nbars++];
		memset(b, 0, sizeof(*b));
		snprintf(b->digest, sizeof(b->digest), "%s", digest);
	}
	b->size = size;
	b->done = done;
	if (strcmp(event, "progress") == 0) {
		struct timespec ts;
		uint64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		if (now - p->drawn_ms < 100)
			return; /* at most ten redraws a second */
		p->drawn_ms = now;
	}
	if (strcmp(event, "done") == 0)
		b->state = "done";
	else if (strcmp(event, "skipped") == 0)
		b->state = "skipped: already exists";
	else if (strcmp(event, "mounted") == 0)
		b->state = "mounted from the source repository";
	else
		b->state = NULL;
	tty_redraw(p);
}

void progress_done(struct progress *p)
{
	if (!p)
		return;
	free(p->bars);
	p->bars = NULL;
	p->nbars = p->drawn = 0;
}

void progress_event(struct progress *p, const char *event, const char *digest, int64_t size,
		    uint64_t done)
{
	_cleanup_json_ struct json_object *o = NULL;

	if (!p || p->mode == PROGRESS_QUIET)
		return;
	if (p->mode == PROGRESS_TTY) {
		tty_event(p, event, digest, size, done);
		return;
	}
	if (p->mode == PROGRESS_TEXT) {
		if (strcmp(event, "progress") == 0)
			return;
		/* the config as skopeo and podman name it (podman 4.3.1's 030-run looks for it) */
		if (digest && p->config_digest && strcmp(digest, p->config_digest) == 0 &&
		    (strcmp(event, "start") == 0 || strcmp(event, "skipped") == 0))
			event = "start-config";
		if (strcmp(event, "skipped") == 0)
			dprintf(p->fd, "Copying blob %.19s skipped: already exists\n", digest);
		else if (strcmp(event, "mounted") == 0)
			dprintf(p->fd, "Copying blob %.19s mounted from the source repository\n",
				digest);
		else if (strcmp(event, "start") == 0)
			dprintf(p->fd, "Copying blob %.19s\n", digest);
		else if (strcmp(event, "start-config") == 0)
			dprintf(p->fd, "Copying config %.19s\n", digest);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "event", json_object_new_string(event));
	if (digest)
		json_object_object_add(o, "digest", json_object_new_string(digest));
	if (size >= 0)
		json_object_object_add(o, "size", json_object_new_int64(size));
	json_object_object_add(o, "done", json_object_new_int64((int64_t)done));
	pea_json_write_fd(p->fd, o, true, NULL);
}

void progress_copied(struct progress *p, const char *digest, const char *image_id)
{
	_cleanup_json_ struct json_object *o = NULL;

	if (!p || p->mode != PROGRESS_JSON)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "event", json_object_new_string("copied"));
	json_object_object_add(o, "digest", json_object_new_string(digest));
	if (image_id)
		json_object_object_add(o, "image_id", json_object_new_string(image_id));
	json_object_object_add(o, "done", json_object_new_int64(0));
	pea_json_write_fd(p->fd, o, true, NULL);
}

void progress_message(struct progress *p, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	if (!p || (p->mode != PROGRESS_TEXT && p->mode != PROGRESS_TTY))
		return;
	if (p->mode == PROGRESS_TTY) /* below the bars, which stay */
		progress_done(p);
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	dprintf(p->fd, "%s\n", msg);
}
