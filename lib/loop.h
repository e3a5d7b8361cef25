#pragma once

/*
 * A small epoll event loop: fd readiness, signals through a signalfd, child
 * exits through pidfds, timers through timerfds. Single-threaded; callbacks
 * never block. A callback returns 0 to keep its watcher, 1 to remove it,
 * < 0 (with *err set) to stop the loop with that error.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct pea_error;
struct pea_loop;
struct pea_watch;

typedef int (*pea_fd_cb)(struct pea_loop *loop, int fd, uint32_t events, void *data,
			 struct pea_error **err);
typedef int (*pea_signal_cb)(struct pea_loop *loop, int signo, void *data, struct pea_error **err);
typedef int (*pea_child_cb)(struct pea_loop *loop, pid_t pid, int wait_status, void *data,
			    struct pea_error **err);
typedef int (*pea_timer_cb)(struct pea_loop *loop, void *data, struct pea_error **err);

int pea_loop_new(struct pea_loop **ret, struct pea_error **err);
struct pea_loop *pea_loop_free(struct pea_loop *loop);

/* Watch fd for events (EPOLLIN, EPOLLOUT, ...). The loop does not own fd. */
int pea_loop_add_fd(struct pea_loop *loop, int fd, uint32_t events, pea_fd_cb cb, void *data,
		    struct pea_watch **ret, struct pea_error **err);
int pea_loop_modify_fd(struct pea_loop *loop, struct pea_watch *w, uint32_t events,
		       struct pea_error **err);

/*
 * Deliver signo through the loop's signalfd (the signal is blocked in the
 * calling thread; the old mask is restored by pea_loop_free).
 */
int pea_loop_add_signal(struct pea_loop *loop, int signo, pea_signal_cb cb, void *data,
			struct pea_watch **ret, struct pea_error **err);

/*
 * Call cb once when the child pid exits; the child is reaped by the loop
 * (waitid on a pidfd) and the watch removed after cb. pid may also be a
 * process that is not our child: cb then gets wait_status -1 when it ends.
 */
int pea_loop_add_child(struct pea_loop *loop, pid_t pid, pea_child_cb cb, void *data,
		       struct pea_watch **ret, struct pea_error **err);

/* A timer after first_ms, then every interval_ms (0: once, removed after it fired). */
int pea_loop_add_timer(struct pea_loop *loop, uint64_t first_ms, uint64_t interval_ms,
		       pea_timer_cb cb, void *data, struct pea_watch **ret, struct pea_error **err);

/* Remove a watcher (safe from inside any callback, including its own). */
void pea_loop_remove(struct pea_loop *loop, struct pea_watch *w);

/*
 * Run until pea_loop_quit() or no watchers remain (signal watchers count);
 * < 0 if a callback failed. pea_loop_quit() sticks: a later run returns at once.
 */
int pea_loop_run(struct pea_loop *loop, struct pea_error **err);
void pea_loop_quit(struct pea_loop *loop, int status);
/* The status given to pea_loop_quit. */
int pea_loop_exit_status(const struct pea_loop *loop);
