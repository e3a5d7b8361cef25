/* pea-storage image create|ls|inspect|rm|tag|untag */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "cli.h"
#include "commands.h"
#include "lib/digest.h"
#include "driver.h"
#include "durable.h"
#include "idmap.h"
#include "layer.h"
#include "records.h"
#include "store.h"

#define BLOB_MAX (16u << 20)

static const char usage[] =
	"Usage: pea-storage image COMMAND\n"
	"  create --layers L1,L2,... [--config FILE] [--manifest FILE] [--name NAME]...\n"
	"         [--id ID] [--digest DIGEST]   record an image (layers bottom first)\n"
	"  ls                                   every image\n"
	"  inspect IMAGE                        one image (id, unique id prefix or name)\n"
	"  rm IMAGE                             remove it and the layers nothing else uses\n"
	"  tag IMAGE NAME                       add a name (taken from any other image)\n"
	"  untag IMAGE NAME                     remove a name\n"
	"  mount IMAGE                          mount its layers read-only; prints the mountpoint\n"
	"  unmount [--force] IMAGE              drop one mount (all with --force)\n"
	"  ids IMAGE                            the largest uid and gid owning its files\n";

struct image_create_options {
	char **layers;
	char **names;
	const char *config;
	const char *manifest;
	const char *id;
	const char *digest;
};

static struct json_object *image_json(struct store *s, const struct image_rec *i)
{
	struct json_object *o = image_rec_to_json(i);

	json_object_object_add(o, "mount_count",
			       json_object_new_int(driver_image_mount_count(s, i->id)));
	if (i->has_manifest) {
		_cleanup_free_ char *p = xasprintf("%s/images/%s/manifest", s->graph_root, i->id);

		json_object_object_add(o, "manifest_path", json_object_new_string(p));
	}
	if (i->has_config) {
		_cleanup_free_ char *p = xasprintf("%s/images/%s/config", s->graph_root, i->id);

		json_object_object_add(o, "config_path", json_object_new_string(p));
	}
	return o;
}

static int parse_create(int argc, char **argv, struct image_create_options *o,
			struct pea_error **err)
{
	static const struct option opts[] = {
		{ "layers", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "name", required_argument, NULL, 'n' },
		{ "id", required_argument, NULL, 'i' },
		{ "digest", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	cli_getopt_reset();
	while ((c = cli_getopt(argc, argv, "+:h", opts, "image create", err)) != -1) {
		switch (c) {
		case 'l':
			pea_strv_free(o->layers);
			o->layers = pea_strv_split(optarg, ",");
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'm':
			o->manifest = optarg;
			break;
		case 'n':
			if (!cli_is_valid_name(optarg))
				return cli_usage_error(err, "image create: invalid name '%s'",
						       optarg);
			pea_strv_push(&o->names, optarg);
			break;
		case 'i':
			if (!cli_is_full_id(optarg))
				return cli_usage_error(
					err, "image create: invalid id '%s' (64 hex digits)",
					optarg);
			o->id = optarg;
			break;
		case 'd':
			if (strncmp(optarg, "sha256:", 7) || !cli_is_full_id(optarg + 7))
				return cli_usage_error(err, "image create: invalid digest '%s'",
						       optarg);
			o->digest = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			return -1;
		}
	}
	return cli_expect_operands(argc, optind, 0, "image create", "no arguments", err);
}

/* Resolve the layers and check that each is the parent of the next. */
static int resolve_layers(struct store *s, char **refs, char ***ret, struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;
	const char *below = NULL;

	for (char **ref = refs; ref && *ref; ref++) {
		char *id = NULL;
		struct layer_rec l = { 0 };
		bool ok;

		if (store_resolve(s, "layers", *ref, &id, err) < 0)
			return -1;
		pea_strv_push_take(&ids, id);
		if (layer_load(s, id, &l, err) < 0)
			return -1;
		ok = below ? l.parent && !strcmp(l.parent, below) : !l.parent;
		if (!ok) {
			int r = pea_error_new(
				err, EINVAL, "layer '%s' has the parent '%s', not '%s'", id,
				l.parent ? l.parent : "(none)", below ? below : "(none)");
			layer_rec_clear(&l);
			return r;
		}
		layer_rec_clear(&l);
		below = id;
	}
	*ret = ids ? TAKE_PTR(ids) : xnew(char *, 1);
	return 0;
}

/* A name belongs to one image: take it from any other. */
static int take_name(struct store *s, const char *name, const char *owner, struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;

	if (store_record_ids(s, "images", &ids, err) < 0)
		return -1;
	for (char **id = ids; *id; id++) {
		struct image_rec i = { 0 };
		_cleanup_strv_ char **kept = NULL;
		int r = 0;

		if (!strcmp(*id, owner))
			continue;
		if (image_load(s, *id, &i, err) < 0)
			return -1;
		if (pea_strv_contains(i.names, name)) {
			for (char **n = i.names; *n; n++)
				if (strcmp(*n, name))
					pea_strv_push(&kept, *n);
			pea_strv_free(i.names);
			i.names = kept ? TAKE_PTR(kept) : xnew(char *, 1);
			r = image_save(s, &i, err);
		}
		image_rec_clear(&i);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A file written, not synced (commit_new_image() syncs it). */
static int write_unsynced_at(int dfd, const char *name, const char *buf, size_t len,
			     struct pea_error **err)
{
	_cleanup_close_ int fd =
		openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 || pea_write_all(fd, buf, len, err) < 0 || close(TAKE_FD(fd)) < 0) {
		if (!*err)
			pea_error_errno(err, "write '%s'", name);
		return -1;
	}
	return 0;
}

/* A new image's config or manifest, into images/ID: no record names the folder yet. */
static int save_blob(struct store *s, const char *id, const char *name, const char *buf, size_t len,
		     struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("images/%s", id);
	_cleanup_close_ int dfd = -1;

	if (pea_mkdir_p_at(s->root_fd, dir, 0700, &dfd, err) < 0)
		return -1;
	return write_unsynced_at(dfd, name, buf, len, err);
}

/* fsync of images/ID's files, of the folder, and of the record's temp file. */
static int sync_image_files(int dfd, const char *id, const char *tmp, struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_close_ int rfd = -1;
	struct dirent *e;
	int fd = openat(dfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno != ENOENT)
		return pea_error_errno(err, "open the folder of image '%s'", id);
	if (fd >= 0 && !(d = fdopendir(fd))) {
		pea_close(fd);
		return pea_error_errno(err, "open the folder of image '%s'", id);
	}
	while (d && (e = readdir(d))) {
		_cleanup_close_ int f = -1;

		if (e->d_name[0] == '.')
			continue;
		f = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (f < 0 || fsync(f) < 0)
			return pea_error_errno(err, "sync '%s' of image '%s'", e->d_name, id);
	}
	if (d && fsync(dirfd(d)) < 0)
		return pea_error_errno(err, "sync the folder of image '%s'", id);
	rfd = openat(dfd, tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (rfd < 0 || fsync(rfd) < 0)
		return pea_error_errno(err, "sync the record of image '%s'", id);
	return 0;
}

/*
 * A new image's record, the commit point, with two syncs where three atomic writes (config,
 * manifest, record) made six: the record goes to a temp file, one syncfs() makes durable
 * it, the config and manifest written before it (straight to their names: nothing reads
 * images/ID before the record exists) and their folder, then the rename of the record and
 * an fsync of images/ for it, as a layer's commit. A crash at any point leaves the image
 * whole or absent: before the rename is durable, a folder without a record, which a new
 * create of the image writes again.
 */
static int commit_new_image(struct store *s, const struct image_rec *i, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = image_rec_to_json(i);
	_cleanup_free_ char *name = xasprintf("%s.json", i->id);
	_cleanup_free_ char *rnd = cli_random_id();
	_cleanup_free_ char *tmp = xasprintf("%s.json.tmp.%.12s", i->id, rnd);
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int dfd = -1;

	if (s->records_nosync)
		return image_save(s, i, err);
	data = xasprintf("%s\n",
			 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	dfd = openat(s->root_fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s/images'", s->graph_root);
	if (write_unsynced_at(dfd, tmp, data, strlen(data), err) < 0)
		goto out_unlink;
	/* deferred: the layers' files stay the next sync's (durable.h), syncfs would wait for them
	 */
	if (s->sync_deferred ? sync_image_files(dfd, i->id, tmp, err) < 0 : syncfs(dfd) < 0) {
		if (!*err)
			pea_error_errno(err, "sync the new image");
		goto out_unlink;
	}
	store_crash_point("image-before-rename");
	if (renameat(dfd, tmp, dfd, name) < 0) {
		pea_error_errno(err, "rename the record of image '%s'", i->id);
		goto out_unlink;
	}
	/*
	 * As commit_records() for a container: a command that fails leaves no record
	 * behind, else the next pull or create would take the image as there while its
	 * rename may not survive a crash. The folder (config, manifest, synced) stays,
	 * as after a crash before the rename: a new create writes it again.
	 */
	if (fsync(dfd) < 0) {
		pea_error_errno(err, "sync '%s/images'", s->graph_root);
		unlinkat(dfd, name, 0);
		return -1;
	}
	return 0;

out_unlink:
	unlinkat(dfd, tmp, 0);
	return -1;
}

static int read_blob(const char *path, char **ret, size_t *ret_len, struct pea_error **err)
{
	if (!path)
		return 0;
	return pea_read_file_at(AT_FDCWD, path, BLOB_MAX, ret, ret_len, err);
}

/*
 * containers/storage's names history, after the names changed: each name the image has now,
 * in order, put first in the history, once (a name taken by another image stays there).
 */
static void names_history_update(struct image_rec *i)
{
	for (char **n = i->names; n && *n; n++) {
		char **h = NULL;

		pea_strv_push(&h, *n);
		for (char **o = i->names_history; o && *o; o++)
			if (strcmp(*o, *n) != 0)
				pea_strv_push(&h, *o);
		pea_strv_free(i->names_history);
		i->names_history = h;
	}
}

static int add_names(struct store *s, struct image_rec *i, char **names, struct pea_error **err)
{
	for (char **n = names; n && *n; n++) {
		if (take_name(s, *n, i->id, err) < 0)
			return -1;
		if (!pea_strv_contains(i->names, *n))
			pea_strv_push(&i->names, *n);
	}
	if (!i->names)
		i->names = xnew(char *, 1);
	names_history_update(i);
	return 0;
}

static int create_image(struct store *s, struct image_create_options *o, struct image_rec *ret,
			bool *ret_existed, struct pea_error **err)
{
	_cleanup_free_ char *config = NULL, *manifest = NULL, *cdigest = NULL;
	char d[PEA_DIGEST_MAX];
	size_t config_len = 0, manifest_len = 0;
	struct image_rec i = { 0 };
	int r = -1;

	if (read_blob(o->config, &config, &config_len, err) < 0 ||
	    read_blob(o->manifest, &manifest, &manifest_len, err) < 0)
		return -1;
	if (config) {
		pea_digest_buffer("sha256", config, config_len, d);
		cdigest = xstrdup(d);
	}
	i.id = o->id ? xstrdup(o->id) : cdigest ? xstrdup(cdigest + 7) : cli_random_id();
	if (store_record_exists(s, "images", i.id)) {
		image_rec_clear(&i);
		if (image_load(s, o->id ? o->id : cdigest + 7, &i, err) < 0 ||
		    add_names(s, &i, o->names, err) < 0 || image_save(s, &i, err) < 0)
			goto out;
		*ret_existed = true;
		*ret = i;
		return 0;
	}
	if (resolve_layers(s, o->layers, &i.layers, err) < 0 || add_names(s, &i, o->names, err) < 0)
		goto out;
	if (o->digest) {
		i.digest = xstrdup(o->digest);
	} else if (manifest) {
		pea_digest_buffer("sha256", manifest, manifest_len, d);
		i.digest = xstrdup(d);
	}
	i.created = cli_now_rfc3339();
	i.has_config = config != NULL;
	i.has_manifest = manifest != NULL;
	if ((config && save_blob(s, i.id, "config", config, config_len, err) < 0) ||
	    (manifest && save_blob(s, i.id, "manifest", manifest, manifest_len, err) < 0))
		goto out;
	store_crash_point("image-before-record");
	if (commit_new_image(s, &i, err) < 0)
		goto out;
	*ret_existed = false;
	*ret = i;
	return 0;
out:
	image_rec_clear(&i);
	return r;
}

static int image_create_cmd(const struct global_options *g, int argc, char **argv,
			    struct pea_error **err)
{
	struct image_create_options o = { 0 };
	struct store *s = NULL;
	struct image_rec i = { 0 };
	bool existed = false;
	int r = parse_create(argc, argv, &o, err);

	if (r == 0 && !o.layers)
		r = cli_usage_error(err, "image create: --layers is required");
	if (r == 0)
		r = store_open(g, true, &s, err);
	if (r == 0)
		r = create_image(s, &o, &i, &existed, err);
	if (r == 0) {
		struct json_object *reply = image_json(s, &i);

		json_object_object_add(reply, "existed", json_object_new_boolean(existed));
		r = cli_reply(reply, err);
	}
	image_rec_clear(&i);
	store_free(s);
	pea_strv_free(o.layers);
	pea_strv_free(o.names);
	return r < 0 && !cli_usage_failed() ? pea_error_wrap(err, "image create") : r;
}

int image_record_json(struct store *s, const char *id, struct json_object **ret,
		      struct pea_error **err)
{
	struct image_rec rec = { 0 };
	int r = image_load(s, id, &rec, err);

	if (r == 0)
		*ret = image_json(s, &rec);
	image_rec_clear(&rec);
	return r;
}

static int image_ls_cmd(const struct global_options *g, int argc, char **argv,
			struct pea_error **err)
{
	struct json_object *list = NULL;
	struct store *s = NULL;
	int r = cli_simple_args(argc, argv, "image ls", 0, "no arguments", usage, err);

	if (r != 0)
		return r;
	if (store_open(g, false, &s, err) < 0)
		return -1;
	r = store_list_json(s, "images", image_record_json, &list, err);
	if (r == 0)
		r = cli_reply(list, err);
	store_free(s);
	return r;
}

/* Open the store, resolve argv[optind] to an image and load it. */
static int open_image(const struct global_options *g, bool exclusive, const char *ref,
		      struct store **ret_s, struct image_rec *ret, struct pea_error **err)
{
	_cleanup_free_ char *id = NULL;
	struct store *s = NULL;

	if (store_open(g, exclusive, &s, err) < 0)
		return -1;
	if (store_resolve(s, "images", ref, &id, err) < 0 || image_load(s, id, ret, err) < 0) {
		store_free(s);
		return -1;
	}
	*ret_s = s;
	return 0;
}

static int image_inspect_cmd(const struct global_options *g, int argc, char **argv,
			     struct pea_error **err)
{
	struct store *s = NULL;
	struct image_rec i = { 0 };
	int r = cli_simple_args(argc, argv, "image inspect", 1, "an image", usage, err);

	if (r != 0)
		return r;
	if (open_image(g, false, argv[optind], &s, &i, err) < 0)
		return -1;
	/* a layer torn by a crash: EUCLEAN, which a pull takes for "copy it again" */
	r = durable_check_image(s, &i, err);
	if (r == 0)
		r = cli_reply(image_json(s, &i), err);
	image_rec_clear(&i);
	store_free(s);
	return r;
}

/* The largest owner ids of the image's files (--userns=auto sizes its range by them). */
static int image_ids_cmd(const struct global_options *g, int argc, char **argv,
			 struct pea_error **err)
{
	struct store *s = NULL;
	struct image_rec i = { 0 };
	struct json_object *o;
	uint32_t uid = 0, gid = 0;
	int r = cli_simple_args(argc, argv, "image ids", 1, "an image", usage, err);

	if (r != 0)
		return r;
	if (open_image(g, false, argv[optind], &s, &i, err) < 0)
		return -1;
	for (size_t n = 0; r == 0 && i.layers && i.layers[n]; n++) {
		_cleanup_free_ char *path = driver_diff_path(s, i.layers[n]);
		_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			r = pea_error_errno(err, "open '%s'", path);
		else if (idmap_max_ids(fd, &uid, &gid, err) < 0)
			r = pea_error_wrap(err, "layer '%s'", i.layers[n]);
	}
	if (r == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "uid", json_object_new_int64(uid));
		json_object_object_add(o, "gid", json_object_new_int64(gid));
		r = cli_reply(o, err);
	}
	image_rec_clear(&i);
	store_free(s);
	return r < 0 ? pea_error_wrap(err, "image ids") : r;
}

/* Remove the image's layers from the top while nothing else uses them. */
static int remove_layers(struct store *s, const struct image_rec *i, struct json_object *removed,
			 struct pea_error **err)
{
	for (size_t n = pea_strv_length(i->layers); n-- > 0;) {
		_cleanup_free_ char *user = layer_user(s, i->layers[n], i->id, NULL);

		if (user)
			break;
		if (layer_remove(s, i->layers[n], i->id, NULL, err) < 0)
			return -1;
		json_object_array_add(removed, json_object_new_string(i->layers[n]));
	}
	return 0;
}

static int image_rm_cmd(const struct global_options *g, int argc, char **argv,
			struct pea_error **err)
{
	_cleanup_free_ char *dir = NULL;
	struct json_object *reply = NULL;
	struct json_object *removed = NULL;
	struct store *s = NULL;
	struct image_rec i = { 0 };
	int r = cli_simple_args(argc, argv, "image rm", 1, "an image", usage, err);

	if (r != 0)
		return r;
	if (open_image(g, true, argv[optind], &s, &i, err) < 0)
		return pea_error_wrap(err, "image rm");
	dir = xasprintf("images/%s", i.id);
	removed = json_object_new_array();
	r = driver_image_mount_count(s, i.id) > 0
		    ? pea_error_new(err, EBUSY, "image '%s' is mounted; unmount it first", i.id)
		    : store_record_remove(s, "images", i.id, err);
	if (r == 0)
		store_crash_point("image-rm-after-record");
	if (r == 0)
		r = pea_rm_rf_at(s->root_fd, dir, err);
	if (r == 0)
		r = remove_layers(s, &i, removed, err);
	if (r == 0) {
		reply = json_object_new_object();
		json_object_object_add(reply, "id", json_object_new_string(i.id));
		json_object_object_add(reply, "removed_layers", TAKE_PTR(removed));
		r = cli_reply(reply, err);
	}
	json_object_put(removed);
	image_rec_clear(&i);
	store_free(s);
	return r < 0 ? pea_error_wrap(err, "image rm") : 0;
}

static int image_name_cmd(const struct global_options *g, int argc, char **argv, bool add,
			  struct pea_error **err)
{
	const char *cmd = add ? "image tag" : "image untag";
	struct store *s = NULL;
	struct image_rec i = { 0 };
	char *names[2] = { NULL, NULL };
	int r = cli_simple_args(argc, argv, cmd, 2, "an image and a name", usage, err);

	if (r != 0)
		return r;
	names[0] = argv[optind + 1];
	if (!cli_is_valid_name(names[0]))
		return cli_usage_error(err, "%s: invalid name '%s'", cmd, names[0]);
	if (open_image(g, true, argv[optind], &s, &i, err) < 0)
		return pea_error_wrap(err, "%s", cmd);
	if (add) {
		r = add_names(s, &i, names, err);
	} else if (!pea_strv_contains(i.names, names[0])) {
		r = pea_error_new(err, ENOENT, "image '%s' has no name '%s'", i.id, names[0]);
	} else {
		_cleanup_strv_ char **kept = xnew(char *, 1);

		for (char **n = i.names; *n; n++)
			if (strcmp(*n, names[0]))
				pea_strv_push(&kept, *n);
		pea_strv_free(i.names);
		i.names = TAKE_PTR(kept);
		names_history_update(&i);
	}
	if (r == 0)
		r = image_save(s, &i, err);
	if (r == 0)
		r = cli_reply(image_json(s, &i), err);
	image_rec_clear(&i);
	store_free(s);
	return r < 0 ? pea_error_wrap(err, "%s", cmd) : 0;
}

static int image_tag_cmd(const struct global_options *g, int argc, char **argv,
			 struct pea_error **err)
{
	return image_name_cmd(g, argc, argv, true, err);
}

static int image_untag_cmd(const struct global_options *g, int argc, char **argv,
			   struct pea_error **err)
{
	return image_name_cmd(g, argc, argv, false, err);
}

static const char *top_layer(const struct image_rec *i)
{
	size_t n = pea_strv_length(i->layers);

	return n ? i->layers[n - 1] : NULL;
}

static int image_mount_cmd(const struct global_options *g, int argc, char **argv,
			   struct pea_error **err)
{
	_cleanup_free_ char *mountpoint = NULL;
	struct json_object *o;
	struct store *s = NULL;
	struct image_rec i = { 0 };
	int count = 0;
	int r = cli_simple_args(argc, argv, "image mount", 1, "an image", usage, err);

	if (r != 0)
		return r;
	if (open_image(g, true, argv[optind], &s, &i, err) < 0)
		return pea_error_wrap(err, "image mount");
	r = top_layer(&i) ? driver_mount_image(s, i.id, top_layer(&i), &mountpoint, &count, err)
			  : pea_error_new(err, EINVAL, "image '%s' has no layers", i.id);
	if (r == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(i.id));
		json_object_object_add(o, "mountpoint", json_object_new_string(mountpoint));
		json_object_object_add(o, "mount_count", json_object_new_int(count));
		r = cli_reply(o, err);
	}
	image_rec_clear(&i);
	store_free(s);
	return r < 0 ? pea_error_wrap(err, "image mount") : 0;
}

static int image_unmount_cmd(const struct global_options *g, int argc, char **argv,
			     struct pea_error **err)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct json_object *o;
	struct store *s = NULL;
	struct image_rec i = { 0 };
	bool force = false;
	int count = 0, c, r;

	cli_getopt_reset();
	while ((c = cli_getopt(argc, argv, "+:fh", opts, "image unmount", err)) != -1) {
		if (c == 'f') {
			force = true;
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		return -1;
	}
	if (cli_expect_operands(argc, optind, 1, "image unmount", "an image", err) < 0)
		return -1;
	if (open_image(g, true, argv[optind], &s, &i, err) < 0)
		return pea_error_wrap(err, "image unmount");
	r = top_layer(&i) ? driver_unmount_image(s, i.id, top_layer(&i), force, &count, err) : 0;
	if (r == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(i.id));
		json_object_object_add(o, "mount_count", json_object_new_int(count));
		json_object_object_add(o, "mounted", json_object_new_boolean(count > 0));
		r = cli_reply(o, err);
	}
	image_rec_clear(&i);
	store_free(s);
	return r < 0 ? pea_error_wrap(err, "image unmount") : 0;
}

static const struct subcommand image_commands[] = {
	{ "create", image_create_cmd },	  { "ls", image_ls_cmd },
	{ "list", image_ls_cmd },	  { "inspect", image_inspect_cmd },
	{ "rm", image_rm_cmd },		  { "tag", image_tag_cmd },
	{ "untag", image_untag_cmd },	  { "mount", image_mount_cmd },
	{ "unmount", image_unmount_cmd }, { "umount", image_unmount_cmd },
	{ "ids", image_ids_cmd },	  { NULL, NULL },
};

int cmd_image(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return run_subcommand(image_commands, "image", usage, g, argc, argv, err);
}
