#pragma once

/* Container summaries shared by ps and inspect. */

#include <stdbool.h>

struct json_object;
struct ctr_record;

/* "running", or "paused" for a running one that is frozen (r->paused). */
const char *ps_state_name(const struct ctr_record *r);
/* "Up 5 seconds", "Paused", "Exited (0) 3 seconds ago", "Created". */
char *ps_status(const struct ctr_record *r);
/* One container as `ps --format json` prints it; for_template flattens Names, Command and
 * Ports (the port mappings, pea-netsetup's format, or NULL). */
struct json_object *ps_item(const struct ctr_record *r, struct json_object *ports, bool notrunc,
			    bool for_template);
