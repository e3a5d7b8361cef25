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
#include "frontend/format.h"
#include "frontend/frontend.h"
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
		return -1;
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
		return -1;
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
