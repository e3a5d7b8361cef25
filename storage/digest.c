#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "digest.h"

struct digest {
	EVP_MD_CTX *ctx;
	uint64_t bytes;
};

struct digest *digest_new(void)
{
	struct digest *d = xnew(struct digest, 1);

	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx || EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1)
		abort();
	return d;
}

void digest_update(struct digest *d, const void *data, size_t len)
{
	if (len == 0)
		return;
	if (EVP_DigestUpdate(d->ctx, data, len) != 1)
		abort();
	d->bytes += len;
}

uint64_t digest_bytes(const struct digest *d)
{
	return d->bytes;
}

char *digest_final(struct digest *d)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char *s;

	if (EVP_DigestFinal_ex(d->ctx, md, &n) != 1 || n != 32)
		abort();
	s = xmalloc(7 + 64 + 1);
	memcpy(s, "sha256:", 7);
	for (unsigned int i = 0; i < n; i++)
		snprintf(s + 7 + 2 * i, 3, "%02x", md[i]);
	return s;
}

struct digest *digest_free(struct digest *d)
{
	if (d) {
		EVP_MD_CTX_free(d->ctx);
		free(d);
	}
	return NULL;
}

char *digest_buffer(const void *data, size_t len)
{
	struct digest *d = digest_new();
	char *s;

	digest_update(d, data, len);
	s = digest_final(d);
	digest_free(d);
	return s;
}
