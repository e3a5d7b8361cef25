/*
 * pea_json_parse on arbitrary bytes. A document that parses must also
 * survive the trip through our writer and parse again, and the typed getters
 * must cope with whatever shape it has.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "tests/fuzz/fuzz.h"

static void poke_getters(struct json_object *o)
{
	_cleanup_error_ struct pea_error *err = NULL;
	const char *s = NULL;
	int64_t i64 = 0;
	uint64_t u64 = 0;
	uint32_t u32 = 0;
	int i = 0;
	bool b = false;
	char **v = NULL;
	struct json_object *sub = NULL;

	json_object_object_foreach(o, key, val)
	{
		(void)val;
		pea_json_get_string_opt(o, "root", key, &s, &err);
		pea_json_get_bool_opt(o, "root", key, &b, &err);
		pea_json_get_int64_opt(o, "root", key, &i64, &err);
		pea_json_get_uint64_opt(o, "root", key, &u64, &err);
		pea_json_get_uint32_opt(o, "root", key, &u32, &err);
		pea_json_get_int_opt(o, "root", key, &i, &err);
		pea_json_get_object_opt(o, "root", key, &sub, &err);
		pea_json_get_array_opt(o, "root", key, &sub, &err);
		if (pea_json_get_strv_opt(o, "root", key, &v, &err) > 0)
			v = pea_strv_free(v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_json_ struct json_object *o = NULL, *again = NULL;
	const char *s;

	if (pea_json_parse((const char *)data, size, "fuzz", &o, &err) < 0) {
		if (!err || !err->message || strncmp(err->message, "fuzz: ", 6) != 0)
			abort(); /* every failure says what it was reading */
		return 0;
	}
	if (json_object_is_type(o, json_type_object))
		poke_getters(o);
	s = pea_json_to_string(o);
	if (pea_json_parse(s, strlen(s), "again", &again, &err) < 0)
		abort(); /* what we write, we must read back */
	return 0;
}
