/*
 * sif:FILE, a Singularity Image Format file, as a source (never a
 * destination, as in skopeo): the primary system partition (a squashfs) is
 * turned into one uncompressed tar layer by sqfs2tar (squashfs-tools-ng: it
 * writes owners, modes and xattrs from the squashfs into the tar, so no
 * extraction to disk and no root are needed), and a config is made from
 * the SIF's metadata: the architecture of the partition, the creation time of
 * the header, the Env/Cmd/Entrypoint/... that `singularity build` keeps in
 * an "oci-config.json" object, and the definition file's %environment and
 * %runscript, which become /podman/runscript in the layer and the Cmd (as
 * containers/image does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/manifest.h"
#include "image/sif.h"
#include "image/tarball.h"
#include "image/transport.h"

#define SIF_METADATA_MAX (1u << 20) /* a definition file, oci-config.json */
#define SIF_STDERR_MAX	 (64u << 10)
#define RUNSCRIPT_PATH	 "podman/runscript"

struct sif_layer {
	char digest[PEA_DIGEST_MAX];
	int64_t size;
};

/* ---- the data objects ---------------------------------------------------------------- */

static int read_object(int fd, const struct sif_object *o, char **ret, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t done = 0;

	if (o->size > SIF_METADATA_MAX)
		return pea_error_new(err, EFBIG, "object '%s' (id %u) is larger than %u bytes",
				     o->name, o->id, SIF_METADATA_MAX);
	buf = xmalloc((size_t)o->size + 1);
	while (done < o->size) {
		ssize_t n =
			pread(fd, buf + done, (size_t)o->size - done, (off_t)(o->offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? pea_error_errno(err, "read object id %u", o->id)
				     : pea_error_new(err, EINVAL, "truncated SIF file");
		done += (size_t)n;
	}
	buf[done] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Copy the partition's bytes into a file of its own (sqfs2tar reads a whole file). */
static int copy_range(int in, uint64_t offset, uint64_t size, int out, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	loff_t off = (loff_t)offset;
	uint64_t left = size;

	while (left > 0) {
		ssize_t n = copy_file_range(in, &off, out, NULL,
					    left > (1u << 30) ? 1u << 30 : left, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 &&
		    (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
			break;
		if (n < 0)
			return pea_error_errno(err, "copy the root filesystem partition");
		if (n == 0)
			return pea_error_new(err, EINVAL, "truncated SIF file");
		left -= (uint64_t)n;
	}
	if (left > 0)
		buf = xmalloc(1u << 17);
	while (left > 0) {
		ssize_t n = pread(in, buf, left > (1u << 17) ? 1u << 17 : left, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? pea_error_errno(err, "read the root filesystem partition")
				     : pea_error_new(err, EINVAL, "truncated SIF file");
		if (pea_write_all(out, buf, (size_t)n, err) < 0)
			return -EIO;
		off += n;
		left -= (uint64_t)n;
	}
	return 0;
}

/* ---- the layer ------------------------------------------------------------------------ */

/* The last line of what a tool wrote on stderr, for its error. */
static char *last_line(int dirfd, const char *name)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	char *end, *start;

	if (pea_read_file_at(dirfd, name, SIF_STDERR_MAX, &text, &len, NULL) < 0)
		return xstrdup("");
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	end = text + len;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	return xstrdup(start);
}

/* Warnings sqfs2tar printed (files a tar cannot hold, skipped) are passed on. */
static void pass_on_warnings(int dirfd, const char *name)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	char *save = NULL;

	if (pea_read_file_at(dirfd, name, SIF_STDERR_MAX, &text, &len, NULL) < 0)
		return;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_warning("sqfs2tar: %s", line);
}

/* sqfs2tar -r . SQUASHFS > out: "./"-prefixed names and the root folder, as `tar -C root ./`. */
static int squashfs_to_tar(int dirfd, const char *dir, const char *squashfs, const char *out,
			   struct pea_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, squashfs);
	_cleanup_close_ int out_fd = -1, err_fd = -1, pidfd = -1;
	_cleanup_free_ char *how = NULL, *line = NULL;
	char *argv[] = { "sqfs2tar", "-r", ".", path, NULL };
	struct pea_fd_map fds[2];
	struct pea_spawn sp = { .argv = argv, .fds = fds, .nfds = 2, .null_stdin = true };
	pid_t pid = 0;
	int status = 0;

	out_fd = openat(dirfd, out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	err_fd = openat(dirfd, "sqfs2tar.stderr", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out_fd < 0 || err_fd < 0)
		return pea_error_errno(err, "create '%s'", out);
	fds[0] = (struct pea_fd_map){ out_fd, 1 };
	fds[1] = (struct pea_fd_map){ err_fd, 2 };
	if (pea_spawn(&sp, &pid, &pidfd, err) < 0)
		return pea_error_wrap(err, "the squashfs root filesystem needs sqfs2tar "
					   "(squashfs-tools-ng)");
	if (pea_wait(pid, pidfd, -1, &status, err) < 0)
		return -EIO;
	if (status != 0) {
		how = pea_describe_wait_status(status);
		line = last_line(dirfd, "sqfs2tar.stderr");
		return pea_error_new(err, EIO, "the root filesystem partition: sqfs2tar %s%s%s",
				     how, *line ? ": " : "", line);
	}
	pass_on_warnings(dirfd, "sqfs2tar.stderr");
	return 0;
}

/* "./podman/runscript", "podman/runscript/", "/podman/runscript" are one name. */
static bool tar_name_is(const char *name, const char *want)
{
	size_t len;

	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (*name == '/')
		name++;
	len = strlen(want);
	return strncmp(name, want, len) == 0 && (name[len] == '\0' || strcmp(name + len, "/") == 0);
}

static int copy_entry_data(struct archive *a, struct archive *w, struct pea_error **err)
{
	char buf[1u << 15];

	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, sizeof(buf));

		if (n == 0)
			return 0;
		if (n < 0)
			return pea_error_new(err, EIO, "read the layer: %s",
					     archive_error_string(a));
		if (archive_write_data(w, buf, (size_t)n) != n)
			return pea_error_new(err, EIO, "write the layer: %s",
					     archive_error_string(w));
	}
}

static int write_new_entry(struct archive *w, const char *name, unsigned int type, int perm,
			   const char *data, int64_t mtime, struct pea_error **err)
{
	struct archive_entry *e = archive_entry_new();
	size_t len = data ? strlen(data) : 0;
	int r = 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, (__LA_MODE_T)perm);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, (time_t)mtime, 0);
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(w, e) != ARCHIVE_OK ||
	    (len && archive_write_data(w, data, len) != (la_ssize_t)len))
		r = pea_error_new(err, EIO, "write '%s' into the layer: %s", name,
				  archive_error_string(w));
	archive_entry_free(e);
	return r;
}

/*
 * The layer with /podman/runscript added (replacing one the image has): the
 * entries are copied through libarchive, since a tar cannot be appended to
 * without finding where its end marker starts.
 */
static int add_runscript(int in_fd, int out_fd, const char *script, int64_t mtime,
			 struct pea_error **err)
{
	_cleanup_(tar_archive_read_free_p) struct archive *a = archive_read_new();
	_cleanup_(tar_archive_write_free_p) struct archive *w = archive_write_new();
	struct archive_entry *e;
	bool have_dir = false;
	int r;

	archive_read_support_format_tar(a);
	archive_write_set_format_pax_restricted(w);
	archive_write_set_bytes_in_last_block(w, 1);
	if (archive_read_open_fd(a, in_fd, 1u << 16) != ARCHIVE_OK)
		return pea_error_new(err, EIO, "read the layer: %s", archive_error_string(a));
	if (archive_write_open_fd(w, out_fd) != ARCHIVE_OK)
		return pea_error_new(err, EIO, "write the layer: %s", archive_error_string(w));
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (!name || tar_name_is(name, RUNSCRIPT_PATH))
			continue;
		if (tar_name_is(name, "podman")) {
			if (archive_entry_filetype(e) != AE_IFDIR)
				return pea_error_new(err, EEXIST,
						     "the root filesystem has a /podman that is "
						     "not a folder: no room for /%s",
						     RUNSCRIPT_PATH);
			have_dir = true;
		}
		if (archive_write_header(w, e) != ARCHIVE_OK)
			return pea_error_new(err, EIO, "write the layer: %s",
					     archive_error_string(w));
		if (copy_entry_data(a, w, err) < 0)
			return -EIO;
	}
	if (r != ARCHIVE_EOF)
		return pea_error_new(err, EIO, "read the layer: %s", archive_error_string(a));
	if (!have_dir && write_new_entry(w, "./podman/", AE_IFDIR, 0755, NULL, mtime, err) < 0)
		return -EIO;
	if (write_new_entry(w, "./" RUNSCRIPT_PATH, AE_IFREG, 0755, script, mtime, err) < 0)
		return -EIO;
	if (archive_write_close(w) != ARCHIVE_OK)
		return pea_error_new(err, EIO, "write the layer: %s", archive_error_string(w));
	return 0;
}

static int make_layer(struct image_source *s, int sif_fd, const struct sif_object *part,
		      const char *script, int64_t mtime, struct sif_layer *ret,
		      struct pea_error **err)
{
	_cleanup_close_ int sq = -1, raw = -1, out = -1;
	struct stat st;

	sq = openat(s->dirfd, "rootfs.squashfs", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (sq < 0)
		return pea_error_errno(err, "create 'rootfs.squashfs'");
	if (copy_range(sif_fd, part->offset, part->size, sq, err) < 0 ||
	    squashfs_to_tar(s->dirfd, s->tmp_path, "rootfs.squashfs", "rootfs.tar", err) < 0)
		return -EIO;
	unlinkat(s->dirfd, "rootfs.squashfs", 0);
	if (script) {
		raw = openat(s->dirfd, "rootfs.tar", O_RDONLY | O_CLOEXEC);
		out = openat(s->dirfd, "layer.tar", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (raw < 0 || out < 0)
			return pea_error_errno(err, "open the layer");
		if (add_runscript(raw, out, script, mtime, err) < 0)
			return -EIO;
		unlinkat(s->dirfd, "rootfs.tar", 0);
		out = pea_close(out);
	} else if (renameat(s->dirfd, "rootfs.tar", s->dirfd, "layer.tar") < 0) {
		return pea_error_errno(err, "rename the layer");
	}
	out = openat(s->dirfd, "layer.tar", O_RDONLY | O_CLOEXEC);
	if (out < 0 || fstat(out, &st) < 0)
		return pea_error_errno(err, "open the layer");
	if (pea_digest_fd("sha256", out, "the layer", ret->digest, err) < 0)
		return -EIO;
	ret->size = st.st_size;
	return 0;
}

/* ---- the config ----------------------------------------------------------------------- */

/* The keys of an image config's "config" that oci-config.json may give, with their type. */
static const struct {
	const char *key;
	enum json_type type;
	bool strings; /* an array of strings */
} config_keys[] = {
	{ "User", json_type_string, false },	     { "Env", json_type_array, true },
	{ "Entrypoint", json_type_array, true },     { "Cmd", json_type_array, true },
	{ "WorkingDir", json_type_string, false },   { "Labels", json_type_object, false },
	{ "ExposedPorts", json_type_object, false }, { "Volumes", json_type_object, false },
	{ "StopSignal", json_type_string, false },
};

static bool all_strings(struct json_object *arr)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (!json_object_is_type(json_object_array_get_idx(arr, i), json_type_string))
			return false;
	return true;
}

/* The run settings that `singularity build` kept from the image it started from. */
static int oci_config_from_sif(int fd, const struct sif_image *img, struct json_object *cfg,
			       struct pea_error **err)
{
	const struct sif_object *o = sif_find(img, SIF_DATA_GENERIC_JSON, "oci-config.json");
	_cleanup_json_ struct json_object *doc = NULL;
	_cleanup_free_ char *text = NULL;

	if (!o)
		return 0;
	if (read_object(fd, o, &text, err) < 0 ||
	    pea_json_parse(text, (size_t)o->size, "oci-config.json", &doc, err) < 0 ||
	    pea_json_expect_object(doc, "oci-config.json", err) < 0)
		return pea_error_wrap(err, "the SIF's oci-config.json");
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		struct json_object *v = NULL;

		if (!json_object_object_get_ex(doc, config_keys[i].key, &v) || !v)
			continue;
		if (!json_object_is_type(v, config_keys[i].type) ||
		    (config_keys[i].strings && !all_strings(v)))
			return pea_error_new(
				err, EINVAL, "the SIF's oci-config.json: '%s' is not %s",
				config_keys[i].key,
				config_keys[i].strings			  ? "an array of strings"
				: config_keys[i].type == json_type_string ? "a string"
									  : "an object");
		json_object_object_add(cfg, config_keys[i].key, json_object_get(v));
	}
	return 0;
}

static int deffile_script(int fd, const struct sif_image *img, char **ret, struct pea_error **err)
{
	const struct sif_object *o = sif_find(img, SIF_DATA_DEFFILE, NULL);
	_cleanup_free_ char *text = NULL;

	*ret = NULL;
	if (!o)
		return 0;
	if (read_object(fd, o, &text, err) < 0)
		return pea_error_wrap(err, "the SIF's definition file");
	*ret = sif_deffile_script(text, (size_t)o->size);
	return 0;
}

static void rfc3339(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	/* sif.c keeps t in the years 0-9999: four digits (strftime's %Y would give "0") */
	if (!gmtime_r(&tt, &tm))
		snprintf(out, 32, "1970-01-01T00:00:00Z");
	else
		snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ",
			 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
			 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
			 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
}

static struct json_object *history_entry(const char *created, const char *by, const char *comment,
					 bool empty)
{
	struct json_object *h = json_object_new_object();

	json_object_object_add(h, "created", json_object_new_string(created));
	json_object_object_add(h, "created_by", json_object_new_string(by));
	if (comment)
		json_object_object_add(h, "comment", json_object_new_string(comment));
	if (empty)
		json_object_object_add(h, "empty_layer", json_object_new_boolean(true));
	return h;
}

/* The image config: architecture, creation time, run settings, the layer's diff ID. */
static char *build_config(const struct sif_image *img, const char *arch, struct json_object *run,
			  const struct sif_layer *layer)
{
	_cleanup_json_ struct json_object *c = json_object_new_object();
	_cleanup_free_ char *add = NULL, *comment = NULL, *cmd_by = NULL;
	struct json_object *rootfs = json_object_new_object(), *ids = json_object_new_array();
	struct json_object *hist = json_object_new_array(), *cmd = NULL;
	char created[32];

	rfc3339(img->created, created);
	json_object_object_add(c, "created", json_object_new_string(created));
	json_object_object_add(c, "architecture", json_object_new_string(arch));
	json_object_object_add(c, "os", json_object_new_string("linux"));
	json_object_object_add(c, "config", json_object_get(run));
	json_object_array_add(ids, json_object_new_string(layer->digest));
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", ids);
	json_object_object_add(c, "rootfs", rootfs);
	add = xasprintf("/bin/sh -c #(nop) ADD file:%s in /", pea_digest_hex(layer->digest));
	comment = xasprintf("imported from SIF, uuid: %s", img->uuid);
	json_object_array_add(hist, history_entry(created, add, comment, false));
	if (json_object_object_get_ex(run, "Cmd", &cmd) && cmd) {
		cmd_by = xasprintf(
			"/bin/sh -c #(nop) CMD %s",
			json_object_to_json_string_ext(
				cmd, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_array_add(hist, history_entry(created, cmd_by, NULL, true));
	}
	json_object_object_add(c, "history", hist);
	return xstrdup(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
}

static struct json_object *strv_json(const char *a)
{
	struct json_object *arr = json_object_new_array();

	json_object_array_add(arr, json_object_new_string(a));
	return arr;
}

static struct json_object *describe(struct image_source *s, const char *file, const char *digest,
				    int64_t size, const char *mt)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "mediaType", json_object_new_string(mt));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64(size));
	pea_strv_push(&s->blob_digests, digest);
	pea_strv_push(&s->blob_files, file);
	return d;
}

static int synthesize(struct image_source *s, const char *config, const struct sif_layer *layer,
		      struct pea_error **err)
{
	_cleanup_json_ struct json_object *m = json_object_new_object();
	struct json_object *layers = json_object_new_array();
	char digest[PEA_DIGEST_MAX];

	if (write_temp_file_at(s->dirfd, "config.json", config, strlen(config), err) < 0)
		return -EIO;
	pea_digest_buffer("sha256", config, strlen(config), digest);
	json_object_array_add(layers,
			      describe(s, "layer.tar", layer->digest, layer->size, MT_OCI_LAYER));
	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType", json_object_new_string(MT_OCI_MANIFEST));
	json_object_object_add(
		m, "config",
		describe(s, "config.json", digest, (int64_t)strlen(config), MT_OCI_CONFIG));
	json_object_object_add(m, "layers", layers);
	synth_set_manifest(s, m);
	return 0;
}

/* ---- the source ----------------------------------------------------------------------- */

static const struct source_ops sif_source_ops = {
	.get_manifest = synth_get_manifest,
	.open_blob = synth_open_blob,
};

/* The partition to unpack and its architecture: a squashfs, of a known arch. */
static int pick_rootfs(const struct sif_image *img, const struct sif_object **ret_part,
		       const char **ret_arch, struct pea_error **err)
{
	const struct sif_object *part = NULL;
	const char *arch;

	if (sif_primary_partition(img, &part, err) < 0)
		return -ENOENT;
	if (part->fstype == SIF_FS_ENCRYPTED_SQUASHFS)
		return pea_error_new(err, ENOTSUP,
				     "the root filesystem partition is an encrypted squashfs");
	if (part->fstype != SIF_FS_SQUASHFS)
		return pea_error_new(err, ENOTSUP,
				     "the root filesystem partition is not a squashfs (fstype %d)",
				     part->fstype);
	arch = sif_arch_name(strcmp(part->arch, "00") != 0 ? part->arch : img->arch);
	if (!arch)
		return pea_error_new(err, EINVAL,
				     "the root filesystem partition's architecture code '%s' is "
				     "not known",
				     part->arch);
	*ret_part = part;
	*ret_arch = arch;
	return 0;
}

/* Run settings: oci-config.json's, then the runscript's Cmd, else /bin/sh. */
static int run_settings(int fd, const struct sif_image *img, const char *script,
			struct json_object *run, struct pea_error **err)
{
	if (oci_config_from_sif(fd, img, run, err) < 0)
		return -EINVAL;
	if (script) {
		json_object_object_del(run, "Entrypoint");
		json_object_object_add(run, "Cmd", strv_json("/" RUNSCRIPT_PATH));
	} else if (!json_object_object_get_ex(run, "Cmd", NULL) &&
		   !json_object_object_get_ex(run, "Entrypoint", NULL)) {
		json_object_object_add(run, "Cmd", strv_json("/bin/sh"));
	}
	return 0;
}

static int sif_convert(struct image_source *s, int fd, const struct transport_context *ctx,
		       struct pea_error **err)
{
	_cleanup_(sif_image_free_p) struct sif_image *img = NULL;
	_cleanup_json_ struct json_object *run = json_object_new_object();
	_cleanup_free_ char *script = NULL, *config = NULL;
	const struct sif_object *part = NULL;
	const char *arch = NULL;
	struct sif_layer layer = { 0 };

	if (sif_read(fd, &img, err) < 0 || pick_rootfs(img, &part, &arch, err) < 0 ||
	    deffile_script(fd, img, &script, err) < 0 ||
	    run_settings(fd, img, script, run, err) < 0)
		return -EINVAL;
	if (make_temp_dir(ctx, "sif", &s->tmp_path, err) < 0)
		return -EIO;
	s->dirfd = open(s->tmp_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return pea_error_errno(err, "open '%s'", s->tmp_path);
	if (make_layer(s, fd, part, script, img->created, &layer, err) < 0)
		return -EIO;
	config = build_config(img, arch, run, &layer);
	return synthesize(s, config, &layer, err);
}

int sif_source_open(const struct image_name *name, const struct transport_context *ctx,
		    struct image_source *s, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;

	s->ops = &sif_source_ops;
	fd = open(name->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return pea_error_errno(err, "%s: open '%s'", name->input, name->path);
	if (sif_convert(s, fd, ctx, err) < 0)
		return pea_error_wrap(err, "%s", name->input);
	return 0;
}
