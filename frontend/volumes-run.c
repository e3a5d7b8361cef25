/* -v, --mount, --tmpfs, --volumes-from and named volumes of run/create (volumes-run.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/external.h"
#include "frontend/frontend.h"
#include "frontend/images.h"
#include "frontend/records.h"
#include "frontend/volumes-run.h"

#define VOLUME_RECORD_MAX (1u << 20)

static const char *const propagations[] = { "rprivate", "private", "rshared",	  "shared",
					    "rslave",	"slave",   "runbindable", "unbindable" };

static bool is_one_of(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, v[i]) == 0)
			return true;
	return false;
}

static bool destination_taken(struct json_object *list, const char *dest)
{
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		const char *d = NULL;
		if (pea_json_get_string_opt(json_object_array_get_idx(list, i), "", "destination",
					    &d, NULL) == 1 &&
		    strcmp(d, dest) == 0)
			return true;
	}
	return false;
}

static int check_destination(struct json_object *vols, struct json_object *tmpfs, const char *dest,
			     struct pea_error **err)
{
	if (dest[0] != '/')
		return pea_error_new(err, EINVAL,
				     "invalid container path \"%s\", must be an absolute path",
				     dest);
	if (destination_taken(vols, dest) || destination_taken(tmpfs, dest))
		return pea_error_new(err, EINVAL, "%s: duplicate mount destination", dest);
	return 0;
}

static void push_entry(struct json_object **list, struct json_object *entry)
{
	if (!*list)
		*list = json_object_new_array();
	json_object_array_add(*list, entry);
}

/*
 * entry onto *list (vols or tmpfs), its destination checked: the same mount
 * given twice is kept once (as podman: -v A:/d -v A:/d, --tmpfs /d --tmpfs /d),
 * another mount on a taken destination is an error. Takes entry.
 */
static int push_checked(struct json_object **list, struct json_object **vols,
			struct json_object **tmpfs, struct json_object *entry,
			struct pea_error **err)
{
	const char *dest = NULL;

	(void)pea_json_get_string_opt(entry, "", "destination", &dest, NULL);
	for (size_t i = 0; dest && *list && i < json_object_array_length(*list); i++)
		if (json_object_equal(json_object_array_get_idx(*list, i), entry)) {
			json_object_put(entry);
			return 0;
		}
	if (!dest || check_destination(*vols, *tmpfs, dest, err) < 0) {
		json_object_put(entry);
		return dest ? -1 : pea_error_new(err, EINVAL, "a mount without destination");
	}
	push_entry(list, entry);
	return 0;
}

static struct json_object *volume_entry(const char *type, const char *source, const char *dest,
					struct json_object *opts, bool nocopy)
{
	_cleanup_free_ char *anon = NULL;
	struct json_object *v = json_object_new_object();

	/* no source: an anonymous volume, a new one named by a random id (as podman) */
	if (!source)
		source = anon = frontend_new_id();
	json_object_object_add(v, "type", json_object_new_string(type));
	json_object_object_add(v, "source", json_object_new_string(source));
	if (anon)
		json_object_object_add(v, "anonymous", json_object_new_boolean(true));
	json_object_object_add(v, "destination", json_object_new_string(dest));
	json_object_object_add(v, "options", opts);
	if (nocopy)
		json_object_object_add(v, "nocopy", json_object_new_boolean(true));
	return v;
}

/* A host path: it must exist; made absolute (realpath). */
static int bind_source(const char *src, char **ret, struct pea_error **err)
{
	struct stat st;
	char *abs;

	if (stat(src, &st) < 0)
		return pea_error_errno(err, "error checking path \"%s\": stat %s", src, src);
	abs = realpath(src, NULL);
	*ret = abs ? abs : xstrdup(src);
	return 0;
}

static bool is_volume_name(const char *s)
{
	return s[0] != '/' && s[0] != '.';
}

/* What the OPTS of -v ask beyond mount flags. */
struct volume_extra {
	bool nocopy, chown, idmap, overlay;
};

/* podman's options with a value that pea refuses by name (rather than as unknown) */
static bool is_podman_only(const char *f)
{
	return strncmp(f, "idmap=", 6) == 0 || strncmp(f, "upperdir=", 9) == 0 ||
	       strncmp(f, "workdir=", 8) == 0;
}

static int volume_flag_extra(const char *spec, const char *f, bool named, struct volume_extra *x,
			     struct pea_error **err)
{
	if ((strcmp(f, "nocopy") == 0 || strcmp(f, "copy") == 0) && !named)
		return pea_error_new(err, EINVAL,
				     "invalid volume option '%s' in '%s': only for named volumes",
				     f, spec);
	if (strcmp(f, "O") == 0 && named)
		return pea_error_new(
			err, EINVAL,
			"invalid volume option 'O' in '%s': an overlay is only for host "
			"directories",
			spec);
	if (is_podman_only(f))
		return pea_error_new(
			err, EINVAL,
			"invalid volume option '%s' in '%s': not supported by pea (use "
			"'%.*s' alone)",
			f, spec, (int)strcspn(f, "="), f);
	x->nocopy |= strcmp(f, "nocopy") == 0;
	x->chown |= strcmp(f, "U") == 0;
	x->idmap |= strcmp(f, "idmap") == 0;
	x->overlay |= strcmp(f, "O") == 0;
	return 0;
}

/*
 * The OPTS of -v: mount flags (ro, rw, [r]bind, propagation, nosuid, ...),
 * z/Z dropped (no SELinux here), and the extras: nocopy, U, idmap, O.
 */
static int volume_flags(const char *spec, const char *flags, bool named, struct json_object *opts,
			struct volume_extra *x, struct pea_error **err)
{
	static const char *const ok[] = { "ro",	 "rw",	 "nosuid", "nodev", "noexec", "suid",
					  "dev", "exec", "z",	   "Z",	    "nocopy", "copy",
					  "U",	 "O",	 "idmap",  "bind",  "rbind" };
	static const char *const extras[] = { "z", "Z", "nocopy", "copy", "U", "O", "idmap" };
	_cleanup_strv_ char **v = pea_strv_split(flags, ",");
	bool ro = false, rw = false, prop = false, bind = false;
	size_t n = pea_strv_length(v);

	for (size_t i = 0; v[i]; i++) {
		bool is_prop = is_one_of(v[i], propagations, ARRAY_SIZE(propagations));
		bool is_bind = strcmp(v[i], "bind") == 0 || strcmp(v[i], "rbind") == 0;
		if (!is_prop && !is_one_of(v[i], ok, ARRAY_SIZE(ok)) && !is_podman_only(v[i]))
			return pea_error_new(err, EINVAL, "invalid volume option '%s' in '%s'",
					     v[i], spec);
		if (volume_flag_extra(spec, v[i], named, x, err) < 0)
			return -1;
		if ((is_prop && prop) || (is_bind && bind) ||
		    (strcmp(v[i], "ro") == 0 && (ro || rw)) ||
		    (strcmp(v[i], "rw") == 0 && (ro || rw)))
			return pea_error_new(err, EINVAL,
					     "invalid volume options '%s': '%s' set twice or in "
					     "conflict",
					     flags, v[i]);
		prop |= is_prop;
		bind |= is_bind;
		ro |= strcmp(v[i], "ro") == 0;
		rw |= strcmp(v[i], "rw") == 0;
		if (is_bind) /* in place of the default rbind */
			json_object_array_put_idx(opts, 0, json_object_new_string(v[i]));
		else if (!is_one_of(v[i], extras, ARRAY_SIZE(extras)))
			json_object_array_add(opts, json_object_new_string(v[i]));
	}
	if (x->overlay && n > (pea_strv_contains(v, "z") || pea_strv_contains(v, "Z") ? 2u : 1u))
		return pea_error_new(err, EINVAL,
				     "invalid volume options '%s': 'O' cannot be combined with "
				     "other options",
				     flags);
	return 0;
}

/* The extras into the entry (volumes-run.h). */
static void entry_extras(struct json_object *e, const struct volume_extra *x)
{
	if (x->chown)
		json_object_object_add(e, "chown", json_object_new_boolean(true));
	if (x->idmap)
		json_object_object_add(e, "idmap", json_object_new_boolean(true));
}

int mounts_parse_volume(struct json_object **vols, struct json_object **tmpfs, const char *spec,
			struct pea_error **err)
{
	_cleanup_strv_ char **parts = pea_strv_split(spec, ":");
	_cleanup_json_ struct json_object *opts = json_object_new_array();
	_cleanup_free_ char *src = NULL;
	size_t n = pea_strv_length(parts);
	struct volume_extra x = { 0 };
	struct json_object *e;
	bool named;

	if (n == 1 && parts[0][0] == '/') {
		/* -v /dir: an anonymous volume */
		if (check_destination(*vols, *tmpfs, parts[0], err) < 0)
			return -1;
		json_object_array_add(opts, json_object_new_string("rbind"));
		push_entry(vols, volume_entry("volume", NULL, parts[0], TAKE_PTR(opts), false));
		return 0;
	}
	if (n < 2 || n > 3)
		return pea_error_new(err, EINVAL,
				     "invalid volume '%s': use HOST-DIR:CONTAINER-DIR[:OPTIONS] "
				     "or VOLUME-NAME:CONTAINER-DIR[:OPTIONS]",
				     spec);
	named = is_volume_name(parts[0]);
	if (named && !container_name_valid(parts[0]))
		return pea_error_new(err, EINVAL,
				     "invalid volume '%s': volume names must match "
				     "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
				     spec);
	if (parts[1][0] != '/')
		return check_destination(*vols, *tmpfs, parts[1], err);
	json_object_array_add(opts, json_object_new_string("rbind"));
	if (n == 3 && volume_flags(spec, parts[2], named, opts, &x, err) < 0)
		return -1;
	if (!named && bind_source(parts[0], &src, err) < 0)
		return -1;
	e = volume_entry(x.overlay ? "overlay"
			 : named   ? "volume"
				   : "bind",
			 named ? parts[0] : src, parts[1], TAKE_PTR(opts), x.nocopy);
	entry_extras(e, &x);
	return push_checked(vols, vols, tmpfs, e, err);
}

/* ---- --mount ------------------------------------------------------------ */

struct mount_kv {
	char *type, *source, *target;
	bool readonly, nocopy, nonrecursive, chown, idmap, notmpcopyup;
	int rw; /* rw/readwrite given: 1 or 0; -1: not given (type=image) */
	char *propagation;
	long long tmpfs_size; /* -1: unset */
	long tmpfs_mode;      /* -1: unset */
	char **devpts;	      /* uid=, gid=, mode=, max= */
};

static void mount_kv_clear(struct mount_kv *m)
{
	free(m->type);
	free(m->source);
	free(m->target);
	free(m->propagation);
	pea_strv_free(m->devpts);
}

static int kv_bool(const char *key, const char *v, bool *ret, struct pea_error **err)
{
	if (!v || strcmp(v, "true") == 0) {
		*ret = true;
		return 0;
	}
	if (strcmp(v, "false") == 0) {
		*ret = false;
		return 0;
	}
	return pea_error_new(err, EINVAL, "invalid value '%s' of %s: use true or false", v, key);
}

static int kv_string(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
	return 0;
}

/* devpts's uid, gid, max (decimal) and mode (octal) */
static int devpts_key(struct mount_kv *m, const char *key, const char *v, struct pea_error **err)
{
	unsigned long long n;
	char *end = NULL;

	errno = 0;
	n = strtoull(v, &end, strcmp(key, "mode") == 0 ? 8 : 10);
	if (errno || *end || v[0] == '-' || n > (strcmp(key, "mode") == 0 ? 07777 : 4294967295ull))
		return pea_error_new(err, EINVAL, "invalid %s '%s': %s", key, v,
				     strcmp(key, "mode") == 0 ? "an octal mode" : "a number");
	pea_strv_push_take(&m->devpts, xasprintf("%s=%s", key, v));
	return 0;
}

/* Keys with a boolean value (or none: true); 1 when key is not one. */
static int mount_bool_key(struct mount_kv *m, const char *key, const char *v,
			  struct pea_error **err)
{
	bool b = false;

	if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0)
		return kv_bool(key, v, &m->readonly, err);
	if (strcmp(key, "rw") == 0 || strcmp(key, "readwrite") == 0) {
		if (kv_bool(key, v, &b, err) < 0)
			return -1;
		m->readonly = !b;
		m->rw = b;
		return 0;
	}
	if (strcmp(key, "volume-nocopy") == 0 || strcmp(key, "nocopy") == 0)
		return kv_bool(key, v, &m->nocopy, err);
	if (strcmp(key, "bind-nonrecursive") == 0)
		return kv_bool(key, v, &m->nonrecursive, err);
	if (strcmp(key, "U") == 0 || strcmp(key, "chown") == 0)
		return kv_bool(key, v, &m->chown, err);
	if (strcmp(key, "idmap") == 0)
		return kv_bool(key, v, &m->idmap, err);
	if (strcmp(key, "consistency") == 0 || strcmp(key, "z") == 0 || strcmp(key, "Z") == 0)
		return 0; /* SELinux and macOS: nothing to do here, as podman without them */
	/* podman's default: a tmpfs starts with what the image has there */
	if (strcmp(key, "notmpcopyup") == 0 && !v) {
		m->notmpcopyup = true;
		return 0;
	}
	if (strcmp(key, "tmpcopyup") == 0 && !v) {
		m->notmpcopyup = false;
		return 0;
	}
	return 1;
}

static int mount_key(struct mount_kv *m, const char *key, const char *v, struct pea_error **err)
{
	char *end = NULL;
	int r = mount_bool_key(m, key, v, err);

	if (r <= 0)
		return r;
	if (!v || !*v)
		return pea_error_new(err, EINVAL, "%s needs a value (%s=...)", key, key);
	if (strcmp(key, "type") == 0)
		return kv_string(&m->type, v);
	if (strcmp(key, "source") == 0 || strcmp(key, "src") == 0)
		return kv_string(&m->source, v);
	if (strcmp(key, "target") == 0 || strcmp(key, "destination") == 0 ||
	    strcmp(key, "dst") == 0)
		return kv_string(&m->target, v);
	if (strcmp(key, "relabel") == 0) {
		if (strcmp(v, "shared") != 0 && strcmp(v, "private") != 0)
			return pea_error_new(err, EINVAL,
					     "invalid relabel '%s': use shared or private", v);
		return 0; /* no SELinux here: nothing to relabel */
	}
	if (strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0 || strcmp(key, "mode") == 0 ||
	    strcmp(key, "max") == 0)
		return devpts_key(m, key, v, err);
	if (strcmp(key, "bind-propagation") == 0) {
		if (!is_one_of(v, propagations, ARRAY_SIZE(propagations)))
			return pea_error_new(err, EINVAL,
					     "invalid bind-propagation '%s': use "
					     "rprivate, private, rshared, shared, rslave, slave, "
					     "runbindable or unbindable",
					     v);
		return kv_string(&m->propagation, v);
	}
	if (strcmp(key, "tmpfs-size") == 0) {
		if (frontend_parse_size(v, &m->tmpfs_size) < 0)
			return pea_error_new(err, EINVAL, "invalid tmpfs-size '%s'", v);
		return 0;
	}
	if (strcmp(key, "tmpfs-mode") == 0) {
		errno = 0;
		m->tmpfs_mode = strtol(v, &end, 8);
		if (errno || *end || m->tmpfs_mode < 0 || m->tmpfs_mode > 07777)
			return pea_error_new(err, EINVAL, "invalid tmpfs-mode '%s': an octal mode",
					     v);
		return 0;
	}
	return pea_error_new(err, EINVAL, "unknown option '%s'", key);
}

static bool type_is(const struct mount_kv *m, const char *type)
{
	return strcmp(m->type, type) == 0;
}

/* type-specific keys on the wrong type are refused, as podman does */
static int mount_check_keys(const struct mount_kv *m, struct pea_error **err)
{
	if (!type_is(m, "tmpfs") && (m->tmpfs_size >= 0 || m->tmpfs_mode >= 0))
		return pea_error_new(err, EINVAL, "tmpfs-size and tmpfs-mode are for type=tmpfs");
	if (!type_is(m, "bind") && (m->propagation || m->nonrecursive))
		return pea_error_new(err, EINVAL,
				     "bind-propagation and bind-nonrecursive are for "
				     "type=bind");
	if (!type_is(m, "volume") && m->nocopy)
		return pea_error_new(err, EINVAL, "volume-nocopy is for type=volume");
	if (!type_is(m, "tmpfs") && m->notmpcopyup)
		return pea_error_new(err, EINVAL, "notmpcopyup is for type=tmpfs");
	if (!type_is(m, "devpts") && m->devpts)
		return pea_error_new(err, EINVAL, "uid, gid, mode and max are for type=devpts");
	if (!type_is(m, "bind") && !type_is(m, "volume") && (m->chown || m->idmap))
		return pea_error_new(err, EINVAL, "U and idmap are for type=bind and type=volume");
	if ((type_is(m, "tmpfs") || type_is(m, "devpts")) && m->source)
		return pea_error_new(err, EINVAL, "type=%s takes no source", m->type);
	if ((type_is(m, "bind") || type_is(m, "image")) && !m->source)
		return pea_error_new(err, EINVAL, "type=%s needs a source", m->type);
	return 0;
}

static void add_fmt(struct json_object *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_fmt(struct json_object *a, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	json_object_array_add(a, json_object_new_string(s));
}

static void mount_add_tmpfs(struct json_object **tmpfs, const struct mount_kv *m)
{
	struct json_object *opts = json_object_new_array(), *t;

	json_object_array_add(opts, json_object_new_string(m->readonly ? "ro" : "rw"));
	json_object_array_add(opts, json_object_new_string("nosuid"));
	json_object_array_add(opts, json_object_new_string("nodev"));
	if (m->tmpfs_size >= 0)
		add_fmt(opts, "size=%lld", m->tmpfs_size);
	if (m->tmpfs_mode >= 0)
		add_fmt(opts, "mode=%lo", (unsigned long)m->tmpfs_mode);
	if (!m->notmpcopyup)
		json_object_array_add(opts, json_object_new_string("tmpcopyup"));
	t = json_object_new_object();
	json_object_object_add(t, "destination", json_object_new_string(m->target));
	json_object_object_add(t, "options", opts);
	push_entry(tmpfs, t);
}

/* type=devpts: a new instance of its own (podman's defaults: uid 0, gid 0, mode 600) */
static void mount_add_devpts(struct json_object **vols, const struct mount_kv *m)
{
	struct json_object *opts = json_object_new_array(), *e = json_object_new_object();

	json_object_array_add(opts, json_object_new_string("nosuid"));
	json_object_array_add(opts, json_object_new_string("noexec"));
	json_object_array_add(opts, json_object_new_string("newinstance"));
	json_object_array_add(opts, json_object_new_string("ptmxmode=0666"));
	for (size_t i = 0; m->devpts && m->devpts[i]; i++)
		json_object_array_add(opts, json_object_new_string(m->devpts[i]));
	if (m->readonly)
		json_object_array_add(opts, json_object_new_string("ro"));
	json_object_object_add(e, "type", json_object_new_string("devpts"));
	json_object_object_add(e, "destination", json_object_new_string(m->target));
	json_object_object_add(e, "options", opts);
	push_entry(vols, e);
}

/* type=image: the image's root, read-only unless rw=true; made at create (mounts_images_create) */
static void mount_add_image(struct json_object **vols, const struct mount_kv *m)
{
	struct json_object *opts = json_object_new_array();

	json_object_array_add(opts, json_object_new_string("rbind"));
	json_object_array_add(opts, json_object_new_string(m->rw == 1 ? "rw" : "ro"));
	push_entry(vols, volume_entry("image", m->source, m->target, opts, false));
}

static int mount_add(struct json_object **vols, struct json_object **tmpfs,
		     const struct mount_kv *m, struct pea_error **err)
{
	_cleanup_json_ struct json_object *opts = json_object_new_array();
	_cleanup_free_ char *src = NULL;
	struct volume_extra x = { .chown = m->chown, .idmap = m->idmap };
	struct json_object *e;

	if (check_destination(*vols, *tmpfs, m->target, err) < 0)
		return -1;
	if (type_is(m, "tmpfs")) {
		mount_add_tmpfs(tmpfs, m);
		return 0;
	}
	if (type_is(m, "devpts")) {
		mount_add_devpts(vols, m);
		return 0;
	}
	if (type_is(m, "image")) {
		mount_add_image(vols, m);
		return 0;
	}
	json_object_array_add(opts, json_object_new_string(m->nonrecursive ? "bind" : "rbind"));
	if (m->readonly)
		json_object_array_add(opts, json_object_new_string("ro"));
	if (m->propagation)
		json_object_array_add(opts, json_object_new_string(m->propagation));
	if (type_is(m, "volume")) {
		if (m->source && !container_name_valid(m->source))
			return pea_error_new(err, EINVAL,
					     "--mount: invalid volume name '%s': names must match "
					     "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
					     m->source);
		e = volume_entry("volume", m->source, m->target, TAKE_PTR(opts), m->nocopy);
	} else {
		if (bind_source(m->source, &src, err) < 0)
			return -1;
		e = volume_entry("bind", src, m->target, TAKE_PTR(opts), false);
	}
	entry_extras(e, &x);
	return push_checked(vols, vols, tmpfs, e, err);
}

int mounts_parse_mount(struct json_object **vols, struct json_object **tmpfs, const char *spec,
		       struct pea_error **err)
{
	static const char *const types[] = { "bind", "volume", "tmpfs", "image", "devpts" };
	_cleanup_(mount_kv_clear) struct mount_kv m = { .tmpfs_size = -1,
							.tmpfs_mode = -1,
							.rw = -1 };
	_cleanup_strv_ char **items = pea_strv_split(spec, ",");

	for (size_t i = 0; items[i]; i++) {
		char *eq = strchr(items[i], '=');
		if (eq)
			*eq = '\0';
		if (mount_key(&m, items[i], eq ? eq + 1 : NULL, err) < 0)
			return pea_error_wrap(err, "invalid --mount '%s'", spec);
	}
	if (!m.type)
		m.type = xstrdup("volume"); /* podman's default */
	if (type_is(&m, "glob"))
		return pea_error_new(err, EINVAL,
				     "invalid --mount '%s': type 'glob' is not supported (it came "
				     "with podman 4.4): use bind, volume, image, tmpfs or devpts",
				     spec);
	if (!is_one_of(m.type, types, ARRAY_SIZE(types)))
		return pea_error_new(err, EINVAL,
				     "invalid --mount '%s': type '%s' is not supported: use bind, "
				     "volume, image, tmpfs or devpts",
				     spec, m.type);
	if (!m.target)
		return pea_error_new(err, EINVAL, "invalid --mount '%s': no target (target=DIR)",
				     spec);
	if (mount_check_keys(&m, err) < 0)
		return pea_error_wrap(err, "invalid --mount '%s'", spec);
	return mount_add(vols, tmpfs, &m, err);
}

int mounts_parse_tmpfs(struct json_object **vols, struct json_object **tmpfs, const char *spec,
		       struct pea_error **err)
{
	const char *colon = strchr(spec, ':');
	_cleanup_free_ char *dest = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	struct json_object *t, *opts;
	bool copyup = true;

	if (dest[0] != '/')
		return check_destination(*vols, *tmpfs, dest, err);
	opts = json_object_new_array();
	if (colon && colon[1]) {
		_cleanup_strv_ char **flags = pea_strv_split(colon + 1, ",");
		for (size_t i = 0; flags && flags[i]; i++) {
			/* podman's default is tmpcopyup; notmpcopyup is pea's to take */
			if (strcmp(flags[i], "notmpcopyup") == 0)
				copyup = false;
			else if (strcmp(flags[i], "tmpcopyup") != 0)
				json_object_array_add(opts, json_object_new_string(flags[i]));
		}
	} else {
		static const char *const def[] = { "rw", "noexec", "nosuid", "nodev" };
		for (size_t i = 0; i < ARRAY_SIZE(def); i++)
			json_object_array_add(opts, json_object_new_string(def[i]));
	}
	if (copyup)
		json_object_array_add(opts, json_object_new_string("tmpcopyup"));
	t = json_object_new_object();
	json_object_object_add(t, "destination", json_object_new_string(dest));
	json_object_object_add(t, "options", opts);
	return push_checked(tmpfs, vols, tmpfs, t, err);
}

/* ---- --volumes-from ------------------------------------------------------ */

/* The entry with its ro/rw replaced by mode (NULL: kept). */
static struct json_object *entry_with_mode(struct json_object *e, const char *mode)
{
	struct json_object *copy = NULL, *opts = NULL, *nopts;

	if (json_object_deep_copy(e, &copy, NULL) < 0)
		return NULL;
	/* the other container's anonymous volume stays its own: not removed with ours */
	json_object_object_del(copy, "anonymous");
	/* an image gets a storage container of ours (mounts_images_create) */
	json_object_object_del(copy, "layer");
	if (!mode)
		return copy;
	nopts = json_object_new_array();
	if (json_object_object_get_ex(copy, "options", &opts))
		for (size_t i = 0; i < json_object_array_length(opts); i++) {
			const char *o = json_object_get_string(json_object_array_get_idx(opts, i));
			if (strcmp(o, "ro") != 0 && strcmp(o, "rw") != 0)
				json_object_array_add(nopts, json_object_new_string(o));
		}
	if (strcmp(mode, "ro") == 0)
		json_object_array_add(nopts, json_object_new_string("ro"));
	json_object_object_add(copy, "options", nopts);
	return copy;
}

int mounts_volumes_from(const struct global_options *g, struct json_object **vols,
			struct json_object *tmpfs, const char *spec, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *other = NULL;
	_cleanup_free_ char *name = xstrndup(spec, strcspn(spec, ":"));
	const char *mode = strchr(spec, ':');
	struct json_object *theirs = NULL;

	if (mode) {
		_cleanup_strv_ char **flags = pea_strv_split(mode + 1, ",");
		mode = NULL;
		for (size_t i = 0; flags[i]; i++) {
			if (strcmp(flags[i], "ro") == 0 || strcmp(flags[i], "rw") == 0)
				mode = strcmp(flags[i], "ro") == 0 ? "ro" : "rw";
			else if (strcmp(flags[i], "z") != 0 && strcmp(flags[i], "Z") != 0)
				return pea_error_new(err, EINVAL,
						     "invalid --volumes-from '%s': unknown option "
						     "'%s': use ro, rw or z",
						     spec, flags[i]);
		}
	}
	if (record_lookup(g, name, &other, err) < 0)
		return pea_error_wrap(err, "--volumes-from %s", spec);
	if (!json_object_object_get_ex(other->opts, "volumes", &theirs))
		return 0;
	for (size_t i = 0; i < json_object_array_length(theirs); i++) {
		struct json_object *e = json_object_array_get_idx(theirs, i), *copy;
		const char *dest = NULL;
		if (pea_json_get_string_opt(e, "", "destination", &dest, NULL) != 1 ||
		    destination_taken(*vols, dest) || destination_taken(tmpfs, dest))
			continue; /* the container's own mounts win */
		copy = entry_with_mode(e, mode);
		if (copy)
			push_entry(vols, copy);
	}
	return 0;
}

/* ---- named volumes ------------------------------------------------------- */

static char *volumes_path; /* --volumepath */

void volumes_set_root(const char *path)
{
	free(volumes_path);
	volumes_path = xstrdup(path);
}

const char *volumes_root_option(void)
{
	return volumes_path;
}

char *volumes_root(const struct global_options *g)
{
	if (volumes_path)
		return xstrdup(volumes_path);
	return xasprintf("%s/volumes", g->root);
}

char *volume_dir(const struct global_options *g, const char *name)
{
	_cleanup_free_ char *root = volumes_root(g);

	return xasprintf("%s/%s", root, name);
}

char *volume_data_dir(const struct global_options *g, const char *name)
{
	_cleanup_free_ char *root = volumes_root(g);

	return xasprintf("%s/%s/_data", root, name);
}

static bool is_named(struct json_object *e, const char **ret_name)
{
	const char *type = NULL;

	return pea_json_get_string_opt(e, "", "type", &type, NULL) == 1 &&
	       strcmp(type, "volume") == 0 &&
	       pea_json_get_string_opt(e, "", "source", ret_name, NULL) == 1;
}

int volumes_ensure(const struct global_options *g, struct json_object *vols, char ***ret_created,
		   struct pea_error **err)
{
	_cleanup_strv_ char **made = NULL;

	for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
		const char *name = NULL;
		_cleanup_free_ char *dir = NULL;
		_cleanup_json_ struct json_object *labels = NULL, *opts = NULL;

		if (!is_named(json_object_array_get_idx(vols, i), &name))
			continue;
		dir = volume_dir(g, name);
		if (pea_path_exists_at(AT_FDCWD, dir) || pea_strv_contains(made, name))
			continue;
		labels = json_object_new_object();
		opts = json_object_new_object();
		if (volume_create(g, name, "local", labels, opts, true, err) < 0) {
			volumes_drop(g, made);
			return pea_error_wrap(err, "creating volume '%s'", name);
		}
		pea_strv_push(&made, name);
	}
	*ret_created = TAKE_PTR(made);
	return 0;
}

void volumes_drop(const struct global_options *g, char *const *names)
{
	for (size_t i = 0; names && names[i]; i++) {
		_cleanup_free_ char *dir = volume_dir(g, names[i]);
		(void)pea_rm_rf_at(AT_FDCWD, dir, NULL);
	}
}

/* mount(8) of a volume's -o type=T -o device=D -o o=OPTS onto its folder (local driver). */
static int mount_volume(const char *type, const char *device, const char *mo, const char *data,
			struct pea_error **err)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *how = NULL;
	_cleanup_close_ int pidfd = -1, out = memfd_create("mount-output", MFD_CLOEXEC);
	struct pea_fd_map fds[] = { { out, 1 }, { out, 2 } };
	struct pea_spawn sp = { .fds = fds, .nfds = 2, .null_stdin = true };
	char said[512] = "";
	ssize_t n;
	pid_t pid;
	int status;

	if (out < 0)
		return pea_error_errno(err, "memfd_create");

	pea_strv_push(&argv, "mount");
	if (type) {
		pea_strv_push(&argv, "-t");
		pea_strv_push(&argv, type);
	}
	if (mo) {
		pea_strv_push(&argv, "-o");
		pea_strv_push(&argv, mo);
	}
	pea_strv_push(&argv, device ? device : type);
	pea_strv_push(&argv, data);
	sp.argv = argv;
	if (pea_spawn(&sp, &pid, &pidfd, err) < 0 || pea_wait(pid, pidfd, -1, &status, err) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* mount(8)'s own complaint, on the error's one line */
		n = pread(out, said, sizeof(said) - 1, 0);
		said[n > 0 ? n : 0] = '\0';
		said[strcspn(said, "\n")] = '\0';
		how = pea_describe_wait_status(status);
		return pea_error_new(err, EIO, "mount -t %s %s %s: %s%s%s", type ? type : "auto",
				     device ? device : type, data, how, said[0] ? ": " : "", said);
	}
	return 0;
}

static bool is_mount_point(const char *path)
{
	_cleanup_free_ char *parent = xasprintf("%s/..", path);
	struct stat a, b;

	return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

/*
 * The folder a named volume gives: its _data; a volume made with
 * -o type=bind -o device=DIR gives DIR; one with another type (tmpfs, a
 * device's file system) has it mounted on _data at its first use, as podman's
 * local driver (kept until volume rm). locked: the caller holds volumes.lock.
 */
static int named_volume_source(const struct global_options *g, const char *name, bool locked,
			       char **ret, struct pea_error **err)
{
	_cleanup_free_ char *dir = volume_dir(g, name),
			    *rec_path = xasprintf("%s/volume.json", dir);
	_cleanup_free_ char *data = volume_data_dir(g, name);
	_cleanup_free_ char *lockf = xasprintf("%s/volumes.lock", g->root);
	_cleanup_json_ struct json_object *rec = NULL;
	_cleanup_close_ int lock = -1;
	struct json_object *o = NULL;
	const char *type = NULL, *device = NULL, *mo = NULL;

	if (pea_json_parse_file_at(AT_FDCWD, rec_path, VOLUME_RECORD_MAX, &rec, err) < 0)
		return pea_error_wrap(err, "volume '%s'", name);
	if (!rec || pea_json_expect_object(rec, "", err) < 0)
		return pea_error_wrap(err, "volume '%s'", name);
	if (json_object_object_get_ex(rec, "Options", &o) &&
	    (pea_json_get_string_opt(o, "Options", "type", &type, err) < 0 ||
	     pea_json_get_string_opt(o, "Options", "device", &device, err) < 0 ||
	     pea_json_get_string_opt(o, "Options", "o", &mo, err) < 0))
		return pea_error_wrap(err, "volume '%s'", name);
	if (type && strcmp(type, "bind") == 0 && device) {
		*ret = xstrdup(device);
		return 0;
	}
	if (type || device) {
		if (!locked &&
		    pea_lock_at(AT_FDCWD, lockf, PEA_LOCK_EXCLUSIVE, false, &lock, err) < 0)
			return -1;
		if (!is_mount_point(data) && mount_volume(type, device, mo, data, err) < 0)
			return pea_error_wrap(err, "volume '%s'", name);
	}
	*ret = TAKE_PTR(data);
	return 0;
}

static bool dir_is_empty(const char *path)
{
	_cleanup_closedir_ DIR *d = opendir(path);
	struct dirent *e;

	if (!d)
		return false;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			return false;
	return true;
}

/* Is the folder open at fd empty? (read through a new open of it: fd's offset is kept) */
static bool fd_dir_is_empty(int fd)
{
	_cleanup_free_ char *path = xasprintf("/proc/self/fd/%d", fd);

	return dir_is_empty(path);
}

/* cp -a of the image's folder (an fd, resolved inside the root) into the volume. */
static int copy_up(int srcfd, const char *data, struct pea_error **err)
{
	_cleanup_free_ char *cmd = NULL;
	const char *argv[] = { "cp", "-a", "/proc/self/fd/3/.", data, NULL };
	struct pea_fd_map fds[] = { { srcfd, 3 } };
	struct pea_spawn s = {
		.argv = (char *const *)argv, .fds = fds, .nfds = 1, .null_stdin = true
	};
	_cleanup_close_ int pidfd = -1;
	pid_t pid;
	int status;

	if (pea_spawn(&s, &pid, &pidfd, err) < 0 || pea_wait(pid, pidfd, -1, &status, err) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cmd = pea_describe_wait_status(status);
		return pea_error_new(err, EIO, "copying the image's content into '%s': cp %s", data,
				     cmd);
	}
	return 0;
}

/*
 * The volume's record's flag key (NeedsCopyUp, NeedsChown): *ret its value; clear sets it
 * false (caller holds the lock).
 */
static int volume_flag(const struct global_options *g, const char *name, const char *key,
		       bool clear, bool *ret, struct pea_error **err)
{
	_cleanup_free_ char *dir = volume_dir(g, name);
	_cleanup_json_ struct json_object *rec = NULL;
	_cleanup_close_ int dfd = -1;
	const char *text;
	bool need = false;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return pea_error_new(err, ENOENT,
					     "no volume with name \"%s\" found: no such volume",
					     name);
		return pea_error_errno(err, "open '%s'", dir);
	}
	if (pea_json_parse_file_at(dfd, "volume.json", VOLUME_RECORD_MAX, &rec, err) < 0)
		return pea_error_wrap(err, "volume '%s'", name);
	if (!rec || pea_json_expect_object(rec, "", err) < 0 ||
	    pea_json_get_bool_opt(rec, "", key, &need, err) < 0)
		return pea_error_wrap(err, "volume '%s'", name);
	if (ret)
		*ret = need;
	if (!clear || !need)
		return 0;
	json_object_object_add(rec, key, json_object_new_boolean(false));
	text = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	return pea_write_file_atomic_at(dfd, "volume.json", text, strlen(text), 0600, err);
}

static int prepare_one(const struct global_options *g, int rootfd, struct json_object *e,
		       const char *name, struct pea_error **err)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int src = -1;
	const char *dest = NULL;
	bool need = false, nocopy = false;

	/* the first use is past: no chown pending (pea keeps the volume's owner) */
	if (volume_flag(g, name, "NeedsChown", true, NULL, err) < 0 ||
	    volume_flag(g, name, "NeedsCopyUp", false, &need, err) < 0)
		return -1;
	(void)pea_json_get_bool_opt(e, "", "nocopy", &nocopy, NULL);
	(void)pea_json_get_string_opt(e, "", "destination", &dest, NULL);
	if (!need || nocopy || !dest)
		return 0;
	if (named_volume_source(g, name, true, &data, err) < 0)
		return -1;
	if (!dir_is_empty(data))
		return volume_flag(g, name, "NeedsCopyUp", true, NULL, err);
	/* nothing at the destination yet: the copy-up waits for a use that has some (podman) */
	if (pea_open_in_root(rootfd, dest, O_RDONLY | O_DIRECTORY, 0, &src, NULL) < 0 ||
	    fd_dir_is_empty(src))
		return 0;
	if (copy_up(src, data, err) < 0)
		return pea_error_wrap(err, "volume '%s'", name);
	return volume_flag(g, name, "NeedsCopyUp", true, NULL, err);
}

int volumes_prepare(const struct global_options *g, const struct ctr_record *r, const char *rootfs,
		    struct pea_error **err)
{
	_cleanup_free_ char *lockf = xasprintf("%s/volumes.lock", g->root);
	_cleanup_close_ int lock = -1, rootfd = -1;
	struct json_object *vols = NULL;

	if (!json_object_object_get_ex(r->opts, "volumes", &vols))
		return 0;
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		struct json_object *e = json_object_array_get_idx(vols, i);
		const char *name = NULL;

		if (!is_named(e, &name))
			continue;
		if (lock < 0 &&
		    pea_lock_at(AT_FDCWD, lockf, PEA_LOCK_EXCLUSIVE, false, &lock, err) < 0)
			return -1;
		if (rootfd < 0) {
			rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (rootfd < 0)
				return pea_error_errno(err, "open the container's root '%s'",
						       rootfs);
		}
		if (prepare_one(g, rootfd, e, name, err) < 0)
			return -1;
	}
	return 0;
}

void volumes_drop_anonymous(const struct global_options *g, const struct ctr_record *r)
{
	struct json_object *vols = NULL;

	if (!json_object_object_get_ex(r->opts, "volumes", &vols))
		return;
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		struct json_object *e = json_object_array_get_idx(vols, i);
		const char *name = NULL;
		bool anon = false;
		_cleanup_free_ char *dir = NULL;

		if (!is_named(e, &name) ||
		    pea_json_get_bool_opt(e, "", "anonymous", &anon, NULL) != 1 || !anon)
			continue;
		dir = volume_dir(g, name);
		(void)pea_rm_rf_at(AT_FDCWD, dir, NULL);
	}
}

int mounts_image_volumes(struct json_object **vols, struct json_object **tmpfs,
			 struct json_object *image_volumes, const char *mode,
			 struct pea_error **err)
{
	if (!image_volumes || !json_object_is_type(image_volumes, json_type_object) ||
	    (mode && strcmp(mode, "ignore") == 0))
		return 0;
	json_object_object_foreach(image_volumes, dest, v)
	{
		struct json_object *opts;

		(void)v;
		if (dest[0] != '/')
			return pea_error_new(err, EINVAL,
					     "the image's volume \"%s\" is not an absolute path",
					     dest);
		if (destination_taken(*vols, dest) || destination_taken(*tmpfs, dest))
			continue; /* the container's own mount wins */
		if (mode && strcmp(mode, "tmpfs") == 0) {
			if (mounts_parse_tmpfs(vols, tmpfs, dest, err) < 0)
				return -1;
			continue;
		}
		opts = json_object_new_array();
		json_object_array_add(opts, json_object_new_string("rbind"));
		push_entry(vols, volume_entry("volume", NULL, dest, opts, false));
	}
	return 0;
}

/* ---- type=image: a storage container over the image ------------------------ */

static bool entry_is(struct json_object *e, const char *type)
{
	const char *t = NULL;

	return pea_json_get_string_opt(e, "", "type", &t, NULL) == 1 && strcmp(t, type) == 0;
}

static const char *entry_str(struct json_object *e, const char *key)
{
	const char *v = NULL;

	(void)pea_json_get_string_opt(e, "", key, &v, NULL);
	return v;
}

static bool entry_bool(struct json_object *e, const char *key)
{
	bool b = false;

	(void)pea_json_get_bool_opt(e, "", key, &b, NULL);
	return b;
}

int mounts_images_create(const struct global_options *g, const char *owner,
			 struct json_object *vols, char ***ret_made, int *held,
			 struct pea_error **err)
{
	_cleanup_strv_ char **made = NULL;

	for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
		struct json_object *e = json_object_array_get_idx(vols, i);
		_cleanup_json_ struct json_object *img = NULL, *res = NULL;
		_cleanup_free_ char *layer = NULL, *meta = ext_metadata(owner, NULL);
		const char *args[] = { "container", "create",	  "--image", NULL, "--id",
				       NULL,	    "--metadata", meta,	     NULL };

		if (!entry_is(e, "image") || entry_str(e, "layer"))
			continue;
		if (*held < 0 && record_lock(g, owner, false, held, err) < 0) {
			mounts_images_drop(g, made);
			return -1;
		}
		if (image_find(g, entry_str(e, "source"), &img, err) < 0) {
			mounts_images_drop(g, made);
			return pea_error_wrap(err, "--mount type=image");
		}
		layer = frontend_new_id();
		args[3] = json_object_get_string(json_object_object_get(img, "id"));
		args[5] = layer;
		if (!args[3])
			pea_error_new(err, EPROTO, "image '%s' has no id", entry_str(e, "source"));
		if (!args[3] || store_call(g, args, &res, err) < 0) {
			mounts_images_drop(g, made);
			return pea_error_wrap(err, "--mount type=image: the storage of image '%s'",
					      entry_str(e, "source"));
		}
		json_object_object_add(e, "layer", json_object_new_string(layer));
		/* each start counts as a mount of the image (image_mount_hold) */
		json_object_object_add(e, "image_id", json_object_new_string(args[3]));
		pea_strv_push(&made, layer);
	}
	*ret_made = TAKE_PTR(made);
	return 0;
}

void mounts_images_drop(const struct global_options *g, char *const *layers)
{
	for (size_t i = 0; layers && layers[i]; i++) {
		const char *args[] = { "container", "rm", "--force", layers[i], NULL };
		(void)store_call(g, args, NULL, NULL);
	}
}

int mounts_check_userns(struct json_object *vols, const char *uid_map, const char *userns_mode,
			struct pea_error **err)
{
	bool userns = uid_map || (userns_mode && strcmp(userns_mode, "host") != 0);

	for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
		struct json_object *e = json_object_array_get_idx(vols, i);
		if (entry_bool(e, "idmap") && !userns)
			return pea_error_new(
				err, EINVAL,
				"idmap on '%s': the container has no user namespace to "
				"map to (use --uidmap and --gidmap, or --userns)",
				entry_str(e, "destination"));
	}
	return 0;
}

/* ---- the mounts of config.json ------------------------------------------ */

struct id_maps {
	struct json_object *uid, *gid; /* linux.uidMappings, gidMappings (NULL: none) */
};

static uid_t chown_uid;
static gid_t chown_gid;

static int chown_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	return lchown(path, chown_uid, chown_gid) < 0 ? -1 : 0;
}

/* U: the source to the container's user, as the host sees it. */
static int chown_source(const char *src, const struct id_maps *maps, long uid, long gid,
			struct pea_error **err)
{
	long long hu = frontend_map_id(maps->uid, uid), hg = frontend_map_id(maps->gid, gid);

	if (hu < 0 || hg < 0)
		return pea_error_new(err, EINVAL,
				     "U on '%s': the container's user %ld:%ld is not mapped to the "
				     "host",
				     src, uid, gid);
	chown_uid = (uid_t)hu;
	chown_gid = (gid_t)hg;
	if (nftw(src, chown_one, 32, FTW_PHYS | FTW_MOUNT) < 0)
		return pea_error_errno(err, "U: chown '%s' to %lld:%lld", src, hu, hg);
	return 0;
}

/* "C:H:N" lines of one mapping list, for /proc/PID/[ug]id_map */
static char *map_lines(struct json_object *maps)
{
	char *out = xstrdup("");

	for (size_t i = 0; i < json_object_array_length(maps); i++) {
		struct json_object *m = json_object_array_get_idx(maps, i);
		int64_t c = 0, h = 0, n = 0;
		char *next;
		(void)pea_json_get_int64_opt(m, "", "containerID", &c, NULL);
		(void)pea_json_get_int64_opt(m, "", "hostID", &h, NULL);
		(void)pea_json_get_int64_opt(m, "", "size", &n, NULL);
		next = xasprintf("%s%lld %lld %lld\n", out, (long long)c, (long long)h,
				 (long long)n);
		free(out);
		out = next;
	}
	return out;
}

static int write_map(pid_t pid, const char *file, struct json_object *maps, struct pea_error **err)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, file);
	_cleanup_free_ char *text = map_lines(maps);

	if (pea_write_file_at(AT_FDCWD, path, text, err) < 0)
		return pea_error_wrap(err, "idmap: write the user namespace's %s", file);
	return 0;
}

/*
 * A user namespace with the container's mappings, for MOUNT_ATTR_IDMAP: a
 * child that only unshares and waits (a few milliseconds, no execve: nothing
 * runs in it), its maps written by us, its namespace kept as an fd.
 */
static int userns_fd(const struct id_maps *maps, int *ret_fd, struct pea_error **err)
{
	_cleanup_close_ int ready_r = -1, ready_w = -1, hold_r = -1, hold_w = -1;
	_cleanup_free_ char *ns = NULL;
	int p1[2], p2[2], r = 0, status;
	char byte = 0;
	pid_t pid;

	if (pipe2(p1, O_CLOEXEC) < 0 || pipe2(p2, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe");
	ready_r = p1[0], ready_w = p1[1], hold_r = p2[0], hold_w = p2[1];
	pid = fork();
	if (pid < 0)
		return pea_error_errno(err, "fork");
	if (pid == 0) {
		close(hold_w); /* its end is ours: the read below ends when we close it */
		byte = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
		(void)!write(ready_w, &byte, 1);
		(void)!read(hold_r, &byte, 1);
		_exit(0);
	}
	ready_w = pea_close(ready_w);
	if (read(ready_r, &byte, 1) != 1 || byte != 'y')
		r = pea_error_new(err, EPERM, "idmap: cannot make a user namespace");
	if (r == 0 && (write_map(pid, "uid_map", maps->uid, err) < 0 ||
		       write_map(pid, "gid_map", maps->gid, err) < 0))
		r = -1;
	if (r == 0) {
		ns = xasprintf("/proc/%d/ns/user", (int)pid);
		*ret_fd = open(ns, O_RDONLY | O_CLOEXEC);
		if (*ret_fd < 0)
			r = pea_error_errno(err, "open '%s'", ns);
	}
	hold_w = pea_close(hold_w);
	(void)waitpid(pid, &status, 0);
	return r;
}

/* idmap: the source mounted at staged, mapped to the container's user namespace. */
static int stage_idmapped(const char *src, const char *staged, const struct id_maps *maps,
			  struct pea_error **err)
{
	_cleanup_close_ int nsfd = -1, tree = -1;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };

	if (!maps->uid || !maps->gid)
		return pea_error_new(err, EINVAL,
				     "idmap on '%s': the container has no user namespace to map "
				     "to (use --uidmap and --gidmap, or --userns)",
				     src);
	(void)umount2(staged, MNT_DETACH); /* a start before that did not clean up */
	if (frontend_mkdir_p(staged, err) < 0 || userns_fd(maps, &nsfd, err) < 0)
		return -1;
	attr.userns_fd = (uint64_t)nsfd;
	tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return pea_error_errno(err, "idmap: clone the mount of '%s'", src);
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return pea_error_errno(err,
				       "idmap: the file system of '%s' cannot be idmapped here "
				       "(mount_setattr)",
				       src);
	if (move_mount(tree, "", AT_FDCWD, staged, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return pea_error_errno(err, "idmap: mount '%s' on '%s'", src, staged);
	return 0;
}

static struct json_object *oci_mount(const char *dest, const char *type, const char *src,
				     struct json_object *opts)
{
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", opts);
	return m;
}

/* O: an overlay over the host folder, its upper layer new at each start, in the bundle. */
static struct json_object *overlay_mount(const char *bundle, size_t i, struct json_object *e,
					 struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/overlay/%zu", bundle, i);
	_cleanup_free_ char *upper = xasprintf("%s/upper", dir), *work = xasprintf("%s/work", dir);
	struct json_object *opts;

	if (pea_rm_rf_at(AT_FDCWD, dir, err) < 0 || frontend_mkdir_p(upper, err) < 0 ||
	    frontend_mkdir_p(work, err) < 0)
		return NULL;
	opts = json_object_new_array();
	add_fmt(opts, "lowerdir=%s", entry_str(e, "source"));
	add_fmt(opts, "upperdir=%s", upper);
	add_fmt(opts, "workdir=%s", work);
	json_object_array_add(opts, json_object_new_string("private"));
	return oci_mount(entry_str(e, "destination"), "overlay", "overlay", opts);
}

int volume_source(const struct global_options *g, const char *name, char **ret,
		  struct pea_error **err)
{
	return named_volume_source(g, name, false, ret, err);
}

void volumes_unmount_all(const struct global_options *g)
{
	_cleanup_free_ char *root = volumes_root(g);
	_cleanup_closedir_ DIR *d = opendir(root);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		_cleanup_free_ char *data = NULL;
		if (e->d_name[0] == '.')
			continue;
		data = volume_data_dir(g, e->d_name);
		if (is_mount_point(data))
			(void)umount2(data, MNT_DETACH);
	}
}

/* The host path a bind entry mounts (a named volume's folder, an image's mount). */
static int entry_source(const struct global_options *g, struct json_object *e, char **ret,
			struct pea_error **err)
{
	_cleanup_json_ struct json_object *res = NULL;
	const char *mp = NULL;

	if (entry_is(e, "volume"))
		return named_volume_source(g, entry_str(e, "source"), false, ret, err);
	if (entry_is(e, "image")) {
		const char *args[] = { "container", "mount", entry_str(e, "layer"), NULL };
		if (!args[2])
			return pea_error_new(err, EINVAL,
					     "--mount type=image,source=%s: no storage",
					     entry_str(e, "source"));
		if (store_call(g, args, &res, err) < 0 ||
		    pea_json_get_string_req(res, "", "mountpoint", &mp, err) < 0)
			return pea_error_wrap(err, "mounting image '%s'", entry_str(e, "source"));
		*ret = xstrdup(mp);
		return 0;
	}
	*ret = xstrdup(entry_str(e, "source"));
	return 0;
}

/*
 * podman counts a running container's --mount type=image as a mount of the image (image
 * umount prints its ID, 060-mount): one image mount per start, named in image-mounts of the
 * container's run dir, given back by volumes_release() once. The run root, as pea-storage's
 * counts (run root mounts/): a reboot empties both, and no stale line of an earlier boot
 * gives back another's mount. A kill between the store's mount and the line keeps one
 * count until the reboot.
 */
static char *image_mounts_list(const struct global_options *g, const char *id)
{
	return xasprintf("%s/containers/%s/image-mounts", g->runroot, id);
}

static void image_mount_hold(const struct global_options *g, const char *ctr_id,
			     struct json_object *e)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *dir = xasprintf("%s/containers/%s", g->runroot, ctr_id);
	_cleanup_free_ char *list = image_mounts_list(g, ctr_id), *line = NULL;
	_cleanup_close_ int fd = -1;
	const char *id = entry_str(e, "image_id");
	const char *args[] = { "image", "mount", id, NULL };

	if (!id)
		return;
	if (frontend_mkdir_p(dir, &err) < 0) {
		log_warning("--mount type=image: %s, ignoring", err->message);
		return;
	}
	if (store_call(g, args, NULL, &err) < 0) {
		log_warning("--mount type=image: mounting image '%s': %s, ignoring", id,
			    err->message);
		return;
	}
	line = xasprintf("%s\n", id);
	fd = open(list, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || pea_write_all(fd, line, strlen(line), NULL) < 0) {
		const char *un[] = { "image", "unmount", id, NULL };
		(void)store_call(g, un, NULL, NULL);
	}
}

static void image_mounts_release(const struct global_options *g, const char *ctr_id)
{
	_cleanup_free_ char *list = image_mounts_list(g, ctr_id), *text = NULL;
	char *save = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, list, 64 << 10, &text, &len, NULL) < 0)
		return;
	(void)unlink(list);
	for (char *id = strtok_r(text, "\n", &save); id; id = strtok_r(NULL, "\n", &save)) {
		const char *args[] = { "image", "unmount", id, NULL };
		(void)store_call(g, args, NULL, NULL);
	}
}

static struct json_object *spec_mount(const struct global_options *g, const char *ctr_id,
				      const char *bundle, size_t i, struct json_object *e,
				      const struct id_maps *maps, long uid, long gid,
				      struct pea_error **err)
{
	_cleanup_free_ char *src = NULL, *staged = NULL;
	struct json_object *opts = json_object_object_get(e, "options");

	if (entry_is(e, "devpts"))
		return oci_mount(entry_str(e, "destination"), "devpts", "devpts",
				 json_object_get(opts));
	if (entry_is(e, "overlay"))
		return overlay_mount(bundle, i, e, err);
	if (entry_source(g, e, &src, err) < 0)
		return NULL;
	if (entry_is(e, "image"))
		image_mount_hold(g, ctr_id, e);
	if (entry_bool(e, "chown") && chown_source(src, maps, uid, gid, err) < 0)
		return NULL;
	if (entry_bool(e, "idmap")) {
		staged = xasprintf("%s/idmapped/%zu", bundle, i);
		if (stage_idmapped(src, staged, maps, err) < 0)
			return NULL;
		free(src);
		src = TAKE_PTR(staged);
	}
	return oci_mount(entry_str(e, "destination"), "bind", src, json_object_get(opts));
}

int volumes_spec(const struct global_options *g, const struct ctr_record *r,
		 struct json_object *spec, long uid, long gid, struct pea_error **err)
{
	_cleanup_free_ char *bundle = record_dir(g, r->id);
	struct json_object *vols = NULL, *mounts = NULL, *lnx = NULL;
	struct id_maps maps = { 0 };

	if (!json_object_object_get_ex(r->opts, "volumes", &vols))
		return 0;
	if (!json_object_object_get_ex(spec, "mounts", &mounts)) {
		mounts = json_object_new_array();
		json_object_object_add(spec, "mounts", mounts);
	}
	if (json_object_object_get_ex(spec, "linux", &lnx)) {
		(void)json_object_object_get_ex(lnx, "uidMappings", &maps.uid);
		(void)json_object_object_get_ex(lnx, "gidMappings", &maps.gid);
	}
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		struct json_object *e = json_object_array_get_idx(vols, i), *m;
		m = spec_mount(g, r->id, bundle, i, e, &maps, uid, gid, err);
		if (!m) {
			volumes_release(g, r);
			return -1;
		}
		json_object_array_add(mounts, m);
	}
	return 0;
}

void volumes_release(const struct global_options *g, const struct ctr_record *r)
{
	_cleanup_free_ char *bundle = record_dir(g, r->id);
	struct json_object *vols = NULL;

	/* --rootfs PATH:O: its overlay (a removal goes without the store's unmount) */
	if (rootfs_is_folder(r))
		rootfs_unmount(g, r);
	image_mounts_release(g, r->id);

	if (!json_object_object_get_ex(r->opts, "volumes", &vols))
		return;
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		struct json_object *e = json_object_array_get_idx(vols, i);
		if (entry_bool(e, "idmap")) {
			_cleanup_free_ char *staged = xasprintf("%s/idmapped/%zu", bundle, i);
			(void)umount2(staged, MNT_DETACH);
		}
		if (entry_is(e, "image") && entry_str(e, "layer")) {
			const char *args[] = { "container", "unmount", "--force",
					       entry_str(e, "layer"), NULL };
			(void)store_call(g, args, NULL, NULL);
		}
	}
}

void volumes_remove_images(const struct global_options *g, const struct ctr_record *r)
{
	struct json_object *vols = NULL;

	if (!json_object_object_get_ex(r->opts, "volumes", &vols))
		return;
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		struct json_object *e = json_object_array_get_idx(vols, i);
		const char *args[] = { "container", "rm", "--force", entry_str(e, "layer"), NULL };
		if (entry_is(e, "image") && args[3])
			(void)store_call(g, args, NULL, NULL);
	}
}

/* ---- --rootfs ---- */

bool rootfs_is_folder(const struct ctr_record *r)
{
	return json_object_object_get_ex(r->opts, "rootfs", NULL);
}

int rootfs_mount(const struct global_options *g, const struct ctr_record *r, char **ret,
		 struct pea_error **err)
{
	_cleanup_free_ char *dir = NULL, *upper = NULL, *work = NULL, *merged = NULL;
	_cleanup_free_ char *data = NULL;
	const char *path = NULL;
	bool overlay = false;

	if (pea_json_get_string_req(r->opts, "opts", "rootfs", &path, err) < 0)
		return -1;
	(void)pea_json_get_bool_opt(r->opts, "opts", "rootfs_overlay", &overlay, NULL);
	if (!overlay) {
		*ret = xstrdup(path);
		return 0;
	}
	dir = record_dir(g, r->id);
	upper = xasprintf("%s/rootfs-overlay/upper", dir);
	work = xasprintf("%s/rootfs-overlay/work", dir);
	merged = xasprintf("%s/rootfs-overlay/merged", dir);
	/* a fresh upper each start: podman's :O keeps no change */
	rootfs_unmount(g, r);
	{
		_cleanup_free_ char *top = xasprintf("%s/rootfs-overlay", dir);
		if (pea_rm_rf_at(AT_FDCWD, top, err) < 0)
			return -1;
	}
	if (pea_mkdir_p_at(AT_FDCWD, upper, 0755, NULL, err) < 0 ||
	    pea_mkdir_p_at(AT_FDCWD, work, 0700, NULL, err) < 0 ||
	    pea_mkdir_p_at(AT_FDCWD, merged, 0755, NULL, err) < 0)
		return -1;
	data = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", path, upper, work);
	if (mount("overlay", merged, "overlay", 0, data) < 0)
		return pea_error_errno(err, "--rootfs '%s:O': mount an overlay on '%s'", path,
				       merged);
	*ret = TAKE_PTR(merged);
	return 0;
}

void rootfs_unmount(const struct global_options *g, const struct ctr_record *r)
{
	_cleanup_free_ char *dir = record_dir(g, r->id);
	_cleanup_free_ char *merged = xasprintf("%s/rootfs-overlay/merged", dir);

	(void)umount2(merged, MNT_DETACH);
}
