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

#include "lib/digest.h"

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

#define SIGNATURE_TYPE "atomic container signature"

/* A keyring folder's gpg.conf: gpg must not start a gpg-agent that would outlive us. */
int keyring_home(const char *home, struct pea_error **err);
/*
 * Around gpgme calls: gpgme starts gpg detached, so its processes are adopted
 * (a child subreaper) and reaped after; no other child may run meanwhile.
 */
void gpg_helpers_adopt(void);
void gpg_helpers_reap(void);

#define SIGNATURE_PASSPHRASE_MAX (64 * 1024)
/* A passphrase file's first line (--passphrase-file, --sign-passphrase-file), as skopeo's. */
int signature_read_passphrase(const char *path, char **ret, struct pea_error **err);
/*
 * standalone-sign: a signature of the manifest for docker_ref by the user's key
 * fingerprint; passphrase (NULL or "": none) given to gpg in loopback pinentry mode.
 */
int signature_sign(const char *manifest, size_t len, const char *docker_ref,
		   const char *fingerprint, const char *passphrase, char **ret, size_t *ret_len,
		   struct pea_error **err);
/* The same for a manifest digest (copy --sign-by). */
int signature_sign_digest(const char *digest, const char *docker_ref, const char *fingerprint,
			  const char *passphrase, char **ret, size_t *ret_len,
			  struct pea_error **err);
/*
 * standalone-verify: sig signs the manifest for docker_ref (exactly), by one of
 * fingerprints ("any" with public_key_file) of the user's keyring, or of
 * public_key_file imported into the empty keyring home. The signer's
 * fingerprint and the manifest digest on success.
 */
int signature_verify_standalone(const char *manifest, size_t len, const char *docker_ref,
				char *const *fingerprints, const char *public_key_file,
				const char *home, const struct sig_blob *sig, char **ret_fpr,
				char ret_digest[PEA_DIGEST_MAX], struct pea_error **err);
