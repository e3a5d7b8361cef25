/* pea-storage check [--repair]: is every record backed by its files and references? */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "cli.h"
#include "commands.h"
#include "driver.h"
#include "durable.h"
#include "layer.h"
#include "records.h"
#include "store.h"

#define MAX_PASSES 64

static const char usage[] =
	"Usage: pea-storage check [--repair]\n"
	"  Report records whose files or references are missing; --repair removes them.\n";

struct checker {
	struct store *s;
	bool repair;
	char **problems;
	struct json_object *removed;
	bool changed;
};

static void problem(struct checker *c, const char *what, const char *id, const char *why)
{
	_cleanup_free_ char *msg = xasprintf("%s '%s': %s", what, id, why);

	pea_strv_push(&c->problems, msg);
}

static void removed(struct checker *c, const char *kind, const char *id)
{
	_cleanup_free_ char *what = xasprintf("%s/%s", kind, id);

	json_object_array_add(c->removed, json_object_new_string(what));
	c->changed = true;
}

static const char *layer_problem(struct checker *c, const struct layer_rec *l)
{
	_cleanup_free_ char *diff = xasprintf("%s/%s/diff", c->s->driver, l->id);

	if (!pea_path_exists_at(c->s->root_fd, diff))
		return "its files are missing";
	if (l->parent && !store_record_exists(c->s, "layers", l->parent))
		return "its parent is missing";
	if (!driver_is_vfs(c->s)) {
		_cleanup_free_ char *link =
			xasprintf("%s/l/%s", c->s->driver, l->link ? l->link : "");

		if (!l->link || !pea_path_exists_at(c->s->root_fd, link))
			return "its overlay link is missing";
	}
	return NULL;
}

static int check_layers(struct checker *c, struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;

	if (store_record_ids(c->s, "layers", &ids, err) < 0)
		return -1;
	for (char **id = ids; *id; id++) {
		struct layer_rec l = { 0 };
		const char *why;

		if (layer_load(c->s, *id, &l, err) < 0)
			return -1;
		why = layer_problem(c, &l);
		if (why && !c->repair)
			problem(c, "layer", *id, why);
		/* kept by --repair: images use it, the next apply of it replaces it */
		if (!why && l.damaged) {
			_cleanup_free_ char *d =
				xasprintf("damaged: %s: %s", l.damaged, durable_remedy(&l));

			problem(c, "layer", *id, d);
		}
		if (why && c->repair) {
			if (store_record_remove(c->s, "layers", *id, err) < 0 ||
			    driver_remove_layer(c->s, &l, err) < 0) {
				layer_rec_clear(&l);
				return -1;
			}
			removed(c, "layers", *id);
		}
		layer_rec_clear(&l);
	}
	return 0;
}

static int check_images(struct checker *c, struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;

	if (store_record_ids(c->s, "images", &ids, err) < 0)
		return -1;
	for (char **id = ids; *id; id++) {
		struct image_rec i = { 0 };
		bool broken = false;

		if (image_load(c->s, *id, &i, err) < 0)
			return -1;
		for (char **l = i.layers; *l; l++)
			broken = broken || !store_record_exists(c->s, "layers", *l);
		image_rec_clear(&i);
		if (broken && !c->repair)
			problem(c, "image", *id, "a layer is missing");
		if (broken && c->repair) {
			_cleanup_free_ char *dir = xasprintf("images/%s", *id);

			if (store_record_remove(c->s, "images", *id, err) < 0 ||
			    pea_rm_rf_at(c->s->root_fd, dir, err) < 0)
				return -1;
			removed(c, "images", *id);
		}
	}
	return 0;
}

static int check_containers(struct checker *c, struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;

	if (store_record_ids(c->s, "containers", &ids, err) < 0)
		return -1;
	for (char **id = ids; *id; id++) {
		struct container_rec ct = { 0 };
		const char *why = NULL;

		if (container_load(c->s, *id, &ct, err) < 0)
			return -1;
		if (!store_record_exists(c->s, "layers", ct.layer))
			why = "its layer is missing";
		else if (ct.image && !store_record_exists(c->s, "images", ct.image))
			why = "its image is missing";
		container_rec_clear(&ct);
		if (why && !c->repair)
			problem(c, "container", *id, why);
		if (why && c->repair) {
			if (store_record_remove(c->s, "containers", *id, err) < 0)
				return -1;
			removed(c, "containers", *id);
		}
	}
	return 0;
}

/* Writable layers whose container record is gone (a crash during create or rm). */
static int check_container_layers(struct checker *c, struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;

	if (store_record_ids(c->s, "layers", &ids, err) < 0)
		return -1;
	for (char **id = ids; *id; id++) {
		struct layer_rec l = { 0 };
		bool orphan;

		if (layer_load(c->s, *id, &l, err) < 0)
			return -1;
		orphan = l.container && !store_record_exists(c->s, "containers", *id);
		layer_rec_clear(&l);
		if (orphan && !c->repair)
			problem(c, "layer", *id, "a container layer without its container");
		if (orphan && c->repair) {
			if (layer_remove(c->s, *id, NULL, *id, err) < 0)
				return -1;
			removed(c, "layers", *id);
		}
	}
	return 0;
}

static int run_checks(struct checker *c, struct pea_error **err)
{
	for (int pass = 0; pass < MAX_PASSES; pass++) {
		c->changed = false;
		c->problems = pea_strv_free(c->problems);
		if (check_layers(c, err) < 0 || check_images(c, err) < 0 ||
		    check_containers(c, err) < 0 || check_container_layers(c, err) < 0)
			return -1;
		if (!c->changed)
			return 0;
	}
	return 0;
}

int cmd_check(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "repair", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct checker c = { 0 };
	struct json_object *o = NULL;
	int r;

	cli_getopt_reset();
	while ((r = cli_getopt(argc, argv, "+:h", opts, "check", err)) != -1) {
		if (r == 'r') {
			c.repair = true;
			continue;
		}
		if (r == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		return -1;
	}
	if (cli_expect_operands(argc, optind, 0, "check", "no arguments", err) < 0)
		return -1;
	if (store_open(g, true, &c.s, err) < 0)
		return -1;
	if (!c.s->repair_done) { /* marked clean: check looks all the same */
		struct repair_report rep = { 0 };

		r = store_repair(c.s, &rep, err);
		c.s->repaired = rep.removed;
		if (r < 0)
			return -1;
	}
	c.removed = json_object_new_array();
	for (char **x = c.s->repaired; x && *x; x++)
		json_object_array_add(c.removed, json_object_new_string(*x));
	if (c.repair) {
		struct repair_report rep = { 0 };

		/* the notes of failed applies, for applies that wait: none should be left */
		store_forget_failures(c.s, &rep);
		for (char **x = rep.removed; x && *x; x++)
			json_object_array_add(c.removed, json_object_new_string(*x));
		pea_strv_free(rep.removed);
	}
	r = run_checks(&c, err);
	if (r == 0) {
		struct json_object *problems = json_object_new_array();

		for (char **p = c.problems; p && *p; p++)
			json_object_array_add(problems, json_object_new_string(*p));
		o = json_object_new_object();
		json_object_object_add(o, "ok", json_object_new_boolean(!c.problems));
		json_object_object_add(o, "problems", problems);
		json_object_object_add(o, "removed", TAKE_PTR(c.removed));
		r = cli_reply(o, err);
	}
	json_object_put(c.removed);
	pea_strv_free(c.problems);
	store_free(c.s);
	return r;
}
