/*
 * The healthcheck flags of run/create and an image's Healthcheck: the input
 * goes to each --health-* option as its value (Go durations, --health-cmd's
 * JSON array, the retries, the action), then, parsed as JSON, as the image
 * config that health_finish() reads the Healthcheck of.
 */
#include <string.h>

#include <json-c/json.h>

#include "frontend/health.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	struct json_object *h = NULL, *icfg = NULL, *opts = json_object_new_object();
	struct pea_error *err = NULL;

	for (int c = HEALTH_OPT_CMD; c < HEALTH_OPT_END; c++)
		if (health_parse(&h, c, text, &err) < 0)
			err = pea_error_free(err);
	if (pea_json_parse(text, strlen(text), "config", &icfg, &err) < 0)
		err = pea_error_free(err);
	if (health_finish(h, icfg, opts, &err) < 0)
		err = pea_error_free(err);
	if (health_finish(NULL, icfg, opts, &err) < 0)
		err = pea_error_free(err);
	json_object_put(opts);
	json_object_put(icfg);
	json_object_put(h);
	return 0;
}
