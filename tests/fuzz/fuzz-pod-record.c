/*
 * pea pod's record (ROOT/pods/ID/pod.json), read back by every pod command:
 * strict JSON, typed fields, whatever a damaged or hand-edited file holds.
 */
#include <stdlib.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "frontend/pod.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct pod_record *p = NULL;

	if (pod_record_parse((const char *)data, size, &p, &err) == 0)
		(void)pod_shares(p, "net");
	pod_record_free(p);
	return 0;
}
