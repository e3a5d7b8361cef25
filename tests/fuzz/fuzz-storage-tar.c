/*
 * The layer applier over arbitrary bytes: plain, gzip or zstd tar streams. When the
 * stream applies and its tar-split record is complete, writing the tar back from the
 * record and the files must give the same diff id: anything else is a bug.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "storage/apply.h"
#include "storage/tarsplit.h"
#include "storage/tarverify.h"
#include "tests/fuzz/fuzz.h"

static void check_tarsplit(int split, int root, const struct apply_result *res)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_close_ int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	/* the after-crash check's header walk over the same bytes (its verdict is not
	 * asserted: vfs applies drop whiteouts, a replaced folder loses its entries) */
	const struct tarverify_options vo = { .opaque_xattr = "user.overlay.opaque" };
	struct tarverify *v = tarverify_new();

	lseek(split, 0, SEEK_SET);
	if (out < 0 ||
	    tarsplit_write_fed(split, root, res->diff_id, out, tarverify_feed, v, &err) < 0)
		abort();
	free(tarverify_finish(v, root, &vo));
	tarverify_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_close_ int in = memfd_create("layer", MFD_CLOEXEC);
	_cleanup_close_ int split = memfd_create("tar-split", MFD_CLOEXEC);
	_cleanup_close_ int root = -1;
	char tmp[] = "/tmp/fuzz-storage-tar.XXXXXX";
	struct apply_options o = {
		/* both whiteout forms; the user.* opaque xattr works without privileges */
		.mode = size % 2 ? APPLY_OVERLAY : APPLY_VFS,
		.opaque_xattr = "user.overlay.opaque",
		.ignore_chown_errors = true,
		.tarsplit_fd = split,
	};
	struct apply_result res = { 0 };

	log_set_level(LOG_LEVEL_ERROR);
	if (in < 0 || split < 0 || !mkdtemp(tmp))
		abort();
	if (size && write(in, data, size) != (ssize_t)size)
		abort();
	lseek(in, 0, SEEK_SET);
	root = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		abort();
	if (apply_tar_fd(in, root, &o, &res, &err) == 0) {
		if (res.tarsplit)
			check_tarsplit(split, root, &res);
		apply_result_clear(&res);
	}
	pea_error_release(&err);
	if (pea_rm_rf_at(AT_FDCWD, tmp, &err) < 0)
		abort();
	return 0;
}
