/*
 * --userns, --uidmap and --gidmap values (pea run), and pea-storage's id maps
 * ("C:H:N,..."), over arbitrary bytes: the first line is --userns (empty: none),
 * the next ones --uidmap and --gidmap in turn; the whole input is also one
 * pea-storage map.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"
#include "frontend/userns.h"
#include "storage/idmap.h"
#include "tests/fuzz/fuzz.h"

static void one_storage_map(const char *s)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct idmap m;
	uint32_t h;

	if (idmap_parse(s, &m, &err) == 0) {
		if (m.n == 0 || m.n > IDMAP_MAX_RANGES)
			abort();
		if (idmap_to_host(&m, m.container[0], &h) && h != m.host[0])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_error_ struct pea_error *err = NULL;
	struct userns_opts u = { 0 };
	struct json_object *opts;
	char *line, *save = NULL;
	int flag = 0;

	if (size > 4096)
		return 0;
	text = xstrndup((const char *)data, size);
	one_storage_map(text);
	line = strchr(text, '\n');
	if (line)
		*line++ = '\0';
	if (*text)
		(void)userns_opts_add(&u, USERNS_FLAG_MODE, text, &err);
	for (line = line ? strtok_r(line, "\n", &save) : NULL; line && !err;
	     line = strtok_r(NULL, "\n", &save))
		(void)userns_opts_add(&u, flag++ % 2 ? USERNS_FLAG_GIDMAP : USERNS_FLAG_UIDMAP,
				      line, &err);
	if (!err && userns_opts_validate(&u, &err) == 0) {
		opts = json_object_new_object();
		userns_opts_to_json(&u, opts);
		json_object_put(opts);
	}
	userns_opts_clear(&u);
	return 0;
}
