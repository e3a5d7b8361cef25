/*
 * The systemd journal (journal.h): sending an entry over journald's native
 * protocol, reading entries back through journalctl -o json.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/journal-native.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/frontend.h"
#include "frontend/journal.h"

/* ---- sending -------------------------------------------------------------- */

int journal_send(char *const *fields, struct pea_error **err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0;

	if (journal_native_encode(fields, &buf, &len, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pea_error_errno(err, "socket");
	if (sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return pea_error_new(err, errno,
				     "sending to the journal ('%s'): %s (is systemd-journald "
				     "running?)",
				     JOURNAL_SOCKET, strerror(errno));
	return 0;
}

/* ---- reading -------------------------------------------------------------- */

char *journal_field(struct json_object *entry, const char *name)
{
	struct json_object *v = NULL;
	char *s;
	size_t n;

	if (!json_object_object_get_ex(entry, name, &v) || !v)
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return xstrdup(json_object_get_string(v));
	if (!json_object_is_type(v, json_type_array))
		return NULL;
	/* not UTF-8: an array of its bytes (a field given twice: an array of those, skipped) */
	n = json_object_array_length(v);
	s = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		struct json_object *b = json_object_array_get_idx(v, i);
		if (!json_object_is_type(b, json_type_int)) {
			free(s);
			return NULL;
		}
		s[i] = (char)json_object_get_int(b);
	}
	s[n] = '\0';
	return s;
}

int journal_read(const struct journal_query *q, journal_entry_fn fn, void *data, char **ret_cursor,
		 struct pea_error **err)
{
	char *sync_argv[] = { (char *)"journalctl", (char *)"--sync", NULL };
	_cleanup_strv_ char **argv = NULL;
	struct run_result r = { 0 };
	int rc = 0;

	pea_strv_push(&argv, "journalctl");
	pea_strv_push(&argv, "--no-pager");
	pea_strv_push(&argv, "-q");
	pea_strv_push(&argv, "--all");
	pea_strv_push(&argv, "-o");
	pea_strv_push(&argv, "json");
	if (q->cursor)
		pea_strv_push_take(&argv, xasprintf("--after-cursor=%s", q->cursor));
	if (q->has_since)
		/* a second early: journalctl's time is the entry's, not the event's own */
		pea_strv_push_take(&argv, xasprintf("--since=@%lld", (long long)q->since - 1));
	if (q->last)
		pea_strv_push(&argv, "--lines=1");
	for (size_t i = 0; q->matches && q->matches[i]; i++)
		pea_strv_push(&argv, q->matches[i]);
	if (q->sync) {
		_cleanup_error_ struct pea_error *e = NULL;
		if (frontend_run_capture(sync_argv, -1, &r, &e) == 0)
			run_result_clear(&r);
	}
	if (frontend_run_capture(argv, -1, &r, err) < 0)
		return pea_error_wrap(err, "reading the journal (journalctl)");
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
		rc = pea_error_new(err, EIO, "reading the journal: journalctl: %s",
				   r.errtxt && *r.errtxt ? r.errtxt : "failed");
		run_result_clear(&r);
		return rc;
	}
	for (char *line = r.out, *nl; rc == 0 && line && *line; line = nl ? nl + 1 : NULL) {
		_cleanup_json_ struct json_object *e = NULL;
		struct json_object *cur = NULL;

		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		e = json_tokener_parse(line);
		if (!e || !json_object_is_type(e, json_type_object))
			continue;
		if (ret_cursor && json_object_object_get_ex(e, "__CURSOR", &cur) &&
		    json_object_is_type(cur, json_type_string)) {
			free(*ret_cursor);
			*ret_cursor = xstrdup(json_object_get_string(cur));
		}
		rc = fn(e, data, err);
	}
	run_result_clear(&r);
	return rc < 0 ? -1 : 0;
}
