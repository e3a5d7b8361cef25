/*
 * pea system service's reading of a request head (the first line of an HTTP
 * request from any client of the API socket: method, target, the route).
 */
#include <stdlib.h>
#include <string.h>

#include "frontend/service.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct service_request req;
	char *s;

	if (size > 16384)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (service_parse_head(s, &req) == 0) {
		/* a route is the target's path: it starts with '/' or is empty */
		if (!req.method || !*req.method || !req.target || req.target[0] != '/' ||
		    !req.route || (req.route[0] && req.route[0] != '/'))
			abort();
		service_request_clear(&req);
	}
	free(s);
	return 0;
}
