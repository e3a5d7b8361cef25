#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lib/digest.h"
#include "lib/dl.h"
#include "lib/error.h"
#include "lib/cleanup.h"
#include "lib/xalloc.h"

/*
 * libcrypto on first use (lib/dl.h): most runs of pea and pea-storage hash
 * nothing, and linking it cost each of their execs its loading.
 */
static const char *const crypto_sonames[] = { "libcrypto.so.3", NULL };
static struct pea_dl libcrypto = { .sonames = crypto_sonames };

static struct {
	__typeof__(EVP_sha256) *sha256;
	__typeof__(EVP_sha512) *sha512;
	__typeof__(EVP_MD_CTX_new) *ctx_new;
	__typeof__(EVP_MD_CTX_free) *ctx_free;
	__typeof__(EVP_MD_CTX_get0_md) *ctx_md;
	__typeof__(EVP_DigestInit_ex) *init;
	__typeof__(EVP_DigestUpdate) *update;
	__typeof__(EVP_DigestFinal_ex) *final;
} crypto;
static bool crypto_loaded;

static void crypto_load(void)
{
	if (__atomic_load_n(&crypto_loaded, __ATOMIC_ACQUIRE))
		return;
	crypto.sha256 = (__typeof__(crypto.sha256))pea_dl_sym(&libcrypto, "EVP_sha256");
	crypto.sha512 = (__typeof__(crypto.sha512))pea_dl_sym(&libcrypto, "EVP_sha512");
	crypto.ctx_new = (__typeof__(crypto.ctx_new))pea_dl_sym(&libcrypto, "EVP_MD_CTX_new");
	crypto.ctx_free = (__typeof__(crypto.ctx_free))pea_dl_sym(&libcrypto, "EVP_MD_CTX_free");
	crypto.ctx_md = (__typeof__(crypto.ctx_md))pea_dl_sym(&libcrypto, "EVP_MD_CTX_get0_md");
	crypto.init = (__typeof__(crypto.init))pea_dl_sym(&libcrypto, "EVP_DigestInit_ex");
	crypto.update = (__typeof__(crypto.update))pea_dl_sym(&libcrypto, "EVP_DigestUpdate");
	crypto.final = (__typeof__(crypto.final))pea_dl_sym(&libcrypto, "EVP_DigestFinal_ex");
	__atomic_store_n(&crypto_loaded, true, __ATOMIC_RELEASE);
}

static size_t digest_hex_len(const char *algo, size_t algo_len)
{
	if (algo_len == 6 && memcmp(algo, "sha256", 6) == 0)
		return 64;
	if (algo_len == 6 && memcmp(algo, "sha512", 6) == 0)
		return 128;
	return 0;
}

bool pea_digest_is_valid(const char *s)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	size_t want;

	if (!colon)
		return false;
	want = digest_hex_len(s, (size_t)(colon - s));
	if (!want || strlen(colon + 1) != want)
		return false;
	for (const char *p = colon + 1; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

int pea_digest_validate(const char *s, const char *what, struct pea_error **err)
{
	if (!pea_digest_is_valid(s))
		return pea_error_new(err, EINVAL, "%s '%s' is not a valid sha256 or sha512 digest",
				     what, s ? s : "");
	return 0;
}

const char *pea_digest_hex(const char *digest)
{
	const char *colon = strchr(digest, ':');

	return colon ? colon + 1 : digest;
}

static const EVP_MD *digest_md(const char *algo)
{
	if (strcmp(algo, "sha256") != 0 && strcmp(algo, "sha512") != 0)
		return NULL;
	crypto_load();
	return strcmp(algo, "sha256") == 0 ? crypto.sha256() : crypto.sha512();
}

int pea_digest_init(struct pea_digest *d, const char *algo, struct pea_error **err)
{
	const EVP_MD *md = digest_md(algo);

	*d = (struct pea_digest){ 0 };
	if (!md)
		return pea_error_new(err, EINVAL, "unsupported digest algorithm '%s'", algo);
	d->ctx = crypto.ctx_new();
	if (!d->ctx || crypto.init(d->ctx, md, NULL) != 1) {
		pea_digest_done(d);
		return pea_error_new(err, ENOMEM, "cannot initialise %s", algo);
	}
	snprintf(d->algo, sizeof(d->algo), "%s", algo);
	return 0;
}

/* The default provider's sha256/sha512 do not fail on a live context: a failure is a bug. */
void pea_digest_update(struct pea_digest *d, const void *buf, size_t len)
{
	if (len == 0)
		return;
	if (crypto.update(d->ctx, buf, len) != 1)
		abort();
	d->bytes += len;
}

uint64_t pea_digest_bytes(const struct pea_digest *d)
{
	return d->bytes;
}

void pea_digest_final(struct pea_digest *d, char out[PEA_DIGEST_MAX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t off;

	if (crypto.final(d->ctx, md, &n) != 1 || n * 2 + strlen(d->algo) + 2 > PEA_DIGEST_MAX)
		abort();
	off = (size_t)snprintf(out, PEA_DIGEST_MAX, "%s:", d->algo);
	for (unsigned int i = 0; i < n; i++, off += 2)
		snprintf(out + off, PEA_DIGEST_MAX - off, "%02x", md[i]);
	if (crypto.init(d->ctx, crypto.ctx_md(d->ctx), NULL) != 1)
		abort();
	d->bytes = 0;
}

void pea_digest_done(struct pea_digest *d)
{
	if (d->ctx)
		crypto.ctx_free(d->ctx); /* a context means libcrypto is loaded */
	d->ctx = NULL;
}

void pea_digest_buffer(const char *algo, const void *buf, size_t len, char out[PEA_DIGEST_MAX])
{
	_cleanup_digest_ struct pea_digest d = { 0 };

	if (pea_digest_init(&d, algo ? algo : "sha256", NULL) < 0) {
		out[0] = '\0';
		return;
	}
	pea_digest_update(&d, buf, len);
	pea_digest_final(&d, out);
}

int pea_digest_fd(const char *algo, int fd, const char *what, char out[PEA_DIGEST_MAX],
		  struct pea_error **err)
{
	_cleanup_digest_ struct pea_digest d = { 0 };
	_cleanup_free_ char *buf = NULL;
	const size_t chunk = 1u << 17;
	off_t off = 0;
	int r;

	out[0] = '\0';
	r = pea_digest_init(&d, algo ? algo : "sha256", err);
	if (r < 0)
		return r;
	buf = xmalloc(chunk);
	for (;;) {
		ssize_t n = pread(fd, buf, chunk, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pea_error_errno(err, "read %s", what);
		if (n == 0)
			break;
		pea_digest_update(&d, buf, (size_t)n);
		off += n;
	}
	pea_digest_final(&d, out);
	return 0;
}

int pea_digest_verify_buffer(const void *buf, size_t len, const char *want, const char *what,
			     struct pea_error **err)
{
	char got[PEA_DIGEST_MAX];
	char algo[8] = "sha256";
	const char *colon = strchr(want, ':');

	if (colon && (size_t)(colon - want) < sizeof(algo))
		snprintf(algo, sizeof(algo), "%.*s", (int)(colon - want), want);
	pea_digest_buffer(algo, buf, len, got);
	if (strcmp(got, want) != 0)
		return pea_error_new(err, EBADMSG, "%s: digest mismatch: expected '%s', got '%s'",
				     what, want, got);
	return 0;
}
