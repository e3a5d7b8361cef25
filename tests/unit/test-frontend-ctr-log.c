/* run/create's log options (ctr-log.h), --platform (platform.h) and the record's log driver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "frontend/config.h"
#include "frontend/ctr-log.h"
#include "frontend/frontend.h"
#include "frontend/platform.h"
#include "frontend/records.h"
#include "tests/unit/tap.h"

static long long size_of(const char *s)
{
	long long v = -2;

	return ctr_log_parse_human_size(s, &v) < 0 ? -1 : v;
}

static bool platform_ok(const char *s, const char *os, const char *arch, const char *variant)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct platform_spec p = { 0 };
	bool ok;

	if (platform_parse(s, &p, &err) < 0)
		return !os;
	ok = os && strcmp(p.os, os) == 0 &&
	     (arch ? p.arch && strcmp(p.arch, arch) == 0 : !p.arch) &&
	     (variant ? p.variant && strcmp(p.variant, variant) == 0 : !p.variant);
	platform_spec_clear(&p);
	return ok;
}

static bool matches(const char *want, const char *config)
{
	_cleanup_json_ struct json_object *cfg = json_tokener_parse(config);
	struct platform_spec p = { 0 };
	bool r;

	if (platform_parse(want, &p, NULL) < 0)
		return false;
	r = platform_matches(&p, cfg);
	platform_spec_clear(&p);
	return r;
}

/* ctr_log_finish of the flags over a config; the record's opts as JSON text. */
static char *finish(const char *driver, const char *opt, const char *conf_driver,
		    long long conf_size)
{
	_cleanup_json_ struct json_object *opts = json_object_new_object();
	_cleanup_error_ struct pea_error *err = NULL;
	struct ctr_log_flags f = { 0 };
	struct ctr_config c = { .log_size_max = conf_size };
	char *out;

	c.log_driver = conf_driver ? strdup(conf_driver) : NULL;
	if ((driver && ctr_log_parse_driver(&f, driver, &err) < 0) ||
	    (opt && ctr_log_parse_opt(&f, opt, &err) < 0) ||
	    ctr_log_finish(&f, &c, false, opts, &err) < 0)
		out = strdup(err->message);
	else
		out = strdup(json_object_to_json_string_ext(opts, JSON_C_TO_STRING_PLAIN));
	ctr_log_flags_clear(&f);
	ctr_config_clear(&c);
	return out;
}

static bool finish_is(const char *driver, const char *opt, const char *conf_driver,
		      long long conf_size, const char *want)
{
	char *got = finish(driver, opt, conf_driver, conf_size);
	bool ok = strcmp(got, want) == 0;

	if (!ok)
		fprintf(stderr, "# got:  %s\n# want: %s\n", got, want);
	free(got);
	return ok;
}

int main(void)
{
	tap_plan(27);
	/* go-units FromHumanSize: 1000-based, i and b ignored */
	tap_ok(size_of("10k") == 10000, "10k");
	tap_ok(size_of("10kb") == 10000 && size_of("10KiB") == 10000, "10kb, 10KiB");
	tap_ok(size_of("1.5MiB") == 1500000, "1.5MiB");
	tap_ok(size_of("2 g") == 2000000000LL, "'2 g'");
	tap_ok(size_of("3.051m") == 3050999 || size_of("3.051m") == 3051000, "3.051m");
	tap_ok(size_of("7") == 7 && size_of("7b") == 7, "bytes");
	tap_ok(size_of("abc") < 0 && size_of("-1") < 0 && size_of("") < 0, "abc, -1, empty");
	tap_ok(size_of("1.2.3") < 0 && size_of("10kk") < 0 && size_of(" 1") < 0, "1.2.3, 10kk");
	tap_ok(size_of("99999999999999999999") < 0, "past 2^63");
	/* --platform */
	tap_ok(platform_ok("linux/arm64/v8", "linux", "arm64", "v8"), "os/arch/variant");
	tap_ok(platform_ok("linux/amd64", "linux", "amd64", NULL), "os/arch");
	tap_ok(platform_ok("linux", "linux", NULL, NULL), "os alone");
	tap_ok(platform_ok("linux//v8", NULL, NULL, NULL) &&
		       platform_ok("a/b/c/d", NULL, NULL, NULL),
	       "empty part, four parts");
	tap_ok(platform_ok("Linux/amd64", NULL, NULL, NULL) && platform_ok("", NULL, NULL, NULL),
	       "uppercase, empty");
	tap_ok(platform_ok("windows/amd64", NULL, NULL, NULL), "not linux");
	tap_ok(matches("linux/arm64", "{\"os\":\"linux\",\"architecture\":\"arm64\","
				      "\"variant\":\"v8\"}"),
	       "arm64 matches arm64/v8");
	tap_ok(!matches("linux/arm64/v7", "{\"os\":\"linux\",\"architecture\":\"arm64\","
					  "\"variant\":\"v8\"}"),
	       "v7 is not v8");
	tap_ok(!matches("linux/amd64", "{\"os\":\"linux\",\"architecture\":\"arm64\"}"),
	       "amd64 is not arm64");
	tap_ok(matches("linux/s390x", "{}"), "a config that does not say is any");
	/* the flags over containers.conf */
	tap_ok(finish_is(NULL, NULL, NULL, CTR_LOG_SIZE_MAX_DEFAULT,
			 "{\"log_driver\":\"k8s-file\",\"log_size\":10485760}"),
	       "default: k8s-file with pea's cap");
	tap_ok(finish_is(NULL, NULL, "none", 20000, "{\"log_driver\":\"none\",\"log_size\":-1}"),
	       "containers.conf's driver; no cap without a file");
	tap_ok(finish_is("json-file", "max-size=10k", "none", -1,
			 "{\"log_driver\":\"json-file\",\"log_size\":10000}"),
	       "flags win");
	tap_ok(finish_is(NULL, NULL, NULL, -1, "{\"log_driver\":\"k8s-file\",\"log_size\":-1}"),
	       "log_size_max = -1: no cap");
	tap_ok(finish_is(NULL, "tag={{.Name}}", NULL, -1,
			 "{\"log_driver\":\"k8s-file\",\"log_size\":-1,\"log_tag\":\"{{.Name}}\"}"),
	       "a tag kept as given");
	tap_ok(finish_is("bogus", NULL, NULL, -1,
			 "running container create option: invalid log driver: invalid argument"),
	       "bad driver: podman's words");
	tap_ok(finish_is(NULL, NULL, "bogus", -1,
			 "containers.conf: invalid log driver \"bogus\": use k8s-file, json-file, "
			 "journald, none or passthrough"),
	       "bad driver in containers.conf");
	tap_ok(finish_is(NULL, "noequals", NULL, -1,
			 "invalid log option \"noequals\": use NAME=VALUE (path, max-size, tag)"),
	       "bad option");
	return tap_done();
}
