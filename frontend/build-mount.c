/*
 * pea build's RUN --mount=type=bind|tmpfs|cache,... (buildah's, Dockerfile's
 * frontend syntax) as the pea run --mount options of the step's container: a
 * bind of a path of the context (read-only, resolved inside the context), a
 * tmpfs, or a cache folder kept under the graph root between builds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/build-internal.h"
#include "frontend/frontend.h"

struct run_mount {
	const char *type, *target, *source, *id, *size, *mode, *uid, *gid;
	bool rw;
};

/* One KEY[=VALUE] of a --mount into m. */
static int mount_field(struct run_mount *m, char *f, const char *spec, struct pea_error **err)
{
	static const char *const ignored[] = { "sharing", "readonly", "ro" };
	char *eq = strchr(f, '=');
	const char *v = eq ? eq + 1 : NULL;
	struct {
		const char *key;
		const char **dst;
	} keys[] = {
		{ "type", &m->type },	  { "target", &m->target },
		{ "dst", &m->target },	  { "destination", &m->target },
		{ "source", &m->source }, { "src", &m->source },
		{ "id", &m->id },	  { "size", &m->size },
		{ "mode", &m->mode },	  { "uid", &m->uid },
		{ "gid", &m->gid },
	};

	if (eq)
		*eq = '\0';
	if (!v && (strcmp(f, "rw") == 0 || strcmp(f, "readwrite") == 0)) {
		m->rw = true;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
		if (strcmp(f, ignored[i]) == 0)
			return 0;
	for (size_t i = 0; v && *v && i < ARRAY_SIZE(keys); i++)
		if (strcmp(f, keys[i].key) == 0) {
			*keys[i].dst = v;
			return 0;
		}
	if (strcmp(f, "from") == 0)
		return pea_error_new(err, ENOTSUP, "RUN --mount=%s: from= is not supported yet",
				     spec);
	return pea_error_new(err, EINVAL, "RUN --mount=%s: unknown or empty option '%s'", spec, f);
}

/* A bind of a context path: found inside the context, read-only. */
static int bind_arg(struct builder *b, const struct run_mount *m, const char *spec, char **ret,
		    struct pea_error **err)
{
	_cleanup_close_ int ctx = -1, fd = -1;
	_cleanup_free_ char *real = NULL;
	char p[64];

	ctx = open(b->ctx, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx < 0)
		return pea_error_errno(err, "open '%s'", b->ctx);
	if (pea_open_in_root(ctx, m->source ? m->source : ".", O_PATH, 0, &fd, err) < 0)
		return pea_error_wrap(err, "RUN --mount=%s: source", spec);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	real = realpath(p, NULL);
	if (!real)
		return pea_error_errno(err, "RUN --mount=%s: source", spec);
	if (strchr(real, ','))
		return pea_error_new(err, EINVAL, "RUN --mount=%s: a source path with ',' (%s)",
				     spec, real);
	*ret = xasprintf("type=bind,src=%s,dst=%s,ro", real, m->target);
	return 0;
}

/* A cache: a folder of its own under the graph root, kept between builds. */
static int cache_arg(struct builder *b, const struct run_mount *m, const char *spec, char **ret,
		     struct pea_error **err)
{
	const char *id = m->id ? m->id : m->target;
	char d[PEA_DIGEST_MAX];
	_cleanup_free_ char *dir = NULL;
	long mode = 0755, uid = 0, gid = 0;
	char *end = NULL;

	if ((m->mode && ((mode = strtol(m->mode, &end, 8)) < 0 || mode > 07777 || *end)) ||
	    (m->uid && ((uid = strtol(m->uid, &end, 10)) < 0 || *end)) ||
	    (m->gid && ((gid = strtol(m->gid, &end, 10)) < 0 || *end)))
		return pea_error_new(err, EINVAL, "RUN --mount=%s: bad mode, uid or gid", spec);
	pea_digest_buffer("sha256", id, strlen(id), d);
	dir = xasprintf("%s/build-cache-mounts/%.32s", b->g->root, pea_digest_hex(d));
	if (!pea_path_exists_at(AT_FDCWD, dir)) {
		if (frontend_mkdir_p(dir, err) < 0)
			return -1;
		if (chmod(dir, (mode_t)mode) < 0 || chown(dir, (uid_t)uid, (gid_t)gid) < 0)
			return pea_error_errno(err, "RUN --mount=%s: '%s'", spec, dir);
	}
	*ret = xasprintf("type=bind,src=%s,dst=%s", dir, m->target);
	return 0;
}

/*
 * Parse one RUN flag "--mount=SPEC" into m (its strings point into *ret_fields, the caller's
 * to free, as *ret_spec): no file is looked at here.
 */
static int mount_parse(const char *flag, char **ret_spec, char ***ret_fields, struct run_mount *m,
		       struct pea_error **err)
{
	const char *spec;

	*m = (struct run_mount){ .type = "bind" };
	if (strncmp(flag, "--mount=", 8) != 0)
		return pea_error_new(err, EINVAL, "RUN %s is not supported", flag);
	spec = flag + 8;
	if (strlen(spec) > 4096)
		return pea_error_new(err, EINVAL, "RUN --mount: longer than 4096 bytes");
	*ret_spec = xstrdup(spec);
	*ret_fields = pea_strv_split(spec, ",");
	for (size_t k = 0; *ret_fields && (*ret_fields)[k]; k++)
		if (mount_field(m, (*ret_fields)[k], *ret_spec, err) < 0)
			return -1;
	if (!m->target || m->target[0] != '/')
		return pea_error_new(err, EINVAL, "RUN --mount=%s: target must be an absolute path",
				     *ret_spec);
	if (strcmp(m->type, "bind") != 0 && strcmp(m->type, "cache") != 0 &&
	    strcmp(m->type, "tmpfs") != 0)
		return pea_error_new(
			err, ENOTSUP,
			"RUN --mount=%s: type '%s' is not supported (bind, cache, tmpfs)",
			*ret_spec, m->type);
	if (m->rw && strcmp(m->type, "bind") == 0)
		/* buildah's rw bind writes to a copy it throws away; pea would write the context */
		return pea_error_new(err, ENOTSUP, "RUN --mount=%s: rw binds are not supported yet",
				     *ret_spec);
	return 0;
}

int build_mount_check(const char *flag, struct pea_error **err)
{
	_cleanup_free_ char *spec = NULL;
	_cleanup_strv_ char **fields = NULL;
	struct run_mount m;

	return mount_parse(flag, &spec, &fields, &m, err);
}

int build_run_mounts(struct builder *b, char *const *flags, char ***ret, struct pea_error **err)
{
	for (size_t i = 0; flags && flags[i]; i++) {
		_cleanup_free_ char *spec = NULL, *arg = NULL;
		_cleanup_strv_ char **fields = NULL;
		struct run_mount m;

		if (mount_parse(flags[i], &spec, &fields, &m, err) < 0)
			return -1;
		if (strcmp(m.type, "bind") == 0) {
			if (bind_arg(b, &m, spec, &arg, err) < 0)
				return -1;
		} else if (strcmp(m.type, "cache") == 0) {
			if (cache_arg(b, &m, spec, &arg, err) < 0)
				return -1;
		} else {
			arg = m.size ? xasprintf("type=tmpfs,dst=%s,tmpfs-size=%s", m.target,
						 m.size)
				     : xasprintf("type=tmpfs,dst=%s", m.target);
		}
		pea_strv_push(ret, "--mount");
		pea_strv_push_take(ret, TAKE_PTR(arg));
	}
	return 0;
}
