/*
 * kube generate: Kubernetes YAML of containers and pods as podman 4.3 writes
 * it, from what pea's own inspect commands print (container inspect, pod
 * inspect, image inspect), read through pea's command line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/frontend.h"
#include "frontend/kube-yaml.h"
#include "frontend/kube.h"

/* The capabilities podman compares a container's with (Docker's defaults). */
static const char *const default_caps[] = {
	"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",	   "CAP_FOWNER",
	"CAP_MKNOD",   "CAP_NET_RAW",	   "CAP_SETGID",	   "CAP_SETUID",
	"CAP_SETFCAP", "CAP_SETPCAP",	   "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
	"CAP_KILL",    "CAP_AUDIT_WRITE",
};

/* obj.a.b...: NULL when a step is missing. */
static struct json_object *jget(struct json_object *obj, const char *path)
{
	_cleanup_strv_ char **steps = pea_strv_split(path, ".");

	for (size_t i = 0; obj && steps && steps[i]; i++)
		if (!json_object_is_type(obj, json_type_object) ||
		    !json_object_object_get_ex(obj, steps[i], &obj))
			obj = NULL;
	return obj;
}

static const char *jstr(struct json_object *obj, const char *path)
{
	struct json_object *v = jget(obj, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool jbool(struct json_object *obj, const char *path)
{
	struct json_object *v = jget(obj, path);

	return v && json_object_get_boolean(v);
}

/* pea ARGS... printing a JSON array: its first element (owned). */
static int inspect_one(struct global_options *g, char *const *args, const char *what,
		       struct json_object **ret, struct pea_error **err)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_json_ struct json_object *arr = NULL;
	struct json_object *first;

	if (frontend_run_self_capture(g, args, &out, err) < 0)
		return -1;
	if (pea_json_parse(out, strlen(out), what, &arr, err) < 0)
		return -1;
	/* pod inspect prints one object, the others an array */
	if (json_object_is_type(arr, json_type_object))
		first = arr;
	else if (json_object_is_type(arr, json_type_array) && json_object_array_length(arr) > 0)
		first = json_object_array_get_idx(arr, 0);
	else
		return pea_error_new(err, EPROTO, "%s: not an object", what);
	*ret = json_object_get(first);
	return 0;
}

static bool strv_json_equal(struct json_object *a, struct json_object *b)
{
	size_t na = a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
	size_t nb = b && json_object_is_type(b, json_type_array) ? json_object_array_length(b) : 0;

	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)),
			   json_object_get_string(json_object_array_get_idx(b, i))) != 0)
			return false;
	return true;
}

static void add_strings(struct kube_node *seq, struct json_object *arr)
{
	size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr)
								    : 0;

	for (size_t i = 0; i < n; i++)
		kube_seq_add(seq, kube_str_new(json_object_get_string(
					  json_object_array_get_idx(arr, i))));
}

/* command: the entrypoint and cmd where they differ from the image's. */
static struct kube_node *ctr_command(struct json_object *ctr, struct json_object *img)
{
	struct kube_node *cmd = kube_seq_new();
	struct json_object *ep = jget(ctr, "Config.Entrypoint"), *c = jget(ctr, "Config.Cmd");
	struct json_object *iep = jget(img, "Config.Entrypoint"), *ic = jget(img, "Config.Cmd");

	/*
	 * pea and podman 4.3 print the container's entrypoint as one string, its
	 * words joined by spaces: split again (a word with a space in it cannot be
	 * told apart); "" is none
	 */
	_cleanup_json_ struct json_object *words = NULL;
	if (ep && json_object_is_type(ep, json_type_string)) {
		_cleanup_strv_ char **v = pea_strv_split(json_object_get_string(ep), " ");
		words = json_object_new_array();
		for (size_t i = 0; v && v[i]; i++)
			if (*v[i])
				json_object_array_add(words, json_object_new_string(v[i]));
		ep = json_object_array_length(words) ? words : NULL;
	}
	if (!strv_json_equal(ep, iep))
		add_strings(cmd, ep);
	if (!strv_json_equal(c, ic))
		add_strings(cmd, c);
	if (!cmd->n)
		cmd = kube_node_free(cmd);
	return cmd;
}

static bool has_cap(struct json_object *caps, const char *cap)
{
	size_t n = caps && json_object_is_type(caps, json_type_array)
			   ? json_object_array_length(caps)
			   : 0;

	for (size_t i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(caps, i)), cap) == 0)
			return true;
	return false;
}

/* "net_admin", "CAP_NET_ADMIN": the CAP_ form. */
static char *cap_name(const char *s)
{
	char *n = strncasecmp(s, "CAP_", 4) == 0 ? xstrdup(s) : xasprintf("CAP_%s", s);

	for (char *q = n; *q; q++)
		*q = (char)(*q >= 'a' && *q <= 'z' ? *q - 32 : *q);
	return n;
}

/* The container's capabilities: inspect's EffectiveCaps (podman), else the defaults, CapAdd,
 * CapDrop. */
static struct json_object *effective_caps(struct json_object *ctr)
{
	struct json_object *caps = jget(ctr, "EffectiveCaps"), *out;
	struct json_object *add = jget(ctr, "HostConfig.CapAdd"),
			   *drop = jget(ctr, "HostConfig.CapDrop");
	bool all_dropped = false;

	if (caps && json_object_is_type(caps, json_type_array))
		return json_object_get(caps);
	for (size_t i = 0; drop && json_object_is_type(drop, json_type_array) &&
			   i < json_object_array_length(drop);
	     i++)
		all_dropped = all_dropped ||
			      strcasecmp(json_object_get_string(json_object_array_get_idx(drop, i)),
					 "ALL") == 0;
	out = json_object_new_array();
	for (size_t i = 0; !all_dropped && i < FRONTEND_DEFAULT_CAPS_N; i++) {
		bool dropped = false;

		for (size_t j = 0; drop && json_object_is_type(drop, json_type_array) &&
				   j < json_object_array_length(drop);
		     j++) {
			_cleanup_free_ char *d = cap_name(
				json_object_get_string(json_object_array_get_idx(drop, j)));

			dropped = dropped || strcmp(d, frontend_default_caps[i]) == 0;
		}
		if (!dropped)
			json_object_array_add(out,
					      json_object_new_string(frontend_default_caps[i]));
	}
	for (size_t j = 0;
	     add && json_object_is_type(add, json_type_array) && j < json_object_array_length(add);
	     j++) {
		_cleanup_free_ char *a =
			cap_name(json_object_get_string(json_object_array_get_idx(add, j)));
		bool have = false;

		for (size_t i = 0; i < json_object_array_length(out); i++)
			have = have ||
			       strcmp(json_object_get_string(json_object_array_get_idx(out, i)),
				      a) == 0;
		if (!have)
			json_object_array_add(out, json_object_new_string(a));
	}
	return out;
}

static struct kube_node *ctr_security(struct json_object *ctr)
{
	_cleanup_json_ struct json_object *caps = effective_caps(ctr);
	struct kube_node *sec = kube_map_new(), *c = kube_map_new(), *add = kube_seq_new(),
			 *drop = kube_seq_new();
	size_t n = caps && json_object_is_type(caps, json_type_array)
			   ? json_object_array_length(caps)
			   : 0;

	if (jbool(ctr, "HostConfig.Privileged")) {
		kube_map_add(sec, "privileged", kube_plain_new("true"));
		kube_node_free(add);
		kube_node_free(drop);
		kube_node_free(c);
		return sec;
	}
	for (size_t i = 0; i < n; i++) {
		const char *cap = json_object_get_string(json_object_array_get_idx(caps, i));
		bool dflt = false;

		for (size_t j = 0; j < ARRAY_SIZE(default_caps); j++)
			dflt = dflt || strcmp(default_caps[j], cap) == 0;
		if (!dflt)
			kube_seq_add(add, kube_str_new(cap));
	}
	for (size_t j = 0; j < ARRAY_SIZE(default_caps); j++)
		if (!has_cap(caps, default_caps[j]))
			kube_seq_add(drop, kube_str_new(default_caps[j]));
	if (add->n)
		kube_map_add(c, "add", add);
	else
		kube_node_free(add);
	if (drop->n)
		kube_map_add(c, "drop", drop);
	else
		kube_node_free(drop);
	kube_map_add(sec, "capabilities", c);
	return sec;
}

/* env: what the container has beyond the image's and pea's own defaults. */
static struct kube_node *ctr_env(struct json_object *ctr, struct json_object *img)
{
	struct json_object *env = jget(ctr, "Config.Env"), *ienv = jget(img, "Config.Env");
	struct kube_node *seq = kube_seq_new();
	size_t n = env && json_object_is_type(env, json_type_array) ? json_object_array_length(env)
								    : 0;

	for (size_t i = 0; i < n; i++) {
		const char *kv = json_object_get_string(json_object_array_get_idx(env, i));
		const char *eq = strchr(kv, '=');
		_cleanup_free_ char *key = NULL;
		struct kube_node *e;

		if (!eq || has_cap(ienv, kv))
			continue;
		key = xstrndup(kv, (size_t)(eq - kv));
		if (!strcmp(key, "PATH") || !strcmp(key, "HOSTNAME") || !strcmp(key, "container") ||
		    !strcmp(key, "TERM") || !strcmp(key, "HOME"))
			continue;
		e = kube_map_new();
		kube_map_add(e, "name", kube_str_new(key));
		kube_map_add(e, "value", kube_str_new(eq + 1));
		kube_seq_add(seq, e);
	}
	if (!seq->n)
		seq = kube_node_free(seq);
	return seq;
}

/* "8888/tcp": [{"HostIp": "", "HostPort": "9999"}] as containerPort/hostPort entries. */
static struct kube_node *ports_of(struct json_object *bindings)
{
	struct kube_node *seq = kube_seq_new();

	if (bindings && json_object_is_type(bindings, json_type_object)) {
		json_object_object_foreach(bindings, key, val)
		{
			size_t n = val && json_object_is_type(val, json_type_array)
					   ? json_object_array_length(val)
					   : 0;
			const char *slash = strchr(key, '/');

			for (size_t i = 0; i < n; i++) {
				struct json_object *b = json_object_array_get_idx(val, i);
				const char *hp = jstr(b, "HostPort"), *ip = jstr(b, "HostIp");
				struct kube_node *p = kube_map_new();
				_cleanup_free_ char *cp =
					slash ? xstrndup(key, (size_t)(slash - key)) : xstrdup(key);

				kube_map_add(p, "containerPort", kube_plain_new(cp));
				if (ip && *ip && strcmp(ip, "0.0.0.0") != 0)
					kube_map_add(p, "hostIP", kube_str_new(ip));
				if (hp && *hp)
					kube_map_add(p, "hostPort", kube_plain_new(hp));
				if (slash && strcmp(slash + 1, "tcp") != 0) {
					_cleanup_free_ char *up = xstrdup(slash + 1);

					for (char *q = up; *q; q++)
						*q = (char)(*q >= 'a' && *q <= 'z' ? *q - 32 : *q);
					kube_map_add(p, "protocol", kube_str_new(up));
				}
				kube_seq_add(seq, p);
			}
		}
	}
	if (!seq->n)
		seq = kube_node_free(seq);
	return seq;
}

/* Kubernetes takes 63 characters of an annotation's value: podman 4.3 cuts it, and says so. */
static struct kube_node *annotation_value(const char *v)
{
	_cleanup_free_ char *cut = NULL;

	if (strlen(v) <= KUBE_MAX_ANNOTATION)
		return kube_str_new(v);
	cut = xstrndup(v, KUBE_MAX_ANNOTATION);
	log_warning("Truncation Annotation: \"%s\" to \"%s\": Kubernetes only allows %d characters",
		    v, cut, KUBE_MAX_ANNOTATION);
	return kube_str_new(cut);
}

static void add_annotations(struct kube_node *ann, struct json_object *ctr, const char *name,
			    const char *podid)
{
	static const struct {
		const char *key, *path;
	} flags[] = {
		{ "io.podman.annotations.autoremove", "HostConfig.AutoRemove" },
		{ "io.podman.annotations.init", "HostConfig.Init" },
		{ "io.podman.annotations.privileged", "HostConfig.Privileged" },
		{ "io.podman.annotations.publish-all", "HostConfig.PublishAllPorts" },
	};
	char *k;

	if (podid) {
		k = xasprintf("io.kubernetes.cri-o.ContainerType/%s", name);
		kube_map_add(ann, k, kube_str_new("container"));
		free(k);
		k = xasprintf("io.kubernetes.cri-o.SandboxID/%s", name);
		kube_map_add(ann, k, annotation_value(podid));
		free(k);
	}
	k = xasprintf("io.kubernetes.cri-o.TTY/%s", name);
	kube_map_add(ann, k, kube_str_new(jbool(ctr, "Config.Tty") ? "true" : "false"));
	free(k);
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		k = xasprintf("%s/%s", flags[i].key, name);
		kube_map_add(ann, k, kube_str_new(jbool(ctr, flags[i].path) ? "TRUE" : "FALSE"));
		free(k);
	}
}

/* Has the sequence of volumes one named name? */
static bool kube_volume_named(const struct kube_node *vols, const char *name)
{
	for (size_t i = 0; i < vols->n; i++) {
		const char *n = NULL;
		if (kube_get_str(vols->items[i], "name", NULL, &n, NULL) == 0 && n &&
		    strcmp(n, name) == 0)
			return true;
	}
	return false;
}

/* A size as Kubernetes writes a binary quantity: "512Mi" when exact, else the bytes. */
static char *k8s_bytes(int64_t n)
{
	static const char *const suffix[] = { "Ki", "Mi", "Gi", "Ti", "Pi" };
	int k = -1;

	while (k + 1 < 5 && n >= 1024 && n % 1024 == 0) {
		n /= 1024;
		k++;
	}
	return k < 0 ? xasprintf("%lld", (long long)n)
		     : xasprintf("%lld%s", (long long)n, suffix[k]);
}

/* resources.limits from --memory and --cpus, as podman 4.3 writes them ({} without any). */
static struct kube_node *ctr_resources(struct json_object *ctr)
{
	struct kube_node *res = kube_map_new(), *lim = kube_map_new();
	struct json_object *m = jget(ctr, "HostConfig.Memory"),
			   *c = jget(ctr, "HostConfig.NanoCpus");
	int64_t mem = m ? json_object_get_int64(m) : 0, nano = c ? json_object_get_int64(c) : 0;

	if (nano >= 1000000) {
		char *v = xasprintf("%lldm", (long long)(nano / 1000000));
		kube_map_add(lim, "cpu", kube_str_new(v));
		free(v);
	}
	if (mem > 0) {
		char *v = k8s_bytes(mem);
		kube_map_add(lim, "memory", kube_str_new(v));
		free(v);
	}
	if (lim->n)
		kube_map_add(res, "limits", lim);
	else
		kube_node_free(lim);
	return res;
}

/*
 * The container's binds and named volumes as volumeMounts; their pod volumes go to vols
 * (podman 4.3's names: a host path's "/" as "-" and "-host", a volume's name and "-pvc").
 */
static struct kube_node *ctr_volume_mounts(struct json_object *ctr, struct kube_node *vols)
{
	struct json_object *list = jget(ctr, "Mounts");
	struct kube_node *seq = kube_seq_new();
	size_t n = list && json_object_is_type(list, json_type_array)
			   ? json_object_array_length(list)
			   : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *mt = json_object_array_get_idx(list, i);
		const char *type = jstr(mt, "Type"), *src = jstr(mt, "Source"),
			   *dst = jstr(mt, "Destination"), *vname = jstr(mt, "Name");
		_cleanup_free_ char *name = NULL;
		struct kube_node *vm, *vol = NULL, *src_node;
		struct stat st;

		if (!type || !dst || !src)
			continue;
		if (strcmp(type, "bind") == 0) {
			const char *p = src;
			while (*p == '/')
				p++;
			name = xasprintf("%s-host", *p ? p : "root");
			for (char *q = name; *q; q++)
				*q = *q == '/' ? '-' : *q;
			src_node = kube_map_new();
			kube_map_add(src_node, "path", kube_str_new(src));
			if (stat(src, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
				kube_map_add(
					src_node, "type",
					kube_str_new(S_ISDIR(st.st_mode) ? "Directory" : "File"));
			vol = kube_map_new();
			kube_map_add(vol, "hostPath", src_node);
		} else if (strcmp(type, "volume") == 0 && vname) {
			name = xasprintf("%s-pvc", vname);
			src_node = kube_map_new();
			kube_map_add(src_node, "claimName", kube_str_new(vname));
			vol = kube_map_new();
			kube_map_add(vol, "persistentVolumeClaim", src_node);
		} else {
			continue;
		}
		vm = kube_map_new();
		kube_map_add(vm, "mountPath", kube_str_new(dst));
		kube_map_add(vm, "name", kube_str_new(name));
		if (!jbool(mt, "RW"))
			kube_map_add(vm, "readOnly", kube_plain_new("true"));
		kube_seq_add(seq, vm);
		kube_map_add(vol, "name", kube_str_new(name));
		if (kube_volume_named(vols, name))
			kube_node_free(vol);
		else
			kube_seq_add(vols, vol);
	}
	if (!seq->n)
		seq = kube_node_free(seq);
	return seq;
}

/* podman 4.3: the first container's --restart as the pod's restartPolicy, Never by default. */
static struct kube_node *restart_policy_of(struct json_object *ctr)
{
	const char *p = jstr(ctr, "HostConfig.RestartPolicy.Name");

	if (p && (strcmp(p, "always") == 0 || strcmp(p, "unless-stopped") == 0))
		return kube_str_new("Always");
	if (p && strcmp(p, "on-failure") == 0)
		return kube_str_new("OnFailure");
	return kube_str_new("Never");
}

/* One container of the spec (its annotations go to ann). */
static int ctr_node(struct global_options *g, struct json_object *ctr, struct kube_node *ann,
		    struct kube_node *vols, const char *podid, struct kube_node **ret,
		    struct pea_error **err)
{
	_cleanup_json_ struct json_object *img = NULL;
	const char *name = jstr(ctr, "Name"), *image = jstr(ctr, "ImageName"),
		   *wd = jstr(ctr, "Config.WorkingDir");
	struct kube_node *c, *v;
	char *args[] = { "image", "inspect", (char *)jstr(ctr, "Image"), NULL };

	if (!name || !image)
		return pea_error_new(err, EPROTO, "container inspect: no Name or ImageName");
	if (args[2] && inspect_one(g, args, "image inspect", &img, err) < 0)
		return -1;
	c = kube_map_new();
	if ((v = ctr_command(ctr, img)))
		kube_map_add(c, "command", v);
	if ((v = ctr_env(ctr, img)))
		kube_map_add(c, "env", v);
	kube_map_add(c, "image", kube_str_new(image));
	kube_map_add(c, "name", kube_str_new(name));
	if (!podid && (v = ports_of(jget(ctr, "HostConfig.PortBindings"))))
		kube_map_add(c, "ports", v);
	kube_map_add(c, "resources", ctr_resources(ctr));
	kube_map_add(c, "securityContext", ctr_security(ctr));
	if (jbool(ctr, "Config.Tty"))
		kube_map_add(c, "tty", kube_plain_new("true"));
	if ((v = ctr_volume_mounts(ctr, vols)))
		kube_map_add(c, "volumeMounts", v);
	if (wd && *wd && strcmp(wd, "/") != 0 &&
	    (!jstr(img, "Config.WorkingDir") || strcmp(wd, jstr(img, "Config.WorkingDir")) != 0))
		kube_map_add(c, "workingDir", kube_str_new(wd));
	add_annotations(ann, ctr, name, podid);
	*ret = c;
	return 0;
}

static struct kube_node *pod_doc(const char *name, const char *created, struct kube_node *ann,
				 struct kube_node *spec, bool status)
{
	struct kube_node *doc = kube_map_new(), *meta = kube_map_new(), *labels = kube_map_new();

	kube_map_add(doc, "apiVersion", kube_str_new("v1"));
	kube_map_add(doc, "kind", kube_str_new("Pod"));
	kube_map_add(meta, "annotations", ann);
	if (created)
		kube_map_add(meta, "creationTimestamp", kube_str_new(created));
	kube_map_add(labels, "app", kube_str_new(name));
	kube_map_add(meta, "labels", labels);
	kube_map_add(meta, "name", kube_str_new(name));
	kube_map_add(doc, "metadata", meta);
	kube_map_add(doc, "spec", spec);
	if (status)
		kube_map_add(doc, "status", kube_map_new());
	return doc;
}

/* Created as Kubernetes writes it: seconds, Z. */
static char *k8s_time(const char *created)
{
	const char *dot;

	if (!created)
		return NULL;
	dot = strchr(created, '.');
	if (!dot)
		return xstrdup(created);
	return xasprintf("%.*sZ", (int)(dot - created), created);
}

static int container_doc(struct global_options *g, struct json_object *ctr, struct kube_node **ret,
			 struct pea_error **err)
{
	struct kube_node *ann = kube_map_new(), *spec = kube_map_new(), *ctrs = kube_seq_new(), *c;
	struct kube_node *vols = kube_seq_new();
	_cleanup_free_ char *podname = NULL, *created = k8s_time(jstr(ctr, "Created"));

	if (ctr_node(g, ctr, ann, vols, NULL, &c, err) < 0) {
		kube_node_free(ann);
		kube_node_free(spec);
		kube_node_free(ctrs);
		kube_node_free(vols);
		return -1;
	}
	kube_seq_add(ctrs, c);
	kube_map_add(spec, "containers", ctrs);
	/* no restartPolicy: podman 4.3 writes it for a pod only */
	if (vols->n)
		kube_map_add(spec, "volumes", vols);
	else
		kube_node_free(vols);
	podname = xasprintf("%s-pod", jstr(ctr, "Name"));
	*ret = pod_doc(podname, created, ann, spec, false);
	return 0;
}

/* The pod's published ports: pod inspect's InfraConfig.PortBindings, else its infra container's. */
static int pod_ports(struct global_options *g, struct json_object *pod, struct kube_node **ret,
		     struct pea_error **err)
{
	_cleanup_json_ struct json_object *infra = NULL;
	const char *id = jstr(pod, "InfraContainerID");
	char *args[] = { "container", "inspect", (char *)id, NULL };

	*ret = NULL;
	if (jget(pod, "InfraConfig.PortBindings")) {
		*ret = ports_of(jget(pod, "InfraConfig.PortBindings"));
		return 0;
	}
	if (!id || !*id)
		return 0;
	if (inspect_one(g, args, "container inspect", &infra, err) < 0)
		return -1;
	*ret = ports_of(jget(infra, "HostConfig.PortBindings"));
	if (!*ret)
		*ret = ports_of(jget(infra, "NetworkSettings.Ports"));
	return 0;
}

static int pod_containers(struct global_options *g, struct json_object *pod, struct kube_node *ann,
			  struct kube_node *ctrs, struct kube_node *vols,
			  struct kube_node **ret_policy, struct pea_error **err)
{
	struct json_object *list = jget(pod, "Containers");
	const char *infra = jstr(pod, "InfraContainerID"), *podid = jstr(pod, "Id");
	size_t n = list && json_object_is_type(list, json_type_array)
			   ? json_object_array_length(list)
			   : 0;

	for (size_t i = 0; i < n; i++) {
		const char *id = jstr(json_object_array_get_idx(list, i), "Id");
		_cleanup_json_ struct json_object *ctr = NULL;
		char *args[] = { "container", "inspect", (char *)id, NULL };
		struct kube_node *c;

		if (!id || (infra && strcmp(id, infra) == 0))
			continue;
		if (inspect_one(g, args, "container inspect", &ctr, err) < 0)
			return -1;
		if (ctr_node(g, ctr, ann, vols, podid, &c, err) < 0)
			return -1;
		if (!*ret_policy)
			*ret_policy = restart_policy_of(ctr);
		/* the pod's published ports go to its first container, as podman does */
		if (!ctrs->n) {
			struct kube_node *p = NULL;

			if (pod_ports(g, pod, &p, err) < 0) {
				kube_node_free(c);
				return -1;
			}
			if (p)
				kube_map_add(c, "ports", p);
		}
		kube_seq_add(ctrs, c);
	}
	return 0;
}

static int pod_doc_of(struct global_options *g, struct json_object *pod, struct kube_node **ret,
		      struct pea_error **err)
{
	struct kube_node *ann = kube_map_new(), *spec = kube_map_new(), *ctrs = kube_seq_new();
	struct kube_node *vols = kube_seq_new(), *policy = NULL;
	_cleanup_free_ char *created = k8s_time(jstr(pod, "Created"));
	const char *name = jstr(pod, "Name"), *host = jstr(pod, "Hostname");

	if (pod_containers(g, pod, ann, ctrs, vols, &policy, err) < 0 || !ctrs->n) {
		if (!ctrs->n && !*err)
			pea_error_new(err, EINVAL,
				      "pod %s only has an infra container, nothing to generate",
				      name ? name : "");
		kube_node_free(ann);
		kube_node_free(spec);
		kube_node_free(ctrs);
		kube_node_free(vols);
		kube_node_free(policy);
		return -1;
	}
	kube_map_add(spec, "containers", ctrs);
	kube_map_add(spec, "hostname", kube_str_new(host && *host ? host : name));
	kube_map_add(spec, "restartPolicy", policy);
	if (vols->n)
		kube_map_add(spec, "volumes", vols);
	else
		kube_node_free(vols);
	*ret = pod_doc(name ? name : "", created, ann, spec, true);
	return 0;
}

static int doc_of(struct global_options *g, const char *name, struct kube_node **ret,
		  struct pea_error **err)
{
	_cleanup_json_ struct json_object *obj = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	char *pod[] = { "pod", "inspect", (char *)name, NULL };
	char *ctr[] = { "container", "inspect", (char *)name, NULL };

	if (inspect_one(g, ctr, "container inspect", &obj, &e) == 0)
		return container_doc(g, obj, ret, err);
	if (frontend_run_self_capture(g, (char *[]){ "pod", "exists", (char *)name, NULL }, NULL,
				      NULL) == 0) {
		if (inspect_one(g, pod, "pod inspect", &obj, err) < 0)
			return -1;
		return pod_doc_of(g, obj, ret, err);
	}
	return pea_error_new(err, ENOENT, "%s: no such pod or container", name);
}

int kube_generate(struct global_options *g, char *const *names, bool service, char **ret,
		  struct pea_error **err)
{
	_cleanup_free_ char *text = xstrdup(
		"# Save the output of this file and use kubectl create -f to import it into "
		"Kubernetes.\n#\n# Created with pea\n");

	if (service)
		return pea_error_new(err, ENOTSUP, "--service is not supported yet");
	for (size_t i = 0; names[i]; i++) {
		struct kube_node *doc = NULL;
		_cleanup_free_ char *yaml = NULL;
		char *t;

		if (doc_of(g, names[i], &doc, err) < 0)
			return -1;
		if (kube_yaml_emit(doc, &yaml, err) < 0) {
			kube_node_free(doc);
			return -1;
		}
		kube_node_free(doc);
		t = xasprintf("%s%s%s", text, i ? "---\n" : "", yaml);
		free(text);
		text = t;
	}
	*ret = TAKE_PTR(text);
	return 0;
}
