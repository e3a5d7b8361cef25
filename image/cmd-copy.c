#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/blob.h"
#include "image/cli.h"
#include "image/cmd-copy.h"
#include "image/copy.h"
#include "image/policy.h"
#include "image/reference.h"
#include "image/lookaside.h"
#include "image/signature.h"
#include "image/transport.h"

enum {
	OPT_ALL = 'a',
	OPT_QUIET = 'q',
	OPT_HELP = 'h',
	OPT_AUTHFILE = 1000,
	OPT_SRC_AUTHFILE,
	OPT_DEST_AUTHFILE,
	OPT_SRC_CREDS,
	OPT_DEST_CREDS,
	OPT_SRC_USERNAME,
	OPT_SRC_PASSWORD,
	OPT_DEST_USERNAME,
	OPT_DEST_PASSWORD,
	OPT_SRC_CERT_DIR,
	OPT_DEST_CERT_DIR,
	OPT_SRC_TLS,
	OPT_DEST_TLS,
	OPT_SRC_NO_CREDS,
	OPT_DEST_NO_CREDS,
	OPT_SRC_TOKEN,
	OPT_DEST_TOKEN,
	OPT_RETRY,
	OPT_DIGESTFILE,
	OPT_IIDFILE,
	OPT_DRY_RUN,
	OPT_ADDITIONAL_TAG,
	OPT_FORMAT,
	OPT_PROGRESS,
	OPT_PROGRESS_FD,
	OPT_PARALLEL,
	OPT_MULTI_ARCH,
	OPT_COMPRESS,
	OPT_COMPRESS_FORMAT,
	OPT_COMPRESS_LEVEL,
	OPT_ACCEPT_UNCOMPRESSED,
	OPT_PRESERVE,
	OPT_SRC_SHARED,
	OPT_DEST_SHARED,
	OPT_CHUNK_SIZE,
	OPT_SIGN_BY,
	OPT_SIGN_IDENTITY,
	OPT_SIGN_PASSPHRASE_FILE,
	OPT_REMOVE_SIGNATURES,
	OPT_IGNORED,
	OPT_IGNORED_ARG,
	OPT_SYNC_SRC = 's',
	OPT_SYNC_DEST = 'd',
	OPT_SCOPED = 1100,
	OPT_KEEP_GOING,
};

static const struct option copy_options[] = {
	{ "all", no_argument, NULL, OPT_ALL },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "authfile", required_argument, NULL, OPT_AUTHFILE },
	{ "src-authfile", required_argument, NULL, OPT_SRC_AUTHFILE },
	{ "dest-authfile", required_argument, NULL, OPT_DEST_AUTHFILE },
	{ "src-creds", required_argument, NULL, OPT_SRC_CREDS },
	{ "dest-creds", required_argument, NULL, OPT_DEST_CREDS },
	/* skopeo's older names, still accepted by it */
	{ "screds", required_argument, NULL, OPT_SRC_CREDS },
	{ "dcreds", required_argument, NULL, OPT_DEST_CREDS },
	{ "src-username", required_argument, NULL, OPT_SRC_USERNAME },
	{ "src-password", required_argument, NULL, OPT_SRC_PASSWORD },
	{ "dest-username", required_argument, NULL, OPT_DEST_USERNAME },
	{ "dest-password", required_argument, NULL, OPT_DEST_PASSWORD },
	{ "src-cert-dir", required_argument, NULL, OPT_SRC_CERT_DIR },
	{ "dest-cert-dir", required_argument, NULL, OPT_DEST_CERT_DIR },
	{ "src-tls-verify", optional_argument, NULL, OPT_SRC_TLS },
	{ "dest-tls-verify", optional_argument, NULL, OPT_DEST_TLS },
	{ "src-no-creds", optional_argument, NULL, OPT_SRC_NO_CREDS },
	{ "dest-no-creds", optional_argument, NULL, OPT_DEST_NO_CREDS },
	{ "src-registry-token", required_argument, NULL, OPT_SRC_TOKEN },
	{ "dest-registry-token", required_argument, NULL, OPT_DEST_TOKEN },
	{ "retry-times", required_argument, NULL, OPT_RETRY },
	{ "digestfile", required_argument, NULL, OPT_DIGESTFILE },
	{ "iidfile", required_argument, NULL, OPT_IIDFILE },
	{ "dry-run", optional_argument, NULL, OPT_DRY_RUN },
	{ "additional-tag", required_argument, NULL, OPT_ADDITIONAL_TAG },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "progress", required_argument, NULL, OPT_PROGRESS },
	{ "progress-fd", required_argument, NULL, OPT_PROGRESS_FD },
	{ "image-parallel-copies", required_argument, NULL, OPT_PARALLEL },
	{ "multi-arch", required_argument, NULL, OPT_MULTI_ARCH },
	{ "dest-compress", optional_argument, NULL, OPT_COMPRESS },
	{ "dest-compress-format", required_argument, NULL, OPT_COMPRESS_FORMAT },
	{ "dest-compress-level", required_argument, NULL, OPT_COMPRESS_LEVEL },
	{ "remove-signatures", optional_argument, NULL, OPT_REMOVE_SIGNATURES },
	{ "preserve-digests", optional_argument, NULL, OPT_PRESERVE },
	{ "src-shared-blob-dir", required_argument, NULL, OPT_SRC_SHARED },
	{ "dest-shared-blob-dir", required_argument, NULL, OPT_DEST_SHARED },
	{ "dest-chunk-size", required_argument, NULL, OPT_CHUNK_SIZE },
	{ "sign-by", required_argument, NULL, OPT_SIGN_BY },
	{ "sign-identity", required_argument, NULL, OPT_SIGN_IDENTITY },
	{ "sign-passphrase-file", required_argument, NULL, OPT_SIGN_PASSPHRASE_FILE },
	{ "dest-oci-accept-uncompressed-layers", optional_argument, NULL, OPT_ACCEPT_UNCOMPRESSED },
	/* sync's own */
	{ "src", required_argument, NULL, OPT_SYNC_SRC },
	{ "dest", required_argument, NULL, OPT_SYNC_DEST },
	{ "scoped", no_argument, NULL, OPT_SCOPED },
	{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
	{ NULL, 0, NULL, 0 },
};

static const char copy_usage[] =
	"Usage: pea-image copy [OPTIONS] SOURCE-IMAGE DESTINATION-IMAGE\n"
	"\n"
	"Copy an image between registries (docker://), OCI layouts (oci:), archives\n"
	"(oci-archive:, docker-archive:) and directories (dir:).\n"
	"\n"
	"  -a, --all                     copy every image of a manifest list, and the list\n"
	"      --multi-arch=system|all   the same, as skopeo names it\n"
	"      --authfile=PATH           credentials file for both sides\n"
	"      --src-creds, --dest-creds=USER[:PASS]\n"
	"      --src-username, --src-password, --dest-username, --dest-password\n"
	"      --src-cert-dir, --dest-cert-dir=DIR   certs.d-style folder (ca.crt, "
	"client.cert/key)\n"
	"      --src-tls-verify, --dest-tls-verify[=false]\n"
	"      --src-no-creds, --dest-no-creds        access the registry anonymously\n"
	"      --src-registry-token, --dest-registry-token=TOKEN   a bearer token\n"
	"      --retry-times=N           retries of a failed blob transfer (default 3)\n"
	"      --dest-chunk-size=SIZE    push blobs larger than SIZE (bytes, or with k, m, g)\n"
	"                                in chunks, resumed where the registry stands\n"
	"      --image-parallel-copies=N blobs fetched at once (default 6)\n"
	"      --digestfile=PATH         write the manifest digest there\n"
	"      --sign-by=FINGERPRINT     sign the manifest written with this GPG key (into dir:\n"
	"                                or docker:// with a file:// lookaside in registries.d)\n"
	"      --sign-identity=REFERENCE the Docker reference the signature names\n"
	"      --sign-passphrase-file=PATH  the key's passphrase: the file's first line\n"
	"      --iidfile=PATH            store: write the stored image's id there "
	"(sha256:ID)\n"
	"      --src-shared-blob-dir, --dest-shared-blob-dir=DIR   an OCI layout's blobs live "
	"there\n"
	"      --additional-tag=NAME     another name in a docker-archive (repeatable)\n"
	"      --dry-run                 check the source, copy nothing\n"
	"      --preserve-digests        fail rather than change a manifest or a layer\n"
	"  -f, --format=oci|v2s2         write OCI or Docker schema 2 manifests\n"
	"      --dest-compress-format=gzip|zstd   recompress the layers that differ\n"
	"      --dest-compress-level=N   compression level\n"
	"      --dest-oci-accept-uncompressed-layers   keep plain tar layers in an OCI layout\n"
	"      --progress=text|tty|json|quiet   progress on stderr (tty: a bar per blob, the\n"
	"                                default on a terminal; json: one event per line)\n"
	"      --progress-fd=FD          write the progress to FD instead of stderr\n"
	"  -q, --quiet                   no progress\n";

/* "N", "Nk", "Nm", "Ng" (powers of 1024): at least 1 KiB, at most 1 TiB. */
static int parse_size(const char *opt, const char *arg, int64_t *ret, struct pea_error **err)
{
	char *end = NULL;
	long long v;
	int shift = 0;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (end && *end && !end[1]) {
		const char *units = "kmg";
		const char *u = strchr(units, end[0] | 0x20);

		shift = u ? 10 * (int)(u - units + 1) : -1;
		end++;
	}
	if (errno || end == arg || !end || *end || shift < 0 || v < 1 || v > (1LL << 40) >> shift ||
	    (v << shift) < 1024)
		return cli_usage(err, "--%s '%s': expected a size from 1k to 1024g", opt, arg);
	*ret = (int64_t)v << shift;
	return 0;
}

static int unknown_option(const char *cmd, const char *arg, struct pea_error **err)
{
	return cli_usage(err, "%s: unknown option '%s' (see pea-image %s --help)", cmd, arg, cmd);
}

int copy_parse(int argc, char **argv, const char *usage, struct copy_args *a,
	       struct pea_error **err)
{
	const char *cmd = a->sync ? "sync" : "copy";
	bool progress_given = false;
	int c;

	a->src.tls_verify = a->dst.tls_verify = -1;
	a->retries = 3;
	a->parallel = 6;
	a->progress.mode = PROGRESS_TEXT;
	a->progress.fd = STDERR_FILENO;
	optind = 0; /* glibc: 0 re-initialises getopt for the command's argv */
	opterr = 0;
	while ((c = getopt_long(argc, argv, a->sync ? "aqhf:s:d:" : "aqhf:", copy_options, NULL)) !=
	       -1) {
		int r = 0;
		long v = 0;
		const char *name = copy_options[0].name;

		for (const struct option *o = copy_options; o->name; o++)
			if (o->val == c)
				name = o->name;
		switch (c) {
		case OPT_ALL:
			a->copy.all = true;
			break;
		case OPT_QUIET:
			a->progress.mode = PROGRESS_QUIET;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			return 1;
		case OPT_AUTHFILE:
			a->src.authfile = a->dst.authfile = optarg;
			break;
		case OPT_SRC_AUTHFILE:
			a->src.authfile = optarg;
			break;
		case OPT_DEST_AUTHFILE:
			a->dst.authfile = optarg;
			break;
		case OPT_SRC_CREDS:
			a->src.creds = optarg;
			break;
		case OPT_DEST_CREDS:
			a->dst.creds = optarg;
			break;
		case OPT_SRC_USERNAME:
			a->src.username = optarg;
			break;
		case OPT_SRC_PASSWORD:
			a->src.password = optarg;
			break;
		case OPT_DEST_USERNAME:
			a->dst.username = optarg;
			break;
		case OPT_DEST_PASSWORD:
			a->dst.password = optarg;
			break;
		case OPT_SRC_CERT_DIR:
			a->src.cert_dir = optarg;
			break;
		case OPT_DEST_CERT_DIR:
			a->dst.cert_dir = optarg;
			break;
		case OPT_SRC_TLS:
			r = cli_tls(name, optarg, &a->src.tls_verify, err);
			break;
		case OPT_DEST_TLS:
			r = cli_tls(name, optarg, &a->dst.tls_verify, err);
			break;
		case OPT_SRC_NO_CREDS:
			r = cli_bool(name, optarg, &a->src.no_creds, err);
			break;
		case OPT_DEST_NO_CREDS:
			r = cli_bool(name, optarg, &a->dst.no_creds, err);
			break;
		case OPT_SRC_TOKEN:
			a->src.registry_token = optarg;
			break;
		case OPT_DEST_TOKEN:
			a->dst.registry_token = optarg;
			break;
		case OPT_RETRY:
			r = cli_int(name, optarg, 0, 100, &a->retries, err);
			break;
		case OPT_PARALLEL:
			r = cli_int(name, optarg, 1, 64, &a->parallel, err);
			break;
		case OPT_DRY_RUN:
			r = cli_bool(name, optarg, &a->dry_run, err);
			break;
		case OPT_ADDITIONAL_TAG: {
			_cleanup_(reference_free_p) struct image_reference *ref = NULL;

			if (reference_parse(optarg, true, &ref, err) < 0 || ref->digest) {
				r = cli_usage(err, "--additional-tag '%s': %s", optarg,
					      ref ? "a tag, not a digest" : (*err)->message);
				break;
			}
			reference_default_tag(ref);
			pea_strv_push_take(&a->additional_tags, reference_string(ref));
			break;
		}
		case OPT_DIGESTFILE:
			a->digestfile = optarg;
			break;
		case OPT_IIDFILE:
			a->iidfile = optarg;
			break;
		case 'f':
		case OPT_FORMAT:
			a->format = optarg;
			break;
		case OPT_MULTI_ARCH:
			if (strcmp(optarg, "all") == 0)
				a->copy.all = true;
			else if (strcmp(optarg, "system") != 0)
				r = cli_usage(err,
					      "--multi-arch '%s' is not supported (system, all)",
					      optarg);
			break;
		case OPT_PROGRESS:
			progress_given = true;
			if (strcmp(optarg, "json") == 0)
				a->progress.mode = PROGRESS_JSON;
			else if (strcmp(optarg, "text") == 0)
				a->progress.mode = PROGRESS_TEXT;
			else if (strcmp(optarg, "quiet") == 0)
				a->progress.mode = PROGRESS_QUIET;
			else if (strcmp(optarg, "tty") == 0)
				a->progress.mode = PROGRESS_TTY;
			else
				r = cli_usage(err,
					      "--progress '%s': expected text, tty, json or quiet",
					      optarg);
			break;
		case OPT_PROGRESS_FD:
			r = cli_int(name, optarg, 0, 1 << 20, &v, err);
			if (r == 0 && fcntl((int)v, F_GETFD) < 0)
				r = cli_usage(
					err, "--progress-fd %ld is not an open file descriptor", v);
			a->progress.fd = (int)v;
			if (a->progress.mode == PROGRESS_TEXT)
				a->progress.mode = PROGRESS_JSON;
			break;
		case OPT_COMPRESS: {
			bool on = true;

			r = cli_bool(name, optarg, &on, err);
			if (r == 0 && on && !a->copy.compress_format)
				a->copy.compress_format = "gzip";
			break;
		}
		case OPT_COMPRESS_FORMAT:
			if (strcmp(optarg, "gzip") != 0 && strcmp(optarg, "zstd") != 0)
				r = cli_usage(err,
					      "--dest-compress-format '%s': expected gzip or zstd",
					      optarg);
			a->copy.compress_format = optarg;
			break;
		case OPT_COMPRESS_LEVEL:
			r = cli_int(name, optarg, 1, 22, &v, err);
			a->copy.compress_level = (int)v;
			break;
		case OPT_PRESERVE:
			r = cli_bool(name, optarg, &a->copy.preserve_digests, err);
			break;
		case OPT_SRC_SHARED:
			a->src.shared_blob_dir = optarg;
			break;
		case OPT_DEST_SHARED:
			a->dst.shared_blob_dir = optarg;
			break;
		case OPT_SIGN_BY:
			a->sign_by = optarg;
			break;
		case OPT_SIGN_IDENTITY:
			a->sign_identity = optarg;
			break;
		case OPT_SIGN_PASSPHRASE_FILE:
			a->sign_passphrase_file = optarg;
			break;
		case OPT_CHUNK_SIZE:
			r = parse_size(name, optarg, &a->dst.chunk_size, err);
			break;
		case OPT_ACCEPT_UNCOMPRESSED:
			r = cli_bool(name, optarg, &a->accept_uncompressed, err);
			break;
		case OPT_REMOVE_SIGNATURES:
			r = cli_bool(name, optarg, &a->remove_signatures, err);
			break;
		case OPT_IGNORED:
		case OPT_IGNORED_ARG:
			break;
		case OPT_SYNC_SRC:
		case OPT_SYNC_DEST:
		case OPT_SCOPED:
		case OPT_KEEP_GOING:
			if (!a->sync) /* copy has none of these */
				return unknown_option(cmd, argv[optind - 1], err);
			if (c == OPT_SYNC_SRC)
				a->sync_src = optarg;
			else if (c == OPT_SYNC_DEST)
				a->sync_dest = optarg;
			else if (c == OPT_SCOPED)
				a->scoped = true;
			else
				a->keep_going = true;
			break;
		case '?':
		default:
			return unknown_option(cmd, argv[optind - 1], err);
		}
		if (r < 0)
			return r;
	}
	if (a->progress.mode == PROGRESS_TEXT && !progress_given && isatty(a->progress.fd))
		a->progress.mode = PROGRESS_TTY;
	if (a->sign_passphrase_file && !a->sign_by)
		return cli_usage(err, "%s: --sign-passphrase-file needs --sign-by", cmd);
	if (argc - optind != 2)
		return cli_usage(err, "%s: expected %s, got %d argument(s)", cmd,
				 a->sync ? "SOURCE DESTINATION" : "SOURCE-IMAGE DESTINATION-IMAGE",
				 argc - optind);
	if (a->format && strcmp(a->format, "oci") != 0 && strcmp(a->format, "v2s2") != 0)
		return cli_usage(err, "%s: --format '%s' is not supported (oci, v2s2)", cmd,
				 a->format);
	a->source = argv[optind];
	a->dest = argv[optind + 1];
	return 0;
}

static int write_digestfile(const char *opt, const char *path, const char *digest,
			    struct pea_error **err)
{
	if (cli_write_output(path, digest, strlen(digest), err) < 0)
		return pea_error_wrap(err, "%s", opt);
	return 0;
}

/* What --sign-by signs as and where it goes; checked before anything is copied. */
struct sign_target {
	char *identity;
	char *lookaside;  /* docker://: the file:// URL the signature is written under */
	char *passphrase; /* --sign-passphrase-file's first line */
};

static int sign_target_for(const struct global_options *g, const struct copy_args *a,
			   const struct image_name *dst, struct sign_target *t,
			   struct pea_error **err)
{
	_cleanup_(reference_free_p) struct image_reference *ref = NULL;

	if (a->sign_passphrase_file &&
	    signature_read_passphrase(a->sign_passphrase_file, &t->passphrase, err) < 0)
		return pea_error_wrap(err, "--sign-passphrase-file");
	if (dst->kind != TRANSPORT_DIR && dst->kind != TRANSPORT_DOCKER)
		return cli_usage(err,
				 "--sign-by: a %s: destination holds no signatures (dir:, "
				 "docker://)",
				 transport_name(dst->kind));
	if (dst->kind == TRANSPORT_DIR) {
		if (!a->sign_identity)
			return cli_usage(err, "--sign-by into dir: needs --sign-identity (the "
					      "image has no Docker reference)");
		t->identity = xstrdup(a->sign_identity);
		return 0;
	}
	ref = reference_copy(dst->ref);
	reference_default_tag(ref);
	t->identity = a->sign_identity ? xstrdup(a->sign_identity) : reference_string(ref);
	if (lookaside_base(g->registries_d, ref, true, &t->lookaside, err) < 0)
		return -EINVAL;
	if (!t->lookaside || strncmp(t->lookaside, "file://", 7) != 0)
		return pea_error_new(err, ENOTSUP,
				     "--sign-by: registries.d gives no file:// lookaside (or "
				     "lookaside-staging) for '%s' to write the signature to",
				     dst->input);
	return 0;
}

static void sign_target_clear(struct sign_target *t)
{
	free(t->identity);
	free(t->lookaside);
	if (t->passphrase)
		explicit_bzero(t->passphrase, strlen(t->passphrase));
	free(t->passphrase);
}

/* dir: signature-N, the first N free. */
static int dir_add_signature(const char *path, const char *sig, size_t len, struct pea_error **err)
{
	_cleanup_close_ int dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dirfd < 0)
		return pea_error_errno(err, "open '%s'", path);
	for (size_t n = 1; n <= SIGNATURES_MAX; n++) {
		_cleanup_free_ char *name = xasprintf("signature-%zu", n);
		_cleanup_close_ int fd =
			openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return pea_error_errno(err, "create '%s/%s'", path, name);
		if (pea_write_all(fd, sig, len, err) < 0) {
			unlinkat(dirfd, name, 0);
			return pea_error_wrap(err, "'%s/%s'", path, name);
		}
		return 0;
	}
	return pea_error_new(err, EMLINK, "'%s' has %d signatures already", path, SIGNATURES_MAX);
}

/*
 * The source's signatures go along with its manifest (skopeo's copy), into a dir:
 * destination or a docker:// one with a file:// lookaside; not when the manifest
 * written is another (they would not sign it), nor with --remove-signatures.
 */
static int source_signatures(struct image_source *src, struct sig_blob **ret, size_t *ret_n,
			     char src_digest[PEA_DIGEST_MAX], struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL, *type = NULL;
	size_t len = 0;

	if (!src->ops->get_signatures)
		return 0;
	if (src->ops->get_manifest(src, NULL, &buf, &len, &type, err) < 0)
		return -EIO;
	pea_digest_buffer("sha256", buf, len, src_digest);
	if (src->ops->get_signatures(src, src_digest, ret, ret_n, err) < 0)
		return pea_error_wrap(err, "%s: signatures", src->description);
	return 0;
}

static int copy_signatures(const struct global_options *g, const struct image_name *dst,
			   const struct sig_blob *sigs, size_t n, const char *digest,
			   struct pea_error **err)
{
	_cleanup_(reference_free_p) struct image_reference *ref = NULL;
	_cleanup_free_ char *base = NULL;
	int r = 0;

	if (dst->kind == TRANSPORT_DOCKER) {
		ref = reference_copy(dst->ref);
		reference_default_tag(ref);
		if (lookaside_base(g->registries_d, ref, true, &base, err) < 0)
			return -EINVAL;
		if (!base || strncmp(base, "file://", 7) != 0) {
			log_warning("%zu signature(s) not copied: registries.d gives no file:// "
				    "lookaside for '%s'",
				    n, dst->input);
			return 0;
		}
	}
	for (size_t i = 0; r == 0 && i < n; i++)
		r = dst->kind == TRANSPORT_DIR
			    ? dir_add_signature(dst->path, sigs[i].data, sigs[i].len, err)
			    : lookaside_write(base, dst->ref, digest, sigs[i].data, sigs[i].len,
					      err);
	return r < 0 ? pea_error_wrap(err, "copying signatures") : 0;
}

static int sign_copy(const struct copy_args *a, const struct image_name *dst,
		     const struct sign_target *t, const char *digest, struct pea_error **err)
{
	_cleanup_free_ char *sig = NULL;
	size_t len = 0;
	int r;

	progress_message(a->copy.progress, "Signing manifest using simple signing");
	gpg_helpers_adopt();
	r = signature_sign_digest(digest, t->identity, a->sign_by, t->passphrase, &sig, &len, err);
	gpg_helpers_reap();
	if (r < 0)
		return pea_error_wrap(err, "--sign-by");
	if (dst->kind == TRANSPORT_DIR)
		r = dir_add_signature(dst->path, sig, len, err);
	else
		r = lookaside_write(t->lookaside, dst->ref, digest, sig, len, err);
	return r < 0 ? pea_error_wrap(err, "--sign-by") : 0;
}

int copy_one(const struct global_options *g, struct copy_args *a_, const char *source,
	     const char *dest, struct pea_error **err)
{
	_cleanup_(image_name_free_p) struct image_name *src_name = NULL, *dst_name = NULL;
	struct copy_args a = *a_;
	const char *cmd = a.sync ? "sync" : "copy";
	struct transport_context ctx;
	struct image_source *src = NULL;
	struct image_dest *dst = NULL;
	char digest[PEA_DIGEST_MAX] = "";
	_cleanup_free_ char *image_id = NULL;
	_cleanup_(sig_policy_clear) struct sig_policy sigs = { 0 };
	_cleanup_(sign_target_clear) struct sign_target sign = { 0 };
	struct sig_blob *src_sigs = NULL;
	size_t n_src_sigs = 0;
	char src_digest[PEA_DIGEST_MAX] = "";
	int r;

	a.source = source;
	a.dest = dest;
	if (image_name_parse(a.source, &src_name, err) < 0 ||
	    image_name_parse(a.dest, &dst_name, err) < 0)
		return -EINVAL;
	if (a.iidfile && dst_name->kind != TRANSPORT_STORE)
		return cli_usage(err, "%s: --iidfile needs a store: destination, not '%s'", cmd,
				 a.dest);
	r = a.sign_by ? sign_target_for(g, &a, dst_name, &sign, err) : 0;
	if (r < 0)
		return r;
	if (!g->insecure_policy && policy_check(g->policy, src_name, &sigs, err) < 0)
		return -EACCES;
	if (cli_context(g, &ctx, err) < 0)
		return -EINVAL;
	ctx.progress = &a.progress;
	ctx.retries = (int)a.retries;
	ctx.parallel = (int)a.parallel;
	a.copy.progress = &a.progress;
	a.copy.os = g->override_os;
	a.copy.arch = g->override_arch;
	a.copy.variant = g->override_variant;
	r = source_open(src_name, &a.src, &ctx, &src, err);
	if (r == 0)
		r = source_check_signatures(src, &sigs, &ctx, err);
	if (r == 0 && a.dry_run) {
		/* skopeo's words */
		dprintf(STDERR_FILENO, "Running in dry-run mode\nWould have copied from=%s to=%s\n",
			a.source, a.dest);
		source_close(src);
		cli_context_done(&ctx);
		return 0;
	}
	if (r == 0)
		r = dest_open(dst_name, &a.dst, &ctx, &dst, err);
	/* only what a registry has again may wait for the disk in the store */
	if (r == 0)
		dst->refetchable = src_name->kind == TRANSPORT_DOCKER;
	if (r == 0 && a.additional_tags)
		dst->extra_tags = TAKE_PTR(a_->additional_tags);
	if (r == 0 && a.format && strcmp(a.format, "oci") == 0 && a.copy.preserve_digests)
		r = cli_usage(err,
			      "%s: --format oci converts manifests, which "
			      "--preserve-digests forbids",
			      cmd);
	if (r == 0 && a.format && strcmp(a.format, "oci") == 0)
		dst->wants_oci = true;
	if (r == 0 && a.format && strcmp(a.format, "v2s2") == 0) {
		dst->wants_oci = false;
		a.copy.want_docker = true;
	}
	/* like skopeo: registries and OCI layouts get gzip layers, not plain tars */
	if (r == 0 && !a.copy.compress_format && !a.copy.preserve_digests &&
	    dst->compress_uncompressed &&
	    !(a.accept_uncompressed && dst_name->kind != TRANSPORT_DOCKER)) {
		a.copy.compress_format = "gzip";
		a.copy.only_uncompressed = true;
	}
	if (r == 0 && !a.remove_signatures &&
	    (dst_name->kind == TRANSPORT_DIR || dst_name->kind == TRANSPORT_DOCKER))
		r = source_signatures(src, &src_sigs, &n_src_sigs, src_digest, err);
	if (r == 0)
		r = copy_image(src, dst, &a.copy, digest, err);
	if (r == 0 && n_src_sigs > 0 && strcmp(src_digest, digest) != 0)
		log_warning("%zu signature(s) not copied: the manifest written is another",
			    n_src_sigs);
	else if (r == 0 && n_src_sigs > 0)
		r = copy_signatures(g, dst_name, src_sigs, n_src_sigs, digest, err);
	sig_blobs_free(src_sigs, n_src_sigs);
	if (r == 0 && a.sign_by)
		r = sign_copy(&a, dst_name, &sign, digest, err);
	progress_done(&a.progress);
	if (r == 0 && dst && dst->image_id)
		image_id = xasprintf("sha256:%s", dst->image_id);
	dest_free(dst, r == 0);
	source_close(src);
	cli_context_done(&ctx);
	if (r == 0 && a.digestfile)
		r = write_digestfile("--digestfile", a.digestfile, digest, err);
	if (r == 0 && a.iidfile && image_id)
		r = write_digestfile("--iidfile", a.iidfile, image_id, err);
	if (r == 0)
		progress_copied(&a.progress, digest, image_id);
	return r < 0 ? r : 0;
}

int cmd_copy(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct copy_args a = { 0 };
	int r = copy_parse(argc, argv, copy_usage, &a, err);

	if (r == 0)
		r = copy_one(g, &a, a.source, a.dest, err);
	pea_strv_free(a.additional_tags);
	return r;
}
