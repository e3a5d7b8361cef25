/*
 * A container's output through pea-monitor's log writers: the first byte
 * picks the stream and the cut points, the rest is the output, written to a
 * k8s-file log (on /dev/null, with a size cap) and a journald writer whose
 * socket is closed (entries are encoded, then dropped).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "monitor/monitor.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct journald_log *j;
	struct k8s_log k;
	size_t step;

	if (size < 1)
		return 0;
	step = (size_t)(data[0] % 16) * 997 + 1;
	data++;
	size--;
	if (k8s_log_open(&k, "/dev/null", size && (data[0] & 1) ? 300 : -1, -1, false, &err) < 0)
		return 0;
	j = calloc(1, sizeof(*j));
	j->fd = -1;
	j->cid_full = strdup("CONTAINER_ID_FULL=0123456789abcdef");
	j->cid_short = strdup("CONTAINER_ID=0123456789ab");
	j->identifier = strdup("SYSLOG_IDENTIFIER=fuzz");
	for (size_t off = 0; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;
		enum monitor_stream s = (off / step) % 2 ? STREAM_STDERR : STREAM_STDOUT;

		k8s_log_write(&k, s, (const char *)data + off, n);
		journald_log_write(j, s, (const char *)data + off, n);
	}
	journald_log_flush(j);
	{
		const char *fields[] = { j->cid_full, j->identifier, NULL };
		char dgram[512];

		journald_encode(dgram, sizeof(dgram), fields, (const char *)data, size, size & 1,
				6);
	}
	journald_log_free(j);
	k8s_log_close(&k);
	return 0;
}
