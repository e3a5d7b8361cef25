#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/xalloc.h"
#include "dnsd/dnsd.h"
#include "dnsd/options.h"
#include "dnsd/sandbox.h"
#include "dnsd/server.h"

static int print_version(void)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_free_ char *target = NULL;
	struct utsname u;

	/* the shape of aardvark-dns's, whose target is a Rust target triple */
	target = xasprintf("%s-unknown-linux-gnu", uname(&u) == 0 ? u.machine : "unknown");
	json_object_object_add(o, "version", json_object_new_string(PEA_VERSION));
	json_object_object_add(o, "commit", json_object_new_string(""));
	json_object_object_add(o, "build_time", json_object_new_string(""));
	json_object_object_add(o, "target", json_object_new_string(target));
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}

static int setup_logging(const struct dnsd_options *opts, struct pea_error **err)
{
	log_set_program("pea-dnsd");
	log_set_level(opts->log_level);
	log_set_format(opts->log_format);
	if (opts->log_file && log_open_file(opts->log_file, err) < 0)
		return pea_error_wrap(err, "--log-file");
	if (opts->log_file)
		log_set_mirror_stderr(true);
	return 0;
}

static int open_config_dir(const char *dir, int *ret, struct pea_error **err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return pea_error_errno(err, "config directory '%s'", dir);
	*ret = fd;
	return 0;
}

static int write_pid_file(int dirfd, struct pea_error **err)
{
	/* no newline: netavark parses the whole file as a number */
	_cleanup_free_ char *pid = xasprintf("%d", (int)getpid());

	if (pea_write_file_atomic_at(dirfd, DNSD_PID_FILE, pid, strlen(pid), 0644, err) < 0)
		return pea_error_wrap(err, "write pid file");
	return 0;
}

/* Remove the pid file if it still names us (another instance may have taken over). */
static void remove_pid_file(int dirfd)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (pea_read_file_at(dirfd, DNSD_PID_FILE, 64, &buf, &len, &err) < 0)
		return;
	if (atoi(buf) == (int)getpid() && unlinkat(dirfd, DNSD_PID_FILE, 0) < 0)
		log_warning("remove pid file: %s, ignoring", strerror(errno));
}

static int on_signal(struct pea_loop *loop, int signo, void *data, struct pea_error **err)
{
	struct dnsd_server *srv = data;

	if (signo != SIGHUP) {
		log_info("%s, stopping", strsignal(signo));
		pea_loop_quit(loop, 0);
		return 0;
	}
	log_debug("SIGHUP: reloading '%s'", srv->config_dir);
	dnsd_server_reload(srv);
	return 0;
}

static int block_signals(struct pea_error **err)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return pea_error_errno(err, "block signals");
	return 0;
}

/*
 * Fork into the background as aardvark-dns does: the parent waits for one
 * byte on a pipe that the child writes once it serves, and exits 0; if the
 * child fails first, it prints its error on the stderr they share and the
 * parent, reading end of file, exits 1. Returns the ready fd in the child.
 */
static int daemonize(int *ret_ready_fd, struct pea_error **err)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe");
	pid = fork();
	if (pid < 0) {
		pea_close(p[0]);
		pea_close(p[1]);
		return pea_error_errno(err, "fork");
	}
	if (pid > 0) {
		ssize_t n;

		pea_close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	pea_close(p[0]);
	setsid();
	*ret_ready_fd = p[1];
	return 0;
}

/* Serving: stdio goes to /dev/null (the parent has gone), readiness is told. */
static void detach(int ready_fd, int null_fd)
{
	if (ready_fd >= 0) {
		(void)!write(ready_fd, "1", 1);
		pea_close(ready_fd);
	}
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		dup2(null_fd, STDOUT_FILENO);
		dup2(null_fd, STDERR_FILENO);
		log_set_mirror_stderr(false);
	}
}

static int serve(struct dnsd_server *srv, int dirfd, bool foreground, struct pea_error **err)
{
	struct pea_loop *loop = NULL;
	_cleanup_close_ int null_fd = -1;
	int ready_fd = -1, r;

	if (!foreground) {
		null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null_fd < 0)
			return pea_error_errno(err, "open '/dev/null'");
		if (daemonize(&ready_fd, err) < 0)
			return -(*err)->code;
	}
	r = pea_loop_new(&loop, err);
	if (r == 0)
		r = pea_loop_add_signal(loop, SIGHUP, on_signal, srv, NULL, err);
	if (r == 0)
		r = pea_loop_add_signal(loop, SIGTERM, on_signal, srv, NULL, err);
	if (r == 0)
		r = pea_loop_add_signal(loop, SIGINT, on_signal, srv, NULL, err);
	if (r == 0)
		r = dnsd_server_attach(srv, loop, err);
	if (r == 0)
		r = write_pid_file(dirfd, err);
	if (r == 0)
		r = dnsd_drop_capabilities(err);
	if (r == 0)
		r = dnsd_install_seccomp(err);
	if (r == 0) {
		log_info("serving %zu networks on %zu addresses, port %u", srv->cfg->n_networks,
			 srv->n_listeners, srv->opts->port);
		detach(ready_fd, null_fd);
		ready_fd = -1;
		null_fd = pea_close(null_fd);
		r = pea_loop_run(loop, err);
		remove_pid_file(dirfd);
	}
	pea_close(ready_fd);
	/* the server removes its watchers, then the loop goes */
	dnsd_server_free(srv);
	pea_loop_free(loop);
	return r;
}

int dnsd_run(const struct dnsd_options *opts, struct pea_error **err)
{
	_cleanup_close_ int dirfd = -1;
	struct dnsd_config *cfg = NULL;
	struct dnsd_server *srv = NULL;

	if (opts->command == DNSD_CMD_VERSION)
		return print_version();
	/* nothing of the caller's leaks into a long-lived daemon (the anchor checks it) */
	pea_close_fds_except(3, NULL, 0);
	/* a peer that went away is an error of one send, not the end of the server */
	signal(SIGPIPE, SIG_IGN);
	if (setup_logging(opts, err) < 0 || block_signals(err) < 0 ||
	    open_config_dir(opts->config_dir, &dirfd, err) < 0)
		return -(*err)->code;
	if (dnsd_config_load(dirfd, opts->config_dir, false, &cfg, err) < 0)
		return -(*err)->code;
	if (cfg->n_networks == 0) {
		dnsd_config_free(cfg);
		return pea_error_new(err, ENOENT, "no network in config directory '%s'",
				     opts->config_dir);
	}
	if (dnsd_server_new(opts, dirfd, cfg, &srv, err) < 0)
		return -(*err)->code;
	return serve(srv, dirfd, opts->foreground, err);
}
