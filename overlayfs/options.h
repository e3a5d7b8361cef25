#pragma once

/*
 * The command line of fuse-overlayfs:
 *   pea-overlayfs [-f] [-d|--debug] [-s] [-o OPTS]... MOUNTPOINT
 * ovl_options_parse_opts() handles one -o string (comma-separated, '\' escapes
 * a comma); it is the fuzz target. ovl_options_validate() then checks what
 * needs the whole set (lowerdir given, workdir with upperdir, ...).
 */

#include <stdbool.h>
#include <stdint.h>

#include "overlayfs/idmap.h"

struct pea_error;

#define OVL_MAX_LAYERS 500
#define OVL_OPTS_MAX   (1u << 20) /* longest -o string accepted */

struct ovl_options {
	char **lowerdirs; /* top first */
	char *upperdir;
	char *workdir;
	char *mountpoint;
	struct ovl_idmap uidmap;
	struct ovl_idmap gidmap;
	bool squash_to_root;
	int64_t squash_uid; /* -1: none */
	int64_t squash_gid;
	bool static_nlink;
	bool noxattrs;
	int xattr_permissions; /* 1, 2: the upper keeps owners and modes in an xattr */
	bool fsync;	       /* honour fsync(2); off with fsync=0 or volatile */
	bool fsync_copy_up;    /* fsync copied-up data too: only with fsync=1 given */
	bool threaded;	       /* worker threads (default); off with threaded=0 or -s */
	double timeout;
	bool foreground;
	bool debug;
	int log_level;	/* enum log_level, -1: default */
	int log_format; /* enum log_format, -1: default */
	bool ro;
	bool writeback;	      /* writeback=1: the kernel caches writes */
	bool passthrough;     /* passthrough=0: no FUSE passthrough even where it can be had */
	bool noacl;	      /* noacl: no POSIX ACLs checked and cached by the kernel */
	unsigned max_threads; /* workers; 0: two per CPU */
	unsigned spin_us;     /* spin=: how long the loop polls for the next request */
	bool clone_fd;
	char **fuse_opts; /* mount options handed to libfuse (allow_other, ...) */
};

void ovl_options_init(struct ovl_options *o);
void ovl_options_free(struct ovl_options *o);

/* One -o argument. */
int ovl_options_parse_opts(struct ovl_options *o, const char *s, struct pea_error **err);

/*
 * argv as a whole. Returns 1 when --help or --version was printed (nothing
 * more to do), 0 to go on.
 */
int ovl_options_parse_args(struct ovl_options *o, int argc, char **argv, struct pea_error **err);

/* Checks that need every option. */
int ovl_options_validate(const struct ovl_options *o, struct pea_error **err);

/* The mount option string for libfuse ("fsname=...,default_permissions,..."). */
char *ovl_options_fuse_string(const struct ovl_options *o);
