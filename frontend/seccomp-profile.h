#pragma once

/*
 * The container's seccomp filter: pea's built-in default profile
 * (config/seccomp.json, embedded in pea), containers.conf's
 * [containers] seccomp_profile, --security-opt seccomp=unconfined|FILE.
 * The record's security object holds "seccomp_profile": absent for the
 * default, null for none, the profile's text otherwise (with
 * "seccomp_profile_path" naming its file).
 */

#include <stddef.h>

struct json_object;
struct pea_error;

/* The built-in profile's text (not NUL-terminated). */
void seccomp_profile_builtin(const char **ret_text, size_t *ret_len);
/*
 * containers.conf's seccomp_profile (a path, "unconfined", NULL or "" for
 * the built-in one) at create: read and checked into *sec (made when NULL)
 * unless --privileged or --security-opt seccomp= chose already.
 */
int seccomp_profile_from_conf(struct json_object **sec, const char *path, struct pea_error **err);
/*
 * spec's linux.seccomp for sec (NULL: no security options): none when
 * privileged or unconfined. caps: the container's bounding set for the
 * profile's includes/excludes; NULL takes spec's process.capabilities.bounding.
 */
int seccomp_profile_apply(struct json_object *sec, struct json_object *spec, char *const *caps,
			  struct pea_error **err);
/*
 * Keep the converted profiles in DIR/seccomp (the run root: config.json's
 * seccomp object for each profile and bounding set, read back by the next
 * start instead of converting again); NULL: no cache, the default.
 */
void seccomp_profile_cache_at(const char *dir);
/* inspect's HostConfig.SecurityOpt as podman's: no-new-privileges, seccomp=... */
struct json_object *seccomp_profile_inspect(struct json_object *sec);
