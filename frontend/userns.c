/*
 * run/create --userns, --uidmap, --gidmap (podman-run(1)): a user namespace
 * of the container's own, its id maps given to pea-storage (the layers are
 * mapped to match) and written into config.json.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/toml.h"
#include "lib/xalloc.h"
#include "frontend/config.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/rootless.h"
#include "frontend/userns.h"
#include "frontend/volumes-run.h"

#define ID_SPACE 4294967296ull
/* podman's auto_userns_min_size and auto_userns_max_size */
#define AUTO_MIN_SIZE 1024ul
#define AUTO_MAX_SIZE 65536ul
#define MAX_RANGES    64
#define PASSWD_MAX    (4u << 20)

struct range {
	unsigned long long c, h, n; /* container id, host id, count */
};

void userns_opts_clear(struct userns_opts *u)
{
	free(u->mode);
	pea_strv_free(u->uidmap);
	pea_strv_free(u->gidmap);
	free(u->uid_map);
	free(u->gid_map);
	free(u->user);
	free(u->mode_from);
	free(u->join);
	json_object_put(u->passwd);
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
static bool map_parse_one(const char *s, struct range *ret)
{
	const char *p = s;
	struct range r;

	if (!parse_u32(p, &p, &r.c) || *p++ != ':' || !parse_u32(p, &p, &r.h) || *p++ != ':' ||
	    !parse_u32(p, &p, &r.n) || *p)
		return false;
	if (r.n == 0 || r.c + r.n > ID_SPACE || r.h + r.n > ID_SPACE)
		return false;
	*ret = r;
	return true;
}

/* "C:H:N,..." (as validated) into ranges; returns how many. */
static size_t map_parse(const char *map, struct range *ret, size_t max)
{
	_cleanup_strv_ char **v = pea_strv_split(map, ",");
	size_t n = 0;

	for (size_t i = 0; v && v[i] && n < max; i++)
		if (map_parse_one(v[i], &ret[n]))
			n++;
	return n;
}

/* The host id of container id c through map, or false. */
static bool map_to_host(const char *map, unsigned long long c, unsigned long long *ret)
{
	struct range r[MAX_RANGES];
	size_t n = map_parse(map, r, MAX_RANGES);

	for (size_t i = 0; i < n; i++)
		if (c >= r[i].c && c - r[i].c < r[i].n) {
			*ret = r[i].h + (c - r[i].c);
			return true;
		}
	return false;
}

int userns_opts_add(struct userns_opts *u, enum userns_flag flag, const char *arg,
		    struct pea_error **err)
{
	struct range r;

	switch (flag) {
	case USERNS_FLAG_MODE:
		free(u->mode);
		u->mode = xstrdup(arg);
		u->mode_given = true;
		return 0;
	case USERNS_FLAG_UIDMAP:
	case USERNS_FLAG_GIDMAP:
		if (!map_parse_one(arg, &r))
			return pea_error_new(err, EINVAL,
					     "invalid --%s '%s': want CONTAINER:HOST:SIZE",
					     flag == USERNS_FLAG_UIDMAP ? "uidmap" : "gidmap", arg);
		if (pea_strv_length(flag == USERNS_FLAG_UIDMAP ? u->uidmap : u->gidmap) >=
		    MAX_RANGES)
			return pea_error_new(err, EINVAL, "more than %d --%s", MAX_RANGES,
					     flag == USERNS_FLAG_UIDMAP ? "uidmap" : "gidmap");
		pea_strv_push(flag == USERNS_FLAG_UIDMAP ? &u->uidmap : &u->gidmap, arg);
		return 0;
	default:
		return pea_error_new(err, EINVAL, "unknown user namespace flag");
	}
}

/* The number of ids of rootless pea's own namespace: 1 (the user) and its /etc/subuid ranges. */
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
 * keep-id: the user (0 of pea's namespace) is container id `id`; the ids below it
 * are 1.. of pea's namespace, the rest themselves.
 */
static char *keep_id_map(unsigned long long id, unsigned long long total)
{
	char *m;

	/* one range of it all is refused (EPERM) where these two are not */
	if (id == 0)
		return xasprintf("0:0:1,1:1:%llu", total - 1);
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

/* Rootless: every host id of the maps must be one of pea's namespace. */
static int check_own_ids(char **maps, const char *flag, struct pea_error **err)
{
	unsigned long long total = own_ids(strcmp(flag, "gidmap") == 0);

	for (size_t i = 0; maps && maps[i]; i++) {
		struct range r;

		if (!map_parse_one(maps[i], &r))
			continue;
		if (r.h + r.n > total)
			return pea_error_new(
				err, EINVAL,
				"invalid --%s '%s': the ids %llu to %llu are not in the "
				"user namespace of rootless mode (0 to %llu: your own "
				"id, then your ranges of /etc/sub%cid)",
				flag, maps[i], r.h, r.h + r.n - 1, total - 1, flag[0]);
	}
	return 0;
}

static int validate_maps(struct userns_opts *u, struct pea_error **err)
{
	if (rootless_detect() && (check_own_ids(u->uidmap, "uidmap", err) < 0 ||
				  check_own_ids(u->gidmap, "gidmap", err) < 0))
		return -1;
	/* either alone serves for both, as podman */
	u->uid_map = pea_strv_join(u->uidmap ? u->uidmap : u->gidmap, ",");
	u->gid_map = pea_strv_join(u->gidmap ? u->gidmap : u->uidmap, ",");
	return 0;
}

/* "KEY=N" of a --userns option; false when it is not a number below 2^32. */
static bool option_number(const char *value, unsigned long long *ret)
{
	const char *end;

	return parse_u32(value, &end, ret) && !*end;
}

/* The user's /etc/passwd and /etc/group entries for keep-id, as podman adds them. */
static struct json_object *keep_id_passwd(unsigned long long uid, unsigned long long gid,
					  bool uid_set, bool gid_set)
{
	struct passwd *pw = getpwuid(rootless_uid());
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *uname = NULL, *gname = NULL;

	uname = uid_set || !pw ? xasprintf("%llu", uid) : xstrdup(pw->pw_name);
	gname = gid_set || !pw ? xasprintf("%llu", gid) : xstrdup(pw->pw_name);
	json_object_object_add(o, "name", json_object_new_string(uname));
	json_object_object_add(o, "uid", json_object_new_int64((int64_t)uid));
	json_object_object_add(o, "gid", json_object_new_int64((int64_t)gid));
	json_object_object_add(
		o, "gecos",
		json_object_new_string(uid_set || !pw ? "container user" : pw->pw_gecos));
	json_object_object_add(o, "home", json_object_new_string(pw ? pw->pw_dir : "/"));
	json_object_object_add(o, "group", json_object_new_string(gname));
	return o;
}

static int validate_keep_id(struct userns_opts *u, char **options, struct pea_error **err)
{
	unsigned long long uid = rootless_uid(), gid = rootless_gid();
	bool uid_set = false, gid_set = false;

	if (!rootless_detect())
		return pea_error_new(err, EINVAL, "keep-id is only supported in rootless mode");
	for (size_t i = 0; options && options[i]; i++) {
		const char *o = options[i];

		if (!strncmp(o, "uid=", 4) && option_number(o + 4, &uid))
			uid_set = true;
		else if (!strncmp(o, "gid=", 4) && option_number(o + 4, &gid))
			gid_set = true;
		else if (!strncmp(o, "uid=", 4) || !strncmp(o, "gid=", 4))
			return pea_error_new(err, EINVAL,
					     "invalid --userns '%s': %.3s must be a number below "
					     "4294967296",
					     u->mode, o);
		else
			return pea_error_new(err, EINVAL, "unknown option specified: \"%s\"", o);
	}
	u->uid_map = keep_id_map(uid, own_ids(false));
	u->gid_map = keep_id_map(gid, own_ids(true));
	u->user = xasprintf("%llu:%llu", uid, gid);
	u->passwd = keep_id_passwd(uid, gid, uid_set, gid_set);
	return 0;
}

static int validate_auto(struct userns_opts *u, char **options, struct pea_error **err)
{
	unsigned long long size = 0;

	for (size_t i = 0; options && options[i]; i++) {
		const char *o = options[i];

		if (!strncmp(o, "size=", 5)) {
			if (!option_number(o + 5, &size) || size == 0)
				return pea_error_new(err, EINVAL,
						     "invalid --userns '%s': size must be a "
						     "number from 1 to 4294967295",
						     u->mode);
		} else if (!strncmp(o, "uidmapping=", 11) || !strncmp(o, "gidmapping=", 11)) {
			return pea_error_new(err, ENOTSUP,
					     "--userns '%s': the %.10s option is not supported yet",
					     u->mode, o);
		} else {
			return pea_error_new(err, EINVAL, "unknown option specified: \"%s\"", o);
		}
	}
	u->is_auto = true;
	u->auto_size = (unsigned long)size;
	return 0;
}

int userns_opts_defaults(const struct global_options *g, struct userns_opts *u,
			 struct pea_error **err)
{
	_cleanup_strv_ char **paths = NULL;

	if (u->mode || u->uidmap || u->gidmap || getenv("PODMAN_USERNS"))
		return 0;
	paths = containers_conf_paths(g);
	for (size_t i = 0; paths && paths[i]; i++) {
		_cleanup_json_ struct json_object *doc = NULL;
		_cleanup_free_ char *buf = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		struct json_object *ctr = NULL;
		const char *mode = NULL;
		size_t len;

		if (pea_read_file_at(AT_FDCWD, paths[i], PEA_TOML_MAX_SIZE, &buf, &len, &e) < 0) {
			if (e->code == ENOENT)
				continue;
			*err = TAKE_PTR(e);
			return pea_error_wrap(err, "containers.conf");
		}
		if (config_toml_parse(buf, len, paths[i], &doc, err) < 0 ||
		    pea_json_get_object_opt(doc, "", "containers", &ctr, err) < 0 ||
		    (ctr && pea_json_get_string_opt(ctr, "containers", "userns", &mode, err) < 0))
			return pea_error_wrap(err, "containers.conf");
		if (!mode)
			continue;
		free(u->mode);
		free(u->mode_from);
		u->mode = xstrdup(mode);
		u->mode_from = xstrdup(paths[i]);
	}
	return 0;
}

static int validate_mode(struct userns_opts *u, struct pea_error **err);

int userns_opts_validate(struct userns_opts *u, struct pea_error **err)
{
	if (validate_mode(u, err) < 0) {
		if (u->mode_from)
			return pea_error_wrap(err, "containers.conf: %s: 'containers.userns'",
					      u->mode_from);
		return -1;
	}
	return 0;
}

static int validate_mode(struct userns_opts *u, struct pea_error **err)
{
	_cleanup_strv_ char **options = NULL;
	_cleanup_free_ char *name = NULL;
	const char *m = u->mode ? u->mode : "", *colon;

	if ((u->uidmap || u->gidmap) && *m)
		return pea_error_new(err, EINVAL,
				     "--userns and --uidmap/--gidmap/--subuidname/--subgidname "
				     "are mutually exclusive");
	if (u->uidmap || u->gidmap)
		return validate_maps(u, err);
	/* podman's default for --userns */
	if (!u->mode && getenv("PODMAN_USERNS") && *getenv("PODMAN_USERNS")) {
		u->mode = xstrdup(getenv("PODMAN_USERNS"));
		m = u->mode;
	}
	if (!*m || strcmp(m, "host") == 0)
		return 0;
	colon = strchr(m, ':');
	name = colon ? xstrndup(m, (size_t)(colon - m)) : xstrdup(m);
	options = colon ? pea_strv_split(colon + 1, ",") : NULL;
	if (strcmp(name, "keep-id") == 0)
		return validate_keep_id(u, options, err);
	if (strcmp(name, "auto") == 0)
		return validate_auto(u, options, err);
	if (strcmp(name, "nomap") == 0) {
		if (!rootless_detect())
			return pea_error_new(err, EINVAL,
					     "nomap is only supported in rootless mode");
		if (colon)
			return pea_error_new(err, EINVAL,
					     "invalid --userns '%s': nomap takes no options", m);
		/* the user's ranges, without the user */
		u->uid_map = xasprintf("0:1:%llu", own_ids(false) - 1);
		u->gid_map = xasprintf("0:1:%llu", own_ids(true) - 1);
		return 0;
	}
	if (strcmp(name, "ns") == 0 || strcmp(name, "container") == 0 ||
	    strcmp(name, "private") == 0)
		return pea_error_new(err, ENOTSUP, "--userns=%s is not supported yet", m);
	return pea_error_new(err, EINVAL, "unrecognized namespace mode %s passed", m);
}

int userns_opts_from_infra(const struct global_options *g, struct userns_opts *u,
			   const char *infra_id, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *infra = NULL;
	const char *um = NULL, *gm = NULL;

	if (record_lookup(g, infra_id, &infra, err) < 0)
		return pea_error_wrap(err, "the pod's infra container");
	if (pea_json_get_string_opt(infra->opts, "opts", "uid_map", &um, NULL) != 1 || !um)
		return 0;
	/* podman's error for maps */
	if (u->uidmap || u->gidmap)
		return pea_error_new(err, EINVAL,
				     "cannot specify a new uid/gid map when entering a pod with an "
				     "infra container");
	if (u->mode_given)
		return pea_error_new(
			err, EINVAL,
			"--userns %s cannot be used with --pod: the pod's containers run "
			"in its user namespace",
			u->mode);
	(void)pea_json_get_string_opt(infra->opts, "opts", "gid_map", &gm, NULL);
	userns_opts_clear(u);
	u->uid_map = xstrdup(um);
	u->gid_map = xstrdup(gm ? gm : um);
	u->join = xstrdup(infra->id);
	return 0;
}

int userns_join_spec(const struct global_options *g, const struct ctr_record *r,
		     struct json_object *spec, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *infra = NULL;
	struct json_object *lx = NULL, *nss = NULL;
	const char *id = NULL;

	if (pea_json_get_string_opt(r->opts, "opts", "userns_join", &id, NULL) != 1 || !id ||
	    !json_object_object_get_ex(spec, "linux", &lx) ||
	    !json_object_object_get_ex(lx, "namespaces", &nss))
		return 0;
	if (record_lookup(g, id, &infra, err) < 0)
		return pea_error_wrap(err, "the pod's user namespace");
	record_sync_exit(g, infra);
	if (infra->state != CTR_RUNNING || infra->pid <= 0)
		return pea_error_new(err, EINVAL,
				     "the pod's user namespace: infra container %s is not running",
				     infra->name);
	for (size_t i = 0; i < json_object_array_length(nss); i++) {
		struct json_object *ns = json_object_array_get_idx(nss, i);
		const char *t = NULL;
		(void)pea_json_get_string_opt(ns, "", "type", &t, NULL);
		if (t && strcmp(t, "user") == 0) {
			_cleanup_free_ char *path = xasprintf("/proc/%d/ns/user", infra->pid);
			json_object_object_add(ns, "path", json_object_new_string(path));
		}
	}
	json_object_object_del(lx, "uidMappings");
	json_object_object_del(lx, "gidMappings");
	return 0;
}

void userns_opts_to_json(const struct userns_opts *u, struct json_object *opts)
{
	if (u->mode && *u->mode)
		json_object_object_add(opts, "userns", json_object_new_string(u->mode));
	if (u->is_auto)
		json_object_object_add(opts, "userns_auto_size",
				       json_object_new_int64((int64_t)u->auto_size));
	if (!u->uid_map)
		return;
	json_object_object_add(opts, "uid_map", json_object_new_string(u->uid_map));
	json_object_object_add(opts, "gid_map", json_object_new_string(u->gid_map));
	if (u->join)
		json_object_object_add(opts, "userns_join", json_object_new_string(u->join));
	if (u->user)
		json_object_object_add(opts, "userns_user", json_object_new_string(u->user));
	if (u->passwd)
		json_object_object_add(opts, "userns_passwd", json_object_get(u->passwd));
}

/* ---- --userns=auto ------------------------------------------------------------------- */

/* The lowest start of `size` ids inside one of avail[] that overlaps none of used[]. */
static bool find_free(const struct range *avail, size_t navail, const struct range *used,
		      size_t nused, unsigned long long size, unsigned long long *ret)
{
	for (size_t a = 0; a < navail; a++) {
		unsigned long long start = avail[a].h, end = avail[a].h + avail[a].n;
		bool moved = true;

		while (moved && start + size <= end) {
			moved = false;
			for (size_t i = 0; i < nused; i++)
				if (used[i].h < start + size && start < used[i].h + used[i].n) {
					start = used[i].h + used[i].n;
					moved = true;
				}
		}
		if (start + size <= end) {
			*ret = start;
			return true;
		}
	}
	return false;
}

/* What the ids may come from: pea's namespace without the user (rootless), else containers'. */
static int auto_avail(bool gids, struct range **ret, size_t *ret_n, struct pea_error **err)
{
	const char *file = gids ? "/etc/subgid" : "/etc/subuid";
	_cleanup_free_ struct subid_range *r = NULL;
	size_t n = 0;

	if (rootless_detect()) {
		*ret = xnew(struct range, 1);
		(*ret)[0] = (struct range){ .h = 1, .n = own_ids(gids) - 1 };
		*ret_n = 1;
		return 0;
	}
	if (rootless_read_ranges(file, "containers", (uid_t)-1, &r, &n, err) < 0)
		return pea_error_wrap(err, "--userns=auto");
	*ret = xnew(struct range, n);
	for (size_t i = 0; i < n; i++)
		(*ret)[i] = (struct range){ .h = r[i].start, .n = r[i].count };
	*ret_n = n;
	return 0;
}

static int auto_one(bool gids, unsigned long long size, struct ctr_record *const *all, size_t n,
		    char **ret, struct pea_error **err)
{
	_cleanup_free_ struct range *avail = NULL, *used = NULL;
	size_t navail = 0, nused = 0;
	unsigned long long start;

	if (auto_avail(gids, &avail, &navail, err) < 0)
		return -1;
	used = xnew(struct range, (n + 1) * MAX_RANGES);
	for (size_t i = 0; i < n; i++) {
		const char *map = NULL;

		if (pea_json_get_string_opt(all[i]->opts, "opts", gids ? "gid_map" : "uid_map",
					    &map, NULL) == 1 &&
		    map)
			nused += map_parse(map, used + nused, MAX_RANGES);
	}
	if (!find_free(avail, navail, used, nused, size, &start))
		return pea_error_new(err, ENOSPC,
				     "--userns=auto: no %llu free %s left in the %s (other "
				     "containers with id maps use the rest)",
				     size, gids ? "gids" : "uids",
				     rootless_detect()
					     ? "user namespace of rootless mode"
					     : "ranges of user containers in /etc/subuid");
	*ret = xasprintf("0:%llu:%llu", start, size);
	return 0;
}

/* podman's estimate: the image's largest owner id + 1, within 1024 and 65536. */
static int auto_size_of(const struct global_options *g, const char *image, int64_t *ret,
			struct pea_error **err)
{
	const char *args[] = { "image", "ids", image, NULL };
	_cleanup_json_ struct json_object *res = NULL;
	int64_t uid = 0, gid = 0, size;

	if (store_call(g, args, &res, err) < 0 ||
	    pea_json_get_int64_opt(res, "result", "uid", &uid, err) < 0 ||
	    pea_json_get_int64_opt(res, "result", "gid", &gid, err) < 0)
		return pea_error_wrap(err, "--userns=auto: the ids of the image");
	size = (uid > gid ? uid : gid) + 1;
	if (size < (int64_t)AUTO_MIN_SIZE)
		size = AUTO_MIN_SIZE;
	if (size > (int64_t)AUTO_MAX_SIZE)
		size = AUTO_MAX_SIZE;
	*ret = size;
	return 0;
}

int userns_auto_allocate(const struct global_options *g, struct ctr_record *r,
			 struct ctr_record *const *all, size_t n, struct pea_error **err)
{
	_cleanup_free_ char *um = NULL, *gm = NULL;
	int64_t size = 0;

	if (pea_json_get_int64_opt(r->opts, "opts", "userns_auto_size", &size, NULL) != 1)
		return 0;
	if (size <= 0 && auto_size_of(g, r->image_id, &size, err) < 0)
		return -1;
	if (auto_one(false, (unsigned long long)size, all, n, &um, err) < 0 ||
	    auto_one(true, (unsigned long long)size, all, n, &gm, err) < 0)
		return -1;
	json_object_object_add(r->opts, "uid_map", json_object_new_string(um));
	json_object_object_add(r->opts, "gid_map", json_object_new_string(gm));
	return 0;
}

/* ---- config.json ---------------------------------------------------------------------- */

/* "C:H:N,..." into [{containerID, hostID, size}, ...]. */
static struct json_object *mappings_json(const char *map)
{
	struct json_object *a = json_object_new_array();
	struct range r[MAX_RANGES];
	size_t n = map_parse(map, r, MAX_RANGES);

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "containerID", json_object_new_int64((int64_t)r[i].c));
		json_object_object_add(o, "hostID", json_object_new_int64((int64_t)r[i].h));
		json_object_object_add(o, "size", json_object_new_int64((int64_t)r[i].n));
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

bool userns_root_ids(struct json_object *opts, unsigned long long *uid, unsigned long long *gid)
{
	const char *um = NULL, *gm = NULL;

	if (pea_json_get_string_opt(opts, "opts", "uid_map", &um, NULL) != 1 || !um)
		return false;
	(void)pea_json_get_string_opt(opts, "opts", "gid_map", &gm, NULL);
	return map_to_host(um, 0, uid) && map_to_host(gm ? gm : um, 0, gid);
}

const char *userns_default_user(struct json_object *opts)
{
	const char *u = NULL;

	(void)pea_json_get_string_opt(opts, "opts", "userns_user", &u, NULL);
	return u;
}

/* ---- before the start: what the container's root reaches ----------------------------- */

static bool path_under(const char *path, const char *dir)
{
	size_t n = dir ? strlen(dir) : 0;

	return n > 1 && strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/*
 * The folders from dir up, as long as they are pea's (under the graph or run root;
 * rootless: under HOME too, ~/.local/share as podman), searchable by others (o+x):
 * the container's root is another id, and the runtime looks the paths up as it.
 */
static int open_path(const struct global_options *g, const char *dir, struct pea_error **err)
{
	_cleanup_free_ char *p = xstrdup(dir);
	const char *home = getenv("HOME");
	uid_t me = geteuid();

	for (;;) {
		struct stat st;
		char *slash;

		if (!path_under(p, g->root) && !path_under(p, g->runroot) &&
		    !(g->rootless && path_under(p, home) && strcmp(p, home) != 0))
			return 0;
		if (stat(p, &st) < 0)
			return pea_error_errno(err, "stat '%s'", p);
		if (S_ISDIR(st.st_mode) && st.st_uid == me && !(st.st_mode & S_IXOTH) &&
		    chmod(p, (st.st_mode & 07777) | S_IXOTH) < 0)
			return pea_error_errno(err, "chmod '%s'", p);
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			return 0;
		*slash = '\0';
	}
}

/*
 * The folder of a run root's source that is not the container's own (a pod's,
 * holding its /dev/shm, a tmpfs of mode 1777): searchable by the container's root
 * through its group alone. The folders above it are everyone's to search
 * (open_path), so o+x here would open the pod's shm to every user of the host.
 */
static int group_path(const char *dir, unsigned long long gid, struct pea_error **err)
{
	struct stat st;
	mode_t mode;

	if (stat(dir, &st) < 0)
		return pea_error_errno(err, "stat '%s'", dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return 0;
	if (st.st_gid != (gid_t)gid && chown(dir, (uid_t)-1, (gid_t)gid) < 0)
		return pea_error_errno(err, "chown the folder '%s'", dir);
	mode = (st.st_mode & 0700) | S_IXGRP;
	if ((st.st_mode & 07777) != mode && chmod(dir, mode) < 0)
		return pea_error_errno(err, "chmod '%s'", dir);
	return 0;
}

/* The /etc files pea wrote in rundir: the container's root's own, as podman does. */
static int chown_etc_files(const char *rundir, unsigned long long uid, unsigned long long gid,
			   struct pea_error **err)
{
	static const char *const files[] = { "hostname", "hosts", "resolv.conf", "passwd",
					     "group" };
	_cleanup_close_ int dfd = open(rundir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", rundir);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (fchownat(dfd, files[i], (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno != ENOENT)
			return pea_error_errno(err, "chown '%s/%s'", rundir, files[i]);
	return 0;
}

static void add_bind(struct json_object *spec, const char *dest, const char *src)
{
	struct json_object *mounts = NULL;

	if (!json_object_object_get_ex(spec, "mounts", &mounts)) {
		mounts = json_object_new_array();
		json_object_object_add(spec, "mounts", mounts);
	}
	json_object_array_add(
		mounts,
		frontend_bind_mount(dest, src, (const char *const[]){ "rbind", "rprivate", NULL }));
}

/* Is there a line of db whose field 0 is name or field 2 is id? */
static bool db_has(const char *db, const char *name, long long id)
{
	_cleanup_free_ char *idstr = xasprintf("%lld", id);

	for (const char *line = db; line && *line;) {
		const char *end = strchrnul(line, '\n');
		size_t len = (size_t)(end - line), nlen = strlen(name), ilen = strlen(idstr);
		const char *f2 = line;

		if (len > nlen && !strncmp(line, name, nlen) && line[nlen] == ':')
			return true;
		for (int k = 0; k < 2 && f2 && f2 < end; k++) {
			f2 = memchr(f2, ':', (size_t)(end - f2));
			f2 = f2 ? f2 + 1 : NULL;
		}
		if (f2 && (size_t)(end - f2) >= ilen && !strncmp(f2, idstr, ilen) &&
		    (f2 + ilen == end || f2[ilen] == ':'))
			return true;
		line = *end ? end + 1 : end;
	}
	return false;
}

/* The container's db (file) with line added when it has no such name or id, into rundir/name. */
static int write_db(int rootfd, const char *file, const char *rundir, const char *name,
		    const char *ename, long long id, const char *line, struct json_object *spec,
		    struct pea_error **err)
{
	_cleanup_close_ int fd = -1, dfd = -1;
	_cleanup_free_ char *db = NULL, *text = NULL, *src = NULL;
	size_t len = 0;

	if (pea_open_in_root(rootfd, file, O_RDONLY, 0, &fd, NULL) == 0 &&
	    pea_read_all(fd, PASSWD_MAX, &db, &len, err) < 0)
		return pea_error_wrap(err, "read the container's '%s'", file);
	if (db_has(db, ename, id))
		return 0;
	text = xasprintf("%s%s%s\n", db ? db : "", len && db[len - 1] != '\n' ? "\n" : "", line);
	dfd = open(rundir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", rundir);
	if (pea_write_file_atomic_at(dfd, name, text, strlen(text), 0644, err) < 0)
		return -1;
	src = xasprintf("%s/%s", rundir, name);
	add_bind(spec, file, src);
	return 0;
}

/* HOME: the user's own where the container has it (or a mount at or above it), else the cwd. */
static char *keep_id_home(int rootfd, const char *home, struct json_object *spec)
{
	struct json_object *mounts = NULL, *cwd = NULL, *proc = NULL;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *p = xstrdup(home);

	if (pea_open_in_root(rootfd, home, O_PATH | O_DIRECTORY, 0, &fd, NULL) == 0)
		return xstrdup(home);
	json_object_object_get_ex(spec, "mounts", &mounts);
	while (strcmp(p, "/") != 0 && *p) {
		char *slash;

		for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
			struct json_object *d = NULL;

			if (json_object_object_get_ex(json_object_array_get_idx(mounts, i),
						      "destination", &d) &&
			    strcmp(json_object_get_string(d), p) == 0)
				return xstrdup(home);
		}
		slash = strrchr(p, '/');
		if (!slash)
			break;
		slash[slash == p ? 1 : 0] = '\0';
	}
	if (json_object_object_get_ex(spec, "process", &proc) &&
	    json_object_object_get_ex(proc, "cwd", &cwd))
		return xstrdup(json_object_get_string(cwd));
	return xstrdup("/");
}

static void set_home(struct json_object *spec, const char *home)
{
	struct json_object *proc = NULL, *env = NULL;
	_cleanup_free_ char *kv = xasprintf("HOME=%s", home);

	if (!json_object_object_get_ex(spec, "process", &proc) ||
	    !json_object_object_get_ex(proc, "env", &env))
		return;
	for (size_t i = 0; i < json_object_array_length(env); i++)
		if (!strncmp(json_object_get_string(json_object_array_get_idx(env, i)), "HOME=", 5))
			return;
	json_object_array_add(env, json_object_new_string(kv));
}

static int keep_id_files(int rootfd, const char *rundir, struct json_object *pw,
			 struct json_object *spec, struct pea_error **err)
{
	const char *name = NULL, *gecos = NULL, *home = NULL, *group = NULL;
	_cleanup_free_ char *pline = NULL, *gline = NULL, *dir = NULL;
	int64_t uid = 0, gid = 0;

	if (pea_json_get_string_req(pw, "userns_passwd", "name", &name, err) < 0 ||
	    pea_json_get_string_req(pw, "userns_passwd", "gecos", &gecos, err) < 0 ||
	    pea_json_get_string_req(pw, "userns_passwd", "home", &home, err) < 0 ||
	    pea_json_get_string_req(pw, "userns_passwd", "group", &group, err) < 0 ||
	    pea_json_get_int64_req(pw, "userns_passwd", "uid", &uid, err) < 0 ||
	    pea_json_get_int64_req(pw, "userns_passwd", "gid", &gid, err) < 0)
		return -1;
	dir = keep_id_home(rootfd, home, spec);
	set_home(spec, dir);
	pline = xasprintf("%s:*:%lld:%lld:%s:%s:/bin/sh", name, (long long)uid, (long long)gid,
			  gecos, dir);
	gline = xasprintf("%s:x:%lld:%s", group, (long long)gid, name);
	if (write_db(rootfd, "/etc/passwd", rundir, "passwd", name, uid, pline, spec, err) < 0 ||
	    write_db(rootfd, "/etc/group", rundir, "group", group, gid, gline, spec, err) < 0)
		return pea_error_wrap(err, "--userns=keep-id");
	return 0;
}

/* A host id of the map's container id c, back: the container id of host id h, or false. */
static bool map_to_container(const char *map, unsigned long long h)
{
	struct range r[MAX_RANGES];
	size_t n = map_parse(map, r, MAX_RANGES);

	for (size_t i = 0; i < n; i++)
		if (h >= r[i].h && h - r[i].h < r[i].n)
			return true;
	return false;
}

/*
 * A named volume whose folder the container cannot own (its owner is not in the
 * maps: a new one, made by pea) becomes its process user's, as podman does.
 */
static int chown_volumes(const struct global_options *g, const struct ctr_record *r, const char *um,
			 const char *gm, struct json_object *spec, struct pea_error **err)
{
	struct json_object *vols = NULL, *proc = NULL, *user = NULL;
	int64_t puid = 0, pgid = 0;
	unsigned long long uid, gid;

	if (json_object_object_get_ex(spec, "process", &proc) &&
	    json_object_object_get_ex(proc, "user", &user)) {
		(void)pea_json_get_int64_opt(user, "process.user", "uid", &puid, NULL);
		(void)pea_json_get_int64_opt(user, "process.user", "gid", &pgid, NULL);
	}
	if (!map_to_host(um, (unsigned long long)puid, &uid) ||
	    !map_to_host(gm, (unsigned long long)pgid, &gid))
		return 0;
	json_object_object_get_ex(r->opts, "volumes", &vols);
	for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
		struct json_object *v = json_object_array_get_idx(vols, i), *type = NULL,
				   *src = NULL;
		_cleanup_free_ char *data = NULL;
		struct stat st;

		if (!json_object_object_get_ex(v, "type", &type) ||
		    strcmp(json_object_get_string(type), "volume") != 0 ||
		    !json_object_object_get_ex(v, "source", &src))
			continue;
		data = volume_data_dir(g, json_object_get_string(src));
		if (lstat(data, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
		    map_to_container(um, st.st_uid))
			continue;
		if (lchown(data, (uid_t)uid, (gid_t)gid) < 0)
			return pea_error_errno(err, "chown the volume folder '%s'", data);
	}
	return 0;
}

int userns_prepare(const struct global_options *g, const struct ctr_record *r, int rootfd,
		   const char *rootfs, const char *rundir, struct json_object *spec,
		   struct pea_error **err)
{
	const char *um = NULL, *gm = NULL, *join = NULL;
	struct json_object *pw = NULL, *mounts = NULL;
	unsigned long long uid = 0, gid = 0;
	bool has_root = true, joins;
	_cleanup_free_ char *parent = xstrdup(rootfs);
	char *slash = strrchr(parent, '/');

	if (pea_json_get_string_opt(r->opts, "opts", "uid_map", &um, NULL) != 1 || !um)
		return 0;
	(void)pea_json_get_string_opt(r->opts, "opts", "gid_map", &gm, NULL);
	joins = pea_json_get_string_opt(r->opts, "opts", "userns_join", &join, NULL) == 1 && join;
	if (json_object_object_get_ex(r->opts, "userns_passwd", &pw) &&
	    keep_id_files(rootfd, rundir, pw, spec, err) < 0)
		return -1;
	if (!map_to_host(um, 0, &uid) || !map_to_host(gm ? gm : um, 0, &gid))
		has_root = false;
	if (has_root && chown_etc_files(rundir, uid, gid, err) < 0)
		return -1;
	if (chown_volumes(g, r, um, gm ? gm : um, spec, err) < 0)
		return -1;
	if (slash && slash != parent)
		*slash = '\0';
	if (open_path(g, parent, err) < 0 || open_path(g, rundir, err) < 0)
		return -1;
	/*
	 * the folders of named volumes (their _data is the container's to own), and of
	 * the run root's sources, as a pod's /dev/shm, for a runtime that joins the
	 * pod's user namespace by path and looks them up as the container's root (a new
	 * user namespace gets them as fds; the pod's members share the infra's maps):
	 * those above it searchable, its own through the root's group (group_path)
	 */
	json_object_object_get_ex(spec, "mounts", &mounts);
	for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
		struct json_object *s = NULL;
		_cleanup_free_ char *src = NULL;

		if (!json_object_object_get_ex(json_object_array_get_idx(mounts, i), "source", &s))
			continue;
		src = xstrdup(json_object_get_string(s));
		slash = strrchr(src, '/');
		if (!slash || slash == src)
			continue;
		*slash = '\0';
		if (path_under(src, g->runroot) && !path_under(src, rundir)) {
			char *up = strrchr(src, '/');

			if (!joins || !has_root || up == src)
				continue;
			if (group_path(src, gid, err) < 0)
				return -1;
			*up = '\0';
			if (open_path(g, src, err) < 0)
				return -1;
		} else if (path_under(src, g->root) && open_path(g, src, err) < 0) {
			return -1;
		}
	}
	return 0;
}

/* ---- pea info ------------------------------------------------------------------------- */

static struct json_object *proc_map_json(const char *file)
{
	struct json_object *a = json_object_new_array();
	unsigned long long in, out, n;
	FILE *f = fopen(file, "re");

	while (f && fscanf(f, "%llu %llu %llu", &in, &out, &n) == 3) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "container_id", json_object_new_int64((int64_t)in));
		json_object_object_add(o, "host_id", json_object_new_int64((int64_t)out));
		json_object_object_add(o, "size", json_object_new_int64((int64_t)n));
		json_object_array_add(a, o);
	}
	if (f)
		fclose(f);
	return a;
}

struct json_object *userns_info_mappings(void)
{
	struct json_object *o = json_object_new_object();
	bool rl = rootless_detect();

	json_object_object_add(o, "gidmap", rl ? proc_map_json("/proc/self/gid_map") : NULL);
	json_object_object_add(o, "uidmap", rl ? proc_map_json("/proc/self/uid_map") : NULL);
	return o;
}

/* ---- pea inspect ---------------------------------------------------------------------- */

static struct json_object *map_strings(const char *map)
{
	_cleanup_strv_ char **v = pea_strv_split(map, ",");
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

void userns_inspect(struct json_object *opts, struct json_object *host_config)
{
	const char *um = NULL, *gm = NULL;
	struct json_object *ids;

	if (pea_json_get_string_opt(opts, "opts", "uid_map", &um, NULL) != 1 || !um) {
		json_object_object_add(host_config, "UsernsMode", json_object_new_string(""));
		json_object_object_add(host_config, "IDMappings", NULL);
		return;
	}
	(void)pea_json_get_string_opt(opts, "opts", "gid_map", &gm, NULL);
	ids = json_object_new_object();
	json_object_object_add(ids, "UidMap", map_strings(um));
	json_object_object_add(ids, "GidMap", map_strings(gm ? gm : um));
	json_object_object_add(host_config, "UsernsMode", json_object_new_string("private"));
	json_object_object_add(host_config, "IDMappings", ids);
}
