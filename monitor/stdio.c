#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

/* A pty master reports HUP while no slave is open: look again this much later. */
#define TTY_HUP_RETRY_MS 100

static int pipe_pair(int *ours, int *theirs, bool ours_is_read, struct pea_error **err)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return pea_error_errno(err, "create a pipe");
	*ours = ours_is_read ? fds[0] : fds[1];
	*theirs = ours_is_read ? fds[1] : fds[0];
	return 0;
}

/*
 * Pipes for the container's stdio (stdin only with -i, stdout unless a
 * terminal carries it). stderr is always a pipe: it also catches the
 * runtime's own errors before the container exists.
 */
int stdio_setup_pipes(struct monitor *m, struct pea_error **err)
{
	if (!m->opts->terminal) {
		if (m->opts->stdin_pipe) {
			if (pipe_pair(&m->stdin_fd, &m->worker_stdin, false, err) < 0)
				return -(*err)->code;
			pea_fd_set_nonblock(m->stdin_fd, true);
		}
		if (pipe_pair(&m->stdout_fd, &m->worker_stdout, true, err) < 0)
			return -(*err)->code;
	}
	return pipe_pair(&m->stderr_fd, &m->worker_stderr, true, err);
}

void stdio_close_workers(struct monitor *m)
{
	m->worker_stdin = pea_close(m->worker_stdin);
	m->worker_stdout = pea_close(m->worker_stdout);
	m->worker_stderr = pea_close(m->worker_stderr);
}

static int *stream_fd(struct monitor *m, enum monitor_stream s)
{
	return s == STREAM_STDOUT ? &m->stdout_fd : &m->stderr_fd;
}

static struct pea_watch **stream_watch(struct monitor *m, enum monitor_stream s)
{
	return s == STREAM_STDOUT ? &m->stdout_w : &m->stderr_w;
}

static void stream_close(struct monitor *m, enum monitor_stream s)
{
	struct pea_watch **w = stream_watch(m, s);
	int *fd = stream_fd(m, s);

	if (*w)
		pea_loop_remove(m->loop, *w);
	*w = NULL;
	/* with a terminal, stdin is the same pty: it stays for the resize ioctl */
	*fd = pea_close(*fd);
}

/* Read one chunk; 1 if data was handled, 0 at EOF, -1 on EAGAIN or error. */
static int read_stream(struct monitor *m, enum monitor_stream s)
{
	ssize_t n;

	if (!m->read_buf)
		m->read_buf = xmalloc(MONITOR_READ_CHUNK);
	do
		n = read(*stream_fd(m, s), m->read_buf, MONITOR_READ_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n < 0)
		return -1; /* EAGAIN, or EIO: the pty has no slave open */
	logs_write(&m->logs, s, m->read_buf, (size_t)n);
	attach_broadcast(m, s, m->read_buf, (size_t)n);
	return 1;
}

static int stream_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
		     struct pea_error **err);

static int watch_stream(struct monitor *m, enum monitor_stream s, struct pea_error **err)
{
	struct stream_ref *ref = s == STREAM_STDOUT ? &m->out_ref : &m->err_ref;
	uint32_t events = m->output_paused ? 0 : EPOLLIN;

	ref->m = m;
	ref->s = s;
	if (*stream_fd(m, s) < 0 || *stream_watch(m, s))
		return 0;
	pea_fd_set_nonblock(*stream_fd(m, s), true);
	return pea_loop_add_fd(m->loop, *stream_fd(m, s), events, stream_cb, ref,
			       stream_watch(m, s), err);
}

static int tty_hup_retry_cb(struct pea_loop *loop, void *data, struct pea_error **err)
{
	struct monitor *m = data;

	m->hup_timer_w = NULL;
	if (watch_stream(m, STREAM_STDOUT, err) < 0)
		return -(*err)->code;
	return 1;
}

static int stream_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
		     struct pea_error **err)
{
	struct stream_ref *ref = data;
	struct monitor *m = ref->m;
	bool tty_stdout = m->opts->terminal && ref->s == STREAM_STDOUT;
	int r = -1;

	(void)fd;
	if (m->output_paused && !(events & EPOLLIN)) {
		/*
		 * The writers hung up while the clients are full: epoll reports the
		 * hang-up even with no event asked for, but what they wrote last is still
		 * in the pipe. Stop watching, keep the pipe: stdio_pause_output reads it
		 * when the clients make room, stdio_drain at the end.
		 */
		pea_loop_remove(loop, *stream_watch(m, ref->s));
		*stream_watch(m, ref->s) = NULL;
		return 0;
	}
	errno = EAGAIN;
	if (events & EPOLLIN)
		r = read_stream(m, ref->s);
	if (r > 0 || (r < 0 && errno == EAGAIN && !(events & (EPOLLHUP | EPOLLERR))))
		return 0;
	if (tty_stdout && r != 0 && !m->container_done) {
		/* a pty with no slave open: poll instead of spinning on HUP */
		pea_loop_remove(loop, m->stdout_w);
		m->stdout_w = NULL;
		if (!m->hup_timer_w &&
		    pea_loop_add_timer(loop, TTY_HUP_RETRY_MS, 0, tty_hup_retry_cb, m,
				       &m->hup_timer_w, err) < 0)
			return -(*err)->code;
		return 0;
	}
	stream_close(m, ref->s);
	return 0;
}

int stdio_watch_output(struct monitor *m, struct pea_error **err)
{
	if (watch_stream(m, STREAM_STDOUT, err) < 0 || watch_stream(m, STREAM_STDERR, err) < 0)
		return -(*err)->code;
	return 0;
}

void stdio_pause_output(struct monitor *m, bool pause)
{
	_cleanup_error_ struct pea_error *e = NULL;

	if (m->output_paused == pause)
		return;
	m->output_paused = pause;
	if (m->stdout_w)
		pea_loop_modify_fd(m->loop, m->stdout_w, pause ? 0 : EPOLLIN, &e);
	if (m->stderr_w)
		pea_loop_modify_fd(m->loop, m->stderr_w, pause ? 0 : EPOLLIN, &e);
	/* a pipe left unwatched while paused (see stream_cb): read to its end now */
	if (!pause) {
		_cleanup_error_ struct pea_error *werr = NULL;

		if ((!m->hup_timer_w && watch_stream(m, STREAM_STDOUT, &werr) < 0) ||
		    watch_stream(m, STREAM_STDERR, &werr) < 0)
			log_warning("%s (the rest of the output is read when the container ends)",
				    werr->message);
	}
}

/*
 * After the container ended: read what it left in the pipes (or the pty)
 * without waiting, all of it, so that clients attached at its end get
 * everything it wrote. A client that falls behind is flushed (with a
 * timeout) rather than cut off. What a process that outlived the container
 * (an exec's child) keeps writing is read up to a cap, so the end is
 * bounded.
 */
void stdio_drain(struct monitor *m)
{
	enum monitor_stream streams[] = { STREAM_STDOUT, STREAM_STDERR };

	for (size_t i = 0; i < ARRAY_SIZE(streams); i++) {
		int *fd = stream_fd(m, streams[i]);
		size_t chunks = 0;

		if (*fd < 0)
			continue;
		pea_fd_set_nonblock(*fd, true);
		while (chunks++ < MONITOR_DRAIN_MAX / MONITOR_READ_CHUNK) {
			if (m->clients_full > 0)
				attach_flush(m);
			if (read_stream(m, streams[i]) <= 0)
				break;
		}
	}
	logs_flush(&m->logs);
}

/* ---- stdin: from attach clients to the container --------------------------- */

size_t stdio_stdin_space(const struct monitor *m)
{
	if (m->stdin_fd < 0 || m->in.close_pending)
		return 0;
	return MONITOR_STDIN_BUF - m->in.len;
}

static void stdin_really_close(struct monitor *m)
{
	if (m->stdin_w)
		pea_loop_remove(m->loop, m->stdin_w);
	m->stdin_w = NULL;
	if (m->opts->terminal) {
		m->stdin_fd = -1; /* the pty master is shared with stdout */
		return;
	}
	m->stdin_fd = pea_close(m->stdin_fd);
}

static int stdin_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
		    struct pea_error **err);

static void stdin_flush(struct monitor *m)
{
	struct stdin_buf *in = &m->in;
	_cleanup_error_ struct pea_error *e = NULL;

	while (in->len > 0 && m->stdin_fd >= 0) {
		size_t chunk = in->len;
		ssize_t n;

		if (in->start + chunk > MONITOR_STDIN_BUF)
			chunk = MONITOR_STDIN_BUF - in->start;
		n = write(m->stdin_fd, in->data + in->start, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			log_warning("write to the container's stdin: %s, dropping %zu bytes",
				    strerror(errno), in->len);
			in->len = 0;
			break;
		}
		in->start = (in->start + (size_t)n) % MONITOR_STDIN_BUF;
		in->len -= (size_t)n;
	}
	if (in->len == 0)
		in->start = 0;
	if (in->len == 0 && in->close_pending) {
		stdin_really_close(m);
		return;
	}
	if (m->stdin_fd < 0)
		return;
	/* wait for room in the pipe only while something is queued */
	if (in->len > 0 && !m->stdin_w)
		pea_loop_add_fd(m->loop, m->stdin_fd, EPOLLOUT, stdin_cb, m, &m->stdin_w, &e);
	else if (in->len == 0 && m->stdin_w) {
		pea_loop_remove(m->loop, m->stdin_w);
		m->stdin_w = NULL;
	}
	attach_resume_clients(m);
}

static int stdin_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
		    struct pea_error **err)
{
	struct monitor *m = data;

	(void)loop;
	(void)fd;
	if (events & (EPOLLERR | EPOLLHUP)) {
		m->in.len = 0;
		m->in.close_pending = true;
	}
	stdin_flush(m);
	return 0;
}

size_t stdio_stdin_push(struct monitor *m, const char *buf, size_t len)
{
	struct stdin_buf *in = &m->in;
	size_t space = stdio_stdin_space(m), taken;

	if (len > space)
		len = space;
	if (!in->data && len > 0)
		in->data = xmalloc(MONITOR_STDIN_BUF);
	for (taken = 0; taken < len;) {
		size_t end = (in->start + in->len) % MONITOR_STDIN_BUF;
		size_t chunk = len - taken;

		if (end + chunk > MONITOR_STDIN_BUF)
			chunk = MONITOR_STDIN_BUF - end;
		memcpy(in->data + end, buf + taken, chunk);
		in->len += chunk;
		taken += chunk;
	}
	stdin_flush(m);
	return taken;
}

void stdio_stdin_close(struct monitor *m)
{
	bool tty_pending = m->opts->terminal && m->stdout_fd < 0 && !m->container_done;

	/* a terminal not here yet: its input is closed on arrival */
	if (m->stdin_fd < 0 && !tty_pending)
		return;
	m->in.close_pending = true;
	stdin_flush(m);
}

void stdio_resize(struct monitor *m, unsigned rows, unsigned cols)
{
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };

	if (!m->opts->terminal) {
		log_debug("resize %ux%u without a terminal, ignoring", rows, cols);
		return;
	}
	if (m->stdout_fd < 0) {
		/* an engine sizes the terminal before the runtime made it: keep it for then */
		m->pending_rows = rows;
		m->pending_cols = cols;
		return;
	}
	m->pending_rows = m->pending_cols = 0;
	if (ioctl(m->stdout_fd, TIOCSWINSZ, &ws) < 0)
		log_warning("set the terminal size to %ux%u: %s, ignoring", rows, cols,
			    strerror(errno));
}
