/* Pods: records, infra container, life cycle (pod.h, podman-pod(1)). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/toml.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/config.h"
#include "frontend/container.h"
#include "frontend/events.h"
#include "frontend/frontend.h"
#include "frontend/images.h"
#include "frontend/pod.h"
#include "frontend/records.h"

#define POD_RECORD_MAX (1u << 20)

struct pod_record *pod_record_free(struct pod_record *p)
{
	if (!p)
		return NULL;
	free(p->id);
	free(p->name);
	free(p->created);
	free(p->infra_id);
	pea_strv_free(p->share);
	free(p->exit_policy);
	free(p->service_id);
	free(p->hostname);
	free(p->cgroup_parent);
	json_object_put(p->labels);
	json_object_put(p->infra_config);
	json_object_put(p->create_command);
	free(p);
	return NULL;
}

void pod_record_freep(struct pod_record **p)
{
	*p = pod_record_free(*p);
}

static char *pods_dir(const struct global_options *g)
{
	return xasprintf("%s/pods", g->root);
}

int pods_lock(const struct global_options *g, int *ret_fd, struct pea_error **err)
{
	_cleanup_free_ char *dir = pods_dir(g), *lock = xasprintf("%s/pods.lock", g->root);

	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	return pea_lock_at(AT_FDCWD, lock, PEA_LOCK_EXCLUSIVE, false, ret_fd, err) < 0 ? -1 : 0;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static struct json_object *strv_json(char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

int pod_save(const struct global_options *g, const struct pod_record *p, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_free_ char *dir = xasprintf("%s/pods/%s", g->root, p->id);
	const char *text;
	_cleanup_close_ int dfd = -1;

	add_str(o, "id", p->id);
	add_str(o, "name", p->name);
	add_str(o, "created", p->created);
	add_str(o, "infra_id", p->infra_id);
	json_object_object_add(o, "share", strv_json(p->share));
	add_str(o, "exit_policy", p->exit_policy);
	if (p->service_id)
		add_str(o, "service_id", p->service_id);
	add_str(o, "hostname", p->hostname);
	add_str(o, "cgroup_parent", p->cgroup_parent);
	json_object_object_add(o, "labels",
			       p->labels ? json_object_get(p->labels) : json_object_new_object());
	if (p->infra_config)
		json_object_object_add(o, "infra_config", json_object_get(p->infra_config));
	if (p->create_command)
		json_object_object_add(o, "create_command", json_object_get(p->create_command));
	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	return pea_write_file_atomic_at(dfd, "pod.json", text, strlen(text), 0600, err);
}

static int pod_from_json(struct json_object *j, struct pod_record **ret, struct pea_error **err)
{
	_cleanup_pod_ struct pod_record *p = xnew(struct pod_record, 1);
	const char *id = NULL, *name = NULL, *created = "", *infra = NULL, *policy = "continue";
	const char *host = NULL, *cgp = NULL, *svc = NULL;
	struct json_object *labels = NULL, *ic = NULL, *cc = NULL;

	if (pea_json_expect_object(j, "", err) < 0 ||
	    pea_json_get_string_req(j, "", "id", &id, err) < 0 ||
	    pea_json_get_string_req(j, "", "name", &name, err) < 0 ||
	    pea_json_get_string_opt(j, "", "created", &created, err) < 0 ||
	    pea_json_get_string_opt(j, "", "infra_id", &infra, err) < 0 ||
	    pea_json_get_strv_opt(j, "", "share", &p->share, err) < 0 ||
	    pea_json_get_string_opt(j, "", "exit_policy", &policy, err) < 0 ||
	    pea_json_get_string_opt(j, "", "service_id", &svc, err) < 0 ||
	    pea_json_get_string_opt(j, "", "hostname", &host, err) < 0 ||
	    pea_json_get_string_opt(j, "", "cgroup_parent", &cgp, err) < 0 ||
	    pea_json_get_object_opt(j, "", "labels", &labels, err) < 0 ||
	    pea_json_get_object_opt(j, "", "infra_config", &ic, err) < 0 ||
	    pea_json_get_array_opt(j, "", "create_command", &cc, err) < 0)
		return -1;
	p->id = xstrdup(id);
	p->name = xstrdup(name);
	p->created = xstrdup(created);
	p->infra_id = infra ? xstrdup(infra) : NULL;
	p->exit_policy = xstrdup(policy);
	p->service_id = svc ? xstrdup(svc) : NULL;
	p->hostname = host ? xstrdup(host) : NULL;
	p->cgroup_parent = cgp ? xstrdup(cgp) : NULL;
	p->labels = labels ? json_object_get(labels) : json_object_new_object();
	p->infra_config = ic ? json_object_get(ic) : NULL;
	p->create_command = cc ? json_object_get(cc) : NULL;
	*ret = TAKE_PTR(p);
	return 0;
}

int pod_record_parse(const char *buf, size_t len, struct pod_record **ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *j = NULL;

	if (len > POD_RECORD_MAX)
		return pea_error_new(err, EFBIG, "pod record: larger than %u bytes",
				     POD_RECORD_MAX);
	if (pea_json_parse(buf, len, "pod record", &j, err) < 0)
		return -1;
	if (!j)
		return pea_error_new(err, EINVAL, "pod record: not an object");
	return pod_from_json(j, ret, err);
}

int pod_load(const struct global_options *g, const char *id, struct pod_record **ret,
	     struct pea_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/pods/%s/pod.json", g->root, id);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, path, POD_RECORD_MAX, &buf, &len, err) < 0)
		return -1;
	if (pod_record_parse(buf, len, ret, err) < 0)
		return pea_error_wrap(err, "'%s'", path);
	return 0;
}

static int cmp_created(const void *a, const void *b)
{
	const struct pod_record *x = *(struct pod_record *const *)a;
	const struct pod_record *y = *(struct pod_record *const *)b;

	return strcmp(x->created, y->created);
}

int pods_list(const struct global_options *g, struct pod_record ***ret, size_t *ret_n,
	      struct pea_error **err)
{
	_cleanup_free_ char *dir = pods_dir(g);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct pod_record **v = NULL;
	size_t n = 0;
	struct dirent *de;

	if (!d) {
		if (errno != ENOENT)
			return pea_error_errno(err, "open '%s'", dir);
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((de = readdir(d))) {
		_cleanup_error_ struct pea_error *e = NULL;
		struct pod_record *p = NULL;

		if (de->d_name[0] == '.')
			continue;
		/* one being removed, or half made: not a pod */
		if (pod_load(g, de->d_name, &p, &e) < 0)
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = p;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_created);
	*ret = v;
	*ret_n = n;
	return 0;
}

void pods_free(struct pod_record **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pod_record_free(v[i]);
	free(v);
}

int pod_lookup(const struct global_options *g, const char *what, struct pod_record **ret,
	       struct pea_error **err)
{
	struct pod_record **v = NULL;
	size_t n = 0, found = SIZE_MAX, matches = 0;
	size_t len = strlen(what);

	if (pods_list(g, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && found == SIZE_MAX; i++)
		if (strcmp(v[i]->id, what) == 0 || strcmp(v[i]->name, what) == 0)
			found = i;
	for (size_t i = 0; i < n && found == SIZE_MAX && len > 0; i++)
		if (strncmp(v[i]->id, what, len) == 0)
			matches++;
	if (found == SIZE_MAX && matches == 1)
		for (size_t i = 0; i < n; i++)
			if (strncmp(v[i]->id, what, len) == 0)
				found = i;
	if (found == SIZE_MAX) {
		pods_free(v, n);
		if (matches > 1)
			return pea_error_new(err, EINVAL, "more than one result for pod ID %s",
					     what);
		return pea_error_new(err, ENOENT, "no pod with name or ID %s found: no such pod",
				     what);
	}
	*ret = v[found];
	v[found] = NULL;
	pods_free(v, n);
	return 0;
}

int pod_delete(const struct global_options *g, const char *id, struct pea_error **err)
{
	_cleanup_free_ char *dir = pods_dir(g), *tomb = xasprintf(".rm-%s", id);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	/* renamed first: readers never see a pod with its record half gone */
	if (renameat(dfd, id, dfd, tomb) < 0 && errno != ENOENT)
		return pea_error_errno(err, "remove pod '%s'", id);
	return pea_rm_rf_at(dfd, tomb, err);
}

const char *pod_of(const struct ctr_record *r)
{
	const char *id = NULL;

	if (!r->opts || pea_json_get_string_opt(r->opts, "opts", "pod", &id, NULL) != 1)
		return NULL;
	return id;
}

bool pod_is_infra(const struct ctr_record *r)
{
	bool infra = false;

	(void)pea_json_get_bool_opt(r->opts, "opts", "pod_infra", &infra, NULL);
	return infra && pod_of(r);
}

bool pod_shares(const struct pod_record *p, const char *ns)
{
	return p->infra_id && pea_strv_contains(p->share, ns);
}

int pod_containers(const struct global_options *g, const char *pod_id, bool with_infra, char ***ret,
		   struct pea_error **err)
{
	struct ctr_record **all = NULL;
	char **ids = NULL;
	const char *infra = NULL;
	size_t n = 0;

	if (records_list(g, &all, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *p = pod_of(all[i]);
		if (!p || strcmp(p, pod_id) != 0)
			continue;
		if (pod_is_infra(all[i]))
			infra = all[i]->id;
		else
			pea_strv_push(&ids, all[i]->id);
	}
	if (with_infra && infra)
		pea_strv_push(&ids, infra);
	records_free(all, n);
	*ret = ids;
	return 0;
}

const char *pod_state(const struct global_options *g, const struct pod_record *p)
{
	struct ctr_record **all = NULL;
	size_t n = 0, total = 0, running = 0, paused = 0, created = 0;

	if (records_list(g, &all, &n, NULL) < 0)
		return "Error";
	for (size_t i = 0; i < n; i++) {
		const char *pid = pod_of(all[i]);
		if (!pid || strcmp(pid, p->id) != 0)
			continue;
		total++;
		record_sync_exit(g, all[i]);
		if (all[i]->state == CTR_RUNNING && all[i]->paused)
			paused++;
		else if (all[i]->state == CTR_RUNNING)
			running++;
		else if (all[i]->state == CTR_CREATED)
			created++;
	}
	records_free(all, n);
	if (total == 0 || created == total)
		return "Created";
	if (running == total)
		return "Running";
	if (paused == total)
		return "Paused";
	if (running > 0 || paused > 0)
		return "Degraded";
	return "Exited";
}

/* ---- the pause image ----------------------------------------------------- */

char *pod_pause_image_name(void)
{
	/* podman's: localhost/podman-pause:VERSION-BUILT (version's .Server fields) */
	return xstrdup("localhost/podman-pause:" PEA_VERSION "-0");
}

/* RUNROOT/tmp/pause-XXXXXX/catatonit, a copy of pea-infra, as a tar in *ret_tar. */
static int pause_tar(const struct global_options *g, char **ret_dir, char **ret_tar,
		     struct pea_error **err)
{
	_cleanup_free_ char *bin = frontend_find_binary(g, "pea-infra"), *buf = NULL;
	_cleanup_free_ char *tmp = xasprintf("%s/tmp", g->runroot), *dir = NULL, *tar = NULL;
	_cleanup_close_ int dfd = -1, out = -1, fd = -1;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, bin, 64u << 20, &buf, &len, err) < 0)
		return pea_error_wrap(err, "the pause program");
	if (frontend_mkdir_p(tmp, err) < 0)
		return -1;
	dir = xasprintf("%s/pause-XXXXXX", tmp);
	if (!mkdtemp(dir))
		return pea_error_errno(err, "create '%s'", dir);
	*ret_dir = xstrdup(dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	if (pea_mkdir_p_at(dfd, "rootfs", 0755, NULL, err) < 0)
		return -1;
	fd = openat(dfd, "rootfs/catatonit", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (fd < 0)
		return pea_error_errno(err, "create '%s/rootfs/catatonit'", dir);
	if (fchmod(fd, 0755) < 0)
		return pea_error_errno(err, "chmod '%s/rootfs/catatonit'", dir);
	if (pea_write_all(fd, buf, len, err) < 0)
		return pea_error_wrap(err, "'%s/rootfs/catatonit'", dir);
	tar = xasprintf("%s/pause.tar", dir);
	out = open(tar, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return pea_error_errno(err, "create '%s'", tar);
	if (cp_write_tar(dfd, "rootfs", ".", out, err) < 0)
		return pea_error_wrap(err, "the pause image's layer");
	*ret_tar = TAKE_PTR(tar);
	return 0;
}

int pod_pause_image_ensure(const struct global_options *g, struct pea_error **err)
{
	_cleanup_free_ char *name = pod_pause_image_name(), *dir = NULL, *tar = NULL;
	_cleanup_free_ char *lockp = xasprintf("%s/pause-image.lock", g->runroot);
	_cleanup_json_ struct json_object *img = NULL;
	_cleanup_strv_ char **argv = NULL;
	_cleanup_close_ int lock = -1;
	struct run_result res = { 0 };
	int rc = -1;

	if (image_find(g, name, &img, NULL) == 0)
		return 0;
	if (frontend_mkdir_p(g->runroot, err) < 0 ||
	    pea_lock_at(AT_FDCWD, lockp, PEA_LOCK_EXCLUSIVE, false, &lock, err) < 0)
		return -1;
	if (image_find(g, name, &img, NULL) == 0) /* another command made it meanwhile */
		return 0;
	if (pause_tar(g, &dir, &tar, err) < 0)
		goto out;
	argv = frontend_self_argv(g);
	pea_strv_push(&argv, "import");
	pea_strv_push(&argv, "--change");
	pea_strv_push(&argv, "ENTRYPOINT [\"/catatonit\", \"-P\"]");
	pea_strv_push(&argv, "--quiet");
	pea_strv_push(&argv, tar);
	pea_strv_push(&argv, name);
	if (frontend_run_capture(argv, -1, &res, err) < 0)
		goto out;
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
		pea_error_new(err, EIO, "making the pause image %s: %s", name,
			      res.errtxt && *res.errtxt ? res.errtxt : "import failed");
		goto out;
	}
	rc = 0;
out:
	run_result_clear(&res);
	if (dir)
		(void)pea_rm_rf_at(AT_FDCWD, dir, NULL);
	return rc;
}

/* ---- create -------------------------------------------------------------- */

void pod_create_opts_clear(struct pod_create_opts *o)
{
	free(o->name);
	free(o->infra_image);
	free(o->infra_command);
	free(o->infra_name);
	pea_strv_free(o->share);
	pea_strv_free(o->labels);
	pea_strv_free(o->publish);
	free(o->network);
	free(o->hostname);
	pea_strv_free(o->add_host);
	pea_strv_free(o->dns);
	pea_strv_free(o->dns_search);
	pea_strv_free(o->dns_option);
	free(o->mac);
	free(o->pod_id_file);
	free(o->cgroup_parent);
	free(o->exit_policy);
	free(o->userns);
	pea_strv_free(o->uidmap);
	pea_strv_free(o->gidmap);
	json_object_put(o->create_command);
}

static int pod_create_validate(const struct pod_create_opts *o, struct pea_error **err)
{
	if (o->exit_policy && strcmp(o->exit_policy, "continue") != 0 &&
	    strcmp(o->exit_policy, "stop") != 0)
		return pea_error_new(err, EINVAL,
				     "running pod create option: invalid pod exit policy: \"%s\"",
				     o->exit_policy);
	if (o->name && !container_name_valid(o->name))
		return pea_error_new(err, EINVAL,
				     "running pod create option: names must match "
				     "[a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
	if (!o->infra && o->publish)
		return pea_error_new(err, EINVAL,
				     "you must have an infra container to publish port bindings "
				     "to the host");
	if (!o->infra && o->share_given && o->share)
		return pea_error_new(err, EINVAL,
				     "you cannot share kernel namespaces on the pod level without "
				     "an infra container");
	if (!o->infra && (o->network || o->hostname || o->dns || o->add_host || o->mac))
		return pea_error_new(err, EINVAL,
				     "cannot set network or hostname options without an infra "
				     "container");
	if (!o->infra && (o->uidmap || o->gidmap))
		return pea_error_new(err, EINVAL,
				     "cannot set --uidmap or --gidmap without an infra container");
	if (o->userns && (o->uidmap || o->gidmap))
		return pea_error_new(err, EINVAL,
				     "--userns and --uidmap/--gidmap/--subuidname/--subgidname "
				     "are mutually exclusive");
	if (o->infra_name && !container_name_valid(o->infra_name))
		return pea_error_new(err, EINVAL, "--infra-name: invalid container name '%s'",
				     o->infra_name);
	return 0;
}

static void push_opts(char ***argv, const char *flag, char *const *v)
{
	for (size_t i = 0; v && v[i]; i++) {
		pea_strv_push(argv, flag);
		pea_strv_push(argv, v[i]);
	}
}

/* The create arguments of the infra container. */
static char **infra_argv(const struct pod_create_opts *o, const struct pod_record *p,
			 const char *image)
{
	char **argv = NULL;
	_cleanup_free_ char *name = NULL;

	name = o->infra_name ? xstrdup(o->infra_name) : xasprintf("%.12s-infra", p->id);
	pea_strv_push(&argv, "create");
	pea_strv_push(&argv, "--sdnotify=ignore"); /* podman's infra: never the service's */
	pea_strv_push(&argv, "--quiet");	   /* podman pulls the infra image silently */
	pea_strv_push(&argv, "--name");
	pea_strv_push(&argv, name);
	/* (the pod has no infra id yet: its share list says) */
	if (pea_strv_contains(p->share, "uts") && p->hostname) {
		pea_strv_push(&argv, "--hostname");
		pea_strv_push(&argv, p->hostname);
	}
	if (pea_strv_contains(p->share, "net")) {
		if (o->network) {
			pea_strv_push(&argv, "--network");
			pea_strv_push(&argv, o->network);
		}
		if (o->mac) {
			pea_strv_push(&argv, "--mac-address");
			pea_strv_push(&argv, o->mac);
		}
		push_opts(&argv, "--publish", o->publish);
		push_opts(&argv, "--dns", o->dns);
		push_opts(&argv, "--dns-search", o->dns_search);
		push_opts(&argv, "--dns-option", o->dns_option);
		push_opts(&argv, "--add-host", o->add_host);
	}
	if (o->userns) {
		pea_strv_push(&argv, "--userns");
		pea_strv_push(&argv, o->userns);
	}
	push_opts(&argv, "--uidmap", o->uidmap);
	push_opts(&argv, "--gidmap", o->gidmap);
	if (o->infra_command) {
		pea_strv_push(&argv, "--entrypoint");
		pea_strv_push(&argv, o->infra_command);
	}
	pea_strv_push(&argv, image);
	return argv;
}

/* Mark the new infra container as the pod's (its record, under its lock). */
static int infra_mark(struct global_options *g, const char *ctr_id, const char *pod_id,
		      struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_close_ int lock = -1;

	if (record_lookup_locked(g, ctr_id, &r, &lock, err) < 0)
		return -1;
	json_object_object_add(r->opts, "pod", json_object_new_string(pod_id));
	json_object_object_add(r->opts, "pod_infra", json_object_new_boolean(true));
	return record_save(g, r, err);
}

/*
 * -p [[IP:]HOST:]CTR[/PROTO] as podman's InfraConfig.PortBindings:
 * {"CTR/PROTO": [{"HostIp": IP, "HostPort": HOST}]} (pea-netsetup checks the values).
 */
static struct json_object *port_bindings(char *const *publish)
{
	struct json_object *pb = json_object_new_object();

	for (size_t i = 0; publish && publish[i]; i++) {
		_cleanup_free_ char *spec = xstrdup(publish[i]), *key = NULL;
		char *proto = strchr(spec, '/'), *ctr, *host = NULL, *ip = NULL;
		struct json_object *list = NULL, *b = json_object_new_object();

		if (proto)
			*proto++ = '\0';
		ctr = strrchr(spec, ':');
		if (ctr) {
			*ctr++ = '\0';
			host = strrchr(spec, ':');
			if (host) {
				*host++ = '\0';
				ip = spec;
			} else {
				host = spec;
			}
		} else {
			ctr = spec;
		}
		key = xasprintf("%s/%s", ctr, proto && *proto ? proto : "tcp");
		json_object_object_add(b, "HostIp", json_object_new_string(ip ? ip : ""));
		json_object_object_add(b, "HostPort", json_object_new_string(host ? host : ""));
		if (!json_object_object_get_ex(pb, key, &list)) {
			list = json_object_new_array();
			json_object_object_add(pb, key, list);
		}
		json_object_array_add(list, b);
	}
	return pb;
}

static struct json_object *infra_config(const struct pod_create_opts *o)
{
	struct json_object *c = json_object_new_object();
	bool host = o->network && strcmp(o->network, "host") == 0;

	json_object_object_add(c, "PortBindings", port_bindings(o->publish));
	json_object_object_add(c, "HostNetwork", json_object_new_boolean(host));
	json_object_object_add(c, "StaticIP", json_object_new_string(""));
	json_object_object_add(c, "StaticMAC", json_object_new_string(o->mac ? o->mac : ""));
	json_object_object_add(c, "NoManageResolvConf", json_object_new_boolean(false));
	if (o->dns)
		json_object_object_add(c, "DNSServer", strv_json(o->dns));
	if (o->dns_search)
		json_object_object_add(c, "DNSSearch", strv_json(o->dns_search));
	if (o->dns_option)
		json_object_object_add(c, "DNSOption", strv_json(o->dns_option));
	json_object_object_add(c, "NoManageHosts", json_object_new_boolean(false));
	if (o->add_host)
		json_object_object_add(c, "HostAdd", strv_json(o->add_host));
	if (o->network && !host) {
		_cleanup_strv_ char **nets = pea_strv_split(o->network, ",");
		json_object_object_add(c, "Networks", strv_json(nets));
	}
	json_object_object_add(c, "pid_ns", json_object_new_string("private"));
	json_object_object_add(c, "userns", json_object_new_string(o->userns ? o->userns : ""));
	return c;
}

/* The record, saved under the pods lock once its name is known to be free. */
static int pod_reserve(const struct global_options *g, struct pod_create_opts *o,
		       struct pod_record **ret, struct pea_error **err)
{
	_cleanup_pod_ struct pod_record *p = xnew(struct pod_record, 1);
	_cleanup_close_ int lock = -1;
	struct pod_record **all = NULL;
	size_t n = 0;

	p->id = frontend_new_id();
	p->created = frontend_now();
	if (pods_lock(g, &lock, err) < 0 || pods_list(g, &all, &n, err) < 0)
		return -1;
	if (!o->name) {
		for (unsigned k = 0;; k++) {
			_cleanup_free_ char *cand = k ? xasprintf("pod_%.8s_%u", p->id, k)
						      : xasprintf("pod_%.12s", p->id);
			bool taken = false;
			for (size_t i = 0; i < n; i++)
				taken = taken || strcmp(all[i]->name, cand) == 0;
			if (!taken) {
				o->name = TAKE_PTR(cand);
				break;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i]->name, o->name) == 0) {
			pods_free(all, n);
			return pea_error_new(err, EEXIST,
					     "adding pod to state: name \"%s\" is in use: pod "
					     "already exists",
					     o->name);
		}
	pods_free(all, n);
	p->name = xstrdup(o->name);
	p->exit_policy = xstrdup(o->exit_policy ? o->exit_policy : "continue");
	p->hostname = o->infra ? xstrdup(o->hostname ? o->hostname : o->name) : NULL;
	p->cgroup_parent = o->cgroup_parent ? xstrdup(o->cgroup_parent) : NULL;
	p->labels = frontend_labels_json(o->labels);
	p->share = o->infra ? pea_strv_copy(o->share) : NULL;
	p->infra_config = o->infra ? infra_config(o) : NULL;
	p->create_command = o->create_command ? json_object_get(o->create_command) : NULL;
	if (pod_save(g, p, err) < 0) {
		(void)pod_delete(g, p->id, NULL);
		return -1;
	}
	*ret = TAKE_PTR(p);
	return 0;
}

/*
 * containers.conf's [engine] infra_image and infra_command (the last file that
 * sets one wins; the files' own errors are config.c's to report).
 */
static void conf_infra(const struct global_options *g, char **ret_image, char **ret_command)
{
	_cleanup_strv_ char **paths = containers_conf_paths(g);

	for (size_t i = 0; paths && paths[i]; i++) {
		_cleanup_json_ struct json_object *doc = NULL;
		_cleanup_free_ char *buf = NULL;
		struct json_object *engine = NULL;
		const char *v = NULL;
		size_t len = 0;

		if (pea_read_file_at(AT_FDCWD, paths[i], PEA_TOML_MAX_SIZE, &buf, &len, NULL) < 0 ||
		    pea_toml_parse(buf, len, paths[i], &doc, NULL) < 0 ||
		    pea_json_get_object_opt(doc, "", "engine", &engine, NULL) != 1)
			continue;
		if (pea_json_get_string_opt(engine, "engine", "infra_image", &v, NULL) == 1) {
			free(*ret_image);
			*ret_image = xstrdup(v);
		}
		if (pea_json_get_string_opt(engine, "engine", "infra_command", &v, NULL) == 1) {
			free(*ret_command);
			*ret_command = xstrdup(v);
		}
	}
}

static int pod_make_infra(struct global_options *g, struct pod_create_opts *o, struct pod_record *p,
			  struct pea_error **err)
{
	_cleanup_free_ char *image = NULL;
	_cleanup_strv_ char **argv = NULL;
	_cleanup_record_ struct ctr_record *r = NULL;
	struct run_flags rf = { 0 };
	int rc;

	if (!o->infra_image || !o->infra_command) {
		_cleanup_free_ char *ci = NULL, *cc = NULL;
		conf_infra(g, &ci, &cc);
		if (!o->infra_image && ci && *ci)
			o->infra_image = TAKE_PTR(ci);
		if (!o->infra_command && cc && *cc)
			o->infra_command = TAKE_PTR(cc);
	}
	if (o->infra_image) {
		image = xstrdup(o->infra_image);
	} else {
		image = pod_pause_image_name();
		if (pod_pause_image_ensure(g, err) < 0)
			return -1;
	}
	argv = infra_argv(o, p, image);
	rc = container_create_args(g, (int)pea_strv_length(argv), argv, false, &rf, &r, err);
	free(rf.rootfs);
	if (rc < 0)
		return -1;
	if (infra_mark(g, r->id, p->id, err) < 0) {
		_cleanup_error_ struct pea_error *e = NULL;
		(void)container_remove(g, r, &e);
		return -1;
	}
	p->infra_id = xstrdup(r->id);
	if (pod_save(g, p, err) < 0) {
		_cleanup_error_ struct pea_error *e = NULL;
		(void)container_remove(g, r, &e);
		return -1;
	}
	return 0;
}

int pod_create(struct global_options *g, struct pod_create_opts *o, struct pod_record **ret,
	       struct pea_error **err)
{
	_cleanup_pod_ struct pod_record *p = NULL;
	int idfd = -1;

	if (pod_create_validate(o, err) < 0)
		return -1;
	if (o->replace && o->name) {
		_cleanup_error_ struct pea_error *e = NULL;
		if (pod_remove(g, o->name, true, 0, NULL, &e) < 0 && e->code != ENOENT) {
			*err = TAKE_PTR(e);
			return pea_error_wrap(err, "--replace");
		}
	}
	/* before the pod: a file that is there already fails with nothing made */
	if (o->pod_id_file && frontend_id_file_open(o->pod_id_file, "pod", &idfd, err) < 0)
		return -1;
	if (pod_reserve(g, o, &p, err) < 0) {
		if (idfd >= 0) {
			(void)close(idfd);
			(void)unlink(o->pod_id_file);
		}
		return -1;
	}
	if (o->infra && pod_make_infra(g, o, p, err) < 0) {
		_cleanup_error_ struct pea_error *e = NULL;
		(void)pod_remove(g, p->id, true, 0, NULL, &e);
		if (idfd >= 0) {
			(void)close(idfd);
			(void)unlink(o->pod_id_file);
		}
		return -1;
	}
	if (idfd >= 0 && frontend_id_file_write(idfd, o->pod_id_file, p->id, err) < 0) {
		_cleanup_error_ struct pea_error *e = NULL;
		(void)pod_remove(g, p->id, true, 0, NULL, &e);
		return pea_error_wrap(err, "--pod-id-file");
	}
	events_pod(g, "create", p->id, p->name);
	*ret = TAKE_PTR(p);
	return 0;
}

/* ---- the pod's /dev/shm --------------------------------------------------- */

static char *shm_dir(const struct global_options *g, const char *pod_id)
{
	return xasprintf("%s/pods/%s/shm", g->runroot, pod_id);
}

int pod_shm(const struct global_options *g, const struct ctr_record *r, char **ret,
	    struct pea_error **err)
{
	_cleanup_pod_ struct pod_record *p = NULL;
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int lock = -1;
	const char *pod = pod_of(r);

	*ret = NULL;
	if (!pod || pod_load(g, pod, &p, NULL) < 0 || !pod_shares(p, "ipc"))
		return 0;
	dir = shm_dir(g, p->id);
	if (pea_is_mountpoint_at(AT_FDCWD, dir)) {
		*ret = TAKE_PTR(dir);
		return 0;
	}
	/*
	 * under a lock of its own (a start holds its container's lock, which a
	 * pod rm may wait for while it holds the pods lock): mounted once
	 */
	{
		_cleanup_free_ char *lp = xasprintf("%s/pods/%s.shm.lock", g->runroot, p->id);
		if (frontend_mkdir_p(dir, err) < 0 ||
		    pea_lock_at(AT_FDCWD, lp, PEA_LOCK_EXCLUSIVE, false, &lock, err) < 0)
			return -1;
	}
	if (!pea_is_mountpoint_at(AT_FDCWD, dir) &&
	    mount("shm", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") <
		    0) {
		int e = errno;
		(void)rmdir(dir);
		errno = e;
		return pea_error_errno(err, "mount the /dev/shm of pod %s on '%s'", p->name, dir);
	}
	*ret = TAKE_PTR(dir);
	return 0;
}

/* Unmount and remove the pod's /dev/shm (its containers gone). */
static void shm_drop(const struct global_options *g, const char *pod_id)
{
	_cleanup_free_ char *dir = shm_dir(g, pod_id);
	char *pdir = xasprintf("%s/pods/%s", g->runroot, pod_id);

	if (pea_is_mountpoint_at(AT_FDCWD, dir) && umount2(dir, MNT_DETACH) < 0)
		log_warning("unmount '%s': %s, ignoring", dir, strerror(errno));
	(void)rmdir(dir);
	(void)rmdir(pdir);
	free(pdir);
	pdir = xasprintf("%s/pods/%s.shm.lock", g->runroot, pod_id);
	(void)unlink(pdir);
	free(pdir);
}

/* ---- remove, start ------------------------------------------------------- */

/* A member that runs, when the removal is not forced: podman's refusal. */
static int check_none_running(const struct global_options *g, const struct pod_record *p,
			      char *const *ids, struct pea_error **err)
{
	for (size_t i = 0; ids && ids[i]; i++) {
		_cleanup_record_ struct ctr_record *r = NULL;

		if (p->infra_id && strcmp(ids[i], p->infra_id) == 0)
			continue;
		if (record_load(g, ids[i], &r, NULL) < 0)
			continue;
		record_sync_exit(g, r);
		if (r->state == CTR_RUNNING)
			return pea_error_new(
				err, EBUSY,
				"not all containers could be removed from pod %s: "
				"removing pod containers: cannot remove container %s "
				"as it is running - running or paused containers cannot "
				"be removed without force: container state improper",
				p->id, r->id);
	}
	return 0;
}

static int remove_member(struct global_options *g, const char *id, long timeout,
			 struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_error_ struct pea_error *e = NULL;

	if (container_stop(g, id, timeout, &e) < 0 && e->code != ENOENT) {
		*err = TAKE_PTR(e);
		return -1;
	}
	e = pea_error_free(e);
	if (record_lookup(g, id, &r, &e) < 0)
		return 0; /* a --rm container went with its stop */
	return container_remove(g, r, err);
}

/*
 * ROOT/pods/ID renamed to .rm-ID (restore: back), under the pods lock: no
 * lookup finds the pod from then on, and a create that joined it before
 * sees it gone (pod_exists) and takes its container back.
 */
static int pod_rename(const struct global_options *g, const char *id, bool restore,
		      struct pea_error **err)
{
	_cleanup_free_ char *dir = pods_dir(g), *tomb = xasprintf(".rm-%s", id);
	_cleanup_close_ int lock = -1, dfd = -1;
	int r;

	if (pods_lock(g, &lock, err) < 0)
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	r = restore ? renameat(dfd, tomb, dfd, id) : renameat(dfd, id, dfd, tomb);
	if (r < 0)
		return pea_error_errno(err, "remove pod %s", id);
	return 0;
}

bool pod_exists(const struct global_options *g, const char *id)
{
	_cleanup_free_ char *path = xasprintf("%s/pods/%s/pod.json", g->root, id);

	return access(path, F_OK) == 0;
}

int pod_remove(struct global_options *g, const char *what, bool force, long timeout,
	       char ***ret_removed, struct pea_error **err)
{
	_cleanup_pod_ struct pod_record *p = NULL;
	_cleanup_strv_ char **ids = NULL;
	_cleanup_free_ char *dir = NULL, *tomb = NULL;

	if (pod_lookup(g, what, &p, err) < 0 || pod_containers(g, p->id, true, &ids, err) < 0)
		return -1;
	if (!force && check_none_running(g, p, ids, err) < 0)
		return -1;
	if (pod_rename(g, p->id, false, err) < 0)
		return -1;
	/* again: a create that joined the pod meanwhile has its record saved by now */
	ids = pea_strv_free(ids);
	if (pod_containers(g, p->id, true, &ids, err) < 0) {
		(void)pod_rename(g, p->id, true, NULL);
		return -1;
	}
	for (size_t i = 0; ids && ids[i]; i++) {
		if (remove_member(g, ids[i], force ? timeout : -1, err) < 0) {
			(void)pod_rename(g, p->id, true, NULL);
			return pea_error_wrap(err, "removing container %s from pod %s", ids[i],
					      p->id);
		}
		if (ret_removed)
			pea_strv_push(ret_removed, ids[i]);
	}
	/*
	 * An infra whose record cannot be read is no member pod_containers finds:
	 * it goes too, stopped as remove_member stops a running infra whether
	 * forced or not (check_none_running leaves the infra out).
	 */
	if (p->infra_id && !pea_strv_contains(ids, p->infra_id)) {
		_cleanup_error_ struct pea_error *e = NULL;

		if (container_remove_unreadable(g, p->infra_id, true, &e) == 0) {
			if (ret_removed)
				pea_strv_push(ret_removed, p->infra_id);
		} else if (e->code != ENOENT && e->code != EAGAIN) {
			(void)pod_rename(g, p->id, true, NULL);
			*err = TAKE_PTR(e);
			return pea_error_wrap(err, "removing infra container %s of pod %s",
					      p->infra_id, p->id);
		}
	}
	shm_drop(g, p->id);
	dir = pods_dir(g);
	tomb = xasprintf("%s/.rm-%s", dir, p->id);
	if (pea_rm_rf_at(AT_FDCWD, tomb, err) < 0)
		return -1;
	events_pod(g, "remove", p->id, p->name);
	/* its service container, once no other pod names it */
	if (p->service_id && !pod_is_service(g, p->service_id)) {
		_cleanup_error_ struct pea_error *e = NULL;
		if (remove_member(g, p->service_id, 0, &e) < 0 && e->code != ENOENT)
			log_warning("pod %s: removing its service container: %s, ignoring", p->name,
				    e->message);
	}
	return 0;
}

/* The pod's service container runs before its members (podman's order). */
static int service_start(const struct global_options *g, const struct pod_record *p,
			 struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *s = NULL;
	_cleanup_error_ struct pea_error *e = NULL;

	if (record_lookup(g, p->service_id, &s, err) < 0)
		return pea_error_wrap(err, "the service container of pod %s", p->name);
	record_sync_exit(g, s);
	if (s->state == CTR_RUNNING)
		return 0;
	if (container_start((struct global_options *)g, p->service_id, false, false, NULL, &e) <
	    0) {
		s = ctr_record_free(s);
		if (record_lookup(g, p->service_id, &s, NULL) == 0 &&
		    (record_sync_exit(g, s), s->state == CTR_RUNNING))
			return 0;
		*err = TAKE_PTR(e);
		return pea_error_wrap(err, "starting the service container of pod %s", p->name);
	}
	return 0;
}

int pod_set_service(const struct global_options *g, const char *what, const char *id,
		    struct pea_error **err)
{
	_cleanup_pod_ struct pod_record *p = NULL;
	_cleanup_close_ int lock = -1;

	if (pods_lock(g, &lock, err) < 0 || pod_lookup(g, what, &p, err) < 0)
		return -1;
	free(p->service_id);
	p->service_id = xstrdup(id);
	return pod_save(g, p, err);
}

/* The names of the pods whose service container is id, joined by ", " (NULL: none). */
static char *service_pods(const struct global_options *g, const char *id)
{
	struct pod_record **all = NULL;
	_cleanup_strv_ char **names = NULL;
	size_t n = 0;

	if (pods_list(g, &all, &n, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (all[i]->service_id && strcmp(all[i]->service_id, id) == 0)
			pea_strv_push(&names, all[i]->id);
	pods_free(all, n);
	return names ? pea_strv_join(names, ", ") : NULL;
}

bool pod_is_service(const struct global_options *g, const char *id)
{
	_cleanup_free_ char *pods = service_pods(g, id);

	return pods != NULL;
}

int pod_service_check_rm(const struct global_options *g, const char *id, struct pea_error **err)
{
	_cleanup_free_ char *pods = service_pods(g, id);

	if (pods)
		return pea_error_new(
			err, EBUSY,
			"container %s is the service container of pod(s) %s and cannot "
			"be removed without removing the pod(s)",
			id, pods);
	return 0;
}

int pod_start_infra(const struct global_options *g, const struct ctr_record *member,
		    struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *infra = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_pod_ struct pod_record *p = NULL;
	const char *pod = pod_of(member);

	if (!pod || pod_is_infra(member) || pod_load(g, pod, &p, NULL) < 0 || !p->infra_id)
		return 0;
	if (p->service_id && service_start(g, p, err) < 0)
		return -1;
	if (record_lookup(g, p->infra_id, &infra, err) < 0)
		return pea_error_wrap(err, "the infra container of pod %s", p->name);
	record_sync_exit(g, infra);
	if (infra->state == CTR_RUNNING)
		return 0;
	/* container_start's g is not const for the commands' sake; it changes nothing of it */
	if (container_start((struct global_options *)g, p->infra_id, false, false, NULL, &e) < 0) {
		/* another member's start may have started it meanwhile */
		infra = ctr_record_free(infra);
		if (record_lookup(g, p->infra_id, &infra, NULL) == 0 &&
		    (record_sync_exit(g, infra), infra->state == CTR_RUNNING))
			return 0;
		*err = TAKE_PTR(e);
		return pea_error_wrap(err, "starting the infra container of pod %s", p->name);
	}
	return 0;
}

/* ---- --pod of run and create -------------------------------------------- */

static int join_check(const struct pod_record *p, const struct pod_join *gv, bool made,
		      struct pea_error **err)
{
	if (pod_shares(p, "net") && (gv->net_mode || gv->networks_given))
		return pea_error_new(err, EINVAL,
				     "invalid config provided: networks must be defined when the "
				     "pod is created: network cannot be configured when it is "
				     "shared with a pod");
	if (pod_shares(p, "net") && gv->ports_given)
		return pea_error_new(err, EINVAL,
				     "invalid config provided: published or exposed ports must be "
				     "defined when the pod is created: network cannot be "
				     "configured when it is shared with a pod");
	if (pod_shares(p, "uts") && gv->hostname_given && !made)
		return pea_error_new(err, EINVAL,
				     "invalid config provided: cannot set hostname when joining "
				     "the pod UTS namespace: invalid configuration");
	if (pod_shares(p, "ipc") && gv->ipc_given)
		return pea_error_new(err, EINVAL,
				     "invalid config provided: cannot set --ipc when joining the "
				     "pod IPC namespace: invalid configuration");
	if (pod_shares(p, "pid") && gv->pid_given)
		return pea_error_new(err, EINVAL,
				     "invalid config provided: cannot set --pid when joining the "
				     "pod PID namespace: invalid configuration");
	return 0;
}

int pod_join_resolve(struct global_options *g, const char *pod, const struct pod_join *given,
		     char **ret_pod_id, char **ret_infra_id, char ***ret_share, char **ret_hostname,
		     bool *ret_made, struct pea_error **err)
{
	_cleanup_pod_ struct pod_record *p = NULL;
	bool made = false;

	if (strncmp(pod, "new:", 4) == 0) {
		_cleanup_(pod_create_opts_clear) struct pod_create_opts o = { .infra = true };
		if (!pod[4])
			return pea_error_new(err, EINVAL, "--pod new: needs a pod name");
		o.name = xstrdup(pod + 4);
		o.hostname = given->hostname ? xstrdup(given->hostname) : NULL;
		o.share = pea_strv_split("ipc,net,uts", ",");
		if (pod_create(g, &o, &p, err) < 0)
			return -1;
		made = true;
	} else if (pod_lookup(g, pod, &p, err) < 0) {
		return -1;
	}
	if (join_check(p, given, made, err) < 0) {
		if (made)
			(void)pod_remove(g, p->id, true, 0, NULL, NULL);
		return -1;
	}
	*ret_pod_id = xstrdup(p->id);
	*ret_infra_id = p->infra_id ? xstrdup(p->infra_id) : NULL;
	*ret_share = p->infra_id ? pea_strv_copy(p->share) : NULL;
	*ret_hostname = p->hostname ? xstrdup(p->hostname) : NULL;
	*ret_made = made;
	return 0;
}

/* Whether a container of pod_id (its infra aside) runs. */
static bool members_running(struct global_options *g, const char *pod_id)
{
	_cleanup_strv_ char **ids = NULL;

	if (pod_containers(g, pod_id, false, &ids, NULL) < 0)
		return true;
	for (size_t i = 0; ids && ids[i]; i++) {
		_cleanup_record_ struct ctr_record *m = NULL;
		if (record_load(g, ids[i], &m, NULL) < 0)
			continue;
		record_sync_exit(g, m);
		if (m->state == CTR_RUNNING)
			return true;
	}
	return false;
}

/* Whether a pod other than but, of the service container id, has a running member. */
static bool service_in_use(struct global_options *g, const char *id, const char *but)
{
	struct pod_record **all = NULL;
	size_t n = 0;
	bool used = false;

	if (pods_list(g, &all, &n, NULL) < 0)
		return true;
	for (size_t i = 0; i < n && !used; i++)
		used = all[i]->service_id && strcmp(all[i]->service_id, id) == 0 &&
		       strcmp(all[i]->id, but) != 0 && members_running(g, all[i]->id);
	pods_free(all, n);
	return used;
}

void pod_after_exit(struct global_options *g, const struct ctr_record *r)
{
	_cleanup_pod_ struct pod_record *p = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	const char *pod;

	if (!(pod = pod_of(r)) || pod_is_infra(r) || pod_load(g, pod, &p, NULL) < 0 ||
	    strcmp(p->exit_policy, "stop") != 0 || !p->infra_id || members_running(g, p->id))
		return;
	if (container_stop(g, p->infra_id, -1, &e) < 0)
		log_warning("pod %s: stopping its infra container: %s, ignoring", p->name,
			    e->message);
	e = pea_error_free(e);
	/* the service container stops with the last of its pods (one YAML, several pods) */
	if (p->service_id && !service_in_use(g, p->service_id, p->id) &&
	    container_stop(g, p->service_id, -1, &e) < 0 && e->code != ENOENT)
		log_warning("pod %s: stopping its service container: %s, ignoring", p->name,
			    e->message);
}
