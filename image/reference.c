#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"
#include "lib/digest.h"
#include "image/reference.h"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)* */
static bool path_component_is_valid(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i >= n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

bool reference_path_is_valid(const char *s)
{
	const char *p = s;

	if (!*s)
		return false;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (!path_component_is_valid(p, n))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

/* domain-component: [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain_component_is_valid(const char *s, size_t n)
{
	if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

bool reference_domain_is_valid(const char *s)
{
	const char *colon, *p = s, *end;

	if (!*s)
		return false;
	if (s[0] == '[') { /* [IPv6] */
		const char *close = strchr(s, ']');

		if (!close || close == s + 1)
			return false;
		for (const char *q = s + 1; q < close; q++)
			if (!isxdigit((unsigned char)*q) && *q != ':')
				return false;
		colon = close[1] == ':' ? close + 1 : NULL;
		if (!colon && close[1])
			return false;
		end = close + 1;
		p = end;
	} else {
		colon = strchr(s, ':');
		end = colon ? colon : s + strlen(s);
		while (p < end) {
			const char *dot = memchr(p, '.', (size_t)(end - p));
			size_t n = dot ? (size_t)(dot - p) : (size_t)(end - p);

			if (!domain_component_is_valid(p, n))
				return false;
			p += n + (dot ? 1 : 0);
			if (dot && p == end)
				return false;
		}
	}
	if (colon) {
		size_t n = strlen(colon + 1);

		if (n == 0 || n > 5)
			return false;
		for (const char *q = colon + 1; *q; q++)
			if (!isdigit((unsigned char)*q))
				return false;
	}
	return true;
}

bool reference_tag_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

static bool looks_like_domain(const char *first)
{
	return strchr(first, '.') || strchr(first, ':') || strcmp(first, "localhost") == 0 ||
	       first[0] == '[';
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* Split "name[:tag][@digest]" into its parts (new strings in r). */
static int reference_split(const char *s, struct image_reference *r, char **ret_name,
			   struct pea_error **err)
{
	_cleanup_free_ char *work = xstrdup(s);
	char *at = strchr(work, '@'), *last_slash, *colon;

	if (at) {
		*at = '\0';
		if (pea_digest_validate(at + 1, "digest", err) < 0)
			return -EINVAL;
		r->digest = xstrdup(at + 1);
	}
	last_slash = strrchr(work, '/');
	colon = strrchr(last_slash ? last_slash : work, ':');
	if (colon) {
		*colon = '\0';
		if (!reference_tag_is_valid(colon + 1))
			return pea_error_new(err, EINVAL, "invalid tag '%s'", colon + 1);
		r->tag = xstrdup(colon + 1);
	}
	*ret_name = TAKE_PTR(work);
	return 0;
}

int reference_parse(const char *s, bool normalize, struct image_reference **ret,
		    struct pea_error **err)
{
	struct image_reference *r = NULL;
	_cleanup_free_ char *name = NULL;
	char *slash;
	int ret_code;

	if (!s || !*s)
		return pea_error_new(err, EINVAL, "invalid reference '': it is empty");
	if (strlen(s) > REFERENCE_MAX_INPUT)
		return pea_error_new(err, EINVAL, "invalid reference: longer than %d bytes",
				     REFERENCE_MAX_INPUT);
	r = xnew(struct image_reference, 1);
	if (reference_split(s, r, &name, err) < 0)
		goto fail;
	slash = strchr(name, '/');
	if (slash) {
		*slash = '\0';
		if (looks_like_domain(name)) {
			r->domain = xstrdup(name);
			r->path = xstrdup(slash + 1);
		}
		*slash = '/';
	}
	if (!r->domain) {
		if (!normalize) {
			pea_error_new(err, EINVAL, "invalid reference '%s': no registry in it", s);
			goto fail;
		}
		if (is_hex64(name)) {
			pea_error_new(err, EINVAL,
				      "invalid reference '%s': a 64-hex-digit name is an image ID, "
				      "not a repository",
				      s);
			goto fail;
		}
		r->short_name = true;
		r->domain = xstrdup(REFERENCE_DEFAULT_DOMAIN);
		r->path = strchr(name, '/') ? xstrdup(name) : xasprintf("library/%s", name);
	} else if (normalize && strcmp(r->domain, "index.docker.io") == 0) {
		free(r->domain);
		r->domain = xstrdup(REFERENCE_DEFAULT_DOMAIN);
	}
	if (normalize && strcmp(r->domain, REFERENCE_DEFAULT_DOMAIN) == 0 &&
	    !strchr(r->path, '/')) {
		char *p = xasprintf("library/%s", r->path);

		free(r->path);
		r->path = p;
	}
	if (!reference_domain_is_valid(r->domain)) {
		pea_error_new(err, EINVAL, "invalid reference '%s': bad registry '%s'", s,
			      r->domain);
		goto fail;
	}
	if (!reference_path_is_valid(r->path)) {
		bool upper = false;

		for (const char *p = r->path; *p; p++)
			upper = upper || isupper((unsigned char)*p);
		pea_error_new(err, EINVAL, "invalid reference '%s': %s", s,
			      upper ? "repository name must be lowercase" : "bad repository name");
		goto fail;
	}
	if (strlen(r->domain) + 1 + strlen(r->path) > REFERENCE_MAX_NAME) {
		pea_error_new(err, EINVAL, "invalid reference '%s': name longer than %d characters",
			      s, REFERENCE_MAX_NAME);
		goto fail;
	}
	*ret = r;
	return 0;
fail:
	ret_code = err && *err ? -(*err)->code : -EINVAL;
	reference_free(r);
	return ret_code;
}

struct image_reference *reference_free(struct image_reference *r)
{
	if (!r)
		return NULL;
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	free(r);
	return NULL;
}

struct image_reference *reference_copy(const struct image_reference *r)
{
	struct image_reference *c = xnew(struct image_reference, 1);

	c->domain = xstrdup(r->domain);
	c->path = xstrdup(r->path);
	c->tag = r->tag ? xstrdup(r->tag) : NULL;
	c->digest = r->digest ? xstrdup(r->digest) : NULL;
	c->short_name = r->short_name;
	return c;
}

char *reference_name(const struct image_reference *r)
{
	return xasprintf("%s/%s", r->domain, r->path);
}

char *reference_string(const struct image_reference *r)
{
	return xasprintf("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "",
			 r->tag ? r->tag : "", r->digest ? "@" : "", r->digest ? r->digest : "");
}

void reference_default_tag(struct image_reference *r)
{
	if (!r->tag && !r->digest)
		r->tag = xstrdup("latest");
}
