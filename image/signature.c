#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/reference.h"
#include "image/signature.h"

void signed_by_clear(struct signed_by *sb)
{
	pea_strv_free(sb->key_paths);
	free(sb->key_data);
	free(sb->identity);
	memset(sb, 0, sizeof(*sb));
}

void sig_policy_clear(struct sig_policy *p)
{
	for (size_t i = 0; i < p->n; i++)
		signed_by_clear(&p->reqs[i]);
	free(p->reqs);
	memset(p, 0, sizeof(*p));
}

void sig_blobs_free(struct sig_blob *b, size_t n)
{
	for (size_t i = 0; b && i < n; i++)
		free(b[i].data);
	free(b);
}

static int decode_key_data(const char *b64, struct signed_by *ret, const char *path,
			   struct pea_error **err)
{
	size_t len = strlen(b64);
	int n;

	if (len == 0 || len % 4 || len > SIGNATURE_KEY_MAX)
		return pea_error_new(err, EINVAL, "policy: '%s.keyData' is not base64", path);
	ret->key_data = xmalloc(len / 4 * 3 + 1);
	n = EVP_DecodeBlock((unsigned char *)ret->key_data, (const unsigned char *)b64, (int)len);
	if (n < 0)
		return pea_error_new(err, EINVAL, "policy: '%s.keyData' is not base64", path);
	/* EVP_DecodeBlock counts the padding as bytes */
	for (size_t i = len; i > 0 && b64[i - 1] == '='; i--)
		n--;
	ret->key_data_len = (size_t)n;
	return 0;
}

static int parse_identity(struct json_object *o, const char *path, struct signed_by *ret,
			  struct pea_error **err)
{
	static const struct {
		const char *name;
		enum identity_match match;
		const char *field;
	} kinds[] = {
		{ "matchRepoDigestOrExact", MATCH_REPO_DIGEST_OR_EXACT, NULL },
		{ "matchExact", MATCH_EXACT, NULL },
		{ "matchRepository", MATCH_REPOSITORY, NULL },
		{ "exactReference", EXACT_REFERENCE, "dockerReference" },
		{ "exactRepository", EXACT_REPOSITORY, "dockerRepository" },
	};
	_cleanup_free_ char *where = xasprintf("%s.signedIdentity", path);
	const char *type = NULL, *value = NULL;

	if (pea_json_expect_object(o, where, err) < 0 ||
	    pea_json_get_string_req(o, where, "type", &type, err) < 0)
		return pea_error_wrap(err, "policy");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(type, kinds[i].name) != 0)
			continue;
		ret->match = kinds[i].match;
		if (!kinds[i].field)
			return 0;
		if (pea_json_get_string_req(o, where, kinds[i].field, &value, err) < 0)
			return pea_error_wrap(err, "policy");
		ret->identity = xstrdup(value);
		return 0;
	}
	return pea_error_new(err, ENOTSUP, "policy: '%s': signedIdentity '%s' is not supported",
			     where, type);
}

int signed_by_parse(struct json_object *o, const char *path, struct signed_by *ret,
		    struct pea_error **err)
{
	const char *key_type = NULL, *key_path = NULL, *key_data = NULL;
	struct json_object *identity = NULL;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (pea_json_get_string_req(o, path, "keyType", &key_type, err) < 0 ||
	    pea_json_get_string_opt(o, path, "keyPath", &key_path, err) < 0 ||
	    pea_json_get_strv_opt(o, path, "keyPaths", &ret->key_paths, err) < 0 ||
	    pea_json_get_string_opt(o, path, "keyData", &key_data, err) < 0)
		return pea_error_wrap(err, "policy");
	if (strcmp(key_type, "GPGKeys") != 0)
		return pea_error_new(err, ENOTSUP,
				     "policy: '%s': keyType '%s' is not supported (GPGKeys)", path,
				     key_type);
	if (!!key_path + !!ret->key_paths + !!key_data != 1)
		return pea_error_new(err, EINVAL,
				     "policy: '%s': exactly one of keyPath, keyPaths and keyData "
				     "is needed",
				     path);
	if (key_path)
		pea_strv_push(&ret->key_paths, key_path);
	if (key_data)
		r = decode_key_data(key_data, ret, path, err);
	if (r == 0 && json_object_object_get_ex(o, "signedIdentity", &identity))
		r = parse_identity(identity, path, ret, err);
	return r;
}

/* ---- the payload ---------------------------------------------------------------- */

static int get_object_req(struct json_object *o, const char *path, const char *key,
			  struct json_object **ret, struct pea_error **err)
{
	if (pea_json_get_object_opt(o, path, key, ret, err) < 0)
		return -EINVAL;
	if (!*ret) {
		_cleanup_free_ char *where = pea_json_path_key(path, key);

		return pea_error_new(err, EINVAL, "'%s' is missing", where);
	}
	return 0;
}

/* "host/path[:tag][@digest]" of a reference given in full (no normalisation). */
static int parse_full_reference(const char *s, const char *what, struct image_reference **ret,
				struct pea_error **err)
{
	if (reference_parse(s, false, ret, err) < 0)
		return pea_error_wrap(err, "%s '%s'", what, s);
	return 0;
}

static bool same_repository(const struct image_reference *a, const struct image_reference *b)
{
	return strcmp(a->domain, b->domain) == 0 && strcmp(a->path, b->path) == 0;
}

static bool same_reference(const struct image_reference *a, const struct image_reference *b)
{
	_cleanup_free_ char *x = reference_string(a), *y = reference_string(b);

	return strcmp(x, y) == 0;
}

/* signedIdentity: does the signature's reference fit the image (or the policy's)? */
static int check_identity(const struct signed_by *req, const char *signed_ref,
			  const struct image_reference *ref, struct pea_error **err)
{
	_cleanup_(reference_free_p) struct image_reference *sig = NULL, *want = NULL;
	bool ok = false;

	if (parse_full_reference(signed_ref, "the signed identity", &sig, err) < 0)
		return -EINVAL;
	switch (req->match) {
	case EXACT_REFERENCE:
	case EXACT_REPOSITORY:
		if (parse_full_reference(req->identity, "the policy's identity", &want, err) < 0)
			return -EINVAL;
		ok = req->match == EXACT_REFERENCE ? same_reference(sig, want)
						   : same_repository(sig, want);
		break;
	case MATCH_EXACT:
	case MATCH_REPO_DIGEST_OR_EXACT:
	case MATCH_REPOSITORY:
	default:
		if (!ref)
			return pea_error_new(err, EACCES,
					     "the image has no Docker reference to match the "
					     "signed identity '%s' against (use an exactReference "
					     "signedIdentity)",
					     signed_ref);
		if (req->match == MATCH_REPOSITORY ||
		    (req->match == MATCH_REPO_DIGEST_OR_EXACT && ref->digest))
			ok = same_repository(sig, ref);
		else
			ok = !ref->digest && same_reference(sig, ref);
		break;
	}
	if (!ok)
		return pea_error_new(err, EACCES,
				     "Signature for identity %s is not accepted (it names another "
				     "image)",
				     signed_ref);
	return 0;
}

int signature_check_payload(const struct signed_by *req, const char *payload, size_t len,
			    const char *manifest_digest, const struct image_reference *ref,
			    struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	struct json_object *critical = NULL, *image = NULL, *identity = NULL;
	const char *type = NULL, *digest = NULL, *signed_ref = NULL;
	char got[PEA_DIGEST_MAX];

	if (pea_json_parse(payload, len, "signature payload", &doc, err) < 0 ||
	    pea_json_expect_object(doc, "signature payload", err) < 0 ||
	    get_object_req(doc, "", "critical", &critical, err) < 0 ||
	    pea_json_get_string_req(critical, "critical", "type", &type, err) < 0 ||
	    get_object_req(critical, "critical", "image", &image, err) < 0 ||
	    pea_json_get_string_req(image, "critical.image", "docker-manifest-digest", &digest,
				    err) < 0 ||
	    get_object_req(critical, "critical", "identity", &identity, err) < 0 ||
	    pea_json_get_string_req(identity, "critical.identity", "docker-reference", &signed_ref,
				    err) < 0)
		return -EINVAL;
	if (strcmp(type, SIGNATURE_TYPE) != 0)
		return pea_error_new(err, EINVAL, "not an '%s' but '%s'", SIGNATURE_TYPE, type);
	if (pea_digest_validate(digest, "the signed manifest digest", err) < 0)
		return -EINVAL;
	snprintf(got, sizeof(got), "%s", manifest_digest);
	if (strcmp(digest, got) != 0)
		return pea_error_new(err, EACCES, "the signature is for manifest '%s', not '%s'",
				     digest, manifest_digest);
	return check_identity(req, signed_ref, ref, err);
}
