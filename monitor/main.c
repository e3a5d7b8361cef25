#include <stdio.h>
#include <stdlib.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "monitor/monitor.h"
#include "monitor/options.h"

/* The interface version engines check ("conmon version X.Y.Z" on the first line). */
#define CONMON_INTERFACE_VERSION "2.1.6"

int main(int argc, char *argv[])
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct monitor_options opts;
	struct monitor_config cfg = { 0 };
	int status = EXIT_FAILURE, r;

	log_set_program("pea-monitor");
	r = monitor_parse_args(argc, argv, &opts, &err);
	if (r < 0) {
		log_error("%s (see --help)", err->message);
		monitor_options_free(&opts);
		return 2;
	}
	if (opts.help || opts.version) {
		if (opts.help)
			monitor_print_usage();
		else
			printf("conmon version " CONMON_INTERFACE_VERSION "\n"
			       "pea-monitor version " PEA_VERSION "\n"
			       "commit: pea-monitor-" PEA_VERSION "\n");
		monitor_options_free(&opts);
		return EXIT_SUCCESS;
	}
	r = monitor_config_from_options(&opts, &cfg, &err);
	if (r == 0) {
		log_set_level(cfg.log_level);
		r = monitor_run(&cfg, &status, &err);
	}
	if (r < 0) {
		log_error("%s", err->message);
		status = EXIT_FAILURE;
	}
	monitor_config_free(&cfg);
	monitor_options_free(&opts);
	return status & 0xff;
}
