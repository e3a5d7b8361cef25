#pragma once

/*
 * Content digests ("sha256:<64 hex>", "sha512:<128 hex>") over OpenSSL's libcrypto,
 * as the OCI image spec writes them. A binary that calls these links libcrypto.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pea_error;
struct evp_md_ctx_st;

#define PEA_DIGEST_MAX 136 /* "sha512:" + 128 hex + NUL */

/* A running hash. Zero-initialised it is safe to pea_digest_done(). */
struct pea_digest {
	struct evp_md_ctx_st *ctx;
	uint64_t bytes; /* fed since init or the last final */
	char algo[8];	/* "sha256" or "sha512" */
};

/* Is s a well-formed digest of a supported algorithm (lower-case hex)? */
bool pea_digest_is_valid(const char *s);
/* Check s, with an error naming what ("blob digest 'x' is not a valid ... digest"). */
int pea_digest_validate(const char *s, const char *what, struct pea_error **err);
/* The hex part of a digest (after ':'); the string itself when it has no ':'. */
const char *pea_digest_hex(const char *digest);

/* Start a hash of algo ("sha256" or "sha512"). */
int pea_digest_init(struct pea_digest *d, const char *algo, struct pea_error **err);
void pea_digest_update(struct pea_digest *d, const void *buf, size_t len);
/* Bytes fed since init or the last final. */
uint64_t pea_digest_bytes(const struct pea_digest *d);
/* Write "algo:hex" into out and restart the hash (byte count 0) for reuse. */
void pea_digest_final(struct pea_digest *d, char out[PEA_DIGEST_MAX]);
/* Free the context; the struct may be initialised again. */
void pea_digest_done(struct pea_digest *d);
#define _cleanup_digest_ __attribute__((cleanup(pea_digest_done)))

/* Digest of a buffer (algo "sha256" when NULL; out is "" for an unknown algo). */
void pea_digest_buffer(const char *algo, const void *buf, size_t len, char out[PEA_DIGEST_MAX]);
/*
 * Digest of a whole file: fd read from offset 0 to its end with pread (its own offset is
 * left alone). Errors: an unknown algo, a read error (naming what).
 */
int pea_digest_fd(const char *algo, int fd, const char *what, char out[PEA_DIGEST_MAX],
		  struct pea_error **err);
/* Verify buf against want (its algorithm is want's); an error names what and both digests. */
int pea_digest_verify_buffer(const void *buf, size_t len, const char *want, const char *what,
			     struct pea_error **err);
