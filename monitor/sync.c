#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

/* _OCI_SYNCPIPE=N and friends: an fd number inherited from the parent. */
int sync_fd_from_env(const char *name, int *ret_fd, struct pea_error **err)
{
	const char *value = getenv(name);
	char *end = NULL;
	long fd;

	*ret_fd = -1;
	if (!value)
		return 0;
	errno = 0;
	fd = strtol(value, &end, 10);
	if (value[0] == '\0' || *end != '\0' || errno != 0 || fd < 0 || fd > 65535)
		return pea_error_new(err, EINVAL, "cannot parse %s='%s'", name, value);
	if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0)
		return pea_error_errno(err, "%s=%ld", name, fd);
	*ret_fd = (int)fd;
	return 0;
}

/*
 * {"data": N} or {"data": N, "message": "..."}, byte for byte as conmon
 * writes it (engines and conmon's own tests match the text); the message is
 * escaped by json-c.
 */
int sync_write(const struct monitor *m, int fd, int value, const char *message,
	       struct pea_error **err)
{
	_cleanup_json_ struct json_object *msg = NULL;
	_cleanup_free_ char *line = NULL;
	const char *key = "data";

	if (fd < 0)
		return 0;
	if (!m->opts->api_version)
		key = m->opts->exec ? "exit_code" : "pid";
	if (message) {
		msg = json_object_new_string(message);
		line = xasprintf(
			"{\"%s\": %d, \"message\": %s}\n", key, value,
			json_object_to_json_string_ext(
				msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		line = xasprintf("{\"%s\": %d}\n", key, value);
	}
	/* one write: the sync pipe may be a SOCK_SEQPACKET socket */
	if (pea_write_all(fd, line, strlen(line), err) < 0)
		return pea_error_wrap(err, "write to the sync pipe");
	return 0;
}

int sync_wait_start(int fd, struct pea_error **err)
{
	char buf[256];
	ssize_t n;

	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return pea_error_errno(err, "read the start pipe");
	return 0;
}
