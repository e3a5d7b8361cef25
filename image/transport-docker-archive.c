#include <errno.h>
#include <fcntl.h>
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
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "lib/digest.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/tarball.h"
#include "image/transport.h"

#define ARCHIVE_MANIFEST_MAX (4u << 20)

/* ---- source -------------------------------------------------------------------- */

static const struct source_ops da_source_ops = {
	.get_manifest = synth_get_manifest,
	.open_blob = synth_open_blob,
};

/* Hash a file of the archive and describe it. */
static int describe_file(struct image_source *s, const char *path, bool config,
			 struct json_object **ret, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = xmalloc(1u << 17);
	struct pea_digest dg = { 0 };
	char digest[PEA_DIGEST_MAX];
	unsigned char head[4] = { 0 };
	size_t head_len = 0;
	int64_t size = 0;
	struct json_object *d;
	const char *mt;

	if (local_open_blob(s, path, &fd, err) < 0)
		return -ENOENT;
	if (pea_digest_init(&dg, "sha256", err) < 0)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf, 1u << 17);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pea_digest_done(&dg);
			return pea_error_errno(err, "%s: read '%s'", s->description, path);
		}
		if (n == 0)
			break;
		if (head_len < sizeof(head)) {
			size_t k = sizeof(head) - head_len < (size_t)n ? sizeof(head) - head_len
								       : (size_t)n;

			memcpy(head + head_len, buf, k);
			head_len += k;
		}
		pea_digest_update(&dg, buf, (size_t)n);
		size += n;
	}
	pea_digest_final(&dg, digest);
	pea_digest_done(&dg);
	if (config) {
		mt = MT_OCI_CONFIG;
	} else {
		switch (compression_sniff(head, head_len)) {
		case COMPRESSION_GZIP:
			mt = MT_OCI_LAYER_GZIP;
			break;
		case COMPRESSION_ZSTD:
			mt = MT_OCI_LAYER_ZSTD;
			break;
		case COMPRESSION_NONE:
		default:
			mt = MT_OCI_LAYER;
			break;
		}
	}
	d = json_object_new_object();
	json_object_object_add(d, "mediaType", json_object_new_string(mt));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64(size));
	pea_strv_push(&s->blob_digests, digest);
	pea_strv_push(&s->blob_files, path);
	*ret = d;
	return 0;
}

static bool tags_match(struct json_object *tags, const char *want)
{
	for (size_t i = 0; tags && i < json_object_array_length(tags); i++) {
		_cleanup_(reference_free_p) struct image_reference *r = NULL;
		_cleanup_free_ char *full = NULL;
		const char *t = json_object_get_string(json_object_array_get_idx(tags, i));

		if (!t || reference_parse(t, true, &r, NULL) < 0)
			continue;
		full = reference_string(r);
		if (strcmp(full, want) == 0)
			return true;
	}
	return false;
}

static int pick_entry(struct image_source *s, const struct image_name *name,
		      struct json_object *doc, struct json_object **ret, struct pea_error **err)
{
	size_t n = json_object_array_length(doc);

	if (name->archive_index >= 0) {
		if ((size_t)name->archive_index >= n)
			return pea_error_new(err, ENOENT,
					     "%s: the archive holds %zu images, no @%d",
					     s->description, n, name->archive_index);
		*ret = json_object_array_get_idx(doc, (size_t)name->archive_index);
		return 0;
	}
	if (name->tag) {
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(doc, i), *tags = NULL;

			json_object_object_get_ex(e, "RepoTags", &tags);
			if (tags_match(tags, name->tag)) {
				*ret = e;
				return 0;
			}
		}
		return pea_error_new(err, ENOENT, "%s: no image tagged '%s' in the archive",
				     s->description, name->tag);
	}
	if (n != 1)
		return pea_error_new(err, EINVAL,
				     "%s: the archive holds %zu images: name one with "
				     "docker-archive:FILE:REF or docker-archive:FILE:@N",
				     s->description, n);
	*ret = json_object_array_get_idx(doc, 0);
	return 0;
}

static int synthesize(struct image_source *s, struct json_object *entry, struct pea_error **err)
{
	_cleanup_json_ struct json_object *m = json_object_new_object();
	_cleanup_strv_ char **layers = NULL;
	struct json_object *cfg = NULL, *arr, *tags = NULL;
	const char *config = NULL;

	if (pea_json_expect_object(entry, "manifest.json[]", err) < 0 ||
	    pea_json_get_string_req(entry, "manifest.json[]", "Config", &config, err) < 0 ||
	    pea_json_get_strv_opt(entry, "manifest.json[]", "Layers", &layers, err) < 0 ||
	    pea_json_get_array_opt(entry, "manifest.json[]", "RepoTags", &tags, err) < 0)
		return pea_error_wrap(err, "%s", s->description);
	if (pea_strv_length(layers) > MANIFEST_MAX_ENTRIES)
		return pea_error_new(err, E2BIG, "%s: too many layers", s->description);
	for (size_t i = 0; tags && i < json_object_array_length(tags); i++) {
		const char *t = json_object_get_string(json_object_array_get_idx(tags, i));

		if (t)
			pea_strv_push(&s->repo_tags, t);
	}
	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType", json_object_new_string(MT_OCI_MANIFEST));
	if (describe_file(s, config, true, &cfg, err) < 0)
		return -ENOENT;
	json_object_object_add(m, "config", cfg);
	arr = json_object_new_array();
	json_object_object_add(m, "layers", arr);
	for (size_t i = 0; layers && layers[i]; i++) {
		struct json_object *l = NULL;

		if (describe_file(s, layers[i], false, &l, err) < 0)
			return -ENOENT;
		json_object_array_add(arr, l);
	}
	synth_set_manifest(s, m);
	return 0;
}

int docker_archive_source_open(const struct image_name *name, const struct transport_context *ctx,
			       struct image_source *s, struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	struct json_object *entry = NULL;

	s->ops = &da_source_ops;
	if (access(name->path, R_OK) < 0)
		return pea_error_errno(err, "%s: '%s'", name->input, name->path);
	if (make_temp_dir(ctx, "docker-archive", &s->tmp_path, err) < 0)
		return -EIO;
	if (tar_extract(name->path, s->tmp_path, err) < 0)
		return pea_error_wrap(err, "%s", name->input);
	s->dirfd = open(s->tmp_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return pea_error_errno(err, "open '%s'", s->tmp_path);
	if (pea_json_parse_file_at(s->dirfd, "manifest.json", ARCHIVE_MANIFEST_MAX, &doc, err) < 0)
		return pea_error_wrap(err, "%s: not a docker-archive", name->input);
	if (!json_object_is_type(doc, json_type_array) || json_object_array_length(doc) == 0)
		return pea_error_new(err, EINVAL, "%s: manifest.json is not a non-empty array",
				     name->input);
	if (pick_entry(s, name, doc, &entry, err) < 0)
		return -ENOENT;
	return synthesize(s, entry, err);
}

/* ---- destination ------------------------------------------------------------------ */

static int da_has_blob(struct image_dest *d, const struct descriptor *desc, bool *ret,
		       struct pea_error **err)
{
	*ret = false;
	return 0;
}

static int da_put_layer(struct image_dest *d, const struct descriptor *desc, const char *name,
			struct pea_error **err)
{
	_cleanup_close_ int in = openat(d->staging_fd, name, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	_cleanup_free_ char *tmp = xasprintf("%s.tar.tmp", name), *final = NULL;
	struct pea_digest dg = { 0 };
	char diff[PEA_DIGEST_MAX];
	int r;

	if (in < 0)
		return pea_error_errno(err, "open staged blob '%s'", desc->digest);
	out = openat(d->staging_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return pea_error_errno(err, "create '%s'", tmp);
	if (pea_digest_init(&dg, "sha256", err) < 0)
		return -ENOMEM;
	r = tar_decompress(in, out, &dg, err);
	pea_digest_final(&dg, diff);
	pea_digest_done(&dg);
	if (r < 0)
		return pea_error_wrap(err, "%s: layer '%s'", d->description, desc->digest);
	final = xasprintf("%s.tar", pea_digest_hex(diff));
	if (renameat(d->staging_fd, tmp, d->staging_fd, final) < 0)
		return pea_error_errno(err, "rename '%s'", tmp);
	unlinkat(d->staging_fd, name, 0);
	pea_strv_push(&d->layer_digests, desc->digest);
	pea_strv_push(&d->layer_files, final);
	return 0;
}

static int da_put_blob(struct image_dest *d, const struct descriptor *desc, enum blob_role role,
		       const char *name, struct pea_error **err)
{
	if (role == BLOB_LAYER)
		return da_put_layer(d, desc, name, err);
	free(d->config_file);
	d->config_file = xasprintf("%s.json", pea_digest_hex(desc->digest));
	if (renameat(d->staging_fd, name, d->staging_fd, d->config_file) < 0)
		return pea_error_errno(err, "rename '%s'", name);
	return 0;
}

static const char *layer_file(const struct image_dest *d, const char *digest)
{
	for (size_t i = 0; d->layer_digests && d->layer_digests[i]; i++)
		if (strcmp(d->layer_digests[i], digest) == 0)
			return d->layer_files[i];
	return NULL;
}

static int da_put_manifest(struct image_dest *d, const char *buf, size_t len, const char *type,
			   const char *digest, bool top, struct pea_error **err)
{
	_cleanup_(manifest_free_p) struct manifest *m = NULL;
	_cleanup_json_ struct json_object *doc = json_object_new_array();
	struct json_object *entry = json_object_new_object(), *layers, *tags;
	const char *text;

	json_object_array_add(doc, entry);
	if (!top)
		return pea_error_new(err, ENOTSUP,
				     "%s: a docker-archive holds one image, not a "
				     "manifest list",
				     d->description);
	if (manifest_parse(buf, len, type, &m, err) < 0)
		return -EINVAL;
	if (!d->config_file)
		return pea_error_new(err, EINVAL, "%s: no config was written", d->description);
	json_object_object_add(entry, "Config", json_object_new_string(d->config_file));
	tags = json_object_new_array();
	if (d->tag)
		json_object_array_add(tags, json_object_new_string(d->tag));
	for (size_t i = 0; d->extra_tags && d->extra_tags[i]; i++)
		json_object_array_add(tags, json_object_new_string(d->extra_tags[i]));
	json_object_object_add(entry, "RepoTags", tags);
	layers = json_object_new_array();
	json_object_object_add(entry, "Layers", layers);
	for (size_t i = 0; i < m->nlayers; i++) {
		const char *f = layer_file(d, m->layers[i].digest);

		if (!f)
			return pea_error_new(err, EINVAL, "%s: layer '%s' was not written",
					     d->description, m->layers[i].digest);
		json_object_array_add(layers, json_object_new_string(f));
	}
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (write_temp_file_at(d->staging_fd, "manifest.json", text, strlen(text), err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	return 0;
}

static int da_commit(struct image_dest *d, struct pea_error **err)
{
	_cleanup_strv_ char **names = NULL;

	if (!d->config_file)
		return pea_error_new(err, EINVAL, "%s: nothing was written", d->description);
	pea_strv_push(&names, d->config_file);
	for (size_t i = 0; d->layer_files && d->layer_files[i]; i++)
		if (!pea_strv_contains(names, d->layer_files[i]))
			pea_strv_push(&names, d->layer_files[i]);
	pea_strv_push(&names, "manifest.json");
	if (tar_create(d->staging_path, names, d->archive_path, err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	return 0;
}

static const struct dest_ops da_dest_ops = {
	.has_blob = da_has_blob,
	.put_blob = da_put_blob,
	.put_manifest = da_put_manifest,
	.commit = da_commit,
};

int docker_archive_dest_open(const struct image_name *name, const struct transport_context *ctx,
			     struct image_dest *d, struct pea_error **err)
{
	d->ops = &da_dest_ops;
	d->wants_uncompressed = true;
	d->single_image_only = true;
	d->archive_path = xstrdup(name->path);
	d->tag = name->tag ? xstrdup(name->tag) : NULL;
	if (name->archive_index >= 0)
		return pea_error_new(err, EINVAL, "%s: @N cannot name a destination", name->input);
	if (make_temp_dir(ctx, "docker-archive", &d->staging_path, err) < 0)
		return -EIO;
	d->staging_fd = open(d->staging_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->staging_fd < 0)
		return pea_error_errno(err, "open '%s'", d->staging_path);
	return 0;
}
