#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/xalloc.h"

#include "cgroup.h"
#include "runtime.h"
#include "spec.h"
#include "state.h"

static const char update_usage[] =
	"Usage: pea-runtime update [OPTIONS] ID\n"
	"\n"
	"Change the resource limits of a running container.\n"
	"\n"
	"  -r, --resources FILE        linux.resources JSON from FILE ('-': stdin)\n"
	"      --memory BYTES          memory limit (k, m, g suffixes; -1: none)\n"
	"      --memory-reservation BYTES\n"
	"      --memory-swap BYTES     memory+swap limit\n"
	"      --cpu-shares N          (--cpu-share too)\n"
	"      --cpu-quota US          CFS quota (-1: none)\n"
	"      --cpu-period US\n"
	"      --cpu-rt-runtime US, --cpu-rt-period US\n"
	"      --cpuset-cpus LIST, --cpuset-mems LIST\n"
	"      --pids-limit N          (0 or -1: none)\n"
	"      --blkio-weight N        10 to 1000\n";

enum {
	OPT_MEMORY = 256,
	OPT_MEMORY_RES,
	OPT_MEMORY_SWAP,
	OPT_KERNEL_MEMORY,
	OPT_KERNEL_TCP,
	OPT_SHARES,
	OPT_QUOTA,
	OPT_PERIOD,
	OPT_RT_RUNTIME,
	OPT_RT_PERIOD,
	OPT_CPUS,
	OPT_MEMS,
	OPT_PIDS,
	OPT_BLKIO,
	OPT_L3,
	OPT_MEMBW,
};

/* "64m", "1g", "1024", "-1" */
static int parse_bytes(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (v == -1 && !*end) {
		*ret = -1;
		return 0;
	}
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || v < 0)
		return -1;
	*ret = v;
	return 0;
}

static int parse_num(const char *opt, const char *s, int64_t *ret, struct pea_error **err)
{
	char *end;

	errno = 0;
	*ret = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return runtime_usage_error(err, "update", "--%s: '%s' is not a number", opt, s);
	return 0;
}

/*
 * What update was asked: a linux.resources object from --resources, and the
 * options, which win over it field by field (as with runc).
 */
struct update_request {
	struct json_object *file; /* --resources, or NULL */
	struct spec_resources flags;
};

static int read_resources(const char *file, struct json_object **ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = NULL;
	_cleanup_close_ int fd = -1;
	struct spec_resources check = { 0 };
	int r;

	fd = strcmp(file, "-") == 0 ? dup(0) : open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "--resources '%s'", file);
	if (pea_json_parse_fd(fd, 1 << 20, file, &o, err) < 0)
		return -EINVAL;
	if (!o || !json_object_is_type(o, json_type_object))
		return pea_error_new(err, EINVAL, "%s: not a JSON object", file);
	/* checked here, so that its errors name the file */
	r = spec_resources_parse(o, file, &check, err);
	spec_resources_clear(&check);
	if (r < 0)
		return r;
	json_object_put(*ret);
	*ret = TAKE_PTR(o);
	return 0;
}

static struct json_object *obj_child(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object)) {
		v = json_object_new_object();
		json_object_object_add(o, key, v);
	}
	return v;
}

/* The options as a linux.resources object. */
static struct json_object *flags_to_json(const struct spec_resources *f)
{
	struct json_object *o = json_object_new_object(), *m, *c;

	if (f->has_mem_limit || f->has_mem_reservation || f->has_mem_swap) {
		m = obj_child(o, "memory");
		if (f->has_mem_limit)
			json_object_object_add(m, "limit", json_object_new_int64(f->mem_limit));
		if (f->has_mem_reservation)
			json_object_object_add(m, "reservation",
					       json_object_new_int64(f->mem_reservation));
		if (f->has_mem_swap)
			json_object_object_add(m, "swap", json_object_new_int64(f->mem_swap));
	}
	if (f->has_cpu_shares || f->has_cpu_quota || f->has_cpu_period || f->has_rt_runtime ||
	    f->has_rt_period || f->cpus || f->mems) {
		c = obj_child(o, "cpu");
		if (f->has_cpu_shares)
			json_object_object_add(c, "shares", json_object_new_uint64(f->cpu_shares));
		if (f->has_cpu_quota)
			json_object_object_add(c, "quota", json_object_new_int64(f->cpu_quota));
		if (f->has_cpu_period)
			json_object_object_add(c, "period", json_object_new_uint64(f->cpu_period));
		if (f->has_rt_runtime)
			json_object_object_add(c, "realtimeRuntime",
					       json_object_new_int64(f->rt_runtime));
		if (f->has_rt_period)
			json_object_object_add(c, "realtimePeriod",
					       json_object_new_uint64(f->rt_period));
		if (f->cpus)
			json_object_object_add(c, "cpus", json_object_new_string(f->cpus));
		if (f->mems)
			json_object_object_add(c, "mems", json_object_new_string(f->mems));
	}
	if (f->has_pids_limit)
		json_object_object_add(obj_child(o, "pids"), "limit",
				       json_object_new_int64(f->pids_limit));
	if (f->has_blkio_weight)
		json_object_object_add(obj_child(o, "blockIO"), "weight",
				       json_object_new_int(f->blkio_weight));
	return o;
}

/* dst gets every key of src: objects merged key by key, anything else replaced. */
static void merge_json(struct json_object *dst, struct json_object *src)
{
	json_object_object_foreach(src, key, val)
	{
		struct json_object *cur = NULL;

		if (json_object_is_type(val, json_type_object) &&
		    json_object_object_get_ex(dst, key, &cur) &&
		    json_object_is_type(cur, json_type_object)) {
			merge_json(cur, val);
			continue;
		}
		cur = NULL;
		json_object_deep_copy(val, &cur, NULL);
		json_object_object_add(dst, key, cur);
	}
}

/*
 * Files written as pairs need the other half when only one is updated
 * (cgroup v2 cpu.max is "quota period"; memory.swap.max is swap - limit):
 * take it from what the container has now.
 */
static void complete_pairs(struct spec_resources *r, const struct spec_resources *now)
{
	if (r->has_cpu_period && !r->has_cpu_quota && now->has_cpu_quota) {
		r->cpu_quota = now->cpu_quota;
		r->has_cpu_quota = true;
	}
	if (r->has_cpu_quota && !r->has_cpu_period && now->has_cpu_period) {
		r->cpu_period = now->cpu_period;
		r->has_cpu_period = true;
	}
	if (r->has_mem_swap && !r->has_mem_limit && now->has_mem_limit) {
		r->mem_limit = now->mem_limit;
		r->has_mem_limit = true;
	}
}

static int parse_update(int argc, char **argv, struct update_request *req, int *ret_idx,
			struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "resources", required_argument, NULL, 'r' },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "memory-reservation", required_argument, NULL, OPT_MEMORY_RES },
		{ "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
		{ "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
		{ "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_TCP },
		{ "cpu-share", required_argument, NULL, OPT_SHARES },
		{ "cpu-shares", required_argument, NULL, OPT_SHARES },
		{ "cpu-quota", required_argument, NULL, OPT_QUOTA },
		{ "cpu-period", required_argument, NULL, OPT_PERIOD },
		{ "cpu-rt-runtime", required_argument, NULL, OPT_RT_RUNTIME },
		{ "cpu-rt-period", required_argument, NULL, OPT_RT_PERIOD },
		{ "cpuset-cpus", required_argument, NULL, OPT_CPUS },
		{ "cpuset-mems", required_argument, NULL, OPT_MEMS },
		{ "pids-limit", required_argument, NULL, OPT_PIDS },
		{ "blkio-weight", required_argument, NULL, OPT_BLKIO },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct spec_resources *r = &req->flags;
	int64_t v;
	int opt;

	/* 0, not 1: getopt starts over and permutes (runc takes options after the ID) */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "r:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (read_resources(optarg, &req->file, err) < 0)
				return -EINVAL;
			break;
		case OPT_MEMORY:
		case OPT_MEMORY_RES:
		case OPT_MEMORY_SWAP:
			if (parse_bytes(optarg, &v) < 0)
				return runtime_usage_error(
					err, "update", "--%s: '%s' is not a size",
					opt == OPT_MEMORY	? "memory"
					: opt == OPT_MEMORY_RES ? "memory-reservation"
								: "memory-swap",
					optarg);
			if (opt == OPT_MEMORY) {
				r->mem_limit = v;
				r->has_mem_limit = true;
			} else if (opt == OPT_MEMORY_RES) {
				r->mem_reservation = v;
				r->has_mem_reservation = true;
			} else {
				r->mem_swap = v;
				r->has_mem_swap = true;
			}
			break;
		case OPT_KERNEL_MEMORY:
		case OPT_KERNEL_TCP:
			break; /* deprecated, ignored by the kernel */
		case OPT_SHARES:
		case OPT_QUOTA:
		case OPT_PERIOD:
		case OPT_RT_RUNTIME:
		case OPT_RT_PERIOD:
		case OPT_PIDS:
		case OPT_BLKIO:
			if (parse_num("option", optarg, &v, err) < 0)
				return -EINVAL;
			if (opt == OPT_SHARES) {
				if (v < 2 || v > 262144)
					return runtime_usage_error(err, "update",
								   "--cpu-shares: 2 to 262144");
				r->cpu_shares = (uint64_t)v;
				r->has_cpu_shares = true;
			} else if (opt == OPT_QUOTA) {
				r->cpu_quota = v;
				r->has_cpu_quota = true;
			} else if (opt == OPT_PERIOD) {
				if (v < 1000 || v > 1000000)
					return runtime_usage_error(err, "update",
								   "--cpu-period: 1000 to 1000000");
				r->cpu_period = (uint64_t)v;
				r->has_cpu_period = true;
			} else if (opt == OPT_RT_RUNTIME) {
				r->rt_runtime = v;
				r->has_rt_runtime = true;
			} else if (opt == OPT_RT_PERIOD) {
				r->rt_period = (uint64_t)v;
				r->has_rt_period = true;
			} else if (opt == OPT_PIDS) {
				r->pids_limit = v;
				r->has_pids_limit = true;
			} else {
				if (v < 10 || v > 1000)
					return runtime_usage_error(err, "update",
								   "--blkio-weight: 10 to 1000");
				r->blkio_weight = (uint16_t)v;
				r->has_blkio_weight = true;
			}
			break;
		case OPT_CPUS:
		case OPT_MEMS:
			if (strspn(optarg, "0123456789,-") != strlen(optarg) || !*optarg)
				return runtime_usage_error(err, "update",
							   "'%s' is not a list like 0-2,4", optarg);
			free(opt == OPT_CPUS ? r->cpus : r->mems);
			*(opt == OPT_CPUS ? &r->cpus : &r->mems) = xstrdup(optarg);
			break;
		case 'h':
			fputs(update_usage, stdout);
			*ret_idx = 0;
			return 0;
		default:
			return runtime_usage_error(err, "update",
						   "unknown or incomplete option '%s'",
						   argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return runtime_usage_error(err, "update", "expects exactly one container ID");
	*ret_idx = optind;
	return 0;
}

/*
 * As runc: a memory limit lifted (-1) without a word on swap lifts the
 * memory+swap limit too, which could not stay below it.
 */
static void unlimited_swap_follows(struct json_object *update, struct json_object *now)
{
	struct json_object *m = NULL, *v = NULL, *nm = NULL;

	if (!json_object_object_get_ex(update, "memory", &m) ||
	    !json_object_object_get_ex(m, "limit", &v) || json_object_get_int64(v) != -1 ||
	    json_object_object_get_ex(m, "swap", NULL))
		return;
	if (!json_object_object_get_ex(now, "memory", &nm) ||
	    !json_object_object_get_ex(nm, "swap", &v) || json_object_get_int64(v) == -1)
		return;
	json_object_object_add(m, "swap", json_object_new_int64(-1));
}

/*
 * Apply the update (its pairs completed) and record the container's
 * resources as they are now in its state, for later commands.
 */
static int update_container(struct container_handle *h, const struct update_request *req,
			    struct pea_error **err)
{
	_cleanup_json_ struct json_object *update = NULL, *flags = NULL, *now = NULL;
	struct spec_resources r = { 0 }, all = { 0 };
	struct cgroup *cg = NULL;
	int rc;

	update = json_object_new_object();
	if (req->file)
		merge_json(update, req->file);
	flags = flags_to_json(&req->flags);
	merge_json(update, flags);
	now = json_object_new_object();
	if (h->st->resources)
		merge_json(now, h->st->resources);
	unlimited_swap_follows(update, now);
	merge_json(now, update);
	rc = spec_resources_parse(update, "update", &r, err);
	if (rc == 0)
		rc = spec_resources_parse(now, "update", &all, err);
	if (rc == 0) {
		complete_pairs(&r, &all);
		rc = cgroup_of_state(h->st->cgroups, h->st->id, &cg, err);
	}
	if (rc == 0 && cgroup_apply(cg, &r, err) < 0)
		rc = pea_error_wrap(err, "container '%s'", h->st->id);
	if (rc == 0) {
		json_object_put(h->st->resources);
		h->st->resources = TAKE_PTR(now);
		rc = state_write(h->dirfd, h->st, err);
	}
	cgroup_free(cg);
	spec_resources_clear(&r);
	spec_resources_clear(&all);
	return rc;
}

int cmd_update(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct update_request req = { 0 };
	struct container_handle h;
	int idx = 0, rc;

	rc = parse_update(argc, argv, &req, &idx, err);
	if (rc == 0 && idx > 0)
		rc = state_lookup(g->root, argv[idx], true, &h, err);
	if (rc == 0 && idx > 0) {
		if (h.status == STATUS_STOPPED)
			rc = pea_error_new(err, EINVAL, "container '%s' is stopped", argv[idx]);
		else
			rc = update_container(&h, &req, err);
		state_handle_close(&h);
	}
	json_object_put(req.file);
	spec_resources_clear(&req.flags);
	return rc;
}
