/*
 * push, save, login, logout: images to registries and archives, and
 * registry credentials, through pea-image (podman-push(1), podman-save(1),
 * podman-login(1), podman-logout(1)). Credentials live in
 * podman's auth file ($REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
 * /run/containers/UID/auth.json), which pea-image reads for pull and push.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/events.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/images.h"

char **image_tool(const struct global_options *g, const char *cmd)
{
	char **v = NULL;

	pea_strv_push_take(&v, frontend_find_binary(g, "pea-image"));
	if (g->log_level)
		pea_strv_push_take(&v, xasprintf("--log-level=%s", g->log_level));
	pea_strv_push(&v, cmd);
	return v;
}

const char *image_tool_message(const struct run_result *r)
{
	const char *msg = r->errtxt && *r->errtxt ? r->errtxt : "failed";
	const char *last = strrchr(msg, '\n');

	msg = last ? last + 1 : msg;
	return strncmp(msg, "pea-image: ", 11) == 0 ? msg + 11 : msg;
}

/*
 * Run pea-image with our stdin, stdout and stderr (its progress and messages
 * are the user's); a failure is EIO with its status: pea-image already
 * printed why, so g->error_status keeps podman's 125.
 */
static int run_tool(char *const *argv, int in_fd, bool capture, struct pea_error **err)
{
	struct run_result r = { 0 };
	_cleanup_close_ int pidfd = -1;
	struct pea_spawn s = { .argv = argv, .null_stdin = true };
	pid_t pid;
	int status, rc = 0;

	if (capture) {
		if (frontend_run_capture(argv, in_fd, &r, err) < 0)
			return -1;
		if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
			rc = pea_error_new(err, EIO, "%s", image_tool_message(&r));
		else if (r.len)
			fwrite(r.out, 1, r.len, stdout);
		run_result_clear(&r);
		return rc;
	}
	fflush(stdout);
	if (pea_spawn(&s, &pid, &pidfd, err) < 0 || pea_wait(pid, pidfd, -1, &status, err) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		_cleanup_free_ char *d = pea_describe_wait_status(status);
		return pea_error_new(err, EIO, "pea-image %s", d);
	}
	return 0;
}

/* The store reference of a local image (by name, short name, id or prefix). */
/* name is the image's ID or a prefix of it ("sha256:" or not). */
static bool is_id_of(const char *name, const char *id)
{
	size_t l;

	if (strncmp(name, "sha256:", 7) == 0)
		name += 7;
	l = strlen(name);
	return l > 0 && strspn(name, "0123456789abcdef") == l && strncmp(id, name, l) == 0;
}

/* podman's image event of a push or save: the image's id, the destination as given. */
static void image_event(const struct global_options *g, const char *status, const char *image,
			const char *dest)
{
	_cleanup_json_ struct json_object *rec = NULL;
	const char *id = NULL;

	if (image_find(g, image, &rec, NULL) == 0)
		(void)pea_json_get_string_opt(rec, "", "id", &id, NULL);
	events_image(g, status, id, dest);
}

static int store_ref(const struct global_options *g, const char *name, char **ret_ref,
		     char **ret_name, struct pea_error **err)
{
	_cleanup_json_ struct json_object *rec = NULL;
	_cleanup_strv_ char **names = NULL;
	const char *id = NULL;

	if (image_find(g, name, &rec, err) < 0 ||
	    pea_json_get_string_req(rec, "", "id", &id, err) < 0)
		return -1;
	(void)pea_json_get_strv_opt(rec, "", "names", &names, NULL);
	*ret_ref = store_transport(g, id);
	if (ret_name) {
		*ret_name = NULL;
		/* the name asked for when it is one of the image's, else its first */
		for (size_t i = 0; names && names[i] && !*ret_name; i++) {
			_cleanup_free_ char *norm = NULL;
			if (image_normalize(name, &norm, NULL) == 0 &&
			    (strcmp(names[i], norm) == 0 ||
			     (strlen(names[i]) > strlen(norm) &&
			      strcmp(names[i] + strlen(names[i]) - strlen(norm), norm) == 0 &&
			      names[i][strlen(names[i]) - strlen(norm) - 1] == '/')))
				*ret_name = xstrdup(names[i]);
		}
		/* saved by its ID, an image has no name in the archive, as podman's */
		if (!*ret_name && names && names[0] && !is_id_of(name, id))
			*ret_name = xstrdup(names[0]);
	}
	return 0;
}

/* A destination with a transport as is, else docker://. */
static char *dest_ref(const char *dest)
{
	static const char *const transports[] = { "docker://",	     "oci:", "oci-archive:",
						  "docker-archive:", "dir:", "docker-daemon:" };

	for (size_t i = 0; i < ARRAY_SIZE(transports); i++)
		if (strncmp(dest, transports[i], strlen(transports[i])) == 0)
			return xstrdup(dest);
	return xasprintf("docker://%s", dest);
}

/* ---- push -------------------------------------------------------------- */

static const char push_usage[] =
	"Usage: pea push [OPTIONS] IMAGE [DESTINATION]\n"
	"\n"
	"Push an image to a registry (or another transport: oci:, oci-archive:,\n"
	"docker-archive:, dir:).\n"
	"\n"
	"      --authfile=PATH        credentials file (default: podman's auth.json)\n"
	"      --cert-dir=DIR         certificates of the registry\n"
	"      --creds=USER[:PASS]    credentials for this push\n"
	"      --digestfile=PATH      write the pushed manifest's digest there\n"
	"  -f, --format=oci|v2s2      manifest type to write\n"
	"  -q, --quiet                no progress\n"
	"      --tls-verify[=BOOL]    verify the registry's certificate, and require https\n";

enum {
	OPT_AUTHFILE = 256,
	OPT_CERTDIR,
	OPT_CREDS,
	OPT_DIGESTFILE,
	OPT_TLS,
	OPT_FORMAT,
	OPT_UNCOMPRESSED,
	OPT_GETLOGIN,
	OPT_PWSTDIN,
	OPT_COMPRESS,
};

static int push_opt(char ***argv, int c, bool *quiet, struct pea_error **err)
{
	bool tls = true;

	switch (c) {
	case OPT_AUTHFILE:
		pea_strv_push_take(argv, xasprintf("--authfile=%s", optarg));
		break;
	case OPT_CERTDIR:
		pea_strv_push_take(argv, xasprintf("--dest-cert-dir=%s", optarg));
		break;
	case OPT_CREDS:
		pea_strv_push_take(argv, xasprintf("--dest-creds=%s", optarg));
		break;
	case OPT_DIGESTFILE:
		pea_strv_push_take(argv, xasprintf("--digestfile=%s", optarg));
		break;
	case OPT_TLS:
		if (parse_bool_arg("--tls-verify", optarg, &tls, err) < 0)
			return -1;
		pea_strv_push(argv, tls ? "--dest-tls-verify=true" : "--dest-tls-verify=false");
		break;
	case OPT_COMPRESS:
		pea_strv_push_take(argv, xasprintf("--dest-compress-format=%s", optarg));
		break;
	case 'f':
		if (strcmp(optarg, "oci") != 0 && strcmp(optarg, "v2s2") != 0 &&
		    strcmp(optarg, "docker") != 0)
			return pea_error_new(err, EINVAL,
					     "unknown format \"%s\": use oci, v2s2 or docker",
					     optarg);
		pea_strv_push_take(argv, xasprintf("--format=%s",
						   strcmp(optarg, "oci") == 0 ? "oci" : "v2s2"));
		break;
	case 'q':
		*quiet = true;
		pea_strv_push(argv, "--quiet");
		break;
	default:
		break;
	}
	return 0;
}

int cmd_push(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "authfile", required_argument, NULL, OPT_AUTHFILE },
		{ "cert-dir", required_argument, NULL, OPT_CERTDIR },
		{ "creds", required_argument, NULL, OPT_CREDS },
		{ "digestfile", required_argument, NULL, OPT_DIGESTFILE },
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "tls-verify", optional_argument, NULL, OPT_TLS },
		{ "compression-format", required_argument, NULL, OPT_COMPRESS },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **tool = image_tool(g, "copy");
	_cleanup_free_ char *src = NULL, *name = NULL, *dst = NULL;
	bool quiet = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf:q", opts, push_usage, &c, err)) == 2)
		if (push_opt(&tool, c, &quiet, err) < 0)
			return -1;
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind < 1 || argc - optind > 2)
		return pea_error_new(err, EINVAL, "requires 1 or 2 arg(s), received %d",
				     argc - optind);
	if (store_ref(g, argv[optind], &src, &name, err) < 0)
		return -1;
	if (argc - optind == 2) {
		dst = dest_ref(argv[optind + 1]);
	} else {
		if (!name || strncmp(name, "localhost/", 10) == 0 || !image_name_has_domain(name))
			return pea_error_new(err, EINVAL,
					     "image '%s' has no registry in its name: give a "
					     "destination (pea push %s REGISTRY/NAME)",
					     argv[optind], argv[optind]);
		dst = dest_ref(name);
	}
	pea_strv_push(&tool, src);
	pea_strv_push(&tool, dst);
	if (run_tool(tool, -1, quiet, err) < 0)
		return -1;
	image_event(g, "push", argv[optind], argc - optind == 2 ? argv[optind + 1] : name);
	return 0;
}

/* ---- save -------------------------------------------------------------- */

static const char save_usage[] =
	"Usage: pea save [OPTIONS] IMAGE [IMAGE...]\n"
	"\n"
	"Write an image to an archive (default: docker-archive on standard output).\n"
	"\n"
	"      --format=FORMAT             docker-archive, oci-archive, oci-dir or docker-dir\n"
	"  -m, --multi-image-archive       several images in one docker-archive\n"
	"  -o, --output=PATH               the archive (or folder) to write\n"
	"  -q, --quiet                     no progress\n"
	"      --uncompressed              oci-archive, oci-dir: layers as plain tars\n";

/* "transport:path[:name]" for pea-image. */
static char *archive_ref(const char *transport, const char *path, const char *name)
{
	return xasprintf("%s:%s%s%s", transport, path, name ? ":" : "", name ? name : "");
}

static int tar_fail(struct archive *a, const char *what, struct pea_error **err)
{
	return pea_error_new(err, EIO, "%s: %s", what, archive_error_string(a) ?: "tar error");
}

/* Copy the entries of one docker-archive into out; its manifest.json entries go to manifest. */
static int merge_one(const char *path, struct archive *out, char ***seen,
		     struct json_object *manifest, struct pea_error **err)
{
	struct archive *in = archive_read_new();
	struct archive_entry *e;
	char buf[65536];
	int r, rc = -1;

	archive_read_support_format_tar(in);
	if (archive_read_open_filename(in, path, sizeof(buf)) != ARCHIVE_OK) {
		tar_fail(in, path, err);
		goto out;
	}
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		ssize_t n;

		if (strcmp(name, "manifest.json") == 0) {
			_cleanup_json_ struct json_object *doc = NULL;
			_cleanup_free_ char *text = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&text, &len);
			if (!m) {
				pea_error_errno(err, "open_memstream");
				goto out;
			}
			while ((n = archive_read_data(in, buf, sizeof(buf))) > 0)
				fwrite(buf, 1, (size_t)n, m);
			fclose(m);
			if (n < 0 || pea_json_parse(text, len, "manifest.json", &doc, err) < 0 ||
			    !json_object_is_type(doc, json_type_array)) {
				if (n < 0 || (doc && !json_object_is_type(doc, json_type_array)))
					pea_error_new(err, EINVAL, "%s: bad manifest.json", path);
				goto out;
			}
			for (size_t i = 0; i < json_object_array_length(doc); i++)
				json_object_array_add(
					manifest,
					json_object_get(json_object_array_get_idx(doc, i)));
			continue;
		}
		/* layers and configs are named by digest: one copy each */
		if (pea_strv_contains(*seen, name))
			continue;
		pea_strv_push(seen, name);
		if (archive_write_header(out, e) != ARCHIVE_OK) {
			tar_fail(out, "writing the archive", err);
			goto out;
		}
		while ((n = archive_read_data(in, buf, sizeof(buf))) > 0)
			if (archive_write_data(out, buf, (size_t)n) < 0) {
				tar_fail(out, "writing the archive", err);
				goto out;
			}
		if (n < 0) {
			tar_fail(in, path, err);
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		tar_fail(in, path, err);
		goto out;
	}
	rc = 0;
out:
	archive_read_free(in);
	return rc;
}

/* The manifest.json of the merged archive, last. */
static int write_manifest(struct archive *out, struct json_object *manifest, struct pea_error **err)
{
	const char *text = json_object_to_json_string_ext(
		manifest, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	archive_entry_set_pathname(e, "manifest.json");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)strlen(text));
	if (archive_write_header(out, e) != ARCHIVE_OK ||
	    archive_write_data(out, text, strlen(text)) < 0 ||
	    archive_write_close(out) != ARCHIVE_OK)
		rc = tar_fail(out, "writing the archive", err);
	archive_entry_free(e);
	return rc;
}

/* Merge the docker-archives parts into one at out_fd. */
static int merge_archives(char *const *parts, int out_fd, struct pea_error **err)
{
	_cleanup_json_ struct json_object *manifest = json_object_new_array();
	_cleanup_strv_ char **seen = NULL;
	struct archive *out = archive_write_new();
	int rc = -1;

	archive_write_set_format_pax_restricted(out);
	if (archive_write_open_fd(out, out_fd) != ARCHIVE_OK) {
		tar_fail(out, "writing the archive", err);
		goto out;
	}
	for (size_t i = 0; parts[i]; i++)
		if (merge_one(parts[i], out, &seen, manifest, err) < 0)
			goto out;
	rc = write_manifest(out, manifest, err);
out:
	archive_write_free(out);
	return rc;
}

/*
 * save -m: each image to a docker-archive of its own in a temporary folder
 * (pea-image writes one image per archive), then one archive of them all,
 * to output or standard output. A failure leaves no output file.
 */
static int save_multi(const struct global_options *g, char *const *images, const char *output,
		      struct pea_error **err)
{
	_cleanup_free_ char *dir = NULL, *base = xasprintf("%s/tmp", g->runroot);
	_cleanup_strv_ char **parts = NULL;
	_cleanup_close_ int fd = -1;
	int rc = -1;

	if (frontend_mkdir_p(base, err) < 0)
		return -1;
	dir = xasprintf("%s/save-XXXXXX", base);
	if (!mkdtemp(dir))
		return pea_error_errno(err, "mkdtemp '%s'", dir);
	for (size_t i = 0; images[i]; i++) {
		_cleanup_strv_ char **tool = image_tool(g, "copy");
		_cleanup_free_ char *src = NULL, *name = NULL, *part = NULL;

		if (store_ref(g, images[i], &src, &name, err) < 0)
			goto out;
		part = xasprintf("%s/%zu.tar", dir, i);
		pea_strv_push(&tool, "--quiet");
		pea_strv_push(&tool, src);
		pea_strv_push_take(&tool, archive_ref("docker-archive", part, name));
		if (run_tool(tool, -1, true, err) < 0) {
			pea_error_wrap(err, "saving '%s'", images[i]);
			goto out;
		}
		pea_strv_push(&parts, part);
	}
	fd = output ? open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : STDOUT_FILENO;
	if (fd < 0) {
		pea_error_errno(err, "open '%s'", output);
		goto out;
	}
	rc = merge_archives(parts, fd, err);
	if (rc < 0 && output)
		(void)unlink(output);
out:
	if (!output)
		fd = -1; /* standard output stays open */
	(void)pea_rm_rf_at(AT_FDCWD, dir, NULL);
	return rc;
}

/* The archive in a temporary file, then copied to stdout. */
static int save_to_stdout(const struct global_options *g, char ***tool, const char *src,
			  const char *fmt, const char *name, bool quiet, struct pea_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/tmp", g->runroot), *tmp = NULL;
	_cleanup_close_ int fd = -1;
	char buf[65536];
	ssize_t n;

	if (frontend_mkdir_p(dir, err) < 0)
		return -1;
	tmp = xasprintf("%s/save-%d.tar", dir, getpid());
	(void)unlink(tmp);
	pea_strv_push(tool, src);
	pea_strv_push_take(tool, archive_ref(fmt, tmp, name));
	if (run_tool(*tool, -1, quiet, err) < 0) {
		(void)unlink(tmp);
		return -1;
	}
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	(void)unlink(tmp);
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", tmp);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (pea_write_all(STDOUT_FILENO, buf, (size_t)n, err) < 0)
			return pea_error_wrap(err, "standard output");
	if (n < 0)
		return pea_error_errno(err, "read '%s'", tmp);
	return 0;
}

int cmd_save(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "multi-image-archive", no_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "uncompressed", no_argument, NULL, OPT_UNCOMPRESSED },
		{ NULL, 0, NULL, 0 },
	};
	static const struct {
		const char *name, *transport;
		bool named;
	} formats[] = { { "docker-archive", "docker-archive", true },
			{ "oci-archive", "oci-archive", true },
			{ "oci-dir", "oci", true },
			{ "docker-dir", "dir", false } };
	_cleanup_strv_ char **tool = image_tool(g, "copy");
	_cleanup_free_ char *src = NULL, *name = NULL, *output = NULL;
	const char *format = "docker-archive";
	size_t f = 0;
	bool quiet = false, multi = false, uncompressed = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hmo:q", opts, save_usage, &c, err)) == 2) {
		if (c == OPT_UNCOMPRESSED) {
			uncompressed = true;
		} else if (c == 'm') {
			multi = true;
		} else if (c == 'o') {
			free(output);
			output = xstrdup(optarg);
		} else if (c == 'q') {
			quiet = true;
		} else if (c == OPT_FORMAT) {
			format = optarg;
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	while (f < ARRAY_SIZE(formats) && strcmp(formats[f].name, format) != 0)
		f++;
	if (f == ARRAY_SIZE(formats))
		return pea_error_new(
			err, EINVAL,
			"unknown format option \"%s\": use docker-archive, oci-archive, "
			"oci-dir or docker-dir",
			format);
	if (argc - optind < 1)
		return pea_error_new(err, EINVAL, "need at least 1 argument");
	if (multi && f != 0)
		return pea_error_new(err, EINVAL,
				     "--multi-image-archive (-m) is only supported for "
				     "--format docker-archive, not %s",
				     format);
	if (argc - optind > 1 && !multi)
		return pea_error_new(err, EINVAL,
				     "%d images given: one archive holds one image unless -m, "
				     "--multi-image-archive is given",
				     argc - optind);
	if (!output && f >= 2)
		return pea_error_new(err, EINVAL, "--format %s needs -o, --output", format);
	if (!output && isatty(STDOUT_FILENO))
		return pea_error_new(err, EINVAL,
				     "failed to save image(s): refusing to save to terminal. Use "
				     "-o flag or redirect");
	if (multi)
		return save_multi(g, argv + optind, output, err);
	if (store_ref(g, argv[optind], &src, &name, err) < 0)
		return -1;
	pea_strv_push(&tool, "--quiet");
	/* podman's --uncompressed: the store's plain tar layers stay plain (OCI formats) */
	if (uncompressed && (f == 1 || f == 2))
		pea_strv_push(&tool, "--dest-oci-accept-uncompressed-layers");
	if (!formats[f].named)
		name = (free(name), NULL);
	if (!output)
		return save_to_stdout(g, &tool, src, formats[f].transport, name, true, err);
	pea_strv_push(&tool, src);
	pea_strv_push_take(&tool, archive_ref(formats[f].transport, output, name));
	(void)quiet; /* pea-image's progress would mix with nothing here: always quiet */
	if (run_tool(tool, -1, true, err) < 0)
		return -1;
	image_event(g, "save", argv[optind], output);
	return 0;
}

/* ---- login, logout ----------------------------------------------------- */

static const char login_usage[] =
	"Usage: pea login [OPTIONS] REGISTRY\n"
	"\n"
	"Log in to a registry: the credentials are checked and stored in the auth file.\n"
	"\n"
	"      --authfile=PATH      the auth file (default: podman's auth.json)\n"
	"      --cert-dir=DIR       certificates of the registry\n"
	"      --get-login          print the user stored for REGISTRY\n"
	"  -p, --password=PASS\n"
	"      --password-stdin     read the password from standard input\n"
	"      --tls-verify[=BOOL]  verify the registry's certificate, and require https\n"
	"  -u, --username=USER\n";

/* "https://host/v2/" -> "host" as podman accepts it. */
static char *registry_of(const char *arg)
{
	const char *s = arg;

	if (strncmp(s, "https://", 8) == 0)
		s += 8;
	else if (strncmp(s, "http://", 7) == 0)
		s += 7;
	return xstrndup(s, strcspn(s, "/"));
}

int cmd_login(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "authfile", required_argument, NULL, OPT_AUTHFILE },
		{ "cert-dir", required_argument, NULL, OPT_CERTDIR },
		{ "get-login", no_argument, NULL, OPT_GETLOGIN },
		{ "password", required_argument, NULL, 'p' },
		{ "password-stdin", no_argument, NULL, OPT_PWSTDIN },
		{ "tls-verify", optional_argument, NULL, OPT_TLS },
		{ "username", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **tool = image_tool(g, "login");
	bool tls = true;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hp:u:", opts, login_usage, &c, err)) == 2) {
		switch (c) {
		case OPT_AUTHFILE:
			pea_strv_push_take(&tool, xasprintf("--authfile=%s", optarg));
			break;
		case OPT_CERTDIR:
			pea_strv_push_take(&tool, xasprintf("--cert-dir=%s", optarg));
			break;
		case OPT_GETLOGIN:
			pea_strv_push(&tool, "--get-login");
			break;
		case 'p':
			pea_strv_push_take(&tool, xasprintf("--password=%s", optarg));
			break;
		case OPT_PWSTDIN:
			pea_strv_push(&tool, "--password-stdin");
			break;
		case OPT_TLS:
			if (parse_bool_arg("--tls-verify", optarg, &tls, err) < 0)
				return -1;
			pea_strv_push(&tool, tls ? "--tls-verify=true" : "--tls-verify=false");
			break;
		case 'u':
			pea_strv_push_take(&tool, xasprintf("--username=%s", optarg));
			break;
		default:
			break;
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	pea_strv_push_take(&tool, registry_of(argv[optind]));
	/* stdin passes for --password-stdin */
	return run_tool(tool, STDIN_FILENO, true, err);
}

int cmd_logout(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "authfile", required_argument, NULL, OPT_AUTHFILE },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **tool = image_tool(g, "logout");
	bool all = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "ha", opts,
			       "Usage: pea logout [OPTIONS] REGISTRY\n\n"
			       "Remove the credentials of a registry from the auth file.\n\n"
			       "  -a, --all            every registry's\n"
			       "      --authfile=PATH  the auth file\n",
			       &c, err)) == 2) {
		if (c == 'a') {
			all = true;
			pea_strv_push(&tool, "--all");
		} else if (c == OPT_AUTHFILE) {
			pea_strv_push_take(&tool, xasprintf("--authfile=%s", optarg));
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (all && optind < argc)
		return pea_error_new(err, EINVAL, "--all takes no registry");
	if (!all && argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	if (!all)
		pea_strv_push_take(&tool, registry_of(argv[optind]));
	return run_tool(tool, -1, true, err);
}
