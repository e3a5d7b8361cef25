#include <errno.h>
#include <limits.h>
#include <linux/limits.h>
#include <string.h>
#include <sys/xattr.h>

#include "lib/cleanup.h"
#include "lib/xalloc.h"
#include "overlayfs/acl.h"
#include "overlayfs/ops.h"
#include "overlayfs/override.h"

#define OVL_XATTR_BUF (64u << 10)

/* Overlay's own names, and the owners and modes kept in xattrs: not the user's. */
static bool is_hidden(const char *name)
{
	return ovl_xattr_is_private(name) || ovl_override_is_name(name);
}

static bool is_security(const char *name)
{
	return strncmp(name, OVL_SECURITY_PREFIX, strlen(OVL_SECURITY_PREFIX)) == 0;
}

/*
 * In a layer that keeps the mount's security.* encoded (sec_hidden), every
 * security.* name is the mount's, security.fuseoverlayfs.override_stat too:
 * that layer's own override is user.containers.override_stat. There it is
 * read, set and listed as any other (fuse-overlayfs 1.14 encodes it too).
 */
static bool is_hidden_in(const struct ovl_fs *fs, unsigned layer, const char *name)
{
	if (fs->layers[layer].sec_hidden && is_security(name))
		return false;
	return is_hidden(name);
}

/* Where n lives now (dirfd/path); with copy_up, in the upper layer first. */
static int xattr_where(struct ovl_fs *fs, struct ovl_node *n, bool copy_up, char *path, size_t size,
		       int *dirfd)
{
	int r;

	if (fs->opts->noxattrs)
		return -ENOTSUP;
	if (copy_up) {
		r = ovl_copy_up(fs, n);
		if (r < 0)
			return r;
	}
	/* Every caller uses the path under fs->lock. */
	return ovl_node_where_near(fs, n, path, size, dirfd);
}

/* Do ACL values carry ids to map (acl.h)? */
static bool acl_mapped(const struct ovl_fs *fs, const char *name)
{
	return (fs->opts->uidmap.n > 0 || fs->opts->gidmap.n > 0) && ovl_acl_is_name(name);
}

/* An ACL value between the disk's ids and the mount's; a malformed one as it is. */
static int acl_map(const struct ovl_fs *fs, void *buf, size_t size, bool to_mount)
{
	return ovl_acl_map(buf, size, &fs->opts->uidmap, &fs->opts->gidmap, to_mount,
			   fs->overflow_uid, fs->overflow_gid);
}

/* name as n's layer keeps it (override.h); after a copy-up, the upper layer. */
static int layer_name(const struct ovl_fs *fs, const struct ovl_node *n, const char **name,
		      char *buf, size_t size)
{
	if (!fs->layers[n->layer].sec_hidden)
		return 0;
	return ovl_override_name_to_disk(name, buf, size);
}

/*
 * ls -l asks every file for security.selinux and system.posix_acl_access, and
 * most files have no xattrs at all: one listing answers both, and the next.
 */
static int get_one(struct ovl_fs *fs, struct ovl_node *node, const char *name, char *buf,
		   size_t size, ssize_t *ret_n)
{
	char p[PATH_MAX], disk[XATTR_NAME_MAX + 1];
	int dirfd, r;
	ssize_t n;

	if (!fs->opts->noxattrs && node->no_xattrs_gen == fs->xattr_gen)
		return -ENODATA;
	r = xattr_where(fs, node, false, p, sizeof(p), &dirfd);
	if (r == 0)
		r = layer_name(fs, node, &name, disk, sizeof(disk));
	if (r < 0)
		return r;
	n = ovl_listxattr_at(dirfd, p, NULL, 0);
	if (n == 0) {
		node->no_xattrs_gen = fs->xattr_gen;
		return -ENODATA;
	}
	n = ovl_getxattr_at(dirfd, p, name, size ? buf : NULL, size);
	/* A layer without xattrs has no ACLs: the kernel checks the mode then. */
	if (n < 0 && errno == ENOTSUP && strncmp(name, "system.posix_acl_", 17) == 0)
		return -ENODATA;
	if (n < 0)
		return -errno;
	*ret_n = n;
	return 0;
}

void ovl_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	char escaped[XATTR_NAME_MAX + 1];
	_cleanup_free_ char *buf = NULL;
	bool hidden = false;
	ssize_t n = -1;
	int r;

	if (ovl_xattr_to_disk(fs, name, escaped, sizeof(escaped))) {
		name = escaped;
	} else {
		/* A hidden security.* name may be the mount's: told at the node's layer. */
		hidden = is_hidden(name);
		if (hidden && !is_security(name)) {
			fuse_reply_err(req, fs->opts->noxattrs ? ENOTSUP : ENODATA);
			return;
		}
	}
	if (size > OVL_XATTR_BUF)
		size = OVL_XATTR_BUF;
	buf = xmalloc(size + 1);
	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		struct ovl_node *node = ovl_ino_node(fs, ino);

		ovl_plus_touch(fs, node->parent);
		if (hidden && is_hidden_in(fs, node->layer, name))
			r = fs->opts->noxattrs ? -ENOTSUP : -ENODATA;
		else
			r = get_one(fs, node, name, buf, size, &n);
	}
	if (r == -ENODATA && fs->no_selinux && strcmp(name, "security.selinux") == 0)
		r = -ENOTSUP;
	if (r == 0 && size > 0 && acl_mapped(fs, name))
		(void)acl_map(fs, buf, (size_t)n, true);
	if (r < 0)
		fuse_reply_err(req, -r);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
}

void ovl_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	char p[PATH_MAX], unescaped[XATTR_NAME_MAX + 1];
	_cleanup_free_ char *list = xmalloc(OVL_XATTR_BUF);
	_cleanup_free_ char *out = xmalloc(OVL_XATTR_BUF);
	size_t len = 0;
	ssize_t n = -1;
	bool sec_hidden = false;
	int dirfd, r;

	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		struct ovl_node *node = ovl_ino_node(fs, ino);

		r = xattr_where(fs, node, false, p, sizeof(p), &dirfd);
		sec_hidden = fs->layers[node->layer].sec_hidden;
		if (r == 0) {
			n = ovl_listxattr_at(dirfd, p, list, OVL_XATTR_BUF);
			r = n < 0 ? -errno : 0;
		}
	}
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	for (ssize_t off = 0; off < n; off += (ssize_t)strlen(list + off) + 1) {
		const char *name = list + off;
		size_t l;

		/* the layer's own security.* are not the mount's; its encoded ones are */
		if (sec_hidden && !(name = ovl_override_name_from_disk(name)))
			continue;
		if (name == list + off) {
			if (ovl_xattr_from_disk(fs, name, unescaped, sizeof(unescaped)))
				name = unescaped;
			else if (is_hidden(name))
				continue;
		}
		l = strlen(name) + 1;
		memcpy(out + len, name, l);
		len += l;
	}
	if (size == 0)
		fuse_reply_xattr(req, len);
	else if (len > size)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, out, len);
}

void ovl_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		     size_t size, int flags)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	char p[PATH_MAX], escaped[XATTR_NAME_MAX + 1], disk[XATTR_NAME_MAX + 1];
	_cleanup_free_ char *mapped = NULL;
	int dirfd, r;

	if (ovl_xattr_to_disk(fs, name, escaped, sizeof(escaped))) {
		name = escaped;
	} else if (is_hidden_in(fs, 0, name)) { /* set in the upper layer */
		fuse_reply_err(req, fs->opts->noxattrs ? ENOTSUP : EPERM);
		return;
	}
	if (acl_mapped(fs, name)) {
		mapped = xmalloc(size + 1);
		memcpy(mapped, value, size);
		if (acl_map(fs, mapped, size, false) < 0) {
			fuse_reply_err(req, EINVAL);
			return;
		}
		value = mapped;
	}
	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		struct ovl_node *node = ovl_ino_node(fs, ino);

		r = xattr_where(fs, node, true, p, sizeof(p), &dirfd);
		if (r == 0) {
			r = layer_name(fs, node, &name, disk, sizeof(disk));
			if (r == -ENODATA)
				r = -EPERM; /* an encoded name: hidden, as overlay's own */
		}
		if (r == 0 && ovl_setxattr_at(dirfd, p, name, value, size, flags) < 0)
			r = -errno;
		fs->xattr_gen++;
	}
	fuse_reply_err(req, -r);
}

void ovl_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct ovl_fs *fs = ovl_req_fs(req);
	char p[PATH_MAX], escaped[XATTR_NAME_MAX + 1], disk[XATTR_NAME_MAX + 1];
	int dirfd, r;

	if (ovl_xattr_to_disk(fs, name, escaped, sizeof(escaped))) {
		name = escaped;
	} else if (is_hidden_in(fs, 0, name)) { /* removed in the upper layer */
		fuse_reply_err(req, fs->opts->noxattrs ? ENOTSUP : ENODATA);
		return;
	}
	{
		_cleanup_(ovl_unlockp) _unused_ struct ovl_fs *locked = ovl_lock(fs);

		struct ovl_node *node = ovl_ino_node(fs, ino);

		r = xattr_where(fs, node, true, p, sizeof(p), &dirfd);
		if (r == 0)
			r = layer_name(fs, node, &name, disk, sizeof(disk));
		if (r == 0 && ovl_removexattr_at(dirfd, p, name) < 0)
			r = -errno;
		fs->xattr_gen++;
	}
	fuse_reply_err(req, -r);
}
