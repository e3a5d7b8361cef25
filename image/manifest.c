#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "lib/digest.h"
#include "image/manifest.h"

bool media_type_is_index(const char *mt)
{
	return mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0);
}

bool media_type_is_manifest(const char *mt)
{
	return mt && (strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_MANIFEST) == 0);
}

static bool media_type_is_schema1(const char *mt)
{
	return mt && (strcmp(mt, MT_DOCKER_S1) == 0 || strcmp(mt, MT_DOCKER_S1_SIGNED) == 0 ||
		      strcmp(mt, "application/json") == 0);
}

static int schema1_error(struct pea_error **err)
{
	return pea_error_new(err, ENOTSUP,
			     "manifest schema 1 (application/vnd.docker.distribution.manifest.v1) "
			     "is deprecated and not supported: rebuild or re-push the image with a "
			     "schema 2 or OCI manifest");
}

int manifest_media_type(const char *buf, size_t len, const char *header, char **ret,
			struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	const char *mt = NULL;
	int64_t version = 0;
	struct json_object *x = NULL;

	if (header) {
		_cleanup_free_ char *h = xstrndup(header, strcspn(header, "; "));

		if (media_type_is_index(h) || media_type_is_manifest(h)) {
			*ret = TAKE_PTR(h);
			return 0;
		}
		if (strcmp(h, MT_DOCKER_S1) == 0 || strcmp(h, MT_DOCKER_S1_SIGNED) == 0)
			return schema1_error(err);
	}
	if (pea_json_parse(buf, len, "manifest", &doc, err) < 0)
		return -EINVAL;
	if (pea_json_expect_object(doc, "manifest", err) < 0 ||
	    pea_json_get_string_opt(doc, "", "mediaType", &mt, err) < 0 ||
	    pea_json_get_int64_opt(doc, "", "schemaVersion", &version, err) < 0)
		return pea_error_wrap(err, "manifest");
	if (version == 1 || media_type_is_schema1(mt))
		return schema1_error(err);
	if (mt) {
		if (!media_type_is_index(mt) && !media_type_is_manifest(mt))
			return pea_error_new(err, ENOTSUP, "unsupported manifest media type '%s'",
					     mt);
		*ret = xstrdup(mt);
		return 0;
	}
	if (version != 2)
		return pea_error_new(err, EINVAL, "manifest: 'schemaVersion' is %lld, expected 2",
				     (long long)version);
	if (json_object_object_get_ex(doc, "manifests", &x))
		*ret = xstrdup(MT_OCI_INDEX);
	else if (json_object_object_get_ex(doc, "config", &x))
		*ret = xstrdup(MT_OCI_MANIFEST);
	else
		return pea_error_new(err, EINVAL,
				     "manifest: neither an image manifest nor an index");
	return 0;
}

void descriptor_clear(struct descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->platform.os);
	free(d->platform.arch);
	free(d->platform.variant);
	free(d->ref_name);
	memset(d, 0, sizeof(*d));
}

int descriptor_from_json(struct json_object *o, const char *path, struct descriptor *d,
			 struct pea_error **err)
{
	const char *mt = NULL, *digest = NULL, *ref = NULL;
	struct json_object *plat = NULL, *ann = NULL, *urls = NULL;
	int64_t size = -1;

	if (pea_json_expect_object(o, path, err) < 0 ||
	    pea_json_get_string_opt(o, path, "mediaType", &mt, err) < 0 ||
	    pea_json_get_string_req(o, path, "digest", &digest, err) < 0 ||
	    pea_json_get_int64_req(o, path, "size", &size, err) < 0 ||
	    pea_json_get_object_opt(o, path, "platform", &plat, err) < 0 ||
	    pea_json_get_object_opt(o, path, "annotations", &ann, err) < 0 ||
	    pea_json_get_array_opt(o, path, "urls", &urls, err) < 0)
		return -EINVAL;
	if (!pea_digest_is_valid(digest))
		return pea_error_new(err, EINVAL, "'%s.digest' = '%s' is not a valid digest", path,
				     digest);
	if (size < 0)
		return pea_error_new(err, EINVAL, "'%s.size' is negative", path);
	if (ann) {
		_cleanup_free_ char *apath = pea_json_path_key(path, "annotations");

		if (pea_json_get_string_opt(ann, apath, "org.opencontainers.image.ref.name", &ref,
					    err) < 0)
			return -EINVAL;
	}
	if (plat) {
		_cleanup_free_ char *ppath = pea_json_path_key(path, "platform");
		const char *os = NULL, *arch = NULL, *variant = NULL;

		if (pea_json_get_string_req(plat, ppath, "os", &os, err) < 0 ||
		    pea_json_get_string_req(plat, ppath, "architecture", &arch, err) < 0 ||
		    pea_json_get_string_opt(plat, ppath, "variant", &variant, err) < 0)
			return -EINVAL;
		d->platform.os = xstrdup(os);
		d->platform.arch = xstrdup(arch);
		d->platform.variant = variant ? xstrdup(variant) : NULL;
	}
	d->media_type = xstrdup(mt ? mt : "");
	d->digest = xstrdup(digest);
	d->size = size;
	d->ref_name = ref ? xstrdup(ref) : NULL;
	d->has_urls = urls && json_object_array_length(urls) > 0;
	return 0;
}

static int parse_list(struct json_object *arr, const char *key, struct descriptor **ret,
		      size_t *ret_n, struct pea_error **err)
{
	size_t n = arr ? json_object_array_length(arr) : 0;
	struct descriptor *list;

	if (n > MANIFEST_MAX_ENTRIES)
		return pea_error_new(err, E2BIG, "manifest: more than %d entries in '%s'",
				     MANIFEST_MAX_ENTRIES, key);
	list = xnew(struct descriptor, n + 1);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = pea_json_path_index(key, i);

		if (descriptor_from_json(json_object_array_get_idx(arr, i), path, &list[i], err) <
		    0) {
			for (size_t j = 0; j <= i; j++)
				descriptor_clear(&list[j]);
			free(list);
			return pea_error_wrap(err, "manifest");
		}
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

int manifest_parse(const char *buf, size_t len, const char *header_type, struct manifest **ret,
		   struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	_cleanup_free_ char *mt = NULL;
	struct json_object *config = NULL, *layers = NULL, *manifests = NULL;
	struct manifest *m;

	if (manifest_media_type(buf, len, header_type, &mt, err) < 0)
		return -EINVAL;
	if (pea_json_parse(buf, len, "manifest", &doc, err) < 0)
		return -EINVAL;
	if (pea_json_expect_object(doc, "manifest", err) < 0)
		return -EINVAL;
	m = xnew(struct manifest, 1);
	m->media_type = TAKE_PTR(mt);
	m->is_index = media_type_is_index(m->media_type);
	if (m->is_index) {
		if (pea_json_get_array_opt(doc, "", "manifests", &manifests, err) < 0 ||
		    parse_list(manifests, "manifests", &m->manifests, &m->nmanifests, err) < 0)
			goto fail;
	} else {
		if (pea_json_get_object_opt(doc, "", "config", &config, err) < 0 ||
		    pea_json_get_array_opt(doc, "", "layers", &layers, err) < 0)
			goto fail;
		if (!config) {
			pea_error_new(err, EINVAL, "manifest: 'config' is missing");
			goto fail;
		}
		if (descriptor_from_json(config, "config", &m->config, err) < 0 ||
		    parse_list(layers, "layers", &m->layers, &m->nlayers, err) < 0)
			goto fail;
	}
	*ret = m;
	return 0;
fail:
	manifest_free(m);
	return pea_error_wrap(err, "malformed manifest");
}

struct manifest *manifest_free(struct manifest *m)
{
	if (!m)
		return NULL;
	free(m->media_type);
	descriptor_clear(&m->config);
	for (size_t i = 0; i < m->nlayers; i++)
		descriptor_clear(&m->layers[i]);
	free(m->layers);
	for (size_t i = 0; i < m->nmanifests; i++)
		descriptor_clear(&m->manifests[i]);
	free(m->manifests);
	free(m);
	return NULL;
}

void platform_host(struct platform *ret)
{
	struct utsname u;
	static char other[65];

	ret->os = (char *)"linux";
	ret->variant = NULL;
	if (uname(&u) < 0)
		strcpy(u.machine, "x86_64");
	if (strcmp(u.machine, "x86_64") == 0) {
		ret->arch = (char *)"amd64";
	} else if (strcmp(u.machine, "aarch64") == 0) {
		ret->arch = (char *)"arm64";
		ret->variant = (char *)"v8";
	} else if (strncmp(u.machine, "armv7", 5) == 0) {
		ret->arch = (char *)"arm";
		ret->variant = (char *)"v7";
	} else if (strncmp(u.machine, "armv6", 5) == 0) {
		ret->arch = (char *)"arm";
		ret->variant = (char *)"v6";
	} else if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0) {
		ret->arch = (char *)"386";
	} else if (strcmp(u.machine, "ppc64le") == 0) {
		ret->arch = (char *)"ppc64le";
	} else if (strcmp(u.machine, "s390x") == 0) {
		ret->arch = (char *)"s390x";
	} else if (strcmp(u.machine, "riscv64") == 0) {
		ret->arch = (char *)"riscv64";
	} else {
		snprintf(other, sizeof(other), "%s", u.machine);
		ret->arch = other;
	}
}

static bool variant_matches(const char *want, const char *have, const char *arch)
{
	if (!want)
		return true;
	if (have)
		return strcmp(want, have) == 0;
	/* arm64 without a variant is v8 */
	return strcmp(arch, "arm64") == 0 && strcmp(want, "v8") == 0;
}

int manifest_select(const struct manifest *index, const char *os, const char *arch,
		    const char *variant, const struct descriptor **ret, struct pea_error **err)
{
	struct platform host;
	const struct descriptor *best = NULL;

	platform_host(&host);
	if (!os)
		os = host.os;
	if (!arch) {
		arch = host.arch;
		if (!variant)
			variant = host.variant;
	}
	for (size_t i = 0; i < index->nmanifests; i++) {
		const struct descriptor *d = &index->manifests[i];

		if (!d->platform.os || strcmp(d->platform.os, os) != 0 ||
		    strcmp(d->platform.arch, arch) != 0)
			continue;
		if (!media_type_is_manifest(d->media_type) && d->media_type[0])
			continue;
		if (variant_matches(variant, d->platform.variant, arch)) {
			best = d;
			break;
		}
	}
	if (!best)
		/* skopeo's words, which scripts (and skopeo's own tests) look for */
		return pea_error_new(
			err, ENOENT,
			"parsing manifest for image: choosing image instance: no "
			"image found in manifest list for architecture %s, variant \"%s\", "
			"OS %s",
			arch, variant ? variant : "", os);
	*ret = best;
	return 0;
}

enum compression layer_compression(const char *mt)
{
	size_t n = mt ? strlen(mt) : 0;

	if (n >= 5 && (strcmp(mt + n - 5, "+zstd") == 0 || strcmp(mt + n - 5, ".zstd") == 0))
		return COMPRESSION_ZSTD;
	if (n >= 5 && (strcmp(mt + n - 5, "+gzip") == 0 || strcmp(mt + n - 5, ".gzip") == 0))
		return COMPRESSION_GZIP;
	return COMPRESSION_NONE;
}

enum compression compression_sniff(const unsigned char *buf, size_t len)
{
	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b)
		return COMPRESSION_GZIP;
	if (len >= 4 && buf[0] == 0x28 && buf[1] == 0xb5 && buf[2] == 0x2f && buf[3] == 0xfd)
		return COMPRESSION_ZSTD;
	return COMPRESSION_NONE;
}

static bool is_sha256_digest(const char *d)
{
	return strncmp(d, "sha256:", 7) == 0 && strlen(d) == 71 &&
	       strspn(d + 7, "0123456789abcdef") == 64;
}

int config_diff_ids(const char *buf, size_t len, char ***ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *cfg = NULL;
	_cleanup_strv_ char **ids = NULL;
	struct json_object *rootfs = NULL;

	if (pea_json_parse(buf, len, "image config", &cfg, err) < 0 ||
	    pea_json_expect_object(cfg, "image config", err) < 0 ||
	    pea_json_get_object_opt(cfg, "", "rootfs", &rootfs, err) < 0 ||
	    (rootfs && pea_json_get_strv_opt(rootfs, "rootfs", "diff_ids", &ids, err) < 0))
		return pea_error_wrap(err, "image config");
	for (size_t i = 0; ids && ids[i]; i++)
		if (!is_sha256_digest(ids[i]))
			return pea_error_new(
				err, EINVAL,
				"image config: the diff ID '%s' is not a sha256 digest", ids[i]);
	*ret = ids ? TAKE_PTR(ids) : xnew(char *, 1);
	return 0;
}
