#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "overlayfs/mount.h"
#include "overlayfs/ops.h"
#include "overlayfs/passthrough.h"
#include "overlayfs/workers.h"

/*
 * Workers for the requests that may block (see workers.h): two per CPU, at
 * least four, so that a file whose reads block holds a few with its readahead
 * requests and the rest keep the data moving.
 */
static unsigned default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN) * 2;

	if (n < 4)
		return 4;
	return n > 16 ? 16 : (unsigned)n;
}

static int serve(struct ovl_fs *fs, struct fuse_session *se, const struct ovl_options *opts)
{
	int r;

	if (opts->threaded)
		fs->workers = ovl_workers_new(opts->max_threads > 0 ? opts->max_threads
								    : default_threads());
	r = fuse_session_loop(se);
	/*
	 * Unmounted: let go of the layers at once, before the threads end, so
	 * that the file systems below can be unmounted right after this one.
	 */
	if (ovl_workers_idle(fs->workers))
		ovl_fs_close_layers(fs);
	ovl_workers_free(fs->workers);
	fs->workers = NULL;
	return r;
}

static int mount_and_serve(struct ovl_fs *fs, struct ovl_options *opts, struct pea_error **err)
{
	_cleanup_free_ char *fuse_opts = ovl_options_fuse_string(opts);
	char *argv[] = { "pea-overlayfs", "-o", fuse_opts, opts->debug ? "-d" : NULL, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(opts->debug ? 4 : 3, argv);
	struct fuse_session *se;
	int r = 0;

	log_debug("mount options '%s'", fuse_opts);
	se = fuse_session_new(&args, &ovl_ops, sizeof(ovl_ops), fs);
	fuse_opt_free_args(&args);
	if (!se)
		return pea_error_new(err, EINVAL, "cannot create the FUSE session (options '%s')",
				     fuse_opts);
	fs->se = se;
	if (fuse_set_signal_handlers(se) != 0) {
		r = pea_error_new(err, EIO, "cannot set the signal handlers");
		goto out_destroy;
	}
	if (fuse_session_mount(se, opts->mountpoint) != 0) {
		r = pea_error_new(err, EIO, "cannot mount on '%s'", opts->mountpoint);
		goto out_signals;
	}
	if (ovl_pt_setup(fs, se) != 0) {
		r = pea_error_new(err, EIO, "cannot hook the FUSE session's I/O");
		goto out_unmount;
	}
	if (fuse_daemonize(opts->foreground) != 0) {
		r = pea_error_new(err, EIO, "cannot go to the background");
		goto out_unmount;
	}
	if (serve(fs, se, opts) < 0)
		r = pea_error_new(err, EIO, "the FUSE loop failed");
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);
	return r;
}

int overlayfs_run(struct ovl_options *opts, struct pea_error **err)
{
	struct ovl_fs fs;
	int r;

	/* Modes come from the callers, already masked by the kernel. */
	umask(0);
	r = ovl_fs_open(&fs, opts, err);
	if (r == 0)
		r = mount_and_serve(&fs, opts, err);
	ovl_fs_close(&fs);
	return r;
}
