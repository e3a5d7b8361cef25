#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/auth.h"

void credentials_clear(struct credentials *c)
{
	free(c->user);
	if (c->password)
		explicit_bzero(c->password, strlen(c->password));
	free(c->password);
	free(c->identity_token);
	memset(c, 0, sizeof(*c));
}

char *auth_primary_path(void)
{
	const char *env = getenv("REGISTRY_AUTH_FILE");
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (env && *env)
		return xstrdup(env);
	if (xdg && *xdg)
		return xasprintf("%s/containers/auth.json", xdg);
	return xasprintf("/run/containers/%u/auth.json", (unsigned)getuid());
}

char *auth_encode(const char *user, const char *password)
{
	_cleanup_free_ char *plain = xasprintf("%s:%s", user, password);
	size_t n = strlen(plain);
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)plain, (int)n);
	explicit_bzero(plain, n);
	return out;
}

int auth_decode(const char *b64, struct credentials *ret, struct pea_error **err)
{
	size_t n = strlen(b64), pad = 0;
	_cleanup_free_ char *out = NULL;
	char *colon;
	int len;

	if (n == 0 || n % 4 != 0 || n > 65536)
		return pea_error_new(err, EINVAL, "malformed base64 in 'auth'");
	out = xzalloc(n / 4 * 3 + 1);
	len = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)b64, (int)n);
	if (len < 0)
		return pea_error_new(err, EINVAL, "malformed base64 in 'auth'");
	pad = (b64[n - 1] == '=') + (b64[n - 2] == '=');
	out[len - (int)pad] = '\0';
	colon = strchr(out, ':');
	if (!colon)
		return pea_error_new(err, EINVAL, "'auth' does not decode to 'user:password'");
	*colon = '\0';
	ret->user = xstrdup(out);
	ret->password = xstrdup(colon + 1);
	explicit_bzero(out, (size_t)len);
	return 0;
}

char *auth_normalize_key(const char *key)
{
	const char *k = key;
	char *out;
	size_t n;

	if (strncmp(k, "https://", 8) == 0)
		k += 8;
	else if (strncmp(k, "http://", 7) == 0)
		k += 7;
	out = xstrdup(k);
	n = strlen(out);
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
	if (n > 3 && (strcmp(out + n - 3, "/v1") == 0 || strcmp(out + n - 3, "/v2") == 0))
		out[n - 3] = '\0';
	if (strcmp(out, "index.docker.io") == 0 || strcmp(out, "registry-1.docker.io") == 0) {
		free(out);
		out = xstrdup("docker.io");
	}
	return out;
}

/* The "auths" object of a file (for ~/.dockercfg, the whole file). */
static struct json_object *auths_of(struct json_object *doc, bool legacy)
{
	struct json_object *auths = NULL;

	if (legacy)
		return doc;
	if (!json_object_object_get_ex(doc, "auths", &auths) ||
	    !json_object_is_type(auths, json_type_object))
		return NULL;
	return auths;
}

static int lookup_in(struct json_object *auths, const char *path, const char *name,
		     struct credentials *ret, bool *ret_found, struct pea_error **err)
{
	_cleanup_free_ char *want = xstrdup(name);

	/* "host/a/b", then "host/a", then "host". */
	for (;;) {
		json_object_object_foreach(auths, key, entry)
		{
			_cleanup_free_ char *norm = auth_normalize_key(key);
			const char *b64 = NULL, *tok = NULL;

			if (strcmp(norm, want) != 0 ||
			    !json_object_is_type(entry, json_type_object))
				continue;
			if (pea_json_get_string_opt(entry, key, "auth", &b64, err) < 0 ||
			    pea_json_get_string_opt(entry, key, "identitytoken", &tok, err) < 0)
				return pea_error_wrap(err, "'%s'", path);
			if (b64 && *b64 && auth_decode(b64, ret, err) < 0)
				return pea_error_wrap(err, "'%s': key '%s'", path, key);
			if (tok && *tok)
				ret->identity_token = xstrdup(tok);
			if (ret->user || ret->identity_token) {
				*ret_found = true;
				return 0;
			}
		}
		{
			char *slash = strrchr(want, '/');

			if (!slash)
				return 0;
			*slash = '\0';
		}
	}
}

/*
 * docker-credential-HELPER get: the host on standard input, {"Username": ...,
 * "Secret": ...} on standard output; "<token>" as the user means an identity token.
 */
int auth_helper_get(const char *helper, const char *host, struct credentials *ret, bool *ret_found,
		    struct pea_error **err)
{
	_cleanup_free_ char *prog = xasprintf("docker-credential-%s", helper);
	char *argv[] = { prog, (char *)"get", NULL };
	_cleanup_close_ int out = memfd_create("credential-helper", MFD_CLOEXEC);
	_cleanup_close_ int in = memfd_create("credential-host", MFD_CLOEXEC);
	_cleanup_close_ int errfd = memfd_create("credential-stderr", MFD_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ struct json_object *doc = NULL;
	const char *user = NULL, *secret = NULL;
	size_t len = 0;
	int status = 0;
	pid_t pid;

	if (out < 0 || in < 0 || errfd < 0)
		return pea_error_errno(err, "memfd_create");
	if (pea_write_all(in, host, strlen(host), err) < 0 || lseek(in, 0, SEEK_SET) < 0)
		return -EIO;
	{
		struct pea_fd_map fds[] = { { in, STDIN_FILENO },
					    { out, STDOUT_FILENO },
					    { errfd, STDERR_FILENO } };
		struct pea_spawn sp = { .argv = argv, .fds = fds, .nfds = 3 };

		if (pea_spawn(&sp, &pid, NULL, err) < 0 || pea_wait(pid, -1, -1, &status, err) < 0)
			return pea_error_wrap(err, "credential helper '%s'", prog);
	}
	if (lseek(out, 0, SEEK_SET) < 0 || pea_read_all(out, 1u << 20, &buf, &len, err) < 0)
		return pea_error_wrap(err, "credential helper '%s'", prog);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (buf && strstr(buf, "credentials not found"))
			return 0;
		if (!buf || !*buf) {
			free(buf);
			buf = NULL;
			if (lseek(errfd, 0, SEEK_SET) == 0)
				pea_read_all(errfd, 4096, &buf, &len, NULL);
		}
		while (buf && len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		return pea_error_new(err, EIO, "credential helper '%s' failed for '%s'%s%s", prog,
				     host, buf && *buf ? ": " : "", buf ? buf : "");
	}
	if (pea_json_parse(buf, len, prog, &doc, err) < 0 ||
	    pea_json_get_string_opt(doc, "", "Username", &user, err) < 0 ||
	    pea_json_get_string_req(doc, "", "Secret", &secret, err) < 0)
		return pea_error_wrap(err, "credential helper '%s'", prog);
	if (user && strcmp(user, "<token>") == 0) {
		ret->identity_token = xstrdup(secret);
		ret->user = xstrdup("");
	} else {
		ret->user = xstrdup(user ? user : "");
		ret->password = xstrdup(secret);
	}
	*ret_found = true;
	return 0;
}

/* credHelpers (per registry) or credsStore (all registries) of a docker-style file. */
static int lookup_helpers(struct json_object *doc, const char *name, struct credentials *ret,
			  bool *ret_found, struct pea_error **err)
{
	_cleanup_free_ char *host = xstrndup(name, strcspn(name, "/"));
	struct json_object *helpers = NULL, *h = NULL;

	if (json_object_object_get_ex(doc, "credHelpers", &helpers) &&
	    json_object_is_type(helpers, json_type_object) &&
	    json_object_object_get_ex(helpers, host, &h) &&
	    json_object_is_type(h, json_type_string))
		return auth_helper_get(json_object_get_string(h), host, ret, ret_found, err);
	if (json_object_object_get_ex(doc, "credsStore", &h) &&
	    json_object_is_type(h, json_type_string) && *json_object_get_string(h))
		return auth_helper_get(json_object_get_string(h), host, ret, ret_found, err);
	return 0;
}

static int lookup_file(const char *path, bool legacy, const char *name, struct credentials *ret,
		       bool *ret_found, struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	struct json_object *auths;

	if (!pea_path_exists_at(AT_FDCWD, path))
		return 0;
	if (pea_json_parse_file_at(AT_FDCWD, path, AUTH_FILE_MAX, &doc, err) < 0)
		return pea_error_wrap(err, "reading credentials");
	if (!json_object_is_type(doc, json_type_object))
		return pea_error_new(err, EINVAL, "'%s' is not a JSON object", path);
	if (!legacy && lookup_helpers(doc, name, ret, ret_found, err) < 0)
		return pea_error_wrap(err, "'%s'", path);
	if (*ret_found)
		return 0;
	auths = auths_of(doc, legacy);
	if (!auths)
		return 0;
	return lookup_in(auths, path, name, ret, ret_found, err);
}

int auth_lookup(const char *authfile, const char *name, struct credentials *ret,
		struct pea_error **err)
{
	const char *home = getenv("HOME");
	const char *xdg_config = getenv("XDG_CONFIG_HOME");
	_cleanup_free_ char *primary = authfile ? xstrdup(authfile) : auth_primary_path();
	_cleanup_free_ char *user = NULL, *docker = NULL, *dockercfg = NULL;
	bool found = false;

	if (xdg_config && *xdg_config)
		user = xasprintf("%s/containers/auth.json", xdg_config);
	else if (home)
		user = xasprintf("%s/.config/containers/auth.json", home);
	if (home) {
		docker = xasprintf("%s/.docker/config.json", home);
		dockercfg = xasprintf("%s/.dockercfg", home);
	}
	if (lookup_file(primary, false, name, ret, &found, err) < 0)
		return -EINVAL;
	if (!found && !authfile && user && lookup_file(user, false, name, ret, &found, err) < 0)
		return -EINVAL;
	if (!found && docker && lookup_file(docker, false, name, ret, &found, err) < 0)
		return -EINVAL;
	if (!found && dockercfg && lookup_file(dockercfg, true, name, ret, &found, err) < 0)
		return -EINVAL;
	return 0;
}

static int load_for_update(const char *path, struct json_object **ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	struct json_object *auths = NULL;

	if (pea_path_exists_at(AT_FDCWD, path)) {
		if (pea_json_parse_file_at(AT_FDCWD, path, AUTH_FILE_MAX, &doc, err) < 0)
			return -EINVAL;
		if (!json_object_is_type(doc, json_type_object))
			return pea_error_new(err, EINVAL, "'%s' is not a JSON object", path);
	} else {
		doc = json_object_new_object();
	}
	if (!json_object_object_get_ex(doc, "auths", &auths)) {
		json_object_object_add(doc, "auths", json_object_new_object());
	} else if (!json_object_is_type(auths, json_type_object)) {
		return pea_error_new(err, EINVAL, "'%s': 'auths' is not an object", path);
	}
	*ret = TAKE_PTR(doc);
	return 0;
}

static int save(const char *path, struct json_object *doc, struct pea_error **err)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *text;

	if (slash && slash != dir) {
		*slash = '\0';
		if (!pea_path_exists_at(AT_FDCWD, dir) &&
		    pea_mkdir_p_at(AT_FDCWD, dir, 0700, NULL, err) < 0)
			return -EINVAL;
	}
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_SPACED |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	{
		_cleanup_free_ char *withnl = xasprintf("%s\n", text);

		return pea_write_file_atomic_at(AT_FDCWD, path, withnl, strlen(withnl), 0600, err);
	}
}

int auth_store(const char *path, const char *key, const char *user, const char *password,
	       struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	_cleanup_free_ char *b64 = auth_encode(user, password);
	struct json_object *auths = NULL, *entry;

	if (load_for_update(path, &doc, err) < 0)
		return -EINVAL;
	json_object_object_get_ex(doc, "auths", &auths);
	entry = json_object_new_object();
	json_object_object_add(entry, "auth", json_object_new_string(b64));
	json_object_object_add(auths, key, entry);
	return save(path, doc, err);
}

int auth_remove(const char *path, const char *key, bool all, bool *ret_found,
		struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	struct json_object *auths = NULL;
	_cleanup_strv_ char **drop = NULL;

	*ret_found = false;
	if (!pea_path_exists_at(AT_FDCWD, path))
		return 0;
	if (load_for_update(path, &doc, err) < 0)
		return -EINVAL;
	json_object_object_get_ex(doc, "auths", &auths);
	{
		json_object_object_foreach(auths, k, v)
		{
			_cleanup_free_ char *norm = auth_normalize_key(k);

			(void)v;
			if (all || strcmp(norm, key) == 0)
				pea_strv_push(&drop, k);
		}
	}
	for (size_t i = 0; drop && drop[i]; i++)
		json_object_object_del(auths, drop[i]);
	*ret_found = drop != NULL;
	if (!drop)
		return 0;
	return save(path, doc, err);
}
