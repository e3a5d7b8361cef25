/* registries.conf: parsing, prefixes, mirrors, short names. */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "image/reference.h"
#include "image/registries.h"
#include "tests/unit/tap.h"

static struct registries_conf *conf_of(const char *doc)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct registries_conf *c = registries_conf_new();

	if (registries_conf_parse(c, doc, strlen(doc), "test.conf", &err) < 0) {
		tap_diag("%s", err->message);
		return registries_conf_free(c);
	}
	return c;
}

static char *pull_order(const struct registries_conf *c, const char *name)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct image_reference *r = NULL;
	struct pull_source *s = NULL;
	size_t n = 0;
	char **parts = NULL;
	char *out;

	if (reference_parse(name, true, &r, &err) < 0)
		return strdup(err->message);
	if (registries_pull_sources(c, r, &s, &n, &err) < 0) {
		reference_free(r);
		return strdup(err->message);
	}
	for (size_t i = 0; i < n; i++) {
		char *str = reference_string(s[i].ref);
		char *e = NULL;

		if (asprintf(&e, "%s%s", str, s[i].insecure ? "!" : "") < 0)
			abort();
		pea_strv_push_take(&parts, e);
		free(str);
	}
	out = pea_strv_join(parts, " ");
	pea_strv_free(parts);
	pull_sources_free(s, n);
	reference_free(r);
	return out;
}

int main(void)
{
	char *s;
	struct registries_conf *c;

	tap_plan(12);
	c = conf_of("[[registry]]\nprefix = \"example.com/foo\"\nlocation = \"mirror.io/bar\"\n"
		    "[[registry]]\nlocation = \"example.com\"\ninsecure = true\n"
		    "[[registry.mirror]]\nlocation = \"m1.io\"\n"
		    "[[registry.mirror]]\nlocation = \"m2.io/x\"\ninsecure = true\n"
		    "pull-from-mirror = \"digest-only\"\n"
		    "[[registry]]\nlocation = \"blocked.io\"\nblocked = true\n"
		    "[[registry]]\nprefix = \"*.wild.io\"\ninsecure = true\n");
	tap_ok(c != NULL, "registries.conf parsed");
	s = pull_order(c, "example.com/foo/app:1");
	tap_is_str(s, "mirror.io/bar/app:1", "longest prefix rewrites");
	free(s);
	s = pull_order(c, "example.com/foobar:1");
	tap_is_str(s, "m1.io/foobar:1 example.com/foobar:1!", "prefix at a boundary only");
	free(s);
	s = pull_order(c,
		       "example.com/"
		       "a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	tap_ok(s && strstr(s, "m2.io/x/a@sha256") && strstr(s, "m1.io/a@"),
	       "digest-only mirror used for digests");
	free(s);
	s = pull_order(c, "blocked.io/x");
	tap_is_str(s, "registry 'blocked.io/x' is blocked in registries.conf", "blocked");
	free(s);
	s = pull_order(c, "a.wild.io/x:1");
	tap_is_str(s, "a.wild.io/x:1!", "wildcard prefix");
	free(s);
	s = pull_order(c, "other.io/x:1");
	tap_is_str(s, "other.io/x:1", "no match: as is");
	free(s);
	registries_conf_free(c);

	c = conf_of("unqualified-search-registries = [\"a.io\", \"docker.io\"]\n"
		    "[aliases]\n\"box\" = \"q.io/lib/box\"\n");
	{
		_cleanup_error_ struct pea_error *err = NULL;
		char **cands = NULL;
		bool alias = false;

		tap_ok(registries_resolve_short_name(c, "img:2", &cands, &alias, &err) == 0 &&
			       !alias && pea_strv_length(cands) == 2 &&
			       strcmp(cands[0], "a.io/img:2") == 0 &&
			       strcmp(cands[1], "docker.io/library/img:2") == 0,
		       "unqualified search candidates");
		pea_strv_free(cands);
		cands = NULL;
		tap_ok(registries_resolve_short_name(c, "box", &cands, &alias, &err) == 0 &&
			       alias && strcmp(cands[0], "q.io/lib/box") == 0,
		       "alias");
		pea_strv_free(cands);
	}
	registries_conf_free(c);
	c = conf_of("[[registry]]\nlocation = \"https://x.io\"\n");
	tap_ok(c == NULL, "scheme in location refused");
	c = conf_of("[[registry.mirror]]\nlocation = \"x.io\"\n");
	tap_ok(c == NULL, "registry without prefix or location refused");
	c = conf_of("[aliases]\n\"a\" = \"not a reference\"\n");
	tap_ok(c == NULL, "bad alias refused");
	return tap_done();
}
