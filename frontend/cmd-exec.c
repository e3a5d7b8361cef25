/* exec: a process in a running container, through the runtime's exec (podman-exec(1)). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/tty.h"

static bool runtime_has_exec(const char *runtime)
{
	char *argv[] = { (char *)runtime, (char *)"exec", (char *)"--help", NULL };
	struct run_result r = { 0 };
	bool ok;

	if (frontend_run_capture(argv, -1, &r, NULL) < 0)
		return false;
	ok = WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
	run_result_clear(&r);
	return ok;
}

int exec_runtime_error(char *log, struct pea_error **err)
{
	_cleanup_free_ char *msg = NULL;

	for (char *line = log, *next; line && *line; line = next) {
		_cleanup_json_ struct json_object *j = NULL;
		const char *level = NULL, *m = NULL;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (pea_json_parse(line, strlen(line), "runtime log", &j, NULL) < 0 || !j ||
		    !json_object_is_type(j, json_type_object) ||
		    pea_json_get_string_opt(j, "", "level", &level, NULL) != 1 ||
		    pea_json_get_string_opt(j, "", "msg", &m, NULL) != 1)
			continue;
		if (strcmp(level, "error") == 0 || strcmp(level, "fatal") == 0) {
			free(msg);
			msg = xstrdup(m);
		}
	}
	if (!msg)
		return 0;
	if (strstr(msg, "not found") || strstr(msg, "No such file or directory")) {
		pea_error_new(err, ENOENT,
			      "%s: OCI runtime attempted to invoke a command that was not found",
			      msg);
		return PEA_EXIT_NOT_FOUND;
	}
	if (strstr(msg, "ermission denied") || strstr(msg, "not permitted") ||
	    strstr(msg, "cannot execute")) {
		pea_error_new(err, EACCES, "%s: OCI permission denied", msg);
		return PEA_EXIT_CANNOT;
	}
	pea_error_new(err, EIO, "%s: OCI runtime error", msg);
	return PEA_EXIT_ENGINE;
}

/* After a failed exec: exec_runtime_error() of the runtime's log file. */
static int runtime_failure(const char *logfile, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, logfile, 1u << 20, &buf, &len, NULL) < 0 || len == 0)
		return 0;
	return exec_runtime_error(buf, err);
}

static const char exec_usage[] =
	"Usage: pea exec [OPTIONS] CONTAINER COMMAND [ARG...]\n"
	"\n"
	"Run a process in a running container, through the runtime's exec.\n"
	"\n"
	"  -e, --env=KEY=VALUE   set an environment variable\n"
	"  -i, --interactive     keep stdin open (with -t: pea's terminal, raw, to the process)\n"
	"  -t, --tty             give the process a terminal\n"
	"  -u, --user=USER       run as this user\n"
	"  -w, --workdir=DIR     working directory\n";

int cmd_exec(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_record_ struct ctr_record *rec = NULL;
	_cleanup_strv_ char **rargv = NULL, **env = NULL;
	_cleanup_free_ char *user = NULL, *cwd = NULL, *procfile = NULL, *logfile = NULL;
	_cleanup_free_ char *sockdir = NULL;
	_cleanup_close_ int pidfd = -1;
	struct pea_spawn s = { 0 };
	int r, c = 0, status;
	bool tty = false, input = false;
	pid_t pid;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "+he:u:w:it", opts, exec_usage, &c, err)) == 2) {
		switch (c) {
		case 'e':
			if (!strchr(optarg, '=')) {
				const char *v = getenv(optarg);
				if (v)
					pea_strv_push_take(&env, xasprintf("%s=%s", optarg, v));
			} else {
				pea_strv_push(&env, optarg);
			}
			break;
		case 'u':
			free(user);
			user = xstrdup(optarg);
			break;
		case 'w':
			if (optarg[0] != '/')
				return pea_error_new(err, EINVAL,
						     "invalid workdir \"%s\": must be "
						     "an absolute path",
						     optarg);
			free(cwd);
			cwd = xstrdup(optarg);
			break;
		case 'i':
			input = true; /* without -t stdin is passed through as it is */
			break;
		case 't':
			tty = true;
			break;
		default:
			break;
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind < 2)
		return pea_error_new(err, EINVAL,
				     "exec requires the name or ID of a container and "
				     "a command to run");
	if (record_lookup(g, argv[optind], &rec, err) < 0)
		return -1;
	(void)record_refresh(g, rec, NULL);
	if (rec->state != CTR_RUNNING)
		return pea_error_new(err, EINVAL,
				     "can only create exec sessions on running "
				     "containers: container state improper");
	if (!runtime_has_exec(rec->runtime ? rec->runtime : g->runtime))
		return pea_error_new(err, ENOTSUP,
				     "the OCI runtime '%s' has no exec command: start "
				     "the container with --runtime crun to use exec",
				     rec->runtime ? rec->runtime : g->runtime);
	if (spec_exec_process(g, rec, argv + optind + 1, env, cwd, user, tty, &procfile, err) < 0)
		return -1;
	/* the runtime's own errors (not the process's) go to this log as JSON too */
	logfile = xasprintf("%s.log", procfile);
	pea_strv_push(&rargv, rec->runtime ? rec->runtime : g->runtime);
	pea_strv_push_take(&rargv, xasprintf("--root=%s/runtime", g->runroot));
	pea_strv_push_take(&rargv, xasprintf("--log=%s", logfile));
	pea_strv_push(&rargv, "--log-format=json");
	pea_strv_push(&rargv, "exec");
	if (tty && tty_console_dir(&sockdir, err) < 0) {
		(void)unlink(procfile);
		return -1;
	}
	if (tty) /* the runtime sends the terminal there (tty.h) */
		pea_strv_push_take(&rargv, xasprintf("--console-socket=%s/console", sockdir));
	pea_strv_push_take(&rargv, xasprintf("--process=%s", procfile));
	pea_strv_push(&rargv, rec->id);
	s.argv = rargv;
	if (tty) {
		_cleanup_free_ char *sock = xasprintf("%s/console", sockdir);
		r = tty_exec(rargv, sock, input, &status, err);
		(void)rmdir(sockdir);
	} else {
		r = pea_spawn(&s, &pid, &pidfd, err);
		if (r == 0)
			r = pea_wait(pid, pidfd, -1, &status, err);
	}
	(void)unlink(procfile);
	if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		g->error_status = runtime_failure(logfile, err);
		if (g->error_status > 0)
			r = -1;
	}
	(void)unlink(logfile);
	if (r < 0)
		return -1;
	return pea_exit_status(status);
}
