#pragma once

struct ovl_options;
struct pea_error;

/*
 * Open the layers, mount, go to the background unless foreground, and serve
 * until unmounted. Everything that can be checked is checked before the
 * mount, so a failure leaves nothing mounted.
 */
int overlayfs_run(struct ovl_options *opts, struct pea_error **err);
