/* -v, --mount, --tmpfs, --volumes-from and named volumes of run/create (volumes-run.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/volumes-run.h"

#define VOLUME_RECORD_MAX (1u << 20)

static const char *const propagations[] = { "rprivate", "private", "rshared",
					    "shared",	"rslave",  "slave" };

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

/* The OPTS of -v: mount flags (ro, rw, propagation, nosuid, ...), z/Z dropped, nocopy. */
static int volume_flags(const char *spec, const char *flags, bool named, struct json_object *opts,
			bool *ret_nocopy, struct pea_error **err)
{
	static const char *const ok[] = { "ro",	 "rw",	 "nosuid", "nodev", "noexec", "suid",
					  "dev", "exec", "z",	   "Z",	    "nocopy", "copy" };
	_cleanup_strv_ char **v = pea_strv_split(flags, ",");
	bool ro = false, rw = false, prop = false;

	for (size_t i = 0; v[i]; i++) {
		bool is_prop = is_one_of(v[i], propagations, ARRAY_SIZE(propagations));
		if (!is_prop && !is_one_of(v[i], ok, ARRAY_SIZE(ok)))
			return pea_error_new(err, EINVAL, "invalid volume option '%s' in '%s'",
					     v[i], spec);
		if ((strcmp(v[i], "nocopy") == 0 || strcmp(v[i], "copy") == 0) && !named)
			return pea_error_new(err, EINVAL,
					     "invalid volume option '%s' in '%s': only for named "
					     "volumes",
					     v[i], spec);
		if ((is_prop && prop) || (strcmp(v[i], "ro") == 0 && (ro || rw)) ||
		    (strcmp(v[i], "rw") == 0 && (ro || rw)))
			return pea_error_new(err, EINVAL,
					     "invalid volume options '%s': '%s' set twice or in "
					     "conflict",
					     flags, v[i]);
		prop |= is_prop;
		ro |= strcmp(v[i], "ro") == 0;
		rw |= strcmp(v[i], "rw") == 0;
		if (strcmp(v[i], "nocopy") == 0)
			*ret_nocopy = true;
		else if (strcmp(v[i], "z") != 0 && strcmp(v[i], "Z") != 0 &&
			 strcmp(v[i], "copy") != 0)
			json_object_array_add(opts, json_object_new_string(v[i]));
	}
	return 0;
}

int mounts_parse_volume(struct json_object **vols, struct json_object **tmpfs, const char *spec,
			struct pea_error **err)
{
	_cleanup_strv_ char **parts = pea_strv_split(spec, ":");
	_cleanup_json_ struct json_object *opts = json_object_new_array();
	_cleanup_free_ char *src = NULL;
	size_t n = pea_strv_length(parts);
	bool named, nocopy = false;

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
	if (check_destination(*vols, *tmpfs, parts[1], err) < 0)
		return -1;
	json_object_array_add(opts, json_object_new_string("rbind"));
	if (n == 3 && volume_flags(spec, parts[2], named, opts, &nocopy, err) < 0)
		return -1;
	if (!named && bind_source(parts[0], &src, err) < 0)
		return -1;
	push_entry(vols, volume_entry(named ? "volume" : "bind", named ? parts[0] : src, parts[1],
				      TAKE_PTR(opts), nocopy));
	return 0;
}

/* ---- --mount ------------------------------------------------------------ */

struct mount_kv {
	char *type, *source, *target;
	bool readonly, nocopy, nonrecursive;
	char *propagation;
	long long tmpfs_size; /* -1: unset */
	long tmpfs_mode;      /* -1: unset */
};

static void mount_kv_clear(struct mount_kv *m)
{
	free(m->type);
	free(m->source);
	free(m->target);
	free(m->propagation);
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

static int mount_key(struct mount_kv *m, const char *key, const char *v, struct pea_error **err)
{
	char *end = NULL;

	if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0)
		return kv_bool(key, v, &m->readonly, err);
	if (strcmp(key, "rw") == 0) {
		bool rw = false;
		if (kv_bool(key, v, &rw, err) < 0)
			return -1;
		m->readonly = !rw;
		return 0;
	}
	if (strcmp(key, "relabel") == 0 || strcmp(key, "consistency") == 0 ||
	    strcmp(key, "z") == 0 || strcmp(key, "Z") == 0)
		return 0; /* SELinux and macOS: nothing to do here, as podman without them */
	if (strcmp(key, "volume-nocopy") == 0 || strcmp(key, "nocopy") == 0)
		return kv_bool(key, v, &m->nocopy, err);
	if (strcmp(key, "bind-nonrecursive") == 0)
		return kv_bool(key, v, &m->nonrecursive, err);
	if (!v || !*v)
		return pea_error_new(err, EINVAL, "%s needs a value (%s=...)", key, key);
	if (strcmp(key, "type") == 0) {
		free(m->type);
		m->type = xstrdup(v);
	} else if (strcmp(key, "source") == 0 || strcmp(key, "src") == 0) {
		free(m->source);
		m->source = xstrdup(v);
	} else if (strcmp(key, "target") == 0 || strcmp(key, "destination") == 0 ||
		   strcmp(key, "dst") == 0) {
		free(m->target);
		m->target = xstrdup(v);
	} else if (strcmp(key, "bind-propagation") == 0) {
		if (!is_one_of(v, propagations, ARRAY_SIZE(propagations)))
			return pea_error_new(err, EINVAL,
					     "invalid bind-propagation '%s': use "
					     "rprivate, private, rshared, shared, rslave or slave",
					     v);
		free(m->propagation);
		m->propagation = xstrdup(v);
	} else if (strcmp(key, "tmpfs-size") == 0) {
		if (frontend_parse_size(v, &m->tmpfs_size) < 0)
			return pea_error_new(err, EINVAL, "invalid tmpfs-size '%s'", v);
	} else if (strcmp(key, "tmpfs-mode") == 0) {
		errno = 0;
		m->tmpfs_mode = strtol(v, &end, 8);
		if (errno || *end || m->tmpfs_mode < 0 || m->tmpfs_mode > 07777)
			return pea_error_new(err, EINVAL, "invalid tmpfs-mode '%s': an octal mode",
					     v);
	} else {
		return pea_error_new(err, EINVAL, "unknown option '%s'", key);
	}
	return 0;
}

/* type-specific keys on the wrong type are refused, as podman does */
static int mount_check_keys(const struct mount_kv *m, struct pea_error **err)
{
	bool tmpfs = strcmp(m->type, "tmpfs") == 0;

	if (!tmpfs && (m->tmpfs_size >= 0 || m->tmpfs_mode >= 0))
		return pea_error_new(err, EINVAL, "tmpfs-size and tmpfs-mode are for type=tmpfs");
	if (strcmp(m->type, "bind") != 0 && (m->propagation || m->nonrecursive))
		return pea_error_new(err, EINVAL,
				     "bind-propagation and bind-nonrecursive are for "
				     "type=bind");
	if (strcmp(m->type, "volume") != 0 && m->nocopy)
		return pea_error_new(err, EINVAL, "volume-nocopy is for type=volume");
	if (tmpfs && m->source)
		return pea_error_new(err, EINVAL, "type=tmpfs takes no source");
	if (strcmp(m->type, "bind") == 0 && !m->source)
		return pea_error_new(err, EINVAL, "type=bind needs a source");
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

static int mount_add(struct json_object **vols, struct json_object **tmpfs,
		     const struct mount_kv *m, struct pea_error **err)
{
	_cleanup_json_ struct json_object *opts = json_object_new_array();
	_cleanup_free_ char *src = NULL;
	struct json_object *t;

	if (check_destination(*vols, *tmpfs, m->target, err) < 0)
		return -1;
	if (strcmp(m->type, "tmpfs") == 0) {
		json_object_array_add(opts, json_object_new_string(m->readonly ? "ro" : "rw"));
		json_object_array_add(opts, json_object_new_string("nosuid"));
		json_object_array_add(opts, json_object_new_string("nodev"));
		if (m->tmpfs_size >= 0)
			add_fmt(opts, "size=%lld", m->tmpfs_size);
		if (m->tmpfs_mode >= 0)
			add_fmt(opts, "mode=%lo", (unsigned long)m->tmpfs_mode);
		t = json_object_new_object();
		json_object_object_add(t, "destination", json_object_new_string(m->target));
		json_object_object_add(t, "options", TAKE_PTR(opts));
		push_entry(tmpfs, t);
		return 0;
	}
	json_object_array_add(opts, json_object_new_string(m->nonrecursive ? "bind" : "rbind"));
	if (m->readonly)
		json_object_array_add(opts, json_object_new_string("ro"));
	if (m->propagation)
		json_object_array_add(opts, json_object_new_string(m->propagation));
	if (strcmp(m->type, "volume") == 0) {
		if (m->source && !container_name_valid(m->source))
			return pea_error_new(err, EINVAL,
					     "--mount: invalid volume name '%s': names must match "
					     "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
					     m->source);
		push_entry(vols,
			   volume_entry("volume", m->source, m->target, TAKE_PTR(opts), m->nocopy));
		return 0;
	}
	if (bind_source(m->source, &src, err) < 0)
		return -1;
	push_entry(vols, volume_entry("bind", src, m->target, TAKE_PTR(opts), false));
	return 0;
}

int mounts_parse_mount(struct json_object **vols, struct json_object **tmpfs, const char *spec,
		       struct pea_error **err)
{
	_cleanup_(mount_kv_clear) struct mount_kv m = { .tmpfs_size = -1, .tmpfs_mode = -1 };
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
	if (strcmp(m.type, "bind") != 0 && strcmp(m.type, "volume") != 0 &&
	    strcmp(m.type, "tmpfs") != 0)
		return pea_error_new(err, EINVAL,
				     "invalid --mount '%s': type '%s' is not supported: use bind, "
				     "volume or tmpfs",
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

	if (check_destination(*vols, *tmpfs, dest, err) < 0)
		return -1;
	opts = json_object_new_array();
	if (colon && colon[1]) {
		_cleanup_strv_ char **flags = pea_strv_split(colon + 1, ",");
		for (size_t i = 0; flags && flags[i]; i++)
			json_object_array_add(opts, json_object_new_string(flags[i]));
	} else {
		static const char *const def[] = { "rw", "noexec", "nosuid", "nodev" };
		for (size_t i = 0; i < ARRAY_SIZE(def); i++)
			json_object_array_add(opts, json_object_new_string(def[i]));
	}
	t = json_object_new_object();
	json_object_object_add(t, "destination", json_object_new_string(dest));
	json_object_object_add(t, "options", opts);
	push_entry(tmpfs, t);
	return 0;
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

char *volume_data_dir(const struct global_options *g, const char *name)
{
	return xasprintf("%s/volumes/%s/_data", g->root, name);
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
		dir = xasprintf("%s/volumes/%s", g->root, name);
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
		_cleanup_free_ char *dir = xasprintf("%s/volumes/%s", g->root, names[i]);
		(void)pea_rm_rf_at(AT_FDCWD, dir, NULL);
	}
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

/* The volume's record says NeedsCopyUp; set it false once done (caller holds the lock). */
static int needs_copy_up(const struct global_options *g, const char *name, bool clear, bool *ret,
			 struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/volumes/%s", g->root, name);
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
	    pea_json_get_bool_opt(rec, "", "NeedsCopyUp", &need, err) < 0)
		return pea_error_wrap(err, "volume '%s'", name);
	if (ret)
		*ret = need;
	if (!clear || !need)
		return 0;
	json_object_object_add(rec, "NeedsCopyUp", json_object_new_boolean(false));
	text = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	return pea_write_file_atomic_at(dfd, "volume.json", text, strlen(text), 0600, err);
}

static int prepare_one(const struct global_options *g, int rootfd, struct json_object *e,
		       const char *name, struct pea_error **err)
{
	_cleanup_free_ char *data = volume_data_dir(g, name);
	_cleanup_close_ int src = -1;
	const char *dest = NULL;
	bool need = false, nocopy = false;

	if (needs_copy_up(g, name, false, &need, err) < 0)
		return -1;
	(void)pea_json_get_bool_opt(e, "", "nocopy", &nocopy, NULL);
	(void)pea_json_get_string_opt(e, "", "destination", &dest, NULL);
	if (!need || nocopy || !dest)
		return 0;
	if (!dir_is_empty(data))
		return needs_copy_up(g, name, true, NULL, err);
	if (pea_open_in_root(rootfd, dest, O_RDONLY | O_DIRECTORY, 0, &src, NULL) == 0 &&
	    copy_up(src, data, err) < 0)
		return pea_error_wrap(err, "volume '%s'", name);
	return needs_copy_up(g, name, true, NULL, err);
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
		dir = xasprintf("%s/volumes/%s", g->root, name);
		(void)pea_rm_rf_at(AT_FDCWD, dir, NULL);
	}
}

int mounts_image_volumes(struct json_object **vols, struct json_object *tmpfs,
			 struct json_object *image_volumes, struct pea_error **err)
{
	if (!image_volumes || !json_object_is_type(image_volumes, json_type_object))
		return 0;
	json_object_object_foreach(image_volumes, dest, v)
	{
		struct json_object *opts;

		(void)v;
		if (dest[0] != '/')
			return pea_error_new(err, EINVAL,
					     "the image's volume \"%s\" is not an absolute path",
					     dest);
		if (destination_taken(*vols, dest) || destination_taken(tmpfs, dest))
			continue; /* the container's own mount wins */
		opts = json_object_new_array();
		json_object_array_add(opts, json_object_new_string("rbind"));
		push_entry(vols, volume_entry("volume", NULL, dest, opts, false));
	}
	return 0;
}
