/* pea-overlayfs's mapping of POSIX ACL xattr values on any bytes: both ways, in place. */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/xalloc.h"
#include "overlayfs/acl.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovl_idmap_range ur = { .disk = 0, .mount = 100000, .len = 65536 };
	struct ovl_idmap_range gr[2] = { { 0, 1000, 1 }, { 1, 200000, 1000 } };
	struct ovl_idmap um = { &ur, 1 }, gm = { gr, 2 };
	_cleanup_free_ unsigned char *buf = NULL;
	int r;

	if (size > 1 << 16)
		return 0;
	buf = xmalloc(size + 1);
	memcpy(buf, data, size);
	r = ovl_acl_map(buf, size, &um, &gm, true, 65534, 65534);
	/* A value refused is left as it was; one taken keeps its size and header. */
	if (r < 0 && memcmp(buf, data, size) != 0)
		abort();
	if (r == 0 && (size < 4 || memcmp(buf, data, 4) != 0))
		abort();
	(void)ovl_acl_map(buf, size, &um, &gm, false, 65534, 65534);
	return 0;
}
