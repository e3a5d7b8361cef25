/* standalone-sign, standalone-verify: simple signing without an image, as skopeo's. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/cli.h"
#include "image/registry.h"
#include "image/signature.h"
#include "image/transport.h"

static const char sign_usage[] =
	"Usage: pea-image standalone-sign MANIFEST DOCKER-REFERENCE KEY-FINGERPRINT -o SIGNATURE\n"
	"\n"
	"Sign MANIFEST for DOCKER-REFERENCE with a key of the user's GPG keyring.\n"
	"\n"
	"  -o, --output=PATH            where the signature goes\n"
	"      --passphrase-file=PATH   the key's passphrase: the file's first line\n";

static const char verify_usage[] =
	"Usage: pea-image standalone-verify [--public-key-file=FILE] MANIFEST DOCKER-REFERENCE\n"
	"       KEY-FINGERPRINTS SIGNATURE\n"
	"\n"
	"Check that SIGNATURE signs MANIFEST for DOCKER-REFERENCE with one of the keys\n"
	"KEY-FINGERPRINTS (comma-separated; \"any\" with --public-key-file) of the user's\n"
	"GPG keyring, or of FILE.\n";

int cmd_standalone_sign(const struct global_options *g, int argc, char **argv,
			struct pea_error **err)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' },
					      { "passphrase-file", required_argument, NULL, 'p' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	_cleanup_free_ char *manifest = NULL, *sig = NULL, *passphrase = NULL;
	const char *output = NULL, *passphrase_file = NULL;
	size_t len = 0, sig_len = 0;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(sign_usage, stdout);
			return 1;
		}
		if (c == 'p') {
			passphrase_file = optarg;
			continue;
		}
		if (c != 'o')
			return cli_usage(err, "standalone-sign: unknown option '%s'",
					 argv[optind - 1]);
		output = optarg;
	}
	if (argc - optind != 3)
		return cli_usage(err, "standalone-sign: expected MANIFEST DOCKER-REFERENCE "
				      "KEY-FINGERPRINT");
	if (!output)
		return cli_usage(err, "standalone-sign: --output is required");
	if (pea_read_file_at(AT_FDCWD, argv[optind], MANIFEST_MAX, &manifest, &len, err) < 0)
		return pea_error_wrap(err, "standalone-sign");
	if (passphrase_file && signature_read_passphrase(passphrase_file, &passphrase, err) < 0)
		return pea_error_wrap(err, "standalone-sign: --passphrase-file");
	gpg_helpers_adopt();
	r = signature_sign(manifest, len, argv[optind + 1], argv[optind + 2], passphrase, &sig,
			   &sig_len, err);
	gpg_helpers_reap();
	if (passphrase)
		explicit_bzero(passphrase, strlen(passphrase));
	if (r < 0)
		return pea_error_wrap(err, "standalone-sign");
	if (cli_write_output(output, sig, sig_len, err) < 0)
		return pea_error_wrap(err, "standalone-sign");
	return 0;
}

int cmd_standalone_verify(const struct global_options *g, int argc, char **argv,
			  struct pea_error **err)
{
	static const struct option opts[] = { { "public-key-file", required_argument, NULL, 'k' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	_cleanup_free_ char *manifest = NULL, *fpr = NULL, *home = NULL;
	_cleanup_strv_ char **fprs = NULL;
	struct sig_blob sig = { 0 };
	const char *key_file = NULL;
	char digest[PEA_DIGEST_MAX];
	size_t len = 0;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(verify_usage, stdout);
			return 1;
		}
		if (c != 'k')
			return cli_usage(err, "standalone-verify: unknown option '%s'",
					 argv[optind - 1]);
		key_file = optarg;
	}
	if (argc - optind != 4)
		return cli_usage(err, "standalone-verify: expected MANIFEST DOCKER-REFERENCE "
				      "KEY-FINGERPRINTS SIGNATURE");
	fprs = pea_strv_split(argv[optind + 2], ",");
	if (!fprs || !fprs[0] || (!key_file && strcmp(fprs[0], "any") == 0))
		return cli_usage(err, "standalone-verify: no KEY-FINGERPRINTS (\"any\" needs "
				      "--public-key-file)");
	if (pea_read_file_at(AT_FDCWD, argv[optind], MANIFEST_MAX, &manifest, &len, err) < 0 ||
	    pea_read_file_at(AT_FDCWD, argv[optind + 3], SIGNATURE_MAX, &sig.data, &sig.len, err) <
		    0)
		return pea_error_wrap(err, "standalone-verify");
	r = key_file ? make_temp_dir(NULL, "gnupg", &home, err) : 0;
	if (r == 0 && home)
		r = keyring_home(home, err);
	if (r == 0) {
		gpg_helpers_adopt();
		r = signature_verify_standalone(manifest, len, argv[optind + 1], fprs, key_file,
						home, &sig, &fpr, digest, err);
		gpg_helpers_reap();
	}
	if (home)
		pea_rm_rf_at(AT_FDCWD, home, NULL);
	free(sig.data);
	if (r < 0)
		return pea_error_wrap(err, "standalone-verify");
	/* skopeo 1.9's words (newer ones add the fingerprint) */
	printf("Signature verified, digest %s\n", digest);
	log_debug("signed by %s", fpr);
	return 0;
}
