/* Docker references: normalisation, tags, digests, and what is refused. */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/digest.h"
#include "image/reference.h"
#include "image/transport.h"
#include "tests/unit/tap.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check_norm(const char *in, const char *want)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct image_reference *r = NULL;
	char *s = NULL;

	if (reference_parse(in, true, &r, &err) == 0) {
		reference_default_tag(r);
		s = reference_string(r);
	}
	tap_is_str(s, want, "'%s' -> '%s'", in, want);
	free(s);
	reference_free(r);
}

static void check_bad(const char *in, bool normalize, const char *fragment)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct image_reference *r = NULL;
	int rc = reference_parse(in, normalize, &r, &err);

	tap_ok(rc < 0 && err && strstr(err->message, fragment), "'%s' refused (%s)", in,
	       err ? err->message : "accepted");
	reference_free(r);
}

int main(void)
{
	tap_plan(30);
	check_norm("busybox", "docker.io/library/busybox:latest");
	check_norm("busybox:1.36", "docker.io/library/busybox:1.36");
	check_norm("library/busybox", "docker.io/library/busybox:latest");
	check_norm("user/app", "docker.io/user/app:latest");
	check_norm("docker.io/busybox", "docker.io/library/busybox:latest");
	check_norm("index.docker.io/busybox:x", "docker.io/library/busybox:x");
	check_norm("quay.io/a/b/c:v", "quay.io/a/b/c:v");
	check_norm("localhost/x", "localhost/x:latest");
	check_norm("localhost:5000/x", "localhost:5000/x:latest");
	check_norm("127.0.0.1:5000/a/b@sha256:" HEX64, "127.0.0.1:5000/a/b@sha256:" HEX64);
	check_norm("a.io/b:t@sha256:" HEX64, "a.io/b:t@sha256:" HEX64);
	check_norm("[::1]:5000/x", "[::1]:5000/x:latest");
	check_norm("a.io/x__y.z-w---v", "a.io/x__y.z-w---v:latest");
	check_bad("", true, "empty");
	check_bad("Busybox", true, "lowercase");
	check_bad("a.io/B/c", true, "lowercase");
	check_bad("busybox:", true, "invalid tag");
	check_bad("busybox:-x", true, "invalid tag");
	check_bad("busybox@sha256:abc", true, "not a valid");
	check_bad("busybox@md5:" HEX64, true, "not a valid");
	check_bad(HEX64, true, "image ID");
	check_bad("busybox", false, "no registry");
	check_bad("a.io//b", true, "bad repository");
	check_bad("a.io/b_", true, "bad repository");
	check_bad("a..io/b", true, "bad registry");
	check_bad("a.io:99999999/b", true, "bad registry");
	check_bad("a.io/b:tag:tag", true, "bad repository");

	{
		_cleanup_error_ struct pea_error *err = NULL;
		struct image_name *n = NULL;

		tap_ok(image_name_parse("oci:/tmp/x:tag", &n, &err) == 0 && n->path &&
			       strcmp(n->path, "/tmp/x") == 0 && strcmp(n->tag, "tag") == 0,
		       "oci:PATH:TAG");
		image_name_free(n);
		n = NULL;
		tap_ok(image_name_parse("docker-archive:/a.tar:@2", &n, &err) == 0 &&
			       n->archive_index == 2,
		       "docker-archive:PATH:@N");
		image_name_free(n);
		n = NULL;
		tap_ok(image_name_parse("ftp://x", &n, &err) < 0 &&
			       strstr(err->message, "unknown transport 'ftp'"),
		       "unknown transport refused");
	}
	return tap_done();
}
