/* lib/toml.c over arbitrary bytes: a document parses to JSON that prints, or one error. */
#include <stdlib.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/toml.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_json_ struct json_object *doc = NULL;

	if (pea_toml_parse((const char *)data, size, "fuzz.toml", &doc, &err) == 0) {
		if (!doc || !json_object_is_type(doc, json_type_object) || err ||
		    !json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN))
			abort();
	} else if (!err || !err->message || doc) {
		abort();
	}
	return 0;
}
