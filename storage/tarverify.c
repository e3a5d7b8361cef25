#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/xalloc.h"
#include "tarverify.h"

#define META_MAX (1u << 20) /* pax and GNU long name contents kept */

struct xattr {
	char *name;
	char *value;
	size_t size;
};

struct entry {
	char *path; /* normalised: no "./", no trailing '/'; a whiteout's: its victim's */
	char *link;
	char type; /* the tar type; 'W' a whiteout, 'O' an opaque directory */
	size_t seq;
	unsigned mode;
	unsigned long uid, gid;
	uint64_t size;
	unsigned dev_major, dev_minor;
	struct xattr *xattrs;
	size_t n_xattrs;
};

struct tarverify {
	char hdr[512];
	size_t hdr_len;
	uint64_t skip; /* contents (and padding) still to pass */
	char *meta;    /* a pax or GNU long name record being read */
	uint64_t meta_len, meta_want, meta_pad;
	char meta_type;
	/* what the meta headers said for the next entry */
	char *pax_path, *pax_link, *long_name, *long_link;
	bool has_uid, has_gid, has_size;
	unsigned long pax_uid, pax_gid;
	uint64_t pax_size;
	struct xattr *xattrs;
	size_t n_xattrs;
	struct entry *entries;
	size_t n, cap;
	bool bad;
};

struct tarverify *tarverify_new(void)
{
	return xnew(struct tarverify, 1);
}

static void xattrs_free(struct xattr *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(x[i].name);
		free(x[i].value);
	}
	free(x);
}

static void meta_reset(struct tarverify *v)
{
	v->pax_path = (free(v->pax_path), NULL);
	v->pax_link = (free(v->pax_link), NULL);
	v->long_name = (free(v->long_name), NULL);
	v->long_link = (free(v->long_link), NULL);
	v->has_uid = v->has_gid = v->has_size = false;
	xattrs_free(v->xattrs, v->n_xattrs);
	v->xattrs = NULL;
	v->n_xattrs = 0;
}

void tarverify_free(struct tarverify *v)
{
	if (!v)
		return;
	meta_reset(v);
	free(v->meta);
	for (size_t i = 0; i < v->n; i++) {
		free(v->entries[i].path);
		free(v->entries[i].link);
		xattrs_free(v->entries[i].xattrs, v->entries[i].n_xattrs);
	}
	free(v->entries);
	free(v);
}

static uint64_t num(const char *f, size_t n)
{
	uint64_t x = 0;
	size_t i = 0;

	if ((unsigned char)f[0] & 0x80) {
		for (i = 1; i < n; i++)
			x = (x << 8) | (unsigned char)f[i];
		return x;
	}
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
		x = x * 8 + (uint64_t)(f[i] - '0');
	return x;
}

static char *field(const char *f, size_t n)
{
	return xstrndup(f, strnlen(f, n));
}

static void parse_pax(struct tarverify *v, const char *p, uint64_t n)
{
	uint64_t off = 0;

	while (off < n) {
		const char *rec = p + off, *sp, *eq;
		char *end;
		uint64_t len = strtoull(rec, &end, 10);
		size_t vlen;

		if (end == rec || *end != ' ' || len == 0 || len > n - off) {
			v->bad = true;
			return;
		}
		sp = end + 1;
		eq = memchr(sp, '=', (size_t)(rec + len - sp));
		if (!eq) {
			v->bad = true;
			return;
		}
		vlen = (size_t)(rec + len - 1 - (eq + 1)); /* without the newline */
#define KEY(k) ((size_t)(eq - sp) == strlen(k) && !memcmp(sp, k, strlen(k)))
		if (KEY("path"))
			free(v->pax_path), v->pax_path = xstrndup(eq + 1, vlen);
		else if (KEY("linkpath"))
			free(v->pax_link), v->pax_link = xstrndup(eq + 1, vlen);
		else if (KEY("uid"))
			v->has_uid = true, v->pax_uid = strtoul(eq + 1, NULL, 10);
		else if (KEY("gid"))
			v->has_gid = true, v->pax_gid = strtoul(eq + 1, NULL, 10);
		else if (KEY("size"))
			v->has_size = true, v->pax_size = strtoull(eq + 1, NULL, 10);
		else if (eq - sp > 13 && !memcmp(sp, "SCHILY.xattr.", 13)) {
			struct xattr *x;

			v->xattrs = xrealloc(v->xattrs, (v->n_xattrs + 1) * sizeof(*v->xattrs));
			x = &v->xattrs[v->n_xattrs++];
			x->name = xstrndup(sp + 13, (size_t)(eq - sp - 13));
			x->value = xmalloc(vlen + 1);
			memcpy(x->value, eq + 1, vlen);
			x->size = vlen;
		}
#undef KEY
		off += len;
	}
}

/* "./a/b/" -> "a/b"; "./" -> "" */
static char *normalise(const char *p)
{
	char *s, *e;

	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (*p == '/')
		p++;
	if (!strcmp(p, "."))
		p = "";
	s = xstrdup(p);
	e = s + strlen(s);
	while (e > s && e[-1] == '/')
		*--e = '\0';
	return s;
}

static void add_entry(struct tarverify *v, const char *h)
{
	_cleanup_free_ char *name = NULL;
	struct entry e = { 0 };
	const char *base;

	if (v->pax_path)
		name = xstrdup(v->pax_path);
	else if (v->long_name)
		name = xstrdup(v->long_name);
	else if (h[345] && !memcmp(h + 257, "ustar", 6)) {
		_cleanup_free_ char *prefix = field(h + 345, 155);
		_cleanup_free_ char *n = field(h, 100);

		name = xasprintf("%s/%s", prefix, n);
	} else
		name = field(h, 100);
	e.type = h[156] ? h[156] : '0';
	e.path = normalise(name);
	e.link = v->pax_link	? xstrdup(v->pax_link)
		 : v->long_link ? xstrdup(v->long_link)
				: field(h + 157, 100);
	e.mode = (unsigned)num(h + 100, 8) & 07777;
	e.uid = v->has_uid ? v->pax_uid : (unsigned long)num(h + 108, 8);
	e.gid = v->has_gid ? v->pax_gid : (unsigned long)num(h + 116, 8);
	e.size = v->has_size ? v->pax_size : num(h + 124, 12);
	e.dev_major = (unsigned)num(h + 329, 8);
	e.dev_minor = (unsigned)num(h + 337, 8);
	e.xattrs = TAKE_PTR(v->xattrs);
	e.n_xattrs = v->n_xattrs;
	v->n_xattrs = 0;
	e.seq = v->n;
	base = strrchr(e.path, '/');
	base = base ? base + 1 : e.path;
	if (!strcmp(base, ".wh..wh..opq")) {
		e.type = 'O';
		e.path[base > e.path ? base - e.path - 1 : 0] = '\0';
	} else if (!strncmp(base, ".wh.", 4)) {
		e.type = 'W';
		memmove((char *)base, base + 4, strlen(base + 4) + 1);
	}
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->entries = xrealloc(v->entries, v->cap * sizeof(*v->entries));
	}
	v->entries[v->n++] = e;
}

static void meta_done(struct tarverify *v);

static void header(struct tarverify *v)
{
	const char *h = v->hdr;
	char type = h[156];
	uint64_t size = num(h + 124, 12);
	bool zero = true;

	for (size_t i = 0; i < 512 && zero; i++)
		zero = !h[i];
	if (zero)
		return;
	if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
		if (size > META_MAX) {
			v->bad = true;
			return;
		}
		v->meta = xrealloc(v->meta, size + 1);
		v->meta_len = 0;
		v->meta_want = size;
		v->meta_pad = (size + 511) / 512 * 512 - size;
		v->meta_type = type;
		if (!size)
			meta_done(v);
		return;
	}
	add_entry(v, h);
	meta_reset(v);
	size = (type == '0' || type == '\0' || type == '7') ? v->entries[v->n - 1].size : 0;
	v->skip = (size + 511) / 512 * 512;
}

static void meta_done(struct tarverify *v)
{
	v->meta[v->meta_len] = '\0';
	if (v->meta_type == 'x')
		parse_pax(v, v->meta, v->meta_len);
	else if (v->meta_type == 'L')
		free(v->long_name), v->long_name = xstrdup(v->meta);
	else if (v->meta_type == 'K')
		free(v->long_link), v->long_link = xstrdup(v->meta);
	v->skip = v->meta_pad;
	v->meta_type = 0;
}

void tarverify_feed(void *data, const void *buf, size_t n)
{
	struct tarverify *v = data;
	const char *p = buf;

	while (n > 0 && !v->bad) {
		size_t k;

		if (v->skip) {
			k = v->skip < n ? (size_t)v->skip : n;
			v->skip -= k;
		} else if (v->meta_type) {
			k = v->meta_want - v->meta_len < n ? (size_t)(v->meta_want - v->meta_len)
							   : n;
			memcpy(v->meta + v->meta_len, p, k);
			v->meta_len += k;
			if (v->meta_len == v->meta_want)
				meta_done(v);
		} else {
			k = 512 - v->hdr_len < n ? 512 - v->hdr_len : n;
			memcpy(v->hdr + v->hdr_len, p, k);
			v->hdr_len += k;
			if (v->hdr_len == 512) {
				v->hdr_len = 0;
				header(v);
			}
		}
		p += k;
		n -= k;
	}
}

static int by_path(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static char *check_xattrs(int rootfd, const struct entry *e)
{
	for (size_t i = 0; i < e->n_xattrs; i++) {
		const struct xattr *x = &e->xattrs[i];
		_cleanup_free_ char *path = xasprintf("/proc/self/fd/%d/%s", rootfd, e->path);
		_cleanup_free_ char *have = xmalloc(x->size + 1);
		ssize_t got;

		/* the apply drops overlay attributes */
		if (!strncmp(x->name, "trusted.overlay.", 16) ||
		    !strncmp(x->name, "user.overlay.", 13))
			continue;
		got = lgetxattr(path, x->name, have, x->size + 1);
		if (got < 0 &&
		    (errno == ENOTSUP || (errno == ENODATA && strncmp(x->name, "user.", 5))))
			continue; /* not settable here: the apply warned and went on */
		if (got != (ssize_t)x->size || memcmp(have, x->value, x->size))
			return xasprintf("'%s' has lost its attribute '%s'", e->path, x->name);
	}
	return NULL;
}

static char *check_entry(int rootfd, const struct entry *e, const struct tarverify_options *o)
{
	struct stat st;
	mode_t want;

	if (e->type == 'O') {
		char val[8];
		_cleanup_free_ char *path =
			xasprintf("/proc/self/fd/%d/%s", rootfd, *e->path ? e->path : ".");

		if (lgetxattr(path, o->opaque_xattr, val, sizeof(val)) != 1 || val[0] != 'y')
			return xasprintf("'%s' is no longer opaque", *e->path ? e->path : "/");
		return NULL;
	}
	if (!*e->path)
		return NULL; /* the root's mode follows the parent's (settle_root_mode) */
	if (fstatat(rootfd, e->path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return xasprintf("'%s' is gone (%s)", e->path, strerror(errno));
	switch (e->type) {
	case 'W':
		if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(0, 0))
			return xasprintf("the whiteout '%s' is gone", e->path);
		return NULL;
	case '1': {
		struct stat t;
		_cleanup_free_ char *target = normalise(e->link);

		if (fstatat(rootfd, target, &t, AT_SYMLINK_NOFOLLOW) < 0 || t.st_ino != st.st_ino)
			return xasprintf("'%s' is no longer a hard link of '%s'", e->path, target);
		return NULL;
	}
	case '2': {
		char have[4097];
		ssize_t n = readlinkat(rootfd, e->path, have, sizeof(have) - 1);

		if (n < 0 || (have[n] = '\0', strcmp(have, e->link)))
			return xasprintf("the symbolic link '%s' is lost", e->path);
		break;
	}
	case '0':
	case '7':
		want = S_IFREG;
		if (!S_ISREG(st.st_mode))
			return xasprintf("'%s' is no longer a file", e->path);
		if ((uint64_t)st.st_size != e->size)
			return xasprintf("'%s' has another size than when it was applied", e->path);
		break;
	case '3':
	case '4':
		want = e->type == '3' ? S_IFCHR : S_IFBLK;
		if ((st.st_mode & S_IFMT) != want ||
		    st.st_rdev != makedev(e->dev_major, e->dev_minor))
			return xasprintf("the device '%s' is lost", e->path);
		break;
	case '5':
		if (!S_ISDIR(st.st_mode))
			return xasprintf("the directory '%s' is lost", e->path);
		break;
	case '6':
		if (!S_ISFIFO(st.st_mode))
			return xasprintf("the fifo '%s' is lost", e->path);
		break;
	default:
		return NULL;
	}
	if (e->type != '2' && (st.st_mode & 07777) != e->mode)
		return xasprintf("'%s' has mode %04o, not %04o", e->path, st.st_mode & 07777,
				 e->mode);
	if (o->check_owner && (st.st_uid != e->uid || st.st_gid != e->gid))
		return xasprintf("'%s' is owned by %u:%u, not %lu:%lu", e->path, st.st_uid,
				 st.st_gid, e->uid, e->gid);
	return check_xattrs(rootfd, e);
}

char *tarverify_finish(struct tarverify *v, int rootfd, const struct tarverify_options *o)
{
	_cleanup_free_ struct entry **sorted = NULL;
	char *why = NULL;

	if (v->bad || v->skip || v->meta_type || v->hdr_len)
		return xstrdup("its tar-split record does not read as a tar");
	sorted = xnew(struct entry *, v->n + 1);
	for (size_t i = 0; i < v->n; i++)
		sorted[i] = &v->entries[i];
	qsort(sorted, v->n, sizeof(*sorted), by_path);
	/* per path, the entry the apply left: the last, but a whiteout of what this layer
	 * created is ignored (whiteouts only hide lower layers) */
	for (size_t i = 0; i < v->n && !why; i++) {
		const struct entry *keep = NULL;
		size_t j = i;

		if (sorted[i]->type == 'O') {
			why = check_entry(rootfd, sorted[i], o);
			continue;
		}
		for (; j < v->n && !strcmp(sorted[j]->path, sorted[i]->path) &&
		       sorted[j]->type != 'O';
		     j++)
			if (sorted[j]->type != 'W' || !keep || keep->type == 'W')
				keep = sorted[j];
		why = check_entry(rootfd, keep, o);
		i = j - 1;
	}
	return why;
}
