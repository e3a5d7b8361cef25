#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/loop.h"
#include "lib/process.h"
#include "lib/xalloc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

enum watch_type {
	WATCH_FD,
	WATCH_SIGNAL,
	WATCH_CHILD,
	WATCH_TIMER,
};

struct pea_watch {
	enum watch_type type;
	int fd;	       /* WATCH_FD: the caller's; CHILD/TIMER: ours (pidfd, timerfd); SIGNAL: -1 */
	int signo;     /* WATCH_SIGNAL */
	pid_t pid;     /* WATCH_CHILD */
	bool periodic; /* WATCH_TIMER */
	bool removed;
	union {
		pea_fd_cb fd;
		pea_signal_cb signal;
		pea_child_cb child;
		pea_timer_cb timer;
	} cb;
	void *data;
	struct pea_watch *next;
};

struct pea_loop {
	int epfd;
	int sigfd; /* one signalfd for every watched signal, -1 until the first */
	sigset_t sigset;
	sigset_t old_mask; /* restored by pea_loop_free */
	bool mask_saved;
	struct pea_watch *watches; /* live and removed-but-not-yet-freed */
	size_t nlive;
	bool dispatching; /* removal only marks; the sweep frees after the batch */
	bool quit;
	int status;
};

/* The epoll tag of the signalfd; watches are tagged with their own pointer. */
#define SIGNALFD_TAG(loop) ((void *)(loop))

int pea_loop_new(struct pea_loop **ret, struct pea_error **err)
{
	struct pea_loop *loop;
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	if (epfd < 0)
		return pea_error_errno(err, "epoll_create1");
	loop = xnew(struct pea_loop, 1);
	loop->epfd = epfd;
	loop->sigfd = -1;
	sigemptyset(&loop->sigset);
	*ret = loop;
	return 0;
}

static void watch_close(struct pea_loop *loop, struct pea_watch *w)
{
	if (w->fd >= 0) {
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd,
			  NULL); /* the caller may have closed it */
		if (w->type != WATCH_FD)
			close(w->fd);
		w->fd = -1;
	}
}

static void sweep(struct pea_loop *loop)
{
	struct pea_watch **p = &loop->watches;

	while (*p) {
		struct pea_watch *w = *p;

		if (w->removed) {
			*p = w->next;
			free(w);
		} else {
			p = &w->next;
		}
	}
}

void pea_loop_remove(struct pea_loop *loop, struct pea_watch *w)
{
	if (!w || w->removed)
		return;
	watch_close(loop, w);
	w->removed = true;
	loop->nlive--;
	if (!loop->dispatching)
		sweep(loop);
}

struct pea_loop *pea_loop_free(struct pea_loop *loop)
{
	if (!loop)
		return NULL;
	loop->dispatching = true; /* remove all, then free all: the list stays walkable */
	for (struct pea_watch *w = loop->watches; w; w = w->next)
		if (!w->removed)
			pea_loop_remove(loop, w);
	loop->dispatching = false;
	sweep(loop);
	if (loop->sigfd >= 0) {
		struct signalfd_siginfo si;

		/* consume what arrived meanwhile, so unblocking does not deliver it */
		while (read(loop->sigfd, &si, sizeof(si)) == sizeof(si))
			;
		close(loop->sigfd);
	}
	if (loop->mask_saved)
		sigprocmask(SIG_SETMASK, &loop->old_mask, NULL);
	close(loop->epfd);
	free(loop);
	return NULL;
}

static struct pea_watch *watch_new(struct pea_loop *loop, enum watch_type type, int fd, void *data)
{
	struct pea_watch *w = xnew(struct pea_watch, 1);

	w->type = type;
	w->fd = fd;
	w->data = data;
	w->next = loop->watches;
	loop->watches = w;
	loop->nlive++;
	return w;
}

static int epoll_add(struct pea_loop *loop, int fd, uint32_t events, void *tag)
{
	struct epoll_event ev = { .events = events, .data.ptr = tag };

	return epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int pea_loop_add_fd(struct pea_loop *loop, int fd, uint32_t events, pea_fd_cb cb, void *data,
		    struct pea_watch **ret, struct pea_error **err)
{
	struct pea_watch *w = watch_new(loop, WATCH_FD, -1, data);
	int r;

	w->cb.fd = cb;
	r = epoll_add(loop, fd, events, w);
	if (r < 0) {
		pea_loop_remove(loop, w);
		return pea_error_code(err, -r, "watch fd %d", fd);
	}
	w->fd = fd;
	if (ret)
		*ret = w;
	return 0;
}

int pea_loop_modify_fd(struct pea_loop *loop, struct pea_watch *w, uint32_t events,
		       struct pea_error **err)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (w->type != WATCH_FD || w->removed)
		return pea_error_new(err, EINVAL, "modify a watch that is not a live fd watch");
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return pea_error_errno(err, "modify the watch of fd %d", w->fd);
	return 0;
}

static int signalfd_update(struct pea_loop *loop, int signo, struct pea_error **err)
{
	sigset_t one;
	int fd;

	if (!loop->mask_saved) {
		if (sigprocmask(SIG_BLOCK, NULL, &loop->old_mask) < 0)
			return pea_error_errno(err, "sigprocmask");
		loop->mask_saved = true;
	}
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, NULL) < 0)
		return pea_error_errno(err, "block signal %d", signo);
	sigaddset(&loop->sigset, signo);
	fd = signalfd(loop->sigfd, &loop->sigset, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return pea_error_errno(err, "signalfd");
	if (loop->sigfd < 0) {
		int r = epoll_add(loop, fd, EPOLLIN, SIGNALFD_TAG(loop));

		if (r < 0) {
			close(fd);
			return pea_error_code(err, -r, "watch the signalfd");
		}
		loop->sigfd = fd;
	}
	return 0;
}

int pea_loop_add_signal(struct pea_loop *loop, int signo, pea_signal_cb cb, void *data,
			struct pea_watch **ret, struct pea_error **err)
{
	struct pea_watch *w;
	int r;

	if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP)
		return pea_error_new(err, EINVAL, "cannot watch signal %d", signo);
	r = signalfd_update(loop, signo, err);
	if (r < 0)
		return r;
	w = watch_new(loop, WATCH_SIGNAL, -1, data);
	w->signo = signo;
	w->cb.signal = cb;
	if (ret)
		*ret = w;
	return 0;
}

int pea_loop_add_child(struct pea_loop *loop, pid_t pid, pea_child_cb cb, void *data,
		       struct pea_watch **ret, struct pea_error **err)
{
	struct pea_watch *w;
	int pidfd = pea_pidfd_open(pid, 0);
	int r;

	if (pidfd < 0)
		return pea_error_errno(err, "pidfd_open %d", (int)pid);
	w = watch_new(loop, WATCH_CHILD, pidfd, data);
	w->pid = pid;
	w->cb.child = cb;
	r = epoll_add(loop, pidfd, EPOLLIN, w);
	if (r < 0) {
		pea_loop_remove(loop, w);
		return pea_error_code(err, -r, "watch process %d", (int)pid);
	}
	if (ret)
		*ret = w;
	return 0;
}

static struct timespec ms_to_timespec(uint64_t ms)
{
	return (struct timespec){ .tv_sec = (time_t)(ms / 1000),
				  .tv_nsec = (long)(ms % 1000) * 1000000 };
}

int pea_loop_add_timer(struct pea_loop *loop, uint64_t first_ms, uint64_t interval_ms,
		       pea_timer_cb cb, void *data, struct pea_watch **ret, struct pea_error **err)
{
	struct itimerspec its = { .it_value = ms_to_timespec(first_ms),
				  .it_interval = ms_to_timespec(interval_ms) };
	struct pea_watch *w;
	int fd, r;

	if (first_ms == 0)
		its.it_value.tv_nsec = 1; /* zero would disarm: fire as soon as possible */
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		return pea_error_errno(err, "timerfd_create");
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		r = pea_error_errno(err, "timerfd_settime");
		close(fd);
		return r;
	}
	w = watch_new(loop, WATCH_TIMER, fd, data);
	w->periodic = interval_ms > 0;
	w->cb.timer = cb;
	r = epoll_add(loop, fd, EPOLLIN, w);
	if (r < 0) {
		pea_loop_remove(loop, w);
		return pea_error_code(err, -r, "watch a timer");
	}
	if (ret)
		*ret = w;
	return 0;
}

static int dispatch_signals(struct pea_loop *loop, struct pea_error **err)
{
	struct signalfd_siginfo si;

	while (read(loop->sigfd, &si, sizeof(si)) == sizeof(si)) {
		for (struct pea_watch *w = loop->watches; w; w = w->next) {
			int r;

			if (w->removed || w->type != WATCH_SIGNAL || w->signo != (int)si.ssi_signo)
				continue;
			r = w->cb.signal(loop, w->signo, w->data, err);
			if (r < 0)
				return r;
			if (r > 0)
				pea_loop_remove(loop, w);
		}
	}
	return 0;
}

static int dispatch_child(struct pea_loop *loop, struct pea_watch *w, struct pea_error **err)
{
	siginfo_t si;
	int status = 0, r;

	memset(&si, 0, sizeof(si));
	while (waitid((idtype_t)P_PIDFD, (id_t)w->fd, &si, WEXITED | WNOHANG) < 0) {
		if (errno == ECHILD) {
			/* not our child: it ended, but its status is its parent's to read */
			si.si_pid = w->pid;
			si.si_code = -1;
			break;
		}
		if (errno != EINTR)
			return pea_error_errno(err, "wait for process %d", (int)w->pid);
	}
	if (si.si_pid == 0)
		return 0; /* not exited after all */
	if (si.si_code == -1)
		status = -1;
	else if (si.si_code == CLD_EXITED)
		status = (si.si_status & 0xff) << 8;
	else
		status = (si.si_status & 0x7f) | (si.si_code == CLD_DUMPED ? 0x80 : 0);
	r = w->cb.child(loop, w->pid, status, w->data, err);
	pea_loop_remove(loop, w); /* once: the process is gone */
	return r < 0 ? r : 0;
}

static int dispatch_timer(struct pea_loop *loop, struct pea_watch *w, struct pea_error **err)
{
	uint64_t expirations;
	int r;

	if (read(w->fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return 0; /* EAGAIN: already consumed */
	r = w->cb.timer(loop, w->data, err);
	if (r > 0 || (r == 0 && !w->periodic))
		pea_loop_remove(loop, w);
	return r < 0 ? r : 0;
}

static int dispatch(struct pea_loop *loop, struct epoll_event *ev, struct pea_error **err)
{
	struct pea_watch *w = ev->data.ptr;
	int r = 0;

	if (ev->data.ptr == SIGNALFD_TAG(loop))
		return dispatch_signals(loop, err);
	if (!w || w->removed)
		return 0;
	switch (w->type) {
	case WATCH_FD:
		r = w->cb.fd(loop, w->fd, ev->events, w->data, err);
		if (r > 0)
			pea_loop_remove(loop, w);
		break;
	case WATCH_CHILD:
		r = dispatch_child(loop, w, err);
		break;
	case WATCH_TIMER:
		r = dispatch_timer(loop, w, err);
		break;
	case WATCH_SIGNAL:
	default:
		break;
	}
	return r < 0 ? r : 0;
}

int pea_loop_run(struct pea_loop *loop, struct pea_error **err)
{
	struct epoll_event evs[32];
	int r = 0;

	while (!loop->quit && loop->nlive > 0 && r >= 0) {
		int n = epoll_wait(loop->epfd, evs, (int)ARRAY_SIZE(evs), -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pea_error_errno(err, "epoll_wait");
		loop->dispatching = true;
		for (int i = 0; i < n && r >= 0 && !loop->quit; i++)
			r = dispatch(loop, &evs[i], err);
		loop->dispatching = false;
		sweep(loop);
	}
	if (r < 0 && err && !*err)
		return pea_error_new(err, EIO, "an event handler failed without saying why");
	return r < 0 ? r : 0;
}

void pea_loop_quit(struct pea_loop *loop, int status)
{
	loop->quit = true;
	loop->status = status;
}

int pea_loop_exit_status(const struct pea_loop *loop)
{
	return loop->status;
}
