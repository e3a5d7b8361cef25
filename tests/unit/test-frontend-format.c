/* pea's output formatting (tables, go-units, templates) and image names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "frontend/commands.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/images.h"
#include "tests/unit/tap.h"

static char *render(const char *tmpl, const char *json)
{
	_cleanup_json_ struct json_object *o = NULL;
	_cleanup_error_ struct pea_error *err = NULL;
	struct template *t = NULL;
	char *out = NULL;

	if (pea_json_parse(json, strlen(json), "test", &o, &err) < 0)
		return strdup("<bad json>");
	if (template_parse(tmpl, NULL, &t, &err) < 0)
		return strdup(err->message);
	if (template_render(t, o, &out, &err) < 0)
		out = strdup(err->message);
	template_free(t);
	return out;
}

static char *table_text(void)
{
	struct table t = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	table_add(&t, pea_strv_split("REPOSITORY|TAG|IMAGE ID", "|"));
	table_add(&t, pea_strv_split("localhost/busybox|latest|0cce97b69808", "|"));
	table_print(f, &t);
	fclose(f);
	table_clear(&t);
	return buf;
}

static char *normalized(const char *name)
{
	_cleanup_error_ struct pea_error *err = NULL;
	char *out = NULL;

	if (image_normalize(name, &out, &err) < 0)
		return strdup("error");
	return out;
}

/* frontend_parse_size: podman's sizes, one parser for -m, --shm-size and tmpfs-size */
static void test_sizes(void)
{
	static const struct {
		const char *in;
		long long want; /* -1: refused */
	} cases[] = {
		{ "512", 512 },	     { "6m", 6 << 20 },
		{ "6MB", 6 << 20 },  { "1.5g", 3ll << 29 },
		{ "2t", 2ll << 40 }, { "10b", 10 },
		{ "0", 0 },	     { "", -1 },
		{ "12q", -1 },	     { "-5m", -1 },
		{ " 5m", -1 },	     { "5mm", -1 },
		{ "k", -1 },	     { "9999999999t", -1 },
		{ "1e3", -1 },	     { "0x10", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long got = -1;
		int r = frontend_parse_size(cases[i].in, &got);

		tap_ok(cases[i].want < 0 ? r < 0 : r == 0 && got == cases[i].want,
		       "size '%s' -> %lld (r %d, got %lld)", cases[i].in, cases[i].want, r, got);
	}
}

static void test_times(void)
{
	static const struct {
		const char *in;
		unsigned flags;
		int r;
		double want;
	} cases[] = {
		{ "2022-04-06T11:26:42Z", 0, 0, 1649244402 },
		{ "2022-04-06T11:26:42.5Z", 0, 0, 1649244402.5 },
		{ "2022-04-06T13:26:42.25+02:00", 0, 0, 1649244402.25 },
		{ "2022-04-06T09:26:42-02:00", 0, 0, 1649244402 },
		{ "2022-04-06T11:26:42", 0, -EINVAL, 0 },
		{ "2022-04-06T11:26:42", PARSE_TIME_LOOSE, 0, 1649244402 },
		{ "2022-04-06", 0, -EINVAL, 0 },
		{ "2022-04-06", PARSE_TIME_LOOSE, 0, 1649203200 },
		{ "2022-04-06T11:26:42.Z", 0, -EINVAL, 0 },
		{ "2022-04-06T11:26:42+2:00", 0, -EINVAL, 0 },
		{ "2022-04-06T11:26:42+24:00", 0, -EINVAL, 0 },
		{ "2022-04-06T11:26:42Zjunk", 0, -EINVAL, 0 },
		{ "", PARSE_TIME_LOOSE, -EINVAL, 0 },
		{ "x2022-04-06", PARSE_TIME_LOOSE, -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double got = -1;
		int r = frontend_parse_rfc3339(cases[i].in, cases[i].flags, &got);

		tap_ok(r == cases[i].r && (r < 0 || got == cases[i].want),
		       "time '%s' (flags %u) -> r %d, %.3f", cases[i].in, cases[i].flags, r, got);
	}
	tap_ok(frontend_parse_time("not a time") == 0 && frontend_parse_time(NULL) == 0,
	       "frontend_parse_time of what is not a time is 0");
}

int main(void)
{
	tap_plan(32 + 16 + 15);
	test_sizes();
	test_times();
	{
		_cleanup_free_ char *s = table_text();
		tap_is_str(s,
			   "REPOSITORY         TAG         IMAGE ID\n"
			   "localhost/busybox  latest      0cce97b69808\n",
			   "tabwriter: min width 12, padding 2, last column unpadded");
	}
	{
		struct {
			double secs;
			const char *want;
		} d[] = {
			{ 0.5, "Less than a second" },
			{ 1, "1 second" },
			{ 59, "59 seconds" },
			{ 60, "About a minute" },
			{ 600, "10 minutes" },
			{ 3600, "About an hour" },
			{ 7200, "2 hours" },
			{ 86400 * 3, "3 days" },
			{ 86400 * 20, "2 weeks" },
			{ 86400 * 90, "3 months" },
			{ 86400 * 365 * 56.0, "56 years" },
		};
		for (size_t i = 0; i < ARRAY_SIZE(d); i++) {
			_cleanup_free_ char *s = fmt_human_duration(d[i].secs);
			tap_is_str(s, d[i].want, "duration %g", d[i].secs);
		}
	}
	{
		_cleanup_free_ char *a = fmt_human_size(2140160), *b = fmt_human_size(999);
		_cleanup_free_ char *c = fmt_human_size(1000);
		tap_is_str(a, "2.14 MB", "size in MB, 3 digits");
		tap_is_str(b, "999 B", "bytes");
		tap_is_str(c, "1 kB", "kB without trailing zeros");
	}
	{
		const char *j =
			"{\"ID\":\"abc\",\"Names\":\"web\",\"State\":{\"Status\":\"running\","
			"\"Pid\":42},\"Env\":[\"A=1\",\"B=2\"],\"L\":{\"b\":\"2\",\"a\":\"1\"}}";
		_cleanup_free_ char *a = render("{{.ID}} {{ .Names }}", j);
		_cleanup_free_ char *b = render("{{.State.Status}}/{{.State.Pid}}", j);
		_cleanup_free_ char *c = render("{{json .Env}}", j);
		_cleanup_free_ char *d = render("{{.Env}} {{.L}}", j);
		_cleanup_free_ char *e = render("{{upper .Names}}\\t{{lower .ID}}\\n", j);
		_cleanup_free_ char *f = render("{{.Nope}}", j);
		_cleanup_free_ char *g = render("{{.ID", j);
		_cleanup_free_ char *h = render("{{range .Env}}", j);
		_cleanup_free_ char *i = render("{{\"lit\"}}{{.ID}}", j);
		tap_is_str(a, "abc web", "fields, spaces inside the braces");
		tap_is_str(b, "running/42", "nested fields");
		tap_is_str(c, "[\"A=1\",\"B=2\"]", "json of a field");
		tap_is_str(d, "[A=1 B=2] map[a:1 b:2]", "arrays and maps print as Go does");
		tap_is_str(e, "WEB\tabc\n", "upper, lower, \\t and \\n escapes");
		tap_is_str(f,
			   "template: output:1:13: executing \"output\" at <.Nope>: can't evaluate "
			   "field Nope in type interface {}",
			   "unknown field, as Go's text/template says it");
		tap_ok(strstr(g, "unclosed action") != NULL, "unclosed action: %s", g);
		tap_ok(strstr(h, "unsupported action") != NULL, "range is refused: %s", h);
		tap_is_str(i, "litabc", "string literal");
	}
	{
		_cleanup_free_ char *a = normalized("busybox"),
				    *b = normalized("localhost/busybox");
		_cleanup_free_ char *c = normalized("Busybox"), *d = normalized("reg:5000/a/b:v1");
		tap_is_str(a, "busybox:latest", "short name gets :latest");
		tap_is_str(b, "localhost/busybox:latest", "localhost is a registry");
		tap_is_str(c, "error", "upper case refused");
		tap_is_str(d, "reg:5000/a/b:v1", "registry with a port and a tag");
	}
	{
		_cleanup_free_ char *a = top_caps(0xa80425fbULL, 40), *b = top_caps(0, 40);
		_cleanup_free_ char *c = top_caps(0x1ffffffffffULL, 40), *d = top_caps(0x5, 40);
		tap_is_str(a,
			   "AUDIT_WRITE,CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,MKNOD,"
			   "NET_BIND_SERVICE,NET_RAW,SETFCAP,SETGID,SETPCAP,SETUID,SYS_CHROOT",
			   "capabilities sorted by name");
		tap_is_str(b, "none", "no capability");
		tap_is_str(c, "full", "every capability");
		tap_is_str(d, "CHOWN,DAC_READ_SEARCH", "two");
	}
	return tap_done();
}
