#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/blob.h"
#include "lib/digest.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/transport.h"

static const struct {
	const char *prefix;
	enum transport_kind kind;
} transports[] = {
	{ "docker://", TRANSPORT_DOCKER },
	{ "oci-archive:", TRANSPORT_OCI_ARCHIVE },
	{ "oci:", TRANSPORT_OCI },
	{ "docker-archive:", TRANSPORT_DOCKER_ARCHIVE },
	{ "dir:", TRANSPORT_DIR },
	{ "store:", TRANSPORT_STORE },
	{ "containers-storage:", TRANSPORT_STORE },
	{ "sif:", TRANSPORT_SIF },
};

const char *transport_name(enum transport_kind k)
{
	switch (k) {
	case TRANSPORT_DOCKER:
		return "docker";
	case TRANSPORT_OCI:
		return "oci";
	case TRANSPORT_OCI_ARCHIVE:
		return "oci-archive";
	case TRANSPORT_DOCKER_ARCHIVE:
		return "docker-archive";
	case TRANSPORT_DIR:
		return "dir";
	case TRANSPORT_STORE:
		return "store";
	case TRANSPORT_SIF:
		return "sif";
	default:
		return "?";
	}
}

struct image_name *image_name_free(struct image_name *n)
{
	if (!n)
		return NULL;
	free(n->input);
	free(n->path);
	free(n->tag);
	reference_free(n->ref);
	free(n);
	return NULL;
}

/* "PATH[:TAG]": split at the first ':' (as skopeo does). */
static int split_path_tag(struct image_name *n, const char *rest, bool oci, struct pea_error **err)
{
	const char *colon = strchr(rest, ':');

	n->path = colon ? xstrndup(rest, (size_t)(colon - rest)) : xstrdup(rest);
	if (!*n->path)
		return pea_error_new(err, EINVAL, "invalid image name '%s': the path is empty",
				     n->input);
	if (!colon)
		return 0;
	if (oci) {
		const char *t = colon + 1;

		if (!*t)
			return 0;
		for (const char *p = t; *p; p++)
			if (!(((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
			      (*p >= '0' && *p <= '9') || strchr("._-:@/+", *p)))
				return pea_error_new(err, EINVAL,
						     "invalid image name '%s': bad tag '%s'",
						     n->input, t);
		n->tag = xstrdup(t);
		return 0;
	}
	/* docker-archive: "@N" or a docker reference */
	if (colon[1] == '@') {
		char *end;
		long v = strtol(colon + 2, &end, 10);

		if (!colon[2] || *end || v < 0 || v > 100000)
			return pea_error_new(err, EINVAL, "invalid image name '%s': bad index '%s'",
					     n->input, colon + 1);
		n->archive_index = (int)v;
		return 0;
	}
	if (colon[1]) {
		if (reference_parse(colon + 1, true, &n->ref, err) < 0)
			return pea_error_wrap(err, "invalid image name '%s'", n->input);
		if (n->ref->digest)
			return pea_error_new(err, EINVAL,
					     "invalid image name '%s': a docker-archive "
					     "reference cannot have a digest",
					     n->input);
		reference_default_tag(n->ref);
		n->tag = reference_string(n->ref);
	}
	return 0;
}

/* skopeo's transports that pea-image does not have: said as such, with what to use instead. */
static int unknown_transport(const char *s, size_t len, struct pea_error **err)
{
	static const struct {
		const char *name;
		const char *hint;
	} known[] = {
		{ "docker-daemon", ": use 'docker save' and docker-archive:" },
		{ "ostree", "" },
		{ "tarball", ": use oci-archive: or docker-archive:" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (strlen(known[i].name) == len && strncmp(s, known[i].name, len) == 0)
			return pea_error_new(err, ENOTSUP,
					     "invalid image name '%s': the transport '%s' is not "
					     "supported%s",
					     s, known[i].name, known[i].hint);
	return pea_error_new(err, EINVAL, "invalid image name '%s': unknown transport '%.*s'", s,
			     (int)len, s);
}

int image_name_parse(const char *s, struct image_name **ret, struct pea_error **err)
{
	struct image_name *n = xnew(struct image_name, 1);
	const char *rest = NULL;
	int r = 0;

	n->input = xstrdup(s);
	n->archive_index = -1;
	for (size_t i = 0; i < ARRAY_SIZE(transports); i++) {
		size_t len = strlen(transports[i].prefix);

		if (strncmp(s, transports[i].prefix, len) == 0) {
			n->kind = transports[i].kind;
			rest = s + len;
			break;
		}
	}
	if (!rest) {
		const char *colon = strchr(s, ':');

		image_name_free(n);
		if (!colon)
			return pea_error_new(err, EINVAL,
					     "invalid image name '%s': expected "
					     "TRANSPORT:NAME (docker://, oci:, oci-archive:, "
					     "docker-archive:, dir:, store:, sif:)",
					     s);
		return unknown_transport(s, (size_t)(colon - s), err);
	}
	switch (n->kind) {
	case TRANSPORT_DOCKER:
		if (strncmp(rest, "//", 2) == 0 || !*rest) {
			r = pea_error_new(err, EINVAL, "invalid image name '%s': bad reference", s);
			break;
		}
		r = reference_parse(rest, true, &n->ref, err);
		if (r < 0)
			pea_error_wrap(err, "invalid image name '%s'", s);
		break;
	case TRANSPORT_OCI:
	case TRANSPORT_OCI_ARCHIVE:
		r = split_path_tag(n, rest, true, err);
		break;
	case TRANSPORT_DOCKER_ARCHIVE:
		r = split_path_tag(n, rest, false, err);
		break;
	case TRANSPORT_DIR:
	case TRANSPORT_SIF:
		n->path = xstrdup(rest);
		if (!*n->path)
			r = pea_error_new(err, EINVAL, "invalid image name '%s': the path is empty",
					  s);
		break;
	case TRANSPORT_STORE:
	default:
		n->path = xstrdup(rest);
		break;
	}
	if (r < 0) {
		image_name_free(n);
		return r;
	}
	*ret = n;
	return 0;
}

int make_temp_dir(const struct transport_context *ctx, const char *what, char **ret,
		  struct pea_error **err)
{
	const char *base = ctx && ctx->tmpdir ? ctx->tmpdir : getenv("TMPDIR");
	char *path = xasprintf("%s/pea-image-%s-XXXXXX", base && *base ? base : "/var/tmp", what);

	if (!mkdtemp(path)) {
		int r = pea_error_errno(err, "create a temporary directory '%s'", path);

		free(path);
		return r;
	}
	*ret = path;
	return 0;
}

int local_open_blob(struct image_source *s, const char *path, int *ret_fd, struct pea_error **err)
{
	if (pea_open_in_root(s->dirfd, path, O_RDONLY | O_CLOEXEC, 0, ret_fd, err) < 0)
		return pea_error_wrap(err, "%s", s->description);
	return 0;
}

int synth_get_manifest(struct image_source *s, const char *digest, char **ret, size_t *ret_len,
		       char **ret_type, struct pea_error **err)
{
	if (digest)
		return pea_error_new(err, ENOENT, "%s: holds one image manifest, no '%s'",
				     s->description, digest);
	*ret = xmemdup_str(s->synth, s->synth_len);
	*ret_len = s->synth_len;
	*ret_type = xstrdup(MT_OCI_MANIFEST);
	return 0;
}

void synth_set_manifest(struct image_source *s, struct json_object *m)
{
	const char *text = json_object_to_json_string_ext(
		m, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	free(s->synth);
	s->synth = xstrdup(text);
	s->synth_len = strlen(text);
}

int synth_open_blob(struct image_source *s, const char *digest, int *ret_fd, struct pea_error **err)
{
	for (size_t i = 0; s->blob_digests && s->blob_digests[i]; i++)
		if (strcmp(s->blob_digests[i], digest) == 0)
			return local_open_blob(s, s->blob_files[i], ret_fd, err);
	return pea_error_new(err, ENOENT, "%s: no blob '%s'", s->description, digest);
}

int read_local_manifest(struct image_source *s, const char *path, const char *digest, char **ret,
			size_t *ret_len, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (local_open_blob(s, path, &fd, err) < 0)
		return -ENOENT;
	if (pea_read_all(fd, MANIFEST_MAX, &buf, &len, err) < 0)
		return pea_error_wrap(err, "%s: manifest '%s'", s->description, path);
	if (digest && pea_digest_verify_buffer(buf, len, digest, "manifest", err) < 0)
		return pea_error_wrap(err, "%s", s->description);
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int source_open(const struct image_name *name, const struct side_options *side,
		const struct transport_context *ctx, struct image_source **ret,
		struct pea_error **err)
{
	struct image_source *s = xnew(struct image_source, 1);
	int r;

	s->dirfd = -1;
	s->blobs_fd = -1;
	s->description = xstrdup(name->input);
	switch (name->kind) {
	case TRANSPORT_DOCKER:
		r = docker_source_open(name, side, ctx, s, err);
		break;
	case TRANSPORT_OCI:
		r = oci_source_open_dir(name->path, name->tag, side->shared_blob_dir, s, err);
		break;
	case TRANSPORT_OCI_ARCHIVE:
		r = oci_archive_source_open(name, ctx, s, err);
		break;
	case TRANSPORT_DIR:
		r = dir_source_open(name, s, err);
		break;
	case TRANSPORT_DOCKER_ARCHIVE:
		r = docker_archive_source_open(name, ctx, s, err);
		break;
	case TRANSPORT_SIF:
		r = sif_source_open(name, ctx, s, err);
		break;
	case TRANSPORT_STORE:
	default:
		r = store_source_open(name, ctx, s, err);
		break;
	}
	if (r < 0) {
		source_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

struct image_source *source_close(struct image_source *s)
{
	if (!s)
		return NULL;
	if (s->ops && s->ops->close)
		s->ops->close(s);
	registry_client_free(s->client);
	if (s->dirfd >= 0)
		close(s->dirfd);
	if (s->blobs_fd >= 0)
		close(s->blobs_fd);
	if (s->tmp_path) {
		pea_rm_rf_at(AT_FDCWD, s->tmp_path, NULL);
		free(s->tmp_path);
	}
	free(s->description);
	free(s->repo);
	free(s->ref_text);
	free(s->canonical);
	free(s->oci_digest);
	free(s->oci_type);
	free(s->synth);
	pea_strv_free(s->blob_digests);
	pea_strv_free(s->blob_files);
	pea_strv_free(s->repo_tags);
	free(s);
	return NULL;
}

int source_fetch(struct image_source *s, struct blob_fetch *f, size_t n,
		 const struct fetch_hooks *hooks, struct pea_error **err)
{
	if (s->ops->fetch_blobs)
		return s->ops->fetch_blobs(s, f, n, hooks, err);
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int fd = -1;
		_cleanup_free_ char *what = xasprintf("blob '%s'", f[i].digest);

		if (s->ops->open_blob(s, f[i].digest, &fd, err) < 0)
			return -ENOENT;
		progress_event(f[i].sink->progress, "start", f[i].digest, f[i].sink->expected_size,
			       0);
		if (blob_sink_from_fd(f[i].sink, fd, err) < 0 ||
		    blob_sink_finish(f[i].sink, what, err) < 0)
			return pea_error_wrap(err, "%s", s->description);
		progress_event(f[i].sink->progress, "done", f[i].digest, f[i].sink->expected_size,
			       f[i].sink->written);
		f[i].result = 0;
		if (hooks && hooks->blob_done && hooks->blob_done(hooks->data, i, err) < 0)
			return -EIO;
		if (hooks && hooks->tick) {
			int wake_fd = -1;
			short events = 0;

			if (hooks->tick(hooks->data, &wake_fd, &events, err) < 0)
				return -EIO;
		}
	}
	return 0;
}

int dest_open(const struct image_name *name, const struct side_options *side,
	      const struct transport_context *ctx, struct image_dest **ret, struct pea_error **err)
{
	struct image_dest *d = xnew(struct image_dest, 1);
	int r;

	d->dirfd = -1;
	d->blobs_fd = -1;
	d->staging_fd = -1;
	d->description = xstrdup(name->input);
	switch (name->kind) {
	case TRANSPORT_DOCKER:
		r = docker_dest_open(name, side, ctx, d, err);
		break;
	case TRANSPORT_OCI:
		r = oci_dest_open_dir(name->path, name->tag, side->shared_blob_dir, d, err);
		break;
	case TRANSPORT_OCI_ARCHIVE:
		r = oci_archive_dest_open(name, ctx, d, err);
		break;
	case TRANSPORT_DIR:
		r = dir_dest_open(name, d, err);
		break;
	case TRANSPORT_DOCKER_ARCHIVE:
		r = docker_archive_dest_open(name, ctx, d, err);
		break;
	case TRANSPORT_SIF:
		/* as skopeo: SIF files are made by singularity/apptainer, not by a copy */
		r = pea_error_new(err, ENOTSUP,
				  "%s: sif: locations can only be read from, not written to",
				  name->input);
		break;
	case TRANSPORT_STORE:
	default:
		r = store_dest_open(name, ctx, d, err);
		break;
	}
	if (r < 0) {
		dest_free(d, false);
		return r;
	}
	*ret = d;
	return 0;
}

struct image_dest *dest_free(struct image_dest *d, bool committed)
{
	if (!d)
		return NULL;
	if (!committed && d->ops && d->ops->abort)
		d->ops->abort(d);
	registry_client_free(d->client);
	if (d->staging_fd >= 0)
		close(d->staging_fd);
	if (d->staging_path) {
		pea_rm_rf_at(AT_FDCWD, d->staging_path, NULL);
		free(d->staging_path);
	}
	if (d->dirfd >= 0)
		close(d->dirfd);
	if (d->blobs_fd >= 0)
		close(d->blobs_fd);
	if (d->tmp_path) {
		pea_rm_rf_at(AT_FDCWD, d->tmp_path, NULL);
		free(d->tmp_path);
	}
	free(d->description);
	free(d->repo);
	free(d->tag);
	free(d->root_path);
	pea_strv_free(d->added);
	free(d->archive_path);
	pea_strv_free(d->layer_digests);
	pea_strv_free(d->layer_files);
	free(d->config_file);
	pea_strv_free(d->extra_tags);
	if (d->is_store)
		store_dest_free(d);
	free(d->manifest_json);
	free(d->image_id);
	free(d);
	return NULL;
}

int write_temp_file_at(int dirfd, const char *name, const void *buf, size_t len,
		       struct pea_error **err)
{
	_cleanup_close_ int fd =
		openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return pea_error_errno(err, "create '%s'", name);
	return pea_write_all(fd, buf, len, err) < 0 ? pea_error_wrap(err, "write '%s'", name) : 0;
}

char *xmemdup_str(const char *buf, size_t len)
{
	char *out = xmalloc(len + 1);

	if (len)
		memcpy(out, buf, len);
	out[len] = '\0';
	return out;
}
