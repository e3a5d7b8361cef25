/* containers.conf parsed once per process (config_toml_parse) and its readers over the cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "frontend/config.h"
#include "tests/unit/tap.h"

static const char conf_a[] = "[engine]\nruntime = \"crun\"\n[containers]\nlog_driver = \"none\"\n";
static const char conf_b[] = "[engine]\nruntime = \"pea-runtime\"\n";

static void test_cache(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_json_ struct json_object *d1 = NULL, *d2 = NULL, *d3 = NULL;
	char *copy = strdup(conf_a);

	tap_ok(config_toml_parse(conf_a, strlen(conf_a), "a", &d1, &err) == 0 && d1,
	       "a text parses");
	/* the same bytes elsewhere in memory: the same document */
	tap_ok(copy && config_toml_parse(copy, strlen(copy), "a2", &d2, &err) == 0 && d2 == d1,
	       "the same text again gets the document parsed before");
	tap_ok(config_toml_parse(conf_b, strlen(conf_b), "b", &d3, &err) == 0 && d3 && d3 != d1,
	       "another text gets its own document");
	json_object_put(TAKE_PTR(d2));
	tap_ok(json_object_is_type(d1, json_type_object) && json_object_object_length(d1) == 2,
	       "a caller's put leaves the document whole for the others");
	free(copy);
}

static void test_errors(void)
{
	static const char bad[] = "[engine\nruntime = 1\n";

	for (int round = 0; round < 2; round++) {
		_cleanup_error_ struct pea_error *err = NULL;
		struct json_object *doc = NULL;
		int r = config_toml_parse(bad, strlen(bad), "bad.conf", &doc, &err);

		tap_ok(r < 0 && !doc && err && strstr(err->message, "bad.conf"),
		       "a syntax error is reported every time (round %d): %s", round,
		       err ? err->message : "(none)");
	}
}

static void test_readers(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct engine_config e = { 0 };
	struct ctr_config c = { 0 };

	/* two readers of one text, each its own keys, the second from the cache */
	tap_ok(engine_config_parse(&e, conf_a, "a", &err) == 0 && e.runtime &&
		       strcmp(e.runtime, "crun") == 0,
	       "the engine's keys");
	tap_ok(ctr_config_parse(&c, conf_a, strlen(conf_a), "a", &err) == 0 && c.log_driver &&
		       strcmp(c.log_driver, "none") == 0,
	       "the container's keys of the same text");
	tap_ok(engine_config_parse(&e, conf_b, "b", &err) == 0 && e.runtime &&
		       strcmp(e.runtime, "pea-runtime") == 0,
	       "a later file wins");
	engine_config_clear(&e);
	ctr_config_clear(&c);
}

int main(void)
{
	tap_plan(9);
	test_cache();
	test_errors();
	test_readers();
	return tap_done();
}
