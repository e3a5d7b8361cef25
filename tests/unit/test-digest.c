#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/error.h"
#include "tests/unit/tap.h"

#define EMPTY256 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC256	 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define ABC512                                                                                    \
	"sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a8" \
	"36ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
#define MILLION_A256 "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static void test_validate(void)
{
	static const char *const bad[] = {
		"",
		"sha256",
		"sha256:",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"md5:d41d8cd98f00b204e9800998ecf8427e",
		"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
		"sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	};
	_cleanup_error_ struct pea_error *err = NULL;
	bool all_bad = true;

	tap_ok(pea_digest_is_valid(EMPTY256), "sha256 digest is valid");
	tap_ok(pea_digest_is_valid(ABC512), "sha512 digest is valid");
	tap_ok(!pea_digest_is_valid(NULL), "NULL is not valid");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (pea_digest_is_valid(bad[i])) {
			tap_diag("accepted '%s'", bad[i]);
			all_bad = false;
		}
	tap_ok(all_bad, "malformed digests are rejected");
	tap_is_int(pea_digest_validate(EMPTY256, "blob digest", &err), 0, "validate accepts");
	tap_is_int(pea_digest_validate("sha256:xyz", "blob digest", &err), -EINVAL,
		   "validate rejects with -EINVAL");
	tap_is_str(err ? err->message : "",
		   "blob digest 'sha256:xyz' is not a valid sha256 or sha512 digest",
		   "validate names what and the value");
	tap_is_str(pea_digest_hex(ABC256),
		   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "hex part");
	tap_is_str(pea_digest_hex("abc"), "abc", "hex part of a string without ':'");
}

static void test_hash(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_digest_ struct pea_digest d = { 0 };
	char out[PEA_DIGEST_MAX], chunk[1000];

	pea_digest_buffer(NULL, "", 0, out);
	tap_is_str(out, EMPTY256, "sha256 of nothing (default algorithm)");
	pea_digest_buffer("sha256", "abc", 3, out);
	tap_is_str(out, ABC256, "sha256 of abc");
	pea_digest_buffer("sha512", "abc", 3, out);
	tap_is_str(out, ABC512, "sha512 of abc");
	pea_digest_buffer("md5", "abc", 3, out);
	tap_is_str(out, "", "unknown algorithm gives an empty string");

	tap_is_int(pea_digest_init(&d, "sha256", &err), 0, "init sha256");
	memset(chunk, 'a', sizeof(chunk));
	for (int i = 0; i < 1000; i++)
		pea_digest_update(&d, chunk, sizeof(chunk));
	pea_digest_update(&d, NULL, 0);
	tap_ok(pea_digest_bytes(&d) == 1000000, "byte count of the stream");
	pea_digest_final(&d, out);
	tap_is_str(out, MILLION_A256, "streamed sha256 of a million 'a'");
	tap_ok(pea_digest_bytes(&d) == 0, "final restarts the byte count");
	pea_digest_update(&d, "a", 1);
	pea_digest_update(&d, "bc", 2);
	pea_digest_final(&d, out);
	tap_is_str(out, ABC256, "the digester is reusable after final");
	pea_digest_done(&d);
	pea_digest_done(&d);
	tap_ok(d.ctx == NULL, "done twice is harmless");

	tap_is_int(pea_digest_init(&d, "sha1", &err), -EINVAL, "unsupported algorithm");
	tap_is_str(err ? err->message : "", "unsupported digest algorithm 'sha1'",
		   "its error names the algorithm");
	err = pea_error_free(err);

	tap_is_int(pea_digest_verify_buffer("abc", 3, ABC256, "manifest", &err), 0,
		   "verify sha256");
	tap_is_int(pea_digest_verify_buffer("abc", 3, ABC512, "manifest", &err), 0,
		   "verify uses the algorithm of the expected digest");
	tap_is_int(pea_digest_verify_buffer("abd", 3, ABC256, "manifest", &err), -EBADMSG,
		   "verify detects a mismatch");
	tap_ok(err && strstr(err->message,
			     "manifest: digest mismatch: expected '" ABC256 "', got 'sha256:"),
	       "mismatch names what and both digests");
}

static void test_fd(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	char path[] = "/tmp/test-digest-XXXXXX", out[PEA_DIGEST_MAX], chunk[1000];
	int fd = mkstemp(path);

	tap_ok(fd >= 0, "a temporary file");
	if (fd < 0)
		return;
	unlink(path);
	memset(chunk, 'a', sizeof(chunk));
	bool written = true;
	for (int i = 0; i < 1000; i++)
		written &= write(fd, chunk, sizeof(chunk)) == (ssize_t)sizeof(chunk);
	tap_ok(written, "a million 'a' written");
	tap_is_int(pea_digest_fd(NULL, fd, "the file", out, &err), 0, "digest of a file");
	tap_is_str(out, MILLION_A256, "a file's sha256 from offset 0, whatever its offset");
	tap_ok(lseek(fd, 0, SEEK_CUR) == 1000000, "its offset is left alone");
	tap_is_int(pea_digest_fd("sha1", fd, "the file", out, &err), -EINVAL,
		   "an unknown algorithm is refused");
	err = pea_error_free(err);
	close(fd);
	tap_ok(pea_digest_fd(NULL, fd, "the layer", out, &err) < 0 && err &&
		       strcmp(err->message, "read the layer: Bad file descriptor") == 0,
	       "a read error names what was read");
}

int main(void)
{
	tap_plan(32);
	test_validate();
	test_hash();
	test_fd();
	return tap_done();
}
