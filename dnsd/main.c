/* pea-dnsd: DNS for the containers of netavark networks, an aardvark-dns drop-in. */
#include <stdlib.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "dnsd/dnsd.h"
#include "dnsd/options.h"

int main(int argc, char *argv[])
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct dnsd_options opts = { 0 };
	int r;

	log_set_program("pea-dnsd");
	r = dnsd_parse_args(argc, argv, &opts, &err);
	if (r > 0) {
		dnsd_options_clear(&opts);
		return EXIT_SUCCESS;
	}
	if (r < 0) {
		log_error("%s", err->message);
		dnsd_options_clear(&opts);
		return 2;
	}
	r = dnsd_run(&opts, &err);
	dnsd_options_clear(&opts);
	if (r < 0) {
		log_error("%s", err->message);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
