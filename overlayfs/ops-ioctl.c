#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "lib/cleanup.h"
#include "lib/strv.h"
#include "overlayfs/ops.h"
#include "overlayfs/workers.h"

/*
 * fuse-overlayfs's FUSE_OVFS_IOC_REFRESH_DIR: read a directory from the
 * layers again, after they were changed behind the mount's back (a whiteout
 * made in the upper dir, a file added below).
 */
#define OVL_IOC_REFRESH_DIR _IO('f', 0x66)

/*
 * In a worker, not in the loop thread: an invalidation waits for the
 * directory's lock, which a lookup waiting for the loop thread may hold. The
 * reply comes once the kernel has forgotten the names it knew in the
 * directory, and its listing.
 */
static void refresh_job(struct ovl_job *job)
{
	struct ovl_fs *fs = ovl_req_fs(job->req);
	_cleanup_strv_ char **names = NULL;
	int r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		r = ovl_dir_refresh(fs, ovl_ino_node(fs, job->ino), &names);
		/* Its mode may have changed too (ovl_upper_dir_setgid). */
		fs->mode_gen++;
	}
	if (r == 0 && fs->se) {
		for (char **n = names; n && *n; n++)
			(void)fuse_lowlevel_notify_inval_entry(fs->se, job->ino, *n, strlen(*n));
		(void)fuse_lowlevel_notify_inval_inode(fs->se, job->ino, 0, 0);
	}
	fuse_reply_ioctl(job->req, r < 0 ? -r : 0, NULL, 0);
}

void ovl_op_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
		  struct fuse_file_info *fi, unsigned flags, const void *in_buf, size_t in_bufsz,
		  size_t out_bufsz)
{
	if (cmd != OVL_IOC_REFRESH_DIR) {
		fuse_reply_err(req, ENOTTY);
		return;
	}
	if (!(flags & FUSE_IOCTL_DIR)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	ovl_workers_submit(ovl_req_fs(req)->workers,
			   &(struct ovl_job){ .run = refresh_job, .req = req, .ino = ino });
}
