#pragma once

/* Content digests ("sha256:<64 hex>", "sha512:<128 hex>") with OpenSSL. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pea_error;
struct evp_md_ctx_st;

#define DIGEST_MAX 140 /* "sha512:" + 128 hex + NUL */

/* A running hash of the algorithm of an expected digest. */
struct digester {
	struct evp_md_ctx_st *ctx;
	char algo[8]; /* "sha256" or "sha512" */
};

/* Is s a well-formed digest of a supported algorithm (lower-case hex)? */
bool digest_is_valid(const char *s);
/* Check s, with an error naming what ("manifest digest '...' is malformed"). */
int digest_validate(const char *s, const char *what, struct pea_error **err);
/* The hex part of a digest (after ':'). */
const char *digest_hex(const char *digest);

int digester_init(struct digester *d, const char *algo, struct pea_error **err);
void digester_update(struct digester *d, const void *buf, size_t len);
/* Write "algo:hex" into out (DIGEST_MAX bytes) and reset the context for reuse. */
void digester_final(struct digester *d, char out[DIGEST_MAX]);
void digester_done(struct digester *d);

/* Digest of a buffer (algo "sha256" when NULL). */
void digest_buffer(const char *algo, const void *buf, size_t len, char out[DIGEST_MAX]);
/* Verify buf against want; an error names what and both digests. */
int digest_verify_buffer(const void *buf, size_t len, const char *want, const char *what,
			 struct pea_error **err);
