/*
 * pea build's executor, as buildah's (podman build's) with --layers: each
 * instruction of a stage makes an image (the same layers and a new config for
 * ENV, LABEL, ...; one more layer for RUN, COPY, ADD) recorded in a cache
 * keyed by the parent image and the instruction, so a rebuild reuses it. RUN
 * is `pea run` of the step's image (the frontend's whole container setup);
 * its changes become the layer through pea-storage's container diff. COPY and
 * ADD write a layer tar from the context and apply it over the image's top
 * layer. The last step's image gets the names.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/build-exec.h"
#include "frontend/build-internal.h"
#include "frontend/build-parse.h"
#include "frontend/external.h"
#include "frontend/frontend.h"
#include "frontend/images.h"
#include "frontend/platform.h"

static const char *const proxy_args[] = {
	"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
	"ftp_proxy",  "NO_PROXY",   "no_proxy",	   "ALL_PROXY",	  "all_proxy",
};

void build_opts_clear(struct build_opts *o)
{
	pea_strv_free(o->tags);
	pea_strv_free(o->files);
	free(o->context);
	pea_strv_free(o->build_args);
	free(o->target);
	free(o->pull);
	pea_strv_free(o->labels);
	pea_strv_free(o->annotations);
	free(o->format);
	free(o->iidfile);
	free(o->ignorefile);
	free(o->from);
	free(o->platform);
	pea_strv_free(o->env);
	pea_strv_free(o->run_opts);
}

/* ---- variables ------------------------------------------------------------ */

static const char *kv_get(char *const *v, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; v && v[i]; i++)
		if (strncmp(v[i], key, kl) == 0 && v[i][kl] == '=')
			return v[i] + kl + 1;
	return NULL;
}

static bool kv_has(char *const *v, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; v && v[i]; i++)
		if (strncmp(v[i], key, kl) == 0 && (v[i][kl] == '=' || !v[i][kl]))
			return true;
	return false;
}

/* KEY=VALUE (or KEY) into v, replacing KEY. */
static void kv_set(char ***v, const char *kv)
{
	size_t kl = strcspn(kv, "=");

	for (size_t i = 0; *v && (*v)[i]; i++)
		if (strncmp((*v)[i], kv, kl) == 0 && ((*v)[i][kl] == '=' || !(*v)[i][kl])) {
			free((*v)[i]);
			(*v)[i] = xstrdup(kv);
			return;
		}
	pea_strv_push(v, kv);
}

struct json_object *build_cfg_obj(struct json_object *cfg, const char *key)
{
	struct json_object *c = NULL, *v = NULL;

	if (!json_object_object_get_ex(cfg, "config", &c) ||
	    !json_object_is_type(c, json_type_object)) {
		c = json_object_new_object();
		json_object_object_add(cfg, "config", c);
	}
	if (!key)
		return c;
	if (json_object_object_get_ex(c, key, &v) && json_object_is_type(v, json_type_object))
		return v;
	v = json_object_new_object();
	json_object_object_add(c, key, v);
	return v;
}

static const char *env_get(struct json_object *cfg, const char *key)
{
	struct json_object *env = NULL;
	size_t kl = strlen(key);

	if (!json_object_object_get_ex(build_cfg_obj(cfg, NULL), "Env", &env) ||
	    !json_object_is_type(env, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(env); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));
		if (e && strncmp(e, key, kl) == 0 && e[kl] == '=')
			return e + kl + 1;
	}
	return NULL;
}

static void env_put(struct json_object *cfg, const char *kv)
{
	struct json_object *c = build_cfg_obj(cfg, NULL), *env = NULL;
	size_t kl = strcspn(kv, "=");

	if (!json_object_object_get_ex(c, "Env", &env) ||
	    !json_object_is_type(env, json_type_array)) {
		env = json_object_new_array();
		json_object_object_add(c, "Env", env);
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

/* ENV first, then ARG, as the Dockerfile reference says. */
const char *build_stage_lookup(void *ctx, const char *name)
{
	struct stage *st = ctx;
	const char *v = env_get(st->cfg, name);

	return v ? v : kv_get(st->args, name);
}

static const char *global_lookup(void *ctx, const char *name)
{
	struct builder *b = ctx;

	return kv_get(b->global_args, name);
}

/* The value of --build-arg KEY (KEY alone: pea's environment). */
static const char *build_arg(struct builder *b, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; b->o->build_args && b->o->build_args[i]; i++) {
		const char *a = b->o->build_args[i];
		if (strncmp(a, key, kl) == 0 && a[kl] == '=')
			return a + kl + 1;
		if (strcmp(a, key) == 0)
			return getenv(key);
	}
	return NULL;
}

/* ARG NAME[=DEFAULT]...: into args (the stage's, or the global ones). */
static int do_arg(struct builder *b, const struct build_instr *in, build_lookup_fn lookup,
		  void *ctx, char ***args, struct pea_error **err)
{
	_cleanup_strv_ char **pairs = NULL;

	if (build_pairs(in->args, b->file.escape, false, lookup, ctx, &pairs, err) < 0)
		return -1;
	for (size_t i = 0; pairs[i]; i++) {
		const char *eq = strchr(pairs[i], '=');
		_cleanup_free_ char *key =
			xstrndup(pairs[i], eq ? (size_t)(eq - pairs[i]) : strlen(pairs[i]));
		const char *v = build_arg(b, key);
		_cleanup_free_ char *kv = NULL;

		for (const char *p = key; *p; p++)
			if (!(*p == '_' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
			      (*p >= 'A' && *p <= 'Z')))
				return pea_error_new(err, EINVAL, "ARG: bad name '%s'", key);
		if (v)
			pea_strv_push(&b->used_args, key);
		if (!v && eq)
			v = eq + 1;
		if (!v && args != &b->global_args)
			v = kv_get(b->global_args, key);
		kv = v ? xasprintf("%s=%s", key, v) : xstrdup(key);
		kv_set(args, kv);
	}
	return 0;
}

/* ---- output --------------------------------------------------------------- */

static void step_line(struct builder *b, size_t si, size_t k, const struct stage *st,
		      const char *text)
{
	if (b->nrun > 1)
		fprintf(b->out, "[%zu/%zu] ", si + 1, b->nrun);
	fprintf(b->out, "STEP %zu/%zu: %s\n", k + 1, st->n, text);
	fflush(b->out);
}

/* ---- images --------------------------------------------------------------- */

bool build_is_docker(const struct builder *b)
{
	return b->o->format && strcmp(b->o->format, "docker") == 0;
}

void build_history_add(struct json_object *cfg, const char *created_by, bool empty)
{
	struct json_object *h = NULL, *e = json_object_new_object();
	_cleanup_free_ char *now = frontend_now();

	if (!json_object_object_get_ex(cfg, "history", &h) ||
	    !json_object_is_type(h, json_type_array)) {
		h = json_object_new_array();
		json_object_object_add(cfg, "history", h);
	}
	json_object_object_add(e, "created", json_object_new_string(now));
	json_object_object_add(e, "created_by", json_object_new_string(created_by));
	if (empty)
		json_object_object_add(e, "empty_layer", json_object_new_boolean(true));
	json_object_array_add(h, e);
	json_object_object_add(cfg, "created", json_object_new_string(now));
}

void build_diff_id_add(struct json_object *cfg, const char *diff_id)
{
	struct json_object *r = NULL, *d = NULL;

	if (!json_object_object_get_ex(cfg, "rootfs", &r) ||
	    !json_object_is_type(r, json_type_object)) {
		r = json_object_new_object();
		json_object_object_add(cfg, "rootfs", r);
	}
	json_object_object_add(r, "type", json_object_new_string("layers"));
	if (!json_object_object_get_ex(r, "diff_ids", &d) ||
	    !json_object_is_type(d, json_type_array)) {
		d = json_object_new_array();
		json_object_object_add(r, "diff_ids", d);
	}
	json_object_array_add(d, json_object_new_string(diff_id));
}

static char *cache_path(struct builder *b, const char *key)
{
	return xasprintf("%s/build-cache/%s", b->g->root, key);
}

/* The cache key of a step: its parent image, the instruction, what it reads. */
char *build_cache_key(const struct stage *st, const char *what, const char *extra)
{
	_cleanup_free_ char *text = xasprintf(
		"%s\n%s\n%s\n", st->image_id ? st->image_id : "scratch", what, extra ? extra : "");
	char d[PEA_DIGEST_MAX];

	pea_digest_buffer("sha256", text, strlen(text), d);
	return xstrdup(pea_digest_hex(d));
}

/* The image a step made before, when it is still there. */
struct json_object *build_cache_find(struct builder *b, const char *key)
{
	_cleanup_free_ char *path = cache_path(b, key), *id = NULL;
	struct json_object *rec = NULL;
	size_t len = 0;

	if (!b->o->layers || b->o->no_cache)
		return NULL;
	if (pea_read_file_at(AT_FDCWD, path, 128, &id, &len, NULL) < 0)
		return NULL;
	id[strcspn(id, "\n")] = '\0';
	if (image_find(b->g, id, &rec, NULL) < 0)
		return NULL;
	return rec;
}

static void cache_store(struct builder *b, const char *key, const char *id)
{
	_cleanup_free_ char *dir = xasprintf("%s/build-cache", b->g->root);
	_cleanup_close_ int dfd = -1;
	struct pea_error *e = NULL;

	if (!b->o->layers)
		return;
	if (frontend_mkdir_p(dir, &e) == 0) {
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			pea_error_errno(&e, "open '%s'", dir);
		else
			(void)pea_write_file_replace_at(dfd, key, id, strlen(id), 0600, &e);
	}
	if (e)
		log_warning("build cache: %s, ignoring", e->message);
	pea_error_free(e);
}

/* Make the step's image from st's config (and a new layer); it becomes the current one. */
/* A layer no image was made of: away, so a failed step leaves nothing behind. */
void build_layer_drop(struct builder *b, struct json_object *layer)
{
	const char *args[] = { "layer", "rm", NULL, NULL };

	if (layer && pea_json_get_string_opt(layer, "", "id", &args[2], NULL) == 1)
		(void)store_call(b->g, args, NULL, NULL);
}

int build_stage_commit(struct builder *b, struct stage *st, struct json_object *layer,
		       const char *name, const char *key, struct pea_error **err)
{
	_cleanup_free_ char *id = NULL;
	struct json_object *rec = NULL;

	if (commit_build_image(b->g, st->rec, st->cfg, layer, name, build_is_docker(b), NULL, &id,
			       err) < 0) {
		build_layer_drop(b, layer);
		return -1;
	}
	if (image_find(b->g, id, &rec, err) < 0)
		return -1;
	if (!name)
		pea_strv_push(&b->intermediates, id);
	json_object_put(st->rec);
	st->rec = rec;
	free(st->image_id);
	st->image_id = TAKE_PTR(id);
	st->made = true;
	if (key)
		cache_store(b, key, st->image_id);
	return 0;
}

/* The cached image becomes the current one. */
int build_stage_use(struct builder *b, struct stage *st, struct json_object *rec,
		    struct pea_error **err)
{
	const char *id = NULL;
	struct json_object *cfg = NULL;

	if (pea_json_get_string_req(rec, "image", "id", &id, err) < 0 ||
	    image_read_config(rec, &cfg, err) < 0) {
		json_object_put(rec);
		return -1;
	}
	fprintf(b->out, "--> Using cache %s\n", id);
	json_object_put(st->cfg);
	st->cfg = cfg;
	free(st->image_id);
	st->image_id = xstrdup(id);
	json_object_put(st->rec);
	st->rec = rec;
	st->made = true;
	return 0;
}

const char *build_top_layer(const struct stage *st)
{
	const char *top = NULL;

	if (st->rec)
		(void)pea_json_get_string_opt(st->rec, "", "top_layer", &top, NULL);
	return top;
}

/* ---- FROM ----------------------------------------------------------------- */

/*
 * The record of an image, pulled per --pull (newer: the registry's when its
 * digest differs); platform (NULL: any local one) as --platform.
 */
int build_find_or_pull(struct builder *b, const char *name, const char *platform,
		       struct json_object **ret, struct pea_error **err)
{
	const char *pull = b->o->pull ? b->o->pull : "missing";
	struct platform_spec spec = { 0 };
	struct pea_error *e = NULL;
	int r;

	if (platform && platform_parse(platform, &spec, err) < 0)
		return -1;
	if (strcmp(pull, "always") != 0 && image_find(b->g, name, ret, &e) == 0) {
		_cleanup_json_ struct json_object *cfg = NULL;
		if (!platform ||
		    (image_read_config(*ret, &cfg, NULL) == 0 && platform_matches(&spec, cfg))) {
			if (strcmp(pull, "newer") == 0)
				image_pull_newer(b->g, name, true, true, platform ? &spec : NULL,
						 ret);
			platform_spec_clear(&spec);
			return 0;
		}
		json_object_put(*ret);
		*ret = NULL;
	}
	if (e && e->code != ENOENT) {
		platform_spec_clear(&spec);
		*err = e;
		return -1;
	}
	pea_error_free(e);
	if (strcmp(pull, "never") == 0) {
		platform_spec_clear(&spec);
		if (platform)
			return pea_error_new(err, ENOENT, "%s: no local image for platform %s",
					     name, platform);
		return pea_error_new(err, ENOENT, "%s: image not known", name);
	}
	r = image_pull_platform(b->g, name, true, true, platform ? &spec : NULL, ret, err);
	platform_spec_clear(&spec);
	return r;
}

ssize_t build_stage_index(struct builder *b, const char *name, size_t before)
{
	char *end = NULL;
	long n = strtol(name, &end, 10);

	if (end != name && !*end && n >= 0 && (size_t)n < before)
		return n;
	for (size_t i = 0; i < before; i++)
		if (b->st[i].name && strcasecmp(b->st[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

static int run_instr(struct builder *b, size_t si, const struct build_instr *in, bool last,
		     struct pea_error **err);

/* ONBUILD triggers of the base image, run right after FROM. */
static int run_onbuild(struct builder *b, size_t si, struct pea_error **err)
{
	struct stage *st = &b->st[si];
	struct json_object *c = build_cfg_obj(st->cfg, NULL), *ob = NULL;
	_cleanup_strv_ char **triggers = NULL;

	if (!json_object_object_get_ex(c, "OnBuild", &ob) ||
	    !json_object_is_type(ob, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(ob); i++)
		pea_strv_push(&triggers, json_object_get_string(json_object_array_get_idx(ob, i)));
	json_object_object_del(c, "OnBuild");
	for (size_t i = 0; triggers && triggers[i]; i++) {
		struct build_file f = { 0 };
		int r;
		if (build_parse(triggers[i], strlen(triggers[i]), &f, err) < 0)
			return pea_error_wrap(err, "ONBUILD trigger '%s'", triggers[i]);
		r = 0;
		for (size_t k = 0; k < f.n && r == 0; k++)
			r = run_instr(b, si, &f.v[k], false, err);
		build_file_clear(&f);
		if (r != 0)
			return r;
	}
	return 0;
}

static int do_from(struct builder *b, size_t si, const struct build_instr *in,
		   struct pea_error **err)
{
	struct stage *st = &b->st[si];
	_cleanup_strv_ char **w = NULL;
	ssize_t prev;
	const char *base, *platform = b->o->platform;

	for (size_t i = 0; in->flags && in->flags[i]; i++) {
		if (strncmp(in->flags[i], "--platform=", 11) != 0)
			return pea_error_new(err, EINVAL, "FROM: unknown flag %s", in->flags[i]);
		platform = in->flags[i] + 11;
	}
	if (build_words(in->args, b->file.escape, true, global_lookup, b, &w, err) < 0)
		return -1;
	if (!w[0] || (w[1] && (strcasecmp(w[1], "AS") != 0 || !w[2] || w[3])))
		return pea_error_new(err, EINVAL, "FROM requires either one or three arguments");
	base = si == 0 && b->o->from ? b->o->from : w[0];
	prev = build_stage_index(b, base, si);
	if (prev >= 0 && b->st[prev].name) {
		st->rec = json_object_get(b->st[prev].rec);
		st->image_id = b->st[prev].image_id ? xstrdup(b->st[prev].image_id) : NULL;
		if (json_object_deep_copy(b->st[prev].cfg, &st->cfg, NULL) < 0)
			return pea_error_new(err, ENOMEM, "copying a config");
	} else if (strcmp(base, "scratch") == 0) {
		st->cfg = json_object_new_object();
		json_object_object_add(st->cfg, "architecture",
				       json_object_new_string(frontend_oci_arch()));
		json_object_object_add(st->cfg, "os", json_object_new_string("linux"));
		build_cfg_obj(st->cfg, NULL);
	} else {
		const char *id = NULL;
		if (build_find_or_pull(b, base, platform, &st->rec, err) < 0 ||
		    pea_json_get_string_req(st->rec, "image", "id", &id, err) < 0 ||
		    image_read_config(st->rec, &st->cfg, err) < 0)
			return -1;
		st->image_id = xstrdup(id);
	}
	/* what the base said about its own build is not ours */
	json_object_object_del(st->cfg, "container");
	return run_onbuild(b, si, err);
}

/* ---- RUN ------------------------------------------------------------------ */

static struct json_object *strv_json(char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static char **stage_shell(const struct stage *st)
{
	char **v = NULL;

	if (st->shell)
		return pea_strv_copy(st->shell);
	pea_strv_push(&v, "/bin/sh");
	pea_strv_push(&v, "-c");
	return v;
}

/* pea rm -f of a working container. */
static void remove_container(struct builder *b, const char *name)
{
	_cleanup_strv_ char **argv = frontend_self_argv(b->g);
	struct pea_error *e = NULL;
	_cleanup_close_ int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct pea_fd_map fds[] = { { devnull, 1 } };
	struct pea_spawn s = { .null_stdin = true, .fds = fds, .nfds = 1 };
	pid_t pid;
	int status;

	pea_strv_push(&argv, "rm");
	pea_strv_push(&argv, "-f");
	pea_strv_push(&argv, name);
	s.argv = argv;
	if (pea_spawn(&s, &pid, NULL, &e) < 0 || pea_wait(pid, -1, -1, &status, &e) < 0)
		log_warning("removing the build container '%s': %s, ignoring", name, e->message);
	pea_error_free(e);
}

/* The ARGs of the stage with values, as RUN sees them in its environment. */
static void push_env_args(char ***argv, const struct builder *b, const struct stage *st)
{
	for (size_t i = 0; st->args && st->args[i]; i++)
		if (strchr(st->args[i], '=')) {
			pea_strv_push(argv, "-e");
			pea_strv_push(argv, st->args[i]);
		}
	for (size_t i = 0; b->o->env && b->o->env[i]; i++) {
		pea_strv_push(argv, "-e");
		pea_strv_push(argv, b->o->env[i]);
	}
	/* the predefined proxy ARGs reach RUN from --build-arg without an ARG */
	for (size_t p = 0; p < ARRAY_SIZE(proxy_args); p++) {
		const char *v = build_arg((struct builder *)b, proxy_args[p]);
		if (v && !kv_has(st->args, proxy_args[p])) {
			pea_strv_push(argv, "-e");
			pea_strv_push_take(argv, xasprintf("%s=%s", proxy_args[p], v));
		}
	}
}

static volatile sig_atomic_t build_interrupted;

static void on_interrupt(int sig)
{
	build_interrupted = sig;
}

/*
 * Wait for the `pea run` of a step. SIGTERM, SIGINT or SIGHUP to pea build
 * removes the step's container, which ends that run: a killed build leaves no
 * container running with our standard output open (040-ps's timeout).
 */
static int wait_run(struct builder *b, pid_t pid, int pidfd, const char *name, int *ret_status,
		    struct pea_error **err)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa = { .sa_handler = on_interrupt }, old[ARRAY_SIZE(sigs)];
	bool removed = false;
	int r;

	build_interrupted = 0;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, &old[i]);
	for (;;) {
		struct pea_error *e = NULL;
		r = pea_wait(pid, pidfd, 100, ret_status, &e);
		if (r == 0)
			break;
		if (e->code != ETIMEDOUT && e->code != EINTR) {
			*err = e;
			break;
		}
		pea_error_free(e);
		if (build_interrupted && !removed) {
			remove_container(b, name);
			removed = true;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &old[i], NULL);
	if (r == 0 && build_interrupted)
		return pea_error_new(err, EINTR, "interrupted by %s",
				     pea_signal_name(build_interrupted));
	return r;
}

/* ---- working containers --------------------------------------------------- */

/*
 * buildah's prefix of a working container's name: the last part of its image's first
 * name, without tag or digest ("quay.io/libpod/testimage:1": "testimage"); an image
 * of the build (no name): its short ID.
 */
static char *working_prefix(const struct stage *st)
{
	struct json_object *names = NULL;
	const char *n = NULL, *base;

	if (!st->made && st->rec && json_object_object_get_ex(st->rec, "names", &names) &&
	    json_object_is_type(names, json_type_array) && json_object_array_length(names) > 0)
		n = json_object_get_string(json_object_array_get_idx(names, 0));
	if (!n || !*n)
		return xasprintf("%.12s", st->image_id);
	base = strrchr(n, '/') ? strrchr(n, '/') + 1 : n;
	return xstrndup(base, strcspn(base, ":@"));
}

/* The names of pea's storage containers (a working container's must be free). */
static char **storage_names(struct builder *b)
{
	static const char *const ls[] = { "container", "ls", NULL };
	_cleanup_json_ struct json_object *all = NULL;
	char **v = NULL;

	if (store_call(b->g, ls, &all, NULL) < 0 || !json_object_is_type(all, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *names = NULL;
		if (!json_object_object_get_ex(json_object_array_get_idx(all, i), "names",
					       &names) ||
		    !json_object_is_type(names, json_type_array))
			continue;
		for (size_t k = 0; k < json_object_array_length(names); k++)
			pea_strv_push(&v,
				      json_object_get_string(json_object_array_get_idx(names, k)));
	}
	return v;
}

/*
 * The working container of the RUN about to run, as buildah's: one in pea's store for
 * each image a RUN runs on, mounted, named PREFIX-working-container (-1, -2, ... when
 * taken). They stay until the build ends, so a prune or rmi meanwhile leaves the images
 * the build stands on, and a build that is killed leaves them as podman's does (its
 * buildah's): pea ps --external lists them, pea rm and image prune --external remove
 * them. Not made: a warning, the build goes on.
 */
static void working_container(struct builder *b, const struct stage *st)
{
	_cleanup_free_ char *prefix = NULL, *name = NULL, *meta = ext_build_metadata();
	_cleanup_strv_ char **taken = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	const char *id = NULL;

	if (!st->image_id || (b->working_image && strcmp(b->working_image, st->image_id) == 0))
		return;
	prefix = working_prefix(st);
	taken = storage_names(b);
	name = xasprintf("%s-working-container", prefix);
	for (int i = 1; pea_strv_contains(taken, name) && i < 1000; i++) {
		free(name);
		name = xasprintf("%s-working-container-%d", prefix, i);
	}
	{
		const char *args[] = { "container", "create",	  "--image", st->image_id, "--name",
				       name,	    "--metadata", meta,	     "--mount",	   NULL };
		if (store_call(b->g, args, &res, &e) < 0 ||
		    pea_json_get_string_req(res, "", "id", &id, &e) < 0) {
			log_warning("the working container of image %.12s: %s, ignoring",
				    st->image_id, e->message);
			return;
		}
	}
	pea_strv_push(&b->working, id);
	free(b->working_image);
	b->working_image = xstrdup(st->image_id);
}

/* At the build's end (not a killed one's: buildah's stay), its working containers go. */
static void remove_working(struct builder *b)
{
	for (size_t i = 0; b->working && b->working[i]; i++) {
		const char *args[] = { "container", "rm", "--force", b->working[i], NULL };
		_cleanup_error_ struct pea_error *e = NULL;

		if (store_call(b->g, args, NULL, &e) < 0)
			log_warning("removing working container %.12s: %s, ignoring", b->working[i],
				    e->message);
	}
}

/* Run the command in a container of the current image; its exit status. */
static int run_container(struct builder *b, struct stage *st, char *const *cmd, const char *name,
			 char *const *mounts, struct pea_error **err)
{
	_cleanup_strv_ char **argv = frontend_self_argv(b->g);
	_cleanup_json_ struct json_object *entry = strv_json(cmd);
	_cleanup_close_ int devnull = -1;
	struct pea_fd_map fds[] = { { -1, 1 } };
	struct pea_spawn s = { .null_stdin = true };
	_cleanup_close_ int pidfd = -1;
	pid_t pid;
	int status;

	if (!st->image_id)
		return pea_error_new(err, ENOENT, "no image to run the command in (FROM scratch)");
	pea_strv_push(&argv, "run");
	pea_strv_push(&argv, "--name");
	pea_strv_push(&argv, name);
	pea_strv_push(&argv, "--pull=never");
	pea_strv_push(&argv, "--log-driver=none");
	push_env_args(&argv, b, st);
	for (size_t i = 0; b->o->run_opts && b->o->run_opts[i]; i++)
		pea_strv_push(&argv, b->o->run_opts[i]);
	for (size_t i = 0; mounts && mounts[i]; i++)
		pea_strv_push(&argv, mounts[i]);
	pea_strv_push(&argv, "--entrypoint");
	pea_strv_push(&argv,
		      json_object_to_json_string_ext(
			      entry, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	pea_strv_push(&argv, st->image_id);
	s.argv = argv;
	if (b->o->quiet) {
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		fds[0].parent = devnull;
		s.fds = fds;
		s.nfds = 1;
	}
	fflush(b->out);
	if (pea_spawn(&s, &pid, &pidfd, err) < 0 || wait_run(b, pid, pidfd, name, &status, err) < 0)
		return -1;
	return pea_exit_status(status);
}

/* Did the container of a failed RUN start? Not: the OCI runtime failed. */
static bool container_started(struct builder *b, const char *name)
{
	char *args[] = { "inspect", "--format", "{{.State.Status}}", (char *)name, NULL };
	_cleanup_free_ char *out = NULL;

	if (frontend_run_self_capture(b->g, args, &out, NULL) < 0)
		return true;
	return strcmp(out, "created") != 0;
}

static char *run_created_by(const struct stage *st, char *const *cmd, bool exec)
{
	_cleanup_free_ char *joined = pea_strv_join(cmd, " ");
	_cleanup_free_ char *args = NULL;
	size_t n = 0;

	for (size_t i = 0; st->args && st->args[i]; i++)
		if (strchr(st->args[i], '='))
			n++;
	if (n > 0) {
		_cleanup_strv_ char **with = NULL;
		for (size_t i = 0; st->args[i]; i++)
			if (strchr(st->args[i], '='))
				pea_strv_push(&with, st->args[i]);
		args = pea_strv_join(with, " ");
		return xasprintf("|%zu %s %s", n, args, exec ? joined : joined);
	}
	return xstrdup(joined);
}

static int do_run(struct builder *b, struct stage *st, const struct build_instr *in,
		  const char *name, struct pea_error **err)
{
	_cleanup_strv_ char **cmd = NULL;
	_cleanup_free_ char *cname = NULL, *id = frontend_new_id(), *key = NULL, *by = NULL;
	_cleanup_free_ char *envs = NULL, *opts = NULL, *mflags = NULL;
	_cleanup_strv_ char **mounts = NULL;
	_cleanup_json_ struct json_object *layer = NULL;
	struct json_object *cached;
	const char *diff_id = NULL;
	int rc;

	if (build_run_mounts(b, in->flags, &mounts, err) < 0)
		return -1;
	if (in->exec) {
		cmd = pea_strv_copy(in->exec);
		if (!cmd[0])
			return pea_error_new(err, EINVAL, "RUN: an empty command");
	} else {
		cmd = stage_shell(st);
		pea_strv_push(&cmd, in->args);
	}
	by = run_created_by(st, cmd, in->exec != NULL);
	envs = pea_strv_join(b->o->env, "\n");
	opts = pea_strv_join(b->o->run_opts, "\n");
	mflags = pea_strv_join(in->flags, "\n");
	{
		_cleanup_free_ char *extra = xasprintf("%s\n%s\n%s", envs, opts, mflags);
		key = build_cache_key(st, by, extra);
	}
	cached = build_cache_find(b, key);
	if (cached)
		return build_stage_use(b, st, cached, err) < 0 ? -1 : 0;
	cname = xasprintf("pea-build-%.12s", id);
	working_container(b, st);
	rc = run_container(b, st, cmd, cname, mounts, err);
	if (rc < 0) {
		remove_container(b, cname);
		return -1;
	}
	if (rc != 0) {
		bool started = container_started(b, cname);
		remove_container(b, cname);
		if (!started) {
			/* podman's (buildah's) status for a runtime that failed: 1 */
			pea_error_new(err, EIO,
				      "while running runtime: the container did not start (exit "
				      "status %d)",
				      rc);
			return 1;
		}
		pea_error_new(err, EIO, "while running runtime: exit status %d", rc);
		return rc;
	}
	rc = commit_container_layer(b->g, cname, build_top_layer(st), &layer, err);
	remove_container(b, cname);
	if (rc < 0)
		return -1;
	if (pea_json_get_string_req(layer, "layer", "diff_id", &diff_id, err) < 0) {
		build_layer_drop(b, layer);
		return -1;
	}
	build_history_add(st->cfg, by, false);
	build_diff_id_add(st->cfg, diff_id);
	return build_stage_commit(b, st, layer, name, key, err);
}

/* ---- instructions that change only the config ----------------------------- */

static struct json_object *cmd_json(const struct stage *st, const struct build_instr *in)
{
	_cleanup_strv_ char **v = NULL;

	if (in->exec)
		return strv_json(in->exec);
	v = stage_shell(st);
	pea_strv_push(&v, in->args);
	return strv_json(v);
}

static int do_expose(struct builder *b, struct stage *st, const struct build_instr *in,
		     struct pea_error **err)
{
	_cleanup_strv_ char **w = NULL;
	struct json_object *set;

	if (build_words(in->args, b->file.escape, true, build_stage_lookup, st, &w, err) < 0)
		return -1;
	set = build_cfg_obj(st->cfg, "ExposedPorts");
	for (size_t i = 0; w[i]; i++) {
		char *end = NULL;
		long port = strtol(w[i], &end, 10);
		if (end == w[i] || port < 1 || port > 65535 ||
		    (*end && strcasecmp(end, "/tcp") != 0 && strcasecmp(end, "/udp") != 0 &&
		     strcasecmp(end, "/sctp") != 0))
			return pea_error_new(err, EINVAL, "EXPOSE: invalid port '%s'", w[i]);
		{
			_cleanup_free_ char *k =
				*end ? xasprintf("%ld%s", port, end) : xasprintf("%ld/tcp", port);
			for (char *p = k; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
			json_object_object_add(set, k, json_object_new_object());
		}
	}
	return 0;
}

static int do_volume(struct builder *b, struct stage *st, const struct build_instr *in,
		     struct pea_error **err)
{
	_cleanup_strv_ char **w = NULL;
	struct json_object *set;

	if (in->exec)
		w = pea_strv_copy(in->exec);
	else if (build_words(in->args, b->file.escape, true, build_stage_lookup, st, &w, err) < 0)
		return -1;
	set = build_cfg_obj(st->cfg, "Volumes");
	for (size_t i = 0; w[i]; i++) {
		_cleanup_free_ char *p = NULL;
		if (!*w[i])
			return pea_error_new(err, EINVAL, "VOLUME: an empty path");
		p = w[i][0] == '/' ? xstrdup(w[i]) : xasprintf("/%s", w[i]);
		json_object_object_add(set, p, json_object_new_object());
	}
	return 0;
}

static int do_healthcheck(struct builder *b, struct stage *st, const struct build_instr *in,
			  struct pea_error **err)
{
	struct json_object *hc = json_object_new_object(), *test;
	struct json_object *c = build_cfg_obj(st->cfg, NULL);
	(void)b;

	for (size_t i = 0; in->flags && in->flags[i]; i++) {
		static const char *const names[] = { "interval", "timeout", "start-period",
						     "retries" };
		static const char *const keys[] = { "Interval", "Timeout", "StartPeriod",
						    "Retries" };
		const char *fl = in->flags[i] + 2, *eq = strchr(fl, '='), *why = NULL;
		size_t k = 0;
		int64_t v = 0;
		for (; eq && k < ARRAY_SIZE(names); k++)
			if (strlen(names[k]) == (size_t)(eq - fl) &&
			    strncmp(fl, names[k], (size_t)(eq - fl)) == 0)
				break;
		if (!eq || k == ARRAY_SIZE(names)) {
			json_object_put(hc);
			return pea_error_new(err, EINVAL, "HEALTHCHECK: unknown flag %s",
					     in->flags[i]);
		}
		if (k == 3) {
			char *end = NULL;
			v = strtoll(eq + 1, &end, 10);
			if (!eq[1] || *end || v < 0) {
				json_object_put(hc);
				return pea_error_new(err, EINVAL, "HEALTHCHECK: bad %s",
						     in->flags[i]);
			}
		} else if (go_parse_duration(eq + 1, &v, &why) < 0) {
			json_object_put(hc);
			return pea_error_new(err, EINVAL, "HEALTHCHECK: bad duration %s: %s",
					     in->flags[i], why);
		}
		json_object_object_add(hc, keys[k], json_object_new_int64(v));
	}
	if (strcasecmp(in->args, "NONE") == 0) {
		test = json_object_new_array();
		json_object_array_add(test, json_object_new_string("NONE"));
	} else if (strncasecmp(in->args, "CMD", 3) == 0 &&
		   (in->args[3] == ' ' || in->args[3] == '\t')) {
		const char *rest = in->args + 3 + strspn(in->args + 3, " \t");
		_cleanup_strv_ char **ex = NULL;
		test = json_object_new_array();
		if (rest[0] == '[') {
			struct build_file f = { 0 };
			_cleanup_free_ char *line = xasprintf("CMD %s", rest);
			if (build_parse(line, strlen(line), &f, NULL) == 0 && f.n == 1 &&
			    f.v[0].exec)
				ex = pea_strv_copy(f.v[0].exec);
			build_file_clear(&f);
		}
		if (ex) {
			json_object_array_add(test, json_object_new_string("CMD"));
			for (size_t i = 0; ex[i]; i++)
				json_object_array_add(test, json_object_new_string(ex[i]));
		} else {
			json_object_array_add(test, json_object_new_string("CMD-SHELL"));
			json_object_array_add(test, json_object_new_string(rest));
		}
	} else {
		json_object_put(hc);
		return pea_error_new(err, EINVAL, "HEALTHCHECK: NONE or CMD expected");
	}
	json_object_object_add(hc, "Test", test);
	json_object_object_add(c, "Healthcheck", hc);
	return 0;
}

static int do_onbuild(struct stage *st, const struct build_instr *in, struct pea_error **err)
{
	struct build_file f = { 0 };
	struct json_object *c = build_cfg_obj(st->cfg, NULL), *ob = NULL;
	bool bad;

	if (build_parse(in->args, strlen(in->args), &f, err) < 0)
		return pea_error_wrap(err, "ONBUILD");
	bad = f.n != 1 || strcmp(f.v[0].cmd, "ONBUILD") == 0 || strcmp(f.v[0].cmd, "FROM") == 0 ||
	      strcmp(f.v[0].cmd, "MAINTAINER") == 0;
	build_file_clear(&f);
	if (bad)
		return pea_error_new(err, EINVAL, "ONBUILD: '%s' is not allowed as a trigger",
				     in->args);
	if (!json_object_object_get_ex(c, "OnBuild", &ob) ||
	    !json_object_is_type(ob, json_type_array)) {
		ob = json_object_new_array();
		json_object_object_add(c, "OnBuild", ob);
	}
	json_object_array_add(ob, json_object_new_string(in->args));
	return 0;
}

/* Apply a config instruction to st->cfg; the text for the history. */
static int apply_meta(struct builder *b, struct stage *st, const struct build_instr *in,
		      char **ret_text, struct pea_error **err)
{
	struct json_object *c = build_cfg_obj(st->cfg, NULL);
	const char *cmd = in->cmd;
	_cleanup_free_ char *v = NULL;
	_cleanup_strv_ char **pairs = NULL;

	*ret_text = NULL;
	if (strcmp(cmd, "ENV") == 0 || strcmp(cmd, "LABEL") == 0) {
		if (build_pairs(in->args, b->file.escape, true, build_stage_lookup, st, &pairs,
				err) < 0)
			return pea_error_wrap(err, "%s", cmd);
		for (size_t i = 0; pairs[i]; i++) {
			const char *eq = strchr(pairs[i], '=');
			_cleanup_free_ char *k = xstrndup(pairs[i], (size_t)(eq - pairs[i]));
			if (*cmd == 'E')
				env_put(st->cfg, pairs[i]);
			else
				json_object_object_add(build_cfg_obj(st->cfg, "Labels"), k,
						       json_object_new_string(eq + 1));
		}
		v = pea_strv_join(pairs, " ");
		*ret_text = xasprintf("%s %s", cmd, v);
		return 0;
	}
	if (strcmp(cmd, "EXPOSE") == 0 && do_expose(b, st, in, err) < 0)
		return -1;
	if (strcmp(cmd, "VOLUME") == 0 && do_volume(b, st, in, err) < 0)
		return -1;
	if (strcmp(cmd, "HEALTHCHECK") == 0 && do_healthcheck(b, st, in, err) < 0)
		return -1;
	if (strcmp(cmd, "ONBUILD") == 0 && do_onbuild(st, in, err) < 0)
		return -1;
	if (strcmp(cmd, "ENTRYPOINT") == 0) {
		json_object_object_add(c, "Entrypoint", cmd_json(st, in));
		if (!st->cmd_set)
			json_object_object_del(c, "Cmd");
	} else if (strcmp(cmd, "CMD") == 0) {
		json_object_object_add(c, "Cmd", cmd_json(st, in));
		st->cmd_set = true;
	} else if (strcmp(cmd, "SHELL") == 0) {
		pea_strv_free(st->shell);
		st->shell = pea_strv_copy(in->exec);
		if (build_is_docker(b))
			json_object_object_add(c, "Shell", strv_json(in->exec));
	} else if (strcmp(cmd, "WORKDIR") == 0 || strcmp(cmd, "USER") == 0 ||
		   strcmp(cmd, "STOPSIGNAL") == 0 || strcmp(cmd, "MAINTAINER") == 0) {
		if (build_expand(in->args, b->file.escape, build_stage_lookup, st, &v, err) < 0)
			return pea_error_wrap(err, "%s", cmd);
		if (strcmp(cmd, "WORKDIR") == 0) {
			const char *wd = NULL;
			(void)pea_json_get_string_opt(c, "", "WorkingDir", &wd, NULL);
			if (v[0] != '/') {
				_cleanup_free_ char *abs =
					xasprintf("%s/%s", wd && strcmp(wd, "/") != 0 ? wd : "", v);
				free(v);
				v = TAKE_PTR(abs);
			}
			json_object_object_add(c, "WorkingDir", json_object_new_string(v));
		} else if (strcmp(cmd, "USER") == 0) {
			json_object_object_add(c, "User", json_object_new_string(v));
		} else if (strcmp(cmd, "STOPSIGNAL") == 0) {
			if (pea_signal_from_string(v) < 0)
				return pea_error_new(err, EINVAL, "STOPSIGNAL: invalid signal '%s'",
						     v);
			json_object_object_add(c, "StopSignal", json_object_new_string(v));
		} else {
			json_object_object_add(st->cfg, "author", json_object_new_string(v));
		}
		*ret_text = xasprintf("%s %s", cmd, v);
		return 0;
	}
	*ret_text = xstrdup(in->original);
	return 0;
}

static int do_meta(struct builder *b, struct stage *st, const struct build_instr *in,
		   struct pea_error **err)
{
	_cleanup_free_ char *text = NULL, *by = NULL, *key = NULL;
	_cleanup_json_ struct json_object *saved = NULL;
	struct json_object *cached;

	if (json_object_deep_copy(st->cfg, &saved, NULL) < 0)
		return pea_error_new(err, ENOMEM, "copying the config");
	if (apply_meta(b, st, in, &text, err) < 0)
		return -1;
	by = xasprintf("/bin/sh -c #(nop) %s", text);
	{
		_cleanup_free_ char *cfgtext =
			xstrdup(pea_json_to_string(build_cfg_obj(st->cfg, NULL)));
		key = build_cache_key(st, by, cfgtext);
	}
	cached = build_cache_find(b, key);
	if (cached)
		return build_stage_use(b, st, cached, err);
	build_history_add(st->cfg, by, true);
	return build_stage_commit(b, st, NULL, NULL, key, err);
}

/* ---- steps ---------------------------------------------------------------- */

static int run_instr(struct builder *b, size_t si, const struct build_instr *in, bool last,
		     struct pea_error **err)
{
	struct stage *st = &b->st[si];
	int r;
	(void)last;

	if (strcmp(in->cmd, "FROM") == 0)
		return do_from(b, si, in, err);
	if (strcmp(in->cmd, "ARG") == 0)
		return do_arg(b, in, build_stage_lookup, st, &st->args, err);
	if (strcmp(in->cmd, "RUN") == 0)
		r = do_run(b, st, in, NULL, err);
	else if (strcmp(in->cmd, "COPY") == 0 || strcmp(in->cmd, "ADD") == 0)
		r = build_copy(b, si, in, NULL, err);
	else
		r = do_meta(b, st, in, err);
	if (r == 0 && !last && st->image_id)
		fprintf(b->out, "--> %.11s\n", st->image_id);
	return r;
}

/* Split the file in stages; ARGs before the first FROM are global. */
static int make_stages(struct builder *b, struct pea_error **err)
{
	for (size_t i = 0; i < b->file.n; i++) {
		const struct build_instr *in = &b->file.v[i];
		if (strcmp(in->cmd, "FROM") == 0) {
			_cleanup_strv_ char **w = NULL;
			struct stage *st;
			b->st = xreallocarray(b->st, b->nst + 1, sizeof(*b->st));
			st = &b->st[b->nst++];
			memset(st, 0, sizeof(*st));
			st->first = i;
			if (build_words(in->args, b->file.escape, true, global_lookup, b, &w, err) <
			    0)
				return -1;
			if (w[0] && w[1] && w[2])
				st->name = xstrdup(w[2]);
		} else if (b->nst == 0) {
			if (strcmp(in->cmd, "ARG") != 0)
				return pea_error_new(err, EINVAL,
						     "no FROM statement found (line %d: %s)",
						     in->line, in->cmd);
			if (do_arg(b, in, global_lookup, b, &b->global_args, err) < 0)
				return -1;
			continue;
		}
		b->st[b->nst - 1].n++;
	}
	if (b->nst == 0)
		return pea_error_new(err, EINVAL, "no FROM statement found");
	b->nrun = b->nst;
	if (b->o->target) {
		ssize_t k = build_stage_index(b, b->o->target, b->nst);
		if (k < 0 || !b->st[k].name)
			return pea_error_new(err, ENOENT,
					     "the target \"%s\" was not found in the provided "
					     "Dockerfile",
					     b->o->target);
		b->nrun = (size_t)k + 1;
	}
	return 0;
}

static int run_stage(struct builder *b, size_t si, struct pea_error **err)
{
	struct stage *st = &b->st[si];
	bool final = si + 1 == b->nrun;

	for (size_t k = 0; k < st->n; k++) {
		const struct build_instr *in = &b->file.v[st->first + k];
		int r;
		step_line(b, si, k, st, in->original);
		r = run_instr(b, si, in, final && k + 1 == st->n, err);
		if (r != 0) {
			if (strcmp(in->cmd, "FROM") == 0)
				pea_error_wrap(err, "creating build container");
			else
				pea_error_wrap(err, "building at STEP \"%s\"", in->original);
			return r;
		}
	}
	if (!final && st->image_id)
		fprintf(b->out, "--> %.11s\n", st->image_id);
	return 0;
}

/* ---- context and Containerfile -------------------------------------------- */

static int make_tmpdir(struct builder *b, char **ret, struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/tmp", b->g->runroot);
	char *path;

	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	path = xasprintf("%s/build-context-XXXXXX", dir);
	if (!mkdtemp(path)) {
		pea_error_errno(err, "create '%s'", path);
		free(path);
		return -1;
	}
	*ret = path;
	return 0;
}

/* Is the file a tar archive (maybe compressed)? */
static bool is_archive(const char *path)
{
	struct archive *in = archive_read_new();
	struct archive_entry *e;
	bool yes;

	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	yes = archive_read_open_filename(in, path, 65536) == ARCHIVE_OK &&
	      archive_read_next_header(in, &e) == ARCHIVE_OK;
	archive_read_free(in);
	return yes;
}

/* A context from standard input or a URL: a tar is unpacked, anything else is the Containerfile. */
static int context_from_file(struct builder *b, const char *path, char **ret_file,
			     struct pea_error **err)
{
	_cleanup_strv_ char **argv = NULL;

	if (make_tmpdir(b, &b->tmpctx, err) < 0)
		return -1;
	b->ctx = xstrdup(b->tmpctx);
	if (!is_archive(path)) {
		*ret_file = xstrdup(path);
		return 0;
	}
	pea_strv_push(&argv, "tar");
	pea_strv_push(&argv, "-x");
	pea_strv_push(&argv, "--no-same-owner");
	pea_strv_push(&argv, "-C");
	pea_strv_push(&argv, b->ctx);
	pea_strv_push(&argv, "-f");
	pea_strv_push(&argv, path);
	if (pea_run_wait(argv, err) < 0)
		return pea_error_wrap(err, "unpacking the build context");
	return 0;
}

static int stdin_to_file(struct builder *b, char **ret, struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/tmp", b->g->runroot);
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	char buf[65536];
	ssize_t n;

	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	path = xasprintf("%s/build-stdin-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "create '%s'", path);
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		if (pea_write_all(fd, buf, (size_t)n, err) < 0) {
			(void)unlink(path);
			return -1;
		}
	if (n < 0) {
		(void)unlink(path);
		return pea_error_errno(err, "read standard input");
	}
	*ret = TAKE_PTR(path);
	return 0;
}

static int read_file_to(const char *path, char **text, size_t *len, struct pea_error **err)
{
	_cleanup_free_ char *t = NULL;
	size_t n = 0;

	if (pea_read_file_at(AT_FDCWD, path, BUILD_FILE_MAX, &t, &n, err) < 0)
		return -1;
	*text = xrealloc(*text, *len + n + 2);
	memcpy(*text + *len, t, n);
	*len += n;
	if (n > 0 && t[n - 1] != '\n')
		(*text)[(*len)++] = '\n';
	(*text)[*len] = '\0';
	return 0;
}

/* The context folder and the Containerfile text. */
static int load_inputs(struct builder *b, char **ret_text, size_t *ret_len, struct pea_error **err)
{
	const struct build_opts *o = b->o;
	_cleanup_free_ char *stdin_path = NULL, *file = NULL, *text = NULL;
	const char *context = o->context;
	size_t len = 0;
	struct stat s;
	int rc = -1;

	if (!context && o->files && o->files[0][0] == '/') {
		_cleanup_free_ char *d = xstrdup(o->files[0]);
		*strrchr(d, '/') = '\0';
		b->ctx = xstrdup(*d ? d : "/");
	} else if (!context) {
		context = ".";
	}
	if (context && (strcmp(context, "-") == 0 || build_is_url(context))) {
		if (strcmp(context, "-") == 0 ? stdin_to_file(b, &stdin_path, err) < 0
					      : url_download(b->g, context, &stdin_path, err) < 0)
			return -1;
		if (context_from_file(b, stdin_path, &file, err) < 0)
			goto out;
	} else if (context) {
		if (stat(context, &s) < 0) {
			pea_error_errno(err, "stat %s", context);
			goto out;
		}
		if (!S_ISDIR(s.st_mode)) {
			file = xstrdup(context);
			b->ctx = realpath(context, NULL);
			*strrchr(b->ctx, '/') = '\0';
		} else {
			b->ctx = realpath(context, NULL);
		}
		if (!b->ctx) {
			pea_error_errno(err, "context '%s'", context);
			goto out;
		}
	}
	for (size_t i = 0; o->files && o->files[i]; i++) {
		const char *f = o->files[i];
		_cleanup_free_ char *alt = NULL, *in = NULL;
		if (strcmp(f, "-") == 0) {
			if (stdin_to_file(b, &in, err) < 0 ||
			    read_file_to(in, &text, &len, err) < 0) {
				if (in)
					(void)unlink(in);
				goto out;
			}
			(void)unlink(in);
			continue;
		}
		if (f[0] != '/' && access(f, F_OK) < 0)
			f = alt = xasprintf("%s/%s", b->ctx, f);
		if (read_file_to(f, &text, &len, err) < 0) {
			if ((*err)->code == ENOENT) {
				*err = pea_error_free(*err);
				pea_error_new(err, ENOENT,
					      "the specified Containerfile or Dockerfile does not "
					      "exist, %s: no such file or directory",
					      o->files[i]);
			}
			goto out;
		}
	}
	if (!o->files) {
		static const char *const names[] = { "Containerfile", "Dockerfile" };
		for (size_t i = 0; !file && i < ARRAY_SIZE(names); i++) {
			_cleanup_free_ char *p = xasprintf("%s/%s", b->ctx, names[i]);
			if (stat(p, &s) == 0 && S_ISREG(s.st_mode))
				file = TAKE_PTR(p);
		}
		if (!file) {
			/* podman's last words: the stat of the Dockerfile */
			pea_error_new(
				err, ENOENT,
				"no Containerfile or Dockerfile specified or found in context "
				"directory, %s: stat %s/Dockerfile: no such file or directory",
				context ? context : b->ctx, b->ctx);
			goto out;
		}
		if (read_file_to(file, &text, &len, err) < 0)
			goto out;
	}
	*ret_text = text ? TAKE_PTR(text) : xstrdup("");
	*ret_len = len;
	rc = 0;
out:
	if (stdin_path)
		(void)unlink(stdin_path);
	return rc;
}

/* ---- the end: names ------------------------------------------------------- */

static int tag_names(struct builder *b, const char *id, char **names, struct pea_error **err)
{
	for (size_t i = 0; names && names[i]; i++) {
		const char *args[] = { "image", "tag", id, names[i], NULL };
		if (store_call(b->g, args, NULL, err) < 0)
			return -1;
	}
	return 0;
}

static int normalize_tags(const struct build_opts *o, char ***ret, struct pea_error **err)
{
	for (size_t i = 0; o->tags && o->tags[i]; i++) {
		_cleanup_free_ char *norm = NULL;
		if (image_normalize(o->tags[i], &norm, err) < 0)
			return pea_error_wrap(err, "tag %s", o->tags[i]);
		pea_strv_push_take(ret, image_name_has_domain(norm)
						? TAKE_PTR(norm)
						: xasprintf("localhost/%s", norm));
	}
	return 0;
}

/* The final image: the last step's with --label and the names. */
static int finish(struct builder *b, char **names, char **ret_id, struct pea_error **err)
{
	struct stage *st = &b->st[b->nrun - 1];
	bool ours = st->image_id && st->made;
	_cleanup_free_ char *id = NULL;

	fprintf(b->out, "COMMIT %s\n", b->o->tags ? b->o->tags[0] : "");
	for (size_t i = 0; b->o->labels && b->o->labels[i]; i++) {
		const char *eq = strchr(b->o->labels[i], '=');
		_cleanup_free_ char *k =
			xstrndup(b->o->labels[i],
				 eq ? (size_t)(eq - b->o->labels[i]) : strlen(b->o->labels[i]));
		json_object_object_add(build_cfg_obj(st->cfg, "Labels"), k,
				       json_object_new_string(eq ? eq + 1 : ""));
	}
	if (b->o->squash_all) {
		if (ours)
			pea_strv_push(&b->intermediates, st->image_id);
		if (build_squash_all(b, st, names ? names[0] : NULL, &id, err) < 0 ||
		    (names && tag_names(b, id, names + 1, err) < 0))
			return -1;
	} else if (!ours || b->o->labels || b->o->annotations || !st->image_id) {
		/* FROM alone, --label or --annotation: an image of its own */
		_cleanup_free_ char *now = frontend_now();
		json_object_object_add(st->cfg, "created", json_object_new_string(now));
		if (commit_build_image(b->g, st->rec, st->cfg, NULL, names ? names[0] : NULL,
				       build_is_docker(b), b->o->annotations, &id, err) < 0)
			return -1;
		if (names && tag_names(b, id, names + 1, err) < 0)
			return -1;
	} else {
		id = xstrdup(st->image_id);
		if (tag_names(b, id, names, err) < 0)
			return -1;
		/* it is the result now, not an intermediate image */
		for (size_t i = 0; b->intermediates && b->intermediates[i]; i++)
			if (strcmp(b->intermediates[i], id) == 0)
				b->intermediates[i][0] = '\0';
	}
	fprintf(b->out, "--> %.11s\n", id);
	for (size_t i = 0; names && names[i]; i++)
		fprintf(b->out, "Successfully tagged %s\n", names[i]);
	*ret_id = TAKE_PTR(id);
	return 0;
}

/* --layers=false: the images of the steps go (top first); the result keeps their layers. */
static void remove_intermediates(struct builder *b)
{
	size_t n = pea_strv_length(b->intermediates);

	while (n-- > 0) {
		const char *args[] = { "image", "rm", b->intermediates[n], NULL };
		if (b->intermediates[n][0])
			(void)store_call(b->g, args, NULL, NULL);
	}
}

static void builder_clear(struct builder *b)
{
	for (size_t i = 0; i < b->nst; i++) {
		free(b->st[i].name);
		free(b->st[i].image_id);
		json_object_put(b->st[i].rec);
		json_object_put(b->st[i].cfg);
		pea_strv_free(b->st[i].args);
		pea_strv_free(b->st[i].shell);
	}
	free(b->st);
	build_file_clear(&b->file);
	if (b->tmpctx) {
		struct pea_error *e = NULL;
		if (pea_rm_rf_at(AT_FDCWD, b->tmpctx, &e) < 0)
			log_warning("%s, ignoring", e->message);
		pea_error_free(e);
	}
	free(b->tmpctx);
	free(b->ctx);
	pea_strv_free(b->ignore);
	pea_strv_free(b->global_args);
	pea_strv_free(b->used_args);
	pea_strv_free(b->intermediates);
	pea_strv_free(b->working);
	free(b->working_image);
	if (b->out && b->out != stdout)
		fclose(b->out);
}

static void warn_unused_args(struct builder *b)
{
	_cleanup_strv_ char **unused = NULL;

	for (size_t i = 0; b->o->build_args && b->o->build_args[i]; i++) {
		_cleanup_free_ char *k =
			xstrndup(b->o->build_args[i], strcspn(b->o->build_args[i], "="));
		bool proxy = false;
		for (size_t p = 0; p < ARRAY_SIZE(proxy_args); p++)
			proxy = proxy || strcmp(proxy_args[p], k) == 0;
		if (!proxy && !pea_strv_contains(b->used_args, k) && !kv_has(b->global_args, k))
			pea_strv_push(&unused, k);
	}
	if (unused) {
		_cleanup_free_ char *j = pea_strv_join(unused, " ");
		fprintf(stderr, "[Warning] one or more build args were not consumed: [%s]\n", j);
	}
}

static int write_iidfile(const char *path, const char *id, struct pea_error **err)
{
	_cleanup_free_ char *text = xasprintf("sha256:%s", id);

	return pea_write_file_replace_at(AT_FDCWD, path, text, strlen(text), 0644, err);
}

int build_run(struct global_options *g, const struct build_opts *o, struct pea_error **err)
{
	struct builder b = { .g = g, .o = o };
	_cleanup_free_ char *text = NULL, *id = NULL;
	_cleanup_strv_ char **names = NULL;
	size_t len = 0;
	int rc = -1;

	if (o->squash)
		return pea_error_new(err, ENOTSUP,
				     "--squash is not supported yet (--squash-all is)");
	if (normalize_tags(o, &names, err) < 0)
		return -1;
	b.out = stdout;
	if (o->quiet) {
		b.out = fopen("/dev/null", "we");
		if (!b.out)
			return pea_error_errno(err, "open /dev/null");
	}
	if (load_inputs(&b, &text, &len, err) < 0 || build_parse(text, len, &b.file, err) < 0 ||
	    build_ignore_load(b.ctx, o->ignorefile, &b.ignore, err) < 0 || make_stages(&b, err) < 0)
		goto out;
	for (size_t si = 0; si < b.nrun; si++) {
		rc = run_stage(&b, si, err);
		if (rc != 0)
			goto out;
	}
	rc = -1;
	if (finish(&b, names, &id, err) < 0)
		goto out;
	warn_unused_args(&b);
	if (o->iidfile && write_iidfile(o->iidfile, id, err) < 0)
		goto out;
	printf("%s\n", id);
	rc = 0;
out:
	fflush(stdout);
	if (!build_interrupted)
		remove_working(&b);
	if (!o->layers)
		remove_intermediates(&b);
	builder_clear(&b);
	return rc;
}
