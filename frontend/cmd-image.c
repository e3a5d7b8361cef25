/* Images: pull, load, images, rmi, tag, image inspect (podman-pull(1), ...). */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/events.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/images.h"
#include "frontend/platform.h"
#include "frontend/pod.h"
#include "frontend/records.h"

#define ARCHIVE_INDEX_MAX (4u << 20)

static const char *rec_str(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* pea-image with the options every call gets; the caller adds the command. */
static char **image_argv(const struct global_options *g)
{
	char **v = NULL;

	pea_strv_push_take(&v, frontend_find_binary(g, "pea-image"));
	if (g->log_level)
		pea_strv_push_take(&v, xasprintf("--log-level=%s", g->log_level));
	return v;
}

/* Run pea-image, its stderr passed through; a failure is its last line. */
static int run_image(char *const *argv, bool quiet, struct pea_error **err)
{
	struct run_result r = { 0 };
	int rc = 0;

	if (!quiet) {
		_cleanup_close_ int pidfd = -1;
		struct pea_spawn s = { .argv = argv, .null_stdin = true };
		pid_t pid;
		int status;

		if (pea_spawn(&s, &pid, &pidfd, err) < 0 ||
		    pea_wait(pid, pidfd, -1, &status, err) < 0)
			return -1;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			_cleanup_free_ char *d = pea_describe_wait_status(status);
			return pea_error_new(err, EIO, "pea-image %s", d);
		}
		return 0;
	}
	if (frontend_run_capture(argv, -1, &r, err) < 0)
		return -1;
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
		rc = pea_error_new(err, EIO, "%s", image_tool_message(&r));
	run_result_clear(&r);
	return rc;
}

/* Copy SRC into the store as NAME (may be NULL); the image's record. */
/* auth: pea-image copy's options for the source's credentials (--src-creds, --authfile) */
static int copy_to_store(const struct global_options *g, const char *src, const char *name,
			 bool quiet, bool tls_verify, const struct platform_spec *plat,
			 char *const *auth, struct json_object **ret, struct pea_error **err)
{
	char tmpl[] = "/tmp/pea-iid.XXXXXX";
	_cleanup_strv_ char **argv = image_argv(g);
	_cleanup_free_ char *iid = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	int r;

	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "mkostemp '%s'", tmpl);
	if (plat && plat->os)
		pea_strv_push_take(&argv, xasprintf("--override-os=%s", plat->os));
	if (plat && plat->arch)
		pea_strv_push_take(&argv, xasprintf("--override-arch=%s", plat->arch));
	if (plat && plat->variant)
		pea_strv_push_take(&argv, xasprintf("--override-variant=%s", plat->variant));
	pea_strv_push(&argv, "copy");
	for (size_t i = 0; auth && auth[i]; i++)
		pea_strv_push(&argv, auth[i]);
	if (quiet)
		pea_strv_push(&argv, "--quiet");
	if (!tls_verify)
		pea_strv_push(&argv, "--src-tls-verify=false");
	/* the id of the image stored, also when its config was stored before */
	pea_strv_push_take(&argv, xasprintf("--iidfile=%s", tmpl));
	pea_strv_push(&argv, src);
	pea_strv_push_take(&argv, store_transport(g, name));
	r = run_image(argv, quiet, err);
	/* read by name: the file may have been replaced */
	if (r == 0)
		r = pea_read_file_at(AT_FDCWD, tmpl, 256, &iid, &len, err);
	unlink(tmpl);
	if (r < 0)
		return -1;
	while (len > 0 && (iid[len - 1] == '\n' || iid[len - 1] == ' '))
		iid[--len] = '\0';
	{
		const char *id = strncmp(iid, "sha256:", 7) == 0 ? iid + 7 : iid;
		const char *const inspect[] = { "image", "inspect", id, NULL };

		return store_call(g, inspect, ret, err);
	}
}

/* ---- pull --------------------------------------------------------------- */

static char **pull_candidates(const struct global_options *g, const char *full,
			      struct pea_error **err)
{
	_cleanup_strv_ char **argv = image_argv(g);
	_cleanup_json_ struct json_object *j = NULL;
	_cleanup_free_ char *repo = NULL;
	struct json_object *cands = NULL;
	struct run_result r = { 0 };
	char **out = NULL;
	const char *suffix;

	if (image_name_has_domain(full)) {
		pea_strv_push(&out, full);
		return out;
	}
	/* resolve takes the name without tag or digest */
	suffix = strpbrk(full, ":@");
	repo = xstrndup(full, (size_t)(suffix - full));
	pea_strv_push(&argv, "resolve");
	pea_strv_push(&argv, repo);
	if (frontend_run_capture(argv, -1, &r, err) < 0)
		return NULL;
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0 ||
	    pea_json_parse(r.out, r.len, "pea-image resolve", &j, err) < 0 ||
	    !json_object_object_get_ex(j, "candidates", &cands)) {
		if (!*err)
			pea_error_new(err, EIO, "short-name resolution of '%s' failed: %s", repo,
				      r.errtxt ? r.errtxt : "");
		run_result_clear(&r);
		return NULL;
	}
	run_result_clear(&r);
	for (size_t i = 0; i < json_object_array_length(cands); i++)
		pea_strv_push_take(
			&out, xasprintf("%s%s",
					json_object_get_string(json_object_array_get_idx(cands, i)),
					suffix));
	if (!out)
		pea_error_new(err, ENOENT,
			      "short-name \"%s\" did not resolve to an alias and no "
			      "unqualified-search registries are defined in registries.conf",
			      repo);
	return out;
}

/* Pull NAME; the record of the image. Used by run and create too. */
int image_pull(const struct global_options *g, const char *name, bool quiet, bool tls_verify,
	       struct json_object **ret, struct pea_error **err)
{
	return image_pull_platform(g, name, quiet, tls_verify, NULL, ret, err);
}

static int tar_member(const char *file, const char *member, struct json_object **ret,
		      struct pea_error **err);

/* The first name a docker-archive gives its first image (RepoTags), normalized; NULL if none. */
static char *archive_first_name(const char *path)
{
	_cleanup_json_ struct json_object *manifest = NULL;
	struct json_object *tags = NULL;
	char *full = NULL;
	const char *t;

	if (tar_member(path, "manifest.json", &manifest, NULL) < 0 || !manifest ||
	    !json_object_is_type(manifest, json_type_array) ||
	    json_object_array_length(manifest) == 0 ||
	    !json_object_object_get_ex(json_object_array_get_idx(manifest, 0), "RepoTags", &tags) ||
	    !json_object_is_type(tags, json_type_array) || json_object_array_length(tags) == 0)
		return NULL;
	t = json_object_get_string(json_object_array_get_idx(tags, 0));
	if (!t || image_normalize(t, &full, NULL) < 0)
		return NULL;
	return full;
}

int image_pull_platform(const struct global_options *g, const char *name, bool quiet,
			bool tls_verify, const struct platform_spec *plat, struct json_object **ret,
			struct pea_error **err)
{
	return image_pull_auth(g, name, quiet, tls_verify, plat, NULL, ret, err);
}

int image_pull_auth(const struct global_options *g, const char *name, bool quiet, bool tls_verify,
		    const struct platform_spec *plat, char *const *auth, struct json_object **ret,
		    struct pea_error **err)
{
	static const char *const transports[] = { "docker-archive:", "oci-archive:", "oci:",
						  "dir:" };
	_cleanup_free_ char *full = NULL;
	_cleanup_strv_ char **cands = NULL;
	_cleanup_error_ struct pea_error *last = NULL;

	if (strncmp(name, "docker://", 9) == 0)
		name += 9;
	/* podman pulls from its other transports too: the image as it is there, no name */
	for (size_t i = 0; i < ARRAY_SIZE(transports); i++)
		if (strncmp(name, transports[i], strlen(transports[i])) == 0) {
			/* a docker-archive's image keeps its name, as podman's */
			_cleanup_free_ char *tag = i == 0 && !strchr(name + 15, ':')
							   ? archive_first_name(name + 15)
							   : NULL;
			if (copy_to_store(g, name, tag, quiet, tls_verify, plat, auth, ret, err) <
			    0)
				return pea_error_wrap(err, "pulling image '%s'", name);
			return 0;
		}
	if (image_normalize(name, &full, err) < 0)
		return -1;
	cands = pull_candidates(g, full, err);
	if (!cands)
		return -1;
	for (size_t i = 0; cands[i]; i++) {
		_cleanup_free_ char *src = xasprintf("docker://%s", cands[i]);

		if (!quiet)
			fprintf(stderr, "Trying to pull %s...\n", cands[i]);
		last = pea_error_free(last);
		if (copy_to_store(g, src, cands[i], quiet, tls_verify, plat, auth, ret, &last) == 0)
			return 0;
		/* podman's words (200-pod: a missing infra image) */
		(void)pea_error_wrap(&last, "initializing source %s", src);
	}
	*err = TAKE_PTR(last);
	return pea_error_wrap(err, "pulling image '%s'", name);
}

/* Whether rec carries digest: its own, or a repo@DIGEST name. */
static bool image_has_digest(struct json_object *rec, const char *digest)
{
	struct json_object *names = NULL;
	const char *own = rec_str(rec, "digest");

	if (own && strcmp(own, digest) == 0)
		return true;
	if (!json_object_object_get_ex(rec, "names", &names) ||
	    !json_object_is_type(names, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(names, i));
		const char *at = n ? strchr(n, '@') : NULL;

		if (at && strcmp(at + 1, digest) == 0)
			return true;
	}
	return false;
}

/*
 * The registry's manifest of NAME now (pea-image inspect --raw, no tag list):
 * *ret_digest its digest, *ret_instances the digests an index lists (NULL for
 * an image's own manifest). 0, or -1 and err.
 */
static int remote_manifest(const struct global_options *g, const char *name, bool tls_verify,
			   char **ret_digest, char ***ret_instances, struct pea_error **err)
{
	_cleanup_strv_ char **argv = image_argv(g);
	_cleanup_json_ struct json_object *j = NULL;
	struct json_object *mans = NULL;
	struct run_result r = { 0 };
	char digest[PEA_DIGEST_MAX];
	int rc = -1;

	pea_strv_push(&argv, "inspect");
	pea_strv_push(&argv, "--raw");
	if (!tls_verify)
		pea_strv_push(&argv, "--tls-verify=false");
	pea_strv_push_take(&argv, xasprintf("docker://%s", name));
	if (frontend_run_capture(argv, -1, &r, err) < 0)
		return -1;
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
		pea_error_new(err, EIO, "%s", image_tool_message(&r));
	} else if (pea_json_parse(r.out, r.len, "the registry's manifest", &j, err) == 0) {
		pea_digest_buffer("sha256", r.out, r.len, digest);
		*ret_digest = xstrdup(digest);
		*ret_instances = NULL;
		if (json_object_object_get_ex(j, "manifests", &mans) &&
		    json_object_is_type(mans, json_type_array))
			for (size_t i = 0; i < json_object_array_length(mans); i++) {
				const char *d =
					rec_str(json_object_array_get_idx(mans, i), "digest");

				if (d)
					pea_strv_push(ret_instances, d);
			}
		rc = 0;
	}
	run_result_clear(&r);
	return rc;
}

/*
 * --pull=newer with *rec the local image of name: the registry's image when
 * its digest is not the local one's (podman: "newer" is "different"; for an
 * index, when the local image is none of its instances), else the local one.
 * As podman's, a failure to ask or to pull is no error: the local image stays
 * (said at debug level).
 */
void image_pull_newer(const struct global_options *g, const char *name, bool quiet, bool tls_verify,
		      const struct platform_spec *plat, struct json_object **rec)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_free_ char *full = NULL, *digest = NULL;
	_cleanup_strv_ char **instances = NULL;
	struct json_object *fresh = NULL;

	if (image_normalize(name, &full, &e) < 0 ||
	    remote_manifest(g, full, tls_verify, &digest, &instances, &e) < 0) {
		log_debug("--pull=newer: %s: %s: the local image is used", name, e->message);
		return;
	}
	/* a tag of an index: the store keeps the instance pulled, which it still lists */
	if (image_has_digest(*rec, digest))
		return;
	for (size_t i = 0; instances && instances[i]; i++)
		if (image_has_digest(*rec, instances[i]))
			return;
	if (image_pull_platform(g, full, quiet, tls_verify, plat, &fresh, &e) < 0) {
		log_debug("--pull=newer: %s: %s: the local image is used", name, e->message);
		return;
	}
	json_object_put(*rec);
	*rec = fresh;
}

static const char pull_usage[] =
	"Usage: pea pull [OPTIONS] IMAGE [IMAGE...]\n"
	"\n"
	"Pull images from a registry into the store.\n"
	"\n"
	"      --authfile=PATH     the auth file of the credentials (default podman's)\n"
	"      --creds=USER[:PASS] credentials for this pull\n"
	"      --platform=OS/ARCH[/VARIANT]  the platform to pull from a manifest list\n"
	"  -q, --quiet             print only the image id\n"
	"      --tls-verify[=BOOL] verify the registry's certificate, and require https\n"
	"                          (default true)\n";

int cmd_pull(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "tls-verify", optional_argument, NULL, 't' },
		{ "platform", required_argument, NULL, 'P' },
		{ "creds", required_argument, NULL, 'C' },
		{ "authfile", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(platform_spec_clear) struct platform_spec plat = { 0 };
	_cleanup_strv_ char **auth = NULL;
	bool quiet = false, tls = true;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hq", opts, pull_usage, &c, err)) == 2) {
		if (c == 'q')
			quiet = true;
		else if (c == 't' && parse_bool_arg("tls-verify", optarg, &tls, err) < 0)
			return -1;
		else if (c == 'P' && platform_parse(optarg, &plat, err) < 0)
			return -1;
		else if (c == 'C' && (!*optarg || optarg[0] == ':'))
			return pea_error_new(err, EINVAL, "--creds '%s': USER[:PASS] with a user",
					     optarg);
		else if (c == 'C')
			pea_strv_push_take(&auth, xasprintf("--src-creds=%s", optarg));
		else if (c == 'A' && !*optarg)
			return pea_error_new(err, EINVAL, "--authfile: empty path");
		else if (c == 'A')
			pea_strv_push_take(&auth, xasprintf("--authfile=%s", optarg));
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind >= argc)
		return check_nargs(0, 1, -1, err);
	for (int i = optind; i < argc; i++) {
		_cleanup_json_ struct json_object *rec = NULL;

		if (image_pull_auth(g, argv[i], quiet, tls, plat.os ? &plat : NULL, auth, &rec,
				    err) < 0)
			return -1;
		/* podman's pull event names the reference only (090-events) */
		events_image(g, "pull", NULL, argv[i]);
		printf("%s\n", rec_str(rec, "id"));
	}
	return 0;
}

/* ---- load --------------------------------------------------------------- */

/* A member of a tar archive, through tar(1); NULL and no error when missing. */
static int tar_member(const char *file, const char *member, struct json_object **ret,
		      struct pea_error **err)
{
	char *list_argv[] = { (char *)"tar", (char *)"-tf", (char *)file, NULL };
	struct run_result r = { 0 };
	_cleanup_strv_ char **names = NULL;
	_cleanup_free_ char *found = NULL;
	int rc;

	*ret = NULL;
	if (frontend_run_capture(list_argv, -1, &r, err) < 0)
		return -1;
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
		rc = pea_error_new(err, EINVAL, "'%s' is not a tar archive: %.*s", file,
				   r.errtxt ? (int)strcspn(r.errtxt, "\n") : 0,
				   r.errtxt ? r.errtxt : "");
		run_result_clear(&r);
		return rc;
	}
	names = pea_strv_split(r.out, "\n");
	run_result_clear(&r);
	for (size_t i = 0; names && names[i]; i++) {
		const char *n = names[i];
		if (strncmp(n, "./", 2) == 0)
			n += 2;
		if (strcmp(n, member) == 0) {
			found = xstrdup(names[i]);
			break;
		}
	}
	if (!found)
		return 0;
	{
		char *x_argv[] = { (char *)"tar", (char *)"-xOf", (char *)file, found, NULL };

		if (frontend_run_capture(x_argv, -1, &r, err) < 0)
			return -1;
	}
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0 || r.len > ARCHIVE_INDEX_MAX) {
		rc = pea_error_new(err, EINVAL, "'%s': cannot read '%s'", file, member);
		run_result_clear(&r);
		return rc;
	}
	rc = pea_json_parse(r.out, r.len, member, ret, err);
	run_result_clear(&r);
	if (rc < 0)
		return pea_error_wrap(err, "'%s'", file);
	return 0;
}

static int tag_image(const struct global_options *g, const char *id, const char *name,
		     struct pea_error **err)
{
	const char *args[] = { "image", "tag", id, name, NULL };
	_cleanup_json_ struct json_object *res = NULL;

	return store_call(g, args, &res, err);
}

/* One image of a docker-archive: copied under its first name, tagged with the others. */
static int load_docker_entry(const struct global_options *g, const char *file, size_t index,
			     struct json_object *entry, struct pea_error **err)
{
	_cleanup_free_ char *src = xasprintf("docker-archive:%s:@%zu", file, index);
	_cleanup_json_ struct json_object *rec = NULL;
	_cleanup_strv_ char **names = NULL;
	struct json_object *tags = NULL;

	if (json_object_object_get_ex(entry, "RepoTags", &tags) &&
	    json_object_is_type(tags, json_type_array))
		for (size_t i = 0; i < json_object_array_length(tags); i++) {
			char *full = NULL;
			const char *t = json_object_get_string(json_object_array_get_idx(tags, i));
			if (t && image_normalize(t, &full, NULL) == 0)
				pea_strv_push_take(&names, full);
		}
	if (copy_to_store(g, src, names ? names[0] : NULL, true, true, NULL, NULL, &rec, err) < 0)
		return -1;
	for (size_t i = 1; names && names[i]; i++)
		if (tag_image(g, rec_str(rec, "id"), names[i], err) < 0)
			return -1;
	for (size_t i = 0; names && names[i]; i++)
		printf("Loaded image: %s\n", names[i]);
	if (!names)
		printf("Loaded image: sha256:%s\n", rec_str(rec, "id"));
	return 0;
}

static int load_oci_archive(const struct global_options *g, const char *file,
			    struct json_object *index, struct pea_error **err)
{
	struct json_object *mans = NULL;

	if (!json_object_object_get_ex(index, "manifests", &mans) ||
	    !json_object_is_type(mans, json_type_array) || json_object_array_length(mans) == 0)
		return pea_error_new(err, EINVAL, "'%s': index.json lists no manifests", file);
	for (size_t i = 0; i < json_object_array_length(mans); i++) {
		struct json_object *m = json_object_array_get_idx(mans, i), *ann = NULL;
		_cleanup_json_ struct json_object *rec = NULL;
		_cleanup_free_ char *src = NULL, *name = NULL;
		const char *ref = NULL;

		if (json_object_object_get_ex(m, "annotations", &ann))
			ref = rec_str(ann, "org.opencontainers.image.ref.name");
		/* A full name in ref.name names the image; a bare tag only selects it. */
		if (ref && strchr(ref, '/') && image_normalize(ref, &name, NULL) < 0)
			name = NULL;
		if (ref && json_object_array_length(mans) > 1)
			src = xasprintf("oci-archive:%s:%s", file, ref);
		else
			src = xasprintf("oci-archive:%s", file);
		if (copy_to_store(g, src, name, true, true, NULL, NULL, &rec, err) < 0)
			return -1;
		if (name)
			printf("Loaded image: %s\n", name);
		else
			printf("Loaded image: sha256:%s\n", rec_str(rec, "id"));
	}
	return 0;
}

static const char load_usage[] =
	"Usage: pea load [OPTIONS]\n"
	"\n"
	"Load images from a docker-archive or oci-archive tar file.\n"
	"\n"
	"  -i, --input=FILE   the archive to read: a file, or an http:// or https:// URL\n"
	"                     (default: standard input)\n"
	"  -q, --quiet        accepted (progress is never printed)\n";

/* Standard input into a new file under $TMPDIR (or /var/tmp), as podman load reads a pipe. */
static int stdin_to_temp(char **ret_path, struct pea_error **err)
{
	const char *dir = getenv("TMPDIR");
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	char buf[65536];
	size_t total = 0;

	if (isatty(STDIN_FILENO))
		return pea_error_new(err, EINVAL,
				     "cannot read from terminal, use command-line redirection or "
				     "the --input flag");
	path = xasprintf("%s/pea-load-XXXXXX", dir && *dir ? dir : "/var/tmp");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "create '%s'", path);
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			pea_error_errno(err, "read standard input");
		if (n < 0 || (n > 0 && pea_write_all(fd, buf, (size_t)n, err) < 0)) {
			(void)unlink(path);
			return -1;
		}
		if (n == 0)
			break;
		total += (size_t)n;
	}
	if (total == 0) {
		(void)unlink(path);
		return pea_error_new(err, EINVAL,
				     "no archive on standard input: pipe one, or use --input");
	}
	*ret_path = TAKE_PTR(path);
	return 0;
}

static int load_file(const struct global_options *g, char *input, struct pea_error **err)
{
	_cleanup_json_ struct json_object *manifest = NULL, *index = NULL;

	if (tar_member(input, "manifest.json", &manifest, err) < 0)
		return pea_error_wrap(err,
				      "payload does not match any of the supported image formats");
	if (manifest) {
		if (!json_object_is_type(manifest, json_type_array) ||
		    json_object_array_length(manifest) == 0)
			return pea_error_new(err, EINVAL, "'%s': manifest.json lists no images",
					     input);
		for (size_t i = 0; i < json_object_array_length(manifest); i++)
			if (load_docker_entry(g, input, i, json_object_array_get_idx(manifest, i),
					      err) < 0)
				return -1;
		return 0;
	}
	if (tar_member(input, "index.json", &index, err) < 0)
		return -1;
	if (index)
		return load_oci_archive(g, input, index, err);
	return pea_error_new(err, EINVAL,
			     "payload does not match any of the supported image formats: '%s' "
			     "has neither manifest.json (docker-archive) nor index.json "
			     "(oci-archive)",
			     input);
}

int cmd_load(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "input", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *input = NULL;
	struct stat st;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hi:q", opts, load_usage, &c, err)) == 2) {
		if (c == 'i') {
			free(input);
			input = xstrdup(optarg);
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	if (!input) {
		if (stdin_to_temp(&input, err) < 0)
			return -1;
		r = load_file(g, input, err);
		(void)unlink(input);
		if (r < 0)
			return pea_error_wrap(err, "standard input");
		return r;
	}
	if (strncmp(input, "http://", 7) == 0 || strncmp(input, "https://", 8) == 0) {
		/* podman's load -i URL: the archive downloaded first */
		_cleanup_free_ char *tmp = NULL;
		if (url_download(g, input, &tmp, err) < 0)
			return -1;
		r = load_file(g, tmp, err);
		(void)unlink(tmp);
		return r < 0 ? pea_error_wrap(err, "'%s'", input) : r;
	}
	if (stat(input, &st) < 0)
		return pea_error_errno(err,
				       "payload does not match any of the supported image "
				       "formats: '%s'",
				       input);
	if (!S_ISREG(st.st_mode))
		return pea_error_new(err, EINVAL, "'%s' is not a regular file", input);
	if (input[0] != '/') {
		char *abs = realpath(input, NULL);
		if (!abs)
			return pea_error_errno(err, "realpath '%s'", input);
		free(input);
		input = abs;
	}
	if (load_file(g, input, err) < 0)
		return -1;
	events_image(g, "loadfromarchive", NULL, input);
	return 0;
}

/* ---- parents (podman's libimage layer tree) ----------------------------- */

/* One image of the store as the layer tree sees it. */
struct image_node {
	struct json_object *rec; /* borrowed from the list */
	struct json_object *cfg; /* the OCI config; owned */
	struct json_object *history;
	size_t nlayers;
	bool tagged, gone;
};

struct image_set {
	struct json_object *list;
	struct image_node *v;
	size_t n;
};

static void image_set_clear(struct image_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		json_object_put(s->v[i].cfg);
	free(s->v);
	json_object_put(s->list);
	*s = (struct image_set){ 0 };
}

/* An image has a tag (repo:tag; a repo@digest name is none). */
static bool image_tagged(struct json_object *rec)
{
	struct json_object *names = NULL;

	if (!json_object_object_get_ex(rec, "names", &names))
		return false;
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(names, i));
		if (n && !strchr(n, '@'))
			return true;
	}
	return false;
}

/* The images of list (an `image ls` array; the set takes a reference). */
static void image_set_init(struct image_set *s, struct json_object *list)
{
	*s = (struct image_set){ .list = json_object_get(list) };
	s->n = json_object_array_length(list);
	s->v = xnew(struct image_node, s->n ? s->n : 1);
	for (size_t i = 0; i < s->n; i++) {
		struct image_node *d = &s->v[i];
		struct json_object *layers = NULL;

		d->rec = json_object_array_get_idx(list, i);
		if (image_read_config(d->rec, &d->cfg, NULL) < 0)
			d->cfg = json_object_new_object();
		if (!json_object_object_get_ex(d->cfg, "history", &d->history) ||
		    !json_object_is_type(d->history, json_type_array))
			d->history = NULL;
		if (json_object_object_get_ex(d->rec, "layers", &layers) &&
		    json_object_is_type(layers, json_type_array))
			d->nlayers = json_object_array_length(layers);
		d->tagged = image_tagged(d->rec);
	}
}

static const char *layer_at(struct json_object *rec, size_t i)
{
	struct json_object *layers = NULL;

	json_object_object_get_ex(rec, "layers", &layers);
	return json_object_get_string(json_object_array_get_idx(layers, i)) ?: "";
}

/*
 * p is c's parent as podman's libimage has it: p's layers are c's or all but
 * c's last, and p's history is a shorter prefix of c's (a build step that adds
 * no layer, ENV say, makes a child on the same layer).
 */
static bool image_is_parent(const struct image_node *p, const struct image_node *c)
{
	size_t ph, ch;

	if (p == c || !p->history || !c->history ||
	    (p->nlayers != c->nlayers && p->nlayers + 1 != c->nlayers))
		return false;
	for (size_t i = 0; i < p->nlayers; i++)
		if (strcmp(layer_at(p->rec, i), layer_at(c->rec, i)) != 0)
			return false;
	ph = json_object_array_length(p->history);
	ch = json_object_array_length(c->history);
	if (ph >= ch)
		return false;
	for (size_t i = 0; i < ph; i++)
		if (!json_object_equal(json_object_array_get_idx(p->history, i),
				       json_object_array_get_idx(c->history, i)))
			return false;
	return true;
}

static size_t history_len(const struct image_node *d)
{
	return d->history ? json_object_array_length(d->history) : 0;
}

/* The image of the set with this id, or -1. */
static ssize_t image_set_find(const struct image_set *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(rec_str(s->v[i].rec, "id") ?: "", id) == 0)
			return (ssize_t)i;
	return -1;
}

/* Image i has a child still there. */
static bool image_set_has_child(const struct image_set *s, size_t i)
{
	for (size_t k = 0; k < s->n; k++)
		if (!s->v[k].gone && image_is_parent(&s->v[i], &s->v[k]))
			return true;
	return false;
}

/* Image i's parent (the one with the longest history when several fit), or -1. */
static ssize_t image_set_parent(const struct image_set *s, size_t i)
{
	ssize_t best = -1;

	for (size_t k = 0; k < s->n; k++)
		if (!s->v[k].gone && image_is_parent(&s->v[k], &s->v[i]) &&
		    (best < 0 || json_object_array_length(s->v[k].history) >
					 json_object_array_length(s->v[best].history)))
			best = (ssize_t)k;
	return best;
}

/* The ids of the images that have children (podman: intermediate when untagged). */
static char **image_set_parents(const struct image_set *s)
{
	char **ids = NULL;

	for (size_t i = 0; i < s->n; i++)
		if (image_set_has_child(s, i))
			pea_strv_push(&ids, rec_str(s->v[i].rec, "id") ?: "");
	return ids;
}

/* ---- images ------------------------------------------------------------- */

static const char *image_header(const char *field)
{
	static const struct {
		const char *field, *header;
	} map[] = {
		{ "ID", "IMAGE ID" },	  { "Repository", "REPOSITORY" }, { "Tag", "TAG" },
		{ "Created", "CREATED" }, { "CreatedSince", "CREATED" },  { "Size", "SIZE" },
		{ "Digest", "DIGEST" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(map[i].field, field) == 0)
			return map[i].header;
	return NULL;
}

/* podman's {{.History}} of images: the names the image had, latest first, ", " between */
static struct json_object *names_history_text(struct json_object *rec)
{
	struct json_object *h = NULL;
	_cleanup_strv_ char **v = NULL;
	_cleanup_free_ char *s = NULL;

	if (json_object_object_get_ex(rec, "names_history", &h) &&
	    json_object_is_type(h, json_type_array))
		for (size_t i = 0; i < json_object_array_length(h); i++)
			pea_strv_push(&v, json_object_get_string(json_object_array_get_idx(h, i)));
	s = v ? pea_strv_join(v, ", ") : xstrdup("");
	return json_object_new_string(s);
}

/* The image config's labels (config.Labels), or null as podman shows none. */
static struct json_object *config_labels(struct json_object *config)
{
	struct json_object *c = NULL, *l = NULL;

	if (!json_object_object_get_ex(config, "config", &c) ||
	    !json_object_object_get_ex(c, "Labels", &l) ||
	    !json_object_is_type(l, json_type_object))
		return NULL;
	return json_object_get(l);
}

/* The config's "created" as seconds, 0 when missing. */
static double config_created(struct json_object *config)
{
	return frontend_parse_time(rec_str(config, "created"));
}

/*
 * An image's names as podman splits them: tags (repo:tag) and digests
 * (repo@sha256:..., and repo@DIGEST for the repository of each tag).
 */
static void image_names(struct json_object *rec, struct json_object **ret_tags,
			struct json_object **ret_digests)
{
	struct json_object *names = NULL, *tags = json_object_new_array();
	struct json_object *digests = json_object_new_array();
	const char *digest = rec_str(rec, "digest");
	_cleanup_strv_ char **seen = NULL;

	if (!json_object_object_get_ex(rec, "names", &names))
		names = NULL;
	for (size_t i = 0; names && i < json_object_array_length(names); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(names, i));
		_cleanup_free_ char *repo = NULL, *tag = NULL, *d = NULL;

		if (!n)
			continue;
		if (strchr(n, '@')) {
			d = xstrdup(n);
		} else {
			json_object_array_add(tags, json_object_new_string(n));
			if (!digest)
				continue;
			image_split_name(n, &repo, &tag);
			d = xasprintf("%s@%s", repo, digest);
		}
		if (pea_strv_contains(seen, d))
			continue;
		pea_strv_push(&seen, d);
		json_object_array_add(digests, json_object_new_string(d));
	}
	*ret_tags = tags;
	*ret_digests = digests;
}

/* The rows of `images`: one per tag; without tags one per repository of a digest, or <none>. */
static struct json_object *image_row_names(struct json_object *tags, struct json_object *digests)
{
	struct json_object *rows = json_object_new_array();
	_cleanup_strv_ char **repos = NULL;

	if (json_object_array_length(tags) > 0) {
		for (size_t i = 0; i < json_object_array_length(tags); i++)
			json_object_array_add(rows,
					      json_object_get(json_object_array_get_idx(tags, i)));
		return rows;
	}
	for (size_t i = 0; i < json_object_array_length(digests); i++) {
		const char *d = json_object_get_string(json_object_array_get_idx(digests, i));
		_cleanup_free_ char *repo = xstrndup(d, strcspn(d, "@"));
		if (pea_strv_contains(repos, repo))
			continue;
		pea_strv_push(&repos, repo);
		json_object_array_add(rows, json_object_new_string(d));
	}
	return rows;
}

/*
 * The image's config for listing; one without a config (a manifest list) gets
 * the record's creation time, as podman shows a list's.
 */
static struct json_object *list_config(struct json_object *rec)
{
	struct json_object *config = NULL;

	if (image_read_config(rec, &config, NULL) < 0)
		config = json_object_new_object();
	if (!rec_str(config, "created") && rec_str(rec, "created"))
		json_object_object_add(config, "created",
				       json_object_new_string(rec_str(rec, "created")));
	return config;
}

/* One row per tag (see image_row_names). */
static void image_rows(struct json_object *rec, struct json_object *layers, bool notrunc,
		       struct json_object *out)
{
	_cleanup_json_ struct json_object *config = NULL, *tags = NULL, *digests = NULL;
	_cleanup_json_ struct json_object *names = NULL;
	const char *id = rec_str(rec, "id");
	size_t n;
	double created;
	long long size;

	config = list_config(rec);
	created = config_created(config);
	size = image_size(rec, layers);
	image_names(rec, &tags, &digests);
	names = image_row_names(tags, digests);
	n = json_object_array_length(names);
	for (size_t i = 0; i < (n ? n : 1); i++) {
		struct json_object *row = json_object_new_object();
		_cleanup_free_ char *repo = NULL, *tag = NULL, *since = NULL, *hsize = NULL;
		_cleanup_free_ char *tid = notrunc ? xasprintf("sha256:%s", id) : xstrndup(id, 12);

		if (n)
			image_split_name(
				json_object_get_string(json_object_array_get_idx(names, i)), &repo,
				&tag);
		else {
			repo = xstrdup("<none>");
			tag = xstrdup("<none>");
		}
		since = fmt_human_duration(frontend_now_seconds() - created);
		hsize = fmt_human_size((double)size);
		json_object_object_add(row, "ID", json_object_new_string(tid));
		json_object_object_add(row, "Id", json_object_new_string(id));
		json_object_object_add(row, "Repository", json_object_new_string(repo));
		json_object_object_add(row, "Tag", json_object_new_string(tag));
		json_object_object_add(row, "Digest",
				       json_object_new_string(rec_str(rec, "digest") ?: ""));
		{
			_cleanup_free_ char *ago = xasprintf("%s ago", since);
			_cleanup_free_ char *at = fmt_go_time(created);
			json_object_object_add(row, "Created", json_object_new_string(ago));
			json_object_object_add(row, "CreatedSince", json_object_new_string(ago));
			/* templates show Go's time.Time; --sort created reads the stored one */
			json_object_object_add(row, "CreatedAt", json_object_new_string(at));
			json_object_object_add(
				row, "RawCreatedAt",
				json_object_new_string(rec_str(config, "created") ?: ""));
		}
		json_object_object_add(row, "Size", json_object_new_string(hsize));
		json_object_object_add(row, "VirtualSize", json_object_new_int64(size));
		json_object_object_add(row, "Names", json_object_get(tags));
		json_object_object_add(row, "RepoTags", json_object_get(tags));
		json_object_object_add(row, "RepoDigests", json_object_get(digests));
		json_object_object_add(row, "Labels", config_labels(config));
		json_object_object_add(row, "History", names_history_text(rec));
		json_object_array_add(out, row);
	}
}

/* podman images --format json: one object per image. */
static struct json_object *image_json_summary(struct json_object *rec, struct json_object *layers,
					      const char *parent)
{
	_cleanup_json_ struct json_object *config = NULL, *tags = NULL, *digests = NULL;
	struct json_object *o = json_object_new_object(), *hist = NULL;

	config = list_config(rec);
	image_names(rec, &tags, &digests);
	json_object_object_add(o, "Id", json_object_new_string(rec_str(rec, "id")));
	json_object_object_add(o, "ParentId", json_object_new_string(parent ?: ""));
	json_object_object_add(o, "RepoTags", json_object_get(tags));
	json_object_object_add(o, "RepoDigests", json_object_get(digests));
	json_object_object_add(o, "Size", json_object_new_int64(image_size(rec, layers)));
	json_object_object_add(o, "SharedSize", json_object_new_int(0));
	json_object_object_add(o, "VirtualSize", json_object_new_int64(image_size(rec, layers)));
	json_object_object_add(o, "Labels", config_labels(config));
	json_object_object_add(o, "Containers", json_object_new_int(0));
	json_object_object_add(o, "Names", json_object_get(tags));
	json_object_object_add(o, "Digest", json_object_new_string(rec_str(rec, "digest") ?: ""));
	/* podman's names history, left out when empty (its omitempty) */
	if (json_object_object_get_ex(rec, "names_history", &hist) &&
	    json_object_is_type(hist, json_type_array) && json_object_array_length(hist) > 0)
		json_object_object_add(o, "History", json_object_get(hist));
	json_object_object_add(o, "Created",
			       json_object_new_int64((int64_t)config_created(config)));
	json_object_object_add(o, "CreatedAt",
			       json_object_new_string(rec_str(config, "created") ?: ""));
	return o;
}

/* REPO[:TAG] names the row: the same, or its short form (the last path components). */
static bool image_row_named(const char *repo, const char *tag, const char *name)
{
	_cleanup_free_ char *nrepo = NULL, *ntag = NULL;
	const char *colon = strrchr(name, ':'), *slash = strrchr(name, '/');
	size_t rl, nl;

	image_split_name(name, &nrepo, &ntag);
	if (!colon || (slash && colon < slash)) {
		/* no tag given: every tag of the repository */
		free(ntag);
		ntag = NULL;
	}
	if (ntag && strcmp(ntag, tag) != 0)
		return false;
	rl = strlen(repo);
	nl = strlen(nrepo);
	return strcmp(repo, nrepo) == 0 ||
	       (rl > nl && strcmp(repo + rl - nl, nrepo) == 0 && repo[rl - nl - 1] == '/');
}

/* An image has a name that NAME names. */
static bool image_named(struct json_object *rec, const char *name)
{
	_cleanup_json_ struct json_object *tags = NULL, *digests = NULL;

	image_names(rec, &tags, &digests);
	for (size_t k = 0; k < json_object_array_length(tags); k++) {
		_cleanup_free_ char *repo = NULL, *tag = NULL;
		image_split_name(json_object_get_string(json_object_array_get_idx(tags, k)), &repo,
				 &tag);
		if (image_row_named(repo, tag, name))
			return true;
	}
	return false;
}

/* Keep the images NAME names; false (and nothing changed) when there is none. */
static bool images_keep_named(struct json_object **images, const char *name)
{
	struct json_object *kept = json_object_new_array();

	for (size_t i = 0; i < json_object_array_length(*images); i++) {
		struct json_object *rec = json_object_array_get_idx(*images, i);
		if (image_named(rec, name))
			json_object_array_add(kept, json_object_get(rec));
	}
	if (json_object_array_length(kept) == 0) {
		json_object_put(kept);
		return false;
	}
	json_object_put(*images);
	*images = kept;
	return true;
}

/*
 * images NAME: only the rows (one per name) that NAME names, as podman's; an
 * ID or a digest names the image, and all its rows stay.
 */
static void images_rows_named(struct json_object **rows, const char *name)
{
	struct json_object *kept = json_object_new_array();

	for (size_t i = 0; i < json_object_array_length(*rows); i++) {
		struct json_object *row = json_object_array_get_idx(*rows, i);
		if (image_row_named(rec_str(row, "Repository") ?: "", rec_str(row, "Tag") ?: "",
				    name))
			json_object_array_add(kept, json_object_get(row));
	}
	if (json_object_array_length(kept) == 0) {
		json_object_put(kept);
		return;
	}
	json_object_put(*rows);
	*rows = kept;
}

static const char images_usage[] =
	"Usage: pea images [OPTIONS] [IMAGE]\n"
	"\n"
	"List images in the store.\n"
	"\n"
	"  -a, --all           intermediate images too (untagged parents of other images)\n"
	"      --format=FORMAT  Go template ({{.Repository}}, {{.Tag}}, {{.ID}}, {{.Size}}, ...)\n"
	"                       or json\n"
	"  -n, --noheading     no header row\n"
	"      --no-trunc       full image ids\n"
	"  -q, --quiet         only the image ids\n"
	"  -f, --filter=K=V    before, after/since (an image), dangling and intermediate\n"
	"                      (true, false), label (KEY or KEY=VALUE), reference (a glob),\n"
	"                      id (a prefix)\n"
	"      --sort=KEY      created (newest first), id, repository, size or tag\n";

enum { OPT_FORMAT = 1000, OPT_NOTRUNC, OPT_SORT };

/* --filter KEY=VALUE of images: does rec pass this one? (podman-images(1)) */
static int image_filter_one(const struct global_options *g, struct json_object *rec,
			    char *const *parents, const char *filter, bool *ret,
			    struct pea_error **err)
{
	_cleanup_json_ struct json_object *config = NULL, *tags = NULL, *digests = NULL;
	_cleanup_free_ char *key = NULL;
	const char *eq = strchr(filter, '='), *val = eq ? eq + 1 : "";
	const char *id = rec_str(rec, "id") ?: "";

	key = xstrndup(filter, eq ? (size_t)(eq - filter) : strlen(filter));
	if (image_read_config(rec, &config, NULL) < 0)
		config = json_object_new_object();
	image_names(rec, &tags, &digests);
	if (strcmp(key, "before") == 0 || strcmp(key, "after") == 0 || strcmp(key, "since") == 0) {
		_cleanup_json_ struct json_object *ref = NULL, *rconf = NULL;
		double mine = config_created(config), theirs;
		if (image_find(g, val, &ref, err) < 0)
			return pea_error_wrap(err, "--filter %s", filter);
		if (image_read_config(ref, &rconf, NULL) < 0)
			rconf = json_object_new_object();
		theirs = config_created(rconf);
		*ret = key[0] == 'b' ? mine < theirs : mine > theirs;
	} else if (strcmp(key, "dangling") == 0) {
		bool want;
		if (parse_bool_arg("--filter dangling", val, &want, err) < 0)
			return -1;
		/* podman: untagged and no image's parent (those are intermediate) */
		*ret = (json_object_array_length(tags) == 0 && !pea_strv_contains(parents, id)) ==
		       want;
	} else if (strcmp(key, "intermediate") == 0) {
		bool want;
		if (parse_bool_arg("--filter intermediate", val, &want, err) < 0)
			return -1;
		*ret = (json_object_array_length(tags) == 0 && pea_strv_contains(parents, id)) ==
		       want;
	} else if (strcmp(key, "label") == 0) {
		_cleanup_json_ struct json_object *labels = config_labels(config);
		const char *leq = strchr(val, '=');
		_cleanup_free_ char *k = xstrndup(val, leq ? (size_t)(leq - val) : strlen(val));
		struct json_object *lv = NULL;
		*ret = labels && json_object_object_get_ex(labels, k, &lv) &&
		       (!leq || strcmp(json_object_get_string(lv), leq + 1) == 0);
	} else if (strcmp(key, "reference") == 0) {
		*ret = false;
		for (size_t i = 0; i < json_object_array_length(tags) && !*ret; i++) {
			const char *n = json_object_get_string(json_object_array_get_idx(tags, i));
			_cleanup_free_ char *repo = NULL, *tag = NULL;
			image_split_name(n, &repo, &tag);
			/* the full name, the repository, or either without "localhost/" */
			*ret = fnmatch(val, n, 0) == 0 || fnmatch(val, repo, 0) == 0 ||
			       (strncmp(n, "localhost/", 10) == 0 &&
				(fnmatch(val, n + 10, 0) == 0 || fnmatch(val, repo + 10, 0) == 0));
		}
	} else if (strcmp(key, "id") == 0) {
		*ret = *val && strncmp(id, val, strlen(val)) == 0;
	} else {
		return pea_error_new(err, EINVAL,
				     "invalid image filter \"%s\": use before, after, since, "
				     "dangling, intermediate, label, reference or id",
				     filter);
	}
	return 0;
}

/* The images that pass every --filter (each key ANDed, as podman's). */
static int images_filter(const struct global_options *g, struct json_object **all,
			 char *const *parents, char *const *filters, struct pea_error **err)
{
	struct json_object *kept;

	if (!filters)
		return 0;
	kept = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(*all); i++) {
		struct json_object *rec = json_object_array_get_idx(*all, i);
		bool ok = true;
		for (size_t f = 0; filters[f] && ok; f++)
			if (image_filter_one(g, rec, parents, filters[f], &ok, err) < 0) {
				json_object_put(kept);
				return -1;
			}
		if (ok)
			json_object_array_add(kept, json_object_get(rec));
	}
	json_object_put(*all);
	*all = kept;
	return 0;
}

/* --sort KEY (podman's: created newest first, the others ascending); ties keep their order. */
struct image_row_ref {
	struct json_object *row;
	size_t index;
};

static const char *images_sort_key; /* qsort has no context argument */

static int image_row_cmp(const void *a, const void *b)
{
	const struct image_row_ref *x = a, *y = b;
	const char *k = images_sort_key;
	int c;

	if (strcmp(k, "size") == 0) {
		int64_t sx = json_object_get_int64(json_object_object_get(x->row, "VirtualSize"));
		int64_t sy = json_object_get_int64(json_object_object_get(y->row, "VirtualSize"));
		c = sx < sy ? -1 : sx > sy;
	} else if (strcmp(k, "created") == 0) {
		/* as times: RFC 3339 text of other precisions or zones does not sort as text */
		double tx = frontend_parse_time(rec_str(x->row, "RawCreatedAt") ?: "");
		double ty = frontend_parse_time(rec_str(y->row, "RawCreatedAt") ?: "");
		c = tx > ty ? -1 : tx < ty;
	} else {
		const char *field = strcmp(k, "id") == 0    ? "Id"
				    : strcmp(k, "tag") == 0 ? "Tag"
							    : "Repository";
		c = strcmp(rec_str(x->row, field) ?: "", rec_str(y->row, field) ?: "");
	}
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int images_sort(struct json_object **rows, const char *key, struct pea_error **err)
{
	static const char *const keys[] = { "created", "id", "repository", "size", "tag" };
	size_t n = json_object_array_length(*rows);
	_cleanup_free_ struct image_row_ref *v = NULL;
	struct json_object *sorted;
	bool ok = false;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		ok |= strcmp(keys[i], key) == 0;
	if (!ok)
		return pea_error_new(err, EINVAL,
				     "\"%s\" is not a valid field for sorting. Choose from: "
				     "created, id, repository, size, tag",
				     key);
	v = xnew(struct image_row_ref, n ? n : 1);
	for (size_t i = 0; i < n; i++)
		v[i] = (struct image_row_ref){ json_object_array_get_idx(*rows, i), i };
	images_sort_key = key;
	qsort(v, n, sizeof(*v), image_row_cmp);
	sorted = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(sorted, json_object_get(v[i].row));
	json_object_put(*rows);
	*rows = sorted;
	return 0;
}

int cmd_images(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "noheading", no_argument, NULL, 'n' },
		{ "no-trunc", no_argument, NULL, OPT_NOTRUNC },
		{ "quiet", no_argument, NULL, 'q' },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "filter", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const ls[] = { "image", "ls", NULL };
	static const char *const lls[] = { "layer", "ls", NULL };
	_cleanup_json_ struct json_object *all = NULL, *layers = NULL, *rows = NULL;
	_cleanup_free_ char *format = NULL, *sort = NULL;
	_cleanup_strv_ char **filters = NULL, **parents = NULL;
	_cleanup_(image_set_clear) struct image_set set = { 0 };
	struct template *t = NULL;
	bool quiet = false, noheading = false, notrunc = false, every = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hanqf:", opts, images_usage, &c, err)) == 2) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'a':
			every = true;
			break;
		case 'n':
			noheading = true;
			break;
		case OPT_NOTRUNC:
			notrunc = true;
			break;
		case OPT_FORMAT:
			free(format);
			format = xstrdup(optarg);
			break;
		case OPT_SORT:
			free(sort);
			sort = xstrdup(optarg);
			break;
		case 'f':
			pea_strv_push(&filters, optarg);
			break;
		default:
			break;
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind > 1)
		return check_nargs(argc - optind, 0, 1, err);
	if (store_call(g, ls, &all, err) < 0 || store_call(g, lls, &layers, err) < 0)
		return -1;
	image_set_init(&set, all);
	parents = image_set_parents(&set);
	/* without -a, podman hides intermediate images (untagged parents of others) */
	if (!every && parents)
		pea_strv_push(&filters, "intermediate=false");
	/* NAME: the rows NAME names (short names too), else the image it is the ID of */
	if (optind < argc && !images_keep_named(&all, argv[optind])) {
		_cleanup_json_ struct json_object *one = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		json_object_put(all);
		all = json_object_new_array();
		if (image_find(g, argv[optind], &one, &e) == 0)
			json_object_array_add(all, json_object_get(one));
	}
	if (images_filter(g, &all, parents, filters, err) < 0)
		return -1;
	if (format && (strcmp(format, "json") == 0 || strcmp(format, "{{json .}}") == 0)) {
		_cleanup_json_ struct json_object *out = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(all); i++) {
			struct json_object *rec = json_object_array_get_idx(all, i);
			ssize_t self = image_set_find(&set, rec_str(rec, "id") ?: ""), p = -1;
			if (self >= 0)
				p = image_set_parent(&set, (size_t)self);
			json_object_array_add(
				out,
				image_json_summary(rec, layers,
						   p >= 0 ? rec_str(set.v[p].rec, "id") : NULL));
		}
		fmt_print_json(stdout, out);
		return 0;
	}
	rows = json_object_new_array();
	for (size_t i = json_object_array_length(all); i-- > 0;)
		image_rows(json_object_array_get_idx(all, i), layers, notrunc, rows);
	if (optind < argc)
		images_rows_named(&rows, argv[optind]);
	/* podman's default order: newest first */
	if (images_sort(&rows, sort ? sort : "created", err) < 0)
		return -1;
	if (quiet) {
		_cleanup_strv_ char **seen = NULL;
		for (size_t i = 0; i < json_object_array_length(rows); i++) {
			const char *id = rec_str(json_object_array_get_idx(rows, i), "ID");
			if (!pea_strv_contains(seen, id)) {
				printf("%s\n", id);
				pea_strv_push(&seen, id);
			}
		}
		return 0;
	}
	if (!format)
		format = xstrdup(
			"table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}");
	if (template_parse(format, image_header, &t, err) < 0)
		return -1;
	if (noheading)
		template_drop_header(t);
	template_set_context(t, "images", "images.imageReporter");
	r = template_print(stdout, t, rows, err);
	template_free(t);
	return r;
}

/* ---- rmi, tag ----------------------------------------------------------- */

static bool image_used_by(const struct global_options *g, const char *id, char ***ret_ids)
{
	struct ctr_record **v = NULL;
	size_t n = 0;

	if (records_list(g, &v, &n, NULL) < 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i]->image_id && strcmp(v[i]->image_id, id) == 0)
			pea_strv_push(ret_ids, v[i]->id);
	records_free(v, n);
	return *ret_ids != NULL;
}

/*
 * Remove the containers of an image (rmi -f), through pea rm -f; an infra
 * container through pea pod rm -f of its pod, with the pod's other containers
 * (podman's rmi -f of the pause image).
 */
static int remove_users(const struct global_options *g, char **ids, struct pea_error **err)
{
	_cleanup_strv_ char **argv = frontend_self_argv(g), **pods = NULL;
	struct run_result r = { 0 };
	size_t base;
	int rc = 0;

	pea_strv_push(&argv, "rm");
	pea_strv_push(&argv, "-f");
	base = pea_strv_length(argv);
	for (size_t i = 0; ids[i]; i++) {
		_cleanup_record_ struct ctr_record *rec = NULL;

		if (record_load(g, ids[i], &rec, NULL) == 0 && pod_is_infra(rec)) {
			if (!pea_strv_contains(pods, pod_of(rec)))
				pea_strv_push(&pods, pod_of(rec));
			continue;
		}
		pea_strv_push(&argv, ids[i]);
	}
	for (size_t i = 0; pods && pods[i] && rc == 0; i++) {
		_cleanup_strv_ char **pargv = frontend_self_argv(g);

		pea_strv_push(&pargv, "pod");
		pea_strv_push(&pargv, "rm");
		pea_strv_push(&pargv, "-f");
		pea_strv_push(&pargv, pods[i]);
		if (frontend_run_capture(pargv, -1, &r, err) < 0)
			return -1;
		if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
			rc = pea_error_new(err, EBUSY,
					   "removing the pod of the image's infra "
					   "container: %s",
					   r.errtxt ? r.errtxt : "");
		run_result_clear(&r);
	}
	if (rc < 0 || pea_strv_length(argv) == base)
		return rc;
	if (frontend_run_capture(argv, -1, &r, err) < 0)
		return -1;
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
		rc = pea_error_new(err, EBUSY, "removing the containers of the image: %s",
				   r.errtxt ? r.errtxt : "");
	run_result_clear(&r);
	return rc;
}

int image_remove_unused(const struct global_options *g, const char *name, struct pea_error **err)
{
	_cleanup_json_ struct json_object *rec = NULL, *res = NULL;
	_cleanup_strv_ char **users = NULL;
	_cleanup_free_ char *full = NULL;
	struct json_object *names = NULL;
	size_t ntags = 0;
	const char *id;

	if (image_find(g, name, &rec, err) < 0)
		return -1;
	id = rec_str(rec, "id");
	json_object_object_get_ex(rec, "names", &names);
	/* one of several tags (a digest, repo@sha256:..., is no tag): only that one goes */
	for (size_t i = 0; names && i < json_object_array_length(names); i++)
		ntags += !strchr(json_object_get_string(json_object_array_get_idx(names, i)), '@');
	if (ntags > 1 && image_normalize(name, &full, NULL) == 0) {
		for (size_t i = 0; i < json_object_array_length(names); i++) {
			const char *n = json_object_get_string(json_object_array_get_idx(names, i));
			size_t nl = strlen(n), fl = strlen(full);
			const char *untag[] = { "image", "untag", id, n, NULL };

			if (strcmp(n, full) == 0 ||
			    (nl > fl && strcmp(n + nl - fl, full) == 0 && n[nl - fl - 1] == '/'))
				return store_call(g, untag, &res, err) < 0 ? -1 : 0;
		}
	}
	if (image_used_by(g, id, &users))
		return 1;
	{
		const char *rm[] = { "image", "rm", id, NULL };
		return store_call(g, rm, &res, err) < 0 ? -1 : 0;
	}
}

/* What rmi did, printed at the end as podman's report: every Untagged, then every Deleted. */
struct rmi_report {
	char **untagged;
	char **deleted;
};

/*
 * After image i went: its parents that are now dangling (untagged, no other
 * child) and no container uses, as podman's rmi removes them; "Deleted: ID" each.
 */
static int remove_dangling_parents(struct global_options *g, struct image_set *set, size_t i,
				   struct rmi_report *rep, struct pea_error **err)
{
	ssize_t p;

	set->v[i].gone = true;
	while ((p = image_set_parent(set, i)) >= 0) {
		_cleanup_strv_ char **users = NULL;
		_cleanup_json_ struct json_object *res = NULL;
		const char *pid = rec_str(set->v[p].rec, "id");
		const char *rm[] = { "image", "rm", pid, NULL };

		if (set->v[p].tagged || image_set_has_child(set, (size_t)p) ||
		    image_used_by(g, pid, &users))
			break;
		if (store_call(g, rm, &res, err) < 0)
			return -1;
		events_image(g, "remove", pid, pid);
		pea_strv_push(&rep->deleted, pid);
		set->v[p].gone = true;
		i = (size_t)p;
	}
	return 0;
}

static int rmi_one(struct global_options *g, const char *name, bool force, struct rmi_report *rep,
		   struct pea_error **err)
{
	static const char *const ls[] = { "image", "ls", NULL };
	_cleanup_json_ struct json_object *all = NULL;
	struct image_set set = { 0 };
	ssize_t self;
	int rc;
	_cleanup_json_ struct json_object *rec = NULL, *res = NULL;
	_cleanup_strv_ char **users = NULL;
	_cleanup_free_ char *full = NULL;
	struct json_object *names = NULL;
	const char *id;

	if (image_find(g, name, &rec, err) < 0) {
		g->error_status = 1;
		return -1;
	}
	id = rec_str(rec, "id");
	json_object_object_get_ex(rec, "names", &names);
	/* By one of several names: only that name goes. */
	if (names && json_object_array_length(names) > 1 &&
	    image_normalize(name, &full, NULL) == 0) {
		for (size_t i = 0; i < json_object_array_length(names); i++) {
			const char *n = json_object_get_string(json_object_array_get_idx(names, i));
			size_t nl = strlen(n), fl = strlen(full);
			if (strcmp(n, full) == 0 ||
			    (nl > fl && strcmp(n + nl - fl, full) == 0 && n[nl - fl - 1] == '/')) {
				const char *args[] = { "image", "untag", id, n, NULL };
				if (store_call(g, args, &res, err) < 0)
					return -1;
				events_image(g, "untag", id, n);
				pea_strv_push(&rep->untagged, n);
				return 0;
			}
		}
	}
	/* the layer tree before the image goes: its parents are known by their configs */
	if (store_call(g, ls, &all, err) < 0)
		return -1;
	image_set_init(&set, all);
	self = image_set_find(&set, id);
	if (self >= 0 && image_set_has_child(&set, (size_t)self)) {
		image_set_clear(&set);
		g->error_status = 2; /* podman-rmi(1): "has child images" */
		return pea_error_new(err, EBUSY, "image %.12s has dependent children", id);
	}
	if (image_used_by(g, id, &users)) {
		if (!force) {
			image_set_clear(&set);
			g->error_status = 2;
			return pea_error_new(
				err, EBUSY,
				"image used by %s: image is in use by a container: "
				"consider listing external containers and force-removing "
				"image",
				users[0]);
		}
		if (remove_users(g, users, err) < 0) {
			image_set_clear(&set);
			return -1;
		}
	}
	{
		const char *args[] = { "image", "rm", id, NULL };
		if (store_call(g, args, &res, err) < 0) {
			image_set_clear(&set);
			return -1;
		}
	}
	for (size_t i = 0; names && i < json_object_array_length(names); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(names, i));
		events_image(g, "untag", id, n);
		pea_strv_push(&rep->untagged, n);
	}
	events_image(g, "remove", id, id);
	pea_strv_push(&rep->deleted, id);
	rc = self >= 0 ? remove_dangling_parents(g, &set, (size_t)self, rep, err) : 0;
	image_set_clear(&set);
	return rc;
}

static const char rmi_usage[] = "Usage: pea rmi [OPTIONS] IMAGE [IMAGE...]\n"
				"\n"
				"Remove images from the store.\n"
				"\n"
				"  -a, --all     remove every image\n"
				"  -f, --force   also remove the containers using them\n"
				"  -i, --ignore  ignore images that do not exist\n";

/*
 * Remove each target; print podman's report; one error as it is, several as
 * podman's "N errors occurred:" list (status: the last one's).
 */
static int rmi_targets(struct global_options *g, char **targets, const struct switches *o,
		       struct pea_error **err)
{
	struct rmi_report rep = { 0 };
	_cleanup_strv_ char **errors = NULL;
	_cleanup_free_ char *msg = NULL;
	int status = 0;

	for (size_t i = 0; targets && targets[i]; i++) {
		_cleanup_error_ struct pea_error *e = NULL;

		g->error_status = 0;
		if (rmi_one(g, targets[i], o->force, &rep, &e) < 0) {
			/* podman: --force, too, passes over images that are not there */
			/* -a: an image removed with the child it was the parent of */
			if ((o->ignore || o->force || o->all) && e->code == ENOENT)
				continue;
			pea_strv_push(&errors, e->message);
			status = g->error_status ? g->error_status : PEA_EXIT_ENGINE;
		}
	}
	for (size_t i = 0; rep.untagged && rep.untagged[i]; i++)
		printf("Untagged: %s\n", rep.untagged[i]);
	for (size_t i = 0; rep.deleted && rep.deleted[i]; i++)
		printf("Deleted: %s\n", rep.deleted[i]);
	pea_strv_free(rep.untagged);
	pea_strv_free(rep.deleted);
	if (!errors)
		return 0;
	g->error_status = status;
	if (!errors[1])
		return pea_error_new(err, EBUSY, "%s", errors[0]);
	msg = xasprintf("%zu errors occurred:", pea_strv_length(errors));
	for (size_t i = 0; errors[i]; i++) {
		char *m = xasprintf("%s\n\t* %s", msg, errors[i]);
		free(msg);
		msg = m;
	}
	return pea_error_new(err, EBUSY, "%s\n", msg);
}

int cmd_rmi(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct switches o;
	_cleanup_strv_ char **targets = NULL;
	int r;

	r = cmd_switches(argc, argv, "afi", rmi_usage, &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (o.all) {
		static const char *const ls[] = { "image", "ls", NULL };
		_cleanup_json_ struct json_object *imgs = NULL;
		if (optind < argc)
			return pea_error_new(err, EINVAL,
					     "when using the --all switch, you may "
					     "not pass any images names or IDs");
		struct image_set set;
		if (store_call(g, ls, &imgs, err) < 0)
			return -1;
		/*
		 * podman's order (its store's, the order images came in: podman's
		 * 010-images checks the report), but children before parents: none
		 * has children when it goes.
		 */
		image_set_init(&set, imgs);
		for (size_t done = 0; done < set.n; done++) {
			ssize_t best = -1;
			for (size_t i = 0; i < set.n; i++)
				if (!set.v[i].gone && !image_set_has_child(&set, i) &&
				    (best < 0 ||
				     strcmp(rec_str(set.v[i].rec, "created") ?: "",
					    rec_str(set.v[best].rec, "created") ?: "") < 0))
					best = (ssize_t)i;
			if (best < 0) /* a cycle cannot be; be safe: the longest history */
				for (size_t i = 0; i < set.n; i++)
					if (!set.v[i].gone &&
					    (best < 0 ||
					     history_len(&set.v[i]) > history_len(&set.v[best])))
						best = (ssize_t)i;
			set.v[best].gone = true;
			pea_strv_push(&targets, rec_str(set.v[best].rec, "id"));
		}
		image_set_clear(&set);
	} else {
		if (optind >= argc)
			return pea_error_new(err, EINVAL, "image name or ID must be specified");
		for (int i = optind; i < argc; i++)
			pea_strv_push(&targets, argv[i]);
	}
	return rmi_targets(g, targets, &o, err);
}

int cmd_tag(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct switches o;
	_cleanup_json_ struct json_object *rec = NULL;
	int r;

	r = cmd_switches(argc, argv, "",
			 "Usage: pea tag IMAGE TARGET-NAME [TARGET-NAME...]\n\n"
			 "Add names to an image.\n",
			 &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind < 2)
		return check_nargs(argc - optind, 2, -1, err);
	for (int i = optind + 1; i < argc; i++) {
		_cleanup_free_ char *full = NULL;
		if (image_normalize(argv[i], &full, err) < 0)
			return -1;
	}
	if (image_find(g, argv[optind], &rec, err) < 0)
		return -1;
	for (int i = optind + 1; i < argc; i++) {
		_cleanup_free_ char *full = NULL, *qualified = NULL;
		(void)image_normalize(argv[i], &full, NULL);
		/* podman qualifies a short target with localhost/ */
		qualified = image_name_has_domain(full) ? xstrdup(full)
							: xasprintf("localhost/%s", full);
		if (tag_image(g, rec_str(rec, "id"), qualified, err) < 0)
			return -1;
		events_image(g, "tag", rec_str(rec, "id"), argv[i]);
	}
	return 0;
}

int cmd_untag(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct switches o;
	_cleanup_json_ struct json_object *rec = NULL;
	_cleanup_strv_ char **names = NULL;
	struct json_object *have = NULL;
	int r;

	r = cmd_switches(argc, argv, "",
			 "Usage: pea untag IMAGE [NAME...]\n\n"
			 "Remove names from an image (all of them without NAME).\n",
			 &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind >= argc)
		return check_nargs(0, 1, -1, err);
	if (image_find(g, argv[optind], &rec, err) < 0)
		return -1;
	json_object_object_get_ex(rec, "names", &have);
	if (optind + 1 == argc) {
		for (size_t i = 0; have && i < json_object_array_length(have); i++)
			pea_strv_push(&names,
				      json_object_get_string(json_object_array_get_idx(have, i)));
	}
	for (int i = optind + 1; i < argc; i++) {
		_cleanup_free_ char *full = NULL;
		bool found = false;

		if (image_normalize(argv[i], &full, err) < 0)
			return -1;
		for (size_t k = 0; have && k < json_object_array_length(have); k++) {
			const char *n = json_object_get_string(json_object_array_get_idx(have, k));
			size_t nl = strlen(n), fl = strlen(full);
			if (strcmp(n, full) == 0 ||
			    (!image_name_has_domain(full) && nl > fl &&
			     strcmp(n + nl - fl, full) == 0 && n[nl - fl - 1] == '/')) {
				pea_strv_push(&names, n);
				found = true;
				break;
			}
		}
		if (!found)
			return pea_error_new(err, ENOENT, "%s: tag not known", argv[i]);
	}
	for (size_t i = 0; names && names[i]; i++) {
		const char *args[] = { "image", "untag", rec_str(rec, "id"), names[i], NULL };
		_cleanup_json_ struct json_object *res = NULL;
		if (store_call(g, args, &res, err) < 0)
			return -1;
		events_image(g, "untag", rec_str(rec, "id"), names[i]);
	}
	return 0;
}

/* ---- image inspect ------------------------------------------------------ */

static struct json_object *get_or_null(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? json_object_get(v) : NULL;
}

/* The image's manifest (parsed), or NULL when it has none or it does not read. */
static struct json_object *image_manifest(struct json_object *rec)
{
	struct json_object *m = NULL;
	const char *path = NULL;

	if (pea_json_get_string_opt(rec, "", "manifest_path", &path, NULL) == 1 &&
	    pea_json_parse_file_at(AT_FDCWD, path, 4u << 20, &m, NULL) == 0 && m &&
	    json_object_is_type(m, json_type_object))
		return m;
	json_object_put(m);
	return NULL;
}

/* The media type of the image's manifest (OCI's when it has none, as images made here). */
static struct json_object *manifest_type(struct json_object *man)
{
	const char *t = NULL;

	if (man && pea_json_get_string_opt(man, "", "mediaType", &t, NULL) == 1)
		return json_object_new_string(t);
	return json_object_new_string("application/vnd.oci.image.manifest.v1+json");
}

/* The manifest's annotations (podman's .Annotations), {} when none. */
static struct json_object *manifest_annotations(struct json_object *man)
{
	struct json_object *a = NULL;

	if (man && json_object_object_get_ex(man, "annotations", &a) &&
	    json_object_is_type(a, json_type_object))
		return json_object_get(a);
	return json_object_new_object();
}

static struct json_object *image_inspect_json(const struct global_options *g,
					      struct json_object *rec, struct json_object *layers)
{
	_cleanup_json_ struct json_object *config = NULL, *man = image_manifest(rec);
	struct json_object *o = json_object_new_object(), *rootfs = NULL, *cfg = NULL;
	struct json_object *gd = json_object_new_object(), *gdd = json_object_new_object();
	long long size = image_size(rec, layers);
	const char *top = rec_str(rec, "top_layer");

	if (image_read_config(rec, &config, NULL) < 0)
		config = json_object_new_object();
	json_object_object_get_ex(config, "config", &cfg);
	json_object_object_get_ex(config, "rootfs", &rootfs);
	json_object_object_add(o, "Id", json_object_new_string(rec_str(rec, "id")));
	json_object_object_add(o, "Digest", json_object_new_string(rec_str(rec, "digest") ?: ""));
	json_object_object_add(o, "RepoTags", get_or_null(rec, "names") ?: json_object_new_array());
	json_object_object_add(o, "RepoDigests", json_object_new_array());
	json_object_object_add(o, "Parent", json_object_new_string(""));
	json_object_object_add(o, "Comment",
			       get_or_null(config, "comment") ?: json_object_new_string(""));
	json_object_object_add(o, "Created", get_or_null(config, "created"));
	json_object_object_add(o, "Config", cfg ? json_object_get(cfg) : json_object_new_object());
	json_object_object_add(o, "Version", json_object_new_string(""));
	json_object_object_add(o, "Author",
			       get_or_null(config, "author") ?: json_object_new_string(""));
	json_object_object_add(o, "Architecture", get_or_null(config, "architecture"));
	json_object_object_add(o, "Os", get_or_null(config, "os"));
	json_object_object_add(o, "Size", json_object_new_int64(size));
	json_object_object_add(o, "VirtualSize", json_object_new_int64(size));
	json_object_object_add(gd, "Name", json_object_new_string(g->storage_driver ?: "overlay"));
	if (top)
		json_object_object_add(gdd, "TopLayer", json_object_new_string(top));
	json_object_object_add(gd, "Data", gdd);
	json_object_object_add(o, "GraphDriver", gd);
	if (rootfs) {
		struct json_object *rf = json_object_new_object();
		json_object_object_add(rf, "Type", get_or_null(rootfs, "type"));
		json_object_object_add(rf, "Layers", get_or_null(rootfs, "diff_ids"));
		json_object_object_add(o, "RootFS", rf);
	}
	json_object_object_add(o, "Labels", cfg ? get_or_null(cfg, "Labels") : NULL);
	json_object_object_add(o, "Annotations", manifest_annotations(man));
	json_object_object_add(o, "ManifestType", manifest_type(man));
	json_object_object_add(o, "User",
			       cfg ? (get_or_null(cfg, "User") ?: json_object_new_string(""))
				   : json_object_new_string(""));
	json_object_object_add(o, "History",
			       get_or_null(config, "history") ?: json_object_new_array());
	json_object_object_add(o, "NamesHistory",
			       get_or_null(rec, "names_history") ?: json_object_new_array());
	return o;
}

/* Shared with `pea inspect`: the JSON of an image, or ENOENT. */
int image_inspect_one(const struct global_options *g, const char *name, struct json_object **ret,
		      struct pea_error **err)
{
	static const char *const lls[] = { "layer", "ls", NULL };
	static const char *const ls[] = { "image", "ls", NULL };
	_cleanup_json_ struct json_object *rec = NULL, *layers = NULL, *all = NULL;
	struct image_set set;
	ssize_t self, parent = -1;

	if (image_find(g, name, &rec, err) < 0)
		return -1;
	if (store_call(g, lls, &layers, err) < 0 || store_call(g, ls, &all, err) < 0)
		return -1;
	*ret = image_inspect_json(g, rec, layers);
	/* .Parent: the image this one was built on (podman's layer tree) */
	image_set_init(&set, all);
	self = image_set_find(&set, rec_str(rec, "id") ?: "");
	if (self >= 0)
		parent = image_set_parent(&set, (size_t)self);
	if (parent >= 0)
		json_object_object_add(*ret, "Parent",
				       json_object_new_string(rec_str(set.v[parent].rec, "id")));
	image_set_clear(&set);
	return 0;
}

int cmd_image_inspect(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *out = json_object_new_array();
	_cleanup_free_ char *format = NULL;
	int r, c = 0, status = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf:", opts,
			       "Usage: pea image inspect [OPTIONS] IMAGE [IMAGE...]\n\n"
			       "Show images as JSON.\n\n"
			       "  -f, --format=FORMAT   Go template ({{.Id}}, {{.RepoTags}}, "
			       "{{.Created}},\n"
			       "                        {{.Config.Cmd}}, ...) or json\n",
			       &c, err)) == 2) {
		free(format);
		format = xstrdup(optarg);
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind >= argc)
		return check_nargs(0, 1, -1, err);
	for (int i = optind; i < argc; i++) {
		struct json_object *one = NULL;
		_cleanup_error_ struct pea_error *e = NULL;

		if (image_inspect_one(g, argv[i], &one, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE;
			continue;
		}
		json_object_array_add(out, one);
	}
	if (format && strcmp(format, "json") != 0) {
		struct template *t = NULL;
		if (template_parse(format, NULL, &t, err) < 0)
			return -1;
		template_set_context(t, "inspect", "*inspect.ImageData");
		r = template_print(stdout, t, out, err);
		template_free(t);
		if (r < 0)
			return -1;
	} else {
		fmt_print_json(stdout, out);
	}
	return status;
}

/* image exists: 0 when the image is in the store, 1 when not (podman-image-exists(1)). */
static int image_exists(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct switches o;
	_cleanup_json_ struct json_object *rec = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	int r;

	r = cmd_switches(argc, argv, "",
			 "Usage: pea image exists IMAGE\n\n"
			 "Exit 0 when the image is in local storage, 1 when not.\n",
			 &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	if (image_find(g, argv[optind], &rec, &e) == 0)
		return 0;
	if (e->code == ENOENT)
		return 1;
	*err = TAKE_PTR(e);
	return -1;
}

/* An image's names as Go prints a []string: "[a b]" (digest references left out). */
static char *tree_names(struct json_object *rec)
{
	struct json_object *names = NULL;
	char *s = xstrdup("[");

	json_object_object_get_ex(rec, "names", &names);
	for (size_t i = 0; names && i < json_object_array_length(names); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(names, i));
		char *t;

		if (strchr(n, '@'))
			continue;
		t = xasprintf("%s%s%s", s, s[1] ? " " : "", n);
		free(s);
		s = t;
	}
	{
		char *t = xasprintf("%s]", s);
		free(s);
		return t;
	}
}

/* A layer's size from the store's layer records (0 when unknown). */
static double tree_layer_size(struct json_object *lays, const char *id)
{
	for (size_t k = 0; k < json_object_array_length(lays); k++) {
		struct json_object *l = json_object_array_get_idx(lays, k), *sz = NULL;
		if (strcmp(rec_str(l, "id") ?: "", id) == 0 &&
		    json_object_object_get_ex(l, "size", &sz))
			return (double)json_object_get_int64(sz);
	}
	return 0;
}

/* The images whose top layer id is, their names as one list "[a b]", or NULL. */
static char *tree_tops(struct json_object *imgs, const char *id)
{
	char *of = NULL;

	for (size_t k = 0; k < json_object_array_length(imgs); k++) {
		struct json_object *img = json_object_array_get_idx(imgs, k);
		_cleanup_free_ char *nm = NULL;
		char *t;

		if (strcmp(rec_str(img, "top_layer") ?: "", id) != 0)
			continue;
		nm = tree_names(img);
		nm[strlen(nm) - 1] = '\0'; /* without its brackets */
		t = of ? xasprintf("%s%s%s", of, nm[1] && of[1] ? " " : "", nm + 1)
		       : xasprintf("[%s", nm + 1);
		free(of);
		of = t;
	}
	/* untagged images only: no list */
	if (of && strcmp(of, "[") == 0) {
		free(of);
		return NULL;
	}
	return of;
}

/* The layers of img above the n of base when img is built on base (its first n layers). */
static void tree_children(struct json_object *img, struct json_object *base, size_t n, char ***show)
{
	struct json_object *l = NULL;
	size_t m;

	if (!json_object_object_get_ex(img, "layers", &l) ||
	    !json_object_is_type(l, json_type_array))
		return;
	m = json_object_array_length(l);
	if (m <= n)
		return;
	for (size_t i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(l, i)),
			   json_object_get_string(json_object_array_get_idx(base, i))) != 0)
			return;
	for (size_t i = n; i < m; i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(l, i));
		if (!pea_strv_contains(*show, id))
			pea_strv_push(show, id);
	}
}

/*
 * image tree: podman's layout (libimage's Tree): the image, its tags and size,
 * then its layers bottom first, each with the images whose top layer it is;
 * --whatrequires: its top layer and the layers of the images built on it.
 */
static int image_tree(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const char *const ils[] = { "image", "ls", NULL };
	static const char *const lls[] = { "layer", "ls", NULL };
	_cleanup_json_ struct json_object *rec = NULL, *imgs = NULL, *lays = NULL;
	_cleanup_free_ char *tags = NULL, *total = NULL;
	_cleanup_free_ char **args = xnew(char *, (size_t)argc + 1);
	_cleanup_strv_ char **show = NULL;
	struct json_object *layers = NULL;
	bool whatrequires = false;
	struct switches o;
	double size = 0;
	size_t n, ns;
	int r, nargs = 0;

	for (int i = 0; i < argc; i++) {
		if (i > 0 && strcmp(argv[i], "--whatrequires") == 0)
			whatrequires = true;
		else
			args[nargs++] = argv[i];
	}
	r = cmd_switches(nargs, args, "",
			 "Usage: pea image tree [--whatrequires] IMAGE\n\n"
			 "Show the layers of an image, bottom first, and the images each is the "
			 "top layer of\n(--whatrequires: the images built on it).\n",
			 &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (nargs - optind != 1)
		return check_nargs(nargs - optind, 1, 1, err);
	if (image_find(g, args[optind], &rec, err) < 0 || store_call(g, ils, &imgs, err) < 0 ||
	    store_call(g, lls, &lays, err) < 0)
		return -1;
	json_object_object_get_ex(rec, "layers", &layers);
	n = layers && json_object_is_type(layers, json_type_array)
		    ? json_object_array_length(layers)
		    : 0;
	for (size_t i = 0; i < n; i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(layers, i));
		size += tree_layer_size(lays, id);
		if (!whatrequires || i + 1 == n)
			pea_strv_push(&show, id);
	}
	for (size_t k = 0; whatrequires && n && k < json_object_array_length(imgs); k++)
		tree_children(json_object_array_get_idx(imgs, k), layers, n, &show);
	tags = tree_names(rec);
	total = fmt_human_size_precision(size, 4, false);
	printf("Image ID: %.12s\nTags:     %s\nSize:     %s\n%s\n", rec_str(rec, "id"), tags, total,
	       n ? "Image Layers" : "No Image Layers");
	ns = pea_strv_length(show);
	for (size_t i = 0; i < ns; i++) {
		_cleanup_free_ char *sz =
			fmt_human_size_precision(tree_layer_size(lays, show[i]), 4, false);
		_cleanup_free_ char *of = tree_tops(imgs, show[i]);

		printf("%s ID: %.12s Size: %7s%s%s%s\n",
		       i + 1 == ns ? "\u2514\u2500\u2500" : "\u251c\u2500\u2500", show[i], sz,
		       of ? " Top Layer of: " : "", of ? of : "", of ? "]" : "");
	}
	return 0;
}

static const char image_usage[] =
	"Usage: pea image COMMAND\n"
	"\n"
	"Manage images.\n"
	"\n"
	"Commands:\n"
	"  exists    whether an image is in local storage\n"
	"  history   show the layers of an image\n"
	"  import    create an image from a tar of a root filesystem\n"
	"  inspect   show images as JSON\n"
	"  list, ls  list images\n"
	"  load      load images from an archive\n"
	"  mount     mount the root of images read-only on the host\n"
	"  prune     remove images no container uses (dangling ones without -a)\n"
	"  pull      pull an image from a registry\n"
	"  push      push an image to a registry\n"
	"  rm        remove images\n"
	"  save      write images to an archive\n"
	"  search    search a registry for images\n"
	"  sign      sign images of a registry (simple signing, GPG)\n"
	"  tag       add names to an image\n"
	"  tree      show the layers of an image\n"
	"  trust     set and show the trust policy (policy.json)\n"
	"  unmount, umount   drop a mount of images\n"
	"  untag     remove names from an image\n";

int cmd_image(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct subcommand sub[] = {
		{ "exists", image_exists },
		{ "history", cmd_history },
		{ "import", cmd_import },
		{ "inspect", cmd_image_inspect },
		{ "list", cmd_images },
		{ "ls", cmd_images },
		{ "load", cmd_load },
		{ "mount", cmd_image_mount },
		{ "prune", cmd_image_prune },
		{ "pull", cmd_pull },
		{ "push", cmd_push },
		{ "rm", cmd_rmi },
		{ "save", cmd_save },
		{ "search", cmd_search },
		{ "sign", cmd_image_sign },
		{ "tag", cmd_tag },
		{ "tree", image_tree },
		{ "trust", cmd_image_trust },
		{ "umount", cmd_image_unmount },
		{ "unmount", cmd_image_unmount },
		{ "untag", cmd_untag },
	};

	return cmd_dispatch(g, "image", image_usage, sub, ARRAY_SIZE(sub), argc, argv, err);
}
