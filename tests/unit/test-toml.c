/* lib/toml.c: the TOML subset as JSON, and its errors naming the line. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/toml.h"
#include "tests/unit/tap.h"

/* The document as compact JSON, or the error message. */
static char *toml_json(const char *doc, size_t len)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_json_ struct json_object *o = NULL;

	if (pea_toml_parse(doc, len, "t", &o, &err) < 0)
		return strdup(err->message);
	return strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

static void check(const char *doc, const char *want, const char *name)
{
	_cleanup_free_ char *got = toml_json(doc, strlen(doc));

	tap_is_str(got, want, "%s", name);
}

static void test_good(void)
{
	check("", "{}", "an empty document");
	check("a = 1\nb = \"x\\u00e9\"\nc = 'lit\\n'\n",
	      "{\"a\":1,\"b\":\"xé\",\"c\":\"lit\\\\n\"}", "scalars");
	check("[[r]]\nx = true\n[[r]]\nx = false\n[[r.m]]\nl = \"a\"\n",
	      "{\"r\":[{\"x\":true},{\"x\":false,\"m\":[{\"l\":\"a\"}]}]}", "arrays of tables");
	check("a.b.\"c d\" = [1, 2,\n # c\n 3,]\n", "{\"a\":{\"b\":{\"c d\":[1,2,3]}}}",
	      "dotted keys, multi-line array");
	check("t = { x = 1, y = \"z\" }\ns = \"\"\"\nab\"\"\"\n",
	      "{\"t\":{\"x\":1,\"y\":\"z\"},\"s\":\"ab\"}", "inline table, multi-line string");
	check("# c\r\n[ storage . options ]\r\nn = -1_000 # tail\r\n",
	      "{\"storage\":{\"options\":{\"n\":-1000}}}", "CRLF, spaced header, underscores");
}

static void test_bad(void)
{
	static const struct {
		const char *doc, *want;
	} cases[] = {
		{ "a = 1\na = 2\n", "t:2: duplicate key 'a'" },
		{ "[t]\n[t]\n", "t:2: table 't' is defined twice" },
		{ "a = 1.5\n", "t:1: floats and dates are not supported here" },
		{ "a = \"x\n", "t:1: newline in a single-line string" },
		{ "a = 'x", "t:1: unterminated string" },
		{ "a = 1 b\n", "t:1: expected the end of the line, found 'b'" },
		{ "a = 1 \x03\n", "t:1: expected the end of the line, found byte 0x03" },
		{ "a = [1, 2\n", "t:2: unterminated array" },
		{ "a = [1 2]\n", "t:1: expected ',' or ']' in an array" },
		{ "\n\na = \n", "t:3: missing value" },
		{ "a = # c\n", "t:1: missing value" },
		{ "a =", "t:1: missing value" },
		{ "a = nope\n", "t:1: invalid value 'nope'" },
		{ "a = [1,,2]\n", "t:1: expected a value, found ','" },
		{ "a = \x01\n", "t:1: expected a value, found byte 0x01" },
		{ "a = \"\\q\"\n", "t:1: invalid escape '\\q' in a string" },
		{ "a = \"\\\x01\"\n",
		  "t:1: invalid escape (a backslash, then byte 0x01) in a string" },
		{ "a = \"\"\"x\\\ny\"\"\"\n",
		  "t:1: line-ending backslashes are not supported here" },
		{ "a = \"\\u12\"\n", "t:1: invalid unicode escape in a string" },
		{ "a = \"\\u0000\"\n", "t:1: invalid unicode scalar U+0000 in a string" },
		{ "a = \"x\x01\"\n", "t:1: control character in a string" },
		{ "= 1\n", "t:1: expected a key, found '='" },
		{ "\x02 = 1\n", "t:1: expected a key, found byte 0x02" },
		{ "x \"/a\"\n", "t:1: expected '=' after the key 'x'" },
		{ "[a\n", "t:1: expected ']' to close a table header" },
		{ "a = 99999999999999999999\n", "t:1: integer out of range" },
		{ "a = 1\n[a.b]\n", "t:2: key 'a' is already a value, not a table" },
	};
	char nul[] = "a = 1\0\n";
	_cleanup_free_ char *got = toml_json(nul, sizeof(nul) - 1);
	_cleanup_free_ char *deep = malloc(200), *big = malloc(PEA_TOML_MAX_SIZE + 2);
	_cleanup_free_ char *got_deep = NULL, *got_big = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check(cases[i].doc, cases[i].want, cases[i].want);
	tap_is_str(got, "t: contains a NUL byte", "a NUL byte is refused");
	strcpy(deep, "a = ");
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	got_deep = toml_json(deep, strlen(deep));
	tap_is_str(got_deep, "t:1: values nested too deep", "nesting is bounded");
	memset(big, '#', PEA_TOML_MAX_SIZE + 1);
	got_big = toml_json(big, PEA_TOML_MAX_SIZE + 1);
	tap_ok(strstr(got_big, "larger than") != NULL, "size is bounded");
}

int main(void)
{
	tap_plan(36);
	test_good();
	test_bad();
	return tap_done();
}
