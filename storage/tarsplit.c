#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/xalloc.h"
#include "lib/digest.h"
#include "tarsplit.h"

#define WINDOW_MAX  (64u << 20) /* raw bytes held at once: beyond, give up */
#define RECORD_MAX  (1u << 20)
#define COPY_BLOCK  (256u << 10)
#define MAX_PATH_SZ 4096
#define OUT_BUF	    (64u << 10) /* records gathered before one write */

struct tarsplit {
	int fd;
	bool failed;
	uint64_t fed;		     /* stream offset after the last byte fed */
	uint64_t base;		     /* stream offset of the window's first byte */
	uint64_t skip_from, skip_to; /* contents not to keep */
	char *window;		     /* kept bytes at window + head, len of them */
	size_t head, len, cap;
	/*
	 * The last block fed, not copied yet: only what the records need of it (headers,
	 * what is not a plain file's contents) is copied into the window, as the entries
	 * ask for it or when the next block comes; a plain file's contents never are.
	 */
	const char *pend;
	uint64_t pend_start, pend_end; /* its stream offsets */
	uint64_t pend_pos;	       /* the first of its bytes not taken yet */
	char *out;		       /* records not written yet */
	size_t out_len;
};

struct tarsplit *tarsplit_new(int out_fd)
{
	struct tarsplit *t = xnew(struct tarsplit, 1);

	t->fd = out_fd;
	return t;
}

struct tarsplit *tarsplit_free(struct tarsplit *t)
{
	if (t) {
		free(t->window);
		free(t->out);
		free(t);
	}
	return NULL;
}

static void append(struct tarsplit *t, const char *p, size_t n)
{
	if (t->len + n > WINDOW_MAX) {
		t->failed = true;
		return;
	}
	if (t->head + t->len + n > t->cap) {
		/* the window's kept bytes move to its front only when it would grow */
		if (t->head) {
			memmove(t->window, t->window + t->head, t->len);
			t->head = 0;
		}
		if (t->len + n > t->cap) {
			t->cap = (t->len + n) * 2;
			t->window = xrealloc(t->window, t->cap);
		}
	}
	memcpy(t->window + t->head + t->len, p, n);
	t->len += n;
}

/* Keep the stream's bytes [start, start + len) at p, but the contents being skipped. */
static void keep(struct tarsplit *t, const char *p, uint64_t start, size_t len)
{
	uint64_t end = start + len;

	if (t->failed || len == 0)
		return;
	if (start < t->skip_from) {
		uint64_t n = (t->skip_from - start < len) ? t->skip_from - start : len;

		append(t, p, (size_t)n);
	}
	if (end > t->skip_to) {
		uint64_t from = start > t->skip_to ? start : t->skip_to;

		append(t, p + (from - start), (size_t)(end - from));
	}
}

/* Take the pending block's bytes before stream offset upto into the window. */
static void take(struct tarsplit *t, uint64_t upto)
{
	if (!t->pend || upto <= t->pend_pos)
		return;
	if (upto > t->pend_end)
		upto = t->pend_end;
	keep(t, t->pend + (t->pend_pos - t->pend_start), t->pend_pos, (size_t)(upto - t->pend_pos));
	t->pend_pos = upto;
}

void tarsplit_feed(struct tarsplit *t, const void *buf, size_t len)
{
	/* the block before goes away: what is left of it is kept now */
	take(t, UINT64_MAX);
	t->pend = buf;
	t->pend_start = t->pend_pos = t->fed;
	t->pend_end = t->fed + len;
	t->fed += len;
}

static void flush_out(struct tarsplit *t)
{
	_cleanup_error_ struct pea_error *e = NULL;

	if (!t->failed && t->out_len && pea_write_all(t->fd, t->out, t->out_len, &e) < 0)
		t->failed = true;
	t->out_len = 0;
}

/* Records go out in big writes: an entry made seven small ones. */
static bool write_all(struct tarsplit *t, const void *p, size_t n)
{
	_cleanup_error_ struct pea_error *e = NULL;

	if (t->failed)
		return false;
	if (t->out_len + n > OUT_BUF)
		flush_out(t);
	if (n >= OUT_BUF) {
		if (!t->failed && pea_write_all(t->fd, p, n, &e) < 0)
			t->failed = true;
		return !t->failed;
	}
	if (!t->out)
		t->out = xmalloc(OUT_BUF);
	memcpy(t->out + t->out_len, p, n);
	t->out_len += n;
	return !t->failed;
}

/* Emit window bytes up to stream offset end as 'R' records and drop them. */
static void emit_raw(struct tarsplit *t, uint64_t end)
{
	size_t n, done = 0;

	take(t, end);
	if (end < t->base || end - t->base > t->len) {
		t->failed = true;
		return;
	}
	n = (size_t)(end - t->base);
	while (done < n && !t->failed) {
		uint32_t chunk = (uint32_t)(n - done > RECORD_MAX ? RECORD_MAX : n - done);

		write_all(t, "R", 1);
		write_all(t, &chunk, sizeof(chunk));
		write_all(t, t->window + t->head + done, chunk);
		done += chunk;
	}
	t->head += n;
	t->len -= n;
	t->base = end;
}

static uint64_t octal_field(const unsigned char *f, size_t n, bool *ok)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) { /* base-256 */
		for (i = 1; i < n; i++)
			v = (v << 8) | f[i];
		return v;
	}
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(f[i] - '0');
	if (i < n && f[i] != ' ' && f[i] != '\0')
		*ok = false;
	return v;
}

/* What the raw headers of an entry say. */
struct raw_header {
	uint64_t length;    /* of the headers (meta headers and the entry's own); 0: unknown */
	uint64_t tape_size; /* of the contents that follow */
	bool plain;	    /* a regular file whose contents are exactly tape_size bytes */
};

/* The "size" record of a pax header; any GNU.sparse key makes the file not plain. */
static void parse_pax(const char *p, uint64_t n, struct raw_header *h, bool *has_size,
		      uint64_t *size)
{
	uint64_t off = 0;

	while (off < n) {
		const char *rec = p + off, *sp, *eq;
		uint64_t len = 0;
		char *end;

		len = strtoull(rec, &end, 10);
		if (end == rec || *end != ' ' || len == 0 || len > n - off) {
			h->plain = false;
			return;
		}
		sp = end + 1;
		eq = memchr(sp, '=', (size_t)(rec + len - sp));
		if (!eq) {
			h->plain = false;
			return;
		}
		if (eq - sp >= 10 && !memcmp(sp, "GNU.sparse", 10))
			h->plain = false;
		if (eq - sp == 4 && !memcmp(sp, "size", 4)) {
			*has_size = true;
			*size = strtoull(eq + 1, NULL, 10);
		}
		off += len;
	}
}

static struct raw_header parse_headers(struct tarsplit *t, uint64_t pos)
{
	struct raw_header h = { .plain = true };
	uint64_t off = pos, pax_size = 0;
	bool has_pax_size = false;

	for (int k = 0; k < 16; k++) {
		const unsigned char *b;
		bool ok = true;
		uint64_t size;
		char type;

		take(t, off + 512);
		if (off < t->base || off + 512 > t->base + t->len)
			return (struct raw_header){ 0 };
		b = (const unsigned char *)t->window + t->head + (off - t->base);
		type = (char)b[156];
		size = octal_field(b + 124, 12, &ok);
		if (!ok || memcmp(b + 257, "ustar", 5))
			return (struct raw_header){ 0 };
		off += 512;
		if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
			uint64_t content = (size + 511) / 512 * 512;

			take(t, off + content);
			if (off + content > t->base + t->len)
				return (struct raw_header){ 0 };
			if (type == 'x')
				parse_pax(t->window + t->head + (off - t->base), size, &h,
					  &has_pax_size, &pax_size);
			if (type == 'g')
				h.plain = false;
			off += content;
			continue;
		}
		h.length = off - pos;
		h.tape_size = has_pax_size ? pax_size : size;
		if (type != '0' && type != '\0' && type != '7')
			h.plain = false;
		return h;
	}
	return (struct raw_header){ 0 };
}

void tarsplit_entry(struct tarsplit *t, uint64_t header_pos, const char *path, uint64_t size)
{
	struct raw_header raw;
	uint64_t data, drop_from, drop_to;
	uint32_t plen;

	if (t->failed)
		return;
	emit_raw(t, header_pos);
	if (!path || size == 0)
		return; /* contents, if any, stay raw: emitted with the next entry */
	raw = parse_headers(t, header_pos);
	plen = (uint32_t)strlen(path);
	if (raw.length == 0 || plen > MAX_PATH_SZ) {
		t->failed = true;
		return;
	}
	/* what the reader made of the headers must be what they say, else keep it raw */
	if (!raw.plain || raw.tape_size != size)
		return;
	data = header_pos + raw.length;
	emit_raw(t, data);
	write_all(t, "D", 1);
	write_all(t, &plen, sizeof(plen));
	write_all(t, path, plen);
	write_all(t, &size, sizeof(size));
	/* drop what the window already has of the contents; skip the rest as it comes */
	t->skip_from = data;
	t->skip_to = data + size;
	drop_from = data - t->base;
	if (drop_from != 0) {
		t->failed = true; /* emit_raw left the window starting at data */
		return;
	}
	drop_to = t->len < size ? t->len : size;
	t->head += (size_t)drop_to;
	t->len -= (size_t)drop_to;
	t->base = data + size;
}

void tarsplit_abandon(struct tarsplit *t)
{
	t->failed = true;
}

bool tarsplit_finish(struct tarsplit *t)
{
	take(t, UINT64_MAX);
	t->pend = NULL;
	if (!t->failed)
		emit_raw(t, t->base + t->len);
	flush_out(t);
	return !t->failed;
}

/* ---- reading back ---------------------------------------------------------------------- */

static int read_exact(int fd, void *buf, size_t n, struct pea_error **err)
{
	char *p = buf;

	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return pea_error_errno(err, "read the tar-split record");
		if (r == 0)
			return pea_error_new(err, EPROTO, "the tar-split record is truncated");
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

struct out {
	int fd;
	struct pea_digest d;
	tarsplit_feed_fn *feed;
	void *feed_data;
};

static int out_write(struct out *o, const void *p, size_t n, struct pea_error **err)
{
	pea_digest_update(&o->d, p, n);
	if (o->feed)
		o->feed(o->feed_data, p, n);
	return pea_write_all(o->fd, p, n, err);
}

static int copy_contents(int rootfd, const char *path, uint64_t size, struct out *o, char *buf,
			 struct pea_error **err)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	if (fd < 0)
		return pea_error_errno(err, "open '%s'", path);
	while (size > 0) {
		ssize_t n = read(fd, buf, size < COPY_BLOCK ? (size_t)size : COPY_BLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pea_error_errno(err, "read '%s'", path);
		if (n == 0)
			return pea_error_new(err, EPROTO,
					     "'%s' is shorter than when it was applied", path);
		if (out_write(o, buf, (size_t)n, err) < 0)
			return -1;
		size -= (uint64_t)n;
	}
	return 0;
}

static int write_record(int split_fd, int rootfd, char type, struct out *o, char *buf,
			struct pea_error **err)
{
	uint32_t len;
	uint64_t size;
	_cleanup_free_ char *path = NULL;

	if (read_exact(split_fd, &len, sizeof(len), err) < 0)
		return -1;
	if (type == 'R') {
		if (len > RECORD_MAX)
			return pea_error_new(err, EPROTO, "a tar-split record is too long");
		if (read_exact(split_fd, buf, len, err) < 0)
			return -1;
		return out_write(o, buf, len, err);
	}
	if (type != 'D' || len == 0 || len > MAX_PATH_SZ)
		return pea_error_new(err, EPROTO, "a tar-split record is not valid");
	path = xmalloc(len + 1);
	if (read_exact(split_fd, path, len, err) < 0 ||
	    read_exact(split_fd, &size, sizeof(size), err) < 0)
		return -1;
	path[len] = '\0';
	return copy_contents(rootfd, path, size, o, buf, err);
}

int tarsplit_write(int split_fd, int rootfd, const char *diff_id, int out_fd,
		   struct pea_error **err)
{
	return tarsplit_write_fed(split_fd, rootfd, diff_id, out_fd, NULL, NULL, err);
}

int tarsplit_write_fed(int split_fd, int rootfd, const char *diff_id, int out_fd,
		       tarsplit_feed_fn *feed, void *feed_data, struct pea_error **err)
{
	_cleanup_free_ char *buf = xmalloc(RECORD_MAX > COPY_BLOCK ? RECORD_MAX : COPY_BLOCK);
	char got[PEA_DIGEST_MAX];
	struct out o = { .fd = out_fd, .feed = feed, .feed_data = feed_data };
	int r = 0;

	if (pea_digest_init(&o.d, "sha256", err) < 0)
		return -1;

	for (;;) {
		char type;
		ssize_t n = read(split_fd, &type, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = pea_error_errno(err, "read the tar-split record");
			break;
		}
		if (n == 0)
			break;
		r = write_record(split_fd, rootfd, type, &o, buf, err);
		if (r < 0)
			break;
	}
	pea_digest_final(&o.d, got);
	pea_digest_done(&o.d);
	if (r == 0 && diff_id && strcmp(got, diff_id))
		r = pea_error_new(err, EPROTO, "the tar written has the digest '%s', not '%s'", got,
				  diff_id);
	return r;
}
