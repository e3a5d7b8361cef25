/*
 * run/create --userns, --uidmap, --gidmap (podman-run(1)): a user namespace
 * of the container's own, its id maps given to pea-storage (the layers are
 * mapped to match) and written into config.json.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/rootless.h"
#include "frontend/userns.h"

#define ID_SPACE 4294967296ull

void userns_opts_clear(struct userns_opts *u)
{
	free(u->mode);
	pea_strv_free(u->uidmap);
	pea_strv_free(u->gidmap);
	free(u->uid_map);
	free(u->gid_map);
	free(u->user);
	memset(u, 0, sizeof(*u));
}

static bool parse_u32(const char *s, const char **end, unsigned long long *ret)
{
	char *e = NULL;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*ret = strtoull(s, &e, 10);
	*end = e;
	return errno == 0 && *ret < ID_SPACE;
}

/* CONTAINER:HOST:SIZE, each below 2^32, SIZE > 0, no range past 2^32. */
static bool map_valid(const char *s)
{
	unsigned long long c, h, n;
	const char *p = s;

	if (!parse_u32(p, &p, &c) || *p++ != ':' || !parse_u32(p, &p, &h) || *p++ != ':' ||
	    !parse_u32(p, &p, &n) || *p)
		return false;
	return n > 0 && c + n <= ID_SPACE && h + n <= ID_SPACE;
}

int userns_opts_add(struct userns_opts *u, enum userns_flag flag, const char *arg,
		    struct pea_error **err)
{
	switch (flag) {
	case USERNS_FLAG_MODE:
		free(u->mode);
		u->mode = xstrdup(arg);
		return 0;
	case USERNS_FLAG_UIDMAP:
	case USERNS_FLAG_GIDMAP:
		if (!map_valid(arg))
			return pea_error_new(err, EINVAL,
					     "invalid --%s '%s': want CONTAINER:HOST:SIZE",
					     flag == USERNS_FLAG_UIDMAP ? "uidmap" : "gidmap", arg);
		pea_strv_push(flag == USERNS_FLAG_UIDMAP ? &u->uidmap : &u->gidmap, arg);
		return 0;
	default:
		return pea_error_new(err, EINVAL, "unknown user namespace flag");
	}
}

/* The ids of rootless pea's own namespace: 1 (the user) and the ranges of /etc/subuid. */
static unsigned long long own_ids(bool gids)
{
	const char *file = gids ? "/proc/self/gid_map" : "/proc/self/uid_map";
	unsigned long long total = 0, in, out, n;
	FILE *f = fopen(file, "re");

	if (!f)
		return 65536;
	while (fscanf(f, "%llu %llu %llu", &in, &out, &n) == 3)
		if (in + n > total)
			total = in + n;
	fclose(f);
	return total ? total : 65536;
}

/*
 * keep-id: the user's own id (outside) is the same id inside, mapped to 0 of
 * pea's namespace (the user); the ids below it to 1.., the rest to themselves.
 */
static char *keep_id_map(unsigned long long id, unsigned long long total)
{
	char *m;

	if (id == 0)
		return xasprintf("0:0:%llu", total);
	if (id >= total)
		return xasprintf("0:1:%llu,%llu:0:1", total - 1, id);
	m = xasprintf("0:1:%llu,%llu:0:1", id, id);
	if (id + 1 < total) {
		char *longer = xasprintf("%s,%llu:%llu:%llu", m, id + 1, id + 1, total - id - 1);
		free(m);
		m = longer;
	}
	return m;
}

int userns_opts_validate(struct userns_opts *u, struct pea_error **err)
{
	const char *m = u->mode ? u->mode : "";

	if ((u->uidmap || u->gidmap) && *m && strcmp(m, "host") != 0)
		return pea_error_new(err, EINVAL,
				     "--userns=%s cannot be combined with --uidmap or --gidmap", m);
	if (u->gidmap && !u->uidmap)
		return pea_error_new(err, EINVAL, "--gidmap needs --uidmap");
	if (u->uidmap) {
		u->uid_map = pea_strv_join(u->uidmap, ",");
		u->gid_map = pea_strv_join(u->gidmap ? u->gidmap : u->uidmap, ",");
		return 0;
	}
	if (!*m || strcmp(m, "host") == 0)
		return 0;
	if (strcmp(m, "keep-id") == 0) {
		if (!rootless_detect())
			return pea_error_new(err, EINVAL,
					     "keep-id is only supported in rootless mode");
		u->uid_map = keep_id_map(rootless_uid(), own_ids(false));
		u->gid_map = keep_id_map(rootless_gid(), own_ids(true));
		u->user = xasprintf("%u:%u", (unsigned)rootless_uid(), (unsigned)rootless_gid());
		return 0;
	}
	return pea_error_new(err, EINVAL,
			     "invalid --userns '%s': use host or keep-id (auto, nomap, ns: and "
			     "container: are not supported yet)",
			     m);
}

void userns_opts_to_json(const struct userns_opts *u, struct json_object *opts)
{
	if (!u->uid_map)
		return;
	json_object_object_add(opts, "uid_map", json_object_new_string(u->uid_map));
	json_object_object_add(opts, "gid_map", json_object_new_string(u->gid_map));
	if (u->user)
		json_object_object_add(opts, "userns_user", json_object_new_string(u->user));
}

/* "C:H:N,..." into [{containerID, hostID, size}, ...]. */
static struct json_object *mappings_json(const char *map)
{
	_cleanup_strv_ char **v = pea_strv_split(map, ",");
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; v && v[i]; i++) {
		unsigned long long c = 0, h = 0, n = 0;
		struct json_object *o;

		if (sscanf(v[i], "%llu:%llu:%llu", &c, &h, &n) != 3)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "containerID", json_object_new_int64((int64_t)c));
		json_object_object_add(o, "hostID", json_object_new_int64((int64_t)h));
		json_object_object_add(o, "size", json_object_new_int64((int64_t)n));
		json_object_array_add(a, o);
	}
	return a;
}

void userns_spec(struct json_object *opts, struct json_object *linux_obj)
{
	const char *um = NULL, *gm = NULL;
	struct json_object *nss = NULL, *ns;

	if (pea_json_get_string_opt(opts, "opts", "uid_map", &um, NULL) != 1 || !um)
		return;
	(void)pea_json_get_string_opt(opts, "opts", "gid_map", &gm, NULL);
	if (!json_object_object_get_ex(linux_obj, "namespaces", &nss))
		return;
	ns = json_object_new_object();
	json_object_object_add(ns, "type", json_object_new_string("user"));
	json_object_array_add(nss, ns);
	json_object_object_add(linux_obj, "uidMappings", mappings_json(um));
	json_object_object_add(linux_obj, "gidMappings", mappings_json(gm ? gm : um));
}

const char *userns_default_user(struct json_object *opts)
{
	const char *u = NULL;

	(void)pea_json_get_string_opt(opts, "opts", "userns_user", &u, NULL);
	return u;
}
