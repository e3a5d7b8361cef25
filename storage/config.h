#pragma once

/*
 * storage.conf (containers-storage.conf(5)), read with lib/toml.h, keeping the keys
 * pea-storage acts on. Unknown keys are ignored, as containers/storage does; a syntax
 * error names the file and line ("FILE:LINE: why"), a known key of the wrong type or
 * value names the file and the key ("FILE: 'storage.graphroot' is not a string").
 */

#include <stdbool.h>
#include <stddef.h>

struct pea_error;

#define STORAGE_CONF_MAX (1u << 20)

struct storage_conf {
	char *driver; /* "overlay", "vfs", or NULL: the default */
	char *graphroot;
	char *runroot;
	char *mount_program; /* overlay through a FUSE program */
	char *mountopt;	     /* extra overlay mount options, comma-separated */
	bool ignore_chown_errors;
	bool transient_store;
	char *pea_sync; /* storage.options.pea_sync: "deferred" (NULL: the default) or "layer" */
};

/* Is v a value of pea_sync ("deferred", "layer")? */
bool storage_sync_is_known(const char *v);

/* Parse buf; what names the file in errors. Fills the fields the file sets. */
int storage_conf_parse(const char *buf, size_t len, const char *what, struct storage_conf *conf,
		       struct pea_error **err);
int storage_conf_load(const char *path, struct storage_conf *conf, struct pea_error **err);
/* One --storage-opt: "overlay.mount_program=/usr/bin/fuse-overlayfs", "mountopt=nodev", ... */
int storage_conf_set_opt(struct storage_conf *conf, const char *kv, struct pea_error **err);
/* Is name a driver pea-storage has? */
bool storage_driver_is_known(const char *name);
void storage_conf_clear(struct storage_conf *conf);
