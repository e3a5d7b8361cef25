/* pea-overlayfs's -o parser (and the id mappings inside it) on any bytes. */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"
#include "overlayfs/options.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *s = NULL;
	_cleanup_free_ char *fuse = NULL;
	struct ovl_options o;

	if (size > OVL_OPTS_MAX + 1)
		return 0;
	s = xstrndup((const char *)data, size);
	ovl_options_init(&o);
	if (ovl_options_parse_opts(&o, s, &err) == 0) {
		/* What parsed must hold together. */
		if (ovl_options_validate(&o, &err) < 0)
			err = pea_error_free(err);
		for (size_t i = 0; i < o.uidmap.n; i++)
			if (o.uidmap.ranges[i].len == 0)
				abort();
		(void)ovl_idmap_to_mount(&o.uidmap, 1000, 65534);
		(void)ovl_idmap_to_disk(&o.gidmap, 1000, 65534);
		o.mountpoint = xstrdup("/m");
		fuse = ovl_options_fuse_string(&o);
		if (!fuse || strncmp(fuse, "fsname=", 7) != 0)
			abort();
	} else if (!err || !err->message || err->code <= 0) {
		abort();
	}
	ovl_options_free(&o);
	return 0;
}
