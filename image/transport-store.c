/*
 * store:[DRIVER@ROOT+RUNROOT]REFERENCE: the pea store, through the pea-storage
 * command line (docs/protocol.md). As a destination, every layer's apply starts as
 * its blob starts to arrive, all at the same time, each naming its parent by chain
 * id (pea-storage commits them in order), their diff IDs checked against the
 * config, then the image is recorded; a failure stops every apply and removes the
 * layers the copy added. As a
 * source, the layers are exported with `layer diff` as uncompressed tars.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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
#include "lib/digest.h"
#include "image/blob.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/transport.h"

#define STORE_REPLY_MAX	 (16u << 20)
#define STORE_CONFIG_MAX (8u << 20)
/* pea-storage's longest --wait-timeout (a week) */
#define STORE_WAIT_TIMEOUT "604800"
/*
 * ... but not for a parent whose apply has not started: this copy started it before the
 * child, so it is only that long (exec, the store lock) unless it died before it
 * announced its layer (this copy killed -9 with it): pea-image(1)
 */
#define STORE_START_TIMEOUT "60"

struct store_target {
	char **base_argv; /* pea-storage and its global options */
	char *name;	  /* the image name (normalised reference), or NULL */
	char *ref;	  /* what to look up as a source */
	bool vfs;	  /* the store's driver is vfs (named in the reference) */
};

static void store_target_free(struct store_target *t)
{
	pea_strv_free(t->base_argv);
	free(t->name);
	free(t->ref);
	memset(t, 0, sizeof(*t));
}

/* PEA_STORAGE, else pea-storage next to this binary, else PATH. */
static char *storage_binary(void)
{
	const char *env = getenv("PEA_STORAGE");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;
		_cleanup_free_ char *cand = NULL;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			cand = xasprintf("%s/pea-storage", self);
			if (access(cand, X_OK) == 0)
				return TAKE_PTR(cand);
		}
	}
	return xstrdup("pea-storage");
}

static int store_target_parse(const char *spec, bool source, struct store_target *t,
			      struct pea_error **err)
{
	const char *rest = spec;

	pea_strv_push_take(&t->base_argv, storage_binary());
	if (rest[0] == '[') {
		const char *close = strchr(rest, ']');
		_cleanup_free_ char *inside = NULL;
		char *at, *plus, *colon;

		if (!close)
			return pea_error_new(err, EINVAL, "invalid store reference '%s': no ']'",
					     spec);
		inside = xstrndup(rest + 1, (size_t)(close - rest - 1));
		colon = strchr(inside, ':');
		if (colon)
			*colon = '\0'; /* options after ':' are not supported: ignored */
		at = strchr(inside, '@');
		if (at) {
			*at = '\0';
			pea_strv_push(&t->base_argv, "--storage-driver");
			pea_strv_push(&t->base_argv, inside);
			t->vfs = strcmp(inside, "vfs") == 0;
		}
		plus = strchr(at ? at + 1 : inside, '+');
		if (plus)
			*plus = '\0';
		if (*(at ? at + 1 : inside)) {
			pea_strv_push(&t->base_argv, "--root");
			pea_strv_push(&t->base_argv, at ? at + 1 : inside);
		}
		if (plus && plus[1]) {
			pea_strv_push(&t->base_argv, "--runroot");
			pea_strv_push(&t->base_argv, plus + 1);
		}
		rest = close + 1;
	}
	if (!*rest) {
		if (source)
			return pea_error_new(err, EINVAL, "invalid store reference '%s': no image",
					     spec);
		return 0;
	}
	t->ref = xstrdup(rest);
	{
		_cleanup_(reference_free_p) struct image_reference *r = NULL;

		if (reference_parse(rest, true, &r, NULL) == 0) {
			reference_default_tag(r);
			t->name = reference_string(r);
		} else if (!source) {
			return reference_parse(rest, true, &r, err) < 0
				       ? pea_error_wrap(err, "invalid store reference '%s'", spec)
				       : 0;
		}
	}
	return 0;
}

static int memfd_text(int fd, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (lseek(fd, 0, SEEK_SET) < 0 || pea_read_all(fd, 64u << 10, &buf, &len, NULL) < 0)
		return -EIO;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

/* The message of a {"error": {...}} reply (or of standard error), as our error. */
static int store_failure(struct json_object *reply, int errfd, int status, char *const *argv,
			 char *const *args, struct pea_error **err)
{
	struct json_object *e = NULL;
	_cleanup_free_ char *text = NULL;

	if (reply && json_object_object_get_ex(reply, "error", &e)) {
		const char *msg = NULL;
		int code = EIO;

		pea_json_get_string_opt(e, "error", "message", &msg, NULL);
		pea_json_get_int_opt(e, "error", "code", &code, NULL);
		return pea_error_new(err, code > 0 ? code : EIO, "pea-storage %s %s: %s", args[0],
				     args[1] ? args[1] : "", msg ? msg : "failed");
	}
	memfd_text(errfd, &text);
	{
		_cleanup_free_ char *desc = pea_describe_wait_status(status);
		const char *last = text ? strrchr(text, '\n') : NULL;

		return pea_error_new(err, EIO, "'%s' %s %s %s%s%s", argv[0], args[0],
				     args[1] ? args[1] : "", desc, text && *text ? ": " : "",
				     text ? (last ? last + 1 : text) : "");
	}
}

struct store_job {
	pid_t pid;
	int pidfd;
	int outfd; /* a memfd that takes the reply, or the caller's fd (not owned) */
	bool own_out;
	int errfd;
	char **argv;
	char **args;
};

static void store_job_clear(struct store_job *j)
{
	if (j->pid > 0) {
		int status;

		kill(j->pid, SIGTERM);
		pea_wait(j->pid, j->pidfd, -1, &status, NULL);
	}
	if (j->pidfd >= 0)
		close(j->pidfd);
	if (j->own_out && j->outfd >= 0)
		close(j->outfd);
	if (j->errfd >= 0)
		close(j->errfd);
	pea_strv_free(j->argv);
	pea_strv_free(j->args);
	memset(j, 0, sizeof(*j));
	j->pidfd = j->outfd = j->errfd = -1;
}

/* Start pea-storage with args after the base argv; out_fd >= 0 takes standard output. */
/* in_fd >= 0 becomes the child's standard input (else /dev/null). */
static int store_start_in(const struct store_target *t, char *const *args, int in_fd, int out_fd,
			  struct store_job *j, struct pea_error **err)
{
	memset(j, 0, sizeof(*j));
	j->pidfd = j->outfd = j->errfd = -1;
	j->argv = pea_strv_copy(t->base_argv);
	j->args = pea_strv_copy(args);
	for (size_t i = 0; args[i]; i++)
		pea_strv_push(&j->argv, args[i]);
	j->errfd = memfd_create("pea-storage-stderr", MFD_CLOEXEC);
	j->own_out = out_fd < 0;
	j->outfd = out_fd >= 0 ? out_fd : memfd_create("pea-storage-reply", MFD_CLOEXEC);
	if (j->errfd < 0 || j->outfd < 0)
		return pea_error_errno(err, "memfd_create");
	{
		struct pea_fd_map fds[] = { { j->outfd, STDOUT_FILENO },
					    { j->errfd, STDERR_FILENO },
					    { in_fd, STDIN_FILENO } };
		struct pea_spawn s = { .argv = j->argv,
				       .fds = fds,
				       .nfds = in_fd >= 0 ? 3 : 2,
				       .null_stdin = in_fd < 0 };

		if (pea_spawn(&s, &j->pid, &j->pidfd, err) < 0) {
			j->pid = 0;
			return pea_error_wrap(err, "running '%s'", j->argv[0]);
		}
	}
	return 0;
}

static int store_start(const struct store_target *t, char *const *args, int out_fd,
		       struct store_job *j, struct pea_error **err)
{
	return store_start_in(t, args, -1, out_fd, j, err);
}

/* 1: still running (when !block); 0: done, the result in *ret when wanted. */
static int store_finish(struct store_job *j, bool block, struct json_object **ret,
			struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ struct json_object *reply = NULL;
	_cleanup_error_ struct pea_error *wait_err = NULL;
	struct json_object *result = NULL;
	int status = 0;
	size_t len = 0;

	if (pea_wait(j->pid, j->pidfd, block ? -1 : 0, &status, &wait_err) < 0) {
		if (!block && pea_error_is(wait_err, ETIMEDOUT))
			return 1;
		*err = pea_error_free(*err);
		*err = TAKE_PTR(wait_err);
		return -EIO;
	}
	j->pid = 0;
	if (j->own_out && lseek(j->outfd, 0, SEEK_SET) == 0 &&
	    pea_read_all(j->outfd, STORE_REPLY_MAX, &buf, &len, NULL) == 0 && len)
		pea_json_parse(buf, len, "pea-storage reply", &reply, NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return store_failure(reply, j->errfd, status, j->argv, j->args, err);
	if (!j->own_out)
		return 0;
	if (!reply || !json_object_object_get_ex(reply, "result", &result))
		return pea_error_new(err, EPROTO, "pea-storage %s %s: no result in its reply",
				     j->args[0], j->args[1] ? j->args[1] : "");
	if (ret)
		*ret = json_object_get(result);
	return 0;
}

static int store_run(const struct store_target *t, char *const *args, int out_fd,
		     struct json_object **ret, struct pea_error **err)
{
	struct store_job j;
	int r = store_start(t, args, out_fd, &j, err);

	if (r == 0)
		r = store_finish(&j, true, ret, err);
	store_job_clear(&j);
	return r;
}

/* ---- destination ------------------------------------------------------------------ */

/* A layer's staged file while it downloads. */
struct growing {
	char *digest;
	int fd;			   /* another open of the file, to feed it */
	struct direct_ctx *direct; /* the sink's direct writes into the apply */
};

/* What a staged layer's sink hands its direct writes (store_direct()). */
struct direct_ctx {
	struct image_dest *d;
	char *digest;
	uint64_t started_ms; /* when its download started (CLOCK_MONOTONIC) */
};

/* At most this many applies at once, besides the lowest layer not applied yet. */
#define STORE_MAX_APPLIES 8

/* One layer of the image on its way into the store. */
struct layer_apply {
	char *digest;	/* its blob */
	char *want;	/* its diff ID, from the config */
	char *chain_id; /* hex: the id pea-storage gives it */
	struct store_job job;
	bool started;
	uint64_t started_ms; /* when (CLOCK_MONOTONIC) */
	bool running;
	bool done;
	bool created; /* this copy added it (removed if the copy fails) */
	bool killed;  /* stopped by the copy: its error is not the cause */
	/* its staged file fed into the apply while it downloads */
	int feed_fd;	     /* the write end of the apply's standard input (non-blocking), or -1 */
	int feed_src;	     /* the staged file (borrowed from growing, or own_src) */
	int own_src;	     /* the staged file opened for this apply when it was whole, or -1 */
	uint64_t feed_off;   /* bytes fed */
	uint64_t dropped;    /* the staged file's bytes before this are dropped (punched out) */
	uint64_t pipe_cap;   /* the pipe's capacity: what may still be in it */
	bool may_drop;	     /* no other layer reads this staged file */
	bool feed_whole;     /* verified: EOF once all is fed */
	bool feed_full;	     /* the pipe was full at the last pump: watched for POLLOUT */
	bool direct_wait;    /* the download holds bytes for the pipe (store_direct()) */
	bool reading;	     /* the apply has read from its pipe */
	uint64_t fed_direct; /* bytes written into the pipe as they arrived */
	uint64_t fed_staged; /* bytes spliced from the staged file */
	char *id;	     /* from the reply */
	char *diff_id;
};

struct store_dest {
	struct store_target target;
	bool image_exists;
	char *existing_id;
	char **staged_digests;
	char **staged_files;
	/*
	 * Every layer's apply starts as soon as its blob starts to arrive and the
	 * config (the chain ids) is here, each naming its parent by chain id
	 * (--wait-parent): pea-storage commits them in order.
	 */
	char *config_digest;
	struct layer_apply *layers; /* bottom first */
	size_t nlayers;
	bool planned; /* layers set */
	bool chained; /* chain ids known */
	bool failed;
	/* the applies' pidfds, and the pipes that were full: what the copy waits on */
	int epfd;
	struct growing *growing; /* layers on their way */
	size_t ngrowing;
};

/* The dest keeps its state behind a pointer (one store dest per run). */
static struct store_dest *sd_of(struct image_dest *d)
{
	return d->priv;
}

static bool is_config_type(const char *mt)
{
	return mt && (strcmp(mt, MT_OCI_CONFIG) == 0 || strcmp(mt, MT_DOCKER_CONFIG) == 0);
}

static int store_has_blob(struct image_dest *d, const struct descriptor *desc, bool *ret,
			  struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);

	/*
	 * The copy's first call to pea-storage, which opens (makes, cleans) the
	 * store: a store that cannot be used fails the copy here; only "no such
	 * image" (ENOENT in pea-storage's reply) means the image is to be copied.
	 */
	if (is_config_type(desc->media_type)) {
		_cleanup_json_ struct json_object *img = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		char *args[] = { (char *)"image", (char *)"inspect",
				 (char *)pea_digest_hex(desc->digest), NULL };
		const char *id = NULL;
		struct store_job j;
		int r;

		if (store_start(&sd->target, args, -1, &j, err) < 0) {
			store_job_clear(&j);
			return pea_error_wrap(err, "%s", d->description);
		}
		r = store_finish(&j, true, &img, &e);
		store_job_clear(&j);
		/* EUCLEAN: a layer of it was torn by a crash (pea-storage(8)): copied again */
		if (r < 0 && !pea_error_is(e, ENOENT) && !pea_error_is(e, EUCLEAN)) {
			*err = TAKE_PTR(e);
			return pea_error_wrap(err, "%s", d->description);
		}
		sd->image_exists = r == 0 &&
				   pea_json_get_string_opt(img, "", "id", &id, NULL) > 0 && id &&
				   strcmp(id, pea_digest_hex(desc->digest)) == 0;
		if (sd->image_exists)
			sd->existing_id = xstrdup(id);
	}
	*ret = sd->image_exists;
	return 0;
}

static const char *staged_file(const struct store_dest *sd, const char *digest)
{
	for (size_t i = 0; sd->staged_digests && sd->staged_digests[i]; i++)
		if (strcmp(sd->staged_digests[i], digest) == 0)
			return sd->staged_files[i];
	return NULL;
}

/* Take a verified blob out of the copy's staging names (which it removes). */
static int keep_blob(struct image_dest *d, const char *digest, const char *name,
		     struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	_cleanup_free_ char *keep = NULL;

	if (staged_file(sd, digest))
		return 0;
	keep = xasprintf("keep-%zu", pea_strv_length(sd->staged_digests));
	if (renameat(d->staging_fd, name, d->staging_fd, keep) < 0)
		return pea_error_errno(err, "%s: keep blob '%s'", d->description, digest);
	pea_strv_push(&sd->staged_digests, digest);
	pea_strv_push_take(&sd->staged_files, xasprintf("%s/%s", d->staging_path, keep));
	return 0;
}

static int applied(struct image_dest *d, struct layer_apply *la, struct json_object *rec,
		   struct pea_error **err)
{
	const char *id = NULL, *diff = NULL;
	bool existed = false;

	if (pea_json_get_string_req(rec, "layer", "id", &id, err) < 0 ||
	    pea_json_get_string_req(rec, "layer", "diff_id", &diff, err) < 0 ||
	    pea_json_get_bool_opt(rec, "layer", "existed", &existed, err) < 0)
		return pea_error_wrap(err, "%s: pea-storage reply", d->description);
	la->created = !existed;
	la->id = xstrdup(id);
	la->diff_id = xstrdup(diff);
	la->done = true;
	return 0;
}

/*
 * pea-storage checks a sha256 layer digest while it applies (--digest), before
 * it stores anything: the copy need not hash those layers itself.
 */
static bool checkable_digest(const char *digest)
{
	return strncmp(digest, "sha256:", 7) == 0 && strlen(digest) == 71 &&
	       strspn(digest + 7, "0123456789abcdef") == 64;
}

static bool store_checks_digest(struct image_dest *d, const struct descriptor *desc)
{
	return checkable_digest(desc->digest);
}

/* Where a layer downloads to, while it does. */
static const struct growing *growing_find(const struct store_dest *sd, const char *digest)
{
	for (size_t i = 0; i < sd->ngrowing; i++)
		if (strcmp(sd->growing[i].digest, digest) == 0)
			return &sd->growing[i];
	return NULL;
}

/* Watch fd in the copy's epoll set for events (0: errors only); best effort. */
static void watch(struct store_dest *sd, int fd, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (sd->epfd >= 0 && fd >= 0 && epoll_ctl(sd->epfd, op, fd, &ev) < 0 && op != EPOLL_CTL_DEL)
		log_debug("epoll_ctl: %s", strerror(errno));
}

static void feed_close(struct store_dest *sd, struct layer_apply *la)
{
	la->own_src = pea_close(la->own_src);
	if (la->feed_fd < 0)
		return;
	watch(sd, la->feed_fd, 0, EPOLL_CTL_DEL);
	la->feed_fd = pea_close(la->feed_fd);
	la->feed_full = false;
}

static void feed_set_full(struct store_dest *sd, struct layer_apply *la, bool full)
{
	if (la->feed_full != full)
		watch(sd, la->feed_fd, full ? EPOLLOUT : 0, EPOLL_CTL_MOD);
	la->feed_full = full;
}

/*
 * The staged bytes the apply has read are dropped from the file (a hole
 * punched): their pages leave the page cache before anything writes them back
 * (pea-storage's commit syncs the whole filesystem, which holds the staging
 * folder too, most often). What the pipe may still hold is kept: a spliced
 * page that is punched out would fail the apply's read.
 */
#define DROP_CHUNK (4u << 20)

static void drop_fed(struct layer_apply *la)
{
	uint64_t upto;

	if (!la->may_drop || la->feed_off < la->pipe_cap + DROP_CHUNK)
		return;
	upto = (la->feed_off - la->pipe_cap) & ~(uint64_t)(DROP_CHUNK - 1);
	if (upto <= la->dropped)
		return;
	/* best effort: a filesystem without holes keeps the bytes, as before */
	if (fallocate(la->feed_src, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)la->dropped,
		      (off_t)(upto - la->dropped)) == 0)
		la->dropped = upto;
	else
		la->may_drop = false;
}

/*
 * Feed a layer's staged file to its apply, as far as it has arrived, and never
 * wait: it stops when the pipe is full (feed_full: the copy's epoll set then
 * watches the pipe) or the file has no more yet. The pipe is closed (EOF: the
 * apply ends, waits in pea-storage for its parent's commit, and commits) once
 * blob_ready said the blob is whole and verified: until its EOF an apply cannot
 * commit, so the copy may kill it at any time without losing track of what it
 * added, and after it, the apply commits only if its parent does (stop_all()).
 * The chain of commits at a pull's end is then pea-storage's alone: each apply
 * takes the store lock as its parent's commit lets it go, not after a round
 * trip through the copy. With whole, the blob must be whole by now.
 */
static int feed_pump(struct image_dest *d, struct layer_apply *la, bool whole,
		     struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);

	while (la->feed_fd >= 0) {
		loff_t off = (loff_t)la->feed_off;
		struct stat st;
		ssize_t n;

		if (fstat(la->feed_src, &st) < 0)
			return pea_error_errno(err, "%s: layer '%s'", d->description, la->digest);
		if (st.st_size <= off) {
			if (la->feed_whole) {
				feed_close(sd, la);
				return 0;
			}
			/* a download that holds bytes for the pipe waits for room in it */
			feed_set_full(sd, la, la->direct_wait);
			if (!whole)
				return 0;
			return pea_error_new(err, EIO,
					     "%s: layer '%s' was streamed but never verified",
					     d->description, la->digest);
		}
		n = splice(la->feed_src, &off, la->feed_fd, NULL, (size_t)(st.st_size - off),
			   SPLICE_F_NONBLOCK);
		if (n > 0) {
			la->feed_off = (uint64_t)off;
			la->fed_staged += (uint64_t)n;
			drop_fed(la);
			continue;
		}
		if (n < 0 && errno == EPIPE) {
			/* the apply stopped reading: its exit status says why */
			feed_close(sd, la);
			return 0;
		}
		if (n == 0 || errno != EAGAIN)
			return pea_error_errno(err, "%s: feeding layer '%s' to pea-storage",
					       d->description, la->digest);
		feed_set_full(sd, la, true);
		return 0;
	}
	return 0;
}

/*
 * Whether the apply reads its pipe by now: it has taken some of what was fed
 * (less is queued in the pipe than was written into it). Before, it may wait
 * for long: vfs's apply waits for its parent's commit before it reads, any
 * apply for the store's lock when another command holds it.
 */
static bool apply_reading(struct layer_apply *la)
{
	int queued = 0;

	if (!la->reading && ioctl(la->feed_fd, FIONREAD, &queued) == 0 && queued >= 0 &&
	    la->feed_off > (uint64_t)queued)
		la->reading = true;
	return la->reading;
}

/* Only one layer of the image has this blob. */
static bool digest_once(const struct store_dest *sd, const char *digest)
{
	size_t n = 0;

	for (size_t i = 0; i < sd->nlayers; i++)
		n += strcmp(sd->layers[i].digest, digest) == 0;
	return n == 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * An overlay apply reads its stream as soon as it has started (exec, the store's
 * lock): on a busy machine that takes a while, and the first megabyte of its layer
 * fills its pipe before. For this long after its start, the download waits for it
 * as for an apply that reads, rather than staging the rest of the layer (a copy
 * into the page cache, and back, of most of it: the staged file stays ahead of an
 * apply slower than the network). A vfs apply waits for its parent's commit before
 * it reads: its layer is staged at once, as before.
 */
#define STORE_START_GRACE_MS 2000u

static bool apply_starting(const struct store_dest *sd, const struct layer_apply *la)
{
	return !sd->target.vfs && now_ms() - la->started_ms < STORE_START_GRACE_MS;
}

/*
 * A layer's bytes as they arrive, straight into its apply's pipe (no staged
 * copy, no splice) while the apply has read all that the staged file holds.
 * When the pipe is full, a download that can wait (ret_full: a registry's,
 * which then pauses) keeps the rest and offers it again once the pipe has
 * room (the copy's epoll set watches it: direct_wait), but only once the apply
 * reads (apply_reading()): a body is not left unread in its socket for as long
 * as an apply waits; else the sink stages the rest and feed_pump() splices it
 * later. Only for a blob that one layer
 * reads. The apply cannot commit before its pipe's end (feed_pump()), so
 * what it was given this way changes nothing of the crash safety.
 */
static size_t store_direct(void *data, const void *buf, size_t len, uint64_t offset, bool *ret_full)
{
	struct direct_ctx *c = data;
	struct store_dest *sd = sd_of(c->d);

	for (size_t i = 0; i < sd->nlayers; i++) {
		struct layer_apply *la = &sd->layers[i];
		size_t taken;
		ssize_t n;

		if (strcmp(la->digest, c->digest) != 0)
			continue;
		if (la->feed_fd < 0 || la->own_src >= 0) {
			/* its apply starts in a moment (the config, the layers below first) */
			if (!la->started && ret_full && !sd->target.vfs &&
			    digest_once(sd, c->digest) &&
			    now_ms() - c->started_ms < STORE_START_GRACE_MS) {
				*ret_full = true;
				return 0;
			}
			continue;
		}
		la->direct_wait = false;
		if (!la->may_drop || la->feed_whole)
			return 0;
		if (la->feed_off != offset) {
			/*
			 * Bytes staged before these go into the pipe first: an apply that
			 * reads gets them (feed_pump()) while the download waits, instead of
			 * the staged file staying ahead of it for the rest of the layer.
			 */
			if (ret_full && (apply_reading(la) || apply_starting(sd, la))) {
				la->direct_wait = *ret_full = true;
				feed_set_full(sd, la, true);
			}
			return 0;
		}
		n = write(la->feed_fd, buf, len);
		if (n < 0 && errno != EAGAIN)
			return 0; /* the apply ended (EPIPE): feed_pump() sees */
		taken = n > 0 ? (size_t)n : 0;
		la->feed_off += taken;
		la->fed_direct += taken;
		if (taken < len && ret_full && (apply_reading(la) || apply_starting(sd, la))) {
			la->direct_wait = *ret_full = true;
			feed_set_full(sd, la, true);
		}
		return taken;
	}
	return 0;
}

static int read_diff_ids(const char *path, char ***ret, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, path, STORE_CONFIG_MAX, &buf, &len, err) < 0)
		return pea_error_wrap(err, "image config");
	return config_diff_ids(buf, len, ret, err);
}

/*
 * Each layer's chain id from the config's diff IDs: chainID(L0) = diffID(L0),
 * chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)). 1: no config yet.
 */
static int chain_layers(struct image_dest *d, bool whole, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	const char *cfg;
	_cleanup_strv_ char **want = NULL;
	char prev[PEA_DIGEST_MAX] = "";

	if (sd->chained)
		return 0;
	cfg = sd->config_digest ? staged_file(sd, sd->config_digest) : NULL;
	if (!cfg) {
		if (!whole && sd->config_digest)
			return 1;
		return pea_error_new(err, ENOENT, "%s: the config was not fetched", d->description);
	}
	if (read_diff_ids(cfg, &want, err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	if (pea_strv_length(want) != sd->nlayers)
		return pea_error_new(err, EINVAL,
				     "%s: the config lists %zu diff IDs for %zu layers",
				     d->description, pea_strv_length(want), sd->nlayers);
	for (size_t i = 0; i < sd->nlayers; i++) {
		struct layer_apply *la = &sd->layers[i];

		if (i == 0) {
			snprintf(prev, sizeof(prev), "%s", want[i]);
		} else {
			_cleanup_free_ char *text = xasprintf("%s %s", prev, want[i]);

			pea_digest_buffer("sha256", text, strlen(text), prev);
		}
		la->want = xstrdup(want[i]);
		la->chain_id = xstrdup(prev + strlen("sha256:"));
	}
	sd->chained = true;
	return 0;
}

static char **apply_args(const struct image_dest *d, const struct store_dest *sd, size_t i)
{
	const struct layer_apply *la = &sd->layers[i];
	char **args = NULL;

	pea_strv_push(&args, "layer");
	pea_strv_push(&args, "apply");
	if (i > 0) {
		pea_strv_push(&args, "--parent");
		pea_strv_push(&args, sd->layers[i - 1].chain_id);
	}
	pea_strv_push(&args, "--diff-id");
	pea_strv_push(&args, la->want);
	if (checkable_digest(la->digest)) {
		pea_strv_push(&args, "--digest");
		pea_strv_push(&args, la->digest);
	}
	/* an apply given its end of file waits for its parent as long as that downloads */
	pea_strv_push(&args, "--wait-timeout");
	pea_strv_push(&args, STORE_WAIT_TIMEOUT);
	pea_strv_push(&args, "--start-timeout");
	pea_strv_push(&args, STORE_START_TIMEOUT);
	pea_strv_push(&args, "--wait-parent");
	/* from a registry: its sync may be deferred (pea-storage(8) DURABILITY) */
	if (d->refetchable)
		pea_strv_push(&args, "--refetchable");
	pea_strv_push(&args, "-");
	return args;
}

/*
 * Start a layer's apply, fed from its staged file on a pipe, while it
 * downloads or once it is whole. 1: its blob has not started yet.
 */
static int start_layer(struct image_dest *d, size_t i, bool whole, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	struct layer_apply *la = &sd->layers[i];
	const char *file = staged_file(sd, la->digest);
	const struct growing *g = file ? NULL : growing_find(sd, la->digest);
	_cleanup_strv_ char **args = NULL;
	int pipefd[2] = { -1, -1 };
	int r;

	if (!file && !g) {
		if (!whole)
			return 1;
		return pea_error_new(err, ENOENT, "%s: layer '%s' was not fetched", d->description,
				     la->digest);
	}
	if (file) {
		la->own_src = open(file, O_RDWR | O_CLOEXEC);
		if (la->own_src < 0)
			return pea_error_errno(err, "%s: open staged blob '%s'", d->description,
					       la->digest);
	}
	args = apply_args(d, sd, i);
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		la->own_src = pea_close(la->own_src);
		return pea_error_errno(err, "pipe");
	}
	fcntl(pipefd[1], F_SETPIPE_SZ, 1 << 20);
	r = store_start_in(&sd->target, args, pipefd[0], -1, &la->job, err);
	close(pipefd[0]);
	if (r < 0) {
		close(pipefd[1]);
		la->own_src = pea_close(la->own_src);
		store_job_clear(&la->job);
		return pea_error_wrap(err, "%s", d->description);
	}
	la->started = la->running = true;
	la->started_ms = now_ms();
	watch(sd, la->job.pidfd, EPOLLIN, EPOLL_CTL_ADD);
	fcntl(pipefd[1], F_SETFL, O_NONBLOCK);
	la->feed_fd = pipefd[1];
	la->feed_src = file ? la->own_src : g->fd;
	la->feed_off = 0;
	la->dropped = 0;
	la->may_drop = digest_once(sd, la->digest);
	{
		int cap = fcntl(la->feed_fd, F_GETPIPE_SZ);

		la->pipe_cap = cap > 0 ? (uint64_t)cap : 1u << 20;
	}
	la->feed_whole = file != NULL;
	la->feed_full = false;
	la->reading = false;
	watch(sd, la->feed_fd, 0, EPOLL_CTL_ADD);
	return 0;
}

/* The error of a failed apply, in the copy's words. */
static int layer_error(struct image_dest *d, struct layer_apply *la, struct pea_error **err)
{
	const char *m = *err ? strstr((*err)->message, "the layer's diff id is '") : NULL;

	if (m) {
		char got[PEA_DIGEST_MAX] = "";

		sscanf(m, "the layer's diff id is '%135[^']'", got);
		pea_error_release(err);
		return pea_error_new(err, EBADMSG,
				     "%s: layer '%s' unpacks to '%s', but the config says '%s'",
				     d->description, la->digest, got, la->want);
	}
	/* pea-storage checked the digest (--digest) and refused the blob */
	if (pea_error_is(*err, EBADMSG))
		return pea_error_wrap(err, "%s: blob '%s': digest mismatch", d->description,
				      la->digest);
	return pea_error_wrap(err, "%s: layer '%s'", d->description, la->digest);
}

/*
 * A layer's blob is in the store now: its staged file goes while the other
 * layers still arrive (freeing a big file takes a while; not all at the end),
 * unless another layer not applied yet has the same blob.
 */
static void release_blob(struct store_dest *sd, const char *digest)
{
	for (size_t i = 0; i < sd->nlayers; i++)
		if (!sd->layers[i].done && strcmp(sd->layers[i].digest, digest) == 0)
			return;
	for (size_t i = 0; i < sd->ngrowing; i++)
		if (strcmp(sd->growing[i].digest, digest) == 0)
			sd->growing[i].fd = pea_close(sd->growing[i].fd);
	for (size_t i = 0; sd->staged_digests && sd->staged_digests[i]; i++)
		if (strcmp(sd->staged_digests[i], digest) == 0)
			unlink(sd->staged_files[i]);
}

/* Reap an apply that ended (or wait for it, block). 1: still running. */
static int finish_layer(struct image_dest *d, struct layer_apply *la, bool block,
			struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	_cleanup_json_ struct json_object *rec = NULL;
	int r;

	r = store_finish(&la->job, block, &rec, err);
	if (r == 1)
		return 1;
	watch(sd, la->job.pidfd, 0, EPOLL_CTL_DEL);
	la->running = false;
	feed_close(sd, la);
	store_job_clear(&la->job);
	if (r < 0 || applied(d, la, rec, err) < 0)
		return layer_error(d, la, err);
	log_debug("layer '%s': %" PRIu64 " bytes straight into its apply, %" PRIu64
		  " through the staged file",
		  la->digest, la->fed_direct, la->fed_staged);
	release_blob(sd, la->digest);
	return 0;
}

/*
 * Stop every apply, bottom up: those still fed (they cannot have committed, their
 * stream has not ended) are killed, and so is one whose parent did not commit (it
 * cannot commit either: pea-storage refuses a layer whose parent is not there);
 * the others (their stream ended, their parent committed) end on their own. Each
 * is reaped before the one above it is looked at, so that what this copy added is
 * known, and none is waited for that waits for a parent. A failure of a layer
 * below failed replaces *err: it is the cause of those above.
 */
static void stop_all(struct image_dest *d, size_t failed, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	bool killed = false;

	for (size_t k = 0; k < sd->nlayers; k++) {
		struct layer_apply *la = &sd->layers[k];

		if (la->running && la->feed_fd >= 0 && la->job.pid > 0) {
			kill(la->job.pid, SIGKILL);
			la->killed = killed = true;
		}
		feed_close(sd, la);
	}
	for (size_t k = 0; k < sd->nlayers; k++) {
		struct layer_apply *la = &sd->layers[k];
		_cleanup_error_ struct pea_error *e = NULL;

		if (!la->running)
			continue;
		if (!la->killed && k > 0 && !sd->layers[k - 1].done && la->job.pid > 0) {
			kill(la->job.pid, SIGKILL);
			la->killed = killed = true;
		}
		if (finish_layer(d, la, true, &e) < 0 && !la->killed && err &&
		    (!*err || k < failed)) {
			pea_error_free(*err);
			*err = TAKE_PTR(e);
			failed = k;
		}
	}
	if (killed) {
		/*
		 * A writer's open of the store removes what the killed applies left in its
		 * staging (a reader's, status's, no longer repairs): check always does.
		 */
		char *args[] = { (char *)"check", NULL };

		if (store_run(&sd->target, args, -1, NULL, NULL) < 0)
			log_warning("%s: cannot clean the store after a failed copy, ignoring",
				    d->description);
	}
}

/* The lowest layer not applied yet. */
static size_t lowest_pending(const struct store_dest *sd)
{
	size_t i = 0;

	while (i < sd->nlayers && sd->layers[i].done)
		i++;
	return i;
}

/* Layer i failed (its error in *err): every apply stops. */
static int fail_at(struct image_dest *d, size_t i, struct pea_error **err)
{
	sd_of(d)->failed = true;
	stop_all(d, i, err);
	return -EIO;
}

/* Feed every apply as far as its blob has arrived. */
static int pump_all(struct image_dest *d, bool whole, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);

	for (size_t i = 0; i < sd->nlayers; i++) {
		struct layer_apply *la = &sd->layers[i];
		if (la->running && feed_pump(d, la, whole, err) < 0)
			return fail_at(d, i, err);
	}
	return 0;
}

/*
 * One turn without waiting: start the apply of every layer whose blob is here
 * or on its way, bottom up (once the config gave the chain ids; the lowest
 * layer not applied always, the others up to STORE_MAX_APPLIES at once), feed
 * them, and reap those that ended. A layer that failed stops all the applies.
 */
static int advance_once(struct image_dest *d, bool whole, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	size_t running = 0, low = lowest_pending(sd);
	int r;

	for (size_t i = 0; i < sd->nlayers; i++)
		running += sd->layers[i].running;
	for (size_t i = low; i < sd->nlayers; i++) {
		if (sd->layers[i].started)
			continue;
		if (i != low && running >= STORE_MAX_APPLIES)
			break;
		r = start_layer(d, i, whole, err);
		if (r < 0)
			return fail_at(d, i, err);
		/*
		 * In order: an apply runs only once its parent's has started, so
		 * every apply can end (stop_all() relies on it).
		 */
		if (r == 1)
			break;
		running++;
	}
	if (pump_all(d, whole, err) < 0)
		return -EIO;
	for (size_t i = 0; i < sd->nlayers; i++) {
		struct layer_apply *la = &sd->layers[i];

		r = la->running ? finish_layer(d, la, false, err) : 1;
		if (r < 0)
			return fail_at(d, i, err);
	}
	return 0;
}

static bool all_done(const struct store_dest *sd)
{
	return lowest_pending(sd) == sd->nlayers;
}

/*
 * Apply what can be now; with whole (every blob is here), go on until every
 * layer is applied, waiting on the applies' pidfds and full pipes together.
 */
static int advance(struct image_dest *d, bool whole, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	int r;

	if (sd->image_exists || !sd->planned)
		return 0;
	if (sd->failed)
		return pea_error_new(err, EIO, "%s: an earlier layer failed", d->description);
	r = chain_layers(d, whole, err);
	if (r == 1)
		return 0;
	if (r < 0) {
		return fail_at(d, 0, err);
	}
	for (;;) {
		struct epoll_event ev[8];

		if (advance_once(d, whole, err) < 0)
			return -EIO;
		if (!whole || all_done(sd))
			return 0;
		if (blob_interrupted()) {
			pea_error_new(err, ECANCELED, "interrupted");
			return fail_at(d, 0, err);
		}
		if (epoll_wait(sd->epfd, ev, ARRAY_SIZE(ev), 1000) < 0 && errno != EINTR) {
			pea_error_errno(err, "epoll_wait");
			return fail_at(d, 0, err);
		}
	}
}

static int store_begin(struct image_dest *d, const struct manifest *m, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);

	if (sd->planned)
		return 0;
	sd->planned = true;
	sd->config_digest = xstrdup(m->config.digest);
	sd->nlayers = m->nlayers;
	sd->layers = xnew(struct layer_apply, m->nlayers + 1);
	for (size_t i = 0; i < m->nlayers; i++) {
		struct layer_apply *la = &sd->layers[i];

		la->digest = xstrdup(m->layers[i].digest);
		la->job.pidfd = la->job.outfd = la->job.errfd = -1;
		la->feed_fd = la->feed_src = la->own_src = -1;
	}
	return 0;
}

/* A layer starts downloading into name: its apply may read the file as it grows. */
static int store_blob_staging(struct image_dest *d, const struct descriptor *desc, const char *name,
			      struct blob_sink *sink, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	struct direct_ctx *c;
	int fd;

	if (sd->image_exists || growing_find(sd, desc->digest))
		return 0;
	fd = openat(d->staging_fd, name, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "%s: open staged blob '%s'", d->description,
				       desc->digest);
	sd->growing = xreallocarray(sd->growing, sd->ngrowing + 1, sizeof(*sd->growing));
	c = xnew(struct direct_ctx, 1);
	c->d = d;
	c->digest = xstrdup(desc->digest);
	c->started_ms = now_ms();
	sd->growing[sd->ngrowing].digest = xstrdup(desc->digest);
	sd->growing[sd->ngrowing].fd = fd;
	sd->growing[sd->ngrowing].direct = c;
	sd->ngrowing++;
	sink->direct = store_direct;
	sink->direct_data = c;
	return 0;
}

static int store_blob_ready(struct image_dest *d, const struct descriptor *desc, const char *name,
			    struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);

	for (size_t i = 0; i < sd->nlayers; i++)
		if (sd->layers[i].feed_fd >= 0 && strcmp(desc->digest, sd->layers[i].digest) == 0)
			sd->layers[i].feed_whole = true; /* verified: the rest goes in, then EOF */
	if (keep_blob(d, desc->digest, name, err) < 0)
		return -EIO;
	return advance(d, false, err);
}

static int store_tick(struct image_dest *d, int *ret_fd, short *ret_events, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);

	if (advance(d, false, err) < 0)
		return -EIO;
	/* readable when an apply ends or a full pipe can take more */
	*ret_events = POLLIN;
	*ret_fd = sd->epfd;
	return 0;
}

static int store_put_blob(struct image_dest *d, const struct descriptor *desc, enum blob_role role,
			  const char *name, struct pea_error **err)
{
	return keep_blob(d, desc->digest, name, err);
}

/* Undo a failed copy: every apply stopped, then every layer it added removed, top first. */
static void rollback(struct image_dest *d)
{
	struct store_dest *sd = sd_of(d);

	stop_all(d, sd->nlayers, NULL);
	for (size_t n = sd->nlayers; n > 0; n--) {
		struct layer_apply *la = &sd->layers[n - 1];
		char *args[] = { (char *)"layer", (char *)"rm", la->id, NULL };

		if (!la->created)
			continue;
		if (store_run(&sd->target, args, -1, NULL, NULL) < 0)
			log_warning("cannot remove layer '%s' after a failed copy, ignoring",
				    la->id);
		la->created = false;
	}
}

static int check_diff_ids(struct image_dest *d, const struct manifest *m, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);

	if (m->nlayers != sd->nlayers)
		return pea_error_new(err, EINVAL, "%s: the manifest changed: %zu layers, not %zu",
				     d->description, m->nlayers, sd->nlayers);
	for (size_t i = 0; i < sd->nlayers; i++)
		if (strcmp(sd->layers[i].diff_id, sd->layers[i].want) != 0)
			return pea_error_new(err, EBADMSG,
					     "%s: layer '%s' unpacks to '%s', but the config says "
					     "'%s'",
					     d->description, m->layers[i].digest,
					     sd->layers[i].diff_id, sd->layers[i].want);
	return 0;
}

static int record_image(struct image_dest *d, const struct manifest *m, const char *buf, size_t len,
			const char *digest, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	_cleanup_free_ char *man = xasprintf("%s/manifest", d->staging_path);
	_cleanup_strv_ char **ids = NULL;
	_cleanup_free_ char *layers = NULL;
	_cleanup_strv_ char **args = NULL;
	_cleanup_json_ struct json_object *rec = NULL;
	const char *cfg = staged_file(sd, m->config.digest), *id = NULL;

	if (!cfg)
		return pea_error_new(err, ENOENT, "%s: the config was not fetched", d->description);
	for (size_t i = 0; i < sd->nlayers; i++)
		pea_strv_push(&ids, sd->layers[i].id);
	layers = ids ? pea_strv_join(ids, ",") : xstrdup("");
	if (write_temp_file_at(AT_FDCWD, man, buf, len, err) < 0)
		return -EIO;
	pea_strv_push(&args, "image");
	pea_strv_push(&args, "create");
	pea_strv_push(&args, "--layers");
	pea_strv_push(&args, layers);
	pea_strv_push(&args, "--config");
	pea_strv_push(&args, cfg);
	pea_strv_push(&args, "--manifest");
	pea_strv_push(&args, man);
	pea_strv_push(&args, "--digest");
	pea_strv_push(&args, digest);
	if (sd->target.name) {
		pea_strv_push(&args, "--name");
		pea_strv_push(&args, sd->target.name);
	}
	if (store_run(&sd->target, args, -1, &rec, err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	if (pea_json_get_string_req(rec, "image", "id", &id, err) < 0)
		return pea_error_wrap(err, "%s: pea-storage reply", d->description);
	free(d->image_id);
	d->image_id = xstrdup(id);
	return 0;
}

static int store_put_manifest(struct image_dest *d, const char *buf, size_t len, const char *type,
			      const char *digest, bool top, struct pea_error **err)
{
	struct store_dest *sd = sd_of(d);
	_cleanup_(manifest_free_p) struct manifest *m = NULL;

	if (!top)
		return pea_error_new(err, ENOTSUP,
				     "%s: the store keeps one image per platform: "
				     "copy without --all",
				     d->description);
	if (sd->image_exists) {
		char *args[] = { (char *)"image", (char *)"tag", sd->existing_id, sd->target.name,
				 NULL };

		if (sd->target.name && store_run(&sd->target, args, -1, NULL, err) < 0)
			return pea_error_wrap(err, "%s", d->description);
		free(d->image_id);
		d->image_id = xstrdup(sd->existing_id);
		return 0;
	}
	if (manifest_parse(buf, len, type, &m, err) < 0)
		return -EINVAL;
	if (!sd->planned)
		store_begin(d, m, err);
	if (advance(d, true, err) < 0 || check_diff_ids(d, m, err) < 0 ||
	    record_image(d, m, buf, len, digest, err) < 0) {
		rollback(d);
		return -EIO;
	}
	for (size_t i = 0; i < sd->nlayers; i++)
		sd->layers[i].created = false; /* they belong to the image now */
	return 0;
}

static int store_commit(struct image_dest *d, struct pea_error **err)
{
	return 0;
}

static void store_abort(struct image_dest *d)
{
	if (sd_of(d))
		rollback(d);
}

static const struct dest_ops store_dest_ops = {
	.has_blob = store_has_blob,
	.put_blob = store_put_blob,
	.put_manifest = store_put_manifest,
	.commit = store_commit,
	.abort = store_abort,
	.begin = store_begin,
	.blob_ready = store_blob_ready,
	.tick = store_tick,
	.blob_staging = store_blob_staging,
	.checks_digest = store_checks_digest,
};

void store_dest_free(struct image_dest *d)
{
	struct store_dest *sd = sd_of(d);

	if (!sd)
		return;
	for (size_t i = 0; i < sd->nlayers; i++) {
		struct layer_apply *la = &sd->layers[i];

		feed_close(sd, la);
		store_job_clear(&la->job);
		free(la->digest);
		free(la->want);
		free(la->chain_id);
		free(la->id);
		free(la->diff_id);
	}
	free(sd->layers);
	free(sd->config_digest);
	for (size_t i = 0; i < sd->ngrowing; i++) {
		pea_close(sd->growing[i].fd);
		free(sd->growing[i].digest);
		if (sd->growing[i].direct)
			free(sd->growing[i].direct->digest);
		free(sd->growing[i].direct);
	}
	free(sd->growing);
	sd->epfd = pea_close(sd->epfd);
	store_target_free(&sd->target);
	free(sd->existing_id);
	pea_strv_free(sd->staged_digests);
	pea_strv_free(sd->staged_files);
	free(sd);
	d->priv = NULL;
}

int store_dest_open(const struct image_name *name, const struct transport_context *ctx,
		    struct image_dest *d, struct pea_error **err)
{
	struct store_dest *sd = xnew(struct store_dest, 1);

	sd->epfd = -1;
	d->ops = &store_dest_ops;
	d->single_image_only = true;
	d->priv = sd;
	d->is_store = true;
	sd->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sd->epfd < 0)
		return pea_error_errno(err, "epoll_create1");
	if (store_target_parse(name->path, false, &sd->target, err) < 0)
		return -EINVAL;
	if (make_temp_dir(ctx, "store", &d->staging_path, err) < 0)
		return -EIO;
	d->staging_fd = open(d->staging_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->staging_fd < 0)
		return pea_error_errno(err, "open '%s'", d->staging_path);
	/* the store is opened by the first call, store_has_blob()'s (one exec less) */
	return 0;
}

/* ---- source ------------------------------------------------------------------------ */

static const struct source_ops store_source_ops = {
	.get_manifest = synth_get_manifest,
	.open_blob = synth_open_blob,
};

/* `layer diff ID` into a file of the temp dir; its digest and size. */
static int export_layer(struct image_source *s, const struct store_target *t, const char *id,
			size_t index, char ret_digest[PEA_DIGEST_MAX], int64_t *ret_size,
			struct pea_error **err)
{
	_cleanup_free_ char *name = xasprintf("layer-%zu.tar", index);
	_cleanup_close_ int fd =
		openat(s->dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	char *args[] = { (char *)"layer", (char *)"diff", (char *)id, NULL };
	struct stat st;

	if (fd < 0)
		return pea_error_errno(err, "create '%s'", name);
	if (store_run(t, args, fd, NULL, err) < 0)
		return pea_error_wrap(err, "%s", s->description);
	if (fstat(fd, &st) < 0)
		return pea_error_errno(err, "stat '%s'", name);
	if (pea_digest_fd("sha256", fd, name, ret_digest, err) < 0)
		return -1;
	*ret_size = st.st_size;
	pea_strv_push(&s->blob_digests, ret_digest);
	pea_strv_push(&s->blob_files, name);
	return 0;
}

static int store_synthesize(struct image_source *s, const struct store_target *t,
			    struct json_object *img, struct pea_error **err)
{
	_cleanup_strv_ char **layers = NULL;
	_cleanup_json_ struct json_object *cfg = NULL, *m = json_object_new_object();
	struct json_object *arr = json_object_new_array(), *rootfs = NULL, *diffs, *cd;
	const char *config_path = NULL, *text;
	char digest[PEA_DIGEST_MAX];

	if (pea_json_get_strv_opt(img, "image", "layers", &layers, err) < 0 ||
	    pea_json_get_string_opt(img, "image", "config_path", &config_path, err) < 0)
		return pea_error_wrap(err, "%s: pea-storage reply", s->description);
	if (!config_path)
		return pea_error_new(err, ENOENT, "%s: the image has no config", s->description);
	if (pea_json_parse_file_at(AT_FDCWD, config_path, STORE_CONFIG_MAX, &cfg, err) < 0 ||
	    pea_json_expect_object(cfg, "config", err) < 0)
		return pea_error_wrap(err, "%s", s->description);
	diffs = json_object_new_array();
	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType", json_object_new_string(MT_OCI_MANIFEST));
	for (size_t i = 0; layers && layers[i]; i++) {
		struct json_object *l = json_object_new_object();
		int64_t size = 0;

		if (export_layer(s, t, layers[i], i, digest, &size, err) < 0) {
			json_object_put(l);
			json_object_put(diffs);
			json_object_put(arr);
			return -EIO;
		}
		json_object_object_add(l, "mediaType", json_object_new_string(MT_OCI_LAYER));
		json_object_object_add(l, "digest", json_object_new_string(digest));
		json_object_object_add(l, "size", json_object_new_int64(size));
		json_object_array_add(arr, l);
		json_object_array_add(diffs, json_object_new_string(digest));
	}
	/* the exported tars are the layers now: the config names their digests */
	if (!json_object_object_get_ex(cfg, "rootfs", &rootfs) ||
	    !json_object_is_type(rootfs, json_type_object)) {
		rootfs = json_object_new_object();
		json_object_object_add(rootfs, "type", json_object_new_string("layers"));
		json_object_object_add(cfg, "rootfs", rootfs);
	}
	json_object_object_add(rootfs, "diff_ids", diffs);
	text = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	pea_digest_buffer("sha256", text, strlen(text), digest);
	if (write_temp_file_at(s->dirfd, "config.json", text, strlen(text), err) < 0)
		return -EIO;
	pea_strv_push(&s->blob_digests, digest);
	pea_strv_push(&s->blob_files, "config.json");
	cd = json_object_new_object();
	json_object_object_add(cd, "mediaType", json_object_new_string(MT_OCI_CONFIG));
	json_object_object_add(cd, "digest", json_object_new_string(digest));
	json_object_object_add(cd, "size", json_object_new_int64((int64_t)strlen(text)));
	json_object_object_add(m, "config", cd);
	json_object_object_add(m, "layers", arr);
	synth_set_manifest(s, m);
	return 0;
}

int store_source_open(const struct image_name *name, const struct transport_context *ctx,
		      struct image_source *s, struct pea_error **err)
{
	struct store_target t = { 0 };
	_cleanup_json_ struct json_object *img = NULL;
	int r;

	s->ops = &store_source_ops;
	r = store_target_parse(name->path, true, &t, err);
	if (r == 0) {
		char *args[] = { (char *)"image", (char *)"inspect", t.name ? t.name : t.ref,
				 NULL };
		char *raw[] = { (char *)"image", (char *)"inspect", t.ref, NULL };

		r = store_run(&t, args, -1, &img, err);
		if (r < 0 && t.name && strcmp(t.name, t.ref) != 0) {
			pea_error_release(err);
			r = store_run(&t, raw, -1, &img, err);
		}
		if (r < 0)
			pea_error_wrap(err, "%s", name->input);
	}
	if (r == 0)
		r = make_temp_dir(ctx, "store", &s->tmp_path, err);
	if (r == 0) {
		s->dirfd = open(s->tmp_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->dirfd < 0)
			r = pea_error_errno(err, "open '%s'", s->tmp_path);
	}
	if (r == 0)
		r = store_synthesize(s, &t, img, err);
	store_target_free(&t);
	return r;
}
