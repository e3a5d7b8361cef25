/* Terminals in the foreground: raw mode, sizes, detach keys, the copy loop (tty.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/tty.h"

#define BUF_SIZE	8192
#define QUIET_MS	200
#define ATTACH_ERR	3
#define DETACH_MAX	16
#define CONSOLE_WAIT_MS 30000

/* "ctrl-X" for X in a-z @ [ \ ] ^ _, or one character. */
static int detach_key(const char *k, char *ret)
{
	static const char ctrl_syms[] = "@[\\]^_";
	const char *sym;

	if (strlen(k) == 1) {
		*ret = k[0];
		return 0;
	}
	if (strncmp(k, "ctrl-", 5) != 0 || strlen(k) != 6)
		return -EINVAL;
	if (islower((unsigned char)k[5])) {
		*ret = (char)(k[5] - 'a' + 1);
		return 0;
	}
	sym = strchr(ctrl_syms, k[5]);
	if (!sym || !k[5])
		return -EINVAL;
	*ret = (char)(sym == ctrl_syms ? 0 : 27 + (sym - ctrl_syms - 1));
	return 0;
}

int tty_parse_detach_keys(const char *s, char **ret, size_t *ret_len, struct pea_error **err)
{
	_cleanup_strv_ char **keys = NULL;
	_cleanup_free_ char *out = NULL;
	size_t n;

	if (!*s) {
		*ret = xstrdup("");
		*ret_len = 0;
		return 0;
	}
	keys = pea_strv_split(s, ",");
	n = pea_strv_length(keys);
	if (n == 0 || n > DETACH_MAX || s[strlen(s) - 1] == ',' || strstr(s, ",,"))
		return pea_error_new(err, EINVAL,
				     "invalid detach keys '%s': use keys such as ctrl-p,ctrl-q", s);
	out = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		if (detach_key(keys[i], &out[i]) < 0)
			return pea_error_new(err, EINVAL,
					     "invalid detach keys '%s': unknown key '%s' (a "
					     "character, or ctrl-a to ctrl-z, ctrl-@, ctrl-[, "
					     "ctrl-\\, ctrl-], ctrl-^, ctrl-_)",
					     s, keys[i]);
	out[n] = '\0';
	*ret = TAKE_PTR(out);
	*ret_len = n;
	return 0;
}

void tty_make_raw(struct tty_state *t)
{
	struct termios raw;

	t->raw = false;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t->saved) < 0)
		return;
	raw = t->saved;
	cfmakeraw(&raw);
	/* keep output processing: pea's own messages still start at column 0 */
	raw.c_oflag |= OPOST;
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
		t->raw = true;
}

void tty_restore(struct tty_state *t)
{
	if (t->raw)
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &t->saved);
	t->raw = false;
}

bool tty_size(unsigned short *ret_rows, unsigned short *ret_cols)
{
	struct winsize ws = { 0 };

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		return false;
	if (ws.ws_row == 0 || ws.ws_col == 0)
		return false;
	*ret_rows = ws.ws_row;
	*ret_cols = ws.ws_col;
	return true;
}

void tty_resize_monitor(const struct global_options *g, const char *id)
{
	_cleanup_free_ char *dir = record_dir(g, id), *ctl = xasprintf("%s/ctl", dir);
	_cleanup_free_ char *line = NULL;
	_cleanup_close_ int fd = -1;
	unsigned short rows, cols;

	if (!tty_size(&rows, &cols))
		return;
	fd = open(ctl, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return; /* no monitor (yet, or any more): nothing to resize */
	line = xasprintf("1 %u %u\n", rows, cols);
	(void)pea_write_all(fd, line, strlen(line), NULL);
}

/* The output of fd to ours; false at its end. */
static bool copy_out(const struct tty_proxy *p)
{
	char buf[BUF_SIZE + 1];
	ssize_t n;

	if (p->packets)
		n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
	else
		n = read(p->fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;
	if (!p->packets)
		(void)pea_write_all(STDOUT_FILENO, buf, (size_t)n, NULL);
	else if (n > 1 && !(buf[0] == ATTACH_ERR ? p->drop_stderr : p->drop_stdout))
		(void)pea_write_all(buf[0] == ATTACH_ERR ? STDERR_FILENO : STDOUT_FILENO, buf + 1,
				    (size_t)n - 1, NULL);
	return true;
}

struct keys_state {
	size_t matched; /* bytes of the detach keys typed so far, held back */
	bool detached;
};

/* Our input to fd, holding back a beginning of the detach keys; false at its end. */
static bool copy_in(const struct tty_proxy *p, struct keys_state *k)
{
	char buf[BUF_SIZE], out[BUF_SIZE + DETACH_MAX];
	size_t o = 0;
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;
	for (ssize_t i = 0; i < n && !k->detached; i++) {
		if (p->nkeys && buf[i] == p->keys[k->matched]) {
			if (++k->matched == p->nkeys)
				k->detached = true;
			continue;
		}
		/* not the keys after all: what was held goes first */
		if (k->matched) {
			memcpy(out + o, p->keys, k->matched);
			o += k->matched;
			k->matched = 0;
		}
		if (p->nkeys && buf[i] == p->keys[0]) {
			k->matched = 1;
			continue;
		}
		out[o++] = buf[i];
	}
	if (o == 0)
		return true;
	if (p->packets)
		return send(p->fd, out, o, MSG_NOSIGNAL) >= 0;
	return pea_write_all(p->fd, out, o, NULL) == 0;
}

static int signal_fd(const struct tty_proxy *p, sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGWINCH);
	if (p->signal || p->ret_signal) {
		sigaddset(mask, SIGINT);
		sigaddset(mask, SIGTERM);
		sigaddset(mask, SIGHUP);
		sigaddset(mask, SIGQUIT);
	}
	sigprocmask(SIG_BLOCK, mask, NULL);
	return signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* false: a signal that ends the copy (ret_signal) came */
static bool handle_signals(const struct tty_proxy *p, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			if (p->resize)
				p->resize(p->data);
		} else if (p->signal) {
			p->signal(p->data, (int)si.ssi_signo);
		} else if (p->ret_signal) {
			*p->ret_signal = (int)si.ssi_signo;
			return false;
		}
	}
	return true;
}

int tty_proxy_run(const struct tty_proxy *p, bool *ret_detached, struct pea_error **err)
{
	struct keys_state k = { 0 };
	_cleanup_close_ int sfd = -1;
	bool in = p->input, ended = false;
	sigset_t mask, old;

	sigprocmask(SIG_SETMASK, NULL, &old);
	sfd = signal_fd(p, &mask);
	for (;;) {
		struct pollfd fds[3] = { { .fd = p->fd, .events = POLLIN },
					 { .fd = in ? STDIN_FILENO : -1, .events = POLLIN },
					 { .fd = sfd, .events = POLLIN } };
		int r = poll(fds, 3, ended ? QUIET_MS : QUIET_MS * 5);

		if (r < 0 && errno != EINTR) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			return pea_error_errno(err, "poll");
		}
		if (r == 0 && ended)
			break; /* the container ended and its output went quiet */
		if (fds[0].revents & POLLIN) {
			if (!copy_out(p))
				break;
			continue; /* drain the output before noticing a hang-up */
		}
		if (fds[0].revents & (POLLHUP | POLLERR))
			break;
		if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && !copy_in(p, &k)) {
			in = false;
			if (p->packets)
				(void)shutdown(p->fd, SHUT_WR);
		}
		if (k.detached)
			break;
		if ((fds[2].revents & POLLIN) && !handle_signals(p, sfd))
			break;
		if (p->exit_file && !ended)
			ended = pea_path_exists_at(AT_FDCWD, p->exit_file);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	*ret_detached = k.detached;
	return 0;
}

/* ---- exec -t ---------------------------------------------------------------- */

int tty_console_dir(char **ret, struct pea_error **err)
{
	const char *tmp = getenv("TMPDIR");
	_cleanup_free_ char *dir = NULL;

	if (!tmp || !*tmp || strlen(tmp) > 64)
		tmp = "/tmp";
	dir = xasprintf("%s/pea-tty-XXXXXX", tmp);
	if (!mkdtemp(dir))
		return pea_error_errno(err, "make a folder for the console socket in '%s'", tmp);
	*ret = TAKE_PTR(dir);
	return 0;
}

static int console_listen(const char *path, int *ret_fd, struct pea_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return pea_error_new(err, ENAMETOOLONG, "console socket path '%s' is too long",
				     path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return pea_error_errno(err, "socket");
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
		return pea_error_errno(err, "listen on the console socket '%s'", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The pty master the runtime sends (SCM_RIGHTS), waiting while it runs. */
static int console_receive(int lfd, int pidfd, int *ret_fd, struct pea_error **err)
{
	char byte;
	_cleanup_close_ int c = -1;

	for (;;) {
		struct pollfd p[2] = { { .fd = lfd, .events = POLLIN },
				       { .fd = pidfd, .events = POLLIN } };
		int r = poll(p, 2, CONSOLE_WAIT_MS);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return pea_error_new(err, ETIMEDOUT, "the runtime sent no terminal");
		if (p[0].revents & POLLIN)
			break;
		if (p[1].revents)
			return pea_error_new(err, EPIPE, "the runtime ended without a terminal");
	}
	c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return pea_error_errno(err, "accept on the console socket");
	if (pea_recv_fd(c, &byte, 1, ret_fd, 0) < 0)
		return pea_error_errno(err, "receive the terminal from the runtime");
	if (*ret_fd < 0)
		return pea_error_new(err, EPROTO, "the runtime sent no terminal");
	return 0;
}

struct exec_ctx {
	int master;
	int pidfd;
};

static void exec_resize(void *data)
{
	struct exec_ctx *c = data;
	unsigned short rows, cols;

	if (tty_size(&rows, &cols)) {
		struct winsize ws = { .ws_row = rows, .ws_col = cols };
		(void)ioctl(c->master, TIOCSWINSZ, &ws);
	}
}

static void exec_signal(void *data, int sig)
{
	struct exec_ctx *c = data;

	(void)pea_pidfd_send_signal(c->pidfd, sig);
}

int tty_exec(char *const *argv, const char *sockpath, bool input, const char *keys_spec,
	     int *ret_status, struct pea_error **err)
{
	_cleanup_close_ int lfd = -1, pidfd = -1, master = -1;
	/*
	 * The process's stdio is the terminal: the runtime's own stderr would only repeat
	 * the error of its log, which the caller reports (podman's conmon keeps it too).
	 */
	_cleanup_close_ int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	_cleanup_free_ char *keys = NULL;
	struct pea_fd_map fds[] = { { devnull, 2 } };
	struct pea_spawn s = {
		.argv = argv, .null_stdin = true, .fds = fds, .nfds = devnull >= 0 ? 1 : 0
	};
	struct tty_state ts = { 0 };
	struct exec_ctx ctx;
	struct tty_proxy p = {
		.input = input, .resize = exec_resize, .signal = exec_signal, .data = &ctx
	};
	bool detached = false;
	pid_t pid;
	int r;

	if (tty_parse_detach_keys(keys_spec, &keys, &p.nkeys, err) < 0 ||
	    console_listen(sockpath, &lfd, err) < 0)
		return -1;
	p.keys = keys;
	r = pea_spawn(&s, &pid, &pidfd, err);
	if (r == 0 && console_receive(lfd, pidfd, &master, err) < 0) {
		(void)pea_pidfd_send_signal(pidfd, SIGKILL);
		(void)pea_wait(pid, pidfd, -1, ret_status, NULL);
		r = -1;
	}
	(void)unlink(sockpath);
	if (r < 0)
		return -1;
	ctx = (struct exec_ctx){ master, pidfd };
	p.fd = master;
	exec_resize(&ctx);
	if (input)
		tty_make_raw(&ts);
	r = tty_proxy_run(&p, &detached, err);
	tty_restore(&ts);
	/* detached: the process runs on; the runtime waits for it, so do we not */
	if (detached) {
		*ret_status = 0;
		return 0;
	}
	if (pea_wait(pid, pidfd, -1, ret_status, err) < 0)
		return -1;
	return r;
}
