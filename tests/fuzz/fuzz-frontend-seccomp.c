/*
 * pea run --security-opt seccomp=FILE: the conversion of a podman/Docker
 * seccomp profile (or an OCI linux.seccomp) to the OCI form, a file the user
 * names (seccomp_profile_convert).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "frontend/security-run.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	char *const caps[] = { "CAP_CHOWN", "CAP_SYS_ADMIN", NULL };
	struct json_object *out = NULL;
	int r;

	if (size > (1u << 20))
		return 0;
	r = seccomp_profile_convert((const char *)data, size, caps, &out, &err);
	if ((r < 0) != (err != NULL) || (r == 0) != (out != NULL))
		abort();
	if (out && !json_object_object_get_ex(out, "defaultAction", NULL))
		abort();
	json_object_put(out);
	return 0;
}
