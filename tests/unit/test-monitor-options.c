/* pea-monitor's command line: conmon's forms, defaults, errors; log paths. */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "monitor/options.h"
#include "tests/unit/tap.h"

/* argv from a NULL-terminated list of words after the program name. */
static int parse(struct monitor_options *o, struct pea_error **err, const char *const *words)
{
	char *argv[64] = { "pea-monitor" };
	int argc = 1;

	for (size_t i = 0; words[i] && argc < 63; i++)
		argv[argc++] = (char *)words[i];
	return monitor_parse_args(argc, argv, o, err);
}

static void test_forms(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct monitor_options o;
	const char *words[] = { "--api-version",
				"1",
				"-c",
				"id1",
				"--cuuid=u1",
				"-rcrun",
				"-ti",
				"-l",
				"k8s-file:/a",
				"--log-path",
				"journald",
				"--runtime-arg",
				"--log-format=json",
				"--runtime-arg=--debug",
				"-T",
				"0x10",
				"--log-size-max",
				"-1",
				"--exit-delay=3",
				"-0",
				"/p",
				"--",
				"-x",
				NULL };
	int r;

	r = parse(&o, &err, words);
	tap_is_int(r, 0, "podman's argument forms parse");
	tap_ok(o.api_version, "--api-version is a flag (the '1' after it is a word)");
	tap_is_str(o.cid, "id1", "-c VALUE");
	tap_is_str(o.cuuid, "u1", "--cuuid=VALUE");
	tap_is_str(o.runtime, "crun", "-rVALUE");
	tap_ok(o.terminal && o.stdin_pipe, "-ti groups two flags");
	tap_is_int(pea_strv_length(o.log_paths), 2, "--log-path repeats");
	tap_is_str(o.runtime_args[0], "--log-format=json", "a value that starts with a dash");
	tap_is_str(o.runtime_args[1], "--debug", "--runtime-arg=--debug");
	tap_is_int(o.timeout, 16, "integers as strtol base 0 (GOption)");
	tap_is_int(o.log_size_max, -1, "negative int64");
	tap_is_int(o.exit_delay, 3, "--exit-delay=3");
	tap_is_str(o.persist_dir, "/p", "-0 is --persist-dir");
	monitor_options_free(&o);
}

static void test_errors(void)
{
	struct {
		const char *a, *b, *want;
	} cases[] = {
		{ "--nope", NULL, "unknown option '--nope'" },
		{ "-Q", NULL, "unknown option '-Q'" },
		{ "--cid", NULL, "missing argument for '--cid'" },
		{ "-T", "ten", "cannot parse integer value 'ten' for --timeout" },
		{ "-T", "4294967296", "out of range" },
		{ "--sync=1", NULL, "'--sync' does not take a value" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_error_ struct pea_error *err = NULL;
		struct monitor_options o;
		const char *words[] = { cases[i].a, cases[i].b, NULL };
		int r = parse(&o, &err, words);

		tap_ok(r < 0 && err && strstr(err->message, cases[i].want), "refused: %s %s -> %s",
		       cases[i].a, cases[i].b ? cases[i].b : "", err ? err->message : "(accepted)");
		monitor_options_free(&o);
	}
}

static void test_log_paths(void)
{
	struct {
		const char *value;
		unsigned drivers;
		const char *path;
	} ok[] = {
		{ "k8s-file:/var/log/x", LOG_DRIVER_K8S_FILE, "/var/log/x" },
		{ "/plain/path", LOG_DRIVER_K8S_FILE, "/plain/path" },
		{ ":/colon/first", LOG_DRIVER_K8S_FILE, "/colon/first" },
		{ "k8s-file:/a:b", LOG_DRIVER_K8S_FILE, "/a:b" },
		{ "journald", LOG_DRIVER_JOURNALD, NULL },
		{ "journald:ignored", LOG_DRIVER_JOURNALD, NULL },
		{ "passthrough", LOG_DRIVER_PASSTHROUGH, NULL },
		{ "none", 0, NULL },
		{ "off:", 0, NULL },
		{ "null", 0, NULL },
	};
	const char *bad[] = { "", ":", "k8s-file", "k8s-file:", "syslog:/x" };

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		_cleanup_error_ struct pea_error *err = NULL;
		_cleanup_free_ char *path = NULL;
		unsigned drivers = 0;
		int r = monitor_parse_log_path(ok[i].value, &drivers, &path, &err);

		tap_ok(r == 0 && drivers == ok[i].drivers &&
			       (ok[i].path ? path && strcmp(path, ok[i].path) == 0 : !path),
		       "log path '%s'", ok[i].value);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_error_ struct pea_error *err = NULL;
		_cleanup_free_ char *path = NULL;
		unsigned drivers = 0;

		tap_ok(monitor_parse_log_path(bad[i], &drivers, &path, &err) < 0 && err,
		       "log path '%s' refused: %s", bad[i], err ? err->message : "(accepted)");
	}
}

int main(void)
{
	tap_plan(13 + 6 + 15);
	test_forms();
	test_errors();
	test_log_paths();
	return tap_done();
}
