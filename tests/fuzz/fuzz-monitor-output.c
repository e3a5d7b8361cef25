/*
 * A container's output through pea-monitor's log writers: the first byte
 * picks the stream and the cut points, the rest is the output, written to a
 * k8s-file log (in a private temp folder, with a size cap) and a journald
 * writer whose socket is closed (entries are encoded, then dropped).
 *
 * Never /dev/null: with a size cap the writer replaces the file by rename,
 * which turned the host's /dev/null into a regular file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "monitor/monitor.h"
#include "tests/fuzz/fuzz.h"

static char log_dir[] = "/tmp/pea-fuzz-monitor.XXXXXX";
static char log_path[sizeof(log_dir) + 16];

static void remove_log_dir(void)
{
	unlink(log_path);
	rmdir(log_dir);
}

static const char *fuzz_log_path(void)
{
	if (!log_path[0]) {
		if (!mkdtemp(log_dir))
			abort();
		snprintf(log_path, sizeof(log_path), "%s/ctr.log", log_dir);
		atexit(remove_log_dir);
	}
	return log_path;
}

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
	if (k8s_log_open(&k, fuzz_log_path(), size && (data[0] & 1) ? 300 : -1, -1, false, &err) <
	    0)
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
