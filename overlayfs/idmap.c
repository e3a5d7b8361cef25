#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "overlayfs/idmap.h"

/* A decimal id without sign or spaces, below 2^32. */
static int parse_id(const char *s, uint32_t *ret)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long long)(*s - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*ret = (uint32_t)v;
	return 0;
}

int ovl_idmap_parse(const char *s, const char *what, struct ovl_idmap *ret, struct pea_error **err)
{
	_cleanup_strv_ char **fields = NULL;
	_cleanup_free_ struct ovl_idmap_range *ranges = NULL;
	size_t n, count;

	/* Empty fields are errors, so split by hand instead of pea_strv_split. */
	for (const char *p = s;; p++) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == 0)
			return pea_error_new(err, EINVAL, "invalid %s '%s': empty field", what, s);
		pea_strv_push_take(&fields, xstrndup(p, len));
		if (pea_strv_length(fields) > 3 * OVL_IDMAP_MAX_RANGES)
			return pea_error_new(err, EINVAL, "invalid %s '%s': more than %d ranges",
					     what, s, OVL_IDMAP_MAX_RANGES);
		if (!end)
			break;
		p = end;
	}
	n = pea_strv_length(fields);
	if (n % 3 != 0)
		return pea_error_new(err, EINVAL,
				     "invalid %s '%s': expected triples FROM:TO:LENGTH", what, s);
	count = n / 3;
	ranges = xnew(struct ovl_idmap_range, count);
	for (size_t i = 0; i < count; i++) {
		struct ovl_idmap_range *r = &ranges[i];

		if (parse_id(fields[3 * i], &r->disk) < 0 ||
		    parse_id(fields[3 * i + 1], &r->mount) < 0 ||
		    parse_id(fields[3 * i + 2], &r->len) < 0)
			return pea_error_new(
				err, EINVAL, "invalid %s '%s': '%s:%s:%s' is not three ids", what,
				s, fields[3 * i], fields[3 * i + 1], fields[3 * i + 2]);
		if (r->len == 0)
			return pea_error_new(err, EINVAL, "invalid %s '%s': range %zu has length 0",
					     what, s, i + 1);
		if ((uint64_t)r->disk + r->len > (uint64_t)UINT32_MAX + 1 ||
		    (uint64_t)r->mount + r->len > (uint64_t)UINT32_MAX + 1)
			return pea_error_new(err, EINVAL,
					     "invalid %s '%s': range %zu goes past 2^32", what, s,
					     i + 1);
	}
	ovl_idmap_clear(ret);
	ret->ranges = TAKE_PTR(ranges);
	ret->n = count;
	return 0;
}

void ovl_idmap_clear(struct ovl_idmap *m)
{
	free(m->ranges);
	m->ranges = NULL;
	m->n = 0;
}

uint32_t ovl_idmap_to_mount(const struct ovl_idmap *m, uint32_t id, uint32_t overflow)
{
	if (m->n == 0)
		return id;
	for (size_t i = 0; i < m->n; i++) {
		const struct ovl_idmap_range *r = &m->ranges[i];

		if (id >= r->disk && id - r->disk < r->len)
			return r->mount + (id - r->disk);
	}
	return overflow;
}

uint32_t ovl_idmap_to_disk(const struct ovl_idmap *m, uint32_t id, uint32_t overflow)
{
	if (m->n == 0)
		return id;
	for (size_t i = 0; i < m->n; i++) {
		const struct ovl_idmap_range *r = &m->ranges[i];

		if (id >= r->mount && id - r->mount < r->len)
			return r->disk + (id - r->mount);
	}
	return overflow;
}
