#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "tests/unit/tap.h"

/* The error message of parsing s, or "ok". */
static char *parse_msg(const char *s)
{
	static char buf[512];
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_json_ struct json_object *o = NULL;

	if (pea_json_parse(s, strlen(s), "config.json", &o, &err) == 0)
		return strcpy(buf, "ok");
	snprintf(buf, sizeof(buf), "%s", err->message);
	return buf;
}

static void test_parse(void)
{
	tap_is_str(parse_msg("{\"a\": [1, 2.5, true, null, \"x\"]}\n"), "ok",
		   "valid document parses");
	tap_is_str(parse_msg("42"), "ok", "a top-level number parses");
	tap_is_str(parse_msg(" true "), "ok", "a top-level literal parses");
	tap_is_str(parse_msg("{\"ociVersion\": x}"),
		   "config.json: invalid JSON at offset 15: unexpected character",
		   "error names the source, the offset and the reason");
	tap_is_str(parse_msg("{\"a\": [1, 2"),
		   "config.json: invalid JSON at offset 11: unexpected end of input",
		   "truncated input is unexpected end of input");
	tap_is_str(parse_msg(""), "config.json: invalid JSON at offset 0: unexpected end of input",
		   "empty input");
	tap_is_str(parse_msg("{} {}"),
		   "config.json: invalid JSON at offset 3: unexpected data after the JSON value",
		   "trailing garbage is rejected");
	tap_is_str(parse_msg("{'a': 1}"),
		   "config.json: invalid JSON at offset 1: expected a string key",
		   "single quotes are rejected");
	tap_is_str(parse_msg("[1,]"), "config.json: invalid JSON at offset 3: unexpected character",
		   "trailing comma is rejected");
	tap_is_str(parse_msg("\"a\tb\""),
		   "config.json: invalid JSON at offset 2: control character in string",
		   "raw control character in a string is rejected");
	tap_is_str(parse_msg("\"\xff\""), "config.json: invalid JSON at offset 1: invalid UTF-8",
		   "invalid UTF-8 is rejected");
	tap_is_str(parse_msg("\"\xed\xa0\x80\""),
		   "config.json: invalid JSON at offset 2: invalid UTF-8",
		   "UTF-8 encoded surrogate is rejected");
	tap_is_str(parse_msg("\"h\xc3\xa9llo\""), "ok", "valid UTF-8 is accepted");
	tap_is_str(parse_msg("012"),
		   "config.json: invalid JSON at offset 1: invalid number (leading zero)",
		   "leading zero is rejected");
	tap_is_str(parse_msg("[1e]"), "config.json: invalid JSON at offset 3: invalid number",
		   "bad exponent is rejected");
	tap_is_str(parse_msg("\"\\x\""),
		   "config.json: invalid JSON at offset 2: invalid escape in string",
		   "bad escape is rejected");

	{
		char deep[201] = "";

		memset(deep, '[', 100);
		memset(deep + 100, ']', 100);
		tap_ok(strstr(parse_msg(deep), "nesting too deep") != NULL,
		       "deep nesting is refused");
	}
	{
		_cleanup_error_ struct pea_error *err = NULL;
		struct json_object *o = (struct json_object *)&err;

		tap_ok(pea_json_parse(" null\n", 6, "t", &o, &err) == 0 && o == NULL,
		       "a null document parses to NULL");
	}
	{
		_cleanup_error_ struct pea_error *err = NULL;
		_cleanup_json_ struct json_object *o = NULL;
		const char doc[] = "{\"a\":\"b\0c\"}";

		tap_ok(pea_json_parse(doc, sizeof(doc) - 1, NULL, &o, &err) < 0 &&
			       strstr(err->message, "control character"),
		       "an embedded NUL byte is rejected");
	}
}

static void test_parse_fd(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_json_ struct json_object *o = NULL;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	(void)!write(p[1], "{\"aaaaaaaaaaaa\": 1}", 19);
	close(p[1]);
	tap_is_int(pea_json_parse_fd(p[0], 10, "req", &o, &err), -EFBIG, "over the cap is EFBIG");
	tap_is_str(err ? err->message : NULL, "req: larger than 10 bytes",
		   "cap error names the source");
	close(p[0]);
	pea_error_release(&err);
	tap_is_int(pea_json_parse_file_at(AT_FDCWD, "/nonexistent.json", 0, &o, &err), -ENOENT,
		   "missing file");
	tap_is_str(err ? err->message : NULL, "open '/nonexistent.json': No such file or directory",
		   "missing file message");
}

static void test_getters(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *process = NULL, *mem = NULL;
	const char *s = NULL;
	int64_t i64 = 0;
	uint64_t u64 = 0;
	uint32_t u32 = 0;
	int i = 0;
	bool b = false;
	char **v = NULL;
	const char *doc = "{\"process\": {\"cwd\": 5, \"user\": \"u\", \"args\": [\"sh\", 1], "
			  "\"env\": [\"A=1\"], \"terminal\": true, \"n\": null, \"f\": 1.5},"
			  " \"linux\": {\"resources\": {\"memory\": {\"limit\": -1, \"big\": "
			  "18446744073709551615, \"i\": 3000000000}}}}";

	if (pea_json_parse(doc, strlen(doc), "t", &root, &err) < 0)
		abort();
	tap_is_int(pea_json_get_object_opt(root, "", "process", &process, &err), 1,
		   "object present");
	tap_is_int(pea_json_get_string_req(process, "process", "cwd", &s, &err), -EINVAL,
		   "wrong type fails");
	tap_is_str(err->message, "'process.cwd' is not a string", "type error names the full path");
	tap_is_int(pea_json_get_string_req(process, "process", "user", &s, &err), 0, "req string");
	tap_is_str(s, "u", "req string value");
	tap_is_int(pea_json_get_string_req(process, "process", "missing", &s, &err), -EINVAL,
		   "missing req");
	tap_is_str(err->message, "'process.missing' is missing", "missing message");
	s = "untouched";
	tap_is_int(pea_json_get_string_opt(process, "process", "n", &s, &err), 0,
		   "null opt is absent");
	tap_is_str(s, "untouched", "opt leaves ret untouched");
	tap_is_int(pea_json_get_bool_opt(process, "process", "terminal", &b, &err), 1, "bool opt");
	tap_ok(b, "bool value");
	tap_is_int(pea_json_get_bool_req(process, "process", "user", &b, &err), -EINVAL,
		   "bool type");
	tap_is_str(err->message, "'process.user' is not a boolean", "bool message");
	tap_is_int(pea_json_get_int_opt(process, "process", "f", &i, &err), -EINVAL,
		   "fraction refused");
	tap_is_str(err->message, "'process.f' is not an integer", "integer message");
	tap_is_int(pea_json_get_strv_opt(process, "process", "args", &v, &err), -EINVAL,
		   "strv type");
	tap_is_str(err->message, "'process.args[1]' is not a string", "strv element message");
	tap_is_int(pea_json_get_strv_opt(process, "process", "env", &v, &err), 1, "strv");
	tap_ok(v && pea_strv_length(v) == 1 && strcmp(v[0], "A=1") == 0, "strv values");
	v = pea_strv_free(v);
	tap_is_int(pea_json_get_array_opt(process, "process", "user", &mem, &err), -EINVAL,
		   "array type");
	tap_is_str(err->message, "'process.user' is not an array", "array message");

	tap_ok(pea_json_get_object_opt(root, "", "linux", &mem, &err) == 1 &&
		       pea_json_get_object_opt(mem, "linux", "resources", &mem, &err) == 1 &&
		       pea_json_get_object_opt(mem, "linux.resources", "memory", &mem, &err) == 1,
	       "nested objects");
	tap_is_int(pea_json_get_uint64_opt(mem, "linux.resources.memory", "limit", &u64, &err),
		   -EINVAL, "negative uint64");
	tap_is_str(err->message, "'linux.resources.memory.limit' is out of range", "range message");
	tap_is_int(pea_json_get_int64_opt(mem, "linux.resources.memory", "limit", &i64, &err), 1,
		   "int64");
	tap_is_int(i64, -1, "int64 value");
	tap_is_int(pea_json_get_uint64_opt(mem, "linux.resources.memory", "big", &u64, &err), 1,
		   "u64 max");
	tap_ok(u64 == UINT64_MAX, "u64 max value");
	tap_is_int(pea_json_get_int64_opt(mem, "linux.resources.memory", "big", &i64, &err),
		   -EINVAL, "above int64 is out of range");
	tap_is_int(pea_json_get_uint32_opt(mem, "linux.resources.memory", "i", &u32, &err), 1,
		   "u32");
	tap_ok(u32 == 3000000000u, "u32 value");
	tap_is_int(pea_json_get_int_opt(mem, "linux.resources.memory", "i", &i, &err), -EINVAL,
		   "int range");
	tap_is_int(pea_json_get_string_opt(root, "", "x", &s, &err), 0, "missing opt at root");
	{
		_cleanup_json_ struct json_object *arr = json_object_new_array();

		tap_is_int(pea_json_get_string_opt(arr, "", "x", &s, &err), -EINVAL,
			   "root not object");
		tap_is_str(err->message, "the document is not a JSON object", "root message");
		tap_is_int(pea_json_expect_object(arr, "mounts[2]", &err), -EINVAL,
			   "expect_object");
		tap_is_str(err->message, "'mounts[2]' is not an object", "expect_object message");
	}
}

static void test_paths_and_writing(void)
{
	_cleanup_free_ char *a = pea_json_path_key("", "c"), *b = pea_json_path_key("a.b", "c"),
			    *c = pea_json_path_index("mounts", 3);
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_error_ struct pea_error *err = NULL;
	char buf[256] = "";
	FILE *f;
	int p[2];

	tap_is_str(a, "c", "path at root");
	tap_is_str(b, "a.b.c", "path key");
	tap_is_str(c, "mounts[3]", "path index");

	json_object_object_add(o, "path", json_object_new_string("/a/b"));
	json_object_object_add(o, "n", json_object_new_int(1));
	tap_is_str(pea_json_to_string(o), "{\"path\":\"/a/b\",\"n\":1}",
		   "compact, slashes unescaped");
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	tap_is_int(pea_json_write_fd(p[1], o, true, &err), 0, "write_fd");
	close(p[1]);
	(void)!read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	tap_is_str(buf, "{\"path\":\"/a/b\",\"n\":1}\n", "write_fd newline-terminated");

	f = fmemopen(buf, sizeof(buf), "w");
	pea_reply_result(f, NULL);
	fclose(f);
	tap_is_str(buf, "{\"result\":{}}\n", "reply result NULL");
	f = fmemopen(buf, sizeof(buf), "w");
	pea_reply_result(f, json_object_get(o));
	fclose(f);
	tap_is_str(buf, "{\"result\":{\"path\":\"/a/b\",\"n\":1}}\n", "reply result");
	pea_error_new(&err, ENOENT, "image 'x' not found");
	f = fmemopen(buf, sizeof(buf), "w");
	pea_reply_error(f, err);
	fclose(f);
	tap_is_str(buf,
		   "{\"error\":{\"code\":2,\"errno\":\"ENOENT\",\"message\":\"image 'x' not "
		   "found\"}}\n",
		   "reply error");
}

int main(void)
{
	tap_plan(69);
	test_parse();
	test_parse_fd();
	test_getters();
	test_paths_and_writing();
	return tap_done();
}
