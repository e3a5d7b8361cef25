#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/journal-native.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

/*
 * journald: one entry per line, sent over the journal's native protocol
 * (a datagram of fields on /run/systemd/journal/socket), with the fields
 * conmon sends: MESSAGE (the line with its newline), CONTAINER_ID_FULL,
 * PRIORITY (6 for stdout, 3 for stderr), CONTAINER_ID (12 characters),
 * CONTAINER_TAG, CONTAINER_NAME, SYSLOG_IDENTIFIER (tag, else name, else
 * the short id) and CONTAINER_PARTIAL_MESSAGE=true for a piece of a longer
 * line. Pieces shorter than 8192 bytes wait for the rest of their line.
 */

#define JOURNAL_DGRAM_MAX  (MONITOR_PACKET_DATA + 16384)
#define JOURNAL_MAX_LABELS 32

size_t journald_encode(char *buf, size_t size, const char *const *fields, const char *msg,
		       size_t msg_len, bool partial, int priority)
{
	char prio[16];
	size_t off;

	/* MESSAGE may hold a newline (it ends with one): always the binary form */
	off = journal_native_put(buf, size, 0, "MESSAGE", 7, msg, msg_len, true);
	snprintf(prio, sizeof(prio), "%d", priority);
	off = journal_native_put(buf, size, off, "PRIORITY", 8, prio, strlen(prio), false);
	for (size_t i = 0; fields && fields[i]; i++)
		off = journal_native_put_field(buf, size, off, fields[i]);
	if (partial)
		off = journal_native_put_field(buf, size, off, "CONTAINER_PARTIAL_MESSAGE=true");
	return off == SIZE_MAX ? 0 : off;
}

/* A value for the "KEY=value" text form: newlines would end the field. */
static char *field(const char *key, const char *value)
{
	char *f = xasprintf("%s=%s", key, value);

	for (char *p = f; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return f;
}

int journald_log_open(struct journald_log **ret, const struct monitor_config *cfg,
		      struct pea_error **err)
{
	const struct monitor_options *o = cfg->opts;
	struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
	struct journald_log *j;
	char short_id[13];

	j = xnew(struct journald_log, 1);
	/* like conmon: a missing journal is not fatal, its entries are dropped */
	j->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (j->fd >= 0 && connect(j->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		log_warning("log driver 'journald': connect to '%s': %s, dropping its entries",
			    JOURNAL_SOCKET, strerror(errno));
		j->fd = pea_close(j->fd);
	}
	snprintf(short_id, sizeof(short_id), "%.12s", o->cid);
	j->cid_full = field("CONTAINER_ID_FULL", o->cid);
	j->cid_short = field("CONTAINER_ID", short_id);
	j->name = o->name ? field("CONTAINER_NAME", o->name) : NULL;
	j->tag = o->log_tag ? field("CONTAINER_TAG", o->log_tag) : NULL;
	j->identifier = field("SYSLOG_IDENTIFIER",
			      o->log_tag ? o->log_tag : (o->name ? o->name : short_id));
	j->partial_flag = !o->no_container_partial_message;
	for (size_t i = 0; o->log_labels && o->log_labels[i]; i++)
		pea_strv_push(&j->labels, o->log_labels[i]);
	*ret = j;
	return 0;
}

static void journald_send(struct journald_log *j, enum monitor_stream s, const char *msg,
			  size_t len, bool partial)
{
	const char *fields[6 + JOURNAL_MAX_LABELS];
	char dgram[JOURNAL_DGRAM_MAX];
	size_t n = 0, k = 0;

	fields[k++] = j->cid_full;
	fields[k++] = j->cid_short;
	if (j->tag)
		fields[k++] = j->tag;
	if (j->name)
		fields[k++] = j->name;
	fields[k++] = j->identifier;
	for (size_t i = 0; j->labels && j->labels[i] && i < JOURNAL_MAX_LABELS; i++)
		fields[k++] = j->labels[i];
	fields[k] = NULL;
	if (j->fd < 0)
		return;
	n = journald_encode(dgram, sizeof(dgram), fields, msg, len, partial && j->partial_flag,
			    s == STREAM_STDERR ? 3 : 6);
	if (n == 0 || send(j->fd, dgram, n, MSG_NOSIGNAL) < 0)
		log_debug("send a journal entry: %s, dropping it",
			  n ? strerror(errno) : "too long");
}

void journald_log_write(struct journald_log *j, enum monitor_stream s, const char *buf, size_t len)
{
	int i = s == STREAM_STDERR ? 1 : 0;
	char *partial = j->partial[i];
	size_t *plen = &j->partial_len[i];

	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t line_len = nl ? (size_t)(nl - buf) + 1 : len;
		size_t take = line_len;

		if (*plen + take > MONITOR_PACKET_DATA)
			take = MONITOR_PACKET_DATA - *plen;
		memcpy(partial + *plen, buf, take);
		*plen += take;
		buf += take;
		len -= take;
		if (take == line_len && nl) {
			journald_send(j, s, partial, *plen, false);
			*plen = 0;
		} else if (*plen == MONITOR_PACKET_DATA) {
			journald_send(j, s, partial, *plen, true);
			*plen = 0;
		}
	}
}

void journald_log_flush(struct journald_log *j)
{
	for (int i = 0; i < 2; i++) {
		if (j->partial_len[i] == 0)
			continue;
		journald_send(j, i ? STREAM_STDERR : STREAM_STDOUT, j->partial[i],
			      j->partial_len[i], true);
		j->partial_len[i] = 0;
	}
}

struct journald_log *journald_log_free(struct journald_log *j)
{
	if (!j)
		return NULL;
	pea_close(j->fd);
	free(j->cid_full);
	free(j->cid_short);
	free(j->name);
	free(j->tag);
	free(j->identifier);
	pea_strv_free(j->labels);
	free(j);
	return NULL;
}
