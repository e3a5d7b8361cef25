/*
 * The issue-11 frontend commands' parsers of outside text: --change
 * instructions of commit and import (applied to an image config), and the
 * /proc/PID/stat and status texts top reads (a container's process names
 * itself: its comm may hold any byte but NUL, ")" and newlines included).
 * The input is split at the first NUL byte: stat before, status after.
 * The first part is also read as a container's /etc/passwd (cp, top).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "frontend/commands.h"
#include "frontend/frontend.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = NULL;
	const char *status;
	int pid = 0, ppid = 0;
	char state = 0;

	if (size > 16384)
		return 0;
	s = malloc(size + 2);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	s[size + 1] = '\0';
	status = s + strlen(s) + 1;
	{
		_cleanup_error_ struct pea_error *err = NULL;
		struct json_object *cfg = json_object_new_object();
		(void)commit_apply_change(cfg, s, &err);
		json_object_put(cfg);
	}
	(void)top_parse_proc(s, status, &pid, &ppid, &state);
	(void)passwd_field_of(s, "root", 2);
	(void)passwd_field_of(s, "", 3);
	free(passwd_name_of(s, 0));
	free(passwd_name_of(s, 65534));
	return 0;
}
