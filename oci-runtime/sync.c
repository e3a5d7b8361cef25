#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
