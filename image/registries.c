#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/reference.h"
#include "image/registries.h"
#include "lib/toml.h"

struct registries_conf *registries_conf_new(void)
{
	return xnew(struct registries_conf, 1);
}

static void registry_entry_clear(struct registry_entry *e)
{
	free(e->prefix);
	free(e->location);
	for (size_t i = 0; i < e->nmirrors; i++)
		free(e->mirrors[i].location);
	free(e->mirrors);
	memset(e, 0, sizeof(*e));
}

struct registries_conf *registries_conf_free(struct registries_conf *conf)
{
	if (!conf)
		return NULL;
	pea_strv_free(conf->search);
	pea_strv_free(conf->credential_helpers);
	pea_strv_free(conf->alias_names);
	pea_strv_free(conf->alias_values);
	for (size_t i = 0; i < conf->nregs; i++)
		registry_entry_clear(&conf->regs[i]);
	free(conf->regs);
	free(conf);
	return NULL;
}

/* A location or prefix: host[:port][/path], no scheme. */
static int check_location(const char *what, const char *path, const char *s, bool wildcard_ok,
			  struct pea_error **err)
{
	if (!*s)
		return pea_error_new(err, EINVAL, "%s: '%s' is empty", what, path);
	if (strstr(s, "://"))
		return pea_error_new(err, EINVAL, "%s: '%s' = '%s': URI schemes are not supported",
				     what, path, s);
	if (!wildcard_ok && strchr(s, '*'))
		return pea_error_new(err, EINVAL, "%s: '%s' = '%s': wildcards are not allowed here",
				     what, path, s);
	if (wildcard_ok && strchr(s, '*') &&
	    (strncmp(s, "*.", 2) != 0 || strchr(s + 1, '*') || strchr(s, '/')))
		return pea_error_new(err, EINVAL,
				     "%s: '%s' = '%s': a wildcard must be a leading '*.' on a host",
				     what, path, s);
	return 0;
}

static int parse_mirror(struct json_object *m, const char *what, const char *path,
			struct registry_mirror *ret, struct pea_error **err)
{
	const char *loc = NULL, *pull = NULL;
	bool insecure = false;

	if (pea_json_expect_object(m, path, err) < 0 ||
	    pea_json_get_string_req(m, path, "location", &loc, err) < 0 ||
	    pea_json_get_bool_opt(m, path, "insecure", &insecure, err) < 0 ||
	    pea_json_get_string_opt(m, path, "pull-from-mirror", &pull, err) < 0)
		return pea_error_wrap(err, "%s", what);
	if (check_location(what, path, loc, false, err) < 0)
		return -EINVAL;
	ret->pull_from = PULL_FROM_MIRROR_ALL;
	if (pull && strcmp(pull, "digest-only") == 0)
		ret->pull_from = PULL_FROM_MIRROR_DIGEST_ONLY;
	else if (pull && strcmp(pull, "tag-only") == 0)
		ret->pull_from = PULL_FROM_MIRROR_TAG_ONLY;
	else if (pull && *pull && strcmp(pull, "all") != 0)
		return pea_error_new(err, EINVAL,
				     "%s: '%s.pull-from-mirror' = '%s' is not one of "
				     "'all', 'digest-only', 'tag-only'",
				     what, path, pull);
	ret->location = xstrdup(loc);
	ret->insecure = insecure;
	return 0;
}

static int parse_registry(struct json_object *r, const char *what, const char *path,
			  struct registry_entry *e, struct pea_error **err)
{
	const char *prefix = NULL, *loc = NULL;
	struct json_object *mirrors = NULL;

	if (pea_json_expect_object(r, path, err) < 0 ||
	    pea_json_get_string_opt(r, path, "prefix", &prefix, err) < 0 ||
	    pea_json_get_string_opt(r, path, "location", &loc, err) < 0 ||
	    pea_json_get_bool_opt(r, path, "insecure", &e->insecure, err) < 0 ||
	    pea_json_get_bool_opt(r, path, "blocked", &e->blocked, err) < 0 ||
	    pea_json_get_bool_opt(r, path, "mirror-by-digest-only", &e->mirror_by_digest_only,
				  err) < 0 ||
	    pea_json_get_array_opt(r, path, "mirror", &mirrors, err) < 0)
		return pea_error_wrap(err, "%s", what);
	if (!prefix || !*prefix)
		prefix = loc;
	if (!prefix)
		return pea_error_new(err, EINVAL, "%s: '%s' has neither a prefix nor a location",
				     what, path);
	if (check_location(what, path, prefix, true, err) < 0)
		return -EINVAL;
	if (loc && *loc && check_location(what, path, loc, false, err) < 0)
		return -EINVAL;
	if (prefix[0] == '*' && loc && *loc)
		return pea_error_new(err, EINVAL,
				     "%s: '%s': a wildcard prefix cannot have a location", what,
				     path);
	e->prefix = xstrdup(prefix);
	e->location = xstrdup(loc && *loc ? loc : prefix);
	if (mirrors) {
		size_t n = json_object_array_length(mirrors);

		e->mirrors = xnew(struct registry_mirror, n ? n : 1);
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *mpath = xasprintf("%s.mirror[%zu]", path, i);

			if (parse_mirror(json_object_array_get_idx(mirrors, i), what, mpath,
					 &e->mirrors[i], err) < 0)
				return -EINVAL;
			e->nmirrors++;
		}
	}
	return 0;
}

static void conf_put_registry(struct registries_conf *conf, struct registry_entry *e)
{
	for (size_t i = 0; i < conf->nregs; i++) {
		if (strcmp(conf->regs[i].prefix, e->prefix) == 0) {
			registry_entry_clear(&conf->regs[i]);
			conf->regs[i] = *e;
			return;
		}
	}
	conf->regs = xreallocarray(conf->regs, conf->nregs + 1, sizeof(*conf->regs));
	conf->regs[conf->nregs++] = *e;
}

static int parse_aliases(struct registries_conf *conf, struct json_object *aliases,
			 const char *what, struct pea_error **err)
{
	json_object_object_foreach(aliases, name, value)
	{
		_cleanup_(reference_free_p) struct image_reference *ref = NULL;
		const char *v;
		size_t i;

		if (!json_object_is_type(value, json_type_string))
			return pea_error_new(err, EINVAL, "%s: alias '%s' is not a string", what,
					     name);
		v = json_object_get_string(value);
		if (reference_parse(v, false, &ref, err) < 0)
			return pea_error_wrap(err, "%s: alias '%s'", what, name);
		if (ref->digest)
			return pea_error_new(err, EINVAL, "%s: alias '%s' = '%s' has a digest",
					     what, name, v);
		for (i = 0; conf->alias_names && conf->alias_names[i]; i++)
			if (strcmp(conf->alias_names[i], name) == 0)
				break;
		if (conf->alias_names && conf->alias_names[i]) {
			free(conf->alias_values[i]);
			conf->alias_values[i] = xstrdup(v);
		} else {
			pea_strv_push(&conf->alias_names, name);
			pea_strv_push(&conf->alias_values, v);
		}
	}
	return 0;
}

/* Version 1: [registries.search], [registries.insecure], [registries.block]. */
static int parse_v1(struct registries_conf *conf, struct json_object *v1, const char *what,
		    struct pea_error **err)
{
	static const char *const kinds[] = { "search", "insecure", "block" };

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		_cleanup_free_ char *path = xasprintf("registries.%s", kinds[k]);
		_cleanup_strv_ char **list = NULL;
		struct json_object *tab = NULL;

		if (pea_json_get_object_opt(v1, "registries", kinds[k], &tab, err) < 0 ||
		    (tab && pea_json_get_strv_opt(tab, path, "registries", &list, err) < 0))
			return pea_error_wrap(err, "%s", what);
		for (size_t i = 0; list && list[i]; i++) {
			struct registry_entry e = { 0 };

			if (k == 0) {
				pea_strv_push(&conf->search, list[i]);
				conf->search_set = true;
				continue;
			}
			if (check_location(what, path, list[i], false, err) < 0)
				return -EINVAL;
			e.prefix = xstrdup(list[i]);
			e.location = xstrdup(list[i]);
			e.insecure = k == 1;
			e.blocked = k == 2;
			conf_put_registry(conf, &e);
		}
	}
	return 0;
}

static int parse_short_name_mode(struct registries_conf *conf, const char *mode, const char *what,
				 struct pea_error **err)
{
	if (strcmp(mode, "enforcing") == 0)
		conf->mode = SHORT_NAME_ENFORCING;
	else if (strcmp(mode, "permissive") == 0)
		conf->mode = SHORT_NAME_PERMISSIVE;
	else if (strcmp(mode, "disabled") == 0)
		conf->mode = SHORT_NAME_DISABLED;
	else
		return pea_error_new(err, EINVAL,
				     "%s: short-name-mode '%s' is not one of "
				     "'enforcing', 'permissive', 'disabled'",
				     what, mode);
	return 0;
}

int registries_conf_parse(struct registries_conf *conf, const char *buf, size_t len,
			  const char *what, struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	_cleanup_strv_ char **search = NULL, **helpers = NULL;
	struct json_object *regs = NULL, *aliases = NULL, *v1 = NULL;
	const char *mode = NULL;
	bool has_v2;

	if (pea_toml_parse(buf, len, what, &doc, err) < 0)
		return -EINVAL;
	if (pea_json_get_strv_opt(doc, "", "unqualified-search-registries", &search, err) < 0 ||
	    pea_json_get_string_opt(doc, "", "short-name-mode", &mode, err) < 0 ||
	    pea_json_get_array_opt(doc, "", "registry", &regs, err) < 0 ||
	    pea_json_get_object_opt(doc, "", "aliases", &aliases, err) < 0 ||
	    pea_json_get_object_opt(doc, "", "registries", &v1, err) < 0 ||
	    pea_json_get_strv_opt(doc, "", "credential-helpers", &helpers, err) < 0)
		return pea_error_wrap(err, "%s", what);
	has_v2 = search || regs || aliases || mode || helpers;
	if (v1 && has_v2)
		return pea_error_new(err, EINVAL,
				     "%s: mixes the version 1 [registries.*] tables "
				     "with version 2 settings",
				     what);
	if (v1)
		return parse_v1(conf, v1, what, err);
	for (size_t i = 0; search && search[i]; i++)
		if (check_location(what, "unqualified-search-registries", search[i], false, err) <
		    0)
			return -EINVAL;
	if (search) {
		pea_strv_free(conf->search);
		conf->search = TAKE_PTR(search);
		conf->search_set = true;
	}
	if (mode && parse_short_name_mode(conf, mode, what, err) < 0)
		return -EINVAL;
	for (size_t i = 0; helpers && helpers[i]; i++)
		if (!*helpers[i] || strchr(helpers[i], '/'))
			return pea_error_new(err, EINVAL,
					     "%s: credential helper '%s' is not a name", what,
					     helpers[i]);
	if (helpers) {
		pea_strv_free(conf->credential_helpers);
		conf->credential_helpers = TAKE_PTR(helpers);
	}
	for (size_t i = 0; regs && i < json_object_array_length(regs); i++) {
		_cleanup_free_ char *path = xasprintf("registry[%zu]", i);
		struct registry_entry e = { 0 };

		if (parse_registry(json_object_array_get_idx(regs, i), what, path, &e, err) < 0) {
			registry_entry_clear(&e);
			return -EINVAL;
		}
		conf_put_registry(conf, &e);
	}
	if (aliases && parse_aliases(conf, aliases, what, err) < 0)
		return -EINVAL;
	return 0;
}

static int conf_load_file(struct registries_conf *conf, const char *path, bool must_exist,
			  struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, path, PEA_TOML_MAX_SIZE, &buf, &len, err) < 0) {
		if (!must_exist && pea_error_is(*err, ENOENT)) {
			pea_error_release(err);
			return 0;
		}
		return -EINVAL;
	}
	return registries_conf_parse(conf, buf, len, path, err);
}

static int filter_conf(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

static int conf_load_dir(struct registries_conf *conf, const char *dir, struct pea_error **err)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, filter_conf, alphasort);
	int r = 0;

	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, list[i]->d_name);

		if (r == 0)
			r = conf_load_file(conf, path, true, err);
		free(list[i]);
	}
	free(list);
	return r;
}

int registries_conf_load(const char *path, struct registries_conf **ret, struct pea_error **err)
{
	struct registries_conf *conf = registries_conf_new();
	const char *home = getenv("HOME");
	_cleanup_free_ char *user =
		home ? xasprintf("%s/.config/containers/registries.conf", home) : NULL;
	_cleanup_free_ char *user_d = user ? xasprintf("%s.d", user) : NULL;
	int r;

	if (!path)
		path = getenv("CONTAINERS_REGISTRIES_CONF");
	if (path && *path)
		r = conf_load_file(conf, path, true, err);
	else if (user && pea_path_exists_at(AT_FDCWD, user))
		r = conf_load_file(conf, user, true, err);
	else
		r = conf_load_file(conf, "/etc/containers/registries.conf", false, err);
	if (r == 0 && !getenv("PEA_REGISTRIES_CONF_NO_DROPINS")) {
		r = conf_load_dir(conf, "/etc/containers/registries.conf.d", err);
		if (r == 0 && user_d)
			r = conf_load_dir(conf, user_d, err);
	}
	if (r < 0) {
		registries_conf_free(conf);
		return r;
	}
	*ret = conf;
	return 0;
}

/* Does name ("host/path:tag") start with prefix at a component boundary? */
static bool prefix_matches(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	if (prefix[0] == '*') { /* "*.example.com": any subdomain of the host */
		const char *host_end = strchr(name, '/');
		size_t hl = host_end ? (size_t)(host_end - name) : strlen(name);
		size_t sl = n - 1;

		return hl > sl && memcmp(name + hl - sl, prefix + 1, sl) == 0;
	}
	if (strncmp(name, prefix, n) != 0)
		return false;
	return name[n] == '\0' || name[n] == '/' || name[n] == ':' || name[n] == '@';
}

const struct registry_entry *registries_find(const struct registries_conf *conf,
					     const struct image_reference *ref)
{
	_cleanup_free_ char *full = reference_string(ref);
	const struct registry_entry *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; conf && i < conf->nregs; i++) {
		const struct registry_entry *e = &conf->regs[i];
		size_t n = strlen(e->prefix);

		if (e->prefix[0] == '*')
			n = 0; /* an exact prefix always beats a wildcard */
		if (prefix_matches(full, e->prefix) && (!best || n + 1 > best_len)) {
			best = e;
			best_len = n + 1;
		}
	}
	return best;
}

/* location + the part of ref after prefix. */
static int rewrite(const struct image_reference *ref, const struct registry_entry *e,
		   const char *location, struct image_reference **ret, struct pea_error **err)
{
	_cleanup_free_ char *full = reference_string(ref);
	_cleanup_free_ char *s = NULL;

	if (e->prefix[0] == '*')
		return reference_parse(full, false, ret, err);
	s = xasprintf("%s%s", location, full + strlen(e->prefix));
	if (reference_parse(s, false, ret, err) < 0)
		return pea_error_wrap(err, "rewriting '%s' with registries.conf prefix '%s'", full,
				      e->prefix);
	return 0;
}

int registries_primary(const struct registries_conf *conf, const struct image_reference *ref,
		       struct pull_source *ret, struct pea_error **err)
{
	const struct registry_entry *e = registries_find(conf, ref);
	struct image_reference *r = NULL;

	if (e && e->blocked) {
		_cleanup_free_ char *name = reference_name(ref);

		return pea_error_new(err, EACCES, "registry '%s' is blocked in registries.conf",
				     name);
	}
	if (!e) {
		ret->ref = reference_copy(ref);
		ret->insecure = false;
		ret->mirror = false;
		return 0;
	}
	if (rewrite(ref, e, e->location, &r, err) < 0)
		return -EINVAL;
	ret->ref = r;
	ret->insecure = e->insecure;
	ret->mirror = false;
	return 0;
}

void pull_sources_free(struct pull_source *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		reference_free(s[i].ref);
	free(s);
}

int registries_pull_sources(const struct registries_conf *conf, const struct image_reference *ref,
			    struct pull_source **ret, size_t *ret_n, struct pea_error **err)
{
	const struct registry_entry *e = registries_find(conf, ref);
	struct pull_source *list = NULL;
	size_t n = 0;

	list = xnew(struct pull_source, (e ? e->nmirrors : 0) + 1);
	for (size_t i = 0; e && !e->blocked && i < e->nmirrors; i++) {
		const struct registry_mirror *m = &e->mirrors[i];
		bool digest_only =
			e->mirror_by_digest_only || m->pull_from == PULL_FROM_MIRROR_DIGEST_ONLY;

		if ((digest_only && !ref->digest) ||
		    (m->pull_from == PULL_FROM_MIRROR_TAG_ONLY && ref->digest))
			continue;
		if (rewrite(ref, e, m->location, &list[n].ref, err) < 0) {
			pull_sources_free(list, n);
			return -EINVAL;
		}
		list[n].insecure = m->insecure;
		list[n].mirror = true;
		n++;
	}
	if (registries_primary(conf, ref, &list[n], err) < 0) {
		pull_sources_free(list, n);
		return -EACCES;
	}
	*ret = list;
	*ret_n = n + 1;
	return 0;
}

int registries_resolve_short_name(const struct registries_conf *conf, const char *name, char ***ret,
				  bool *ret_alias, struct pea_error **err)
{
	_cleanup_free_ char *bare = xstrdup(name);
	_cleanup_strv_ char **out = NULL;
	_cleanup_(reference_free_p) struct image_reference *probe = NULL;
	char *suffix;

	/* Validate as a repository-only reference first. */
	if (reference_parse(name, true, &probe, err) < 0)
		return -EINVAL;
	if (!probe->short_name)
		return pea_error_new(err, EINVAL, "'%s' is not a short name: it names a registry",
				     name);
	suffix = strpbrk(bare, "@");
	if (!suffix) {
		char *slash = strrchr(bare, '/');

		suffix = strchr(slash ? slash : bare, ':');
	}
	{
		_cleanup_free_ char *tail = xstrdup(suffix ? suffix : "");

		if (suffix)
			*suffix = '\0';
		for (size_t i = 0; conf && conf->alias_names && conf->alias_names[i]; i++) {
			if (strcmp(conf->alias_names[i], bare) == 0) {
				pea_strv_push_take(&out,
						   xasprintf("%s%s", conf->alias_values[i], tail));
				*ret = TAKE_PTR(out);
				*ret_alias = true;
				return 0;
			}
		}
		for (size_t i = 0; conf && conf->search && conf->search[i]; i++) {
			const char *reg = conf->search[i];
			bool hub = strcmp(reg, "docker.io") == 0 && !strchr(bare, '/');

			pea_strv_push_take(&out, xasprintf("%s/%s%s%s", reg, hub ? "library/" : "",
							   bare, tail));
		}
	}
	if (!out)
		return pea_error_new(err, ENOENT,
				     "short name '%s' did not resolve to an alias and "
				     "no unqualified-search registries are defined",
				     name);
	*ret = TAKE_PTR(out);
	*ret_alias = false;
	return 0;
}
