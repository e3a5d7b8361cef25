/* registry_next_link(): the next page of a paginated answer (catalog, tags list) from its
 * Link header, RFC 8288's form, kept on the registry's own host. */
#include <stdlib.h>

#include "image/registry.h"
#include "tests/unit/tap.h"

static void check(const char *link, const char *want, const char *what)
{
	char *s = registry_next_link(link);

	if (want)
		tap_is_str(s, want, "%s", what);
	else
		tap_ok(!s, "%s (got '%s')", what, s ? s : "none");
	free(s);
}

int main(void)
{
	tap_plan(9);
	check("</v2/_catalog?last=b&n=2>; rel=\"next\"", "/v2/_catalog?last=b&n=2",
	      "one next link");
	check("</v2/_catalog?last=a>; rel=\"prev\", </v2/_catalog?last=c>; rel=\"next\"",
	      "/v2/_catalog?last=c", "next after a prev link");
	check("</v2/x/tags/list?last=c>; rel=\"next\", </v2/x/tags/list?last=a>; rel=\"prev\"",
	      "/v2/x/tags/list?last=c", "next before a prev link");
	check("</v2/_catalog?last=z>; rel=next", "/v2/_catalog?last=z", "unquoted rel");
	check("</v2/_catalog?last=a>; rel=\"prev\"", NULL, "a prev link alone: no next page");
	check("</v2/_catalog?last=a>; rel=nextish", NULL, "rel=nextish is not next");
	check("<https://elsewhere.example/v2/_catalog?last=b>; rel=\"next\"", "/v2/_catalog?last=b",
	      "an absolute URL: its path only");
	check("<v2/_catalog?last=b; rel=\"next\"", NULL, "no closing '>'");
	check(NULL, NULL, "no Link header");
	return tap_done();
}
