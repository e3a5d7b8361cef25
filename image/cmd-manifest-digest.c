#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "image/cli.h"
#include "lib/digest.h"
#include "image/registry.h"

static const char manifest_digest_usage[] = "Usage: pea-image manifest-digest MANIFEST-FILE\n"
					    "\n"
					    "Print the digest of a manifest file.\n";

int cmd_manifest_digest(const struct global_options *g, int argc, char **argv,
			struct pea_error **err)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	_cleanup_free_ char *buf = NULL;
	char digest[PEA_DIGEST_MAX];
	size_t len = 0;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(manifest_digest_usage, stdout);
			return 1;
		}
		return cli_usage(err, "manifest-digest: unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 1)
		return cli_usage(err, "manifest-digest: expected one MANIFEST-FILE");
	if (pea_read_file_at(AT_FDCWD, argv[optind], MANIFEST_MAX, &buf, &len, err) < 0)
		return pea_error_wrap(err, "manifest-digest");
	pea_digest_buffer("sha256", buf, len, digest);
	printf("%s\n", digest);
	return 0;
}
