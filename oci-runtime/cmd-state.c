#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"

#include "runtime.h"
#include "state.h"

int cmd_state(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct container_handle h;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		puts("Usage: pea-runtime state ID\n\nPrint the state of a container as JSON.");
		return 0;
	}
	if (argc != 2)
		return runtime_usage_error(err, "state", "expects exactly one container ID");
	if (state_lookup(g->root, argv[1], false, &h, err) < 0)
		return -EINVAL;
	o = state_to_json(h.st, h.status);
	state_handle_close(&h);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}
