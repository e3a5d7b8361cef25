/*
 * The bundle's config.json: the record's process (from the image and the
 * flags) with podman's defaults: the 11 default capabilities, masked and
 * read-only paths, rlimits clamped to ours, the usual /proc /dev /sys mounts,
 * and /etc/hostname, /etc/hosts, /etc/resolv.conf written in the container's
 * run folder (RUNROOT/containers/ID), after its network is set up.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/container.h"
#include "frontend/frontend.h"
#include "frontend/network.h"
#include "frontend/pod.h"
#include "frontend/records.h"
#include "frontend/rootless.h"
#include "frontend/sdnotify.h"
#include "frontend/secret.h"
#include "frontend/spec.h"
#include "frontend/userns.h"
#include "frontend/seccomp-profile.h"
#include "frontend/security-run.h"
#include "frontend/volumes-run.h"

#define PASSWD_MAX (1u << 20)
#define ZONEINFO   "/usr/share/zoneinfo"
#define ZONE_MAX   (1u << 20)

static const char *const masked_paths[] = {
	"/proc/acpi",	    "/proc/kcore",	 "/proc/keys",	      "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware",    "/sys/fs/selinux",	 "/sys/dev/block",
};

static const char *const readonly_paths[] = {
	"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static struct json_object *str_array(const char *const *v, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static struct json_object *split_opts(const char *opts)
{
	_cleanup_strv_ char **v = pea_strv_split(opts, ",");

	return str_array((const char *const *)v, pea_strv_length(v));
}

static void add_mount(struct json_object *mounts, const char *dest, const char *type,
		      const char *src, struct json_object *options)
{
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", options);
	json_object_array_add(mounts, m);
}

/* A line "name:x:id:gid:..." of passwd/group whose field 0 or 2 matches. */
int spec_lookup_db(int rootfd, const char *file, const char *what, long *ret_id, long *ret_gid)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char *line, *save = NULL;

	if (pea_open_in_root(rootfd, file, O_RDONLY, 0, &fd, NULL) < 0 ||
	    pea_read_all(fd, PASSWD_MAX, &buf, &len, NULL) < 0)
		return -ENOENT;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		_cleanup_strv_ char **f = NULL;
		char *p = line, *colon;

		/* split keeping empty fields */
		while ((colon = strchr(p, ':'))) {
			pea_strv_push_take(&f, xstrndup(p, (size_t)(colon - p)));
			p = colon + 1;
		}
		pea_strv_push(&f, p);
		if (pea_strv_length(f) < 3)
			continue;
		if (strcmp(f[0], what) == 0 || strcmp(f[2], what) == 0) {
			*ret_id = atol(f[2]);
			if (ret_gid)
				*ret_gid = pea_strv_length(f) > 3 ? atol(f[3]) : 0;
			return 0;
		}
	}
	return -ENOENT;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* USER[:GROUP], names looked up in the container's /etc/passwd and /etc/group. */
static int resolve_user(int rootfd, const char *spec, long *ret_uid, long *ret_gid,
			struct pea_error **err)
{
	_cleanup_free_ char *user = NULL;
	const char *colon = strchr(spec, ':');
	long uid = 0, gid = 0, dummy;

	user = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	if (!*user) {
		free(user);
		user = xstrdup("0");
	}
	if (spec_lookup_db(rootfd, "/etc/passwd", user, &uid, &gid) < 0) {
		if (!is_number(user))
			return pea_error_new(err, ENOENT,
					     "unable to find user %s: no matching "
					     "entries in passwd file",
					     user);
		uid = atol(user);
		gid = 0;
	}
	if (colon) {
		const char *grp = colon + 1;
		if (is_number(grp))
			gid = atol(grp);
		else if (spec_lookup_db(rootfd, "/etc/group", grp, &gid, &dummy) < 0)
			return pea_error_new(err, ENOENT,
					     "unable to find group %s: no matching "
					     "entries in group file",
					     grp);
	}
	*ret_uid = uid;
	*ret_gid = gid;
	return 0;
}

static struct json_object *rlimit(const char *type, rlim_t want, int resource)
{
	struct json_object *o = json_object_new_object();
	struct rlimit cur;

	/* Without CAP_SYS_RESOURCE the runtime cannot go above our hard limit. */
	if (getrlimit(resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && cur.rlim_max < want)
		want = cur.rlim_max;
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "hard", json_object_new_int64((int64_t)want));
	json_object_object_add(o, "soft", json_object_new_int64((int64_t)want));
	return o;
}

/*
 * podman under socket activation (systemd's LISTEN_* in our environment): the
 * container gets them, LISTEN_PID as 1, its own pid (250-systemd); the fds
 * themselves go as --preserve-fds (cmd-start.c). They replace the image's.
 */
static void spec_add_listen_env(struct json_object *env)
{
	static const char *const keys[] = { "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES" };

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *val = getenv(keys[k]);
		size_t klen = strlen(keys[k]);

		if (!val)
			continue;
		for (size_t i = json_object_array_length(env); i > 0; i--) {
			const char *e =
				json_object_get_string(json_object_array_get_idx(env, i - 1));
			if (e && strncmp(e, keys[k], klen) == 0 && e[klen] == '=')
				json_object_array_del_idx(env, i - 1, 1);
		}
		{
			_cleanup_free_ char *kv = xasprintf("%s=%s", keys[k], k == 0 ? "1" : val);
			json_object_array_add(env, json_object_new_string(kv));
		}
	}
}

static struct json_object *process_json(const struct ctr_record *r, long uid, long gid,
					struct pea_error **err)
{
	struct json_object *p = json_object_new_object(), *u = json_object_new_object();
	struct json_object *caps = json_object_new_object(), *rl = json_object_new_array();
	struct json_object *v = NULL;
	size_t ncaps = FRONTEND_DEFAULT_CAPS_N;

	{
		bool tty = false;
		(void)pea_json_get_bool_opt(r->opts, "opts", "tty", &tty, NULL);
		json_object_object_add(p, "terminal", json_object_new_boolean(tty));
	}
	json_object_object_add(u, "uid", json_object_new_int64(uid));
	json_object_object_add(u, "gid", json_object_new_int64(gid));
	json_object_object_add(p, "user", u);
	json_object_object_get_ex(r->opts, "args", &v);
	json_object_object_add(p, "args", json_object_get(v));
	json_object_object_get_ex(r->opts, "env", &v);
	{
		struct json_object *env = json_object_new_array();
		const char *host = NULL;
		(void)pea_json_get_string_opt(r->opts, "opts", "hostname", &host, err);
		for (size_t i = 0; v && i < json_object_array_length(v); i++)
			json_object_array_add(env,
					      json_object_get(json_object_array_get_idx(v, i)));
		{
			_cleanup_free_ char *h = xasprintf("HOSTNAME=%s", host ? host : "");
			if (!host)
				h = (free(h), xasprintf("HOSTNAME=%.12s", r->id));
			json_object_array_add(env, json_object_new_string(h));
		}
		spec_add_listen_env(env);
		sdnotify_spec_env(r, env);
		json_object_object_add(p, "env", env);
	}
	json_object_object_get_ex(r->opts, "workdir", &v);
	json_object_object_add(p, "cwd", v ? json_object_get(v) : json_object_new_string("/"));
	json_object_object_add(caps, "bounding", str_array(frontend_default_caps, ncaps));
	/* A non-root user starts with no effective capabilities, as with podman. */
	json_object_object_add(caps, "effective",
			       str_array(frontend_default_caps, uid == 0 ? ncaps : 0));
	json_object_object_add(caps, "permitted",
			       str_array(frontend_default_caps, uid == 0 ? ncaps : 0));
	json_object_object_add(p, "capabilities", caps);
	json_object_array_add(rl, rlimit("RLIMIT_NOFILE", 1048576, RLIMIT_NOFILE));
	json_object_array_add(rl, rlimit("RLIMIT_NPROC", 4194304, RLIMIT_NPROC));
	json_object_object_add(p, "rlimits", rl);
	json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(false));
	return p;
}

static struct json_object *mounts_json(const struct global_options *g, const struct ctr_record *r,
				       const char *rundir, const char *etcdir, bool read_only)
{
	struct json_object *m = json_object_new_array(), *v = NULL;
	static const char *const etc[] = { "hostname", "hosts", "resolv.conf" };
	const char *tz = NULL;

	add_mount(m, "/proc", "proc", "proc", split_opts("nosuid,noexec,nodev"));
	add_mount(m, "/dev", "tmpfs", "tmpfs",
		  split_opts("nosuid,strictatime,mode=755,size=65536k"));
	add_mount(m, "/dev/pts", "devpts", "devpts",
		  split_opts("nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
	add_mount(m, "/dev/mqueue", "mqueue", "mqueue", split_opts("nosuid,noexec,nodev"));
	add_mount(m, "/dev/shm", "tmpfs", "shm",
		  split_opts("nosuid,noexec,nodev,mode=1777,size=65536k"));
	add_mount(m, "/sys", "sysfs", "sysfs", split_opts("nosuid,noexec,nodev,ro"));
	/* podman's: the container's own cgroups, read-only (280-update reads its limits there) */
	if (pea_in_initial_userns())
		add_mount(m, "/sys/fs/cgroup", "cgroup", "cgroup",
			  split_opts("rprivate,nosuid,noexec,nodev,relatime,ro"));
	for (size_t i = 0; i < ARRAY_SIZE(etc); i++) {
		/* hosts and resolv.conf may be another container's (network_share_etc) */
		const char *dir = i > 0 && etcdir ? etcdir : rundir;
		_cleanup_free_ char *src = xasprintf("%s/%s", dir, etc[i]);
		_cleanup_free_ char *dst = xasprintf("/etc/%s", etc[i]);
		add_mount(m, dst, "bind", src, split_opts("rbind,rprivate"));
	}
	if (read_only) {
		static const char *const tmp[] = { "/tmp", "/var/tmp", "/run" };
		for (size_t i = 0; i < ARRAY_SIZE(tmp); i++)
			add_mount(m, tmp[i], "tmpfs", "tmpfs",
				  split_opts("rw,rprivate,nosuid,nodev"));
	}
	json_object_object_get_ex(r->opts, "tmpfs", &v);
	for (size_t i = 0; v && i < json_object_array_length(v); i++) {
		struct json_object *t = json_object_array_get_idx(v, i), *d = NULL, *o = NULL;
		json_object_object_get_ex(t, "destination", &d);
		json_object_object_get_ex(t, "options", &o);
		add_mount(m, json_object_get_string(d), "tmpfs", "tmpfs", json_object_get(o));
	}
	{
		/* after a tmpfs on /run (--read-only, --tmpfs) */
		_cleanup_free_ char *src = xasprintf("%s/.containerenv", rundir);
		add_mount(m, "/run/.containerenv", "bind", src, split_opts("rbind,rprivate"));
	}
	if (pea_json_get_string_opt(r->opts, "opts", "tz", &tz, NULL) == 1 && *tz) {
		_cleanup_free_ char *src = xasprintf("%s/localtime", rundir);
		add_mount(m, "/etc/localtime", "bind", src, split_opts("rbind,rprivate,ro"));
	}
	/* --default-mounts-file: podman's mounts.conf, HOST-DIR:CONTAINER-DIR */
	for (size_t i = 0; g->default_mounts && g->default_mounts[i]; i++) {
		const char *s = g->default_mounts[i], *colon = strchr(s, ':');
		_cleanup_free_ char *src = xstrndup(s, (size_t)(colon - s));
		add_mount(m, colon + 1, "bind", src, split_opts("rbind,rprivate,ro"));
	}
	/* -v and --mount: volumes_spec(), once the user and its namespace are known */
	return m;
}

static struct json_object *linux_json(const struct ctr_record *r, bool host_net, const char *nspath)
{
	static const char *const ns[] = { "pid", "ipc", "uts", "mount", "network" };
	struct json_object *l = json_object_new_object(), *nss = json_object_new_array();
	int64_t mem = 0, pids = 0;
	bool has_mem, has_pids;

	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		struct json_object *o;
		if (host_net && strcmp(ns[i], "network") == 0)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string(ns[i]));
		if (nspath && strcmp(ns[i], "network") == 0)
			json_object_object_add(o, "path", json_object_new_string(nspath));
		json_object_array_add(nss, o);
	}
	json_object_object_add(l, "namespaces", nss);
	json_object_object_add(l, "maskedPaths", str_array(masked_paths, ARRAY_SIZE(masked_paths)));
	json_object_object_add(l, "readonlyPaths",
			       str_array(readonly_paths, ARRAY_SIZE(readonly_paths)));
	has_mem = pea_json_get_int64_opt(r->opts, "opts", "memory", &mem, NULL) == 1;
	has_pids = pea_json_get_int64_opt(r->opts, "opts", "pids_limit", &pids, NULL) == 1;
	/* Resources only when asked for (no cgroup at all otherwise, like before). */
	if (has_mem || has_pids) {
		struct json_object *res = json_object_new_object();
		_cleanup_free_ char *cg = xasprintf("/pea/pea-%s", r->id);
		if (has_mem) {
			struct json_object *mo = json_object_new_object();
			json_object_object_add(mo, "limit", json_object_new_int64(mem));
			json_object_object_add(res, "memory", mo);
		}
		if (has_pids) {
			struct json_object *po = json_object_new_object();
			json_object_object_add(po, "limit",
					       json_object_new_int64(pids <= 0 ? -1 : pids));
			json_object_object_add(res, "pids", po);
		}
		json_object_object_add(l, "resources", res);
		json_object_object_add(l, "cgroupsPath", json_object_new_string(cg));
	}
	userns_spec(r->opts, l);
	return l;
}

static char **opt_strv(const struct ctr_record *r, const char *key)
{
	char **v = NULL;

	(void)pea_json_get_strv_opt(r->opts, "opts", key, &v, NULL);
	return v;
}

static void etc_input_clear(struct etc_input *in)
{
	pea_strv_free(in->addresses);
	free(in->gateway);
	pea_strv_free(in->dns_servers);
	pea_strv_free(in->dns_search);
	pea_strv_free(in->dns_options);
	pea_strv_free(in->net_dns);
	pea_strv_free(in->add_hosts);
	free(in->dns_forward);
}

/* Addresses, first gateway and DNS servers of pea-netsetup's reply. */
static void status_to_input(struct json_object *status, struct etc_input *in)
{
	json_object_object_foreach(status, net, st)
	{
		struct json_object *ifs = NULL, *dns = NULL;
		(void)net;
		if (json_object_object_get_ex(st, "dns_server_ips", &dns))
			for (size_t i = 0; i < json_object_array_length(dns); i++)
				pea_strv_push(
					&in->net_dns,
					json_object_get_string(json_object_array_get_idx(dns, i)));
		if (!json_object_object_get_ex(st, "interfaces", &ifs))
			continue;
		json_object_object_foreach(ifs, ifname, iface)
		{
			struct json_object *subs = NULL;
			(void)ifname;
			if (!json_object_object_get_ex(iface, "subnets", &subs))
				continue;
			for (size_t i = 0; i < json_object_array_length(subs); i++) {
				struct json_object *s = json_object_array_get_idx(subs, i);
				const char *ipnet = NULL, *gw = NULL;
				(void)pea_json_get_string_opt(s, "", "ipnet", &ipnet, NULL);
				(void)pea_json_get_string_opt(s, "", "gateway", &gw, NULL);
				if (ipnet)
					pea_strv_push_take(&in->addresses,
							   xstrndup(ipnet, strcspn(ipnet, "/")));
				if (gw && !in->gateway && !strchr(gw, ':'))
					in->gateway = xstrdup(gw);
			}
		}
	}
}

/*
 * The network namespace to join: made and set up for bridge networks; another
 * container's, whose addresses and DNS servers (its pea-netsetup reply) then
 * go into this container's /etc files too.
 */
static int network_namespace(const struct global_options *g, const struct ctr_record *r,
			     const char *mode, char **ret_nspath, struct json_object **ret_status,
			     struct pea_error **err)
{
	if (strcmp(mode, "bridge") == 0)
		return network_setup(g, r, ret_nspath, ret_status, err);
	if (rootless_net_is_pasta(mode) || rootless_net_is_slirp(mode))
		return rootless_net_setup(g, r, mode, ret_nspath, err);
	if (strncmp(mode, "ns:", 3) == 0) {
		*ret_nspath = xstrdup(mode + 3);
		return 0;
	}
	if (strncmp(mode, "container:", 10) == 0) {
		_cleanup_record_ struct ctr_record *other = NULL;
		if (record_lookup(g, mode + 10, &other, err) < 0)
			return pea_error_wrap(err, "--network %s", mode);
		record_sync_exit(g, other);
		if (other->state != CTR_RUNNING || other->pid <= 0)
			return pea_error_new(err, EINVAL,
					     "--network %s: container %s is not running", mode,
					     other->name);
		*ret_nspath = xasprintf("/proc/%d/ns/net", other->pid);
		{
			_cleanup_free_ char *dir = network_run_dir(g, other->id);
			_cleanup_free_ char *st = xasprintf("%s/network-status.json", dir);
			if (pea_json_parse_file_at(AT_FDCWD, st, 16u << 20, ret_status, NULL) < 0)
				*ret_status = NULL;
		}
	}
	return 0;
}

static char *container_hostname(const struct ctr_record *r, bool host_net)
{
	const char *host = NULL;
	char buf[256] = "";

	(void)pea_json_get_string_opt(r->opts, "opts", "hostname", &host, NULL);
	if (host)
		return xstrdup(host);
	if (host_net) {
		gethostname(buf, sizeof(buf) - 1);
		return xstrdup(buf);
	}
	return xstrndup(r->id, 12);
}

/*
 * The bundle's files (config.json at each start, an exec's process.json) are
 * made again whenever they are needed: replaced whole by a rename, so the
 * runtime reads the old file or the new one, but without the two fsyncs of a
 * record, which cost milliseconds each on a disk (tens when it is busy) on
 * the way to the container.
 */
static int write_bundle_file(int dfd, const char *name, const char *text, struct pea_error **err)
{
	return pea_write_file_replace_at(dfd, name, text, strlen(text), 0600, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A copy of o with its keys in order, as Go prints a map; o is dropped. */
static struct json_object *sorted_object(struct json_object *o)
{
	struct json_object *out = json_object_new_object();
	_cleanup_strv_ char **keys = NULL;

	json_object_object_foreach(o, k, v)
	{
		(void)v;
		pea_strv_push(&keys, k);
	}
	if (keys)
		qsort(keys, pea_strv_length(keys), sizeof(*keys), cmp_str);
	for (size_t i = 0; keys && keys[i]; i++)
		json_object_object_add(out, keys[i],
				       json_object_get(json_object_object_get(o, keys[i])));
	json_object_put(o);
	return out;
}

static const char *podman_bool(bool b)
{
	return b ? "TRUE" : "FALSE";
}

struct json_object *spec_annotations(const struct ctr_record *r, bool started)
{
	struct json_object *a = json_object_new_object(), *sec = NULL, *user = NULL, *v = NULL;
	bool tty = false, init = false, privileged = false, publish_all = false;
	const char *stop = NULL;

	(void)pea_json_get_bool_opt(r->opts, "opts", "tty", &tty, NULL);
	(void)pea_json_get_bool_opt(r->opts, "opts", "publish_all", &publish_all, NULL);
	if (json_object_object_get_ex(r->opts, "security", &sec)) {
		(void)pea_json_get_bool_opt(sec, "security", "init", &init, NULL);
		(void)pea_json_get_bool_opt(sec, "security", "privileged", &privileged, NULL);
	}
	if (started) {
		int sig = SIGTERM;
		_cleanup_free_ char *num = NULL;

		if (pea_json_get_string_opt(r->opts, "opts", "stop_signal", &stop, NULL) == 1 &&
		    pea_signal_from_string(stop) > 0)
			sig = pea_signal_from_string(stop);
		num = xasprintf("%d", sig);
		json_object_object_add(a, "io.container.manager", json_object_new_string("libpod"));
		json_object_object_add(a, "io.kubernetes.cri-o.Created",
				       json_object_new_string(r->created ? r->created : ""));
		json_object_object_add(a, "org.opencontainers.image.stopSignal",
				       json_object_new_string(num));
	}
	json_object_object_add(a, "io.kubernetes.cri-o.TTY",
			       json_object_new_string(tty ? "true" : "false"));
	json_object_object_add(a, "io.podman.annotations.autoremove",
			       json_object_new_string(podman_bool(r->rm)));
	json_object_object_add(a, "io.podman.annotations.init",
			       json_object_new_string(podman_bool(init)));
	json_object_object_add(a, "io.podman.annotations.privileged",
			       json_object_new_string(podman_bool(privileged)));
	json_object_object_add(a, "io.podman.annotations.publish-all",
			       json_object_new_string(podman_bool(publish_all)));
	if (json_object_object_get_ex(r->opts, "volumes_from", &v)) {
		_cleanup_strv_ char **vf = NULL;
		_cleanup_free_ char *joined = NULL;
		(void)pea_json_get_strv_opt(r->opts, "opts", "volumes_from", &vf, NULL);
		joined = pea_strv_join(vf, ",");
		json_object_object_add(a, "io.podman.annotations.volumes-from",
				       json_object_new_string(joined ? joined : ""));
	}
	if (json_object_object_get_ex(r->opts, "annotations", &user) &&
	    json_object_is_type(user, json_type_object)) {
		json_object_object_foreach(user, k, val)
		{
			json_object_object_add(a, k, json_object_get(val));
		}
	}
	return sorted_object(a);
}

/* /dev/shm as a bind mount of src (a pod's, pod_shm()). */
static void shm_bind(struct json_object *mounts, const char *src)
{
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i);
		const char *dst = NULL;

		(void)pea_json_get_string_opt(m, "", "destination", &dst, NULL);
		if (!dst || strcmp(dst, "/dev/shm") != 0)
			continue;
		json_object_object_add(m, "type", json_object_new_string("bind"));
		json_object_object_add(m, "source", json_object_new_string(src));
		json_object_object_add(m, "options", split_opts("rbind,rprivate"));
		return;
	}
}

/*
 * --pid and --ipc (opts pid, ipc): host leaves the namespace out (the host's),
 * container:ID joins a running container's, ns:PATH that file's; ipc none is
 * a namespace of its own without /dev/shm, as podman's.
 */
static int ns_mode_apply(const struct global_options *g, const struct ctr_record *r,
			 const char *type, struct json_object *spec, struct pea_error **err)
{
	struct json_object *linux_obj = NULL, *nss = NULL, *mounts = NULL;
	_cleanup_free_ char *path = NULL;
	const char *mode = NULL;

	if (pea_json_get_string_opt(r->opts, "opts", type, &mode, NULL) != 1)
		return 0;
	if (!json_object_object_get_ex(spec, "linux", &linux_obj) ||
	    !json_object_object_get_ex(linux_obj, "namespaces", &nss))
		return 0;
	if (strncmp(mode, "ns:", 3) == 0) {
		path = xstrdup(mode + 3);
	} else if (strncmp(mode, "container:", 10) == 0) {
		_cleanup_record_ struct ctr_record *other = NULL;
		if (record_lookup(g, mode + 10, &other, err) < 0)
			return pea_error_wrap(err, "--%s %s", type, mode);
		record_sync_exit(g, other);
		if (other->state != CTR_RUNNING || other->pid <= 0)
			return pea_error_new(err, EINVAL, "--%s %s: container %s is not running",
					     type, mode, other->name);
		path = xasprintf("/proc/%d/ns/%s", other->pid, type);
	} else if (strcmp(mode, "none") == 0 &&
		   json_object_object_get_ex(spec, "mounts", &mounts)) {
		for (size_t i = 0; i < json_object_array_length(mounts); i++) {
			const char *dst = NULL;
			(void)pea_json_get_string_opt(json_object_array_get_idx(mounts, i), "",
						      "destination", &dst, NULL);
			if (dst && strcmp(dst, "/dev/shm") == 0) {
				json_object_array_del_idx(mounts, i, 1);
				break;
			}
		}
	}
	for (size_t i = 0; i < json_object_array_length(nss); i++) {
		struct json_object *ns = json_object_array_get_idx(nss, i);
		const char *t = NULL;
		(void)pea_json_get_string_opt(ns, "", "type", &t, NULL);
		if (!t || strcmp(t, type) != 0)
			continue;
		if (strcmp(mode, "host") == 0)
			json_object_array_del_idx(nss, i, 1);
		else if (path)
			json_object_object_add(ns, "path", json_object_new_string(path));
		break;
	}
	return 0;
}

/*
 * Whether the runtime's delete may run beside the layer's removal (pea rm,
 * run --rm): only when the spec gives the container a PID namespace of its
 * own (no path: not the host's, not another container's or a pod's), so that
 * nothing it started outlives its exited init to keep the layer busy, and no
 * poststop hooks, which run at the delete and expect the root still there.
 */
bool spec_delete_beside_rm(struct json_object *spec)
{
	struct json_object *lx = NULL, *nss = NULL, *hooks = NULL, *post = NULL;
	bool own_pidns = false;

	if (!json_object_is_type(spec, json_type_object))
		return false;
	if (json_object_object_get_ex(spec, "hooks", &hooks) &&
	    json_object_object_get_ex(hooks, "poststop", &post) &&
	    (!json_object_is_type(post, json_type_array) || json_object_array_length(post) > 0))
		return false;
	if (!json_object_object_get_ex(spec, "linux", &lx) ||
	    !json_object_object_get_ex(lx, "namespaces", &nss) ||
	    !json_object_is_type(nss, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(nss); i++) {
		struct json_object *ns = json_object_array_get_idx(nss, i);
		const char *type = NULL, *path = NULL;

		if (pea_json_get_string_opt(ns, "", "type", &type, NULL) != 1 ||
		    strcmp(type, "pid") != 0)
			continue;
		own_pidns = pea_json_get_string_opt(ns, "", "path", &path, NULL) != 1 ||
			    path[0] == '\0';
	}
	return own_pidns;
}

/*
 * The container whose config.json this process wrote last, and what
 * spec_delete_beside_rm said of it: run --rm's removal, in the process that
 * started it, need not parse the 16 KB file again (0.3-0.4 ms of CPU). Only
 * while the file is the one written: a wrapper runtime may rewrite it
 * (adding hooks, as nvidia-container-runtime does), and then it is read.
 */
static char *written_id;
static bool written_beside_rm;
static struct stat written_st;

int spec_written_beside_rm(const char *id, int dfd)
{
	struct stat st;

	if (!written_id || strcmp(written_id, id) != 0 ||
	    fstatat(dfd, "config.json", &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_ino != written_st.st_ino || st.st_dev != written_st.st_dev ||
	    st.st_size != written_st.st_size || st.st_mtim.tv_sec != written_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != written_st.st_mtim.tv_nsec)
		return -1;
	return written_beside_rm;
}

static int write_spec(const struct global_options *g, const struct ctr_record *r,
		      const char *rootfs, const char *bundle, const char *rundir,
		      const char *etcdir, const char *hostname, bool host_net, const char *nspath,
		      struct pea_error **err)
{
	_cleanup_json_ struct json_object *spec = json_object_new_object();
	_cleanup_close_ int rootfd = -1, dfd = -1;
	const char *user = "", *text, *uts = NULL;
	struct json_object *root, *proc, *sec = NULL;
	bool read_only = false;
	long uid = 0, gid = 0;

	rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return pea_error_errno(err, "open the container's root '%s'", rootfs);
	(void)pea_json_get_string_opt(r->opts, "opts", "user", &user, NULL);
	(void)pea_json_get_bool_opt(r->opts, "opts", "read_only", &read_only, NULL);
	if (resolve_user(rootfd, user, &uid, &gid, err) < 0)
		return -1;
	proc = process_json(r, uid, gid, err);
	json_object_object_add(spec, "ociVersion", json_object_new_string("1.0.2"));
	json_object_object_add(spec, "process", proc);
	root = json_object_new_object();
	json_object_object_add(root, "path", json_object_new_string(rootfs));
	json_object_object_add(root, "readonly", json_object_new_boolean(read_only));
	json_object_object_add(spec, "root", root);
	json_object_object_add(spec, "hostname", json_object_new_string(hostname));
	json_object_object_add(spec, "mounts", mounts_json(g, r, rundir, etcdir, read_only));
	json_object_object_add(spec, "linux", linux_json(r, host_net, nspath));
	json_object_object_add(spec, "annotations", spec_annotations(r, true));
	if (ns_mode_apply(g, r, "pid", spec, err) < 0 ||
	    ns_mode_apply(g, r, "ipc", spec, err) < 0 || ns_mode_apply(g, r, "uts", spec, err) < 0)
		return -1;
	/* a pod that shares its IPC namespace shares its /dev/shm (pod.h) */
	{
		_cleanup_free_ char *shm = NULL;
		struct json_object *mounts = NULL;
		if (pod_shm(g, r, &shm, err) < 0)
			return -1;
		if (shm && json_object_object_get_ex(spec, "mounts", &mounts))
			shm_bind(mounts, shm);
	}
	/* a pod's UTS namespace, joined: its host name is the infra's (pod.h) */
	if (pea_json_get_string_opt(r->opts, "opts", "uts", &uts, NULL) == 1 &&
	    strncmp(uts, "container:", 10) == 0)
		json_object_object_del(spec, "hostname");
	/* --sdnotify=container: the monitor's socket, after the user's mounts (sdnotify.h) */
	if (volumes_spec(g, r, spec, uid, gid, err) < 0 ||
	    sdnotify_spec_mount(g, r, json_object_object_get(spec, "mounts"), err) < 0)
		return -1;
	if (secret_refs_apply(g, json_object_object_get(r->opts, "secrets"), rundir, spec, err) < 0)
		return -1;
	json_object_object_get_ex(r->opts, "security", &sec);
	/* converted seccomp profiles are kept in the run root */
	seccomp_profile_cache_at(g->runroot);
	secres_apply_systemd(sec, spec, r->id); /* before --init wraps the command */
	if (sec && secres_apply_spec(sec, spec, r->id, rootfd, err) < 0)
		return -1;
	if (!sec && seccomp_profile_apply(NULL, spec, NULL, err) < 0)
		return -1;
	if (userns_prepare(g, r, rootfd, rootfs, rundir, spec, err) < 0 ||
	    userns_join_spec(g, r, spec, err) < 0)
		return -1;
	dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", bundle);
	text = json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (write_bundle_file(dfd, "config.json", text, err) < 0)
		return -1;
	free(written_id);
	written_id = NULL;
	if (fstatat(dfd, "config.json", &written_st, AT_SYMLINK_NOFOLLOW) == 0)
		written_id = xstrdup(r->id);
	written_beside_rm = spec_delete_beside_rm(spec);
	return 0;
}

int spec_tz_check(const char *tz, struct pea_error **err)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;

	if (strcmp(tz, "local") == 0)
		return 0;
	if (!*tz || tz[0] == '/' || strstr(tz, ".."))
		return pea_error_new(err, EINVAL,
				     "invalid timezone \"%s\": use a zone of " ZONEINFO
				     " (Europe/Paris) or local",
				     tz);
	path = xasprintf(ZONEINFO "/%s", tz);
	if (stat(path, &st) < 0)
		return pea_error_new(err, errno, "invalid timezone \"%s\": stat %s: %s", tz, path,
				     strerror(errno));
	if (!S_ISREG(st.st_mode))
		return pea_error_new(err, EISDIR, "invalid timezone \"%s\": %s is not a file", tz,
				     path);
	return 0;
}

/* --tz: the zone's file (the host's own for local) copied to RUNDIR/localtime, as podman. */
static int tz_prepare(const struct ctr_record *r, const char *rundir, struct pea_error **err)
{
	_cleanup_free_ char *zone = NULL, *real = NULL, *buf = NULL, *dst = NULL;
	_cleanup_close_ int fd = -1;
	const char *tz = NULL;
	size_t len = 0;

	if (pea_json_get_string_opt(r->opts, "opts", "tz", &tz, NULL) != 1 || !*tz)
		return 0;
	zone = strcmp(tz, "local") == 0 ? xstrdup("/etc/localtime") : xasprintf(ZONEINFO "/%s", tz);
	real = realpath(zone, NULL);
	if (!real)
		return pea_error_errno(err, "setting timezone '%s': '%s'", tz, zone);
	if (pea_read_file_at(AT_FDCWD, real, ZONE_MAX, &buf, &len, err) < 0)
		return pea_error_wrap(err, "setting timezone '%s'", tz);
	dst = xasprintf("%s/localtime", rundir);
	fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return pea_error_errno(err, "create '%s'", dst);
	if (fchmod(fd, 0644) < 0 || pea_write_all(fd, buf, len, err) < 0)
		return pea_error_wrap(err, "setting timezone '%s': write '%s'", tz, dst);
	return 0;
}

/*
 * /run/.containerenv, podman's mark that a process runs in a container: empty,
 * and with --privileged who runs it (podman-run(1)).
 */
static int containerenv_write(const struct ctr_record *r, const char *rundir,
			      struct pea_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/.containerenv", rundir), *text = NULL;
	struct json_object *sec = NULL;
	bool privileged = false;

	if (json_object_object_get_ex(r->opts, "security", &sec))
		(void)pea_json_get_bool_opt(sec, "security", "privileged", &privileged, NULL);
	if (privileged)
		text = xasprintf("engine=\"pea-%s\"\nname=\"%s\"\nid=\"%s\"\nimage=\"%s\"\n"
				 "imageid=\"%s\"\nrootless=%d\n",
				 PEA_VERSION, r->name, r->id, r->image_name ? r->image_name : "",
				 r->image_id ? r->image_id : "", pea_in_initial_userns() ? 0 : 1);
	if (pea_write_file_replace_at(AT_FDCWD, path, text ? text : "", text ? strlen(text) : 0,
				      0644, err) < 0)
		return pea_error_wrap(err, "write /run/.containerenv");
	return 0;
}

/* dir is dest or above it. */
static bool dir_holds(const char *dir, const char *dest)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(dest, dir, n) == 0 && (dest[n] == '\0' || dest[n] == '/' || n == 1);
}

int spec_check_workdir(const struct ctr_record *r, const char *rootfs, struct pea_error **err)
{
	static const char *const lists[] = { "volumes", "tmpfs" };
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_close_ int rootfd = -1, fd = -1;
	const char *wd = NULL;
	bool given = false;

	if (pea_json_get_bool_opt(r->opts, "opts", "workdir_given", &given, NULL) != 1 || !given ||
	    pea_json_get_string_opt(r->opts, "opts", "workdir", &wd, NULL) != 1)
		return 0;
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
		struct json_object *v = NULL;
		json_object_object_get_ex(r->opts, lists[l], &v);
		for (size_t i = 0; v && i < json_object_array_length(v); i++) {
			const char *dest = NULL;
			(void)pea_json_get_string_opt(json_object_array_get_idx(v, i), "",
						      "destination", &dest, NULL);
			if (dest && dir_holds(wd, dest))
				return 0;
		}
	}
	rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return pea_error_errno(err, "open the container's root '%s'", rootfs);
	if (pea_open_in_root(rootfd, wd, O_PATH, 0, &fd, &e) < 0 && e->code == ENOENT)
		return pea_error_new(err, ENOENT, "workdir \"%s\" does not exist on container %s",
				     wd, r->id);
	return 0;
}

int spec_conmon_pidfile(const struct ctr_record *r, const char *bundle, struct pea_error **err)
{
	_cleanup_free_ char *src = xasprintf("%s/conmon.pid", bundle), *buf = NULL;
	const char *dst = NULL;

	if (pea_json_get_string_opt(r->opts, "opts", "conmon_pidfile", &dst, NULL) != 1)
		return 0;
	if (pea_read_file_at(AT_FDCWD, src, 64, &buf, NULL, err) < 0 ||
	    pea_write_file_at(AT_FDCWD, dst, buf, err) < 0)
		return pea_error_wrap(err, "--conmon-pidfile");
	return 0;
}

/*
 * podman: an image without /etc/mtab gets the link /etc/mtab -> /proc/mounts.
 * Best effort, through fds that follow no link of the image out of rootfs. With
 * maps, an /etc made here and the link are the container's root's, as podman's:
 * the runtime, in the user namespace, makes the /etc files it mounts over in it
 * (an image without /etc, as the pause image, failed to start with EACCES).
 */
static void mtab_link(const char *rootfs, struct json_object *opts)
{
	_cleanup_close_ int root = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int etc = -1;
	unsigned long long uid, gid;
	bool mapped = userns_root_ids(opts, &uid, &gid), made;
	struct stat st;

	if (root < 0)
		return;
	made = mkdirat(root, "etc", 0755) == 0;
	etc = openat(root, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (etc >= 0 && made && mapped && fchown(etc, (uid_t)uid, (gid_t)gid) < 0)
		log_debug("chown the container's /etc: %m");
	if (etc < 0 || fstatat(etc, "mtab", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return;
	if (symlinkat("/proc/mounts", etc, "mtab") < 0)
		return; /* a read-only image root, say: the container goes without */
	if (mapped && fchownat(etc, "mtab", (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0)
		log_debug("chown the container's /etc/mtab: %m");
}

int spec_write(const struct global_options *g, const struct ctr_record *r, const char *rootfs,
	       struct pea_error **err)
{
	_cleanup_free_ char *bundle = record_dir(g, r->id), *rundir = network_run_dir(g, r->id);
	_cleanup_free_ char *hostname = NULL, *nspath = NULL, *etcdir = NULL;
	_cleanup_json_ struct json_object *status = NULL;
	_cleanup_(etc_input_clear) struct etc_input in = { 0 };
	const char *mode = "none";
	bool host_net;

	/* a pod's member joins its infra container, started first (pod.h) */
	if (pod_start_infra(g, r, err) < 0)
		return -1;
	(void)pea_json_get_string_opt(r->opts, "opts", "network", &mode, NULL);
	host_net = strcmp(mode, "host") == 0;
	hostname = container_hostname(r, host_net);
	if (frontend_mkdir_p(rundir, err) < 0)
		return -1;
	if (network_namespace(g, r, mode, &nspath, &status, err) < 0)
		return -1;
	if (strncmp(mode, "container:", 10) == 0 &&
	    network_share_etc(g, r, mode + 10, hostname, &etcdir, err) < 0)
		return -1;
	in.hostname = hostname;
	in.name = r->name;
	in.host_net = host_net;
	in.dns_servers = opt_strv(r, "dns");
	in.dns_search = opt_strv(r, "dns_search");
	in.dns_options = opt_strv(r, "dns_option");
	in.add_hosts = opt_strv(r, "add_host");
	if (status)
		status_to_input(status, &in);
	in.dns_forward = rootless_net_dns(mode);
	rootless_net_etc_input(mode, &in);
	mtab_link(rootfs, r->opts);
	if (etc_files_write(g, rundir, rootfs, &in, err) < 0 || tz_prepare(r, rundir, err) < 0 ||
	    containerenv_write(r, rundir, err) < 0 || volumes_prepare(g, r, rootfs, err) < 0 ||
	    write_spec(g, r, rootfs, bundle, rundir, etcdir, hostname, host_net, nspath, err) < 0) {
		if (strcmp(mode, "bridge") == 0 || etcdir || rootless_net_is_pasta(mode) ||
		    rootless_net_is_slirp(mode))
			(void)network_teardown(g, r->id, NULL);
		volumes_release(g, r); /* what volumes_spec() mounted */
		return -1;
	}
	return 0;
}

int spec_exec_process(const struct global_options *g, const struct ctr_record *r, char *const *args,
		      char *const *env, const char *cwd, const char *user, bool tty,
		      char **ret_path, struct pea_error **err)
{
	_cleanup_free_ char *bundle = record_dir(g, r->id), *path = NULL;
	_cleanup_json_ struct json_object *spec = NULL;
	_cleanup_close_ int dfd = -1, rootfd = -1;
	struct json_object *proc = NULL, *a, *envj = NULL, *u;
	const char *rootpath = NULL, *text;

	dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", bundle);
	if (pea_json_parse_file_at(dfd, "config.json", 16u << 20, &spec, err) < 0)
		return -1;
	if (!spec || pea_json_get_object_opt(spec, "", "process", &proc, err) != 1)
		return pea_error_new(err, EINVAL, "'%s/config.json' has no process", bundle);
	a = json_object_new_array();
	for (size_t i = 0; args[i]; i++)
		json_object_array_add(a, json_object_new_string(args[i]));
	json_object_object_add(proc, "args", a);
	json_object_object_add(proc, "terminal", json_object_new_boolean(tty));
	if (!json_object_object_get_ex(proc, "env", &envj)) {
		envj = json_object_new_array();
		json_object_object_add(proc, "env", envj);
	}
	for (size_t i = 0; env && env[i]; i++)
		frontend_env_put(envj, env[i]);
	if (cwd)
		json_object_object_add(proc, "cwd", json_object_new_string(cwd));
	if (user) {
		long uid = 0, gid = 0;
		struct json_object *root = NULL;
		if (pea_json_get_object_opt(spec, "", "root", &root, err) < 0 || !root ||
		    pea_json_get_string_req(root, "root", "path", &rootpath, err) < 0)
			return -1;
		rootfd = open(rootpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return pea_error_errno(err, "open the container's root '%s'", rootpath);
		if (resolve_user(rootfd, user, &uid, &gid, err) < 0)
			return -1;
		u = json_object_new_object();
		json_object_object_add(u, "uid", json_object_new_int64(uid));
		json_object_object_add(u, "gid", json_object_new_int64(gid));
		json_object_object_add(proc, "user", u);
	}
	/* a unique name in the bundle: the runtime reads it by path */
	{
		_cleanup_free_ char *id = frontend_new_id();
		path = xasprintf("exec-%.12s.json", id);
	}
	text = json_object_to_json_string_ext(proc, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (write_bundle_file(dfd, path, text, err) < 0)
		return -1;
	*ret_path = xasprintf("%s/%s", bundle, path);
	return 0;
}
