/*
 * pea exec's reading of the OCI runtime's JSON log after a failed exec
 * (crun's and pea-runtime's --log-format=json: one object a line, the
 * runtime's errors, whose text can name the container's files).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "frontend/commands.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *s = NULL;
	int status;

	if (size > 65536)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	status = exec_runtime_error(s, &err);
	if (status != 0 && (!err || (status != 125 && status != 126 && status != 127)))
		abort();
	if (status == 0 && err)
		abort();
	return 0;
}
