#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/capability.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#include "seccomp.h"
#include "spec.h"

#define CONFIG_MAX (4u << 20) /* config.json larger than this is refused */

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* "path: message" for the field at path (a dotted JSON path). */
static int __attribute__((format(printf, 3, 4)))
field_error(struct pea_error **err, const char *path, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	return pea_error_new(err, EINVAL, "%s: %s", path, msg);
}

static int unsupported(struct pea_error **err, const char *path, const char *key)
{
	_cleanup_free_ char *full = pea_json_path_key(path, key);

	return field_error(err, full, "not supported by pea-runtime");
}

/* A key we cannot honour is an error, unless it is absent, null or empty. */
static bool json_is_empty(struct json_object *v)
{
	if (!v)
		return true;
	switch (json_object_get_type(v)) {
	case json_type_null:
		return true;
	case json_type_object:
		return json_object_object_length(v) == 0;
	case json_type_array:
		return json_object_array_length(v) == 0;
	case json_type_string:
		return json_object_get_string_len(v) == 0;
	case json_type_boolean:
	case json_type_double:
	case json_type_int:
	default:
		return false;
	}
}

static int refuse_if_set(struct json_object *obj, const char *path, const char *key,
			 struct pea_error **err)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v) || json_is_empty(v))
		return 0;
	return unsupported(err, path, key);
}

/* Each element of an array at path.key through fn(elem, elem_path, i, data). */
typedef int (*array_fn)(struct json_object *elem, const char *path, size_t i, void *data,
			struct pea_error **err);

static int for_each(struct json_object *obj, const char *path, const char *key, size_t max,
		    array_fn fn, void *data, size_t *ret_n, struct pea_error **err)
{
	_cleanup_free_ char *apath = pea_json_path_key(path, key);
	struct json_object *arr = NULL;
	size_t n;
	int r;

	r = pea_json_get_array_opt(obj, path, key, &arr, err);
	if (r <= 0) {
		*ret_n = 0;
		return r;
	}
	n = json_object_array_length(arr);
	if (n > max)
		return field_error(err, apath, "too many entries (%zu, at most %zu)", n, max);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *epath = pea_json_path_index(apath, i);

		*ret_n = i + 1; /* so that spec_free() frees what a failure left half-made */
		r = fn(json_object_array_get_idx(arr, i), epath, i, data, err);
		if (r < 0)
			return r;
	}
	*ret_n = n;
	return 0;
}

static bool path_is_absolute(const char *p)
{
	return p && p[0] == '/';
}

/* ---- capabilities, rlimits --------------------------------------------------- */

int spec_cap_from_name(const char *name)
{
	cap_value_t v;

	if (strncasecmp(name, "CAP_", 4) != 0)
		return -EINVAL;
	if (cap_from_name(name, &v) < 0 || v < 0 || v > 63)
		return -EINVAL;
	return v;
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

int spec_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
		if (strcmp(name, rlimit_names[i].name) == 0)
			return rlimit_names[i].resource;
	return -EINVAL;
}

/* ---- namespaces ---------------------------------------------------------------- */

static const struct {
	const char *name;
	int type;
} namespace_names[] = {
	{ "pid", CLONE_NEWPID },       { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },
	{ "ipc", CLONE_NEWIPC },       { "uts", CLONE_NEWUTS },	    { "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

const char *spec_namespace_name(int type)
{
	for (size_t i = 0; i < ARRAY_SIZE(namespace_names); i++)
		if (namespace_names[i].type == type)
			return namespace_names[i].name;
	return "?";
}

const char *spec_annotation(const struct spec *s, const char *key)
{
	for (size_t i = 0; i < s->n_annotations; i++)
		if (strcmp(s->annotations[i].key, key) == 0)
			return s->annotations[i].value;
	return NULL;
}

const struct spec_namespace *spec_namespace(const struct spec *s, int type)
{
	for (size_t i = 0; i < s->n_namespaces; i++)
		if (s->namespaces[i].type == type)
			return &s->namespaces[i];
	return NULL;
}

static int parse_namespace(struct json_object *o, const char *path, size_t i, void *data,
			   struct pea_error **err)
{
	struct spec *s = data;
	struct spec_namespace *ns = &s->namespaces[i];
	const char *type = NULL, *nspath = NULL;
	_cleanup_free_ char *tpath = pea_json_path_key(path, "type");

	if (pea_json_get_string_req(o, path, "type", &type, err) < 0 ||
	    pea_json_get_string_opt(o, path, "path", &nspath, err) < 0)
		return -EINVAL;
	ns->type = 0;
	for (size_t k = 0; k < ARRAY_SIZE(namespace_names); k++)
		if (strcmp(type, namespace_names[k].name) == 0)
			ns->type = namespace_names[k].type;
	if (!ns->type)
		return field_error(err, tpath, "unknown namespace type '%s'", type);
	for (size_t k = 0; k < i; k++)
		if (s->namespaces[k].type == ns->type)
			return field_error(err, tpath, "duplicate namespace type '%s'", type);
	if (nspath && *nspath) {
		_cleanup_free_ char *ppath = pea_json_path_key(path, "path");

		if (!path_is_absolute(nspath))
			return field_error(err, ppath, "must be absolute");
		ns->path = xstrdup(nspath);
	}
	return 0;
}

static int parse_idmap(struct json_object *o, const char *path, size_t i, void *data,
		       struct pea_error **err)
{
	struct spec_idmap *m = &((struct spec_idmap *)data)[i];
	int64_t c, h, n;

	if (pea_json_get_int64_req(o, path, "containerID", &c, err) < 0 ||
	    pea_json_get_int64_req(o, path, "hostID", &h, err) < 0 ||
	    pea_json_get_int64_req(o, path, "size", &n, err) < 0)
		return -EINVAL;
	if (c < 0 || h < 0 || n <= 0 || c > UINT32_MAX || h > UINT32_MAX || n > UINT32_MAX ||
	    c + n - 1 > UINT32_MAX || h + n - 1 > UINT32_MAX)
		return field_error(err, path, "id range out of bounds");
	m->container_id = (uint32_t)c;
	m->host_id = (uint32_t)h;
	m->size = (uint32_t)n;
	return 0;
}

static int parse_idmaps(struct json_object *lnx, const char *key, struct spec_idmap **ret,
			size_t *ret_n, struct pea_error **err)
{
	struct json_object *arr = NULL;
	size_t n = 0;

	if (pea_json_get_array_opt(lnx, "linux", key, &arr, err) < 0)
		return -EINVAL;
	if (!arr)
		return 0;
	n = json_object_array_length(arr);
	if (n > 340) { /* the kernel's limit for a map */
		_cleanup_free_ char *path = pea_json_path_key("linux", key);

		return field_error(err, path, "too many entries");
	}
	*ret = xnew(struct spec_idmap, n ? n : 1);
	return for_each(lnx, "linux", key, 340, parse_idmap, *ret, ret_n, err);
}

/* ---- mounts -------------------------------------------------------------------- */

enum opt_kind {
	OPT_FLAG_SET,
	OPT_FLAG_CLEAR,
	OPT_PROPAGATION,
	OPT_BIND,
	OPT_ATTR_SET,
	OPT_ATTR_CLR,
	OPT_TMPCOPYUP,
	OPT_REFUSE
};

static const struct {
	const char *name;
	enum opt_kind kind;
	unsigned long value;
} mount_options[] = {
	{ "defaults", OPT_FLAG_SET, 0 },
	{ "ro", OPT_FLAG_SET, MS_RDONLY },
	{ "rw", OPT_FLAG_CLEAR, MS_RDONLY },
	{ "suid", OPT_FLAG_CLEAR, MS_NOSUID },
	{ "nosuid", OPT_FLAG_SET, MS_NOSUID },
	{ "dev", OPT_FLAG_CLEAR, MS_NODEV },
	{ "nodev", OPT_FLAG_SET, MS_NODEV },
	{ "exec", OPT_FLAG_CLEAR, MS_NOEXEC },
	{ "noexec", OPT_FLAG_SET, MS_NOEXEC },
	{ "sync", OPT_FLAG_SET, MS_SYNCHRONOUS },
	{ "async", OPT_FLAG_CLEAR, MS_SYNCHRONOUS },
	{ "dirsync", OPT_FLAG_SET, MS_DIRSYNC },
	{ "remount", OPT_FLAG_SET, MS_REMOUNT },
	{ "mand", OPT_FLAG_SET, MS_MANDLOCK },
	{ "nomand", OPT_FLAG_CLEAR, MS_MANDLOCK },
	{ "atime", OPT_FLAG_CLEAR, MS_NOATIME },
	{ "noatime", OPT_FLAG_SET, MS_NOATIME },
	{ "diratime", OPT_FLAG_CLEAR, MS_NODIRATIME },
	{ "nodiratime", OPT_FLAG_SET, MS_NODIRATIME },
	{ "relatime", OPT_FLAG_SET, MS_RELATIME },
	{ "norelatime", OPT_FLAG_CLEAR, MS_RELATIME },
	{ "strictatime", OPT_FLAG_SET, MS_STRICTATIME },
	{ "nostrictatime", OPT_FLAG_CLEAR, MS_STRICTATIME },
	{ "lazytime", OPT_FLAG_SET, MS_LAZYTIME },
	{ "nolazytime", OPT_FLAG_CLEAR, MS_LAZYTIME },
	{ "iversion", OPT_FLAG_SET, MS_I_VERSION },
	{ "noiversion", OPT_FLAG_CLEAR, MS_I_VERSION },
	{ "silent", OPT_FLAG_SET, MS_SILENT },
	{ "loud", OPT_FLAG_CLEAR, MS_SILENT },
	{ "nosymfollow", OPT_FLAG_SET, MS_NOSYMFOLLOW },
	{ "symfollow", OPT_FLAG_CLEAR, MS_NOSYMFOLLOW },
	{ "bind", OPT_BIND, 0 },
	{ "rbind", OPT_BIND, MS_REC },
	{ "private", OPT_PROPAGATION, MS_PRIVATE },
	{ "rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC },
	{ "shared", OPT_PROPAGATION, MS_SHARED },
	{ "rshared", OPT_PROPAGATION, MS_SHARED | MS_REC },
	{ "slave", OPT_PROPAGATION, MS_SLAVE },
	{ "rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC },
	{ "unbindable", OPT_PROPAGATION, MS_UNBINDABLE },
	{ "runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC },
	{ "rro", OPT_ATTR_SET, MOUNT_ATTR_RDONLY },
	{ "rrw", OPT_ATTR_CLR, MOUNT_ATTR_RDONLY },
	{ "rnosuid", OPT_ATTR_SET, MOUNT_ATTR_NOSUID },
	{ "rsuid", OPT_ATTR_CLR, MOUNT_ATTR_NOSUID },
	{ "rnodev", OPT_ATTR_SET, MOUNT_ATTR_NODEV },
	{ "rdev", OPT_ATTR_CLR, MOUNT_ATTR_NODEV },
	{ "rnoexec", OPT_ATTR_SET, MOUNT_ATTR_NOEXEC },
	{ "rexec", OPT_ATTR_CLR, MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", OPT_ATTR_SET, MOUNT_ATTR_NODIRATIME },
	{ "rdiratime", OPT_ATTR_CLR, MOUNT_ATTR_NODIRATIME },
	{ "rnosymfollow", OPT_ATTR_SET, MOUNT_ATTR_NOSYMFOLLOW },
	{ "rsymfollow", OPT_ATTR_CLR, MOUNT_ATTR_NOSYMFOLLOW },
	{ "rnoatime", OPT_ATTR_SET, MOUNT_ATTR_NOATIME },
	{ "rstrictatime", OPT_ATTR_SET, MOUNT_ATTR_STRICTATIME },
	{ "rrelatime", OPT_ATTR_SET, MOUNT_ATTR_RELATIME },
	{ "ratime", OPT_ATTR_CLR, MOUNT_ATTR__ATIME },
	{ "tmpcopyup", OPT_TMPCOPYUP, 0 },
	{ "idmap", OPT_REFUSE, 0 },
	{ "ridmap", OPT_REFUSE, 0 },
	{ "copy-symlink", OPT_REFUSE, 0 },
	{ "src-nofollow", OPT_REFUSE, 0 },
	{ "dest-nofollow", OPT_REFUSE, 0 },
};

static void data_append(char **data, const char *opt)
{
	char *n = *data ? xasprintf("%s,%s", *data, opt) : xstrdup(opt);

	free(*data);
	*data = n;
}

static int parse_mount_option(struct spec_mount *m, const char *opt, const char *path,
			      struct pea_error **err)
{
	for (size_t k = 0; k < ARRAY_SIZE(mount_options); k++) {
		if (strcmp(opt, mount_options[k].name) != 0)
			continue;
		switch (mount_options[k].kind) {
		case OPT_FLAG_SET:
			m->flags |= mount_options[k].value;
			if (mount_options[k].value & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME))
				m->flags &= ~((MS_NOATIME | MS_STRICTATIME | MS_RELATIME) &
					      ~mount_options[k].value);
			break;
		case OPT_FLAG_CLEAR:
			m->flags &= ~mount_options[k].value;
			break;
		case OPT_PROPAGATION:
			m->propagation = mount_options[k].value;
			break;
		case OPT_BIND:
			m->bind = true;
			m->recursive = mount_options[k].value != 0;
			break;
		case OPT_ATTR_SET:
			if (mount_options[k].value & MOUNT_ATTR__ATIME ||
			    mount_options[k].value == MOUNT_ATTR_RELATIME)
				m->attr_clr |= MOUNT_ATTR__ATIME;
			m->attr_set |= mount_options[k].value;
			break;
		case OPT_ATTR_CLR:
			m->attr_clr |= mount_options[k].value;
			m->attr_set &= ~mount_options[k].value;
			break;
		case OPT_TMPCOPYUP:
			m->tmpcopyup = true;
			break;
		case OPT_REFUSE:
		default:
			return field_error(err, path, "mount option '%s' is not supported", opt);
		}
		return 0;
	}
	if (strchr(opt, ','))
		return field_error(err, path, "invalid mount option '%s'", opt);
	data_append(&m->data, opt);
	return 0;
}

static int parse_mount(struct json_object *o, const char *path, size_t i, void *data,
		       struct pea_error **err)
{
	struct spec *s = data;
	struct spec_mount *m = &s->mounts[i];
	const char *dest = NULL, *source = NULL, *type = NULL;
	_cleanup_strv_ char **options = NULL;
	_cleanup_free_ char *dpath = pea_json_path_key(path, "destination");
	_cleanup_free_ char *opath = pea_json_path_key(path, "options");

	if (pea_json_get_string_req(o, path, "destination", &dest, err) < 0 ||
	    pea_json_get_string_opt(o, path, "source", &source, err) < 0 ||
	    pea_json_get_string_opt(o, path, "type", &type, err) < 0 ||
	    pea_json_get_strv_opt(o, path, "options", &options, err) < 0)
		return -EINVAL;
	if (refuse_if_set(o, path, "uidMappings", err) < 0 ||
	    refuse_if_set(o, path, "gidMappings", err) < 0)
		return -EINVAL;
	if (!path_is_absolute(dest))
		return field_error(err, dpath, "must be absolute");
	if (strlen(dest) >= PATH_MAX)
		return field_error(err, dpath, "too long");
	m->destination = xstrdup(dest);
	m->type = type && *type ? xstrdup(type) : NULL;
	m->source = source && *source ? xstrdup(source) : NULL;
	for (size_t k = 0; options && options[k]; k++) {
		_cleanup_free_ char *p = pea_json_path_index(opath, k);

		if (parse_mount_option(m, options[k], p, err) < 0)
			return -EINVAL;
	}
	if (m->type && strcmp(m->type, "bind") == 0)
		m->bind = true;
	if (m->tmpcopyup && (m->bind || !m->type || strcmp(m->type, "tmpfs") != 0))
		return field_error(err, opath, "mount option 'tmpcopyup' needs type 'tmpfs'");
	if (m->bind) {
		_cleanup_free_ char *spath = pea_json_path_key(path, "source");

		if (!m->source)
			return field_error(err, spath, "a bind mount needs a source");
		return 0;
	}
	if (!m->type) {
		_cleanup_free_ char *tpath = pea_json_path_key(path, "type");

		if (m->flags & MS_REMOUNT || m->propagation)
			return 0;
		return field_error(err, tpath, "missing (and the mount is not a bind mount)");
	}
	return 0; /* any filesystem type is passed on to mount(2) as it is */
}

/* ---- process ------------------------------------------------------------------- */

static int get_label(struct json_object *o, const char *path, const char *key, char **ret,
		     struct pea_error **err)
{
	const char *v = NULL;

	if (pea_json_get_string_opt(o, path, key, &v, err) < 0)
		return -EINVAL;
	*ret = v && *v ? xstrdup(v) : NULL;
	return 0;
}

static int parse_rlimit(struct json_object *o, const char *path, size_t i, void *data,
			struct pea_error **err)
{
	struct spec_process *p = data;
	struct spec_rlimit *rl = &p->rlimits[i];
	const char *type = NULL;
	_cleanup_free_ char *tpath = pea_json_path_key(path, "type");
	uint64_t soft = 0, hard = 0;

	if (pea_json_get_string_req(o, path, "type", &type, err) < 0)
		return -EINVAL;
	if (pea_json_get_uint64_opt(o, path, "soft", &soft, err) < 0 ||
	    pea_json_get_uint64_opt(o, path, "hard", &hard, err) < 0)
		return -EINVAL;
	rl->resource = spec_rlimit_from_name(type);
	if (rl->resource < 0)
		return field_error(err, tpath, "unknown rlimit '%s'", type);
	for (size_t k = 0; k < i; k++)
		if (p->rlimits[k].resource == rl->resource)
			return field_error(err, tpath, "duplicate rlimit '%s'", type);
	if (soft > hard)
		return field_error(err, path, "soft limit %" PRIu64 " above hard limit %" PRIu64,
				   soft, hard);
	rl->soft = soft;
	rl->hard = hard;
	return 0;
}

static int parse_caps(struct json_object *o, const char *path, struct spec_process *p,
		      struct pea_error **err)
{
	static const char *const sets[CAPS_SET_COUNT] = {
		[CAPS_BOUNDING] = "bounding",	    [CAPS_EFFECTIVE] = "effective",
		[CAPS_INHERITABLE] = "inheritable", [CAPS_PERMITTED] = "permitted",
		[CAPS_AMBIENT] = "ambient",
	};

	if (pea_json_expect_object(o, path, err) < 0)
		return -EINVAL;
	p->has_caps = true;
	for (int set = 0; set < CAPS_SET_COUNT; set++) {
		_cleanup_strv_ char **names = NULL;
		_cleanup_free_ char *spath = pea_json_path_key(path, sets[set]);

		if (pea_json_get_strv_opt(o, path, sets[set], &names, err) < 0)
			return -EINVAL;
		for (size_t k = 0; names && names[k]; k++) {
			_cleanup_free_ char *epath = pea_json_path_index(spath, k);
			int cap = spec_cap_from_name(names[k]);

			/* a name of a newer kernel or a typo: runc and crun go on without it */
			if (cap < 0) {
				log_warning("config.json: %s: unknown capability '%s', ignoring",
					    epath, names[k]);
				continue;
			}
			p->caps[set] |= UINT64_C(1) << cap;
		}
	}
	return 0;
}

static int parse_user(struct json_object *proc, struct spec_process *p, struct pea_error **err)
{
	struct json_object *user = NULL, *gids = NULL;
	uint32_t uid = 0, gid = 0, umask = 0;
	int r;

	if (pea_json_get_object_opt(proc, "process", "user", &user, err) < 0)
		return -EINVAL;
	if (!user)
		return 0;
	if (pea_json_get_uint32_opt(user, "process.user", "uid", &uid, err) < 0 ||
	    pea_json_get_uint32_opt(user, "process.user", "gid", &gid, err) < 0)
		return -EINVAL;
	r = pea_json_get_uint32_opt(user, "process.user", "umask", &umask, err);
	if (r < 0)
		return r;
	if (r > 0) {
		if (umask > 0777)
			return field_error(err, "process.user.umask", "must be at most 0777");
		p->has_umask = true;
		p->umask = (mode_t)umask;
	}
	if (refuse_if_set(user, "process.user", "username", err) < 0)
		return -EINVAL;
	if (uid == (uint32_t)-1 || gid == (uint32_t)-1)
		return field_error(err, "process.user", "uid and gid must not be 4294967295");
	p->uid = uid;
	p->gid = gid;
	if (pea_json_get_array_opt(user, "process.user", "additionalGids", &gids, err) < 0)
		return -EINVAL;
	if (gids) {
		size_t n = json_object_array_length(gids);

		if (n > 65536)
			return field_error(err, "process.user.additionalGids", "too many entries");
		p->additional_gids = xnew(gid_t, n ? n : 1);
		for (size_t k = 0; k < n; k++) {
			struct json_object *v = json_object_array_get_idx(gids, k);
			int64_t g;

			errno = 0;
			g = json_object_get_int64(v);
			if (!json_object_is_type(v, json_type_int) || errno || g < 0 ||
			    g >= UINT32_MAX)
				return field_error(err, "process.user.additionalGids",
						   "entry %zu is not a valid gid", k);
			p->additional_gids[k] = (gid_t)g;
		}
		p->n_additional_gids = n;
	}
	return 0;
}

static int parse_io_priority(struct json_object *proc, struct spec_process *p,
			     struct pea_error **err)
{
	static const char *const classes[] = { NULL, "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
					       "IOPRIO_CLASS_IDLE" };
	struct json_object *io = NULL;
	const char *cls = NULL;
	int prio = 0, c = 0;

	if (pea_json_get_object_opt(proc, "process", "ioPriority", &io, err) < 0)
		return -EINVAL;
	if (!io)
		return 0;
	if (pea_json_get_string_req(io, "process.ioPriority", "class", &cls, err) < 0 ||
	    pea_json_get_int_opt(io, "process.ioPriority", "priority", &prio, err) < 0)
		return -EINVAL;
	for (int k = 1; k < (int)ARRAY_SIZE(classes); k++)
		if (strcmp(cls, classes[k]) == 0)
			c = k;
	if (!c)
		return field_error(err, "process.ioPriority.class", "unknown class '%s'", cls);
	if (prio < 0 || prio > 7)
		return field_error(err, "process.ioPriority.priority", "must be 0 to 7");
	p->has_io_priority = true;
	p->io_priority = (c << 13) | prio;
	return 0;
}

int spec_process_parse(struct json_object *proc, struct spec_process *p, struct pea_error **err)
{
	struct json_object *caps = NULL, *size = NULL;
	const char *cwd = NULL;
	int r;

	if (pea_json_expect_object(proc, "process", err) < 0)
		return -EINVAL;
	if (pea_json_get_bool_opt(proc, "process", "terminal", &p->terminal, err) < 0 ||
	    pea_json_get_strv_opt(proc, "process", "args", &p->args, err) < 0 ||
	    pea_json_get_strv_opt(proc, "process", "env", &p->env, err) < 0 ||
	    pea_json_get_string_req(proc, "process", "cwd", &cwd, err) < 0 ||
	    pea_json_get_bool_opt(proc, "process", "noNewPrivileges", &p->no_new_privileges, err) <
		    0)
		return -EINVAL;
	if (!p->args || !p->args[0])
		return field_error(err, "process.args", "must name the program to run");
	if (!path_is_absolute(cwd))
		return field_error(err, "process.cwd", "must be absolute");
	p->cwd = xstrdup(cwd);
	for (size_t k = 0; p->env && p->env[k]; k++)
		if (!strchr(p->env[k], '=') || p->env[k][0] == '=')
			return field_error(err, "process.env", "entry %zu ('%s') is not KEY=VALUE",
					   k, p->env[k]);
	if (get_label(proc, "process", "apparmorProfile", &p->apparmor_profile, err) < 0 ||
	    get_label(proc, "process", "selinuxLabel", &p->selinux_label, err) < 0)
		return -EINVAL;
	if (refuse_if_set(proc, "process", "commandLine", err) < 0 ||
	    refuse_if_set(proc, "process", "scheduler", err) < 0 ||
	    refuse_if_set(proc, "process", "execCPUAffinity", err) < 0)
		return -EINVAL;
	if (pea_json_get_object_opt(proc, "process", "consoleSize", &size, err) < 0)
		return -EINVAL;
	if (size) {
		uint32_t h = 0, w = 0;

		if (pea_json_get_uint32_opt(size, "process.consoleSize", "height", &h, err) < 0 ||
		    pea_json_get_uint32_opt(size, "process.consoleSize", "width", &w, err) < 0)
			return -EINVAL;
		if (h > 65535 || w > 65535)
			return field_error(err, "process.consoleSize", "too large");
		p->console_height = (unsigned short)h;
		p->console_width = (unsigned short)w;
	}
	if (parse_user(proc, p, err) < 0 || parse_io_priority(proc, p, err) < 0)
		return -EINVAL;
	if (pea_json_get_object_opt(proc, "process", "capabilities", &caps, err) < 0)
		return -EINVAL;
	if (caps && parse_caps(caps, "process.capabilities", p, err) < 0)
		return -EINVAL;
	r = pea_json_get_int_opt(proc, "process", "oomScoreAdj", &p->oom_score_adj, err);
	if (r < 0)
		return r;
	if (r > 0) {
		if (p->oom_score_adj < -1000 || p->oom_score_adj > 1000)
			return field_error(err, "process.oomScoreAdj", "must be -1000 to 1000");
		p->has_oom_score_adj = true;
	}
	{
		struct json_object *arr = NULL;

		if (pea_json_get_array_opt(proc, "process", "rlimits", &arr, err) < 0)
			return -EINVAL;
		if (arr)
			p->rlimits = xnew(struct spec_rlimit, json_object_array_length(arr) + 1);
		return for_each(proc, "process", "rlimits", 64, parse_rlimit, p, &p->n_rlimits,
				err);
	}
}

void spec_process_clear(struct spec_process *p)
{
	free(p->additional_gids);
	pea_strv_free(p->args);
	pea_strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	memset(p, 0, sizeof(*p));
}

static int parse_process(struct json_object *root, struct spec *s, struct pea_error **err)
{
	struct json_object *proc = NULL;

	if (pea_json_get_object_opt(root, "", "process", &proc, err) < 0)
		return -EINVAL;
	if (!proc)
		return 0;
	s->has_process = true;
	return spec_process_parse(proc, &s->process, err);
}

/* ---- hooks --------------------------------------------------------------------- */

static const char *const hook_keys[HOOK_KIND_COUNT] = {
	[HOOK_PRESTART] = "prestart",
	[HOOK_CREATE_RUNTIME] = "createRuntime",
	[HOOK_CREATE_CONTAINER] = "createContainer",
	[HOOK_START_CONTAINER] = "startContainer",
	[HOOK_POSTSTART] = "poststart",
	[HOOK_POSTSTOP] = "poststop",
};

static int parse_hook(struct json_object *o, const char *path, size_t i, void *data,
		      struct pea_error **err)
{
	struct spec_hook *h = &((struct spec_hooks *)data)->v[i];
	const char *p = NULL;
	int r;

	if (pea_json_get_string_req(o, path, "path", &p, err) < 0 ||
	    pea_json_get_strv_opt(o, path, "args", &h->args, err) < 0 ||
	    pea_json_get_strv_opt(o, path, "env", &h->env, err) < 0)
		return -EINVAL;
	if (!path_is_absolute(p)) {
		_cleanup_free_ char *ppath = pea_json_path_key(path, "path");

		return field_error(err, ppath, "must be absolute");
	}
	h->path = xstrdup(p);
	r = pea_json_get_int_opt(o, path, "timeout", &h->timeout, err);
	if (r < 0)
		return r;
	if (r > 0 && h->timeout <= 0) {
		_cleanup_free_ char *tpath = pea_json_path_key(path, "timeout");

		return field_error(err, tpath, "must be greater than zero");
	}
	return 0;
}

int spec_hooks_from_json(struct json_object *hooks, enum spec_hook_kind kind,
			 struct spec_hooks *ret, struct pea_error **err)
{
	struct json_object *arr = NULL;
	struct spec_hooks h = { 0 };
	int r;

	if (!hooks)
		return 0;
	if (pea_json_get_array_opt(hooks, "hooks", hook_keys[kind], &arr, err) < 0)
		return -EINVAL;
	if (!arr)
		return 0;
	h.v = xnew(struct spec_hook, json_object_array_length(arr) + 1);
	r = for_each(hooks, "hooks", hook_keys[kind], 1024, parse_hook, &h, &h.n, err);
	if (r < 0) {
		h.n = json_object_array_length(arr);
		spec_hooks_clear(&h);
		return r;
	}
	*ret = h;
	return 0;
}

void spec_hooks_clear(struct spec_hooks *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].path);
		pea_strv_free(h->v[i].args);
		pea_strv_free(h->v[i].env);
	}
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

static int parse_hooks(struct json_object *root, struct spec *s, struct pea_error **err)
{
	struct json_object *hooks = NULL;

	if (pea_json_get_object_opt(root, "", "hooks", &hooks, err) < 0)
		return -EINVAL;
	if (!hooks)
		return 0;
	for (int k = 0; k < HOOK_KIND_COUNT; k++)
		if (spec_hooks_from_json(hooks, k, &s->hooks[k], err) < 0)
			return -EINVAL;
	s->hooks_json = xstrdup(pea_json_to_string(hooks));
	return 0;
}

/* ---- lnx ----------------------------------------------------------------------- */

static int parse_device(struct json_object *o, const char *path, size_t i, void *data,
			struct pea_error **err)
{
	struct spec_device *d = &((struct spec_device *)data)[i];
	const char *type = NULL, *p = NULL;
	int64_t major = 0, minor = 0;
	uint32_t mode = 0666, uid = 0, gid = 0;

	if (pea_json_get_string_req(o, path, "type", &type, err) < 0 ||
	    pea_json_get_string_req(o, path, "path", &p, err) < 0 ||
	    pea_json_get_int64_opt(o, path, "major", &major, err) < 0 ||
	    pea_json_get_int64_opt(o, path, "minor", &minor, err) < 0 ||
	    pea_json_get_uint32_opt(o, path, "fileMode", &mode, err) < 0 ||
	    pea_json_get_uint32_opt(o, path, "uid", &uid, err) < 0 ||
	    pea_json_get_uint32_opt(o, path, "gid", &gid, err) < 0)
		return -EINVAL;
	if (strcmp(type, "c") == 0 || strcmp(type, "u") == 0)
		d->type = S_IFCHR;
	else if (strcmp(type, "b") == 0)
		d->type = S_IFBLK;
	else if (strcmp(type, "p") == 0)
		d->type = S_IFIFO;
	else {
		_cleanup_free_ char *tpath = pea_json_path_key(path, "type");

		return field_error(err, tpath, "unknown device type '%s'", type);
	}
	/* anywhere in the root (made there, resolved inside it), as runc and crun allow */
	if (!path_is_absolute(p) || strcmp(strrchr(p, '/'), "/") == 0 ||
	    strcmp(strrchr(p, '/'), "/.") == 0 || strcmp(strrchr(p, '/'), "/..") == 0) {
		_cleanup_free_ char *ppath = pea_json_path_key(path, "path");

		return field_error(err, ppath, "must be an absolute path naming a file");
	}
	if (d->type != S_IFIFO && (major < 0 || minor < 0 || major > 4095 || minor > 1048575))
		return field_error(err, path, "invalid major/minor numbers");
	if (mode > 07777)
		return field_error(err, path, "invalid fileMode");
	d->path = xstrdup(p);
	d->major = (uint32_t)major;
	d->minor = (uint32_t)minor;
	d->mode = mode & 07777;
	d->uid = uid;
	d->gid = gid;
	return 0;
}

static int parse_sysctl(struct json_object *lnx, struct spec *s, struct pea_error **err)
{
	struct json_object *o = NULL;
	size_t n = 0;

	if (pea_json_get_object_opt(lnx, "linux", "sysctl", &o, err) < 0)
		return -EINVAL;
	if (!o)
		return 0;
	s->sysctl = xnew(struct spec_sysctl, json_object_object_length(o) + 1);
	json_object_object_foreach(o, key, val)
	{
		_cleanup_free_ char *kpath = pea_json_path_key("linux.sysctl", key);

		if (!json_object_is_type(val, json_type_string))
			return field_error(err, kpath, "is not a string");
		if (!*key || strstr(key, "..") || strchr(key, '/') || key[0] == '.')
			return field_error(err, kpath, "invalid sysctl name");
		s->sysctl[n].key = xstrdup(key);
		s->sysctl[n].value = xstrdup(json_object_get_string(val));
		s->n_sysctl = ++n;
	}
	return 0;
}

static int parse_propagation(const char *v, unsigned long *ret)
{
	for (size_t k = 0; k < ARRAY_SIZE(mount_options); k++)
		if (mount_options[k].kind == OPT_PROPAGATION &&
		    strcmp(v, mount_options[k].name) == 0) {
			*ret = mount_options[k].value;
			return 0;
		}
	return -EINVAL;
}

static int parse_personality(struct json_object *lnx, struct spec *s, struct pea_error **err)
{
	struct json_object *o = NULL, *flags = NULL;
	const char *domain = NULL;

	if (pea_json_get_object_opt(lnx, "linux", "personality", &o, err) < 0)
		return -EINVAL;
	if (!o)
		return 0;
	if (pea_json_get_string_req(o, "linux.personality", "domain", &domain, err) < 0)
		return -EINVAL;
	if (strcmp(domain, "LINUX") == 0)
		s->personality = PER_LINUX;
	else if (strcmp(domain, "LINUX32") == 0)
		s->personality = PER_LINUX32;
	else
		return field_error(err, "linux.personality.domain", "unknown domain '%s'", domain);
	if (pea_json_get_array_opt(o, "linux.personality", "flags", &flags, err) < 0)
		return -EINVAL;
	if (flags && json_object_array_length(flags) > 0)
		return unsupported(err, "linux.personality", "flags");
	s->has_personality = true;
	return 0;
}

static int parse_time_offset(struct json_object *o, const char *key, int64_t *secs, uint32_t *nsecs,
			     struct pea_error **err)
{
	struct json_object *t = NULL;
	_cleanup_free_ char *path = pea_json_path_key("linux.timeOffsets", key);

	if (pea_json_get_object_opt(o, "linux.timeOffsets", key, &t, err) < 0)
		return -EINVAL;
	if (!t)
		return 0;
	if (pea_json_get_int64_opt(t, path, "secs", secs, err) < 0 ||
	    pea_json_get_uint32_opt(t, path, "nanosecs", nsecs, err) < 0)
		return -EINVAL;
	if (*nsecs >= 1000000000u)
		return field_error(err, path, "nanosecs must be below 1000000000");
	return 0;
}

static int parse_time_offsets(struct json_object *lnx, struct spec *s, struct pea_error **err)
{
	struct json_object *o = NULL;

	if (pea_json_get_object_opt(lnx, "linux", "timeOffsets", &o, err) < 0)
		return -EINVAL;
	if (!o || json_object_object_length(o) == 0)
		return 0;
	s->has_time_offsets = true;
	if (parse_time_offset(o, "monotonic", &s->monotonic_secs, &s->monotonic_nsecs, err) < 0 ||
	    parse_time_offset(o, "boottime", &s->boottime_secs, &s->boottime_nsecs, err) < 0)
		return -EINVAL;
	return 0;
}

static int parse_resources(struct json_object *lnx, struct spec *s, struct pea_error **err)
{
	struct json_object *res = NULL;

	if (pea_json_get_object_opt(lnx, "linux", "resources", &res, err) < 0)
		return -EINVAL;
	if (!res)
		return 0;
	s->resources_json = xstrdup(pea_json_to_string(res));
	return spec_resources_parse(res, "linux.resources", &s->resources, err);
}

static int parse_seccomp(struct json_object *lnx, struct spec *s, struct pea_error **err)
{
	struct json_object *sc = NULL;

	if (s->seccomp_text) /* left out: spec_load_deferred */
		return 0;
	if (pea_json_get_object_opt(lnx, "linux", "seccomp", &sc, err) < 0)
		return -EINVAL;
	if (!sc)
		return 0;
	return spec_seccomp_parse(sc, &s->seccomp, err);
}

static int parse_linux(struct json_object *root, struct spec *s, struct pea_error **err)
{
	struct json_object *lnx = NULL, *arr = NULL;
	const char *prop = NULL, *cg = NULL;

	if (pea_json_get_object_opt(root, "", "linux", &lnx, err) < 0)
		return -EINVAL;
	if (!lnx)
		return 0;
	if (pea_json_get_array_opt(lnx, "linux", "namespaces", &arr, err) < 0)
		return -EINVAL;
	s->namespaces = xnew(struct spec_namespace, (arr ? json_object_array_length(arr) : 0) + 1);
	if (for_each(lnx, "linux", "namespaces", 16, parse_namespace, s, &s->n_namespaces, err) < 0)
		return -EINVAL;
	if (parse_idmaps(lnx, "uidMappings", &s->uid_mappings, &s->n_uid_mappings, err) < 0 ||
	    parse_idmaps(lnx, "gidMappings", &s->gid_mappings, &s->n_gid_mappings, err) < 0)
		return -EINVAL;
	arr = NULL;
	if (pea_json_get_array_opt(lnx, "linux", "devices", &arr, err) < 0)
		return -EINVAL;
	s->devices = xnew(struct spec_device, (arr ? json_object_array_length(arr) : 0) + 1);
	if (for_each(lnx, "linux", "devices", 4096, parse_device, s->devices, &s->n_devices, err) <
	    0)
		return -EINVAL;
	if (pea_json_get_strv_opt(lnx, "linux", "maskedPaths", &s->masked_paths, err) < 0 ||
	    pea_json_get_strv_opt(lnx, "linux", "readonlyPaths", &s->readonly_paths, err) < 0)
		return -EINVAL;
	for (size_t k = 0; s->masked_paths && s->masked_paths[k]; k++)
		if (!path_is_absolute(s->masked_paths[k]))
			return field_error(err, "linux.maskedPaths", "'%s' is not absolute",
					   s->masked_paths[k]);
	for (size_t k = 0; s->readonly_paths && s->readonly_paths[k]; k++)
		if (!path_is_absolute(s->readonly_paths[k]))
			return field_error(err, "linux.readonlyPaths", "'%s' is not absolute",
					   s->readonly_paths[k]);
	if (pea_json_get_string_opt(lnx, "linux", "rootfsPropagation", &prop, err) < 0)
		return -EINVAL;
	if (prop && *prop && parse_propagation(prop, &s->rootfs_propagation) < 0)
		return field_error(err, "linux.rootfsPropagation", "unknown propagation '%s'",
				   prop);
	if (pea_json_get_string_opt(lnx, "linux", "cgroupsPath", &cg, err) < 0)
		return -EINVAL;
	s->cgroups_path = cg && *cg ? xstrdup(cg) : NULL;
	if (parse_sysctl(lnx, s, err) < 0 || parse_personality(lnx, s, err) < 0 ||
	    parse_time_offsets(lnx, s, err) < 0 || parse_resources(lnx, s, err) < 0)
		return -EINVAL;
	if (parse_seccomp(lnx, s, err) < 0 || refuse_if_set(lnx, "linux", "intelRdt", err) < 0 ||
	    get_label(lnx, "linux", "mountLabel", &s->mount_label, err) < 0 ||
	    refuse_if_set(lnx, "linux", "memoryPolicy", err) < 0 ||
	    refuse_if_set(lnx, "linux", "netDevices", err) < 0)
		return -EINVAL;
	return 0;
}

/* ---- the document ---------------------------------------------------------------- */

static int parse_annotations(struct json_object *root, struct spec *s, struct pea_error **err)
{
	struct json_object *o = NULL;
	size_t n = 0;

	if (pea_json_get_object_opt(root, "", "annotations", &o, err) < 0)
		return -EINVAL;
	if (!o)
		return 0;
	s->annotations = xnew(struct spec_annotation, json_object_object_length(o) + 1);
	json_object_object_foreach(o, key, val)
	{
		if (!json_object_is_type(val, json_type_string)) {
			_cleanup_free_ char *kpath = pea_json_path_key("annotations", key);

			return field_error(err, kpath, "is not a string");
		}
		s->annotations[n].key = xstrdup(key);
		s->annotations[n].value = xstrdup(json_object_get_string(val));
		s->n_annotations = ++n;
	}
	return 0;
}

/* Cross-field rules, after everything is parsed. */
/*
 * A sysctl is written in the container's namespaces: only those the kernel
 * namespaces, and only when the container has that namespace (else it would
 * change the host's). As runc and crun: the ipc ones, net.*, and
 * kernel.domainname with a uts namespace; kernel.hostname never (the
 * "hostname" field says it).
 */
/*
 * A namespace joined by path is the runtime's own (the host's, mostly) when
 * both name the same nsfs inode: as runc, a sysctl is then refused. A path that
 * cannot be read is not decided here: joining it fails later with its reason.
 */
static bool joins_own_namespace(const struct spec_namespace *n)
{
	_cleanup_free_ char *self = NULL;
	struct stat a, b;

	if (!n || !n->path)
		return false;
	self = xasprintf("/proc/self/ns/%s",
			 n->type == CLONE_NEWNET ? "net" : spec_namespace_name(n->type));
	if (stat(n->path, &a) < 0 || stat(self, &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int validate_sysctl(const struct spec *s, const char *key, struct pea_error **err)
{
	static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb",
					   "kernel.msgmni", "kernel.sem",
					   "kernel.shmall", "kernel.shmmax",
					   "kernel.shmmni", "kernel.shm_rmid_forced" };
	_cleanup_free_ char *kpath = pea_json_path_key("linux.sysctl", key);
	int ns = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ipc) && !ns; i++)
		if (strcmp(key, ipc[i]) == 0)
			ns = CLONE_NEWIPC;
	if (strncmp(key, "fs.mqueue.", 10) == 0)
		ns = CLONE_NEWIPC;
	else if (strncmp(key, "net.", 4) == 0)
		ns = CLONE_NEWNET;
	else if (strcmp(key, "kernel.domainname") == 0)
		ns = CLONE_NEWUTS;
	else if (strcmp(key, "kernel.hostname") == 0)
		return field_error(err, kpath, "not allowed: set the 'hostname' field instead");
	if (!ns)
		return field_error(err, kpath,
				   "not allowed: it is not namespaced (it would change "
				   "the host's)");
	if (!spec_namespace(s, ns) || joins_own_namespace(spec_namespace(s, ns)))
		return field_error(err, kpath, "needs a %s namespace (it would change the host's)",
				   spec_namespace_name(ns));
	return 0;
}

static int validate(struct spec *s, struct pea_error **err)
{
	const struct spec_namespace *user = spec_namespace(s, CLONE_NEWUSER);
	const struct spec_namespace *uts = spec_namespace(s, CLONE_NEWUTS);
	const struct spec_namespace *time = spec_namespace(s, CLONE_NEWTIME);

	if ((s->hostname || s->domainname) && (!uts || uts->path))
		return field_error(err, s->hostname ? "hostname" : "domainname",
				   "needs a new uts namespace");
	if ((s->n_uid_mappings || s->n_gid_mappings) && (!user || user->path))
		return field_error(err, "linux.uidMappings", "needs a new user namespace");
	if (user && !user->path && (!s->n_uid_mappings || !s->n_gid_mappings))
		return field_error(err, "linux.uidMappings",
				   "a new user namespace needs uidMappings and gidMappings");
	if (s->has_time_offsets && (!time || time->path))
		return field_error(err, "linux.timeOffsets", "needs a new time namespace");
	if (!spec_namespace(s, CLONE_NEWNS))
		return field_error(err, "linux.namespaces", "a mount namespace is required");
	if (!s->has_process)
		return field_error(err, "process", "is missing");
	for (size_t i = 0; i < s->n_sysctl; i++)
		if (validate_sysctl(s, s->sysctl[i].key, err) < 0)
			return -EINVAL;
	return 0;
}

static int parse_root(struct json_object *root, const char *bundle, struct spec *s,
		      struct pea_error **err)
{
	struct json_object *r = NULL;
	const char *path = NULL;

	if (pea_json_get_object_opt(root, "", "root", &r, err) < 0)
		return -EINVAL;
	if (!r)
		return field_error(err, "root", "is missing");
	if (pea_json_get_string_req(r, "root", "path", &path, err) < 0 ||
	    pea_json_get_bool_opt(r, "root", "readonly", &s->root_readonly, err) < 0)
		return -EINVAL;
	if (!*path)
		return field_error(err, "root.path", "is empty");
	s->root_path = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", bundle, path);
	return 0;
}

static int parse_document(struct json_object *root, const char *bundle, struct spec *s,
			  struct pea_error **err)
{
	const char *version = NULL, *hostname = NULL, *domainname = NULL;
	struct json_object *arr = NULL;

	if (pea_json_expect_object(root, "", err) < 0)
		return -EINVAL;
	if (pea_json_get_string_req(root, "", "ociVersion", &version, err) < 0)
		return -EINVAL;
	if (strncmp(version, "1.", 2) != 0)
		return field_error(err, "ociVersion", "unsupported version '%s'", version);
	s->oci_version = xstrdup(version);
	if (parse_root(root, bundle, s, err) < 0)
		return -EINVAL;
	if (pea_json_get_string_opt(root, "", "hostname", &hostname, err) < 0 ||
	    pea_json_get_string_opt(root, "", "domainname", &domainname, err) < 0)
		return -EINVAL;
	s->hostname = hostname && *hostname ? xstrdup(hostname) : NULL;
	s->domainname = domainname && *domainname ? xstrdup(domainname) : NULL;
	if (pea_json_get_array_opt(root, "", "mounts", &arr, err) < 0)
		return -EINVAL;
	s->mounts = xnew(struct spec_mount, (arr ? json_object_array_length(arr) : 0) + 1);
	if (for_each(root, "", "mounts", 4096, parse_mount, s, &s->n_mounts, err) < 0)
		return -EINVAL;
	if (parse_process(root, s, err) < 0 || parse_hooks(root, s, err) < 0 ||
	    parse_annotations(root, s, err) < 0 || parse_linux(root, s, err) < 0)
		return -EINVAL;
	if (refuse_if_set(root, "", "solaris", err) < 0 ||
	    refuse_if_set(root, "", "windows", err) < 0 || refuse_if_set(root, "", "vm", err) < 0 ||
	    refuse_if_set(root, "", "zos", err) < 0)
		return -EINVAL;
	return validate(s, err);
}

/* ---- linux.seccomp's text, found without parsing the document ---- */

static const char *skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* past the string at p (its opening quote), or NULL */
static const char *skip_string(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* past the value at p, or NULL (a comment, which json-c reads, too: not ours to split) */
static const char *skip_value(const char *p, const char *e)
{
	int depth = 0;

	if (p >= e)
		return NULL;
	if (*p == '"')
		return skip_string(p, e);
	if (*p != '{' && *p != '[') {
		while (p < e && !strchr(",}] \t\r\n/", *p))
			p++;
		return p;
	}
	while (p < e) {
		if (*p == '"') {
			p = skip_string(p, e);
			if (!p)
				return NULL;
			continue;
		}
		if (*p == '/')
			return NULL;
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return NULL;
}

/*
 * The value of key in the object at p, as [*a, *b): 0, or -1 when it is not
 * there once, or anything is odd (a key with an escape, which could be
 * another spelling of key; text this does not read as JSON does).
 */
static int find_member(const char *p, const char *e, const char *key, const char **a,
		       const char **b)
{
	size_t kl = strlen(key);
	int found = 0;

	p = skip_ws(p, e);
	if (p >= e || *p != '{')
		return -1;
	for (p = skip_ws(p + 1, e); p < e && *p == '"';) {
		const char *ks = p + 1, *ke = skip_string(p, e), *vs, *ve;

		if (!ke || memchr(ks, '\\', (size_t)(ke - 1 - ks)))
			return -1;
		p = skip_ws(ke, e);
		if (p >= e || *p != ':')
			return -1;
		vs = skip_ws(p + 1, e);
		ve = skip_value(vs, e);
		if (!ve)
			return -1;
		if ((size_t)(ke - 1 - ks) == kl && memcmp(ks, key, kl) == 0) {
			if (found++)
				return -1;
			*a = vs;
			*b = ve;
		}
		p = skip_ws(ve, e);
		if (p < e && *p == '}')
			return found ? 0 : -1;
		if (p >= e || *p != ',')
			return -1;
		p = skip_ws(p + 1, e);
	}
	return -1;
}

/* linux.seccomp's object, when it can be left unparsed: [*a, *b) */
static bool seccomp_span(const char *buf, size_t len, const char **a, const char **b)
{
	const char *e = buf + len, *la, *lb;
	size_t n;

	if (find_member(buf, e, "linux", &la, &lb) < 0 ||
	    find_member(la, lb, "seccomp", a, b) < 0 || **a != '{')
		return false;
	n = (size_t)(*b - *a);
	/*
	 * What needs the parsed profile after create: the listener. An escape
	 * anywhere could spell either name another way ("SCMP_ACT_NOTIF\u0059"):
	 * such a text is parsed at once.
	 */
	return !memchr(*a, '\\', n) && !memmem(*a, n, "listenerPath", 12) &&
	       !memmem(*a, n, "SCMP_ACT_NOTIFY", 15);
}

static int parse_spec(const char *buf, size_t len, const char *bundle, bool defer,
		      struct spec **ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	_cleanup_free_ char *rest = NULL;
	const char *a = NULL, *b = NULL;
	struct spec *s;
	int r;

	if (defer && seccomp_span(buf, len, &a, &b)) {
		/* the document with "seccomp": null, which parse_seccomp then skips */
		rest = xasprintf("%.*snull%.*s", (int)(a - buf), buf, (int)(buf + len - b), b);
		r = pea_json_parse(rest, strlen(rest), "config.json", &root, err);
		if (r < 0) {
			/* its offset is rest's: the error as the whole text has it */
			if (err)
				*err = pea_error_free(*err);
			free(rest);
			rest = NULL;
			r = pea_json_parse(buf, len, "config.json", &root, err);
		}
	} else {
		r = pea_json_parse(buf, len, "config.json", &root, err);
	}
	if (r < 0)
		return r;
	s = xnew(struct spec, 1);
	s->bundle = xstrdup(bundle);
	if (rest)
		s->seccomp_text = xstrndup(a, (size_t)(b - a));
	r = parse_document(root, bundle, s, err);
	if (r < 0) {
		spec_free(s);
		return pea_error_wrap(err, "config.json");
	}
	*ret = s;
	return 0;
}

int spec_parse(const char *buf, size_t len, const char *bundle, struct spec **ret,
	       struct pea_error **err)
{
	return parse_spec(buf, len, bundle, false, ret, err);
}

int spec_parse_deferred(const char *buf, size_t len, const char *bundle, struct spec **ret,
			struct pea_error **err)
{
	return parse_spec(buf, len, bundle, true, ret, err);
}

static int load_config(const char *bundle, const char *config, bool defer, struct spec **ret,
		       struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0;

	fd = openat(AT_FDCWD, bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "bundle '%s'", bundle);
	if (pea_read_file_at(fd, config && *config ? config : "config.json", CONFIG_MAX, &buf, &len,
			     err) < 0)
		return pea_error_wrap(err, "bundle '%s'", bundle);
	return parse_spec(buf, len, bundle, defer, ret, err);
}

int spec_load_config(const char *bundle, const char *config, struct spec **ret,
		     struct pea_error **err)
{
	return load_config(bundle, config, false, ret, err);
}

int spec_load_deferred(const char *bundle, const char *config, struct spec **ret,
		       struct pea_error **err)
{
	return load_config(bundle, config, true, ret, err);
}

int spec_seccomp_materialize(struct spec *s, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = NULL;

	if (!s->seccomp_text || s->seccomp)
		return 0;
	if (pea_json_parse(s->seccomp_text, strlen(s->seccomp_text), "config.json", &o, err) < 0)
		return -EINVAL;
	if (spec_seccomp_parse(o, &s->seccomp, err) < 0)
		return pea_error_wrap(err, "config.json");
	/* the cache's key: the text as config.json has it (seccomp_cached looks it up so) */
	free(s->seccomp->source);
	s->seccomp->source = xstrdup(s->seccomp_text);
	return 0;
}

int spec_load(const char *bundle, struct spec **ret, struct pea_error **err)
{
	return spec_load_config(bundle, NULL, ret, err);
}

static void mounts_free(struct spec_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].destination);
		free(m[i].source);
		free(m[i].type);
		free(m[i].data);
	}
	free(m);
}

struct spec *spec_free(struct spec *s)
{
	if (!s)
		return NULL;
	free(s->oci_version);
	free(s->root_path);
	free(s->hostname);
	free(s->domainname);
	mounts_free(s->mounts, s->n_mounts);
	spec_process_clear(&s->process);
	for (int k = 0; k < HOOK_KIND_COUNT; k++)
		spec_hooks_clear(&s->hooks[k]);
	for (size_t i = 0; i < s->n_annotations; i++) {
		free(s->annotations[i].key);
		free(s->annotations[i].value);
	}
	free(s->annotations);
	for (size_t i = 0; i < s->n_namespaces; i++)
		free(s->namespaces[i].path);
	free(s->namespaces);
	free(s->uid_mappings);
	free(s->gid_mappings);
	for (size_t i = 0; i < s->n_devices; i++)
		free(s->devices[i].path);
	free(s->devices);
	pea_strv_free(s->masked_paths);
	pea_strv_free(s->readonly_paths);
	for (size_t i = 0; i < s->n_sysctl; i++) {
		free(s->sysctl[i].key);
		free(s->sysctl[i].value);
	}
	free(s->sysctl);
	free(s->cgroups_path);
	spec_resources_clear(&s->resources);
	spec_seccomp_free(s->seccomp);
	free(s->seccomp_text);
	free(s->mount_label);
	free(s->bundle);
	free(s->hooks_json);
	free(s->resources_json);
	free(s);
	return NULL;
}

const char *spec_mount_option_name(size_t i)
{
	while (i < ARRAY_SIZE(mount_options) && mount_options[i].kind == OPT_REFUSE)
		return NULL;
	return i < ARRAY_SIZE(mount_options) ? mount_options[i].name : NULL;
}

size_t spec_mount_option_count(void)
{
	return ARRAY_SIZE(mount_options);
}
