#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "overlayfs/devread.h"

static unsigned spin_ns;     /* the window; 0: plain blocking reads */
static uint64_t last_gap_ns; /* how long the last wait for a request took */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int ovl_devread_setup(int fd, unsigned spin_us)
{
	int fl;

	spin_ns = spin_us * 1000u;
	if (spin_ns == 0)
		return 0;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

ssize_t ovl_devread(int fd, void *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t start, now;
	ssize_t n;

	if (spin_ns == 0)
		return read(fd, buf, len);
	n = read(fd, buf, len);
	if (n >= 0 || errno != EAGAIN) {
		last_gap_ns = 0; /* one was waiting already */
		return n;
	}
	start = now_ns();
	/*
	 * Spin only while it pays: when the last request came within the window
	 * (a caller making one request after another). Giving the CPU away at
	 * each turn lets a caller waiting for it on this CPU run.
	 */
	if (last_gap_ns <= spin_ns) {
		do {
			sched_yield();
			n = read(fd, buf, len);
			now = now_ns();
			if (n >= 0 || errno != EAGAIN) {
				last_gap_ns = now - start;
				return n;
			}
		} while (now - start < spin_ns);
	}
	for (;;) {
		/* EINTR too: the loop looks whether a signal ended the session. */
		if (poll(&pfd, 1, -1) < 0)
			return -1;
		n = read(fd, buf, len);
		if (n >= 0 || errno != EAGAIN) {
			last_gap_ns = now_ns() - start;
			return n;
		}
	}
}
