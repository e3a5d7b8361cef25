#pragma once

/* notify.c: NOTIFY_SOCKET passed on from the container to the host, as crun does. */

struct container;
struct pea_error;

/* NOTIFY_SOCKET of our environment when it is an absolute path, else NULL. */
const char *notify_socket_env(void);
/*
 * create/run, before the clone: STATE/notify made (owned by the container's
 * root), bound at path in the container, NOTIFY_SOCKET=path/notify in its
 * environment.
 */
int notify_prepare(struct container *c, const char *path, struct pea_error **err);
/* run/start, before the process goes: bind STATE/notify/notify (-1: created without it). */
int notify_listen(int dirfd, int *ret_fd, struct pea_error **err);
/* One datagram: a READY=1 is passed on to our NOTIFY_SOCKET (1), else 0. */
int notify_handle(int notify_fd, struct pea_error **err);
/* Until READY=1 was passed on (1) or the container's init ended (pidfd readable: 0). */
int notify_wait_ready(int notify_fd, int pidfd, struct pea_error **err);
