#pragma once

/* sha256 over a stream, as the "sha256:<hex>" digests of the OCI image spec. */

#include <stddef.h>
#include <stdint.h>

struct digest;

struct digest *digest_new(void);
void digest_update(struct digest *d, const void *data, size_t len);
/* "sha256:<64 hex>" (new string); the digest cannot be updated afterwards. */
char *digest_final(struct digest *d);
struct digest *digest_free(struct digest *d);
/* Bytes fed so far. */
uint64_t digest_bytes(const struct digest *d);

/* Digest of a buffer, "sha256:<hex>". */
char *digest_buffer(const void *data, size_t len);
