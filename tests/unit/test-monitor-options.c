/* pea-monitor's command line: conmon's forms, defaults, errors; log paths. */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "monitor/monitor.h"
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

/* The checked healthcheck config of BASE plus words (NULL-terminated); r < 0 if refused. */
static int healthcheck_config(struct monitor_config *cfg, struct pea_error **err,
			      const char *const *extra)
{
	const char *words[32] = { "-c",	       "id1", "-u",   "id1", "-r",
				  "/bin/true", "-b",  "/tmp", "-l",  "none" };
	struct monitor_options *o = calloc(1, sizeof(*o));
	size_t n = 10;
	int r;

	for (size_t i = 0; extra[i] && n < 31; i++)
		words[n++] = extra[i];
	r = parse(o, err, words);
	if (r == 0)
		r = monitor_config_from_options(o, cfg, err);
	/* the config points into the options: kept until the caller is done */
	if (r < 0) {
		monitor_options_free(o);
		free(o);
	}
	return r;
}

static void healthcheck_config_done(struct monitor_config *cfg)
{
	struct monitor_options *o = (struct monitor_options *)cfg->opts;

	monitor_config_free(cfg);
	if (o)
		monitor_options_free(o);
	free(o);
	*cfg = (struct monitor_config){ 0 };
}

static void test_healthcheck(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct monitor_config cfg = { 0 };
	const char *full[] = { "--healthcheck-cmd",	   "/bin/sh", "--healthcheck-arg", "-c",
			       "--healthcheck-arg=exit 0", NULL };
	const char *shorter[] = { "--healthcheck-cmd", "true", "--healthcheck-interval", "10",
				  NULL };
	const char *given[] = { "--healthcheck-cmd",
				"true",
				"--healthcheck-interval",
				"60",
				"--healthcheck-timeout",
				"5",
				"--healthcheck-retries",
				"0",
				"--healthcheck-start-period",
				"120",
				NULL };
	const char *none[] = { NULL };
	char *msg;

	tap_is_int(healthcheck_config(&cfg, &err, full), 0, "a healthcheck with args");
	tap_ok(cfg.healthcheck.argv && pea_strv_length(cfg.healthcheck.argv) == 3 &&
		       strcmp(cfg.healthcheck.argv[0], "/bin/sh") == 0 &&
		       strcmp(cfg.healthcheck.argv[2], "exit 0") == 0,
	       "the command, then its args in order");
	tap_ok(cfg.healthcheck.interval == 30 && cfg.healthcheck.timeout == 30 &&
		       cfg.healthcheck.retries == 3 && cfg.healthcheck.start_period == 0,
	       "defaults: interval 30, timeout 30, retries 3, start period 0");
	healthcheck_config_done(&cfg);
	tap_is_int(healthcheck_config(&cfg, &err, shorter), 0, "a short interval");
	tap_is_int(cfg.healthcheck.timeout, 10, "the default timeout is at most the interval");
	healthcheck_config_done(&cfg);
	tap_is_int(healthcheck_config(&cfg, &err, given), 0, "every number given");
	tap_ok(cfg.healthcheck.interval == 60 && cfg.healthcheck.timeout == 5 &&
		       cfg.healthcheck.retries == 0 && cfg.healthcheck.start_period == 120,
	       "the numbers as given");
	healthcheck_config_done(&cfg);
	tap_is_int(healthcheck_config(&cfg, &err, none), 0, "no healthcheck");
	tap_ok(!cfg.healthcheck.argv, "no command: no checks");
	healthcheck_config_done(&cfg);

	msg = healthcheck_status_message(HEALTHCHECK_HEALTHY, 0);
	tap_is_str(msg, "healthy", "status message: healthy");
	free(msg);
	msg = healthcheck_status_message(HEALTHCHECK_STARTING, 1);
	tap_is_str(msg, "starting", "status message: starting (a failure within the retries)");
	free(msg);
	msg = healthcheck_status_message(HEALTHCHECK_UNHEALTHY, 124);
	tap_is_str(msg, "unhealthy (exit_code: 124)", "status message: unhealthy, with its code");
	free(msg);
}

static void test_timers(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct monitor_config cfg = { 0 };
	const char *two[] = { "--timer-command",
			      "3:10:/bin/sh",
			      "--timer-command=0:1:echo a:b",
			      "--timer-command-argument",
			      "3:-c",
			      "--timer-command-argument=3:x:y",
			      NULL };
	const char *bad[] = { "--timer-command", "1:2:x", "--timer-command", "2:01x:y", NULL };

	tap_is_int(healthcheck_config(&cfg, &err, two), 0, "two timer commands");
	tap_ok(cfg.ntimers == 2 && cfg.timers[0].id == 3 && cfg.timers[0].interval == 10 &&
		       cfg.timers[1].id == 0 && cfg.timers[1].interval == 1,
	       "their ids and intervals, in the order given");
	tap_ok(pea_strv_length(cfg.timers[0].argv) == 3 &&
		       strcmp(cfg.timers[0].argv[2], "x:y") == 0,
	       "arguments appended to their command, colons kept");
	tap_ok(strcmp(cfg.timers[1].argv[0], "echo a:b") == 0 && !cfg.timers[1].argv[1],
	       "the command is the rest after SECONDS");
	healthcheck_config_done(&cfg);
	tap_ok(healthcheck_config(&cfg, &err, bad) < 0 && err &&
		       strcmp(err->message, "Invalid timer-command interval '01x'") == 0,
	       "a bad interval refused in conmon's words");
}

int main(void)
{
	tap_plan(13 + 6 + 15 + 12 + 5);
	test_forms();
	test_errors();
	test_log_paths();
	test_healthcheck();
	test_timers();
	return tap_done();
}
