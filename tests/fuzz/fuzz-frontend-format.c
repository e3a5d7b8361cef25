/*
 * pea's parsers of text from users and files: --format templates (rendered
 * over a fixed object), image names, k8s-file log lines, containers.conf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "frontend/config.h"
#include "frontend/format.h"
#include "frontend/images.h"
#include "frontend/k8s-log.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = NULL;
	struct json_object *item;
	struct template *t = NULL;
	FILE *null;

	if (size > 16384)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	item = json_tokener_parse("{\"ID\":\"abc\",\"Names\":[\"web\"],\"State\":{\"Pid\":1},"
				  "\"L\":{\"a\":null}}");
	{
		_cleanup_error_ struct pea_error *err = NULL;
		if (template_parse(s, NULL, &t, &err) == 0) {
			_cleanup_error_ struct pea_error *e2 = NULL;
			_cleanup_free_ char *out = NULL;
			_cleanup_free_ _unused_ char *hdr =
				template_header(t); /* exercised, not read */
			(void)template_render(t, item, &out, &e2);
			template_free(t);
		}
	}
	{
		_cleanup_error_ struct pea_error *err = NULL;
		_cleanup_free_ char *full = NULL;
		if (image_normalize(s, &full, &err) == 0) {
			char *repo = NULL, *tag = NULL;
			image_split_name(full, &repo, &tag);
			free(repo);
			free(tag);
		}
		(void)image_name_has_domain(s);
	}
	{
		_cleanup_error_ struct pea_error *err = NULL;
		struct engine_config c = { 0 };
		(void)engine_config_parse(&c, s, "fuzz", &err);
		engine_config_clear(&c);
	}
	null = fopen("/dev/null", "w");
	if (null) {
		size_t off = k8s_log_tail_start(s, size, 2);
		(void)k8s_log_print(null, null, s, size, off, true);
		fclose(null);
	}
	json_object_put(item);
	return 0;
}
