/* pea-storage sync: make every applied layer durable (durable.h). */
#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "cli.h"
#include "commands.h"
#include "durable.h"
#include "store.h"

static const char usage[] =
	"Usage: pea-storage sync\n"
	"\n"
	"Write the store's file system out (syncfs) and clear the 'unsynced' marks of the\n"
	"layers applied without waiting for the disk (storage.conf pea_sync=deferred).\n";

int cmd_sync(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct json_object *o = NULL;
	struct store *s = NULL;
	int cleared = 0;
	int r = cli_simple_args(argc, argv, "sync", 0, "no arguments", usage, err);

	if (r != 0)
		return r;
	if (store_open(g, true, &s, err) < 0)
		return -1;
	r = durable_sync(s, &cleared, err);
	if (r == 0) {
		store_mark_clean(s);
		o = json_object_new_object();
		json_object_object_add(o, "cleared", json_object_new_int(cleared));
		r = cli_reply(o, err);
	}
	store_free(s);
	return r;
}
