/* Image names and lookups (images.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/image-match.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/frontend.h"
#include "frontend/images.h"

#define IMAGE_CONFIG_MAX (8u << 20)
#define NAME_MAX_LEN	 255

bool image_name_has_domain(const char *name)
{
	const char *slash = strchr(name, '/');
	size_t len;

	if (!slash)
		return false;
	len = (size_t)(slash - name);
	return memchr(name, '.', len) || memchr(name, ':', len) ||
	       (len == 9 && strncmp(name, "localhost", 9) == 0);
}

static bool is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A path component: [a-z0-9]+ with '.', '_', '__' or '-'+ between. */
static bool valid_component(const char *s, size_t len)
{
	if (len == 0 || !is_alnum_lower(s[0]) || !is_alnum_lower(s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum_lower(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static bool valid_domain(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-' && s[i] != ':' &&
		    s[i] != '[' && s[i] != ']')
			return false;
	return true;
}

static bool valid_tag(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

static bool valid_digest(const char *s)
{
	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71)
		return false;
	for (const char *p = s + 7; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return false;
	return true;
}

int image_normalize(const char *name, char **ret, struct pea_error **err)
{
	_cleanup_free_ char *repo = NULL;
	const char *at, *colon, *slash, *p, *start;
	const char *tag = NULL, *digest = NULL;

	if (!*name || strlen(name) > NAME_MAX_LEN)
		return pea_error_new(err, EINVAL, "invalid reference format: '%s'", name);
	at = strchr(name, '@');
	if (at) {
		digest = at + 1;
		repo = xstrndup(name, (size_t)(at - name));
	} else {
		repo = xstrdup(name);
	}
	slash = strrchr(repo, '/');
	colon = strrchr(repo, ':');
	if (colon && (!slash || colon > slash)) {
		*(char *)colon = '\0';
		tag = colon + 1;
	}
	if (digest && !valid_digest(digest))
		return pea_error_new(err, EINVAL, "invalid reference format: '%s': bad digest",
				     name);
	if (tag && !valid_tag(tag))
		return pea_error_new(err, EINVAL, "invalid reference format: '%s': bad tag", name);
	start = repo;
	if (image_name_has_domain(repo)) {
		slash = strchr(repo, '/');
		if (!valid_domain(repo, (size_t)(slash - repo)))
			return pea_error_new(err, EINVAL,
					     "invalid reference format: '%s': bad registry", name);
		start = slash + 1;
	}
	for (p = start;;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (!valid_component(p, len))
			return pea_error_new(err, EINVAL,
					     "invalid reference format: '%s': repository name must "
					     "be lowercase letters, digits and separators",
					     name);
		if (!end)
			break;
		p = end + 1;
	}
	if (digest)
		*ret = xasprintf("%s%s%s@%s", repo, tag ? ":" : "", tag ? tag : "", digest);
	else
		*ret = xasprintf("%s:%s", repo, tag ? tag : "latest");
	return 0;
}

void image_split_name(const char *full, char **ret_repo, char **ret_tag)
{
	const char *at = strchr(full, '@');
	const char *slash = strrchr(full, '/');
	const char *colon = strrchr(full, ':');

	if (at) {
		*ret_repo = xstrndup(full, (size_t)(at - full));
		*ret_tag = xstrdup("<none>");
		return;
	}
	if (colon && (!slash || colon > slash)) {
		*ret_repo = xstrndup(full, (size_t)(colon - full));
		*ret_tag = xstrdup(colon + 1);
		return;
	}
	*ret_repo = xstrdup(full);
	*ret_tag = xstrdup("<none>");
}

int image_find(const struct global_options *g, const char *name, struct json_object **ret,
	       struct pea_error **err)
{
	static const char *const ls[] = { "image", "ls", NULL };
	_cleanup_json_ struct json_object *all = NULL;
	_cleanup_free_ char *full = NULL;
	struct json_object *hit;

	if (!*name)
		return pea_error_new(err, EINVAL, "image name must not be empty");
	if (store_call(g, ls, &all, err) < 0)
		return -1;
	if (!json_object_is_type(all, json_type_array))
		return pea_error_new(err, EPROTO, "pea-storage image ls: not an array");
	if (image_normalize(name, &full, NULL) < 0)
		full = NULL;
	hit = pea_image_match(all, name, full, full && !image_name_has_domain(full));
	if (!hit)
		return pea_error_new(err, ENOENT, "%s: image not known", name);
	*ret = json_object_get(hit);
	return 0;
}

int image_read_config(struct json_object *rec, struct json_object **ret, struct pea_error **err)
{
	const char *path = NULL;

	if (pea_json_get_string_opt(rec, "image", "config_path", &path, err) < 0)
		return -1;
	if (!path) {
		*ret = json_object_new_object();
		return 0;
	}
	if (pea_json_parse_file_at(AT_FDCWD, path, IMAGE_CONFIG_MAX, ret, err) < 0)
		return pea_error_wrap(err, "image config");
	if (!*ret || !json_object_is_type(*ret, json_type_object)) {
		json_object_put(*ret);
		return pea_error_new(err, EINVAL, "image config '%s': not an object", path);
	}
	return 0;
}

long long image_size(struct json_object *rec, struct json_object *layers)
{
	struct json_object *ids = NULL;
	long long total = 0;

	if (!json_object_object_get_ex(rec, "layers", &ids) || !layers)
		return 0;
	for (size_t i = 0; i < json_object_array_length(ids); i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(ids, i));
		for (size_t k = 0; id && k < json_object_array_length(layers); k++) {
			struct json_object *l = json_object_array_get_idx(layers, k), *v = NULL;
			if (json_object_object_get_ex(l, "id", &v) &&
			    strcmp(json_object_get_string(v), id) == 0) {
				if (json_object_object_get_ex(l, "size", &v))
					total += json_object_get_int64(v);
				break;
			}
		}
	}
	return total;
}
