#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

/*
 * Two fifos in the bundle, as conmon makes them:
 *   ctl    "TYPE HEIGHT WIDTH\n": 1 resizes the terminal, 2 reopens the logs
 *   winsz  "HEIGHT WIDTH\n": resizes the terminal
 * Each is held open for writing by the monitor too, so that a writer closing
 * it does not leave a readable end of file behind. Lines are at most 199
 * bytes; a longer one is dropped.
 */

enum ctl_type {
	CTL_RESIZE = 1,
	CTL_REOPEN_LOGS = 2,
};

/* A terminal larger than this is refused (as conmon does: no giant screen buffers). */
#define TERMINAL_MAX 1000

/* A decimal number ending at a blank or the end of the line, at most max. */
static int parse_uint(const char **p, long max, unsigned *ret)
{
	char *end = NULL;
	long v;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p < '0' || **p > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(*p, &end, 10);
	if (errno != 0 || v > max || (*end != '\0' && *end != ' ' && *end != '\t' && *end != '\r'))
		return -EINVAL;
	*ret = (unsigned)v;
	*p = end;
	return 0;
}

static int parse_end(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return *p == '\0' ? 0 : -EINVAL;
}

int ctl_parse_winsz_line(const char *line, unsigned *rows, unsigned *cols)
{
	const char *p = line;

	if (parse_uint(&p, TERMINAL_MAX, rows) < 0 || parse_uint(&p, TERMINAL_MAX, cols) < 0)
		return -EINVAL;
	return parse_end(p);
}

int ctl_parse_ctl_line(const char *line, int *type, unsigned *rows, unsigned *cols)
{
	const char *p = line;
	unsigned t;

	*rows = *cols = 0;
	if (parse_uint(&p, 65535, &t) < 0)
		return -EINVAL;
	*type = (int)t;
	if (parse_end(p) == 0 && t == CTL_REOPEN_LOGS) /* "2" alone is enough */
		return 0;
	if (parse_uint(&p, TERMINAL_MAX, rows) < 0 || parse_uint(&p, TERMINAL_MAX, cols) < 0)
		return -EINVAL;
	/* words after the sizes are ignored, as conmon always did ("1 2 2 3") */
	return 0;
}

static void handle_ctl_line(struct monitor *m, const char *line)
{
	unsigned rows, cols;
	int type;

	if (ctl_parse_ctl_line(line, &type, &rows, &cols) < 0) {
		log_warning("bad ctl message '%s', ignoring", line);
		return;
	}
	switch (type) {
	case CTL_RESIZE:
		stdio_resize(m, rows, cols);
		break;
	case CTL_REOPEN_LOGS:
		logs_reopen(&m->logs);
		break;
	default:
		log_warning("unknown ctl message type %d, ignoring", type);
		break;
	}
}

static void handle_winsz_line(struct monitor *m, const char *line)
{
	unsigned rows, cols;

	if (ctl_parse_winsz_line(line, &rows, &cols) < 0) {
		log_warning("bad winsz message '%s', ignoring", line);
		return;
	}
	stdio_resize(m, rows, cols);
}

/* Read what is there and handle each complete line; *skip: inside an overlong line. */
static void read_lines(struct monitor *m, int fd, char *buf, size_t *len, bool *skip,
		       void (*handle)(struct monitor *, const char *))
{
	const size_t cap = 200;

	for (;;) {
		ssize_t n = read(fd, buf + *len, cap - 1 - *len);
		char *start = buf, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		*len += (size_t)n;
		buf[*len] = '\0';
		while ((nl = memchr(start, '\n', *len - (size_t)(start - buf)))) {
			*nl = '\0';
			if (!*skip)
				handle(m, start);
			*skip = false;
			start = nl + 1;
		}
		*len -= (size_t)(start - buf);
		memmove(buf, start, *len);
		if (*len == cap - 1) {
			/* a line longer than the buffer is dropped, up to its newline */
			if (!*skip)
				log_warning("ctl line longer than %zu bytes, dropping it", cap - 1);
			*len = 0;
			*skip = true;
		}
	}
}

static int ctl_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
		  struct pea_error **err)
{
	struct monitor *m = data;

	(void)loop;
	(void)events;
	(void)err;
	read_lines(m, fd, m->ctl_line, &m->ctl_len, &m->ctl_skip, handle_ctl_line);
	return 0;
}

static int winsz_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
		    struct pea_error **err)
{
	struct monitor *m = data;

	(void)loop;
	(void)events;
	(void)err;
	read_lines(m, fd, m->winsz_line, &m->winsz_len, &m->winsz_skip, handle_winsz_line);
	return 0;
}

static int make_fifo(const char *bundle, const char *name, int *ret_r, int *ret_w,
		     struct pea_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", bundle, name);

	if (mkfifo(path, 0660) < 0) {
		if (errno != EEXIST)
			return pea_error_errno(err, "create the fifo '%s'", path);
		unlink(path);
		if (mkfifo(path, 0660) < 0)
			return pea_error_errno(err, "create the fifo '%s'", path);
	}
	*ret_r = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (*ret_r < 0)
		return pea_error_errno(err, "open the fifo '%s'", path);
	*ret_w = open(path, O_WRONLY | O_CLOEXEC);
	if (*ret_w < 0)
		return pea_error_errno(err, "open the fifo '%s' for writing", path);
	return 0;
}

int ctl_setup(struct monitor *m, struct pea_error **err)
{
	if (make_fifo(m->cfg->bundle, "ctl", &m->ctl_fd, &m->ctl_dummy_fd, err) < 0 ||
	    make_fifo(m->cfg->bundle, "winsz", &m->winsz_r, &m->winsz_w, err) < 0)
		return -(*err)->code;
	return pea_loop_add_fd(m->loop, m->ctl_fd, EPOLLIN, ctl_cb, m, NULL, err);
}

/* The winsz fifo is served once there is a terminal to resize. */
int ctl_watch_winsz(struct monitor *m, struct pea_error **err)
{
	if (m->winsz_r < 0 || m->winsz_watch)
		return 0;
	return pea_loop_add_fd(m->loop, m->winsz_r, EPOLLIN, winsz_cb, m, &m->winsz_watch, err);
}

void ctl_close(struct monitor *m)
{
	m->ctl_fd = pea_close(m->ctl_fd);
	m->ctl_dummy_fd = pea_close(m->ctl_dummy_fd);
	m->winsz_r = pea_close(m->winsz_r);
	m->winsz_w = pea_close(m->winsz_w);
}
