#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "driver.h"
#include "durable.h"
#include "records.h"
#include "store.h"
#include "tarsplit.h"
#include "tarverify.h"
#include "twin.h"

#define NOTE		"unsynced"
#define DAMAGED_LIST	"damaged"
#define LIST_MAX	(16u << 20)
#define DIRTY_EXPIRE	"/proc/sys/vm/dirty_expire_centisecs"
#define DIRTY_WRITEBACK "/proc/sys/vm/dirty_writeback_centisecs"

char *durable_boot_id(void)
{
	const char *test = getenv("PEA_STORAGE_TEST_BOOT_ID_FILE");
	char *boot = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, test && *test ? test : "/proc/sys/kernel/random/boot_id", 64,
			     &boot, &len, NULL) < 0)
		return xstrdup("-");
	boot[strcspn(boot, "\n")] = '\0';
	return boot;
}

bool durable_boot_known(void)
{
	_cleanup_free_ char *boot = durable_boot_id();

	return records_is_boot_id(boot);
}

/* GRAPH/NAME's lines (empty ones left out); -ENOENT when there is none. */
static int read_list(struct store *s, const char *name, char ***ret, struct timespec *ret_mtime,
		     struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_strv_ char **all = NULL;
	char **lines = xnew(char *, 1);
	struct stat st;
	size_t len = 0;

	if (fstatat(s->root_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		free(lines);
		return errno == ENOENT ? -ENOENT : pea_error_errno(err, "stat '%s'", name);
	}
	if (ret_mtime)
		*ret_mtime = st.st_mtim;
	if (pea_read_file_at(s->root_fd, name, LIST_MAX, &buf, &len, err) < 0) {
		free(lines);
		return pea_error_wrap(err, "store '%s'", s->graph_root);
	}
	all = pea_strv_split(buf, "\n");
	for (char **x = all; x && *x; x++)
		if (**x)
			pea_strv_push(&lines, *x);
	*ret = lines;
	return 0;
}

/* Replace GRAPH/NAME with these lines (none: remove it), durably. */
static int write_list(struct store *s, const char *name, char *const *lines, struct pea_error **err)
{
	_cleanup_free_ char *text = NULL;

	if (!lines || !*lines) {
		if (unlinkat(s->root_fd, name, 0) < 0 && errno != ENOENT)
			return pea_error_errno(err, "remove '%s/%s'", s->graph_root, name);
		return 0;
	}
	text = pea_strv_join(lines, "\n");
	text = xrealloc(text, strlen(text) + 2);
	strcat(text, "\n");
	return pea_write_file_atomic_at(s->root_fd, name, text, strlen(text), 0600, err);
}

bool durable_other_boot(int root_fd)
{
	_cleanup_free_ char *boot = NULL;
	_cleanup_close_ int fd = openat(root_fd, NOTE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char text[128] = { 0 };

	if (fd < 0 || read(fd, text, sizeof(text) - 1) < 0)
		return false;
	boot = durable_boot_id();
	text[strcspn(text, "\n")] = '\0';
	return strcmp(text, boot) != 0;
}

int durable_note(struct store *s, const char *id, struct pea_error **err)
{
	_cleanup_free_ char *boot = durable_boot_id();
	_cleanup_free_ char *line = xasprintf("%s\n", id);
	_cleanup_close_ int fd = -1;

	fd = openat(s->root_fd, NOTE, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		/* the first of this boot: durable before any record it speaks for */
		char *lines[] = { boot, (char *)id, NULL };

		return write_list(s, NOTE, lines, err);
	}
	/* within one boot the page cache is the truth: an append needs no sync */
	if (fd < 0)
		return pea_error_errno(err, "open '%s/%s'", s->graph_root, NOTE);
	if (pea_write_all(fd, line, strlen(line), err) < 0)
		return pea_error_wrap(err, "note layer '%s' in '%s/%s'", id, s->graph_root, NOTE);
	return 0;
}

/* syncfs of the graph root's file system, and of the driver's when it is another. */
static int sync_store(struct store *s, struct pea_error **err)
{
	struct stat a, b;

	if (syncfs(s->root_fd) < 0)
		return pea_error_errno(err, "sync the store '%s'", s->graph_root);
	if (fstat(s->root_fd, &a) == 0 && fstat(s->driver_fd, &b) == 0 && a.st_dev != b.st_dev &&
	    syncfs(s->driver_fd) < 0)
		return pea_error_errno(err, "sync the store '%s'", s->graph_root);
	return 0;
}

/* Clear the mark of layer id when it is boot's; true if there was one. */
static int clear_mark(struct store *s, const char *id, const char *boot, struct pea_error **err)
{
	struct layer_rec l = { 0 };
	int r = 0;

	if (!store_record_exists(s, "layers", id))
		return 0;
	if (layer_load(s, id, &l, err) < 0)
		return -1;
	if (l.unsynced && (!boot || !strcmp(l.unsynced, boot))) {
		l.unsynced = (free(l.unsynced), NULL);
		r = layer_save(s, &l, err) < 0 ? -1 : 1;
	}
	layer_rec_clear(&l);
	return r;
}

int durable_sync(struct store *s, int *ret_cleared, struct pea_error **err)
{
	_cleanup_free_ char *boot = durable_boot_id();
	_cleanup_strv_ char **lines = NULL;
	int cleared = 0, r;

	if (sync_store(s, err) < 0)
		return -1;
	r = read_list(s, NOTE, &lines, NULL, err);
	if (r == -ENOENT)
		goto out;
	if (r < 0)
		return -1;
	/* another boot's note is the open's to verify (durable_open_check), not to clear */
	if (!lines[0] || strcmp(lines[0], boot))
		goto out;
	for (char **id = lines + 1; *id; id++) {
		if (!**id)
			continue;
		r = clear_mark(s, *id, boot, err);
		if (r < 0)
			return pea_error_wrap(err, "clear the mark of layer '%s'", *id);
		cleared += r;
	}
	if (write_list(s, NOTE, NULL, err) < 0)
		return -1;
out:
	if (ret_cleared)
		*ret_cleared = cleared;
	return 0;
}

static long centisecs(const char *path, long dflt)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	long cs;

	if (pea_read_file_at(AT_FDCWD, path, 32, &text, &len, NULL) < 0)
		return dflt;
	cs = strtol(text, NULL, 10);
	return cs > 0 ? cs : dflt;
}

/*
 * The kernel's writeback window, in seconds: dirty pages older than dirty_expire are
 * written by the flusher, which wakes every dirty_writeback (30 s and 5 s by default).
 */
static long writeback_window_s(void)
{
	return (centisecs(DIRTY_EXPIRE, 3000) + centisecs(DIRTY_WRITEBACK, 500) + 99) / 100;
}

/* Add id to GRAPH/damaged. */
static int list_damaged(struct store *s, const char *id, struct pea_error **err)
{
	_cleanup_strv_ char **lines = NULL;
	int r = read_list(s, DAMAGED_LIST, &lines, NULL, err);

	if (r < 0 && r != -ENOENT)
		return -1;
	if (pea_strv_contains(lines, id))
		return 0;
	pea_strv_push(&lines, id);
	return write_list(s, DAMAGED_LIST, lines, err);
}

void durable_forget_damaged(struct store *s, const char *id)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_strv_ char **lines = NULL;
	_cleanup_strv_ char **keep = NULL;

	if (read_list(s, DAMAGED_LIST, &lines, NULL, &e) < 0)
		return;
	for (char **x = lines; *x; x++)
		if (**x && strcmp(*x, id) && store_record_exists(s, "layers", *x))
			pea_strv_push(&keep, *x);
	if (write_list(s, DAMAGED_LIST, keep, &e) < 0)
		log_warning("%s, ignoring", e->message);
}

const char *durable_remedy(const struct layer_rec *l)
{
	return l->refetchable ? "pull its image again"
			      : "remove its images and make them again, no registry has it";
}

/* Do the layer's files give back its diff id? NULL if so, else why not. */
static char *verify_files(struct store *s, const struct layer_rec *l)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_free_ char *diff = xasprintf("%s/diff", l->id);
	_cleanup_free_ char *split = xasprintf("%s/tar-split", l->id);
	_cleanup_close_ int dfd = openat(s->driver_fd, diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int sfd = -1;
	_cleanup_close_ int null = -1;
	struct tarverify_options vo = {
		.opaque_xattr = driver_opaque_xattr(s),
		.check_owner = !s->ignore_chown_errors,
	};
	struct tarverify *v = NULL;
	char *why = NULL;

	if (dfd < 0)
		return xasprintf("its files are gone (%s)", strerror(errno));
	sfd = openat(s->driver_fd, split, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (sfd < 0)
		return xasprintf("its tar-split record is gone (%s)", strerror(errno));
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0)
		return xasprintf("open '/dev/null': %s", strerror(errno));
	/* the contents give the diff id, the headers what else the apply made */
	v = tarverify_new();
	if (tarsplit_write_fed(sfd, dfd, l->diff_id, null, tarverify_feed, v, &e) < 0)
		why = xstrdup(e->message);
	else
		why = tarverify_finish(v, dfd, &vo);
	tarverify_free(v);
	return why;
}

/* Its overlay link, which a crash may have lost with the layer's move. */
static void verify_link(struct store *s, const struct layer_rec *l)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *want = NULL;
	char have[256];
	ssize_t n;

	if (!l->link)
		return;
	path = xasprintf("l/%s", l->link);
	want = xasprintf("../%s/diff", l->id);
	n = readlinkat(s->driver_fd, path, have, sizeof(have) - 1);
	if (n >= 0 && (have[n] = '\0', !strcmp(have, want)))
		return;
	unlinkat(s->driver_fd, path, 0);
	if (symlinkat(want, s->driver_fd, path) < 0)
		log_warning("layer '%s': cannot make its link again, ignoring", l->id);
}

/* A layer marked by another boot: its mark cleared, or the layer marked damaged. */
static int verify_layer(struct store *s, const char *id, struct pea_error **err)
{
	_cleanup_free_ char *why = NULL;
	struct layer_rec l = { 0 };
	int r;

	if (layer_load(s, id, &l, err) < 0)
		return -1;
	why = verify_files(s, &l);
	if (why) {
		log_warning("layer '%s' is damaged: %s (a crash came before its files were "
			    "synced), marked damaged: %s",
			    id, why, durable_remedy(&l));
		l.damaged = TAKE_PTR(why);
		r = list_damaged(s, id, err);
	} else {
		verify_link(s, &l);
		l.refetchable = false;
		log_info("layer '%s': its files are whole after a crash, mark cleared", id);
		r = 0;
	}
	l.unsynced = (free(l.unsynced), NULL);
	if (r == 0)
		r = layer_save(s, &l, err);
	layer_rec_clear(&l);
	return r;
}

/*
 * After a reboot: every layer record marked by another boot is verified (all of them,
 * not only those the note names: its appends were never synced). What was verified is
 * synced before the note goes.
 */
static int recover(struct store *s, const char *boot, struct pea_error **err)
{
	_cleanup_strv_ char **ids = NULL;
	_cleanup_strv_ char **note = NULL;

	if (store_record_ids(s, "layers", &ids, err) < 0)
		return -1;
	pea_strv_push(&note, boot);
	for (char **id = ids; *id; id++) {
		_cleanup_error_ struct pea_error *e = NULL;
		struct layer_rec l = { 0 };
		bool other, ours;

		/* a record that cannot be read is the commands' to report, not the open's */
		if (layer_load(s, *id, &l, &e) < 0) {
			log_warning("%s, ignoring", e->message);
			continue;
		}
		other = l.unsynced && strcmp(l.unsynced, boot);
		ours = l.unsynced && !other;
		layer_rec_clear(&l);
		if (other && verify_layer(s, *id, err) < 0)
			return pea_error_wrap(err, "store '%s'", s->graph_root);
		/* marked in this boot (the note was lost): noted again, for the next sync */
		if (ours)
			pea_strv_push(&note, *id);
	}
	if (sync_store(s, err) < 0)
		return -1;
	return write_list(s, NOTE, note[1] ? note : NULL, err);
}

int durable_open_check(struct store *s, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_free_ char *boot = NULL;
	_cleanup_strv_ char **lines = NULL;
	struct timespec mtime, now;
	int r = read_list(s, NOTE, &lines, &mtime, err);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return -1;
	boot = durable_boot_id();
	if (!lines[0] || strcmp(lines[0], boot)) {
		/* the static pea-storage hashes nothing: its twin verifies (twin.h) */
		if (storage_twin_handoff && storage_twin_handoff(err) < 0)
			return -1;
		return recover(s, boot, err);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec - mtime.tv_sec < writeback_window_s())
		return 0;
	/* best effort: the command that opened the store is not about its durability */
	if (durable_sync(s, NULL, &e) < 0)
		log_warning("%s (pea-storage sync tries again), ignoring", e->message);
	return 0;
}

int durable_check_image(struct store *s, const struct image_rec *i, struct pea_error **err)
{
	struct stat st;

	/* none damaged: one stat */
	if (fstatat(s->root_fd, DAMAGED_LIST, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	for (char **id = i->layers; id && *id; id++) {
		_cleanup_error_ struct pea_error *e = NULL;
		struct layer_rec l = { 0 };
		int r = 0;

		if (layer_load(s, *id, &l, &e) == 0 && l.damaged)
			r = pea_error_new(err, EUCLEAN, "image '%s': layer '%s' is damaged: %s: %s",
					  i->id, *id, l.damaged, durable_remedy(&l));
		layer_rec_clear(&l);
		if (r < 0)
			return r;
	}
	return 0;
}
