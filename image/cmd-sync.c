/*
 * pea-image sync: every tag of a repository (or the one named), or every dir: image under a
 * folder, copied to a registry or under a folder, one copy_one() (cmd-copy.c) per image.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/cli.h"
#include "image/cmd-copy.h"
#include "image/reference.h"
#include "image/transport.h"

static const char sync_usage[] =
	"Usage: pea-image sync [OPTIONS] --src docker|dir --dest docker|dir SOURCE DESTINATION\n"
	"\n"
	"Copy every image found at SOURCE to DESTINATION: with --src docker, SOURCE is a\n"
	"repository (all its tags) or one image (REPO:TAG, REPO@DIGEST); with --src dir, a\n"
	"folder searched for dir: images. DESTINATION is a registry (and repository prefix)\n"
	"for --dest docker, or a folder for --dest dir; each image goes to\n"
	"DESTINATION/NAME:TAG (--scoped: DESTINATION/REGISTRY/REPO:TAG).\n"
	"\n"
	"  -s, --src=docker|dir          what SOURCE is\n"
	"  -d, --dest=docker|dir         what DESTINATION is\n"
	"      --scoped                  keep the source's whole name under DESTINATION\n"
	"      --keep-going              report a failed image and go on; fail at the end\n"
	"      --dry-run                 list what would be copied, copy nothing\n"
	"  -a, --all                     copy every image of a manifest list, and the list\n"
	"  -f, --format=oci|v2s2         write OCI or Docker schema 2 manifests\n"
	"      --preserve-digests        fail rather than change a manifest or a layer\n"
	"      --authfile, --src-authfile, --dest-authfile=PATH\n"
	"      --src-creds, --dest-creds=USER[:PASS]\n"
	"      --src-username, --src-password, --dest-username, --dest-password\n"
	"      --src-cert-dir, --dest-cert-dir=DIR\n"
	"      --src-tls-verify, --dest-tls-verify[=false]\n"
	"      --src-no-creds, --dest-no-creds, --src-registry-token, --dest-registry-token\n"
	"      --retry-times=N, --sign-by=FINGERPRINT, --sign-passphrase-file=PATH,\n"
	"      --remove-signatures\n";

/* The images of one source, and the names they get under the destination. */
struct sync_source {
	char **from;   /* docker://REF, dir:PATH */
	char **suffix; /* docker: the whole reference; dir: the path under the source folder */
};

static void sync_source_clear(struct sync_source *s)
{
	pea_strv_free(s->from);
	pea_strv_free(s->suffix);
}

/* logrus quotes a value with anything but letters, digits and -._/@^+ */
static void log_value(const char *key, const char *v)
{
	bool quote;

	if (!v)
		v = "";
	quote = !*v;

	for (const char *c = v; *c && !quote; c++)
		quote = !((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || strchr("-._/@^+", *c));
	dprintf(STDERR_FILENO, quote ? " %s=\"%s\"" : " %s=%s", key, v);
}

/* A logrus text line as skopeo prints it: time="..." level=L msg="..." [k=v]... */
static void sync_log(const char *level, const char *msg, const char *k1, const char *v1,
		     const char *k2, const char *v2)
{
	char when[64] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm);
	if (strlen(when) == 24 && strcmp(when + 19, "+0000") == 0) {
		strcpy(when + 19, "Z");	 /* RFC 3339, as Go writes UTC */
	} else if (strlen(when) == 24) { /* +hhmm -> +hh:mm */
		memmove(when + 23, when + 22, 2);
		when[22] = ':';
	}
	dprintf(STDERR_FILENO, "time=\"%s\" level=%s", when, level);
	log_value("msg", msg);
	if (k1)
		log_value(k1, v1);
	if (k2)
		log_value(k2, v2);
	dprintf(STDERR_FILENO, "\n");
}

static int docker_images(const struct global_options *g, const struct copy_args *a,
			 const char *source, struct sync_source *s, struct pea_error **err)
{
	_cleanup_(reference_free_p) struct image_reference *ref = NULL;
	_cleanup_strv_ char **tags = NULL;
	struct transport_context ctx;
	bool tagged;
	int r;

	if (reference_parse(source, true, &ref, err) < 0)
		return pea_error_wrap(err, "sync: '%s'", source);
	tagged = ref->tag || ref->digest;
	sync_log("info", "Tag presence check", "imagename", source, "tagged",
		 tagged ? "true" : "false");
	if (tagged) {
		_cleanup_free_ char *name = reference_string(ref);

		pea_strv_push_take(&s->from, xasprintf("docker://%s", name));
		pea_strv_push(&s->suffix, name);
		return 0;
	}
	if (cli_context(g, &ctx, err) < 0)
		return -EINVAL;
	r = cli_repo_tags(&ctx, ref, &a->src, &tags, err);
	cli_context_done(&ctx);
	if (r < 0)
		return pea_error_wrap(err, "sync");
	for (size_t i = 0; tags[i]; i++) {
		_cleanup_free_ char *name = NULL;

		free(ref->tag);
		ref->tag = xstrdup(tags[i]);
		name = reference_string(ref);
		pea_strv_push_take(&s->from, xasprintf("docker://%s", name));
		pea_strv_push(&s->suffix, name);
	}
	if (!s->from)
		return pea_error_new(err, ENOENT, "sync: no images to sync in '%s'", source);
	return 0;
}

/* The folders under path (rel: their path under the source) that hold a manifest.json. */
static int dir_walk(const char *path, const char *rel, int depth, struct sync_source *s,
		    struct pea_error **err)
{
	_cleanup_free_ char *manifest = xasprintf("%s/manifest.json", path);
	struct dirent **list = NULL;
	struct stat st;
	int n, r = 0;

	if (stat(manifest, &st) == 0 && S_ISREG(st.st_mode)) {
		pea_strv_push_take(&s->from, xasprintf("dir:%s", path));
		pea_strv_push(&s->suffix, rel);
		return 0;
	}
	if (depth > 64)
		return pea_error_new(err, ELOOP, "sync: '%s': folders nested too deep", path);
	n = scandir(path, &list, NULL, alphasort);
	if (n < 0)
		return pea_error_errno(err, "sync: read the folder '%s'", path);
	for (int i = 0; i < n; i++) {
		const char *e = list[i]->d_name;

		if (r == 0 && strcmp(e, ".") != 0 && strcmp(e, "..") != 0) {
			_cleanup_free_ char *sub = xasprintf("%s/%s", path, e);
			_cleanup_free_ char *subrel = xasprintf("%s/%s", rel, e);

			if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
				r = dir_walk(sub, subrel, depth + 1, s, err);
		}
		free(list[i]);
	}
	free(list);
	return r;
}

static int dir_images(const char *source, struct sync_source *s, struct pea_error **err)
{
	_cleanup_free_ char *full = realpath(source, NULL);
	struct stat st;

	if (!full || stat(full, &st) < 0)
		return pea_error_errno(err, "sync: the source folder '%s'", source);
	if (!S_ISDIR(st.st_mode))
		return pea_error_new(err, ENOTDIR, "sync: the source '%s' is not a folder", source);
	if (dir_walk(full, "", 0, s, err) < 0)
		return -EINVAL;
	if (!s->from)
		return pea_error_new(err, ENOENT, "sync: no images to sync in '%s'", source);
	return 0;
}

/* DEST/SUFFIX, or DEST/BASENAME(SUFFIX) unless scoped, as path.Join cleans it up. */
static char *sync_target(const char *dest, const char *suffix, bool scoped)
{
	const char *tail = suffix;
	size_t len = strlen(dest);

	while (len > 1 && dest[len - 1] == '/')
		len--;
	if (!scoped && strrchr(suffix, '/'))
		tail = strrchr(suffix, '/') + 1;
	while (*tail == '/')
		tail++;
	return *tail ? xasprintf("%.*s/%s", (int)len, dest, tail)
		     : xasprintf("%.*s", (int)len, dest);
}

static int sync_run(const struct global_options *g, struct copy_args *a, struct sync_source *s,
		    struct pea_error **err)
{
	const bool to_dir = strcmp(a->sync_dest, "dir") == 0;
	size_t n = pea_strv_length(s->from), synced = 0;
	bool failed = false;

	if (a->dry_run)
		sync_log("warning", "Running in dry-run mode", NULL, NULL, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *target = NULL, *to = NULL, *msg = NULL;
		const char *suffix = s->suffix[i];
		struct stat st;

		/* a dir: source named itself: its own name under the destination */
		if (!*suffix && strncmp(s->from[i], "dir:", 4) == 0)
			suffix = strrchr(s->from[i], '/') ? strrchr(s->from[i], '/') + 1 : "";
		target = sync_target(a->dest, suffix, a->scoped);
		to = xasprintf("%s%s", to_dir ? "dir:" : "docker://", target);
		if (to_dir && lstat(target, &st) == 0)
			return pea_error_new(err, EEXIST,
					     "sync: '%s' exists: refusing to overwrite it", target);
		msg = xasprintf("%s image ref %zu/%zu",
				a->dry_run ? "Would have copied" : "Copying", i + 1, n);
		sync_log("info", msg, "from", s->from[i], "to", to);
		if (!a->dry_run) {
			int r = copy_one(g, a, s->from[i], to, err);

			if (r < 0 && !a->keep_going)
				return pea_error_wrap(err, "sync: copying '%s'", s->from[i]);
			if (r < 0) {
				_cleanup_free_ char *what =
					xasprintf("Error copying ref \\\"%s\\\"", s->from[i]);

				sync_log("error", what, "error", (*err)->message, NULL, NULL);
				*err = pea_error_free(*err);
				failed = true;
				continue;
			}
		}
		synced++;
	}
	{
		_cleanup_free_ char *msg =
			xasprintf("%s %zu images from 1 sources",
				  a->dry_run ? "Would have synced" : "Synced", synced);

		sync_log("info", msg, NULL, NULL, NULL, NULL);
	}
	if (failed)
		return pea_error_new(err, EIO,
				     "sync: one or more images could not be copied (see the "
				     "errors above)");
	return 0;
}

int cmd_sync(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct copy_args a = { .sync = true };
	_cleanup_(sync_source_clear) struct sync_source s = { 0 };
	int r = copy_parse(argc, argv, sync_usage, &a, err);

	if (r != 0)
		goto out;
	if (!a.sync_src)
		r = cli_usage(err, "sync: --src is required: docker or dir");
	else if (strcmp(a.sync_src, "docker") != 0 && strcmp(a.sync_src, "dir") != 0)
		r = cli_usage(err, "sync: --src '%s': expected docker or dir", a.sync_src);
	else if (!a.sync_dest)
		r = cli_usage(err, "sync: --dest is required: docker or dir");
	else if (strcmp(a.sync_dest, "docker") != 0 && strcmp(a.sync_dest, "dir") != 0)
		r = cli_usage(err, "sync: --dest '%s': expected docker or dir", a.sync_dest);
	else if (strcmp(a.sync_src, "dir") == 0 && strcmp(a.sync_dest, "dir") == 0)
		r = cli_usage(err, "sync: from dir to dir is not supported (copy the folder)");
	else if (a.additional_tags)
		r = cli_usage(err, "sync: --additional-tag is for copy to a docker-archive");
	if (r != 0)
		goto out;
	if (strcmp(a.sync_src, "docker") == 0)
		r = docker_images(g, &a, a.source, &s, err);
	else
		r = dir_images(a.source, &s, err);
	if (r == 0)
		r = sync_run(g, &a, &s, err);
out:
	pea_strv_free(a.additional_tags);
	return r;
}
