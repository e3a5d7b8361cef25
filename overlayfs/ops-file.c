#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "overlayfs/ops.h"
#include "overlayfs/passthrough.h"
#include "overlayfs/workers.h"

/*
 * fh is the fd, with OVL_FH_LOWER when the file is a lower layer's: closing it
 * may block (a FUSE or network file system below), the upper layer's not.
 */
#define FH_LOWER OVL_FH_LOWER

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

static int do_open(struct ovl_fs *fs, struct ovl_node *n, int flags, int *ret_fd)
{
	char path[PATH_MAX];
	int dirfd, fd, r;

	if (wants_write(flags)) {
		if (!fs->has_upper)
			return -EROFS;
		/* O_TRUNC: the data would be cut at once, as the kernel's copy-up knows. */
		r = ovl_copy_up_unlocked(fs, n, !(flags & O_TRUNC));
		if (r < 0 && !(r == -ENOENT && n->detached))
			return r;
	}
	r = ovl_node_where(fs, n, path, sizeof(path), &dirfd);
	if (r < 0)
		return r;
	fd = openat(dirfd, path,
		    ovl_open_flags(fs, flags & ~(O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC |
			    O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

static void open_job(struct ovl_job *job)
{
	struct ovl_fs *fs = ovl_req_fs(job->req);
	struct ovl_node *n = ovl_ino_node(fs, job->ino);
	struct ovl_pt_open pt = { 0 };
	bool lower = true;
	int fd = -1, r, killed = 0;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		r = do_open(fs, n, job->fi.flags, &fd);
		/* killpriv v2: an O_TRUNC open by a caller without CAP_FSETID. */
		if (r == 0 && job->flag) {
			const struct fuse_ctx *ctx = fuse_req_ctx(job->req);
			struct ovl_killer k = { .pid = ctx->pid, .fsgid = ctx->gid };

			killed = ovl_kill_suidgid(fs, n, &k);
			r = killed < 0 ? killed : 0;
			if (r < 0)
				close(fd);
		}
		lower = n->detached || n->layer != 0;
		if (r == 0 && n->type == S_IFREG) {
			r = ovl_pt_open(fs, n, fd, &pt);
			if (r < 0)
				close(fd);
		}
	}
	if (r < 0) {
		fuse_reply_err(job->req, -r);
		return;
	}
	job->fi.fh = (uint64_t)fd | (lower ? FH_LOWER : 0) | pt.fh_flags;
	/* Data changes only through this mount, so the page cache stays valid. */
	job->fi.keep_cache = !pt.drop_cache;
	job->fi.noflush = !fs->flush_needed;
	ovl_pt_reply_with(pt.backing_id);
	r = fuse_reply_open(job->req, &job->fi);
	ovl_pt_reply_with(0);
	/* The kernel's attributes of the file still show the bits (writeback=1 keeps them). */
	if (killed > 0 && fs->se)
		(void)fuse_lowlevel_notify_inval_inode(fs->se, job->ino, -1, 0);
	if (r != 0) {
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		ovl_pt_close(fs, n, job->fi.fh);
		close(fd);
	}
}

/* Will opening n with these flags copy its data up? */
static bool needs_copy_up(struct ovl_fs *fs, fuse_ino_t ino, int flags)
{
	_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);
	const struct ovl_node *n = ovl_ino_node(fs, ino);

	return wants_write(flags) && fs->has_upper && n->layer != 0 && n->type == S_IFREG;
}

void ovl_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct ovl_job job = { .run = open_job,
			       .req = req,
			       .ino = ino,
			       .fi = *fi,
			       .flag = ovl_pt_open_kills_suidgid() && (fi->flags & O_TRUNC) };

	/* A copy-up reads a whole lower file: not in the loop thread. */
	if (fs->workers && needs_copy_up(fs, ino, fi->flags))
		ovl_workers_submit(fs->workers, &job);
	else
		open_job(&job);
}

static void read_job(struct ovl_job *job)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(job->size);

	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = (int)job->fi.fh;
	buf.buf[0].pos = job->off;
	fuse_reply_data(job->req, &buf, 0);
}

/*
 * Are the first and last pages of the range in the page cache of fd's file
 * system? Then the read is a copy, quicker done here than handed to a worker
 * (two thread switches). Not for file systems that cannot tell (FUSE: the
 * threads test's stopped lower layer).
 */
static bool is_cached(int fd, off_t off, size_t size)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };

	if (preadv2(fd, &iov, 1, off, RWF_NOWAIT) < 0)
		return false;
	return size <= 1 || preadv2(fd, &iov, 1, off + (off_t)size - 1, RWF_NOWAIT) >= 0;
}

void ovl_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct ovl_job job = { .run = read_job, .req = req, .fi = *fi, .size = size, .off = off };
	struct ovl_fs *fs = ovl_req_fs(req);

	if (!fs->workers || is_cached((int)fi->fh, off, size))
		read_job(&job);
	else
		ovl_workers_submit(fs->workers, &job);
}

void ovl_op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv, off_t off,
		      struct fuse_file_info *fi)
{
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(bufv));
	ssize_t n;

	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = (int)fi->fh;
	out.buf[0].pos = off;
	n = fuse_buf_copy(&out, bufv, 0);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

static void flush_job(struct ovl_job *job)
{
	/* close() of a duplicate: what a close on the real file would report. */
	int fd = dup((int)job->fi.fh);

	if (fd < 0 || close(fd) < 0)
		fuse_reply_err(job->req, errno);
	else
		fuse_reply_err(job->req, 0);
}

void ovl_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ovl_job job = { .run = flush_job, .req = req, .fi = *fi };

	/* Nothing to ask the layers (see fs.h): the kernel stops sending them. */
	if (!ovl_req_fs(req)->flush_needed)
		fuse_reply_err(req, ENOSYS);
	else if (fi->fh & FH_LOWER)
		ovl_workers_submit(ovl_req_fs(req)->workers, &job);
	else
		flush_job(&job);
}

void ovl_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ovl_fs *fs = ovl_req_fs(req);

	if (fi->fh & (OVL_FH_PASSTHROUGH | OVL_FH_CACHED)) {
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		ovl_pt_close(fs, ovl_ino_node(fs, ino), fi->fh);
	}
	close((int)fi->fh);
	fuse_reply_err(req, 0);
}

static void fsync_job(struct ovl_job *job)
{
	int fd = (int)job->fi.fh;

	if ((job->flag ? fdatasync(fd) : fsync(fd)) < 0)
		fuse_reply_err(job->req, errno);
	else
		fuse_reply_err(job->req, 0);
}

void ovl_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	struct ovl_job job = { .run = fsync_job, .req = req, .fi = *fi, .flag = datasync };

	if (!fs->opts->fsync)
		fuse_reply_err(req, 0);
	else
		ovl_workers_submit(fs->workers, &job);
}

void ovl_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
		      struct fuse_file_info *fi)
{
	if (fallocate((int)fi->fh, mode, offset, length) < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_err(req, 0);
}

void ovl_op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi)
{
	off_t r = lseek((int)fi->fh, off, whence);

	if (r < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, r);
}
