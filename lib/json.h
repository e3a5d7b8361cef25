#pragma once

/*
 * json-c at the edges: strict parsing with a size cap, and typed getters
 * whose errors name the JSON path ("'process.cwd' is not a string").
 * Convert to C structs right after parsing; the rest of the code never sees
 * a json_object.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;
struct pea_error;

#define PEA_JSON_MAX_DEFAULT (16u << 20) /* 16 MiB */

/*
 * Parse buf strictly (JSON_TOKENER_STRICT | VALIDATE_UTF8). what names the
 * source in errors ("config.json"). The error gives the byte offset, and an
 * incomplete document is "unexpected end of input":
 * "config.json: invalid JSON at offset 12: unexpected character" (EINVAL).
 * Trailing data after the value, single quotes, raw control characters in
 * strings, invalid UTF-8 and nesting deeper than 64 are refused. A document
 * that is just `null` parses to *ret = NULL.
 */
int pea_json_parse(const char *buf, size_t len, const char *what, struct json_object **ret,
		   struct pea_error **err);
/* Read at most max bytes (0: PEA_JSON_MAX_DEFAULT) from fd/path (more is EFBIG) and parse. */
int pea_json_parse_fd(int fd, size_t max, const char *what, struct json_object **ret,
		      struct pea_error **err);
int pea_json_parse_file_at(int dirfd, const char *path, size_t max, struct json_object **ret,
			   struct pea_error **err);

/*
 * Typed getters. path is the dotted path of obj, used in messages ("" for
 * the root, "mounts[3]" for an element); key is looked up in obj.
 * _req variants fail if the key is missing or null; _opt variants leave *ret
 * untouched and return 0 when missing or null, 1 when present.
 * Strings are returned borrowed (valid while obj lives).
 */
int pea_json_get_string_req(struct json_object *obj, const char *path, const char *key,
			    const char **ret, struct pea_error **err);
int pea_json_get_string_opt(struct json_object *obj, const char *path, const char *key,
			    const char **ret, struct pea_error **err);
int pea_json_get_bool_req(struct json_object *obj, const char *path, const char *key, bool *ret,
			  struct pea_error **err);
int pea_json_get_bool_opt(struct json_object *obj, const char *path, const char *key, bool *ret,
			  struct pea_error **err);
/* Integers must be JSON integers in range (no fractions, no strings). */
int pea_json_get_int64_req(struct json_object *obj, const char *path, const char *key, int64_t *ret,
			   struct pea_error **err);
int pea_json_get_int64_opt(struct json_object *obj, const char *path, const char *key, int64_t *ret,
			   struct pea_error **err);
int pea_json_get_uint64_opt(struct json_object *obj, const char *path, const char *key,
			    uint64_t *ret, struct pea_error **err);
int pea_json_get_uint32_opt(struct json_object *obj, const char *path, const char *key,
			    uint32_t *ret, struct pea_error **err);
int pea_json_get_int_opt(struct json_object *obj, const char *path, const char *key, int *ret,
			 struct pea_error **err);
/* Objects and arrays are returned borrowed. */
int pea_json_get_object_opt(struct json_object *obj, const char *path, const char *key,
			    struct json_object **ret, struct pea_error **err);
int pea_json_get_array_opt(struct json_object *obj, const char *path, const char *key,
			   struct json_object **ret, struct pea_error **err);
/* An array of strings as a new NULL-terminated vector (free with pea_strv_free). */
int pea_json_get_strv_opt(struct json_object *obj, const char *path, const char *key, char ***ret,
			  struct pea_error **err);

/* Check that obj is of the JSON type named; errors name path. */
int pea_json_expect_object(struct json_object *obj, const char *path, struct pea_error **err);

/* "a.b" + "c" -> "a.b.c"; "" + "c" -> "c"; "a" + index 3 -> "a[3]". New strings. */
char *pea_json_path_key(const char *path, const char *key);
char *pea_json_path_index(const char *path, size_t index);

/* Serialise compactly (no spaces, '/' not escaped), newline-terminated when nl. */
int pea_json_write_fd(int fd, struct json_object *obj, bool nl, struct pea_error **err);
int pea_json_write_file(FILE *f, struct json_object *obj, bool pretty, struct pea_error **err);
/* Compact string owned by obj. */
const char *pea_json_to_string(struct json_object *obj);

/*
 * The reply of pea's own machine-facing tools on stdout:
 * {"result": result} or {"error": {"code": N, "errno": "ENOENT", "message": "..."}}.
 * pea_reply_result takes ownership of result (NULL means {}).
 */
int pea_reply_result(FILE *out, struct json_object *result);
int pea_reply_error(FILE *out, const struct pea_error *err);
