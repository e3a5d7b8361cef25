/*
 * The payload of a simple signing signature (what gpg's signature holds) and the
 * signedBy requirement of a policy: both come from outside.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "image/reference.h"
#include "image/signature.h"
#include "tests/fuzz/fuzz.h"

#define DIGEST "sha256:0cce97b698084d58010c724b6331518f892aeaf9bfbff7cc6a1bc44a3d38a4f9"

static void check(const struct signed_by *req, const uint8_t *data, size_t size,
		  const struct image_reference *ref)
{
	_cleanup_error_ struct pea_error *err = NULL;

	signature_check_payload(req, (const char *)data, size, DIGEST, ref, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_reference *tag = NULL, *digest = NULL;
	struct signed_by reqs[5] = { 0 };
	struct json_object *doc = NULL;

	if (size > 65536)
		return 0;
	reference_parse("docker.io/library/busybox:latest", false, &tag, NULL);
	reference_parse("docker.io/library/busybox@" DIGEST, false, &digest, NULL);
	reqs[0].match = MATCH_REPO_DIGEST_OR_EXACT;
	reqs[1].match = MATCH_EXACT;
	reqs[2].match = MATCH_REPOSITORY;
	reqs[3].match = EXACT_REFERENCE;
	reqs[3].identity = (char *)"docker.io/library/busybox:latest";
	reqs[4].match = EXACT_REPOSITORY;
	reqs[4].identity = (char *)"docker.io/library/busybox";
	for (size_t i = 0; i < 5; i++) {
		check(&reqs[i], data, size, tag);
		check(&reqs[i], data, size, digest);
		check(&reqs[i], data, size, NULL);
	}
	/* the same bytes as a policy's signedBy requirement */
	doc = json_tokener_parse(
		(const char *)(size && !data[size - 1] ? data : (const uint8_t *)""));
	if (doc && json_object_is_type(doc, json_type_object)) {
		_cleanup_error_ struct pea_error *err = NULL;
		struct signed_by sb;

		signed_by_parse(doc, "default[0]", &sb, &err);
		signed_by_clear(&sb);
	}
	json_object_put(doc);
	reference_free(tag);
	reference_free(digest);
	return 0;
}
