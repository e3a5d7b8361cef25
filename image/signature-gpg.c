/* Simple signing signatures checked with gpgme against the policy's keys (signature.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include <gpgme.h>
#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/reference.h"
#include "image/signature.h"
#include "image/transport.h"

/* ---- OpenPGP ---------------------------------------------------------------------- */

static int gpg_failure(struct pea_error **err, gpgme_error_t e, const char *what)
{
	return pea_error_new(err, EIO, "%s: %s", what, gpgme_strerror(e));
}

static int import_keys(gpgme_ctx_t ctx, const char *buf, size_t len, const char *what, char ***fprs,
		       struct pea_error **err)
{
	gpgme_data_t data = NULL;
	gpgme_import_result_t res;
	gpgme_error_t e = gpgme_data_new_from_mem(&data, buf, len, 0);

	if (e == 0)
		e = gpgme_op_import(ctx, data);
	gpgme_data_release(data);
	if (e)
		return gpg_failure(err, e, what);
	res = gpgme_op_import_result(ctx);
	for (gpgme_import_status_t s = res ? res->imports : NULL; s; s = s->next)
		if (s->result == 0 && s->fpr)
			pea_strv_push(fprs, s->fpr);
	if (!res || res->considered == 0 || !*fprs)
		return pea_error_new(err, EINVAL, "%s: no public keys in it", what);
	return 0;
}

/* A keyring of the requirement's keys only, in a new GNUPGHOME. */
static int keyring_open(const struct signed_by *req, const char *home, gpgme_ctx_t *ret,
			char ***fprs, struct pea_error **err)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_error_t e;
	int r = 0;

	gpgme_check_version(NULL);
	e = gpgme_new(&ctx);
	if (!e)
		e = gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP);
	if (!e)
		e = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL, home);
	if (e) {
		gpgme_release(ctx);
		return gpg_failure(err, e, "setting up gpgme");
	}
	for (size_t i = 0; r == 0 && req->key_paths && req->key_paths[i]; i++) {
		_cleanup_free_ char *buf = NULL, *what = NULL;
		size_t len = 0;

		what = xasprintf("policy key file '%s'", req->key_paths[i]);
		r = pea_read_file_at(AT_FDCWD, req->key_paths[i], SIGNATURE_KEY_MAX, &buf, &len,
				     err);
		if (r < 0)
			pea_error_wrap(err, "policy");
		else
			r = import_keys(ctx, buf, len, what, fprs, err);
	}
	if (r == 0 && req->key_data)
		r = import_keys(ctx, req->key_data, req->key_data_len, "the policy's keyData", fprs,
				err);
	if (r < 0) {
		gpgme_release(ctx);
		return r;
	}
	*ret = ctx;
	return 0;
}

/* The payload of a signature made by one of fprs; NULL and why when it is not. */
static int verify_one(gpgme_ctx_t ctx, char **fprs, const struct sig_blob *sig, char **ret,
		      size_t *ret_len, struct pea_error **err)
{
	gpgme_data_t in = NULL, out = NULL;
	gpgme_verify_result_t res;
	gpgme_signature_t s;
	gpgme_error_t e;
	char *plain;
	size_t len = 0;

	e = gpgme_data_new_from_mem(&in, sig->data, sig->len, 0);
	if (!e)
		e = gpgme_data_new(&out);
	if (!e)
		e = gpgme_op_verify(ctx, in, NULL, out);
	gpgme_data_release(in);
	if (e) {
		gpgme_data_release(out);
		return gpg_failure(err, e, "not a valid signature");
	}
	res = gpgme_op_verify_result(ctx);
	s = res ? res->signatures : NULL;
	plain = gpgme_data_release_and_get_mem(out, &len);
	if (!s || s->next) {
		gpgme_free(plain);
		return pea_error_new(err, EACCES, "not one OpenPGP signature");
	}
	if (gpgme_err_code(s->status) != GPG_ERR_NO_ERROR || !s->fpr ||
	    !pea_strv_contains(fprs, s->fpr)) {
		int r = pea_error_new(
			err, EACCES,
			"Invalid GPG signature: not signed by a key the policy trusts: "
			"%s%s%s",
			gpgme_strerror(s->status), s->fpr ? ", key " : "", s->fpr ? s->fpr : "");

		gpgme_free(plain);
		return r;
	}
	*ret = xmalloc(len + 1);
	if (len)
		memcpy(*ret, plain, len);
	(*ret)[len] = '\0';
	*ret_len = len;
	gpgme_free(plain);
	return 0;
}

/* Does any of the signatures satisfy this one requirement? */
static int check_requirement(const struct signed_by *req, const struct sig_blob *sigs, size_t nsigs,
			     const char *manifest_digest, const struct image_reference *ref,
			     const char *home, size_t *ret_failed, struct pea_error **err)
{
	_cleanup_strv_ char **fprs = NULL;
	gpgme_ctx_t ctx = NULL;
	int r = -EACCES;

	if (keyring_open(req, home, &ctx, &fprs, err) < 0)
		return -EINVAL;
	for (size_t i = 0; r < 0 && i < nsigs; i++) {
		_cleanup_free_ char *payload = NULL;
		size_t len = 0;

		pea_error_release(err);
		r = verify_one(ctx, fprs, &sigs[i], &payload, &len, err);
		if (r == 0)
			r = signature_check_payload(req, payload, len, manifest_digest, ref, err);
		if (r < 0)
			*ret_failed = i + 1;
	}
	gpgme_release(ctx);
	return r;
}

int signature_check(const struct sig_policy *p, const struct sig_blob *sigs, size_t nsigs,
		    const char *manifest_digest, const struct image_reference *ref,
		    const char *what, const char *home, struct pea_error **err)
{
	size_t failed = 0;
	int r = 0;

	/* containers/image's words first: scripts read them (skopeo's system tests do) */
	if (nsigs == 0)
		return pea_error_new(err, EACCES,
				     "Source image rejected: A signature was required, but no "
				     "signature exists (the policy requires signatures, and '%s' "
				     "has none)",
				     what);
	for (size_t i = 0; r == 0 && i < p->n; i++)
		r = check_requirement(&p->reqs[i], sigs, nsigs, manifest_digest, ref, home, &failed,
				      err);
	if (r == 0)
		return 0;
	if (!*err || failed == 0)
		return pea_error_wrap(err, "Source image rejected: '%s'", what);
	{
		int code = (*err)->code;
		_cleanup_free_ char *reason = xstrdup((*err)->message);

		pea_error_release(err);
		return pea_error_new(err, code, "Source image rejected: %s (signature %zu of '%s')",
				     reason, failed, what);
	}
}

int keyring_home(const char *home, struct pea_error **err)
{
	static const char conf[] = "no-autostart\n";
	_cleanup_free_ char *path = xasprintf("%s/gpg.conf", home);

	return pea_write_file_atomic_at(AT_FDCWD, path, conf, sizeof(conf) - 1, 0600, err);
}

void gpg_helpers_adopt(void)
{
	/*
	 * gpgme starts gpg detached (a double fork): its processes are ours to
	 * reap (PID 1 may not), before any other child of ours is started
	 */
	prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
}

void gpg_helpers_reap(void)
{
	for (int i = 0; i < 200; i++) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid < 0)
			return; /* ECHILD: none left */
		if (pid == 0)
			usleep(10000);
	}
	log_debug("gpg helpers still running after 2 s, ignoring");
	prctl(PR_SET_CHILD_SUBREAPER, 0L, 0L, 0L, 0L);
}

int source_check_signatures(struct image_source *s, const struct sig_policy *p,
			    const struct transport_context *ctx, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL, *type = NULL, *home = NULL;
	_cleanup_(reference_free_p) struct image_reference *ref = NULL;
	struct sig_blob *sigs = NULL;
	char digest[PEA_DIGEST_MAX];
	size_t len = 0, n = 0;
	int r;

	if (p->n == 0)
		return 0;
	if (s->ops->get_manifest(s, NULL, &buf, &len, &type, err) < 0)
		return -EIO;
	pea_digest_buffer("sha256", buf, len, digest);
	if (s->ops->get_signatures && s->ops->get_signatures(s, digest, &sigs, &n, err) < 0)
		return pea_error_wrap(err, "%s: signatures", s->description);
	/* a registry's image: the reference it was resolved to (others have none) */
	if (s->client && s->canonical && s->ref_text) {
		_cleanup_free_ char *text = xasprintf(
			"%s%s%s", s->canonical, strchr(s->ref_text, ':') ? "@" : ":", s->ref_text);

		if (reference_parse(text, false, &ref, err) < 0)
			return pea_error_wrap(err, "%s", s->description);
	}
	r = make_temp_dir(ctx, "gnupg", &home, err);
	if (r == 0)
		r = keyring_home(home, err);
	if (r == 0) {
		gpg_helpers_adopt();
		r = signature_check(p, sigs, n, digest, ref, s->description, home, err);
		gpg_helpers_reap();
	}
	if (home)
		pea_rm_rf_at(AT_FDCWD, home, NULL);
	sig_blobs_free(sigs, n);
	return r;
}

/* ---- standalone-sign, standalone-verify: the user's own keyring -------------------- */

/* home NULL: the user's keyring (GNUPGHOME, ~/.gnupg). */
static int user_context(const char *home, gpgme_ctx_t *ret, struct pea_error **err)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_error_t e;

	gpgme_check_version(NULL);
	e = gpgme_new(&ctx);
	if (!e)
		e = gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP);
	if (!e && home)
		e = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL, home);
	if (e) {
		gpgme_release(ctx);
		return gpg_failure(err, e, "setting up gpgme");
	}
	*ret = ctx;
	return 0;
}

static char *signature_payload(const char *docker_ref, const char *digest)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	struct json_object *critical = json_object_new_object(), *identity, *image, *optional;

	identity = json_object_new_object();
	json_object_object_add(identity, "docker-reference", json_object_new_string(docker_ref));
	image = json_object_new_object();
	json_object_object_add(image, "docker-manifest-digest", json_object_new_string(digest));
	json_object_object_add(critical, "identity", identity);
	json_object_object_add(critical, "image", image);
	json_object_object_add(critical, "type", json_object_new_string(SIGNATURE_TYPE));
	optional = json_object_new_object();
	json_object_object_add(optional, "creator",
			       json_object_new_string("pea-image " PEA_VERSION));
	json_object_object_add(optional, "timestamp", json_object_new_int64((int64_t)time(NULL)));
	json_object_object_add(o, "critical", critical);
	json_object_object_add(o, "optional", optional);
	return xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
}

/*
 * The normalised form of a reference given by the user; as skopeo's, a name
 * without tag or digest is one too (skopeo's systemtest signs "busybox").
 */
static int normalised_reference(const char *s, char **ret, struct pea_error **err)
{
	_cleanup_(reference_free_p) struct image_reference *r = NULL;

	if (reference_parse(s, true, &r, err) < 0)
		return pea_error_wrap(err, "docker reference '%s'", s);
	*ret = reference_string(r);
	return 0;
}

int signature_read_passphrase(const char *path, char **ret, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, n;
	int r = pea_read_file_at(AT_FDCWD, path, SIGNATURE_PASSPHRASE_MAX, &buf, &len, err);

	if (r < 0)
		return pea_error_wrap(err, "passphrase file");
	/* the first line, as skopeo's (Go's bufio.ScanLines: a \r before the \n dropped) */
	n = memchr(buf, '\n', len) ? (size_t)((char *)memchr(buf, '\n', len) - buf) : len;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (len == 0) {
		r = pea_error_new(err, EINVAL, "passphrase file '%s': empty file", path);
	} else {
		*ret = xmalloc(n + 1);
		memcpy(*ret, buf, n);
		(*ret)[n] = '\0';
	}
	explicit_bzero(buf, len);
	return r;
}

/*
 * gpg in loopback pinentry mode asks us, through gpgme's own pipe: the passphrase
 * never appears on a command line. Asked again, the first was wrong: give up.
 */
static gpgme_error_t passphrase_cb(void *hook, const char *uid_hint, const char *info,
				   int prev_was_bad, int fd)
{
	const char *pass = hook;

	(void)uid_hint;
	(void)info;
	if (prev_was_bad)
		return gpgme_error(GPG_ERR_BAD_PASSPHRASE);
	if (gpgme_io_writen(fd, pass, strlen(pass)) < 0 || gpgme_io_writen(fd, "\n", 1) < 0)
		return gpgme_error_from_syserror();
	return 0;
}

int signature_sign(const char *manifest, size_t len, const char *docker_ref,
		   const char *fingerprint, const char *passphrase, char **ret, size_t *ret_len,
		   struct pea_error **err)
{
	char digest[PEA_DIGEST_MAX];

	pea_digest_buffer("sha256", manifest, len, digest);
	return signature_sign_digest(digest, docker_ref, fingerprint, passphrase, ret, ret_len,
				     err);
}

int signature_sign_digest(const char *digest, const char *docker_ref, const char *fingerprint,
			  const char *passphrase, char **ret, size_t *ret_len,
			  struct pea_error **err)
{
	_cleanup_free_ char *payload = NULL, *ref = NULL;
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t key = NULL;
	gpgme_data_t in = NULL, out = NULL;
	gpgme_error_t e;
	char *sig;
	size_t sig_len = 0;

	if (normalised_reference(docker_ref, &ref, err) < 0)
		return -EINVAL;
	payload = signature_payload(ref, digest);
	if (user_context(NULL, &ctx, err) < 0)
		return -EIO;
	e = gpgme_get_key(ctx, fingerprint, &key, 1);
	if (e) {
		gpgme_release(ctx);
		return pea_error_new(err, ENOENT, "no secret key '%s' in the keyring: %s",
				     fingerprint, gpgme_strerror(e));
	}
	e = gpgme_signers_add(ctx, key);
	/* as skopeo: an empty passphrase is none (gpg's own pinentry asks, if it must) */
	if (!e && passphrase && *passphrase) {
		e = gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK);
		gpgme_set_passphrase_cb(ctx, passphrase_cb, (void *)passphrase);
	}
	if (!e)
		e = gpgme_data_new_from_mem(&in, payload, strlen(payload), 0);
	if (!e)
		e = gpgme_data_new(&out);
	if (!e)
		e = gpgme_op_sign(ctx, in, out, GPGME_SIG_MODE_NORMAL);
	gpgme_data_release(in);
	gpgme_key_unref(key);
	gpgme_release(ctx);
	if (gpgme_err_code(e) == GPG_ERR_BAD_PASSPHRASE && passphrase && *passphrase) {
		gpgme_data_release(out);
		return pea_error_new(err, EACCES, "signing with '%s': Bad passphrase", fingerprint);
	}
	if (e) {
		gpgme_data_release(out);
		return gpg_failure(err, e, "signing");
	}
	sig = gpgme_data_release_and_get_mem(out, &sig_len);
	*ret = xmalloc(sig_len + 1);
	memcpy(*ret, sig, sig_len);
	*ret_len = sig_len;
	gpgme_free(sig);
	return 0;
}

int signature_verify_standalone(const char *manifest, size_t len, const char *docker_ref,
				char *const *fingerprints, const char *public_key_file,
				const char *home, const struct sig_blob *sig, char **ret_fpr,
				char ret_digest[PEA_DIGEST_MAX], struct pea_error **err)
{
	_cleanup_strv_ char **imported = NULL;
	_cleanup_free_ char *payload = NULL, *ref = NULL;
	struct signed_by req = { .match = EXACT_REFERENCE };
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t in = NULL, out = NULL;
	gpgme_verify_result_t res;
	gpgme_error_t e;
	char *plain = NULL;
	size_t plain_len = 0;
	int r = 0;

	if (normalised_reference(docker_ref, &ref, err) < 0)
		return -EINVAL;
	pea_digest_buffer("sha256", manifest, len, ret_digest);
	if (user_context(home, &ctx, err) < 0)
		return -EIO;
	if (public_key_file) {
		_cleanup_free_ char *buf = NULL, *what = NULL;
		size_t n = 0;

		/* the keys of that file only: in a keyring of their own */
		what = xasprintf("public key file '%s'", public_key_file);
		r = pea_read_file_at(AT_FDCWD, public_key_file, SIGNATURE_KEY_MAX, &buf, &n, err);
		if (r == 0)
			r = import_keys(ctx, buf, n, what, &imported, err);
	}
	e = r == 0 ? gpgme_data_new_from_mem(&in, sig->data, sig->len, 0) : 0;
	if (r == 0 && !e)
		e = gpgme_data_new(&out);
	if (r == 0 && !e)
		e = gpgme_op_verify(ctx, in, NULL, out);
	gpgme_data_release(in);
	if (r == 0 && e)
		r = gpg_failure(err, e, "not a valid signature");
	res = r == 0 ? gpgme_op_verify_result(ctx) : NULL;
	if (r == 0 &&
	    (!res || !res->signatures || res->signatures->next ||
	     gpgme_err_code(res->signatures->status) != GPG_ERR_NO_ERROR || !res->signatures->fpr))
		r = pea_error_new(err, EACCES, "not a good signature: %s",
				  res && res->signatures ? gpgme_strerror(res->signatures->status)
							 : "none");
	if (r == 0) {
		const char *fpr = res->signatures->fpr;
		bool any = fingerprints && fingerprints[0] && !fingerprints[1] &&
			   strcmp(fingerprints[0], "any") == 0;

		if (!(any && public_key_file) && !pea_strv_contains(fingerprints, fpr))
			r = pea_error_new(err, EACCES, "signed by '%s', not one of the keys given",
					  fpr);
		else if (public_key_file && !pea_strv_contains(imported, fpr))
			r = pea_error_new(err, EACCES, "signed by '%s', not a key of '%s'", fpr,
					  public_key_file);
		else
			*ret_fpr = xstrdup(fpr);
	}
	plain = out ? gpgme_data_release_and_get_mem(out, &plain_len) : NULL;
	if (r == 0) {
		payload = xmalloc(plain_len + 1);
		memcpy(payload, plain ? plain : "", plain_len);
		req.identity = ref;
		r = signature_check_payload(&req, payload, plain_len, ret_digest, NULL, err);
		if (r < 0)
			*ret_fpr = (free(*ret_fpr), NULL);
	}
	gpgme_free(plain);
	gpgme_release(ctx);
	return r;
}
