/*
 * info and system df|prune|reset|migrate|renumber|info (podman-info(1),
 * podman-system(1)).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
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
#include "frontend/config.h"
#include "frontend/container.h"
#include "frontend/events.h"
#include "frontend/external.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/images.h"
#include "frontend/ps.h"
#include "frontend/records.h"
#include "frontend/rootless.h"
#include "frontend/service.h"
#include "frontend/userns.h"
#include "frontend/volumes-run.h"

/* ---- info ---------------------------------------------------------------- */

static struct json_object *info_template_view(struct json_object *o);

/* The first line of `PROG --version`, or "". */
static char *tool_version(const char *prog)
{
	char *argv[] = { (char *)prog, (char *)"--version", NULL };
	struct run_result r = { 0 };
	char *v;

	if (!prog || frontend_run_capture(argv, -1, &r, NULL) < 0)
		return xstrdup("");
	v = xstrndup(r.out ? r.out : "", r.out ? strcspn(r.out, "\n") : 0);
	run_result_clear(&r);
	return v;
}

static struct json_object *tool_json(const char *path)
{
	struct json_object *o = json_object_new_object();
	const char *base = path ? strrchr(path, '/') : NULL;
	_cleanup_free_ char *v = tool_version(path);

	json_object_object_add(o, "name",
			       json_object_new_string(base   ? base + 1
						      : path ? path
							     : ""));
	json_object_object_add(o, "path", json_object_new_string(path ? path : ""));
	json_object_object_add(o, "version", json_object_new_string(v));
	return o;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

/*
 * The Debian package of an installed program ("conmon_2.1.6+ds1-1_amd64", as
 * podman shows it), through dpkg-query; "Unknown" for one outside /usr (a
 * build's) or of no package.
 */
static char *tool_package(const char *path)
{
	const char *argv[] = { "dpkg-query", "-S", path, NULL };
	struct run_result r = { 0 };
	char *pkg = NULL, *colon;

	if (!path || strncmp(path, "/usr/", 5) != 0 ||
	    frontend_run_capture((char *const *)argv, -1, &r, NULL) < 0)
		return xstrdup("Unknown");
	if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && r.out &&
	    (colon = strchr(r.out, ':')) && !strchr(r.out, ',')) {
		const char *q[] = { "dpkg-query", "-W",
				    "-f",	  "${Package}_${Version}_${Architecture}",
				    NULL,	  NULL };
		struct run_result v = { 0 };
		_cleanup_free_ char *name = xstrndup(r.out, (size_t)(colon - r.out));

		q[4] = name;
		if (frontend_run_capture((char *const *)q, -1, &v, NULL) == 0 &&
		    WIFEXITED(v.status) && WEXITSTATUS(v.status) == 0 && v.out && *v.out)
			pkg = xstrdup(v.out);
		run_result_clear(&v);
	}
	run_result_clear(&r);
	return pkg ? pkg : xstrdup("Unknown");
}

/* podman's host.conmon: {package, path, version}. */
static struct json_object *conmon_json(const char *path)
{
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *v = tool_version(path), *pkg = tool_package(path);
	const char *base = path ? strrchr(path, '/') : NULL;

	/* a build's pea-monitor, in no Debian package: what it is */
	base = base ? base + 1 : path;
	if (strcmp(pkg, "Unknown") == 0 && base && strcmp(base, "pea-monitor") == 0) {
		free(pkg);
		pkg = xstrdup("pea-monitor_" PEA_VERSION " (conmon-compatible)");
	}
	add_str(o, "package", pkg);
	add_str(o, "path", path);
	add_str(o, "version", v);
	return o;
}

/*
 * registries.search: the unqualified-search registries of registries.conf, as
 * pea-image reads it (the registries of a short name's candidates).
 */
static struct json_object *registries_json(const struct global_options *g)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_json_ struct json_object *j = NULL;
	struct json_object *o = json_object_new_object(), *search = json_object_new_array();
	struct json_object *cands = NULL;
	struct run_result r = { 0 };

	pea_strv_push_take(&argv, frontend_find_binary(g, "pea-image"));
	pea_strv_push(&argv, "resolve");
	pea_strv_push(&argv, "pea-info-probe");
	if (frontend_run_capture(argv, -1, &r, NULL) == 0 && WIFEXITED(r.status) &&
	    WEXITSTATUS(r.status) == 0 && pea_json_parse(r.out, r.len, "resolve", &j, NULL) == 0 &&
	    json_object_object_get_ex(j, "candidates", &cands) &&
	    json_object_is_type(cands, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(cands); i++) {
			const char *c = json_object_get_string(json_object_array_get_idx(cands, i));
			const char *slash = c ? strchr(c, '/') : NULL;
			if (slash)
				json_object_array_add(
					search, json_object_new_string_len(c, (int)(slash - c)));
		}
	}
	run_result_clear(&r);
	json_object_object_add(o, "search", search);
	return o;
}

/* /etc/os-release's ID, VERSION_ID and VERSION_CODENAME, as podman's host.distribution. */
static struct json_object *distribution_json(void)
{
	static const char *const keys[][2] = { { "ID=", "distribution" },
					       { "VERSION_ID=", "version" },
					       { "VERSION_CODENAME=", "codename" } };
	struct json_object *d = json_object_new_object();
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, "/etc/os-release", 1u << 16, &buf, &len, NULL) < 0 &&
	    pea_read_file_at(AT_FDCWD, "/usr/lib/os-release", 1u << 16, &buf, &len, NULL) < 0)
		return d;
	for (char *line = buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			size_t kl = strlen(keys[i][0]), vl;
			char *v = line + kl;
			if (strncmp(line, keys[i][0], kl) != 0)
				continue;
			vl = strlen(v);
			if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
				v[vl - 1] = '\0';
				v++;
			}
			json_object_object_add(d, keys[i][1], json_object_new_string(v));
		}
	}
	return d;
}

/* A program found in PATH, as podman shows slirp4netns: {executable, package, version}. */
static struct json_object *path_tool_json(const char *name)
{
	struct json_object *o = json_object_new_object();
	const char *path = getenv("PATH");
	_cleanup_free_ char *found = NULL, *dirs = xstrdup(path ? path : "/usr/bin:/bin");

	for (char *d = strtok(dirs, ":"); d && !found; d = strtok(NULL, ":")) {
		_cleanup_free_ char *p = xasprintf("%s/%s", d, name);
		if (access(p, X_OK) == 0)
			found = TAKE_PTR(p);
	}
	add_str(o, "executable", found);
	add_str(o, "package", "");
	{
		_cleanup_free_ char *v = found ? tool_version(found) : xstrdup("");
		add_str(o, "version", v);
	}
	return o;
}

static struct json_object *host_json(const struct global_options *g)
{
	struct json_object *h = json_object_new_object(), *sec = json_object_new_object();
	struct utsname u;
	struct sysinfo si;
	struct statfs fs;
	_cleanup_free_ char *host = xmalloc(256);
	bool v2 = statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;

	uname(&u);
	(void)sysinfo(&si);
	if (gethostname(host, 255) < 0)
		host[0] = '\0';
	host[255] = '\0';
	add_str(h, "arch", frontend_oci_arch());
	/*
	 * pea builds images itself, following the Containerfile behaviour of
	 * podman 4.3.1's buildah: that version, as podman shows its own
	 */
	add_str(h, "buildahVersion", "1.28.0");
	add_str(h, "os", "linux");
	add_str(h, "kernel", u.release);
	add_str(h, "hostname", host);
	add_str(h, "cgroupManager", "cgroupfs");
	add_str(h, "cgroupVersion", v2 ? "v2" : "v1");
	json_object_object_add(h, "distribution", distribution_json());
	/* the events backend in use (podman's EventLogger) */
	add_str(h, "eventLogger", events_backend_name(g));
	{
		/* a new container's log driver: containers.conf's, else k8s-file (ctr-log.h) */
		_cleanup_(ctr_config_clear) struct ctr_config cc = { 0 };
		_cleanup_error_ struct pea_error *e = NULL;
		add_str(h, "logDriver",
			ctr_config_load(g, &cc, &e) == 0 && cc.log_driver ? cc.log_driver
									  : "k8s-file");
	}
	add_str(h, "networkBackend", "netavark");
	json_object_object_add(h, "cpus", json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_object_add(h, "memTotal",
			       json_object_new_int64((int64_t)si.totalram * si.mem_unit));
	json_object_object_add(h, "memFree",
			       json_object_new_int64((int64_t)si.freeram * si.mem_unit));
	json_object_object_add(h, "swapTotal",
			       json_object_new_int64((int64_t)si.totalswap * si.mem_unit));
	json_object_object_add(h, "swapFree",
			       json_object_new_int64((int64_t)si.freeswap * si.mem_unit));
	json_object_object_add(h, "ociRuntime", tool_json(g->runtime));
	json_object_object_add(h, "conmon", conmon_json(g->conmon));
	json_object_object_add(h, "idMappings", userns_info_mappings());
	json_object_object_add(h, "rootless", json_object_new_boolean(g->rootless));
	json_object_object_add(sec, "rootless", json_object_new_boolean(g->rootless));
	json_object_object_add(sec, "seccompEnabled", json_object_new_boolean(true));
	json_object_object_add(h, "security", sec);
	json_object_object_add(h, "slirp4netns", path_tool_json("slirp4netns"));
	{
		_cleanup_free_ char *up = fmt_human_duration((double)si.uptime);
		add_str(h, "uptime", up);
	}
	return h;
}

/* --storage-opt K=V as podman's store.graphOptions: {"K": "V"}. */
static struct json_object *storage_opts_json(const struct global_options *g)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; g->storage_opts && g->storage_opts[i]; i++) {
		const char *kv = g->storage_opts[i], *eq = strchr(kv, '=');
		_cleanup_free_ char *k = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
		if (*k)
			json_object_object_add(o, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	return o;
}

/* Containers by state, and the store's counts. */
static struct json_object *store_json(const struct global_options *g)
{
	static const char *const status[] = { "status", NULL };
	struct json_object *s = json_object_new_object(), *cs = json_object_new_object();
	struct json_object *is = json_object_new_object(), *st = NULL;
	struct ctr_record **v = NULL;
	size_t n = 0, running = 0, paused = 0;
	int64_t images = 0;
	const char *driver = NULL;
	_cleanup_free_ char *vols = volumes_root(g);

	if (records_list(g, &v, &n, NULL) == 0)
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *rs = NULL;
			(void)record_refresh(g, v[i], NULL);
			if (v[i]->state != CTR_RUNNING)
				continue;
			if (runtime_status(g, v[i], &rs, NULL) == 0 && strcmp(rs, "paused") == 0)
				paused++;
			else
				running++;
		}
	records_free(v, n);
	if (store_call(g, status, &st, NULL) == 0) {
		(void)pea_json_get_string_opt(st, "", "driver", &driver, NULL);
		(void)pea_json_get_int64_opt(st, "", "images", &images, NULL);
	}
	json_object_object_add(cs, "number", json_object_new_int64((int64_t)n));
	json_object_object_add(cs, "running", json_object_new_int64((int64_t)running));
	json_object_object_add(cs, "paused", json_object_new_int64((int64_t)paused));
	json_object_object_add(cs, "stopped",
			       json_object_new_int64((int64_t)(n - running - paused)));
	json_object_object_add(is, "number", json_object_new_int64(images));
	{
		_cleanup_free_ char *gr = xasprintf("%s/storage", g->root);
		_cleanup_free_ char *rr = xasprintf("%s/storage", g->runroot);
		add_str(s, "graphRoot", gr);
		add_str(s, "runRoot", rr);
	}
	{
		const char *conf = getenv("CONTAINERS_STORAGE_CONF");
		if (!conf || !*conf)
			conf = "/etc/containers/storage.conf";
		add_str(s, "configFile", conf);
	}
	add_str(s, "graphDriverName", driver ? driver : g->storage_driver);
	json_object_object_add(s, "graphOptions", storage_opts_json(g));
	json_object_object_add(s, "graphStatus", json_object_new_object());
	add_str(s, "volumePath", vols);
	json_object_object_add(s, "containerStore", cs);
	json_object_object_add(s, "imageStore", is);
	json_object_put(st);
	return s;
}

static struct json_object *info_json(const struct global_options *g)
{
	struct json_object *o = json_object_new_object(), *v = json_object_new_object();
	_cleanup_free_ char *arch = xasprintf("linux/%s", frontend_oci_arch());

	json_object_object_add(o, "host", host_json(g));
	json_object_object_add(o, "registries", registries_json(g));
	json_object_object_add(o, "store", store_json(g));
	add_str(v, "APIVersion", PEA_VERSION);
	add_str(v, "Version", PEA_VERSION);
	add_str(v, "GoVersion", "");
	json_object_object_add(v, "OsArch", json_object_new_string(arch));
	json_object_object_add(o, "version", v);
	return o;
}

static bool is_string_list(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0)
		return false;
	for (size_t i = 0; i < json_object_array_length(v); i++)
		if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
			return false;
	return true;
}

/* YAML as podman prints info: nested maps indented by two spaces. */
static void print_yaml(struct json_object *o, int depth)
{
	json_object_object_foreach(o, k, v)
	{
		printf("%*s%s:", depth * 2, "", k);
		if (json_object_is_type(v, json_type_object) && json_object_object_length(v) == 0) {
			printf(" {}\n");
		} else if (json_object_is_type(v, json_type_object)) {
			printf("\n");
			print_yaml(v, depth + 1);
		} else if (json_object_is_type(v, json_type_string)) {
			const char *s = json_object_get_string(v);
			printf(*s ? " %s\n" : " \"\"\n", s);
		} else if (is_string_list(v)) {
			/* a list of strings as a block, "- item" at the key's indent */
			printf("\n");
			for (size_t i = 0; i < json_object_array_length(v); i++)
				printf("%*s- %s\n", depth * 2, "",
				       json_object_get_string(json_object_array_get_idx(v, i)));
		} else {
			printf(" %s\n", json_object_to_json_string(v));
		}
	}
}

static int info_run(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *info = NULL, *one = NULL;
	struct template *t = NULL;
	const char *format = NULL;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf:", opts,
			       "Usage: pea info [OPTIONS]\n\n"
			       "Show the host, the store and the version.\n\n"
			       "  -f, --format=FORMAT   Go template ({{.Host.Kernel}}, "
			       "{{.Store.GraphRoot}}, ...) or json\n",
			       &c, err)) == 2)
		format = optarg;
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	info = info_json(g);
	if (!format) {
		print_yaml(info, 0);
		return 0;
	}
	if (strcmp(format, "json") == 0) {
		fmt_print_json(stdout, info);
		return 0;
	}
	/* templates name podman's Go fields: .Host.Kernel, .Store.GraphRoot */
	one = json_object_new_array();
	json_object_array_add(one, info_template_view(info));
	if (template_parse(format, NULL, &t, err) < 0)
		return -1;
	r = template_print(stdout, t, one, err);
	template_free(t);
	return r;
}

/* The same tree with keys as Go fields (first letter upper case). */
static struct json_object *info_template_view(struct json_object *o)
{
	struct json_object *out;

	if (!json_object_is_type(o, json_type_object))
		return json_object_get(o);
	out = json_object_new_object();
	json_object_object_foreach(o, k, v)
	{
		_cleanup_free_ char *key = xstrdup(k);
		if (key[0] >= 'a' && key[0] <= 'z')
			key[0] = (char)(key[0] - 'a' + 'A');
		/* where podman's Go field differs from the JSON key by more than case */
		if (strcmp(key, "CgroupVersion") == 0) {
			free(key);
			key = xstrdup("CgroupsVersion");
		}
		/* maps (graphOptions, graphStatus) keep their keys as they are */
		if (strcmp(k, "graphOptions") == 0 || strcmp(k, "graphStatus") == 0)
			json_object_object_add(out, key, json_object_get(v));
		else
			json_object_object_add(out, key, info_template_view(v));
	}
	return out;
}

int cmd_info(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return info_run(g, argc, argv, err);
}

/* ---- df ------------------------------------------------------------------ */

/* Bytes used by the files under path (no symlinks followed, one filesystem). */
static long long du(int dfd, const char *name, dev_t dev, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	struct stat st;
	long long total = 0;
	int fd;

	if (depth > 256 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) ? (long long)st.st_size : 0;
	if (dev && st.st_dev != dev)
		return 0;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		pea_close(fd);
		return 0;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			total += du(dirfd(d), e->d_name, st.st_dev, depth + 1);
	return total;
}

static long long du_path(const char *path)
{
	return du(AT_FDCWD, path, 0, 0);
}

struct df_row {
	const char *type;
	long long total, active, size, reclaimable;
};

static struct json_object *df_item(const struct df_row *r)
{
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *size = fmt_human_size((double)r->size);
	_cleanup_free_ char *rec = fmt_human_size((double)r->reclaimable);
	_cleanup_free_ char *recl = NULL;
	long long pct = r->size > 0 ? r->reclaimable * 100 / r->size : 0;

	recl = xasprintf("%s (%lld%%)", rec, pct);
	add_str(o, "Type", r->type);
	json_object_object_add(o, "Total", json_object_new_int64(r->total));
	json_object_object_add(o, "Active", json_object_new_int64(r->active));
	add_str(o, "Size", size);
	add_str(o, "Reclaimable", recl);
	json_object_object_add(o, "RawSize", json_object_new_int64(r->size));
	json_object_object_add(o, "RawReclaimable", json_object_new_int64(r->reclaimable));
	return o;
}

/* Images: sizes of their layers; active when a container uses one. */
static void df_images(const struct global_options *g, struct ctr_record **v, size_t n,
		      struct df_row *row)
{
	static const char *const ils[] = { "image", "ls", NULL }, *const lls[] = { "layer", "ls",
										   NULL };
	_cleanup_json_ struct json_object *images = NULL, *layers = NULL;

	if (store_call(g, ils, &images, NULL) < 0 || store_call(g, lls, &layers, NULL) < 0)
		return;
	for (size_t i = 0; i < json_object_array_length(images); i++) {
		struct json_object *img = json_object_array_get_idx(images, i);
		const char *id = NULL;
		long long size = image_size(img, layers);
		bool used = false;

		(void)pea_json_get_string_opt(img, "", "id", &id, NULL);
		for (size_t k = 0; id && k < n; k++)
			used = used || (v[k]->image_id && strcmp(v[k]->image_id, id) == 0);
		row->total++;
		row->size += size;
		if (used)
			row->active++;
		else
			row->reclaimable += size;
	}
}

static void df_containers(const struct global_options *g, struct ctr_record **v, size_t n,
			  struct df_row *row)
{
	for (size_t i = 0; i < n; i++) {
		const char *args[] = { "container", "inspect", v[i]->id, NULL };
		_cleanup_json_ struct json_object *c = NULL;
		const char *lp = NULL;
		long long size = 0;

		if (store_call(g, args, &c, NULL) == 0 &&
		    pea_json_get_string_opt(c, "", "layer_path", &lp, NULL) == 1)
			size = du_path(lp);
		row->total++;
		row->size += size;
		if (v[i]->state == CTR_RUNNING)
			row->active++;
		else
			row->reclaimable += size;
	}
}

static void df_volumes(const struct global_options *g, struct df_row *row)
{
	_cleanup_free_ char *dir = volumes_root(g);
	size_t total = 0, used = 0;

	(void)volume_count_used(g, &total, &used);
	row->total = (long long)total;
	row->active = (long long)used;
	row->size = du_path(dir);
	row->reclaimable = used ? 0 : row->size;
}

/* go-units HumanSize as podman's df -v prints it ("0B", "2.45MB"). */
static char *df_size(long long bytes)
{
	_cleanup_free_ char *h = fmt_human_size((double)bytes);
	char *out = xmalloc(strlen(h) + 1), *o = out;

	for (const char *c = h; *c; c++)
		if (*c != ' ')
			*o++ = *c;
	*o = '\0';
	return out;
}

static char *df_ago(const char *when)
{
	_cleanup_free_ char *d =
		fmt_human_duration(frontend_now_seconds() - frontend_parse_time(when ? when : ""));
	return xasprintf("%s ago", d);
}

static void df_print_section(const char *title, struct table *t)
{
	printf("%s space usage:\n\n", title);
	table_print(stdout, t);
	table_clear(t);
}

static size_t df_uses(struct ctr_record **v, size_t n, const char *image_id)
{
	size_t uses = 0;

	for (size_t k = 0; image_id && k < n; k++)
		uses += v[k]->image_id && strcmp(v[k]->image_id, image_id) == 0;
	return uses;
}

/* system df -v: podman's three tables, one row per image name, container, volume. */
static void df_verbose_images(const struct global_options *g, struct ctr_record **v, size_t n)
{
	static const char *const ils[] = { "image", "ls", NULL }, *const lls[] = { "layer", "ls",
										   NULL };
	_cleanup_json_ struct json_object *images = NULL, *layers = NULL;
	struct table t = { 0 };

	table_add(&t, pea_strv_split("REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\t"
				     "UNIQUE SIZE\tCONTAINERS",
				     "\t"));
	if (store_call(g, ils, &images, NULL) == 0 && store_call(g, lls, &layers, NULL) == 0)
		for (size_t i = 0; i < json_object_array_length(images); i++) {
			struct json_object *img = json_object_array_get_idx(images, i),
					   *names = NULL;
			const char *id = NULL, *created = NULL;
			_cleanup_free_ char *size = df_size(image_size(img, layers));
			_cleanup_free_ char *ago = NULL;
			size_t nn;

			(void)pea_json_get_string_opt(img, "", "id", &id, NULL);
			(void)pea_json_get_string_opt(img, "", "created", &created, NULL);
			ago = df_ago(created);
			json_object_object_get_ex(img, "names", &names);
			nn = names ? json_object_array_length(names) : 0;
			for (size_t k = 0; k < (nn ? nn : 1); k++) {
				const char *name = nn ? json_object_get_string(
								json_object_array_get_idx(names, k))
						      : "<none>:<none>";
				const char *colon = strrchr(name, ':'), *slash = strrchr(name, '/');
				char **row = NULL;
				if (colon && slash && colon < slash)
					colon = NULL;
				pea_strv_push_take(&row,
						   colon ? xstrndup(name, (size_t)(colon - name))
							 : xstrdup(name));
				pea_strv_push(&row, colon ? colon + 1 : "<none>");
				pea_strv_push_take(&row, xstrndup(id ? id : "", 12));
				pea_strv_push(&row, ago);
				pea_strv_push(&row, size);
				pea_strv_push(&row, "0B");
				pea_strv_push(&row, size);
				pea_strv_push_take(&row, xasprintf("%zu", df_uses(v, n, id)));
				table_add(&t, row);
			}
		}
	df_print_section("Images", &t);
}

static void df_verbose_containers(const struct global_options *g, struct ctr_record **v, size_t n)
{
	struct table t = { 0 };

	table_add(&t, pea_strv_split("CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\t"
				     "CREATED\tSTATUS\tNAMES",
				     "\t"));
	for (size_t i = 0; i < n; i++) {
		const char *args[] = { "container", "inspect", v[i]->id, NULL };
		_cleanup_json_ struct json_object *c = NULL;
		struct json_object *vols = NULL, *cmd = NULL;
		const char *lp = NULL;
		_cleanup_free_ char *size = NULL, *ago = df_ago(v[i]->created);
		_cleanup_free_ char *command = NULL;
		size_t nvol = 0;
		char **row = NULL;

		if (store_call(g, args, &c, NULL) == 0)
			(void)pea_json_get_string_opt(c, "", "layer_path", &lp, NULL);
		size = df_size(lp ? du_path(lp) : 0);
		if (json_object_object_get_ex(v[i]->opts, "volumes", &vols))
			for (size_t k = 0; k < json_object_array_length(vols); k++) {
				const char *type = NULL;
				(void)pea_json_get_string_opt(json_object_array_get_idx(vols, k),
							      "", "type", &type, NULL);
				nvol += type && strcmp(type, "volume") == 0;
			}
		if (json_object_object_get_ex(v[i]->opts, "args", &cmd) &&
		    json_object_array_length(cmd) > 0)
			command =
				xstrdup(json_object_get_string(json_object_array_get_idx(cmd, 0)));
		pea_strv_push_take(&row, xstrndup(v[i]->id, 12));
		pea_strv_push_take(&row, xstrndup(v[i]->image_id ? v[i]->image_id : "", 12));
		pea_strv_push(&row, command ? command : "");
		pea_strv_push_take(&row, xasprintf("%zu", nvol));
		pea_strv_push(&row, size);
		pea_strv_push(&row, ago);
		pea_strv_push(&row, ps_state_name(v[i]));
		pea_strv_push(&row, v[i]->name);
		table_add(&t, row);
	}
	printf("\n");
	df_print_section("Containers", &t);
}

static void df_verbose_volumes(const struct global_options *g, struct ctr_record **v, size_t n)
{
	_cleanup_free_ char *dir = volumes_root(g);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct table t = { 0 };
	struct dirent *e;

	table_add(&t, pea_strv_split("VOLUME NAME\tLINKS\tSIZE", "\t"));
	while (d && (e = readdir(d))) {
		_cleanup_free_ char *vj = xasprintf("%s/%s/volume.json", dir, e->d_name);
		_cleanup_free_ char *data = NULL, *size = NULL;
		size_t links = 0;
		char **row = NULL;

		if (e->d_name[0] == '.' || access(vj, F_OK) < 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			struct json_object *vols = NULL;
			if (!json_object_object_get_ex(v[i]->opts, "volumes", &vols))
				continue;
			for (size_t k = 0; k < json_object_array_length(vols); k++) {
				const char *src = NULL;
				if (pea_json_get_string_opt(json_object_array_get_idx(vols, k), "",
							    "source", &src, NULL) == 1 &&
				    strcmp(src, e->d_name) == 0) {
					links++;
					break;
				}
			}
		}
		data = volume_data_dir(g, e->d_name);
		size = df_size(du_path(data));
		pea_strv_push(&row, e->d_name);
		pea_strv_push_take(&row, xasprintf("%zu", links));
		pea_strv_push(&row, size);
		table_add(&t, row);
	}
	printf("\n");
	df_print_section("Local Volumes", &t);
}

static const char *df_header(const char *field)
{
	static const struct {
		const char *field, *header;
	} map[] = { { "Type", "TYPE" },
		    { "Total", "TOTAL" },
		    { "Active", "ACTIVE" },
		    { "Size", "SIZE" },
		    { "Reclaimable", "RECLAIMABLE" } };

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(map[i].field, field) == 0)
			return map[i].header;
	return NULL;
}

static int system_df(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *items = json_object_new_array();
	bool verbose = false;
	struct df_row rows[3] = { { .type = "Images" },
				  { .type = "Containers" },
				  { .type = "Local Volumes" } };
	struct ctr_record **v = NULL;
	struct template *t = NULL;
	const char *format = NULL;
	size_t n = 0;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf:v", opts,
			       "Usage: pea system df [OPTIONS]\n\n"
			       "Show the disk space used by images, containers and volumes.\n\n"
			       "      --format=FORMAT   Go template ({{.Type}}, {{.Total}}, "
			       "{{.Active}}, {{.Size}}, {{.Reclaimable}}) or json\n"
			       "  -v, --verbose         a row per image, container and volume\n",
			       &c, err)) == 2) {
		if (c == 'f')
			format = optarg;
		else if (c == 'v')
			verbose = true;
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	if (records_list(g, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		(void)record_refresh(g, v[i], NULL);
	if (verbose && format)
		r = pea_error_new(err, EINVAL, "cannot combine --format and --verbose flags");
	if (verbose) {
		if (!format) {
			df_verbose_images(g, v, n);
			df_verbose_containers(g, v, n);
			df_verbose_volumes(g, v, n);
		}
		records_free(v, n);
		return format ? r : 0;
	}
	df_images(g, v, n, &rows[0]);
	df_containers(g, v, n, &rows[1]);
	records_free(v, n);
	df_volumes(g, &rows[2]);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		json_object_array_add(items, df_item(&rows[i]));
	if (format && strcmp(format, "json") == 0) {
		fmt_print_json(stdout, items);
		return 0;
	}
	if (template_parse(format ? format
				  : "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t"
				    "{{.Reclaimable}}",
			   df_header, &t, err) < 0)
		return -1;
	r = template_print(stdout, t, items, err);
	template_free(t);
	return r;
}

/* ---- prune, reset ------------------------------------------------------- */

/*
 * The storage containers of pea's store that no record names (a build's working
 * containers, external.h) on image id: with external removed (0), else left (1: the image
 * stays); -1 when one could not be removed (said on stderr).
 */
static int external_users(struct global_options *g, struct ext_ctr *x, size_t nx, const char *id,
			  bool external)
{
	bool used = false;

	for (size_t k = 0; k < nx; k++) {
		_cleanup_error_ struct pea_error *e = NULL;

		if (!x[k].pea_store || !x[k].id || strcmp(x[k].image_id, id) != 0)
			continue;
		used = true;
		if (!external)
			continue;
		if (ext_remove(g, &x[k], true, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e->message);
			return -1;
		}
		ext_ctr_clear(&x[k]);
	}
	return used && !external;
}

/*
 * Images no container uses: without all only those without a name; those of external
 * containers (a killed build's) too with external, which removes those containers first.
 */
static int prune_images(struct global_options *g, bool all, bool external, long long *reclaimed,
			struct pea_error **err)
{
	static const char *const ils[] = { "image", "ls", NULL }, *const lls[] = { "layer", "ls",
										   NULL };
	_cleanup_json_ struct json_object *images = NULL, *layers = NULL;
	_cleanup_error_ struct pea_error *xe = NULL;
	struct ctr_record **v = NULL;
	struct ext_ctr *x = NULL;
	size_t n = 0, nx = 0;
	int status = 0;

	if (store_call(g, ils, &images, err) < 0 || records_list(g, &v, &n, err) < 0)
		return -1;
	(void)store_call(g, lls, &layers, NULL);
	/* a store pea cannot list: the image removals below say what is wrong */
	if (ext_list(g, &x, &nx, &xe) < 0)
		nx = 0;
	for (size_t i = 0; i < json_object_array_length(images); i++) {
		struct json_object *img = json_object_array_get_idx(images, i), *names = NULL;
		const char *id = NULL;
		const char *rm[] = { "image", "rm", NULL, NULL };
		_cleanup_json_ struct json_object *res = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		bool used = false;

		(void)pea_json_get_string_opt(img, "", "id", &id, NULL);
		(void)json_object_object_get_ex(img, "names", &names);
		for (size_t k = 0; id && k < n; k++)
			used = used || (v[k]->image_id && strcmp(v[k]->image_id, id) == 0);
		if (!id || used || (!all && names && json_object_array_length(names) > 0))
			continue;
		switch (external_users(g, x, nx, id, external)) {
		case 0:
			break;
		case 1:
			continue;
		default:
			status = PEA_EXIT_ENGINE;
			continue;
		}
		rm[2] = id;
		if (store_call(g, rm, &res, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE;
			continue;
		}
		*reclaimed += image_size(img, layers);
		printf("%s\n", id);
	}
	records_free(v, n);
	ext_list_free(x, nx);
	return status;
}

/* image prune: dangling images, or with -a every image no container uses (podman-image-prune(1)).
 */
int cmd_image_prune(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "external", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false, force = false, external = false;
	long long reclaimed = 0;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "haf", opts,
			       "Usage: pea image prune [OPTIONS]\n\n"
			       "Remove dangling images (every image no container uses with -a).\n\n"
			       "  -a, --all       every image no container uses\n"
			       "      --external  also those of external containers (a killed "
			       "build's working\n"
			       "                  containers, pea ps --external), removing them\n"
			       "  -f, --force     do not ask for confirmation\n",
			       &c, err)) == 2) {
		all |= c == 'a';
		force |= c == 'f';
		external |= c == 'x';
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	if (!confirm_unless(force, all ? "WARNING! This command removes all images without at "
					 "least one container associated with them.\n"
				       : "WARNING! This command removes all dangling images.\n"))
		return 0;
	r = prune_images(g, all, external, &reclaimed, err);
	return r < 0 ? -1 : r != 0 ? PEA_EXIT_ENGINE : 0;
}

static int system_prune(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct switches o;
	long long reclaimed = 0;
	int r, status = 0;
	_cleanup_free_ char *size = NULL, *warning = NULL;

	r = cmd_switches(argc, argv, "afv",
			 "Usage: pea system prune [OPTIONS]\n\n"
			 "Remove stopped containers, dangling images (all unused ones with "
			 "-a) and, with --volumes, unused volumes.\n\n"
			 "  -a, --all       every image no container uses\n"
			 "  -f, --force     do not ask for confirmation\n"
			 "      --volumes   unused volumes too\n",
			 &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	warning = xasprintf("WARNING! This command removes:\n"
			    "\t- all stopped containers\n"
			    "%s"
			    "\t- all %s images\n\n",
			    o.volumes ? "\t- all volumes not used by at least one container\n" : "",
			    o.all ? "unused" : "dangling");
	if (!confirm_unless(o.force, warning))
		return 0;
	printf("Deleted Containers\n");
	if (containers_prune(g) != 0)
		status = PEA_EXIT_ENGINE;
	if (o.volumes) {
		printf("Deleted Volumes\n");
		if (volume_prune_all(g, NULL, true, err) != 0)
			status = PEA_EXIT_ENGINE;
	}
	printf("Deleted Images\n");
	r = prune_images(g, o.all, false, &reclaimed, err);
	if (r < 0)
		return -1;
	if (r != 0)
		status = PEA_EXIT_ENGINE;
	size = fmt_human_size((double)reclaimed);
	printf("Total reclaimed space: %s\n", size);
	return status;
}

static int system_reset(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct switches o;
	_cleanup_free_ char *warning = NULL;
	struct ctr_record **v = NULL;
	size_t n = 0;
	int r;

	r = cmd_switches(argc, argv, "f",
			 "Usage: pea system reset [-f]\n\n"
			 "Remove every container, image and volume, and the store.\n\n"
			 "  -f, --force   do not ask for confirmation\n",
			 &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	warning = xasprintf("WARNING! This will remove:\n"
			    "        - all containers\n"
			    "        - all pods\n"
			    "        - all images\n"
			    "        - all volumes\n"
			    "        - all build cache\n"
			    "        - all machines\n"
			    "        - the graph root %s and the run root %s\n",
			    g->root, g->runroot);
	if (!confirm_unless(o.force, warning))
		return 0;
	/* containers first: their monitors end, their mounts go */
	if (records_list(g, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		_cleanup_record_ struct ctr_record *fresh = NULL;
		_cleanup_close_ int lock = -1;

		if (container_stop(g, v[i]->id, 0, &e) < 0 || records_lock(g, &lock, &e) < 0 ||
		    record_load(g, v[i]->id, &fresh, &e) < 0 || container_remove(g, fresh, &e) < 0)
			if (e && e->code != ENOENT) {
				fprintf(stderr, "Error: %s\n", e->message);
				records_free(v, n);
				return pea_error_new(err, EBUSY,
						     "container %s could not be removed: nothing "
						     "else was reset",
						     v[i]->id);
			}
	}
	records_free(v, n);
	/* the store's containers no record names (a crash's, pea-storage's alone): their mounts */
	{
		_cleanup_strv_ char **gone = NULL;
		if (ext_remove_orphans(g, true, &gone, err) < 0)
			return pea_error_wrap(err, "system reset: nothing else was reset");
	}
	/* volumes of a mounted type (tmpfs, a device) stay mounted until their rm */
	volumes_unmount_all(g);
	/* rm -rf never crosses a mount point: a mount left behind is an error, not a loss */
	if (pea_rm_rf_at(AT_FDCWD, g->root, err) < 0 || pea_rm_rf_at(AT_FDCWD, g->runroot, err) < 0)
		return pea_error_wrap(err, "system reset");
	return 0;
}

static int system_noop(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "new-runtime", required_argument, NULL, 'r' },
		{ "migrate-db", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "h", opts,
			       "Usage: pea system migrate\n\n"
			       "Nothing to do for pea: say so.\n",
			       &c, err)) == 2)
		;
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	/* rootless: containers and pause process stop, the next pea maps /etc/subuid again */
	if (strcmp(argv[0], "migrate") == 0 && g->rootless && rootless_migrate(g, err) < 0)
		return -1;
	if (strcmp(argv[0], "migrate") == 0)
		printf("pea system migrate: nothing to migrate: pea keeps one JSON record per "
		       "container, read as it is by every version, and starts each container "
		       "with the runtime it names\n");
	else
		printf("pea system renumber: nothing to renumber: pea allocates no locks by "
		       "number (each record has its own file lock)\n");
	return 0;
}

static const char system_usage[] = "Usage: pea system COMMAND\n"
				   "\n"
				   "Manage pea.\n"
				   "\n"
				   "Commands:\n"
				   "  df        show the disk space pea uses\n"
				   "  info      show the host, the store and the version\n"
				   "  migrate   nothing to do for pea (says so)\n"
				   "  prune     remove unused data\n"
				   "  renumber  nothing to do for pea (says so)\n"
				   "  reset     remove everything pea stored\n"
				   "  service   serve podman's API (its ping and version so far)\n";

int cmd_system(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct subcommand sub[] = {
		{ "df", system_df },	   { "events", cmd_events },
		{ "info", info_run },	   { "migrate", system_noop },
		{ "prune", system_prune }, { "renumber", system_noop },
		{ "reset", system_reset }, { "service", system_service },
	};

	return cmd_dispatch(g, "system", system_usage, sub, ARRAY_SIZE(sub), argc, argv, err);
}

static const char version_usage[] = "Usage: pea version [OPTIONS]\n"
				    "\n"
				    "Print the version of pea.\n"
				    "\n"
				    "  -f, --format=FORMAT   Go template ({{.Client.Version}}, "
				    "{{.Client.OsArch}}, ...) or json\n";

/* The fields of `podman version --format json` (its Client part). */
static struct json_object *version_json(void)
{
	struct json_object *o = json_object_new_object(), *c = json_object_new_object();
	_cleanup_free_ char *arch = xasprintf("linux/%s", frontend_oci_arch());
	json_object_object_add(c, "APIVersion", json_object_new_string(PEA_VERSION));
	json_object_object_add(c, "Version", json_object_new_string(PEA_VERSION));
	json_object_object_add(c, "GoVersion", json_object_new_string(""));
	json_object_object_add(c, "GitCommit", json_object_new_string(""));
	json_object_object_add(c, "BuiltTime", json_object_new_string(""));
	json_object_object_add(c, "Built", json_object_new_int64(0));
	json_object_object_add(c, "OsArch", json_object_new_string(arch));
	json_object_object_add(c, "Os", json_object_new_string("linux"));
	json_object_object_add(o, "Client", c);
	return o;
}

int cmd_version(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *v = NULL, *items = NULL;
	const char *format = NULL;
	struct template *t = NULL;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf:", opts, version_usage, &c, err)) == 2)
		format = optarg;
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	if (format && strcmp(format, "json") != 0 && strcmp(format, "{{json .}}") != 0 &&
	    template_parse(format, NULL, &t, err) < 0)
		return -1;
	v = version_json();
	if (format && !t) {
		fmt_print_json(stdout, v);
		return 0;
	}
	if (t) {
		/* podman's local engine answers .Server with its own version (podman's
		 * pause_image helper names the pause image with it); json shows Client only */
		json_object_object_add(v, "Server",
				       json_object_get(json_object_object_get(v, "Client")));
		items = json_object_new_array();
		json_object_array_add(items, json_object_get(v));
		template_set_context(t, "version", "*define.Version");
		r = template_print(stdout, t, items, err);
		template_free(t);
		return r < 0 ? -1 : 0;
	}
	printf("Version:      %s\n", PEA_VERSION);
	printf("API Version:  %s\n", PEA_VERSION);
	printf("OS/Arch:      %s\n", json_object_get_string(json_object_object_get(
					     json_object_object_get(v, "Client"), "OsArch")));
	return 0;
}
