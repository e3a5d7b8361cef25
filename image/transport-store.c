/*
 * store:[DRIVER@ROOT+RUNROOT]REFERENCE: the pea store, through the pea-storage
 * command line (docs/protocol.md). As a destination, layers are applied in the
 * manifest's order (each the parent of the next), their diff IDs checked against the
 * config, then the image is recorded; a failure removes the layers it added. As a
 * source, the layers are exported with `layer diff` as uncompressed tars.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/transport.h"

#define STORE_REPLY_MAX	 (16u << 20)
#define STORE_CONFIG_MAX (8u << 20)

struct store_target {
	char **base_argv; /* pea-storage and its global options */
	char *name;	  /* the image name (normalised reference), or NULL */
	char *ref;	  /* what to look up as a source */
};

static void store_target_free(struct store_target *t)
{
	pea_strv_free(t->base_argv);
	free(t->name);
	free(t->ref);
	memset(t, 0, sizeof(*t));
}

/* PEA_STORAGE, else pea-storage next to this binary, else PATH. */
static char *storage_binary(void)
{
	const char *env = getenv("PEA_STORAGE");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;
		_cleanup_free_ char *cand = NULL;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			cand = xasprintf("%s/pea-storage", self);
			if (access(cand, X_OK) == 0)
				return TAKE_PTR(cand);
		}
	}
	return xstrdup("pea-storage");
}

static int store_target_parse(const char *spec, bool source, struct store_target *t,
			      struct pea_error **err)
{
	const char *rest = spec;

	pea_strv_push_take(&t->base_argv, storage_binary());
	if (rest[0] == '[') {
		const char *close = strchr(rest, ']');
		_cleanup_free_ char *inside = NULL;
		char *at, *plus, *colon;

		if (!close)
			return pea_error_new(err, EINVAL, "invalid store reference '%s': no ']'",
					     spec);
		inside = xstrndup(rest + 1, (size_t)(close - rest - 1));
		colon = strchr(inside, ':');
		if (colon)
			*colon = '\0'; /* options after ':' are not supported: ignored */
		at = strchr(inside, '@');
		if (at) {
			*at = '\0';
			pea_strv_push(&t->base_argv, "--storage-driver");
			pea_strv_push(&t->base_argv, inside);
		}
		plus = strchr(at ? at + 1 : inside, '+');
		if (plus)
			*plus = '\0';
		if (*(at ? at + 1 : inside)) {
			pea_strv_push(&t->base_argv, "--root");
			pea_strv_push(&t->base_argv, at ? at + 1 : inside);
		}
		if (plus && plus[1]) {
			pea_strv_push(&t->base_argv, "--runroot");
			pea_strv_push(&t->base_argv, plus + 1);
		}
		rest = close + 1;
	}
	if (!*rest) {
		if (source)
			return pea_error_new(err, EINVAL, "invalid store reference '%s': no image",
					     spec);
		return 0;
	}
	t->ref = xstrdup(rest);
	{
		_cleanup_(reference_free_p) struct image_reference *r = NULL;

		if (reference_parse(rest, true, &r, NULL) == 0) {
			reference_default_tag(r);
			t->name = reference_string(r);
		} else if (!source) {
			return reference_parse(rest, true, &r, err) < 0
				       ? pea_error_wrap(err, "invalid store reference '%s'", spec)
				       : 0;
		}
	}
	return 0;
}

static int memfd_text(int fd, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (lseek(fd, 0, SEEK_SET) < 0 || pea_read_all(fd, 64u << 10, &buf, &len, NULL) < 0)
		return -EIO;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

/* The message of a {"error": {...}} reply (or of standard error), as our error. */
static int store_failure(struct json_object *reply, int errfd, int status, char *const *argv,
			 char *const *args, struct pea_error **err)
{
	struct json_object *e = NULL;
	_cleanup_free_ char *text = NULL;

	if (reply && json_object_object_get_ex(reply, "error", &e)) {
		const char *msg = NULL;
		int code = EIO;

		pea_json_get_string_opt(e, "error", "message", &msg, NULL);
		pea_json_get_int_opt(e, "error", "code", &code, NULL);
		return pea_error_new(err, code > 0 ? code : EIO, "pea-storage %s %s: %s", args[0],
				     args[1] ? args[1] : "", msg ? msg : "failed");
	}
	memfd_text(errfd, &text);
	{
		_cleanup_free_ char *desc = pea_describe_wait_status(status);
		const char *last = text ? strrchr(text, '\n') : NULL;

		return pea_error_new(err, EIO, "'%s' %s %s %s%s%s", argv[0], args[0],
				     args[1] ? args[1] : "", desc, text && *text ? ": " : "",
				     text ? (last ? last + 1 : text) : "");
	}
}

/*
 * Run pea-storage with args after the base argv. out_fd >= 0 takes standard output
 * (layer diff); else the JSON reply's "result" is returned in *ret (may be NULL).
 */
static int store_run(const struct store_target *t, char *const *args, int out_fd,
		     struct json_object **ret, struct pea_error **err)
{
	_cleanup_strv_ char **argv = pea_strv_copy(t->base_argv);
	_cleanup_close_ int errfd = memfd_create("pea-storage-stderr", MFD_CLOEXEC);
	_cleanup_close_ int rd = -1, wr = -1;
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ struct json_object *reply = NULL;
	struct json_object *result = NULL;
	int pipefd[2], status = 0;
	size_t len = 0;
	pid_t pid;

	for (size_t i = 0; args[i]; i++)
		pea_strv_push(&argv, args[i]);
	if (errfd < 0)
		return pea_error_errno(err, "memfd_create");
	if (out_fd < 0) {
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return pea_error_errno(err, "pipe");
		rd = pipefd[0];
		wr = pipefd[1];
	}
	{
		struct pea_fd_map fds[] = { { out_fd >= 0 ? out_fd : wr, STDOUT_FILENO },
					    { errfd, STDERR_FILENO } };
		struct pea_spawn s = { .argv = argv, .fds = fds, .nfds = 2, .null_stdin = true };

		if (pea_spawn(&s, &pid, NULL, err) < 0)
			return pea_error_wrap(err, "running '%s'", argv[0]);
	}
	wr = pea_close(wr);
	if (rd >= 0 && pea_read_all(rd, STORE_REPLY_MAX, &buf, &len, err) < 0) {
		pea_wait(pid, -1, -1, &status, NULL);
		return pea_error_wrap(err, "reading the reply of pea-storage");
	}
	if (pea_wait(pid, -1, -1, &status, err) < 0)
		return -EIO;
	if (buf && len)
		pea_json_parse(buf, len, "pea-storage reply", &reply, NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return store_failure(reply, errfd, status, argv, args, err);
	if (out_fd >= 0)
		return 0;
	if (!reply || !json_object_object_get_ex(reply, "result", &result))
		return pea_error_new(err, EPROTO, "pea-storage %s %s: no result in its reply",
				     args[0], args[1] ? args[1] : "");
	if (ret)
		*ret = json_object_get(result);
	return 0;
}

/* ---- destination ------------------------------------------------------------------ */

struct store_dest {
	struct store_target target;
	bool image_exists;
	char *existing_id;
	char **staged_digests;
	char **staged_files;
};

/* The dest keeps its state behind a pointer in its name (one store dest per run). */
static struct store_dest *sd_of(struct image_dest *d)
{
	return (struct store_dest *)d->manifest_json;
}

static bool is_config_type(const char *mt)
{
	return mt && (strcmp(mt, MT_OCI_CONFIG) == 0 || strcmp(mt, MT_DOCKER_CONFIG) == 0);
}

static int store_has_blob(struct image_dest *d, const struct descriptor *desc, bool *ret,
			  struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);

	if (is_config_type(desc->media_type)) {
		_cleanup_json_ struct json_object *img = NULL;
		char *args[] = { (char *)"image", (char *)"inspect",
				 (char *)digest_hex(desc->digest), NULL };
		const char *id = NULL;

		sd->image_exists = store_run(&sd->target, args, -1, &img, NULL) == 0 &&
				   pea_json_get_string_opt(img, "", "id", &id, NULL) > 0 && id &&
				   strcmp(id, digest_hex(desc->digest)) == 0;
		if (sd->image_exists)
			sd->existing_id = xstrdup(id);
	}
	*ret = sd->image_exists;
	return 0;
}

static int store_put_blob(struct image_dest *d, const struct descriptor *desc, enum blob_role role,
			  const char *name, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	_cleanup_free_ char *keep = xasprintf("keep-%zu", pea_strv_length(sd->staged_digests));

	/* the copy removes its staged names: keep the file until the manifest comes */
	if (renameat(d->staging_fd, name, d->staging_fd, keep) < 0)
		return pea_error_errno(err, "%s: keep blob '%s'", d->description, desc->digest);
	pea_strv_push(&sd->staged_digests, desc->digest);
	pea_strv_push_take(&sd->staged_files, xasprintf("%s/%s", d->staging_path, keep));
	return 0;
}

static const char *staged_file(const struct store_dest *sd, const char *digest)
{
	for (size_t i = 0; sd->staged_digests && sd->staged_digests[i]; i++)
		if (strcmp(sd->staged_digests[i], digest) == 0)
			return sd->staged_files[i];
	return NULL;
}

static void rollback(struct store_dest *sd, char **created)
{
	for (size_t n = pea_strv_length(created); n > 0; n--) {
		char *args[] = { (char *)"layer", (char *)"rm", created[n - 1], NULL };

		if (store_run(&sd->target, args, -1, NULL, NULL) < 0)
			log_warning("cannot remove layer '%s' after a failed copy, ignoring",
				    created[n - 1]);
	}
}

static int apply_layers(struct image_dest *d, const struct manifest *m, char **diff_ids,
			char ***ret_ids, char ***created, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	_cleanup_strv_ char **ids = NULL;

	if (pea_strv_length(diff_ids) != m->nlayers)
		return pea_error_new(err, EINVAL,
				     "%s: the config lists %zu diff IDs for %zu layers",
				     d->description, pea_strv_length(diff_ids), m->nlayers);
	for (size_t i = 0; i < m->nlayers; i++) {
		_cleanup_json_ struct json_object *rec = NULL;
		const char *file = staged_file(sd, m->layers[i].digest), *id = NULL, *diff = NULL;
		bool existed = false;
		_cleanup_strv_ char **args = NULL;

		if (!file)
			return pea_error_new(err, ENOENT, "%s: layer '%s' was not fetched",
					     d->description, m->layers[i].digest);
		pea_strv_push(&args, "layer");
		pea_strv_push(&args, "apply");
		if (ids) {
			pea_strv_push(&args, "--parent");
			pea_strv_push(&args, ids[pea_strv_length(ids) - 1]);
		}
		pea_strv_push(&args, file);
		if (store_run(&sd->target, args, -1, &rec, err) < 0)
			return pea_error_wrap(err, "%s: layer '%s'", d->description,
					      m->layers[i].digest);
		if (pea_json_get_string_req(rec, "layer", "id", &id, err) < 0 ||
		    pea_json_get_string_req(rec, "layer", "diff_id", &diff, err) < 0 ||
		    pea_json_get_bool_opt(rec, "layer", "existed", &existed, err) < 0)
			return pea_error_wrap(err, "%s: pea-storage reply", d->description);
		if (!existed)
			pea_strv_push(created, id);
		if (strcmp(diff, diff_ids[i]) != 0)
			return pea_error_new(err, EBADMSG,
					     "%s: layer '%s' unpacks to '%s', but the "
					     "config says '%s'",
					     d->description, m->layers[i].digest, diff,
					     diff_ids[i]);
		pea_strv_push(&ids, id);
	}
	*ret_ids = TAKE_PTR(ids);
	return 0;
}

static int read_diff_ids(const char *path, char ***ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *cfg = NULL;
	struct json_object *rootfs = NULL;

	if (pea_json_parse_file_at(AT_FDCWD, path, STORE_CONFIG_MAX, &cfg, err) < 0 ||
	    pea_json_get_object_opt(cfg, "", "rootfs", &rootfs, err) < 0 ||
	    (rootfs && pea_json_get_strv_opt(rootfs, "rootfs", "diff_ids", ret, err) < 0))
		return pea_error_wrap(err, "image config");
	if (!*ret)
		*ret = xnew(char *, 1);
	return 0;
}

static int record_image(struct image_dest *d, const struct manifest *m, char **layer_ids,
			const char *buf, size_t len, const char *digest, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	_cleanup_free_ char *man = xasprintf("%s/manifest", d->staging_path);
	_cleanup_free_ char *layers = pea_strv_join(layer_ids, ",");
	_cleanup_strv_ char **args = NULL;
	const char *cfg = staged_file(sd, m->config.digest);

	if (!cfg)
		return pea_error_new(err, ENOENT, "%s: the config was not fetched", d->description);
	if (pea_write_file_atomic_at(AT_FDCWD, man, buf, len, 0644, err) < 0)
		return -EIO;
	pea_strv_push(&args, "image");
	pea_strv_push(&args, "create");
	pea_strv_push(&args, "--layers");
	pea_strv_push(&args, layers);
	pea_strv_push(&args, "--config");
	pea_strv_push(&args, cfg);
	pea_strv_push(&args, "--manifest");
	pea_strv_push(&args, man);
	pea_strv_push(&args, "--digest");
	pea_strv_push(&args, digest);
	if (sd->target.name) {
		pea_strv_push(&args, "--name");
		pea_strv_push(&args, sd->target.name);
	}
	if (store_run(&sd->target, args, -1, NULL, err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	return 0;
}

static int store_put_manifest(struct image_dest *d, const char *buf, size_t len, const char *type,
			      const char *digest, bool top, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	_cleanup_(manifest_free_p) struct manifest *m = NULL;
	_cleanup_strv_ char **diff_ids = NULL, **ids = NULL, **created = NULL;
	const char *cfg;

	if (!top)
		return pea_error_new(err, ENOTSUP,
				     "%s: the store keeps one image per platform: "
				     "copy without --all",
				     d->description);
	if (sd->image_exists) {
		char *args[] = { (char *)"image", (char *)"tag", sd->existing_id, sd->target.name,
				 NULL };

		if (sd->target.name && store_run(&sd->target, args, -1, NULL, err) < 0)
			return pea_error_wrap(err, "%s", d->description);
		return 0;
	}
	if (manifest_parse(buf, len, type, &m, err) < 0)
		return -EINVAL;
	cfg = staged_file(sd, m->config.digest);
	if (!cfg)
		return pea_error_new(err, ENOENT, "%s: the config was not fetched", d->description);
	if (read_diff_ids(cfg, &diff_ids, err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	if (apply_layers(d, m, diff_ids, &ids, &created, err) < 0 ||
	    record_image(d, m, ids, buf, len, digest, err) < 0) {
		rollback(sd, created);
		return -EIO;
	}
	return 0;
}

static int store_commit(struct image_dest *d, struct pea_error **err)
{
	return 0;
}

static void store_abort(struct image_dest *d)
{
}

static const struct dest_ops store_dest_ops = {
	.has_blob = store_has_blob,
	.put_blob = store_put_blob,
	.put_manifest = store_put_manifest,
	.commit = store_commit,
	.abort = store_abort,
};

void store_dest_free(struct image_dest *d)
{
	struct store_dest *sd = sd_of(d);

	if (!sd)
		return;
	store_target_free(&sd->target);
	free(sd->existing_id);
	pea_strv_free(sd->staged_digests);
	pea_strv_free(sd->staged_files);
	free(sd);
	d->manifest_json = NULL;
}

int store_dest_open(const struct image_name *name, const struct transport_context *ctx,
		    struct image_dest *d, struct pea_error **err)
{
	struct store_dest *sd = xnew(struct store_dest, 1);

	d->ops = &store_dest_ops;
	d->single_image_only = true;
	d->manifest_json = (char *)sd;
	d->is_store = true;
	if (store_target_parse(name->path, false, &sd->target, err) < 0)
		return -EINVAL;
	if (make_temp_dir(ctx, "store", &d->staging_path, err) < 0)
		return -EIO;
	d->staging_fd = open(d->staging_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->staging_fd < 0)
		return pea_error_errno(err, "open '%s'", d->staging_path);
	{
		char *args[] = { (char *)"status", NULL };

		if (store_run(&sd->target, args, -1, NULL, err) < 0)
			return pea_error_wrap(err, "%s", name->input);
	}
	return 0;
}

/* ---- source ------------------------------------------------------------------------ */

static int store_src_get_manifest(struct image_source *s, const char *digest, char **ret,
				  size_t *ret_len, char **ret_type, struct pea_error **err)
{
	if (digest)
		return pea_error_new(err, ENOENT, "%s: the store holds no manifest '%s'",
				     s->description, digest);
	*ret = xmemdup_str(s->synth, s->synth_len);
	*ret_len = s->synth_len;
	*ret_type = xstrdup(MT_OCI_MANIFEST);
	return 0;
}

static int store_src_open_blob(struct image_source *s, const char *digest, int *ret_fd,
			       struct pea_error **err)
{
	for (size_t i = 0; s->blob_digests && s->blob_digests[i]; i++)
		if (strcmp(s->blob_digests[i], digest) == 0)
			return local_open_blob(s, s->blob_files[i], ret_fd, err);
	return pea_error_new(err, ENOENT, "%s: no blob '%s'", s->description, digest);
}

static const struct source_ops store_source_ops = {
	.get_manifest = store_src_get_manifest,
	.open_blob = store_src_open_blob,
};

/* `layer diff ID` into a file of the temp dir; its digest and size. */
static int export_layer(struct image_source *s, const struct store_target *t, const char *id,
			size_t index, char ret_digest[DIGEST_MAX], int64_t *ret_size,
			struct pea_error **err)
{
	_cleanup_free_ char *name = xasprintf("layer-%zu.tar", index);
	_cleanup_close_ int fd =
		openat(s->dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	_cleanup_free_ char *buf = xmalloc(1u << 17);
	char *args[] = { (char *)"layer", (char *)"diff", (char *)id, NULL };
	struct digester dg = { 0 };
	struct stat st;

	if (fd < 0)
		return pea_error_errno(err, "create '%s'", name);
	if (store_run(t, args, fd, NULL, err) < 0)
		return pea_error_wrap(err, "%s", s->description);
	if (digester_init(&dg, "sha256", err) < 0)
		return -ENOMEM;
	if (lseek(fd, 0, SEEK_SET) < 0 || fstat(fd, &st) < 0) {
		digester_done(&dg);
		return pea_error_errno(err, "read '%s'", name);
	}
	for (;;) {
		ssize_t n = read(fd, buf, 1u << 17);

		if (n <= 0)
			break;
		digester_update(&dg, buf, (size_t)n);
	}
	digester_final(&dg, ret_digest);
	digester_done(&dg);
	*ret_size = st.st_size;
	pea_strv_push(&s->blob_digests, ret_digest);
	pea_strv_push(&s->blob_files, name);
	return 0;
}

static int store_synthesize(struct image_source *s, const struct store_target *t,
			    struct json_object *img, struct pea_error **err)
{
	_cleanup_strv_ char **layers = NULL;
	_cleanup_json_ struct json_object *cfg = NULL, *m = json_object_new_object();
	struct json_object *arr = json_object_new_array(), *rootfs = NULL, *diffs, *cd;
	const char *config_path = NULL, *text;
	char digest[DIGEST_MAX];

	if (pea_json_get_strv_opt(img, "image", "layers", &layers, err) < 0 ||
	    pea_json_get_string_opt(img, "image", "config_path", &config_path, err) < 0)
		return pea_error_wrap(err, "%s: pea-storage reply", s->description);
	if (!config_path)
		return pea_error_new(err, ENOENT, "%s: the image has no config", s->description);
	if (pea_json_parse_file_at(AT_FDCWD, config_path, STORE_CONFIG_MAX, &cfg, err) < 0 ||
	    pea_json_expect_object(cfg, "config", err) < 0)
		return pea_error_wrap(err, "%s", s->description);
	diffs = json_object_new_array();
	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType", json_object_new_string(MT_OCI_MANIFEST));
	for (size_t i = 0; layers && layers[i]; i++) {
		struct json_object *l = json_object_new_object();
		int64_t size = 0;

		if (export_layer(s, t, layers[i], i, digest, &size, err) < 0) {
			json_object_put(l);
			json_object_put(diffs);
			json_object_put(arr);
			return -EIO;
		}
		json_object_object_add(l, "mediaType", json_object_new_string(MT_OCI_LAYER));
		json_object_object_add(l, "digest", json_object_new_string(digest));
		json_object_object_add(l, "size", json_object_new_int64(size));
		json_object_array_add(arr, l);
		json_object_array_add(diffs, json_object_new_string(digest));
	}
	/* the exported tars are the layers now: the config names their digests */
	if (!json_object_object_get_ex(cfg, "rootfs", &rootfs) ||
	    !json_object_is_type(rootfs, json_type_object)) {
		rootfs = json_object_new_object();
		json_object_object_add(rootfs, "type", json_object_new_string("layers"));
		json_object_object_add(cfg, "rootfs", rootfs);
	}
	json_object_object_add(rootfs, "diff_ids", diffs);
	text = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	digest_buffer("sha256", text, strlen(text), digest);
	if (pea_write_file_atomic_at(s->dirfd, "config.json", text, strlen(text), 0644, err) < 0)
		return -EIO;
	pea_strv_push(&s->blob_digests, digest);
	pea_strv_push(&s->blob_files, "config.json");
	cd = json_object_new_object();
	json_object_object_add(cd, "mediaType", json_object_new_string(MT_OCI_CONFIG));
	json_object_object_add(cd, "digest", json_object_new_string(digest));
	json_object_object_add(cd, "size", json_object_new_int64((int64_t)strlen(text)));
	json_object_object_add(m, "config", cd);
	json_object_object_add(m, "layers", arr);
	text = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	s->synth = xstrdup(text);
	s->synth_len = strlen(text);
	return 0;
}

int store_source_open(const struct image_name *name, const struct transport_context *ctx,
		      struct image_source *s, struct pea_error **err)
{
	struct store_target t = { 0 };
	_cleanup_json_ struct json_object *img = NULL;
	int r;

	s->ops = &store_source_ops;
	r = store_target_parse(name->path, true, &t, err);
	if (r == 0) {
		char *args[] = { (char *)"image", (char *)"inspect", t.name ? t.name : t.ref,
				 NULL };
		char *raw[] = { (char *)"image", (char *)"inspect", t.ref, NULL };

		r = store_run(&t, args, -1, &img, err);
		if (r < 0 && t.name && strcmp(t.name, t.ref) != 0) {
			pea_error_release(err);
			r = store_run(&t, raw, -1, &img, err);
		}
		if (r < 0)
			pea_error_wrap(err, "%s", name->input);
	}
	if (r == 0)
		r = make_temp_dir(ctx, "store", &s->tmp_path, err);
	if (r == 0) {
		s->dirfd = open(s->tmp_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->dirfd < 0)
			r = pea_error_errno(err, "open '%s'", s->tmp_path);
	}
	if (r == 0)
		r = store_synthesize(s, &t, img, err);
	store_target_free(&t);
	return r;
}
