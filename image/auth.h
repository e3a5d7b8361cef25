#pragma once

/*
 * Credentials in containers-auth.json(5) files: {"auths": {"KEY": {"auth":
 * base64("user:password")}}}, KEY a host ("docker.io") or a namespace
 * ("quay.io/user/repo"). Read in order: the primary file (or the one given),
 * ~/.config/containers/auth.json, ~/.docker/config.json, ~/.dockercfg.
 */

#include <stdbool.h>

struct pea_error;

#define AUTH_FILE_MAX (4u << 20)

struct credentials {
	char *user;
	char *password;
	char *identity_token;
};

void credentials_clear(struct credentials *c);

/* The read/write file: $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json,
 * else /run/containers/UID/auth.json. New string. */
char *auth_primary_path(void);

/*
 * Credentials for name ("host/path", or "host"): the most specific key wins.
 * authfile overrides the primary file. Nothing found is not an error
 * (*ret stays empty).
 */
int auth_lookup(const char *authfile, const char *name, struct credentials *ret,
		struct pea_error **err);

/* docker-credential-HELPER get for host; *ret_found false when it has none. */
int auth_helper_get(const char *helper, const char *host, struct credentials *ret, bool *ret_found,
		    struct pea_error **err);

/* Store credentials for key in path (created 0600, its folder 0700). */
int auth_store(const char *path, const char *key, const char *user, const char *password,
	       struct pea_error **err);
/* Remove key (or every key with all); *ret_found tells whether one was there. */
int auth_remove(const char *path, const char *key, bool all, bool *ret_found,
		struct pea_error **err);

/* "user:password" -> base64, and back. New strings. */
char *auth_encode(const char *user, const char *password);
int auth_decode(const char *b64, struct credentials *ret, struct pea_error **err);
/* Normalise an auth file key: drop "https://", "/v1/", map index.docker.io to docker.io. */
char *auth_normalize_key(const char *key);
