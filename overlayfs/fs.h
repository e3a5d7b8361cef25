#pragma once

/*
 * The overlay: layers, the node tree, and the helpers the FUSE operations
 * share. Layer 0 is the upper dir when there is one, then the lower dirs top
 * first. Every node is one name in the merged tree; its FUSE node id is its
 * address. Nodes stay in memory while their parent's table holds them, so
 * inode numbers are stable for the life of the mount. All tree state is
 * guarded by fs->lock; data I/O on open fds runs without it.
 *
 * Functions return >= 0 on success and -errno on failure: they run inside
 * FUSE requests, whose reply is an errno.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "overlayfs/options.h"

struct pea_error;
struct ovl_workers;

/* On-disk names shared with kernel overlayfs and fuse-overlayfs. */
#define OVL_WHITEOUT_PREFIX ".wh."
#define OVL_OPAQUE_WHITEOUT ".wh..wh..opq"
#define OVL_XATTR_TRUSTED   "trusted.overlay."
#define OVL_XATTR_USER	    "user.overlay."
#define OVL_XATTR_FUSE	    "user.fuseoverlayfs."
#define OVL_OPAQUE_TRUSTED  "trusted.overlay.opaque"
#define OVL_OPAQUE_USER	    "user.overlay.opaque"
#define OVL_OPAQUE_FUSE	    "user.fuseoverlayfs.opaque"
#define OVL_WORK_SUBDIR	    "work"
/* Where a copied-up entry came from: a path below the layer roots (fuse-overlayfs's). */
#define OVL_ORIGIN_FUSE "user.fuseoverlayfs.origin"
/* The kernel's: a file handle of the lower entry. */
#define OVL_ORIGIN_TRUSTED "trusted.overlay.origin"
#define OVL_ORIGIN_USER	   "user.overlay.origin"

struct ovl_layer {
	char *path;
	int fd;
	dev_t dev;
	unsigned devidx;      /* distinct st_dev number, mixed into inode numbers */
	const char *override; /* override_stat xattr name (override.h), or NULL */
	bool sec_hidden;      /* keeps security.* as user.containers.override_security.* */
	bool no_backing;      /* its files cannot be passthrough's backing files (stacked fs) */
	/*
	 * Its listings' d_ino are not the files' st_ino (FUSE file systems
	 * without use_ino, overlayfs): entries are stat'ed for their numbers.
	 */
	bool stat_ino;
};

struct ovl_table {
	struct ovl_node **buckets;
	size_t nbuckets;
	size_t count;
	uint64_t seq; /* of the last insertion: readdir's offsets */
};

struct ovl_node {
	struct ovl_node *parent; /* NULL for the root and detached nodes */
	char *name;
	struct ovl_node *hnext;	   /* chain in the parent's table */
	struct ovl_table children; /* directories, once loaded */
	uint64_t nlookup;	   /* kernel references */
	ino_t ino;		   /* st_ino shown; kept across copy-up */
	mode_t type;		   /* S_IFMT bits */
	unsigned layer;		   /* topmost layer holding it */
	unsigned last_layer;	   /* directories: lowest layer merged */
	bool whiteout;		   /* hides the name; never shown */
	bool loaded;		   /* children read from every layer */
	bool covers_lower;	   /* a lower layer has this name too: removal needs a whiteout */
	bool merge_done;	   /* while loading the parent: lower layers cut off */
	bool detached;		   /* removed from the tree, still referenced */
	int dfd;		   /* detached: directory fd of dpath, -1 if gone */
	char *dpath;		   /* detached: path under dfd */
	bool dunlink;		   /* detached: unlink dfd/dpath when forgotten */
	bool copying;		   /* its data is being copied up, without fs->lock */
	bool origin_done;	   /* upper entry: its origin xattr was looked at */
	uint64_t dseq;		   /* order of insertion in the parent's table */
	uint64_t no_xattrs_gen;	   /* == fs->xattr_gen: known to have no xattrs */
	/* Open files, for the kernel's I/O modes (passthrough.h). */
	int pt_id;	       /* registered backing file, 0: none */
	unsigned pt_key;       /* the layer it is of */
	uint32_t pt_opens;     /* passthrough opens */
	uint32_t cached_opens; /* opens through the kernel's page cache */
	bool pt_stale;	       /* written around the page cache since the last cached open */
};

struct ovl_fs {
	struct ovl_layer *layers;
	unsigned nlayers;
	bool has_upper;
	int workfd; /* workdir/work, on the upper's file system */
	struct ovl_node *root;
	pthread_mutex_t lock;
	pthread_cond_t copy_done; /* a node's copying went false */
	struct ovl_options *opts;
	void *se;		     /* the struct fuse_session, for notifications */
	struct ovl_workers *workers; /* blocking requests; NULL: run in the loop thread */
	uint32_t overflow_uid;
	uint32_t overflow_gid;
	bool can_mknod;	 /* whiteouts as char 0/0 (else .wh. files) */
	bool privileged; /* trusted.* xattrs usable */
	bool no_opendir; /* the kernel lists directories without opening them */
	bool writeback;	 /* the kernel caches writes (FUSE_CAP_WRITEBACK_CACHE) */
	int fuse_fd;	 /* /dev/fuse, for passthrough's ioctls */
	bool pt_offered; /* the kernel offers passthrough (its INIT request) */
	/*
	 * FUSE_HANDLE_KILLPRIV_V2: we drop set-ID bits where the kernel says
	 * (ovl_kill_suidgid), and the kernel neither asks for a file's
	 * attributes before each chown nor, once a file was seen to need no
	 * kill, for its security.capability at each write.
	 */
	bool killpriv_offered;
	bool killpriv;
	bool passthrough; /* asked for, and files can be registered so far */
	bool no_reflink;  /* the upper file system cannot clone files (FICLONE); atomic */
	bool no_prealloc; /* no fallocate before a copy-up's data (tmpfs: it zeroes pages) */
	/*
	 * The kernel checks and caches POSIX ACLs (FUSE_CAP_POSIX_ACL) and sends
	 * modes unmasked with the caller's umask (FUSE_CAP_DONT_MASK): new
	 * entries are made under that umask, so that the upper file system
	 * applies a default ACL of the parent instead where there is one.
	 */
	bool posix_acl;
	/*
	 * A layer is on a file system whose close() can report an error of
	 * its own (NFS, FUSE, SMB, ...): the kernel's FLUSH at each close
	 * asks it. Otherwise flushes are turned off, two round trips fewer per
	 * file written by a shell redirection.
	 */
	bool flush_needed;
	/*
	 * The host runs no SELinux (no selinuxfs at /sys/fs/selinux): a file
	 * without a security.selinux label answers ENOTSUP, not ENODATA, for
	 * it. ls -l (libselinux's lgetfilecon) then stops asking the whole
	 * mount, one round trip fewer per file listed; a label that is there
	 * is still read, and setting one still works.
	 */
	bool no_selinux;
	uid_t euid; /* ours: a new entry of our own ids needs no chown */
	gid_t egid;
	/*
	 * Whether readdirplus fills in attributes: yes while the entries of the
	 * last directory listed that way get asked about (ls -l), no while they
	 * do not (find): the kernel then need not make an inode for each.
	 */
	const struct ovl_node *plus_dir; /* compared, never followed */
	bool plus_used;
	bool plus_lite;
	uint64_t work_counter;
	uint64_t xattr_gen; /* bumped by every xattr change (hardlinks share xattrs) */
	uint64_t mode_gen;  /* bumped by every chmod and chown (setattr) of a directory */
	unsigned ndevs;
	dev_t devs[8];
};

/* layers.c */
int ovl_fs_open(struct ovl_fs *fs, struct ovl_options *opts, struct pea_error **err);
void ovl_fs_close(struct ovl_fs *fs);
/* Close the layers' and the work dir's fds (ovl_fs_close does it too). */
void ovl_fs_close_layers(struct ovl_fs *fs);
ino_t ovl_fs_make_ino(const struct ovl_fs *fs, unsigned layer, ino_t ino);
/* A fresh name in the work dir ("#pea-N"), into buf. */
void ovl_fs_work_name(struct ovl_fs *fs, char *buf, size_t size);

/* node.c */
struct ovl_node *ovl_node_new(const char *name, mode_t type, unsigned layer, ino_t ino);
void ovl_node_free(struct ovl_node *n);
/* Free n and everything below it, referenced or not (at unmount). */
void ovl_node_free_tree(struct ovl_node *n);
struct ovl_node *ovl_table_find(const struct ovl_table *t, const char *name);
void ovl_table_insert(struct ovl_table *t, struct ovl_node *n);
void ovl_table_remove(struct ovl_table *t, struct ovl_node *n);
/* Path of n relative to a layer root ("." for the root), or -ENAMETOOLONG. */
int ovl_node_path(const struct ovl_node *n, char *buf, size_t size);
/* Path of parent/name. */
int ovl_child_path(const struct ovl_node *parent, const char *name, char *buf, size_t size);
/* Directory fd and path where n's data lives now (detached nodes included). */
int ovl_node_where(struct ovl_fs *fs, const struct ovl_node *n, char *buf, size_t size,
		   int *ret_dirfd);
/* Take n out of its parent's table; free it unless the kernel still knows it. */
void ovl_node_drop(struct ovl_fs *fs, struct ovl_node *n);
/* Put child in parent's table in place of any node of that name. */
void ovl_node_attach(struct ovl_fs *fs, struct ovl_node *parent, struct ovl_node *child);
void ovl_node_forget(struct ovl_fs *fs, struct ovl_node *n, uint64_t nlookup);
/* stat of n as the mount shows it: mapped ids, stable ino, nlink. */
int ovl_node_stat(struct ovl_fs *fs, struct ovl_node *n, struct stat *st);
/* The same from st, the stat of dirfd/path where n lives, changed in place. */
int ovl_node_fill_stat(struct ovl_fs *fs, struct ovl_node *n, int dirfd, const char *path,
		       struct stat *st);
bool ovl_node_is_dir(const struct ovl_node *n);

/* dir.c */
int ovl_dir_load(struct ovl_fs *fs, struct ovl_node *dir);
/* The visible child called name, loading dir first; -ENOENT if none. */
int ovl_dir_lookup(struct ovl_fs *fs, struct ovl_node *dir, const char *name,
		   struct ovl_node **ret);
/*
 * Read dir from the layers again (changed behind the mount's back); the names
 * it held before and holds now, whose entries the kernel may have cached, into
 * *ret_names.
 */
int ovl_dir_refresh(struct ovl_fs *fs, struct ovl_node *dir, char ***ret_names);
/* Does dir show no entry? (-ENOTEMPTY if it does.) */
int ovl_dir_check_empty(struct ovl_fs *fs, struct ovl_node *dir);
/*
 * The upper copy of dir (copied up by the caller), open until another
 * directory's is asked for or dir is dropped: not to be closed.
 */
int ovl_upper_dir_fd(struct ovl_fs *fs, struct ovl_node *dir, int *ret_fd);
/* Has the directory fd no default ACL (remembered for the one above)? */
bool ovl_upper_dir_no_default_acl(struct ovl_fs *fs, int fd);
/*
 * Is the directory fd set-group-ID: 1, 0, or a negative errno (remembered for
 * the one above: its mode changes only by a setattr of a directory or an ACL
 * through this mount, which bump fs->mode_gen or fs->xattr_gen).
 */
int ovl_upper_dir_setgid(struct ovl_fs *fs, int fd);
/*
 * ovl_node_where, from the fd above when n is in that directory (a walk of
 * one name): the fd is for use under fs->lock only, not past it.
 */
int ovl_node_where_near(struct ovl_fs *fs, const struct ovl_node *n, char *buf, size_t size,
			int *ret_dirfd);
/* Let go of the fd above if it is n's (NULL: whichever it is). */
void ovl_upper_dir_forget(const struct ovl_node *n);
/* Remove everything in the upper copy of dir (whiteouts left behind). */
int ovl_dir_clear_upper(struct ovl_fs *fs, struct ovl_node *dir);

/* whiteout.c */
bool ovl_is_whiteout_stat(const struct stat *st);
/* Make parent/name a whiteout in the upper layer (char 0/0, else a .wh. file). */
int ovl_whiteout_create(struct ovl_fs *fs, int dirfd, const char *name);
/* Remove a whiteout for name in the upper dir dirfd, if any. */
int ovl_whiteout_remove(struct ovl_fs *fs, int dirfd, const char *name);
int ovl_set_opaque(struct ovl_fs *fs, int dirfd);
/*
 * What the xattrs of a layer's directory mark it as: opaque (overlay.opaque
 * "y"), or holding xattr whiteouts (overlay.opaque "x", or Linux 6.7's
 * overlay.whiteouts), in the trusted., user. or fuse-overlayfs's namespace.
 */
#define OVL_DIR_OPAQUE	   1u
#define OVL_DIR_XWHITEOUTS 2u
unsigned ovl_dir_marks_fd(int fd);
/*
 * Is dirfd/name, of stat st, the kernel's other whiteout: an empty regular
 * file with an overlay.whiteout xattr (in a directory marked as holding them)?
 */
bool ovl_is_xwhiteout(int dirfd, const char *name, const struct stat *st);
/* Open the upper copy of dir (copied up by the caller). */
int ovl_open_upper_dir(struct ovl_fs *fs, struct ovl_node *dir, int *ret_fd);

/* copyup.c */
/*
 * Make sure n (and its parents) exist in the upper layer. Called with fs->lock
 * held; waits (releasing it) while another thread copies n up, so callers
 * look up what else they need after it.
 */
int ovl_copy_up(struct ovl_fs *fs, struct ovl_node *n);
/*
 * The same, copying the data of a file with fs->lock released meanwhile;
 * without data (an open with O_TRUNC), an empty file with n's metadata.
 */
int ovl_copy_up_unlocked(struct ovl_fs *fs, struct ovl_node *n, bool data);
bool ovl_copy_up_wait(struct ovl_fs *fs, struct ovl_node *n);
/*
 * Copy the xattrs of src to dst except overlay's own; fds or paths via /proc.
 * Each side's security.* encoded where its layer hides them (sec_hidden).
 */
int ovl_copy_xattrs(const char *src, const char *dst, bool src_hidden, bool dst_hidden);

/* xattr.c */
/* Names of overlay's own xattrs, hidden from the mount. */
bool ovl_xattr_is_private(const char *name);
/*
 * Escaped overlay xattrs (the kernel's, Linux 6.7 on): "P.overlay.overlay.X"
 * on disk is "P.overlay.X" in the mount, for P the namespace of ours (trusted
 * as root, user otherwise), so that an overlay mounted over this one reads
 * them as its own. ovl_xattr_is_escaped() takes either namespace (copy-up
 * keeps them); the others convert a name of the mount to the disk's and
 * back, false when the name is not of that form (or too long for buf).
 */
bool ovl_xattr_is_escaped(const char *name);
const char *ovl_xattr_own_prefix(const struct ovl_fs *fs);
bool ovl_xattr_to_disk(const struct ovl_fs *fs, const char *name, char *buf, size_t size);
bool ovl_xattr_from_disk(const struct ovl_fs *fs, const char *name, char *buf, size_t size);
/*
 * The origin recorded on dirfd/name (an upper entry) at its copy-up: 1 with
 * fuse-overlayfs's path in buf, 2 for the kernel's (a file handle: the entry
 * below of the same path), 0 for none.
 */
int ovl_origin_of(int dirfd, const char *name, char *buf, size_t size);
/* "/proc/self/fd/N/path" for the *xattr(2) calls, which lack an *at form. */
void ovl_proc_path(int dirfd, const char *path, char *buf, size_t size);
/*
 * l*xattr(2) of dirfd/path ("" or ".": dirfd itself), by Linux 6.13's *xattrat(2)
 * where the kernel has them, else through ovl_proc_path().
 */
void ovl_xattrat_probe(void);
ssize_t ovl_getxattr_at(int dirfd, const char *path, const char *name, void *buf, size_t size);
ssize_t ovl_listxattr_at(int dirfd, const char *path, char *list, size_t size);
int ovl_setxattr_at(int dirfd, const char *path, const char *name, const void *value, size_t size,
		    int flags);
int ovl_removexattr_at(int dirfd, const char *path, const char *name);

/* Helpers of the operations (ops-*.c). */
/* Do set-ID bits stay ours to drop (FUSE_HANDLE_KILLPRIV_V2)? */
bool ovl_want_killpriv(const struct ovl_fs *fs);
/* Who asks for a kill: the request's pid and fsgid; the file's stat before a chown. */
struct ovl_killer {
	pid_t pid;
	gid_t fsgid;
	const struct stat *before; /* NULL: as it is now */
};
/*
 * Drop n's set-user-ID bit, and its set-group-ID bit where group execution
 * is on or k is neither in the file's group nor has CAP_FSETID over it, as
 * the kernel does at a write or truncation by a caller without CAP_FSETID
 * (fs->lock held; n in the upper layer): 1 if they were there.
 */
int ovl_kill_suidgid(struct ovl_fs *fs, struct ovl_node *n, const struct ovl_killer *k);
uid_t ovl_uid_to_mount(const struct ovl_fs *fs, uid_t id);
gid_t ovl_gid_to_mount(const struct ovl_fs *fs, gid_t id);
uid_t ovl_uid_to_disk(const struct ovl_fs *fs, uid_t id);
gid_t ovl_gid_to_disk(const struct ovl_fs *fs, gid_t id);
