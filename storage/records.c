#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "records.h"
#include "store.h"

void layer_rec_clear(struct layer_rec *l)
{
	free(l->id);
	free(l->parent);
	free(l->diff_id);
	free(l->compressed_digest);
	free(l->compression);
	free(l->link);
	free(l->created);
	free(l->unsynced);
	free(l->damaged);
	*l = (struct layer_rec){ 0 };
}

void image_rec_clear(struct image_rec *i)
{
	free(i->id);
	pea_strv_free(i->names);
	pea_strv_free(i->names_history);
	pea_strv_free(i->layers);
	free(i->digest);
	free(i->created);
	*i = (struct image_rec){ 0 };
}

void container_rec_clear(struct container_rec *c)
{
	free(c->id);
	pea_strv_free(c->names);
	free(c->image);
	free(c->layer);
	free(c->created);
	free(c->uid_map);
	free(c->gid_map);
	free(c->metadata);
	*c = (struct container_rec){ 0 };
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	if (v)
		json_object_object_add(o, key, json_object_new_string(v));
}

static struct json_object *strv_to_json(char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

struct json_object *layer_rec_to_json(const struct layer_rec *l)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "id", l->id);
	add_str(o, "parent", l->parent);
	add_str(o, "diff_id", l->diff_id);
	add_str(o, "compressed_digest", l->compressed_digest);
	add_str(o, "compression", l->compression);
	json_object_object_add(o, "size", json_object_new_int64(l->size));
	if (l->compressed_digest)
		json_object_object_add(o, "compressed_size",
				       json_object_new_int64(l->compressed_size));
	add_str(o, "link", l->link);
	add_str(o, "created", l->created);
	if (l->container)
		json_object_object_add(o, "container", json_object_new_boolean(true));
	add_str(o, "unsynced", l->unsynced);
	add_str(o, "damaged", l->damaged);
	if (l->refetchable && (l->unsynced || l->damaged))
		json_object_object_add(o, "refetchable", json_object_new_boolean(true));
	return o;
}

struct json_object *image_rec_to_json(const struct image_rec *i)
{
	struct json_object *o = json_object_new_object();
	size_t n = pea_strv_length(i->layers);

	add_str(o, "id", i->id);
	json_object_object_add(o, "names", strv_to_json(i->names));
	json_object_object_add(o, "names_history", strv_to_json(i->names_history));
	json_object_object_add(o, "layers", strv_to_json(i->layers));
	add_str(o, "top_layer", n ? i->layers[n - 1] : NULL);
	add_str(o, "digest", i->digest);
	add_str(o, "created", i->created);
	json_object_object_add(o, "has_manifest", json_object_new_boolean(i->has_manifest));
	json_object_object_add(o, "has_config", json_object_new_boolean(i->has_config));
	return o;
}

struct json_object *container_rec_to_json(const struct container_rec *c)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "id", c->id);
	json_object_object_add(o, "names", strv_to_json(c->names));
	add_str(o, "image", c->image);
	add_str(o, "layer", c->layer);
	add_str(o, "created", c->created);
	add_str(o, "uid_map", c->uid_map);
	add_str(o, "gid_map", c->gid_map);
	add_str(o, "metadata", c->metadata);
	return o;
}

static int get_str(struct json_object *o, const char *key, bool req, char **dst,
		   struct pea_error **err)
{
	const char *v = NULL;
	int r = req ? pea_json_get_string_req(o, "", key, &v, err)
		    : pea_json_get_string_opt(o, "", key, &v, err);

	if (r < 0)
		return r;
	*dst = v ? xstrdup(v) : NULL;
	return 0;
}

/* A boot id as /proc/sys/kernel/random/boot_id gives it: 8-4-4-4-12 lowercase hex digits. */
bool records_is_boot_id(const char *v)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(v) != sizeof(shape) - 1)
		return false;
	for (size_t k = 0; shape[k]; k++)
		if (shape[k] == '-' ? v[k] != '-' : !strchr("0123456789abcdef", v[k]) || !v[k])
			return false;
	return true;
}

/* The durability marks (durable.h): a boot id, a reason, on an applied layer only. */
static int check_marks(const struct layer_rec *l, struct pea_error **err)
{
	if (l->unsynced && !records_is_boot_id(l->unsynced))
		return pea_error_new(err, EINVAL, "'unsynced' is not a boot id: '%.64s'",
				     l->unsynced);
	if (l->damaged && !*l->damaged)
		return pea_error_new(err, EINVAL, "'damaged' is empty");
	if ((l->unsynced || l->damaged) && l->container)
		return pea_error_new(
			err, EINVAL,
			"a container's layer cannot be marked 'unsynced' or 'damaged'");
	return 0;
}

int layer_load(struct store *s, const char *id, struct layer_rec *ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct layer_rec l = { 0 };

	if (store_record_read(s, "layers", id, &o, err) < 0)
		return -1;
	if (get_str(o, "id", true, &l.id, err) < 0 ||
	    get_str(o, "parent", false, &l.parent, err) < 0 ||
	    get_str(o, "diff_id", false, &l.diff_id, err) < 0 ||
	    get_str(o, "compressed_digest", false, &l.compressed_digest, err) < 0 ||
	    get_str(o, "compression", false, &l.compression, err) < 0 ||
	    get_str(o, "link", false, &l.link, err) < 0 ||
	    get_str(o, "created", false, &l.created, err) < 0 ||
	    pea_json_get_int64_opt(o, "", "size", &l.size, err) < 0 ||
	    pea_json_get_int64_opt(o, "", "compressed_size", &l.compressed_size, err) < 0 ||
	    pea_json_get_bool_opt(o, "", "container", &l.container, err) < 0 ||
	    get_str(o, "unsynced", false, &l.unsynced, err) < 0 ||
	    get_str(o, "damaged", false, &l.damaged, err) < 0 ||
	    pea_json_get_bool_opt(o, "", "refetchable", &l.refetchable, err) < 0 ||
	    check_marks(&l, err) < 0) {
		layer_rec_clear(&l);
		return pea_error_wrap(err, "layer '%s'", id);
	}
	*ret = l;
	return 0;
}

int layer_save(struct store *s, const struct layer_rec *l, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = layer_rec_to_json(l);

	return store_record_write(s, "layers", l->id, o, err);
}

int image_load(struct store *s, const char *id, struct image_rec *ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct image_rec i = { 0 };

	if (store_record_read(s, "images", id, &o, err) < 0)
		return -1;
	if (get_str(o, "id", true, &i.id, err) < 0 ||
	    pea_json_get_strv_opt(o, "", "names", &i.names, err) < 0 ||
	    pea_json_get_strv_opt(o, "", "names_history", &i.names_history, err) < 0 ||
	    pea_json_get_strv_opt(o, "", "layers", &i.layers, err) < 0 ||
	    get_str(o, "digest", false, &i.digest, err) < 0 ||
	    get_str(o, "created", false, &i.created, err) < 0 ||
	    pea_json_get_bool_opt(o, "", "has_manifest", &i.has_manifest, err) < 0 ||
	    pea_json_get_bool_opt(o, "", "has_config", &i.has_config, err) < 0) {
		image_rec_clear(&i);
		return pea_error_wrap(err, "image '%s'", id);
	}
	*ret = i;
	return 0;
}

int image_save(struct store *s, const struct image_rec *i, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = image_rec_to_json(i);

	return store_record_write(s, "images", i->id, o, err);
}

int container_load(struct store *s, const char *id, struct container_rec *ret,
		   struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct container_rec c = { 0 };

	if (store_record_read(s, "containers", id, &o, err) < 0)
		return -1;
	if (get_str(o, "id", true, &c.id, err) < 0 ||
	    pea_json_get_strv_opt(o, "", "names", &c.names, err) < 0 ||
	    get_str(o, "image", false, &c.image, err) < 0 ||
	    get_str(o, "layer", true, &c.layer, err) < 0 ||
	    get_str(o, "created", false, &c.created, err) < 0 ||
	    get_str(o, "uid_map", false, &c.uid_map, err) < 0 ||
	    get_str(o, "gid_map", false, &c.gid_map, err) < 0 ||
	    get_str(o, "metadata", false, &c.metadata, err) < 0) {
		container_rec_clear(&c);
		return pea_error_wrap(err, "container '%s'", id);
	}
	*ret = c;
	return 0;
}

int container_save(struct store *s, const struct container_rec *c, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = container_rec_to_json(c);

	return store_record_write(s, "containers", c->id, o, err);
}

static const char *kind_singular(const char *kind)
{
	return !strcmp(kind, "layers") ? "layer" : !strcmp(kind, "images") ? "image" : "container";
}

static int names_of(struct store *s, const char *kind, const char *id, char ***ret,
		    struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = NULL;

	*ret = NULL;
	if (!strcmp(kind, "layers"))
		return 0;
	if (store_record_read(s, kind, id, &o, err) < 0)
		return -1;
	return pea_json_get_strv_opt(o, "", "names", ret, err);
}

int store_resolve(struct store *s, const char *kind, const char *ref, char **ret,
		  struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;
	const char *found = NULL;
	size_t n = strlen(ref);

	if (!*ref || strchr(ref, '\n'))
		return pea_error_new(err, EINVAL, "invalid %s reference '%s'", kind_singular(kind),
				     ref);
	if (!strchr(ref, '/') && ref[0] != '.' && store_record_exists(s, kind, ref)) {
		*ret = xstrdup(ref);
		return 0;
	}
	if (store_record_ids(s, kind, &ids, err) < 0)
		return -1;
	for (char **id = ids; *id; id++) {
		_cleanup_strv_ char **names = NULL;

		if (names_of(s, kind, *id, &names, err) < 0)
			return -1;
		if (pea_strv_contains(names, ref)) {
			*ret = xstrdup(*id);
			return 0;
		}
	}
	for (char **id = ids; n >= 3 && *id; id++) {
		if (strncmp(*id, ref, n))
			continue;
		if (found)
			return pea_error_new(err, EINVAL, "%s id prefix '%s' is ambiguous",
					     kind_singular(kind), ref);
		found = *id;
	}
	if (!found)
		return pea_error_new(err, ENOENT, "%s '%s' not found", kind_singular(kind), ref);
	*ret = xstrdup(found);
	return 0;
}
