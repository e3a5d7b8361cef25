/* Manifests: media types, schema 1, platform selection; digests; auth encoding. */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "image/auth.h"
#include "image/blob.h"
#include "image/copy.h"
#include "lib/digest.h"
#include "image/manifest.h"
#include "tests/unit/tap.h"

#define D1 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define D2 "sha256:1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char index_json[] =
	"{\"schemaVersion\":2,\"manifests\":["
	"{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":10,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}},"
	"{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":11,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}}]}";

static int parse(const char *s, struct manifest **m, char **msg)
{
	_cleanup_error_ struct pea_error *err = NULL;
	int r = manifest_parse(s, strlen(s), NULL, m, &err);

	*msg = r < 0 ? strdup(err->message) : NULL;
	return r;
}

int main(void)
{
	struct manifest *m = NULL;
	char *msg = NULL;
	const struct descriptor *d = NULL;
	_cleanup_error_ struct pea_error *err = NULL;

	tap_plan(17);
	tap_ok(parse(index_json, &m, &msg) == 0 && m->is_index && m->nmanifests == 2,
	       "an index without mediaType is recognised");
	tap_ok(manifest_select(m, "linux", "arm", "v7", &d, &err) == 0 &&
		       strcmp(d->digest, D2) == 0,
	       "variant v7 selected");
	tap_ok(manifest_select(m, "linux", "arm", "v5", &d, &err) < 0 &&
		       strstr(err->message, "variant \"v5\""),
	       "no v5");
	pea_error_release(&err);
	tap_ok(manifest_select(m, "windows", "arm", NULL, &d, &err) < 0, "no windows");
	pea_error_release(&err);
	m = manifest_free(m);
	tap_ok(parse("{\"schemaVersion\":1,\"fsLayers\":[]}", &m, &msg) < 0 &&
		       strstr(msg, "schema 1"),
	       "schema 1 refused");
	free(msg);
	tap_ok(parse("{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_S1_SIGNED "\"}", &m, &msg) <
			       0 &&
		       strstr(msg, "schema 1"),
	       "signed schema 1 refused");
	free(msg);
	tap_ok(parse("{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":-1}}", &m,
		     &msg) < 0 &&
		       strstr(msg, "'config.size' is negative"),
	       "negative size refused");
	free(msg);
	tap_ok(parse("{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":1},"
		     "\"layers\":[{\"digest\":\"sha256:../../etc\",\"size\":1}]}",
		     &m, &msg) < 0 &&
		       strstr(msg, "layers[0].digest"),
	       "a digest that is a path refused");
	free(msg);
	tap_ok(parse("{\"schemaVersion\":2,\"mediaType\":\"text/plain\"}", &m, &msg) < 0 &&
		       strstr(msg, "unsupported manifest media type"),
	       "unknown media type refused");
	free(msg);
	tap_ok(parse("[1,2]", &m, &msg) < 0, "not an object");
	free(msg);
	{
		const char v2[] = "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST
				  "\",\"config\":{\"mediaType\":\"" MT_DOCKER_CONFIG
				  "\",\"size\":3,\"digest\":\"" D1
				  "\"},\"layers\":[{\"mediaType\":\"" MT_DOCKER_LAYER
				  "\",\"size\":4,\"digest\":\"" D2 "\"}]}";
		char *out = NULL, *type = NULL;
		size_t len = 0;

		tap_ok(manifest_to_oci(v2, strlen(v2), MT_DOCKER_MANIFEST, &out, &len, &type,
				       &err) == 0 &&
			       strcmp(out, "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST
					   "\",\"config\":{\"mediaType\":\"" MT_OCI_CONFIG
					   "\",\"digest\":\"" D1 "\",\"size\":3},\"layers\":[{"
					   "\"mediaType\":\"" MT_OCI_LAYER_GZIP
					   "\",\"digest\":\"" D2 "\",\"size\":4}]}") == 0,
		       "schema 2 -> OCI in Go's field order");
		free(out);
		free(type);
	}
	tap_ok(pea_digest_is_valid(D1) && !pea_digest_is_valid("sha256:ABC") &&
		       !pea_digest_is_valid("sha256:0123") && !pea_digest_is_valid(NULL),
	       "digest validation");
	{
		char *b64 = auth_encode("user", "p:ss");
		struct credentials c = { 0 };

		tap_ok(auth_decode(b64, &c, &err) == 0 && strcmp(c.user, "user") == 0 &&
			       strcmp(c.password, "p:ss") == 0,
		       "auth round trip (%s)", b64);
		credentials_clear(&c);
		free(b64);
		tap_ok(auth_decode("!!!!", &c, &err) < 0, "bad base64 refused");
		pea_error_release(&err);
	}
	{
		char *k = auth_normalize_key("https://index.docker.io/v1/");

		tap_is_str(k, "docker.io", "docker's legacy key");
		free(k);
	}
	{
		struct blob_sink s;

		blob_sink_init(&s, -1, D1, 3, 16, &err);
		tap_ok(blob_sink_write(&s, "abcd", 4, &err) < 0 && strstr(err->message, "larger"),
		       "a blob over its size is refused while streaming");
		pea_error_release(&err);
		blob_sink_write(&s, "abc", 3, &err);
		tap_ok(blob_sink_finish(&s, "blob", &err) < 0 && strstr(err->message, "mismatch"),
		       "digest mismatch at the end");
		blob_sink_done(&s);
	}
	return tap_done();
}
