#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"

#include "container.h"

/* One message per send on a SOCK_SEQPACKET socket: type byte, then the payload. */
int sync_send(int fd, enum sync_msg type, const char *payload, struct pea_error **err)
{
	size_t len = payload ? strlen(payload) : 0;
	_cleanup_free_ char *buf = xmalloc(len + 1);
	ssize_t w;

	if (len + 1 > SYNC_MAX)
		return pea_error_new(err, EMSGSIZE, "sync message too large");
	buf[0] = (char)type;
	if (len)
		memcpy(buf + 1, payload, len);
	do
		w = send(fd, buf, len + 1, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return pea_error_errno(err, "sync socket: send");
	return 0;
}

int sync_expect(int fd, enum sync_msg type, char **ret_payload, struct pea_error **err)
{
	_cleanup_free_ char *buf = xmalloc(SYNC_MAX + 1);
	ssize_t n;

	do
		n = recv(fd, buf, SYNC_MAX, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return pea_error_errno(err, "sync socket: receive");
	if (n == 0)
		return pea_error_new(err, EPIPE, "the other side exited before '%c'", (char)type);
	buf[n] = '\0';
	if (buf[0] == SYNC_ERROR)
		return pea_error_from_buf(err, buf, (size_t)n);
	if (buf[0] != (char)type)
		return pea_error_new(err, EPROTO, "sync socket: expected '%c', got '%c'",
				     (char)type, buf[0]);
	if (ret_payload)
		*ret_payload = xstrdup(buf + 1);
	return 0;
}

/* At most this many fds per message (the kernel's SCM_MAX_FD is 253). */
#define SYNC_FDS_MAX 200

/*
 * SYNC_MOUNT_FDS: the payload lists the mount indices ("3,5"), the fds go
 * with it as SCM_RIGHTS, in the same order. Long lists take several messages.
 */
int sync_send_fds(int sock, const size_t *idx, const int *fds, size_t n, struct pea_error **err)
{
	for (size_t off = 0; off < n; off += SYNC_FDS_MAX) {
		size_t k = n - off < SYNC_FDS_MAX ? n - off : SYNC_FDS_MAX;
		_cleanup_free_ char *payload = xmalloc(k * 21 + 2);
		union {
			char buf[CMSG_SPACE(sizeof(int) * SYNC_FDS_MAX)];
			struct cmsghdr align;
		} u;
		struct iovec iov;
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf };
		struct cmsghdr *cmsg;
		size_t len = 1;

		payload[0] = (char)SYNC_MOUNT_FDS;
		for (size_t j = 0; j < k; j++)
			len += (size_t)sprintf(payload + len, "%s%zu", j ? "," : "", idx[off + j]);
		iov = (struct iovec){ .iov_base = payload, .iov_len = len };
		memset(&u, 0, sizeof(u));
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * k);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * k);
		memcpy(CMSG_DATA(cmsg), fds + off, sizeof(int) * k);
		while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
			if (errno != EINTR)
				return pea_error_errno(err, "sync socket: send the mount sources");
	}
	return 0;
}

static void close_cmsg_fds(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(fd);
		}
	}
}

/*
 * Receive messages up to one of type `until`; SYNC_MOUNT_FDS ones on the
 * way fill fds[index] (n_fds entries, -1 where none came).
 */
int sync_expect_fds(int sock, enum sync_msg until, int *fds, size_t n_fds, struct pea_error **err)
{
	for (;;) {
		_cleanup_free_ char *buf = xmalloc(SYNC_MAX + 1);
		union {
			char buf[CMSG_SPACE(sizeof(int) * SYNC_FDS_MAX)];
			struct cmsghdr align;
		} u;
		struct iovec iov = { .iov_base = buf, .iov_len = SYNC_MAX };
		struct msghdr msg = { .msg_iov = &iov,
				      .msg_iovlen = 1,
				      .msg_control = u.buf,
				      .msg_controllen = sizeof(u.buf) };
		struct cmsghdr *cmsg;
		size_t got = 0;
		char *p;
		ssize_t n;

		do
			n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return pea_error_errno(err, "sync socket: receive");
		if (n == 0)
			return pea_error_new(err, EPIPE, "the other side exited before '%c'",
					     (char)until);
		buf[n] = '\0';
		if (buf[0] != SYNC_MOUNT_FDS) {
			close_cmsg_fds(&msg);
			if (buf[0] == SYNC_ERROR)
				return pea_error_from_buf(err, buf, (size_t)n);
			if (buf[0] != (char)until)
				return pea_error_new(err, EPROTO,
						     "sync socket: expected '%c', got '%c'",
						     (char)until, buf[0]);
			return 0;
		}
		cmsg = CMSG_FIRSTHDR(&msg);
		if ((msg.msg_flags & MSG_CTRUNC) || !cmsg || cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS) {
			close_cmsg_fds(&msg);
			return pea_error_new(err, EPROTO, "sync socket: mount sources without fds");
		}
		got = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		p = buf + 1;
		for (size_t j = 0; j < got; j++) {
			unsigned long i = strtoul(p, &p, 10);
			int fd;

			memcpy(&fd, CMSG_DATA(cmsg) + j * sizeof(int), sizeof(int));
			if (*p == ',')
				p++;
			if (i >= n_fds || fds[i] >= 0) {
				close(fd);
				continue;
			}
			fds[i] = fd;
		}
	}
}
