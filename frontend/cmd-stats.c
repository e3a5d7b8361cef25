/*
 * stats: resource usage of containers (podman-stats(1)), read from their
 * cgroups (v1 controllers or the unified v2 hierarchy, detected) and the
 * network devices of their namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/records.h"

#define CG_FILE_MAX (1u << 20)
#define CGROUP_ROOT "/sys/fs/cgroup"

struct sample {
	bool running;
	unsigned long long cpu_ns, cpu_sys_ns, mem, mem_limit, pids;
	unsigned long long blk_in, blk_out, net_in, net_out;
	double at; /* seconds since the epoch */
};

static bool cgroup_is_v2(void)
{
	struct statfs fs;

	return statfs(CGROUP_ROOT, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

static char *read_text(const char *path)
{
	char *buf = NULL;
	size_t len;

	if (pea_read_file_at(AT_FDCWD, path, CG_FILE_MAX, &buf, &len, NULL) < 0)
		return NULL;
	return buf;
}

/* A number from a file; "max" is ULLONG_MAX; 0 when missing. */
static unsigned long long read_num(const char *dir, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name), *buf = read_text(path);

	if (!buf)
		return 0;
	if (strncmp(buf, "max", 3) == 0)
		return ~0ULL;
	return strtoull(buf, NULL, 10);
}

/* "key value" lines (memory.stat, cpu.stat): the value of key; 0 when missing. */
static unsigned long long read_key(const char *dir, const char *name, const char *key)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name), *buf = read_text(path);
	size_t kl = strlen(key);

	for (const char *l = buf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
			return strtoull(l + kl + 1, NULL, 10);
	return 0;
}

/* The folder of pid's cgroup for a v1 controller (NULL: v2's "0::"). New string. */
static char *cgroup_dir(int pid, const char *controller)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/cgroup", pid), *buf = read_text(path);

	for (char *l = buf; l && *l;) {
		char *nl = strchr(l, '\n'), *c1 = strchr(l, ':'),
		     *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (nl)
			*nl = '\0';
		if (c2) {
			*c2 = '\0';
			_cleanup_strv_ char **ctrls = pea_strv_split(c1 + 1, ",");
			if (controller ? pea_strv_contains(ctrls, controller)
				       : strcmp(l, "0") == 0 && c1[1] == '\0')
				return xasprintf("%s%s%s%s", CGROUP_ROOT, controller ? "/" : "",
						 controller ? controller : "", c2 + 1);
		}
		l = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static unsigned long long host_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (unsigned long long)pages * (unsigned long long)size : 0;
}

static void sample_v1(int pid, struct sample *s)
{
	_cleanup_free_ char *mem = cgroup_dir(pid, "memory"), *cpu = cgroup_dir(pid, "cpuacct");
	_cleanup_free_ char *pids = cgroup_dir(pid, "pids"), *blk = cgroup_dir(pid, "blkio");
	_cleanup_free_ char *io = NULL;
	long hz = sysconf(_SC_CLK_TCK);

	if (mem) {
		unsigned long long inactive = read_key(mem, "memory.stat", "total_inactive_file");
		s->mem = read_num(mem, "memory.usage_in_bytes");
		s->mem = s->mem > inactive ? s->mem - inactive : 0;
		s->mem_limit = read_num(mem, "memory.limit_in_bytes");
	}
	if (cpu) {
		s->cpu_ns = read_num(cpu, "cpuacct.usage");
		s->cpu_sys_ns = read_key(cpu, "cpuacct.stat", "system") * 1000000000ULL /
				(unsigned long long)(hz > 0 ? hz : 100);
	}
	if (pids)
		s->pids = read_num(pids, "pids.current");
	if (blk) {
		_cleanup_free_ char *path = xasprintf("%s/blkio.throttle.io_service_bytes", blk);
		io = read_text(path);
	}
	for (const char *l = io; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char dev[32], op[16];
		unsigned long long v;
		if (sscanf(l, "%31s %15s %llu", dev, op, &v) != 3)
			continue;
		if (strcmp(op, "Read") == 0)
			s->blk_in += v;
		else if (strcmp(op, "Write") == 0)
			s->blk_out += v;
	}
}

static void sample_v2(int pid, struct sample *s)
{
	_cleanup_free_ char *dir = cgroup_dir(pid, NULL), *io = NULL, *path = NULL;
	unsigned long long inactive;

	if (!dir)
		return;
	inactive = read_key(dir, "memory.stat", "inactive_file");
	s->mem = read_num(dir, "memory.current");
	s->mem = s->mem > inactive ? s->mem - inactive : 0;
	s->mem_limit = read_num(dir, "memory.max");
	s->cpu_ns = read_key(dir, "cpu.stat", "usage_usec") * 1000;
	s->cpu_sys_ns = read_key(dir, "cpu.stat", "system_usec") * 1000;
	s->pids = read_num(dir, "pids.current");
	path = xasprintf("%s/io.stat", dir);
	io = read_text(path);
	for (const char *l = io; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *r = strstr(l, "rbytes="), *w = strstr(l, "wbytes=");
		const char *nl = strchr(l, '\n');
		if (r && (!nl || r < nl))
			s->blk_in += strtoull(r + 7, NULL, 10);
		if (w && (!nl || w < nl))
			s->blk_out += strtoull(w + 7, NULL, 10);
	}
}

/* Bytes received and sent on the interfaces of pid's network namespace, lo aside. */
static void sample_net(int pid, struct sample *s)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/net/dev", pid), *buf = read_text(path);

	for (const char *l = buf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *colon = strchr(l, ':'), *nl = strchr(l, '\n');
		unsigned long long v[9];
		char name[64];

		if (!colon || (nl && colon > nl))
			continue;
		if (sscanf(l, " %63[^:]:", name) != 1 || strcmp(name, "lo") == 0)
			continue;
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) != 9)
			continue;
		s->net_in += v[0];
		s->net_out += v[8];
	}
}

static void take_sample(const struct ctr_record *r, bool v2, struct sample *s)
{
	memset(s, 0, sizeof(*s));
	s->at = frontend_now_seconds();
	if (r->state != CTR_RUNNING || r->pid <= 0)
		return;
	s->running = true;
	if (v2)
		sample_v2(r->pid, s);
	else
		sample_v1(r->pid, s);
	if (s->mem_limit == 0 || s->mem_limit >= (1ULL << 62) || s->mem_limit > host_memory())
		s->mem_limit = host_memory();
	sample_net(r->pid, s);
}

/* go-units HumanSizeWithPrecision(x, 3): "1.24MB". */
static char *human(double bytes)
{
	char *s = fmt_human_size(bytes), *sp = strchr(s, ' ');

	if (sp)
		memmove(sp, sp + 1, strlen(sp));
	return s;
}

/* go-units BytesSize: "1.5MiB". */
static char *human_iec(double bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	size_t i = 0;

	while (bytes >= 1024 && i + 1 < ARRAY_SIZE(units)) {
		bytes /= 1024;
		i++;
	}
	return xasprintf("%.4g%s", bytes, units[i]);
}

static void add_str_take(struct json_object *o, const char *k, char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
	free(v);
}

static struct json_object *stats_item(const struct ctr_record *r, const struct sample *s,
				      const struct sample *prev, bool notrunc)
{
	struct json_object *o = json_object_new_object();
	double start = frontend_parse_time(r->started_at);
	double span = prev ? s->at - prev->at : s->at - start;
	double cpu = 0, avg = 0, memp = 0;
	unsigned long long dcpu =
		s->cpu_ns - (prev && prev->cpu_ns <= s->cpu_ns ? prev->cpu_ns : 0);

	if (span > 0)
		cpu = (double)dcpu / 1e9 / span * 100;
	if (s->at - start > 0)
		avg = (double)s->cpu_ns / 1e9 / (s->at - start) * 100;
	if (s->mem_limit)
		memp = (double)s->mem / (double)s->mem_limit * 100;
	json_object_object_add(o, "ContainerID", json_object_new_string(r->id));
	add_str_take(o, "ID", xstrndup(r->id, notrunc ? 64 : 12));
	json_object_object_add(o, "Name", json_object_new_string(r->name));
	json_object_object_add(o, "CPU", json_object_new_double(cpu));
	json_object_object_add(o, "AvgCPU", json_object_new_double(avg));
	json_object_object_add(o, "CPUNano", json_object_new_int64((int64_t)s->cpu_ns));
	json_object_object_add(o, "CPUSystemNano", json_object_new_int64((int64_t)s->cpu_sys_ns));
	json_object_object_add(o, "Duration", json_object_new_int64((int64_t)s->cpu_ns));
	json_object_object_add(o, "SystemNano", json_object_new_int64((int64_t)(s->at * 1e9)));
	json_object_object_add(o, "MemLimit", json_object_new_int64((int64_t)s->mem_limit));
	json_object_object_add(o, "Mem", json_object_new_double(memp));
	json_object_object_add(o, "PIDs", json_object_new_int64((int64_t)s->pids));
	json_object_object_add(o, "NetInput", json_object_new_int64((int64_t)s->net_in));
	json_object_object_add(o, "NetOutput", json_object_new_int64((int64_t)s->net_out));
	json_object_object_add(o, "BlockInput", json_object_new_int64((int64_t)s->blk_in));
	json_object_object_add(o, "BlockOutput", json_object_new_int64((int64_t)s->blk_out));
	if (!s->running) {
		static const char *const dash[] = { "CPUPerc", "AVGCPU", "MemPerc", "PIDS",
						    "UpTime" };
		static const char *const pair[] = { "MemUsage", "MemUsageBytes", "NetIO",
						    "BlockIO" };
		for (size_t i = 0; i < ARRAY_SIZE(dash); i++)
			json_object_object_add(o, dash[i], json_object_new_string("--"));
		for (size_t i = 0; i < ARRAY_SIZE(pair); i++)
			json_object_object_add(o, pair[i], json_object_new_string("-- / --"));
		return o;
	}
	add_str_take(o, "CPUPerc", xasprintf("%.2f%%", cpu));
	add_str_take(o, "AVGCPU", xasprintf("%.2f%%", avg));
	{
		_cleanup_free_ char *a = human((double)s->mem), *b = human((double)s->mem_limit);
		_cleanup_free_ char *c = human_iec((double)s->mem),
				    *d = human_iec((double)s->mem_limit);
		_cleanup_free_ char *e = human((double)s->net_in), *f = human((double)s->net_out);
		_cleanup_free_ char *h = human((double)s->blk_in), *i = human((double)s->blk_out);
		add_str_take(o, "MemUsage", xasprintf("%s / %s", a, b));
		add_str_take(o, "MemUsageBytes", xasprintf("%s / %s", c, d));
		add_str_take(o, "NetIO", xasprintf("%s / %s", e, f));
		add_str_take(o, "BlockIO", xasprintf("%s / %s", h, i));
	}
	add_str_take(o, "MemPerc", xasprintf("%.2f%%", memp));
	add_str_take(o, "PIDS", xasprintf("%llu", s->pids));
	add_str_take(o, "UpTime", go_duration((long long)s->cpu_ns));
	return o;
}

/* podman's `stats --format json`: its own lower-case keys, values as shown. */
static struct json_object *json_item(struct json_object *it)
{
	static const struct {
		const char *from, *to;
	} keys[] = {
		{ "ID", "id" },
		{ "Name", "name" },
		{ "UpTime", "cpu_time" },
		{ "CPUPerc", "cpu_percent" },
		{ "AVGCPU", "avg_cpu" },
		{ "MemUsage", "mem_usage" },
		{ "MemPerc", "mem_percent" },
		{ "NetIO", "net_io" },
		{ "BlockIO", "block_io" },
		{ "PIDS", "pids" },
	};
	struct json_object *o = json_object_new_object(), *v;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (json_object_object_get_ex(it, keys[i].from, &v))
			json_object_object_add(o, keys[i].to, json_object_get(v));
	return o;
}

static const char *stats_header(const char *field)
{
	static const struct {
		const char *field, *header;
	} map[] = {
		{ "ID", "ID" },
		{ "ContainerID", "ID" },
		{ "Name", "NAME" },
		{ "CPUPerc", "CPU %" },
		{ "CPU", "CPU %" },
		{ "MemUsage", "MEM USAGE / LIMIT" },
		{ "MemUsageBytes", "MEM USAGE / LIMIT" },
		{ "MemPerc", "MEM %" },
		{ "Mem", "MEM %" },
		{ "NetIO", "NET IO" },
		{ "BlockIO", "BLOCK IO" },
		{ "PIDS", "PIDS" },
		{ "PIDs", "PIDS" },
		{ "UpTime", "CPU TIME" },
		{ "AVGCPU", "AVG CPU %" },
		{ "AvgCPU", "AVG CPU %" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(map[i].field, field) == 0)
			return map[i].header;
	return NULL;
}

struct stats_opts {
	bool all, no_stream, no_reset, no_trunc;
	char *format;
	long interval;
};

static const char stats_usage[] =
	"Usage: pea stats [OPTIONS] [CONTAINER...]\n"
	"\n"
	"Display a live stream of the resource usage of containers.\n"
	"\n"
	"  -a, --all              every container (default: running ones)\n"
	"      --format=FORMAT    Go template ({{.ID}}, {{.Name}}, {{.CPUPerc}}, {{.MemUsage}},\n"
	"                         {{.MemPerc}}, {{.NetIO}}, {{.BlockIO}}, {{.PIDs}}) or json\n"
	"  -i, --interval=SECS    time between reports (default 5)\n"
	"      --no-reset         do not clear the screen between reports\n"
	"      --no-stream        print the first report only\n"
	"      --no-trunc         full container ids\n";

enum { OPT_FORMAT = 256, OPT_NO_RESET, OPT_NO_STREAM, OPT_NO_TRUNC };

static int stats_parse(int argc, char **argv, struct stats_opts *o, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "interval", required_argument, NULL, 'i' },
		{ "no-reset", no_argument, NULL, OPT_NO_RESET },
		{ "no-stream", no_argument, NULL, OPT_NO_STREAM },
		{ "no-trunc", no_argument, NULL, OPT_NO_TRUNC },
		{ NULL, 0, NULL, 0 },
	};
	int r, c = 0;

	o->interval = 5;
	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hai:", opts, stats_usage, &c, err)) == 2) {
		char *end = NULL;
		switch (c) {
		case 'a':
			o->all = true;
			break;
		case OPT_FORMAT:
			free(o->format);
			o->format = xstrdup(optarg);
			break;
		case 'i':
			errno = 0;
			o->interval = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || o->interval < 1)
				return pea_error_new(
					err, EINVAL,
					"invalid argument \"%s\" for \"-i, --interval\" "
					"flag: must be an integer >= 1",
					optarg);
			break;
		case OPT_NO_RESET:
			o->no_reset = true;
			break;
		case OPT_NO_STREAM:
			o->no_stream = true;
			break;
		case OPT_NO_TRUNC:
			o->no_trunc = true;
			break;
		default:
			break;
		}
	}
	return r;
}

/* The records to report: the named ones (which must be running), or all (running) ones. */
static int stats_targets(struct global_options *g, char **names, int n, bool all,
			 struct ctr_record ***ret, size_t *ret_n, struct pea_error **err)
{
	struct ctr_record **v = NULL;
	size_t k = 0;

	if (n == 0) {
		size_t total = 0;
		if (records_list(g, &v, &total, err) < 0)
			return -1;
		for (size_t i = 0; i < total; i++) {
			(void)record_refresh(g, v[i], NULL);
			if (all || v[i]->state == CTR_RUNNING)
				v[k++] = v[i];
			else
				ctr_record_free(v[i]);
		}
		*ret = v;
		*ret_n = k;
		return 0;
	}
	v = xnew(struct ctr_record *, (size_t)n);
	for (int i = 0; i < n; i++) {
		if (record_lookup(g, names[i], &v[k], err) < 0)
			goto fail;
		(void)record_refresh(g, v[k], NULL);
		if (v[k++]->state != CTR_RUNNING && !all) {
			pea_error_new(err, EINVAL,
				      "cannot get stats of container \"%s\": it is not running: "
				      "container state improper",
				      names[i]);
			goto fail;
		}
	}
	*ret = v;
	*ret_n = k;
	return 0;
fail:
	records_free(v, k);
	return -1;
}

static int stats_print(const struct stats_opts *o, struct template *t, struct json_object *items,
		       struct pea_error **err)
{
	if (o->format && (strcmp(o->format, "json") == 0 || strcmp(o->format, "{{json .}}") == 0)) {
		_cleanup_json_ struct json_object *out = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(items); i++)
			json_object_array_add(out, json_item(json_object_array_get_idx(items, i)));
		fmt_print_json(stdout, out);
		return 0;
	}
	return template_print(stdout, t, items, err);
}

int cmd_stats(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const char def[] = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t"
				  "{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t{{.UpTime}}\t"
				  "{{.AVGCPU}}";
	struct stats_opts o = { 0 };
	struct template *t = NULL;
	struct ctr_record **v = NULL;
	struct sample *prev = NULL;
	size_t n = 0;
	bool v2 = cgroup_is_v2(), json;
	int r, rc = -1;

	r = stats_parse(argc, argv, &o, err);
	if (r != 0) {
		free(o.format);
		return r < 0 ? -1 : 0;
	}
	json = o.format && (strcmp(o.format, "json") == 0 || strcmp(o.format, "{{json .}}") == 0);
	if (!json && template_parse(o.format ? o.format : def, stats_header, &t, err) < 0)
		goto out;
	if (stats_targets(g, argv + optind, argc - optind, o.all, &v, &n, err) < 0)
		goto out;
	prev = xnew(struct sample, n ? n : 1);
	for (unsigned long round = 0;; round++) {
		_cleanup_json_ struct json_object *items = json_object_new_array();
		bool any = false;

		for (size_t i = 0; i < n; i++) {
			struct sample s;
			if (round > 0)
				(void)record_refresh(g, v[i], NULL);
			take_sample(v[i], v2, &s);
			any = any || s.running;
			json_object_array_add(
				items,
				stats_item(v[i], &s, round > 0 ? &prev[i] : NULL, o.no_trunc));
			prev[i] = s;
		}
		if (!o.no_stream && !o.no_reset)
			fputs("\033[2J\033[H", stdout);
		if (stats_print(&o, t, items, err) < 0)
			goto out;
		fflush(stdout);
		if (o.no_stream || !any)
			break;
		sleep((unsigned int)o.interval);
	}
	rc = 0;
out:
	free(prev);
	records_free(v, n);
	template_free(t);
	free(o.format);
	return rc;
}
