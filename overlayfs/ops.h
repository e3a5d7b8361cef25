#pragma once

/* The FUSE low-level operations of pea-overlayfs, one file per family. */

#define FUSE_USE_VERSION 312
#include <fcntl.h>
#include <fuse_lowlevel.h>

#include "overlayfs/fs.h"

extern const struct fuse_lowlevel_ops ovl_ops;

struct ovl_fs *ovl_req_fs(fuse_req_t req);
struct ovl_node *ovl_ino_node(struct ovl_fs *fs, fuse_ino_t ino);
fuse_ino_t ovl_node_ino(struct ovl_fs *fs, const struct ovl_node *n);

/* Lock for the scope: _cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs); */
struct ovl_fs *ovl_lock(struct ovl_fs *fs);
void ovl_unlockp(struct ovl_fs **fs);

/*
 * How long the kernel may keep these attributes. Hardlinked files are other
 * FUSE inodes under each name: their link counts must not go stale.
 */
double ovl_attr_timeout(const struct ovl_fs *fs, const struct stat *st);

/* A request about n: its attributes from the last readdirplus were of use. */
static inline void ovl_plus_touch(struct ovl_fs *fs, const struct ovl_node *parent)
{
	if (parent && parent == fs->plus_dir)
		fs->plus_used = true;
}

/*
 * The flags to open a layer's file with for a caller's flags. With the
 * writeback cache the kernel reads pages to fill partly written ones and
 * keeps the end of the file itself: no write-only fds, no O_APPEND.
 */
static inline int ovl_open_flags(const struct ovl_fs *fs, int flags)
{
	if (!fs->writeback)
		return flags;
	if ((flags & O_ACCMODE) == O_WRONLY)
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	return flags & ~O_APPEND;
}

/* Count a kernel reference to n and fill e with its attributes. */
int ovl_make_entry(struct ovl_fs *fs, struct ovl_node *n, struct fuse_entry_param *e);
/* The same with n's attributes at hand (as ovl_node_stat gives them). */
void ovl_make_entry_stat(struct ovl_fs *fs, struct ovl_node *n, const struct stat *st,
			 struct fuse_entry_param *e);
/* Reply a negative entry (cached for the timeout) for -ENOENT, else the error. */
void ovl_reply_lookup_error(struct ovl_fs *fs, fuse_req_t req, int r);

/* ops-entry.c */
void ovl_op_init(void *userdata, struct fuse_conn_info *conn);
void ovl_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void ovl_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void ovl_op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
void ovl_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ovl_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		    struct fuse_file_info *fi);
void ovl_op_readlink(fuse_req_t req, fuse_ino_t ino);
void ovl_op_statfs(fuse_req_t req, fuse_ino_t ino);

/* ops-readdir.c */
void ovl_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ovl_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi);
void ovl_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi);
void ovl_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ovl_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);

/* ops-create.c */
void ovl_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void ovl_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void ovl_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void ovl_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void ovl_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		   struct fuse_file_info *fi);

/* ops-remove.c */
void ovl_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void ovl_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void ovl_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		   const char *newname, unsigned int flags);

/* ops-file.c */
void ovl_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ovl_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void ovl_op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv, off_t off,
		      struct fuse_file_info *fi);
void ovl_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ovl_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ovl_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void ovl_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
		      struct fuse_file_info *fi);
void ovl_op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi);

/* ops-ioctl.c */
void ovl_op_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
		  struct fuse_file_info *fi, unsigned flags, const void *in_buf, size_t in_bufsz,
		  size_t out_bufsz);

/* ops-xattr.c */
void ovl_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		     size_t size, int flags);
void ovl_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void ovl_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void ovl_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);
