#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "overlayfs/ops.h"

const struct fuse_lowlevel_ops ovl_ops = {
	.init = ovl_op_init,
	.lookup = ovl_op_lookup,
	.forget = ovl_op_forget,
	.forget_multi = ovl_op_forget_multi,
	.getattr = ovl_op_getattr,
	.setattr = ovl_op_setattr,
	.readlink = ovl_op_readlink,
	.statfs = ovl_op_statfs,
	.opendir = ovl_op_opendir,
	.readdir = ovl_op_readdir,
	.readdirplus = ovl_op_readdirplus,
	.releasedir = ovl_op_releasedir,
	.fsyncdir = ovl_op_fsyncdir,
	.mknod = ovl_op_mknod,
	.mkdir = ovl_op_mkdir,
	.symlink = ovl_op_symlink,
	.link = ovl_op_link,
	.create = ovl_op_create,
	.unlink = ovl_op_unlink,
	.rmdir = ovl_op_rmdir,
	.rename = ovl_op_rename,
	.open = ovl_op_open,
	.read = ovl_op_read,
	.write_buf = ovl_op_write_buf,
	.flush = ovl_op_flush,
	.release = ovl_op_release,
	.fsync = ovl_op_fsync,
	.fallocate = ovl_op_fallocate,
	.lseek = ovl_op_lseek,
	.setxattr = ovl_op_setxattr,
	.getxattr = ovl_op_getxattr,
	.listxattr = ovl_op_listxattr,
	.removexattr = ovl_op_removexattr,
	.ioctl = ovl_op_ioctl,
};

struct ovl_fs *ovl_req_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

struct ovl_node *ovl_ino_node(struct ovl_fs *fs, fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return fs->root;
	return (struct ovl_node *)(uintptr_t)ino;
}

fuse_ino_t ovl_node_ino(struct ovl_fs *fs, const struct ovl_node *n)
{
	if (n == fs->root)
		return FUSE_ROOT_ID;
	return (fuse_ino_t)(uintptr_t)n;
}

struct ovl_fs *ovl_lock(struct ovl_fs *fs)
{
	pthread_mutex_lock(&fs->lock);
	return fs;
}

void ovl_unlockp(struct ovl_fs **fs)
{
	if (*fs)
		pthread_mutex_unlock(&(*fs)->lock);
}

double ovl_attr_timeout(const struct ovl_fs *fs, const struct stat *st)
{
	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1)
		return 0.0;
	return fs->opts->timeout;
}

int ovl_make_entry(struct ovl_fs *fs, struct ovl_node *n, struct fuse_entry_param *e)
{
	struct stat st;
	int r;

	r = ovl_node_stat(fs, n, &st);
	if (r < 0)
		return r;
	ovl_make_entry_stat(fs, n, &st, e);
	return 0;
}

void ovl_make_entry_stat(struct ovl_fs *fs, struct ovl_node *n, const struct stat *st,
			 struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->attr = *st;
	e->ino = ovl_node_ino(fs, n);
	e->generation = 1;
	e->attr_timeout = ovl_attr_timeout(fs, &e->attr);
	e->entry_timeout = fs->opts->timeout;
	n->nlookup++;
}

void ovl_reply_lookup_error(struct ovl_fs *fs, fuse_req_t req, int r)
{
	struct fuse_entry_param e = { 0 };

	if (r != -ENOENT) {
		fuse_reply_err(req, -r);
		return;
	}
	e.entry_timeout = fs->opts->timeout;
	fuse_reply_entry(req, &e);
}
