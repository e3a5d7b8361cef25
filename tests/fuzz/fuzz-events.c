/*
 * A line of podman's event log (frontend/events.h): the parser, then the
 * human form `pea events` prints of what it accepted. The input is also
 * tried as a --since value, and as a journal entry of the journald backend
 * (journalctl -o json's object: events_from_journal).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"
#include "frontend/events.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = xstrndup((const char *)data, size);
	_cleanup_json_ struct json_object *e = NULL;
	_cleanup_error_ struct pea_error *err = NULL;
	double t;

	if (events_parse_line(s, strlen(s), &e, &t, &err) == 0) {
		free(events_human(e, false));
		free(events_human(e, true));
	}
	err = pea_error_free(err);
	if (logs_parse_input_time("since", s, true, &t, &err) < 0)
		err = pea_error_free(err);
	{
		_cleanup_json_ struct json_object *entry = json_tokener_parse(s), *j = NULL;

		if (entry && json_object_is_type(entry, json_type_object) &&
		    events_from_journal(entry, &j, &t, &err) == 0)
			free(events_human(j, true));
		err = pea_error_free(err);
	}
	return 0;
}
