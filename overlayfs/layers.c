#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "overlayfs/fs.h"
#include "overlayfs/override.h"

static int open_dir(const char *what, const char *path, int *ret_fd, struct stat *ret_st,
		    struct pea_error **err)
{
	_cleanup_close_ int fd = -1;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "open %s '%s'", what, path);
	if (fstat(fd, ret_st) < 0)
		return pea_error_errno(err, "stat %s '%s'", what, path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static unsigned dev_index(struct ovl_fs *fs, dev_t dev)
{
	for (unsigned i = 0; i < fs->ndevs; i++)
		if (fs->devs[i] == dev)
			return i;
	if (fs->ndevs < ARRAY_SIZE(fs->devs))
		fs->devs[fs->ndevs++] = dev;
	/* More file systems than bits to tell them apart: share the last. */
	return fs->ndevs - 1;
}

/* Do listings of this file system give other numbers than stat(2) (fs.h's stat_ino)? */
static bool has_own_d_ino(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return true;
	return (unsigned long)sfs.f_type == 0x65735546 /* FUSE */ ||
	       (unsigned long)sfs.f_type == 0x794c7630 /* overlayfs */;
}

/* Does close(2) on this file system do more than drop a reference? */
static bool is_remote(int fd)
{
	static const unsigned long magics[] = {
		0x6969,	    /* NFS */
		0x65735546, /* FUSE */
		0xff534d42, /* CIFS */
		0xfe534d42, /* SMB2 */
		0x00c36400, /* Ceph */
		0x01021997, /* 9P */
		0x5346414f, /* AFS */
		0x47504653, /* GPFS */
		0x0bd00bd0, /* Lustre */
	};
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++)
		if ((unsigned long)sfs.f_type == magics[i])
			return true;
	return false;
}

static int add_layer(struct ovl_fs *fs, const char *what, const char *path, struct pea_error **err)
{
	struct ovl_layer *l = &fs->layers[fs->nlayers];
	struct stat st;
	int r;

	r = open_dir(what, path, &l->fd, &st, err);
	if (r < 0)
		return r;
	l->path = xstrdup(path);
	l->dev = st.st_dev;
	if (!fs->opts->noxattrs)
		l->override = ovl_override_probe(l->fd);
	if (!l->override && fs->nlayers == 0 && fs->opts->upperdir)
		l->override = fs->opts->xattr_permissions == 1	 ? OVL_OVERRIDE_PRIVILEGED
			      : fs->opts->xattr_permissions == 2 ? OVL_OVERRIDE_CONTAINERS
								 : NULL;
	l->sec_hidden = ovl_override_hides_security(l->override);
	l->devidx = dev_index(fs, st.st_dev);
	if (is_remote(l->fd))
		fs->flush_needed = true;
	l->stat_ino = has_own_d_ino(l->fd);
	fs->nlayers++;
	return 0;
}

static uint32_t read_overflow(const char *path)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_error_ struct pea_error *err = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, path, 64, &buf, &len, &err) < 0)
		return 65534;
	return (uint32_t)strtoul(buf, NULL, 10);
}

/* Empty workdir/work of what a previous mount left, as the kernel does. */
static int open_work(struct ovl_fs *fs, const char *workdir, dev_t upper_dev,
		     struct pea_error **err)
{
	_cleanup_close_ int wfd = -1;
	_cleanup_closedir_ DIR *d = NULL;
	struct stat st;
	struct dirent *de;
	int r, fd;

	r = open_dir("workdir", workdir, &wfd, &st, err);
	if (r < 0)
		return r;
	if (st.st_dev != upper_dev)
		return pea_error_new(err, EXDEV,
				     "workdir '%s' is not on the file system of upperdir", workdir);
	if (mkdirat(wfd, OVL_WORK_SUBDIR, 0700) < 0 && errno != EEXIST)
		return pea_error_errno(err, "create '%s/%s'", workdir, OVL_WORK_SUBDIR);
	fs->workfd = openat(wfd, OVL_WORK_SUBDIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fs->workfd < 0)
		return pea_error_errno(err, "open '%s/%s'", workdir, OVL_WORK_SUBDIR);
	/* The kernel leaves work/ at mode 0: make it ours again. */
	(void)fchmod(fs->workfd, 0700);
	fd = dup(fs->workfd);
	if (fd < 0)
		return pea_error_errno(err, "dup");
	d = fdopendir(fd);
	if (!d) {
		pea_close(fd);
		return pea_error_errno(err, "read '%s/%s'", workdir, OVL_WORK_SUBDIR);
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (pea_rm_rf_at(fs->workfd, de->d_name, err) < 0)
			return pea_error_wrap(err, "clean workdir '%s'", workdir);
	}
	return 0;
}

/* Can we make char 0/0 whiteouts and trusted.* xattrs in the upper layer? */
static void probe_upper(struct ovl_fs *fs)
{
	struct statfs sfs;
	char name[64];

	/* tmpfs allocates and zeroes the pages at fallocate: a copy-up then writes twice. */
	fs->no_prealloc = fstatfs(fs->workfd, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC;

	ovl_fs_work_name(fs, name, sizeof(name));
	fs->can_mknod = mknodat(fs->workfd, name, S_IFCHR | 0600, 0) == 0;
	if (fs->can_mknod)
		unlinkat(fs->workfd, name, 0);
	fs->privileged = fsetxattr(fs->workfd, "trusted.overlay.pea-probe", "y", 1, 0) == 0;
	if (fs->privileged)
		(void)fremovexattr(fs->workfd, "trusted.overlay.pea-probe");
}

int ovl_fs_open(struct ovl_fs *fs, struct ovl_options *opts, struct pea_error **err)
{
	size_t nlower = pea_strv_length(opts->lowerdirs);
	struct stat st;
	struct statfs sfs;
	int r;

	*fs = (struct ovl_fs){
		.workfd = -1, .opts = opts, .xattr_gen = 1, .mode_gen = 1, .euid = geteuid()
	};
	fs->egid = getegid();
	fs->fuse_fd = -1;
	ovl_xattrat_probe();
	pthread_mutex_init(&fs->lock, NULL);
	pthread_cond_init(&fs->copy_done, NULL);
	fs->layers = xnew(struct ovl_layer, nlower + 1);
	for (size_t i = 0; i < nlower + 1; i++)
		fs->layers[i].fd = -1;
	if (opts->upperdir) {
		r = add_layer(fs, "upperdir", opts->upperdir, err);
		if (r < 0)
			return r;
		fs->has_upper = true;
		r = open_work(fs, opts->workdir, fs->layers[0].dev, err);
		if (r < 0)
			return r;
		probe_upper(fs);
	}
	for (size_t i = 0; i < nlower; i++) {
		r = add_layer(fs, "lowerdir", opts->lowerdirs[i], err);
		if (r < 0)
			return r;
	}
	/* Read-only: the trusted. namespace is ours where we could write it. */
	if (!fs->has_upper)
		fs->privileged = geteuid() == 0 && pea_in_initial_userns();
	if (stat(opts->mountpoint, &st) < 0)
		return pea_error_errno(err, "mountpoint '%s'", opts->mountpoint);
	if (!S_ISDIR(st.st_mode))
		return pea_error_new(err, ENOTDIR, "mountpoint '%s' is not a directory",
				     opts->mountpoint);
	fs->no_selinux = statfs("/sys/fs/selinux", &sfs) < 0 || sfs.f_type != SELINUX_MAGIC;
	fs->overflow_uid = read_overflow("/proc/sys/kernel/overflowuid");
	fs->overflow_gid = read_overflow("/proc/sys/kernel/overflowgid");
	if (fstat(fs->layers[0].fd, &st) < 0)
		return pea_error_errno(err, "stat '%s'", fs->layers[0].path);
	fs->root = ovl_node_new("", S_IFDIR, 0, ovl_fs_make_ino(fs, 0, st.st_ino));
	fs->root->last_layer = fs->nlayers - 1;
	fs->root->nlookup = 1;
	return 0;
}

void ovl_fs_close_layers(struct ovl_fs *fs)
{
	ovl_upper_dir_forget(NULL);
	for (unsigned i = 0; fs->layers && i < fs->nlayers; i++)
		fs->layers[i].fd = pea_close(fs->layers[i].fd);
	fs->workfd = pea_close(fs->workfd);
}

void ovl_fs_close(struct ovl_fs *fs)
{
	if (fs->root)
		ovl_node_free_tree(fs->root);
	fs->root = NULL;
	ovl_fs_close_layers(fs);
	for (unsigned i = 0; fs->layers && i < fs->nlayers; i++)
		free(fs->layers[i].path);
	free(fs->layers);
	fs->layers = NULL;
	pthread_mutex_destroy(&fs->lock);
	pthread_cond_destroy(&fs->copy_done);
}

ino_t ovl_fs_make_ino(const struct ovl_fs *fs, unsigned layer, ino_t ino)
{
	unsigned idx = fs->layers[layer].devidx;

	/* xino-like: the file system's index in the top bits when there are several. */
	if (idx == 0)
		return ino;
	return ino ^ ((ino_t)idx << 56);
}

void ovl_fs_work_name(struct ovl_fs *fs, char *buf, size_t size)
{
	snprintf(buf, size, "#pea-%d-%llu", (int)getpid(),
		 (unsigned long long)__atomic_add_fetch(&fs->work_counter, 1, __ATOMIC_RELAXED));
}
