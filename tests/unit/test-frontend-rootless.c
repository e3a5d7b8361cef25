/* The reader of /etc/subuid and /etc/subgid, --uidmap (frontend/rootless.c, userns.c). */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "frontend/rootless.h"
#include "frontend/userns.h"
#include "tests/unit/tap.h"

static int parse(const char *text, const char *user, unsigned uid, struct subid_range **r,
		 size_t *n, struct pea_error **err)
{
	return subid_parse(text, strlen(text), "/etc/subuid", user, uid, r, n, err);
}

static void test_ranges(void)
{
	_cleanup_free_ struct subid_range *r = NULL;
	_cleanup_error_ struct pea_error *err = NULL;
	size_t n = 0;

	tap_ok(parse("# comment\nother:100000:65536\npea:165536:65536\n1000:300000:10 # by uid\n"
		     "  pea:400000:5  \n",
		     "pea", 1000, &r, &n, &err) == 0 &&
		       n == 3,
	       "ranges by name and uid, in order, comments and blanks skipped");
	tap_ok(n == 3 && r[0].start == 165536 && r[0].count == 65536 && r[1].start == 300000 &&
		       r[1].count == 10 && r[2].start == 400000 && r[2].count == 5,
	       "their starts and counts");
}

static void test_none(void)
{
	_cleanup_free_ struct subid_range *r = NULL;
	_cleanup_error_ struct pea_error *err = NULL;
	size_t n = 7;

	tap_ok(parse("other:100000:65536\n", "pea", 1000, &r, &n, &err) == 0 && n == 0,
	       "no range of the user: none, not an error");
	tap_ok(parse("", NULL, 1000, &r, &n, &err) == 0 && n == 0, "an empty file, no user name");
}

static void test_bad(const char *text, const char *what)
{
	_cleanup_free_ struct subid_range *r = NULL;
	_cleanup_error_ struct pea_error *err = NULL;
	size_t n = 0;
	int rc = parse(text, "pea", 1000, &r, &n, &err);

	tap_ok(rc < 0 && err && strstr(err->message, "invalid range of 'pea'"), "%s: %s", what,
	       err ? err->message : "accepted");
}

static void test_others_malformed(void)
{
	_cleanup_free_ struct subid_range *r = NULL;
	_cleanup_error_ struct pea_error *err = NULL;
	size_t n = 0;

	tap_ok(parse("other:x\nother:1:2:3\npea:10:20\n", "pea", 1000, &r, &n, &err) == 0 && n == 1,
	       "another user's malformed lines are not ours to judge");
}

static void test_uidmap(void)
{
	_cleanup_(userns_opts_clear) struct userns_opts u = { 0 };
	_cleanup_error_ struct pea_error *err = NULL;

	tap_ok(userns_opts_add(&u, USERNS_FLAG_UIDMAP, "0:100000:65536", &err) == 0 &&
		       userns_opts_validate(&u, &err) == 0 &&
		       strcmp(u.uid_map, "0:100000:65536") == 0 &&
		       strcmp(u.gid_map, "0:100000:65536") == 0,
	       "--uidmap alone maps the gids too");
}

int main(void)
{
	tap_plan(10);
	test_ranges();
	test_none();
	test_bad("pea:100000\n", "two fields");
	test_bad("pea:x:10\n", "not a number");
	test_bad("pea:100000:0\n", "count 0");
	test_bad("pea:4294967295:2\n", "past 2^32");
	test_others_malformed();
	test_uidmap();
	return tap_done();
}
