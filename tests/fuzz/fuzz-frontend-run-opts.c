/*
 * pea run/create's option values from the command line: -v, --mount, --tmpfs
 * (volumes-run.h), the security and resource options (security-run.h; not
 * seccomp=FILE, which reads a file: see fuzz-frontend-seccomp), --restart
 * (restart.h) and --detach-keys (tty.h). The first byte picks the parser
 * (and the option), the rest is the value.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "frontend/restart.h"
#include "frontend/security-run.h"
#include "frontend/tty.h"
#include "frontend/volumes-run.h"
#include "tests/fuzz/fuzz.h"

static int parse(uint8_t which, const char *arg, struct pea_error **err)
{
	_cleanup_json_ struct json_object *vols = NULL, *tmpfs = NULL;
	_cleanup_json_ struct json_object *obj = json_object_new_object();
	_cleanup_free_ char *keys = NULL;
	size_t nkeys = 0;
	int c;

	switch (which % 6) {
	case 0:
		return mounts_parse_volume(&vols, &tmpfs, arg, err);
	case 1:
		return mounts_parse_mount(&vols, &tmpfs, arg, err);
	case 2:
		return mounts_parse_tmpfs(&vols, &tmpfs, arg, err);
	case 3:
		c = SECRES_CAP_ADD + (which / 6) % (SECRES_INIT_PATH - SECRES_CAP_ADD + 1);
		if (c == SECRES_SECURITY_OPT && strncmp(arg, "seccomp", 7) == 0)
			return 0;
		return secres_parse(obj, c, arg, err);
	case 4:
		return restart_parse(arg, obj, err);
	default:
		return tty_parse_detach_keys(arg, &keys, &nkeys, err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *arg = NULL;
	int r;

	if (size < 1 || size > 4096)
		return 0;
	arg = malloc(size);
	if (!arg)
		return 0;
	memcpy(arg, data + 1, size - 1);
	arg[size - 1] = '\0';
	r = parse(data[0], arg, &err);
	if ((r < 0) != (err != NULL))
		abort();
	return 0;
}
