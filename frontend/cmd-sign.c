/*
 * pea image sign: simple signing signatures of images in a registry, written
 * to a folder as podman-image-sign(1) lays them out
 * (DIR/REPOSITORY@sha256=HEX/signature-N). pea-image fetches the manifest and
 * signs it (standalone-sign, with the user's GPG keyring).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/frontend.h"
#include "frontend/images.h"

#define SIGN_DEFAULT_DIR "/var/lib/containers/sigstore"
/* podman's limit on signature-N: a folder holds no more */
#define SIGN_MAX_SIGNATURES 1000

static const char sign_usage[] =
	"Usage: pea image sign [options] IMAGE [IMAGE...]\n"
	"\n"
	"Sign images of a registry: a simple signing signature of each one's manifest.\n"
	"\n"
	"      --authfile=PATH      credentials file\n"
	"      --cert-dir=DIR       certificates of the registry\n"
	"  -d, --directory=DIR      where the signatures go (default " SIGN_DEFAULT_DIR ")\n"
	"      --sign-by=KEY        the GPG key to sign with (required)\n"
	"      --tls-verify[=BOOL]  verify the registry's certificate, and require https\n";

enum {
	OPT_AUTHFILE = 256,
	OPT_CERT_DIR,
	OPT_SIGN_BY,
	OPT_TLS,
};

struct sign_opts {
	const char *authfile, *cert_dir, *dir, *sign_by;
	bool tls, tls_set;
};

/* pea-image ARGS; its standard output (new string) or its last error line. */
static int sign_run_image(const struct global_options *g, char **args, char **ret,
			  struct pea_error **err)
{
	_cleanup_strv_ char **argv = NULL;
	struct run_result r = { 0 };
	int rc = 0;

	pea_strv_push_take(&argv, frontend_find_binary(g, "pea-image"));
	for (size_t i = 0; args[i]; i++)
		pea_strv_push(&argv, args[i]);
	if (frontend_run_capture(argv, -1, &r, err) < 0)
		return -1;
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
		const char *msg = r.errtxt ? r.errtxt : "failed", *last = strrchr(msg, '\n');
		msg = last ? last + 1 : msg;
		if (strncmp(msg, "pea-image: ", 11) == 0)
			msg += 11;
		rc = pea_error_new(err, EIO, "%s", msg);
	} else if (ret) {
		*ret = TAKE_PTR(r.out);
	}
	run_result_clear(&r);
	return rc;
}

static void sign_push_access(const struct sign_opts *o, char ***v)
{
	if (o->authfile)
		pea_strv_push_take(v, xasprintf("--authfile=%s", o->authfile));
	if (o->cert_dir)
		pea_strv_push_take(v, xasprintf("--cert-dir=%s", o->cert_dir));
	if (o->tls_set)
		pea_strv_push(v, o->tls ? "--tls-verify=true" : "--tls-verify=false");
}

/* DIR/REPOSITORY@sha256=HEX: the repository without its registry, as podman names it. */
static char *sign_folder(const char *dir, const char *ref, const char *digest)
{
	const char *slash = strchr(ref, '/');
	_cleanup_free_ char *repo = xstrdup(slash ? slash + 1 : ref), *d = xstrdup(digest);
	char *at = strchr(repo, '@'), *colon;

	if (at)
		*at = '\0';
	colon = strrchr(repo, ':');
	if (colon && !strchr(colon, '/'))
		*colon = '\0';
	if ((colon = strchr(d, ':')))
		*colon = '=';
	return xasprintf("%s/%s@%s", dir, repo, d);
}

static int sign_one(const struct global_options *g, const struct sign_opts *o, const char *image,
		    struct pea_error **err)
{
	_cleanup_free_ char *full = NULL, *manifest = NULL, *digest = NULL, *folder = NULL;
	_cleanup_free_ char *tmp = NULL, *src = NULL, *out = NULL;
	_cleanup_strv_ char **args = NULL;
	_cleanup_close_ int fd = -1;
	const char *ref;
	int n, rc;

	if (strncmp(image, "docker://", 9) != 0)
		return pea_error_new(err, EINVAL,
				     "invalid transport of '%s': only docker:// images can be "
				     "signed",
				     image);
	ref = image + 9;
	if (image_normalize(ref, &full, err) < 0)
		return -1;
	if (!image_name_has_domain(full))
		return pea_error_new(
			err, EINVAL,
			"'%s': a registry must be named (no short names in a signature)", ref);
	src = xasprintf("docker://%s", full);
	pea_strv_push(&args, "inspect");
	pea_strv_push(&args, "--raw");
	sign_push_access(o, &args);
	pea_strv_push(&args, src);
	if (sign_run_image(g, args, &manifest, err) < 0)
		return pea_error_wrap(err, "%s", image);
	args = pea_strv_free(args);
	tmp = xasprintf("%s/pea-sign-XXXXXX", getenv("TMPDIR") ?: "/var/tmp");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return pea_error_errno(err, "temporary file in '%s'",
				       getenv("TMPDIR") ?: "/var/tmp");
	if (pea_write_all(fd, manifest, strlen(manifest), err) < 0) {
		unlink(tmp);
		return -1;
	}
	pea_strv_push(&args, "manifest-digest");
	pea_strv_push(&args, tmp);
	if (sign_run_image(g, args, &digest, err) < 0) {
		unlink(tmp);
		return pea_error_wrap(err, "%s", image);
	}
	digest[strcspn(digest, "\n")] = '\0';
	folder = sign_folder(o->dir, full, digest);
	if (frontend_mkdir_p(folder, err) < 0) {
		unlink(tmp);
		return -1;
	}
	for (n = 1; n <= SIGN_MAX_SIGNATURES; n++) {
		free(out);
		out = xasprintf("%s/signature-%d", folder, n);
		if (access(out, F_OK) != 0)
			break;
	}
	if (n > SIGN_MAX_SIGNATURES) {
		unlink(tmp);
		return pea_error_new(err, EEXIST, "'%s' holds too many signatures", folder);
	}
	args = pea_strv_free(args);
	pea_strv_push(&args, "standalone-sign");
	pea_strv_push(&args, tmp);
	pea_strv_push(&args, full);
	pea_strv_push(&args, o->sign_by);
	pea_strv_push(&args, "-o");
	pea_strv_push(&args, out);
	rc = sign_run_image(g, args, NULL, err);
	unlink(tmp);
	return rc < 0 ? pea_error_wrap(err, "%s", image) : 0;
}

int cmd_image_sign(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "authfile", required_argument, NULL, OPT_AUTHFILE },
		{ "cert-dir", required_argument, NULL, OPT_CERT_DIR },
		{ "directory", required_argument, NULL, 'd' },
		{ "sign-by", required_argument, NULL, OPT_SIGN_BY },
		{ "tls-verify", optional_argument, NULL, OPT_TLS },
		{ NULL, 0, NULL, 0 },
	};
	struct sign_opts o = { .dir = SIGN_DEFAULT_DIR, .tls = true };
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "had:", opts, sign_usage, &c, err)) == 2) {
		if (c == OPT_AUTHFILE)
			o.authfile = optarg;
		else if (c == OPT_CERT_DIR)
			o.cert_dir = optarg;
		else if (c == 'd')
			o.dir = optarg;
		else if (c == OPT_SIGN_BY)
			o.sign_by = optarg;
		else if (c == OPT_TLS) {
			o.tls_set = true;
			if (parse_bool_arg("--tls-verify", optarg, &o.tls, err) < 0)
				return -1;
		}
		/* -a: every manifest of a list; pea signs the manifest the name gives */
	}
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (argc - optind < 1)
		return check_nargs(0, 1, -1, err);
	if (!o.sign_by || !*o.sign_by)
		return pea_error_new(err, EINVAL, "please provide an identity");
	for (int i = optind; i < argc; i++)
		if (strncmp(argv[i], "docker://", 9) != 0)
			return pea_error_new(err, EINVAL,
					     "invalid transport of '%s': only docker:// images can "
					     "be signed",
					     argv[i]);
	for (int i = optind; i < argc; i++)
		if (sign_one(g, &o, argv[i], err) < 0)
			return -1;
	return 0;
}
