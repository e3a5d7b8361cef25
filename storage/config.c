#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/toml.h"
#include "lib/xalloc.h"
#include "config.h"

bool storage_driver_is_known(const char *name)
{
	return !strcmp(name, "overlay") || !strcmp(name, "vfs");
}

/* A [table] (or none); errors name the dotted path, as the getters of lib/json.h do. */
static int get_table(struct json_object *obj, const char *path, const char *key,
		     struct json_object **ret, struct pea_error **err)
{
	_cleanup_free_ char *full = NULL;
	struct json_object *v = NULL;

	*ret = NULL;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_object)) {
		*ret = v;
		return 1;
	}
	full = pea_json_path_key(path, key);
	return pea_error_new(err, EINVAL, "'%s' is not a table", full);
}

static int get_string(struct json_object *obj, const char *path, const char *key, char **dst,
		      struct pea_error **err)
{
	const char *s = NULL;
	int r;

	if (!obj)
		return 0;
	r = pea_json_get_string_opt(obj, path, key, &s, err);
	if (r <= 0)
		return r;
	free(*dst);
	*dst = xstrdup(s);
	return 0;
}

/* containers-storage.conf writes some booleans as strings ("true"). */
static int get_bool(struct json_object *obj, const char *path, const char *key, bool *dst,
		    struct pea_error **err)
{
	_cleanup_free_ char *full = NULL;
	struct json_object *v = NULL;
	const char *s;

	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_boolean)) {
		*dst = json_object_get_boolean(v);
		return 0;
	}
	s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (s && (!strcmp(s, "true") || !strcmp(s, "false"))) {
		*dst = s[0] == 't';
		return 0;
	}
	full = pea_json_path_key(path, key);
	return pea_error_new(err, EINVAL, "'%s' is not a boolean (true or false)", full);
}

/*
 * The keys pea-storage acts on; unknown keys are ignored, as containers/storage does.
 * Of storage.options.KEY and storage.options.overlay.KEY the driver's own wins.
 */
static int conf_from_doc(struct json_object *doc, struct storage_conf *c, struct pea_error **err)
{
	struct json_object *st = NULL, *opts = NULL, *overlay = NULL, *vfs = NULL;
	int r = get_table(doc, "", "storage", &st, err);

	if (r <= 0)
		return r;
	if (get_string(st, "storage", "driver", &c->driver, err) < 0)
		return -EINVAL;
	if (c->driver && !*c->driver)
		c->driver = (free(c->driver), NULL);
	if (c->driver && !storage_driver_is_known(c->driver))
		return pea_error_new(err, EINVAL,
				     "'storage.driver': storage driver '%s' is not supported "
				     "(overlay, vfs)",
				     c->driver);
	if (get_string(st, "storage", "graphroot", &c->graphroot, err) < 0 ||
	    get_string(st, "storage", "runroot", &c->runroot, err) < 0 ||
	    get_bool(st, "storage", "transient_store", &c->transient_store, err) < 0 ||
	    get_table(st, "storage", "options", &opts, err) < 0 ||
	    get_table(opts, "storage.options", "overlay", &overlay, err) < 0 ||
	    get_table(opts, "storage.options", "vfs", &vfs, err) < 0)
		return -EINVAL;
	if (get_string(opts, "storage.options", "mount_program", &c->mount_program, err) < 0 ||
	    get_string(overlay, "storage.options.overlay", "mount_program", &c->mount_program,
		       err) < 0 ||
	    get_string(opts, "storage.options", "mountopt", &c->mountopt, err) < 0 ||
	    get_string(overlay, "storage.options.overlay", "mountopt", &c->mountopt, err) < 0 ||
	    get_bool(opts, "storage.options", "ignore_chown_errors", &c->ignore_chown_errors, err) <
		    0 ||
	    get_bool(overlay, "storage.options.overlay", "ignore_chown_errors",
		     &c->ignore_chown_errors, err) < 0 ||
	    get_bool(vfs, "storage.options.vfs", "ignore_chown_errors", &c->ignore_chown_errors,
		     err) < 0)
		return -EINVAL;
	if (get_string(opts, "storage.options", "pea_sync", &c->pea_sync, err) < 0)
		return -EINVAL;
	if (c->pea_sync && !storage_sync_is_known(c->pea_sync))
		return pea_error_new(err, EINVAL,
				     "'storage.options.pea_sync': expected 'deferred' or 'layer', "
				     "not '%s'",
				     c->pea_sync);
	return 0;
}

bool storage_sync_is_known(const char *v)
{
	return !strcmp(v, "deferred") || !strcmp(v, "layer");
}

int storage_conf_parse(const char *buf, size_t len, const char *what, struct storage_conf *conf,
		       struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	int r = pea_toml_parse(buf, len, what, &doc, err);

	if (r < 0)
		return r;
	if (conf_from_doc(doc, conf, err) < 0)
		return pea_error_wrap(err, "%s", what);
	return 0;
}

int storage_conf_load(const char *path, struct storage_conf *conf, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, path, STORAGE_CONF_MAX, &buf, &len, err) < 0)
		return pea_error_wrap(err, "storage configuration");
	return storage_conf_parse(buf, len, path, conf, err);
}

int storage_conf_set_opt(struct storage_conf *conf, const char *kv, struct pea_error **err)
{
	const char *eq = strchr(kv, '=');
	_cleanup_free_ char *key = NULL;
	const char *val;
	const char *k;

	if (!eq)
		return pea_error_new(err, EINVAL, "storage option '%s': expected KEY=VALUE", kv);
	key = xstrndup(kv, (size_t)(eq - kv));
	val = eq + 1;
	k = key;
	if (!strncmp(k, "overlay.", 8))
		k += 8;
	else if (!strncmp(k, "vfs.", 4))
		k += 4;
	else if (k[0] == '.')
		k += 1;
	if (!strcmp(k, "mount_program")) {
		free(conf->mount_program);
		conf->mount_program = *val ? xstrdup(val) : NULL;
	} else if (!strcmp(k, "mountopt")) {
		free(conf->mountopt);
		conf->mountopt = *val ? xstrdup(val) : NULL;
	} else if (!strcmp(k, "ignore_chown_errors")) {
		if (strcmp(val, "true") && strcmp(val, "false"))
			return pea_error_new(err, EINVAL,
					     "storage option '%s': expected true or false", key);
		conf->ignore_chown_errors = val[0] == 't';
	} else if (!strcmp(k, "pea_sync")) {
		if (!storage_sync_is_known(val))
			return pea_error_new(err, EINVAL,
					     "storage option '%s': expected deferred or layer",
					     key);
		free(conf->pea_sync);
		conf->pea_sync = xstrdup(val);
	} else {
		return pea_error_new(err, EINVAL, "unknown storage option '%s'", key);
	}
	return 0;
}

void storage_conf_clear(struct storage_conf *conf)
{
	free(conf->driver);
	free(conf->graphroot);
	free(conf->runroot);
	free(conf->mount_program);
	free(conf->mountopt);
	free(conf->pea_sync);
	*conf = (struct storage_conf){ 0 };
}
