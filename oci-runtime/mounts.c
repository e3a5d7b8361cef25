#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#include "cgroup.h"
#include "container.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/*
 * Every mount target inside the rootfs is opened with RESOLVE_IN_ROOT, so a
 * symlink in the image (dev -> /etc, or ../../..) resolves inside the rootfs,
 * and the mount goes onto that fd through /proc/self/fd/N: no path is
 * built by concatenation, nothing is mounted outside the container.
 */
int mounts_mount_fd(const char *source, int targetfd, const char *target_name, const char *fstype,
		    unsigned long flags, const char *data, struct pea_error **err)
{
	char target[64];

	snprintf(target, sizeof(target), "/proc/self/fd/%d", targetfd);
	if (mount(source, target, fstype, flags, data) < 0)
		return pea_error_errno(err, "mount '%s' on '%s'", source ? source : "none",
				       target_name);
	return 0;
}

static unsigned long locked_flags(int fd)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (fstatvfs(fd, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/* Remount a bind mount with flags, keeping the flags a user namespace cannot drop. */
int mounts_bind_remount(int targetfd, const char *name, unsigned long flags, struct pea_error **err)
{
	flags &= MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
		 MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW;
	if (!(flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)))
		flags |= locked_flags(targetfd) & (MS_NOATIME | MS_RELATIME);
	flags |= locked_flags(targetfd) & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
	return mounts_mount_fd(NULL, targetfd, name, NULL, MS_REMOUNT | MS_BIND | flags, NULL, err);
}

static int open_target(int rootfd, const char *dest, int *ret_fd, struct pea_error **err)
{
	return pea_open_in_root(rootfd, dest, O_PATH | O_CLOEXEC, 0, ret_fd, err);
}

/*
 * mkdir -p inside the rootfs. A symlink on the way is followed inside the
 * rootfs (an absolute target starts at its root), even when it dangles:
 * what it points to is made there, as runc's SecureJoin + MkdirAll does.
 */
int mounts_mkdir_in_root(int rootfd, const char *path, struct pea_error **err)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (int hops = 0; hops < 40; hops++) {
		bool restarted = false;
		size_t i = 0;

		while (p[i] && !restarted) {
			_cleanup_free_ char *prefix = NULL, *comp = NULL;
			_cleanup_close_ int fd = -1, parent = -1;
			char target[PATH_MAX];
			size_t start;
			ssize_t n;
			int r;

			while (p[i] == '/')
				i++;
			start = i;
			while (p[i] && p[i] != '/')
				i++;
			if (i == start)
				break;
			prefix = xstrndup(p, i);
			r = pea_open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
					     &fd, NULL);
			if (r == 0)
				continue;
			if (r != -ENOENT)
				return pea_error_code(err, -r, "mkdir '%s'", prefix);
			comp = xstrndup(p + start, i - start);
			prefix[start] = '\0';
			if (pea_open_in_root(rootfd, *prefix ? prefix : "/",
					     O_PATH | O_DIRECTORY | O_CLOEXEC, 0, &parent, err) < 0)
				return -EINVAL;
			n = readlinkat(parent, comp, target, sizeof(target) - 1);
			if (n < 0) {
				if (mkdirat(parent, comp, 0755) < 0 && errno != EEXIST)
					return pea_error_errno(err, "mkdir '%s%s'", prefix, comp);
				continue;
			}
			target[n] = '\0';
			{
				char *np = target[0] == '/'
						   ? xasprintf("%s%s", target, p + i)
						   : xasprintf("%s%s%s", prefix, target, p + i);

				free(p);
				p = np;
			}
			restarted = true;
		}
		if (!restarted)
			return 0;
	}
	return pea_error_new(err, ELOOP, "mkdir '%s': too many symlinks", path);
}

/* Make dest inside the rootfs: a directory, or an empty file when is_file. */
static int make_target(int rootfd, const char *dest, bool is_file, struct pea_error **err)
{
	_cleanup_free_ char *parent = NULL;
	_cleanup_close_ int fd = -1;
	char *slash;

	if (!is_file)
		return mounts_mkdir_in_root(rootfd, dest, err);
	parent = xstrdup(dest);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mounts_mkdir_in_root(rootfd, parent, err) < 0)
			return -EINVAL;
	}
	if (pea_open_in_root(rootfd, dest, O_PATH | O_CLOEXEC, 0, &fd, NULL) == 0)
		return 0;
	return pea_open_in_root(rootfd, dest, O_WRONLY | O_CREAT | O_CLOEXEC, 0644, &fd, err);
}

static int mount_attrs(int fd, const struct spec_mount *m, struct pea_error **err)
{
	struct mount_attr attr = { .attr_set = m->attr_set, .attr_clr = m->attr_clr };

	if (!m->attr_set && !m->attr_clr)
		return 0;
	if (m->attr_set & MOUNT_ATTR__ATIME)
		attr.attr_clr |= MOUNT_ATTR__ATIME;
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) <
	    0)
		return pea_error_errno(err, "set recursive mount options on '%s'", m->destination);
	return 0;
}

/* ---- cgroup ----------------------------------------------------------------------- */

/* The cgroup mounts of the host, from cgroup_mountinfo_lines (statmount or mountinfo). */
struct cgroup_mnt {
	char *mnt;
	char **opts; /* super options: the controllers ("cpu", "name=systemd") */
	bool v2;
};

static struct cgroup_mnt *cgroup_mounts_read(size_t *ret_n)
{
	char *const *lines = cgroup_mountinfo_lines(); /* the parent's, inherited */
	struct cgroup_mnt *v = NULL;
	size_t n = 0;

	for (const char *line; lines && (line = *lines); lines++) {
		char mnt[PATH_MAX], fstype[64], opts[1024];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		if (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0)
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].mnt = xstrdup(mnt);
		v[n].opts = pea_strv_split(opts, ",");
		v[n].v2 = strcmp(fstype, "cgroup2") == 0;
		n++;
	}
	*ret_n = n;
	return v;
}

static void cgroup_mounts_free(struct cgroup_mnt *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].mnt);
		pea_strv_free(v[i].opts);
	}
	free(v);
}

/* The mount point of the hierarchy with controllers ctrls ("cpu,cpuacct"; "" for v2). */
static const char *cgroup_mountpoint(const struct cgroup_mnt *v, size_t n, const char *ctrls)
{
	_cleanup_strv_ char **want = pea_strv_split(ctrls, ",");

	for (size_t i = 0; i < n; i++) {
		bool all = true;

		if (!*ctrls) {
			if (v[i].v2)
				return v[i].mnt;
			continue;
		}
		if (v[i].v2)
			continue;
		for (size_t k = 0; want && want[k]; k++)
			if (!pea_strv_contains(v[i].opts, want[k]))
				all = false;
		if (all)
			return v[i].mnt;
	}
	return NULL;
}

/*
 * One hierarchy under the tmpfs that cgfd is the root of (made by us a moment
 * ago: plain names, no symlinks, nothing to resolve in the rootfs).
 */
static int mount_cgroup_v1_one(int cgfd, const char *dest, const char *mnt, const char *ctrls,
			       const char *path, const struct spec_mount *m, bool cgroupns,
			       struct pea_error **err)
{
	_cleanup_free_ char *src = NULL, *sub = NULL;
	_cleanup_close_ int fd = -1;
	const char *name;

	name = strrchr(mnt, '/') ? strrchr(mnt, '/') + 1 : mnt;
	sub = xasprintf("%s/%s", dest, name);
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0; /* a hierarchy mounted at '/': no folder to give it */
	if (mkdirat(cgfd, name, 0755) < 0 && errno != EEXIST)
		return pea_error_errno(err, "mkdir '%s'", sub);
	fd = openat(cgfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", sub);
	if (cgroupns) {
		/* in a cgroup namespace a new mount is rooted at the namespace's cgroup */
		if (!*ctrls)
			return mounts_mount_fd("cgroup2", fd, sub, "cgroup2", m->flags, NULL, err);
		return mounts_mount_fd("cgroup", fd, sub, "cgroup", m->flags, ctrls, err);
	}
	src = xasprintf("%s%s", mnt, path);
	if (mounts_mount_fd(src, fd, sub, NULL, MS_BIND | MS_REC, NULL, err) < 0)
		return -EINVAL;
	pea_close(fd);
	/* the mount just made, not the folder under it */
	fd = openat(cgfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", sub);
	return mounts_bind_remount(fd, sub, m->flags, err);
}

/* cgroup v1 or hybrid: a tmpfs with one mount per hierarchy, as runc and crun do. */
static int mount_cgroup_v1(int rootfd, const struct spec_mount *m, bool cgroupns,
			   struct pea_error **err)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	_cleanup_close_ int fd = -1, cgfd = -1;
	struct cgroup_mnt *mnts;
	size_t cap = 0, n = 0;
	int r = 0;

	if (open_target(rootfd, m->destination, &fd, err) < 0 ||
	    mounts_mount_fd("tmpfs", fd, m->destination, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			    "mode=755", err) < 0 ||
	    pea_open_in_root(rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0, &cgfd, err) < 0)
		return -EINVAL;
	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return pea_error_errno(err, "open '/proc/self/cgroup'");
	mnts = cgroup_mounts_read(&n);
	while (getline(&line, &cap, f) > 0) {
		char *ctrls = strchr(line, ':'), *path;
		const char *mnt;

		if (!ctrls || !(path = strchr(ctrls + 1, ':')))
			continue;
		*path++ = '\0';
		ctrls++;
		path[strcspn(path, "\n")] = '\0';
		if (strcmp(path, "/") == 0)
			path = (char *)"";
		mnt = cgroup_mountpoint(mnts, n, ctrls);
		if (!mnt)
			continue; /* a hierarchy that is not mounted on the host */
		r = mount_cgroup_v1_one(cgfd, m->destination, mnt, ctrls, path, m, cgroupns, err);
		if (r < 0)
			break;
	}
	cgroup_mounts_free(mnts, n);
	if (r < 0)
		return r;
	if (!(m->flags & MS_RDONLY))
		return 0;
	fd = pea_close(fd);
	if (open_target(rootfd, m->destination, &fd, err) < 0)
		return -EINVAL;
	return mounts_mount_fd(NULL, fd, m->destination, NULL,
			       MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			       "mode=755", err);
}

static int mount_cgroup(int rootfd, int fd, const struct spec_mount *m, bool cgroupns,
			struct pea_error **err)
{
	struct statfs sf;

	if (statfs("/sys/fs/cgroup", &sf) < 0)
		return pea_error_errno(err, "statfs '/sys/fs/cgroup'");
	if (sf.f_type != CGROUP2_SUPER_MAGIC)
		return mount_cgroup_v1(rootfd, m, cgroupns, err);
	if (mounts_mount_fd("cgroup2", fd, m->destination, "cgroup2", m->flags, NULL, NULL) == 0)
		return 0;
	/* no cgroup namespace of our own in a user namespace: bind the host's */
	if (mounts_mount_fd("/sys/fs/cgroup", fd, m->destination, NULL, MS_BIND | MS_REC, NULL,
			    err) < 0)
		return -EINVAL;
	return 0;
}

/* ---- one mount ----------------------------------------------------------------------- */

static char *bind_source(const struct spec *s, const struct spec_mount *m)
{
	if (m->source[0] == '/')
		return xstrdup(m->source);
	return xasprintf("%s/%s", s->bundle, m->source);
}

/*
 * srcfd >= 0: the source was opened by the parent, as the caller, in our
 * mount namespace before we entered the user namespace (mounts_send_sources):
 * mounted through /proc/self/fd/N, as crun does, since the ids of the
 * container may not reach it (a 0700 directory of a rootless user whose own
 * uid is not mapped).
 */
static int mount_bind(const struct spec *s, int rootfd, const struct spec_mount *m, int srcfd,
		      bool userns, struct pea_error **err)
{
	_cleanup_free_ char *src = bind_source(s, m);
	_cleanup_close_ int fd = -1;
	char via[64], target[64];
	struct stat st;

	snprintf(via, sizeof(via), "/proc/self/fd/%d", srcfd);
	if ((srcfd >= 0 ? fstat(srcfd, &st) : stat(src, &st)) < 0)
		return pea_error_errno(err, "bind source '%s'", src);
	if (make_target(rootfd, m->destination, !S_ISDIR(st.st_mode), err) < 0 ||
	    open_target(rootfd, m->destination, &fd, err) < 0)
		return -EINVAL;
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount(srcfd >= 0 ? via : src, target, NULL, MS_BIND | (m->recursive ? MS_REC : 0),
		  NULL) < 0)
		return pea_error_errno(err, "mount '%s' on '%s'", src, m->destination);
	/* reopen: the fd still points below the new mount */
	fd = pea_close(fd);
	if (open_target(rootfd, m->destination, &fd, err) < 0)
		return -EINVAL;
	if (m->flags & ~(MS_REC | MS_BIND) &&
	    mounts_bind_remount(fd, m->destination, m->flags, err) < 0)
		return -EINVAL;
	if (m->propagation &&
	    mounts_mount_fd(NULL, fd, m->destination, NULL, m->propagation, NULL, err) < 0)
		return -EINVAL;
	(void)userns;
	return mount_attrs(fd, m, err);
}

/*
 * sysfs needs a network namespace owned by our user namespace (not so with
 * the host's network, or one made before the user namespace: a bridge's, a
 * pod's); else the one the parent made in that namespace (mounts_open_sys):
 * a fresh sysfs, so /sys/class/net lists the container's devices and nothing
 * of the host's is mounted under it (tracefs, debugfs, securityfs, the
 * cgroup hierarchies); the spec's own cgroup mount goes on /sys/fs/cgroup
 * after. Without it (rootless with the host's network: its /sys's submounts
 * are locked to it) /sys is bound recursively, as crun and runc bind it
 * (podman unmounts /sys/kernel's mounts in a mount namespace of the
 * runtime's before it runs it), and made read-only all through.
 */
static int mount_sysfs_userns(int rootfd, int *fd, const struct spec_mount *m, int *sys_fd,
			      struct pea_error **err)
{
	const unsigned int fds = MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH;
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	bool rec = false;

	if (mounts_mount_fd("sysfs", *fd, m->destination, "sysfs", m->flags, m->data, NULL) == 0)
		return 0;
	if (sys_fd && *sys_fd >= 0 && move_mount(*sys_fd, "", *fd, "", fds) == 0)
		*sys_fd = pea_close(*sys_fd);
	else if (mounts_mount_fd("/sys", *fd, m->destination, NULL, MS_BIND | MS_REC, NULL, err))
		return -EINVAL;
	else
		rec = true;
	*fd = pea_close(*fd);
	if (open_target(rootfd, m->destination, fd, err) < 0 ||
	    mounts_bind_remount(*fd, m->destination, m->flags, err) < 0)
		return -EINVAL;
	/*
	 * What came along under it read-only too, as crun makes it. A kernel
	 * before 5.12, or a seccomp filter of the caller's, refuses that: they
	 * stay as the host has them (writable only by what may write the host's).
	 */
	if (rec && (m->flags & MS_RDONLY) &&
	    syscall(SYS_mount_setattr, *fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof(ro)) <
		    0) {
		if (errno != ENOSYS && errno != EPERM)
			return pea_error_errno(err, "make the mounts under '%s' read-only",
					       m->destination);
		log_warning("the mounts under '%s' keep the host's options: mount_setattr: %s",
			    m->destination, strerror(errno));
	}
	return 0;
}

/*
 * A read-only tmpfs (/dev) is mounted writable and made read-only once the
 * mounts below it, the device nodes and the working directory are made, as
 * runc does (mounts_finish_readonly).
 */
static bool is_ro_tmpfs(const struct spec_mount *m)
{
	return m->type && strcmp(m->type, "tmpfs") == 0 && (m->flags & MS_RDONLY) && !m->bind;
}

/* The tmpfs's root keeps the mode and owner its options give it. */
static bool has_root_attr_option(const struct spec_mount *m)
{
	_cleanup_strv_ char **opts = m->data ? pea_strv_split(m->data, ",") : NULL;

	for (size_t i = 0; opts && opts[i]; i++)
		if (strncmp(opts[i], "mode=", 5) == 0 || strncmp(opts[i], "uid=", 4) == 0 ||
		    strncmp(opts[i], "gid=", 4) == 0)
			return true;
	return false;
}

static int copy_up(int rootfd, const struct spec_mount *m, int srcfd, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;

	if (open_target(rootfd, m->destination, &fd, err) < 0 ||
	    copyup_fill(srcfd, fd, !has_root_attr_option(m), err) < 0)
		return pea_error_wrap(err, "tmpcopyup '%s'", m->destination);
	return 0;
}

/*
 * proc and sysfs go on an ordinary directory only, as runc has them: the
 * image's /proc or /sys as a symlink (or a file) would take the mount
 * somewhere else in the rootfs (/proc -> /symlink), where maskedPaths and
 * readonlyPaths, which name /proc/... and /sys/..., do not find it.
 */
static int check_proc_sys_target(int rootfd, const struct spec_mount *m, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (!m->type || (strcmp(m->type, "proc") && strcmp(m->type, "sysfs")))
		return 0;
	if (pea_open_in_root(rootfd, m->destination, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, &fd,
			     NULL) < 0 ||
	    fstat(fd, &st) < 0 || S_ISDIR(st.st_mode))
		return 0;
	return pea_error_new(err, ENOTDIR,
			     "'%s': filesystem %s must be mounted on ordinary directory, the "
			     "rootfs has a %s there",
			     m->destination, m->type, S_ISLNK(st.st_mode) ? "symlink" : "file");
}

static int mount_one(const struct spec *s, int rootfd, const struct spec_mount *m, int srcfd,
		     int *sys_fd, bool userns, struct pea_error **err)
{
	_cleanup_close_ int fd = -1, covered = -1;
	int r;

	if (m->bind)
		return mount_bind(s, rootfd, m, srcfd, userns, err);
	if (check_proc_sys_target(rootfd, m, err) < 0)
		return -EINVAL;
	if (make_target(rootfd, m->destination, false, err) < 0 ||
	    open_target(rootfd, m->destination, &fd, err) < 0)
		return -EINVAL;
	if (!m->type) { /* a remount or a propagation change of what is there */
		if (m->flags & MS_REMOUNT)
			return mounts_mount_fd(NULL, fd, m->destination, NULL, m->flags, m->data,
					       err);
		return mounts_mount_fd(NULL, fd, m->destination, NULL, m->propagation, NULL, err);
	}
	if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0)
		r = mount_cgroup(rootfd, fd, m, spec_namespace(s, CLONE_NEWCGROUP) != NULL, err);
	else if (strcmp(m->type, "sysfs") == 0 && userns)
		r = mount_sysfs_userns(rootfd, &fd, m, sys_fd, err);
	else if (m->tmpcopyup && copyup_open_source(fd, &covered, err) < 0)
		r = pea_error_wrap(err, "tmpcopyup '%s'", m->destination);
	else
		r = mounts_mount_fd(m->source ? m->source : m->type, fd, m->destination, m->type,
				    is_ro_tmpfs(m) ? m->flags & ~MS_RDONLY : m->flags, m->data,
				    err);
	if (r < 0)
		return r;
	if (covered >= 0 && copy_up(rootfd, m, covered, err) < 0)
		return -EINVAL;
	if (!m->propagation && !m->attr_set && !m->attr_clr)
		return 0;
	fd = pea_close(fd);
	if (open_target(rootfd, m->destination, &fd, err) < 0)
		return -EINVAL;
	if (m->propagation &&
	    mounts_mount_fd(NULL, fd, m->destination, NULL, m->propagation, NULL, err) < 0)
		return -EINVAL;
	return mount_attrs(fd, m, err);
}

/* ---- the root ------------------------------------------------------------------------ */

/*
 * The rootfs is looked up from the working directory, which the parent set
 * to the rootfs's parent directory for the clone (the kernel moves it into
 * the new mount namespace), so that a user namespace needs no search
 * permission on the directories above the bundle (often 0700, host root's).
 * In a mount namespace joined by path it is looked up by its full path.
 */
int mounts_prepare_root(const struct spec *s, bool by_path, int *ret_rootfd, struct pea_error **err)
{
	int parentfd = AT_FDCWD;
	unsigned long prop = s->rootfs_propagation & ~MS_REC;
	unsigned long root_prop = MS_REC | (prop == MS_SLAVE ? MS_SLAVE : MS_PRIVATE);
	const char *base = by_path ? s->root_path : strrchr(s->root_path, '/') + 1;
	_cleanup_close_ int fd = -1;
	char src[64];

	/* nothing mounted from here on may propagate back to the host */
	if (prop == MS_SHARED)
		root_prop = MS_REC | MS_SLAVE;
	if (mount(NULL, "/", NULL, root_prop, NULL) < 0)
		return pea_error_errno(err, "make '/' private");
	fd = openat(parentfd, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "open the rootfs '%s'", s->root_path);
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (mounts_mount_fd(src, fd, s->root_path, NULL, MS_BIND | MS_REC, NULL, err) < 0)
		return pea_error_wrap(err, "bind the rootfs");
	/* through the parent again: the new mount, not the directory below it */
	fd = pea_close(fd);
	fd = openat(parentfd, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "open the rootfs '%s'", s->root_path);
	*ret_rootfd = TAKE_FD(fd);
	return 0;
}

int mounts_apply(const struct spec *s, int rootfd, const int *src_fds, int *sys_fd, bool userns,
		 struct pea_error **err)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (mount_one(s, rootfd, &s->mounts[i], src_fds ? src_fds[i] : -1, sys_fd, userns,
			      err) < 0)
			return pea_error_wrap(err, "mounts[%zu]", i);
	return 0;
}

/*
 * A fresh sysfs of the network namespace at PATH (NULL: ours), detached
 * (fsopen(2), fsmount(2)), made by us, in that namespace for the while: its
 * class/net lists that namespace's devices, nothing is mounted under it.
 * -1 with errno when the kernel refuses it (we do not own that namespace
 * either: rootless with the host's network); -2 when we could not come back
 * to our own namespace (which needs our user namespace to own it, or the
 * host's to be ours).
 */
static int sysfs_of_netns(const char *path)
{
	_cleanup_close_ int self = -1, target = -1, fs = -1;
	int mnt = -1, saved;

	if (path) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		target = open(path, O_RDONLY | O_CLOEXEC);
		if (self < 0 || target < 0 || setns(target, CLONE_NEWNET) < 0)
			return -1;
	}
	fs = fsopen("sysfs", FSOPEN_CLOEXEC);
	if (fs >= 0 && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	saved = errno;
	if (path && setns(self, CLONE_NEWNET) < 0) {
		pea_close(mnt);
		return -2;
	}
	errno = saved;
	return mnt;
}

int mounts_open_sys(struct container *c, struct pea_error **err)
{
	const struct spec_namespace *net = spec_namespace(c->spec, CLONE_NEWNET);
	unsigned long made = c->clone_flags | c->unshare_flags;
	bool wanted = false;

	/* a new network namespace is made in (owned by) the container's user namespace */
	if (!c->userns || !(made & CLONE_NEWNS) || (net && !net->path))
		return 0;
	for (size_t i = 0; i < c->spec->n_mounts && !wanted; i++)
		wanted = !c->spec->mounts[i].bind && c->spec->mounts[i].type &&
			 strcmp(c->spec->mounts[i].type, "sysfs") == 0;
	if (!wanted)
		return 0;
	/* (only root of the host's user namespace can always come back to its network) */
	if (!net || pea_in_initial_userns()) {
		c->sys_fd = sysfs_of_netns(net ? net->path : NULL);
		if (c->sys_fd == -2) {
			c->sys_fd = -1;
			return pea_error_errno(err, "back to our network namespace from '%s'",
					       net->path);
		}
		if (c->sys_fd >= 0)
			return 0;
		log_debug("a sysfs of the container's network namespace: %s", strerror(errno));
	}
	/* the host's: our /sys without its submounts, else none (locked to it) */
	if (!net)
		c->sys_fd = open_tree(AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	/*
	 * The clone is a peer of our /sys: on a host whose / is shared (systemd's),
	 * what the container mounts under it would show in ours, and ours in it.
	 * Private before it is handed over, else not used (kernels before 5.12):
	 * the init's recursive bind is made in its own mount namespace, already
	 * private then.
	 */
	if (c->sys_fd >= 0 && syscall(SYS_mount_setattr, c->sys_fd, "", AT_EMPTY_PATH,
				      &(struct mount_attr){ .propagation = MS_PRIVATE },
				      sizeof(struct mount_attr)) < 0) {
		log_debug("make the clone of /sys private: %s", strerror(errno));
		c->sys_fd = pea_close(c->sys_fd);
	}
	if (c->sys_fd < 0)
		log_debug("a sysfs the container cannot mount binds /sys with its submounts");
	return 0;
}

/* ---- bind sources opened by the parent -------------------------------------------------- */

/*
 * A new user namespace with a new mount namespace of its own (the init
 * cannot enter one given by path before its user namespace is set up).
 */
bool mounts_sources_wanted(const struct container *c)
{
	if (!c->has_new_userns || !(c->clone_flags & CLONE_NEWNS))
		return false;
	for (size_t i = 0; i < c->spec->n_mounts; i++)
		if (c->spec->mounts[i].bind)
			return true;
	for (size_t i = 0; i < c->spec->n_devices; i++)
		if (c->spec->devices[i].type != S_IFIFO)
			return true;
	return false;
}

/*
 * The helper process: into the init's mount namespace (a mount from
 * another one cannot be bound there), keeping our credentials where we may
 * (root, or root of the user namespace that owns the container's); an
 * ordinary user enters the container's user namespace first, whose owner it
 * is: its uid, what the kernel checks paths against, stays its own. Then
 * open every bind source and send the fds to the init.
 */
static __attribute__((noreturn)) void sources_helper(struct container *c, int report)
{
	_cleanup_error_ struct pea_error *err = NULL;
	const struct spec *s = c->spec;
	size_t *idx = xnew(size_t, s->n_mounts + s->n_devices + 1);
	int *fds = xnew(int, s->n_mounts + s->n_devices + 1);
	size_t n = 0;

	if (syscall(SYS_setns, c->pidfd, CLONE_NEWNS) < 0 &&
	    (errno != EPERM || syscall(SYS_setns, c->pidfd, CLONE_NEWUSER | CLONE_NEWNS) < 0)) {
		pea_error_errno(&err, "enter the mount namespace of the container init");
		goto fail;
	}
	for (size_t i = 0; i < s->n_mounts; i++) {
		_cleanup_free_ char *src = NULL;

		if (!s->mounts[i].bind)
			continue;
		src = bind_source(s, &s->mounts[i]);
		fds[n] = open(src, O_PATH | O_CLOEXEC);
		if (fds[n] < 0) {
			pea_error_errno(&err, "bind source '%s'", src);
			pea_error_wrap(&err, "mounts[%zu]", i);
			goto fail;
		}
		idx[n++] = i;
	}
	for (size_t i = 0; i < s->n_devices; i++) {
		if (devices_make_outside(c, i, &fds[n], &err) < 0) {
			pea_error_wrap(&err, "linux.devices[%zu]", i);
			goto fail;
		}
		if (fds[n] >= 0)
			idx[n++] = s->n_mounts + i;
	}
	if (sync_send_fds(c->sync_parent, idx, fds, n, &err) < 0)
		goto fail;
	_exit(0);
fail:
	pea_error_to_fd(report, err);
	_exit(1);
}

int mounts_send_sources(struct container *c, struct pea_error **err)
{
	char buf[4096];
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe");
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return pea_error_errno(err, "fork");
	}
	if (pid == 0) {
		close(pipefd[0]);
		sources_helper(c, pipefd[1]);
	}
	close(pipefd[1]);
	do
		n = read(pipefd[0], buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n > 0)
		return pea_error_from_buf(err, buf, (size_t)n);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return pea_error_new(err, EIO, "the process opening the bind sources failed");
	return 0;
}

int mounts_finish_readonly(const struct spec *s, int rootfd, struct pea_error **err)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		_cleanup_close_ int fd = -1;

		if (!is_ro_tmpfs(m))
			continue;
		if (open_target(rootfd, m->destination, &fd, err) < 0 ||
		    mounts_mount_fd(NULL, fd, m->destination, NULL,
				    MS_REMOUNT | (m->flags & ~(MS_REMOUNT | MS_BIND | MS_REC)),
				    m->data, err) < 0)
			return pea_error_wrap(err, "mounts[%zu]: read-only", i);
	}
	return 0;
}

static int mask_path(int rootfd, const char *path, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	r = pea_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, &fd, NULL);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0 || fstat(fd, &st) < 0)
		return pea_error_code(err, r < 0 ? -r : errno, "linux.maskedPaths: '%s'", path);
	if (S_ISDIR(st.st_mode))
		return mounts_mount_fd("tmpfs", fd, path, "tmpfs", MS_RDONLY, NULL, err);
	return mounts_mount_fd("/dev/null", fd, path, NULL, MS_BIND, NULL, err);
}

static int readonly_path(int rootfd, const char *path, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	char self[64];
	int r;

	r = pea_open_in_root(rootfd, path, O_PATH | O_CLOEXEC, 0, &fd, NULL);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0)
		return pea_error_code(err, -r, "linux.readonlyPaths: '%s'", path);
	/*
	 * The source is the container's file, through the fd: the path would name
	 * the host's (this runs before pivot_root), which bound the host's /etc
	 * over the container's for readonlyPaths ["/etc"], and failed for a path
	 * the host does not have.
	 */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	if (mounts_mount_fd(self, fd, path, NULL, MS_BIND | MS_REC, NULL, err) < 0)
		return -EINVAL;
	fd = pea_close(fd);
	if (open_target(rootfd, path, &fd, err) < 0)
		return -EINVAL;
	return mounts_bind_remount(fd, path, MS_RDONLY, err);
}

static int write_sysctls(const struct spec *s, struct pea_error **err)
{
	for (size_t i = 0; i < s->n_sysctl; i++) {
		_cleanup_free_ char *path = xasprintf("/proc/sys/%s", s->sysctl[i].key);

		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		if (pea_write_file_at(AT_FDCWD, path, s->sysctl[i].value, err) < 0)
			return pea_error_wrap(err, "linux.sysctl '%s'", s->sysctl[i].key);
	}
	return 0;
}

/*
 * Before pivot_root, with the host's /proc still at hand: sysctls (they apply
 * to the namespaces of the writer), then masked and read-only paths.
 */
static int finish_before_pivot(const struct spec *s, int rootfd, struct pea_error **err)
{
	if (write_sysctls(s, err) < 0)
		return -EINVAL;
	for (size_t i = 0; s->masked_paths && s->masked_paths[i]; i++)
		if (mask_path(rootfd, s->masked_paths[i], err) < 0)
			return -EINVAL;
	for (size_t i = 0; s->readonly_paths && s->readonly_paths[i]; i++)
		if (readonly_path(rootfd, s->readonly_paths[i], err) < 0)
			return -EINVAL;
	return 0;
}

/*
 * --no-pivot: the old root stays in the mount namespace under the chroot,
 * with its full proc and sysfs mounts, which let a process of the container
 * mount a fresh proc (the kernel allows that where a full one is visible in the
 * namespace). So every proc and sysfs mount outside the rootfs is detached
 * first (or covered, where that is refused), as runc does. The namespace is
 * the container's, its mounts made private or slave before (mounts_prepare_root).
 */
static int hide_old_proc_sys(int rootfd, struct pea_error **err)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL, *rootfs = NULL;
	_cleanup_strv_ char **hide = NULL;
	char self[64];
	size_t cap = 0, rlen;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", rootfd);
	rootfs = realpath(self, NULL);
	if (!rootfs)
		return pea_error_errno(err, "--no-pivot: path of the rootfs");
	rlen = strlen(rootfs);
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return pea_error_errno(err, "--no-pivot: open '/proc/self/mountinfo'");
	while (getline(&line, &cap, f) > 0) {
		char root[PATH_MAX], mnt[PATH_MAX], fstype[64];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
		    sscanf(sep + 3, "%63s", fstype) != 1)
			continue;
		if (strcmp(root, "/") != 0 || (strcmp(fstype, "proc") && strcmp(fstype, "sysfs")))
			continue;
		if (strncmp(mnt, rootfs, rlen) == 0 && (mnt[rlen] == '/' || mnt[rlen] == '\0'))
			continue;
		pea_strv_push(&hide, mnt);
	}
	for (size_t i = 0; hide && hide[i]; i++) {
		if (mount(NULL, hide[i], NULL, MS_SLAVE | MS_REC, NULL) < 0 && errno != ENOENT)
			return pea_error_errno(err, "--no-pivot: make '%s' a slave", hide[i]);
		if (umount2(hide[i], MNT_DETACH) == 0 || errno == ENOENT)
			continue;
		if ((errno != EINVAL && errno != EPERM) ||
		    mount("tmpfs", hide[i], "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") <
			    0)
			return pea_error_errno(err, "--no-pivot: hide '%s'", hide[i]);
	}
	return 0;
}

int mounts_pivot(const struct spec *s, int rootfd, bool no_pivot, struct pea_error **err)
{
	if (finish_before_pivot(s, rootfd, err) < 0)
		return -EINVAL;
	if (fchdir(rootfd) < 0)
		return pea_error_errno(err, "chdir to the rootfs");
	if (no_pivot) {
		const struct spec_namespace *mntns = spec_namespace(s, CLONE_NEWNS);

		/* only in a mount namespace of the container's own: never the host's */
		if (mntns && !mntns->path && hide_old_proc_sys(rootfd, err) < 0)
			return -EINVAL;
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return pea_error_errno(err, "move the rootfs to '/'");
		if (chroot(".") < 0)
			return pea_error_errno(err, "chroot");
	} else {
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return pea_error_errno(err, "pivot_root");
		/*
		 * The old root is stacked on '.'. It was made private or slave
		 * first thing (mounts_prepare_root): its detach stays here.
		 */
		if (umount2(".", MNT_DETACH) < 0)
			return pea_error_errno(err, "detach the old root");
	}
	if (chdir("/") < 0)
		return pea_error_errno(err, "chdir '/'");
	/* pivot_root refuses a shared new root: its propagation is set once there */
	if (s->rootfs_propagation && mount(NULL, "/", NULL, s->rootfs_propagation, NULL) < 0)
		return pea_error_errno(err, "linux.rootfsPropagation");
	if (s->root_readonly) {
		_cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || mount(NULL, "/", NULL,
				    MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(fd), NULL) < 0)
			return pea_error_errno(err, "root.readonly: remount '/' read-only");
	}
	return 0;
}
