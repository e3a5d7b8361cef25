#pragma once

/*
 * containers-policy.json(5)'s signedBy with GPG keys: "simple signing"
 * signatures (an OpenPGP-signed JSON payload, "atomic container signature")
 * of the top-level manifest, checked with gpgme against the policy's keys
 * only (a keyring of its own in a temp folder), then the payload's manifest
 * digest and identity against the image (signedIdentity).
 */

#include <stdbool.h>
#include <stddef.h>

struct pea_error;
struct json_object;
struct image_reference;

#define SIGNATURE_MAX	  (4u << 20)
#define SIGNATURES_MAX	  64
#define SIGNATURE_KEY_MAX (4u << 20)

enum identity_match {
	MATCH_REPO_DIGEST_OR_EXACT, /* the default */
	MATCH_EXACT,
	MATCH_REPOSITORY,
	EXACT_REFERENCE,
	EXACT_REPOSITORY,
};

struct signed_by {
	char **key_paths;
	char *key_data; /* the keys themselves (keyData, decoded) */
	size_t key_data_len;
	enum identity_match match;
	char *identity; /* exactReference's dockerReference, exactRepository's dockerRepository */
};

struct sig_policy {
	struct signed_by *reqs;
	size_t n;
};

struct sig_blob {
	char *data;
	size_t len;
};

/* One signedBy requirement of a policy (path names it in errors). */
int signed_by_parse(struct json_object *o, const char *path, struct signed_by *ret,
		    struct pea_error **err);
void signed_by_clear(struct signed_by *sb);
void sig_policy_clear(struct sig_policy *p);

/*
 * Every requirement must accept at least one of the signatures: signed by one
 * of its keys, for manifest_digest, with an identity that matches ref (the
 * image's Docker reference, NULL for transports that have none). what names
 * the image in errors; home is an empty folder for the keyring (GNUPGHOME).
 */
int signature_check(const struct sig_policy *p, const struct sig_blob *sigs, size_t nsigs,
		    const char *manifest_digest, const struct image_reference *ref,
		    const char *what, const char *home, struct pea_error **err);

/* The payload's checks alone (no OpenPGP), for tests and the fuzz target. */
int signature_check_payload(const struct signed_by *req, const char *payload, size_t len,
			    const char *manifest_digest, const struct image_reference *ref,
			    struct pea_error **err);

void sig_blobs_free(struct sig_blob *b, size_t n);
