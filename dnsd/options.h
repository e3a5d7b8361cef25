#pragma once

/* pea-dnsd's command line: aardvark-dns's, plus a few options of pea's own. */

#include <stdbool.h>
#include <stdint.h>

#include "lib/log.h"

struct pea_error;

#define DNSD_DEFAULT_PORT	   5533
#define DNSD_DEFAULT_SEARCH_DOMAIN ".dns.podman"

enum dnsd_command {
	DNSD_CMD_RUN,
	DNSD_CMD_VERSION,
};

struct dnsd_options {
	enum dnsd_command command;
	const char *config_dir;
	uint16_t port;
	/* lowercase, without leading or final dot ("" for none) */
	char *search_domain;
	bool foreground;
	enum log_level log_level;
	enum log_format log_format;
	const char *log_file;
};

/*
 * Parse argv into opts. Returns 0 to go on, > 0 when --help or --version
 * was printed, < 0 with *err for a usage error.
 */
int dnsd_parse_args(int argc, char *argv[], struct dnsd_options *opts, struct pea_error **err);
void dnsd_options_clear(struct dnsd_options *opts);
