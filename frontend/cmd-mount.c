/*
 * mount, unmount: a container's root filesystem on the host (podman-mount(1),
 * podman-unmount(1)), through pea-storage's mount counts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/external.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/images.h"
#include "frontend/records.h"

/* The storage record of a container (mount_count, layer_path). */
static int store_container(const struct global_options *g, const char *id, struct json_object **ret,
			   struct pea_error **err)
{
	const char *args[] = { "container", "inspect", id, NULL };

	return store_call(g, args, ret, err);
}

/* Where pea-storage mounts it: overlay's merged next to diff, vfs's layer itself. */
static char *mountpoint_of(struct json_object *c)
{
	const char *lp = NULL;
	size_t l;

	if (pea_json_get_string_opt(c, "", "layer_path", &lp, NULL) != 1)
		return xstrdup("");
	l = strlen(lp);
	if (l > 5 && strcmp(lp + l - 5, "/diff") == 0)
		return xasprintf("%.*s/merged", (int)(l - 5), lp);
	return xstrdup(lp);
}

/* The mounted external containers (external.h), after pea's own. */
static int mount_list_external(const struct global_options *g, struct json_object *out, bool json,
			       bool notrunc, struct pea_error **err)
{
	struct ext_ctr *v = NULL;
	size_t n = 0;

	if (ext_list(g, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *mp = ext_mountpoint(g, &v[i]);
		struct json_object *o, *names;

		if (!mp)
			continue;
		if (!json) {
			printf("%.*s  %s\n", notrunc ? 64 : 12, v[i].id, mp);
			continue;
		}
		o = json_object_new_object();
		names = json_object_new_array();
		json_object_array_add(names, json_object_new_string(v[i].name));
		json_object_object_add(o, "id", json_object_new_string(v[i].id));
		json_object_object_add(o, "Names", names);
		json_object_object_add(o, "mountpoint", json_object_new_string(mp));
		json_object_array_add(out, o);
	}
	ext_list_free(v, n);
	return 0;
}

/*
 * name is no container of pea's (*err ENOENT): an external one's mount or unmount
 * instead; 0 done, -1 with *err as it was when there is none.
 */
static int external_mount(const struct global_options *g, const char *name, bool mount,
			  struct pea_error **err)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_free_ char *mp = NULL;
	struct ext_ctr x = { 0 };
	int r;

	if ((*err)->code != ENOENT)
		return -1;
	r = ext_find(g, name, &x, &e);
	if (r == 1)
		r = mount ? ext_mount(g, &x, &mp, &e) : ext_umount(g, &x, &e);
	else
		r = r == 0 ? 1 : -1;
	ext_ctr_clear(&x);
	if (r == 1)
		return -1;
	*err = pea_error_free(*err);
	if (r < 0) {
		*err = TAKE_PTR(e);
		return -1;
	}
	if (mp)
		printf("%s\n", mp);
	return 0;
}

static int mount_list(struct global_options *g, bool json, bool notrunc, struct pea_error **err)
{
	_cleanup_json_ struct json_object *out = json_object_new_array();
	struct ctr_record **v = NULL;
	size_t n = 0;

	if (records_list(g, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		_cleanup_json_ struct json_object *c = NULL;
		_cleanup_free_ char *mp = NULL;
		int64_t count = 0;
		struct json_object *o, *names;

		if (store_container(g, v[i]->id, &c, NULL) < 0 ||
		    pea_json_get_int64_opt(c, "", "mount_count", &count, NULL) < 0 || count <= 0)
			continue;
		mp = mountpoint_of(c);
		if (!json) {
			printf("%.*s  %s\n", notrunc ? 64 : 12, v[i]->id, mp);
			continue;
		}
		o = json_object_new_object();
		names = json_object_new_array();
		json_object_array_add(names, json_object_new_string(v[i]->name));
		json_object_object_add(o, "id", json_object_new_string(v[i]->id));
		json_object_object_add(o, "Names", names);
		json_object_object_add(o, "mountpoint", json_object_new_string(mp));
		json_object_array_add(out, o);
	}
	records_free(v, n);
	if (mount_list_external(g, out, json, notrunc, err) < 0)
		return -1;
	if (json)
		fmt_print_json(stdout, out);
	return 0;
}

static const char mount_usage[] =
	"Usage: pea mount [OPTIONS] [CONTAINER...]\n"
	"\n"
	"Mount the root filesystem of containers and print where; without a container,\n"
	"list the mounted ones.\n"
	"\n"
	"  -a, --all          every container\n"
	"      --format=json  the list as JSON\n"
	"      --no-trunc     full ids in the list\n";

enum { OPT_FORMAT = 256, OPT_NOTRUNC };

static int mount_one(struct global_options *g, const char *name, void *data, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	const char *args[] = { "container", "mount", NULL, NULL };
	const char *mp = NULL;

	if (record_lookup(g, name, &r, err) < 0)
		return external_mount(g, name, true, err);
	args[2] = r->id;
	if (store_call(g, args, &res, err) < 0)
		return pea_error_wrap(err, "mounting container '%s'", name);
	if (pea_json_get_string_req(res, "", "mountpoint", &mp, err) < 0)
		return -1;
	printf("%s\n", mp);
	return 0;
}

int cmd_mount(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "no-trunc", no_argument, NULL, OPT_NOTRUNC },
		{ "notruncate", no_argument, NULL, OPT_NOTRUNC },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **targets = NULL;
	bool all = false, json = false, notrunc = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "ha", opts, mount_usage, &c, err)) == 2) {
		if (c == 'a')
			all = true;
		else if (c == OPT_NOTRUNC)
			notrunc = true;
		else if (c == OPT_FORMAT) {
			if (strcmp(optarg, "json") != 0)
				return pea_error_new(err, EINVAL,
						     "unknown --format argument: %s (only json)",
						     optarg);
			json = true;
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (all && optind < argc)
		return check_all_or_names(all, argc - optind, err);
	if (!all && optind >= argc)
		return mount_list(g, json, notrunc, err);
	if (all && containers_pick(g, NULL, &targets, err) < 0)
		return -1;
	for (int i = optind; i < argc; i++)
		pea_strv_push(&targets, argv[i]);
	return for_each_target(g, targets, &(struct each_opts){ .act = mount_one }, NULL, err);
}

static int unmount_one(struct global_options *g, const char *name, void *data,
		       struct pea_error **err)
{
	bool force = *(bool *)data;
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_json_ struct json_object *c = NULL, *res = NULL;
	const char *args[] = { "container", "unmount", NULL, NULL, NULL };
	int64_t count = 0;

	if (record_lookup(g, name, &r, err) < 0)
		return external_mount(g, name, false, err);
	(void)record_refresh(g, r, NULL);
	if (store_container(g, r->id, &c, err) < 0)
		return -1;
	(void)pea_json_get_int64_opt(c, "", "mount_count", &count, NULL);
	/* the mount the container itself runs on stays */
	if (r->state == CTR_RUNNING && count <= 1)
		return pea_error_new(err, EBUSY,
				     "container %s is running: its root filesystem stays mounted",
				     name);
	if (count <= 0)
		return 0;
	if (force && r->state != CTR_RUNNING) {
		args[2] = "--force";
		args[3] = r->id;
	} else {
		args[2] = r->id;
	}
	if (store_call(g, args, &res, err) < 0)
		return pea_error_wrap(err, "unmounting container '%s'", name);
	return 0;
}

/* A container that is not running and has its root mounted (unmount --all). */
static bool is_unmountable(const struct global_options *g, struct ctr_record *r)
{
	_cleanup_json_ struct json_object *sc = NULL;
	int64_t count = 0;

	(void)record_refresh(g, r, NULL);
	if (r->state == CTR_RUNNING || store_container(g, r->id, &sc, NULL) < 0)
		return false;
	(void)pea_json_get_int64_opt(sc, "", "mount_count", &count, NULL);
	return count > 0;
}

static const char unmount_usage[] =
	"Usage: pea unmount [OPTIONS] CONTAINER [CONTAINER...]\n"
	"\n"
	"Drop a mount of the root filesystem of containers (pea mount); it is unmounted\n"
	"when nothing else uses it.\n"
	"\n"
	"  -a, --all     every mounted container\n"
	"  -f, --force   drop every mount of a container that is not running\n";

int cmd_unmount(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct switches o;
	_cleanup_strv_ char **targets = NULL;
	int r;

	r = cmd_switches(argc, argv, "af", unmount_usage, &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (check_all_or_names(o.all, argc - optind, err) < 0)
		return -1;
	if (o.all && containers_pick(g, is_unmountable, &targets, err) < 0)
		return -1;
	for (int i = optind; i < argc; i++)
		pea_strv_push(&targets, argv[i]);
	return for_each_target(g, targets, &(struct each_opts){ .act = unmount_one, .print = true },
			       &o.force, err);
}

/* ---- image mount, image umount ----------------------------------------- */

/* The first name of an image record, else its full ID. */
static const char *image_display_name(struct json_object *rec)
{
	struct json_object *names = NULL;
	const char *id = NULL;

	if (json_object_object_get_ex(rec, "names", &names) && json_object_array_length(names) > 0)
		return json_object_get_string(json_object_array_get_idx(names, 0));
	(void)pea_json_get_string_opt(rec, "", "id", &id, NULL);
	return id ? id : "";
}

static int image_mount_call(const struct global_options *g, const char *id, bool mount, bool force,
			    struct json_object **ret, struct pea_error **err)
{
	const char *margs[] = { "image", "mount", id, NULL };
	const char *uargs[] = { "image", "unmount", id, NULL, NULL };

	if (!mount && force) {
		uargs[2] = "--force";
		uargs[3] = id;
	}
	return store_call(g, mount ? margs : uargs, ret, err);
}

/* Every image of the store (pea-storage's `image ls`). */
static int images_all(const struct global_options *g, struct json_object **ret,
		      struct pea_error **err)
{
	const char *args[] = { "image", "ls", NULL };

	return store_call(g, args, ret, err);
}

/* No argument: NAME MOUNTPOINT of each mounted image (its mount count unchanged). */
static int image_mount_list(const struct global_options *g, struct pea_error **err)
{
	_cleanup_json_ struct json_object *all = NULL;

	if (images_all(g, &all, err) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *rec = json_object_array_get_idx(all, i);
		_cleanup_json_ struct json_object *m = NULL, *u = NULL;
		const char *id = NULL, *mp = NULL;
		int64_t count = 0;

		(void)pea_json_get_int64_opt(rec, "", "mount_count", &count, NULL);
		if (count <= 0 || pea_json_get_string_opt(rec, "", "id", &id, NULL) != 1)
			continue;
		/* pea-storage tells the mountpoint of a mount: take one, give it back */
		if (image_mount_call(g, id, true, false, &m, err) < 0 ||
		    image_mount_call(g, id, false, false, &u, err) < 0)
			return -1;
		(void)pea_json_get_string_opt(m, "", "mountpoint", &mp, NULL);
		printf("%s %s\n", image_display_name(rec), mp ? mp : "");
	}
	return 0;
}

static const char image_mount_usage[] =
	"Usage: pea image mount [OPTIONS] [IMAGE...]\n"
	"\n"
	"Mount the root of images read-only on the host and print where; without an\n"
	"image, list the mounted ones.\n"
	"\n"
	"  -a, --all   every image (NAME MOUNTPOINT lines)\n";

int cmd_image_mount(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_json_ struct json_object *all = NULL;
	struct switches o;
	int r;

	r = cmd_switches(argc, argv, "a", image_mount_usage, &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (o.all && optind < argc)
		return pea_error_new(err, EINVAL,
				     "when using the --all switch, you may not pass "
				     "any images names or IDs");
	if (!o.all && optind == argc)
		return image_mount_list(g, err);
	if (o.all && images_all(g, &all, err) < 0)
		return -1;
	for (size_t i = 0; o.all ? i < json_object_array_length(all) : optind + (int)i < argc;
	     i++) {
		_cleanup_json_ struct json_object *rec = NULL, *res = NULL;
		const char *id = NULL, *mp = NULL;

		if (o.all)
			rec = json_object_get(json_object_array_get_idx(all, i));
		else if (image_find(g, argv[optind + (int)i], &rec, err) < 0)
			return -1;
		if (pea_json_get_string_req(rec, "", "id", &id, err) < 0 ||
		    image_mount_call(g, id, true, false, &res, err) < 0 ||
		    pea_json_get_string_req(res, "", "mountpoint", &mp, err) < 0)
			return -1;
		if (o.all)
			printf("%s %s\n", image_display_name(rec), mp);
		else
			printf("%s\n", mp);
	}
	return 0;
}

static const char image_unmount_usage[] =
	"Usage: pea image unmount [OPTIONS] IMAGE...\n"
	"\n"
	"Drop a mount of images (all of them with -f); print the ID of each that is no\n"
	"longer mounted.\n"
	"\n"
	"  -a, --all     every mounted image\n"
	"  -f, --force   unmount however many times it was mounted\n";

static int image_unmount_one(const struct global_options *g, struct json_object *rec, bool force,
			     struct pea_error **err)
{
	_cleanup_json_ struct json_object *res = NULL;
	const char *id = NULL;
	int64_t count = 0;
	bool mounted = true;

	(void)pea_json_get_int64_opt(rec, "", "mount_count", &count, NULL);
	if (pea_json_get_string_req(rec, "", "id", &id, err) < 0)
		return -1;
	if (count <= 0)
		return 0; /* not mounted: nothing to do, nothing printed (podman's) */
	if (image_mount_call(g, id, false, force, &res, err) < 0)
		return -1;
	(void)pea_json_get_bool_opt(res, "", "mounted", &mounted, NULL);
	if (!mounted)
		printf("%s\n", id);
	return 0;
}

int cmd_image_unmount(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_json_ struct json_object *all = NULL;
	struct switches o;
	int r;

	r = cmd_switches(argc, argv, "af", image_unmount_usage, &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (!o.all && optind == argc)
		return pea_error_new(err, EINVAL, "image name or ID must be specified");
	if (o.all && optind < argc)
		return pea_error_new(err, EINVAL,
				     "when using the --all switch, you may not pass "
				     "any images names or IDs");
	if (o.all) {
		if (images_all(g, &all, err) < 0)
			return -1;
		for (size_t i = 0; i < json_object_array_length(all); i++)
			if (image_unmount_one(g, json_object_array_get_idx(all, i), o.force, err) <
			    0)
				return -1;
		return 0;
	}
	for (int i = optind; i < argc; i++) {
		_cleanup_json_ struct json_object *rec = NULL;
		if (image_find(g, argv[i], &rec, err) < 0 ||
		    image_unmount_one(g, rec, o.force, err) < 0)
			return -1;
	}
	return 0;
}
