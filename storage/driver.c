#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "driver.h"
#include "durable.h"
#include "idmap.h"
#include "records.h"
#include "store.h"
#include "trash.h"

#define MAX_LAYER_DEPTH 500

bool driver_is_vfs(const struct store *s)
{
	return !strcmp(s->driver, "vfs");
}

const char *driver_opaque_xattr(const struct store *s)
{
	return s->rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
}

char *driver_diff_path(const struct store *s, const char *id)
{
	return xasprintf("%s/%s/%s/diff", s->graph_root, s->driver, id);
}

static int copy_tree(const char *src, const char *dst, struct pea_error **err)
{
	_cleanup_free_ char *from = xasprintf("%s/.", src);
	char *argv[] = { "cp", "-a", "--reflink=auto", "--", from, (char *)dst, NULL };

	if (pea_run_wait(argv, err) < 0)
		return pea_error_wrap(err, "copy '%s' to '%s'", src, dst);
	return 0;
}

/*
 * The mode of a new layer's root, as containers/storage makes it (a layer's tar does not
 * set it): its parent's, 0555 for a base layer (podman's 030-run: / is 555 in a container
 * of such an image). A user without a user namespace of its own keeps 0755, its only
 * way to write the layer. A parent still being applied (a pull's --wait-parent) is not
 * stored yet: 0555 here, and layer_apply() sets its mode once it is (settle_root_mode).
 */
int driver_root_mode(const struct store *s, const char *parent_id, mode_t *ret_mode)
{
	_cleanup_free_ char *pdiff = NULL;
	struct stat st;

	if (geteuid() != 0) {
		*ret_mode = 0755;
		return 0;
	}
	if (!parent_id) {
		*ret_mode = 0555;
		return 0;
	}
	pdiff = driver_diff_path(s, parent_id);
	if (stat(pdiff, &st) < 0)
		return -errno;
	*ret_mode = st.st_mode & 07777;
	return 0;
}

static mode_t root_mode(struct store *s, const char *parent_id)
{
	mode_t mode;

	return driver_root_mode(s, parent_id, &mode) < 0 ? 0555 : mode;
}

int driver_prepare_layer(struct store *s, int dirfd, const char *name, const char *parent_id,
			 struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *src = NULL;
	_cleanup_free_ char *dst = NULL;
	mode_t mode = root_mode(s, parent_id);

	if (mkdirat(dirfd, name, 0700) < 0)
		return pea_error_errno(err, "create the layer directory '%s'", name);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "open the layer directory '%s'", name);
	if (mkdirat(fd, "diff", 0700) < 0 || fchmodat(fd, "diff", mode, 0) < 0)
		return pea_error_errno(err, "create '%s/diff'", name);
	if (!driver_is_vfs(s)) {
		if (mkdirat(fd, "work", 0700) < 0 || mkdirat(fd, "merged", 0700) < 0)
			return pea_error_errno(err, "create '%s/work'", name);
		return 0;
	}
	if (!parent_id)
		return 0;
	src = driver_diff_path(s, parent_id);
	/* our fd, seen from the cp child */
	dst = xasprintf("/proc/%d/fd/%d/diff", (int)getpid(), fd);
	return copy_tree(src, dst, err);
}

static char *random_link(void)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned char buf[26];
	char *s = xmalloc(sizeof(buf) + 1);

	if (getrandom(buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		abort();
	for (size_t i = 0; i < sizeof(buf); i++)
		s[i] = alphabet[buf[i] % 32];
	s[sizeof(buf)] = '\0';
	return s;
}

int driver_commit_layer(struct store *s, int dirfd, const char *name, const char *id,
			char **ret_link, struct pea_error **err)
{
	_cleanup_free_ char *link = NULL;
	_cleanup_free_ char *target = NULL;
	_cleanup_free_ char *linkpath = NULL;

	if (renameat(dirfd, name, s->driver_fd, id) < 0)
		return pea_error_errno(err, "move the layer '%s' into place", id);
	if (driver_is_vfs(s)) {
		*ret_link = NULL;
		return 0;
	}
	link = random_link();
	target = xasprintf("../%s/diff", id);
	linkpath = xasprintf("l/%s", link);
	if (symlinkat(target, s->driver_fd, linkpath) < 0)
		return pea_error_errno(err, "create the link of layer '%s'", id);
	*ret_link = TAKE_PTR(link);
	return 0;
}

int driver_remove_layer(struct store *s, const struct layer_rec *l, struct pea_error **err)
{
	if (l->link) {
		_cleanup_free_ char *linkpath = xasprintf("l/%s", l->link);

		if (unlinkat(s->driver_fd, linkpath, 0) < 0 && errno != ENOENT)
			return pea_error_errno(err, "remove the link of layer '%s'", l->id);
	}
	/* container rm: gone at once, its files removed once the reply is out */
	if (s->use_trash && trash_move(s, s->driver_fd, l->id))
		return 0;
	if (pea_rm_rf_at(s->driver_fd, l->id, err) < 0)
		return pea_error_wrap(err, "remove layer '%s'", l->id);
	return 0;
}

/* ---- mount state: RUNROOT/mounts/ID.json {"count": N, "mountpoint": "..."} ------------- */

static int read_count(struct store *s, const char *id)
{
	_cleanup_json_ struct json_object *o = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_free_ char *path = xasprintf("mounts/%s.json", id);
	int count = 0;

	if (!pea_path_exists_at(s->run_fd, path))
		return 0;
	if (pea_json_parse_file_at(s->run_fd, path, 65536, &o, &e) < 0 ||
	    pea_json_get_int_opt(o, "", "count", &count, &e) < 0) {
		log_warning("mount state of '%s': %s, ignoring", id, e->message);
		return 0;
	}
	return count > 0 ? count : 0;
}

static int write_count(struct store *s, const char *id, int count, const char *mountpoint,
		       struct pea_error **err)
{
	_cleanup_free_ char *name = xasprintf("%s.json", id);
	_cleanup_close_ int dfd = openat(s->run_fd, "mounts", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_json_ struct json_object *o = NULL;
	const char *text;

	if (dfd < 0)
		return pea_error_errno(err, "open '%s/mounts'", s->run_root);
	if (count == 0) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return pea_error_errno(err, "remove the mount state of '%s'", id);
		return 0;
	}
	o = json_object_new_object();
	json_object_object_add(o, "count", json_object_new_int(count));
	json_object_object_add(o, "mountpoint", json_object_new_string(mountpoint));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	/* the run root: no fsync */
	return pea_write_file_replace_at(dfd, name, text, strlen(text), 0600, err);
}

int driver_mount_count(struct store *s, const char *id)
{
	return read_count(s, id);
}

static bool is_mount_root(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &stx) <
	    0)
		return false;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static char *mountpoint_of(const struct store *s, const char *id)
{
	if (driver_is_vfs(s))
		return driver_diff_path(s, id);
	return xasprintf("%s/overlay/%s/merged", s->graph_root, id);
}

/* "l/A:l/B" (top first), with prefix before each. */
static int lower_list(struct store *s, const char *id, const char *prefix, char ***ret,
		      struct pea_error **err)
{
	_cleanup_strv_ char **lowers = NULL;
	_cleanup_free_ char *cur = NULL;
	struct layer_rec l = { 0 };

	if (layer_load(s, id, &l, err) < 0)
		return -1;
	cur = l.parent ? xstrdup(l.parent) : NULL;
	layer_rec_clear(&l);
	while (cur) {
		if (pea_strv_length(lowers) >= MAX_LAYER_DEPTH)
			return pea_error_new(err, ELOOP, "layer '%s': more than %d parents", id,
					     MAX_LAYER_DEPTH);
		if (layer_load(s, cur, &l, err) < 0)
			return pea_error_wrap(err, "parent of layer '%s'", id);
		if (l.damaged) {
			pea_error_new(err, EUCLEAN, "layer '%s' is damaged: %s: %s", cur, l.damaged,
				      durable_remedy(&l));
			layer_rec_clear(&l);
			return -1;
		}
		if (!l.link) {
			layer_rec_clear(&l);
			return pea_error_new(err, EINVAL, "layer '%s' has no overlay link", cur);
		}
		pea_strv_push_take(&lowers, xasprintf("%sl/%s", prefix, l.link));
		free(cur);
		cur = l.parent ? xstrdup(l.parent) : NULL;
		layer_rec_clear(&l);
	}
	if (!lowers) {
		/* a layer without parents still needs one lower directory */
		if (mkdirat(s->driver_fd, "empty", 0700) < 0 && errno != EEXIST)
			return pea_error_errno(err, "create '%s/overlay/empty'", s->graph_root);
		pea_strv_push_take(&lowers, xasprintf("%sempty", prefix));
	}
	*ret = TAKE_PTR(lowers);
	return 0;
}

static int lower_dirs(struct store *s, const char *id, const char *prefix, char **ret,
		      struct pea_error **err)
{
	_cleanup_strv_ char **lowers = NULL;

	if (lower_list(s, id, prefix, &lowers, err) < 0)
		return -1;
	*ret = pea_strv_join(lowers, ":");
	return 0;
}

struct fd_list {
	int *fds;
	size_t n;
};

static void fd_list_clear(struct fd_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		pea_close(l->fds[i]);
	free(l->fds);
}

/* Each lower layer as an idmapped detached mount, named "/proc/self/fd/N". */
static int idmapped_lowers(struct store *s, const char *id, const struct idmaps *maps,
			   struct fd_list *fds, char **ret, struct pea_error **err)
{
	_cleanup_free_ char *prefix = xasprintf("%s/overlay/", s->graph_root);
	_cleanup_strv_ char **lowers = NULL;
	_cleanup_strv_ char **names = NULL;
	_cleanup_close_ int userns = -1;

	if (lower_list(s, id, prefix, &lowers, err) < 0 ||
	    idmap_userns_fd(&maps->uids, &maps->gids, &userns, err) < 0)
		return -1;
	fds->fds = xcalloc(pea_strv_length(lowers), sizeof(int));
	for (char **l = lowers; *l; l++) {
		if (idmap_open_tree(*l, userns, &fds->fds[fds->n], err) < 0)
			return -1;
		pea_strv_push_take(&names, xasprintf("/proc/self/fd/%d", fds->fds[fds->n++]));
	}
	*ret = pea_strv_join(names, ":");
	return 0;
}

/* "C:H:N,...;C:H:N,..." of both maps, hashed (FNV-1a): the name of their copies. */
static char *maps_key(const struct idmaps *maps)
{
	const struct idmap *m[] = { &maps->uids, &maps->gids };
	uint64_t h = 14695981039346656037ull;

	for (size_t k = 0; k < ARRAY_SIZE(m); k++)
		for (unsigned int i = 0; i < m[k]->n; i++) {
			uint32_t v[] = { m[k]->container[i], m[k]->host[i], m[k]->count[i],
					 (uint32_t)k };

			for (size_t j = 0; j < ARRAY_SIZE(v); j++)
				for (int b = 0; b < 32; b += 8) {
					h ^= (v[j] >> b) & 0xff;
					h *= 1099511628211ull;
				}
		}
	return xasprintf("%016llx", (unsigned long long)h);
}

/*
 * The image's files as the container's ids see them, for the one lower directory
 * of its mount: PARENT/mapped/KEY, a copy of the merged view of its layers with every
 * owner mapped (idmap_copy_tree). Made once per image and id map (rootless keep-id
 * containers of an image all share one); a mount of the layers read-only in a
 * detached mount gives the merged view.
 */
static int mapped_copy_make(struct store *s, const char *id, const char *parent_dir,
			    const char *dir, const struct idmaps *maps, struct pea_error **err)
{
	_cleanup_free_ char *prefix = xasprintf("%s/overlay/", s->graph_root);
	_cleanup_free_ char *rand = random_link();
	_cleanup_free_ char *mnt = xasprintf("%s/.mnt-%s", parent_dir, rand);
	_cleanup_free_ char *tmp = xasprintf("%s/.tmp-%s", parent_dir, rand);
	_cleanup_free_ char *mntpath = xasprintf("%s%s", prefix, mnt);
	_cleanup_free_ char *lowers = NULL, *opts = NULL;
	_cleanup_strv_ char **list = NULL;
	_cleanup_close_ int src = -1, dst = -1;
	int r;

	if (lower_list(s, id, prefix, &list, err) < 0)
		return -1;
	if (pea_strv_length(list) == 1) {
		/* overlay wants two lower directories when it has no upper one */
		if (mkdirat(s->driver_fd, "empty", 0700) < 0 && errno != EEXIST)
			return pea_error_errno(err, "create '%sempty'", prefix);
		pea_strv_push_take(&list, xasprintf("%sempty", prefix));
	}
	lowers = pea_strv_join(list, ":");
	opts = xasprintf("lowerdir=%s%s", lowers, s->rootless ? ",userxattr" : "");
	if ((long)strlen(opts) >= sysconf(_SC_PAGESIZE))
		return pea_error_new(err, E2BIG,
				     "layer '%s': too many layers for one overlay mount", id);
	if (mkdirat(s->driver_fd, mnt, 0700) < 0)
		return pea_error_errno(err, "create '%s%s'", prefix, mnt);
	if (mount("overlay", mntpath, "overlay", MS_RDONLY, opts) < 0) {
		r = pea_error_errno(err, "mount the image's layers on '%s' (%s)", mntpath, opts);
		unlinkat(s->driver_fd, mnt, AT_REMOVEDIR);
		return r;
	}
	src = open(mntpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = src < 0 ? pea_error_errno(err, "open '%s'", mntpath) : 0;
	/* the open fd keeps the detached mount for the copy; nothing is left mounted */
	if (umount2(mntpath, MNT_DETACH) < 0)
		log_warning("unmount '%s': %s, ignoring", mntpath, strerror(errno));
	unlinkat(s->driver_fd, mnt, AT_REMOVEDIR);
	if (r < 0)
		return r;
	if (mkdirat(s->driver_fd, tmp, 0700) < 0)
		return pea_error_errno(err, "create '%s%s'", prefix, tmp);
	dst = openat(s->driver_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst < 0)
		r = pea_error_errno(err, "open '%s%s'", prefix, tmp);
	if (r == 0 && idmap_copy_tree(src, dst, &maps->uids, &maps->gids, err) < 0)
		r = pea_error_wrap(err, "copy the image's files mapped to the container's ids");
	if (r == 0 && renameat(s->driver_fd, tmp, s->driver_fd, dir) < 0 && errno != EEXIST &&
	    errno != ENOTEMPTY)
		r = pea_error_errno(err, "rename '%s%s'", prefix, tmp);
	/* made meanwhile by another mount of the same image and map: that one is as good */
	(void)pea_rm_rf_at(s->driver_fd, tmp, NULL);
	return r;
}

/*
 * The container's lower directory of mapped copies: "PARENT/mapped/KEY" relative to
 * the driver dir (made when missing), or, for a container without an image, the
 * usual empty one.
 */
static int mapped_lowers(struct store *s, const char *id, const struct idmaps *maps, char **ret,
			 struct pea_error **err)
{
	_cleanup_free_ char *key = maps_key(maps), *dir = NULL, *parent_dir = NULL;
	struct layer_rec l = { 0 };

	if (layer_load(s, id, &l, err) < 0)
		return -1;
	if (!l.parent) {
		layer_rec_clear(&l);
		return lower_dirs(s, id, "", ret, err);
	}
	parent_dir = xasprintf("%s/mapped", l.parent);
	dir = xasprintf("%s/%s", parent_dir, key);
	layer_rec_clear(&l);
	if (mkdirat(s->driver_fd, parent_dir, 0700) < 0 && errno != EEXIST)
		return pea_error_errno(err, "create '%s/overlay/%s'", s->graph_root, parent_dir);
	if (!pea_path_exists_at(s->driver_fd, dir) &&
	    mapped_copy_make(s, id, parent_dir, dir, maps, err) < 0)
		return -1;
	*ret = TAKE_PTR(dir);
	return 0;
}

/* Idmapped mounts of the layers where the kernel lets us (root), else mapped copies. */
static int lowers_for_maps(struct store *s, const char *id, const struct idmaps *maps,
			   struct fd_list *fds, char **ret, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *e = NULL;

	if (s->rootless)
		return mapped_lowers(s, id, maps, ret, err);
	if (idmapped_lowers(s, id, maps, fds, ret, &e) == 0)
		return 0;
	if (e->code != EPERM && e->code != EINVAL && e->code != ENOSYS && e->code != EOPNOTSUPP) {
		*err = TAKE_PTR(e);
		return -1;
	}
	log_debug("%s: using mapped copies of the layers", e->message);
	fd_list_clear(fds);
	*fds = (struct fd_list){ 0 };
	return mapped_lowers(s, id, maps, ret, err);
}

/*
 * A "volatile" overlay mount (no sync of the writable layer, not even at the
 * unmount, which otherwise syncs the whole file system under it: milliseconds
 * on a busy disk; podman's for --rm containers) leaves work/incompat/volatile
 * behind, after which the kernel refuses to mount that layer again. The layer
 * is not mounted here: the mark goes (after a crash the layer may lack what
 * was not synced, which volatile accepted).
 */
static int clear_volatile_mark(struct store *s, const char *id, struct pea_error **err)
{
	_cleanup_free_ char *mark = xasprintf("%s/work/work/incompat", id);

	if (!pea_path_exists_at(s->driver_fd, mark))
		return 0;
	return pea_rm_rf_at(s->driver_fd, mark, err);
}

static int mount_kernel(struct store *s, const char *id, const struct idmaps *maps,
			const char *target, struct pea_error **err)
{
	_cleanup_free_ char *lowers = NULL;
	_cleanup_free_ char *opts = NULL;
	_cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_(fd_list_clear) struct fd_list fds = { 0 };
	long page = sysconf(_SC_PAGESIZE);
	int r;

	r = maps ? lowers_for_maps(s, id, maps, &fds, &lowers, err)
		 : lower_dirs(s, id, "", &lowers, err);
	if (r < 0)
		return -1;
	if (clear_volatile_mark(s, id, err) < 0)
		return -1;
	/* relative to the driver dir, which the mount resolves from our cwd */
	opts = xasprintf("lowerdir=%s,upperdir=%s/diff,workdir=%s/work%s%s%s%s", lowers, id, id,
			 s->rootless ? ",userxattr" : "", s->volatile_mount ? ",volatile" : "",
			 s->mountopt ? "," : "", s->mountopt ? s->mountopt : "");
	if ((long)strlen(opts) >= page)
		return pea_error_new(err, E2BIG,
				     "layer '%s': too many layers for one overlay mount", id);
	if (fchdir(s->driver_fd) < 0)
		return pea_error_errno(err, "chdir '%s/overlay'", s->graph_root);
	r = mount("overlay", target, "overlay", 0, opts);
	if (r < 0 && errno == EINVAL && s->volatile_mount) {
		/* a kernel before 5.10 has no volatile: the mount as usual */
		char *v = strstr(opts, ",volatile");

		if (v) {
			memmove(v, v + strlen(",volatile"), strlen(v + strlen(",volatile")) + 1);
			r = mount("overlay", target, "overlay", 0, opts);
		}
	}
	if (r < 0)
		r = pea_error_errno(err, "mount overlay on '%s' (%s)", target, opts);
	if (cwd >= 0 && fchdir(cwd) < 0)
		log_debug("restore the working directory: %s", strerror(errno));
	return r;
}

/* fuse-overlayfs's form: "C:H:N:C:H:N". */
static char *fuse_mapping(const struct idmap *m)
{
	_cleanup_strv_ char **parts = NULL;

	for (unsigned int i = 0; i < m->n; i++)
		pea_strv_push_take(&parts,
				   xasprintf("%u:%u:%u", m->container[i], m->host[i], m->count[i]));
	return pea_strv_join(parts, ":");
}

/* Run the mount program; it stays as the FUSE server, away from our stdout. */
static int run_mount_program(struct store *s, char *opts, const char *target,
			     struct pea_error **err)
{
	_cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct pea_fd_map fds[] = { { devnull, 0 }, { devnull, 1 }, { 2, 2 } };
	char *argv[] = { s->mount_program, "-o", opts, (char *)target, NULL };
	struct pea_spawn sp = { .argv = argv, .fds = fds, .nfds = ARRAY_SIZE(fds) };
	pid_t pid;
	int status;

	if (devnull < 0)
		return pea_error_errno(err, "open /dev/null");
	if (pea_spawn(&sp, &pid, NULL, err) < 0 || pea_wait(pid, -1, -1, &status, err) < 0)
		return pea_error_wrap(err, "mount program '%s'", s->mount_program);
	if (status != 0) {
		_cleanup_free_ char *why = pea_describe_wait_status(status);

		return pea_error_new(err, EIO, "mount program '%s' %s", s->mount_program, why);
	}
	return 0;
}

static int mount_program(struct store *s, const char *id, const struct idmaps *maps,
			 const char *target, struct pea_error **err)
{
	_cleanup_free_ char *uidmapping = maps ? fuse_mapping(&maps->uids) : NULL;
	_cleanup_free_ char *gidmapping = maps ? fuse_mapping(&maps->gids) : NULL;
	_cleanup_free_ char *mapping =
		maps ? xasprintf(",uidmapping=%s,gidmapping=%s", uidmapping, gidmapping)
		     : xstrdup("");
	_cleanup_free_ char *prefix = xasprintf("%s/overlay/", s->graph_root);
	_cleanup_free_ char *lowers = NULL;
	_cleanup_free_ char *opts = NULL;

	if (lower_dirs(s, id, prefix, &lowers, err) < 0)
		return -1;
	opts = xasprintf("lowerdir=%s,upperdir=%s%s/diff,workdir=%s%s/work%s%s%s", lowers, prefix,
			 id, prefix, id, mapping, s->mountopt ? "," : "",
			 s->mountopt ? s->mountopt : "");
	return run_mount_program(s, opts, target, err);
}

int driver_mount(struct store *s, const char *id, const struct idmaps *maps, char **ret_mountpoint,
		 int *ret_count, struct pea_error **err)
{
	_cleanup_free_ char *target = mountpoint_of(s, id);
	int count = read_count(s, id);

	if (count > 0 && !driver_is_vfs(s) && !is_mount_root(target)) {
		log_warning("layer '%s' was counted as mounted but is not, ignoring", id);
		count = 0;
	}
	if (count == 0 && !driver_is_vfs(s)) {
		int r = s->mount_program ? mount_program(s, id, maps, target, err)
					 : mount_kernel(s, id, maps, target, err);
		if (r < 0)
			return r;
	}
	if (write_count(s, id, count + 1, target, err) < 0)
		return -1;
	*ret_count = count + 1;
	*ret_mountpoint = TAKE_PTR(target);
	return 0;
}

static int do_umount(struct store *s, const char *target, struct pea_error **err)
{
	if (umount2(target, UMOUNT_NOFOLLOW) == 0 || errno == EINVAL || errno == ENOENT)
		return 0;
	if (errno == EPERM && s->mount_program) {
		char *argv[] = { "fusermount3", "-u", (char *)target, NULL };

		return pea_run_wait(argv, err);
	}
	return pea_error_errno(err, "unmount '%s'", target);
}

/* Drop one reference to the mount counted under key at target; unmount at zero. */
static int counted_unmount(struct store *s, const char *id, const char *target, bool force,
			   int *ret_count, struct pea_error **err)
{
	int count = read_count(s, id);

	if (count > 1 && !force) {
		if (write_count(s, id, count - 1, target, err) < 0)
			return -1;
		*ret_count = count - 1;
		return 0;
	}
	if (!driver_is_vfs(s) && (count > 0 || force) && is_mount_root(target) &&
	    do_umount(s, target, err) < 0)
		return -1;
	if (write_count(s, id, 0, target, err) < 0)
		return -1;
	*ret_count = 0;
	return 0;
}

int driver_unmount(struct store *s, const char *id, bool force, int *ret_count,
		   struct pea_error **err)
{
	_cleanup_free_ char *target = mountpoint_of(s, id);

	return counted_unmount(s, id, target, force, ret_count, err);
}

/* ---- images: read-only mounts of the layers ------------------------------------------- */

static char *image_key(const char *image_id)
{
	return xasprintf("image-%s", image_id);
}

static char *image_mountpoint(const struct store *s, const char *image_id, const char *top)
{
	if (driver_is_vfs(s))
		return driver_diff_path(s, top);
	return xasprintf("%s/images/%s/merged", s->graph_root, image_id);
}

int driver_image_mount_count(struct store *s, const char *image_id)
{
	_cleanup_free_ char *key = image_key(image_id);

	return read_count(s, key);
}

/* The top layer over its parents, without an upper directory: read-only. */
static int mount_image_ro(struct store *s, const char *top, const char *target,
			  struct pea_error **err)
{
	_cleanup_free_ char *prefix =
		s->mount_program ? xasprintf("%s/overlay/", s->graph_root) : xstrdup("");
	_cleanup_free_ char *parents = NULL;
	_cleanup_free_ char *opts = NULL;
	_cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct layer_rec l = { 0 };
	int r;

	if (layer_load(s, top, &l, err) < 0)
		return -1;
	/* overlay wants two lower directories at least: a base layer goes over "empty" */
	r = l.link ? lower_dirs(s, top, prefix, &parents, err)
		   : pea_error_new(err, EINVAL, "layer '%s' has no overlay link", top);
	if (r == 0)
		opts = xasprintf("lowerdir=%sl/%s:%s%s", prefix, l.link, parents,
				 s->rootless && !s->mount_program ? ",userxattr" : "");
	layer_rec_clear(&l);
	if (r < 0)
		return r;
	if (s->mount_program)
		return run_mount_program(s, opts, target, err);
	if (fchdir(s->driver_fd) < 0)
		return pea_error_errno(err, "chdir '%s/overlay'", s->graph_root);
	r = mount("overlay", target, "overlay", MS_RDONLY, opts);
	if (r < 0)
		r = pea_error_errno(err, "mount overlay on '%s' (%s)", target, opts);
	if (cwd >= 0 && fchdir(cwd) < 0)
		log_debug("restore the working directory: %s", strerror(errno));
	return r;
}

int driver_mount_image(struct store *s, const char *image_id, const char *top,
		       char **ret_mountpoint, int *ret_count, struct pea_error **err)
{
	_cleanup_free_ char *key = image_key(image_id);
	_cleanup_free_ char *target = image_mountpoint(s, image_id, top);
	int count = read_count(s, key);

	if (count > 0 && !driver_is_vfs(s) && !is_mount_root(target)) {
		log_warning("image '%s' was counted as mounted but is not, ignoring", image_id);
		count = 0;
	}
	if (count == 0 && !driver_is_vfs(s)) {
		_cleanup_free_ char *dir = xasprintf("images/%s/merged", image_id);

		if (pea_mkdir_p_at(s->root_fd, dir, 0700, NULL, err) < 0)
			return -1;
		if (mount_image_ro(s, top, target, err) < 0)
			return -1;
	}
	if (write_count(s, key, count + 1, target, err) < 0)
		return -1;
	*ret_count = count + 1;
	*ret_mountpoint = TAKE_PTR(target);
	return 0;
}

int driver_unmount_image(struct store *s, const char *image_id, const char *top, bool force,
			 int *ret_count, struct pea_error **err)
{
	_cleanup_free_ char *key = image_key(image_id);
	_cleanup_free_ char *target = image_mountpoint(s, image_id, top);

	return counted_unmount(s, key, target, force, ret_count, err);
}
