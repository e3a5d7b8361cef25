/* update: change the resource limits of a container (podman-update(1)). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/security-run.h"

#define MEMORY_MIN (6ll << 20)
#define CPU_PERIOD 100000 /* --cpus is a quota over this period, as at create */

enum {
	OPT_PIDS_LIMIT = 4000,
};

static const char update_usage[] =
	"Usage: pea update [OPTIONS] CONTAINER\n"
	"\n"
	"Change the resource limits of a container: at once when it runs, and in its\n"
	"record, so that inspect shows them and its next starts keep them.\n"
	"\n"
	"      --blkio-weight=N      block IO weight, 10 to 1000\n"
	"      --cpu-period=US       CFS period in microseconds (1000 to 1000000)\n"
	"      --cpu-quota=US        CFS quota in microseconds per period (>= 1000)\n"
	"      --cpu-shares=N        relative CPU weight\n"
	"      --cpus=N              number of CPUs (a quota over a 100 ms period)\n"
	"      --cpuset-cpus=LIST    CPUs allowed (0-3,5)\n"
	"      --cpuset-mems=LIST    memory nodes allowed (0-1)\n"
	"  -m, --memory=SIZE         memory limit (b, k, m, g suffixes; at least 6m)\n"
	"      --memory-reservation=SIZE  memory soft limit\n"
	"      --memory-swap=SIZE    memory plus swap limit (-1: unlimited)\n"
	"      --pids-limit=N        most processes at once (-1: no limit)\n";

/* What was asked: the security/resources keys as create stores them, memory, pids. */
struct update_opts {
	struct json_object *sec; /* the changed keys only */
	long long memory;
	long long pids;
	bool memory_set, pids_set;
};

static int parse_pids(const char *s, long long *ret, struct pea_error **err)
{
	char *end = NULL;

	errno = 0;
	*ret = strtoll(s, &end, 10);
	if (end == s || *end || errno || *ret < -1)
		return pea_error_new(
			err, EINVAL,
			"invalid argument \"%s\" for \"--pids-limit\" flag: must be an "
			"integer >= -1",
			s);
	return 0;
}

static int parse_one(struct update_opts *o, int c, const char *arg, struct pea_error **err)
{
	if (c == 'm') {
		if (frontend_parse_size(arg, &o->memory) < 0)
			return pea_error_new(err, EINVAL,
					     "invalid argument \"%s\" for \"-m, --memory\" flag: "
					     "invalid size: '%s'",
					     arg, arg);
		if (o->memory < MEMORY_MIN)
			return pea_error_new(err, EINVAL, "minimum memory limit allowed is 6MB");
		o->memory_set = true;
		return 0;
	}
	if (c == OPT_PIDS_LIMIT) {
		o->pids_set = true;
		return parse_pids(arg, &o->pids, err);
	}
	return secres_parse(o->sec, c, arg, err);
}

static int update_parse(int argc, char **argv, struct update_opts *o, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "memory", required_argument, NULL, 'm' },
		{ "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
		{ "blkio-weight", required_argument, NULL, SECRES_BLKIO_WEIGHT },
		{ "cpu-period", required_argument, NULL, SECRES_CPU_PERIOD },
		{ "cpu-quota", required_argument, NULL, SECRES_CPU_QUOTA },
		{ "cpu-shares", required_argument, NULL, SECRES_CPU_SHARES },
		{ "cpus", required_argument, NULL, SECRES_CPUS },
		{ "cpuset-cpus", required_argument, NULL, SECRES_CPUSET_CPUS },
		{ "cpuset-mems", required_argument, NULL, SECRES_CPUSET_MEMS },
		{ "memory-reservation", required_argument, NULL, SECRES_MEMORY_RESERVATION },
		{ "memory-swap", required_argument, NULL, SECRES_MEMORY_SWAP },
		{ NULL, 0, NULL, 0 },
	};
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hm:", opts, update_usage, &c, err)) == 2)
		if (parse_one(o, c, optarg, err) < 0)
			return -1;
	if (r != 0)
		return r;
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	if (json_object_object_length(o->sec) == 0 && !o->memory_set && !o->pids_set)
		return pea_error_new(err, EINVAL,
				     "nothing to update: give at least one resource option "
				     "(pea update --help)");
	return 0;
}

/*
 * The record's options with the update in: --cpus replaces a quota and
 * period, and they replace --cpus, as each excludes the other at create.
 */
static struct json_object *merged_options(const struct ctr_record *r, const struct update_opts *o)
{
	struct json_object *opts = NULL, *sec = NULL;

	if (json_object_deep_copy(r->opts, &opts, NULL) < 0)
		abort();
	if (!json_object_object_get_ex(opts, "security", &sec) ||
	    !json_object_is_type(sec, json_type_object)) {
		sec = json_object_new_object();
		json_object_object_add(opts, "security", sec);
	}
	if (json_object_object_get_ex(o->sec, "cpus", NULL)) {
		json_object_object_del(sec, "cpu_quota");
		json_object_object_del(sec, "cpu_period");
	}
	if (json_object_object_get_ex(o->sec, "cpu_quota", NULL) ||
	    json_object_object_get_ex(o->sec, "cpu_period", NULL))
		json_object_object_del(sec, "cpus");
	json_object_object_foreach(o->sec, k, v)
	{
		json_object_object_add(sec, k, json_object_get(v));
	}
	if (o->memory_set)
		json_object_object_add(opts, "memory", json_object_new_int64(o->memory));
	if (o->pids_set)
		json_object_object_add(opts, "pids_limit", json_object_new_int64(o->pids));
	return opts;
}

static void put_int(struct json_object *src, const char *key, struct json_object *dst,
		    const char *dkey)
{
	int64_t v;

	if (pea_json_get_int64_opt(src, "", key, &v, NULL) == 1)
		json_object_object_add(dst, dkey, json_object_new_int64(v));
}

static void put_str(struct json_object *src, const char *key, struct json_object *dst,
		    const char *dkey)
{
	const char *s = NULL;

	if (pea_json_get_string_opt(src, "", key, &s, NULL) == 1)
		json_object_object_add(dst, dkey, json_object_new_string(s));
}

/* linux.resources (OCI) of the merged options, for RUNTIME update --resources. */
static struct json_object *resources_of(struct json_object *opts)
{
	struct json_object *res = json_object_new_object(), *sec = NULL;
	struct json_object *cpu = json_object_new_object(), *mem = json_object_new_object();
	int64_t pids;

	(void)json_object_object_get_ex(opts, "security", &sec);
	put_int(sec, "cpu_shares", cpu, "shares");
	put_int(sec, "cpu_quota", cpu, "quota");
	put_int(sec, "cpu_period", cpu, "period");
	put_str(sec, "cpuset_cpus", cpu, "cpus");
	put_str(sec, "cpuset_mems", cpu, "mems");
	if (json_object_object_get_ex(sec, "cpus", NULL)) {
		double cpus = json_object_get_double(json_object_object_get(sec, "cpus"));
		json_object_object_add(cpu, "period", json_object_new_int64(CPU_PERIOD));
		json_object_object_add(cpu, "quota",
				       json_object_new_int64((int64_t)(cpus * CPU_PERIOD + 0.5)));
	}
	put_int(opts, "memory", mem, "limit");
	put_int(sec, "memory_swap", mem, "swap");
	put_int(sec, "memory_reservation", mem, "reservation");
	if (json_object_object_length(cpu))
		json_object_object_add(res, "cpu", cpu);
	else
		json_object_put(cpu);
	if (json_object_object_length(mem))
		json_object_object_add(res, "memory", mem);
	else
		json_object_put(mem);
	if (pea_json_get_int64_opt(opts, "", "pids_limit", &pids, NULL) == 1) {
		struct json_object *p = json_object_new_object();
		json_object_object_add(p, "limit", json_object_new_int64(pids <= 0 ? -1 : pids));
		json_object_object_add(res, "pids", p);
	}
	if (json_object_object_get_ex(sec, "blkio_weight", NULL)) {
		struct json_object *b = json_object_new_object();
		put_int(sec, "blkio_weight", b, "weight");
		json_object_object_add(res, "blockIO", b);
	}
	return res;
}

/* RUNTIME update --resources FILE ID, the file in the container's folder. */
static int runtime_update(struct global_options *g, const struct ctr_record *r,
			  struct json_object *res, struct pea_error **err)
{
	_cleanup_free_ char *dir = record_dir(g, r->id);
	_cleanup_free_ char *file = xasprintf("%s/update.json", dir);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *s = json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN);
	const char *args[] = { "update", "--resources", file, r->id, NULL };
	int rc;

	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	if (pea_write_file_atomic_at(dfd, "update.json", s, strlen(s), 0600, err) < 0)
		return -1;
	rc = container_runtime(g, r, args, false, err);
	(void)unlinkat(dfd, "update.json", 0);
	return rc;
}

static int update_one(struct global_options *g, const char *name, const struct update_opts *o,
		      struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_json_ struct json_object *opts = NULL, *res = NULL;
	_cleanup_close_ int lock = -1;
	struct json_object *sec = NULL;
	int64_t mem = 0;

	if (record_lookup_locked(g, name, &r, &lock, err) < 0)
		return -1;
	opts = merged_options(r, o);
	(void)json_object_object_get_ex(opts, "security", &sec);
	(void)pea_json_get_int64_opt(opts, "", "memory", &mem, NULL);
	/* the checks of create across options (swap needs memory, --cpus excludes a quota) */
	if (secres_validate(sec, mem, NULL, err) < 0)
		return -1;
	res = resources_of(opts);
	if (r->state == CTR_RUNNING && runtime_update(g, r, res, err) < 0)
		return pea_error_wrap(err, "updating container %s", r->id);
	json_object_put(r->opts);
	r->opts = TAKE_PTR(opts);
	return record_save(g, r, err);
}

int cmd_update(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct update_opts o = { .sec = json_object_new_object() };
	int r;

	r = update_parse(argc, argv, &o, err);
	if (r == 0)
		r = update_one(g, argv[optind], &o, err);
	json_object_put(o.sec);
	if (r < 0)
		return -1;
	if (r == 0)
		printf("%s\n", argv[optind]);
	return 0;
}
