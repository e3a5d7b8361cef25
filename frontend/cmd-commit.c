/*
 * commit: a new image from a container's changes (podman-commit(1)). The
 * container's writable layer goes through pea-storage (`container diff` into
 * `layer apply` on the image's top layer); the image config is the base
 * image's with the container's settings, --change instructions, and one more
 * diff_id and history entry; the image is recorded with an OCI manifest, or
 * Docker's schema 2 with --format docker. import: a base layer from a tar
 * file, standard input or a URL (podman-import(1)).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/frontend.h"
#include "frontend/images.h"
#include "frontend/records.h"

#define MANIFEST_MAX (4u << 20)

#define MEDIA_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_CONFIG   "application/vnd.oci.image.config.v1+json"
#define MEDIA_LAYER    "application/vnd.oci.image.layer.v1.tar"
/* Docker's image manifest v2, schema 2 (podman commit --format docker). */
#define DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_CONFIG	"application/vnd.docker.container.image.v1+json"
#define DOCKER_LAYER	"application/vnd.docker.image.rootfs.diff.tar"
#define DOCKER_LAYER_GZ "application/vnd.docker.image.rootfs.diff.tar.gzip"

struct commit_opts {
	char *author, *message, *format;
	char **changes;
	bool pause, quiet;
};

static void commit_opts_clear(struct commit_opts *o)
{
	free(o->author);
	free(o->message);
	free(o->format);
	pea_strv_free(o->changes);
}

/* The object at key of o, made when missing. */
static struct json_object *obj_at(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object))
		return v;
	v = json_object_new_object();
	json_object_object_add(o, key, v);
	return v;
}

/* KEY=VALUE into an Env array, replacing KEY. */
static void env_put(struct json_object *cfg, const char *kv)
{
	struct json_object *env = NULL;
	size_t kl = strcspn(kv, "=");

	if (!json_object_object_get_ex(cfg, "Env", &env) ||
	    !json_object_is_type(env, json_type_array)) {
		env = json_object_new_array();
		json_object_object_add(cfg, "Env", env);
	}
	for (size_t i = 0; i < json_object_array_length(env); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));
		if (e && strncmp(e, kv, kl) == 0 && e[kl] == '=') {
			json_object_array_put_idx(env, i, json_object_new_string(kv));
			return;
		}
	}
	json_object_array_add(env, json_object_new_string(kv));
}

/* CMD and ENTRYPOINT: a JSON array, else the shell form. */
static int exec_form(const char *arg, struct json_object **ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *j = NULL;

	if (arg[0] == '[') {
		if (pea_json_parse(arg, strlen(arg), "change", &j, err) < 0)
			return -1;
		if (!j || !json_object_is_type(j, json_type_array))
			return pea_error_new(err, EINVAL, "'%s' is not a JSON array", arg);
		for (size_t i = 0; i < json_object_array_length(j); i++)
			if (!json_object_is_type(json_object_array_get_idx(j, i), json_type_string))
				return pea_error_new(err, EINVAL, "'%s' is not an array of strings",
						     arg);
		*ret = TAKE_PTR(j);
		return 0;
	}
	*ret = json_object_new_array();
	json_object_array_add(*ret, json_object_new_string("/bin/sh"));
	json_object_array_add(*ret, json_object_new_string("-c"));
	json_object_array_add(*ret, json_object_new_string(arg));
	return 0;
}

/* One Dockerfile instruction of --change. */
int commit_apply_change(struct json_object *cfg, const char *change, struct pea_error **err)
{
	_cleanup_free_ char *word = NULL;
	const char *arg;
	size_t wl = strcspn(change, " \t=");

	arg = change + wl;
	arg += strspn(arg, " \t=");
	word = xstrndup(change, wl);
	for (char *p = word; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	if (!*arg)
		return pea_error_new(err, EINVAL, "invalid change \"%s\": no value", change);
	if (strcmp(word, "CMD") == 0 || strcmp(word, "ENTRYPOINT") == 0) {
		struct json_object *v = NULL;
		if (exec_form(arg, &v, err) < 0)
			return pea_error_wrap(err, "invalid change \"%s\"", change);
		json_object_object_add(cfg, strcmp(word, "CMD") == 0 ? "Cmd" : "Entrypoint", v);
	} else if (strcmp(word, "ENV") == 0) {
		_cleanup_free_ char *kv = NULL;
		const char *eq = strchr(arg, '='), *sp = strpbrk(arg, " \t");
		if (eq && (!sp || eq < sp))
			kv = xstrdup(arg);
		else if (sp)
			kv = xasprintf("%.*s=%s", (int)(sp - arg), arg, sp + strspn(sp, " \t"));
		else
			return pea_error_new(err, EINVAL,
					     "invalid change \"%s\": ENV needs a value", change);
		env_put(cfg, kv);
	} else if (strcmp(word, "LABEL") == 0) {
		const char *eq = strchr(arg, '=');
		_cleanup_free_ char *k = NULL;
		if (!eq || eq == arg)
			return pea_error_new(err, EINVAL,
					     "invalid change \"%s\": LABEL needs KEY=VALUE",
					     change);
		k = xstrndup(arg, (size_t)(eq - arg));
		json_object_object_add(obj_at(cfg, "Labels"), k, json_object_new_string(eq + 1));
	} else if (strcmp(word, "WORKDIR") == 0) {
		json_object_object_add(cfg, "WorkingDir", json_object_new_string(arg));
	} else if (strcmp(word, "USER") == 0) {
		json_object_object_add(cfg, "User", json_object_new_string(arg));
	} else if (strcmp(word, "STOPSIGNAL") == 0) {
		json_object_object_add(cfg, "StopSignal", json_object_new_string(arg));
	} else if (strcmp(word, "EXPOSE") == 0 || strcmp(word, "VOLUME") == 0) {
		_cleanup_strv_ char **items = pea_strv_split(arg, " \t");
		bool expose = strcmp(word, "EXPOSE") == 0;
		struct json_object *set = obj_at(cfg, expose ? "ExposedPorts" : "Volumes");
		for (size_t i = 0; items && items[i]; i++) {
			_cleanup_free_ char *key = NULL;
			if (expose) {
				char *end = NULL;
				long port = strtol(items[i], &end, 10);
				if (end == items[i] || port < 1 || port > 65535 ||
				    (*end && strcmp(end, "/tcp") != 0 && strcmp(end, "/udp") != 0 &&
				     strcmp(end, "/sctp") != 0))
					return pea_error_new(err, EINVAL,
							     "invalid change \"%s\": bad port '%s'",
							     change, items[i]);
				key = *end ? xstrdup(items[i]) : xasprintf("%ld/tcp", port);
			} else {
				key = xstrdup(items[i]);
			}
			json_object_object_add(set, key, json_object_new_object());
		}
	} else {
		return pea_error_new(
			err, EINVAL,
			"invalid change \"%s\": %s is not one of CMD, ENTRYPOINT, ENV, "
			"EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR",
			change, word);
	}
	return 0;
}

/* The base config with the container's settings (as podman does; r NULL: none), then --change. */
static bool is_docker(const struct commit_opts *o)
{
	return o->format && strcmp(o->format, "docker") == 0;
}

static int make_config(const struct ctr_record *r, struct json_object *base, const char *diff_id,
		       const struct commit_opts *o, struct json_object **ret,
		       struct pea_error **err)
{
	_cleanup_json_ struct json_object *c = NULL;
	_cleanup_strv_ char **labels = NULL;
	_cleanup_free_ char *now = frontend_now();
	struct json_object *cfg, *v = NULL, *h;
	const char *s = NULL;

	if (json_object_deep_copy(base, &c, NULL) < 0)
		return pea_error_new(err, ENOMEM, "copying the image config");
	cfg = obj_at(c, "config");
	if (!r)
		goto changes;
	if (json_object_object_get_ex(r->opts, "env", &v))
		json_object_object_add(cfg, "Env", json_object_get(v));
	if (json_object_object_get_ex(r->opts, "entrypoint", &v) && v)
		json_object_object_add(cfg, "Entrypoint", json_object_get(v));
	if (json_object_object_get_ex(r->opts, "cmd", &v) && v)
		json_object_object_add(cfg, "Cmd", json_object_get(v));
	if (pea_json_get_string_opt(r->opts, "", "workdir", &s, NULL) == 1)
		json_object_object_add(cfg, "WorkingDir", json_object_new_string(s));
	if (pea_json_get_string_opt(r->opts, "", "user", &s, NULL) == 1 && *s)
		json_object_object_add(cfg, "User", json_object_new_string(s));
	(void)pea_json_get_strv_opt(r->opts, "", "labels", &labels, NULL);
	for (size_t i = 0; labels && labels[i]; i++) {
		const char *eq = strchr(labels[i], '=');
		_cleanup_free_ char *k =
			xstrndup(labels[i], eq ? (size_t)(eq - labels[i]) : strlen(labels[i]));
		json_object_object_add(obj_at(cfg, "Labels"), k,
				       json_object_new_string(eq ? eq + 1 : ""));
	}
changes:
	for (size_t i = 0; o->changes && o->changes[i]; i++)
		if (commit_apply_change(cfg, o->changes[i], err) < 0)
			return -1;
	json_object_object_add(c, "created", json_object_new_string(now));
	if (o->author)
		json_object_object_add(c, "author", json_object_new_string(o->author));
	/* Docker's config has the message and the container; OCI's has neither */
	if (is_docker(o) && o->message)
		json_object_object_add(c, "comment", json_object_new_string(o->message));
	if (is_docker(o) && r)
		json_object_object_add(c, "container", json_object_new_string(r->id));
	v = obj_at(c, "rootfs");
	json_object_object_add(v, "type", json_object_new_string("layers"));
	if (!json_object_object_get_ex(v, "diff_ids", &h)) {
		h = json_object_new_array();
		json_object_object_add(v, "diff_ids", h);
	}
	json_object_array_add(h, json_object_new_string(diff_id));
	if (!json_object_object_get_ex(c, "history", &h) ||
	    !json_object_is_type(h, json_type_array)) {
		h = json_object_new_array();
		json_object_object_add(c, "history", h);
	}
	v = json_object_new_object();
	json_object_object_add(v, "created", json_object_new_string(now));
	json_object_object_add(v, "created_by",
			       json_object_new_string(r ? "pea commit" : "pea import"));
	if (o->author)
		json_object_object_add(v, "author", json_object_new_string(o->author));
	if (o->message)
		json_object_object_add(v, "comment", json_object_new_string(o->message));
	json_object_array_add(h, v);
	*ret = TAKE_PTR(c);
	return 0;
}

/* container diff | layer apply --parent TOP: the new layer's record. */
static int commit_layer(const struct global_options *g, const struct ctr_record *r,
			const char *parent, struct json_object **ret, struct pea_error **err)
{
	const char *diff[] = { "container", "diff", r->id, NULL };
	_cleanup_strv_ char **argv = store_base_argv(g);
	_cleanup_close_ int fd = -1, pidfd = -1;
	_cleanup_json_ struct json_object *reply = NULL;
	struct run_result res = { 0 };
	struct json_object *layer = NULL;
	pid_t pid;
	int rc = -1;

	pea_strv_push(&argv, "layer");
	pea_strv_push(&argv, "apply");
	if (parent) {
		pea_strv_push(&argv, "--parent");
		pea_strv_push(&argv, parent);
	}
	if (store_spawn_out(g, diff, &fd, &pid, &pidfd, err) < 0)
		return -1;
	if (frontend_run_capture(argv, fd, &res, err) < 0) {
		fd = pea_close(fd);
		(void)store_spawn_wait(pid, pidfd, "container diff", NULL);
		return -1;
	}
	fd = pea_close(fd);
	if (store_spawn_wait(pid, pidfd, "container diff", err) < 0)
		goto out;
	if (res.len > 0)
		(void)pea_json_parse(res.out, res.len, "pea-storage reply", &reply, NULL);
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0 || !reply ||
	    !json_object_object_get_ex(reply, "result", &layer)) {
		pea_error_new(err, EIO, "pea-storage layer apply: %s",
			      res.errtxt && *res.errtxt ? res.errtxt : "failed");
		goto out;
	}
	*ret = json_object_get(layer);
	rc = 0;
out:
	run_result_clear(&res);
	return rc;
}

static char *write_temp(const struct global_options *g, const char *what, const char *data,
			struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/tmp", g->runroot);
	char *path = NULL;
	int fd;

	if (frontend_mkdir_p(dir, err) < 0)
		return NULL;
	path = xasprintf("%s/%s-XXXXXX", dir, what);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		pea_error_errno(err, "create '%s'", path);
		free(path);
		return NULL;
	}
	if (pea_write_all(fd, data, strlen(data), err) < 0) {
		close(fd);
		(void)unlink(path);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

/* A layer descriptor of the base in a Docker manifest: Docker's media types for OCI's. */
static struct json_object *docker_layer(struct json_object *l)
{
	struct json_object *d = NULL, *mt = NULL;
	const char *t;

	if (json_object_deep_copy(l, &d, NULL) < 0 ||
	    !json_object_object_get_ex(d, "mediaType", &mt))
		return d;
	t = json_object_get_string(mt);
	if (strcmp(t, MEDIA_LAYER) == 0)
		json_object_object_add(d, "mediaType", json_object_new_string(DOCKER_LAYER));
	else if (strcmp(t, "application/vnd.oci.image.layer.v1.tar+gzip") == 0)
		json_object_object_add(d, "mediaType", json_object_new_string(DOCKER_LAYER_GZ));
	return d;
}

/* The manifest: the base image's layers, then the new one (OCI's, or Docker's schema 2). */
static struct json_object *make_manifest(struct json_object *base_manifest, const char *cfg_digest,
					 size_t cfg_size, struct json_object *layer, bool docker)
{
	struct json_object *m = json_object_new_object(), *c = json_object_new_object();
	struct json_object *layers = json_object_new_array(), *old = NULL, *l;
	const char *diff_id = NULL;
	int64_t size = 0;

	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType",
			       json_object_new_string(docker ? DOCKER_MANIFEST : MEDIA_MANIFEST));
	json_object_object_add(c, "mediaType",
			       json_object_new_string(docker ? DOCKER_CONFIG : MEDIA_CONFIG));
	json_object_object_add(c, "digest", json_object_new_string(cfg_digest));
	json_object_object_add(c, "size", json_object_new_int64((int64_t)cfg_size));
	json_object_object_add(m, "config", c);
	if (base_manifest && json_object_object_get_ex(base_manifest, "layers", &old))
		for (size_t i = 0; i < json_object_array_length(old); i++) {
			l = json_object_array_get_idx(old, i);
			json_object_array_add(layers,
					      docker ? docker_layer(l) : json_object_get(l));
		}
	if (!layer) { /* pea build: an image of the base's layers and a new config */
		json_object_object_add(m, "layers", layers);
		return m;
	}
	(void)pea_json_get_string_opt(layer, "", "diff_id", &diff_id, NULL);
	(void)pea_json_get_int64_opt(layer, "", "size", &size, NULL);
	l = json_object_new_object();
	json_object_object_add(l, "mediaType",
			       json_object_new_string(docker ? DOCKER_LAYER : MEDIA_LAYER));
	json_object_object_add(l, "digest", json_object_new_string(diff_id ? diff_id : ""));
	json_object_object_add(l, "size", json_object_new_int64(size));
	json_object_array_add(layers, l);
	json_object_object_add(m, "layers", layers);
	return m;
}

static const char *json_text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Record the image: its layers bottom first, then the new one. */
static int create_image(const struct global_options *g, struct json_object *base_rec,
			const char *layer_id, const char *cfg_path, const char *man_path,
			const char *id, const char *digest, const char *name,
			struct json_object **ret, struct pea_error **err)
{
	_cleanup_strv_ char **args = NULL, **ids = NULL;
	_cleanup_free_ char *joined = NULL;

	if (base_rec)
		(void)pea_json_get_strv_opt(base_rec, "", "layers", &ids, NULL);
	if (layer_id)
		pea_strv_push(&ids, layer_id);
	joined = pea_strv_join(ids, ",");
	pea_strv_push(&args, "image");
	pea_strv_push(&args, "create");
	pea_strv_push(&args, "--layers");
	pea_strv_push(&args, joined);
	pea_strv_push(&args, "--config");
	pea_strv_push(&args, cfg_path);
	pea_strv_push(&args, "--manifest");
	pea_strv_push(&args, man_path);
	pea_strv_push(&args, "--id");
	pea_strv_push(&args, id);
	pea_strv_push(&args, "--digest");
	pea_strv_push(&args, digest);
	if (name) {
		pea_strv_push(&args, "--name");
		pea_strv_push(&args, name);
	}
	return store_call(g, (const char *const *)args, ret, err);
}

static int base_manifest(struct json_object *rec, struct json_object **ret)
{
	const char *path = NULL;

	*ret = NULL;
	if (pea_json_get_string_opt(rec, "", "manifest_path", &path, NULL) != 1)
		return 0;
	return pea_json_parse_file_at(AT_FDCWD, path, MANIFEST_MAX, ret, NULL);
}

/* Everything after the layer: config, manifest, image record; the new id. */
static int commit_image(const struct global_options *g, const struct ctr_record *r,
			struct json_object *base_rec, struct json_object *base_cfg,
			struct json_object *layer, const char *name, const struct commit_opts *o,
			char **ret_id, struct pea_error **err)
{
	_cleanup_json_ struct json_object *base = NULL, *cfg = NULL;
	const char *diff_id = NULL;

	if (pea_json_get_string_req(layer, "layer", "diff_id", &diff_id, err) < 0)
		return -1;
	if (base_rec && image_read_config(base_rec, &base, err) < 0)
		return -1;
	if (!base && base_cfg)
		base = json_object_get(base_cfg);
	if (!base) {
		base = json_object_new_object();
		json_object_object_add(base, "architecture",
				       json_object_new_string(frontend_oci_arch()));
		json_object_object_add(base, "os", json_object_new_string("linux"));
	}
	if (make_config(r, base, diff_id, o, &cfg, err) < 0)
		return -1;
	return commit_build_image(g, base_rec, cfg, layer, name, is_docker(o), NULL, ret_id, err);
}

/* pea build: the image of base_rec's layers and layer (NULL: none) with cfg as it is (images.h). */
int commit_build_image(const struct global_options *g, struct json_object *base_rec,
		       struct json_object *cfg, struct json_object *layer, const char *name,
		       bool docker, char *const *annotations, char **ret_id, struct pea_error **err)
{
	_cleanup_json_ struct json_object *bm = NULL, *man = NULL, *img = NULL;
	_cleanup_free_ char *cfg_path = NULL, *man_path = NULL, *text = NULL;
	char cfg_digest[PEA_DIGEST_MAX], man_digest[PEA_DIGEST_MAX];
	const char *layer_id = NULL, *id = NULL;
	int rc = -1;

	if (layer && pea_json_get_string_req(layer, "layer", "id", &layer_id, err) < 0)
		return -1;
	text = xstrdup(json_text(cfg));
	pea_digest_buffer("sha256", text, strlen(text), cfg_digest);
	cfg_path = write_temp(g, "config", text, err);
	if (!cfg_path)
		return -1;
	if (base_rec)
		(void)base_manifest(base_rec, &bm);
	man = make_manifest(bm, cfg_digest, strlen(text), layer, docker);
	for (size_t i = 0; annotations && annotations[i]; i++) {
		struct json_object *a = obj_at(man, "annotations");
		const char *eq = strchr(annotations[i], '=');
		_cleanup_free_ char *k = xstrndup(annotations[i], eq ? (size_t)(eq - annotations[i])
								     : strlen(annotations[i]));
		json_object_object_add(a, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	free(text);
	text = xstrdup(json_text(man));
	pea_digest_buffer("sha256", text, strlen(text), man_digest);
	man_path = write_temp(g, "manifest", text, err);
	if (!man_path)
		goto out;
	if (create_image(g, base_rec, layer_id, cfg_path, man_path, pea_digest_hex(cfg_digest),
			 man_digest, name, &img, err) < 0 ||
	    pea_json_get_string_req(img, "image", "id", &id, err) < 0)
		goto out;
	*ret_id = xstrdup(id);
	rc = 0;
out:
	(void)unlink(cfg_path);
	if (man_path)
		(void)unlink(man_path);
	return rc;
}

/* pea build: a container's changes as a new layer over parent (images.h). */
int commit_container_layer(const struct global_options *g, const char *ctr, const char *parent,
			   struct json_object **ret, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;

	if (record_lookup(g, ctr, &r, err) < 0)
		return -1;
	return commit_layer(g, r, parent, ret, err);
}

/* The image of a new layer, its id printed; the layer goes again when that fails. */
static int finish_image(const struct global_options *g, const struct ctr_record *r,
			struct json_object *base_rec, struct json_object *base_cfg,
			struct json_object *layer, const char *name, const struct commit_opts *o,
			struct pea_error **err)
{
	_cleanup_free_ char *id = NULL;
	const char *layer_id = NULL;
	const char *rm[] = { "layer", "rm", NULL, NULL };

	if (commit_image(g, r, base_rec, base_cfg, layer, name, o, &id, err) == 0) {
		printf("%s\n", id);
		return 0;
	}
	if (pea_json_get_string_opt(layer, "", "id", &layer_id, NULL) == 1) {
		rm[2] = layer_id;
		(void)store_call(g, rm, NULL, NULL);
	}
	return -1;
}

static const char commit_usage[] =
	"Usage: pea commit [OPTIONS] CONTAINER [IMAGE]\n"
	"\n"
	"Create an image from a container's changes.\n"
	"\n"
	"  -a, --author=AUTHOR      the image's author\n"
	"  -c, --change=CHANGE      a Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE,\n"
	"                           LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR (repeatable)\n"
	"  -f, --format=FORMAT      oci (default) or docker\n"
	"  -m, --message=MESSAGE    a comment in the image's history\n"
	"  -p, --pause              pause the container while its changes are read\n"
	"  -q, --quiet              print only the image id\n";

static int commit_parse(int argc, char **argv, struct commit_opts *o, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "author", required_argument, NULL, 'a' },
		{ "change", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "message", required_argument, NULL, 'm' },
		{ "pause", optional_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "ha:c:f:m:pq", opts, commit_usage, &c, err)) == 2) {
		switch (c) {
		case 'a':
			free(o->author);
			o->author = xstrdup(optarg);
			break;
		case 'c':
			pea_strv_push(&o->changes, optarg);
			break;
		case 'f':
			if (strcmp(optarg, "oci") != 0 && strcmp(optarg, "docker") != 0)
				return pea_error_new(err, EINVAL,
						     "unrecognized image type \"%s\": use oci or "
						     "docker",
						     optarg);
			free(o->format);
			o->format = xstrdup(optarg);
			break;
		case 'm':
			free(o->message);
			o->message = xstrdup(optarg);
			break;
		case 'p':
			if (parse_bool_arg("-p, --pause", optarg, &o->pause, err) < 0)
				return -1;
			break;
		case 'q':
			o->quiet = true;
			break;
		default:
			break;
		}
	}
	return r;
}

static int commit_run(struct global_options *g, const char *ctr, const char *image,
		      const struct commit_opts *o, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_json_ struct json_object *base_rec = NULL, *layer = NULL, *cfgtest = NULL;
	_cleanup_free_ char *name = NULL;
	const char *top = NULL;
	const char *pause[] = { "pause", NULL, NULL }, *resume[] = { "resume", NULL, NULL };
	bool paused = false;
	int rc;

	if (image) {
		_cleanup_free_ char *norm = NULL;
		if (image_normalize(image, &norm, err) < 0)
			return -1;
		name = image_name_has_domain(norm) ? TAKE_PTR(norm)
						   : xasprintf("localhost/%s", norm);
	}
	/* check the changes before anything is made */
	cfgtest = json_object_new_object();
	for (size_t i = 0; o->changes && o->changes[i]; i++)
		if (commit_apply_change(cfgtest, o->changes[i], err) < 0)
			return -1;
	if (record_lookup(g, ctr, &r, err) < 0)
		return -1;
	(void)record_refresh(g, r, NULL);
	if (r->image_id && image_find(g, r->image_id, &base_rec, err) < 0)
		return pea_error_wrap(err, "the image of container '%s'", ctr);
	if (base_rec)
		(void)pea_json_get_string_opt(base_rec, "", "top_layer", &top, NULL);
	if (o->pause && r->state == CTR_RUNNING) {
		pause[1] = resume[1] = r->id;
		if (container_runtime(g, r, pause, false, err) < 0)
			return -1;
		paused = true;
	}
	rc = commit_layer(g, r, top, &layer, err);
	if (paused)
		(void)container_runtime(g, r, resume, false, NULL);
	if (rc < 0)
		return -1;
	return finish_image(g, r, base_rec, NULL, layer, name, o, err);
}

int cmd_commit(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct commit_opts o = { 0 };
	int r;

	r = commit_parse(argc, argv, &o, err);
	if (r == 0) {
		if (argc - optind < 1 || argc - optind > 2)
			r = pea_error_new(err, EINVAL, "requires 1 or 2 arg(s), received %d",
					  argc - optind);
		else
			r = commit_run(g, argv[optind],
				       argc - optind == 2 ? argv[optind + 1] : NULL, &o, err);
	}
	commit_opts_clear(&o);
	return r < 0 ? -1 : 0;
}

/* ---- import --------------------------------------------------------------- */

/* layer apply of a tar file (or our stdin for "-"): the new base layer's record. */
static int import_layer(const struct global_options *g, const char *source,
			struct json_object **ret, struct pea_error **err)
{
	_cleanup_strv_ char **argv = store_base_argv(g);
	_cleanup_json_ struct json_object *reply = NULL;
	_cleanup_close_ int fd = -1;
	struct run_result res = { 0 };
	struct json_object *layer = NULL;
	int rc = -1;

	if (strcmp(source, "-") == 0) {
		fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return pea_error_errno(err, "standard input");
	} else {
		fd = open(source, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return pea_error_errno(err, "open '%s'", source);
	}
	pea_strv_push(&argv, "layer");
	pea_strv_push(&argv, "apply");
	if (frontend_run_capture(argv, fd, &res, err) < 0)
		return -1;
	if (res.len > 0)
		(void)pea_json_parse(res.out, res.len, "pea-storage reply", &reply, NULL);
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0 || !reply ||
	    !json_object_object_get_ex(reply, "result", &layer)) {
		const char *m = res.errtxt && *res.errtxt ? res.errtxt : "failed";
		pea_error_new(err, EIO, "importing '%s': %s", source,
			      strncmp(m, "pea-storage: ", 13) == 0 ? m + 13 : m);
		goto out;
	}
	*ret = json_object_get(layer);
	rc = 0;
out:
	run_result_clear(&res);
	return rc;
}

/*
 * libcurl, opened on first use (only import from a URL needs it; every other
 * pea command would pay for mapping it at exec). To move to lib/dl.h.
 */
static struct {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption o, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO i, ...);
	void (*easy_cleanup)(CURL *c);
	const char *(*easy_strerror)(CURLcode rc);
} curl;

static int curl_load(struct pea_error **err)
{
	static const char *const sonames[] = { "libcurl.so.4", "libcurl-gnutls.so.4",
					       "libcurl.so" };
	void *h = NULL;

	if (curl.easy_init)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(sonames) && !h; i++)
		h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return pea_error_new(err, ENOENT, "reading from a URL needs libcurl: %s",
				     dlerror());
	*(void **)&curl.easy_setopt = dlsym(h, "curl_easy_setopt");
	*(void **)&curl.easy_perform = dlsym(h, "curl_easy_perform");
	*(void **)&curl.easy_getinfo = dlsym(h, "curl_easy_getinfo");
	*(void **)&curl.easy_cleanup = dlsym(h, "curl_easy_cleanup");
	*(void **)&curl.easy_strerror = dlsym(h, "curl_easy_strerror");
	*(void **)&curl.easy_init = dlsym(h, "curl_easy_init");
	if (!curl.easy_setopt || !curl.easy_perform || !curl.easy_getinfo || !curl.easy_cleanup ||
	    !curl.easy_strerror || !curl.easy_init) {
		curl.easy_init = NULL;
		return pea_error_new(err, ENOENT, "libcurl: a function is missing");
	}
	return 0;
}

static size_t write_cb(char *data, size_t size, size_t n, void *user)
{
	struct pea_error *e = NULL;

	if (pea_write_all(*(int *)user, data, size * n, &e) < 0) {
		pea_error_free(e);
		return 0;
	}
	return size * n;
}

/* Download url into a new temporary file of the run root; its path (images.h). */
int url_download(const struct global_options *g, const char *url, char **ret_path,
		 struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/tmp", g->runroot), *path = NULL;
	_cleanup_close_ int fd = -1;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c;
	CURLcode rc;
	long code = 0;

	if (curl_load(err) < 0 || frontend_mkdir_p(dir, err) < 0)
		return -1;
	path = xasprintf("%s/download-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "create '%s'", path);
	c = curl.easy_init();
	if (!c) {
		(void)unlink(path);
		return pea_error_new(err, ENOMEM, "curl_easy_init");
	}
	curl.easy_setopt(c, CURLOPT_URL, url);
	curl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl.easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a stalled server: under 1 KiB/s for a minute ends the download */
	curl.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl.easy_setopt(c, CURLOPT_WRITEDATA, &fd);
	curl.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl.easy_setopt(c, CURLOPT_USERAGENT, "pea/" PEA_VERSION);
	rc = curl.easy_perform(c);
	curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl.easy_cleanup(c);
	if (rc != CURLE_OK || code >= 400) {
		(void)unlink(path);
		if (rc != CURLE_OK)
			return pea_error_new(err, EIO, "downloading '%s': %s", url,
					     *errbuf ? errbuf : curl.easy_strerror(rc));
		return pea_error_new(err, EIO, "downloading '%s': HTTP status %ld", url, code);
	}
	*ret_path = TAKE_PTR(path);
	return 0;
}

static const char import_usage[] =
	"Usage: pea import [OPTIONS] FILE|URL|- [REFERENCE]\n"
	"\n"
	"Create an image from a tar of a root filesystem (pea export's), read from a file,\n"
	"an http:// or https:// URL, or standard input.\n"
	"\n"
	"  -c, --change=CHANGE      a Dockerfile instruction (as pea commit; repeatable)\n"
	"  -m, --message=MESSAGE    a comment in the image's history\n"
	"      --os=OS, --arch=ARCH the platform recorded (default linux/this machine's)\n"
	"  -q, --quiet              print only the image id\n";

enum { OPT_OS = 256, OPT_ARCH };

static int import_run(struct global_options *g, const char *source, const char *ref,
		      const struct commit_opts *o, const char *os, const char *arch,
		      struct pea_error **err)
{
	_cleanup_json_ struct json_object *base = json_object_new_object(), *layer = NULL;
	_cleanup_json_ struct json_object *cfgtest = json_object_new_object();
	_cleanup_free_ char *name = NULL, *tmp = NULL;
	bool url = strncmp(source, "http://", 7) == 0 || strncmp(source, "https://", 8) == 0;
	int r;

	if (ref) {
		_cleanup_free_ char *norm = NULL;
		if (image_normalize(ref, &norm, err) < 0)
			return -1;
		name = image_name_has_domain(norm) ? TAKE_PTR(norm)
						   : xasprintf("localhost/%s", norm);
	}
	for (size_t i = 0; o->changes && o->changes[i]; i++)
		if (commit_apply_change(cfgtest, o->changes[i], err) < 0)
			return -1;
	json_object_object_add(base, "architecture", json_object_new_string(arch));
	json_object_object_add(base, "os", json_object_new_string(os));
	if (url && url_download(g, source, &tmp, err) < 0)
		return -1;
	r = import_layer(g, tmp ? tmp : source, &layer, err);
	if (tmp)
		(void)unlink(tmp);
	if (r < 0)
		return -1;
	return finish_image(g, NULL, NULL, base, layer, name, o, err);
}

int cmd_import(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "change", required_argument, NULL, 'c' },
		{ "message", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "os", required_argument, NULL, OPT_OS },
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ NULL, 0, NULL, 0 },
	};
	struct commit_opts o = { 0 };
	const char *os = "linux", *arch = frontend_oci_arch();
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hc:m:q", opts, import_usage, &c, err)) == 2) {
		if (c == 'c')
			pea_strv_push(&o.changes, optarg);
		else if (c == 'm') {
			free(o.message);
			o.message = xstrdup(optarg);
		} else if (c == OPT_OS)
			os = optarg;
		else if (c == OPT_ARCH)
			arch = optarg;
	}
	if (r == 0) {
		if (argc - optind < 1 || argc - optind > 2)
			r = pea_error_new(err, EINVAL, "requires 1 or 2 arg(s), received %d",
					  argc - optind);
		else
			r = import_run(g, argv[optind],
				       argc - optind == 2 ? argv[optind + 1] : NULL, &o, os, arch,
				       err);
	}
	commit_opts_clear(&o);
	return r < 0 ? -1 : 0;
}
