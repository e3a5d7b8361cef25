/* The storage.conf parser over arbitrary bytes. */
#include "lib/cleanup.h"
#include "lib/error.h"
#include "storage/config.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct storage_conf c = { 0 };

	storage_conf_parse((const char *)data, size, "fuzz.conf", &c, &err);
	storage_conf_clear(&c);
	return 0;
}
