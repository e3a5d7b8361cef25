/* kube play: Kubernetes YAML into a plan of pea commands, checked before anything is made. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/frontend.h"
#include "frontend/kube-yaml.h"
#include "frontend/kube.h"
#include "frontend/pod.h"
#include "frontend/records.h"
#include "frontend/sdnotify.h"

/* What a pod's documents give the plan of one of its containers. */
struct pod_ctx {
	const char *name;
	const struct kube_node *spec;
	const struct kube_node *meta;
	struct kube_node *const *cms; /* every ConfigMap document */
	size_t ncms;
	const struct kube_play_opts *o;
	struct kube_pod_plan *plan;
	struct kube_plan *all;
};

static void push2(char ***v, const char *a, const char *b)
{
	pea_strv_push(v, a);
	pea_strv_push(v, b);
}

static void push_fmt(char ***v, const char *opt, char *value)
{
	pea_strv_push(v, opt);
	pea_strv_push_take(v, value);
}

int kube_parse_quantity(const char *s, double *ret)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{ "Ki", 1024.0 },
		{ "Mi", 1048576.0 },
		{ "Gi", 1073741824.0 },
		{ "Ti", 1099511627776.0 },
		{ "Pi", 1125899906842624.0 },
		{ "Ei", 1152921504606846976.0 },
		{ "k", 1e3 },
		{ "M", 1e6 },
		{ "G", 1e9 },
		{ "T", 1e12 },
		{ "P", 1e15 },
		{ "E", 1e18 },
		{ "m", 1e-3 },
		{ "", 1.0 },
	};
	char *end;
	double v;

	if (!s || !*s || !(s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (strcmp(end, units[i].suffix) == 0) {
			*ret = v * units[i].mult;
			return 0;
		}
	return -EINVAL;
}

/* The ConfigMap named name: first in the YAML, then in --configmap files. */
static const struct kube_node *find_configmap(const struct pod_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->ncms; i++) {
		const char *n = NULL;

		(void)kube_get_str(kube_get(c->cms[i], "metadata"), "name", NULL, &n, NULL);
		if (n && strcmp(n, name) == 0)
			return c->cms[i];
	}
	return NULL;
}

static int env_from_configmap(const struct pod_ctx *c, const char *ctr, const char *var,
			      const struct kube_node *ref, const char **ret, struct pea_error **err)
{
	const char *cm = NULL, *key = NULL, *val = NULL;
	const struct kube_node *doc;
	bool optional = false;

	if (kube_get_str(ref, "name", NULL, &cm, err) < 0 ||
	    kube_get_str(ref, "key", NULL, &key, err) < 0 ||
	    kube_get_bool(ref, "optional", NULL, false, &optional, err) < 0)
		return -1;
	doc = cm ? find_configmap(c, cm) : NULL;
	if (doc && key && kube_get_str(kube_get(doc, "data"), key, "data", &val, err) < 0)
		return -1;
	if (!val && !optional)
		return pea_error_new(err, ENOENT,
				     "container '%s': env '%s': no key '%s' in ConfigMap '%s'", ctr,
				     var, key ? key : "", cm ? cm : "");
	*ret = val;
	return 0;
}

static int env_value_from(const struct pod_ctx *c, const char *ctr, const char *var,
			  const struct kube_node *from, const char **ret, struct pea_error **err)
{
	const struct kube_node *ref;
	const char *path = NULL;

	*ret = NULL;
	if ((ref = kube_get(from, "configMapKeyRef")))
		return env_from_configmap(c, ctr, var, ref, ret, err);
	if ((ref = kube_get(from, "fieldRef"))) {
		if (kube_get_str(ref, "fieldPath", NULL, &path, err) < 0)
			return -1;
		if (path && strcmp(path, "metadata.name") == 0) {
			*ret = c->name;
			return 0;
		}
		return pea_error_new(err, ENOTSUP,
				     "container '%s': env '%s': fieldPath '%s' is not supported",
				     ctr, var, path ? path : "");
	}
	return pea_error_new(err, ENOTSUP,
			     "container '%s': env '%s': only configMapKeyRef and fieldRef are "
			     "supported in valueFrom",
			     ctr, var);
}

static int add_env(const struct pod_ctx *c, const struct kube_node *ctr, const char *cname,
		   char ***args, struct pea_error **err)
{
	const struct kube_node *env;

	if (kube_get_seq(ctr, "env", cname, &env, err) < 0)
		return -1;
	for (size_t i = 0; env && i < env->n; i++) {
		const struct kube_node *e = env->items[i], *from = kube_get(e, "valueFrom");
		const char *name = NULL, *value = NULL;

		if (kube_get_str(e, "name", "env", &name, err) < 0 ||
		    kube_get_str(e, "value", "env", &value, err) < 0)
			return -1;
		if (!name || !*name)
			return pea_error_new(err, EINVAL, "container '%s': env %zu has no name",
					     cname, i + 1);
		if (from && env_value_from(c, cname, name, from, &value, err) < 0)
			return -1;
		if (from && !value)
			continue;
		push_fmt(args, "-e", xasprintf("%s=%s", name, value ? value : ""));
	}
	return 0;
}

static int check_annotation(const char *key, const char *value, struct pea_error **err)
{
	if (strlen(value) > KUBE_MAX_ANNOTATION)
		return pea_error_new(err, EINVAL,
				     "invalid annotation \"%s\"=\"%s\" value length exceeds "
				     "Kubernetes max %d",
				     key, value, KUBE_MAX_ANNOTATION);
	return 0;
}

static int add_annotations(const struct pod_ctx *c, char ***args, struct pea_error **err)
{
	const struct kube_node *ann = kube_get(c->meta, "annotations");

	for (size_t i = 0; ann && ann->kind == KUBE_MAP && i < ann->n; i++) {
		const char *v = ann->items[i]->kind == KUBE_SCALAR ? ann->items[i]->value : "";

		if (check_annotation(ann->keys[i], v, err) < 0)
			return -1;
		push_fmt(args, "--annotation", xasprintf("%s=%s", ann->keys[i], v));
	}
	for (size_t i = 0; c->o->annotations && c->o->annotations[i]; i++)
		push2(args, "--annotation", c->o->annotations[i]);
	return 0;
}

static int add_security(const struct kube_node *ctr, const struct kube_node *podsec,
			const char *cname, char ***args, struct pea_error **err)
{
	const struct kube_node *sec = kube_get(ctr, "securityContext"), *caps;
	const char *user = NULL, *group = NULL, *cuser = NULL, *cgroup = NULL;
	bool priv = false, ro = false, esc = true;

	if (kube_get_str(podsec, "runAsUser", "securityContext", &user, err) < 0 ||
	    kube_get_str(podsec, "runAsGroup", "securityContext", &group, err) < 0)
		return -1;
	if (sec &&
	    (kube_get_str(sec, "runAsUser", "securityContext", &cuser, err) < 0 ||
	     kube_get_str(sec, "runAsGroup", "securityContext", &cgroup, err) < 0 ||
	     kube_get_bool(sec, "privileged", "securityContext", false, &priv, err) < 0 ||
	     kube_get_bool(sec, "readOnlyRootFilesystem", "securityContext", false, &ro, err) < 0 ||
	     kube_get_bool(sec, "allowPrivilegeEscalation", "securityContext", true, &esc, err) <
		     0))
		return pea_error_wrap(err, "container '%s'", cname);
	/* the container's own over the pod's */
	user = cuser ? cuser : user;
	group = cgroup ? cgroup : group;
	if (user)
		push_fmt(args, "--user", group ? xasprintf("%s:%s", user, group) : xstrdup(user));
	if (priv)
		pea_strv_push(args, "--privileged");
	if (ro)
		pea_strv_push(args, "--read-only");
	if (!esc)
		push2(args, "--security-opt", "no-new-privileges");
	caps = kube_get(sec, "capabilities");
	for (int pass = 0; pass < 2; pass++) {
		const struct kube_node *list;

		if (kube_get_seq(caps, pass ? "drop" : "add", "capabilities", &list, err) < 0)
			return pea_error_wrap(err, "container '%s'", cname);
		for (size_t i = 0; list && i < list->n; i++) {
			if (list->items[i]->kind != KUBE_SCALAR)
				return pea_error_new(err, EINVAL,
						     "container '%s': a capability is not a string",
						     cname);
			push2(args, pass ? "--cap-drop" : "--cap-add", list->items[i]->value);
		}
	}
	return 0;
}

static int add_resources(const struct kube_node *ctr, const char *cname, char ***args,
			 struct pea_error **err)
{
	const struct kube_node *limits = kube_get(kube_get(ctr, "resources"), "limits");
	const char *mem = NULL, *cpu = NULL;
	double v;

	if (kube_get_str(limits, "memory", "resources.limits", &mem, err) < 0 ||
	    kube_get_str(limits, "cpu", "resources.limits", &cpu, err) < 0)
		return pea_error_wrap(err, "container '%s'", cname);
	if (mem) {
		if (kube_parse_quantity(mem, &v) < 0 || v < 1 || v > 9e18)
			return pea_error_new(err, EINVAL,
					     "container '%s': invalid memory limit '%s'", cname,
					     mem);
		push_fmt(args, "--memory", xasprintf("%.0f", v));
	}
	if (cpu) {
		if (kube_parse_quantity(cpu, &v) < 0 || v < 0.001 || v > 1e6)
			return pea_error_new(err, EINVAL, "container '%s': invalid cpu limit '%s'",
					     cname, cpu);
		push_fmt(args, "--cpus", xasprintf("%.3f", v));
	}
	return 0;
}

static const struct kube_node *find_volume(const struct kube_node *spec, const char *name)
{
	const struct kube_node *vols = kube_get(spec, "volumes");

	for (size_t i = 0; vols && vols->kind == KUBE_SEQ && i < vols->n; i++) {
		const char *n = NULL;

		(void)kube_get_str(vols->items[i], "name", NULL, &n, NULL);
		if (n && strcmp(n, name) == 0)
			return vols->items[i];
	}
	return NULL;
}

static bool hostpath_type_ok(const char *t)
{
	static const char *const types[] = { "",     "Directory",    "DirectoryOrCreate",
					     "File", "FileOrCreate", "Socket" };

	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (strcmp(t, types[i]) == 0)
			return true;
	return false;
}

/* hostPath types Directory, File, Socket: the path must be one already. */
static int hostpath_check(const char *path, const char *type, struct pea_error **err)
{
	struct stat st;
	mode_t want = type[0] == 'D' ? S_IFDIR : type[0] == 'F' ? S_IFREG : S_IFSOCK;

	if (stat(path, &st) < 0)
		return pea_error_errno(err, "hostPath '%s'", path);
	if ((st.st_mode & S_IFMT) != want)
		return pea_error_new(err, EINVAL, "hostPath '%s' is not a %s", path,
				     want == S_IFDIR   ? "directory"
				     : want == S_IFREG ? "file"
						       : "socket");
	return 0;
}

static int hostpath_source(struct pod_ctx *c, const struct kube_node *hp, const char *vname,
			   char **ret, struct pea_error **err)
{
	const char *path = NULL, *type = NULL;

	if (kube_get_str(hp, "path", "hostPath", &path, err) < 0 ||
	    kube_get_str(hp, "type", "hostPath", &type, err) < 0)
		return -1;
	if (!path || !*path)
		return pea_error_new(err, EINVAL, "volume '%s': hostPath has no path", vname);
	/* a relative one would be taken by -v as a volume name; ':' and ',' cut -v's fields */
	if (path[0] != '/' || strpbrk(path, ":,"))
		return pea_error_new(err, EINVAL,
				     "volume '%s': hostPath '%s' must be an absolute path without "
				     "':' or ','",
				     vname, path);
	type = type ? type : "";
	if (!hostpath_type_ok(type))
		return pea_error_new(err, ENOTSUP,
				     "volume '%s': hostPath type '%s' is not supported", vname,
				     type);
	if (strcmp(type, "DirectoryOrCreate") == 0)
		pea_strv_push(&c->plan->mkdirs, path);
	else if (strcmp(type, "FileOrCreate") == 0)
		pea_strv_push(&c->plan->mkfiles, path);
	else if (*type && hostpath_check(path, type, err) < 0)
		return pea_error_wrap(err, "volume '%s'", vname);
	*ret = xstrdup(path);
	return 0;
}

static int configmap_volume(struct pod_ctx *c, const struct kube_node *cmv, const char *vname,
			    char **ret, struct pea_error **err)
{
	const struct kube_node *doc, *data;
	struct kube_cm_volume *cv;
	const char *name = NULL;
	bool optional = false;

	if (kube_get_str(cmv, "name", "configMap", &name, err) < 0 ||
	    kube_get_bool(cmv, "optional", "configMap", false, &optional, err) < 0)
		return -1;
	if (!name)
		return pea_error_new(err, EINVAL, "volume '%s': configMap has no name", vname);
	doc = find_configmap(c, name);
	if (!doc && !optional)
		return pea_error_new(err, ENOENT, "volume '%s': no ConfigMap '%s'", vname, name);
	*ret = xstrdup(name);
	for (size_t i = 0; i < c->all->ncmvols; i++)
		if (strcmp(c->all->cmvols[i].name, name) == 0)
			return 0;
	c->all->cmvols = xreallocarray(c->all->cmvols, c->all->ncmvols + 1, sizeof(*cv));
	cv = &c->all->cmvols[c->all->ncmvols++];
	memset(cv, 0, sizeof(*cv));
	cv->name = xstrdup(name);
	data = kube_get(doc, "data");
	for (size_t i = 0; data && data->kind == KUBE_MAP && i < data->n; i++) {
		if (data->items[i]->kind != KUBE_SCALAR || strchr(data->keys[i], '/') ||
		    !strcmp(data->keys[i], "..") || !strcmp(data->keys[i], ".") ||
		    !data->keys[i][0])
			return pea_error_new(err, EINVAL, "ConfigMap '%s': bad key '%s'", name,
					     data->keys[i]);
		push2(&cv->files, data->keys[i], data->items[i]->value);
	}
	return 0;
}

/* The -v source of a volumeMount (NULL for an emptyDir: an anonymous volume). */
static int mount_source(struct pod_ctx *c, const char *vname, char **ret, struct pea_error **err)
{
	const struct kube_node *v = find_volume(c->spec, vname), *t;
	const char *claim = NULL;

	*ret = NULL;
	if (!v)
		return pea_error_new(err, ENOENT, "no volume '%s' in spec.volumes", vname);
	if ((t = kube_get(v, "hostPath")))
		return hostpath_source(c, t, vname, ret, err);
	if ((t = kube_get(v, "persistentVolumeClaim"))) {
		if (kube_get_str(t, "claimName", "persistentVolumeClaim", &claim, err) < 0)
			return -1;
		if (!claim || !*claim)
			return pea_error_new(err, EINVAL, "volume '%s': no claimName", vname);
		*ret = xstrdup(claim);
		return 0;
	}
	if ((t = kube_get(v, "configMap")))
		return configmap_volume(c, t, vname, ret, err);
	for (size_t i = 0; v->kind == KUBE_MAP && i < v->n; i++)
		if (strcmp(v->keys[i], "emptyDir") == 0)
			return 0; /* an anonymous volume */
	return pea_error_new(err, ENOTSUP,
			     "volume '%s': only hostPath, persistentVolumeClaim, configMap and "
			     "emptyDir volumes are supported",
			     vname);
}

static int add_mounts(struct pod_ctx *c, const struct kube_node *ctr, const char *cname,
		      char ***args, struct pea_error **err)
{
	const struct kube_node *mounts;

	if (kube_get_seq(ctr, "volumeMounts", cname, &mounts, err) < 0)
		return -1;
	for (size_t i = 0; mounts && i < mounts->n; i++) {
		const struct kube_node *m = mounts->items[i];
		const char *name = NULL, *path = NULL, *sub = NULL;
		_cleanup_free_ char *src = NULL;
		bool ro = false;

		if (kube_get_str(m, "name", "volumeMounts", &name, err) < 0 ||
		    kube_get_str(m, "mountPath", "volumeMounts", &path, err) < 0 ||
		    kube_get_str(m, "subPath", "volumeMounts", &sub, err) < 0 ||
		    kube_get_bool(m, "readOnly", "volumeMounts", false, &ro, err) < 0)
			return pea_error_wrap(err, "container '%s'", cname);
		if (!name || !path || path[0] != '/')
			return pea_error_new(err, EINVAL,
					     "container '%s': volumeMount %zu needs a name and an "
					     "absolute mountPath",
					     cname, i + 1);
		if (mount_source(c, name, &src, err) < 0)
			return pea_error_wrap(err, "container '%s'", cname);
		if (sub && (!src || src[0] != '/' || strstr(sub, "..") || strpbrk(sub, ":,")))
			return pea_error_new(
				err, ENOTSUP,
				"container '%s': volumeMount '%s': subPath '%s' is "
				"supported on a hostPath only, without '..', ':' or ','",
				cname, name, sub);
		if (!src)
			push2(args, "-v", path);
		else
			push_fmt(args, "-v",
				 xasprintf("%s%s%s:%s%s", src, sub ? "/" : "", sub ? sub : "", path,
					   ro ? ":ro" : ""));
	}
	return 0;
}

static int add_command(const struct kube_node *ctr, const char *cname, const char *image,
		       char ***args, struct pea_error **err)
{
	const struct kube_node *cmd, *cargs;

	if (kube_get_seq(ctr, "command", cname, &cmd, err) < 0 ||
	    kube_get_seq(ctr, "args", cname, &cargs, err) < 0)
		return -1;
	if (cmd && cmd->n) {
		/* the command replaces the image's entrypoint and its cmd: a JSON array */
		_cleanup_json_ struct json_object *arr = json_object_new_array();

		for (size_t i = 0; i < cmd->n; i++) {
			if (cmd->items[i]->kind != KUBE_SCALAR)
				return pea_error_new(
					err, EINVAL,
					"container '%s': a command word is not a string", cname);
			json_object_array_add(arr, json_object_new_string(cmd->items[i]->value));
		}
		push2(args, "--entrypoint",
		      json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	pea_strv_push(args, image);
	for (size_t i = 0; cargs && i < cargs->n; i++) {
		if (cargs->items[i]->kind != KUBE_SCALAR)
			return pea_error_new(err, EINVAL, "container '%s': an arg is not a string",
					     cname);
		pea_strv_push(args, cargs->items[i]->value);
	}
	return 0;
}

static const char *restart_policy(const char *k8s)
{
	if (!k8s || strcmp(k8s, "Always") == 0)
		return "always";
	if (strcmp(k8s, "OnFailure") == 0)
		return "on-failure";
	if (strcmp(k8s, "Never") == 0)
		return "no";
	return NULL;
}

static int plan_container(struct pod_ctx *c, const struct kube_node *ctr, size_t idx,
			  struct kube_ctr_plan *ret, struct pea_error **err)
{
	const char *name = NULL, *image = NULL, *wd = NULL, *rp = NULL, *policy;
	_cleanup_strv_ char **args = NULL;
	bool tty = false, in = false;

	if (ctr->kind != KUBE_MAP)
		return pea_error_new(err, EINVAL, "container %zu is not a mapping", idx + 1);
	if (kube_get_str(ctr, "name", "containers", &name, err) < 0 ||
	    kube_get_str(ctr, "image", "containers", &image, err) < 0 ||
	    kube_get_str(ctr, "workingDir", "containers", &wd, err) < 0 ||
	    kube_get_str(c->spec, "restartPolicy", "spec", &rp, err) < 0 ||
	    kube_get_bool(ctr, "tty", "containers", false, &tty, err) < 0 ||
	    kube_get_bool(ctr, "stdin", "containers", false, &in, err) < 0)
		return -1;
	if (!name || !*name)
		return pea_error_new(err, EINVAL, "container %zu (line %zu) has no name", idx + 1,
				     ctr->line);
	if (!image || !*image)
		return pea_error_new(err, EINVAL, "container '%s' has no image", name);
	policy = restart_policy(rp);
	if (!policy)
		return pea_error_new(err, EINVAL, "invalid restartPolicy '%s'", rp);
	ret->name = xasprintf("%s-%s", c->name, name);
	ret->image = xstrdup(image);
	push2(&args, "--pod", c->name);
	push2(&args, "--name", ret->name);
	push2(&args, "--restart", policy);
	if (c->o->log_driver)
		push2(&args, "--log-driver", c->o->log_driver);
	if (c->o->tls_verify)
		pea_strv_push_take(&args, xasprintf("--tls-verify=%s", c->o->tls_verify));
	if (wd)
		push2(&args, "-w", wd);
	if (tty)
		pea_strv_push(&args, "-t");
	if (in)
		pea_strv_push(&args, "-i");
	if (add_annotations(c, &args, err) < 0 || add_env(c, ctr, name, &args, err) < 0 ||
	    add_security(ctr, kube_get(c->spec, "securityContext"), name, &args, err) < 0 ||
	    add_resources(ctr, name, &args, err) < 0 || add_mounts(c, ctr, name, &args, err) < 0 ||
	    add_command(ctr, name, image, &args, err) < 0)
		return -1;
	ret->args = TAKE_PTR(args);
	return 0;
}

static int add_ports(const struct kube_node *ctr, const char *cname, char ***args,
		     struct pea_error **err)
{
	const struct kube_node *ports;

	if (kube_get_seq(ctr, "ports", cname, &ports, err) < 0)
		return -1;
	for (size_t i = 0; ports && i < ports->n; i++) {
		const struct kube_node *p = ports->items[i];
		const char *cport = NULL, *hport = NULL, *proto = NULL, *ip = NULL;
		_cleanup_free_ char *lproto = NULL;
		char *end;
		long cp, hp;

		if (kube_get_str(p, "containerPort", "ports", &cport, err) < 0 ||
		    kube_get_str(p, "hostPort", "ports", &hport, err) < 0 ||
		    kube_get_str(p, "protocol", "ports", &proto, err) < 0 ||
		    kube_get_str(p, "hostIP", "ports", &ip, err) < 0)
			return pea_error_wrap(err, "container '%s'", cname);
		cp = cport ? strtol(cport, &end, 10) : 0;
		if (!cport || *end || cp < 1 || cp > 65535)
			return pea_error_new(err, EINVAL,
					     "container '%s': invalid containerPort '%s'", cname,
					     cport ? cport : "");
		/* podman 4.3: no hostPort publishes the container's port on the same one */
		hp = hport ? strtol(hport, &end, 10) : cp;
		if ((hport && *end) || hp < 1 || hp > 65535)
			return pea_error_new(err, EINVAL, "container '%s': invalid hostPort '%s'",
					     cname, hport);
		lproto = xstrdup(proto ? proto : "TCP");
		for (char *q = lproto; *q; q++)
			*q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
		if (strcmp(lproto, "tcp") && strcmp(lproto, "udp") && strcmp(lproto, "sctp"))
			return pea_error_new(err, EINVAL, "container '%s': invalid protocol '%s'",
					     cname, proto);
		if (ip && strchr(ip, ':')) /* IPv6: in brackets, as -p reads it */
			push_fmt(args, "-p", xasprintf("[%s]:%ld:%ld/%s", ip, hp, cp, lproto));
		else
			push_fmt(args, "-p",
				 xasprintf("%s%s%ld:%ld/%s", ip ? ip : "", ip ? ":" : "", hp, cp,
					   lproto));
	}
	return 0;
}

static int pod_args(const struct pod_ctx *c, const struct kube_node *ctrs, char ***args,
		    struct pea_error **err)
{
	const struct kube_node *labels = kube_get(c->meta, "labels");
	const char *hostname = NULL;
	bool hostnet = false;

	if (kube_get_str(c->spec, "hostname", "spec", &hostname, err) < 0 ||
	    kube_get_bool(c->spec, "hostNetwork", "spec", false, &hostnet, err) < 0)
		return -1;
	push2(args, "--name", c->name);
	push2(args, "--hostname", hostname ? hostname : c->name);
	/* podman 4.3: a played pod stops when its last container does */
	push2(args, "--exit-policy", "stop");
	for (size_t i = 0; labels && labels->kind == KUBE_MAP && i < labels->n; i++)
		push_fmt(args, "--label",
			 xasprintf("%s=%s", labels->keys[i],
				   labels->items[i]->kind == KUBE_SCALAR ? labels->items[i]->value
									 : ""));
	if (c->o->network)
		push2(args, "--network", c->o->network);
	else if (hostnet)
		push2(args, "--network", "host");
	for (size_t i = 0; i < ctrs->n; i++) {
		const char *cname = NULL;

		(void)kube_get_str(ctrs->items[i], "name", NULL, &cname, NULL);
		if (add_ports(ctrs->items[i], cname ? cname : "", args, err) < 0)
			return -1;
	}
	return 0;
}

static void pod_plan_clear(struct kube_pod_plan *p)
{
	free(p->name);
	pea_strv_free(p->args);
	for (size_t i = 0; i < p->nctrs; i++) {
		free(p->ctrs[i].name);
		free(p->ctrs[i].image);
		pea_strv_free(p->ctrs[i].args);
		free(p->ctrs[i].sdnotify);
	}
	free(p->ctrs);
	for (size_t i = 0; i < p->ninits; i++) {
		free(p->inits[i].name);
		free(p->inits[i].image);
		pea_strv_free(p->inits[i].args);
	}
	free(p->inits);
	pea_strv_free(p->mkdirs);
	pea_strv_free(p->mkfiles);
	memset(p, 0, sizeof(*p));
}

void kube_plan_clear(struct kube_plan *p)
{
	for (size_t i = 0; i < p->npods; i++)
		pod_plan_clear(&p->pods[i]);
	free(p->pods);
	pea_strv_free(p->volumes);
	for (size_t i = 0; i < p->ncmvols; i++) {
		free(p->cmvols[i].name);
		pea_strv_free(p->cmvols[i].files);
	}
	free(p->cmvols);
	memset(p, 0, sizeof(*p));
}

static int check_names(const struct kube_node *ctrs, const char *pod, struct pea_error **err)
{
	for (size_t i = 0; i < ctrs->n; i++)
		for (size_t j = 0; j < i; j++) {
			const char *a = NULL, *b = NULL;

			(void)kube_get_str(ctrs->items[i], "name", NULL, &a, NULL);
			(void)kube_get_str(ctrs->items[j], "name", NULL, &b, NULL);
			if (a && b && strcmp(a, b) == 0)
				return pea_error_new(err, EINVAL,
						     "pod '%s': container name '%s' is used twice",
						     pod, a);
		}
	return 0;
}

/*
 * initContainers: planned as containers of the pod that never restart. pea runs
 * them in order while playing (podman's run at each pod start), so they need
 * --start.
 */
static int plan_inits(struct pod_ctx *c, const struct kube_node *ctrs, struct pea_error **err)
{
	const struct kube_node *inits = NULL;
	struct kube_pod_plan *p = c->plan;

	if (kube_get_seq(c->spec, "initContainers", "spec", &inits, err) < 0)
		return -1;
	if (!inits || !inits->n)
		return 0;
	if (check_names(inits, c->name, err) < 0)
		return -1;
	for (size_t i = 0; i < inits->n; i++)
		for (size_t j = 0; j < ctrs->n; j++) {
			const char *a = NULL, *b = NULL;

			(void)kube_get_str(inits->items[i], "name", NULL, &a, NULL);
			(void)kube_get_str(ctrs->items[j], "name", NULL, &b, NULL);
			if (a && b && strcmp(a, b) == 0)
				return pea_error_new(err, EINVAL,
						     "pod '%s': container name '%s' is used twice",
						     c->name, a);
		}
	if (!c->o->start)
		return pea_error_new(err, ENOTSUP,
				     "pod '%s': initContainers run while the pod is played: "
				     "--start=false cannot be used with them",
				     c->name);
	p->inits = xnew(struct kube_ctr_plan, inits->n);
	for (size_t i = 0; i < inits->n; i++) {
		char **a;

		p->ninits++;
		if (plan_container(c, inits->items[i], i, &p->inits[i], err) < 0)
			return pea_error_wrap(err, "pod '%s': init container", c->name);
		/* an init container runs once: it is not restarted */
		for (a = p->inits[i].args; *a; a++)
			if (strcmp(*a, "--restart") == 0 && a[1]) {
				free(a[1]);
				a[1] = xstrdup("no");
				break;
			}
	}
	return 0;
}

#define SDNOTIFY_ANNOTATION "io.containers.sdnotify"

/*
 * podman's sd-notify annotations: io.containers.sdnotify the pod's mode for its
 * containers, io.containers.sdnotify/NAME one container's (ctr: its YAML name); NULL
 * when not there (or empty, as podman's).
 */
static int sdnotify_annotation(const struct pod_ctx *c, const char *ctr, const char **ret,
			       struct pea_error **err)
{
	const struct kube_node *ann = kube_get(c->meta, "annotations");
	_cleanup_free_ char *key =
		ctr ? xasprintf("%s/%s", SDNOTIFY_ANNOTATION, ctr) : xstrdup(SDNOTIFY_ANNOTATION);
	const char *v = NULL;

	*ret = NULL;
	if (!ann || ann->kind != KUBE_MAP ||
	    kube_get_str(ann, key, "metadata.annotations", &v, err) < 0)
		return *err ? -1 : 0;
	if (!v || !*v)
		return 0;
	if (sdnotify_parse(v, err) < 0)
		return -1;
	*ret = v;
	return 0;
}

/* One pod from a Pod's metadata and spec (or a Deployment's template). */
static int plan_pod(struct pod_ctx *c, struct pea_error **err)
{
	const struct kube_node *ctrs;
	struct kube_pod_plan *p = c->plan;
	const char *pod_notify = NULL;

	if (!c->spec || c->spec->kind != KUBE_MAP)
		return pea_error_new(err, EINVAL, "pod '%s' has no spec", c->name);
	if (kube_get_seq(c->spec, "containers", "spec", &ctrs, err) < 0)
		return -1;
	if (!ctrs || !ctrs->n)
		return pea_error_new(err, EINVAL, "pod '%s' has no containers", c->name);
	if (check_names(ctrs, c->name, err) < 0)
		return -1;
	if (plan_inits(c, ctrs, err) < 0)
		return -1;
	for (size_t i = 0; i < c->all->npods; i++)
		if (&c->all->pods[i] != p && c->all->pods[i].name &&
		    strcmp(c->all->pods[i].name, c->name) == 0)
			return pea_error_new(err, EEXIST, "pod '%s' is in the YAML twice", c->name);
	p->name = xstrdup(c->name);
	if (pod_args(c, ctrs, &p->args, err) < 0 ||
	    sdnotify_annotation(c, NULL, &pod_notify, err) < 0)
		return -1;
	p->ctrs = xnew(struct kube_ctr_plan, ctrs->n);
	for (size_t i = 0; i < ctrs->n; i++) {
		const char *yname = NULL, *mode = NULL;

		/* counted first: what a failing container planned is freed with the plan */
		p->nctrs++;
		if (plan_container(c, ctrs->items[i], i, &p->ctrs[i], err) < 0)
			return pea_error_wrap(err, "pod '%s'", c->name);
		(void)kube_get_str(ctrs->items[i], "name", NULL, &yname, NULL);
		if (sdnotify_annotation(c, yname, &mode, err) < 0)
			return -1;
		p->ctrs[i].sdnotify = xstrdup(mode ? mode : pod_notify ? pod_notify : "ignore");
	}
	return 0;
}

static int plan_pvc(const struct kube_node *doc, struct kube_plan *plan, struct pea_error **err)
{
	const char *name = NULL;

	if (kube_get_str(kube_get(doc, "metadata"), "name", "metadata", &name, err) < 0)
		return -1;
	if (!name || !*name)
		return pea_error_new(err, EINVAL, "PersistentVolumeClaim has no metadata.name");
	if (!pea_strv_contains(plan->volumes, name))
		pea_strv_push(&plan->volumes, name);
	return 0;
}

/* One pod of a workload: name, metadata and spec already in c. */
static int plan_one(struct pod_ctx *c, struct pea_error **err)
{
	c->all->pods = xreallocarray(c->all->pods, c->all->npods + 1, sizeof(*c->all->pods));
	c->plan = &c->all->pods[c->all->npods++];
	memset(c->plan, 0, sizeof(*c->plan));
	if (c->o->names_only) {
		c->plan->name = xstrdup(c->name);
		return 0;
	}
	return plan_pod(c, err);
}

/* A Deployment's spec.replicas: 1 when missing. */
static int replicas_of(const struct kube_node *spec, long *ret, struct pea_error **err)
{
	const char *r = NULL;
	char *end;

	*ret = 1;
	if (kube_get_str(spec, "replicas", "spec", &r, err) < 0)
		return -1;
	if (!r)
		return 0;
	*ret = strtol(r, &end, 10);
	if (*end || *ret < 0 || *ret > 100)
		return pea_error_new(err, EINVAL, "invalid spec.replicas '%s' (0 to 100)", r);
	return 0;
}

/*
 * A Pod; a Deployment's replicas as pods NAME-pod-0, NAME-pod-1, ... (podman 4.3); a
 * DaemonSet as the pod NAME-pod (as later podman), both from spec.template.
 */
static int plan_workload(const struct kube_node *doc, const char *kind, struct pod_ctx *c,
			 struct pea_error **err)
{
	const struct kube_node *meta = kube_get(doc, "metadata"), *spec = kube_get(doc, "spec");
	const struct kube_node *tmpl = kube_get(spec, "template");
	const char *name = NULL;
	long replicas = 1;

	if (kube_get_str(meta, "name", "metadata", &name, err) < 0)
		return -1;
	if (!name || !*name)
		return pea_error_new(err, EINVAL, "%s has no metadata.name", kind);
	c->meta = meta;
	c->spec = spec;
	if (strcmp(kind, "Pod") == 0) {
		c->name = name;
		return plan_one(c, err);
	}
	c->spec = kube_get(tmpl, "spec");
	if (kube_get(tmpl, "metadata"))
		c->meta = kube_get(tmpl, "metadata");
	if (strcmp(kind, "DaemonSet") == 0) {
		_cleanup_free_ char *podname = xasprintf("%s-pod", name);

		c->name = podname;
		return plan_one(c, err);
	}
	if (replicas_of(spec, &replicas, err) < 0)
		return pea_error_wrap(err, "Deployment '%s'", name);
	for (long i = 0; i < replicas; i++) {
		_cleanup_free_ char *podname = xasprintf("%s-pod-%ld", name, i);

		c->name = podname;
		if (plan_one(c, err) < 0)
			return -1;
	}
	return 0;
}

static int plan_docs(struct kube_node *const *docs, size_t ndocs, struct pod_ctx *c,
		     size_t *ret_valid, struct pea_error **err)
{
	size_t valid = 0;

	for (size_t i = 0; i < ndocs; i++) {
		const char *kind = NULL;

		if (docs[i]->kind != KUBE_MAP)
			return pea_error_new(err, EINVAL,
					     "yaml: line %zu: a document is not a mapping",
					     docs[i]->line);
		if (kube_get_str(docs[i], "kind", NULL, &kind, err) < 0)
			return -1;
		if (!kind)
			return pea_error_new(err, EINVAL, "yaml: line %zu: a document has no kind",
					     docs[i]->line);
		if (strcmp(kind, "Pod") == 0 || strcmp(kind, "Deployment") == 0 ||
		    strcmp(kind, "DaemonSet") == 0) {
			if (plan_workload(docs[i], kind, c, err) < 0)
				return -1;
			valid++;
		} else if (strcmp(kind, "PersistentVolumeClaim") == 0) {
			if (plan_pvc(docs[i], c->all, err) < 0)
				return -1;
			valid++;
		}
		/* podman ignores the other kinds (a Service beside a Pod) */
	}
	*ret_valid = valid;
	return 0;
}

int kube_plan_build(struct kube_node *const *docs, size_t ndocs,
		    struct kube_node *const *configmaps, size_t ncm, const struct kube_play_opts *o,
		    struct kube_plan *ret, struct pea_error **err)
{
	_cleanup_free_ struct kube_node **cms = NULL;
	struct kube_plan plan = { 0 };
	struct pod_ctx c = { .o = o, .all = &plan };
	size_t n = 0, valid = 0;

	for (size_t i = 0; o->annotations && o->annotations[i]; i++)
		if (strlen(o->annotations[i]) > KUBE_MAX_ANNOTATION)
			return pea_error_new(err, EINVAL,
					     "annotation exceeds maximum size, %d, of kubernetes "
					     "annotation: %s",
					     KUBE_MAX_ANNOTATION, o->annotations[i]);
	cms = xnew(struct kube_node *, ndocs + ncm + 1);
	for (size_t i = 0; i < ndocs + ncm; i++) {
		struct kube_node *d = i < ndocs ? docs[i] : configmaps[i - ndocs];
		const char *kind = NULL;

		(void)kube_get_str(d, "kind", NULL, &kind, NULL);
		if (kind && strcmp(kind, "ConfigMap") == 0)
			cms[n++] = d;
	}
	c.cms = cms;
	c.ncms = n;
	if (plan_docs(docs, ndocs, &c, &valid, err) < 0) {
		kube_plan_clear(&plan);
		return -1;
	}
	if (!valid) {
		kube_plan_clear(&plan);
		if (n > ncm)
			return pea_error_new(err, EINVAL,
					     "ConfigMaps in podman are not a standalone object and "
					     "must be used in a container");
		return pea_error_new(err, EINVAL,
				     "YAML document does not contain any supported kube kind");
	}
	*ret = plan;
	return 0;
}

static void print_cmd(const char *prefix, char *const *args)
{
	fputs(prefix, stdout);
	for (size_t i = 0; args && args[i]; i++)
		printf(" %s", args[i]);
	putchar('\n');
}

void kube_plan_print(const struct kube_plan *p)
{
	for (size_t i = 0; p->volumes && p->volumes[i]; i++)
		printf("volume create %s\n", p->volumes[i]);
	for (size_t i = 0; i < p->ncmvols; i++) {
		printf("volume create %s\n", p->cmvols[i].name);
		for (size_t j = 0; p->cmvols[i].files && p->cmvols[i].files[j]; j += 2)
			printf("volume file %s/%s\n", p->cmvols[i].name, p->cmvols[i].files[j]);
	}
	for (size_t i = 0; i < p->npods; i++) {
		const struct kube_pod_plan *pp = &p->pods[i];

		for (size_t j = 0; pp->mkdirs && pp->mkdirs[j]; j++)
			printf("mkdir %s\n", pp->mkdirs[j]);
		for (size_t j = 0; pp->mkfiles && pp->mkfiles[j]; j++)
			printf("touch %s\n", pp->mkfiles[j]);
		print_cmd("pod create", pp->args);
		for (size_t j = 0; j < pp->ninits; j++)
			print_cmd("init create", pp->inits[j].args);
		for (size_t j = 0; j < pp->nctrs; j++)
			print_cmd("create", pp->ctrs[j].args);
	}
}

static int run2(struct global_options *g, const char *a, const char *b, const char *c,
		char **ret_out, struct pea_error **err)
{
	char *args[] = { (char *)a, (char *)b, (char *)c, NULL };

	return frontend_run_self_capture(g, args, ret_out, err);
}

static bool exists(struct global_options *g, const char *group, const char *name)
{
	_cleanup_error_ struct pea_error *e = NULL;

	return run2(g, group, "exists", name, NULL, &e) == 0;
}

/* What a play made, to undo on a failure. */
struct made {
	char *service; /* the service container's id */
	char **pods;
	char **volumes;
	char **dirs;  /* the topmost folder each DirectoryOrCreate made */
	char **files; /* FileOrCreate files made */
};

static void undo(struct global_options *g, struct made *m)
{
	for (size_t i = pea_strv_length(m->pods); i-- > 0;) {
		_cleanup_error_ struct pea_error *e = NULL;
		char *args[] = { "pod", "rm", "-f", m->pods[i], NULL };

		if (frontend_run_self_capture(g, args, NULL, &e) < 0)
			log_warning("removing pod '%s': %s, ignoring", m->pods[i], e->message);
	}
	if (m->service) { /* a pod's rm took it if the pod knew it already */
		_cleanup_error_ struct pea_error *e = NULL;
		char *args[] = { "rm", "-f", "--ignore", m->service, NULL };

		if (frontend_run_self_capture(g, args, NULL, &e) < 0)
			log_warning("removing the service container: %s, ignoring", e->message);
	}
	for (size_t i = 0; m->volumes && m->volumes[i]; i++) {
		_cleanup_error_ struct pea_error *e = NULL;

		if (run2(g, "volume", "rm", m->volumes[i], NULL, &e) < 0)
			log_warning("removing volume '%s': %s, ignoring", m->volumes[i],
				    e->message);
	}
	for (size_t i = pea_strv_length(m->files); i-- > 0;)
		if (unlink(m->files[i]) < 0 && errno != ENOENT)
			log_warning("removing '%s': %m, ignoring", m->files[i]);
	for (size_t i = pea_strv_length(m->dirs); i-- > 0;) {
		_cleanup_error_ struct pea_error *e = NULL;

		if (pea_rm_rf_at(AT_FDCWD, m->dirs[i], &e) < 0)
			log_warning("%s, ignoring", e->message);
	}
}

static void made_clear(struct made *m)
{
	free(m->service);
	pea_strv_free(m->pods);
	pea_strv_free(m->volumes);
	pea_strv_free(m->dirs);
	pea_strv_free(m->files);
}

static int write_cm_files(struct global_options *g, const struct kube_cm_volume *v,
			  struct pea_error **err)
{
	_cleanup_free_ char *mp = NULL;
	_cleanup_close_ int dfd = -1;
	char *args[] = { "volume", "inspect", "--format", "{{.Mountpoint}}", v->name, NULL };

	if (frontend_run_self_capture(g, args, &mp, err) < 0)
		return -1;
	dfd = open(mp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", mp);
	for (size_t i = 0; v->files && v->files[i]; i += 2)
		if (pea_write_file_atomic_at(dfd, v->files[i], v->files[i + 1],
					     strlen(v->files[i + 1]), 0644, err) < 0)
			return -1;
	return 0;
}

/* PersistentVolumeClaims and ConfigMap volumes: those missing are made. */
static int make_volumes(struct global_options *g, const struct kube_plan *p, struct made *m,
			char ***report, struct pea_error **err)
{
	for (size_t i = 0; p->volumes && p->volumes[i]; i++) {
		if (!exists(g, "volume", p->volumes[i])) {
			if (run2(g, "volume", "create", p->volumes[i], NULL, err) < 0)
				return -1;
			pea_strv_push(&m->volumes, p->volumes[i]);
		}
		pea_strv_push(report, p->volumes[i]);
	}
	for (size_t i = 0; i < p->ncmvols; i++) {
		if (exists(g, "volume", p->cmvols[i].name))
			continue;
		if (run2(g, "volume", "create", p->cmvols[i].name, NULL, err) < 0)
			return -1;
		pea_strv_push(&m->volumes, p->cmvols[i].name);
		if (write_cm_files(g, &p->cmvols[i], err) < 0)
			return pea_error_wrap(err, "ConfigMap volume '%s'", p->cmvols[i].name);
	}
	return 0;
}

/* The topmost folder of path that is not there (NULL: path is there). */
static char *first_missing(const char *path)
{
	_cleanup_free_ char *p = xstrdup(path);
	char *top = NULL;
	struct stat s;

	while (*p && lstat(p, &s) < 0 && errno == ENOENT) {
		char *sl = strrchr(p, '/');
		free(top);
		top = xstrdup(p);
		if (!sl || sl == p)
			break;
		*sl = '\0';
	}
	return top;
}

/* DirectoryOrCreate and FileOrCreate paths; what is made is noted in m for undo. */
static int make_host_paths(const struct kube_pod_plan *pp, struct made *m, struct pea_error **err)
{
	for (size_t i = 0; pp->mkdirs && pp->mkdirs[i]; i++) {
		_cleanup_free_ char *top = first_missing(pp->mkdirs[i]);
		int r = pea_mkdir_p_at(AT_FDCWD, pp->mkdirs[i], 0755, NULL, err);

		/* also after a failure: what mkdir -p made before it is ours */
		if (top && pea_path_exists_at(AT_FDCWD, top))
			pea_strv_push(&m->dirs, top);
		if (r < 0)
			return pea_error_wrap(err, "hostPath");
	}
	for (size_t i = 0; pp->mkfiles && pp->mkfiles[i]; i++) {
		int fd = open(pp->mkfiles[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY,
			      0644);

		if (fd >= 0)
			pea_strv_push(&m->files, pp->mkfiles[i]);
		else if (errno == EEXIST)
			fd = open(pp->mkfiles[i], O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return pea_error_errno(err, "hostPath '%s'", pp->mkfiles[i]);
		close(fd);
	}
	return 0;
}

/*
 * --build: an image whose last name component is a folder of the context with a
 * Containerfile or Dockerfile in it is built there (pea build -t IMAGE FOLDER), as podman does.
 */
static int build_images(struct global_options *g, const struct kube_pod_plan *pp,
			const struct kube_play_opts *o, struct pea_error **err)
{
	for (size_t i = 0; o->build && i < pp->nctrs; i++) {
		const char *img = pp->ctrs[i].image, *base = strrchr(img, '/');
		_cleanup_free_ char *name = NULL, *dir = NULL, *cf = NULL, *df = NULL;
		char *args[] = { "build", "-t", (char *)img, NULL, NULL };

		name = xstrdup(base ? base + 1 : img);
		name[strcspn(name, ":@")] = '\0';
		dir = xasprintf("%s/%s", o->context_dir ? o->context_dir : ".", name);
		cf = xasprintf("%s/Containerfile", dir);
		df = xasprintf("%s/Dockerfile", dir);
		if (!*name || (access(cf, F_OK) < 0 && access(df, F_OK) < 0))
			continue;
		args[3] = dir;
		if (frontend_run_self_capture(g, args, NULL, err) < 0)
			return pea_error_wrap(err, "building '%s' in '%s'", img, dir);
	}
	return 0;
}

/* An init container that did not exit 0: its status when it ran, else why it did not. */
static int init_failed(struct global_options *g, const char *name, struct pea_error **err)
{
	char *args[] = { "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}",
			 (char *)name, NULL };
	_cleanup_free_ char *out = NULL;
	_cleanup_error_ struct pea_error *e = NULL;

	if (frontend_run_self_capture(g, args, &out, &e) == 0 && strncmp(out, "exited ", 7) == 0) {
		*err = pea_error_free(*err);
		return pea_error_new(err, EIO, "init container '%s' exited with status %s", name,
				     out + 7);
	}
	return pea_error_wrap(err, "init container '%s' failed", name);
}

/*
 * The pod's init containers, in order: each created, run to its end (it must
 * exit 0) and removed, before the pod's containers are made.
 */
static int run_inits(struct global_options *g, const struct kube_pod_plan *pp,
		     struct pea_error **err)
{
	for (size_t i = 0; i < pp->ninits; i++) {
		_cleanup_strv_ char **cargs = NULL;
		_cleanup_free_ char *id = NULL;
		char *start[] = { "start", "-a", pp->inits[i].name, NULL };
		char *rm[] = { "rm", pp->inits[i].name, NULL };

		pea_strv_push(&cargs, "create");
		pea_strv_push(&cargs, "--sdnotify=ignore"); /* podman's kube default */
		for (size_t j = 0; pp->inits[i].args[j]; j++)
			pea_strv_push(&cargs, pp->inits[i].args[j]);
		if (frontend_run_self_capture(g, cargs, &id, err) < 0)
			return pea_error_wrap(err, "init container '%s'", pp->inits[i].name);
		if (frontend_run_self_capture(g, start, NULL, err) < 0)
			return init_failed(g, pp->inits[i].name, err);
		if (frontend_run_self_capture(g, rm, NULL, err) < 0)
			return pea_error_wrap(err, "removing init container '%s'",
					      pp->inits[i].name);
	}
	return 0;
}

/*
 * A container of mode container or conmon gets a socket of the play's own (podman's
 * notify proxy) as its NOTIFY_SOCKET, and the play waits for its READY=1 once the pod
 * runs: the service is ready when all of them are.
 */
struct proxy {
	char *dir;
	int fd;
};

static void proxy_close(struct proxy *x)
{
	_cleanup_free_ char *sock = x->dir ? xasprintf("%s/notify.sock", x->dir) : NULL;

	x->fd = pea_close(x->fd);
	if (sock)
		(void)unlink(sock);
	if (x->dir)
		(void)rmdir(x->dir);
	free(x->dir);
	*x = (struct proxy){ .fd = -1 };
}

static int proxy_open(struct proxy *x, struct pea_error **err)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *tmp = getenv("TMPDIR");

	*x = (struct proxy){ .fd = -1 };
	if (!tmp || !*tmp || strlen(tmp) > 64)
		tmp = "/tmp";
	x->dir = xasprintf("%s/pea-notify-XXXXXX", tmp);
	if (!mkdtemp(x->dir)) {
		pea_error_errno(err, "make a folder for a notify socket in '%s'", tmp);
		free(x->dir);
		x->dir = NULL;
		return -1;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/notify.sock", x->dir);
	x->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (x->fd < 0 || bind(x->fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		pea_error_errno(err, "notify socket '%s'", a.sun_path);
		proxy_close(x);
		return -1;
	}
	/* the container's monitor relays to it, as the user the container runs as */
	(void)chmod(x->dir, 0755);
	(void)chmod(a.sun_path, 0777);
	return 0;
}

/* Datagrams until one has the line READY=1. */
/* Whether container ID may still say READY=1: not exited, not removed. */
static bool ctr_may_notify(const struct global_options *g, const char *id)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	struct pea_error *e = NULL;

	if (record_load(g, id, &r, &e) < 0) {
		pea_error_free(e);
		return false;
	}
	record_sync_exit(g, r);
	return r->state != CTR_EXITED;
}

/*
 * Wait for the container's READY=1 on its proxy. Each second without a word
 * looks at the container: one that ended (or went) without sending it fails
 * the play rather than holding it for ever (podman's notify proxy checks its
 * container the same way since 4.5).
 */
static int proxy_wait_ready(const struct global_options *g, struct proxy *x, const char *ctr,
			    const char *id, struct pea_error **err)
{
	for (;;) {
		struct pollfd p = { .fd = x->fd, .events = POLLIN };
		char buf[4096];
		ssize_t n;
		int r = poll(&p, 1, 1000);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return pea_error_errno(err, "waiting for sd-notify proxy of '%s'", ctr);
		if (r == 0) {
			if (!ctr_may_notify(g, id))
				return pea_error_new(err, EIO,
						     "container '%s' exited before it sent "
						     "READY=1 (sdnotify mode container)",
						     ctr);
			continue;
		}
		n = recv(x->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return pea_error_errno(err, "waiting for sd-notify proxy of '%s'", ctr);
		buf[n] = '\0';
		for (char *l = buf; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
			if (strncmp(l, "READY=1", 7) == 0 && (l[7] == '\n' || l[7] == '\0'))
				return 0;
	}
}

/* create ARGS with NOTIFY_SOCKET set to the proxy's (when there is one) for it alone. */
static int create_with_socket(struct global_options *g, char **args, const struct proxy *x,
			      char **ret_id, struct pea_error **err)
{
	_cleanup_free_ char *sock = x && x->dir ? xasprintf("%s/notify.sock", x->dir) : NULL;
	int r;

	if (sock)
		setenv("NOTIFY_SOCKET", sock, 1);
	r = frontend_run_self_capture(g, args, ret_id, err);
	if (sock)
		unsetenv("NOTIFY_SOCKET");
	return r;
}

/* One pod: its id and its containers' ids go to *out, podman's report. */
static int play_pod(struct global_options *g, const struct kube_pod_plan *pp,
		    const struct kube_play_opts *o, struct made *m, char **out,
		    struct pea_error **err)
{
	_cleanup_strv_ char **args = NULL, **ids = NULL;
	_cleanup_free_ char *podid = NULL, *ctrs = NULL;
	struct proxy *px = xnew(struct proxy, pp->nctrs + 1);
	int rc = -1;

	for (size_t i = 0; i < pp->nctrs; i++)
		px[i].fd = -1;
	if (o->replace && exists(g, "pod", pp->name)) {
		char *rm[] = { "pod", "rm", "-f", pp->name, NULL };

		if (frontend_run_self_capture(g, rm, NULL, err) < 0) {
			pea_error_wrap(err, "replacing pod '%s'", pp->name);
			goto out;
		}
	}
	if (make_host_paths(pp, m, err) < 0 || build_images(g, pp, o, err) < 0)
		goto out;
	push2(&args, "pod", "create");
	for (size_t i = 0; pp->args[i]; i++)
		pea_strv_push(&args, pp->args[i]);
	if (frontend_run_self_capture(g, args, &podid, err) < 0) {
		pea_error_wrap(err, "pod '%s'", pp->name);
		goto out;
	}
	pea_strv_push(&m->pods, pp->name);
	if ((m->service && pod_set_service(g, podid, m->service, err) < 0) ||
	    run_inits(g, pp, err) < 0) {
		pea_error_wrap(err, "pod '%s'", pp->name);
		goto out;
	}
	for (size_t i = 0; i < pp->nctrs; i++) {
		_cleanup_strv_ char **cargs = NULL;
		const char *mode = pp->ctrs[i].sdnotify ? pp->ctrs[i].sdnotify : "ignore";
		char *id = NULL;

		pea_strv_push(&cargs, "create");
		pea_strv_push_take(&cargs, xasprintf("--sdnotify=%s", mode));
		for (size_t j = 0; pp->ctrs[i].args[j]; j++)
			pea_strv_push(&cargs, pp->ctrs[i].args[j]);
		if ((strcmp(mode, "ignore") != 0 && proxy_open(&px[i], err) < 0) ||
		    create_with_socket(g, cargs, &px[i], &id, err) < 0) {
			pea_error_wrap(err, "container '%s'", pp->ctrs[i].name);
			goto out;
		}
		/* create may print pull progress before the id */
		if (strrchr(id, '\n'))
			memmove(id, strrchr(id, '\n') + 1, strlen(strrchr(id, '\n')));
		pea_strv_push_take(&ids, id);
	}
	if (o->start && run2(g, "pod", "start", pp->name, NULL, err) < 0) {
		pea_error_wrap(err, "starting pod '%s'", pp->name);
		goto out;
	}
	for (size_t i = 0; o->start && i < pp->nctrs; i++)
		if (px[i].fd >= 0 && proxy_wait_ready(g, &px[i], pp->ctrs[i].name, ids[i], err) < 0)
			goto out;
	ctrs = pea_strv_join(ids, "\n");
	*out = xasprintf("Pod:\n%s\n%s:\n%s\n\n", podid,
			 pea_strv_length(ids) == 1 ? "Container" : "Containers", ctrs);
	rc = 0;
out:
	for (size_t i = 0; i < pp->nctrs; i++)
		proxy_close(&px[i]);
	free(px);
	return rc;
}

/*
 * --service-container: podman's, a container of the pause image named after
 * the YAML, made before the pods and tied to them (pod.h: started with them,
 * stopped when they stop, removed with them).
 */
static int make_service(struct global_options *g, const struct kube_play_opts *o, struct made *m,
			struct pea_error **err)
{
	_cleanup_free_ char *image = pod_pause_image_name(), *id = NULL;
	char *args[] = { "create", "--sdnotify=ignore", "--name", (char *)o->service_name, image,
			 NULL };

	if (o->replace && exists(g, "container", o->service_name)) {
		char *rm[] = { "rm", "-f", (char *)o->service_name, NULL };
		if (frontend_run_self_capture(g, rm, NULL, err) < 0)
			return pea_error_wrap(err, "replacing the service container");
	}
	if (pod_pause_image_ensure(g, err) < 0 || frontend_run_self_capture(g, args, &id, err) < 0)
		return pea_error_wrap(err, "the service container %s", o->service_name);
	if (strrchr(id, '\n'))
		memmove(id, strrchr(id, '\n') + 1, strlen(strrchr(id, '\n')));
	m->service = TAKE_PTR(id);
	return 0;
}

/*
 * The service is up (--service-container, the pods started): MAINPID (the service
 * container's monitor) and READY=1 to the play's NOTIFY_SOCKET, as podman's.
 */
static void notify_service(struct global_options *g, const char *service, const char *sock)
{
	char *args[] = { "inspect", "--format", "{{.State.ConmonPid}}", (char *)service, NULL };
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_free_ char *pid = NULL, *msg = NULL;

	if (frontend_run_self_capture(g, args, &pid, &e) < 0) {
		log_warning("sd-notify: the service container: %s, ignoring", e->message);
		return;
	}
	msg = xasprintf("MAINPID=%s\nREADY=1", pid);
	if (sdnotify_send(sock, msg, &e) < 0)
		log_warning("sd-notify: %s, ignoring", e->message);
}

int kube_play_run(struct global_options *g, const struct kube_plan *p,
		  const struct kube_play_opts *o, struct pea_error **err)
{
	_cleanup_strv_ char **vols = NULL, **reports = NULL;
	/* the play's own socket: the containers get theirs, or none (podman's) */
	_cleanup_free_ char *sock =
		getenv("NOTIFY_SOCKET") ? xstrdup(getenv("NOTIFY_SOCKET")) : NULL;
	struct made m = { 0 };
	int r = 0;

	unsetenv("NOTIFY_SOCKET");

	if (make_volumes(g, p, &m, &vols, err) < 0)
		r = -1;
	/*
	 * --replace: the YAML's pods go first, their service container with them
	 * (it cannot be removed while a pod names it).
	 */
	for (size_t i = 0; r == 0 && o->replace && i < p->npods; i++) {
		char *rm[] = { "pod", "rm", "-f", p->pods[i].name, NULL };

		if (exists(g, "pod", p->pods[i].name) &&
		    frontend_run_self_capture(g, rm, NULL, err) < 0)
			r = pea_error_wrap(err, "replacing pod '%s'", p->pods[i].name);
	}
	if (r == 0 && o->service_container && p->npods > 0)
		r = make_service(g, o, &m, err);
	for (size_t i = 0; r == 0 && i < p->npods; i++) {
		char *rep = NULL;

		r = play_pod(g, &p->pods[i], o, &m, &rep, err);
		if (r == 0)
			pea_strv_push_take(&reports, rep);
	}
	if (r < 0)
		undo(g, &m);
	else if (m.service && o->start && sock && *sock)
		notify_service(g, m.service, sock);
	made_clear(&m);
	if (r < 0)
		return r;
	for (size_t i = 0; vols && vols[i]; i++)
		printf("%s%s\n", i == 0 ? "Volumes:\n" : "", vols[i]);
	for (size_t i = 0; reports && reports[i]; i++)
		fputs(reports[i], stdout);
	return 0;
}

int kube_down_run(struct global_options *g, const struct kube_plan *p, struct pea_error **err)
{
	_cleanup_strv_ char **stopped = NULL, **removed = NULL;
	_cleanup_error_ struct pea_error *last = NULL;

	for (size_t i = 0; i < p->npods; i++) {
		_cleanup_free_ char *id = NULL;
		char *rm[] = { "pod", "rm", "-f", p->pods[i].name, NULL };

		if (!exists(g, "pod", p->pods[i].name)) {
			pea_error_free(last);
			last = NULL;
			pea_error_new(&last, ENOENT, "no pod with name or ID %s found: no such pod",
				      p->pods[i].name);
			continue;
		}
		{
			char *in[] = { "pod",	  "inspect",	   "--format",
				       "{{.ID}}", p->pods[i].name, NULL };
			_cleanup_error_ struct pea_error *e = NULL;

			if (frontend_run_self_capture(g, in, &id, &e) < 0)
				id = xstrdup(p->pods[i].name);
		}
		if (run2(g, "pod", "stop", p->pods[i].name, NULL, err) == 0)
			pea_strv_push(&stopped, id);
		else {
			fprintf(stderr, "Error: %s\n", (*err)->message);
			*err = pea_error_free(*err);
		}
		if (frontend_run_self_capture(g, rm, NULL, err) == 0)
			pea_strv_push(&removed, id);
		else {
			pea_error_free(last);
			last = TAKE_PTR(*err);
		}
	}
	printf("Pods stopped:\n");
	for (size_t i = 0; stopped && stopped[i]; i++)
		printf("%s\n", stopped[i]);
	printf("Pods removed:\n");
	for (size_t i = 0; removed && removed[i]; i++)
		printf("%s\n", removed[i]);
	if (last) {
		*err = TAKE_PTR(last);
		return -1;
	}
	return 0;
}
