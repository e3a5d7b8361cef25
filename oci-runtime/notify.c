/*
 * NOTIFY_SOCKET, as crun does it. When create or run finds NOTIFY_SOCKET=P
 * in its environment, the container gets the directory STATE/notify bound
 * at P (a directory inside the container, whatever P is on the host) and
 * NOTIFY_SOCKET=P/notify in its environment. The runtime that lets the
 * container's process go (run, or start) first binds the datagram socket
 * STATE/notify/notify and then waits for a READY=1 on it, which it passes
 * on to the host's P as READY=1 alone, followed by a barrier (BARRIER=1
 * with a pipe that the receiver closes, as sd_notify_barrier: at most 30
 * s). start returns then (or when the container ends first); run -d too;
 * run in the foreground goes on waiting for the container.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#include "container.h"
#include "notify.h"

#define NOTIFY_DIR	  "notify"
#define NOTIFY_SOCK	  "notify/notify"
#define NOTIFY_BARRIER_MS 30000
#define NOTIFY_BIND_TRIES 16

/* NOTIFY_SOCKET from our environment when it is a path we can proxy, else NULL. */
const char *notify_socket_env(void)
{
	const char *p = getenv("NOTIFY_SOCKET");

	if (!p || !*p)
		return NULL;
	if (p[0] != '/') {
		log_debug("NOTIFY_SOCKET '%s' is not an absolute path: not passed on", p);
		return NULL;
	}
	return p;
}

/* The host's uid and gid of the container's root, when it has a user namespace. */
static void root_in_userns(const struct spec *s, uid_t *uid, gid_t *gid)
{
	for (size_t i = 0; i < s->n_uid_mappings; i++)
		if (s->uid_mappings[i].container_id == 0 && s->uid_mappings[i].size > 0)
			*uid = s->uid_mappings[i].host_id;
	for (size_t i = 0; i < s->n_gid_mappings; i++)
		if (s->gid_mappings[i].container_id == 0 && s->gid_mappings[i].size > 0)
			*gid = s->gid_mappings[i].host_id;
}

static void set_env(struct spec *s, const char *path)
{
	char **env = NULL;

	for (size_t i = 0; s->process.env && s->process.env[i]; i++)
		if (strncmp(s->process.env[i], "NOTIFY_SOCKET=", 14) != 0)
			pea_strv_push(&env, s->process.env[i]);
	pea_strv_push_take(&env, xasprintf("NOTIFY_SOCKET=%s/notify", path));
	pea_strv_free(s->process.env);
	s->process.env = env;
}

int notify_prepare(struct container *c, const char *path, struct pea_error **err)
{
	struct spec *s = c->spec;
	_cleanup_free_ char *dir = NULL;
	char proc[64];
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	struct spec_mount *m;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", c->dirfd);
	dir = realpath(proc, NULL);
	if (!dir)
		return pea_error_errno(err, "NOTIFY_SOCKET: the state directory");
	if (mkdirat(c->dirfd, NOTIFY_DIR, 0700) < 0)
		return pea_error_errno(err, "NOTIFY_SOCKET: mkdir '%s/%s'", dir, NOTIFY_DIR);
	if (c->has_new_userns) {
		root_in_userns(s, &uid, &gid);
		if (uid != (uid_t)-1 && gid != (gid_t)-1 &&
		    fchownat(c->dirfd, NOTIFY_DIR, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return pea_error_errno(err, "NOTIFY_SOCKET: chown %u:%u '%s/%s'",
					       (unsigned)uid, (unsigned)gid, dir, NOTIFY_DIR);
	}
	/* after the config's mounts, as crun binds it (a mount at a parent of P would hide it) */
	s->mounts = xreallocarray(s->mounts, s->n_mounts + 2, sizeof(*s->mounts));
	m = &s->mounts[s->n_mounts];
	*m = (struct spec_mount){ .destination = xstrdup(path),
				  .source = xasprintf("%s/%s", dir, NOTIFY_DIR),
				  .flags = MS_BIND | MS_REC,
				  .propagation = MS_PRIVATE | MS_REC,
				  .bind = true,
				  .recursive = true };
	s->n_mounts++;
	memset(&s->mounts[s->n_mounts], 0, sizeof(*m));
	set_env(s, path);
	return 0;
}

int notify_listen(int dirfd, int *ret_fd, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[64];
	mode_t old_umask;
	int r;

	if (faccessat(dirfd, NOTIFY_DIR, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
		log_debug("NOTIFY_SOCKET: the container was created without it: not passed on");
		*ret_fd = -1;
		return 0;
	}
	/* through /proc/self/fd: the state directory's path may not fit in sun_path */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, NOTIFY_SOCK);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return pea_error_errno(err, "NOTIFY_SOCKET: socket");
	/*
	 * The container's processes may run as any user: the socket is made
	 * 0777 by the umask at bind. No chmod by name after it: notify/ is the
	 * container's, which may have put a symlink to any host file there,
	 * or put one back between our unlink and bind (EADDRINUSE): tried
	 * again a few times, then an error.
	 */
	for (int tries = 0;; tries++) {
		if (unlinkat(dirfd, NOTIFY_SOCK, 0) < 0 && errno != ENOENT)
			return pea_error_errno(err, "NOTIFY_SOCKET: remove the old socket");
		old_umask = umask(0);
		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		umask(old_umask);
		if (r == 0)
			break;
		if (errno != EADDRINUSE || tries == NOTIFY_BIND_TRIES - 1)
			return pea_error_errno(err, "NOTIFY_SOCKET: bind the container's socket");
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int host_send(int fd, const char *msg, int pass_fd, struct pea_error **err)
{
	const char *host = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = strlen(msg) };
	struct msghdr mh = { .msg_name = &sa, .msg_iov = &iov, .msg_iovlen = 1 };
	size_t len = host ? strlen(host) : 0;

	if (!len || len >= sizeof(sa.sun_path))
		return pea_error_new(err, EINVAL, "NOTIFY_SOCKET '%s': not a socket path",
				     host ? host : "");
	memcpy(sa.sun_path, host, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	mh.msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if (pass_fd >= 0) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		return pea_error_errno(err, "NOTIFY_SOCKET '%s': send %.*s", host,
				       (int)strcspn(msg, "\n"), msg);
	return 0;
}

/* sd_notify_barrier: BARRIER=1 with a pipe's write end; the receiver closes it. */
static void host_barrier(int fd)
{
	_cleanup_error_ struct pea_error *err = NULL;
	int p[2];
	struct pollfd pf = { .events = POLLIN };

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	if (host_send(fd, "BARRIER=1", p[1], &err) < 0)
		log_debug("%s", err->message);
	close(p[1]);
	pf.fd = p[0];
	if (!err && poll(&pf, 1, NOTIFY_BARRIER_MS) == 0)
		log_debug("NOTIFY_SOCKET: no answer to the barrier in %d ms", NOTIFY_BARRIER_MS);
	close(p[0]);
}

int notify_handle(int notify_fd, struct pea_error **err)
{
	_cleanup_close_ int out = -1;
	char buf[4096];
	ssize_t n;

	n = recv(notify_fd, buf, sizeof(buf) - 1, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0)
		return pea_error_errno(err, "NOTIFY_SOCKET: receive");
	buf[n] = '\0';
	if (!strstr(buf, "READY=1"))
		return 0;
	out = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (out < 0)
		return pea_error_errno(err, "NOTIFY_SOCKET: socket");
	if (host_send(out, "READY=1", -1, err) < 0)
		return -EINVAL;
	host_barrier(out);
	return 1;
}

int notify_wait_ready(int notify_fd, int pidfd, struct pea_error **err)
{
	struct pollfd p[2] = { { .fd = notify_fd, .events = POLLIN },
			       { .fd = pidfd, .events = POLLIN } };

	for (;;) {
		int r = poll(p, pidfd >= 0 ? 2 : 1, -1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return pea_error_errno(err, "NOTIFY_SOCKET: poll");
		if (p[0].revents & POLLIN) {
			r = notify_handle(notify_fd, err);
			if (r != 0)
				return r;
		}
		/* the container ended without a READY=1: nothing to wait for */
		if (pidfd >= 0 && p[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
			return 0;
	}
}
