/*
 * containers-registries.d(5): where the signatures of a registry's images are
 * kept ("lookaside" storage, "sigstore" in older files), and reading them:
 * BASE/PATH@ALGO=HEX/signature-N for N = 1, 2, ... until one is missing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <yaml.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/lookaside.h"
#include "image/reference.h"
#include "image/signature.h"

#define REGISTRIES_D_FILE_MAX (1u << 20)

/* The scalar value of key in a mapping node, or NULL. */
static const char *map_scalar(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);

		if (k && v && k->type == YAML_SCALAR_NODE && v->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return (const char *)v->data.scalar.value;
	}
	return NULL;
}

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

/*
 * A section's URL: "lookaside", else the older "sigstore"; to write, their
 * "-staging" twins first.
 */
static const char *section_url(yaml_document_t *doc, yaml_node_t *section, bool write)
{
	const char *url = write ? map_scalar(doc, section, "lookaside-staging") : NULL;

	if (!url && write)
		url = map_scalar(doc, section, "sigstore-staging");
	if (!url)
		url = map_scalar(doc, section, "lookaside");
	return url ? url : map_scalar(doc, section, "sigstore");
}

/*
 * One file's text: the URL of the most specific scope of scopes (index in *best,
 * lower is more specific; the default-docker section counts as the last one).
 */
static int scan_buffer(const char *buf, size_t len, const char *what, char *const *scopes,
		       size_t nscopes, bool write, char **ret, size_t *best, struct pea_error **err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *docker;
	int r;

	if (!yaml_parser_initialize(&parser))
		return pea_error_new(err, ENOMEM, "registries.d: cannot start the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = pea_error_new(err, EINVAL, "registries.d '%s': line %zu: %s", what,
				  parser.problem_mark.line + 1,
				  parser.problem ? parser.problem : "not YAML");
		yaml_parser_delete(&parser);
		return r;
	}
	root = yaml_document_get_root_node(&doc);
	docker = map_get(&doc, root, "docker");
	for (size_t i = 0; i < nscopes && i < *best; i++) {
		const char *url = section_url(&doc, map_get(&doc, docker, scopes[i]), write);

		if (url) {
			free(*ret);
			*ret = xstrdup(url);
			*best = i;
		}
	}
	if (*best > nscopes) {
		const char *url = section_url(&doc, map_get(&doc, root, "default-docker"), write);

		if (url) {
			free(*ret);
			*ret = xstrdup(url);
			*best = nscopes;
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return 0;
}

static int scan_file(const char *path, char *const *scopes, size_t nscopes, bool write, char **ret,
		     size_t *best, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, path, REGISTRIES_D_FILE_MAX, &buf, &len, err) < 0)
		return pea_error_wrap(err, "registries.d");
	return scan_buffer(buf, len, path, scopes, nscopes, write, ret, best, err);
}

/* "host/a/b", "host/a", "host": the scopes of a repository, the most specific first. */
static char **scopes_of(const struct image_reference *ref)
{
	_cleanup_free_ char *name = reference_name(ref);
	char **scopes = NULL;

	for (;;) {
		char *cut;

		pea_strv_push(&scopes, name);
		cut = strrchr(name, '/');
		if (!cut)
			return scopes;
		*cut = '\0';
	}
}

int lookaside_parse_buffer(const char *buf, size_t len, const char *what,
			   const struct image_reference *ref, char **ret, struct pea_error **err)
{
	_cleanup_strv_ char **scopes = scopes_of(ref);
	size_t best = SIZE_MAX;

	*ret = NULL;
	return scan_buffer(buf, len, what, scopes, pea_strv_length(scopes), false, ret, &best, err);
}

static bool has_yaml_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

/* The folder: the given one, else ~/.config/containers/registries.d, else /etc's. */
static char *registries_d_dir(const char *dir)
{
	const char *home = getenv("HOME");
	_cleanup_free_ char *user = NULL;

	if (dir)
		return xstrdup(dir);
	user = home ? xasprintf("%s/.config/containers/registries.d", home) : NULL;
	if (user && pea_path_exists_at(AT_FDCWD, user))
		return TAKE_PTR(user);
	return xstrdup("/etc/containers/registries.d");
}

int lookaside_base(const char *dir, const struct image_reference *ref, bool write, char **ret,
		   struct pea_error **err)
{
	_cleanup_free_ char *path = registries_d_dir(dir);
	_cleanup_strv_ char **scopes = scopes_of(ref), **files = NULL;
	_cleanup_closedir_ DIR *d = opendir(path);
	_cleanup_free_ char *url = NULL;
	size_t best = SIZE_MAX;
	struct dirent *e;

	*ret = NULL;
	if (!d)
		return errno == ENOENT && !dir ? 0
					       : pea_error_errno(err, "registries.d '%s'", path);
	while ((e = readdir(d)))
		if (has_yaml_suffix(e->d_name))
			pea_strv_push_take(&files, xasprintf("%s/%s", path, e->d_name));
	for (size_t i = 0; files && files[i]; i++)
		if (scan_file(files[i], scopes, pea_strv_length(scopes), write, &url, &best, err) <
		    0)
			return -EINVAL;
	*ret = TAKE_PTR(url);
	return 0;
}

/* ---- reading ------------------------------------------------------------------------ */

struct fetch {
	char *buf;
	size_t len;
	bool too_large;
};

static size_t fetch_write(char *data, size_t size, size_t n, void *userdata)
{
	struct fetch *f = userdata;

	if (f->len + size * n > SIGNATURE_MAX) {
		f->too_large = true;
		return 0;
	}
	f->buf = xrealloc(f->buf, f->len + size * n + 1);
	memcpy(f->buf + f->len, data, size * n);
	f->len += size * n;
	return size * n;
}

/* One signature over http(s): 0 and *ret NULL when there is none (404). */
static int http_get(const char *url, struct sig_blob *ret, struct pea_error **err)
{
	struct fetch f = { 0 };
	CURL *c = curl_easy_init();
	long status = 0;
	CURLcode rc;

	if (!c)
		return pea_error_new(err, ENOMEM, "cannot initialise libcurl");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (rc == CURLE_OK && status == 200) {
		ret->data = f.buf ? f.buf : xstrdup("");
		ret->len = f.len;
		return 0;
	}
	free(f.buf);
	if (rc == CURLE_OK && status == 404)
		return 0;
	if (rc != CURLE_OK)
		return pea_error_new(err, EIO, "reading signature '%s': %s", url,
				     f.too_large ? "too large" : curl_easy_strerror(rc));
	return pea_error_new(err, EIO, "reading signature '%s': HTTP %ld", url, status);
}

static int file_get(const char *path, struct sig_blob *ret, struct pea_error **err)
{
	if (!pea_path_exists_at(AT_FDCWD, path))
		return 0;
	if (pea_read_file_at(AT_FDCWD, path, SIGNATURE_MAX, &ret->data, &ret->len, err) < 0)
		return pea_error_wrap(err, "reading signature");
	return 0;
}

int lookaside_read(const char *base, const struct image_reference *ref, const char *digest,
		   struct sig_blob **ret, size_t *ret_n, struct pea_error **err)
{
	const char *colon = strchr(digest, ':');
	struct sig_blob *sigs = NULL;
	bool is_file = strncmp(base, "file://", 7) == 0;
	size_t n = 0;

	if (!is_file && strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
		return pea_error_new(err, EINVAL,
				     "registries.d: lookaside '%s' is neither file://, http:// "
				     "nor https://",
				     base);
	for (; n < SIGNATURES_MAX; n++) {
		_cleanup_free_ char *url =
			xasprintf("%s/%s@%.*s=%s/signature-%zu", base, ref->path,
				  (int)(colon - digest), digest, colon + 1, n + 1);
		struct sig_blob one = { 0 };
		int r = is_file ? file_get(url + 7, &one, err) : http_get(url, &one, err);

		if (r < 0) {
			sig_blobs_free(sigs, n);
			return r;
		}
		if (!one.data)
			break;
		sigs = xreallocarray(sigs, n + 1, sizeof(*sigs));
		sigs[n] = one;
	}
	*ret = sigs;
	*ret_n = n;
	return 0;
}

int lookaside_write(const char *base, const struct image_reference *ref, const char *digest,
		    const char *sig, size_t len, struct pea_error **err)
{
	const char *colon = strchr(digest, ':');
	_cleanup_free_ char *dir = NULL;

	if (strncmp(base, "file://", 7) != 0)
		return pea_error_new(err, ENOTSUP,
				     "registries.d: signatures are written to file:// lookasides "
				     "only, not '%s' (give a lookaside-staging)",
				     base);
	dir = xasprintf("%s/%s@%.*s=%s", base + 7, ref->path, (int)(colon - digest), digest,
			colon + 1);
	if (pea_mkdir_p_at(AT_FDCWD, dir, 0755, NULL, err) < 0)
		return pea_error_wrap(err, "lookaside");
	for (size_t n = 1; n <= SIGNATURES_MAX; n++) {
		_cleanup_free_ char *name = xasprintf("signature-%zu", n);
		_cleanup_close_ int fd = -1, dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dirfd < 0)
			return pea_error_errno(err, "lookaside '%s'", dir);
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return pea_error_errno(err, "lookaside '%s/%s'", dir, name);
		if (pea_write_all(fd, sig, len, err) < 0) {
			unlinkat(dirfd, name, 0);
			return pea_error_wrap(err, "lookaside '%s/%s'", dir, name);
		}
		if (fsync(fd) < 0) {
			int r = pea_error_errno(err, "lookaside '%s/%s'", dir, name);

			unlinkat(dirfd, name, 0);
			return r;
		}
		return 0;
	}
	return pea_error_new(err, EMLINK, "lookaside '%s': %d signatures already", dir,
			     SIGNATURES_MAX);
}
