#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "lib/xalloc.h"
#include "storage/unzstd.h"

/* libzstd is opened on first use, and its absence is not fatal (see gunzip.c). */
static struct {
	int loaded; /* 0: not tried, 1: here, -1: missing */
	ZSTD_DStream *(*create)(void);
	size_t (*free)(ZSTD_DStream *);
	size_t (*decompress)(ZSTD_DStream *, ZSTD_outBuffer *, ZSTD_inBuffer *);
	unsigned (*is_error)(size_t);
	const char *(*error_name)(size_t);
} zs;

static bool zstd_load(void)
{
	void *h;

	if (zs.loaded)
		return zs.loaded > 0;
	zs.loaded = -1;
	h = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return false;
	*(void **)&zs.create = dlsym(h, "ZSTD_createDStream");
	*(void **)&zs.free = dlsym(h, "ZSTD_freeDStream");
	*(void **)&zs.decompress = dlsym(h, "ZSTD_decompressStream");
	*(void **)&zs.is_error = dlsym(h, "ZSTD_isError");
	*(void **)&zs.error_name = dlsym(h, "ZSTD_getErrorName");
	if (!zs.create || !zs.free || !zs.decompress || !zs.is_error || !zs.error_name) {
		dlclose(h);
		return false;
	}
	zs.loaded = 1;
	return true;
}

struct unzstd {
	ZSTD_DStream *ds;
	ZSTD_inBuffer in;
	unzstd_refill_fn refill;
	void *data;
	bool in_eof;	/* the refill said: no more */
	bool frame_end; /* the last call ended a frame (or none started yet) */
	bool done;
	const char *error;
	char *error_text;
};

bool unzstd_usable(const unsigned char *buf, size_t len)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

	return len >= 4 && memcmp(buf, magic, 4) == 0 && zstd_load();
}

struct unzstd *unzstd_new(const unsigned char *buf, size_t len, unzstd_refill_fn refill, void *data)
{
	struct unzstd *z = xnew(struct unzstd, 1);

	z->ds = zs.create();
	if (!z->ds)
		abort(); /* out of memory */
	z->in.src = buf;
	z->in.size = len;
	z->refill = refill;
	z->data = data;
	return z;
}

struct unzstd *unzstd_free(struct unzstd *z)
{
	if (z) {
		zs.free(z->ds);
		free(z->error_text);
		free(z);
	}
	return NULL;
}

const char *unzstd_error(const struct unzstd *z)
{
	return z->error;
}

static int more_input(struct unzstd *z)
{
	const unsigned char *buf = NULL;
	ssize_t n = z->refill(z->data, &buf);

	if (n < 0)
		return -1;
	if (n == 0)
		z->in_eof = true;
	z->in.src = buf;
	z->in.size = (size_t)n;
	z->in.pos = 0;
	return 0;
}

ssize_t unzstd_read(struct unzstd *z, void *out, size_t cap)
{
	ZSTD_outBuffer o = { .dst = out, .size = cap };

	if (z->done || z->error)
		return z->error ? -1 : 0;
	while (o.pos == 0) {
		size_t r;

		if (z->in.pos == z->in.size) {
			if (!z->in_eof && more_input(z) < 0)
				return -1;
			if (z->in_eof) {
				if (!z->frame_end) {
					z->error = "zstd: unexpected end of the stream";
					return -1;
				}
				z->done = true;
				return 0;
			}
			continue;
		}
		r = zs.decompress(z->ds, &o, &z->in);
		if (zs.is_error(r)) {
			z->error_text = xasprintf("zstd: %s", zs.error_name(r));
			z->error = z->error_text;
			return -1;
		}
		/* 0: a frame ended and all of it was flushed; the next one may follow */
		z->frame_end = r == 0;
	}
	return (ssize_t)o.pos;
}
