#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/igzip_lib.h>

#include "lib/xalloc.h"
#include "storage/gunzip.h"

/*
 * libisal is opened on first use, as lib/dl.h does for libarchive, but its
 * absence is not fatal: libarchive's zlib decodes then. (A candidate for
 * lib/dl.h: an optional library.)
 */
static struct {
	int loaded; /* 0: not tried, 1: here, -1: missing */
	void (*init)(struct inflate_state *);
	void (*reset)(struct inflate_state *);
	int (*inflate)(struct inflate_state *);
} isal;

static bool isal_load(void)
{
	void *h;

	if (isal.loaded)
		return isal.loaded > 0;
	isal.loaded = -1;
	h = dlopen("libisal.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return false;
	*(void **)&isal.init = dlsym(h, "isal_inflate_init");
	*(void **)&isal.reset = dlsym(h, "isal_inflate_reset");
	*(void **)&isal.inflate = dlsym(h, "isal_inflate");
	if (!isal.init || !isal.reset || !isal.inflate) {
		dlclose(h);
		return false;
	}
	isal.loaded = 1;
	return true;
}

struct gunzip {
	struct inflate_state st;
	gunzip_refill_fn refill;
	void *data;
	bool in_eof; /* the refill said: no more */
	bool done;
	const char *error;
};

bool gunzip_usable(const unsigned char *buf, size_t len)
{
	return len >= 3 && buf[0] == 0x1f && buf[1] == 0x8b && buf[2] == 8 && isal_load();
}

static void start_member(struct gunzip *g)
{
	uint8_t *in = g->st.next_in;
	uint32_t avail = g->st.avail_in;

	isal.reset(&g->st);
	g->st.next_in = in;
	g->st.avail_in = avail;
	g->st.crc_flag = ISAL_GZIP;
}

struct gunzip *gunzip_new(const unsigned char *buf, size_t len, gunzip_refill_fn refill, void *data)
{
	struct gunzip *g = xnew(struct gunzip, 1);

	isal.init(&g->st);
	g->st.next_in = (uint8_t *)buf;
	g->st.avail_in = (uint32_t)len;
	g->st.crc_flag = ISAL_GZIP;
	g->refill = refill;
	g->data = data;
	return g;
}

struct gunzip *gunzip_free(struct gunzip *g)
{
	free(g);
	return NULL;
}

const char *gunzip_error(const struct gunzip *g)
{
	return g->error;
}

static int more_input(struct gunzip *g)
{
	const unsigned char *buf = NULL;
	ssize_t n = g->refill(g->data, &buf);

	if (n < 0)
		return -1;
	if (n == 0)
		g->in_eof = true;
	g->st.next_in = (uint8_t *)buf;
	g->st.avail_in = (uint32_t)n;
	return 0;
}

static const char *isal_text(int r)
{
	switch (r) {
	case ISAL_INVALID_WRAPPER:
		return "gzip: not a gzip header";
	case ISAL_UNSUPPORTED_METHOD:
		return "gzip: not deflate data";
	case ISAL_INCORRECT_CHECKSUM:
		return "gzip: the CRC or the size in the trailer does not match the data";
	case ISAL_NEED_DICT:
		return "gzip: the stream needs a preset dictionary";
	default:
		return "gzip: invalid compressed data";
	}
}

ssize_t gunzip_read(struct gunzip *g, void *out, size_t cap)
{
	if (g->done || g->error)
		return g->error ? -1 : 0;
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	g->st.next_out = out;
	g->st.avail_out = (uint32_t)cap;
	while (g->st.avail_out == cap) {
		int r;

		if (g->st.block_state == ISAL_BLOCK_FINISH) {
			/* a member ended: another one follows, or the stream ends */
			if (g->st.avail_in == 0 && !g->in_eof && more_input(g) < 0)
				return -1;
			if (g->st.avail_in == 0) {
				g->done = true;
				return 0;
			}
			if (g->st.next_in[0] != 0x1f) {
				g->error =
					"gzip: data that is not gzip after the end of the stream";
				return -1;
			}
			start_member(g);
		}
		if (g->st.avail_in == 0) {
			if (g->in_eof) {
				g->error = "gzip: unexpected end of the stream";
				return -1;
			}
			if (more_input(g) < 0)
				return -1;
			continue;
		}
		r = isal.inflate(&g->st);
		if (r < 0 || r == ISAL_NEED_DICT) {
			g->error = isal_text(r);
			return -1;
		}
	}
	return (ssize_t)(cap - g->st.avail_out);
}
