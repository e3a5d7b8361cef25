/*
 * containers.conf: the few keys pea reads so far ([engine] runtime,
 * conmon_path, [engine.runtimes]), through lib/toml.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/toml.h"
#include "lib/xalloc.h"
#include "frontend/config.h"
#include "frontend/frontend.h"

#define CONF_MAX (1u << 20)

void engine_config_clear(struct engine_config *c)
{
	free(c->runtime);
	pea_strv_free(c->conmon_path);
	pea_strv_free(c->runtimes);
	memset(c, 0, sizeof(*c));
}

/* "name=path1:path2" entries of [engine.runtimes], the later file winning. */
static int read_runtimes(struct engine_config *c, struct json_object *rts, const char *what,
			 struct pea_error **err)
{
	json_object_object_foreach(rts, name, val)
	{
		_cleanup_strv_ char **paths = NULL;
		_cleanup_free_ char *joined = NULL;

		(void)val;
		if (pea_json_get_strv_opt(rts, "engine.runtimes", name, &paths, err) < 0)
			return pea_error_wrap(err, "%s", what);
		joined = pea_strv_join(paths, ":");
		pea_strv_push_take(&c->runtimes, xasprintf("%s=%s", name, joined));
	}
	return 0;
}

/*
 * containers.conf is read by five parsers of one command (the engine's keys,
 * the container's, events, networks, userns), each for its own keys: the
 * document of a text seen before is handed out again (a reference, read
 * only) instead of parsed again, ~0.3 ms each for Debian's 28 kB file.
 */
#define TOML_CACHE_MAX 8

static struct toml_cached {
	char *text;
	size_t len;
	struct json_object *doc;
} toml_cache[TOML_CACHE_MAX];

int config_toml_parse(const char *text, size_t len, const char *what, struct json_object **ret,
		      struct pea_error **err)
{
	struct json_object *doc = NULL;
	size_t i;

	for (i = 0; i < TOML_CACHE_MAX && toml_cache[i].text; i++)
		if (toml_cache[i].len == len && memcmp(toml_cache[i].text, text, len) == 0) {
			*ret = json_object_get(toml_cache[i].doc);
			return 0;
		}
	if (pea_toml_parse(text, len, what, &doc, err) < 0)
		return -1;
	if (i < TOML_CACHE_MAX && doc) {
		toml_cache[i].text = xmalloc(len + 1);
		memcpy(toml_cache[i].text, text, len);
		toml_cache[i].len = len;
		toml_cache[i].doc = json_object_get(doc);
	}
	*ret = doc;
	return 0;
}

int engine_config_parse(struct engine_config *c, const char *text, const char *what,
			struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	struct json_object *engine = NULL, *rts = NULL;
	const char *runtime = NULL;
	char **conmon = NULL;

	if (config_toml_parse(text, strlen(text), what, &doc, err) < 0)
		return -1;
	if (!doc || pea_json_get_object_opt(doc, "", "engine", &engine, err) < 0)
		return doc ? pea_error_wrap(err, "%s", what) : 0;
	if (!engine)
		return 0;
	if (pea_json_get_string_opt(engine, "engine", "runtime", &runtime, err) < 0 ||
	    pea_json_get_strv_opt(engine, "engine", "conmon_path", &conmon, err) < 0 ||
	    pea_json_get_object_opt(engine, "engine", "runtimes", &rts, err) < 0)
		return pea_error_wrap(err, "%s", what);
	if (runtime) {
		free(c->runtime);
		c->runtime = xstrdup(runtime);
	}
	if (conmon) {
		pea_strv_free(c->conmon_path);
		c->conmon_path = conmon;
	}
	return rts ? read_runtimes(c, rts, what, err) : 0;
}

static int read_one(struct engine_config *c, const char *path, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	size_t len;

	if (pea_read_file_at(AT_FDCWD, path, CONF_MAX, &buf, &len, &e) < 0) {
		if (e->code == ENOENT)
			return 0;
		*err = TAKE_PTR(e);
		return -1;
	}
	return engine_config_parse(c, buf, path, err);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

char *config_user_file(const char *name)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg && *xdg)
		return xasprintf("%s/containers/%s", xdg, name);
	if (home && *home)
		return xasprintf("%s/.config/containers/%s", home, name);
	return NULL;
}

char **containers_conf_paths(const struct global_options *g)
{
	const char *env = getenv("CONTAINERS_CONF"), *over = getenv("CONTAINERS_CONF_OVERRIDE");
	struct dirent **names = NULL;
	char **paths = NULL;
	int n;

	if (env && *env) {
		pea_strv_push(&paths, env);
		goto override;
	}
	/* pea's own defaults, installed beside it (PREFIX/share/pea) */
	if (g->bindir)
		pea_strv_push_take(&paths, xasprintf("%s/../share/pea/containers.conf", g->bindir));
	pea_strv_push(&paths, "/usr/share/containers/containers.conf");
	pea_strv_push(&paths, "/etc/containers/containers.conf");
	n = scandir("/etc/containers/containers.conf.d", &names, NULL, by_name);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(names[i]->d_name);
		if (l > 5 && strcmp(names[i]->d_name + l - 5, ".conf") == 0)
			pea_strv_push_take(&paths, xasprintf("/etc/containers/containers.conf.d/%s",
							     names[i]->d_name));
		free(names[i]);
	}
	free(names);
	if (g->rootless) {
		char *user = config_user_file("containers.conf");
		if (user)
			pea_strv_push_take(&paths, user);
	}
override:
	/* podman's CONTAINERS_CONF_OVERRIDE: read last, over everything */
	if (over && *over)
		pea_strv_push(&paths, over);
	return paths;
}

int engine_config_load(const struct global_options *g, struct engine_config *c,
		       struct pea_error **err)
{
	_cleanup_strv_ char **paths = containers_conf_paths(g);

	for (size_t i = 0; paths && paths[i]; i++)
		if (read_one(c, paths[i], err) < 0)
			return -1;
	return 0;
}

/* The first path of a list that is executable, else NULL. */
static char *first_executable(const struct global_options *g, char **paths)
{
	for (size_t i = 0; paths && paths[i]; i++) {
		_cleanup_free_ char *p = frontend_find_binary(g, paths[i]);
		if (strchr(p, '/') && access(p, X_OK) == 0)
			return TAKE_PTR(p);
	}
	return NULL;
}

char *engine_config_runtime(const struct global_options *g, const struct engine_config *c)
{
	size_t nlen;

	if (!c->runtime)
		return NULL;
	nlen = strlen(c->runtime);
	for (size_t i = pea_strv_length(c->runtimes); i-- > 0;) {
		const char *e = c->runtimes[i];
		if (strncmp(e, c->runtime, nlen) == 0 && e[nlen] == '=') {
			_cleanup_strv_ char **paths = pea_strv_split(e + nlen + 1, ":");
			char *p = first_executable(g, paths);
			if (p)
				return p;
			break;
		}
	}
	return frontend_find_binary(g, c->runtime);
}

char *engine_config_conmon(const struct global_options *g, const struct engine_config *c)
{
	return first_executable(g, c->conmon_path);
}

void config_rootless_storage_conf(const struct global_options *g)
{
	const char *env = getenv("CONTAINERS_STORAGE_CONF");
	_cleanup_free_ char *path = NULL;

	if (!g->rootless || (env && *env))
		return;
	path = config_user_file("storage.conf");
	if (path && access(path, F_OK) == 0)
		setenv("CONTAINERS_STORAGE_CONF", path, 1);
}

/* ---- [containers]: what a new container takes from containers.conf ---- */

void ctr_config_clear(struct ctr_config *c)
{
	free(c->log_driver);
	free(c->log_tag);
	pea_strv_free(c->annotations);
	pea_strv_free(c->default_sysctls);
	free(c->tz);
	free(c->seccomp_profile);
	free(c->image_volume_mode);
	memset(c, 0, sizeof(*c));
}

static void replace_str(char **dst, const char *v)
{
	free(*dst);
	*dst = *v ? xstrdup(v) : NULL;
}

/* [engine] image_volume_mode: what --image-volume defaults to. */
static int image_volume_mode(struct ctr_config *c, struct json_object *doc, const char *what,
			     struct pea_error **err)
{
	struct json_object *engine = NULL;
	const char *mode = NULL;

	if (pea_json_get_object_opt(doc, "", "engine", &engine, err) < 0 || !engine ||
	    pea_json_get_string_opt(engine, "engine", "image_volume_mode", &mode, err) < 0)
		return *err ? pea_error_wrap(err, "%s", what) : 0;
	if (!mode)
		return 0;
	if (strcmp(mode, "bind") != 0 && strcmp(mode, "tmpfs") != 0 && strcmp(mode, "ignore") != 0)
		return pea_error_new(
			err, EINVAL,
			"%s: 'engine.image_volume_mode': '%s': use bind, tmpfs or ignore", what,
			mode);
	replace_str(&c->image_volume_mode, mode);
	return 0;
}

int ctr_config_parse(struct ctr_config *c, const char *text, size_t len, const char *what,
		     struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	struct json_object *ctr = NULL;
	const char *driver = NULL, *tag = NULL, *tz = NULL, *seccomp = NULL;
	int64_t size = 0;
	char **ann = NULL, **sysctls = NULL;
	int has_size;

	if (config_toml_parse(text, len, what, &doc, err) < 0)
		return -1;
	if (doc && image_volume_mode(c, doc, what, err) < 0)
		return -1;
	if (!doc || pea_json_get_object_opt(doc, "", "containers", &ctr, err) < 0)
		return doc ? pea_error_wrap(err, "%s", what) : 0;
	if (!ctr)
		return 0;
	if (pea_json_get_string_opt(ctr, "containers", "log_driver", &driver, err) < 0 ||
	    pea_json_get_string_opt(ctr, "containers", "log_tag", &tag, err) < 0 ||
	    pea_json_get_string_opt(ctr, "containers", "tz", &tz, err) < 0 ||
	    pea_json_get_string_opt(ctr, "containers", "seccomp_profile", &seccomp, err) < 0 ||
	    (has_size = pea_json_get_int64_opt(ctr, "containers", "log_size_max", &size, err)) <
		    0 ||
	    pea_json_get_strv_opt(ctr, "containers", "annotations", &ann, err) < 0 ||
	    pea_json_get_strv_opt(ctr, "containers", "default_sysctls", &sysctls, err) < 0) {
		pea_strv_free(ann);
		return pea_error_wrap(err, "%s", what);
	}
	/* podman's rule: the read buffer of the monitor must fit (8192) */
	if (has_size == 1 && size >= 0 && size < 8192) {
		pea_strv_free(ann);
		pea_strv_free(sysctls);
		return pea_error_new(err, EINVAL,
				     "%s: 'containers.log_size_max': %lld: must be negative (no "
				     "cap) or at least 8192",
				     what, (long long)size);
	}
	if (driver)
		replace_str(&c->log_driver, driver);
	if (tag)
		replace_str(&c->log_tag, tag);
	if (tz)
		replace_str(&c->tz, tz);
	if (seccomp)
		replace_str(&c->seccomp_profile, seccomp);
	if (has_size == 1) {
		c->log_size_max = size;
		c->log_size_set = true;
	}
	if (ann) {
		pea_strv_free(c->annotations);
		c->annotations = ann;
	}
	if (sysctls) {
		pea_strv_free(c->default_sysctls);
		c->default_sysctls = sysctls;
	}
	return 0;
}

int ctr_config_load(const struct global_options *g, struct ctr_config *c, struct pea_error **err)
{
	_cleanup_strv_ char **paths = containers_conf_paths(g);

	for (size_t i = 0; paths && paths[i]; i++) {
		_cleanup_free_ char *buf = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		size_t len;

		if (pea_read_file_at(AT_FDCWD, paths[i], PEA_TOML_MAX_SIZE, &buf, &len, &e) < 0) {
			if (e->code == ENOENT)
				continue;
			*err = TAKE_PTR(e);
			return pea_error_wrap(err, "containers.conf");
		}
		if (ctr_config_parse(c, buf, len, paths[i], err) < 0)
			return pea_error_wrap(err, "containers.conf");
	}
	if (!c->log_size_set)
		c->log_size_max = CTR_LOG_SIZE_MAX_DEFAULT;
	return 0;
}
