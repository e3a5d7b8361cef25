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
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/blob.h"
#include "image/copy.h"
#include "image/manifest.h"
#include "image/registry.h"
#include "image/tarball.h"
#include "image/transport.h"

#define CONFIG_MAX (8u << 20)

static const char *oci_type_for(const char *mt)
{
	if (strcmp(mt, MT_DOCKER_MANIFEST) == 0)
		return MT_OCI_MANIFEST;
	if (strcmp(mt, MT_DOCKER_LIST) == 0)
		return MT_OCI_INDEX;
	if (strcmp(mt, MT_DOCKER_CONFIG) == 0)
		return MT_OCI_CONFIG;
	if (strcmp(mt, MT_DOCKER_LAYER) == 0)
		return MT_OCI_LAYER_GZIP;
	if (strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar") == 0)
		return MT_OCI_LAYER;
	if (strcmp(mt, MT_DOCKER_FOREIGN) == 0)
		return "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
	return mt;
}

/* A new object with keys first (in that order), then the others: Go's struct order,
 * so that a conversion gives the bytes (and the digest) skopeo gives. */
static struct json_object *reorder(struct json_object *o, const char *const *keys)
{
	struct json_object *out = json_object_new_object(), *v = NULL;

	for (size_t i = 0; keys[i]; i++)
		if (json_object_object_get_ex(o, keys[i], &v))
			json_object_object_add(out, keys[i], json_object_get(v));
	json_object_object_foreach(o, k, val)
	{
		if (!json_object_object_get_ex(out, k, NULL))
			json_object_object_add(out, k, json_object_get(val));
	}
	return out;
}

static struct json_object *convert_descriptor(struct json_object *d)
{
	static const char *const order[] = { "mediaType", "digest",	 "size",
					     "urls",	  "annotations", NULL };
	struct json_object *mt = NULL;

	if (json_object_object_get_ex(d, "mediaType", &mt) &&
	    json_object_is_type(mt, json_type_string)) {
		const char *to = oci_type_for(json_object_get_string(mt));

		json_object_object_add(d, "mediaType", json_object_new_string(to));
	}
	return reorder(d, order);
}

int manifest_to_oci(const char *buf, size_t len, const char *type, char **ret, size_t *ret_len,
		    char **ret_type, struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	struct json_object *cfg = NULL, *layers = NULL;
	char *text;

	if (strcmp(type, MT_DOCKER_MANIFEST) != 0) {
		*ret = xmemdup_str(buf, len);
		*ret_len = len;
		*ret_type = xstrdup(type);
		return 0;
	}
	if (pea_json_parse(buf, len, "manifest", &doc, err) < 0)
		return -EINVAL;
	if (pea_json_expect_object(doc, "manifest", err) < 0)
		return -EINVAL;
	json_object_object_add(doc, "mediaType", json_object_new_string(MT_OCI_MANIFEST));
	if (json_object_object_get_ex(doc, "config", &cfg) &&
	    json_object_is_type(cfg, json_type_object))
		json_object_object_add(doc, "config", convert_descriptor(cfg));
	if (json_object_object_get_ex(doc, "layers", &layers) &&
	    json_object_is_type(layers, json_type_array)) {
		struct json_object *arr = json_object_new_array();

		for (size_t i = 0; i < json_object_array_length(layers); i++) {
			struct json_object *l = json_object_array_get_idx(layers, i);

			json_object_array_add(arr, json_object_is_type(l, json_type_object)
							   ? convert_descriptor(l)
							   : json_object_get(l));
		}
		json_object_object_add(doc, "layers", arr);
	}
	{
		static const char *const order[] = { "schemaVersion", "mediaType",   "config",
						     "layers",	      "annotations", NULL };
		_cleanup_json_ struct json_object *top = reorder(doc, order);

		text = xstrdup(json_object_to_json_string_ext(
			top, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	*ret_len = strlen(text);
	*ret = (char *)text;
	*ret_type = xstrdup(MT_OCI_MANIFEST);
	return 0;
}

static const char *docker_type_for(const char *mt)
{
	if (strcmp(mt, MT_OCI_MANIFEST) == 0)
		return MT_DOCKER_MANIFEST;
	if (strcmp(mt, MT_OCI_CONFIG) == 0)
		return MT_DOCKER_CONFIG;
	if (strcmp(mt, MT_OCI_LAYER_GZIP) == 0)
		return MT_DOCKER_LAYER;
	if (strcmp(mt, MT_OCI_LAYER) == 0)
		return "application/vnd.docker.image.rootfs.diff.tar";
	if (strcmp(mt, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip") == 0)
		return MT_DOCKER_FOREIGN;
	return NULL;
}

/* An OCI image manifest as a Docker schema 2 one (--format v2s2), in Go's field order. */
static int manifest_to_docker(const char *buf, size_t len, char **ret, size_t *ret_len,
			      struct pea_error **err)
{
	static const char *const top_order[] = { "schemaVersion", "mediaType", "config", "layers",
						 NULL };
	static const char *const desc_order[] = { "mediaType", "size", "digest", "urls", NULL };
	_cleanup_json_ struct json_object *doc = NULL, *top = NULL;
	struct json_object *cfg = NULL, *layers = NULL, *arr;

	if (pea_json_parse(buf, len, "manifest", &doc, err) < 0)
		return -EINVAL;
	json_object_object_add(doc, "mediaType", json_object_new_string(MT_DOCKER_MANIFEST));
	json_object_object_del(doc, "annotations");
	if (json_object_object_get_ex(doc, "config", &cfg)) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "mediaType", json_object_new_string(MT_DOCKER_CONFIG));
		json_object_object_foreach(cfg, k, v)
		{
			if (strcmp(k, "mediaType") != 0 && strcmp(k, "annotations") != 0)
				json_object_object_add(c, k, json_object_get(v));
		}
		json_object_object_add(doc, "config", reorder(c, desc_order));
		json_object_put(c);
	}
	arr = json_object_new_array();
	json_object_object_get_ex(doc, "layers", &layers);
	for (size_t i = 0; layers && i < json_object_array_length(layers); i++) {
		struct json_object *l = json_object_array_get_idx(layers, i), *mt = NULL, *c;
		const char *to;

		json_object_object_get_ex(l, "mediaType", &mt);
		to = mt ? docker_type_for(json_object_get_string(mt)) : NULL;
		if (!to) {
			json_object_put(arr);
			return pea_error_new(err, ENOTSUP,
					     "layer %zu ('%s') cannot be described by a Docker "
					     "schema 2 manifest",
					     i, mt ? json_object_get_string(mt) : "no media type");
		}
		c = json_object_new_object();
		json_object_object_add(c, "mediaType", json_object_new_string(to));
		json_object_object_foreach(l, k, v)
		{
			if (strcmp(k, "mediaType") != 0 && strcmp(k, "annotations") != 0)
				json_object_object_add(c, k, json_object_get(v));
		}
		json_object_array_add(arr, reorder(c, desc_order));
		json_object_put(c);
	}
	json_object_object_add(doc, "layers", arr);
	top = reorder(doc, top_order);
	*ret = xstrdup(json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	*ret_len = strlen(*ret);
	return 0;
}

struct pending {
	const struct descriptor *desc;
	struct descriptor recompressed; /* digest set when the layer was recompressed */
	enum blob_role role;
	char *name;
	struct blob_sink sink;
	bool sink_ready;
};

/*
 * A staged file for the blob. early: the destination works while blobs arrive
 * (it checks digests itself, no hashing here then); stream: it may also read
 * a layer's file while it downloads.
 */
static int stage_open(struct image_dest *dst, struct pending *p, struct progress *progress,
		      bool early, bool stream, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;

	p->name = xasprintf("blob-%.16s-%d", strchr(p->desc->digest, ':') + 1, (int)getpid());
	fd = openat(dst->staging_fd, p->name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return pea_error_errno(err, "%s: stage blob '%s'", dst->description,
				       p->desc->digest);
	if (blob_sink_init(&p->sink, fd, p->desc->digest, p->desc->size, 0, err) < 0)
		return -EINVAL;
	p->sink.progress = progress;
	p->sink_ready = true;
	TAKE_FD(fd);
	if (p->role != BLOB_LAYER)
		return 0;
	if (stream && dst->ops->blob_staging(dst, p->desc, p->name, &p->sink, err) < 0)
		return -EIO;
	if (early && dst->ops->checks_digest)
		p->sink.digest_checked_by_consumer = dst->ops->checks_digest(dst, p->desc);
	return 0;
}

static void pending_clear(struct image_dest *dst, struct pending *p)
{
	if (p->sink_ready) {
		if (p->sink.fd >= 0)
			close(p->sink.fd);
		blob_sink_done(&p->sink);
	}
	if (p->name && dst->staging_fd >= 0)
		unlinkat(dst->staging_fd, p->name, 0);
	free(p->name);
	descriptor_clear(&p->recompressed);
}

static enum compression compression_of(const char *format)
{
	return strcmp(format, "zstd") == 0 ? COMPRESSION_ZSTD : COMPRESSION_GZIP;
}

static bool wants_recompress(const struct copy_options *o, const struct descriptor *d)
{
	const char *mt = d->media_type;

	if (!o->compress_format || !mt || (!strstr(mt, "layer") && !strstr(mt, "rootfs.diff")) ||
	    strstr(mt, "nondistributable") || strstr(mt, "foreign"))
		return false;
	if (o->only_uncompressed)
		return layer_compression(mt) == COMPRESSION_NONE;
	return layer_compression(mt) != compression_of(o->compress_format);
}

static const char *recompressed_type(const char *manifest_type, const char *format)
{
	if (strcmp(manifest_type, MT_DOCKER_MANIFEST) == 0 && strcmp(format, "gzip") == 0)
		return MT_DOCKER_LAYER;
	return strcmp(format, "zstd") == 0 ? MT_OCI_LAYER_ZSTD : MT_OCI_LAYER_GZIP;
}

/* Recompress a staged layer into a new staged file; p->recompressed describes it. */
static int recompress(struct image_dest *dst, struct pending *p, const char *manifest_type,
		      const struct copy_options *o, struct pea_error **err)
{
	_cleanup_free_ char *name = xasprintf("%s.re", p->name);
	_cleanup_close_ int in = openat(dst->staging_fd, p->name, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	struct pea_digest dg = { 0 };
	char digest[PEA_DIGEST_MAX];
	struct stat st;
	int r;

	if (in < 0)
		return pea_error_errno(err, "open staged blob '%s'", p->desc->digest);
	out = openat(dst->staging_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return pea_error_errno(err, "create '%s'", name);
	if (pea_digest_init(&dg, "sha256", err) < 0)
		return -ENOMEM;
	r = tar_recompress(in, out, o->compress_format, o->compress_level, &dg, err);
	pea_digest_final(&dg, digest);
	pea_digest_done(&dg);
	if (r < 0)
		return pea_error_wrap(err, "recompressing layer '%s'", p->desc->digest);
	if (fstat(out, &st) < 0 || renameat(dst->staging_fd, name, dst->staging_fd, p->name) < 0)
		return pea_error_errno(err, "recompressing layer '%s'", p->desc->digest);
	p->recompressed.media_type = xstrdup(recompressed_type(manifest_type, o->compress_format));
	p->recompressed.digest = xstrdup(digest);
	p->recompressed.size = st.st_size;
	return 0;
}

/* The manifest with the recompressed layers' descriptors. */
static int rewrite_layers(char **text, size_t *len, struct pending *list, size_t n,
			  struct pea_error **err)
{
	static const char *const order[] = { "schemaVersion", "mediaType",   "config",
					     "layers",	      "annotations", NULL };
	_cleanup_json_ struct json_object *doc = NULL, *top = NULL;
	struct json_object *layers = NULL;
	bool changed = false;

	if (pea_json_parse(*text, *len, "manifest", &doc, err) < 0)
		return -EINVAL;
	json_object_object_get_ex(doc, "layers", &layers);
	for (size_t i = 0; layers && i < json_object_array_length(layers); i++) {
		struct json_object *l = json_object_array_get_idx(layers, i), *dg = NULL;

		if (!json_object_object_get_ex(l, "digest", &dg))
			continue;
		for (size_t k = 0; k < n; k++) {
			const struct descriptor *re = &list[k].recompressed;

			if (!re->digest || strcmp(json_object_get_string(dg), list[k].desc->digest))
				continue;
			json_object_object_add(l, "mediaType",
					       json_object_new_string(re->media_type));
			json_object_object_add(l, "digest", json_object_new_string(re->digest));
			json_object_object_add(l, "size", json_object_new_int64(re->size));
			changed = true;
			break;
		}
	}
	if (!changed)
		return 0;
	top = reorder(doc, order);
	free(*text);
	*text = xstrdup(json_object_to_json_string_ext(
		top, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	*len = strlen(*text);
	return 0;
}

static bool already_listed(struct pending *list, size_t n, const char *digest)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].desc->digest, digest) == 0)
			return true;
	return false;
}

/* The blobs to transfer: config, then the layers, minus what dst has. */
static int plan_blobs(const struct manifest *m, struct image_source *src, struct image_dest *dst,
		      const struct copy_options *o, struct pending **ret, size_t *ret_n,
		      struct pea_error **err)
{
	struct pending *list = xnew(struct pending, m->nlayers + 1);
	size_t n = 0;

	for (size_t i = 0; i <= m->nlayers; i++) {
		const struct descriptor *d = i == 0 ? &m->config : &m->layers[i - 1];
		bool have = false;

		if (already_listed(list, n, d->digest))
			continue;
		if (i > 0 && wants_recompress(o, d)) {
			list[n].desc = d;
			list[n].role = BLOB_LAYER;
			n++;
			continue;
		}
		if (dst->ops->has_blob(dst, d, &have, err) < 0) {
			free(list);
			return -EIO;
		}
		if (have) {
			progress_event(o->progress, "skipped", d->digest, d->size,
				       (uint64_t)d->size);
			continue;
		}
		if (dst->ops->mount_blob && dst->ops->mount_blob(dst, src, d, &have, err) < 0) {
			free(list);
			return -EIO;
		}
		if (have) {
			progress_event(o->progress, "mounted", d->digest, d->size,
				       (uint64_t)d->size);
			continue;
		}
		list[n].desc = d;
		list[n].role = i == 0 ? BLOB_CONFIG : BLOB_LAYER;
		n++;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

struct early {
	struct image_dest *dst;
	struct pending *list;
};

static int early_blob_done(void *data, size_t index, struct pea_error **err)
{
	struct early *e = data;

	return e->dst->ops->blob_ready(e->dst, e->list[index].desc, e->list[index].name, err);
}

static int early_tick(void *data, int *ret_fd, short *ret_events, struct pea_error **err)
{
	struct early *e = data;

	return e->dst->ops->tick(e->dst, ret_fd, ret_events, err);
}

static int transfer_blobs(struct image_source *src, struct image_dest *dst, struct pending *list,
			  size_t n, const char *manifest_type, const struct copy_options *o,
			  struct pea_error **err)
{
	_cleanup_free_ struct blob_fetch *fetches = xnew(struct blob_fetch, n + 1);
	struct early early = { .dst = dst, .list = list };
	struct fetch_hooks hooks = { .blob_done = early_blob_done,
				     .tick = early_tick,
				     .data = &early };
	/* a recompressed blob changes after it arrives: no early use then */
	bool use_hooks = dst->ops->blob_ready && dst->ops->tick && !o->compress_format;
	/* local sources copy one blob after the other, each in a moment: whole files then */
	bool stream = use_hooks && dst->ops->blob_staging && src->ops->fetch_blobs;
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		r = stage_open(dst, &list[i], o->progress, use_hooks, stream, err);
		fetches[i].digest = list[i].desc->digest;
		fetches[i].sink = &list[i].sink;
	}
	if (r == 0)
		r = source_fetch(src, fetches, n, use_hooks ? &hooks : NULL, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (list[i].sink.fd >= 0) {
			close(list[i].sink.fd);
			list[i].sink.fd = -1;
		}
		if (list[i].role == BLOB_LAYER && wants_recompress(o, list[i].desc)) {
			r = recompress(dst, &list[i], manifest_type, o, err);
			if (r < 0)
				break;
		}
		r = dst->ops->put_blob(
			dst, list[i].recompressed.digest ? &list[i].recompressed : list[i].desc,
			list[i].role, list[i].name, err);
	}
	return r;
}

/* One image manifest: blobs, then the manifest. */
static int copy_one(struct image_source *src, struct image_dest *dst, const char *buf, size_t len,
		    const char *type, bool top, const struct copy_options *o,
		    char ret_digest[PEA_DIGEST_MAX], char **ret_type, size_t *ret_len,
		    struct pea_error **err)
{
	_cleanup_(manifest_free_p) struct manifest *m = NULL;
	_cleanup_free_ char *out = NULL, *out_type = NULL;
	struct pending *list = NULL;
	size_t n = 0, out_len = 0;
	int r;

	if (manifest_parse(buf, len, type, &m, err) < 0)
		return pea_error_wrap(err, "%s", src->description);
	if (m->is_index)
		return pea_error_new(err, EINVAL, "%s: an index inside an index is not supported",
				     src->description);
	if (o->preserve_digests && o->compress_format)
		return pea_error_new(err, EINVAL,
				     "--dest-compress-format changes layer digests, which "
				     "--preserve-digests forbids");
	/* like skopeo, an OCI layout takes a Docker manifest as it is with --preserve-digests */
	if ((dst->wants_oci && !o->preserve_digests) ||
	    (o->compress_format && strcmp(o->compress_format, "zstd") == 0))
		r = manifest_to_oci(buf, len, m->media_type, &out, &out_len, &out_type, err);
	else
		r = manifest_to_oci(buf, len, "", &out, &out_len, &out_type, err);
	if (r < 0)
		return r;
	if (r == 0 && strcmp(out_type, MT_OCI_MANIFEST) != 0) {
		free(out_type);
		out_type = xstrdup(m->media_type);
	}
	if (o->want_docker && strcmp(out_type, MT_OCI_MANIFEST) == 0) {
		char *conv = NULL;
		size_t conv_len = 0;

		if (o->preserve_digests)
			return pea_error_new(err, EINVAL,
					     "--format v2s2 converts the manifest, which "
					     "--preserve-digests forbids");
		if (manifest_to_docker(out, out_len, &conv, &conv_len, err) < 0)
			return pea_error_wrap(err, "%s", src->description);
		free(out);
		out = conv;
		out_len = conv_len;
		free(out_type);
		out_type = xstrdup(MT_DOCKER_MANIFEST);
	}
	r = dst->ops->begin && !o->compress_format ? dst->ops->begin(dst, m, err) : 0;
	if (o->progress)
		o->progress->config_digest = m->config.digest;
	if (r == 0)
		r = plan_blobs(m, src, dst, o, &list, &n, err);
	if (r == 0)
		r = transfer_blobs(src, dst, list, n, out_type, o, err);
	if (o->progress)
		o->progress->config_digest = NULL; /* m's, freed at the end */
	if (r == 0 && o->compress_format)
		r = rewrite_layers(&out, &out_len, list, n, err);
	for (size_t i = 0; list && i < n; i++)
		pending_clear(dst, &list[i]);
	free(list);
	if (r < 0)
		return r;
	pea_digest_buffer("sha256", out, out_len, ret_digest);
	progress_event(o->progress, "manifest", ret_digest, (int64_t)out_len, out_len);
	progress_message(o->progress, "Writing manifest to image destination");
	if (dst->ops->put_manifest(dst, out, out_len, out_type, ret_digest, top, err) < 0)
		return -EIO;
	if (ret_type)
		*ret_type = TAKE_PTR(out_type);
	if (ret_len)
		*ret_len = out_len;
	return 0;
}

static int copy_all(struct image_source *src, struct image_dest *dst, const char *buf, size_t len,
		    const struct manifest *index, const struct copy_options *o,
		    char ret_digest[PEA_DIGEST_MAX], struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	struct json_object *arr = NULL;
	const char *text;
	const char *type = index->media_type;

	if (dst->single_image_only)
		return pea_error_new(err, ENOTSUP, "%s holds one image: copy without --all",
				     dst->description);
	if (pea_json_parse(buf, len, "index", &doc, err) < 0)
		return -EINVAL;
	json_object_object_get_ex(doc, "manifests", &arr);
	for (size_t i = 0; i < index->nmanifests; i++) {
		const struct descriptor *d = &index->manifests[i];
		_cleanup_free_ char *child = NULL, *child_type = NULL, *new_type = NULL;
		struct json_object *entry = json_object_array_get_idx(arr, i);
		char digest[PEA_DIGEST_MAX];
		size_t child_len = 0, new_len = 0;

		if (src->ops->get_manifest(src, d->digest, &child, &child_len, &child_type, err) <
		    0)
			return -EIO;
		if (copy_one(src, dst, child, child_len, d->media_type[0] ? d->media_type : NULL,
			     false, o, digest, &new_type, &new_len, err) < 0)
			return -EIO;
		json_object_object_add(entry, "digest", json_object_new_string(digest));
		json_object_object_add(entry, "size", json_object_new_int64((int64_t)new_len));
		json_object_object_add(entry, "mediaType", json_object_new_string(new_type));
	}
	if (dst->wants_oci && strcmp(type, MT_DOCKER_LIST) == 0) {
		type = MT_OCI_INDEX;
		json_object_object_add(doc, "mediaType", json_object_new_string(type));
	}
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	/* Unchanged children keep the index byte for byte (and its digest). */
	{
		char rewritten[PEA_DIGEST_MAX], original[PEA_DIGEST_MAX];
		_cleanup_json_ struct json_object *orig = NULL;
		const char *orig_text;

		pea_json_parse(buf, len, "index", &orig, NULL);
		orig_text = orig ? json_object_to_json_string_ext(
					   orig,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
				 : "";
		pea_digest_buffer("sha256", text, strlen(text), rewritten);
		pea_digest_buffer("sha256", orig_text, strlen(orig_text), original);
		if (strcmp(rewritten, original) == 0) {
			text = NULL;
		}
	}
	if (!text) {
		pea_digest_buffer("sha256", buf, len, ret_digest);
		return dst->ops->put_manifest(dst, buf, len, type, ret_digest, true, err);
	}
	pea_digest_buffer("sha256", text, strlen(text), ret_digest);
	return dst->ops->put_manifest(dst, text, strlen(text), type, ret_digest, true, err);
}

int copy_image(struct image_source *src, struct image_dest *dst, const struct copy_options *o,
	       char ret_digest[PEA_DIGEST_MAX], struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL, *type = NULL;
	_cleanup_(manifest_free_p) struct manifest *m = NULL;
	size_t len = 0;
	int r;

	progress_message(o->progress, "Getting image source signatures");
	if (src->ops->get_manifest(src, NULL, &buf, &len, &type, err) < 0)
		return -EIO;
	if (manifest_parse(buf, len, type && *type ? type : NULL, &m, err) < 0)
		return pea_error_wrap(err, "%s", src->description);
	if (!m->is_index) {
		r = copy_one(src, dst, buf, len, m->media_type, true, o, ret_digest, NULL, NULL,
			     err);
	} else if (o->all) {
		r = copy_all(src, dst, buf, len, m, o, ret_digest, err);
	} else {
		const struct descriptor *d = NULL;
		_cleanup_free_ char *child = NULL, *child_type = NULL;
		size_t child_len = 0;

		r = manifest_select(m, o->os, o->arch, o->variant, &d, err);
		if (r < 0)
			return pea_error_wrap(err, "%s", src->description);
		r = src->ops->get_manifest(src, d->digest, &child, &child_len, &child_type, err);
		if (r == 0)
			r = copy_one(src, dst, child, child_len,
				     d->media_type[0] ? d->media_type : child_type, true, o,
				     ret_digest, NULL, NULL, err);
	}
	if (r < 0)
		return r;
	progress_message(o->progress, "Storing signatures");
	return dst->ops->commit(dst, err);
}
