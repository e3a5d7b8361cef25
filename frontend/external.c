/*
 * External containers: those of containers/storage's store that pea did not make
 * (external.h). The store's files, as containers/storage 1.4x writes them with the overlay
 * driver:
 *   GRAPHROOT/overlay-containers/containers.json  [{id, names, image, layer, created}]
 *   GRAPHROOT/overlay-containers/ID/userdata/     (buildah.json: a buildah container)
 *   GRAPHROOT/overlay-layers/layers.json          [{id, parent, ...}]
 *   GRAPHROOT/overlay/LAYER/{diff,work,merged,link,lower}, overlay/l/LINK -> ../LAYER/diff
 *   GRAPHROOT/overlay-images/images.json          [{id, names}]
 *   RUNROOT/overlay-layers/mountpoints.json       [{id, path, count}]: mounted layers
 * each list guarded by a *.lock beside it: fcntl(2) locks, and 64 bytes a writer replaces so
 * that long-lived readers notice the change.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/toml.h"
#include "lib/xalloc.h"
#include "frontend/external.h"
#include "frontend/frontend.h"
#include "frontend/images.h"
#include "frontend/records.h"

#define STORE_JSON_MAX (64u << 20)
#define CONF_MAX       (1u << 20)
#define LOWER_MAX      (64u << 10)
#define LASTWRITE_SIZE 64

struct ext_store {
	char *graphroot, *runroot, *driver;
};

static void store_clear(struct ext_store *s)
{
	free(s->graphroot);
	free(s->runroot);
	free(s->driver);
	*s = (struct ext_store){ 0 };
}

static char *conf_string(struct json_object *doc, const char *key, const char *def)
{
	struct json_object *st = NULL, *v = NULL;

	if (json_object_object_get_ex(doc, "storage", &st) &&
	    json_object_object_get_ex(st, key, &v) && json_object_is_type(v, json_type_string) &&
	    *json_object_get_string(v))
		return xstrdup(json_object_get_string(v));
	return def ? xstrdup(def) : NULL;
}

/*
 * storage.conf's store (CONTAINERS_STORAGE_CONF, /etc/containers, /usr/share/containers),
 * as root only: 0 found, 1 none to look at.
 */
static int store_locate(struct ext_store *s, struct pea_error **err)
{
	static const char *const confs[] = { "/etc/containers/storage.conf",
					     "/usr/share/containers/storage.conf" };
	_cleanup_json_ struct json_object *doc = NULL;
	_cleanup_free_ char *text = NULL;
	const char *path = getenv("CONTAINERS_STORAGE_CONF");
	size_t len = 0;

	*s = (struct ext_store){ 0 };
	if (geteuid() != 0)
		return 1;
	for (size_t i = 0; (!path || !*path) && i < ARRAY_SIZE(confs); i++)
		if (pea_path_exists_at(AT_FDCWD, confs[i]))
			path = confs[i];
	if (path && *path) {
		if (pea_read_file_at(AT_FDCWD, path, CONF_MAX, &text, &len, err) < 0 ||
		    pea_toml_parse(text, len, path, &doc, err) < 0)
			return pea_error_wrap(err, "the store of external containers");
	}
	s->graphroot = conf_string(doc, "graphroot", "/var/lib/containers/storage");
	s->runroot = conf_string(doc, "runroot", "/run/containers/storage");
	s->driver = conf_string(doc, "driver", "overlay");
	/* only the overlay driver's layers are read here */
	if (strcmp(s->driver, "overlay") != 0) {
		store_clear(s);
		return 1;
	}
	return 0;
}

static char *store_path(const struct ext_store *s, const char *rel)
{
	return xasprintf("%s/%s", s->graphroot, rel);
}

/* containers/storage's lock on a list: an fcntl(2) lock of the whole file. */
static int lock_file(const char *path, bool write, int *ret_fd, struct pea_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	struct flock fl = { .l_type = write ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET };

	if (fd < 0)
		return pea_error_errno(err, "open '%s'", path);
	while (fcntl(fd, F_SETLKW, &fl) < 0)
		if (errno != EINTR)
			return pea_error_errno(err, "lock '%s'", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int store_lock(const struct ext_store *s, const char *rel, bool write, int *ret_fd,
		      struct pea_error **err)
{
	_cleanup_free_ char *path = store_path(s, rel);

	return lock_file(path, write, ret_fd, err);
}

/* A writer's mark in the lock file: containers/storage's readers see the list changed. */
static void store_touch(int lockfd)
{
	unsigned char mark[LASTWRITE_SIZE];

	if (getrandom(mark, sizeof(mark), 0) == (ssize_t)sizeof(mark))
		(void)!pwrite(lockfd, mark, sizeof(mark), 0);
}

/* A list of the store (a missing file: an empty list). */
static int read_list(const char *path, struct json_object **ret, struct pea_error **err)
{
	struct json_object *v = NULL;

	if (!pea_path_exists_at(AT_FDCWD, path)) {
		*ret = json_object_new_array();
		return 0;
	}
	if (pea_json_parse_file_at(AT_FDCWD, path, STORE_JSON_MAX, &v, err) < 0)
		return -1;
	if (!json_object_is_type(v, json_type_array)) {
		json_object_put(v);
		return pea_error_new(err, EPROTO, "'%s': not a JSON array", path);
	}
	*ret = v;
	return 0;
}

static int store_read(const struct ext_store *s, const char *rel, struct json_object **ret,
		      struct pea_error **err)
{
	_cleanup_free_ char *path = store_path(s, rel);

	return read_list(path, ret, err);
}

static int write_list(const char *path, struct json_object *list, struct pea_error **err)
{
	const char *text = json_object_to_json_string_ext(
		list, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	return pea_write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0600, err);
}

static int store_write(const struct ext_store *s, const char *rel, struct json_object *list,
		       struct pea_error **err)
{
	_cleanup_free_ char *path = store_path(s, rel);

	return write_list(path, list, err);
}

static const char *entry_str(struct json_object *e, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(e, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

static const char *first_name(struct json_object *e)
{
	struct json_object *names = NULL, *n;

	if (!json_object_object_get_ex(e, "names", &names) ||
	    !json_object_is_type(names, json_type_array) || json_object_array_length(names) == 0)
		return "";
	n = json_object_array_get_idx(names, 0);
	return json_object_is_type(n, json_type_string) ? json_object_get_string(n) : "";
}

void ext_ctr_clear(struct ext_ctr *c)
{
	free(c->id);
	free(c->name);
	free(c->image_id);
	free(c->image_name);
	free(c->layer);
	free(c->created);
	free(c->owner);
	*c = (struct ext_ctr){ 0 };
}

void ext_list_free(struct ext_ctr *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ext_ctr_clear(&v[i]);
	free(v);
}

static void fill(struct json_object *e, struct json_object *images, struct ext_ctr *c)
{
	const char *img = entry_str(e, "image"), *iname = img;

	for (size_t i = 0; *img && i < json_object_array_length(images); i++) {
		struct json_object *im = json_object_array_get_idx(images, i);
		if (strcmp(entry_str(im, "id"), img) == 0 && *first_name(im))
			iname = first_name(im);
	}
	c->id = xstrdup(entry_str(e, "id"));
	c->name = xstrdup(first_name(e));
	c->image_id = xstrdup(img);
	c->image_name = xstrdup(iname);
	c->layer = xstrdup(entry_str(e, "layer"));
	c->created = xstrdup(entry_str(e, "created"));
}

/*
 * A container podman made (its own, in its database, not an external one to pea either):
 * libpod's metadata in the store's record ({"image-name", "name", "created-at", ...}).
 */
static bool is_podmans(struct json_object *e)
{
	_cleanup_json_ struct json_object *md = NULL;
	const char *text = entry_str(e, "metadata");

	if (!*text || pea_json_parse(text, strlen(text), "metadata", &md, NULL) < 0)
		return false;
	return json_object_is_type(md, json_type_object) &&
	       json_object_object_get_ex(md, "created-at", NULL) &&
	       json_object_object_get_ex(md, "name", NULL);
}

/* The external containers of a containers.json list, their images named from images.json's. */
static void list_of(struct json_object *ctrs, struct json_object *images, struct ext_ctr **ret,
		    size_t *ret_n)
{
	struct ext_ctr *v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < json_object_array_length(ctrs); i++) {
		struct json_object *e = json_object_array_get_idx(ctrs, i);
		if (!*entry_str(e, "id") || !*entry_str(e, "layer") || is_podmans(e))
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n] = (struct ext_ctr){ 0 };
		fill(e, images, &v[n++]);
	}
	*ret = v;
	*ret_n = n;
}

static int parse_list(const char *text, size_t len, const char *what, struct json_object **ret,
		      struct pea_error **err)
{
	struct json_object *v = NULL;

	if (pea_json_parse(text, len, what, &v, err) < 0)
		return -1;
	if (!json_object_is_type(v, json_type_array)) {
		json_object_put(v);
		return pea_error_new(err, EPROTO, "'%s': not a JSON array", what);
	}
	*ret = v;
	return 0;
}

int ext_parse(const char *ctrs, size_t clen, const char *images, size_t ilen, struct ext_ctr **ret,
	      size_t *ret_n, struct pea_error **err)
{
	_cleanup_json_ struct json_object *c = NULL, *i = NULL;

	if (parse_list(ctrs, clen, "containers.json", &c, err) < 0 ||
	    parse_list(images, ilen, "images.json", &i, err) < 0)
		return -1;
	list_of(c, i, ret, ret_n);
	return 0;
}

static int list_in(const struct ext_store *s, struct ext_ctr **ret, size_t *ret_n,
		   struct pea_error **err)
{
	_cleanup_json_ struct json_object *ctrs = NULL, *images = NULL;
	_cleanup_close_ int lock = -1;

	if (store_lock(s, "overlay-containers/containers.lock", false, &lock, err) < 0 ||
	    store_read(s, "overlay-containers/containers.json", &ctrs, err) < 0 ||
	    store_read(s, "overlay-images/images.json", &images, err) < 0)
		return pea_error_wrap(err, "external containers");
	list_of(ctrs, images, ret, ret_n);
	for (size_t i = 0; i < *ret_n; i++) {
		_cleanup_free_ char *bj =
			xasprintf("%s/overlay-containers/%s/userdata/buildah.json", s->graphroot,
				  (*ret)[i].id);
		(*ret)[i].buildah = pea_path_exists_at(AT_FDCWD, bj);
	}
	return 0;
}

/* Containers/storage's external containers (none without a store). */
static int list_cstorage(struct ext_ctr **ret, size_t *ret_n, struct pea_error **err)
{
	_cleanup_free_ char *p = NULL;
	struct ext_store s;
	int r;

	*ret = NULL;
	*ret_n = 0;
	r = store_locate(&s, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	/* no store there (yet): none */
	p = store_path(&s, "overlay-containers/containers.json");
	r = pea_path_exists_at(AT_FDCWD, p) ? list_in(&s, ret, ret_n, err) : 0;
	store_clear(&s);
	return r;
}

/* The ids a record of pea's names: its containers', and the layers of their image mounts. */
static int known_ids(const struct global_options *g, struct json_object *known,
		     struct pea_error **err)
{
	_cleanup_strv_ char **bad = NULL;
	struct ctr_record **v = NULL;
	size_t n = 0;

	/* one whose record cannot be read is listed as external, said by the caller's own list */
	if (records_list_bad(g, &v, &n, &bad, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *vols = NULL;
		json_object_object_add(known, v[i]->id, NULL);
		if (!json_object_object_get_ex(v[i]->opts, "volumes", &vols) ||
		    !json_object_is_type(vols, json_type_array))
			continue;
		for (size_t k = 0; k < json_object_array_length(vols); k++) {
			const char *l = entry_str(json_object_array_get_idx(vols, k), "layer");
			if (*l)
				json_object_object_add(known, l, NULL);
		}
	}
	records_free(v, n);
	return 0;
}

static char *image_name_of(const struct global_options *g, const char *image_id)
{
	_cleanup_json_ struct json_object *img = NULL;

	if (*image_id && image_find(g, image_id, &img, NULL) == 0 && *first_name(img))
		return xstrdup(first_name(img));
	return xstrdup(image_id);
}

#define METADATA_OWNER "pea-container"

char *ext_metadata(const char *owner, const char *name)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	json_object_object_add(o, METADATA_OWNER, json_object_new_string(owner));
	if (name)
		json_object_object_add(o, "name", json_object_new_string(name));
	return xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

#define METADATA_BUILD "pea-build"

char *ext_build_metadata(void)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	_cleanup_free_ char *now = frontend_now();

	json_object_object_add(o, METADATA_BUILD, json_object_new_boolean(true));
	/* to the nanosecond (the store's is to the second): ps --external's order */
	json_object_object_add(o, "created", json_object_new_string(now));
	return xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/*
 * pea's metadata in a record of its store: the owner (a container id) and its name, or a
 * build's working container.
 */
static void pea_metadata(struct json_object *e, struct ext_ctr *c)
{
	_cleanup_json_ struct json_object *md = NULL;
	const char *text = entry_str(e, "metadata"), *owner = NULL, *name = NULL;

	if (!*text || pea_json_parse(text, strlen(text), "metadata", &md, NULL) < 0 ||
	    !json_object_is_type(md, json_type_object))
		return;
	c->buildah = json_object_object_get_ex(md, METADATA_BUILD, NULL);
	if (c->buildah && pea_json_get_string_opt(md, "", "created", &name, NULL) == 1) {
		free(c->created);
		c->created = xstrdup(name);
		name = NULL;
	}
	if (pea_json_get_string_opt(md, "", METADATA_OWNER, &owner, NULL) != 1 ||
	    strlen(owner) != 64 || strspn(owner, "0123456789abcdef") != 64)
		return;
	c->orphan = true;
	c->owner = xstrdup(owner);
	if (!*c->name && pea_json_get_string_opt(md, "", "name", &name, NULL) == 1) {
		free(c->name);
		c->name = xstrdup(name);
	}
}

/* pea's own store: its containers that no record names. */
static int list_pea_store(const struct global_options *g, struct ext_ctr **v, size_t *n,
			  struct pea_error **err)
{
	const char *args[] = { "container", "ls", NULL };
	_cleanup_json_ struct json_object *all = NULL, *known = json_object_new_object();

	/*
	 * the store first, then the records: a create makes its storage container, then its
	 * record (cmd-create.c), and one between the two is under its lock (remove_orphan)
	 */
	if (store_call(g, args, &all, err) < 0 || known_ids(g, known, err) < 0)
		return -1;
	for (size_t i = 0;
	     json_object_is_type(all, json_type_array) && i < json_object_array_length(all); i++) {
		struct json_object *e = json_object_array_get_idx(all, i);
		const char *id = entry_str(e, "id");
		if (!*id || json_object_object_get_ex(known, id, NULL))
			continue;
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		(*v)[*n] = (struct ext_ctr){
			.id = xstrdup(id),
			.name = xstrdup(first_name(e)),
			.image_id = xstrdup(entry_str(e, "image")),
			.image_name = image_name_of(g, entry_str(e, "image")),
			.layer = xstrdup(id),
			.created = xstrdup(entry_str(e, "created")),
			.pea_store = true,
		};
		pea_metadata(e, &(*v)[*n]);
		(*n)++;
	}
	return 0;
}

int ext_list(const struct global_options *g, struct ext_ctr **ret, size_t *ret_n,
	     struct pea_error **err)
{
	struct ext_ctr *v = NULL;
	size_t n = 0;

	if (list_cstorage(&v, &n, err) < 0)
		return -1;
	if (g && list_pea_store(g, &v, &n, err) < 0) {
		ext_list_free(v, n);
		return -1;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int ext_find(const struct global_options *g, const char *name, struct ext_ctr *ret,
	     struct pea_error **err)
{
	_cleanup_error_ struct pea_error *e = NULL;
	struct ext_ctr *v = NULL;
	size_t n = 0, len = strlen(name), found = SIZE_MAX, matches = 0;

	/* a store pea cannot read has none of that name: the caller's "no such container" */
	if (!*name || ext_list(g, &v, &n, &e) < 0) {
		if (e)
			log_debug("external containers: %s, ignoring", e->message);
		return 0;
	}
	for (size_t i = 0; i < n && found == SIZE_MAX; i++)
		if (strcmp(v[i].id, name) == 0 || strcmp(v[i].name, name) == 0)
			found = i;
	for (size_t i = 0; i < n && found == SIZE_MAX; i++)
		if (strncmp(v[i].id, name, len) == 0)
			matches++;
	for (size_t i = 0; i < n && found == SIZE_MAX && matches == 1; i++)
		if (strncmp(v[i].id, name, len) == 0)
			found = i;
	if (found != SIZE_MAX) {
		*ret = v[found];
		v[found] = (struct ext_ctr){ 0 };
	}
	ext_list_free(v, n);
	if (matches > 1)
		return pea_error_new(err, EINVAL, "more than one external container matches '%s'",
				     name);
	return found != SIZE_MAX;
}

/* The layer's folder, and its mountpoint. */
static char *layer_dir(const struct ext_store *s, const char *layer, const char *sub)
{
	return xasprintf("%s/overlay/%s%s%s", s->graphroot, layer, sub ? "/" : "", sub ? sub : "");
}

/* Its lower layers' folders, top first (its "lower" file: "l/LINK:l/LINK"). */
static int lower_dirs(const struct ext_store *s, const char *layer, char ***ret,
		      struct pea_error **err)
{
	_cleanup_free_ char *path = layer_dir(s, layer, "lower"), *text = NULL;
	_cleanup_strv_ char **v = NULL;
	size_t len = 0;
	char *save = NULL;

	if (!pea_path_exists_at(AT_FDCWD, path)) {
		/* a layer of its own (FROM scratch): its empty folder below */
		_cleanup_free_ char *empty = layer_dir(s, layer, "empty");
		if (!pea_path_exists_at(AT_FDCWD, empty))
			return pea_error_new(err, ENOENT, "layer '%s': no lower layers", layer);
		pea_strv_push(&v, empty);
		*ret = TAKE_PTR(v);
		return 0;
	}
	if (pea_read_file_at(AT_FDCWD, path, LOWER_MAX, &text, &len, err) < 0)
		return -1;
	text[strcspn(text, "\n")] = '\0';
	for (char *tok = strtok_r(text, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *d = xasprintf("%s/overlay/%s", s->graphroot, tok);
		if (strncmp(tok, "l/", 2) != 0 || strstr(tok, ".."))
			return pea_error_new(err, EPROTO, "layer '%s': lower '%s' is not l/LINK",
					     layer, tok);
		pea_strv_push(&v, d);
	}
	if (!v)
		return pea_error_new(err, EPROTO, "layer '%s': empty lower file", layer);
	*ret = TAKE_PTR(v);
	return 0;
}

/* list less the entry whose key is value; 1 when it was there. */
static int list_drop(struct json_object *list, const char *value)
{
	size_t n = json_object_array_length(list);

	for (size_t i = 0; i < n; i++)
		if (strcmp(entry_str(json_object_array_get_idx(list, i), "id"), value) == 0) {
			json_object_array_del_idx(list, i, 1);
			return 1;
		}
	return 0;
}

static int locate_for(const struct ext_ctr *c, struct ext_store *s, struct pea_error **err)
{
	int r = store_locate(s, err);

	if (r > 0)
		return pea_error_new(err, ENOENT, "external container '%s': no store", c->id);
	return r;
}

/* pea's store: where it is mounted (its layer's merged, or a vfs layer itself), NULL if not. */
static char *pea_store_mountpoint(const struct global_options *g, const struct ext_ctr *c)
{
	const char *args[] = { "container", "inspect", c->id, NULL };
	_cleanup_json_ struct json_object *res = NULL;
	const char *lp = NULL;
	int64_t count = 0;
	size_t l;

	if (store_call(g, args, &res, NULL) < 0 ||
	    pea_json_get_int64_opt(res, "", "mount_count", &count, NULL) < 0 || count <= 0 ||
	    pea_json_get_string_opt(res, "", "layer_path", &lp, NULL) != 1)
		return NULL;
	l = strlen(lp);
	if (l > 5 && strcmp(lp + l - 5, "/diff") == 0)
		return xasprintf("%.*s/merged", (int)(l - 5), lp);
	return xstrdup(lp);
}

char *ext_mountpoint(const struct global_options *g, const struct ext_ctr *c)
{
	struct ext_store s;
	char *mp = NULL;

	if (c->pea_store)
		return pea_store_mountpoint(g, c);
	if (store_locate(&s, NULL) != 0)
		return NULL;
	mp = layer_dir(&s, c->layer, "merged");
	store_clear(&s);
	if (!pea_is_mountpoint_at(AT_FDCWD, mp)) {
		free(mp);
		return NULL;
	}
	return mp;
}

static int pea_store_mount(const struct global_options *g, const struct ext_ctr *c,
			   char **ret_mountpoint, struct pea_error **err)
{
	const char *args[] = { "container", "mount", c->id, NULL };
	_cleanup_json_ struct json_object *res = NULL;
	const char *mp = NULL;

	if (store_call(g, args, &res, err) < 0 ||
	    pea_json_get_string_req(res, "", "mountpoint", &mp, err) < 0)
		return pea_error_wrap(err, "mounting container '%s'", c->id);
	*ret_mountpoint = xstrdup(mp);
	return 0;
}

/*
 * containers/storage's mount counts (its layers.go Mount/Unmount):
 * RUNROOT/overlay-layers/mountpoints.json [{id, path, count}] under mountpoints.lock beside
 * it, both taken inside the layers' lock (GRAPHROOT/overlay-layers/layers.lock, for writing)
 * as its store's Mount and Unmount do. A mount by buildah and one by pea are two counts of
 * one overlay: the last unmount, whoever's, takes it down.
 */
struct ext_mounts {
	int llock, mlock;
	char *path;		   /* mountpoints.json */
	struct json_object *list;  /* its entries */
	struct json_object *entry; /* the layer's, NULL without */
};

static void mounts_close(struct ext_mounts *m)
{
	if (m->mlock >= 0)
		close(m->mlock);
	if (m->llock >= 0)
		close(m->llock);
	free(m->path);
	json_object_put(m->list);
	*m = (struct ext_mounts){ .llock = -1, .mlock = -1 };
}

static int mounts_open(const struct ext_store *s, const char *layer, struct ext_mounts *m,
		       struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/overlay-layers", s->runroot), *lock = NULL;

	*m = (struct ext_mounts){ .llock = -1, .mlock = -1 };
	if (store_lock(s, "overlay-layers/layers.lock", true, &m->llock, err) < 0 ||
	    frontend_mkdir_p(dir, err) < 0)
		return -1;
	lock = xasprintf("%s/mountpoints.lock", dir);
	m->path = xasprintf("%s/mountpoints.json", dir);
	if (lock_file(lock, true, &m->mlock, err) < 0 || read_list(m->path, &m->list, err) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(m->list); i++) {
		struct json_object *e = json_object_array_get_idx(m->list, i);
		if (strcmp(entry_str(e, "id"), layer) == 0)
			m->entry = e;
	}
	return 0;
}

/* The layer's count (0 without one, or when its mountpoint is not mounted: stale). */
static int64_t mounts_count(const struct ext_mounts *m, const char *mp)
{
	struct json_object *v = NULL;

	if (!m->entry || !json_object_object_get_ex(m->entry, "count", &v) ||
	    !json_object_is_type(v, json_type_int) || !pea_is_mountpoint_at(AT_FDCWD, mp))
		return 0;
	return json_object_get_int64(v) > 0 ? json_object_get_int64(v) : 0;
}

/* The layer's count set to count (its entry dropped at 0), saved, and the lock's mark. */
static int mounts_save(struct ext_mounts *m, const char *layer, const char *mp, int64_t count,
		       struct pea_error **err)
{
	(void)list_drop(m->list, layer);
	m->entry = NULL;
	if (count > 0) {
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "id", json_object_new_string(layer));
		json_object_object_add(e, "path", json_object_new_string(mp));
		json_object_object_add(e, "count", json_object_new_int64(count));
		json_object_array_add(m->list, e);
		m->entry = e;
	}
	if (write_list(m->path, m->list, err) < 0)
		return -1;
	store_touch(m->mlock);
	return 0;
}

/*
 * A volatile overlay's mark (buildah mounts so): the kernel refuses the work folder again
 * until it goes (overlayfs.rst, "Volatile mount"). Unmounted, and its count ours to take
 * under the locks: the upper synced, then the mark goes with the kernel's scratch folder.
 */
static int volatile_clear(const char *upper, const char *work, struct pea_error **err)
{
	_cleanup_free_ char *mark = xasprintf("%s/work/incompat/volatile", work);
	_cleanup_free_ char *scratch = xasprintf("%s/work", work);
	_cleanup_close_ int fd = -1;

	if (!pea_path_exists_at(AT_FDCWD, mark))
		return 0;
	fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0)
		return pea_error_errno(err, "sync '%s'", upper);
	return pea_rm_rf_at(AT_FDCWD, scratch, err);
}

/*
 * containers/storage's overlay driver mounts its layers inside GRAPHROOT/overlay made a
 * private bind mount of itself (and takes that down when nothing is mounted): a layer
 * mounted outside it would be hidden when the driver binds it again, and mounted twice.
 */
static int home_private(const struct ext_store *s, struct pea_error **err)
{
	_cleanup_free_ char *home = xasprintf("%s/overlay", s->graphroot);

	if (!pea_is_mountpoint_at(AT_FDCWD, home) && mount(home, home, NULL, MS_BIND, NULL) < 0)
		return pea_error_errno(err, "bind-mount '%s' on itself", home);
	if (mount(NULL, home, NULL, MS_PRIVATE, NULL) < 0)
		return pea_error_errno(err, "make '%s' a private mount", home);
	return 0;
}

static int cstorage_mount(const struct ext_ctr *c, const struct ext_store *s, char **ret_mountpoint,
			  struct pea_error **err)
{
	_cleanup_free_ char *mp = layer_dir(s, c->layer, "merged"), *upper = NULL, *work = NULL;
	_cleanup_free_ char *lower = NULL, *data = NULL;
	_cleanup_strv_ char **lowers = NULL;
	struct ext_mounts m;
	bool mounted;
	int rc = -1;

	if (mounts_open(s, c->layer, &m, err) < 0)
		goto out;
	/* mounted already (by buildah, or by pea): one count more of that mount */
	mounted = pea_is_mountpoint_at(AT_FDCWD, mp);
	if (!mounted) {
		if (lower_dirs(s, c->layer, &lowers, err) < 0)
			goto out;
		upper = layer_dir(s, c->layer, "diff");
		work = layer_dir(s, c->layer, "work");
		lower = pea_strv_join(lowers, ":");
		data = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
		if (strlen(data) >= 4096) {
			pea_error_new(err, E2BIG, "external container '%s': too many layers",
				      c->id);
			goto out;
		}
		if ((mkdir(mp, 0700) < 0 && errno != EEXIST) ||
		    (mkdir(work, 0700) < 0 && errno != EEXIST)) {
			pea_error_errno(err, "external container '%s': mkdir", c->id);
			goto out;
		}
		if (volatile_clear(upper, work, err) < 0 || home_private(s, err) < 0)
			goto out;
		if (mount("overlay", mp, "overlay", 0, data) < 0) {
			pea_error_errno(err, "external container '%s': mount overlay on '%s'",
					c->id, mp);
			goto out;
		}
	}
	if (mounts_save(&m, c->layer, mp, mounts_count(&m, mp) + 1, err) < 0) {
		if (!mounted && umount2(mp, 0) < 0)
			(void)umount2(mp, MNT_DETACH);
		goto out;
	}
	*ret_mountpoint = TAKE_PTR(mp);
	rc = 0;
out:
	mounts_close(&m);
	return rc;
}

int ext_mount(const struct global_options *g, const struct ext_ctr *c, char **ret_mountpoint,
	      struct pea_error **err)
{
	struct ext_store s;
	int rc;

	if (c->pea_store)
		return pea_store_mount(g, c, ret_mountpoint, err);
	if (locate_for(c, &s, err) < 0)
		return -1;
	rc = cstorage_mount(c, &s, ret_mountpoint, err);
	store_clear(&s);
	return rc;
}

/* One count less (force: every count); the last takes the mount down. */
static int cstorage_umount(const struct ext_ctr *c, const struct ext_store *s, bool force,
			   struct pea_error **err)
{
	_cleanup_free_ char *mp = layer_dir(s, c->layer, "merged");
	struct ext_mounts m;
	int64_t count;
	int rc = -1;

	if (mounts_open(s, c->layer, &m, err) < 0)
		goto out;
	count = mounts_count(&m, mp);
	if (!force && count > 1) {
		rc = mounts_save(&m, c->layer, mp, count - 1, err);
		goto out;
	}
	if (pea_is_mountpoint_at(AT_FDCWD, mp)) {
		if (umount2(mp, 0) < 0 && umount2(mp, MNT_DETACH) < 0) {
			pea_error_errno(err, "external container '%s': unmount '%s'", c->id, mp);
			goto out;
		}
		/* as containers/storage: the mountpoint goes with the mount */
		(void)rmdir(mp);
	}
	rc = m.entry ? mounts_save(&m, c->layer, mp, 0, err) : 0;
out:
	mounts_close(&m);
	return rc;
}

static int ext_umount_force(const struct global_options *g, const struct ext_ctr *c, bool force,
			    struct pea_error **err)
{
	_cleanup_free_ char *mp = ext_mountpoint(g, c);
	const char *args[] = { "container", "unmount", c->id, NULL };
	struct ext_store s;
	int rc;

	if (!mp)
		return 0;
	if (c->pea_store)
		return store_call(g, args, NULL, err) < 0
			       ? pea_error_wrap(err, "unmounting container '%s'", c->id)
			       : 0;
	if (locate_for(c, &s, err) < 0)
		return -1;
	rc = cstorage_umount(c, &s, force, err);
	store_clear(&s);
	return rc;
}

int ext_umount(const struct global_options *g, const struct ext_ctr *c, struct pea_error **err)
{
	return ext_umount_force(g, c, false, err);
}

int ext_layer_dirs(const struct ext_ctr *c, char **ret_upper, char ***ret_lowers,
		   struct pea_error **err)
{
	_cleanup_strv_ char **lowers = NULL;
	struct ext_store s;
	int r;

	if (c->pea_store)
		return pea_error_new(err, EINVAL, "container '%s': in pea's store", c->id);
	if (locate_for(c, &s, err) < 0)
		return -1;
	r = lower_dirs(&s, c->layer, &lowers, err);
	if (r == 0) {
		*ret_upper = layer_dir(&s, c->layer, "diff");
		*ret_lowers = TAKE_PTR(lowers);
	}
	store_clear(&s);
	return r;
}

/* The container's layer: out of layers.json, then its folders (layers.lock held). */
static int remove_layer(const struct ext_store *s, const char *layer, struct pea_error **err)
{
	_cleanup_json_ struct json_object *layers = NULL;
	_cleanup_free_ char *dir = layer_dir(s, layer, NULL), *linkf = layer_dir(s, layer, "link");
	_cleanup_free_ char *link = NULL, *split = NULL;
	size_t len = 0;

	if (store_read(s, "overlay-layers/layers.json", &layers, err) < 0)
		return -1;
	if (list_drop(layers, layer) &&
	    store_write(s, "overlay-layers/layers.json", layers, err) < 0)
		return -1;
	if (pea_read_file_at(AT_FDCWD, linkf, 256, &link, &len, NULL) == 0 && *link &&
	    !strchr(link, '/')) {
		_cleanup_free_ char *l = xasprintf("%s/overlay/l/%s", s->graphroot, link);
		(void)unlink(l);
	}
	split = xasprintf("%s/overlay-layers/%s.tar-split.gz", s->graphroot, layer);
	(void)unlink(split);
	return pea_rm_rf_at(AT_FDCWD, dir, err);
}

static int remove_in(const struct ext_store *s, const struct ext_ctr *c, struct pea_error **err)
{
	_cleanup_json_ struct json_object *ctrs = NULL;
	_cleanup_close_ int clock = -1, llock = -1;
	_cleanup_free_ char *udir = NULL, *rdir = NULL;

	if (store_lock(s, "overlay-containers/containers.lock", true, &clock, err) < 0 ||
	    store_lock(s, "overlay-layers/layers.lock", true, &llock, err) < 0 ||
	    store_read(s, "overlay-containers/containers.json", &ctrs, err) < 0)
		return -1;
	/* as containers/storage: the layer first, then the container's record */
	if (remove_layer(s, c->layer, err) < 0)
		return -1;
	store_touch(llock);
	if (list_drop(ctrs, c->id) &&
	    store_write(s, "overlay-containers/containers.json", ctrs, err) < 0)
		return -1;
	store_touch(clock);
	udir = xasprintf("%s/overlay-containers/%s", s->graphroot, c->id);
	rdir = xasprintf("%s/overlay-containers/%s", s->runroot, c->id);
	if (pea_rm_rf_at(AT_FDCWD, udir, err) < 0)
		return -1;
	(void)pea_rm_rf_at(AT_FDCWD, rdir, NULL);
	return 0;
}

int ext_remove(const struct global_options *g, const struct ext_ctr *c, bool force,
	       struct pea_error **err)
{
	_cleanup_free_ char *mp = ext_mountpoint(g, c);
	const char *args[] = { "container", "rm", "--force", c->id, NULL };
	struct ext_store s;
	int r;

	if (mp && !force)
		return pea_error_new(err, EBUSY,
				     "container %s is mounted and cannot be removed without using "
				     "force: container state improper",
				     c->id);
	if (c->pea_store)
		return store_call(g, args, NULL, err) < 0
			       ? pea_error_wrap(err, "removing container '%s'", c->id)
			       : 0;
	if (mp && ext_umount_force(g, c, true, err) < 0)
		return -1;
	if (locate_for(c, &s, err) < 0)
		return -1;
	r = remove_in(&s, c, err);
	store_clear(&s);
	return r < 0 ? pea_error_wrap(err, "removing external container '%s'", c->id) : 0;
}

/*
 * One orphan of pea's store, under its owner's lock and when the owner has no record
 * still: 1 removed, 0 left (locked, named meanwhile, or gone already).
 */
static int remove_orphan(const struct global_options *g, const struct ext_ctr *c,
			 struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	const char *owner = c->owner ? c->owner : c->id;
	_cleanup_close_ int lock = -1;
	int rc;

	if (record_lock(g, owner, true, &lock, NULL) < 0)
		return 0; /* a create or a removal under way */
	if (record_load(g, owner, &r, &e) == 0 || e->code != ENOENT)
		return 0;
	e = pea_error_free(e);
	/* no record: its lock file goes whatever becomes of the storage container */
	rc = ext_remove(g, c, true, &e);
	lock = record_lock_drop(g, owner, TAKE_FD(lock));
	if (rc < 0) {
		if (pea_error_is(e, ENOENT))
			return 0;
		*err = TAKE_PTR(e);
		return -1;
	}
	return 1;
}

int ext_remove_orphans(const struct global_options *g, bool every, char ***ret_removed,
		       struct pea_error **err)
{
	_cleanup_strv_ char **gone = NULL;
	struct ext_ctr *v = NULL;
	size_t n = 0;
	int rc = 0;

	*ret_removed = NULL;
	if (list_pea_store(g, &v, &n, err) < 0) {
		ext_list_free(v, n);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		int r;

		if (!v[i].orphan && !every)
			continue;
		r = remove_orphan(g, &v[i], &e);
		if (r > 0)
			pea_strv_push(&gone, v[i].id);
		if (r < 0 && rc == 0) {
			*err = TAKE_PTR(e);
			rc = -1;
		}
	}
	ext_list_free(v, n);
	*ret_removed = TAKE_PTR(gone);
	return rc;
}
