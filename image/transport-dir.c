#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "lib/digest.h"
#include "image/signature.h"
#include "image/transport.h"

/* containers/image's dir: layout: manifest.json, one file per blob named by its hex
 * digest (other algorithms: "algo-hex"), "version". */
#define DIR_VERSION "Directory Transport Version: 1.1\n"

static char *dir_blob_name(const char *digest)
{
	if (strncmp(digest, "sha256:", 7) == 0)
		return xstrdup(digest + 7);
	return xasprintf("%.*s-%s", (int)(strchr(digest, ':') - digest), digest,
			 strchr(digest, ':') + 1);
}

static int dir_get_manifest(struct image_source *s, const char *digest, char **ret, size_t *ret_len,
			    char **ret_type, struct pea_error **err)
{
	_cleanup_free_ char *path = NULL;

	if (digest) {
		_cleanup_free_ char *name = NULL;

		if (pea_digest_validate(digest, "manifest digest", err) < 0)
			return -EINVAL;
		name = dir_blob_name(digest);
		path = xasprintf("%s.manifest.json", name);
	} else {
		path = xstrdup("manifest.json");
	}
	if (read_local_manifest(s, path, digest, ret, ret_len, err) < 0)
		return -ENOENT;
	*ret_type = xstrdup("");
	return 0;
}

static int dir_open_blob(struct image_source *s, const char *digest, int *ret_fd,
			 struct pea_error **err)
{
	_cleanup_free_ char *name = NULL;

	if (pea_digest_validate(digest, "blob digest", err) < 0)
		return -EINVAL;
	name = dir_blob_name(digest);
	return local_open_blob(s, name, ret_fd, err);
}

/* signature-1, signature-2, ...: the signatures of manifest.json, as skopeo writes them. */
static int dir_get_signatures(struct image_source *s, const char *digest, struct sig_blob **ret,
			      size_t *ret_n, struct pea_error **err)
{
	struct sig_blob *sigs = NULL;
	size_t n = 0;

	for (; n < SIGNATURES_MAX; n++) {
		_cleanup_free_ char *name = xasprintf("signature-%zu", n + 1);
		char *buf = NULL;
		size_t len = 0;

		if (!pea_path_exists_at(s->dirfd, name))
			break;
		if (pea_read_file_at(s->dirfd, name, SIGNATURE_MAX, &buf, &len, err) < 0) {
			sig_blobs_free(sigs, n);
			return pea_error_wrap(err, "%s", s->description);
		}
		sigs = xreallocarray(sigs, n + 1, sizeof(*sigs));
		sigs[n].data = buf;
		sigs[n].len = len;
	}
	*ret = sigs;
	*ret_n = n;
	return 0;
}

static const struct source_ops dir_source_ops = {
	.get_manifest = dir_get_manifest,
	.open_blob = dir_open_blob,
	.get_signatures = dir_get_signatures,
};

int dir_source_open(const struct image_name *name, struct image_source *s, struct pea_error **err)
{
	s->ops = &dir_source_ops;
	s->dirfd = open(name->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return pea_error_errno(err, "%s: open '%s'", name->input, name->path);
	if (!pea_path_exists_at(s->dirfd, "manifest.json"))
		return pea_error_new(err, ENOENT, "%s: no manifest.json in '%s'", name->input,
				     name->path);
	return 0;
}

static int dir_has_blob(struct image_dest *d, const struct descriptor *desc, bool *ret,
			struct pea_error **err)
{
	*ret = false;
	return 0;
}

static int dir_put_blob(struct image_dest *d, const struct descriptor *desc, enum blob_role role,
			const char *name, struct pea_error **err)
{
	_cleanup_free_ char *dest = dir_blob_name(desc->digest);

	if (renameat(d->staging_fd, name, d->dirfd, dest) < 0)
		return pea_error_errno(err, "%s: store blob '%s'", d->description, desc->digest);
	return 0;
}

static int dir_put_manifest(struct image_dest *d, const char *buf, size_t len, const char *type,
			    const char *digest, bool top, struct pea_error **err)
{
	_cleanup_free_ char *name = NULL;

	if (top) {
		name = xstrdup("manifest.json");
	} else {
		_cleanup_free_ char *hex = dir_blob_name(digest);

		name = xasprintf("%s.manifest.json", hex);
	}
	if (pea_write_file_atomic_at(d->dirfd, name, buf, len, 0644, err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	return 0;
}

static int dir_commit(struct image_dest *d, struct pea_error **err)
{
	if (pea_write_file_atomic_at(d->dirfd, "version", DIR_VERSION, strlen(DIR_VERSION), 0644,
				     err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	return 0;
}

static void dir_abort(struct image_dest *d)
{
	if (d->created_root && d->root_path)
		pea_rm_rf_at(AT_FDCWD, d->root_path, NULL);
}

static const struct dest_ops dir_dest_ops = {
	.has_blob = dir_has_blob,
	.put_blob = dir_put_blob,
	.put_manifest = dir_put_manifest,
	.commit = dir_commit,
	.abort = dir_abort,
};

/* An existing dir: image is emptied (as skopeo does); anything else non-empty is refused. */
static int dir_prepare(struct image_dest *d, struct pea_error **err)
{
	_cleanup_closedir_ DIR *dir = NULL;
	_cleanup_strv_ char **names = NULL;
	int fd = fcntl(d->dirfd, F_DUPFD_CLOEXEC, 3);
	bool is_image = pea_path_exists_at(d->dirfd, "version");
	struct dirent *e;

	dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir)
		return pea_error_errno(err, "%s: read '%s'", d->description, d->root_path);
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			pea_strv_push(&names, e->d_name);
	if (names && !is_image)
		return pea_error_new(err, EEXIST, "%s: '%s' is not empty and not an image folder",
				     d->description, d->root_path);
	for (size_t i = 0; names && names[i]; i++)
		if (pea_rm_rf_at(d->dirfd, names[i], err) < 0)
			return pea_error_wrap(err, "%s", d->description);
	return 0;
}

int dir_dest_open(const struct image_name *name, struct image_dest *d, struct pea_error **err)
{
	struct stat st;

	d->ops = &dir_dest_ops;
	d->root_path = xstrdup(name->path);
	if (stat(name->path, &st) < 0) {
		if (errno != ENOENT)
			return pea_error_errno(err, "%s: '%s'", name->input, name->path);
		if (mkdir(name->path, 0755) < 0 &&
		    (errno != ENOENT || pea_mkdir_p_at(AT_FDCWD, name->path, 0755, NULL, err) < 0))
			return errno == ENOENT ? pea_error_wrap(err, "%s", name->input)
					       : pea_error_errno(err, "%s: mkdir '%s'", name->input,
								 name->path);
		d->created_root = true;
	}
	d->dirfd = open(name->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0)
		return pea_error_errno(err, "%s: open '%s'", name->input, name->path);
	if (!d->created_root && dir_prepare(d, err) < 0)
		return -EEXIST;
	d->staging_path = xasprintf("%s/.pea-staging-XXXXXX", name->path);
	if (!mkdtemp(d->staging_path))
		return pea_error_errno(err, "%s: make a staging folder", name->input);
	d->staging_fd = open(d->staging_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->staging_fd < 0)
		return pea_error_errno(err, "%s: open the staging folder", name->input);
	return 0;
}
