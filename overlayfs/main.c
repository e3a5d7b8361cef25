#include <stdlib.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "overlayfs/mount.h"
#include "overlayfs/options.h"

int main(int argc, char *argv[])
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct ovl_options opts;
	int r, status = EXIT_SUCCESS;

	log_set_program("pea-overlayfs");
	ovl_options_init(&opts);
	r = ovl_options_parse_args(&opts, argc, argv, &err);
	if (r == 0)
		r = ovl_options_validate(&opts, &err);
	if (r < 0) {
		log_error("%s", err->message);
		status = 2;
	} else if (r == 0) {
		if (opts.log_level >= 0)
			log_set_level((enum log_level)opts.log_level);
		if (opts.debug)
			log_set_level(LOG_LEVEL_DEBUG);
		if (opts.log_format >= 0)
			log_set_format((enum log_format)opts.log_format);
		if (overlayfs_run(&opts, &err) < 0) {
			log_error("%s", err->message);
			status = EXIT_FAILURE;
		}
	}
	ovl_options_free(&opts);
	return status;
}
