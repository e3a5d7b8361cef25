/* linux.resources of config.json (and of `update --resources`): parsed strictly. */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#include "spec.h"

#define RES_MAX_ENTRIES 1024

static int __attribute__((format(printf, 3, 4)))
res_error(struct pea_error **err, const char *path, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	return pea_error_new(err, EINVAL, "%s: %s", path, msg);
}

/*
 * runc reads config.json with Go's encoding/json, which matches a key to a
 * field ignoring case when no key matches exactly: its tests write
 * resources.CPU.Cpus. Go fills the field from each such key in document order:
 * a later scalar or array replaces the earlier one, a later object is decoded
 * into the earlier one (a struct or a map keeps what the later one does not
 * name). So keys that are a known one but for their case are folded into the
 * known one here, in order, the same way.
 */
static void go_decode_into(struct json_object *dst, struct json_object *src)
{
	json_object_object_foreach(src, key, val)
	{
		struct json_object *have = NULL;

		if (json_object_object_get_ex(dst, key, &have) &&
		    json_object_is_type(have, json_type_object) &&
		    json_object_is_type(val, json_type_object)) {
			go_decode_into(have, val);
			continue;
		}
		/* deleted first: the later value also takes the later place */
		json_object_object_del(dst, key);
		json_object_object_add(dst, key, json_object_get(val));
	}
}

static const char *known_key(const char *const *keys, const char *key)
{
	for (size_t i = 0; keys[i]; i++)
		if (strcmp(keys[i], key) == 0)
			return keys[i];
	for (size_t i = 0; keys[i]; i++)
		if (strcasecmp(keys[i], key) == 0)
			return keys[i];
	return NULL;
}

static void canonical_keys(struct json_object *obj, const char *const *keys)
{
	_cleanup_json_ struct json_object *out = json_object_new_object();
	_cleanup_strv_ char **old = NULL;
	bool renamed = false;

	json_object_object_foreach(obj, key, val)
	{
		const char *name = known_key(keys, key);
		struct json_object *have = NULL;

		if (!name)
			name = key;
		renamed = renamed || strcmp(name, key) != 0;
		pea_strv_push(&old, key);
		if (json_object_object_get_ex(out, name, &have) &&
		    json_object_is_type(have, json_type_object) &&
		    json_object_is_type(val, json_type_object))
			go_decode_into(have, val);
		else
			json_object_object_add(out, name, json_object_get(val));
	}
	if (!renamed)
		return;
	for (size_t i = 0; old && old[i]; i++)
		json_object_object_del(obj, old[i]);
	json_object_object_foreach(out, k2, v2)
	{
		json_object_object_add(obj, k2, json_object_get(v2));
	}
}

/* Only the keys listed are allowed in obj; anything else is named as unknown. */
static int only_keys(struct json_object *obj, const char *path, const char *const *keys,
		     struct pea_error **err)
{
	canonical_keys(obj, keys);
	json_object_object_foreach(obj, key, val)
	{
		bool known = false;

		(void)val;
		for (size_t i = 0; keys[i]; i++)
			known = known || strcmp(keys[i], key) == 0;
		if (!known) {
			_cleanup_free_ char *full = pea_json_path_key(path, key);

			return res_error(err, full, "unknown or unsupported field");
		}
	}
	return 0;
}

static int get_obj(struct json_object *o, const char *path, const char *key,
		   const char *const *keys, struct json_object **ret, char **ret_path,
		   struct pea_error **err)
{
	*ret = NULL;
	if (pea_json_get_object_opt(o, path, key, ret, err) < 0)
		return -EINVAL;
	*ret_path = pea_json_path_key(path, key);
	if (*ret && only_keys(*ret, *ret_path, keys, err) < 0)
		return -EINVAL;
	return 0;
}

static int parse_memory(struct json_object *res, const char *path, struct spec_resources *r,
			struct pea_error **err)
{
	static const char *const keys[] = { "limit",
					    "reservation",
					    "swap",
					    "kernel",
					    "kernelTCP",
					    "swappiness",
					    "disableOOMKiller",
					    "useHierarchy",
					    "checkBeforeUpdate",
					    NULL };
	_cleanup_free_ char *mp = NULL;
	struct json_object *m;
	int64_t ignored;
	int r1, r2, r3;

	if (get_obj(res, path, "memory", keys, &m, &mp, err) < 0)
		return -EINVAL;
	if (!m)
		return 0;
	r1 = pea_json_get_int64_opt(m, mp, "limit", &r->mem_limit, err);
	if (r1 < 0)
		return -EINVAL;
	r2 = pea_json_get_int64_opt(m, mp, "reservation", &r->mem_reservation, err);
	if (r2 < 0)
		return -EINVAL;
	r3 = pea_json_get_int64_opt(m, mp, "swap", &r->mem_swap, err);
	if (r3 < 0)
		return -EINVAL;
	r->has_mem_limit = r1 > 0;
	r->has_mem_reservation = r2 > 0;
	r->has_mem_swap = r3 > 0;
	/* kernel and kernelTCP are deprecated: the kernel ignores them since 5.4, so do we */
	if (pea_json_get_int64_opt(m, mp, "kernel", &ignored, err) < 0 ||
	    pea_json_get_int64_opt(m, mp, "kernelTCP", &ignored, err) < 0)
		return -EINVAL;
	r1 = pea_json_get_uint64_opt(m, mp, "swappiness", &r->swappiness, err);
	if (r1 < 0 ||
	    pea_json_get_bool_opt(m, mp, "disableOOMKiller", &r->disable_oom_killer, err) < 0)
		return -EINVAL;
	r->has_swappiness = r1 > 0;
	if (r->has_swappiness && r->swappiness > 100)
		return res_error(err, mp, "swappiness must be 0 to 100");
	if (r->has_mem_limit && r->mem_limit < -1)
		return res_error(err, mp, "limit must be -1 (unlimited) or a number of bytes");
	if (r->has_mem_limit && r->mem_limit >= 0 && r->mem_limit < 4096)
		return res_error(err, mp, "limit %lld is below one page", (long long)r->mem_limit);
	if (r->has_mem_swap && r->mem_swap < -1)
		return res_error(err, mp, "swap must be -1 (unlimited) or a number of bytes");
	if (r->has_mem_swap && r->has_mem_limit && r->mem_swap >= 0 &&
	    (r->mem_limit < 0 || r->mem_swap < r->mem_limit))
		return res_error(err, mp, "swap (memory+swap) must not be below limit");
	return 0;
}

static int get_string_dup(struct json_object *o, const char *path, const char *key, char **ret,
			  struct pea_error **err)
{
	const char *v = NULL;

	if (pea_json_get_string_opt(o, path, key, &v, err) < 0)
		return -EINVAL;
	if (v && *v) {
		if (strspn(v, "0123456789,-") != strlen(v))
			return res_error(err, path, "%s: '%s' is not a list like 0-2,4", key, v);
		free(*ret);
		*ret = xstrdup(v);
	}
	return 0;
}

static int parse_cpu(struct json_object *res, const char *path, struct spec_resources *r,
		     struct pea_error **err)
{
	static const char *const keys[] = { "shares",	      "quota", "period", "realtimeRuntime",
					    "realtimePeriod", "cpus",  "mems",	 "idle",
					    "burst",	      NULL };
	_cleanup_free_ char *cp = NULL;
	struct json_object *c;
	int r1, r2, r3, r4, r5;

	if (get_obj(res, path, "cpu", keys, &c, &cp, err) < 0)
		return -EINVAL;
	if (!c)
		return 0;
	if ((r1 = pea_json_get_uint64_opt(c, cp, "shares", &r->cpu_shares, err)) < 0 ||
	    (r2 = pea_json_get_int64_opt(c, cp, "quota", &r->cpu_quota, err)) < 0 ||
	    (r3 = pea_json_get_uint64_opt(c, cp, "period", &r->cpu_period, err)) < 0 ||
	    (r4 = pea_json_get_int64_opt(c, cp, "realtimeRuntime", &r->rt_runtime, err)) < 0 ||
	    (r5 = pea_json_get_uint64_opt(c, cp, "realtimePeriod", &r->rt_period, err)) < 0)
		return -EINVAL;
	r->has_cpu_shares = r1 > 0 && r->cpu_shares > 0;
	r->has_cpu_quota = r2 > 0 && r->cpu_quota != 0;
	r->has_cpu_period = r3 > 0 && r->cpu_period > 0;
	r->has_rt_runtime = r4 > 0 && r->rt_runtime != 0;
	r->has_rt_period = r5 > 0 && r->rt_period > 0;
	if (r->has_cpu_shares && (r->cpu_shares < 2 || r->cpu_shares > 262144))
		return res_error(err, cp, "shares must be 2 to 262144");
	if (r->has_cpu_quota && r->cpu_quota < -1)
		return res_error(err, cp, "quota must be -1 (unlimited) or microseconds");
	if (r->has_cpu_quota && r->cpu_quota >= 0 && r->cpu_quota < 1000)
		return res_error(err, cp, "quota must be at least 1000 microseconds");
	if (r->has_cpu_period && (r->cpu_period < 1000 || r->cpu_period > 1000000))
		return res_error(err, cp, "period must be 1000 to 1000000 microseconds");
	if (get_string_dup(c, cp, "cpus", &r->cpus, err) < 0 ||
	    get_string_dup(c, cp, "mems", &r->mems, err) < 0)
		return -EINVAL;
	return 0;
}

static int parse_pids(struct json_object *res, const char *path, struct spec_resources *r,
		      struct pea_error **err)
{
	static const char *const keys[] = { "limit", NULL };
	_cleanup_free_ char *pp = NULL;
	struct json_object *p;
	int r1;

	if (get_obj(res, path, "pids", keys, &p, &pp, err) < 0)
		return -EINVAL;
	if (!p)
		return 0;
	r1 = pea_json_get_int64_opt(p, pp, "limit", &r->pids_limit, err);
	if (r1 < 0)
		return -EINVAL;
	r->has_pids_limit = r1 > 0;
	return 0;
}

static int parse_major_minor(struct json_object *e, const char *path, uint32_t *major,
			     uint32_t *minor, struct pea_error **err)
{
	int64_t ma = -1, mi = -1;

	if (pea_json_expect_object(e, path, err) < 0 ||
	    pea_json_get_int64_req(e, path, "major", &ma, err) < 0 ||
	    pea_json_get_int64_req(e, path, "minor", &mi, err) < 0)
		return -EINVAL;
	if (ma < 0 || mi < 0 || ma > 0xfff || mi > 0xfffff)
		return res_error(err, path, "invalid device number %lld:%lld", (long long)ma,
				 (long long)mi);
	*major = (uint32_t)ma;
	*minor = (uint32_t)mi;
	return 0;
}

static int get_array(struct json_object *o, const char *path, const char *key,
		     struct json_object **ret, char **ret_path, struct pea_error **err)
{
	*ret = NULL;
	if (pea_json_get_array_opt(o, path, key, ret, err) < 0)
		return -EINVAL;
	*ret_path = pea_json_path_key(path, key);
	if (*ret && json_object_array_length(*ret) > RES_MAX_ENTRIES)
		return res_error(err, *ret_path, "too many entries");
	return 0;
}

static int parse_throttle(struct json_object *b, const char *path, const char *key,
			  struct spec_throttle **ret, size_t *ret_n, struct pea_error **err)
{
	_cleanup_free_ char *ap = NULL;
	struct json_object *arr;
	size_t n;

	if (get_array(b, path, key, &arr, &ap, err) < 0)
		return -EINVAL;
	if (!arr)
		return 0;
	n = json_object_array_length(arr);
	*ret = xnew(struct spec_throttle, n + 1);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *ep = pea_json_path_index(ap, i);
		struct json_object *e = json_object_array_get_idx(arr, i);
		struct spec_throttle *t = &(*ret)[i];

		if (parse_major_minor(e, ep, &t->major, &t->minor, err) < 0 ||
		    pea_json_get_uint64_opt(e, ep, "rate", &t->rate, err) < 0)
			return -EINVAL;
		*ret_n = i + 1;
	}
	return 0;
}

static int get_weight(struct json_object *o, const char *path, const char *key, uint16_t *ret,
		      bool *has, struct pea_error **err)
{
	uint64_t v = 0;
	int r = pea_json_get_uint64_opt(o, path, key, &v, err);

	if (r < 0)
		return -EINVAL;
	if (r == 0 || v == 0)
		return 0;
	if (v < 10 || v > 1000)
		return res_error(err, path, "%s must be 10 to 1000", key);
	*ret = (uint16_t)v;
	*has = true;
	return 0;
}

static int parse_blockio(struct json_object *res, const char *path, struct spec_resources *r,
			 struct pea_error **err)
{
	static const char *const keys[] = { "weight",
					    "leafWeight",
					    "weightDevice",
					    "throttleReadBpsDevice",
					    "throttleWriteBpsDevice",
					    "throttleReadIOPSDevice",
					    "throttleWriteIOPSDevice",
					    NULL };
	static const char *const tkeys[THROTTLE_COUNT] = { "throttleReadBpsDevice",
							   "throttleWriteBpsDevice",
							   "throttleReadIOPSDevice",
							   "throttleWriteIOPSDevice" };
	_cleanup_free_ char *bp = NULL, *wp = NULL;
	struct json_object *b, *arr;
	size_t n;

	if (get_obj(res, path, "blockIO", keys, &b, &bp, err) < 0)
		return -EINVAL;
	if (!b)
		return 0;
	if (get_weight(b, bp, "weight", &r->blkio_weight, &r->has_blkio_weight, err) < 0 ||
	    get_weight(b, bp, "leafWeight", &r->blkio_leaf_weight, &r->has_blkio_leaf_weight, err) <
		    0)
		return -EINVAL;
	for (int k = 0; k < THROTTLE_COUNT; k++)
		if (parse_throttle(b, bp, tkeys[k], &r->throttle[k], &r->n_throttle[k], err) < 0)
			return -EINVAL;
	if (get_array(b, bp, "weightDevice", &arr, &wp, err) < 0)
		return -EINVAL;
	n = arr ? json_object_array_length(arr) : 0;
	r->weight_devices = xnew(struct spec_weight_device, n + 1);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *ep = pea_json_path_index(wp, i);
		struct json_object *e = json_object_array_get_idx(arr, i);
		struct spec_weight_device *w = &r->weight_devices[i];

		if (parse_major_minor(e, ep, &w->major, &w->minor, err) < 0 ||
		    get_weight(e, ep, "weight", &w->weight, &w->has_weight, err) < 0 ||
		    get_weight(e, ep, "leafWeight", &w->leaf_weight, &w->has_leaf_weight, err) < 0)
			return -EINVAL;
		r->n_weight_devices = i + 1;
	}
	return 0;
}

/* "2MB", "1GB", "64KB": a number and a unit, as the hugetlb files are named. */
static bool valid_pagesize(const char *s)
{
	size_t d = strspn(s, "0123456789");

	return d > 0 && d < 8 && s[0] != '0' &&
	       (strcmp(s + d, "KB") == 0 || strcmp(s + d, "MB") == 0 || strcmp(s + d, "GB") == 0);
}

static int parse_hugepages(struct json_object *res, const char *path, struct spec_resources *r,
			   struct pea_error **err)
{
	_cleanup_free_ char *ap = NULL;
	struct json_object *arr;
	size_t n;

	if (get_array(res, path, "hugepageLimits", &arr, &ap, err) < 0)
		return -EINVAL;
	n = arr ? json_object_array_length(arr) : 0;
	r->hugepages = xnew(struct spec_hugepage, n + 1);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *ep = pea_json_path_index(ap, i);
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *size = NULL;

		if (pea_json_expect_object(e, ep, err) < 0 ||
		    pea_json_get_string_req(e, ep, "pageSize", &size, err) < 0 ||
		    pea_json_get_uint64_opt(e, ep, "limit", &r->hugepages[i].limit, err) < 0)
			return -EINVAL;
		if (!valid_pagesize(size))
			return res_error(err, ep, "pageSize '%s' is not like 2MB or 1GB", size);
		r->hugepages[i].pagesize = xstrdup(size);
		r->n_hugepages = i + 1;
	}
	return 0;
}

/*
 * The r, w and m of access, in that order, into out[4]; other letters are
 * dropped, as runc drops them (its own tests write "rwa"). < 0: none of them.
 */
static int dev_access(const char *access, char out[4])
{
	size_t n = 0;

	for (const char *p = "rwm"; *p; p++)
		if (strchr(access, *p))
			out[n++] = *p;
	out[n] = '\0';
	return n ? 0 : -EINVAL;
}

static int parse_dev_rules(struct json_object *res, const char *path, struct spec_resources *r,
			   struct pea_error **err)
{
	_cleanup_free_ char *ap = NULL;
	struct json_object *arr;
	size_t n;

	if (get_array(res, path, "devices", &arr, &ap, err) < 0)
		return -EINVAL;
	n = arr ? json_object_array_length(arr) : 0;
	r->devices = xnew(struct spec_dev_rule, n + 1);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *ep = pea_json_path_index(ap, i);
		struct json_object *e = json_object_array_get_idx(arr, i);
		struct spec_dev_rule *d = &r->devices[i];
		const char *type = NULL, *access = NULL;
		int rm, rn;

		d->major = d->minor = -1;
		if (pea_json_expect_object(e, ep, err) < 0 ||
		    pea_json_get_bool_req(e, ep, "allow", &d->allow, err) < 0 ||
		    pea_json_get_string_opt(e, ep, "type", &type, err) < 0 ||
		    pea_json_get_string_opt(e, ep, "access", &access, err) < 0 ||
		    (rm = pea_json_get_int64_opt(e, ep, "major", &d->major, err)) < 0 ||
		    (rn = pea_json_get_int64_opt(e, ep, "minor", &d->minor, err)) < 0)
			return -EINVAL;
		if (!type || !*type)
			type = "a";
		if (strlen(type) != 1 || !strchr("acb", type[0]))
			return res_error(err, ep, "type '%s' is not a, c or b", type);
		d->type = type[0];
		if (!access || !*access)
			access = "rwm";
		if (dev_access(access, d->access) < 0)
			return res_error(err, ep, "access '%s' has none of r, w, m", access);
		if (strspn(access, "rwm") != strlen(access))
			log_warning("%s: access '%s': only r, w and m mean something, ignoring the "
				    "rest",
				    ep, access);
		if ((rm > 0 && (d->major < -1 || d->major > 0xfff)) ||
		    (rn > 0 && (d->minor < -1 || d->minor > 0xfffff)))
			return res_error(err, ep, "invalid device number");
		r->n_devices = i + 1;
	}
	return 0;
}

static int parse_unified(struct json_object *res, const char *path, struct spec_resources *r,
			 struct pea_error **err)
{
	_cleanup_free_ char *up = NULL;
	struct json_object *u = NULL;
	size_t n = 0;

	if (pea_json_get_object_opt(res, path, "unified", &u, err) < 0)
		return -EINVAL;
	if (!u)
		return 0;
	up = pea_json_path_key(path, "unified");
	if (json_object_object_length(u) > RES_MAX_ENTRIES)
		return res_error(err, up, "too many entries");
	r->unified = xnew(struct spec_sysctl, (size_t)json_object_object_length(u) + 1);
	json_object_object_foreach(u, key, val)
	{
		_cleanup_free_ char *kp = pea_json_path_key(up, key);

		if (!json_object_is_type(val, json_type_string))
			return res_error(err, kp, "must be a string");
		if (!*key || strchr(key, '/') || key[0] == '.' || !strchr(key, '.'))
			return res_error(err, kp, "'%s' is not a cgroup file name", key);
		if (strncmp(key, "cgroup.", 7) == 0)
			return res_error(err, kp, "the cgroup.* files are the runtime's");
		r->unified[n].key = xstrdup(key);
		r->unified[n].value = xstrdup(json_object_get_string(val));
		r->n_unified = ++n;
	}
	return 0;
}

int spec_resources_parse(struct json_object *res, const char *path, struct spec_resources *ret,
			 struct pea_error **err)
{
	static const char *const keys[] = { "devices", "memory",  "cpu",
					    "pids",    "blockIO", "hugepageLimits",
					    "unified", "network", "rdma",
					    NULL };
	struct json_object *v = NULL;

	if (pea_json_expect_object(res, path, err) < 0 || only_keys(res, path, keys, err) < 0)
		return -EINVAL;
	/*
	 * net_cls/net_prio and rdma: controllers no cgroup v2 host has, and
	 * left unmounted on v1 ones: refused, and features says so.
	 */
	if (json_object_object_get_ex(res, "network", &v) && v &&
	    json_object_is_type(v, json_type_object) && json_object_object_length(v) > 0)
		return res_error(err, path,
				 "network: not supported by pea-runtime (net_cls/net_prio)");
	if (json_object_object_get_ex(res, "rdma", &v) && v &&
	    json_object_is_type(v, json_type_object) && json_object_object_length(v) > 0)
		return res_error(err, path,
				 "rdma: not supported by pea-runtime (the rdma controller)");
	if (parse_memory(res, path, ret, err) < 0 || parse_cpu(res, path, ret, err) < 0 ||
	    parse_pids(res, path, ret, err) < 0 || parse_blockio(res, path, ret, err) < 0 ||
	    parse_hugepages(res, path, ret, err) < 0 || parse_dev_rules(res, path, ret, err) < 0 ||
	    parse_unified(res, path, ret, err) < 0)
		return -EINVAL;
	return 0;
}

void spec_resources_clear(struct spec_resources *r)
{
	free(r->cpus);
	free(r->mems);
	free(r->weight_devices);
	for (int k = 0; k < THROTTLE_COUNT; k++)
		free(r->throttle[k]);
	for (size_t i = 0; i < r->n_hugepages; i++)
		free(r->hugepages[i].pagesize);
	free(r->hugepages);
	free(r->devices);
	for (size_t i = 0; i < r->n_unified; i++) {
		free(r->unified[i].key);
		free(r->unified[i].value);
	}
	free(r->unified);
	memset(r, 0, sizeof(*r));
}
