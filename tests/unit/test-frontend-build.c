/* pea build's Containerfile parser, its word rules and the ignore-file matcher. */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/build-exec.h"
#include "frontend/build-parse.h"
#include "tests/unit/tap.h"

static const char *lookup(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "A") == 0)
		return "alpha";
	if (strcmp(name, "EMPTY") == 0)
		return "";
	return NULL;
}

static char *joined(char **v)
{
	char *s = pea_strv_join(v, "|");

	pea_strv_free(v);
	return s;
}

/* The words of s (split), joined with '|'; "ERR: message" on failure. */
static char *words(const char *s)
{
	struct pea_error *err = NULL;
	char **v = NULL, *r;

	if (build_words(s, '\\', true, lookup, NULL, &v, &err) < 0) {
		r = xasprintf("ERR: %s", err->message);
		pea_error_free(err);
		return r;
	}
	return joined(v);
}

static char *pairs(const char *s, bool legacy)
{
	struct pea_error *err = NULL;
	char **v = NULL, *r;

	if (build_pairs(s, '\\', legacy, lookup, NULL, &v, &err) < 0) {
		r = xasprintf("ERR: %s", err->message);
		pea_error_free(err);
		return r;
	}
	return joined(v);
}

static void test_parse(void)
{
	static const char text[] = "# syntax=docker/dockerfile:1\n"
				   "# escape=`\n"
				   "FROM busybox AS b\n"
				   "\n"
				   "# a comment\n"
				   "run echo a && `\n"
				   "# inside\n"
				   "    echo b\n"
				   "COPY --chown=1:2 --from=b /x /y\n"
				   "CMD [\"sh\", \"-c\"]\n"
				   "ENTRYPOINT [\"not json\n"
				   "RUN <<EOF\n"
				   "echo here\n"
				   "EOF\n"
				   "LABEL last=1";
	struct build_file f = { 0 };
	struct pea_error *err = NULL;

	tap_ok(build_parse(text, strlen(text), &f, &err) == 0, "a file parses");
	tap_is_int(f.n, 7, "seven instructions");
	tap_is_int(f.escape, '`', "the escape directive");
	tap_is_str(f.v[1].cmd, "RUN", "instructions in upper case");
	tap_is_str(f.v[1].args, "echo a &&     echo b", "a continuation keeps its blanks");
	tap_is_int(f.v[1].line, 6, "the line of an instruction");
	tap_is_str(f.v[2].flags[1], "--from=b", "flags");
	tap_is_str(f.v[2].args, "/x /y", "the arguments after the flags");
	tap_ok(f.v[3].exec && strcmp(f.v[3].exec[1], "-c") == 0, "the exec form");
	tap_ok(!f.v[4].exec, "bad JSON is the shell form");
	tap_is_str(f.v[5].args, "echo here\n", "a here-document alone is the script");
	tap_is_str(f.v[6].original, "LABEL last=1", "the last line without a newline");
	build_file_clear(&f);

	tap_ok(build_parse("FROM x\nBOGUS y\n", 15, &f, &err) < 0 &&
		       strcmp(err->message, "line 2: unknown instruction: BOGUS") == 0,
	       "an unknown instruction names its line");
	err = pea_error_free(err);
	tap_ok(build_parse("FROM x\nSHELL sh\n", 16, &f, &err) < 0, "SHELL needs JSON");
	err = pea_error_free(err);
	tap_ok(build_parse("FROM x\nRUN <<E\nno end\n", 21, &f, &err) < 0 &&
		       strstr(err->message, "never ends") != NULL,
	       "an unended here-document");
	err = pea_error_free(err);
	tap_ok(build_parse("FROM\0x", 6, &f, &err) < 0, "a NUL byte is refused");
	err = pea_error_free(err);
}

static void test_words(void)
{
	_cleanup_free_ char *a = words("a 'b c' \"d $A\" '$A' \\$A ${A}x ${NO:-def} ${A:+set}");
	_cleanup_free_ char *b = words("${EMPTY:-e} ${NO:+x}y \"\" z");
	_cleanup_free_ char *c = words("\"open");
	_cleanup_free_ char *d = words("${A");
	_cleanup_free_ char *e = words("${NO:-${A:-x}}");

	tap_is_str(a, "a|b c|d alpha|$A|$A|alphax|def|set", "quotes, escapes, expansion");
	tap_is_str(b, "e|y||z", "empty values and empty words");
	tap_ok(strncmp(c, "ERR: unexpected end of statement", 32) == 0, "an open quote");
	tap_ok(strncmp(d, "ERR: ", 5) == 0, "a reference without its '}'");
	tap_is_str(e, "alpha", "a nested default");
}

static void test_pairs(void)
{
	_cleanup_free_ char *a = pairs("K=v X=\"a b\" Y=$A", true);
	_cleanup_free_ char *b = pairs("KEY value with  spaces", true);
	_cleanup_free_ char *c = pairs("NAME DEF=1", false);
	_cleanup_free_ char *d = pairs("=x", true);
	_cleanup_free_ char *e = pairs("K", true);

	tap_is_str(a, "K=v|X=a b|Y=alpha", "KEY=VALUE pairs");
	tap_is_str(b, "KEY=value with  spaces", "the legacy form");
	tap_is_str(c, "NAME|DEF=1", "ARG's names without a value");
	tap_ok(strncmp(d, "ERR: ", 5) == 0, "an empty key");
	tap_ok(strncmp(e, "ERR: ", 5) == 0, "a key without a value");
}

static void test_ignore(void)
{
	char *pats[] = { "test*", "!test2*", "subdir1", "**/*.tmp", "!keep.tmp", "a/**/c", NULL };

	tap_ok(build_ignore_match(pats, "test1"), "a glob");
	tap_ok(!build_ignore_match(pats, "test2.txt"), "a '!' pattern takes back");
	tap_ok(build_ignore_match(pats, "subdir1/x/y"), "below an excluded folder");
	tap_ok(build_ignore_match(pats, "d/e/f.tmp"), "** matches folders");
	tap_ok(!build_ignore_match(pats, "keep.tmp"), "the last match wins");
	tap_ok(build_ignore_match(pats, "a/b/b/c") && build_ignore_match(pats, "a/c"),
	       "** in the middle");
	tap_ok(!build_ignore_match(pats, "other"), "no match");
	tap_ok(!build_ignore_match(NULL, "x"), "no patterns");
}

int main(void)
{
	tap_plan(34);
	test_parse();
	test_words();
	test_pairs();
	test_ignore();
	return tap_done();
}
