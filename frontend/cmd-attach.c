/*
 * attach: a running container's output on ours, our stdin to it (podman-attach(1)),
 * through the monitor's attach socket (conmon's protocol: each packet from
 * the monitor is one byte of stream id, 2 stdout or 3 stderr, then data;
 * each packet to it is input).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/frontend.h"
#include "frontend/records.h"

#define PACKET_MAX   (8192 + 1)
#define EXIT_WAIT_MS 10000

enum { ATTACH_STDOUT = 2, ATTACH_STDERR = 3 };

/* One packet from the monitor to our stdout or stderr; false at its end. */
static bool copy_out(int sock)
{
	char buf[PACKET_MAX];
	ssize_t n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
	int out;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;
	if (n < 2)
		return true;
	out = buf[0] == ATTACH_STDERR ? STDERR_FILENO : STDOUT_FILENO;
	(void)pea_write_all(out, buf + 1, (size_t)n - 1, NULL);
	return true;
}

/* Our stdin to the container; at its end the monitor is told (no more input). */
static void copy_in(int sock, bool *open)
{
	char buf[PACKET_MAX - 1];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0 || send(sock, buf, (size_t)n, MSG_NOSIGNAL) < 0) {
		*open = false;
		(void)shutdown(sock, SHUT_WR);
	}
}

static void proxy_signals(struct global_options *g, const struct ctr_record *r, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		_cleanup_free_ char *num = xasprintf("%u", si.ssi_signo);
		const char *args[] = { "kill", r->id, num, NULL };
		(void)container_runtime(g, r, args, true, NULL);
	}
}

static int pump(struct global_options *g, const struct ctr_record *r, int sock, bool in,
		bool sig_proxy)
{
	_cleanup_close_ int sfd = -1;
	sigset_t mask;

	if (sig_proxy) {
		sigemptyset(&mask);
		sigaddset(&mask, SIGINT);
		sigaddset(&mask, SIGTERM);
		sigaddset(&mask, SIGHUP);
		sigaddset(&mask, SIGQUIT);
		sigprocmask(SIG_BLOCK, &mask, NULL);
		sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	}
	for (;;) {
		struct pollfd p[3] = { { .fd = sock, .events = POLLIN },
				       { .fd = in ? STDIN_FILENO : -1, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };

		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return -errno;
		if (p[0].revents & POLLIN) {
			if (!copy_out(sock))
				break;
			continue; /* drain the output before noticing a hang-up */
		}
		if (p[0].revents & (POLLHUP | POLLERR))
			break;
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			copy_in(sock, &in);
		if (p[2].revents & POLLIN)
			proxy_signals(g, r, sfd);
	}
	return 0;
}

static int exit_code(const struct global_options *g, const char *id)
{
	_cleanup_free_ char *file = record_exit_file(g, id), *buf = NULL;
	size_t len;

	if (container_wait_exit(g, id, EXIT_WAIT_MS, NULL) < 0 ||
	    pea_read_file_at(AT_FDCWD, file, 64, &buf, &len, NULL) < 0 || len == 0)
		return 0; /* still running: we detached (its socket closed on us) */
	return atoi(buf);
}

static const char attach_usage[] =
	"Usage: pea attach [OPTIONS] CONTAINER\n"
	"\n"
	"Attach to a running container: its output on ours, our input to it (when it\n"
	"was made with -i); exit with its status when it ends.\n"
	"\n"
	"      --no-stdin          do not send our input\n"
	"      --sig-proxy[=BOOL]  pass the signals pea gets to the container (default true)\n"
	"      --detach-keys=KEYS  accepted for podman's command line\n";

enum { OPT_NOSTDIN = 256, OPT_SIGPROXY, OPT_DETACHKEYS };

int cmd_attach(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "no-stdin", no_argument, NULL, OPT_NOSTDIN },
		{ "sig-proxy", optional_argument, NULL, OPT_SIGPROXY },
		{ "detach-keys", required_argument, NULL, OPT_DETACHKEYS },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_close_ int sock = -1;
	bool no_stdin = false, sig_proxy = true, interactive = false;
	int rc, c = 0;

	optind = 0;
	while ((rc = cmd_getopt(argc, argv, "h", opts, attach_usage, &c, err)) == 2) {
		if (c == OPT_NOSTDIN)
			no_stdin = true;
		else if (c == OPT_SIGPROXY &&
			 parse_bool_arg("--sig-proxy", optarg, &sig_proxy, err) < 0)
			return -1;
	}
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	if (argc - optind != 1)
		return pea_error_new(err, EINVAL,
				     "attach requires the name or id of one running "
				     "container");
	if (record_lookup(g, argv[optind], &r, err) < 0)
		return -1;
	(void)record_refresh(g, r, NULL);
	if (r->state != CTR_RUNNING)
		return pea_error_new(err, EINVAL, "you can only attach to running containers");
	(void)pea_json_get_bool_opt(r->opts, "", "interactive", &interactive, NULL);
	if (container_attach_connect(g, r->id, &sock, err) < 0)
		return -1;
	if (pump(g, r, sock, interactive && !no_stdin, sig_proxy) < 0)
		return pea_error_errno(err, "attach");
	sock = pea_close(sock);
	fflush(stdout);
	return exit_code(g, r->id);
}
