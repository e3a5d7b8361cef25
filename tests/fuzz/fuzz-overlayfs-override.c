/* The override_stat xattr values ("UID:GID:MODE") pea-overlayfs reads from layers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overlayfs/override.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char again[64];
	uid_t uid, u2;
	gid_t gid, g2;
	mode_t mode, m2;
	int n;

	if (ovl_override_parse((const char *)data, size, &uid, &gid, &mode) < 0)
		return 0;
	/* What parsed is in range, and written back parses to the same. */
	if (mode & ~07777u || uid == (uid_t)-1 || gid == (gid_t)-1)
		abort();
	n = snprintf(again, sizeof(again), "%u:%u:0%o", (unsigned)uid, (unsigned)gid,
		     (unsigned)mode);
	if (ovl_override_parse(again, (size_t)n, &u2, &g2, &m2) < 0 || u2 != uid || g2 != gid ||
	    m2 != mode)
		abort();
	return 0;
}
