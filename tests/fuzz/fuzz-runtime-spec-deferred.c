/*
 * spec_parse_deferred (oci-runtime/spec.c) on arbitrary bytes: config.json
 * with linux.seccomp's text split out unparsed (spec_load_deferred, create's
 * load) is accepted exactly when spec_parse accepts it, once the split-out
 * text is parsed (spec_seccomp_materialize), and then gives the same
 * profile; an error always has a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "oci-runtime/seccomp.h"
#include "oci-runtime/spec.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL, *err2 = NULL;
	struct spec *plain = NULL, *d = NULL;
	bool ok_plain, ok_d;

	ok_plain = spec_parse((const char *)data, size, "/bundle", &plain, &err) == 0;
	ok_d = spec_parse_deferred((const char *)data, size, "/bundle", &d, &err2) == 0 &&
	       spec_seccomp_materialize(d, &err2) == 0;
	if (ok_plain != ok_d || (!ok_d && (!err2 || !err2->message || !*err2->message)))
		abort();
	if (ok_d && (!plain->seccomp != !d->seccomp ||
		     (d->seccomp && (d->seccomp->n_syscalls != plain->seccomp->n_syscalls ||
				     d->seccomp->default_action != plain->seccomp->default_action ||
				     d->seccomp->flags != plain->seccomp->flags))))
		abort();
	spec_free(plain);
	spec_free(d);
	return 0;
}
