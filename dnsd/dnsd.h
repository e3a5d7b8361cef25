#pragma once

struct dnsd_options;
struct pea_error;

/* Run the command of opts: serve (forking into the background) or print the version. */
int dnsd_run(const struct dnsd_options *opts, struct pea_error **err);
