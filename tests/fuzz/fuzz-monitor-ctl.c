/* pea-monitor's ctl and winsz fifo lines ("1 40 100", "2", "50 120"). */
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[200];
	unsigned rows, cols;
	int type;

	/* the monitor hands over at most 199 bytes, NUL-terminated, without '\n' */
	if (size >= sizeof(line))
		size = sizeof(line) - 1;
	memcpy(line, data, size);
	line[size] = '\0';
	if (ctl_parse_ctl_line(line, &type, &rows, &cols) == 0 && (rows > 65535 || cols > 65535))
		abort();
	if (ctl_parse_winsz_line(line, &rows, &cols) == 0 && (rows > 65535 || cols > 65535))
		abort();
	return 0;
}
