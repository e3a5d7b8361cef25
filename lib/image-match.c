#include <stdbool.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/image-match.h"

static bool has_name(struct json_object *rec, const char *full, bool suffix)
{
	struct json_object *names = NULL;
	size_t flen = strlen(full);

	if (!json_object_object_get_ex(rec, "names", &names) ||
	    !json_object_is_type(names, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(names, i));
		size_t nlen;

		if (!n)
			continue;
		if (strcmp(n, full) == 0)
			return true;
		nlen = strlen(n);
		/* a short name matches REGISTRY/.../NAME:TAG */
		if (suffix && nlen > flen && strcmp(n + nlen - flen, full) == 0 &&
		    n[nlen - flen - 1] == '/')
			return true;
	}
	return false;
}

static const char *rec_id(struct json_object *rec)
{
	struct json_object *v = NULL;
	const char *id;

	if (!json_object_object_get_ex(rec, "id", &v))
		return "";
	id = json_object_get_string(v);
	return id ? id : "";
}

struct json_object *pea_image_match(struct json_object *all, const char *name, const char *full,
				    bool shortname)
{
	struct json_object *hit = NULL;
	const char *want = name;
	size_t nprefix = 0, n, wlen;

	if (!json_object_is_type(all, json_type_array))
		return NULL;
	n = json_object_array_length(all);
	if (strncmp(want, "sha256:", 7) == 0)
		want += 7;
	wlen = strlen(want);
	/* an id or an id prefix */
	for (size_t i = 0; i < n; i++) {
		struct json_object *rec = json_object_array_get_idx(all, i);
		const char *id = rec_id(rec);

		if (strcmp(id, want) == 0)
			return rec;
		if (wlen >= 3 && strncmp(id, want, wlen) == 0 &&
		    strspn(want, "0123456789abcdef") == wlen) {
			hit = rec;
			nprefix++;
		}
	}
	for (size_t i = 0; full && i < n; i++) {
		struct json_object *rec = json_object_array_get_idx(all, i);

		if (has_name(rec, full, false))
			return rec;
	}
	for (size_t i = 0; full && shortname && i < n; i++) {
		struct json_object *rec = json_object_array_get_idx(all, i);

		if (has_name(rec, full, true))
			return rec;
	}
	return nprefix == 1 ? hit : NULL;
}
