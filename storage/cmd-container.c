/* pea-storage container create|ls|inspect|mount|unmount|rm */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/image-match.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "cli.h"
#include "commands.h"
#include "driver.h"
#include "durable.h"
#include "idmap.h"
#include "layer.h"
#include "records.h"
#include "store.h"
#include "trash.h"

static const char usage[] =
	"Usage: pea-storage container COMMAND\n"
	"  create [--image IMAGE | --image-find NAME [--image-find-full FULL]\n"
	"         [--image-find-short]] [--name NAME]... [--id ID] [--uidmap C:H:N[,...]]\n"
	"         [--gidmap C:H:N[,...]] [--metadata TEXT] [--mount [--volatile]]\n"
	"                                                      a writable layer over the image\n"
	"                                                      (--mount: mounted too; --volatile:\n"
	"                                                      no syncs, for --rm containers;\n"
	"                                                      --metadata: kept as given;\n"
	"                                                      --image-find: looked up as pea\n"
	"                                                      does, its record in the reply)\n"
	"  ls                                                  every container\n"
	"  inspect CONTAINER                                   one container (id, prefix or name)\n"
	"  mount CONTAINER                                     mount its root; prints the "
	"mountpoint\n"
	"  unmount [--force] CONTAINER                         drop one mount (all with --force)\n"
	"  rm [--force] [--ignore] [--hand-off-fd=N] CONTAINER...\n"
	"                                                      remove (--force: mounted too;\n"
	"                                                      --ignore: none there is no error;\n"
	"                                                      --hand-off-fd: the files' removal\n"
	"                                                      passed to the caller on socket N)\n"
	"  diff CONTAINER                                      its changes as a tar on stdout\n";

static struct json_object *container_json(struct store *s, const struct container_rec *c)
{
	struct json_object *o = container_rec_to_json(c);
	_cleanup_free_ char *path = driver_diff_path(s, c->layer);

	json_object_object_add(o, "layer_path", json_object_new_string(path));
	json_object_object_add(o, "mount_count",
			       json_object_new_int(driver_mount_count(s, c->layer)));
	return o;
}

static int name_taken(struct store *s, const char *name, struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;

	if (store_record_ids(s, "containers", &ids, err) < 0)
		return -1;
	for (char **id = ids; *id; id++) {
		struct container_rec c = { 0 };
		bool taken;

		if (container_load(s, *id, &c, err) < 0)
			return -1;
		taken = pea_strv_contains(c.names, name);
		container_rec_clear(&c);
		if (taken)
			return pea_error_new(err, EEXIST, "the name '%s' is used by container '%s'",
					     name, *id);
	}
	return 0;
}

/* --metadata: a few fields of its maker's (the frontend's owner and name) */
#define METADATA_MAX 4096u

static bool metadata_is_valid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (s[n] < 0x20 || s[n] > 0x7e || n >= METADATA_MAX)
			return false;
	return true;
}

struct create_options {
	const char *image;
	/* --image-find NAME as pea looks images up (lib/image-match.h): its full form, short */
	const char *image_find;
	const char *image_find_full;
	bool image_find_short;
	const char *id;
	char **names;
	const char *uid_map;
	const char *gid_map;
	const char *metadata;
	struct idmaps maps;
	bool mount;	/* and mount it: one call, one store lock, for `pea run` */
	bool volatile_; /* that mount without syncs (overlay's volatile), for `pea run --rm` */
};

/* The container's id maps, if it has any (*ret_maps NULL otherwise). */
static int container_maps(const struct container_rec *c, struct idmaps *maps,
			  const struct idmaps **ret_maps, struct pea_error **err)
{
	*ret_maps = NULL;
	if (!c->uid_map)
		return 0;
	if (idmap_parse(c->uid_map, &maps->uids, err) < 0 ||
	    idmap_parse(c->gid_map ? c->gid_map : c->uid_map, &maps->gids, err) < 0)
		return pea_error_wrap(err, "container '%s'", c->id);
	*ret_maps = maps;
	return 0;
}

static int parse_create(int argc, char **argv, struct create_options *o, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "name", required_argument, NULL, 'n' },
		{ "id", required_argument, NULL, 'I' },
		{ "uidmap", required_argument, NULL, 'u' },
		{ "gidmap", required_argument, NULL, 'g' },
		{ "mount", no_argument, NULL, 'm' },
		{ "volatile", no_argument, NULL, 'V' },
		{ "metadata", required_argument, NULL, 'M' },
		{ "image-find", required_argument, NULL, 'F' },
		{ "image-find-full", required_argument, NULL, 'f' },
		{ "image-find-short", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	cli_getopt_reset();
	while ((c = cli_getopt(argc, argv, "+:h", opts, "container create", err)) != -1) {
		switch (c) {
		case 'i':
			o->image = optarg;
			break;
		case 'n':
			if (!cli_is_valid_name(optarg) || strchr(optarg, '/'))
				return cli_usage_error(err, "container create: invalid name '%s'",
						       optarg);
			pea_strv_push(&o->names, optarg);
			break;
		case 'u':
		case 'g': {
			_cleanup_error_ struct pea_error *e = NULL;

			if (idmap_parse(optarg, c == 'u' ? &o->maps.uids : &o->maps.gids, &e) < 0)
				return cli_usage_error(err, "container create: %s", e->message);
			*(c == 'u' ? &o->uid_map : &o->gid_map) = optarg;
			break;
		}
		case 'I':
			if (!cli_is_full_id(optarg))
				return cli_usage_error(
					err, "container create: invalid id '%s' (64 hex digits)",
					optarg);
			o->id = optarg;
			break;
		case 'm':
			o->mount = true;
			break;
		case 'F':
			o->image_find = optarg;
			break;
		case 'f':
			o->image_find_full = optarg;
			break;
		case 's':
			o->image_find_short = true;
			break;
		case 'V':
			o->volatile_ = true;
			break;
		case 'M':
			if (!metadata_is_valid(optarg))
				return cli_usage_error(err,
						       "container create: --metadata: at most %u "
						       "printable ASCII characters",
						       METADATA_MAX);
			o->metadata = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			return -1;
		}
	}
	return cli_expect_operands(argc, optind, 0, "container create", "no arguments", err);
}

/* --image-find: the image pea would find by that name, its `image ls` record in *ret_rec. */
static int find_image(struct store *s, const struct create_options *o, char **ret_id,
		      struct json_object **ret_rec, struct pea_error **err)
{
	_cleanup_json_ struct json_object *all = NULL;
	struct json_object *hit, *id = NULL;

	if (!*o->image_find)
		return pea_error_new(err, EINVAL, "image name must not be empty");
	if (store_list_json(s, "images", image_record_json, &all, err) < 0)
		return -1;
	hit = pea_image_match(all, o->image_find, o->image_find_full, o->image_find_short);
	if (!hit)
		return pea_error_new(err, ENOENT, "%s: image not known", o->image_find);
	if (!json_object_object_get_ex(hit, "id", &id) || !json_object_get_string(id))
		return pea_error_new(err, EPROTO, "image '%s': a record without its id",
				     o->image_find);
	*ret_id = xstrdup(json_object_get_string(id));
	*ret_rec = json_object_get(hit);
	return 0;
}

static int create_container(struct store *s, const struct create_options *o,
			    struct container_rec *ret, struct json_object **ret_image,
			    struct pea_error **err)
{
	struct container_rec c = { 0 };
	struct image_rec i = { 0 };
	struct layer_rec l = { 0 };
	size_t n;
	int r = -1;

	c.id = o->id ? xstrdup(o->id) : cli_random_id();
	if (store_record_exists(s, "containers", c.id)) {
		pea_error_new(err, EEXIST, "container '%s' already exists", c.id);
		goto out;
	}
	for (char **name = o->names; name && *name; name++)
		if (name_taken(s, *name, err) < 0)
			goto out;
	if (o->image_find && find_image(s, o, &c.image, ret_image, err) < 0)
		goto out;
	if (o->image && store_resolve(s, "images", o->image, &c.image, err) < 0)
		goto out;
	if (c.image && (image_load(s, c.image, &i, err) < 0 || durable_check_image(s, &i, err) < 0))
		goto out;
	n = pea_strv_length(i.layers);
	if (layer_create(s, c.id, n ? i.layers[n - 1] : NULL, true, o->uid_map ? &o->maps : NULL,
			 &l, err) < 0)
		goto out;
	c.layer = xstrdup(l.id);
	c.uid_map = o->uid_map ? xstrdup(o->uid_map) : NULL;
	c.gid_map = o->gid_map ? xstrdup(o->gid_map) : NULL;
	c.metadata = o->metadata && *o->metadata ? xstrdup(o->metadata) : NULL;
	c.names = o->names ? pea_strv_copy(o->names) : xnew(char *, 1);
	c.created = cli_now_rfc3339();
	store_crash_point("container-before-record");
	if (container_save(s, &c, err) < 0) {
		_cleanup_error_ struct pea_error *e = NULL;

		layer_remove(s, c.layer, NULL, c.id, &e);
		goto out;
	}
	*ret = c;
	c = (struct container_rec){ 0 };
	r = 0;
out:
	container_rec_clear(&c);
	image_rec_clear(&i);
	layer_rec_clear(&l);
	return r;
}

/*
 * The records of a new container (store_record_write's records_ordered) made
 * durable with one fsync: on ext4 and xfs, whose journals commit in order,
 * that of containers/ commits the layer's record too. Four fsyncs were 5-10
 * ms of a `pea run -d`. Elsewhere (an ext4 made without a journal) each
 * record had its file's and its folder's fsyncs already, and a fifth would
 * only wait for the disk again. A crash before it leaves the container's
 * record or not, never torn.
 */
static int commit_records(struct store *s, const struct container_rec *c, struct pea_error **err)
{
	_cleanup_close_ int dfd =
		openat(s->root_fd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_error_ struct pea_error *e = NULL;

	if (dfd >= 0 && (!pea_fs_journal_ordered(dfd) || fsync(dfd) == 0))
		return 0;
	pea_error_errno(err, "sync '%s/containers'", s->graph_root);
	if (store_record_remove(s, "containers", c->id, &e) == 0)
		(void)layer_remove(s, c->layer, NULL, c->id, NULL);
	return -1;
}

/* create --mount: mounted as `container mount` does, or removed again. */
static int mount_new(struct store *s, const struct create_options *o, const struct container_rec *c,
		     struct json_object *image, struct pea_error **err)
{
	_cleanup_free_ char *mountpoint = NULL;
	struct json_object *reply;
	int count = 0;

	if (driver_mount(s, c->layer, o->uid_map ? &o->maps : NULL, &mountpoint, &count, err) < 0) {
		_cleanup_error_ struct pea_error *e = NULL;

		if (store_record_remove(s, "containers", c->id, &e) == 0)
			(void)layer_remove(s, c->layer, NULL, c->id, NULL);
		return pea_error_wrap(err, "mount '%s'", c->id);
	}
	reply = container_json(s, c);
	json_object_object_add(reply, "mountpoint", json_object_new_string(mountpoint));
	json_object_object_add(reply, "mount_count", json_object_new_int(count));
	if (image)
		json_object_object_add(reply, "image_record", json_object_get(image));
	return cli_reply(reply, err);
}

static int container_create_cmd(const struct global_options *g, int argc, char **argv,
				struct pea_error **err)
{
	struct create_options o = { 0 };
	struct container_rec c = { 0 };
	_cleanup_json_ struct json_object *image = NULL;
	struct store *s = NULL;
	int r = parse_create(argc, argv, &o, err);

	if (r == 0 && o.gid_map && !o.uid_map)
		r = cli_usage_error(err, "container create: --gidmap needs --uidmap");
	if (r == 0 && o.volatile_ && !o.mount)
		r = cli_usage_error(err, "container create: --volatile needs --mount");
	if (r == 0 && o.image && o.image_find)
		r = cli_usage_error(
			err, "container create: --image and --image-find exclude each other");
	if (r == 0 && !o.image_find && (o.image_find_full || o.image_find_short))
		r = cli_usage_error(err, "container create: --image-find-full and "
					 "--image-find-short need --image-find");
	if (r == 0 && o.uid_map && !o.gid_map) {
		o.gid_map = o.uid_map;
		o.maps.gids = o.maps.uids;
	}
	if (r == 0)
		r = store_open(g, true, &s, err);
	if (r == 0) {
		/* the layer and record too: what a crash may lose of a --rm container */
		s->volatile_mount = s->records_nosync = o.volatile_;
		/* the layer's and the container's records: one fsync for both, below */
		s->records_ordered = !o.volatile_;
		r = create_container(s, &o, &c, &image, err);
	}
	if (r == 0 && s->records_ordered)
		r = commit_records(s, &c, err);
	if (r == 0 && o.mount) {
		r = mount_new(s, &o, &c, image, err);
	} else if (r == 0) {
		struct json_object *reply = container_json(s, &c);

		if (image)
			json_object_object_add(reply, "image_record", json_object_get(image));
		r = cli_reply(reply, err);
	}
	if (r == 0)
		store_mark_clean(s);
	container_rec_clear(&c);
	store_free(s);
	pea_strv_free(o.names);
	return r < 0 && !cli_usage_failed() ? pea_error_wrap(err, "container create") : r;
}

static int container_record_json(struct store *s, const char *id, struct json_object **ret,
				 struct pea_error **err)
{
	struct container_rec rec = { 0 };
	int r = container_load(s, id, &rec, err);

	if (r == 0)
		*ret = container_json(s, &rec);
	container_rec_clear(&rec);
	return r;
}

static int container_ls_cmd(const struct global_options *g, int argc, char **argv,
			    struct pea_error **err)
{
	struct json_object *list = NULL;
	struct store *s = NULL;
	int r = cli_simple_args(argc, argv, "container ls", 0, "no arguments", usage, err);

	if (r != 0)
		return r;
	if (store_open(g, false, &s, err) < 0)
		return -1;
	r = store_list_json(s, "containers", container_record_json, &list, err);
	if (r == 0)
		r = cli_reply(list, err);
	store_free(s);
	return r;
}

static int open_container(const struct global_options *g, bool exclusive, const char *ref,
			  struct store **ret_s, struct container_rec *ret, struct pea_error **err)
{
	_cleanup_free_ char *id = NULL;
	struct store *s = NULL;

	if (store_open(g, exclusive, &s, err) < 0)
		return -1;
	if (store_resolve(s, "containers", ref, &id, err) < 0 ||
	    container_load(s, id, ret, err) < 0) {
		store_free(s);
		return -1;
	}
	*ret_s = s;
	return 0;
}

static int container_inspect_cmd(const struct global_options *g, int argc, char **argv,
				 struct pea_error **err)
{
	struct store *s = NULL;
	struct container_rec c = { 0 };
	int r = cli_simple_args(argc, argv, "container inspect", 1, "a container", usage, err);

	if (r != 0)
		return r;
	if (open_container(g, false, argv[optind], &s, &c, err) < 0)
		return -1;
	r = cli_reply(container_json(s, &c), err);
	container_rec_clear(&c);
	store_free(s);
	return r;
}

static int container_mount_cmd(const struct global_options *g, int argc, char **argv,
			       struct pea_error **err)
{
	_cleanup_free_ char *mountpoint = NULL;
	const struct idmaps *mapped = NULL;
	struct idmaps maps;
	struct json_object *o;
	struct store *s = NULL;
	struct container_rec c = { 0 };
	int count = 0;
	int r = cli_simple_args(argc, argv, "container mount", 1, "a container", usage, err);

	if (r != 0)
		return r;
	if (open_container(g, true, argv[optind], &s, &c, err) < 0)
		return pea_error_wrap(err, "container mount");
	r = container_maps(&c, &maps, &mapped, err);
	if (r == 0)
		r = driver_mount(s, c.layer, mapped, &mountpoint, &count, err);
	if (r == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(c.id));
		json_object_object_add(o, "mountpoint", json_object_new_string(mountpoint));
		json_object_object_add(o, "mount_count", json_object_new_int(count));
		r = cli_reply(o, err);
		store_mark_clean(s);
	} else {
		pea_error_wrap(err, "container mount: '%s'", c.id);
	}
	container_rec_clear(&c);
	store_free(s);
	return r;
}

/* unmount and rm: [--force] CONTAINER */
static int parse_force(int argc, char **argv, const char *cmd, bool *force, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	cli_getopt_reset();
	while ((c = cli_getopt(argc, argv, "+:fh", opts, cmd, err)) != -1) {
		if (c == 'f') {
			*force = true;
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		return -1;
	}
	return cli_expect_operands(argc, optind, 1, cmd, "a container", err);
}

/*
 * The end of a kernel overlay mount syncs the file system under its upper
 * directory (overlayfs's sync_fs when the superblock goes: tens of ms on a
 * busy disk). Under the store's exclusive lock that serialised removals run
 * side by side (pea rm -a): each waited for the others' syncs. So the last
 * unmount detaches the mount here, pinned by an fd that keeps its
 * superblock; the driver then finds nothing mounted and counts it so, and
 * the caller closes the fd once the lock is released: the sync comes then,
 * beside the other removals' (the block layer merges their flushes). A mount
 * of the same layer meanwhile is a new superblock over the same directories,
 * as after any unmount. Without a kernel overlay, when the mount is not the
 * last reference, or when it is busy: -1, nothing done. A lazy detach of a busy
 * mount (a process's working directory or open file in it) would succeed and hide
 * it, its overlay living on over a layer about to be removed: the busy mount is
 * left to the driver's plain unmount, which reports it (EBUSY). The probe is
 * umount2(MNT_EXPIRE), which unmounts nothing on a first call: EBUSY when
 * something uses the mount, EAGAIN when nothing does (and marks it expired; a
 * mount already marked and unused since is unmounted by it: nothing to pin then).
 */
static int detach_pinned(struct store *s, const struct container_rec *c, bool force)
{
	_cleanup_free_ char *target = NULL;
	_cleanup_close_ int fd = -1;
	struct statx stx;

	if (driver_is_vfs(s) || s->mount_program || s->volatile_mount)
		return -1;
	if (!force && driver_mount_count(s, c->layer) > 1)
		return -1;
	target = xasprintf("%s/overlay/%s/merged", s->graph_root, c->layer);
	if (umount2(target, MNT_EXPIRE | UMOUNT_NOFOLLOW) == 0 || errno != EAGAIN)
		return -1;
	fd = open(target, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) < 0 ||
	    !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
	    !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return -1;
	if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return -1; /* the driver's own unmount says why */
	return TAKE_FD(fd);
}

static int container_unmount_cmd(const struct global_options *g, int argc, char **argv,
				 struct pea_error **err)
{
	_cleanup_close_ int pin = -1;
	struct json_object *o;
	struct store *s = NULL;
	struct container_rec c = { 0 };
	bool force = false;
	int count = 0;
	int r = parse_force(argc, argv, "container unmount", &force, err);

	if (r != 0)
		return r;
	if (open_container(g, true, argv[optind], &s, &c, err) < 0)
		return pea_error_wrap(err, "container unmount");
	if (driver_mount_count(s, c.layer) > 0)
		pin = detach_pinned(s, &c, force);
	r = driver_unmount(s, c.layer, force, &count, err);
	if (r == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(c.id));
		json_object_object_add(o, "mount_count", json_object_new_int(count));
		json_object_object_add(o, "mounted", json_object_new_boolean(count > 0));
		r = cli_reply(o, err);
		store_mark_clean(s);
	} else {
		pea_error_wrap(err, "container unmount: '%s'", c.id);
	}
	container_rec_clear(&c);
	store_free(s);
	return r;
}

/*
 * *pin: the detached mount (detach_pinned), for the caller to close after the
 * lock. users: the users of the containers' layers, read once for several removals.
 */
static int remove_container(struct store *s, const struct container_rec *c,
			    const struct layer_users *users, bool force, int *pin,
			    struct pea_error **err)
{
	_cleanup_free_ char *user = layer_user_known(users, c->layer, NULL, c->id);
	int count = driver_mount_count(s, c->layer);

	/*
	 * The layer's users before anything goes: a refused removal keeps the record, the
	 * layer and its mounts (the record went first and the container left ls).
	 */
	if (user)
		return pea_error_new(err, EBUSY, "layer '%s' is in use: %s", c->layer, user);
	if (count > 0 && !force)
		return pea_error_new(err, EBUSY,
				     "container '%s' is mounted (%d); unmount it or use --force",
				     c->id, count);
	if (count > 0)
		*pin = detach_pinned(s, c, true);
	if (count > 0 && driver_unmount(s, c->layer, true, &count, err) < 0)
		return -1;
	/* the record first: a layer left without it is cleaned by `check --repair` */
	if (store_record_remove(s, "containers", c->id, err) < 0)
		return -1;
	store_crash_point("container-rm-after-record");
	return layer_remove_known(s, users, c->layer, NULL, c->id, err);
}

struct rm_opts {
	bool force, ignore;
	int hand_off; /* --hand-off-fd: the caller's socket for trash_pass, or -1 */
};

/* --hand-off-fd=N: an open unix socket */
static int parse_hand_off(const char *arg, int *ret_fd, struct pea_error **err)
{
	struct stat st;
	char *end = NULL;
	long fd;

	errno = 0;
	fd = strtol(arg, &end, 10);
	if (errno || end == arg || *end || fd < 3 || fd > INT_MAX)
		return cli_usage_error(
			err, "container rm: --hand-off-fd: '%s' is not a number of 3 or more", arg);
	if (fstat((int)fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return cli_usage_error(
			err, "container rm: --hand-off-fd: %ld is not an open socket", fd);
	*ret_fd = (int)fd;
	return 0;
}

/* rm [--force] [--ignore] [--hand-off-fd=N] CONTAINER...: o, and the operands from optind */
static int parse_rm(int argc, char **argv, struct rm_opts *o, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "ignore", no_argument, NULL, 'i' },
		{ "hand-off-fd", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*o = (struct rm_opts){ false, false, -1 };
	cli_getopt_reset();
	while ((c = cli_getopt(argc, argv, "+:fih", opts, "container rm", err)) != -1) {
		if (c == 'f' || c == 'i') {
			*(c == 'f' ? &o->force : &o->ignore) = true;
			continue;
		}
		if (c == 'H') {
			if (parse_hand_off(optarg, &o->hand_off, err) < 0)
				return -1;
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		return -1;
	}
	if (optind >= argc)
		return cli_usage_error(err, "container rm: missing a container");
	return 0;
}

struct pins {
	int *fds;
	size_t n;
};

static void close_pins_cb(void *arg)
{
	struct pins *p = arg;

	/*
	 * The last close of each syncs the file system under it: beside each
	 * other, not queued one after the other (pea_close_parallel).
	 */
	pea_close_parallel(p->fds, p->n);
}

/*
 * The layers of the containers named (full ids, as records name them), for reading the users
 * of those alone. *ret_own: each is its container's own, the layer create_container made with
 * the container's id: no other container's record can name it (another's layer is its own
 * id), so the containers' records need not be read for them (500 of a store's 1200 records).
 */
static size_t layers_of(struct store *s, char **names, size_t n, char ***ret, bool *ret_own)
{
	*ret_own = true;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *id = NULL;
		struct container_rec c = { 0 };

		if (store_resolve(s, "containers", names[i], &id, NULL) < 0 ||
		    container_load(s, id, &c, NULL) < 0)
			continue; /* not there (--ignore) or its own error below */
		pea_strv_push(ret, c.layer);
		*ret_own &= strcmp(c.layer, c.id) == 0;
		container_rec_clear(&c);
	}
	return pea_strv_length(*ret);
}

/*
 * Several containers under one lock, in one pass over the users of their layers
 * (pea rm -a gives all of its at once): the first that fails stops it, those
 * before it are removed. --ignore: one that is not there is no error.
 */
static int container_rm_cmd(const struct global_options *g, int argc, char **argv,
			    struct pea_error **err)
{
	_cleanup_free_ int *pins = NULL;
	_cleanup_strv_ char **layers = NULL;
	struct layer_users users = { 0 };
	struct json_object *o, *ids;
	struct store *s = NULL;
	struct pins p;
	struct rm_opts ro;
	bool live = false, own = true;
	int r = parse_rm(argc, argv, &ro, err);
	size_t n;

	if (r != 0)
		return r;
	if (store_open(g, true, &s, err) < 0)
		return pea_error_wrap(err, "container rm");
	n = (size_t)(argc - optind);
	pins = xnew(int, n);
	for (size_t i = 0; i < n; i++)
		pins[i] = -1;
	/* none: no container to remove (each one's own error below) */
	if (layers_of(s, argv + optind, n, &layers, &own) > 0)
		layer_users_read_of(s, layers, !own, &users);
	s->use_trash = true;
	ids = json_object_new_array();
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *id = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		struct container_rec c = { 0 };

		if (store_resolve(s, "containers", argv[optind + i], &id, &e) < 0 ||
		    container_load(s, id, &c, &e) < 0) {
			if (ro.ignore && e->code == ENOENT)
				continue;
			*err = TAKE_PTR(e);
			r = -1;
			break;
		}
		r = remove_container(s, &c, &users, ro.force, &pins[i], err);
		if (r == 0)
			json_object_array_add(ids, json_object_new_string(c.id));
		container_rec_clear(&c);
	}
	layer_users_clear(&users);
	if (r == 0) {
		o = json_object_new_object();
		/* one: {"id"}, as before; several: {"ids": [...]} */
		if (n == 1 && json_object_array_length(ids) == 1)
			json_object_object_add(o, "id",
					       json_object_get(json_object_array_get_idx(ids, 0)));
		else
			json_object_object_add(o, "ids", json_object_get(ids));
		r = cli_reply(o, err);
		store_mark_clean(s);
	} else {
		pea_error_wrap(err, "container rm");
	}
	json_object_put(ids);
	/*
	 * The removed layers' files and the detached mounts' last closes (their
	 * syncs) go in a process nobody waits for, once the lock is released:
	 * the caller's with --hand-off-fd, else one of ours.
	 */
	store_unlock(s);
	if (ro.hand_off >= 0 && !trash_wait())
		trash_pass(s, ro.hand_off, pins, n);
	p = (struct pins){ pins, n };
	for (size_t i = 0; i < n; i++)
		live |= pins[i] >= 0;
	trash_hand_off(s, live ? close_pins_cb : NULL, &p, pins, n);
	for (size_t i = 0; i < n; i++)
		pins[i] = pea_close(pins[i]);
	store_free(s);
	return r;
}

static int container_diff_cmd(const struct global_options *g, int argc, char **argv,
			      struct pea_error **err)
{
	const struct idmaps *mapped = NULL;
	struct idmaps maps;
	struct store *s = NULL;
	struct container_rec c = { 0 };
	int r = cli_simple_args(argc, argv, "container diff", 1, "a container", usage, err);

	if (r != 0)
		return r;
	cli_set_stream_output();
	if (isatty(STDOUT_FILENO))
		return cli_usage_error(
			err, "container diff: refusing to write a tar stream to a terminal");
	if (open_container(g, false, argv[optind], &s, &c, err) < 0)
		return pea_error_wrap(err, "container diff");
	r = container_maps(&c, &maps, &mapped, err);
	if (r == 0)
		r = layer_write_diff(s, c.layer, mapped, STDOUT_FILENO, err);
	container_rec_clear(&c);
	store_free(s);
	return r < 0 ? pea_error_wrap(err, "container diff") : 0;
}

static const struct subcommand container_commands[] = {
	{ "create", container_create_cmd },  { "ls", container_ls_cmd },
	{ "list", container_ls_cmd },	     { "inspect", container_inspect_cmd },
	{ "mount", container_mount_cmd },    { "unmount", container_unmount_cmd },
	{ "umount", container_unmount_cmd }, { "rm", container_rm_cmd },
	{ "diff", container_diff_cmd },	     { NULL, NULL },
};

int cmd_container(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return run_subcommand(container_commands, "container", usage, g, argc, argv, err);
}
