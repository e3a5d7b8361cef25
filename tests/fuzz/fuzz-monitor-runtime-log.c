/* The runtime's --log file (JSON lines) that pea-monitor reads its error from. */
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *msg = runtime_log_last_error((const char *)data, size);

	if (msg && strlen(msg) > size)
		abort();
	free(msg);
	return 0;
}
