#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/policy.h"
#include "image/reference.h"
#include "image/signature.h"
#include "image/transport.h"

static const char *policy_transport(enum transport_kind k)
{
	return k == TRANSPORT_STORE ? "containers-storage" : transport_name(k);
}

/* Scopes from the most specific to the least, then "" (the transport's default). */
static char **scopes_for(const struct image_name *n)
{
	_cleanup_free_ char *work = NULL;
	char **out = NULL;

	if (n->kind == TRANSPORT_DOCKER) {
		_cleanup_(reference_free_p) struct image_reference *r = reference_copy(n->ref);

		reference_default_tag(r);
		pea_strv_push_take(&out, reference_string(r));
		work = reference_name(r);
	} else {
		work = xstrdup(n->path ? n->path : "");
		if (n->tag)
			pea_strv_push_take(&out, xasprintf("%s:%s", work, n->tag));
	}
	for (;;) {
		char *slash;

		if (*work)
			pea_strv_push(&out, work);
		slash = strrchr(work, '/');
		if (!slash || slash == work)
			break;
		*slash = '\0';
	}
	if (n->kind == TRANSPORT_DOCKER) {
		const char *dot = strchr(n->ref->domain, '.');

		if (dot) {
			_cleanup_free_ char *wild = xasprintf("*%s", dot);

			pea_strv_push(&out, wild);
		}
	}
	pea_strv_push(&out, "");
	return out;
}

/* A signedBy requirement joins the ones the signatures must meet. */
static int add_signed_by(struct json_object *req, const char *path, struct sig_policy *sigs,
			 struct pea_error **err)
{
	struct signed_by sb;

	if (signed_by_parse(req, path, &sb, err) < 0) {
		signed_by_clear(&sb);
		return -EINVAL;
	}
	sigs->reqs = xreallocarray(sigs->reqs, sigs->n + 1, sizeof(*sigs->reqs));
	sigs->reqs[sigs->n++] = sb;
	return 0;
}

static int evaluate(struct json_object *reqs, const char *where, const struct image_name *src,
		    struct sig_policy *sigs, struct pea_error **err)
{
	size_t n;

	if (!json_object_is_type(reqs, json_type_array))
		return pea_error_new(err, EINVAL, "policy: '%s' is not an array", where);
	n = json_object_array_length(reqs);
	if (n == 0)
		return pea_error_new(err, EINVAL, "policy: '%s' has no requirements", where);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = pea_json_path_index(where, i);
		struct json_object *req = json_object_array_get_idx(reqs, i);
		const char *type = NULL;

		if (pea_json_expect_object(req, path, err) < 0 ||
		    pea_json_get_string_req(req, path, "type", &type, err) < 0)
			return pea_error_wrap(err, "policy");
		if (strcmp(type, "insecureAcceptAnything") == 0)
			continue;
		if (strcmp(type, "reject") == 0)
			return pea_error_new(
				err, EACCES,
				"Source image rejected: Running image %s is rejected by "
				"policy.",
				src->input);
		if (strcmp(type, "signedBy") == 0) {
			if (add_signed_by(req, path, sigs, err) < 0)
				return -EINVAL;
			continue;
		}
		if (strcmp(type, "sigstoreSigned") == 0 || strcmp(type, "signedBaseLayer") == 0)
			return pea_error_new(err, ENOTSUP,
					     "source image rejected: policy requires "
					     "'%s' signatures for '%s', which pea-image cannot "
					     "verify yet",
					     type, src->input);
		return pea_error_new(err, EINVAL, "policy: '%s': unknown requirement type '%s'",
				     path, type);
	}
	return 0;
}

static int policy_evaluate(const char *buf, size_t len, const char *what,
			   const struct image_name *src, struct sig_policy *sigs,
			   struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	_cleanup_strv_ char **scopes = NULL;
	struct json_object *def = NULL, *transports = NULL, *scoped = NULL;

	if (pea_json_parse(buf, len, what, &doc, err) < 0)
		return -EINVAL;
	if (pea_json_expect_object(doc, what, err) < 0 ||
	    pea_json_get_array_opt(doc, "", "default", &def, err) < 0 ||
	    pea_json_get_object_opt(doc, "", "transports", &transports, err) < 0)
		return pea_error_wrap(err, "policy '%s'", what);
	if (!def)
		return pea_error_new(err, EINVAL, "policy '%s': 'default' is missing", what);
	if (transports && pea_json_get_object_opt(transports, "transports",
						  policy_transport(src->kind), &scoped, err) < 0)
		return pea_error_wrap(err, "policy '%s'", what);
	scopes = scopes_for(src);
	for (size_t i = 0; scoped && scopes[i]; i++) {
		struct json_object *reqs = NULL;

		if (json_object_object_get_ex(scoped, scopes[i], &reqs)) {
			_cleanup_free_ char *where = xasprintf(
				"transports.%s.%s", policy_transport(src->kind), scopes[i]);

			return evaluate(reqs, where, src, sigs, err);
		}
	}
	return evaluate(def, "default", src, sigs, err);
}

int policy_check_buffer(const char *buf, size_t len, const char *what, const struct image_name *src,
			struct sig_policy *ret_sigs, struct pea_error **err)
{
	struct sig_policy sigs = { 0 };
	int r = policy_evaluate(buf, len, what, src, &sigs, err);

	if (r < 0)
		sig_policy_clear(&sigs);
	else
		*ret_sigs = sigs;
	return r;
}

int policy_check(const char *path, const struct image_name *src, struct sig_policy *ret_sigs,
		 struct pea_error **err)
{
	_cleanup_free_ char *user = NULL, *buf = NULL;
	const char *home = getenv("HOME");
	size_t len = 0;

	if (!path) {
		user = home ? xasprintf("%s/.config/containers/policy.json", home) : NULL;
		path = user && pea_path_exists_at(AT_FDCWD, user) ? user
								  : "/etc/containers/policy.json";
	}
	if (pea_read_file_at(AT_FDCWD, path, POLICY_MAX, &buf, &len, err) < 0)
		return pea_error_wrap(err, "loading the trust policy (or use --insecure-policy)");
	return policy_check_buffer(buf, len, path, src, ret_sigs, err);
}
