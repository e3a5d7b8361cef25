/* exec: a process in a running container, through the runtime's exec (podman-exec(1)). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/events.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/security-run.h"
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

#define SYNC_LINE_MAX	4096
#define SYNC_TIMEOUT_MS 30000

extern char **environ;

struct exec_options {
	char **env;
	char *user, *cwd;
	const char *keys_spec;
	bool tty, input, detach, privileged, latest;
};

static void exec_options_clear(struct exec_options *o)
{
	pea_strv_free(o->env);
	free(o->user);
	free(o->cwd);
}

static const char exec_usage[] =
	"Usage: pea exec [OPTIONS] CONTAINER COMMAND [ARG...]\n"
	"\n"
	"Run a process in a running container, through the runtime's exec.\n"
	"\n"
	"  -d, --detach            run it in the background (its monitor holds its terminal\n"
	"                          with -t); print the session's id\n"
	"      --detach-keys=KEYS  keys that leave a -t process running (default\n"
	"                          ctrl-p,ctrl-q; \"\": none)\n"
	"  -e, --env=KEY=VALUE     set an environment variable\n"
	"      --env-file=FILE     read KEY=VALUE lines (# comments, blank lines skipped)\n"
	"  -i, --interactive       keep stdin open (with -t: pea's terminal, raw, to the process)\n"
	"  -l, --latest            in the container created last (no CONTAINER operand)\n"
	"      --privileged        every capability, as run --privileged gives them\n"
	"  -t, --tty               give the process a terminal\n"
	"  -u, --user=USER         run as this user\n"
	"  -w, --workdir=DIR       working directory\n";

enum { OPT_DETACH_KEYS = 256, OPT_PRIVILEGED, OPT_ENV_FILE };

static int exec_option(struct exec_options *o, int c, const char *arg, struct pea_error **err)
{
	switch (c) {
	case 'e':
		if (!strchr(arg, '=')) {
			const char *v = getenv(arg);
			if (v)
				pea_strv_push_take(&o->env, xasprintf("%s=%s", arg, v));
		} else {
			pea_strv_push(&o->env, arg);
		}
		break;
	case 'u':
		free(o->user);
		o->user = xstrdup(arg);
		break;
	case 'w':
		if (arg[0] != '/')
			return pea_error_new(err, EINVAL,
					     "invalid workdir \"%s\": must be an absolute path",
					     arg);
		free(o->cwd);
		o->cwd = xstrdup(arg);
		break;
	case 'i':
		o->input = true;
		break;
	case 't':
		o->tty = true;
		break;
	case 'd':
		o->detach = true;
		break;
	case 'l':
		o->latest = true;
		break;
	case OPT_DETACH_KEYS:
		o->keys_spec = arg;
		break;
	case OPT_PRIVILEGED:
		o->privileged = true;
		break;
	case OPT_ENV_FILE:
		return frontend_env_file(&o->env, arg, err);
	default:
		break;
	}
	return 0;
}

/* 1: --help printed */
static int exec_parse(int argc, char **argv, struct exec_options *o, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "detach", no_argument, NULL, 'd' },
		{ "detach-keys", required_argument, NULL, OPT_DETACH_KEYS },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "privileged", no_argument, NULL, OPT_PRIVILEGED },
		{ "env-file", required_argument, NULL, OPT_ENV_FILE },
		{ "latest", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *keys = NULL;
	size_t nkeys;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "+dhe:u:w:itl", opts, exec_usage, &c, err)) == 2)
		if (exec_option(o, c, optarg, err) < 0)
			return -1;
	if (r != 0)
		return r;
	if (tty_parse_detach_keys(o->keys_spec, &keys, &nkeys, err) < 0)
		return -1;
	if (argc - optind < (o->latest ? 1 : 2))
		return pea_error_new(err, EINVAL,
				     "exec requires the name or ID of a container and "
				     "a command to run");
	return 0;
}

/*
 * --privileged: the capabilities run --privileged gives (security-run.h), in
 * the process file of the exec (BUNDLE/exec-*.json).
 */
static int exec_privileged(const char *procfile, const char *id, struct pea_error **err)
{
	_cleanup_json_ struct json_object *proc = NULL, *spec = json_object_new_object();
	_cleanup_json_ struct json_object *sec = json_object_new_object();
	_cleanup_free_ char *dir = xstrndup(procfile, (size_t)(strrchr(procfile, '/') - procfile));
	_cleanup_close_ int dfd = -1;
	const char *name = strrchr(procfile, '/') + 1, *text;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	if (pea_json_parse_file_at(dfd, name, 16u << 20, &proc, err) < 0)
		return -1;
	if (!proc || pea_json_expect_object(proc, "process", err) < 0)
		return pea_error_wrap(err, "'%s'", procfile);
	json_object_object_add(sec, "privileged", json_object_new_boolean(true));
	json_object_object_add(spec, "process", json_object_get(proc));
	json_object_object_add(spec, "linux", json_object_new_object());
	json_object_object_add(spec, "mounts", json_object_new_array());
	if (secres_apply_spec(sec, spec, id, -1, err) < 0)
		return -1;
	text = json_object_to_json_string_ext(proc, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	return pea_write_file_atomic_at(dfd, name, text, strlen(text), 0600, err);
}

static char **runtime_argv(const struct global_options *g, const struct ctr_record *rec,
			   const char *logfile, const char *console, const char *procfile)
{
	char **v = NULL;

	pea_strv_push(&v, rec->runtime ? rec->runtime : g->runtime);
	frontend_push_runtime_flags(g, &v, false);
	pea_strv_push_take(&v, xasprintf("--root=%s/runtime", g->runroot));
	pea_strv_push_take(&v, xasprintf("--log=%s", logfile));
	pea_strv_push(&v, "--log-format=json");
	pea_strv_push(&v, "exec");
	if (console) /* the runtime sends the terminal there (tty.h) */
		pea_strv_push_take(&v, xasprintf("--console-socket=%s", console));
	pea_strv_push_take(&v, xasprintf("--process=%s", procfile));
	pea_strv_push(&v, rec->id);
	return v;
}

/*
 * Whether fd is a device node other than a terminal (crun leaves terminals
 * alone): the host's node, which a runtime chowning its stdio would change.
 */
static bool fd_is_device(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && !isatty(fd);
}

/*
 * Pipes standing for our stdio where it is a device: out[i] (read end) for
 * stdout and stderr, copied to our fd 1 and 2 (to /dev/null: dropped); in
 * (write end) fed from our stdin (-i from a device other than /dev/null).
 */
struct relay {
	int out[2];
	int in;
	char buf[16384];
	size_t len, off; /* of stdin's data not yet in the pipe */
	bool in_eof;
};

/* Copy one chunk of out[i] to our fd 1 + i; false at its end. */
static bool relay_out(struct relay *rl, int i)
{
	char buf[16384];
	ssize_t r = read(rl->out[i], buf, sizeof(buf));

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (r <= 0)
		return false;
	/* a device that refuses it (/dev/full): the data is lost, as it would be */
	(void)pea_write_all(1 + i, buf, (size_t)r, NULL);
	return true;
}

/* Move stdin's data on: read when the buffer is empty, write what is there. */
static void relay_in(struct relay *rl, short revents_stdin, short revents_pipe)
{
	if (rl->len == rl->off && (revents_stdin & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t r = read(STDIN_FILENO, rl->buf, sizeof(rl->buf));

		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		rl->off = 0;
		rl->len = r > 0 ? (size_t)r : 0;
		rl->in_eof = r <= 0;
	}
	if (rl->len > rl->off && (revents_pipe & POLLOUT)) {
		ssize_t w = write(rl->in, rl->buf + rl->off, rl->len - rl->off);

		if (w > 0)
			rl->off += (size_t)w;
		else if (w < 0 && errno != EINTR && errno != EAGAIN)
			rl->in_eof = true; /* the process closed its stdin (EPIPE) */
	}
	if (rl->in_eof || (revents_pipe & (POLLERR | POLLHUP)))
		rl->in = pea_close(rl->in);
}

/*
 * Until the process ends: our stdin into rl->in, rl->out[] to our stdout and
 * stderr; then what is left in rl->out[] (the process's last words).
 */
static void relay_until_exit(int pidfd, struct relay *rl)
{
	for (;;) {
		/* without a pidfd (before Linux 5.3), until every pipe has ended */
		if (pidfd < 0 && rl->out[0] < 0 && rl->out[1] < 0 && rl->in < 0)
			break;
		struct pollfd p[5] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = rl->out[0], .events = POLLIN },
			{ .fd = rl->out[1], .events = POLLIN },
			{ .fd = rl->in >= 0 && rl->len == rl->off ? STDIN_FILENO : -1,
			  .events = POLLIN },
			{ .fd = rl->len > rl->off ? rl->in : -1, .events = POLLOUT },
		};
		int n = poll(p, ARRAY_SIZE(p), -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || p[0].revents)
			break;
		for (int i = 0; i < 2; i++)
			if (p[1 + i].revents && !relay_out(rl, i))
				rl->out[i] = pea_close(rl->out[i]);
		if (rl->in >= 0 && (p[3].revents || p[4].revents))
			relay_in(rl, p[3].revents, p[4].revents);
	}
	for (int i = 0; i < 2; i++) {
		if (rl->out[i] < 0)
			continue;
		pea_fd_set_nonblock(rl->out[i], true);
		for (;;) {
			errno = 0;
			if (!relay_out(rl, i) || errno == EAGAIN)
				break;
		}
	}
}

/*
 * In the foreground: the runtime's exec, with our terminal (-t) or our stdio.
 * Our stdio that is a device other than a terminal is given as pipes (stdin
 * /dev/null or without -i one at its end, another device one we feed; stdout
 * and stderr ones we copy to ours): a runtime chowning the stdio it gets to
 * the process's user (crun before 1.24 does) would chown the host's
 * /dev/null, /dev/urandom, /dev/full...
 */
static int exec_foreground(const struct global_options *g, const struct ctr_record *rec,
			   const struct exec_options *o, const char *procfile, const char *logfile,
			   int *ret_status, struct pea_error **err)
{
	_cleanup_free_ char *sockdir = NULL, *console = NULL;
	_cleanup_strv_ char **argv = NULL;
	_cleanup_close_ int pidfd = -1;
	struct pea_spawn s = { .null_stdin = !o->input };
	_cleanup_free_ struct relay *rl = xnew(struct relay, 1);
	int child_ends[3] = { -1, -1, -1 };
	struct pea_fd_map fds[3];
	bool relaying = false;
	pid_t pid;
	int r;

	*rl = (struct relay){ .out = { -1, -1 }, .in = -1 };
	if (o->tty) {
		if (tty_console_dir(&sockdir, err) < 0)
			return -1;
		console = xasprintf("%s/console", sockdir);
	}
	argv = runtime_argv(g, rec, logfile, console, procfile);
	if (o->tty) {
		r = tty_exec(argv, console, o->input, o->keys_spec, ret_status, err);
		(void)rmdir(sockdir);
		return r;
	}
	if (pea_fd_is_null_device(STDIN_FILENO))
		s.null_stdin = true;
	else if (!s.null_stdin && fd_is_device(STDIN_FILENO)) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0)
			return pea_error_errno(err, "pipe for stdin");
		child_ends[0] = p[0];
		rl->in = p[1];
		pea_fd_set_nonblock(rl->in, true);
		fds[s.nfds++] = (struct pea_fd_map){ .parent = p[0], .child = STDIN_FILENO };
		relaying = true;
	}
	for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
		int p[2];

		if (!fd_is_device(fd))
			continue;
		if (pipe2(p, O_CLOEXEC) < 0) {
			r = pea_error_errno(err, "pipe for output");
			goto out;
		}
		rl->out[fd - 1] = p[0];
		child_ends[fd] = p[1];
		fds[s.nfds++] = (struct pea_fd_map){ .parent = p[1], .child = fd };
		relaying = true;
	}
	s.fds = fds;
	s.argv = argv;
	r = pea_spawn(&s, &pid, &pidfd, err);
	for (int i = 0; i < 3; i++)
		child_ends[i] = pea_close(child_ends[i]);
	if (r < 0)
		goto out;
	if (relaying) {
		/* a process that closes its stdin early: EPIPE, not our death */
		signal(SIGPIPE, SIG_IGN);
		relay_until_exit(pidfd, rl);
	}
	r = pea_wait(pid, pidfd, -1, ret_status, err);
out:
	for (int i = 0; i < 3; i++)
		(void)pea_close(child_ends[i]);
	(void)pea_close(rl->in);
	for (int i = 0; i < 2; i++)
		(void)pea_close(rl->out[i]);
	return r;
}

/*
 * The monitor of a detached exec session (conmon's --exec), as podman runs
 * it; its files in BUNDLE/execs/SESSION (removed with the container).
 */
static char **monitor_argv(const struct global_options *g, const struct ctr_record *rec,
			   const struct exec_options *o, const char *session, const char *procfile)
{
	_cleanup_free_ char *bundle = record_dir(g, rec->id);
	char **v = NULL;

	pea_strv_push(&v, g->conmon);
	pea_strv_push(&v, "--api-version");
	pea_strv_push(&v, "1");
	pea_strv_push(&v, "-c");
	pea_strv_push(&v, rec->id);
	pea_strv_push(&v, "-u");
	pea_strv_push(&v, session);
	pea_strv_push(&v, "-n");
	pea_strv_push(&v, rec->name);
	pea_strv_push(&v, "-r");
	pea_strv_push(&v, rec->runtime ? rec->runtime : g->runtime);
	pea_strv_push(&v, "-b");
	pea_strv_push(&v, bundle);
	pea_strv_push(&v, "-p");
	pea_strv_push_take(&v, xasprintf("%s/execs/%s/pid", bundle, session));
	if (o->tty)
		pea_strv_push(&v, "-t");
	if (o->input)
		pea_strv_push(&v, "-i");
	pea_strv_push(&v, "--exec");
	pea_strv_push_take(&v, xasprintf("--exec-process-spec=%s", procfile));
	pea_strv_push_take(&v, xasprintf("--log-path=k8s-file:%s/execs/%s/log", bundle, session));
	pea_strv_push_take(&v, xasprintf("--exit-dir=%s/execs/%s/exits", bundle, session));
	pea_strv_push_take(&v, xasprintf("--persist-dir=%s/execs/%s", bundle, session));
	pea_strv_push_take(&v, xasprintf("--socket-dir-path=%s/socket", g->runroot));
	pea_strv_push(&v, "--runtime-arg");
	pea_strv_push(&v, "--root");
	pea_strv_push(&v, "--runtime-arg");
	pea_strv_push_take(&v, xasprintf("%s/runtime", g->runroot));
	frontend_push_runtime_flags(g, &v, true);
	return v;
}

/* podman's statuses and words for a process that could not be run (as exec_runtime_error). */
static int exec_failure(struct global_options *g, const char *msg, struct pea_error **err)
{
	_cleanup_free_ char *m = xstrdup(msg);
	size_t n = strlen(m);

	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
		m[--n] = '\0';
	if (strstr(m, "not found") || strstr(m, "No such file or directory")) {
		g->error_status = PEA_EXIT_NOT_FOUND;
		return pea_error_new(err, ENOENT,
				     "%s: OCI runtime attempted to invoke a command that was not "
				     "found",
				     m);
	}
	if (strstr(m, "ermission denied") || strstr(m, "not permitted") ||
	    strstr(m, "cannot execute")) {
		g->error_status = PEA_EXIT_CANNOT;
		return pea_error_new(err, EACCES, "%s: OCI permission denied", m);
	}
	return pea_error_new(err, EIO, "%s: OCI runtime error", m);
}

/* The monitor's first line on the sync pipe: the process's pid, or why it failed. */
static int read_sync_pid(struct global_options *g, int fd, struct pea_error **err)
{
	_cleanup_json_ struct json_object *j = NULL;
	char buf[SYNC_LINE_MAX + 1];
	size_t len = 0;
	int64_t pid = 0;
	const char *msg = NULL;

	buf[0] = '\0';
	while (len < SYNC_LINE_MAX && !memchr(buf, '\n', len)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int pr = poll(&p, 1, SYNC_TIMEOUT_MS);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0)
			return pea_error_new(err, ETIMEDOUT, "the exec monitor did not report");
		n = read(fd, buf + len, SYNC_LINE_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (len == 0)
		return pea_error_new(err, EPIPE, "the exec monitor exited without reporting");
	if (pea_json_parse(buf, strlen(buf), "sync pipe", &j, NULL) < 0 || !j ||
	    pea_json_get_int64_opt(j, "", "data", &pid, NULL) != 1)
		return pea_error_new(err, EPROTO, "the exec monitor reported '%s'", buf);
	if (pid <= 0) {
		(void)pea_json_get_string_opt(j, "", "message", &msg, NULL);
		return exec_failure(g, msg ? msg : "failed", err);
	}
	return 0;
}

/* -d: the monitor runs the runtime's exec and stays with the process; print the session. */
static int exec_detached(struct global_options *g, const struct ctr_record *rec,
			 const struct exec_options *o, const char *procfile, struct pea_error **err)
{
	_cleanup_free_ char *session = frontend_new_id();
	_cleanup_strv_ char **argv = monitor_argv(g, rec, o, session, procfile), **envp = NULL;
	_cleanup_close_ int rd = -1, wr = -1, pidfd = -1;
	struct pea_fd_map fds[1];
	struct pea_spawn s = { .argv = argv, .fds = fds, .nfds = 1, .null_stdin = true };
	_cleanup_free_ char *dir = record_dir(g, rec->id), *exits = NULL;
	int pipefd[2], status;
	pid_t pid;

	exits = xasprintf("%s/execs/%s/exits", dir, session);
	if (frontend_mkdir_p(exits, err) < 0)
		return -1;

	for (size_t i = 0; environ && environ[i]; i++)
		if (strncmp(environ[i], "_OCI_", 5) != 0)
			pea_strv_push(&envp, environ[i]);
	pea_strv_push(&envp, "_OCI_SYNCPIPE=3");
	s.envp = envp;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe");
	rd = pipefd[0];
	wr = pipefd[1];
	fds[0] = (struct pea_fd_map){ wr, 3 };
	if (pea_spawn(&s, &pid, &pidfd, err) < 0)
		return pea_error_wrap(err, "starting the exec monitor '%s'", g->conmon);
	wr = pea_close(wr);
	if (pea_wait(pid, pidfd, -1, &status, err) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		_cleanup_free_ char *d = pea_describe_wait_status(status);
		return pea_error_new(err, EIO, "the exec monitor '%s' %s", g->conmon, d);
	}
	if (read_sync_pid(g, rd, err) < 0)
		return -1;
	printf("%s\n", session);
	return 0;
}

int cmd_exec(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_(exec_options_clear) struct exec_options o = { .keys_spec =
									TTY_DETACH_KEYS_DEFAULT };
	_cleanup_record_ struct ctr_record *rec = NULL;
	_cleanup_free_ char *procfile = NULL, *logfile = NULL, *last = NULL;
	char **args;
	int r, status;

	r = exec_parse(argc, argv, &o, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (o.latest && container_latest(g, &last, err) < 0)
		return -1;
	if (record_lookup(g, last ? last : argv[optind], &rec, err) < 0)
		return -1;
	args = argv + optind + (last ? 0 : 1);
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
	if (spec_exec_process(g, rec, args, o.env, o.cwd, o.user, o.tty, &procfile, err) < 0)
		return -1;
	if (o.privileged && exec_privileged(procfile, rec->id, err) < 0) {
		(void)unlink(procfile);
		return -1;
	}
	events_container(g, rec, "exec");
	if (o.detach) {
		r = exec_detached(g, rec, &o, procfile, err);
		(void)unlink(procfile);
		return r < 0 ? -1 : 0;
	}
	/* the runtime's own errors (not the process's) go to this log as JSON too */
	logfile = xasprintf("%s.log", procfile);
	r = exec_foreground(g, rec, &o, procfile, logfile, &status, err);
	(void)unlink(procfile);
	if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		g->error_status = runtime_failure(logfile, err);
		if (g->error_status > 0)
			r = -1;
	}
	(void)unlink(logfile);
	if (r < 0)
		return -1;
	events_container(g, rec, "exec_died");
	return pea_exit_status(status);
}
