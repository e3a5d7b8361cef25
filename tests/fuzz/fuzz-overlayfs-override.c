/*
 * The override_stat xattr values ("UID:GID:MODE") pea-overlayfs reads from
 * layers, and the xattr names a layer with user.containers.override_stat lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overlayfs/override.h"
#include "tests/fuzz/fuzz.h"

/* A listed name the mount shows goes back to the same name on disk. */
static void names(const uint8_t *data, size_t size)
{
	char name[256], buf[256];
	const char *shown, *disk;

	if (size >= sizeof(name))
		size = sizeof(name) - 1;
	memcpy(name, data, size);
	name[size] = '\0';
	shown = ovl_override_name_from_disk(name);
	if (!shown)
		return;
	disk = shown;
	if (ovl_override_name_to_disk(&disk, buf, sizeof(buf)) < 0 || strcmp(disk, name) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char again[64];
	uid_t uid, u2;
	gid_t gid, g2;
	mode_t mode, m2;
	int n;

	names(data, size);
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
