/* pea-storage status: the driver, the paths and the counts. */
#include <stdio.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "cli.h"
#include "commands.h"
#include "store.h"

static const char usage[] = "Usage: pea-storage status\n";

static int add_count(struct store *s, struct json_object *o, const char *kind,
		     struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;

	if (store_record_ids(s, kind, &ids, err) < 0)
		return -1;
	json_object_object_add(o, kind, json_object_new_int64((int64_t)pea_strv_length(ids)));
	return 0;
}

int cmd_status(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct json_object *o = NULL;
	struct store *s = NULL;
	int r = cli_simple_args(argc, argv, "status", 0, "no arguments", usage, err);

	if (r != 0)
		return r;
	if (store_open(g, false, &s, err) < 0)
		return -1;
	o = json_object_new_object();
	json_object_object_add(o, "driver", json_object_new_string(s->driver));
	json_object_object_add(o, "graph_root", json_object_new_string(s->graph_root));
	json_object_object_add(o, "run_root", json_object_new_string(s->run_root));
	if (s->mount_program)
		json_object_object_add(o, "mount_program",
				       json_object_new_string(s->mount_program));
	if (s->mountopt)
		json_object_object_add(o, "mountopt", json_object_new_string(s->mountopt));
	json_object_object_add(o, "rootless", json_object_new_boolean(s->rootless));
	r = add_count(s, o, "layers", err);
	if (r == 0)
		r = add_count(s, o, "images", err);
	if (r == 0)
		r = add_count(s, o, "containers", err);
	if (r == 0)
		r = cli_reply(TAKE_PTR(o), err);
	json_object_put(o);
	store_free(s);
	return r;
}
