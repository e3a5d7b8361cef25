/* Plain driver for the fuzz targets: feed each file named on the command line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "tests/fuzz/fuzz.h"

int main(int argc, char *argv[])
{
	for (int i = 1; i < argc; i++) {
		_cleanup_error_ struct pea_error *err = NULL;
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;

		if (pea_read_file_at(AT_FDCWD, argv[i], 16u << 20, &buf, &len, &err) < 0) {
			fprintf(stderr, "replay: %s\n", err->message);
			return 1;
		}
		fprintf(stderr, "replay: %s (%zu bytes)\n", argv[i], len);
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	}
	return 0;
}
