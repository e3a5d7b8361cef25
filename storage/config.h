#pragma once

/*
 * storage.conf (containers-storage.conf(5)): a strict parser for the TOML subset that
 * file uses (tables, bare and quoted keys, strings, booleans, integers, arrays of those),
 * keeping the keys pea-storage acts on. Unknown keys are ignored, as containers/storage
 * does; a syntax error or a known key of the wrong type is an error naming the line.
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
};

/* Parse buf; what names the file in errors ("storage.conf:12: ..."). Fills conf. */
int storage_conf_parse(const char *buf, size_t len, const char *what, struct storage_conf *conf,
		       struct pea_error **err);
int storage_conf_load(const char *path, struct storage_conf *conf, struct pea_error **err);
/* One --storage-opt: "overlay.mount_program=/usr/bin/fuse-overlayfs", "mountopt=nodev", ... */
int storage_conf_set_opt(struct storage_conf *conf, const char *kv, struct pea_error **err);
/* Is name a driver pea-storage has? */
bool storage_driver_is_known(const char *name);
void storage_conf_clear(struct storage_conf *conf);
