#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/auth.h"
#include "image/lookaside.h"
#include "lib/digest.h"
#include "image/reference.h"
#include "image/registries.h"
#include "image/registry.h"
#include "image/transport.h"

/*
 * registries.conf's credential-helpers, in order ("containers-auth.json" is the auth
 * files); without it, the auth files only.
 */
static int lookup_credentials(const struct transport_context *ctx, const char *authfile,
			      const char *name, const char *host, struct credentials *ret,
			      struct pea_error **err)
{
	char **helpers = ctx->registries ? ctx->registries->credential_helpers : NULL;

	if (!helpers || authfile)
		return auth_lookup(authfile, name, ret, err);
	for (size_t i = 0; helpers[i]; i++) {
		bool found = false;

		if (strcmp(helpers[i], "containers-auth.json") == 0) {
			if (auth_lookup(NULL, name, ret, err) < 0)
				return -EINVAL;
			found = ret->user || ret->identity_token;
		} else if (auth_helper_get(helpers[i], host, ret, &found, err) < 0) {
			return -EIO;
		}
		if (found)
			return 0;
	}
	return 0;
}

int docker_client_for(const struct image_reference *ref, bool insecure,
		      const struct side_options *side, const struct transport_context *ctx,
		      struct registry_client **ret, struct pea_error **err)
{
	struct credentials creds = { 0 };
	_cleanup_free_ char *name = reference_name(ref);
	struct registry_options o = {
		.tls_verify = side->tls_verify,
		.insecure = insecure,
		.cert_dir = side->cert_dir,
		.registry_token = side->registry_token,
		.timeout_s = ctx->timeout_s,
		.parallel = ctx->parallel,
		.retries = ctx->retries,
		.chunk_size = side->chunk_size,
	};
	int r;

	if (side->creds) {
		const char *colon = strchr(side->creds, ':');

		creds.user = colon ? xstrndup(side->creds, (size_t)(colon - side->creds))
				   : xstrdup(side->creds);
		creds.password = xstrdup(colon ? colon + 1 : "");
	} else if (side->username) {
		creds.user = xstrdup(side->username);
		creds.password = xstrdup(side->password ? side->password : "");
	} else if (!side->no_creds) {
		if (lookup_credentials(ctx, side->authfile, name, ref->domain, &creds, err) < 0)
			return -EINVAL;
	}
	o.user = creds.user;
	o.password = creds.password;
	o.identity_token = creds.identity_token;
	r = registry_client_new(ref->domain, &o, ret, err);
	credentials_clear(&creds);
	return r;
}

/* ---- source ------------------------------------------------------------------ */

static int docker_get_manifest(struct image_source *s, const char *digest, char **ret,
			       size_t *ret_len, char **ret_type, struct pea_error **err)
{
	struct http_response resp = { 0 };

	if (!digest || (s->synth && strcmp(digest, s->ref_text) == 0)) {
		*ret = xmemdup_str(s->synth, s->synth_len);
		*ret_len = s->synth_len;
		*ret_type = xstrdup(s->oci_type);
		return 0;
	}
	if (registry_get_manifest(s->client, s->repo, digest, false, &resp, err) < 0)
		return -EIO;
	if (pea_digest_verify_buffer(resp.body ? resp.body : "", resp.body_len, digest, "manifest",
				     err) < 0) {
		http_response_clear(&resp);
		return pea_error_wrap(err, "%s", s->description);
	}
	*ret_type = resp.content_type ? xstrdup(resp.content_type) : xstrdup("");
	*ret = resp.body ? resp.body : xstrdup("");
	*ret_len = resp.body_len;
	resp.body = NULL;
	http_response_clear(&resp);
	return 0;
}

static int docker_fetch_blobs(struct image_source *s, struct blob_fetch *f, size_t n,
			      const struct fetch_hooks *hooks, struct pea_error **err)
{
	if (registry_fetch_blobs(s->client, s->repo, f, n, hooks, err) < 0)
		return pea_error_wrap(err, "%s", s->description);
	return 0;
}

/* The lookaside storage of registries.d, if one is configured for the repository. */
static int docker_get_signatures(struct image_source *s, const char *digest, struct sig_blob **ret,
				 size_t *ret_n, struct pea_error **err)
{
	_cleanup_(reference_free_p) struct image_reference *ref = NULL;
	_cleanup_free_ char *base = NULL;

	*ret = NULL;
	*ret_n = 0;
	if (reference_parse(s->canonical, false, &ref, err) < 0 ||
	    lookaside_base(s->registries_d, ref, false, &base, err) < 0)
		return -EINVAL;
	if (!base)
		return 0;
	return lookaside_read(base, ref, digest, ret, ret_n, err);
}

static const struct source_ops docker_source_ops = {
	.get_manifest = docker_get_manifest,
	.fetch_blobs = docker_fetch_blobs,
	.get_signatures = docker_get_signatures,
};

/* Try one place: a registry client and the top-level manifest. */
static int try_source(const struct image_reference *ref, bool insecure,
		      const struct side_options *side, const struct transport_context *ctx,
		      struct image_source *s, struct pea_error **err)
{
	struct registry_client *client = NULL;
	struct http_response resp = { 0 };
	const char *what = ref->digest ? ref->digest : ref->tag;

	if (docker_client_for(ref, insecure, side, ctx, &client, err) < 0)
		return -EINVAL;
	if (registry_get_manifest(client, ref->path, what, false, &resp, err) < 0) {
		registry_client_free(client);
		return -EIO;
	}
	if (ref->digest && pea_digest_verify_buffer(resp.body ? resp.body : "", resp.body_len,
						    ref->digest, "manifest", err) < 0) {
		http_response_clear(&resp);
		registry_client_free(client);
		return -EBADMSG;
	}
	s->client = client;
	s->repo = xstrdup(ref->path);
	s->ref_text = xstrdup(what);
	s->canonical = reference_name(ref);
	s->synth = resp.body ? resp.body : xstrdup("");
	s->synth_len = resp.body_len;
	s->oci_type = resp.content_type ? xstrdup(resp.content_type) : xstrdup("");
	resp.body = NULL;
	http_response_clear(&resp);
	return 0;
}

static int try_reference(const struct image_reference *ref, const struct side_options *side,
			 const struct transport_context *ctx, struct image_source *s,
			 struct pea_error **err)
{
	struct pull_source *list = NULL;
	size_t n = 0;
	int r = -ENOENT;

	if (registries_pull_sources(ctx->registries, ref, &list, &n, err) < 0)
		return -EACCES;
	for (size_t i = 0; i < n; i++) {
		r = try_source(list[i].ref, list[i].insecure, side, ctx, s, err);
		if (r == 0)
			break;
		if (i + 1 < n)
			log_debug("%s, trying the next location", (*err)->message);
	}
	if (r == 0) {
		/* inspect's Name is the name asked for, not the mirror's */
		free(s->canonical);
		s->canonical = reference_name(ref);
	}
	pull_sources_free(list, n);
	return r;
}

int docker_source_open(const struct image_name *name, const struct side_options *side,
		       const struct transport_context *ctx, struct image_source *s,
		       struct pea_error **err)
{
	_cleanup_(reference_free_p) struct image_reference *ref = reference_copy(name->ref);
	_cleanup_strv_ char **candidates = NULL;
	bool alias = false;
	const char *bare = name->input + strlen("docker://");

	s->ops = &docker_source_ops;
	s->registries_d = ctx->registries_d;
	reference_default_tag(ref);
	if (!ref->short_name || !ctx->resolve_short_names)
		return try_reference(ref, side, ctx, s, err);
	if (registries_resolve_short_name(ctx->registries, bare, &candidates, &alias, err) < 0)
		return -ENOENT;
	/* enforcing: an ambiguous name needs a person to choose; pea-image does not prompt */
	if (ctx->registries->mode == SHORT_NAME_ENFORCING && !alias &&
	    pea_strv_length(candidates) > 1)
		return pea_error_new(
			err, EINVAL,
			"short name '%s' matches %zu unqualified-search registries and "
			"short-name-mode is enforcing: give a fully qualified name or "
			"add an alias",
			bare, pea_strv_length(candidates));
	for (size_t i = 0; candidates[i]; i++) {
		_cleanup_(reference_free_p) struct image_reference *c = NULL;

		if (reference_parse(candidates[i], false, &c, err) < 0)
			return -EINVAL;
		reference_default_tag(c);
		if (try_reference(c, side, ctx, s, err) == 0)
			return 0;
		if (candidates[i + 1])
			log_debug("%s, trying the next candidate", (*err)->message);
	}
	return pea_error_wrap(err, "short name '%s' (candidates: %zu)", bare,
			      pea_strv_length(candidates));
}

/* ---- destination -------------------------------------------------------------- */

static int docker_has_blob(struct image_dest *d, const struct descriptor *desc, bool *ret,
			   struct pea_error **err)
{
	return registry_blob_exists(d->client, d->repo, desc->digest, ret, err);
}

static int docker_put_blob(struct image_dest *d, const struct descriptor *desc, enum blob_role role,
			   const char *name, struct pea_error **err)
{
	_cleanup_close_ int fd = openat(d->staging_fd, name, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return pea_error_errno(err, "open staged blob '%s'", desc->digest);
	if (registry_put_blob(d->client, d->repo, desc->digest, fd, (uint64_t)st.st_size, err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	return 0;
}

static int docker_put_manifest(struct image_dest *d, const char *buf, size_t len, const char *type,
			       const char *digest, bool top, struct pea_error **err)
{
	const char *ref = top && d->tag ? d->tag : digest;

	if (registry_put_manifest(d->client, d->repo, ref, buf, len, type, err) < 0)
		return pea_error_wrap(err, "%s", d->description);
	return 0;
}

static int docker_commit(struct image_dest *d, struct pea_error **err)
{
	return 0;
}

static int docker_mount_blob(struct image_dest *d, struct image_source *src,
			     const struct descriptor *desc, bool *ret, struct pea_error **err)
{
	*ret = false;
	if (!src->client || !src->repo || strcmp(src->repo, d->repo) == 0 ||
	    strcmp(registry_client_host(src->client), registry_client_host(d->client)) != 0)
		return 0;
	return registry_mount_blob(d->client, d->repo, src->repo, desc->digest, ret, err);
}

static const struct dest_ops docker_dest_ops = {
	.has_blob = docker_has_blob,
	.mount_blob = docker_mount_blob,
	.put_blob = docker_put_blob,
	.put_manifest = docker_put_manifest,
	.commit = docker_commit,
};

int docker_dest_open(const struct image_name *name, const struct side_options *side,
		     const struct transport_context *ctx, struct image_dest *d,
		     struct pea_error **err)
{
	_cleanup_(reference_free_p) struct image_reference *ref = reference_copy(name->ref);
	struct pull_source primary = { 0 };
	int r;

	d->ops = &docker_dest_ops;
	d->compress_uncompressed = true;
	reference_default_tag(ref);
	if (registries_primary(ctx->registries, ref, &primary, err) < 0)
		return -EACCES;
	r = docker_client_for(primary.ref, primary.insecure, side, ctx, &d->client, err);
	if (r == 0) {
		d->repo = xstrdup(primary.ref->path);
		d->tag = primary.ref->tag ? xstrdup(primary.ref->tag) : NULL;
		r = make_temp_dir(ctx, "push", &d->staging_path, err);
	}
	if (r == 0) {
		d->staging_fd = open(d->staging_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d->staging_fd < 0)
			r = pea_error_errno(err, "open '%s'", d->staging_path);
	}
	reference_free(primary.ref);
	return r;
}
