#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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
#include "image/registry.h"
#include "image/tarball.h"
#include "image/transport.h"

#define INDEX_MAX	   (16u << 20)
#define OCI_LAYOUT_CONTENT "{\"imageLayoutVersion\":\"1.0.0\"}"

/* A blob's file under the blobs folder (the layout's, or a shared one): "sha256/HEX". */
static char *blob_path(const char *digest)
{
	const char *colon = strchr(digest, ':');

	return xasprintf("%.*s/%s", (int)(colon - digest), digest, colon + 1);
}

static int oci_open_blob_fd(struct image_source *s, const char *digest, int *ret_fd,
			    struct pea_error **err)
{
	_cleanup_free_ char *path = NULL;

	if (pea_digest_validate(digest, "blob digest", err) < 0)
		return -EINVAL;
	path = blob_path(digest);
	if (pea_open_in_root(s->blobs_fd, path, O_RDONLY | O_CLOEXEC, 0, ret_fd, err) < 0)
		return pea_error_wrap(err, "%s: blob '%s'", s->description, digest);
	return 0;
}

/* ---- source -------------------------------------------------------------------- */

static int oci_get_manifest(struct image_source *s, const char *digest, char **ret, size_t *ret_len,
			    char **ret_type, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (!digest)
		digest = s->oci_digest;
	if (oci_open_blob_fd(s, digest, &fd, err) < 0)
		return -ENOENT;
	if (pea_read_all(fd, MANIFEST_MAX, &buf, &len, err) < 0)
		return pea_error_wrap(err, "%s: manifest '%s'", s->description, digest);
	if (pea_digest_verify_buffer(buf, len, digest, "manifest", err) < 0)
		return pea_error_wrap(err, "%s", s->description);
	*ret_type = xstrdup(digest == s->oci_digest ? s->oci_type : "");
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int oci_open_blob(struct image_source *s, const char *digest, int *ret_fd,
			 struct pea_error **err)
{
	return oci_open_blob_fd(s, digest, ret_fd, err);
}

static const struct source_ops oci_source_ops = {
	.get_manifest = oci_get_manifest,
	.open_blob = oci_open_blob,
};

static int select_entry(struct image_source *s, struct json_object *manifests, const char *tag,
			struct pea_error **err)
{
	size_t n = json_object_array_length(manifests);
	struct descriptor found = { 0 };
	bool have = false;

	if (!tag && n != 1)
		return pea_error_new(err, EINVAL,
				     "%s: the layout holds %zu images: name one with "
				     "oci:PATH:TAG",
				     s->description, n);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = pea_json_path_index("index.json manifests", i);
		struct descriptor d = { 0 };

		if (descriptor_from_json(json_object_array_get_idx(manifests, i), path, &d, err) <
		    0)
			return pea_error_wrap(err, "%s", s->description);
		if (!have && (!tag || (d.ref_name && strcmp(d.ref_name, tag) == 0))) {
			found = d;
			have = true;
		} else {
			descriptor_clear(&d);
		}
	}
	if (!have)
		return pea_error_new(err, ENOENT, "%s: no image tagged '%s' in the layout",
				     s->description, tag);
	s->oci_digest = xstrdup(found.digest);
	s->oci_type = xstrdup(found.media_type);
	s->oci_size = found.size;
	descriptor_clear(&found);
	return 0;
}

int oci_source_open_dir(const char *path, const char *tag, const char *shared,
			struct image_source *s, struct pea_error **err)
{
	_cleanup_json_ struct json_object *index = NULL;
	struct json_object *manifests = NULL;

	s->ops = &oci_source_ops;
	s->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return pea_error_errno(err, "%s: open '%s'", s->description, path);
	s->blobs_fd = shared ? open(shared, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
			     : openat(s->dirfd, "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->blobs_fd < 0)
		return pea_error_errno(err, "%s: open '%s'", s->description,
				       shared ? shared : "blobs");
	if (pea_json_parse_file_at(s->dirfd, "index.json", INDEX_MAX, &index, err) < 0)
		return pea_error_wrap(err, "%s: not an OCI layout", s->description);
	if (pea_json_expect_object(index, "index.json", err) < 0 ||
	    pea_json_get_array_opt(index, "index.json", "manifests", &manifests, err) < 0)
		return pea_error_wrap(err, "%s", s->description);
	if (!manifests || json_object_array_length(manifests) == 0)
		return pea_error_new(err, ENOENT, "%s: the layout holds no image", s->description);
	return select_entry(s, manifests, tag, err);
}

/* ---- destination ------------------------------------------------------------------ */

static int oci_has_blob(struct image_dest *d, const struct descriptor *desc, bool *ret,
			struct pea_error **err)
{
	_cleanup_free_ char *path = blob_path(desc->digest);
	struct stat st;

	*ret = fstatat(d->blobs_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	       st.st_size == desc->size;
	return 0;
}

static int oci_put_blob(struct image_dest *d, const struct descriptor *desc, enum blob_role role,
			const char *name, struct pea_error **err)
{
	_cleanup_free_ char *path = blob_path(desc->digest);
	_cleanup_free_ char *dir = xstrdup(path);

	*strrchr(dir, '/') = '\0';
	if (pea_mkdir_p_at(d->blobs_fd, dir, 0755, NULL, err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	if (pea_path_exists_at(d->blobs_fd, path))
		return unlinkat(d->staging_fd, name, 0), 0;
	if (renameat(d->staging_fd, name, d->blobs_fd, path) < 0)
		return pea_error_errno(err, "%s: store blob '%s'", d->description, desc->digest);
	pea_strv_push(&d->added, path);
	return 0;
}

static int write_blob_bytes(struct image_dest *d, const char *buf, size_t len, const char *digest,
			    struct pea_error **err)
{
	_cleanup_free_ char *path = blob_path(digest);
	_cleanup_free_ char *dir = xstrdup(path);

	*strrchr(dir, '/') = '\0';
	if (pea_mkdir_p_at(d->blobs_fd, dir, 0755, NULL, err) < 0)
		return -EIO;
	if (pea_path_exists_at(d->blobs_fd, path))
		return 0;
	if (pea_write_file_atomic_at(d->blobs_fd, path, buf, len, 0644, err) < 0)
		return -EIO;
	pea_strv_push(&d->added, path);
	return 0;
}

static int oci_put_manifest(struct image_dest *d, const char *buf, size_t len, const char *type,
			    const char *digest, bool top, struct pea_error **err)
{
	_cleanup_json_ struct json_object *desc = NULL;

	if (write_blob_bytes(d, buf, len, digest, err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	if (!top)
		return 0;
	desc = json_object_new_object();
	json_object_object_add(desc, "mediaType", json_object_new_string(type));
	json_object_object_add(desc, "digest", json_object_new_string(digest));
	json_object_object_add(desc, "size", json_object_new_int64((int64_t)len));
	if (d->tag) {
		struct json_object *ann = json_object_new_object();

		json_object_object_add(ann, "org.opencontainers.image.ref.name",
				       json_object_new_string(d->tag));
		json_object_object_add(desc, "annotations", ann);
	}
	free(d->manifest_json);
	d->manifest_json = xstrdup(json_object_to_json_string_ext(
		desc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}

/* Keep the entries of index.json that do not carry our tag (or our digest untagged). */
static int oci_write_index(struct image_dest *d, struct pea_error **err)
{
	_cleanup_json_ struct json_object *index = NULL, *desc = NULL;
	struct json_object *manifests = NULL, *kept;
	const char *digest = NULL;

	if (pea_json_parse(d->manifest_json, strlen(d->manifest_json), "descriptor", &desc, err) <
	    0)
		return -EINVAL;
	pea_json_get_string_opt(desc, "", "digest", &digest, NULL);
	if (pea_path_exists_at(d->dirfd, "index.json")) {
		if (pea_json_parse_file_at(d->dirfd, "index.json", INDEX_MAX, &index, err) < 0 ||
		    pea_json_expect_object(index, "index.json", err) < 0 ||
		    pea_json_get_array_opt(index, "index.json", "manifests", &manifests, err) < 0)
			return pea_error_wrap(err, "%s", d->description);
	} else {
		index = json_object_new_object();
		json_object_object_add(index, "schemaVersion", json_object_new_int(2));
		json_object_object_add(index, "mediaType", json_object_new_string(MT_OCI_INDEX));
	}
	kept = json_object_new_array();
	for (size_t i = 0; manifests && i < json_object_array_length(manifests); i++) {
		struct json_object *e = json_object_array_get_idx(manifests, i);
		struct descriptor old = { 0 };
		bool drop;

		if (descriptor_from_json(e, "index.json manifests", &old, NULL) < 0) {
			json_object_array_add(kept, json_object_get(e));
			continue;
		}
		drop = d->tag ? (old.ref_name && strcmp(old.ref_name, d->tag) == 0)
			      : (!old.ref_name && strcmp(old.digest, digest) == 0);
		if (!drop)
			json_object_array_add(kept, json_object_get(e));
		descriptor_clear(&old);
	}
	json_object_array_add(kept, json_object_get(desc));
	json_object_object_add(index, "manifests", kept);
	{
		const char *text = json_object_to_json_string_ext(
			index, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

		if (pea_write_file_atomic_at(d->dirfd, "index.json", text, strlen(text), 0644,
					     err) < 0)
			return pea_error_wrap(err, "%s", d->description);
	}
	return 0;
}

static int oci_commit(struct image_dest *d, struct pea_error **err)
{
	int r;

	if (!d->manifest_json)
		return pea_error_new(err, EINVAL, "%s: no manifest was written", d->description);
	if (!pea_path_exists_at(d->dirfd, "oci-layout") &&
	    pea_write_file_atomic_at(d->dirfd, "oci-layout", OCI_LAYOUT_CONTENT,
				     strlen(OCI_LAYOUT_CONTENT), 0644, err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	/* two copies into one layout: index.json is read, changed and replaced under a lock
	 * on the layout's directory */
	while (flock(d->dirfd, LOCK_EX) < 0)
		if (errno != EINTR)
			return pea_error_errno(err, "%s: lock the layout", d->description);
	r = oci_write_index(d, err);
	flock(d->dirfd, LOCK_UN);
	if (r < 0)
		return -EIO;
	if (d->archive_path) {
		char *names[] = { (char *)"oci-layout", (char *)"index.json", (char *)"blobs",
				  NULL };
		_cleanup_strv_ char **all = NULL;

		/* blobs/ with its files, in a stable order */
		pea_strv_push(&all, names[0]);
		pea_strv_push(&all, names[1]);
		{
			_cleanup_closedir_ DIR *algos = NULL;
			int fd = openat(d->dirfd, "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			struct dirent *e;

			pea_strv_push(&all, "blobs");
			algos = fd >= 0 ? fdopendir(fd) : NULL;
			while (algos && (e = readdir(algos))) {
				_cleanup_free_ char *sub = NULL;
				_cleanup_closedir_ DIR *files = NULL;
				struct dirent *f;
				int sfd;

				if (e->d_name[0] == '.')
					continue;
				sub = xasprintf("blobs/%s", e->d_name);
				pea_strv_push(&all, sub);
				sfd = openat(d->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				files = sfd >= 0 ? fdopendir(sfd) : NULL;
				while (files && (f = readdir(files)))
					if (f->d_name[0] != '.')
						pea_strv_push_take(
							&all, xasprintf("%s/%s", sub, f->d_name));
			}
		}
		if (tar_create(d->tmp_path, all, d->archive_path, err) < 0)
			return pea_error_wrap(err, "%s", d->description);
	}
	return 0;
}

static void oci_abort(struct image_dest *d)
{
	if (d->archive_path)
		return; /* everything is in the temp dir */
	for (size_t i = 0; d->added && d->added[i]; i++)
		unlinkat(d->blobs_fd, d->added[i], 0);
	if (d->staging_path) {
		pea_rm_rf_at(AT_FDCWD, d->staging_path, NULL);
		d->staging_path = (free(d->staging_path), NULL);
	}
	/*
	 * A layout this copy made goes too, unless another copy committed into it
	 * meanwhile (index.json) or still works there (rmdir fails on what it left).
	 */
	if (d->created_root && !pea_path_exists_at(d->dirfd, "index.json")) {
		unlinkat(d->dirfd, "blobs/sha256", AT_REMOVEDIR);
		unlinkat(d->dirfd, "blobs", AT_REMOVEDIR);
		if (unlinkat(d->dirfd, "oci-layout", 0) == 0 && rmdir(d->root_path) < 0)
			pea_write_file_atomic_at(d->dirfd, "oci-layout", OCI_LAYOUT_CONTENT,
						 strlen(OCI_LAYOUT_CONTENT), 0644, NULL);
	}
}

static const struct dest_ops oci_dest_ops = {
	.has_blob = oci_has_blob,
	.put_blob = oci_put_blob,
	.put_manifest = oci_put_manifest,
	.commit = oci_commit,
	.abort = oci_abort,
};

static bool dir_is_empty(int fd)
{
	_cleanup_closedir_ DIR *dir = NULL;
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	struct dirent *e;

	dir = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!dir)
		return false;
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			return false;
	return true;
}

/*
 * Make the layout at path if it is missing: its parents as needed, then a new
 * folder holding oci-layout renamed into place, so that copies racing to make it
 * all see a layout. *ret_created: this call made it.
 */
static int make_root(const char *path, bool *ret_created, struct pea_error **err)
{
	_cleanup_free_ char *parent = xstrdup(path), *tmp = NULL;
	char *slash;
	int r = 0;

	*ret_created = false;
	if (pea_path_exists_at(AT_FDCWD, path))
		return 0;
	while (strlen(parent) > 1 && parent[strlen(parent) - 1] == '/')
		parent[strlen(parent) - 1] = '\0';
	tmp = xasprintf("%s.pea-new-XXXXXX", parent);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		/* lib's mkdir -p opens every folder on the way: skip it when it is there */
		if (!pea_path_exists_at(AT_FDCWD, parent) &&
		    pea_mkdir_p_at(AT_FDCWD, parent, 0755, NULL, err) < 0)
			return -EIO;
	}
	if (!mkdtemp(tmp))
		return pea_error_errno(err, "mkdir '%s'", tmp);
	chmod(tmp, 0755);
	{
		_cleanup_free_ char *marker = xasprintf("%s/oci-layout", tmp);

		r = pea_write_file_atomic_at(AT_FDCWD, marker, OCI_LAYOUT_CONTENT,
					     strlen(OCI_LAYOUT_CONTENT), 0644, err);
	}
	if (r == 0 && rename(tmp, path) == 0) {
		*ret_created = true;
		return 0;
	}
	if (r == 0 && errno != ENOTEMPTY && errno != EEXIST)
		r = pea_error_errno(err, "rename '%s' to '%s'", tmp, path);
	pea_rm_rf_at(AT_FDCWD, tmp, NULL);
	return r;
}

int oci_dest_open_dir(const char *path, const char *tag, const char *shared, struct image_dest *d,
		      struct pea_error **err)
{
	_cleanup_free_ char *staging = NULL;

	d->ops = &oci_dest_ops;
	d->wants_oci = true;
	d->compress_uncompressed = true;
	d->tag = tag ? xstrdup(tag) : NULL;
	d->root_path = xstrdup(path);
	if (make_root(path, &d->created_root, err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	d->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0)
		return pea_error_errno(err, "%s: open '%s'", d->description, path);
	if (!d->created_root && !pea_path_exists_at(d->dirfd, "oci-layout") &&
	    !dir_is_empty(d->dirfd))
		return pea_error_new(err, EEXIST, "%s: '%s' is neither empty nor an OCI layout",
				     d->description, path);
	/* mark the layout at once, so that copies running beside this one take it as one */
	if (!pea_path_exists_at(d->dirfd, "oci-layout") &&
	    pea_write_file_atomic_at(d->dirfd, "oci-layout", OCI_LAYOUT_CONTENT,
				     strlen(OCI_LAYOUT_CONTENT), 0644, err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	if (mkdirat(d->dirfd, "blobs", 0755) < 0 && errno != EEXIST)
		return pea_error_errno(err, "%s: mkdir 'blobs'", d->description);
	if (shared && !pea_path_exists_at(AT_FDCWD, shared) &&
	    pea_mkdir_p_at(AT_FDCWD, shared, 0755, NULL, err) < 0)
		return pea_error_wrap(err, "%s: shared blob folder", d->description);
	d->blobs_fd = shared ? open(shared, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
			     : openat(d->dirfd, "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->blobs_fd < 0)
		return pea_error_errno(err, "%s: open '%s'", d->description,
				       shared ? shared : "blobs");
	/* staged next to the blobs, so that a rename moves them in */
	staging = xasprintf("%s/.pea-staging-XXXXXX", shared ? shared : path);
	if (!mkdtemp(staging))
		return pea_error_errno(err, "%s: make a staging folder", d->description);
	d->staging_path = TAKE_PTR(staging);
	d->staging_fd = open(d->staging_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->staging_fd < 0)
		return pea_error_errno(err, "%s: open the staging folder", d->description);
	return 0;
}

/* ---- oci-archive ------------------------------------------------------------------ */

int oci_archive_source_open(const struct image_name *name, const struct transport_context *ctx,
			    struct image_source *s, struct pea_error **err)
{
	if (access(name->path, R_OK) < 0)
		return pea_error_errno(err, "%s: '%s'", name->input, name->path);
	if (make_temp_dir(ctx, "oci-archive", &s->tmp_path, err) < 0)
		return -EIO;
	if (tar_extract(name->path, s->tmp_path, err) < 0)
		return pea_error_wrap(err, "%s", name->input);
	return oci_source_open_dir(s->tmp_path, name->tag, NULL, s, err);
}

int oci_archive_dest_open(const struct image_name *name, const struct transport_context *ctx,
			  struct image_dest *d, struct pea_error **err)
{
	_cleanup_free_ char *tmp = NULL;

	if (make_temp_dir(ctx, "oci-archive", &tmp, err) < 0)
		return -EIO;
	d->tmp_path = xstrdup(tmp);
	d->archive_path = xstrdup(name->path);
	if (oci_dest_open_dir(tmp, name->tag, NULL, d, err) < 0)
		return -EIO;
	d->created_root = false; /* the temp dir is removed by dest_free */
	return 0;
}
